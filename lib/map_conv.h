/* map_conv.h: row-map's type conversion, per Insider's data type table (docs/mapping.md).
 *
 * Ownership: map_conv() builds its result in the zone z the caller owns; strings of the input
 * may be referenced (not copied), so the input must outlive the result (row-map writes the
 * output record before it reads the next input record). `why` is the caller's buffer: on
 * failure it receives a short reason ("\"abc\" is not a number"). Nothing here allocates on
 * the heap except through z and why.
 */
#ifndef DBXI_MAP_CONV_H
#define DBXI_MAP_CONV_H
#include <msgpack.h>
#include "buf.h"

enum map_type {
	MT_AUTO = 0,  /* keep the value's own type (arrays of strings or numbers; no objects) */
	MT_STRING,    /* String */
	MT_NUMBER,    /* Number: integers exact, decimals keep their digits */
	MT_INTEGER,   /* Number without a fraction (quantity) */
	MT_BOOLEAN,   /* Boolean; also "true"/"false", "1"/"0", 1/0 */
	MT_DATETIME,  /* RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS[.frac]Z */
	MT_DATE,      /* the date only, as YYYY-MM-DDT00:00:00Z (birthday) */
	MT_STRINGS,   /* array of strings */
	MT_NUMBERS,   /* array of numbers */
	MT_COUNT
};

/* the mapping-file name of a type ("string", ...) and back (-1 when unknown) */
const char *map_type_name(enum map_type t);
int map_type_parse(const char *s, size_t n);

/* converts *in (not NIL: the caller handles nulls) to type t.
 * 0: *out set; -1: cannot convert, reason in why; -2: out of memory (errno set). */
int map_conv(enum map_type t, const msgpack_object *in, msgpack_zone *z, msgpack_object *out,
	struct buf *why);

/* parses a date or date-time (YYYY-MM-DD, or YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|±HH[:]MM]; no
 * offset = UTC) and writes the RFC 3339 UTC form into out (at least 40 bytes). date_only keeps
 * the date as written and sets the time to midnight. Returns the length, or -1 with a reason
 * in why. */
int map_datetime(const char *s, size_t n, int date_only, char *out, struct buf *why);
/* is s[0..n) a plain decimal, -?D+(.D+)? with at most 300 characters? Such a number is far
 * below DBL_MAX: in range without val_fmt_number_in_range's digit bookkeeping (the hot path
 * of decimal columns) */
static inline int
map_plain_decimal(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	if (n > 300)
		return 0;
	if (p < end && *p == '-')
		p++;
	const char *d = p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p == d)
		return 0;
	if (p == end)
		return 1;
	if (*p != '.')
		return 0;
	const char *f = ++p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p == end && p > f;
}
#endif