/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The broker, seen from inside: tests/integration/helpers/broker-target
 * runs in a sandbox under a test policy "broker" (the shipped default,
 * plus the helpers' build directory at /opt/helpers, plus the build tree's
 * client/.libs at /opt/broker-lib with $LD_LIBRARY_PATH pointing there, so
 * the helper finds libsandbox-client wherever the build tree is, plus
 * @broker and a [Broker] section over a fresh tree under /var/tmp). Each
 * case gets a fresh tree and a fresh daemon (the daemon opens the rules'
 * directories when it loads the policy).
 *
 * The helper prints one line per command; each case compares them with
 * fnmatch() patterns ("A|B" for alternatives) and then checks, on the
 * host, what a user would see: file contents, modes, what is left.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers/relay-stream.h"
#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

#ifndef BROKER_CLIENT_LIBDIR
#error "BROKER_CLIENT_LIBDIR (the build tree's client/.libs) must be defined"
#endif

#define HELPER		"/opt/helpers/broker-target"
#define NOBODY		65534

static struct testdaemon *td;
static char *base;		/* the host tree, 0755 */
static int tcp_listener = -1, unix_listener = -1, udp_granted = -1;
static unsigned tcp_port, udp_port;
static const char *daemon_conf;	/* sandboxd.conf for the TCase's daemons, or NULL */

static void stall_detach(const char *mnt, const char *conn);

/* BASE/rel, valid until teardown. */
static const char *
P(const char *rel)
{
	return testlib_keep(testlib_asprintf("%s/%s", base, rel));
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	testlib_tree_put(P(rel), text, mode, (uid_t)-1);
}

static void
dir(const char *rel)
{
	testlib_tree_dir(P(rel), (uid_t)-1);
}

static void
lnk(const char *target, const char *rel)
{
	testlib_tree_symlink(target, P(rel));
}

/* Content of BASE/rel, or "(missing)"; valid until teardown. */
static const char *
content(const char *rel)
{
	return testlib_keep(testlib_tree_content(P(rel)));
}

static bool
exists(const char *rel)
{
	return testlib_tree_exists(P(rel));
}

static void
make_tree(void)
{
	base = testlib_tree_new("sandboxd-broker");

	put("secret", "SECRET", 0644);		/* outside every rule */
	dir("outside");
	put("outside/x", "SECRET", 0644);
	put("rootfile", "ROOTONLY", 0600);	/* File= rule, root-only */

	dir("ro");				/* Tree= read */
	put("ro/a", "alpha", 0644);
	put("ro/w666", "shared", 0666);
	dir("ro/sub");
	put("ro/sub/b", "beta", 0644);
	dir("ro/sub/emptydir");
	dir("ro/d1");
	lnk("a", "ro/rel");
	lnk("sub/b", "ro/relsub");
	lnk("/etc/shadow", "ro/abs");
	lnk("../secret", "ro/up");
	lnk("/proc/self/root", "ro/proc");
	ck_assert_int_eq(mkfifo(P("ro/fifo"), 0644), 0);

	dir("rox");				/* no rule: "ro" is not its prefix */
	put("rox/a", "rox", 0644);

	dir("rw");				/* read,write */
	put("rw/f", "rw-data", 0644);

	dir("cr");				/* read,write,create */
	put("cr/e", "exists", 0644);
	lnk("made-through-link", "cr/dangling");
	lnk("e", "cr/toexisting");

	dir("wo");				/* write,create; nobody's */
	put("wo/public", "PUBLIC", 0644);
	put("wo/private", "PRIVATE", 0600);
	ck_assert_int_eq(chown(P("wo"), NOBODY, NOBODY), 0);
	ck_assert_int_eq(chown(P("wo/public"), NOBODY, NOBODY), 0);
	ck_assert_int_eq(chown(P("wo/private"), NOBODY, NOBODY), 0);

	dir("del");				/* read,delete */
	put("del/x", "del-x", 0644);
	put("del/y", "del-y", 0644);
	dir("del/dd");
	dir("del/full");
	put("del/full/z", "z", 0644);
	put("del/mv", "move-me", 0644);
	put("del/mv2", "mv2", 0644);
	put("del/mv3", "mv3", 0644);
	put("del/mv4", "mv4", 0644);

	dir("nosym");				/* read,nosymlinks */
	put("nosym/a", "alpha", 0644);
	lnk("a", "nosym/rel");

	dir("single");				/* File=single/only, File=single/lnk */
	put("single/only", "only", 0644);
	put("single/sibling", "sibling", 0644);
	lnk("only", "single/lnk");

	dir("rdir");				/* read; listed by READDIR */
	put("rdir/x", "x", 0644);
	dir("rdir/y");
	lnk("x", "rdir/z");
	dir("rdir/closed");
	ck_assert_int_eq(chmod(P("rdir/closed"), 0700), 0);
	put("rdir/closed/f", "f", 0644);
	dir("rdir/many");
	for (int i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "rdir/many/%03d", i);
		put(name, "", 0644);
	}

	dir("rospecial");			/* read,special */
	ck_assert_int_eq(mkfifo(P("rospecial/shared"), 0666), 0);
	ck_assert_int_eq(chmod(P("rospecial/shared"), 0666), 0);
	ck_assert_int_eq(mkfifo(P("rospecial/private"), 0644), 0);

	dir("special");				/* read,write,special */
	ck_assert_int_eq(mkfifo(P("special/fifo"), 0666), 0);

	dir("race");				/* read; swapped by a host process */
	put("race/x", "good", 0644);
	lnk("../secret", "race/y");
	dir("race/d");
	put("race/d/x", "good", 0644);
	lnk(P("outside"), "race/e");
	put("race/g", "good", 0644);		/* never swapped: */
	dir("race/s");				/* reached as race/s/../g */

	dir("hl");				/* read,write,create,delete */
	put("hl/pub", "public", 0644);
	put("hl/replaceme", "old", 0644);
	ck_assert_int_eq(link(P("rootfile"), P("hl/link")), 0);

	dir("sockdir");				/* no rule; host symlinks to "sock" */
	lnk("../sock", "sockdir/lnsock");
	lnk(".", "lndir");

	dir("locked");				/* 0700 root, no rule */
	ck_assert_int_eq(chmod(P("locked"), 0700), 0);
	dir("locked/deep");			/* read; nobody's, below "locked" */
	put("locked/deep/file", "deep", 0600);
	put("locked/deep/only", "only-deep", 0600);	/* File= read */
	ck_assert_int_eq(chown(P("locked/deep"), NOBODY, NOBODY), 0);
	ck_assert_int_eq(chown(P("locked/deep/file"), NOBODY, NOBODY), 0);
	ck_assert_int_eq(chown(P("locked/deep/only"), NOBODY, NOBODY), 0);

	dir("flood");				/* read */
	for (int i = 0; i < 4; i++) {
		char name[32], text[32];

		snprintf(name, sizeof(name), "flood/f%d", i);
		snprintf(text, sizeof(text), "file%d", i);
		put(name, text, 0644);
	}
}

static void
make_listeners(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(sa);

	/* Room for relay_cap_and_exit's 65 connects, which the broker
	 * completes before it answers, before the case accepts any. */
	tcp_listener = testlib_tcp_listen(128, &sa);
	tcp_port = ntohs(sa.sin_port);

	udp_granted = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(udp_granted, 0);
	sa.sin_port = 0;
	ck_assert_int_eq(bind(udp_granted, (struct sockaddr *)&sa, sizeof(sa)), 0);
	len = sizeof(sa);
	ck_assert_int_eq(getsockname(udp_granted, (struct sockaddr *)&sa, &len), 0);
	udp_port = ntohs(sa.sin_port);

	unix_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(unix_listener, 0);
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", P("sock"));
	ck_assert_int_eq(bind(unix_listener, (struct sockaddr *)&su, sizeof(su)), 0);
	ck_assert_int_eq(listen(unix_listener, 16), 0);
}

static void
setup(void)
{
	char *fs, *text, *policy, *nolandlock, *with_env;
	const char *at;

	make_tree();
	make_listeners();
	/* The helper's rpath names the build tree, which may be where the
	 * sandbox has its own /tmp: bind the library at a fixed place and
	 * point the loader at it instead. */
	fs = testlib_asprintf("BindReadOnly=%s:/opt/helpers\nBindReadOnly=%s:/opt/broker-lib",
	    testlib_helpers_dir(), BROKER_CLIENT_LIBDIR);
	text = testlib_default_policy_with(fs);
	at = strstr(text, "\n[Sandbox]\n");
	ck_assert(at);
	at += strlen("\n[Sandbox]\n");
	with_env = testlib_asprintf("%.*sEnvironment=LD_LIBRARY_PATH=/opt/broker-lib\n%s",
	    (int)(at - text), text, at);
	free(text);
	text = with_env;
	policy = testlib_asprintf("%s\nAllow=@broker\n\n[Broker]\n"
	    "Tree=%s read\n"
	    "Tree=%s read,write\n"
	    "Tree=%s read,write,create\n"
	    "Tree=%s read,delete\n"
	    "Tree=%s read,nosymlinks\n"
	    "File=%s read\n"
	    "File=%s read\n"
	    "Tree=%s read,write,special\n"
	    "Tree=%s read,special\n"
	    "Tree=%s read\n"
	    "Tree=%s read\n"
	    "Tree=%s read,write,create,delete\n"
	    "Tree=%s read\n"
	    "File=%s read\n"
	    "Tree=/proc read\n"
	    "Tree=%s read\n"
	    "File=%s read\n"
	    "Tree=%s write,create\n"
	    "Connect=tcp:127.0.0.1:%u\n"
	    "Connect=udp:127.0.0.1:%u\n"
	    "Connect=unix:%s\n"
	    "Connect=unix:%s\n"
	    "Connect=unix:%s\n",
	    text, P("ro"), P("rw"), P("cr"), P("del"), P("nosym"), P("single/only"),
	    P("single/lnk"), P("special"), P("rospecial"), P("rdir"), P("race"), P("hl"), P("flood"),
	    P("rootfile"), P("locked/deep"), P("locked/deep/only"), P("wo"), tcp_port, udp_port, P("sock"),
	    P("sockdir/lnsock"), P("lndir/sock"));
	td = testdaemon_new();
	testdaemon_write_policy(td, "broker", policy);
	/* The same without Landlock, as on a kernel that lacks it. */
	ck_assert(strstr(policy, "\nLandlock=best-effort\n"));
	nolandlock = testlib_asprintf("%.*sLandlock=no%s", (int)(strstr(policy, "Landlock=best-effort") -
	    policy), policy, strstr(policy, "Landlock=best-effort") + strlen("Landlock=best-effort"));
	testdaemon_write_policy(td, "broker-nolandlock", nolandlock);
	free(nolandlock);
	free(policy);
	free(text);
	free(fs);
	if (daemon_conf)
		put("sandboxd.conf", daemon_conf, 0644);
	ck_assert_int_eq(testdaemon_start(td, daemon_conf ? (const char *const[]) { "--config",
	    P("sandboxd.conf"), NULL } : NULL), 0);
	(void) testlib_leftover_add(td->pid, base, td->dir);
}

static void
teardown(void)
{
	if (td)
		testlib_leftover_done(td->pid);
	testdaemon_free(td);
	td = NULL;
	if (tcp_listener >= 0)
		close(tcp_listener);
	if (unix_listener >= 0)
		close(unix_listener);
	if (udp_granted >= 0)
		close(udp_granted);
	tcp_listener = unix_listener = udp_granted = -1;
	if (base) {
		testlib_rm_rf(base);
		free(base);
		base = NULL;
	}
	testlib_keep_free();
}

/* A failed case's FUSE server, before its daemon stops. */
static void
fuse_leftover(struct testlib_leftover *l)
{
	if (!l->fuse_mnt[0])
		return;
	/* It ends itself when its parent dies (PR_SET_PDEATHSIG). */
	for (int t = 0; t < 250 && kill(l->fuse_pid, 0) == 0; t++)
		usleep(20000);
	stall_detach(l->fuse_mnt, l->fuse_conn);
}

static void
case_down(void)
{
	testlib_leftovers_down(fuse_leftover);
}

/* Runs the helper with argv (after its name) as root's sandbox; asserts it
 * ran to completion with status 0. */
static void
run_helper(const char *const *args, struct testlib_run *run)
{
	const char *argv[128];
	sandbox_client *c = testlib_connect();
	sandbox_spawn_options *o;
	size_t n = 0;
	int r;

	argv[n++] = HELPER;
	for (; *args; args++) {
		ck_assert(n < 127);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_policy(o, "broker"), 0);
	r = testlib_spawn(c, o, NULL, argv, 60000, run);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(c));
	ck_assert_msg(run->wait_r == 0, "wait: %s", strerror(-run->wait_r));
	ck_assert_msg(run->exited == 1 && run->status == 0,
	    "helper: exited=%d status=%d limit=%s\nstdout:\n%s\nstderr:\n%s", run->exited,
	    run->status, run->limit, run->out, run->err);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
}

/* One helper command and the fnmatch() patterns ("A|B") its line must match. */
struct step {
	const char *cmd, *a1, *a2;
	const char *expect;
};

static bool
line_matches(const char *line, const char *expect)
{
	char *alts = strdup(expect), *save = NULL, *alt;
	bool ok = false;

	for (alt = strtok_r(alts, "|", &save); alt && !ok; alt = strtok_r(NULL, "|", &save))
		ok = fnmatch(alt, line, 0) == 0;
	free(alts);
	return ok;
}

/* Checks output lines [from, from+n) against steps; returns the line after. */
static const char *
check_lines(const char *out, const struct step *s, size_t n)
{
	const char *p = out;

	for (size_t i = 0; i < n; i++) {
		const char *nl = strchr(p, '\n');
		char line[4096];

		ck_assert_msg(nl, "no output for step %zu (%s %s %s); output:\n%s", i, s[i].cmd,
		    s[i].a1 ? s[i].a1 : "", s[i].a2 ? s[i].a2 : "", out);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		ck_assert_msg(line_matches(line, s[i].expect),
		    "%s %s %s: got '%s', expected '%s'", s[i].cmd, s[i].a1 ? s[i].a1 : "",
		    s[i].a2 ? s[i].a2 : "", line, s[i].expect);
		p = nl + 1;
	}
	return p;
}

static size_t
steps_argv(const struct step *s, size_t n, const char **argv, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		ck_assert(k + 3 < max);
		argv[k++] = s[i].cmd;
		if (s[i].a1)
			argv[k++] = s[i].a1;
		if (s[i].a2)
			argv[k++] = s[i].a2;
	}
	argv[k] = NULL;
	return k;
}

/* Runs the steps in one sandbox (owner root) and checks every line. */
static void
run_steps(const struct step *s, size_t n)
{
	const char *argv[128];
	struct testlib_run run;
	const char *rest;

	steps_argv(s, n, argv, 128);
	run_helper(argv, &run);
	if (getenv("BROKER_TEST_VERBOSE"))
		fprintf(stderr, "%s", run.out);
	rest = check_lines(run.out, s, n);
	ck_assert_msg(*rest == '\0', "extra output: %s", rest);
	testlib_run_done(&run);
}

#define RUN_STEPS(s) run_steps(s, sizeof(s) / sizeof((s)[0]))

/* Case 1: what each right allows, and nothing more. */
START_TEST(rights_read_only)
{
	const struct step s[] = {
		{ "open", P("ro/a"), "r", "OK alpha" },
		{ "open", P("ro/a"), "w", "ERR EACCES" },
		{ "open", P("ro/a"), "rw", "ERR EACCES" },
		{ "open", P("ro/a"), "r+trunc", "ERR EACCES" },
		{ "open", P("ro/a"), "r+append", "ERR EACCES" },
		{ "open", P("ro/a"), "w+append", "ERR EACCES" },
		{ "open", P("ro/new"), "r+creat", "ERR EACCES" },
		{ "open", P("ro/new"), "w+creat", "ERR EACCES" },
		{ "create", P("ro/new2"), "0644", "ERR EACCES" },
		{ "write", P("ro/a"), "CHANGED", "ERR EACCES" },
		{ "mkdir", P("ro/nd"), "0755", "ERR EACCES" },
		{ "unlink", P("ro/a"), NULL, "ERR EACCES" },
		{ "rmdir", P("ro/sub/emptydir"), NULL, "ERR EACCES" },
		{ "rename", P("ro/a"), P("ro/a2"), "ERR EACCES" },
		{ "stat", P("ro/a"), NULL, "OK reg 5" },
		{ "access", P("ro/a"), "r", "OK" },
		{ "access", P("ro/a"), "w", "ERR EACCES" },
		{ "readlink", P("ro/rel"), NULL, "OK a" },
		{ "open", P("ro/sub/b"), "r", "OK beta" },
		{ "open", P("ro"), "r+directory", "OK dir" },
		{ "open", P("ro/sub"), "w", "ERR EACCES|ERR EISDIR" },
		{ "open", P("ro/nothing"), "r", "ERR ENOENT" },
	};

	RUN_STEPS(s);
	ck_assert_str_eq(content("ro/a"), "alpha");
	ck_assert(!exists("ro/new") && !exists("ro/new2") && !exists("ro/nd") && !exists("ro/a2"));
	ck_assert(exists("ro/sub/emptydir"));
}
END_TEST

START_TEST(rights_write)
{
	const struct step s[] = {
		{ "write", P("rw/f"), "changed", "OK" },
		{ "open", P("rw/f"), "r", "OK changed" },
		{ "open", P("rw/f"), "rw", "OK changed" },
		{ "access", P("rw/f"), "rw", "OK" },
		{ "open", P("rw/new"), "w+creat", "ERR EACCES" },
		{ "create", P("rw/new2"), "0644", "ERR EACCES" },
		{ "mkdir", P("rw/nd"), "0755", "ERR EACCES" },
		{ "unlink", P("rw/f"), NULL, "ERR EACCES" },
		{ "rename", P("rw/f"), P("rw/g"), "ERR EACCES" },
	};

	RUN_STEPS(s);
	ck_assert_str_eq(content("rw/f"), "changed");
	ck_assert(!exists("rw/new") && !exists("rw/new2") && !exists("rw/nd") && !exists("rw/g"));
}
END_TEST

START_TEST(rights_create)
{
	const struct step s[] = {
		{ "create", P("cr/new"), "6777", "OK" },
		{ "create", P("cr/private"), "0600", "OK" },
		{ "mkdir", P("cr/nd"), "7777", "OK" },
		{ "create", P("cr/e"), "0644", "ERR EEXIST" },
		{ "open", P("cr/e"), "r+creat", "OK exists" },
		{ "open", P("cr/fresh"), "w+creat", "OK" },
		{ "unlink", P("cr/e"), NULL, "ERR EACCES" },
		{ "rmdir", P("cr/nd"), NULL, "ERR EACCES" },
	};
	struct stat st;

	RUN_STEPS(s);
	ck_assert_int_eq(lstat(P("cr/new"), &st), 0);
	ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 07022) == 0,
	    "created with 06777, got mode %o", (unsigned)st.st_mode);
	ck_assert_msg((st.st_mode & 0700) == 0700, "mode %o", (unsigned)st.st_mode);
	ck_assert_int_eq(st.st_uid, 0);
	ck_assert_int_eq(lstat(P("cr/private"), &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0600, "created with 0600, got mode %o",
	    (unsigned)st.st_mode);
	ck_assert_int_eq(lstat(P("cr/nd"), &st), 0);
	ck_assert_msg(S_ISDIR(st.st_mode) && (st.st_mode & 07022) == 0,
	    "mkdir with 07777, got mode %o", (unsigned)st.st_mode);
	ck_assert(exists("cr/fresh") && exists("cr/e"));
	ck_assert_str_eq(content("cr/e"), "exists");
}
END_TEST

START_TEST(rights_delete)
{
	const struct step s[] = {
		{ "unlink", P("del/x"), NULL, "OK" },
		{ "rmdir", P("del/dd"), NULL, "OK" },
		{ "rmdir", P("del/full"), NULL, "ERR ENOTEMPTY" },
		{ "open", P("del/y"), "w", "ERR EACCES" },
		{ "create", P("del/new"), "0644", "ERR EACCES" },
		/* delete on the source, create on the destination */
		{ "rename", P("del/mv"), P("cr/mv"), "OK" },
		{ "rename", P("del/mv2"), P("ro/mv2"), "ERR EACCES" },
		{ "rename", P("ro/a"), P("cr/a"), "ERR EACCES" },
		/* replacing needs delete on the destination too */
		{ "rename", P("del/mv3"), P("cr/e"), "ERR EEXIST|ERR EACCES" },
		{ "rename", P("del/mv4"), P("hl/replaceme"), "OK" },
	};

	RUN_STEPS(s);
	ck_assert(!exists("del/x") && !exists("del/dd"));
	ck_assert(exists("del/full/z") && exists("del/y") && !exists("del/new"));
	ck_assert_str_eq(content("cr/mv"), "move-me");
	ck_assert(!exists("del/mv"));
	ck_assert(exists("del/mv2") && !exists("ro/mv2"));
	ck_assert(exists("ro/a") && !exists("cr/a"));
	ck_assert_str_eq(content("cr/e"), "exists");
	ck_assert_str_eq(content("del/mv3"), "mv3");
	ck_assert_str_eq(content("hl/replaceme"), "mv4");
	ck_assert(!exists("del/mv4"));
}
END_TEST

START_TEST(rights_outside_and_file)
{
	const struct step s[] = {
		{ "open", P("secret"), "r", "ERR EACCES" },
		{ "stat", P("secret"), NULL, "ERR EACCES" },
		{ "access", P("secret"), "f", "ERR EACCES" },
		{ "open", "/etc/passwd", "r", "ERR EACCES" },
		{ "open", base, "r+directory", "ERR EACCES" },
		{ "open", P("rox/a"), "r", "ERR EACCES" },
		{ "open", P("single/only"), "r", "OK only" },
		{ "stat", P("single/only"), NULL, "OK reg 4" },
		{ "open", P("single/only"), "w", "ERR EACCES" },
		{ "open", P("single/sibling"), "r", "ERR EACCES" },
		{ "stat", P("single/sibling"), NULL, "ERR EACCES" },
		{ "open", P("single"), "r+directory", "ERR EACCES" },
		{ "getdents", P("single"), NULL, "ERR EACCES" },
	};

	RUN_STEPS(s);
}
END_TEST

/* Case 2: "..", absolute and escaping symlinks; nosymlinks; File= never follows. */
START_TEST(traversal)
{
	const struct step s[] = {
		{ "open", P("ro/../secret"), "r", "ERR EXDEV|ERR EACCES" },
		{ "open", P("ro/d1/../../secret"), "r", "ERR EXDEV|ERR EACCES" },
		{ "open", P("ro/../rw/f"), "r", "ERR EXDEV|ERR EACCES" },
		{ "open", P("ro/sub/../../../../etc/passwd"), "r", "ERR EXDEV|ERR EACCES" },
		{ "open", P("ro/abs"), "r", "ERR EXDEV|ERR EACCES|ERR ELOOP" },
		{ "stat", P("ro/abs"), NULL, "ERR EXDEV|ERR EACCES|ERR ELOOP" },
		{ "open", P("ro/up"), "r", "ERR EXDEV|ERR EACCES|ERR ELOOP" },
		{ "open", P("ro/proc/etc/passwd"), "r", "ERR EXDEV|ERR EACCES|ERR ELOOP" },
		{ "open", P("ro/rel"), "r", "OK alpha" },
		{ "open", P("ro/relsub"), "r", "OK beta" },
		{ "open", P("ro/d1/../a"), "r", "OK alpha" },
		{ "open", P("ro/rel"), "r+nofollow", "ERR ELOOP" },
		{ "open", P("nosym/a"), "r", "OK alpha" },
		{ "open", P("nosym/rel"), "r", "ERR ELOOP|ERR EXDEV" },
		{ "open", P("single/lnk"), "r", "ERR ELOOP|ERR EXDEV" },
	};

	RUN_STEPS(s);
}
END_TEST

/* Case 3: TREE/x (and a directory above it) swapped with symlinks out of
 * the tree while the target opens it: never the secret. */
static pid_t
start_swapper(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int d = open(P("race"), O_PATH | O_DIRECTORY | O_CLOEXEC);

		/* Never outlive the case, even one that failed. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
			_exit(1);
		if (d < 0)
			_exit(1);
		for (;;) {
			(void)syscall(SYS_renameat2, d, "x", d, "y", RENAME_EXCHANGE);
			(void)syscall(SYS_renameat2, d, "d", d, "e", RENAME_EXCHANGE);
		}
	}
	return pid;
}

static void
parse_race(const char *line, unsigned v[4])
{
	ck_assert_msg(sscanf(line, "race good=%u secret=%u other=%u err=%u", &v[0], &v[1], &v[2],
	    &v[3]) == 4, "race output: %s", line);
}

START_TEST(symlink_swap_race)
{
	const char *args[] = { "race", P("race/x"), "5000", "race", P("race/d/x"), "5000", NULL };
	struct testlib_run run;
	unsigned a[4], b[4];
	const char *second;
	pid_t swapper;
	int st;

	swapper = start_swapper();
	run_helper(args, &run);
	kill(swapper, SIGKILL);
	ck_assert_int_eq(waitpid(swapper, &st, 0), swapper);
	ck_assert_msg(!WIFEXITED(st), "swapper could not start");

	second = strchr(run.out, '\n');
	ck_assert(second);
	parse_race(run.out, a);
	parse_race(second + 1, b);
	fprintf(stderr, "# race on a file: %u good, %u failed; on a directory: %u good, %u failed\n",
	    a[0], a[3], b[0], b[3]);
	ck_assert_msg(a[1] == 0 && a[2] == 0, "file swap: %u opens gave the secret, %u other content",
	    a[1], a[2]);
	ck_assert_msg(b[1] == 0 && b[2] == 0, "dir swap: %u opens gave the secret, %u other content",
	    b[1], b[2]);
	ck_assert_msg(a[0] + a[3] == 5000 && b[0] + b[3] == 5000, "%s", run.out);
	ck_assert_msg(a[0] > 0 && b[0] > 0, "no open succeeded at all: %s", run.out);
	testlib_run_done(&run);
}
END_TEST

/* Renames anywhere on the host make openat2(RESOLVE_BENEATH) give EAGAIN
 * for a path with an inner "..": the broker retries (bounded) instead of
 * passing on an error no broker action documents. */
START_TEST(dotdot_rename_storm)
{
	const char *args[] = { "race", P("race/s/../g"), "5000", NULL };
	struct testlib_run run;
	unsigned a[4];
	pid_t swapper;
	int st;

	swapper = start_swapper();
	run_helper(args, &run);
	kill(swapper, SIGKILL);
	ck_assert_int_eq(waitpid(swapper, &st, 0), swapper);
	ck_assert_msg(!WIFEXITED(st), "swapper could not start");
	parse_race(run.out, a);
	fprintf(stderr, "# inner '..' under a rename storm: %u good, %u failed\n", a[0], a[3]);
	ck_assert_msg(a[0] == 5000 && a[3] == 0, "%s", run.out);
	testlib_run_done(&run);
}
END_TEST

/* Case 4: Tree=/proc read; magic links are never followed. */
START_TEST(magic_links)
{
	const struct step s[] = {
		{ "open", "/proc/version", "r", "OK Linux version *" },
		{ "open", "/proc/self/root/etc/passwd", "r", "ERR *" },
		{ "open", "/proc/1/root/etc/passwd", "r", "ERR *" },
		{ "open", "/proc/self/cwd/etc/passwd", "r", "ERR *" },
		{ "open", "/proc/self/exe", "r", "ERR *" },
		{ "open", "/proc/self/fd/0", "r", "ERR *" },
		{ "stat", "/proc/self/root/etc/shadow", NULL, "ERR *" },
		{ "open", "/proc/self/root", "r+directory", "ERR *" },
		{ "getdents", "/proc/1/root", NULL, "ERR *" },
		{ "open", P("ro/proc/etc/shadow"), "r", "ERR *" },
	};

	RUN_STEPS(s);
}
END_TEST

/* Spawns the helper under a policy as uid/gid with sandboxctl; returns its
 * stdout. */
static char *
run_as_in(const char *policy, uid_t uid, const char *c1, const char *a1, const char *a2,
    const char *c2, const char *b1, const char *b2, const char *c3, const char *d1,
    const char *d2)
{
	char *out = NULL, *err = NULL;
	int st = testlib_sandboxctl_as(uid, uid, &out, &err, "run", "--policy", policy, "--",
	    HELPER, c1, a1, a2, c2, b1, b2, c3, d1, d2, NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "sandboxctl run as %u: status %d\n%s\n%s",
	    (unsigned)uid, testlib_exit_code(st), out, err);
	free(err);
	return out;
}

/* Runs the helper without Landlock as uid and compares its whole stdout. */
static void
expect_without_landlock(uid_t uid, const char *expect, const char *c1, const char *a1,
    const char *a2, const char *c2, const char *b1, const char *b2, const char *c3,
    const char *d1, const char *d2)
{
	char *out = run_as_in("broker-nolandlock", uid, c1, a1, a2, c2, b1, b2, c3, d1, d2);

	ck_assert_msg(strcmp(out, expect) == 0, "owner %u: got\n%sexpected\n%s", (unsigned)uid,
	    out, expect);
	free(out);
}

static char *
run_as(uid_t uid, const char *c1, const char *a1, const char *a2, const char *c2, const char *b1,
    const char *b2, const char *c3, const char *d1, const char *d2)
{
	return run_as_in("broker", uid, c1, a1, a2, c2, b1, b2, c3, d1, d2);
}

/* Case 5: a root-only file hardlinked into a tree the policy opens up. */
START_TEST(hardlink)
{
	char *out;

	out = run_as(NOBODY, "open", P("hl/pub"), "r", "open", P("hl/link"), "r",
	    "create", P("hl/new"), "0644");
	ck_assert_str_eq(out, "OK public\nERR EACCES\nERR EACCES\n");
	free(out);
	ck_assert(!exists("hl/new"));

	/* Root's sandbox, same policy: the policy itself allows it. */
	out = run_as(0, "open", P("hl/pub"), "r", "open", P("hl/link"), "r",
	    "create", P("hl/new"), "0644");
	ck_assert_str_eq(out, "OK public\nOK ROOTONLY\nOK\n");
	free(out);
}
END_TEST

/* Case 7: the broker acts with the owner's credentials. */
START_TEST(owner_credentials)
{
	char *out;

	out = run_as(NOBODY, "open", P("rootfile"), "r", "access", P("rootfile"), "r",
	    "open", P("ro/a"), "r");
	ck_assert_str_eq(out, "ERR EACCES\nERR EACCES\nOK alpha\n");
	free(out);
	out = run_as(0, "open", P("rootfile"), "r", "access", P("rootfile"), "r",
	    "open", P("ro/a"), "r");
	ck_assert_str_eq(out, "OK ROOTONLY\nOK\nOK alpha\n");
	free(out);
}
END_TEST

/* Runs three steps in one sandbox of uid's, with sandboxctl, and checks
 * every line. */
static void
run_steps_as(uid_t uid, const struct step s[3])
{
	char *out = run_as(uid, s[0].cmd, s[0].a1, s[0].a2, s[1].cmd, s[1].a1, s[1].a2, s[2].cmd,
	    s[2].a1, s[2].a2);
	const char *rest = check_lines(out, s, 3);

	ck_assert_msg(*rest == '\0', "extra output: %s", rest);
	free(out);
}

/* Case 7b: the owner's search permission above a rule counts. "locked"
 * is 0700 root; "locked/deep" and its files are nobody's: nobody could not
 * open them by path, so nobody's sandbox gets nothing from them either. */
START_TEST(owner_ancestors)
{
	const struct step locked[] = {
		{ "open", P("locked/deep/file"), "r", "ERR EACCES" },
		{ "access", P("locked/deep/file"), "r", "ERR EACCES" },
		{ "open", P("locked/deep/only"), "r", "ERR EACCES" },
	};
	/* Nothing is remembered of the refusal; the normal case still works. */
	const struct step normal[] = {
		{ "open", P("locked/deep/file"), "r", "ERR EACCES" },
		{ "open", P("ro/a"), "r", "OK alpha" },
		{ "open", P("hl/pub"), "r", "OK public" },
	};
	/* Root could open them by path: its sandbox can. */
	const struct step root[] = {
		{ "open", P("locked/deep/file"), "r", "OK deep" },
		{ "open", P("locked/deep/only"), "r", "OK only-deep" },
		{ "open", P("ro/a"), "r", "OK alpha" },
	};
	/* Once "locked" lets others search it, nobody gets its own files. */
	const struct step reachable[] = {
		{ "open", P("locked/deep/file"), "r", "OK deep" },
		{ "open", P("locked/deep/only"), "r", "OK only-deep" },
		{ "open", P("rootfile"), "r", "ERR EACCES" },
	};

	run_steps_as(NOBODY, locked);
	run_steps_as(NOBODY, normal);
	run_steps_as(0, root);
	ck_assert_int_eq(chmod(P("locked"), 0711), 0);
	run_steps_as(NOBODY, reachable);
}
END_TEST

/* A sandbox running the helper with stdin/stdout pipes we hold, for
 * helpers that "wait". */
struct waiting {
	sandbox_client *c;
	uint64_t id;
	int in, out;
	char buf[8192];
	size_t len;
};

static void
spawn_waiting(const char *const *args, struct waiting *w)
{
	const char *argv[128];
	sandbox_spawn_options *o;
	int in[2], out[2], r;
	size_t n = 0;

	memset(w, 0, sizeof(*w));
	argv[n++] = HELPER;
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	w->c = testlib_connect();
	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_policy(o, "broker"), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_stdio(o, in[0], out[1], out[1]), 0);
	r = sandbox_spawn(w->c, o, (char *const *)argv, &w->id);
	ck_assert_msg(r == 0, "spawn: %s (%s)", strerror(-r), sandbox_client_last_error(w->c));
	sandbox_spawn_options_free(o);
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	w->out = out[0];
	/* Until "ready". */
	for (;;) {
		struct pollfd p = { w->out, POLLIN, 0 };
		ssize_t k;

		ck_assert_msg(poll(&p, 1, 30000) == 1, "helper not ready after 30 s: %.*s",
		    (int)w->len, w->buf);
		k = read(w->out, w->buf + w->len, sizeof(w->buf) - 1 - w->len);
		ck_assert_msg(k > 0, "helper output ended early: %.*s", (int)w->len, w->buf);
		w->len += (size_t)k;
		w->buf[w->len] = '\0';
		if (strstr(w->buf, "ready\n"))
			break;
	}
}

/* Lets the helper finish; asserts it exited 0. */
static void
finish_waiting(struct waiting *w)
{
	sandbox_exit ex;
	ssize_t k;

	close(w->in);
	while ((k = read(w->out, w->buf + w->len, sizeof(w->buf) - 1 - w->len)) > 0)
		w->len += (size_t)k;
	w->buf[w->len] = '\0';
	close(w->out);
	ck_assert_int_eq(sandbox_wait(w->c, w->id, 30000, &ex), 0);
	ck_assert_msg(ex.exited && ex.status == 0, "helper: %s", w->buf);
	sandbox_client_free(w->c);
}

/* Case 6: FIFOs are refused without "special", opened without blocking
 * with it, and the daemon keeps serving others meanwhile. */
START_TEST(fifo)
{
	const char *args[] = {
		"open", P("ro/fifo"), "r",
		"open", P("ro/fifo"), "r+nofollow",
		"stat", P("ro/fifo"),
		"open", P("special/fifo"), "r",
		"open", P("special/fifo"), "w",
		"open", P("special/fifo"), "rw",
		"wait", NULL,
	};
	const char *other[] = { "open", P("ro/a"), "r", NULL };
	struct testlib_run run;
	struct waiting w;

	spawn_waiting(args, &w);
	ck_assert_str_eq(w.buf, "ERR EACCES\nERR EACCES\nOK fifo 0\nOK fifo\nERR ENXIO\nOK fifo\nready\n");
	/* Another sandbox is served while that one holds its FIFO fds. */
	run_helper(other, &run);
	ck_assert_str_eq(run.out, "OK alpha\n");
	testlib_run_done(&run);
	finish_waiting(&w);
}
END_TEST

static char *
accept_read(int listener)
{
	struct pollfd p = { listener, POLLIN, 0 };
	char buf[256];
	ssize_t n;
	int fd;

	ck_assert_msg(poll(&p, 1, 10000) == 1, "no connection arrived");
	fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return strdup(buf);
}

/* Case 8: Connect= endpoints, exactly as named. */
START_TEST(connect_endpoints)
{
	char ok[64], other[64], byname[64], unix_ok[512], *got;
	struct pollfd p = { -1, POLLIN, 0 };
	const struct step s[] = {
		{ "connect", ok, "hello-tcp", "OK" },
		{ "connect", other, "nope", "ERR EACCES" },
		{ "connect", byname, "nope", "ERR EACCES" },
		{ "connect", "udp:127.0.0.1:53", "nope", "ERR EACCES" },
		{ "connect", unix_ok, "hello-unix", "OK" },
		{ "connect", "unix:/run/sandboxd/sandboxd.sock", "nope", "ERR EACCES" },
	};

	snprintf(ok, sizeof(ok), "tcp:127.0.0.1:%u", tcp_port);
	snprintf(other, sizeof(other), "tcp:127.0.0.1:%u", tcp_port == 65535 ? 1 : tcp_port + 1);
	snprintf(byname, sizeof(byname), "tcp:localhost:%u", tcp_port);
	snprintf(unix_ok, sizeof(unix_ok), "unix:%s", P("sock"));
	RUN_STEPS(s);
	got = accept_read(tcp_listener);
	ck_assert_str_eq(got, "hello-tcp");
	free(got);
	got = accept_read(unix_listener);
	ck_assert_str_eq(got, "hello-unix");
	free(got);
	/* Exactly one connection each. */
	p.fd = tcp_listener;
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	p.fd = unix_listener;
	ck_assert_int_eq(poll(&p, 1, 0), 0);
}
END_TEST

/* Case 8b: Connect=unix: grants that one socket. The host's symlinks over
 * the socket or over its directory are not followed; the target cannot
 * rename anything over it (no writable rule covers it: a policy where one
 * does is refused at load, below). */
START_TEST(connect_unix_no_symlinks)
{
	char via_link[512], via_dir[512], unix_ok[512], *got;
	struct pollfd p = { -1, POLLIN, 0 };
	const struct step s[] = {
		{ "connect", via_link, "via-link", "ERR ELOOP" },
		{ "connect", via_dir, "via-dir", "ERR ELOOP" },
		{ "rename", P("hl/pub"), P("sock"), "ERR EACCES" },
		{ "connect", unix_ok, "hello-unix", "OK" },
	};

	snprintf(via_link, sizeof(via_link), "unix:%s", P("sockdir/lnsock"));
	snprintf(via_dir, sizeof(via_dir), "unix:%s", P("lndir/sock"));
	snprintf(unix_ok, sizeof(unix_ok), "unix:%s", P("sock"));
	RUN_STEPS(s);
	got = accept_read(unix_listener);
	ck_assert_str_eq(got, "hello-unix");
	free(got);
	p.fd = unix_listener;
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	ck_assert_str_eq(content("hl/pub"), "public");
}
END_TEST

/* Case 8d: the service behind a Connect=unix: socket sees the sandbox's
 * owner as its peer (SO_PEERCRED), never the daemon's root. */
START_TEST(connect_unix_peer_is_owner)
{
	static const uid_t owners[] = { 0, NOBODY };
	char unix_ok[512];

	snprintf(unix_ok, sizeof(unix_ok), "unix:%s", P("sock"));
	ck_assert_int_eq(chmod(P("sock"), 0777), 0);
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		struct pollfd p = { unix_listener, POLLIN, 0 };
		struct ucred uc;
		socklen_t len = sizeof(uc);
		char *out;
		int fd;

		out = run_as(owners[i], "connect", unix_ok, "peer", NULL, NULL, NULL, NULL, NULL,
		    NULL);
		ck_assert_msg(strcmp(out, "OK\n") == 0, "owner %u: %s", (unsigned)owners[i], out);
		free(out);
		ck_assert_msg(poll(&p, 1, 10000) == 1, "no connection arrived");
		fd = accept4(unix_listener, NULL, NULL, SOCK_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len), 0);
		ck_assert_msg(uc.uid == owners[i] && uc.gid == owners[i],
		    "owner %u: the peer is uid %u gid %u", (unsigned)owners[i], (unsigned)uc.uid,
		    (unsigned)uc.gid);
		close(fd);
	}
}
END_TEST

/* Case 8c: a Connect=unix: socket where the target may create, rename or
 * delete (Tree=hl read,write,create,delete) is refused at load, with its
 * file and line, and never served. */
START_TEST(connect_unix_writable_refused)
{
	char *text, *policy, *path, *needle, *out, *err;
	int st;

	text = testlib_default_policy_with("");
	policy = testlib_asprintf("%s\n[Broker]\nTree=%s read,write,create,delete\nConnect=unix:%s\n",
	    text, P("hl"), P("hl/app.sock"));
	free(text);
	path = testlib_asprintf("%s/unixbad.policy", base);
	put("unixbad.policy", policy, 0644);

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", path, NULL);
	ck_assert_msg(testlib_exit_code(st) == 1, "policy check: exit %d\n%s%s",
	    testlib_exit_code(st), out, err);
	needle = testlib_asprintf("%s:", path);
	ck_assert_msg(strstr(err, needle) && strstr(err, "lets the target write, create or delete"),
	    "%s", err);
	free(needle);
	free(out);
	free(err);

	testdaemon_write_policy(td, "unixbad", policy);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	needle = testlib_asprintf("Connect=unix:%s: the socket lies where Tree=%s", P("hl/app.sock"),
	    P("hl"));
	ck_assert_msg(testdaemon_wait_log(td, needle, 1, 10000), "no '%s' in the log:\n%s", needle,
	    testdaemon_read_log(td));
	free(needle);
	/* The reload that logged it is over before the next request. */
	st = testlib_sandboxctl(NULL, &out, NULL, "policies", NULL);
	ck_assert_int_eq(testlib_exit_code(st), 0);
	ck_assert_msg(strstr(out, "broker") && !strstr(out, "unixbad"), "policies:\n%s", out);
	free(out);
	free(policy);
	free(path);
}
END_TEST

/*
 * Relayed sockets (issue 8, classes 1 and 2): a brokered TCP or UDP
 * socket reaches only its endpoint. Each case runs with root and with
 * nobody as the owner, and with and without Landlock (Landlock's TCP
 * rules hide some of this where the kernel has them).
 */
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
static const uid_t relay_owners[] = { 0, NOBODY };
static const char *const relay_policies[] = { "broker", "broker-nolandlock" };

/* A socket of type bound to 127.0.0.1:0 (listening if a stream); its port. */
static int
loopback_socket(int type, unsigned *ret_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

static bool
readable_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms) == 1;
}

/* Reads the datagrams queued on fd (waiting up to ms for the first);
 * whether one of them is exactly text. */
static bool
udp_got(int fd, const char *text, int ms)
{
	char buf[2048];
	bool found = false;

	while (readable_within(fd, ms)) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0)
			found = true;
		ms = 0;
	}
	return found;
}

/* Accepts the connections waiting on listener and drops them; how many. */
static unsigned
drain_listener(int listener, int ms)
{
	unsigned n = 0;

	while (readable_within(listener, ms)) {
		int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			break;
		close(fd);
		n++;
		ms = 0;
	}
	return n;
}

/* The helper's one line of output as uid under policy, checked. */
static void
expect_line(const char *policy, uid_t uid, const char *expect, const char *c1, const char *a1,
    const char *a2)
{
	char *out = run_as_in(policy, uid, c1, a1, a2, NULL, NULL, NULL, NULL, NULL, NULL);
	char *nl = strchr(out, '\n');

	ck_assert_msg(nl && nl[1] == '\0', "%s as %u under %s: '%s'", c1, (unsigned)uid, policy,
	    out);
	*nl = '\0';
	fprintf(stderr, "# %s as %u under %s: %s\n", c1, (unsigned)uid, policy, out);
	ck_assert_msg(line_matches(out, expect), "%s as %u under %s: got '%s', expected '%s'", c1,
	    (unsigned)uid, policy, out, expect);
	free(out);
}

/*
 * Runs cmd EP OTHER as each owner under each policy (its line matching
 * expect), then checks on the host that nothing reached other_fd (a UDP
 * socket, or a listener) and that the granted endpoint (granted_fd) got
 * its datagram "granted" or its one connection.
 */
static void
check_reaim(const char *cmd, const char *ep, const char *other, const char *expect, int other_fd,
    int granted_fd, bool dgram)
{
	for (size_t i = 0; i < ELEMENTSOF(relay_owners); i++)
		for (size_t j = 0; j < ELEMENTSOF(relay_policies); j++) {
			unsigned owner = (unsigned)relay_owners[i];
			const char *policy = relay_policies[j];

			expect_line(policy, relay_owners[i], expect, cmd, ep, other);
			ck_assert_msg(dgram ? !readable_within(other_fd, 200) :
			    drain_listener(other_fd, 200) == 0,
			    "owner %u, %s: %s reached the other endpoint", owner, policy, cmd);
			ck_assert_msg(dgram ? udp_got(granted_fd, "granted", 5000) :
			    drain_listener(granted_fd, 5000) == 1,
			    "owner %u, %s: %s: the granted endpoint got nothing", owner, policy, cmd);
		}
}

/* check_reaim() for the udp or tcp endpoint, against another loopback port. */
static void
check_inet_reaim(bool dgram)
{
	char ep[64], port[16];
	unsigned other_port;
	int other = loopback_socket(dgram ? SOCK_DGRAM : SOCK_STREAM, &other_port);

	snprintf(ep, sizeof(ep), "%s:127.0.0.1:%u", dgram ? "udp" : "tcp",
	    dgram ? udp_port : tcp_port);
	snprintf(port, sizeof(port), "%u", other_port);
	if (dgram)
		check_reaim("sock-udp-reaim", ep, port, "sendto=* connect=* send=* granted=OK",
		    other, udp_granted, true);
	else
		check_reaim("sock-tcp-reaim", ep, port, "unspec=* connect=* write=*", other,
		    tcp_listener, false);
	close(other);
}

/* Case 8d: a udp socket cannot be sent to, or connected to, another
 * host port; the granted endpoint still works. */
START_TEST(relay_udp_reaim)
{
	check_inet_reaim(true);
}
END_TEST

/* Case 8e: connect(AF_UNSPEC) then connect() elsewhere reaches nothing. */
START_TEST(relay_tcp_reaim)
{
	check_inet_reaim(false);
}
END_TEST

/*
 * A sandbox of uid's under policy, its stdin and stdout ours, through a
 * client process of that uid (killing it kills the sandbox, since it is
 * not detached). Reads until the helper says "ready".
 */
struct held {
	pid_t	client;
	int	in, out;
	char	buf[8192];
	size_t	len;
};

static void
hold_spawn(uid_t uid, const char *policy, const char *const *args, struct held *h)
{
	int in[2], out[2];

	memset(h, 0, sizeof(*h));
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	h->client = fork();
	ck_assert_int_ge(h->client, 0);
	if (h->client == 0) {
		const char *argv[64];
		sandbox_spawn_options *o;
		sandbox_client *c;
		sandbox_exit ex;
		uint64_t id;
		size_t n = 0;

		argv[n++] = HELPER;
		while (*args && n < 63)
			argv[n++] = *args++;
		argv[n] = NULL;
		/* Only the sandbox may hold the helper's stdin open. */
		close(in[1]);
		close(out[0]);
		if (uid != 0 && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0))
			_exit(10);
		if (sandbox_client_connect(td->socket, &c) < 0 || sandbox_spawn_options_new(&o) < 0 ||
		    sandbox_spawn_options_set_policy(o, policy) < 0 ||
		    sandbox_spawn_options_set_stdio(o, in[0], out[1], out[1]) < 0 ||
		    sandbox_spawn(c, o, (char *const *)argv, &id) < 0)
			_exit(11);
		if (sandbox_wait(c, id, 120000, &ex) < 0)
			_exit(12);
		_exit(ex.exited && ex.status == 0 ? 0 : 13);
	}
	close(in[0]);
	close(out[1]);
	h->in = in[1];
	h->out = out[0];
	while (!strstr(h->buf, "ready\n")) {
		ssize_t k;

		ck_assert_msg(readable_within(h->out, 30000), "helper not ready after 30 s: %s",
		    h->buf);
		k = read(h->out, h->buf + h->len, sizeof(h->buf) - 1 - h->len);
		ck_assert_msg(k > 0, "helper output ended early: %s", h->buf);
		h->len += (size_t)k;
		h->buf[h->len] = '\0';
	}
}

/* Lets the helper finish (kill: kills its client, so the sandbox);
 * returns the client's wait status. */
static int
hold_end(struct held *h, bool kill_it)
{
	int st = -1;

	if (kill_it)
		kill(h->client, SIGKILL);
	close(h->in);
	ck_assert_int_eq(waitpid(h->client, &st, 0), h->client);
	close(h->out);
	return st;
}

/* Whether /proc/net/tcp or tcp6 shows a LISTEN socket with this inode. */
static bool
host_listens(unsigned long long ino)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	bool found = false;

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		FILE *f = fopen(files[i], "re");
		char line[512];

		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f)) {
			unsigned st;
			unsigned long long inode;

			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %*s %*s %llu", &st, &inode) == 2 &&
			    st == 0x0A && inode == ino)
				found = true;
		}
		fclose(f);
	}
	return found;
}

/* Whether the host's network namespace has the abstract UNIX name. */
static bool
host_has_abstract(const char *name)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[512], *at;
	bool found = false;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if ((at = strchr(line, '@')) && strncmp(at + 1, name, strlen(name)) == 0 &&
		    (at[1 + strlen(name)] == '\n' || at[1 + strlen(name)] == '\0'))
			found = true;
	fclose(f);
	return found;
}

/* Case 8f: connect(AF_UNSPEC) and listen(), with or without bind(),
 * opens no listening socket in the host's namespace; nor can the socket
 * take an abstract UNIX name there. */
START_TEST(relay_no_host_listener)
{
	static const char *const hows[] = { "listen", "bind" };
	char ep[64];

	snprintf(ep, sizeof(ep), "tcp:127.0.0.1:%u", tcp_port);
	for (size_t i = 0; i < ELEMENTSOF(relay_owners); i++)
		for (size_t j = 0; j < ELEMENTSOF(relay_policies); j++)
			for (size_t k = 0; k < ELEMENTSOF(hows); k++) {
				const char *args[] = { "sock-listen", ep, hows[k], "wait", NULL };
				unsigned long long ino = 0;
				unsigned port = 0;
				struct held h;
				const char *at;

				hold_spawn(relay_owners[i], relay_policies[j], args, &h);
				at = strstr(h.buf, " ino=");
				ck_assert_msg(at && sscanf(at, " ino=%llu", &ino) == 1, "%s", h.buf);
				ck_assert_msg(!host_listens(ino),
				    "owner %u, %s, %s: the host has a listener: %s",
				    (unsigned)relay_owners[i], relay_policies[j], hows[k], h.buf);
				ck_assert_msg(!host_has_abstract("sbx-relay-squat"),
				    "owner %u, %s, %s: the sandbox took a host name: %s",
				    (unsigned)relay_owners[i], relay_policies[j], hows[k], h.buf);
				/* Nor can the host reach the sandbox on a port. */
				at = strstr(h.buf, " name=inet:");
				if (at && sscanf(at, " name=inet:%u", &port) == 1 && port != 0) {
					struct sockaddr_in sa = { .sin_family = AF_INET };
					int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

					sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
					sa.sin_port = htons((uint16_t)port);
					ck_assert_msg(connect(fd, (struct sockaddr *)&sa,
					    sizeof(sa)) < 0, "owner %u, %s, %s: the host reached "
					    "the sandbox on port %u", (unsigned)relay_owners[i],
					    relay_policies[j], hows[k], port);
					close(fd);
				}
				ck_assert_int_eq(testlib_exit_code(hold_end(&h, false)), 0);
				drain_listener(tcp_listener, 2000);
			}
}
END_TEST

/* Case 8g: a connected UNIX socket (handed out as it is) cannot be
 * re-aimed either: connect(AF_UNSPEC), connect() elsewhere, listen() and
 * bind() fail. The socket was made in the host's network namespace, so
 * an abstract name bind() gave it would be one of the host's: the daemon
 * autobinds it before it connects. */
START_TEST(relay_unix_not_reaimed)
{
	char ep[512];
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	int other = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(su.sun_path, sizeof(su.sun_path), "%s", P("other.sock"));
	ck_assert_int_eq(bind(other, (struct sockaddr *)&su, sizeof(su)), 0);
	ck_assert_int_eq(listen(other, 4), 0);
	ck_assert_int_eq(chmod(P("other.sock"), 0777), 0);
	snprintf(ep, sizeof(ep), "unix:%s", P("sock"));
	ck_assert_int_eq(chmod(P("sock"), 0777), 0);
	check_reaim("sock-unix-reaim", ep, P("other.sock"),
	    "unspec=ERR * connect=ERR * connect-here=ERR * bind=ERR * listen=ERR *", other, unix_listener, false);
	close(other);
}
END_TEST

#define XFER_UP   (32u * 1024 * 1024 + 13)	/* target → host */
#define XFER_DOWN (16u * 1024 * 1024 + 7)	/* host → target, after the target's EOF */

static uint64_t
xfer_sum(uint32_t seed, uint64_t n)
{
	uint64_t h = RELAY_STREAM_SUM_START;

	for (uint64_t i = 0; i < n; i++) {
		uint8_t b = relay_stream_byte(seed, i);

		relay_stream_sum(&h, &b, 1);
	}
	return h;
}

/* The host's side of "sock-xfer": read to EOF, then answer and close. */
struct xfer_server {
	pthread_t	thread;
	uint64_t	got, sum, sent;
	int		error;
};

static void *
xfer_server_run(void *p)
{
	struct xfer_server *x = p;
	static uint8_t buf[65536];
	int fd;

	x->sum = RELAY_STREAM_SUM_START;
	if (!readable_within(tcp_listener, 60000) ||
	    (fd = accept4(tcp_listener, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		x->error = errno ? errno : ETIMEDOUT;
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0) {
			if (n < 0)
				x->error = errno;
			break;
		}
		relay_stream_sum(&x->sum, buf, (size_t)n);
		x->got += (uint64_t)n;
	}
	while (!x->error && x->sent < XFER_DOWN) {
		size_t k = XFER_DOWN - x->sent < sizeof(buf) ? XFER_DOWN - x->sent : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < k; i++)
			buf[i] = relay_stream_byte(2, x->sent + i);
		w = send(fd, buf, k, MSG_NOSIGNAL);
		if (w < 0)
			x->error = errno;
		else
			x->sent += (uint64_t)w;
	}
	close(fd);
	return NULL;
}

/* The helper as uid in a thread, so that this one can watch the daemon. */
struct xfer_client {
	pthread_t	thread;
	uid_t		uid;
	const char	*ep, *n;
	char		*out, *err;
	int		status;
	volatile bool	done;
};

static void *
xfer_client_run(void *p)
{
	struct xfer_client *x = p;

	x->status = testlib_sandboxctl_as(x->uid, x->uid, &x->out, &x->err, "run", "--policy",
	    "broker", "--", HELPER, "sock-xfer", x->ep, x->n, NULL);
	x->done = true;
	return NULL;
}

/* Case 8h: several MiB each way, checksummed, around a half-close: the
 * host answers after the target's shutdown(SHUT_WR) and closes, and the
 * target reads it to EOF. Meanwhile the daemon answers `list` promptly. */
START_TEST(relay_bulk_half_close)
{
	char ep[64], n[32], expect[128];

	snprintf(ep, sizeof(ep), "tcp:127.0.0.1:%u", tcp_port);
	snprintf(n, sizeof(n), "%u", XFER_UP);
	snprintf(expect, sizeof(expect), "sent=%u got=%u sum=%016llx\n", XFER_UP, XFER_DOWN,
	    (unsigned long long)xfer_sum(2, XFER_DOWN));
	for (size_t i = 0; i < ELEMENTSOF(relay_owners); i++) {
		struct xfer_server srv = {};
		struct xfer_client cli = { .uid = relay_owners[i], .ep = ep, .n = n };
		sandbox_client *c = testlib_connect();
		long long worst = 0, lists = 0;

		ck_assert_int_eq(pthread_create(&srv.thread, NULL, xfer_server_run, &srv), 0);
		ck_assert_int_eq(pthread_create(&cli.thread, NULL, xfer_client_run, &cli), 0);
		while (!cli.done) {
			long long t0 = testlib_now_ms(), dt;
			sandbox_info **list;
			size_t n_list;

			ck_assert_int_eq(sandbox_list(c, &list, &n_list), 0);
			dt = testlib_now_ms() - t0;
			worst = dt > worst ? dt : worst;
			lists++;
			for (size_t k = 0; k < n_list; k++)
				sandbox_info_free(list[k]);
			free(list);
			usleep(20000);
		}
		pthread_join(cli.thread, NULL);
		pthread_join(srv.thread, NULL);
		sandbox_client_free(c);
		ck_assert_msg(testlib_exit_code(cli.status) == 0, "owner %u: status %d\n%s%s",
		    (unsigned)relay_owners[i], testlib_exit_code(cli.status), cli.out, cli.err);
		ck_assert_msg(srv.error == 0, "owner %u: host side: %s", (unsigned)relay_owners[i],
		    strerror(srv.error));
		ck_assert_msg(srv.got == XFER_UP && srv.sum == xfer_sum(1, XFER_UP),
		    "owner %u: the host got %llu bytes (sum %016llx)", (unsigned)relay_owners[i],
		    (unsigned long long)srv.got, (unsigned long long)srv.sum);
		ck_assert_msg(strcmp(cli.out, expect) == 0, "owner %u: got '%s', expected '%s'",
		    (unsigned)relay_owners[i], cli.out, expect);
		ck_assert_msg(worst < 1000, "owner %u: `list` took %lld ms during the transfer",
		    (unsigned)relay_owners[i], worst);
		fprintf(stderr, "# relay_bulk_half_close: owner %u: %lld lists, worst %lld ms\n",
		    (unsigned)relay_owners[i], lists, worst);
		free(cli.out);
		free(cli.err);
	}
}
END_TEST

/* The host's side of "sock-udp-echo": each datagram back as it came. */
struct udp_echo {
	pthread_t	thread;
	unsigned	n;
};

static void *
udp_echo_run(void *p)
{
	struct udp_echo *e = p;
	char buf[4096];

	while (readable_within(udp_granted, 15000)) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t k = recvfrom(udp_granted, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (k < 0)
			break;
		if (k == 3 && memcmp(buf, "end", 3) == 0)
			break;
		(void)sendto(udp_granted, buf, (size_t)k, 0, (struct sockaddr *)&from, len);
		e->n++;
	}
	return NULL;
}

/* Case 8i: a UDP round trip keeps each datagram whole, both ways. */
START_TEST(relay_udp_round_trip)
{
	char ep[64];
	int end = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)udp_port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(ep, sizeof(ep), "udp:127.0.0.1:%u", udp_port);
	for (size_t i = 0; i < ELEMENTSOF(relay_owners); i++) {
		struct udp_echo e = {};

		ck_assert_int_eq(pthread_create(&e.thread, NULL, udp_echo_run, &e), 0);
		expect_line("broker", relay_owners[i], "udp ok=300 bad=0", "sock-udp-echo", ep, "300");
		ck_assert_int_eq(sendto(end, "end", 3, 0, (struct sockaddr *)&sa, sizeof(sa)), 3);
		pthread_join(e.thread, NULL);
		ck_assert_uint_eq(e.n, 300);
	}
	close(end);
}
END_TEST

/* Accepts one connection and resets it (SO_LINGER 0) at once. */
static void *
reset_one(void *p)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int fd;

	(void)p;
	if (!readable_within(tcp_listener, 60000))
		return NULL;
	fd = accept4(tcp_listener, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
	}
	return NULL;
}

/* Case 8k: a reset by the host's peer ends the relay: the target's
 * writes fail (EPIPE, or ECONNRESET), as they would on the socket itself;
 * and so does a connect the host refuses (nothing listens any more). */
START_TEST(relay_reset)
{
	char ep[64];

	snprintf(ep, sizeof(ep), "tcp:127.0.0.1:%u", tcp_port);
	for (size_t i = 0; i < ELEMENTSOF(relay_owners); i++) {
		pthread_t th;

		ck_assert_int_eq(pthread_create(&th, NULL, reset_one, NULL), 0);
		expect_line("broker", relay_owners[i], "send ERR EPIPE|send ERR ECONNRESET",
		    "sock-xfer", ep, "67108864");
		pthread_join(th, NULL);
	}
	/* The broker connects before it answers: a refused connect is the
	 * request's own error. */
	close(tcp_listener);
	tcp_listener = -1;
	for (size_t i = 0; i < ELEMENTSOF(relay_owners); i++)
		expect_line("broker", relay_owners[i], "ERR ECONNREFUSED", "sock-xfer", ep,
		    "67108864");
}
END_TEST

/* Waits (≤ 10 s) for the daemon's fd count to come down to at most n. */
static unsigned
daemon_fds_down_to(unsigned n)
{
	unsigned now = testlib_count_fds_of(td->pid);

	for (int i = 0; i < 500 && now > n; i++) {
		usleep(20000);
		now = testlib_count_fds_of(td->pid);
	}
	return now;
}

/* Case 8j: RELAY_PER_TARGET_MAX (64) relayed sockets per sandbox, all
 * working; the next is refused with EDQUOT and logged. The sandbox
 * exiting (root's: killed; nobody's: it exits) closes the host side of
 * every one of them, and the daemon's fds come back to what they were. */
START_TEST(relay_cap_and_exit)
{
	enum { CAP = 64 };
	char ep[64], n[16];

	snprintf(ep, sizeof(ep), "tcp:127.0.0.1:%u", tcp_port);
	snprintf(n, sizeof(n), "%u", CAP + 1);
	for (size_t i = 0; i < ELEMENTSOF(relay_owners); i++) {
		const char *args[] = { "sock-many", ep, n, "wait", NULL };
		static int conns[CAP + 1];
		unsigned baseline, got = 0, eof = 0;
		long long t0;
		struct held h;
		char *out;

		/* One sandbox first, so that what the daemon keeps ready for
		 * the next spawn is in the baseline. */
		out = run_as(relay_owners[i], "sock-many", ep, "0", NULL, NULL, NULL, NULL, NULL, NULL);
		ck_assert_str_eq(out, "many ok=0 err=none\n");
		free(out);
		baseline = testlib_count_fds_of(td->pid);

		hold_spawn(relay_owners[i], "broker", args, &h);
		ck_assert_msg(strstr(h.buf, "many ok=64 err=EDQUOT\n"), "owner %u: %s",
		    (unsigned)relay_owners[i], h.buf);
		ck_assert_msg(testdaemon_wait_log(td, "relayed sockets open already", (unsigned)i + 1,
		    5000), "no notice in the log:\n%s", testdaemon_read_log(td));
		while (got < CAP + 1 && readable_within(tcp_listener, got < CAP ? 10000 : 200)) {
			char c = 0;

			conns[got] = accept4(tcp_listener, NULL, NULL, SOCK_CLOEXEC);
			ck_assert_int_ge(conns[got], 0);
			ck_assert_msg(readable_within(conns[got], 10000) &&
			    read(conns[got], &c, 1) == 1 && c == 'x', "connection %u: no data", got);
			got++;
		}
		ck_assert_uint_eq(got, CAP);

		t0 = testlib_now_ms();
		ck_assert_int_eq(testlib_exit_code(hold_end(&h, relay_owners[i] == 0)),
		    relay_owners[i] == 0 ? 128 + SIGKILL : 0);
		for (unsigned k = 0; k < got; k++) {
			char c;

			if (readable_within(conns[k], 10000) && read(conns[k], &c, 1) == 0)
				eof++;
			close(conns[k]);
		}
		ck_assert_msg(eof == got, "owner %u: %u of %u host connections saw EOF",
		    (unsigned)relay_owners[i], eof, got);
		fprintf(stderr, "# relay_cap_and_exit: owner %u: all EOF after %lld ms\n",
		    (unsigned)relay_owners[i], testlib_now_ms() - t0);
		ck_assert_uint_le(daemon_fds_down_to(baseline), baseline);
	}
}
END_TEST

/* Case 9: a read-only fd stays read-only (the file itself is 0666). */
START_TEST(reopen_read_only)
{
	const struct step s[] = {
		{ "reopen-rw", P("ro/w666"), NULL, "OK rdonly reopen=ERR E* write=ERR EBADF" },
	};

	struct stat st;

	/* Anyone could write it: only the fd's own access mode stops it. */
	ck_assert_int_eq(lstat(P("ro/w666"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0666);
	RUN_STEPS(s);
	ck_assert_str_eq(content("ro/w666"), "shared");
}
END_TEST

/* Case 9b: the same without Landlock, for root's and nobody's sandboxes: the
 * reopen meets a read-only mount (EROFS), whoever owns the sandbox; a FIFO
 * that others may write (which no mount guards) is not handed out under a
 * rule without write, one that they may not is. */
/* Case 9c: without Landlock a write-only grant stays write-only: a file
 * others may read (which a reopen through /proc/self/fd would read, as
 * the target) is refused, untouched; one others may not read opens, and
 * stays unreadable; a new one is not made readable by others. With
 * Landlock, Landlock stops the reopen. */
START_TEST(reopen_write_only)
{
	static const uid_t owners[] = { 0, NOBODY };
	struct stat st;
	char *out;

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "wo/new%u", (unsigned)owners[i]);
		expect_without_landlock(owners[i], "ERR EACCES\nOK\nOK wronly reopen=ERR EACCES\n",
		    "open", P("wo/public"), "w+trunc", "create", P(name), "644", "reopen-r",
		    P("wo/private"), NULL);
		ck_assert_str_eq(content("wo/public"), "PUBLIC");
		ck_assert_int_eq(lstat(P(name), &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, 0640);
	}
	out = run_as(0, "create", P("wo/landlocked"), "644", "reopen-r", P("wo/public"), NULL,
	    NULL, NULL, NULL);
	ck_assert_str_eq(out, "OK\nOK wronly reopen=ERR EACCES\n");
	free(out);
	ck_assert_int_eq(lstat(P("wo/landlocked"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
}
END_TEST

/* Case 9d: O_CREAT never creates through a symlink: a dangling one fails
 * with ELOOP and its target stays missing; an existing file reached
 * through a symlink the rule follows still opens. */
START_TEST(create_through_symlink)
{
	static const uid_t owners[] = { 0, NOBODY };

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		char *out = run_as(owners[i], "open", P("cr/dangling"), "w+creat", "open",
		    P("cr/toexisting"), "r+creat", NULL, NULL, NULL);

		ck_assert_msg(strcmp(out, "ERR ELOOP\nOK exists\n") == 0, "owner %u: %s",
		    (unsigned)owners[i], out);
		free(out);
		ck_assert(!exists("cr/made-through-link"));
	}
}
END_TEST

START_TEST(reopen_read_only_without_landlock)
{
	static const uid_t owners[] = { 0, NOBODY };
	char *out;

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		expect_without_landlock(owners[i], "OK rdonly reopen=ERR EROFS write=ERR EBADF\n"
		    "OK alpha\n", "reopen-rw", P("ro/w666"), "open", P("ro/a"), "r", NULL, NULL,
		    NULL, NULL);
		ck_assert_str_eq(content("ro/w666"), "shared");
		expect_without_landlock(owners[i], "ERR EACCES\nOK fifo\n", "open",
		    P("rospecial/shared"), "r", "open", P("rospecial/private"), "r", NULL, NULL,
		    NULL);
	}
	/* With Landlock, Landlock guards the FIFO. */
	out = run_as(0, "open", P("rospecial/shared"), "r", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_str_eq(out, "OK fifo\n");
	free(out);
}
END_TEST

/* Case 13: a directory fd from the broker lists the tree. */
START_TEST(getdents)
{
	const struct step s[] = {
		{ "getdents", P("ro"), NULL,
		  "OK a,abs,d1,fifo,proc,rel,relsub,sub,up,w666" },
		{ "getdents", P("ro/sub"), NULL, "OK b,emptydir" },
		{ "getdents", P("rw"), NULL, "OK f" },
		{ "getdents", P("ro/a"), NULL, "ERR ENOTDIR" },
		{ "getdents", base, NULL, "ERR EACCES" },
		{ "readdir", P("ro/sub"), NULL, "OK b:reg,emptydir:dir" },
	};

	RUN_STEPS(s);
}
END_TEST

/* Case 13b: without Landlock no directory fd leaves the broker (openat(fd,
 * "..") would reach the host tree); READDIR lists instead, a page at a
 * time, with the owner's permissions and the rule's read right. */
START_TEST(directories_without_landlock)
{
	static const uid_t owners[] = { 0, NOBODY };
	char *out;

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		expect_without_landlock(owners[i], "ERR EISDIR\nERR EISDIR\nERR EISDIR\n",
		    "open", P("ro"), "r+directory", "open", P("ro/sub"), "r", "getdents",
		    P("ro/sub"), NULL);
		expect_without_landlock(owners[i], "OK closed:dir,many:dir,x:reg,y:dir,z:lnk\n"
		    "OK 300 entries, 300 unique\nERR ENOTDIR\n", "readdir", P("rdir"),
		    "readdir", P("rdir/many"), "readdir", P("rdir/x"), NULL, NULL, NULL);
		/* The owner's permissions; no rule; out of the rule. */
		expect_without_landlock(owners[i], owners[i] == 0 ?
		    "OK f:reg\nERR EACCES\nERR EXDEV\n" : "ERR EACCES\nERR EACCES\nERR EXDEV\n",
		    "readdir", P("rdir/closed"), "readdir", P("outside"), "readdir",
		    P("rdir/../outside"), NULL, NULL, NULL);
	}
	/* Where Landlock is in force, directories are still handed out. */
	out = run_as(0, "open", P("ro"), "r+directory", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_str_eq(out, "OK dir\n");
	free(out);
}
END_TEST

/* Case 10: 4 sandboxes × 250 opens over 8 threads each, at once. */
struct flood_run {
	int i;
	int spawn_r;
	struct testlib_run run;
};

static void *
flood_thread(void *p)
{
	struct flood_run *f = p;
	char path[512], expect[32];
	const char *argv[] = { HELPER, "flood", "250", "8", path, expect, NULL };
	sandbox_client *c = NULL;
	sandbox_spawn_options *o = NULL;

	snprintf(path, sizeof(path), "%s/flood/f%d", base, f->i);
	snprintf(expect, sizeof(expect), "file%d", f->i);
	f->spawn_r = sandbox_client_connect(NULL, &c);
	if (f->spawn_r < 0)
		return NULL;
	f->spawn_r = sandbox_spawn_options_new(&o);
	if (f->spawn_r >= 0)
		f->spawn_r = sandbox_spawn_options_set_policy(o, "broker");
	if (f->spawn_r >= 0)
		f->spawn_r = testlib_spawn(c, o, NULL, argv, 90000, &f->run);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
	return NULL;
}

START_TEST(concurrency)
{
	struct flood_run f[4] = {};
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		f[i].i = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, flood_thread, &f[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_msg(f[i].spawn_r == 0, "sandbox %d: spawn %s", i, strerror(-f[i].spawn_r));
		ck_assert_msg(f[i].run.wait_r == 0 && f[i].run.exited && f[i].run.status == 0,
		    "sandbox %d: wait %d exited %d status %d: %s %s", i, f[i].run.wait_r,
		    f[i].run.exited, f[i].run.status, f[i].run.out, f[i].run.err);
		ck_assert_str_eq(f[i].run.out, "flood ok=250 bad=0 err=0\n");
		testlib_run_done(&f[i].run);
	}
}
END_TEST

/* Case 11: garbage closes that one channel; everyone else is served. */
START_TEST(garbage)
{
	static const char *const kinds[] = { "short", "type", "flags", "fds", "big", "string" };
	const char *other[] = { "open", P("ro/a"), "r", NULL };
	struct testlib_run run;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *args[] = { "garbage", kinds[i], "open", P("ro/a"), "r", NULL };

		/* run_helper asserts the target itself ran on (exit 0). */
		run_helper(args, &run);
		ck_assert_msg(strcmp(run.out, "ERR ENOTCONN\nERR ENOTCONN\n") == 0,
		    "garbage %s: %s", kinds[i], run.out);
		testlib_run_done(&run);
		ck_assert_msg(testdaemon_wait_log(td, "closing the channel", (unsigned)i + 1, 5000),
		    "garbage %s: no notice in the log", kinds[i]);
	}
	run_helper(other, &run);
	ck_assert_str_eq(run.out, "OK alpha\n");
	testlib_run_done(&run);
}
END_TEST

/* Case 12: denials are counted, shown by status, logged once. */
START_TEST(denials)
{
	const char *args[] = {
		"open", P("ro/a"), "w", "open", P("ro/a"), "w", "open", P("ro/a"), "w",
		"open", P("ro/a"), "w", "open", P("ro/a"), "w", "open", P("ro/a"), "w",
		"open", P("ro/a"), "w", "open", P("ro/a"), "w", "open", P("ro/a"), "w",
		"open", P("ro/a"), "w", "open", P("ro/a"), "r", "wait", NULL,
	};
	char ids[32], *out = NULL, *err = NULL, *needle, *want;
	struct waiting w;
	sandbox_info *info = NULL;
	const char *last;
	int st;

	spawn_waiting(args, &w);
	ck_assert_str_eq(w.buf, "ERR EACCES\nERR EACCES\nERR EACCES\nERR EACCES\nERR EACCES\n"
	    "ERR EACCES\nERR EACCES\nERR EACCES\nERR EACCES\nERR EACCES\nOK alpha\nready\n");

	snprintf(ids, sizeof(ids), "%llu", (unsigned long long)w.id);
	st = testlib_sandboxctl(NULL, &out, &err, "status", ids, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "status: %s %s", out, err);
	ck_assert_msg(strstr(out, "Broker requests: 11 (10 denied)\n"), "status:\n%s", out);
	want = testlib_asprintf("Last denial: open '%s': ", P("ro/a"));
	ck_assert_msg(strstr(out, want), "status lacks '%s':\n%s", want, out);
	free(want);
	free(out);
	free(err);

	ck_assert_int_eq(sandbox_status(w.c, w.id, &info), 0);
	ck_assert_uint_eq(sandbox_info_get_broker_requests(info), 11);
	ck_assert_uint_eq(sandbox_info_get_broker_denied(info), 10);
	last = sandbox_info_get_last_denial(info);
	ck_assert_msg(last && strstr(last, P("ro/a")), "last denial: %s", last ? last : "(null)");
	sandbox_info_free(info);

	needle = testlib_asprintf("broker denied open '%s'", P("ro/a"));
	ck_assert_msg(testdaemon_wait_log(td, needle, 1, 5000), "no '%s' in the log", needle);
	ck_assert_uint_eq(testdaemon_log_count(td, needle), 1);
	free(needle);
	needle = testlib_asprintf("(owner uid 0): broker denied open '%s': Permission denied.", P("ro/a"));
	ck_assert_msg(testdaemon_log_count(td, needle) == 1, "log line not as documented: %s",
	    testdaemon_read_log(td));
	free(needle);
	finish_waiting(&w);
}
END_TEST

/*
 * Class 5: one request into a file system that never answers stalls
 * nobody else. tests/integration/helpers/fuse-stall is mounted at
 * ro/stall, below the "ro" tree; it answers INIT and holds every LOOKUP
 * (and tells us each one it got), so a brokered open of ro/stall/NAME
 * blocks its worker in the kernel until the server answers or dies. The
 * daemon runs with BrokerTimeoutSec=1. Each case runs with root
 * (_i == 0) and with nobody (_i == 1) as the owner of every sandbox it
 * starts; the helper is started with sandboxctl as that user. The
 * server of a case that fails unmounts itself when the case's process
 * dies (PR_SET_PDEATHSIG); case_down detaches whatever is left.
 */
#define STALL_STUCK_MAX 4	/* BROKER_STUCK_MAX: stuck requests per sandbox */
#define STALL_ROUNDS 5

/* Lines from a pipe, read with a deadline. */
struct lines {
	int	fd;
	size_t	len;
	char	buf[8192];
	char	line[4096];
	char	seen[16384];		/* every line so far, for messages */
};

/* Up to 16 KiB of a file ("" if unreadable); malloc'd. */
static char *
read_text(const char *path)
{
	char *buf = calloc(1, 16384);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (!buf)
		abort();
	while (fd >= 0 && len < 16383 && (n = read(fd, buf + len, 16383 - len)) > 0)
		len += (size_t)n;
	if (fd >= 0)
		close(fd);
	return buf;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The next line (without its newline) within timeout_ms, or NULL. */
static const char *
next_line(struct lines *l, int timeout_ms)
{
	double deadline = now_s() + timeout_ms / 1000.0;

	for (;;) {
		char *nl = memchr(l->buf, '\n', l->len);
		struct pollfd p = { l->fd, POLLIN, 0 };
		ssize_t n;
		int left;

		if (nl) {
			size_t k = (size_t)(nl - l->buf);

			snprintf(l->line, sizeof(l->line), "%.*s", (int)k, l->buf);
			memmove(l->buf, nl + 1, l->len - k - 1);
			l->len -= k + 1;
			if (strlen(l->seen) + k + 2 < sizeof(l->seen))
				strcat(strcat(l->seen, l->line), "\n");
			return l->line;
		}
		left = (int)((deadline - now_s()) * 1000);
		if (left < 0 || l->len == sizeof(l->buf) || poll(&p, 1, left) <= 0)
			return NULL;
		n = read(l->fd, l->buf + l->len, sizeof(l->buf) - l->len);
		if (n <= 0)
			return NULL;
		l->len += (size_t)n;
	}
}

/* Reads lines until one matches the fnmatch() pattern; asserts it came. */
static const char *
await_line(struct lines *l, const char *pattern, int timeout_ms, const char *what)
{
	double deadline = now_s() + timeout_ms / 1000.0;
	const char *line;

	do {
		line = next_line(l, (int)((deadline - now_s()) * 1000));
		if (line && fnmatch(pattern, line, 0) == 0)
			return line;
	} while (line);
	ck_abort_msg("%s: no '%s' within %d ms; got:\n%s", what, pattern, timeout_ms, l->seen);
	return NULL;
}

/* The FUSE server of the running case. */
static struct {
	pid_t		pid;
	int		in;
	struct lines	out;
	struct testlib_leftover *left;	/* where case_down finds it */
} fz = { .in = -1 };	/* pid < 0: killed by the case */

static void
stall_setup(void)
{
	const char *mnt, *ready;
	int in[2], out[2];
	char *bin;

	dir("ro/stall");
	mnt = P("ro/stall");
	bin = testlib_asprintf("%s/fuse-stall", testlib_helpers_dir());
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	fz.pid = fork();
	ck_assert_int_ge(fz.pid, 0);
	if (fz.pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(126);
		execl(bin, bin, mnt, (char *)NULL);
		_exit(127);
	}
	free(bin);
	close(in[0]);
	close(out[1]);
	fz.in = in[1];
	memset(&fz.out, 0, sizeof(fz.out));
	fz.out.fd = out[0];
	fz.left = testlib_leftover_find(td->pid);
	if (fz.left) {
		fz.left->fuse_pid = fz.pid;
		snprintf(fz.left->fuse_mnt, sizeof(fz.left->fuse_mnt), "%s", mnt);
	}
	ready = await_line(&fz.out, "ready *", 10000, "fuse-stall");
	if (fz.left)
		snprintf(fz.left->fuse_conn, sizeof(fz.left->fuse_conn), "%s",
		    ready + strlen("ready "));
}

/* After the server is gone: nothing stays mounted or connected. */
static void
stall_detach(const char *mnt, const char *conn)
{
	const char *minor = strchr(conn, ':');
	char path[128];
	int fd;

	(void)umount2(mnt, MNT_DETACH);
	/* Closing /dev/fuse (the server's exit) aborts the connection; where
	 * fusectl is mounted, make sure. */
	if (!minor)
		return;
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%s/abort", minor + 1);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			fprintf(stderr, "# abort %s: %m\n", path);
		close(fd);
	}
}

/* Ends the server: end of input (it unmounts), else SIGKILL. */
static void
stall_stop(void)
{
	int st;

	if (fz.pid == 0)
		return;
	if (fz.in >= 0)
		close(fz.in);
	fz.in = -1;
	for (int t = 0; fz.pid > 0 && t < 250 && waitpid(fz.pid, &st, WNOHANG) == 0; t++)
		usleep(20000);
	if (fz.pid > 0 && kill(fz.pid, SIGKILL) == 0)
		waitpid(fz.pid, &st, 0);
	fz.pid = 0;
	close(fz.out.fd);
	stall_detach(P("ro/stall"), fz.left ? fz.left->fuse_conn : "");
	if (fz.left)
		fz.left->fuse_mnt[0] = '\0';
	fz.left = NULL;
}

/* The server dies at once; the kernel fails what it held with ENOTCONN. */
static void
stall_kill(void)
{
	int st;

	ck_assert_int_eq(kill(fz.pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(fz.pid, &st, 0), fz.pid);
	fz.pid = -fz.pid;
}

static void
stall_teardown(void)
{
	stall_stop();
}

static void
stall_case_up(void)
{
	daemon_conf = "[Daemon]\nBrokerTimeoutSec=1\n";
}

static void
stall_case_down(void)
{
	daemon_conf = NULL;
}

/*
 * For stall_sigterm: LeakSanitizer's check at exit (in ASan builds) stops
 * every thread with ptrace first, which waits for a thread stuck in FUSE,
 * so there the daemon's exit would wait for its stuck workers; its
 * daemons run without leak detection (the other stall cases keep it).
 */
static char *saved_asan_options;

static void
stall_exit_case_up(void)
{
	const char *old = getenv("ASAN_OPTIONS");
	char *v = testlib_asprintf("%s%sdetect_leaks=0", old ? old : "", old && *old ? ":" : "");

	saved_asan_options = old ? strdup(old) : NULL;
	setenv("ASAN_OPTIONS", v, 1);
	free(v);
	stall_case_up();
}

static void
stall_exit_case_down(void)
{
	if (saved_asan_options)
		setenv("ASAN_OPTIONS", saved_asan_options, 1);
	else
		unsetenv("ASAN_OPTIONS");
	free(saved_asan_options);
	saved_asan_options = NULL;
	stall_case_down();
}

/* Whether FUSE mounts can work here; the reason if not. */
static const char *
fuse_unavailable(void)
{
	char *fs = read_text("/proc/filesystems");
	bool have = strstr(fs, "\tfuse\n") != NULL;

	free(fs);
	if (access("/dev/fuse", R_OK | W_OK) < 0)
		return "/dev/fuse is missing";
	if (!have)
		return "the kernel has no file system type fuse";
	return NULL;
}

/* A sandbox running the helper, started with "sandboxctl run" as uid;
 * its stdin and stdout are our pipes. */
struct stalled {
	pid_t		pid;
	int		in;
	struct lines	out;
};

static void
stalled_start(uid_t uid, const char *const *args, struct stalled *s)
{
	const char *argv[64] = { getenv("SANDBOXCTL"), "run", "--policy", "broker", "--", HELPER };
	size_t n = 6;
	int in[2], out[2];

	ck_assert(argv[0]);
	for (; *args; args++) {
		ck_assert(n < 63);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(126);
		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(126);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->in = in[1];
	memset(&s->out, 0, sizeof(s->out));
	s->out.fd = out[0];
}

/* Lets the helper go on after "pause". */
static void
stalled_resume(struct stalled *s)
{
	ck_assert_int_eq(write(s->in, "\n", 1), 1);
}

/* Ends it: stdin closed, the rest read; returns sandboxctl's exit code. */
static int
stalled_finish(struct stalled *s)
{
	int st = 0;

	close(s->in);
	while (next_line(&s->out, 30000))
		;
	close(s->out.fd);
	ck_assert_int_eq(waitpid(s->pid, &st, 0), s->pid);
	return testlib_exit_code(st);
}

/* The seconds in a timed-open line "ERR ETIMEDOUT 1.002s". */
static double
line_secs(const char *line)
{
	const char *sp = strrchr(line, ' ');
	double t;

	ck_assert_msg(sp && sscanf(sp, " %lfs", &t) == 1, "no time in '%s'", line);
	return t;
}

/* Threads of pid blocked in a FUSE request. */
static unsigned
stuck_threads(pid_t pid)
{
	char *path = testlib_asprintf("/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	struct dirent *de;
	unsigned n = 0;

	ck_assert_msg(d, "%s: %m", path);
	while ((de = readdir(d))) {
		char *w, *wp;

		if (de->d_name[0] == '.')
			continue;
		wp = testlib_asprintf("%s/%s/wchan", path, de->d_name);
		w = read_text(wp);
		if (strcmp(w, "request_wait_answer") == 0)
			n++;
		free(w);
		free(wp);
	}
	closedir(d);
	free(path);
	return n;
}

/* Polls until f(pid) == want (or, at_most, <= want) (≤ timeout_ms);
 * returns the last value. */
static unsigned
wait_count(unsigned (*f)(pid_t), pid_t pid, unsigned want, bool at_most, int timeout_ms)
{
	double deadline = now_s() + timeout_ms / 1000.0;
	unsigned v;

	while ((v = f(pid)) != want && !(at_most && v < want) && now_s() < deadline)
		usleep(20000);
	return v;
}

/* The daemon's open fds once their number has held for 250 ms (≤ 5 s):
 * just after a spawn, one it used may not be closed yet. */
static int
settled_fds(void)
{
	unsigned v = testlib_count_fds_of(td->pid), same = 0;

	for (int t = 0; t < 100 && same < 5; t++) {
		unsigned w;

		usleep(50000);
		w = testlib_count_fds_of(td->pid);
		same = w == v ? same + 1 : 0;
		v = w;
	}
	return (int)v;
}

/* Asserts that, within 5 s, stuck daemon threads are blocked in FUSE and
 * (fds >= 0) the daemon holds no more than fds open fds. */
static void
expect_daemon(unsigned stuck, int fds, const char *when)
{
	unsigned v = wait_count(stuck_threads, td->pid, stuck, false, 5000);

	ck_assert_msg(v == stuck, "%s: %u daemon threads stuck in FUSE, not %u", when, v, stuck);
	if (fds < 0)
		return;
	v = wait_count(testlib_count_fds_of, td->pid, (unsigned)fds, true, 5000);
	ck_assert_msg(v <= (unsigned)fds, "%s: the daemon holds %u fds, %d before the stall", when,
	    v, fds);
}

static uid_t
loop_owner(int i)
{
	return i == 0 ? 0 : NOBODY;
}

/* (a) A request into the stalled file system: ETIMEDOUT after about
 * BrokerTimeoutSec, having reached the file system; the sandbox's next
 * request, to a healthy file, is served at once. */
START_TEST(stall_timeout)
{
	const char *args[] = { "timed-open", P("ro/stall/a"), "r", "timed-open", P("ro/a"), "r",
		NULL };
	struct stalled s;
	const char *line;
	double t;

	stalled_start(loop_owner(_i), args, &s);
	await_line(&fz.out, "LOOKUP a", 10000, "fuse-stall");
	line = next_line(&s.out, 10000);
	ck_assert_msg(line, "no reply to the stalled open within 10 s:\n%s", s.out.seen);
	ck_assert_msg(fnmatch("ERR ETIMEDOUT *s", line, 0) == 0, "stalled open: '%s'", line);
	t = line_secs(line);
	fprintf(stderr, "# owner %u: stalled open answered ETIMEDOUT after %.3f s\n",
	    (unsigned)loop_owner(_i), t);
	ck_assert_msg(t >= 0.9 && t < 5, "ETIMEDOUT after %.3f s, not about 1 s", t);
	line = await_line(&s.out, "OK alpha *s", 10000, "the next request");
	ck_assert_msg(line_secs(line) < 0.1, "the next request, with one stuck: %s", line);
	ck_assert_int_eq(stalled_finish(&s), 0);
}
END_TEST

/* What the owner got from the daemon while a request of theirs stalled. */
struct served {
	bool	connected;
	int	rounds;
	char	step[64];		/* what was under way */
	char	err[1024];
	double	list_ms[STALL_ROUNDS], spawn_ms[STALL_ROUNDS], open_ms[STALL_ROUNDS];
};

/* In a child, as uid: connects, says so (sv->connected), waits for a byte
 * on go, then STALL_ROUNDS times "list", a spawn (the time to its reply)
 * and that sandbox's brokered open of path (timed inside it). */
static void
serve_rounds(uid_t uid, const char *path, int go, struct served *sv)
{
	const char *argv[] = { HELPER, "timed-open", path, "r", NULL };
	sandbox_client *c = NULL;
	char b;

	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
		_exit(1);
	if (sandbox_client_connect(NULL, &c) < 0)
		_exit(1);
	sv->connected = true;
	if (read(go, &b, 1) != 1)
		_exit(1);
	for (int i = 0; i < STALL_ROUNDS; i++) {
		sandbox_spawn_options *o = NULL;
		sandbox_info **v = NULL;
		char out[512] = "";
		size_t n = 0, len = 0;
		sandbox_exit ex;
		uint64_t id;
		double t0;
		ssize_t k;
		int p[2], r;

		snprintf(sv->step, sizeof(sv->step), "round %d: list", i);
		t0 = now_s();
		r = sandbox_list(c, &v, &n);
		sv->list_ms[i] = (now_s() - t0) * 1000;
		if (r < 0) {
			snprintf(sv->err, sizeof(sv->err), "%s: %s", sv->step, strerror(-r));
			_exit(1);
		}
		sandbox_info_list_free(v, n);

		snprintf(sv->step, sizeof(sv->step), "round %d: spawn", i);
		if (pipe2(p, O_CLOEXEC) < 0 || sandbox_spawn_options_new(&o) < 0 ||
		    sandbox_spawn_options_set_policy(o, "broker") < 0 ||
		    sandbox_spawn_options_set_stdio(o, -1, p[1], p[1]) < 0)
			_exit(1);
		t0 = now_s();
		r = sandbox_spawn(c, o, (char *const *)argv, &id);
		sv->spawn_ms[i] = (now_s() - t0) * 1000;
		sandbox_spawn_options_free(o);
		close(p[1]);
		if (r < 0) {
			snprintf(sv->err, sizeof(sv->err), "%s: %s (%s)", sv->step, strerror(-r),
			    sandbox_client_last_error(c));
			_exit(1);
		}
		snprintf(sv->step, sizeof(sv->step), "round %d: the other sandbox's open", i);
		while ((k = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
			len += (size_t)k;
		out[len] = '\0';
		close(p[0]);
		r = sandbox_wait(c, id, 30000, &ex);
		if (r < 0 || sscanf(out, "OK alpha %lfs", &sv->open_ms[i]) != 1) {
			snprintf(sv->err, sizeof(sv->err), "%s: wait %d, output '%s'", sv->step, r,
			    out);
			_exit(1);
		}
		sv->open_ms[i] *= 1000;
		sv->rounds = i + 1;
	}
	sandbox_client_free(c);
	_exit(0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints the figures; asserts their median is under 100 ms. */
static void
check_served(uid_t uid, const char *what, const double *ms)
{
	double sorted[STALL_ROUNDS];
	char figures[256] = "";

	for (int i = 0; i < STALL_ROUNDS; i++)
		snprintf(figures + strlen(figures), sizeof(figures) - strlen(figures), " %.1f",
		    ms[i]);
	fprintf(stderr, "# owner %u, during a stalled open: %s in ms:%s\n", (unsigned)uid, what,
	    figures);
	memcpy(sorted, ms, sizeof(sorted));
	qsort(sorted, STALL_ROUNDS, sizeof(sorted[0]), cmp_double);
	ck_assert_msg(sorted[STALL_ROUNDS / 2] < 100, "%s: median %.1f ms (%s ms)", what,
	    sorted[STALL_ROUNDS / 2], figures);
}

/* (b) While a sandbox's open stalls (three in a row: about 3 s), its
 * owner's "list", new spawns and another sandbox's brokered opens are
 * served at once. Each is measured STALL_ROUNDS times; the median must
 * be under 100 ms (one slow figure on a busy machine is not a stall). */
START_TEST(stall_others_served)
{
	const char *args[] = { "timed-open", P("ro/stall/b1"), "r", "timed-open", P("ro/stall/b2"),
		"r", "timed-open", P("ro/stall/b3"), "r", NULL };
	const char *path = P("ro/a");
	uid_t uid = loop_owner(_i);
	struct served *sv;
	struct stalled s;
	double deadline;
	int go[2], st;
	pid_t pid;

	sv = mmap(NULL, sizeof(*sv), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(sv != MAP_FAILED);
	memset(sv, 0, sizeof(*sv));
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		serve_rounds(uid, path, go[0], sv);
	close(go[0]);
	deadline = now_s() + 10;
	while (!sv->connected && now_s() < deadline)
		usleep(10000);
	ck_assert_msg(sv->connected, "owner %u could not connect", (unsigned)uid);
	stalled_start(uid, args, &s);
	await_line(&fz.out, "LOOKUP b1", 10000, "fuse-stall");
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	deadline = now_s() + 20;
	while (waitpid(pid, &st, WNOHANG) == 0 && now_s() < deadline)
		usleep(10000);
	if (now_s() >= deadline) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		ck_abort_msg("owner %u: %s not answered within 20 s of a stalled open",
		    (unsigned)uid, sv->step);
	}
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0 && sv->rounds == STALL_ROUNDS,
	    "owner %u: %s failed: %s", (unsigned)uid, sv->step, sv->err);
	check_served(uid, "list", sv->list_ms);
	check_served(uid, "spawn reply", sv->spawn_ms);
	check_served(uid, "another sandbox's open", sv->open_ms);
	for (int i = 1; i <= 3; i++)
		await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "stalled open");
	ck_assert_int_eq(stalled_finish(&s), 0);
	munmap(sv, sizeof(*sv));
}
END_TEST

/* (c) The cap: with STALL_STUCK_MAX requests of a sandbox stuck, its next
 * ones are answered ETIMEDOUT at once and not attempted; other sandboxes
 * are not capped. Once the server dies the stuck workers end, the
 * sandbox is served again, and the daemon holds no more fds than before. */
START_TEST(stall_stuck_cap)
{
	const char *args[] = { "pause",
		"timed-open", P("ro/stall/c1"), "r", "timed-open", P("ro/stall/c2"), "r",
		"timed-open", P("ro/stall/c3"), "r", "timed-open", P("ro/stall/c4"), "r",
		"timed-open", P("ro/stall/c5"), "r", "timed-open", P("ro/a"), "r",
		"pause", "timed-open", P("ro/a"), "r", NULL };
	uid_t uid = loop_owner(_i);
	struct stalled s;
	const char *line;
	int baseline;
	char *out;

	stalled_start(uid, args, &s);
	await_line(&s.out, "paused", 30000, "helper");
	baseline = settled_fds();
	stalled_resume(&s);
	for (int i = 1; i <= STALL_STUCK_MAX; i++) {
		char name[32];

		snprintf(name, sizeof(name), "LOOKUP c%d", i);
		await_line(&fz.out, name, 10000, "fuse-stall");
		await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "stalled open");
	}
	expect_daemon(STALL_STUCK_MAX, -1, "at the cap");
	/* Over the cap: refused at once, into FUSE or not. */
	line = await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "5th request (ro/stall/c5)");
	fprintf(stderr, "# owner %u: with %d stuck, ro/stall/c5 answered in %.4f s\n",
	    (unsigned)uid, STALL_STUCK_MAX, line_secs(line));
	ck_assert_msg(line_secs(line) < 0.1, "over the cap, answered after %s", line);
	line = await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "6th request (ro/a)");
	fprintf(stderr, "# owner %u: with %d stuck, ro/a answered in %.4f s\n", (unsigned)uid,
	    STALL_STUCK_MAX, line_secs(line));
	ck_assert_msg(line_secs(line) < 0.1, "over the cap, answered after %s", line);
	await_line(&s.out, "paused", 10000, "helper");
	ck_assert_uint_eq(stuck_threads(td->pid), STALL_STUCK_MAX);
	/* Another sandbox of the same owner is served meanwhile. */
	out = run_as(uid, "timed-open", P("ro/a"), "r", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_msg(fnmatch("OK alpha *s\n", out, 0) == 0, "other sandbox: %s", out);
	free(out);

	stall_kill();
	ck_assert_msg(!strstr(fz.out.seen, "LOOKUP c5"), "a request over the cap was attempted:\n%s",
	    fz.out.seen);
	expect_daemon(0, baseline, "after the server died");
	stalled_resume(&s);
	await_line(&s.out, "OK alpha *s", 10000, "after the server died");
	ck_assert_int_eq(stalled_finish(&s), 0);
}
END_TEST

/* (c1) The owner's cap: with BROKER_STUCK_PER_UID_MAX (16) requests stuck
 * over four of an owner's sandboxes, a fifth sandbox of theirs, with none
 * stuck itself, is answered ETIMEDOUT at once, even for a healthy file;
 * another owner's sandbox is served; when the server dies, the owner's
 * sandboxes are served again. */
#define STALL_OWNER_MAX 16	/* BROKER_STUCK_PER_UID_MAX */
START_TEST(stall_owner_cap)
{
	enum { SANDBOXES = STALL_OWNER_MAX / STALL_STUCK_MAX };
	uid_t uid = loop_owner(_i), other = uid == 0 ? NOBODY : 0;
	struct stalled s[SANDBOXES];
	char names[SANDBOXES][STALL_STUCK_MAX][64];
	char *out;

	for (int k = 0; k < SANDBOXES; k++) {
		const char *args[2 + 3 * STALL_STUCK_MAX + 1] = { "pause" };
		size_t n = 1;

		for (int i = 0; i < STALL_STUCK_MAX; i++) {
			snprintf(names[k][i], sizeof(names[k][i]), "%s/o%d-%d", P("ro/stall"), k, i);
			args[n++] = "timed-open";
			args[n++] = names[k][i];
			args[n++] = "r";
		}
		args[n++] = "pause";
		args[n] = NULL;
		stalled_start(uid, args, &s[k]);
		await_line(&s[k].out, "paused", 30000, "helper");
	}
	for (int k = 0; k < SANDBOXES; k++)
		stalled_resume(&s[k]);
	for (int k = 0; k < SANDBOXES; k++) {
		for (int i = 0; i < STALL_STUCK_MAX; i++)
			await_line(&s[k].out, "ERR ETIMEDOUT *s", 20000, "stalled open");
		await_line(&s[k].out, "paused", 10000, "helper");
	}
	expect_daemon(STALL_OWNER_MAX, -1, "at the owner's cap");

	out = run_as(uid, "timed-open", P("ro/a"), "r", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_msg(fnmatch("ERR ETIMEDOUT *s\n", out, 0) == 0 && line_secs(out) < 0.1,
	    "owner %u, a fifth sandbox at the owner's cap: %s", (unsigned)uid, out);
	free(out);
	out = run_as(other, "timed-open", P("ro/a"), "r", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_msg(fnmatch("OK alpha *s\n", out, 0) == 0, "another owner (%u): %s",
	    (unsigned)other, out);
	free(out);

	stall_kill();
	expect_daemon(0, -1, "after the server died");
	out = run_as(uid, "timed-open", P("ro/a"), "r", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_msg(fnmatch("OK alpha *s\n", out, 0) == 0, "owner %u, after: %s", (unsigned)uid,
	    out);
	free(out);
	for (int k = 0; k < SANDBOXES; k++)
		ck_assert_int_eq(stalled_finish(&s[k]), 0);
}
END_TEST

/* (c2) The server answers after the timeout: each abandoned open completes
 * with an fd, which the daemon closes (the server sees its RELEASE) and
 * never sends; the sandbox's next replies are its own. */
START_TEST(stall_late_answer)
{
	const char *args[] = { "pause",
		"timed-open", P("ro/stall/l1"), "r", "timed-open", P("ro/stall/l2"), "r",
		"pause", "timed-open", P("ro/a"), "r", "timed-open", P("ro/stall/l3"), "r", NULL };
	uid_t uid = loop_owner(_i);
	struct stalled s;
	double deadline;
	int baseline;

	stalled_start(uid, args, &s);
	await_line(&s.out, "paused", 30000, "helper");
	baseline = settled_fds();
	stalled_resume(&s);
	await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "stalled open l1");
	await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "stalled open l2");
	await_line(&s.out, "paused", 10000, "helper");
	expect_daemon(2, -1, "after two time-outs");

	ck_assert_int_eq(write(fz.in, "answer\n", 7), 7);
	/* Both opens now succeed in the daemon, and both fds are closed. */
	deadline = now_s() + 5;
	for (int releases = 0; releases < 2;) {
		const char *line = next_line(&fz.out, (int)((deadline - now_s()) * 1000));

		ck_assert_msg(line, "the daemon did not close the abandoned fds:\n%s", fz.out.seen);
		if (strcmp(line, "RELEASE") == 0)
			releases++;
	}
	expect_daemon(0, baseline, "after the late answers");
	stalled_resume(&s);
	await_line(&s.out, "OK alpha *s", 10000, "after the late answers");
	await_line(&s.out, "OK fuse *s", 10000, "once the server answers");
	ck_assert_int_eq(stalled_finish(&s), 0);
}
END_TEST

/* State of pid's main thread: 'Z' once it has exited (other threads may
 * still be stuck), '?' once reaped (then *st is its status). */
static char
main_thread_state(pid_t pid, int *st)
{
	char *path, *text, *p, state;

	if (waitpid(pid, st, WNOHANG) == pid)
		return '?';
	path = testlib_asprintf("/proc/%d/stat", (int)pid);
	text = read_text(path);
	p = strrchr(text, ')');
	state = p && p[1] == ' ' ? p[2] : '?';
	free(text);
	free(path);
	return state;
}

/* Whether a connection to the socket at path is refused. */
static bool
refuses(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool r;

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0;
	close(fd);
	return r;
}

/*
 * (f) A reload stuck in the stalled file system: a new policy whose
 * [Broker] directory lies below it makes the policy load wait in the
 * kernel (opening the rule's directory). The load runs on a worker
 * thread: meanwhile the daemon serves (a spawn of the owner's is answered,
 * a second reload waits for the first); once the file system answers, the
 * new set is in place.
 */
START_TEST(stall_reload)
{
	const char *argv[] = { getenv("SANDBOXCTL"), "run", "--", "/bin/true", NULL };
	uid_t uid = loop_owner(_i);
	char *policy, *out = NULL;
	unsigned loaded = testdaemon_log_count(td, "Loaded ");
	double t0;
	int st;

	policy = testlib_asprintf("[Policy]\nDescription=reload into a stalled file system\n\n"
	    "[Broker]\nTree=%s read\n", P("ro/stall/sub"));
	testdaemon_write_policy(td, "stallreload", policy);
	free(policy);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	await_line(&fz.out, "LOOKUP sub", 10000, "fuse-stall");

	t0 = now_s();
	st = testlib_run_cmd(argv, NULL, uid, uid, 10000, NULL, NULL);
	fprintf(stderr, "# owner %u: a spawn with the reload stuck answered in %.3f s\n",
	    (unsigned)uid, now_s() - t0);
	ck_assert_msg(testlib_exit_code(st) == 0, "sandboxctl run with the reload stuck: exit %d",
	    testlib_exit_code(st));
	ck_assert_msg(now_s() - t0 < 5, "the spawn took %.3f s with the reload stuck",
	    now_s() - t0);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	usleep(200 * 1000);
	ck_assert_msg(testdaemon_log_count(td, "Loaded ") == loaded,
	    "a reload finished while the first was stuck:\n%s", testdaemon_read_log(td));

	/* Answered: "sub" is a file, so the rule stays inert, and the loads end. */
	ck_assert_int_eq(write(fz.in, "answer\n", 7), 7);
	ck_assert_msg(testdaemon_wait_log(td, "Loaded ", loaded + 2, 10000),
	    "the two reloads did not finish once the file system answered:\n%s",
	    testdaemon_read_log(td));
	st = testlib_sandboxctl(NULL, &out, NULL, "policies", NULL);
	ck_assert_int_eq(testlib_exit_code(st), 0);
	ck_assert_msg(strstr(out, "stallreload"), "policies after the reload:\n%s", out);
	free(out);
}
END_TEST

/* The daemon is gone: its fixture must not stop it again. */
static void
daemon_gone(void)
{
	testlib_leftover_done(td->pid);
	td->pid = 0;
}

/* (d) SIGTERM with stuck workers: the daemon's main thread exits within
 * 2 s, closing its socket (the stuck threads end when the file system
 * lets them), and the process exits 0 once the server is gone. */
START_TEST(stall_sigterm)
{
	const char *args[] = { "timed-open", P("ro/stall/d1"), "r", "timed-open", P("ro/stall/d2"),
		"r", "pause", NULL };
	uid_t uid = loop_owner(_i);
	struct stalled s;
	double t0, deadline;
	char state = 0;
	int st = 0;

	stalled_start(uid, args, &s);
	await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "stalled open d1");
	await_line(&s.out, "ERR ETIMEDOUT *s", 10000, "stalled open d2");
	await_line(&s.out, "paused", 10000, "helper");
	expect_daemon(2, -1, "after two time-outs");

	t0 = now_s();
	ck_assert_int_eq(testdaemon_signal(td, SIGTERM), 0);
	while ((state = main_thread_state(td->pid, &st)) != 'Z' && state != '?' &&
	    now_s() < t0 + 2)
		usleep(10000);
	fprintf(stderr, "# owner %u: with 2 stuck workers, sandboxd's main thread %s %.3f s "
	    "after SIGTERM\n", (unsigned)uid, state == 'Z' || state == '?' ? "exited" :
	    "had not exited", now_s() - t0);
	ck_assert_msg(state == 'Z' || state == '?', "sandboxd still running (state %c) 2 s after "
	    "SIGTERM", state);
	/* Its socket is gone with it: a client is refused, not left waiting. */
	ck_assert_msg(refuses(td->socket), "%s still accepts connections after SIGTERM",
	    td->socket);

	stall_kill();
	deadline = now_s() + 5;
	while (state != '?' && now_s() < deadline) {
		state = main_thread_state(td->pid, &st);
		usleep(10000);
	}
	ck_assert_msg(state == '?', "sandboxd not reaped 5 s after the server died");
	daemon_gone();
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sandboxd: wait status 0x%x", st);
	/* Its sandbox ended with it; sandboxctl reports that, whatever it says. */
	(void)stalled_finish(&s);
}
END_TEST

static TCase *
new_case(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, testlib_leftovers_up, case_down);
	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

/* A case with a FUSE server per test; up and down run around it. */
static TCase *
new_stall_case(Suite *s, const char *name, void (*up)(void), void (*down)(void))
{
	TCase *tc = new_case(s, name);

	tcase_add_unchecked_fixture(tc, up, down);
	tcase_add_checked_fixture(tc, stall_setup, stall_teardown);
	return tc;
}

static Suite *
broker_suite(void)
{
	Suite *s = suite_create("broker");
	const char *why;
	TCase *tc;

	tc = new_case(s, "rights");
	tcase_add_test(tc, rights_read_only);
	tcase_add_test(tc, rights_write);
	tcase_add_test(tc, rights_create);
	tcase_add_test(tc, rights_delete);
	tcase_add_test(tc, rights_outside_and_file);
	tc = new_case(s, "traversal");
	tcase_add_test(tc, traversal);
	tcase_add_test(tc, symlink_swap_race);
	tcase_add_test(tc, dotdot_rename_storm);
	tcase_add_test(tc, magic_links);
	tc = new_case(s, "owner");
	tcase_add_test(tc, hardlink);
	tcase_add_test(tc, owner_credentials);
	tcase_add_test(tc, owner_ancestors);
	tc = new_case(s, "special");
	tcase_add_test(tc, fifo);
	tc = new_case(s, "connect");
	tcase_add_test(tc, connect_endpoints);
	tcase_add_test(tc, connect_unix_no_symlinks);
	tcase_add_test(tc, connect_unix_writable_refused);
	tcase_add_test(tc, connect_unix_peer_is_owner);
	tc = new_case(s, "relay");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, relay_udp_reaim);
	tcase_add_test(tc, relay_tcp_reaim);
	tcase_add_test(tc, relay_no_host_listener);
	tcase_add_test(tc, relay_unix_not_reaimed);
	tcase_add_test(tc, relay_bulk_half_close);
	tcase_add_test(tc, relay_udp_round_trip);
	tcase_add_test(tc, relay_cap_and_exit);
	tcase_add_test(tc, relay_reset);
	tc = new_case(s, "fds");
	tcase_add_test(tc, reopen_read_only);
	tcase_add_test(tc, reopen_read_only_without_landlock);
	tcase_add_test(tc, reopen_write_only);
	tcase_add_test(tc, create_through_symlink);
	tcase_add_test(tc, getdents);
	tcase_add_test(tc, directories_without_landlock);
	tc = new_case(s, "robustness");
	tcase_add_test(tc, concurrency);
	tcase_add_test(tc, garbage);
	tc = new_case(s, "denials");
	tcase_add_test(tc, denials);
	if ((why = fuse_unavailable())) {
		printf("# SKIP the stall cases: %s\n", why);
		return s;
	}
	tc = new_stall_case(s, "stall", stall_case_up, stall_case_down);
	tcase_add_loop_test(tc, stall_timeout, 0, 2);
	tcase_add_loop_test(tc, stall_others_served, 0, 2);
	tcase_add_loop_test(tc, stall_stuck_cap, 0, 2);
	tcase_add_loop_test(tc, stall_owner_cap, 0, 2);
	tcase_add_loop_test(tc, stall_late_answer, 0, 2);
	tcase_add_loop_test(tc, stall_reload, 0, 2);
	tc = new_stall_case(s, "stall-exit", stall_exit_case_up, stall_exit_case_down);
	tcase_add_loop_test(tc, stall_sigterm, 0, 2);
	return s;
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return testdaemon_main(broker_suite);
}
