/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Transparent brokering: programs that know nothing of the broker (the
 * shell, coreutils, python3, and tests/integration/helpers/intercept-target,
 * a static binary making plain system calls) run under a test policy "icpt"
 * (the shipped default, plus the helper's build directory at /opt/helpers,
 * plus [Broker] Intercept=yes over a fresh tree under /var/tmp, which the
 * sandbox's own view does not show) and reach the tree through the broker.
 * "plain" is the same policy without Intercept=.
 *
 * Every test runs twice, with root and with nobody (65534) as the sandbox's
 * owner, through sandboxctl run as that user; each run gets a fresh tree
 * (the writable directories the owner's) and a fresh daemon (it opens the
 * rules' directories when it loads the policy). What is checked is what a
 * user sees: output, exit status, errno names, files on the host.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

#define HELPER		"/opt/helpers/intercept-target"
#define NOBODY		65534

static const uid_t owners[] = { 0, NOBODY };

static struct testdaemon *td;
static char *base;		/* the host tree, 0755 */
static uid_t owner;		/* the sandboxes' owner in this run */
static int tcp_listener = -1, unix_listener = -1;
static unsigned tcp_port;


/* BASE/rel, valid until teardown. */
static const char *
P(const char *rel)
{
	return testlib_keep(testlib_asprintf("%s/%s", base, rel));
}

static void
put(const char *rel, const char *text, mode_t mode, uid_t uid)
{
	testlib_tree_put(P(rel), text, mode, uid);
}

static void
dir(const char *rel, uid_t uid)
{
	testlib_tree_dir(P(rel), uid);
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

static uid_t
owner_of(const char *rel)
{
	struct stat st;

	ck_assert_msg(lstat(P(rel), &st) == 0, "%s: %m", rel);
	return st.st_uid;
}

static void
make_tree(void)
{
	base = testlib_tree_new("sandboxd-intercept");

	put("secret", "SECRET", 0644, 0);		/* outside every rule */
	dir("sec1", 0);					/* as long a name as "race" */
	put("sec1/x", "SECRET", 0644, 0);

	dir("in", 0);					/* read */
	put("in/a", "alpha\n", 0644, 0);
	put("in/w666", "shared", 0666, 0);
	dir("in/sub", 0);
	put("in/sub/b", "beta\n", 0644, 0);
	lnk("a", "in/lnk");

	dir("out", owner);				/* read,write,create,delete */
	put("out/r", "rel-in-out", 0644, owner);
	lnk("../secret", "out/esc");
	lnk(P("secret"), "out/abs");
	lnk("../in/a", "out/up");

	dir("cr", owner);				/* read,write,create */
	put("cr/e", "exists", 0644, owner);

	dir("race", 0);					/* read; swapped by a host process */
	put("race/x", "good", 0644, 0);
	lnk("../secret", "race/y");
	put("race/g", "good", 0644, 0);		/* never swapped: */
	dir("race/s", 0);				/* reached as race/s/../g */
}

static void
make_listeners(void)
{
	struct sockaddr_in sa;
	struct sockaddr_un su = { .sun_family = AF_UNIX };

	tcp_listener = testlib_tcp_listen(16, &sa);
	tcp_port = ntohs(sa.sin_port);
	unix_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(unix_listener, 0);
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", P("sock"));
	ck_assert_int_eq(bind(unix_listener, (struct sockaddr *)&su, sizeof(su)), 0);
	/* The broker connects as the owner. */
	ck_assert_int_eq(chmod(P("sock"), 0666), 0);
	ck_assert_int_eq(listen(unix_listener, 16), 0);
}

/* A fresh tree and daemon for owner uid. */
static void
up(uid_t uid)
{
	char *fs, *text, *rules, *policy;

	owner = uid;
	make_tree();
	make_listeners();
	fs = testlib_asprintf("BindReadOnly=%s:/opt/helpers", testlib_helpers_dir());
	text = testlib_default_policy_with(fs);
	rules = testlib_asprintf("Tree=%s read\n"
	    "Tree=%s read,write,create,delete\n"
	    "Tree=%s read,write,create\n"
	    "Tree=%s read\n"
	    "Connect=tcp:127.0.0.1:%u\n"
	    "Connect=unix:%s\n",
	    P("in"), P("out"), P("cr"), P("race"), tcp_port, P("sock"));
	td = testdaemon_new();
	policy = testlib_asprintf("%s\n[Broker]\nIntercept=yes\n%s", text, rules);
	testdaemon_write_policy(td, "icpt", policy);
	free(policy);
	policy = testlib_asprintf("%s\n[Broker]\n%s", text, rules);
	testdaemon_write_policy(td, "plain", policy);
	free(policy);
	free(rules);
	free(text);
	free(fs);
	ck_assert_int_eq(testdaemon_start(td, NULL), 0);
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
	tcp_listener = unix_listener = -1;
	if (base) {
		testlib_rm_rf(base);
		free(base);
		base = NULL;
	}
	testlib_keep_free();
}

static void
case_down(void)
{
	testlib_leftovers_down(NULL);
}

/* sandboxctl (as the owner) with args (NULL-terminated, at most 40):
 * its exit code; its stdout and stderr in *out and *err (kept). */
static int
ctl(const char **out, const char **err, const char *const *args)
{
	const char *a[41] = { NULL };
	char *o = NULL, *e = NULL;
	int st;

	for (size_t n = 0; args[n]; n++) {
		ck_assert(n < 40);
		a[n] = args[n];
	}
	st = testlib_sandboxctl_as(owner, owner, &o, &e, a[0], a[1], a[2], a[3], a[4], a[5],
	    a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17],
	    a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26], a[27], a[28],
	    a[29], a[30], a[31], a[32], a[33], a[34], a[35], a[36], a[37], a[38], a[39], NULL);
	*out = testlib_keep(o ? o : strdup(""));
	*err = testlib_keep(e ? e : strdup(""));
	return testlib_exit_code(st);
}

#define CTL(out, err, ...) ctl(out, err, (const char *const[]) { __VA_ARGS__, NULL })

/* /bin/sh -c script in a sandbox of policy's: its exit code. */
static int
sh(const char *policy, const char *script, const char **out, const char **err)
{
	return CTL(out, err, "run", "--policy", policy, "--", "/bin/sh", "-c", script);
}

/* The helper with args under "icpt", asserting it exited 0 and said
 * nothing on stderr: its stdout (kept). */
#define HELP(...) help_in("icpt", (const char *const[]) { __VA_ARGS__, NULL })

static const char *
help_in(const char *policy, const char *const *args)
{
	const char *a[41] = { "run", "--policy", policy, "--", HELPER };
	const char *out, *err;
	size_t n = 5;
	int code;

	for (; *args; args++) {
		ck_assert(n < 40);
		a[n++] = *args;
	}
	a[n] = NULL;
	code = ctl(&out, &err, a);
	ck_assert_msg(code == 0 && *err == '\0', "owner %u: helper exited %d\nstdout:\n%s\n"
	    "stderr:\n%s", (unsigned)owner, code, out, err);
	return out;
}

#define ASSERT_OUT(got, want) ck_assert_msg(strcmp((got), (want)) == 0,		\
	"owner %u: got\n%s\nexpected\n%s", (unsigned)owner, (got), (want))

/* Whether a line of text matches the fnmatch() pattern. */
static bool
has_line(const char *text, const char *pattern)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)l, p);
		if (fnmatch(pattern, line, 0) == 0)
			return true;
		p += l + (nl ? 1 : 0);
	}
	return false;
}

static unsigned
count_of(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Case 1: coreutils and the shell on brokered paths. */
START_TEST(coreutils)
{
	const char *script, *out, *err, *ls;
	int code;

	up(owners[_i]);
	script = testlib_keep(testlib_asprintf("set -e; I=%s O=%s\n"
	    "cat $I/a\n"
	    "cp $I/a $O/c\n"
	    "echo '-- ls'; ls -l $I; echo '-- end'\n"
	    "mkdir $O/d\n"
	    "mv $O/c $O/d/c\n"
	    "cat $O/d/c\n"
	    "readlink $I/lnk\n"
	    "stat -c '%%s %%F %%a' $I/a\n"
	    "stat -c '%%F %%a' $I/sub\n"
	    "stat -L -c '%%F' $I/lnk\n"
	    "test -w $O/d/c && echo out-writable\n"
	    "test -w $I/a || echo in-read-only\n"
	    "test -r $I/a && echo in-readable\n"
	    "test -e $I/nothing || echo no-such-file\n"
	    "echo x > $O/f\n"
	    "echo y >> $O/f\n"
	    "cat $O/f\n"
	    "echo z > $O/g\n"
	    "rm $O/g\n"
	    "mkdir $O/gone\n"
	    "rmdir $O/gone\n",
	    P("in"), P("out")));
	code = sh("icpt", script, &out, &err);
	ck_assert_msg(code == 0 && *err == '\0', "owner %u: exit %d\nstdout:\n%s\nstderr:\n%s",
	    (unsigned)owner, code, out, err);
	ls = strstr(out, "-- ls\n");
	ck_assert_msg(ls && strstr(ls, "-- end\n"), "no ls output:\n%s", out);
	ck_assert_msg(has_line(ls, "-rw-r--r-- 1 * * 6 * a"), "ls -l:\n%s", ls);
	ck_assert_msg(has_line(ls, "-rw-rw-rw- 1 * * 6 * w666"), "ls -l:\n%s", ls);
	ck_assert_msg(has_line(ls, "lrwxrwxrwx 1 * * 1 * lnk -> a"), "ls -l:\n%s", ls);
	ck_assert_msg(has_line(ls, "drwxr-xr-x 2 * * sub"), "ls -l:\n%s", ls);
	ck_assert_msg(has_line(ls, "total *"), "ls -l:\n%s", ls);
	ck_assert_str_eq(strstr(ls, "-- end\n") + strlen("-- end\n"), "alpha\n"
	    "a\n"
	    "6 regular file 644\n"
	    "directory 755\n"
	    "regular file\n"
	    "out-writable\n"
	    "in-read-only\n"
	    "in-readable\n"
	    "no-such-file\n"
	    "x\ny\n");
	ck_assert(strncmp(out, "alpha\n-- ls\n", strlen("alpha\n-- ls\n")) == 0);

	/* On the host: made as the owner, moved, removed. */
	ck_assert_str_eq(content("out/d/c"), "alpha\n");
	ck_assert_uint_eq(owner_of("out/d/c"), owner);
	ck_assert_uint_eq(owner_of("out/d"), owner);
	ck_assert(!exists("out/c") && !exists("out/g") && !exists("out/gone"));
	ck_assert_str_eq(content("out/f"), "x\ny\n");
	ck_assert_str_eq(content("in/a"), "alpha\n");
}
END_TEST

/* Case 1b: relative paths, against a working directory and a directory
 * fd the broker opened. */
START_TEST(relative_paths)
{
	const char *out;

	up(owners[_i]);
	out = HELP("rel", P("out"), "r", "new", "openat", P("in"), "a", "openat", P("in"),
	    "sub/b");
	ASSERT_OUT(out, "cwd=rel-in-out at=rel-in-out create=OK mkdirat=OK rename=OK stat=OK "
	    "access=OK\nOK alpha\n\nOK beta\n\n");
	ck_assert_str_eq(content("out/rd/new"), "relative");
	ck_assert_uint_eq(owner_of("out/rd/new"), owner);
	ck_assert(!exists("out/new"));
}
END_TEST

/* Case 2: a static binary, plain system calls. */
START_TEST(static_binary)
{
	const char *out;

	up(owners[_i]);
	out = HELP("static", "put", P("out/s"), "static-data", "cat", P("out/s"), "stat",
	    P("out/s"), "lstat", P("in/lnk"), "stat", P("in/lnk"), "unlink", P("out/s"),
	    "stat", P("out/s"), "put", P("out/kept"), "kept");
	ASSERT_OUT(out, "static yes\nOK\nOK static-data\nOK reg 11\nOK lnk 1\nOK reg 6\nOK\n"
	    "ERR ENOENT\nOK\n");
	ck_assert(!exists("out/s"));
	ck_assert_str_eq(content("out/kept"), "kept");
	ck_assert_uint_eq(owner_of("out/kept"), owner);
}
END_TEST

/* Case 3: refusals, as the shell and coreutils report them. */
START_TEST(refusals)
{
	const char *script, *out, *err, *id, *needle;
	int code;

	up(owners[_i]);
	script = testlib_keep(testlib_asprintf("I=%s C=%s\n"
	    "echo x > $I/new; echo redirect=$?\n"
	    "echo x >> $I/a; echo append=$?\n"
	    "mkdir $I/nd; echo mkdir=$?\n"
	    "rm $C/e; echo rm=$?\n"
	    "cat %s; echo no-rule=$?\n",
	    P("in"), P("cr"), P("secret")));
	code = sh("icpt", script, &out, &err);
	ck_assert_msg(code == 0, "owner %u: exit %d\n%s%s", (unsigned)owner, code, out, err);
	ASSERT_OUT(out, "redirect=2\nappend=2\nmkdir=1\nrm=1\nno-rule=1\n");
	ck_assert_msg(count_of(err, "Permission denied") == 4 &&
	    count_of(err, "No such file or directory") == 1, "owner %u: stderr:\n%s",
	    (unsigned)owner, err);
	ck_assert_msg(strstr(err, testlib_keep(testlib_asprintf("cannot create %s: Permission denied",
	    P("in/new")))), "stderr:\n%s", err);
	ck_assert(!exists("in/new") && !exists("in/nd"));
	ck_assert_str_eq(content("in/a"), "alpha\n");
	ck_assert_str_eq(content("cr/e"), "exists");

	/* Logged as explicit-API denials are. */
	needle = testlib_keep(testlib_asprintf("(owner uid %u): broker denied open '%s': Permission "
	    "denied", (unsigned)owner, P("in/new")));
	ck_assert_msg(testdaemon_wait_log(td, needle, 1, 5000), "no '%s' in the log:\n%s", needle,
	    testlib_keep(testdaemon_read_log(td)));
	needle = testlib_keep(testlib_asprintf("broker denied unlink '%s': Permission denied", P("cr/e")));
	ck_assert_msg(testdaemon_wait_log(td, needle, 1, 5000), "no '%s' in the log:\n%s", needle,
	    testlib_keep(testdaemon_read_log(td)));

	/* And shown by status while the sandbox runs. */
	script = testlib_keep(testlib_asprintf("echo x 2>/dev/null > %s; echo up > %s; exec sleep 60",
	    P("in/new2"), P("out/ready")));
	code = CTL(&out, &err, "run", "--detach", "--policy", "icpt", "--", "/bin/sh", "-c",
	    script);
	ck_assert_msg(code == 0, "run --detach: %d %s %s", code, out, err);
	id = testlib_keep(strndup(out, strcspn(out, "\n")));
	for (int t = 0; t < 500 && !exists("out/ready"); t++)
		usleep(20000);
	ck_assert_str_eq(content("out/ready"), "up\n");
	code = CTL(&out, &err, "status", id);
	ck_assert_msg(code == 0, "status %s: %d %s %s", id, code, out, err);
	ck_assert_msg(has_line(out, "Broker requests: * (1 denied)"), "owner %u: status:\n%s",
	    (unsigned)owner, out);
	needle = testlib_keep(testlib_asprintf("Last denial: open '%s': Permission denied", P("in/new2")));
	ck_assert_msg(strstr(out, needle), "owner %u: status lacks '%s':\n%s", (unsigned)owner,
	    needle, out);
	ck_assert_int_eq(CTL(&out, &err, "kill", id, "--signal", "KILL"), 0);
	ck_assert(!exists("in/new2"));
}
END_TEST

/* Case 3b: O_CLOEXEC is the caller's, and an intercepted open meets the
 * target's own OpenFiles= limit. */
START_TEST(fds)
{
	const char *out, *err;
	unsigned baseline;
	int code;

	up(owners[_i]);
	out = HELP("cloexec", P("in/a"), "cloexec", P("out/r"));
	ASSERT_OUT(out, "plain=0 cloexec=1 openat2=1\nplain=0 cloexec=1 openat2=1\n");
	baseline = testlib_count_fds_of(td->pid);
	code = CTL(&out, &err, "run", "--nofile", "16", "--policy", "icpt", "--", HELPER,
	    "emfile", P("in/a"));
	ck_assert_msg(code == 0, "owner %u: %d %s %s", (unsigned)owner, code, out, err);
	ASSERT_OUT(out, "ERR EMFILE open=16 limit=16\n");
	/* The broker kept none of the fds it could not install. */
	for (int t = 0; t < 250 && testlib_count_fds_of(td->pid) > baseline; t++)
		usleep(20000);
	ck_assert_uint_le(testlib_count_fds_of(td->pid), baseline);
}
END_TEST

/* The helper's two "race" lines: good, secret, other, err of each. */
static void
parse_races(const char *out, unsigned v[4], unsigned w[4])
{
	const char *second = strchr(out, '\n');

	ck_assert_msg(second && sscanf(out, "race good=%u secret=%u other=%u err=%u", &v[0], &v[1],
	    &v[2], &v[3]) == 4 && sscanf(second + 1, "race good=%u secret=%u other=%u err=%u",
	    &w[0], &w[1], &w[2], &w[3]) == 4, "race output: %s", out);
}

/* Case 4: the target rewrites the path in its memory, between a brokered
 * one and one outside every rule, while it opens it: never the secret. */
START_TEST(memory_swap_race)
{
	unsigned v[4], w[4];
	const char *out;

	up(owners[_i]);
	out = HELP("race", P("race/x"), P("sec1/x"), "3000", "race", P("race/x"), P("race/y"),
	    "3000");
	parse_races(out, v, w);
	fprintf(stderr, "# owner %u: memory swap to a path under no rule: %u good, %u failed; "
	    "to an escaping symlink: %u good, %u failed\n", (unsigned)owner, v[0], v[3], w[0],
	    w[3]);
	ck_assert_msg(v[1] == 0 && v[2] == 0 && w[1] == 0 && w[2] == 0, "owner %u: %s",
	    (unsigned)owner, out);
	ck_assert_msg(v[0] > 0 && w[0] > 0 && v[0] + v[3] == 3000 && w[0] + w[3] == 3000,
	    "owner %u: %s", (unsigned)owner, out);
}
END_TEST

/* Case 4b: the broker issue's races on the host, through interception:
 * race/x swapped with a symlink out of the tree; an inner ".." under a
 * rename storm still opens. */
START_TEST(host_swap_race)
{
	unsigned v[4], w[4];
	const char *out;
	pid_t swapper;
	int st;

	up(owners[_i]);
	swapper = fork();
	ck_assert_int_ge(swapper, 0);
	if (swapper == 0) {
		int d = open(P("race"), O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1 || d < 0)
			_exit(1);
		for (;;)
			(void)syscall(SYS_renameat2, d, "x", d, "y", RENAME_EXCHANGE);
	}
	out = HELP("race", P("race/x"), "-", "3000", "race", P("race/s/../g"), "-", "3000");
	kill(swapper, SIGKILL);
	ck_assert_int_eq(waitpid(swapper, &st, 0), swapper);
	ck_assert_msg(!WIFEXITED(st), "swapper could not start");
	parse_races(out, v, w);
	fprintf(stderr, "# owner %u: host swap: %u good, %u failed; inner '..': %u good, "
	    "%u failed\n", (unsigned)owner, v[0], v[3], w[0], w[3]);
	ck_assert_msg(v[1] == 0 && v[2] == 0 && v[0] + v[3] == 3000 && v[0] > 0, "owner %u: %s",
	    (unsigned)owner, out);
	ck_assert_msg(w[0] == 3000, "owner %u: %s", (unsigned)owner, out);
}
END_TEST

/* Whether each line of out matches its pattern, "A|B" for alternatives. */
static void
assert_lines(const char *out, const char *const *patterns)
{
	const char *p = out;

	for (size_t i = 0; patterns[i]; i++) {
		const char *nl = strchr(p, '\n');
		char line[1024], *alts, *save = NULL;
		bool ok = false;

		ck_assert_msg(nl, "owner %u: no line %zu in:\n%s", (unsigned)owner, i, out);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		alts = strdup(patterns[i]);
		for (char *a = strtok_r(alts, "|", &save); a && !ok; a = strtok_r(NULL, "|", &save))
			ok = fnmatch(a, line, 0) == 0;
		free(alts);
		ck_assert_msg(ok, "owner %u: line %zu is '%s', expected '%s', in:\n%s",
		    (unsigned)owner, i, line, patterns[i], out);
		p = nl + 1;
	}
	ck_assert_msg(*p == '\0', "owner %u: extra output: %s", (unsigned)owner, p);
}

#define REFUSED "ERR EXDEV|ERR ELOOP|ERR EACCES"

/* Case 4c: symlinks in a writable rule pointing out of it, "..", a
 * brokered directory fd as a base, /proc/self/fd: nothing outside the
 * rules is read or written. */
START_TEST(escapes)
{
	const char *out;

	up(owners[_i]);
	out = HELP("cat", P("out/esc"), "cat", P("out/abs"), "cat", P("out/up"),
	    "put", P("out/esc"), "pwned", "put", P("out/abs"), "pwned",
	    "cat", P("in/../secret"), "cat", P("in/sub/../../secret"),
	    "put", P("out/../pwned"), "pwned", "openat", P("in"), "../secret",
	    "openat", P("out"), "../secret", "openat", P("in"), "sub/../../sec1/x",
	    "rename", P("out/r"), P("stolen"), "reopen", P("in/w666"));
	ck_assert_msg(!strstr(out, "SECRET"), "owner %u: read the secret:\n%s", (unsigned)owner,
	    out);
	/* Through symlinks: refused as the explicit API refuses. A ".."
	 * out of the rule: the sandbox's own view, where the tree is not
	 * (its directories are, empty, on the sandbox's read-only root). A
	 * ".." out of the rule from a directory fd the broker handed out:
	 * never the host's tree. Between a rule and the sandbox's view: no
	 * rename, as between mounts. */
	assert_lines(out, (const char *const[]) { REFUSED, REFUSED, REFUSED, REFUSED, REFUSED,
	    "ERR ENOENT", "ERR ENOENT", "ERR EROFS", "ERR EXDEV", "ERR EXDEV", "ERR EXDEV",
	    "ERR EXDEV", "OK rdonly reopen=ERR EACCES", NULL });
	ck_assert_str_eq(content("secret"), "SECRET");
	ck_assert_str_eq(content("sec1/x"), "SECRET");
	ck_assert_str_eq(content("in/w666"), "shared");
	ck_assert(!exists("pwned") && !exists("stolen"));
	ck_assert_str_eq(content("out/r"), "rel-in-out");

	/* Metadata of host files from a directory the broker handed out:
	 * Landlock would let stat, access and readlink through, so these
	 * are refused; a leading ".." into another rule is that rule's. */
	out = HELP("hostwalk", P("in"), "../secret", "hostwalk", P("in"), "../../../../etc/shadow",
	    "hostwalk", P("in"), "../out/r");
	assert_lines(out, (const char *const[]) {
	    "statat=ERR EXDEV access=ERR EXDEV readlink=ERR EXDEV cwd=ERR EXDEV",
	    "statat=ERR EXDEV access=ERR EXDEV readlink=ERR EXDEV cwd=ERR EXDEV",
	    "statat=OK access=OK readlink=OK cwd=OK", NULL });
}
END_TEST

/* Case 5: a multithreaded target, brokered and sandbox files at once. */
START_TEST(threads)
{
	const char *out;

	up(owners[_i]);
	out = HELP("threads", "8", "200", P("in/a"), "alpha\n");
	ASSERT_OUT(out, "threads ok=3200 bad=0 err=0\n");
}
END_TEST

/* Case 6: signals during brokered calls: retried EINTR only where the
 * call was not performed, never twice, no fd left over. */
START_TEST(signals)
{
	const char *out;

	up(owners[_i]);
	out = HELP("signals", P("out"), "2000");
	fprintf(stderr, "# owner %u: %s", (unsigned)owner, out);
	ck_assert_msg(fnmatch("signals ok=2000 double=0 other=0 fds=same alarms=yes eintr=*\n",
	    out, 0) == 0, "owner %u: %s", (unsigned)owner, out);
	for (int i = 0; i < 2000; i += 199) {
		char name[32];

		snprintf(name, sizeof(name), "out/s%d", i);
		ck_assert(!exists(name));
	}
}
END_TEST

/* Case 7: a target killed with many calls in flight; the daemon goes on. */
START_TEST(killed_in_flight)
{
	up(owners[_i]);
	for (int round = 0; round < 3; round++) {
		const char *out, *err, *id;
		int code;

		(void)unlink(P("out/ready"));
		code = CTL(&out, &err, "run", "--detach", "--policy", "icpt", "--", HELPER, "storm",
		    P("in/a"), "8", P("out/ready"));
		ck_assert_msg(code == 0, "run --detach: %d %s %s", code, out, err);
		id = testlib_keep(strndup(out, strcspn(out, "\n")));
		for (int t = 0; t < 500 && !exists("out/ready"); t++)
			usleep(20000);
		ck_assert_msg(exists("out/ready"), "owner %u: the storm never started",
		    (unsigned)owner);
		usleep(100000);
		ck_assert_int_eq(CTL(&out, &err, "kill", id, "--signal", "KILL"), 0);
		/* Another sandbox right after is served. */
		ASSERT_OUT(HELP("cat", P("in/a"), "put", P("out/after"), "after"), "OK alpha\n\nOK\n");
		ck_assert_str_eq(content("out/after"), "after");
		/* The killed one is gone, with all its threads. */
		for (int t = 0; t < 250; t++) {
			ck_assert_int_eq(CTL(&out, &err, "status", id), 0);
			if (strstr(out, "\nState: exited\n"))
				break;
			usleep(20000);
		}
		ck_assert_msg(strstr(out, "\nState: exited\n") && strstr(out, "\nTasks: 0\n"),
		    "owner %u: sandbox %s:\n%s", (unsigned)owner, id, out);
	}
	ck_assert_int_eq(kill(td->pid, 0), 0);
	ck_assert_msg(testdaemon_log_count(td, "cannot be served") == 0, "%s",
	    testlib_keep(testdaemon_read_log(td)));
}
END_TEST

/* The host's end of a connection: reads to EOF, answers "pong:" and what
 * it read. */
struct server {
	pthread_t	thread;
	int		listener;
	char		got[256];
};

static void *
server_run(void *p)
{
	struct server *s = p;
	struct pollfd pfd = { s->listener, POLLIN, 0 };
	char reply[300];
	size_t n = 0;
	ssize_t k;
	int fd;

	if (poll(&pfd, 1, 30000) != 1)
		return NULL;
	fd = accept4(s->listener, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return NULL;
	while (n < sizeof(s->got) - 1 && (k = read(fd, s->got + n, sizeof(s->got) - 1 - n)) > 0)
		n += (size_t)k;
	s->got[n] = '\0';
	snprintf(reply, sizeof(reply), "pong:%s", s->got);
	if (write(fd, reply, strlen(reply)) < 0)
		s->got[0] = '\0';
	close(fd);
	return NULL;
}

/* No connection is waiting on the host's listeners. */
static void
assert_no_connection(void)
{
	struct pollfd p[] = { { tcp_listener, POLLIN, 0 }, { unix_listener, POLLIN, 0 } };

	ck_assert_int_eq(poll(p, ELEMENTSOF(p), 0), 0);
}

/* Case 8: connect(2) to a Connect= endpoint reaches the host's; others
 * stay in the sandbox's own network. */
START_TEST(connect_endpoints)
{
	struct server tcp = { .listener = -1 }, un = { .listener = -1 };
	const char *script, *out, *err;
	char port[16], other[16];
	int code;

	up(owners[_i]);
	tcp.listener = tcp_listener;
	un.listener = unix_listener;
	snprintf(port, sizeof(port), "%u", tcp_port);
	snprintf(other, sizeof(other), "%u", tcp_port == 65535 ? 1 : tcp_port + 1);
	ck_assert_int_eq(pthread_create(&tcp.thread, NULL, server_run, &tcp), 0);
	ck_assert_int_eq(pthread_create(&un.thread, NULL, server_run, &un), 0);
	/* An unmodified python3. */
	script = testlib_keep(testlib_asprintf("import socket\n"
	    "s = socket.create_connection(('127.0.0.1', %u))\n"
	    "s.sendall(b'ping')\n"
	    "s.shutdown(socket.SHUT_WR)\n"
	    "print(s.makefile().read())\n", tcp_port));
	code = CTL(&out, &err, "run", "--policy", "icpt", "--", "/usr/bin/python3", "-c", script);
	ck_assert_msg(code == 0, "owner %u: python3: %d\n%s\n%s", (unsigned)owner, code, out, err);
	ASSERT_OUT(out, "pong:ping\n");
	pthread_join(tcp.thread, NULL);
	ck_assert_str_eq(tcp.got, "ping");
	out = HELP("unix", P("sock"), "hello", "tcp", "127.0.0.1", other, "x", "unix",
	    P("nosock"), "x");
	ASSERT_OUT(out, "OK pong:hello\nERR ECONNREFUSED\nERR ENOENT\n");
	pthread_join(un.thread, NULL);
	ck_assert_str_eq(un.got, "hello");
	/* Exactly one connection each. */
	assert_no_connection();
}
END_TEST

/* Case 9: without Intercept=yes nothing is intercepted. */
START_TEST(not_intercepted)
{
	const char *out, *err;
	char port[16];
	int code;

	up(owners[_i]);
	snprintf(port, sizeof(port), "%u", tcp_port);
	code = sh("plain", testlib_keep(testlib_asprintf("cat %s", P("in/a"))), &out, &err);
	ck_assert_int_eq(code, 1);
	ASSERT_OUT(out, "");
	ck_assert_msg(strstr(err, "No such file or directory"), "stderr: %s", err);
	out = help_in("plain", (const char *const[]) { "cat", P("in/a"), "put", P("out/n"), "x",
	    "tcp", "127.0.0.1", port, "x", "unix", P("sock"), "x", NULL });
	ASSERT_OUT(out, "ERR ENOENT\nERR ENOENT\nERR ECONNREFUSED\nERR ENOENT\n");
	ck_assert(!exists("out/n"));
	assert_no_connection();
	/* The same under "icpt" does reach the file. */
	code = sh("icpt", testlib_keep(testlib_asprintf("cat %s", P("in/a"))), &out, &err);
	ck_assert_int_eq(code, 0);
	ASSERT_OUT(out, "alpha\n");
}
END_TEST

static TCase *
new_case(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, testlib_leftovers_up, case_down);
	tcase_add_checked_fixture(tc, NULL, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
intercept_suite(void)
{
	Suite *s = suite_create("intercept");
	int n = (int)ELEMENTSOF(owners);
	TCase *tc;

	tc = new_case(s, "files");
	tcase_add_loop_test(tc, coreutils, 0, n);
	tcase_add_loop_test(tc, relative_paths, 0, n);
	tcase_add_loop_test(tc, static_binary, 0, n);
	tc = new_case(s, "refusals");
	tcase_add_loop_test(tc, refusals, 0, n);
	tcase_add_loop_test(tc, fds, 0, n);
	tc = new_case(s, "races");
	tcase_add_loop_test(tc, memory_swap_race, 0, n);
	tcase_add_loop_test(tc, host_swap_race, 0, n);
	tcase_add_loop_test(tc, escapes, 0, n);
	tc = new_case(s, "concurrency");
	tcase_add_loop_test(tc, threads, 0, n);
	tcase_add_loop_test(tc, signals, 0, n);
	tcase_add_loop_test(tc, killed_in_flight, 0, n);
	tc = new_case(s, "connect");
	tcase_add_loop_test(tc, connect_endpoints, 0, n);
	tc = new_case(s, "off");
	tcase_add_loop_test(tc, not_intercepted, 0, n);
	return s;
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return testdaemon_main(intercept_suite);
}
