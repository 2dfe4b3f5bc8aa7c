/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POLICY_LIST, POLICY_SHOW and POLICY_CHECK. Policies are not secret (any
 * user may read the files in /usr/share and /etc), so every user may list
 * and show them. POLICY_CHECK hands the client's text to an unprivileged
 * child (policy-checker.c): the daemon itself never parses it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "macro.h"
#include "dispatch.h"
#include "manager.h"
#include "msg.h"
#include "policy-checker.h"

static int
req_policy_list_handler(struct req_ctx *ctx)
{
	const struct policy_store *s = ctx->conn->manager->policies;
	struct sbx_list hdr = { .count = (uint32_t) s->n };
	struct sbx_writer w;
	int r;

	sbx_writer_init(&w, SBX_MSG_POLICY_NAMES, ctx->serial);
	sbx_writer_put(&w, &hdr, sizeof(hdr));
	for (size_t i = 0; i < s->n; i++) {
		sbx_writer_put_str_trunc(&w, s->policies[i]->name, SBX_NAME_MAX);
		sbx_writer_put_str_trunc(&w, s->policies[i]->description ?: "", 256);
	}
	r = conn_send(ctx->conn, &w);
	sbx_writer_done(&w);
	return r == -ENOBUFS ? 0 : r;
}

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

const struct req_entry req_policy_list = {
	.type = SBX_MSG_POLICY_LIST,
	.handler = req_policy_list_handler,
};

const struct req_entry req_policy_show = {
	.type = SBX_MSG_POLICY_SHOW,
	.min_size = sizeof(uint32_t) + 1,
	.max_size = sizeof(uint32_t) + SBX_NAME_MAX,
	.decode = req_policy_show_decode,
	.handler = req_policy_show_handler,
};

const struct req_entry req_policy_check = {
	.type = SBX_MSG_POLICY_CHECK,
	.min_size = 2 * (sizeof(uint32_t) + 1),
	.max_size = SBX_MSG_SIZE_MAX,
	.decode = req_policy_check_decode,
	.handler = req_policy_check_handler,
};
