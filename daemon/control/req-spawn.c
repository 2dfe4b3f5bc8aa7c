/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SPAWN over the control socket: decode, hand to target_spawn(), and
 * answer later, when the target has exec'd (SPAWNED) or failed (ERROR).
 * The connection then receives EXITED for it. The connection's watch
 * carries the serial to answer with, and ends with the answer that ends
 * the sandbox's story (ERROR or EXITED).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "target.h"

static void
on_spawned(struct target_watch *tw, struct target *t, int error, const char *message,
    void *userdata)
{
	struct conn_watch *cw = userdata;
	struct conn *c = cw->conn;
	struct sbx_writer w;

	if (error < 0) {
		conn_send_error(c, cw->serial, -error, message);
		conn_watch_free(cw);
		return;
	}
	sbx_writer_init(&w, SBX_MSG_SPAWNED, cw->serial);
	sbx_writer_put(&w, &(struct sbx_spawned) { .id = t->id, .pid = (uint32_t) t->pid,
	    .uid = t->uid }, sizeof(struct sbx_spawned));
	(void) conn_send(c, &w);
	sbx_writer_done(&w);
}

static void
on_exited(struct target_watch *tw, struct target *t, const struct sbx_exited *e, void *userdata)
{
	struct conn_watch *cw = userdata;
	struct sbx_writer w;

	sbx_writer_init(&w, SBX_MSG_EXITED, 0);
	sbx_writer_put(&w, e, sizeof(*e));
	/* Learning: the policy, or an empty one if it could not be made. */
	if (t->learn)
		sbx_writer_put_str_trunc(&w, t->learned ? t->learned : "", SBX_POLICY_TEXT_MAX + 1);
	(void) conn_send(cw->conn, &w);
	sbx_writer_done(&w);
	conn_watch_free(cw);
}

static const struct target_watch_ops spawn_watch_ops = {
	.spawned = on_spawned,
	.exited = on_exited,
};

static int
req_spawn_decode(struct sbx_reader *r, union req_args *ret)
{
	return sbx_msg_spawn_get(r, &ret->spawn);
}

static void
req_spawn_done(union req_args *args)
{
	sbx_spawn_req_done(&args->spawn);
}

static int
req_spawn_handler(struct req_ctx *ctx)
{
	struct conn *c = ctx->conn;
	const struct sbx_spawn_req q = ctx->args.spawn;
	struct target *t;
	struct target_request req;
	int r;

	req = (struct target_request) {
		.policy = q.policy,
		.argv = q.argv,
		.env = q.env,
		.cwd = q.cwd,
		.stdio = { ctx->fds[0], ctx->fds[1], ctx->fds[2] },
		.narrow = {
			.timeout_ms = q.fixed.timeout_ms,
			.memory_max = q.fixed.memory_max,
			.tasks_max = q.fixed.tasks_max,
			.cpu_ms = q.fixed.cpu_ms,
			.nofile_max = q.fixed.nofile_max,
			.fsize_max = q.fixed.fsize_max,
		},
		.detach = q.fixed.flags & SBX_SPAWN_DETACH,
		.learn = q.fixed.flags & SBX_SPAWN_LEARN,
		.owner_uid = c->cred.uid,
		.owner_gid = c->cred.gid,
		.owner_groups = c->groups,
		.n_owner_groups = c->n_groups,
		.owner_pid = c->cred.pid,
	};
	/* Learning lets through what the policy refuses. */
	if (req.learn && c->cred.uid != 0)
		r = error_msg_setf(&ctx->err, EPERM, "learning widens a policy: only root may use "
		    "--learn");
	else
		r = target_spawn(c->manager, &req, &t, &ctx->err);
	if (r < 0) {
		(void) ratelimit_log(&c->manager->peer_log, c->cred.uid, LOG_NOTICE, 0,
		    "Spawn of '%s' under policy '%s' for uid %u pid %d refused: %s.",
		    q.argv[0], q.policy, (unsigned) c->cred.uid, (int) c->cred.pid, ctx->message);
		return r;
	}
	/* Nothing is told before the loop turns: watching now misses nothing. */
	r = conn_watch_new(c, t, ctx->serial, &spawn_watch_ops);
	if (r < 0)
		(void) target_kill(t, SIGKILL, SBX_LIMIT_NONE);
	return r;
}

const struct req_entry req_spawn = {
	REQ_TYPE(SPAWN),
	.min_size = sizeof(struct sbx_spawn) + 3 * sizeof(uint32_t) + 3,
	.max_size = SBX_MSG_SIZE_MAX,
	.n_fds = 3,
	.decode = req_spawn_decode,
	.done = req_spawn_done,
	.handler = req_spawn_handler,
};
