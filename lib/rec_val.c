/* rec_val.c: looking at and building record values; MessagePack encoding and checking. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rec.h"
#include "rec_priv.h"

const msgpack_object *
rec_getn(const msgpack_object *map, const char *key, size_t klen)
{
	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    memcmp(k->via.str.ptr, key, klen) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

const msgpack_object *
rec_get(const msgpack_object *map, const char *key)
{
	return rec_getn(map, key, strlen(key));
}

int
rec_str_eq(const msgpack_object *v, const char *s)
{
	size_t n = strlen(s);
	return v && v->type == MSGPACK_OBJECT_STR && v->via.str.size == n &&
	    memcmp(v->via.str.ptr, s, n) == 0;
}

int
rec_is_meta_key(const msgpack_object *k)
{
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size > 0 && k->via.str.ptr[0] == '_';
}

int
rec_is_integer(const msgpack_object *v)
{
	return v->type == MSGPACK_OBJECT_POSITIVE_INTEGER || v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
}

int
rec_is_number(const msgpack_object *v)
{
	return rec_is_integer(v) || v->type == MSGPACK_OBJECT_FLOAT32 ||
	    v->type == MSGPACK_OBJECT_FLOAT64 ||
	    (v->type == MSGPACK_OBJECT_EXT && v->via.ext.type == REC_EXT_DECIMAL);
}

int
rec_to_int64(const msgpack_object *v, int64_t *out)
{
	if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = v->via.i64;
		return 0;
	}
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 <= INT64_MAX) {
		*out = (int64_t)v->via.u64;
		return 0;
	}
	return -1;
}

int
rec_to_double(const msgpack_object *v, double *out)
{
	switch (v->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*out = (double)v->via.u64;
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*out = (double)v->via.i64;
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*out = v->via.f64;
		return 0;
	case MSGPACK_OBJECT_EXT: {
		char tmp[512];
		if (v->via.ext.type != REC_EXT_DECIMAL || v->via.ext.size >= sizeof tmp)
			return -1;
		memcpy(tmp, v->via.ext.ptr, v->via.ext.size);
		tmp[v->via.ext.size] = 0;
		*out = strtod(tmp, NULL);
		return 0;
	}
	default:
		return -1;
	}
}

msgpack_object
rec_int(int64_t i)
{
	msgpack_object o;
	if (i < 0) {
		o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
		o.via.i64 = i;
	} else {
		o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		o.via.u64 = (uint64_t)i;
	}
	return o;
}

msgpack_object
rec_uint(uint64_t u)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
	o.via.u64 = u;
	return o;
}

msgpack_object
rec_strref(const char *s, size_t n)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = s;
	o.via.str.size = (uint32_t)n;
	return o;
}

int
rec_strdup(msgpack_zone *z, const char *s, size_t n, msgpack_object *out)
{
	char *d = msgpack_zone_malloc(z, n ? n : 1);
	if (!d)
		return -1;
	if (n)
		memcpy(d, s, n);
	*out = rec_strref(d, n);
	return 0;
}

int
rec_number(msgpack_zone *z, const char *s, size_t n, msgpack_object *out)
{
	if (!rec_number_valid(s, n)) {
		errno = EINVAL;
		return -1;
	}
	int integer = !memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n);
	if (integer && rec_int_from_text(s, n, out))
		return 0;
	char *d = msgpack_zone_malloc(z, n);
	if (!d)
		return -1;
	memcpy(d, s, n);
	out->type = MSGPACK_OBJECT_EXT;
	out->via.ext.type = REC_EXT_DECIMAL;
	out->via.ext.ptr = d;
	out->via.ext.size = (uint32_t)n;
	return 0;
}

int
rec_copy(msgpack_zone *z, const msgpack_object *in, msgpack_object *out)
{
	*out = *in;
	switch (in->type) {
	case MSGPACK_OBJECT_STR:
		return rec_strdup(z, in->via.str.ptr, in->via.str.size, out);
	case MSGPACK_OBJECT_BIN:
	case MSGPACK_OBJECT_EXT: {
		uint32_t n = in->type == MSGPACK_OBJECT_BIN ? in->via.bin.size : in->via.ext.size;
		const char *src = in->type == MSGPACK_OBJECT_BIN ? in->via.bin.ptr : in->via.ext.ptr;
		char *d = msgpack_zone_malloc(z, n ? n : 1);
		if (!d)
			return -1;
		if (n)
			memcpy(d, src, n);
		if (in->type == MSGPACK_OBJECT_BIN)
			out->via.bin.ptr = d;
		else
			out->via.ext.ptr = d;
		return 0;
	}
	case MSGPACK_OBJECT_ARRAY: {
		uint32_t n = in->via.array.size;
		if (!n)
			return 0;
		msgpack_object *a = msgpack_zone_malloc(z, n * sizeof *a);
		if (!a)
			return -1;
		for (uint32_t i = 0; i < n; i++)
			if (rec_copy(z, &in->via.array.ptr[i], &a[i]) < 0)
				return -1;
		out->via.array.ptr = a;
		return 0;
	}
	case MSGPACK_OBJECT_MAP: {
		uint32_t n = in->via.map.size;
		if (!n)
			return 0;
		msgpack_object_kv *kv = msgpack_zone_malloc(z, n * sizeof *kv);
		if (!kv)
			return -1;
		for (uint32_t i = 0; i < n; i++)
			if (rec_copy(z, &in->via.map.ptr[i].key, &kv[i].key) < 0 ||
			    rec_copy(z, &in->via.map.ptr[i].val, &kv[i].val) < 0)
				return -1;
		out->via.map.ptr = kv;
		return 0;
	}
	default:
		return 0;
	}
}

void
rec_mapb_init(struct rec_mapb *m, msgpack_zone *z)
{
	m->z = z;
	m->kv = NULL;
	m->n = m->cap = 0;
}

int
rec_mapb_putk(struct rec_mapb *m, msgpack_object key, msgpack_object val)
{
	if (m->n == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 16;
		msgpack_object_kv *kv = msgpack_zone_malloc(m->z, cap * sizeof *kv);
		if (!kv)
			return -1;
		if (m->n)
			memcpy(kv, m->kv, m->n * sizeof *kv);
		m->kv = kv;
		m->cap = cap;
	}
	m->kv[m->n].key = key;
	m->kv[m->n].val = val;
	m->n++;
	return 0;
}

int
rec_mapb_put(struct rec_mapb *m, const char *key, msgpack_object val)
{
	return rec_mapb_putk(m, rec_strref(key, strlen(key)), val);
}

msgpack_object
rec_mapb_done(struct rec_mapb *m)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_MAP;
	o.via.map.size = m->n;
	o.via.map.ptr = m->kv;
	return o;
}

int
rec_copy_meta(struct rec_mapb *m, const msgpack_object *in)
{
	if (in->type != MSGPACK_OBJECT_MAP)
		return 0;
	for (uint32_t i = 0; i < in->via.map.size; i++)
		if (rec_is_meta_key(&in->via.map.ptr[i].key) &&
		    rec_mapb_putk(m, in->via.map.ptr[i].key, in->via.map.ptr[i].val) < 0)
			return -1;
	return 0;
}

void
rec_arrb_init(struct rec_arrb *a, msgpack_zone *z)
{
	a->z = z;
	a->v = NULL;
	a->n = a->cap = 0;
}

int
rec_arrb_push(struct rec_arrb *a, msgpack_object val)
{
	if (a->n == a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 8;
		msgpack_object *v = msgpack_zone_malloc(a->z, cap * sizeof *v);
		if (!v)
			return -1;
		if (a->n)
			memcpy(v, a->v, a->n * sizeof *v);
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = val;
	return 0;
}

msgpack_object
rec_arrb_done(struct rec_arrb *a)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_ARRAY;
	o.via.array.size = a->n;
	o.via.array.ptr = a->v;
	return o;
}

/* ---- MessagePack ---- */

/* MessagePack writer: written here rather than through msgpack_packer's per-item callback,
 * which cost a third of the conversion time. Smallest encodings, as msgpack-c chooses. */
static inline unsigned char *
put_be(unsigned char *o, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		o[n - 1 - i] = (unsigned char)(v >> (8 * i));
	return o + n;
}

static inline unsigned char *
put_len(unsigned char *o, uint32_t n, unsigned fix, uint32_t fixmax, unsigned c8, unsigned c16)
{
	if (n <= fixmax)
		*o++ = (unsigned char)(fix | n);
	else if (c8 && n <= 0xff) {
		*o++ = (unsigned char)c8;
		*o++ = (unsigned char)n;
	} else if (n <= 0xffff) {
		*o++ = (unsigned char)c16;
		o = put_be(o, n, 2);
	} else {
		*o++ = (unsigned char)(c16 + 1);
		o = put_be(o, n, 4);
	}
	return o;
}

/* room for need more bytes (and the NUL buf keeps): a compare inline, buf_grow (which
 * keeps the ceiling b->max) only when the buffer is full */
static inline int
mp_room(struct buf *b, size_t need)
{
	return b->cap - b->len > need ? 0 : buf_grow(b, need);
}

/* copies n bytes that are known to fit: short strings (most keys and values) without a call,
 * by two overlapping loads and stores that read no byte outside s[0..n) */
static inline unsigned char *
mp_copy(unsigned char *o, const char *s, size_t n)
{
	uint64_t a, z;
	uint32_t a4, z4;
	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
		memcpy(o, &a, 8);
		memcpy(o + n - 8, &z, 8);
	} else if (n > 16 && n <= 32) {
		unsigned char h[16], t[16];
		memcpy(h, s, 16);
		memcpy(t, s + n - 16, 16);
		memcpy(o, h, 16);
		memcpy(o + n - 16, t, 16);
	} else if (n >= 4 && n < 8) {
		memcpy(&a4, s, 4);
		memcpy(&z4, s + n - 4, 4);
		memcpy(o, &a4, 4);
		memcpy(o + n - 4, &z4, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			o[i] = (unsigned char)s[i];
	} else
		memcpy(o, s, n);
	return o + n;
}

static int mp_append(struct buf *b, const msgpack_object *v);

/* an item of a map or array: the common short strings and small scalars inline, the rest
 * through mp_append */
static inline __attribute__((always_inline)) int
mp_item(struct buf *b, const msgpack_object *v)
{
	unsigned char *o;
	if (v->type == MSGPACK_OBJECT_STR && v->via.str.size <= 31) {
		uint32_t n = v->via.str.size;
		if (mp_room(b, (size_t)n + 1) < 0)
			return -1;
		o = (unsigned char *)b->p + b->len;
		*o++ = (unsigned char)(0xa0 | n);
		o = mp_copy(o, v->via.str.ptr, n);
		b->len = (size_t)((char *)o - b->p);
		return 0;
	}
	if (v->type == MSGPACK_OBJECT_NIL || v->type == MSGPACK_OBJECT_BOOLEAN ||
	    (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 < 0x80)) {
		if (mp_room(b, 1) < 0)
			return -1;
		b->p[b->len++] = (char)(v->type == MSGPACK_OBJECT_NIL ? 0xc0
		    : v->type == MSGPACK_OBJECT_BOOLEAN ? (v->via.boolean ? 0xc3 : 0xc2)
		    : (unsigned char)v->via.u64);
		return 0;
	}
	return mp_append(b, v);
}

/* Writes v at b->len without the terminating NUL (rec_msgpack_append adds it). */
static int
mp_append(struct buf *b, const msgpack_object *v)
{
	unsigned char *o;
	uint32_t n;
	switch (v->type) {
	case MSGPACK_OBJECT_STR:
		n = v->via.str.size;
		if (mp_room(b, (size_t)n + 5) < 0)
			return -1;
		o = (unsigned char *)b->p + b->len;
		o = put_len(o, n, 0xa0, 31, 0xd9, 0xda);
		o = mp_copy(o, v->via.str.ptr, n);
		b->len = (size_t)((char *)o - b->p);
		return 0;
	case MSGPACK_OBJECT_MAP:
		if (mp_room(b, 5) < 0)
			return -1;
		o = (unsigned char *)b->p + b->len;
		o = put_len(o, v->via.map.size, 0x80, 15, 0, 0xde);
		b->len = (size_t)((char *)o - b->p);
		for (uint32_t i = 0; i < v->via.map.size; i++)
			if (mp_item(b, &v->via.map.ptr[i].key) < 0 || mp_item(b, &v->via.map.ptr[i].val) < 0)
				return -1;
		return 0;
	case MSGPACK_OBJECT_ARRAY:
		if (mp_room(b, 5) < 0)
			return -1;
		o = (unsigned char *)b->p + b->len;
		o = put_len(o, v->via.array.size, 0x90, 15, 0, 0xdc);
		b->len = (size_t)((char *)o - b->p);
		for (uint32_t i = 0; i < v->via.array.size; i++)
			if (mp_item(b, &v->via.array.ptr[i]) < 0)
				return -1;
		return 0;
	case MSGPACK_OBJECT_BIN: /* bin has no fix form: bin8 0xc4, bin16 0xc5, bin32 0xc6 */
		n = v->via.bin.size;
		if (mp_room(b, (size_t)n + 5) < 0)
			return -1;
		o = (unsigned char *)b->p + b->len;
		if (n <= 0xff) {
			*o++ = 0xc4;
			*o++ = (unsigned char)n;
		} else
			o = put_len(o, n, 0, 0, 0, 0xc5);
		o = mp_copy(o, v->via.bin.ptr, n);
		b->len = (size_t)((char *)o - b->p);
		return 0;
	case MSGPACK_OBJECT_EXT:
		n = v->via.ext.size;
		if (mp_room(b, (size_t)n + 6) < 0)
			return -1;
		o = (unsigned char *)b->p + b->len;
		switch (n) {
		case 1: *o++ = 0xd4; break;
		case 2: *o++ = 0xd5; break;
		case 4: *o++ = 0xd6; break;
		case 8: *o++ = 0xd7; break;
		case 16: *o++ = 0xd8; break;
		default:
			if (n <= 0xff) {
				*o++ = 0xc7;
				*o++ = (unsigned char)n;
			} else if (n <= 0xffff) {
				*o++ = 0xc8;
				o = put_be(o, n, 2);
			} else {
				*o++ = 0xc9;
				o = put_be(o, n, 4);
			}
		}
		*o++ = (unsigned char)v->via.ext.type;
		o = mp_copy(o, v->via.ext.ptr, n);
		b->len = (size_t)((char *)o - b->p);
		return 0;
	default:
		break;
	}
	if (mp_room(b, 9) < 0)
		return -1;
	o = (unsigned char *)b->p + b->len;
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
		*o++ = 0xc0;
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		*o++ = v->via.boolean ? 0xc3 : 0xc2;
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER: {
		uint64_t u = v->via.u64;
		if (u < 0x80)
			*o++ = (unsigned char)u;
		else if (u <= 0xff) {
			*o++ = 0xcc;
			*o++ = (unsigned char)u;
		} else if (u <= 0xffff) {
			*o++ = 0xcd;
			o = put_be(o, u, 2);
		} else if (u <= 0xffffffffu) {
			*o++ = 0xce;
			o = put_be(o, u, 4);
		} else {
			*o++ = 0xcf;
			o = put_be(o, u, 8);
		}
		break;
	}
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: {
		int64_t i = v->via.i64;
		if (i >= -32)
			*o++ = (unsigned char)(int8_t)i;
		else if (i >= INT8_MIN) {
			*o++ = 0xd0;
			*o++ = (unsigned char)(int8_t)i;
		} else if (i >= INT16_MIN) {
			*o++ = 0xd1;
			o = put_be(o, (uint64_t)i, 2);
		} else if (i >= INT32_MIN) {
			*o++ = 0xd2;
			o = put_be(o, (uint64_t)i, 4);
		} else {
			*o++ = 0xd3;
			o = put_be(o, (uint64_t)i, 8);
		}
		break;
	}
	case MSGPACK_OBJECT_FLOAT32: {
		float f = (float)v->via.f64;
		uint32_t u;
		memcpy(&u, &f, 4);
		*o++ = 0xca;
		o = put_be(o, u, 4);
		break;
	}
	case MSGPACK_OBJECT_FLOAT64: {
		uint64_t u;
		memcpy(&u, &v->via.f64, 8);
		*o++ = 0xcb;
		o = put_be(o, u, 8);
		break;
	}
	default:
		errno = EINVAL;
		return -1;
	}
	b->len = (size_t)((char *)o - b->p);
	return 0;
}

int
rec_msgpack_append(struct buf *b, const msgpack_object *v)
{
	size_t mark = b->len;
	if (mp_append(b, v) < 0) {
		b->len = mark;
		return -1;
	}
	b->p[b->len] = 0;
	return 0;
}

/* the check itself, without paths: fast; returns the message of the first failure */
static const char *
check_value(const msgpack_object *v, int depth)
{
	const char *why;
	if (depth > REC_MAX_DEPTH)
		return "nested deeper than 32 levels";
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
	case MSGPACK_OBJECT_BOOLEAN:
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return NULL;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (v->via.f64 != v->via.f64 || v->via.f64 - v->via.f64 != 0)
			return "NaN or infinite float (JSON cannot carry it)";
		return NULL;
	case MSGPACK_OBJECT_STR:
		return rec_utf8_valid(v->via.str.ptr, v->via.str.size) ? NULL : "invalid UTF-8 in a string";
	case MSGPACK_OBJECT_BIN:
		return "binary value (records carry text: encode it as a string)";
	case MSGPACK_OBJECT_EXT:
		if (v->via.ext.type != REC_EXT_DECIMAL)
			return "unknown MessagePack extension type";
		if (!rec_number_valid(v->via.ext.ptr, v->via.ext.size))
			return "decimal extension is not a JSON number";
		return NULL;
	case MSGPACK_OBJECT_ARRAY:
		for (uint32_t i = 0; i < v->via.array.size; i++)
			if ((why = check_value(&v->via.array.ptr[i], depth + 1)))
				return why;
		return NULL;
	case MSGPACK_OBJECT_MAP:
		for (uint32_t i = 0; i < v->via.map.size; i++) {
			const msgpack_object_kv *kv = &v->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				return "map key is not a string";
			if (!rec_utf8_valid(kv->key.via.str.ptr, kv->key.via.str.size))
				return "invalid UTF-8 in a key";
			if ((why = check_value(&kv->val, depth + 1)))
				return why;
		}
		return NULL;
	default:
		return "unknown value type";
	}
}

/* finds the path to the first failure (only called once one is known) */
static int
find_path(const msgpack_object *v, int depth, struct buf *path)
{
	size_t saved = path->len;
	if (v->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < v->via.array.size; i++)
			if (check_value(&v->via.array.ptr[i], depth + 1)) {
				if (buf_printf(path, "[%u]", i) < 0)
					return -1;
				return find_path(&v->via.array.ptr[i], depth + 1, path);
			}
	} else if (v->type == MSGPACK_OBJECT_MAP) {
		for (uint32_t i = 0; i < v->via.map.size; i++) {
			const msgpack_object_kv *kv = &v->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR ||
			    !rec_utf8_valid(kv->key.via.str.ptr, kv->key.via.str.size))
				return 0;
			if (check_value(&kv->val, depth + 1)) {
				if ((saved && buf_addc(path, '.') < 0) ||
				    buf_add(path, kv->key.via.str.ptr, kv->key.via.str.size) < 0)
					return -1;
				return find_path(&kv->val, depth + 1, path);
			}
		}
	}
	return 0;
}

int
rec_check(const msgpack_object *v, int depth, struct buf *path, struct err *e)
{
	const char *why = check_value(v, depth);
	if (!why)
		return 0;
	if (find_path(v, depth, path) < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return err_set(e, XIT_DATAERR, "%.*s%s%s", (int)path->len, path->len ? path->p : "",
	    path->len ? ": " : "", why);
}
