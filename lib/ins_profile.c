/* ins_profile.c: see ins_profile.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "buf.h"
#include "http.h"
#include "ins_profile.h"
#include "ins_push.h"
#include "ins_resp.h"
#include "rec.h"
#include "scrub.h"
#include "val_fmt.h"

/* one attribute as sent last: name, custom or not, value as JSON text (NULL: cleared, by
 * _clear: Insider should not hold it) */
struct rc_attr {
	char *name;
	int custom;
	char *json;
};

struct rc_event {
	char *name;
	char *ts;
	int64_t epoch;
};

struct rc_user {
	uint64_t hash;
	char *key;              /* identifiers (or insider_id) as JSON: the identity */
	char *who;              /* "\"identifiers\":{...}" or "\"insider_id\":\"...\"" */
	char *ids;              /* the identifiers object (JSON) for the report */
	struct rc_attr *a;
	size_t na, ca;
	struct rc_event ev[INS_RC_EVENTS];
	size_t nev, evnext;
	int deleted;            /* the last word was _delete: "profile": no profile expected */
};

static uint64_t
fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	/* mix, so that users alike do not hash alike in the low bits */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void
user_free(struct rc_user *u)
{
	if (!u)
		return;
	free(u->key);
	free(u->who);
	free(u->ids);
	for (size_t i = 0; i < u->na; i++) {
		free(u->a[i].name);
		free(u->a[i].json);
	}
	free(u->a);
	for (size_t i = 0; i < u->nev; i++) {
		free(u->ev[i].name);
		free(u->ev[i].ts);
	}
	free(u);
}

static char *
dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

static char *
json_of(const msgpack_object *v)
{
	struct buf b = BUF_INIT;
	if (rec_json_append(&b, v) < 0) {
		buf_free(&b);
		return NULL;
	}
	char *p = buf_detach(&b);
	return p ? p : dupn("", 0);
}

/* the identity of a record: 1 and key/who/ids (malloc'd), 0 when it has none, -1 ENOMEM */
static int
identity(const msgpack_object *r, char **key, char **who, char **ids)
{
	*key = *who = *ids = NULL;
	const msgpack_object *id = rec_get(r, "identifiers");
	const msgpack_object *iid = rec_get(r, "insider_id");
	struct buf w = BUF_INIT;
	if (id && id->type == MSGPACK_OBJECT_MAP && id->via.map.size > 0) {
		*key = json_of(id);
		*ids = json_of(id);
		if (!*key || !*ids || buf_adds(&w, "\"identifiers\":") < 0 || buf_adds(&w, *key) < 0)
			goto nomem;
	} else if (iid && iid->type == MSGPACK_OBJECT_STR && iid->via.str.size > 0) {
		struct buf k = BUF_INIT;
		if (buf_adds(&k, "{\"insider_id\":") < 0 || rec_json_append(&k, iid) < 0
		    || buf_addc(&k, '}') < 0) {
			buf_free(&k);
			goto nomem;
		}
		*key = buf_detach(&k);
		*ids = dupn(*key, strlen(*key));
		if (!*ids || buf_add(&w, *key + 1, strlen(*key) - 2) < 0)
			goto nomem;
	} else {
		return 0;
	}
	*who = buf_detach(&w);
	return 1;
nomem:
	buf_free(&w);
	free(*key);
	free(*ids);
	*key = *ids = NULL;
	return -1;
}

static int
set_attr(struct rc_user *u, const char *name, size_t nlen, int custom, const msgpack_object *v)
{
	if (v && v->type == MSGPACK_OBJECT_NIL)
		return 0; /* not sent a value: nothing to expect */
	char *j = NULL; /* v NULL: cleared */
	if (v && !(j = json_of(v)))
		return -1;
	for (size_t i = 0; i < u->na; i++) {
		if (u->a[i].custom == custom && strlen(u->a[i].name) == nlen
		    && memcmp(u->a[i].name, name, nlen) == 0) {
			free(u->a[i].json);
			u->a[i].json = j;
			return 0;
		}
	}
	if (u->na == u->ca) {
		size_t nc = u->ca ? u->ca * 2 : 8;
		struct rc_attr *na = realloc(u->a, nc * sizeof *na);
		if (!na) {
			free(j);
			return -1;
		}
		u->a = na;
		u->ca = nc;
	}
	char *n = dupn(name, nlen);
	if (!n) {
		free(j);
		return -1;
	}
	u->a[u->na++] = (struct rc_attr){ n, custom, j };
	return 0;
}

static int
add_event(struct rc_user *u, const msgpack_object *ev)
{
	const msgpack_object *n = rec_get(ev, "event_name"), *t = rec_get(ev, "timestamp");
	int64_t epoch;
	if (!n || n->type != MSGPACK_OBJECT_STR || !t || t->type != MSGPACK_OBJECT_STR
	    || val_fmt_rfc3339(t->via.str.ptr, t->via.str.size, &epoch, NULL) < 0)
		return 0;
	for (size_t i = 0; i < u->nev; i++)
		if (u->ev[i].epoch == epoch && strlen(u->ev[i].name) == n->via.str.size
		    && memcmp(u->ev[i].name, n->via.str.ptr, n->via.str.size) == 0)
			return 0;
	char *nm = dupn(n->via.str.ptr, n->via.str.size), *ts = dupn(t->via.str.ptr, t->via.str.size);
	if (!nm || !ts) {
		free(nm);
		free(ts);
		return -1;
	}
	size_t slot;
	if (u->nev < INS_RC_EVENTS) {
		slot = u->nev++;
	} else { /* the oldest kept goes */
		slot = u->evnext;
		u->evnext = (u->evnext + 1) % INS_RC_EVENTS;
		free(u->ev[slot].name);
		free(u->ev[slot].ts);
	}
	u->ev[slot] = (struct rc_event){ nm, ts, epoch };
	return 0;
}

static void
forget(struct rc_user *u)
{
	for (size_t i = 0; i < u->na; i++) {
		free(u->a[i].name);
		free(u->a[i].json);
	}
	u->na = 0;
	for (size_t i = 0; i < u->nev; i++) {
		free(u->ev[i].name);
		free(u->ev[i].ts);
	}
	u->nev = u->evnext = 0;
}

/* folds one record into its user: its values, its clears (_clear), its deletion (_delete) */
static int
fold(struct rc_user *u, const msgpack_object *r)
{
	const msgpack_object *del = rec_get(r, "_delete");
	if (del && rec_str_eq(del, "profile")) {
		forget(u);
		u->deleted = 1;
		return 0;
	}
	const msgpack_object *a = rec_get(r, "attributes");
	if ((a && a->type == MSGPACK_OBJECT_MAP && a->via.map.size)
	    || rec_get(r, "events"))
		u->deleted = 0; /* an upsert after a deletion makes a new profile */
	if (a && a->type == MSGPACK_OBJECT_MAP) {
		for (uint32_t i = 0; i < a->via.map.size; i++) {
			const msgpack_object_kv *kv = &a->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				continue;
			if (rec_str_eq(&kv->key, "custom")) {
				if (kv->val.type != MSGPACK_OBJECT_MAP)
					continue;
				for (uint32_t j = 0; j < kv->val.via.map.size; j++) {
					const msgpack_object_kv *c = &kv->val.via.map.ptr[j];
					if (c->key.type == MSGPACK_OBJECT_STR
					    && set_attr(u, c->key.via.str.ptr, c->key.via.str.size, 1, &c->val) < 0)
						return -1;
				}
			} else if (set_attr(u, kv->key.via.str.ptr, kv->key.via.str.size, 0, &kv->val) < 0) {
				return -1;
			}
		}
	}
	const msgpack_object *ev = rec_get(r, "events");
	for (uint32_t i = 0; ev && ev->type == MSGPACK_OBJECT_ARRAY && i < ev->via.array.size; i++)
		if (ev->via.array.ptr[i].type == MSGPACK_OBJECT_MAP && add_event(u, &ev->via.array.ptr[i]) < 0)
			return -1;
	const msgpack_object *cl = rec_get(r, "_clear"); /* after the upsert part, as sent */
	for (uint32_t i = 0; cl && cl->type == MSGPACK_OBJECT_ARRAY && i < cl->via.array.size; i++) {
		const msgpack_object *n = &cl->via.array.ptr[i];
		if (n->type != MSGPACK_OBJECT_STR || n->via.str.size == 0)
			continue;
		int custom = n->via.str.size > 7 && memcmp(n->via.str.ptr, "custom.", 7) == 0;
		if (set_attr(u, n->via.str.ptr + (custom ? 7 : 0), n->via.str.size - (custom ? 7 : 0),
			custom, NULL) < 0)
			return -1;
	}
	return 0;
}

/* ---- the exclude file: hashes of the rejected users' identities, sorted */
struct hashes {
	uint64_t *h;
	size_t n, cap;
};

static int
u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int
load_exclude(const char *path, struct hashes *hs, struct err *e)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return err_set(e, XIT_CONFIG, "%s: cannot open:", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;
	msgpack_zone *z = msgpack_zone_new(8192);
	if (!z) {
		fclose(f);
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		msgpack_object o;
		struct err pe = ERR_INIT;
		msgpack_zone_clear(z);
		if (rec_json_parse(line, (size_t)n, z, &o, &pe) < 0 || o.type != MSGPACK_OBJECT_MAP)
			continue; /* not a rejects line: nothing to exclude */
		const msgpack_object *r = rec_get(&o, "record");
		char *key, *who, *ids;
		int k = r && r->type == MSGPACK_OBJECT_MAP ? identity(r, &key, &who, &ids) : 0;
		if (k < 0) {
			ret = err_set(e, XIT_TEMPFAIL, "out of memory:");
			break;
		}
		if (k == 0)
			continue;
		uint64_t h = fnv1a(key, strlen(key));
		free(key);
		free(who);
		free(ids);
		if (hs->n == hs->cap) {
			size_t nc = hs->cap ? hs->cap * 2 : 64;
			uint64_t *nh = realloc(hs->h, nc * sizeof *nh);
			if (!nh) {
				ret = err_set(e, XIT_TEMPFAIL, "out of memory:");
				break;
			}
			hs->h = nh;
			hs->cap = nc;
		}
		hs->h[hs->n++] = h;
	}
	if (ret == 0 && ferror(f))
		ret = err_set(e, XIT_CONFIG, "%s: cannot read:", path);
	free(line);
	fclose(f);
	msgpack_zone_free(z);
	if (hs->n > 1)
		qsort(hs->h, hs->n, sizeof *hs->h, u64cmp);
	return ret;
}

static int
excluded(const struct hashes *hs, uint64_t h)
{
	return hs->n && bsearch(&h, hs->h, hs->n, sizeof h, u64cmp) != NULL;
}

/* ---- comparing */
static int
as_time(const msgpack_object *v, int64_t *t)
{
	return v->type == MSGPACK_OBJECT_STR
		&& val_fmt_rfc3339(v->via.str.ptr, v->via.str.size, t, NULL) == 0;
}

int
ins_rc_value_eq(const msgpack_object *s, const msgpack_object *g)
{
	if (rec_is_number(s) && rec_is_number(g)) {
		int64_t a, b;
		if (rec_to_int64(s, &a) == 0 && rec_to_int64(g, &b) == 0)
			return a == b;
		double x, y;
		if (rec_to_double(s, &x) < 0 || rec_to_double(g, &y) < 0)
			return 0;
		return x == y || fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y));
	}
	if (s->type == MSGPACK_OBJECT_BOOLEAN && g->type == MSGPACK_OBJECT_BOOLEAN)
		return s->via.boolean == g->via.boolean;
	if (s->type == MSGPACK_OBJECT_STR && g->type == MSGPACK_OBJECT_STR) {
		if (s->via.str.size == g->via.str.size
		    && memcmp(s->via.str.ptr, g->via.str.ptr, s->via.str.size) == 0)
			return 1;
		int64_t a, b;
		return as_time(s, &a) && as_time(g, &b) && a == b;
	}
	if (s->type == MSGPACK_OBJECT_ARRAY && g->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < s->via.array.size; i++) {
			uint32_t j;
			for (j = 0; j < g->via.array.size; j++)
				if (ins_rc_value_eq(&s->via.array.ptr[i], &g->via.array.ptr[j]))
					break;
			if (j == g->via.array.size)
				return 0;
		}
		return 1;
	}
	if (s->type == MSGPACK_OBJECT_MAP && g->type == MSGPACK_OBJECT_MAP) {
		if (s->via.map.size != g->via.map.size)
			return 0;
		for (uint32_t i = 0; i < s->via.map.size; i++) {
			const msgpack_object_kv *kv = &s->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				return 0;
			const msgpack_object *o = rec_getn(g, kv->key.via.str.ptr, kv->key.via.str.size);
			if (!o || !ins_rc_value_eq(&kv->val, o))
				return 0;
		}
		return 1;
	}
	return 0;
}

/* retention in days of an event (reference 1.7), for deciding what can still be checked */
static int64_t
retention_days(const char *name)
{
	static const char *const long_lived[] = { "purchase", "confirmation_page_view",
		"journey_entered" };
	for (size_t i = 0; i < sizeof long_lived / sizeof long_lived[0]; i++)
		if (strcmp(name, long_lived[i]) == 0)
			return 730;
	return 90;
}

struct rc_ctx {
	const struct ins_rc_opts *o;
	struct http_client *cl;
	const char *headers[5];
	char url[2048];
	int64_t now;
	long gap_ms;
	struct timespec last;
	int sent_any;
	struct buf req, line;
	msgpack_zone *z;
	struct scrub sc;        /* the token, out of every text from the service */
};

/* "attributes.name" / "attributes.custom.tier" difference, or an event's */
static int
add_diff(struct buf *b, int *first, const char *field, const char *field2, const char *sent,
	const msgpack_object *got)
{
	if ((!*first && buf_addc(b, ',') < 0) || buf_adds(b, "{\"field\":") < 0)
		return -1;
	*first = 0;
	struct buf f = BUF_INIT;
	int r = buf_adds(&f, field) < 0 || buf_adds(&f, field2) < 0
		|| rec_json_str_append(b, f.p, f.len) < 0 || buf_adds(b, ",\"sent\":") < 0
		|| buf_adds(b, sent) < 0 || buf_adds(b, ",\"insider\":") < 0;
	buf_free(&f);
	if (r)
		return -1;
	if (got) {
		if (rec_json_append(b, got) < 0)
			return -1;
	} else if (buf_adds(b, "null") < 0) {
		return -1;
	}
	return buf_addc(b, '}');
}

static void
pace(struct rc_ctx *c)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (c->sent_any) {
		long el = (now.tv_sec - c->last.tv_sec) * 1000 + (now.tv_nsec - c->last.tv_nsec) / 1000000;
		long wait = c->gap_ms - el;
		while (wait > 0 && !http_aborted()) {
			long step = wait > 200 ? 200 : wait;
			struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
			nanosleep(&ts, NULL);
			wait -= step;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	}
	c->last = now;
	c->sent_any = 1;
}

/* the profile read of one user: its request body into c->req */
static int
profile_body(struct rc_ctx *c, const struct rc_user *u)
{
	struct buf *b = &c->req;
	buf_reset(b);
	if (buf_addc(b, '{') < 0 || buf_adds(b, u->who) < 0 || buf_adds(b, ",\"attributes\":[") < 0)
		return -1;
	for (size_t i = 0; i < u->na; i++) {
		struct buf n = BUF_INIT;
		int r = (u->a[i].custom && buf_adds(&n, "c_") < 0) || buf_adds(&n, u->a[i].name) < 0
			|| (i && buf_addc(b, ',') < 0) || rec_json_str_append(b, n.p, n.len) < 0;
		buf_free(&n);
		if (r)
			return -1;
	}
	if (buf_addc(b, ']') < 0)
		return -1;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	int any = 0;
	for (size_t i = 0; i < u->nev; i++) {
		if (u->ev[i].epoch < c->now - retention_days(u->ev[i].name) * 86400)
			continue;
		any = 1;
		if (u->ev[i].epoch < lo)
			lo = u->ev[i].epoch;
		if (u->ev[i].epoch > hi)
			hi = u->ev[i].epoch;
	}
	if (any) {
		if (buf_printf(b, ",\"events\":{\"start_date\":%lld,\"end_date\":%lld,\"wanted\":[",
			(long long)(lo - 1), (long long)(hi + 1)) < 0)
			return -1;
		int first = 1;
		for (size_t i = 0; i < u->nev; i++) {
			size_t j;
			for (j = 0; j < i; j++)
				if (strcmp(u->ev[j].name, u->ev[i].name) == 0)
					break;
			if (j < i)
				continue;
			if ((!first && buf_addc(b, ',') < 0) || buf_adds(b, "{\"event_name\":") < 0
			    || rec_json_str_append(b, u->ev[i].name, strlen(u->ev[i].name)) < 0
			    || buf_adds(b, ",\"params\":[]}") < 0)
				return -1;
			first = 0;
		}
		if (buf_adds(b, "]}") < 0)
			return -1;
	}
	return buf_adds(b, ",\"quota\":true}");
}

/* compares one user with the answer; the report line into c->line; *res 0/1/2 */
static int
compare(struct rc_ctx *c, const struct rc_user *u, const msgpack_object *ans, int *res)
{
	struct buf *b = &c->line;
	const msgpack_object *ga = rec_get(ans, "attributes"), *ge = rec_get(ans, "events");
	struct buf d = BUF_INIT;
	int first = 1;
	for (size_t i = 0; i < u->na; i++) {
		msgpack_object sv;
		struct err pe = ERR_INIT;
		if (u->a[i].json && rec_json_parse(u->a[i].json, strlen(u->a[i].json), c->z, &sv, &pe) < 0)
			continue;
		const msgpack_object *gv = NULL;
		if (ga && ga->type == MSGPACK_OBJECT_MAP) {
			if (u->a[i].custom) {
				struct buf n = BUF_INIT;
				if (buf_adds(&n, "c_") < 0 || buf_adds(&n, u->a[i].name) < 0) {
					buf_free(&n);
					goto nomem;
				}
				gv = rec_getn(ga, n.p, n.len);
				buf_free(&n);
			} else {
				gv = rec_get(ga, u->a[i].name);
				if (!gv && strcmp(u->a[i].name, "gdpr_optin") == 0)
					gv = rec_get(ga, "gdpr");
			}
		}
		if (u->a[i].json ? gv && ins_rc_value_eq(&sv, gv) : !gv)
			continue; /* the value sent, or a cleared one absent */
		if (add_diff(&d, &first, u->a[i].custom ? "attributes.custom." : "attributes.",
			u->a[i].name, u->a[i].json ? u->a[i].json : "null", gv) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < u->nev; i++) {
		if (u->ev[i].epoch < c->now - retention_days(u->ev[i].name) * 86400)
			continue;
		const msgpack_object *list = ge && ge->type == MSGPACK_OBJECT_MAP
			? rec_get(ge, u->ev[i].name) : NULL;
		int found = 0;
		for (uint32_t j = 0; list && list->type == MSGPACK_OBJECT_ARRAY && j < list->via.array.size; j++) {
			const msgpack_object *cd = list->via.array.ptr[j].type == MSGPACK_OBJECT_MAP
				? rec_get(&list->via.array.ptr[j], "created_date") : NULL;
			int64_t t;
			if (cd && as_time(cd, &t) && t == u->ev[i].epoch) {
				found = 1;
				break;
			}
		}
		if (found)
			continue;
		struct buf ts = BUF_INIT;
		int r = rec_json_str_append(&ts, u->ev[i].ts, strlen(u->ev[i].ts)) < 0
			|| add_diff(&d, &first, "events.", u->ev[i].name, ts.p, NULL) < 0;
		buf_free(&ts);
		if (r)
			goto nomem;
	}
	*res = d.len ? 1 : 0;
	if (buf_printf(b, "{\"result\":\"%s\",\"identifiers\":%s", d.len ? "differing" : "matched",
		u->ids) < 0 || (d.len && (buf_adds(b, ",\"differences\":[") < 0
		|| buf_add(b, d.p, d.len) < 0 || buf_addc(b, ']') < 0)) || buf_addc(b, '}') < 0)
		goto nomem;
	buf_free(&d);
	return 0;
nomem:
	buf_free(&d);
	return -1;
}

/* reads one user back and reports it */
static int
check_user(struct rc_ctx *c, const struct rc_user *u, struct ins_rc_stats *st, struct err *e)
{
	if (profile_body(c, u) < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	struct http_req req = { 0 };
	req.method = "POST";
	req.url = c->url;
	req.headers = c->headers;
	req.body = c->req.p;
	req.body_len = c->req.len;
	struct http_retry rp;
	http_retry_default(&rp);
	if (c->o->conn.max_attempts > 0)
		rp.max_attempts = c->o->conn.max_attempts;
	if (c->o->conn.backoff_ms > 0)
		rp.base_ms = c->o->conn.backoff_ms;
	rp.retry_500 = 1;
	struct http_resp resp = HTTP_RESP_INIT;
	pace(c);
	if (http_do_retry(c->cl, &req, &rp, &resp, e) < 0) {
		scrub_text(&c->sc, e->msg);
		http_resp_free(&resp);
		return -1;
	}
	int ret = 0, res = 2;
	char msg[320];
	ins_resp_message(resp.body, resp.len, msg, sizeof msg);
	scrub_text(&c->sc, msg);
	buf_reset(&c->line);
	msgpack_zone_clear(c->z);
	if (u->deleted && (resp.status == 200 || resp.status == 404)) {
		/* deleted: no profile is the match (reference 5.3) */
		res = resp.status == 404 ? 0 : 1;
		if (buf_printf(&c->line, "{\"result\":\"%s\",\"identifiers\":%s,\"deleted\":true%s}",
			res ? "differing" : "matched", u->ids, res
			? ",\"differences\":[{\"field\":\"profile\",\"sent\":\"deleted\",\"insider\":\"present\"}]"
			: "") < 0)
			ret = err_set(e, XIT_TEMPFAIL, "out of memory:");
	} else if (resp.status == 200) {
		msgpack_object ans;
		struct err pe = ERR_INIT;
		if (rec_json_parse(resp.body, resp.len, c->z, &ans, &pe) < 0
		    || ans.type != MSGPACK_OBJECT_MAP) {
			ret = err_set(e, XIT_UNAVAILABLE, "profile read: Insider answered HTTP 200 with a body that is not a JSON object");
		} else if (compare(c, u, &ans, &res) < 0) {
			ret = err_set(e, XIT_TEMPFAIL, "out of memory:");
		}
	} else if (resp.status == 404) {
		if (buf_printf(&c->line, "{\"result\":\"missing\",\"identifiers\":%s,\"message\":", u->ids) < 0
		    || rec_json_str_append(&c->line, msg, strlen(msg)) < 0 || buf_addc(&c->line, '}') < 0)
			ret = err_set(e, XIT_TEMPFAIL, "out of memory:");
	} else if (resp.status == 401 || resp.status == 403) {
		ret = err_set(e, XIT_NOPERM, "profile read: Insider answered HTTP %ld%s%s", resp.status,
			msg[0] ? ": " : "", msg);
	} else if (resp.status == 400) {
		ret = err_set(e, strstr(msg, "Partner is invalid") ? XIT_NOPERM : XIT_CONFIG,
			"profile read: Insider answered HTTP 400: %s", msg);
	} else {
		ret = err_set(e, XIT_UNAVAILABLE, "profile read: Insider answered HTTP %ld%s%s",
			resp.status, msg[0] ? ": " : "", msg);
	}
	http_resp_free(&resp);
	if (ret < 0)
		return -1;
	st->checked++;
	if (res == 0)
		st->matched++;
	else if (res == 1)
		st->differing++;
	else
		st->missing++;
	scrub_text(&c->sc, c->line.p); /* Insider's values are in it */
	if (c->o->line && c->o->line(c->o->arg, c->line.p, c->line.len) < 0)
		return err_set(e, XIT_TEMPFAIL, "cannot write the report:");
	return 0;
}

static int
by_hash(const void *a, const void *b)
{
	const struct rc_user *x = *(struct rc_user *const *)a, *y = *(struct rc_user *const *)b;
	return (x->hash > y->hash) - (x->hash < y->hash);
}

int
ins_reconcile(const struct ins_rc_opts *o, struct ins_rc_stats *st, struct err *e)
{
	memset(st, 0, sizeof *st);
	if (o->sample < 1)
		return err_set(e, XIT_USAGE, "the sample must be at least 1 user");
	struct rc_ctx c;
	memset(&c, 0, sizeof c);
	c.o = o;
	c.now = o->now ? o->now : (int64_t)time(NULL);
	double rate = o->rate > 0 ? o->rate : INS_RC_RATE;
	c.gap_ms = (long)(60000.0 / rate);
	scrub_add(&c.sc, o->conn.token);
	if (ins_check_partner(o->conn.partner, e) < 0 || ins_check_token(o->conn.token, e) < 0
	    || ins_endpoint(o->conn.base_url, INS_PROFILE_PATH, c.url, sizeof c.url, e) < 0)
		return -1;
	struct hashes ex = { 0 };
	if (o->exclude && load_exclude(o->exclude, &ex, e) < 0) {
		free(ex.h);
		return -1;
	}
	size_t cap = (size_t)o->sample;
	struct rc_user **set = calloc(cap, sizeof *set);
	struct rec_reader *rd = rec_reader_new(o->in_fd, o->max_record);
	c.z = msgpack_zone_new(8192);
	char *ht = NULL;
	size_t tl = 0, n = 0;
	int ret = -1;
	if (!set || !rd || !c.z) {
		err_set(e, XIT_TEMPFAIL, "out of memory:");
		goto out;
	}
	/* 1. the sample: bottom-k by identity hash, each user folded in input order */
	msgpack_object r;
	int k;
	while ((k = rec_read(rd, &r, e)) == 1) {
		st->records++;
		if (r.type != MSGPACK_OBJECT_MAP)
			continue;
		char *key, *who, *ids;
		int id = identity(&r, &key, &who, &ids);
		if (id < 0) {
			err_set(e, XIT_TEMPFAIL, "out of memory:");
			goto out;
		}
		if (id == 0)
			continue;
		uint64_t h = fnv1a(key, strlen(key));
		if (excluded(&ex, h)) {
			st->excluded++;
			free(key);
			free(who);
			free(ids);
			continue;
		}
		struct rc_user *u = NULL;
		size_t maxi = 0;
		for (size_t i = 0; i < n; i++) {
			if (set[i]->hash == h && strcmp(set[i]->key, key) == 0) {
				u = set[i];
				break;
			}
			if (set[i]->hash > set[maxi]->hash)
				maxi = i;
		}
		if (!u && (n < cap || h < set[maxi]->hash)) {
			u = calloc(1, sizeof *u);
			if (!u) {
				free(key);
				free(who);
				free(ids);
				err_set(e, XIT_TEMPFAIL, "out of memory:");
				goto out;
			}
			u->hash = h;
			u->key = key;
			u->who = who;
			u->ids = ids;
			key = who = ids = NULL;
			if (n < cap) {
				set[n++] = u;
			} else {
				user_free(set[maxi]);
				set[maxi] = u;
			}
			st->users++;
		}
		free(key);
		free(who);
		free(ids);
		if (u && fold(u, &r) < 0) {
			err_set(e, XIT_TEMPFAIL, "out of memory:");
			goto out;
		}
	}
	if (k < 0)
		goto out;
	/* 2. read each profile back, in hash order (stable for the same input) */
	qsort(set, n, sizeof *set, by_hash);
	char partner[256], hp[300];
	ins_lower(o->conn.partner, partner, sizeof partner);
	snprintf(hp, sizeof hp, "X-PARTNER-NAME: %s", partner);
	tl = strlen(o->conn.token) + sizeof "X-REQUEST-TOKEN: ";
	if (!(ht = malloc(tl))) {
		err_set(e, XIT_TEMPFAIL, "out of memory:");
		goto out;
	}
	snprintf(ht, tl, "X-REQUEST-TOKEN: %s", o->conn.token);
	c.headers[0] = hp;
	c.headers[1] = ht;
	c.headers[2] = "Content-Type: application/json";
	c.headers[3] = "Accept: application/json";
	c.headers[4] = NULL;
	struct http_opts ho;
	http_opts_default(&ho);
	ho.timeout_ms = o->conn.timeout_ms > 0 ? o->conn.timeout_ms : 30000;
	if (!(c.cl = http_client_new(&ho, e)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (check_user(&c, set[i], st, e) < 0)
			goto out;
	ret = 0;
out:
	if (ht) {
		memset(ht, 0, tl);
		free(ht);
	}
	http_client_free(c.cl);
	for (size_t i = 0; set && i < n; i++)
		user_free(set[i]);
	free(set);
	rec_reader_free(rd);
	if (c.z)
		msgpack_zone_free(c.z);
	buf_free(&c.req);
	buf_free(&c.line);
	free(ex.h);
	return ret;
}
