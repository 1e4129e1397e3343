/* map_step.c: see map_step.h. */
#include <string.h>
#include "map_step.h"

void
map_set_step(struct map *m, int nulls_clear, int deletes)
{
	m->nulls_clear = nulls_clear != 0;
	m->deletes = deletes;
}

static int
push_name(const msgpack_object *key, int custom, struct rec_arrb *cl, msgpack_zone *z)
{
	if (!custom)
		return rec_arrb_push(cl, *key);
	size_t n = key->via.str.size + 7;
	char *s = msgpack_zone_malloc(z, n);
	if (!s)
		return -1;
	memcpy(s, "custom.", 7);
	memcpy(s + 7, key->via.str.ptr, key->via.str.size);
	return rec_arrb_push(cl, rec_strref(s, n));
}

static const msgpack_object_kv *
find(const struct rec_mapb *b, const msgpack_object *key)
{
	for (uint32_t i = 0; i < b->n; i++)
		if (b->kv[i].key.via.str.size == key->via.str.size
		    && memcmp(b->kv[i].key.via.str.ptr, key->via.str.ptr, key->via.str.size) == 0)
			return &b->kv[i];
	return NULL;
}

int
map_step_nulls(const struct map_group *g, struct rec_mapb *b, int custom, struct rec_arrb *cl,
	msgpack_zone *z)
{
	for (uint32_t i = 0; i < g->n; i++) {
		const msgpack_object_kv *kv = find(b, &g->f[i].key);
		if (kv && kv->val.type != MSGPACK_OBJECT_NIL)
			continue;
		if (push_name(&g->f[i].key, custom, cl, z) < 0)
			return -1;
	}
	uint32_t k = 0; /* the nulls leave the upsert part */
	for (uint32_t i = 0; i < b->n; i++)
		if (b->kv[i].val.type != MSGPACK_OBJECT_NIL)
			b->kv[k++] = b->kv[i];
	b->n = k;
	return 0;
}

static int
in_group(const struct map_group *g, const msgpack_object *key)
{
	for (uint32_t i = 0; g && i < g->n; i++)
		if (g->f[i].key.via.str.size == key->via.str.size
		    && memcmp(g->f[i].key.via.str.ptr, key->via.str.ptr, key->via.str.size) == 0)
			return 1;
	return 0;
}

int
map_step_all(const struct map_group *g, int custom, const struct map_group *ids,
	struct rec_arrb *cl, msgpack_zone *z)
{
	for (uint32_t i = 0; i < g->n; i++) {
		if (!custom && in_group(ids, &g->f[i].key))
			continue;
		if (push_name(&g->f[i].key, custom, cl, z) < 0)
			return -1;
	}
	return 0;
}

const msgpack_object *
map_step_clears_identifier(const struct rec_arrb *cl, const struct map_group *ids)
{
	for (uint32_t i = 0; i < cl->n; i++)
		if (cl->v[i].type == MSGPACK_OBJECT_STR && in_group(ids, &cl->v[i]))
			return &cl->v[i];
	return NULL;
}
