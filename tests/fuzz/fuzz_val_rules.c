/* fuzz_val_rules: one JSON record through validate's rules (lib/val_rules.c), with and
 * without a schema, strict and not. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "rec.h"
#include "val_rules.h"

static struct val_iso *iso;
static struct val_schema *schema;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	msgpack_zone *z;
	msgpack_object o;
	struct buf path = BUF_INIT;
	if (!iso) {
		static const char c[] = "{\"3166-1\":[{\"alpha_2\":\"SG\"},{\"alpha_2\":\"US\"}]}";
		static const char m[] = "{\"4217\":[{\"alpha_3\":\"USD\"},{\"alpha_3\":\"SGD\"}]}";
		static const char s[] = "{\"attributes\":{\"tier\":\"string\",\"ltv\":\"number\",\"vip\":\"boolean\","
					"\"last_order\":\"datetime\",\"tags\":\"strings\"},\"events\":{\"purchase\":"
					"{\"coupon\":\"string\"},\"wishlist_add\":{\"list\":\"string\"}}}";
		iso = val_iso_parse(c, sizeof c - 1, m, sizeof m - 1, &e);
		schema = val_schema_parse(s, sizeof s - 1, "schema", &e);
		if (!iso || !schema)
			__builtin_trap();
	}
	if (!(z = msgpack_zone_new(4096)))
		return 0;
	/* only what rec_read would hand out: parsed and checked */
	if (rec_json_parse((const char *)data, size, z, &o, &e) == 0 && rec_check(&o, 0, &path, &e) == 0) {
		for (int k = 0; k < 4; k++) {
			struct val_cfg cfg = { iso, k & 1 ? schema : NULL, 1767225600, k & 2 ? 30 : -1, k >> 1 };
			struct val_ctx *c = val_ctx_new(&cfg);
			const struct val_issue *is;
			int n;
			if (!c)
				break;
			n = val_check(c, &o);
			if (n >= 0 && (size_t)n != val_nerrors(c) + val_nwarnings(c))
				__builtin_trap();
			for (size_t i = 0; (is = val_issue(c, i)); i++)
				if (!is->field || !is->message[0] || is->rule < 0 || is->rule >= VR__N)
					__builtin_trap();
			val_ctx_free(c);
		}
	}
	buf_free(&path);
	msgpack_zone_free(z);
	return 0;
}
