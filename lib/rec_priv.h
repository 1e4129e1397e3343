/* rec_priv.h: internals shared by the rec_*.c files; not for other modules. */
#ifndef DBXI_REC_PRIV_H
#define DBXI_REC_PRIV_H
#include "rec.h"

/* JSON parser state. Stacks (vst, kst) are heap arrays owned by the parser, reused across
 * records; values are built in z. */
struct jp {
	const char *p, *end;
	msgpack_zone *z;
	int final;      /* the text ends at end: no more will come */
	int incomplete; /* set when the text ended inside a value and !final */
	const char *err, *errpos;
	msgpack_object *vst;
	size_t vn, vcap;
	msgpack_object_kv *kst;
	size_t kn, kcap;
};
int rec_jp_value(struct jp *j, msgpack_object *out, int depth);
void rec_jp_reset(struct jp *j);
void rec_jp_free(struct jp *j);
int rec_utf8_seq(const unsigned char *p, const unsigned char *end);
int rec_int_from_text(const char *s, size_t n, msgpack_object *out);
#endif
