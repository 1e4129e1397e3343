/* map_core.h: row-map's compiled mapping: from a change row (a record of dbx-cdf-read) to one
 * Insider user object (one element of the Upsert API's `users` array). The mapping file's
 * language is documented in docs/mapping.md.
 *
 * Ownership: map_compile()/map_load() return a struct map the caller frees with map_free();
 * it keeps its own copy of the mapping text. map_record() builds the user object in the
 * caller's zone z; the object refers to strings of the input record (and of the map), so the
 * caller writes it before reading the next record and before map_free(). map_run() owns
 * everything it opens and closes it before it returns (it never closes the fds).
 */
#ifndef DBXI_MAP_CORE_H
#define DBXI_MAP_CORE_H
#include <msgpack.h>
#include <stdint.h>
#include "err.h"
#include "rec.h"

#define MAP_FILE_MAX (1u << 20) /* bytes of a mapping file */

struct map;

/* parses and checks a mapping; name is the file name used in messages. NULL with e filled
 * (XIT_CONFIG: "NAME: KEY: what is wrong"; XIT_TEMPFAIL for memory) on failure. */
struct map *map_compile(const char *text, size_t n, const char *name, struct err *e);
/* the same with flags: MAP_F_NOJQ checks jq fields' form but does not compile them (the
 * fuzzer uses it: libjq 1.6 is not the code under test there). */
#define MAP_F_NOJQ 1
struct map *map_compile_flags(const char *text, size_t n, const char *name, int flags,
	struct err *e);
/* reads path (at most MAP_FILE_MAX bytes) and compiles it */
struct map *map_load(const char *path, struct err *e);
void map_free(struct map *m);
/* a one-line description of a compiled mapping ("3 identifiers, 10 attributes, 1 event") */
int map_describe(const struct map *m, struct buf *out);

/* map_columns (#11.5, lib/map_cols.c): the columns the mapping reads, one per line, each
 * once, in mapping order, without the CDF columns (_change_type, _commit_version,
 * _commit_timestamp: dbx-cdf-read always reads them): "column" sources, spread columns, and
 * for jq fields their "columns" list, else the columns told from the program's text. When a
 * jq field may read any column and declares none, out is "*\n" and note names the field.
 * -1 only on ENOMEM. */
int map_columns(const struct map *m, struct buf *out, struct buf *note);

/* takes the column types of a schema line ({"_schema":{"table":..,"columns":[{"name":..,
 * "type":..}]}}): checks that every column the mapping names exists (XIT_CONFIG) and lets
 * DATE and TIMESTAMP columns of `auto` fields become RFC 3339 date-times. */
int map_set_schema(struct map *m, const msgpack_object *schema, struct err *e);

/* maps one record (number recno, for messages).
 *  1: *out is the user object (in z);
 *  0: the record is rejected: its reasons were added to rej (rej_add), the caller commits;
 * -1: error in e (a column the mapping names is missing: XIT_CONFIG; memory: XIT_TEMPFAIL). */
int map_record(struct map *m, const msgpack_object *rec, uint64_t recno, msgpack_zone *z,
	struct rej *rej, msgpack_object *out, struct err *e);

/* the whole filter: records from in_fd, user objects to out_fd in form, rejects to the file
 * rejects (NULL: reasons on stderr). Counts in *mapped, *rejected (may be NULL).
 * 0 when every record was mapped or rejected; -1 with e otherwise. */
int map_run(struct map *m, int in_fd, int out_fd, enum rec_form form, const char *rejects,
	uint64_t *mapped, uint64_t *rejected, struct err *e);
#endif
