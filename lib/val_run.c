/* val_run.c: see val_run.h. */
#include <stdio.h>
#include <string.h>
#include "rec.h"
#include "val_run.h"

static void
note_missing(struct val_stats *st, const char *what, uint64_t recno)
{
	size_t i;
	for (i = 0; i < st->nmissing; i++)
		if (strcmp(st->missing[i].what, what) == 0)
			break;
	if (i == st->nmissing) {
		if (i == VAL_MISSING_MAX) {
			st->more_missing++;
			return;
		}
		snprintf(st->missing[i].what, sizeof st->missing[i].what, "%s", what);
		st->missing[i].first = recno;
		st->nmissing++;
	}
	/* once per record (a record may use the same field in two events) */
	if (st->missing[i].last == recno)
		return;
	st->missing[i].records++;
	st->missing[i].last = recno;
}

/* writes the record to the rejects with its reasons; held: a record held for the schema
 * (its reasons carry VAL_HELD_NOTE and it counts apart) */
static int
reject(struct rej *rj, struct val_ctx *c, uint64_t recno, const msgpack_object *rec,
       struct val_stats *st, int held, struct err *e)
{
	const struct val_issue *is;
	int first = 1;
	for (size_t i = 0; (is = val_issue(c, i)); i++) {
		/* a data reject's reasons are its data errors: a custom field the schema lacks is
		 * no reason to set it aside (it would be refused just the same once the schema
		 * has the field) */
		if (!held && val_rule_is_config(is->rule))
			continue;
		if (first) /* a record counts once, under its first rule: the rule of its reject line */
			(held ? st->held_rule : st->rej_rule)[is->rule]++;
		first = 0;
		if (held && *is->missing)
			note_missing(st, is->missing, recno);
		if (rej_add(rj, is->field, val_rule_name(is->rule), "%s%s%s", is->message,
			    is->warning ? " (warning)" : "", held ? " (" VAL_HELD_NOTE ")" : "") < 0)
			return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	if (val_dropped(c) &&
	    rej_add(rj, "", "too-many-failures", "%zu more failures not listed", val_dropped(c)) < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	if (rej_commit(rj, recno, rec, e) < 0)
		return -1;
	if (held)
		st->unknown_custom++;
	else
		st->rejected++;
	return 0;
}

int
val_run(const struct val_opts *o, struct val_stats *st, struct err *e)
{
	struct rec_reader *r = NULL;
	struct rec_writer *w = NULL;
	struct rej *rj = NULL;
	struct val_ctx *c = NULL;
	msgpack_object rec;
	struct err e2 = ERR_INIT;
	int got, rc = -1;

	memset(st, 0, sizeof *st);
	if (!(rj = rej_open(o->rejects, "validate", e)))
		return -1;
	if (!(r = rec_reader_new(o->in_fd, 0)) || !(w = rec_writer_new(o->out_fd, o->form)) ||
	    !(c = val_ctx_new(&o->cfg))) {
		err_set(e, XIT_TEMPFAIL, "out of memory");
		goto out;
	}
	rec_reader_rejects(r, rj); /* a record too large to pass: rejected there, 2 */
	while ((got = rec_read(r, &rec, e)) >= 1) {
		uint64_t recno = rec_reader_count(r);
		if (got == 2) {
			st->in++;
			st->rejected++;
			st->too_large++;
			continue;
		}
		const struct val_issue *is;
		int n = val_check(c, &rec);
		st->in++;
		if (n < 0) {
			err_set(e, XIT_TEMPFAIL, "record %llu: out of memory", (unsigned long long)recno);
			goto out;
		}
		/* one rule in one place: a record with a data error is a data reject, whatever else
		 * it has; one whose only errors are custom fields the schema lacks is held */
		if (val_nerrors(c) > val_nconfig(c)) {
			if (st->first_unknown_recno) {
				st->unsent++;
				continue;
			}
			if (reject(rj, c, recno, &rec, st, 0, e) < 0)
				goto out;
			continue;
		}
		if (val_nconfig(c)) {
			if (!st->first_unknown_recno) {
				st->first_unknown_recno = recno;
				/* what passed before goes on now; nothing after it ever will */
				if (rec_writer_flush(w, e) < 0)
					goto out;
			}
			if (reject(rj, c, recno, &rec, st, 1, e) < 0)
				goto out;
			continue;
		}
		if (st->first_unknown_recno) {
			st->unsent++;
			continue;
		}
		for (size_t i = 0; (is = val_issue(c, i)); i++) {
			st->warn_rule[is->rule]++;
			if (o->warn)
				o->warn(o->warn_arg, recno, is->field, is->rule, is->message);
		}
		if (val_nwarnings(c))
			st->warned++;
		/* passed unchanged: MessagePack in and out, its own bytes go on (no re-encoding);
		 * a record read within the limit fits the next stage, else it is rejected here */
		if ((got = rec_write_same(w, r, &rec, e)) == -2)
			got = rec_write_or_reject(w, rj, recno, &rec, e);
		else if (got == 0)
			got = 1;
		if (got < 0)
			goto out;
		if (got == 0) {
			st->rejected++;
			st->too_large++;
			continue;
		}
		st->passed++;
	}
	if (got < 0)
		goto out;
	rc = 0;
out:
	/* what passed before an error still goes out */
	if (rec_writer_close(w, rc == 0 ? e : &e2) < 0)
		rc = -1;
	if (rej_close(rj, rc == 0 ? e : &e2) < 0)
		rc = -1;
	rec_reader_free(r);
	val_ctx_free(c);
	return rc;
}

static int
rule_counts(struct buf *b, const uint64_t *counts, uint64_t too_large)
{
	int first = 1;
	if (too_large) { /* the record layer's rule (rec.h) */
		if (buf_printf(b, " (%s: %llu", REC_RULE_TOO_LARGE, (unsigned long long)too_large) < 0)
			return -1;
		first = 0;
	}
	for (int i = 0; i < VR__N; i++) {
		if (!counts[i])
			continue;
		if (buf_printf(b, "%s%s: %llu", first ? " (" : ", ", val_rule_name(i),
			       (unsigned long long)counts[i]) < 0)
			return -1;
		first = 0;
	}
	return first ? 0 : buf_addc(b, ')');
}

int
val_summary(struct buf *b, const struct val_stats *st, int have_schema)
{
	if (buf_printf(b, "%llu in, %llu passed, %llu rejected", (unsigned long long)st->in,
		       (unsigned long long)st->passed, (unsigned long long)st->rejected) < 0 ||
	    rule_counts(b, st->rej_rule, st->too_large) < 0)
		return -1;
	if (st->warned && (buf_printf(b, "; %llu passed with warnings", (unsigned long long)st->warned) < 0 ||
			   rule_counts(b, st->warn_rule, 0) < 0))
		return -1;
	if (st->first_unknown_recno &&
	    (buf_printf(b, "; stopped at record %llu: %llu held for the schema",
			(unsigned long long)st->first_unknown_recno,
			(unsigned long long)st->unknown_custom) < 0 ||
	     rule_counts(b, st->held_rule, 0) < 0 ||
	     buf_printf(b, ", %llu more not passed on (sent again once fixed)",
			(unsigned long long)st->unsent) < 0))
		return -1;
	if (!have_schema && buf_adds(b, "; custom fields type-checked only (no --schema)") < 0)
		return -1;
	return 0;
}

int
val_missing_list(struct buf *b, const struct val_stats *st)
{
	for (size_t i = 0; i < st->nmissing; i++)
		if (buf_printf(b, "%s%s (%llu record%s, first: record %llu)", i ? ", " : "",
			       st->missing[i].what, (unsigned long long)st->missing[i].records,
			       st->missing[i].records == 1 ? "" : "s",
			       (unsigned long long)st->missing[i].first) < 0)
			return -1;
	if (st->more_missing && buf_printf(b, " and more") < 0)
		return -1;
	return 0;
}
