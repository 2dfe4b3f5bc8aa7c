/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager owns everything: the libevent base, the listening socket,
 * the connections, the sandboxes (targets), the policy store and the
 * settings. One per process; single-threaded.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "conf.h"
#include "policy-checker.h"
#include "policy-store.h"
#include "ratelimit.h"
#include "uid-pool.h"

struct event_base;
struct event;
struct conn;
struct target;
struct netns_pool;
struct bus;
struct reloader;

/* A sandbox's cgroup whose last process was still leaving when the
 * sandbox ended: removed from a timer, never by waiting. */
struct dead_cgroup {
	char		*name;
	unsigned	tries;
};

#define TARGET_EXITED_MAX 128	/* exited sandboxes kept for status/list */

LIST_HEAD(conn_list, conn);
TAILQ_HEAD(target_list, target);

/* An owner's broker requests stuck in workers (broker.c). */
struct broker_stuck {
	uid_t		uid;
	unsigned	n;
};

struct manager {
	struct event_base	*base;
	struct bus		*bus;		/* NULL: no D-Bus front end (bus.h) */
	struct workers		*workers;	/* the broker's actions and reloads run there */
	struct reloader		*reloader;	/* reload.h */
	struct broker_stuck	*broker_stuck;	/* owners with stuck requests */
	size_t			n_broker_stuck;
	struct conf		conf;
	struct policy_store	*policies;
	struct uid_pool		uids;
	struct netns_pool	*netns;
	struct policy		*init_policy;	/* the sandbox init's seccomp filter */

	int			self_pidfd;		/* ours: sandboxes watch it (spawn.c) */
	int			listen_fd;
	bool			listen_fd_owned;	/* we bound it: unlink on exit */
	int			lock_fd;		/* flock on SOCKET.lock, held while we run */
	int			reserve_fd;		/* given up to refuse a connection when out of fds */
	bool			out_of_fds;		/* logged; reset by the next accept that works */
	unsigned		n_refused_fds;		/* connections refused for lack of fds */
	struct event		*ev_listen;
	struct event		*ev_listen_resume;	/* listening again after a pause */
	struct ratelimit	peer_log;		/* every log line a peer can cause */
	struct event		*ev_sigterm, *ev_sigint, *ev_sighup;
	struct event		*ev_shutdown_timeout;
	struct event		*ev_spares;		/* makes spare sandbox roots */
	struct event		*ev_reload;		/* a reload asked for by SIGHUP */
	struct event		*ev_cgroups;		/* retries removing dead cgroups */
	struct dead_cgroup	*dead_cgroups;
	size_t			n_dead_cgroups;

	struct conn_list	conns;
	unsigned		n_conns;
	struct target_list	targets;		/* spawn order */
	struct policy_checker_list checkers;		/* running POLICY_CHECKs */
	unsigned		n_live;			/* not yet exited */
	unsigned		n_exited;
	uint64_t		next_id;

	bool			shutting_down;
	int			exit_error;		/* < 0: stopped by a failure after start-up */
	bool			reload_active;		/* ev_reload is activated */
	int			cgroup_mode;		/* enum cgroup_mode */
	int			landlock_abi;		/* 0: none */
};

int manager_new(struct manager **ret);
struct manager *manager_free(struct manager *m);
/* Uses fd if >= 0 (socket activation), else binds conf.socket_path. */
int manager_listen(struct manager *m, int fd);
/* Connects to the system bus as mode says (enum bus_mode); after
 * manager_listen(). */
int manager_connect_bus(struct manager *m, int mode);
int manager_run(struct manager *m);
void manager_start_shutdown(struct manager *m);
/* Schedules making a spare root for every policy that lacks one. */
void manager_want_spares(struct manager *m);
/* Removes a sandbox's cgroup now or, if its processes are still
 * leaving, from a timer. */
void manager_release_cgroup(struct manager *m, const char *name);

/*
 * The registry of targets: the manager counts them, caps them and prunes
 * their records; target.c knows one target at a time.
 */
/* Whether uid may have one more live sandbox (per-uid and overall caps). */
bool manager_may_spawn(struct manager *m, uid_t uid);
/* Registers a started target as live. */
void manager_add_target(struct manager *m, struct target *t);
/* A live target's state changed (it runs now): observers hear of it. */
void manager_target_changed(struct manager *m, struct target *t);
/* A live target has exited and was reported: its record is kept for
 * conf.linger_ms (at most TARGET_EXITED_MAX of them, the oldest go first),
 * then freed. Finishes a shutdown waiting for the last one. */
void manager_target_exited(struct manager *m, struct target *t);

unsigned manager_count_conns(struct manager *m, uid_t uid);
struct target *manager_find_target(struct manager *m, uint64_t id);
