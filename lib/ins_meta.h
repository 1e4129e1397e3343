/* ins_meta.h: insider-push --verify and --fetch-schema, on Insider's metadata call.
 *
 * `POST {base}/api/user/v3/metadata/columns` with {"table":"contacts"} lists the account's
 * attributes, with {"table":"events"} its events and their parameters (reference 5.5). The
 * call is UNDOCUMENTED (seen in Insider's own n8n node): read-only, the same headers as the
 * upsert, but its stability and rate limit are unknown. --verify uses it because it changes
 * nothing in the account.
 *
 * Ownership: the caller's strings are only read; ins_fetch_schema appends to the caller's buf.
 * Nothing here prints or exits; the token never appears in an error.
 */
#ifndef DBXI_INS_META_H
#define DBXI_INS_META_H
#include <msgpack.h>
#include "buf.h"
#include "err.h"

#define INS_META_PATH "/api/user/v3/metadata/columns"

struct ins_conn {
	const char *base_url; /* NULL: INS_DEFAULT_URL */
	const char *partner;  /* sent lowercased */
	const char *token;
	long timeout_ms;      /* 0: 30 s */
	int max_attempts;     /* 0: 4 */
	long backoff_ms;      /* 0: http.h's default */
};

/* ins_verify: 0 when Insider answered the metadata call with 200 (credentials accepted);
 * -1 with XIT_NOPERM (401/403: refused), XIT_UNAVAILABLE (no answer after the retries, 5xx,
 * any other status), XIT_CONFIG (bad URL, partner or token form). url gets the endpoint. */
int ins_verify(const struct ins_conn *c, char *url, size_t urllen, struct err *e);

/* ins_fetch_schema: the account's custom attributes and events in the schema-file form that
 * validate --schema reads, pretty JSON with sorted keys, appended to out:
 *   {"attributes":{"tier":"string",...},"events":{"purchase":{"coupon":"string"},...}}
 * Errors as ins_verify, plus XIT_UNAVAILABLE for an answer that is not a list. */
int ins_fetch_schema(const struct ins_conn *c, struct buf *out, struct err *e);

/* ins_schema_from_columns: the conversion alone (pure, for tests): contacts and events are
 * the two answers' bodies. Appends the schema to out. -1 with XIT_UNAVAILABLE when a body is
 * not a JSON array. */
int ins_schema_from_columns(const char *contacts, size_t clen, const char *events, size_t elen,
	struct buf *out, struct err *e);

/* ins_schema_type: an Insider column type ("array", "string", "number", "date", ...) as a
 * schema-file type (string | number | boolean | datetime | strings); unknown -> "string". */
const char *ins_schema_type(const char *t, size_t n);
#endif
