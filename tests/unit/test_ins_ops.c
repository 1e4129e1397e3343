/* test_ins_ops: issue 13: what a record with _clear/_delete asks for, the request users built
 * for it, and reconcile's value comparison (Insider's typing). */
#include <stdlib.h>
#include <string.h>
#include "ins_ops.h"
#include "ins_profile.h"
#include "rec.h"
#include "tap.h"

static msgpack_zone *Z;
static struct buf B;

static msgpack_object
J(const char *s)
{
	msgpack_object o;
	struct err e = ERR_INIT;
	if (rec_json_parse(s, strlen(s), Z, &o, &e) < 0) {
		printf("# bad test JSON: %s: %s\n", s, e.msg);
		exit(2);
	}
	return o;
}

static const char *
user(const char *rec, int kind)
{
	msgpack_object r = J(rec), u;
	struct err e = ERR_INIT;
	buf_reset(&B);
	if (ins_ops_user(&r, kind, Z, &u, &e) < 0 || rec_json_append(&B, &u) < 0)
		return "(error)";
	return B.p;
}

static int
eq(const char *sent, const char *got)
{
	msgpack_object s = J(sent), g = J(got);
	return ins_rc_value_eq(&s, &g);
}

int
main(void)
{
	Z = msgpack_zone_new(8192);
	is_int(ins_ops_of(&(msgpack_object){ 0 }), 0, "#13 not a map: plain path");
	msgpack_object r = J("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"name\":\"A\"}}");
	is_int(ins_ops_of(&r), 0, "#13.1 a record without _clear/_delete takes the plain path");
	r = J("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"name\":\"A\"},\"_clear\":[\"phone_number\"]}");
	is_int(ins_ops_of(&r), INS_OP_UPSERT | INS_OP_CLEAR, "#13.1 attributes and _clear: upsert then clear");
	r = J("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{},\"events\":[],\"_clear\":[\"name\"]}");
	is_int(ins_ops_of(&r), INS_OP_CLEAR, "#13.1 empty attributes and events: the clear alone");
	r = J("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"name\":\"A\"},\"_delete\":\"profile\"}");
	is_int(ins_ops_of(&r), INS_OP_DELETE, "#13.2 _delete profile: the deletion alone");
	r = J("{\"identifiers\":{\"uuid\":\"a\"},\"_delete\":\"attributes\",\"_clear\":[\"name\"]}");
	is_int(ins_ops_of(&r), INS_OP_CLEAR, "#13.2 _delete attributes: the clear");
	r = J("{\"identifiers\":{\"uuid\":\"a\"},\"_clear\":[]}");
	is_int(ins_ops_of(&r), 0, "#13.1 an empty _clear asks for nothing");
	ok(ins_ops_has(&r), "#13.1 ... but is not the plain path (insider-push rejects it with a reason)");
	r = J("{\"identifiers\":{\"uuid\":\"a\"},\"_delete\":\"attributes\"}");
	ok(ins_ops_has(&r) && ins_ops_of(&r) == 0, "#13.2 _delete attributes with no _clear: nothing to send, not the plain path");
	r = J("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"name\":\"A\"}}");
	ok(!ins_ops_has(&r), "#13 a plain record");

	is_str(user("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"name\":\"A\"},\"_clear\":[\"phone_number\",\"custom.tier\",\"custom.x\",3,\"\"],\"_commit_version\":7}",
		INS_KIND_CLEAR),
		"{\"identifiers\":{\"uuid\":\"a\"},\"whole\":[\"phone_number\"],\"custom\":{\"whole\":[\"tier\",\"x\"]},\"_clear\":[\"phone_number\",\"custom.tier\",\"custom.x\",3,\"\"],\"_commit_version\":7}",
		"#13.1 the attribute-delete user: whole, custom.whole, the metadata kept");
	is_str(user("{\"insider_id\":\"i1\",\"_clear\":[\"custom.tier\"]}", INS_KIND_CLEAR),
		"{\"insider_id\":\"i1\",\"custom\":{\"whole\":[\"tier\"]},\"_clear\":[\"custom.tier\"]}",
		"#13.1 by insider_id, custom only");
	is_str(user("{\"identifiers\":{\"email\":\"a@b.co\"},\"_delete\":\"profile\",\"_change_type\":\"delete\"}", INS_KIND_DELETE),
		"{\"identifiers\":{\"email\":\"a@b.co\"},\"_delete\":\"profile\",\"_change_type\":\"delete\"}",
		"#13.2 the profile-delete user: identifiers (and metadata, not sent)");
	ok(ins_ops_delete_ok("{}", 2), "#13.2 {} is a deletion (reference 10.5)");
	ok(!ins_ops_delete_ok("", 0), "#13.2 an empty answer is not");
	ok(!ins_ops_delete_ok("<html>ok</html>", 15), "#13.2 HTML is not");
	ok(!ins_ops_delete_ok("{\"error\":\"x\"}", 13), "#13.2 an error object is not");

	ok(eq("30", "30.0"), "#13.3 numbers by value");
	ok(eq("12.50", "12.5"), "#13.3 decimals by value");
	ok(!eq("30", "31"), "#13.3 different numbers differ");
	ok(!eq("30", "\"30\""), "#13.3 a number is not its text");
	ok(eq("\"2021-01-10T21:35:20+03:00\"", "\"2021-01-10T18:35:20Z\""), "#13.3 times by instant");
	ok(!eq("\"Ann\"", "\"ann\""), "#13.3 strings exactly");
	ok(eq("[\"b\"]", "[\"a\",\"b\"]"), "#13.3 an array matches when Insider holds every element (append)");
	ok(!eq("[\"b\",\"c\"]", "[\"a\",\"b\"]"), "#13.3 an element missing differs");
	ok(eq("true", "true") && !eq("true", "false"), "#13.3 booleans");
	ok(eq("{\"a\":1}", "{\"a\":1.0}") && !eq("{\"a\":1}", "{\"a\":1,\"b\":2}"), "#13.3 objects");
	msgpack_zone_free(Z);
	buf_free(&B);
	return tap_done();
}
