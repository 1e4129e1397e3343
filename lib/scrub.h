/* scrub.h: the one function that takes secrets out of text before it leaves a tool.
 *
 * A struct scrub holds the secrets a tool knows (an API token, a client secret, an OAuth
 * access token): pointers only, the strings stay the caller's and must outlive it. scrub_text
 * overwrites every occurrence of every secret in a string with '*' (same length, in place).
 * Every string that comes from a service and leaves the tool (error messages, Insider's error
 * keys and the field and rule cut from them, journal and progress lines, rejects, warnings)
 * goes through scrub_text or scrub_copy first. Nothing here allocates, prints or exits.
 */
#ifndef DBXI_SCRUB_H
#define DBXI_SCRUB_H
#include <stddef.h>

#define SCRUB_MAX 8

struct scrub {
	const char *secret[SCRUB_MAX];
	size_t n;
};
#define SCRUB_INIT { { 0 }, 0 }

/* scrub_add: remembers secret (NULL or "" are ignored: 0). -1 when SCRUB_MAX are held. */
int scrub_add(struct scrub *s, const char *secret);
/* scrub_text: every occurrence of each secret in text (NUL-terminated) becomes '*'s. s may be
 * NULL (nothing to do). Returns the number of occurrences replaced. */
size_t scrub_text(const struct scrub *s, char *text);
/* scrub_copy: copies n bytes of in (cut to fit, NUL-terminated) into out, then scrub_text.
 * The secret is looked for in the whole of in first, so a cut never leaves part of one. */
void scrub_copy(const struct scrub *s, char *out, size_t outlen, const char *in, size_t n);
#endif
