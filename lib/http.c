/* http.c: see http.h. libcurl easy (sequential, keep-alive) and multi (concurrent) clients. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "http.h"

#define MAX_REDIRECTS 5
/* the most a Content-Length header may make a response buffer take before the body arrives */
#define HTTP_PRESIZE_MAX ((size_t)64 << 20)

static int g_inited;
static volatile sig_atomic_t *g_abort;

int
http_global_init(struct err *e)
{
	if (g_inited)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, XIT_TEMPFAIL, "cannot initialise libcurl");
	g_inited = 1;
	return 0;
}

void
http_global_cleanup(void)
{
	if (g_inited)
		curl_global_cleanup();
	g_inited = 0;
}

void
http_set_abort_flag(volatile sig_atomic_t *flag)
{
	g_abort = flag;
}

int
http_aborted(void)
{
	return g_abort && *g_abort;
}

static long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sleep_ms: -1 when the abort flag ended the wait. */
static int
sleep_ms(long ms)
{
	long end = now_ms() + ms;
	for (;;) {
		if (http_aborted())
			return -1;
		long left = end - now_ms();
		if (left <= 0)
			return 0;
		if (left > 50)
			left = 50;
		struct timespec ts = { left / 1000, (left % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* ---- URLs ---- */

char *
http_url_redact(const char *url, char *out, size_t len)
{
	if (!len)
		return out;
	out[0] = 0;
	if (!url)
		return out;
	const char *p = strstr(url, "://");
	size_t o = 0;
	const char *s = url;
	if (p) {
		const char *auth = p + 3;
		size_t alen = strcspn(auth, "/?#");
		const char *at = NULL;
		for (size_t i = 0; i < alen; i++)
			if (auth[i] == '@')
				at = auth + i;
		/* scheme:// */
		for (const char *q = url; q < auth && o + 1 < len; q++)
			out[o++] = *q;
		s = at ? at + 1 : auth;
	}
	for (; *s && *s != '?' && *s != '#' && o + 1 < len; s++)
		out[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	out[o] = 0;
	return out;
}

static int
is_loopback(const char *host)
{
	char buf[64];
	struct in_addr a4;
	struct in6_addr a6;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = 0;
		return inet_pton(AF_INET6, buf, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
	}
	return 0;
}

int
http_url_check(const char *url, struct err *e)
{
	char red[512];
	char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL;
	int rc = -1;
	if (!url || !*url)
		return err_set(e, XIT_CONFIG, "empty URL");
	http_url_redact(url, red, sizeof red);
	if (http_global_init(e))
		return -1;
	CURLU *u = curl_url();
	if (!u)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		err_set(e, XIT_CONFIG, "malformed URL (%s): %s", curl_url_strerror(uc), red);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
	    || (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		err_set(e, XIT_CONFIG, "only https URLs are allowed: %s", red);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		err_set(e, XIT_CONFIG, "URL without a host: %s", red);
		goto out;
	}
	if (strcasecmp(scheme, "http") == 0) {
		if (!is_loopback(host)) {
			err_set(e, XIT_CONFIG,
				"plain http is allowed only to a loopback emulator: %s", red);
			goto out;
		}
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK
	    || curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		err_set(e, XIT_CONFIG, "credentials in URLs are not allowed: %s", red);
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return rc;
}

/* url_loopback: the URL's host is a loopback one (such requests never go through a proxy:
 * a plain http request must not leave the machine). */
static int
url_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int lo = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
	    && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && is_loopback(host);
	curl_free(host);
	curl_url_cleanup(u);
	return lo;
}

/* same_origin: scheme, host and port equal (for dropping Authorization on redirects). */
static int
same_origin(const char *a, const char *b)
{
	const CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT };
	CURLU *ua = curl_url(), *ub = curl_url();
	int same = 0;
	if (!ua || !ub || curl_url_set(ua, CURLUPART_URL, a, 0) != CURLUE_OK
	    || curl_url_set(ub, CURLUPART_URL, b, 0) != CURLUE_OK)
		goto out;
	same = 1;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0] && same; i++) {
		char *x = NULL, *y = NULL;
		if (curl_url_get(ua, parts[i], &x, CURLU_DEFAULT_PORT) != CURLUE_OK
		    || curl_url_get(ub, parts[i], &y, CURLU_DEFAULT_PORT) != CURLUE_OK
		    || strcasecmp(x, y) != 0)
			same = 0;
		curl_free(x);
		curl_free(y);
	}
out:
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

/* ---- pure helpers ---- */

int
http_should_retry(long status, int curl_code, int retry_500)
{
	if (status) {
		return status == 429 || status == 502 || status == 503 || status == 504
		    || (retry_500 && status == 500);
	}
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

long
http_backoff_ms(int attempt, long retry_after_ms, long base_ms, long cap_ms, double rand01)
{
	long w;
	if (cap_ms < 0)
		cap_ms = 0;
	if (retry_after_ms >= 0) {
		w = retry_after_ms;
	} else {
		long ceil = base_ms > 0 ? base_ms : 0;
		for (int i = 1; i < attempt && ceil < cap_ms; i++)
			ceil = ceil > cap_ms / 2 ? cap_ms : ceil * 2;
		if (ceil > cap_ms)
			ceil = cap_ms;
		if (!(rand01 >= 0))
			rand01 = 0;
		if (rand01 >= 1)
			rand01 = 0.999999;
		w = (long)(rand01 * (double)ceil);
	}
	return w > cap_ms ? cap_ms : w;
}

long
http_parse_retry_after(const char *v, time_t now)
{
	if (!v)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		char *end;
		errno = 0;
		long long s = strtoll(v, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end)
			return -1;
		if (errno == ERANGE || s > 86400LL * 365)
			s = 86400LL * 365;
		return (long)(s * 1000);
	}
	if (!*v)
		return -1;
	time_t t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	if (t <= now)
		return 0;
	double d = difftime(t, now);
	if (d > 86400.0 * 365)
		d = 86400.0 * 365;
	return (long)d * 1000;
}

double
http_rand01(void)
{
	static _Thread_local uint64_t s; /* per thread: the reader prefetch thread retries too */
	if (!s) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		s = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16);
		s |= 1;
	}
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return (double)((s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* ---- responses ---- */

void
http_resp_init(struct http_resp *r)
{
	struct http_resp z = HTTP_RESP_INIT;
	*r = z;
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	http_resp_init(r);
}

void
http_opts_default(struct http_opts *o)
{
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 120000;
	o->low_speed_bytes = 1;
	o->low_speed_time_s = 30;
	o->max_body = (size_t)64 << 20;
	o->ca_file = NULL;
}

void
http_retry_default(struct http_retry *p)
{
	p->max_attempts = 8;
	p->budget_ms = 300000;
	p->base_ms = 500;
	p->cap_ms = 30000;
	p->retry_500 = 0;
	p->on_retry = NULL;
	p->arg = NULL;
}

/* ---- one transfer ---- */

struct xfer {
	struct http_resp *resp;
	size_t max_body;
	size_t clen; /* the response's Content-Length, 0 when absent or not a number */
	int too_big, oom;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t
on_write(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	struct http_resp *r = x->resp;
	size_t len = size * n;
	if (len > x->max_body || r->len > x->max_body - len) {
		x->too_big = 1;
		return 0;
	}
	if (r->len + len + 1 > r->cap_) {
		size_t cap = r->cap_ ? r->cap_ : 4096;
		/* the first bytes: room for the whole body the Content-Length announces, so that
		 * a large body is not copied as it grows; a header is not trusted beyond
		 * HTTP_PRESIZE_MAX (past that the body grows as it arrives) */
		if (!r->len && x->clen > cap)
			cap = (x->clen < HTTP_PRESIZE_MAX ? x->clen : HTTP_PRESIZE_MAX) + 1;
		while (cap < r->len + len + 1)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		if (cap > x->max_body + 1)
			cap = x->max_body + 1;
		char *b = realloc(r->body, cap);
		if (!b) {
			x->oom = 1;
			return 0;
		}
		r->body = b;
		r->cap_ = cap;
	}
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = 0;
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	struct http_resp *r = x->resp;
	size_t len = size * n;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 1xx or a redirect): forget earlier headers */
		r->content_type[0] = 0;
		r->retry_after_ms = -1;
		x->clen = 0;
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - p);
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vlen = (size_t)(end - v);
	if (nlen == 12 && strncasecmp(p, "content-type", 12) == 0) {
		if (vlen >= sizeof r->content_type)
			vlen = sizeof r->content_type - 1;
		memcpy(r->content_type, v, vlen);
		r->content_type[vlen] = 0;
	} else if (nlen == 14 && strncasecmp(p, "content-length", 14) == 0) {
		size_t c = 0;
		const char *q = v;
		for (; q < end && *q >= '0' && *q <= '9' && c <= SIZE_MAX / 10 - 1; q++)
			c = c * 10 + (size_t)(*q - '0');
		x->clen = q == end && q > v ? c : 0;
	} else if (nlen == 11 && strncasecmp(p, "retry-after", 11) == 0) {
		char buf[128];
		if (vlen < sizeof buf) {
			memcpy(buf, v, vlen);
			buf[vlen] = 0;
			r->retry_after_ms = http_parse_retry_after(buf, time(NULL));
		}
	}
	return len;
}

static int
on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ud, (void)dt, (void)dn, (void)ut, (void)un;
	return http_aborted();
}

/* build_headers: the request's headers as a curl list, Authorization dropped when asked, and
 * "Expect:" so that curl never waits for a 100-continue. A header with a line break is refused
 * (without quoting it: it may hold a token). */
static int
build_headers(const char *const *hdrs, int drop_auth, struct curl_slist **out, struct err *e)
{
	struct curl_slist *l = NULL, *t;
	int have_expect = 0;
	*out = NULL;
	for (size_t i = 0; hdrs && hdrs[i]; i++) {
		const char *h = hdrs[i];
		if (strpbrk(h, "\r\n")) {
			curl_slist_free_all(l);
			return err_set(e, XIT_CONFIG, "request header %zu contains a line break", i + 1);
		}
		if (drop_auth && strncasecmp(h, "authorization:", 14) == 0)
			continue;
		if (strncasecmp(h, "expect:", 7) == 0)
			have_expect = 1;
		if (!(t = curl_slist_append(l, h)))
			goto oom;
		l = t;
	}
	if (!have_expect) {
		if (!(t = curl_slist_append(l, "Expect:")))
			goto oom;
		l = t;
	}
	*out = l;
	return 0;
oom:
	curl_slist_free_all(l);
	return err_set(e, XIT_TEMPFAIL, "out of memory");
}

#define SETOPT(h, opt, val) do { if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK) bad = 1; } \
	while (0)

static int
setup_easy(CURL *h, const struct http_opts *o, const char *url, const char *method,
	const void *body, size_t blen, long timeout_ms, struct curl_slist *hdrs, struct xfer *x,
	struct err *e)
{
	int bad = 0;
	SETOPT(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (url_loopback(url))
		SETOPT(h, CURLOPT_PROXY, "");
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		SETOPT(h, CURLOPT_CAINFO, o->ca_file);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SETOPT(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
	SETOPT(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
	SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(h, CURLOPT_WRITEDATA, x);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, x);
	SETOPT(h, CURLOPT_NOPROGRESS, 0L);
	SETOPT(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
	SETOPT(h, CURLOPT_PRIVATE, (void *)x);
	int sends = blen > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0
	    || strcmp(method, "PATCH") == 0;
	if (strcmp(method, "GET") == 0 && !blen) {
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		SETOPT(h, CURLOPT_NOBODY, 1L);
	} else {
		if (sends) {
			SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
			SETOPT(h, CURLOPT_POSTFIELDS, blen ? body : (const void *)"");
		}
		if (strcmp(method, "POST") != 0)
			SETOPT(h, CURLOPT_CUSTOMREQUEST, method);
	}
	if (bad)
		return err_set(e, XIT_TEMPFAIL, "libcurl refused a setting (out of memory?)");
	return 0;
}

static void
xfer_init(struct xfer *x, struct http_resp *r, size_t max_body)
{
	x->resp = r;
	x->max_body = max_body;
	x->clen = 0;
	x->too_big = x->oom = 0;
	x->errbuf[0] = 0;
}

/* xfer_fail: fills r and e for a failed transfer; always -1. */
static int
xfer_fail(struct xfer *x, CURLcode cc, const char *method, const char *url, struct err *e)
{
	struct http_resp *r = x->resp;
	char red[512];
	const char *txt = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
	http_url_redact(url, red, sizeof red);
	free(r->body);
	r->body = NULL;
	r->len = r->cap_ = 0;
	r->status = 0;
	r->curl_code = cc ? (int)cc : CURLE_WRITE_ERROR;
	if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(r->error, sizeof r->error, "response body larger than %zu bytes", x->max_body);
		return err_set(e, XIT_UNAVAILABLE, "%s %s: %s", method, red, r->error);
	}
	if (x->oom) {
		snprintf(r->error, sizeof r->error, "out of memory");
		return err_set(e, XIT_TEMPFAIL, "%s %s: out of memory", method, red);
	}
	if (cc == CURLE_ABORTED_BY_CALLBACK && http_aborted()) {
		snprintf(r->error, sizeof r->error, "interrupted");
		return err_set(e, XIT_TEMPFAIL, "%s %s: interrupted", method, red);
	}
	snprintf(r->error, sizeof r->error, "%s", txt);
	return err_set(e, XIT_UNAVAILABLE, "%s %s: %s", method, red, r->error);
}

/* ---- the sequential client ---- */

struct http_client {
	CURL *h;
	struct http_opts o;
};

struct http_client *
http_client_new(const struct http_opts *o, struct err *e)
{
	struct http_client *c;
	if (http_global_init(e))
		return NULL;
	if (!(c = calloc(1, sizeof *c))) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (o)
		c->o = *o;
	else
		http_opts_default(&c->o);
	if (!(c->h = curl_easy_init())) {
		free(c);
		err_set(e, XIT_TEMPFAIL, "cannot create a libcurl handle");
		return NULL;
	}
	return c;
}

void
http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->h);
	free(c);
}

static int
perform_once(struct http_client *c, const struct http_req *req, const char *url,
	const char *method, const void *body, size_t blen, int drop_auth, struct http_resp *resp,
	struct err *e)
{
	struct xfer x;
	struct curl_slist *hdrs;
	int attempts = resp->attempts;
	http_resp_free(resp);
	resp->attempts = attempts;
	xfer_init(&x, resp, req->max_body ? req->max_body : c->o.max_body);
	if (build_headers(req->headers, drop_auth, &hdrs, e))
		return -1;
	curl_easy_reset(c->h); /* keeps live connections; forgets the last request's options */
	if (setup_easy(c->h, &c->o, url, method, body, blen,
	    req->timeout_ms ? req->timeout_ms : c->o.timeout_ms, hdrs, &x, e)) {
		curl_slist_free_all(hdrs);
		return -1;
	}
	CURLcode cc = curl_easy_perform(c->h);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK || x.too_big || x.oom)
		return xfer_fail(&x, cc, method, url, e);
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (!resp->body && !(resp->body = calloc(1, 1)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return 0;
}

int
http_do(struct http_client *c, const struct http_req *req, struct http_resp *resp,
	struct err *e)
{
	char red[512];
	const char *method = req->method ? req->method : "GET";
	const void *body = req->body;
	size_t blen = req->body_len;
	int drop_auth = (req->flags & HTTP_NO_AUTH) != 0, rc;
	http_resp_free(resp);
	resp->attempts = 1;
	if (http_url_check(req->url, e))
		return -1;
	if (http_aborted()) {
		http_url_redact(req->url, red, sizeof red);
		return err_set(e, XIT_TEMPFAIL, "%s %s: interrupted", method, red);
	}
	char *url = strdup(req->url);
	if (!url)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	for (int hop = 0;; hop++) {
		rc = perform_once(c, req, url, method, body, blen, drop_auth, resp, e);
		if (rc || !(req->flags & HTTP_FOLLOW))
			break;
		long st = resp->status;
		if (st != 301 && st != 302 && st != 303 && st != 307 && st != 308)
			break;
		char *loc = NULL;
		if (curl_easy_getinfo(c->h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || !loc)
			break;
		if (hop == MAX_REDIRECTS) {
			http_url_redact(req->url, red, sizeof red);
			rc = err_set(e, XIT_UNAVAILABLE, "%s %s: more than %d redirects", method, red,
				MAX_REDIRECTS);
			break;
		}
		if ((rc = http_url_check(loc, e)) != 0) {
			char msg[sizeof e->msg];
			snprintf(msg, sizeof msg, "%s", e->msg);
			err_set(e, XIT_UNAVAILABLE, "redirect refused: %s", msg);
			break;
		}
		if (!same_origin(url, loc))
			drop_auth = 1;
		if (st == 303 || ((st == 301 || st == 302) && strcmp(method, "POST") == 0)) {
			method = "GET";
			body = NULL;
			blen = 0;
		}
		char *nu = strdup(loc);
		if (!nu) {
			rc = err_set(e, XIT_TEMPFAIL, "out of memory");
			break;
		}
		free(url);
		url = nu;
	}
	free(url);
	return rc;
}

int
http_do_retry(struct http_client *c, const struct http_req *req, const struct http_retry *p,
	struct http_resp *resp, struct err *e)
{
	struct http_retry def;
	char why[256], red[512];
	const char *method = req->method ? req->method : "GET";
	if (!p) {
		http_retry_default(&def);
		p = &def;
	}
	int max = p->max_attempts > 0 ? p->max_attempts : 1;
	long start = now_ms(), elapsed;
	int attempt;
	for (attempt = 1;; attempt++) {
		int rc = http_do(c, req, resp, e);
		resp->attempts = attempt;
		if (rc == 0) {
			if (!http_should_retry(resp->status, CURLE_OK, p->retry_500))
				return 0;
			snprintf(why, sizeof why, "HTTP %ld", resp->status);
		} else {
			if (e->status != XIT_UNAVAILABLE || !resp->curl_code
			    || !http_should_retry(0, resp->curl_code, p->retry_500))
				return -1;
			snprintf(why, sizeof why, "%s", resp->error);
		}
		elapsed = now_ms() - start;
		if (attempt >= max)
			break;
		long wait = http_backoff_ms(attempt, rc == 0 ? resp->retry_after_ms : -1, p->base_ms,
			p->cap_ms, http_rand01());
		if (p->budget_ms > 0 && elapsed + wait > p->budget_ms)
			break;
		if (p->on_retry)
			p->on_retry(p->arg, attempt, wait, rc == 0 ? resp->status : 0, why);
		if (sleep_ms(wait)) {
			http_url_redact(req->url, red, sizeof red);
			return err_set(e, XIT_TEMPFAIL, "%s %s: interrupted", method, red);
		}
	}
	http_url_redact(req->url, red, sizeof red);
	return err_set(e, XIT_UNAVAILABLE, "%s %s: still unavailable after %d attempt%s over %.1f s: %s",
		method, red, attempt, attempt == 1 ? "" : "s", (double)elapsed / 1000.0, why);
}

/* ---- the concurrent client ---- */

struct mx {
	struct mx *next;
	CURL *h;
	char *url, *method;
	const void *body;
	size_t blen;
	long timeout_ms;
	struct curl_slist *hdrs;
	void *user;
	struct http_resp resp;
	struct xfer x;
};

struct http_multi {
	CURLM *m;
	struct http_opts o;
	int max_inflight, inflight;
	struct mx *queue, *queue_tail; /* not started */
	struct mx *active;             /* started */
	struct mx *done, *done_tail;   /* finished, not handed back */
	size_t pending, ndone;
};

struct http_multi *
http_multi_new(const struct http_opts *o, int max_inflight, struct err *e)
{
	struct http_multi *m;
	if (http_global_init(e))
		return NULL;
	if (!(m = calloc(1, sizeof *m))) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		return NULL;
	}
	if (o)
		m->o = *o;
	else
		http_opts_default(&m->o);
	m->max_inflight = max_inflight > 0 ? max_inflight : 1;
	if (!(m->m = curl_multi_init())) {
		free(m);
		err_set(e, XIT_TEMPFAIL, "cannot create a libcurl multi handle");
		return NULL;
	}
	curl_multi_setopt(m->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)m->max_inflight);
	curl_multi_setopt(m->m, CURLMOPT_MAXCONNECTS, (long)m->max_inflight);
	return m;
}

static void
mx_free(struct mx *x)
{
	if (x->h)
		curl_easy_cleanup(x->h);
	curl_slist_free_all(x->hdrs);
	free(x->url);
	free(x->method);
	free(x->resp.body);
	free(x);
}

static void
mx_free_list(struct mx *x)
{
	while (x) {
		struct mx *n = x->next;
		mx_free(x);
		x = n;
	}
}

void
http_multi_free(struct http_multi *m)
{
	if (!m)
		return;
	for (struct mx *x = m->active; x; x = x->next)
		curl_multi_remove_handle(m->m, x->h);
	mx_free_list(m->active);
	mx_free_list(m->queue);
	mx_free_list(m->done);
	curl_multi_cleanup(m->m);
	free(m);
}

int
http_multi_add(struct http_multi *m, const struct http_req *req, void *user, struct err *e)
{
	struct mx *x;
	if (http_url_check(req->url, e))
		return -1;
	if (!(x = calloc(1, sizeof *x)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	http_resp_init(&x->resp);
	x->url = strdup(req->url);
	x->method = strdup(req->method ? req->method : "GET");
	if (!x->url || !x->method) {
		mx_free(x);
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	if (build_headers(req->headers, (req->flags & HTTP_NO_AUTH) != 0, &x->hdrs, e)) {
		mx_free(x);
		return -1;
	}
	x->body = req->body;
	x->blen = req->body_len;
	x->timeout_ms = req->timeout_ms ? req->timeout_ms : m->o.timeout_ms;
	x->user = user;
	x->resp.attempts = 1;
	xfer_init(&x->x, &x->resp, req->max_body ? req->max_body : m->o.max_body);
	if (m->queue_tail)
		m->queue_tail->next = x;
	else
		m->queue = x;
	m->queue_tail = x;
	m->pending++;
	return 0;
}

static void
push_done(struct http_multi *m, struct mx *x)
{
	x->next = NULL;
	if (m->done_tail)
		m->done_tail->next = x;
	else
		m->done = x;
	m->done_tail = x;
	m->ndone++;
}

static void
finish(struct http_multi *m, struct mx *x, CURLcode cc)
{
	struct err e = ERR_INIT;
	if (x->h) {
		if (cc == CURLE_OK && !x->x.too_big && !x->x.oom)
			curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->resp.status);
		curl_multi_remove_handle(m->m, x->h);
		curl_easy_cleanup(x->h);
		x->h = NULL;
	}
	if (cc != CURLE_OK || x->x.too_big || x->x.oom)
		xfer_fail(&x->x, cc, x->method, x->url, &e);
	else if (!x->resp.body && !(x->resp.body = calloc(1, 1))) {
		x->resp.status = 0;
		x->resp.curl_code = CURLE_OUT_OF_MEMORY;
		snprintf(x->resp.error, sizeof x->resp.error, "out of memory");
	}
	push_done(m, x);
}

static void
start_queued(struct http_multi *m)
{
	struct err e = ERR_INIT;
	while (m->queue && m->inflight < m->max_inflight) {
		struct mx *x = m->queue;
		m->queue = x->next;
		if (!m->queue)
			m->queue_tail = NULL;
		x->next = NULL;
		if (!(x->h = curl_easy_init())
		    || setup_easy(x->h, &m->o, x->url, x->method, x->body, x->blen, x->timeout_ms,
		        x->hdrs, &x->x, &e)
		    || curl_multi_add_handle(m->m, x->h) != CURLM_OK) {
			finish(m, x, CURLE_OUT_OF_MEMORY);
			continue;
		}
		x->next = m->active;
		m->active = x;
		m->inflight++;
	}
}

static void
collect(struct http_multi *m)
{
	CURLMsg *msg;
	int q;
	while ((msg = curl_multi_info_read(m->m, &q))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct mx **pp = &m->active;
		while (*pp && (*pp)->h != msg->easy_handle)
			pp = &(*pp)->next;
		if (!*pp)
			continue;
		struct mx *x = *pp;
		*pp = x->next;
		m->inflight--;
		finish(m, x, msg->data.result);
	}
}

int
http_multi_run(struct http_multi *m, long timeout_ms, struct err *e)
{
	long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		int running;
		if (http_aborted())
			return err_set(e, XIT_TEMPFAIL, "interrupted");
		start_queued(m);
		if (curl_multi_perform(m->m, &running) != CURLM_OK)
			return err_set(e, XIT_UNAVAILABLE, "libcurl multi interface failed");
		collect(m);
		/* the flag may have been raised inside perform, cutting transfers short: they
		 * are interruptions, never failed responses handed back */
		if (http_aborted())
			return err_set(e, XIT_TEMPFAIL, "interrupted");
		if (m->ndone) {
			start_queued(m);
			curl_multi_perform(m->m, &running);
			collect(m);
			return (int)m->ndone;
		}
		if (!m->inflight && !m->queue)
			return 0;
		long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		if (curl_multi_poll(m->m, NULL, 0, left > 100 ? 100 : (int)left, NULL) != CURLM_OK)
			return err_set(e, XIT_UNAVAILABLE, "libcurl multi interface failed");
	}
}

int
http_multi_next(struct http_multi *m, struct http_resp *resp, void **user)
{
	struct mx *x = m->done;
	if (!x)
		return 0;
	m->done = x->next;
	if (!m->done)
		m->done_tail = NULL;
	m->ndone--;
	m->pending--;
	http_resp_free(resp);
	*resp = x->resp;
	http_resp_init(&x->resp);
	if (user)
		*user = x->user;
	mx_free(x);
	return 1;
}

size_t
http_multi_pending(const struct http_multi *m)
{
	return m->pending;
}
