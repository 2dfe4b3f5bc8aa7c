/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connection-level faults against a real daemon: fds on empty datagrams.
 * Each case checks what a user or an administrator would notice: the
 * daemon's fd count, and that it still serves.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "sandbox-client.h"
#include "sandbox-protocol.h"
#include "testdaemon.h"
#include "testlib.h"

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Polls until the daemon holds want fds (≤ 10 s); returns the last count. */
static unsigned
daemon_fds_settle(pid_t pid, unsigned want)
{
	long long deadline = testlib_now_ms() + 10000;
	unsigned n;

	while ((n = testlib_count_fds_of(pid)) != want && testlib_now_ms() < deadline)
		sleep_ms(50);
	return n;
}

static int
raw_connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* sandboxctl list works (retried for up to 10 s, for a daemon that is
 * freeing what it held). */
static bool
sandboxctl_serves(void)
{
	long long deadline = testlib_now_ms() + 10000;

	for (;;) {
		int st = testlib_sandboxctl(NULL, NULL, NULL, "list", NULL);

		if (testlib_exit_code(st) == 0)
			return true;
		if (testlib_now_ms() > deadline)
			return false;
		sleep_ms(200);
	}
}

/* Item 3: fds on empty datagrams, before HELLO, are all closed. */
START_TEST(empty_datagram_fds)
{
	pid_t pid = testdaemon_fixture->pid;
	unsigned before, after_fresh, after_one;
	int fds[3], sock;

	for (int i = 0; i < 3; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(fds[i], 0);
	}
	before = daemon_fds_settle(pid, testlib_count_fds_of(pid));

	/* 1,000 fresh connections, each sending one empty datagram with 3 fds. */
	for (int i = 0; i < 1000; i++) {
		sock = raw_connect_to(testdaemon_fixture->socket);
		ck_assert_msg(sock >= 0, "connect %d: %s", i, strerror(-sock));
		ck_assert_int_eq(testlib_send_fds(sock, "", 0, fds, 3), 0);
		close(sock);
	}
	after_fresh = daemon_fds_settle(pid, before);

	/* 1,000 on one connection (the daemon drops it at the first; the
	 * rest may fail to send). */
	sock = raw_connect_to(testdaemon_fixture->socket);
	ck_assert_int_ge(sock, 0);
	for (int i = 0; i < 1000; i++)
		if (testlib_send_fds(sock, "", 0, fds, 3) < 0)
			break;
	close(sock);
	after_one = daemon_fds_settle(pid, before);

	fprintf(stderr, "# daemon fds: %u before, %u after 1000 connections with an empty "
	    "datagram and 3 fds each, %u after 1000 on one connection\n", before, after_fresh,
	    after_one);
	ck_assert_msg(after_fresh == before, "daemon fds %u before, %u after 1000 empty datagrams "
	    "with fds", before, after_fresh);
	ck_assert_msg(after_one == before, "daemon fds %u before, %u after 1000 empty datagrams "
	    "with fds on one connection", before, after_one);
	ck_assert(sandboxctl_serves());
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}
END_TEST

static Suite *
faults_conn_suite(void)
{
	Suite *s = suite_create("faults-conn");
	TCase *tc;

	tc = tcase_create("empty_datagram");
	tcase_add_unchecked_fixture(tc, testdaemon_fixture_up, testdaemon_fixture_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, empty_datagram_fds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (testlib_integration_skip())
		return 0;
	return testlib_run(faults_conn_suite());
}
