/* map_jq.c: see map_jq.h. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <jq.h>
#include "map_jq.h"
#include "rec.h"

extern char **environ;

struct map_jq {
	jq_state *jq;
	struct buf err; /* the first message of the error callback */
};

/* "jq: error: syntax error, unexpected $end (Unix shell quoting issues?) at <top-level>,
 * line 1:\n.prog" -> "syntax error, unexpected $end at <top-level>, line 1" */
static void
on_error(void *data, jv msg)
{
	struct map_jq *q = data;
	if (q->err.len == 0) {
		jv s = jv_get_kind(msg) == JV_KIND_STRING ? jv_copy(msg) : jv_dump_string(jv_copy(msg), 0);
		if (jv_get_kind(s) == JV_KIND_STRING) {
			const char *p = jv_string_value(s), *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			static const char *const cut[] = {"jq: error: ", "jq: "};
			for (size_t i = 0; i < 2; i++) {
				size_t k = strlen(cut[i]);
				if (n >= k && memcmp(p, cut[i], k) == 0) {
					p += k, n -= k;
					break;
				}
			}
			const char *junk = " (Unix shell quoting issues?)";
			const char *j = memmem(p, n, junk, strlen(junk));
			for (size_t i = 0; i < n; i++) {
				if (j && p + i == j) {
					i += strlen(junk) - 1;
					continue;
				}
				if (buf_addc(&q->err, p[i]) < 0)
					break;
			}
			while (q->err.len && (q->err.p[q->err.len - 1] == ':' || q->err.p[q->err.len - 1] == ' '))
				q->err.p[--q->err.len] = 0;
		}
		jv_free(s);
	}
	jv_free(msg);
}

/* does the program start with a module directive (import, include, module)? They can only
 * come first; libjq 1.6 aborts on one without a library path and reads any file a
 * {search: ...} names with one. */
static int
directive(const char *p)
{
	static const char *const words[] = {"import", "include", "module"};
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
			p++;
		if (*p != '#')
			break;
		while (*p && *p != '\n')
			p++;
	}
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		size_t k = strlen(words[i]);
		char c;
		if (strncmp(p, words[i], k) != 0)
			continue;
		c = p[k]; /* the match ends before the string's NUL: readable */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return 1;
	}
	return 0;
}

/* put before every program, on its first line (jq's messages keep their line numbers): in
 * libjq 1.6 error(null) is `empty` (the field would vanish); here it is an error with a
 * message. A directive after it is a syntax error, whatever directive() missed. */
#define PRELUDE \
	"def _dbxi_error(m): error(m); " \
	"def error(m): m as $m | if $m == null then " \
	"_dbxi_error(\"error(null): an error without a message\") else _dbxi_error($m) end; " \
	"def error: error(.); "

struct map_jq *
map_jq_compile(const char *prog, struct buf *why)
{
	struct map_jq *q = calloc(1, sizeof *q);
	struct buf text = BUF_INIT;
	int ok;
	buf_reset(why);
	if (!q)
		return NULL;
	if (directive(prog)) {
		free(q);
		if (buf_adds(why, "import, include and module directives are not allowed (a mapping's "
				  "jq uses no modules)") < 0)
			errno = ENOMEM;
		return NULL;
	}
	if (buf_adds(&text, PRELUDE) < 0 || buf_adds(&text, prog) < 0) {
		buf_free(&text);
		free(q);
		errno = ENOMEM;
		return NULL;
	}
	q->jq = jq_init();
	if (!q->jq) {
		buf_free(&text);
		free(q);
		errno = ENOMEM;
		return NULL;
	}
	jq_set_error_cb(q->jq, on_error, q);
	/* no module search path: with none, libjq 1.6 aborts on a module directive */
	jq_set_attr(q->jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
	ok = jq_compile(q->jq, text.p);
	buf_free(&text);
	if (!ok) {
		if (buf_add(why, q->err.p ? q->err.p : "does not compile", q->err.p ? q->err.len : 16) < 0) {
			/* why stays empty: ENOMEM */
		}
		map_jq_free(q);
		return NULL;
	}
	buf_reset(&q->err);
	return q;
}

void
map_jq_free(struct map_jq *q)
{
	if (!q)
		return;
	jq_teardown(&q->jq);
	buf_free(&q->err);
	free(q);
}

static void
msg_of(jv err, struct buf *why)
{
	jv m = jv_invalid_get_msg(err);
	jv s = jv_get_kind(m) == JV_KIND_STRING ? m : jv_dump_string(m, 0);
	buf_reset(why);
	if (buf_adds(why, "jq: ") < 0 ||
	    buf_adds(why, jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) : "error") < 0) {
		/* keep what fitted */
	}
	jv_free(s);
}

/* ---- the CPU time limit ---- */

static unsigned long limit_ms = MAP_JQ_LIMIT_MS_DEFAULT;
static unsigned long ticker_ms; /* the ticker's period, 0 before it runs */
static volatile sig_atomic_t armed, ticks, fired, limit_ticks;
static jq_state *volatile running;

void
map_jq_set_limit_ms(unsigned long ms)
{
	limit_ms = ms;
}

unsigned long
map_jq_limit_ms(void)
{
	return limit_ms;
}

/* SIGPROF: one tick of the process's CPU time. After limit_ticks ticks of one run, the
 * program is halted: jq_next checks the halt flag before each instruction (libjq 1.6 reads
 * it from memory on every pass of its loop), and jq_halt only stores three fields (jv_invalid
 * allocates nothing), so this is safe wherever the handler lands. */
static void
on_tick(int sig)
{
	jq_state *jq;
	(void)sig;
	if (!armed || ++ticks < limit_ticks)
		return;
	jq = running;
	if (jq && !jq_halted(jq)) {
		fired = 1;
		jq_halt(jq, jv_invalid(), jv_invalid());
	}
}

/* 0, or -1 when the ticker cannot run (the run goes on without a limit) */
static int
ticker(void)
{
	unsigned long tick = limit_ms / 8;
	struct sigaction sa;
	struct itimerval it;
	if (tick < 1)
		tick = 1;
	if (tick > 125)
		tick = 125;
	if (ticker_ms == tick)
		return 0;
	/* at least the limit: the first tick of a run may come at once */
	limit_ticks = (sig_atomic_t)((limit_ms + tick - 1) / tick + 1);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tick;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL) < 0)
		return -1;
	it.it_interval.tv_sec = (time_t)(tick / 1000);
	it.it_interval.tv_usec = (suseconds_t)(tick % 1000 * 1000);
	it.it_value = it.it_interval;
	if (setitimer(ITIMER_PROF, &it, NULL) < 0)
		return -1;
	ticker_ms = tick;
	return 0;
}

static void
arm(jq_state *jq)
{
	if (!limit_ms || ticker() < 0)
		return;
	fired = 0;
	ticks = 0;
	running = jq;
	armed = 1;
}

/* 1 when the run was stopped by the limit */
static int
disarm(void)
{
	armed = 0;
	running = NULL;
	return fired;
}

/* the reason of a program that stopped itself: halt, halt_error */
static void
halt_msg(jq_state *jq, struct buf *why)
{
	jv code = jq_get_exit_code(jq), msg = jq_get_error_message(jq);
	buf_reset(why);
	if (!jv_is_valid(code)) {
		if (buf_adds(why, "jq: the program called halt (a field needs a value)") < 0) {
			/* keep what fitted */
		}
	} else {
		jv s = jv_get_kind(msg) == JV_KIND_STRING ? jv_copy(msg)
			: jv_is_valid(msg)                ? jv_dump_string(jv_copy(msg), 0)
							  : jv_string("");
		const char *p = jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) : "";
		size_t n = strlen(p);
		if (n > 200) {
			n = 200;
			while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
				n--;
		}
		int r = jv_get_kind(code) == JV_KIND_NUMBER
				? buf_printf(why, "jq: halt_error (exit code %.17g): ", jv_number_value(code))
				: buf_adds(why, "jq: halt_error: ");
		(void)r; /* a reason cut short by ENOMEM is still a reason */
		/* one line: the message may end in a newline (jq prints it raw) */
		for (size_t i = 0; i < n; i++)
			if (buf_addc(why, p[i] == '\n' || p[i] == '\r' || p[i] == '\t' ? ' ' : p[i]) < 0)
				break;
		while (why->len && why->p[why->len - 1] == ' ')
			why->p[--why->len] = 0;
		if (n < strlen(p) && buf_adds(why, "...") < 0) {
			/* keep what fitted */
		}
		jv_free(s);
	}
	jv_free(code);
	jv_free(msg);
}

/* after a halt: libjq 1.6's jq_reset (in jq_start and jq_teardown) frees the exit code and the
 * message of a halt without clearing them, so the next reset would free them again (a
 * halt_error whose message is the row would take a reference the row does not have). Reset
 * once now, then store values that own nothing (jv_invalid) with a halt of our own. */
static void
halt_clear(jq_state *jq)
{
	jq_start(jq, jv_null(), 0);
	jq_halt(jq, jv_invalid(), jv_invalid());
}

static int
limit_msg(struct buf *why)
{
	buf_reset(why);
	if (buf_printf(why, "jq: the program ran longer than %g s of CPU time (DBXI_JQ_TIMEOUT)",
		    limit_ms / 1000.0) < 0) {
		/* keep what fitted */
	}
	return -3;
}

int
map_jq_run(struct map_jq *q, jv in, msgpack_zone *z, msgpack_object *out, struct buf *why)
{
	jv r, r2 = jv_invalid();
	jq_start(q->jq, jv_copy(in), 0);
	arm(q->jq);
	r = jq_next(q->jq);
	if (jv_is_valid(r))
		r2 = jq_next(q->jq);
	if (disarm()) {
		jv_free(r);
		jv_free(r2);
		halt_clear(q->jq);
		return limit_msg(why);
	}
	if (!jv_is_valid(r)) {
		if (jv_invalid_has_msg(jv_copy(r))) {
			msg_of(r, why);
			return -1;
		}
		jv_free(r);
		if (jq_halted(q->jq)) {
			halt_msg(q->jq, why);
			halt_clear(q->jq);
			return -1;
		}
		*out = rec_nil(); /* no output: null */
		return 0;
	}
	if (jv_is_valid(r2) || jv_invalid_has_msg(jv_copy(r2)) || jq_halted(q->jq)) {
		int more = jv_is_valid(r2);
		jv_free(r);
		if (more) {
			jv_free(r2);
			buf_reset(why);
			if (buf_adds(why, "jq: the program gave more than one value (collect them with [...])") < 0) {
				/* keep what fitted */
			}
		} else if (jv_invalid_has_msg(jv_copy(r2)))
			msg_of(r2, why);
		else {
			jv_free(r2);
			halt_msg(q->jq, why);
		}
		if (jq_halted(q->jq))
			halt_clear(q->jq);
		return -1;
	}
	jv_free(r2);
	int rc = map_jq_to_obj(r, z, out, why);
	jv_free(r);
	return rc;
}

/* ---- the environment ---- */

static int
ci_has(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && (s[i + j] >= 'a' && s[i + j] <= 'z' ? s[i + j] - 32 : s[i + j]) == w[j])
			j++;
		if (j == k)
			return 1;
	}
	return 0;
}

static int
ci_prefix(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	if (n < k)
		return 0;
	for (size_t j = 0; j < k; j++)
		if ((s[j] >= 'a' && s[j] <= 'z' ? s[j] - 32 : s[j]) != w[j])
			return 0;
	return 1;
}

static int
secret_name(const char *s, size_t n)
{
	static const char *const prefixes[] = {"DATABRICKS_", "ARM_", "AWS_", "AZURE_", "GOOGLE_",
		"INSIDER_API_TOKEN"};
	static const char *const parts[] = {"SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL",
		"PRIVATE"};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (ci_prefix(s, n, prefixes[i]))
			return 1;
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		if (ci_has(s, n, parts[i]))
			return 1;
	return n >= 4 && ci_prefix(s + n - 4, 4, "_KEY");
}

size_t
map_jq_scrub_env(void)
{
	size_t removed = 0;
	char name[256];
	int again = 1;
	while (again) {
		again = 0;
		for (char **e = environ; e && *e; e++) {
			const char *eq = strchr(*e, '=');
			size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
			if (!secret_name(*e, n))
				continue;
			if (n >= sizeof name) {
				/* too long for the buffer: blank it in place */
				if (eq)
					(*e)[n + 1] = 0;
				continue;
			}
			memcpy(name, *e, n);
			name[n] = 0;
			if (unsetenv(name) == 0) {
				removed++;
				again = 1; /* environ changed under us: start over */
				break;
			}
		}
	}
	return removed;
}

/* ---- conversions ---- */

jv
map_jq_from_obj(const msgpack_object *v)
{
	switch (v->type) {
	case MSGPACK_OBJECT_NIL: return jv_null();
	case MSGPACK_OBJECT_BOOLEAN: return jv_bool(v->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER: return jv_number((double)v->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return jv_number((double)v->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return jv_number(v->via.f64);
	case MSGPACK_OBJECT_STR: return jv_string_sized(v->via.str.ptr, (int)v->via.str.size);
	case MSGPACK_OBJECT_EXT: { /* a decimal's text */
		char tmp[128], *p = tmp;
		size_t n = v->via.ext.size;
		if (n >= sizeof tmp && !(p = malloc(n + 1)))
			return jv_invalid();
		memcpy(p, v->via.ext.ptr, n);
		p[n] = 0;
		double d = strtod(p, NULL);
		if (p != tmp)
			free(p);
		return jv_number(d);
	}
	case MSGPACK_OBJECT_ARRAY: {
		jv a = jv_array_sized((int)v->via.array.size);
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			jv e = map_jq_from_obj(&v->via.array.ptr[i]);
			if (!jv_is_valid(e)) {
				jv_free(a);
				return e;
			}
			a = jv_array_append(a, e);
		}
		return a;
	}
	case MSGPACK_OBJECT_MAP: {
		jv o = jv_object();
		for (uint32_t i = 0; i < v->via.map.size; i++) {
			const msgpack_object_kv *kv = &v->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				continue;
			jv e = map_jq_from_obj(&kv->val);
			if (!jv_is_valid(e)) {
				jv_free(o);
				return e;
			}
			o = jv_object_set(o, jv_string_sized(kv->key.via.str.ptr, (int)kv->key.via.str.size), e);
		}
		return o;
	}
	default:
		return jv_null();
	}
}

/* the shortest text that reads back as d */
static int
double_obj(double d, msgpack_zone *z, msgpack_object *out, struct buf *why)
{
	char tmp[40];
	if (!isfinite(d)) {
		buf_reset(why);
		if (buf_adds(why, "jq: the result is not a finite number") < 0) {
			/* keep what fitted */
		}
		return -1;
	}
	if (d == trunc(d) && fabs(d) < 9007199254740992.0) { /* 2^53: exact integers */
		*out = d < 0 ? rec_int((int64_t)d) : rec_uint((uint64_t)d);
		return 0;
	}
	for (int p = 15; p <= 17; p++) { /* %g drops trailing zeros: 15 digits is the shortest form when one of 15 or fewer exists */
		snprintf(tmp, sizeof tmp, "%.*g", p, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	if (rec_number(z, tmp, strlen(tmp), out) < 0)
		return -2;
	return 0;
}

int
map_jq_to_obj(jv v, msgpack_zone *z, msgpack_object *out, struct buf *why)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: *out = rec_nil(); return 0;
	case JV_KIND_TRUE: *out = rec_bool(1); return 0;
	case JV_KIND_FALSE: *out = rec_bool(0); return 0;
	case JV_KIND_NUMBER: return double_obj(jv_number_value(v), z, out, why);
	case JV_KIND_STRING:
		return rec_strdup(z, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)), out) < 0 ? -2 : 0;
	case JV_KIND_ARRAY: {
		struct rec_arrb a;
		int n = jv_array_length(jv_copy(v));
		rec_arrb_init(&a, z);
		for (int i = 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(v), i);
			msgpack_object o;
			int r = map_jq_to_obj(e, z, &o, why);
			jv_free(e);
			if (r < 0)
				return r;
			if (rec_arrb_push(&a, o) < 0)
				return -2;
		}
		*out = rec_arrb_done(&a);
		return 0;
	}
	case JV_KIND_OBJECT: {
		struct rec_mapb m;
		rec_mapb_init(&m, z);
		for (int it = jv_object_iter(v); jv_object_iter_valid(v, it); it = jv_object_iter_next(v, it)) {
			jv k = jv_object_iter_key(v, it), e = jv_object_iter_value(v, it);
			msgpack_object key, o;
			int r = rec_strdup(z, jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)), &key);
			jv_free(k);
			if (r < 0) {
				jv_free(e);
				return -2;
			}
			r = map_jq_to_obj(e, z, &o, why);
			jv_free(e);
			if (r < 0)
				return r;
			if (rec_mapb_putk(&m, key, o) < 0)
				return -2;
		}
		*out = rec_mapb_done(&m);
		return 0;
	}
	default:
		*out = rec_nil();
		return 0;
	}
}

/* ---- the row, kept between records ---- */

int
map_jq_row_set(struct map_jq_row *r, const msgpack_object *rec)
{
	uint32_t n = rec->type == MSGPACK_OBJECT_MAP ? rec->via.map.size : 0;
	int same = r->have && n == r->n;
	if (n > r->cap) {
		struct map_jq_key *k = realloc(r->keys, n * sizeof *k);
		if (!k)
			return -1;
		memset(k + r->cap, 0, (n - r->cap) * sizeof *k);
		r->keys = k, r->cap = n;
	}
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *key = &rec->via.map.ptr[i].key;
		struct map_jq_key *c = &r->keys[i];
		const char *ks = key->type == MSGPACK_OBJECT_STR ? key->via.str.ptr : "";
		uint32_t kl = key->type == MSGPACK_OBJECT_STR ? key->via.str.size : 0;
		if (c->s && c->len == kl && memcmp(c->s, ks, kl) == 0)
			continue;
		same = 0;
		if (c->s) {
			free(c->s);
			jv_free(c->k);
		}
		c->s = malloc(kl + 1);
		if (!c->s)
			return -1;
		memcpy(c->s, ks, kl);
		c->s[kl] = 0;
		c->len = kl;
		c->k = jv_string_sized(ks, (int)kl);
		c->wanted = r->all;
		for (uint32_t j = 0; !c->wanted && j < r->nwant; j++)
			c->wanted = strcmp(r->want[j], c->s) == 0;
	}
	r->n = n;
	if (!same) {
		if (r->have)
			jv_free(r->obj);
		r->obj = jv_object();
		r->have = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!r->keys[i].wanted)
			continue;
		jv v = map_jq_from_obj(&rec->via.map.ptr[i].val);
		if (!jv_is_valid(v))
			return -1;
		r->obj = jv_object_set(r->obj, jv_copy(r->keys[i].k), v);
	}
	return 0;
}

void
map_jq_row_free(struct map_jq_row *r)
{
	for (uint32_t i = 0; i < r->cap; i++)
		if (r->keys[i].s) {
			free(r->keys[i].s);
			jv_free(r->keys[i].k);
		}
	free(r->keys);
	if (r->have)
		jv_free(r->obj);
	for (uint32_t i = 0; i < r->nwant; i++)
		free(r->want[i]);
	free(r->want);
	memset(r, 0, sizeof *r);
}

/* ---- which columns a program reads ---- */

static int
ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
ident_char(int c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* the last non-blank character before i, or 0 */
static char
before(const char *p, size_t i)
{
	while (i > 0) {
		char c = p[--i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return c;
	}
	return 0;
}

static char
after(const char *p, size_t n, size_t i)
{
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return p[i];
	return 0;
}

static int
add_name(char ***names, uint32_t *nn, const char *s, size_t len)
{
	for (uint32_t i = 0; i < *nn; i++)
		if (strlen((*names)[i]) == len && memcmp((*names)[i], s, len) == 0)
			return 0;
	char **p = realloc(*names, (*nn + 1) * sizeof *p);
	if (!p)
		return -1;
	*names = p;
	if (!(p[*nn] = strndup(s, len)))
		return -1;
	(*nn)++;
	return 0;
}

long
map_jq_fields(const char *p, size_t n, char ***names, uint32_t *nnames)
{
	/* words that do not read their input, or only introduce what follows */
	static const char *const ok_words[] = {"if", "then", "elif", "else", "end", "and", "or",
		"empty", "null", "true", "false", "now", NULL};
	long found = 0;
	for (size_t i = 0; i < n;) {
		char c = p[i];
		if (c == '#') { /* a comment */
			while (i < n && p[i] != '\n')
				i++;
			continue;
		}
		if (c == '"') { /* a string: no interpolation */
			for (i++; i < n && p[i] != '"'; i++)
				if (p[i] == '\\') {
					if (i + 1 < n && p[i + 1] == '(')
						return -1;
					i++;
				}
			i++;
			continue;
		}
		if (c >= '0' && c <= '9') {
			while (i < n && (ident_char(p[i]) || p[i] == '.'))
				i++;
			continue;
		}
		if (c == '=') { /* ==, !=, <=, >= compare; every other = assigns (|=, +=, =, ...) */
			char b = i > 0 ? p[i - 1] : 0;
			if (i + 1 < n && p[i + 1] == '=') {
				if (b == '=' || b == '|' || b == '+' || b == '-' || b == '*' || b == '/' || b == '%')
					return -1;
				i += 2;
				continue;
			}
			if (b != '!' && b != '<' && b != '>')
				return -1;
			i++;
			continue;
		}
		if (c == '.') {
			if (i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9') { /* .5 */
				for (i++; i < n && ident_char(p[i]); i++)
					;
				continue;
			}
			if (i + 1 < n && ident_start(p[i + 1])) {
				size_t s = ++i;
				while (i < n && ident_char(p[i]))
					i++;
				if (add_name(names, nnames, p + s, i - s) < 0)
					return -1;
				found++;
				continue;
			}
			if (i + 1 < n && p[i + 1] == '"') {
				size_t s = i + 2, e = s;
				while (e < n && p[e] != '"' && p[e] != '\\')
					e++;
				if (e >= n || p[e] != '"')
					return -1; /* escapes in a field name: not worth it */
				if (add_name(names, nnames, p + s, e - s) < 0)
					return -1;
				found++;
				i = e + 1;
				continue;
			}
			/* a bare . (or .. or .[...]): the row itself, unless right after a pipe */
			if ((i + 1 < n && (p[i + 1] == '.' || p[i + 1] == '[')) || before(p, i) != '|')
				return -1;
			i++;
			continue;
		}
		if (c == '$') { /* a variable: $ENV, $__loc__ */
			for (i++; i < n && ident_char(p[i]); i++)
				;
			continue;
		}
		if (ident_start(c) || c == '@') {
			size_t s = i++;
			while (i < n && ident_char(p[i]))
				i++;
			size_t len = i - s;
			int ok = 0;
			for (int k = 0; ok_words[k]; k++)
				if (strlen(ok_words[k]) == len && memcmp(ok_words[k], p + s, len) == 0)
					ok = 1;
			if (len == 2 && memcmp(p + s, "as", 2) == 0)
				return -1; /* binds the input: it flows on */
			if (!ok && after(p, n, i) == ':' && (i + 1 >= n || p[i + 1] != ':'))
				ok = 1; /* an object key, {name: ...} */
			if (!ok && before(p, s) != '|')
				return -1; /* a function whose input may be the row */
			continue;
		}
		i++;
	}
	return found;
}
