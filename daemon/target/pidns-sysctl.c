/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * See pidns-sysctl.h. Privileged: setns(2) into a sandbox's pid namespace
 * and a write to /proc/sys as root, for a value the daemon chooses; the
 * namespace is one the daemon made, whose init waits for the daemon's
 * sync and runs nothing of the target's yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "pidns-sysctl.h"
#include "spawn.h"

#define MEMFD_NOEXEC		"/proc/sys/vm/memfd_noexec"
/* MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED: a namespace below cannot lower it. */
#define MEMFD_NOEXEC_ENFORCED	"2\n"
#define WRITER_STACK_SIZE	(64 * 1024)

bool
pidns_sysctl_probe(void)
{
	static int have = -1;

	if (have >= 0)
		return have;
	have = access(MEMFD_NOEXEC, F_OK) == 0;
	if (have)
		log_info("vm.memfd_noexec available: sandboxes cannot execute memfds, unless their "
		    "policy says MemoryExecutables=yes.");
	else
		log_notice("This kernel has no vm.memfd_noexec (Linux 6.3): sandboxes' filters "
		    "refuse execveat(2) of a descriptor (fexecve), but a program written into a "
		    "memfd can still run through execve(\"/proc/self/fd/N\") (best effort; "
		    "MemoryExecutables= in sandboxd.policy(5)).");
	return have;
}

/* In the clone, which shares the daemon's memory until it exits: raw
 * system calls only, the result in *userdata (a positive errno, or 0).
 * Never instrumented by ASan: it _exit()s from its frame, whose redzones
 * would stay poisoned in the daemon's shadow memory, over whatever is
 * mapped where its stack was next. */
__attribute__((no_sanitize_address)) static int
writer_main(void *userdata)
{
	int *error = userdata;
	char back[sizeof(MEMFD_NOEXEC_ENFORCED)] = "";
	const size_t len = sizeof(MEMFD_NOEXEC_ENFORCED) - 1;
	long fd, n;

	fd = syscall(SYS_openat, AT_FDCWD, MEMFD_NOEXEC, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*error = errno;
		_exit(1);
	}
	n = syscall(SYS_write, fd, MEMFD_NOEXEC_ENFORCED, len);
	if (n != (long) len)
		*error = n < 0 ? errno : EIO;
	/* Read back: the value of our namespace, the sandbox's. */
	else if ((n = syscall(SYS_pread64, fd, back, len, 0)) != (long) len ||
	    memcmp(back, MEMFD_NOEXEC_ENFORCED, len) != 0)
		*error = n < 0 ? errno : EPERM;
	else
		*error = 0;
	_exit(*error ? 1 : 0);
}

int
pidns_sysctl_seal_memfds(const struct policy *p, int pidfd, uid_t uid, int home_pidfd)
{
	int error = EIO, r = 0;
	sigset_t all, saved;
	void *stack;
	pid_t pid;

	if (p->memory_executables || !pidns_sysctl_probe())
		return 0;
	stack = mmap(NULL, WRITER_STACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	/* Only this thread's children are born there (pid_for_children):
	 * the daemon itself and its other threads stay where they are. */
	r = spawn_setns(pidfd, uid, CLONE_NEWPID);
	if (r < 0) {
		(void) munmap(stack, WRITER_STACK_SIZE);
		return r;
	}
	/* As posix_spawn(): no handler of the daemon's may run in the clone,
	 * on the daemon's memory. */
	sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &saved);
	pid = clone(writer_main, (char *) stack + WRITER_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD,
	    &error);
	if (pid < 0)
		r = -errno;
	(void) pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (setns(home_pidfd, CLONE_NEWPID) < 0) {
		/* Not back home: every later sandbox's init would be born in
		 * this sandbox's namespace. */
		log_emerg_errno(errno, "Cannot return to the daemon's pid namespace: %m");
		abort();
	}
	if (pid > 0) {
		/* CLONE_VFORK: it has exited already; reap it. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		r = -error;
	}
	(void) munmap(stack, WRITER_STACK_SIZE);
	return r;
}
