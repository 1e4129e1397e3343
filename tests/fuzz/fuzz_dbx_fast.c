/* libFuzzer, differential (#14.2): a JSON_ARRAY value converted straight to MessagePack
 * (dbx_conv_mp) against the generic way (dbx_conv, then rec_msgpack_append): the same bytes
 * and the same result for every type. Input: one selector byte (type text), then the value
 * text; a first byte 0xff gives a JSON null instead. */
#include <stdlib.h>
#include <string.h>
#include "dbx_fast.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *texts[] = { "ARRAY<STRING>", "MAP<STRING, STRING>", "ARRAY<TIMESTAMP>",
		"STRUCT<a: STRING, b: TIMESTAMP>", "VARIANT", "DECIMAL(12,2)", "BIGINT", "TIMESTAMP" };
	if (size < 1)
		return 0;
	const char *tt = texts[data[0] % (sizeof texts / sizeof texts[0])];
	msgpack_object in = data[0] == 0xff ? rec_nil() : rec_strref((const char *)data + 1, size - 1);
	msgpack_zone *z = msgpack_zone_new(4096);
	struct buf a = BUF_INIT, b = BUF_INIT;
	if (!z)
		abort();
	for (int t = DBX_T_STRING; t <= DBX_T_NULL; t++) {
		struct err e1 = ERR_INIT, e2 = ERR_INIT;
		msgpack_object out;
		buf_reset(&a);
		buf_reset(&b);
		int r1 = dbx_conv_mp(&a, (enum dbx_type)t, tt, &in, z, &e1);
		int r2 = dbx_conv((enum dbx_type)t, tt, &in, z, &out, &e2);
		if (r1 < 0 || r2 < 0 || r1 != r2)
			abort();
		if (rec_msgpack_append(&b, &out) < 0)
			abort();
		if (a.len != b.len || memcmp(a.p, b.p, a.len))
			abort();
		msgpack_zone_clear(z);
	}
	int k = dbx_ts_is_utc_form((const char *)data + 1, size - 1);
	char ts[64];
	int n = dbx_timestamp_utc((const char *)data + 1, size - 1, ts, sizeof ts);
	if (k && (n != (int)size - 1 || memcmp(ts, data + 1, size - 1)))
		abort(); /* a text said to be in the output form is given back unchanged */
	buf_free(&a);
	buf_free(&b);
	msgpack_zone_free(z);
	return 0;
}
