/* buf.h: a growable byte buffer with a ceiling.
 *
 * Ownership: a struct buf owns p (heap, NUL-terminated after every successful call, so
 * p[len] == 0 once anything was added); buf_free releases it; buf_detach hands it to the
 * caller (who frees it). `max` caps growth (0 = SIZE_MAX/2): an add past it fails with
 * errno EFBIG and leaves the buffer as it was. A zeroed struct (BUF_INIT) is an empty buffer.
 */
#ifndef DBXI_BUF_H
#define DBXI_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap, max;
};
#define BUF_INIT { NULL, 0, 0, 0 }

int buf_grow(struct buf *b, size_t extra) __attribute__((warn_unused_result));
int buf_add_slow(struct buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
int buf_adds(struct buf *b, const char *s) __attribute__((warn_unused_result));

/* the common case inline: room enough, no call */
static inline __attribute__((warn_unused_result)) int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n < b->cap) {
		__builtin_memcpy(b->p + b->len, p, n);
		b->len += n;
		b->p[b->len] = 0;
		return 0;
	}
	return buf_add_slow(b, p, n);
}
static inline __attribute__((warn_unused_result)) int
buf_addc(struct buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->p[b->len++] = c;
		b->p[b->len] = 0;
		return 0;
	}
	return buf_add_slow(b, &c, 1);
}
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), warn_unused_result));
void buf_reset(struct buf *b); /* len = 0, keeps the memory */
/* buf_read_file: appends the whole file at path (a configuration file: mapping, schema, code
 * tables), at most max bytes. -1 with e filled: XIT_CONFIG "PATH: <errno text>" when it cannot
 * be opened or read (errno kept, so a caller may say more for ENOENT), XIT_CONFIG "PATH: larger
 * than MAX bytes", XIT_TEMPFAIL when out of memory. */
struct err;
int buf_read_file(struct buf *b, const char *path, size_t max, struct err *e)
	__attribute__((warn_unused_result));
void buf_free(struct buf *b);
char *buf_detach(struct buf *b); /* caller frees; the buffer is empty afterwards; NULL if never used */
#endif
