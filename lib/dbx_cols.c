/* dbx_cols.c: see dbx_cols.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "dbx_cdf.h"
#include "dbx_cols.h"
#include "dbx_stmt.h"
#include "dbx_types.h"

#define NOMEM(e) err_set((e), XIT_TEMPFAIL, "out of memory")

static int
lc(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

int
dbx_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	int row[101];
	if (n > 100 || m > 100)
		return 100;
	for (size_t j = 0; j <= m; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int up = row[j], best = diag + (lc(a[i - 1]) != lc(b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[m];
}

/* runs sql on the table; TABLE_OR_VIEW_NOT_FOUND named as such */
static int
run(struct dbx_conn *c, const char *table, const char *sql, int timeout_s, struct dbx_stmt **s,
	struct err *e)
{
	char cls[128];
	if (dbx_stmt_exec(c, sql, NULL, 0, 0, timeout_s, s, cls, sizeof cls, e) == 0)
		return 0;
	char m[sizeof e->msg];
	snprintf(m, sizeof m, "%s", e->msg);
	if (!strncmp(cls, "TABLE_OR_VIEW_NOT_FOUND", 23))
		return err_set(e, XIT_CONFIG, "table %s not found (or not visible to these "
			"credentials): %s", table, m);
	return err_set(e, e->status, "%s: %s", table, m);
}

int
dbx_columns_select(struct dbx_conn *c, const char *table, const char *list, int timeout_s,
	struct buf *sel, struct err *e)
{
	struct buf sql = BUF_INIT, tmp = BUF_INIT;
	struct dbx_stmt *s = NULL;
	unsigned char *used = NULL;
	int rc = -1, any = 0;
	if (buf_adds(&sql, "SELECT * FROM ") < 0)
		return NOMEM(e);
	if (dbx_table_ref(table, &sql, NULL, NULL, NULL, e) < 0 || buf_adds(&sql, " LIMIT 0") < 0)
		goto out;
	/* names first: a bad one is a usage error before any request */
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ", ");
		struct err e2 = ERR_INIT;
		buf_reset(&tmp);
		if (n && dbx_sql_ident(&tmp, p, n, &e2) < 0) {
			err_set(e, XIT_USAGE, "--columns: %s", e2.msg);
			goto out;
		}
		p += n;
		p += strspn(p, ", ");
	}
	if (run(c, table, sql.p, timeout_s, &s, e) < 0)
		goto out;
	size_t nc = dbx_stmt_ncols(s);
	if (!(used = calloc(nc ? nc : 1, 1))) {
		NOMEM(e);
		goto out;
	}
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ", ");
		char name[256];
		if (!n) {
			p += strspn(p, ", ");
			continue;
		}
		snprintf(name, sizeof name, "%.*s", (int)(n > 255 ? 255 : n), p);
		size_t i;
		for (i = 0; i < nc; i++)
			if (!strcasecmp(dbx_stmt_col(s, i)->name, name))
				break;
		if (i == nc) {
			/* the nearest names, for "did you mean" */
			char near[600] = "";
			int best = 100;
			for (size_t k = 0; k < nc; k++) {
				int d = dbx_edit_distance(name, dbx_stmt_col(s, k)->name);
				if (d < best)
					best = d;
			}
			for (size_t k = 0, shown = 0; k < nc && shown < 3 && best <= 3; k++)
				if (dbx_edit_distance(name, dbx_stmt_col(s, k)->name) == best) {
					size_t l = strlen(near);
					snprintf(near + l, sizeof near - l, "%s%s", shown++ ? ", " : "",
						dbx_stmt_col(s, k)->name);
				}
			err_set(e, XIT_CONFIG, "--columns: table %s has no column '%s'%s%s%s", table,
				name, near[0] ? " (did you mean " : "", near, near[0] ? "?)" : "");
			goto out;
		}
		const char *cn = dbx_stmt_col(s, i)->name;
		if (!used[i]) {
			struct err e2 = ERR_INIT;
			used[i] = 1;
			if ((any && buf_adds(sel, ", ") < 0) || dbx_sql_ident(sel, cn, strlen(cn), &e2) < 0) {
				if (e2.status)
					err_set(e, XIT_CONFIG, "--columns: column '%s' of %s: %s", cn, table, e2.msg);
				else
					NOMEM(e);
				goto out;
			}
			any = 1;
		}
		p += n;
		p += strspn(p, ", ");
	}
	if (!any) {
		err_set(e, XIT_USAGE, "--columns: no column named");
		goto out;
	}
	rc = 0;
out:
	free(used);
	dbx_stmt_free(s);
	buf_free(&sql), buf_free(&tmp);
	return rc;
}

/* a timestamp as a fixed-width key "YYYY-MM-DDTHH:MM:SS" + 9 fraction digits, comparable */
static int
ts_key(const char *s, size_t n, char out[32])
{
	char norm[64];
	int k = dbx_timestamp_utc(s, n, norm, sizeof norm);
	if (k < 19)
		return -1;
	memcpy(out, norm, 19);
	size_t j = 19;
	const char *f = norm[19] == '.' ? norm + 20 : "";
	for (int i = 0; i < 9; i++)
		out[j++] = (*f >= '0' && *f <= '9') ? *f++ : '0';
	out[j] = 0;
	return 0;
}

int
dbx_version_at(struct dbx_conn *c, const char *table, const char *ts, int timeout_s,
	long long *ver, char *note, size_t notelen, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	const msgpack_object *row;
	char want[32], key[32], cell[128];
	long long found = -1, oldest = -1;
	char oldest_ts[64] = "", oldest_key[32] = "";
	int r, rc = -1;
	/* a space between date and time, as table_changes takes it, is fine too */
	if (ts_key(ts, strlen(ts), want) < 0) {
		char t2[64];
		if (strlen(ts) == 10 && snprintf(t2, sizeof t2, "%sT00:00:00", ts) > 0 &&
		    ts_key(t2, strlen(t2), want) == 0)
			;
		else
			return err_set(e, XIT_USAGE, "--from-timestamp: '%.60s' is not a timestamp "
				"(YYYY-MM-DD[ HH:MM:SS[.fff]][Z|+HH:MM])", ts);
	}
	if (buf_adds(&sql, "DESCRIBE HISTORY ") < 0)
		return NOMEM(e);
	if (dbx_table_ref(table, &sql, NULL, NULL, NULL, e) < 0)
		goto out;
	if (run(c, table, sql.p, timeout_s, &s, e) < 0)
		goto out;
	long iv = dbx_stmt_col_index(s, "version"), it = dbx_stmt_col_index(s, "timestamp");
	if (iv < 0 || it < 0) {
		err_set(e, XIT_UNAVAILABLE, "%s: DESCRIBE HISTORY without version and timestamp columns",
			table);
		goto out;
	}
	/* newest first: the last row at or after ts is the first version committed since */
	while ((r = dbx_stmt_next(s, &row, e)) == 1) {
		const msgpack_object *v = &row->via.array.ptr[iv], *t = &row->via.array.ptr[it];
		long long vv;
		char *end;
		if (v->type != MSGPACK_OBJECT_STR || v->via.str.size >= sizeof cell ||
		    t->type != MSGPACK_OBJECT_STR || ts_key(t->via.str.ptr, t->via.str.size, key) < 0)
			continue;
		memcpy(cell, v->via.str.ptr, v->via.str.size);
		cell[v->via.str.size] = 0;
		errno = 0;
		vv = strtoll(cell, &end, 10);
		if (*end || errno || vv < 0)
			continue;
		if (oldest < 0 || vv < oldest) {
			oldest = vv;
			memcpy(oldest_key, key, sizeof oldest_key);
			snprintf(oldest_ts, sizeof oldest_ts, "%.*s", (int)(t->via.str.size > 60 ? 60 :
				t->via.str.size), t->via.str.ptr);
		}
		if (strcmp(key, want) >= 0 && (found < 0 || vv < found))
			found = vv;
	}
	if (r < 0)
		goto out;
	if (found < 0) {
		snprintf(note, notelen, "no commit at or after %s: nothing to do", ts);
		rc = 1;
		goto out;
	}
	if (found == oldest && oldest > 0 && strcmp(want, oldest_key) < 0) {
		err_set(e, XIT_CONFIG, "--from-timestamp %s is before the oldest version in the table's "
			"history (version %lld at %s): the changes before it are no longer available; "
			"give a later time, or take a snapshot with --snapshot", ts, oldest, oldest_ts);
		goto out;
	}
	*ver = found;
	rc = 0;
out:
	dbx_stmt_free(s);
	buf_free(&sql);
	return rc;
}
