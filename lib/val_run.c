/* val_run.c: see val_run.h. */
#include <stdio.h>
#include <string.h>
#include "rec.h"
#include "val_run.h"

static int
reject(struct rej *rj, struct val_ctx *c, uint64_t recno, const msgpack_object *rec,
       struct val_stats *st, struct err *e)
{
	const struct val_issue *is;
	int unknown = 0;
	for (size_t i = 0; (is = val_issue(c, i)); i++) {
		if (i == 0) /* a record counts once, under its first rule: the rule of its reject line */
			st->rej_rule[is->rule]++;
		if (is->rule == VR_CUSTOM_ATTRIBUTE_UNKNOWN || is->rule == VR_CUSTOM_EVENT_UNKNOWN ||
		    is->rule == VR_CUSTOM_PARAM_UNKNOWN) {
			if (!st->unknown_custom && !unknown) {
				st->first_unknown_recno = recno;
				snprintf(st->first_unknown, sizeof st->first_unknown, "%s: %s", is->field,
					 is->message);
			}
			unknown = 1;
		}
		if (rej_add(rj, is->field, val_rule_name(is->rule), "%s%s", is->message,
			    is->warning ? " (warning)" : "") < 0)
			return err_set(e, XIT_TEMPFAIL, "out of memory");
	}
	if (val_dropped(c) &&
	    rej_add(rj, "", "too-many-failures", "%zu more failures not listed", val_dropped(c)) < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory");
	if (rej_commit(rj, recno, rec, e) < 0)
		return -1;
	st->rejected++;
	st->unknown_custom += unknown;
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
	while ((got = rec_read(r, &rec, e)) == 1) {
		uint64_t recno = rec_reader_count(r);
		const struct val_issue *is;
		int n = val_check(c, &rec);
		st->in++;
		if (n < 0) {
			err_set(e, XIT_TEMPFAIL, "record %llu: out of memory", (unsigned long long)recno);
			goto out;
		}
		if (val_nerrors(c)) {
			if (reject(rj, c, recno, &rec, st, e) < 0)
				goto out;
			continue;
		}
		for (size_t i = 0; (is = val_issue(c, i)); i++) {
			st->warn_rule[is->rule]++;
			if (o->warn)
				o->warn(o->warn_arg, recno, is->field, val_rule_name(is->rule), is->message);
		}
		if (val_nwarnings(c))
			st->warned++;
		if (rec_write(w, &rec, e) < 0)
			goto out;
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
rule_counts(struct buf *b, const uint64_t *counts)
{
	int first = 1;
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
	    rule_counts(b, st->rej_rule) < 0)
		return -1;
	if (st->warned && (buf_printf(b, "; %llu passed with warnings", (unsigned long long)st->warned) < 0 ||
			   rule_counts(b, st->warn_rule) < 0))
		return -1;
	if (!have_schema && buf_adds(b, "; custom fields type-checked only (no --schema)") < 0)
		return -1;
	return 0;
}
