/* rec_size.c: the record size limit (DBXI_MAX_RECORD), the size of a record in either form
 * without encoding it, and the small reject of a record too large to pass (see rec.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rec.h"
#include "rec_priv.h"

int
rec_max_record(size_t *out, struct err *e)
{
	const char *s = getenv("DBXI_MAX_RECORD");
	unsigned long long v = 0;
	*out = REC_MAX_RECORD_DEFAULT;
	if (!s)
		return 0;
	/* digits only: no sign, blank, exponent or suffix; no wrap-around */
	size_t i = 0;
	for (; s[i] >= '0' && s[i] <= '9' && i < 12; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	if (i == 0 || s[i] || v < REC_MAX_RECORD_MIN || v > REC_MAX_RECORD_MAX)
		return err_set(e, XIT_CONFIG,
		    "DBXI_MAX_RECORD: must be a whole number of bytes from %u to %u: '%s'",
		    REC_MAX_RECORD_MIN, REC_MAX_RECORD_MAX, s);
	*out = (size_t)v;
	return 0;
}

size_t
rec_limit_env(void)
{
	size_t v;
	struct err e = ERR_INIT;
	if (rec_max_record(&v, &e) < 0)
		return REC_MAX_RECORD_DEFAULT;
	return v;
}

static size_t
mp_len_size(uint32_t n, uint32_t fixmax, int has8)
{
	if (n <= fixmax)
		return 1;
	if (has8 && n <= 0xff)
		return 2;
	return n <= 0xffff ? 3 : 5;
}

size_t
rec_msgpack_size(const msgpack_object *v)
{
	size_t n = 0;
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
	case MSGPACK_OBJECT_BOOLEAN:
		return 1;
	case MSGPACK_OBJECT_POSITIVE_INTEGER: {
		uint64_t u = v->via.u64;
		return u < 0x80 ? 1 : u <= 0xff ? 2 : u <= 0xffff ? 3 : u <= 0xffffffffu ? 5 : 9;
	}
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: {
		int64_t i = v->via.i64;
		return i >= -32 ? 1 : i >= INT8_MIN ? 2 : i >= INT16_MIN ? 3 : i >= INT32_MIN ? 5 : 9;
	}
	case MSGPACK_OBJECT_FLOAT32:
		return 5;
	case MSGPACK_OBJECT_FLOAT64:
		return 9;
	case MSGPACK_OBJECT_STR:
		return mp_len_size(v->via.str.size, 31, 1) + v->via.str.size;
	case MSGPACK_OBJECT_BIN:
		return (v->via.bin.size <= 0xff ? 2 : v->via.bin.size <= 0xffff ? 3 : 5) + v->via.bin.size;
	case MSGPACK_OBJECT_EXT: {
		uint32_t k = v->via.ext.size;
		if (k == 1 || k == 2 || k == 4 || k == 8 || k == 16)
			return 2 + k;
		return (k <= 0xff ? 3 : k <= 0xffff ? 4 : 6) + k;
	}
	case MSGPACK_OBJECT_ARRAY:
		n = mp_len_size(v->via.array.size, 15, 0);
		for (uint32_t i = 0; i < v->via.array.size; i++)
			n += rec_msgpack_size(&v->via.array.ptr[i]);
		return n;
	case MSGPACK_OBJECT_MAP:
		n = mp_len_size(v->via.map.size, 15, 0);
		for (uint32_t i = 0; i < v->via.map.size; i++)
			n += rec_msgpack_size(&v->via.map.ptr[i].key) +
			    rec_msgpack_size(&v->via.map.ptr[i].val);
		return n;
	default:
		return 0;
	}
}

/* JSON text of a string: quotes, escapes as rec_json_str_append writes them */
static size_t
json_str_size(const char *s, size_t n)
{
	size_t k = n + 2;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
		    c == '\f')
			k += 1;
		else if (c < 0x20)
			k += 5;
	}
	return k;
}

static size_t
json_size(const msgpack_object *v, size_t stop, size_t sofar)
{
	size_t n = 0;
	if (sofar > stop)
		return 0;
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
	case MSGPACK_OBJECT_BOOLEAN:
		return v->type == MSGPACK_OBJECT_BOOLEAN && !v->via.boolean ? 5 : 4;
	case MSGPACK_OBJECT_STR:
		return json_str_size(v->via.str.ptr, v->via.str.size);
	case MSGPACK_OBJECT_ARRAY:
		n = 2 + (v->via.array.size ? v->via.array.size - 1 : 0);
		for (uint32_t i = 0; i < v->via.array.size && sofar + n <= stop; i++)
			n += json_size(&v->via.array.ptr[i], stop, sofar + n);
		return n;
	case MSGPACK_OBJECT_MAP:
		n = 2 + (v->via.map.size ? v->via.map.size - 1 : 0) + v->via.map.size;
		for (uint32_t i = 0; i < v->via.map.size && sofar + n <= stop; i++) {
			n += json_size(&v->via.map.ptr[i].key, stop, sofar + n);
			n += json_size(&v->via.map.ptr[i].val, stop, sofar + n);
		}
		return n;
	case MSGPACK_OBJECT_EXT:
		if (v->via.ext.type == REC_EXT_DECIMAL)
			return v->via.ext.size;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: {
		uint64_t u = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? v->via.u64
		    : (uint64_t)0 - (uint64_t)v->via.i64;
		n = v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
		do {
			n++;
			u /= 10;
		} while (u);
		return n;
	}
	default: { /* floats: as rec_number_text writes them */
		struct buf b = BUF_INIT;
		if (rec_number_text(&b, v) == 0)
			n = b.len;
		buf_free(&b);
		return n;
	}
	}
}

size_t
rec_json_size(const msgpack_object *v, size_t stop)
{
	return json_size(v, stop, 0);
}

int
rec_reject_too_large(struct rej *rj, uint64_t recno, const msgpack_object *v, const char *what,
    size_t size, size_t max, struct err *e)
{
	/* keep the small top-level members; name the largest one left out */
	msgpack_object_kv kv[64];
	msgpack_object small = rec_nil();
	const msgpack_object *big = NULL;
	size_t bigsize = 0, nout = 0;
	uint32_t n = 0;
	if (v && v->type == MSGPACK_OBJECT_MAP) {
		for (uint32_t i = 0; i < v->via.map.size; i++) {
			const msgpack_object_kv *p = &v->via.map.ptr[i];
			size_t s = rec_json_size(&p->val, REC_REJECT_KEEP);
			if (s <= REC_REJECT_KEEP && p->key.type == MSGPACK_OBJECT_STR &&
			    p->key.via.str.size <= 256 && n < sizeof kv / sizeof kv[0]) {
				kv[n++] = *p;
				continue;
			}
			nout++;
			s = rec_json_size(&p->val, (size_t)-1 / 2);
			if (!big || s > bigsize) {
				big = &p->key;
				bigsize = s;
			}
		}
		small.type = MSGPACK_OBJECT_MAP;
		small.via.map.size = n;
		small.via.map.ptr = n ? kv : NULL;
	}
	char field[260] = "";
	if (big && big->type == MSGPACK_OBJECT_STR && big->via.str.size < sizeof field &&
	    rec_utf8_valid(big->via.str.ptr, big->via.str.size))
		snprintf(field, sizeof field, "%.*s", (int)big->via.str.size, big->via.str.ptr);
	int r;
	if (big)
		r = rej_add(rj, field, REC_RULE_TOO_LARGE,
		    "%s of %zu bytes is over the record size limit of %zu bytes (DBXI_MAX_RECORD); "
		    "left out of this reject: %zu member%s, the largest %s (%zu bytes of JSON)",
		    what, size, max, nout, nout == 1 ? "" : "s", field, bigsize);
	else
		r = rej_add(rj, "", REC_RULE_TOO_LARGE,
		    "%s of %zu bytes is over the record size limit of %zu bytes (DBXI_MAX_RECORD)",
		    what, size, max);
	if (r < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return rej_commit(rj, recno, v && v->type == MSGPACK_OBJECT_MAP ? &small : NULL, e);
}
