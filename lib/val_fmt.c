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

static int
digits(const char *s, size_t k, unsigned *out)
{
	unsigned v = 0;
	size_t i;
	for (i = 0; i < k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
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
		if (i == f)
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
	if (epoch)
		*epoch = val_fmt_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
		         (int64_t)mi * 60 + se - sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
	if (zulu)
		*zulu = sign == 0;
	return 0;
}
