/* ins_meta.c: see ins_meta.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http.h"
#include "ins_meta.h"
#include "scrub.h"
#include "ins_push.h"
#include "ins_resp.h"
#include "rec.h"

const char *
ins_schema_type(const char *t, size_t n)
{
	static const struct { const char *in, *out; } map[] = {
		{ "array", "strings" }, { "strings", "strings" }, { "string_array", "strings" },
		{ "array_string", "strings" }, { "string", "string" }, { "str", "string" },
		{ "text", "string" }, { "url", "string" }, { "number", "number" },
		{ "integer", "number" }, { "int", "number" }, { "float", "number" },
		{ "double", "number" }, { "decimal", "number" }, { "long", "number" },
		{ "boolean", "boolean" }, { "bool", "boolean" }, { "date", "datetime" },
		{ "datetime", "datetime" }, { "timestamp", "datetime" }, { "date_time", "datetime" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i].in) == n && strncasecmp(map[i].in, t, n) == 0)
			return map[i].out;
	return "string";
}

static int
kv_cmp(const void *a, const void *b)
{
	const msgpack_object_kv *x = a, *y = b;
	uint32_t n = x->key.via.str.size < y->key.via.str.size ? x->key.via.str.size
		: y->key.via.str.size;
	int c = memcmp(x->key.via.str.ptr, y->key.via.str.ptr, n);
	if (c)
		return c;
	return (x->key.via.str.size > y->key.via.str.size) - (x->key.via.str.size < y->key.via.str.size);
}

static msgpack_object
sorted(struct rec_mapb *m)
{
	msgpack_object o = rec_mapb_done(m);
	if (o.via.map.size > 1)
		qsort(o.via.map.ptr, o.via.map.size, sizeof *o.via.map.ptr, kv_cmp);
	return o;
}

/* a custom key: "c_name" -> "name" (0 when not custom) */
static int
custom_key(const msgpack_object *k, msgpack_object *out)
{
	if (!k || k->type != MSGPACK_OBJECT_STR || k->via.str.size <= 2
	    || memcmp(k->via.str.ptr, "c_", 2) != 0)
		return 0;
	*out = rec_strref(k->via.str.ptr + 2, k->via.str.size - 2);
	return 1;
}

static msgpack_object
type_of(const msgpack_object *col)
{
	const msgpack_object *t = rec_get(col, "type");
	const char *s = t && t->type == MSGPACK_OBJECT_STR
		? ins_schema_type(t->via.str.ptr, t->via.str.size) : "string";
	return rec_strref(s, strlen(s));
}

int
ins_schema_from_columns(const char *contacts, size_t clen, const char *events, size_t elen,
	struct buf *out, struct err *e)
{
	msgpack_zone *z = msgpack_zone_new(8192);
	if (!z)
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	int ret = -1;
	msgpack_object ca, ev;
	struct err pe = ERR_INIT;
	if (rec_json_parse(contacts, clen, z, &ca, &pe) < 0 || ca.type != MSGPACK_OBJECT_ARRAY) {
		err_set(e, XIT_UNAVAILABLE, "metadata call (contacts): the answer is not a JSON list");
		goto out;
	}
	if (rec_json_parse(events, elen, z, &ev, &pe) < 0 || ev.type != MSGPACK_OBJECT_ARRAY) {
		err_set(e, XIT_UNAVAILABLE, "metadata call (events): the answer is not a JSON list");
		goto out;
	}
	struct rec_mapb attrs, evs, root;
	rec_mapb_init(&attrs, z);
	rec_mapb_init(&evs, z);
	rec_mapb_init(&root, z);
	for (uint32_t i = 0; i < ca.via.array.size; i++) {
		const msgpack_object *col = &ca.via.array.ptr[i];
		msgpack_object name;
		if (col->type != MSGPACK_OBJECT_MAP || !custom_key(rec_get(col, "key"), &name))
			continue; /* default attributes are not in the schema file */
		if (rec_mapb_putk(&attrs, name, type_of(col)) < 0)
			goto nomem;
	}
	for (uint32_t i = 0; i < ev.via.array.size; i++) {
		const msgpack_object *evt = &ev.via.array.ptr[i];
		const msgpack_object *k = evt->type == MSGPACK_OBJECT_MAP ? rec_get(evt, "key") : NULL;
		if (!k || k->type != MSGPACK_OBJECT_STR || k->via.str.size == 0)
			continue;
		struct rec_mapb params;
		rec_mapb_init(&params, z);
		const msgpack_object *ps = rec_get(evt, "params");
		for (uint32_t j = 0; ps && ps->type == MSGPACK_OBJECT_ARRAY && j < ps->via.array.size; j++) {
			const msgpack_object *pc = &ps->via.array.ptr[j];
			msgpack_object pname;
			if (pc->type != MSGPACK_OBJECT_MAP || !custom_key(rec_get(pc, "key"), &pname))
				continue;
			if (rec_mapb_putk(&params, pname, type_of(pc)) < 0)
				goto nomem;
		}
		if (rec_mapb_putk(&evs, *k, sorted(&params)) < 0)
			goto nomem;
	}
	if (rec_mapb_put(&root, "attributes", sorted(&attrs)) < 0
	    || rec_mapb_put(&root, "events", sorted(&evs)) < 0)
		goto nomem;
	msgpack_object r = rec_mapb_done(&root);
	if (rec_json_append_pretty(out, &r) < 0 || buf_addc(out, '\n') < 0)
		goto nomem;
	ret = 0;
	goto out;
nomem:
	err_set(e, XIT_TEMPFAIL, "out of memory:");
out:
	msgpack_zone_free(z);
	return ret;
}

/* one metadata call: 0 with the 200 body in resp; -1 with e */
static int
meta_call(const struct ins_conn *c, const char *table, char *url, size_t urllen,
	struct http_resp *resp, struct err *e)
{
	if (ins_check_partner(c->partner, e) < 0 || ins_check_token(c->token, e) < 0
	    || ins_endpoint(c->base_url, INS_META_PATH, url, urllen, e) < 0)
		return -1;
	char partner[256], hp[300], body[64];
	ins_lower(c->partner, partner, sizeof partner);
	snprintf(hp, sizeof hp, "X-PARTNER-NAME: %s", partner);
	size_t tl = strlen(c->token) + sizeof "X-REQUEST-TOKEN: ";
	char *ht = malloc(tl);
	if (!ht)
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	snprintf(ht, tl, "X-REQUEST-TOKEN: %s", c->token);
	snprintf(body, sizeof body, "{\"table\":\"%s\"}", table);
	const char *headers[] = { hp, ht, "Content-Type: application/json",
		"Accept: application/json", NULL };
	struct http_opts ho;
	http_opts_default(&ho);
	ho.timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 30000;
	struct http_retry rp;
	http_retry_default(&rp);
	rp.max_attempts = c->max_attempts > 0 ? c->max_attempts : 4;
	rp.budget_ms = 60000;
	rp.retry_500 = 1;
	if (c->backoff_ms > 0)
		rp.base_ms = c->backoff_ms;
	struct http_req req = { 0 };
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	int ret = -1;
	struct http_client *cl = http_client_new(&ho, e);
	if (cl) {
		ret = http_do_retry(cl, &req, &rp, resp, e);
		http_client_free(cl);
	}
	memset(ht, 0, tl);
	free(ht);
	struct scrub sc = SCRUB_INIT;
	scrub_add(&sc, c->token);
	if (ret < 0) {
		scrub_text(&sc, e->msg);
		return -1;
	}
	if (resp->status == 200)
		return 0;
	char msg[320];
	ins_resp_message(resp->body, resp->len, msg, sizeof msg);
	scrub_text(&sc, msg);
	if (resp->status == 401 || resp->status == 403)
		return err_set(e, XIT_NOPERM, "Insider answered HTTP %ld%s%s", resp->status,
			msg[0] ? ": " : "", msg);
	if (resp->status == 400 && strstr(msg, "Partner is invalid"))
		return err_set(e, XIT_NOPERM, "Insider answered HTTP 400: %s", msg);
	return err_set(e, XIT_UNAVAILABLE, "Insider answered HTTP %ld%s%s",
		resp->status, msg[0] ? ": " : "", msg);
}

int
ins_verify(const struct ins_conn *c, char *url, size_t urllen, struct err *e)
{
	struct http_resp resp = HTTP_RESP_INIT;
	int r = meta_call(c, "contacts", url, urllen, &resp, e);
	http_resp_free(&resp);
	return r;
}

int
ins_fetch_schema(const struct ins_conn *c, struct buf *out, struct err *e)
{
	char url[2048];
	struct http_resp ca = HTTP_RESP_INIT, ev = HTTP_RESP_INIT;
	int r = -1;
	if (meta_call(c, "contacts", url, sizeof url, &ca, e) == 0
	    && meta_call(c, "events", url, sizeof url, &ev, e) == 0)
		r = ins_schema_from_columns(ca.body, ca.len, ev.body, ev.len, out, e);
	http_resp_free(&ca);
	http_resp_free(&ev);
	return r;
}
