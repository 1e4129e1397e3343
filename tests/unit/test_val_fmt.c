/* test_val_fmt: the hand-written format checkers against the regexes they replace. */
#include <string.h>
#include "tap.h"
#include "val_fmt.h"

#define S(x) x, strlen(x)

int
main(void)
{
	int64_t t;
	int z;
	/* ^.+@.+\..+$ */
	ok(val_fmt_email(S("a@b.c")), "email: shortest");
	ok(val_fmt_email(S("first.last+tag@sub.example.co.uk")), "email: common form");
	ok(val_fmt_email(S("a@b@c.d")), "email: two @ (the regex allows it)");
	ok(val_fmt_email(S("@@b.c")), "email: '@' as the first .+ (the regex allows it)");
	ok(val_fmt_email(S("a@.b.c")), "email: the .+ after @ may be a dot");
	ok(!val_fmt_email(S("sample")), "email: no @");
	ok(!val_fmt_email(S("@b.c")), "email: nothing before @");
	ok(!val_fmt_email(S("a@b.")), "email: nothing after the dot");
	ok(!val_fmt_email(S("a@.c")), "email: nothing between @ and dot");
	ok(!val_fmt_email(S("a@bc")), "email: no dot after @");
	ok(!val_fmt_email(S("a.b@c")), "email: the dot before @ does not count");
	ok(!val_fmt_email(S("a@b.c\n")), "email: newline ('.' does not match it)");
	ok(!val_fmt_email(S("")), "email: empty");
	/* ^\+[1-9]\d{6,14}$ */
	ok(val_fmt_phone(S("+6598765432")), "phone: Singapore");
	ok(val_fmt_phone(S("+1234567")), "phone: 7 digits");
	ok(val_fmt_phone(S("+123456789012345")), "phone: 15 digits");
	ok(!val_fmt_phone(S("+12345678901234567")), "phone: 16 digits");
	ok(!val_fmt_phone(S("+123456")), "phone: 6 digits");
	ok(!val_fmt_phone(S("6598765432")), "phone: no +");
	ok(!val_fmt_phone(S("+0598765432")), "phone: leading 0");
	ok(!val_fmt_phone(S("+65 9876543")), "phone: space");
	ok(!val_fmt_phone(S("+65987654３2")), "phone: non-ASCII digit");
	/* event names */
	ok(val_fmt_event_name(S("purchase")), "event: purchase");
	ok(val_fmt_event_name(S("0day.x-y_z")), "event: digits, dot, dash, underscore");
	ok(!val_fmt_event_name(S("homepageView")), "event: upper case");
	ok(!val_fmt_event_name(S("_x")), "event: leading underscore");
	ok(!val_fmt_event_name(S("a b")), "event: space");
	ok(!val_fmt_event_name(S("")), "event: empty");
	/* RFC 3339 */
	ok(val_fmt_rfc3339(S("1970-01-01T00:00:00Z"), &t, &z) == 0 && t == 0 && z, "rfc3339: epoch");
	ok(val_fmt_rfc3339(S("2021-01-17T14:41:21+03:00"), &t, &z) == 0 && t == 1610883681 && !z,
	   "rfc3339: offset");
	ok(val_fmt_rfc3339(S("2021-01-17T11:41:21.123456789Z"), &t, &z) == 0 && t == 1610883681 && z,
	   "rfc3339: fraction");
	ok(val_fmt_rfc3339(S("1969-12-31T23:59:59-00:30"), &t, NULL) == 0 && t == 1799,
	   "rfc3339: before the epoch, negative offset");
	ok(val_fmt_rfc3339(S("2000-02-29T00:00:00Z"), NULL, NULL) == 0, "rfc3339: leap day 2000");
	ok(val_fmt_rfc3339(S("2016-12-31T23:59:60Z"), NULL, NULL) < 0, "rfc3339: leap second 60 refused");
	ok(val_fmt_rfc3339(S("1900-02-29T00:00:00Z"), NULL, NULL) < 0, "rfc3339: 1900 is no leap year");
	ok(val_fmt_rfc3339(S("2021-04-31T00:00:00Z"), NULL, NULL) < 0, "rfc3339: April 31");
	ok(val_fmt_rfc3339(S("2021-13-01T00:00:00Z"), NULL, NULL) < 0, "rfc3339: month 13");
	ok(val_fmt_rfc3339(S("2021-01-01T24:00:00Z"), NULL, NULL) < 0, "rfc3339: hour 24");
	ok(val_fmt_rfc3339(S("2021-01-01t00:00:00z"), NULL, NULL) < 0, "rfc3339: lower-case t, z");
	ok(val_fmt_rfc3339(S("2021-01-01T00:00:00"), NULL, NULL) < 0, "rfc3339: no zone");
	ok(val_fmt_rfc3339(S("2021-01-01T00:00:00.Z"), NULL, NULL) < 0, "rfc3339: empty fraction");
	ok(val_fmt_rfc3339(S("2021-01-01T00:00:00+0300"), NULL, NULL) < 0, "rfc3339: offset without colon");
	ok(val_fmt_rfc3339(S("2021-01-01T00:00:00+24:00"), NULL, NULL) < 0, "rfc3339: offset hour 24");
	ok(val_fmt_rfc3339(S("2021-01-01 00:00:00Z"), NULL, NULL) < 0, "rfc3339: space");
	ok(val_fmt_rfc3339(S("2021-01-01T00:00:00Zx"), NULL, NULL) < 0, "rfc3339: trailing text");
	ok(val_fmt_rfc3339(S("2021-01-01"), NULL, NULL) < 0, "rfc3339: a date only");
	is_int(val_fmt_days_from_civil(2026, 1, 1), 20454, "days_from_civil 2026-01-01");
	is_int(val_fmt_days_from_civil(1, 1, 1), -719162, "days_from_civil 0001-01-01");
	return tap_done();
}
