/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The account database and host files every sandbox gets (skeleton.c,
 * sandboxd.policy(5)): the sandbox's own user "sandbox" with its anonymous
 * uid, none of the host's accounts, localhost and the sandbox's host name
 * in /etc/hosts, and a policy's own bind in place of any of them. Each
 * case runs with root and with uid 65534 as the sandbox's owner
 * (sandboxctl run as that user), under the shipped policies.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>
#include <errno.h>
#include "testdaemon.h"
#include "testlib.h"

/* The owners, by loop index: root (as we are), then uid 65534. */
static const uid_t owners[] = { (uid_t)-1, 65534 };
#define N_OWNERS ((int)ELEMENTSOF(owners))

/* sandboxctl run --policy policy (NULL: default) -- /bin/sh -c script as
 * owner i; asserts exit status 0 and returns its stdout (malloc'd). */
static char *
run_sh(int i, const char *policy, const char *script)
{
	char *out, *err;
	int st = testlib_sandboxctl_as(owners[i], owners[i], &out, &err, "run", "--policy",
	    policy ? policy : "default", "--", "/bin/sh", "-c", script, NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "owner %d: '%s': exit %d\nstdout: %s\nstderr: %s",
	    (int)owners[i], script, testlib_exit_code(st), out, err);
	free(err);
	return out;
}

/* The passwd line the sandbox's own user has. */
static char *
sandbox_passwd(unsigned uid)
{
	return testlib_asprintf("sandbox:x:%u:%u:sandbox:/tmp:/bin/sh", uid, uid);
}

/* A user in the host's /etc/passwd that no sandbox has (not root, not
 * nobody), such as daemon, _apt or messagebus. malloc'd. */
static char *
host_user(void)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024], *name = NULL;

	ck_assert_ptr_nonnull(f);
	while (!name && fgets(line, sizeof(line), f)) {
		line[strcspn(line, ":")] = '\0';
		if (line[0] && strcmp(line, "root") != 0 && strcmp(line, "nobody") != 0 &&
		    strcmp(line, "sandbox") != 0)
			name = strdup(line);
	}
	fclose(f);
	ck_assert_msg(name, "no user but root and nobody in the host's /etc/passwd");
	return name;
}

/* id -un, whoami and getent name the anonymous uid "sandbox". */
START_TEST(identity)
{
	char *out = run_sh(_i, NULL, "id -u; id -un; whoami; id -gn; getent passwd \"$(id -u)\"; "
	    "getent group \"$(id -g)\"; python3 -c 'import getpass; print(getpass.getuser())'");
	unsigned uid = (unsigned)strtoul(out, NULL, 10);
	char *pw = sandbox_passwd(uid);
	char *want = testlib_asprintf("%u\nsandbox\nsandbox\nsandbox\n%s\nsandbox:x:%u:\nsandbox\n",
	    uid, pw, uid);

	ck_assert_msg(uid >= 1000, "id -u printed '%s'", out);
	ck_assert_str_eq(out, want);
	free(want);
	free(pw);
	free(out);
}
END_TEST

/* The host's accounts are not there, and the files cannot be changed. */
START_TEST(host_accounts_hidden)
{
	char *name = host_user();
	char *script = testlib_asprintf("getent passwd %s; echo passwd=$?; getent group %s; "
	    "echo group=$?; cut -d: -f1 /etc/passwd | tr '\\n' ' '; echo; "
	    "cut -d: -f1 /etc/group | tr '\\n' ' '; echo; "
	    "for f in passwd group hosts hostname nsswitch.conf; do "
	    "(echo x >> /etc/$f) 2>/dev/null && echo wrote $f; done; echo end", name, name);
	char *out = run_sh(_i, NULL, script);

	ck_assert_str_eq(out, "passwd=2\ngroup=2\nroot nobody sandbox \nroot nogroup sandbox \nend\n");
	free(out);
	free(script);
	free(name);
}
END_TEST

/* Every shipped policy gets them, the ones without /etc binds too. */
START_TEST(every_policy)
{
	static const char *const policies[] = { "strict", "convert" };
	char *out, *err;
	int st;

	for (size_t k = 0; k < ELEMENTSOF(policies); k++) {
		st = testlib_sandboxctl_as(owners[_i], owners[_i], &out, &err, "run", "--policy",
		    policies[k], "--", "/usr/bin/cat", "/etc/passwd", "/etc/hosts", NULL);
		ck_assert_msg(testlib_exit_code(st) == 0, "%s: exit %d: %s", policies[k],
		    testlib_exit_code(st), err);
		ck_assert_msg(strstr(out, "\nsandbox:x:") && strstr(out, "127.0.0.1\tlocalhost\n"),
		    "%s: %s", policies[k], out);
		free(out);
		free(err);
	}
}
END_TEST

/* localhost and the sandbox's own host name resolve (from /etc/hosts). */
START_TEST(localhost_resolves)
{
	char *out = run_sh(_i, NULL, "cat /etc/hostname; python3 -c '\n"
	    "import socket\n"
	    "print(socket.gethostname())\n"
	    "print(socket.gethostbyname(\"localhost\"))\n"
	    "print(socket.gethostbyname(socket.gethostname()))\n"
	    "print(socket.getaddrinfo(\"localhost\", 0, socket.AF_INET6)[0][4][0])\n"
	    "print(socket.getfqdn())\n"
	    "'");

	ck_assert_str_eq(out, "sandbox\nsandbox\n127.0.0.1\n127.0.1.1\n::1\nsandbox.localdomain\n");
	free(out);
}
END_TEST

/* git finds a name and an address for the author: git init and commit
 * work with nothing configured. */
START_TEST(git_commit)
{
	char *out;

	if (access("/usr/bin/git", X_OK) < 0) {
		/* Check cannot skip one case: say so, and pass. */
		fprintf(stderr, "git_commit: SKIP: /usr/bin/git is not installed (.ci/install-deps)\n");
		return;
	}
	out = run_sh(_i, NULL, "set -e; cd /tmp; git init -q r; cd r; echo hello > f; git add f; "
	    "git commit -q -m first; git log --format='%an <%ae>|%s'");
	ck_assert_str_eq(out, "sandbox <sandbox@sandbox.localdomain>|first\n");
	free(out);
}
END_TEST

/* Reads one line from fd into buf (≤ size - 1 bytes), waiting ≤ 60 s. */
static void
read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n < size - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t k;

		ck_assert_msg(poll(&p, 1, 60000) == 1, "no line from the sandbox (got '%.*s')",
		    (int)n, buf);
		k = read(fd, buf + n, 1);
		ck_assert_msg(k == 1, "end of output after '%.*s'", (int)n, buf);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

/* Two sandboxes at once: each has its own uid, and its passwd names it. */
START_TEST(two_at_once)
{
	const char *script = "echo \"$(id -u) $(getent passwd sandbox)\"; read x; exit 0";
	int in[2], out[2], st;
	unsigned uid[2];
	char line[2][256];
	pid_t pid[2];

	/* Both print while both are alive: each waits for its stdin. */
	for (int k = 0; k < 2; k++)
		pid[k] = testlib_sandboxctl_start(owners[_i], owners[_i], &in[k], &out[k], "run", "--",
		    "/bin/sh", "-c", script, NULL);
	for (int k = 0; k < 2; k++)
		read_line(out[k], line[k], sizeof(line[k]));
	for (int k = 0; k < 2; k++) {
		char *pw, *want;

		close(in[k]);
		ck_assert_int_eq(waitpid(pid[k], &st, 0), pid[k]);
		ck_assert_msg(testlib_exit_code(st) == 0, "sandbox %d: exit %d", k,
		    testlib_exit_code(st));
		close(out[k]);
		uid[k] = (unsigned)strtoul(line[k], NULL, 10);
		pw = sandbox_passwd(uid[k]);
		want = testlib_asprintf("%u %s", uid[k], pw);
		ck_assert_str_eq(line[k], want);
		free(want);
		free(pw);
	}
	ck_assert_msg(uid[0] != uid[1], "both sandboxes have uid %u", uid[0]);
}
END_TEST

/* A policy that binds the host's files gets them, not the daemon's. */
static void
up_override(void)
{
	testdaemon_fixture_up_default_with("hostfiles",
	    "BindReadOnly=/etc/passwd\nBindReadOnly=/etc/hosts");
}

START_TEST(policy_binds_win)
{
	char *name = host_user();
	char *script = testlib_asprintf("getent passwd %s >/dev/null; echo passwd=$?; "
	    "getent group sandbox; cat /etc/hosts", name);
	char *out = run_sh(_i, "hostfiles", script);
	char *hosts = NULL;
	size_t len = 0;
	FILE *f = fopen("/etc/hosts", "re");

	/* The host's passwd is there; group is still the sandbox's own. */
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(getdelim(&hosts, &len, '\0', f), 0);
	fclose(f);
	ck_assert_msg(strncmp(out, "passwd=0\nsandbox:x:", 19) == 0, "%s", out);
	ck_assert_msg(strstr(out, hosts), "not the host's /etc/hosts:\n%s", out);
	free(hosts);
	free(out);
	free(script);
	free(name);
}
END_TEST

/* A daemon whose AnonymousUidRange= is 65534 alone: the sandbox is
 * "sandbox" there too, not "nobody". */
static void
up_uid_nobody(void)
{
	char *conf;
	FILE *f;

	testdaemon_fixture = testdaemon_new();
	conf = testlib_asprintf("%s/sandboxd.conf", testdaemon_fixture->dir);
	f = fopen(conf, "we");
	ck_assert_ptr_nonnull(f);
	fputs("[Daemon]\nAnonymousUidRange=65534-65534\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture,
	    (const char *const[]) { "--config", conf, NULL }), 0);
	free(conf);
}

START_TEST(uid_nobody)
{
	char *out = run_sh(_i, NULL, "id -un; getent passwd 65534; getent group 65534");

	ck_assert_str_eq(out, "sandbox\nsandbox:x:65534:65534:sandbox:/tmp:/bin/sh\n"
	    "sandbox:x:65534:\n");
	free(out);
}
END_TEST

/*
 * The root is built below a fresh tmpfs and never through a symbolic link:
 * a policy whose absolute Symlink= is on the way to a mount point (here
 * /opt -> a host directory, with /usr/share bound at /opt/x) must not make
 * the daemon create that mount point on the host, as root. The spawn
 * fails loudly instead.
 */
static char *detour_dir;

static void
up_detour(void)
{
	char *lines, *text;

	testdaemon_fixture = testdaemon_new();
	detour_dir = testlib_asprintf("%s/hostdir", testdaemon_fixture->dir);
	ck_assert_int_eq(mkdir(detour_dir, 0755), 0);
	lines = testlib_asprintf("Symlink=%s:/opt\nBindReadOnly=/usr/share:/opt/x", detour_dir);
	text = testlib_default_policy_with(lines);
	testdaemon_write_policy(testdaemon_fixture, "detour", text);
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, NULL), 0);
	free(text);
	free(lines);
}

static void
down_detour(void)
{
	testdaemon_fixture_down();
	free(detour_dir);
	detour_dir = NULL;
}

START_TEST(symlink_detour)
{
	char *out = NULL, *err = NULL, *x = testlib_asprintf("%s/x", detour_dir);
	int st = testlib_sandboxctl_as(owners[_i], owners[_i], &out, &err, "run", "--policy",
	    "detour", "--", "/bin/true", NULL);
	struct stat sb;

	ck_assert_msg(lstat(x, &sb) < 0 && errno == ENOENT, "the daemon made %s on the host", x);
	ck_assert_msg(testlib_exit_code(st) != 0 && strstr(err, "root"),
	    "a root through a host symlink: exit %d\n%s", testlib_exit_code(st), err);
	free(x);
	free(out);
	free(err);
}
END_TEST

TESTDAEMON_MAIN("accounts",
	{ "accounts", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .loops = TESTLIB_LOOPS({ identity, N_OWNERS }, { host_accounts_hidden, N_OWNERS },
		{ every_policy, N_OWNERS }, { localhost_resolves, N_OWNERS }, { git_commit, N_OWNERS },
		{ two_at_once, N_OWNERS }) },
	{ "override", .up = up_override, .down = testdaemon_fixture_down, .timeout = 60,
	    .loops = TESTLIB_LOOPS({ policy_binds_win, N_OWNERS }) },
	{ "uid-nobody", .up = up_uid_nobody, .down = testdaemon_fixture_down, .timeout = 60,
	    .loops = TESTLIB_LOOPS({ uid_nobody, N_OWNERS }) },
	{ "symlink-detour", .up = up_detour, .down = down_detour, .timeout = 60,
	    .loops = TESTLIB_LOOPS({ symlink_detour, N_OWNERS }) });
