/* test_dbx_fast: the JSON_ARRAY chunk scanner (dbx_chunk.h) and the direct MessagePack
 * conversion (dbx_fast.h) of #14.2: what the scanner takes and leaves to the generic parser,
 * the values it hands out, and the bytes of each conversion against dbx_conv +
 * rec_msgpack_append. */
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
		"#14.2 escapes decoded in place (\\\", \\u00e9, a surrogate pair, \\n)");
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
	convs();
	return tap_done();
}
