/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside sandboxes of test-surface: tries to execute a program that
 * exists only in memory. Copies its own binary (static: it needs nothing
 * from the sandbox's view but itself) into a memfd and tries each way
 * to execute that, each in a child, one line each:
 *
 *   memfd_create        a plain memfd, with the binary written into it
 *   sysctl              vm.memfd_noexec as the sandbox reads it (its value)
 *   lower               writing 0 there
 *   mfd_exec            memfd_create(MFD_EXEC), an explicitly executable one
 *   fchmod              chmod +x of the plain memfd
 *   execveat            execveat(fd, "", ..., AT_EMPTY_PATH), raw
 *   fexecve             glibc's fexecve(3)
 *   proc                execve("/proc/self/fd/N")
 *
 * each "NAME ok" or "NAME ENAME" (the errno); a route is "ok" when the
 * memfd's program ran (it exits 42). Without a memfd it prints only the
 * first line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define RAN 42

static void
result(const char *name, int error)
{
	printf("%s %s\n", name, error ? strerrorname_np(error) : "ok");
}

/* Copies /proc/self/exe into fd; 0 or an errno. */
static int
copy_self(int fd)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (in < 0)
		return errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t) n) != n)
			return errno ? errno : EIO;
	(void) close(in);
	return n < 0 ? errno : 0;
}

/* Runs route in a child: 0 if the memfd's program ran, else the errno
 * the exec failed with. */
static int
try_route(int fd, int route)
{
	char name[] = "memfd-exec", payload[] = "payload";
	char *const argv[] = { name, payload, NULL };
	char *const envp[] = { NULL };
	char path[64];
	int st;
	pid_t pid;

	(void) fflush(stdout);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		(void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (route == 0)
			(void) syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		else if (route == 1)
			(void) fexecve(fd, argv, envp);
		else
			(void) execve(path, argv, envp);
		_exit(errno > 0 && errno < RAN ? errno : 255);
	}
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == RAN)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) < RAN ? WEXITSTATUS(st) : EIO;
}

/* The "sysctl" and "lower" lines. */
static void
sysctl_lines(void)
{
	char buf[16] = "";
	int fd = open("/proc/sys/vm/memfd_noexec", O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		fd = open("/proc/sys/vm/memfd_noexec", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		result("sysctl", errno);
		result("lower", errno);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (n > 0)
		printf("sysctl %s\n", buf);
	else
		result("sysctl", n < 0 ? errno : EIO);
	(void) close(fd);
	fd = open("/proc/sys/vm/memfd_noexec", O_WRONLY | O_CLOEXEC);
	result("lower", fd < 0 ? errno : write(fd, "0\n", 2) != 2 ? errno : 0);
	if (fd >= 0)
		(void) close(fd);
}

int
main(int argc, char **argv)
{
	static const char *const routes[] = { "execveat", "fexecve", "proc" };
	int fd, efd, r;

	if (argc > 1 && strcmp(argv[1], "payload") == 0)
		return RAN;
	fd = memfd_create("payload", 0);
	result("memfd_create", fd < 0 ? errno : 0);
	if (fd < 0)
		return 0;
	r = copy_self(fd);
	if (r != 0) {
		result("copy", r);
		return 1;
	}
	sysctl_lines();
	efd = memfd_create("exec", MFD_EXEC);
	result("mfd_exec", efd < 0 ? errno : 0);
	if (efd >= 0)
		(void) close(efd);
	result("fchmod", fchmod(fd, 0755) < 0 ? errno : 0);
	for (int i = 0; i < 3; i++)
		result(routes[i], try_route(fd, i));
	return 0;
}
