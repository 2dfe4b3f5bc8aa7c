/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* POLICY_SHOW: one policy's text, to any user (see req-policy-list.c): as
 * written, or with SBX_POLICY_SHOW_EFFECTIVE after its Include= lines. */
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
	ret->policy_show.flags = 0;
	if (sbx_reader_get_str(r, &ret->policy_show.name, SBX_NAME_MAX) < 0)
		return -EBADMSG;
	/* The flags came later: a request may end before them. */
	if (r->left > 0 && sbx_reader_get(r, &ret->policy_show.flags, sizeof(uint32_t)) < 0)
		return -EBADMSG;
	if ((ret->policy_show.flags & ~SBX_POLICY_SHOW_EFFECTIVE) != 0 || sbx_reader_end(r) < 0)
		return -EBADMSG;
	return 0;
}

static int
req_policy_show_handler(struct req_ctx *ctx)
{
	const char *name = ctx->args.policy_show.name, *text;
	const struct policy *p;
	struct sbx_writer w;
	int r;

	p = policy_store_find(ctx->conn->manager->policies, name);
	if (!p)
		return error_msg_setf(&ctx->err, ENOENT, "no such policy '%s'", name);
	text = p->text;
	if ((ctx->args.policy_show.flags & SBX_POLICY_SHOW_EFFECTIVE) && p->effective)
		text = p->effective;
	sbx_writer_init(&w, SBX_MSG_POLICY_TEXT, ctx->serial);
	/* The parser refuses a text over SBX_POLICY_TEXT_MAX, the text after
	 * inclusion too, so it fits whole. */
	sbx_writer_put_str_trunc(&w, text ?: "", SBX_POLICY_TEXT_MAX + 1);
	r = conn_send(ctx->conn, &w);
	sbx_writer_done(&w);
	return r == -ENOBUFS ? 0 : r;
}

const struct req_entry req_policy_show = {
	REQ_TYPE(POLICY_SHOW),
	.min_size = sizeof(uint32_t) + 1,
	.max_size = sizeof(uint32_t) + SBX_NAME_MAX + sizeof(uint32_t),
	.decode = req_policy_show_decode,
	.handler = req_policy_show_handler,
};
