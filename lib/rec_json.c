/* rec_json.c: the JSON side of the record layer (see rec.h): a strict RFC 8259 parser that
 * builds msgpack_objects in a zone, pointing strings and numbers into the input when it can,
 * and the JSON writers. The parser reports "incomplete" when the text ends inside a value, so
 * that the stream reader can read more and try again. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rec.h"
#include "rec_priv.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static int
jp_fail(struct jp *j, const char *at, const char *msg)
{
	if (!j->err) {
		j->err = msg;
		j->errpos = at;
	}
	return -1;
}

static int
jp_more(struct jp *j, const char *at)
{
	if (j->final)
		return jp_fail(j, at, "unexpected end of input inside a value (truncated record)");
	j->incomplete = 1;
	return -1;
}

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

#ifdef __SSE2__
#include <emmintrin.h>
/* first byte in [p, end) that is '"', '\\', below 0x20 or (when high) 0x80 and above; the
 * scan stops early (at a 16-byte boundary short of end): callers finish byte by byte */
static inline const char *
scan16(const char *p, const char *end, int high)
{
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
		    _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (high)
			mask |= (unsigned)_mm_movemask_epi8(x);
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
	return p;
}
#else
static inline const char *
scan16(const char *p, const char *end, int high)
{
	(void)end;
	(void)high;
	return p;
}
#endif

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* length of a valid UTF-8 sequence at p (2..4), 0 if invalid, -1 if cut off by end */
int
rec_utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	int n;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (end - p < 2)
		return -1;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++) {
		if (end - p <= i)
			return -1;
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	}
	return n;
}

int
rec_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
#ifdef __SSE2__
		while (end - p >= 16 &&
		    !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)p)))
			p += 16;
#endif
		while (end - p >= 8) {
			uint64_t x;
			memcpy(&x, p, 8);
			if (x & HIGH)
				break;
			p += 8;
		}
		if (p >= end)
			break;
		if (*p < 0x80) {
			p++;
			continue;
		}
		int k = rec_utf8_seq(p, end);
		if (k <= 0)
			return 0;
		p += k;
	}
	return 1;
}

/* SWAR: does any byte of x need a look (", \, < 0x20, >= 0x80)? */
static inline int
word_special(uint64_t x)
{
	uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
	uint64_t t = ((q - ONES) & ~q) | ((b - ONES) & ~b) | (x - ONES * 0x20) | x;
	return (t & HIGH) != 0;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int jp_take(struct jp *j, size_t n);

/* p at the opening quote */
static int
parse_string(struct jp *j, msgpack_object *out)
{
	const char *start = j->p + 1, *p = start, *end = j->end;
	int escapes = 0;
	for (;;) {
		p = scan16(p, end, 1);
		while (end - p >= 8) {
			uint64_t x;
			memcpy(&x, p, 8);
			if (word_special(x))
				break;
			p += 8;
		}
		if (p >= end)
			return jp_more(j, p);
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c == '\\') {
			escapes = 1;
			if (end - p < 2)
				return jp_more(j, p);
			p += 2;
			continue;
		}
		if (c < 0x20)
			return jp_fail(j, p, "control character inside a string (must be escaped)");
		if (c >= 0x80) {
			int k = rec_utf8_seq((const unsigned char *)p, (const unsigned char *)end);
			if (k < 0)
				return jp_more(j, p);
			if (k == 0)
				return jp_fail(j, p, "invalid UTF-8 in a string");
			p += k;
			continue;
		}
		p++;
	}
	j->p = p + 1;
	out->type = MSGPACK_OBJECT_STR;
	if (!escapes) {
		out->via.str.ptr = start;
		out->via.str.size = (uint32_t)(p - start);
		return 0;
	}
	/* decode escapes into the zone; the result is never longer than the source */
	size_t rawlen = (size_t)(p - start);
	if (jp_take(j, rawlen) < 0)
		return -1;
	char *d = msgpack_zone_malloc(j->z, rawlen ? rawlen : 1), *o = d;
	if (!d)
		return jp_fail(j, start, "out of memory");
	for (const char *s = start; s < p;) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': *o++ = '"'; s++; break;
		case '\\': *o++ = '\\'; s++; break;
		case '/': *o++ = '/'; s++; break;
		case 'b': *o++ = '\b'; s++; break;
		case 'f': *o++ = '\f'; s++; break;
		case 'n': *o++ = '\n'; s++; break;
		case 'r': *o++ = '\r'; s++; break;
		case 't': *o++ = '\t'; s++; break;
		case 'u': {
			unsigned cp, lo;
			if (p - s < 5 || hex4(s + 1, &cp) < 0)
				return jp_fail(j, s, "bad \\u escape (four hex digits expected)");
			s += 5;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return jp_fail(j, s, "lone low surrogate in \\u escape");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (p - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) < 0 ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return jp_fail(j, s, "lone high surrogate in \\u escape");
				s += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (cp < 0x80)
				*o++ = (char)cp;
			else if (cp < 0x800) {
				*o++ = (char)(0xC0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				*o++ = (char)(0xE0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char)(0x80 | (cp & 0x3F));
			} else {
				*o++ = (char)(0xF0 | (cp >> 18));
				*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default:
			return jp_fail(j, s, "unknown escape in a string");
		}
	}
	out->via.str.ptr = d;
	out->via.str.size = (uint32_t)(o - d);
	return 0;
}

/* scans a JSON number at p; returns its length, 0 if not a number, -1 if cut off by end.
 * *integer is set when it has no fraction or exponent. */
static long
scan_number(const char *p, const char *end, int *integer)
{
	const char *s = p;
	*integer = 1;
	if (s < end && *s == '-')
		s++;
	if (s >= end)
		return -1;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (s < end && *s == '.') {
		*integer = 0;
		s++;
		if (s >= end)
			return -1;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		*integer = 0;
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end)
			return -1;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s >= end)
		return -1; /* the number may go on */
	return s - p;
}

int
rec_number_valid(const char *s, size_t n)
{
	int integer;
	if (n == 0)
		return 0;
	/* scan_number wants a byte after the number: check the whole text by a sentinel copy */
	char tmp[128];
	if (n < sizeof tmp) {
		memcpy(tmp, s, n);
		tmp[n] = ' ';
		return scan_number(tmp, tmp + n + 1, &integer) == (long)n;
	}
	char *t = malloc(n + 1);
	if (!t)
		return 0;
	memcpy(t, s, n);
	t[n] = ' ';
	int ok = scan_number(t, t + n + 1, &integer) == (long)n;
	free(t);
	return ok;
}

/* integer text -> msgpack integer; 0 when it does not fit 64 bits (or is "-0") */
int
rec_int_from_text(const char *s, size_t n, msgpack_object *out)
{
	int neg = 0;
	uint64_t v = 0;
	size_t i = 0;
	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (neg) {
		if (v == 0 || v > (uint64_t)INT64_MAX + 1)
			return 0;
		out->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
		out->via.i64 = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		out->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		out->via.u64 = v;
	}
	return 1;
}

static int
parse_number(struct jp *j, msgpack_object *out)
{
	int integer;
	long n = scan_number(j->p, j->end, &integer);
	if (n < 0) {
		if (!j->final)
			return jp_more(j, j->p);
		/* the text ends with the number: the end is its terminator */
		n = (long)(j->end - j->p);
		if (!rec_number_valid(j->p, (size_t)n))
			return jp_fail(j, j->p, "malformed number");
		integer = !memchr(j->p, '.', (size_t)n) && !memchr(j->p, 'e', (size_t)n) &&
		    !memchr(j->p, 'E', (size_t)n);
	}
	if (n == 0)
		return jp_fail(j, j->p, "malformed number");
	if (!integer || !rec_int_from_text(j->p, (size_t)n, out)) {
		out->type = MSGPACK_OBJECT_EXT;
		out->via.ext.type = REC_EXT_DECIMAL;
		out->via.ext.ptr = j->p;
		out->via.ext.size = (uint32_t)n;
	}
	j->p += n;
	return 0;
}

static int
literal(struct jp *j, const char *word, size_t len)
{
	size_t have = (size_t)(j->end - j->p);
	if (have < len) {
		if (memcmp(j->p, word, have) == 0)
			return jp_more(j, j->p);
		return jp_fail(j, j->p, "unexpected word (true, false or null expected)");
	}
	if (memcmp(j->p, word, len) != 0)
		return jp_fail(j, j->p, "unexpected word (true, false or null expected)");
	j->p += len;
	return 0;
}

/* the decode budget: n more bytes of the record's values; -1 when past it */
static int
jp_take(struct jp *j, size_t n)
{
	j->used += n;
	if (j->budget && j->used + j->vn * sizeof(msgpack_object) +
	    j->kn * sizeof(msgpack_object_kv) > j->budget) {
		j->toobig = 1;
		return jp_fail(j, j->p, "the record needs more memory than its decode budget");
	}
	return 0;
}

static int
push_val(struct jp *j, msgpack_object v)
{
	if (j->vn == j->vcap) {
		if (jp_take(j, 0) < 0) /* checked as the stack grows: it is at most twice that */
			return -1;
		size_t cap = j->vcap ? j->vcap * 2 : 64;
		msgpack_object *s = realloc(j->vst, cap * sizeof *s);
		if (!s)
			return jp_fail(j, j->p, "out of memory");
		j->vst = s;
		j->vcap = cap;
	}
	j->vst[j->vn++] = v;
	return 0;
}

static int
push_kv(struct jp *j, msgpack_object k, msgpack_object v)
{
	if (j->kn == j->kcap) {
		if (jp_take(j, 0) < 0)
			return -1;
		size_t cap = j->kcap ? j->kcap * 2 : 64;
		msgpack_object_kv *s = realloc(j->kst, cap * sizeof *s);
		if (!s)
			return jp_fail(j, j->p, "out of memory");
		j->kst = s;
		j->kcap = cap;
	}
	j->kst[j->kn].key = k;
	j->kst[j->kn].val = v;
	j->kn++;
	return 0;
}

int
rec_jp_value(struct jp *j, msgpack_object *out, int depth)
{
	j->p = skip_ws(j->p, j->end);
	if (j->p >= j->end)
		return jp_more(j, j->p);
	switch (*j->p) {
	case '"':
		return parse_string(j, out);
	case '{': {
		if (depth >= REC_MAX_DEPTH)
			return jp_fail(j, j->p, "nested deeper than 32 levels");
		size_t base = j->kn;
		j->p++;
		j->p = skip_ws(j->p, j->end);
		if (j->p >= j->end)
			return jp_more(j, j->p);
		if (*j->p != '}')
			for (;;) {
				msgpack_object k, v;
				j->p = skip_ws(j->p, j->end);
				if (j->p >= j->end)
					return jp_more(j, j->p);
				if (*j->p != '"')
					return jp_fail(j, j->p, "object key expected (a string in double quotes)");
				if (parse_string(j, &k) < 0)
					return -1;
				j->p = skip_ws(j->p, j->end);
				if (j->p >= j->end)
					return jp_more(j, j->p);
				if (*j->p != ':')
					return jp_fail(j, j->p, "':' expected after an object key");
				j->p++;
				if (rec_jp_value(j, &v, depth + 1) < 0 || push_kv(j, k, v) < 0)
					return -1;
				j->p = skip_ws(j->p, j->end);
				if (j->p >= j->end)
					return jp_more(j, j->p);
				if (*j->p == ',') {
					j->p++;
					continue;
				}
				if (*j->p == '}')
					break;
				return jp_fail(j, j->p, "',' or '}' expected in an object");
			}
		j->p++;
		size_t n = j->kn - base;
		out->type = MSGPACK_OBJECT_MAP;
		out->via.map.size = (uint32_t)n;
		out->via.map.ptr = NULL;
		j->kn = base;
		if (n && jp_take(j, n * sizeof(msgpack_object_kv)) < 0)
			return -1;
		j->kn = base + n;
		if (n) {
			out->via.map.ptr = msgpack_zone_malloc(j->z, n * sizeof(msgpack_object_kv));
			if (!out->via.map.ptr)
				return jp_fail(j, j->p, "out of memory");
			memcpy(out->via.map.ptr, j->kst + base, n * sizeof(msgpack_object_kv));
		}
		j->kn = base;
		return 0;
	}
	case '[': {
		if (depth >= REC_MAX_DEPTH)
			return jp_fail(j, j->p, "nested deeper than 32 levels");
		size_t base = j->vn;
		j->p++;
		j->p = skip_ws(j->p, j->end);
		if (j->p >= j->end)
			return jp_more(j, j->p);
		if (*j->p != ']')
			for (;;) {
				msgpack_object v;
				if (rec_jp_value(j, &v, depth + 1) < 0 || push_val(j, v) < 0)
					return -1;
				j->p = skip_ws(j->p, j->end);
				if (j->p >= j->end)
					return jp_more(j, j->p);
				if (*j->p == ',') {
					j->p++;
					continue;
				}
				if (*j->p == ']')
					break;
				return jp_fail(j, j->p, "',' or ']' expected in an array");
			}
		j->p++;
		size_t n = j->vn - base;
		out->type = MSGPACK_OBJECT_ARRAY;
		out->via.array.size = (uint32_t)n;
		out->via.array.ptr = NULL;
		j->vn = base;
		if (n && jp_take(j, n * sizeof(msgpack_object)) < 0)
			return -1;
		j->vn = base + n;
		if (n) {
			out->via.array.ptr = msgpack_zone_malloc(j->z, n * sizeof(msgpack_object));
			if (!out->via.array.ptr)
				return jp_fail(j, j->p, "out of memory");
			memcpy(out->via.array.ptr, j->vst + base, n * sizeof(msgpack_object));
		}
		j->vn = base;
		return 0;
	}
	case 't':
		out->type = MSGPACK_OBJECT_BOOLEAN;
		out->via.boolean = true;
		return literal(j, "true", 4);
	case 'f':
		out->type = MSGPACK_OBJECT_BOOLEAN;
		out->via.boolean = false;
		return literal(j, "false", 5);
	case 'n':
		out->type = MSGPACK_OBJECT_NIL;
		out->via.u64 = 0;
		return literal(j, "null", 4);
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return parse_number(j, out);
		if (j->end - j->p >= 3 && memcmp(j->p, "\xef\xbb\xbf", 3) == 0)
			return jp_fail(j, j->p, "a UTF-8 byte order mark (BOM): write the file as UTF-8 without a BOM");
		return jp_fail(j, j->p, "unexpected character (a JSON value expected)");
	}
}

void
rec_jp_reset(struct jp *j)
{
	j->err = NULL;
	j->errpos = NULL;
	j->incomplete = 0;
	j->vn = j->kn = 0;
	j->used = 0;
	j->toobig = 0;
}

void
rec_jp_free(struct jp *j)
{
	free(j->vst);
	free(j->kst);
	j->vst = NULL;
	j->kst = NULL;
	j->vcap = j->kcap = 0;
}

int
rec_json_parse(const char *s, size_t n, msgpack_zone *z, msgpack_object *out, struct err *e)
{
	struct jp j;
	memset(&j, 0, sizeof j);
	j.p = s;
	j.end = s + n;
	j.z = z;
	j.final = 1;
	int r = rec_jp_value(&j, out, 0);
	if (r == 0) {
		j.p = skip_ws(j.p, j.end);
		if (j.p != j.end)
			r = jp_fail(&j, j.p, "text after the JSON value");
	}
	rec_jp_free(&j);
	if (r < 0)
		return err_set(e, XIT_DATAERR, "byte %zu: %s", (size_t)(j.errpos - s) + 1,
		    j.err ? j.err : "malformed JSON");
	return 0;
}

/* ---- writing ---- */

static const char hexd[] = "0123456789abcdef";

/* nonzero when one of the 8 bytes of x is '"', '\\' or below 0x20 (exact as a yes/no) */
static inline uint64_t
esc8(uint64_t x)
{
	uint64_t qq = x ^ (ONES * '"'), bs = x ^ (ONES * '\\');
	return (((qq - ONES) & ~qq) | ((bs - ONES) & ~bs) | ((x - ONES * 0x20) & ~x)) & HIGH;
}

#ifdef __SSE2__
/* nonzero when a byte of x is '"', '\\' or below 0x20 */
static inline unsigned
esc16(__m128i x)
{
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q),
	    _mm_cmpeq_epi8(x, bs)), _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f)));
}
#endif

/* short strings (the keys and most values of a record): up to 32 bytes with nothing to
 * escape are told so and copied by overlapping loads and stores, with no call. 1 = written,
 * 0 = not this case (nothing written but perhaps o[0..n+2]). The caller made room for n + 2
 * bytes and the NUL. */
static inline int
str_short(char *o, const char *s, size_t n)
{
	uint64_t a, d;
	uint32_t x, y;
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&d, s + n - 8, 8);
		if (n <= 16) {
#ifdef __SSE2__
			if (esc16(_mm_set_epi64x((long long)d, (long long)a)))
				return 0;
#else
			if (esc8(a) | esc8(d))
				return 0;
#endif
			o[0] = '"';
			memcpy(o + 1, &a, 8);
			memcpy(o + 1 + n - 8, &d, 8);
		} else {
			if (n > 32)
				return 0;
#ifdef __SSE2__
			__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)s);
			__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
			if (esc16(lo) | esc16(hi))
				return 0;
			o[0] = '"';
			_mm_storeu_si128((__m128i *)(void *)(o + 1), lo);
			_mm_storeu_si128((__m128i *)(void *)(o + 1 + n - 16), hi);
#else
			uint64_t b, c;
			memcpy(&b, s + 8, 8);
			memcpy(&c, s + n - 16, 8);
			if (esc8(a) | esc8(b) | esc8(c) | esc8(d))
				return 0;
			o[0] = '"';
			memcpy(o + 1, &a, 8);
			memcpy(o + 9, &b, 8);
			memcpy(o + 1 + n - 16, &c, 8);
			memcpy(o + 1 + n - 8, &d, 8);
#endif
		}
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		if (esc8((uint64_t)x | (uint64_t)y << 32))
			return 0;
		o[0] = '"';
		memcpy(o + 1, &x, 4);
		memcpy(o + 1 + n - 4, &y, 4);
	} else {
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[i];
			if (ch < 0x20 || ch == '"' || ch == '\\')
				return 0;
			o[1 + i] = (char)ch;
		}
		o[0] = '"';
	}
	o[n + 1] = '"';
	o[n + 2] = 0;
	return 1;
}

/* the general case: any length, escapes */
static int
str_long(struct buf *b, const char *s, size_t n)
{
	/* worst case 6 bytes per byte + quotes */
	if (b->cap - b->len <= n * 6 + 2 && buf_grow(b, n * 6 + 2) < 0)
		return -1;
	char *o = b->p + b->len;
	const char *p = s, *end = s + n;
	*o++ = '"';
	while (p < end) {
		const char *q = scan16(p, end, 0);
		while (end - q >= 8) {
			uint64_t x;
			memcpy(&x, q, 8);
			if (esc8(x))
				break;
			q += 8;
		}
		while (q < end && (unsigned char)*q >= 0x20 && *q != '"' && *q != '\\')
			q++;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		if (p >= end)
			break;
		unsigned char c = (unsigned char)*p++;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
	return 0;
}

static inline int
str_append(struct buf *b, const char *s, size_t n)
{
	if (n <= 32 && b->cap - b->len > 35 && str_short(b->p + b->len, s, n)) {
		b->len += n + 2;
		return 0;
	}
	return str_long(b, s, n);
}

int
rec_json_str_append(struct buf *b, const char *s, size_t n)
{
	return str_append(b, s, n);
}

static int
append_u64(struct buf *b, uint64_t v, int neg)
{
	char tmp[24], *t = tmp + sizeof tmp;
	do {
		*--t = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--t = '-';
	return buf_add(b, t, (size_t)(tmp + sizeof tmp - t));
}

static int
append_double(struct buf *b, double d)
{
	char tmp[40];
	if (!isfinite(d)) {
		errno = EDOM;
		return -1;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	if (!strpbrk(tmp, ".eEn")) {
		size_t l = strlen(tmp); /* %.17g is at most 24 bytes: ".0" fits */
		memcpy(tmp + l, ".0", 3);
	}
	return buf_adds(b, tmp);
}

int
rec_number_text(struct buf *b, const msgpack_object *v)
{
	switch (v->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return append_u64(b, v->via.u64, 0);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return append_u64(b, v->via.i64 == INT64_MIN ? (uint64_t)INT64_MAX + 1
		    : (uint64_t)-v->via.i64, 1);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return append_double(b, v->via.f64);
	case MSGPACK_OBJECT_EXT:
		if (v->via.ext.type == REC_EXT_DECIMAL)
			return buf_add(b, v->via.ext.ptr, v->via.ext.size);
		/* fall through */
	default:
		errno = EINVAL;
		return -1;
	}
}

/* null, booleans, numbers; anything else (a container, a string) is not its case */
static inline int
scalar(struct buf *b, const msgpack_object *v)
{
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
		return buf_add(b, "null", 4);
	case MSGPACK_OBJECT_BOOLEAN:
		return v->via.boolean ? buf_add(b, "true", 4) : buf_add(b, "false", 5);
	case MSGPACK_OBJECT_EXT:
		if (v->via.ext.type == REC_EXT_DECIMAL)
			return buf_add(b, v->via.ext.ptr, v->via.ext.size);
		errno = EINVAL;
		return -1;
	default:
		return rec_number_text(b, v);
	}
}

static int
append_json(struct buf *b, const msgpack_object *v, int pretty, int level)
{
	switch (v->type) {
	case MSGPACK_OBJECT_STR:
		return str_append(b, v->via.str.ptr, v->via.str.size);
	case MSGPACK_OBJECT_ARRAY:
		if (buf_addc(b, '[') < 0)
			return -1;
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			if (i && buf_addc(b, ',') < 0)
				return -1;
			if (pretty && buf_printf(b, "\n%*s", 2 * (level + 1), "") < 0)
				return -1;
			if (append_json(b, &v->via.array.ptr[i], pretty, level + 1) < 0)
				return -1;
		}
		if (pretty && v->via.array.size && buf_printf(b, "\n%*s", 2 * level, "") < 0)
			return -1;
		return buf_addc(b, ']');
	case MSGPACK_OBJECT_MAP:
		if (buf_addc(b, '{') < 0)
			return -1;
		for (uint32_t i = 0; i < v->via.map.size; i++) {
			const msgpack_object_kv *kv = &v->via.map.ptr[i];
			if (i && buf_addc(b, ',') < 0)
				return -1;
			if (pretty && buf_printf(b, "\n%*s", 2 * (level + 1), "") < 0)
				return -1;
			if (kv->key.type != MSGPACK_OBJECT_STR) {
				errno = EINVAL;
				return -1;
			}
			if (str_append(b, kv->key.via.str.ptr, kv->key.via.str.size) < 0 ||
			    (pretty ? buf_add(b, ": ", 2) : buf_addc(b, ':')) < 0 ||
			    append_json(b, &kv->val, pretty, level + 1) < 0)
				return -1;
		}
		if (pretty && v->via.map.size && buf_printf(b, "\n%*s", 2 * level, "") < 0)
			return -1;
		return buf_addc(b, '}');
	default:
		return scalar(b, v);
	}
}

/* compact JSON, the hot path of every JSON writer (insider-push's bodies above all): one room
 * check covers a separator, a short key's text and its colon */
static int
compact(struct buf *b, const msgpack_object *v)
{
	switch (v->type) {
	case MSGPACK_OBJECT_STR:
		return str_append(b, v->via.str.ptr, v->via.str.size);
	case MSGPACK_OBJECT_MAP:
		if (buf_addc(b, '{') < 0)
			return -1;
		for (uint32_t i = 0; i < v->via.map.size; i++) {
			const msgpack_object_kv *kv = &v->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR) {
				errno = EINVAL;
				return -1;
			}
			const char *k = kv->key.via.str.ptr;
			size_t kn = kv->key.via.str.size;
			if (kn <= 32 && b->cap - b->len > 37) {
				char *o = b->p + b->len;
				size_t sep = i != 0;
				if (sep)
					o[0] = ',';
				if (str_short(o + sep, k, kn)) {
					o[sep + kn + 2] = ':';
					o[sep + kn + 3] = 0;
					b->len += sep + kn + 3;
					goto val;
				}
				b->p[b->len] = 0;
			}
			if ((i && buf_addc(b, ',') < 0) || str_long(b, k, kn) < 0 || buf_addc(b, ':') < 0)
				return -1;
		val:
			if (kv->val.type == MSGPACK_OBJECT_STR) {
				/* most values: no call */
				if (str_append(b, kv->val.via.str.ptr, kv->val.via.str.size) < 0)
					return -1;
			} else if (compact(b, &kv->val) < 0)
				return -1;
		}
		return buf_addc(b, '}');
	case MSGPACK_OBJECT_ARRAY:
		if (buf_addc(b, '[') < 0)
			return -1;
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			const msgpack_object *x = &v->via.array.ptr[i];
			if ((i && buf_addc(b, ',') < 0) || (x->type == MSGPACK_OBJECT_STR
			    ? str_append(b, x->via.str.ptr, x->via.str.size) : compact(b, x)) < 0)
				return -1;
		}
		return buf_addc(b, ']');
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (v->via.u64 < 10 && b->len + 1 < b->cap) {
			b->p[b->len++] = (char)('0' + v->via.u64);
			b->p[b->len] = 0;
			return 0;
		}
		return append_u64(b, v->via.u64, 0);
	default:
		return scalar(b, v);
	}
}

int
rec_json_append(struct buf *b, const msgpack_object *v)
{
	return compact(b, v);
}

int
rec_json_append_pretty(struct buf *b, const msgpack_object *v)
{
	return append_json(b, v, 1, 0);
}
