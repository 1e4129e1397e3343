/* test_map_conv: every conversion of row-map's type table, and how each one fails. */
#include <stdio.h>
#include <string.h>
#include "map_conv.h"
#include "rec.h"
#include "tap.h"

struct tcase {
	enum map_type t;
	const char *in;   /* JSON */
	const char *want; /* JSON, or NULL when the conversion fails */
	const char *why;  /* the reason, when it fails */
};

static const struct tcase cases[] = {
	/* string */
	{MT_STRING, "\"abc\"", "\"abc\"", NULL},
	{MT_STRING, "\"Zoë\"", "\"Zoë\"", NULL},
	{MT_STRING, "12345", "\"12345\"", NULL},
	{MT_STRING, "-42", "\"-42\"", NULL},
	{MT_STRING, "18446744073709551615", "\"18446744073709551615\"", NULL},
	{MT_STRING, "-9223372036854775808", "\"-9223372036854775808\"", NULL},
	{MT_STRING, "12.50", "\"12.50\"", NULL},
	{MT_STRING, "true", "\"true\"", NULL},
	{MT_STRING, "false", "\"false\"", NULL},
	{MT_STRING, "[\"a\"]", NULL, "an array is not a string"},
	{MT_STRING, "{\"a\":1}", NULL, "an object is not a string"},
	/* number */
	{MT_NUMBER, "42", "42", NULL},
	{MT_NUMBER, "9007199254740993", "9007199254740993", NULL},
	{MT_NUMBER, "123456789012345678901234567890.125", "123456789012345678901234567890.125", NULL},
	{MT_NUMBER, "12.50", "12.50", NULL},
	{MT_NUMBER, "\"12.50\"", "12.50", NULL},
	{MT_NUMBER, "\"-7\"", "-7", NULL},
	{MT_NUMBER, "\"1e3\"", "1e3", NULL},
	{MT_NUMBER, "\"abc\"", NULL, "\"abc\" is not a number"},
	{MT_NUMBER, "\" 12\"", NULL, "\" 12\" is not a number"},
	{MT_NUMBER, "\"\"", NULL, "\"\" is not a number"},
	{MT_NUMBER, "true", NULL, "true is not a number"},
	{MT_NUMBER, "[1]", NULL, "an array is not a number"},
	/* integer */
	{MT_INTEGER, "3", "3", NULL},
	{MT_INTEGER, "-3", "-3", NULL},
	{MT_INTEGER, "3.00", "3", NULL},
	{MT_INTEGER, "\"17\"", "17", NULL},
	{MT_INTEGER, "\"-0\"", "0", NULL},
	{MT_INTEGER, "2.5", NULL, "2.5 is not an integer"},
	{MT_INTEGER, "1e3", NULL, "1e3 is not an integer"},
	{MT_INTEGER, "\"x\"", NULL, "\"x\" is not an integer"},
	{MT_INTEGER, "99999999999999999999.0", NULL, "99999999999999999999.0 is beyond the 64-bit integer range (-9223372036854775808 to 9223372036854775807)"},
	{MT_INTEGER, "false", NULL, "false is not an integer"},
	/* boolean */
	{MT_BOOLEAN, "true", "true", NULL},
	{MT_BOOLEAN, "false", "false", NULL},
	{MT_BOOLEAN, "1", "true", NULL},
	{MT_BOOLEAN, "0", "false", NULL},
	{MT_BOOLEAN, "\"true\"", "true", NULL},
	{MT_BOOLEAN, "\"FALSE\"", "false", NULL},
	{MT_BOOLEAN, "\"1\"", "true", NULL},
	{MT_BOOLEAN, "\"0\"", "false", NULL},
	{MT_BOOLEAN, "2", NULL, "2 is not a boolean (true/false, \"true\"/\"false\", 1/0)"},
	{MT_BOOLEAN, "\"yes\"", NULL, "\"yes\" is not a boolean"},
	{MT_BOOLEAN, "1.0", NULL, "1.0 is not a boolean"},
	/* datetime: RFC 3339 in UTC */
	{MT_DATETIME, "\"2021-06-15T19:34:56Z\"", "\"2021-06-15T19:34:56Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15T19:34:56.789Z\"", "\"2021-06-15T19:34:56.789Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15T19:34:56.500000Z\"", "\"2021-06-15T19:34:56.5Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15T19:34:56.000Z\"", "\"2021-06-15T19:34:56Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15T12:34:56.789-07:00\"", "\"2021-06-15T19:34:56.789Z\"", NULL},
	{MT_DATETIME, "\"2021-01-17T01:41:21+03:00\"", "\"2021-01-16T22:41:21Z\"", NULL},
	{MT_DATETIME, "\"2020-12-31T23:30:00-01:00\"", "\"2021-01-01T00:30:00Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15T19:34:56+0530\"", "\"2021-06-15T14:04:56Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15 19:34:56\"", "\"2021-06-15T19:34:56Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15T19:34\"", "\"2021-06-15T19:34:00Z\"", NULL},
	{MT_DATETIME, "\"2024-02-29\"", "\"2024-02-29T00:00:00Z\"", NULL},
	{MT_DATETIME, "\"2021-06-15t19:34:56z\"", "\"2021-06-15T19:34:56Z\"", NULL},
	{MT_DATETIME, "\"2023-02-29\"", NULL, "\"2023-02-29\" is not a valid calendar date"},
	{MT_DATETIME, "\"2021-13-01\"", NULL, "\"2021-13-01\" is not a valid calendar date"},
	{MT_DATETIME, "\"2021-06-15T24:00:00Z\"", NULL, "has a time of day out of range"},
	{MT_DATETIME, "\"2021-06-15T23:59:60Z\"", NULL, "has a time of day out of range"},
	{MT_DATETIME, "\"2021-06-15T10:00:00+25:00\"", NULL, "has a time offset out of range"},
	{MT_DATETIME, "\"15/06/2021\"", NULL, "\"15/06/2021\" is not a date or an RFC 3339 date-time"},
	{MT_DATETIME, "\"2021-06-15T19:34:56Zjunk\"", NULL, "is not a date or an RFC 3339 date-time"},
	{MT_DATETIME, "\"0001-01-01T00:30:00+01:00\"", NULL, "is out of the years 0001 to 9999 in UTC"},
	{MT_DATETIME, "\"0000-01-01\"", NULL, "has a year before 0001"},
	{MT_DATETIME, "1623785696", NULL, "1623785696 is a number, not a date"},
	{MT_DATETIME, "true", NULL, "true is not a date or an RFC 3339 date-time"},
	/* date: the date as written, at midnight UTC (birthday) */
	{MT_DATE, "\"1993-03-12\"", "\"1993-03-12T00:00:00Z\"", NULL},
	{MT_DATE, "\"1993-03-12T23:30:00+03:00\"", "\"1993-03-12T00:00:00Z\"", NULL},
	{MT_DATE, "\"1993-03-12T00:00:00Z\"", "\"1993-03-12T00:00:00Z\"", NULL},
	{MT_DATE, "\"1993-02-30\"", NULL, "\"1993-02-30\" is not a valid calendar date"},
	/* strings: arrays of strings */
	{MT_STRINGS, "[\"Electronic\",\"Phone\"]", "[\"Electronic\",\"Phone\"]", NULL},
	{MT_STRINGS, "[]", "[]", NULL},
	{MT_STRINGS, "\"Phone\"", "[\"Phone\"]", NULL},
	{MT_STRINGS, "[1,\"a\",true,2.50]", "[\"1\",\"a\",\"true\",\"2.50\"]", NULL},
	{MT_STRINGS, "7", "[\"7\"]", NULL},
	{MT_STRINGS, "[\"a\",null]", NULL, "element 1: null is not allowed in an array"},
	{MT_STRINGS, "[\"a\",[\"b\"]]", NULL, "element 1: an array is not a string"},
	{MT_STRINGS, "{\"a\":\"b\"}", NULL, "an object is not an array of strings"},
	/* numbers: arrays of numbers */
	{MT_NUMBERS, "[1,2]", "[1,2]", NULL},
	{MT_NUMBERS, "[\"1\",2.5]", "[1,2.5]", NULL},
	{MT_NUMBERS, "3", "[3]", NULL},
	{MT_NUMBERS, "[\"x\"]", NULL, "element 0: \"x\" is not a number"},
	/* auto: the value's own type */
	{MT_AUTO, "\"x\"", "\"x\"", NULL},
	{MT_AUTO, "12.50", "12.50", NULL},
	{MT_AUTO, "9007199254740993", "9007199254740993", NULL},
	{MT_AUTO, "true", "true", NULL},
	{MT_AUTO, "[\"a\",\"b\"]", "[\"a\",\"b\"]", NULL},
	{MT_AUTO, "[1,2.5]", "[1,2.5]", NULL},
	{MT_AUTO, "[]", "[]", NULL},
	{MT_AUTO, "[1,\"a\"]", NULL, "an array is not an array of strings nor of numbers"},
	{MT_AUTO, "[null]", NULL, "an array is not an array of strings nor of numbers"},
	{MT_AUTO, "{\"a\":1}", NULL, "an object is not an Insider value"},
};

static void
one(const struct tcase *c, msgpack_zone *z)
{
	struct err e = ERR_INIT;
	struct buf why = BUF_INIT, got = BUF_INIT;
	msgpack_object in, out;
	char name[160];
	snprintf(name, sizeof name, "%s %s", map_type_name(c->t), c->in);
	if (rec_json_parse(c->in, strlen(c->in), z, &in, &e) < 0) {
		ok(0, "%s: parses (%s)", name, e.msg);
		return;
	}
	int r = map_conv(c->t, &in, z, &out, &why);
	if (c->want) {
		if (r != 0) {
			ok(0, "%s: converts (%s)", name, why.p ? why.p : "");
		} else if (rec_json_append(&got, &out) < 0) {
			ok(0, "%s: prints", name);
		} else
			is_str(got.p, c->want, "%s -> %s", name, c->want);
	} else {
		int hit = r == -1 && why.p && strstr(why.p, c->why) != NULL;
		ok(hit, "%s fails: %s", name, c->why);
		if (!hit)
			printf("#   r=%d why='%s'\n", r, why.p ? why.p : "");
	}
	buf_free(&why);
	buf_free(&got);
}

int
main(void)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		one(&cases[i], z);
		msgpack_zone_clear(z);
	}
	/* the type names round-trip */
	for (int t = 0; t < MT_COUNT; t++) {
		const char *n = map_type_name((enum map_type)t);
		is_int(map_type_parse(n, strlen(n)), t, "type name %s", n);
	}
	is_int(map_type_parse("float", 5), -1, "unknown type name");
	/* a long string is cut in a reason, at a UTF-8 boundary */
	{
		struct buf why = BUF_INIT;
		msgpack_object in = rec_strref("ééééééééééééééééééééééééééééééééééééééééééééééééééé", 102), out;
		ok(map_conv(MT_NUMBER, &in, z, &out, &why) == -1 && strstr(why.p, "éééééééééééééééééééééééé\"... is not a number"),
			"long values are shortened in reasons");
		buf_free(&why);
	}
	/* #14.2: plain decimals pass without the range bookkeeping; any other goes through it */
	{
		static const struct { const char *s; int want; } pd[] = {
			{"1.5", 1}, {"-12", 1}, {"0.000", 1}, {"1e3", 0}, {"1.", 0}, {".5", 0}, {"-", 0},
			{"", 0}, {"1.2.3", 0}, {"--1", 0}, {"12a", 0},
		};
		for (size_t i = 0; i < sizeof pd / sizeof pd[0]; i++)
			is_int(map_plain_decimal(pd[i].s, strlen(pd[i].s)), pd[i].want, "#14.2 plain decimal \"%s\"", pd[i].s);
		char big[420];
		memset(big, '9', 301);
		is_int(map_plain_decimal(big, 300), 1, "#14.2 300 digits are a plain decimal");
		is_int(map_plain_decimal(big, 301), 0, "#14.2 301 digits are left to the range check");
		/* 1e308 and 2e308 written out: the range check decides (in range; beyond a double) */
		static const char *const edge[] = {"1", "2"};
		for (int k = 0; k < 2; k++) {
			struct buf why = BUF_INIT, got = BUF_INIT;
			struct err e = ERR_INIT;
			msgpack_object in, out;
			big[0] = edge[k][0];
			memset(big + 1, '0', 308);
			memcpy(big + 309, ".5", 3);
			int pr = rec_json_parse(big, 311, z, &in, &e);
			int r = pr == 0 ? map_conv(MT_NUMBER, &in, z, &out, &why) : -9;
			if (k == 0)
				ok(pr == 0 && in.type == MSGPACK_OBJECT_EXT && r == 0 && rec_json_append(&got, &out) == 0 &&
				    got.len == 311 && memcmp(got.p, big, 311) == 0, "#14.2 1e308 written out (311 characters) is a number");
			else
				ok(pr == 0 && r == -1 && strstr(why.p, "is beyond the range of a double"),
				    "#14.2 2e308 written out (311 characters) is beyond a double");
			buf_free(&why);
			buf_free(&got);
			msgpack_zone_clear(z);
		}
	}
	msgpack_zone_free(z);
	return tap_done();
}
