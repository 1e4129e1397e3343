/* ins_resp.c: see ins_resp.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "ins_resp.h"
#include "rec.h"

int
ins_error_key(const char *key, size_t n, unsigned long *user, const char **f, size_t *fn,
	const char **r, size_t *rn)
{
	static const char pre[] = "users.";
	size_t pl = sizeof pre - 1, i;
	if (n <= pl || memcmp(key, pre, pl) != 0)
		return -1;
	i = pl;
	if (key[i] < '0' || key[i] > '9')
		return -1;
	unsigned long idx = 0;
	size_t digits = 0;
	while (i < n && key[i] >= '0' && key[i] <= '9') {
		if (idx > 100000000UL) /* no request holds that many users */
			return -1;
		idx = idx * 10 + (unsigned long)(key[i] - '0');
		i++;
		digits++;
	}
	if (digits > 1 && key[pl] == '0')
		return -1;
	*user = idx;
	*f = *r = key + n;
	*fn = *rn = 0;
	if (i == n)
		return 0;
	if (key[i] != '.')
		return -1;
	i++;
	/* rest = key[i..n): path and rule split at the last '.' outside parentheses */
	const char *rest = key + i;
	size_t len = n - i, cut = len;
	int depth = 0;
	for (size_t k = 0; k < len; k++) {
		char c = rest[k];
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == '.' && depth == 0)
			cut = k;
	}
	if (cut == len) { /* one segment: "users.0.required" */
		*r = rest;
		*rn = len;
		*f = rest;
		*fn = 0;
		return 0;
	}
	*f = rest;
	*fn = cut;
	*r = rest + cut + 1;
	*rn = len - cut - 1;
	/* drop trailing ".*" segments of the path */
	while (*fn >= 2 && rest[*fn - 1] == '*' && rest[*fn - 2] == '.')
		*fn -= 2;
	if (*fn == 1 && rest[0] == '*')
		*fn = 0;
	return 0;
}

static char *
zstr(msgpack_zone *z, const char *s, size_t n)
{
	char *p = msgpack_zone_malloc(z, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

/* a counter: {"count":N} (N), {} (0: the live API's "none", reference section 10), absent
 * (-1), anything else (-2) */
static long
count_of(const msgpack_object *o)
{
	if (!o)
		return -1;
	if (o->type != MSGPACK_OBJECT_MAP)
		return -2;
	const msgpack_object *c = rec_get(o, "count");
	int64_t v;
	if (c && rec_to_int64(c, &v) == 0 && v >= 0 && v <= 1000000000)
		return (long)v;
	if (c)
		return -2;
	return 0; /* {} or {"errors":...} without a count */
}

/* a message value as text (strings as they are, anything else as JSON) */
static const char *
msg_text(msgpack_zone *z, const msgpack_object *v)
{
	if (v->type == MSGPACK_OBJECT_STR)
		return zstr(z, v->via.str.ptr, v->via.str.size);
	struct buf b = BUF_INIT;
	const char *s = NULL;
	if (rec_json_append(&b, v) == 0)
		s = zstr(z, b.p ? b.p : "", b.len);
	buf_free(&b);
	return s;
}

int
ins_resp_parse(const char *body, size_t len, size_t nusers, struct ins_resp *r, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->successful = r->failed = -1;
	r->z = msgpack_zone_new(4096);
	if (!r->z)
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	msgpack_object root;
	struct err pe = ERR_INIT;
	if (len == 0 || rec_json_parse(body, len, r->z, &root, &pe) < 0)
		return 0;
	const msgpack_object *data = rec_get(&root, "data");
	if (root.type != MSGPACK_OBJECT_MAP || !data || data->type != MSGPACK_OBJECT_MAP)
		return 0;
	r->understood = 1;
	r->successful = count_of(rec_get(data, "successful"));
	const msgpack_object *fail = rec_get(data, "fail");
	r->failed = count_of(fail);
	const msgpack_object *errs = fail && fail->type == MSGPACK_OBJECT_MAP
		? rec_get(fail, "errors") : NULL;
	if (!errs || errs->type != MSGPACK_OBJECT_MAP || errs->via.map.size == 0)
		return 0;
	uint32_t ne = errs->via.map.size;
	r->fails = msgpack_zone_malloc(r->z, ne * sizeof *r->fails);
	if (!r->fails)
		goto nomem;
	for (uint32_t i = 0; i < ne; i++) {
		const msgpack_object_kv *kv = &errs->via.map.ptr[i];
		struct ins_fail *f = &r->fails[r->nfails];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			continue;
		const char *k = kv->key.via.str.ptr;
		size_t kn = kv->key.via.str.size;
		unsigned long idx;
		const char *fp, *rp;
		size_t fn, rn;
		f->key = zstr(r->z, k, kn);
		if (!f->key)
			goto nomem;
		if (ins_error_key(k, kn, &idx, &fp, &fn, &rp, &rn) == 0 && idx < nusers) {
			f->user = (long)idx;
			f->field = zstr(r->z, fp, fn);
			f->rule = zstr(r->z, rp, rn);
		} else {
			f->user = -1;
			f->field = zstr(r->z, "", 0);
			f->rule = zstr(r->z, "", 0);
		}
		if (!f->field || !f->rule)
			goto nomem;
		const msgpack_object *v = &kv->val;
		size_t nm = v->type == MSGPACK_OBJECT_ARRAY ? v->via.array.size : 1;
		if (nm == 0)
			nm = 1;
		f->msgs = msgpack_zone_malloc(r->z, nm * sizeof *f->msgs);
		if (!f->msgs)
			goto nomem;
		f->nmsgs = 0;
		if (v->type == MSGPACK_OBJECT_ARRAY) {
			for (uint32_t m = 0; m < v->via.array.size; m++) {
				const char *s = msg_text(r->z, &v->via.array.ptr[m]);
				if (!s)
					goto nomem;
				f->msgs[f->nmsgs++] = s;
			}
		} else if (v->type != MSGPACK_OBJECT_NIL) {
			const char *s = msg_text(r->z, v);
			if (!s)
				goto nomem;
			f->msgs[f->nmsgs++] = s;
		}
		if (f->nmsgs == 0)
			f->msgs[f->nmsgs++] = f->key;
		r->nfails++;
	}
	return 0;
nomem:
	ins_resp_free(r);
	return err_set(e, XIT_TEMPFAIL, "out of memory:");
}

void
ins_resp_free(struct ins_resp *r)
{
	if (r->z)
		msgpack_zone_free(r->z);
	memset(r, 0, sizeof *r);
	r->successful = r->failed = -1;
}

void
ins_resp_message(const char *body, size_t len, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	out[0] = 0;
	if (!body || len == 0)
		return;
	size_t cap = outlen - 1 < 300 ? outlen - 1 : 300;
	msgpack_zone *z = msgpack_zone_new(2048);
	const char *s = NULL;
	size_t sn = 0;
	if (z) {
		msgpack_object root;
		struct err pe = ERR_INIT;
		if (rec_json_parse(body, len, z, &root, &pe) == 0 && root.type == MSGPACK_OBJECT_MAP) {
			const msgpack_object *m = rec_get(&root, "error");
			if (!m || m->type != MSGPACK_OBJECT_STR)
				m = rec_get(&root, "message");
			if (m && m->type == MSGPACK_OBJECT_STR) {
				s = m->via.str.ptr;
				sn = m->via.str.size;
			}
		}
	}
	if (!s) {
		s = body;
		sn = len;
	}
	size_t o = 0;
	int space = 0;
	for (size_t i = 0; i < sn && o < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			if (!space && o > 0)
				out[o++] = ' ';
			space = 1;
			continue;
		}
		out[o++] = (char)c;
		space = c == ' ';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	/* do not end inside a UTF-8 sequence */
	if (o == cap) {
		size_t k = o;
		while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)out[k - 1] & 0x80))
			o = k - 1;
	}
	out[o] = 0;
	if (z)
		msgpack_zone_free(z);
}
