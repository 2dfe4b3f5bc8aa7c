/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The broker side of a target's channel (SBX_BROKER_FD inside), and of its
 * intercepted system calls ([Broker] Intercept=, intercept.h). One per
 * target; each source's requests are answered in order, one at a time:
 * while one is being served or its reply cannot be sent (the target does
 * not read), no further request is read from that source, so a target can
 * make us hold at most one reply and one fd per source, plus what its
 * stuck requests hold (see broker.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sandbox-protocol.h"
#include "wire.h"

struct target;
struct broker;
struct broker_op;
struct learn_figures;

/* A named denial as the broker counts it (sbx_denial on the wire). */
struct broker_denial {
	struct sbx_denial	d;
	char			name[SBX_DENIAL_NAME_MAX];
};

/* Requests answered ETIMEDOUT but still in a worker: at most this many
 * per sandbox, and per owner over all their sandboxes. */
#define BROKER_STUCK_MAX		4
#define BROKER_STUCK_PER_UID_MAX	16
/* Worker threads for all sandboxes: room for 16 owners' stuck requests
 * and for the sessions of busy channels (broker.c). */
#define BROKER_WORKERS_MAX		(16 * BROKER_STUCK_PER_UID_MAX + 64)

/* One request off the channel; the paths point into the message. */
struct broker_request {
	const struct broker_op	*op;		/* its row in broker.c's table */
	uint32_t		type, serial;
	struct sbx_broker_req	q;
	const char		*path;
	const char		*path2;		/* RENAME's new path, else NULL */
	unsigned		need;		/* POLICY_RIGHT_* the path's rule must grant */
	unsigned		action_opts;	/* ACTION_OPEN_* (interception only) */
};

/* Pure: decodes and checks the payload of the message rd was initialised
 * on (flags and modes the type allows, exactly its strings). -EBADMSG for
 * anything malformed; the caller then closes the channel. */
int broker_decode(struct sbx_reader *rd, struct broker_request *ret);

/* The row and the rights of a request whose type, flags and mode are set:
 * -EBADMSG if they are not the wire's. */
int broker_request_check(struct broker_request *q);

/* Takes fd in all cases. */
int broker_new_consume_fd(struct target *t, int fd, struct broker **ret);
/* Serve the listener of the target's notifying filter too (takes fd in
 * all cases): its refusals, and with [Broker] Intercept= its calls.
 * killable: the kernel makes a call the broker took wait killably only.
 * With Intercept=, -EOPNOTSUPP if this kernel cannot install an fd as a
 * call's result (intercept_probe()). */
int broker_attach_listener(struct broker *b, int fd, bool killable);
/* Whether a listener was attached (it may be closed since). */
bool broker_has_listener(const struct broker *b);
/* The target's end: closes the channel (if a protocol violation has not
 * already), and the memory goes when no worker still acts for it. */
struct broker *broker_free(struct broker *b);
/* The CPU time the daemon's threads spent serving the sandbox (0 for
 * NULL). */
uint64_t broker_cpu_usec(const struct broker *b);
/* Copies the counts, the named denials and the last denial so far into t. */
void broker_sync_stats(struct broker *b, struct target *t);
/* A learning sandbox's policy, from what was let through and seen
 * (learn.h): malloc'd text, NULL if not learning or on OOM. */
char *broker_learned_text(struct broker *b, const struct learn_figures *f, const char *command);
