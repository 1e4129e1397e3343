/* dbx_stmt.h: the SQL Statement Execution API 2.0 (POST /api/2.0/sql/statements/).
 *
 * dbx_stmt_exec sends one statement (JSON_ARRAY; INLINE or EXTERNAL_LINKS), polls while it is
 * PENDING or RUNNING (backoff 0.2 s doubling to 5 s, with jitter) up to a time limit (then it
 * cancels it: XIT_TEMPFAIL), and on SUCCEEDED hands back a cursor: dbx_stmt_next yields the
 * rows one at a time, following every chunk (next_chunk_index) and every external link. Links
 * are fetched without the Authorization header and with their http_headers; a link that
 * expired (or answers 400/403/404) is asked for again through the chunk endpoint. Only one
 * chunk is held at a time. A FAILED statement gives its Delta/Spark error class
 * (dbx_stmt_class) and an error in e mapped by dbx_class_status.
 * On interruption (the http abort flag) the running statement is cancelled.
 *
 * Ownership: struct dbx_stmt is the caller's (dbx_stmt_free). Rows handed out by dbx_stmt_next
 * (an ARRAY of STR/NIL) stay valid until the next dbx_stmt_next call. Column names and types
 * are owned by the statement. Parameters are only read during dbx_stmt_exec.
 */
#ifndef DBXI_DBX_STMT_H
#define DBXI_DBX_STMT_H
#include <msgpack.h>
#include "dbx_api.h"
#include "dbx_types.h"
#include "err.h"

struct dbx_param {
	const char *name, *value, *type; /* type NULL: STRING; value NULL: SQL NULL */
};

struct dbx_col {
	char *name, *type_text, *type_name;
	enum dbx_type type;
};

struct dbx_stmt;

#define DBX_LINKS 1 /* disposition EXTERNAL_LINKS (else INLINE) */
/* timeout_s: how long the statement may stay PENDING/RUNNING (0: 1800 s).
 * On FAILED: -1, *class_out (if not NULL) gets the error class ("" when none was found). */
int dbx_stmt_exec(struct dbx_conn *c, const char *sql, const struct dbx_param *p, size_t np,
	int flags, int timeout_s, struct dbx_stmt **out, char *class_out, size_t classlen,
	struct err *e);
/* dbx_stmt_parse: a cursor over one statement response body already at hand (tests, fuzzing):
 * FAILED gives -1 with the class as dbx_stmt_exec; SUCCEEDED gives its first chunk's rows (no
 * other chunk or link is fetched: dbx_stmt_next ends there with an error when more exist). */
int dbx_stmt_parse(const char *body, size_t n, struct dbx_stmt **out, char *class_out,
	size_t classlen, struct err *e);
size_t dbx_stmt_ncols(const struct dbx_stmt *s);
const struct dbx_col *dbx_stmt_col(const struct dbx_stmt *s, size_t i);
long dbx_stmt_col_index(const struct dbx_stmt *s, const char *name); /* -1 when absent */
/* 1: *row is the next row (an ARRAY of ncols values); 0: no more rows; -1: error in e */
int dbx_stmt_next(struct dbx_stmt *s, const msgpack_object **row, struct err *e);
unsigned long long dbx_stmt_rows(const struct dbx_stmt *s); /* rows handed out so far */
unsigned long long dbx_stmt_chunks(const struct dbx_stmt *s); /* chunks fetched so far */
/* 1 after dbx_stmt_next failed because the statement's result is no longer served (the
 * result lifetime ran out, or the statement was closed): execute it again */
int dbx_stmt_gone(const struct dbx_stmt *s);
/* frees it (the server drops results by itself after an hour; the undocumented DELETE is not
 * used). NULL: no-op. */
void dbx_stmt_free(struct dbx_stmt *s);

/* the error class at the start of a FAILED message: "[CLASS] ..." or "[CLASS.SUB] ..." */
int dbx_error_class(const char *msg, size_t n, char *out, size_t outlen);
/* the exit status a FAILED statement's error class calls for */
int dbx_class_status(const char *cls);

/* dbx_sql_ident: validates one name part ([A-Za-z0-9_-] and non-ASCII UTF-8 letters,
 * 1..255 bytes) and appends it backtick-quoted to b. -1 (XIT_USAGE) on a bad name. */
int dbx_sql_ident(struct buf *b, const char *s, size_t n, struct err *e);
#endif
