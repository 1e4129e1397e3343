/* row-map: change rows -> Insider user objects, through a mapping file (docs/mapping.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "err.h"
#include "map_core.h"
#include "map_jq.h"
#include "map_schema.h"
#include "map_step.h"
#include "map_suggest.h"
#include "rec.h"
#include "rec_open.h"
#include "version.h"

#define USAGE "row-map [--msgpack] [--rejects FILE] [--nulls skip|clear]\n" \
	"       [--deletes ignore|profile|attributes] -m MAPPING [FILE]\n" \
	"       row-map --check [--schema FILE] -m MAPPING\n" \
	"       row-map --suggest [--schema FILE] [FILE]\n" \
	"       row-map --columns -m MAPPING"
#define HELP \
	"Maps change rows (records of dbx-cdf-read) to Insider user objects.\n" \
	"  -m, --mapping FILE  the mapping (JSON; see row-map(1) and docs/mapping.md)\n" \
	"  -M, --msgpack       write MessagePack (also DBXI_WIRE=msgpack); JSON by default\n" \
	"  -r, --rejects FILE  append rejected records with their reasons to FILE (NDJSON);\n" \
	"                      without it each reason goes to standard error\n" \
	"      --nulls clear   an attribute null in an update_postimage row is named in the\n" \
	"                      record's _clear, to be cleared in Insider (default: skip)\n" \
	"      --deletes MODE  a delete row becomes _delete: profile (the profile is deleted)\n" \
	"                      or attributes (every mapped attribute in _clear); default\n" \
	"                      ignore: delete rows are rejected\n" \
	"      --check         check the mapping and exit (78 when it is refused)\n" \
	"      --columns       print the columns the mapping reads, one per line (for\n" \
	"                      dbx-cdf-read --columns); \"*\" when that cannot be told\n" \
	"      --suggest       write a starting mapping for the table whose schema line or first\n" \
	"                      record is in FILE (or standard input)\n" \
	"  -s, --schema FILE   the account's schema (insider-push --fetch-schema): --suggest\n" \
	"                      makes custom fields only of what the account has, --check\n" \
	"                      refuses (78) custom fields the account lacks\n" \
	"  -V, --version       print the version\n" \
	"  -h, --help          this text\n" \
	"Records come from FILE, or standard input when it is - or absent. (-c and -s of --check\n" \
	"and --suggest were removed: docs/cli.md.)\n" \
	DBXI_HELP_EXIT

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				err_epipe();
			err_die(XIT_TEMPFAIL, "write:");
		}
		p += w, n -= (size_t)w;
	}
}

/* the account's schema file, or NULL without --schema; exits 78 when it cannot be used */
static struct val_schema *
schema_load(const char *path)
{
	struct err e = ERR_INIT;
	struct val_schema *s;
	if (!path)
		return NULL;
	if (!(s = val_schema_load(path, &e)))
		err_exit(&e);
	return s;
}

/* writes each line of notes as a warning, prefixed */
static void
warn_lines(struct buf *notes, const char *prefix)
{
	for (char *p = notes->p, *nl; p && *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = 0;
		err_warn("%s%s", prefix, p);
	}
}

/* DBXI_JQ_TIMEOUT: seconds of CPU time one jq field may take on one record (0: no limit) */
static void
jq_limit(void)
{
	const char *s = getenv("DBXI_JQ_TIMEOUT");
	char *end;
	double v;
	if (!s || !*s)
		return;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || !(v == 0 || (v >= 0.001 && v <= 3600)))
		err_die(XIT_USAGE, "DBXI_JQ_TIMEOUT: not a number of seconds from 0.001 to 3600 (0: no "
			"limit): '%s'", s);
	map_jq_set_limit_ms((unsigned long)llround(v * 1000));
}

static int
suggest(const char *file, const char *schema_path)
{
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT, notes = BUF_INIT;
	struct val_schema *schema = schema_load(schema_path);
	int fd = 0;
	if (file && strcmp(file, "-") != 0 && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		err_die(XIT_USAGE, "cannot open %s:", file);
	if (map_suggest(fd, schema, schema_path, &out, &notes, &e) < 0) {
		if (file && e.status == XIT_DATAERR) {
			char msg[sizeof e.msg];
			memcpy(msg, e.msg, sizeof msg);
			err_set(&e, XIT_DATAERR, "%s: %s", file, msg);
		}
		err_exit(&e);
	}
	if (fd > 0)
		close(fd);
	val_schema_free(schema);
	warn_lines(&notes, "suggest: ");
	write_all(1, out.p, out.len);
	buf_free(&out);
	buf_free(&notes);
	return 0;
}

enum { O_CHECK = 256, O_SUGGEST };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"mapping", required_argument, NULL, 'm'},
		{"msgpack", no_argument, NULL, 'M'},
		{"rejects", required_argument, NULL, 'r'},
		{"check", no_argument, NULL, O_CHECK},
		{"columns", no_argument, NULL, 'C' + 256},
		{"suggest", no_argument, NULL, O_SUGGEST},
		{"schema", required_argument, NULL, 's'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{"nulls", required_argument, NULL, 'N'},
		{"deletes", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	const char *mapping = NULL, *rejects = NULL, *schema_path = NULL;
	int msgpack = 0, check = 0, sugg = 0, cols = 0, c, nulls_clear = 0,
		deletes = MAP_DELETES_IGNORE, step = 0;
	struct err e = ERR_INIT;

	err_init("row-map", argv);
	argv[0] = (char *)PROG;
	while ((c = getopt_long(argc, argv, "m:Mr:s:Vh", longopts, NULL)) != -1)
		switch (c) {
		case 'm': mapping = optarg; break;
		case 'M': msgpack = 1; break;
		case 'r': rejects = optarg; break;
		case O_CHECK: check = 1; break;
		case 'C' + 256: cols = 1; break;
		case O_SUGGEST: sugg = 1; break;
		case 's': schema_path = optarg; break;
		case 'V':
			printf("%s %s\n", PROG, DBXI_VERSION);
			err_close_stdout();
			return 0;
		case 'N':
			step = 1;
			if (strcmp(optarg, "clear") == 0)
				nulls_clear = 1;
			else if (strcmp(optarg, "skip") != 0) {
				err_warn("--nulls takes skip or clear, not '%s'", optarg);
				err_usage(USAGE, XIT_USAGE);
			}
			break;
		case 'D':
			step = 1;
			if (strcmp(optarg, "profile") == 0)
				deletes = MAP_DELETES_PROFILE;
			else if (strcmp(optarg, "attributes") == 0)
				deletes = MAP_DELETES_ATTRIBUTES;
			else if (strcmp(optarg, "ignore") != 0) {
				err_warn("--deletes takes ignore, profile or attributes, not '%s'", optarg);
				err_usage(USAGE, XIT_USAGE);
			}
			break;
		case 'h':
			printf("usage: %s\n%s", USAGE, HELP);
			err_close_stdout();
			return 0;
		default:
			err_usage(USAGE, XIT_USAGE);
		}
	size_t max;
	if (rec_max_record(&max, &e) < 0)
		err_exit(&e);
	if (sugg) {
		if (check || mapping || rejects || msgpack || step || argc - optind > 1) {
			err_warn("--suggest takes only --schema FILE and an optional FILE");
			err_usage(USAGE, XIT_USAGE);
		}
		suggest(optind < argc ? argv[optind] : NULL, schema_path);
		err_close_stdout();
		return 0;
	}
	if (argc - optind > (check ? 0 : 1)) {
		err_warn("unexpected argument '%s' (%s)", argv[argc - 1],
			check ? "--check takes -m MAPPING only" : "one input FILE at most");
		err_usage(USAGE, XIT_USAGE);
	}
	if (!mapping) {
		err_warn("a mapping is needed: -m MAPPING");
		err_usage(USAGE, XIT_USAGE);
	}
	if (cols && (check || rejects || msgpack || step || schema_path)) {
		err_warn("--columns takes only -m MAPPING");
		err_usage(USAGE, XIT_USAGE);
	}
	if (check && (rejects || msgpack || step)) {
		err_warn("--check takes only -m MAPPING and --schema FILE");
		err_usage(USAGE, XIT_USAGE);
	}
	if (schema_path && !check) {
		err_warn("--schema FILE goes with --check or --suggest (validate --schema checks records)");
		err_usage(USAGE, XIT_USAGE);
	}
	/* jq's env and $ENV see this process's environment: no credential in it */
	map_jq_scrub_env();
	jq_limit();
	struct val_schema *schema = schema_load(schema_path); /* (only with --check) */
	struct map *m = map_load(mapping, &e);
	if (!m) {
		val_schema_free(schema);
		err_exit(&e);
	}
	if (cols) { /* #11.5 */
		struct buf o = BUF_INIT, note = BUF_INIT;
		if (map_columns(m, &o, &note) < 0)
			err_die(XIT_TEMPFAIL, "out of memory");
		if (note.len)
			err_warn("note: %s", note.p);
		if (o.len)
			write_all(1, o.p, o.len);
		buf_free(&o), buf_free(&note);
		map_free(m);
		err_close_stdout();
		return 0;
	}
	if (check) {
		struct buf d = BUF_INIT, bad = BUF_INIT, notes = BUF_INIT;
		int nbad = 0;
		if (schema && (nbad = map_check_schema(m, schema, schema_path, &bad, &notes)) < 0)
			err_die(XIT_TEMPFAIL, "out of memory");
		val_schema_free(schema);
		if (nbad > 0) {
			char pre[512];
			snprintf(pre, sizeof pre, "%s: ", mapping);
			warn_lines(&bad, pre);
			buf_free(&bad);
			buf_free(&notes);
			map_free(m);
			err_die(XIT_CONFIG, "%s: %d custom field%s the account does not have: validate would "
				"reject every record carrying %s (fix the mapping, or create %s in the panel and "
				"fetch the schema again)", mapping, nbad, nbad == 1 ? "" : "s",
				nbad == 1 ? "it" : "them", nbad == 1 ? "it" : "them");
		}
		warn_lines(&notes, "");
		if (map_describe(m, &d) < 0)
			err_die(XIT_TEMPFAIL, "out of memory");
		if (schema_path)
			printf("%s: ok: %s; every custom field is in %s\n", mapping, d.p, schema_path);
		else
			printf("%s: ok: %s\n", mapping, d.p);
		buf_free(&d);
		buf_free(&bad);
		buf_free(&notes);
		map_free(m);
		err_close_stdout();
		return 0;
	}
	map_set_step(m, nulls_clear, deletes);
	uint64_t mapped = 0, rejected = 0;
	int in = rec_open_input(optind < argc ? argv[optind] : NULL, &e);
	if (in < 0) {
		map_free(m);
		err_exit(&e);
	}
	int rc = map_run(m, in, 1, rec_form_choose(msgpack), rejects, &mapped, &rejected, &e);
	if (in > 0)
		close(in);
	map_free(m);
	if (rc < 0)
		err_exit(&e);
	if (rejected)
		err_warn("%" PRIu64 " records mapped, %" PRIu64 " rejected%s%s", mapped, rejected,
			rejects ? " to " : "", rejects ? rejects : "");
	err_close_stdout();
	return 0;
}
