/* libFuzzer: the stream reader (form detection, NDJSON and MessagePack, limits) on any bytes,
 * through a memfd; every record read must write out in both forms.
 * Then the set-aside path (issue #10 items 2, 3): the same bytes read again with a small
 * limit and a rejects file. When the first read took the whole input, the second must too,
 * with as many records, each one either the same or set aside (rec_read 2): the walk that
 * skips a record too large ends exactly where the parser ends it. */
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXREC 64

/* reads the memfd with limit max; the records' JSON, one buf per record, in out (up to
 * MAXREC; set aside: empty len, p NULL); returns the final rec_read status */
static int
read_all(int fd, size_t max, struct rej *rj, struct buf *out, int *n)
{
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	struct rec_reader *r = rec_reader_new(fd, max);
	int o = open("/dev/null", O_WRONLY);
	struct rec_writer *wj = rec_writer_new(o, REC_JSON), *wm = rec_writer_new(o, REC_MSGPACK);
	struct err e = ERR_INIT;
	msgpack_object rec;
	int got;
	if (!r || !wj || !wm)
		abort();
	if (rj)
		rec_reader_rejects(r, rj);
	*n = 0;
	while ((got = rec_read(r, &rec, &e)) >= 1) {
		if (rec_reader_count(r) != (uint64_t)*n + 1)
			abort(); /* numbers count set-aside records too */
		if (got == 2 && (!rj || rec.type != MSGPACK_OBJECT_MAP))
			abort();
		if (got == 1) {
			int w1 = rec_write(wj, &rec, &e), w2 = rec_write(wm, &rec, &e);
			/* only a record over the limit in the other form may be refused */
			if ((w1 < 0 && w1 != -2) || (w2 < 0 && w2 != -2))
				abort();
		}
		if (*n < MAXREC) {
			buf_reset(&out[*n]);
			if (got == 1 && rec_json_append(&out[*n], &rec) < 0)
				abort();
			if (got == 2)
				out[*n].len = (size_t)-1;
		}
		++*n;
	}
	if (got < 0 && e.status != XIT_DATAERR)
		abort();
	rec_writer_close(wj, &e);
	rec_writer_close(wm, &e);
	rec_reader_free(r);
	close(o);
	return got;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf a[MAXREC], b[MAXREC];
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	struct err e = ERR_INIT;
	int na, nb;
	int ga = read_all(fd, 1 << 20, NULL, a, &na);
	struct rej *rj = rej_open("/dev/null", "fuzz", &e);
	if (!rj)
		abort();
	int gb = read_all(fd, 1024, rj, b, &nb);
	if (ga == 0) {
		if (gb != 0 || na != nb)
			abort();
		for (int i = 0; i < na && i < MAXREC; i++)
			if (b[i].len != (size_t)-1 &&
			    (a[i].len != b[i].len || memcmp(a[i].p, b[i].p, a[i].len) != 0))
				abort();
	}
	rej_close(rj, &e);
	close(fd);
	return 0;
}
