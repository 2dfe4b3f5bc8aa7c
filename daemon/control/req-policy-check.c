/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POLICY_CHECK: a client's policy text, checked by an unprivileged child
 * (policy-checker.c): the daemon itself never parses it.
 */
#include <errno.h>

#include "conn.h"
#include "dispatch.h"
#include "ini.h"
#include "msg.h"
#include "policy-checker.h"

/* The check's outcome, under the request's serial. */
static void
on_check_done(void *owner, uint64_t serial, int error, const char *why, const struct ini_diags *d)
{
	struct conn *c = owner;
	struct sbx_writer w;

	if (error == -ECANCELED)
		return;		/* the connection is going away */
	if (!d) {
		conn_send_error(c, (uint32_t) serial, -error, why);
		return;
	}
	sbx_writer_init(&w, SBX_MSG_POLICY_REPORT, (uint32_t) serial);
	sbx_msg_policy_report_put(&w, d);
	(void) conn_send(c, &w);
	sbx_writer_done(&w);
}

static const struct policy_checker_ops check_ops = {
	.done = on_check_done,
};

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
	struct conn *c = ctx->conn;
	const struct policy_checker_req req = {
		.text = ctx->args.policy_check.text,
		.peer_uid = c->cred.uid,
		.peer_pid = c->cred.pid,
		.owner = c,
		.cookie = ctx->serial,
	};

	/* Never parsed here: a child checks it (policy-checker.c) and its
	 * POLICY_REPORT (or an ERROR) is the reply. */
	return policy_checker_start(c->manager, &req, &check_ops, &ctx->err);
}

const struct req_entry req_policy_check = {
	REQ_TYPE(POLICY_CHECK),
	.min_size = 2 * (sizeof(uint32_t) + 1),
	.max_size = SBX_MSG_SIZE_MAX,
	.decode = req_policy_check_decode,
	.handler = req_policy_check_handler,
};
