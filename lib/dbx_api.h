/* dbx_api.h: a Databricks workspace connection: authenticated REST calls over lib/http.
 *
 * Auth: PAT ("Authorization: Bearer TOKEN"); Azure Entra ID (azure-client-secret): POST
 * LOGIN_URL/TENANT/oauth2/v2.0/token with client_id, client_secret and the Azure Databricks
 * resource scope in the form, cached and refreshed as OAuth M2M tokens are; or OAuth M2M: discovery at
 * /oidc/.well-known/oauth-authorization-server, then POST token_endpoint with
 * grant_type=client_credentials&scope=all-apis and HTTP Basic client credentials. The token is
 * cached in memory and fetched again before it expires (min(300 s, TTL/2) early); a 401 or 403
 * answered to an OAuth call fetches a new token once and retries the call.
 * Retries: 429, 502, 503, 504 and network errors per lib/http (Retry-After honoured), on a host
 * that has answered before. The first contact with the workspace host (or the Entra ID login
 * URL) is tried twice at most when the host cannot be reached (DNS failure, connection refused,
 * TLS failure, timeout): "cannot reach DATABRICKS_HOST=HOST: CAUSE", XIT_UNAVAILABLE (#11.4).
 *
 * Ownership: dbx_conn_new copies what it needs from cfg (which the caller may then free) and
 * owns its http client and token; dbx_conn_free releases and wipes them. struct dbx_doc owns a
 * response body and the zone its parsed value lives in (dbx_doc_free). Nothing prints or exits;
 * error messages never hold a token or a secret.
 */
#ifndef DBXI_DBX_API_H
#define DBXI_DBX_API_H
#include <msgpack.h>
#include <signal.h>
#include "buf.h"
#include "dbx_cfg.h"
#include "err.h"
#include "http.h"

/* the Azure Databricks resource (its well-known application id), for Entra ID tokens */
#define DBX_AZURE_DATABRICKS_SCOPE "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default"

struct dbx_conn;

struct dbx_conn *dbx_conn_new(const struct dbx_cfg *cfg, struct err *e);
void dbx_conn_free(struct dbx_conn *c);
/* sleeps secs, cut short by the abort flag (http_aborted): 0, or -1 when aborted */
int dbx_nap(double secs);
const char *dbx_conn_host(const struct dbx_conn *c);
const char *dbx_conn_warehouse(const struct dbx_conn *c);
enum dbx_auth_kind dbx_conn_auth(const struct dbx_conn *c);
/* the retry policy for every call (a test knob: DBXI_RETRY_BASE_MS shortens the waits) */
struct http_retry *dbx_conn_retry(struct dbx_conn *c);

/* Notes for the user (#11.4): retries ("retrying POST URL after HTTP 503 ...") and long waits
 * ("waiting for warehouse X to start (30s)") go to fn, which cmd/ prints on stderr. No
 * secrets in them. Without fn nothing is said. */
void dbx_conn_set_note(struct dbx_conn *c, void (*fn)(void *arg, const char *msg), void *arg);
void dbx_conn_note(struct dbx_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* dbx_auth_check: makes sure a token is at hand (OAuth: fetches one). -1: XIT_NOPERM when
 * refused, XIT_UNAVAILABLE / XIT_CONFIG otherwise. */
int dbx_auth_check(struct dbx_conn *c, struct err *e);

/* a parsed JSON response */
struct dbx_doc {
	struct http_resp resp;
	msgpack_zone *z;
	msgpack_object v; /* NIL when the body was empty or not JSON */
	int json;         /* the body parsed as JSON */
};
void dbx_doc_init(struct dbx_doc *d);
/* parses d->resp.body (set by the caller, malloc'ed) into d->v; -1 only on ENOMEM */
int dbx_doc_parse(struct dbx_doc *d, struct err *e);
void dbx_doc_free(struct dbx_doc *d);

/* dbx_call: METHOD host+path (path starts with '/', query included) with the auth header and
 * an optional JSON body; retried, refreshed once on 401/403. 0 when a response arrived: its
 * status in d->resp.status, whatever it is (the body parsed into d->v when it is JSON);
 * -1 on a transport failure after the retries (XIT_UNAVAILABLE), interruption (XIT_TEMPFAIL),
 * refused credentials at the token endpoint (XIT_NOPERM). d is freed first. */
int dbx_call(struct dbx_conn *c, const char *method, const char *path, const char *body,
	struct dbx_doc *d, struct err *e);

/* dbx_api_error: for a non-2xx response: fills e with "WHAT: HTTP 403: message
 * (ERROR_CODE)" and the status that fits: 401/403 XIT_NOPERM, 404/400 XIT_CONFIG, 429/5xx
 * XIT_UNAVAILABLE, other XIT_TEMPFAIL. The body may be JSON ("error_code" string or number,
 * "message") or HTML (its <title>). Returns -1. */
int dbx_api_error(const struct dbx_doc *d, const char *what, struct err *e);
/* dbx_clean_text: the printable text of s[0..n) into out (NUL-terminated, cut to outlen),
 * runs of white space collapsed to one space: server messages made fit for one line */
void dbx_clean_text(const char *s, size_t n, char *out, size_t outlen);

/* Scrubbing (#10.12): every message that leaves dbx-cdf-read goes through dbx_scrub, which
 * replaces each known secret (registered with dbx_scrub_add: the token, client secrets, every
 * access token fetched) by "***", and any "Bearer <token>" and JWT-shaped word too. Secrets
 * shorter than 8 bytes are not looked for (they would mangle ordinary text). dbx_conn_new
 * registers the connection's secrets; dbx_scrub_clear wipes the list. In place, s stays
 * NUL-terminated within cap. (insider-push has its own scrubber: to be merged into one.) */
void dbx_scrub_add(const char *secret);
void dbx_scrub(char *s, size_t cap);
void dbx_scrub_clear(void);

/* dbx_fetch: GET an absolute URL (an external link) WITHOUT the Authorization header, with
 * the given extra headers; retried; body parsed as JSON when it is. 0 when a response arrived. */
int dbx_fetch(struct dbx_conn *c, const char *url, const char *const *headers, struct dbx_doc *d,
	struct err *e);
/* dbx_fetch without parsing the body (d->json 0, d->v NIL): dbx_doc_parse when needed */
int dbx_fetch_raw(struct dbx_conn *c, const char *url, const char *const *headers,
	struct dbx_doc *d, struct err *e);

/* dbx_set_abort_flag: the SIGINT/SIGTERM flag (given to lib/http too). dbx_abort_hold(1)
 * hides it while a cancel request is sent; dbx_abort_hold(0) shows it again. */
void dbx_set_abort_flag(volatile sig_atomic_t *flag);
void dbx_abort_hold(int hold);

/* small JSON helpers over rec_get */
const char *dbx_str(const msgpack_object *map, const char *key, size_t *len); /* NULL if not STR */
int dbx_strdup_of(const msgpack_object *map, const char *key, char *out, size_t outlen);
int dbx_int_of(const msgpack_object *map, const char *key, long long *out); /* -1 absent */
int dbx_urlenc(struct buf *b, const char *s); /* percent-encode for a query or path part */
#endif
