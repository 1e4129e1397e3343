/* dbx_state.c: see dbx_state.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <msgpack.h>
#include "dbx_api.h"
#include "dbx_cdf.h"
#include "dbx_state.h"
#include "rec.h"

#define NOMEM(e) err_set((e), XIT_TEMPFAIL, "out of memory")

void
dbx_state_init(struct dbx_state *s)
{
	memset(s, 0, sizeof *s);
	s->version = s->wversion = -1;
}

/* a key twice in one object, at any depth: its name (else NULL) */
static const msgpack_object *
dup_key(const msgpack_object *v)
{
	if (v->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			const msgpack_object *d = dup_key(&v->via.array.ptr[i]);
			if (d)
				return d;
		}
		return NULL;
	}
	if (v->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < v->via.map.size; i++) {
		const msgpack_object *k = &v->via.map.ptr[i].key, *d;
		for (uint32_t j = 0; j < i; j++) {
			const msgpack_object *k2 = &v->via.map.ptr[j].key;
			if (k->type == MSGPACK_OBJECT_STR && k2->type == MSGPACK_OBJECT_STR &&
			    k->via.str.size == k2->via.str.size &&
			    !memcmp(k->via.str.ptr, k2->via.str.ptr, k->via.str.size))
				return k;
		}
		if ((d = dup_key(&v->via.map.ptr[i].val)))
			return d;
	}
	return NULL;
}

/* reads a small JSON object file: 0, 1 (no file), -1 (XIT_CONFIG, what names the file) */
static int
load_json(const char *path, const char *what, struct buf *b, msgpack_zone **z, msgpack_object *v,
	struct err *e)
{
	struct err pe = ERR_INIT;
	const msgpack_object *d;
	if (buf_read_file(b, path, 1 << 20, &pe) < 0) {
		if (errno == ENOENT && pe.status == XIT_CONFIG)
			return 1;
		return err_set(e, pe.status, "%s %s", what, pe.msg);
	}
	if (!(*z = msgpack_zone_new(4096)))
		return NOMEM(e);
	if (!b->p || rec_json_parse(b->p, b->len, *z, v, &pe) < 0 || v->type != MSGPACK_OBJECT_MAP)
		return err_set(e, XIT_CONFIG, "%s %.300s: not a JSON object (%s)", what, path,
			b->p ? (pe.msg[0] ? pe.msg : "not an object") : "empty");
	if ((d = dup_key(v)))
		return err_set(e, XIT_CONFIG, "%s %.300s: key \"%.*s\" appears twice (which one "
			"counts is ambiguous): fix the file by hand or remove it", what, path,
			(int)(d->via.str.size > 60 ? 60 : d->via.str.size), d->via.str.ptr);
	return 0;
}

/* an optional non-negative integer member: 0 (absent: *out untouched), 1 (set), -1 (bad) */
static int
get_nat(const msgpack_object *m, const char *key, long long *out)
{
	const msgpack_object *x = rec_get(m, key);
	int64_t iv;
	if (!x)
		return 0;
	if (rec_to_int64(x, &iv) < 0 || iv < 0)
		return -1;
	*out = iv;
	return 1;
}

static int
copy_str(const msgpack_object *m, const char *key, char *out, size_t n)
{
	size_t len;
	const char *s = dbx_str(m, key, &len);
	const msgpack_object *x = rec_get(m, key);
	if (!x)
		return 0;
	if (!s || len >= n || memchr(s, 0, len))
		return -1;
	memcpy(out, s, len);
	out[len] = 0;
	return 1;
}

int
dbx_state_load(const char *path, const char *table, struct dbx_state *s, struct err *e)
{
	struct buf b = BUF_INIT;
	msgpack_zone *z = NULL;
	msgpack_object v;
	const msgpack_object *w;
	int k, rc = -1;
	dbx_state_init(s);
	if ((k = load_json(path, "state file", &b, &z, &v, e)) != 0) {
		rc = k;
		goto out;
	}
	if (copy_str(&v, "table", s->table, sizeof s->table) < 0) {
		err_set(e, XIT_CONFIG, "state file %.300s: \"table\" must be a string", path);
		goto out;
	}
	if (table && s->table[0] && strcasecmp(s->table, table)) { /* names: any case (#11.2) */
		err_set(e, XIT_CONFIG, "state file %.300s belongs to table %.300s, not %s", path,
			s->table, table);
		goto out;
	}
	if (copy_str(&v, "updated", s->updated, sizeof s->updated) < 0)
		s->updated[0] = 0;
	k = get_nat(&v, "version", &s->version);
	if (k < 0 || (k == 0 && rec_get(&v, "version"))) {
		err_set(e, XIT_CONFIG, "state file %.300s: \"version\" must be a non-negative integer",
			path);
		goto out;
	}
	if ((w = rec_get(&v, "window")) && w->type != MSGPACK_OBJECT_NIL) {
		const msgpack_object *sn = rec_get(w, "snapshot");
		if (w->type != MSGPACK_OBJECT_MAP || get_nat(w, "version", &s->wversion) != 1 ||
		    get_nat(w, "count", &s->wcount) != 1 || get_nat(w, "done", &s->wdone) != 1 ||
		    copy_str(w, "key", s->wkey, sizeof s->wkey) != 1 || !s->wkey[0] ||
		    !sn || sn->type != MSGPACK_OBJECT_BOOLEAN || s->wcount < 2 ||
		    s->wcount > DBX_MAX_WINDOWS || s->wdone >= s->wcount) {
			err_set(e, XIT_CONFIG, "state file %.300s: \"window\" must be {\"version\":V,"
				"\"snapshot\":BOOL,\"key\":COLUMN,\"count\":B,\"done\":D} with 0 <= D < B "
				"<= %d", path, DBX_MAX_WINDOWS);
			goto out;
		}
		s->wsnap = sn->via.boolean;
		if (!s->wsnap && s->wversion != s->version + 1) {
			err_set(e, XIT_CONFIG, "state file %.300s: the window's version %lld must follow "
				"\"version\" %lld", path, s->wversion, s->version);
			goto out;
		}
	}
	if (s->version < 0 && !(s->wversion >= 0 && s->wsnap)) {
		err_set(e, XIT_CONFIG, "state file %.300s: \"version\" must be a non-negative integer",
			path);
		goto out;
	}
	rc = 0;
out:
	if (z)
		msgpack_zone_free(z);
	buf_free(&b);
	return rc;
}

int
dbx_state_json(const struct dbx_state *s, struct buf *out)
{
	int r = buf_adds(out, "{\"table\":");
	r |= rec_json_str_append(out, s->table, strlen(s->table));
	if (s->version >= 0)
		r |= buf_printf(out, ",\"version\":%lld", s->version);
	if (s->wversion >= 0) {
		r |= buf_printf(out, ",\"window\":{\"version\":%lld,\"snapshot\":%s,\"key\":",
			s->wversion, s->wsnap ? "true" : "false");
		r |= rec_json_str_append(out, s->wkey, strlen(s->wkey));
		r |= buf_printf(out, ",\"count\":%lld,\"done\":%lld}", s->wcount, s->wdone);
	}
	r |= buf_adds(out, ",\"updated\":");
	r |= rec_json_str_append(out, s->updated, strlen(s->updated));
	r |= buf_adds(out, "}\n");
	return r ? -1 : 0;
}

int
dbx_state_save(const char *path, struct dbx_state *s, struct err *e)
{
	struct buf b = BUF_INIT;
	time_t t = time(NULL);
	struct tm tm;
	int rc;
	gmtime_r(&t, &tm);
	strftime(s->updated, sizeof s->updated, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (dbx_state_json(s, &b) < 0) {
		buf_free(&b);
		return NOMEM(e);
	}
	rc = dbx_write_atomic(path, b.p, b.len, e);
	buf_free(&b);
	return rc;
}

/* where a state stands, as (complete version, windows done of the next): comparable */
static void
position(const struct dbx_state *s, long long *v, long long *w)
{
	if (s->wversion >= 0)
		*v = s->wversion - 1, *w = s->wdone;
	else
		*v = s->version, *w = 0;
}

int
dbx_state_settle(const char *path, const char *table, const char *progress, int complete,
	int *moved, struct dbx_state *out, struct err *e)
{
	struct buf pb = BUF_INIT, gb = BUF_INIT, pp = BUF_INIT;
	msgpack_zone *pz = NULL, *gz = NULL;
	msgpack_object pv, gv;
	struct dbx_state cur, nw;
	long long from = -1, to = -1, cv, cw, nv, nwd;
	const msgpack_object *snap, *split;
	int k, rc = -1, issnap;
	*moved = 0;
	if (dbx_state_load(path, table, &cur, e) < 0)
		return -1;
	*out = cur;
	if (!cur.table[0])
		snprintf(cur.table, sizeof cur.table, "%s", table);
	if (buf_printf(&pp, "%s.pending", path) < 0)
		return NOMEM(e);
	if ((k = load_json(pp.p, "pending file", &pb, &pz, &pv, e)) != 0) {
		rc = k > 0 ? 0 : -1;
		goto out;
	}
	snap = rec_get(&pv, "snapshot");
	split = rec_get(&pv, "split");
	if (get_nat(&pv, "from", &from) != 1 || get_nat(&pv, "to", &to) != 1 || from > to ||
	    !snap || snap->type != MSGPACK_OBJECT_BOOLEAN ||
	    (split && split->type != MSGPACK_OBJECT_ARRAY)) {
		err_set(e, XIT_CONFIG, "pending file %.300s: \"from\", \"to\" and \"snapshot\" "
			"expected; remove it (the next run reads again from the checkpoint)", pp.p);
		goto out;
	}
	{
		char pt[800] = "";
		if (copy_str(&pv, "table", pt, sizeof pt) < 0 || (pt[0] && strcasecmp(pt, table))) {
			err_set(e, XIT_CONFIG, "pending file %.300s belongs to another table", pp.p);
			goto out;
		}
	}
	issnap = snap->via.boolean;
	nw = cur;
	snprintf(nw.table, sizeof nw.table, "%s", table);
	if (complete) {
		nw.version = to;
		nw.wversion = -1, nw.wcount = nw.wdone = 0, nw.wkey[0] = 0, nw.wsnap = 0;
	} else {
		long long tv = -1, wv = -1, wd = -1, wb = -1;
		const msgpack_object *gw;
		if ((k = load_json(progress, "progress file", &gb, &gz, &gv, e)) < 0)
			goto out;
		if (k == 1) {
			rc = 0;
			goto out;
		}
		const msgpack_object *gt = rec_get(&gv, "through_version");
		int64_t t64;
		if (gt && rec_to_int64(gt, &t64) == 0 && t64 >= 0)
			tv = t64;
		if ((gt && rec_to_int64(gt, &t64) < 0) ||
		    ((gw = rec_get(&gv, "window")) && (gw->type != MSGPACK_OBJECT_MAP ||
		     get_nat(gw, "version", &wv) != 1 || get_nat(gw, "done", &wd) != 1))) {
			err_set(e, XIT_CONFIG, "progress file %.300s: malformed", progress);
			goto out;
		}
		/* the windows of the version being read, as dbx-cdf-read announced them */
		if (wv >= 0 && split) {
			for (uint32_t i = 0; i < split->via.array.size; i++) {
				const msgpack_object *p = &split->via.array.ptr[i];
				int64_t a, b;
				if (p->type == MSGPACK_OBJECT_ARRAY && p->via.array.size == 2 &&
				    rec_to_int64(&p->via.array.ptr[0], &a) == 0 &&
				    rec_to_int64(&p->via.array.ptr[1], &b) == 0 && a == wv)
					wb = b;
			}
		}
		if (issnap) {
			/* a snapshot's versions before the pinned one mean nothing: only windows */
			if (wv == to && wb >= 2 && wd > 0 && copy_str(&pv, "key", nw.wkey,
			    sizeof nw.wkey) == 1) {
				if (wd >= wb) {
					nw.version = to, nw.wversion = -1, nw.wcount = nw.wdone = 0;
					nw.wsnap = 0, nw.wkey[0] = 0;
				} else {
					nw.wversion = to, nw.wsnap = 1, nw.wcount = wb, nw.wdone = wd;
				}
			}
		} else if (tv >= 0 || wv >= 0) {
			if (tv > to)
				tv = to;
			if (tv >= from - 1 && tv > nw.version)
				nw.version = tv;
			nw.wversion = -1, nw.wcount = nw.wdone = 0, nw.wsnap = 0, nw.wkey[0] = 0;
			if (wv >= from && wv <= to && wv == nw.version + 1 && wb >= 2 && wd > 0 &&
			    copy_str(&pv, "key", nw.wkey, sizeof nw.wkey) == 1) {
				if (wd >= wb)
					nw.version = wv, nw.wkey[0] = 0;
				else
					nw.wversion = wv, nw.wcount = wb, nw.wdone = wd;
			}
		}
	}
	/* never back, and a snapshot's windows only over the same snapshot or nothing */
	position(&cur, &cv, &cw);
	position(&nw, &nv, &nwd);
	if (nv < cv || (nv == cv && nwd <= cw) || (nw.version < 0 && nw.wversion < 0)) {
		rc = 0;
		goto out;
	}
	if (nw.wversion >= 0 && nw.wsnap && cur.wversion >= 0 && cur.wsnap &&
	    cur.wversion != nw.wversion) {
		rc = 0;
		goto out;
	}
	if (dbx_state_save(path, &nw, e) < 0)
		goto out;
	*moved = 1;
	*out = nw;
	rc = 0;
out:
	if (pz)
		msgpack_zone_free(pz);
	if (gz)
		msgpack_zone_free(gz);
	buf_free(&pb), buf_free(&gb), buf_free(&pp);
	return rc;
}
