/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A target is one sandbox: its id, owner, anonymous uid, cgroup, the
 * pidfd of its init and its state. It knows nothing about transports: the
 * party that asked for it holds a struct target_watch, told once when the
 * spawn succeeds or fails and once when the sandbox ends. The watch is the
 * transport's (a connection's, later a D-Bus peer's): freeing it is how
 * the requester goes away.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "action.h"
#include "broker.h"
#include "error-msg.h"
#include "macro.h"
#include "policy.h"
#include "sandbox-protocol.h"

struct manager;
struct event;
struct target;
struct broker;
struct sbx_writer;
struct relay;

struct target_watch;		/* one requester's interest in one target */

struct target_watch_ops {
	/* error < 0: the spawn failed with message, the target is gone after
	 * the call and the watch is over. error == 0: running. */
	void (*spawned)(struct target_watch *w, struct target *t, int error, const char *message,
	    void *userdata);
	/* The sandbox ended; the watch is over. */
	void (*exited)(struct target_watch *w, struct target *t, const struct sbx_exited *e,
	    void *userdata);
};

/* Everything a spawn request asks for, already decoded and validated. */
struct target_request {
	const char		*policy;
	const char *const	*argv;
	const char *const	*env;
	const char		*cwd;		/* NULL or "" for the policy's */
	int			stdio[3];	/* borrowed */
	struct policy_limits	narrow;		/* 0: policy's */
	bool			detach;
	bool			learn;		/* SBX_SPAWN_LEARN: the caller may (root) */
	uid_t			owner_uid;
	gid_t			owner_gid;
	const gid_t		*owner_groups;	/* borrowed; copied into the target */
	int			n_owner_groups;
	pid_t			owner_pid;
};

struct target {
	struct manager		*manager;
	TAILQ_ENTRY(target)	link;
	uint64_t		id;
	uid_t			owner_uid;
	pid_t			owner_pid;
	struct owner_creds	owner;		/* the broker acts with these */
	uid_t			uid;		/* anonymous */
	bool			holds_uid;	/* uid is to go back to the pool */
	int			landlock_abi;	/* in force for it; 0: none */
	struct policy		*policy;	/* a reference: reloads do not pull it away */
	struct broker		*broker;	/* its channel may be closed; freed at the end */
	LIST_HEAD(, relay)	relays;		/* brokered TCP/UDP sockets (relay.h) */
	char			*policy_name;
	char			**argv;
	char			*command;	/* argv joined, for listings */
	char			*last_denial;	/* broker: "ACTION PATH: error" */
	uint64_t		broker_requests, broker_denied;
	struct broker_denial	*denials;	/* SBX_DENIALS_MAX, or NULL: none yet */
	size_t			n_denials;
	bool			learn;		/* learning mode (learn.h) */
	bool			notifying;	/* its filter's listener is the broker's */
	uint64_t		tasks_peak;	/* learning: sampled */
	char			*learned;	/* learning: the policy, once exited */
	enum sbx_state		state;
	uint32_t		limit;		/* enum sbx_limit that ended it, if any */
	int			requested_signal;	/* the last one a requester sent */
	bool			detach;
	struct policy_limits	limits;		/* effective */

	pid_t			pid;		/* init, host pid */
	int			pidfd;
	int			setup_fd;	/* child → us: errors, listener; EOF at exec */
	int			status_fd;	/* init → us: the target's wait status */
	struct event		*ev_pidfd, *ev_setup, *ev_timeout, *ev_cpu, *ev_linger;
	uint64_t		start_usec, start_mono_usec, end_mono_usec;

	char			*cgroup;	/* relative name, "sandbox-<id>" */
	struct sbx_exited	exit;		/* valid once EXITED */

	struct target_watch	*watch;		/* NULL: nobody is told */
};

/* Validates the request against the policy and starts the sandbox; a
 * watch made at once hears how the start ends. On failure returns -errno
 * and sets err's message. */
int target_spawn(struct manager *m, const struct target_request *req, struct target **ret,
    struct error_msg *err);
/* Watches t (one watch per target): ops are called with userdata until
 * the watch is over. The watch is the caller's to free, over or not. */
int target_watch_new(struct target *t, const struct target_watch_ops *ops, void *userdata,
    struct target_watch **ret);
/* Frees the watch. One that is not over ends here, and its sandbox is
 * killed unless detached: the requester went away. Accepts NULL, returns
 * NULL. */
struct target_watch *target_watch_free(struct target_watch *w);
DEFINE_FREEP(struct target_watch, target_watch_free);
int target_kill(struct target *t, int sig, uint32_t why);
/* A requester's signal: -ESRCH once t has exited, -EINVAL for a signal
 * no requester may send (out of range, SIGSTOP); err says which. */
int target_signal(struct target *t, int sig, struct error_msg *err);
/* Fills a wire description (live figures read from the cgroup). */
void target_describe(struct target *t, struct sbx_info *ret);
/* One sbx_info of a SANDBOX_LIST, with its strings, and with denials its
 * named denials (STATUS). */
void target_put_info(struct sbx_writer *w, struct target *t, bool denials);
struct target *target_free(struct target *t);
/* At start-up: the /proc/meminfo files (SANDBOXD_RUNDIR/meminfo-PID-ID)
 * of daemons that died mid-spawn are removed. Only older daemons wrote
 * them: the sandbox's meminfo is in its prepared root now (skeleton.h). */
void target_remove_stale_meminfo(void);
DEFINE_FREEP(struct target, target_free);
