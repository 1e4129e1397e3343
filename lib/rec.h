/* rec.h: the record layer every stage uses.
 *
 * A record is one map with string keys. In memory every value is a msgpack_object
 * (msgpack-c), whichever wire form it came from:
 *   NIL, BOOLEAN, POSITIVE_INTEGER (uint64), NEGATIVE_INTEGER (int64 < 0),
 *   STR (always valid UTF-8), ARRAY, MAP (string keys at the top level),
 *   EXT of type REC_EXT_DECIMAL: a JSON number that is not a 64-bit integer (12.50, 1e-7,
 *       123456789012345678901234567890), carried as its exact JSON text so no digit is lost;
 *   FLOAT32/FLOAT64: accepted on MessagePack input only, written to JSON in the shortest
 *       form that reads back to the same double.
 * Wire forms: NDJSON (one object per line; on input any JSON whitespace may separate objects)
 * and MessagePack (a stream of maps). The input form is detected from the first non-blank byte.
 * Top-level keys that start with '_' are metadata: stages copy them unchanged (rec_copy_meta).
 *
 * Ownership:
 * - rec_read() hands out a record owned by the reader: it and every string in it stay valid
 *   until the next rec_read() or rec_reader_free(). Copy (rec_copy) what must live longer.
 * - Values a stage builds live in a msgpack_zone the stage owns (msgpack_zone_new /
 *   msgpack_zone_clear per record / msgpack_zone_free). Builders never copy keys or strings
 *   given by reference (rec_strref): the caller keeps them alive until the value is written.
 * - rec_json_parse() may point strings and decimals into the input text: keep it alive too.
 * Nothing here prints or exits; errors fill struct err (XIT_DATAERR for bad input, with
 * "record N: ..." in the message; XIT_TEMPFAIL for I/O and memory; XIT_EPIPE for a closed
 * downstream pipe, which err_exit() turns into a quiet end).
 */
#ifndef DBXI_REC_H
#define DBXI_REC_H
#include <msgpack.h>
#include <stdint.h>
#include "buf.h"
#include "err.h"

#define REC_EXT_DECIMAL 1
#define REC_MAX_DEPTH 32                  /* nesting limit of both forms */
#define REC_MAX_RECORD_DEFAULT (16u << 20) /* bytes; DBXI_MAX_RECORD overrides */
#define REC_MAX_RECORD_MIN 1024u
#define REC_MAX_RECORD_MAX (1u << 30)
#define REC_RULE_TOO_LARGE "record-too-large"
/* the decoded form of one record (24 bytes a value, 48 an object member, unescaped strings)
 * may take at most half the record size limit, and never less than 4 MiB (a small limit must
 * not refuse a small record for the 24 bytes each of its values takes): past it the record is
 * too large */
#define REC_DECODE_BUDGET_MIN ((size_t)4 << 20)
#define REC_DECODE_BUDGET(max) ((max) / 2 > REC_DECODE_BUDGET_MIN ? (max) / 2 : REC_DECODE_BUDGET_MIN)
/* values of up to this many bytes of JSON are kept in a record-too-large reject */
#define REC_REJECT_KEEP 1024

/* The record size limit: DBXI_MAX_RECORD (bytes, REC_MAX_RECORD_MIN..REC_MAX_RECORD_MAX, digits
 * only) or REC_MAX_RECORD_DEFAULT when it is not set. 0 and *out set; -1 (XIT_CONFIG, the
 * message names the variable) when it is set to anything else, empty included. Every tool
 * calls it at start; readers and writers made with a limit of 0 then use the same value
 * (the default if the variable is bad: the tool has refused to run by then). */
int rec_max_record(size_t *out, struct err *e);

enum rec_form { REC_JSON = 0, REC_MSGPACK = 1, REC_JSON_PRETTY = 2 };

/* ---- reading a stream ---- */
/* A reader's or writer's fd that is a pipe is enlarged to this many bytes (or to what the
 * system lets the process have; never made smaller, failures ignored): with the kernel's
 * 64 KiB the stages of a pipeline run in lockstep, each one waking the next every 64 KiB. */
#define REC_PIPE_SIZE (1 << 20)
struct rec_reader;
/* max_record 0 = DBXI_MAX_RECORD from the environment or REC_MAX_RECORD_DEFAULT.
 * NULL on ENOMEM. The reader does not close fd. */
struct rec_reader *rec_reader_new(int fd, size_t max_record);
struct rej;
/* Records too large to pass (over the size limit, or past the decode budget) are then set
 * aside: skipped by their structure while streaming (never held whole), written to rj with
 * rule record-too-large, their record number, their size and the top-level metadata keys
 * ('_' prefix, scalar values) met on the way; rec_read returns 2 for each. Without rejects
 * such a record is an error (XIT_DATAERR). rj stays the caller's. */
void rec_reader_rejects(struct rec_reader *r, struct rej *rj);
/* 1: *out is the next record; 0: end of input; 2: a record was set aside as too large (see
 * rec_reader_rejects; *out is its metadata map, valid until the next call); -1: error in e
 * (the stream cannot go on). */
int rec_read(struct rec_reader *r, msgpack_object *out, struct err *e);
/* number of records returned so far (the last one's number, 1-based) */
uint64_t rec_reader_count(const struct rec_reader *r);
/* the detected form, or -1 before the first byte was seen */
int rec_reader_form(const struct rec_reader *r);
/* the bytes of the last record returned, when it came as MessagePack (1; valid until the next
 * rec_read), else 0: a stage that passes a record unchanged can write them as they are */
int rec_reader_raw(const struct rec_reader *r, const char **p, size_t *n);
void rec_reader_free(struct rec_reader *r);

/* ---- writing a stream ---- */
struct rec_writer;
/* the output form: MessagePack when msgpack_flag is set or DBXI_WIRE=msgpack, else JSON */
enum rec_form rec_form_choose(int msgpack_flag);
struct rec_writer *rec_writer_new(int fd, enum rec_form form); /* NULL on ENOMEM */
/* writes one record (any value, in fact); buffered. -2 (XIT_DATAERR in e, nothing written)
 * when the record would take more than the record size limit (DBXI_MAX_RECORD) in the
 * writer's form: the next stage would refuse it. The size is checked before the record is
 * encoded (pretty JSON: after), so that such a record costs no memory. */
int rec_write(struct rec_writer *w, const msgpack_object *v, struct err *e);
/* rec_write, or, when the record is over the limit, a reject of record number recno to rj
 * (rule record-too-large; the reject keeps the record's top-level members of up to
 * REC_REJECT_KEEP bytes of JSON and names the largest one left out). 1 written, 0 rejected,
 * -1 error. */
int rec_write_or_reject(struct rec_writer *w, struct rej *rj, uint64_t recno,
    const msgpack_object *v, struct err *e);
/* the last record read by r, unchanged: its own bytes when both are MessagePack (no
 * re-encoding), else rec_write of v. Same results as rec_write. */
int rec_write_same(struct rec_writer *w, const struct rec_reader *r, const msgpack_object *v,
    struct err *e);
/* bytes of v in MessagePack (exact), and in compact JSON (exact; counting stops past stop,
 * then the result is some value > stop) */
size_t rec_msgpack_size(const msgpack_object *v);
/* the writer's form; and one record already encoded as MessagePack (the caller checked it
 * is at most the record size limit, rec_max_record): written as it is, counted, as
 * rec_write would. -1 (nothing written) for a JSON writer or bytes over the limit. */
enum rec_form rec_writer_form(const struct rec_writer *w);
int rec_write_bytes(struct rec_writer *w, const char *p, size_t n, struct err *e);
size_t rec_json_size(const msgpack_object *v, size_t stop);
int rec_writer_flush(struct rec_writer *w, struct err *e);
uint64_t rec_writer_count(const struct rec_writer *w);
/* flushes, then frees; returns the flush result. Does not close fd. NULL is a no-op. */
int rec_writer_close(struct rec_writer *w, struct err *e);

/* ---- encoding and decoding single values ---- */
/* parses exactly one JSON value (surrounding whitespace allowed); any value, not only maps. */
int rec_json_parse(const char *s, size_t n, msgpack_zone *z, msgpack_object *out, struct err *e);
int rec_json_append(struct buf *b, const msgpack_object *v);        /* compact JSON */
int rec_json_append_pretty(struct buf *b, const msgpack_object *v); /* 2-space indent */
int rec_json_str_append(struct buf *b, const char *s, size_t n);    /* "..." escaped */
int rec_msgpack_append(struct buf *b, const msgpack_object *v);
/* checks a value read from MessagePack: valid UTF-8, decimal text, depth, no bin/other ext.
 * path gets the dotted path of the offending value. */
int rec_check(const msgpack_object *v, int depth, struct buf *path, struct err *e);
int rec_utf8_valid(const char *s, size_t n);
/* is s[0..n) a JSON number? */
int rec_number_valid(const char *s, size_t n);

/* ---- looking at values ---- */
const msgpack_object *rec_get(const msgpack_object *map, const char *key);
const msgpack_object *rec_getn(const msgpack_object *map, const char *key, size_t klen);
int rec_str_eq(const msgpack_object *v, const char *s); /* v is a STR equal to s */
int rec_is_meta_key(const msgpack_object *key);         /* STR starting with '_' */
int rec_is_number(const msgpack_object *v);  /* integer, decimal or float */
int rec_is_integer(const msgpack_object *v); /* POSITIVE/NEGATIVE_INTEGER */
int rec_to_int64(const msgpack_object *v, int64_t *out);  /* -1 if not an integer in range */
int rec_to_double(const msgpack_object *v, double *out);  /* -1 if not a number */
/* the text of a number (integer, decimal or float) into b, as it would be written to JSON */
int rec_number_text(struct buf *b, const msgpack_object *v);

/* ---- building values (in zone z) ---- */
static inline msgpack_object rec_nil(void) { msgpack_object o; o.type = MSGPACK_OBJECT_NIL; o.via.u64 = 0; return o; }
static inline msgpack_object rec_bool(int b) { msgpack_object o; o.type = MSGPACK_OBJECT_BOOLEAN; o.via.boolean = b != 0; return o; }
msgpack_object rec_int(int64_t i);
msgpack_object rec_uint(uint64_t u);
msgpack_object rec_strref(const char *s, size_t n); /* no copy */
int rec_strdup(msgpack_zone *z, const char *s, size_t n, msgpack_object *out);
/* a number from its JSON text: an integer when it is one that fits 64 bits, else a decimal.
 * -1 (errno EINVAL) when the text is not a JSON number. The text is copied into z. */
int rec_number(msgpack_zone *z, const char *s, size_t n, msgpack_object *out);
int rec_copy(msgpack_zone *z, const msgpack_object *in, msgpack_object *out); /* deep copy */

struct rec_mapb {
	msgpack_zone *z;
	msgpack_object_kv *kv;
	uint32_t n, cap;
};
void rec_mapb_init(struct rec_mapb *m, msgpack_zone *z);
int rec_mapb_put(struct rec_mapb *m, const char *key, msgpack_object val); /* key by reference */
int rec_mapb_putk(struct rec_mapb *m, msgpack_object key, msgpack_object val);
msgpack_object rec_mapb_done(struct rec_mapb *m);
/* copies the metadata keys ('_' prefix) of record in into m */
int rec_copy_meta(struct rec_mapb *m, const msgpack_object *in);

struct rec_arrb {
	msgpack_zone *z;
	msgpack_object *v;
	uint32_t n, cap;
};
void rec_arrb_init(struct rec_arrb *a, msgpack_zone *z);
int rec_arrb_push(struct rec_arrb *a, msgpack_object val);
msgpack_object rec_arrb_done(struct rec_arrb *a);

/* ---- rejects (design.md "Rejects") ----
 * One NDJSON line per rejected record, written with a single write(2) in O_APPEND mode so that
 * several stages may share one file:
 *   {"stage":S,"record_number":N,"field":F,"rule":R,"message":M,
 *    "errors":[{"field":F,"rule":R,"message":M},...],"source":{"record_number":N,"_...":...},
 *    "record":{...}}
 * field/rule/message repeat the first error. With no file (path NULL) each error is written
 * to fd 2 as "STAGE: record N: FIELD: MESSAGE (RULE)". The struct owns its buffers and fd. */
struct rej *rej_open(const char *path, const char *stage, struct err *e);
/* adds one reason for the record being rejected (fmt is the message) */
int rej_add(struct rej *r, const char *field, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int rej_pending(const struct rej *r); /* reasons added since the last commit */
/* writes the line for record number recno with the reasons added, then clears them */
int rej_commit(struct rej *r, uint64_t recno, const msgpack_object *record, struct err *e);
uint64_t rej_count(const struct rej *r); /* records rejected so far */
int rej_close(struct rej *r, struct err *e); /* NULL is a no-op */
#endif
