/* map_suggest.c: see map_suggest.h. Matches column names (lower-cased, non-alphanumerics as
 * '_') against Insider's default names and common synonyms (docs/mapping.md lists them), also
 * under the a_ (attribute) and e_ (event) prefixes of Insider's warehouse import naming. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map_int.h"
#include "map_suggest.h"
#include "near.h"

#define MAXCOLS 4096

/* name, then its synonyms; NULL ends a list */
static const char *const ident_uuid[] = {"uuid", "user_uuid", "user_id", "userid", "customer_id",
	"customerid", "external_id", "member_id", "contact_id", "id", NULL};

static const char *const *const attr_syn[] = {
	(const char *const[]){"email", "email_address", "emailaddress", "e_mail", "mail", NULL},
	(const char *const[]){"phone_number", "phone", "phonenumber", "mobile", "mobile_phone",
		"mobile_number", "msisdn", "cell_phone", "telephone", "gsm", NULL},
	(const char *const[]){"email_optin", "email_opt_in", "email_consent", "email_subscribed",
		"newsletter_optin", "marketing_email_optin", "accepts_email", NULL},
	(const char *const[]){"sms_optin", "sms_opt_in", "sms_consent", "sms_subscribed", "accepts_sms", NULL},
	(const char *const[]){"whatsapp_optin", "whatsapp_opt_in", "whatsapp_consent", NULL},
	(const char *const[]){"gdpr_optin", "gdpr_opt_in", "gdpr_consent", NULL},
	(const char *const[]){"name", "first_name", "firstname", "given_name", "fname", "forename", NULL},
	(const char *const[]){"surname", "last_name", "lastname", "family_name", "lname", NULL},
	(const char *const[]){"birthday", "birth_date", "birthdate", "dob", "date_of_birth", NULL},
	(const char *const[]){"gender", "sex", NULL},
	(const char *const[]){"age", NULL},
	(const char *const[]){"language", "lang", "preferred_language", NULL},
	(const char *const[]){"country", "country_code", "country_iso", NULL},
	(const char *const[]){"city", "town", NULL},
	NULL,
};

static const char *const ev_name_syn[] = {"event_name", "event", "event_type", "event_system_name", NULL};
static const char *const ev_ts_syn[] = {"event_ts", "event_time", "event_timestamp", "event_at",
	"occurred_at", "timestamp", "ts", "event_date", NULL};
static const char *const ev_params_syn[] = {"event_params", "params", "properties",
	"event_properties", NULL};

static const char *const *const param_syn[] = {
	(const char *const[]){"product_id", "sku", "item_id", "productid", "product_sku", NULL},
	(const char *const[]){"name", "product_name", "item_name", "product_title", NULL},
	(const char *const[]){"taxonomy", "category", "category_path", "categories", "product_category", NULL},
	(const char *const[]){"currency", "currency_code", NULL},
	(const char *const[]){"quantity", "qty", "item_quantity", NULL},
	(const char *const[]){"unit_price", "price", "list_price", "original_price", NULL},
	(const char *const[]){"unit_sale_price", "sale_price", "final_price", "discounted_price", "paid_price", NULL},
	(const char *const[]){"event_group_id", "order_id", "basket_id", "cart_id", "transaction_id", "orderid", "e_guid", NULL},
	(const char *const[]){"url", "product_url", "page_url", NULL},
	(const char *const[]){"product_image_url", "image_url", "img_url", NULL},
	(const char *const[]){"locale", NULL},
	(const char *const[]){"color", "colour", NULL},
	(const char *const[]){"size", NULL},
	(const char *const[]){"shipping_cost", "shipping_fee", NULL},
	(const char *const[]){"promotion_name", "promo_name", NULL},
	(const char *const[]){"promotion_discount", "promo_discount", NULL},
	(const char *const[]){"stock", "stock_count", NULL},
	(const char *const[]){"session_id", NULL},
	NULL,
};

enum kind { K_PLAIN, K_DATE, K_OBJECT, K_OTHER }; /* what the column holds, as far as known */

struct col {
	const char *name;
	size_t len;
	char *norm;      /* lower-case, non-alphanumerics as '_' */
	const char *bare; /* norm without its a_ or e_ prefix */
	char pfx;        /* 'a', 'e' or 0: the warehouse naming's prefix */
	enum kind kind;
	const char *why; /* K_OTHER: the type that Insider cannot take */
	int used;
};

static char *
normalize(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '_';
		p[i] = (char)c;
	}
	p[n] = 0;
	return p;
}

static int
in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

/* the first unused column whose name is in list l, or -1; in context pfx ('a': identifiers
 * and attributes, 'e': events) a column of that prefix matches by its bare name too */
static int
find(struct col *c, int n, const char *const *l, char pfx)
{
	for (const char *const *w = l; *w; w++) /* by the list's order: the default name first */
		for (int i = 0; i < n; i++)
			if (!c[i].used && (strcmp(c[i].norm, *w) == 0 ||
					   (c[i].pfx == pfx && strcmp(c[i].bare, *w) == 0)))
				return i;
	return -1;
}

static int
ieq_prefix(const char *t, size_t n, const char *w)
{
	size_t k = strlen(w);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++) {
		char x = t[i];
		if (x >= 'a' && x <= 'z')
			x = (char)(x - 'a' + 'A');
		if (x != w[i])
			return 0;
	}
	return 1;
}

static enum kind
kind_of_type(const char *t, size_t n, const char **why)
{
	static const char *const other[] = {"BINARY", "INTERVAL", "GEOGRAPHY", "GEOMETRY", NULL};
	if (ieq_prefix(t, n, "DATE") || ieq_prefix(t, n, "TIMESTAMP"))
		return K_DATE;
	if (ieq_prefix(t, n, "MAP") || ieq_prefix(t, n, "STRUCT") || ieq_prefix(t, n, "VARIANT"))
		return K_OBJECT;
	for (int i = 0; other[i]; i++)
		if (ieq_prefix(t, n, other[i])) {
			*why = other[i];
			return K_OTHER;
		}
	return K_PLAIN;
}

static enum kind
kind_of_value(const msgpack_object *v)
{
	if (v->type == MSGPACK_OBJECT_MAP)
		return K_OBJECT;
	if (v->type == MSGPACK_OBJECT_STR && v->via.str.size >= 10) {
		const char *s = v->via.str.ptr;
		int date = 1;
		for (int i = 0; i < 10; i++)
			if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
				date = 0;
		if (date && (v->via.str.size == 10 || s[10] == 'T' || s[10] == ' '))
			return K_DATE;
	}
	return K_PLAIN;
}

struct sctx {
	msgpack_zone *z;
	struct col *c;
	int n;
	struct buf *notes;
	const struct val_schema *schema; /* NULL: every other column becomes a custom field */
	const char *schema_name;
};

/* the schema's custom parameters (any event) and attributes, for a lookup or a hint */
struct scan {
	const char *name; /* the name looked up */
	size_t n;
	int found_attr, found_param;
	struct near near;
	int near_param; /* the closest is a parameter */
};

static void
scan_one(void *arg, const char *event, const char *name, size_t n)
{
	struct scan *sc = arg;
	const char *was = sc->near.best;
	if (n == sc->n && memcmp(name, sc->name, n) == 0)
		*(event ? &sc->found_param : &sc->found_attr) = 1;
	near_try(&sc->near, name, n);
	if (sc->near.best != was)
		sc->near_param = event != NULL;
}

/* where the account has the custom field name: 'p' (a parameter of some event), 'a' (an
 * attribute), the one of param (1) first; else 0 and a note naming the closest; -1: memory */
static int
in_schema(struct sctx *x, const struct col *c, const char *name, int param)
{
	struct scan sc = {name, strlen(name), 0, 0, {0}, 0};
	near_init(&sc.near, name, sc.n);
	val_schema_each(x->schema, scan_one, &sc);
	if (sc.found_param && (param || !sc.found_attr))
		return 'p';
	if (sc.found_attr)
		return 'a';
	int rc;
	if (sc.near.best)
		rc = buf_printf(x->notes, "%s: left out: %s has no custom attribute or event parameter %s; "
			"closest: %s %.*s (if it is the same, map \"%.*s\": \"%s\" under %s)\n", c->name,
			x->schema_name, name, sc.near_param ? "parameter" : "attribute", (int)sc.near.bn,
			sc.near.best, (int)sc.near.bn, sc.near.best, c->name,
			sc.near_param ? "events.params.custom" : "attributes.custom");
	else
		rc = buf_printf(x->notes, "%s: left out: %s has no custom attribute or event parameter %s "
			"nor one of a close name (create it in the panel, then insider-push --fetch-schema)\n",
			c->name, x->schema_name, name);
	return rc < 0 ? -1 : 0;
}

static msgpack_object
str(const char *s)
{
	return rec_strref(s, strlen(s));
}

/* a value for column i: its name, or {"column": name, "type": "datetime"} for dates in auto
 * slots */
static int
colval(struct sctx *x, int i, int auto_slot, msgpack_object *out)
{
	x->c[i].used = 1;
	if (auto_slot && x->c[i].kind == K_DATE) {
		struct rec_mapb m;
		rec_mapb_init(&m, x->z);
		if (rec_mapb_put(&m, "column", rec_strref(x->c[i].name, x->c[i].len)) < 0 ||
		    rec_mapb_put(&m, "type", str("datetime")) < 0)
			return -1;
		*out = rec_mapb_done(&m);
		return 0;
	}
	*out = rec_strref(x->c[i].name, x->c[i].len);
	return 0;
}

static int
note(struct sctx *x, const char *fmt, const char *a, const char *b)
{
	return buf_printf(x->notes, fmt, a, b);
}

static int
suggest(struct sctx *x, struct buf *out)
{
	struct rec_mapb root, ids, attrs, custom;
	int i, uu, em, ph;
	rec_mapb_init(&root, x->z);
	rec_mapb_init(&ids, x->z);
	rec_mapb_init(&attrs, x->z);
	rec_mapb_init(&custom, x->z);
	msgpack_object v;

	for (i = 0; i < x->n; i++) /* metadata and what Insider cannot hold */
		if (x->c[i].name[0] == '_')
			x->c[i].used = 1;
	/* identifiers: a uuid column; else email; else phone */
	uu = find(x->c, x->n, ident_uuid, 'a');
	if (uu >= 0) {
		if (colval(x, uu, 0, &v) < 0 || rec_mapb_put(&ids, "uuid", v) < 0)
			return -1;
	} else if ((em = find(x->c, x->n, attr_syn[0], 'a')) >= 0) {
		if (colval(x, em, 0, &v) < 0 || rec_mapb_put(&ids, "email", v) < 0)
			return -1;
	} else if ((ph = find(x->c, x->n, attr_syn[1], 'a')) >= 0) {
		if (colval(x, ph, 0, &v) < 0 || rec_mapb_put(&ids, "phone_number", v) < 0)
			return -1;
	} else if (note(x, "no identifier column found (%s%s): add one under \"identifiers\"\n",
			   "uuid, user_id, customer_id, email or phone", "") < 0)
		return -1;
	/* events: an event name column and a timestamp column */
	int en = find(x->c, x->n, ev_name_syn, 'e'), et = -1;
	struct rec_mapb ev, params, pcustom;
	rec_mapb_init(&ev, x->z);
	rec_mapb_init(&params, x->z);
	rec_mapb_init(&pcustom, x->z);
	if (en >= 0) {
		x->c[en].used = 1;
		et = find(x->c, x->n, ev_ts_syn, 'e');
		if (rec_mapb_put(&ev, "name", rec_strref(x->c[en].name, x->c[en].len)) < 0)
			return -1;
		if (et >= 0) {
			x->c[et].used = 1;
			v = rec_strref(x->c[et].name, x->c[et].len);
		} else {
			v = str("_commit_timestamp");
			if (note(x, "events.timestamp: no event time column found: %s%s\n",
				    "using _commit_timestamp (the time of the change)", "") < 0)
				return -1;
		}
		if (rec_mapb_put(&ev, "timestamp", v) < 0)
			return -1;
		for (int p = 0; param_syn[p]; p++) {
			int k = find(x->c, x->n, param_syn[p], 'e');
			if (k < 0)
				continue;
			if (x->c[k].kind == K_OBJECT || x->c[k].kind == K_OTHER) {
				continue;
			}
			if (colval(x, k, 0, &v) < 0 || rec_mapb_put(&params, param_syn[p][0], v) < 0)
				return -1;
		}
	}
	/* default attributes (email and phone too, when not the identifier) */
	for (int a = 0; attr_syn[a]; a++) {
		int k = find(x->c, x->n, attr_syn[a], 'a');
		if (k < 0 || x->c[k].kind == K_OBJECT || x->c[k].kind == K_OTHER)
			continue;
		if (colval(x, k, 0, &v) < 0 || rec_mapb_put(&attrs, attr_syn[a][0], v) < 0)
			return -1;
	}
	/* the rest: custom attributes, or custom event parameters in an events table */
	int spread = -1;
	for (i = 0; en >= 0 && spread < 0 && i < x->n; i++) /* an object column of parameters */
		if (!x->c[i].used && x->c[i].kind == K_OBJECT && in_list(ev_params_syn, x->c[i].norm)) {
			spread = i;
			x->c[i].used = 1;
		}
	for (i = 0; i < x->n; i++) {
		struct col *c = &x->c[i];
		if (c->used)
			continue;
		if (c->kind == K_OTHER) {
			if (note(x, "%s: left out: %s is not an Insider type\n", c->name, c->why) < 0)
				return -1;
			continue;
		}
		if (c->kind == K_OBJECT) {
			if (note(x, "%s: left out: an object is not an Insider value (take its fields with {\"jq\": \".%s.FIELD\"})\n",
				    c->name, c->name) < 0)
				return -1;
			continue;
		}
		/* a custom parameter in an events table (unless an object column holds them, or
		 * the column is an a_ attribute), else a custom attribute; named without its a_ or
		 * e_ prefix where the prefix fits */
		int param = en >= 0 && spread < 0 && c->pfx != 'a';
		struct rec_mapb *into = param ? &pcustom : &custom;
		const char *cname = c->pfx == (param ? 'e' : 'a') ? c->bare : c->norm;
		if (x->schema) { /* where the account has it, if it has it */
			int k = in_schema(x, c, cname, param);
			if (k < 0)
				return -1;
			if (k == 0) {
				c->used = 1;
				continue;
			}
			if (en >= 0 && spread < 0)
				into = k == 'p' ? &pcustom : &custom;
		}
		int dup = 0;
		for (uint32_t j = 0; j < into->n; j++)
			if (strcmp(into->kv[j].key.via.str.ptr, cname) == 0)
				dup = 1;
		if (dup) {
			if (note(x, "%s: left out: another column has the custom name %s\n", c->name, cname) < 0)
				return -1;
			continue;
		}
		if (colval(x, i, 1, &v) < 0 || rec_mapb_put(into, cname, v) < 0)
			return -1;
	}
	if (custom.n && rec_mapb_put(&attrs, "custom", rec_mapb_done(&custom)) < 0)
		return -1;
	if (rec_mapb_put(&root, "identifiers", rec_mapb_done(&ids)) < 0)
		return -1;
	if (attrs.n && rec_mapb_put(&root, "attributes", rec_mapb_done(&attrs)) < 0)
		return -1;
	if (en >= 0) {
		msgpack_object sp = spread >= 0 ? rec_strref(x->c[spread].name, x->c[spread].len) : rec_nil();
		if (spread >= 0 && params.n == 0)
			v = sp; /* the object column holds every parameter */
		else {
			if (spread >= 0 && rec_mapb_put(&params, "custom", sp) < 0)
				return -1;
			if (pcustom.n && rec_mapb_put(&params, "custom", rec_mapb_done(&pcustom)) < 0)
				return -1;
			v = rec_mapb_done(&params);
		}
		if (v.type == MSGPACK_OBJECT_STR || v.via.map.size)
			if (rec_mapb_put(&ev, "params", v) < 0)
				return -1;
		if (rec_mapb_put(&root, "events", rec_mapb_done(&ev)) < 0)
			return -1;
	}
	v = rec_mapb_done(&root);
	if (rec_json_append_pretty(out, &v) < 0 || buf_addc(out, '\n') < 0)
		return -1;
	return 0;
}

int
map_suggest(int in_fd, const struct val_schema *acct, const char *schema_name, struct buf *out,
	struct buf *notes, struct err *e)
{
	struct rec_reader *rd = rec_reader_new(in_fd, 0);
	msgpack_zone *z = msgpack_zone_new(8192);
	struct col *cols = NULL;
	msgpack_object rec;
	int n = 0, rc = -1;
	if (!rd || !z) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		goto out;
	}
	int k = rec_read(rd, &rec, e);
	if (k < 0)
		goto out;
	if (k == 0) {
		err_set(e, XIT_DATAERR, "no input: give a schema line or a record");
		goto out;
	}
	const msgpack_object *schema = rec.type == MSGPACK_OBJECT_MAP ? rec_get(&rec, "_schema") : NULL;
	const msgpack_object *list = NULL;
	if (schema) {
		list = schema->type == MSGPACK_OBJECT_MAP ? rec_get(schema, "columns") : NULL;
		if (!list || list->type != MSGPACK_OBJECT_ARRAY) {
			err_set(e, XIT_DATAERR, "record 1: _schema: expected {\"table\": ..., \"columns\": [{\"name\": ..., \"type\": ...}]}");
			goto out;
		}
	} else if (rec.type != MSGPACK_OBJECT_MAP) {
		err_set(e, XIT_DATAERR, "record 1: not an object");
		goto out;
	}
	uint32_t total = schema ? list->via.array.size : rec.via.map.size;
	if (total > MAXCOLS) {
		err_set(e, XIT_DATAERR, "record 1: more than %d columns", MAXCOLS);
		goto out;
	}
	if (!(cols = calloc(total ? total : 1, sizeof *cols))) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < total; i++) {
		struct col *c = &cols[n];
		const msgpack_object *name, *type = NULL;
		if (schema) {
			const msgpack_object *it = &list->via.array.ptr[i];
			name = it->type == MSGPACK_OBJECT_MAP ? rec_get(it, "name") : NULL;
			type = it->type == MSGPACK_OBJECT_MAP ? rec_get(it, "type") : NULL;
			if (!name || name->type != MSGPACK_OBJECT_STR || name->via.str.size == 0) {
				err_set(e, XIT_DATAERR, "record 1: _schema.columns[%u]: expected {\"name\": ..., \"type\": ...}", i);
				goto out;
			}
		} else
			name = &rec.via.map.ptr[i].key;
		if (name->type != MSGPACK_OBJECT_STR || name->via.str.size == 0)
			continue;
		/* a NUL-terminated copy of the name, for the notes */
		char *nm;
		if (!(nm = msgpack_zone_malloc(z, name->via.str.size + 1)) ||
		    !(c->norm = normalize(name->via.str.ptr, name->via.str.size))) {
			err_set(e, XIT_TEMPFAIL, "out of memory");
			goto out;
		}
		memcpy(nm, name->via.str.ptr, name->via.str.size);
		nm[name->via.str.size] = 0;
		c->name = nm, c->len = name->via.str.size;
		c->bare = c->norm;
		if ((c->norm[0] == 'a' || c->norm[0] == 'e') && c->norm[1] == '_' && c->norm[2]) {
			c->pfx = c->norm[0];
			c->bare = c->norm + 2;
		}
		if (type && type->type == MSGPACK_OBJECT_STR)
			c->kind = kind_of_type(type->via.str.ptr, type->via.str.size, &c->why);
		else if (!schema)
			c->kind = kind_of_value(&rec.via.map.ptr[i].val);
		n++;
	}
	struct sctx x = {z, cols, n, notes, acct, schema_name ? schema_name : "the schema"};
	if (suggest(&x, out) < 0) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; cols && i < n; i++)
		free(cols[i].norm);
	free(cols);
	rec_reader_free(rd);
	if (z)
		msgpack_zone_free(z);
	return rc;
}
