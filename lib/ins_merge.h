/* ins_merge.h: one user's changes of a run merged into one user object (issue 14 section 3;
 * docs/delivery.md, "Merging").
 *
 * When a record's user is already in the batch being filled, insider-push merges the record
 * into that user's object instead of closing the batch before it, when the merged object
 * means what the two objects sent one after the other mean:
 *   - identifiers (and insider_id, not_append, append) equal in both;
 *   - attributes: the later value wins per key, `custom` merged per key too;
 *   - events: all kept, the earlier object's first (input order).
 * It is not merged (the caller closes the batch before the record, as without merging) when
 * a key holds null in either object (Insider does not document whether null is stored), when
 * both set an array attribute in append mode (Insider appends arrays: the later value alone
 * would lose the earlier one), when either object has any other key (object_attributes ...),
 * or when the merged object would pass a per-user limit (INS_MERGE_MAX_*).
 *
 * Ownership: the merged object points into old, nu and z. Pure: no I/O.
 */
#ifndef DBXI_INS_MERGE_H
#define DBXI_INS_MERGE_H
#include <msgpack.h>

#define INS_MERGE_MAX_CUSTOM 80  /* Insider: custom attributes (reference 1.4) */
#define INS_MERGE_MAX_EVENTS 100 /* ours: Insider documents no events-per-user limit */

/* ins_merge_users: 1 with *out = old's changes followed by nu's as one user object (their
 * metadata keys left out); 0 when they cannot be merged (*why says why); -1 on ENOMEM.
 * not_append: the flag insider-push adds to both (--not-append / _insider.not_append). */
int ins_merge_users(const msgpack_object *old, const msgpack_object *nu, int not_append,
	msgpack_zone *z, msgpack_object *out, const char **why);
#endif
