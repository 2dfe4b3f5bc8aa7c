/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * System call arguments in policies (issue 13), against a real sandboxd:
 * the "tight" test policy (tests/integration/policies/tight.policy,
 * Sandbox2's example: read on fd 0, write on fds 1 and 2, exit) runs
 * tests/integration/helpers/tight-echo, which copies its input and finds
 * every other descriptor and call refused, the same numbers with bits
 * above 32 (which the kernel drops) too; with Action=kill the first
 * other call kills it; and a policy whose conditions are wrong does not
 * load, says why at its line, and leaves the daemon serving the others.
 * Each test runs with root and with nobody (65534) as the owner.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "testdaemon.h"
#include "testlib.h"

#define HELPER		"/opt/helpers/tight-echo"
#define NOBODY		65534

static const uid_t owners[] = { 0, NOBODY };

static struct testdaemon *td;

static void
up(void)
{
	char *path = testlib_srcdir_path("tests/integration/policies/tight.policy");
	char *tight = testlib_tree_content(path), *text;

	td = testdaemon_new();
	text = testlib_asprintf("%s\n[Filesystem]\nBindReadOnly=%s:/opt/helpers\n", tight,
	    testlib_helpers_dir());
	testdaemon_write_policy(td, "tight", text);
	testdaemon_write_policy(td, "tightkill", "[Policy]\nInclude=tight\n[SystemCalls]\n"
	    "Action=kill\n");
	ck_assert_int_eq(testdaemon_start(td, NULL), 0);
	(void) testlib_leftover_add(td->pid, NULL, td->dir);
	free(text);
	free(tight);
	free(path);
}

static void
teardown(void)
{
	testlib_leftover_free(td, NULL);
	td = NULL;
	testlib_keep_free();
}

static void
case_down(void)
{
	testlib_leftovers_down(NULL);
}

/* Reloads the daemon's policies and waits until it says it has. */
static void
reload(void)
{
	unsigned n = testdaemon_log_count(td, "Loaded ");

	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(testdaemon_wait_log(td, "Loaded ", n + 1, 20000), "no reload");
}

/* sandboxctl as uid with input: its exit code, its output kept. */
static int
ctl(uid_t uid, const char *input, const char **out, const char **err, const char *policy,
    const char *arg)
{
	char *o = NULL, *e = NULL;
	int st = testlib_sandboxctl_input_as(input, uid, uid, &o, &e, "run", "-p", policy, "--",
	    HELPER, arg, NULL);

	*out = testlib_keep(o ? o : strdup(""));
	*err = testlib_keep(e ? e : strdup(""));
	return testlib_exit_code(st);
}

START_TEST(tight_policy)
{
	uid_t owner = owners[_i];
	const char *out, *err;
	int code;

	code = ctl(owner, "through fd 0\nand out of fd 1\n", &out, &err, "tight", NULL);
	ck_assert_msg(code == 0, "owner %u: exit %d\n%s%s", (unsigned) owner, code, out, err);
	ck_assert_str_eq(out, "through fd 0\nand out of fd 1\n");
	/* EPERM (1) for everything the policy does not name; fd 2 works. */
	ck_assert_msg(strcmp(err, "read0=0\nwrite3=-1\nwrite1high=-1\nread4=-1\nread0high=-1\n"
	    "getpid=-1\nopenat=-1\nwrite2=0\n") == 0, "owner %u: stderr:\n%s", (unsigned) owner,
	    err);
}
END_TEST

START_TEST(tight_kill)
{
	uid_t owner = owners[_i];
	const char *out, *err;
	int code = ctl(owner, NULL, &out, &err, "tightkill", "kill");

	/* getpid() is its first call the policy does not name: SIGSYS. */
	ck_assert_msg(code == 128 + SIGSYS, "owner %u: exit %d\n%s%s", (unsigned) owner, code,
	    out, err);
	/* Allowed calls still run under Action=kill. */
	code = ctl(owner, "x", &out, &err, "tightkill", NULL);
	ck_assert_msg(code == 128 + SIGSYS && strcmp(out, "x") == 0 &&
	    strcmp(err, "read0=0\n") == 0, "owner %u: exit %d\n%s%s", (unsigned) owner, code,
	    out, err);
}
END_TEST

/* Wrong conditions: a load error at the line, with what is wrong; the
 * daemon keeps the policies it has and goes on serving. */
START_TEST(bad_conditions)
{
	static const struct {
		const char *allow;
		const char *says;
	} cases[] = {
		{ "read(arg0 == 0, arg0 == 1)", "arg0 is compared twice" },
		{ "read(arg6 == 0)", "arg0 to arg5" },
		{ "read(arg0 = 0)", "expected ==" },
		{ "read(arg0 == O_NOSUCH)", "unknown name 'O_NOSUCH'" },
		{ "read(arg0 == 0", "no closing ')'" },
		{ "read()", "no condition" },
		{ "@default(arg0 == 0)", "not to a group" },
		{ "ptrace(arg0 == 0)", "never allowed" },
		{ "socket(arg0 == AF_PACKET)", "never allows anything" },
		{ "clone(arg0 < 0x100)", "restricts arg0 of clone" },
		{ "write(arg0 & 1 == 2)", "bits outside the mask" },
		{ "write(arg0 == 0x10000000000000000)", "is not a number" },
		{ "write(arg0 == \x1b[2J)", "expected a number" },
	};
	uid_t owner = owners[_i];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *text = testlib_asprintf("[Policy]\nInclude=tight\n[SystemCalls]\n"
		    "Allow=%s\n", cases[i].allow);
		char *name = testlib_asprintf("bad%zu", i), *where;
		const char *out, *err;
		char *log, *at;
		int code;

		testdaemon_write_policy(td, name, text);
		reload();
		log = testdaemon_read_log(td);
		where = testlib_asprintf("%s.policy:4: ", name);
		at = strstr(log, where);
		ck_assert_msg(at && strstr(at, cases[i].says), "%s: log ends:\n%s", cases[i].allow,
		    log + (strlen(log) > 1500 ? strlen(log) - 1500 : 0));
		testlib_assert_printable("log", log, false);
		/* Not loaded; the daemon serves the others. */
		code = testlib_exit_code(testlib_sandboxctl_as(owner, owner, NULL, NULL, "run", "-p",
		    name, "--", HELPER, NULL));
		ck_assert_msg(code != 0, "%s: ran", cases[i].allow);
		code = ctl(owner, "ok", &out, &err, "tight", NULL);
		ck_assert_msg(code == 0 && strcmp(out, "ok") == 0, "%s: exit %d\n%s%s",
		    cases[i].allow, code, out, err);
		free(where);
		free(log);
		free(name);
		free(text);
	}
}
END_TEST

#define ARGS_CASE(name, secs, ...) { name, .up = testlib_leftovers_up, .down = case_down, \
	.setup = up, .teardown = teardown, .timeout = secs, __VA_ARGS__ }

TESTDAEMON_MAIN("args",
	ARGS_CASE("tight", 120, .loops = TESTLIB_LOOPS({ tight_policy, ELEMENTSOF(owners) },
	    { tight_kill, ELEMENTSOF(owners) })),
	ARGS_CASE("bad_conditions", 300, .loops = TESTLIB_LOOPS({ bad_conditions,
	    ELEMENTSOF(owners) })));
