/* val_schema.h: the account's schema file (validate --schema, insider-push --fetch-schema,
 * the Insider emulator's --schema), per notes/insider-contract.md:
 *
 *   {"attributes": {"tier": "string", "ltv": "number", "vip": "boolean",
 *                   "last_order": "datetime", "tags": "strings"},
 *    "events": {"purchase": {"coupon": "string"}, "wishlist_add": {"list": "string"}}}
 *
 * attributes: the custom attributes (name -> type); events: every event the account knows
 * beyond Insider's default ones, and default events that carry custom parameters, each with
 * its custom parameters (name -> type). Types: string | number | boolean | datetime | strings.
 * Top-level keys starting with '_' are comments; any other key is refused.
 *
 * Ownership: val_schema_parse/load return a schema that owns copies of every name (the text
 * may be freed afterwards); val_schema_free releases it. Lookups return borrowed pointers
 * valid until then.
 */
#ifndef DBXI_VAL_SCHEMA_H
#define DBXI_VAL_SCHEMA_H
#include <stddef.h>
#include "err.h"

enum val_type { VAL_T_STRING, VAL_T_NUMBER, VAL_T_BOOLEAN, VAL_T_DATETIME, VAL_T_STRINGS };
#define VAL_SCHEMA_MAX_FILE (16u << 20)
#define VAL_LIMIT_CUSTOM_ATTRIBUTES 80 /* reference section 2, academy "by default" */
#define VAL_LIMIT_CUSTOM_PARAMS 80     /* distinct custom event parameters, all events */

struct val_schema;
struct val_sevent;

/* name names the file in messages ("schema.json"). NULL with e filled: XIT_CONFIG for
 * anything wrong in the file (message "NAME: KEY.PATH: what is wrong"), XIT_TEMPFAIL for
 * memory. */
struct val_schema *val_schema_parse(const char *text, size_t n, const char *name, struct err *e);
struct val_schema *val_schema_load(const char *path, struct err *e);
void val_schema_free(struct val_schema *s);

/* -1 when absent, else an enum val_type */
int val_schema_attr(const struct val_schema *s, const char *name, size_t n);
const struct val_sevent *val_schema_event(const struct val_schema *s, const char *name, size_t n);
int val_schema_param(const struct val_sevent *ev, const char *name, size_t n);

size_t val_schema_nattrs(const struct val_schema *s);
size_t val_schema_nevents(const struct val_schema *s);
size_t val_schema_nparams(const struct val_schema *s); /* distinct names over all events */
const char *val_type_name(int t);

/* calls fn for every custom attribute (event NULL) and every custom parameter of every event
 * (its event's name), in no particular order; names are NUL-terminated */
void val_schema_each(const struct val_schema *s,
	void (*fn)(void *arg, const char *event, const char *name, size_t n), void *arg);
#endif
