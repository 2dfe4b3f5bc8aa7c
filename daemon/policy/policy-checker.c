/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running POLICY_CHECK in children (see policy-checker.h). The text is a
 * local user's and the parser is C: it is never parsed in the daemon. The
 * forked child only arranges its fds, becomes an anonymous uid of the
 * pool (no groups, no capabilities, no_new_privs, parent-death signal
 * re-armed after the switch) and execs the daemon's own binary in check
 * mode, which adds its seccomp filter before it reads the text. So the
 * child runs nothing of ours after fork() but system calls.
 *
 * The daemon trusts nothing the child says: its stdout is read to at most
 * one message's size and must be exactly one well-formed POLICY_REPORT
 * (checked with the shared decoder); anything else, an exit by a signal,
 * or running past POLICY_CHECK_TIMEOUT_SEC is reported to the client as
 * a failed check. Its stderr is the daemon's, for its debug line. Every
 * fd is non-blocking and event-driven: a stuck child stalls nothing.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event-util.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "policy-check.h"
#include "policy-checker.h"
#include "spawn.h"

struct policy_checker {
	LIST_ENTRY(policy_checker) link;
	struct manager	*manager;
	const struct policy_checker_ops *ops;
	void		*owner;
	uint64_t	cookie;
	uid_t		peer_uid;
	pid_t		peer_pid;
	uid_t		uid;		/* from the pool; returned once reaped */
	pid_t		pid;
	int		pidfd;
	int		in_fd;		/* the text goes in: write end, non-blocking */
	int		out_fd;		/* the report comes out: read end, non-blocking */
	char		*text;
	size_t		text_len, text_done;
	uint8_t		*out;		/* SBX_MSG_SIZE_MAX + 1 bytes */
	size_t		out_len;
	bool		timed_out, overflow;
	struct event	*ev_in, *ev_out, *ev_exit, *ev_timeout;
};

static struct policy_checker *
checker_free(struct policy_checker *k)
{
	if (!k)
		return NULL;
	if (k->pidfd >= 0) {
		/* Killed, so the wait is short; reaped, so the uid is free. */
		(void) spawn_signal(k->pidfd, k->uid, SIGKILL);
		(void) waitid(P_PIDFD, (id_t) k->pidfd, &(siginfo_t) {}, WEXITED);
		safe_close(k->pidfd);
		uid_pool_put(&k->manager->uids, k->uid);
	}
	LIST_REMOVE(k, link);
	event_freep(&k->ev_in);
	event_freep(&k->ev_out);
	event_freep(&k->ev_exit);
	event_freep(&k->ev_timeout);
	safe_close(k->in_fd);
	safe_close(k->out_fd);
	free(k->text);
	free(k->out);
	free(k);
	return NULL;
}

static unsigned
count_checks(struct manager *m, uid_t uid, unsigned *ret_all)
{
	struct policy_checker *k;
	unsigned n = 0, all = 0;

	LIST_FOREACH(k, &m->checkers, link) {
		all++;
		if (k->peer_uid == uid)
			n++;
	}
	*ret_all = all;
	return n;
}

/* Reads what the child wrote so far: 1 if more may come, 0 at EOF, -1
 * once it wrote more than a message. */
static int
read_output(struct policy_checker *k)
{
	for (;;) {
		ssize_t n = read(k->out_fd, k->out + k->out_len, SBX_MSG_SIZE_MAX + 1 - k->out_len);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : 0;
		if (n == 0)
			return 0;
		k->out_len += (size_t) n;
		if (k->out_len > SBX_MSG_SIZE_MAX) {
			k->overflow = true;
			return -1;
		}
	}
}

static void
on_out(evutil_socket_t fd, short what, void *userdata)
{
	struct policy_checker *k = userdata;
	int r = read_output(k);

	/* EOF or too much: the exit event finishes the check. */
	if (r <= 0)
		event_del(k->ev_out);
	if (r < 0)
		(void) spawn_signal(k->pidfd, k->uid, SIGKILL);
}

static void
on_in(evutil_socket_t fd, short what, void *userdata)
{
	struct policy_checker *k = userdata;

	while (k->text_done < k->text_len) {
		ssize_t n = write(k->in_fd, k->text + k->text_done, k->text_len - k->text_done);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;		/* EPIPE: the child is gone; its exit says why */
		k->text_done += (size_t) n;
	}
	/* EOF for the child. */
	event_del(k->ev_in);
	k->in_fd = safe_close(k->in_fd);
}

static void
on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct policy_checker *k = userdata;

	k->timed_out = true;
	(void) spawn_signal(k->pidfd, k->uid, SIGKILL);
}

/* Tells the owner the child's report, or why there is none. */
static void
reply(struct policy_checker *k, const siginfo_t *si)
{
	struct ini_diags *d = NULL;
	struct sbx_reader r;
	const char *why = NULL;
	char buf[128];
	int error = EIO;

	if (k->timed_out) {
		error = ETIMEDOUT;
		why = "policy check took longer than 5 s and was stopped";
	} else if (k->overflow)
		why = "policy checker wrote more than one message";
	else if (si->si_code != CLD_EXITED) {
		(void) snprintf(buf, sizeof(buf), "policy checker was killed by signal SIG%s",
		    sigabbrev_np(si->si_status) ?: "?");
		why = buf;
	} else if (!(d = calloc(1, sizeof(*d))))
		error = ENOMEM, why = "out of memory";
	else if (sbx_reader_init(&r, k->out, k->out_len) < 0 ||
	    r.hdr.type != SBX_MSG_POLICY_REPORT || r.hdr.serial != 0 ||
	    sbx_msg_policy_report_get(&r, d) < 0)
		why = "policy checker failed";

	if (why) {
		/* A hostile text can make this happen at will. */
		(void) ratelimit_log(&k->manager->peer_log, k->peer_uid, LOG_WARNING, 0,
		    "Policy check for uid %u pid %d failed: %s.",
		    (unsigned) k->peer_uid, (int) k->peer_pid, why);
		k->ops->done(k->owner, k->cookie, -error, why, NULL);
	} else {
		log_debug("Policy check for uid %u pid %d: %u errors, %u warnings.",
		    (unsigned) k->peer_uid, (int) k->peer_pid, d->n_errors, d->n_warnings);
		k->ops->done(k->owner, k->cookie, 0, NULL, d);
	}
	free(d);
}

static void
on_child_exit(evutil_socket_t fd, short what, void *userdata)
{
	struct policy_checker *k = userdata;
	siginfo_t si = {};

	if (waitid(P_PIDFD, (id_t) k->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	k->pidfd = safe_close(k->pidfd);
	uid_pool_put(&k->manager->uids, k->uid);
	/* Whatever is left in the pipe: the writer is gone, so this ends. */
	if (!k->overflow)
		(void) read_output(k);
	reply(k, &si);
	checker_free(k);
}

/* The check's command line, made before fork(): the daemon's policy
 * layers go along as -p, so Include= names what it names here. */
static char **
child_argv(const struct manager *m)
{
	_cleanup_strv_free_ char **v = NULL;

	if (strv_push(&v, "sandboxd") < 0 || strv_push(&v, "--check-policy") < 0 ||
	    strv_push(&v, "-") < 0 || strv_push(&v, "--check-policy-wire") < 0 ||
	    strv_push(&v, "--log-level") < 0 ||
	    strv_push(&v, log_get_max_level() >= LOG_DEBUG ? "debug" : "warning") < 0)
		return NULL;
	for (char **d = m->conf.policy_dirs; d && *d; d++)
		if (strv_push(&v, "-p") < 0 || strv_push(&v, *d) < 0)
			return NULL;
	return TAKE_PTR(v);
}

/* The child: fds, identity, exec. System calls only (we forked). */
static void __attribute__((noreturn))
child(int in_fd, int out_fd, uid_t uid, pid_t parent, char **args)
{
	char *const envp[] = { NULL };

	/* dup2() onto itself would keep close-on-exec: clear it explicitly. */
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    fcntl(STDIN_FILENO, F_SETFD, 0) < 0 || fcntl(STDOUT_FILENO, F_SETFD, 0) < 0)
		_exit(127);
	if (policy_check_drop_privileges(uid, (gid_t) uid) < 0)
		_exit(127);
	/* The identity switch cleared it (prctl(2)). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(127);
	execve("/proc/self/exe", args, envp);
	_exit(127);
}

static int
checker_spawn(struct policy_checker *k)
{
	_cleanup_strv_free_ char **args = child_argv(k->manager);
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	pid_t parent = getpid();

	if (!args)
		return -ENOMEM;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		int r = -errno;

		safe_close(in[0]);
		safe_close(in[1]);
		return r;
	}
	k->pid = fork();
	if (k->pid < 0) {
		int r = -errno;

		safe_close(in[0]);
		safe_close(in[1]);
		safe_close(out[0]);
		safe_close(out[1]);
		return r;
	}
	if (k->pid == 0)
		child(in[0], out[1], k->uid, parent, args);
	safe_close(in[0]);
	safe_close(out[1]);
	k->in_fd = in[1];
	k->out_fd = out[0];
	/* The child is ours until we wait for it, so the pid cannot be reused. */
	k->pidfd = (int) syscall(SYS_pidfd_open, k->pid, 0);
	if (k->pidfd < 0) {
		int r = -errno;

		(void) spawn_signal_pid(k->pid, k->uid, SIGKILL);
		(void) waitpid(k->pid, NULL, 0);
		return r;
	}
	if (fcntl(k->in_fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(k->out_fd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int
policy_checker_start(struct manager *m, const struct policy_checker_req *req,
    const struct policy_checker_ops *ops, struct error_msg *err)
{
	struct policy_checker *k;
	struct timeval tv = { .tv_sec = POLICY_CHECK_TIMEOUT_SEC };
	unsigned all;
	int r;

	if (count_checks(m, req->peer_uid, &all) >= POLICY_CHECKS_PER_UID)
		return error_msg_setf(err, EAGAIN, "too many policy checks of uid %u at once "
		    "(at most %d)", (unsigned) req->peer_uid, POLICY_CHECKS_PER_UID);
	if (all >= POLICY_CHECKS_MAX)
		return error_msg_setf(err, EAGAIN, "too many policy checks at once");
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	*k = (struct policy_checker) {
		.manager = m,
		.ops = ops,
		.owner = req->owner,
		.cookie = req->cookie,
		.peer_uid = req->peer_uid,
		.peer_pid = req->peer_pid,
		.pidfd = -1,
		.in_fd = -1,
		.out_fd = -1,
	};
	LIST_INSERT_HEAD(&m->checkers, k, link);
	k->text_len = strlen(req->text);
	k->text = strdup(req->text);
	k->out = malloc(SBX_MSG_SIZE_MAX + 1);
	if (!k->text || !k->out) {
		checker_free(k);
		return -ENOMEM;
	}
	r = uid_pool_get(&m->uids, &k->uid);
	if (r < 0) {
		checker_free(k);
		return error_msg_setf(err, EAGAIN, "no anonymous uid free for the check");
	}
	r = checker_spawn(k);
	if (r < 0) {
		if (k->pidfd < 0)	/* else checker_free() reaps it and returns the uid */
			uid_pool_put(&m->uids, k->uid);
		checker_free(k);
		return log_error_errno(r, "Failed to start a policy checker: %m");
	}
	k->ev_in = event_new(m->base, k->in_fd, EV_WRITE | EV_PERSIST, on_in, k);
	k->ev_out = event_new(m->base, k->out_fd, EV_READ | EV_PERSIST, on_out, k);
	k->ev_exit = event_new(m->base, k->pidfd, EV_READ | EV_PERSIST, on_child_exit, k);
	k->ev_timeout = evtimer_new(m->base, on_timeout, k);
	if (!k->ev_in || !k->ev_out || !k->ev_exit || !k->ev_timeout ||
	    event_add(k->ev_in, NULL) < 0 || event_add(k->ev_out, NULL) < 0 ||
	    event_add(k->ev_exit, NULL) < 0 || evtimer_add(k->ev_timeout, &tv) < 0) {
		checker_free(k);
		return -ENOMEM;
	}
	log_debug("Policy check for uid %u pid %d runs in pid %d as uid %u.",
	    (unsigned) req->peer_uid, (int) req->peer_pid, (int) k->pid, (unsigned) k->uid);
	return 0;
}

void
policy_checker_cancel(struct manager *m, void *owner)
{
	struct policy_checker *k, *next;

	for (k = LIST_FIRST(&m->checkers); k; k = next) {
		next = LIST_NEXT(k, link);
		if (k->owner == owner) {
			k->ops->done(k->owner, k->cookie, -ECANCELED, NULL, NULL);
			checker_free(k);
		}
	}
}
