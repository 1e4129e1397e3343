/* ins_push.c: see ins_push.h and docs/delivery.md.
 *
 * Two threads. The reader thread reads records, serializes each user once into the body of
 * the batch being filled, and hands finished batches over through a queue of one. The main
 * thread owns everything HTTP: it takes a batch when fewer than `concurrency` batches are
 * alive, sends it on curl multi within the rate budget, and handles the answers (retries,
 * splits, rejects, journal, progress). So a stalled stdin never stalls the requests in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "http.h"
#include "ins_batch.h"
#include "ins_ops.h"
#include "ins_push.h"
#include "ins_rate.h"
#include "ins_resp.h"
#include "rec.h"
#include "scrub.h"

#define STAGE "insider-push"

/* ---------- small helpers ---------- */

static int64_t
mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int
ins_check_partner(const char *p, struct err *e)
{
	if (!p || !*p)
		return err_set(e, XIT_CONFIG, "INSIDER_PARTNER_NAME is not set");
	for (const char *s = p; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c == 0x7f || c == ':')
			return err_set(e, XIT_CONFIG,
				"INSIDER_PARTNER_NAME: may not hold spaces, ':' or control characters");
	}
	if (strlen(p) > 200)
		return err_set(e, XIT_CONFIG, "INSIDER_PARTNER_NAME: longer than 200 characters");
	return 0;
}

int
ins_check_token(const char *t, struct err *e)
{
	if (!t || !*t)
		return err_set(e, XIT_CONFIG,
			"INSIDER_API_TOKEN (or INSIDER_API_TOKEN_FILE) is not set");
	if (has_ctl(t) || strlen(t) > 4096)
		return err_set(e, XIT_CONFIG,
			"INSIDER_API_TOKEN: holds a control character or is too long (value not shown)");
	return 0;
}

void
ins_lower(const char *s, char *out, size_t outlen)
{
	size_t i = 0;
	if (outlen == 0)
		return;
	for (; s && s[i] && i + 1 < outlen; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	out[i] = 0;
}

int
ins_endpoint(const char *base, const char *path, char *out, size_t outlen, struct err *e)
{
	if (!base || !*base)
		base = INS_DEFAULT_URL;
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	int n = snprintf(out, outlen, "%.*s%s", (int)bl, base, path);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, XIT_CONFIG, "INSIDER_API_URL: too long");
	return http_url_check(out, e);
}

static void
utc_now(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
ins_push_opts_default(struct ins_push_opts *o)
{
	memset(o, 0, sizeof *o);
	o->in_fd = 0;
	o->batch_users = INS_MAX_USERS;
	o->batch_bytes = INS_MAX_BYTES;
	o->concurrency = 4;
	o->rate = INS_RATE_PER_MINUTE;
	o->max_attempts = 8;
	o->retry_time_ms = 300000;
	o->backoff_base_ms = 500;
	o->backoff_cap_ms = 30000;
	o->timeout_ms = 120000;
	o->progress_interval_ms = 100;
	o->max_reject_ratio = -1;
}

/* ---------- the reader thread ---------- */

struct reader {
	const struct ins_push_opts *o;
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv_main;  /* a batch is queued, or the reader is done */
	pthread_cond_t cv_space; /* the queue has room, or stop */
	struct ins_batch *q;     /* queue of one */
	int done, stop;
	int status;              /* 0, or the error that ended reading */
	char msg[1024];
	/* shared counters (atomic: read by main any time) */
	_Atomic uint64_t records;
	_Atomic uint64_t rejected;
	_Atomic uint64_t merged; /* records merged into an earlier user of their batch */
	_Atomic int unversioned; /* a record without _commit_version */
	_Atomic int unordered;   /* _commit_version went down */
	_Atomic int64_t maxv;    /* the highest _commit_version read, INS_NO_VERSION if none */
	_Atomic uint64_t *next_id;
	/* the reader's own */
	struct rec_reader *rr;
	struct rej *rej;
	struct ins_batch *open;
	int64_t lastv;
	size_t body_hint;        /* the last full batch's body size: the next one's first room */
	/* batches read but never handed over (the run stopped): main journals them "unsent" */
	struct ins_batch *kept[4];
	int nkept;
};

static void
reader_keep(struct reader *rd, struct ins_batch *b)
{
	if (b && b->n > 0 && rd->nkept < (int)(sizeof rd->kept / sizeof rd->kept[0])) {
		rd->kept[rd->nkept++] = b;
		return;
	}
	if (b) {
		ins_batch_free(b);
		free(b);
	}
}

static void
reader_cleanup(void *arg)
{
	struct reader *rd = arg;
	if (rd->open) {
		reader_keep(rd, rd->open);
		rd->open = NULL;
	}
	rec_reader_free(rd->rr);
	rd->rr = NULL;
	struct err e = ERR_INIT;
	rej_close(rd->rej, &e);
	rd->rej = NULL;
}

static void
reader_end(struct reader *rd, int status, const char *msg)
{
	pthread_mutex_lock(&rd->mu);
	rd->done = 1;
	if (status && !rd->status) {
		rd->status = status;
		snprintf(rd->msg, sizeof rd->msg, "%s", msg);
	}
	pthread_cond_broadcast(&rd->cv_main);
	pthread_mutex_unlock(&rd->mu);
}

static struct ins_batch *
new_batch(struct reader *rd, int skip_hook, struct err *e)
{
	struct ins_batch *b = malloc(sizeof *b);
	if (!b) {
		err_set(e, XIT_TEMPFAIL, "out of memory:");
		return NULL;
	}
	uint64_t id = atomic_fetch_add(rd->next_id, 1);
	if (ins_batch_init(b, id, skip_hook, e) < 0) {
		free(b);
		return NULL;
	}
	/* room for typical users at once (a body grows past it when needed) */
	size_t want = (size_t)rd->o->batch_users * 256;
	if (want < rd->body_hint + rd->body_hint / 8)
		want = rd->body_hint + rd->body_hint / 8;
	if (want > rd->o->batch_bytes)
		want = rd->o->batch_bytes;
	if (want > (4u << 20))
		want = 4u << 20;
	if (buf_grow(&b->body, want) < 0) {
		ins_batch_free(b);
		free(b);
		err_set(e, XIT_TEMPFAIL, "out of memory:");
		return NULL;
	}
	return b;
}

/* hands rd->open over to main; -1 when asked to stop */
static int
reader_push(struct reader *rd, struct err *e)
{
	struct ins_batch *b = rd->open;
	if (!b)
		return 0;
	if (b->n == 0)
		return 0; /* keep the empty batch for reuse */
	rd->open = NULL;
	if (ins_batch_finish(b, e) < 0) {
		reader_keep(rd, b);
		return -1;
	}
	if (b->n >= (size_t)rd->o->batch_users)
		rd->body_hint = b->body.len;
	pthread_mutex_lock(&rd->mu);
	while (rd->q && !rd->stop)
		pthread_cond_wait(&rd->cv_space, &rd->mu);
	if (rd->stop) {
		pthread_mutex_unlock(&rd->mu);
		reader_keep(rd, b);
		return err_set(e, XIT_TEMPFAIL, "stopped");
	}
	rd->q = b;
	pthread_cond_broadcast(&rd->cv_main);
	pthread_mutex_unlock(&rd->mu);
	return 0;
}

static int
reader_stopped(struct reader *rd)
{
	pthread_mutex_lock(&rd->mu);
	int s = rd->stop;
	pthread_mutex_unlock(&rd->mu);
	return s;
}

/* a record refused here (too large, bad _insider): written to rejects at once */
static int
reader_reject(struct reader *rd, uint64_t recno, const msgpack_object *rec, const char *field,
	const char *rule, const char *msg, struct err *e)
{
	if (rej_add(rd->rej, field, rule, "%s", msg) < 0
	    || rej_commit(rd->rej, recno, rec, e) < 0) {
		if (!e->status)
			err_set(e, XIT_TEMPFAIL, "rejects: cannot write:");
		return -1;
	}
	atomic_fetch_add(&rd->rejected, 1);
	return 0;
}

/* hands the open batch over without its last user, who starts the next batch */
static int
close_before_last(struct reader *rd, int sh, int kind, struct err *e)
{
	struct ins_batch *nb = new_batch(rd, sh, e);
	if (!nb)
		return -1;
	nb->kind = kind;
	if (ins_batch_move_last(rd->open, nb, e) < 0) {
		ins_batch_free(nb);
		free(nb);
		return -1;
	}
	if (reader_push(rd, e) < 0) {
		reader_keep(rd, nb);
		return -1;
	}
	rd->open = nb;
	return 0;
}

/* adds one user (of a request of this kind: ins_ops.h) to the open batch, closing it first
 * when the user cannot share it, and hands full batches over */
static int
reader_add(struct reader *rd, const msgpack_object *rec, uint64_t recno,
	const struct ins_rec_info *info, int kind, struct err *e)
{
	const struct ins_push_opts *o = rd->o;
	int sh = info->skip_hook >= 0 ? info->skip_hook : o->skip_hook != 0;
	int na = info->not_append >= 0 ? info->not_append : o->not_append != 0;
	if (rd->open && (rd->open->skip_hook != sh || rd->open->kind != kind)) {
		if (rd->open->n > 0 && reader_push(rd, e) < 0)
			return -1;
		if (rd->open) { /* empty: reuse with the other flag */
			ins_batch_free(rd->open);
			free(rd->open);
			rd->open = NULL;
		}
	}
	if (!rd->open && !(rd->open = new_batch(rd, sh, e)))
		return -1;
	rd->open->kind = kind;
	if (ins_batch_add(rd->open, rec, recno, info, na, e) < 0)
		return -1;
	if (rd->open->dup_last && rd->open->n > 1) {
		/* the user is already in this batch: its change is merged into that user's object
		 * when that means the same (ins_merge.h), else the batch closes before it: one
		 * user's two objects never share a request (docs/delivery.md, order) */
		int m = 0;
		if (!o->no_merge && kind == INS_KIND_UPSERT
		    && (m = ins_batch_merge_last(rd->open, rec, o->batch_bytes, e)) < 0)
			return -1;
		if (m)
			atomic_fetch_add(&rd->merged, 1);
		else if (close_before_last(rd, sh, kind, e) < 0)
			return -1;
	}
	while (ins_batch_size(rd->open) > o->batch_bytes) {
		if (rd->open->n == 1) {
			char msg[200];
			snprintf(msg, sizeof msg,
				"the user takes %zu bytes of JSON: a request holding it alone would be larger than the limit of %zu bytes",
				rd->open->u[0].len, o->batch_bytes);
			ins_batch_drop_last(rd->open);
			if (reader_reject(rd, recno, rec, "", "max-request-bytes", msg, e) < 0)
				return -1;
			break;
		}
		if (close_before_last(rd, sh, kind, e) < 0)
			return -1;
	}
	/* a profile delete is one user a request (reference 5.3) */
	size_t most = kind == INS_KIND_DELETE ? 1 : (size_t)o->batch_users;
	if (rd->open->n >= most && reader_push(rd, e) < 0)
		return -1;
	return 0;
}

/* a record with _clear or _delete (ins_ops.h): its upsert part, then its clear or deletion,
 * each a user of a batch of its kind, in this order */
static int
reader_ops(struct reader *rd, const msgpack_object *rec, uint64_t recno,
	const struct ins_rec_info *info, struct err *e)
{
	int ops = ins_ops_of(rec);
	if ((ops & INS_OP_UPSERT) && reader_add(rd, rec, recno, info, INS_KIND_UPSERT, e) < 0)
		return -1;
	int kind = ops & INS_OP_DELETE ? INS_KIND_DELETE : ops & INS_OP_CLEAR ? INS_KIND_CLEAR : -1;
	if (kind < 0) {
		if (!(ops & INS_OP_UPSERT)) /* nothing to send: still accounted for */
			return reader_reject(rd, recno, rec, "_clear", "clear",
				"nothing to send: no attribute, no event, and an empty _clear", e);
		return 0;
	}
	msgpack_zone *z = msgpack_zone_new(4096);
	if (!z)
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	msgpack_object u;
	int r = ins_ops_user(rec, kind, z, &u, e);
	if (r == 0)
		r = reader_add(rd, &u, recno, info, kind, e);
	msgpack_zone_free(z);
	return r;
}

static int
reader_loop(struct reader *rd, struct err *e)
{
	msgpack_object rec;
	struct ins_rec_info info;
	for (;;) {
		if (reader_stopped(rd))
			return err_set(e, XIT_TEMPFAIL, "stopped");
		int old, r;
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		r = rec_read(rd->rr, &rec, e);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		if (r < 0) {
			/* what was read before the bad record still goes */
			struct err pe = ERR_INIT;
			reader_push(rd, &pe);
			return -1;
		}
		if (r == 0)
			break;
		/* 2: too large to pass, rejected by the record layer; rec is its metadata */
		int skipped = r == 2;
		uint64_t recno = rec_reader_count(rd->rr);
		atomic_fetch_add_explicit(&rd->records, 1, memory_order_relaxed);
		ins_rec_info(&rec, &info);
		if (info.version == INS_NO_VERSION) {
			atomic_store(&rd->unversioned, 1);
		} else {
			if (rd->lastv != INS_NO_VERSION && info.version < rd->lastv)
				atomic_store(&rd->unordered, 1);
			if (rd->lastv == INS_NO_VERSION || info.version > rd->lastv) {
				rd->lastv = info.version;
				atomic_store(&rd->maxv, info.version);
			}
		}
		if (skipped) {
			atomic_fetch_add(&rd->rejected, 1);
			continue;
		}
		if (info.bad[0]) {
			const char *dot = strchr(info.bad, ':');
			char field[64];
			snprintf(field, sizeof field, "%.*s", dot ? (int)(dot - info.bad) : 8, info.bad);
			if (reader_reject(rd, recno, &rec, field, "type", dot ? dot + 2 : info.bad, e) < 0)
				return -1;
			continue;
		}
		if (ins_ops_has(&rec)) {
			if (reader_ops(rd, &rec, recno, &info, e) < 0)
				return -1;
			continue;
		}
		if (reader_add(rd, &rec, recno, &info, INS_KIND_UPSERT, e) < 0)
			return -1;
	}
	return reader_push(rd, e);
}

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	struct err e = ERR_INIT;
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_cleanup_push(reader_cleanup, rd);
	if (reader_loop(rd, &e) < 0)
		reader_end(rd, e.status ? e.status : XIT_TEMPFAIL, e.msg);
	else
		reader_end(rd, 0, "");
	pthread_cleanup_pop(1);
	return NULL;
}

/* ---------- the main thread ---------- */

/* J_HELD: a one-user request refused with a 400, not yet known to be about the user or
 * about the account (docs/delivery.md, "a 400 for one user"); J_TRIPPED: answered, but the
 * run stopped on it (the reject-ratio guard, or its journal line could not be written): it
 * stays unacknowledged */
enum { J_WAIT, J_SENDING, J_HELD, J_TRIPPED };

struct job {
	struct ins_batch b;
	int state;
	int attempts;       /* attempts made that count against max_attempts */
	int waits429;
	int sent;           /* attempts made in all */
	int64_t first_us;   /* first attempt */
	int64_t not_before; /* next attempt not before (mono us) */
	long last_status;
	uint64_t checked_gen;  /* p->gen when found waiting on an earlier batch of its users */
	char held_msg[320];    /* J_HELD: Insider's message */
	long held_status;
	struct job *prev, *next;
};

struct push {
	const struct ins_push_opts *o;
	struct ins_stats *st;
	struct reader rd;
	_Atomic uint64_t next_id;
	struct http_multi *m;
	struct ins_rate rate;
	char url[2048];
	char url_op[3][2048];   /* by INS_KIND_*: upsert, attribute delete, profile delete */
	struct ins_rate rate_del; /* profile deletes: their own 10,000 a minute */
	char hdr_partner[300];
	char *hdr_token;
	const char *headers[7];
	struct rej *rej;
	int jfd;                /* journal, -1 */
	struct job *head, *tail;
	size_t nlive, sending;
	int64_t maxv_taken;     /* highest version of batches taken from the reader */
	int unversioned;
	int64_t pause_until;    /* 429 with Retry-After: no request before */
	int64_t t0, last_progress, last_status;
	int progress_dirty;
	uint64_t nrej;           /* users rejected by this thread */
	int stopping;           /* a fatal error: nothing further is sent */
	int fatal_status;
	char fatal_msg[1024];
	struct scrub sc;        /* the token: every string that leaves goes through scrub_text */
	uint64_t gen;           /* bumped when a batch leaves the list (order: see dispatch) */
	size_t nheld;           /* J_HELD jobs */
	int any_ok;             /* a 2xx that says what Insider took came back in this run */
	uint64_t users_answered, users_refused; /* Insider's answers: for --max-reject-ratio */
};

static void
warnf(struct push *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
warnf(struct push *p, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	scrub_text(&p->sc, msg);
	if (p->o->warn)
		p->o->warn(p->o->arg, msg);
}

static void
fatal(struct push *p, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void
fatal(struct push *p, int status, const char *fmt, ...)
{
	if (p->fatal_status)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->fatal_msg, sizeof p->fatal_msg, fmt, ap);
	va_end(ap);
	scrub_text(&p->sc, p->fatal_msg);
	p->fatal_status = status;
	p->stopping = 1;
}

static void
list_insert_after(struct push *p, struct job *at, struct job *j)
{
	j->prev = at;
	j->next = at ? at->next : p->head;
	if (j->next)
		j->next->prev = j;
	else
		p->tail = j;
	if (at)
		at->next = j;
	else
		p->head = j;
	p->nlive++;
}

static void
list_remove(struct push *p, struct job *j)
{
	p->gen++;
	if (j->state == J_HELD)
		p->nheld--;
	if (j->prev)
		j->prev->next = j->next;
	else
		p->head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		p->tail = j->prev;
	p->nlive--;
}

static void
job_free(struct job *j)
{
	ins_batch_free(&j->b);
	free(j);
}

/* ---- journal ---- */

/* the exact body of a batch's request: a profile delete is its one user's object
 * ({"identifiers":..}, reference 5.3), every other kind the batch's body */
static void
op_body(const struct ins_batch *b, const char **body, size_t *len)
{
	if (b->kind == INS_KIND_DELETE && b->n == 1) {
		*body = b->body.p + b->u[0].off;
		*len = b->u[0].len;
	} else {
		*body = b->body.p;
		*len = b->body.len;
	}
}

/* 0, or -1 when the line could not be written (the run is then stopping with 78) */
static int
journal(struct push *p, const struct job *j, const char *status, long http, uint64_t delivered,
	uint64_t rejected, const char *note, const uint64_t *children)
{
	if (p->jfd < 0)
		return p->o->journal ? -1 : 0;
	const struct ins_batch *b = &j->b;
	struct buf l = BUF_INIT;
	char ts[32];
	utc_now(ts, sizeof ts);
	int r = buf_printf(&l, "{\"batch\":%llu", (unsigned long long)b->id);
	if (b->parent)
		r |= buf_printf(&l, ",\"parent\":%llu", (unsigned long long)b->parent);
	r |= buf_printf(&l, ",\"status\":\"%s\",\"time\":\"%s\"", status, ts);
	if (http >= 0)
		r |= buf_printf(&l, ",\"http\":%ld", http);
	r |= buf_printf(&l, ",\"users\":%zu,\"bytes\":%zu,\"attempts\":%d", b->n, b->body.len,
		j->sent);
	if (b->merged)
		r |= buf_printf(&l, ",\"records\":%llu,\"merged\":%llu",
			(unsigned long long)b->nrec, (unsigned long long)b->merged);
	if (b->n) {
		uint64_t lo, hi;
		ins_batch_recnos(b, &lo, &hi);
		r |= buf_printf(&l, ",\"first_record\":%llu,\"last_record\":%llu",
			(unsigned long long)lo, (unsigned long long)hi);
	}
	if (b->vmin != INS_NO_VERSION)
		r |= buf_printf(&l, ",\"first_version\":%lld,\"last_version\":%lld",
			(long long)INS_POS_VERSION(b->vmin), (long long)INS_POS_VERSION(b->vmax));
	r |= buf_printf(&l, ",\"delivered\":%llu,\"rejected\":%llu",
		(unsigned long long)delivered, (unsigned long long)rejected);
	if (children)
		r |= buf_printf(&l, ",\"children\":[%llu,%llu]", (unsigned long long)children[0],
			(unsigned long long)children[1]);
	if (b->kind != INS_KIND_UPSERT && b->finished) {
		/* clears and deletions: the request itself, for the audit (identifiers, names) */
		const char *body;
		size_t blen;
		op_body(b, &body, &blen);
		r |= buf_printf(&l, ",\"op\":\"%s\",\"request\":", ins_ops_kind_name(b->kind));
		r |= buf_add(&l, body, blen);
	}
	if (note && *note) {
		char tmp[1100];
		scrub_copy(&p->sc, tmp, sizeof tmp, note, strlen(note));
		r |= buf_adds(&l, ",\"message\":");
		r |= rec_json_str_append(&l, tmp, strlen(tmp));
	}
	r |= buf_adds(&l, "}\n");
	if (r != 0)
		fatal(p, XIT_TEMPFAIL, "journal: out of memory");
	if (r == 0) {
		size_t off = 0;
		while (off < l.len) {
			ssize_t w = write(p->jfd, l.p + off, l.len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				/* the journal is what tells what was acknowledged: without it, stop */
				int en = w < 0 ? errno : ENOSPC;
				fatal(p, XIT_CONFIG, "journal %s: cannot write: %s; nothing further is sent",
					p->o->journal, strerror(en));
				close(p->jfd);
				p->jfd = -1;
				break;
			}
			off += (size_t)w;
		}
	}
	buf_free(&l);
	return r == 0 && p->jfd >= 0 ? 0 : -1;
}

static void stats_update(struct push *p);

/* ---- progress (docs/delivery.md, /work checkpoint contract) ---- */

/* The highest version V such that every record read with _commit_version <= V has been
 * acknowledged and a record with a higher version has been read. Never the last version read,
 * even at the end of the input: insider-push cannot tell a complete stream from one cut short
 * by an upstream stage that died (kill -9 leaves no trace in the pipe), and a version whose
 * rest never arrived must not be counted. The wrapper commits the whole range itself when every
 * stage exited 0. */
static int
through(struct push *p, int64_t *x)
{
	if (p->unversioned || atomic_load(&p->rd.unversioned) || atomic_load(&p->rd.unordered))
		return 0;
	if (p->maxv_taken == INS_NO_VERSION)
		return 0;
	int64_t lim = p->maxv_taken;
	for (struct job *j = p->head; j; j = j->next)
		if (j->b.vmin != INS_NO_VERSION && j->b.vmin < lim)
			lim = j->b.vmin;
	*x = lim - 1;
	return 1;
}

static int
write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* a fresh file: never through a link or into a device left under the temporary name */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	/* the directory entry too */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = 0;
	else if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof dir, ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static void
progress_write(struct push *p, int force)
{
	if (!p->o->progress)
		return;
	int64_t now = mono_us();
	if (!force && (!p->progress_dirty
	    || now - p->last_progress < p->o->progress_interval_ms * 1000))
		return;
	char line[320], win[96] = "";
	int64_t x;
	int n;
	stats_update(p);
	uint64_t delivered = p->st->delivered, rejected = p->st->rejected;
	uint64_t records = p->st->records;
	if (p->o->dry_run) {
		/* what a dry run has written, for a live line: no delivery, no checkpoint */
		n = snprintf(line, sizeof line,
			"{\"dry_run\":true,\"would_send\":%llu,\"requests\":%llu,\"rejected\":%llu,"
			"\"records\":%llu}\n", (unsigned long long)p->st->would_send,
			(unsigned long long)p->st->requests, (unsigned long long)rejected,
			(unsigned long long)records);
	} else if (through(p, &x)) {
		/* x is a place (ins_batch.h): a whole version, or windows 0..w of the next one */
		int64_t tv = INS_POS_VERSION(x), w = INS_POS_WINDOW(x);
		if (w != INS_POS_WINDOW(-1)) {
			snprintf(win, sizeof win, ",\"window\":{\"version\":%lld,\"done\":%lld}",
				(long long)tv, (long long)w + 1);
			tv--;
		}
		p->st->has_through = 1;
		p->st->through_version = tv;
		n = snprintf(line, sizeof line,
			"{\"through_version\":%lld%s,\"delivered\":%llu,\"rejected\":%llu,"
			"\"records\":%llu}\n", (long long)tv, win, (unsigned long long)delivered,
			(unsigned long long)rejected, (unsigned long long)records);
	} else {
		p->st->has_through = 0;
		n = snprintf(line, sizeof line,
			"{\"delivered\":%llu,\"rejected\":%llu,\"records\":%llu}\n",
			(unsigned long long)delivered, (unsigned long long)rejected,
			(unsigned long long)records);
	}
	struct stat sb;
	if (lstat(p->o->progress, &sb) == 0 && !S_ISREG(sb.st_mode))
		/* renaming over it would replace a device, a FIFO or a link with a plain file */
		fatal(p, XIT_CONFIG, "progress file %s: not a regular file (%s); refused, it would be replaced",
			p->o->progress, S_ISLNK(sb.st_mode) ? "a symbolic link" : S_ISDIR(sb.st_mode)
			? "a directory" : S_ISFIFO(sb.st_mode) ? "a FIFO" : "a device or socket");
	else if (write_atomic(p->o->progress, line, (size_t)n) < 0)
		fatal(p, XIT_TEMPFAIL, "progress file %s: cannot write: %s", p->o->progress,
			strerror(errno));
	p->last_progress = now;
	p->progress_dirty = 0;
}

static void
stats_update(struct push *p)
{
	p->st->records = atomic_load(&p->rd.records);
	p->st->rejected = p->nrej + atomic_load(&p->rd.rejected);
	p->st->merged = atomic_load(&p->rd.merged);
	p->st->inflight = p->sending;
	p->st->elapsed_s = (double)(mono_us() - p->t0) / 1e6;
}

/* ---- answers ---- */

static void
acked(struct push *p, struct job *j)
{
	list_remove(p, j);
	job_free(j);
	p->progress_dirty = 1;
}

/* rejects one user of j's batch: every record it holds (a merged user holds several), each
 * with the reasons reasons() adds to p->rej; the records rejected in *nrec */
static int
reject_user(struct push *p, const struct job *j, size_t i, msgpack_zone *z,
	int (*reasons)(struct push *, const void *), const void *arg, uint64_t *nrec)
{
	struct err e = ERR_INIT;
	unsigned n = ins_batch_nrecs(&j->b, i);
	for (unsigned k = 0; k < n; k++) {
		msgpack_object rec;
		uint64_t recno;
		if (reasons(p, arg) < 0)
			return -1;
		msgpack_zone_clear(z);
		if (ins_batch_rec_part(&j->b, i, k, z, &rec, &recno, &e) < 0
		    || rej_commit(p->rej, recno, &rec, &e) < 0) {
			fatal(p, e.status ? e.status : XIT_TEMPFAIL, "rejects: %s", e.msg);
			return -1;
		}
		p->nrej++;
		(*nrec)++;
	}
	return 0;
}

/* a reason for the rejects file, every string of it scrubbed (Insider's error keys can echo
 * anything, the token included) */
static int
reject_reason(struct push *p, const char *field, const char *rule, const char *msg)
{
	char f[256], r[256], m[1100];
	scrub_copy(&p->sc, f, sizeof f, field, strlen(field));
	scrub_copy(&p->sc, r, sizeof r, rule, strlen(rule));
	scrub_copy(&p->sc, m, sizeof m, msg, strlen(msg));
	if (rej_add(p->rej, f, r, "%s", m) < 0) {
		fatal(p, XIT_TEMPFAIL, "out of memory");
		return -1;
	}
	return 0;
}

/* --max-reject-ratio: once MIN users have been answered, or when the batch just answered is
 * the last one of the input, more users refused by Insider than ratio x users answered stops
 * the run (78). The batch that tripped it stays unacknowledged (J_TRIPPED): the progress never
 * passes it. Returns 1 when tripped. */
#define RATIO_MIN_USERS 100
static int
ratio_trips(struct push *p, struct job *j)
{
	double r = p->o->max_reject_ratio;
	if (r < 0 || p->users_answered == 0)
		return 0;
	int last = 0;
	pthread_mutex_lock(&p->rd.mu);
	last = p->rd.done && !p->rd.q;
	pthread_mutex_unlock(&p->rd.mu);
	last = last && p->nlive == 1 + p->nheld;
	if (p->users_answered < RATIO_MIN_USERS && !last)
		return 0;
	if ((double)p->users_refused <= r * (double)p->users_answered)
		return 0;
	fatal(p, XIT_CONFIG,
		"%llu of %llu users rejected by Insider: more than --max-reject-ratio %g; nothing further is sent (batch %llu and later stay unacknowledged: check the rejects, then run again)",
		(unsigned long long)p->users_refused, (unsigned long long)p->users_answered, r,
		(unsigned long long)j->b.id);
	j->state = J_TRIPPED;
	return 1;
}

static void release_held(struct push *p);
static void schedule_retry(struct push *p, struct job *j, const struct http_resp *resp,
	const char *why);

/* the answer to a 2xx: delivered means Insider's answer says so (reference 3.1, 3.2 and the
 * live shapes of section 10); NULL when it does, else why not (in why) */
static const char *
answer_fault(const struct http_resp *resp, const struct ins_resp *r, size_t n, size_t named,
	int unnamed, char *why, size_t wn)
{
	size_t k = 0;
	while (k < resp->len && (resp->body[k] == ' ' || resp->body[k] == '\t'
	    || resp->body[k] == '\r' || resp->body[k] == '\n'))
		k++;
	if (k == resp->len) {
		snprintf(why, wn, "HTTP %ld with an empty answer", resp->status);
		return why;
	}
	if (!r->understood) {
		char m[120];
		ins_resp_message(resp->body, resp->len, m, sizeof m);
		snprintf(why, wn, "HTTP %ld with an answer that is not Insider's: %s", resp->status, m);
		return why;
	}
	if (r->successful == -2 || r->failed == -2 || (r->successful == -1 && r->failed == -1)) {
		snprintf(why, wn, "HTTP %ld with data.successful or data.fail not in Insider's form",
			resp->status);
		return why;
	}
	long s = r->successful < 0 ? 0 : r->successful, f = r->failed < 0 ? 0 : r->failed;
	if ((size_t)s + (size_t)f != n) {
		snprintf(why, wn, "HTTP %ld with counts that do not add up: %ld successful + %ld failed for %zu users sent",
			resp->status, s, f, n);
		return why;
	}
	if (unnamed || named != (size_t)f) {
		snprintf(why, wn, "HTTP %ld with %ld failed users but errors naming %zu users of the request%s",
			resp->status, f, named, unnamed ? " and some naming none" : "");
		return why;
	}
	return NULL;
}

/* a profile delete answered 2xx: `{}` is a deletion (reference 10.5); anything else is not */
static void
handle_delete_ok(struct push *p, struct job *j, const struct http_resp *resp)
{
	if (!ins_ops_delete_ok(resp->body, resp->len)) {
		char why[200];
		snprintf(why, sizeof why, "HTTP %ld with an answer that is not a JSON object", resp->status);
		if (p->stopping) {
			j->state = J_WAIT;
			return;
		}
		uint64_t id = j->b.id;
		schedule_retry(p, j, resp, why);
		if (!p->fatal_status)
			warnf(p, "batch %llu (profile delete): %s: not counted as done, sent again",
				(unsigned long long)id, why);
		return;
	}
	p->st->deleted++;
	p->any_ok = 1;
	/* as for upserts: without its journal line, the deletion stays unacknowledged */
	if (journal(p, j, "deleted", resp->status, 1, 0, NULL, NULL) < 0)
		j->state = J_TRIPPED;
	else
		acked(p, j);
	release_held(p);
}

/* the reasons Insider gave for user i of its answer (fail.errors) */
struct fail_arg {
	const struct ins_resp *r;
	long user;
};

static int
fail_reasons(struct push *p, const void *arg)
{
	const struct fail_arg *fa = arg;
	for (size_t f = 0; f < fa->r->nfails; f++) {
		const struct ins_fail *fl = &fa->r->fails[f];
		if (fl->user != fa->user)
			continue;
		for (size_t m = 0; m < fl->nmsgs; m++) {
			char msg[1100];
			snprintf(msg, sizeof msg, "Insider: %s", fl->msgs[m]);
			if (reject_reason(p, fl->field, fl->rule, msg) < 0)
				return -1;
		}
	}
	return 0;
}

static int
held_reason(struct push *p, const void *arg)
{
	return reject_reason(p, "", "http-400", (const char *)arg);
}

static void
handle_ok(struct push *p, struct job *j, const struct http_resp *resp)
{
	if (j->b.kind == INS_KIND_DELETE) {
		handle_delete_ok(p, j, resp);
		return;
	}
	struct ins_resp r;
	struct err e = ERR_INIT;
	uint64_t nrej = 0;
	const struct ins_batch *b = &j->b;
	if (ins_resp_parse(resp->body, resp->len, b->n, &r, &e) < 0) {
		fatal(p, e.status, "%s", e.msg);
		ins_resp_free(&r);
		j->state = J_WAIT;
		return;
	}
	char *mark = calloc(b->n ? b->n : 1, 1);
	if (!mark) {
		fatal(p, XIT_TEMPFAIL, "out of memory");
		ins_resp_free(&r);
		j->state = J_WAIT;
		return;
	}
	size_t named = 0;
	int unnamed = 0;
	for (size_t f = 0; f < r.nfails; f++) {
		if (r.fails[f].user < 0)
			unnamed = 1;
		else if (!mark[r.fails[f].user]++)
			named++;
	}
	char why[400];
	if (answer_fault(resp, &r, b->n, named, unnamed, why, sizeof why)) {
		/* not a delivery: a transport fault, retried (docs/delivery.md) */
		free(mark);
		ins_resp_free(&r);
		scrub_text(&p->sc, why);
		if (p->stopping) {
			j->state = J_WAIT;
			return;
		}
		uint64_t id = b->id;
		schedule_retry(p, j, resp, why);
		if (!p->fatal_status)
			warnf(p, "batch %llu: %s: not counted as delivered, sent again",
				(unsigned long long)id, why);
		return;
	}
	int failed = 0;
	if (r.nfails > 0) {
		msgpack_zone *z = msgpack_zone_new(8192);
		if (!z) {
			fatal(p, XIT_TEMPFAIL, "out of memory");
			failed = 1;
		}
		for (size_t i = 0; i < b->n && !failed; i++) {
			if (!mark[i])
				continue;
			struct fail_arg fa = { &r, (long)i };
			if (reject_user(p, j, i, z, fail_reasons, &fa, &nrej) < 0) {
				failed = 1;
				break;
			}
		}
		if (z)
			msgpack_zone_free(z);
	}
	free(mark);
	ins_resp_free(&r);
	if (failed) {
		/* a refusal could not be recorded: the batch stays unacknowledged */
		j->state = J_WAIT;
		return;
	}
	uint64_t ok = b->nrec - nrej; /* records: a merged user counts every record it holds */
	if (b->kind == INS_KIND_CLEAR)
		p->st->cleared += ok;
	else
		p->st->delivered += ok;
	p->users_answered += b->nrec;
	p->users_refused += nrej;
	p->any_ok = 1;
	/* a batch whose journal line could not be written stays unacknowledged: the progress
	 * never passes what the journal does not account for */
	if (journal(p, j, nrej == 0 ? "delivered" : ok == 0 ? "rejected" : "partial",
	    resp->status, ok, nrej, NULL, NULL) < 0)
		j->state = J_TRIPPED;
	else if (!ratio_trips(p, j))
		acked(p, j);
	/* Insider took a request: the one-user 400s held so far were about their users */
	release_held(p);
}

/* a one-user 400 becomes that user's reject: every record of a merged user */
static int
reject_held(struct push *p, struct job *j)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	char m[400];
	snprintf(m, sizeof m, "Insider refused the request holding only this user (HTTP %ld): %s",
		j->held_status, j->held_msg[0] ? j->held_msg : "(no message)");
	if (!z) {
		fatal(p, XIT_TEMPFAIL, "out of memory");
		return -1;
	}
	j->state = J_WAIT; /* no longer held (unacknowledged until acked below) */
	p->nheld--;
	uint64_t nrej = 0;
	int r = reject_user(p, j, 0, z, held_reason, m, &nrej);
	msgpack_zone_free(z);
	if (r < 0)
		return -1;
	p->users_answered += nrej;
	p->users_refused += nrej;
	if (journal(p, j, "rejected", j->held_status, 0, nrej, j->held_msg, NULL) < 0)
		j->state = J_TRIPPED;
	else if (!ratio_trips(p, j))
		acked(p, j);
	return 0;
}

/* the held one-user 400s are about their users: each becomes a reject */
static void
release_held(struct push *p)
{
	struct job *j = p->head;
	while (j && p->nheld > 0 && !p->fatal_status) {
		struct job *next = j->next;
		if (j->state == J_HELD && reject_held(p, j) < 0)
			return;
		j = next;
	}
}

/* Held one-user 400s, all with the same message and no 2xx in between: ACCOUNT_N of them, or
 * (at the end) two or more in a run where Insider took nothing, mean the refusal is about the
 * account or the request, not about the users: stop with 78 and Insider's message, no user
 * written as a reject (docs/delivery.md, "a 400 for one user"). */
#define ACCOUNT_N 5
static int
held_alike(struct push *p, const char **msg)
{
	size_t n = 0;
	const char *first = NULL;
	for (struct job *j = p->head; j; j = j->next) {
		if (j->state != J_HELD)
			continue;
		if (!first)
			first = j->held_msg;
		else if (strcmp(first, j->held_msg) != 0)
			return -1; /* they differ: about the users */
		n++;
	}
	*msg = first;
	return (int)n;
}

static void
account_refusal(struct push *p, int n, const char *msg)
{
	fatal(p, XIT_CONFIG,
		"Insider refused %d single-user requests in a row alike (HTTP 400: %s): not about a user but about the account or the request (identity settings, partner, endpoint); nothing further is sent, no user is rejected for it",
		n, msg && *msg ? msg : "(no message)");
}

static void
hold_400(struct push *p, struct job *j, long status, const char *msg)
{
	snprintf(j->held_msg, sizeof j->held_msg, "%s", msg);
	j->held_status = status;
	j->state = J_HELD;
	p->nheld++;
	const char *m;
	int n = held_alike(p, &m);
	if (n < 0)
		release_held(p);
	else if (n >= ACCOUNT_N)
		account_refusal(p, n, m);
}

/* nothing but held jobs is left and no input will come: decide them */
static void
settle_held(struct push *p)
{
	const char *m;
	int n = held_alike(p, &m);
	if (n >= 2 && !p->any_ok)
		account_refusal(p, n, m);
	else
		release_held(p);
}

/* a 400 for the whole request: cut it in two, or hold its one user */
static void
handle_400(struct push *p, struct job *j, const struct http_resp *resp)
{
	char msg[320];
	ins_resp_message(resp->body, resp->len, msg, sizeof msg);
	scrub_text(&p->sc, msg);
	if (strstr(msg, "Partner is invalid") || strstr(msg, "artner token")) {
		fatal(p, XIT_NOPERM, "Insider refused the partner name (HTTP %ld: %s); nothing further is sent",
			resp->status, msg);
		j->state = J_WAIT;
		return;
	}
	if (j->b.n <= 1) {
		if (j->b.n == 0) {
			j->state = J_WAIT;
			return;
		}
		hold_400(p, j, resp->status, msg);
		return;
	}
	struct job *lo = calloc(1, sizeof *lo), *hi = calloc(1, sizeof *hi);
	struct err e = ERR_INIT;
	if (!lo || !hi || ins_batch_split(&j->b, &lo->b, &hi->b, &e) < 0) {
		free(lo);
		free(hi);
		fatal(p, XIT_TEMPFAIL, "out of memory");
		j->state = J_WAIT;
		return;
	}
	lo->b.id = atomic_fetch_add(&p->next_id, 1);
	hi->b.id = atomic_fetch_add(&p->next_id, 1);
	uint64_t kids[2] = { lo->b.id, hi->b.id };
	p->st->splits++;
	journal(p, j, "split", resp->status, 0, 0, msg, kids);
	lo->state = hi->state = J_WAIT;
	list_insert_after(p, j, lo);
	list_insert_after(p, lo, hi);
	acked(p, j);
}

static void
schedule_retry(struct push *p, struct job *j, const struct http_resp *resp, const char *why)
{
	int64_t now = mono_us();
	long wait;
	if (resp->status == 429) {
		j->waits429++;
		wait = http_backoff_ms(j->waits429, resp->retry_after_ms, p->o->backoff_base_ms,
			p->o->backoff_cap_ms, http_rand01());
	} else {
		wait = http_backoff_ms(j->attempts, resp->retry_after_ms, p->o->backoff_base_ms,
			p->o->backoff_cap_ms, http_rand01());
	}
	int over_attempts = resp->status != 429 && j->attempts >= p->o->max_attempts;
	int over_time = now + (int64_t)wait * 1000 - j->first_us > (int64_t)p->o->retry_time_ms * 1000;
	if (over_attempts || over_time) {
		fatal(p, XIT_UNAVAILABLE, "POST %s: still unavailable after %d attempts over %.0f s: %s",
			p->url, j->sent, (double)(now - j->first_us) / 1e6, why);
		return;
	}
	if (resp->status == 429 && resp->retry_after_ms >= 0) {
		int64_t until = now + (int64_t)wait * 1000;
		if (until > p->pause_until)
			p->pause_until = until;
	}
	j->state = J_WAIT;
	j->not_before = now + (int64_t)wait * 1000;
	p->st->retries++;
}

static void
handle_done(struct push *p, struct job *j, struct http_resp *resp)
{
	p->sending--;
	long st = resp->status;
	j->last_status = st;
	char why[400];
	if (resp->curl_code != 0 || st == 0) {
		snprintf(why, sizeof why, "%s", resp->error[0] ? resp->error : "no response");
		scrub_text(&p->sc, why);
		if (p->stopping) {
			j->state = J_WAIT;
			return;
		}
		/* a transfer cut by the abort flag (SIGINT, SIGTERM) is an interruption, not an
		 * unavailable service: 75, and the batch stays unacknowledged */
		if (http_aborted()) {
			j->state = J_WAIT;
			fatal(p, XIT_TEMPFAIL, "interrupted");
			return;
		}
		if (http_should_retry(0, resp->curl_code, 1))
			schedule_retry(p, j, resp, why);
		else
			fatal(p, XIT_UNAVAILABLE, "POST %s: %s", p->url, why);
		return;
	}
	char msg[320];
	if (st >= 200 && st < 300) {
		handle_ok(p, j, resp);
		return;
	}
	ins_resp_message(resp->body, resp->len, msg, sizeof msg);
	scrub_text(&p->sc, msg);
	snprintf(why, sizeof why, "HTTP %ld%s%s", st, msg[0] ? ": " : "", msg);
	if (st == 401 || st == 403) {
		fatal(p, XIT_NOPERM,
			"Insider refused the credentials (%s); check INSIDER_PARTNER_NAME and INSIDER_API_TOKEN; nothing further is sent",
			why);
		j->state = J_WAIT;
		return;
	}
	if (p->stopping) {
		j->state = J_WAIT;
		return;
	}
	if (st == 400 || st == 413 || st == 422) {
		handle_400(p, j, resp);
		return;
	}
	if (st == 404) {
		fatal(p, XIT_CONFIG, "POST %s: HTTP 404 (not found): check INSIDER_API_URL", p->url);
		j->state = J_WAIT;
		return;
	}
	if (http_should_retry(st, 0, 1) || st >= 500) {
		schedule_retry(p, j, resp, why);
		return;
	}
	fatal(p, XIT_UNAVAILABLE, "POST %s: unexpected answer %s", p->url, why);
	j->state = J_WAIT;
}

/* ---- sending ---- */

static int
send_job(struct push *p, struct job *j, struct err *e)
{
	struct http_req req = { 0 };
	req.method = "POST";
	req.url = p->url_op[j->b.kind];
	req.headers = p->headers;
	const char *body;
	size_t blen;
	op_body(&j->b, &body, &blen);
	req.body = body;
	req.body_len = blen;
	req.timeout_ms = p->o->timeout_ms;
	if (http_multi_add(p->m, &req, j, e) < 0)
		return -1;
	int64_t now = mono_us();
	if (j->sent == 0)
		j->first_us = now;
	if (j->last_status != 429)
		j->attempts++;
	j->sent++;
	j->state = J_SENDING;
	p->sending++;
	p->st->requests++;
	p->st->bytes += j->b.body.len;
	return 0;
}

/* takes finished batches from the reader while fewer than concurrency are alive */
static void
take_batches(struct push *p)
{
	pthread_mutex_lock(&p->rd.mu);
	while (p->rd.q && p->nlive - p->nheld < (size_t)p->o->concurrency && !p->stopping) {
		struct ins_batch *b = p->rd.q;
		p->rd.q = NULL;
		pthread_cond_broadcast(&p->rd.cv_space);
		struct job *j = calloc(1, sizeof *j);
		if (!j) {
			ins_batch_free(b);
			free(b);
			fatal(p, XIT_TEMPFAIL, "out of memory");
			break;
		}
		j->b = *b;
		free(b);
		j->state = J_WAIT;
		if (j->b.vmax != INS_NO_VERSION
		    && (p->maxv_taken == INS_NO_VERSION || j->b.vmax > p->maxv_taken))
			p->maxv_taken = j->b.vmax;
		if (j->b.unversioned)
			p->unversioned = 1;
		list_insert_after(p, p->tail, j);
	}
	pthread_mutex_unlock(&p->rd.mu);
}

/* One user's changes reach Insider in commit order (docs/delivery.md, order): a batch is not
 * sent while an earlier batch still in the list (not yet acknowledged: waiting, in flight,
 * held, retrying, or split into parts) holds one of its users (a shared identifier value).
 * The list is in input order, and a split's halves take their parent's place. */
static int
waits_for_earlier(struct push *p, const struct job *j)
{
	for (const struct job *k = p->head; k && k != j; k = k->next)
		if (ins_batch_conflicts(&k->b, &j->b))
			return 1;
	return 0;
}

/* sends what may go now; returns the microseconds until something may go (or 100 ms) */
static int64_t
dispatch(struct push *p)
{
	int64_t now = mono_us(), wake = 100000;
	if (p->stopping)
		return wake;
	for (struct job *j = p->head; j && p->sending < (size_t)p->o->concurrency; j = j->next) {
		if (j->state != J_WAIT)
			continue;
		if (j->not_before > now) {
			if (j->not_before - now < wake)
				wake = j->not_before - now;
			continue;
		}
		if (p->pause_until > now) {
			if (p->pause_until - now < wake)
				wake = p->pause_until - now;
			break;
		}
		if (j->checked_gen == p->gen && p->gen != 0)
			continue; /* still behind the same earlier batch */
		if (waits_for_earlier(p, j)) {
			j->checked_gen = p->gen;
			continue;
		}
		int64_t w = ins_rate_take(j->b.kind == INS_KIND_DELETE ? &p->rate_del : &p->rate, now);
		if (w > 0) {
			if (w < wake)
				wake = w;
			break;
		}
		struct err e = ERR_INIT;
		if (send_job(p, j, &e) < 0) {
			fatal(p, e.status ? e.status : XIT_TEMPFAIL, "%s", e.msg);
			break;
		}
	}
	return wake;
}

static void
status_tick(struct push *p, int force)
{
	if (!p->o->status || p->o->status_interval_ms <= 0)
		return;
	int64_t now = mono_us();
	if (!force && now - p->last_status < p->o->status_interval_ms * 1000)
		return;
	p->last_status = now;
	stats_update(p);
	p->o->status(p->o->arg, p->st);
}

static void
reader_stop(struct push *p)
{
	if (!p->rd.started)
		return;
	pthread_mutex_lock(&p->rd.mu);
	p->rd.stop = 1;
	int done = p->rd.done;
	pthread_cond_broadcast(&p->rd.cv_space);
	pthread_mutex_unlock(&p->rd.mu);
	if (!done)
		pthread_cancel(p->rd.th);
	pthread_join(p->rd.th, NULL);
	p->rd.started = 0;
}

static void
reader_free_left(struct push *p)
{
	if (p->rd.q) {
		ins_batch_free(p->rd.q);
		free(p->rd.q);
		p->rd.q = NULL;
	}
	for (int k = 0; k < p->rd.nkept; k++) {
		ins_batch_free(p->rd.kept[k]);
		free(p->rd.kept[k]);
	}
	p->rd.nkept = 0;
}

static int
reader_start(struct push *p, struct err *e)
{
	struct reader *rd = &p->rd;
	rd->o = p->o;
	rd->next_id = &p->next_id;
	rd->lastv = INS_NO_VERSION;
	atomic_store(&rd->maxv, INS_NO_VERSION);
	rd->rr = rec_reader_new(p->o->in_fd, p->o->max_record);
	if (!rd->rr)
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	rd->rej = rej_open(p->o->rejects, STAGE, e);
	if (!rd->rej) {
		rec_reader_free(rd->rr);
		rd->rr = NULL;
		return -1;
	}
	rec_reader_rejects(rd->rr, rd->rej);
	int r = pthread_create(&rd->th, NULL, reader_main, rd);
	if (r != 0) {
		errno = r;
		reader_cleanup(rd);
		return err_set(e, XIT_TEMPFAIL, "cannot start the reader thread:");
	}
	rd->started = 1;
	return 0;
}

/* wait for the reader to queue a batch or finish, at most us microseconds */
static void
wait_reader(struct push *p, int64_t us)
{
	if (us <= 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ns = ts.tv_nsec + (us % 1000000) * 1000;
	ts.tv_sec += us / 1000000 + ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	pthread_mutex_lock(&p->rd.mu);
	if (!p->rd.q && !p->rd.done)
		pthread_cond_timedwait(&p->rd.cv_main, &p->rd.mu, &ts);
	pthread_mutex_unlock(&p->rd.mu);
}

static int
run_dry(struct push *p)
{
	for (;;) {
		if (http_aborted()) {
			fatal(p, XIT_TEMPFAIL, "interrupted");
			break;
		}
		take_batches(p);
		struct job *j = p->head;
		if (j) {
			const char *body;
			size_t blen;
			op_body(&j->b, &body, &blen);
			if (p->o->dry_body && p->o->dry_body(p->o->arg, body, blen) < 0) {
				fatal(p, XIT_TEMPFAIL, "dry run: cannot write the request body");
				break;
			}
			p->st->requests++;
			p->st->bytes += j->b.body.len;
			p->st->would_send += j->b.nrec;
			journal(p, j, "dry-run", -1, 0, 0, NULL, NULL);
			list_remove(p, j);
			job_free(j);
			p->progress_dirty = 1;
			progress_write(p, 0);
			status_tick(p, 0);
			continue;
		}
		pthread_mutex_lock(&p->rd.mu);
		int end = p->rd.done && !p->rd.q;
		pthread_mutex_unlock(&p->rd.mu);
		if (end || p->stopping)
			break;
		wait_reader(p, 200000);
		status_tick(p, 0);
	}
	return 0;
}

/* Nothing can move but the held one-user 400s: nothing in flight, every batch waiting to be
 * sent is behind an earlier batch of one of its users (a held one, directly or not), and no
 * more input can be taken (the input is done, or the batches alive fill --concurrency). */
static int
stalled_on_held(struct push *p, int rdone, int queued)
{
	if (p->nheld == 0 || p->sending > 0)
		return 0;
	if (!(rdone && !queued) && p->nlive - p->nheld < (size_t)p->o->concurrency)
		return 0;
	for (struct job *j = p->head; j; j = j->next)
		if (j->state == J_WAIT && !waits_for_earlier(p, j))
			return 0;
	return 1;
}

static int
run_live(struct push *p)
{
	for (;;) {
		if (!p->stopping)
			take_batches(p);
		int64_t wake = dispatch(p);
		pthread_mutex_lock(&p->rd.mu);
		int rdone = p->rd.done, queued = p->rd.q != NULL;
		pthread_mutex_unlock(&p->rd.mu);
		if (p->stopping && p->sending == 0)
			break;
		if (!p->stopping && rdone && !queued && p->nlive == 0)
			break;
		if (!p->stopping && stalled_on_held(p, rdone, queued)) {
			settle_held(p);
			continue;
		}
		/* wake up soon when the reader may hand a batch over: while requests are in
		 * flight by polling every 2 ms (curl's wait cannot see the reader), otherwise on
		 * the reader's signal */
		int want_input = !rdone && p->nlive - p->nheld < (size_t)p->o->concurrency;
		if (want_input && queued)
			wake = 0;
		else if (want_input && p->sending > 0 && wake > 2000)
			wake = 2000;
		if (p->sending > 0) {
			struct err e = ERR_INIT;
			long ms = (long)((wake + 999) / 1000);
			if (http_multi_run(p->m, ms, &e) < 0) {
				fatal(p, e.status ? e.status : XIT_UNAVAILABLE, "%s", e.msg);
				break;
			}
			struct http_resp resp = HTTP_RESP_INIT;
			void *user;
			while (http_multi_next(p->m, &resp, &user) == 1)
				handle_done(p, user, &resp);
			http_resp_free(&resp);
		} else if (wake > 0 && want_input) {
			wait_reader(p, wake);
		} else if (wake > 0) {
			struct timespec ts = { (time_t)(wake / 1000000), (long)(wake % 1000000) * 1000 };
			nanosleep(&ts, NULL);
		}
		if (http_aborted()) {
			fatal(p, XIT_TEMPFAIL, "interrupted");
			break;
		}
		progress_write(p, 0);
		status_tick(p, 0);
	}
	return 0;
}

int
ins_push_run(const struct ins_push_opts *o, struct ins_stats *st, struct err *e)
{
	struct push *p = calloc(1, sizeof *p);
	int ret = 0;
	memset(st, 0, sizeof *st);
	if (!p)
		return err_set(e, XIT_TEMPFAIL, "out of memory:");
	p->o = o;
	p->st = st;
	p->jfd = -1;
	scrub_add(&p->sc, o->token);
	p->maxv_taken = INS_NO_VERSION;
	atomic_store(&p->next_id, 1);
	p->t0 = p->last_progress = p->last_status = mono_us();
	if (pthread_mutex_init(&p->rd.mu, NULL) || pthread_cond_init(&p->rd.cv_main, NULL)
	    || pthread_cond_init(&p->rd.cv_space, NULL)) {
		free(p);
		return err_set(e, XIT_TEMPFAIL, "cannot create a lock");
	}
	if (o->batch_users < 1 || o->batch_users > INS_MAX_USERS || o->batch_bytes < 64
	    || o->batch_bytes > INS_MAX_BYTES || o->concurrency < 1 || o->max_attempts < 1) {
		ret = err_set(e, XIT_USAGE, "internal: settings out of range");
		goto out;
	}
	char partner[256];
	ins_lower(o->partner ? o->partner : "", partner, sizeof partner);
	if (!o->dry_run) {
		if (ins_check_partner(o->partner, e) < 0 || ins_check_token(o->token, e) < 0
		    || ins_endpoint(o->base_url, INS_UPSERT_PATH, p->url, sizeof p->url, e) < 0
		    || ins_endpoint(o->base_url, INS_UPSERT_PATH, p->url_op[INS_KIND_UPSERT], sizeof p->url_op[0], e) < 0
		    || ins_endpoint(o->base_url, INS_ATTR_DELETE_PATH, p->url_op[INS_KIND_CLEAR], sizeof p->url_op[0], e) < 0
		    || ins_endpoint(o->base_url, INS_USER_DELETE_PATH, p->url_op[INS_KIND_DELETE], sizeof p->url_op[0], e) < 0) {
			ret = -1;
			goto out;
		}
		size_t tl = strlen(o->token) + sizeof "X-REQUEST-TOKEN: ";
		p->hdr_token = malloc(tl);
		if (!p->hdr_token) {
			ret = err_set(e, XIT_TEMPFAIL, "out of memory:");
			goto out;
		}
		snprintf(p->hdr_token, tl, "X-REQUEST-TOKEN: %s", o->token);
		snprintf(p->hdr_partner, sizeof p->hdr_partner, "X-PARTNER-NAME: %s", partner);
		p->headers[0] = p->hdr_partner;
		p->headers[1] = p->hdr_token;
		p->headers[2] = "Content-Type: application/json";
		p->headers[3] = "Accept: application/json";
		p->headers[4] = "Expect:";
		p->headers[5] = NULL;
		struct http_opts ho;
		http_opts_default(&ho);
		ho.timeout_ms = o->timeout_ms;
		p->m = http_multi_new(&ho, o->concurrency, e);
		if (!p->m) {
			ret = -1;
			goto out;
		}
		ins_rate_init(&p->rate, o->rate, 1, mono_us());
		ins_rate_init(&p->rate_del, o->rate > 0 && o->rate < INS_DELETE_RATE_PER_MINUTE
			? o->rate : INS_DELETE_RATE_PER_MINUTE, 1, mono_us());
	}
	if (o->journal) {
		p->jfd = open(o->journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (p->jfd < 0) {
			ret = err_set(e, XIT_CONFIG, "journal %s: cannot open:", o->journal);
			goto out;
		}
	}
	p->rej = rej_open(o->rejects, STAGE, e);
	if (!p->rej) {
		ret = -1;
		goto out;
	}
	if (o->progress) {
		/* written at once: a path that cannot be written is found before anything is sent,
		 * and a run killed before its first batch leaves no stale through_version */
		progress_write(p, 1);
		if (p->fatal_status) {
			ret = err_set(e, XIT_CONFIG, "%s", p->fatal_msg);
			goto out;
		}
	}
	if (reader_start(p, e) < 0) {
		ret = -1;
		goto out;
	}
	if (o->dry_run)
		run_dry(p);
	else
		run_live(p);
	/* what was not sent or not answered: journal it, it stays unacknowledged */
	for (struct job *j = p->head; j; j = j->next)
		if (j->state != J_TRIPPED)
			journal(p, j, j->sent ? "unacknowledged" : "unsent",
				j->last_status ? j->last_status : -1, 0, 0, NULL, NULL);
	reader_stop(p);
	/* and the batches read but never handed over */
	struct job tmp;
	memset(&tmp, 0, sizeof tmp);
	if (p->rd.q) {
		tmp.b = *p->rd.q;
		journal(p, &tmp, "unsent", -1, 0, 0, NULL, NULL);
		ins_batch_free(p->rd.q);
		free(p->rd.q);
		p->rd.q = NULL;
	}
	for (int k = 0; k < p->rd.nkept; k++) {
		tmp.b = *p->rd.kept[k];
		journal(p, &tmp, "unsent", -1, 0, 0, NULL, NULL);
		ins_batch_free(p->rd.kept[k]);
		free(p->rd.kept[k]);
	}
	p->rd.nkept = 0;
	stats_update(p);
	p->progress_dirty = 1;
	progress_write(p, 1);
	if (p->fatal_status) {
		err_set(e, p->fatal_status, "%s", p->fatal_msg);
		ret = -1;
	} else if (p->rd.status) {
		err_set(e, p->rd.status, "%s", p->rd.msg);
		scrub_text(&p->sc, e->msg);
		ret = -1;
	}
out:
	if (p->rd.started)
		reader_stop(p);
	reader_free_left(p);
	while (p->head) {
		struct job *j = p->head;
		list_remove(p, j);
		job_free(j);
	}
	struct err ce = ERR_INIT;
	if (p->rej && rej_close(p->rej, &ce) < 0 && ret == 0)
		ret = err_set(e, ce.status ? ce.status : XIT_TEMPFAIL, "rejects: %s", ce.msg);
	if (p->jfd >= 0 && (fsync(p->jfd), close(p->jfd)) < 0 && ret == 0)
		ret = err_set(e, XIT_TEMPFAIL, "journal %s: cannot close:", o->journal);
	http_multi_free(p->m);
	if (p->hdr_token) {
		memset(p->hdr_token, 0, strlen(p->hdr_token));
		free(p->hdr_token);
	}
	pthread_cond_destroy(&p->rd.cv_main);
	pthread_cond_destroy(&p->rd.cv_space);
	pthread_mutex_destroy(&p->rd.mu);
	free(p);
	return ret;
}
