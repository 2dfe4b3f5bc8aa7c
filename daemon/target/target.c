/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sandboxes from request to exit. target_spawn() turns a validated request
 * and a compiled policy into a spawn plan, creates the cgroup, clones the
 * child, writes its id maps, attaches it to the cgroup and lets it go. From
 * then on everything arrives as events: the setup socket (error report,
 * the interception listener, or EOF once the target has exec'd), the pidfd (init has exited), and the
 * wall-clock and CPU timers. The watch (the requester, whatever its
 * transport) hears "spawned" once and "exited" once.
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "learn.h"
#include "cgroup.h"
#include "event-util.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "netns-pool.h"
#include "pidns-sysctl.h"
#include "relay.h"
#include "skeleton.h"
#include "spawn.h"
#include "target-request.h"
#include "target.h"
#include "time-util.h"

#define CPU_CHECK_USEC (250 * 1000)
#define LEARN_SAMPLE_USEC (10 * 1000)

/* The anonymous uid goes back once the sandbox is gone (or never ran). */
static void
target_put_uid(struct target *t)
{
	if (t->holds_uid)
		uid_pool_put(&t->manager->uids, t->uid);
	t->holds_uid = false;
}

struct target_watch {
	struct target			*target;	/* NULL once the watch is over */
	const struct target_watch_ops	*ops;
	void				*userdata;
};

/* The watch is over: the target calls it no more. Returns it, to be told
 * this last time (its owner may free it then). */
static struct target_watch *
watch_end(struct target *t)
{
	struct target_watch *w = t->watch;

	if (w)
		w->target = NULL;
	t->watch = NULL;
	return w;
}

/* A failed spawn ends the watch. */
static void
notify_spawned(struct target *t, int error, const char *message)
{
	struct target_watch *w = error < 0 ? watch_end(t) : t->watch;

	if (w && w->ops->spawned)
		w->ops->spawned(w, t, error, message, w->userdata);
}

/* Set-up is over, one way or the other. */
static void
target_close_fds(struct target *t)
{
	event_freep(&t->ev_setup);
	t->setup_fd = safe_close(t->setup_fd);
}

void
target_remove_stale_meminfo(void)
{
	DIR *d = opendir(SANDBOXD_RUNDIR);
	struct dirent *de;

	/* Another daemon may share the directory (one per socket): only the
	 * files of pids that are gone are stale. */
	while (d && (de = readdir(d))) {
		int pid;
		unsigned long long id;
		char end;

		if (sscanf(de->d_name, "meminfo-%d-%llu%c", &pid, &id, &end) != 2 || pid <= 0 ||
		    (kill(pid, 0) == 0 || errno != ESRCH))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_debug("Removed %s/%s, left by a daemon that is gone.", SANDBOXD_RUNDIR,
			    de->d_name);
	}
	if (d)
		(void) closedir(d);
}

/* Init has exited: collect everything, tell the watch, clean up. */
static void
target_reap(struct target *t)
{
	struct manager *m = t->manager;
	struct cgroup_stats cs;
	siginfo_t si = {};
	int32_t status = 0;
	bool have_status = false;
	struct target_watch *w;

	(void) waitid(P_PIDFD, (id_t) t->pidfd, &si, WEXITED | WNOHANG);
	if (t->status_fd >= 0 && read(t->status_fd, &status, sizeof(status)) == sizeof(status))
		have_status = true;
	t->end_mono_usec = now_usec(CLOCK_MONOTONIC);
	cgroup_stats_read(m->cgroup_mode, t->cgroup, &cs);
	/* What the broker's threads spent on its calls is its time too. */
	cs.cpu_usec += broker_cpu_usec(t->broker);

	t->exit = (struct sbx_exited) {
		.id = t->id,
		.cpu_usec = cs.cpu_usec,
		.memory_peak = cs.memory_peak,
		.wall_usec = t->end_mono_usec - t->start_mono_usec,
	};
	t->limit = target_classify_exit(&cs, have_status, status, t->limits.cpu_ms, t->limit, &t->exit);
	/* Ended by the signal a requester sent (SIGTERM, say): killed on
	 * request, as a SIGKILL is. A target that caught it and exited, or
	 * died of another, was not. */
	if (t->limit == SBX_LIMIT_NONE && t->exit.how == SBX_EXIT_SIGNAL &&
	    t->requested_signal > 0 && t->exit.status == t->requested_signal)
		t->limit = SBX_LIMIT_KILLED;
	t->state = SBX_STATE_EXITED;
	target_put_uid(t);

	if (t->exit.how == SBX_EXIT_CODE)
		log_info("Sandbox %llu (uid %u, pid %d, owner uid %u pid %d) exited with status %d "
		    "(limit: %s, cpu %llu ms, peak memory %llu KiB).",
		    (unsigned long long) t->id, (unsigned) t->uid, (int) t->pid,
		    (unsigned) t->owner_uid, (int) t->owner_pid, t->exit.status,
		    sbx_limit_to_string(t->limit), (unsigned long long) cs.cpu_usec / 1000,
		    (unsigned long long) cs.memory_peak / 1024);
	else
		log_info("Sandbox %llu (uid %u, pid %d, owner uid %u pid %d) killed by signal %s "
		    "(limit: %s, cpu %llu ms, peak memory %llu KiB).",
		    (unsigned long long) t->id, (unsigned) t->uid, (int) t->pid,
		    (unsigned) t->owner_uid, (int) t->owner_pid, sigabbrev_np(t->exit.status) ?: "?",
		    sbx_limit_to_string(t->limit), (unsigned long long) cs.cpu_usec / 1000,
		    (unsigned long long) cs.memory_peak / 1024);

	if (t->learn) {
		const struct learn_figures fig = {
			.memory_peak = cs.memory_peak,
			.cpu_usec = cs.cpu_usec,
			.wall_usec = t->exit.wall_usec,
			.tasks_peak = t->tasks_peak,
		};

		t->learned = broker_learned_text(t->broker, &fig, t->command);
		if (!t->learned)
			log_warning("Sandbox %llu: cannot make the learned policy.",
			    (unsigned long long) t->id);
	}
	w = watch_end(t);
	if (w && w->ops->exited)
		w->ops->exited(w, t, &t->exit, w->userdata);
	/* After telling the requester: it is not kept waiting for this. The
	 * pid namespace is gone, so nothing is left in the cgroup to kill. */
	manager_release_cgroup(m, t->cgroup);

	/* Release what the dead sandbox held; keep its record a while. */
	event_freep(&t->ev_pidfd);
	event_freep(&t->ev_timeout);
	event_freep(&t->ev_cpu);
	target_close_fds(t);
	t->pidfd = safe_close(t->pidfd);
	t->status_fd = safe_close(t->status_fd);
	/* Its record keeps what the broker counted and named. */
	if (t->broker)
		broker_sync_stats(t->broker, t);
	t->broker = broker_free(t->broker);
	relay_free_all(t);
	t->pid = 0;

	manager_target_exited(m, t);
}

/* "failed to STEP 'DETAIL': error" from a child's report, into err;
 * returns the negative errno it carries. */
static int
report_message(struct spawn_report *rep, struct error_msg *err)
{
	int error = rep->error > 0 ? rep->error : EIO;

	rep->detail[sizeof(rep->detail) - 1] = '\0';
	return error_msg_setf(err, error, "failed to %s%s%s%s: %s", spawn_step_to_string(rep->step),
	    rep->detail[0] ? " '" : "", rep->detail, rep->detail[0] ? "'" : "", strerror(error));
}

/*
 * One message from the setup socket: a report (n == sizeof(*rep)), EOF
 * (0), or -1 with errno. The interception listener that comes before the
 * exec goes to the broker here; a kernel whose listener cannot install an
 * fd as the call's result (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14) fails the
 * spawn with a report of our own. Only our own child writes here (the
 * socket is close-on-exec): anything else is malformed (-1, EBADMSG).
 */
static ssize_t
setup_read(struct target *t, struct spawn_report *rep)
{
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { .iov_base = rep, .iov_len = sizeof(*rep) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		struct cmsghdr *c;
		int fd = -1, r;
		ssize_t n;

		if (t->setup_fd < 0)
			return 0;
		n = recvmsg(t->setup_fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0)
			return n;
		c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
		else if (!c && !(mh.msg_flags & MSG_CTRUNC))
			return n;
		if (fd < 0 || n != 1 || (mh.msg_flags & MSG_CTRUNC) || !t->notifying ||
		    !t->broker || broker_has_listener(t->broker)) {
			safe_close(fd);
			errno = EBADMSG;
			return -1;
		}
		r = broker_attach_listener(t->broker, fd,
		    ((const char *) rep)[0] == SPAWN_LISTENER_KILLABLE);
		if (r < 0) {
			*rep = (struct spawn_report) { .step = SPAWN_STEP_SECCOMP, .error = -r };
			(void) snprintf(rep->detail, sizeof(rep->detail), "%s",
			    r == -EOPNOTSUPP ? "the interception listener (this kernel cannot "
			    "install an fd as a call's result: SECCOMP_ADDFD_FLAG_SEND, Linux 5.14)" :
			    "the filter's listener");
			return sizeof(*rep);
		}
	}
}

/* The target has exec'd: the sandbox runs. */
static void
target_running(struct target *t)
{
	t->state = SBX_STATE_RUNNING;
	log_info("Sandbox %llu started: pid %d, uid %u, policy '%s', owner uid %u pid %d, "
	    "command '%s'.", (unsigned long long) t->id, (int) t->pid, (unsigned) t->uid,
	    t->policy_name, (unsigned) t->owner_uid, (int) t->owner_pid, t->command);
	manager_target_changed(t->manager, t);
	notify_spawned(t, 0, NULL);
}

/* Whether init has written the target's wait status (not read yet). */
static bool
status_pending(struct target *t)
{
	int n = 0;

	return t->status_fd >= 0 && ioctl(t->status_fd, FIONREAD, &n) == 0 &&
	    n >= (int) sizeof(int32_t);
}

static void
on_pidfd(evutil_socket_t fd, short what, void *userdata)
{
	struct target *t = userdata;

	if (t->state == SBX_STATE_STARTING) {
		/* Init is gone before on_setup() ran: read the setup pipe first. */
		struct spawn_report rep = {};
		ssize_t n = setup_read(t, &rep);
		struct error_msg msg;

		if (n == sizeof(rep)) {
			int r = report_message(&rep, &msg);

			t->state = SBX_STATE_EXITED;
			notify_spawned(t, r, msg.message);
		} else if (n == 0 && status_pending(t)) {
			/* A quick target: its exec (the pipe's EOF: init closes
			 * its copy once the vfork'd target has exec'd) and
			 * init's exit came in one turn of the loop, this one
			 * first. Init reported the target's status: it ran. */
			target_close_fds(t);
			target_running(t);
		} else {
			t->state = SBX_STATE_EXITED;
			notify_spawned(t, -EIO, "the sandbox died during set-up");
		}
	}
	target_reap(t);
}

static void
on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct target *t = userdata;

	log_notice("Sandbox %llu reached its wall-clock limit of %llu ms, killing.",
	    (unsigned long long) t->id, (unsigned long long) t->limits.timeout_ms);
	(void) target_kill(t, SIGKILL, SBX_LIMIT_TIMEOUT);
}

/*
 * When to look at a sandbox's CPU time next, having seen used_ms of it:
 * not before it could have used the rest of CPUTime= running on every
 * CPU of the host (the broker's work on its behalf runs on them too),
 * and at most CPU_CHECK_USEC late near the end. So a thousand sandboxes
 * far from their limit cost the loop nothing, where a check of each every
 * CPU_CHECK_USEC read four thousand cgroup files a second.
 */
static struct timeval
cpu_check_delay(const struct target *t, uint64_t used_ms)
{
	static uint64_t n_cpus;
	uint64_t left = used_ms < t->limits.cpu_ms ? t->limits.cpu_ms - used_ms : 0, ms;

	if (n_cpus == 0) {
		long n = sysconf(_SC_NPROCESSORS_CONF);

		n_cpus = n > 0 ? (uint64_t) n : 1024;
	}
	ms = left / n_cpus;
	if (ms < CPU_CHECK_USEC / 1000)
		ms = CPU_CHECK_USEC / 1000;
	return timeval_from_ms(ms);
}

/* RLIMIT_CPU bounds each process; this bounds the sandbox as a whole. */
static void
on_cpu_check(evutil_socket_t fd, short what, void *userdata)
{
	struct target *t = userdata;
	uint64_t used_ms;
	struct timeval tv;

	if (t->learn) {
		struct cgroup_stats cs = {};

		cgroup_stats_read(t->manager->cgroup_mode, t->cgroup, &cs);
		if (cs.tasks_current > t->tasks_peak)
			t->tasks_peak = cs.tasks_current;
	}
	/* The broker's time on its behalf counts too: interception makes
	 * the daemon do much of a target's work. */
	used_ms = (cgroup_cpu_usec(t->manager->cgroup_mode, t->cgroup) +
	    broker_cpu_usec(t->broker)) / 1000;
	if (used_ms >= t->limits.cpu_ms) {
		log_notice("Sandbox %llu used its CPU time of %llu ms, killing.",
		    (unsigned long long) t->id, (unsigned long long) t->limits.cpu_ms);
		(void) target_kill(t, SIGKILL, SBX_LIMIT_CPU);
		return;
	}
	/* Learning's timer repeats by itself. */
	if (!t->learn) {
		tv = cpu_check_delay(t, used_ms);
		if (evtimer_add(t->ev_cpu, &tv) < 0)
			log_warning("Sandbox %llu: cannot schedule its CPU time check.",
			    (unsigned long long) t->id);
	}
}

static void
on_setup(evutil_socket_t fd, short what, void *userdata)
{
	struct target *t = userdata;
	struct spawn_report rep = {};
	struct error_msg msg;
	ssize_t n;

	n = setup_read(t, &rep);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == sizeof(rep)) {
		int r = report_message(&rep, &msg);

		/* The owner can make this happen at will (a missing program). */
		(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, 0,
		    "Sandbox %llu (owner uid %u pid %d, policy '%s') %s.",
		    (unsigned long long) t->id, (unsigned) t->owner_uid, (int) t->owner_pid,
		    t->policy_name, msg.message);
		target_close_fds(t);
		t->state = SBX_STATE_EXITED;
		/* Setup errors are the daemon's or the host's; exec errors
		 * are the requester's (ENOENT: no such program). */
		notify_spawned(t, r, msg.message);
		(void) target_kill(t, SIGKILL, SBX_LIMIT_NONE);
		return;
	}
	/* EOF (or garbage, which only our own child could send): exec'd. */
	target_close_fds(t);
	/* Without the listener its refusals would wait for ever for an
	 * answer; unless it is being killed already (a limit, a KILL, the
	 * daemon's shutdown), which may have ended init before it handed the
	 * listener over: then the sandbox ends as killed, as it would have. */
	if (n == 0 && t->notifying && !(t->broker && broker_has_listener(t->broker)) &&
	    t->limit == SBX_LIMIT_NONE) {
		t->state = SBX_STATE_EXITED;
		notify_spawned(t, -EIO, "the sandbox's init did not hand over its filter's listener");
		(void) target_kill(t, SIGKILL, SBX_LIMIT_NONE);
		return;
	}
	if (n != 0) {
		t->state = SBX_STATE_EXITED;
		notify_spawned(t, -EIO, "sandbox set-up sent a malformed report");
		(void) target_kill(t, SIGKILL, SBX_LIMIT_NONE);
		return;
	}
	if (t->state == SBX_STATE_STARTING)
		target_running(t);
}

static int
start_events(struct target *t)
{
	struct event_base *b = t->manager->base;

	t->ev_pidfd = event_new(b, t->pidfd, EV_READ, on_pidfd, t);
	t->ev_setup = event_new(b, t->setup_fd, EV_READ | EV_PERSIST, on_setup, t);
	if (!t->ev_pidfd || !t->ev_setup || event_add(t->ev_pidfd, NULL) < 0 ||
	    event_add(t->ev_setup, NULL) < 0)
		return -ENOMEM;
	if (t->limits.timeout_ms != POLICY_UNLIMITED) {
		struct timeval tv = timeval_from_ms(t->limits.timeout_ms);

		t->ev_timeout = evtimer_new(b, on_timeout, t);
		if (!t->ev_timeout || evtimer_add(t->ev_timeout, &tv) < 0)
			return -ENOMEM;
	}
	if (t->limits.cpu_ms != POLICY_UNLIMITED && t->manager->cgroup_mode != CGROUP_NONE) {
		/* Learning samples the tasks often: a compiler's helpers live
		 * for milliseconds. */
		struct timeval tv = t->learn ? (struct timeval) { .tv_usec = LEARN_SAMPLE_USEC } :
		    cpu_check_delay(t, 0);

		t->ev_cpu = event_new(b, -1, t->learn ? EV_PERSIST : 0, on_cpu_check, t);
		if (!t->ev_cpu || evtimer_add(t->ev_cpu, &tv) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Everything that refuses a request before a sandbox is made: a daemon
 * shutting down, the policy, the command, stdio, the working directory,
 * the owner's quota, Landlock.
 * *ret is the store's policy, not a reference. */
static int
target_check_request(struct manager *m, const struct target_request *req, struct policy **ret,
    struct error_msg *err)
{
	struct policy *pol;

	if (m->shutting_down)
		return error_msg_setf(err, ESHUTDOWN, "sandboxd is shutting down");
	pol = policy_store_find(m->policies, req->policy);
	if (!pol)
		return error_msg_setf(err, ENOENT, "no such policy '%s'", req->policy);
	if (!req->argv[0] || !req->argv[0][0])
		return error_msg_setf(err, EINVAL, "empty command");
	/* stdio is the requester's to choose, but a directory (or an O_PATH
	 * fd) would hand the target a handle on the host's file tree. */
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "stdin", "stdout", "stderr" };
		struct stat st;
		int fl = fcntl(req->stdio[i], F_GETFL);

		if (fl < 0 || fstat(req->stdio[i], &st) < 0 || (fl & O_PATH) || S_ISDIR(st.st_mode))
			return error_msg_setf(err, EINVAL, "%s must be an open file, pipe, socket or "
			    "terminal, not a directory or a path handle", names[i]);
	}
	if (req->cwd && req->cwd[0] && req->cwd[0] != '/')
		return error_msg_setf(err, EINVAL, "working directory must be absolute");
	if (!manager_may_spawn(m, req->owner_uid))
		return error_msg_setf(err, EDQUOT, "too many sandboxes for uid %u",
		    (unsigned) req->owner_uid);
	if (req->learn && !pol->learn_bpf)
		return error_msg_setf(err, EOPNOTSUPP, "policy '%s' cannot be learned from: its system "
		    "call filter refuses execve, write or exit_group, or this kernel has no seccomp "
		    "user notification", pol->name);
	if (pol->landlock == POLICY_YES && m->landlock_abi <= 0)
		return error_msg_setf(err, EOPNOTSUPP, "policy '%s' requires Landlock, which this "
		    "kernel does not provide", pol->name);
	*ret = pol;
	return 0;
}

/* A target for the request, not started yet: its limits narrowed, its
 * environment (*ret_envp), names, id and anonymous uid. */
static int
target_new_from_request(struct manager *m, struct policy *pol, const struct target_request *req,
    struct target **ret, char ***ret_envp, struct error_msg *err)
{
	_cleanup_(target_freep) struct target *t = NULL;
	_cleanup_strv_free_ char **envp = NULL;
	char *cgroup;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*t = (struct target) {
		.manager = m,
		.owner_uid = req->owner_uid,
		.owner_pid = req->owner_pid,
		.owner = { .uid = req->owner_uid, .gid = req->owner_gid },
		.state = SBX_STATE_STARTING,
		.detach = req->detach,
		.policy = policy_ref(pol),
		.limits = pol->limits,
		.pidfd = -1,
		.setup_fd = -1,
		.status_fd = -1,
		.uid = (uid_t) -1,
	};
	t->learn = req->learn;
	if (t->learn)
		target_learn_limits(&t->limits);
	r = target_narrow_limits(&t->limits, &req->narrow, err);
	if (r < 0)
		return r;
	r = cgroup_check(m->cgroup_mode, &t->limits, err);
	if (r < 0)
		return r;
	if (req->n_owner_groups > 0) {
		t->owner.groups = calloc((size_t) req->n_owner_groups, sizeof(gid_t));
		if (!t->owner.groups)
			return -ENOMEM;
		memcpy(t->owner.groups, req->owner_groups, (size_t) req->n_owner_groups * sizeof(gid_t));
		t->owner.n_groups = req->n_owner_groups;
	}
	r = target_build_env(pol->environment, req->env, &envp, err);
	if (r < 0)
		return r;

	t->id = ++m->next_id;
	t->policy_name = strdup(pol->name);
	t->command = target_join_argv(req->argv);
	t->argv = strv_copy((char *const *) req->argv);
	if (!t->policy_name || !t->command || !t->argv)
		return -ENOMEM;
	if (asprintf(&cgroup, "sandbox-%llu", (unsigned long long) t->id) < 0)
		return -ENOMEM;
	t->cgroup = cgroup;
	r = uid_pool_get(&m->uids, &t->uid);
	if (r < 0)
		return error_msg_setf(err, -r, "no anonymous uid left");
	t->holds_uid = true;
	*ret_envp = TAKE_PTR(envp);
	*ret = TAKE_PTR(t);
	return 0;
}

/* Clones the child, into a prepared network namespace if there is one. */
static int
target_clone(struct target *t, struct spawn_plan *plan, int cg_fd)
{
	struct netns_pool *np = t->manager->netns;
	_cleanup_close_ int net_fd = netns_pool_take(np);
	int r;

	/* Into the prepared namespace for the clone, then home. */
	if (net_fd >= 0 && netns_enter(net_fd) >= 0) {
		plan->net_ready = true;
		r = spawn_clone(plan, cg_fd, &t->pid, &t->pidfd);
		netns_leave(np);
	} else
		r = spawn_clone(plan, cg_fd, &t->pid, &t->pidfd);
	return r;
}

/* Writes the child's id maps, attaches it to its cgroups, seals the
 * memfds of its pid namespace against execution and lets it go through
 * sync_w. On failure the child is dead and err says why. */
static int
target_release(struct target *t, int sync_w, struct error_msg *err)
{
	char c = 1;
	int r;

	/* The child builds its mount tree meanwhile (it needs neither), and
	 * waits for this before anything of the target runs. Attaching is
	 * slow on cgroup v1: every attach waits for an RCU grace period. */
	r = spawn_write_id_maps(t->pid, t->uid, (gid_t) t->uid);
	if (r >= 0)
		r = cgroup_attach(t->manager->cgroup_mode, t->cgroup, &t->limits, t->pid);
	if (r >= 0)
		r = pidns_sysctl_seal_memfds(t->policy, t->pidfd, t->uid, t->manager->self_pidfd);
	if (r >= 0 && write(sync_w, &c, 1) != 1)
		r = -errno;
	if (r < 0) {
		struct spawn_report rep = {};

		(void) spawn_signal(t->pidfd, t->uid, SIGKILL);
		(void) waitid(P_PIDFD, (id_t) t->pidfd, &(siginfo_t) {}, WEXITED);
		/* A child that failed early is why our write got EPIPE (or
		 * its maps could not be written): its own report says what
		 * went wrong, and it is complete now that the child is gone. */
		(void) fcntl(t->setup_fd, F_SETFL, O_NONBLOCK);
		if (setup_read(t, &rep) == sizeof(rep))
			return report_message(&rep, err);
		return error_msg_setf(err, -r, "cannot prepare the sandbox: %s", strerror(-r));
	}
	return 0;
}

/* Pipes, root, cgroup, clone, broker channel, id maps, release. On
 * failure no child is left and the cgroup is on its way out. */
static int
target_start(struct target *t, const struct target_request *req, char **envp,
    struct error_msg *err)
{
	struct manager *m = t->manager;
	struct policy *pol = t->policy;
	_cleanup_close_pair_ int setup[2] = { -1, -1 }, status[2] = { -1, -1 };
	_cleanup_close_pair_ int sync[2] = { -1, -1 }, chan[2] = { -1, -1 };
	_cleanup_close_ int root_fd = -1, cg_fd = -1;
	struct spawn_plan plan;
	struct sysinfo si;
	char meminfo[512];
	int n, r;

	/* A socket for set-up: it carries the interception listener too. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, setup) < 0 ||
	    pipe2(status, O_CLOEXEC) < 0 || pipe2(sync, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0)
		return -errno;
	/* A root made ahead of time if there is one; the next is made after
	 * this spawn, off its path. */
	root_fd = pol->spare_root >= 0 ? TAKE_FD(pol->spare_root) : skeleton_make(pol);
	manager_want_spares(m);
	/* The sandbox's /proc/meminfo, none without a memory limit. */
	n = target_format_meminfo(meminfo, sizeof(meminfo), t->limits.memory_max,
	    sysinfo(&si) == 0 ? (uint64_t) si.totalram * si.mem_unit : 0);
	r = root_fd < 0 ? root_fd : n < 0 ? n :
	    skeleton_finish(root_fd, pol, t->uid, (gid_t) t->uid, n > 0 ? meminfo : NULL);
	if (r < 0)
		return error_msg_setf(err, -r, "cannot prepare the sandbox's root: %s", strerror(-r));

	plan = (struct spawn_plan) {
		.root = SANDBOXD_RUNDIR "/root",
		.root_fd = root_fd,
		.mounts = pol->mounts,
		.n_mounts = pol->n_mounts,
		.tmp = pol->tmp,
		.tmp_size = t->limits.tmp_size,
		.shm = pol->shm,
		.shm_size = t->limits.shm_size,
		.hostname = pol->hostname ? pol->hostname : "sandbox",
		.argv = (char **) req->argv,
		.envp = envp,
		.path = target_env_path(envp),	/* target_build_env() always sets one */
		.cwd = req->cwd && req->cwd[0] ? req->cwd : pol->cwd ? pol->cwd : "/",
		.uid = t->uid,
		.gid = (gid_t) t->uid,
		.nofile = t->limits.nofile_max,
		.fsize = t->limits.fsize_max,
		.cpu_sec = target_cpu_rlimit_sec(t->limits.cpu_ms),
		.rss = target_rss_rlimit(t->limits.memory_max),
		.meminfo = n > 0,
		.prog = { .len = (unsigned short) pol->bpf_len, .filter = pol->bpf },
		.init_prog = { .len = (unsigned short) m->init_policy->bpf_len,
		    .filter = m->init_policy->bpf },
		.notify_prog = t->learn ?
		    (struct sock_fprog) { .len = (unsigned short) pol->learn_bpf_len,
		    .filter = pol->learn_bpf } :
		    (struct sock_fprog) { .len = (unsigned short) pol->notify_bpf_len,
		    .filter = pol->notify_bpf },
		.notify_exec_at = t->learn ? (int) (pol->bpf_len + POLICY_LEARN_EXEC_AT) : -1,
		.landlock_abi = pol->landlock == POLICY_NO ? 0 : m->landlock_abi,
		.net_shared = pol->network,
		.stdio = { req->stdio[0], req->stdio[1], req->stdio[2] },
		.daemon_pidfd = m->self_pidfd,
		.setup_w = setup[1],
		.status_w = status[1],
		.sync_r = sync[0],
		.broker_fd = chan[1],
	};
	t->landlock_abi = plan.landlock_abi;
	t->notifying = plan.notify_prog.len > 0;

	r = cgroup_create(m->cgroup_mode, t->cgroup, &t->limits, &cg_fd);
	if (r < 0)
		(void) error_msg_setf(err, -r, "cannot create the sandbox's cgroup: %s", strerror(-r));
	else if ((r = target_clone(t, &plan, cg_fd)) < 0)
		(void) error_msg_setf(err, -r, "cannot create the sandbox's namespaces: %s",
		    strerror(-r));
	else {
		/* The child's copies are what count now. */
		setup[1] = safe_close(setup[1]);
		status[1] = safe_close(status[1]);
		sync[0] = safe_close(sync[0]);
		chan[1] = safe_close(chan[1]);
		(void) fcntl(chan[0], F_SETFL, O_NONBLOCK);
		r = broker_new_consume_fd(t, TAKE_FD(chan[0]), &t->broker);
		if (r < 0)
			log_warning_errno(r, "Sandbox %llu: no broker channel: %m", (unsigned long long) t->id);
		/* Its filter's refusals wait for the broker's answers. */
		if (r < 0 && t->notifying) {
			(void) spawn_signal(t->pidfd, t->uid, SIGKILL);
			(void) error_msg_setf(err, -r, "cannot make the sandbox's broker: %s",
			    strerror(-r));
		} else
			r = 0;
		t->setup_fd = TAKE_FD(setup[0]);
		t->status_fd = TAKE_FD(status[0]);
		t->start_usec = now_usec(CLOCK_REALTIME);
		t->start_mono_usec = now_usec(CLOCK_MONOTONIC);
		if (r >= 0)
			r = target_release(t, sync[1], err);
	}
	if (r < 0) {
		manager_release_cgroup(m, t->cgroup);
		return r;
	}
	(void) fcntl(t->setup_fd, F_SETFL, O_NONBLOCK);
	(void) fcntl(t->status_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

int
target_spawn(struct manager *m, const struct target_request *req, struct target **ret,
    struct error_msg *err)
{
	_cleanup_(target_freep) struct target *t = NULL;
	_cleanup_strv_free_ char **envp = NULL;
	struct policy *pol = NULL;
	int r;

	err->message[0] = '\0';
	r = target_check_request(m, req, &pol, err);
	if (r >= 0)
		r = target_new_from_request(m, pol, req, &t, &envp, err);
	if (r >= 0)
		r = target_start(t, req, envp, err);
	if (r < 0 && !err->message[0])
		return error_msg_setf(err, -r, "%s", strerror(-r));
	if (r < 0)
		return r;

	manager_add_target(m, t);
	r = start_events(t);
	if (r < 0) {
		/* Cannot supervise it: kill it; the pidfd event (if any)
		 * or target_free() cleans up. It is the registry's now. */
		(void) spawn_signal(t->pidfd, t->uid, SIGKILL);
		(void) TAKE_PTR(t);
		return error_msg_setf(err, -r, "out of memory");
	}
	*ret = TAKE_PTR(t);
	return 0;
}

int
target_watch_new(struct target *t, const struct target_watch_ops *ops, void *userdata,
    struct target_watch **ret)
{
	struct target_watch *w;

	if (t->watch)
		return -EBUSY;
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct target_watch) { .target = t, .ops = ops, .userdata = userdata };
	t->watch = w;
	*ret = w;
	return 0;
}

struct target_watch *
target_watch_free(struct target_watch *w)
{
	struct target *t;

	if (!w)
		return NULL;
	t = w->target;
	if (t) {
		(void) watch_end(t);
		if (!t->detach && t->state != SBX_STATE_EXITED) {
			log_info("Sandbox %llu: its requester went away, killing.", (unsigned long long) t->id);
			(void) target_kill(t, SIGKILL, SBX_LIMIT_KILLED);
		}
	}
	free(w);
	return NULL;
}

int
target_kill(struct target *t, int sig, uint32_t why)
{
	if (t->pidfd < 0)
		return -ESRCH;	/* exited, or never started */
	/* Init has reported the target's end already (it is not reaped yet):
	 * killing what is left ends nothing the limit would name. */
	if (sig == SIGKILL && why != SBX_LIMIT_NONE && t->limit == SBX_LIMIT_NONE &&
	    !status_pending(t))
		t->limit = why;
	/* Init forwards catchable signals to the target; SIGKILL to init
	 * ends the pid namespace and with it every process inside. */
	return spawn_signal(t->pidfd, t->uid, sig);
}

int
target_signal(struct target *t, int sig, struct error_msg *err)
{
	if (t->state == SBX_STATE_EXITED)
		return error_msg_setf(err, ESRCH, "sandbox %llu is not running",
		    (unsigned long long) t->id);
	if (sig < 0 || sig >= NSIG || sig == SIGSTOP)
		return error_msg_setf(err, EINVAL, "signal %d cannot be sent", sig);
	if (sig > 0)
		t->requested_signal = sig;
	return target_kill(t, sig, SBX_LIMIT_KILLED);
}

void
target_put_info(struct sbx_writer *w, struct target *t, bool denials)
{
	struct sbx_named_denial d[SBX_DENIALS_MAX];
	struct sbx_info info;
	size_t n;

	/* After the broker's counts are synced into t. */
	target_describe(t, &info);
	n = denials ? t->n_denials : 0;
	for (size_t i = 0; i < n; i++)
		d[i] = (struct sbx_named_denial) { .d = t->denials[i].d, .name = t->denials[i].name };
	sbx_msg_info_put(w, &info, t->policy_name, t->command, t->last_denial, d, n);
}

void
target_describe(struct target *t, struct sbx_info *ret)
{
	struct cgroup_stats cs = {};

	if (t->broker)
		broker_sync_stats(t->broker, t);
	if (t->state != SBX_STATE_EXITED)
		cgroup_stats_read(t->manager->cgroup_mode, t->cgroup, &cs);
	else {
		cs.cpu_usec = t->exit.cpu_usec;
		cs.memory_peak = t->exit.memory_peak;
	}
	*ret = (struct sbx_info) {
		.id = t->id,
		.owner_uid = t->owner_uid,
		.owner_pid = (uint32_t) t->owner_pid,
		.pid = (uint32_t) t->pid,
		.uid = t->uid,
		.state = t->state,
		.limit = t->limit,
		.start_usec = t->start_usec,
		.cpu_usec = cs.cpu_usec,
		.memory_current = cs.memory_current,
		.memory_peak = cs.memory_peak,
		.tasks_current = cs.tasks_current,
		.timeout_ms = t->limits.timeout_ms,
		.memory_max = t->limits.memory_max,
		.tasks_max = t->limits.tasks_max,
		.cpu_ms = t->limits.cpu_ms,
		.broker_requests = t->broker_requests,
		.broker_denied = t->broker_denied,
	};
}

struct target *
target_free(struct target *t)
{
	if (!t)
		return NULL;
	(void) watch_end(t);	/* its owner frees it */
	event_freep(&t->ev_pidfd);
	event_freep(&t->ev_setup);
	event_freep(&t->ev_timeout);
	event_freep(&t->ev_cpu);
	event_freep(&t->ev_linger);
	safe_close(t->pidfd);
	safe_close(t->setup_fd);
	safe_close(t->status_fd);
	free(t->policy_name);
	free(t->command);
	strv_free(t->argv);
	free(t->last_denial);
	free(t->denials);
	free(t->learned);
	free(t->cgroup);
	broker_free(t->broker);
	relay_free_all(t);
	policy_unref(t->policy);
	free(t->owner.groups);
	target_put_uid(t);
	free(t);
	return NULL;
}
