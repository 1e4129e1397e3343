/* dbx-cdf-read: a Delta table's Change Data Feed through a Databricks SQL warehouse, as records.
 * See docs/dbx-cdf-read.1. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dbx_api.h"
#include "dbx_cdf.h"
#include "dbx_cfg.h"
#include "dbx_cols.h"
#include "dbx_state.h"
#include "dbx_stmt.h"
#include "err.h"
#include "http.h"
#include "rec.h"
#include "version.h"

static const char USAGE[] =
	"dbx-cdf-read [options] CATALOG.SCHEMA.TABLE\n"
	"       dbx-cdf-read --verify [options] CATALOG.SCHEMA.TABLE\n"
	"       dbx-cdf-read --schema [options] CATALOG.SCHEMA.TABLE\n"
	"       dbx-cdf-read --list [options] [CATALOG[.SCHEMA]]\n"
	"       dbx-cdf-read --state-show --state FILE CATALOG.SCHEMA.TABLE\n"
	"       dbx-cdf-read --state-settle [--complete] [--progress FILE] --state FILE CATALOG.SCHEMA.TABLE";

static const char HELP[] =
	"Reads a Delta table's Change Data Feed through a Databricks SQL warehouse and writes one\n"
	"record per change row (JSON lines, or MessagePack), ordered by _commit_version.\n"
	"\n"
	"Range:\n"
	"      --state FILE         read from the version after FILE's (none: full snapshot);\n"
	"                           writes FILE.pending before the first record, never FILE\n"
	"  -f, --from-version N     first version to read (beats --state)\n"
	"      --from-timestamp TS  first version committed at or after TS (YYYY-MM-DD[ HH:MM:SS]\n"
	"                           [Z|+HH:MM], UTC by default): a backfill from a point in time\n"
	"  -t, --to-version N       last version to read (default: the latest, pinned at start)\n"
	"      --snapshot           the whole table at the (pinned) latest version, as inserts\n"
	"      --change-types LIST  insert,update_postimage,update_preimage,delete,update,all\n"
	"                           (default: insert,update_postimage)\n"
	"      --shard K/N          only the rows whose --shard-key hashes to K of N (0 <= K < N),\n"
	"                           chosen in the warehouse: split one table across machines\n"
	"      --shard-key COLUMN   the column to hash (a user key, so a user stays in one shard)\n"
	"      --columns LIST       read only these columns (comma-separated; the CDF columns\n"
	"                           are always read): row-map --columns -m MAPPING prints them\n"
	"      --window-rows N      rows per statement (default 1000000): a result lives one hour\n"
	"      --window-key COLUMN  read a snapshot, or a version over N rows, in windows of rows\n"
	"                           whose COLUMN hashes alike; the state keeps delivered windows\n"
	"Other modes:\n"
	"      --verify             check credentials, warehouse, table, CDF, SELECT; one line each\n"
	"  -l, --list               browse catalogs, schemas, tables (Unity Catalog) as records\n"
	"      --schema             the table's columns and types as one record\n"
	"      --state-show         print the --state FILE as one JSON line (the one parser of it)\n"
	"      --state-settle       move the --state FILE forward after a run: to the end of\n"
	"                           FILE.pending's range (--complete), or as far as insider-push's\n"
	"                           --progress FILE proves delivered; never back\n"
	"Connection (beat the environment, which beats the profile; secrets only from the\n"
	"environment, *_FILE or the profile):\n"
	"      --host HOST          workspace host (DATABRICKS_HOST)\n"
	"      --http-path PATH     warehouse HTTP Path (DATABRICKS_HTTP_PATH)\n"
	"  -w, --warehouse-id ID    warehouse id (DATABRICKS_WAREHOUSE_ID)\n"
	"      --profile NAME       ~/.databrickscfg profile (DATABRICKS_CONFIG_PROFILE)\n"
	"      --config-file FILE   config file (DATABRICKS_CONFIG_FILE)\n"
	"  -T, --timeout SECONDS    how long a statement may stay pending (default 1800)\n"
	"Output:\n"
	"  -M, --msgpack            MessagePack instead of JSON lines (also DBXI_WIRE=msgpack)\n"
	"      --rejects FILE       rows over the record size limit (DBXI_MAX_RECORD), without\n"
	"                           their large values (NDJSON); without it, named on stderr\n"
	"  -V, --version            print the version\n"
	"  -h, --help               this help\n"
	"(-s, -S, -c, -V, -p, -m of --state, --snapshot, --change-types, --verify, --profile,\n"
	"--msgpack were removed: docs/cli.md)\n"
	DBXI_HELP_EXIT;

static volatile sig_atomic_t g_stop;

static void
on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/* every message leaves through here or die(): scrubbed of the known secrets (#10.12) */
static _Noreturn void
die(struct err *e)
{
	dbx_scrub(e->msg, sizeof e->msg);
	err_exit(e);
}

/* retries and long waits, said on stderr (#11.4); already scrubbed by lib/dbx_api */
static void
note(void *arg, const char *msg)
{
	(void)arg;
	err_warn("%s", msg);
}

static void
verify_line(void *arg, int ok, const char *text)
{
	char b[2048];
	(void)arg;
	snprintf(b, sizeof b, "%s", text);
	dbx_scrub(b, sizeof b);
	printf("%s: %s\n", ok ? "ok" : "FAIL", b);
	fflush(stdout);
}

static void
say_note(void *arg, const char *msg)
{
	(void)arg;
	err_warn("%s", msg);
}

static long long
num_arg(const char *opt, const char *v)
{
	char *end;
	long long n;
	if (!*v || *v == '-' || *v == '+')
		goto bad;
	n = strtoll(v, &end, 10);
	if (*end || n < 0)
		goto bad;
	return n;
bad:
	fprintf(stderr, "%s: %s: not a non-negative integer: %s\n", PROG, opt, v);
	err_usage(USAGE, XIT_USAGE);
}

int
main(int argc, char **argv)
{
	enum { O_SCHEMA = 256, O_VERIFY, O_HOST, O_HTTP_PATH, O_CONFIG_FILE, O_SHARD, O_SHARD_KEY, O_REJECTS,
		O_COLUMNS, O_FROM_TS, O_WINDOW_ROWS, O_WINDOW_KEY, O_STATE_SHOW, O_STATE_SETTLE,
		O_COMPLETE, O_PROGRESS };
	static const struct option lo[] = {
		{ "state", required_argument, NULL, 's' },
		{ "from-version", required_argument, NULL, 'f' },
		{ "from-timestamp", required_argument, NULL, O_FROM_TS },
		{ "columns", required_argument, NULL, O_COLUMNS },
		{ "to-version", required_argument, NULL, 't' },
		{ "snapshot", no_argument, NULL, 'S' },
		{ "change-types", required_argument, NULL, 'c' },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "shard-key", required_argument, NULL, O_SHARD_KEY },
		{ "rejects", required_argument, NULL, O_REJECTS },
		{ "window-rows", required_argument, NULL, O_WINDOW_ROWS },
		{ "window-key", required_argument, NULL, O_WINDOW_KEY },
		{ "state-show", no_argument, NULL, O_STATE_SHOW },
		{ "state-settle", no_argument, NULL, O_STATE_SETTLE },
		{ "complete", no_argument, NULL, O_COMPLETE },
		{ "progress", required_argument, NULL, O_PROGRESS },
		{ "verify", no_argument, NULL, O_VERIFY },
		{ "list", no_argument, NULL, 'l' },
		{ "schema", no_argument, NULL, O_SCHEMA },
		{ "host", required_argument, NULL, O_HOST },
		{ "http-path", required_argument, NULL, O_HTTP_PATH },
		{ "warehouse-id", required_argument, NULL, 'w' },
		{ "profile", required_argument, NULL, 'p' },
		{ "config-file", required_argument, NULL, O_CONFIG_FILE },
		{ "timeout", required_argument, NULL, 'T' },
		{ "msgpack", no_argument, NULL, 'M' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dbx_flags fl = { 0 };
	struct dbx_cdf_opts o = { NULL, NULL, -1, -1, 0, DBX_CT_DEFAULT, 1800, NULL, 0, 0, NULL, NULL,
		0, NULL, NULL, NULL };
	struct dbx_cfg cfg;
	struct dbx_conn *conn;
	struct rec_writer *w = NULL;
	struct err e = ERR_INIT;
	int mode = 0, msgpack = 0, ch, rc, complete = 0;
	const char *rejects = NULL, *progress = NULL;
	size_t max_record;
	const char *columns = NULL, *from_ts = NULL;
	err_init("dbx-cdf-read", argv);

	while ((ch = getopt_long(argc, argv, "f:t:lw:T:MVh", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o.state_file = optarg; break;
		case 'f': o.from = num_arg("--from-version", optarg); break;
		case 't': o.to = num_arg("--to-version", optarg); break;
		case 'S': o.snapshot = 1; break;
		case 'c':
			if (dbx_change_types(optarg, &o.change_types, &e) < 0) {
				fprintf(stderr, "%s: %s\n", PROG, e.msg);
				err_usage(USAGE, XIT_USAGE);
			}
			break;
		case O_VERIFY: mode = mode && mode != 'V' ? -1 : 'V'; break;
		case 'l': mode = mode && mode != 'l' ? -1 : 'l'; break;
		case O_SCHEMA: mode = mode && mode != 's' ? -1 : 's'; break;
		case O_SHARD: {
			char *end;
			long k, n;
			k = strtol(optarg, &end, 10);
			n = *end == '/' && end[1] >= '0' && end[1] <= '9' ? strtol(end + 1, &end, 10) : -1;
			if (optarg[0] < '0' || optarg[0] > '9' || *end || n < 2 || n > 4096 || k < 0 || k >= n) {
				fprintf(stderr, "%s: --shard: K/N with 0 <= K < N <= 4096, not '%s'\n", PROG, optarg);
				err_usage(USAGE, XIT_USAGE);
			}
			o.shard_k = (int)k;
			o.shard_n = (int)n;
			break;
		}
		case O_SHARD_KEY: o.shard_key = optarg; break;
		case O_REJECTS: rejects = optarg; break;
		case O_COLUMNS: columns = optarg; break;
		case O_FROM_TS: from_ts = optarg; break;
		case O_WINDOW_ROWS: {
			long long n = num_arg("--window-rows", optarg);
			if (n < 1 || n > 1000000000) {
				fprintf(stderr, "%s: --window-rows: 1 to 1000000000 rows, not %s\n", PROG,
					optarg);
				err_usage(USAGE, XIT_USAGE);
			}
			o.window_rows = n;
			break;
		}
		case O_WINDOW_KEY: o.window_key = optarg; break;
		case O_STATE_SHOW: mode = mode && mode != 'w' ? -1 : 'w'; break;
		case O_STATE_SETTLE: mode = mode && mode != 'x' ? -1 : 'x'; break;
		case O_COMPLETE: complete = 1; break;
		case O_PROGRESS: progress = optarg; break;
		case O_HOST: fl.host = optarg; break;
		case O_HTTP_PATH: fl.http_path = optarg; break;
		case 'w': fl.warehouse_id = optarg; break;
		case 'p': fl.profile = optarg; break;
		case O_CONFIG_FILE: fl.config_file = optarg; break;
		case 'T': {
			long long t = num_arg("--timeout", optarg);
			if (t < 1 || t > 86400) {
				fprintf(stderr, "%s: --timeout: 1 to 86400 seconds\n", PROG);
				err_usage(USAGE, XIT_USAGE);
			}
			o.timeout_s = (int)t;
			break;
		}
		case 'M': msgpack = 1; break;
		case 'V':
			printf("%s %s\n", PROG, DBXI_VERSION);
			err_close_stdout();
			return 0;
		case 'h':
			printf("usage: %s\n\n%s", USAGE, HELP);
			err_close_stdout();
			return 0;
		default:
			err_usage(USAGE, XIT_USAGE);
		}
	}
	if (mode < 0) {
		fprintf(stderr, "%s: --verify, --list, --schema, --state-show and --state-settle "
			"exclude each other\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (mode == 'l' ? argc - optind > 1 : argc - optind != 1) {
		fprintf(stderr, "%s: %s\n", PROG, mode == 'l' ? "--list takes at most one CATALOG[.SCHEMA]"
			: "give one table: CATALOG.SCHEMA.TABLE");
		err_usage(USAGE, XIT_USAGE);
	}
	if ((complete || progress) && mode != 'x') {
		fprintf(stderr, "%s: --complete and --progress only go with --state-settle\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if ((mode == 'w' || mode == 'x') && !o.state_file) {
		fprintf(stderr, "%s: --state-show and --state-settle need --state FILE\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (mode == 'x' && !complete && !progress) {
		fprintf(stderr, "%s: --state-settle needs --complete or --progress FILE\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (mode && (((mode != 'w' && mode != 'x') && o.state_file) || o.from >= 0 || o.to >= 0 ||
	    o.snapshot)) {
		fprintf(stderr, "%s: --state, --from-version, --to-version and --snapshot only go with "
			"reading\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (!o.shard_n != !o.shard_key) {
		fprintf(stderr, "%s: --shard and --shard-key go together\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (mode && (columns || from_ts)) {
		fprintf(stderr, "%s: --columns and --from-timestamp only go with reading\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (from_ts && (o.from >= 0 || o.snapshot)) {
		fprintf(stderr, "%s: --from-timestamp excludes --from-version and --snapshot\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (o.snapshot && o.from >= 0) {
		fprintf(stderr, "%s: --snapshot and --from-version exclude each other\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (o.from >= 0 && o.to >= 0 && o.to < o.from) {
		fprintf(stderr, "%s: --to-version %lld is before --from-version %lld\n", PROG, o.to, o.from);
		err_usage(USAGE, XIT_USAGE);
	}
	o.table = optind < argc ? argv[optind] : NULL;
	if (o.table && mode != 'l') {
		struct buf b = BUF_INIT;
		if (dbx_table_ref(o.table, &b, NULL, NULL, NULL, &e) < 0) {
			buf_free(&b);
			fprintf(stderr, "%s: %s\n", PROG, e.msg);
			err_usage(USAGE, XIT_USAGE);
		}
		buf_free(&b);
	}

	if (mode && rejects) {
		fprintf(stderr, "%s: --rejects only goes with reading\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (rec_max_record(&max_record, &e) < 0)
		err_exit(&e);
	/* rows too large to pass: to FILE, or named on stderr; the read goes on */
	if (!mode && !(o.rej = rej_open(rejects, "dbx-cdf-read", &e)))
		err_exit(&e);
	if (o.window_key) {
		struct buf b = BUF_INIT;
		if (dbx_sql_ident(&b, o.window_key, strlen(o.window_key), &e) < 0) {
			buf_free(&b);
			fprintf(stderr, "%s: --window-key: %s\n", PROG, e.msg);
			err_usage(USAGE, XIT_USAGE);
		}
		buf_free(&b);
	}
	if (mode == 'w' || mode == 'x') {
		/* the state alone: no network, no credentials */
		struct dbx_state s;
		struct buf b = BUF_INIT;
		int moved = 0;
		if (mode == 'w')
			rc = dbx_state_load(o.state_file, o.table, &s, &e);
		else
			rc = dbx_state_settle(o.state_file, o.table, progress, complete, &moved, &s, &e);
		if (rc < 0)
			err_exit(&e);
		if (rc == 1 || (s.version < 0 && s.wversion < 0)) {
			/* no state (yet): nothing printed */
			err_close_stdout();
			return 0;
		}
		if (dbx_state_json(&s, &b) < 0)
			err_die(XIT_TEMPFAIL, "out of memory");
		fwrite(b.p, 1, b.len, stdout);
		buf_free(&b);
		err_close_stdout();
		return 0;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	dbx_set_abort_flag(&g_stop);
	if (http_global_init(&e) < 0)
		die(&e);
	if (dbx_cfg_load(&cfg, &fl, mode == 'l' ? 0 : DBX_NEED_WAREHOUSE, &e) < 0)
		die(&e);
	if (cfg.warn[0])
		err_warn("warning: %s", cfg.warn);
	conn = dbx_conn_new(&cfg, &e);
	dbx_cfg_free(&cfg);
	if (!conn)
		die(&e);
	dbx_conn_set_note(conn, note, NULL);

	if (mode == 'V') {
		rc = dbx_cdf_verify(conn, o.table, o.timeout_s, verify_line, NULL, &e);
		dbx_conn_free(conn);
		if (rc < 0) {
			fflush(stdout);
			die(&e);
		}
		err_close_stdout();
		return 0;
	}
	o.columns = columns;
	if (from_ts) {
		char tnote[300];
		int k = dbx_version_at(conn, o.table, from_ts, o.timeout_s, &o.from, tnote, sizeof tnote, &e);
		if (k < 0) {
			dbx_conn_free(conn);
			die(&e);
		}
		if (k == 1) {
			dbx_conn_free(conn);
			if (rej_close(o.rej, &e) < 0)
				err_exit(&e);
			err_warn("%s", tnote);
			err_close_stdout();
			return 0;
		}
		if (o.to >= 0 && o.to < o.from) {
			dbx_conn_free(conn);
			err_die(XIT_USAGE, "--to-version %lld is before version %lld, the first committed "
				"at or after --from-timestamp %s", o.to, o.from, from_ts);
		}
	}
	if (!(w = rec_writer_new(STDOUT_FILENO, rec_form_choose(msgpack)))) {
		dbx_conn_free(conn);
		err_die(XIT_TEMPFAIL, "out of memory");
	}
	if (mode == 'l')
		rc = dbx_cdf_list(conn, o.table, w, &e);
	else if (mode == 's')
		rc = dbx_cdf_schema(conn, o.table, o.timeout_s, w, &e);
	else {
		struct dbx_cdf_stats st;
		o.note = say_note;
		rc = dbx_cdf_read(conn, &o, w, &st, &e);
		dbx_scrub(st.warn, sizeof st.warn);
		dbx_scrub(st.note, sizeof st.note);
		if (st.warn[0])
			err_warn("warning: %s", st.warn);
		if (rc == 0 && st.nothing)
			err_warn("%s", st.note);
		if (rc == 0 || st.rows) {
			if (!st.nothing && st.rejected)
				err_warn("read versions %lld..%lld: %llu row%s (%llu dropped, %llu rejected%s%s)",
					st.from, st.to, st.rows, st.rows == 1 ? "" : "s", st.dropped, st.rejected,
					rejects ? " to " : "", rejects ? rejects : "");
			else if (!st.nothing)
				err_warn("read versions %lld..%lld: %llu row%s (%llu dropped)", st.from, st.to,
					st.rows, st.rows == 1 ? "" : "s", st.dropped);
			else
				err_warn("read versions %lld..%lld: 0 rows (0 dropped)", st.from, st.to);
		}
	}
	struct err e2 = ERR_INIT;
	int crc = rec_writer_close(w, &e2);
	if (rej_close(o.rej, &e2) < 0)
		crc = -1;
	dbx_conn_free(conn);
	if (rc < 0) {
		if (g_stop && e.status == XIT_TEMPFAIL)
			err_die(XIT_TEMPFAIL, "interrupted: nothing is committed; run again");
		die(&e);
	}
	if (crc < 0)
		die(&e2);
	dbx_scrub_clear();
	err_close_stdout();
	return 0;
}
