/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policies that compose: a policy with Include=NAME is NAME's lines, then
 * its own, as the real daemon loads it from disk. A spawn under it gets
 * both; "policy show --effective" prints the text after inclusion, which
 * checks and loads on its own; a change to the included policy reaches
 * the including one at the next reload; a loop, a missing include or a
 * broken included file is refused at load (file:line in the log), by
 * "sandboxctl policy check" and by the daemon's check alike.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

static struct testdaemon *td;

/* "base": the test default policy, with a variable to see it by. */
static void
write_base(const char *mark)
{
	char *base = testlib_default_policy_with(""), *text;

	text = testlib_asprintf("%s\n[Sandbox]\nEnvironment=BASEMARK=%s\n", base, mark);
	testdaemon_write_policy(td, "base", text);
	free(text);
	free(base);
}

static const char mine[] =
    "[Policy]\n"
    "Description=Mine, on base\n"
    "Include=base\n"
    "[Sandbox]\n"
    "Environment=MARK=composed\n";

static void
daemon_up(void)
{
	td = testdaemon_new();
	write_base("one");
	testdaemon_write_policy(td, "mine", mine);
	ck_assert_int_eq(testdaemon_start(td, NULL), 0);
}

static void
daemon_down(void)
{
	testdaemon_free(td);
	td = NULL;
}

/* Runs printenv NAME under policy, returns its output (malloc'd). */
static char *
run_printenv(const char *policy, const char *name)
{
	char *out, *err;
	int st;

	st = testlib_sandboxctl(NULL, &out, &err, "run", "--policy", policy, "--", "printenv",
	    name, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "run --policy %s printenv %s: %d %s\n%s",
	    policy, name, testlib_exit_code(st), err, testdaemon_read_log(td));
	free(err);
	return out;
}

/* Polls until a spawn under mine sees BASEMARK=mark. */
static bool
mine_sees(const char *mark)
{
	char *want = testlib_asprintf("%s\n", mark);
	bool ok = false;

	for (int i = 0; i < 100 && !ok; i++) {
		char *out = run_printenv("mine", "BASEMARK");

		ok = strcmp(out, want) == 0;
		free(out);
		if (!ok)
			usleep(50000);
	}
	free(want);
	return ok;
}

static char *
write_tmp(const char *name, const char *text)
{
	char *path = testlib_asprintf("%s/%s", td->dir, name);
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* A spawn under mine has base's confinement and environment, and its own. */
START_TEST(include_spawn)
{
	char *out;

	out = run_printenv("mine", "MARK");
	ck_assert_str_eq(out, "composed\n");
	free(out);
	out = run_printenv("mine", "BASEMARK");
	ck_assert_str_eq(out, "one\n");
	free(out);
}
END_TEST

/* --effective prints base's lines, then mine's; that text alone checks
 * clean and, loaded as a policy of its own, runs the same. */
START_TEST(include_show_effective)
{
	char *out, *err, *path, *where;
	int st;

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "show", "mine", NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "policy show mine: %s", err);
	ck_assert_str_eq(out, mine);
	free(out);
	free(err);

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "show", "--effective", "mine", NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "policy show --effective mine: %s", err);
	where = testlib_asprintf("# Include=base: %s/base.policy\n", td->policy_dir);
	ck_assert_msg(strstr(out, where), "no '%s' in:\n%s", where, out);
	ck_assert_ptr_nonnull(strstr(out, "# Include=base\n"));
	ck_assert_msg(strstr(out, "BASEMARK=one") < strstr(out, "MARK=composed"),
	    "base's lines do not come first:\n%s", out);
	ck_assert_ptr_nonnull(strstr(out, "[SystemCalls]\n"));
	free(where);
	free(err);

	path = write_tmp("effective.policy", out);
	free(out);
	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", path, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "check of the effective text: %s%s", out, err);
	free(out);
	free(err);
	free(path);

	/* A policy without Include= shows its own text either way. */
	st = testlib_sandboxctl(NULL, &out, &err, "policy", "show", "--effective", "base", NULL);
	ck_assert_int_eq(testlib_exit_code(st), 0);
	ck_assert_ptr_null(strstr(out, "# Include="));
	ck_assert_ptr_nonnull(strstr(out, "BASEMARK=one"));
	free(out);
	free(err);
}
END_TEST

/* A change to base reaches mine at the next reload; a base broken on
 * reload keeps both at their previous versions. */
START_TEST(include_reload)
{
	char *line, *base;

	write_base("two");
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(mine_sees("two"), "mine did not follow base:\n%s", testdaemon_read_log(td));

	base = testlib_default_policy_with("");
	line = testlib_asprintf("%s\n[Limits]\nNoSuchLimit=1\n", base);
	testdaemon_write_policy(td, "base", line);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(testdaemon_wait_log(td, "Keeping the previous version of policy 'mine'", 1,
	    10000), "mine not kept:\n%s", testdaemon_read_log(td));
	ck_assert_msg(testdaemon_log_count(td, "/mine.policy:3: Include=base: ") > 0,
	    "mine's Include= line not named:\n%s", testdaemon_read_log(td));
	ck_assert(mine_sees("two"));
	free(line);
	free(base);
	write_base("one");
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert(mine_sees("one"));
}
END_TEST

/* Loops, a missing include and an error in the included file: each
 * refused at load with the Include= line's file:line. */
START_TEST(include_load_errors)
{
	char *bad, *where, *out, *err;
	int st;

	testdaemon_write_policy(td, "selfish", "[Policy]\nInclude=selfish\n");
	testdaemon_write_policy(td, "ping", "# ping\n[Policy]\nInclude=pong\n");
	testdaemon_write_policy(td, "pong", "[Policy]\nInclude=ping\n");
	testdaemon_write_policy(td, "lost", "[Policy]\nDescription=x\nInclude=nosuch\n");
	testdaemon_write_policy(td, "badbase", "[Limits]\nTasks=8\nColour=blue\n");
	testdaemon_write_policy(td, "onbad", "[Policy]\nInclude=badbase\n");
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);

	where = testlib_asprintf("%s/selfish.policy:2: Include=selfish: include loop: "
	    "selfish -> selfish", td->policy_dir);
	ck_assert_msg(testdaemon_wait_log(td, where, 1, 10000), "no '%s' in:\n%s", where,
	    testdaemon_read_log(td));
	free(where);
	where = testlib_asprintf("%s/ping.policy:3: Include=pong: %s/pong.policy:2: "
	    "Include=ping: include loop: ping -> pong -> ping", td->policy_dir, td->policy_dir);
	ck_assert_msg(testdaemon_log_count(td, where) == 1, "no '%s' in:\n%s", where,
	    testdaemon_read_log(td));
	free(where);
	where = testlib_asprintf("%s/lost.policy:3: Include=nosuch: no such policy",
	    td->policy_dir);
	ck_assert_msg(testdaemon_log_count(td, where) == 1, "no '%s'", where);
	free(where);
	where = testlib_asprintf("%s/onbad.policy:2: Include=badbase: %s/badbase.policy:3: "
	    "unknown key 'Colour'", td->policy_dir, td->policy_dir);
	ck_assert_msg(testdaemon_log_count(td, where) == 1, "no '%s'", where);
	free(where);

	/* None of them loaded; the rest did. */
	st = testlib_sandboxctl(NULL, &out, &err, "policies", NULL);
	ck_assert_int_eq(testlib_exit_code(st), 0);
	ck_assert_msg(!strstr(out, "selfish") && !strstr(out, "ping") && !strstr(out, "lost") &&
	    !strstr(out, "onbad") && strstr(out, "mine"), "policies:\n%s", out);
	free(out);
	free(err);
	st = testlib_sandboxctl(NULL, &out, &err, "run", "--policy", "lost", "--", "true", NULL);
	ck_assert_int_ne(testlib_exit_code(st), 0);
	free(out);
	free(err);

	/* policy check says the same, here and in the daemon. */
	bad = write_tmp("lost.policy", "[Policy]\nDescription=x\nInclude=nosuch\n");
	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", bad, NULL);
	where = testlib_asprintf("%s:3: error: Include=nosuch: no such policy", bad);
	ck_assert_msg(testlib_exit_code(st) == 1 && strstr(err, where), "check: %d %s%s",
	    testlib_exit_code(st), out, err);
	free(out);
	free(err);
	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", "--daemon", bad, NULL);
	ck_assert_msg(testlib_exit_code(st) == 1 && strstr(err, where), "check --daemon: %d %s%s",
	    testlib_exit_code(st), out, err);
	free(out);
	free(err);
	free(where);
	free(bad);
}
END_TEST

/* The checks find what Include= names where the daemon would: the
 * embedded set here, the daemon's own directories in the daemon. */
START_TEST(include_check)
{
	char *on_default = write_tmp("ondefault.policy", "[Policy]\nInclude=default\n"
	    "[Limits]\nTasks=9\n");
	char *on_base = write_tmp("onbase.policy", "[Policy]\nInclude=base\n[Limits]\nTasks=9\n");
	char *out, *err;
	int st;

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", on_default, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "check: %s%s", out, err);
	free(out);
	free(err);
	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", "--daemon", on_base, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "check --daemon: %s%s", out, err);
	free(out);
	free(err);
	free(on_default);
	free(on_base);
}
END_TEST

TESTDAEMON_MAIN("include",
	{ "include", .up = daemon_up, .down = daemon_down, .timeout = 90,
	    .tests = TESTLIB_TESTS(include_spawn, include_show_effective, include_reload,
		include_load_errors, include_check) });
