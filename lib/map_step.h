/* map_step.h: row-map's part in keeping Insider in step with the table (issue 13).
 *
 * --nulls clear: an attribute whose column is null in an update_postimage row is to be
 * cleared in Insider (Delete User Attribute API, reference 5.1). Its name goes into the
 * record's metadata `_clear` (an array of strings: "phone_number", "custom.tier"), which
 * insider-push turns into attribute-delete requests; the upsert part no longer carries it.
 * --deletes profile|attributes: a `delete` change row becomes a record with the row's
 * identifiers and metadata and `_delete: "profile"` (the profile is deleted, reference 5.3)
 * or `_delete: "attributes"` with every mapped attribute in `_clear`. Default: a delete row is
 * rejected, as before. docs/records.md and docs/mapping.md describe the forms.
 *
 * Ownership: strings built here live in the caller's zone z. Nothing prints or exits.
 */
#ifndef DBXI_MAP_STEP_H
#define DBXI_MAP_STEP_H
#include "map_int.h"
#include "rec.h"

enum { MAP_DELETES_IGNORE = 0, MAP_DELETES_PROFILE, MAP_DELETES_ATTRIBUTES };

/* map_set_step: the options above (map_core.h's struct map stays opaque to cmd/) */
void map_set_step(struct map *m, int nulls_clear, int deletes);

/* the group's fields left out of b (their value was null) or null in b (skip_nulls false):
 * their names are pushed to cl ("custom." first when custom), the null entries leave b.
 * -1 on ENOMEM. */
int map_step_nulls(const struct map_group *g, struct rec_mapb *b, int custom,
	struct rec_arrb *cl, msgpack_zone *z);
/* every field of the group into cl, except (default ones) those the mapping also maps as
 * identifiers (ids: email, phone_number, uuid): identifiers are never cleared */
int map_step_all(const struct map_group *g, int custom, const struct map_group *ids,
	struct rec_arrb *cl, msgpack_zone *z);
/* the first name of cl that the mapping also maps as an identifier, or NULL: Insider forbids
 * clearing an identifier through the attribute API (reference 5.1) */
const msgpack_object *map_step_clears_identifier(const struct rec_arrb *cl,
	const struct map_group *ids);
#endif
