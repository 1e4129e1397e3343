/* libFuzzer: request bodies (lib/ins_batch.c) from any record. A record that parses as a JSON
 * object goes into a batch twice (with and without not_append); the body must parse, hold no
 * metadata key, and give back the record (its keys, then its metadata keys) exactly. */
#include <stdlib.h>
#include <string.h>
#include "ins_batch.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_text(const msgpack_object *a, const msgpack_object *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	if (rec_json_append(&x, a) < 0 || rec_json_append(&y, b) < 0)
		abort();
	if (x.len != y.len || memcmp(x.p, y.p, x.len) != 0)
		abort();
	buf_free(&x);
	buf_free(&y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	struct err e = ERR_INIT;
	msgpack_object rec;
	if (rec_json_parse((const char *)data, size, z, &rec, &e) < 0 || rec.type != MSGPACK_OBJECT_MAP) {
		msgpack_zone_free(z);
		return 0;
	}
	/* the expected record back: non-metadata keys, then metadata keys, in their order */
	struct rec_mapb m;
	rec_mapb_init(&m, z);
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < rec.via.map.size; i++)
			if (rec_is_meta_key(&rec.via.map.ptr[i].key) == pass
			    && rec_mapb_putk(&m, rec.via.map.ptr[i].key, rec.via.map.ptr[i].val) < 0)
				abort();
	msgpack_object want = rec_mapb_done(&m);
	struct ins_rec_info info;
	ins_rec_info(&rec, &info);
	struct ins_batch b;
	if (ins_batch_init(&b, 1, info.skip_hook == 1, &e) < 0)
		abort();
	if (ins_batch_add(&b, &rec, 1, &info, 0, &e) < 0 || ins_batch_add(&b, &rec, 2, &info, 1, &e) < 0)
		abort();
	size_t sz = ins_batch_size(&b);
	if (ins_batch_finish(&b, &e) < 0 || b.body.len != sz)
		abort();
	msgpack_object body;
	if (rec_json_parse(b.body.p, b.body.len, z, &body, &e) < 0)
		abort();
	const msgpack_object *users = rec_get(&body, "users");
	if (!users || users->type != MSGPACK_OBJECT_ARRAY || users->via.array.size != 2)
		abort();
	for (uint32_t u = 0; u < 2; u++)
		for (uint32_t i = 0; i < users->via.array.ptr[u].via.map.size; i++)
			if (rec_is_meta_key(&users->via.array.ptr[u].via.map.ptr[i].key))
				abort();
	for (size_t i = 0; i < 2; i++) {
		msgpack_object back;
		if (ins_batch_record(&b, i, z, &back, &e) < 0)
			abort();
		same_text(&back, &want);
	}
	struct ins_batch lo, hi;
	if (ins_batch_split(&b, &lo, &hi, &e) < 0 || lo.n != 1 || hi.n != 1)
		abort();
	msgpack_object back;
	if (ins_batch_record(&hi, 0, z, &back, &e) < 0)
		abort();
	same_text(&back, &want);
	ins_batch_free(&lo);
	ins_batch_free(&hi);
	ins_batch_free(&b);
	msgpack_zone_free(z);
	return 0;
}
