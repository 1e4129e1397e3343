/* map_apply.c: the hot path of row-map: one change row -> one Insider user object
 * (see map_core.h, docs/mapping.md). No heap allocation per record: values are built in
 * the caller's zone, column names are found through a per-field position hint. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map_int.h"
#include "map_step.h"
#include "near.h"

struct run {
	struct map *m;
	const msgpack_object *rec;
	uint64_t recno;
	msgpack_zone *z;
	struct rej *rej;
	struct err *e;
	int bad;           /* reasons added for this record */
	struct buf field;  /* scratch: a field path for spread keys */
};

enum { V_SET = 1, V_NONE = 0, V_BAD = 2, V_ERR = -1 };

static int
ci_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/* a[0..n) == b[0..n): names of up to 16 bytes by overlapping word loads (no call), reading
 * nothing outside either */
static inline int
name_eq(const char *a, const char *b, size_t n)
{
	uint64_t a1, a2, b1, b2;
	if (n >= 8 && n <= 16) {
		memcpy(&a1, a, 8), memcpy(&b1, b, 8);
		memcpy(&a2, a + n - 8, 8), memcpy(&b2, b + n - 8, 8);
		return ((a1 ^ b1) | (a2 ^ b2)) == 0;
	}
	if (n >= 4 && n < 8) {
		uint32_t c1, c2, d1, d2;
		memcpy(&c1, a, 4), memcpy(&d1, b, 4);
		memcpy(&c2, a + n - 4, 4), memcpy(&d2, b + n - 4, 4);
		return ((c1 ^ d1) | (c2 ^ d2)) == 0;
	}
	if (n < 4) {
		unsigned x = 0;
		for (size_t i = 0; i < n; i++)
			x |= (unsigned char)a[i] ^ (unsigned char)b[i];
		return x == 0;
	}
	return memcmp(a, b, n) == 0;
}

/* col_get's search when the hint misses */
static const msgpack_object *__attribute__((noinline))
col_find(const msgpack_object *rec, struct map_src *s)
{
	const msgpack_object_kv *kv = rec->via.map.ptr;
	uint32_t n = rec->via.map.size, i;
	for (i = 0; i < n; i++) {
		const msgpack_object *k = &kv[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == s->col_len &&
		    name_eq(k->via.str.ptr, s->col, s->col_len)) {
			s->hint = i;
			return &kv[i].val;
		}
	}
	for (i = 0; i < n; i++) {
		const msgpack_object *k = &kv[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == s->col_len &&
		    ci_eq(k->via.str.ptr, s->col, s->col_len)) {
			s->hint = i;
			return &kv[i].val;
		}
	}
	return NULL;
}

/* the column's value in rec, or NULL; exact name first, then ignoring ASCII case (Databricks
 * column names are case-insensitive). The key where the column was in the last record is
 * tried first, inline (rows of a stream have their columns in one order). */
static inline const msgpack_object *
col_get(const msgpack_object *rec, struct map_src *s)
{
	const msgpack_object_kv *kv = rec->via.map.ptr;
	if (s->hint < rec->via.map.size) {
		const msgpack_object *k = &kv[s->hint].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == s->col_len &&
		    name_eq(k->via.str.ptr, s->col, s->col_len))
			return &kv[s->hint].val;
	}
	return col_find(rec, s);
}

static int
nomem(struct run *r)
{
	return err_set(r->e, XIT_TEMPFAIL, "record %" PRIu64 ": out of memory", r->recno);
}

/* the raw value of s (no conversion): V_SET with *out, V_BAD, V_ERR */
static int
raw(struct run *r, struct map_src *s, msgpack_object *out)
{
	struct map *m = r->m;
	switch (s->kind) {
	case SRC_CONST:
		*out = s->cval;
		return V_SET;
	case SRC_COLUMN: {
		const msgpack_object *v = col_get(r->rec, s);
		if (!v) {
			struct near nr;
			near_init(&nr, s->col, s->col_len);
			for (uint32_t i = 0; r->rec->type == MSGPACK_OBJECT_MAP && i < r->rec->via.map.size; i++) {
				const msgpack_object *k = &r->rec->via.map.ptr[i].key;
				if (k->type == MSGPACK_OBJECT_STR && !(k->via.str.size && k->via.str.ptr[0] == '_'))
					near_try(&nr, k->via.str.ptr, k->via.str.size);
			}
			return err_set(r->e, XIT_CONFIG, "record %" PRIu64 ": %s: column \"%.*s\" is not in the record (%s)%s%.*s%s",
				r->recno, s->where, (int)s->col_len, s->col, m->name, nr.best ? "; did you mean \"" : "",
				nr.best ? (int)nr.bn : 0, nr.best ? nr.best : "", nr.best ? "\"?" : "");
		}
		*out = *v;
		return V_SET;
	}
	case SRC_JQ: {
		if (!m->row_ok) {
			if (map_jq_row_set(&m->row, r->rec) < 0)
				return nomem(r);
			m->row_ok = 1;
		}
		int k = map_jq_run(s->jq, m->row.obj, r->z, out, &m->why);
		if (k == -2)
			return nomem(r);
		if (k < 0) {
			r->bad++;
			return rej_add(r->rej, s->where, k == -3 ? "jq-limit" : "jq", "%s",
				m->why.p ? m->why.p : "jq failed") < 0 ? nomem(r) : V_BAD;
		}
		return V_SET;
	}
	default:
		*out = rec_nil();
		return V_SET;
	}
}

/* converts v for s: V_SET, V_BAD, V_ERR */
static int
convert(struct run *r, struct map_src *s, enum map_type t, const char *field,
	const msgpack_object *v, msgpack_object *out)
{
	struct map *m = r->m;
	int k = map_conv(t, v, r->z, out, &m->why);
	if (k == 0)
		return V_SET;
	if (k == -2)
		return nomem(r);
	r->bad++;
	if (s->kind == SRC_COLUMN)
		k = rej_add(r->rej, field, "type", "column \"%.*s\": %s", (int)s->col_len, s->col, m->why.p);
	else
		k = rej_add(r->rej, field, "type", "%s: %s", s->kind == SRC_JQ ? "jq result" : "value", m->why.p);
	return k < 0 ? nomem(r) : V_BAD;
}

/* the converted value of s: V_SET (*out), V_NONE (null, to be left out), V_BAD, V_ERR.
 * A null is V_SET with a nil when keep_null is set. */
/* the value has the type already: no conversion (the common case, kept short) */
static inline int
fits(enum map_type t, const msgpack_object *v)
{
	switch (v->type) {
	case MSGPACK_OBJECT_STR: return t == MT_STRING || t == MT_AUTO;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return t == MT_NUMBER || t == MT_AUTO || (t == MT_INTEGER && v->via.u64 <= INT64_MAX);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return t == MT_NUMBER || t == MT_INTEGER || t == MT_AUTO;
	/* decimals: a plain one is in range; any other goes through map_conv, which checks its
	 * range (1e400) */
	case MSGPACK_OBJECT_EXT:
		return (t == MT_NUMBER || t == MT_AUTO) && v->via.ext.type == REC_EXT_DECIMAL &&
		    map_plain_decimal(v->via.ext.ptr, v->via.ext.size);
	case MSGPACK_OBJECT_BOOLEAN: return t == MT_BOOLEAN || t == MT_AUTO;
	default: return 0;
	}
}

/* value() past its common case: c is the column's value when it was found (NULL for other
 * sources, or a column not in the record: raw() names it) */
static int __attribute__((noinline))
value_slow(struct run *r, struct map_src *s, int keep_null, msgpack_object *out,
	const msgpack_object *c)
{
	msgpack_object v;
	if (c) { /* found once: raw() would look it up again */
		v = *c;
	} else {
		int k = raw(r, s, &v);
		if (k != V_SET)
			return k;
	}
	if (v.type == MSGPACK_OBJECT_NIL) {
		*out = v;
		return keep_null ? V_SET : V_NONE;
	}
	if (s->kind == SRC_CONST) {
		*out = v;
		return V_SET;
	}
	return convert(r, s, s->type, s->where, &v, out);
}

/* the value of s: a column found where it was in the last record, already of its type, is
 * the common case, inline */
static inline int
value(struct run *r, struct map_src *s, int keep_null, msgpack_object *out)
{
	const msgpack_object *c = s->kind == SRC_COLUMN ? col_get(r->rec, s) : NULL;
	if (c && fits(s->type, c)) {
		*out = *c;
		return V_SET;
	}
	return value_slow(r, s, keep_null, out, c);
}

static int
mapb_has(const struct rec_mapb *b, const char *k, size_t n)
{
	for (uint32_t i = 0; i < b->n; i++)
		if (b->kv[i].key.via.str.size == n && memcmp(b->kv[i].key.via.str.ptr, k, n) == 0)
			return 1;
	return 0;
}

static int
mapb_prealloc(struct rec_mapb *b, msgpack_zone *z, uint32_t cap)
{
	rec_mapb_init(b, z);
	if (cap == 0)
		return 0;
	b->kv = msgpack_zone_malloc(z, cap * sizeof *b->kv);
	if (!b->kv)
		return -1;
	b->cap = cap;
	return 0;
}

static inline int
put(struct run *r, struct rec_mapb *b, msgpack_object key, msgpack_object val)
{
	if (b->n < b->cap) { /* room already made (mapb_prealloc) */
		b->kv[b->n].key = key;
		b->kv[b->n].val = val;
		b->n++;
		return 0;
	}
	return rec_mapb_putk(b, key, val) < 0 ? nomem(r) : 0;
}

static int
fill_group(struct run *r, struct map_group *g, struct rec_mapb *b, int keep_null)
{
	for (uint32_t i = 0; i < g->n; i++) {
		msgpack_object v;
		int k = value(r, &g->f[i].src, keep_null, &v);
		if (k == V_ERR)
			return -1;
		if (k == V_SET && put(r, b, g->f[i].key, v) < 0)
			return -1;
	}
	return 0;
}

/* spreads the object held by s into defaults (event parameters, when given) and custom.
 * Explicit fields win over spread ones. */
static int
spread(struct run *r, struct map_src *s, struct rec_mapb *defaults, struct rec_mapb *custom,
	int depth)
{
	struct map *m = r->m;
	msgpack_object v;
	int k = raw(r, s, &v);
	if (k != V_SET)
		return k == V_ERR ? -1 : 0;
	if (v.type == MSGPACK_OBJECT_NIL)
		return 0;
	if (v.type == MSGPACK_OBJECT_STR) { /* JSON text of an object */
		const char *p = v.via.str.ptr;
		size_t n = v.via.str.size, i = 0;
		struct err e2 = ERR_INIT;
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
			i++;
		if (i == n || p[i] != '{' || rec_json_parse(p, n, r->z, &v, &e2) < 0) {
			if (e2.status == XIT_TEMPFAIL)
				return nomem(r);
			r->bad++;
			k = s->kind == SRC_COLUMN
				? rej_add(r->rej, s->where, "type", "column \"%.*s\": a string that is not a JSON object%s%s",
					(int)s->col_len, s->col, e2.msg[0] ? ": " : "", e2.msg)
				: rej_add(r->rej, s->where, "type", "jq result: a string that is not a JSON object");
			return k < 0 ? nomem(r) : 0;
		}
	}
	if (v.type != MSGPACK_OBJECT_MAP) {
		r->bad++;
		k = s->kind == SRC_COLUMN
			? rej_add(r->rej, s->where, "type", "column \"%.*s\": not an object (MAP, STRUCT or JSON object text)",
				(int)s->col_len, s->col)
			: rej_add(r->rej, s->where, "type", "jq result: not an object");
		return k < 0 ? nomem(r) : 0;
	}
	for (uint32_t i = 0; i < v.via.map.size; i++) {
		const msgpack_object_kv *kv = &v.via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size == 0)
			continue; /* not a name: cannot be an Insider key */
		const char *kn = kv->key.via.str.ptr;
		size_t kl = kv->key.via.str.size;
		if (defaults && depth == 0 && kl == 6 && memcmp(kn, "custom", 6) == 0 &&
		    kv->val.type == MSGPACK_OBJECT_MAP) {
			struct map_src sub = *s;
			/* a nested "custom" object: its keys are custom parameters */
			for (uint32_t j = 0; j < kv->val.via.map.size; j++) {
				const msgpack_object_kv *c = &kv->val.via.map.ptr[j];
				if (c->key.type != MSGPACK_OBJECT_STR || c->key.via.str.size == 0 ||
				    mapb_has(custom, c->key.via.str.ptr, c->key.via.str.size))
					continue;
				msgpack_object out;
				if (c->val.type == MSGPACK_OBJECT_NIL) {
					if (!m->skip_nulls && put(r, custom, c->key, c->val) < 0)
						return -1;
					continue;
				}
				buf_reset(&r->field);
				if (buf_printf(&r->field, "%s.custom.%.*s", s->where, (int)c->key.via.str.size,
					    c->key.via.str.ptr) < 0)
					return nomem(r);
				k = convert(r, &sub, MT_AUTO, r->field.p, &c->val, &out);
				if (k == V_ERR)
					return -1;
				if (k == V_SET && put(r, custom, c->key, out) < 0)
					return -1;
			}
			continue;
		}
		int t = defaults ? map_param_type(kn, kl) : -1;
		struct rec_mapb *into = t >= 0 ? defaults : custom;
		if (mapb_has(into, kn, kl))
			continue;
		msgpack_object out;
		if (kv->val.type == MSGPACK_OBJECT_NIL) {
			if (!m->skip_nulls && put(r, into, kv->key, kv->val) < 0)
				return -1;
			continue;
		}
		buf_reset(&r->field);
		if (buf_printf(&r->field, "%s.%.*s", s->where, (int)kl, kn) < 0)
			return nomem(r);
		k = convert(r, s, t >= 0 ? (enum map_type)t : MT_AUTO, r->field.p, &kv->val, &out);
		if (k == V_ERR)
			return -1;
		if (k == V_SET && put(r, into, kv->key, out) < 0)
			return -1;
	}
	return 0;
}

static const char *
change_type_problem(const msgpack_object *ct)
{
	if (!ct || ct->type == MSGPACK_OBJECT_NIL)
		return NULL;
	if (rec_str_eq(ct, "insert") || rec_str_eq(ct, "update_postimage"))
		return NULL;
	if (rec_str_eq(ct, "delete"))
		return "a delete row is not mapped: deletes are not propagated to Insider";
	if (rec_str_eq(ct, "update_preimage"))
		return "an update_preimage row holds the values before an update: only the postimage is mapped";
	return "not a change type of Delta's Change Data Feed (insert, update_postimage, update_preimage, delete)";
}

static int
build_event(struct run *r, struct map_event *ev, struct rec_arrb *events)
{
	struct map *m = r->m;
	msgpack_object name, ts;
	int k = value(r, &ev->name, 0, &name);
	if (k == V_ERR)
		return -1;
	if (k == V_NONE)
		return 0; /* no event name: this row has no event */
	int kt = value(r, &ev->ts, 0, &ts);
	if (kt == V_ERR)
		return -1;
	if (kt == V_NONE) {
		r->bad++;
		if (ev->ts.kind == SRC_COLUMN)
			k = rej_add(r->rej, ev->ts.where, "required", "column \"%.*s\" is null: an event needs a timestamp",
				(int)ev->ts.col_len, ev->ts.col);
		else
			k = rej_add(r->rej, ev->ts.where, "required", "null: an event needs a timestamp");
		if (k < 0)
			return nomem(r);
	}
	struct rec_mapb params, custom, e;
	if (mapb_prealloc(&params, r->z, ev->params.n + 1 + (ev->params.spread.kind ? 16 : 0)) < 0 ||
	    mapb_prealloc(&custom, r->z, ev->custom.n + (ev->custom.spread.kind || ev->params.spread.kind ? 16 : 0)) < 0)
		return nomem(r);
	if (fill_group(r, &ev->params, &params, !m->skip_nulls) < 0 ||
	    fill_group(r, &ev->custom, &custom, !m->skip_nulls) < 0)
		return -1;
	if (ev->params.spread.kind && spread(r, &ev->params.spread, &params, &custom, 0) < 0)
		return -1;
	if (ev->custom.spread.kind && spread(r, &ev->custom.spread, NULL, &custom, 1) < 0)
		return -1;
	if (k != V_SET || kt != V_SET)
		return 0;
	if (custom.n && put(r, &params, rec_strref("custom", 6), rec_mapb_done(&custom)) < 0)
		return -1;
	if (mapb_prealloc(&e, r->z, 3) < 0)
		return nomem(r);
	if (put(r, &e, rec_strref("event_name", 10), name) < 0 ||
	    put(r, &e, rec_strref("timestamp", 9), ts) < 0)
		return -1;
	if (params.n && put(r, &e, rec_strref("event_params", 12), rec_mapb_done(&params)) < 0)
		return -1;
	if (rec_arrb_push(events, rec_mapb_done(&e)) < 0)
		return nomem(r);
	return 0;
}

/* --deletes profile|attributes: a delete row becomes its identifiers, its metadata and
 * _delete (and _clear: every mapped attribute, for attributes) (map_step.h) */
static int
step_delete(struct run *r, struct rec_mapb *ids, struct rec_mapb *idc, int k_iid,
	const msgpack_object *iid, msgpack_object *out)
{
	struct map *m = r->m;
	if (ids->n == 0 && idc->n == 0 && k_iid != V_SET) {
		r->bad++;
		return rej_add(r->rej, "identifiers", "identifiers",
			"a delete row whose identifiers are all null: nothing says whose profile to delete") < 0 ? nomem(r) : 0;
	}
	struct rec_arrb clear;
	rec_arrb_init(&clear, r->z);
	int attrs = m->deletes == MAP_DELETES_ATTRIBUTES;
	if (attrs && (map_step_all(&m->attrs, 0, &m->ids, &clear, r->z) < 0
	    || map_step_all(&m->attrs_custom, 1, NULL, &clear, r->z) < 0))
		return nomem(r);
	if (idc->n && put(r, ids, rec_strref("custom", 6), rec_mapb_done(idc)) < 0)
		return -1;
	struct rec_mapb user;
	if (mapb_prealloc(&user, r->z, 4 + r->rec->via.map.size) < 0)
		return nomem(r);
	if (ids->n && put(r, &user, rec_strref("identifiers", 11), rec_mapb_done(ids)) < 0)
		return -1;
	if (k_iid == V_SET && put(r, &user, rec_strref("insider_id", 10), *iid) < 0)
		return -1;
	if (rec_copy_meta(&user, r->rec) < 0)
		return nomem(r);
	if (put(r, &user, rec_strref("_delete", 7), attrs ? rec_strref("attributes", 10)
		: rec_strref("profile", 7)) < 0)
		return -1;
	if (clear.n && put(r, &user, rec_strref("_clear", 6), rec_arrb_done(&clear)) < 0)
		return -1;
	*out = rec_mapb_done(&user);
	return 1;
}

static int
record(struct run *r, msgpack_object *out)
{
	struct map *m = r->m;
	const msgpack_object *rec = r->rec;
	struct rec_mapb ids, idc, attrs, attc, user;
	struct rec_arrb events;
	msgpack_object insider_id;
	int k_iid = V_NONE;

	if (rec->type != MSGPACK_OBJECT_MAP) {
		r->bad++;
		return rej_add(r->rej, "", "record", "not an object") < 0 ? nomem(r) : 0;
	}
	const msgpack_object *ctv = col_get(rec, &m->change_type);
	int is_delete = m->deletes && ctv && rec_str_eq(ctv, "delete"); /* --deletes */
	const char *why = is_delete ? NULL : change_type_problem(ctv);
	if (why) {
		r->bad++;
		return rej_add(r->rej, "_change_type", "change_type", "%s", why) < 0 ? nomem(r) : 0;
	}
	if (mapb_prealloc(&ids, r->z, m->ids.n + 1) < 0 || mapb_prealloc(&idc, r->z, m->ids_custom.n) < 0 ||
	    mapb_prealloc(&attrs, r->z, m->attrs.n + 1) < 0 ||
	    mapb_prealloc(&attc, r->z, m->attrs_custom.n + (m->attrs_custom.spread.kind ? 16 : 0)) < 0)
		return nomem(r);
	rec_arrb_init(&events, r->z);

	if (fill_group(r, &m->ids, &ids, 0) < 0 || fill_group(r, &m->ids_custom, &idc, 0) < 0)
		return -1;
	if (m->insider_id.kind && (k_iid = value(r, &m->insider_id, 0, &insider_id)) == V_ERR)
		return -1;
	if (is_delete)
		return r->bad ? 0 : step_delete(r, &ids, &idc, k_iid, &insider_id, out);
	if (fill_group(r, &m->attrs, &attrs, !m->skip_nulls) < 0 ||
	    fill_group(r, &m->attrs_custom, &attc, !m->skip_nulls) < 0)
		return -1;
	if (m->attrs_custom.spread.kind && spread(r, &m->attrs_custom.spread, NULL, &attc, 1) < 0)
		return -1;
	for (uint32_t i = 0; i < m->nev; i++)
		if (build_event(r, &m->ev[i], &events) < 0)
			return -1;
	if (r->bad)
		return 0;
	struct rec_arrb clear; /* --nulls clear: the attributes to clear (map_step.h) */
	rec_arrb_init(&clear, r->z);
	if (m->nulls_clear && ctv && rec_str_eq(ctv, "update_postimage")) {
		if (map_step_nulls(&m->attrs, &attrs, 0, &clear, r->z) < 0
		    || map_step_nulls(&m->attrs_custom, &attc, 1, &clear, r->z) < 0)
			return nomem(r);
		const msgpack_object *idn = map_step_clears_identifier(&clear, &m->ids);
		if (idn) {
			r->bad++;
			return rej_add(r->rej, "_clear", "clear-identifier",
				"attribute %.*s is null but is also an identifier of the user: Insider never clears an identifier through its attribute API (change it with the identity API, or map it as an identifier only)",
				(int)idn->via.str.size, idn->via.str.ptr) < 0 ? nomem(r) : 0;
		}
	}
	if (idc.n && put(r, &ids, rec_strref("custom", 6), rec_mapb_done(&idc)) < 0)
		return -1;
	if (attc.n && put(r, &attrs, rec_strref("custom", 6), rec_mapb_done(&attc)) < 0)
		return -1;
	if (ids.n == 0 && k_iid != V_SET) {
		r->bad++;
		return rej_add(r->rej, "identifiers", "identifiers",
			"every identifier is null: Insider needs at least one (identifiers or insider_id)") < 0 ? nomem(r) : 0;
	}
	if (attrs.n == 0 && events.n == 0 && clear.n == 0) {
		r->bad++;
		return rej_add(r->rej, "attributes", "empty",
			"nothing to send: every attribute is null and the row has no event") < 0 ? nomem(r) : 0;
	}
	/* room for the user object's fields and every key of the row (metadata is a part) */
	if (mapb_prealloc(&user, r->z, 7 + rec->via.map.size) < 0)
		return nomem(r);
	if (ids.n && put(r, &user, rec_strref("identifiers", 11), rec_mapb_done(&ids)) < 0)
		return -1;
	if (k_iid == V_SET && put(r, &user, rec_strref("insider_id", 10), insider_id) < 0)
		return -1;
	if (attrs.n && put(r, &user, rec_strref("attributes", 10), rec_mapb_done(&attrs)) < 0)
		return -1;
	if (events.n && put(r, &user, rec_strref("events", 6), rec_arrb_done(&events)) < 0)
		return -1;
	if (m->not_append && put(r, &user, rec_strref("not_append", 10), rec_bool(1)) < 0)
		return -1;
	for (uint32_t i = 0; i < rec->via.map.size; i++) {
		const msgpack_object_kv *kv = &rec->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size == 0 || kv->key.via.str.ptr[0] != '_' ||
		    (m->skip_hook && rec_str_eq(&kv->key, "_insider")))
			continue; /* not metadata (rec_is_meta_key, inline: this runs for every column) */
		if (put(r, &user, kv->key, kv->val) < 0)
			return -1;
	}
	if (clear.n && put(r, &user, rec_strref("_clear", 6), rec_arrb_done(&clear)) < 0)
		return -1;
	if (m->skip_hook) {
		struct rec_mapb ins;
		if (mapb_prealloc(&ins, r->z, 1) < 0)
			return nomem(r);
		if (put(r, &ins, rec_strref("skip_hook", 9), rec_bool(1)) < 0 ||
		    put(r, &user, rec_strref("_insider", 8), rec_mapb_done(&ins)) < 0)
			return -1;
	}
	*out = rec_mapb_done(&user);
	return 1;
}

int
map_record(struct map *m, const msgpack_object *rec, uint64_t recno, msgpack_zone *z,
	struct rej *rej, msgpack_object *out, struct err *e)
{
	struct run r = {m, rec, recno, z, rej, e, 0, BUF_INIT};
	int k = record(&r, out);
	m->row_ok = 0;
	buf_free(&r.field);
	if (k < 0)
		return -1;
	return r.bad ? 0 : k;
}

/* ---- the schema line ---- */

static const msgpack_object *
schema_col(const msgpack_object *cols, const char *name, size_t n)
{
	for (uint32_t i = 0; i < cols->via.array.size; i++) {
		const msgpack_object *c = &cols->via.array.ptr[i];
		const msgpack_object *cn = c->type == MSGPACK_OBJECT_MAP ? rec_get(c, "name") : NULL;
		if (cn && cn->type == MSGPACK_OBJECT_STR && cn->via.str.size == n && ci_eq(cn->via.str.ptr, name, n))
			return c;
	}
	return NULL;
}

static int
type_is(const msgpack_object *t, const char *w)
{
	size_t n = strlen(w);
	if (!t || t->type != MSGPACK_OBJECT_STR || t->via.str.size < n || !ci_eq(t->via.str.ptr, w, n))
		return 0;
	return t->via.str.size == n || t->via.str.ptr[n] == '(' || t->via.str.ptr[n] == '_';
}

/* the Insider type an `auto` field takes from its column's SQL type (docs/mapping.md) */
static enum map_type
schema_type(const msgpack_object *t)
{
	static const char *const num[] = {"TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "LONG",
		"SHORT", "BYTE", "FLOAT", "DOUBLE", "REAL", "DECIMAL", "DEC", "NUMERIC", NULL};
	if (type_is(t, "DATE") || type_is(t, "TIMESTAMP"))
		return MT_DATETIME;
	if (type_is(t, "BOOLEAN"))
		return MT_BOOLEAN;
	for (int i = 0; num[i]; i++)
		if (type_is(t, num[i]))
			return MT_NUMBER;
	if (t && t->type == MSGPACK_OBJECT_STR && t->via.str.size > 7 && ci_eq(t->via.str.ptr, "ARRAY<", 6)) {
		msgpack_object el = rec_strref(t->via.str.ptr + 6, t->via.str.size - 7);
		if (type_is(&el, "STRING") || type_is(&el, "VARCHAR") || type_is(&el, "CHAR"))
			return MT_STRINGS;
		for (int i = 0; num[i]; i++)
			if (type_is(&el, num[i]))
				return MT_NUMBERS;
	}
	return MT_AUTO;
}

int
map_set_schema(struct map *m, const msgpack_object *schema, struct err *e)
{
	const msgpack_object *cols = schema && schema->type == MSGPACK_OBJECT_MAP ? rec_get(schema, "columns") : NULL;
	const msgpack_object *table = schema && schema->type == MSGPACK_OBJECT_MAP ? rec_get(schema, "table") : NULL;
	if (!cols || cols->type != MSGPACK_OBJECT_ARRAY)
		return err_set(e, XIT_DATAERR, "_schema: expected {\"table\": ..., \"columns\": [{\"name\": ..., \"type\": ...}]}");
	for (uint32_t i = 0; i < m->nall; i++) {
		struct map_src *s = m->all[i];
		if (s->kind != SRC_COLUMN || (s->col_len && s->col[0] == '_'))
			continue;
		const msgpack_object *c = schema_col(cols, s->col, s->col_len);
		if (!c) {
			struct near nr;
			near_init(&nr, s->col, s->col_len);
			for (uint32_t j = 0; j < cols->via.array.size; j++) {
				const msgpack_object *it = &cols->via.array.ptr[j];
				const msgpack_object *cn = it->type == MSGPACK_OBJECT_MAP ? rec_get(it, "name") : NULL;
				if (cn && cn->type == MSGPACK_OBJECT_STR)
					near_try(&nr, cn->via.str.ptr, cn->via.str.size);
			}
			int istab = table && table->type == MSGPACK_OBJECT_STR;
			return err_set(e, XIT_CONFIG, "%s: %s: column \"%.*s\" is not a column of %.*s%s%.*s%s",
				m->name, s->where, (int)s->col_len, s->col,
				istab ? (int)table->via.str.size : 9, istab ? table->via.str.ptr : "the table",
				nr.best ? "; did you mean \"" : "", nr.best ? (int)nr.bn : 0, nr.best ? nr.best : "",
				nr.best ? "\"?" : "");
		}
		const msgpack_object *t = rec_get(c, "type");
		if (s->type == MT_AUTO && !s->forced)
			s->type = schema_type(t);
	}
	return 0;
}

/* ---- the filter ---- */

int
map_run(struct map *m, int in_fd, int out_fd, enum rec_form form, const char *rejects,
	uint64_t *mapped, uint64_t *rejected, struct err *e)
{
	struct rec_reader *rd = rec_reader_new(in_fd, 0);
	struct rec_writer *wr = rec_writer_new(out_fd, form);
	msgpack_zone *z = msgpack_zone_new(1 << 16);
	struct rej *rej = NULL;
	int rc = -1;
	if (!rd || !wr || !z) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		goto out;
	}
	if (!(rej = rej_open(rejects, "row-map", e)))
		goto out;
	rec_reader_rejects(rd, rej); /* a record too large to pass: rejected there, 2 */
	for (;;) {
		msgpack_object rec, user;
		int k = rec_read(rd, &rec, e);
		if (k < 0)
			goto out;
		if (k == 0)
			break;
		if (k == 2)
			continue;
		uint64_t recno = rec_reader_count(rd);
		/* a schema line: the single key _schema (checked without a scan: this runs per record) */
		const msgpack_object *schema = rec.type == MSGPACK_OBJECT_MAP && rec.via.map.size == 1 &&
				rec_str_eq(&rec.via.map.ptr[0].key, "_schema") ? &rec.via.map.ptr[0].val : NULL;
		if (schema) {
			if (map_set_schema(m, schema, e) < 0) {
				if (e->status == XIT_DATAERR) {
					char msg[sizeof e->msg];
					memcpy(msg, e->msg, sizeof msg);
					err_set(e, XIT_DATAERR, "record %" PRIu64 ": %s", recno, msg);
				}
				goto out;
			}
			continue;
		}
		msgpack_zone_clear(z);
		k = map_record(m, &rec, recno, z, rej, &user, e);
		if (k < 0)
			goto out;
		if (k == 0) {
			if (rej_commit(rej, recno, &rec, e) < 0)
				goto out;
			continue;
		}
		/* a mapped record the next stage would refuse: rejected here (record-too-large) */
		if (rec_write_or_reject(wr, rej, recno, &user, e) < 0)
			goto out;
	}
	rc = 0;
out:
	if (mapped)
		*mapped = wr ? rec_writer_count(wr) : 0;
	if (rejected)
		*rejected = rej ? rej_count(rej) : 0;
	{
		struct err e2 = ERR_INIT;
		if (rec_writer_close(wr, rc == 0 ? e : &e2) < 0)
			rc = -1;
		if (rej_close(rej, rc == 0 ? e : &e2) < 0)
			rc = -1;
	}
	rec_reader_free(rd);
	if (z)
		msgpack_zone_free(z);
	return rc;
}
