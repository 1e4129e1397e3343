/* row-map: change rows -> Insider user objects, through a mapping file (docs/mapping.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "err.h"
#include "map_core.h"
#include "map_schema.h"
#include "map_suggest.h"
#include "rec.h"

#define USAGE "row-map [--msgpack] [--rejects FILE] -m MAPPING\n" \
	"       row-map --check [--schema FILE] -m MAPPING\n" \
	"       row-map --suggest [--schema FILE] [FILE]"
#define HELP \
	"Maps change rows (records of dbx-cdf-read) to Insider user objects.\n" \
	"  -m, --mapping FILE  the mapping (JSON; see row-map(1) and docs/mapping.md)\n" \
	"  -M, --msgpack       write MessagePack (also DBXI_WIRE=msgpack); JSON by default\n" \
	"  -r, --rejects FILE  append rejected records with their reasons to FILE (NDJSON);\n" \
	"                      without it each reason goes to standard error\n" \
	"  -c, --check         check the mapping and exit (78 when it is refused)\n" \
	"  -s, --suggest       write a starting mapping for the table whose schema line or first\n" \
	"                      record is in FILE (or standard input)\n" \
	"      --schema FILE   the account's schema (insider-push --fetch-schema): --suggest\n" \
	"                      makes custom fields only of what the account has, --check\n" \
	"                      refuses (78) custom fields the account lacks\n" \
	"  -h, --help          this text\n"

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

enum { O_SCHEMA = 256 };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"mapping", required_argument, NULL, 'm'},
		{"msgpack", no_argument, NULL, 'M'},
		{"rejects", required_argument, NULL, 'r'},
		{"check", no_argument, NULL, 'c'},
		{"suggest", no_argument, NULL, 's'},
		{"schema", required_argument, NULL, O_SCHEMA},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *mapping = NULL, *rejects = NULL, *schema_path = NULL;
	int msgpack = 0, check = 0, sugg = 0, c;
	struct err e = ERR_INIT;

	err_init("row-map", argv);
	argv[0] = (char *)PROG;
	while ((c = getopt_long(argc, argv, "m:Mr:csh", longopts, NULL)) != -1)
		switch (c) {
		case 'm': mapping = optarg; break;
		case 'M': msgpack = 1; break;
		case 'r': rejects = optarg; break;
		case 'c': check = 1; break;
		case 's': sugg = 1; break;
		case O_SCHEMA: schema_path = optarg; break;
		case 'h':
			printf("usage: %s\n%s", USAGE, HELP);
			err_close_stdout();
			return 0;
		default:
			err_usage(USAGE, XIT_USAGE);
		}
	if (sugg) {
		if (check || mapping || rejects || msgpack || argc - optind > 1) {
			err_warn("--suggest takes only --schema FILE and an optional FILE");
			err_usage(USAGE, XIT_USAGE);
		}
		suggest(optind < argc ? argv[optind] : NULL, schema_path);
		err_close_stdout();
		return 0;
	}
	if (optind != argc) {
		err_warn("unexpected argument '%s' (records come on standard input)", argv[optind]);
		err_usage(USAGE, XIT_USAGE);
	}
	if (!mapping) {
		err_warn("a mapping is needed: -m MAPPING");
		err_usage(USAGE, XIT_USAGE);
	}
	if (check && (rejects || msgpack)) {
		err_warn("--check takes only -m MAPPING and --schema FILE");
		err_usage(USAGE, XIT_USAGE);
	}
	if (schema_path && !check) {
		err_warn("--schema FILE goes with --check or --suggest (validate --schema checks records)");
		err_usage(USAGE, XIT_USAGE);
	}
	struct val_schema *schema = schema_load(schema_path); /* (only with --check) */
	struct map *m = map_load(mapping, &e);
	if (!m) {
		val_schema_free(schema);
		err_exit(&e);
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
	uint64_t mapped = 0, rejected = 0;
	int rc = map_run(m, 0, 1, rec_form_choose(msgpack), rejects, &mapped, &rejected, &e);
	map_free(m);
	if (rc < 0)
		err_exit(&e);
	if (rejected)
		err_warn("%" PRIu64 " records mapped, %" PRIu64 " rejected%s%s", mapped, rejected,
			rejects ? " to " : "", rejects ? rejects : "");
	err_close_stdout();
	return 0;
}
