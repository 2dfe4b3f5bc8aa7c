/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bad input: malformed messages on raw sockets (built with libprotocol's
 * writer, then broken), bad requests through the library and sandboxctl,
 * peers that vanish or flood. After each, a NEW client must still get a
 * normal spawn done: the daemon keeps serving.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "sandbox-client.h"
#include "sandbox-protocol.h"
#include "testdaemon.h"
#include "testlib.h"
#include "wire.h"

static int
raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", testdaemon_fixture->socket);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %m");
	return fd;
}

/* Receives one message (blocking ≤ 10 s); returns its size, 0 on EOF. */
static ssize_t
raw_recv(int sock, void *buf, size_t size)
{
	struct pollfd p = { sock, POLLIN, 0 };
	ssize_t n;

	if (poll(&p, 1, 10000) <= 0)
		return -ETIMEDOUT;
	n = recv(sock, buf, size, 0);
	return n < 0 ? (errno == ECONNRESET ? 0 : -errno) : n;
}

static void
raw_hello(int sock, uint32_t version)
{
	struct sbx_hello h = { .version = version };
	struct sbx_writer w;
	uint8_t buf[SBX_MSG_SIZE_MAX];
	struct sbx_reader r;
	ssize_t n;

	sbx_writer_init(&w, SBX_MSG_HELLO, 1);
	sbx_writer_put(&w, &h, sizeof(h));
	ck_assert_int_eq(sbx_writer_finish(&w), 0);
	ck_assert_int_eq(testlib_send_fds(sock, w.buf, w.len, NULL, 0), 0);
	sbx_writer_done(&w);
	if (version != SBX_PROTOCOL_VERSION)
		return;
	n = raw_recv(sock, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(sbx_reader_init(&r, buf, (size_t)n), 0);
	ck_assert_uint_eq(r.hdr.type, SBX_MSG_HELLO_REPLY);
}

/* True if the daemon closes sock within 10 s (messages before EOF are
 * skipped). */
static bool
closed_by_daemon(int sock)
{
	uint8_t buf[SBX_MSG_SIZE_MAX];

	for (int i = 0; i < 100; i++) {
		ssize_t n = raw_recv(sock, buf, sizeof(buf));

		if (n == 0)
			return true;
		if (n < 0)
			return false;
	}
	return false;
}

/* A new client still gets a sandbox run. */
static void
assert_serving(void)
{
	const char *argv[] = { "echo", "alive", NULL };
	sandbox_client *c = testlib_connect();
	struct testlib_run run;
	int r = testlib_spawn(c, NULL, NULL, argv, 30000, &run);

	ck_assert_msg(r == 0, "daemon stopped serving: %s (%s)", strerror(-r),
	    sandbox_client_last_error(c));
	ck_assert_int_eq(run.wait_r, 0);
	ck_assert_str_eq(run.out, "alive\n");
	testlib_run_done(&run);
	sandbox_client_free(c);
}

/* A good SPAWN of "echo should-not-run" into w. */
static void
spawn_msg(struct sbx_writer *w)
{
	static const char *const argv[] = { "echo", "should-not-run", NULL };
	static const char *const env[] = { NULL };
	struct sbx_spawn s = { .n_argv = 2 };

	sbx_writer_init(w, SBX_MSG_SPAWN, 7);
	ck_assert_int_eq(sbx_msg_spawn_put(w, &s, "default", "", argv, env), 0);
	ck_assert_int_eq(sbx_writer_finish(w), 0);
}

/*
 * sandboxd logs at most 10 lines a second per uid (ratelimit.h; a window
 * opens with the uid's first line) and counts the rest as suppressed. All
 * of ours are uid 0's, violations and a few refusals. Tests run one after
 * the other in forked children, so DIR/violations holds the times (ms,
 * monotonic) of our last VIOLATIONS_PER_WINDOW violations; the oldest
 * must be more than a window (with margin) ago before we cause another.
 * That leaves room in any window for the refusals.
 */
#define VIOLATIONS_PER_WINDOW 6
#define WINDOW_MS 1200

static void
violation_budget(void)
{
	long long t[VIOLATIONS_PER_WINDOW] = { 0 };
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/violations", testdaemon_fixture->dir) < 0)
		abort();
	f = fopen(path, "re");
	if (f) {
		for (size_t i = 0; i < VIOLATIONS_PER_WINDOW; i++)
			if (fscanf(f, "%lld", &t[i]) != 1)
				t[i] = 0;
		fclose(f);
	}
	/* t[0] is the oldest. */
	while (t[0] > 0 && testlib_now_ms() - t[0] < WINDOW_MS)
		usleep(10000);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 1; i < VIOLATIONS_PER_WINDOW; i++)
		fprintf(f, "%lld ", t[i]);
	fprintf(f, "%lld\n", testlib_now_ms());
	fclose(f);
	free(path);
}

/*
 * Sends buf (after a HELLO if hello) and expects: the connection closed,
 * one more "Protocol violation" in the log, no sandbox started, and the
 * daemon still serving.
 */
static void
expect_violation(const char *what, bool hello, const void *buf, size_t size, const int *fds,
    size_t n_fds)
{
	unsigned violations, started;
	int sock, r;

	violation_budget();
	violations = testdaemon_log_count(testdaemon_fixture, "Protocol violation by uid 0");
	started = testdaemon_log_count(testdaemon_fixture, " started: ");
	sock = raw_connect();

	if (hello)
		raw_hello(sock, SBX_PROTOCOL_VERSION);
	r = testlib_send_fds(sock, buf, size, fds, n_fds);
	ck_assert_msg(r == 0, "%s: send: %s", what, strerror(-r));
	ck_assert_msg(closed_by_daemon(sock), "%s: connection not closed", what);
	close(sock);
	ck_assert_msg(testdaemon_wait_log(testdaemon_fixture, "Protocol violation by uid 0",
	    violations + 1, 10000),
	    "%s: no \"Protocol violation\" logged", what);
	ck_assert_msg(testdaemon_log_count(testdaemon_fixture, " started: ") == started,
	    "%s: a sandbox was started", what);
	assert_serving();
}

START_TEST(garbage)
{
	uint8_t junk[40];

	memset(junk, 0xab, sizeof(junk));
	expect_violation("garbage before HELLO", false, junk, sizeof(junk), NULL, 0);
	expect_violation("garbage after HELLO", true, junk, sizeof(junk), NULL, 0);
	/* Shorter than a header. */
	expect_violation("5 bytes", true, "hello", 5, NULL, 0);
}
END_TEST

START_TEST(header_len_too_big)
{
	struct sbx_hdr h = { .type = SBX_MSG_LIST, .serial = 2, .len = 100 };

	expect_violation("len 100, 0 sent", true, &h, sizeof(h), NULL, 0);
}
END_TEST

START_TEST(reserved_nonzero)
{
	struct sbx_hdr h = { .type = SBX_MSG_LIST, .serial = 2, .reserved = 1 };

	expect_violation("reserved 1", true, &h, sizeof(h), NULL, 0);
}
END_TEST

START_TEST(truncated_spawn)
{
	struct sbx_writer w;
	int fds[3];
	struct sbx_hdr *h;

	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
	spawn_msg(&w);
	/* Cut inside the last string, and make the header agree. */
	h = (struct sbx_hdr *)w.buf;
	h->len -= 8;
	expect_violation("truncated SPAWN", true, w.buf, w.len - 8, fds, 3);
	/* Only the fixed part, cut short. */
	h->len = 20;
	expect_violation("SPAWN fixed part cut", true, w.buf, 16 + 20, fds, 3);
	sbx_writer_done(&w);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}
END_TEST

START_TEST(string_without_nul)
{
	struct {
		struct sbx_hdr h;
		uint32_t slen;
		char s[4];
	} m = { { SBX_MSG_POLICY_SHOW, 3, 8, 0 }, 4, { 'a', 'b', 'c', 'd' } };
	struct {
		struct sbx_hdr h;
		uint32_t slen;
		char s[8];
	} m2 = { { SBX_MSG_POLICY_SHOW, 3, 12, 0 }, 8, { 'd', 'e', 0, 'f', 'a', 'u', 'l', 0 } };

	expect_violation("string without NUL", true, &m, sizeof(m), NULL, 0);
	expect_violation("string with inner NUL", true, &m2, sizeof(m2), NULL, 0);
}
END_TEST

START_TEST(oversized)
{
	size_t size = 200 * 1024;
	uint8_t *buf = calloc(1, size);
	struct sbx_hdr *h = (struct sbx_hdr *)buf;
	int sock, sndbuf = 1024 * 1024;
	unsigned violations;

	violation_budget();
	violations = testdaemon_log_count(testdaemon_fixture, "Protocol violation by uid 0");

	h->type = SBX_MSG_LIST;
	h->serial = 4;
	h->len = (uint32_t)(size - sizeof(*h));
	sock = raw_connect();
	raw_hello(sock, SBX_PROTOCOL_VERSION);
	ck_assert_int_eq(setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)), 0);
	ck_assert_msg(testlib_send_fds(sock, buf, size, NULL, 0) == 0, "sending 200 KiB: %m");
	ck_assert_msg(closed_by_daemon(sock), "200 KiB datagram: connection not closed");
	close(sock);
	ck_assert_msg(testdaemon_wait_log(testdaemon_fixture, "Protocol violation by uid 0",
	    violations + 1, 10000),
	    "200 KiB datagram: no \"Protocol violation\" logged");
	free(buf);
	assert_serving();
}
END_TEST

START_TEST(wrong_version)
{
	uint8_t buf[SBX_MSG_SIZE_MAX];
	struct sbx_reader r;
	const char *msg;
	int sock = raw_connect(), error;
	ssize_t n;

	raw_hello(sock, SBX_PROTOCOL_VERSION + 41);
	n = raw_recv(sock, buf, sizeof(buf));
	ck_assert_msg(n > 0, "no reply to a wrong-version HELLO (%zd)", n);
	ck_assert_int_eq(sbx_reader_init(&r, buf, (size_t)n), 0);
	ck_assert_uint_eq(r.hdr.type, SBX_MSG_ERROR);
	ck_assert_uint_eq(r.hdr.serial, 1);
	ck_assert_int_eq(sbx_msg_error_get(&r, &error, &msg), 0);
	ck_assert_int_eq(error, EPROTONOSUPPORT);
	ck_assert_msg(closed_by_daemon(sock), "connection not closed after version mismatch");
	close(sock);
	assert_serving();
}
END_TEST

START_TEST(request_before_hello)
{
	struct sbx_writer w;
	int fds[3];

	sbx_writer_init(&w, SBX_MSG_LIST, 5);
	ck_assert_int_eq(sbx_writer_finish(&w), 0);
	expect_violation("LIST before HELLO", false, w.buf, w.len, NULL, 0);
	sbx_writer_done(&w);

	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
	spawn_msg(&w);
	expect_violation("SPAWN before HELLO", false, w.buf, w.len, fds, 3);
	sbx_writer_done(&w);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}
END_TEST

START_TEST(spawn_fd_count)
{
	struct sbx_writer w;
	int fds[6];
	unsigned fds_before;

	for (int i = 0; i < 6; i++)
		fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
	fds_before = testlib_count_fds();
	spawn_msg(&w);
	expect_violation("SPAWN with 0 fds", true, w.buf, w.len, NULL, 0);
	expect_violation("SPAWN with 2 fds", true, w.buf, w.len, fds, 2);
	expect_violation("SPAWN with 4 fds", true, w.buf, w.len, fds, 4);
	expect_violation("SPAWN with 6 fds", true, w.buf, w.len, fds, 6);
	/* And fds on a message that takes none. */
	sbx_writer_done(&w);
	sbx_writer_init(&w, SBX_MSG_LIST, 6);
	ck_assert_int_eq(sbx_writer_finish(&w), 0);
	expect_violation("LIST with 1 fd", true, w.buf, w.len, fds, 1);
	sbx_writer_done(&w);
	ck_assert_uint_eq(testlib_count_fds(), fds_before);
	for (int i = 0; i < 6; i++)
		close(fds[i]);
}
END_TEST

START_TEST(unknown_type)
{
	struct sbx_hdr h = { .type = 4242, .serial = 9 };
	struct sbx_hdr h2 = { .type = SBX_MSG_SPAWNED, .serial = 9, .len = 16 };
	uint8_t buf[32] = { 0 };

	expect_violation("type 4242", true, &h, sizeof(h), NULL, 0);
	/* A reply type sent by a client. */
	memcpy(buf, &h2, sizeof(h2));
	expect_violation("SPAWNED from a client", true, buf, sizeof(buf), NULL, 0);
}
END_TEST

START_TEST(unknown_policy)
{
	const char *argv[] = { "true", NULL };
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	struct testlib_run run;
	const char *msg;
	char *err;
	int r, st;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_policy(o, "no-such-policy"), 0);
	r = testlib_spawn(c, o, NULL, argv, 30000, &run);
	ck_assert_int_eq(r, -ENOENT);
	msg = sandbox_client_last_error(c);
	ck_assert_msg(msg && strstr(msg, "no-such-policy"), "message: %s", msg ? msg : "(null)");
	testlib_run_done(&run);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);

	st = testlib_sandboxctl(NULL, NULL, &err, "run", "--policy", "no-such-policy", "--",
	    "true", NULL);
	ck_assert_msg(testlib_exit_code(st) == 125, "exit %d", testlib_exit_code(st));
	ck_assert_msg(strstr(err, "no-such-policy"), "stderr: %s", err);
	free(err);
	assert_serving();
}
END_TEST

/* A directory as stdio would be a handle on the host's tree: refused. */
START_TEST(directory_stdio)
{
	const char *argv[] = { "true", NULL };
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	uint64_t id = 0;
	const char *msg;
	int dir, path, r;

	dir = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	path = open("/etc/hostname", O_PATH | O_CLOEXEC);
	ck_assert_int_ge(dir, 0);
	ck_assert_int_ge(path, 0);
	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_stdio(o, dir, -1, -1), 0);
	r = sandbox_spawn(c, o, (char *const *) argv, &id);
	ck_assert_int_eq(r, -EINVAL);
	msg = sandbox_client_last_error(c);
	ck_assert_msg(msg && strstr(msg, "stdin"), "message: %s", msg ? msg : "(null)");
	ck_assert_int_eq(sandbox_spawn_options_set_stdio(o, -1, -1, path), 0);
	r = sandbox_spawn(c, o, (char *const *) argv, &id);
	ck_assert_int_eq(r, -EINVAL);
	msg = sandbox_client_last_error(c);
	ck_assert_msg(msg && strstr(msg, "stderr"), "message: %s", msg ? msg : "(null)");
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
	close(dir);
	close(path);
	assert_serving();
}
END_TEST

START_TEST(missing_binary)
{
	const char *argv[] = { "no-such-binary-xyz", NULL };
	const char *argv2[] = { "/usr/bin/no-such-binary-xyz", NULL };
	sandbox_client *c = testlib_connect();
	struct testlib_run run;
	char *err;
	int r, st;

	r = testlib_spawn(c, NULL, NULL, argv, 30000, &run);
	ck_assert_msg(r == -ENOENT, "spawn: %d", r);
	testlib_run_done(&run);
	r = testlib_spawn(c, NULL, NULL, argv2, 30000, &run);
	ck_assert_msg(r == -ENOENT, "spawn by path: %d", r);
	testlib_run_done(&run);
	sandbox_client_free(c);

	st = testlib_sandboxctl(NULL, NULL, &err, "run", "--", "no-such-binary-xyz", NULL);
	ck_assert_msg(testlib_exit_code(st) == 127, "exit %d, stderr %s", testlib_exit_code(st),
	    err);
	free(err);
	assert_serving();
}
END_TEST

struct cmdline_want {
	char	text[64];
	size_t	len;
};

static bool
cmdline_is(FILE *f, void *userdata)
{
	const struct cmdline_want *w = userdata;
	char buf[64];
	size_t k = fread(buf, 1, sizeof(buf), f);

	return k == w->len && !memcmp(buf, w->text, w->len);
}

/* Processes whose command line is "sleep <arg>". */
static unsigned
count_cmdline(const char *arg)
{
	struct cmdline_want w;
	int n;

	w.len = (size_t)snprintf(w.text, sizeof(w.text), "sleep%c%s", 0, arg) + 1;
	n = testlib_count_procs("cmdline", cmdline_is, &w);
	ck_assert_int_ge(n, 0);
	return (unsigned)n;
}

START_TEST(disconnect_mid_spawn)
{
	static const char *const argv[] = { "sleep", "298.5151", NULL };
	static const char *const env[] = { NULL };
	struct sbx_spawn s = { .n_argv = 2 };
	struct sbx_writer w;
	int fds[3], sock;

	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
	sbx_writer_init(&w, SBX_MSG_SPAWN, 7);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &s, "default", "", argv, env), 0);
	ck_assert_int_eq(sbx_writer_finish(&w), 0);
	for (int round = 0; round < 3; round++) {
		sock = raw_connect();
		raw_hello(sock, SBX_PROTOCOL_VERSION);
		ck_assert_int_eq(testlib_send_fds(sock, w.buf, w.len, fds, 3), 0);
		close(sock);
	}
	sbx_writer_done(&w);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	/* The daemon has seen the disconnects once it serves a new client. */
	assert_serving();
	for (int i = 0; i < 500 && count_cmdline("298.5151") > 0; i++)
		usleep(20000);
	ck_assert_msg(count_cmdline("298.5151") == 0, "%u spawned sleeps outlived their client",
	    count_cmdline("298.5151"));
}
END_TEST

START_TEST(flood)
{
	struct sbx_writer w;
	sandbox_client *c;
	sandbox_info **v;
	size_t n;
	int sock = raw_connect(), sent = 0;

	raw_hello(sock, SBX_PROTOCOL_VERSION);
	fcntl(sock, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 1000; i++) {
		sbx_writer_init(&w, SBX_MSG_LIST, 100 + i);
		ck_assert_int_eq(sbx_writer_finish(&w), 0);
		if (testlib_send_fds(sock, w.buf, w.len, NULL, 0) == 0)
			sent++;
		sbx_writer_done(&w);
	}
	ck_assert_int_gt(sent, 0);
	/* Another client is served meanwhile. */
	c = testlib_connect();
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(sandbox_list(c, &v, &n), 0);
		sandbox_info_list_free(v, n);
	}
	sandbox_client_free(c);
	assert_serving();
	close(sock);
	assert_serving();
}
END_TEST

TESTDAEMON_MAIN("badinput",
	{ "badinput", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 90,
	    .tests = TESTLIB_TESTS(garbage, header_len_too_big, reserved_nonzero,
		truncated_spawn, string_without_nul, oversized, wrong_version,
		request_before_hello, spawn_fd_count, directory_stdio, unknown_type,
		unknown_policy, missing_binary, disconnect_mid_spawn, flood) });
