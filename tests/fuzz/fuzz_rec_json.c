/* libFuzzer: rec_json_parse on any bytes; a value that parses must write back to JSON that
 * parses again to the same text, and survive a MessagePack round trip. */
#include <stdlib.h>
#include <string.h>
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	struct err e = ERR_INIT;
	msgpack_object o, o2;
	struct buf a = BUF_INIT, b = BUF_INIT, mp = BUF_INIT;
	if (rec_json_parse((const char *)data, size, z, &o, &e) == 0) {
		if (rec_json_append(&a, &o) < 0)
			abort();
		if (rec_json_parse(a.p, a.len, z, &o2, &e) < 0 || rec_json_append(&b, &o2) < 0)
			abort();
		if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
			abort();
		if (rec_msgpack_append(&mp, &o) < 0)
			abort();
		/* the sizes the writers check the record limit with are exact */
		if (rec_msgpack_size(&o) != mp.len || rec_json_size(&o, (size_t)-1 / 2) != a.len)
			abort();
		if (a.len > 0 && rec_json_size(&o, a.len - 1) <= a.len - 1)
			abort();
		/* our encoder writes exactly what msgpack-c's packer writes */
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		if (msgpack_pack_object(&pk, o) != 0 || sb.size != mp.len || memcmp(sb.data, mp.p, mp.len) != 0)
			abort();
		msgpack_sbuffer_destroy(&sb);
		msgpack_unpacked u;
		msgpack_unpacked_init(&u);
		struct buf path = BUF_INIT, c = BUF_INIT;
		if (msgpack_unpack_next(&u, mp.p, mp.len, NULL) != MSGPACK_UNPACK_SUCCESS)
			abort();
		if (rec_check(&u.data, 0, &path, &e) < 0 || rec_json_append(&c, &u.data) < 0)
			abort();
		if (c.len != a.len || memcmp(c.p, a.p, a.len) != 0)
			abort();
		msgpack_unpacked_destroy(&u);
		buf_free(&path);
		buf_free(&c);
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&mp);
	msgpack_zone_free(z);
	return 0;
}
