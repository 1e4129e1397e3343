/* test_val_fast: the short paths of validate's hot loop (issue 14 §2) against what they
 * replace: names found through the hashed index (every name of each table, and every one-byte
 * change, one byte more or less: found exactly when the changed name is in the table too), the
 * issue texts against snprintf (cut at the same byte), RFC 3339 date-times against the day
 * arithmetic, plain decimals against the range rule, and the reader's one-load ASCII check of
 * short strings (invalid UTF-8 still refused, multi-byte still taken). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rec.h"
#include "tap.h"
#include "val_fmt.h"
#include "val_rules.h"

#define S(x) x, strlen(x)

static struct val_iso *iso;

/* the tables of lib/val_rules.c (docs/insider-rules.md) */
static const char *const user_keys[] = { "identifiers", "insider_id", "attributes", "events",
					 "not_append", "append", "object_attributes", NULL };
static const char *const ident_keys[] = { "email", "phone_number", "uuid", "em", "pn", "custom", NULL };
static const char *const attr_keys[] = {
	"email", "phone_number", "uuid", "email_optin", "gdpr_optin", "sms_optin", "whatsapp_optin",
	"name", "surname", "birthday", "gender", "age", "language", "country", "city",
	"static_segment_id", "list_id", "lo", "custom", "app_version", "idfa", "model", "last_ip",
	"carrier", "os_version", "platform", "timezone", "locale", "em", "pn", "na", "la", "ci", "co",
	"iid", "upta", NULL };
static const char *const event_keys[] = { "event_name", "timestamp", "event_params", NULL };
static const char *const param_keys[] = {
	"event_group_id", "product_id", "name", "taxonomy", "url", "currency", "quantity",
	"unit_price", "unit_sale_price", "locale", "color", "size", "shipping_cost",
	"promotion_name", "promotion_discount", "product_image_url", "stock", "session_id",
	"variant_id", "referrer", "user_agent", "custom", NULL };
static const char *const default_events[] = {
	"purchase", "confirmation_page_view", "journey_entered", "homepage_view",
	"listing_page_view", "product_detail_page_view", "cart_page_view", "other_page_view",
	"item_added_to_cart", "item_removed_from_cart", "cart_cleared", "coupon_received",
	"purchase_cancelled", "item_added_to_wishlist", "item_removed_from_wishlist",
	"email_bounce", "email_spam", "email_unsubscribe", "lead_collection_form_submit", "sign_up",
	"email_delivered", "email_open", "email_click", NULL };

static int
in_table(const char *const *t, const char *s, size_t n)
{
	for (; *t; t++)
		if (strlen(*t) == n && memcmp(*t, s, n) == 0)
			return 1;
	return 0;
}

/* ---- records built as objects (names may hold any byte) ---- */

static msgpack_object
str(const char *s, size_t n)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = s;
	o.via.str.size = (uint32_t)n;
	return o;
}

static msgpack_object
uint_(uint64_t v)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
	o.via.u64 = v;
	return o;
}

static msgpack_object
map(msgpack_object_kv *kv, uint32_t n)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_MAP;
	o.via.map.ptr = kv;
	o.via.map.size = n;
	return o;
}

static msgpack_object
arr(msgpack_object *a, uint32_t n)
{
	msgpack_object o;
	o.type = MSGPACK_OBJECT_ARRAY;
	o.via.array.ptr = a;
	o.via.array.size = n;
	return o;
}

static struct val_ctx *ctx;

/* whether val_check finds rule among the issues of u; the first such issue in *got */
static int
has_rule(const msgpack_object *u, int rule, const struct val_issue **got)
{
	const struct val_issue *is;
	if (val_check(ctx, u) < 0)
		return -1;
	for (size_t i = 0; (is = val_issue(ctx, i)); i++)
		if (is->rule == rule) {
			if (got)
				*got = is;
			return 1;
		}
	return 0;
}

/* where: 0 user key, 1 identifier key, 2 attribute, 3 event key, 4 event parameter; 1 when
 * val_check took name as a name of that table */
static int
known(int where, const char *name, size_t n)
{
	msgpack_object_kv top[3], ids[2], in[2], ev[3];
	msgpack_object events, one;
	msgpack_object bad; /* a value no table takes: an empty map */
	int rule = 0;
	bad = map(NULL, 0);
	ids[0].key = str(S("uuid"));
	ids[0].val = str(S("u"));
	top[0].key = str(S("identifiers"));
	top[0].val = map(ids, 1);
	top[1].key = str(S("attributes"));
	top[1].val = map(in, 1);
	in[0].key = str(S("name"));
	in[0].val = str(S("A"));
	switch (where) {
	case 0:
		top[2].key = str(name, n);
		top[2].val = uint_(1);
		rule = VR_USER_KEY;
		break;
	case 1:
		ids[1].key = str(name, n);
		ids[1].val = bad;
		top[0].val = map(ids, 2);
		top[2].key = str(S("_x"));
		top[2].val = uint_(0);
		rule = VR_IDENTIFIER_KEY;
		break;
	case 2:
		in[0].key = str(name, n);
		in[0].val = bad;
		top[2].key = str(S("_x"));
		top[2].val = uint_(0);
		rule = VR_ATTRIBUTE_UNKNOWN;
		break;
	case 3:
	case 4:
		ev[0].key = str(S("event_name"));
		ev[0].val = str(S("x"));
		ev[1].key = str(S("timestamp"));
		ev[1].val = str(S("2026-01-01T00:00:00Z"));
		ev[2].key = str(name, n);
		ev[2].val = where == 3 ? uint_(1) : map(in, 1);
		in[0].key = str(name, n);
		in[0].val = bad;
		if (where == 4) {
			ev[2].key = str(S("event_params"));
		}
		one = map(ev, 3);
		events = arr(&one, 1);
		top[1].key = str(S("events"));
		top[1].val = events;
		top[2].key = str(S("_x"));
		top[2].val = uint_(0);
		rule = where == 3 ? VR_EVENT_KEY : VR_EVENT_PARAM_UNKNOWN;
		break;
	}
	msgpack_object u = map(top, 3);
	const struct val_issue *is = NULL;
	int r = has_rule(&u, rule, &is);
	if (r == 1 && where == 2 &&
	    strcmp(is->message, "not a default attribute of Insider (custom attributes go under attributes.custom)") != 0)
		r = 0; /* a short code: a name of the table, told apart */
	return r == 0;
}

/* each name of t found, and each changed name found exactly when t holds it; 1 when all */
static int
table_ok(int where, const char *const *t, const char *what)
{
	int good = 1;
	char b[64];
	for (const char *const *p = t; *p; p++) {
		size_t n = strlen(*p);
		if (!known(where, *p, n)) {
			printf("# %s: %s not found\n", what, *p);
			good = 0;
		}
		for (size_t i = 0; i < n; i++)
			for (int c = 0; c < 4; c++) {
				static const char repl[] = { 'a', '_', '\0', (char)0xc3 };
				memcpy(b, *p, n);
				if (b[i] == repl[c] || (where == 0 && i == 0 && repl[c] == '_'))
					continue; /* (a user key starting with '_' is metadata) */
				b[i] = repl[c];
				if (known(where, b, n) != in_table(t, b, n)) {
					printf("# %s: %s changed at %zu: wrong\n", what, *p, i);
					good = 0;
				}
			}
		memcpy(b, *p, n);
		b[n] = 's';
		good &= known(where, b, n + 1) == in_table(t, b, n + 1);
		good &= known(where, b, n - 1) == in_table(t, b, n - 1);
		good &= known(where, b + 1, n - 1) == in_table(t, b + 1, n - 1);
	}
	good &= !known(where, "", 0);
	return good;
}

/* the too-old message of an event named name (default events: their retention) */
static int
retention_ok(const char *name, size_t n)
{
	msgpack_object_kv top[2], ids[1], ev[2];
	char want[1024];
	const struct val_issue *is = NULL;
	ids[0].key = str(S("uuid"));
	ids[0].val = str(S("u"));
	ev[0].key = str(S("event_name"));
	ev[0].val = str(name, n);
	ev[1].key = str(S("timestamp"));
	ev[1].val = str(S("2000-01-01T00:00:00Z"));
	msgpack_object one = map(ev, 2);
	top[0].key = str(S("identifiers"));
	top[0].val = map(ids, 1);
	top[1].key = str(S("events"));
	top[1].val = arr(&one, 1);
	msgpack_object u = map(top, 2);
	if (has_rule(&u, VR_EVENT_TOO_OLD, &is) != 1)
		return 0;
	/* now 2026-01-01: 9497 days after 2000-01-01 */
	snprintf(want, sizeof want,
		 "%lld days old: Insider keeps %.*s events %ld days and drops older ones silently",
		 9497LL, (int)n, name, val_retention_days(name, n));
	return strcmp(is->message, want) == 0 && strcmp(is->field, "events.0.timestamp") == 0;
}

/* ---- the reader ---- */

/* reads bytes as a MessagePack stream: the number of records read before the end (0 when
 * the first record is refused), -1 on a refusal after them */
static int
read_stream(const char *p, size_t n, char *msg, size_t len)
{
	FILE *f = tmpfile();
	struct rec_reader *r;
	struct err e = ERR_INIT;
	msgpack_object o;
	int got, count = 0;
	msg[0] = 0;
	if (!f || fwrite(p, 1, n, f) != n || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)
		return -2;
	r = rec_reader_new(fileno(f), 0);
	while ((got = rec_read(r, &o, &e)) == 1)
		count++;
	if (got < 0) {
		snprintf(msg, len, "%s", e.msg);
		count = -1;
	}
	rec_reader_free(r);
	fclose(f);
	return count;
}

/* a text snprintf cut at max bytes loses a character it cut in two (what validate does) */
static void
char_cut(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n < max)
		return;
	for (size_t start = n; start > 0 && n - start < 4; start--) {
		unsigned char c = (unsigned char)s[start - 1];
		if ((c & 0xC0) == 0x80)
			continue; /* inside a character: look further back */
		size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (n - (start - 1) < want)
			s[start - 1] = 0;
		return;
	}
}

int
main(void)
{
	struct err e = ERR_INIT;
	char msg[1100];
	iso = val_iso_load(NULL, &e);
	ok(iso != NULL, "iso-codes load");
	struct val_cfg cfg = { iso, NULL, 1767225600 /* 2026-01-01 */, -1, 0 };
	ctx = val_ctx_new(&cfg);
	ok(ctx != NULL, "context");

	/* names: every table through its index */
	ok(table_ok(0, user_keys, "user"), "#14.2 user keys: each found, each changed name not");
	ok(table_ok(1, ident_keys, "identifiers"), "#14.2 identifier keys: each found, each changed name not");
	ok(table_ok(2, attr_keys, "attributes"), "#14.2 attribute names: each found, each changed name not");
	ok(table_ok(3, event_keys, "event"), "#14.2 event keys: each found, each changed name not");
	ok(table_ok(4, param_keys, "params"), "#14.2 event parameters: each found, each changed name not");
	{
		int good = 1;
		char b[64];
		for (const char *const *p = default_events; *p; p++) {
			size_t n = strlen(*p);
			good &= retention_ok(*p, n);
			memcpy(b, *p, n);
			b[n - 1] = b[n - 1] == 'a' ? 'b' : 'a';
			good &= retention_ok(b, n); /* a custom event (or another default one) */
			b[n - 1] = (*p)[n - 1];
			b[n] = 'x';
			good &= retention_ok(b, n + 1);
		}
		ok(good, "#14.2 default events: each one's retention in the too-old message, changed names too");
	}

	/* issue texts: the same as snprintf, cut at the same byte */
	{
		int good = 1;
		static char name[1300];
		char want[1024];
		for (size_t n = 480; n < sizeof name; n += 7) {
			for (size_t i = 0; i < n; i++)
				name[i] = (char)(i % 3 == 2 && i % 5 ? 0xa9 : i % 3 == 1 && i % 5 ? 0xc3 : 'k');
			msgpack_object_kv top[3], ids[2], cu[1];
			cu[0].key = str(name, n);
			cu[0].val = uint_(7);
			ids[0].key = str(S("uuid"));
			ids[0].val = str(S("u"));
			ids[1].key = str(S("custom"));
			ids[1].val = map(cu, 1);
			top[0].key = str(S("identifiers"));
			top[0].val = map(ids, 2);
			top[1].key = str(S("attributes"));
			top[1].val = map(NULL, 0);
			msgpack_object u = map(top, 2);
			const struct val_issue *is = NULL;
			if (has_rule(&u, VR_IDENTIFIER_TYPE, &is) != 1) {
				good = 0;
				continue;
			}
			snprintf(want, 512, "identifiers.custom.%.*s", (int)n, name);
			char_cut(want, 511);
			good &= strcmp(is->field, want) == 0;
			snprintf(want, 900, "%.*s must be string: %s", (int)n, name, "7");
			char_cut(want, 899);
			good &= strcmp(is->message, want) == 0;
		}
		ok(good, "#14.2 long names: field and message as snprintf cuts them (511 and 899 bytes), then on a character boundary");
		/* %.*s stops at a NUL byte, as printf's does */
		msgpack_object_kv top[2], ids[2], cu[1];
		cu[0].key = str("ab\0cd", 5);
		cu[0].val = uint_(7);
		ids[0].key = str(S("uuid"));
		ids[0].val = str(S("u"));
		ids[1].key = str(S("custom"));
		ids[1].val = map(cu, 1);
		top[0].key = str(S("identifiers"));
		top[0].val = map(ids, 2);
		top[1].key = str(S("attributes"));
		top[1].val = map(NULL, 0);
		msgpack_object u = map(top, 2);
		const struct val_issue *is = NULL;
		ok(has_rule(&u, VR_IDENTIFIER_TYPE, &is) == 1 && strcmp(is->field, "identifiers.custom.ab") == 0 &&
			   strcmp(is->message, "ab must be string: 7") == 0,
		   "#14.2 a name with a NUL byte: cut there, as printf does");
		/* %u: the event's index */
		msgpack_object evs[12];
		msgpack_object_kv ev[12][2];
		for (int i = 0; i < 12; i++) {
			ev[i][0].key = str(S("event_name"));
			ev[i][0].val = str(S("e"));
			ev[i][1].key = str(S("timestamp"));
			ev[i][1].val = str(i == 11 ? "2026-13-01T00:00:00Z" : "2026-01-01T00:00:00Z", 20);
			evs[i] = map(ev[i], 2);
		}
		top[1].key = str(S("events"));
		top[1].val = arr(evs, 12);
		top[0].val = map(ids, 1);
		u = map(top, 2);
		ok(has_rule(&u, VR_EVENT_TIMESTAMP, &is) == 1 && strcmp(is->field, "events.11.timestamp") == 0 &&
			   strcmp(is->message, "not an RFC 3339 date-time (2021-01-10T21:35:20Z): 2026-13-01T00:00:00Z") == 0,
		   "#14.2 an event's index in the field");
	}

	/* date-times: the epoch against val_fmt_days_from_civil, and the bounds of the years */
	{
		int good = 1;
		char t[40];
		for (int y = 0; y <= 9999; y++)
			for (unsigned m = 1; m <= 12; m++) {
				int64_t ep = 0;
				unsigned d = m == 2 ? 28 : 1 + (unsigned)y % 30;
				snprintf(t, sizeof t, "%04d-%02u-%02uT12:34:56Z", y, m, d);
				int r = val_fmt_rfc3339(S(t), &ep, NULL);
				if (y == 0)
					good &= r == -1;
				else
					good &= r == 0 && ep == val_fmt_days_from_civil(y, m, d) * 86400 + 45296;
			}
		ok(good, "#14.2 RFC 3339: every year's epoch as val_fmt_days_from_civil gives it");
		int64_t ep = 0;
		ok(val_fmt_rfc3339(S("0001-01-01T00:00:00Z"), &ep, NULL) == 0 &&
			   ep == val_fmt_days_from_civil(1, 1, 1) * 86400, "#14.2 first second of year 1");
		is_int(val_fmt_rfc3339(S("0001-01-01T00:00:00+00:01"), NULL, NULL), -1, "#14.2 before year 1 in UTC");
		ok(val_fmt_rfc3339(S("9999-12-31T23:59:59Z"), &ep, NULL) == 0 &&
			   ep == val_fmt_days_from_civil(10000, 1, 1) * 86400 - 1, "#14.2 last second of year 9999");
		is_int(val_fmt_rfc3339(S("9999-12-31T23:59:59-00:01"), NULL, NULL), -1, "#14.2 after year 9999 in UTC");
		ok(val_fmt_rfc3339(S("0001-01-01T00:59:59+01:00"), NULL, NULL) == -1 &&
			   val_fmt_rfc3339(S("0001-01-01T01:00:00+01:00"), NULL, NULL) == 0, "#14.2 year 1 with an offset");
	}

	/* plain decimals: the short path and the bound */
	{
		static char b[400];
		memset(b, '9', sizeof b);
		is_int(val_fmt_number_in_range(b, 300), 1, "#14.2 300 nines: in range");
		is_int(val_fmt_number_in_range(b, 308), 1, "#14.2 308 nines: in range (e307)");
		is_int(val_fmt_number_in_range(b, 309), 0, "#14.2 309 nines: beyond");
		b[0] = '1';
		memset(b + 1, '0', 308);
		is_int(val_fmt_number_in_range(b, 309), 1, "#14.2 1e308 written out: in range");
		b[0] = '-';
		b[1] = '2';
		is_int(val_fmt_number_in_range(b, 310), 0, "#14.2 -2e308 written out: beyond");
		memcpy(b, "0.", 2);
		memset(b + 2, '0', 320);
		b[322] = '5';
		is_int(val_fmt_number_in_range(b, 323), 1, "#14.2 a tiny long decimal: in range");
		is_int(val_fmt_number_in_range(S("12.50")), 1, "#14.2 12.50");
		is_int(val_fmt_number_in_range(S("-0.0")), 1, "#14.2 -0.0");
		is_int(val_fmt_number_in_range(S("007")), 1, "#14.2 007 (the rule reads it as 7)");
		is_int(val_fmt_number_in_range(S("1.")), 0, "#14.2 1. is no number");
		is_int(val_fmt_number_in_range(S(".5")), 0, "#14.2 .5 is no number");
		is_int(val_fmt_number_in_range(S("-")), 0, "#14.2 - is no number");
		is_int(val_fmt_number_in_range(S("1.2.3")), 0, "#14.2 1.2.3 is no number");
		is_int(val_fmt_number_in_range(S("1e5")), 1, "#14.2 1e5 (the long path)");
	}

	/* the reader's short strings: one 8-byte load when 8 bytes follow, the loop otherwise */
	{
		/* {"a": S, "bcdefghij": 1} with S a short string: 8 bytes and more follow S */
		char rec[64];
		size_t n;
		n = 0;
		rec[n++] = (char)0x82;
		rec[n++] = (char)0xa1, rec[n++] = 'a';
		rec[n++] = (char)0xa3, rec[n++] = 'x', rec[n++] = (char)0xff, rec[n++] = 'y';
		rec[n++] = (char)0xa9;
		memcpy(rec + n, "bcdefghij", 9), n += 9;
		rec[n++] = 1;
		is_int(read_stream(rec, n, msg, sizeof msg), -1, "#14.2 invalid UTF-8 in a 3-byte string before more bytes: refused");
		ok(strstr(msg, "invalid UTF-8") != NULL, "#14.2 ... as invalid UTF-8");
		rec[5] = (char)0xc3, rec[6] = (char)0xa9; /* "xé" */
		is_int(read_stream(rec, n, msg, sizeof msg), 1, "#14.2 a 3-byte string with a two-byte character: read");
		rec[4] = (char)0xc3, rec[5] = (char)0xa9, rec[6] = 'y'; /* "éy" */
		is_int(read_stream(rec, n, msg, sizeof msg), 1, "#14.2 ... the character first: read");
		rec[4] = 'y', rec[5] = 'y', rec[6] = (char)0xc3; /* a cut character at the end */
		is_int(read_stream(rec, n, msg, sizeof msg), -1, "#14.2 a string ending inside a character: refused");
		/* a key with a byte >= 0x80 in the bytes after it (the next header): still ASCII */
		n = 0;
		rec[n++] = (char)0x82;
		rec[n++] = (char)0xa1, rec[n++] = 'a';
		rec[n++] = (char)0xa1, rec[n++] = 'x';
		rec[n++] = (char)0xa7;
		memcpy(rec + n, "bcdefgh", 7), n += 7;
		rec[n++] = (char)0xc3;
		rec[n++] = (char)0x80; /* a second record: {} */
		is_int(read_stream(rec, n, msg, sizeof msg), 2, "#14.2 short strings followed by bytes >= 0x80: read");
		/* an empty string, a 7-byte one with its last byte invalid, 8 bytes after */
		n = 0;
		rec[n++] = (char)0x82;
		rec[n++] = (char)0xa0;
		rec[n++] = (char)0xa7;
		memcpy(rec + n, "abcdef\x80", 7), n += 7;
		rec[n++] = (char)0xa1, rec[n++] = 'k';
		rec[n++] = (char)0xa7;
		memcpy(rec + n, "1234567", 7), n += 7;
		is_int(read_stream(rec, n, msg, sizeof msg), -1, "#14.2 an invalid 7th byte: refused");
		rec[9] = 'g';
		is_int(read_stream(rec, n, msg, sizeof msg), 1, "#14.2 ... and valid when it is ASCII");
	}
	val_ctx_free(ctx);
	val_iso_free(iso);
	return tap_done();
}
