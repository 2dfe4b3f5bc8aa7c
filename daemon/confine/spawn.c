/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The child side of spawning (see spawn.h for the protocol with the
 * parent). Everything after clone runs in a copy of the daemon's memory
 * and calls only async-signal-safe functions and raw system calls: the
 * plan was built beforehand, the seccomp filter compiled at policy load.
 *
 * Order (docs/ARCHITECTURE.md, "A spawn"): mount tree and pivot_root (confine-mount.c, while
 * the parent writes our id maps and attaches our cgroups) → wait for the
 * parent → identity (then the parent-death signal again, which the
 * switch cleared) → hostname → loopback → setsid → cgroup namespace →
 * fds (the daemon's whole table closed) → rlimits (only then OpenFiles=)
 * → capabilities → no_new_privs → Landlock → fork the target. The target: cwd → seccomp → exec. The
 * first process stays as the sandbox's pid 1: it forwards signals, reaps,
 * reports the target's wait status on the status pipe and, when the
 * target is gone, kills whatever is left in the namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "net-util.h"
#include "sandbox-protocol.h"
#include "spawn.h"

static const char *const step_names[] = {
	[SPAWN_STEP_MOUNT] = "set up the mount namespace",
	[SPAWN_STEP_BIND] = "bind-mount a policy path",
	[SPAWN_STEP_PROC] = "mount /proc",
	[SPAWN_STEP_DEV] = "set up /dev",
	[SPAWN_STEP_TMP] = "mount /tmp",
	[SPAWN_STEP_PIVOT] = "pivot to the new root",
	[SPAWN_STEP_HOSTNAME] = "set the hostname",
	[SPAWN_STEP_LOOPBACK] = "bring up loopback",
	[SPAWN_STEP_SETSID] = "start a new session",
	[SPAWN_STEP_RLIMIT] = "set resource limits",
	[SPAWN_STEP_FDS] = "arrange file descriptors",
	[SPAWN_STEP_IDENTITY] = "switch to the anonymous uid",
	[SPAWN_STEP_CAPS] = "drop capabilities",
	[SPAWN_STEP_NNP] = "set no_new_privs",
	[SPAWN_STEP_LANDLOCK] = "apply Landlock",
	[SPAWN_STEP_FORK] = "fork the target",
	[SPAWN_STEP_CWD] = "change to the working directory",
	[SPAWN_STEP_SECCOMP] = "apply the seccomp filter",
	[SPAWN_STEP_EXEC] = "execute",
	[SPAWN_STEP_CGROUPNS] = "create the cgroup namespace",
	[SPAWN_STEP_SHM] = "mount /dev/shm",
};

const char *
spawn_step_to_string(int step)
{
	if (step <= 0 || (size_t) step >= ELEMENTSOF(step_names) || !step_names[step])
		return "set up the sandbox";
	return step_names[step];
}

static void
copy_detail(struct spawn_report *rep, const char *s)
{
	size_t i = 0;

	if (s)
		for (; s[i] && i < sizeof(rep->detail) - 1; i++)
			rep->detail[i] = s[i];
	rep->detail[i] = '\0';
}

_Noreturn static void
fail(int fd, struct spawn_report *rep, int step, int error, int code)
{
	rep->step = step;
	rep->error = error < 0 ? -error : error;
	if (rep->error == 0)
		rep->error = EIO;
	(void) !write(fd, rep, sizeof(*rep));
	_exit(code);
}

static int
set_rlimit(int resource, uint64_t v)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = v == UINT64_MAX ? RLIM_INFINITY : (rlim_t) v;
	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/* Every other limit the target inherits (the daemon's: RLIMIT_STACK,
 * RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, ...) with its hard limit lowered to its
 * soft one: the target cannot raise any (an unlimited stack would take a
 * command line of any size). */
static int
pin_rlimits(void)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit rl;

		if (getrlimit(i, &rl) < 0)
			return -errno;
		if (rl.rlim_max == rl.rlim_cur)
			continue;
		rl.rlim_max = rl.rlim_cur;
		if (setrlimit(i, &rl) < 0)
			return -errno;
	}
	return 0;
}

/* Moves stdio to 0-2 and the pipes to their fixed numbers, then closes
 * everything else. Takes care that no source is overwritten early. */
static int
arrange_fds(const struct spawn_plan *p)
{
	int src[6] = { p->stdio[0], p->stdio[1], p->stdio[2], p->broker_fd, p->setup_w, p->status_w };
	const int dst[6] = { 0, 1, 2, SBX_BROKER_FD, SPAWN_SETUP_FD, SPAWN_STATUS_FD };
	int tmp[6];

	/* First lift every source above all destinations. */
	for (size_t i = 0; i < 6; i++) {
		tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 16);
		if (tmp[i] < 0)
			return -errno;
	}
	for (size_t i = 0; i < 6; i++) {
		/* stdio and the broker channel survive exec; the pipes do not. */
		int flags = i < 4 ? 0 : O_CLOEXEC;

		if (dup3(tmp[i], dst[i], flags) < 0)
			return -errno;
	}
	if (syscall(SYS_close_range, SPAWN_STATUS_FD + 1, ~0U, 0) < 0)
		return -errno;
	return 0;
}

static int
drop_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	/* Lock the uid semantics so nothing can bring capabilities back. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
	    SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
	    SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0 && errno != EPERM)
		return -errno;
	/* Up to the kernel's last capability: EINVAL marks the end. */
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return -errno;
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	/* Verify: nothing permitted, effective or inheritable is left. */
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (d[0].permitted || d[1].permitted || d[0].effective || d[1].effective ||
	    d[0].inheritable || d[1].inheritable)
		return -EPERM;
	return 0;
}

/* Invariant 7: whatever way the daemon dies, init (and with it the pid
 * namespace) dies too. */
static int
arm_parent_death(const struct spawn_plan *p)
{
	struct pollfd pfd = { .fd = p->daemon_pidfd, .events = POLLIN };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	if (p->daemon_pidfd < 0)
		return 0;
	if (poll(&pfd, 1, 0) < 0)
		return -errno;
	if (pfd.revents != 0)
		_exit(1);	/* nobody left to supervise us */
	return 0;
}

/* The raw system calls: glibc's wrappers would try to apply the change to
 * every thread they know of, and in this clone of the daemon's memory
 * that list still names the daemon's worker threads (workers.c), which
 * do not exist here. */
static int
switch_identity(const struct spawn_plan *p)
{
	uid_t r, e, s;

	if (syscall(SYS_setgroups, 0, NULL) < 0)
		return -errno;
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		return -errno;
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return -errno;
	if (getresuid(&r, &e, &s) < 0 || r != p->uid || e != p->uid || s != p->uid)
		return -EPERM;
	return 0;
}

/* Tries argv[0] in each $PATH directory, as execvp would. */
static int
exec_target(const struct spawn_plan *p)
{
	const char *name = p->argv[0];
	char buf[4096];
	int saved = ENOENT;

	if (strchr(name, '/')) {
		execve(name, p->argv, p->envp);
		return -errno;
	}
	for (const char *d = p->path; d && *d;) {
		const char *end = strchrnul(d, ':');
		size_t dl = (size_t) (end - d), nl = strlen(name);

		if (dl > 0 && dl + 1 + nl < sizeof(buf)) {
			memcpy(buf, d, dl);
			buf[dl] = '/';
			memcpy(buf + dl + 1, name, nl + 1);
			execve(buf, p->argv, p->envp);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		d = *end ? end + 1 : end;
	}
	return -saved;
}

static volatile pid_t target_pid;
/* The target's, until its exec: exec_target()'s buffer and libc's. */
#define TARGET_STACK_SIZE (256 * 1024)
static char *title_area;
static size_t title_len;

void
spawn_set_title_area(char *start, size_t len)
{
	title_area = start;
	title_len = len;
}

/* The sandbox's pid 1 is a copy of the daemon: give it its own name in
 * ps, and do not show the daemon's command line inside the sandbox. */
static void
set_init_title(void)
{
	static const char name[] = "sandbox-init";

	(void) prctl(PR_SET_NAME, name, 0, 0, 0);
	if (title_area && title_len > 0) {
		size_t n = sizeof(name) < title_len ? sizeof(name) : title_len - 1;

		memset(title_area, 0, title_len);
		memcpy(title_area, name, n);
	}
}

static void
forward_signal(int sig)
{
	if (target_pid > 0)
		(void) kill(target_pid, sig);
}

static volatile int listener_fd = -1;
static volatile char listener_tag;

/*
 * The policy's filter, last before exec. With a notifying one, its
 * listener stays in the fd table the target shares with init (close on
 * exec: the target's own copy at exec loses it, init's keeps it), and
 * init hands it to the daemon once the target has exec'd: until then
 * nobody answers a notification, so nothing after this may make a call
 * the filter notifies (policy-seccomp.c: compile_notify()). The wait
 * after the broker took a call is killable only where the kernel can
 * (5.19), so that a signal cannot make an action the broker performed
 * happen twice (the call restarted).
 */
static void
install_filter(const struct spawn_plan *p, struct spawn_report *rep)
{
	long fd;

	if (p->notify_prog.len == 0) {
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->prog) < 0)
			fail(SPAWN_SETUP_FD, rep, SPAWN_STEP_SECCOMP, errno, 126);
		return;
	}
	if (p->notify_exec_at >= 0) {
		struct sock_filter *f = (struct sock_filter *) p->notify_prog.filter;
		uint64_t envp = (uint64_t) (uintptr_t) p->envp;

		/* Our copy of the daemon's memory: its own is untouched. */
		f[p->notify_exec_at].k = (uint32_t) envp;
		f[p->notify_exec_at + 2].k = (uint32_t) (envp >> 32);
	}
	listener_tag = SPAWN_LISTENER_KILLABLE;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &p->notify_prog);
	if (fd < 0 && errno == EINVAL) {
		listener_tag = SPAWN_LISTENER;
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
		    &p->notify_prog);
	}
	if (fd < 0) {
		copy_detail(rep, "the notifying filter (seccomp user notification, Linux 5.0)");
		fail(SPAWN_SETUP_FD, rep, SPAWN_STEP_SECCOMP, errno, 126);
	}
	listener_fd = (int) fd;
}

/* In init, once the target has exec'd (or failed to). */
static void
send_listener(void)
{
	char tag = listener_tag;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {};
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int fd = listener_fd;

	if (fd < 0)
		return;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	/* Failing, the daemon sees EOF without a listener and ends the
	 * sandbox: its refusals could not be answered. */
	(void) sendmsg(SPAWN_SETUP_FD, &mh, MSG_NOSIGNAL);
	(void) close(fd);
}

_Noreturn static void
run_target(const struct spawn_plan *p, struct spawn_report *rep)
{
	sigset_t none;
	int r;

	/* Signal state must not leak into the target: exec resets caught
	 * signals, but not ignored ones (the daemon ignores SIGPIPE), nor
	 * the mask. Its fd table is init's until exec: what init holds and
	 * the target must not (the status and setup sockets) is close on
	 * exec. */
	(void) signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, NULL);

	if (chdir(p->cwd) < 0) {
		copy_detail(rep, p->cwd);
		fail(SPAWN_SETUP_FD, rep, SPAWN_STEP_CWD, errno, 126);
	}
	/* Last restriction before exec: nothing above may need a syscall
	 * the policy forbids. */
	install_filter(p, rep);
	r = exec_target(p);
	copy_detail(rep, p->argv[0]);
	fail(SPAWN_SETUP_FD, rep, SPAWN_STEP_EXEC, r, r == -ENOENT ? 127 : 126);
}

struct target_args {
	const struct spawn_plan	*plan;
	struct spawn_report	*rep;
};

static int
target_main(void *userdata)
{
	const struct target_args *a = userdata;

	run_target(a->plan, a->rep);
}

/* Before the target exists, so that no signal sent to the sandbox finds
 * init without its handlers. */
static void
init_signals(void)
{
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
		SIGCONT, SIGWINCH, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU };

	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		(void) sigaction(forwarded[i], &sa, NULL);
}

_Noreturn static void
run_init(const struct spawn_plan *p)
{
	int32_t status = 0;
	bool have = false;

	/* From here init only waits, signals and reports: its own filter
	 * allows exactly that, and kills it (and so the sandbox) otherwise. */
	send_listener();
	if (p->init_prog.len > 0 && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->init_prog) < 0) {
		(void) kill(target_pid, SIGKILL);
		_exit(255);
	}
	(void) close(SPAWN_SETUP_FD);
	(void) close(SBX_BROKER_FD);	/* the target's, not init's */

	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;		/* ECHILD: nothing left */
		}
		if (w == target_pid && !have) {
			status = st;
			have = true;
			(void) !write(SPAWN_STATUS_FD, &status, sizeof(status));
			/* The target is gone: end everything else in the
			 * sandbox (invariant 7); we are pid 1, so -1 is
			 * everyone in the namespace but us. */
			(void) kill(-1, SIGKILL);
		}
	}
	if (!have)
		_exit(255);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

_Noreturn static void
child_main(const struct spawn_plan *p)
{
	struct spawn_report rep = {};
	int fd = p->setup_w;
	void *stack;
	char c;
	pid_t pid;
	int r;

	/* Die with the daemon rather than linger unsupervised. */
	(void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* The mount tree needs no id maps (it creates no files): build it
	 * while the daemon writes them and attaches our cgroups. */
	r = confine_mount(p, &rep);
	if (r < 0)
		fail(fd, &rep, rep.step, r, 1);
	/* Our id maps are written and we are in our cgroups. */
	if (read(p->sync_r, &c, 1) != 1)
		_exit(1);	/* the parent gave up on us */
	(void) close(p->sync_r);
	/* Become the anonymous uid. NO_SETUID_FIXUP keeps the namespace's
	 * capabilities across the switch (host root is not mapped); they are
	 * dropped below. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		fail(fd, &rep, SPAWN_STEP_IDENTITY, errno, 1);
	r = switch_identity(p);
	if (r < 0)
		fail(fd, &rep, SPAWN_STEP_IDENTITY, r, 1);
	/* The kernel clears the parent-death signal when the effective or
	 * file-system ids change (prctl(2); the effective uid is the
	 * anonymous one since the clone, the gid and fsuid change here): arm it again, then make sure the daemon did
	 * not die before that (its pidfd is readable once it has). */
	r = arm_parent_death(p);
	if (r < 0)
		fail(fd, &rep, SPAWN_STEP_IDENTITY, r, 1);
	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		fail(fd, &rep, SPAWN_STEP_HOSTNAME, errno, 1);
	/* A prepared namespace has loopback up already and is not ours to
	 * change (its user namespace is the host's): only check it. */
	r = p->net_ready ? loopback_check() : loopback_up();
	if (r < 0)
		fail(fd, &rep, SPAWN_STEP_LOOPBACK, r, 1);
	/* No controlling terminal: TIOCSTI has nothing to push into. */
	if (setsid() < 0)
		fail(fd, &rep, SPAWN_STEP_SETSID, errno, 1);
	/* Make our cgroup the root of a new cgroup namespace. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		fail(fd, &rep, SPAWN_STEP_CGROUPNS, errno, 1);
	/* The daemon's whole fd table is still here: close it before the
	 * policy's OpenFiles= applies, or a busy daemon could not spawn. */
	r = arrange_fds(p);
	if (r < 0)
		fail(fd, &rep, SPAWN_STEP_FDS, r, 1);
	fd = SPAWN_SETUP_FD;
	if ((r = set_rlimit(RLIMIT_NOFILE, p->nofile)) < 0 ||
	    (r = set_rlimit(RLIMIT_FSIZE, p->fsize)) < 0 ||
	    (r = set_rlimit(RLIMIT_CPU, p->cpu_sec)) < 0 ||
	    (r = set_rlimit(RLIMIT_RSS, p->rss)) < 0 ||
	    (r = set_rlimit(RLIMIT_CORE, 0)) < 0 || (r = pin_rlimits()) < 0)
		fail(fd, &rep, SPAWN_STEP_RLIMIT, r, 1);
	r = drop_capabilities();
	if (r < 0)
		fail(fd, &rep, SPAWN_STEP_CAPS, r, 1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fail(fd, &rep, SPAWN_STEP_NNP, errno ? errno : EPERM, 1);
	r = confine_landlock(p, &rep);
	if (r < 0)
		fail(fd, &rep, SPAWN_STEP_LANDLOCK, r, 1);

	init_signals();
	set_init_title();
	/* As vfork, the target only makes system calls until it execs, so
	 * it borrows our memory instead of copying it (on a stack of its
	 * own, as posix_spawn's); it shares our fd table too, so that the
	 * listener of the filter it installs last is ours after its exec. */
	stack = mmap(NULL, TARGET_STACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		fail(fd, &rep, SPAWN_STEP_FORK, errno, 1);
	pid = clone(target_main, (char *) stack + TARGET_STACK_SIZE,
	    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &(struct target_args) { p, &rep });
	if (pid < 0)
		fail(fd, &rep, SPAWN_STEP_FORK, errno, 1);
	(void) munmap(stack, TARGET_STACK_SIZE);
	target_pid = pid;
	run_init(p);
}

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
	    set_tid, set_tid_size, cgroup;
};

/*
 * The kernel charges what a process creates against per-user limits
 * (ucounts: inotify instances and watches, namespaces, POSIX message
 * queue bytes, pending signals, locked shared memory) in its own user
 * namespace and then, in each parent namespace, against the uid that
 * owns the child namespace: the effective uid that created it. Created
 * by root, every sandbox's charges would land on root's limits in the
 * host's namespace, and one sandbox could use up root's (or, through
 * them, every other sandbox's) inotify instances host-wide. So the
 * loop thread holds the sandbox's anonymous uid as its effective uid
 * while it clones: the new user namespace belongs to that uid, and what
 * the sandbox creates counts against that uid's limits only.
 *
 * Being a namespace's owner gives every capability in it to the owner's
 * processes in the parent namespace. No process in the host's user
 * namespace ever runs as an anonymous uid while a sandbox holds it: the
 * pool hands each uid to one sandbox or one policy checker at a time
 * (uid-pool.c), a sandbox's processes live in its own user namespace
 * (and cannot make another: CLONE_NEWUSER is filtered), and a checker
 * (the one host process that runs as an anonymous uid) cannot fork and
 * returns its uid only once reaped (policy-checker.c). The owner is
 * therefore a uid nobody on the host can act as.
 *
 * Only the calling thread's credentials change (the raw system call:
 * glibc's setresuid() changes every thread's); the real and saved uids
 * stay 0, so the effective one can come back, and nobody but root can
 * signal or trace the thread meanwhile; the file-system uid is put back
 * to 0 at once, so the child's mount tree is built with the access it
 * always had. The kernel clears the effective capabilities when the
 * effective uid leaves 0 and keeps the permitted ones (the real and
 * saved uids are 0): capset() raises them again, as they were
 * (CLONE_INTO_CGROUP and the namespaces need them; SECBIT_NO_SETUID_FIXUP
 * would need CAP_SETPCAP, which the unit does not grant). Nothing else runs on
 * the loop thread in between, and signals do no work in their handlers.
 * The kernel makes the daemon non-dumpable when the effective uid
 * changes (as creds.c's switches do), so its /proc files stay root's
 * throughout. The child is born dumpable (spawn_clone()), its /proc
 * files its uid's, until its own change of ids in switch_identity().
 */

/* Any change of a thread's ids clears the process's dumpable flag
 * (commit_creds()), which spawn_clone() sets for its clone3(): ids change
 * under this lock (spawn_ids_lock()), which spawn_clone() holds from the
 * flag to the clone. */
static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;

void
spawn_ids_lock(void)
{
	if (pthread_mutex_lock(&ids_lock) != 0)
		abort();
}

void
spawn_ids_unlock(void)
{
	(void) pthread_mutex_unlock(&ids_lock);
}

/* The real uid is 0: going back is always allowed (and gives the
 * effective set back, which the saved one then makes exact). A loop
 * thread that could not would act as the anonymous uid from then on:
 * abort (no logging here, see log.h), as netns_leave() does. */
void
spawn_owner_leave(struct __user_cap_data_struct saved[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	spawn_ids_lock();
	if (syscall(SYS_setresuid, -1, 0, -1) < 0 || syscall(SYS_capset, &h, saved) < 0)
		abort();
	spawn_ids_unlock();
}

int
spawn_owner_enter(uid_t uid, struct __user_cap_data_struct saved[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	int r = 0;

	if (syscall(SYS_capget, &h, saved) < 0)
		return -errno;
	spawn_ids_lock();
	if (syscall(SYS_setresuid, -1, uid, -1) < 0)
		r = -errno;
	else {
		(void) syscall(SYS_setfsuid, 0);
		if ((uid_t) syscall(SYS_setfsuid, -1) != 0 || syscall(SYS_capset, &h, saved) < 0)
			r = -EPERM;
	}
	spawn_ids_unlock();
	if (r == -EPERM)
		spawn_owner_leave(saved);
	return r;
}

int
spawn_owner_fsuid(uid_t fsuid)
{
	spawn_ids_lock();
	(void) syscall(SYS_setfsuid, fsuid);
	spawn_ids_unlock();
	/* setfsuid() reports no errors: read back to be sure. */
	return (uid_t) syscall(SYS_setfsuid, -1) == fsuid ? 0 : -EPERM;
}

int
spawn_clone(const struct spawn_plan *p, int cgroup_fd, pid_t *ret_pid, int *ret_pidfd)
{
	struct __user_cap_data_struct caps[2] = {};
	int pidfd = -1, r;
	struct clone_args_v2 args = {
		.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		    CLONE_PIDFD | (p->net_ready ? 0 : CLONE_NEWNET),
		.pidfd = (uint64_t) (uintptr_t) &pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid;

	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t) cgroup_fd;
	}
	r = spawn_owner_enter(p->uid, caps);
	if (r < 0)
		return r;
	/* The child's memory is a copy of ours, and so is its dumpable flag,
	 * which a change of ids clears: set, so that the daemon, which holds
	 * no CAP_SYS_PTRACE, may setns() into the child's pid namespace by
	 * its pidfd (a ptrace read check, spawn_setns()). Ours is cleared
	 * again by spawn_owner_leave()'s change of ids, the child's by its own in
	 * switch_identity(). */
	spawn_ids_lock();
	(void) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		child_main(p);
	r = pid < 0 ? -errno : 0;
	spawn_ids_unlock();
	spawn_owner_leave(caps);
	if (r < 0)
		return r;
	/* The kernel sets O_CLOEXEC on pidfds. */
	*ret_pid = (pid_t) pid;
	*ret_pidfd = pidfd;
	return 0;
}

long
spawn_owner_syscall(uid_t uid, long nr, long a, long b)
{
	struct __user_cap_data_struct caps[2] = {};
	long r;

	r = spawn_owner_enter(uid, caps);
	if (r < 0)
		return r;
	r = syscall(nr, a, b, 0, 0);
	if (r < 0)
		r = -errno;
	spawn_owner_leave(caps);
	return r;
}

/* Signals come from the same uid: root holds no capability in a user
 * namespace an anonymous uid owns, and needs none (the unit grants no
 * CAP_KILL) to signal that uid's processes as that uid. */
int
spawn_signal(int pidfd, uid_t uid, int sig)
{
	return (int) spawn_owner_syscall(uid, SYS_pidfd_send_signal, pidfd, sig);
}

int
spawn_signal_pid(pid_t pid, uid_t uid, int sig)
{
	return (int) spawn_owner_syscall(uid, SYS_kill, pid, sig);
}

int
spawn_setns(int pidfd, uid_t uid, int nstype)
{
	return (int) spawn_owner_syscall(uid, SYS_setns, pidfd, nstype);
}

int
spawn_write_id_maps(pid_t pid, uid_t uid, gid_t gid)
{
	struct __user_cap_data_struct caps[2] = {};
	char path[64], map[64];
	int r;

	/* The child is dumpable (spawn_clone()): its /proc files are uid's,
	 * and the daemon has no CAP_DAC_OVERRIDE. As the owner of its user
	 * namespace (which may write its maps) with uid's file-system
	 * identity, then. */
	r = spawn_owner_enter(uid, caps);
	if (r < 0)
		return r;
	/* One id, mapped to itself: the target is the anonymous uid inside
	 * and out, and has no root inside that exec could give caps to. */
	(void) snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
	(void) snprintf(map, sizeof(map), "%u %u 1\n", (unsigned) uid, (unsigned) uid);
	r = spawn_owner_fsuid(uid);
	if (r >= 0)
		r = write_string_file(path, map);
	if (r >= 0) {
		(void) snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
		(void) snprintf(map, sizeof(map), "%u %u 1\n", (unsigned) gid, (unsigned) gid);
		r = write_string_file(path, map);
	}
	spawn_owner_leave(caps);
	return r;
}
