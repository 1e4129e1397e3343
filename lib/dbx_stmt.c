/* dbx_stmt.c: see dbx_stmt.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <time.h>
#include "buf.h"
#include "dbx_chunk.h"
#include "dbx_stmt.h"
#include "rec.h"

struct dbx_stmt {
	struct dbx_conn *c;
	char id[160];
	struct dbx_col *cols;
	size_t ncols;
	struct dbx_doc meta; /* the statement or chunk response (result, links) */
	struct dbx_doc data; /* the body of the current external link */
	const msgpack_object *rows;
	uint32_t nrows, ri;
	int fast;             /* the rows are those of s->data's body, read by dbx_chunk_row */
	struct dbx_chunk ck;  /* there: the index of its rows */
	msgpack_object *fvals, frow; /* the row handed out (ncols values) */
	const msgpack_object *lnk;
	uint32_t nlnk, li;
	long long next_chunk; /* -1: none */
	long long total_rows; /* manifest.total_row_count, -1 when absent */
	unsigned long long out_rows, chunks;
	int gone;             /* the result is no longer served (expired, closed) */
	struct prefetch {     /* the next external link, fetched by a thread meanwhile */
		pthread_t th;
		int active;
		long long ci;
		char url[8192];
		struct buf hb;
		const char *hdrs[33];
		struct http_client *cli;
		struct http_retry retry;
		struct http_resp resp;
		int rc;
		struct err e;
	} pf;
};

static double
mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
dbx_error_class(const char *m, size_t n, char *out, size_t outlen)
{
	size_t i = 0, j;
	out[0] = 0;
	while (i < n && (m[i] == ' ' || m[i] == '\n' || m[i] == '\r' || m[i] == '\t'))
		i++;
	if (i >= n || m[i] != '[')
		return -1;
	for (j = i + 1; j < n && ((m[j] >= 'A' && m[j] <= 'Z') || (m[j] >= '0' && m[j] <= '9') ||
				  m[j] == '_' || m[j] == '.'); j++)
		;
	if (j >= n || m[j] != ']' || j == i + 1 || j - i - 1 >= outlen)
		return -1;
	memcpy(out, m + i + 1, j - i - 1);
	out[j - i - 1] = 0;
	return 0;
}

/* The one table of FAILED statement classes (#10.13): first match wins. An entry ending in
 * '_' matches any class starting with it; any other entry matches the class itself or its
 * sub-classes ("UNRESOLVED_COLUMN" matches "UNRESOLVED_COLUMN.WITH_SUGGESTION"). Classes in
 * no entry are 69 (not known: no retry loop on something running again cannot fix).
 * docs/troubleshooting.md and docs/dbx-cdf-read.1 list the same table. */
static const struct { const char *cls; int status; } class_tab[] = {
	/* transient: run again later (75) */
	{ "DELTA_CONCURRENT_", XIT_TEMPFAIL }, { "CONCURRENT_", XIT_TEMPFAIL },
	{ "TEMPORARILY_UNAVAILABLE", XIT_TEMPFAIL }, { "INTERNAL_ERROR", XIT_TEMPFAIL },
	{ "QUERY_EXECUTION_TIMEOUT_EXCEEDED", XIT_TEMPFAIL }, { "SQL_WAREHOUSE_", XIT_TEMPFAIL },
	{ "WAREHOUSE_", XIT_TEMPFAIL }, { "RESOURCE_EXHAUSTED", XIT_TEMPFAIL },
	{ "REQUEST_LIMIT_EXCEEDED", XIT_TEMPFAIL }, { "SPARK_JOB_CANCELLED", XIT_TEMPFAIL },
	{ "TASK_WRITE_FAILED", XIT_TEMPFAIL }, { "CLOUD_PROVIDER_", XIT_TEMPFAIL },
	/* permissions (77) */
	{ "PERMISSION_DENIED", XIT_NOPERM }, { "INSUFFICIENT_PERMISSIONS", XIT_NOPERM },
	{ "INSUFFICIENT_PRIVILEGES", XIT_NOPERM }, { "UNAUTHORIZED_ACCESS", XIT_NOPERM },
	/* analysis and configuration: the statement, the table or the settings are wrong (78) */
	{ "TABLE_OR_VIEW_NOT_FOUND", XIT_CONFIG }, { "SCHEMA_NOT_FOUND", XIT_CONFIG },
	{ "CATALOG_NOT_FOUND", XIT_CONFIG }, { "NO_SUCH_CATALOG_EXCEPTION", XIT_CONFIG },
	{ "EXPECT_TABLE_NOT_VIEW", XIT_CONFIG }, { "UNSUPPORTED_FEATURE", XIT_CONFIG },
	{ "UNRESOLVED_COLUMN", XIT_CONFIG }, { "UNRESOLVED_FIELD", XIT_CONFIG },
	{ "UNRESOLVED_ROUTINE", XIT_CONFIG }, { "PARSE_SYNTAX_ERROR", XIT_CONFIG },
	{ "PARSE_EMPTY_STATEMENT", XIT_CONFIG }, { "INVALID_IDENTIFIER", XIT_CONFIG },
	{ "AMBIGUOUS_REFERENCE", XIT_CONFIG }, { "AMBIGUOUS_COLUMN_OR_FIELD", XIT_CONFIG },
	{ "DATATYPE_MISMATCH", XIT_CONFIG }, { "UNBOUND_SQL_PARAMETER", XIT_CONFIG },
	{ "WRONG_NUM_ARGS", XIT_CONFIG }, { "INCORRECT_NUMBER_OF_ARGUMENTS", XIT_CONFIG },
	{ "INVALID_PARAMETER_VALUE", XIT_CONFIG }, { "INVALID_TIMESTAMP_FORMAT", XIT_CONFIG },
	{ "CAST_INVALID_INPUT", XIT_CONFIG }, { "NOT_A_TABLE", XIT_CONFIG },
	{ "DELTA_", XIT_CONFIG },
	{ NULL, 0 },
};

int
dbx_class_status(const char *cls)
{
	for (int i = 0; class_tab[i].cls; i++) {
		size_t n = strlen(class_tab[i].cls);
		if (strncmp(cls, class_tab[i].cls, n))
			continue;
		if (class_tab[i].cls[n - 1] == '_' || cls[n] == 0 || cls[n] == '.')
			return class_tab[i].status;
	}
	return XIT_UNAVAILABLE;
}

int
dbx_sql_ident(struct buf *b, const char *s, size_t n, struct err *e)
{
	if (n == 0 || n > 255)
		return err_set(e, XIT_USAGE, "a name part must have 1 to 255 bytes");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-' || ch >= 0x80))
			return err_set(e, XIT_USAGE, "bad character %s%c in name '%.*s' (allowed: "
				"letters, digits, '_' and '-')", ch < 0x20 || ch == 0x7f ? "\\x" : "",
				ch < 0x20 || ch == 0x7f ? '?' : ch, (int)(n > 100 ? 100 : n), s);
	}
	if (!rec_utf8_valid(s, n))
		return err_set(e, XIT_USAGE, "a name is not valid UTF-8");
	if (buf_addc(b, '`') < 0 || buf_add(b, s, n) < 0 || buf_addc(b, '`') < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	return 0;
}

size_t dbx_stmt_ncols(const struct dbx_stmt *s) { return s->ncols; }
const struct dbx_col *dbx_stmt_col(const struct dbx_stmt *s, size_t i) { return &s->cols[i]; }
unsigned long long dbx_stmt_rows(const struct dbx_stmt *s) { return s->out_rows; }
unsigned long long dbx_stmt_chunks(const struct dbx_stmt *s) { return s->chunks; }

long
dbx_stmt_col_index(const struct dbx_stmt *s, const char *name)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (!strcmp(s->cols[i].name, name))
			return (long)i;
	return -1;
}

static void
cols_free(struct dbx_stmt *s)
{
	for (size_t i = 0; i < s->ncols; i++)
		free(s->cols[i].name), free(s->cols[i].type_text), free(s->cols[i].type_name);
	free(s->cols);
	s->cols = NULL;
	s->ncols = 0;
}

static char *
strdup_of(const msgpack_object *m, const char *key)
{
	size_t n;
	const char *v = dbx_str(m, key, &n);
	char *p;
	if (!v)
		v = "", n = 0;
	if ((p = malloc(n + 1))) {
		memcpy(p, v, n);
		p[n] = 0;
	}
	return p;
}

static int
manifest(struct dbx_stmt *s, const msgpack_object *st, struct err *e)
{
	const msgpack_object *m = rec_get(st, "manifest"), *sch, *cols, *tr;
	if (!m || m->type != MSGPACK_OBJECT_MAP)
		return err_set(e, XIT_UNAVAILABLE, "statement %s: SUCCEEDED without a manifest", s->id);
	size_t fl;
	const char *f = dbx_str(m, "format", &fl);
	if (f && !(fl == 10 && !memcmp(f, "JSON_ARRAY", 10)))
		return err_set(e, XIT_UNAVAILABLE, "statement %s: result format %.*s, not JSON_ARRAY",
			s->id, (int)(fl > 40 ? 40 : fl), f);
	if ((tr = rec_get(m, "truncated")) && tr->type == MSGPACK_OBJECT_BOOLEAN && tr->via.boolean)
		return err_set(e, XIT_UNAVAILABLE, "statement %s: the result was truncated by the "
			"warehouse (byte limit)", s->id);
	if (dbx_int_of(m, "total_row_count", &s->total_rows) < 0)
		s->total_rows = -1;
	sch = rec_get(m, "schema");
	cols = sch && sch->type == MSGPACK_OBJECT_MAP ? rec_get(sch, "columns") : NULL;
	if (!cols || cols->type != MSGPACK_OBJECT_ARRAY)
		return 0; /* no result set */
	uint32_t n = cols->via.array.size;
	if (!(s->cols = calloc(n ? n : 1, sizeof *s->cols)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *c = &cols->via.array.ptr[i];
		struct dbx_col *d = &s->cols[i];
		s->ncols = i + 1;
		if (!(d->name = strdup_of(c, "name")) || !(d->type_text = strdup_of(c, "type_text")) ||
		    !(d->type_name = strdup_of(c, "type_name")))
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		d->type = dbx_type_of(d->type_name, d->type_text);
	}
	return 0;
}

/* takes the rows or links of a ResultData map */
static int
set_result(struct dbx_stmt *s, const msgpack_object *r, struct err *e)
{
	const msgpack_object *da, *el;
	long long nx;
	/* rows are only replaced by a data_array: rows of an external link (in s->data) stay */
	s->lnk = NULL, s->nlnk = s->li = 0;
	s->next_chunk = -1;
	if (!r || r->type != MSGPACK_OBJECT_MAP)
		return 0;
	if ((da = rec_get(r, "data_array"))) {
		if (da->type != MSGPACK_OBJECT_ARRAY)
			return err_set(e, XIT_UNAVAILABLE, "statement %s: data_array is not an array", s->id);
		s->rows = da->via.array.ptr, s->nrows = da->via.array.size, s->ri = 0;
		s->fast = 0;
		s->chunks++;
	}
	if ((el = rec_get(r, "external_links"))) {
		if (el->type != MSGPACK_OBJECT_ARRAY)
			return err_set(e, XIT_UNAVAILABLE, "statement %s: external_links is not an array", s->id);
		s->lnk = el->via.array.ptr, s->nlnk = el->via.array.size;
	}
	if (dbx_int_of(r, "next_chunk_index", &nx) == 0 && nx >= 0)
		s->next_chunk = nx;
	else if (s->nlnk && dbx_int_of(&s->lnk[s->nlnk - 1], "next_chunk_index", &nx) == 0 && nx >= 0)
		s->next_chunk = nx;
	return 0;
}

/* the message without the echo of the SQL text that Spark appends after "== SQL ==" */
static void
clean_msg(const char *s, size_t n, char *out, size_t outlen)
{
	for (size_t i = 0; i + 9 <= n; i++)
		if (!memcmp(s + i, "== SQL ==", 9)) {
			n = i;
			break;
		}
	dbx_clean_text(s, n, out, outlen);
}

static int
failed(const msgpack_object *st, char *cls, size_t clen, struct err *e)
{
	const msgpack_object *status = rec_get(st, "status");
	const msgpack_object *er = status ? rec_get(status, "error") : NULL;
	size_t mn = 0, cn = 0;
	const char *m = dbx_str(er, "message", &mn);
	const char *code = dbx_str(er, "error_code", &cn);
	char c[128], msg[700];
	if (!m)
		m = "", mn = 0;
	dbx_error_class(m, mn, c, sizeof c);
	clean_msg(m, mn, msg, sizeof msg);
	if (cls)
		snprintf(cls, clen, "%s", c);
	int status_code = c[0] ? dbx_class_status(c) : XIT_UNAVAILABLE;
	int known = !c[0] || status_code != XIT_UNAVAILABLE;
	/* no class: a message that asks to try again is transient (a legacy concurrent update) */
	if (!c[0] && (strcasestr(msg, "try again") || strcasestr(msg, "try the operation again")))
		status_code = XIT_TEMPFAIL;
	if (!c[0] && code) {
		if ((cn == 17 && !memcmp(code, "PERMISSION_DENIED", 17)) ||
		    (cn == 15 && !memcmp(code, "UNAUTHENTICATED", 15)))
			status_code = XIT_NOPERM;
		else if (cn == 9 && !memcmp(code, "NOT_FOUND", 9))
			status_code = XIT_CONFIG;
		else if (strstr(code, "UNAVAILABLE") || strstr(code, "MAINTENANCE"))
			status_code = XIT_UNAVAILABLE;
	}
	dbx_scrub(msg, sizeof msg);
	err_set(e, status_code, "statement failed: %s%s%.*s%s%s%s%s", msg[0] ? msg : "(no message)",
		code ? " (" : "", code ? (int)(cn > 60 ? 60 : cn) : 0, code ? code : "", code ? ")" : "",
		known ? "" : " [error class ", known ? "" : c, known ? "" : " is not known to "
		"dbx-cdf-read: not retried; see docs/troubleshooting.md]");
	return -1;
}

static void
cancel(struct dbx_stmt *s)
{
	struct dbx_doc d;
	struct buf p = BUF_INIT;
	struct err ig = ERR_INIT;
	struct http_retry *r = dbx_conn_retry(s->c), keep = *r;
	if (!s->id[0])
		return;
	dbx_doc_init(&d);
	dbx_abort_hold(1);
	r->max_attempts = 2;
	if (buf_printf(&p, "/api/2.0/sql/statements/%s/cancel", s->id) == 0)
		dbx_call(s->c, "POST", p.p, "{}", &d, &ig);
	*r = keep;
	dbx_abort_hold(0);
	buf_free(&p);
	dbx_doc_free(&d);
	s->id[0] = 0;
}

void
dbx_stmt_free(struct dbx_stmt *s)
{
	if (!s)
		return;
	if (s->pf.active)
		pthread_join(s->pf.th, NULL);
	http_resp_free(&s->pf.resp);
	buf_free(&s->pf.hb);
	if (s->pf.cli)
		http_client_free(s->pf.cli);
	dbx_doc_free(&s->meta);
	dbx_doc_free(&s->data);
	cols_free(s);
	free(s->fvals);
	dbx_chunk_free(&s->ck);
	free(s);
}

static int
state_is(const msgpack_object *st, const char *want)
{
	const msgpack_object *status = rec_get(st, "status");
	size_t n;
	const char *v = dbx_str(status, "state", &n);
	return v && n == strlen(want) && !memcmp(v, want, n);
}

int
dbx_stmt_exec(struct dbx_conn *c, const char *sql, const struct dbx_param *p, size_t np,
	int flags, int timeout_s, struct dbx_stmt **out, char *cls, size_t clen, struct err *e)
{
	struct buf b = BUF_INIT, path = BUF_INIT;
	struct dbx_stmt *s;
	int wait;
	*out = NULL;
	if (cls && clen)
		cls[0] = 0;
	if (timeout_s <= 0)
		timeout_s = 1800;
	wait = timeout_s >= 10 ? 10 : timeout_s >= 5 ? timeout_s : 0;
	if (!(s = calloc(1, sizeof *s)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	s->c = c;
	s->next_chunk = -1;
	http_resp_init(&s->pf.resp);
	dbx_doc_init(&s->meta);
	dbx_doc_init(&s->data);
	if (buf_adds(&b, "{\"statement\":") < 0 || rec_json_str_append(&b, sql, strlen(sql)) < 0 ||
	    buf_adds(&b, ",\"warehouse_id\":") < 0 ||
	    rec_json_str_append(&b, dbx_conn_warehouse(c), strlen(dbx_conn_warehouse(c))) < 0 ||
	    buf_printf(&b, ",\"wait_timeout\":\"%ds\",\"on_wait_timeout\":\"CONTINUE\","
		"\"disposition\":\"%s\",\"format\":\"JSON_ARRAY\",\"parameters\":[", wait,
		flags & DBX_LINKS ? "EXTERNAL_LINKS" : "INLINE") < 0)
		goto nomem;
	for (size_t i = 0; i < np; i++) {
		if (buf_adds(&b, i ? ",{\"name\":" : "{\"name\":") < 0 ||
		    rec_json_str_append(&b, p[i].name, strlen(p[i].name)) < 0)
			goto nomem;
		if (p[i].value && (buf_adds(&b, ",\"value\":") < 0 ||
				   rec_json_str_append(&b, p[i].value, strlen(p[i].value)) < 0))
			goto nomem;
		if (buf_adds(&b, ",\"type\":") < 0 ||
		    rec_json_str_append(&b, p[i].type ? p[i].type : "STRING",
			strlen(p[i].type ? p[i].type : "STRING")) < 0 || buf_addc(&b, '}') < 0)
			goto nomem;
	}
	if (buf_adds(&b, "]}") < 0)
		goto nomem;
	if (dbx_call(c, "POST", "/api/2.0/sql/statements/", b.p, &s->meta, e) < 0)
		goto fail;
	if (s->meta.resp.status != 200) {
		dbx_api_error(&s->meta, "execute statement", e);
		goto fail;
	}
	if (dbx_strdup_of(&s->meta.v, "statement_id", s->id, sizeof s->id) < 0) {
		err_set(e, XIT_UNAVAILABLE, "execute statement: no statement_id in the response");
		goto fail;
	}
	for (size_t i = 0; s->id[i]; i++)
		if (!((s->id[i] >= '0' && s->id[i] <= '9') || (s->id[i] >= 'a' && s->id[i] <= 'z') ||
		      (s->id[i] >= 'A' && s->id[i] <= 'Z') || s->id[i] == '-' || s->id[i] == '_')) {
			s->id[0] = 0;
			err_set(e, XIT_UNAVAILABLE, "execute statement: bad statement_id");
			goto fail;
		}
	{
		double deadline = mono() + timeout_s, delay = 0.2, cap = 5;
		const char *pm = getenv("DBXI_POLL_MS"); /* a test knob: the first poll delay */
		if (pm && *pm) {
			char *end;
			long v = strtol(pm, &end, 10);
			if (!*end && v > 0 && v <= 60000)
				delay = v / 1000.0, cap = delay * 8;
		}
		/* a line on stderr every 15 s of waiting (#11.4); DBXI_WAIT_NOTE_S: a test knob */
		double t0 = mono(), every = 15, next_note;
		const char *wn = getenv("DBXI_WAIT_NOTE_S");
		if (wn && *wn) {
			char *end;
			long v = strtol(wn, &end, 10);
			if (!*end && v > 0 && v <= 3600)
				every = (double)v;
		}
		next_note = t0 + every;
		if (buf_printf(&path, "/api/2.0/sql/statements/%s", s->id) < 0)
			goto nomem;
		while (state_is(&s->meta.v, "PENDING") || state_is(&s->meta.v, "RUNNING")) {
			const char *stn = state_is(&s->meta.v, "PENDING") ? "PENDING" : "RUNNING";
			if (mono() >= next_note) {
				int secs = (int)(next_note - t0 + 0.5);
				if (stn[0] == 'P')
					dbx_conn_note(c, "waiting for warehouse %s to start (%ds)",
						dbx_conn_warehouse(c), secs);
				else
					dbx_conn_note(c, "statement %s still running (%ds)", s->id, secs);
				while (next_note <= mono())
					next_note += every;
			}
			if (mono() + delay > deadline) {
				cancel(s);
				err_set(e, XIT_TEMPFAIL, "statement still %s after %d s (the warehouse may "
					"be starting); cancelled it: run again later, or raise --timeout",
					stn, timeout_s);
				goto fail;
			}
			if (dbx_nap(delay * (0.75 + 0.5 * http_rand01())) < 0) {
				cancel(s);
				err_set(e, XIT_TEMPFAIL, "interrupted: statement cancelled");
				goto fail;
			}
			delay = delay * 2 > cap ? cap : delay * 2;
			if (dbx_call(c, "GET", path.p, NULL, &s->meta, e) < 0) {
				if (http_aborted()) {
					cancel(s);
					err_set(e, XIT_TEMPFAIL, "interrupted: statement cancelled");
				}
				goto fail;
			}
			if (s->meta.resp.status != 200) {
				dbx_api_error(&s->meta, "statement status", e);
				goto fail;
			}
		}
	}
	if (state_is(&s->meta.v, "FAILED")) {
		failed(&s->meta.v, cls, clen, e);
		s->id[0] = 0;
		goto fail;
	}
	if (!state_is(&s->meta.v, "SUCCEEDED")) {
		size_t n = 0;
		const char *stn = dbx_str(rec_get(&s->meta.v, "status"), "state", &n);
		err_set(e, XIT_TEMPFAIL, "statement %s ended %.*s: run again later", s->id,
			stn ? (int)(n > 30 ? 30 : n) : 7, stn ? stn : "unknown");
		s->id[0] = 0;
		goto fail;
	}
	if (manifest(s, &s->meta.v, e) < 0 || set_result(s, rec_get(&s->meta.v, "result"), e) < 0)
		goto fail;
	buf_free(&b), buf_free(&path);
	*out = s;
	return 0;
nomem:
	err_set(e, XIT_TEMPFAIL, "out of memory");
fail:
	buf_free(&b), buf_free(&path);
	dbx_stmt_free(s);
	return -1;
}

int
dbx_stmt_parse(const char *body, size_t n, struct dbx_stmt **out, char *cls, size_t clen,
	struct err *e)
{
	struct dbx_stmt *s;
	*out = NULL;
	if (cls && clen)
		cls[0] = 0;
	if (!(s = calloc(1, sizeof *s)))
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	s->next_chunk = -1;
	http_resp_init(&s->pf.resp);
	dbx_doc_init(&s->meta);
	dbx_doc_init(&s->data);
	if (!(s->meta.resp.body = malloc(n + 1))) {
		free(s);
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	memcpy(s->meta.resp.body, body, n);
	s->meta.resp.body[n] = 0;
	s->meta.resp.len = n;
	s->meta.resp.status = 200;
	if (dbx_doc_parse(&s->meta, e) < 0)
		goto fail;
	if (!s->meta.json || s->meta.v.type != MSGPACK_OBJECT_MAP) {
		err_set(e, XIT_UNAVAILABLE, "statement response is not a JSON object");
		goto fail;
	}
	dbx_strdup_of(&s->meta.v, "statement_id", s->id, sizeof s->id);
	if (state_is(&s->meta.v, "FAILED")) {
		failed(&s->meta.v, cls, clen, e);
		goto fail;
	}
	if (!state_is(&s->meta.v, "SUCCEEDED")) {
		err_set(e, XIT_TEMPFAIL, "statement not SUCCEEDED");
		goto fail;
	}
	if (manifest(s, &s->meta.v, e) < 0 || set_result(s, rec_get(&s->meta.v, "result"), e) < 0)
		goto fail;
	s->id[0] = 0; /* offline: nothing to close */
	*out = s;
	return 0;
fail:
	s->id[0] = 0;
	dbx_stmt_free(s);
	return -1;
}

/* a chunk was refused: asks the statement's status. 1 when its result is no longer served
 * (CLOSED: results live one hour after success, polling does not extend that; or the
 * statement is gone: 404), with e saying so; 0 otherwise (e untouched). */
static int
result_gone(struct dbx_stmt *s, struct err *e)
{
	struct dbx_doc d;
	struct err ig = ERR_INIT;
	char path[256];
	int gone = 0;
	size_t n = 0;
	const char *stn = NULL;
	dbx_doc_init(&d);
	snprintf(path, sizeof path, "/api/2.0/sql/statements/%s", s->id);
	if (dbx_call(s->c, "GET", path, NULL, &d, &ig) == 0) {
		if (d.resp.status == 404)
			gone = 1, stn = "removed", n = 7;
		else if (d.resp.status == 200 && d.json &&
			 (state_is(&d.v, "CLOSED") || state_is(&d.v, "CANCELED"))) {
			gone = 1;
			stn = dbx_str(rec_get(&d.v, "status"), "state", &n);
		}
	}
	if (gone)
		err_set(e, XIT_TEMPFAIL, "statement %s: its result is no longer available (%.*s): "
			"a result lives one hour after the statement succeeds", s->id,
			stn ? (int)(n > 20 ? 20 : n) : 6, stn ? stn : "closed");
	dbx_doc_free(&d);
	return gone;
}

int
dbx_stmt_gone(const struct dbx_stmt *s)
{
	return s->gone;
}

static int
get_chunk(struct dbx_stmt *s, long long idx, struct err *e)
{
	if (!s->c)
		return err_set(e, XIT_UNAVAILABLE, "offline statement: chunk %lld not at hand", idx);
	char path[256];
	snprintf(path, sizeof path, "/api/2.0/sql/statements/%s/result/chunks/%lld", s->id, idx);
	if (dbx_call(s->c, "GET", path, NULL, &s->meta, e) < 0)
		return -1;
	if (s->meta.resp.status != 200) {
		char what[64];
		long st = s->meta.resp.status;
		snprintf(what, sizeof what, "result chunk %lld", idx);
		dbx_api_error(&s->meta, what, e);
		if ((st == 400 || st == 404 || st == 410) && result_gone(s, e))
			s->gone = 1;
		return -1;
	}
	return set_result(s, &s->meta.v, e);
}

static int
num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* expiration (RFC 3339) reached */
static int
expired(const msgpack_object *link)
{
	size_t n;
	const char *x = dbx_str(link, "expiration", &n);
	char norm[64];
	struct tm tm;
	if (!x || dbx_timestamp_utc(x, n, norm, sizeof norm) < 19)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = num(norm, 4) - 1900, tm.tm_mon = num(norm + 5, 2) - 1;
	tm.tm_mday = num(norm + 8, 2), tm.tm_hour = num(norm + 11, 2);
	tm.tm_min = num(norm + 14, 2), tm.tm_sec = num(norm + 17, 2);
	time_t t = timegm(&tm);
	return t != (time_t)-1 && t <= time(NULL);
}

/* the URL and "Name: value" headers of an external link (never Authorization) */
static int
link_req(const struct dbx_stmt *s, const msgpack_object *l, char *url, size_t ulen, struct buf *hb,
	const char **hdrs, struct err *e)
{
	const msgpack_object *hh;
	size_t offs[32];
	int nh = 0;
	buf_reset(hb);
	if (l->type != MSGPACK_OBJECT_MAP || dbx_strdup_of(l, "external_link", url, ulen) < 0)
		return err_set(e, XIT_UNAVAILABLE, "statement %s: an external link without a URL", s->id);
	if ((hh = rec_get(l, "http_headers")) && hh->type == MSGPACK_OBJECT_MAP) {
		for (uint32_t i = 0; i < hh->via.map.size && nh < 32; i++) {
			const msgpack_object *k = &hh->via.map.ptr[i].key, *v = &hh->via.map.ptr[i].val;
			if (k->type != MSGPACK_OBJECT_STR || v->type != MSGPACK_OBJECT_STR ||
			    memchr(k->via.str.ptr, '\n', k->via.str.size) ||
			    memchr(v->via.str.ptr, '\n', v->via.str.size) ||
			    memchr(k->via.str.ptr, '\r', k->via.str.size) ||
			    memchr(v->via.str.ptr, '\r', v->via.str.size) ||
			    memchr(k->via.str.ptr, ':', k->via.str.size) || !k->via.str.size ||
			    (k->via.str.size == 13 && !strncasecmp(k->via.str.ptr, "authorization", 13)))
				continue;
			offs[nh++] = hb->len;
			if (buf_printf(hb, "%.*s: %.*s", (int)k->via.str.size, k->via.str.ptr,
				(int)v->via.str.size, v->via.str.ptr) < 0 || buf_addc(hb, 0) < 0)
				return err_set(e, XIT_TEMPFAIL, "out of memory");
		}
	}
	for (int i = 0; i < nh; i++)
		hdrs[i] = hb->p + offs[i];
	hdrs[nh] = NULL;
	return 0;
}

static void *
pf_main(void *arg)
{
	struct prefetch *p = arg;
	struct http_req rq = { "GET", p->url, p->hdrs, NULL, 0, HTTP_NO_AUTH, 0, 0 };
	p->rc = http_do_retry(p->cli, &rq, &p->retry, &p->resp, &p->e);
	return NULL;
}

/* starts fetching the next external link in a thread, while the rows at hand are written:
 * asks for the next chunk's link first when the links at hand are used up. 0 also when
 * nothing was started (the link is fetched when needed, then). */
static int
prefetch_next(struct dbx_stmt *s, struct err *e)
{
	struct prefetch *p = &s->pf;
	const msgpack_object *l;
	const char *off = getenv("DBXI_NO_PREFETCH");
	if (!s->c || p->active || (off && *off == '1'))
		return 0;
	if (s->li >= s->nlnk) {
		if (s->next_chunk < 0)
			return 0;
		if (get_chunk(s, s->next_chunk, e) < 0)
			return -1;
		if (s->li >= s->nlnk)
			return 0;
	}
	l = &s->lnk[s->li];
	if (expired(l))
		return 0;
	if (link_req(s, l, p->url, sizeof p->url, &p->hb, p->hdrs, e) < 0)
		return -1;
	p->ci = -1;
	dbx_int_of(l, "chunk_index", &p->ci);
	if (!p->cli) {
		struct http_opts o;
		http_opts_default(&o);
		o.max_body = (size_t)512 << 20;
		if (!(p->cli = http_client_new(&o, e)))
			return -1;
	}
	p->retry = *dbx_conn_retry(s->c);
	p->retry.on_retry = NULL;
	p->rc = 0;
	p->e.status = 0, p->e.msg[0] = 0;
	http_resp_free(&p->resp);
	if (pthread_create(&p->th, NULL, pf_main, p) != 0)
		return 0;
	p->active = 1;
	s->li++;
	return 0;
}

static int fetch_link(struct dbx_stmt *s, struct err *e);

/* the rows of an external link's body (in s->data, status 200): by the fast path when it
 * takes the body (dbx_chunk.h), else parsed; DBXI_DBX_GENERIC=1 parses every body (the
 * bench compares both) */
static int
take_body(struct dbx_stmt *s, long long ci, struct err *e)
{
	const char *g = getenv("DBXI_DBX_GENERIC");
	const msgpack_object *v;
	int k = g && *g == '1' ? 0 : dbx_chunk_scan(&s->ck, s->data.resp.body, s->data.resp.len);
	if (k < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	if (k > 0) {
		if (!s->fvals && !(s->fvals = calloc(s->ncols ? s->ncols : 1, sizeof *s->fvals)))
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		s->fast = 1;
		s->rows = NULL, s->nrows = s->ck.nrows, s->ri = 0;
		return 0;
	}
	if (dbx_doc_parse(&s->data, e) < 0)
		return -1;
	v = &s->data.v;
	if (v->type == MSGPACK_OBJECT_MAP)
		v = rec_get(v, "data_array");
	if (!s->data.json || !v || v->type != MSGPACK_OBJECT_ARRAY)
		return err_set(e, XIT_UNAVAILABLE, "statement %s: chunk %lld: the link did not "
			"return a JSON array", s->id, ci);
	s->fast = 0;
	s->rows = v->via.array.ptr, s->nrows = v->via.array.size, s->ri = 0;
	return 0;
}

/* takes the prefetched link body; on any failure, the link is asked for again and fetched
 * the ordinary way */
static int
pf_collect(struct dbx_stmt *s, struct err *e)
{
	struct prefetch *p = &s->pf;
	pthread_join(p->th, NULL);
	p->active = 0;
	if (p->rc == 0 && p->resp.status == 200) {
		dbx_doc_free(&s->data);
		s->data.resp = p->resp;
		http_resp_init(&p->resp);
		if (take_body(s, p->ci, e) < 0)
			return -1;
		s->chunks++;
		return prefetch_next(s, e);
	}
	if (p->rc < 0 && (http_aborted() || p->e.status != XIT_UNAVAILABLE)) {
		*e = p->e;
		return -1;
	}
	http_resp_free(&p->resp);
	if (p->ci < 0)
		return err_set(e, XIT_UNAVAILABLE, "statement %s: an external link failed", s->id);
	if (get_chunk(s, p->ci, e) < 0)
		return -1;
	uint32_t k;
	for (k = 0; k < s->nlnk; k++) {
		long long c2;
		if (dbx_int_of(&s->lnk[k], "chunk_index", &c2) == 0 && c2 == p->ci)
			break;
	}
	if (k == s->nlnk)
		return err_set(e, XIT_UNAVAILABLE, "statement %s: chunk %lld: no link in the chunk "
			"response", s->id, p->ci);
	s->li = k;
	return fetch_link(s, e);
}

/* fetches the body of link li into s->data; asks for a fresh link when it expired */
static int
fetch_link(struct dbx_stmt *s, struct err *e)
{
	struct buf hb = BUF_INIT;
	int rc = -1;
	for (int attempt = 0;; attempt++) {
		const msgpack_object *l = &s->lnk[s->li];
		long long ci = -1;
		char url[8192];
		const char *hdrs[33];
		if (link_req(s, l, url, sizeof url, &hb, hdrs, e) < 0)
			goto out;
		dbx_int_of(l, "chunk_index", &ci);
		if (!expired(l)) {
			dbx_doc_free(&s->data);
			if (dbx_fetch_raw(s->c, url, hdrs, &s->data, e) < 0)
				goto out;
			if (s->data.resp.status == 200) {
				if (take_body(s, ci, e) < 0)
					goto out;
				s->chunks++;
				s->li++;
				rc = prefetch_next(s, e);
				goto out;
			}
			if (dbx_doc_parse(&s->data, e) < 0)
				goto out;
			if (s->data.resp.status != 400 && s->data.resp.status != 403 &&
			    s->data.resp.status != 404 && s->data.resp.status != 410) {
				char what[80];
				snprintf(what, sizeof what, "external link of chunk %lld", ci);
				dbx_api_error(&s->data, what, e);
				goto out;
			}
		}
		/* expired or refused: a fresh link for the same chunk */
		if (attempt >= 3 || ci < 0) {
			err_set(e, XIT_UNAVAILABLE, "statement %s: chunk %lld: the external link kept "
				"failing (expired or refused) after %d new links", s->id, ci, attempt);
			goto out;
		}
		if (get_chunk(s, ci, e) < 0)
			goto out;
		uint32_t k;
		for (k = 0; k < s->nlnk; k++) {
			long long c2;
			if (dbx_int_of(&s->lnk[k], "chunk_index", &c2) == 0 && c2 == ci)
				break;
		}
		if (k == s->nlnk) {
			err_set(e, XIT_UNAVAILABLE, "statement %s: chunk %lld: no link in the chunk "
				"response", s->id, ci);
			goto out;
		}
		s->li = k;
	}
out:
	buf_free(&hb);
	return rc;
}

int
dbx_stmt_next(struct dbx_stmt *s, const msgpack_object **row, struct err *e)
{
	for (;;) {
		if (s->ri < s->nrows && s->fast) {
			uint32_t k = dbx_chunk_row(&s->ck, s->data.resp.body, s->ri, s->fvals,
				(uint32_t)s->ncols);
			s->ri++;
			if (k != s->ncols)
				return err_set(e, XIT_UNAVAILABLE, "statement %s: row %llu has %u values, "
					"the manifest %zu columns", s->id, s->out_rows + 1, k, s->ncols);
			s->frow.type = MSGPACK_OBJECT_ARRAY;
			s->frow.via.array.size = k;
			s->frow.via.array.ptr = s->fvals;
			s->out_rows++;
			*row = &s->frow;
			return 1;
		}
		if (s->ri < s->nrows) {
			const msgpack_object *r = &s->rows[s->ri++];
			if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size != s->ncols)
				return err_set(e, XIT_UNAVAILABLE, "statement %s: row %llu has %u values, "
					"the manifest %zu columns", s->id, s->out_rows + 1,
					r->type == MSGPACK_OBJECT_ARRAY ? r->via.array.size : 0, s->ncols);
			s->out_rows++;
			*row = r;
			return 1;
		}
		if (s->pf.active) {
			if (pf_collect(s, e) < 0)
				return -1;
			continue;
		}
		if (s->li < s->nlnk) {
			if (!s->c)
				return err_set(e, XIT_UNAVAILABLE, "offline statement: external links not fetched");
			if (fetch_link(s, e) < 0)
				return -1;
			continue;
		}
		if (s->next_chunk >= 0) {
			dbx_doc_free(&s->data);
			if (get_chunk(s, s->next_chunk, e) < 0)
				return -1;
			continue;
		}
		if (s->total_rows >= 0 && s->c && (unsigned long long)s->total_rows != s->out_rows)
			return err_set(e, XIT_UNAVAILABLE, "statement %s: %llu rows received, the manifest "
				"announced %lld: the result is incomplete", s->id, s->out_rows, s->total_rows);
		return 0;
	}
}
