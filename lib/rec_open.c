/* rec_open.c: see rec_open.h. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rec_open.h"

int
rec_open_input(const char *path, struct err *e)
{
	struct stat st;
	int fd;
	if (!path || strcmp(path, "-") == 0)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, XIT_USAGE, "cannot open %s:", path);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, XIT_USAGE, "%s: is a directory", path);
	}
	return fd;
}
