/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nothing outlives a sandbox: background children die with it on exit,
 * kill, daemon shutdown and the spawning client's disconnect; a detached
 * sandbox survives its client and can be killed from a new connection.
 * "Nothing" is checked on the host: no process left with the sandbox's
 * anonymous uid.
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

/* "sh" plus two background sleeps, waiting on them: four processes
 * with the anonymous uid counting sandbox-init. */
static const char *const busy_argv[] = { "sh", "-c", "sleep 300 & sleep 300 & wait", NULL };

/* Spawns argv without waiting; returns the anonymous uid, waits until it
 * owns at least n processes on the host. */
static uid_t
start(sandbox_client *c, bool detach, const char *const *argv, unsigned n, uint64_t *ret_id)
{
	sandbox_spawn_options *o;
	sandbox_info *info;
	uid_t uid;
	int r, i;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_detach(o, detach), 0);
	r = sandbox_spawn(c, o, (char *const *)argv, ret_id);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	sandbox_spawn_options_free(o);
	r = sandbox_status(c, *ret_id, &info);
	ck_assert_msg(r == 0, "status: %s", strerror(-r));
	uid = sandbox_info_get_uid(info);
	ck_assert_msg(uid >= 61184 && uid <= 65519, "anonymous uid %u", (unsigned)uid);
	sandbox_info_free(info);
	for (i = 0; i < 500 && testlib_count_uid_procs(uid) < n; i++)
		usleep(20000);
	ck_assert_msg(testlib_count_uid_procs(uid) >= n, "uid %u has %u processes, want %u",
	    (unsigned)uid, testlib_count_uid_procs(uid), n);
	return uid;
}

START_TEST(exit_kills_background)
{
	const char *argv[] = { "sh", "-c", "sleep 300 & sleep 300 & echo started; exit 0", NULL };
	sandbox_client *c = testlib_connect();
	struct testlib_run run;
	int r = testlib_spawn(c, NULL, NULL, argv, 30000, &run);

	ck_assert_msg(r == 0, "spawn: %s", strerror(-r));
	ck_assert_msg(run.wait_r == 0, "no EXITED: %s", strerror(-run.wait_r));
	ck_assert_str_eq(run.out, "started\n");
	ck_assert_int_eq(run.exited, 1);
	ck_assert_int_eq(run.status, 0);
	ck_assert_int_ne(run.uid, (uid_t)-1);
	ck_assert_msg(testlib_wait_no_uid_procs(run.uid, 10000),
	    "%u processes of uid %u survived the sandbox", testlib_count_uid_procs(run.uid),
	    (unsigned)run.uid);
	testlib_run_done(&run);
	sandbox_client_free(c);
}
END_TEST

START_TEST(kill_kills_all)
{
	sandbox_client *c = testlib_connect();
	sandbox_exit ex;
	uint64_t id;
	uid_t uid = start(c, false, busy_argv, 4, &id);
	int r;

	ck_assert_int_eq(sandbox_kill(c, id, SIGKILL), 0);
	r = sandbox_wait(c, id, 20000, &ex);
	ck_assert_msg(r == 0, "wait: %s", strerror(-r));
	ck_assert_int_eq(ex.exited, 0);
	ck_assert_int_eq(ex.status, SIGKILL);
	ck_assert_str_eq(ex.limit, "killed");
	ck_assert_msg(testlib_wait_no_uid_procs(uid, 10000), "%u processes of uid %u survived",
	    testlib_count_uid_procs(uid), (unsigned)uid);
	sandbox_client_free(c);
}
END_TEST

START_TEST(disconnect_kills)
{
	sandbox_client *c = testlib_connect();
	uint64_t id;
	uid_t uid = start(c, false, busy_argv, 4, &id);

	sandbox_client_free(c);
	ck_assert_msg(testlib_wait_no_uid_procs(uid, 10000),
	    "%u processes of uid %u survived the client's disconnect",
	    testlib_count_uid_procs(uid), (unsigned)uid);
}
END_TEST

START_TEST(detach_survives)
{
	sandbox_client *c = testlib_connect();
	sandbox_info *info;
	uint64_t id;
	uid_t uid = start(c, true, busy_argv, 4, &id);
	char ids[32], *out, *err;
	int r, st;

	sandbox_client_free(c);

	/* A new connection sees it running, after the old one is gone. */
	c = testlib_connect();
	r = sandbox_status(c, id, &info);
	ck_assert_msg(r == 0, "status: %s", strerror(-r));
	ck_assert_str_eq(sandbox_info_get_state(info), "running");
	sandbox_info_free(info);
	ck_assert_uint_ge(testlib_count_uid_procs(uid), 4);
	sandbox_client_free(c);
	ck_assert_uint_ge(testlib_count_uid_procs(uid), 4);

	/* And sandboxctl kills it from yet another connection. */
	snprintf(ids, sizeof(ids), "%llu", (unsigned long long)id);
	st = testlib_sandboxctl(NULL, &out, &err, "kill", "--signal", "KILL", ids, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "sandboxctl kill: %d %s%s",
	    testlib_exit_code(st), out, err);
	free(out);
	free(err);
	ck_assert_msg(testlib_wait_no_uid_procs(uid, 10000), "%u processes of uid %u survived",
	    testlib_count_uid_procs(uid), (unsigned)uid);
}
END_TEST

START_TEST(ctl_detach)
{
	char *out, *err, *end;
	uint64_t id;
	sandbox_client *c;
	sandbox_info *info;
	uid_t uid;
	int st, r;

	st = testlib_sandboxctl(NULL, &out, &err, "run", "--detach", "--", "sh", "-c",
	    "sleep 300 & sleep 300 & wait", NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "run --detach: %d %s", testlib_exit_code(st), err);
	id = strtoull(out, &end, 10);
	ck_assert_msg(id > 0 && *end == '\n', "run --detach printed '%s'", out);
	free(out);
	free(err);

	c = testlib_connect();
	r = sandbox_status(c, id, &info);
	ck_assert_msg(r == 0, "status: %s", strerror(-r));
	ck_assert_str_eq(sandbox_info_get_state(info), "running");
	uid = sandbox_info_get_uid(info);
	sandbox_info_free(info);
	ck_assert_int_eq(sandbox_kill(c, id, SIGTERM), 0);
	sandbox_client_free(c);
	ck_assert_msg(testlib_wait_no_uid_procs(uid, 10000), "%u processes of uid %u survived",
	    testlib_count_uid_procs(uid), (unsigned)uid);
}
END_TEST

START_TEST(shutdown_kills)
{
	struct testdaemon *d = testdaemon_new();
	sandbox_client *c, *c2;
	sandbox_exit ex;
	uint64_t id, id2;
	uid_t uid, uid2;
	int r, st;

	ck_assert_int_eq(testdaemon_start(d, NULL), 0);
	c = testlib_connect();
	uid = start(c, false, busy_argv, 4, &id);
	/* A detached one must go too. */
	c2 = testlib_connect();
	uid2 = start(c2, true, busy_argv, 4, &id2);

	ck_assert_int_eq(testdaemon_signal(d, SIGTERM), 0);
	r = sandbox_wait(c, id, 20000, &ex);
	ck_assert_msg(r == 0, "wait: %s", strerror(-r));
	ck_assert_str_eq(ex.limit, "shutdown");
	ck_assert_int_eq(ex.exited, 0);
	/* Then SHUTDOWN and the connection closes. */
	r = sandbox_wait(c, 0, 20000, &ex);
	ck_assert_msg(r == -ECONNRESET || r == -ESRCH, "after shutdown: %d", r);

	st = testdaemon_stop(d);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "sandboxd exit status 0x%x", st);
	ck_assert_msg(testlib_wait_no_uid_procs(uid, 10000), "%u processes of uid %u survived",
	    testlib_count_uid_procs(uid), (unsigned)uid);
	ck_assert_msg(testlib_wait_no_uid_procs(uid2, 10000),
	    "%u processes of detached uid %u survived", testlib_count_uid_procs(uid2),
	    (unsigned)uid2);
	sandbox_client_free(c);
	sandbox_client_free(c2);
	testdaemon_free(d);
	/* The next daemon (fixture) gets its own socket back. */
	setenv("SANDBOXD_SOCKET", testdaemon_fixture->socket, 1);
}
END_TEST

TESTDAEMON_MAIN("lifetime",
	{ "lifetime", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 60,
	    .tests = TESTLIB_TESTS(exit_kills_background, kill_kills_all,
		disconnect_kills, detach_survives, ctl_detach, shutdown_kills) });
