/* rec_open.h: the input of a filter: a FILE argument, or standard input for none or "-"
 * (docs/cli.md). */
#ifndef DBXI_REC_OPEN_H
#define DBXI_REC_OPEN_H
#include "err.h"

/* a read-only fd for path (close it when > 0), 0 for NULL or "-", or -1 with e (XIT_USAGE):
 * "cannot open PATH: REASON", or "PATH: is a directory". */
int rec_open_input(const char *path, struct err *e);
#endif
