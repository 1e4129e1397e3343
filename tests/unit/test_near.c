/* test_near: the "did you mean" choice (#12 §1, §6): word runs, edit distance, order. */
#include <string.h>
#include "near.h"
#include "tap.h"

/* the closest of a NULL-terminated list to want, or NULL */
static const char *
best(const char *want, const char *const *cands)
{
	static char out[64];
	struct near n;
	near_init(&n, want, strlen(want));
	for (; *cands; cands++)
		near_try(&n, *cands, strlen(*cands));
	if (!n.best)
		return NULL;
	memcpy(out, n.best, n.bn);
	out[n.bn] = 0;
	return out;
}

int
main(void)
{
	is_str(best("loyalty_tier", (const char *const[]){"tier", "coupon", NULL}), "tier",
	       "a word of the name");
	is_str(best("coupon_code", (const char *const[]){"tier", "coupon", NULL}), "coupon",
	       "the first word of the name");
	is_str(best("tier", (const char *const[]){"loyalty_tier", NULL}), "loyalty_tier",
	       "the name is a word of the candidate");
	is_str(best("email", (const char *const[]){"emial", "phone", NULL}), "emial",
	       "a swap of two letters");
	is_str(best("Email", (const char *const[]){"emial", NULL}), "emial", "case does not count");
	is_str(best("emial", (const char *const[]){"email", "e_mail", NULL}), "email",
	       "the smaller distance wins");
	is_str(best("gift_note", (const char *const[]){"tier", "coupon", NULL}), NULL,
	       "nothing close: no guess");
	is_str(best("email", (const char *const[]){"email", NULL}), NULL, "the same name is no hint");
	is_str(best("id", (const char *const[]){"ab", NULL}), NULL, "two short names that share nothing");
	is_str(best("abcd", (const char *const[]){"abce", "abcf", NULL}), "abce",
	       "a tie: the first in byte order");
	is_str(best("abcd", (const char *const[]){"abcf", "abce", NULL}), "abce",
	       "a tie: the same whatever the order of the tries");
	is_str(best("tier", (const char *const[]){"tie", "loyalty_tier", NULL}), "loyalty_tier",
	       "a word run beats a distance");
	is_str(best("tiers", (const char *const[]){"xxtiersxx", NULL}), NULL,
	       "inside a word is not a word run");
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	is_str(best(longname, (const char *const[]){"aaaa", NULL}), NULL,
	       "a name longer than the distance limit: no guess, no overflow");
	return tap_done();
}
