/* map_schema.c: see map_schema.h. */
#include <string.h>
#include "map_int.h"
#include "map_schema.h"
#include "near.h"

struct look {
	const char *event; /* NULL: any event (for parameters) */
	size_t evn;
	int params;
	const char *name;
	size_t n;
	int found;
	struct near near;
};

static void
look_one(void *arg, const char *event, const char *name, size_t n)
{
	struct look *l = arg;
	if ((event != NULL) != l->params)
		return;
	if (l->event && (strlen(event) != l->evn || memcmp(event, l->event, l->evn) != 0))
		return;
	if (n == l->n && memcmp(name, l->name, n) == 0)
		l->found = 1;
	near_try(&l->near, name, n);
}

/* a group filled from an object column or jq: its names are known only at run time */
static int
spread_note(const struct map_src *sp, const char *sname, struct buf *notes)
{
	if (sp->kind == SRC_NONE || !sp->where)
		return 0;
	return buf_printf(notes, "%s: custom names come from the rows: validate checks them against %s\n",
		sp->where, sname);
}

static int
check_group(const struct map_group *g, const struct val_schema *s, const char *sname,
	const char *event, size_t evn, int params, struct buf *bad, struct buf *notes)
{
	int nbad = 0;
	const char *what = params ? "custom parameter" : "custom attribute";
	for (uint32_t i = 0; i < g->n; i++) {
		const msgpack_object *k = &g->f[i].key;
		struct look l = {event, evn, params, k->via.str.ptr, k->via.str.size, 0, {0}};
		near_init(&l.near, l.name, l.n);
		val_schema_each(s, look_one, &l);
		if (l.found)
			continue;
		if (buf_printf(bad, "%s: %s has no %s %.*s", g->f[i].src.where, sname, what, (int)l.n, l.name) < 0 ||
		    (event && buf_printf(bad, " for event %.*s", (int)evn, event) < 0) ||
		    (l.near.best && buf_printf(bad, " (closest: %.*s)", (int)l.near.bn, l.near.best) < 0) ||
		    buf_addc(bad, '\n') < 0)
			return -1;
		nbad++;
	}
	return spread_note(&g->spread, sname, notes) < 0 ? -1 : nbad;
}

int
map_check_schema(const struct map *m, const struct val_schema *s, const char *sname,
	struct buf *bad, struct buf *notes)
{
	int nbad = check_group(&m->attrs_custom, s, sname, NULL, 0, 0, bad, notes), k;
	if (nbad < 0)
		return -1;
	for (uint32_t i = 0; i < m->nev; i++) {
		const struct map_src *nm = &m->ev[i].name;
		const char *ev = NULL;
		size_t evn = 0;
		if (nm->kind == SRC_CONST && nm->cval.type == MSGPACK_OBJECT_STR)
			ev = nm->cval.via.str.ptr, evn = nm->cval.via.str.size;
		if ((k = check_group(&m->ev[i].custom, s, sname, ev, evn, 1, bad, notes)) < 0 ||
		    spread_note(&m->ev[i].params.spread, sname, notes) < 0)
			return -1;
		nbad += k;
	}
	return nbad;
}
