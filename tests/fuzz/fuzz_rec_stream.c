/* libFuzzer: the stream reader (form detection, NDJSON and MessagePack, limits) on any bytes,
 * through a memfd; every record read must write out in both forms. */
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	struct rec_reader *r = rec_reader_new(fd, 4096);
	int out = open("/dev/null", O_WRONLY);
	struct rec_writer *wj = rec_writer_new(out, REC_JSON), *wm = rec_writer_new(out, REC_MSGPACK);
	struct err e = ERR_INIT;
	msgpack_object rec;
	int got;
	if (!r || !wj || !wm)
		abort();
	while ((got = rec_read(r, &rec, &e)) == 1)
		if (rec_write(wj, &rec, &e) < 0 || rec_write(wm, &rec, &e) < 0)
			abort();
	if (got < 0 && e.status != XIT_DATAERR)
		abort();
	rec_writer_close(wj, &e);
	rec_writer_close(wm, &e);
	rec_reader_free(r);
	close(out);
	close(fd);
	return 0;
}
