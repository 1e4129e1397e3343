/* test_ins_scan: the Insider sink's body scan (tests/sink/ins_scan.h, #14.1): the users it
 * counts and the identifiers it hashes, the bodies it refuses, and the 64-byte block skipping
 * against a byte-by-byte reading of the same grammar (escapes, strings and brackets at every
 * offset of a block, random bodies and their mutations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../sink/ins_scan.h"
#include "tap.h"

/* ---- the reference: the same grammar read one byte at a time, no blocks */
static const char *r_str(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

static const char *r_nest(const char *p, const char *e)
{
	char open = *p;
	long depth = 0;
	for (; p < e; p++) {
		if (*p == '"') {
			if (!(p = r_str(p, e)))
				return NULL;
			p--;
		} else if (*p == '\\') {
			return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return *p == (open == '{' ? '}' : ']') ? p + 1 : NULL;
		}
	}
	return NULL;
}

static const char *r_value(const char *p, const char *e)
{
	if (p >= e)
		return NULL;
	if (*p == '"')
		return r_str(p, e);
	if (*p == '{' || *p == '[')
		return r_nest(p, e);
	const char *s = p;
	while (p < e && !memchr(",}] \n\r\t\"{[:", *p, 11))
		p++;
	return p > s ? p : NULL;
}

static long r_scan(const char *b, size_t n, uint64_t *hs, size_t max)
{
	const char *e = b + n, *p = ins_ws(b, e);
	long users = -1;
	if (p >= e || *p++ != '{')
		return -1;
	p = ins_ws(p, e);
	if (p < e && *p == '}')
		return -1;
	for (;;) {
		if (p >= e || *p != '"')
			return -1;
		const char *ks = p + 1, *ke = r_str(p, e), *ve;
		if (!ke)
			return -1;
		p = ins_ws(ke, e);
		if (p >= e || *p != ':')
			return -1;
		p = ins_ws(p + 1, e);
		if (ke - 1 - ks == 5 && !memcmp(ks, "users", 5)) {
			if (users >= 0 || p >= e || *p != '[')
				return -1;
			users = 0;
			p = ins_ws(p + 1, e);
			if (p < e && *p == ']') {
				ve = p + 1;
			} else {
				for (;;) {
					const char *us = p, *is = NULL, *ie = NULL;
					if (p < e && *p == '{') {
						p = ins_ws(p + 1, e);
						if (p < e && *p == '}') {
							p++;
						} else {
							for (;;) {
								if (p >= e || *p != '"')
									return -1;
								const char *k2 = p + 1, *k2e = r_str(p, e);
								if (!k2e)
									return -1;
								p = ins_ws(k2e, e);
								if (p >= e || *p != ':')
									return -1;
								const char *vs = ins_ws(p + 1, e), *v2 = r_value(vs, e);
								if (!v2)
									return -1;
								if (!is && k2e - 1 - k2 == 11 && !memcmp(k2, "identifiers", 11))
									is = vs, ie = v2;
								p = ins_ws(v2, e);
								if (p < e && *p == ',') {
									p = ins_ws(p + 1, e);
									continue;
								}
								if (p < e && *p == '}') {
									p++;
									break;
								}
								return -1;
							}
						}
					} else if (!(p = r_value(p, e))) {
						return -1;
					}
					if ((size_t)users < max)
						hs[users] = is ? ins_hash(is, (size_t)(ie - is)) : ins_hash(us, (size_t)(p - us));
					users++;
					p = ins_ws(p, e);
					if (p < e && *p == ',') {
						p = ins_ws(p + 1, e);
						continue;
					}
					if (p < e && *p == ']') {
						ve = p + 1;
						break;
					}
					return -1;
				}
			}
		} else if (!(ve = r_value(p, e))) {
			return -1;
		}
		p = ins_ws(ve, e);
		if (p < e && *p == ',') {
			p = ins_ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}')
			break;
		return -1;
	}
	if (users < 0 || ins_ws(p + 1, e) != e)
		return -1;
	return users;
}

static struct ins_hvec hv;

static long scan(const char *s)
{
	/* a copy of exactly strlen(s) bytes: ASan sees any read past the end */
	size_t n = strlen(s);
	char *b = malloc(n ? n : 1);
	memcpy(b, s, n);
	long r = ins_scan(b, n, &hv);
	free(b);
	return r;
}

static uint64_t H(const char *s) { return ins_hash(s, strlen(s)); }

/* scan and reference agree on b (count, and each hash); 1 when they do */
static int agree(const char *b, size_t n)
{
	static uint64_t hs[4096];
	long want = r_scan(b, n, hs, 4096), got = ins_scan(b, n, &hv);
	if (want != got) {
		printf("# scan %ld, reference %ld on: %.*s\n", got, want, (int)(n > 300 ? 300 : n), b);
		return 0;
	}
	for (long i = 0; i < got && i < 4096; i++)
		if (hv.v[i] != hs[i]) {
			printf("# user %ld hashed differently in: %.*s\n", i, (int)(n > 300 ? 300 : n), b);
			return 0;
		}
	return 1;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* a random string body: quotes, backslashes, brackets and commas among letters */
static void rstr(char *o, size_t *k)
{
	static const char alpha[] = "ab{}[],:\\\"  xyz";
	o[(*k)++] = '"';
	for (unsigned i = rnd(80); i; i--) {
		char c = alpha[rnd(sizeof alpha - 1)];
		if (c == '\\' || c == '"') {
			o[(*k)++] = '\\';
			c = rnd(2) ? '"' : '\\';
		}
		o[(*k)++] = c;
	}
	o[(*k)++] = '"';
}

static void rval(char *o, size_t *k, int depth)
{
	unsigned t = depth > 3 ? rnd(3) : rnd(5);
	if (t == 0) {
		rstr(o, k);
	} else if (t == 1) {
		*k += (size_t)sprintf(o + *k, "%u", rnd(100000));
	} else if (t == 2) {
		*k += (size_t)sprintf(o + *k, rnd(2) ? "true" : "null");
	} else if (t == 3) {
		o[(*k)++] = '[';
		for (unsigned i = rnd(4); i; i--) {
			rval(o, k, depth + 1);
			if (i > 1)
				o[(*k)++] = ',';
		}
		o[(*k)++] = ']';
	} else {
		o[(*k)++] = '{';
		for (unsigned i = rnd(4); i; i--) {
			rstr(o, k);
			o[(*k)++] = ':';
			rval(o, k, depth + 1);
			if (i > 1)
				o[(*k)++] = ',';
		}
		o[(*k)++] = '}';
	}
}

/* a random body of the Upsert form: users with identifiers (first, later, or none) */
static size_t rbody(char *o)
{
	size_t k = 0;
	k += (size_t)sprintf(o, rnd(3) ? "{\"users\":[" : "{\"skip_hook\":true, \"users\" : [ ");
	for (unsigned u = rnd(12); u; u--) {
		o[k++] = '{';
		unsigned at = rnd(3), nm = 1 + rnd(3);
		for (unsigned m = 0; m < nm; m++) {
			if (m == at)
				k += (size_t)sprintf(o + k, "\"identifiers\":");
			else
				rstr(o, &k), o[k++] = ':';
			rval(o, &k, 1);
			if (m + 1 < nm)
				o[k++] = ',';
		}
		o[k++] = '}';
		if (u > 1)
			k += (size_t)sprintf(o + k, rnd(4) ? "," : " ,\n");
	}
	k += (size_t)sprintf(o + k, rnd(3) ? "]}" : "], \"x\": [1, {\"y\": \"]\"}]}\n");
	return k;
}

int main(void)
{
	ins_scan_init();
	int have_avx2 = ins_avx2;

	/* the forms of a body */
	is_int(scan("{\"users\":[{\"identifiers\":{\"email\":\"a@x\"}},{\"identifiers\":{\"email\":\"b@x\"}}]}"), 2,
	       "#14.1 two users counted");
	ok(hv.n == 2 && hv.v[0] == H("{\"email\":\"a@x\"}") && hv.v[1] == H("{\"email\":\"b@x\"}"),
	   "#14.1 each user is the hash of its identifiers' text");
	is_int(scan("{\"skip_hook\":true,\"users\":[{\"identifiers\":{\"uuid\":\"u1\"},\"attributes\":{\"name\":\"A\"}}]}"), 1,
	       "#14.1 a top-level member before users (skip_hook) is skipped");
	is_int(scan(" {\n \"users\" : [ { \"attributes\" : {\"n\" : \"}\"} , \"identifiers\" : {\"email\":\"c@x\"} } ] , \"z\" : null }\n"), 1,
	       "#14.1 white space, identifiers after another member, a member after users");
	ok(hv.v[0] == H("{\"email\":\"c@x\"}"), "#14.1 identifiers found after a member with a brace in a string");
	is_int(scan("{\"users\":[{\"attributes\":{\"a\":1}}]}"), 1, "#14.1 a user without identifiers is counted");
	ok(hv.v[0] == H("{\"attributes\":{\"a\":1}}"), "#14.1 ... by the hash of its whole text");
	is_int(scan("{\"users\":[{\"identifiers\":{\"e\":\"1\"},\"identifiers\":{\"e\":\"2\"}}]}"), 1,
	       "#14.1 a repeated identifiers member: one user");
	ok(hv.v[0] == H("{\"e\":\"1\"}"), "#14.1 ... the first identifiers member counts");
	is_int(scan("{\"users\":[]}"), 0, "#14.1 an empty users array: 0 users");
	is_int(scan("{\"users\":[{\"identifiers\":{\"e\":\"q\\\"}\\\\\"}}]}"), 1,
	       "#14.1 escaped quotes and backslashes inside identifiers");
	ok(hv.v[0] == H("{\"e\":\"q\\\"}\\\\\"}"), "#14.1 ... hashed to the closing brace");

	/* bodies it cannot account for: refused, nothing counted */
	is_int(scan("{\"users\":[{}}"), -1, "#14.1 a user object closed by the wrong bracket is refused (the old scan never returned)");
	is_int(scan("{\"users\":[{\"identifiers\":{\"e\":\"1\"}}{\"identifiers\":{\"e\":\"2\"}}]}"), -1,
	       "#14.1 users without a comma between them are refused");
	is_int(scan("{\"users\":[{\"identifiers\":{\"e\":\"1\"}}]} trailing"), -1, "#14.1 text after the body is refused");
	is_int(scan("{\"users\":[{\"identifiers\":{\"e\":\"1\"}}"), -1, "#14.1 a cut-off body is refused");
	is_int(scan("{\"users\":[{\"identifiers\":{\"e\":\"1}}]}"), -1, "#14.1 an unterminated string is refused");
	is_int(scan("{\"user\":[]}"), -1, "#14.1 no users member is refused");
	is_int(scan("{\"users\":{}}"), -1, "#14.1 users not an array is refused");
	is_int(scan("{\"users\":[],\"users\":[{}]}"), -1, "#14.1 two users members are refused");
	is_int(scan("{\"users\":[{\"identifiers\":{\"e\":\\\"1\"}}]}"), -1, "#14.1 a backslash outside a string is refused");
	is_int(scan("{\"users\":[{\"identifiers\":[\"e\"}}]}"), -1, "#14.1 a value closed by the wrong kind of bracket is refused");
	is_int(scan("{\"users\":[{\"identifiers\" {}}]}"), -1, "#14.1 a member without ':' is refused");
	is_int(scan("{\"users\":[1,]}"), -1, "#14.1 a comma before ']' is refused");
	is_int(scan(""), -1, "#14.1 an empty body is refused");
	is_int(scan("[]"), -1, "#14.1 a top-level array is refused");

	/* each way of skipping this machine has: SSE2 (or plain C) blocks, and AVX2 where the CPU
	 * has it (the sink uses AVX2 when it can) */
	static char o[1 << 20];
	int bad, n_ok, n_refused;
	for (int variant = 0; variant < 2; variant++) {
		const char *vname = variant ? "AVX2 blocks" : "SSE2 blocks";
		ins_avx2 = variant;
		if (variant && !have_avx2) {
			ok(1, "# SKIP no AVX2 on this CPU");
			ok(1, "# SKIP no AVX2 on this CPU");
			ok(1, "# SKIP no AVX2 on this CPU");
			continue;
		}
		/* the block machinery: a string with escapes and brackets, and a nested value, at each
		 * offset of a 64-byte block, and long values spanning blocks */
		bad = 0;
		char b[8192];
		for (int pad = 0; pad < 140; pad++) {
			for (int v = 0; v < 4; v++) {
				int k = sprintf(b, "{\"users\":[{\"a\":\"%*s\",\"identifiers\":", pad, "");
				static const char *vals[] = {
					"{\"e\":\"x\\\\\",\"f\":[\"]\\\"}\",{\"g\":\"\\\\\\\\\\\"[\"}]}",
					"[\"\\\\\",\"\\\"\",\"{\",\"}\",{}]",
					"{\"long\":\"0123456789012345678901234567890123456789012345678901234567890123456789\\\"0123456789\"}",
					"{\"a\":{\"b\":{\"c\":[[[[\"d\"]]]]}}}",
				};
				k += sprintf(b + k, "%s},{\"identifiers\":%s}]}", vals[v], vals[v]);
				if (!agree(b, (size_t)k) || hv.n != 2 || hv.v[0] != hv.v[1] ||
				    hv.v[0] != H(vals[v]))
					bad++;
			}
		}
		is_int(bad, 0, "#14.1 %s: escapes, strings and brackets at every offset of a block: the same users and hashes as byte by byte", vname);

		/* random bodies, and each with one byte changed, deleted, or the body cut */
		n_ok = 0, n_refused = 0;
		bad = 0;
		for (int i = 0; i < 6000; i++) {
			size_t n = rbody(o);
			if (!agree(o, n))
				bad++;
			if (ins_scan(o, n, &hv) < 0)
				bad++; /* a well-formed body is always accepted */
			size_t at = rnd((unsigned)n);
			char save = o[at];
			o[at] = "\"\\{}[],: a"[rnd(10)];
			if (!agree(o, n))
				bad++;
			ins_scan(o, n, &hv) < 0 ? n_refused++ : n_ok++;
			o[at] = save;
			memmove(o + at, o + at + 1, n - at - 1);
			if (!agree(o, n - 1))
				bad++;
			if (!agree(o, at))
				bad++;
		}
		is_int(bad, 0, "#14.1 %s: 6,000 random bodies and 18,000 mutations: the same count and hashes as byte by byte", vname);
		ok(n_refused > 500 && n_ok > 500, "#14.1 %s: the mutations include bodies refused (%d) and accepted (%d)",
		   vname, n_refused, n_ok);
	}
	free(hv.v);
	return tap_done();
}
