/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POLICY_CHECK: a client's policy text, checked by an unprivileged child
 * (policy-checker.c): the daemon itself never parses it.
 */
#include <errno.h>

#include "conn.h"
#include "dispatch.h"
#include "msg.h"
#include "policy-checker.h"

static int
req_policy_check_decode(struct sbx_reader *r, union req_args *ret)
{
	if (sbx_reader_get_str(r, &ret->policy_check.file, SBX_POLICY_LABEL_MAX) < 0 ||
	    sbx_reader_get_str(r, &ret->policy_check.text, SBX_POLICY_TEXT_MAX + 1) < 0 ||
	    sbx_reader_end(r) < 0)
		return -EBADMSG;
	return 0;
}

static int
req_policy_check_handler(struct req_ctx *ctx)
{
	const char *text = ctx->args.policy_check.text;

	/* Never parsed here: a child checks it (policy-checker.c) and its
	 * POLICY_REPORT (or an ERROR) is the reply. */
	return policy_checker_start(ctx->conn, ctx->serial, text, &ctx->err);
}

const struct req_entry req_policy_check = {
	REQ_TYPE(POLICY_CHECK),
	.min_size = 2 * (sizeof(uint32_t) + 1),
	.max_size = SBX_MSG_SIZE_MAX,
	.decode = req_policy_check_decode,
	.handler = req_policy_check_handler,
};
