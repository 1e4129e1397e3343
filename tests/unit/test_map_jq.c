/* test_map_jq: row-map's jq fields: which columns a program reads (only those go into jq),
 * results back into records, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map_jq.h"
#include "rec.h"
#include "tap.h"

static void
fields(const char *prog, const char *want)
{
	char **names = NULL, got[256] = "";
	uint32_t n = 0;
	long k = map_jq_fields(prog, strlen(prog), &names, &n);
	if (k < 0)
		snprintf(got, sizeof got, "ALL");
	for (uint32_t i = 0; i < n; i++) {
		if (k >= 0) {
			strncat(got, i ? "," : "", sizeof got - strlen(got) - 1);
			strncat(got, names[i], sizeof got - strlen(got) - 1);
		}
		free(names[i]);
	}
	free(names);
	is_str(got, want, "fields of %s", prog);
}

static void
run(const char *prog, const char *row, const char *want)
{
	struct buf why = BUF_INIT, out = BUF_INIT;
	struct err e = ERR_INIT;
	msgpack_zone *z = msgpack_zone_new(4096);
	msgpack_object in, res;
	struct map_jq *q = map_jq_compile(prog, &why);
	if (!q || rec_json_parse(row, strlen(row), z, &in, &e) < 0) {
		ok(0, "%s compiles (%s)", prog, why.p ? why.p : e.msg);
		goto out;
	}
	struct map_jq_row r = {0};
	r.all = 1;
	if (map_jq_row_set(&r, &in) < 0) {
		ok(0, "row");
		goto out2;
	}
	int k = map_jq_run(q, r.obj, z, &res, &why);
	if (k == 0 && rec_json_append(&out, &res) == 0)
		is_str(out.p, want, "%s on %s", prog, row);
	else
		is_str(why.p, want, "%s on %s fails", prog, row);
out2:
	map_jq_row_free(&r);
out:
	map_jq_free(q);
	buf_free(&why);
	buf_free(&out);
	msgpack_zone_free(z);
}

int
main(void)
{
	fields(".orders_total / 100", "orders_total");
	fields("(.orders_total_cents // empty) / 100", "orders_total_cents");
	fields(".email | ascii_downcase", "email");
	fields(".birth_epoch | todate", "birth_epoch");
	fields("if .refunded then \"refund\" else \"purchase\" end", "refunded");
	fields(".\"odd name\" + .b", "odd name,b");
	fields("{a: .x, b: .y}", "x,y");
	fields(".a.b", "a,b");
	fields("1.5 * .price", "price");
	fields(".a | . + 1", "a");
	fields(".shown # a comment .hidden", "shown");
	fields("\"constant\"", "");
	fields(".a == .b and .c != 1", "a,b,c");
	fields(".", "ALL");
	fields("keys", "ALL");
	fields("length", "ALL");
	fields("tojson", "ALL");
	fields("..", "ALL");
	fields(".[\"a\"]", "ALL");
	fields(".a |= 5", "ALL");
	fields(".a += 1", "ALL");
	fields(".a = 1", "ALL");
	fields(".a as $x | keys", "ALL");
	fields("\"\\(.a)\"", "ALL");
	fields("{a}", "ALL");
	fields(".a // keys", "ALL");
	fields("[.a, .b] | map(select(. != null))", "ALL");
	fields("@base64", "ALL");
	fields(".a | @base64", "a");
	fields("del(.a)", "ALL");
	fields("to_entries", "ALL");
	fields("if . then 1 else 2 end", "ALL");

	run(".orders_total / 100", "{\"orders_total\": 309588.54}", "3095.8853999999997");
	run(".a / 100", "{\"a\": 123456}", "1234.56");
	run(".a", "{\"a\": 9007199254740993}", "9007199254740992"); /* the libjq 1.6 caveat */
	run(".a", "{\"a\": 12.50}", "12.5");
	run(".a * 2", "{\"a\": 4}", "8");
	run(".a", "{\"a\": -3}", "-3");
	run(".a", "{\"a\": 1e300}", "1e+300");
	run("[.a, .b]", "{\"a\": \"x\", \"b\": [true, null]}", "[\"x\",[true,null]]");
	run("{k: .a}", "{\"a\": \"é\"}", "{\"k\":\"é\"}");
	run("empty", "{}", "null");
	run(".a[]", "{\"a\": [1, 2]}", "jq: the program gave more than one value (collect them with [...])");
	run(".a / 100", "{\"a\": null}", "jq: null (null) and number (100) cannot be divided");
	run("error(\"boom\")", "{}", "jq: boom");
	run("error({\"a\":1})", "{}", "jq: {\"a\":1}");
	run("1, error(\"late\")", "{}", "jq: late");
	run("infinite", "{}", "jq: the result is not a finite number");
	/* #10.9: programs that stop themselves, or fail without a message, are errors */
	run("halt", "{}", "jq: the program called halt (a field needs a value)");
	run("\"x\" | halt_error", "{}", "jq: halt_error (exit code 5): x");
	run("\"two\\nlines\\n\" | halt_error(3)", "{}", "jq: halt_error (exit code 3): two lines");
	run("{\"a\":1} | halt_error", "{}", "jq: halt_error (exit code 5): {\"a\":1}");
	run("1, halt", "{}", "jq: the program called halt (a field needs a value)");
	run("error(null)", "{}", "jq: error(null): an error without a message");
	run("null | error", "{}", "jq: error(null): an error without a message");
	run("try error(\"x\") catch .", "{}", "\"x\"");
	run(".a", "{\"a\": 2}", "2"); /* a fresh run after a halt */
	/* #10.11: the CPU time limit */
	map_jq_set_limit_ms(50);
	run("def f: f; f", "{}", "jq: the program ran longer than 0.05 s of CPU time (DBXI_JQ_TIMEOUT)");
	run("[limit(3; repeat(1))]", "{}", "[1,1,1]");
	map_jq_set_limit_ms(MAP_JQ_LIMIT_MS_DEFAULT);

	/* compile errors */
	struct buf why = BUF_INIT;
	ok(!map_jq_compile(".a | ", &why) && strcmp(why.p, "syntax error, unexpected $end at <top-level>, line 1") == 0,
		"syntax error message: %s", why.p);
	ok(!map_jq_compile("nosuch(1)", &why) && strcmp(why.p, "nosuch/1 is not defined at <top-level>, line 1") == 0,
		"unknown function message: %s", why.p);
	/* #10.10: module directives, refused before libjq sees them */
	ok(!map_jq_compile("import \"m\" as m; m::f", &why) &&
		strstr(why.p, "import, include and module directives are not allowed") != NULL,
		"import refused: %s", why.p);
	ok(!map_jq_compile("# c\n include \"m\" {search: \"/\"}; f", &why) &&
		strstr(why.p, "directives are not allowed") != NULL, "include after a comment refused: %s", why.p);
	ok(!map_jq_compile("module {a: 1}; .", &why) && strstr(why.p, "directives are not allowed") != NULL,
		"module refused: %s", why.p);
	{
		struct map_jq *q = map_jq_compile("{import: 1, includes: .x}", &why);
		ok(q != NULL, "the words as object keys still compile");
		map_jq_free(q);
	}
	buf_free(&why);

	/* #10.9: a halt_error whose message is the row, then a normal run, then the teardown:
	 * libjq 1.6 would free the message twice (valgrind sees it; the row's refcount with it) */
	{
		msgpack_zone *z = msgpack_zone_new(4096);
		struct err e = ERR_INIT;
		msgpack_object a, b, res;
		struct map_jq_row r = {0};
		struct map_jq *q = map_jq_compile("if .a == 1 then halt_error(3) else .a end", &why);
		struct buf out = BUF_INIT;
		r.all = 1;
		rec_json_parse("{\"a\":1}", 7, z, &a, &e);
		rec_json_parse("{\"a\":2}", 7, z, &b, &e);
		ok(q && map_jq_row_set(&r, &a) == 0 && map_jq_run(q, r.obj, z, &res, &why) == -1 &&
			strcmp(why.p, "jq: halt_error (exit code 3): {\"a\":1}") == 0, "halt_error(3) with the row: %s", why.p);
		ok(map_jq_row_set(&r, &b) == 0 && map_jq_run(q, r.obj, z, &res, &why) == 0 &&
			rec_json_append(&out, &res) == 0 && strcmp(out.p, "2") == 0, "the next run: %s", out.p ? out.p : "");
		ok(map_jq_row_set(&r, &a) == 0 && map_jq_run(q, r.obj, z, &res, &why) == -1, "and a halt again");
		map_jq_free(q);
		map_jq_row_free(&r);
		buf_free(&out);
		msgpack_zone_free(z);
	}

	/* #10.11: credentials leave the environment */
	setenv("DATABRICKS_CLIENT_SECRET", "s", 1);
	setenv("INSIDER_API_TOKEN_FILE", "f", 1);
	setenv("my_api_key", "k", 1);
	setenv("DBXI_TEST_KEEP", "v", 1);
	ok(map_jq_scrub_env() >= 3 && !getenv("DATABRICKS_CLIENT_SECRET") && !getenv("INSIDER_API_TOKEN_FILE") &&
		!getenv("my_api_key") && getenv("DBXI_TEST_KEEP") != NULL, "map_jq_scrub_env removes credentials only");

	/* a row kept between records: the same keys update in place, new keys rebuild, and
	 * only wanted columns go in */
	{
		msgpack_zone *z = msgpack_zone_new(4096);
		struct err e = ERR_INIT;
		msgpack_object a, b, c;
		struct map_jq_row r = {0};
		struct map_jq *q = map_jq_compile("[.x, .y, .z]", &why);
		struct buf out = BUF_INIT;
		msgpack_object res;
		r.want = malloc(2 * sizeof *r.want);
		r.want[0] = strdup("x"), r.want[1] = strdup("y"), r.nwant = 2;
		rec_json_parse("{\"x\":1,\"y\":2,\"z\":3}", 19, z, &a, &e);
		rec_json_parse("{\"x\":4,\"y\":5,\"z\":6}", 19, z, &b, &e);
		rec_json_parse("{\"y\":7,\"x\":8}", 13, z, &c, &e);
		const msgpack_object *rows[] = {&a, &b, &c};
		const char *want[] = {"[1,2,null]", "[4,5,null]", "[8,7,null]"};
		for (int i = 0; i < 3; i++) {
			buf_reset(&out);
			int k = map_jq_row_set(&r, rows[i]) == 0 && map_jq_run(q, r.obj, z, &res, &why) == 0 &&
				rec_json_append(&out, &res) == 0;
			ok(k && strcmp(out.p, want[i]) == 0, "kept row %d: %s", i, out.p ? out.p : "");
		}
		map_jq_row_free(&r);
		map_jq_free(q);
		buf_free(&out);
		buf_free(&why);
		msgpack_zone_free(z);
	}
	return tap_done();
}
