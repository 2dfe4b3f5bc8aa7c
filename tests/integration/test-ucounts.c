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
 * (RLIMIT_MSGQUEUE) and queued signals (RLIMIT_SIGPENDING). Each case
 * runs with root and with uid 65534 as the sandbox's owner.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
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
#define N_OWNERS ((int)ELEMENTSOF(owners))

static const char *const resources[] = { "inotify", "mqueue", "sigqueue" };
#define N_RESOURCES ((int)ELEMENTSOF(resources))

/* A sandbox running the helper, holding what it took. */
struct held {
	pid_t		pid;		/* sandboxctl's */
	int		in, out;
	char		line[256];	/* the helper's report */
	long		n;		/* how many it took */
	unsigned	uid;		/* its anonymous uid */
};

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
		ck_assert_msg(k == 1, "end of output after '%.*s'\n%s", (int)n, buf,
		    testdaemon_read_log(testdaemon_fixture));
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

/* Starts the helper taking what under owner and waits for its report;
 * message queues without Landlock (up()). */
static void
hold(uid_t owner, const char *what, struct held *h)
{
	char name[32];

	*h = (struct held) { .n = -1 };
	h->pid = testlib_sandboxctl_start(owner, owner, &h->in, &h->out, "run", "--policy",
	    !strcmp(what, "mqueue") ? "nolandlock" : "escape", "--", HELPER, what, NULL);
	read_line(h->out, h->line, sizeof(h->line));
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
	close(h->out);
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

/* Whether /proc/PID/status says its effective uid is uid. */
static bool
proc_euid_is(const char *pid, unsigned uid)
{
	char path[64], line[256];
	unsigned r, e;
	bool is = false;
	FILE *f;

	(void) snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %u %u", &r, &e) == 2) {
			is = e == uid;
			break;
		}
	fclose(f);
	return is;
}

/* The inotify instances root's processes hold (their fds), which is what
 * root has in use on a host whose user namespaces root does not own. */
static int
count_root_inotify(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(proc);
	while ((de = readdir(proc))) {
		char path[600], link[64];
		struct dirent *fe;
		DIR *fds;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || !proc_euid_is(de->d_name, 0))
			continue;
		(void) snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			ssize_t k;

			(void) snprintf(path, sizeof(path), "/proc/%s/fd/%s", de->d_name, fe->d_name);
			k = readlink(path, link, sizeof(link) - 1);
			if (k > 0 && (link[k] = '\0', !strcmp(link, "anon_inode:inotify")))
				n++;
		}
		closedir(fds);
	}
	closedir(proc);
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

/* The host's process of uid whose command is comm, as a string; kept. */
static const char *
find_proc(unsigned uid, const char *comm)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	const char *found = NULL, *want = testlib_keep(testlib_asprintf("%s\n", comm));

	ck_assert_ptr_nonnull(proc);
	while (!found && (de = readdir(proc))) {
		char *path, *text;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || !proc_euid_is(de->d_name, uid))
			continue;
		path = testlib_asprintf("/proc/%s/comm", de->d_name);
		text = testlib_tree_content(path);
		if (!strcmp(text, want))
			found = testlib_keep(strdup(de->d_name));
		free(text);
		free(path);
	}
	closedir(proc);
	return found;
}

/* The sandbox's user namespace belongs to its anonymous uid, which is
 * where the kernel charges the namespaces it makes (its user namespace
 * included: user.max_user_namespaces) and all the above. */
START_TEST(userns_owner)
{
	uid_t owner = owners[_i];
	const char *pid;
	struct held h;
	uid_t ns_owner = (uid_t)-1;
	char *path;
	int fd;

	hold(owner, "inotify", &h);
	pid = find_proc(h.uid, "ucounts-target");
	ck_assert_msg(pid, "owner %d: no process of uid %u on the host", (int)owner, h.uid);
	path = testlib_asprintf("/proc/%s/ns/user", pid);
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

static void
teardown(void)
{
	testlib_keep_free();
}

TESTDAEMON_MAIN("ucounts",
	{ "ucounts", .up = up, .down = testdaemon_fixture_down,
	    .teardown = teardown, .timeout = 300,
	    .loops = TESTLIB_LOOPS({ root_keeps, N_OWNERS * N_RESOURCES },
		{ two_sandboxes, N_OWNERS * N_RESOURCES }, { userns_owner, N_OWNERS }) });
