/* val_schema.c: see val_schema.h. Names live in open-addressing hash tables (FNV-1a). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rec.h"
#include "val_fmt.h"
#include "val_schema.h"

struct ent {
	char *k; /* NULL: free slot */
	size_t kn;
	int type;
	struct val_sevent *ev;
};

struct map {
	struct ent *v;
	size_t cap, n; /* cap a power of two, or 0 */
};

struct val_sevent {
	struct map params;
};

struct val_schema {
	struct map attrs, events;
	size_t nparams;
};

static const char *const type_names[] = { "string", "number", "boolean", "datetime", "strings" };

const char *
val_type_name(int t)
{
	return t >= 0 && t < (int)(sizeof type_names / sizeof *type_names) ? type_names[t] : "?";
}

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603u;
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211u;
	}
	return h;
}

static struct ent *
map_find(const struct map *m, const char *k, size_t kn)
{
	size_t i;
	if (!m->cap)
		return NULL;
	for (i = hash(k, kn) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct ent *e = &m->v[i];
		if (!e->k)
			return NULL;
		if (e->kn == kn && memcmp(e->k, k, kn) == 0)
			return e;
	}
}

/* a new entry for k (copied); NULL on ENOMEM. The caller checked that k is absent. */
static struct ent *
map_add(struct map *m, const char *k, size_t kn)
{
	struct ent *e;
	size_t i;
	if ((m->n + 1) * 2 > m->cap) {
		struct map g;
		g.cap = m->cap ? m->cap * 2 : 16;
		g.n = 0;
		if (!(g.v = calloc(g.cap, sizeof *g.v)))
			return NULL;
		for (i = 0; i < m->cap; i++) {
			size_t j;
			if (!m->v[i].k)
				continue;
			for (j = hash(m->v[i].k, m->v[i].kn) & (g.cap - 1); g.v[j].k; j = (j + 1) & (g.cap - 1))
				;
			g.v[j] = m->v[i];
			g.n++;
		}
		free(m->v);
		*m = g;
	}
	for (i = hash(k, kn) & (m->cap - 1); m->v[i].k; i = (i + 1) & (m->cap - 1))
		;
	e = &m->v[i];
	if (!(e->k = malloc(kn + 1)))
		return NULL;
	memcpy(e->k, k, kn);
	e->k[kn] = 0;
	e->kn = kn;
	e->type = -1;
	e->ev = NULL;
	m->n++;
	return e;
}

static void
map_free(struct map *m)
{
	size_t i;
	for (i = 0; i < m->cap; i++) {
		free(m->v[i].k);
		if (m->v[i].ev) {
			map_free(&m->v[i].ev->params);
			free(m->v[i].ev);
		}
	}
	free(m->v);
	m->v = NULL;
	m->cap = m->n = 0;
}

void
val_schema_free(struct val_schema *s)
{
	if (!s)
		return;
	map_free(&s->attrs);
	map_free(&s->events);
	free(s);
}

int
val_schema_attr(const struct val_schema *s, const char *name, size_t n)
{
	const struct ent *e = map_find(&s->attrs, name, n);
	return e ? e->type : -1;
}

const struct val_sevent *
val_schema_event(const struct val_schema *s, const char *name, size_t n)
{
	const struct ent *e = map_find(&s->events, name, n);
	return e ? e->ev : NULL;
}

int
val_schema_param(const struct val_sevent *ev, const char *name, size_t n)
{
	const struct ent *e = map_find(&ev->params, name, n);
	return e ? e->type : -1;
}

size_t val_schema_nattrs(const struct val_schema *s) { return s->attrs.n; }
size_t val_schema_nevents(const struct val_schema *s) { return s->events.n; }
size_t val_schema_nparams(const struct val_schema *s) { return s->nparams; }

void
val_schema_each(const struct val_schema *s,
	void (*fn)(void *arg, const char *event, const char *name, size_t n), void *arg)
{
	for (size_t i = 0; i < s->attrs.cap; i++)
		if (s->attrs.v[i].k)
			fn(arg, NULL, s->attrs.v[i].k, s->attrs.v[i].kn);
	for (size_t i = 0; i < s->events.cap; i++) {
		const struct ent *ev = &s->events.v[i];
		if (!ev->k || !ev->ev)
			continue;
		for (size_t j = 0; j < ev->ev->params.cap; j++)
			if (ev->ev->params.v[j].k)
				fn(arg, ev->k, ev->ev->params.v[j].k, ev->ev->params.v[j].kn);
	}
}

/* the key of a map entry, quoted for a message (bounded; keys are valid UTF-8) */
static const char *
keyq(const msgpack_object *k, char *out, size_t len)
{
	size_t n = k->via.str.size;
	const char *dots = "";
	if (n > 64) {
		n = 64;
		while (n > 0 && ((unsigned char)k->via.str.ptr[n] & 0xC0) == 0x80)
			n--;
		dots = "...";
	}
	snprintf(out, len, "%.*s%s", (int)n, k->via.str.ptr, dots);
	return out;
}

static int
parse_type(const msgpack_object *v)
{
	size_t i;
	if (v->type != MSGPACK_OBJECT_STR)
		return -1;
	for (i = 0; i < sizeof type_names / sizeof *type_names; i++)
		if (rec_str_eq(v, type_names[i]))
			return (int)i;
	return -1;
}

#define TYPES_HINT "string, number, boolean, datetime or strings"

/* fills m from a JSON object name -> type; where is "attributes" or "events.NAME" */
static int
parse_types(struct map *m, const msgpack_object *o, const char *file, const char *where,
	    struct map *all, struct err *e)
{
	uint32_t i;
	char kq[80];
	if (o->type != MSGPACK_OBJECT_MAP)
		return err_set(e, XIT_CONFIG, "%s: %s: not an object of name: type", file, where);
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
		struct ent *en;
		int t;
		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size == 0)
			return err_set(e, XIT_CONFIG, "%s: %s: empty name", file, where);
		keyq(k, kq, sizeof kq);
		if ((t = parse_type(v)) < 0)
			return err_set(e, XIT_CONFIG, "%s: %s.%s: unknown type (want " TYPES_HINT ")",
				       file, where, kq);
		if (map_find(m, k->via.str.ptr, k->via.str.size))
			return err_set(e, XIT_CONFIG, "%s: %s.%s: defined twice", file, where, kq);
		if (!(en = map_add(m, k->via.str.ptr, k->via.str.size)))
			return err_set(e, XIT_TEMPFAIL, "%s: out of memory", file);
		en->type = t;
		if (all && !map_find(all, k->via.str.ptr, k->via.str.size) &&
		    !map_add(all, k->via.str.ptr, k->via.str.size))
			return err_set(e, XIT_TEMPFAIL, "%s: out of memory", file);
	}
	return 0;
}

static int
parse_root(struct val_schema *s, const msgpack_object *root, const char *file, struct err *e)
{
	const msgpack_object *attrs = NULL, *events = NULL;
	struct map all = { NULL, 0, 0 };
	uint32_t i;
	char kq[80], where[128];
	int rc = -1;
	if (root->type != MSGPACK_OBJECT_MAP)
		return err_set(e, XIT_CONFIG, "%s: not a JSON object {\"attributes\": ..., \"events\": ...}",
			       file);
	for (i = 0; i < root->via.map.size; i++) {
		const msgpack_object *k = &root->via.map.ptr[i].key;
		if (rec_str_eq(k, "attributes") && !attrs)
			attrs = &root->via.map.ptr[i].val;
		else if (rec_str_eq(k, "events") && !events)
			events = &root->via.map.ptr[i].val;
		else if (k->type == MSGPACK_OBJECT_STR && k->via.str.size && k->via.str.ptr[0] == '_')
			continue;
		else if (rec_str_eq(k, "attributes") || rec_str_eq(k, "events"))
			return err_set(e, XIT_CONFIG, "%s: %.*s: given twice", file,
				       (int)k->via.str.size, k->via.str.ptr);
		else
			return err_set(e, XIT_CONFIG, "%s: %s: unknown key (want attributes, events)",
				       file, k->type == MSGPACK_OBJECT_STR ? keyq(k, kq, sizeof kq) : "?");
	}
	if (attrs && parse_types(&s->attrs, attrs, file, "attributes", NULL, e) < 0)
		return -1;
	if (!events)
		return 0;
	if (events->type != MSGPACK_OBJECT_MAP)
		return err_set(e, XIT_CONFIG, "%s: events: not an object of event name: parameters",
			       file);
	for (i = 0; i < events->via.map.size; i++) {
		const msgpack_object *k = &events->via.map.ptr[i].key, *v = &events->via.map.ptr[i].val;
		struct ent *en;
		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size == 0) {
			err_set(e, XIT_CONFIG, "%s: events: empty event name", file);
			goto out;
		}
		keyq(k, kq, sizeof kq);
		if (!val_fmt_event_name(k->via.str.ptr, k->via.str.size)) {
			err_set(e, XIT_CONFIG,
				"%s: events.%s: not a valid event name (lower case letters, digits, '.', '_', '-')",
				file, kq);
			goto out;
		}
		if (map_find(&s->events, k->via.str.ptr, k->via.str.size)) {
			err_set(e, XIT_CONFIG, "%s: events.%s: defined twice", file, kq);
			goto out;
		}
		if (!(en = map_add(&s->events, k->via.str.ptr, k->via.str.size)) ||
		    !(en->ev = calloc(1, sizeof *en->ev))) {
			err_set(e, XIT_TEMPFAIL, "%s: out of memory", file);
			goto out;
		}
		snprintf(where, sizeof where, "events.%s", kq);
		if (parse_types(&en->ev->params, v, file, where, &all, e) < 0)
			goto out;
	}
	s->nparams = all.n;
	rc = 0;
out:
	map_free(&all);
	return rc;
}

struct val_schema *
val_schema_parse(const char *text, size_t n, const char *name, struct err *e)
{
	msgpack_zone *z;
	msgpack_object root;
	struct val_schema *s;
	if (n > VAL_SCHEMA_MAX_FILE) {
		err_set(e, XIT_CONFIG, "%s: larger than %u bytes", name, VAL_SCHEMA_MAX_FILE);
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s)) || !(z = msgpack_zone_new(8192))) {
		free(s);
		err_set(e, XIT_TEMPFAIL, "%s: out of memory", name);
		return NULL;
	}
	if (rec_json_parse(text, n, z, &root, e) < 0) {
		char m[sizeof e->msg];
		memcpy(m, e->msg, sizeof m);
		err_set(e, e->status == XIT_TEMPFAIL ? XIT_TEMPFAIL : XIT_CONFIG, "%s: %s", name, m);
		goto fail;
	}
	if (parse_root(s, &root, name, e) < 0)
		goto fail;
	msgpack_zone_free(z);
	return s;
fail:
	msgpack_zone_free(z);
	val_schema_free(s);
	return NULL;
}

struct val_schema *
val_schema_load(const char *path, struct err *e)
{
	struct buf b = BUF_INIT;
	struct val_schema *s = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		err_set(e, XIT_CONFIG, "%s: No such file or directory (write it with: "
			"insider-push --fetch-schema >%s)", path, path);
		return NULL;
	}
	if (buf_read_file(&b, path, VAL_SCHEMA_MAX_FILE, e) == 0)
		s = val_schema_parse(b.p ? b.p : "", b.len, path, e);
	buf_free(&b);
	return s;
}
