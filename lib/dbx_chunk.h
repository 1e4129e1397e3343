/* dbx_chunk.h: the fast path for an external link's JSON_ARRAY chunk body (#14.2).
 *
 * A chunk body is a JSON array of rows, each an array of strings and nulls
 * (docs reference: databricks.md, JSON_ARRAY format). dbx_chunk_scan checks a whole body
 * against that shape (strict JSON: valid UTF-8, no raw control characters, known escapes,
 * paired surrogates) without building anything; dbx_chunk_row then hands out the values of
 * one row at a time, pointing into the body (escaped strings: into a scratch area).
 * A body the scan does not take (any other shape, any doubt) goes to the generic parser
 * (rec_json_parse), which gives the same values, or the error: the fast path never accepts
 * a text the generic parser refuses, and gives the same strings (tests/fuzz/fuzz_dbx_chunk.c
 * checks both).
 *
 * Ownership: values point into the body, which the caller keeps alive. Nothing allocates,
 * prints or exits.
 */
#ifndef DBXI_DBX_CHUNK_H
#define DBXI_DBX_CHUNK_H
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define DBX_CHUNK_ESC 0x80000000u /* len: the string has escapes (decoded when read) */
#define DBX_CHUNK_DEC 0x40000000u /* len: decoded, off is in the chunk's scratch */
#define DBX_CHUNK_MAX 0x3fffffffu /* the largest body the scan takes */
struct dbx_chunk_val {
	uint32_t off; /* after the opening quote; UINT32_MAX: null */
	uint32_t len;
};
/* the index of a scanned body: its values, and the first value of each row (ro[nrows]: the
 * end). Reused from body to body (dbx_chunk_free). */
struct dbx_chunk {
	struct dbx_chunk_val *v;
	uint32_t *ro;
	size_t vcap, rcap;
	uint32_t nrows;
	size_t n;             /* the body's length */
	char *dec;            /* escaped strings decoded, one after the other (room: n + 16) */
	size_t dcap, dlen;
};

/* 1: s[0..n) is an array of arrays of strings and nulls, indexed in c; 0: not taken (the
 * generic parser decides); -1: out of memory */
int dbx_chunk_scan(struct dbx_chunk *c, const char *s, size_t n);
/* the values of row r (< c->nrows) of a body dbx_chunk_scan took: into v[0..cap) (the first
 * cap of them); escaped strings are decoded into the chunk's scratch the first time they are
 * read (the body is left as it is); values stay valid until the next scan or free. Returns
 * how many values the row has. */
uint32_t dbx_chunk_row(struct dbx_chunk *c, char *s, uint32_t r, msgpack_object *v, uint32_t cap);
void dbx_chunk_free(struct dbx_chunk *c);
/* length of a valid UTF-8 sequence at p (2..4), 0 if invalid or cut off by e */
int dbx_utf8_seq(const unsigned char *p, const unsigned char *e);
#endif
