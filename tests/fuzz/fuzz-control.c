/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket's decoder as the daemon applies it: dispatch_decode()
 * (header, type table, HELLO first, size bounds, fd count, the type's
 * payload decoder) on one message with real fds attached.
 *
 * Input: byte 0 says how the message arrives: bits 0-1 the number of fds
 * (0 to SBX_FDS_MAX), bit 2 whether the peer has said HELLO, bits 3-5 the
 * kind of each fd (/dev/null or a pipe). The rest is the datagram. Every fd
 * must be closed afterwards whatever the outcome, and every decoded string
 * must lie within the message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "fuzz.h"
#include "sandbox-protocol.h"

static void
check_str(const char *s, const uint8_t *buf, size_t size)
{
	const uint8_t *p = (const uint8_t *) s;

	if (!s || p < buf || p >= buf + size || !memchr(s, '\0', (size_t) (buf + size - p)))
		abort();
}

static void
check_strv(const char *const *v, size_t n, const uint8_t *buf, size_t size)
{
	for (size_t i = 0; i < n; i++)
		check_str(v[i], buf, size);
	if (v[n])
		abort();
}

static void
check_args(const struct req_ctx *ctx, const uint8_t *buf, size_t size)
{
	const union req_args *a = &ctx->args;

	switch (ctx->entry->type) {
	case SBX_MSG_HELLO:
		if (a->hello.flags != 0)
			abort();
		break;
	case SBX_MSG_SPAWN:
		if (a->spawn.fixed.n_argv < 1 || a->spawn.fixed.n_argv > SBX_ARGV_MAX ||
		    a->spawn.fixed.n_env > SBX_ENV_MAX || strlen(a->spawn.policy) >= SBX_NAME_MAX)
			abort();
		check_str(a->spawn.policy, buf, size);
		check_str(a->spawn.cwd, buf, size);
		check_strv(a->spawn.argv, a->spawn.fixed.n_argv, buf, size);
		check_strv(a->spawn.env, a->spawn.fixed.n_env, buf, size);
		break;
	case SBX_MSG_POLICY_SHOW:
		check_str(a->policy_show.name, buf, size);
		if (a->policy_show.flags & ~SBX_POLICY_SHOW_EFFECTIVE)
			abort();
		break;
	case SBX_MSG_POLICY_CHECK:
		check_str(a->policy_check.file, buf, size);
		check_str(a->policy_check.text, buf, size);
		break;
	}
	if (ctx->n_fds != ctx->entry->n_fds)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_ctx ctx = {};
	int fds[SBX_FDS_MAX];
	size_t n_fds;
	unsigned before;
	int r;

	if (size < 1)
		return 0;
	n_fds = data[0] & 3;
	before = testlib_count_fds();
	fuzz_open_fds(fds, n_fds, (unsigned) data[0] >> 3);

	r = dispatch_decode(&ctx, data + 1, size - 1, fds, n_fds, data[0] & 4);
	if (r >= 0) {
		check_args(&ctx, data + 1, size - 1);
		req_ctx_done(&ctx);
	} else if (r != -EBADMSG && r != -ENOMEM)
		abort();
	else if (r == -EBADMSG && !ctx.message[0])
		abort();	/* a violation is always explained in the log */

	fuzz_assert_fds(before, "dispatch_decode");
	return 0;
}
