/* map_suggest.h: `row-map --suggest`: a starting mapping from a table's columns.
 *
 * Ownership: the caller owns out and notes (struct buf); map_suggest appends to them and
 * never frees them. Nothing else outlives the call.
 */
#ifndef DBXI_MAP_SUGGEST_H
#define DBXI_MAP_SUGGEST_H
#include "buf.h"
#include "err.h"
#include "val_schema.h"

/* reads the first record of in_fd: a schema line ({"_schema":{"table":..,"columns":[{"name":..,
 * "type":..}]}}) or a change row (its keys are the columns, its values hint at the types).
 * Appends to out the mapping as indented JSON (with a final newline), and to notes one line per
 * remark (a column left out and why, a guess to check). With schema (the account's schema
 * file, named schema_name in notes), a column becomes a custom attribute or parameter only if
 * the account has it; otherwise it is left out with a note naming the closest account field.
 * Columns named after Insider's warehouse import (a_age, e_quantity, e_guid) map by their
 * bare names. 0, or -1 with e (XIT_DATAERR for an empty or bad input). */
int map_suggest(int in_fd, const struct val_schema *schema, const char *schema_name, struct buf *out,
	struct buf *notes, struct err *e);
#endif
