/* test_map_check: the mapping checks of row-map (--check and every start): each bad form is
 * refused with exit status 78 and a message that names the mapping key. */
#include <stdio.h>
#include <string.h>
#include "map_core.h"
#include "tap.h"

struct tcase {
	const char *text;
	const char *msg; /* the whole message, or NULL: accepted */
};

#define IDS "\"identifiers\":{\"uuid\":\"id\"}"

static const struct tcase cases[] = {
	/* accepted forms */
	{"{" IDS ",\"attributes\":{\"email\":\"email\"}}", NULL},
	{"{" IDS ",\"attributes\":{\"age\":{\"column\":\"age\",\"type\":\"integer\"}}}", NULL},
	{"{" IDS ",\"attributes\":{\"custom\":{\"ltv\":{\"jq\":\".orders_total / 100\"}}}}", NULL},
	{"{" IDS ",\"attributes\":{\"custom\":{\"source\":{\"value\":\"databricks\"}}}}", NULL},
	{"{" IDS ",\"attributes\":{\"custom\":\"props\"}}", NULL},
	{"{" IDS ",\"events\":{\"name\":{\"value\":\"purchase\"},\"timestamp\":\"_commit_timestamp\",\"params\":\"props\"}}", NULL},
	{"{" IDS ",\"events\":[{\"name\":\"e\",\"timestamp\":\"t\"},{\"name\":\"f\",\"timestamp\":\"t\"}]}", NULL},
	{"{\"insider_id\":\"iid\",\"attributes\":{\"age\":\"age\"},\"skip_nulls\":false,\"not_append\":true,\"skip_hook\":true}", NULL},
	{"{\"$comment\":\"hi\"," IDS ",\"attributes\":{\"$comment\":\"x\",\"age\":\"age\"}}", NULL},
	/* JSON */
	{"", "m.json: not valid JSON: "},
	{"{" IDS ",}", "m.json: not valid JSON: "},
	{"[]", "m.json: the mapping must be a JSON object"},
	/* top level */
	{"{" IDS ",\"attributes\":{\"age\":\"age\"},\"atributes\":{}}", "m.json: atributes: unknown key (expected identifiers, insider_id, attributes, events, skip_nulls, not_append or skip_hook)"},
	{"{" IDS "," IDS ",\"attributes\":{\"age\":\"age\"}}", "m.json: identifiers: the key appears twice"},
	{"{\"attributes\":{\"age\":\"age\"}}", "m.json: identifiers: no identifier mapped: Insider needs identifiers (uuid, email, phone_number or custom) or insider_id"},
	{"{\"identifiers\":{},\"attributes\":{\"age\":\"age\"}}", "m.json: identifiers: no identifier mapped"},
	{"{" IDS "}", "m.json: nothing to send: map attributes, events or both"},
	{"{" IDS ",\"attributes\":{}}", "m.json: attributes: no attribute mapped, and no events"},
	{"{" IDS ",\"attributes\":{\"age\":\"age\"},\"skip_nulls\":\"no\"}", "m.json: skip_nulls: expected true or false"},
	{"{" IDS ",\"attributes\":{\"age\":\"age\"},\"not_append\":1}", "m.json: not_append: expected true or false"},
	/* identifiers */
	{"{\"identifiers\":{\"user_id\":\"id\"},\"attributes\":{\"age\":\"age\"}}", "m.json: identifiers.user_id: unknown identifier (expected uuid, email, phone_number or custom)"},
	{"{\"identifiers\":[\"id\"],\"attributes\":{\"age\":\"age\"}}", "m.json: identifiers: expected an object (uuid, email, phone_number, custom)"},
	{"{\"identifiers\":{\"custom\":\"x\"},\"attributes\":{\"age\":\"age\"}}", "m.json: identifiers.custom: expected an object of custom names"},
	{"{\"identifiers\":{\"uuid\":\"\"},\"attributes\":{\"age\":\"age\"}}", "m.json: identifiers.uuid: an empty column name"},
	/* attributes */
	{"{" IDS ",\"attributes\":{\"tier\":\"tier\"}}", "m.json: attributes.tier: not a default attribute of Insider (put custom attributes under attributes.custom)"},
	{"{" IDS ",\"attributes\":{\"age\":7}}", "m.json: attributes.age: expected a column name (a string) or an object with \"column\", \"jq\" or \"value\""},
	{"{" IDS ",\"attributes\":{\"age\":{}}}", "m.json: attributes.age: expected a column name (a string) or an object with \"column\", \"jq\" or \"value\""},
	{"{" IDS ",\"attributes\":{\"age\":{\"column\":\"a\",\"jq\":\".a\"}}}", "m.json: attributes.age: give only one of \"column\", \"jq\" and \"value\""},
	{"{" IDS ",\"attributes\":{\"age\":{\"colum\":\"a\"}}}", "m.json: attributes.age.colum: unknown key (expected \"column\", \"jq\", \"value\" or \"type\")"},
	{"{" IDS ",\"attributes\":{\"age\":{\"column\":\"a\",\"type\":\"float\"}}}", "m.json: attributes.age.type: unknown type (expected auto, string, number, integer, boolean, datetime, date, strings or numbers)"},
	{"{" IDS ",\"attributes\":{\"age\":{\"column\":5}}}", "m.json: attributes.age.column: expected a column name (a non-empty string)"},
	{"{" IDS ",\"attributes\":{\"age\":{\"value\":\"old\"}}}", "m.json: attributes.age: value: \"old\" is not a number"},
	{"{" IDS ",\"attributes\":{\"birthday\":{\"value\":\"1990-02-30\"}}}", "m.json: attributes.birthday: value: \"1990-02-30\" is not a valid calendar date"},
	{"{" IDS ",\"attributes\":{\"custom\":{\"ltv\":{\"jq\":\".orders_total / \"}}}}", "m.json: attributes.custom.ltv: jq: syntax error, unexpected $end at <top-level>, line 1"},
	{"{" IDS ",\"attributes\":{\"custom\":{\"ltv\":{\"jq\":\".a | nosuchfn\"}}}}", "m.json: attributes.custom.ltv: jq: nosuchfn/0 is not defined at <top-level>, line 1"},
	{"{" IDS ",\"attributes\":{\"custom\":{\"ltv\":{\"jq\":\"\"}}}}", "m.json: attributes.custom.ltv.jq: expected a jq program (a non-empty string)"},
	{"{" IDS ",\"attributes\":{\"custom\":{\"x\":{\"value\":{\"a\":1}}}}}", "m.json: attributes.custom.x: value: an object is not an Insider value"},
	{"{" IDS ",\"attributes\":{\"custom\":[]}}", "m.json: attributes.custom: expected an object of custom names, or a column holding an object"},
	/* events */
	{"{" IDS ",\"events\":{\"timestamp\":\"t\"}}", "m.json: events.name: missing: an event needs a name (a column, or {\"value\": \"purchase\"})"},
	{"{" IDS ",\"events\":{\"name\":\"e\"}}", "m.json: events.timestamp: missing: an event needs a timestamp (a column, e.g. \"_commit_timestamp\")"},
	{"{" IDS ",\"events\":{\"name\":\"e\",\"timestamp\":\"t\",\"param\":{}}}", "m.json: events.param: unknown key (expected name, timestamp or params)"},
	{"{" IDS ",\"events\":{\"name\":\"e\",\"timestamp\":\"t\",\"params\":{\"coupon\":\"c\"}}}", "m.json: events.params.coupon: not a default event parameter of Insider (put custom parameters under custom)"},
	{"{" IDS ",\"events\":{\"name\":\"e\",\"timestamp\":\"t\",\"params\":[]}}", "m.json: events.params: expected an object of event parameters, or a column holding an object"},
	{"{" IDS ",\"events\":[]}", "m.json: events: an empty array: map at least one event, or leave \"events\" out"},
	{"{" IDS ",\"events\":[{\"name\":\"e\",\"timestamp\":\"t\"},{\"name\":\"e\"}]}", "m.json: events[1].timestamp: missing"},
	{"{" IDS ",\"events\":\"e\"}", "m.json: events: expected an object (name, timestamp, params) or an array of them"},
	{"{" IDS ",\"events\":{\"name\":\"e\",\"timestamp\":{\"value\":\"yesterday\"}}}", "m.json: events.timestamp: value: \"yesterday\" is not a date or an RFC 3339 date-time"},
	{"{" IDS ",\"events\":{\"name\":\"e\",\"timestamp\":\"t\",\"params\":{\"quantity\":{\"value\":1.5}}}}", "m.json: events.params.quantity: value: 1.5 is not an integer"},
};

int
main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *c = &cases[i];
		struct err e = ERR_INIT;
		struct map *m = map_compile(c->text, strlen(c->text), "m.json", &e);
		if (!c->msg) {
			ok(m != NULL, "accepted: %s", c->text);
			if (!m)
				printf("#   %s\n", e.msg);
		} else {
			int good = !m && e.status == XIT_CONFIG && strncmp(e.msg, c->msg, strlen(c->msg)) == 0;
			ok(good, "refused: %s", c->msg);
			if (!good)
				printf("#   status %d: %s\n", e.status, e.msg);
		}
		map_free(m);
	}
	/* the fuzzer's mode: jq programs are not compiled */
	{
		struct err e = ERR_INIT;
		const char *t = "{" IDS ",\"attributes\":{\"custom\":{\"x\":{\"jq\":\"((\"}}}}";
		struct map *m = map_compile_flags(t, strlen(t), "m.json", MAP_F_NOJQ, &e);
		ok(m != NULL, "MAP_F_NOJQ does not compile jq programs");
		map_free(m);
	}
	/* map_load */
	{
		struct err e = ERR_INIT;
		struct map *m = map_load("/nonexistent/mapping.json", &e);
		ok(!m && e.status == XIT_CONFIG && strcmp(e.msg, "/nonexistent/mapping.json: No such file or directory") == 0,
			"a missing file: %s", e.msg);
	}
	return tap_done();
}
