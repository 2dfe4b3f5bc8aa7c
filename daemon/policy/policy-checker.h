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

#include "error-msg.h"

struct conn;
struct manager;

#define POLICY_CHECKS_PER_UID	4	/* running checks of one peer uid */
#define POLICY_CHECKS_MAX	32	/* running checks in all */
#define POLICY_CHECK_TIMEOUT_SEC 5

struct policy_checker;
LIST_HEAD(policy_checker_list, policy_checker);

/* Starts checking text for c; the reply to serial follows when the child
 * is done. -EAGAIN over a cap, with err's message set. */
int policy_checker_start(struct conn *c, uint32_t serial, const char *text, struct error_msg *err);
/* c is going away: its checks are killed and reaped. */
void policy_checker_conn_gone(struct conn *c);
