/* ins_push.h: insider-push's engine: records in, upsert requests out.
 *
 * ins_push_run reads user records (lib/rec.h, JSON or MessagePack) from opts->in_fd, packs
 * them into request bodies (lib/ins_batch.h), and sends them to
 * `POST {base_url}/api/user/v1/upsert` with up to `concurrency` requests in flight (curl
 * multi, lib/http.h), within the account's request budget (lib/ins_rate.h), retrying 429, 5xx
 * and network failures, cutting in two a batch refused whole with 400, and writing the users
 * Insider refused (HTTP 200 `fail.errors`, or a 400 for one user) to the rejects file. See
 * docs/delivery.md for the design (threads, memory bound, progress and resumption).
 *
 * Ownership: opts and everything it points to are the caller's and only read. The token is
 * used for the X-REQUEST-TOKEN header alone: it never appears in an error, a warning, the
 * journal, the rejects or the dry-run output (any text from the service is scrubbed of it).
 * Nothing here prints or exits: text for the user goes through the callbacks.
 */
#ifndef DBXI_INS_PUSH_H
#define DBXI_INS_PUSH_H
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define INS_DEFAULT_URL "https://unification.useinsider.com"
#define INS_UPSERT_PATH "/api/user/v1/upsert"
#define INS_RATE_PER_MINUTE 25000

struct ins_stats {
	uint64_t records;    /* records read */
	uint64_t delivered;  /* users Insider accepted */
	uint64_t cleared;    /* users whose attributes Insider cleared (attribute delete) */
	uint64_t deleted;    /* profiles deleted */
	uint64_t rejected;   /* users written to the rejects file (Insider's refusals and ours) */
	uint64_t requests;   /* requests sent (retries included) */
	uint64_t retries;    /* requests sent again after a 429, 5xx or network failure */
	uint64_t splits;     /* batches cut in two after a 400 */
	uint64_t bytes;      /* request body bytes sent */
	uint64_t inflight;   /* requests in flight now */
	uint64_t merged;     /* records merged into an earlier record's user object (ins_merge.h);
	                        delivered and rejected count records, merged or not */
	uint64_t would_send; /* a dry run: records written into request bodies */
	double elapsed_s;
	int has_through;     /* through_version below is set */
	int64_t through_version;
};

struct ins_push_opts {
	const char *base_url;   /* NULL: INS_DEFAULT_URL */
	const char *partner;    /* sent lowercased in X-PARTNER-NAME */
	const char *token;      /* X-REQUEST-TOKEN; may be NULL in a dry run */
	int in_fd;
	size_t max_record;      /* 0: rec.h's default */
	int batch_users;        /* 1..INS_MAX_USERS */
	size_t batch_bytes;     /* up to INS_MAX_BYTES */
	int concurrency;        /* requests in flight, >= 1 */
	double rate;            /* requests per minute, every request counted; <= 0: no limit */
	int max_attempts;       /* attempts per request for 5xx, network failures and 2xx answers
	                           that do not say what Insider took */
	double max_reject_ratio; /* 0..1: stop (XIT_CONFIG) when Insider refuses more than this
	                            share of the users answered; < 0: no limit (the default) */
	long retry_time_ms;     /* per request: no retry wait may end later than this after
	                           its first attempt (429s included) */
	long backoff_base_ms, backoff_cap_ms;
	long timeout_ms;        /* per request */
	int skip_hook;          /* defaults for records whose _insider does not say */
	int not_append;
	int no_merge;           /* one user object per record: close the batch before a user it
	                           holds (docs/delivery.md, "Merging") */
	int dry_run;            /* bodies go to dry_body; nothing is sent */
	const char *rejects;    /* NULL: reasons on stderr (rej.h) */
	const char *journal;    /* NULL: none */
	const char *progress;   /* NULL: none */
	long progress_interval_ms; /* the progress file is rewritten at most this often (and at
	                              the end); 0 = after every acknowledged batch */
	long status_interval_ms;   /* status() every this often; 0 = never */
	int (*dry_body)(void *arg, const char *body, size_t len);
	void (*status)(void *arg, const struct ins_stats *st);
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

/* ins_push_opts_default: the defaults: 1,000 users, 5,000,000 bytes, concurrency 4,
 * 25,000 requests a minute, 8 attempts, 300 s retry time, backoff 500 ms doubling to 30 s,
 * timeout 120 s, progress every 100 ms. */
void ins_push_opts_default(struct ins_push_opts *o);

/* ins_push_run: 0 when every record read was delivered or rejected with its reason; -1 with e:
 * XIT_NOPERM (401/403: nothing further sent), XIT_UNAVAILABLE (retries exhausted),
 * XIT_DATAERR (malformed input: what came before it was still delivered), XIT_CONFIG (bad
 * URL or settings, 404, a journal that cannot be written, a progress path that is not a
 * regular file, one-user 400s alike (the account, not the users), more rejected than
 * max_reject_ratio), XIT_TEMPFAIL (interrupted, I/O or memory). st is filled either way. */
int ins_push_run(const struct ins_push_opts *o, struct ins_stats *st, struct err *e);

/* ins_check_partner / ins_check_token: XIT_CONFIG unless usable in a header. */
int ins_check_partner(const char *partner, struct err *e);
int ins_check_token(const char *token, struct err *e);
/* ins_lower: lowercased copy of s into out (NUL-terminated, truncated to outlen). */
void ins_lower(const char *s, char *out, size_t outlen);
/* ins_endpoint: base (NULL: default) without trailing '/' followed by path, into out. */
int ins_endpoint(const char *base, const char *path, char *out, size_t outlen, struct err *e);
#endif
