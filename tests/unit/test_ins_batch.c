/* test_ins_batch: request bodies, metadata, limits, splitting and records read back. */
#include <stdlib.h>
#include <string.h>
#include "ins_batch.h"
#include "ins_rate.h"
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

static int
add(struct ins_batch *b, const char *json, uint64_t recno, int not_append)
{
	msgpack_object r = J(json);
	struct ins_rec_info info;
	struct err e = ERR_INIT;
	ins_rec_info(&r, &info);
	return ins_batch_add(b, &r, recno, &info, not_append, &e);
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

int
main(void)
{
	Z = msgpack_zone_new(4096);
	struct err e = ERR_INIT;
	struct ins_batch b;
	struct ins_rec_info info;

	/* metadata */
	msgpack_object r = J("{\"a\":1,\"_commit_version\":12,\"_insider\":{\"skip_hook\":true,\"not_append\":false}}");
	ins_rec_info(&r, &info);
	is_int(INS_POS_VERSION(info.version), 12, "version read");
	is_int(INS_POS_WINDOW(info.version), 0, "no _window: the start of its version");
	is_int(info.skip_hook, 1, "skip_hook read");
	is_int(info.not_append, 0, "not_append read");
	is_int(info.has_append, 0, "no append key");
	is_str(info.bad, "", "well formed");
	r = J("{\"a\":1,\"not_append\":true,\"_insider\":{\"skip_hook\":\"yes\"}}");
	ins_rec_info(&r, &info);
	ok(info.version == INS_NO_VERSION, "no version");
	is_int(info.has_append, 1, "user has not_append");
	is_str(info.bad, "_insider.skip_hook: must be true or false", "bad _insider named");
	r = J("{\"_commit_version\":7,\"_window\":3}");
	ins_rec_info(&r, &info);
	is_int(INS_POS_VERSION(info.version), 7, "#11.1 _window: the version stays");
	is_int(INS_POS_WINDOW(info.version), 3, "#11.1 _window: the window is the place inside it");
	r = J("{\"_commit_version\":7}");
	ins_rec_info(&r, &info);
	{
		int64_t plain = info.version;
		r = J("{\"_commit_version\":6,\"_window\":9}");
		ins_rec_info(&r, &info);
		ok(info.version < plain, "#11.1 a window of version 6 comes before version 7");
	}
	r = J("{\"_commit_version\":7,\"_window\":-1}");
	ins_rec_info(&r, &info);
	ok(info.version == INS_NO_VERSION, "#11.1 a bad _window: no place (no progress claimed)");
	r = J("{\"_commit_version\":\"12\"}");
	ins_rec_info(&r, &info);
	ok(info.version == INS_NO_VERSION, "a string version is no version");

	/* bodies */
	ok(ins_batch_init(&b, 1, 0, &e) == 0, "init");
	is_int(ins_batch_size(&b), (long long)strlen("{\"users\":[]}"), "empty size counts the close");
	ok(add(&b, "{\"identifiers\":{\"email\":\"a@x.com\"},\"_commit_version\":3,\"_change_type\":\"insert\"}", 1, 0) == 0, "add 1");
	ok(add(&b, "{\"_commit_version\":4,\"identifiers\":{\"uuid\":\"u2\"},\"attributes\":{\"n\":12.50}}", 2, 1) == 0, "add 2 with not_append");
	ok(add(&b, "{\"identifiers\":{\"uuid\":\"u3\"},\"append\":true,\"_commit_version\":5}", 3, 1) == 0, "add 3 has its own append");
	ok(add(&b, "{\"_x\":1}", 4, 1) == 0, "add 4: only metadata");
	size_t sz = ins_batch_size(&b);
	ok(ins_batch_finish(&b, &e) == 0, "finish");
	const char *want = "{\"users\":[{\"identifiers\":{\"email\":\"a@x.com\"}},"
		"{\"identifiers\":{\"uuid\":\"u2\"},\"attributes\":{\"n\":12.50},\"not_append\":true},"
		"{\"identifiers\":{\"uuid\":\"u3\"},\"append\":true},{\"not_append\":true}]}";
	is_str(b.body.p, want, "body: metadata stripped, not_append added, decimals exact");
	is_int(sz, (long long)b.body.len, "size before finish = final size");
	is_int(INS_POS_VERSION(b.vmin), 3, "vmin");
	is_int(INS_POS_VERSION(b.vmax), 5, "vmax");
	is_int(b.unversioned, 1, "a user without version");

	/* the original records back */
	msgpack_object back;
	ok(ins_batch_record(&b, 0, Z, &back, &e) == 0, "record 0 back");
	is_str(text(&back), "{\"identifiers\":{\"email\":\"a@x.com\"},\"_commit_version\":3,\"_change_type\":\"insert\"}", "record 0 with metadata");
	ok(ins_batch_record(&b, 1, Z, &back, &e) == 0, "record 1 back");
	is_str(text(&back), "{\"identifiers\":{\"uuid\":\"u2\"},\"attributes\":{\"n\":12.50},\"_commit_version\":4}", "record 1 without the added not_append");
	ok(ins_batch_record(&b, 3, Z, &back, &e) == 0, "record 3 back");
	is_str(text(&back), "{\"_x\":1}", "record 3: metadata only");
	is_int(b.u[2].recno, 3, "recno kept");

	/* split */
	struct ins_batch lo, hi;
	ok(ins_batch_split(&b, &lo, &hi, &e) == 0, "split");
	is_str(lo.body.p, "{\"users\":[{\"identifiers\":{\"email\":\"a@x.com\"}},{\"identifiers\":{\"uuid\":\"u2\"},\"attributes\":{\"n\":12.50},\"not_append\":true}]}", "lower half");
	is_str(hi.body.p, "{\"users\":[{\"identifiers\":{\"uuid\":\"u3\"},\"append\":true},{\"not_append\":true}]}", "upper half");
	is_int(INS_POS_VERSION(lo.vmin), 3, "lower vmin");
	is_int(INS_POS_VERSION(lo.vmax), 4, "lower vmax");
	is_int(lo.unversioned, 0, "lower all versioned");
	is_int(hi.unversioned, 1, "upper has the unversioned");
	is_int(hi.parent, 1, "parent id");
	ok(ins_batch_record(&hi, 0, Z, &back, &e) == 0, "record back from a half");
	is_str(text(&back), "{\"identifiers\":{\"uuid\":\"u3\"},\"append\":true,\"_commit_version\":5}", "metadata follows the split");
	ins_batch_free(&lo);
	ins_batch_free(&hi);
	ins_batch_free(&b);

	/* skip_hook and moving the last user */
	struct ins_batch a, c;
	ok(ins_batch_init(&a, 2, 1, &e) == 0 && ins_batch_init(&c, 3, 1, &e) == 0, "init two");
	ok(add(&a, "{\"u\":1,\"_commit_version\":1}", 1, 0) == 0 && add(&a, "{\"u\":2,\"_commit_version\":2}", 2, 0) == 0, "two users");
	ok(ins_batch_move_last(&a, &c, &e) == 0, "move last");
	ok(ins_batch_finish(&a, &e) == 0 && ins_batch_finish(&c, &e) == 0, "finish both");
	is_str(a.body.p, "{\"skip_hook\":true,\"users\":[{\"u\":1}]}", "first keeps one");
	is_str(c.body.p, "{\"skip_hook\":true,\"users\":[{\"u\":2}]}", "second got the moved user");
	is_int(INS_POS_VERSION(a.vmax), 1, "versions recomputed");
	is_int(INS_POS_VERSION(c.vmin), 2, "moved version");
	ins_batch_free(&a);
	ins_batch_free(&c);

	/* drop the only user */
	ok(ins_batch_init(&a, 4, 0, &e) == 0 && add(&a, "{\"big\":\"xxxxxxxx\"}", 1, 0) == 0, "one user");
	ins_batch_drop_last(&a);
	is_int(a.n, 0, "dropped");
	ok(add(&a, "{\"v\":1}", 2, 0) == 0 && ins_batch_finish(&a, &e) == 0, "reuse");
	is_str(a.body.p, "{\"users\":[{\"v\":1}]}", "clean after a drop");
	ins_batch_free(&a);

	/* the rate budget */
	struct ins_rate rt;
	ins_rate_init(&rt, 60000, 2, 0); /* 1000/s: one per 1000 us, burst 2 */
	is_int(ins_rate_take(&rt, 0), 0, "burst 1");
	is_int(ins_rate_take(&rt, 0), 0, "burst 2");
	int64_t w = ins_rate_take(&rt, 0);
	ok(w >= 999 && w <= 1001, "then a wait of 1 ms (%lld us)", (long long)w);
	is_int(ins_rate_take(&rt, 1000), 0, "a token after 1 ms");
	ok(ins_rate_take(&rt, 1000) > 0, "not two");
	is_int(ins_rate_take(&rt, 100000000), 0, "after a long pause");
	is_int(ins_rate_take(&rt, 100000000), 0, "burst again");
	ok(ins_rate_take(&rt, 100000000) > 0, "but only the burst");
	ins_rate_init(&rt, 0, 4, 0);
	int free_all = 1;
	for (int i = 0; i < 1000; i++)
		free_all &= ins_rate_take(&rt, 0) == 0;
	ok(free_all, "rate 0: no limit");
	ins_rate_init(&rt, 25000, 4, 0);
	int sent = 0;
	for (int64_t t = 0; t < 60000000; t += 100)
		while (ins_rate_take(&rt, t) == 0)
			sent++;
	ok(sent >= 24990 && sent <= 25004, "25,000 a minute: %d in 60 s", sent);

	/* #10.7 identity: users sharing any identifier value are one user */
	{
		struct ins_batch a, b2, lo, hi;
		struct err e = ERR_INIT;
		ins_batch_init(&a, 1, 0, &e);
		ok(add(&a, "{\"identifiers\":{\"email\":\"e@x\",\"uuid\":\"u1\"}}", 1, 0) == 0
			&& !a.dup_last, "#10.7 first user: no duplicate");
		ok(add(&a, "{\"identifiers\":{\"custom\":{\"crm\":\"c9\"}},\"insider_id\":\"i7\"}", 2, 0) == 0
			&& !a.dup_last, "#10.7 another user: custom identifier and insider_id");
		ok(add(&a, "{\"identifiers\":{\"phone_number\":\"+905551112233\",\"uuid\":\"u1\"}}", 3, 0) == 0
			&& a.dup_last, "#10.7 one shared value (uuid) makes the same user");
		ins_batch_drop_last(&a);
		ok(add(&a, "{\"identifiers\":{\"uuid\":\"u2\"}}", 3, 0) == 0 && !a.dup_last,
			"#10.7 after drop_last the dropped user's values are gone");
		ok(add(&a, "{\"insider_id\":\"i7\"}", 4, 0) == 0 && a.dup_last,
			"#10.7 insider_id shared");
		ins_batch_drop_last(&a);
		ok(add(&a, "{\"identifiers\":{\"uuid\":12345}}", 4, 0) == 0 && !a.dup_last,
			"#10.7 a number identifier");
		ins_batch_finish(&a, &e);
		ins_batch_init(&b2, 2, 0, &e);
		add(&b2, "{\"identifiers\":{\"email\":\"other@x\"}}", 5, 0);
		add(&b2, "{\"identifiers\":{\"uuid\":\"12345\"}}", 6, 0);
		ins_batch_finish(&b2, &e);
		ok(ins_batch_conflicts(&a, &b2) && ins_batch_conflicts(&b2, &a),
			"#10.7 batches sharing a value (12345 and \"12345\") conflict");
		ok(ins_batch_split(&a, &lo, &hi, &e) == 0, "split");
		ok(ins_batch_conflicts(&lo, &b2) == 0 && ins_batch_conflicts(&hi, &b2) == 1,
			"#10.7 the halves of a split keep their users' values");
		struct ins_batch c;
		ins_batch_init(&c, 3, 0, &e);
		add(&c, "{\"identifiers\":{\"email\":\"nobody@x\"}}", 7, 0);
		ins_batch_finish(&c, &e);
		ok(!ins_batch_conflicts(&a, &c) && !ins_batch_conflicts(&c, &b2),
			"#10.7 no shared value: no conflict");
		ins_batch_free(&a);
		ins_batch_free(&b2);
		ins_batch_free(&lo);
		ins_batch_free(&hi);
		ins_batch_free(&c);
	}

	msgpack_zone_free(Z);
	return tap_done();
}
