/* dbx_types.h: Databricks SQL types, and the conversion of one JSON_ARRAY value (every value
 * arrives as a JSON string or null) to a typed record value, per the result manifest.
 *
 * Ownership: nothing here allocates on the heap. dbx_conv() builds its value in the zone z
 * given by the caller; strings and decimals may point into the input text s (the parsed chunk
 * body), which the caller keeps alive until the value is written. Nothing prints or exits.
 *
 * Conversions (docs/dbx-cdf-read.1, "TYPES"):
 *   TINYINT SMALLINT INT BIGINT (BYTE SHORT INT LONG) -> integer (exact 64-bit)
 *   DECIMAL(p,s) -> number with its digits (REC_EXT_DECIMAL when not an integer)
 *   FLOAT DOUBLE -> number; NaN, Infinity, -Infinity (no JSON number exists) -> string
 *   BOOLEAN -> true/false; DATE -> "YYYY-MM-DD"
 *   TIMESTAMP -> RFC 3339 in UTC: "2021-06-15T12:34:56.789-07:00" -> "2021-06-15T19:34:56.789Z"
 *   TIMESTAMP_NTZ -> "YYYY-MM-DDTHH:MM:SS[.fff]" (no zone: none is known)
 *   ARRAY MAP STRUCT VARIANT -> the JSON value their text holds (arrays, objects, ...), with
 *       TIMESTAMPs nested in ARRAY/MAP/STRUCT (per type_text) turned to UTC as well
 *   VOID (NULL) -> null; STRING CHAR VARCHAR BINARY INTERVAL and anything else -> string
 *   JSON null -> null, whatever the type.
 */
#ifndef DBXI_DBX_TYPES_H
#define DBXI_DBX_TYPES_H
#include <msgpack.h>
#include <stddef.h>
#include "err.h"

enum dbx_type {
	DBX_T_STRING = 0, /* STRING, CHAR, VARCHAR, BINARY, INTERVAL, unknown types */
	DBX_T_INT,        /* TINYINT SMALLINT INT BIGINT */
	DBX_T_DECIMAL,
	DBX_T_FLOAT,      /* FLOAT DOUBLE */
	DBX_T_BOOL,
	DBX_T_DATE,
	DBX_T_TIMESTAMP,
	DBX_T_TIMESTAMP_NTZ,
	DBX_T_JSON,       /* ARRAY MAP STRUCT VARIANT */
	DBX_T_NULL        /* VOID */
};

/* the conversion for a manifest column: type_name (open set; may be NULL) first, then
 * type_text (e.g. "DECIMAL(10,2)", "ARRAY<INT>"). */
enum dbx_type dbx_type_of(const char *type_name, const char *type_text);
const char *dbx_type_label(enum dbx_type t);

/* dbx_conv: one value. v is the JSON_ARRAY element (STR or NIL; anything else is passed on as
 * it is). 0: *out is the typed value. 1: the text was not in the form the type promises;
 * *out is the text as a string (the caller reports it once per column). -1: out of memory or a
 * nested value that rec_json_parse refused (e filled). */
int dbx_conv(enum dbx_type t, const char *type_text, const msgpack_object *v, msgpack_zone *z,
	msgpack_object *out, struct err *e);
/* dbx_conv_nested: inside an ARRAY/MAP/STRUCT value parsed from JSON, turns the strings at
 * TIMESTAMP positions of type_text ("STRUCT<a: TIMESTAMP, b: ARRAY<TIMESTAMP>>") into UTC.
 * Values that do not fit the type are left as they are. -1 on ENOMEM. */
int dbx_conv_nested(const char *type_text, msgpack_object *v, msgpack_zone *z);

/* dbx_timestamp_utc: "YYYY-MM-DD[T ]HH:MM[:SS[.f{1,9}]][Z|+HH:MM|-HH:MM|+HHMM|+HH]" to
 * "YYYY-MM-DDTHH:MM:SS[.f]Z" in out (>= 40 bytes), the fraction kept digit for digit. Text
 * without a zone is taken as UTC. Returns the length, or -1 when s is not such a timestamp
 * (or the UTC year leaves 0001..9999). */
int dbx_timestamp_utc(const char *s, size_t n, char *out, size_t outlen);
/* dbx_timestamp_ntz: the same form without a zone, normalised to 'T'; -1 on a bad form */
int dbx_timestamp_ntz(const char *s, size_t n, char *out, size_t outlen);
/* 1 when s is "YYYY-MM-DD" with a valid month and day */
int dbx_date_valid(const char *s, size_t n);
#endif
