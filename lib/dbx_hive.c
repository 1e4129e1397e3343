/* dbx_hive.c: see dbx_hive.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "buf.h"
#include "dbx_hive.h"
#include "dbx_stmt.h"

#define NOMEM(e) err_set((e), XIT_TEMPFAIL, "out of memory")

void
dbx_name_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

int
dbx_is_hive(const char *cat)
{
	return !strcasecmp(cat, "hive_metastore") || !strcasecmp(cat, "spark_catalog");
}

void
dbx_say(void (*line)(void *, int, const char *), void *arg, int ok, const char *fmt, ...)
{
	char b[1200];
	va_list ap;
	if (!line)
		return;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	line(arg, ok, b);
}

/* a cell of the current row as a C string ("" when NULL or absent) */
static void
cell(const struct dbx_stmt *s, const msgpack_object *row, const char *col, char *out, size_t n)
{
	long i = dbx_stmt_col_index(s, col);
	const msgpack_object *v;
	out[0] = 0;
	if (i < 0)
		return;
	v = &row->via.array.ptr[i];
	if (v->type == MSGPACK_OBJECT_STR && v->via.str.size < n) {
		memcpy(out, v->via.str.ptr, v->via.str.size);
		out[v->via.str.size] = 0;
	}
}

static int
is_class(const char *cls, const char *want)
{
	size_t n = strlen(want);
	return !strncmp(cls, want, n) && (cls[n] == 0 || cls[n] == '.');
}

/* DESCRIBE DETAIL: *view 1 for a view; fmt and the CDF property (props JSON) filled */
static int
detail(struct dbx_conn *c, const char *table, const char *ref, int timeout_s, int *view,
	char *fmt, size_t flen, int *cdf, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	const msgpack_object *row;
	char cls[128];
	int r;
	*view = 0, *cdf = 0, fmt[0] = 0;
	if (buf_printf(&sql, "DESCRIBE DETAIL %s", ref) < 0)
		return NOMEM(e);
	r = dbx_stmt_exec(c, sql.p, NULL, 0, 0, timeout_s, &s, cls, sizeof cls, e);
	buf_free(&sql);
	if (r < 0) {
		char m[sizeof e->msg];
		snprintf(m, sizeof m, "%s", e->msg);
		if (is_class(cls, "DELTA_UNSUPPORTED_DESCRIBE_DETAIL_VIEW") ||
		    is_class(cls, "EXPECT_TABLE_NOT_VIEW")) {
			*view = 1;
			return 0;
		}
		if (is_class(cls, "TABLE_OR_VIEW_NOT_FOUND") || is_class(cls, "SCHEMA_NOT_FOUND"))
			return err_set(e, XIT_CONFIG, "table %s not found (or not visible to these "
				"credentials): %s", table, m);
		return err_set(e, e->status, "%s: %s", table, m);
	}
	if ((r = dbx_stmt_next(s, &row, e)) <= 0) {
		dbx_stmt_free(s);
		if (r == 0)
			return err_set(e, XIT_UNAVAILABLE, "%s: DESCRIBE DETAIL returned no row", table);
		return -1;
	}
	cell(s, row, "format", fmt, flen);
	{
		long i = dbx_stmt_col_index(s, "properties");
		const msgpack_object *v = i >= 0 ? &row->via.array.ptr[i] : NULL;
		if (v && v->type == MSGPACK_OBJECT_STR) {
			msgpack_zone *z = msgpack_zone_new(1024);
			msgpack_object m;
			struct err ig = ERR_INIT;
			if (!z) {
				dbx_stmt_free(s);
				return NOMEM(e);
			}
			if (rec_json_parse(v->via.str.ptr, v->via.str.size, z, &m, &ig) == 0) {
				size_t n = 0;
				const char *on = dbx_str(&m, "delta.enableChangeDataFeed", &n);
				*cdf = on && n == 4 && !strncasecmp(on, "true", 4);
			}
			msgpack_zone_free(z);
		}
	}
	dbx_stmt_free(s);
	return 0;
}

int
dbx_hive_detail(struct dbx_conn *c, const char *table, const char *ref, int timeout_s,
	void (*line)(void *, int, const char *), void *arg, struct err *e)
{
	char fmt[128];
	int view, cdf;
	if (detail(c, table, ref, timeout_s, &view, fmt, sizeof fmt, &cdf, e) < 0) {
		dbx_say(line, arg, 0, "%s", e->msg);
		return -1;
	}
	dbx_say(line, arg, 1, "table %s exists (hive_metastore: checked with DESCRIBE DETAIL)", table);
	if (view) {
		err_set(e, XIT_CONFIG, "%s is a view: views are refused (read the Delta table itself)",
			table);
		dbx_say(line, arg, 0, "%s", e->msg);
		return -1;
	}
	dbx_say(line, arg, 1, "not a view");
	if (strcasecmp(fmt, "delta")) {
		err_set(e, XIT_CONFIG, "%s is not a Delta table (format %s): its changes cannot be read",
			table, fmt[0] ? fmt : "unknown");
		dbx_say(line, arg, 0, "%s", e->msg);
		return -1;
	}
	dbx_say(line, arg, 1, "a Delta table");
	return 0;
}

static int
put_rec(struct rec_writer *w, msgpack_zone *z, struct rec_mapb *m, struct err *e)
{
	msgpack_object rec = rec_mapb_done(m);
	int rc = rec_write(w, &rec, e);
	msgpack_zone_clear(z);
	return rc;
}

int
dbx_hive_list(struct dbx_conn *c, const char *cat, const char *sch, int timeout_s,
	struct rec_writer *w, struct err *e)
{
	struct buf sql = BUF_INIT, ref = BUF_INIT, full = BUF_INIT;
	struct dbx_stmt *s = NULL;
	const msgpack_object *row;
	msgpack_zone *z = msgpack_zone_new(4096);
	int tables = sch && *sch, rc = -1, r;
	char cls[128];
	if (!z)
		return NOMEM(e);
	if (buf_adds(&sql, tables ? "SHOW TABLES IN " : "SHOW SCHEMAS IN ") < 0 ||
	    dbx_sql_ident(&sql, cat, strlen(cat), e) < 0 ||
	    (tables && (buf_addc(&sql, '.') < 0 || dbx_sql_ident(&sql, sch, strlen(sch), e) < 0))) {
		if (!e->status)
			NOMEM(e);
		goto out;
	}
	if (dbx_stmt_exec(c, sql.p, NULL, 0, 0, timeout_s, &s, cls, sizeof cls, e) < 0) {
		char m[sizeof e->msg];
		snprintf(m, sizeof m, "%s", e->msg);
		err_set(e, e->status, "listing %s of %s%s%s: %s", tables ? "tables" : "schemas", cat,
			tables ? "." : "", tables ? sch : "", m);
		goto out;
	}
	while ((r = dbx_stmt_next(s, &row, e)) == 1) {
		char name[512], tmp[16];
		struct rec_mapb mb;
		if (!tables) {
			cell(s, row, "databaseName", name, sizeof name);
			if (!name[0])
				cell(s, row, "namespace", name, sizeof name);
			if (!name[0])
				continue;
			rec_mapb_init(&mb, z);
			if (rec_mapb_put(&mb, "catalog", rec_strref(cat, strlen(cat))) < 0 ||
			    rec_mapb_put(&mb, "schema", rec_strref(name, strlen(name))) < 0) {
				NOMEM(e);
				goto out;
			}
			if (put_rec(w, z, &mb, e) < 0)
				goto out;
			continue;
		}
		cell(s, row, "tableName", name, sizeof name);
		cell(s, row, "isTemporary", tmp, sizeof tmp);
		if (!name[0] || !strcmp(tmp, "true"))
			continue;
		buf_reset(&ref), buf_reset(&full);
		if (dbx_sql_ident(&ref, cat, strlen(cat), e) < 0 || buf_addc(&ref, '.') < 0 ||
		    dbx_sql_ident(&ref, sch, strlen(sch), e) < 0 || buf_addc(&ref, '.') < 0)
			goto out;
		if (dbx_sql_ident(&ref, name, strlen(name), e) < 0)
			continue; /* a name we could not quote safely: not readable by dbx-cdf-read */
		if (buf_printf(&full, "%s.%s.%s", cat, sch, name) < 0) {
			NOMEM(e);
			goto out;
		}
		char fmt[128];
		int view, cdf;
		if (detail(c, full.p, ref.p, timeout_s, &view, fmt, sizeof fmt, &cdf, e) < 0)
			goto out;
		int delta = !view && !strcasecmp(fmt, "delta");
		const char *why = view ? "a view" : !delta ? "not a Delta table" :
			!cdf ? "change data feed off" : NULL;
		rec_mapb_init(&mb, z);
		if (rec_mapb_put(&mb, "table", rec_strref(full.p, full.len)) < 0 ||
		    rec_mapb_put(&mb, "table_type", view ? rec_strref("VIEW", 4) : rec_nil()) < 0 ||
		    rec_mapb_put(&mb, "format", fmt[0] ? rec_strref(fmt, strlen(fmt)) : rec_nil()) < 0 ||
		    rec_mapb_put(&mb, "cdf", rec_bool(cdf && !view)) < 0 ||
		    rec_mapb_put(&mb, "eligible", rec_bool(!why)) < 0 ||
		    (why && rec_mapb_put(&mb, "reason", rec_strref(why, strlen(why))) < 0)) {
			NOMEM(e);
			goto out;
		}
		if (put_rec(w, z, &mb, e) < 0)
			goto out;
	}
	if (r < 0)
		goto out;
	rc = 0;
out:
	dbx_stmt_free(s);
	msgpack_zone_free(z);
	buf_free(&sql), buf_free(&ref), buf_free(&full);
	return rc;
}
