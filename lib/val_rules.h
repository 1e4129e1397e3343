/* val_rules.h: Insider's rules for one user object (one element of the upsert `users`
 * array), checked before the request (docs/insider-rules.md lists every rule).
 *
 * Ownership: val_ctx_new borrows iso and schema (the caller keeps them alive and frees them
 * after val_ctx_free). The issues val_check finds live in the context: their strings stay
 * valid until the next val_check or val_ctx_free.
 */
#ifndef DBXI_VAL_RULES_H
#define DBXI_VAL_RULES_H
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include "val_iso.h"
#include "val_schema.h"

/* Stable rule names (rejects files, summaries, docs): keep the order of val_rule_names. */
enum val_rule {
	VR_USER_TYPE,
	VR_USER_KEY,
	VR_USER_EMPTY,
	VR_IDENTIFIER_REQUIRED,
	VR_IDENTIFIER_KEY,
	VR_IDENTIFIER_TYPE,
	VR_IDENTIFIER_EMPTY,
	VR_IDENTIFIER_EMAIL,
	VR_IDENTIFIER_PHONE,
	VR_ATTRIBUTES_EMPTY,
	VR_ATTRIBUTE_UNKNOWN,
	VR_ATTRIBUTE_TYPE,
	VR_ATTRIBUTE_EMAIL,
	VR_ATTRIBUTE_PHONE,
	VR_ATTRIBUTE_BIRTHDAY,
	VR_ATTRIBUTE_COUNTRY,
	VR_ATTRIBUTE_LANGUAGE,
	VR_CUSTOM_ATTRIBUTE_UNKNOWN,
	VR_CUSTOM_ATTRIBUTE_TYPE,
	VR_OBJECT_ATTRIBUTE,
	VR_EVENT_TYPE,
	VR_EVENT_KEY,
	VR_EVENT_NAME,
	VR_EVENT_TIMESTAMP,
	VR_EVENT_TOO_OLD,
	VR_EVENT_PARAM_UNKNOWN,
	VR_EVENT_PARAM_TYPE,
	VR_EVENT_PARAM_REQUIRED,
	VR_EVENT_CURRENCY,
	VR_CUSTOM_EVENT_UNKNOWN,
	VR_CUSTOM_PARAM_UNKNOWN,
	VR_CUSTOM_PARAM_TYPE,
	VR_NULL_VALUE,
	VR_NUMBER_RANGE,
	VR_INTEGER_RANGE,
	VR_CLEAR,            /* _clear: not a list of attribute names (issue 13) */
	VR_CLEAR_IDENTIFIER, /* _clear names an identifier of the user */
	VR_DELETE,           /* _delete: neither profile nor attributes */
	VR__N
};
const char *val_rule_name(int rule);
int val_rule_is_warning(int rule); /* a warning passes the record unless --strict */
/* a configuration-class rule: a custom field the schema file lacks (custom-attribute-unknown,
 * custom-event-unknown, custom-param-unknown). Such an issue says nothing about the record:
 * once the account and the schema have the field, the record goes through. */
int val_rule_is_config(int rule);
int val_rule_from_name(const char *name); /* -1 when unknown */

struct val_cfg {
	const struct val_iso *iso;        /* required */
	const struct val_schema *schema;  /* NULL: custom fields only loosely type-checked */
	int64_t now;                      /* seconds since the epoch, for event-too-old */
	long max_event_age;               /* days; -1: Insider's retention table; 0: no check */
	int strict;                       /* warnings become errors */
};

struct val_issue {
	int rule;
	int warning; /* 1: passes the record (not under strict) */
	const char *field;   /* dotted path in the user object, "" for the whole record */
	const char *message;
	/* configuration-class issues: what the schema lacks, "attributes.custom.NAME",
	 * "event NAME" or "event NAME: parameter NAME"; "" for the others */
	const char *missing;
};

struct val_ctx;
struct val_ctx *val_ctx_new(const struct val_cfg *cfg); /* NULL on ENOMEM */
void val_ctx_free(struct val_ctx *c);
/* checks one record; returns the number of issues found (0: valid), -1 on ENOMEM.
 * Top-level keys starting with '_' are metadata and ignored. At most VAL_MAX_ISSUES issues
 * are kept per record; val_dropped() tells how many more were found. */
#define VAL_MAX_ISSUES 64
int val_check(struct val_ctx *c, const msgpack_object *user);
const struct val_issue *val_issue(const struct val_ctx *c, size_t i);
size_t val_nerrors(const struct val_ctx *c);   /* issues that reject the record */
size_t val_nwarnings(const struct val_ctx *c); /* issues that only warn */
/* errors of configuration-class rules. A config-class issue is only reported on a part of the
 * record that is otherwise valid (no custom-param-unknown under an invalid or unknown event),
 * and a record with any other error is a data reject: val_nerrors() > val_nconfig(). */
size_t val_nconfig(const struct val_ctx *c);
size_t val_dropped(const struct val_ctx *c);
/* Insider's retention of an event name in days (reference section 1.7) */
long val_retention_days(const char *name, size_t n);
#endif
