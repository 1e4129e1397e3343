/* test_scrub.c: lib/scrub (issue 10 item 12: one function scrubs every string that leaves). */
#include <string.h>
#include "scrub.h"
#include "tap.h"

int
main(void)
{
	struct scrub s = SCRUB_INIT;
	ok(scrub_add(&s, "abc123") == 0 && scrub_add(&s, NULL) == 0 && scrub_add(&s, "") == 0
	   && s.n == 1, "#10.12 NULL and empty secrets ignored");
	ok(scrub_add(&s, "abc123") == 0 && s.n == 1, "#10.12 a secret added twice is held once");
	char t[] = "token abc123 and abc123!";
	ok(scrub_text(&s, t) == 2, "#10.12 two occurrences");
	is_str(t, "token ****** and ******!", "#10.12 scrubbed in place");
	char k[] = "users.1.abc123.required(abc123)";
	scrub_text(&s, k);
	is_str(k, "users.1.******.required(******)", "#10.12 an error key");
	scrub_add(&s, "zz9");
	char two[] = "zz9abc123zz9";
	ok(scrub_text(&s, two) == 3, "#10.12 two secrets");
	is_str(two, "************", "#10.12 both gone");
	char out[10];
	scrub_copy(&s, out, sizeof out, "12345abc123", 11);
	is_str(out, "12345****", "#10.12 a secret cut by the end of the copy is not left in part");
	scrub_copy(&s, out, sizeof out, "ab", 2);
	is_str(out, "ab", "#10.12 a short copy");
	ok(scrub_text(NULL, out) == 0, "#10.12 no scrubber: nothing done");
	char plain[] = "nothing secret";
	ok(scrub_text(&s, plain) == 0 && strcmp(plain, "nothing secret") == 0, "#10.12 text without secrets unchanged");
	return tap_done();
}
