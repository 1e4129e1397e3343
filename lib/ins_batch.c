/* ins_batch.c: see ins_batch.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ins_batch.h"
#include "ins_merge.h"
#include "rec.h"

static const char OPEN_PLAIN[] = "{\"users\":[";
static const char OPEN_SKIP[] = "{\"skip_hook\":true,\"users\":[";
static const char CLOSE[] = "]}";
static const char NOT_APPEND[] = "\"not_append\":true";

static int
nomem(struct err *e)
{
	return err_set(e, XIT_TEMPFAIL, "out of memory:");
}

void
ins_rec_info(const msgpack_object *rec, struct ins_rec_info *info)
{
	int64_t ver = INS_NO_VERSION, win = 0;
	int badwin = 0;
	info->version = INS_NO_VERSION;
	info->skip_hook = -1;
	info->not_append = -1;
	info->has_append = 0;
	info->bad[0] = 0;
	if (rec->type != MSGPACK_OBJECT_MAP)
		return;
	for (uint32_t i = 0; i < rec->via.map.size; i++) {
		const msgpack_object_kv *kv = &rec->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			continue;
		const char *k = kv->key.via.str.ptr;
		uint32_t kn = kv->key.via.str.size;
		if (kn == 0)
			continue;
		if (k[0] != '_') {
			if ((kn == 10 && memcmp(k, "not_append", 10) == 0)
			    || (kn == 6 && memcmp(k, "append", 6) == 0))
				info->has_append = 1;
			continue;
		}
		if (kn == 15 && memcmp(k, "_commit_version", 15) == 0) {
			int64_t v;
			if (rec_to_int64(&kv->val, &v) == 0 && v >= 0 && v < (INT64_C(1) << 43))
				ver = v;
		} else if (kn == 7 && memcmp(k, "_window", 7) == 0) {
			if (rec_to_int64(&kv->val, &win) < 0 || win < 0 ||
			    win >= (INT64_C(1) << INS_WIN_BITS) - 1)
				badwin = 1;
		} else if (kn == 8 && memcmp(k, "_insider", 8) == 0) {
			const msgpack_object *o = &kv->val;
			if (o->type == MSGPACK_OBJECT_NIL)
				continue;
			if (o->type != MSGPACK_OBJECT_MAP) {
				snprintf(info->bad, sizeof info->bad, "_insider: must be an object");
				continue;
			}
			const msgpack_object *sh = rec_get(o, "skip_hook");
			const msgpack_object *na = rec_get(o, "not_append");
			if (sh && sh->type == MSGPACK_OBJECT_BOOLEAN)
				info->skip_hook = sh->via.boolean;
			else if (sh && sh->type != MSGPACK_OBJECT_NIL)
				snprintf(info->bad, sizeof info->bad,
					"_insider.skip_hook: must be true or false");
			if (na && na->type == MSGPACK_OBJECT_BOOLEAN)
				info->not_append = na->via.boolean;
			else if (na && na->type != MSGPACK_OBJECT_NIL)
				snprintf(info->bad, sizeof info->bad,
					"_insider.not_append: must be true or false");
		}
	}
	if (ver != INS_NO_VERSION && !badwin)
		info->version = ver << INS_WIN_BITS | win;
}

int
ins_batch_init(struct ins_batch *b, uint64_t id, int skip_hook, struct err *e)
{
	memset(b, 0, sizeof *b);
	b->id = id;
	b->skip_hook = skip_hook != 0;
	b->vmin = b->vmax = INS_NO_VERSION;
	if (buf_adds(&b->body, b->skip_hook ? OPEN_SKIP : OPEN_PLAIN) < 0)
		return nomem(e);
	return 0;
}

void
ins_batch_free(struct ins_batch *b)
{
	if (!b)
		return;
	buf_free(&b->body);
	buf_free(&b->meta);
	buf_free(&b->orig);
	buf_free(&b->mtmp);
	if (b->mz)
		msgpack_zone_free(b->mz);
	b->mz = NULL;
	free(b->parts);
	b->parts = NULL;
	b->nparts = b->partscap = 0;
	for (size_t i = 0; i < b->n; i++)
		free(b->u[i].mt);
	free(b->u);
	free(b->ids);
	free(b->set);
	free(b->setu);
	b->setu = NULL;
	b->u = NULL;
	b->ids = b->set = NULL;
	b->n = b->cap = b->nids = b->idscap = b->setcap = b->setn = 0;
}

/* ---- identity: hashes of identifier values ---- */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* the hash of one identifier value: its text (strings as they are, integers in decimal, so
 * that 12345 and "12345" are one value; anything else by its JSON form); never 0 */
static uint64_t
id_hash(const msgpack_object *v)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char tmp[32];
	int n;
	switch (v->type) {
	case MSGPACK_OBJECT_STR:
		h = fnv(h, v->via.str.ptr, v->via.str.size);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v->via.u64);
		h = fnv(h, tmp, (size_t)n);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		n = snprintf(tmp, sizeof tmp, "%lld", (long long)v->via.i64);
		h = fnv(h, tmp, (size_t)n);
		break;
	default: {
		struct buf b = BUF_INIT;
		if (rec_json_append(&b, v) == 0 && b.p)
			h = fnv(h, b.p, b.len);
		else
			h = fnv(h, "?", 1);
		buf_free(&b);
	}
	}
	h ^= h >> 29;
	return h ? h : 1;
}

static int
set_put(struct ins_batch *b, uint64_t h, uint32_t user)
{
	if ((b->setn + 1) * 2 > b->setcap) {
		size_t cap = b->setcap ? b->setcap * 2 : 1024;
		uint64_t *t = calloc(cap, sizeof *t);
		uint32_t *tu = malloc(cap * sizeof *tu);
		if (!t || !tu) {
			free(t);
			free(tu);
			return -1;
		}
		for (size_t i = 0; i < b->setcap; i++) {
			uint64_t x = b->set[i];
			if (!x)
				continue;
			size_t k = (size_t)x & (cap - 1);
			while (t[k])
				k = (k + 1) & (cap - 1);
			t[k] = x;
			tu[k] = b->setu[i];
		}
		free(b->set);
		free(b->setu);
		b->set = t;
		b->setu = tu;
		b->setcap = cap;
	}
	size_t k = (size_t)h & (b->setcap - 1);
	while (b->set[k]) {
		if (b->set[k] == h)
			return 0;
		k = (k + 1) & (b->setcap - 1);
	}
	b->set[k] = h;
	b->setu[k] = user;
	b->setn++;
	return 0;
}

/* the user that holds value h, or -1 */
static long
set_user(const struct ins_batch *b, uint64_t h)
{
	if (!b->setcap)
		return -1;
	size_t k = (size_t)h & (b->setcap - 1);
	while (b->set[k]) {
		if (b->set[k] == h)
			return (long)b->setu[k];
		k = (k + 1) & (b->setcap - 1);
	}
	return -1;
}

static int
set_has(const struct ins_batch *b, uint64_t h)
{
	if (!b->setcap)
		return 0;
	size_t k = (size_t)h & (b->setcap - 1);
	while (b->set[k]) {
		if (b->set[k] == h)
			return 1;
		k = (k + 1) & (b->setcap - 1);
	}
	return 0;
}

static int
ids_push(struct ins_batch *b, uint64_t h)
{
	if (b->nids == b->idscap) {
		size_t cap = b->idscap ? b->idscap * 2 : 256;
		uint64_t *t = realloc(b->ids, cap * sizeof *t);
		if (!t)
			return -1;
		b->ids = t;
		b->idscap = cap;
	}
	b->ids[b->nids++] = h;
	return 0;
}

/* the identifier values of rec into b->ids (from u->ids_off) */
static int
collect_ids(struct ins_batch *b, struct ins_user *u, const msgpack_object *rec)
{
	u->ids_off = b->nids;
	for (uint32_t i = 0; i < rec->via.map.size; i++) {
		const msgpack_object_kv *kv = &rec->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			continue;
		const char *k = kv->key.via.str.ptr;
		uint32_t kn = kv->key.via.str.size;
		if (kn == 10 && memcmp(k, "insider_id", 10) == 0) {
			if (kv->val.type != MSGPACK_OBJECT_NIL && ids_push(b, id_hash(&kv->val)) < 0)
				return -1;
			continue;
		}
		if (!(kn == 11 && memcmp(k, "identifiers", 11) == 0)
		    || kv->val.type != MSGPACK_OBJECT_MAP)
			continue;
		const msgpack_object *ids = &kv->val;
		for (uint32_t j = 0; j < ids->via.map.size; j++) {
			const msgpack_object *v = &ids->via.map.ptr[j].val;
			if (v->type == MSGPACK_OBJECT_MAP) { /* custom identifiers */
				for (uint32_t c = 0; c < v->via.map.size; c++)
					if (v->via.map.ptr[c].val.type != MSGPACK_OBJECT_NIL
					    && ids_push(b, id_hash(&v->via.map.ptr[c].val)) < 0)
						return -1;
			} else if (v->type != MSGPACK_OBJECT_NIL && ids_push(b, id_hash(v)) < 0) {
				return -1;
			}
		}
	}
	u->ids_n = (unsigned)(b->nids - u->ids_off);
	return 0;
}

/* checks the user's values against the batch's set (dup_last), then adds them */
static int
note_ids(struct ins_batch *b, const struct ins_user *u)
{
	b->dup_last = 0;
	for (size_t i = u->ids_off; i < u->ids_off + u->ids_n; i++)
		if (set_has(b, b->ids[i]))
			b->dup_last = 1;
	for (size_t i = u->ids_off; i < u->ids_off + u->ids_n; i++)
		if (set_put(b, b->ids[i], (uint32_t)(u - b->u)) < 0)
			return -1;
	return 0;
}

int
ins_batch_conflicts(const struct ins_batch *a, const struct ins_batch *b)
{
	if (a->nids > b->nids) { /* probe the larger set with the smaller list */
		const struct ins_batch *t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < a->nids; i++)
		if (set_has(b, a->ids[i]))
			return 1;
	return 0;
}

size_t
ins_batch_size(const struct ins_batch *b)
{
	return b->finished ? b->body.len : (size_t)((int64_t)b->body.len + b->mdelta)
		+ sizeof CLOSE - 1;
}

/* user u's JSON text (u->len bytes): a merged user's own until the batch is finished */
static const char *
utext(const struct ins_batch *b, const struct ins_user *u)
{
	return u->mt ? u->mt : b->body.p + u->off;
}

static struct ins_user *
new_user(struct ins_batch *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct ins_user *u = realloc(b->u, cap * sizeof *u);
		if (!u)
			return NULL;
		b->u = u;
		b->cap = cap;
	}
	return &b->u[b->n];
}

static void
note_version(struct ins_batch *b, int64_t v)
{
	if (v == INS_NO_VERSION) {
		b->unversioned = 1;
		return;
	}
	if (b->vmin == INS_NO_VERSION || v < b->vmin)
		b->vmin = v;
	if (b->vmax == INS_NO_VERSION || v > b->vmax)
		b->vmax = v;
}

/* the serialization of one user: the hot path */
int
ins_batch_add(struct ins_batch *b, const msgpack_object *rec, uint64_t recno,
	const struct ins_rec_info *info, int not_append, struct err *e)
{
	if (b->finished)
		return err_set(e, XIT_TEMPFAIL, "internal: batch %llu is closed",
			(unsigned long long)b->id);
	if (rec->type != MSGPACK_OBJECT_MAP)
		return err_set(e, XIT_DATAERR, "record %llu: not an object",
			(unsigned long long)recno);
	struct ins_user *u = new_user(b);
	if (!u)
		return nomem(e);
	size_t body0 = b->body.len, meta0 = b->meta.len, nids0 = b->nids;
	if (b->n > 0 && buf_addc(&b->body, ',') < 0)
		goto fail;
	u->recno = recno;
	u->version = info->version;
	u->off = b->body.len;
	u->meta_off = b->meta.len;
	u->added = 0;
	u->nparts = 0;
	u->mt = NULL;
	u->mo = NULL;
	if (buf_addc(&b->body, '{') < 0)
		goto fail;
	int first = 1, mfirst = 1;
	for (uint32_t i = 0; i < rec->via.map.size; i++) {
		const msgpack_object_kv *kv = &rec->via.map.ptr[i];
		if (rec_is_meta_key(&kv->key)) {
			if (buf_addc(&b->meta, mfirst ? '{' : ',') < 0
			    || rec_json_append(&b->meta, &kv->key) < 0
			    || buf_addc(&b->meta, ':') < 0
			    || rec_json_append(&b->meta, &kv->val) < 0)
				goto fail;
			mfirst = 0;
			continue;
		}
		if ((!first && buf_addc(&b->body, ',') < 0)
		    || rec_json_append(&b->body, &kv->key) < 0
		    || buf_addc(&b->body, ':') < 0
		    || rec_json_append(&b->body, &kv->val) < 0)
			goto fail;
		first = 0;
	}
	if (not_append && !info->has_append) {
		size_t before = b->body.len;
		if ((!first && buf_addc(&b->body, ',') < 0)
		    || buf_add(&b->body, NOT_APPEND, sizeof NOT_APPEND - 1) < 0)
			goto fail;
		u->added = (unsigned)(b->body.len - before);
	}
	if (buf_addc(&b->body, '}') < 0 || (!mfirst && buf_addc(&b->meta, '}') < 0))
		goto fail;
	u->len = b->body.len - u->off;
	u->meta_len = b->meta.len - u->meta_off;
	if (collect_ids(b, u, rec) < 0 || note_ids(b, u) < 0) {
		b->nids = nids0;
		errno = ENOMEM;
		goto fail;
	}
	note_version(b, info->version);
	b->n++;
	b->nrec++;
	return 0;
fail:
	b->body.len = body0;
	b->meta.len = meta0;
	if (b->body.p)
		b->body.p[body0] = 0;
	if (b->meta.p)
		b->meta.p[meta0] = 0;
	if (errno == ENOMEM || errno == EFBIG)
		return nomem(e);
	return err_set(e, XIT_TEMPFAIL, "record %llu: cannot be written as JSON",
		(unsigned long long)recno);
}

static void
recompute_versions(struct ins_batch *b)
{
	b->vmin = b->vmax = INS_NO_VERSION;
	b->unversioned = 0;
	for (size_t i = 0; i < b->n; i++) {
		note_version(b, b->u[i].version);
		if (b->u[i].nparts)
			for (size_t k = b->u[i].part_head; k != SIZE_MAX; k = b->parts[k].next)
				note_version(b, b->parts[k].version);
	}
}

/* a new part (the record's JSON appended to orig by the caller from off) linked to user u */
static int
part_push(struct ins_batch *b, struct ins_user *u, uint64_t recno, int64_t version, size_t off)
{
	if (b->nparts == b->partscap) {
		size_t cap = b->partscap ? b->partscap * 2 : 64;
		struct ins_part *t = realloc(b->parts, cap * sizeof *t);
		if (!t)
			return -1;
		b->parts = t;
		b->partscap = cap;
	}
	struct ins_part *pt = &b->parts[b->nparts];
	pt->recno = recno;
	pt->version = version;
	pt->off = off;
	pt->len = b->orig.len - off;
	pt->next = SIZE_MAX;
	if (u->nparts == 0)
		u->part_head = b->nparts;
	else
		b->parts[u->part_tail].next = b->nparts;
	u->part_tail = b->nparts;
	u->nparts++;
	b->nparts++;
	return 0;
}

/* appends user i of src to dst (an unfinished batch) */
static int
copy_user(struct ins_batch *dst, const struct ins_batch *src, size_t i, struct err *e)
{
	const struct ins_user *s = &src->u[i];
	struct ins_user *u = new_user(dst);
	if (!u)
		return nomem(e);
	if (dst->n > 0 && buf_addc(&dst->body, ',') < 0)
		return nomem(e);
	*u = *s;
	u->mt = NULL;
	u->mo = NULL;
	u->off = dst->body.len;
	u->meta_off = dst->meta.len;
	if (buf_add(&dst->body, utext(src, s), s->len) < 0
	    || (s->meta_len && buf_add(&dst->meta, src->meta.p + s->meta_off, s->meta_len) < 0))
		return nomem(e);
	u->ids_off = dst->nids;
	for (size_t k = 0; k < s->ids_n; k++)
		if (ids_push(dst, src->ids[s->ids_off + k]) < 0)
			return nomem(e);
	if (note_ids(dst, u) < 0)
		return nomem(e);
	note_version(dst, s->version);
	u->nparts = 0;
	for (size_t k = s->nparts ? s->part_head : SIZE_MAX; k != SIZE_MAX; k = src->parts[k].next) {
		const struct ins_part *pt = &src->parts[k];
		size_t off = dst->orig.len;
		if (buf_add(&dst->orig, src->orig.p + pt->off, pt->len) < 0
		    || part_push(dst, u, pt->recno, pt->version, off) < 0)
			return nomem(e);
		note_version(dst, pt->version);
	}
	dst->n++;
	dst->nrec += ins_batch_nrecs(src, i);
	dst->merged += ins_batch_nrecs(src, i) - 1;
	return 0;
}

void
ins_batch_drop_last(struct ins_batch *b)
{
	if (b->n == 0 || b->finished)
		return;
	struct ins_user *u = &b->u[b->n - 1];
	size_t cut = u->off;
	if (u->mt) {
		b->mdelta -= (int64_t)u->len - (int64_t)u->slot_len;
		free(u->mt);
		u->mt = NULL;
	}
	u->mo = NULL;
	if (b->n > 1)
		cut--; /* the comma before it */
	b->body.len = cut;
	b->body.p[cut] = 0;
	b->meta.len = u->meta_off;
	if (b->meta.p)
		b->meta.p[b->meta.len] = 0;
	b->nids = u->ids_off;
	b->nrec -= ins_batch_nrecs(b, b->n - 1);
	b->merged -= ins_batch_nrecs(b, b->n - 1) - 1;
	b->n--;
	recompute_versions(b);
	/* the set again without the user's values (on ENOMEM a set too large: a batch closed
	 * early, never a conflict missed) */
	if (b->set)
		memset(b->set, 0, b->setcap * sizeof *b->set);
	b->setn = 0;
	for (size_t i = 0; i < b->n; i++)
		for (size_t k = b->u[i].ids_off; k < b->u[i].ids_off + b->u[i].ids_n; k++)
			(void)set_put(b, b->ids[k], (uint32_t)i);
}

int
ins_batch_move_last(struct ins_batch *b, struct ins_batch *to, struct err *e)
{
	if (b->n == 0)
		return 0;
	if (copy_user(to, b, b->n - 1, e) < 0)
		return -1;
	ins_batch_drop_last(b);
	return 0;
}

int
ins_batch_finish(struct ins_batch *b, struct err *e)
{
	if (b->finished)
		return 0;
	if (b->merged && b->n > 0) {
		/* the merged users' texts into their places: the body built again once */
		struct buf nb = BUF_INIT;
		if (buf_grow(&nb, (size_t)((int64_t)b->body.len + b->mdelta) + sizeof CLOSE) < 0
		    || buf_add(&nb, b->body.p, b->u[0].off) < 0) {
			buf_free(&nb);
			return nomem(e);
		}
		for (size_t i = 0; i < b->n; i++) {
			struct ins_user *u = &b->u[i];
			size_t off = nb.len + (i > 0);
			if ((i > 0 && buf_addc(&nb, ',') < 0) || buf_add(&nb, utext(b, u), u->len) < 0) {
				buf_free(&nb);
				return nomem(e);
			}
			u->off = off;
		}
		for (size_t i = 0; i < b->n; i++) {
			free(b->u[i].mt);
			b->u[i].mt = NULL;
			b->u[i].mo = NULL;
		}
		buf_free(&b->mtmp);
		if (b->mz)
			msgpack_zone_free(b->mz);
		b->mz = NULL;
		buf_free(&b->body);
		b->body = nb;
		b->mdelta = 0;
	}
	if (buf_add(&b->body, CLOSE, sizeof CLOSE - 1) < 0)
		return nomem(e);
	b->finished = 1;
	return 0;
}

int
ins_batch_sub(const struct ins_batch *b, size_t from, size_t to, struct ins_batch *out,
	struct err *e)
{
	if (ins_batch_init(out, 0, b->skip_hook, e) < 0)
		return -1;
	out->parent = b->id;
	for (size_t i = from; i < to && i < b->n; i++)
		if (copy_user(out, b, i, e) < 0) {
			ins_batch_free(out);
			return -1;
		}
	if (ins_batch_finish(out, e) < 0) {
		ins_batch_free(out);
		return -1;
	}
	return 0;
}

int
ins_batch_split(const struct ins_batch *b, struct ins_batch *lo, struct ins_batch *hi,
	struct err *e)
{
	size_t half = b->n / 2;
	if (ins_batch_sub(b, 0, half, lo, e) < 0)
		return -1;
	if (ins_batch_sub(b, half, b->n, hi, e) < 0) {
		ins_batch_free(lo);
		return -1;
	}
	lo->kind = hi->kind = b->kind; /* the halves are requests of the same API */
	return 0;
}

int
ins_batch_record(const struct ins_batch *b, size_t i, msgpack_zone *z, msgpack_object *out,
	struct err *e)
{
	if (i >= b->n)
		return err_set(e, XIT_TEMPFAIL, "internal: no user %zu in batch", i);
	const struct ins_user *u = &b->u[i];
	msgpack_object user, meta;
	const char *p = utext(b, u);
	size_t len = u->len;
	if (u->added) {
		/* the user's text without the added not_append: copy, then cut it out */
		char *t = msgpack_zone_malloc(z, len + 1);
		if (!t)
			return nomem(e);
		size_t keep = len - 1 - u->added;
		memcpy(t, p, keep);
		t[keep] = '}';
		t[keep + 1] = 0;
		p = t;
		len = keep + 1;
	}
	if (rec_json_parse(p, len, z, &user, e) < 0)
		return -1;
	if (u->meta_len == 0) {
		*out = user;
		return 0;
	}
	if (rec_json_parse(b->meta.p + u->meta_off, u->meta_len, z, &meta, e) < 0)
		return -1;
	struct rec_mapb m;
	rec_mapb_init(&m, z);
	for (uint32_t k = 0; k < user.via.map.size; k++)
		if (rec_mapb_putk(&m, user.via.map.ptr[k].key, user.via.map.ptr[k].val) < 0)
			return nomem(e);
	for (uint32_t k = 0; k < meta.via.map.size; k++)
		if (rec_mapb_putk(&m, meta.via.map.ptr[k].key, meta.via.map.ptr[k].val) < 0)
			return nomem(e);
	*out = rec_mapb_done(&m);
	return 0;
}

/* ---- merging one user's records (ins_merge.h) ---- */

unsigned
ins_batch_nrecs(const struct ins_batch *b, size_t i)
{
	return b->u[i].nparts ? b->u[i].nparts : 1;
}

void
ins_batch_recnos(const struct ins_batch *b, uint64_t *lo, uint64_t *hi)
{
	*lo = b->n ? b->u[0].recno : 0;
	*hi = b->n ? b->u[b->n - 1].recno : 0;
	if (!b->merged)
		return;
	for (size_t k = 0; k < b->nparts; k++) {
		if (b->parts[k].recno < *lo)
			*lo = b->parts[k].recno;
		if (b->parts[k].recno > *hi)
			*hi = b->parts[k].recno;
	}
}

int
ins_batch_rec_part(const struct ins_batch *b, size_t i, unsigned k, msgpack_zone *z,
	msgpack_object *out, uint64_t *recno, struct err *e)
{
	if (i >= b->n || k >= ins_batch_nrecs(b, i))
		return err_set(e, XIT_TEMPFAIL, "internal: no record %u of user %zu in batch", k, i);
	const struct ins_user *u = &b->u[i];
	if (!u->nparts) {
		*recno = u->recno;
		return ins_batch_record(b, i, z, out, e);
	}
	size_t p = u->part_head;
	while (k-- > 0)
		p = b->parts[p].next;
	*recno = b->parts[p].recno;
	return rec_json_parse(b->orig.p + b->parts[p].off, b->parts[p].len, z, out, e);
}

/* user i's object as sent, without an added not_append */
static int
user_object(const struct ins_batch *b, size_t i, msgpack_zone *z, msgpack_object *out,
	struct err *e)
{
	const struct ins_user *u = &b->u[i];
	size_t keep = u->len - 1 - u->added;
	/* a copy in z: the object points into it, and the body moves as it grows */
	char *t = msgpack_zone_malloc(z, keep + 2);
	if (!t)
		return nomem(e);
	memcpy(t, utext(b, u), keep);
	t[keep] = '}';
	t[keep + 1] = 0;
	return rec_json_parse(t, keep + 1, z, out, e);
}

/* the original record of user i (one record: its text in the body, the added not_append
 * left out, then its metadata keys) appended to orig as a part of user i */
static int
keep_record(struct ins_batch *b, size_t i, uint64_t recno, int64_t version, struct err *e)
{
	const struct ins_user *u = &b->u[i];
	size_t off = b->orig.len, keep = u->len - 1 - u->added; /* without the '}' */
	int r = buf_add(&b->orig, utext(b, u), keep);
	if (r == 0 && u->meta_len > 1) /* "{...}": its keys after the user's */
		r = (keep > 1 ? buf_addc(&b->orig, ',') : 0)
			| buf_add(&b->orig, b->meta.p + u->meta_off + 1, u->meta_len - 1);
	else if (r == 0)
		r = buf_addc(&b->orig, '}');
	if (r != 0 || part_push(b, &b->u[i], recno, version, off) < 0)
		return nomem(e);
	return 0;
}

int
ins_batch_merge_last(struct ins_batch *b, const msgpack_object *rec, size_t max_bytes,
	struct err *e)
{
	if (!b->dup_last || b->n < 2 || b->finished)
		return 0;
	size_t last = b->n - 1;
	struct ins_user *L = &b->u[last];
	/* every identifier value of the last user held by one same earlier user */
	long hit = -1;
	for (size_t k = L->ids_off; k < L->ids_off + L->ids_n; k++) {
		long h = set_user(b, b->ids[k]);
		if (h < 0 || (size_t)h >= last || (hit >= 0 && h != hit))
			return 0;
		hit = h;
	}
	if (hit < 0)
		return 0;
	struct ins_user *U = &b->u[hit];
	if (U->ids_n != L->ids_n || (U->added != 0) != (L->added != 0))
		return 0;
	if (!b->mz && !(b->mz = msgpack_zone_new(65536)))
		return nomem(e);
	msgpack_zone *z = b->mz;
	struct buf t = b->mtmp;
	t.len = 0;
	size_t orig0 = b->orig.len, nparts0 = b->nparts, tail0 = U->part_tail;
	unsigned np0 = U->nparts;
	int r;
	msgpack_object old, merged, nu;
	const char *why;
	if (U->mo)
		old = *U->mo;
	else if ((r = user_object(b, (size_t)hit, z, &old, e)) < 0)
		goto out;
	/* the record's values outlive it in the merged object */
	if (rec_copy(z, rec, &nu) < 0) {
		r = nomem(e);
		goto out;
	}
	if ((r = ins_merge_users(&old, &nu, U->added != 0, z, &merged, &why)) < 0) {
		r = nomem(e);
		goto out;
	}
	if (r == 0)
		goto out;
	/* the merged user's text: its keys, then the added not_append as before */
	unsigned added = 0;
	if (rec_json_append(&t, &merged) < 0) {
		r = err_set(e, XIT_TEMPFAIL, "record %llu: cannot be written as JSON",
			(unsigned long long)L->recno);
		goto out;
	}
	if (U->added) {
		t.len--; /* the '}' */
		size_t before = t.len;
		if ((merged.via.map.size > 0 && buf_addc(&t, ',') < 0)
		    || buf_add(&t, NOT_APPEND, sizeof NOT_APPEND - 1) < 0 || buf_addc(&t, '}') < 0) {
			r = nomem(e);
			goto out;
		}
		added = (unsigned)(t.len - 1 - before);
	}
	/* both records kept whole, for the rejects */
	if ((U->nparts == 0 && keep_record(b, (size_t)hit, U->recno, U->version, e) < 0)
	    || keep_record(b, last, L->recno, L->version, e) < 0) {
		r = -1;
		goto undo;
	}
	/* the last part went to user `last`: move it to user hit's chain */
	{
		struct ins_user *LL = &b->u[last];
		size_t k = LL->part_head;
		LL->nparts = 0;
		b->parts[k].next = SIZE_MAX;
		if (U->nparts == 0)
			U->part_head = k;
		else
			b->parts[U->part_tail].next = k;
		U->part_tail = k;
		U->nparts++;
	}
	int64_t grow = (int64_t)t.len - (int64_t)U->len;
	size_t body_after = (size_t)((int64_t)L->off - 1 + b->mdelta + grow) + 2; /* "]}" */
	if (body_after > max_bytes || b->orig.len > max_bytes) {
		r = 0;
		goto undo;
	}
	/* the merged text: the user's own until the batch is finished (no body moved) */
	char *mt = realloc(U->mt, t.len);
	if (!mt) {
		r = nomem(e);
		goto undo;
	}
	if (!U->mt)
		U->slot_len = U->len;
	memcpy(mt, t.p, t.len);
	U->mt = mt;
	if (!U->mo && !(U->mo = msgpack_zone_malloc(z, sizeof *U->mo))) {
		/* after the point of no return: the next merge of U parses its text again */
		errno = ENOMEM;
	} else {
		*U->mo = merged;
	}
	b->mdelta += grow;
	/* forget the last user (its identifiers are U's: the set is unchanged) */
	b->body.len = L->off - 1;
	b->body.p[b->body.len] = 0;
	b->meta.len = L->meta_off;
	if (b->meta.p)
		b->meta.p[b->meta.len] = 0;
	b->nids = L->ids_off;
	b->n--;
	b->merged++;
	U->len = t.len;
	U->added = added;
	r = 1;
	goto out;
undo:
	b->orig.len = orig0;
	b->nparts = nparts0;
	U->nparts = np0;
	U->part_tail = tail0;
	if (np0)
		b->parts[tail0].next = SIZE_MAX;
	b->u[last].nparts = 0;
out:
	b->mtmp = t; /* kept for the next merge */
	return r;
}
