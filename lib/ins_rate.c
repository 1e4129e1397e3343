/* ins_rate.c: see ins_rate.h. */
#include "ins_rate.h"

void
ins_rate_init(struct ins_rate *r, double per_minute, double burst, int64_t now_us)
{
	r->per_us = per_minute > 0 ? per_minute / 60e6 : 0;
	r->burst = burst >= 1 ? burst : 1;
	r->tokens = r->burst;
	r->last_us = now_us;
}

int64_t
ins_rate_take(struct ins_rate *r, int64_t now_us)
{
	if (r->per_us <= 0)
		return 0;
	if (now_us > r->last_us) {
		r->tokens += (double)(now_us - r->last_us) * r->per_us;
		if (r->tokens > r->burst)
			r->tokens = r->burst;
		r->last_us = now_us;
	}
	if (r->tokens >= 1.0) {
		r->tokens -= 1.0;
		return 0;
	}
	int64_t wait = (int64_t)((1.0 - r->tokens) / r->per_us) + 1;
	return wait > 0 ? wait : 1;
}
