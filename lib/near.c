/* near.c: see near.h. */
#include <string.h>
#include "near.h"

#define NEAR_MAXLEN 128 /* longer names are compared for word runs only */

static unsigned char
low(char c)
{
	return (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static int
ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (low(a[i]) != low(b[i]))
			return 0;
	return 1;
}

/* is s (n) a run of whole '_'-separated words of t (tn)? */
static int
word_run(const char *s, size_t n, const char *t, size_t tn)
{
	if (n == 0 || n >= tn)
		return 0;
	for (size_t i = 0; i + n <= tn; i++)
		if ((i == 0 || t[i - 1] == '_') && (i + n == tn || t[i + n] == '_') && ieq(s, t + i, n))
			return 1;
	return 0;
}

/* optimal string alignment distance, case-insensitive */
static size_t
dist(const char *a, size_t an, const char *b, size_t bn)
{
	size_t r0[NEAR_MAXLEN + 1], r1[NEAR_MAXLEN + 1], r2[NEAR_MAXLEN + 1];
	size_t *pp = r0, *p = r1, *c = r2;
	for (size_t j = 0; j <= bn; j++)
		p[j] = j;
	for (size_t i = 1; i <= an; i++) {
		c[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			size_t cost = low(a[i - 1]) != low(b[j - 1]);
			size_t v = p[j - 1] + cost;
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1]) &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		size_t *t = pp;
		pp = p, p = c, c = t;
	}
	return p[bn];
}

void
near_init(struct near *n, const char *want, size_t wn)
{
	n->want = want, n->wn = wn;
	n->best = NULL, n->bn = 0;
	n->score = (size_t)-1;
}

void
near_try(struct near *n, const char *cand, size_t cn)
{
	size_t score, lim;
	if (cn == n->wn && ieq(cand, n->want, cn))
		return; /* the same name is no hint */
	if (word_run(cand, cn, n->want, n->wn) || word_run(n->want, n->wn, cand, cn))
		score = 0;
	else {
		if (cn > NEAR_MAXLEN || n->wn > NEAR_MAXLEN)
			return;
		lim = (cn < n->wn ? cn : n->wn) / 3;
		if (lim < 2)
			lim = 2;
		size_t d = dist(n->want, n->wn, cand, cn);
		if (d > lim || d >= cn || d >= n->wn)
			return;
		score = d;
	}
	if (n->best && (score > n->score ||
			(score == n->score && (strncmp(cand, n->best, cn < n->bn ? cn : n->bn) > 0 ||
				(strncmp(cand, n->best, cn < n->bn ? cn : n->bn) == 0 && cn >= n->bn)))))
		return;
	n->best = cand, n->bn = cn, n->score = score;
}
