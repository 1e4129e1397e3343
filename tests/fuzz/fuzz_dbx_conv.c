/* libFuzzer: the JSON_ARRAY value conversion. Input: one selector byte (type), then the type
 * text up to a NUL byte (may be empty), then the value text. Every type is tried on the value;
 * a converted value must write out as JSON that parses again. */
#include <stdlib.h>
#include <string.h>
#include "dbx_types.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_json(const msgpack_object *v, msgpack_zone *z)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	msgpack_object back;
	if (rec_json_append(&b, v) < 0 || rec_json_parse(b.p, b.len, z, &back, &e) < 0)
		abort();
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *texts[] = { "ARRAY<TIMESTAMP>", "MAP<STRING, TIMESTAMP>",
		"STRUCT<a: TIMESTAMP, b: ARRAY<STRUCT<`c d`: TIMESTAMP>>, e: DECIMAL(5,2)>", "VARIANT",
		"STRUCT<", "ARRAY<", "MAP<STRING", "STRUCT<a TIMESTAMP>" };
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	const char *nul = memchr(p, 0, n);
	char tt[256] = "";
	if (nul) {
		size_t tl = (size_t)(nul - p);
		if (tl < sizeof tt) {
			memcpy(tt, p, tl);
			tt[tl] = 0;
		}
		n -= tl + 1;
		p = nul + 1;
	}
	msgpack_zone *z = msgpack_zone_new(4096);
	struct err e = ERR_INIT;
	msgpack_object in = rec_strref(p, n), out;
	for (int t = DBX_T_STRING; t <= DBX_T_NULL; t++) {
		const char *text = tt[0] ? tt : texts[data[0] % (sizeof texts / sizeof texts[0])];
		int rc = dbx_conv((enum dbx_type)t, text, &in, z, &out, &e);
		if (rc < 0)
			abort(); /* only ENOMEM may fail */
		if (rc == 0 && rec_utf8_valid(p, n))
			check_json(&out, z);
	}
	char buf[64], buf2[64];
	int k = dbx_timestamp_utc(p, n, buf, sizeof buf);
	if (k >= 0 && (buf[k - 1] != 'Z' || dbx_timestamp_utc(buf, (size_t)k, buf2, sizeof buf2) != k ||
		       memcmp(buf, buf2, (size_t)k)))
		abort(); /* the output form is a fixed point */
	(void)dbx_type_of(n ? tt : NULL, tt);
	msgpack_zone_free(z);
	return 0;
}
