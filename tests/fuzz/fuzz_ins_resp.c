/* libFuzzer: Insider's upsert answers (lib/ins_resp.c) on any bytes. The first byte is the
 * request's user count; the rest is the body. Every error must name a user inside the
 * request or none, split keys must stay inside the key, and messages must be one clean line. */
#include <stdlib.h>
#include <string.h>
#include "ins_resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t nusers = data[0];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	struct err e = ERR_INIT;
	struct ins_resp r;
	if (ins_resp_parse(body, len, nusers, &r, &e) == 0) {
		for (size_t i = 0; i < r.nfails; i++) {
			const struct ins_fail *f = &r.fails[i];
			if (f->user < -1 || (f->user >= 0 && (size_t)f->user >= nusers))
				abort();
			if (!f->key || !f->field || !f->rule || f->nmsgs < 1)
				abort();
			for (size_t m = 0; m < f->nmsgs; m++)
				if (!f->msgs[m])
					abort();
			unsigned long u;
			const char *fp, *rp;
			size_t fn, rn, kn = strlen(f->key);
			if (ins_error_key(f->key, kn, &u, &fp, &fn, &rp, &rn) == 0) {
				if (fp < f->key || fp + fn > f->key + kn || rp < f->key || rp + rn > f->key + kn)
					abort();
			}
		}
		if (!r.understood && r.nfails)
			abort();
	}
	ins_resp_free(&r);
	/* the key grammar alone, on the raw bytes */
	unsigned long u;
	const char *fp, *rp;
	size_t fn, rn;
	if (ins_error_key(body, len, &u, &fp, &fn, &rp, &rn) == 0
	    && (fp + fn > body + len || rp + rn > body + len))
		abort();
	char msg[320];
	ins_resp_message(body, len, msg, sizeof msg);
	size_t ml = strlen(msg);
	if (ml > 300)
		abort();
	for (size_t i = 0; i < ml; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			abort();
	return 0;
}
