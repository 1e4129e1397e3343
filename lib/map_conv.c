/* map_conv.c: see map_conv.h. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "map_conv.h"
#include "rec.h"
#include "val_fmt.h"

#define RANGE_WHY "is beyond the range of a double (\u00b1" VAL_FMT_DOUBLE_MAX ")"
#define INT_RANGE_WHY "is beyond the 64-bit integer range (" VAL_FMT_INT_RANGE ")"

static const char *const type_names[MT_COUNT] = {
	"auto", "string", "number", "integer", "boolean", "datetime", "date", "strings", "numbers",
};

const char *
map_type_name(enum map_type t)
{
	return (unsigned)t < MT_COUNT ? type_names[t] : "?";
}

int
map_type_parse(const char *s, size_t n)
{
	for (int i = 0; i < MT_COUNT; i++)
		if (strlen(type_names[i]) == n && memcmp(type_names[i], s, n) == 0)
			return i;
	return -1;
}

/* ---- describing a value in a reason ---- */

#define SHOW_MAX 48 /* bytes of a string shown in a reason */

static void
show(struct buf *why, const msgpack_object *v)
{
	int r = 0;
	switch (v->type) {
	case MSGPACK_OBJECT_NIL: r = buf_adds(why, "null"); break;
	case MSGPACK_OBJECT_BOOLEAN: r = buf_adds(why, v->via.boolean ? "true" : "false"); break;
	case MSGPACK_OBJECT_ARRAY: r = buf_adds(why, "an array"); break;
	case MSGPACK_OBJECT_MAP: r = buf_adds(why, "an object"); break;
	case MSGPACK_OBJECT_STR: {
		size_t n = v->via.str.size;
		const char *s = v->via.str.ptr;
		int cut = 0;
		if (n > SHOW_MAX) {
			n = SHOW_MAX;
			while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) /* UTF-8 boundary */
				n--;
			cut = 1;
		}
		r = rec_json_str_append(why, s, n);
		if (r == 0 && cut)
			r = buf_adds(why, "...");
		break;
	}
	default:
		if (rec_is_number(v))
			r = rec_number_text(why, v);
		else
			r = buf_adds(why, "a value");
	}
	(void)r; /* a reason cut short by ENOMEM is still a reason */
}

static int
fail(struct buf *why, const msgpack_object *v, const char *what)
{
	buf_reset(why);
	show(why, v);
	if (buf_printf(why, " %s", what) < 0) {
		/* keep whatever fitted */
	}
	return -1;
}

/* ---- scalars ---- */

static int
num_text(msgpack_zone *z, const msgpack_object *v, msgpack_object *out)
{
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER || v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		/* digits from the end, straight into the zone (no printf on the hot path) */
		int neg = v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
		uint64_t u = neg ? 0 - (uint64_t)v->via.i64 : v->via.u64;
		static const char dd[201] =
			"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
			"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
		static const uint64_t p10[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
			1000000ull, 10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
			100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull,
			1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
			1000000000000000000ull, 10000000000000000000ull};
		size_t nd = 1;
		while (nd < 20 && u >= p10[nd]) /* the number of digits, by compares */
			nd++;
		size_t n = nd + (size_t)neg;
		char *d = msgpack_zone_malloc_no_align(z, n), *p;
		if (!d)
			return -2;
		p = d + n; /* digits from the end, straight into the zone (no printf, no copy) */
		while (u >= 10000) { /* four digits a division */
			unsigned q = (unsigned)(u % 10000), hi = q / 100 * 2, lo = q % 100 * 2;
			u /= 10000;
			p -= 4;
			p[0] = dd[hi], p[1] = dd[hi + 1], p[2] = dd[lo], p[3] = dd[lo + 1];
		}
		while (u >= 100) { /* two digits a division */
			unsigned k = (unsigned)(u % 100) * 2;
			u /= 100;
			p -= 2;
			p[0] = dd[k], p[1] = dd[k + 1];
		}
		if (u >= 10) {
			p -= 2;
			p[0] = dd[u * 2], p[1] = dd[u * 2 + 1];
		} else
			*--p = (char)('0' + u);
		if (neg)
			*--p = '-';
		*out = rec_strref(d, n);
		return 0;
	}
	if (v->type == MSGPACK_OBJECT_EXT) {
		*out = rec_strref(v->via.ext.ptr, v->via.ext.size);
		return 0;
	} else {
		struct buf b = BUF_INIT;
		if (rec_number_text(&b, v) < 0) {
			buf_free(&b);
			return -2;
		}
		int r = rec_strdup(z, b.p, b.len, out);
		buf_free(&b);
		return r < 0 ? -2 : 0;
	}
}

static int
is_float(const msgpack_object *v)
{
	return v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32;
}

/* a number within an IEEE double's range: the limit validate applies too (val_fmt.h) */
static int
in_range(const msgpack_object *v)
{
	if (is_float(v))
		return isfinite(v->via.f64);
	if (v->type == MSGPACK_OBJECT_EXT) {
		if (map_plain_decimal(v->via.ext.ptr, v->via.ext.size))
			return 1;
		return val_fmt_number_in_range(v->via.ext.ptr, v->via.ext.size);
	}
	return 1;
}

static int
to_string(const msgpack_object *in, msgpack_zone *z, msgpack_object *out, struct buf *why)
{
	switch (in->type) {
	case MSGPACK_OBJECT_STR:
		*out = *in;
		return 0;
	case MSGPACK_OBJECT_BOOLEAN:
		*out = in->via.boolean ? rec_strref("true", 4) : rec_strref("false", 5);
		return 0;
	case MSGPACK_OBJECT_ARRAY:
		return fail(why, in, "is not a string");
	case MSGPACK_OBJECT_MAP:
		return fail(why, in, "is not a string");
	default:
		if (is_float(in) && !isfinite(in->via.f64))
			return fail(why, in, "is not a string");
		if (rec_is_number(in))
			return num_text(z, in, out);
		return fail(why, in, "is not a string");
	}
}

static int
to_number(const msgpack_object *in, msgpack_zone *z, msgpack_object *out, struct buf *why)
{
	if (is_float(in)) {
		if (!isfinite(in->via.f64))
			return fail(why, in, "is not a finite number");
		*out = *in;
		return 0;
	}
	if (rec_is_number(in)) {
		if (!in_range(in))
			return fail(why, in, RANGE_WHY);
		*out = *in;
		return 0;
	}
	if (in->type == MSGPACK_OBJECT_STR) {
		if (!rec_number_valid(in->via.str.ptr, in->via.str.size))
			return fail(why, in, "is not a number");
		if (!val_fmt_number_in_range(in->via.str.ptr, in->via.str.size))
			return fail(why, in, RANGE_WHY);
		if (rec_number(z, in->via.str.ptr, in->via.str.size, out) < 0)
			return errno == EINVAL ? fail(why, in, "is not a number") : -2;
		return 0;
	}
	return fail(why, in, "is not a number");
}

/* an integer from the text of a JSON number whose fraction is only zeros and that has no
 * exponent ("3", "-2.00"): the rule validate applies too (val_fmt_int64). 0, or -1 when it is
 * not one, -3 when beyond int64. */
static int
int_text(const char *s, size_t n, msgpack_object *out)
{
	int64_t i;
	int r = val_fmt_int64(s, n, &i);
	if (r < 0)
		return -1;
	if (r == 0)
		return -3;
	*out = rec_int(i);
	return 0;
}

static int
to_integer(const msgpack_object *in, msgpack_object *out, struct buf *why)
{
	int r;
	switch (in->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (in->via.u64 > (uint64_t)INT64_MAX)
			return fail(why, in, INT_RANGE_WHY);
		*out = *in;
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*out = *in;
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: {
		double d = in->via.f64;
		if (!isfinite(d) || d != trunc(d))
			return fail(why, in, "is not an integer");
		if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
			return fail(why, in, INT_RANGE_WHY);
		*out = rec_int((int64_t)d);
		return 0;
	}
	case MSGPACK_OBJECT_EXT:
		r = int_text(in->via.ext.ptr, in->via.ext.size, out);
		break;
	case MSGPACK_OBJECT_STR:
		r = int_text(in->via.str.ptr, in->via.str.size, out);
		break;
	default:
		r = -1;
	}
	if (r == -3)
		return fail(why, in, INT_RANGE_WHY);
	if (r < 0)
		return fail(why, in, "is not an integer");
	return 0;
}

static int
ieq(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	if (n != k)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return 0;
	}
	return 1;
}

static int
to_boolean(const msgpack_object *in, msgpack_object *out, struct buf *why)
{
	switch (in->type) {
	case MSGPACK_OBJECT_BOOLEAN:
		*out = *in;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (in->via.u64 <= 1) {
			*out = rec_bool(in->via.u64 == 1);
			return 0;
		}
		break;
	case MSGPACK_OBJECT_STR: {
		const char *s = in->via.str.ptr;
		size_t n = in->via.str.size;
		if (ieq(s, n, "true") || (n == 1 && s[0] == '1')) {
			*out = rec_bool(1);
			return 0;
		}
		if (ieq(s, n, "false") || (n == 1 && s[0] == '0')) {
			*out = rec_bool(0);
			return 0;
		}
		break;
	}
	default:
		break;
	}
	return fail(why, in, "is not a boolean (true/false, \"true\"/\"false\", 1/0)");
}

/* ---- dates ---- */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, size_t n, size_t *i, int k, int *v)
{
	int x = 0;
	for (int j = 0; j < k; j++) {
		if (*i >= n || s[*i] < '0' || s[*i] > '9')
			return -1;
		x = x * 10 + (s[*i] - '0');
		(*i)++;
	}
	*v = x;
	return 0;
}

static int
dt_fail(struct buf *why, const char *s, size_t n, const char *what)
{
	msgpack_object v = rec_strref(s, n);
	return fail(why, &v, what);
}

static char *
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* YYYY-MM-DDTHH:MM:SS[.frac]Z into out (no printf: this is on the hot path) */
static int
put_dt(char *out, int y, int mo, int d, int h, int mi, int se, const char *frac, size_t nfrac)
{
	char *p = put2(put2(out, y / 100), y % 100);
	*p++ = '-';
	p = put2(p, mo);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, h);
	*p++ = ':';
	p = put2(p, mi);
	*p++ = ':';
	p = put2(p, se);
	if (nfrac) {
		*p++ = '.';
		memcpy(p, frac, nfrac);
		p += nfrac;
	}
	*p++ = 'Z';
	*p = 0;
	return (int)(p - out);
}

#define DT_FORM "is not a date or an RFC 3339 date-time"

/* two ASCII digits at s as a number, or -1 */
static inline int
dig2(const char *s)
{
	unsigned a = (unsigned)(unsigned char)s[0] - '0', b = (unsigned)(unsigned char)s[1] - '0';
	return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1;
}

/* The common forms only, YYYY-MM-DD and YYYY-MM-DDTHH:MM:SS[.D{1,9}]Z, valid as written:
 * the length of the UTC form in out (what the general parse below writes for them), or -1
 * for anything else (another form, or a value out of range: the general parse decides and
 * names it). */
static int
dt_fast(const char *s, size_t n, int date_only, char *out)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int yh, yl, y, mo, d;
	size_t nfrac = 0;
	if (n != 10 && n < 20)
		return -1;
	if ((yh = dig2(s)) < 0 || (yl = dig2(s + 2)) < 0 || s[4] != '-' || (mo = dig2(s + 5)) < 0 ||
	    s[7] != '-' || (d = dig2(s + 8)) < 0)
		return -1;
	y = yh * 100 + yl;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ||
	    y < VAL_FMT_YEAR_MIN)
		return -1;
	if (n > 10) {
		int h, mi, se;
		if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z' ||
		    (h = dig2(s + 11)) < 0 || (mi = dig2(s + 14)) < 0 || (se = dig2(s + 17)) < 0 ||
		    h > 23 || mi > 59 || se > 59)
			return -1;
		if (n > 20) {
			if (s[19] != '.' || n - 21 < 1 || n - 21 > VAL_FMT_FRAC_MAX)
				return -1;
			for (size_t i = 20; i < n - 1; i++)
				if (s[i] < '0' || s[i] > '9')
					return -1;
			nfrac = n - 21;
			if (!date_only)
				while (nfrac > 0 && s[20 + nfrac - 1] == '0')
					nfrac--;
		}
		if (!date_only) {
			memcpy(out, s, 19);
			char *p = out + 19;
			if (nfrac) {
				*p++ = '.';
				memcpy(p, s + 20, nfrac);
				p += nfrac;
			}
			*p++ = 'Z';
			*p = 0;
			return (int)(p - out);
		}
	}
	memcpy(out, s, 10);
	memcpy(out + 10, "T00:00:00Z", 11);
	return 20;
}

int
map_datetime(const char *s, size_t n, int date_only, char *out, struct buf *why)
{
	size_t i = 0;
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	const char *frac = NULL;
	size_t nfrac = 0;
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (digits(s, n, &i, 4, &y) < 0 || i >= n || s[i++] != '-' || digits(s, n, &i, 2, &mo) < 0 ||
	    i >= n || s[i++] != '-' || digits(s, n, &i, 2, &d) < 0)
		return dt_fail(why, s, n, DT_FORM);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return dt_fail(why, s, n, "is not a valid calendar date");
	if (y < VAL_FMT_YEAR_MIN)
		return dt_fail(why, s, n, "has a year before 0001");
	if (i < n) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return dt_fail(why, s, n, DT_FORM);
		i++;
		if (digits(s, n, &i, 2, &h) < 0 || i >= n || s[i++] != ':' || digits(s, n, &i, 2, &mi) < 0)
			return dt_fail(why, s, n, DT_FORM);
		if (i < n && s[i] == ':') {
			i++;
			if (digits(s, n, &i, 2, &se) < 0)
				return dt_fail(why, s, n, DT_FORM);
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				i++;
				frac = s + i;
				while (i < n && s[i] >= '0' && s[i] <= '9')
					i++;
				nfrac = (size_t)(s + i - frac);
				if (nfrac == 0 || nfrac > VAL_FMT_FRAC_MAX)
					return dt_fail(why, s, n, DT_FORM);
			}
		}
		if (h > 23 || mi > 59 || se > 59)
			return dt_fail(why, s, n, "has a time of day out of range");
		if (i < n) {
			if (s[i] == 'Z' || s[i] == 'z') {
				i++;
			} else if (s[i] == '+' || s[i] == '-') {
				sign = s[i++] == '-' ? -1 : 1;
				if (digits(s, n, &i, 2, &oh) < 0)
					return dt_fail(why, s, n, DT_FORM);
				if (i < n && s[i] == ':')
					i++;
				if (i < n && digits(s, n, &i, 2, &om) < 0)
					return dt_fail(why, s, n, DT_FORM);
				if (oh > 23 || om > 59)
					return dt_fail(why, s, n, "has a time offset out of range");
			}
		}
		if (i != n)
			return dt_fail(why, s, n, DT_FORM);
	}
	if (date_only)
		return put_dt(out, y, mo, d, 0, 0, 0, NULL, 0);
	if (sign == 0) { /* UTC already (Z, or no offset): the same date and time, no day arithmetic */
		while (nfrac > 0 && frac[nfrac - 1] == '0')
			nfrac--;
		return put_dt(out, y, mo, d, h, mi, se, frac, nfrac);
	}
	int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t sec = t - days * 86400, yy;
	unsigned mm, dd;
	civil_from_days(days, &yy, &mm, &dd);
	if (yy < VAL_FMT_YEAR_MIN || yy > VAL_FMT_YEAR_MAX)
		return dt_fail(why, s, n, "is out of the years 0001 to 9999 in UTC");
	while (nfrac > 0 && frac[nfrac - 1] == '0')
		nfrac--;
	return put_dt(out, (int)yy, (int)mm, (int)dd, (int)(sec / 3600), (int)(sec / 60 % 60),
		(int)(sec % 60), frac, nfrac);
}

static int
to_datetime(const msgpack_object *in, int date_only, msgpack_zone *z, msgpack_object *out,
	struct buf *why)
{
	char tmp[48];
	if (in->type != MSGPACK_OBJECT_STR) {
		if (rec_is_number(in))
			return fail(why, in, "is a number, not a date (convert epoch times with {\"jq\": \".col | todate\"})");
		return fail(why, in, "is not a date or an RFC 3339 date-time");
	}
	int n = dt_fast(in->via.str.ptr, in->via.str.size, date_only, tmp);
	if (n >= 0 && !date_only && (size_t)n == in->via.str.size) {
		*out = *in; /* the fast form with nothing to trim: the text as written */
		return 0;
	}
	if (n < 0)
		n = map_datetime(in->via.str.ptr, in->via.str.size, date_only, tmp, why);
	if (n < 0)
		return -1;
	/* unchanged text: refer to the input */
	if ((size_t)n == in->via.str.size && memcmp(tmp, in->via.str.ptr, (size_t)n) == 0) {
		*out = *in;
		return 0;
	}
	return rec_strdup(z, tmp, (size_t)n, out) < 0 ? -2 : 0;
}

/* ---- arrays ---- */

static int
elem_fail(struct buf *why, uint32_t i, const char *what)
{
	struct buf tmp = BUF_INIT;
	if (buf_add(&tmp, why->p ? why->p : "", why->len) < 0) {
		buf_free(&tmp);
		return -1;
	}
	buf_reset(why);
	if (buf_printf(why, "element %" PRIu32 ": %s%s", i, tmp.p ? tmp.p : "", what) < 0) {
		/* keep what fitted */
	}
	buf_free(&tmp);
	return -1;
}

static int
to_array(const msgpack_object *in, enum map_type et, msgpack_zone *z, msgpack_object *out,
	struct buf *why)
{
	struct rec_arrb a;
	msgpack_object v;
	int r;
	if (in->type != MSGPACK_OBJECT_ARRAY) {
		if (in->type == MSGPACK_OBJECT_MAP)
			return fail(why, in, et == MT_STRING ? "is not an array of strings" : "is not an array of numbers");
		/* a single value becomes a one-element array */
		r = et == MT_STRING ? to_string(in, z, &v, why) : to_number(in, z, &v, why);
		if (r < 0)
			return r;
		rec_arrb_init(&a, z);
		if (rec_arrb_push(&a, v) < 0)
			return -2;
		*out = rec_arrb_done(&a);
		return 0;
	}
	/* already right: no copy */
	uint32_t i, n = in->via.array.size;
	for (i = 0; i < n; i++) {
		const msgpack_object *e = &in->via.array.ptr[i];
		if (et == MT_STRING ? e->type != MSGPACK_OBJECT_STR : !(rec_is_number(e) && in_range(e)))
			break;
	}
	if (i == n) {
		*out = *in;
		return 0;
	}
	rec_arrb_init(&a, z);
	for (i = 0; i < n; i++) {
		const msgpack_object *e = &in->via.array.ptr[i];
		if (e->type == MSGPACK_OBJECT_NIL) {
			buf_reset(why);
			return elem_fail(why, i, "null is not allowed in an array");
		}
		r = et == MT_STRING ? to_string(e, z, &v, why) : to_number(e, z, &v, why);
		if (r == -1)
			return elem_fail(why, i, "");
		if (r < 0)
			return r;
		if (rec_arrb_push(&a, v) < 0)
			return -2;
	}
	*out = rec_arrb_done(&a);
	return 0;
}

static int
to_auto(const msgpack_object *in, msgpack_zone *z, msgpack_object *out, struct buf *why)
{
	switch (in->type) {
	case MSGPACK_OBJECT_MAP:
		return fail(why, in, "is not an Insider value: map its fields one by one, or use jq");
	case MSGPACK_OBJECT_ARRAY: {
		uint32_t n = in->via.array.size, ns = 0, nn = 0;
		for (uint32_t i = 0; i < n; i++) {
			const msgpack_object *e = &in->via.array.ptr[i];
			if (e->type == MSGPACK_OBJECT_STR)
				ns++;
			else if (rec_is_number(e))
				nn++;
		}
		if (ns == n || (nn == n && ns == 0))
			return nn ? to_array(in, MT_NUMBER, z, out, why) : (*out = *in, 0);
		return fail(why, in, "is not an array of strings nor of numbers: give it \"type\": \"strings\" or use jq");
	}
	default:
		if (is_float(in) && !isfinite(in->via.f64))
			return fail(why, in, "is not a finite number");
		if (!in_range(in))
			return fail(why, in, RANGE_WHY);
		*out = *in;
		return 0;
	}
}

int
map_conv(enum map_type t, const msgpack_object *in, msgpack_zone *z, msgpack_object *out,
	struct buf *why)
{
	switch (t) {
	case MT_STRING: return to_string(in, z, out, why);
	case MT_NUMBER: return to_number(in, z, out, why);
	case MT_INTEGER: return to_integer(in, out, why);
	case MT_BOOLEAN: return to_boolean(in, out, why);
	case MT_DATETIME: return to_datetime(in, 0, z, out, why);
	case MT_DATE: return to_datetime(in, 1, z, out, why);
	case MT_STRINGS: return to_array(in, MT_STRING, z, out, why);
	case MT_NUMBERS: return to_array(in, MT_NUMBER, z, out, why);
	default: return to_auto(in, z, out, why);
	}
}
