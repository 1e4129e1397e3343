/* test_dbx_class: the one table that maps a FAILED statement's error class to an exit status
 * (#10.13), and the scrubbing of known secrets from every message (#10.12). */
#include <stdio.h>
#include <string.h>
#include "tap.h"
#include "dbx_api.h"
#include "dbx_stmt.h"

static void
classes(void)
{
	/* analysis errors are configuration errors: running again cannot help */
	is_int(dbx_class_status("UNRESOLVED_COLUMN.WITH_SUGGESTION"), XIT_CONFIG,
		"#10.13 UNRESOLVED_COLUMN.WITH_SUGGESTION (a SHARD_KEY typo) -> 78");
	is_int(dbx_class_status("UNRESOLVED_COLUMN"), XIT_CONFIG, "#10.13 UNRESOLVED_COLUMN -> 78");
	is_int(dbx_class_status("PARSE_SYNTAX_ERROR"), XIT_CONFIG, "#10.13 PARSE_SYNTAX_ERROR -> 78");
	is_int(dbx_class_status("TABLE_OR_VIEW_NOT_FOUND"), XIT_CONFIG, "#10.13 TABLE_OR_VIEW_NOT_FOUND -> 78");
	is_int(dbx_class_status("UNBOUND_SQL_PARAMETER"), XIT_CONFIG, "#10.13 UNBOUND_SQL_PARAMETER -> 78");
	is_int(dbx_class_status("AMBIGUOUS_REFERENCE"), XIT_CONFIG, "#10.13 AMBIGUOUS_REFERENCE -> 78");
	is_int(dbx_class_status("DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES"), XIT_CONFIG,
		"#10.13 DATATYPE_MISMATCH.* -> 78");
	is_int(dbx_class_status("INVALID_TIMESTAMP_FORMAT"), XIT_CONFIG, "#10.13 INVALID_TIMESTAMP_FORMAT -> 78");
	is_int(dbx_class_status("CAST_INVALID_INPUT"), XIT_CONFIG, "#10.13 CAST_INVALID_INPUT -> 78");
	is_int(dbx_class_status("DELTA_TIMESTAMP_GREATER_THAN_COMMIT"), XIT_CONFIG,
		"#10.13 DELTA_TIMESTAMP_GREATER_THAN_COMMIT -> 78");
	is_int(dbx_class_status("INSUFFICIENT_PERMISSIONS"), XIT_NOPERM, "#10.13 INSUFFICIENT_PERMISSIONS -> 77");
	is_int(dbx_class_status("PERMISSION_DENIED"), XIT_NOPERM, "#10.13 PERMISSION_DENIED -> 77");
	/* known transient causes: run again later */
	is_int(dbx_class_status("DELTA_CONCURRENT_APPEND"), XIT_TEMPFAIL, "#10.13 DELTA_CONCURRENT_APPEND -> 75");
	is_int(dbx_class_status("TEMPORARILY_UNAVAILABLE"), XIT_TEMPFAIL, "#10.13 TEMPORARILY_UNAVAILABLE -> 75");
	is_int(dbx_class_status("QUERY_EXECUTION_TIMEOUT_EXCEEDED"), XIT_TEMPFAIL,
		"#10.13 QUERY_EXECUTION_TIMEOUT_EXCEEDED -> 75");
	is_int(dbx_class_status("INTERNAL_ERROR"), XIT_TEMPFAIL, "#10.13 INTERNAL_ERROR -> 75");
	/* anything else: 69, not a retry loop */
	is_int(dbx_class_status("SOME_NEW_CLASS"), XIT_UNAVAILABLE, "#10.13 an unknown class -> 69");
	is_int(dbx_class_status("UNRESOLVED_COLUMNX"), XIT_UNAVAILABLE,
		"#10.13 a class is matched whole (or up to a '.'), not by prefix");
}

static void
failed_unknown(void)
{
	const char *body = "{\"statement_id\":\"x1\",\"status\":{\"state\":\"FAILED\",\"error\":"
		"{\"error_code\":\"BAD_REQUEST\",\"message\":\"[BRAND_NEW_THING] something odd. SQLSTATE: XX000\"}}}";
	struct dbx_stmt *s = NULL;
	struct err e = ERR_INIT;
	char cls[128];
	ok(dbx_stmt_parse(body, strlen(body), &s, cls, sizeof cls, &e) < 0, "#10.13 FAILED parsed as an error");
	is_int(e.status, XIT_UNAVAILABLE, "#10.13 unknown class -> 69");
	ok(strstr(e.msg, "error class BRAND_NEW_THING") != NULL, "#10.13 the message names the class: %s", e.msg);
	body = "{\"statement_id\":\"x1\",\"status\":{\"state\":\"FAILED\",\"error\":"
		"{\"error_code\":\"BAD_REQUEST\",\"message\":\"the warehouse did something without a class\"}}}";
	e.msg[0] = 0;
	ok(dbx_stmt_parse(body, strlen(body), &s, cls, sizeof cls, &e) < 0 && !cls[0], "#10.13 FAILED without a class");
	is_int(e.status, XIT_UNAVAILABLE, "#10.13 no class, no 'try again': 69, not 75");
}

static void
scrub(void)
{
	char m[256];
	dbx_scrub_add("s3cr3t-value-XYZ");
	dbx_scrub_add("dapi0123456789abcdef");
	snprintf(m, sizeof m, "[X] Invalid token dapi0123456789abcdef for s3cr3t-value-XYZ.");
	dbx_scrub(m, sizeof m);
	is_str(m, "[X] Invalid token *** for ***.", "#10.12 known secrets scrubbed");
	snprintf(m, sizeof m, "Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl was refused");
	dbx_scrub(m, sizeof m);
	is_str(m, "Authorization: Bearer *** was refused", "#10.12 any bearer token scrubbed");
	snprintf(m, sizeof m, "nothing secret here");
	dbx_scrub(m, sizeof m);
	is_str(m, "nothing secret here", "#10.12 plain text unchanged");
	dbx_scrub_add("ab"); /* too short to scrub without mangling text */
	snprintf(m, sizeof m, "table abc");
	dbx_scrub(m, sizeof m);
	is_str(m, "table abc", "#10.12 a secret under 8 bytes is not looked for");
	dbx_scrub_clear();
	snprintf(m, sizeof m, "s3cr3t-value-XYZ");
	dbx_scrub(m, sizeof m);
	is_str(m, "s3cr3t-value-XYZ", "#10.12 cleared list");
}

int
main(void)
{
	classes();
	failed_unknown();
	scrub();
	return tap_done();
}
