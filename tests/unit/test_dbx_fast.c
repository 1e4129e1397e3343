/* test_dbx_fast: the JSON_ARRAY chunk scanner (dbx_chunk.h) and the direct MessagePack
 * conversion (dbx_fast.h) of #14.2: what the scanner takes and leaves to the generic parser,
 * the values it hands out, and the bytes of each conversion against dbx_conv +
 * rec_msgpack_append. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "dbx_chunk.h"
#include "dbx_fast.h"
#include "rec.h"

static int
scan(const char *s)
{
	struct dbx_chunk c;
	memset(&c, 0, sizeof c);
	int k = dbx_chunk_scan(&c, s, strlen(s));
	dbx_chunk_free(&c);
	return k;
}

static void
chunks(void)
{
	struct dbx_chunk c;
	char body[] = " [ [\"a\",null , \"q\\\"\\u00e9\\ud83d\\ude00\\n\"],\n[],[\"\"] ] ";
	msgpack_object v[4];
	memset(&c, 0, sizeof c);
	is_int(dbx_chunk_scan(&c, body, strlen(body)), 1, "#14.2 an array of arrays of strings and nulls is taken");
	is_int(c.nrows, 3, "#14.2 three rows");
	is_int(dbx_chunk_row(&c, body, 0, v, 4), 3, "#14.2 row 1 has 3 values");
	ok(v[0].type == MSGPACK_OBJECT_STR && v[0].via.str.size == 1 && v[0].via.str.ptr[0] == 'a',
		"#14.2 a plain string points into the body");
	ok(v[1].type == MSGPACK_OBJECT_NIL, "#14.2 null");
	ok(v[2].type == MSGPACK_OBJECT_STR && v[2].via.str.size == 9 &&
		!memcmp(v[2].via.str.ptr, "q\"\xc3\xa9\xf0\x9f\x98\x80\n", 9),
		"#14.2 escapes decoded (\\\", \\u00e9, a surrogate pair, \\n)");
	{
		/* decoded into the chunk's scratch: the body is left as it was, a row read again
		 * gives the same values, and a value stays valid while later rows are read */
		msgpack_object w[4];
		const char *keep = v[2].via.str.ptr;
		ok(!strcmp(body, " [ [\"a\",null , \"q\\\"\\u00e9\\ud83d\\ude00\\n\"],\n[],[\"\"] ] "),
			"#14.2 the body is not changed by decoding");
		dbx_chunk_row(&c, body, 2, w, 4);
		is_int(dbx_chunk_row(&c, body, 0, w, 4), 3, "#14.2 row 1 read again");
		ok(w[2].via.str.ptr == keep && w[2].via.str.size == 9 &&
			!memcmp(keep, "q\"\xc3\xa9\xf0\x9f\x98\x80\n", 9),
			"#14.2 the same decoded value, still valid after another row was read");
	}
	is_int(dbx_chunk_row(&c, body, 1, v, 4), 0, "#14.2 an empty row");
	is_int(dbx_chunk_row(&c, body, 2, v, 1), 1, "#14.2 a row of one empty string");
	ok(v[0].type == MSGPACK_OBJECT_STR && v[0].via.str.size == 0, "#14.2 the empty string");
	dbx_chunk_free(&c);
	is_int(scan("[]"), 1, "#14.2 no rows");
	is_int(scan("{\"data_array\":[]}"), 0, "#14.2 an object: the generic parser's");
	is_int(scan("[[1]]"), 0, "#14.2 a number: the generic parser's");
	is_int(scan("[[\"a\"],]"), 0, "#14.2 a trailing comma: not taken");
	is_int(scan("[[\"a\\ud800\"]]"), 0, "#14.2 a lone high surrogate: not taken");
	is_int(scan("[[\"a\\udc00\"]]"), 0, "#14.2 a lone low surrogate: not taken");
	is_int(scan("[[\"a\\x\"]]"), 0, "#14.2 an unknown escape: not taken");
	is_int(scan("[[\"\xc3\"]]"), 0, "#14.2 cut UTF-8: not taken");
	is_int(scan("[[\"\xed\xa0\x80\"]]"), 0, "#14.2 an encoded surrogate: not taken");
	is_int(scan("[[\"a\tb\"]]"), 0, "#14.2 a raw control character: not taken");
	is_int(scan("[[\"a\"]] x"), 0, "#14.2 text after the array: not taken");
	is_int(scan("[[\"a\"]"), 0, "#14.2 truncated: not taken");
	is_int(scan("[[nul]]"), 0, "#14.2 a cut null: not taken");
}

/* 1: the scanner takes s[0..n) exactly when the generic parser reads it as an array of
 * arrays of strings and nulls, and gives its values (as tests/fuzz/fuzz_dbx_chunk.c) */
static int
agrees(const char *text, size_t n)
{
	char *body = malloc(n + 1);
	msgpack_zone *z = msgpack_zone_new(4096);
	struct dbx_chunk c;
	struct err e = ERR_INIT;
	msgpack_object g, v[8];
	int good = 1, gen, k;
	memcpy(body, text, n);
	body[n] = 0;
	memset(&c, 0, sizeof c);
	gen = rec_json_parse(text, n, z, &g, &e) == 0 && g.type == MSGPACK_OBJECT_ARRAY;
	for (uint32_t i = 0; gen && i < g.via.array.size; i++) {
		const msgpack_object *r = &g.via.array.ptr[i];
		if (r->type != MSGPACK_OBJECT_ARRAY)
			gen = 0;
		for (uint32_t j = 0; gen && j < r->via.array.size; j++)
			if (r->via.array.ptr[j].type != MSGPACK_OBJECT_STR &&
			    r->via.array.ptr[j].type != MSGPACK_OBJECT_NIL)
				gen = 0;
	}
	k = dbx_chunk_scan(&c, body, n);
	if (k != gen)
		good = 0;
	for (uint32_t r = 0; good && k == 1 && r < c.nrows; r++) {
		const msgpack_object *gr = &g.via.array.ptr[r];
		uint32_t m = dbx_chunk_row(&c, body, r, v, 8);
		if (m != gr->via.array.size || m > 8)
			good = 0;
		for (uint32_t j = 0; good && j < m; j++) {
			const msgpack_object *gv = &gr->via.array.ptr[j];
			if (v[j].type != gv->type || (gv->type == MSGPACK_OBJECT_STR &&
			    (v[j].via.str.size != gv->via.str.size ||
			     memcmp(v[j].via.str.ptr, gv->via.str.ptr, gv->via.str.size))))
				good = 0;
		}
	}
	dbx_chunk_free(&c);
	msgpack_zone_free(z);
	free(body);
	return good;
}

/* the scanner reads 16 bytes at a time: every feature shifted across a load boundary (leading
 * whitespace moves it, trailing whitespace moves the end of the body) */
static void
boundaries(void)
{
	static const char *const bodies[] = {
		"[[\"abcdefghijklmnopqrstuvwxyz\",null,\"q\\\"x\\\\\",\"\\\\\\\"\"],[null,\"\"]]",
		"[[\"\\ud83d\\ude00\\u00e9\\/\\b\\f\\n\\r\\t\",\"\xc3\xa9\xf0\x9f\x98\x80\xe2\x82\xac\"]]",
		"[[\"[\\\"Home\\\",\\\"Garden\\\"]\",\"{\\\"a\\\":\\\"b\\\"}\",\"n,u]l[l\"],\n\t[ null , null ]\r]",
		"[[\"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\",\"x\"]]",
		"[[\"a\\ud800\"]]", "[[\"a\\udc00\\ud800\"]]", "[[\"a\\ud800\\u0041\"]]", "[[\"\xc3\"]]",
		"[[\"\xf0\x9f\x98\"]]", "[[\"\x80\"]]", "[[nul]]", "[[null,nulx]]", "[[nulll]]",
		"[[\"a\\\"]]", "[[\"a\"] ]x", "[[\"a\"]] ]", "[[\"a\",]]", "[[\"a\"],]", "[[\"a\"]\"b\"]",
		"[[\"a\"\"b\"]]", "[[\"a\" null]]", "[[\"a\tb\"]]", "[[\"a\\x\"]]", "[[\"a\\u12G4\"]]",
		"[\xc3\xa9[\"a\"]]", "[[\"a\"],\\[\"b\"]]", "[[\"a\\", "[[\"a\\u00", "[[\"a\"]]\n",
		"[[\"a\x7f\"]]", "[[\"a\"]]\x00", "[[\"a\",\"b\"],[\"c\"],[],[null]]", "[ ]", "[", "",
	};
	char buf[512];
	int bad = 0;
	for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++) {
		size_t len = strlen(bodies[b]);
		if (b == sizeof bodies / sizeof *bodies - 5) /* "[[\"a\"]]\x00": its NUL counts */
			len++;
		for (size_t lead = 0; lead <= 130; lead++)
			for (size_t trail = 0; trail <= 66; trail += 11) {
				memset(buf, ' ', lead);
				memcpy(buf + lead, bodies[b], len);
				memset(buf + lead + len, ' ', trail);
				if (!agrees(buf, lead + len + trail)) {
					if (!bad)
						printf("# differs from the generic parser: body %zu, %zu spaces "
						    "before, %zu after\n", b, lead, trail);
					bad++;
				}
			}
	}
	ok(!bad, "#14.2 the scanner agrees with the generic parser at every offset across its 16-byte loads (%d differ)", bad);
}

/* dbx_conv_mp gives the bytes and result of dbx_conv + rec_msgpack_append */
static int
same(enum dbx_type t, const char *tt, const char *val, int *res)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct err e = ERR_INIT;
	msgpack_object in = val ? rec_strref(val, strlen(val)) : rec_nil(), out;
	int r1 = dbx_conv_mp(&a, t, tt, &in, z, &e);
	int r2 = dbx_conv(t, tt, &in, z, &out, &e);
	int ok_ = r1 == r2 && rec_msgpack_append(&b, &out) == 0 && a.len == b.len &&
	    !memcmp(a.p, b.p, a.len);
	*res = r1;
	buf_free(&a);
	buf_free(&b);
	msgpack_zone_free(z);
	return ok_;
}

/* dbx_ts_is_utc_form as it was before its word-at-a-time checks: the reference */
static int
ts_ref(const char *s, size_t n)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	if (n < 20 || n > 30 || n == 21 || s[n - 1] != 'Z')
		return 0;
	for (int i = 0; i < 19; i++)
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i])
			return 0;
	if (n > 20) {
		if (s[19] != '.')
			return 0;
		for (size_t i = 20; i < n - 1; i++)
			if (s[i] < '0' || s[i] > '9')
				return 0;
	}
	if (!dbx_date_valid(s, 10) || (s[0] == '0' && s[1] == '0' && s[2] == '0' && s[3] == '0'))
		return 0;
	return (s[11] - '0') * 10 + (s[12] - '0') <= 23 && (s[14] - '0') * 10 + (s[15] - '0') <= 59 &&
	    (s[17] - '0') * 10 + (s[18] - '0') <= 60;
}

/* every byte of a few timestamps and dates replaced by every other byte: the same answer as
 * the reference (timestamps) and as dbx_conv (dates: bytes and result) */
static void
forms(void)
{
	static const char *const ts[] = { "2026-01-01T00:00:00Z", "2026-01-01T23:59:60.123Z",
		"2024-02-29T12:34:56.123456789Z", "1999-12-31T23:59:59.5Z", "2023-02-28T09:09:09.09Z" };
	static const char *const ds[] = { "2024-02-29", "2023-02-28", "2023-02-29", "2000-02-29",
		"1900-02-29", "2026-04-30", "2026-04-31", "2026-12-31", "0000-01-01", "2026-01-19" };
	char b[40];
	int bad = 0, badd = 0, res;
	for (size_t k = 0; k < sizeof ts / sizeof *ts; k++) {
		size_t n = strlen(ts[k]);
		for (size_t i = 0; i < n; i++)
			for (int c = 0; c < 256; c++) {
				memcpy(b, ts[k], n + 1);
				b[i] = (char)c;
				if (dbx_ts_is_utc_form(b, n) != ts_ref(b, n))
					bad++;
			}
	}
	ok(!bad, "#14.2 the timestamp form check agrees with the byte-by-byte one (%d differ)", bad);
	for (size_t k = 0; k < sizeof ds / sizeof *ds; k++)
		for (size_t i = 0; i < 10; i++)
			for (int c = 1; c < 256; c++) {
				memcpy(b, ds[k], 11);
				b[i] = (char)c;
				if (!same(DBX_T_DATE, "DATE", b, &res))
					badd++;
			}
	ok(!badd, "#14.2 dates: the bytes and result of dbx_conv for every one-byte change (%d differ)",
		badd);
	ok(same(DBX_T_DATE, "DATE", "2023-02-29", &res) && res == 1, "#14.2 2023-02-29 is not a date");
	ok(same(DBX_T_DATE, "DATE", "2026-01-28", &res) && res == 0, "#14.2 2026-01-28 is");
}

static void
convs(void)
{
	static const struct { enum dbx_type t; const char *tt, *v; int res; } cs[] = {
		{ DBX_T_INT, "BIGINT", "1000000000000", 0 }, { DBX_T_INT, "INT", "-5", 0 },
		{ DBX_T_INT, "BIGINT", "9223372036854775807", 0 }, { DBX_T_INT, "BIGINT", "-0", 0 },
		{ DBX_T_INT, "INT", "007", 1 }, { DBX_T_INT, "INT", "1.5", 1 },
		{ DBX_T_DECIMAL, "DECIMAL(12,2)", "12.50", 0 }, { DBX_T_DECIMAL, "DECIMAL(2,0)", "12", 0 },
		{ DBX_T_DECIMAL, "DECIMAL(38,0)", "123456789012345678901234567890", 0 },
		{ DBX_T_FLOAT, "DOUBLE", "1.0E10", 0 }, { DBX_T_FLOAT, "DOUBLE", "NaN", 0 },
		{ DBX_T_BOOL, "BOOLEAN", "true", 0 }, { DBX_T_BOOL, "BOOLEAN", "yes", 1 },
		{ DBX_T_DATE, "DATE", "2024-02-29", 0 }, { DBX_T_DATE, "DATE", "2023-02-29", 1 },
		{ DBX_T_TIMESTAMP, "TIMESTAMP", "2026-01-01T00:00:00.000Z", 0 },
		{ DBX_T_TIMESTAMP, "TIMESTAMP", "2026-01-01T00:00:00.000+02:00", 0 },
		{ DBX_T_TIMESTAMP, "TIMESTAMP", "0000-01-01T00:00:00Z", 1 },
		{ DBX_T_TIMESTAMP_NTZ, "TIMESTAMP_NTZ", "2026-01-01T00:00:00.000", 0 },
		{ DBX_T_JSON, "ARRAY<STRING>", "[\"Home\",\"Garden\"]", 0 },
		{ DBX_T_JSON, "MAP<STRING, STRING>", "{\"a\":\"b\", \"c\" : \"\xc3\xa9\"}", 0 },
		{ DBX_T_JSON, "ARRAY<INT>", "[1,2]", 0 }, { DBX_T_JSON, "ARRAY<STRING>", "[\"a\\n\"]", 0 },
		{ DBX_T_JSON, "ARRAY<TIMESTAMP>", "[\"2026-01-01T00:00:00+01:00\"]", 0 },
		{ DBX_T_JSON, "ARRAY<STRING>", "[\"a\",]", 1 }, { DBX_T_STRING, "STRING", "x", 0 },
		{ DBX_T_STRING, "STRING", NULL, 0 }, { DBX_T_NULL, "VOID", "x", 1 },
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		int res;
		ok(same(cs[i].t, cs[i].tt, cs[i].v, &res), "#14.2 %s %s: the bytes of dbx_conv",
			cs[i].tt, cs[i].v ? cs[i].v : "null");
		is_int(res, cs[i].res, "#14.2 %s %s: result %d", cs[i].tt, cs[i].v ? cs[i].v : "null",
			cs[i].res);
	}
	char big[40];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	int res;
	ok(same(DBX_T_STRING, "STRING", big, &res), "#14.2 a str8 string");
	ok(dbx_ts_is_utc_form("2026-01-01T23:59:60.123456789Z", 30), "#14.2 nine fraction digits, leap second");
	ok(!dbx_ts_is_utc_form("2026-01-01t00:00:00Z", 20), "#14.2 lower-case t is not the output form");
	ok(!dbx_ts_is_utc_form("2026-01-01T24:00:00Z", 20), "#14.2 hour 24 is not");
	ok(!dbx_ts_is_utc_form("2026-01-01T00:00:00.Z", 21), "#14.2 an empty fraction is not");
}

int
main(void)
{
	chunks();
	boundaries();
	convs();
	forms();
	return tap_done();
}
