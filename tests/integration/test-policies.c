/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Real programs under the shipped policies, as a user runs them through
 * sandboxctl: make and cc, abort(), mkfifo under default; ImageMagick's
 * convert and ghostscript on stdin and stdout under convert; compile,
 * run and git commit under build; LibreOffice under office where it is
 * installed; and run --report. Every test runs twice (the loop index):
 * with root as the sandbox's owner, then uid 65534.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

/* The owners, by the loop index. */
static const uid_t owners[] = { (uid_t)-1, 65534 };
#define N_OWNERS ((int)ELEMENTSOF(owners))

/* sandboxctl run [args...] -- as owners[i]; the exit code. */
#define RUN(i, out, err, ...) \
	testlib_exit_code(testlib_sandboxctl_as(owners[i], owners[i], (out), (err), "run", \
	    __VA_ARGS__, NULL))

/* A pipeline through "$SANDBOXCTL" as owners[i]; the exit code. */
static int
run_sh(int i, const char *script, char **out, char **err)
{
	return testlib_exit_code(testlib_sandboxctl_sh_as(owners[i], owners[i], script, out, err));
}

static const char make_script[] =
    "set -e; mkdir /tmp/p; cd /tmp/p; "
    "printf 'all: hello\\n\\t./hello\\nhello: hello.c\\n\\tcc -O2 -o hello hello.c\\n' "
    "> Makefile; "
    "printf '#include <stdio.h>\\nint main(void) { puts(\"built by make\"); return 0; }\\n' "
    "> hello.c; "
    "make -s";

/* The sandboxctl(1) example: make runs cc under default (its children
 * call seteuid() with their own uid first). */
START_TEST(default_make)
{
	char *out, *err;
	int rc = RUN(_i, &out, &err, "--", "/bin/sh", "-c", make_script);

	ck_assert_msg(rc == 0 && strcmp(out, "built by make\n") == 0,
	    "owner %d: make under default: exit %d, out '%s', err '%s'", _i, rc, out, err);
	free(out);
	free(err);
}
END_TEST

/* abort() ends by SIGABRT, exit status 134, under default and under
 * convert, which has @signal but not @process. */
START_TEST(abort_sigabrt)
{
	static const char *const policies[] = { "default", "convert" };

	for (size_t p = 0; p < ELEMENTSOF(policies); p++) {
		char *out, *err;
		int rc = RUN(_i, &out, &err, "--policy", policies[p], "--", "python3", "-c",
		    "import os; os.abort()");

		ck_assert_msg(rc == 134, "owner %d: abort() under %s: exit %d, err '%s'", _i,
		    policies[p], rc, err);
		free(out);
		free(err);
	}
}
END_TEST

/* mkfifo works under default; a device node still does not. */
START_TEST(default_mkfifo)
{
	char *out, *err;
	int rc = RUN(_i, &out, &err, "--", "/bin/sh", "-c",
	    "mkfifo /tmp/f && test -p /tmp/f && echo fifo; "
	    "(echo through > /tmp/f &) ; cat /tmp/f; "
	    "mknod /tmp/null c 1 3 2>/dev/null && echo device; exit 0");

	ck_assert_msg(rc == 0 && strcmp(out, "fifo\nthrough\n") == 0,
	    "owner %d: mkfifo under default: exit %d, out '%s', err '%s'", _i, rc, out, err);
	free(out);
	free(err);
}
END_TEST

/* convert png:- jpeg:- on stdin and stdout, with ImageMagick's own
 * policy in force; ghostscript renders PostScript from stdin. The PNG
 * is made on the host; the host's identify reads the JPEG. */
START_TEST(convert_imagemagick)
{
	char *out, *err;
	int rc;

	rc = run_sh(_i, "/usr/bin/convert -size 8x6 xc:red png:- | "
	    "\"$SANDBOXCTL\" run --policy convert -- convert png:- jpeg:- | "
	    "/usr/bin/identify -format '%m %wx%h\\n' -", &out, &err);
	ck_assert_msg(rc == 0 && strcmp(out, "JPEG 8x6\n") == 0,
	    "owner %d: convert png:- jpeg:-: exit %d, out '%s', err '%s'", _i, rc, out, err);
	free(out);
	free(err);

	/* The host's policy.xml, not ImageMagick's built-in defaults. */
	rc = RUN(_i, &out, &err, "--policy", "convert", "--", "convert", "-list", "policy");
	ck_assert_msg(rc == 0 && strstr(out, "/etc/ImageMagick-6/policy.xml"),
	    "owner %d: convert -list policy: exit %d, out '%s', err '%s'", _i, rc, out, err);
	free(out);
	free(err);

	rc = run_sh(_i, "printf '%%!PS\\n0 0 moveto 72 72 lineto stroke showpage\\n' | "
	    "\"$SANDBOXCTL\" run --policy convert -- gs -q -dSAFER -dBATCH -sDEVICE=png16m "
	    "-r36 -o - - | head -c 4 | od -An -c | tr -d ' '", &out, &err);
	ck_assert_msg(rc == 0 && strcmp(out, "211PNG\n") == 0,
	    "owner %d: gs to PNG: exit %d, out '%s', err '%s'", _i, rc, out, err);
	free(out);
	free(err);
}
END_TEST

/* The judge's case: make builds and runs a C program, python3 runs,
 * git commits (the author given on the command line). */
START_TEST(build_compile_run_commit)
{
	char *script = testlib_asprintf("%s; python3 -c 'print(6 * 7)'; "
	    "git init -q && git add Makefile hello.c && "
	    "git -c user.name=Judge -c user.email=judge@example.org commit -q -m first && "
	    "git log --format='%%an %%s'", make_script);
	char *out, *err;
	int rc = RUN(_i, &out, &err, "--policy", "build", "--", "/bin/sh", "-c", script);

	ck_assert_msg(rc == 0 && strcmp(out, "built by make\n42\nJudge first\n") == 0,
	    "owner %d: build: exit %d, out '%s', err '%s'", _i, rc, out, err);
	free(out);
	free(err);

	/* No sockets for the code being judged. */
	rc = RUN(_i, &out, &err, "--policy", "build", "--", "python3", "-c",
	    "import socket; socket.socket()");
	ck_assert_msg(rc == 1 && strstr(err, "PermissionError"),
	    "owner %d: socket under build: exit %d, err '%s'", _i, rc, err);
	free(out);
	free(err);
	free(script);
}
END_TEST

/* soffice --headless --convert-to pdf, its profile in /tmp. */
START_TEST(office_convert_to_pdf)
{
	char *out, *err;
	int rc = RUN(_i, &out, &err, "--policy", "office", "--", "/bin/sh", "-c",
	    "printf 'hello office\\n' > /tmp/doc.txt && "
	    "soffice -env:UserInstallation=file:///tmp/lo --headless --convert-to pdf "
	    "--outdir /tmp/out /tmp/doc.txt >&2 && head -c 5 /tmp/out/doc.pdf");

	ck_assert_msg(rc == 0 && strcmp(out, "%PDF-") == 0,
	    "owner %d: soffice --convert-to pdf: exit %d, out '%s', err '%s'", _i, rc, out, err);
	free(out);
	free(err);
}
END_TEST

/* --report: how it ended, on stderr; the target's stdout is its own. */
START_TEST(report)
{
	char *out, *err;
	int rc;

	rc = RUN(_i, &out, &err, "--report", "--", "/bin/sh", "-c", "echo out; exit 3");
	ck_assert_msg(rc == 3 && strcmp(out, "out\n") == 0, "owner %d: exit %d, out '%s'", _i,
	    rc, out);
	ck_assert_msg(strstr(err, "Sandbox: ") && strstr(err, "\tExit status: 3\n") &&
	    strstr(err, "\tLimit hit: none\n") && strstr(err, "\tWall time: ") &&
	    strstr(err, "\tCPU time: ") && strstr(err, "\tPeak memory: "),
	    "owner %d: --report printed '%s'", _i, err);
	free(out);
	free(err);

	rc = RUN(_i, &out, &err, "--report=json", "--timeout", "0.5", "--", "sleep", "30");
	ck_assert_msg(rc == 137 && strcmp(out, "") == 0, "owner %d: exit %d, out '%s'", _i, rc,
	    out);
	ck_assert_msg(strstr(err, "{\"id\": ") && strstr(err, "\"exit_status\": null, "
	    "\"signal\": 9, \"signal_name\": \"KILL\", \"limit\": \"timeout\", \"wall_usec\": ") &&
	    strstr(err, "\"cpu_usec\": ") && strstr(err, "\"memory_peak\": ") &&
	    strstr(err, "}\n"), "owner %d: --report=json printed '%s'", _i, err);
	free(out);
	free(err);

	rc = RUN(_i, &out, &err, "--report=json", "--", "/bin/sh", "-c", "exit 3");
	ck_assert_msg(rc == 3 && strstr(err, "\"exit_status\": 3, \"signal\": null, "
	    "\"signal_name\": null, \"limit\": \"none\""), "owner %d: exit %d, report '%s'", _i,
	    rc, err);
	free(out);
	free(err);

	rc = RUN(_i, &out, &err, "--report=xml", "--", "true");
	ck_assert_msg(rc == 2, "owner %d: --report=xml: exit %d", _i, rc);
	free(out);
	free(err);
}
END_TEST

static Suite *
policies_suite(void)
{
	Suite *s = suite_create("policies");
	TCase *tc;

	tc = tcase_create("default");
	tcase_add_unchecked_fixture(tc, testdaemon_fixture_up, testdaemon_fixture_down);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, default_make, 0, N_OWNERS);
	tcase_add_loop_test(tc, abort_sigabrt, 0, N_OWNERS);
	tcase_add_loop_test(tc, default_mkfifo, 0, N_OWNERS);
	tcase_add_loop_test(tc, report, 0, N_OWNERS);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_unchecked_fixture(tc, testdaemon_fixture_up, testdaemon_fixture_down);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, build_compile_run_commit, 0, N_OWNERS);
	suite_add_tcase(s, tc);

	if (access("/usr/bin/convert", X_OK) < 0 || access("/usr/bin/gs", X_OK) < 0)
		printf("# SKIP convert: ImageMagick or ghostscript is not installed "
		    "(.ci/install-deps installs them)\n");
	else {
		tc = tcase_create("convert");
		tcase_add_unchecked_fixture(tc, testdaemon_fixture_up, testdaemon_fixture_down);
		tcase_set_timeout(tc, 300);
		tcase_add_loop_test(tc, convert_imagemagick, 0, N_OWNERS);
		suite_add_tcase(s, tc);
	}

	if (access("/usr/bin/soffice", X_OK) < 0)
		printf("# SKIP office: LibreOffice (/usr/bin/soffice) is not installed; it is "
		    "too big for .ci/install-deps\n");
	else {
		tc = tcase_create("office");
		tcase_add_unchecked_fixture(tc, testdaemon_fixture_up, testdaemon_fixture_down);
		tcase_set_timeout(tc, 600);
		tcase_add_loop_test(tc, office_convert_to_pdf, 0, N_OWNERS);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	return testdaemon_main(policies_suite);
}
