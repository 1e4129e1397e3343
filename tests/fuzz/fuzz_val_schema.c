/* fuzz_val_schema: the schema file parser of validate --schema (lib/val_schema.c), then
 * lookups of every name the input may hold. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "val_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct val_schema *s = val_schema_parse((const char *)data, size, "fuzz.json", &e);
	if (!s) {
		/* every refusal is a configuration error or memory, with a message */
		if ((e.status != XIT_CONFIG && e.status != XIT_TEMPFAIL) || !e.msg[0])
			__builtin_trap();
		return 0;
	}
	/* look up slices of the input as names: must not crash, types in range */
	for (size_t i = 0; i + 1 < size && i < 256; i += 7) {
		size_t n = size - i < 24 ? size - i : 24;
		int t = val_schema_attr(s, (const char *)data + i, n);
		const struct val_sevent *ev = val_schema_event(s, (const char *)data + i, n);
		if (t < -1 || t > VAL_T_STRINGS)
			__builtin_trap();
		if (ev && val_schema_param(ev, (const char *)data, n) > VAL_T_STRINGS)
			__builtin_trap();
	}
	if (val_schema_nparams(s) > size || val_schema_nattrs(s) > size)
		__builtin_trap();
	val_schema_free(s);
	return 0;
}
