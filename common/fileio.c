/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one whole-file reader, for sandboxd.conf, policy files and the
 * policy texts sandboxctl sends (see fileio.h). It reads one byte more
 * than allowed, so a file that is too large is refused rather than cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

int
read_full_fd(int fd, size_t max, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;

	buf = malloc(max + 2);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k = read(fd, buf + n, max + 1 - n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t) k;
		if (n > max)
			return -EFBIG;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		return -EBADMSG;
	*ret = TAKE_PTR(buf);
	if (ret_size)
		*ret_size = n;
	return 0;
}

int
write_string_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		r = -errno;
	else if ((size_t) n != len)
		r = -EIO;
	(void) close(fd);
	return r;
}
