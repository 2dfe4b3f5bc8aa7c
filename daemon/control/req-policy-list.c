/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POLICY_LIST: every policy's name and description. Policies are not
 * secret (any user may read the files in /usr/share and /etc), so every
 * user may list and show them.
 */
#include <errno.h>

#include "conn.h"
#include "dispatch.h"
#include "manager.h"
#include "msg.h"
#include "policy-store.h"

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

const struct req_entry req_policy_list = {
	REQ_TYPE(POLICY_LIST),
	.handler = req_policy_list_handler,
};
