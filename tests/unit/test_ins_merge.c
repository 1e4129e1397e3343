/* test_ins_merge: issue 14.3: merging one user's records (ins_merge.h) and the merged user
 * in a batch (ins_batch_merge_last): body, records kept for the rejects, split, limits. */
#include <stdlib.h>
#include <string.h>
#include "ins_batch.h"
#include "ins_merge.h"
#include "rec.h"
#include "tap.h"

static msgpack_zone *Z;

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

static char *
text(const msgpack_object *o)
{
	static struct buf b;
	buf_reset(&b);
	if (rec_json_append(&b, o) < 0)
		return NULL;
	return b.p;
}

/* merge a then b: the merged JSON, or "NO: why" */
static const char *
merge(const char *a, const char *b, int not_append)
{
	static char out[2048];
	msgpack_object x = J(a), y = J(b), m;
	const char *why;
	int r = ins_merge_users(&x, &y, not_append, Z, &m, &why);
	if (r < 0)
		return "ENOMEM";
	if (r == 0)
		snprintf(out, sizeof out, "NO: %s", why);
	else
		snprintf(out, sizeof out, "%s", text(&m));
	return out;
}

/* adds a record; merges it when it is a user already held; returns ins_batch_merge_last's */
static int
add(struct ins_batch *b, const char *json, uint64_t recno, size_t max)
{
	msgpack_object r = J(json);
	struct ins_rec_info info;
	struct err e = ERR_INIT;
	ins_rec_info(&r, &info);
	if (ins_batch_add(b, &r, recno, &info, 0, &e) < 0)
		return -1;
	return ins_batch_merge_last(b, &r, max, &e);
}

int
main(void)
{
	Z = msgpack_zone_new(4096);
	struct err e = ERR_INIT;

	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":1,\"name\":\"x\",\"custom\":{\"t\":\"b\",\"n\":1}},\"events\":[{\"event_name\":\"e1\"}],\"_commit_version\":1}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2,\"custom\":{\"t\":\"s\"},\"email\":\"a@x.com\"},\"events\":[{\"event_name\":\"e2\"}],\"_commit_version\":2}", 0),
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2,\"name\":\"x\",\"custom\":{\"t\":\"s\",\"n\":1},\"email\":\"a@x.com\"},\"events\":[{\"event_name\":\"e1\"},{\"event_name\":\"e2\"}]}",
		"#14.3 later value per key, custom per key, events in order, metadata left out");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"events\":[{\"event_name\":\"e1\"}]}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2}}", 0),
		"{\"identifiers\":{\"uuid\":\"a\"},\"events\":[{\"event_name\":\"e1\"}],\"attributes\":{\"age\":2}}",
		"#14.3 keys of one side only are kept");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":1}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":null}}", 0),
		"NO: an attribute set to null", "#14.3 a null is not merged over");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"c\":null}}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"c\":1}}}", 0),
		"NO: an attribute set to null", "#14.3 nor a custom attribute null before");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[1]}}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[2]}}}", 0),
		"NO: an array attribute appended", "#14.3 arrays appended: not merged");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[1]}}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[2]}}}", 1),
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[2]}}}",
		"#14.3 arrays overwritten (not_append): the later wins");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[1]}},\"append\":false}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[2]}},\"append\":false}", 0),
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{\"tags\":[2]}},\"append\":false}",
		"#14.3 append:false in both: overwritten");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":1}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2},\"not_append\":true}", 0),
		"NO: insider_id, not_append or append differ", "#14.3 not_append in one only");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\",\"email\":\"a@x.com\"},\"attributes\":{\"age\":1}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2}}", 0),
		"NO: identifiers differ", "#14.3 other identifiers: not merged");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"insider_id\":\"i1\",\"attributes\":{\"age\":1}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2}}", 0),
		"NO: insider_id, not_append or append differ", "#14.3 insider_id in one only");
	is_str(merge("{\"identifiers\":{\"uuid\":\"a\"},\"object_attributes\":{\"custom\":{}}}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2}}", 0),
		"NO: a key other than identifiers, insider_id, attributes and events",
		"#14.3 object_attributes: not merged");
	{
		struct buf a = BUF_INIT, b = BUF_INIT;
		int r = buf_adds(&a, "{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{");
		r |= buf_adds(&b, "{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"custom\":{");
		for (int i = 0; i < 50; i++) {
			r |= buf_printf(&a, "%s\"a%d\":1", i ? "," : "", i);
			r |= buf_printf(&b, "%s\"b%d\":1", i ? "," : "", i);
		}
		r |= buf_adds(&a, "}}}");
		r |= buf_adds(&b, "}}}");
		ok(r == 0, "built");
		is_str(merge(a.p, b.p, 0), "NO: more custom attributes than Insider takes",
			"#14.3 a merged user stays within 80 custom attributes");
		buf_reset(&a);
		buf_reset(&b);
		r = buf_adds(&a, "{\"identifiers\":{\"uuid\":\"a\"},\"events\":[");
		r |= buf_adds(&b, "{\"identifiers\":{\"uuid\":\"a\"},\"events\":[");
		for (int i = 0; i < 60; i++) {
			r |= buf_adds(&a, i ? ",{\"event_name\":\"x\"}" : "{\"event_name\":\"x\"}");
			r |= buf_adds(&b, i ? ",{\"event_name\":\"y\"}" : "{\"event_name\":\"y\"}");
		}
		r |= buf_adds(&a, "]}");
		r |= buf_adds(&b, "]}");
		ok(r == 0, "built");
		is_str(merge(a.p, b.p, 0), "NO: more events than one user object carries",
			"#14.3 a merged user stays within 100 events");
		buf_free(&a);
		buf_free(&b);
	}

	/* in a batch */
	struct ins_batch b;
	ins_batch_init(&b, 1, 0, &e);
	is_int(add(&b, "{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":1},\"_commit_version\":3}", 1, INS_MAX_BYTES), 0, "first");
	is_int(add(&b, "{\"identifiers\":{\"uuid\":\"b\"},\"attributes\":{\"age\":9},\"_commit_version\":4}", 2, INS_MAX_BYTES), 0, "other user");
	is_int(add(&b, "{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2},\"_commit_version\":5}", 3, INS_MAX_BYTES), 1, "#14.3 merged");
	is_int(add(&b, "{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"name\":\"Ann\"},\"_commit_version\":6}", 4, INS_MAX_BYTES), 1, "#14.3 merged again");
	is_int(b.n, 2, "#14.3 two users");
	is_int(b.nrec, 4, "#14.3 holding four records");
	is_int(b.merged, 2, "#14.3 two merged");
	is_int(INS_POS_VERSION(b.vmin), 3, "#14.3 versions from 3");
	is_int(INS_POS_VERSION(b.vmax), 6, "#14.3 to 6");
	ins_batch_finish(&b, &e);
	is_str(b.body.p, "{\"users\":[{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2,\"name\":\"Ann\"}},{\"identifiers\":{\"uuid\":\"b\"},\"attributes\":{\"age\":9}}]}",
		"#14.3 the body: the merged user in place, the next user after it");
	is_int(ins_batch_nrecs(&b, 0), 3, "#14.3 user 0 holds three records");
	msgpack_object rec;
	uint64_t recno;
	const char *want[3] = {
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":1},\"_commit_version\":3}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"age\":2},\"_commit_version\":5}",
		"{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"name\":\"Ann\"},\"_commit_version\":6}" };
	const uint64_t wantno[3] = { 1, 3, 4 };
	for (unsigned k = 0; k < 3; k++) {
		ok(ins_batch_rec_part(&b, 0, k, Z, &rec, &recno, &e) == 0, "record back");
		is_str(text(&rec), want[k], "#14.3 each original record kept whole");
		is_int(recno, wantno[k], "#14.3 with its number");
	}
	uint64_t lo, hi;
	ins_batch_recnos(&b, &lo, &hi);
	ok(lo == 1 && hi == 4, "#14.3 records 1 to 4");
	struct ins_batch l2, h2;
	ok(ins_batch_split(&b, &l2, &h2, &e) == 0, "split");
	ok(l2.n == 1 && l2.nrec == 3 && h2.nrec == 1, "#14.3 a split keeps the merged user whole");
	ok(ins_batch_rec_part(&l2, 0, 2, Z, &rec, &recno, &e) == 0 && recno == 4
		&& strcmp(text(&rec), want[2]) == 0, "#14.3 its records travel with it");
	ok(INS_POS_VERSION(l2.vmax) == 6, "#14.3 and its versions");
	ins_batch_free(&l2);
	ins_batch_free(&h2);
	ins_batch_free(&b);

	/* the byte limit: a merge that would pass it is not done */
	ins_batch_init(&b, 2, 0, &e);
	is_int(add(&b, "{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"x\":\"0123456789\"}}", 1, 90), 0, "first");
	is_int(add(&b, "{\"identifiers\":{\"uuid\":\"a\"},\"attributes\":{\"y\":\"0123456789\"}}", 2, 90), 0,
		"#14.3 not merged past the byte limit (the caller closes the batch)");
	is_int(b.n, 2, "#14.3 the batch unchanged");
	ins_batch_free(&b);
	msgpack_zone_free(Z);
	return tap_done();
}
