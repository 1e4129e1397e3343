/* rec_rej.c: the rejects file (see rec.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rec.h"

struct reason {
	char *field, *rule, *msg;
};

struct rej {
	int fd;      /* -1: human lines on fd 2 */
	char *stage;
	struct reason *rs;
	int n, cap;
	uint64_t count;
	struct buf line;
};

/* why the rejects file could not be opened, as an exit status: a path that cannot be one
 * (fix the configuration), a permission missing, or anything else (a full disk, too many open
 * files: run again later) */
static int
rej_open_status(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
	case EROFS:
		return XIT_NOPERM;
	case ENOENT:
	case ENOTDIR:
	case EISDIR:
	case ENAMETOOLONG:
	case ELOOP:
	case ENXIO:
	case EINVAL:
	case ETXTBSY:
		return XIT_CONFIG;
	default:
		return XIT_TEMPFAIL;
	}
}

struct rej *
rej_open(const char *path, const char *stage, struct err *e)
{
	struct rej *r = calloc(1, sizeof *r);
	if (!r || !(r->stage = strdup(stage))) {
		free(r);
		err_set(e, XIT_TEMPFAIL, "out of memory");
		return NULL;
	}
	r->fd = -1;
	if (path) {
		r->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (r->fd < 0) {
			err_set(e, rej_open_status(errno), "cannot open rejects file %s:", path);
			free(r->stage);
			free(r);
			return NULL;
		}
	}
	return r;
}

static void
clear_reasons(struct rej *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->rs[i].field);
		free(r->rs[i].rule);
		free(r->rs[i].msg);
	}
	r->n = 0;
}

int
rej_add(struct rej *r, const char *field, const char *rule, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 4;
		struct reason *rs = realloc(r->rs, (size_t)cap * sizeof *rs);
		if (!rs)
			return -1;
		r->rs = rs;
		r->cap = cap;
	}
	struct reason *x = &r->rs[r->n];
	x->field = strdup(field ? field : "");
	x->rule = strdup(rule ? rule : "");
	x->msg = strdup(msg);
	if (!x->field || !x->rule || !x->msg) {
		free(x->field);
		free(x->rule);
		free(x->msg);
		return -1;
	}
	r->n++;
	return 0;
}

int
rej_pending(const struct rej *r)
{
	return r->n;
}

uint64_t
rej_count(const struct rej *r)
{
	return r ? r->count : 0;
}

static int
kv_str(struct buf *b, const char *k, const char *v)
{
	return buf_printf(b, "\"%s\":", k) < 0 || rec_json_str_append(b, v, strlen(v)) < 0 ? -1 : 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
rej_commit(struct rej *r, uint64_t recno, const msgpack_object *record, struct err *e)
{
	struct buf *b = &r->line;
	int bad = 0;
	if (r->n == 0 && rej_add(r, "", "unknown", "rejected") < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	buf_reset(b);
	if (r->fd < 0) {
		for (int i = 0; i < r->n && !bad; i++)
			bad |= buf_printf(b, "%s: record %llu: %s%s%s (%s)\n", r->stage,
			    (unsigned long long)recno, r->rs[i].field, *r->rs[i].field ? ": " : "",
			    r->rs[i].msg, r->rs[i].rule) < 0;
	} else {
		bad |= buf_adds(b, "{") < 0 || kv_str(b, "stage", r->stage) < 0 ||
		    buf_printf(b, ",\"record_number\":%llu,", (unsigned long long)recno) < 0 ||
		    kv_str(b, "field", r->rs[0].field) < 0 || buf_addc(b, ',') < 0 ||
		    kv_str(b, "rule", r->rs[0].rule) < 0 || buf_addc(b, ',') < 0 ||
		    kv_str(b, "message", r->rs[0].msg) < 0 || buf_adds(b, ",\"errors\":[") < 0;
		for (int i = 0; i < r->n && !bad; i++)
			bad |= (i && buf_addc(b, ',') < 0) || buf_addc(b, '{') < 0 ||
			    kv_str(b, "field", r->rs[i].field) < 0 || buf_addc(b, ',') < 0 ||
			    kv_str(b, "rule", r->rs[i].rule) < 0 || buf_addc(b, ',') < 0 ||
			    kv_str(b, "message", r->rs[i].msg) < 0 || buf_addc(b, '}') < 0;
		bad |= buf_printf(b, "],\"source\":{\"record_number\":%llu", (unsigned long long)recno) < 0;
		if (record && record->type == MSGPACK_OBJECT_MAP)
			for (uint32_t i = 0; i < record->via.map.size && !bad; i++) {
				const msgpack_object_kv *kv = &record->via.map.ptr[i];
				if (!rec_is_meta_key(&kv->key))
					continue;
				bad |= buf_addc(b, ',') < 0 ||
				    rec_json_str_append(b, kv->key.via.str.ptr, kv->key.via.str.size) < 0 ||
				    buf_addc(b, ':') < 0 || rec_json_append(b, &kv->val) < 0;
			}
		bad |= buf_adds(b, "},\"record\":") < 0;
		if (!bad)
			bad |= (record ? rec_json_append(b, record) : buf_adds(b, "null")) < 0;
		bad |= buf_adds(b, "}\n") < 0;
	}
	clear_reasons(r);
	if (bad)
		return err_set(e, XIT_TEMPFAIL, "out of memory writing a reject");
	if (write_all(r->fd < 0 ? 2 : r->fd, b->p, b->len) < 0)
		return err_set(e, XIT_TEMPFAIL, "writing the rejects file:");
	r->count++;
	return 0;
}

int
rej_close(struct rej *r, struct err *e)
{
	int ret = 0;
	if (!r)
		return 0;
	if (r->fd >= 0 && (fsync(r->fd) < 0 && errno != EINVAL))
		ret = err_set(e, XIT_TEMPFAIL, "syncing the rejects file:");
	if (r->fd >= 0 && close(r->fd) < 0 && ret == 0)
		ret = err_set(e, XIT_TEMPFAIL, "closing the rejects file:");
	clear_reasons(r);
	free(r->rs);
	free(r->stage);
	buf_free(&r->line);
	free(r);
	return ret;
}
