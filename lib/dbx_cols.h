/* dbx_cols.h: what dbx-cdf-read reads (#11.5): --columns (the SELECT names only these columns,
 * plus the CDF metadata columns) and --from-timestamp (the first version committed at or after
 * a point in time).
 *
 * Ownership: the caller owns the buffers; nothing is kept. Nothing prints or exits.
 */
#ifndef DBXI_DBX_COLS_H
#define DBXI_DBX_COLS_H
#include "buf.h"
#include "dbx_api.h"
#include "err.h"

/* dbx_columns_select: LIST ("a,b , c") checked against the table's columns (SELECT * LIMIT 0;
 * names compared case-insensitively, as Databricks does) and appended to sel as "`a`, `b`,
 * `c`" in the table's own spelling, each once. A bad name is XIT_USAGE; a column the table does
 * not have is XIT_CONFIG with "did you mean" the nearest names. */
int dbx_columns_select(struct dbx_conn *c, const char *table, const char *list, int timeout_s,
	struct buf *sel, struct err *e);

/* dbx_version_at: the first version committed at or after ts ("YYYY-MM-DD[ HH:MM:SS[.f]]",
 * "T" and a zone allowed; no zone: UTC), from DESCRIBE HISTORY. 0 and *ver; 1 when no commit
 * is that late (note says so); -1: XIT_USAGE for a malformed ts, XIT_CONFIG when ts is before
 * the history kept (the changes since then cannot all be read), or the failure. */
int dbx_version_at(struct dbx_conn *c, const char *table, const char *ts, int timeout_s,
	long long *ver, char *note, size_t notelen, struct err *e);

/* helper, exposed for the tests: edit distance, case-insensitive, capped at 100 */
int dbx_edit_distance(const char *a, const char *b);
#endif
