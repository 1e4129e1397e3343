/* dbx_fast.c: see dbx_fast.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "dbx_chunk.h"
#include "dbx_fast.h"
#include "rec.h"

static inline unsigned char *
put_be(unsigned char *o, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		*o++ = (unsigned char)(v >> (8 * i));
	return o;
}

static inline int
room(struct buf *b, size_t n)
{
	return b->cap - b->len > n + 1 ? 0 : buf_grow(b, n);
}

/* the smallest forms, as msgpack-c (and rec_msgpack_append) choose */
static inline int
put_str(struct buf *b, const char *s, uint32_t n)
{
	unsigned char *o;
	if (room(b, (size_t)n + 5) < 0)
		return -1;
	o = (unsigned char *)b->p + b->len;
	if (n <= 31)
		*o++ = (unsigned char)(0xa0 | n);
	else if (n <= 0xff) {
		*o++ = 0xd9;
		*o++ = (unsigned char)n;
	} else if (n <= 0xffff) {
		*o++ = 0xda;
		o = put_be(o, n, 2);
	} else {
		*o++ = 0xdb;
		o = put_be(o, n, 4);
	}
	memcpy(o, s, n);
	b->len = (size_t)((char *)o - b->p) + n;
	return 0;
}

static inline int
put_int(struct buf *b, int64_t i)
{
	unsigned char *o;
	if (room(b, 9) < 0)
		return -1;
	o = (unsigned char *)b->p + b->len;
	if (i >= 0) {
		uint64_t u = (uint64_t)i;
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
	} else if (i >= -32)
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
	b->len = (size_t)((char *)o - b->p);
	return 0;
}

static inline int
put_byte(struct buf *b, unsigned char c)
{
	if (room(b, 1) < 0)
		return -1;
	b->p[b->len++] = (char)c;
	return 0;
}

/* a decimal's text as REC_EXT_DECIMAL */
static int
put_dec(struct buf *b, const char *s, uint32_t n)
{
	unsigned char *o;
	if (room(b, (size_t)n + 6) < 0)
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
	*o++ = REC_EXT_DECIMAL;
	memcpy(o, s, n);
	b->len = (size_t)((char *)o - b->p) + n;
	return 0;
}

int
dbx_mp_value(struct buf *b, const msgpack_object *v)
{
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
		return put_byte(b, 0xc0);
	case MSGPACK_OBJECT_BOOLEAN:
		return put_byte(b, v->via.boolean ? 0xc3 : 0xc2);
	case MSGPACK_OBJECT_STR:
		return put_str(b, v->via.str.ptr, v->via.str.size);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (v->via.u64 <= INT64_MAX)
			return put_int(b, (int64_t)v->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return put_int(b, v->via.i64);
	default:
		break;
	}
	return rec_msgpack_append(b, v);
}

/* "-?(0|[1-9][0-9]*)(\.[0-9]+)?": 2 with a fraction, 1 an integer of at most 18 digits
 * (not "-0"), 0 any other form (dbx_conv decides) */
static int
simple_number(const char *s, size_t n, int64_t *iv)
{
	size_t i = 0, d0;
	int neg = 0;
	uint64_t v = 0;
	if (n && s[0] == '-')
		neg = 1, i = 1;
	d0 = i;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i] == '0')
		i++;
	else
		while (i < n && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (uint64_t)(s[i++] - '0'), (void)0;
	if (i == n) {
		if (i - d0 > 18 || (neg && v == 0))
			return 0;
		*iv = neg ? -(int64_t)v : (int64_t)v;
		return 1;
	}
	if (s[i] != '.' || ++i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 2;
}

static inline int
d2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

static inline uint64_t
load8(const char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* the 8 bytes at p: digits where dig (a byte-order-independent byte mask of 0xff) has 0xff,
 * the bytes of pat elsewhere (pat's bytes at digit places are '0') */
static inline int
swar_form(const char *p, const char *pat, const char *dig)
{
	uint64_t x = load8(p), m = load8(dig), y = (x ^ load8(pat)) & m;
	const uint64_t f0 = 0xF0F0F0F0F0F0F0F0u, six = 0x0606060606060606u, x10 = 0x1010101010101010u;
	/* y: 0..9 at the digit places of a digit, 0 elsewhere when the separators match */
	return ((x ^ load8(pat)) & ~m) == 0 && (((y & f0) | ((y + (six & m)) & x10)) & m) == 0;
}

/* "YYYY-MM-DD" with a day that exists: as dbx_date_valid (days past the 28th asked of it) */
static inline int
date_ok(const char *s, size_t n)
{
	int m, d;
	if (n != 10 || !swar_form(s, "0000-00-", "\xff\xff\xff\xff\0\xff\xff\0") ||
	    s[8] < '0' || s[8] > '9' || s[9] < '0' || s[9] > '9')
		return 0;
	m = d2(s + 5), d = d2(s + 8);
	if (m < 1 || m > 12 || d < 1)
		return 0;
	return d <= 28 || dbx_date_valid(s, n);
}

int
dbx_ts_is_utc_form(const char *s, size_t n)
{
	if (n < 20 || n > 30 || n == 21 || s[n - 1] != 'Z')
		return 0;
	/* "dddd-dd-ddTdd:dd:dd" */
	if (!swar_form(s + 8, "00T00:00", "\xff\xff\0\xff\xff\0\xff\xff") ||
	    !swar_form(s + 11, "00:00:00", "\xff\xff\0\xff\xff\0\xff\xff") ||
	    !date_ok(s, 10))
		return 0;
	if (n > 20) {
		if (s[19] != '.')
			return 0;
		for (size_t i = 20; i < n - 1; i++)
			if (s[i] < '0' || s[i] > '9')
				return 0;
	}
	if (s[0] == '0' && s[1] == '0' && s[2] == '0' && s[3] == '0')
		return 0;
	return d2(s + 11) <= 23 && d2(s + 14) <= 59 && d2(s + 17) <= 60;
}

static inline const char *
jws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* a JSON string without escapes at *pp (its opening quote) as MessagePack; -1 not taken */
static int
jstr(struct buf *b, const char **pp, const char *e)
{
	const char *st = *pp + 1, *p = st;
	for (;;) {
		if (p >= e)
			return -1;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c == '\\' || c < 0x20)
			return -1;
		if (c >= 0x80) {
			int k = dbx_utf8_seq((const unsigned char *)p, (const unsigned char *)e);
			if (!k)
				return -1;
			p += k;
		} else
			p++;
	}
	*pp = p + 1;
	return put_str(b, st, (uint32_t)(p - st)) < 0 ? -2 : 0;
}

/* the JSON text of an ARRAY/MAP/STRUCT value in the simple forms (a string without escapes;
 * an array of at most 15 such strings; an object of at most 15 such members) straight to
 * MessagePack, as rec_json_parse and rec_msgpack_append give it: 0; -1 not taken (b is left
 * as it was); -2 out of memory */
static int
json_simple(struct buf *b, const char *s, size_t n)
{
	const char *p = jws(s, s + n), *e = s + n;
	size_t mark = b->len, hpos;
	unsigned cnt = 0;
	int r = -1;
	if (p >= e)
		return -1;
	if (*p == '"') {
		if ((r = jstr(b, &p, e)) < 0)
			goto no;
	} else if (*p == '[' || *p == '{') {
		int obj = *p == '{';
		char close = obj ? '}' : ']';
		if ((r = room(b, 1)) < 0) {
			r = -2;
			goto no;
		}
		hpos = b->len++;
		p = jws(p + 1, e);
		if (p < e && *p == close)
			p++;
		else
			for (;;) {
				if (p >= e || *p != '"' || (r = jstr(b, &p, e)) < 0)
					goto no;
				if (obj) {
					p = jws(p, e);
					if (p >= e || *p != ':')
						goto no;
					p = jws(p + 1, e);
					if (p >= e || *p != '"' || (r = jstr(b, &p, e)) < 0)
						goto no;
				}
				if (++cnt > 15)
					goto no;
				p = jws(p, e);
				if (p < e && *p == ',') {
					p = jws(p + 1, e);
					continue;
				}
				if (p < e && *p == close) {
					p++;
					break;
				}
				goto no;
			}
		b->p[hpos] = (char)((obj ? 0x80 : 0x90) | cnt);
	} else
		goto no;
	if (jws(p, e) != e) {
		r = -1;
		goto no;
	}
	return 0;
no:
	b->len = mark;
	return r == -2 ? -2 : -1;
}

static int
generic(struct buf *b, enum dbx_type t, const char *type_text, const msgpack_object *v,
	msgpack_zone *z, struct err *e)
{
	msgpack_object out;
	int k = dbx_conv(t, type_text, v, z, &out, e);
	if (k < 0)
		return -1;
	if (dbx_mp_value(b, &out) < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return k;
}

int
dbx_conv_mp(struct buf *b, enum dbx_type t, const char *type_text, const msgpack_object *v,
	msgpack_zone *z, struct err *e)
{
	const char *s;
	uint32_t n;
	int64_t iv;
	int r = 0;
	if (v->type == MSGPACK_OBJECT_NIL)
		r = put_byte(b, 0xc0);
	else if (v->type != MSGPACK_OBJECT_STR)
		return generic(b, t, type_text, v, z, e);
	else {
		s = v->via.str.ptr, n = v->via.str.size;
		switch (t) {
		case DBX_T_STRING:
			r = put_str(b, s, n);
			break;
		case DBX_T_INT:
		case DBX_T_DECIMAL:
		case DBX_T_FLOAT:
			switch (n <= 128 ? simple_number(s, n, &iv) : 0) {
			case 1:
				r = put_int(b, iv);
				break;
			case 2:
				if (t == DBX_T_INT)
					return generic(b, t, type_text, v, z, e);
				r = put_dec(b, s, n);
				break;
			default:
				return generic(b, t, type_text, v, z, e);
			}
			break;
		case DBX_T_BOOL:
			if (n == 4 && !memcmp(s, "true", 4))
				r = put_byte(b, 0xc3);
			else if (n == 5 && !memcmp(s, "false", 5))
				r = put_byte(b, 0xc2);
			else
				return generic(b, t, type_text, v, z, e);
			break;
		case DBX_T_DATE:
			if (!date_ok(s, n))
				return generic(b, t, type_text, v, z, e);
			r = put_str(b, s, n);
			break;
		case DBX_T_TIMESTAMP:
			if (!dbx_ts_is_utc_form(s, n))
				return generic(b, t, type_text, v, z, e);
			r = put_str(b, s, n);
			break;
		case DBX_T_JSON:
			if (type_text && strstr(type_text, "TIMESTAMP")) /* dbx_conv_nested */
				return generic(b, t, type_text, v, z, e);
			r = json_simple(b, s, n);
			if (r == -1)
				return generic(b, t, type_text, v, z, e);
			break;
		default:
			return generic(b, t, type_text, v, z, e);
		}
	}
	if (r < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return 0;
}
