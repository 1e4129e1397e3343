/* near.h: the closest of a set of names to a given one, for "did you mean" hints (a mapping
 * column typo, a custom field the account names differently).
 *
 * A candidate is close when it is one of the name's '_'-separated words or word runs, or the
 * name is one of its word runs ("tier" for "loyalty_tier", "coupon" for "coupon_code"), or
 * when its edit distance (case-insensitive, a swap of two neighbours counts 1) is at most
 * max(2, shorter length / 3). Word runs win over distance; then the smaller distance; then
 * the name first in byte order, so the answer does not depend on the order of the tries.
 *
 * Ownership: struct near borrows want and every candidate; best points at a candidate, valid
 * as long as the caller keeps it.
 */
#ifndef DBXI_NEAR_H
#define DBXI_NEAR_H
#include <stddef.h>

struct near {
	const char *want;
	size_t wn;
	const char *best; /* NULL: nothing close yet */
	size_t bn;
	size_t score;
};

void near_init(struct near *n, const char *want, size_t wn);
void near_try(struct near *n, const char *cand, size_t cn);
#endif
