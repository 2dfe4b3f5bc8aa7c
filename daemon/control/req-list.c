/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LIST: the sandboxes the peer may see, newest first. */
#include <errno.h>

#include "authz.h"
#include "conn.h"
#include "dispatch.h"
#include "manager.h"
#include "msg.h"
#include "target.h"

static int
req_list_handler(struct req_ctx *ctx)
{
	struct conn *c = ctx->conn;
	struct sbx_list hdr = {};
	struct sbx_writer w;
	struct target *t;
	uint32_t left;
	int r;

	TAILQ_FOREACH(t, &c->manager->targets, link)
		if (authz_can_see(c->cred.uid, t) && hdr.count < SBX_LIST_MAX)
			hdr.count++;
	sbx_writer_init(&w, SBX_MSG_SANDBOX_LIST, ctx->serial);
	sbx_writer_put(&w, &hdr, sizeof(hdr));
	/* Newest first, so a long list keeps the ones that matter. */
	left = hdr.count;
	TAILQ_FOREACH_REVERSE(t, &c->manager->targets, target_list, link) {
		if (left == 0)
			break;
		if (authz_can_see(c->cred.uid, t)) {
			target_put_info(&w, t, false);
			left--;
		}
	}
	r = conn_send(c, &w);
	sbx_writer_done(&w);
	return r == -ENOBUFS ? 0 : r;
}

const struct req_entry req_list = {
	REQ_TYPE(LIST),
	.handler = req_list_handler,
};
