/* scrub.c: see scrub.h. */
#include <string.h>
#include "scrub.h"

int
scrub_add(struct scrub *s, const char *secret)
{
	if (!secret || !*secret)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->secret[i], secret) == 0)
			return 0;
	if (s->n >= SCRUB_MAX)
		return -1;
	s->secret[s->n++] = secret;
	return 0;
}

static size_t
scrub_n(const struct scrub *s, char *text, size_t len)
{
	size_t hits = 0;
	if (!s || !text)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t k = strlen(s->secret[i]);
		if (k == 0 || k > len)
			continue;
		for (size_t at = 0; at + k <= len;) {
			char *p = memchr(text + at, s->secret[i][0], len - at - k + 1);
			if (!p)
				break;
			at = (size_t)(p - text);
			if (memcmp(p, s->secret[i], k) == 0) {
				memset(p, '*', k);
				hits++;
				at += k;
			} else {
				at++;
			}
		}
	}
	return hits;
}

size_t
scrub_text(const struct scrub *s, char *text)
{
	return text ? scrub_n(s, text, strlen(text)) : 0;
}

void
scrub_copy(const struct scrub *s, char *out, size_t outlen, const char *in, size_t n)
{
	if (outlen == 0)
		return;
	if (!in)
		n = 0;
	/* a secret cut by the end of out: scrub a window that reaches past the cut, then copy */
	size_t take = n < outlen - 1 ? n : outlen - 1;
	memcpy(out, in, take);
	out[take] = 0;
	scrub_text(s, out);
	if (take < n && s) {
		/* a secret that starts before the cut and ends after it */
		for (size_t i = 0; i < s->n; i++) {
			size_t k = strlen(s->secret[i]);
			for (size_t back = 1; back < k && back <= take; back++) {
				size_t st = take - back;
				if (st + k <= n && memcmp(in + st, s->secret[i], k) == 0)
					memset(out + st, '*', back);
			}
		}
	}
}
