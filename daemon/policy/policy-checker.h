/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POLICY_CHECK, made outside the daemon: each check is a child that runs
 * "sandboxd --check-policy - --check-policy-wire" (policy-check.c) as an
 * anonymous uid of the pool, fed the text through a pipe and answering
 * with a POLICY_REPORT through another, all driven by libevent events with
 * a time bound. The manager lists the running checks; a connection that
 * goes away takes its checks with it.
 */
#pragma once

#include <stdint.h>
#include <sys/queue.h>

#include <sys/types.h>

#include "error-msg.h"

struct ini_diags;
struct manager;

#define POLICY_CHECKS_PER_UID	4	/* running checks of one peer uid */
#define POLICY_CHECKS_MAX	32	/* running checks in all */
#define POLICY_CHECK_TIMEOUT_SEC 5

struct policy_checker;
LIST_HEAD(policy_checker_list, policy_checker);

/* Who asked, for the caps and the logs; owner and cookie are handed back. */
struct policy_checker_req {
	const char	*text;
	uid_t		peer_uid;
	pid_t		peer_pid;
	void		*owner;		/* a connection, a bus client: see policy_checker_cancel() */
	uint64_t	cookie;		/* the owner's: which of its requests */
};

struct policy_checker_ops {
	/* The check is done: d is the report, or d is NULL and error (a
	 * negative errno) and why say why there is none (-ETIMEDOUT, -EIO,
	 * -ENOMEM). -ECANCELED, why NULL: the owner cancelled it; answer
	 * nobody. Called once. */
	void (*done)(void *owner, uint64_t cookie, int error, const char *why,
	    const struct ini_diags *d);
};

/* Starts checking req->text; ops->done follows when the child is done.
 * -EAGAIN over a cap, with err's message set. */
int policy_checker_start(struct manager *m, const struct policy_checker_req *req,
    const struct policy_checker_ops *ops, struct error_msg *err);
/* owner is going away: its checks are killed and reaped, each told
 * -ECANCELED. */
void policy_checker_cancel(struct manager *m, void *owner);
