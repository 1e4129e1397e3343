/* val_fmt.c: see val_fmt.h. */
#include <string.h>
#include "val_fmt.h"

int
val_fmt_email(const char *s, size_t n)
{
	const char *at;
	size_t i, j;
	if (n < 5 || memchr(s, '\n', n))
		return 0;
	/* the earliest '@' after the first character leaves the most room for ".+\..+" */
	at = memchr(s + 1, '@', n - 1);
	if (!at)
		return 0;
	i = (size_t)(at - s);
	/* a '.' with at least one character between it and the '@' and one after it */
	for (j = i + 2; j + 1 < n; j++)
		if (s[j] == '.')
			return 1;
	return 0;
}

int
val_fmt_phone(const char *s, size_t n)
{
	size_t i;
	if (n < 8 || n > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
val_fmt_event_name(const char *s, size_t n)
{
	size_t i;
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int64_t
val_fmt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* H. Hinnant's days_from_civil algorithm, rewritten */
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static inline int
digits(const char *s, size_t k, unsigned *out)
{
	unsigned v = 0;
	size_t i;
	for (i = 0; i < k; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* val_fmt_days_from_civil(VAL_FMT_YEAR_MIN, 1, 1) and (VAL_FMT_YEAR_MAX + 1, 1, 1), checked
 * by tests/unit/test_val_fmt.c */
#define DAYS_YEAR_MIN (-719162)
#define DAYS_YEAR_END 2932897

/* days_from_civil for a month and day already checked (m 1-12) and y 0-9999: the same
 * arithmetic on unsigned values, with no era for negative years (y - 1 >= -1 here is
 * handled by shifting the years by 400) */
static inline int64_t
days_civil(unsigned y, unsigned m, unsigned d)
{
	unsigned yy = y + 400 - (m <= 2); /* 399..10399: one era later, no negative year */
	unsigned era = yy / 400, yoe = yy - era * 400;
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468 - 146097;
}

int
val_fmt_rfc3339(const char *s, size_t n, int64_t *epoch, int *zulu)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
	size_t i;
	int sign = 0, leap;
	/* 2006-01-02T15:04:05 is 19 bytes, then the zone (1 or 6), fraction before it */
	if (n < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	i = 19;
	if (s[i] == '.') {
		size_t f = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f || i - f > VAL_FMT_FRAC_MAX)
			return -1;
	}
	if (i >= n)
		return -1;
	if (s[i] == 'Z') {
		if (i + 1 != n)
			return -1;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -1;
	{
		int64_t t = days_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
			    (int64_t)mi * 60 + se - sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
		/* the years in UTC: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
		if (t < (int64_t)DAYS_YEAR_MIN * 86400 || t >= (int64_t)DAYS_YEAR_END * 86400)
			return -1;
		if (epoch)
			*epoch = t;
	}
	if (zulu)
		*zulu = sign == 0;
	return 0;
}

/* a plain decimal -?D+(.D+)? of at most 300 characters: at most 300 digits before any point,
 * so far below 1.8e308 (the common number: told without the bookkeeping below) */
static inline int
plain_short(const char *s, size_t n)
{
	size_t i = n && s[0] == '-', f;
	if (n > 300)
		return 0;
	for (f = i; i < n && (unsigned)(unsigned char)s[i] - '0' <= 9; i++)
		;
	if (i == f)
		return 0;
	if (i == n)
		return 1;
	if (s[i] != '.')
		return 0;
	for (f = ++i; i < n && (unsigned)(unsigned char)s[i] - '0' <= 9; i++)
		;
	return i > f && i == n;
}

int
val_fmt_number_in_range(const char *s, size_t n)
{
	/* the decimal exponent of the first significant digit, then the digits themselves
	 * against DBL_MAX's when that exponent is 308 */
	/* DBL_MAX plus half a unit in the last place, 1.797693134862315807937289...e308: below it
	 * a text rounds to DBL_MAX, from it on to infinity (Go's ParseFloat: ErrRange) */
	static const char maxd[] = "1797693134862315807937289";
	size_t i = 0, nsig = 0;
	long long lead = 0; /* digits before the point, from the first significant one */
	long long zeros = 0; /* zeros after the point before the first significant digit */
	long long ex = 0, e10;
	int seen = 0, eneg = 0;
	char sig[sizeof maxd];
	if (plain_short(s, n))
		return 1;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (!seen && s[i] == '0')
			continue;
		if (!seen)
			seen = 1;
		lead++;
		if (nsig < sizeof sig - 1)
			sig[nsig++] = s[i];
	}
	if (i < n && s[i] == '.') {
		size_t f = ++i;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (!seen && s[i] == '0') {
				zeros++;
				continue;
			}
			if (!seen)
				seen = 1;
			if (nsig < sizeof sig - 1)
				sig[nsig++] = s[i];
		}
		if (i == f)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t f;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		f = i;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (ex < 100000000)
				ex = ex * 10 + (s[i] - '0');
		if (i == f)
			return 0;
	}
	if (i != n)
		return 0;
	if (!seen)
		return 1; /* zero */
	e10 = (lead ? lead - 1 : -(zeros + 1)) + (eneg ? -ex : ex);
	if (e10 < 308)
		return 1;
	if (e10 > 308)
		return 0;
	/* 308: the significant digits against the bound's (equal to its 25 digits: refused) */
	for (size_t k = 0; k < sizeof maxd - 1; k++) {
		char d = k < nsig ? sig[k] : '0';
		if (d != maxd[k])
			return d < maxd[k];
	}
	return 0;
}

int
val_fmt_int64(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0, big = 0;
	uint64_t u = 0;
	if (i < n && s[i] == '-')
		neg = 1, i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (u > (UINT64_MAX - d) / 10)
			big = 1;
		else
			u = u * 10 + d;
	}
	if (i < n && s[i] == '.') {
		size_t f = ++i;
		for (; i < n && s[i] == '0'; i++)
			;
		if (i == f)
			return -1;
	}
	if (i != n)
		return -1;
	if (big || u > (uint64_t)INT64_MAX + (uint64_t)neg)
		return 0;
	if (out)
		*out = neg ? (u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u) : (int64_t)u;
	return 1;
}

int
val_fmt_blank(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			i++;
			continue;
		}
		/* U+0085 U+00A0 */
		if (c == 0xC2 && i + 1 < n && (p[i + 1] == 0x85 || p[i + 1] == 0xA0)) {
			i += 2;
			continue;
		}
		if (i + 2 < n) {
			unsigned b = p[i + 1], d = p[i + 2];
			/* U+1680 */
			if (c == 0xE1 && b == 0x9A && d == 0x80)
				goto three;
			/* U+2000..U+200B, U+2028, U+2029, U+202F, U+205F, U+2060 */
			if (c == 0xE2 && b == 0x80 && (d <= 0x8B || d == 0xA8 || d == 0xA9 || d == 0xAF))
				goto three;
			if (c == 0xE2 && b == 0x81 && (d == 0x9F || d == 0xA0))
				goto three;
			/* U+3000 */
			if (c == 0xE3 && b == 0x80 && d == 0x80)
				goto three;
			/* U+FEFF */
			if (c == 0xEF && b == 0xBB && d == 0xBF)
				goto three;
		}
		return 0;
	three:
		i += 3;
	}
	return 1;
}
