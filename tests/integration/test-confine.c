/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Confinement, seen from inside: escape attempts under the shipped
 * policies. Helper attempts run tests/integration/helpers/escape under a
 * test policy "escape" (the shipped default plus the helpers' build
 * directory bound read-only at /opt/helpers), shell attempts under the
 * plain "default"; "strict" gets its own case.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

/* Runs argv under policy (NULL: default) and fills run; asserts it ran. */
static void
run_in(const char *policy, const char *input, const char *const *argv, struct testlib_run *run)
{
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	int r;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	if (policy)
		ck_assert_int_eq(sandbox_spawn_options_set_policy(o, policy), 0);
	r = testlib_spawn(c, o, input, argv, 30000, run);
	ck_assert_msg(r == 0, "spawn %s: %s (%s)", argv[0], strerror(-r),
	    sandbox_client_last_error(c));
	ck_assert_msg(run->wait_r == 0, "wait: %s", strerror(-run->wait_r));
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
}

/* "escape TEST [ARG]" must exit 0 ("denied: ..."). */
static void
expect_denied(const char *test, const char *arg)
{
	const char *argv[] = { "/opt/helpers/escape", test, arg, NULL };
	struct testlib_run run;

	run_in("escape", NULL, argv, &run);
	ck_assert_msg(run.exited == 1 && run.status == 0,
	    "escape %s: exited=%d status=%d limit=%s stdout='%s' stderr='%s'", test, run.exited,
	    run.status, run.limit, run.out, run.err);
	ck_assert_msg(strncmp(run.out, "denied: ", 8) == 0, "escape %s: stdout '%s'", test,
	    run.out);
	testlib_run_done(&run);
}

START_TEST(shadow)
{
	const char *argv[] = { "sh", "-c", "cat /etc/shadow; echo status=$?", NULL };
	struct testlib_run run;

	expect_denied("shadow", NULL);
	run_in(NULL, NULL, argv, &run);
	ck_assert_str_eq(run.out, "status=1\n");
	ck_assert_msg(strstr(run.err, "No such file") || strstr(run.err, "Permission denied"),
	    "cat /etc/shadow: %s", run.err);
	testlib_run_done(&run);
}
END_TEST

START_TEST(pid_namespace)
{
	char script[256], hostpid[32];
	const char *argv[] = { "sh", "-c", script, NULL };
	struct testlib_run run;
	pid_t host;
	int st;

	/* A host process with a recognizable command line. */
	host = fork();
	ck_assert_int_ge(host, 0);
	if (host == 0) {
		execl("/bin/sleep", "sleep", "299.4242", (char *)NULL);
		_exit(127);
	}
	snprintf(hostpid, sizeof(hostpid), "%d", (int)host);
	snprintf(script, sizeof(script),
	    "ps -e -o pid=,args=; echo ps-status=$?; kill -0 %d && echo HOST-$((6*7)); "
	    "echo nproc=$(ls -d /proc/[0-9]* | wc -l)", (int)host);
	run_in(NULL, NULL, argv, &run);
	ck_assert_msg(strstr(run.out, "ps-status=0\n"), "ps failed: %s %s", run.out, run.err);
	ck_assert_msg(!strstr(run.out, "299.4242"), "host process visible:\n%s", run.out);
	ck_assert_msg(!strstr(run.out, "HOST-42"), "kill -0 of a host pid worked:\n%s", run.out);
	/* sandbox-init, sh, and its children ps/ls/wc: a handful, not the host's. */
	ck_assert_msg(strstr(run.out, "nproc="), "%s", run.out);
	ck_assert_msg(atoi(strstr(run.out, "nproc=") + 6) <= 6, "too many pids in /proc:\n%s",
	    run.out);
	testlib_run_done(&run);
	expect_denied("kill", hostpid);

	kill(host, SIGKILL);
	ck_assert_int_eq(waitpid(host, &st, 0), host);
}
END_TEST

START_TEST(network)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *argv[] = { "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
		NULL };
	struct testlib_run run;
	char port[16];
	int l, c;

	/* A listener on the host's loopback. */
	l = testlib_tcp_listen(16, &sa);
	snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));

	/* Control: reachable from the host. */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);

	expect_denied("connect", port);

	run_in(NULL, NULL, argv, &run);
	ck_assert_str_eq(run.out, "lo\n");
	testlib_run_done(&run);
	close(l);
}
END_TEST

START_TEST(read_only)
{
	const char *argv[] = { "sh", "-c",
		"touch /usr/x 2>/dev/null; echo usr=$?; touch /x 2>/dev/null; echo root=$?; "
		"touch /etc/x 2>/dev/null; echo etc=$?; touch /tmp/x; echo tmp=$?", NULL };
	struct testlib_run run;

	run_in(NULL, NULL, argv, &run);
	ck_assert_str_eq(run.out, "usr=1\nroot=1\netc=1\ntmp=0\n");
	testlib_run_done(&run);
	ck_assert_msg(access("/usr/x", F_OK) < 0 && access("/x", F_OK) < 0, "file on the host!");
}
END_TEST

static const char *
status_field(const char *status, const char *key, char *buf, size_t size)
{
	const char *p = strstr(status, key);
	size_t n;

	if (!p)
		return "(missing)";
	p += strlen(key);
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), p);
	return buf;
}

START_TEST(credentials)
{
	const char *argv[] = { "cat", "/proc/self/status", NULL };
	const char *init_argv[] = { "sh", "-c",
		"for i in $(seq 100); do grep -q '^Seccomp:.*2' /proc/1/status && break; "
		"sleep 0.05; done; cat /proc/1/status", NULL };
	struct testlib_run run;
	char buf[128];

	run_in(NULL, NULL, argv, &run);
	ck_assert_msg(strncmp(status_field(run.out, "\nUid:", buf, sizeof(buf)), "0\t", 2) != 0,
	    "runs as uid 0: %s", buf);
	ck_assert_str_eq(status_field(run.out, "\nCapEff:", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(run.out, "\nCapPrm:", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(run.out, "\nNoNewPrivs:", buf, sizeof(buf)), "1");
	ck_assert_str_eq(status_field(run.out, "\nSeccomp:", buf, sizeof(buf)), "2");
	testlib_run_done(&run);

	/* The sandbox's pid 1 is confined too: no capabilities, no_new_privs
	 * and a seccomp filter of its own, which it applies as soon as the
	 * target has exec'd (so poll for it briefly). */
	run_in(NULL, NULL, init_argv, &run);
	ck_assert_str_eq(status_field(run.out, "\nPPid:", buf, sizeof(buf)), "0");
	ck_assert_str_eq(status_field(run.out, "\nCapEff:", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(run.out, "\nNoNewPrivs:", buf, sizeof(buf)), "1");
	ck_assert_str_eq(status_field(run.out, "\nSeccomp:", buf, sizeof(buf)), "2");
	testlib_run_done(&run);
}
END_TEST

START_TEST(ptrace)
{
	expect_denied("ptrace", NULL);
}
END_TEST

START_TEST(userns)
{
	const char *argv[] = { "sh", "-c", "unshare -U true 2>/dev/null; echo status=$?", NULL };
	struct testlib_run run;

	expect_denied("userns", NULL);
	run_in(NULL, NULL, argv, &run);
	ck_assert_msg(strcmp(run.out, "status=0\n") != 0, "unshare -U worked");
	ck_assert_msg(strncmp(run.out, "status=", 7) == 0, "%s", run.out);
	testlib_run_done(&run);
}
END_TEST

static void
expect_sigsys(const char *test)
{
	const char *argv[] = { "/opt/helpers/escape", test, NULL };
	struct testlib_run run;

	run_in("escape", NULL, argv, &run);
	ck_assert_msg(run.exited == 0 && run.status == SIGSYS,
	    "escape %s: exited=%d status=%d stdout='%s'", test, run.exited, run.status, run.out);
	testlib_run_done(&run);
}

START_TEST(x32_abi)
{
	expect_sigsys("x32");
}
END_TEST

START_TEST(i386_abi)
{
	char path[4096];
	const char *argv[] = { path, "int80", NULL };
	struct testlib_run run;
	int st;

	/*
	 * Some kernels (IA32 emulation disabled, some hypervisors) fault on
	 * int $0x80 from 64-bit code before any filter sees it. Only there
	 * is SIGSEGV inside the sandbox as good as SIGSYS.
	 */
	snprintf(path, sizeof(path), "%s/escape", testlib_helpers_dir());
	st = testlib_run_cmd(argv, NULL, (uid_t)-1, (gid_t)-1, 30000, NULL, NULL);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) {
		argv[0] = "/opt/helpers/escape";
		run_in("escape", NULL, argv, &run);
		ck_assert_msg(run.exited == 0 && (run.status == SIGSYS || run.status == SIGSEGV),
		    "escape int80 (no int 0x80 on this host): exited=%d status=%d stdout='%s'",
		    run.exited, run.status, run.out);
		testlib_run_done(&run);
		return;
	}
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 3, "int80 on the host: status 0x%x", st);
	expect_sigsys("int80");
}
END_TEST

START_TEST(dangerous_syscalls)
{
	expect_denied("io_uring", NULL);
	expect_denied("bpf", NULL);
	expect_denied("perf", NULL);
	expect_denied("userfaultfd", NULL);
	expect_denied("keyctl", NULL);
	expect_denied("add_key", NULL);
	expect_denied("mount", NULL);
}
END_TEST

START_TEST(tiocsti)
{
	const char *argv[] = { "/opt/helpers/escape", "tiocsti", NULL };
	sandbox_client *c;
	sandbox_spawn_options *o;
	struct testlib_run run;
	char buf[64];
	int master, slave, r;
	ssize_t n;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ge(slave, 0);

	c = testlib_connect();
	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_policy(o, "escape"), 0);
	r = testlib_spawn_fd(c, o, slave, argv, 30000, &run);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	ck_assert_msg(run.exited == 1 && run.status == 0 && !strncmp(run.out, "denied: ", 8),
	    "TIOCSTI: exited=%d status=%d stdout='%s'", run.exited, run.status, run.out);
	testlib_run_done(&run);

	/* Nothing was injected: the slave has no pending input. */
	fcntl(slave, F_SETFL, O_NONBLOCK);
	n = read(slave, buf, sizeof(buf));
	ck_assert_msg(n < 0 && errno == EAGAIN, "input was injected (%zd bytes)", n);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
	close(slave);
	close(master);
}
END_TEST

START_TEST(strict)
{
	const char *cat[] = { "cat", NULL };
	const char *sub[] = { "sh", "-c", "echo \"[$(echo sub-ok)]\"", NULL };
	const char *ls[] = { "sh", "-c", "ls /; echo after-ls", NULL };
	struct testlib_run run;

	run_in("strict", "some data\n", cat, &run);
	ck_assert_msg(run.exited == 1 && run.status == 0, "cat under strict: %d/%d %s", run.exited,
	    run.status, run.err);
	ck_assert_str_eq(run.out, "some data\n");
	testlib_run_done(&run);

	/* A command substitution needs a fork. */
	run_in("strict", NULL, sub, &run);
	ck_assert_msg(!strstr(run.out, "sub-ok"), "forked under strict: '%s'", run.out);
	testlib_run_done(&run);

	run_in("strict", NULL, ls, &run);
	ck_assert_msg(!(run.exited == 1 && run.status == 0) || !strstr(run.out, "after-ls"),
	    "sh could run ls under strict: '%s'", run.out);
	ck_assert_msg(!strstr(run.out, "usr\n"), "ls listed / under strict: '%s'", run.out);
	testlib_run_done(&run);
}
END_TEST

TESTDAEMON_MAIN("confine",
	{ "confine", .up = testdaemon_fixture_up_escape, .down = testdaemon_fixture_down, .timeout = 60,
	    .tests = TESTLIB_TESTS(shadow, pid_namespace, network, read_only, credentials,
		ptrace, userns, x32_abi, i386_abi, dangerous_syscalls, tiocsti, strict) });
