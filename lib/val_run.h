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

struct val_stats {
	uint64_t in, passed, rejected, warned; /* warned: passed with warnings */
	uint64_t rej_rule[VR__N];  /* rejected records by their first rule (their reject line's) */
	uint64_t warn_rule[VR__N]; /* warnings of each rule in passed records */
	/* records rejected for custom fields the schema file lacks (custom-attribute-unknown,
	 * custom-event-unknown, custom-param-unknown): a configuration problem, exit 78 */
	uint64_t unknown_custom;
	uint64_t first_unknown_recno;
	char first_unknown[256]; /* "FIELD: MESSAGE" of the first one */
};

/* called for each warning of a passed record (not under strict) */
typedef void val_warn_fn(void *arg, uint64_t recno, const char *field, const char *rule,
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
#endif
