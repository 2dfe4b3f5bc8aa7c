/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connection-level faults against a real daemon: fds on empty datagrams,
 * running out of fds, a second daemon on a live daemon's socket and a
 * stale socket, peers flooding the log, and connections beyond
 * MaxConnections. Each case checks what a user or an administrator would
 * notice: the daemon's fd count, its CPU time, its log, what sandboxctl
 * prints, and that it still serves.
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

/* Two uids no one else uses, for the log flood. */
#define FLOOD_UID	4711
#define OTHER_UID	4712

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The daemon's fd count once it has not changed for a second (≤ 15 s): at
 * start it is still preparing spare roots and network namespaces. */
static unsigned
daemon_fds_stable(pid_t pid)
{
	long long deadline = testlib_now_ms() + 15000, since = testlib_now_ms();
	unsigned n = testlib_count_fds_of(pid);

	while (testlib_now_ms() - since < 1000 && testlib_now_ms() < deadline) {
		unsigned k;

		sleep_ms(50);
		k = testlib_count_fds_of(pid);
		if (k != n) {
			n = k;
			since = testlib_now_ms();
		}
	}
	return n;
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

/* utime + stime of pid, in milliseconds. */
static long long
daemon_cpu_ms(pid_t pid)
{
	char path[64], buf[4096];
	unsigned long long ut, st;
	ssize_t n;
	char *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %m", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	/* Fields after the command name: state is field 3, utime 14, stime 15. */
	p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st), 2);
	return (long long)(ut + st) * 1000 / sysconf(_SC_CLK_TCK);
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

static struct testdaemon *
start_daemon(const char *conf)
{
	struct testdaemon *d = testdaemon_new();
	char *path = NULL;
	int r;

	ck_assert_ptr_nonnull(d);
	if (conf) {
		FILE *f;

		ck_assert_int_ge(asprintf(&path, "%s/sandboxd.conf", d->dir), 0);
		f = fopen(path, "we");
		ck_assert_ptr_nonnull(f);
		fputs(conf, f);
		fclose(f);
		r = testdaemon_start(d, (const char *const[]) { "--config", path, NULL });
	} else
		r = testdaemon_start(d, NULL);
	free(path);
	ck_assert_msg(r == 0, "sandboxd did not start");
	return d;
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
	before = daemon_fds_stable(pid);

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

/* Item 4: out of fds, the daemon neither spins nor floods its log, and
 * serves again once fds are free. */
START_TEST(out_of_fds)
{
	struct testdaemon *d = start_daemon(NULL);
	unsigned base = daemon_fds_stable(d->pid);
	/* The hard limit too: the daemon may raise its soft limit to it. */
	struct rlimit rl = { base + 10, base + 10 };
	int socks[60];
	long long cpu0, cpu1;
	unsigned emfile;

	ck_assert_msg(prlimit(d->pid, RLIMIT_NOFILE, &rl, NULL) == 0, "prlimit: %m");
	for (size_t i = 0; i < ELEMENTSOF(socks); i++) {
		socks[i] = raw_connect_to(d->socket);
		ck_assert_msg(socks[i] >= 0, "connect %zu: %s", i, strerror(-socks[i]));
	}
	ck_assert_msg(testdaemon_wait_log(d, "Too many open files", 1, 10000),
	    "the daemon did not run out of fds");
	sleep_ms(200);

	cpu0 = daemon_cpu_ms(d->pid);
	sleep_ms(3000);
	cpu1 = daemon_cpu_ms(d->pid);
	emfile = testdaemon_log_count(d, "Too many open files");
	fprintf(stderr, "# out of fds: %lld ms of CPU in 3 s, %u EMFILE log lines\n",
	    cpu1 - cpu0, emfile);
	ck_assert_msg(cpu1 - cpu0 < 500, "the daemon used %lld ms of CPU in 3 s out of fds",
	    cpu1 - cpu0);
	ck_assert_msg(emfile <= 3, "EMFILE logged %u times", emfile);

	for (size_t i = 0; i < ELEMENTSOF(socks); i++)
		close(socks[i]);
	ck_assert_msg(sandboxctl_serves(), "no client served after the connections closed");
	testdaemon_free(d);
}
END_TEST

/* Starts another sandboxd on d's socket and expects it to refuse: exit
 * status non-zero, with a message naming the socket. */
static void
expect_refused_start(struct testdaemon *d, const char *what)
{
	const char *argv[] = { getenv("SANDBOXD"), "--socket", d->socket, "--policy-dir",
		d->policy_dir, NULL };
	char *err = NULL;
	int st;

	st = testlib_run_cmd(argv, NULL, (uid_t)-1, (gid_t)-1, 10000, NULL, &err);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 0,
	    "sandboxd on %s: status 0x%x, stderr:\n%s", what, st, err);
	ck_assert_msg(strstr(err, d->socket) && strstr(err, "refusing to start"),
	    "sandboxd on %s does not say why: %s", what, err);
	free(err);
}

/* Item 7: a second daemon on a live daemon's socket refuses to start. */
START_TEST(second_daemon)
{
	struct testdaemon *d = start_daemon(NULL);

	expect_refused_start(d, "a live daemon's socket");
	ck_assert_msg(testdaemon_log_count(d, "serving on") == 1, "first daemon restarted?");
	ck_assert_msg(sandboxctl_serves(), "the first daemon no longer serves");
	testdaemon_free(d);
}
END_TEST

/* Item 7: something that answers on the path without holding the lock
 * (a daemon that takes none) is not replaced either. */
START_TEST(foreign_listener)
{
	struct testdaemon *d = testdaemon_new();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st0, st1;
	int fd, c;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->socket);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(stat(d->socket, &st0), 0);

	expect_refused_start(d, "a socket something else answers on");
	/* The socket file is the same, and still ours. */
	ck_assert_int_eq(stat(d->socket, &st1), 0);
	ck_assert_uint_eq(st0.st_ino, st1.st_ino);
	c = raw_connect_to(d->socket);
	ck_assert_msg(c >= 0, "our listener lost its socket: %s", strerror(-c));
	close(c);
	close(fd);
	testdaemon_free(d);
}
END_TEST

/* Item 7: the socket a SIGKILLed daemon left behind is replaced. */
START_TEST(stale_socket)
{
	struct testdaemon *d = start_daemon(NULL);
	struct stat st;

	ck_assert_int_eq(testdaemon_signal(d, SIGKILL), 0);
	testdaemon_stop(d);	/* reaps it */
	ck_assert_msg(stat(d->socket, &st) == 0 && S_ISSOCK(st.st_mode),
	    "SIGKILL left no socket file behind");
	ck_assert_msg(testdaemon_start(d, NULL) == 0, "sandboxd did not replace a stale socket");
	ck_assert_msg(sandboxctl_serves(), "the new daemon does not serve");
	testdaemon_free(d);
}
END_TEST

/*
 * As uid, n connections that each send HELLO with a wrong version and n
 * that each send garbage. In a child, so the test keeps its identity.
 */
static void
flood_as(uid_t uid, unsigned n)
{
	const char *path = testdaemon_fixture->socket;
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct {
			struct sbx_hdr h;
			struct sbx_hello b;
		} hello = { { SBX_MSG_HELLO, 1, sizeof(struct sbx_hello), 0 }, { 999, 0 } };
		char junk[40];

		memset(junk, 0xab, sizeof(junk));
		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(2);
		for (unsigned i = 0; i < 2 * n; i++) {
			int s = raw_connect_to(path);
			char buf[512];

			if (s < 0)
				_exit(3);
			if (i % 2 == 0)
				(void)testlib_send_fds(s, &hello, sizeof(hello), NULL, 0);
			else
				(void)testlib_send_fds(s, junk, sizeof(junk), NULL, 0);
			/* Until the daemon closes: one refusal at a time. */
			while (recv(s, buf, sizeof(buf), 0) > 0)
				;
			close(s);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "flood as uid %u: status 0x%x",
	    (unsigned)uid, st);
}

/* Item 11: one uid's flood leaves a bounded number of lines and a
 * "suppressed" count; another uid's lines still appear. */
START_TEST(log_flood)
{
	struct testdaemon *d = testdaemon_fixture;
	unsigned flood_lines, other_lines, bound;
	long long t0, secs;

	t0 = testlib_now_ms();
	flood_as(FLOOD_UID, 500);	/* 1,000 log-worthy connections */
	/* Meanwhile, in the same second, another user. */
	flood_as(OTHER_UID, 2);
	secs = (testlib_now_ms() - t0) / 1000 + 1;
	ck_assert_msg(testdaemon_wait_log(d, "uid " STRINGIFY(OTHER_UID) " pid", 4, 10000),
	    "the second uid's 4 lines are not all in the log:\n");
	other_lines = testdaemon_log_count(d, "uid " STRINGIFY(OTHER_UID) " pid");
	flood_lines = testdaemon_log_count(d, "uid " STRINGIFY(FLOOD_UID) " pid");
	/* 10 a second per uid, however long the flood took. */
	bound = 10 * (unsigned)(secs + 1);
	fprintf(stderr, "# log flood: %u lines for 1000 refusals in %lld s; other uid %u of 4\n",
	    flood_lines, secs, other_lines);
	ck_assert_msg(flood_lines >= 1 && flood_lines <= bound,
	    "%u log lines for uid %u (bound %u)", flood_lines, FLOOD_UID, bound);
	ck_assert_uint_eq(other_lines, 4);

	/* The next window: the count of what was dropped comes with the
	 * uid's next line. */
	sleep_ms(1100);
	flood_as(FLOOD_UID, 1);
	ck_assert_msg(testdaemon_wait_log(d, "messages caused by uid " STRINGIFY(FLOOD_UID)
	    " suppressed", 1, 10000), "no \"suppressed\" line for uid %u", FLOOD_UID);
	ck_assert(sandboxctl_serves());
}
END_TEST

/* Item 12: beyond MaxConnections, the client is told so. */
START_TEST(max_connections)
{
	struct testdaemon *d = start_daemon("[Daemon]\nMaxConnections=3\n");
	sandbox_client *c[3];
	char *err = NULL;
	int st;

	/* testdaemon_start()'s probe connection must be gone first. */
	sleep_ms(300);
	for (size_t i = 0; i < ELEMENTSOF(c); i++)
		c[i] = testlib_connect();
	st = testlib_sandboxctl(NULL, NULL, &err, "list", NULL);
	ck_assert_msg(testlib_exit_code(st) != 0, "connection 4 of 3 served");
	ck_assert_msg(strstr(err, "too many connections"),
	    "sandboxctl does not say why connection 4 of 3 failed: %s", err);
	free(err);
	ck_assert_msg(testdaemon_wait_log(d, "Too many connections (3)", 1, 5000),
	    "refusal not logged");

	/* The library reports it as EAGAIN with the daemon's message. */
	{
		sandbox_client *x = NULL;

		ck_assert_int_eq(sandbox_client_connect(NULL, &x), -EAGAIN);
		ck_assert_ptr_null(x);
	}

	sandbox_client_free(c[0]);
	ck_assert_msg(sandboxctl_serves(), "no client served below the limit");
	sandbox_client_free(c[1]);
	sandbox_client_free(c[2]);
	testdaemon_free(d);
}
END_TEST

TESTDAEMON_MAIN("faults-conn",
	{ "empty_datagram", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .tests = TESTLIB_TESTS(empty_datagram_fds) },
	{ "log_flood", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .tests = TESTLIB_TESTS(log_flood) },
	{ "out_of_fds", .timeout = 120,
	    .tests = TESTLIB_TESTS(out_of_fds) },
	{ "one_daemon_per_socket", .timeout = 120,
	    .tests = TESTLIB_TESTS(second_daemon, foreign_listener, stale_socket) },
	{ "max_connections", .timeout = 120,
	    .tests = TESTLIB_TESTS(max_connections) });
