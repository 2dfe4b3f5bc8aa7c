/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Learning mode and named denials (issue 12), against a real sandboxd:
 * "sandboxctl run --learn=FILE" lets a program do what its policy refuses
 * and writes the policy that would let it (python3 with sqlite3 and a
 * subprocess, make with cc), which then passes "policy check", loads and
 * runs the program, and allows fewer calls than "default"; the calls
 * forbidden in every policy stay refused and are said so; only root may
 * learn; under enforcement "status" names each refused call, its errno
 * and count, and the log says each once; and no name a program chooses
 * (a path with a newline and policy lines in it, terminal escapes) makes
 * a line of the learned file or reaches a terminal raw.
 *
 * Each test gets a fresh daemon and a fresh host tree under /var/tmp, with
 * test policies besides the shipped ones: "lstrict" (strict plus the
 * helpers' build directory at /opt/helpers, for the static
 * tests/integration/helpers/learn-target), "lacc" (lstrict answering
 * EACCES), "lkill" (lstrict killing) and "lw" (lstrict plus TREE/w bound
 * writable). Tests whose behaviour exists for both run with root and with
 * nobody (65534) as the sandbox's owner.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ini.h"
#include "macro.h"
#include "policy.h"
#include "testdaemon.h"
#include "testlib.h"

#define HELPER		"/opt/helpers/learn-target"
#define PYTHON		"/usr/bin/python3"
#define NOBODY		65534

static const uid_t owners[] = { 0, NOBODY };

static struct testdaemon *td;
static char *tree;		/* the host tree, 0755 */

/* TREE/rel, valid until teardown. */
static const char *
T(const char *rel)
{
	return testlib_keep(testlib_asprintf("%s/%s", tree, rel));
}

/* A file in the daemon's directory (root's, 0755), valid until teardown. */
static const char *
D(const char *name)
{
	return testlib_keep(testlib_asprintf("%s/%s", td->dir, name));
}

/* Text of the shipped policy name, from the source tree; kept. */
static const char *
shipped(const char *name)
{
	char *rel = testlib_asprintf("policies/%s.policy", name), *path = testlib_srcdir_path(rel);
	const char *text = testlib_keep(testlib_tree_content(path));

	free(path);
	free(rel);
	return text;
}

/* Reloads the daemon's policies and waits until it says it has. */
static void
reload(void)
{
	unsigned n = testdaemon_log_count(td, "Loaded ");

	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(testdaemon_wait_log(td, "Loaded ", n + 1, 20000), "no reload:\n%s",
	    testdaemon_read_log(td));
}

/* A fresh tree and daemon with the test policies. */
static void
up(void)
{
	char *text;

	tree = testlib_tree_new("sandboxd-learn");
	testlib_tree_dir(T("w"), (uid_t)-1);
	ck_assert_int_eq(chmod(T("w"), 0777), 0);
	td = testdaemon_new();
	text = testlib_asprintf("[Policy]\nInclude=strict\n[Filesystem]\n"
	    "BindReadOnly=%s:/opt/helpers\n", testlib_helpers_dir());
	testdaemon_write_policy(td, "lstrict", text);
	free(text);
	testdaemon_write_policy(td, "lacc", "[Policy]\nInclude=lstrict\n[SystemCalls]\n"
	    "Action=errno:EACCES\n");
	testdaemon_write_policy(td, "lkill", "[Policy]\nInclude=lstrict\n[SystemCalls]\n"
	    "Action=kill\n");
	text = testlib_asprintf("[Policy]\nInclude=lstrict\n[Filesystem]\nBind=%s\n", T("w"));
	testdaemon_write_policy(td, "lw", text);
	free(text);
	ck_assert_int_eq(testdaemon_start(td, NULL), 0);
	(void) testlib_leftover_add(td->pid, tree, td->dir);
}

static void
teardown(void)
{
	testlib_leftover_free(td, tree);
	td = NULL;
	tree = NULL;
	testlib_keep_free();
}

static void
case_down(void)
{
	testlib_leftovers_down(NULL);
}

/* Keeps a command's output until teardown; its exit code. */
static int
kept(int wstatus, char *o, char *e, const char **out, const char **err)
{
	*out = testlib_keep(o ? o : strdup(""));
	*err = testlib_keep(e ? e : strdup(""));
	return testlib_exit_code(wstatus);
}

/* sandboxctl as uid with the arguments: its exit code, stdout and stderr
 * in *out and *err (kept). */
#define CTL_AS(uid, out, err, ...) ({						\
	char *o_ = NULL, *e_ = NULL;						\
	int st_ = testlib_sandboxctl_as((uid), (uid), &o_, &e_, __VA_ARGS__, NULL);	\
	kept(st_, o_, e_, (out), (err));					\
})
#define CTL(out, err, ...) CTL_AS(0, out, err, __VA_ARGS__)

/* python3 -c script reading input: its exit code; stdout and stderr in
 * *out and *err (kept). */
static int
python(const char *script, const char *input, const char **out, const char **err)
{
	char *o = NULL, *e = NULL;
	int code = testlib_python(script, input, &o, &e);

	*out = testlib_keep(o);
	*err = testlib_keep(e);
	return code;
}

/* What path holds, asserted to exist; kept. */
static const char *
content(const char *path)
{
	char *s = testlib_tree_content(path);

	ck_assert_msg(strcmp(s, "(missing)") != 0, "%s is missing", path);
	return testlib_keep(s);
}

/* The learned file at path, asserted to start as documented for base. */
static const char *
learned(const char *path, const char *base)
{
	const char *text = content(path);
	const char *head = testlib_keep(testlib_asprintf("# Learned by sandboxctl run --learn "
	    "from policy '%s' on ", base));
	const char *inc = testlib_keep(testlib_asprintf("\n[Policy]\nInclude=%s\n", base));

	ck_assert_msg(strncmp(text, head, strlen(head)) == 0, "%s does not start with '%s':\n%s",
	    path, head, text);
	ck_assert_msg(strstr(text, inc), "%s has no '%s':\n%s", path, inc, text);
	return text;
}

/* "policy check" of path passes: in sandboxctl (local, which knows the
 * shipped policies only) and in the daemon (which knows the test ones). */
static void
check_passes(const char *path, bool local)
{
	const char *out, *err;
	int code;

	if (local) {
		code = CTL(&out, &err, "policy", "check", path);
		ck_assert_msg(code == 0, "policy check %s: exit %d\n%s%s\n%s", path, code, out, err,
		    content(path));
	}
	code = CTL(&out, &err, "policy", "check", "--daemon", path);
	ck_assert_msg(code == 0, "policy check --daemon %s: exit %d\n%s%s\n%s", path, code, out,
	    err, content(path));
}

/* Installs text as policy name in the daemon's directory and reloads. */
static void
install(const char *name, const char *text)
{
	const char *out, *err;

	testdaemon_write_policy(td, name, text);
	reload();
	ck_assert_int_eq(CTL(&out, &err, "policy", "show", name), 0);
	ck_assert_str_eq(out, text);
}

/* The lines of text that are not comments, for what a policy says. */
static const char *
non_comments(const char *text)
{
	char *buf = malloc(strlen(text) + 2), *w = buf;

	ck_assert_ptr_nonnull(buf);
	for (const char *l = text; *l; ) {
		size_t n = strcspn(l, "\n");

		if (l[0] != '#') {
			memcpy(w, l, n);
			w += n;
			*w++ = '\n';
		}
		l += n + (l[n] ? 1 : 0);
	}
	*w = '\0';
	return testlib_keep(buf);
}

/* How many lines of text start with prefix. */
static unsigned
lines_starting(const char *text, const char *prefix)
{
	unsigned n = 0;

	for (const char *l = text; *l; ) {
		size_t len = strcspn(l, "\n");

		if (strncmp(l, prefix, strlen(prefix)) == 0)
			n++;
		l += len + (l[len] ? 1 : 0);
	}
	return n;
}

/*
 * The system calls a policy allows: text parsed as the daemon parses it,
 * Include= finding sources (NAME TEXT pairs, NULL-terminated), and the
 * entries of its expanded list counted.
 */
static size_t
allowed_calls(const char *name, const char *text, const char *const *sources)
{
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct policy_sources s = {};
	struct ini_diags d = {};
	size_t n = 0;
	int r;

	for (; sources && sources[0]; sources += 2)
		ck_assert_int_eq(policy_sources_add(&s, sources[0], sources[0], sources[1]), 0);
	r = policy_parse_sources_all(name, name, text, &s, &p, &d);
	policy_sources_done(&s);
	ck_assert_msg(r >= 0 && p, "%s does not parse (%d errors, line %u: %s):\n%s", name,
	    d.n_errors, d.n_errors ? d.v[0].line : 0, d.n_errors ? d.v[0].message : "", text);
	for (char **c = p->syscalls; c && *c; c++)
		n++;
	return n;
}

/* python3 importing sqlite3, querying an in-memory database and starting
 * a subprocess: what strict refuses. */
#define PY_SCRIPT							\
	"import sqlite3, subprocess\n"					\
	"c = sqlite3.connect(':memory:')\n"				\
	"print(c.execute('select 6 * 7').fetchone()[0], flush=True)\n"	\
	"subprocess.run(['/bin/echo', 'sub'], check=True)\n"
#define PY_OUT "42\nsub\n"

START_TEST(learn_python)
{
	const char *file = D("python.policy"), *out, *err, *text;
	size_t n_learned, n_strict, n_default;
	int code;

	code = CTL(&out, &err, "run", "--policy", "strict", "--", PYTHON, "-c", PY_SCRIPT);
	ck_assert_msg(code != 0 && !strstr(out, "42") && *err, "under strict: exit %d\n%s%s",
	    code, out, err);

	code = CTL(&out, &err, "run", "--policy", "strict", "--learn", file, "--", PYTHON, "-c",
	    PY_SCRIPT);
	ck_assert_msg(code == 0 && strcmp(out, PY_OUT) == 0, "learning: exit %d\n%s%s\n%s", code,
	    out, err, testdaemon_read_log(td));
	ck_assert_msg(strstr(err, "learned policy written to"), "learning: %s", err);
	text = learned(file, "strict");
	ck_assert_msg(lines_starting(text, "Allow=") > 0, "nothing allowed:\n%s", text);
	check_passes(file, true);

	install("pylearned", text);
	code = CTL(&out, &err, "run", "--policy", "pylearned", "--", PYTHON, "-c", PY_SCRIPT);
	ck_assert_msg(code == 0 && strcmp(out, PY_OUT) == 0, "under the learned policy: exit "
	    "%d\n%s%s\n%s", code, out, err, text);

	n_learned = allowed_calls("pylearned", text, (const char *const[]) { "strict",
	    shipped("strict"), NULL });
	n_strict = allowed_calls("strict", shipped("strict"), NULL);
	n_default = allowed_calls("default", shipped("default"), NULL);
	ck_assert_msg(n_strict < n_learned && n_learned < n_default, "allowed calls: strict %zu, "
	    "learned %zu, default %zu\n%s", n_strict, n_learned, n_default, text);
}
END_TEST

/* make and cc, learned in rounds: each from the last one's policy. */
START_TEST(learn_make)
{
	const char *proj, *out, *err, *text;
	char prev[16] = "mk0";
	bool built = false;
	int code;

	proj = T("proj");
	testlib_tree_dir(proj, (uid_t)-1);
	ck_assert_int_eq(chmod(proj, 0777), 0);
	testlib_tree_put(T("proj/Makefile"), "hello: hello.c\n\tcc -o hello hello.c\n", 0644, 0);
	testlib_tree_put(T("proj/hello.c"), "#include <stdio.h>\n"
	    "int main(void) { puts(\"hello from make\"); return 0; }\n", 0644, 0);
	install("mk0", testlib_keep(testlib_asprintf("[Policy]\nInclude=strict\n[Filesystem]\n"
	    "Bind=%s\n[Sandbox]\nWorkingDirectory=%s\n", proj, proj)));

	code = CTL(&out, &err, "run", "--policy", "mk0", "--", "make");
	ck_assert_msg(code != 0 && !testlib_tree_exists(T("proj/hello")), "make under its base: "
	    "exit %d\n%s%s", code, out, err);

	for (int k = 1; k <= 4 && !built; k++) {
		const char *file = D(testlib_keep(testlib_asprintf("mk%d.policy", k)));
		char name[16];

		code = CTL(&out, &err, "run", "--policy", prev, "--learn", file, "--", "make");
		ck_assert_msg(strstr(err, "learned policy written to"), "round %d: exit %d\n%s%s\n%s",
		    k, code, out, err, testdaemon_read_log(td));
		text = learned(file, prev);
		check_passes(file, false);
		snprintf(name, sizeof(name), "mk%d", k);
		install(name, text);
		snprintf(prev, sizeof(prev), "%s", name);

		(void) unlink(T("proj/hello"));
		code = CTL(&out, &err, "run", "--policy", name, "--", "make");
		built = code == 0 && testlib_tree_exists(T("proj/hello"));
		if (!built)
			fprintf(stderr, "learn_make: round %d: make exit %d: %s%s", k, code, out,
			    err);
	}
	ck_assert_msg(built, "make still fails after 4 rounds:\n%s%s\n%s", out, err, text);
	code = testlib_exit_code(testlib_run_cmd((const char *const[]) { T("proj/hello"), NULL },
	    NULL, (uid_t)-1, (gid_t)-1, 10000, (char **)&out, NULL));
	ck_assert_msg(code == 0 && strcmp(out, "hello from make\n") == 0, "hello: %d %s", code, out);
	free((char *)out);
}
END_TEST

/* The forbidden calls stay refused under learning, each with the errno
 * its base gives (EPERM where the base would kill), and the learned file
 * names them in a comment, never in a line that allows them. */
static const struct {
	const char	*base;
	const char	*error;		/* what the program sees */
	const char	*message;	/* strerror() of it, in the log */
} forbidden_bases[] = {
	{ "lstrict", "EPERM", "Operation not permitted" },
	{ "lacc", "EACCES", "Permission denied" },
	{ "lkill", "EPERM", "Operation not permitted" },
};

START_TEST(forbidden_stays_refused)
{
	const char *base = forbidden_bases[_i].base, *e = forbidden_bases[_i].error;
	const char *file = D("forbidden.policy"), *out, *err, *text, *rules, *want, *l;
	const char *listed = "\n#   keyctl (1) unshare (1) ptrace (1)\n";
	int code;

	code = CTL(&out, &err, "run", "--policy", base, "--learn", file, "--", HELPER, "keyctl",
	    "unshare", "ptrace", "mkdir", "/new", "1");
	/* mkdir is let through, and fails as the read-only root says. */
	want = testlib_keep(testlib_asprintf("keyctl ERR %s\nunshare ERR %s\nptrace ERR %s\n"
	    "mkdir ERR EROFS x1\n", e, e, e));
	ck_assert_msg(code == 0 && strcmp(out, want) == 0, "%s: exit %d\n%s%s", base, code, out,
	    err);
	text = learned(file, base);
	check_passes(file, false);
	/* A static binary reads /proc/self/exe, which its view has: the
	 * host's (the daemon's own) is nothing to learn. */
	ck_assert_msg(!strstr(text, "/proc/") && testdaemon_log_count(td, "view lacks /proc/") == 0,
	    "%s: /proc learned:\n%s\n%s", base, text, testdaemon_read_log(td));

	rules = non_comments(text);
	ck_assert_msg(!strstr(rules, "keyctl") && !strstr(rules, "unshare") &&
	    !strstr(rules, "ptrace"), "%s: a forbidden call outside a comment:\n%s", base, text);
	/* What some policy may allow is learned, in the same run. */
	ck_assert_msg(strstr(rules, "\nAllow=mkdir\n"), "%s: mkdir not learned:\n%s", base, text);
	l = strstr(text, "\n# Refused, and forbidden in every policy");
	ck_assert_msg(l, "%s: no forbidden calls' comment:\n%s", base, text);
	l = strchr(l + 1, '\n');
	ck_assert_msg(l && strncmp(l, listed, strlen(listed)) == 0,
	    "%s: forbidden calls not listed:\n%s", base, text);

	for (size_t k = 0; k < 3; k++) {
		const char *needle = testlib_keep(testlib_asprintf("): seccomp refused %s: %s.\n",
		    (const char *const[]) { "keyctl", "unshare", "ptrace" }[k],
		    forbidden_bases[_i].message));

		ck_assert_msg(testdaemon_wait_log(td, needle, 1, 10000), "%s: no '%s' in:\n%s",
		    base, needle, testdaemon_read_log(td));
	}
	/* And the run enforcing the learned policy refuses them the same. */
	install("flearned", text);
	code = CTL(&out, &err, "run", "--policy", "flearned", "--", HELPER, "keyctl", "ptrace");
	want = testlib_keep(testlib_asprintf("keyctl ERR %s\nptrace ERR %s\n", e, e));
	if (strcmp(base, "lkill") == 0)
		ck_assert_msg(code == 128 + SIGSYS && *out == '\0', "%s: learned: exit %d\n%s%s",
		    base, code, out, err);
	else
		ck_assert_msg(code == 0 && strcmp(out, want) == 0, "%s: learned: exit %d\n%s%s",
		    base, code, out, err);
}
END_TEST

#define NOT_ROOT "learning widens a policy: only root may use --learn"

/* Only root learns; --learn needs a sandboxctl that waits. */
START_TEST(learn_refused_for_non_root)
{
	const char *made = T("w/ran"), *file, *keep, *out, *err;
	int code, refused;

	/* As root, the command does make it: learning lets mkdir through. */
	code = CTL(&out, &err, "run", "--policy", "lw", "--learn", D("root.policy"), "--", HELPER,
	    "mkdir", made, "1");
	ck_assert_msg(code == 0 && strcmp(out, "mkdir OK x1\n") == 0 && testlib_tree_exists(made),
	    "as root: exit %d\n%s%s", code, out, err);
	ck_assert_int_eq(rmdir(made), 0);

	/* The exit status of a spawn the daemon refuses. */
	refused = CTL_AS(NOBODY, &out, &err, "run", "--policy", "nosuch", "--", HELPER, "ready");
	ck_assert_msg(refused != 0 && *out == '\0', "no such policy: exit %d\n%s%s", refused, out,
	    err);

	file = T("w/nobody.policy");
	code = CTL_AS(NOBODY, &out, &err, "run", "--policy", "lw", "--learn", file, "--", HELPER,
	    "mkdir", made, "1");
	ck_assert_msg(code == refused && *out == '\0' && strstr(err, NOT_ROOT), "as nobody: exit "
	    "%d\n%s%s", code, out, err);
	ck_assert_msg(!testlib_tree_exists(made), "the command ran");
	/* The file sandboxctl made for it goes again. */
	ck_assert_msg(!testlib_tree_exists(file), "%s left behind", file);
	ck_assert_msg(testdaemon_wait_log(td, "refused: " NOT_ROOT, 1, 10000), "log:\n%s",
	    testdaemon_read_log(td));

	/* What the file held stays. */
	keep = T("w/kept.policy");
	testlib_tree_put(keep, "# mine\n", 0644, NOBODY);
	code = CTL_AS(NOBODY, &out, &err, "run", "--policy", "lw", "--learn", keep, "--", HELPER,
	    "mkdir", made, "1");
	ck_assert_msg(code == refused && strstr(err, NOT_ROOT), "as nobody: exit %d\n%s", code,
	    err);
	ck_assert_str_eq(content(keep), "# mine\n");

	/* Root learns maybe in a directory others may write: a link there is
	 * not followed (the file it names keeps what it held). */
	file = T("w/link.policy");
	ck_assert_int_eq(symlink(keep, file), 0);
	code = CTL(&out, &err, "run", "--policy", "lw", "--learn", file, "--", HELPER, "ready");
	ck_assert_msg(code != 0 && strstr(err, "cannot open") && !testlib_tree_exists(made),
	    "through a link: exit %d\n%s%s", code, out, err);
	ck_assert_str_eq(content(keep), "# mine\n");
	ck_assert_int_eq(unlink(file), 0);

	/* --detach: a usage error, for anyone, before anything is made. */
	for (size_t k = 0; k < ELEMENTSOF(owners); k++) {
		file = T("w/detached.policy");
		code = CTL_AS(owners[k], &out, &err, "run", "--detach", "--policy", "lw", "--learn",
		    file, "--", HELPER, "mkdir", made, "1");
		ck_assert_msg(code == 2 && *out == '\0' &&
		    strstr(err, "--learn needs a sandboxctl that waits: not with --detach"),
		    "owner %u: --detach: exit %d\n%s%s", (unsigned)owners[k], code, out, err);
		ck_assert(!testlib_tree_exists(made));
		ck_assert(!testlib_tree_exists(file));
	}
}
END_TEST

/* The value of status's field label (its first line, after the blanks
 * that align it), or "(none)"; kept. */
static const char *
field(const char *status, const char *label)
{
	const char *at = testlib_keep(testlib_asprintf("\n%s:", label));
	const char *l = strstr(status, at);

	if (!l)
		return "(none)";
	l += strlen(at);
	l += strspn(l, " ");
	return testlib_keep(strndup(l, strcspn(l, "\n")));
}

/* Reads fd until it has said want (or 30 s pass); what it said, kept. */
static const char *
read_until(int fd, const char *want)
{
	char buf[4096];
	size_t len = 0;

	while (len < sizeof(buf) - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		buf[len] = '\0';
		if (strstr(buf, want) || poll(&p, 1, 30000) != 1)
			break;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return testlib_keep(strdup(buf));
}

/* A sandbox of owner's under policy, running the helper with args and
 * then waiting on its stdin, once it printed "ready". */
struct held {
	pid_t		pid;		/* sandboxctl run */
	int		in;		/* its stdin: closing it ends the helper */
	const char	*out;		/* what the helper printed until "ready" */
	const char	*id;		/* the sandbox's id */
};

#define HOLD(owner, policy, ret, ...) \
	hold((owner), (policy), (const char *const[]) { __VA_ARGS__, NULL }, (ret))

static void
hold(uid_t owner, const char *policy, const char *const *args, struct held *ret)
{
	const char *a[10] = { NULL }, *out, *err;
	size_t n = 0;
	int fd;

	for (; *args; args++) {
		ck_assert(n < ELEMENTSOF(a) - 3);
		a[n++] = *args;
	}
	a[n++] = "ready";
	a[n++] = "wait";
	ret->pid = testlib_sandboxctl_start(owner, owner, &ret->in, &fd, "run", "--policy", policy,
	    "--", HELPER, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], NULL);
	ret->out = read_until(fd, "ready\n");
	close(fd);
	ck_assert_msg(strstr(ret->out, "ready\n"), "owner %u: the helper said '%s'", (unsigned)owner,
	    ret->out);
	/* The only sandbox of a fresh daemon; list shows no denials. */
	ck_assert_int_eq(CTL_AS(owner, &out, &err, "list", "--json"), 0);
	ck_assert_msg(python("import json, sys\n"
	    "d = json.load(sys.stdin)\n"
	    "assert len(d) == 1 and d[0]['denials'] == [], d\n"
	    "print(d[0]['id'], end='')\n", out, &ret->id, &err) == 0, "list --json: %s\n%s", err,
	    out);
}

/* Ends what hold() started: the helper exits 0 at the end of its stdin. */
static void
release(struct held *h)
{
	int st;

	close(h->in);
	ck_assert_int_eq(waitpid(h->pid, &st, 0), h->pid);
	ck_assert_int_eq(testlib_exit_code(st), 0);
}

/* The Denials block of status: its lines without the label and the
 * blanks that align them; kept. */
static const char *
denials_of(const char *status)
{
	const char *l = strstr(status, "\nDenials:");
	char *buf = strdup(""), *next;

	ck_assert_ptr_nonnull(buf);
	for (l = l ? l + strlen("\nDenials:") : NULL; l && *l == ' '; ) {
		size_t n;

		l += strspn(l, " ");
		n = strcspn(l, "\n");
		next = testlib_asprintf("%s%.*s\n", buf, (int)n, l);
		free(buf);
		buf = next;
		l += n + (l[n] ? 1 : 0);
	}
	return testlib_keep(buf);
}

/* Under enforcement, status names the refused calls with the errno the
 * program got, the count and whether any policy may allow them; the log
 * says each once. */
static void
assert_named(uid_t owner, const char *policy, const char *error, const char *message)
{
	const char *path = "/data/x", *out, *err, *want, *block, *needle, *json;
	struct held h;

	HOLD(owner, policy, &h, "keyctl", "mkdir", path, "3");
	want = testlib_keep(testlib_asprintf("keyctl ERR %s\nmkdir ERR %s x3\nready\n", error,
	    error));
	ck_assert_msg(strcmp(h.out, want) == 0, "owner %u: %s", (unsigned)owner, h.out);

	ck_assert_int_eq(CTL_AS(owner, &out, &err, "status", h.id), 0);
	block = testlib_keep(testlib_asprintf("seccomp keyctl (%s) x1, forbidden in every policy\n"
	    "seccomp mkdir (%s) x3\n", error, error));
	ck_assert_msg(strcmp(denials_of(out), block) == 0, "owner %u: not Denials:\n%sin:\n%s",
	    (unsigned)owner, block, out);
	want = testlib_keep(testlib_asprintf("seccomp: mkdir '%s': %s", path, message));
	ck_assert_msg(strcmp(field(out, "Last denial"), want) == 0, "owner %u: no Last denial: %s "
	    "in:\n%s", (unsigned)owner, want, out);

	ck_assert_int_eq(CTL_AS(owner, &out, &err, "status", "--json", h.id), 0);
	want = testlib_keep(testlib_asprintf("import json, sys\n"
	    "d = json.load(sys.stdin)\n"
	    "assert d['denials'] == [\n"
	    "    {'layer': 'seccomp', 'name': 'keyctl', 'error': '%s', 'count': 1, "
	    "'forbidden': True},\n"
	    "    {'layer': 'seccomp', 'name': 'mkdir', 'error': '%s', 'count': 3, "
	    "'forbidden': False}], d['denials']\n"
	    "assert d['last_denial'] == \"seccomp: mkdir '%s': %s\", d['last_denial']\n",
	    error, error, path, message));
	ck_assert_msg(python(want, out, &json, &err) == 0, "owner %u: status --json: %s\n%s",
	    (unsigned)owner, err, out);

	needle = testlib_keep(testlib_asprintf("Sandbox %s (owner uid %u): seccomp refused mkdir "
	    "'%s': %s.\n", h.id, (unsigned)owner, path, message));
	ck_assert_msg(testdaemon_wait_log(td, needle, 1, 10000), "owner %u: no '%s' in:\n%s",
	    (unsigned)owner, needle, testdaemon_read_log(td));
	release(&h);
	ck_assert_msg(testdaemon_log_count(td, needle) == 1, "owner %u: not once: '%s' in:\n%s",
	    (unsigned)owner, needle, testdaemon_read_log(td));
	/* The exited sandbox's record keeps them, and those of one that was
	 * never asked about while it ran. */
	ck_assert_int_eq(CTL_AS(owner, &out, &err, "status", h.id), 0);
	ck_assert_msg(strcmp(field(out, "State"), "exited") == 0 &&
	    strcmp(denials_of(out), block) == 0, "owner %u: after the exit:\n%s", (unsigned)owner,
	    out);
	ck_assert_int_eq(CTL_AS(owner, &out, &err, "run", "--policy", policy, "--", HELPER, "mkdir",
	    "/data/y", "2"), 0);
	ck_assert_int_eq(CTL_AS(owner, &out, &err, "list", "--json"), 0);
	ck_assert_msg(python("import json, sys\n"
	    "d = [s for s in json.load(sys.stdin) if '/data/y' in s['command']]\n"
	    "assert len(d) == 1 and d[0]['state'] == 'exited', d\n"
	    "print(d[0]['id'], end='')\n", out, &json, &err) == 0, "list --json: %s\n%s", err,
	    out);
	ck_assert_int_eq(CTL_AS(owner, &out, &err, "status", json), 0);
	block = testlib_keep(testlib_asprintf("seccomp mkdir (%s) x2\n", error));
	ck_assert_msg(strcmp(denials_of(out), block) == 0, "owner %u: of a run to its end:\n%s",
	    (unsigned)owner, out);
}

START_TEST(status_names_denials)
{
	assert_named(owners[_i], "lstrict", "EPERM", "Operation not permitted");
}
END_TEST

/* The errno is the policy's, for the program and in status alike. */
START_TEST(status_policy_errno)
{
	assert_named(owners[_i], "lacc", "EACCES", "Permission denied");
}
END_TEST

/* A host file whose name holds a newline, policy lines and ':'. */
#define HOSTILE_NAME	"h\n[SystemCalls]\nAllow=ptrace\n:x"
#define HOSTILE_SAID	"h?[SystemCalls]?Allow=ptrace?:x"

/* A path a program learned from chooses makes no line of the file. */
START_TEST(hostile_names)
{
	const char *path, *file = D("hostile.policy"), *out, *err, *text, *rules, *comment;
	char *log, *save, *line;
	int code;

	path = T(HOSTILE_NAME);
	testlib_tree_put(path, "x", 0644, 0);
	code = CTL(&out, &err, "run", "--policy", "lstrict", "--learn", file, "--", HELPER, "stat",
	    path);
	ck_assert_msg(code == 0 && strcmp(out, "stat ERR ENOENT\n") == 0, "exit %d\n%s%s", code, out,
	    err);
	text = learned(file, "lstrict");
	check_passes(file, false);
	ck_assert_msg(lines_starting(text, "Allow=ptrace") == 0 &&
	    lines_starting(text, "[SystemCalls]") == 1 && lines_starting(text, ":x") == 0,
	    "the name made lines:\n%s", text);
	/* The program is the command's first word, whatever its arguments. */
	ck_assert_msg(strstr(text, "\nDescription=lstrict, plus what learn-target used\n"),
	    "Description= names another program:\n%s", text);
	/* The path is said, escaped, in a comment, and nowhere else. */
	comment = testlib_keep(testlib_asprintf("\n# A path the program used that no policy can "
	    "name: %s/" HOSTILE_SAID "\n", tree));
	ck_assert_msg(strstr(text, comment), "no '%s' in:\n%s", comment, text);
	rules = non_comments(text);
	ck_assert_msg(!strstr(rules, tree) && !strstr(rules, "ptrace"), "outside a comment:\n%s",
	    text);

	/* The log keeps one record a line. */
	ck_assert(testdaemon_wait_log(td, "view lacks", 1, 10000));
	log = testdaemon_read_log(td);
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ck_assert_msg(line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>',
		    "a line that is not a record: %s", line);
	free(log);
}
END_TEST

#define TITLE		"\x1b]0;pwned\x07\x1b[2J"
#define TITLE_ESC	"\\x1b]0;pwned\\x07\\x1b[2J"

/* A refused path with terminal escapes is shown escaped by status. */
START_TEST(hostile_status)
{
	uid_t owner = owners[_i];
	const char *out, *err, *want, *json;
	struct held h;

	HOLD(owner, "lstrict", &h, "mkdir", "/data/" TITLE, "1");
	ck_assert_int_eq(CTL_AS(owner, &out, &err, "status", h.id), 0);
	testlib_assert_printable("status", out, false);
	ck_assert_msg(strcmp(denials_of(out), "seccomp mkdir (EPERM) x1\n") == 0 &&
	    strcmp(field(out, "Last denial"), "seccomp: mkdir '/data/" TITLE_ESC "': Operation not "
	    "permitted") == 0, "owner %u: status:\n%s", (unsigned)owner, out);
	ck_assert_int_eq(CTL_AS(owner, &out, &err, "status", "--json", h.id), 0);
	testlib_assert_printable("status --json", out, false);
	want = "import json, sys\n"
	    "d = json.load(sys.stdin)\n"
	    "assert d['last_denial'] == \"seccomp: mkdir '/data/\\x1b]0;pwned\\x07\\x1b[2J': "
	    "Operation not permitted\", d\n";
	ck_assert_msg(python(want, out, &json, &err) == 0, "owner %u: status --json: %s\n%s",
	    (unsigned)owner, err, out);
	release(&h);
	testlib_assert_printable("log", testlib_keep(testdaemon_read_log(td)), false);
}
END_TEST

/* A case: a fresh daemon and tree around each test, leftovers after a failure. */
#define LEARN_CASE(name, secs, ...) { name, .up = testlib_leftovers_up, .down = case_down, \
	.setup = up, .teardown = teardown, .timeout = secs, __VA_ARGS__ }

TESTDAEMON_MAIN("learn",
	LEARN_CASE("learn_python", 180, .tests = TESTLIB_TESTS(learn_python)),
	LEARN_CASE("learn_make", 300, .tests = TESTLIB_TESTS(learn_make)),
	LEARN_CASE("forbidden", 180, .loops = TESTLIB_LOOPS({ forbidden_stays_refused,
	    ELEMENTSOF(forbidden_bases) })),
	LEARN_CASE("non_root", 120, .tests = TESTLIB_TESTS(learn_refused_for_non_root)),
	LEARN_CASE("status", 180, .loops = TESTLIB_LOOPS({ status_names_denials,
	    ELEMENTSOF(owners) }, { status_policy_errno, ELEMENTSOF(owners) })),
	LEARN_CASE("hostile", 180, .tests = TESTLIB_TESTS(hostile_names),
	    .loops = TESTLIB_LOOPS({ hostile_status, ELEMENTSOF(owners) })));
