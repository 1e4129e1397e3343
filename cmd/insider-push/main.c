/* insider-push: deliver user objects through Insider's Upsert API. See docs/insider-push.1
 * and docs/delivery.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "cfg.h"
#include "err.h"
#include "http.h"
#include "ins_batch.h"
#include "ins_meta.h"
#include "ins_profile.h"
#include "ins_push.h"
#include "rec_open.h"
#include "version.h"
#include "rec.h"

static const char USAGE[] =
	"insider-push [--dry-run] [--quiet] [--batch-size N] [--batch-bytes N]\n"
	"       [--concurrency N] [--rate N] [--skip-hook] [--not-append] [--no-merge]\n"
	"       [--rejects FILE] [--journal FILE] [--progress FILE] [--max-attempts N]\n"
	"       [--retry-time SECONDS] [--backoff MS] [--timeout SECONDS]\n"
	"       [--max-reject-ratio R] [FILE]\n"
	"       insider-push --reconcile [--sample N] [--exclude FILE] [--rate N] [FILE]\n"
	"       insider-push --verify\n"
	"       insider-push --fetch-schema";

static const char HELP[] =
	"Sends user objects (NDJSON or MessagePack, from FILE or stdin) to Insider's Upsert API.\n"
	"\n"
	"  -n, --dry-run          print each request body on a line, send nothing\n"
	"  -q, --quiet            no progress or summary (with --dry-run: only the counts)\n"
	"  -b, --batch-size N     users per request (1..1000, default 1000)\n"
	"      --batch-bytes N    bytes per request body (default and most 5000000)\n"
	"  -c, --concurrency N    requests in flight (1..64, default 4)\n"
	"      --rate N           requests per minute, retries included (default 25000; 0: none)\n"
	"      --skip-hook        send skip_hook (no journeys triggered) unless a record says\n"
	"      --not-append       overwrite array attributes unless a record says\n"
	"      --no-merge         one user object per record (default: a user's records in one\n"
	"                         request are merged into one object when that means the same)\n"
	"      --rejects FILE     users Insider refused, with its messages (NDJSON)\n"
	"      --journal FILE     one NDJSON line per request batch\n"
	"      --progress FILE    checkpoint progress (through_version), rewritten atomically\n"
	"      --max-attempts N   attempts per request on 5xx and network errors (default 8)\n"
	"      --retry-time S     retry waits per request end within S seconds (default 300)\n"
	"      --backoff MS       first retry wait ceiling, doubled per attempt (default 500)\n"
	"      --timeout S        one request's time limit (default 120)\n"
	"      --max-reject-ratio R  stop (78) when Insider refuses more than R (0 to 1) of the\n"
	"                         users answered (once 100 are, or at the end of the input)\n"
	"      --verify           check the credentials with a read-only call, send nothing\n"
	"      --reconcile        read a sample of the users in FILE (what was sent) back from\n"
	"                         Insider's profiles and compare; one NDJSON line per user\n"
	"      --sample N         with --reconcile: users to check (default 100)\n"
	"      --exclude FILE     with --reconcile: skip the users of this rejects file\n"
	"      --fetch-schema     print the account's custom attributes and events (schema file)\n"
	"  -V, --version          print the version\n"
	"  -h, --help             this help\n"
	"\n"
	"Environment: INSIDER_PARTNER_NAME, INSIDER_API_TOKEN or INSIDER_API_TOKEN_FILE,\n"
	"INSIDER_API_URL (default https://unification.useinsider.com; http only to loopback).\n"
	"Exit status: 0 done, 64 usage, 65 bad input (--reconcile: a user differs or is missing),\n"
	"69 unavailable, 75 temporary failure (interrupted), 77 credentials refused, 78\n"
	"configuration refused.\n";

#define PL(n) ((n) == 1 ? "" : "s") /* a plural's s */

/* "N users merged": records merged into an earlier record's user object (docs/delivery.md) */
static const char *
merged_txt(const struct ins_stats *st)
{
	static char t[64];
	snprintf(t, sizeof t, "%llu user%s merged", (unsigned long long)st->merged, PL(st->merged));
	return t;
}

static volatile sig_atomic_t stop_flag;
static int tty_line; /* a progress line is on stderr */

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static long
num_arg(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "%s: %s: must be a whole number from %ld to %ld: %s\n", PROG, opt, lo,
			hi, s);
		err_usage(USAGE, XIT_USAGE);
	}
	return v;
}

/* the token: INSIDER_API_TOKEN or the first line of INSIDER_API_TOKEN_FILE (caller frees) */
static char *
read_token(struct err *e)
{
	char *t = NULL;
	int loose = 0;
	int r = cfg_secret("INSIDER_API_TOKEN", &t, &loose, e);
	if (r < 0)
		return NULL;
	if (r == 0) {
		err_set(e, XIT_CONFIG, "INSIDER_API_TOKEN (or INSIDER_API_TOKEN_FILE) is not set");
		return NULL;
	}
	if (loose)
		err_warn("warning: INSIDER_API_TOKEN_FILE can be read or written by others");
	return t;
}

static void
clear_tty(void)
{
	if (tty_line) {
		fputs("\r\033[K", stderr);
		tty_line = 0;
	}
}

static void
on_status(void *arg, const struct ins_stats *st)
{
	(void)arg;
	double rate = st->elapsed_s > 0 ? (double)st->requests / st->elapsed_s : 0;
	fprintf(stderr, "\r\033[K%s: %llu users read, %llu delivered, %llu rejected, %llu requests (%.0f/s), %llu in flight, %llu retries",
		PROG, (unsigned long long)st->records, (unsigned long long)st->delivered,
		(unsigned long long)st->rejected, (unsigned long long)st->requests, rate,
		(unsigned long long)st->inflight, (unsigned long long)st->retries);
	fflush(stderr);
	tty_line = 1;
}

static void
on_warn(void *arg, const char *msg)
{
	(void)arg;
	clear_tty();
	fprintf(stderr, "%s: warning: %s\n", PROG, msg);
}

static int
on_body(void *arg, const char *body, size_t len)
{
	int quiet = *(int *)arg;
	if (quiet)
		return 0;
	if (fwrite(body, 1, len, stdout) != len || putchar('\n') == EOF)
		return -1;
	return 0;
}

struct rc_args {
	int on;
	long sample;            /* -1: the default */
	const char *exclude;
	int rate_set;           /* --rate was given */
};

static int
on_rc_line(void *arg, const char *text, size_t len)
{
	(void)arg;
	if (fwrite(text, 1, len, stdout) != len || putchar('\n') == EOF)
		return -1;
	return 0;
}

/* insider-push --reconcile: the report on stdout, the counts on stderr; 65 unless all match */
static int
reconcile_main(const struct ins_push_opts *po, const struct rc_args *a, const char *partner,
	char *token, const char *file)
{
	struct err e = ERR_INIT;
	struct ins_rc_opts o;
	memset(&o, 0, sizeof o);
	o.conn.base_url = po->base_url;
	o.conn.partner = partner;
	o.conn.token = token;
	o.conn.timeout_ms = po->timeout_ms;
	o.conn.max_attempts = po->max_attempts;
	o.conn.backoff_ms = po->backoff_base_ms;
	o.sample = a->sample >= 0 ? a->sample : INS_RC_SAMPLE;
	o.rate = a->rate_set && po->rate > 0 ? po->rate : INS_RC_RATE;
	o.exclude = a->exclude;
	o.line = on_rc_line;
	int fd = 0;
	if (file && strcmp(file, "-") != 0) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err_die(XIT_USAGE, "%s: cannot open:", file);
	}
	o.in_fd = fd;
	struct ins_rc_stats st;
	int r = ins_reconcile(&o, &st, &e);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	http_global_cleanup();
	if (fd > 0)
		close(fd);
	fflush(stdout);
	if (r < 0)
		err_exit(&e);
	fprintf(stderr, "%s: reconcile: %llu users checked of %llu records: %llu matched, %llu differing, %llu missing\n",
		PROG, (unsigned long long)st.checked, (unsigned long long)st.records,
		(unsigned long long)st.matched, (unsigned long long)st.differing,
		(unsigned long long)st.missing);
	err_close_stdout();
	return st.differing + st.missing ? XIT_DATAERR : 0;
}

int
main(int argc, char **argv)
{
	err_init("insider-push", argv);
	enum { O_BYTES = 256, O_RATE, O_SKIP, O_NOTAPP, O_NOMERGE, O_REJ, O_JOURNAL, O_PROGRESS, O_ATTEMPTS,
		O_RTIME, O_TIMEOUT, O_BACKOFF, O_VERIFY, O_SCHEMA, O_RATIO, O_RECONCILE, O_SAMPLE,
		O_EXCLUDE };
	static const struct option lo[] = {
		{ "dry-run", no_argument, 0, 'n' },
		{ "quiet", no_argument, 0, 'q' },
		{ "batch-size", required_argument, 0, 'b' },
		{ "batch-bytes", required_argument, 0, O_BYTES },
		{ "concurrency", required_argument, 0, 'c' },
		{ "rate", required_argument, 0, O_RATE },
		{ "skip-hook", no_argument, 0, O_SKIP },
		{ "not-append", no_argument, 0, O_NOTAPP },
		{ "no-merge", no_argument, 0, O_NOMERGE },
		{ "rejects", required_argument, 0, O_REJ },
		{ "journal", required_argument, 0, O_JOURNAL },
		{ "progress", required_argument, 0, O_PROGRESS },
		{ "max-attempts", required_argument, 0, O_ATTEMPTS },
		{ "retry-time", required_argument, 0, O_RTIME },
		{ "timeout", required_argument, 0, O_TIMEOUT },
		{ "backoff", required_argument, 0, O_BACKOFF },
		{ "max-reject-ratio", required_argument, 0, O_RATIO },
		{ "verify", no_argument, 0, O_VERIFY },
		{ "fetch-schema", no_argument, 0, O_SCHEMA },
		{ "reconcile", no_argument, 0, O_RECONCILE },
		{ "sample", required_argument, 0, O_SAMPLE },
		{ "exclude", required_argument, 0, O_EXCLUDE },
		{ "version", no_argument, 0, 'V' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct ins_push_opts o;
	ins_push_opts_default(&o);
	int quiet = 0, verify = 0, schema = 0, c;
	struct rc_args rc = { 0, -1, NULL, 0 };
	while ((c = getopt_long(argc, argv, "nqb:c:Vh", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o.dry_run = 1; break;
		case 'q': quiet = 1; break;
		case 'b': o.batch_users = (int)num_arg("--batch-size", optarg, 1, INS_MAX_USERS); break;
		case O_BYTES: o.batch_bytes = (size_t)num_arg("--batch-bytes", optarg, 1024, INS_MAX_BYTES); break;
		case 'c': o.concurrency = (int)num_arg("--concurrency", optarg, 1, 64); break;
		case O_RATE: o.rate = (double)num_arg("--rate", optarg, 0, 100000000); rc.rate_set = 1; break;
		case O_SKIP: o.skip_hook = 1; break;
		case O_NOTAPP: o.not_append = 1; break;
		case O_NOMERGE: o.no_merge = 1; break;
		case O_REJ: o.rejects = optarg; break;
		case O_JOURNAL: o.journal = optarg; break;
		case O_PROGRESS: o.progress = optarg; break;
		case O_ATTEMPTS: o.max_attempts = (int)num_arg("--max-attempts", optarg, 1, 100); break;
		case O_RTIME: o.retry_time_ms = num_arg("--retry-time", optarg, 0, 86400) * 1000; break;
		case O_TIMEOUT: o.timeout_ms = num_arg("--timeout", optarg, 1, 3600) * 1000; break;
		case O_BACKOFF: o.backoff_base_ms = num_arg("--backoff", optarg, 1, 60000); break;
		case O_RATIO: {
			char *end;
			errno = 0;
			o.max_reject_ratio = strtod(optarg, &end);
			if (errno || end == optarg || *end
			    || !(o.max_reject_ratio >= 0 && o.max_reject_ratio <= 1)) {
				fprintf(stderr, "%s: --max-reject-ratio: must be a number from 0 to 1: %s\n",
					PROG, optarg);
				err_usage(USAGE, XIT_USAGE);
			}
			break;
		}
		case O_VERIFY: verify = 1; break;
		case O_SCHEMA: schema = 1; break;
		case O_RECONCILE: rc.on = 1; break;
		case O_SAMPLE: rc.sample = num_arg("--sample", optarg, 1, 10000000); break;
		case O_EXCLUDE: rc.exclude = optarg; break;
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
	if (verify + schema + o.dry_run + rc.on > 1) {
		fprintf(stderr, "%s: --verify, --fetch-schema, --reconcile and --dry-run exclude each other\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (!rc.on && (rc.sample >= 0 || rc.exclude)) {
		fprintf(stderr, "%s: --sample and --exclude go with --reconcile\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if ((verify || schema) && optind < argc) {
		fprintf(stderr, "%s: --verify and --fetch-schema take no FILE\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "%s: one input FILE at most\n", PROG);
		err_usage(USAGE, XIT_USAGE);
	}
	struct err e = ERR_INIT;
	size_t max_record;
	if (rec_max_record(&max_record, &e) < 0)
		err_exit(&e);
	const char *partner = cfg_env("INSIDER_PARTNER_NAME");
	o.base_url = cfg_env("INSIDER_API_URL");
	o.partner = partner;
	char *token = NULL;
	if (!o.dry_run) {
		if (ins_check_partner(partner, &e) < 0)
			err_exit(&e);
		if (!(token = read_token(&e)))
			err_exit(&e);
		o.token = token;
	} else {
		/* the token is never needed nor shown; read it only to keep it out of the output */
		struct err te = ERR_INIT;
		token = read_token(&te);
		o.token = token;
	}
	if (http_global_init(&e) < 0)
		err_exit(&e);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!o.dry_run) /* a dry run ends quietly when its reader goes away, as filters do */
		signal(SIGPIPE, SIG_IGN);
	http_set_abort_flag(&stop_flag);

	if (rc.on)
		return reconcile_main(&o, &rc, partner, token, optind < argc ? argv[optind] : NULL);
	if (verify || schema) {
		struct ins_conn cn = { o.base_url, partner, token, o.timeout_ms < 30000 ? o.timeout_ms : 30000, 0,
			o.backoff_base_ms };
		int r;
		if (verify) {
			char url[2048];
			r = ins_verify(&cn, url, sizeof url, &e);
			char red[2048];
			if (r == 0)
				printf("%s: verify: ok: Insider accepted partner %s and its token (%s)\n",
					PROG, partner, http_url_redact(url, red, sizeof red));
		} else {
			struct buf out = BUF_INIT;
			r = ins_fetch_schema(&cn, &out, &e);
			if (r == 0 && fwrite(out.p, 1, out.len, stdout) != out.len)
				r = err_set(&e, XIT_TEMPFAIL, "stdout: cannot write:");
			buf_free(&out);
		}
		if (token) {
			memset(token, 0, strlen(token));
			free(token);
		}
		http_global_cleanup();
		if (r < 0) {
			if (verify) {
				const char *what = e.status == XIT_NOPERM ? "refused"
					: e.status == XIT_CONFIG ? "configuration" : "unavailable";
				fprintf(stderr, "%s: verify: %s: %s\n", PROG, what, e.msg);
				exit(e.status);
			}
			err_exit(&e);
		}
		err_close_stdout();
		return 0;
	}

	int fd = 0;
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err_die(XIT_USAGE, "%s: cannot open:", argv[optind]);
	}
	o.in_fd = fd;
	o.dry_body = on_body;
	o.arg = &quiet;
	o.warn = on_warn;
	if (!quiet && !o.dry_run && isatty(2)) {
		o.status = on_status;
		o.status_interval_ms = 500;
	}
	if (o.dry_run && !quiet) {
		char url[2048], red[2048], pl[256];
		struct err ue = ERR_INIT;
		if (ins_endpoint(o.base_url, INS_UPSERT_PATH, url, sizeof url, &ue) < 0)
			err_exit(&ue);
		ins_lower(partner ? partner : "", pl, sizeof pl);
		fprintf(stderr, "%s: dry run: POST %s\n", PROG, http_url_redact(url, red, sizeof red));
		fprintf(stderr, "%s: dry run: X-PARTNER-NAME: %s\n", PROG, pl[0] ? pl : "(not set)");
		fprintf(stderr, "%s: dry run: X-REQUEST-TOKEN: %s\n", PROG,
			token ? "(set, not shown)" : "(not set)");
		fprintf(stderr, "%s: dry run: Content-Type: application/json\n", PROG);
	}
	struct ins_stats st;
	int r = ins_push_run(&o, &st, &e);
	clear_tty();
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	http_global_cleanup();
	if (fd > 0)
		close(fd);
	if (o.dry_run) {
		uint64_t users = st.records - st.rejected;
		if (quiet)
			printf("%llu user%s in %llu request%s (%llu bytes), %llu rejected\n",
				(unsigned long long)users, PL(users), (unsigned long long)st.requests,
				PL(st.requests), (unsigned long long)st.bytes, (unsigned long long)st.rejected);
		else
			fprintf(stderr, "%s: dry run: %llu user%s in %llu request%s (%llu bytes), %llu rejected%s%s; nothing sent\n",
				PROG, (unsigned long long)users, PL(users), (unsigned long long)st.requests,
				PL(st.requests), (unsigned long long)st.bytes, (unsigned long long)st.rejected,
				st.merged ? ", " : "", st.merged ? merged_txt(&st) : "");
	} else if (!quiet && (r == 0 || st.records > 0 || st.requests > 0)) {
		fprintf(stderr, "%s: %llu user%s delivered, %llu rejected by Insider, %llu request%s, %llu retr%s, %s%s%.1f s\n",
			PROG, (unsigned long long)st.delivered, PL(st.delivered), (unsigned long long)st.rejected,
			(unsigned long long)st.requests, PL(st.requests), (unsigned long long)st.retries,
			st.retries == 1 ? "y" : "ies", o.no_merge ? "" : merged_txt(&st),
			o.no_merge ? "" : ", ", st.elapsed_s);
		if (st.cleared || st.deleted)
			fprintf(stderr, "%s: %llu user%s attributes cleared, %llu profile%s deleted\n", PROG,
				(unsigned long long)st.cleared, st.cleared == 1 ? "'s" : "s'", (unsigned long long)st.deleted,
				PL(st.deleted));
	}
	if (r < 0) {
		fflush(stdout);
		err_exit(&e);
	}
	err_close_stdout();
	return 0;
}
