/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Limits: wall clock, memory, tasks, and narrowing that would widen the
 * policy. The memory hog is tests/integration/helpers/escape, bound into
 * the sandbox by a test policy "escape" (default + /opt/helpers).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

START_TEST(timeout_lib)
{
	const char *argv[] = { "sleep", "30", NULL };
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	struct testlib_run run;
	int r;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_timeout_ms(o, 1000), 0);
	r = testlib_spawn(c, o, NULL, argv, 25000, &run);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	/* 25 s is far from 1 s and far from sleep's 30 s. */
	ck_assert_msg(run.wait_r == 0, "no EXITED within 25 s: %s", strerror(-run.wait_r));
	ck_assert_str_eq(run.limit, "timeout");
	ck_assert_int_eq(run.exited, 0);
	ck_assert_msg(run.wall_usec < 25 * 1000000ull, "wall %llu us",
	    (unsigned long long)run.wall_usec);
	ck_assert_msg(testlib_wait_no_uid_procs(run.uid, 10000), "uid %u still has processes",
	    (unsigned)run.uid);
	testlib_run_done(&run);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
}
END_TEST

START_TEST(timeout_ctl)
{
	char *err;
	int st = testlib_sandboxctl(NULL, NULL, &err, "run", "--timeout", "1", "--", "sleep", "30",
	    NULL);
	int code = testlib_exit_code(st);

	/* The helper kills sandboxctl after 60 s: finishing means the limit worked. */
	ck_assert_msg(WIFEXITED(st), "sandboxctl did not exit by itself (0x%x)", st);
	ck_assert_msg(code != 0 && code != 125, "exit %d, stderr: %s", code, err);
	ck_assert_msg(strstr(err, "timeout") != NULL, "stderr does not mention the timeout: %s", err);
	free(err);
}
END_TEST

START_TEST(memory)
{
	const char *argv[] = { "/opt/helpers/escape", "memhog", "256", NULL };
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	struct testlib_run run;
	int r;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_policy(o, "escape"), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_memory_max(o, 32ull << 20), 0);
	r = testlib_spawn(c, o, NULL, argv, 30000, &run);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	ck_assert_msg(run.wait_r == 0, "wait: %s", strerror(-run.wait_r));
	ck_assert_msg(strstr(run.out, "touched") == NULL, "256 MiB fitted in 32 MiB: %s", run.out);
	ck_assert_int_eq(run.exited, 0);
	ck_assert_int_eq(run.status, SIGKILL);
	ck_assert_str_eq(run.limit, "memory");
	testlib_run_done(&run);

	/* Control: the same helper with room enough succeeds. */
	ck_assert_int_eq(sandbox_spawn_options_set_memory_max(o, 0), 0);
	argv[2] = "16";
	r = testlib_spawn(c, o, NULL, argv, 30000, &run);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(run.out, "touched 16 MiB\n");
	ck_assert_int_eq(run.exited, 1);
	ck_assert_int_eq(run.status, 0);
	testlib_run_done(&run);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
}
END_TEST

START_TEST(tasks)
{
	const char *argv[] = { "sh", "-c",
		"n=0; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait; echo finished", NULL };
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	struct testlib_run run;
	int r;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_tasks_max(o, 4), 0);
	r = testlib_spawn(c, o, NULL, argv, 30000, &run);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	ck_assert_msg(run.wait_r == 0, "wait: %s", strerror(-run.wait_r));
	ck_assert_str_eq(run.limit, "tasks");
	/* dash says "Cannot fork" when fork() fails with EAGAIN. */
	ck_assert_msg(strcasestr(run.err, "fork") != NULL, "no failed fork on stderr: '%s'",
	    run.err);
	testlib_run_done(&run);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
}
END_TEST

/* CPUTime= bounds the sandbox as a whole: processes that each stay under
 * their RLIMIT_CPU still end it once their sum reaches the limit. */
START_TEST(cpu_time)
{
	const char *argv[] = { "sh", "-c", "for k in 1 2 3 4 5 6 7 8 9 10 11 12; do "
		"(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done); echo $k; done; echo finished",
		NULL };
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	struct testlib_run run;
	int r;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_cpu_ms(o, 1000), 0);
	r = testlib_spawn(c, o, NULL, argv, 60000, &run);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	ck_assert_msg(run.wait_r == 0, "wait: %s", strerror(-run.wait_r));
	ck_assert_msg(run.limit && strcmp(run.limit, "cpu") == 0, "limit %s, out:\n%s",
	    run.limit ? run.limit : "(none)", run.out);
	ck_assert_msg(strstr(run.out, "finished") == NULL, "ran to the end: %s", run.out);
	ck_assert_int_eq(run.exited, 0);
	ck_assert_int_eq(run.status, SIGKILL);
	testlib_run_done(&run);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
}
END_TEST

static void
expect_eperm(sandbox_spawn_options *o, const char *what)
{
	const char *argv[] = { "true", NULL };
	sandbox_client *c = testlib_connect();
	struct testlib_run run;
	int r = testlib_spawn(c, o, NULL, argv, 30000, &run);

	ck_assert_msg(r == -EPERM, "widening %s: got %d (%s), want -EPERM", what, r,
	    r < 0 ? strerror(-r) : "spawned");
	testlib_run_done(&run);
	sandbox_client_free(c);
}

START_TEST(widen)
{
	sandbox_spawn_options *o;
	char *err;
	int st;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_timeout_ms(o, 2 * 3600 * 1000ull), 0);
	expect_eperm(o, "timeout (policy 1h)");
	sandbox_spawn_options_free(o);

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_memory_max(o, 1ull << 30), 0);
	expect_eperm(o, "memory (policy 512M)");
	sandbox_spawn_options_free(o);

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_tasks_max(o, 65), 0);
	expect_eperm(o, "tasks (policy 64)");
	sandbox_spawn_options_free(o);

	st = testlib_sandboxctl(NULL, NULL, &err, "run", "--memory", "1G", "--", "true", NULL);
	ck_assert_msg(testlib_exit_code(st) == 125, "sandboxctl --memory 1G: exit %d, stderr %s",
	    testlib_exit_code(st), err);
	free(err);
	st = testlib_sandboxctl(NULL, NULL, &err, "run", "--tasks", "1000", "--", "true", NULL);
	ck_assert_msg(testlib_exit_code(st) == 125, "sandboxctl --tasks 1000: exit %d, stderr %s",
	    testlib_exit_code(st), err);
	free(err);
}
END_TEST

/* Every limit the target inherits is pinned: its hard limit is its soft
 * one, so that none can be raised (an unlimited stack would take a command
 * line of any size). */
START_TEST(rlimits_pinned)
{
	char *out, *err;
	int st = testlib_sandboxctl(NULL, &out, &err, "run", "--", "/bin/sh", "-c",
	    "cat /proc/self/limits; ulimit -s unlimited && echo raised", NULL);
	char *line, *save = NULL;
	unsigned n = 0;

	ck_assert_msg(testlib_exit_code(st) != 0 && !strstr(out, "raised"),
	    "the stack limit could be raised: exit %d, out %s, err %s", testlib_exit_code(st), out,
	    err);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char soft[32], hard[32];

		/* "Max stack size            8388608              8388608  bytes" */
		if (strncmp(line, "Max ", 4) != 0 || strlen(line) < 47 ||
		    sscanf(line + 26, "%31s %31s", soft, hard) != 2)
			continue;
		ck_assert_msg(strcmp(soft, hard) == 0, "not pinned: %s", line);
		n++;
	}
	ck_assert_msg(n >= 16, "%u limits read:\n%s", n, out);
	free(out);
	free(err);
}
END_TEST

TESTDAEMON_MAIN("limits",
	{ "limits", .up = testdaemon_fixture_up_escape, .down = testdaemon_fixture_down, .timeout = 90,
	    .tests = TESTLIB_TESTS(timeout_lib, timeout_ctl, memory, tasks, cpu_time, widen,
	    rlimits_pinned) });
