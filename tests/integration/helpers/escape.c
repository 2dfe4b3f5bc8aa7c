/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside a sandbox and tries one thing its policy must forbid.
 * "escape TEST [ARG]": exit 0 and "denied: ..." on stdout when the attempt
 * failed, exit 3 and "ESCAPE: ..." when it worked, 2 on bad usage. The
 * x32 and int80 tests expect to be killed by SIGSYS instead.
 * "escape memhog MIB" allocates and touches MIB MiB (exit 0 if it could).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static int
verdict(const char *what, long r)
{
	if (r < 0) {
		printf("denied: %s: %s\n", what, strerror(errno));
		return 0;
	}
	printf("ESCAPE: %s succeeded (%ld)\n", what, r);
	return 3;
}

static int
t_ptrace(void)
{
	pid_t child = fork();
	int r1, r2, e1, e2;

	if (child < 0) {
		printf("fork failed: %s\n", strerror(errno));
		return 2;
	}
	if (child == 0) {
		pause();
		_exit(0);
	}
	r1 = (int)ptrace(PTRACE_ATTACH, child, NULL, NULL);
	e1 = errno;
	r2 = (int)ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	e2 = errno;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (r1 == 0 || r2 == 0) {
		printf("ESCAPE: PTRACE_ATTACH succeeded (child %d, init %d)\n", r1, r2);
		return 3;
	}
	printf("denied: ptrace child: %s, init: %s\n", strerror(e1), strerror(e2));
	return 0;
}

static int
t_connect(const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return verdict("socket", -1);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return verdict("connect 127.0.0.1", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
}

static int
t_memhog(const char *mib)
{
	size_t size = (size_t)atol(mib) << 20;
	char *p = malloc(size);

	if (!p) {
		printf("malloc failed\n");
		return 1;
	}
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	printf("touched %s MiB\n", mib);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(t, "shadow"))
		return verdict("open /etc/shadow", open("/etc/shadow", O_RDONLY));
	if (!strcmp(t, "ptrace"))
		return t_ptrace();
	if (!strcmp(t, "userns"))
		return verdict("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	if (!strcmp(t, "x32")) {
		long r = syscall(__X32_SYSCALL_BIT | __NR_getpid);
		printf("ESCAPE: x32 getpid returned %ld (%s)\n", r, r < 0 ? strerror(errno) : "ok");
		return 3;
	}
	if (!strcmp(t, "int80")) {
#if defined(__x86_64__)
		long r = 20; /* i386 __NR_getpid */
		__asm__ volatile ("int $0x80" : "+a"(r) : : "memory");
		printf("ESCAPE: int $0x80 getpid returned %ld\n", r);
		return 3;
#else
		printf("not x86-64\n");
		return 2;
#endif
	}
	if (!strcmp(t, "io_uring")) {
		struct io_uring_params p = { 0 };
		return verdict("io_uring_setup", syscall(__NR_io_uring_setup, 4, &p));
	}
	if (!strcmp(t, "bpf")) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = 4;
		a.max_entries = 1;
		return verdict("bpf(BPF_MAP_CREATE)", syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
	}
	if (!strcmp(t, "perf")) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_CPU_CLOCK;
		a.exclude_kernel = 1;
		return verdict("perf_event_open", syscall(__NR_perf_event_open, &a, 0, -1, -1, 0));
	}
	if (!strcmp(t, "userfaultfd"))
		return verdict("userfaultfd", syscall(__NR_userfaultfd, O_CLOEXEC));
	if (!strcmp(t, "keyctl"))
		/* KEYCTL_GET_KEYRING_ID of the session keyring, create=1 */
		return verdict("keyctl", syscall(__NR_keyctl, 0, -3, 1));
	if (!strcmp(t, "add_key"))
		return verdict("add_key", syscall(__NR_add_key, "user", "x", "y", 1, -3));
	if (!strcmp(t, "mount")) {
		long r = mount("none", "/tmp", "tmpfs", 0, NULL);
		if (r >= 0)
			return verdict("mount tmpfs", r);
		return verdict("mount bind", mount("/usr", "/tmp", NULL, MS_BIND, NULL));
	}
	if (!strcmp(t, "tiocsti")) {
		char c = 'x';
		if (!isatty(0)) {
			printf("stdin is not a terminal\n");
			return 2;
		}
		return verdict("ioctl(TIOCSTI)", ioctl(0, TIOCSTI, &c));
	}
	if (!strcmp(t, "connect") && argc > 2)
		return t_connect(argv[2]);
	if (!strcmp(t, "kill") && argc > 2)
		return verdict("kill -0", kill(atoi(argv[2]), 0));
	if (!strcmp(t, "memhog") && argc > 2)
		return t_memhog(argv[2]);
	fprintf(stderr, "usage: escape TEST [ARG]\n");
	return 2;
}
