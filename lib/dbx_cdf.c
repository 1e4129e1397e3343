/* dbx_cdf.c: see dbx_cdf.h. */
#include <errno.h>
#include <stdarg.h>
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
#include "dbx_cols.h"
#include "dbx_fast.h"
#include "dbx_hive.h"
#include "dbx_state.h"
#include "dbx_stmt.h"
#include "http.h"

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

static void
now_rfc3339(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
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

/* ---- reading, in windows (docs/operations.md, "Windows") ---- */

struct reader {
	struct dbx_conn *c;
	const struct dbx_cdf_opts *o;
	struct rec_writer *w;
	struct dbx_cdf_stats *st;
	const char *ref;
	int snap;
	long long snapver;
	const char *snapts;
	int links;             /* DBX_LINKS until the workspace refuses them */
	long long isplit;      /* INLINE: the split that kept a window under 25 MiB */
	unsigned long long reexec;
	long long lastv;       /* _commit_version of the last row of the current statement */
	unsigned long long nrows; /* rows of the current statement passed on */
	const char *cols;      /* the SELECT list of --columns, checked; NULL: every column */
};

static void
note(struct reader *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct reader *R, const char *fmt, ...)
{
	char b[700];
	va_list ap;
	if (!R->o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	R->o->note(R->o->note_arg, b);
}

/* a column the record leaves out: the CDF columns of a snapshot (ours replace them), and
 * _window when windows are numbered */
static int
skipped(const struct reader *R, const char *name, long long widx)
{
	if (name[0] != '_')
		return 0;
	if (R->snap && (!strcmp(name, "_change_type") || !strcmp(name, "_commit_version") ||
	    !strcmp(name, "_commit_timestamp")))
		return 1;
	return widx >= 0 && !strcmp(name, "_window");
}

/* the record of a row as MessagePack into ob, the bytes emit_rows' map would give; the
 * columns whose value was not in its type's form in rowbad[0..*nbad). 1 done; 0 the record
 * is over the size limit (ob unused: the caller builds the map); -1 error in e. */
struct fcol {
	const struct dbx_col *col;
	const char *tt;    /* its type_text when TIMESTAMPs may be nested in it, else NULL */
	size_t koff, klen; /* its key's MessagePack in kb; klen 0: the column is left out */
};

static int
fast_row(struct reader *R, struct dbx_stmt *s, const msgpack_object *row, size_t nkeep,
	long long widx, const struct fcol *fc, const struct buf *kb, msgpack_zone *z,
	struct buf *ob, size_t *rowbad, size_t *nbad, struct err *e)
{
	static size_t max;
	size_t nc = dbx_stmt_ncols(s), n = nkeep + (R->snap ? 3 : 0) + (widx >= 0);
	unsigned char h[5];
	size_t hl;
	if (!max) {
		struct err ig = ERR_INIT;
		if (rec_max_record(&max, &ig) < 0)
			max = REC_MAX_RECORD_DEFAULT;
	}
	buf_reset(ob);
	*nbad = 0;
	if (n <= 15)
		h[0] = (unsigned char)(0x80 | n), hl = 1;
	else if (n <= 0xffff)
		h[0] = 0xde, h[1] = (unsigned char)(n >> 8), h[2] = (unsigned char)n, hl = 3;
	else
		h[0] = 0xdf, h[1] = (unsigned char)(n >> 24), h[2] = (unsigned char)(n >> 16),
		h[3] = (unsigned char)(n >> 8), h[4] = (unsigned char)n, hl = 5;
	if (buf_add(ob, h, hl) < 0)
		return NOMEM(e);
	for (size_t i = 0; i < nc; i++) {
		const struct dbx_col *col = fc[i].col;
		size_t mark = ob->len;
		int k;
		if (fc[i].klen && buf_add(ob, kb->p + fc[i].koff, fc[i].klen) < 0)
			return NOMEM(e);
		if ((k = dbx_conv_mp(ob, col->type, fc[i].tt, &row->via.array.ptr[i], z, e)) < 0)
			return -1;
		if (k > 0)
			rowbad[(*nbad)++] = i;
		if (!fc[i].klen)
			ob->len = mark;
	}
	if (R->snap) {
		msgpack_object kv[6] = {
			rec_strref("_change_type", 12), rec_strref("insert", 6),
			rec_strref("_commit_version", 15), rec_int(R->snapver),
			rec_strref("_commit_timestamp", 17),
			R->snapts[0] ? rec_strref(R->snapts, strlen(R->snapts)) : rec_nil() };
		for (int i = 0; i < 6; i++)
			if (dbx_mp_value(ob, &kv[i]) < 0)
				return NOMEM(e);
	}
	if (widx >= 0) {
		msgpack_object k = rec_strref("_window", 7), v = rec_int(widx);
		if (dbx_mp_value(ob, &k) < 0 || dbx_mp_value(ob, &v) < 0)
			return NOMEM(e);
	}
	return ob->len <= max;
}

static int
emit_rows(struct reader *R, struct dbx_stmt *s, long long widx, struct err *e)
{
	const struct dbx_cdf_opts *o = R->o;
	struct dbx_cdf_stats *st = R->st;
	int snap = R->snap;
	size_t nc = dbx_stmt_ncols(s);
	long ict = snap ? -1 : dbx_stmt_col_index(s, "_change_type");
	long icv = snap ? -1 : dbx_stmt_col_index(s, "_commit_version");
	int64_t lastv = -1;
	char lastcv[24];
	size_t lastcv_n = 0;
	unsigned long long *bad = calloc(nc ? nc : 1, sizeof *bad);
	msgpack_object *keys = calloc(nc ? nc : 1, sizeof *keys);
	msgpack_zone *z = msgpack_zone_new(65536);
	const msgpack_object *row;
	unsigned long long chunks0 = 0;
	int r, rc = -1;
	const char *g = getenv("DBXI_DBX_GENERIC");
	int fast = rec_writer_form(R->w) == REC_MSGPACK && !(g && *g == '1');
	size_t *rowbad = calloc(nc ? nc : 1, sizeof *rowbad), nbad = 0, nkeep = 0;
	struct buf ob = BUF_INIT, kb = BUF_INIT;
	struct fcol *fc = NULL;
	R->lastv = -1;
	R->nrows = 0;
	if (!bad || !z || !keys || !rowbad) {
		NOMEM(e);
		goto out;
	}
	if (fast) {
		if (!(fc = calloc(nc ? nc : 1, sizeof *fc))) {
			NOMEM(e);
			goto out;
		}
		for (size_t i = 0; i < nc; i++) {
			const char *name = dbx_stmt_col(s, i)->name;
			msgpack_object key = rec_strref(name, strlen(name));
			fc[i].col = dbx_stmt_col(s, i);
			/* dbx_conv reads type_text only for nested TIMESTAMPs (dbx_conv_nested) */
			fc[i].tt = fc[i].col->type_text && strstr(fc[i].col->type_text, "TIMESTAMP") ?
				fc[i].col->type_text : NULL;
			fc[i].koff = kb.len;
			if (skipped(R, name, widx))
				continue;
			if (dbx_mp_value(&kb, &key) < 0) {
				NOMEM(e);
				goto out;
			}
			fc[i].klen = kb.len - fc[i].koff;
			nkeep++;
		}
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
			/* most rows have the version of the row before: checked once */
			if (cv->via.str.size == lastcv_n && lastv >= 0 &&
			    !memcmp(cv->via.str.ptr, lastcv, lastcv_n))
				goto cv_ok;
			memcpy(tmp, cv->via.str.ptr, cv->via.str.size);
			tmp[cv->via.str.size] = 0;
			if (parse_ll(tmp, &vv) < 0 || vv < lastv) {
				err_set(e, XIT_UNAVAILABLE, "%s: change rows out of _commit_version order "
					"(%s after %lld)", o->table, tmp, (long long)lastv);
				goto out;
			}
			lastv = vv;
			R->lastv = vv;
			memcpy(lastcv, tmp, cv->via.str.size);
			lastcv_n = cv->via.str.size;
		}
	cv_ok:
		if (ict >= 0) {
			const msgpack_object *ct = &row->via.array.ptr[ict];
			unsigned bit = 0;
			if (ct->type == MSGPACK_OBJECT_STR && ct->via.str.size == 6 &&
			    !memcmp(ct->via.str.ptr, "insert", 6))
				bit = DBX_CT_INSERT;
			else if (rec_str_eq(ct, "insert"))
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
		/* MessagePack out: written straight from the row, per column type (#14.2); a row
		 * over the record size limit takes the ordinary way (its reject) */
		if (fast) {
			int k = fast_row(R, s, row, nkeep, widx, fc, &kb, z, &ob, rowbad, &nbad, e);
			if (k < 0)
				goto out;
			if (k > 0) {
				if (rec_write_bytes(R->w, ob.p, ob.len, e) < 0)
					goto out;
				for (size_t j = 0; j < nbad; j++)
					bad[rowbad[j]]++;
				st->rows++;
				R->nrows++;
				msgpack_zone_clear(z);
				continue;
			}
			msgpack_zone_clear(z);
		}
		/* the record's map, built in place: one allocation per row */
		msgpack_object_kv *kv = msgpack_zone_malloc(z, sizeof *kv * (nc + 4));
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
			if (widx >= 0 && col->name[0] == '_' && !strcmp(col->name, "_window"))
				continue; /* ours replaces it */
			kv[n++].key = keys[i];
		}
		if (snap) {
			kv[n].key = rec_strref("_change_type", 12), kv[n++].val = rec_strref("insert", 6);
			kv[n].key = rec_strref("_commit_version", 15), kv[n++].val = rec_int(R->snapver);
			kv[n].key = rec_strref("_commit_timestamp", 17);
			kv[n++].val = R->snapts[0] ? rec_strref(R->snapts, strlen(R->snapts)) : rec_nil();
		}
		if (widx >= 0)
			kv[n].key = rec_strref("_window", 7), kv[n++].val = rec_int(widx);
		rec.type = MSGPACK_OBJECT_MAP;
		rec.via.map.size = n;
		rec.via.map.ptr = kv;
		/* a row over the record size limit: rejected here, the first stage that sees it */
		if (o->rej) {
			int k = rec_write_or_reject(R->w, o->rej, st->rows + st->rejected + 1, &rec, e);
			if (k < 0)
				goto out;
			if (k == 0) {
				st->rejected++;
				msgpack_zone_clear(z);
				continue;
			}
		} else if (rec_write(R->w, &rec, e) < 0)
			goto out;
		st->rows++;
		R->nrows++;
		msgpack_zone_clear(z);
	}
	if (r < 0)
		goto out;
	rc = 0;
out:
	if (bad && !st->warn[0]) {
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
	st->chunks += dbx_stmt_chunks(s) - chunks0;
	free(rowbad);
	free(fc);
	buf_free(&ob);
	buf_free(&kb);
	free(bad);
	free(keys);
	if (z)
		msgpack_zone_free(z);
	return rc;
}

static int eligible(struct dbx_conn *c, const char *table, const char *ref, const char *cat,
	const char *sch, const char *tbl, int timeout_s, void (*line)(void *, int, const char *),
	void *arg, struct err *e);

/* appends " AND pmod(hash(`COLUMN`), M) = R" (or " WHERE ...") */
static int
add_bucket(struct buf *sql, const char **and, const char *opt, const char *col, long long m,
	long long r, struct err *e)
{
	struct err e2 = ERR_INIT;
	if (buf_adds(sql, *and) < 0 || buf_adds(sql, "pmod(hash(") < 0)
		return NOMEM(e);
	if (dbx_sql_ident(sql, col, strlen(col), &e2) < 0)
		return e2.status ? err_set(e, XIT_USAGE, "%s: %s", opt, e2.msg) : NOMEM(e);
	if (buf_printf(sql, "), %lld) = %lld", m, r) < 0)
		return NOMEM(e);
	*and = " AND ";
	return 0;
}

/* the SQL of one statement: versions a..b (a snapshot: the table at b), the shard, and the
 * rows whose window key hashes to r modulo m (m 1: all) */
static int
window_sql(struct reader *R, const char *key, long long a, long long b, long long m, long long r,
	struct buf *sql, struct err *e)
{
	const char *and = " WHERE ";
	buf_reset(sql);
	/* the columns the mapping uses (#11.5), or all; the CDF columns always */
	const char *cols = R->cols ? R->cols : "*";
	const char *cdf = R->cols ? ", `_change_type`, `_commit_version`, `_commit_timestamp`" : "";
	if (R->snap ? buf_printf(sql, "SELECT %s FROM %s VERSION AS OF %lld", cols, R->ref, b) < 0 :
	    buf_printf(sql, "SELECT %s%s FROM table_changes('%s', %lld, %lld)", cols, cdf, R->ref, a, b) < 0)
		return NOMEM(e);
	if (R->o->shard_key && add_bucket(sql, &and, "--shard-key", R->o->shard_key,
	    R->o->shard_n, R->o->shard_k, e) < 0)
		return -1;
	if (m > 1 && add_bucket(sql, &and, "--window-key", key, m, r, e) < 0)
		return -1;
	if (!R->snap && buf_adds(sql, " ORDER BY _commit_version") < 0)
		return NOMEM(e);
	return 0;
}

static int
has_ci(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (!strncasecmp(s, w, n))
			return 1;
	return 0;
}

/* runs a read statement; a workspace that refuses EXTERNAL_LINKS is read with INLINE from
 * then on (said once) */
static int
exec_read(struct reader *R, long long a, long long b, const char *sql, struct dbx_stmt **s,
	struct err *e)
{
	char cls[128];
	const struct dbx_cdf_opts *o = R->o;
	for (;;) {
		if (run(R->c, o->table, sql, NULL, 0, R->links, o->timeout_s, s, cls, sizeof cls, e) == 0)
			return 0;
		if (R->links && e->status != XIT_NOPERM && has_ci(e->msg, "EXTERNAL_LINKS") &&
		    !has_ci(e->msg, "inline byte limit")) {
			R->links = 0;
			note(R, "the workspace refuses EXTERNAL_LINKS: reading with INLINE results (at "
				"most 25 MiB per statement: windows are made smaller as needed)");
			continue;
		}
		break;
	}
	{
		static const char *const gone[] = { "DELTA_MISSING_CHANGE_DATA",
			"DELTA_CHANGE_DATA_FILE_NOT_FOUND", "DELTA_VERSION_NOT_FOUND",
			"DELTA_TRUNCATED_TRANSACTION_LOG", "DELTA_LOG_FILE_NOT_FOUND",
			"DELTA_UNSUPPORTED_TIME_TRAVEL", "FAILED_READ_FILE", "DELTA_FILE_NOT_FOUND",
			"DELTA_MISSING_TRANSACTION_LOG", NULL };
		static const char *const schema[] = { "DELTA_CHANGE_DATA_FEED_INCOMPATIBLE", NULL };
		char m[sizeof e->msg];
		snprintf(m, sizeof m, "%s", e->msg);
		if (!R->snap && !strcmp(cls, "DELTA_CDC_START_VERSION_AFTER_LATEST"))
			return 1;
		if (class_in(cls, gone))
			err_set(e, XIT_CONFIG, "%s: the change data for versions %lld..%lld is no longer "
				"available (not recorded, vacuumed, or past log retention): take a fresh "
				"full snapshot with --snapshot, then read incrementally again [%s]",
				o->table, a, b, m);
		else if (class_in(cls, schema))
			err_set(e, XIT_CONFIG, "%s: the table's schema changed inside versions "
				"%lld..%lld: read the versions before and after the change separately "
				"(--from-version/--to-version, as the server says), or take a fresh snapshot "
				"with --snapshot; check the mapping for the changed columns [%s]", o->table,
				a, b, m);
		else if (!strcmp(cls, "DELTA_TABLE_ONLY_OPERATION") ||
			 !strcmp(cls, "DELTA_UNSUPPORTED_DESCRIBE_DETAIL_VIEW"))
			err_set(e, XIT_CONFIG, "%s is not a Delta table (views are refused): %s",
				o->table, m);
	}
	return -1;
}

struct item {
	long long a, b, m, r;
};

#define MAX_SPLIT (1LL << 30)
#define MAX_REEXEC 10000

/* reads one window: versions a..b (a snapshot: the table at b), the rows whose key hashes to
 * r modulo m, records marked _window widx (-1: none). A statement whose result is no longer
 * served (the one-hour result lifetime ran out while the rows were being passed on) is
 * executed again from where it stood: from the version of its last row passed on (the rows
 * of that version are passed on again), or, inside one version, split in two by the key
 * (the rows already passed on are passed on again). Never a row skipped. */
static int
read_window(struct reader *R, const char *key, long long a, long long b, long long m,
	long long r, long long widx, struct err *e)
{
	struct item stack[96];
	struct buf sql = BUF_INIT;
	int n = 0, rc = -1, stuck = 0;
	stack[n++] = (struct item){ a, b, m, r };
	if (!R->links && R->isplit > 1 && key && (R->snap || a == b)) {
		/* INLINE: as split as the last window had to be */
		n = 0;
		for (long long j = R->isplit - 1; j >= 0 && n < 64; j--)
			stack[n++] = (struct item){ a, b, m * R->isplit, r + j * m };
	}
	while (n > 0) {
		struct item it = stack[--n];
		struct dbx_stmt *s = NULL;
		int k;
		if (window_sql(R, key, it.a, it.b, it.m, it.r, &sql, e) < 0)
			goto out;
		k = exec_read(R, it.a, it.b, sql.p, &s, e);
		if (k == 1)
			continue;
		if (k < 0) {
			/* INLINE's 25 MiB: smaller statements */
			if (!R->links && has_ci(e->msg, "inline byte limit") && key && it.m * 2 <= MAX_SPLIT &&
			    n + 3 <= (int)(sizeof stack / sizeof stack[0]) && (R->snap || it.a == it.b)) {
				if (R->isplit < 2 * (it.m / m))
					R->isplit = 2 * (it.m / m);
				stack[n++] = (struct item){ it.a, it.b, it.m * 2, it.r + it.m };
				stack[n++] = (struct item){ it.a, it.b, it.m * 2, it.r };
				continue;
			}
			if (!R->links && has_ci(e->msg, "inline byte limit") && !R->snap && it.a < it.b &&
			    n + 2 <= (int)(sizeof stack / sizeof stack[0])) {
				/* several versions: halves by version, in order */
				long long mid = it.a + (it.b - it.a) / 2;
				stack[n++] = (struct item){ mid + 1, it.b, it.m, it.r };
				stack[n++] = (struct item){ it.a, mid, it.m, it.r };
				continue;
			}
			if (!R->links && has_ci(e->msg, "inline byte limit") && !key)
				err_set(e, XIT_CONFIG, "%s: the workspace refuses EXTERNAL_LINKS and the "
					"result is over INLINE's 25 MiB: give --window-key COLUMN (WINDOW_KEY) "
					"to read it in smaller statements", R->o->table);
			goto out;
		}
		k = emit_rows(R, s, widx, e);
		if (k == 0) {
			dbx_stmt_free(s);
			stuck = 0;
			continue;
		}
		if (!dbx_stmt_gone(s)) {
			dbx_stmt_free(s);
			goto out;
		}
		dbx_stmt_free(s);
		if (++R->reexec > MAX_REEXEC || n + 3 > (int)(sizeof stack / sizeof stack[0])) {
			err_set(e, XIT_TEMPFAIL, "%s: results kept expiring before they were read (%llu "
				"statements executed again): make windows smaller (--window-rows)",
				R->o->table, R->reexec);
			goto out;
		}
		if (!R->snap && R->lastv > it.a) {
			note(R, "the result of versions %lld..%lld expired after %llu rows: reading "
				"again from version %lld", it.a, it.b, R->nrows, R->lastv);
			stack[n++] = (struct item){ R->lastv, it.b, it.m, it.r };
			stuck = 0;
		} else if (key && it.m * 2 <= MAX_SPLIT) {
			if (it.b > it.a && !R->snap)
				stack[n++] = (struct item){ it.a + 1, it.b, it.m, it.r };
			note(R, "the result of %s %lld%s expired after %llu rows: reading it again in "
				"two halves (the rows already passed on are passed on again)",
				R->snap ? "the snapshot at version" : "version", it.a,
				widx >= 0 ? " (a window)" : "", R->nrows);
			stack[n++] = (struct item){ it.a, it.a, it.m * 2, it.r + it.m };
			stack[n++] = (struct item){ it.a, it.a, it.m * 2, it.r };
			if (R->snap)
				stack[n - 1].a = stack[n - 1].b = stack[n - 2].a = stack[n - 2].b = it.b;
		} else {
			if (++stuck > 3) {
				err_set(e, XIT_TEMPFAIL, "%s: the result of version %lld expired %d times "
					"before its rows were passed on: give --window-key COLUMN (WINDOW_KEY) "
					"so that it can be read in smaller statements", R->o->table, it.a, stuck);
				goto out;
			}
			note(R, "the result of version %lld expired after %llu rows: executing it again",
				it.a, R->nrows);
			stack[n++] = it;
		}
	}
	rc = 0;
out:
	buf_free(&sql);
	return rc;
}

/* the rows a version changed, from DESCRIBE HISTORY's operationMetrics: inserted, updated
 * twice (pre- and post-image), deleted. An estimate (0 when unknown). */
static long long
metric_rows(const msgpack_object *row, long mi, msgpack_zone *z)
{
	static const struct { const char *k; int w; } tab[] = {
		{ "numOutputRows", 1 }, { "numUpdatedRows", 2 }, { "numDeletedRows", 1 },
		{ "numTargetRowsInserted", 1 }, { "numTargetRowsUpdated", 2 },
		{ "numTargetRowsDeleted", 1 }, { "numCopiedRows", 0 },
	};
	const msgpack_object *c = &row->via.array.ptr[mi];
	msgpack_object m;
	struct err ig = ERR_INIT;
	long long sum = 0;
	if (c->type != MSGPACK_OBJECT_STR || rec_json_parse(c->via.str.ptr, c->via.str.size, z, &m,
	    &ig) < 0 || m.type != MSGPACK_OBJECT_MAP)
		return 0;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		size_t n;
		const char *v = dbx_str(&m, tab[i].k, &n);
		char tmp[24];
		long long x;
		if (!v || n >= sizeof tmp)
			continue;
		memcpy(tmp, v, n);
		tmp[n] = 0;
		if (parse_ll(tmp, &x) == 0 && x < (1LL << 50))
			sum += x * tab[i].w;
	}
	return sum;
}

/* est[v - from] = estimated change rows of version v, from..to */
static int
history_rows(struct reader *R, long long from, long long to, long long *est, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	const msgpack_object *row;
	msgpack_zone *z = msgpack_zone_new(4096);
	long vi, mi;
	int r, rc = -1;
	if (!z || buf_printf(&sql, "DESCRIBE HISTORY %s", R->ref) < 0) {
		NOMEM(e);
		goto out;
	}
	if (run(R->c, R->o->table, sql.p, NULL, 0, 0, R->o->timeout_s, &s, NULL, 0, e) < 0)
		goto out;
	vi = dbx_stmt_col_index(s, "version");
	mi = dbx_stmt_col_index(s, "operationMetrics");
	while ((r = dbx_stmt_next(s, &row, e)) == 1) {
		char tmp[32];
		long long v;
		if (vi < 0 || mi < 0)
			break;
		if (cell(s, row, "version", tmp, sizeof tmp) < 0 || parse_ll(tmp, &v) < 0 ||
		    v < from || v > to)
			continue;
		est[v - from] = metric_rows(row, mi, z);
		msgpack_zone_clear(z);
	}
	if (r < 0)
		goto out;
	rc = 0;
out:
	if (z)
		msgpack_zone_free(z);
	dbx_stmt_free(s);
	buf_free(&sql);
	return rc;
}

static long long
windows_for(long long rows, long long per)
{
	long long b = rows / per + (rows % per != 0);
	return b > DBX_MAX_WINDOWS ? DBX_MAX_WINDOWS : b;
}

/* the snapshot's row count (with the shard's filter) */
static int
count_rows(struct reader *R, long long ver, long long *n, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct dbx_stmt *s = NULL;
	const msgpack_object *row;
	const char *and = " WHERE ";
	char tmp[32];
	int rc = -1, r;
	if (buf_printf(&sql, "SELECT count(*) AS n FROM %s VERSION AS OF %lld", R->ref, ver) < 0) {
		NOMEM(e);
		goto out;
	}
	if (R->o->shard_key && add_bucket(&sql, &and, "--shard-key", R->o->shard_key,
	    R->o->shard_n, R->o->shard_k, e) < 0)
		goto out;
	if (run(R->c, R->o->table, sql.p, NULL, 0, 0, R->o->timeout_s, &s, NULL, 0, e) < 0)
		goto out;
	if ((r = dbx_stmt_next(s, &row, e)) < 0)
		goto out;
	if (r == 0 || dbx_stmt_ncols(s) < 1 || row->via.array.ptr[0].type != MSGPACK_OBJECT_STR ||
	    row->via.array.ptr[0].via.str.size >= sizeof tmp) {
		err_set(e, XIT_UNAVAILABLE, "%s: count(*) gave no number", R->o->table);
		goto out;
	}
	memcpy(tmp, row->via.array.ptr[0].via.str.ptr, row->via.array.ptr[0].via.str.size);
	tmp[row->via.array.ptr[0].via.str.size] = 0;
	if (parse_ll(tmp, n) < 0) {
		err_set(e, XIT_UNAVAILABLE, "%s: count(*) gave '%s'", R->o->table, tmp);
		goto out;
	}
	rc = 0;
out:
	dbx_stmt_free(s);
	buf_free(&sql);
	return rc;
}

static int
write_pending(const char *state, const char *table, long long from, long long to, int snap,
	const char *key, const long long (*split)[2], size_t nsplit, struct err *e)
{
	struct buf p = BUF_INIT, d = BUF_INIT;
	char now[40];
	int rc, r;
	now_rfc3339(now, sizeof now);
	r = buf_printf(&p, "%s.pending", state) < 0 || buf_adds(&d, "{\"table\":") < 0 ||
	    rec_json_str_append(&d, table, strlen(table)) < 0 ||
	    buf_printf(&d, ",\"from\":%lld,\"to\":%lld,\"snapshot\":%s,\"started\":\"%s\"", from, to,
		snap ? "true" : "false", now) < 0;
	if (!r && key && nsplit) {
		r |= buf_adds(&d, ",\"key\":") < 0 || rec_json_str_append(&d, key, strlen(key)) < 0 ||
		     buf_adds(&d, ",\"split\":[") < 0;
		for (size_t i = 0; i < nsplit && !r; i++)
			r |= buf_printf(&d, "%s[%lld,%lld]", i ? "," : "", split[i][0], split[i][1]) < 0;
		r |= buf_adds(&d, "]") < 0;
	}
	if (r || buf_adds(&d, "}\n") < 0) {
		buf_free(&p), buf_free(&d);
		return NOMEM(e);
	}
	rc = dbx_write_atomic(p.p, d.p, d.len, e);
	buf_free(&p), buf_free(&d);
	return rc;
}

#define DEFAULT_WINDOW_ROWS 1000000LL
#define MAX_PLAN_VERSIONS 1000000LL

int
dbx_cdf_read(struct dbx_conn *c, const struct dbx_cdf_opts *o, struct rec_writer *w,
	struct dbx_cdf_stats *st, struct err *e)
{
	struct buf ref = BUF_INIT, colsel = BUF_INIT;
	struct dbx_state have;
	struct reader R;
	long long latest, from, to, per = o->window_rows > 0 ? o->window_rows : DEFAULT_WINDOW_ROWS;
	long long *est = NULL, (*split)[2] = NULL;
	size_t nsplit = 0;
	char latest_ts[64], snap_ts[64] = "", cat[256], sch[256], tbl[256];
	int snap, rc = -1, resume = 0;
	memset(st, 0, sizeof *st);
	dbx_state_init(&have);
	st->from = st->to = st->latest = -1;
	if (dbx_table_ref(o->table, &ref, cat, sch, tbl, e) < 0)
		goto out;
	if (o->state_file && !o->snapshot && o->from < 0) {
		if (dbx_state_load(o->state_file, o->table, &have, e) < 0)
			goto out;
		/* windows of a version under way continue with the same key and count */
		resume = have.wversion >= 0 && o->to < 0;
	}
	if (eligible(c, o->table, ref.p, cat, sch, tbl, o->timeout_s, NULL, NULL, e) < 0)
		goto out;
	/* --columns: checked against the table once it is known to be eligible */
	if (o->columns && dbx_columns_select(c, o->table, o->columns, o->timeout_s, &colsel, e) < 0)
		goto out;
	if (history(c, o->table, ref.p, -1, o->timeout_s, &latest, latest_ts, sizeof latest_ts, e) < 0)
		goto out;
	st->latest = latest;
	if (o->to >= 0 && o->to > latest) {
		err_set(e, XIT_CONFIG, "%s: --to-version %lld is beyond the latest version %lld",
			o->table, o->to, latest);
		goto out;
	}
	snap = o->snapshot || (o->from < 0 && (have.version < 0 || (resume && have.wsnap)));
	if (snap) {
		from = to = o->to >= 0 ? o->to : latest;
		if (resume && have.wsnap)
			from = to = have.wversion;
		if (to == latest)
			snprintf(snap_ts, sizeof snap_ts, "%s", latest_ts);
		else if (history(c, o->table, ref.p, to, o->timeout_s, &to, snap_ts, sizeof snap_ts, e) < 0)
			goto out;
	} else {
		long long hv = have.version;
		if (o->from < 0 && hv > latest) {
			err_set(e, XIT_CONFIG, "%s: the state file is at version %lld, beyond the table's "
				"latest version %lld (was the table replaced or restored?): take a fresh "
				"snapshot with --snapshot (through dbx-insider-sync: --resnapshot)", o->table, hv, latest);
			goto out;
		}
		from = o->from >= 0 ? o->from : hv + 1;
		to = o->to >= 0 ? o->to : latest;
		if (from > to) {
			st->nothing = 1;
			if (o->from < 0 && hv >= latest)
				snprintf(st->note, sizeof st->note, "up to date at version %lld", hv);
			else
				snprintf(st->note, sizeof st->note, "start version %lld is beyond %s version "
					"%lld: nothing to do", from, o->to >= 0 ? "the end" : "the latest", to);
			st->from = from, st->to = to;
			rc = 0;
			goto out;
		}
	}
	st->snapshot = snap, st->from = from, st->to = to;
	memset(&R, 0, sizeof R);
	R.c = c, R.o = o, R.w = w, R.st = st, R.ref = ref.p, R.snap = snap, R.snapver = to;
	R.snapts = snap_ts, R.links = DBX_LINKS, R.lastv = -1;
	R.cols = o->columns ? colsel.p : NULL;
	if (snap) {
		long long nrows = 0, B = 1, first = 0;
		const char *key = o->window_key;
		if (resume && have.wsnap) {
			B = have.wcount, first = have.wdone, key = have.wkey;
			note(&R, "resuming the snapshot at version %lld at window %lld of %lld (windows "
				"0..%lld delivered)", to, first + 1, B, first - 1);
		} else if (key) {
			if (count_rows(&R, to, &nrows, e) < 0)
				goto out;
			B = windows_for(nrows, per);
			/* the total, for a reader's progress and ETA */
			note(&R, "snapshot at version %lld: %lld rows to read", to, nrows);
		}
		long long sp[1][2] = { { to, B } };
		if (o->state_file && write_pending(o->state_file, o->table, to, to, 1, key,
		    (const long long (*)[2])sp, B >= 2, e) < 0)
			goto out;
		if (B < 2) {
			if (read_window(&R, key, to, to, 1, 0, -1, e) < 0)
				goto out;
		} else {
			st->windows = (unsigned long long)(B - first);
			for (long long b = first; b < B; b++)
				if (read_window(&R, key, to, to, B, b, b, e) < 0)
					goto out;
		}
		rc = 0;
		goto out;
	}
	/* a range: versions grouped into windows of about `per` rows by DESCRIBE HISTORY's
	 * metrics; a version over `per` rows alone, in key windows when there is a key */
	{
		long long nv = to - from + 1;
		int plan = nv > 1 || o->window_key || resume;
		if (plan && nv <= MAX_PLAN_VERSIONS) {
			if (!(est = calloc((size_t)nv, sizeof *est)) ||
			    !(split = calloc((size_t)nv, sizeof *split))) {
				NOMEM(e);
				goto out;
			}
			if (history_rows(&R, from, to, est, e) < 0)
				goto out;
			long long total = 0;
			for (long long v = from; v <= to; v++)
				total += est[v - from];
			if (total > 0)
				note(&R, "versions %lld..%lld: %lld rows to read (DESCRIBE HISTORY's count of "
					"change rows, before dropping preimages)", from, to, total);
			for (long long v = from; v <= to; v++) {
				if (resume && !have.wsnap && v == have.wversion) {
					split[nsplit][0] = v, split[nsplit++][1] = have.wcount;
				} else if (o->window_key && est[v - from] > per &&
					   windows_for(est[v - from], per) >= 2) {
					split[nsplit][0] = v;
					split[nsplit++][1] = windows_for(est[v - from], per);
				}
			}
		}
		if (o->state_file && write_pending(o->state_file, o->table, from, to, 0,
		    resume && !have.wsnap ? have.wkey : o->window_key, (const long long (*)[2])split,
		    nsplit, e) < 0)
			goto out;
		long long v = from;
		size_t si = 0;
		while (v <= to) {
			if (si < nsplit && split[si][0] == v) {
				long long B = split[si][1], first = 0;
				const char *key = o->window_key;
				if (resume && !have.wsnap && v == have.wversion) {
					first = have.wdone, key = have.wkey;
					note(&R, "resuming version %lld at window %lld of %lld", v, first + 1, B);
				}
				st->windows += (unsigned long long)(B - first);
				for (long long b = first; b < B; b++)
					if (read_window(&R, key, v, v, B, b, b, e) < 0)
						goto out;
				si++, v++;
				continue;
			}
			long long end = v, sum = est ? est[v - from] : 0;
			if (est)
				while (end < to && !(si < nsplit && split[si][0] == end + 1) &&
				       sum + est[end + 1 - from] <= per)
					sum += est[++end - from];
			else
				end = to;
			if (est)
				st->windows++;
			if (read_window(&R, o->window_key, v, end, 1, 0, -1, e) < 0)
				goto out;
			v = end + 1;
		}
	}
	rc = 0;
out:
	free(est);
	free(split);
	buf_free(&ref);
	buf_free(&colsel);
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
	if (dbx_is_hive(cat)) { /* no information_schema there (#11.2) */
		if (dbx_hive_detail(c, table, ref, timeout_s, line, arg, e) < 0)
			goto out;
	} else {
		/* names are stored lower case: compare the lower-cased name (#11.2) */
		char lsch[256], ltbl[256];
		snprintf(lsch, sizeof lsch, "%s", sch);
		snprintf(ltbl, sizeof ltbl, "%s", tbl);
		dbx_name_lower(lsch);
		dbx_name_lower(ltbl);
		struct dbx_param p[2] = { { "schema", lsch, "STRING" }, { "table", ltbl, "STRING" } };
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
			dbx_say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		r = dbx_stmt_next(s, &row, e);
		if (r < 0) {
			dbx_say(line, arg, 0, "table %s: %s", table, e->msg);
			goto out;
		}
		if (r == 0) {
			err_set(e, XIT_CONFIG, "table %s not found (or not visible to these credentials)",
				table);
			dbx_say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		cell(s, row, "table_type", ttype, sizeof ttype);
		cell(s, row, "data_source_format", fmt, sizeof fmt);
		dbx_stmt_free(s);
		s = NULL;
		dbx_say(line, arg, 1, "table %s exists", table);
		if (!strcasecmp(ttype, "VIEW") || !strcasecmp(ttype, "MATERIALIZED_VIEW") ||
		    !strcasecmp(ttype, "METRIC_VIEW")) {
			err_set(e, XIT_CONFIG, "%s is a %s: views are refused (read the Delta table "
				"itself)", table, ttype);
			dbx_say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		dbx_say(line, arg, 1, "not a view (%s)", ttype[0] ? ttype : "unknown type");
		if (strcasecmp(fmt, "DELTA")) {
			err_set(e, XIT_CONFIG, "%s is not a Delta table (format %s): its changes cannot "
				"be read", table, fmt[0] ? fmt : "unknown");
			dbx_say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		dbx_say(line, arg, 1, "a Delta table");
	}
	{
		int on = 0;
		buf_reset(&sql);
		if (buf_printf(&sql, "SHOW TBLPROPERTIES %s", ref) < 0) {
			NOMEM(e);
			goto out;
		}
		if (run(c, table, sql.p, NULL, 0, 0, timeout_s, &s, cls, sizeof cls, e) < 0) {
			dbx_say(line, arg, 0, "change data feed: %s", e->msg);
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
			dbx_say(line, arg, 0, "change data feed: %s", e->msg);
			goto out;
		}
		if (!on) {
			err_set(e, XIT_CONFIG, "change data feed is off for %s: turn it on with ALTER "
				"TABLE %s SET TBLPROPERTIES (delta.enableChangeDataFeed = true), then start "
				"with a snapshot", table, ref);
			dbx_say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		dbx_say(line, arg, 1, "change data feed is on (delta.enableChangeDataFeed=true)");
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
		/* a host that cannot be reached is not a credentials failure (#11.4) */
		dbx_say(line, arg, 0, "%s%s", strncmp(e->msg, "cannot reach ", 13) ? "credentials: " : "",
			e->msg);
		goto out;
	}
	if (buf_adds(&path, "/api/2.0/sql/warehouses/") < 0 ||
	    dbx_urlenc(&path, dbx_conn_warehouse(c)) < 0) {
		NOMEM(e);
		goto out;
	}
	if (dbx_call(c, "GET", path.p, NULL, &d, e) < 0) {
		if (!strncmp(e->msg, "cannot reach ", 13))
			dbx_say(line, arg, 0, "%s", e->msg);
		else
			dbx_say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
		goto out;
	}
	{
		size_t cn = 0;
		const char *code = d.resp.status == 403 ? dbx_str(&d.v, "error_code", &cn) : NULL;
		int denied = code && cn == 17 && !memcmp(code, "PERMISSION_DENIED", 17);
		if ((d.resp.status == 401 || d.resp.status == 403) && !denied) {
			dbx_api_error(&d, "credentials refused", e);
			dbx_say(line, arg, 0, "%s", e->msg);
			goto out;
		}
		dbx_say(line, arg, 1, "credentials accepted (%s)", dbx_auth_label(dbx_conn_auth(c)));
		if (denied) {
			dbx_api_error(&d, "no permission on the warehouse (CAN USE)", e);
			dbx_say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
			goto out;
		}
	}
	if (d.resp.status == 404) {
		dbx_api_error(&d, "warehouse not found", e);
		dbx_say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
		goto out;
	}
	if (d.resp.status != 200) {
		dbx_api_error(&d, "warehouse", e);
		dbx_say(line, arg, 0, "warehouse %s: %s", dbx_conn_warehouse(c), e->msg);
		goto out;
	}
	{
		size_t n = 0;
		const char *wst = dbx_str(&d.v, "state", &n);
		char stt[40];
		snprintf(stt, sizeof stt, "%.*s", wst ? (int)(n > 30 ? 30 : n) : 7, wst ? wst : "UNKNOWN");
		if (!strcmp(stt, "RUNNING") || !strcmp(stt, "STARTING"))
			dbx_say(line, arg, 1, "warehouse %s is %s", dbx_conn_warehouse(c), stt);
		else {
			int st = !strcmp(stt, "STOPPED") || !strcmp(stt, "STOPPING") ? XIT_TEMPFAIL : XIT_CONFIG;
			err_set(e, st, "warehouse %s is %s (not running or starting)%s",
				dbx_conn_warehouse(c), stt, st == XIT_TEMPFAIL ?
				": start it, or wait: a statement starts it" : "");
			dbx_say(line, arg, 0, "%s", e->msg);
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
		dbx_say(line, arg, 0, "SELECT: %s", e->msg);
		goto out;
	}
	dbx_stmt_free(s);
	s = NULL;
	dbx_say(line, arg, 1, "SELECT granted");
	/* and the history the reader starts from */
	{
		long long v;
		char ts[64];
		if (history(c, table, ref.p, -1, timeout_s, &v, ts, sizeof ts, e) < 0) {
			dbx_say(line, arg, 0, "history: %s", e->msg);
			goto out;
		}
		dbx_say(line, arg, 1, "latest version %lld (%s)", v, ts);
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
		dbx_name_lower(cat); /* names are case-insensitive (#11.2) */
		dbx_name_lower(sch);
		if (dbx_is_hive(cat)) {
			rc = dbx_hive_list(c, cat, sch, 0, w, e);
			goto out;
		}
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
