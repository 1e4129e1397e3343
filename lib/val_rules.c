/* val_rules.c: see val_rules.h and docs/insider-rules.md. Every check is a hand-written
 * scan: no regex engine, no allocation on a valid record. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rec.h"
#include "val_fmt.h"
#include "val_rules.h"

static const struct {
	const char *name;
	int warning;
} rules[VR__N] = {
	[VR_USER_TYPE] = { "user-type", 0 },
	[VR_USER_KEY] = { "user-key", 0 },
	[VR_USER_EMPTY] = { "user-empty", 0 },
	[VR_IDENTIFIER_REQUIRED] = { "identifier-required", 0 },
	[VR_IDENTIFIER_KEY] = { "identifier-key", 0 },
	[VR_IDENTIFIER_TYPE] = { "identifier-type", 0 },
	[VR_IDENTIFIER_EMPTY] = { "identifier-empty", 0 },
	[VR_IDENTIFIER_EMAIL] = { "identifier-email", 0 },
	[VR_IDENTIFIER_PHONE] = { "identifier-phone", 0 },
	[VR_ATTRIBUTES_EMPTY] = { "attributes-empty", 0 },
	[VR_ATTRIBUTE_UNKNOWN] = { "attribute-unknown", 0 },
	[VR_ATTRIBUTE_TYPE] = { "attribute-type", 0 },
	[VR_ATTRIBUTE_EMAIL] = { "attribute-email", 0 },
	[VR_ATTRIBUTE_PHONE] = { "attribute-phone", 0 },
	[VR_ATTRIBUTE_BIRTHDAY] = { "attribute-birthday", 0 },
	[VR_ATTRIBUTE_COUNTRY] = { "attribute-country", 0 },
	[VR_ATTRIBUTE_LANGUAGE] = { "attribute-language", 0 },
	[VR_CUSTOM_ATTRIBUTE_UNKNOWN] = { "custom-attribute-unknown", 0 },
	[VR_CUSTOM_ATTRIBUTE_TYPE] = { "custom-attribute-type", 0 },
	[VR_OBJECT_ATTRIBUTE] = { "object-attribute", 0 },
	[VR_EVENT_TYPE] = { "event-type", 0 },
	[VR_EVENT_KEY] = { "event-key", 0 },
	[VR_EVENT_NAME] = { "event-name", 0 },
	[VR_EVENT_TIMESTAMP] = { "event-timestamp", 0 },
	[VR_EVENT_TOO_OLD] = { "event-too-old", 1 },
	[VR_EVENT_PARAM_UNKNOWN] = { "event-param-unknown", 0 },
	[VR_EVENT_PARAM_TYPE] = { "event-param-type", 0 },
	[VR_EVENT_PARAM_REQUIRED] = { "event-param-required", 0 },
	[VR_EVENT_CURRENCY] = { "event-currency", 0 },
	[VR_CUSTOM_EVENT_UNKNOWN] = { "custom-event-unknown", 0 },
	[VR_CUSTOM_PARAM_UNKNOWN] = { "custom-param-unknown", 0 },
	[VR_CUSTOM_PARAM_TYPE] = { "custom-param-type", 0 },
	[VR_NULL_VALUE] = { "null-value", 1 },
	[VR_NUMBER_RANGE] = { "number-range", 0 },
	[VR_INTEGER_RANGE] = { "integer-range", 0 },
	[VR_CLEAR] = { "clear", 0 },
	[VR_CLEAR_IDENTIFIER] = { "clear-identifier", 0 },
	[VR_DELETE] = { "delete", 0 },
};

const char *
val_rule_name(int rule)
{
	return rule >= 0 && rule < VR__N ? rules[rule].name : "?";
}

int
val_rule_is_warning(int rule)
{
	return rule >= 0 && rule < VR__N && rules[rule].warning;
}

int
val_rule_is_config(int rule)
{
	return rule == VR_CUSTOM_ATTRIBUTE_UNKNOWN || rule == VR_CUSTOM_EVENT_UNKNOWN ||
	    rule == VR_CUSTOM_PARAM_UNKNOWN;
}

int
val_rule_from_name(const char *name)
{
	for (int i = 0; i < VR__N; i++)
		if (strcmp(rules[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- the tables of Insider's default fields (reference sections 1.3, 1.4, 1.6, 1.7) ---- */

struct name {
	const char *s;
	unsigned char n, kind;
};
#define N(s, k) { s, sizeof s - 1, k }

static int
lookup(const struct name *t, size_t tn, const char *s, size_t n)
{
	for (size_t i = 0; i < tn; i++)
		if (t[i].n == n && t[i].s[0] == s[0] && memcmp(t[i].s, s, n) == 0)
			return (int)i;
	return -1;
}
#define LOOKUP(t, s, n) ((n) ? lookup(t, sizeof t / sizeof *t, s, n) : -1)

enum { U_IDENTIFIERS, U_INSIDER_ID, U_ATTRIBUTES, U_EVENTS, U_FLAG, U_OBJECT_ATTRIBUTES };
static const struct name user_keys[] = {
	N("identifiers", U_IDENTIFIERS), N("insider_id", U_INSIDER_ID),
	N("attributes", U_ATTRIBUTES),   N("events", U_EVENTS),
	N("not_append", U_FLAG),         N("append", U_FLAG),
	N("object_attributes", U_OBJECT_ATTRIBUTES),
};

enum { I_EMAIL, I_PHONE, I_UUID, I_CUSTOM };
static const struct name ident_keys[] = {
	N("email", I_EMAIL), N("phone_number", I_PHONE), N("uuid", I_UUID),
	N("em", I_EMAIL),    N("pn", I_PHONE),           N("custom", I_CUSTOM),
};

enum { A_STR, A_BOOL, A_NUM, A_EMAIL, A_PHONE, A_BIRTHDAY, A_COUNTRY, A_LANG, A_NUMARR,
       A_CUSTOM, A_ALIAS };
static const struct name attr_keys[] = {
	N("email", A_EMAIL),        N("phone_number", A_PHONE),   N("uuid", A_STR),
	N("email_optin", A_BOOL),   N("gdpr_optin", A_BOOL),      N("sms_optin", A_BOOL),
	N("whatsapp_optin", A_BOOL), N("name", A_STR),            N("surname", A_STR),
	N("birthday", A_BIRTHDAY),  N("gender", A_STR),           N("age", A_NUM),
	N("language", A_LANG),      N("country", A_COUNTRY),      N("city", A_STR),
	N("static_segment_id", A_NUMARR), N("list_id", A_NUMARR), N("lo", A_STR),
	N("custom", A_CUSTOM),
	/* sent by Insider's partners (Segment), not in the upsert doc's table */
	N("app_version", A_STR),    N("idfa", A_STR),             N("model", A_STR),
	N("last_ip", A_STR),        N("carrier", A_STR),          N("os_version", A_STR),
	N("platform", A_STR),       N("timezone", A_STR),         N("locale", A_STR),
	/* Insider's short codes: accepted by Insider, but a client sends the long names */
	N("em", A_ALIAS), N("pn", A_ALIAS), N("na", A_ALIAS), N("la", A_ALIAS), N("ci", A_ALIAS),
	N("co", A_ALIAS), N("iid", A_ALIAS), N("upta", A_ALIAS),
};
static const char *const alias_long[] = { "email", "phone_number", "name", "language", "city",
					  "country", "insider_id", "(set by Insider)" };
#define ALIAS0 28 /* index of "em" in attr_keys */

enum { E_NAME, E_TIMESTAMP, E_PARAMS };
static const struct name event_keys[] = {
	N("event_name", E_NAME), N("timestamp", E_TIMESTAMP), N("event_params", E_PARAMS),
};

enum { P_STR, P_NUM, P_INT, P_STRARR, P_CURRENCY, P_CUSTOM };
static const struct name param_keys[] = {
	N("event_group_id", P_STR),  N("product_id", P_STR),     N("name", P_STR),
	N("taxonomy", P_STRARR),     N("url", P_STR),            N("currency", P_CURRENCY),
	N("quantity", P_INT),        N("unit_price", P_NUM),     N("unit_sale_price", P_NUM),
	N("locale", P_STR),          N("color", P_STR),          N("size", P_STR),
	N("shipping_cost", P_STR),   N("promotion_name", P_STR), N("promotion_discount", P_NUM),
	N("product_image_url", P_STR), N("stock", P_NUM),        N("session_id", P_STR),
	N("variant_id", P_NUM),      N("referrer", P_STR),       N("user_agent", P_STR),
	N("custom", P_CUSTOM),
};

/* Insider's default events by system name, with their retention in days (reference section
 * 1.7; the same table as the Insider emulator, tests/emu/insider_emu.py: where the retention
 * page gives only a title, the system name is inferred). kind: index in retention[]. */
static const struct name default_events[] = {
	N("purchase", 0), N("confirmation_page_view", 0), N("journey_entered", 0),
	N("homepage_view", 1), N("listing_page_view", 1), N("product_detail_page_view", 1),
	N("cart_page_view", 1), N("other_page_view", 1), N("item_added_to_cart", 1),
	N("item_removed_from_cart", 1), N("cart_cleared", 1), N("coupon_received", 1),
	N("purchase_cancelled", 1), N("item_added_to_wishlist", 1),
	N("item_removed_from_wishlist", 1), N("email_bounce", 1), N("email_spam", 1),
	N("email_unsubscribe", 1),
	N("lead_collection_form_submit", 2), N("sign_up", 2), N("email_delivered", 2),
	N("email_open", 2), N("email_click", 2),
};
static const long retention[] = { 730, 90, 365 };
#define DEFEV_PURCHASE 0 /* indexes in default_events */
#define DEFEV_CART 6
#define RETENTION_CUSTOM 90 /* "custom events are stored for a maximum of three months" */

long
val_retention_days(const char *name, size_t n)
{
	int i = LOOKUP(default_events, name, n);
	return i < 0 ? RETENTION_CUSTOM : retention[default_events[i].kind];
}

/* ---- hashed indexes of the tables (built per context: no mutable globals) ---- */

enum { TB_USER, TB_IDENT, TB_ATTR, TB_EVENT, TB_PARAM, TB_DEFEV, TB__N };
#define IDX_SLOTS 256 /* a power of two, several times the largest table */
#define IDX_MAX 40    /* entries of the largest table, at most */
static const struct {
	const struct name *t;
	size_t n;
} tables[TB__N] = {
	{ user_keys, sizeof user_keys / sizeof *user_keys },
	{ ident_keys, sizeof ident_keys / sizeof *ident_keys },
	{ attr_keys, sizeof attr_keys / sizeof *attr_keys },
	{ event_keys, sizeof event_keys / sizeof *event_keys },
	{ param_keys, sizeof param_keys / sizeof *param_keys },
	{ default_events, sizeof default_events / sizeof *default_events },
};
_Static_assert(sizeof attr_keys / sizeof *attr_keys <= IDX_MAX, "IDX_MAX");
_Static_assert(sizeof param_keys / sizeof *param_keys <= IDX_MAX, "IDX_MAX");
_Static_assert(sizeof default_events / sizeof *default_events <= IDX_MAX, "IDX_MAX");

/* A name s[0..n), n > 0, as two words read by loads that stay inside it: its first and last 8
 * bytes (overlapping when n < 16), or for a shorter name its first and last 4, 2 or 1. With n,
 * they are the whole name when n <= 16, its two ends otherwise. */
struct words {
	uint64_t a, b;
};

static inline struct words
name_words(const char *s, size_t n)
{
	struct words w = { 0, 0 };
	if (n >= 8) {
		memcpy(&w.a, s, 8);
		memcpy(&w.b, s + n - 8, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		w.a = x | (uint64_t)y << 32;
	} else if (n >= 2) {
		uint16_t x, y;
		memcpy(&x, s, 2);
		memcpy(&y, s + n - 2, 2);
		w.a = x | (uint32_t)y << 16;
	} else
		w.a = (unsigned char)s[0];
	return w;
}

static inline unsigned
words_hash(struct words w, size_t n, uint64_t mul)
{
	uint64_t x = (w.a + n) ^ (w.b * 0x9E3779B97F4A7C15ull);
	return (unsigned)((x * mul) >> 56); /* 0 .. IDX_SLOTS - 1 */
}

/* a table's index: each name's words, and its slot by a multiplier chosen so that no two
 * names of the table share a slot (then a lookup reads one slot) */
struct idx {
	uint64_t mul;
	struct words w[IDX_MAX];
	unsigned char slot[IDX_SLOTS]; /* entry index + 1; 0: empty */
};

/* the slots with multiplier mul; returns the number of names that did not get their own */
static int
idx_fill(struct idx *x, int tb, uint64_t mul)
{
	int clash = 0;
	memset(x->slot, 0, sizeof x->slot);
	x->mul = mul;
	for (size_t i = 0; i < tables[tb].n; i++) {
		const struct name *e = &tables[tb].t[i];
		unsigned h = words_hash(x->w[i], e->n, mul);
		if (x->slot[h])
			clash++;
		while (x->slot[h])
			h = (h + 1) & (IDX_SLOTS - 1);
		x->slot[h] = (unsigned char)(i + 1);
	}
	return clash;
}

static void
idx_build(struct idx *x, int tb)
{
	uint64_t mul = 0x2545F4914F6CDD1Dull, best = mul;
	int least = -1;
	for (size_t i = 0; i < tables[tb].n; i++)
		x->w[i] = name_words(tables[tb].t[i].s, tables[tb].t[i].n);
	/* the first multiplier without a clash (a few tries for these tables); a clash would
	 * only cost a second probe */
	for (int k = 0; k < 4096; k++, mul += 0x9E3779B97F4A7C16ull) {
		int c = idx_fill(x, tb, mul);
		if (least < 0 || c < least)
			least = c, best = mul;
		if (c == 0)
			return;
	}
	idx_fill(x, tb, best);
}

/* a[0..n) == b[0..n), n > 0, by word loads that read nothing outside either (overlapping
 * loads at both ends; the names are short) */
static inline int
name_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;
	uint32_t x4, y4, u4, v4;
	uint16_t x2, y2, u2, v2;
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return 0;
		}
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, b + n - 8, 8);
		return u == v;
	}
	if (n >= 4) {
		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		memcpy(&u4, a + n - 4, 4);
		memcpy(&v4, b + n - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	if (n >= 2) {
		memcpy(&x2, a, 2);
		memcpy(&y2, b, 2);
		memcpy(&u2, a + n - 2, 2);
		memcpy(&v2, b + n - 2, 2);
		return ((x2 ^ y2) | (u2 ^ v2)) == 0;
	}
	return a[0] == b[0];
}

/* the index of s[0..n) in table tb, or -1 */
static inline __attribute__((always_inline)) int
idx_find(const struct idx *x, int tb, const char *s, size_t n)
{
	unsigned h;
	struct words w;
	if (n == 0)
		return -1;
	w = name_words(s, n);
	for (h = words_hash(w, n, x->mul); x->slot[h]; h = (h + 1) & (IDX_SLOTS - 1)) {
		int i = x->slot[h] - 1;
		const struct name *e = &tables[tb].t[i];
		if (e->n == n && x->w[i].a == w.a && x->w[i].b == w.b &&
		    (n <= 16 || name_eq(e->s + 8, s + 8, n - 16)))
			return i;
	}
	return -1;
}

/* ---- the context and its issues ---- */

struct iss {
	int rule, warning;
	size_t field, msg, missing; /* offsets in text */
};

struct val_ctx {
	struct val_cfg cfg;
	struct buf text, field, missing, val[2];
	struct idx idx[TB__N];
	struct iss is[VAL_MAX_ISSUES];
	struct val_issue view[VAL_MAX_ISSUES];
	size_t n, nerr, nwarn, nconfig, dropped;
	int oom;
};

struct val_ctx *
val_ctx_new(const struct val_cfg *cfg)
{
	struct val_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cfg = *cfg;
	for (int i = 0; i < TB__N; i++)
		idx_build(&c->idx[i], i);
	c->text.max = c->field.max = 1u << 20;
	return c;
}

void
val_ctx_free(struct val_ctx *c)
{
	if (!c)
		return;
	buf_free(&c->text);
	buf_free(&c->field);
	buf_free(&c->missing);
	buf_free(&c->val[0]);
	buf_free(&c->val[1]);
	free(c);
}

const struct val_issue *
val_issue(const struct val_ctx *c, size_t i)
{
	return i < c->n ? &c->view[i] : NULL;
}

size_t val_nerrors(const struct val_ctx *c) { return c->nerr; }
size_t val_nwarnings(const struct val_ctx *c) { return c->nwarn; }
size_t val_dropped(const struct val_ctx *c) { return c->dropped; }
size_t val_nconfig(const struct val_ctx *c) { return c->nconfig; }

/* n, or less so that s[0..n) does not end inside a UTF-8 character: the bytes before n are
 * looked at (after a cut by vsnprintf s[n] is the NUL, not the next character) */
static size_t
utf8_cut(const char *s, size_t n)
{
	size_t i = n, cont = 0;
	while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0)
		return n;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return len > cont + 1 ? i - 1 : n;
}

/* vsnprintf for the conversions this file uses (%s, %.*s, %u, %ld, %lld, %%), with the same
 * result: at most cap - 1 bytes and a NUL in out, the length of the whole text returned.
 * Issues are common (an old event is a warning on each record), and vsnprintf's set-up costs
 * more than the text. -2: a conversion it does not know (the caller then uses vsnprintf). */
static int
vfmt(char *out, size_t cap, const char *f, va_list ap)
{
	size_t n = 0;
	char num[24];
	while (*f) {
		const char *s;
		size_t len;
		if (*f != '%') {
			const char *q = strchrnul(f + 1, '%');
			s = f, len = (size_t)(q - f), f = q;
		} else if (f[1] == 's') {
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = strlen(s), f += 2;
		} else if (f[1] == '.' && f[2] == '*' && f[3] == 's') {
			int prec = va_arg(ap, int);
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = prec < 0 ? strlen(s) : strnlen(s, (size_t)prec), f += 4;
		} else if (f[1] == '%') {
			s = "%", len = 1, f += 2;
		} else {
			unsigned long long u;
			int neg = 0;
			if (f[1] == 'u') {
				u = va_arg(ap, unsigned), f += 2;
			} else if (f[1] == 'l' && f[2] == 'd') {
				long v = va_arg(ap, long);
				neg = v < 0, u = neg ? 0 - (unsigned long long)v : (unsigned long long)v, f += 3;
			} else if (f[1] == 'l' && f[2] == 'l' && f[3] == 'd') {
				long long v = va_arg(ap, long long);
				neg = v < 0, u = neg ? 0 - (unsigned long long)v : (unsigned long long)v, f += 4;
			} else
				return -2;
			char *e = num + sizeof num, *b = e;
			do
				*--b = (char)('0' + u % 10);
			while (u /= 10);
			if (neg)
				*--b = '-';
			s = b, len = (size_t)(e - b);
		}
		if (n < cap) {
			size_t k = cap - 1 - n < len ? cap - 1 - n : len;
			memcpy(out + n, s, k);
		}
		n += len;
	}
	if (cap)
		out[n < cap ? n : cap - 1] = 0;
	return n > INT_MAX ? -1 : (int)n;
}

/* vsnprintf through vfmt (ap2: a copy of ap, for a conversion vfmt does not know) */
static int
fmt_text(char *out, size_t cap, const char *f, va_list ap, va_list ap2)
{
	int n = vfmt(out, cap, f, ap);
	return n == -2 ? vsnprintf(out, cap, f, ap2) : n;
}

/* the field of the next issue */
__attribute__((format(printf, 2, 3))) static void
fld(struct val_ctx *c, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char tmp[512];
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = fmt_text(tmp, sizeof tmp, fmt, ap, ap2);
	va_end(ap2);
	va_end(ap);
	buf_reset(&c->field);
	if (n >= 0 && (size_t)n >= sizeof tmp)
		n = (int)utf8_cut(tmp, sizeof tmp - 1);
	if (n < 0 || buf_add(&c->field, tmp, (size_t)n) < 0)
		c->oom = 1;
}

/* records an issue of rule at the current field */
__attribute__((format(printf, 3, 4))) static void
iss(struct val_ctx *c, int rule, const char *fmt, ...)
{
	va_list ap, ap2;
	struct iss *x;
	int warning = rules[rule].warning && !c->cfg.strict;
	char tmp[900];
	int n;
	if (warning)
		c->nwarn++;
	else
		c->nerr++;
	if (val_rule_is_config(rule))
		c->nconfig++;
	if (c->n == VAL_MAX_ISSUES) {
		c->dropped++;
		buf_reset(&c->missing);
		return;
	}
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = fmt_text(tmp, sizeof tmp, fmt, ap, ap2);
	va_end(ap2);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof tmp)
		n = (int)utf8_cut(tmp, sizeof tmp - 1);
	x = &c->is[c->n];
	x->rule = rule;
	x->warning = warning;
	x->field = c->text.len;
	if (buf_add(&c->text, c->field.p ? c->field.p : "", c->field.len + 1) < 0) {
		c->oom = 1;
		return;
	}
	x->msg = c->text.len;
	if (buf_add(&c->text, tmp, (size_t)n) < 0 || buf_addc(&c->text, 0) < 0) {
		c->oom = 1;
		return;
	}
	x->missing = c->text.len;
	if (buf_add(&c->text, c->missing.p ? c->missing.p : "", c->missing.len) < 0 ||
	    buf_addc(&c->text, 0) < 0) {
		c->oom = 1;
		return;
	}
	buf_reset(&c->missing);
	c->n++;
}

/* what the schema lacks, for the next (configuration-class) issue */
__attribute__((format(printf, 2, 3))) static void
missing(struct val_ctx *c, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char tmp[300];
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = fmt_text(tmp, sizeof tmp, fmt, ap, ap2);
	va_end(ap2);
	va_end(ap);
	buf_reset(&c->missing);
	if (n >= 0 && (size_t)n >= sizeof tmp)
		n = (int)utf8_cut(tmp, sizeof tmp - 1);
	if (n < 0 || buf_add(&c->missing, tmp, (size_t)n) < 0)
		c->oom = 1;
}

static int
has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* a value for a message: strings raw (Insider's own messages print them so), anything else
 * as JSON; at most about 60 bytes, cut on a character boundary. slot 0 or 1. */
static const char *
vq(struct val_ctx *c, int slot, const msgpack_object *v)
{
	struct buf *b = &c->val[slot];
	size_t cut = 60;
	buf_reset(b);
	if (v->type == MSGPACK_OBJECT_STR && !has_control(v->via.str.ptr, v->via.str.size)) {
		size_t n = v->via.str.size;
		if (buf_add(b, v->via.str.ptr, n > 256 ? 256 : n) < 0)
			goto oom;
	} else if (v->type == MSGPACK_OBJECT_STR) {
		/* quoted and escaped, so that a reason stays one line */
		if (rec_json_str_append(b, v->via.str.ptr, v->via.str.size > 256 ? 256 : v->via.str.size) < 0)
			goto oom;
	} else if (rec_json_append(b, v) < 0)
		goto oom;
	if (b->len > cut) {
		b->len = utf8_cut(b->p, cut);
		if (buf_adds(b, "...") < 0)
			goto oom;
	}
	return b->p ? b->p : "";
oom:
	c->oom = 1;
	return "";
}

#define IS_STR(v) ((v)->type == MSGPACK_OBJECT_STR)
/* rec_str_eq for a string literal lit, its length known (no strlen per call) */
#define STR_EQ(v, lit) \
	((v) && IS_STR(v) && (v)->via.str.size == sizeof lit - 1 && \
	 memcmp((v)->via.str.ptr, lit, sizeof lit - 1) == 0)
/* a map key as text: records from rec_read have string keys only; anything else reads "" */
#define KP(k) (IS_STR(k) ? (k)->via.str.ptr : "")
#define KN(k) (IS_STR(k) ? (size_t)(k)->via.str.size : 0)
#define KS(k) (int)KN(k), KP(k)
#define IS_MAP(v) ((v)->type == MSGPACK_OBJECT_MAP)
#define IS_NIL(v) ((v)->type == MSGPACK_OBJECT_NIL)

static int
all_strings(const msgpack_object *v)
{
	if (v->type != MSGPACK_OBJECT_ARRAY)
		return 0;
	for (uint32_t i = 0; i < v->via.array.size; i++)
		if (!IS_STR(&v->via.array.ptr[i]))
			return 0;
	return 1;
}

static int
all_numbers(const msgpack_object *v)
{
	if (v->type != MSGPACK_OBJECT_ARRAY)
		return 0;
	for (uint32_t i = 0; i < v->via.array.size; i++)
		if (!rec_is_number(&v->via.array.ptr[i]))
			return 0;
	return 1;
}

static const char *
tname(const msgpack_object *v)
{
	switch (v->type) {
	case MSGPACK_OBJECT_NIL: return "null";
	case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return "a number";
	case MSGPACK_OBJECT_STR: return "a string";
	case MSGPACK_OBJECT_ARRAY:
		return v->via.array.size == 0 ? "an empty array"
		       : all_strings(v)       ? "an array of strings"
		       : all_numbers(v)       ? "an array of numbers"
					      : "an array of other or mixed values";
	case MSGPACK_OBJECT_MAP: return "an object";
	case MSGPACK_OBJECT_EXT: return rec_is_number(v) ? "a number" : "an extension value";
	default: return "a binary value";
	}
}

/* the first number in v (a value, or an array's elements) beyond an IEEE double's range
 * (val_fmt.h: the limit row-map applies too), or NULL */
static const msgpack_object *
out_of_range(const msgpack_object *v)
{
	uint32_t n = v->type == MSGPACK_OBJECT_ARRAY ? v->via.array.size : 1;
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *e = v->type == MSGPACK_OBJECT_ARRAY ? &v->via.array.ptr[i] : v;
		if ((e->type == MSGPACK_OBJECT_FLOAT32 || e->type == MSGPACK_OBJECT_FLOAT64)
			    ? !isfinite(e->via.f64)
			    : e->type == MSGPACK_OBJECT_EXT && rec_is_number(e) &&
				  !val_fmt_number_in_range(e->via.ext.ptr, e->via.ext.size))
			return e;
	}
	return NULL;
}

#define RANGE_MSG "a number beyond the range of a double (\u00b1" VAL_FMT_DOUBLE_MAX "): %s"
#define BLANK_MSG "an identifier of only white space would join every user that has one"

static void
null_value(struct val_ctx *c)
{
	iss(c, VR_NULL_VALUE,
	    "null: Insider's handling of null is undocumented (clear values with the Delete User Attribute API)");
}

#define FIND(c, tb, s, n) idx_find(&(c)->idx[tb], tb, s, n)

/* ---- identifiers ---- */

/* returns the number of identifiers present (well formed or not) */
static int
check_identifiers(struct val_ctx *c, const msgpack_object *ids)
{
	int count = 0;
	if (!IS_MAP(ids)) {
		fld(c, "identifiers");
		iss(c, VR_IDENTIFIER_TYPE, "identifiers must be an object, not %s", tname(ids));
		return 1;
	}
	for (uint32_t i = 0; i < ids->via.map.size; i++) {
		const msgpack_object *k = &ids->via.map.ptr[i].key, *v = &ids->via.map.ptr[i].val;
		int t = FIND(c, TB_IDENT, KP(k), KN(k));
		if (t < 0) {
			fld(c, "identifiers.%.*s", KS(k));
			iss(c, VR_IDENTIFIER_KEY,
			    "key must be one of phone_number(pn), email(em) or uuid (custom identifiers go under identifiers.custom)");
			count++;
			continue;
		}
		t = ident_keys[t].kind;
		if (t == I_CUSTOM) {
			if (!IS_MAP(v)) {
				fld(c, "identifiers.custom");
				iss(c, VR_IDENTIFIER_TYPE, "custom must be an object of name: string, not %s",
				    tname(v));
				count++;
				continue;
			}
			for (uint32_t j = 0; j < v->via.map.size; j++) {
				const msgpack_object *ck = &v->via.map.ptr[j].key, *cv = &v->via.map.ptr[j].val;
				count++;
				if (!IS_STR(cv)) {
					fld(c, "identifiers.custom.%.*s", KS(ck));
					iss(c, VR_IDENTIFIER_TYPE, "%.*s must be string: %s", KS(ck), vq(c, 0, cv));
				} else if (cv->via.str.size == 0) {
					fld(c, "identifiers.custom.%.*s", KS(ck));
					iss(c, VR_IDENTIFIER_EMPTY,
					    "an empty identifier would join every user that has one");
				} else if (val_fmt_blank(cv->via.str.ptr, cv->via.str.size)) {
					fld(c, "identifiers.custom.%.*s", KS(ck));
					iss(c, VR_IDENTIFIER_EMPTY, BLANK_MSG);
				}
			}
			continue;
		}
		count++;
		if (!IS_STR(v)) {
			fld(c, "identifiers.%.*s", KS(k));
			iss(c, VR_IDENTIFIER_TYPE, "%.*s must be string: %s", KS(k), vq(c, 0, v));
			continue;
		}
		if (v->via.str.size == 0) {
			fld(c, "identifiers.%.*s", KS(k));
			iss(c, VR_IDENTIFIER_EMPTY, "an empty identifier would join every user that has one");
			continue;
		}
		if (val_fmt_blank(v->via.str.ptr, v->via.str.size)) {
			fld(c, "identifiers.%.*s", KS(k));
			iss(c, VR_IDENTIFIER_EMPTY, BLANK_MSG);
			continue;
		}
		if (t == I_EMAIL && !val_fmt_email(v->via.str.ptr, v->via.str.size)) {
			fld(c, "identifiers.%.*s", KS(k));
			iss(c, VR_IDENTIFIER_EMAIL, "not a valid email address: %s", vq(c, 0, v));
		} else if (t == I_PHONE && !val_fmt_phone(v->via.str.ptr, v->via.str.size)) {
			fld(c, "identifiers.%.*s", KS(k));
			iss(c, VR_IDENTIFIER_PHONE, "user has an invalid phone number: %s (E.164: +6598765432)",
			    vq(c, 0, v));
		}
	}
	return count;
}

/* ---- attributes ---- */

/* a value against a schema type; 1 when it fits */
static int
fits(int type, const msgpack_object *v)
{
	switch (type) {
	case VAL_T_STRING: return IS_STR(v);
	case VAL_T_NUMBER: return rec_is_number(v);
	case VAL_T_BOOLEAN: return v->type == MSGPACK_OBJECT_BOOLEAN;
	case VAL_T_DATETIME:
		return IS_STR(v) && val_fmt_rfc3339(v->via.str.ptr, v->via.str.size, NULL, NULL) == 0;
	case VAL_T_STRINGS: return all_strings(v);
	}
	return 0;
}

static const char *
type_want(int type)
{
	switch (type) {
	case VAL_T_STRING: return "a string";
	case VAL_T_NUMBER: return "a number";
	case VAL_T_BOOLEAN: return "a boolean";
	case VAL_T_DATETIME: return "an RFC 3339 date-time string";
	case VAL_T_STRINGS: return "an array of strings";
	}
	return "?";
}

/* the loose check without a schema: a scalar, or an array of strings or of numbers */
static int
loose_fits(const msgpack_object *v, int arrays)
{
	if (IS_STR(v) || rec_is_number(v) || v->type == MSGPACK_OBJECT_BOOLEAN)
		return 1;
	return arrays && (all_strings(v) || all_numbers(v));
}

/* custom attributes (params 0) or the custom parameters of an event (params 1; ev: the
 * schema's entry of that event, NULL when the schema does not list it; evname: its name).
 * use_schema 0: checked loosely, as without a schema (the parameters of an event whose name
 * is invalid or missing from the schema: their names mean nothing yet). Returns how many. */
static int
check_custom(struct val_ctx *c, const msgpack_object *cu, const char *where,
	     const struct val_sevent *ev, const msgpack_object *evname, int params, int use_schema)
{
	const struct val_schema *s = use_schema ? c->cfg.schema : NULL;
	int count = 0;
	if (!IS_MAP(cu)) {
		fld(c, "%s.custom", where);
		iss(c, params ? VR_CUSTOM_PARAM_TYPE : VR_CUSTOM_ATTRIBUTE_TYPE,
		    "custom must be an object, not %s", tname(cu));
		return 1;
	}
	for (uint32_t i = 0; i < cu->via.map.size; i++) {
		const msgpack_object *k = &cu->via.map.ptr[i].key, *v = &cu->via.map.ptr[i].val;
		int t;
		count++;
		if (IS_NIL(v)) {
			fld(c, "%s.custom.%.*s", where, KS(k));
			null_value(c);
			continue;
		}
		if (!s) {
			if (!loose_fits(v, 1)) {
				fld(c, "%s.custom.%.*s", where, KS(k));
				iss(c, params ? VR_CUSTOM_PARAM_TYPE : VR_CUSTOM_ATTRIBUTE_TYPE,
				    "must be a string, number, boolean or array of strings or numbers, not %s",
				    tname(v));
				continue;
			}
		} else {
			t = params ? (ev ? val_schema_param(ev, KP(k), KN(k)) : -1)
				   : val_schema_attr(s, KP(k), KN(k));
			if (t < 0) {
				fld(c, "%s.custom.%.*s", where, KS(k));
				if (params) {
					missing(c, "event %.*s: parameter %.*s", KS(evname), KS(k));
					iss(c, VR_CUSTOM_PARAM_UNKNOWN,
					    "not a custom parameter of event %.*s in the schema file", KS(evname));
				} else {
					missing(c, "attributes.custom.%.*s", KS(k));
					iss(c, VR_CUSTOM_ATTRIBUTE_UNKNOWN,
					    "not a custom attribute in the schema file");
				}
				continue;
			}
			if (!fits(t, v)) {
				fld(c, "%s.custom.%.*s", where, KS(k));
				iss(c, params ? VR_CUSTOM_PARAM_TYPE : VR_CUSTOM_ATTRIBUTE_TYPE,
				    "the schema says %s (%s): %s", val_type_name(t), type_want(t), vq(c, 0, v));
				continue;
			}
		}
		const msgpack_object *big = out_of_range(v);
		if (big) {
			fld(c, "%s.custom.%.*s", where, KS(k));
			iss(c, VR_NUMBER_RANGE, RANGE_MSG, vq(c, 0, big));
		}
	}
	return count;
}

static int
lang_ok(const struct val_ctx *c, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return 0;
	if (i == n)
		return 1;
	return n == i + 3 && s[i] == '_' && val_iso_country(c->cfg.iso, s + i + 1, 2);
}

/* returns the number of attributes present */
static int
check_attributes(struct val_ctx *c, const msgpack_object *a)
{
	int count = 0;
	if (!IS_MAP(a)) {
		fld(c, "attributes");
		iss(c, VR_USER_TYPE, "attributes must be an object, not %s", tname(a));
		return 1;
	}
	for (uint32_t i = 0; i < a->via.map.size; i++) {
		const msgpack_object *k = &a->via.map.ptr[i].key, *v = &a->via.map.ptr[i].val;
		int ix = FIND(c, TB_ATTR, KP(k), KN(k)), t;
		const char *want = NULL;
		if (ix < 0) {
			count++;
			fld(c, "attributes.%.*s", KS(k));
			iss(c, VR_ATTRIBUTE_UNKNOWN,
			    "not a default attribute of Insider (custom attributes go under attributes.custom)");
			continue;
		}
		t = attr_keys[ix].kind;
		if (t == A_CUSTOM) {
			count += check_custom(c, v, "attributes", NULL, NULL, 0, 1);
			continue;
		}
		count++;
		if (t == A_ALIAS) {
			fld(c, "attributes.%.*s", KS(k));
			iss(c, VR_ATTRIBUTE_UNKNOWN, "Insider's short code of %s: send the long name",
			    alias_long[ix - ALIAS0]);
			continue;
		}
		if (IS_NIL(v)) {
			fld(c, "attributes.%.*s", KS(k));
			null_value(c);
			continue;
		}
		switch (t) {
		case A_BOOL:
			if (v->type != MSGPACK_OBJECT_BOOLEAN)
				want = "a boolean (true or false)";
			break;
		case A_NUM:
			if (!rec_is_number(v))
				want = "a number";
			break;
		case A_NUMARR:
			if (!all_numbers(v))
				want = "an array of numbers";
			break;
		default:
			if (!IS_STR(v))
				want = "a string";
			break;
		}
		if (want) {
			fld(c, "attributes.%.*s", KS(k));
			iss(c, VR_ATTRIBUTE_TYPE, "must be %s, not %s: %s", want, tname(v), vq(c, 0, v));
			continue;
		}
		if (t == A_NUM || t == A_NUMARR) {
			const msgpack_object *big = out_of_range(v);
			if (big) {
				fld(c, "attributes.%.*s", KS(k));
				iss(c, VR_NUMBER_RANGE, RANGE_MSG, vq(c, 0, big));
			}
			continue;
		}
		const char *s = v->via.str.ptr;
		size_t n = v->via.str.size;
		int zulu = 0;
		switch (t) {
		case A_EMAIL:
			if (!val_fmt_email(s, n)) {
				fld(c, "attributes.%.*s", KS(k));
				iss(c, VR_ATTRIBUTE_EMAIL, "not a valid email address: %s", vq(c, 0, v));
			}
			break;
		case A_PHONE:
			if (!val_fmt_phone(s, n)) {
				fld(c, "attributes.%.*s", KS(k));
				iss(c, VR_ATTRIBUTE_PHONE, "not an E.164 phone number (+6598765432): %s",
				    vq(c, 0, v));
			}
			break;
		case A_BIRTHDAY:
			if (val_fmt_rfc3339(s, n, NULL, &zulu) < 0 || !zulu) {
				fld(c, "attributes.%.*s", KS(k));
				iss(c, VR_ATTRIBUTE_BIRTHDAY,
				    "must be an RFC 3339 date-time ending in Z (1993-03-12T00:00:00Z): %s",
				    vq(c, 0, v));
			}
			break;
		case A_COUNTRY:
			if (!val_iso_country(c->cfg.iso, s, n)) {
				fld(c, "attributes.%.*s", KS(k));
				iss(c, VR_ATTRIBUTE_COUNTRY, "not an ISO 3166-1 alpha-2 country code (SG): %s",
				    vq(c, 0, v));
			}
			break;
		case A_LANG:
			if (!lang_ok(c, s, n)) {
				fld(c, "attributes.%.*s", KS(k));
				iss(c, VR_ATTRIBUTE_LANGUAGE,
				    "not a language code in Insider's form (en or en_US): %s", vq(c, 0, v));
			}
			break;
		}
	}
	return count;
}

/* object_attributes.custom.NAME = [{action, match, value}, ...] (reference section 1.8) */
static int
check_object_attributes(struct val_ctx *c, const msgpack_object *oa)
{
	const msgpack_object *cu;
	int count = 0;
	if (!IS_MAP(oa) || oa->via.map.size != 1 || !(cu = rec_get(oa, "custom")) || !IS_MAP(cu)) {
		fld(c, "object_attributes");
		iss(c, VR_OBJECT_ATTRIBUTE, "must be {\"custom\": {NAME: [actions]}}");
		return 1;
	}
	for (uint32_t i = 0; i < cu->via.map.size; i++) {
		const msgpack_object *k = &cu->via.map.ptr[i].key, *v = &cu->via.map.ptr[i].val;
		count++;
		if (v->type != MSGPACK_OBJECT_ARRAY) {
			fld(c, "object_attributes.custom.%.*s", KS(k));
			iss(c, VR_OBJECT_ATTRIBUTE, "must be an array of actions, not %s", tname(v));
			continue;
		}
		for (uint32_t j = 0; j < v->via.array.size; j++) {
			const msgpack_object *a = &v->via.array.ptr[j], *act, *m, *val;
			int need_match, need_value;
			if (!IS_MAP(a) || !(act = rec_get(a, "action")) || !IS_STR(act)) {
				fld(c, "object_attributes.custom.%.*s.%u", KS(k), (unsigned)j);
				iss(c, VR_OBJECT_ATTRIBUTE, "an action is an object with an \"action\" string");
				continue;
			}
			if (STR_EQ(act, "add"))
				need_match = 0, need_value = 1;
			else if (STR_EQ(act, "merge") || STR_EQ(act, "replace"))
				need_match = 1, need_value = 1;
			else if (STR_EQ(act, "remove"))
				need_match = 1, need_value = 0;
			else if (STR_EQ(act, "remove-all"))
				need_match = 0, need_value = 0;
			else {
				fld(c, "object_attributes.custom.%.*s.%u.action", KS(k), (unsigned)j);
				iss(c, VR_OBJECT_ATTRIBUTE,
				    "unknown action (add, merge, replace, remove, remove-all): %s", vq(c, 0, act));
				continue;
			}
			m = rec_get(a, "match");
			val = rec_get(a, "value");
			if (need_match && (!m || !IS_MAP(m))) {
				fld(c, "object_attributes.custom.%.*s.%u.match", KS(k), (unsigned)j);
				iss(c, VR_OBJECT_ATTRIBUTE, "%s needs a match object", vq(c, 0, act));
			}
			if (need_value && !val) {
				fld(c, "object_attributes.custom.%.*s.%u.value", KS(k), (unsigned)j);
				iss(c, VR_OBJECT_ATTRIBUTE, "%s needs a value", vq(c, 0, act));
			}
		}
	}
	return count;
}

/* ---- events ---- */

/* an integer, or a number with nothing but zeros after its point (2.0): JSON has one number
 * type, and the emulator of Insider takes both. 1: an integer within int64; 0: an integer
 * beyond it (integer-range: the limit row-map's "integer" type applies too); -1: not one */
static int
integral(const msgpack_object *v)
{
	double d;
	if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return 1;
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return v->via.u64 <= (uint64_t)INT64_MAX;
	if (v->type == MSGPACK_OBJECT_EXT)
		return rec_is_number(v) ? val_fmt_int64(v->via.ext.ptr, v->via.ext.size, NULL) : -1;
	if (v->type == MSGPACK_OBJECT_FLOAT32 || v->type == MSGPACK_OBJECT_FLOAT64) {
		d = v->via.f64;
		if (!isfinite(d) || d != trunc(d))
			return -1;
		return d >= -9223372036854775808.0 && d < 9223372036854775808.0;
	}
	return -1;
}

/* bits of param_keys indexes */
#define PB(i) (1 << (i))

/* name: the event's name when it is valid, NULL otherwise; known: the schema (if any) knows
 * the event (a default event or one of its events) */
static void
check_params(struct val_ctx *c, unsigned ei, const msgpack_object *p, const msgpack_object *name,
	     int known, int *have_req)
{
	const struct val_sevent *sev = NULL;
	int range = 0;
	if (c->cfg.schema && name)
		sev = val_schema_event(c->cfg.schema, name->via.str.ptr, name->via.str.size);
	for (uint32_t i = 0; i < p->via.map.size; i++) {
		const msgpack_object *k = &p->via.map.ptr[i].key, *v = &p->via.map.ptr[i].val;
		int ix = FIND(c, TB_PARAM, KP(k), KN(k)), t;
		const char *want = NULL;
		char where[48];
		if (ix < 0) {
			fld(c, "events.%u.event_params.%.*s", ei, KS(k));
			iss(c, VR_EVENT_PARAM_UNKNOWN,
			    "not a default event parameter of Insider (custom parameters go under event_params.custom)");
			continue;
		}
		t = param_keys[ix].kind;
		if (t == P_CUSTOM) {
			snprintf(where, sizeof where, "events.%u.event_params", ei);
			check_custom(c, v, where, sev, name, 1, name && known);
			continue;
		}
		if (IS_NIL(v)) {
			/* a null required parameter counts as missing */
			fld(c, "events.%u.event_params.%.*s", ei, KS(k));
			null_value(c);
			continue;
		}
		*have_req |= PB(ix);
		switch (t) {
		case P_STR:
		case P_CURRENCY:
			if (!IS_STR(v))
				want = "a string";
			break;
		case P_NUM:
			if (!rec_is_number(v))
				want = "a number";
			break;
		case P_INT:
			range = integral(v);
			if (range < 0)
				want = "an integer";
			break;
		case P_STRARR:
			if (!all_strings(v))
				want = "an array of strings";
			break;
		}
		if (want) {
			fld(c, "events.%u.event_params.%.*s", ei, KS(k));
			iss(c, VR_EVENT_PARAM_TYPE, "must be %s, not %s: %s", want, tname(v), vq(c, 0, v));
		} else if (t == P_INT && range == 0) {
			fld(c, "events.%u.event_params.%.*s", ei, KS(k));
			iss(c, VR_INTEGER_RANGE, "an integer beyond the 64-bit range (" VAL_FMT_INT_RANGE "): %s",
			    vq(c, 0, v));
		} else if (t == P_NUM && out_of_range(v)) {
			fld(c, "events.%u.event_params.%.*s", ei, KS(k));
			iss(c, VR_NUMBER_RANGE, RANGE_MSG, vq(c, 0, v));
		} else if (t == P_CURRENCY && !val_iso_currency(c->cfg.iso, v->via.str.ptr, v->via.str.size)) {
			fld(c, "events.%u.event_params.%.*s", ei, KS(k));
			iss(c, VR_EVENT_CURRENCY, "not an ISO 4217 currency code (USD): %s", vq(c, 0, v));
		}
	}
}

#define REQ_PURCHASE (PB(0) | PB(8) | PB(5) | PB(6)) /* event_group_id unit_sale_price currency quantity */
#define REQ_CART (PB(0) | PB(8) | PB(5))

static void
required(struct val_ctx *c, unsigned ei, const char *ev, int want, int have)
{
	static const int order[] = { 0, 8, 5, 6 };
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		int b = order[i];
		if ((want & PB(b)) && !(have & PB(b))) {
			fld(c, "events.%u.event_params.%s", ei, param_keys[b].s);
			iss(c, VR_EVENT_PARAM_REQUIRED, "%s parameter is required on %s event",
			    param_keys[b].s, ev);
		}
	}
}

static void
check_event(struct val_ctx *c, unsigned ei, const msgpack_object *ev)
{
	const msgpack_object *name = NULL, *ts = NULL, *params = NULL;
	int name_ok = 0, known = 1, have = 0, defev = -1;
	if (!IS_MAP(ev)) {
		fld(c, "events.%u", ei);
		iss(c, VR_EVENT_TYPE, "an event must be an object, not %s", tname(ev));
		return;
	}
	for (uint32_t i = 0; i < ev->via.map.size; i++) {
		const msgpack_object *k = &ev->via.map.ptr[i].key;
		int ix = FIND(c, TB_EVENT, KP(k), KN(k));
		if (ix < 0) {
			fld(c, "events.%u.%.*s", ei, KS(k));
			iss(c, VR_EVENT_KEY,
			    "not a key of an event (event_name, timestamp, event_params; custom parameters go under event_params.custom)");
			continue;
		}
		switch (event_keys[ix].kind) {
		case E_NAME: name = &ev->via.map.ptr[i].val; break;
		case E_TIMESTAMP: ts = &ev->via.map.ptr[i].val; break;
		default: params = &ev->via.map.ptr[i].val; break;
		}
	}
	if (!name) {
		fld(c, "events.%u.event_name", ei);
		iss(c, VR_EVENT_NAME, "event_name is required");
	} else if (!IS_STR(name) || !val_fmt_event_name(name->via.str.ptr, name->via.str.size)) {
		fld(c, "events.%u.event_name", ei);
		iss(c, VR_EVENT_NAME,
		    "invalid event name: %s (lower case letters, digits, '.', '_', '-')", vq(c, 0, name));
	} else {
		name_ok = 1;
		defev = FIND(c, TB_DEFEV, name->via.str.ptr, name->via.str.size);
		if (c->cfg.schema && defev < 0 &&
		    !val_schema_event(c->cfg.schema, name->via.str.ptr, name->via.str.size)) {
			fld(c, "events.%u.event_name", ei);
			missing(c, "event %.*s", KS(name));
			iss(c, VR_CUSTOM_EVENT_UNKNOWN, "not a default event nor an event in the schema file: %s",
			    vq(c, 0, name));
			known = 0;
		}
	}
	if (!ts) {
		fld(c, "events.%u.timestamp", ei);
		iss(c, VR_EVENT_TIMESTAMP, "timestamp is required");
	} else {
		int64_t t;
		if (!IS_STR(ts) || val_fmt_rfc3339(ts->via.str.ptr, ts->via.str.size, &t, NULL) < 0) {
			fld(c, "events.%u.timestamp", ei);
			iss(c, VR_EVENT_TIMESTAMP,
			    "not an RFC 3339 date-time (2021-01-10T21:35:20Z): %s", vq(c, 0, ts));
		} else if (name_ok && c->cfg.max_event_age != 0) {
			long days = c->cfg.max_event_age > 0
					    ? c->cfg.max_event_age
					    : defev < 0 ? RETENTION_CUSTOM : retention[default_events[defev].kind];
			if (t < c->cfg.now - (int64_t)days * 86400) {
				fld(c, "events.%u.timestamp", ei);
				iss(c, VR_EVENT_TOO_OLD,
				    "%lld days old: Insider keeps %.*s events %ld days and drops older ones silently",
				    (long long)((c->cfg.now - t) / 86400), KS(name), days);
			}
		}
	}
	if (params) {
		if (!IS_MAP(params)) {
			fld(c, "events.%u.event_params", ei);
			iss(c, VR_EVENT_TYPE, "event_params must be an object, not %s", tname(params));
			params = NULL;
		} else
			check_params(c, ei, params, name_ok ? name : NULL, known, &have);
	}
	if (defev == DEFEV_PURCHASE)
		required(c, ei, "purchase", REQ_PURCHASE, have);
	else if (defev == DEFEV_CART)
		required(c, ei, "cart_page_view", REQ_CART, have);
}

/* ---- _clear and _delete: attribute clears and deletions (issue 13, docs/records.md) ---- */

/* 1 when the record asks for a clear or a deletion (it needs no attribute nor event then) */
static int
check_step(struct val_ctx *c, const msgpack_object *clear, const msgpack_object *del,
	const msgpack_object *ids)
{
	int any = 0;
	if (del) {
		if (STR_EQ(del, "profile") || STR_EQ(del, "attributes")) {
			any = 1;
		} else {
			fld(c, "_delete");
			iss(c, VR_DELETE, "_delete must be \"profile\" or \"attributes\", not %s", vq(c, 0, del));
		}
	}
	if (!clear)
		return any;
	if (clear->type != MSGPACK_OBJECT_ARRAY) {
		fld(c, "_clear");
		iss(c, VR_CLEAR, "_clear must be an array of attribute names, not %s", tname(clear));
		return any;
	}
	for (uint32_t i = 0; i < clear->via.array.size; i++) {
		const msgpack_object *n = &clear->via.array.ptr[i];
		fld(c, "_clear.%u", (unsigned)i);
		if (!IS_STR(n) || n->via.str.size == 0) {
			iss(c, VR_CLEAR, "an attribute name must be a non-empty string, not %s", vq(c, 0, n));
			continue;
		}
		const char *s = n->via.str.ptr;
		size_t len = n->via.str.size;
		if (len > 7 && memcmp(s, "custom.", 7) == 0) {
			if (c->cfg.schema && val_schema_attr(c->cfg.schema, s + 7, len - 7) < 0)
				iss(c, VR_CLEAR, "%s: not a custom attribute in the schema file", vq(c, 0, n));
			continue;
		}
		int ix = FIND(c, TB_ATTR, s, len);
		if (ix < 0 || attr_keys[ix].kind == A_CUSTOM || attr_keys[ix].kind == A_ALIAS) {
			iss(c, VR_CLEAR, "%s: not a default attribute (custom ones are written custom.NAME)", vq(c, 0, n));
			continue;
		}
		int id = FIND(c, TB_IDENT, s, len);
		if (id >= 0 && ids && IS_MAP(ids) && rec_getn(ids, s, len))
			iss(c, VR_CLEAR_IDENTIFIER,
			    "%.*s is an identifier of the user: Insider never clears an identifier through its attribute API",
			    (int)len, s);
	}
	any |= clear->via.array.size > 0;
	return any;
}

/* ---- the user ---- */

int
val_check(struct val_ctx *c, const msgpack_object *u)
{
	const msgpack_object *ids = NULL, *iid = NULL, *clear = NULL, *del = NULL;
	int nattr = 0, nevent = 0;
	c->n = c->nerr = c->nwarn = c->nconfig = c->dropped = 0;
	c->oom = 0;
	buf_reset(&c->text);
	if (!IS_MAP(u)) {
		fld(c, "%s", "");
		iss(c, VR_USER_TYPE, "a record must be an Insider user object, not %s", tname(u));
		goto done;
	}
	for (uint32_t i = 0; i < u->via.map.size; i++) {
		const msgpack_object *k = &u->via.map.ptr[i].key, *v = &u->via.map.ptr[i].val;
		int ix;
		if (IS_STR(k) && k->via.str.size && k->via.str.ptr[0] == '_') {
			if (STR_EQ(k, "_clear"))
				clear = v;
			else if (STR_EQ(k, "_delete"))
				del = v;
			continue; /* metadata */
		}
		ix = FIND(c, TB_USER, KP(k), KN(k));
		if (ix < 0) {
			fld(c, "%.*s", KS(k));
			iss(c, VR_USER_KEY,
			    "not a key of an Insider user object (identifiers, insider_id, attributes, events, not_append, append, object_attributes)");
			continue;
		}
		switch (user_keys[ix].kind) {
		case U_IDENTIFIERS: ids = v; break;
		case U_INSIDER_ID: iid = v; break;
		case U_ATTRIBUTES:
			if (check_attributes(c, v) == 0) {
				fld(c, "attributes");
				iss(c, VR_ATTRIBUTES_EMPTY, "attributes, when present, must hold at least one attribute");
			} else
				nattr++;
			break;
		case U_OBJECT_ATTRIBUTES:
			if (check_object_attributes(c, v) > 0)
				nattr++;
			break;
		case U_FLAG:
			if (v->type != MSGPACK_OBJECT_BOOLEAN) {
				fld(c, "%.*s", KS(k));
				iss(c, VR_USER_TYPE, "must be a boolean, not %s", tname(v));
			}
			break;
		case U_EVENTS:
			if (v->type != MSGPACK_OBJECT_ARRAY) {
				fld(c, "events");
				iss(c, VR_USER_TYPE, "events must be an array, not %s", tname(v));
				nevent++;
				break;
			}
			for (uint32_t j = 0; j < v->via.array.size; j++)
				check_event(c, j, &v->via.array.ptr[j]);
			nevent += (int)v->via.array.size;
			break;
		}
	}
	if (iid && (!IS_STR(iid) || iid->via.str.size == 0)) {
		fld(c, "insider_id");
		if (!IS_STR(iid))
			iss(c, VR_IDENTIFIER_TYPE, "insider_id must be string: %s", vq(c, 0, iid));
		else
			iss(c, VR_IDENTIFIER_EMPTY, "an empty insider_id names no profile");
	} else if (iid && val_fmt_blank(iid->via.str.ptr, iid->via.str.size)) {
		fld(c, "insider_id");
		iss(c, VR_IDENTIFIER_EMPTY, "an insider_id of only white space names no profile");
	}
	if ((!ids || check_identifiers(c, ids) == 0) && !iid) {
		fld(c, "identifiers");
		iss(c, VR_IDENTIFIER_REQUIRED, "either insider_id or idenifiers must be specified");
	}
	int step = clear || del ? check_step(c, clear, del, ids) : 0;
	if (nattr == 0 && nevent == 0 && !step) {
		fld(c, "%s", "");
		iss(c, VR_USER_EMPTY, "each user object must have at least one attribute or one event");
	}
done:
	if (c->oom)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		c->view[i].rule = c->is[i].rule;
		c->view[i].warning = c->is[i].warning;
		c->view[i].field = c->text.p + c->is[i].field;
		c->view[i].message = c->text.p + c->is[i].msg;
		c->view[i].missing = c->text.p + c->is[i].missing;
	}
	return (int)(c->nerr + c->nwarn);
}
