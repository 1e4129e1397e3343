/* rec-cat: look inside record streams: convert between NDJSON and MessagePack,
 * pretty-print, count, or show the record at position N. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "err.h"
#include "rec.h"
#include "rec_open.h"
#include "version.h"

#define USAGE "rec-cat [-j | -M | -p] [--count] [--record N] [FILE ...]"
#define HELP \
	"Reads records (NDJSON or MessagePack, detected per input) and writes them again.\n" \
	"  -j, --json       write NDJSON (the default; overrides DBXI_WIRE)\n" \
	"  -M, --msgpack    write MessagePack (also DBXI_WIRE=msgpack)\n" \
	"  -p, --pretty     write indented JSON\n" \
	"      --count      print only the number of records\n" \
	"      --record N   write only record N (1 = the first of all inputs)\n" \
	"  -V, --version    print the version\n" \
	"  -h, --help       this text\n" \
	"FILE - or none reads standard input. (-m, -c, -n of --msgpack, --count, --record were\n" \
	"removed: docs/cli.md.)\n" \
	DBXI_HELP_EXIT

struct opts {
	enum rec_form form;
	int count;
	unsigned long long only;
};

static int
cat_fd(int fd, const char *name, struct rec_writer *w, const struct opts *o,
    unsigned long long *seen, struct err *e)
{
	struct rec_reader *r = rec_reader_new(fd, 0);
	/* a record too large to pass is skipped and named on stderr; the others go on */
	struct rej *rj = rej_open(NULL, "rec-cat", e);
	msgpack_object rec;
	int got, werr = 0;
	if (!r || !rj) {
		rec_reader_free(r);
		rej_close(rj, e);
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	rec_reader_rejects(r, rj);
	while ((got = rec_read(r, &rec, e)) >= 1) {
		++*seen;
		if (got == 2)
			continue;
		if (o->count || (o->only && *seen != o->only))
			continue;
		if (rec_write_or_reject(w, rj, rec_reader_count(r), &rec, e) < 0) {
			got = -1, werr = 1;
			break;
		}
		if (o->only)
			break;
	}
	rec_reader_free(r);
	rej_close(rj, NULL);
	if (got < 0 && !werr) { /* a read error: name the input */
		char msg[sizeof e->msg];
		memcpy(msg, e->msg, sizeof msg);
		err_set(e, e->status, "%s: %s", name, msg);
	}
	return got < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "msgpack", no_argument, NULL, 'M' },
		{ "version", no_argument, NULL, 'V' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "count", no_argument, NULL, 'c' },
		{ "record", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { rec_form_choose(0), 0, 0 };
	struct err e = ERR_INIT;
	unsigned long long seen = 0;
	char *end;
	int c;

	err_init("rec-cat", argv);
	while ((c = getopt_long(argc, argv, "jMpVh", longopts, NULL)) != -1)
		switch (c) {
		case 'j': o.form = REC_JSON; break;
		case 'M': o.form = REC_MSGPACK; break;
		case 'V':
			printf("%s %s\n", PROG, DBXI_VERSION);
			err_close_stdout();
			return 0;
		case 'p': o.form = REC_JSON_PRETTY; break;
		case 'c': o.count = 1; break;
		case 'n':
			errno = 0;
			o.only = strtoull(optarg, &end, 10);
			if (errno || *end || o.only == 0 || optarg[0] == '-') {
				err_warn("--record takes a record number from 1: '%s'", optarg);
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
	struct rec_writer *w = rec_writer_new(1, o.form);
	if (!w)
		err_die(XIT_TEMPFAIL, "out of memory");
	int status = 0;
	if (optind == argc) {
		if (cat_fd(0, "<stdin>", w, &o, &seen, &e) < 0)
			status = -1;
	}
	for (int i = optind; i < argc && status == 0; i++) {
		int fd = rec_open_input(argv[i], &e);
		if (fd < 0) {
			status = -1;
			break;
		}
		if (cat_fd(fd, fd ? argv[i] : "<stdin>", w, &o, &seen, &e) < 0)
			status = -1;
		if (fd)
			close(fd);
		if (o.only && seen >= o.only)
			break;
	}
	/* what was read before an error still goes out */
	struct err fe = ERR_INIT;
	if (rec_writer_close(w, &fe) < 0)
		err_exit(&fe);
	if (status < 0)
		err_exit(&e);
	if (o.count)
		printf("%llu\n", seen);
	else if (o.only && seen < o.only)
		err_die(XIT_DATAERR, "there is no record %llu: the input has %llu", o.only, seen);
	err_close_stdout();
	return 0;
}
