/* dbx_hive.h: names as Databricks treats them, and legacy hive_metastore catalogs (#11.2).
 *
 * Unity Catalog (and the Hive metastore) store names lower case and match them
 * case-insensitively: dbx_name_lower folds a user-typed name (ASCII letters) before it is
 * compared with `=` (information_schema) or sent to the Unity Catalog REST API.
 * hive_metastore (also spark_catalog) has no information_schema: a table's eligibility there
 * comes from DESCRIBE DETAIL (exists, not a view, format) and SHOW TBLPROPERTIES (the caller's
 * change data feed check); listing uses SHOW SCHEMAS / SHOW TABLES (one DESCRIBE DETAIL per
 * table for its eligibility).
 *
 * Ownership: nothing is kept past a call; records go through the caller's writer. Nothing
 * prints or exits.
 */
#ifndef DBXI_DBX_HIVE_H
#define DBXI_DBX_HIVE_H
#include "dbx_api.h"
#include "err.h"
#include "rec.h"

void dbx_name_lower(char *s);
/* one line of a check, formatted, to line(arg, ok, text) (nothing when line is NULL): the
 * verify lines of dbx_hive_detail and dbx_cdf_verify */
void dbx_say(void (*line)(void *, int, const char *), void *arg, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 1 when the catalog is the legacy Hive metastore (hive_metastore, spark_catalog) */
int dbx_is_hive(const char *cat);
/* DESCRIBE DETAIL ref: the table exists, is not a view, is Delta; one line() per check
 * (line may be NULL). 0, or -1 with XIT_CONFIG (not found, a view, not Delta) or the status
 * of the failure. */
int dbx_hive_detail(struct dbx_conn *c, const char *table, const char *ref, int timeout_s,
	void (*line)(void *, int, const char *), void *arg, struct err *e);
/* --list hive_metastore[.SCHEMA]: records as dbx_cdf_list writes them (sch NULL or "": the
 * schemas; else the tables with eligibility; table_type is "VIEW" for views, else null since
 * DESCRIBE DETAIL does not say MANAGED or EXTERNAL) */
int dbx_hive_list(struct dbx_conn *c, const char *cat, const char *sch, int timeout_s,
	struct rec_writer *w, struct err *e);
#endif
