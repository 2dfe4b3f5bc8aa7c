/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checking policy text: "sandboxctl policy check FILE" runs sandboxd's
 * check mode with no daemon at all and lists every error and warning with
 * its line; POLICY_CHECK is checked by an unprivileged child of the
 * daemon, never by the daemon itself, and hostile texts get a bounded
 * answer while other clients go on being served. Also the daemon's one
 * error table: SPAWN while it shuts down fails with ESHUTDOWN.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

static char *tmpdir;

static char *
write_file(const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		abort();
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

static void
tmpdir_up(void)
{
	char t[] = "/tmp/sbx-pcheck-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(t));
	tmpdir = strdup(t);
	/* No daemon: sandboxctl must not need one. */
	setenv("SANDBOXD_SOCKET", "/nonexistent/sandboxd.sock", 1);
}

static void
tmpdir_down(void)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) >= 0 && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
	free(tmpdir);
}

/* Whether haystack has "FILE:LINE: rest" ("FILE: rest" for line 0). */
static bool
has(const char *haystack, const char *file, unsigned line, const char *rest)
{
	char *needle;
	bool r;

	if ((line > 0 ? asprintf(&needle, "%s:%u: %s", file, line, rest) :
	    asprintf(&needle, "%s: %s", file, rest)) < 0)
		abort();
	r = strstr(haystack, needle) != NULL;
	free(needle);
	return r;
}

/* "policy check path" exits 1 and says "path:line: rest", in printable
 * ASCII only. */
static void
check_fails_with(const char *path, unsigned line, const char *rest)
{
	char *out, *err;
	int st;

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", path, NULL);
	ck_assert_int_eq(testlib_exit_code(st), 1);
	ck_assert_msg(has(err, path, line, rest), "%s", err);
	for (const char *c = err; *c; c++)
		ck_assert_msg(*c == '\n' || (*c >= 0x20 && *c < 0x7f), "raw byte %#x in output",
		    (unsigned char) *c);
	free(out);
	free(err);
}

/* Every error, each with its line, and no daemon anywhere. */
START_TEST(cli_every_error)
{
	static const char text[] =
	    "[Policy]\n"			/* 1 */
	    "Description=three mistakes\n"	/* 2 */
	    "Colour=blue\n"			/* 3 */
	    "[Limits]\n"			/* 4 */
	    "Memory=lots\n"			/* 5 */
	    "[SystemCalls]\n"			/* 6 */
	    "Allow=read execve\n"		/* 7 */
	    "Action=explode\n"			/* 8 */
	    "no equals sign here\n";		/* 9 */
	char *path = write_file("bad.policy", text, strlen(text)), *out, *err;
	int st;

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", path, NULL);
	ck_assert_msg(testlib_exit_code(st) == 1, "exit %d: %s%s", testlib_exit_code(st), out, err);
	ck_assert_msg(has(err, path, 3, "error: ") && strstr(err, "Colour"), "%s", err);
	ck_assert_msg(has(err, path, 5, "error: ") && strstr(err, "lots"), "%s", err);
	ck_assert_msg(has(err, path, 8, "error: ") && strstr(err, "explode"), "%s", err);
	ck_assert_msg(has(err, path, 9, "error: "), "%s", err);
	ck_assert_msg(has(err, path, 0, "4 errors, 0 warnings"), "%s", err);
	free(out);
	free(err);
	free(path);
}
END_TEST

/* Warnings do not fail a check: a missing bind source, no execve. */
START_TEST(cli_warnings)
{
	static const char text[] =
	    "[Policy]\n"
	    "Description=cannot run anything\n"
	    "[Filesystem]\n"
	    "BindReadOnly=/usr\n"
	    "BindReadOnly=/nonexistent/sandboxd-test:/opt/x\n"	/* 5 */
	    "BindReadOnly=-/nonexistent/optional:/opt/y\n"
	    "[SystemCalls]\n"
	    "Allow=read write exit_group\n";			/* 8 */
	char *path = write_file("warn.policy", text, strlen(text)), *out, *err;
	int st;

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", path, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "exit %d: %s%s", testlib_exit_code(st), out, err);
	ck_assert_msg(has(err, path, 5, "warning: bind source '/nonexistent/sandboxd-test' does not "
	    "exist"), "%s", err);
	ck_assert_msg(!strstr(err, "/nonexistent/optional"), "warned about an optional bind: %s", err);
	ck_assert_msg(has(err, path, 8, "warning: ") && strstr(err, "execve"), "%s", err);
	ck_assert_msg(has(out, path, 0, "OK, 2 warnings"), "%s", out);
	free(out);
	free(err);
	free(path);
}
END_TEST

/* Binary junk, NUL bytes, too large, 10,000 error lines: each a clear,
 * bounded answer. */
START_TEST(cli_hostile)
{
	size_t n = 10000 * 4;
	char *lines = malloc(n + 1), *junk = malloc(50000), *big = malloc(70000);
	char *p_lines, *p_junk, *p_nul, *p_big, *out, *err;
	unsigned count = 0;
	int st;

	ck_assert_ptr_nonnull(lines);
	ck_assert_ptr_nonnull(junk);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < 10000; i++)
		memcpy(lines + 4 * i, "bad\n", 4);
	for (size_t i = 0; i < 50000; i++)
		junk[i] = (char) (1 + (i * 7919 + i / 13) % 255);
	memset(big, '#', 70000);
	p_lines = write_file("lines.policy", lines, n);
	p_junk = write_file("junk.policy", junk, 50000);
	p_nul = write_file("nul.policy", "[Policy]\n\0Description=x\n", 24);
	p_big = write_file("big.policy", big, 70000);

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", p_lines, NULL);
	ck_assert_int_eq(testlib_exit_code(st), 1);
	for (const char *c = err; (c = strchr(c, '\n')); c++)
		count++;
	/* 64 shown, a line for the rest, the summary. */
	ck_assert_msg(count == 66, "%u lines:\n%s", count, err);
	ck_assert_msg(has(err, p_lines, 0, "9936 more not shown"), "%s", err);
	ck_assert_msg(has(err, p_lines, 0, "10000 errors, 0 warnings"), "%s", err);
	free(out);
	free(err);

	check_fails_with(p_junk, 1, "error: ");
	check_fails_with(p_nul, 0, "error: policy contains a NUL byte");
	check_fails_with(p_big, 0, "error: policy is too large");

	free(lines);
	free(junk);
	free(big);
	free(p_lines);
	free(p_junk);
	free(p_nul);
	free(p_big);
}
END_TEST

/* With a daemon: the text is checked by a child that is not root, has no
 * capabilities and runs under seccomp, as the checker itself reports. */
START_TEST(daemon_checker_unprivileged)
{
	sandbox_client *c = testlib_connect();
	const char *report;
	char *log, *line;
	unsigned uid, gid, nnp, mode;
	unsigned long long caps;
	int r;

	r = sandbox_policy_check(c, "mine.policy", "[Policy]\nColour=blue\n[Limits]\nTasks=x\n");
	ck_assert_int_eq(r, -EBADMSG);
	report = sandbox_client_last_error(c);
	ck_assert_ptr_nonnull(report);
	ck_assert_msg(strstr(report, "mine.policy:2: error: ") &&
	    strstr(report, "mine.policy:4: error: "), "%s", report);
	ck_assert_int_eq(sandbox_policy_check(c, "ok.policy", "[Policy]\nDescription=x\n"
	    "[SystemCalls]\nAllow=execve\n"), 0);
	sandbox_client_free(c);

	ck_assert_msg(testdaemon_wait_log(testdaemon_fixture, "Policy checker pid ", 2, 10000),
	    "the checker did not report its credentials:\n%s",
	    testdaemon_read_log(testdaemon_fixture));
	log = testdaemon_read_log(testdaemon_fixture);
	for (line = log; (line = strstr(line, "Policy checker pid ")); line++) {
		ck_assert_int_eq(sscanf(line, "Policy checker pid %*d runs as uid %u gid %u, "
		    "capabilities %llx, no_new_privs %u, seccomp mode %u.", &uid, &gid, &caps, &nnp,
		    &mode), 5);
		ck_assert_uint_ne(uid, 0);
		ck_assert_uint_ne(gid, 0);
		ck_assert_uint_ne(uid, getuid());
		ck_assert_uint_eq(caps, 0);
		ck_assert_uint_eq(nnp, 1);
		ck_assert_uint_eq(mode, 2);
	}
	free(log);
}
END_TEST

/* sandboxctl's --daemon way gives the same report. */
START_TEST(daemon_sandboxctl)
{
	static const char text[] = "[Policy]\nColour=blue\n[Limits]\nTasks=x\n";
	char *path, *out, *err;
	FILE *f;
	int st;

	if (asprintf(&path, "%s/d.policy", testdaemon_fixture->dir) < 0)
		abort();
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", "--daemon", path, NULL);
	ck_assert_msg(testlib_exit_code(st) == 1, "exit %d: %s%s", testlib_exit_code(st), out, err);
	ck_assert_msg(has(err, path, 2, "error: unknown key 'Colour'") &&
	    has(err, path, 4, "error: "), "%s", err);
	free(out);
	free(err);
	free(path);
}
END_TEST

/* Hostile texts from many clients at once: each gets its report or a cap
 * error, and a spawn on another connection is still served. */
START_TEST(daemon_hostile_burst)
{
	char *lines = malloc(10000 * 4 + 1), *junk = malloc(60001);
	pid_t kids[8];
	int status;

	ck_assert_ptr_nonnull(lines);
	ck_assert_ptr_nonnull(junk);
	for (size_t i = 0; i < 10000; i++)
		memcpy(lines + 4 * i, "bad\n", 4);
	lines[40000] = '\0';
	for (size_t i = 0; i < 60000; i++)
		junk[i] = (char) (1 + (i * 7919 + i / 13) % 255);
	junk[60000] = '\0';

	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			sandbox_client *c;
			int bad = 0;

			if (sandbox_client_connect(NULL, &c) < 0)
				_exit(3);
			for (int j = 0; j < 10; j++) {
				int r = sandbox_policy_check(c, "x.policy", (i + j) % 2 ? lines : junk);
				const char *m = sandbox_client_last_error(c);

				if (r == -EBADMSG && m && strstr(m, "x.policy:1: error: ") &&
				    strlen(m) < 64 * 1200)
					continue;
				if (r == -EAGAIN && m && strstr(m, "too many policy checks"))
					continue;
				fprintf(stderr, "check %d/%d: %d %s\n", i, j, r, m ? m : "");
				bad++;
			}
			sandbox_client_free(c);
			_exit(bad ? 1 : 0);
		}
	}
	/* Meanwhile, on its own connection, a sandbox. */
	{
		sandbox_client *c = testlib_connect();
		const char *argv[] = { "echo", "served", NULL };
		struct testlib_run run;

		ck_assert_int_eq(testlib_spawn(c, NULL, NULL, argv, 30000, &run), 0);
		ck_assert_str_eq(run.out, "served\n");
		testlib_run_done(&run);
		sandbox_client_free(c);
	}
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "client %d got an unclear answer (status %#x)", i, status);
	}
	free(lines);
	free(junk);
}
END_TEST

/* One try: sandboxes running, SIGTERM, then spawns until one fails.
 * Returns that failure. While the daemon waits for the sandboxes to end,
 * a spawn gets ESHUTDOWN; a spawn that was already under way when the
 * signal came ends with the connection instead (ECONNRESET). */
static int
spawn_while_stopping(void)
{
	struct testdaemon *d = testdaemon_new();
	const char *sleeper[] = { "sleep", "100", NULL };
	sandbox_spawn_options *o;
	sandbox_client *c;
	uint64_t id;
	int r = 0;

	ck_assert_int_eq(testdaemon_start(d, NULL), 0);
	c = testlib_connect();
	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_detach(o, 1), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_stdio(o, -1, -1, -1), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(sandbox_spawn(c, o, (char **) sleeper, &id), 0);
	ck_assert_int_eq(testdaemon_signal(d, SIGTERM), 0);
	for (int i = 0; i < 200 && r == 0; i++)
		r = sandbox_spawn(c, o, (char **) sleeper, &id);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
	testdaemon_free(d);
	return r;
}

/* A SPAWN that arrives while the daemon shuts down fails with ESHUTDOWN,
 * which the library passes on (it used to become EIO). Which request
 * meets the shutdown is up to the scheduler, so a few tries. */
START_TEST(spawn_during_shutdown)
{
	int r = 0;

	for (int i = 0; i < 10 && r != -ESHUTDOWN; i++) {
		r = spawn_while_stopping();
		ck_assert_msg(r == -ESHUTDOWN || r == -ECONNRESET, "spawn while stopping: %d (%s)",
		    r, strerror(-r));
	}
	ck_assert_msg(r == -ESHUTDOWN, "no ESHUTDOWN in 10 tries");
}
END_TEST

static void
debug_daemon_up(void)
{
	static const char *const args[] = { "--log-level", "debug", NULL };

	testdaemon_fixture = testdaemon_new();
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, args), 0);
}

TESTDAEMON_MAIN("policycheck",
	{ "cli", .up = tmpdir_up, .down = tmpdir_down, .timeout = 60,
	    .tests = TESTLIB_TESTS(cli_every_error, cli_warnings, cli_hostile) },
	{ "daemon", .up = debug_daemon_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .tests = TESTLIB_TESTS(daemon_checker_unprivileged, daemon_sandboxctl,
		daemon_hostile_burst) },
	{ "shutdown", .timeout = 300,
	    .tests = TESTLIB_TESTS(spawn_during_shutdown) });
