/* dbx_cdf.c: see dbx_cdf.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "buf.h"
#include "dbx_cdf.h"
#include "dbx_stmt.h"

#define NOMEM(e) err_set((e), XIT_TEMPFAIL, "out of memory")

int
dbx_change_types(const char *list, unsigned *mask, struct err *e)
{
	static const struct { const char *w; unsigned m; } tab[] = {
		{ "insert", DBX_CT_INSERT }, { "update_postimage", DBX_CT_UPDATE_POSTIMAGE },
		{ "update_preimage", DBX_CT_UPDATE_PREIMAGE }, { "delete", DBX_CT_DELETE },
		{ "update", DBX_CT_UPDATE_POSTIMAGE | DBX_CT_UPDATE_PREIMAGE },
		{ "all", DBX_CT_INSERT | DBX_CT_UPDATE_POSTIMAGE | DBX_CT_UPDATE_PREIMAGE | DBX_CT_DELETE },
	};
	const char *p = list;
	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ", ");
		size_t i;
		if (n) {
			for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
				if (strlen(tab[i].w) == n && !strncmp(p, tab[i].w, n))
					break;
			if (i == sizeof tab / sizeof tab[0])
				return err_set(e, XIT_USAGE, "--change-types: unknown change type '%.*s' "
					"(insert, update_postimage, update_preimage, delete, update, all)",
					(int)(n > 40 ? 40 : n), p);
			*mask |= tab[i].m;
		}
		p += n;
		if (*p)
			p++;
	}
	if (!*mask)
		return err_set(e, XIT_USAGE, "--change-types: empty list");
	return 0;
}

int
dbx_table_ref(const char *name, struct buf *sql, char *cat, char *sch, char *tbl, struct err *e)
{
	const char *p = name, *d1, *d2;
	char *outs[3] = { cat, sch, tbl };
	if (!(d1 = strchr(p, '.')) || !(d2 = strchr(d1 + 1, '.')) || strchr(d2 + 1, '.'))
		return err_set(e, XIT_USAGE, "table '%.300s': give it as CATALOG.SCHEMA.TABLE", name);
	const char *s[3] = { p, d1 + 1, d2 + 1 };
	size_t n[3] = { (size_t)(d1 - p), (size_t)(d2 - d1 - 1), strlen(d2 + 1) };
	for (int i = 0; i < 3; i++) {
		struct err e2 = ERR_INIT;
		if (i && buf_addc(sql, '.') < 0)
			return NOMEM(e);
		if (dbx_sql_ident(sql, s[i], n[i], &e2) < 0)
			return err_set(e, e2.status, "table '%.300s': %s", name, e2.msg);
		if (outs[i]) {
			memcpy(outs[i], s[i], n[i]);
			outs[i][n[i]] = 0;
		}
	}
	return 0;
}

/* ---- files ---- */

int
dbx_write_atomic(const char *path, const char *data, size_t n, struct err *e)
{
	struct buf tmp = BUF_INIT;
	int fd = -1;
	if (buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return NOMEM(e);
	if ((fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		err_set(e, XIT_TEMPFAIL, "cannot create %.300s:", tmp.p);
		goto fail;
	}
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set(e, XIT_TEMPFAIL, "cannot write %.300s:", tmp.p);
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		err_set(e, XIT_TEMPFAIL, "cannot write %.300s:", tmp.p);
		goto fail;
	}
	fd = -1;
	if (rename(tmp.p, path) < 0) {
		err_set(e, XIT_TEMPFAIL, "cannot rename %.300s to %.300s:", tmp.p, path);
		goto fail;
	}
	{
		char *dcopy = strdup(path);
		if (!dcopy) {
			buf_free(&tmp);
			return NOMEM(e);
		}
		int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(dcopy);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	buf_free(&tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp.p);
	buf_free(&tmp);
	return -1;
}

int
dbx_state_read(const char *path, const char *table, long long *version, struct err *e)
{
	struct buf b = BUF_INIT;
	char tmp[4096];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	msgpack_zone *z = NULL;
	msgpack_object v;
	struct err pe = ERR_INIT;
	int rc = -1;
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return err_set(e, XIT_CONFIG, "state file %.300s:", path);
	}
	b.max = 1 << 20;
	while ((r = read(fd, tmp, sizeof tmp)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || buf_add(&b, tmp, (size_t)r) < 0) {
			err_set(e, XIT_CONFIG, "state file %.300s:", path);
			close(fd);
			goto out;
		}
	}
	close(fd);
	if (!(z = msgpack_zone_new(4096))) {
		NOMEM(e);
		goto out;
	}
	if (!b.p || rec_json_parse(b.p, b.len, z, &v, &pe) < 0 || v.type != MSGPACK_OBJECT_MAP) {
		err_set(e, XIT_CONFIG, "state file %.300s: not a JSON object (%s); remove it to start "
			"again with a full snapshot", path, b.p ? pe.msg : "empty");
		goto out;
	}
	size_t tn;
	const char *t = dbx_str(&v, "table", &tn);
	if (t && (tn != strlen(table) || memcmp(t, table, tn))) {
		err_set(e, XIT_CONFIG, "state file %.300s belongs to table %.*s, not %s", path,
			(int)(tn > 300 ? 300 : tn), t, table);
		goto out;
	}
	const msgpack_object *ver = rec_get(&v, "version");
	int64_t iv;
	if (!ver || rec_to_int64(ver, &iv) < 0 || iv < 0) {
		err_set(e, XIT_CONFIG, "state file %.300s: \"version\" must be a non-negative integer",
			path);
		goto out;
	}
	*version = iv;
	rc = 0;
out:
	if (z)
		msgpack_zone_free(z);
	buf_free(&b);
	return rc;
}

static void
now_rfc3339(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
write_pending(const char *state, const char *table, long long from, long long to, int snap,
	struct err *e)
{
	struct buf p = BUF_INIT, d = BUF_INIT;
	char now[40];
	int rc;
	now_rfc3339(now, sizeof now);
	if (buf_printf(&p, "%s.pending", state) < 0 || buf_adds(&d, "{\"table\":") < 0 ||
	    rec_json_str_append(&d, table, strlen(table)) < 0 ||
	    buf_printf(&d, ",\"from\":%lld,\"to\":%lld,\"snapshot\":%s,\"started\":\"%s\"}\n", from, to,
		snap ? "true" : "false", now) < 0) {
		buf_free(&p), buf_free(&d);
		return NOMEM(e);
	}
	rc = dbx_write_atomic(p.p, d.p, d.len, e);
	buf_free(&p), buf_free(&d);
	return rc;
}

/* ---- statements ---- */

/* runs sql, with the table name in front of any error */
static int
run(struct dbx_conn *c, const char *table, const char *sql, const struct dbx_param *p, size_t np,
	int flags, int timeout_s, struct dbx_stmt **s, char *cls, size_t clen, struct err *e)
{
	char c2[128];
	if (!cls)
		cls = c2, clen = sizeof c2;
	if (dbx_stmt_exec(c, sql, p, np, flags, timeout_s, s, cls, clen, e) == 0)
		return 0;
	if (!strcmp(cls, "TABLE_OR_VIEW_NOT_FOUND") || !strncmp(cls, "TABLE_OR_VIEW_NOT_FOUND.", 24)) {
		char m[sizeof e->msg];
		snprintf(m, sizeof m, "%s", e->msg);
		err_set(e, XIT_CONFIG, "table %s not found (or not visible to these credentials): %s",
			table, m);
	} else if (e->status == XIT_NOPERM && cls[0]) {
		char m[sizeof e->msg];
		snprintf(m, sizeof m, "%s", e->msg);
		err_set(e, XIT_NOPERM, "%s: permission missing (SELECT on the table?): %s", table, m);
	} else {
		char m[sizeof e->msg];
		snprintf(m, sizeof m, "%s", e->msg);
		err_set(e, e->status, "%s: %s", table, m);
	}
	return -1;
}

/* one string cell of the current row into out */
static int
cell(const struct dbx_stmt *s, const msgpack_object *row, const char *col, char *out, size_t n)
{
	long i = dbx_stmt_col_index(s, col);
	const msgpack_object *v;
	out[0] = 0;
	if (i < 0)
		return -1;
	v = &row->via.array.ptr[i];
	if (v->type != MSGPACK_OBJECT_STR || v->via.str.size >= n)
		return -1;
	memcpy(out, v->via.str.ptr, v->via.str.size);
	out[v->via.str.size] = 0;
	return 0;
}

static int
parse_ll(const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* DESCRIBE HISTORY: the latest version and its timestamp (or those of version want >= 0) */
static int
history(struct dbx_conn *c, const char *table, const char *ref, long long want, int timeout_s,
	long long *ver, char *ts, size_t tslen, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	const msgpack_object *row;
	char tmp[128], cls[128];
	int r, found = 0;
	if (buf_printf(&sql, "DESCRIBE HISTORY %s%s", ref, want < 0 ? " LIMIT 1" : "") < 0)
		return NOMEM(e);
	if (run(c, table, sql.p, NULL, 0, 0, timeout_s, &s, cls, sizeof cls, e) < 0) {
		buf_free(&sql);
		if (!strcmp(cls, "DELTA_CANNOT_DESCRIBE_VIEW_HISTORY"))
			e->status = XIT_CONFIG;
		return -1;
	}
	buf_free(&sql);
	while ((r = dbx_stmt_next(s, &row, e)) == 1) {
		long long v;
		if (cell(s, row, "version", tmp, sizeof tmp) < 0 || parse_ll(tmp, &v) < 0) {
			dbx_stmt_free(s);
			return err_set(e, XIT_UNAVAILABLE, "%s: DESCRIBE HISTORY: no version column", table);
		}
		if (want >= 0 && v != want)
			continue;
		*ver = v;
		ts[0] = 0;
		if (cell(s, row, "timestamp", tmp, sizeof tmp) == 0 &&
		    dbx_timestamp_utc(tmp, strlen(tmp), ts, tslen) < 0)
			snprintf(ts, tslen, "%s", tmp);
		found = 1;
		break;
	}
	dbx_stmt_free(s);
	if (r < 0)
		return -1;
	if (!found) {
		if (want >= 0)
			return err_set(e, XIT_CONFIG, "%s: version %lld is not in the table's history "
				"(past log retention?): run with --snapshot to read the latest version",
				table, want);
		return err_set(e, XIT_CONFIG, "%s: DESCRIBE HISTORY returned no version", table);
	}
	return 0;
}

static int
class_in(const char *cls, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strncmp(cls, list[i], strlen(list[i])))
			return 1;
	return 0;
}

struct convwarn {
	unsigned long long *count; /* per column */
};

static int
emit_rows(struct dbx_stmt *s, struct rec_writer *w, const struct dbx_cdf_opts *o,
	int snap, long long snapver, const char *snapts, struct dbx_cdf_stats *st, struct err *e)
{
	size_t nc = dbx_stmt_ncols(s);
	long ict = snap ? -1 : dbx_stmt_col_index(s, "_change_type");
	long icv = snap ? -1 : dbx_stmt_col_index(s, "_commit_version");
	int64_t lastv = -1;
	unsigned long long *bad = calloc(nc ? nc : 1, sizeof *bad);
	msgpack_object *keys = calloc(nc ? nc : 1, sizeof *keys);
	msgpack_zone *z = msgpack_zone_new(65536);
	const msgpack_object *row;
	int r, rc = -1;
	if (!bad || !z || !keys) {
		NOMEM(e);
		goto out;
	}
	for (size_t i = 0; i < nc; i++)
		keys[i] = rec_strref(dbx_stmt_col(s, i)->name, strlen(dbx_stmt_col(s, i)->name));
	if (!snap && ict < 0) {
		err_set(e, XIT_UNAVAILABLE, "%s: the result has no _change_type column", o->table);
		goto out;
	}
	while ((r = dbx_stmt_next(s, &row, e)) == 1) {
		msgpack_object rec;
		if ((st->rows & 1023) == 0 && http_aborted()) {
			err_set(e, XIT_TEMPFAIL, "interrupted");
			goto out;
		}
		if (icv >= 0) {
			/* the checkpoint relies on the order: check it */
			const msgpack_object *cv = &row->via.array.ptr[icv];
			char tmp[24];
			long long vv;
			if (cv->type != MSGPACK_OBJECT_STR || cv->via.str.size >= sizeof tmp) {
				err_set(e, XIT_UNAVAILABLE, "%s: a change row without _commit_version", o->table);
				goto out;
			}
			memcpy(tmp, cv->via.str.ptr, cv->via.str.size);
			tmp[cv->via.str.size] = 0;
			if (parse_ll(tmp, &vv) < 0 || vv < lastv) {
				err_set(e, XIT_UNAVAILABLE, "%s: change rows out of _commit_version order "
					"(%s after %lld)", o->table, tmp, (long long)lastv);
				goto out;
			}
			lastv = vv;
		}
		if (ict >= 0) {
			const msgpack_object *ct = &row->via.array.ptr[ict];
			unsigned bit = 0;
			if (rec_str_eq(ct, "insert"))
				bit = DBX_CT_INSERT;
			else if (rec_str_eq(ct, "update_postimage"))
				bit = DBX_CT_UPDATE_POSTIMAGE;
			else if (rec_str_eq(ct, "update_preimage"))
				bit = DBX_CT_UPDATE_PREIMAGE;
			else if (rec_str_eq(ct, "delete"))
				bit = DBX_CT_DELETE;
			if (bit && !(bit & o->change_types)) {
				st->dropped++;
				continue;
			}
		}
		/* the record's map, built in place: one allocation per row */
		msgpack_object_kv *kv = msgpack_zone_malloc(z, sizeof *kv * (nc + 3));
		uint32_t n = 0;
		if (!kv) {
			NOMEM(e);
			goto out;
		}
		for (size_t i = 0; i < nc; i++) {
			const struct dbx_col *col = dbx_stmt_col(s, i);
			int k = dbx_conv(col->type, col->type_text, &row->via.array.ptr[i], z, &kv[n].val, e);
			if (k < 0)
				goto out;
			if (k > 0)
				bad[i]++;
			if (snap && col->name[0] == '_' && (!strcmp(col->name, "_change_type") ||
			    !strcmp(col->name, "_commit_version") || !strcmp(col->name, "_commit_timestamp")))
				continue;
			kv[n++].key = keys[i];
		}
		if (snap) {
			kv[n].key = rec_strref("_change_type", 12), kv[n++].val = rec_strref("insert", 6);
			kv[n].key = rec_strref("_commit_version", 15), kv[n++].val = rec_int(snapver);
			kv[n].key = rec_strref("_commit_timestamp", 17);
			kv[n++].val = snapts[0] ? rec_strref(snapts, strlen(snapts)) : rec_nil();
		}
		rec.type = MSGPACK_OBJECT_MAP;
		rec.via.map.size = n;
		rec.via.map.ptr = kv;
		if (rec_write(w, &rec, e) < 0)
			goto out;
		st->rows++;
		msgpack_zone_clear(z);
	}
	if (r < 0)
		goto out;
	rc = 0;
out:
	if (bad) {
		size_t k = 0;
		for (size_t i = 0; i < nc; i++)
			if (bad[i] && k + 1 < sizeof st->warn) {
				const struct dbx_col *col = dbx_stmt_col(s, i);
				int n = snprintf(st->warn + k, sizeof st->warn - k, "%scolumn %s: %llu values "
					"not in the %s form (%s), passed on as strings", k ? "; " : "",
					col->name, bad[i], dbx_type_label(col->type), col->type_text);
				if (n < 0 || (size_t)n >= sizeof st->warn - k)
					break;
				k += (size_t)n;
			}
	}
	st->chunks = dbx_stmt_chunks(s);
	free(bad);
	free(keys);
	if (z)
		msgpack_zone_free(z);
	return rc;
}

static int eligible(struct dbx_conn *c, const char *table, const char *ref, const char *cat,
	const char *sch, const char *tbl, int timeout_s, void (*line)(void *, int, const char *),
	void *arg, struct err *e);

int
dbx_cdf_read(struct dbx_conn *c, const struct dbx_cdf_opts *o, struct rec_writer *w,
	struct dbx_cdf_stats *st, struct err *e)
{
	struct buf ref = BUF_INIT, sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	long long latest, have = -1, from, to;
	char latest_ts[64], snap_ts[64] = "", cls[128], cat[256], sch[256], tbl[256];
	int snap, rc = -1;
	memset(st, 0, sizeof *st);
	st->from = st->to = st->latest = -1;
	if (dbx_table_ref(o->table, &ref, cat, sch, tbl, e) < 0)
		goto out;
	if (o->state_file && !o->snapshot && o->from < 0) {
		int k = dbx_state_read(o->state_file, o->table, &have, e);
		if (k < 0)
			goto out;
		if (k == 1)
			have = -1;
	}
	if (eligible(c, o->table, ref.p, cat, sch, tbl, o->timeout_s, NULL, NULL, e) < 0)
		goto out;
	if (history(c, o->table, ref.p, -1, o->timeout_s, &latest, latest_ts, sizeof latest_ts, e) < 0)
		goto out;
	st->latest = latest;
	if (o->to >= 0 && o->to > latest) {
		err_set(e, XIT_CONFIG, "%s: --to-version %lld is beyond the latest version %lld",
			o->table, o->to, latest);
		goto out;
	}
	snap = o->snapshot || (o->from < 0 && have < 0);
	if (snap) {
		from = to = o->to >= 0 ? o->to : latest;
		if (to == latest)
			snprintf(snap_ts, sizeof snap_ts, "%s", latest_ts);
		else if (history(c, o->table, ref.p, to, o->timeout_s, &to, snap_ts, sizeof snap_ts, e) < 0)
			goto out;
	} else {
		if (o->from < 0 && have > latest) {
			err_set(e, XIT_CONFIG, "%s: the state file is at version %lld, beyond the table's "
				"latest version %lld (was the table replaced or restored?): take a fresh "
				"snapshot with --snapshot (through dbx-insider-sync: --resnapshot)", o->table, have, latest);
			goto out;
		}
		from = o->from >= 0 ? o->from : have + 1;
		to = o->to >= 0 ? o->to : latest;
		if (from > to) {
			st->nothing = 1;
			if (o->from < 0 && have >= latest)
				snprintf(st->note, sizeof st->note, "up to date at version %lld", have);
			else
				snprintf(st->note, sizeof st->note, "start version %lld is beyond %s version "
					"%lld: nothing to do", from, o->to >= 0 ? "the end" : "the latest", to);
			st->from = from, st->to = to;
			rc = 0;
			goto out;
		}
	}
	st->snapshot = snap, st->from = from, st->to = to;
	if (snap) {
		if (buf_printf(&sql, "SELECT * FROM %s VERSION AS OF %lld", ref.p, to) < 0) {
			NOMEM(e);
			goto out;
		}
	} else if (buf_printf(&sql, "SELECT * FROM table_changes('%s', %lld, %lld)", ref.p, from, to) < 0) {
		NOMEM(e);
		goto out;
	}
	if (o->shard_key) {
		/* one shard of the rows, chosen in the warehouse: the column is validated and quoted,
		 * the numbers are integers we formatted */
		struct err e2 = ERR_INIT;
		if (buf_adds(&sql, " WHERE pmod(hash(") < 0 ||
		    dbx_sql_ident(&sql, o->shard_key, strlen(o->shard_key), &e2) < 0) {
			if (e2.status)
				err_set(e, XIT_USAGE, "--shard-key: %s", e2.msg);
			else
				NOMEM(e);
			goto out;
		}
		if (buf_printf(&sql, "), %d) = %d", o->shard_n, o->shard_k) < 0) {
			NOMEM(e);
			goto out;
		}
	}
	if (!snap && buf_adds(&sql, " ORDER BY _commit_version") < 0) {
		NOMEM(e);
		goto out;
	}
	if (run(c, o->table, sql.p, NULL, 0, DBX_LINKS, o->timeout_s, &s, cls, sizeof cls, e) < 0) {
		static const char *const gone[] = { "DELTA_MISSING_CHANGE_DATA",
			"DELTA_CHANGE_DATA_FILE_NOT_FOUND", "DELTA_VERSION_NOT_FOUND",
			"DELTA_TRUNCATED_TRANSACTION_LOG", "DELTA_LOG_FILE_NOT_FOUND",
			"DELTA_UNSUPPORTED_TIME_TRAVEL", "FAILED_READ_FILE", "DELTA_FILE_NOT_FOUND",
			"DELTA_MISSING_TRANSACTION_LOG", NULL };
		static const char *const schema[] = { "DELTA_CHANGE_DATA_FEED_INCOMPATIBLE", NULL };
		char m[sizeof e->msg];
		snprintf(m, sizeof m, "%s", e->msg);
		if (!strcmp(cls, "DELTA_CDC_START_VERSION_AFTER_LATEST")) {
			st->nothing = 1;
			snprintf(st->note, sizeof st->note, "start version %lld is beyond the latest "
				"version: nothing to do", from);
			rc = 0;
		} else if (class_in(cls, gone)) {
			err_set(e, XIT_CONFIG, "%s: the change data for versions %lld..%lld is no longer "
				"available (not recorded, vacuumed, or past log retention): take a fresh full "
				"snapshot with --snapshot, then read incrementally again [%s]", o->table,
				from, to, m);
		} else if (class_in(cls, schema)) {
			err_set(e, XIT_CONFIG, "%s: the table's schema changed inside versions "
				"%lld..%lld: read the versions before and after the change separately "
				"(--from-version/--to-version, as the server says), or take a fresh snapshot "
				"with --snapshot; check the mapping for the changed columns [%s]", o->table,
				from, to, m);
		} else if (!strcmp(cls, "DELTA_TABLE_ONLY_OPERATION") ||
			   !strcmp(cls, "DELTA_UNSUPPORTED_DESCRIBE_DETAIL_VIEW")) {
			err_set(e, XIT_CONFIG, "%s is not a Delta table (views are refused): %s",
				o->table, m);
		}
		goto out;
	}
	if (o->state_file && write_pending(o->state_file, o->table, from, to, snap, e) < 0)
		goto out;
	if (emit_rows(s, w, o, snap, to, snap_ts, st, e) < 0)
		goto out;
	rc = 0;
out:
	dbx_stmt_free(s);
	buf_free(&ref), buf_free(&sql);
	return rc;
}

/* ---- --schema ---- */

int
dbx_cdf_schema(struct dbx_conn *c, const char *table, int timeout_s, struct rec_writer *w,
	struct err *e)
{
	struct buf sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	msgpack_zone *z = NULL;
	int rc = -1;
	if (buf_adds(&sql, "SELECT * FROM ") < 0)
		return NOMEM(e);
	if (dbx_table_ref(table, &sql, NULL, NULL, NULL, e) < 0 || buf_adds(&sql, " LIMIT 0") < 0)
		goto out;
	if (run(c, table, sql.p, NULL, 0, 0, timeout_s, &s, NULL, 0, e) < 0)
		goto out;
	if (!(z = msgpack_zone_new(4096))) {
		NOMEM(e);
		goto out;
	}
	struct rec_arrb a;
	struct rec_mapb in, top;
	msgpack_object rec;
	rec_arrb_init(&a, z);
	for (size_t i = 0; i < dbx_stmt_ncols(s); i++) {
		const struct dbx_col *col = dbx_stmt_col(s, i);
		struct rec_mapb cm;
		rec_mapb_init(&cm, z);
		if (rec_mapb_put(&cm, "name", rec_strref(col->name, strlen(col->name))) < 0 ||
		    rec_mapb_put(&cm, "type", rec_strref(col->type_text, strlen(col->type_text))) < 0 ||
		    rec_arrb_push(&a, rec_mapb_done(&cm)) < 0) {
			NOMEM(e);
			goto out;
		}
	}
	rec_mapb_init(&in, z);
	rec_mapb_init(&top, z);
	if (rec_mapb_put(&in, "table", rec_strref(table, strlen(table))) < 0 ||
	    rec_mapb_put(&in, "columns", rec_arrb_done(&a)) < 0 ||
	    rec_mapb_put(&top, "_schema", rec_mapb_done(&in)) < 0) {
		NOMEM(e);
		goto out;
	}
	rec = rec_mapb_done(&top);
	if (rec_write(w, &rec, e) < 0)
		goto out;
	rc = 0;
out:
	if (z)
		msgpack_zone_free(z);
	dbx_stmt_free(s);
	buf_free(&sql);
	return rc;
}

/* ---- --verify ---- */

static void
say(void (*line)(void *, int, const char *), void *arg, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
say(void (*line)(void *, int, const char *), void *arg, int ok, const char *fmt, ...)
{
	char b[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	line(arg, ok, b);
}

static void
nosay(void *arg, int ok, const char *text)
{
	(void)arg, (void)ok, (void)text;
}

/* the table exists, is not a view, is Delta, has CDF on: one line per check */
static int
eligible(struct dbx_conn *c, const char *table, const char *ref, const char *cat, const char *sch,
	const char *tbl, int timeout_s, void (*line)(void *, int, const char *), void *arg,
	struct err *e)
{
	struct buf sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	const msgpack_object *row;
	char ttype[128], fmt[128], cls[128];
	int rc = -1, r;
	if (!line)
		line = nosay;
	{
		struct dbx_param p[2] = { { "schema", sch, "STRING" }, { "table", tbl, "STRING" } };
		if (buf_adds(&sql, "SELECT table_type, data_source_format FROM ") < 0 ||
		    dbx_sql_ident(&sql, cat, strlen(cat), e) < 0 ||
		    buf_adds(&sql, ".information_schema.tables WHERE table_schema = :schema AND "
			"table_name = :table") < 0) {
			NOMEM(e);
			goto out;
		}
		if (run(c, table, sql.p, p, 2, 0, timeout_s, &s, cls, sizeof cls, e) < 0) {
			if (!strncmp(cls, "NO_SUCH_CATALOG", 15) || !strncmp(cls, "CATALOG_NOT_FOUND", 17) ||
			    !strncmp(cls, "TABLE_OR_VIEW_NOT_FOUND", 23) || !strncmp(cls, "SCHEMA_NOT_FOUND", 16)) {
				e->status = XIT_CONFIG;
				err_set(e, XIT_CONFIG, "table %s not found: catalog %s does not exist (or "
					"is not visible to these credentials)", table, cat);
			}
			say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		r = dbx_stmt_next(s, &row, e);
		if (r < 0) {
			say(line, arg, 0, "table %s: %s", table, e->msg);
			goto out;
		}
		if (r == 0) {
			err_set(e, XIT_CONFIG, "table %s not found (or not visible to these credentials)",
				table);
			say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		cell(s, row, "table_type", ttype, sizeof ttype);
		cell(s, row, "data_source_format", fmt, sizeof fmt);
		dbx_stmt_free(s);
		s = NULL;
		say(line, arg, 1, "table %s exists", table);
		if (!strcasecmp(ttype, "VIEW") || !strcasecmp(ttype, "MATERIALIZED_VIEW") ||
		    !strcasecmp(ttype, "METRIC_VIEW")) {
			err_set(e, XIT_CONFIG, "%s is a %s: views are refused (read the Delta table "
				"itself)", table, ttype);
			say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		say(line, arg, 1, "not a view (%s)", ttype[0] ? ttype : "unknown type");
		if (strcasecmp(fmt, "DELTA")) {
			err_set(e, XIT_CONFIG, "%s is not a Delta table (format %s): its changes cannot "
				"be read", table, fmt[0] ? fmt : "unknown");
			say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		say(line, arg, 1, "a Delta table");
	}
	{
		int on = 0;
		buf_reset(&sql);
		if (buf_printf(&sql, "SHOW TBLPROPERTIES %s", ref) < 0) {
			NOMEM(e);
			goto out;
		}
		if (run(c, table, sql.p, NULL, 0, 0, timeout_s, &s, cls, sizeof cls, e) < 0) {
			say(line, arg, 0, "change data feed: %s", e->msg);
			goto out;
		}
		while ((r = dbx_stmt_next(s, &row, e)) == 1) {
			char k[128], v[64];
			if (cell(s, row, "key", k, sizeof k) == 0 && !strcmp(k, "delta.enableChangeDataFeed") &&
			    cell(s, row, "value", v, sizeof v) == 0 && !strcasecmp(v, "true"))
				on = 1;
		}
		dbx_stmt_free(s);
		s = NULL;
		if (r < 0) {
			say(line, arg, 0, "change data feed: %s", e->msg);
			goto out;
		}
		if (!on) {
			err_set(e, XIT_CONFIG, "change data feed is off for %s: turn it on with ALTER "
				"TABLE %s SET TBLPROPERTIES (delta.enableChangeDataFeed = true), then start "
				"with a snapshot", table, ref);
			say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		say(line, arg, 1, "change data feed is on (delta.enableChangeDataFeed=true)");
	}
	rc = 0;
out:
	dbx_stmt_free(s);
	buf_free(&sql);
	return rc;
}

int
dbx_cdf_verify(struct dbx_conn *c, const char *table, int timeout_s,
	void (*line)(void *, int, const char *), void *arg, struct err *e)
{
	struct buf ref = BUF_INIT, sql = BUF_INIT, path = BUF_INIT;
	struct dbx_doc d;
	struct dbx_stmt *s = NULL;
	char cat[256], sch[256], tbl[256], cls[128];
	int rc = -1;
	dbx_doc_init(&d);
	if (dbx_table_ref(table, &ref, cat, sch, tbl, e) < 0)
		goto out;
	/* 1. credentials (and 2. the warehouse) */
	if (dbx_auth_check(c, e) < 0) {
		say(line, arg, 0, "credentials: %s", e->msg);
		goto out;
	}
	if (buf_adds(&path, "/api/2.0/sql/warehouses/") < 0 ||
	    dbx_urlenc(&path, dbx_conn_warehouse(c)) < 0) {
		NOMEM(e);
		goto out;
	}
	if (dbx_call(c, "GET", path.p, NULL, &d, e) < 0) {
		say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
		goto out;
	}
	{
		size_t cn = 0;
		const char *code = d.resp.status == 403 ? dbx_str(&d.v, "error_code", &cn) : NULL;
		int denied = code && cn == 17 && !memcmp(code, "PERMISSION_DENIED", 17);
		if ((d.resp.status == 401 || d.resp.status == 403) && !denied) {
			dbx_api_error(&d, "credentials refused", e);
			say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		say(line, arg, 1, "credentials accepted (%s)", dbx_conn_auth(c) == DBX_AUTH_PAT ?
			"personal access token" : "OAuth M2M");
		if (denied) {
			dbx_api_error(&d, "no permission on the warehouse (CAN USE)", e);
			say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
			goto out;
		}
	}
	if (d.resp.status == 404) {
		dbx_api_error(&d, "warehouse not found", e);
		say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
		goto out;
	}
	if (d.resp.status != 200) {
		dbx_api_error(&d, "warehouse", e);
		say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
		goto out;
	}
	{
		size_t n = 0;
		const char *wst = dbx_str(&d.v, "state", &n);
		char stt[40];
		snprintf(stt, sizeof stt, "%.*s", wst ? (int)(n > 30 ? 30 : n) : 7, wst ? wst : "UNKNOWN");
		if (!strcmp(stt, "RUNNING") || !strcmp(stt, "STARTING"))
			say(line, arg, 1, "warehouse %s is %s", dbx_conn_warehouse(c), stt);
		else {
			int st = !strcmp(stt, "STOPPED") || !strcmp(stt, "STOPPING") ? XIT_TEMPFAIL : XIT_CONFIG;
			err_set(e, st, "warehouse %s is %s (not running or starting)%s",
				dbx_conn_warehouse(c), stt, st == XIT_TEMPFAIL ?
				": start it, or wait: a statement starts it" : "");
			say(line, arg, 0, "%s", e->msg);
			goto out;
		}
	}
	/* 3. exists, 4. not a view, 5. Delta, 6. change data feed */
	if (eligible(c, table, ref.p, cat, sch, tbl, timeout_s, line, arg, e) < 0)
		goto out;
	/* 7. SELECT */
	buf_reset(&sql);
	if (buf_printf(&sql, "SELECT * FROM %s LIMIT 0", ref.p) < 0) {
		NOMEM(e);
		goto out;
	}
	if (run(c, table, sql.p, NULL, 0, 0, timeout_s, &s, cls, sizeof cls, e) < 0) {
		say(line, arg, 0, "SELECT: %s", e->msg);
		goto out;
	}
	dbx_stmt_free(s);
	s = NULL;
	say(line, arg, 1, "SELECT granted");
	/* and the history the reader starts from */
	{
		long long v;
		char ts[64];
		if (history(c, table, ref.p, -1, timeout_s, &v, ts, sizeof ts, e) < 0) {
			say(line, arg, 0, "history: %s", e->msg);
			goto out;
		}
		say(line, arg, 1, "latest version %lld (%s)", v, ts);
	}
	rc = 0;
out:
	dbx_stmt_free(s);
	dbx_doc_free(&d);
	buf_free(&ref), buf_free(&sql), buf_free(&path);
	return rc;
}

/* ---- --list ---- */

static int
name_ok(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	int ok = dbx_sql_ident(&b, s, n, &e) == 0;
	buf_free(&b);
	return ok;
}

int
dbx_cdf_list(struct dbx_conn *c, const char *what, struct rec_writer *w, struct err *e)
{
	char cat[256] = "", sch[256] = "", token[4096] = "";
	const char *dot = what ? strchr(what, '.') : NULL;
	int level = !what || !*what ? 0 : dot ? 2 : 1, rc = -1;
	struct buf path = BUF_INIT;
	struct dbx_doc d;
	msgpack_zone *z = msgpack_zone_new(4096);
	const char *key = level == 0 ? "catalogs" : level == 1 ? "schemas" : "tables";
	unsigned long pages = 0;
	dbx_doc_init(&d);
	if (!z)
		return NOMEM(e);
	if (level >= 1) {
		size_t cn = dot ? (size_t)(dot - what) : strlen(what);
		if (!name_ok(what, cn) || (dot && (strchr(dot + 1, '.') || !name_ok(dot + 1, strlen(dot + 1))))) {
			err_set(e, XIT_USAGE, "--list '%.300s': give CATALOG or CATALOG.SCHEMA", what);
			goto out;
		}
		memcpy(cat, what, cn);
		cat[cn] = 0;
		if (dot)
			snprintf(sch, sizeof sch, "%s", dot + 1);
	}
	do {
		buf_reset(&path);
		if (buf_printf(&path, "/api/2.1/unity-catalog/%s?max_results=0", key) < 0 ||
		    (level >= 1 && (buf_adds(&path, "&catalog_name=") < 0 || dbx_urlenc(&path, cat) < 0)) ||
		    (level == 2 && (buf_adds(&path, "&schema_name=") < 0 || dbx_urlenc(&path, sch) < 0)) ||
		    (token[0] && (buf_adds(&path, "&page_token=") < 0 || dbx_urlenc(&path, token) < 0))) {
			NOMEM(e);
			goto out;
		}
		if (dbx_call(c, "GET", path.p, NULL, &d, e) < 0)
			goto out;
		if (d.resp.status != 200) {
			char wh[600];
			snprintf(wh, sizeof wh, "listing %s%s%s%s", key, level ? " of " : "", level ? what : "", "");
			dbx_api_error(&d, wh, e);
			goto out;
		}
		const msgpack_object *arr = rec_get(&d.v, key);
		if (arr && arr->type == MSGPACK_OBJECT_ARRAY) {
			for (uint32_t i = 0; i < arr->via.array.size; i++) {
				const msgpack_object *it = &arr->via.array.ptr[i];
				struct rec_mapb m;
				msgpack_object rec;
				size_t n;
				const char *nm = dbx_str(it, level == 2 ? "full_name" : "name", &n);
				if (!nm && level == 2)
					nm = dbx_str(it, "name", &n);
				if (!nm)
					continue;
				rec_mapb_init(&m, z);
				if (level == 0) {
					if (rec_mapb_put(&m, "catalog", rec_strref(nm, n)) < 0)
						goto nomem;
				} else if (level == 1) {
					if (rec_mapb_put(&m, "catalog", rec_strref(cat, strlen(cat))) < 0 ||
					    rec_mapb_put(&m, "schema", rec_strref(nm, n)) < 0)
						goto nomem;
				} else {
					size_t tn = 0, fn = 0, cn = 0;
					const char *tt = dbx_str(it, "table_type", &tn);
					const char *fm = dbx_str(it, "data_source_format", &fn);
					const msgpack_object *props = rec_get(it, "properties");
					const char *cdf = dbx_str(props, "delta.enableChangeDataFeed", &cn);
					int is_view = tt && ((tn == 4 && !memcmp(tt, "VIEW", 4)) ||
						(tn == 17 && !memcmp(tt, "MATERIALIZED_VIEW", 17)) ||
						(tn == 11 && !memcmp(tt, "METRIC_VIEW", 11)));
					int delta = fm && fn == 5 && !strncasecmp(fm, "DELTA", 5);
					int on = cdf && cn == 4 && !strncasecmp(cdf, "true", 4);
					const char *why = is_view ? "a view" : !delta ? "not a Delta table" :
						!on ? "change data feed off" : NULL;
					if (rec_mapb_put(&m, "table", rec_strref(nm, n)) < 0 ||
					    rec_mapb_put(&m, "table_type", tt ? rec_strref(tt, tn) : rec_nil()) < 0 ||
					    rec_mapb_put(&m, "format", fm ? rec_strref(fm, fn) : rec_nil()) < 0 ||
					    rec_mapb_put(&m, "cdf", rec_bool(on)) < 0 ||
					    rec_mapb_put(&m, "eligible", rec_bool(!why)) < 0 ||
					    (why && rec_mapb_put(&m, "reason", rec_strref(why, strlen(why))) < 0))
						goto nomem;
				}
				rec = rec_mapb_done(&m);
				if (rec_write(w, &rec, e) < 0)
					goto out;
				msgpack_zone_clear(z);
			}
		}
		size_t tn = 0;
		const char *nt = dbx_str(&d.v, "next_page_token", &tn);
		if (nt && tn) {
			if (tn >= sizeof token || (tn == strlen(token) && !memcmp(nt, token, tn))) {
				err_set(e, XIT_UNAVAILABLE, "listing %s: bad next_page_token", key);
				goto out;
			}
			memcpy(token, nt, tn);
			token[tn] = 0;
		} else
			token[0] = 0;
		if (++pages > 100000) {
			err_set(e, XIT_UNAVAILABLE, "listing %s: more than 100000 pages", key);
			goto out;
		}
	} while (token[0]);
	rc = 0;
	goto out;
nomem:
	NOMEM(e);
out:
	msgpack_zone_free(z);
	dbx_doc_free(&d);
	buf_free(&path);
	return rc;
}
