/* dbx_state.h: the checkpoint (STATE_DIR/state.json) and its companions, with the one parser
 * of the state used by dbx-cdf-read and, through dbx-cdf-read --state-show/--state-settle, by
 * dbx-insider-sync (docs/dbx-insider-sync.1, "STATE"):
 *
 *   {"table":"c.s.t","version":N,"updated":"RFC 3339"}
 *   {"table":"c.s.t","version":N,"window":{"version":V,"snapshot":false,"key":"K",
 *    "count":B,"done":D},"updated":...}
 *
 * "version": every change of versions <= N was delivered or rejected with a reason (absent
 * while a first snapshot is under way). "window": version V is read in B key windows
 * (pmod(hash(K), B) = 0..B-1) and windows 0..D-1 of it are delivered; "snapshot" true: V is a
 * snapshot's pinned version (the table's state at V), else the changes of version V (then V is
 * N + 1). Duplicate keys, unknown types and inconsistent windows are refused (XIT_CONFIG).
 *
 * The pending file (STATE.pending) is dbx-cdf-read's note of the range it is reading:
 *   {"table":..,"from":F,"to":T,"snapshot":bool,"started":..,"key":K,"split":[[V,B],...]}
 * where "split" lists the versions read in B key windows. The progress file is insider-push's
 * (docs/delivery.md): {"through_version":X,"window":{"version":V,"done":D},...}.
 *
 * Nothing prints or exits; errors in struct err. */
#ifndef DBXI_DBX_STATE_H
#define DBXI_DBX_STATE_H
#include "buf.h"
#include "err.h"

#define DBX_MAX_WINDOWS 1000000 /* windows of one version (insider-push keeps 20 bits) */

struct dbx_state {
	char table[800];
	long long version;   /* last complete version; -1: none */
	char updated[64];
	long long wversion;  /* the version read in windows; -1: none */
	int wsnap;           /* 1: a snapshot at wversion */
	long long wcount;    /* B */
	long long wdone;     /* windows 0..wdone-1 delivered */
	char wkey[256];
};

void dbx_state_init(struct dbx_state *s);
/* reads path: 0, 1 when the file does not exist (s is then empty), -1 (XIT_CONFIG) when it is
 * unreadable, malformed, has a duplicate key, or belongs to another table (table NULL: any) */
int dbx_state_load(const char *path, const char *table, struct dbx_state *s, struct err *e);
/* the state as one JSON line (the form above) appended to out */
int dbx_state_json(const struct dbx_state *s, struct buf *out);
/* writes the state atomically (updated set to now) */
int dbx_state_save(const char *path, struct dbx_state *s, struct err *e);

/* settles a run: reads STATE.pending and (when complete is 0) the progress file, moves the
 * state forward to what they prove delivered (complete: the pending range's end), never
 * back. *moved: 1 when the state was written. 0, or -1 with e (XIT_CONFIG: a malformed file). */
int dbx_state_settle(const char *path, const char *table, const char *progress, int complete,
	int *moved, struct dbx_state *out, struct err *e);
#endif
