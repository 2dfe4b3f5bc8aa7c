/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* KILL: a signal to a sandbox the peer may control. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>

#include "authz.h"
#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"
#include "target.h"

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

	t = authz_find_visible(c->manager, c->cred.uid, k.id);
	if (!t)
		return error_msg_setf(&ctx->err, ESRCH, "no running sandbox %llu",
		    (unsigned long long) k.id);
	if (!authz_can_control(c->cred.uid, t))
		return -EPERM;
	if (k.signal > INT_MAX)
		return error_msg_setf(&ctx->err, EINVAL, "signal %u cannot be sent", k.signal);
	r = target_signal(t, (int) k.signal, &ctx->err);
	if (r < 0)
		return r;
	log_info("Sandbox %llu: signal %u sent by uid %u pid %d.", (unsigned long long) t->id,
	    k.signal, (unsigned) c->cred.uid, (int) c->cred.pid);
	conn_send_ok(c, ctx->serial);
	return 0;
}

const struct req_entry req_kill = {
	REQ_TYPE(KILL),
	.min_size = sizeof(struct sbx_kill),
	.max_size = sizeof(struct sbx_kill),
	.decode = req_kill_decode,
	.handler = req_kill_handler,
};
