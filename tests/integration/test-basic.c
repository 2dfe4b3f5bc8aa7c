/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Basics, through libsandbox-client and through sandboxctl: stdio,
 * exit codes, signals, environment, working directory, stdin.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

/* Runs argv through the library on a fresh connection. */
static void
lib_run(sandbox_spawn_options *o, const char *input, const char *const *argv,
    struct testlib_run *run)
{
	sandbox_client *c = testlib_connect();
	int r = testlib_spawn(c, o, input, argv, 30000, run);

	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	ck_assert_msg(run->wait_r == 0, "wait: %s", strerror(-run->wait_r));
	sandbox_client_free(c);
}

START_TEST(lib_stdio)
{
	const char *argv[] = { "sh", "-c", "echo to-stdout; echo to-stderr >&2", NULL };
	struct testlib_run run;
	unsigned fds = testlib_count_fds();

	lib_run(NULL, NULL, argv, &run);
	ck_assert_str_eq(run.out, "to-stdout\n");
	ck_assert_str_eq(run.err, "to-stderr\n");
	ck_assert_int_eq(run.exited, 1);
	ck_assert_int_eq(run.status, 0);
	ck_assert_str_eq(run.limit, "none");
	testlib_run_done(&run);
	/* The library leaves no fd behind once the client is freed. */
	ck_assert_uint_eq(testlib_count_fds(), fds);
}
END_TEST

START_TEST(lib_exit_code)
{
	const char *argv[] = { "sh", "-c", "exit 7", NULL };
	struct testlib_run run;

	lib_run(NULL, NULL, argv, &run);
	ck_assert_int_eq(run.exited, 1);
	ck_assert_int_eq(run.status, 7);
	testlib_run_done(&run);
}
END_TEST

START_TEST(lib_signal)
{
	const char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct testlib_run run;

	lib_run(NULL, NULL, argv, &run);
	ck_assert_int_eq(run.exited, 0);
	ck_assert_int_eq(run.status, SIGTERM);
	ck_assert_str_eq(run.limit, "none");
	testlib_run_done(&run);
}
END_TEST

START_TEST(lib_env_cwd)
{
	const char *argv[] = { "sh", "-c", "echo \"$FOO\"; pwd", NULL };
	sandbox_spawn_options *o;
	struct testlib_run run;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_add_env(o, "FOO=bar"), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_cwd(o, "/usr"), 0);
	lib_run(o, NULL, argv, &run);
	ck_assert_str_eq(run.out, "bar\n/usr\n");
	ck_assert_int_eq(run.status, 0);
	testlib_run_done(&run);
	sandbox_spawn_options_free(o);
}
END_TEST

START_TEST(lib_stdin)
{
	const char *argv[] = { "cat", NULL };
	struct testlib_run run;

	lib_run(NULL, "hello\nworld\n", argv, &run);
	ck_assert_str_eq(run.out, "hello\nworld\n");
	ck_assert_int_eq(run.exited, 1);
	ck_assert_int_eq(run.status, 0);
	testlib_run_done(&run);
}
END_TEST

START_TEST(ctl_stdio)
{
	char *out, *err;
	int st = testlib_sandboxctl(NULL, &out, &err, "run", "--", "sh", "-c",
	    "echo to-stdout; echo to-stderr >&2", NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "exit %d, stderr: %s", testlib_exit_code(st), err);
	ck_assert_str_eq(out, "to-stdout\n");
	ck_assert_str_eq(err, "to-stderr\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(ctl_exit_code)
{
	char *err;
	int st = testlib_sandboxctl(NULL, NULL, &err, "run", "--", "sh", "-c", "exit 7", NULL);

	ck_assert_msg(testlib_exit_code(st) == 7, "exit %d, stderr: %s", testlib_exit_code(st), err);
	free(err);
}
END_TEST

START_TEST(ctl_signal)
{
	char *err;
	int st = testlib_sandboxctl(NULL, NULL, &err, "run", "--", "sh", "-c", "kill -KILL $$", NULL);

	/* sandboxctl reports the target's death by signal, not its own. */
	ck_assert_msg(WIFEXITED(st), "sandboxctl itself died (0x%x)", st);
	ck_assert_msg(testlib_exit_code(st) == 128 + SIGKILL, "exit %d, stderr: %s",
	    testlib_exit_code(st), err);
	free(err);
}
END_TEST

/* Ctrl-C: a SIGINT to sandboxctl reaches the target, whose own handler
 * decides the outcome. */
START_TEST(ctl_interrupt)
{
	const char *ctl = getenv("SANDBOXCTL");
	char buf[256] = "";
	size_t got = 0;
	int out[2], st;
	pid_t pid;

	ck_assert_ptr_nonnull(ctl);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void) dup2(out[1], STDOUT_FILENO);
		(void) signal(SIGINT, SIG_DFL);
		execl(ctl, ctl, "run", "--", "sh", "-c",
		    "trap 'echo got-int; exit 42' INT; echo ready; while :; do sleep 0.1; done",
		    (char *) NULL);
		_exit(127);
	}
	close(out[1]);
	/* Wait for the target to be running its loop. */
	while (!strstr(buf, "ready\n") && got < sizeof(buf) - 1) {
		ssize_t n = read(out[0], buf + got, sizeof(buf) - 1 - got);

		ck_assert_int_gt(n, 0);
		got += (size_t) n;
		buf[got] = '\0';
	}
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	for (;;) {
		ssize_t n = read(out[0], buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t) n;
		buf[got] = '\0';
	}
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 42, "status 0x%x, output '%s'", st, buf);
	ck_assert_msg(strstr(buf, "got-int\n"), "output '%s'", buf);
}
END_TEST

START_TEST(ctl_env_cwd)
{
	char *out, *err;
	int st = testlib_sandboxctl(NULL, &out, &err, "run", "--env", "FOO=bar", "--cwd", "/usr",
	    "--", "sh", "-c", "echo \"$FOO\"; pwd", NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "exit %d, stderr: %s", testlib_exit_code(st), err);
	ck_assert_str_eq(out, "bar\n/usr\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(ctl_stdin)
{
	char *out, *err;
	int st = testlib_sandboxctl("hi\n", &out, &err, "run", "--", "cat", NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "exit %d, stderr: %s", testlib_exit_code(st), err);
	ck_assert_str_eq(out, "hi\n");
	free(out);
	free(err);
}
END_TEST

TESTDAEMON_MAIN("basic",
	{ "lib", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 60,
	    .tests = TESTLIB_TESTS(lib_stdio, lib_exit_code, lib_signal, lib_env_cwd,
		lib_stdin) },
	{ "sandboxctl", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 60,
	    .tests = TESTLIB_TESTS(ctl_stdio, ctl_exit_code, ctl_signal, ctl_interrupt,
		ctl_env_cwd, ctl_stdin) });
