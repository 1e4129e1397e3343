/* test_map_fast: row-map's fast paths (#14.2) give what the general code gives.
 * - dates and date-times: map_conv (which tries the common forms first) against
 *   map_datetime (the general parser), on the common forms and on every one-byte change of
 *   them (each position set to each of a set of bytes), for datetime and date;
 * - integers to strings: map_conv against snprintf, on boundaries and a sweep. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map_conv.h"
#include "rec.h"
#include "tap.h"

static int bad;

/* one string, both types: the same result (text, or failure and reason) both ways */
static void
dt_same(const char *s, size_t n)
{
	for (int date_only = 0; date_only <= 1; date_only++) {
		msgpack_zone *z = msgpack_zone_new(1024);
		struct buf w1 = BUF_INIT, w2 = BUF_INIT;
		msgpack_object in = rec_strref(s, n), out;
		char tmp[64];
		int k = map_conv(date_only ? MT_DATE : MT_DATETIME, &in, z, &out, &w1);
		int g = map_datetime(s, n, date_only, tmp, &w2);
		int same = (k == 0) == (g >= 0);
		if (same && k == 0)
			same = out.type == MSGPACK_OBJECT_STR && out.via.str.size == (uint32_t)g &&
			    memcmp(out.via.str.ptr, tmp, (size_t)g) == 0;
		if (same && k != 0)
			same = w1.p && w2.p && strcmp(w1.p, w2.p) == 0;
		if (!same && bad++ < 5)
			printf("# differs (%s): '%.*s': fast %d '%.*s' / general %d '%s'\n",
			    date_only ? "date" : "datetime", (int)n, s, k,
			    k == 0 ? (int)out.via.str.size : 0, k == 0 ? out.via.str.ptr : "", g,
			    g >= 0 ? tmp : (w2.p ? w2.p : ""));
		buf_free(&w1), buf_free(&w2);
		msgpack_zone_free(z);
	}
}

static void
test_datetimes(void)
{
	static const char *const forms[] = {
		"2026-01-01", "1950-01-01", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29",
		"0001-01-01", "0000-12-31", "9999-12-31", "2026-13-01", "2026-00-10", "2026-04-31",
		"2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.001Z",
		"2026-01-01T23:59:59.123456789Z", "2026-01-01T23:59:59.1234567890Z",
		"2026-01-01T23:59:59.100Z", "2026-01-01T24:00:00Z", "2026-01-01T12:60:00Z",
		"2026-01-01T12:00:60Z", "2026-01-01T12:00:00.Z", "2026-01-01t12:00:00z",
		"2026-01-01 12:00:00Z", "2026-01-01T12:00:00", "2026-01-01T12:00:00+02:00",
		"2026-01-01T12:00Z", "2026-01-01T00:00:00.5Z", "0001-01-01T00:00:00Z",
	};
	static const char subst[] = "0123456789-:.TtZz +,\xc3";
	char s[64];
	for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
		size_t n = strlen(forms[f]);
		dt_same(forms[f], n);
		for (size_t cut = 0; cut < n; cut++) /* every prefix */
			dt_same(forms[f], cut);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < sizeof subst - 1; j++) {
				memcpy(s, forms[f], n);
				s[i] = subst[j];
				dt_same(s, n);
			}
		/* one byte more, at the end and before the Z */
		for (size_t j = 0; j < sizeof subst - 1 && n + 1 < sizeof s; j++) {
			memcpy(s, forms[f], n);
			s[n] = subst[j];
			dt_same(s, n + 1);
			if (n > 1) {
				memcpy(s, forms[f], n - 1);
				s[n - 1] = subst[j];
				s[n] = forms[f][n - 1];
				dt_same(s, n + 1);
			}
		}
	}
	ok(bad == 0, "#14.2 dates and date-times: the common forms' fast path gives what the general parser gives, "
	    "on each form, its prefixes and its one-byte changes (%d differ)", bad);
}

static void
int_same(int neg, uint64_t u)
{
	msgpack_zone *z = msgpack_zone_new(256);
	struct buf why = BUF_INIT;
	msgpack_object in, out;
	char want[32];
	if (neg) {
		in.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
		in.via.i64 = (int64_t)(0 - u);
		snprintf(want, sizeof want, "%" PRId64, in.via.i64);
	} else {
		in.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		in.via.u64 = u;
		snprintf(want, sizeof want, "%" PRIu64, u);
	}
	int k = map_conv(MT_STRING, &in, z, &out, &why);
	if ((k != 0 || out.type != MSGPACK_OBJECT_STR || out.via.str.size != strlen(want) ||
	    memcmp(out.via.str.ptr, want, strlen(want)) != 0) && bad++ < 5)
		printf("# integer %s: got %d '%.*s'\n", want, k, k == 0 ? (int)out.via.str.size : 0,
		    k == 0 ? out.via.str.ptr : "");
	buf_free(&why);
	msgpack_zone_free(z);
}

static void
test_ints(void)
{
	bad = 0;
	uint64_t p = 1;
	for (int i = 0; i < 20; i++, p *= 10) /* around each power of ten (up to 10^19) */
		for (uint64_t d = 0; d < 3; d++) {
			int_same(0, p + d);
			if (p > d)
				int_same(0, p - d);
			if (p > d && p - d <= (uint64_t)INT64_MAX + 1) /* a negative integer's magnitude */
				int_same(1, p - d);
			if (p + d <= (uint64_t)INT64_MAX + 1)
				int_same(1, p + d);
		}
	int_same(0, 0), int_same(0, UINT64_MAX), int_same(0, UINT64_MAX - 1);
	int_same(1, (uint64_t)INT64_MAX + 1); /* INT64_MIN */
	int_same(0, (uint64_t)INT64_MAX);
	for (uint64_t u = 0; u < 100000; u++)
		int_same(0, u), int_same(1, u + 1);
	for (uint64_t u = 1000000000000ull; u < 1000000100000ull; u += 7)
		int_same(0, u);
	ok(bad == 0, "#14.2 integers to strings: digits counted by compares, written four and two at a time, give what printf gives (%d differ)", bad);
}

int
main(void)
{
	test_datetimes();
	test_ints();
	return tap_done();
}
