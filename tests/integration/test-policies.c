/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Real programs under the shipped policies, as a user runs them through
 * sandboxctl: make and cc, abort(), mkfifo under default; ImageMagick's
 * convert and ghostscript on stdin and stdout under convert, and convert
 * from in/ to out/ of /var/lib/sandboxd/convert through interception;
 * compile, run and git commit under build; LibreOffice under office where
 * it is installed, in its /tmp and from office/in to office/out through
 * interception; and run --report. Every test runs twice (the loop index):
 * with root as the sandbox's owner, then uid 65534.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

/* The owners, by the loop index. */
static const uid_t owners[] = { (uid_t)-1, 65534 };
#define N_OWNERS ((int)ELEMENTSOF(owners))

/* The uid a file the broker makes for owners[i] belongs to. */
static unsigned
owner_uid(int i)
{
	return owners[i] == (uid_t)-1 ? 0 : (unsigned)owners[i];
}

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

/*
 * The shipped tmpfiles.d snippet's directories (the [Broker] trees of
 * convert and office), made as it says where they are missing, before the
 * daemon loads its policies (a tree missing then stays inert); the ones
 * made here are removed again afterwards, if empty.
 */
#define DROPBOX_MAX 16
static char *dropbox_made[DROPBOX_MAX];
static int n_dropbox_made;

static void
dropbox_up(void)
{
	char *path = testlib_srcdir_path("units/sandboxd.tmpfiles"), line[512];
	FILE *f = fopen(path, "re");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char dir[256];
		unsigned mode;

		if (sscanf(line, "d %255s %o", dir, &mode) != 2 || access(dir, F_OK) == 0)
			continue;
		ck_assert_msg(mkdir(dir, 0700) == 0 && chmod(dir, mode) == 0, "%s: %s", dir,
		    strerror(errno));
		ck_assert_int_lt(n_dropbox_made, DROPBOX_MAX);
		dropbox_made[n_dropbox_made++] = strdup(dir);
	}
	fclose(f);
	free(path);
	testdaemon_fixture_up();
}

static void
dropbox_down(void)
{
	testdaemon_fixture_down();
	while (n_dropbox_made > 0) {
		char *dir = dropbox_made[--n_dropbox_made];

		(void) rmdir(dir);
		free(dir);
	}
}

/* This run's name for a file in a drop box: unique across owners and runs. */
static char *
dropbox_file(const char *box, int i, const char *suffix)
{
	return testlib_asprintf("/var/lib/sandboxd/%s/sbx-test-%d-%d.%s", box, (int) getpid(), i,
	    suffix);
}

/*
 * The shipped convert policy, as its comment says: the owner drops a PNG
 * into in/, runs an unmodified convert on the two paths (there is no /var
 * in the sandbox: interception brings both to the broker), and finds a
 * JPEG in out/ that belongs to them. ImageMagick's own policy.xml still
 * refuses PDF there; in/ is read-only (the refusal logged as a denial).
 */
START_TEST(convert_brokered)
{
	char *in = dropbox_file("convert/in", _i, "png");
	char *out = dropbox_file("convert/out", _i, "jpg");
	char *pdf = dropbox_file("convert/in", _i, "pdf");
	char *png = dropbox_file("convert/out", _i, "png");
	char *back = dropbox_file("convert/in", _i, "jpg");
	char *script, *o, *e, *denial;
	int rc;

	script = testlib_asprintf("/usr/bin/convert -size 8x6 xc:red '%s' && "
	    "\"$SANDBOXCTL\" run --policy convert -- convert '%s' '%s' && "
	    "/usr/bin/identify -format '%%m %%wx%%h\\n' '%s' && head -c 3 '%s' | od -An -tx1 && "
	    "stat -c %%u '%s'", in, in, out, out, out, out);
	rc = run_sh(_i, script, &o, &e);
	(void) unlink(in);
	(void) unlink(out);
	free(script);
	script = testlib_asprintf("JPEG 8x6\n ff d8 ff\n%u\n", owner_uid(_i));
	ck_assert_msg(rc == 0 && strcmp(o, script) == 0,
	    "owner %d: convert in/ to out/: exit %d, out '%s' (want '%s'), err '%s'", _i, rc, o,
	    script, e);
	free(script);
	free(o);
	free(e);

	/* A PDF: refused by ImageMagick's security policy, as on the host. */
	script = testlib_asprintf("printf '%%%%PDF-1.4\\n%%%%%%%%EOF\\n' > '%s' && "
	    "\"$SANDBOXCTL\" run --policy convert -- convert '%s' '%s'; echo \"exit $?\"; "
	    "test -e '%s' && echo 'output written'; exit 0", pdf, pdf, png, png);
	rc = run_sh(_i, script, &o, &e);
	(void) unlink(pdf);
	(void) unlink(png);
	ck_assert_msg(rc == 0 && strcmp(o, "exit 1\n") == 0 &&
	    strstr(e, "not allowed by the security policy `PDF'"),
	    "owner %d: convert PDF to PNG: exit %d, out '%s', err '%s'", _i, rc, o, e);
	free(script);
	free(o);
	free(e);

	/* Nothing is written into in/: the broker refuses the open (EACCES,
	 * logged as a denial; convert reports its last stat's ENOENT). */
	script = testlib_asprintf("/usr/bin/convert -size 8x6 xc:red png:- | "
	    "\"$SANDBOXCTL\" run --policy convert -- convert png:- '%s'; echo \"exit $?\"; "
	    "test -e '%s' && echo 'input written'; exit 0", back, back);
	rc = run_sh(_i, script, &o, &e);
	(void) unlink(back);
	denial = testlib_asprintf("broker denied open '%s': Permission denied", back);
	ck_assert_msg(rc == 0 && strcmp(o, "exit 1\n") == 0 && strstr(e, "unable to open image"),
	    "owner %d: convert into in/: exit %d, out '%s', err '%s'", _i, rc, o, e);
	ck_assert_msg(testdaemon_wait_log(testdaemon_fixture, denial, 1, 5000),
	    "owner %d: no '%s' in the daemon's log", _i, denial);
	free(denial);
	free(script);
	free(o);
	free(e);
	free(in);
	free(out);
	free(pdf);
	free(png);
	free(back);
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

/*
 * soffice --convert-to pdf on a document in office/in, writing into
 * office/out, unmodified: interception brings LibreOffice's own calls to
 * the broker. The PDF belongs to the owner, and LibreOffice's lock file
 * beside it is gone (it may delete in out/).
 */
START_TEST(office_brokered)
{
	char *in = dropbox_file("office/in", _i, "txt");
	char *pdf = dropbox_file("office/out", _i, "pdf");
	char *lock = testlib_asprintf("/var/lib/sandboxd/office/out/.~lock.sbx-test-%d-%d.pdf#",
	    (int) getpid(), _i);
	char *script, *want, *o, *e;
	int rc;

	script = testlib_asprintf("printf 'hello brokered office\\n' > '%s' && "
	    "\"$SANDBOXCTL\" run --policy office -- soffice -env:UserInstallation=file:///tmp/lo "
	    "--headless --convert-to pdf --outdir /var/lib/sandboxd/office/out '%s' >&2 && "
	    "head -c 5 '%s' && echo && stat -c %%u '%s' && test ! -e '%s'", in, in, pdf, pdf, lock);
	rc = run_sh(_i, script, &o, &e);
	(void) unlink(in);
	(void) unlink(pdf);
	(void) unlink(lock);
	want = testlib_asprintf("%%PDF-\n%u\n", owner_uid(_i));
	ck_assert_msg(rc == 0 && strcmp(o, want) == 0,
	    "owner %d: soffice in/ to out/: exit %d, out '%s' (want '%s'), err '%s'", _i, rc, o,
	    want, e);
	free(want);
	free(script);
	free(o);
	free(e);
	free(in);
	free(pdf);
	free(lock);
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

		tc = tcase_create("convert-brokered");
		tcase_add_unchecked_fixture(tc, dropbox_up, dropbox_down);
		tcase_set_timeout(tc, 300);
		tcase_add_loop_test(tc, convert_brokered, 0, N_OWNERS);
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

		tc = tcase_create("office-brokered");
		tcase_add_unchecked_fixture(tc, dropbox_up, dropbox_down);
		tcase_set_timeout(tc, 600);
		tcase_add_loop_test(tc, office_brokered, 0, N_OWNERS);
		suite_add_tcase(s, tc);
	}
	return s;
}

int
main(void)
{
	return testdaemon_main(policies_suite);
}
