/* version.h: the version every tool prints for --version (docs/cli.md). The Makefile passes
 * its VERSION as DBXI_VERSION; this fallback is for builds outside it. */
#ifndef DBXI_VERSION_H
#define DBXI_VERSION_H
#ifndef DBXI_VERSION
#define DBXI_VERSION "0.1.0"
#endif
/* the common end of every --help text (design.md's statuses) */
#define DBXI_HELP_EXIT \
	"Exit status: 0 done, 64 usage, 65 bad input, 69 unavailable, 75 temporary failure (try\n" \
	"again), 77 credentials refused, 78 configuration refused.\n"
#endif
