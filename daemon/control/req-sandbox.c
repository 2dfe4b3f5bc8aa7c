/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* KILL, LIST and STATUS: acting on and describing existing sandboxes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "authz.h"
#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "target.h"

static struct target *
lookup_visible(struct conn *c, uint64_t id)
{
	struct target *t = manager_find_target(c->manager, id);

	return t && authz_can_see(c->cred.uid, t) ? t : NULL;
}

static int
req_kill_decode(struct sbx_reader *r, union req_args *ret)
{
	if (sbx_reader_get(r, &ret->kill, sizeof(ret->kill)) < 0 || sbx_reader_end(r) < 0 ||
	    ret->kill.reserved != 0)
		return -EBADMSG;
	return 0;
}

static int
req_kill_handler(struct req_ctx *ctx)
{
	struct conn *c = ctx->conn;
	const struct sbx_kill k = ctx->args.kill;
	struct target *t;
	int r;

	t = lookup_visible(c, k.id);
	if (!t || t->state == SBX_STATE_EXITED)
		return error_msg_setf(&ctx->err, ESRCH, "no running sandbox %llu",
		    (unsigned long long) k.id);
	if (!authz_can_control(c->cred.uid, t))
		return -EPERM;
	if (k.signal >= (uint32_t) NSIG || k.signal == SIGSTOP)
		return error_msg_setf(&ctx->err, EINVAL, "signal %u cannot be sent", k.signal);
	r = target_kill(t, (int) k.signal, SBX_LIMIT_KILLED);
	if (r < 0)
		return r;
	log_info("Sandbox %llu: signal %u sent by uid %u pid %d.", (unsigned long long) t->id,
	    k.signal, (unsigned) c->cred.uid, (int) c->cred.pid);
	conn_send_ok(c, ctx->serial);
	return 0;
}

static void
put_info(struct sbx_writer *w, struct target *t)
{
	struct sbx_info info;

	target_describe(t, &info);
	sbx_msg_info_put(w, &info, t->policy_name, t->command, t->last_denial);
}

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
			put_info(&w, t);
			left--;
		}
	}
	r = conn_send(c, &w);
	sbx_writer_done(&w);
	return r == -ENOBUFS ? 0 : r;
}

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

	t = lookup_visible(c, id.id);
	if (!t)
		return error_msg_setf(&ctx->err, ESRCH, "no sandbox %llu", (unsigned long long) id.id);
	sbx_writer_init(&w, SBX_MSG_SANDBOX_LIST, ctx->serial);
	sbx_writer_put(&w, &hdr, sizeof(hdr));
	put_info(&w, t);
	r = conn_send(c, &w);
	sbx_writer_done(&w);
	return r == -ENOBUFS ? 0 : r;
}

const struct req_entry req_kill = {
	.type = SBX_MSG_KILL,
	.min_size = sizeof(struct sbx_kill),
	.max_size = sizeof(struct sbx_kill),
	.decode = req_kill_decode,
	.handler = req_kill_handler,
};

const struct req_entry req_list = {
	.type = SBX_MSG_LIST,
	.handler = req_list_handler,
};

const struct req_entry req_status = {
	.type = SBX_MSG_STATUS,
	.min_size = sizeof(struct sbx_id),
	.max_size = sizeof(struct sbx_id),
	.decode = req_status_decode,
	.handler = req_status_handler,
};
