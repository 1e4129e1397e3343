/* fuzz_map_conv: differential libFuzzer harness for row-map's fast conversions (#14.2):
 * map_conv's date-time and date conversion (which takes the common forms by a fast path)
 * must give exactly what the general parser map_datetime gives (the text, or a failure with
 * the same reason); integers (the input's first 8 bytes) must become what printf writes. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "map_conv.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msgpack_zone *z = msgpack_zone_new(1024);
	if (!z)
		__builtin_trap();
	for (int date_only = 0; date_only <= 1; date_only++) {
		struct buf w1 = BUF_INIT, w2 = BUF_INIT;
		msgpack_object in = rec_strref((const char *)data, size), out;
		char tmp[64];
		int k = map_conv(date_only ? MT_DATE : MT_DATETIME, &in, z, &out, &w1);
		int g = map_datetime((const char *)data, size, date_only, tmp, &w2);
		if (k == -2)
			__builtin_trap();
		if ((k == 0) != (g >= 0))
			__builtin_trap();
		if (k == 0 && (out.type != MSGPACK_OBJECT_STR || out.via.str.size != (uint32_t)g ||
		    memcmp(out.via.str.ptr, tmp, (size_t)g) != 0))
			__builtin_trap();
		if (k != 0 && (!w1.p || !w2.p || strcmp(w1.p, w2.p) != 0))
			__builtin_trap();
		buf_free(&w1), buf_free(&w2);
	}
	if (size >= 8) {
		uint64_t u;
		char want[32];
		struct buf why = BUF_INIT;
		msgpack_object in, out;
		memcpy(&u, data, 8);
		if (u > (uint64_t)INT64_MAX && (data[size - 1] & 1)) { /* a negative integer */
			in.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
			in.via.i64 = (int64_t)u;
			snprintf(want, sizeof want, "%" PRId64, in.via.i64);
		} else {
			in.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
			in.via.u64 = u;
			snprintf(want, sizeof want, "%" PRIu64, u);
		}
		if (map_conv(MT_STRING, &in, z, &out, &why) != 0 || out.type != MSGPACK_OBJECT_STR ||
		    out.via.str.size != strlen(want) || memcmp(out.via.str.ptr, want, strlen(want)) != 0)
			__builtin_trap();
		buf_free(&why);
	}
	msgpack_zone_free(z);
	return 0;
}
