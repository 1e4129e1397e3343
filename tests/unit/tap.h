/* tap.h: a minimal TAP producer for the C unit tests of lib/. Header-only: each test is one
 * program whose main() calls the checks and returns tap_done(). */
#ifndef TAP_H
#define TAP_H
#include <stdio.h>
#include <string.h>
static int tap_n, tap_failed;
#define ok(cond, ...) do { int ok_ = !!(cond); tap_n++; if (!ok_) tap_failed++; \
	printf("%sok %d - ", ok_ ? "" : "not ", tap_n); printf(__VA_ARGS__); putchar('\n'); \
	if (!ok_) printf("#   at %s:%d\n", __FILE__, __LINE__); } while (0)
#define is_int(got, want, ...) do { long long g_ = (got), w_ = (want); ok(g_ == w_, __VA_ARGS__); \
	if (g_ != w_) printf("#   got %lld, want %lld\n", g_, w_); } while (0)
#define is_str(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
	int e_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_; ok(e_, __VA_ARGS__); \
	if (!e_) printf("#   got  '%s'\n#   want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)
static int tap_done(void) { printf("1..%d\n", tap_n); return tap_failed != 0; }
#endif
