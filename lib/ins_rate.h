/* ins_rate.h: the account's request budget (Insider: 25,000 requests a minute, shared by every
 * request: first attempts and retries alike), as a token bucket on a clock the caller gives.
 *
 * The bucket fills at per_minute/60 tokens a second up to `burst` tokens and starts full; one
 * request takes one token. With burst B, any 60 s window holds at most per_minute + B
 * requests. insider-push uses a burst of 1: requests are evenly paced, so that the account's
 * limit holds however Insider measures it (fixed or sliding minute, token bucket of any
 * size). per_minute <= 0 means no limit.
 * Ownership: a plain struct, the caller's; nothing allocated. Pure: no clock read here.
 */
#ifndef DBXI_INS_RATE_H
#define DBXI_INS_RATE_H
#include <stdint.h>

struct ins_rate {
	double per_us;   /* tokens per microsecond; 0 = unlimited */
	double burst;
	double tokens;
	int64_t last_us;
};
void ins_rate_init(struct ins_rate *r, double per_minute, double burst, int64_t now_us);
/* ins_rate_take: 0 when a token was taken; otherwise the microseconds until one is due
 * (nothing taken). */
int64_t ins_rate_take(struct ins_rate *r, int64_t now_us);
#endif
