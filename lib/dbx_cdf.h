/* dbx_cdf.h: dbx-cdf-read's work: a Delta table's Change Data Feed (or a full snapshot at a
 * pinned version) as typed records, read in windows (statements that each finish well within
 * a result's one-hour life), the state/pending files of dbx_state.h,
 * --verify, --list and --schema.
 *
 * Ownership: the caller owns the connection, the writer and the options; nothing here keeps a
 * pointer past the call. Nothing prints or exits: results come back in the stats struct or
 * through the callback, records through the rec_writer, errors in struct err.
 */
#ifndef DBXI_DBX_CDF_H
#define DBXI_DBX_CDF_H
#include "dbx_api.h"
#include "err.h"
#include "rec.h"

/* change types (--change-types) */
#define DBX_CT_INSERT 0x1
#define DBX_CT_UPDATE_POSTIMAGE 0x2
#define DBX_CT_UPDATE_PREIMAGE 0x4
#define DBX_CT_DELETE 0x8
#define DBX_CT_DEFAULT (DBX_CT_INSERT | DBX_CT_UPDATE_POSTIMAGE)
/* "insert,update_postimage,..." (also "all", "update" = both images) -> mask; -1 on a bad word */
int dbx_change_types(const char *list, unsigned *mask, struct err *e);

/* "catalog.schema.table" -> `catalog`.`schema`.`table` into sql (validated); the parts are
 * copied into cat/sch/tbl when not NULL (each >= 256 bytes). XIT_USAGE on a bad name. */
int dbx_table_ref(const char *name, struct buf *sql, char *cat, char *sch, char *tbl, struct err *e);

struct dbx_cdf_opts {
	const char *table;      /* catalog.schema.table */
	const char *state_file; /* NULL: none */
	long long from, to;     /* -1: not given */
	int snapshot;           /* --snapshot */
	unsigned change_types;  /* DBX_CT_* mask */
	int timeout_s;          /* how long a statement may stay PENDING/RUNNING */
	const char *shard_key;  /* --shard-key COLUMN; NULL: no sharding */
	int shard_k, shard_n;   /* --shard K/N: rows with pmod(hash(COLUMN), N) = K */
	struct rej *rej;        /* rows too large to pass go there (record-too-large); NULL: error */
	const char *columns;    /* --columns LIST ("a,b"): checked against the table once it is
				 * eligible (dbx_columns_select), then the SELECT list;
				 * NULL: every column (#11.5) */
	long long window_rows;  /* --window-rows: rows per statement (0: 1,000,000) */
	const char *window_key; /* --window-key COLUMN: windows inside a version; NULL: none */
	void (*note)(void *arg, const char *msg); /* says what a reader should know, once */
	void *note_arg;
};

struct dbx_cdf_stats {
	int nothing;            /* 1: nothing to read; note says why */
	int snapshot;
	long long from, to, latest;
	unsigned long long rows, dropped, chunks, windows;
	unsigned long long rejected; /* rows over the record size limit, to o->rej */
	char note[512];         /* "up to date at version N", ... */
	char warn[1024];        /* values passed on as strings because of an unexpected form */
};

int dbx_cdf_read(struct dbx_conn *c, const struct dbx_cdf_opts *o, struct rec_writer *w,
	struct dbx_cdf_stats *st, struct err *e);

/* --verify: one call of line() per check, ok 1 or 0; returns 0 when all passed, else -1 with
 * the status of the first failure in e (77 credentials/permissions, 78 ineligible table, ...). */
int dbx_cdf_verify(struct dbx_conn *c, const char *table, int timeout_s,
	void (*line)(void *arg, int ok, const char *text), void *arg, struct err *e);

/* --list [CATALOG[.SCHEMA]]: catalogs, schemas or tables (with eligibility) as records */
int dbx_cdf_list(struct dbx_conn *c, const char *what, struct rec_writer *w, struct err *e);

/* --schema: {"_schema":{"table":T,"columns":[{"name":N,"type":TYPE},...]}} */
int dbx_cdf_schema(struct dbx_conn *c, const char *table, int timeout_s, struct rec_writer *w,
	struct err *e);

/* writes path atomically (tmp + fsync + rename + fsync of the directory) */
int dbx_write_atomic(const char *path, const char *data, size_t n, struct err *e);
#endif
