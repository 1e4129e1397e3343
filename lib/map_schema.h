/* map_schema.h: `row-map --check --schema`: the custom fields a mapping emits against the
 * account's schema file (val_schema.h), so that a mapping validate would refuse on every row
 * is refused before a run.
 *
 * Ownership: borrows m and s; appends to the caller's bad and notes.
 */
#ifndef DBXI_MAP_SCHEMA_H
#define DBXI_MAP_SCHEMA_H
#include "buf.h"
#include "map_core.h"
#include "val_schema.h"

/* appends to bad one line per custom attribute or custom event parameter the mapping names
 * and the account lacks ("attributes.custom.loyalty_tier: SNAME has no custom attribute
 * loyalty_tier (closest: tier)"), and to notes one line per custom group whose names come
 * from a column or jq at run time (validate checks those). An event named by a constant must
 * carry the parameter in the schema; an event named by a column, any event of the schema.
 * Returns the number of lines added to bad, or -1 (memory). */
int map_check_schema(const struct map *m, const struct val_schema *s, const char *sname,
	struct buf *bad, struct buf *notes);
#endif
