/* val_run.h: the validate stage: reads user objects, checks each against Insider's rules
 * (val_rules.h), passes the valid ones on unchanged and writes the others to the rejects.
 *
 * Ownership: val_run borrows everything in struct val_opts; it opens and closes the
 * rejects file itself. Nothing here prints: warnings go to opts->warn, the summary is
 * built by val_summary into a caller's buffer.
 */
#ifndef DBXI_VAL_RUN_H
#define DBXI_VAL_RUN_H
#include <stdint.h>
#include "buf.h"
#include "err.h"
#include "val_rules.h"

#define VAL_MISSING_MAX 32 /* distinct missing custom fields named in the message */

struct val_stats {
	uint64_t in, passed, rejected, warned; /* warned: passed with warnings */
	uint64_t rej_rule[VR__N];  /* rejected records by their first rule (their reject line's) */
	uint64_t warn_rule[VR__N]; /* warnings of each rule in passed records */
	uint64_t too_large;        /* rejected by the record layer: record-too-large */
	/* Records held for the schema: valid but for custom fields the schema file lacks
	 * (configuration-class rules, val_rule_is_config). The first one stops the stream: from
	 * it on nothing is passed on (so insider-push's progress cannot reach its version), held
	 * records go to the rejects with the note VAL_HELD_NOTE, and the others are neither passed
	 * nor rejected (unsent): the next run after the fix sends them all. Exit 78. */
	uint64_t unknown_custom;       /* records held */
	uint64_t held_rule[VR__N];     /* held records by their first rule */
	uint64_t first_unknown_recno;  /* the first held record: where the stream stopped */
	uint64_t unsent;               /* records after it, neither held nor passed nor rejected */
	struct val_missing {
		char what[96];         /* val_issue.missing */
		uint64_t records, first, last;
	} missing[VAL_MISSING_MAX];
	size_t nmissing, more_missing;
};
#define VAL_HELD_NOTE "not a data reject: sent again once the schema has it"

/* called for each warning of a passed record (not under strict); rule: enum val_rule
 * (val_rule_name names it) */
typedef void val_warn_fn(void *arg, uint64_t recno, const char *field, int rule,
			 const char *message);

struct val_opts {
	int in_fd, out_fd;
	enum rec_form form;      /* of the output (rec_form_choose) */
	const char *rejects;     /* NULL: rejects as lines on stderr (rej_open) */
	struct val_cfg cfg;      /* iso, schema, now, max_event_age, strict */
	val_warn_fn *warn;
	void *warn_arg;
};

/* 0 at the end of the input (every record passed on or rejected), -1 with e filled:
 * XIT_DATAERR for a malformed stream, XIT_TEMPFAIL for I/O, XIT_EPIPE for a closed stdout.
 * st holds the counts so far in both cases. */
int val_run(const struct val_opts *o, struct val_stats *st, struct err *e);
/* "N in, P passed, R rejected (rule: count, ...)" and the warnings, into b */
int val_summary(struct buf *b, const struct val_stats *st, int have_schema);
/* "attributes.custom.x (2 records, first: record 3), event y (...)" into b */
int val_missing_list(struct buf *b, const struct val_stats *st);
#endif
