/* test_ins_resp: Insider's answers: fail.errors keys mapped to users, messages, schema. */
#include <string.h>
#include "buf.h"
#include "ins_meta.h"
#include "ins_push.h"
#include "ins_resp.h"
#include "tap.h"

static void
key(const char *k, long user, const char *field, const char *rule)
{
	unsigned long u;
	const char *f, *r;
	size_t fn, rn;
	int ret = ins_error_key(k, strlen(k), &u, &f, &fn, &r, &rn);
	if (user < 0) {
		is_int(ret, -1, "key %s names no user", k);
		return;
	}
	char fb[200], rb[200];
	snprintf(fb, sizeof fb, "%.*s", (int)fn, f);
	snprintf(rb, sizeof rb, "%.*s", (int)rn, r);
	ok(ret == 0 && (long)u == user && strcmp(fb, field) == 0 && strcmp(rb, rule) == 0,
		"key %s -> user %ld, field '%s', rule '%s'", k, user, field, rule);
	if (ret != 0 || (long)u != user || strcmp(fb, field) || strcmp(rb, rule))
		printf("#   got %d %lu '%s' '%s'\n", ret, u, fb, rb);
}

int
main(void)
{
	struct err e = ERR_INIT;
	key("users.0.events.0.event_params.*.required", 0, "events.0.event_params", "required");
	key("users.12.identifiers.*.regexp(^.+@.+\\..+$)", 12, "identifiers", "regexp(^.+@.+\\..+$)");
	key("users.3.identifiers.required", 3, "identifiers", "required");
	key("users.999.insider_id.required", 999, "insider_id", "required");
	key("users.0.identifiers.*.regexp(^\\+[1-9]\\d{6,14}$)", 0, "identifiers", "regexp(^\\+[1-9]\\d{6,14}$)");
	key("users.1.events.2.event_name.*.regexp(^[a-z0-9][a-zA-Z0-9._-]*$)", 1, "events.2.event_name", "regexp(^[a-z0-9][a-zA-Z0-9._-]*$)");
	key("users.4.required", 4, "", "required");
	key("users.5", 5, "", "");
	key("users.", -1, "", "");
	key("users.x.identifiers.required", -1, "", "");
	key("users.01.identifiers.required", -1, "", "");
	key("user.1.identifiers.required", -1, "", "");
	key("users.99999999999999999999.a.b", -1, "", "");
	key("users.1x.a", -1, "", "");

	const char *body = "{\"data\":{\"successful\":{\"count\":1},\"fail\":{\"count\":2,\"errors\":{"
		"\"users.0.events.0.event_params.*.required\":[\"event_group_id parameter is required on purchase event\","
		"\"unit_sale_price parameter is required on purchase event\"],"
		"\"users.2.identifiers.*.regexp(^.+@.+\\\\..+$)\":[\"not a valid email address: sample\"],"
		"\"users.7.identifiers.required\":[\"out of range\"]}}}}";
	struct ins_resp r;
	ok(ins_resp_parse(body, strlen(body), 3, &r, &e) == 0, "parse");
	is_int(r.understood, 1, "understood");
	is_int(r.successful, 1, "successful.count");
	is_int(r.failed, 2, "fail.count");
	is_int(r.nfails, 3, "three keys");
	is_int(r.fails[0].user, 0, "first key: user 0");
	is_int(r.fails[0].nmsgs, 2, "two messages");
	is_str(r.fails[0].msgs[1], "unit_sale_price parameter is required on purchase event", "message kept");
	is_int(r.fails[1].user, 2, "second key: user 2");
	is_str(r.fails[1].rule, "regexp(^.+@.+\\..+$)", "rule with dots");
	is_str(r.fails[1].field, "identifiers", "field");
	is_int(r.fails[2].user, -1, "index past the request: no user");
	is_str(r.fails[2].key, "users.7.identifiers.required", "key kept for the warning");
	ins_resp_free(&r);

	const char *okb = "{\"data\":{\"successful\":{\"count\":2},\"fail\":{}}}";
	ok(ins_resp_parse(okb, strlen(okb), 2, &r, &e) == 0 && r.understood && r.successful == 2
		&& r.failed == 0 && r.nfails == 0, "all good: fail {} counts 0");
	ins_resp_free(&r);
	const char *emp = "{\"data\":{\"successful\":{},\"fail\":{\"count\":1,\"errors\":{\"users.0.x.y\":[]}}}}";
	ok(ins_resp_parse(emp, strlen(emp), 1, &r, &e) == 0 && r.successful == 0 && r.nfails == 1
		&& r.fails[0].nmsgs == 1 && strcmp(r.fails[0].msgs[0], "users.0.x.y") == 0,
		"empty message list: the key stands as message");
	ins_resp_free(&r);
	const char *odd = "{\"data\":{\"fail\":{\"errors\":{\"users.0.a.b\":\"one\",\"users.0.c.d\":{\"k\":1},\"users.0.e.f\":[1,true]}}}}";
	ok(ins_resp_parse(odd, strlen(odd), 1, &r, &e) == 0 && r.nfails == 3
		&& strcmp(r.fails[0].msgs[0], "one") == 0 && strcmp(r.fails[1].msgs[0], "{\"k\":1}") == 0
		&& strcmp(r.fails[2].msgs[1], "true") == 0, "messages of other shapes as text");
	ins_resp_free(&r);
	ok(ins_resp_parse("<html>", 6, 1, &r, &e) == 0 && !r.understood && r.nfails == 0, "HTML: not understood");
	ins_resp_free(&r);
	ok(ins_resp_parse("", 0, 1, &r, &e) == 0 && !r.understood, "empty: not understood");
	ins_resp_free(&r);

	char m[64];
	ins_resp_message("{\"error\":\"users must be defined: bad request\"}", 46, m, sizeof m);
	is_str(m, "users must be defined: bad request", "error string");
	const char *mb = "{\"success\":false,\"message\":\"Partner is invalid.\"}";
	ins_resp_message(mb, strlen(mb), m, sizeof m);
	is_str(m, "Partner is invalid.", "message string");
	const char *html = "<html>\r\n<body>502 Bad\tGateway</body>\n</html>";
	ins_resp_message(html, strlen(html), m, sizeof m);
	is_str(m, "<html> <body>502 Bad Gateway</body> </html>", "HTML flattened");
	ins_resp_message("abcdefghij", 10, m, 5);
	is_str(m, "abcd", "cut to fit");

	const char *weird = "{\"data\":{\"successful\":[1],\"fail\":{}}}";
	ok(ins_resp_parse(weird, strlen(weird), 1, &r, &e) == 0 && r.understood && r.successful == -2
		&& r.failed == 0, "#10.6 successful not an object: -2");
	ins_resp_free(&r);
	const char *nofail = "{\"data\":{\"successful\":{\"count\":1}}}";
	ok(ins_resp_parse(nofail, strlen(nofail), 1, &r, &e) == 0 && r.successful == 1
		&& r.failed == -1, "#10.6 fail absent: -1");
	ins_resp_free(&r);
	const char *badc = "{\"data\":{\"successful\":{\"count\":\"x\"},\"fail\":{}}}";
	ok(ins_resp_parse(badc, strlen(badc), 1, &r, &e) == 0 && r.successful == -2,
		"#10.6 a count that is no number: -2");
	ins_resp_free(&r);
	char low[16];
	ins_lower("MyBrand", low, sizeof low);
	is_str(low, "mybrand", "partner lowercased");
	ok(ins_check_partner("my brand", &e) < 0 && e.status == XIT_CONFIG, "partner with a space refused");
	ok(ins_check_token("a\nb", &e) < 0 && e.status == XIT_CONFIG && !strstr(e.msg, "a\nb"), "token with a newline refused, not shown");
	char url[128];
	ok(ins_endpoint("http://127.0.0.1:8080/", "/api/user/v1/upsert", url, sizeof url, &e) == 0, "loopback http");
	is_str(url, "http://127.0.0.1:8080/api/user/v1/upsert", "endpoint joined");
	ok(ins_endpoint("http://example.com", "/x", url, sizeof url, &e) < 0 && e.status == XIT_CONFIG, "plain http elsewhere: 78");
	ok(ins_endpoint(NULL, "/x", url, sizeof url, &e) == 0 && strcmp(url, "https://unification.useinsider.com/x") == 0, "default URL");

	/* schema from the metadata call */
	const char *ca = "[{\"key\":\"email\",\"display_name\":\"Email\",\"type\":\"string\"},"
		"{\"key\":\"c_tier\",\"display_name\":\"Tier\",\"type\":\"string\"},"
		"{\"key\":\"c_tags\",\"type\":\"array\"},{\"key\":\"c_ltv\",\"type\":\"number\"},"
		"{\"key\":\"c_last_order\",\"type\":\"date\"},{\"key\":\"c_vip\",\"type\":\"boolean\"},{\"key\":\"c_odd\"}]";
	const char *ev = "[{\"key\":\"purchase\",\"params\":[{\"key\":\"product_id\",\"type\":\"string\"},{\"key\":\"c_coupon\",\"type\":\"string\"}]},"
		"{\"key\":\"wishlist_add\",\"params\":[{\"key\":\"c_list\",\"type\":\"string\"}]},{\"key\":\"cart_page_view\"}]";
	struct buf out = BUF_INIT;
	ok(ins_schema_from_columns(ca, strlen(ca), ev, strlen(ev), &out, &e) == 0, "schema converted");
	const char *want = "{\n  \"attributes\": {\n    \"last_order\": \"datetime\",\n    \"ltv\": \"number\",\n"
		"    \"odd\": \"string\",\n    \"tags\": \"strings\",\n    \"tier\": \"string\",\n    \"vip\": \"boolean\"\n  },\n"
		"  \"events\": {\n    \"cart_page_view\": {},\n    \"purchase\": {\n      \"coupon\": \"string\"\n    },\n"
		"    \"wishlist_add\": {\n      \"list\": \"string\"\n    }\n  }\n}\n";
	is_str(out.p, want, "schema: custom only, c_ dropped, types mapped, keys sorted");
	buf_free(&out);
	ok(ins_schema_from_columns("{}", 2, "[]", 2, &out, &e) < 0 && e.status == XIT_UNAVAILABLE, "not a list: 69");
	buf_free(&out);
	return tap_done();
}
