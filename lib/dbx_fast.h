/* dbx_fast.h: one JSON_ARRAY value converted per its column's type straight to MessagePack
 * (#14.2): the bytes rec_msgpack_append writes for the value dbx_conv makes, without building
 * the value first in the common forms (strings, canonical integers and decimals, booleans,
 * dates, UTC timestamps already in the output form); any other form goes through dbx_conv.
 * tests/fuzz/fuzz_dbx_fast.c compares both ways.
 *
 * Ownership: appends to the caller's buffer; z holds what dbx_conv builds (the caller clears
 * it). Nothing prints or exits.
 */
#ifndef DBXI_DBX_FAST_H
#define DBXI_DBX_FAST_H
#include <msgpack.h>
#include "buf.h"
#include "dbx_types.h"
#include "err.h"

/* as dbx_conv: 0 converted, 1 passed on as it is (not in the type's form), -1 out of memory
 * (e set); the MessagePack of the result appended to b */
int dbx_conv_mp(struct buf *b, enum dbx_type t, const char *type_text, const msgpack_object *v,
	msgpack_zone *z, struct err *e);
/* the MessagePack of v (as rec_msgpack_append), -1 on ENOMEM or a type it cannot carry */
int dbx_mp_value(struct buf *b, const msgpack_object *v);
/* a TIMESTAMP text dbx_timestamp_utc gives back unchanged ("YYYY-MM-DDTHH:MM:SS[.f]Z") */
int dbx_ts_is_utc_form(const char *s, size_t n);
#endif
