/* dbx_chunk.c: see dbx_chunk.h. */
#include <stdlib.h>
#include <string.h>
#include "dbx_chunk.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static inline const char *
ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* the first byte in [p, e) that is '"', '\\', below 0x20 or 0x80 and above (e if none) */
static inline const char *
special(const char *p, const char *e)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
	while (e - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
		    _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));
		unsigned mask = (unsigned)_mm_movemask_epi8(m) | (unsigned)_mm_movemask_epi8(x);
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < e) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
			return p;
		p++;
	}
	return e;
}

int
dbx_utf8_seq(const unsigned char *p, const unsigned char *e)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;
	int n;
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
	if (e - p < n || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
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

/* p after a string's opening quote: the position after its closing quote, NULL when the
 * string is not taken */
static const char *
str_check(const char *p, const char *e, int *esc)
{
	for (;;) {
		unsigned cp, lo;
		p = special(p, e);
		if (p >= e)
			return NULL;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			*esc = 1;
			if (e - p < 2)
				return NULL;
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				if (e - p < 6 || hex4(p + 2, &cp) < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
					return NULL;
				p += 6;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
					    lo < 0xDC00 || lo > 0xDFFF)
						return NULL;
					p += 6;
				}
				continue;
			default:
				return NULL;
			}
		}
		if (c < 0x20)
			return NULL;
		int k = dbx_utf8_seq((const unsigned char *)p, (const unsigned char *)e);
		if (k == 0)
			return NULL;
		p += k;
	}
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 4096;
	void *q;
	while (c < need)
		c *= 2;
	if (!(q = realloc(*p, c * size)))
		return -1;
	*p = q, *cap = c;
	return 0;
}

int
dbx_chunk_scan(struct dbx_chunk *c, const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	size_t nv = 0, nr = 0;
	if (n > DBX_CHUNK_MAX)
		return 0;
	p = ws(p, e);
	if (p >= e || *p != '[')
		return 0;
	p = ws(p + 1, e);
	if (p < e && *p == ']')
		p++;
	else
		for (;;) {
			if (p >= e || *p != '[')
				return 0;
			if (nr + 2 > c->rcap && grow((void **)&c->ro, &c->rcap, nr + 2, sizeof *c->ro) < 0)
				return -1;
			c->ro[nr++] = (uint32_t)nv;
			p = ws(p + 1, e);
			if (p < e && *p == ']')
				p++;
			else
				for (;;) {
					if (p >= e)
						return 0;
					if (nv + 1 > c->vcap &&
					    (nv >= UINT32_MAX - 1 ||
					     grow((void **)&c->v, &c->vcap, nv + 1, sizeof *c->v) < 0))
						return nv >= UINT32_MAX - 1 ? 0 : -1;
					if (*p == '"') {
						const char *st = p + 1;
						int esc = 0;
						if (!(p = str_check(st, e, &esc)))
							return 0;
						c->v[nv].off = (uint32_t)(st - s);
						c->v[nv].len = (uint32_t)(p - 1 - st) | (esc ? DBX_CHUNK_ESC : 0);
					} else if (e - p >= 4 && !memcmp(p, "null", 4)) {
						c->v[nv].off = UINT32_MAX;
						c->v[nv].len = 0;
						p += 4;
					} else
						return 0;
					nv++;
					p = ws(p, e);
					if (p >= e)
						return 0;
					if (*p == ',') {
						p = ws(p + 1, e);
						continue;
					}
					if (*p != ']')
						return 0;
					p++;
					break;
				}
			p = ws(p, e);
			if (p >= e)
				return 0;
			if (*p == ',') {
				p = ws(p + 1, e);
				continue;
			}
			if (*p != ']')
				return 0;
			p++;
			break;
		}
	if (ws(p, e) != e || nr >= UINT32_MAX)
		return 0;
	if (!c->ro && grow((void **)&c->ro, &c->rcap, 1, sizeof *c->ro) < 0)
		return -1;
	c->ro[nr] = (uint32_t)nv;
	c->nrows = (uint32_t)nr;
	/* room for every escaped string decoded (never longer than its text) and the 16 bytes
	 * a decoding copy may write past its end; untouched pages cost no memory */
	if (c->dcap < n + 16) {
		char *d = realloc(c->dec, n + 16);
		if (!d)
			return -1;
		c->dec = d, c->dcap = n + 16;
	}
	c->dlen = 0;
	c->n = n;
	return 1;
}

/* decodes the escaped string at p (after its opening quote; its closing quote at p + n) of
 * the body ending at end into o, which has room for n + 16 bytes; returns the decoded
 * length. The runs between escapes are copied 16 bytes at a time whole (the bytes past a
 * run's end are overwritten by what follows), without a branch per length. */
static uint32_t
decode(char *o, const char *p, uint32_t n, const char *end)
{
	char *o0 = o;
	const char *e = p + n;
	while (p < e) {
#ifdef __SSE2__
		const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
		while (end - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, q),
			    _mm_cmpeq_epi8(x, bs)));
			_mm_storeu_si128((__m128i *)(void *)o, x);
			if (mask) {
				unsigned k = (unsigned)__builtin_ctz(mask);
				o += k, p += k;
				goto special;
			}
			o += 16, p += 16;
		}
#endif
		while (*p != '"' && *p != '\\')
			*o++ = *p++;
#ifdef __SSE2__
	special:
#endif
		if (p >= e)
			break;
		unsigned cp = 0, lo = 0xDC00; /* set by hex4 (the scan checked the digits) */
		switch (p[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		default: /* 'u': checked by the scan */
			hex4(p + 2, &cp);
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				hex4(p + 4, &lo);
				p += 6;
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
		}
		p += 2;
	}
	return (uint32_t)(o - o0);
}

uint32_t
dbx_chunk_row(struct dbx_chunk *c, char *s, uint32_t r, msgpack_object *v, uint32_t cap)
{
	uint32_t a = c->ro[r], k = c->ro[r + 1] - a;
	for (uint32_t i = 0; i < k && i < cap; i++) {
		struct dbx_chunk_val *x = &c->v[a + i];
		if (x->off == UINT32_MAX) {
			v[i].type = MSGPACK_OBJECT_NIL;
			v[i].via.u64 = 0;
			continue;
		}
		v[i].type = MSGPACK_OBJECT_STR;
		if (x->len & (DBX_CHUNK_ESC | DBX_CHUNK_DEC)) {
			if (x->len & DBX_CHUNK_ESC) {
				/* decoded once, after the strings decoded before it: the value then
				 * points there (the scan left room for all of them) */
				uint32_t d = decode(c->dec + c->dlen, s + x->off, x->len & ~DBX_CHUNK_ESC,
				    s + c->n);
				x->off = (uint32_t)c->dlen;
				x->len = d | DBX_CHUNK_DEC;
				c->dlen += d;
			}
			v[i].via.str.ptr = c->dec + x->off;
			v[i].via.str.size = x->len & ~DBX_CHUNK_DEC;
			continue;
		}
		v[i].via.str.ptr = s + x->off;
		v[i].via.str.size = x->len;
	}
	return k;
}

void
dbx_chunk_free(struct dbx_chunk *c)
{
	free(c->v);
	free(c->ro);
	free(c->dec);
	memset(c, 0, sizeof *c);
}
