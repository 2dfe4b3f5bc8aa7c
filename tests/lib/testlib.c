/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the Check unit tests. Check prints TAP to stdout when
 * CK_TAP_LOG_FILE_NAME is "-" (as under "make check"), so stdout is
 * unbuffered to keep forked cases' lines in order.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/socket.h>
#include <time.h>

#include "testlib.h"

#ifndef TESTLIB_TOP_SRCDIR
#define TESTLIB_TOP_SRCDIR "."
#endif

Suite *
testlib_suite(const char *name, const struct testlib_case *cases, size_t n)
{
	Suite *s = suite_create(name);

	for (size_t i = 0; i < n; i++) {
		const struct testlib_case *c = &cases[i];
		TCase *tc = tcase_create(c->name);

		if (c->up || c->down)
			tcase_add_unchecked_fixture(tc, c->up, c->down);
		if (c->setup || c->teardown)
			tcase_add_checked_fixture(tc, c->setup, c->teardown);
		if (c->timeout > 0)
			tcase_set_timeout(tc, c->timeout);
		for (const struct testlib_loop *l = c->loops; l && l->test; l++)
			tcase_add_loop_test(tc, l->test, 0, l->end);
		for (const TTest *const *t = c->tests; t && *t; t++)
			tcase_add_test(tc, *t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
testlib_main(const char *name, const struct testlib_case *cases, size_t n, bool (*skip)(void))
{
	if (skip && skip())
		return 0;
	return testlib_run(testlib_suite(name, cases, n));
}

int
testlib_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	setvbuf(stdout, NULL, _IONBF, 0);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

char *
testlib_srcdir_path(const char *rel)
{
	const char *top = getenv("TOP_SRCDIR");
	char *p;

	if (!top || !*top)
		top = TESTLIB_TOP_SRCDIR;
	if (asprintf(&p, "%s/%s", top, rel) < 0)
		abort();
	return p;
}

char *
testlib_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	return p;
}

int
testlib_tcp_listen(int backlog, struct sockaddr_in *ret_sa)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*ret_sa = sa;
	return fd;
}

long long
testlib_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned
testlib_count_fds_of(pid_t pid)
{
	char path[64];
	struct dirent *de;
	unsigned n = 0;
	DIR *dir;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/fd");
	else
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		abort();
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' && (pid != 0 || atoi(de->d_name) != dirfd(dir)))
			n++;
	closedir(dir);
	return n;
}

unsigned
testlib_count_fds(void)
{
	return testlib_count_fds_of(0);
}

int
testlib_send_fds(int sock, const void *buf, size_t size, const int *fds, size_t n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n_fds > 16)
		return -EINVAL;
	memset(&control, 0, sizeof(control));
	if (n_fds > 0) {
		struct cmsghdr *c;

		mh.msg_control = &control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

pid_t
testlib_fork_notified(const struct sock_filter *prog, size_t len, void (*body)(int fd),
    int *ret_listener)
{
	_cleanup_close_pair_ int sync[2] = { -1, -1 }, go[2] = { -1, -1 };
	_cleanup_close_ int pidfd = -1;
	int remote;
	pid_t pid;

	ck_assert_int_eq(pipe2(sync, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sock_fprog fp = { .len = (unsigned short) len, .filter = (void *) prog };
		long fd;
		char c;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(120);
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
		    &fp);
		if (fd < 0)
			_exit(121);
		/* From here a refused call waits for an answer: _exit() of a
		 * sanitizer's build calls sigaltstack(2). */
		if (write(sync[1], &(int) { (int) fd }, sizeof(int)) != sizeof(int) ||
		    read(go[0], &c, 1) != 1)
			syscall(SYS_exit_group, 122);
		body(go[0]);
		syscall(SYS_exit_group, 123);
	}
	ck_assert_int_eq(read(sync[0], &remote, sizeof(remote)), sizeof(remote));
	pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(pidfd, 0);
	*ret_listener = (int) syscall(SYS_pidfd_getfd, pidfd, remote, 0);
	ck_assert_int_ge(*ret_listener, 0);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	return pid;
}

void
testlib_answer_next(int listener, long nr, pid_t pid, const struct seccomp_notif_resp *resp)
{
	struct seccomp_notif n = {};
	struct seccomp_notif_resp r = *resp;
	struct pollfd pfd = { .fd = listener, .events = POLLIN };

	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_eq(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n), 0);
	ck_assert_msg(n.data.nr == nr, "notified of %d, expected %ld", n.data.nr, nr);
	ck_assert_uint_eq(n.pid, (unsigned) pid);
	r.id = n.id;
	ck_assert_int_eq(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &r), 0);
}
