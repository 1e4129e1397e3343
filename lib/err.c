/* err.c: see err.h. The only module that prints or exits; cmd/ alone calls these. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "err.h"

const char *PROG = "dbx-insider";

static void
vfmt(char *buf, size_t len, int errnum, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= len)
		n = (int)len - 1;
	if (fmt[0] && fmt[strlen(fmt) - 1] == ':' && (size_t)n + 2 < len)
		snprintf(buf + n, len - (size_t)n, " %s", strerror(errnum));
}

void
err_init(const char *prog, char **argv)
{
	PROG = prog;
	if (argv && argv[0])
		argv[0] = (char *)prog;
	signal(SIGPIPE, SIG_IGN);
}

int
err_set(struct err *e, int status, const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;
	e->status = status;
	va_start(ap, fmt);
	vfmt(e->msg, sizeof e->msg, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

static void
vwarn(const char *fmt, va_list ap)
{
	char buf[2048];
	vfmt(buf, sizeof buf, errno, fmt, ap);
	fprintf(stderr, "%s: %s\n", PROG, buf);
}

void
err_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
err_die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
err_exit(const struct err *e)
{
	if (e->status == XIT_EPIPE)
		err_epipe();
	fprintf(stderr, "%s: %s\n", PROG, e->msg);
	exit(e->status ? e->status : 1);
}

void
err_usage(const char *usage, int status)
{
	FILE *f = status ? stderr : stdout;
	fprintf(f, "usage: %s\n", usage);
	if (status)
		fprintf(f, "Try '%s --help' for more information.\n", PROG);
	else
		err_close_stdout();
	exit(status);
}

void
err_epipe(void)
{
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(XIT_TEMPFAIL);
}

void
err_close_stdout(void)
{
	int bad = ferror(stdout);
	errno = 0;
	if (fflush(stdout) != 0 || bad) {
		if (errno == EPIPE)
			err_epipe();
		err_die(XIT_TEMPFAIL, "writing output failed:");
	}
	if (fclose(stdout) != 0) {
		if (errno == EPIPE)
			err_epipe();
		err_die(XIT_TEMPFAIL, "writing output failed:");
	}
}
