/* ins_scan.h: the Insider sink's scan of an Upsert body (issue 14 §1), shared by
 * tests/sink/ins_sink.c and its unit test tests/unit/test_ins_scan.c.
 *
 * A body is {"users":[U, U, ...]} (other top-level members, e.g. "skip_hook", are skipped).
 * The scan reads the members of the top-level object, the elements of "users" and the
 * members of each element that is an object, checking their separators; every other value
 * is skipped by its extent: a string to its closing quote (escapes honoured), an object or
 * array to its matching bracket, a scalar to the next `,` `}` `]` or white space. Each user
 * is counted by a 64-bit hash of the text of its first "identifiers" member (the whole
 * element's text when it has none). A body of any other form is refused whole (-1): the
 * sink counts what it can account for, or nothing. It is not a validator: a skipped value is
 * only followed to its end (bracket kinds are checked where the scan reads the structure:
 * the users array, each user object, a skipped value's own closing bracket).
 *
 * Skipping looks at 64 bytes at a time (AVX2 compares where the CPU has them, after
 * ins_scan_init; else SSE2 where the compiler has it; else plain C): bit masks of the
 * quotes, backslashes and brackets, the escaped bytes from the backslashes, the inside of
 * strings from a prefix XOR of the unescaped quotes, and the nesting depth from the counts of
 * the brackets outside strings; a block whose closing brackets cannot reach depth 0 is not
 * looked at bit by bit. No byte of the body is read past its end (the last partial block is
 * copied). */
#ifndef INS_SCAN_H
#define INS_SCAN_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(INS_NO_AVX2)
#include <immintrin.h>
#define INS_AVX2 1
#endif

/* 1: skip with 32-byte AVX2 compares (ins_scan_init, where the CPU has them) */
static int ins_avx2;

static void ins_scan_init(void)
{
	ins_avx2 = 0;
#ifdef INS_AVX2
	__builtin_cpu_init();
	ins_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
}

/* the users' hashes of one body, in order */
struct ins_hvec {
	uint64_t *v;
	size_t n, cap;
};

static int ins_hvec_push(struct ins_hvec *h, uint64_t x)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 1024;
		uint64_t *nv = realloc(h->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		h->v = nv;
		h->cap = nc;
	}
	h->v[h->n++] = x;
	return 0;
}

/* 64-bit hash of n bytes, 8 at a time; never 0 (0 marks an empty slot of the set) */
static uint64_t ins_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * 0xc2b2ae3d27d4eb4full), w;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h ^= w * 0x87c37b91114253d5ull;
		h = ((h << 31) | (h >> 33)) * 0x4cf5ad432745937full;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h ^= w * 0x87c37b91114253d5ull;
		h = ((h << 31) | (h >> 33)) * 0x4cf5ad432745937full;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h ? h : 1;
}

static inline const char *ins_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* masks of one 64-byte block: bit i is byte p[i] */
struct ins_blk {
	uint64_t q, bs, op, cl; /* '"', '\\', '{' or '[', '}' or ']' */
};

static inline void ins_block(const char *p, const char *e, struct ins_blk *k)
{
	unsigned char tmp[64];
	const unsigned char *s = (const unsigned char *)p;
	size_t n = (size_t)(e - p);
	if (n < 64) { /* the zeros after the end match nothing */
		memcpy(tmp, p, n);
		memset(tmp + n, 0, 64 - n);
		s = tmp;
	}
#ifdef __SSE2__
	const __m128i Q = _mm_set1_epi8('"'), B = _mm_set1_epi8('\\'), O = _mm_set1_epi8('{'),
		      C = _mm_set1_epi8('}'), X = _mm_set1_epi8(0x20);
	uint64_t q = 0, bs = 0, op = 0, cl = 0;
	for (int i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * i));
		__m128i w = _mm_or_si128(v, X); /* '[' | 0x20 == '{', ']' | 0x20 == '}' */
		q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, Q)) << (16 * i);
		bs |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, B)) << (16 * i);
		op |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, O)) << (16 * i);
		cl |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, C)) << (16 * i);
	}
	k->q = q, k->bs = bs, k->op = op, k->cl = cl;
#else
	k->q = k->bs = k->op = k->cl = 0;
	for (int i = 0; i < 64; i++) {
		uint64_t b = 1ull << i;
		switch (s[i]) {
		case '"': k->q |= b; break;
		case '\\': k->bs |= b; break;
		case '{': case '[': k->op |= b; break;
		case '}': case ']': k->cl |= b; break;
		default: break;
		}
	}
#endif
}

/* bits set in x (without a library call where the target has no popcnt instruction) */
static inline long ins_bits(uint64_t x)
{
#ifdef __POPCNT__
	return __builtin_popcountll(x);
#else
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (long)((x * 0x0101010101010101ull) >> 56);
#endif
}

#ifdef INS_AVX2
/* ins_block with two 32-byte loads */
__attribute__((target("avx2"))) static inline void
ins_block_avx2(const char *p, const char *e, struct ins_blk *k)
{
	unsigned char tmp[64];
	const unsigned char *s = (const unsigned char *)p;
	size_t n = (size_t)(e - p);
	if (n < 64) {
		memcpy(tmp, p, n);
		memset(tmp + n, 0, 64 - n);
		s = tmp;
	}
	const __m256i Q = _mm256_set1_epi8('"'), B = _mm256_set1_epi8('\\'), O = _mm256_set1_epi8('{'),
		      C = _mm256_set1_epi8('}'), X = _mm256_set1_epi8(0x20);
	uint64_t q = 0, bs = 0, op = 0, cl = 0;
	for (int i = 0; i < 2; i++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32 * i));
		__m256i w = _mm256_or_si256(v, X);
		q |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, Q)) << (32 * i);
		bs |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, B)) << (32 * i);
		op |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(w, O)) << (32 * i);
		cl |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(w, C)) << (32 * i);
	}
	k->q = q, k->bs = bs, k->op = op, k->cl = cl;
}
#endif

/* (ins_skip_nest) p at '{' or '[' outside a string: the end of the value (after its closing bracket), or
 * NULL when it does not end within the body or has a backslash outside a string */
static inline __attribute__((always_inline)) const char *
ins_nest(const char *p, const char *e, int avx2)
{
	uint64_t in_str = 0;  /* all ones when the block starts inside a string */
	uint64_t esc_in = 0;  /* 1 when the block's first byte is escaped */
	long depth = 0;
	for (; p < e; p += 64) {
		struct ins_blk k;
		(void)avx2;
#ifdef INS_AVX2
		if (avx2)
			ins_block_avx2(p, e, &k);
		else
#endif
			ins_block(p, e, &k);
		uint64_t esc = 0;
		if (k.bs | esc_in) { /* rare: each backslash escapes the next byte */
			uint64_t m = k.bs & ~esc_in;
			esc = esc_in;
			esc_in = 0;
			while (m) {
				int i = __builtin_ctzll(m);
				if (i == 63) {
					esc_in = 1;
					break;
				}
				esc |= 2ull << i;
				m &= ~(3ull << i);
			}
		}
		uint64_t s = k.q & ~esc; /* prefix XOR: 1 from an opening quote to its closing one */
		s ^= s << 1;
		s ^= s << 2;
		s ^= s << 4;
		s ^= s << 8;
		s ^= s << 16;
		s ^= s << 32;
		s ^= in_str;
		in_str = (uint64_t)0 - (s >> 63);
		uint64_t bad = k.bs & ~s; /* a backslash outside a string: not JSON */
		uint64_t o = k.op & ~s, c = k.cl & ~s;
		long nc = c ? ins_bits(c) : 0;
		if (nc < depth) {
			if (bad)
				return NULL;
			depth += (o ? ins_bits(o) : 0) - nc;
			continue;
		}
		for (uint64_t m = o | c; m; m &= m - 1) {
			int i = __builtin_ctzll(m);
			if (o >> i & 1)
				depth++;
			else if (--depth == 0) /* what follows the value is not its business */
				return bad & ((2ull << i) - 1) ? NULL : p + i + 1;
		}
		if (bad)
			return NULL;
	}
	return NULL;
}

static const char *ins_skip_nest_plain(const char *p, const char *e)
{
	return ins_nest(p, e, 0);
}

#ifdef INS_AVX2
__attribute__((target("avx2"))) static const char *ins_skip_nest_avx2(const char *p, const char *e)
{
	return ins_nest(p, e, 1);
}
#endif

static const char *ins_skip_nest(const char *p, const char *e)
{
#ifdef INS_AVX2
	if (ins_avx2)
		return ins_skip_nest_avx2(p, e);
#endif
	return ins_skip_nest_plain(p, e);
}

/* p at '"': the end of the string (after its closing quote), or NULL */
static const char *ins_skip_str(const char *p, const char *e)
{
	p++;
	while (p < e) {
#ifdef __SSE2__
		if (e - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned m = (unsigned)_mm_movemask_epi8(
				_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
					     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
			if (!m) {
				p += 16;
				continue;
			}
			p += __builtin_ctz(m);
		}
#endif
		if (*p == '"')
			return p + 1;
		p += *p == '\\' ? 2 : 1;
	}
	return NULL;
}

/* p at the start of a value: its end, or NULL */
static const char *ins_skip_value(const char *p, const char *e)
{
	if (p >= e)
		return NULL;
	if (*p == '"')
		return ins_skip_str(p, e);
	if (*p == '{' || *p == '[') {
		const char *r = ins_skip_nest(p, e);
		return r && r[-1] == (*p == '{' ? '}' : ']') ? r : NULL;
	}
	const char *s = p;
	while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
	       *p != '\r' && *p != '\t' && *p != '"' && *p != '{' && *p != '[' && *p != ':')
		p++;
	return p > s ? p : NULL;
}

/* p at a key's opening quote: the start of its value (after the ':'), the key's text (as
 * written, without the quotes) in *ks, *kn; NULL when there is no key and ':' */
static const char *ins_key(const char *p, const char *e, const char **ks, size_t *kn)
{
	if (p >= e || *p != '"')
		return NULL;
	const char *ke = ins_skip_str(p, e);
	if (!ke)
		return NULL;
	*ks = p + 1;
	*kn = (size_t)(ke - 1 - *ks);
	p = ins_ws(ke, e);
	return p < e && *p == ':' ? ins_ws(p + 1, e) : NULL;
}

/* ve after a member or element of a container that ends with `close`: the start of the
 * next one (*more = 1) or the end of the container (*more = 0); NULL: neither ',' nor close */
static const char *ins_next(const char *ve, const char *e, char close, int *more)
{
	const char *p = ins_ws(ve, e);
	if (p < e && *p == ',') {
		*more = 1;
		return ins_ws(p + 1, e);
	}
	*more = 0;
	return p < e && *p == close ? p + 1 : NULL;
}

/* p at the opening bracket of a container: the start of its first entry (*more = 1), or
 * the end of an empty one (*more = 0) */
static const char *ins_first(const char *p, const char *e, char close, int *more)
{
	p = ins_ws(p + 1, e);
	*more = !(p < e && *p == close);
	return *more ? p : p + 1;
}

/* p at a user object: its end; *is, *ie the first "identifiers" value, if any */
static const char *ins_user(const char *p, const char *e, const char **is, const char **ie)
{
	int more;
	*is = *ie = NULL;
	for (p = ins_first(p, e, '}', &more); more; p = ins_next(p, e, '}', &more)) {
		const char *ks, *vs;
		size_t kn;
		if (!(vs = ins_key(p, e, &ks, &kn)) || !(p = ins_skip_value(vs, e)))
			return NULL;
		if (!*is && kn == 11 && memcmp(ks, "identifiers", 11) == 0)
			*is = vs, *ie = p;
	}
	return p;
}

/* p at the users array: its end; each user's hash appended to h */
static const char *ins_users(const char *p, const char *e, struct ins_hvec *h)
{
	int more;
	for (p = ins_first(p, e, ']', &more); more; p = ins_next(p, e, ']', &more)) {
		const char *ve, *is = NULL, *ie = NULL;
		if (p < e && *p == '{')
			ve = ins_user(p, e, &is, &ie);
		else
			ve = ins_skip_value(p, e);
		if (!ve || ins_hvec_push(h, is ? ins_hash(is, (size_t)(ie - is))
					       : ins_hash(p, (size_t)(ve - p))))
			return NULL;
		p = ve;
	}
	return p;
}

/* p at the top-level object: its end */
static const char *ins_top(const char *p, const char *e, struct ins_hvec *h, int *seen)
{
	int more;
	for (p = ins_first(p, e, '}', &more); more; p = ins_next(p, e, '}', &more)) {
		const char *ks, *vs;
		size_t kn;
		if (!(vs = ins_key(p, e, &ks, &kn)))
			return NULL;
		if (kn == 5 && memcmp(ks, "users", 5) == 0) {
			if (*seen || vs >= e || *vs != '[')
				return NULL;
			*seen = 1;
			p = ins_users(vs, e, h);
		} else {
			p = ins_skip_value(vs, e);
		}
		if (!p)
			return NULL;
	}
	return p;
}

/* The users of body b (n bytes): their count, each one's hash in h (emptied first), or -1
 * when the body is not of the form above or memory ran out (h's contents are then
 * meaningless) */
static long ins_scan(const char *b, size_t n, struct ins_hvec *h)
{
	const char *e = b + n, *p = ins_ws(b, e);
	int seen = 0;
	h->n = 0;
	if (p >= e || *p != '{')
		return -1;
	p = ins_top(p, e, h, &seen);
	if (!p || !seen || ins_ws(p, e) != e)
		return -1;
	return (long)h->n;
}
#endif
