/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The broker channel's decoder as daemon/broker/broker.c applies it: the message
 * goes through a real SOCK_SEQPACKET pair with the fds the input asks for,
 * is received as on_read() receives it (sbx_recv_msg() with no fds
 * allowed, so any fd is a violation and must be closed), then
 * sbx_reader_init() and broker_decode().
 *
 * Input: byte 0 bits 0-1 the number of fds to attach (0 to SBX_FDS_MAX),
 * bits 3-5 their kinds; the rest is the datagram.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "broker.h"
#include "fdpass.h"
#include "fuzz.h"
#include "macro.h"
#include "policy.h"

static void
check_path(const char *s, const uint8_t *buf, size_t size)
{
	const uint8_t *p = (const uint8_t *) s;

	if (!s || p < buf || p >= buf + size || strnlen(s, SBX_PATH_MAX) >= SBX_PATH_MAX ||
	    !memchr(s, '\0', (size_t) (buf + size - p)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[SBX_MSG_SIZE_MAX];
	static int sv[2] = { -1, -1 };
	struct broker_request req;
	struct sbx_reader rd;
	int fds[SBX_FDS_MAX], got[SBX_FDS_MAX];
	size_t n_fds, n_got = 0;
	unsigned before;
	ssize_t n;
	int r;

	if (size < 1 || size - 1 > SBX_MSG_SIZE_MAX + 1)
		return 0;
	if (sv[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	n_fds = data[0] & 3;
	before = testlib_count_fds();
	fuzz_open_fds(fds, n_fds, (unsigned) data[0] >> 3);

	r = sbx_send_msg(sv[0], data + 1, size - 1, fds, n_fds);
	for (size_t i = 0; i < n_fds; i++)
		fds[i] = safe_close(fds[i]);
	if (r < 0)
		abort();	/* a datagram this small always fits the pair's buffer */

	n = sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_got, 0);
	if (n_got != 0)
		abort();	/* the broker accepts no fds */
	if (n < 0 && n != -EBADMSG)
		abort();
	if (n > 0 && sbx_reader_init(&rd, buf, (size_t) n) >= 0 && broker_decode(&rd, &req) >= 0) {
		if (req.type != rd.hdr.type || (req.type == SBX_MSG_BROKER_RENAME) != !!req.path2)
			abort();
		check_path(req.path, buf, (size_t) n);
		if (req.path2)
			check_path(req.path2, buf, (size_t) n);
		if (req.need & ~(POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE |
		    POLICY_RIGHT_DELETE))
			abort();
	}

	fuzz_assert_fds(before, "sbx_recv_msg + broker_decode");
	return 0;
}
