/* ins_batch.h: request bodies of Insider's Upsert API, built one user at a time.
 *
 * A batch is the exact body of one `POST /api/user/v1/upsert`:
 *     {"users":[USER,USER,...]}   or   {"skip_hook":true,"users":[...]}
 * Each USER is the input record with its metadata keys (top-level keys starting with '_')
 * left out, serialized once (rec_json_append) straight into the body, plus
 * `"not_append":true` when asked. Beside the body the batch keeps, per user, its record number,
 * its `_commit_version`, where its JSON lies in the body, and its metadata keys (as a JSON
 * object in `meta`): enough to give back the original record (ins_batch_record) for a rejects
 * line, and to cut the batch in two (ins_batch_split) when Insider refuses it whole.
 *
 * Ownership: a struct ins_batch owns its two buffers and its user table; ins_batch_free
 * releases them (the struct itself is the caller's). Records given to ins_batch_add are only
 * read. Nothing here prints, exits or does I/O.
 */
#ifndef DBXI_INS_BATCH_H
#define DBXI_INS_BATCH_H
#include <stdint.h>
#include <msgpack.h>
#include "buf.h"
#include "err.h"

#define INS_MAX_USERS 1000        /* Insider: users per upsert request */
#define INS_MAX_BYTES 5000000     /* Insider: bytes per upsert request body */
#define INS_NO_VERSION INT64_MIN  /* a record without an integer _commit_version */

/* A record's place in the read, kept in the `version` fields below: _commit_version << 20,
 * plus _window for a version read in key windows (dbx-cdf-read --window-key; docs/delivery.md).
 * The order is the commit order; INS_POS_VERSION gives the version back. A _commit_version of
 * 2^43 or more, or a _window outside 0..2^20-2, counts as no version. */
#define INS_WIN_BITS 20
#define INS_POS_VERSION(p) ((p) >> INS_WIN_BITS)
#define INS_POS_WINDOW(p) ((p) & ((INT64_C(1) << INS_WIN_BITS) - 1))

/* What a record's metadata asks for (ins_rec_info). -1 = not said. */
struct ins_rec_info {
	int64_t version;   /* the record's place (above), or INS_NO_VERSION */
	int skip_hook;     /* _insider.skip_hook */
	int not_append;    /* _insider.not_append */
	int has_append;    /* the user object itself has "not_append" or "append" */
	char bad[128];     /* "" or the reason _insider is malformed ("_insider.skip_hook: ...") */
};
/* ins_rec_info: reads the metadata of rec (a map). Never fails; see info->bad. */
void ins_rec_info(const msgpack_object *rec, struct ins_rec_info *info);

struct ins_user {
	uint64_t recno;            /* record number in the input, 1-based */
	size_t ids_off;            /* its identifier hashes: ids[ids_off .. ids_off+ids_n) */
	unsigned ids_n;
	int64_t version;           /* _commit_version or INS_NO_VERSION */
	size_t off, len;           /* the user's JSON: body.p[off .. off+len) */
	size_t meta_off, meta_len; /* its metadata keys as a JSON object in meta; len 0 = none */
	unsigned added;            /* bytes added before the user's closing '}' (not_append) */
	/* a merged user (ins_batch_merge_last): the records it holds, first to last, as a chain
	 * of ins_batch.parts; nparts 0 = the user is one record (the usual case) */
	unsigned nparts;
	size_t part_head, part_tail;
	/* a merged user's current text, until ins_batch_finish puts it in the body: then
	 * off/len above are its slot in the body, slot_len the slot's length, len the text's */
	char *mt;
	size_t slot_len;
	msgpack_object *mo; /* a merged user's object (in ins_batch.mz), for the next merge */
};

/* one record merged into a user: kept whole (user keys then metadata keys, as JSON in
 * ins_batch.orig) so that a reject writes every original record */
struct ins_part {
	uint64_t recno;
	int64_t version;
	size_t off, len;  /* orig.p[off .. off+len) */
	size_t next;      /* the next part of the same user, or SIZE_MAX */
};

struct ins_batch {
	uint64_t id;        /* set by the caller; journal and messages use it */
	uint64_t parent;    /* 0, or the batch this one was split from */
	int skip_hook;
	int kind;           /* INS_KIND_* of ins_ops.h: upsert (0), attribute delete, profile delete */
	int finished;       /* "]}" appended: the body is complete */
	struct buf body;
	struct buf meta;
	struct ins_user *u;
	size_t n, cap;
	int64_t vmin, vmax; /* INS_NO_VERSION while no versioned user */
	int unversioned;    /* some user has no _commit_version */
	/* identity (docs/delivery.md, order): a 64-bit hash of each identifier value of each
	 * user (identifiers.*, identifiers.custom.*, insider_id); users sharing any value are
	 * one user. ids is per user (ins_user.ids_*); set is an open-addressing table of them
	 * all (at most half full: 32 KB for 1,000 users of two identifiers), for dup_last and
	 * ins_batch_conflicts. */
	uint64_t *ids;
	size_t nids, idscap;
	uint64_t *set;
	uint32_t *setu;     /* beside set: the user (index) that put the value first */
	size_t setcap, setn;
	int dup_last;       /* the last user added shares an identifier value with an earlier one */
	/* merging (docs/delivery.md, "Merging"): the records merged users hold */
	struct buf orig;
	struct ins_part *parts;
	size_t nparts, partscap;
	uint64_t nrec;      /* records the users hold (n plus the records merged in) */
	uint64_t merged;    /* records merged into an earlier user of this batch */
	int64_t mdelta;     /* bytes the merged users' texts add to the body once finished */
	msgpack_zone *mz;   /* merged users' objects and the records merged into them, until
	                       the batch is finished (about 2 x orig) */
	struct buf mtmp;    /* a merged user's text being written */
};

/* ins_batch_init: an empty batch (the body's opening written). -1 with e on ENOMEM. */
int ins_batch_init(struct ins_batch *b, uint64_t id, int skip_hook, struct err *e);
void ins_batch_free(struct ins_batch *b);
/* the body length once finished: what the limit of INS_MAX_BYTES applies to */
size_t ins_batch_size(const struct ins_batch *b);
/* ins_batch_add: appends the user of record rec (a map) with number recno. not_append adds
 * "not_append":true unless info says the user object has "not_append" or "append" itself.
 * Sets b->dup_last when this user shares an identifier value with a user already in b (the
 * caller then moves it to a new batch: one user's two changes never share a request).
 * -1 with e (XIT_TEMPFAIL) on ENOMEM or when a value cannot be written. */
int ins_batch_add(struct ins_batch *b, const msgpack_object *rec, uint64_t recno,
	const struct ins_rec_info *info, int not_append, struct err *e);
/* ins_batch_merge_last: when the last user added (b->dup_last) is exactly one earlier user
 * of b (same identifiers) and ins_merge_users can merge them, merges it into that user's
 * object (in place; the body stays one user per identity) and forgets it as a user of its
 * own: 1. 0 when not merged (b unchanged: the caller closes the batch before it), also when
 * the merged body would be larger than max_bytes or the kept records would take more than
 * max_bytes. -1 with e on ENOMEM. rec is the last user's record as given to ins_batch_add. */
int ins_batch_merge_last(struct ins_batch *b, const msgpack_object *rec, size_t max_bytes,
	struct err *e);
/* the number of input records user i holds (1 unless merged) */
unsigned ins_batch_nrecs(const struct ins_batch *b, size_t i);
/* ins_batch_rec_part: record k (0 .. ins_batch_nrecs-1) of user i as read, and its number:
 * for a user of one record, ins_batch_record. */
int ins_batch_rec_part(const struct ins_batch *b, size_t i, unsigned k, msgpack_zone *z,
	msgpack_object *out, uint64_t *recno, struct err *e);
/* the lowest and highest record numbers in b (b->n > 0) */
void ins_batch_recnos(const struct ins_batch *b, uint64_t *lo, uint64_t *hi);
/* ins_batch_conflicts: 1 when a user of a and a user of b share an identifier value, else 0. */
int ins_batch_conflicts(const struct ins_batch *a, const struct ins_batch *b);
/* ins_batch_move_last: moves the last user of b into the empty batch to (same skip_hook):
 * used when that user made b too large. */
int ins_batch_move_last(struct ins_batch *b, struct ins_batch *to, struct err *e);
/* ins_batch_drop_last: forgets the last user (after reading it back with ins_batch_record). */
void ins_batch_drop_last(struct ins_batch *b);
/* ins_batch_finish: closes the body ("]}"); nothing can be added afterwards. */
int ins_batch_finish(struct ins_batch *b, struct err *e);
/* ins_batch_split: two finished batches with the first n/2 and the other users of b (n >= 2);
 * ids are the caller's to set (parent = b->id). */
int ins_batch_split(const struct ins_batch *b, struct ins_batch *lo, struct ins_batch *hi,
	struct err *e);
/* ins_batch_sub: a finished batch with users [from, to) of b. */
int ins_batch_sub(const struct ins_batch *b, size_t from, size_t to, struct ins_batch *out,
	struct err *e);
/* ins_batch_record: user i as the original record: its keys as read (minus an added
 * not_append) followed by its metadata keys. Built in zone z (strings point into z or into
 * b: keep b alive while *out is used). */
int ins_batch_record(const struct ins_batch *b, size_t i, msgpack_zone *z, msgpack_object *out,
	struct err *e);
#endif
