/* err.h: exit statuses (design.md section 3) and the one error module.
 *
 * Ownership: nothing here allocates. PROG is a static string set once by each main().
 * err_die/err_warn print "PROG: message" on stderr; a format ending in ':' appends the errno
 * text. They are for cmd/ only: lib/ never prints or exits, it returns a status and fills a
 * struct err that cmd/ reports.
 */
#ifndef DBXI_ERR_H
#define DBXI_ERR_H
#include <stddef.h>

enum {
	XIT_OK = 0,           /* every record passed on, delivered or rejected with its reason */
	XIT_USAGE = 64,       /* wrong usage */
	XIT_DATAERR = 65,     /* malformed input records */
	XIT_UNAVAILABLE = 69, /* a service stayed unavailable after the retries */
	XIT_TEMPFAIL = 75,    /* temporary failure: run again later, nothing lost */
	XIT_NOPERM = 77,      /* credentials refused or permission missing */
	XIT_CONFIG = 78,      /* configuration refused */
	XIT_EPIPE = 141       /* internal: stdout's reader went away; err_exit ends quietly */
};

/* A library error: the exit status it maps to and a message without the PROG prefix. */
struct err {
	int status;
	char msg[1024];
};
#define ERR_INIT { 0, { 0 } }

/* err_set: fills e (status, printf-style message); returns -1 so that lib/ can
 * `return err_set(e, XIT_DATAERR, "...")`. A trailing ':' in fmt appends strerror(errno). */
int err_set(struct err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

extern const char *PROG;
/* err_init: every main() starts with it: sets PROG (and argv[0], which getopt names in its
 * messages), and ignores SIGPIPE so that a closed downstream pipe comes back as EPIPE from
 * write(2); the tool then cleans up and ends quietly through err_epipe(). */
void err_init(const char *prog, char **argv);
void err_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void err_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_exit: reports e (as "PROG: msg") and exits with its status. */
_Noreturn void err_exit(const struct err *e);
/* err_usage: prints usage to stdout and exits 0 when status is 0, else to stderr with status. */
_Noreturn void err_usage(const char *usage, int status);
/* err_close_stdout: flushes and closes stdout; a write error exits 75 with a message, EPIPE ends
 * the process quietly by SIGPIPE. Call before returning from main. */
void err_close_stdout(void);
/* err_epipe: a write to stdout met EPIPE: end quietly as a killed-by-SIGPIPE filter does. */
_Noreturn void err_epipe(void);
#endif
