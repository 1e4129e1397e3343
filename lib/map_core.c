/* map_core.c: reading and checking a mapping file (see map_core.h, docs/mapping.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "map_int.h"

/* ---- Insider's default names and their types (reference sections 1.3, 1.4, 1.6) ---- */

struct name_type {
	const char *name;
	enum map_type type;
};

static const struct name_type attr_types[] = {
	{"email", MT_STRING}, {"phone_number", MT_STRING}, {"uuid", MT_STRING},
	{"email_optin", MT_BOOLEAN}, {"gdpr_optin", MT_BOOLEAN}, {"sms_optin", MT_BOOLEAN},
	{"whatsapp_optin", MT_BOOLEAN}, {"name", MT_STRING}, {"surname", MT_STRING},
	{"birthday", MT_DATE}, {"gender", MT_STRING}, {"age", MT_NUMBER}, {"language", MT_STRING},
	{"country", MT_STRING}, {"city", MT_STRING}, {"static_segment_id", MT_NUMBERS},
	{"list_id", MT_NUMBERS}, {"lo", MT_STRING}, {NULL, MT_AUTO},
};

static const struct name_type param_types[] = {
	{"event_group_id", MT_STRING}, {"product_id", MT_STRING}, {"name", MT_STRING},
	{"taxonomy", MT_STRINGS}, {"url", MT_STRING}, {"currency", MT_STRING},
	{"quantity", MT_INTEGER}, {"unit_price", MT_NUMBER}, {"unit_sale_price", MT_NUMBER},
	{"locale", MT_STRING}, {"color", MT_STRING}, {"size", MT_STRING},
	{"shipping_cost", MT_STRING}, {"promotion_name", MT_STRING},
	{"promotion_discount", MT_NUMBER}, {"product_image_url", MT_STRING}, {"stock", MT_NUMBER},
	{"session_id", MT_STRING}, {NULL, MT_AUTO},
};

static int
lookup(const struct name_type *t, const char *s, size_t n)
{
	for (; t->name; t++)
		if (strlen(t->name) == n && memcmp(t->name, s, n) == 0)
			return (int)t->type;
	return -1;
}

int
map_attr_type(const char *s, size_t n)
{
	return lookup(attr_types, s, n);
}

int
map_param_type(const char *s, size_t n)
{
	return lookup(param_types, s, n);
}

/* ---- parser context ---- */

struct pctx {
	struct map *m;
	struct err *e;
	struct buf path;
	int flags;
};

static int
perr(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
perr(struct pctx *c, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->path.len)
		return err_set(c->e, XIT_CONFIG, "%s: %s: %s", c->m->name, c->path.p, msg);
	return err_set(c->e, XIT_CONFIG, "%s: %s", c->m->name, msg);
}

static int
nomem(struct pctx *c)
{
	return err_set(c->e, XIT_TEMPFAIL, "%s: out of memory", c->m->name);
}

/* appends ".key" (or "[i]" when key is NULL) to the path; returns the old length */
static size_t
push(struct pctx *c, const char *key, size_t n, long idx)
{
	size_t old = c->path.len;
	int r;
	if (key)
		r = (c->path.len ? buf_addc(&c->path, '.') : 0) | buf_add(&c->path, key, n);
	else
		r = buf_printf(&c->path, "[%ld]", idx);
	if (r < 0)
		c->path.len = old; /* a shorter path in a message is all that ENOMEM costs here */
	if (c->path.p)
		c->path.p[c->path.len] = 0;
	return old;
}

static void
pop(struct pctx *c, size_t old)
{
	c->path.len = old;
	if (c->path.p)
		c->path.p[old] = 0;
}

static int
is_key(const msgpack_object *k, const char *s)
{
	return rec_str_eq(k, s);
}

static int
is_comment(const msgpack_object *k)
{
	return is_key(k, "$comment");
}

/* every map of the mapping: string keys, none twice */
static int
check_map(struct pctx *c, const msgpack_object *o, const char *what)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return perr(c, "expected %s", what);
	const msgpack_object_kv *kv = o->via.map.ptr;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		if (kv[i].key.type != MSGPACK_OBJECT_STR)
			return perr(c, "a key that is not a string");
		if (kv[i].key.via.str.size == 0) {
			return perr(c, "an empty key");
		}
		for (uint32_t j = 0; j < i; j++)
			if (kv[j].key.via.str.size == kv[i].key.via.str.size &&
			    memcmp(kv[j].key.via.str.ptr, kv[i].key.via.str.ptr, kv[i].key.via.str.size) == 0) {
				size_t old = push(c, kv[i].key.via.str.ptr, kv[i].key.via.str.size, 0);
				perr(c, "the key appears twice");
				pop(c, old);
				return -1;
			}
	}
	return 0;
}

static int
remember(struct pctx *c, struct map_src *s)
{
	struct map *m = c->m;
	if (!(s->where = strdup(c->path.p ? c->path.p : "")))
		return nomem(c);
	if (m->nall == m->capall) {
		uint32_t cap = m->capall ? m->capall * 2 : 32;
		struct map_src **p = realloc(m->all, cap * sizeof *p);
		if (!p)
			return nomem(c);
		m->all = p, m->capall = cap;
	}
	m->all[m->nall++] = s;
	return 0;
}

/* ---- values: "column" | {"column": C, "type": T} | {"jq": E} | {"value": V} ---- */

#define VALUE_FORMS "expected a column name (a string) or an object with \"column\", \"jq\" or \"value\""

static int
parse_src(struct pctx *c, const msgpack_object *o, enum map_type deflt, struct map_src *s)
{
	memset(s, 0, sizeof *s);
	s->type = deflt;
	if (o->type == MSGPACK_OBJECT_STR) {
		if (o->via.str.size == 0)
			return perr(c, "an empty column name");
		s->kind = SRC_COLUMN;
		s->col = o->via.str.ptr, s->col_len = o->via.str.size;
		return remember(c, s);
	}
	if (o->type != MSGPACK_OBJECT_MAP)
		return perr(c, VALUE_FORMS);
	if (check_map(c, o, "an object") < 0)
		return -1;
	const msgpack_object *col = NULL, *jq = NULL, *val = NULL, *type = NULL, *decl = NULL;
	const msgpack_object_kv *kv = o->via.map.ptr;
	int forms = 0;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &kv[i].key;
		if (is_key(k, "column"))
			col = &kv[i].val, forms++;
		else if (is_key(k, "jq"))
			jq = &kv[i].val, forms++;
		else if (is_key(k, "value"))
			val = &kv[i].val, forms++;
		else if (is_key(k, "type"))
			type = &kv[i].val;
		else if (is_key(k, "columns")) /* the columns a jq program reads (#11.5) */
			decl = &kv[i].val;
		else if (!is_comment(k)) {
			size_t old = push(c, k->via.str.ptr, k->via.str.size, 0);
			perr(c, "unknown key (expected \"column\", \"jq\", \"value\" or \"type\")");
			pop(c, old);
			return -1;
		}
	}
	if (forms != 1)
		return perr(c, forms ? "give only one of \"column\", \"jq\" and \"value\"" : VALUE_FORMS);
	if (decl && !jq)
		return perr(c, "\"columns\" goes only with \"jq\"");
	if (decl) {
		int good = decl->type == MSGPACK_OBJECT_ARRAY;
		for (uint32_t i = 0; good && i < decl->via.array.size; i++)
			good = decl->via.array.ptr[i].type == MSGPACK_OBJECT_STR &&
			       decl->via.array.ptr[i].via.str.size > 0;
		if (!good) {
			size_t old = push(c, "columns", 7, 0);
			perr(c, "expected a list of column names (non-empty strings)");
			pop(c, old);
			return -1;
		}
		s->decl = decl;
	}
	if (type) {
		int t = type->type == MSGPACK_OBJECT_STR ? map_type_parse(type->via.str.ptr, type->via.str.size) : -1;
		if (t < 0) {
			size_t old = push(c, "type", 4, 0);
			perr(c, "unknown type (expected auto, string, number, integer, boolean, datetime, date, strings or numbers)");
			pop(c, old);
			return -1;
		}
		s->type = (enum map_type)t, s->forced = 1;
	}
	if (col) {
		if (col->type != MSGPACK_OBJECT_STR || col->via.str.size == 0) {
			size_t old = push(c, "column", 6, 0);
			perr(c, "expected a column name (a non-empty string)");
			pop(c, old);
			return -1;
		}
		s->kind = SRC_COLUMN;
		s->col = col->via.str.ptr, s->col_len = col->via.str.size;
		return remember(c, s);
	}
	if (jq) {
		if (jq->type != MSGPACK_OBJECT_STR || jq->via.str.size == 0 ||
		    memchr(jq->via.str.ptr, 0, jq->via.str.size)) {
			size_t old = push(c, "jq", 2, 0);
			perr(c, "expected a jq program (a non-empty string)");
			pop(c, old);
			return -1;
		}
		s->kind = SRC_JQ;
		s->jq_text = jq;
		c->m->has_jq = 1;
		if (!(c->flags & MAP_F_NOJQ)) {
			char *prog = strndup(jq->via.str.ptr, jq->via.str.size);
			if (!prog)
				return nomem(c);
			s->jq = map_jq_compile(prog, &c->m->why);
			/* the row jq sees holds only the columns the programs read, when that is clear */
			if (s->jq && map_jq_fields(prog, strlen(prog), &c->m->row.want, &c->m->row.nwant) < 0)
				c->m->row.all = 1, s->jq_unclear = 1;
			free(prog);
			if (!s->jq) {
				if (c->m->why.len == 0)
					return nomem(c);
				return perr(c, "jq: %s", c->m->why.p);
			}
		}
		return remember(c, s);
	}
	/* a constant: converted now, so that a bad one is a mapping error */
	s->kind = SRC_CONST;
	if (val->type == MSGPACK_OBJECT_NIL) {
		s->cval = *val;
		return remember(c, s);
	}
	int r = map_conv(s->type, val, c->m->z, &s->cval, &c->m->why);
	if (r == -2)
		return nomem(c);
	if (r < 0)
		return perr(c, "value: %s", c->m->why.p);
	return remember(c, s);
}

/* ---- groups of named fields ---- */

static int
group_alloc(struct pctx *c, struct map_group *g, uint32_t n)
{
	if (n == 0)
		return 0;
	g->f = calloc(n, sizeof *g->f);
	return g->f ? 0 : nomem(c);
}

/* a field whose key names an output key: kinds decides the type (table, or auto) */
static int
add_field(struct pctx *c, struct map_group *g, const msgpack_object *key, const msgpack_object *val,
	enum map_type t)
{
	struct map_field *f = &g->f[g->n];
	size_t old = push(c, key->via.str.ptr, key->via.str.size, 0);
	int r = parse_src(c, val, t, &f->src);
	pop(c, old);
	if (r < 0)
		return -1;
	f->key = *key;
	g->n++;
	return 0;
}

/* "custom": {name: value, ...} into g; or "custom": "column" (an object spread into g) */
static int
parse_custom(struct pctx *c, const msgpack_object *o, struct map_group *g, enum map_type t,
	int spread_ok)
{
	if (spread_ok && o->type == MSGPACK_OBJECT_STR)
		return parse_src(c, o, MT_AUTO, &g->spread);
	if (check_map(c, o, spread_ok ? "an object of custom names, or a column holding an object"
				      : "an object of custom names") < 0)
		return -1;
	if (group_alloc(c, g, o->via.map.size) < 0)
		return -1;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		if (is_comment(&kv->key))
			continue;
		if (add_field(c, g, &kv->key, &kv->val, t) < 0)
			return -1;
	}
	return 0;
}

static int
parse_identifiers(struct pctx *c, const msgpack_object *o)
{
	struct map *m = c->m;
	if (check_map(c, o, "an object (uuid, email, phone_number, custom)") < 0)
		return -1;
	if (group_alloc(c, &m->ids, o->via.map.size) < 0)
		return -1;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		const msgpack_object *k = &kv->key;
		if (is_comment(k))
			continue;
		if (is_key(k, "custom")) {
			size_t old = push(c, "custom", 6, 0);
			int r = parse_custom(c, &kv->val, &m->ids_custom, MT_STRING, 0);
			pop(c, old);
			if (r < 0)
				return -1;
		} else if (is_key(k, "uuid") || is_key(k, "email") || is_key(k, "phone_number")) {
			if (add_field(c, &m->ids, k, &kv->val, MT_STRING) < 0)
				return -1;
		} else {
			size_t old = push(c, k->via.str.ptr, k->via.str.size, 0);
			perr(c, "unknown identifier (expected uuid, email, phone_number or custom)");
			pop(c, old);
			return -1;
		}
	}
	return 0;
}

/* the default names of a group (attributes, event parameters), their types from type_of,
 * and a "custom" object beside them; anything else is an error that names the key */
static int
parse_defaults(struct pctx *c, const msgpack_object *o, struct map_group *g, struct map_group *custom,
    int (*type_of)(const char *, size_t), const char *unknown)
{
	if (group_alloc(c, g, o->via.map.size) < 0)
		return -1;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		const msgpack_object *k = &kv->key;
		int t;
		if (is_comment(k))
			continue;
		if (is_key(k, "custom")) {
			size_t old = push(c, "custom", 6, 0);
			int r = parse_custom(c, &kv->val, custom, MT_AUTO, 1);
			pop(c, old);
			if (r < 0)
				return -1;
		} else if ((t = type_of(k->via.str.ptr, k->via.str.size)) >= 0) {
			if (add_field(c, g, k, &kv->val, (enum map_type)t) < 0)
				return -1;
		} else {
			size_t old = push(c, k->via.str.ptr, k->via.str.size, 0);
			perr(c, "%s", unknown);
			pop(c, old);
			return -1;
		}
	}
	return 0;
}

static int
parse_attributes(struct pctx *c, const msgpack_object *o)
{
	if (check_map(c, o, "an object of attributes") < 0)
		return -1;
	return parse_defaults(c, o, &c->m->attrs, &c->m->attrs_custom, map_attr_type,
	    "not a default attribute of Insider (put custom attributes under attributes.custom)");
}

static int
parse_params(struct pctx *c, const msgpack_object *o, struct map_event *ev)
{
	if (o->type == MSGPACK_OBJECT_STR) /* a column holding all the parameters */
		return parse_src(c, o, MT_AUTO, &ev->params.spread);
	if (check_map(c, o, "an object of event parameters, or a column holding an object") < 0)
		return -1;
	return parse_defaults(c, o, &ev->params, &ev->custom, map_param_type,
	    "not a default event parameter of Insider (put custom parameters under custom)");
}

static int
parse_event(struct pctx *c, const msgpack_object *o, struct map_event *ev)
{
	const msgpack_object *name = NULL, *ts = NULL, *params = NULL;
	if (check_map(c, o, "an object (name, timestamp, params)") < 0)
		return -1;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		const msgpack_object *k = &kv->key;
		if (is_key(k, "name"))
			name = &kv->val;
		else if (is_key(k, "timestamp"))
			ts = &kv->val;
		else if (is_key(k, "params"))
			params = &kv->val;
		else if (!is_comment(k)) {
			size_t old = push(c, k->via.str.ptr, k->via.str.size, 0);
			perr(c, "unknown key (expected name, timestamp or params)");
			pop(c, old);
			return -1;
		}
	}
	size_t old;
	int r;
	old = push(c, "name", 4, 0);
	r = name ? parse_src(c, name, MT_STRING, &ev->name)
		 : perr(c, "missing: an event needs a name (a column, or {\"value\": \"purchase\"})");
	pop(c, old);
	if (r < 0)
		return -1;
	old = push(c, "timestamp", 9, 0);
	r = ts ? parse_src(c, ts, MT_DATETIME, &ev->ts)
	       : perr(c, "missing: an event needs a timestamp (a column, e.g. \"_commit_timestamp\")");
	pop(c, old);
	if (r < 0)
		return -1;
	if (params) {
		old = push(c, "params", 6, 0);
		r = parse_params(c, params, ev);
		pop(c, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int
parse_events(struct pctx *c, const msgpack_object *o)
{
	struct map *m = c->m;
	uint32_t n = o->type == MSGPACK_OBJECT_ARRAY ? o->via.array.size : 1;
	if (o->type != MSGPACK_OBJECT_ARRAY && o->type != MSGPACK_OBJECT_MAP)
		return perr(c, "expected an object (name, timestamp, params) or an array of them");
	if (n == 0)
		return perr(c, "an empty array: map at least one event, or leave \"events\" out");
	if (!(m->ev = calloc(n, sizeof *m->ev)))
		return nomem(c);
	if (o->type == MSGPACK_OBJECT_MAP) {
		m->nev = 1;
		return parse_event(c, o, &m->ev[0]);
	}
	for (uint32_t i = 0; i < n; i++) {
		size_t old = push(c, NULL, 0, (long)i);
		m->nev = i + 1;
		int r = parse_event(c, &o->via.array.ptr[i], &m->ev[i]);
		pop(c, old);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int
parse_flag(struct pctx *c, const msgpack_object *v, int *out)
{
	if (v->type != MSGPACK_OBJECT_BOOLEAN)
		return perr(c, "expected true or false");
	*out = v->via.boolean;
	return 0;
}

static int
parse_root(struct pctx *c, const msgpack_object *root)
{
	struct map *m = c->m;
	int have_attrs = 0;
	if (root->type != MSGPACK_OBJECT_MAP)
		return perr(c, "the mapping must be a JSON object");
	if (check_map(c, root, "an object") < 0)
		return -1;
	for (uint32_t i = 0; i < root->via.map.size; i++) {
		const msgpack_object_kv *kv = &root->via.map.ptr[i];
		const msgpack_object *k = &kv->key;
		size_t old = push(c, k->via.str.ptr, k->via.str.size, 0);
		int r = 0;
		if (is_key(k, "identifiers"))
			r = parse_identifiers(c, &kv->val);
		else if (is_key(k, "insider_id"))
			r = parse_src(c, &kv->val, MT_STRING, &m->insider_id);
		else if (is_key(k, "attributes"))
			r = parse_attributes(c, &kv->val), have_attrs = 1;
		else if (is_key(k, "events"))
			r = parse_events(c, &kv->val);
		else if (is_key(k, "skip_nulls"))
			r = parse_flag(c, &kv->val, &m->skip_nulls);
		else if (is_key(k, "not_append"))
			r = parse_flag(c, &kv->val, &m->not_append);
		else if (is_key(k, "skip_hook"))
			r = parse_flag(c, &kv->val, &m->skip_hook);
		else if (!is_comment(k))
			r = perr(c, "unknown key (expected identifiers, insider_id, attributes, events, skip_nulls, not_append or skip_hook)");
		pop(c, old);
		if (r < 0)
			return -1;
	}
	if (m->ids.n == 0 && m->ids_custom.n == 0 && m->insider_id.kind == SRC_NONE) {
		size_t old = push(c, "identifiers", 11, 0);
		perr(c, "no identifier mapped: Insider needs identifiers (uuid, email, phone_number or custom) or insider_id");
		pop(c, old);
		return -1;
	}
	if (m->attrs.n == 0 && m->attrs_custom.n == 0 && m->attrs_custom.spread.kind == SRC_NONE &&
	    m->nev == 0)
		return perr(c, have_attrs ? "attributes: no attribute mapped, and no events"
					  : "nothing to send: map attributes, events or both");
	return 0;
}

struct map *
map_compile_flags(const char *text, size_t n, const char *name, int flags, struct err *e)
{
	struct map *m = calloc(1, sizeof *m);
	struct pctx c = {m, e, BUF_INIT, flags};
	msgpack_object root;
	if (!m || !(m->name = strdup(name)) || !(m->text = malloc(n + 1)) ||
	    !(m->z = msgpack_zone_new(8192))) {
		err_set(e, XIT_TEMPFAIL, "%s: out of memory", name);
		map_free(m);
		return NULL;
	}
	memcpy(m->text, text, n);
	m->text[n] = 0;
	m->skip_nulls = 1;
	m->change_type.kind = SRC_COLUMN;
	m->change_type.col = "_change_type";
	m->change_type.col_len = 12;
	if (rec_json_parse(m->text, n, m->z, &root, e) < 0) {
		if (e->status == XIT_TEMPFAIL) {
			map_free(m);
			return NULL;
		}
		char msg[sizeof e->msg];
		memcpy(msg, e->msg, sizeof msg);
		/* "byte N: ..." from the parser: say line and column, as editors do */
		char *end;
		unsigned long long off;
		errno = 0;
		if (strncmp(msg, "byte ", 5) == 0 && (off = strtoull(msg + 5, &end, 10), errno == 0) &&
		    end != msg + 5 && *end == ':') {
			unsigned long line = 1, col = 1;
			for (size_t i = 0; i < n && i + 1 < off; i++) { /* off counts from 1 */
				if (m->text[i] == '\n')
					line++, col = 1;
				else if (((unsigned char)m->text[i] & 0xC0) != 0x80)
					col++;
			}
			err_set(e, XIT_CONFIG, "%s: not valid JSON: line %lu, column %lu%s", name, line, col, end);
		} else
			err_set(e, XIT_CONFIG, "%s: not valid JSON: %s", name, msg);
		map_free(m);
		return NULL;
	}
	if (parse_root(&c, &root) < 0) {
		buf_free(&c.path);
		map_free(m);
		return NULL;
	}
	buf_free(&c.path);
	return m;
}

struct map *
map_compile(const char *text, size_t n, const char *name, struct err *e)
{
	return map_compile_flags(text, n, name, 0, e);
}

struct map *
map_load(const char *path, struct err *e)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path, MAP_FILE_MAX, e) < 0) {
		buf_free(&b);
		return NULL;
	}
	struct map *m = map_compile(b.p ? b.p : "", b.len, path, e);
	buf_free(&b);
	return m;
}

static void
src_free(struct map_src *s)
{
	map_jq_free(s->jq);
	free(s->where);
}

static void
group_free(struct map_group *g)
{
	for (uint32_t i = 0; i < g->n; i++)
		src_free(&g->f[i].src);
	free(g->f);
	src_free(&g->spread);
}

void
map_free(struct map *m)
{
	if (!m)
		return;
	group_free(&m->ids);
	group_free(&m->ids_custom);
	group_free(&m->attrs);
	group_free(&m->attrs_custom);
	src_free(&m->insider_id);
	for (uint32_t i = 0; i < m->nev; i++) {
		src_free(&m->ev[i].name);
		src_free(&m->ev[i].ts);
		group_free(&m->ev[i].params);
		group_free(&m->ev[i].custom);
	}
	free(m->ev);
	free(m->all);
	map_jq_row_free(&m->row);
	buf_free(&m->why);
	if (m->z)
		msgpack_zone_free(m->z);
	free(m->text);
	free(m->name);
	free(m);
}

int
map_describe(const struct map *m, struct buf *out)
{
	uint32_t np = 0;
	for (uint32_t i = 0; i < m->nev; i++)
		np += m->ev[i].params.n + m->ev[i].custom.n;
	return buf_printf(out, "%u identifier%s, %u attribute%s, %u event%s (%u parameter%s)%s",
		m->ids.n + m->ids_custom.n + (m->insider_id.kind != SRC_NONE),
		m->ids.n + m->ids_custom.n + (m->insider_id.kind != SRC_NONE) == 1 ? "" : "s",
		m->attrs.n + m->attrs_custom.n, m->attrs.n + m->attrs_custom.n == 1 ? "" : "s",
		m->nev, m->nev == 1 ? "" : "s", np, np == 1 ? "" : "s",
		m->has_jq ? ", with jq" : "");
}
