/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See fdpass.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "macro.h"
#include "sandbox-protocol.h"

/* Room for more fds than any message may carry, so an excess is seen and
 * closed rather than silently truncated by the kernel. */
#define FDS_ROOM 16

static void
close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fds[i] = safe_close(fds[i]);
}

ssize_t
sbx_recv_msg(int sock, void *buf, size_t size, int *fds, size_t *n_fds, size_t max_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * FDS_ROOM)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &control,
		.msg_controllen = sizeof(control),
	};
	int got[FDS_ROOM];
	size_t n_got = 0;
	bool bad = false;
	ssize_t n;

	*n_fds = 0;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (n_got < FDS_ROOM)
					got[n_got++] = fd;
				else
					(void) close(fd);
			}
		} else
			bad = true;
	}

	/* An empty datagram is no message, and one with fds is not EOF either:
	 * returning 0 would leave its fds to a caller that takes 0 for EOF. */
	if (bad || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n_got > max_fds ||
	    (n == 0 && n_got > 0)) {
		close_all(got, n_got);
		return -EBADMSG;
	}
	memcpy(fds, got, n_got * sizeof(int));
	*n_fds = n_got;
	return n;
}

int
sbx_send_msg(int sock, const void *buf, size_t size, const int *fds, size_t n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * SBX_FDS_MAX)];
	} control = {};
	struct iovec iov = { .iov_base = (void *) buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (n_fds > SBX_FDS_MAX)
		return -EINVAL;
	if (n_fds > 0) {
		struct cmsghdr *c;

		mh.msg_control = &control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t) n != size)
		return -EIO;
	return 0;
}
