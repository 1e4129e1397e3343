/* ins_resp.h: reading Insider's answers to an upsert.
 *
 * A 200 answer carries per-user failures (reference 3.2):
 *   {"data":{"successful":{"count":2},"fail":{"count":1,"errors":{
 *      "users.0.identifiers.*.regexp(^.+@.+\\..+$)":["not a valid email address: sample"]}}}}
 * Each error key is `users.<index>.<path>.<rule>` (the rule may hold dots inside parentheses);
 * ins_resp_parse maps it back to the user's index in the request and splits path and rule.
 *
 * Ownership: struct ins_resp owns a msgpack zone holding every string it hands out; free it
 * with ins_resp_free. The body given to ins_resp_parse must outlive the struct too (strings
 * may point into it). Nothing here prints or exits.
 */
#ifndef DBXI_INS_RESP_H
#define DBXI_INS_RESP_H
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "err.h"

struct ins_fail {
	long user;          /* index in the request's users array; -1 when the key names none */
	const char *key;    /* the whole error key as sent */
	const char *field;  /* path without the index and a trailing ".*": "identifiers" */
	const char *rule;   /* "regexp(^.+@.+\\..+$)", "required", ...; "" when none */
	const char **msgs;  /* the messages (an empty list gives one message: the key) */
	size_t nmsgs;
};

struct ins_resp {
	long successful;    /* data.successful.count; 0 for {} (the live API's "none"); -1 when
	                       data.successful is absent, -2 when it is not such an object */
	long failed;        /* data.fail.count, the same way */
	int understood;     /* 1: the documented {"data":{...}} form was found */
	struct ins_fail *fails;
	size_t nfails;
	msgpack_zone *z;
};

/* ins_resp_parse: reads a 200 body. nusers is the request's user count: an index at or past
 * it is reported with user = -1. Returns 0 (a body not in the documented form gives
 * understood = 0 and no fails), -1 only on ENOMEM (XIT_TEMPFAIL). */
int ins_resp_parse(const char *body, size_t len, size_t nusers, struct ins_resp *r,
	struct err *e);
void ins_resp_free(struct ins_resp *r);

/* ins_error_key: splits one error key. 0 and *user, path [*f, *f+*fn), rule [*r, *r+*rn)
 * (strings point into key), or -1 when the key does not start with "users.<index>.". */
int ins_error_key(const char *key, size_t n, unsigned long *user, const char **f, size_t *fn,
	const char **r, size_t *rn);

/* ins_resp_message: a one-line message from an error body: its "error" or "message" string
 * when the body is such JSON, else the body's text with control characters blanked (HTML
 * included), cut to fit out (at most 300 bytes). Always NUL-terminates out. */
void ins_resp_message(const char *body, size_t len, char *out, size_t outlen);
#endif
