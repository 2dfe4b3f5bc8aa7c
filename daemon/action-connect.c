/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connecting a socket for a target, to an endpoint its policy names
 * (addresses resolved at policy load). Safe for whoever reaches it: the
 * endpoint is the policy's, never the target's choice beyond picking one;
 * the connect runs under the owner's credentials (a UNIX socket the owner
 * cannot write to stays closed), and is non-blocking, so a slow peer
 * cannot stall the event loop: the socket is handed out while its
 * handshake may still be in progress.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "action.h"
#include "macro.h"

int
action_connect(const struct policy_connect_rule *r)
{
	int last = -ENOENT;

	for (size_t i = 0; i < r->n_addrs; i++) {
		const struct sockaddr *sa = (const struct sockaddr *) &r->addrs[i];
		_cleanup_close_ int fd = -1;

		fd = socket(sa->sa_family, r->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, sa, r->addr_lens[i]) < 0 && errno != EINPROGRESS) {
			last = -errno;
			continue;
		}
		(void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		return TAKE_FD(fd);
	}
	return last;
}
