/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-user kernel limits (issue 13, class 5): what a sandbox creates is
 * charged to its own anonymous uid, never to root's or another user's
 * limits on the host (spawn.c: the sandbox's user namespace belongs to
 * its anonymous uid). A sandbox uses up a limit of its uid (the helper
 * ucounts-target, under default plus the helpers: up()) and holds
 * it; meanwhile root on the host, and a second sandbox, can still take
 * what they could before: inotify instances
 * (fs.inotify.max_user_instances), POSIX message queue bytes
 * (RLIMIT_MSGQUEUE) and queued signals (RLIMIT_SIGPENDING). A daemon
 * with the unit's capabilities (no CAP_SETPCAP, no CAP_KILL) does the
 * same, and still ends its sandboxes. Each case runs with root and with
 * uid 65534 as the sandbox's owner.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <mqueue.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

#define HELPER "/opt/helpers/ucounts-target"
/* inotify instances root may lose meanwhile to whatever else runs on
 * the host. */
#define INOTIFY_MARGIN 8

/* The owners, by loop index: root (as we are), then uid 65534. */
static const uid_t owners[] = { (uid_t)-1, 65534 };
static char *broker_tree;	/* unit-caps: the tree policy "intercept" brokers */
#define N_OWNERS ((int)ELEMENTSOF(owners))

static const char *const resources[] = { "inotify", "mqueue", "sigqueue" };
#define N_RESOURCES ((int)ELEMENTSOF(resources))

/* A sandbox running the helper, holding what it took. */
struct held {
	pid_t		pid;		/* sandboxctl's */
	int		in;
	FILE		*out;
	char		line[256];	/* the helper's report */
	long		n;		/* how many it took */
	unsigned	uid;		/* its anonymous uid */
};

/* Starts the helper taking what under owner and waits for its report;
 * message queues without Landlock (up()). */
static void
hold(uid_t owner, const char *what, struct held *h)
{
	char name[32];
	int fd;

	*h = (struct held) { .n = -1 };
	h->pid = testlib_sandboxctl_start(owner, owner, &h->in, &fd, "run", "--policy",
	    !strcmp(what, "mqueue") ? "nolandlock" : "escape", "--", HELPER, what, NULL);
	h->out = fdopen(fd, "r");
	ck_assert_ptr_nonnull(h->out);
	/* A helper that never reports ends at the case's time-out. */
	ck_assert_msg(fgets(h->line, sizeof(h->line), h->out), "owner %d: no report from the "
	    "helper\n%s", (int)owner, testdaemon_read_log(testdaemon_fixture));
	ck_assert_msg(sscanf(h->line, "%31s %ld %*s uid %u", name, &h->n, &h->uid) == 3 &&
	    !strcmp(name, what), "owner %d: the helper said '%s'", (int)owner, h->line);
}

/* Ends what hold() started: the helper exits 0 at the end of its stdin. */
static void
release(struct held *h)
{
	int st;

	close(h->in);
	ck_assert_int_eq(waitpid(h->pid, &st, 0), h->pid);
	fclose(h->out);
	ck_assert_int_eq(testlib_exit_code(st), 0);
}

static long
read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%ld", &v), 1);
	fclose(f);
	return v;
}

/* What a /proc/PID/status says of its process. */
struct proc_status {
	char		name[64];	/* comm */
	pid_t		pid;
	unsigned	euid;
};

static void
read_status(FILE *f, struct proc_status *ret)
{
	char line[256];
	unsigned r;
	int pid;

	*ret = (struct proc_status) { .euid = (unsigned)-1 };
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Pid: %d", &pid) == 1)
			ret->pid = pid;
		(void) sscanf(line, "Name: %63s", ret->name);
		(void) sscanf(line, "Uid: %u %u", &r, &ret->euid);
	}
}

/* Adds the inotify instances a process of root holds to *(int *)userdata. */
static bool
add_root_inotify(FILE *f, void *userdata)
{
	struct proc_status ps;
	char path[64], link[64];
	struct dirent *fe;
	DIR *fds;

	read_status(f, &ps);
	if (ps.euid != 0)
		return false;
	(void) snprintf(path, sizeof(path), "/proc/%d/fd", (int)ps.pid);
	fds = opendir(path);
	if (!fds)
		return false;
	while ((fe = readdir(fds))) {
		ssize_t k = readlinkat(dirfd(fds), fe->d_name, link, sizeof(link) - 1);

		if (k > 0 && (link[k] = '\0', !strcmp(link, "anon_inode:inotify")))
			(*(int *)userdata)++;
	}
	closedir(fds);
	return true;
}

/* The inotify instances root's processes hold (their fds), which is what
 * root has in use on a host whose user namespaces root does not own. */
static int
count_root_inotify(void)
{
	int n = 0;

	ck_assert_int_ge(testlib_count_procs("status", add_root_inotify, &n), 0);
	return n;
}

/*
 * Root, on the host, takes what of its own: as many inotify instances as
 * it had free before the sandbox started (free_before, less a margin),
 * one message queue as large as the helper's, one queued signal. Returns
 * how many of *ret_asked it got.
 */
static long
host_take(const char *what, long free_before, long *ret_asked)
{
	long got = 0;

	if (!strcmp(what, "inotify")) {
		long asked = free_before - INOTIFY_MARGIN > 1 ? free_before - INOTIFY_MARGIN : 1;
		int *fds = calloc((size_t)asked, sizeof(int));

		ck_assert_ptr_nonnull(fds);
		while (got < asked && (fds[got] = inotify_init1(IN_CLOEXEC)) >= 0)
			got++;
		for (long k = 0; k < got; k++)
			close(fds[k]);
		free(fds);
		*ret_asked = asked;
	} else if (!strcmp(what, "mqueue")) {
		struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = 8192 };
		char *name = testlib_asprintf("/sandboxd-itest-ucounts-%d", (int)getpid());
		mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);

		if (q != (mqd_t)-1) {
			got = 1;
			mq_close(q);
			(void) mq_unlink(name);
		}
		free(name);
		*ret_asked = 1;
	} else {
		union sigval v = { .sival_int = 0 };
		struct timespec zero = { 0, 0 };
		sigset_t set, old;

		/* Queued to ourselves (Check runs each test in a child of its
		 * own), blocked, then taken off the queue. */
		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN + 1);
		ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, &old), 0);
		if (sigqueue(getpid(), SIGRTMIN + 1, v) == 0) {
			got = 1;
			ck_assert_int_eq(sigtimedwait(&set, NULL, &zero), SIGRTMIN + 1);
		}
		ck_assert_int_eq(sigprocmask(SIG_SETMASK, &old, NULL), 0);
		*ret_asked = 1;
	}
	return got;
}

/* A sandbox that used up its uid's inotify instances, message queue
 * bytes or queued signals leaves root's on the host as they were. */
START_TEST(root_keeps)
{
	uid_t owner = owners[_i % N_OWNERS];
	const char *what = resources[_i / N_OWNERS];
	long max = read_sysctl("/proc/sys/fs/inotify/max_user_instances");
	long used = count_root_inotify(), asked, got;
	struct held h;

	hold(owner, what, &h);
	got = host_take(what, max - used, &asked);
	printf("owner %d, %s: the sandbox (uid %u) took %ld; root", (int)owner, what, h.uid, h.n);
	if (!strcmp(what, "inotify"))
		printf(" (%ld of %ld instances in use before)", used, max);
	printf(" then got %ld of %ld\n", got, asked);
	release(&h);
	ck_assert_msg(h.n > 0, "owner %d: the sandbox could take no %s: '%s'", (int)owner, what,
	    h.line);
	ck_assert_msg(got == asked, "owner %d: after a sandbox (uid %u) took %ld %s, root got %ld "
	    "of %ld", (int)owner, h.uid, h.n, what, got, asked);
}
END_TEST

/* Two sandboxes at once: the second takes about as much as the first,
 * which holds all its uid could take (about: other daemons on the host
 * may use the same uids). */
START_TEST(two_sandboxes)
{
	uid_t owner = owners[_i % N_OWNERS];
	const char *what = resources[_i / N_OWNERS];
	struct held a, b;

	hold(owner, what, &a);
	hold(owner, what, &b);
	printf("owner %d, %s: sandbox 1 (uid %u) took %ld, then sandbox 2 (uid %u) %ld\n",
	    (int)owner, what, a.uid, a.n, b.uid, b.n);
	release(&b);
	release(&a);
	ck_assert_msg(a.uid != b.uid, "both sandboxes have uid %u", a.uid);
	ck_assert_msg(a.n > 0, "owner %d: sandbox 1 could take no %s: '%s'", (int)owner, what,
	    a.line);
	ck_assert_msg(2 * b.n >= a.n, "owner %d: sandbox 1 took %ld %s, then sandbox 2 only %ld",
	    (int)owner, a.n, what, b.n);
}
END_TEST

/* Finds the helper on the host: *(struct proc_status *)userdata names
 * its command and effective uid, and gets its pid. */
static bool
is_helper(FILE *f, void *userdata)
{
	struct proc_status *want = userdata, ps;

	read_status(f, &ps);
	if (ps.euid != want->euid || strcmp(ps.name, want->name))
		return false;
	want->pid = ps.pid;
	return true;
}

/* The sandbox's user namespace belongs to its anonymous uid, which is
 * where the kernel charges the namespaces it makes (its user namespace
 * included: user.max_user_namespaces) and all the above. */
START_TEST(userns_owner)
{
	uid_t owner = owners[_i];
	struct proc_status helper = { .name = "ucounts-target" };
	struct held h;
	uid_t ns_owner = (uid_t)-1;
	char *path;
	int fd;

	hold(owner, "inotify", &h);
	helper.euid = h.uid;
	ck_assert_msg(testlib_count_procs("status", is_helper, &helper) == 1,
	    "owner %d: not one helper of uid %u on the host", (int)owner, h.uid);
	path = testlib_asprintf("/proc/%d/ns/user", (int)helper.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(ioctl(fd, NS_GET_OWNER_UID, &ns_owner), 0);
	close(fd);
	free(path);
	printf("owner %d: the sandbox of uid %u has a user namespace owned by uid %u\n",
	    (int)owner, h.uid, (unsigned)ns_owner);
	release(&h);
	ck_assert_uint_eq(ns_owner, h.uid);
}
END_TEST

/* "escape" (default with the helpers at /opt/helpers) and "nolandlock",
 * the same without Landlock: with it, the sandbox cannot create a
 * message queue at all (EACCES: the queues' file system is beneath no
 * path the policy allows), without it (Landlock=no, or a kernel without
 * Landlock) it can. */
static void
up(void)
{
	char *bind = testlib_asprintf("BindReadOnly=%s:/opt/helpers", testlib_helpers_dir());
	char *text = testlib_default_policy_with(bind), *at = strstr(text, "Landlock=best-effort");
	char *nolandlock;

	ck_assert_ptr_nonnull(at);
	nolandlock = testlib_asprintf("%.*sLandlock=no%s", (int)(at - text), text,
	    at + strlen("Landlock=best-effort"));
	testdaemon_fixture = testdaemon_new();
	testdaemon_write_policy(testdaemon_fixture, "escape", text);
	testdaemon_write_policy(testdaemon_fixture, "nolandlock", nolandlock);
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, NULL), 0);
	free(nolandlock);
	free(text);
	free(bind);
}

/* up()'s daemon without the capabilities the unit's bounding set leaves
 * out and the code once relied on: CAP_SETPCAP, CAP_KILL, CAP_SYS_PTRACE,
 * and with drop_dac the file ones too (CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER), for the cases whose policy sets no
 * limits: on a hybrid host the v1 hierarchies may want them (tests/vm
 * runs the real unit). Through setpriv(1), which execs it (the same pid). */
static void
up_without_caps(bool drop_dac)
{
	const char *real = getenv("SANDBOXD");
	char *old = strdup(real), *wrapper, *text;
	FILE *f;

	ck_assert_ptr_nonnull(old);
	ck_assert_msg(access("/usr/bin/setpriv", X_OK) == 0, "no /usr/bin/setpriv");
	/* up() makes the daemon's directory: the wrapper cannot be in it. */
	wrapper = testlib_asprintf("/var/tmp/sandboxd-itest-ucounts-%d.sh", (int)getpid());
	f = fopen(wrapper, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\nexec /usr/bin/setpriv --bounding-set -setpcap,-kill,-sys_ptrace%s "
	    "-- '%s' \"$@\"\n", drop_dac ? ",-dac_override,-dac_read_search,-fowner" : "", old);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(wrapper, 0755), 0);
	ck_assert_int_eq(setenv("SANDBOXD", wrapper, 1), 0);
	/* A brokered tree for intercept_unit_caps. */
	broker_tree = testlib_tree_new("sandboxd-ucounts-broker");
	testlib_tree_put(testlib_keep(testlib_asprintf("%s/a.txt", broker_tree)), "brokered\n",
	    0644, 0);
	up();
	text = testlib_asprintf("[Policy]\nInclude=escape\n[Broker]\nIntercept=yes\n"
	    "Tree=%s read\n[Limits]\nTasks=infinity\nMemory=infinity\nCPUQuota=\n"
	    "CPUTime=infinity\n", broker_tree);
	testdaemon_write_policy(testdaemon_fixture, "intercept", text);
	ck_assert_int_eq(testdaemon_signal(testdaemon_fixture, SIGHUP), 0);
	ck_assert(testdaemon_wait_log(testdaemon_fixture, "Loaded ", 2, 20000));
	ck_assert_int_eq(setenv("SANDBOXD", old, 1), 0);
	(void) unlink(wrapper);
	free(text);
	free(wrapper);
	free(old);
}

static void
up_unit_caps(void)
{
	up_without_caps(false);
}

static void
up_unit_caps_dac(void)
{
	up_without_caps(true);
}

static void
down_unit_caps(void)
{
	testdaemon_fixture_down();
	testlib_rm_rf(broker_tree);
	free(broker_tree);
	broker_tree = NULL;
	testlib_keep_free();
}

/* Interception reads the target's memory, writes its results there and
 * takes its descriptors, which the kernel checks as ptrace access of a
 * process in another user namespace: with no CAP_SYS_PTRACE (nor
 * CAP_DAC_OVERRIDE), the daemon does that as the owner of the sandbox's. */
START_TEST(intercept_unit_caps)
{
	uid_t owner = owners[_i];
	char *script = testlib_asprintf("cat %s/a.txt && ls %s && cd %s && ls -l a.txt | wc -l",
	    broker_tree, broker_tree, broker_tree), *out = NULL, *err = NULL;
	int st = testlib_sandboxctl_as(owner, owner, &out, &err, "run", "--policy", "intercept",
	    "--", "/bin/sh", "-c", script, NULL);

	ck_assert_msg(testlib_exit_code(st) == 0 && out && strcmp(out, "brokered\na.txt\n1\n") == 0,
	    "owner %d: exit %d, out '%s': %s", (int)owner, testlib_exit_code(st), out ? out : "",
	    err ? err : "");
	free(out);
	free(err);
	free(script);
}
END_TEST

/* The daemon holds neither capability, and still ends a sandbox at its
 * time limit: it signals the sandbox as the uid that owns it. */
START_TEST(unit_caps_kill)
{
	uid_t owner = owners[_i];
	char *path = testlib_asprintf("/proc/%d/status", (int)testdaemon_fixture->pid);
	char *status = testlib_tree_content(path), *out, *err;
	const char *eff = strstr(status, "CapEff:");
	unsigned long long caps;
	int st;

	ck_assert_msg(eff && sscanf(eff, "CapEff: %llx", &caps) == 1, "%s", status);
	ck_assert_msg(!(caps & (1ULL << CAP_SETPCAP)) && !(caps & (1ULL << CAP_KILL)) &&
	    !(caps & (1ULL << CAP_SYS_PTRACE)),
	    "the daemon holds CAP_SETPCAP, CAP_KILL or CAP_SYS_PTRACE: %llx", caps);
	st = testlib_sandboxctl_as(owner, owner, &out, &err, "run", "--policy", "escape",
	    "--timeout", "1", "--", "/bin/sleep", "30", NULL);
	printf("owner %d: a sandbox of a daemon with capabilities %llx, at its time limit: "
	    "exit %d, %s", (int)owner, caps, testlib_exit_code(st), err);
	ck_assert_msg(testlib_exit_code(st) == 128 + SIGKILL && strstr(err, "timeout"),
	    "owner %d: exit %d: %s\n%s", (int)owner, testlib_exit_code(st), err,
	    testdaemon_read_log(testdaemon_fixture));
	free(out);
	free(err);
	free(status);
	free(path);
}
END_TEST

TESTDAEMON_MAIN("ucounts",
	{ "ucounts", .up = up, .down = testdaemon_fixture_down,
	    .timeout = 300,
	    .loops = TESTLIB_LOOPS({ root_keeps, N_OWNERS * N_RESOURCES },
		{ two_sandboxes, N_OWNERS * N_RESOURCES }, { userns_owner, N_OWNERS }) },
	/* inotify only: the first N_OWNERS of root_keeps. */
	{ "unit-caps", .up = up_unit_caps, .down = down_unit_caps, .timeout = 300,
	    .loops = TESTLIB_LOOPS({ root_keeps, N_OWNERS }, { unit_caps_kill, N_OWNERS },
		{ intercept_unit_caps, N_OWNERS }) },
	{ "unit-caps-dac", .up = up_unit_caps_dac, .down = down_unit_caps, .timeout = 120,
	    .loops = TESTLIB_LOOPS({ intercept_unit_caps, N_OWNERS }) });
