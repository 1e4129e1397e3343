/* ins_merge.c: see ins_merge.h. */
#include <string.h>
#include "buf.h"
#include "ins_merge.h"
#include "rec.h"

struct uparts {
	const msgpack_object *ids, *iid, *attrs, *events, *na, *ap;
};

static int
key_is(const msgpack_object *k, const char *s, size_t n)
{
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n
		&& memcmp(k->via.str.ptr, s, n) == 0;
}

/* 1 when every non-metadata key of u is one merging knows */
static int
split_user(const msgpack_object *u, struct uparts *p)
{
	memset(p, 0, sizeof *p);
	if (u->type != MSGPACK_OBJECT_MAP)
		return 0;
	for (uint32_t i = 0; i < u->via.map.size; i++) {
		const msgpack_object_kv *kv = &u->via.map.ptr[i];
		const msgpack_object **slot;
		if (rec_is_meta_key(&kv->key))
			continue;
		if (key_is(&kv->key, "identifiers", 11))
			slot = &p->ids;
		else if (key_is(&kv->key, "insider_id", 10))
			slot = &p->iid;
		else if (key_is(&kv->key, "attributes", 10))
			slot = &p->attrs;
		else if (key_is(&kv->key, "events", 6))
			slot = &p->events;
		else if (key_is(&kv->key, "not_append", 10))
			slot = &p->na;
		else if (key_is(&kv->key, "append", 6))
			slot = &p->ap;
		else
			return 0;
		if (*slot)
			return 0; /* a key twice */
		*slot = &kv->val;
	}
	return 1;
}

/* 1 when a and b are the same value of the same type (0 may still be the same JSON) */
static int
obj_eq(const msgpack_object *a, const msgpack_object *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case MSGPACK_OBJECT_NIL:
		return 1;
	case MSGPACK_OBJECT_BOOLEAN:
		return a->via.boolean == b->via.boolean;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return a->via.u64 == b->via.u64;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return a->via.i64 == b->via.i64;
	case MSGPACK_OBJECT_STR:
		return a->via.str.size == b->via.str.size
			&& memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0;
	case MSGPACK_OBJECT_MAP:
		if (a->via.map.size != b->via.map.size)
			return 0;
		for (uint32_t i = 0; i < a->via.map.size; i++)
			if (!obj_eq(&a->via.map.ptr[i].key, &b->via.map.ptr[i].key)
			    || !obj_eq(&a->via.map.ptr[i].val, &b->via.map.ptr[i].val))
				return 0;
		return 1;
	default:
		return 0;
	}
}

/* 1 when a and b are both absent, or both present with the same JSON; -1 on ENOMEM */
static int
same_json(const msgpack_object *a, const msgpack_object *b)
{
	if (!a || !b)
		return !a && !b;
	if (obj_eq(a, b))
		return 1;
	struct buf x = BUF_INIT, y = BUF_INIT;
	int r = -1;
	if (rec_json_append(&x, a) == 0 && rec_json_append(&y, b) == 0)
		r = x.len == y.len && (x.len == 0 || memcmp(x.p, y.p, x.len) == 0);
	buf_free(&x);
	buf_free(&y);
	return r;
}

static const msgpack_object *
map_find(const msgpack_object *m, const msgpack_object *key)
{
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;
		if (k->type == key->type && k->type == MSGPACK_OBJECT_STR
		    && k->via.str.size == key->via.str.size
		    && memcmp(k->via.str.ptr, key->via.str.ptr, k->via.str.size) == 0)
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

/* attributes (custom 0) or attributes.custom (custom 1): the later value wins per key */
static int
merge_map(const msgpack_object *a, const msgpack_object *b, int custom, int append,
	msgpack_zone *z, msgpack_object *out, const char **why)
{
	if (a->type != MSGPACK_OBJECT_MAP || b->type != MSGPACK_OBJECT_MAP) {
		*why = "attributes not objects";
		return 0;
	}
	struct rec_mapb m;
	rec_mapb_init(&m, z);
	for (uint32_t i = 0; i < a->via.map.size; i++) {
		const msgpack_object_kv *kv = &a->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR) {
			*why = "a key that is not a string";
			return 0;
		}
		const msgpack_object *later = map_find(b, &kv->key);
		msgpack_object v = kv->val;
		if (later) {
			if (!custom && key_is(&kv->key, "custom", 6)) {
				int r = merge_map(&kv->val, later, 1, append, z, &v, why);
				if (r <= 0)
					return r;
			} else if (kv->val.type == MSGPACK_OBJECT_NIL
			    || later->type == MSGPACK_OBJECT_NIL) {
				*why = "an attribute set to null";
				return 0;
			} else if (append && (kv->val.type == MSGPACK_OBJECT_ARRAY
			    || later->type == MSGPACK_OBJECT_ARRAY)) {
				*why = "an array attribute appended";
				return 0;
			} else {
				v = *later;
			}
		}
		if (rec_mapb_putk(&m, kv->key, v) < 0)
			return -1;
	}
	for (uint32_t i = 0; i < b->via.map.size; i++) {
		const msgpack_object_kv *kv = &b->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR) {
			*why = "a key that is not a string";
			return 0;
		}
		if (!map_find(a, &kv->key) && rec_mapb_putk(&m, kv->key, kv->val) < 0)
			return -1;
	}
	if (custom && m.n > INS_MERGE_MAX_CUSTOM && m.n > a->via.map.size
	    && m.n > b->via.map.size) {
		*why = "more custom attributes than Insider takes";
		return 0;
	}
	*out = rec_mapb_done(&m);
	return 1;
}

int
ins_merge_users(const msgpack_object *old, const msgpack_object *nu, int not_append,
	msgpack_zone *z, msgpack_object *out, const char **why)
{
	struct uparts a, b;
	int r;
	*why = "";
	if (!split_user(old, &a) || !split_user(nu, &b)) {
		*why = "a key other than identifiers, insider_id, attributes and events";
		return 0;
	}
	if (!a.ids || (r = same_json(a.ids, b.ids)) == 0) {
		*why = "identifiers differ";
		return 0;
	}
	if (r < 0)
		return -1;
	if ((r = same_json(a.iid, b.iid)) <= 0 || (r = same_json(a.na, b.na)) <= 0
	    || (r = same_json(a.ap, b.ap)) <= 0) {
		if (r < 0)
			return -1;
		*why = "insider_id, not_append or append differ";
		return 0;
	}
	/* arrays are appended unless append:false, or (without append) not_append:true */
	int append = 1;
	if (a.ap)
		append = !(a.ap->type == MSGPACK_OBJECT_BOOLEAN && !a.ap->via.boolean);
	else if (a.na)
		append = !(a.na->type == MSGPACK_OBJECT_BOOLEAN && a.na->via.boolean);
	else
		append = !not_append;
	msgpack_object attrs, events;
	const msgpack_object *pa = a.attrs ? a.attrs : b.attrs, *pe = a.events ? a.events : b.events;
	if (a.attrs && b.attrs) {
		if ((r = merge_map(a.attrs, b.attrs, 0, append, z, &attrs, why)) <= 0)
			return r;
		pa = &attrs;
	}
	if (a.events && b.events) {
		if (a.events->type != MSGPACK_OBJECT_ARRAY || b.events->type != MSGPACK_OBJECT_ARRAY) {
			*why = "events not arrays";
			return 0;
		}
		struct rec_arrb ev;
		rec_arrb_init(&ev, z);
		for (uint32_t i = 0; i < a.events->via.array.size; i++)
			if (rec_arrb_push(&ev, a.events->via.array.ptr[i]) < 0)
				return -1;
		for (uint32_t i = 0; i < b.events->via.array.size; i++)
			if (rec_arrb_push(&ev, b.events->via.array.ptr[i]) < 0)
				return -1;
		events = rec_arrb_done(&ev);
		pe = &events;
	}
	if (pe && pe->type == MSGPACK_OBJECT_ARRAY && pe->via.array.size > INS_MERGE_MAX_EVENTS
	    && (!a.events || pe->via.array.size > a.events->via.array.size)
	    && (!b.events || pe->via.array.size > b.events->via.array.size)) {
		*why = "more events than one user object carries";
		return 0;
	}
	/* the earlier object's key order, then the later one's new keys */
	struct rec_mapb m;
	rec_mapb_init(&m, z);
	for (uint32_t pass = 0; pass < 2; pass++) {
		const msgpack_object *u = pass ? nu : old;
		for (uint32_t i = 0; i < u->via.map.size; i++) {
			const msgpack_object_kv *kv = &u->via.map.ptr[i];
			if (rec_is_meta_key(&kv->key))
				continue;
			if (pass && map_find(old, &kv->key))
				continue;
			msgpack_object v = kv->val;
			if (key_is(&kv->key, "attributes", 10))
				v = *pa;
			else if (key_is(&kv->key, "events", 6))
				v = *pe;
			if (rec_mapb_putk(&m, kv->key, v) < 0)
				return -1;
		}
	}
	*out = rec_mapb_done(&m);
	return 1;
}
