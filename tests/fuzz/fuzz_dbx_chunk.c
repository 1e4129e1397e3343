/* libFuzzer, differential (#14.2): the JSON_ARRAY chunk scanner (dbx_chunk.h) against the
 * generic parser (rec_json_parse) on the same body. The scanner must take a body exactly when
 * the generic parser gives an array of arrays of strings and nulls, and hand out the same
 * rows and values (escapes decoded in place give the generic parser's strings). */
#include <stdlib.h>
#include <string.h>
#include "dbx_chunk.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
shape_ok(const msgpack_object *v)
{
	if (v->type != MSGPACK_OBJECT_ARRAY)
		return 0;
	for (uint32_t i = 0; i < v->via.array.size; i++) {
		const msgpack_object *r = &v->via.array.ptr[i];
		if (r->type != MSGPACK_OBJECT_ARRAY)
			return 0;
		for (uint32_t j = 0; j < r->via.array.size; j++)
			if (r->via.array.ptr[j].type != MSGPACK_OBJECT_STR &&
			    r->via.array.ptr[j].type != MSGPACK_OBJECT_NIL)
				return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	msgpack_zone *z = msgpack_zone_new(4096);
	struct dbx_chunk c;
	struct err e = ERR_INIT;
	msgpack_object g;
	if (!body || !z)
		abort();
	memcpy(body, data, size);
	body[size] = 0;
	memset(&c, 0, sizeof c);
	int gen = rec_json_parse((const char *)data, size, z, &g, &e) == 0 && shape_ok(&g);
	int k = dbx_chunk_scan(&c, body, size);
	if (k < 0)
		abort(); /* out of memory on a fuzz input */
	if (k != gen)
		abort(); /* the scanner takes exactly the bodies of that shape */
	if (k) {
		if (c.nrows != g.via.array.size)
			abort();
		for (uint32_t r = 0; r < c.nrows; r++) {
			const msgpack_object *gr = &g.via.array.ptr[r];
			msgpack_object v[8];
			uint32_t n = dbx_chunk_row(&c, body, r, v, 8);
			if (n != gr->via.array.size)
				abort();
			for (uint32_t j = 0; j < n && j < 8; j++) {
				const msgpack_object *gv = &gr->via.array.ptr[j];
				if (v[j].type != gv->type)
					abort();
				if (gv->type == MSGPACK_OBJECT_STR &&
				    (v[j].via.str.size != gv->via.str.size ||
				     memcmp(v[j].via.str.ptr, gv->via.str.ptr, gv->via.str.size)))
					abort();
			}
		}
	}
	dbx_chunk_free(&c);
	msgpack_zone_free(z);
	free(body);
	return 0;
}
