/* buf.c: see buf.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "buf.h"
#include "err.h"

int
buf_grow(struct buf *b, size_t extra)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2, need, cap;
	char *p;
	if (extra > max || b->len > max - extra) {
		errno = EFBIG;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 4 ? need : cap * 2;
	if (cap > max + 1)
		cap = max + 1;
	if (!(p = realloc(b->p, cap)))
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
buf_add_slow(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b)
{
	char *p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

int
buf_read_file(struct buf *b, const char *path, size_t max, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t oldmax = b->max, start = b->len;
	int rc = -1, saved;
	if (fd < 0)
		return err_set(e, XIT_CONFIG, "%s:", path);
	b->max = start + max + 1; /* one byte more, to see that it is larger */
	for (;;) {
		if (buf_grow(b, 65536) < 0 && buf_grow(b, 1) < 0) {
			if (errno == EFBIG)
				err_set(e, XIT_CONFIG, "%s: larger than %zu bytes", path, max);
			else
				err_set(e, XIT_TEMPFAIL, "%s:", path);
			break;
		}
		ssize_t r = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, XIT_CONFIG, "%s:", path);
			break;
		}
		if (r == 0) {
			rc = 0;
			break;
		}
		b->len += (size_t)r;
		b->p[b->len] = 0;
		if (b->len - start > max) {
			err_set(e, XIT_CONFIG, "%s: larger than %zu bytes", path, max);
			break;
		}
	}
	saved = errno;
	close(fd);
	b->max = oldmax;
	errno = saved;
	return rc;
}
