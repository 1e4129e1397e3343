/* val_fmt.h: hand-written checkers for the value formats Insider's upsert enforces (no regex
 * engine: validate runs them on every record).
 *
 * Ownership: nothing here allocates or keeps a pointer; every function reads s[0..n) only.
 * The strings need not be NUL-terminated.
 */
#ifndef DBXI_VAL_FMT_H
#define DBXI_VAL_FMT_H
#include <stddef.h>
#include <stdint.h>

/* ^.+@.+\..+$ as Go's RE2 reads it ('.' is any character but '\n') */
int val_fmt_email(const char *s, size_t n);
/* E.164: ^\+[1-9]\d{6,14}$ */
int val_fmt_phone(const char *s, size_t n);
/* the event-name form validate accepts: ^[a-z0-9][a-z0-9._-]*$ (Insider's printed regex
 * without the upper case it refuses in practice: reference section 3.2) */
int val_fmt_event_name(const char *s, size_t n);

/* The limits every stage applies to values (row-map when it converts, validate when it checks;
 * docs/insider-rules.md): one definition here, so that what one refuses the other refuses. */
#define VAL_FMT_FRAC_MAX 9     /* digits of a date-time's fraction (nanoseconds) */
#define VAL_FMT_YEAR_MIN 1     /* years of a date-time, in UTC */
#define VAL_FMT_YEAR_MAX 9999
#define VAL_FMT_DOUBLE_MAX "1.7976931348623157e308" /* for messages */
#define VAL_FMT_INT_RANGE "-9223372036854775808 to 9223372036854775807"
/* 1 when the JSON number text s[0..n) has a value within an IEEE double's range (at most
 * DBL_MAX in magnitude; tiny values that round to 0 are within it); 0 when beyond it or not a
 * number. Any length: no copy of s. */
int val_fmt_number_in_range(const char *s, size_t n);
/* 1 when the JSON number text s[0..n) is an integer (no exponent; a fraction of zeros only,
 * 2.00) within int64, and its value in *out (may be NULL); 0 when it is an integer beyond
 * int64; -1 when it is not an integer */
int val_fmt_int64(const char *s, size_t n, int64_t *out);
/* 1 when s[0..n) is empty or only white space (ASCII and Unicode spaces, no-break space,
 * zero-width space and BOM included) */
int val_fmt_blank(const char *s, size_t n);

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), with an upper-case
 * T and Z, real calendar dates (leap years), seconds 00 to 59 (Go's time.Parse, which
 * Insider's API appears to use, refuses a leap second 60; so does the emulator), at most
 * VAL_FMT_FRAC_MAX fraction digits, years VAL_FMT_YEAR_MIN to VAL_FMT_YEAR_MAX in UTC.
 * Returns 0 and *epoch (seconds since 1970-01-01T00:00:00Z, fraction dropped) and *zulu
 * (1 when the zone is Z) when s is one; -1 otherwise. epoch or zulu may be NULL. */
int val_fmt_rfc3339(const char *s, size_t n, int64_t *epoch, int *zulu);
/* days since 1970-01-01 of a proleptic Gregorian date (no range check) */
int64_t val_fmt_days_from_civil(int64_t y, unsigned m, unsigned d);
#endif
