/* dbx_types.c: see dbx_types.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "dbx_types.h"
#include "rec.h"

static int
prefix_ci(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

enum dbx_type
dbx_type_of(const char *name, const char *text)
{
	static const struct { const char *n; enum dbx_type t; } tab[] = {
		{ "TINYINT", DBX_T_INT }, { "BYTE", DBX_T_INT }, { "SMALLINT", DBX_T_INT },
		{ "SHORT", DBX_T_INT }, { "INT", DBX_T_INT }, { "INTEGER", DBX_T_INT },
		{ "BIGINT", DBX_T_INT }, { "LONG", DBX_T_INT }, { "DECIMAL", DBX_T_DECIMAL },
		{ "DEC", DBX_T_DECIMAL }, { "NUMERIC", DBX_T_DECIMAL }, { "FLOAT", DBX_T_FLOAT },
		{ "REAL", DBX_T_FLOAT }, { "DOUBLE", DBX_T_FLOAT }, { "BOOLEAN", DBX_T_BOOL },
		{ "DATE", DBX_T_DATE }, { "TIMESTAMP", DBX_T_TIMESTAMP },
		{ "TIMESTAMP_LTZ", DBX_T_TIMESTAMP }, { "TIMESTAMP_NTZ", DBX_T_TIMESTAMP_NTZ },
		{ "ARRAY", DBX_T_JSON }, { "MAP", DBX_T_JSON }, { "STRUCT", DBX_T_JSON },
		{ "VARIANT", DBX_T_JSON }, { "OBJECT", DBX_T_JSON }, { "NULL", DBX_T_NULL },
		{ "VOID", DBX_T_NULL }, { "STRING", DBX_T_STRING }, { "CHAR", DBX_T_STRING },
		{ "VARCHAR", DBX_T_STRING }, { "BINARY", DBX_T_STRING },
		{ "INTERVAL", DBX_T_STRING },
	};
	const char *cand[2] = { name, text };
	for (int c = 0; c < 2; c++) {
		const char *s = cand[c];
		size_t n;
		if (!s || !*s)
			continue;
		/* the leading word: letters, digits and '_' up to '(' '<' ' ' or the end */
		for (n = 0; s[n] && s[n] != '(' && s[n] != '<' && s[n] != ' '; n++)
			;
		for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
			if (strlen(tab[i].n) == n && strncasecmp(s, tab[i].n, n) == 0) {
				/* USER_DEFINED_TYPE and friends fall through to type_text */
				return tab[i].t;
			}
		if (c == 0 && prefix_ci(s, "USER_DEFINED"))
			continue;
	}
	return DBX_T_STRING;
}

const char *
dbx_type_label(enum dbx_type t)
{
	switch (t) {
	case DBX_T_INT: return "integer";
	case DBX_T_DECIMAL: return "DECIMAL";
	case DBX_T_FLOAT: return "FLOAT/DOUBLE";
	case DBX_T_BOOL: return "BOOLEAN";
	case DBX_T_DATE: return "DATE";
	case DBX_T_TIMESTAMP: return "TIMESTAMP";
	case DBX_T_TIMESTAMP_NTZ: return "TIMESTAMP_NTZ";
	case DBX_T_JSON: return "ARRAY/MAP/STRUCT/VARIANT";
	case DBX_T_NULL: return "VOID";
	default: return "STRING";
	}
}

static int
digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(long y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

int
dbx_date_valid(const char *s, size_t n)
{
	int y, m, d;
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	return y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= mdays(y, m);
}

/* days since 1970-01-01 of a civil date (Howard Hinnant's algorithm) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

struct ts {
	int y, mo, d, h, mi, s;
	const char *frac; /* digits after '.', or NULL */
	size_t nfrac;
	int has_zone, off_min; /* offset east of UTC in minutes */
};

static int
ts_parse(const char *s, size_t n, struct ts *t)
{
	size_t i;
	memset(t, 0, sizeof *t);
	if (n < 16 || !dbx_date_valid(s, 10) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't'))
		return -1;
	t->y = digits(s, 4), t->mo = digits(s + 5, 2), t->d = digits(s + 8, 2);
	t->h = digits(s + 11, 2);
	if (s[13] != ':' || (t->mi = digits(s + 14, 2)) < 0 || t->h < 0 || t->h > 23 || t->mi > 59)
		return -1;
	i = 16;
	if (i < n && s[i] == ':') {
		if (i + 3 > n || (t->s = digits(s + i + 1, 2)) < 0 || t->s > 60)
			return -1;
		i += 3;
		if (i < n && s[i] == '.') {
			size_t j = i + 1;
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			if (j == i + 1 || j - i - 1 > 9)
				return -1;
			t->frac = s + i + 1, t->nfrac = j - i - 1;
			i = j;
		}
	}
	if (i == n)
		return 0;
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
		t->has_zone = 1;
		return 0;
	}
	if (s[i] == '+' || s[i] == '-') {
		int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
		size_t r = n - i - 1;
		if (r == 2)
			oh = digits(s + i + 1, 2);
		else if (r == 4)
			oh = digits(s + i + 1, 2), om = digits(s + i + 3, 2);
		else if (r == 5 && s[i + 3] == ':')
			oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		else if (r == 8 && s[i + 3] == ':' && s[i + 6] == ':' && digits(s + i + 7, 2) == 0)
			oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		else
			return -1;
		if (oh < 0 || om < 0 || oh > 18 || om > 59)
			return -1;
		t->has_zone = 1;
		t->off_min = sign * (oh * 60 + om);
		return 0;
	}
	return -1;
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

static int
ts_format(const struct ts *t, int64_t y, int mo, int d, int h, int mi, int s, const char *zone,
	char *out, size_t outlen)
{
	size_t k = 19, zl = strlen(zone);
	if (y < 1 || y > 9999 || outlen < 20 + (t->frac ? 1 + t->nfrac : 0) + zl)
		return -1;
	put2(out, (int)(y / 100)), put2(out + 2, (int)(y % 100));
	out[4] = '-', put2(out + 5, mo), out[7] = '-', put2(out + 8, d), out[10] = 'T';
	put2(out + 11, h), out[13] = ':', put2(out + 14, mi), out[16] = ':', put2(out + 17, s);
	if (t->frac) {
		out[k++] = '.';
		memcpy(out + k, t->frac, t->nfrac);
		k += t->nfrac;
	}
	memcpy(out + k, zone, zl + 1);
	return (int)(k + zl);
}

int
dbx_timestamp_utc(const char *s, size_t n, char *out, size_t outlen)
{
	struct ts t;
	int64_t days, mins, y;
	int mo, d;
	if (ts_parse(s, n, &t) < 0)
		return -1;
	if (!t.off_min)
		return ts_format(&t, t.y, t.mo, t.d, t.h, t.mi, t.s, "Z", out, outlen);
	mins = (int64_t)t.h * 60 + t.mi - t.off_min;
	days = days_from_civil(t.y, t.mo, t.d);
	while (mins < 0)
		mins += 1440, days--;
	while (mins >= 1440)
		mins -= 1440, days++;
	civil_from_days(days, &y, &mo, &d);
	return ts_format(&t, y, mo, d, (int)(mins / 60), (int)(mins % 60), t.s, "Z", out, outlen);
}

int
dbx_timestamp_ntz(const char *s, size_t n, char *out, size_t outlen)
{
	struct ts t;
	if (ts_parse(s, n, &t) < 0 || t.has_zone)
		return -1;
	return ts_format(&t, t.y, t.mo, t.d, t.h, t.mi, t.s, "", out, outlen);
}

static int
is_int_text(const char *s, size_t n)
{
	size_t i = 0;
	if (n && s[0] == '-')
		i = 1;
	if (i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* ---- nested types ---- */

static const char *
skip_sp(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* the end of the type expression at p (stops at ',' or '>' at depth 0) */
static const char *
type_end(const char *p)
{
	int depth = 0;
	for (; *p; p++) {
		if (*p == '`') {
			for (p++; *p && *p != '`'; p++)
				;
			if (!*p)
				return p;
		} else if (*p == '<' || *p == '(')
			depth++;
		else if ((*p == '>' || *p == ')') && depth > 0)
			depth--;
		else if ((*p == ',' || *p == '>') && depth == 0)
			return p;
	}
	return p;
}

static int
word_is(const char *p, const char *w)
{
	size_t n = strlen(w);
	return strncasecmp(p, w, n) == 0 && (p[n] == '<' || p[n] == ' ' || p[n] == 0 || p[n] == ',' ||
					       p[n] == '>');
}

static int nested(const char *tt, msgpack_object *v, msgpack_zone *z, int depth);

static int
nested(const char *tt, msgpack_object *v, msgpack_zone *z, int depth)
{
	tt = skip_sp(tt);
	if (depth > REC_MAX_DEPTH || v->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (word_is(tt, "TIMESTAMP") || word_is(tt, "TIMESTAMP_LTZ")) {
		char tmp[64];
		int k;
		if (v->type != MSGPACK_OBJECT_STR ||
		    (k = dbx_timestamp_utc(v->via.str.ptr, v->via.str.size, tmp, sizeof tmp)) < 0)
			return 0;
		if ((size_t)k == v->via.str.size && !memcmp(tmp, v->via.str.ptr, (size_t)k))
			return 0;
		return rec_strdup(z, tmp, (size_t)k, v);
	}
	if (word_is(tt, "ARRAY")) {
		const char *el = skip_sp(tt + 5);
		if (*el != '<' || v->type != MSGPACK_OBJECT_ARRAY)
			return 0;
		for (uint32_t i = 0; i < v->via.array.size; i++)
			if (nested(el + 1, &v->via.array.ptr[i], z, depth + 1) < 0)
				return -1;
		return 0;
	}
	if (word_is(tt, "MAP")) {
		const char *k = skip_sp(tt + 3), *val;
		if (*k != '<' || v->type != MSGPACK_OBJECT_MAP)
			return 0;
		val = type_end(k + 1);
		if (*val != ',')
			return 0;
		for (uint32_t i = 0; i < v->via.map.size; i++)
			if (nested(val + 1, &v->via.map.ptr[i].val, z, depth + 1) < 0)
				return -1;
		return 0;
	}
	if (word_is(tt, "STRUCT")) {
		const char *f = skip_sp(tt + 6);
		if (*f != '<' || v->type != MSGPACK_OBJECT_MAP)
			return 0;
		f++;
		for (;;) {
			const char *name, *ne, *ty;
			f = skip_sp(f);
			if (*f == '`') {
				name = f + 1;
				ne = strchr(name, '`');
				if (!ne)
					return 0;
				ty = ne + 1;
			} else {
				name = f;
				for (ne = f; *ne && *ne != ':' && *ne != ' '; ne++)
					;
				ty = ne;
			}
			ty = skip_sp(ty);
			if (*ty != ':')
				return 0;
			ty++;
			for (uint32_t i = 0; i < v->via.map.size; i++) {
				msgpack_object *key = &v->via.map.ptr[i].key;
				if (key->type == MSGPACK_OBJECT_STR && key->via.str.size == (size_t)(ne - name) &&
				    !memcmp(key->via.str.ptr, name, (size_t)(ne - name)) &&
				    nested(ty, &v->via.map.ptr[i].val, z, depth + 1) < 0)
					return -1;
			}
			f = type_end(ty);
			/* skip a COMMENT '...' clause: type_end stops at the ',' after it anyway */
			if (*f != ',')
				return 0;
			f++;
		}
	}
	return 0;
}

int
dbx_conv_nested(const char *type_text, msgpack_object *v, msgpack_zone *z)
{
	if (!type_text || !strstr(type_text, "TIMESTAMP"))
		return 0;
	return nested(type_text, v, z, 0);
}

int
dbx_conv(enum dbx_type t, const char *type_text, const msgpack_object *v, msgpack_zone *z,
	msgpack_object *out, struct err *e)
{
	const char *s;
	size_t n;
	char tmp[64];
	int k;
	if (v->type != MSGPACK_OBJECT_STR) {
		*out = *v; /* null (or an already typed value): as it is */
		return 0;
	}
	s = v->via.str.ptr, n = v->via.str.size;
	*out = *v;
	switch (t) {
	case DBX_T_STRING:
		return 0;
	case DBX_T_NULL:
		return 1;
	case DBX_T_INT:
		if (n > 20 || !is_int_text(s, n) || !rec_number_valid(s, n))
			return 1;
		goto number;
	case DBX_T_DECIMAL:
		if (n > 128 || !rec_number_valid(s, n)) /* DECIMAL has at most 38 digits */
			return 1;
		goto number;
	case DBX_T_FLOAT:
		if (n > 128 || !rec_number_valid(s, n)) {
			if ((n == 3 && !memcmp(s, "NaN", 3)) || (n == 8 && !memcmp(s, "Infinity", 8)) ||
			    (n == 9 && !memcmp(s, "-Infinity", 9)))
				return 0;
			return 1;
		}
	number:
		if (rec_number(z, s, n, out) < 0) {
			*out = *v;
			if (errno == EINVAL)
				return 1;
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		}
		return 0;
	case DBX_T_BOOL:
		if (n == 4 && !memcmp(s, "true", 4))
			*out = rec_bool(1);
		else if (n == 5 && !memcmp(s, "false", 5))
			*out = rec_bool(0);
		else
			return 1;
		return 0;
	case DBX_T_DATE:
		return dbx_date_valid(s, n) ? 0 : 1;
	case DBX_T_TIMESTAMP:
	case DBX_T_TIMESTAMP_NTZ:
		k = t == DBX_T_TIMESTAMP ? dbx_timestamp_utc(s, n, tmp, sizeof tmp)
					 : dbx_timestamp_ntz(s, n, tmp, sizeof tmp);
		if (k < 0)
			return 1;
		if ((size_t)k == n && !memcmp(tmp, s, n))
			return 0; /* already in the output form: keep the reference */
		if (rec_strdup(z, tmp, (size_t)k, out) < 0) {
			*out = *v;
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		}
		return 0;
	case DBX_T_JSON: {
		struct err ig = ERR_INIT;
		if (rec_json_parse(s, n, z, out, &ig) < 0) {
			*out = *v;
			return 1;
		}
		if (dbx_conv_nested(type_text, out, z) < 0)
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		return 0;
	}
	}
	return 0;
}
