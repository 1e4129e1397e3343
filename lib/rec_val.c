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

static int
buf_write_cb(void *data, const char *p, size_t n)
{
	return buf_add(data, p, n);
}

int
rec_msgpack_append(struct buf *b, const msgpack_object *v)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, b, buf_write_cb);
	return msgpack_pack_object(&pk, *v) == 0 ? 0 : -1;
}

static int
path_push(struct buf *path, const char *s, size_t n, size_t *saved)
{
	*saved = path->len;
	if (path->len && buf_addc(path, '.') < 0)
		return -1;
	return buf_add(path, s, n);
}

static int
path_index(struct buf *path, uint32_t i, size_t *saved)
{
	*saved = path->len;
	return buf_printf(path, "[%u]", i);
}

static int
check_fail(struct buf *path, struct err *e, const char *what)
{
	return err_set(e, XIT_DATAERR, "%.*s%s%s", (int)path->len, path->len ? path->p : "",
	    path->len ? ": " : "", what);
}

int
rec_check(const msgpack_object *v, int depth, struct buf *path, struct err *e)
{
	size_t saved;
	if (depth > REC_MAX_DEPTH)
		return check_fail(path, e, "nested deeper than 32 levels");
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
	case MSGPACK_OBJECT_BOOLEAN:
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (v->via.f64 != v->via.f64 || v->via.f64 - v->via.f64 != 0)
			return check_fail(path, e, "NaN or infinite float (JSON cannot carry it)");
		return 0;
	case MSGPACK_OBJECT_STR:
		if (!rec_utf8_valid(v->via.str.ptr, v->via.str.size))
			return check_fail(path, e, "invalid UTF-8 in a string");
		return 0;
	case MSGPACK_OBJECT_BIN:
		return check_fail(path, e, "binary value (records carry text: encode it as a string)");
	case MSGPACK_OBJECT_EXT:
		if (v->via.ext.type != REC_EXT_DECIMAL)
			return check_fail(path, e, "unknown MessagePack extension type");
		if (!rec_number_valid(v->via.ext.ptr, v->via.ext.size))
			return check_fail(path, e, "decimal extension is not a JSON number");
		return 0;
	case MSGPACK_OBJECT_ARRAY:
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			if (path_index(path, i, &saved) < 0)
				return err_set(e, XIT_TEMPFAIL, "out of memory");
			if (rec_check(&v->via.array.ptr[i], depth + 1, path, e) < 0)
				return -1;
			path->len = saved;
		}
		return 0;
	case MSGPACK_OBJECT_MAP:
		for (uint32_t i = 0; i < v->via.map.size; i++) {
			const msgpack_object_kv *kv = &v->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				return check_fail(path, e, "map key is not a string");
			if (!rec_utf8_valid(kv->key.via.str.ptr, kv->key.via.str.size))
				return check_fail(path, e, "invalid UTF-8 in a key");
			if (path_push(path, kv->key.via.str.ptr, kv->key.via.str.size, &saved) < 0)
				return err_set(e, XIT_TEMPFAIL, "out of memory");
			if (rec_check(&kv->val, depth + 1, path, e) < 0)
				return -1;
			path->len = saved;
		}
		return 0;
	default:
		return check_fail(path, e, "unknown value type");
	}
}
