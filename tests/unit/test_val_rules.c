/* test_val_rules: rule names, the short-code table, retention, and val_check's issues. */
#include <stdio.h>
#include <string.h>
#include "rec.h"
#include "tap.h"
#include "val_rules.h"

#define S(x) x, strlen(x)

static struct val_iso *iso;

/* checks json with cfg; returns the issues as "rule@field;..." in out */
static int
run(const char *json, const struct val_schema *schema, int strict, char *out, size_t len)
{
	struct err e = ERR_INIT;
	msgpack_zone *z = msgpack_zone_new(4096);
	msgpack_object o;
	struct val_cfg cfg = { iso, schema, 1767225600 /* 2026-01-01 */, -1, strict };
	struct val_ctx *c = val_ctx_new(&cfg);
	const struct val_issue *is;
	int n = -2;
	size_t used = 0;
	out[0] = 0;
	if (z && c && rec_json_parse(S(json), z, &o, &e) == 0) {
		n = val_check(c, &o);
		for (size_t i = 0; (is = val_issue(c, i)) && used < len; i++)
			used += (size_t)snprintf(out + used, len - used, "%s%s@%s", i ? ";" : "",
						 val_rule_name(is->rule), is->field);
	}
	val_ctx_free(c);
	msgpack_zone_free(z);
	return n;
}

int
main(void)
{
	struct err e = ERR_INIT;
	char got[2048];
	int i, distinct = 1;
	iso = val_iso_load(NULL, &e);
	ok(iso != NULL, "iso-codes load");
	for (i = 0; i < VR__N; i++) {
		const char *n = val_rule_name(i);
		distinct &= n[0] != '?' && val_rule_from_name(n) == i;
	}
	ok(distinct, "every rule has a distinct name");
	is_str(val_rule_name(VR_EVENT_TOO_OLD), "event-too-old", "a stable name");
	is_int(val_rule_from_name("nope"), -1, "unknown name");
	ok(val_rule_is_warning(VR_EVENT_TOO_OLD) && val_rule_is_warning(VR_NULL_VALUE), "warnings");
	ok(!val_rule_is_warning(VR_IDENTIFIER_EMAIL), "an error");
	is_int(val_retention_days(S("purchase")), 730, "purchase 730 days");
	is_int(val_retention_days(S("confirmation_page_view")), 730, "confirmation_page_view 730");
	is_int(val_retention_days(S("email_click")), 365, "email_click 365");
	is_int(val_retention_days(S("homepage_view")), 90, "homepage_view 90");
	is_int(val_retention_days(S("form_submitted")), 90, "custom 90");
	is_int(val_retention_days(S("sign_up")), 365, "sign_up 365");
	is_int(val_retention_days(S("journey_entered")), 730, "journey_entered 730");
	is_int(val_retention_days(S("item_removed_from_wishlist")), 90, "item_removed_from_wishlist 90");

	is_int(run("{\"identifiers\":{\"uuid\":\"u\"},\"attributes\":{\"name\":\"A\"}}", NULL, 0, got, sizeof got), 0,
	       "valid");
	is_int(run("{\"identifiers\":{\"uuid\":\"u\"},\"attributes\":{\"em\":\"a@b.c\",\"pn\":\"+6598765432\",\"upta\":1}}",
		   NULL, 0, got, sizeof got), 3, "short codes");
	is_str(got, "attribute-unknown@attributes.em;attribute-unknown@attributes.pn;attribute-unknown@attributes.upta",
	       "short codes: fields");
	run("{\"identifiers\":{\"uuid\":\"u\"},\"attributes\":{\"co\":\"SG\"}}", NULL, 0, got, sizeof got);
	{
		/* the message names the long form */
		struct err e2 = ERR_INIT;
		msgpack_zone *z = msgpack_zone_new(1024);
		msgpack_object o;
		struct val_cfg cfg = { iso, NULL, 0, -1, 0 };
		struct val_ctx *c = val_ctx_new(&cfg);
		const char *j = "{\"identifiers\":{\"uuid\":\"u\"},\"attributes\":{\"co\":\"SG\",\"la\":\"en\",\"iid\":\"x\"}}";
		ok(rec_json_parse(S(j), z, &o, &e2) == 0 && val_check(c, &o) == 3, "aliases");
		is_str(val_issue(c, 0)->message, "Insider's short code of country: send the long name", "co");
		is_str(val_issue(c, 1)->message, "Insider's short code of language: send the long name", "la");
		is_str(val_issue(c, 2)->message, "Insider's short code of insider_id: send the long name", "iid");
		val_ctx_free(c);
		msgpack_zone_free(z);
	}
	{
		/* a value with a control character is quoted: a reason stays one line */
		struct err e2 = ERR_INIT;
		msgpack_zone *z = msgpack_zone_new(1024);
		msgpack_object o;
		struct val_cfg cfg = { iso, NULL, 0, -1, 0 };
		struct val_ctx *c = val_ctx_new(&cfg);
		const char *j = "{\"identifiers\":{\"email\":\"a\\nb@c\"},\"attributes\":{\"name\":\"x\"}}";
		ok(rec_json_parse(S(j), z, &o, &e2) == 0 && val_check(c, &o) == 1, "email with a newline");
		is_str(val_issue(c, 0)->message, "not a valid email address: \"a\\nb@c\"", "quoted");
		val_ctx_free(c);
		msgpack_zone_free(z);
	}
	/* metadata keys are ignored by the rules */
	is_int(run("{\"_x\":{\"bad\":1},\"identifiers\":{\"uuid\":\"u\"},\"events\":[{\"event_name\":\"a\",\"timestamp\":\"2025-12-31T00:00:00Z\"}]}",
		   NULL, 0, got, sizeof got), 0, "metadata ignored");
	/* warnings and strict */
	is_int(run("{\"identifiers\":{\"uuid\":\"u\"},\"attributes\":{\"name\":null}}", NULL, 0, got, sizeof got), 1,
	       "null: one issue");
	is_str(got, "null-value@attributes.name", "null: field");
	/* a non-object record */
	is_int(run("[1]", NULL, 0, got, sizeof got), 1, "array record");
	is_str(got, "user-type@", "array record: user-type");
	/* many failures: the first VAL_MAX_ISSUES are kept */
	{
		struct buf b = BUF_INIT;
		int good = buf_adds(&b, "{\"identifiers\":{\"uuid\":\"u\"},\"attributes\":{") == 0;
		for (i = 0; i < 100; i++)
			good &= buf_printf(&b, "%s\"x%d\":1", i ? "," : "", i) == 0;
		good &= buf_adds(&b, "}}") == 0;
		is_int(good ? run(b.p, NULL, 0, got, sizeof got) : -1, 100, "100 failures counted");
		buf_free(&b);
	}
	val_iso_free(iso);
	return tap_done();
}
