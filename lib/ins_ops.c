/* ins_ops.c: see ins_ops.h. */
#include <string.h>
#include "ins_ops.h"
#include "rec.h"

static int
nonempty(const msgpack_object *v)
{
	if (!v)
		return 0;
	if (v->type == MSGPACK_OBJECT_MAP)
		return v->via.map.size > 0;
	if (v->type == MSGPACK_OBJECT_ARRAY)
		return v->via.array.size > 0;
	return v->type != MSGPACK_OBJECT_NIL;
}

int
ins_ops_has(const msgpack_object *rec)
{
	if (rec->type != MSGPACK_OBJECT_MAP)
		return 0;
	/* one pass over the keys, most of which do not start with '_' (every record comes here) */
	for (uint32_t i = 0; i < rec->via.map.size; i++) {
		const msgpack_object *k = &rec->via.map.ptr[i].key;
		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size < 6 || k->via.str.ptr[0] != '_')
			continue;
		if ((k->via.str.size == 6 && memcmp(k->via.str.ptr, "_clear", 6) == 0)
		    || (k->via.str.size == 7 && memcmp(k->via.str.ptr, "_delete", 7) == 0))
			return 1;
	}
	return 0;
}

int
ins_ops_of(const msgpack_object *rec)
{
	if (rec->type != MSGPACK_OBJECT_MAP)
		return 0;
	const msgpack_object *cl = rec_get(rec, "_clear"), *del = rec_get(rec, "_delete");
	if (!cl && !del)
		return 0;
	int ops = 0;
	if (del && rec_str_eq(del, "profile"))
		return INS_OP_DELETE; /* the profile goes: nothing else to do for this row */
	if (nonempty(rec_get(rec, "attributes")) || nonempty(rec_get(rec, "events"))
	    || nonempty(rec_get(rec, "object_attributes")))
		ops |= INS_OP_UPSERT;
	if (cl && cl->type == MSGPACK_OBJECT_ARRAY && cl->via.array.size > 0)
		ops |= INS_OP_CLEAR;
	return ops;
}

const char *
ins_ops_kind_name(int kind)
{
	return kind == INS_KIND_CLEAR ? "attribute-delete"
		: kind == INS_KIND_DELETE ? "profile-delete" : "upsert";
}

int
ins_ops_user(const msgpack_object *rec, int kind, msgpack_zone *z, msgpack_object *out,
	struct err *e)
{
	struct rec_mapb u, cu;
	struct rec_arrb whole, cwhole;
	rec_mapb_init(&u, z);
	rec_mapb_init(&cu, z);
	rec_arrb_init(&whole, z);
	rec_arrb_init(&cwhole, z);
	const msgpack_object *ids = rec_get(rec, "identifiers"), *iid = rec_get(rec, "insider_id");
	if ((ids && rec_mapb_put(&u, "identifiers", *ids) < 0)
	    || (iid && rec_mapb_put(&u, "insider_id", *iid) < 0))
		goto nomem;
	if (kind == INS_KIND_CLEAR) {
		const msgpack_object *cl = rec_get(rec, "_clear");
		for (uint32_t i = 0; cl && cl->type == MSGPACK_OBJECT_ARRAY && i < cl->via.array.size; i++) {
			const msgpack_object *n = &cl->via.array.ptr[i];
			if (n->type != MSGPACK_OBJECT_STR || n->via.str.size == 0)
				continue; /* validate refuses these (rule clear) */
			if (n->via.str.size > 7 && memcmp(n->via.str.ptr, "custom.", 7) == 0) {
				if (rec_arrb_push(&cwhole, rec_strref(n->via.str.ptr + 7, n->via.str.size - 7)) < 0)
					goto nomem;
			} else if (rec_arrb_push(&whole, *n) < 0) {
				goto nomem;
			}
		}
		if (whole.n && rec_mapb_put(&u, "whole", rec_arrb_done(&whole)) < 0)
			goto nomem;
		if (cwhole.n && (rec_mapb_put(&cu, "whole", rec_arrb_done(&cwhole)) < 0
		    || rec_mapb_put(&u, "custom", rec_mapb_done(&cu)) < 0))
			goto nomem;
	}
	if (rec_copy_meta(&u, rec) < 0)
		goto nomem;
	*out = rec_mapb_done(&u);
	return 0;
nomem:
	return err_set(e, XIT_TEMPFAIL, "out of memory:");
}

int
ins_ops_delete_ok(const char *body, size_t len)
{
	msgpack_zone *z = msgpack_zone_new(1024);
	if (!z)
		return 0;
	msgpack_object o;
	struct err e = ERR_INIT;
	int ok = rec_json_parse(body, len, z, &o, &e) == 0 && o.type == MSGPACK_OBJECT_MAP
		&& !rec_get(&o, "error");
	msgpack_zone_free(z);
	return ok;
}
