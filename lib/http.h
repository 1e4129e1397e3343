/* http.h: the one HTTP client of dbx-insider, on libcurl.
 *
 * Ownership: a struct http_client or struct http_multi belongs to its creator, who frees it with
 * http_client_free / http_multi_free. A struct http_resp is the caller's (on the stack is fine):
 * start it with HTTP_RESP_INIT or http_resp_init(), and release its body with http_resp_free().
 * A struct http_req is only read: the library copies the URL and the headers it needs, but a
 * request body must stay valid until the request is finished (http_do returns, or
 * http_multi_next hands back the response). Nothing here prints, exits or logs.
 *
 * Security rules kept here, for every request:
 *   - http_url_check: https to any host; plain http only to loopback (127.0.0.0/8, ::1,
 *     localhost); no other scheme; no credentials (user:password@) in URLs.
 *   - TLS peer and host verification are always on; there is no option to turn them off
 *     (a CA file may be named, which still verifies).
 *   - No header is ever added globally: the caller passes every header, Authorization included,
 *     per request. HTTP_NO_AUTH drops any Authorization header from a request (Databricks
 *     EXTERNAL_LINKS must not receive it). Redirects are followed only with HTTP_FOLLOW, each
 *     hop checked by http_url_check, and Authorization is dropped when the host changes.
 *   - Error messages never contain request headers or bodies, nor a URL's credentials, query
 *     string or fragment (http_url_redact). Still, callers must not put secrets in URLs.
 *
 * Return convention: 0 on success, -1 with a filled struct err (lib/err.h). Statuses:
 * XIT_CONFIG for a refused URL, XIT_UNAVAILABLE for a network failure, a too large response or
 * retries exhausted, XIT_TEMPFAIL when interrupted by the abort flag or out of memory.
 */
#ifndef DBXI_HTTP_H
#define DBXI_HTTP_H
#include <signal.h>
#include <stddef.h>
#include <time.h>
#include "err.h"

#ifndef DBXI_VERSION
#define DBXI_VERSION "0.1.0"
#endif
#define HTTP_USER_AGENT "dbx-insider/" DBXI_VERSION

/* http_global_init: curl_global_init once (not thread safe: call from main before threads).
 * Every other function calls it too, so calling it is only needed to catch its failure early. */
int http_global_init(struct err *e);
/* http_global_cleanup: curl_global_cleanup, after every client is freed (end of main). */
void http_global_cleanup(void);

/* http_set_abort_flag: when *flag becomes non-zero (set by the caller's SIGINT/SIGTERM
 * handler), transfers stop (within about a second), backoff waits end, and the call fails
 * with XIT_TEMPFAIL "interrupted". NULL removes the flag. */
void http_set_abort_flag(volatile sig_atomic_t *flag);
int http_aborted(void);

/* http_url_check: 0 when url may be requested, else -1 with XIT_CONFIG and a message such as
 * "plain http is allowed only to a loopback emulator: http://example.com/x". */
int http_url_check(const char *url, struct err *e);

/* http_url_redact: url without credentials, query string and fragment, for messages. Always
 * NUL-terminates out (truncating); returns out. */
char *http_url_redact(const char *url, char *out, size_t len);

/* Client settings. http_opts_default fills the defaults noted. */
struct http_opts {
	long connect_timeout_ms; /* 10000 */
	long timeout_ms;         /* 120000: whole request, 0 = none */
	long low_speed_bytes;    /* 1: abort when slower than this many bytes/s ... */
	long low_speed_time_s;   /* 30: ... for this many seconds */
	size_t max_body;         /* 64 MiB: a larger response body fails the request */
	const char *ca_file;     /* NULL: the system's CA bundle (verification stays on) */
};
void http_opts_default(struct http_opts *o);

/* Request flags */
#define HTTP_NO_AUTH 0x1 /* drop any "Authorization:" header of the request */
#define HTTP_FOLLOW  0x2 /* follow up to 5 redirects (each URL checked) */

struct http_req {
	const char *method;              /* "GET" when NULL; "POST", "PUT", "DELETE", ... */
	const char *url;
	const char *const *headers;      /* NULL-terminated list of "Name: value", or NULL */
	/* sent when body_len > 0 or method is POST/PUT/PATCH; without a Content-Type header
	 * curl labels it application/x-www-form-urlencoded (right for OAuth, not for JSON) */
	const void *body;
	size_t body_len;
	unsigned flags;                  /* HTTP_NO_AUTH | HTTP_FOLLOW */
	size_t max_body;                 /* 0: the client's max_body */
	long timeout_ms;                 /* 0: the client's timeout_ms */
};

struct http_resp {
	long status;            /* HTTP status; 0 when no response arrived */
	char *body;             /* response body, NUL-terminated (never NULL after a response) */
	size_t len;             /* body length without the NUL */
	char content_type[128]; /* Content-Type, "" when absent */
	long retry_after_ms;    /* Retry-After (seconds or HTTP-date) in ms, -1 when absent */
	int curl_code;          /* CURLE_OK, or the transport error */
	char error[256];        /* curl's error text when curl_code != 0, else "" */
	int attempts;           /* attempts made (http_do_retry), 1 otherwise */
	size_t cap_;            /* private */
};
#define HTTP_RESP_INIT { 0, NULL, 0, { 0 }, -1, 0, { 0 }, 0, 0 }
void http_resp_init(struct http_resp *r);
void http_resp_free(struct http_resp *r); /* frees the body and re-inits r */

/* A client: one curl easy handle, reused (keep-alive) by sequential requests. */
struct http_client;
struct http_client *http_client_new(const struct http_opts *o, struct err *e);
void http_client_free(struct http_client *c);

/* http_do: one attempt. 0 when an HTTP response arrived, whatever its status (the caller
 * looks at resp->status); -1 otherwise: URL refused (XIT_CONFIG), network error
 * (XIT_UNAVAILABLE, resp->curl_code and resp->error set), body larger than max_body
 * (XIT_UNAVAILABLE), interrupted (XIT_TEMPFAIL). resp is reset first (its old body freed). */
int http_do(struct http_client *c, const struct http_req *req, struct http_resp *resp,
	struct err *e);

/* Retry policy. http_retry_default fills the defaults noted. */
struct http_retry {
	int max_attempts;  /* 8: attempts in all, the first included */
	long budget_ms;    /* 300000: no wait starts that would end past this since the start */
	long base_ms;      /* 500: first backoff ceiling, doubled per attempt */
	long cap_ms;       /* 30000: the longest single wait, Retry-After included */
	int retry_500;     /* 0: also retry HTTP 500 when set */
	/* called before each wait; why is "HTTP 503" or curl's error text (no secrets) */
	void (*on_retry)(void *arg, int attempt, long wait_ms, long status, const char *why);
	void *arg;
};
void http_retry_default(struct http_retry *p);

/* http_should_retry: 1 when a response with this status (0: none) or this curl error
 * (CURLE_OK: none) is worth retrying: 429, 502, 503, 504 (and 500 when retry_500), connection
 * refused/reset/dropped, timeouts, DNS failures. 4xx other than 429 never are. */
int http_should_retry(long status, int curl_code, int retry_500);

/* http_backoff_ms: the wait before the next attempt, after `attempt` attempts (>= 1).
 * Retry-After (retry_after_ms >= 0) wins when present; otherwise full jitter:
 * rand01 * min(cap, base * 2^(attempt-1)), rand01 in [0,1). Either way at most cap_ms. Pure. */
long http_backoff_ms(int attempt, long retry_after_ms, long base_ms, long cap_ms, double rand01);

/* http_parse_retry_after: a Retry-After value (delta-seconds or HTTP-date) in ms from now;
 * -1 when unparseable; 0 for a date in the past. Pure. */
long http_parse_retry_after(const char *value, time_t now);

/* http_rand01: a uniform double in [0,1) for the jitter (seeded once per process). */
double http_rand01(void);

/* http_do_retry: http_do, retried per policy (NULL: defaults) while http_should_retry says so.
 * 0 with the final response when it is not retryable (2xx, or e.g. 401: the caller decides);
 * -1 with XIT_UNAVAILABLE "GET https://host/path: still unavailable after N attempts over S s:
 * LAST" when attempts or budget ran out (resp keeps the last response, if any), or any other
 * http_do failure that is not retryable. resp->attempts counts the attempts. */
int http_do_retry(struct http_client *c, const struct http_req *req, const struct http_retry *p,
	struct http_resp *resp, struct err *e);

/* Concurrent requests on curl multi. Requests past max_inflight wait in a queue; connections
 * are kept alive and reused. No retries here: the caller retries with http_should_retry and
 * http_backoff_ms (and its own rate limit). */
struct http_multi;
struct http_multi *http_multi_new(const struct http_opts *o, int max_inflight, struct err *e);
void http_multi_free(struct http_multi *m); /* drops unfinished requests */
/* http_multi_add: queues req (URL and headers copied; body borrowed until it completes), with
 * a user pointer handed back on completion. -1 when the URL is refused or out of memory. */
int http_multi_add(struct http_multi *m, const struct http_req *req, void *user, struct err *e);
/* http_multi_run: drives transfers for at most timeout_ms (returns as soon as one completes).
 * Returns the number of completed responses waiting for http_multi_next, or -1 (interrupted:
 * XIT_TEMPFAIL; curl multi failure: XIT_UNAVAILABLE). */
int http_multi_run(struct http_multi *m, long timeout_ms, struct err *e);
/* http_multi_next: 1 and one completed request's response (moved into *resp, which is reset
 * first; resp->curl_code/error tell a transport failure, resp->status 0 then) and its user
 * pointer; 0 when none is waiting. */
int http_multi_next(struct http_multi *m, struct http_resp *resp, void **user);
/* http_multi_pending: requests added and not yet handed back by http_multi_next. */
size_t http_multi_pending(const struct http_multi *m);

#endif
