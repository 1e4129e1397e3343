/* map_jq.h: row-map's computed values: one jq program (libjq 1.6) per mapping field.
 *
 * Ownership: map_jq_compile() returns a program the caller frees with map_jq_free(). The
 * row handed to map_jq_run() as a jv is consumed by nobody: the caller keeps it and frees it
 * (jv_free) once every field of the row ran. Results are built in the caller's zone z.
 * Caveat of libjq 1.6: every number is a double inside jq, so integers beyond 2^53 and
 * decimals with more than 17 significant digits come out rounded. Only the columns a
 * program reads go through jq; every other field of the mapping stays exact.
 */
#ifndef DBXI_MAP_JQ_H
#define DBXI_MAP_JQ_H
#include <jv.h>
#include <msgpack.h>
#include "buf.h"

struct map_jq;
/* compiles prog. NULL on failure: the reason ("syntax error, unexpected ...") is in why, or
 * why is empty and errno is ENOMEM. Programs are sandboxed (docs/mapping.md "jq limits"):
 * import, include and module directives are refused (no module is ever read); error(null)
 * is an error, not a silent `empty` as in libjq 1.6. */
struct map_jq *map_jq_compile(const char *prog, struct buf *why);
void map_jq_free(struct map_jq *q);
/* runs q on in (borrowed). 0: *out is the program's one result (null when it gave none);
 * -1: jq failed, stopped (halt, halt_error) or gave more than one value, reason in why;
 * -2: out of memory; -3: the run took more than the CPU time limit, reason in why. */
int map_jq_run(struct map_jq *q, jv in, msgpack_zone *z, msgpack_object *out, struct buf *why);

/* The CPU time limit of one run (process CPU time, checked by a SIGPROF ticker that stops the
 * program between two of its instructions with jq_halt: libjq 1.6 has no other way to stop a
 * program; a single builtin, a long sort say, finishes first). 0: no limit. The ticker is
 * installed at the first run under a limit; the process must leave SIGPROF and ITIMER_PROF to
 * it. */
#define MAP_JQ_LIMIT_MS_DEFAULT 1000
void map_jq_set_limit_ms(unsigned long ms);
unsigned long map_jq_limit_ms(void);

/* removes credentials from the process environment, so that jq's `env` and `$ENV` cannot show
 * them: DATABRICKS_*, ARM_*, AWS_*, AZURE_*, GOOGLE_*, INSIDER_API_TOKEN*, and any name that
 * contains SECRET, TOKEN, PASSWORD, PASSWD, CREDENTIAL or PRIVATE, or ends in _KEY (ASCII case
 * ignored). Call before the first map_jq_compile. Returns how many were removed. */
size_t map_jq_scrub_env(void);

/* the row as jq sees it, kept from record to record: the keys' jv strings are made once (jq
 * caches their hashes) and, while the records keep the same keys in the same order, the object
 * is updated in place instead of rebuilt. Owned by its user; map_jq_row_free releases it. */
struct map_jq_row {
	jv obj;
	int have;
	int all;         /* every column goes in (else only those named in want) */
	char **want;     /* the columns the programs read (heap strings) */
	uint32_t nwant;
	uint32_t n, cap;
	struct map_jq_key {
		char *s;
		uint32_t len;
		jv k;
		int wanted;
	} *keys;
};
/* the columns a program reads, when that can be told from its text: every row access is
 * `.name` or `."name"` (not `.`, `..`, `.[...]`, assignments, `as`, string interpolation, or a
 * function whose input may be the row). Returns the number of names, appended to *names
 * (heap strings, the caller frees them), or -1 when the program may read the whole row (or
 * on ENOMEM, errno set). */
long map_jq_fields(const char *prog, size_t n, char ***names, uint32_t *nnames);
/* makes r->obj the record rec (a map). 0, or -1 on ENOMEM. */
int map_jq_row_set(struct map_jq_row *r, const msgpack_object *rec);
void map_jq_row_free(struct map_jq_row *r);

/* conversions between records and jv. map_jq_from_obj returns an invalid jv on ENOMEM. */
jv map_jq_from_obj(const msgpack_object *v);
/* 0, -1 (a value a record cannot hold: non-finite number; reason in why), -2 ENOMEM */
int map_jq_to_obj(jv v, msgpack_zone *z, msgpack_object *out, struct buf *why);
#endif
