/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* POLICY_SHOW: one policy's text, to any user (see req-policy-list.c). */
#include <errno.h>
#include <stdio.h>

#include "conn.h"
#include "dispatch.h"
#include "manager.h"
#include "msg.h"
#include "policy-store.h"

static int
req_policy_show_decode(struct sbx_reader *r, union req_args *ret)
{
	if (sbx_reader_get_str(r, &ret->policy_name, SBX_NAME_MAX) < 0 || sbx_reader_end(r) < 0)
		return -EBADMSG;
	return 0;
}

static int
req_policy_show_handler(struct req_ctx *ctx)
{
	const char *name = ctx->args.policy_name;
	const struct policy *p;
	struct sbx_writer w;
	int r;

	p = policy_store_find(ctx->conn->manager->policies, name);
	if (!p)
		return error_msg_setf(&ctx->err, ENOENT, "no such policy '%s'", name);
	sbx_writer_init(&w, SBX_MSG_POLICY_TEXT, ctx->serial);
	/* The parser refuses a text over SBX_POLICY_TEXT_MAX, so it fits whole. */
	sbx_writer_put_str_trunc(&w, p->text ?: "", SBX_POLICY_TEXT_MAX + 1);
	r = conn_send(ctx->conn, &w);
	sbx_writer_done(&w);
	return r == -ENOBUFS ? 0 : r;
}

const struct req_entry req_policy_show = {
	REQ_TYPE(POLICY_SHOW),
	.min_size = sizeof(uint32_t) + 1,
	.max_size = sizeof(uint32_t) + SBX_NAME_MAX,
	.decode = req_policy_show_decode,
	.handler = req_policy_show_handler,
};
