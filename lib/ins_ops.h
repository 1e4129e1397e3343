/* ins_ops.h: insider-push's clears and deletions (issue 13; docs/delivery.md, "Clears and
 * deletions").
 *
 * A record whose metadata holds `_clear` (attribute names: "phone_number", "custom.tier") or
 * `_delete` ("profile" or "attributes"; written by row-map --nulls clear / --deletes) asks for
 * requests besides the upsert:
 *   - `_clear` (and `_delete: "attributes"`): one user of a Delete User Attribute request,
 *     `POST /api/user/v1/attribute/delete` (reference 5.1): {"identifiers":..,"whole":[..],
 *     "custom":{"whole":[..]}}, up to 1,000 users a request, within the upsert's budget;
 *   - `_delete: "profile"`: one Delete User request, `POST /api/user/v1/delete` (reference
 *     5.3): {"identifiers":..}, one user a request, 10,000 a minute.
 * The engine (ins_push.c) puts such a user in a batch of its own kind, in input order, so that
 * the ordering rule (no batch goes before an earlier one holding one of its users) keeps one
 * user's upserts, clears and deletion in commit order.
 *
 * Ownership: values built here point into the record and the caller's zone. Pure: no I/O.
 */
#ifndef DBXI_INS_OPS_H
#define DBXI_INS_OPS_H
#include <stddef.h>
#include <msgpack.h>
#include "err.h"

#define INS_ATTR_DELETE_PATH "/api/user/v1/attribute/delete"
#define INS_USER_DELETE_PATH "/api/user/v1/delete"
#define INS_DELETE_RATE_PER_MINUTE 10000

enum { INS_KIND_UPSERT = 0, INS_KIND_CLEAR = 1, INS_KIND_DELETE = 2 };

#define INS_OP_UPSERT 1 /* the record has attributes, events or object_attributes to send */
#define INS_OP_CLEAR  2 /* attributes to clear */
#define INS_OP_DELETE 4 /* the profile to delete */

/* ins_ops_has: 1 when the record (a map) has a _clear or a _delete key: not the plain path */
int ins_ops_has(const msgpack_object *rec);
/* ins_ops_of: the INS_OP_* the record asks for: 0 for a record without _clear and _delete
 * (the plain path), and also for one whose _clear is empty and that has nothing to upsert */
int ins_ops_of(const msgpack_object *rec);
/* ins_ops_user: the user object of the request of kind (INS_KIND_CLEAR or _DELETE) for rec,
 * with rec's metadata keys kept (the engine leaves them out of the body). -1 on ENOMEM. */
int ins_ops_user(const msgpack_object *rec, int kind, msgpack_zone *z, msgpack_object *out,
	struct err *e);
/* ins_ops_kind_name: "upsert", "attribute-delete", "profile-delete" */
const char *ins_ops_kind_name(int kind);
/* ins_ops_delete_ok: 1 when body answers a profile delete as Insider does (a JSON object,
 * `{}` in reference 10.5); 0 otherwise (not a delivery) */
int ins_ops_delete_ok(const char *body, size_t len);
#endif
