/* ins_profile.h: insider-push --reconcile: were the users Insider accepted really applied?
 *
 * A 200 from the Upsert API means accepted, not applied (unification is asynchronous,
 * reference 3.2). ins_reconcile reads user records (what was sent: lib/rec.h, JSON or
 * MessagePack), picks a sample of distinct users (the ones whose identity hashes lowest: the
 * same input gives the same sample), folds each sampled user's records in input (= commit)
 * order into what Insider should now hold (the last value of every attribute, the events),
 * reads each profile back through `POST {base}/api/user/v1/profile` (reference 5.4: one user
 * a request, custom fields with the c_ prefix, events by name within a time window, paced to
 * the profile API's quota) and compares:
 *   - an attribute matches when Insider holds the same value as Insider types it: numbers by
 *     value (30 = 30.0), RFC 3339 times by instant, strings and booleans exactly, an array when
 *     every element sent is in Insider's array (arrays append by default, reference 1.5);
 *     gdpr_optin is read back as gdpr (reference 5.4);
 *   - an event matches when Insider holds an event of that name at that instant
 *     (`created_date`); events older than Insider's retention (reference 1.7: purchase 730
 *     days, others 90) are not checked, Insider drops them by design;
 *   - an attribute of `_clear` (after the last value sent) matches when Insider does not hold
 *     it; a user whose last record is `_delete: "profile"` matches when Insider has no profile
 *     (404; the line then says "deleted":true).
 * Each checked user gives one NDJSON line to the line callback:
 *   {"result":"matched"|"differing"|"missing","identifiers":{...},
 *    "differences":[{"field":"attributes.name","sent":"Ann","insider":"Bo"},...]}
 * ("missing": Insider has no profile for the identifiers, 404). Users of the exclude file (a
 * rejects file: every line's record.identifiers / record.insider_id) are not sampled.
 *
 * Memory: the sample's users (at most INS_RC_EVENTS events each), not the input's size.
 * Ownership: opts and its strings are the caller's, only read. Nothing here prints or exits;
 * the token never appears in an error or a line.
 */
#ifndef DBXI_INS_PROFILE_H
#define DBXI_INS_PROFILE_H
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "ins_meta.h"

#define INS_PROFILE_PATH "/api/user/v1/profile"
#define INS_RC_SAMPLE 100       /* users checked by default */
#define INS_RC_RATE 400         /* profile reads a minute: 1,000 quota units / 2.5 a read */
#define INS_RC_EVENTS 64        /* the latest events kept per sampled user */

struct ins_rc_opts {
	struct ins_conn conn;
	int in_fd;
	size_t max_record;      /* 0: rec.h's default */
	long sample;            /* users to check, >= 1 */
	double rate;            /* profile reads a minute; <= 0: INS_RC_RATE */
	const char *exclude;    /* a rejects file, or NULL */
	int64_t now;            /* epoch seconds, for the retention of events; 0: the clock */
	/* one NDJSON line (without its newline); -1 stops the run (XIT_TEMPFAIL) */
	int (*line)(void *arg, const char *text, size_t len);
	void *arg;
};

struct ins_rc_stats {
	uint64_t records;   /* records read */
	uint64_t users;     /* users that entered the sample (some left it for lower hashes) */
	uint64_t checked, matched, differing, missing;
	uint64_t excluded;  /* records skipped because their user is in the exclude file */
};

/* ins_reconcile: 0 when every sampled user was read back (whatever the result: the caller
 * exits 65 unless differing + missing == 0); -1 with e: XIT_DATAERR (malformed input),
 * XIT_NOPERM (401/403), XIT_UNAVAILABLE (no answer after the retries), XIT_CONFIG (URL,
 * partner, token, exclude file, or a 400 to the read), XIT_TEMPFAIL (interrupted, memory). */
int ins_reconcile(const struct ins_rc_opts *o, struct ins_rc_stats *st, struct err *e);

/* ins_rc_value_eq: does Insider's value got match the value sent, as described above? Pure. */
int ins_rc_value_eq(const msgpack_object *sent, const msgpack_object *got);
#endif
