/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* STATUS: one sandbox the peer may see. */
#include <errno.h>
#include <stdio.h>

#include "authz.h"
#include "conn.h"
#include "dispatch.h"
#include "msg.h"
#include "target.h"

static int
req_status_decode(struct sbx_reader *r, union req_args *ret)
{
	if (sbx_reader_get(r, &ret->id, sizeof(ret->id)) < 0 || sbx_reader_end(r) < 0)
		return -EBADMSG;
	return 0;
}

static int
req_status_handler(struct req_ctx *ctx)
{
	struct conn *c = ctx->conn;
	struct sbx_list hdr = { .count = 1 };
	const struct sbx_id id = ctx->args.id;
	struct sbx_writer w;
	struct target *t;
	int r;

	t = authz_find_visible(c->manager, c->cred.uid, id.id);
	if (!t)
		return error_msg_setf(&ctx->err, ESRCH, "no sandbox %llu", (unsigned long long) id.id);
	sbx_writer_init(&w, SBX_MSG_SANDBOX_LIST, ctx->serial);
	sbx_writer_put(&w, &hdr, sizeof(hdr));
	target_put_info(&w, t, true);
	r = conn_send(c, &w);
	sbx_writer_done(&w);
	return r == -ENOBUFS ? 0 : r;
}

const struct req_entry req_status = {
	REQ_TYPE(STATUS),
	.min_size = sizeof(struct sbx_id),
	.max_size = sizeof(struct sbx_id),
	.decode = req_status_decode,
	.handler = req_status_handler,
};
