/* validate: checks every Insider user object against Insider's rules before it is sent;
 * passes the valid ones on unchanged and sets the others aside with their reasons. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "err.h"
#include "rec.h"
#include "val_fmt.h"
#include "val_iso.h"
#include "val_run.h"
#include "val_schema.h"
#include "rec_open.h"
#include "version.h"

#define USAGE \
	"validate [--msgpack] [--schema FILE] [--rejects FILE] [--max-reject-ratio R] " \
	"[--max-event-age DAYS] [--strict] [FILE]"
#define HELP \
	"Reads Insider user objects (NDJSON or MessagePack) and writes the valid ones unchanged.\n" \
	"  -M, --msgpack             write MessagePack (also DBXI_WIRE=msgpack)\n" \
	"  -s, --schema FILE         the account's custom attributes and events (JSON)\n" \
	"  -r, --rejects FILE        append rejected records there (default: reasons on stderr)\n" \
	"  -R, --max-reject-ratio R  exit 65 when more than R (0 to 1) of the records are rejected\n" \
	"  -a, --max-event-age DAYS  warn about events older than DAYS (0: never; default:\n" \
	"                            Insider's retention, 730 days for purchase, 90 for custom)\n" \
	"  -S, --strict              reject on warnings too (old events, null values)\n" \
	"  -V, --version             print the version\n" \
	"  -h, --help                this text\n" \
	"Records come from FILE, or standard input when it is - or absent. (-m of --msgpack was\n" \
	"removed: docs/cli.md.)\n" \
	"Environment: DBXI_NOW (RFC 3339 or epoch seconds) fixes the clock; DBXI_ISO_CODES_DIR\n" \
	"the iso-codes JSON directory (default " VAL_ISO_DIR_DEFAULT ").\n" \
	"Rules: docs/insider-rules.md, validate(1).\n" \
	DBXI_HELP_EXIT

#define WARN_SHOWN 10 /* warnings of one rule shown on stderr; the summary counts all */

struct warn_state {
	unsigned long shown[VR__N];
};

static void
warn_line(void *arg, uint64_t recno, const char *field, int r, const char *msg)
{
	struct warn_state *ws = arg;
	const char *rule = val_rule_name(r);
	if (r < 0 || r >= VR__N)
		r = 0;
	if (ws->shown[r] < WARN_SHOWN)
		err_warn("record %llu: %s%s%s (%s; warning: passed on)", (unsigned long long)recno,
			 field, *field ? ": " : "", msg, rule);
	else if (ws->shown[r] == WARN_SHOWN)
		err_warn("further %s warnings are not shown; the summary counts them (--strict "
			 "--rejects FILE lists them all)", rule);
	ws->shown[r]++;
}

static int64_t
clock_now(void)
{
	const char *s = getenv("DBXI_NOW");
	int64_t t;
	char *end;
	long long v;
	if (!s || !*s)
		return (int64_t)time(NULL);
	if (val_fmt_rfc3339(s, strlen(s), &t, NULL) == 0)
		return t;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		err_die(XIT_USAGE, "DBXI_NOW: not an RFC 3339 date-time nor epoch seconds: '%s'", s);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "msgpack", no_argument, NULL, 'M' },
		{ "version", no_argument, NULL, 'V' },
		{ "schema", required_argument, NULL, 's' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "max-reject-ratio", required_argument, NULL, 'R' },
		{ "max-event-age", required_argument, NULL, 'a' },
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct val_opts o;
	struct val_stats st;
	struct warn_state ws;
	struct err e = ERR_INIT;
	struct buf sum = BUF_INIT;
	const char *schema_path = NULL;
	struct val_schema *schema = NULL;
	struct val_iso *iso;
	double ratio = -1;
	int msgpack = 0, c, rc;
	char *end;

	err_init("validate", argv);
	argv[0] = (char *)PROG;
	memset(&o, 0, sizeof o);
	memset(&ws, 0, sizeof ws);
	o.cfg.max_event_age = -1;
	while ((c = getopt_long(argc, argv, "Ms:r:R:a:SVh", longopts, NULL)) != -1)
		switch (c) {
		case 'M': msgpack = 1; break;
		case 'V':
			printf("%s %s\n", PROG, DBXI_VERSION);
			err_close_stdout();
			return 0;
		case 's': schema_path = optarg; break;
		case 'r': o.rejects = optarg; break;
		case 'R':
			errno = 0;
			ratio = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(ratio >= 0 && ratio <= 1)) {
				err_warn("--max-reject-ratio takes a number from 0 to 1: '%s'", optarg);
				err_usage(USAGE, XIT_USAGE);
			}
			break;
		case 'a': {
			long v;
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 1000000) {
				err_warn("--max-event-age takes a number of days (0 = no check): '%s'", optarg);
				err_usage(USAGE, XIT_USAGE);
			}
			o.cfg.max_event_age = v;
			break;
		}
		case 'S': o.cfg.strict = 1; break;
		case 'h':
			printf("usage: %s\n%s", USAGE, HELP);
			err_close_stdout();
			return 0;
		default:
			err_usage(USAGE, XIT_USAGE);
		}
	if (argc - optind > 1) {
		err_warn("unexpected argument '%s' (one input FILE at most)", argv[argc - 1]);
		err_usage(USAGE, XIT_USAGE);
	}
	o.cfg.now = clock_now();
	size_t max;
	if (rec_max_record(&max, &e) < 0)
		err_exit(&e);

	if (!(iso = val_iso_load(NULL, &e)))
		err_exit(&e);
	if (schema_path) {
		if (!(schema = val_schema_load(schema_path, &e)))
			err_exit(&e);
		if (val_schema_nattrs(schema) > VAL_LIMIT_CUSTOM_ATTRIBUTES ||
		    val_schema_nparams(schema) > VAL_LIMIT_CUSTOM_PARAMS) {
			if (val_schema_nattrs(schema) > VAL_LIMIT_CUSTOM_ATTRIBUTES)
				err_warn("%s: %zu custom attributes: more than Insider's default limit of %d",
					 schema_path, val_schema_nattrs(schema), VAL_LIMIT_CUSTOM_ATTRIBUTES);
			if (val_schema_nparams(schema) > VAL_LIMIT_CUSTOM_PARAMS)
				err_warn("%s: %zu custom event parameters: more than Insider's limit of %d",
					 schema_path, val_schema_nparams(schema), VAL_LIMIT_CUSTOM_PARAMS);
			if (o.cfg.strict)
				err_die(XIT_CONFIG, "%s: refused under --strict (schema over Insider's limits)",
					schema_path);
		}
	}
	if ((o.in_fd = rec_open_input(optind < argc ? argv[optind] : NULL, &e)) < 0)
		err_exit(&e);
	o.out_fd = 1;
	o.form = rec_form_choose(msgpack);
	o.cfg.iso = iso;
	o.cfg.schema = schema;
	o.warn = warn_line;
	o.warn_arg = &ws;

	rc = val_run(&o, &st, &e);
	if (val_summary(&sum, &st, schema != NULL) == 0 && !(rc < 0 && e.status == XIT_EPIPE))
		err_warn("%s", sum.p);
	buf_free(&sum);
	val_schema_free(schema);
	val_iso_free(iso);
	if (rc < 0)
		err_exit(&e);
	if (st.unknown_custom) {
		struct buf l = BUF_INIT;
		if (val_missing_list(&l, &st) < 0)
			err_die(XIT_TEMPFAIL, "out of memory");
		err_die(XIT_CONFIG,
			"records need custom fields that %s does not define: %s: create them in "
			"Insider's panel and add them to the schema file, or fix the mapping; nothing "
			"from record %llu on was passed on",
			schema_path ? schema_path : "the schema file", l.p ? l.p : "",
			(unsigned long long)st.first_unknown_recno);
	}
	if (ratio >= 0 && st.in > 0 && (double)st.rejected > ratio * (double)st.in)
		err_die(XIT_DATAERR, "%llu of %llu records rejected: more than --max-reject-ratio %g",
			(unsigned long long)st.rejected, (unsigned long long)st.in, ratio);
	err_close_stdout();
	return 0;
}
