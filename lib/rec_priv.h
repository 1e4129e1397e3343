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
	size_t budget;  /* bytes the decoded record may take (0: no limit) */
	size_t used;    /* taken so far: zone allocations and stack growth */
	int toobig;     /* set when used went past budget */
};
/* the limit from the environment, the default when it is bad (rec_max_record tells) */
size_t rec_limit_env(void);
/* rejects record recno as too large: what ("record", "output record") of size bytes over
 * max; keeps v's small top-level members (v may be NULL) */
int rec_reject_too_large(struct rej *rj, uint64_t recno, const msgpack_object *v, const char *what,
    size_t size, size_t max, struct err *e);
int rec_jp_value(struct jp *j, msgpack_object *out, int depth);
void rec_jp_reset(struct jp *j);
void rec_jp_free(struct jp *j);
int rec_utf8_seq(const unsigned char *p, const unsigned char *end);
int rec_int_from_text(const char *s, size_t n, msgpack_object *out);
#endif
