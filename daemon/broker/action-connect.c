/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connecting a socket for a target, to an endpoint its policy names
 * (addresses resolved at policy load). Safe for whoever reaches it: the
 * endpoint is the policy's, never the target's choice beyond picking one;
 * the connect runs under the owner's credentials (a UNIX socket the owner
 * cannot write to stays closed, and the service behind it sees the owner
 * as its peer), on a worker thread (broker.c), waiting for the handshake
 * at most for a bound, so a refused or unreachable endpoint is reported
 * to the target as such.
 *
 * A UNIX socket path is resolved without following any symlink: the
 * policy load refused sockets that lie where a target may create, rename
 * or delete, and here the path itself is opened with openat2(O_PATH,
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), the opened inode must be
 * a socket (fstat), and we connect to that very inode through
 * /proc/self/fd/N, so nothing renamed or planted in any component between
 * the check and the connect can redirect it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "action.h"
#include "macro.h"

/* The address to connect to for a UNIX socket path: the socket inode
 * itself, opened without following symlinks, as /proc/self/fd/N. */
static int
open_unix_target(const struct sockaddr_un *sa, struct sockaddr_un *ret, socklen_t *ret_len)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -1;
	struct stat st;
	int n;

	fd = (int) syscall(SYS_openat2, AT_FDCWD, sa->sun_path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ECONNREFUSED;
	*ret = (struct sockaddr_un) { .sun_family = AF_UNIX };
	n = snprintf(ret->sun_path, sizeof(ret->sun_path), "/proc/self/fd/%d", fd);
	if (n < 0 || (size_t) n >= sizeof(ret->sun_path))
		return -ENAMETOOLONG;
	*ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + (size_t) n + 1);
	return TAKE_FD(fd);
}

/* SO_SNDTIMEO bounds a blocking connect(); 0 takes the bound away again. */
static int
set_send_timeout(int fd, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

int
action_connect(const struct policy_connect_rule *r, unsigned timeout_ms)
{
	int last = -ENOENT;

	for (size_t i = 0; i < r->n_addrs; i++) {
		const struct sockaddr *sa = (const struct sockaddr *) &r->addrs[i];
		socklen_t len = r->addr_lens[i];
		_cleanup_close_ int fd = -1, inode = -1;
		struct sockaddr_un un;
		int k;

		if (sa->sa_family == AF_UNIX) {
			inode = open_unix_target((const struct sockaddr_un *) sa, &un, &len);
			if (inode < 0)
				return inode;
			sa = (const struct sockaddr *) &un;
		}
		fd = socket(sa->sa_family, r->type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		/* Made in the host's network namespace: a name the target
		 * bind()s it to later would be one of the host's abstract
		 * names. Autobound now, it can take none. */
		if (sa->sa_family == AF_UNIX &&
		    bind(fd, &(struct sockaddr) { .sa_family = AF_UNIX }, sizeof(sa_family_t)) < 0)
			return -errno;
		k = set_send_timeout(fd, timeout_ms);
		if (k < 0)
			return k;
		if (connect(fd, sa, len) < 0) {
			/* EINPROGRESS from a blocking socket: the bound passed. */
			last = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
			continue;
		}
		k = set_send_timeout(fd, 0);
		if (k < 0)
			return k;
		return TAKE_FD(fd);
	}
	return last;
}
