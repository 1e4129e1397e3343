/* dbx_api.c: see dbx_api.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "buf.h"
#include "dbx_api.h"
#include "rec.h"

struct dbx_conn {
	struct http_client *http;
	struct http_retry retry;
	enum dbx_auth_kind auth;
	char *host, *org_id, *warehouse;
	char *token, *client_id, *client_secret;
	char *token_endpoint;
	char *tenant_id, *login_url; /* azure-client-secret */
	char host_where[32];
	int answered, login_answered; /* the host (the login URL) has answered once */
	void (*note)(void *, const char *);
	void *note_arg;
	const char *cur_method, *cur_url; /* the request being retried, for the notes */
	char *bearer;        /* "Authorization: TYPE TOKEN" */
	double token_renew;  /* monotonic second when to fetch a new one */
};

static double
mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
wipe_free(char *s)
{
	if (s) {
		volatile char *v = s;
		while (*v)
			*v++ = 0;
		free(s);
	}
}

const char *dbx_conn_host(const struct dbx_conn *c) { return c->host; }
const char *dbx_conn_warehouse(const struct dbx_conn *c) { return c->warehouse; }
enum dbx_auth_kind dbx_conn_auth(const struct dbx_conn *c) { return c->auth; }
struct http_retry *dbx_conn_retry(struct dbx_conn *c) { return &c->retry; }

void
dbx_conn_set_note(struct dbx_conn *c, void (*fn)(void *, const char *), void *arg)
{
	c->note = fn, c->note_arg = arg;
}

void
dbx_conn_note(struct dbx_conn *c, const char *fmt, ...)
{
	char b[1024];
	va_list ap;
	if (!c->note)
		return;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	dbx_scrub(b, sizeof b);
	c->note(c->note_arg, b);
}

static void
retry_note(void *arg, int attempt, long wait_ms, long status, const char *why)
{
	struct dbx_conn *c = arg;
	char red[512];
	(void)status;
	http_url_redact(c->cur_url ? c->cur_url : "", red, sizeof red);
	dbx_conn_note(c, "retrying %s %s after %s (attempt %d failed; waiting %.1f s)",
		c->cur_method ? c->cur_method : "GET", red, why, attempt, wait_ms / 1000.0);
}

static char *
sdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct dbx_conn *
dbx_conn_new(const struct dbx_cfg *cfg, struct err *e)
{
	struct http_opts o;
	struct dbx_conn *c = calloc(1, sizeof *c);
	if (!c) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		return NULL;
	}
	http_opts_default(&o);
	o.max_body = (size_t)512 << 20;
	http_retry_default(&c->retry);
	const char *b = getenv("DBXI_RETRY_BASE_MS");
	if (b && *b) {
		char *end;
		long v = strtol(b, &end, 10);
		if (!*end && v > 0 && v <= 60000)
			c->retry.base_ms = v, c->retry.cap_ms = v * 8;
	}
	c->retry.on_retry = retry_note, c->retry.arg = c;
	snprintf(c->host_where, sizeof c->host_where, "%s", cfg->host_where[0] ? cfg->host_where :
		"DATABRICKS_HOST");
	c->auth = cfg->auth;
	c->host = sdup(cfg->host), c->org_id = sdup(cfg->org_id), c->warehouse = sdup(cfg->warehouse_id);
	c->token = sdup(cfg->token), c->client_id = sdup(cfg->client_id);
	c->client_secret = sdup(cfg->client_secret);
	c->tenant_id = sdup(cfg->tenant_id), c->login_url = sdup(cfg->login_url);
	if ((cfg->tenant_id && !c->tenant_id) || (cfg->login_url && !c->login_url) || !c->host || (cfg->org_id && !c->org_id) || (cfg->warehouse_id && !c->warehouse) ||
	    (cfg->token && !c->token) || (cfg->client_id && !c->client_id) ||
	    (cfg->client_secret && !c->client_secret)) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		dbx_conn_free(c);
		return NULL;
	}
	dbx_scrub_add(cfg->token);
	dbx_scrub_add(cfg->client_secret);
	if (!(c->http = http_client_new(&o, e))) {
		dbx_conn_free(c);
		return NULL;
	}
	return c;
}

void
dbx_conn_free(struct dbx_conn *c)
{
	if (!c)
		return;
	if (c->http)
		http_client_free(c->http);
	free(c->host), free(c->org_id), free(c->warehouse), free(c->token_endpoint);
	free(c->tenant_id), free(c->login_url);
	wipe_free(c->token), wipe_free(c->client_id), wipe_free(c->client_secret);
	wipe_free(c->bearer);
	free(c);
}

void
dbx_doc_init(struct dbx_doc *d)
{
	http_resp_init(&d->resp);
	d->z = NULL;
	d->v = rec_nil();
	d->json = 0;
}

void
dbx_doc_free(struct dbx_doc *d)
{
	http_resp_free(&d->resp);
	if (d->z)
		msgpack_zone_free(d->z);
	dbx_doc_init(d);
}

int
dbx_doc_parse(struct dbx_doc *d, struct err *e)
{
	struct err ig = ERR_INIT;
	size_t i = 0;
	d->v = rec_nil();
	d->json = 0;
	while (i < d->resp.len && (d->resp.body[i] == ' ' || d->resp.body[i] == '\n' ||
				   d->resp.body[i] == '\r' || d->resp.body[i] == '\t'))
		i++;
	if (i == d->resp.len || (d->resp.body[i] != '{' && d->resp.body[i] != '['))
		return 0;
	if (!d->z && !(d->z = msgpack_zone_new(65536)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	if (rec_json_parse(d->resp.body, d->resp.len, d->z, &d->v, &ig) < 0) {
		d->v = rec_nil();
		return 0;
	}
	d->json = 1;
	return 0;
}

/* ---- JSON helpers ---- */

const char *
dbx_str(const msgpack_object *map, const char *key, size_t *len)
{
	const msgpack_object *v;
	if (!map || map->type != MSGPACK_OBJECT_MAP || !(v = rec_get(map, key)) ||
	    v->type != MSGPACK_OBJECT_STR)
		return NULL;
	if (len)
		*len = v->via.str.size;
	return v->via.str.ptr;
}

int
dbx_strdup_of(const msgpack_object *map, const char *key, char *out, size_t outlen)
{
	size_t n;
	const char *s = dbx_str(map, key, &n);
	if (!s || n >= outlen || memchr(s, 0, n))
		return -1;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

int
dbx_int_of(const msgpack_object *map, const char *key, long long *out)
{
	const msgpack_object *v;
	int64_t i;
	if (!map || map->type != MSGPACK_OBJECT_MAP || !(v = rec_get(map, key)))
		return -1;
	if (rec_to_int64(v, &i) == 0) {
		*out = i;
		return 0;
	}
	if (v->type == MSGPACK_OBJECT_STR && v->via.str.size && v->via.str.size < 24) {
		char tmp[24], *end;
		memcpy(tmp, v->via.str.ptr, v->via.str.size);
		tmp[v->via.str.size] = 0;
		errno = 0;
		long long x = strtoll(tmp, &end, 10);
		if (!*end && !errno) {
			*out = x;
			return 0;
		}
	}
	return -1;
}

int
dbx_urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			if (buf_addc(b, (char)ch) < 0)
				return -1;
		} else if (buf_addc(b, '%') < 0 || buf_addc(b, hex[ch >> 4]) < 0 ||
			   buf_addc(b, hex[ch & 15]) < 0)
			return -1;
	}
	return 0;
}

/* ---- scrubbing ---- */

#define SCRUB_MAX 16
static char *scrub_list[SCRUB_MAX];
static size_t scrub_n;

void
dbx_scrub_add(const char *secret)
{
	if (!secret || strlen(secret) < 8)
		return;
	for (size_t i = 0; i < scrub_n; i++)
		if (!strcmp(scrub_list[i], secret))
			return;
	if (scrub_n == SCRUB_MAX) { /* keep the first (configured) ones; drop the oldest token */
		wipe_free(scrub_list[SCRUB_MAX - 1]);
		scrub_n--;
	}
	char *p = strdup(secret);
	if (p)
		scrub_list[scrub_n++] = p;
}

void
dbx_scrub_clear(void)
{
	for (size_t i = 0; i < scrub_n; i++)
		wipe_free(scrub_list[i]);
	scrub_n = 0;
}

/* replaces s[at..at+n) by "***" */
static void
scrub_cut(char *s, size_t at, size_t n)
{
	size_t len = strlen(s);
	if (n < 3)
		return;
	memcpy(s + at, "***", 3);
	memmove(s + at + 3, s + at + n, len - at - n + 1);
}

static int
tokch(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

void
dbx_scrub(char *s, size_t cap)
{
	if (!s || !cap)
		return;
	s[cap - 1] = 0;
	for (size_t i = 0; i < scrub_n; i++) {
		size_t n = strlen(scrub_list[i]);
		char *p;
		while ((p = strstr(s, scrub_list[i])))
			scrub_cut(s, (size_t)(p - s), n);
	}
	/* "Bearer X" and JWT-shaped words (eyJ...x.y) */
	for (size_t i = 0; s[i]; i++) {
		size_t k = 0;
		if (!strncasecmp(s + i, "bearer ", 7) && s[i + 7] && s[i + 7] != '*') {
			i += 7;
			while (tokch(s[i + k]))
				k++;
		} else if (!strncmp(s + i, "eyJ", 3) && (i == 0 || !tokch(s[i - 1]))) {
			int dots = 0;
			while (tokch(s[i + k])) {
				dots += s[i + k] == '.';
				k++;
			}
			if (dots < 2)
				k = 0;
		}
		if (k >= 8)
			scrub_cut(s, i, k);
	}
}

/* ---- errors ---- */

void
dbx_clean_text(const char *s, size_t n, char *out, size_t outlen)
{
	size_t k = 0;
	int sp = 0;
	for (size_t i = 0; i < n && k + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') {
			sp = k > 0;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f)
			continue;
		if (sp && k + 2 < outlen)
			out[k++] = ' ';
		sp = 0;
		out[k++] = (char)ch;
	}
	out[k] = 0;
}

int
dbx_api_error(const struct dbx_doc *d, const char *what, struct err *e)
{
	char msg[400] = "", code[80] = "";
	long st = d->resp.status;
	int status;
	if (d->json && d->v.type == MSGPACK_OBJECT_MAP) {
		const msgpack_object *c = rec_get(&d->v, "error_code");
		size_t n;
		const char *m = dbx_str(&d->v, "message", &n);
		if (!m)
			m = dbx_str(&d->v, "error_description", &n);
		if (m)
			dbx_clean_text(m, n, msg, sizeof msg);
		if (!c)
			c = rec_get(&d->v, "error");
		if (c && c->type == MSGPACK_OBJECT_STR)
			dbx_clean_text(c->via.str.ptr, c->via.str.size, code, sizeof code);
		else if (c && rec_is_integer(c)) {
			int64_t i;
			if (rec_to_int64(c, &i) == 0)
				snprintf(code, sizeof code, "%lld", (long long)i);
		}
	} else if (d->resp.body) {
		const char *t = strstr(d->resp.body, "<title>");
		const char *te = t ? strstr(t, "</title>") : NULL;
		if (t && te)
			dbx_clean_text(t + 7, (size_t)(te - t - 7), msg, sizeof msg);
		else
			dbx_clean_text(d->resp.body, d->resp.len < 200 ? d->resp.len : 200, msg, sizeof msg);
	}
	if (st == 401 || st == 403)
		status = XIT_NOPERM;
	else if (st == 400 || st == 404)
		status = XIT_CONFIG;
	else if (st == 429 || st >= 500)
		status = XIT_UNAVAILABLE;
	else
		status = XIT_TEMPFAIL;
	dbx_scrub(msg, sizeof msg);
	dbx_scrub(code, sizeof code);
	return err_set(e, status, "%s: HTTP %ld%s%s%s%s%s", what, st, msg[0] ? ": " : "", msg,
		code[0] ? " (" : "", code, code[0] ? ")" : "");
}

/* ---- OAuth ---- */

static int
b64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { t[v >> 18 & 63], t[v >> 12 & 63], i + 1 < n ? t[v >> 6 & 63] : '=',
			      i + 2 < n ? t[v & 63] : '=' };
		if (buf_add(b, q, 4) < 0)
			return -1;
	}
	return 0;
}

static int
under(const char *url, const char *base)
{
	size_t n = base ? strlen(base) : 0;
	return n && !strncmp(url, base, n) && (url[n] == '/' || url[n] == 0 || url[n] == '?');
}

/* sleeps secs, cut short by the abort flag: -1 when aborted */
int
dbx_nap(double secs)
{
	double end = mono() + secs;
	for (;;) {
		if (http_aborted())
			return -1;
		double left = end - mono();
		if (left <= 0)
			return 0;
		if (left > 0.05)
			left = 0.05;
		struct timespec ts = { 0, (long)(left * 1e9) };
		nanosleep(&ts, NULL);
	}
}

/* the first contact with a host (#11.4): one retry at most when it cannot be reached. 1 when
 * the host answered (the caller goes on with the ordinary retries if the status calls for
 * them), 0 with a final response, -1 on failure. */
static int
first_contact(struct dbx_conn *c, const struct http_req *rq, struct dbx_doc *d, int *answered,
	const char *where, const char *base, struct err *e)
{
	for (int attempt = 1;; attempt++) {
		if (http_do(c->http, rq, &d->resp, e) == 0) {
			*answered = 1;
			if (!http_should_retry(d->resp.status, 0, c->retry.retry_500))
				return 0;
			/* it answered 429/5xx: wait as the ordinary retries would, then those go on */
			char why[32];
			long wait = http_backoff_ms(1, d->resp.retry_after_ms, c->retry.base_ms,
				c->retry.cap_ms, http_rand01());
			snprintf(why, sizeof why, "HTTP %ld", d->resp.status);
			if (c->retry.on_retry)
				c->retry.on_retry(c->retry.arg, 1, wait, d->resp.status, why);
			if (dbx_nap(wait / 1000.0) < 0)
				return err_set(e, XIT_TEMPFAIL, "interrupted");
			return 1;
		}
		if (e->status != XIT_UNAVAILABLE || !d->resp.curl_code)
			return -1; /* refused URL, interrupted, too large */
		if (attempt >= 2 || !http_should_retry(0, d->resp.curl_code, 0)) {
			char cause[256];
			if (d->resp.error[0])
				snprintf(cause, sizeof cause, "%s", d->resp.error);
			else
				snprintf(cause, sizeof cause, "%.200s", e->msg);
			return err_set(e, XIT_UNAVAILABLE, "cannot reach %s=%s: %s", where, base, cause);
		}
		long wait = http_backoff_ms(1, -1, c->retry.base_ms, c->retry.cap_ms, http_rand01());
		if (c->retry.on_retry)
			c->retry.on_retry(c->retry.arg, attempt, wait, 0, d->resp.error);
		if (dbx_nap(wait / 1000.0) < 0)
			return err_set(e, XIT_TEMPFAIL, "interrupted");
	}
}

static int
plain_do2(struct dbx_conn *c, const struct http_req *rq, struct dbx_doc *d, int parse,
	struct err *e)
{
	int k = 1;
	dbx_doc_free(d);
	c->cur_method = rq->method, c->cur_url = rq->url;
	if (!c->answered && under(rq->url, c->host))
		k = first_contact(c, rq, d, &c->answered, c->host_where, c->host, e);
	else if (!c->login_answered && c->login_url && under(rq->url, c->login_url))
		k = first_contact(c, rq, d, &c->login_answered, "DBXI_AZURE_LOGIN_URL", c->login_url, e);
	if (k == 1 && http_do_retry(c->http, rq, &c->retry, &d->resp, e) < 0)
		k = -1;
	c->cur_method = c->cur_url = NULL;
	if (k < 0)
		return -1;
	return parse ? dbx_doc_parse(d, e) : 0;
}

static int
plain_do(struct dbx_conn *c, const struct http_req *rq, struct dbx_doc *d, struct err *e)
{
	return plain_do2(c, rq, d, 1, e);
}

static int
oauth_token(struct dbx_conn *c, struct err *e)
{
	struct dbx_doc d;
	struct buf url = BUF_INIT, hdr = BUF_INIT, cred = BUF_INIT;
	const char *form = "grant_type=client_credentials&scope=all-apis";
	int rc = -1;
	dbx_doc_init(&d);
	if (!c->token_endpoint && c->auth == DBX_AUTH_AZURE) {
		/* Entra ID v2.0 client credentials for the Azure Databricks resource (#11.3) */
		if (buf_printf(&url, "%s/%s/oauth2/v2.0/token", c->login_url, c->tenant_id) < 0 ||
		    !(c->token_endpoint = strdup(url.p)))
			goto nomem;
	} else if (!c->token_endpoint) {
		char te[2048];
		if (buf_printf(&url, "%s/oidc/.well-known/oauth-authorization-server", c->host) < 0)
			goto nomem;
		const char *h[] = { "Accept: application/json", NULL };
		struct http_req rq = { "GET", url.p, h, NULL, 0, HTTP_NO_AUTH, 0, 0 };
		if (plain_do(c, &rq, &d, e) < 0)
			goto out;
		if (d.resp.status == 404) {
			err_set(e, XIT_CONFIG, "databricks OAuth is not supported for this host (%s: "
				"no /oidc/.well-known/oauth-authorization-server)", c->host);
			goto out;
		}
		if (d.resp.status != 200) {
			dbx_api_error(&d, "OAuth discovery", e);
			goto out;
		}
		if (dbx_strdup_of(&d.v, "token_endpoint", te, sizeof te) < 0) {
			err_set(e, XIT_UNAVAILABLE, "OAuth discovery at %s: no token_endpoint", c->host);
			goto out;
		}
		if (http_url_check(te, e) < 0)
			goto out;
		if (!(c->token_endpoint = strdup(te)))
			goto nomem;
	}
	int az = c->auth == DBX_AUTH_AZURE;
	if (az) {
		/* client_secret_post, as the Azure SDKs send it */
		if (buf_adds(&cred, "grant_type=client_credentials&client_id=") < 0 ||
		    dbx_urlenc(&cred, c->client_id) < 0 || buf_adds(&cred, "&client_secret=") < 0 ||
		    dbx_urlenc(&cred, c->client_secret) < 0 || buf_adds(&cred, "&scope=") < 0 ||
		    dbx_urlenc(&cred, DBX_AZURE_DATABRICKS_SCOPE) < 0)
			goto nomem;
		form = cred.p;
	} else if (buf_printf(&cred, "%s:%s", c->client_id, c->client_secret) < 0 ||
	    buf_adds(&hdr, "Authorization: Basic ") < 0 ||
	    b64(&hdr, (const unsigned char *)cred.p, cred.len) < 0)
		goto nomem;
	{
		/* no Authorization header for Entra ID: the credentials are in the form */
		const char *h[] = { "Content-Type: application/x-www-form-urlencoded",
				    "Accept: application/json", az ? NULL : hdr.p, NULL };
		struct http_req rq = { "POST", c->token_endpoint, h, form, strlen(form), 0, 0, 0 };
		const char *who = az ? "Azure Entra ID token request" : "OAuth token request";
		char what[128];
		double t0 = mono();
		if (plain_do(c, &rq, &d, e) < 0)
			goto out;
		if (d.resp.status == 400 || d.resp.status == 401 || d.resp.status == 403) {
			snprintf(what, sizeof what, "%s refused the client credentials", who);
			dbx_api_error(&d, what, e);
			e->status = XIT_NOPERM;
			goto out;
		}
		if (d.resp.status != 200) {
			dbx_api_error(&d, who, e);
			goto out;
		}
		size_t tn, ttn = 6;
		const char *tok = dbx_str(&d.v, "access_token", &tn);
		const char *tt = dbx_str(&d.v, "token_type", &ttn);
		long long ttl = 3600;
		if (!tt)
			tt = "Bearer", ttn = 6;
		if (!tok || !tn || memchr(tok, '\n', tn) || memchr(tok, '\r', tn) || ttn > 32) {
			err_set(e, XIT_UNAVAILABLE, "OAuth token response without an access_token");
			goto out;
		}
		if (dbx_int_of(&d.v, "expires_in", &ttl) < 0 || ttl <= 0)
			ttl = 3600;
		wipe_free(c->bearer);
		c->bearer = NULL;
		struct buf bb = BUF_INIT;
		if (buf_printf(&bb, "Authorization: %.*s %.*s", (int)ttn, tt, (int)tn, tok) < 0) {
			buf_free(&bb);
			goto nomem;
		}
		c->bearer = buf_detach(&bb);
		{
			char *t = strndup(tok, tn);
			if (t) {
				dbx_scrub_add(t);
				wipe_free(t);
			}
		}
		double early = ttl / 2.0 < 300 ? ttl / 2.0 : 300;
		c->token_renew = t0 + (double)ttl - early;
	}
	rc = 0;
	goto out;
nomem:
	err_set(e, XIT_TEMPFAIL, "out of memory");
out:
	if (cred.p)
		memset(cred.p, 0, cred.len);
	if (hdr.p)
		memset(hdr.p, 0, hdr.len);
	if (d.resp.body)
		memset(d.resp.body, 0, d.resp.len);
	buf_free(&url), buf_free(&hdr), buf_free(&cred);
	dbx_doc_free(&d);
	return rc;
}

static int
auth_header(struct dbx_conn *c, int force, struct err *e)
{
	if (c->auth == DBX_AUTH_PAT) {
		if (!c->bearer) {
			struct buf bb = BUF_INIT;
			if (buf_printf(&bb, "Authorization: Bearer %s", c->token) < 0) {
				buf_free(&bb);
				return err_set(e, XIT_TEMPFAIL, "out of memory");
			}
			c->bearer = buf_detach(&bb);
		}
		return 0;
	}
	if (force || !c->bearer || mono() >= c->token_renew)
		return oauth_token(c, e);
	return 0;
}

static volatile sig_atomic_t *g_flag;

void
dbx_set_abort_flag(volatile sig_atomic_t *flag)
{
	g_flag = flag;
	http_set_abort_flag(flag);
}

void
dbx_abort_hold(int hold)
{
	http_set_abort_flag(hold ? NULL : g_flag);
}

int
dbx_fetch(struct dbx_conn *c, const char *url, const char *const *headers, struct dbx_doc *d,
	struct err *e)
{
	struct http_req rq = { "GET", url, headers, NULL, 0, HTTP_NO_AUTH, 0, 0 };
	return plain_do(c, &rq, d, e);
}

int
dbx_fetch_raw(struct dbx_conn *c, const char *url, const char *const *headers, struct dbx_doc *d,
	struct err *e)
{
	struct http_req rq = { "GET", url, headers, NULL, 0, HTTP_NO_AUTH, 0, 0 };
	return plain_do2(c, &rq, d, 0, e);
}

int
dbx_auth_check(struct dbx_conn *c, struct err *e)
{
	return auth_header(c, 0, e);
}

int
dbx_call(struct dbx_conn *c, const char *method, const char *path, const char *body,
	struct dbx_doc *d, struct err *e)
{
	struct buf url = BUF_INIT, org = BUF_INIT;
	int rc = -1;
	dbx_doc_free(d);
	if (buf_printf(&url, "%s%s", c->host, path) < 0 ||
	    (c->org_id && buf_printf(&org, "X-Databricks-Org-Id: %s", c->org_id) < 0)) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		goto out;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (auth_header(c, attempt > 0, e) < 0)
			goto out;
		const char *h[6];
		int k = 0;
		h[k++] = c->bearer;
		h[k++] = "Accept: application/json";
		if (body)
			h[k++] = "Content-Type: application/json";
		if (org.p)
			h[k++] = org.p;
		h[k] = NULL;
		struct http_req rq = { method, url.p, h, body, body ? strlen(body) : 0, 0, 0, 0 };
		if (plain_do(c, &rq, d, e) < 0)
			goto out;
		if ((d->resp.status == 401 || d->resp.status == 403) && c->auth != DBX_AUTH_PAT &&
		    attempt == 0)
			continue;
		break;
	}
	rc = 0;
out:
	buf_free(&url), buf_free(&org);
	return rc;
}
