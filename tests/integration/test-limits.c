/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Limits: wall clock, memory, tasks, CPU bandwidth, and narrowing that
 * would widen the policy. The memory hog is tests/integration/helpers/escape,
 * bound into the sandbox by a test policy "escape" (default + /opt/helpers);
 * the CPU spinner is tests/integration/helpers/cpu-spin, bound the same way.
 */
#include <check.h>
#include <dirent.h>
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

/* The owners, by loop index: root (as we are), then uid 65534. */
static const uid_t owners[] = { (uid_t)-1, 65534 };
#define N_OWNERS ((int)ELEMENTSOF(owners))

/* Real time the spinners run, in ms: long enough for fifteen periods of
 * the CPU bandwidth controller (100 ms). */
#define SPIN_MS 1500

/* "spin": default (CPUQuota=100%) with the helpers bound; "spin50" and
 * "spinfree" include it and set CPUQuota=50%, or reset it (empty: no
 * quota), as a later assignment does. */
static void
up_cpu(void)
{
	struct testdaemon *d = testdaemon_new();
	char *bind = testlib_asprintf("BindReadOnly=%s:/opt/helpers", testlib_helpers_dir());
	char *text = testlib_default_policy_with(bind);

	testdaemon_write_policy(d, "spin", text);
	testdaemon_write_policy(d, "spin50", "[Policy]\nInclude=spin\n\n[Limits]\nCPUQuota=50%\n");
	testdaemon_write_policy(d, "spinfree", "[Policy]\nInclude=spin\n\n[Limits]\nCPUQuota=\n");
	free(text);
	free(bind);
	ck_assert_int_eq(testdaemon_start(d, NULL), 0);
	testdaemon_fixture = d;
}

/* Two spinners for SPIN_MS under policy, as owners[i]; returns their CPU
 * time per real time (1.0: one CPU's worth) and prints both figures. */
static double
spin(int i, const char *policy)
{
	char *out, *err;
	long long wall = 0, cpu = 0;
	int st = testlib_sandboxctl_as(owners[i], owners[i], &out, &err, "run", "--policy",
	    policy, "--", "/opt/helpers/cpu-spin", "2", STRINGIFY(SPIN_MS), NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "owner %d, %s: exit %d\nstdout: %s\nstderr: %s",
	    (int)owners[i], policy, testlib_exit_code(st), out, err);
	ck_assert_msg(sscanf(out, "wall_ms %lld cpu_ms %lld", &wall, &cpu) == 2 && wall >= SPIN_MS,
	    "owner %d, %s: cpu-spin said '%s'", (int)owners[i], policy, out);
	fprintf(stderr, "# 2 spinners as owner %d under %s: %lld ms CPU in %lld ms (%.2f CPUs)\n",
	    (int)owners[i], policy, cpu, wall, (double)cpu / (double)wall);
	free(out);
	free(err);
	return (double)cpu / (double)wall;
}

/* The sandbox cgroups left in the daemon's cgroups of the cpu hierarchy
 * (v1) or of its own (v2), beside "supervisor" or in "sandboxd-PID". */
static unsigned
count_sandbox_cgroups(pid_t daemon)
{
	unsigned n = 0;

	for (int v2 = 0; v2 < 2; v2++) {
		char *top = testlib_cgroup_dir(v2 ? "" : "cpu", daemon);

		for (int sub = 0; top && sub < 2; sub++) {
			char *dir = sub ? testlib_asprintf("%s/sandboxd-%d", top, (int)daemon) :
			    strdup(top);
			DIR *d = opendir(dir);
			struct dirent *e;

			while (d && (e = readdir(d)))
				n += strncmp(e->d_name, "sandbox-", 8) == 0;
			if (d)
				closedir(d);
			free(dir);
		}
		free(top);
	}
	return n;
}

/* CPUQuota=50%: two processes that would take two cores get half of one,
 * whoever owns the sandbox (with slack for the controller's accounting). */
START_TEST(cpu_quota)
{
	double ratio = spin(_i, "spin50");

	ck_assert_msg(ratio <= 0.8, "owner %d: CPUQuota=50%% but %.2f CPUs used", (int)owners[_i],
	    ratio);
	/* Without the quota, for comparison only: a loaded host gives less. */
	(void)spin(_i, "spinfree");
	/* The cgroups made for the quota go with their sandboxes. */
	for (int ms = 0; count_sandbox_cgroups(testdaemon_fixture->pid) > 0 && ms < 10000; ms += 50)
		(void)usleep(50 * 1000);
	ck_assert_uint_eq(count_sandbox_cgroups(testdaemon_fixture->pid), 0);
}
END_TEST

/* The shipped default caps a sandbox at one CPU: it cannot take both cores. */
START_TEST(cpu_quota_default)
{
	double ratio = spin(_i, "spin");

	ck_assert_msg(ratio <= 1.3, "owner %d: default policy (CPUQuota=100%%) but %.2f CPUs used",
	    (int)owners[_i], ratio);
}
END_TEST

TESTDAEMON_MAIN("limits",
	{ "limits", .up = testdaemon_fixture_up_escape, .down = testdaemon_fixture_down, .timeout = 90,
	    .tests = TESTLIB_TESTS(timeout_lib, timeout_ctl, memory, tasks, cpu_time, widen,
	    rlimits_pinned) },
	{ "cpu", .up = up_cpu, .down = testdaemon_fixture_down, .timeout = 120,
	    .loops = TESTLIB_LOOPS({ cpu_quota, N_OWNERS }, { cpu_quota_default, N_OWNERS }) });
