/* test_val_schema: the schema file parser and the iso-codes tables. */
#include <stdio.h>
#include <string.h>
#include "buf.h"
#include "tap.h"
#include "val_iso.h"
#include "val_schema.h"

#define S(x) x, strlen(x)

static void
bad(const char *text, const char *msg)
{
	struct err e = ERR_INIT;
	struct val_schema *s = val_schema_parse(S(text), "s.json", &e);
	ok(!s && e.status == XIT_CONFIG, "refused: %s", text);
	is_str(e.msg, msg, "message");
	val_schema_free(s);
}

int
main(void)
{
	struct err e = ERR_INIT;
	const char *text = "{\"attributes\": {\"tier\": \"string\", \"ltv\": \"number\", \"vip\": \"boolean\","
			   " \"last_order\": \"datetime\", \"tags\": \"strings\"},"
			   " \"events\": {\"purchase\": {\"coupon\": \"string\"}, \"wishlist_add\": {\"list\": \"string\", \"coupon\": \"number\"}}}";
	struct val_schema *s = val_schema_parse(S(text), "s.json", &e);
	const struct val_sevent *ev;
	ok(s != NULL, "contract example parses: %s", e.msg);
	is_int(val_schema_attr(s, S("tier")), VAL_T_STRING, "tier string");
	is_int(val_schema_attr(s, S("ltv")), VAL_T_NUMBER, "ltv number");
	is_int(val_schema_attr(s, S("vip")), VAL_T_BOOLEAN, "vip boolean");
	is_int(val_schema_attr(s, S("last_order")), VAL_T_DATETIME, "last_order datetime");
	is_int(val_schema_attr(s, S("tags")), VAL_T_STRINGS, "tags strings");
	is_int(val_schema_attr(s, S("tie")), -1, "absent attribute");
	is_int(val_schema_attr(s, S("tierx")), -1, "absent attribute, longer");
	ok((ev = val_schema_event(s, S("wishlist_add"))) != NULL, "event wishlist_add");
	is_int(val_schema_param(ev, S("coupon")), VAL_T_NUMBER, "its coupon is a number");
	ok(val_schema_event(s, S("signup")) == NULL, "absent event");
	is_int(val_schema_nattrs(s), 5, "5 attributes");
	is_int(val_schema_nevents(s), 2, "2 events");
	is_int(val_schema_nparams(s), 2, "2 distinct parameters");
	val_schema_free(s);

	/* many names: the tables grow */
	{
		struct buf b = BUF_INIT;
		int i, good = 1;
		good &= buf_adds(&b, "{\"attributes\":{") == 0;
		for (i = 0; i < 1000; i++)
			good &= buf_printf(&b, "%s\"a%d\":\"number\"", i ? "," : "", i) == 0;
		good &= buf_adds(&b, "}}") == 0;
		s = val_schema_parse(b.p, b.len, "big.json", &e);
		ok(good && s && val_schema_nattrs(s) == 1000, "1000 attributes");
		for (i = 0; i < 1000 && s; i += 97) {
			char k[16];
			int n = snprintf(k, sizeof k, "a%d", i);
			good &= val_schema_attr(s, k, (size_t)n) == VAL_T_NUMBER;
		}
		ok(good, "each found");
		val_schema_free(s);
		buf_free(&b);
	}
	s = val_schema_parse(S("{}"), "empty.json", &e);
	ok(s && val_schema_nattrs(s) == 0 && val_schema_nevents(s) == 0, "{} is an empty schema");
	val_schema_free(s);

	bad("[]", "s.json: not a JSON object {\"attributes\": ..., \"events\": ...}");
	bad("{\"attributes\": []}", "s.json: attributes: not an object of name: type");
	bad("{\"attributes\": {\"\": \"string\"}}", "s.json: attributes: empty name");
	bad("{\"attributes\": {\"x\": 1}}",
	    "s.json: attributes.x: unknown type (want string, number, boolean, datetime or strings)");
	bad("{\"events\": {\"e\": {\"p\": \"date\"}}}",
	    "s.json: events.e.p: unknown type (want string, number, boolean, datetime or strings)");
	bad("{\"events\": []}", "s.json: events: not an object of event name: parameters");
	bad("{\"events\": {\"e\": {\"p\": \"string\", \"p\": \"string\"}}}", "s.json: events.e.p: defined twice");
	bad("{\"events\": {\"e\": {}, \"e\": {}}}", "s.json: events.e: defined twice");
	bad("{\"attributes\": {}, \"attributes\": {}}", "s.json: attributes: given twice");
	bad("{\"Attributes\": {}}", "s.json: Attributes: unknown key (want attributes, events)");
	bad("{\"events\": {\"Big\": {}}}",
	    "s.json: events.Big: not a valid event name (lower case letters, digits, '.', '_', '-')");

	/* iso-codes: from text, and the installed files */
	{
		const char *c = "{\"3166-1\": [{\"alpha_2\": \"SG\", \"name\": \"Singapore\"}, {\"alpha_2\": \"TR\"}]}";
		const char *m = "{\"4217\": [{\"alpha_3\": \"SGD\"}, {\"numeric\": \"1\"}]}";
		struct val_iso *t = val_iso_parse(S(c), S(m), &e);
		ok(t && val_iso_ncountries(t) == 2 && val_iso_ncurrencies(t) == 1, "iso from text");
		ok(t && val_iso_country(t, S("SG")) && !val_iso_country(t, S("US")), "SG yes, US no");
		ok(t && !val_iso_country(t, S("sg")) && !val_iso_country(t, S("S")), "sg, S no");
		ok(t && val_iso_currency(t, S("SGD")) && !val_iso_currency(t, S("SG")), "SGD yes, SG no");
		val_iso_free(t);
		t = val_iso_parse(S("{\"3166-1\": [{\"alpha_2\": \"S1\"}]}"), S(m), &e);
		ok(!t && e.status == XIT_CONFIG, "a code that is not 2 letters is refused");
		is_str(e.msg, "iso_3166-1.json: entry 0: alpha_2 is not 2 upper-case letters", "message");
		t = val_iso_load(VAL_ISO_DIR_DEFAULT, &e);
		ok(t != NULL, "installed iso-codes load: %s", t ? "" : e.msg);
		ok(t && val_iso_ncountries(t) >= 249 && val_iso_ncurrencies(t) >= 150,
		   "installed: %zu countries, %zu currencies", t ? val_iso_ncountries(t) : 0,
		   t ? val_iso_ncurrencies(t) : 0);
		ok(t && val_iso_country(t, S("SG")) && val_iso_currency(t, S("USD")) &&
			   !val_iso_currency(t, S("XYZ")),
		   "installed: SG, USD yes; XYZ no");
		val_iso_free(t);
	}
	return tap_done();
}
