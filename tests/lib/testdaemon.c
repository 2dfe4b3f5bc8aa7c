/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real sandboxd for the integration tests, and the process, fd and
 * command helpers they share. See testdaemon.h.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "string-util.h"
#include "testdaemon.h"
#include "testlib.h"

#ifndef TESTLIB_HELPERS_DIR
#define TESTLIB_HELPERS_DIR "."
#endif
#ifndef TESTLIB_TOP_SRCDIR
#define TESTLIB_TOP_SRCDIR "."
#endif

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		return strdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = realloc(buf, len + n + 1);
		if (!buf)
			abort();
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "testdaemon: cannot write %s: %m\n", path);
		abort();
	}
}


/*
 * Each test daemon lives in cgroups of its own: sandboxd puts its
 * sandboxes under "<its cgroup>/sandboxd/sandbox-<id>", so two daemons in
 * one cgroup (parallel "make check") would fight over the same
 * directories. For every hierarchy in /proc/self/cgroup with memory, pids,
 * cpuacct or cpu (or the v2 one), DIR = /sys/fs/cgroup[/CTL]<own>/sandboxd-itest-PID.
 */
static const char *const cg_ctls[] = { "memory", "pids", "cpuacct", "cpu", "" };


char *
testlib_cgroup_dir(const char *ctl, pid_t pid)
{
	char line[1024], *ret = NULL;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return NULL;
	while (!ret && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':'), *path;

		if (!c || !(path = strchr(c + 1, ':')))
			continue;
		*path++ = '\0';
		c++;
		path[strcspn(path, "\n")] = '\0';
		if (ctl[0] ? string_has_word(c, ctl, ",") : c[0] == '\0') {
			if (!strcmp(path, "/"))
				path[0] = '\0';
			if (ctl[0])
				ret = testlib_asprintf("/sys/fs/cgroup/%s%s/sandboxd-itest-%d", ctl, path, (int)pid);
			else
				ret = testlib_asprintf("/sys/fs/cgroup%s/sandboxd-itest-%d", path, (int)pid);
		}
	}
	fclose(f);
	return ret;
}

/*
 * v2: the test daemon's cgroup is ours (we made it), so we delegate it as
 * systemd would (trusted.delegate), but only if it can have the memory
 * and pids controllers: enabling them in its parent works where the
 * parent holds no process (the root cgroup, a delegated subtree). In a
 * cgroup that is not ours to divide (a login session's scope) the daemon
 * then finds no delegation and asks systemd for a scope of its own, or
 * says why it cannot, and testlib_integration_skip() skips.
 */
static void
cg_delegate(const char *dir)
{
	char *parent = strdup(dir), *slash, *path;
	char buf[512] = "";
	FILE *f;

	if (!parent || !(slash = strrchr(parent, '/')))
		abort();
	*slash = '\0';
	path = testlib_asprintf("%s/cgroup.subtree_control", parent);
	/* One at a time: one the kernel lacks fails the whole write. */
	for (size_t i = 0; i < 3; i++) {
		f = fopen(path, "we");
		if (f) {
			fprintf(f, "+%s\n", (const char *const[]){ "memory", "pids", "cpu" }[i]);
			fclose(f);
		}
	}
	free(path);
	path = testlib_asprintf("%s/cgroup.controllers", dir);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	if (strstr(buf, "memory") && strstr(buf, "pids"))
		(void) setxattr(dir, "trusted.delegate", "1", 1, 0);
	free(path);
	free(parent);
}

/* In the daemon's child before exec; best effort. */
static void
cg_enter_own(pid_t cg_pid)
{
	for (size_t i = 0; i < sizeof(cg_ctls) / sizeof(cg_ctls[0]); i++) {
		char *dir = testlib_cgroup_dir(cg_ctls[i], cg_pid > 0 ? cg_pid : getpid()), *procs;
		FILE *f;

		if (!dir)
			continue;
		/* The v2 entry only counts where /sys/fs/cgroup is cgroup2. */
		if (cg_ctls[i][0] == '\0' && access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0) {
			free(dir);
			continue;
		}
		procs = testlib_asprintf("%s/cgroup.procs", dir);
		if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
			if (cg_ctls[i][0] == '\0')
				cg_delegate(dir);
			f = fopen(procs, "we");
			if (f) {
				fprintf(f, "0\n");
				fclose(f);
			}
		}
		free(procs);
		free(dir);
	}
}

/* After the daemon is gone: remove what it and we made. */
static void
cg_remove_own(pid_t pid)
{
	for (size_t i = 0; i < sizeof(cg_ctls) / sizeof(cg_ctls[0]); i++) {
		char *dir = testlib_cgroup_dir(cg_ctls[i], pid), *sub;

		if (!dir)
			continue;
		sub = testlib_asprintf("%s/sandboxd", dir);
		rmdir(sub);
		free(sub);
		sub = testlib_asprintf("%s/supervisor", dir);
		rmdir(sub);
		free(sub);
		rmdir(dir);
		free(dir);
	}
}

struct testdaemon *
testdaemon_new(void)
{
	struct testdaemon *d = calloc(1, sizeof(*d));
	char tmpl[] = "/tmp/sandboxd-itest.XXXXXX";

	if (!d || !mkdtemp(tmpl))
		abort();
	/* Other users (the two-users test) must reach the socket. */
	if (chmod(tmpl, 0755) < 0)
		abort();
	d->dir = strdup(tmpl);
	d->socket = testlib_asprintf("%s/s.sock", tmpl);
	d->policy_dir = testlib_asprintf("%s/policies", tmpl);
	d->log_path = testlib_asprintf("%s/sandboxd.log", tmpl);
	if (mkdir(d->policy_dir, 0755) < 0)
		abort();
	return d;
}

static bool
socket_accepts(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

int
testdaemon_start(struct testdaemon *d, const char *const *extra_args)
{
	const char *bin = getenv("SANDBOXD");
	const char *argv[32];
	size_t n = 0;
	long long deadline;
	int status;

	if (!bin || !*bin) {
		fprintf(stderr, "testdaemon: $SANDBOXD is not set\n");
		return -1;
	}
	argv[n++] = bin;
	argv[n++] = "--socket";
	argv[n++] = d->socket;
	argv[n++] = "--policy-dir";
	argv[n++] = d->policy_dir;
	/* Never the host's system bus (a later --bus= in extra_args wins). */
	argv[n++] = "--bus=no";
	for (; extra_args && *extra_args && n < 30; extra_args++)
		argv[n++] = *extra_args;
	argv[n] = NULL;

	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		int fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		/* Its own process group: a test killing its group spares it. */
		setpgid(0, 0);
		/* A test that fails half-way must not leave a daemon behind
		 * (nor one holding what the runner holds, such as a flock). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(126);
		syscall(SYS_close_range, 3, ~0U, 0);
		cg_enter_own(d->cgroup_pid);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	setenv("SANDBOXD_SOCKET", d->socket, 1);

	deadline = now_ms() + 5000;
	while (now_ms() < deadline) {
		if (socket_accepts(d->socket))
			return 0;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			char *log = testdaemon_read_log(d);

			fprintf(stderr, "testdaemon: sandboxd died at start (status 0x%x):\n%s\n",
			    status, log);
			free(log);
			cg_remove_own(d->cgroup_pid > 0 ? d->cgroup_pid : d->pid);
			d->pid = 0;
			return -1;
		}
		nap();
	}
	fprintf(stderr, "testdaemon: socket %s not accepting after 5 s\n", d->socket);
	testdaemon_stop(d);
	return -1;
}

int
testdaemon_signal(struct testdaemon *d, int sig)
{
	if (d->pid <= 0)
		return -1;
	return kill(d->pid, sig);
}

int
testdaemon_stop(struct testdaemon *d)
{
	long long deadline;
	int status;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	deadline = now_ms() + 20000;
	for (;;) {
		pid_t p = waitpid(d->pid, &status, WNOHANG);

		if (p == d->pid)
			break;
		if (p < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (now_ms() > deadline) {
			fprintf(stderr, "testdaemon: sandboxd ignored SIGTERM for 20 s, killing\n");
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			status = -1;
			break;
		}
		nap();
	}
	cg_remove_own(d->cgroup_pid > 0 ? d->cgroup_pid : d->pid);
	d->pid = 0;
	return status;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
testlib_rm_rf(const char *path)
{
	(void) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
testdaemon_free(struct testdaemon *d)
{
	if (!d)
		return;
	if (d->pid > 0)
		testdaemon_stop(d);
	if (getenv("TESTDAEMON_KEEP"))
		fprintf(stderr, "testdaemon: keeping %s\n", d->dir);
	else
		testlib_rm_rf(d->dir);
	free(d->dir);
	free(d->socket);
	free(d->policy_dir);
	free(d->log_path);
	free(d);
}

void
testdaemon_write_policy(struct testdaemon *d, const char *name, const char *text)
{
	char *path = testlib_asprintf("%s/%s.policy", d->policy_dir, name);

	write_file(path, text);
	free(path);
}

char *
testdaemon_read_log(struct testdaemon *d)
{
	return read_file(d->log_path);
}

unsigned
testdaemon_log_count(struct testdaemon *d, const char *needle)
{
	char *log = testdaemon_read_log(d), *p = log;
	unsigned n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	free(log);
	return n;
}

bool
testdaemon_wait_log(struct testdaemon *d, const char *needle, unsigned n, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		if (testdaemon_log_count(d, needle) >= n)
			return true;
		if (now_ms() > deadline)
			return false;
		nap();
	}
}

char *
testlib_default_policy_with(const char *filesystem_lines)
{
	const char *top = getenv("TOP_SRCDIR");
	char *path, *text, *at, *ret;

	if (!top || !*top)
		top = TESTLIB_TOP_SRCDIR;
	path = testlib_asprintf("%s/policies/default.policy", top);
	text = read_file(path);
	at = strstr(text, "[Filesystem]\n");
	if (!at) {
		fprintf(stderr, "testdaemon: no [Filesystem] in %s\n", path);
		abort();
	}
	at += strlen("[Filesystem]\n");
	ret = testlib_asprintf("%.*s%s\n%s", (int)(at - text), text, filesystem_lines, at);
	free(text);
	free(path);
	return ret;
}

#define LEFTOVERS_MAX 32
static struct testlib_leftover *leftovers;

void
testlib_leftovers_up(void)
{
	leftovers = mmap(NULL, LEFTOVERS_MAX * sizeof(*leftovers), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (leftovers == MAP_FAILED)
		abort();
}

void
testlib_leftovers_down(void (*cleanup)(struct testlib_leftover *l))
{
	for (size_t i = 0; leftovers && i < LEFTOVERS_MAX; i++) {
		struct testlib_leftover *l = &leftovers[i];

		if (l->pid == 0 || l->done)
			continue;
		if (cleanup)
			cleanup(l);
		/* Not our child (its parent was the failed case): no wait. */
		kill(l->pid, SIGTERM);
		for (int t = 0; t < 500 && kill(l->pid, 0) == 0; t++)
			usleep(20000);
		testlib_rm_rf(l->base);
		testlib_rm_rf(l->daemon_dir);
	}
	if (leftovers)
		munmap(leftovers, LEFTOVERS_MAX * sizeof(*leftovers));
	leftovers = NULL;
}

struct testlib_leftover *
testlib_leftover_add(pid_t pid, const char *base, const char *daemon_dir)
{
	for (size_t i = 0; leftovers && i < LEFTOVERS_MAX; i++)
		if (leftovers[i].pid == 0) {
			leftovers[i].pid = pid;
			snprintf(leftovers[i].base, sizeof(leftovers[i].base), "%s", base);
			snprintf(leftovers[i].daemon_dir, sizeof(leftovers[i].daemon_dir), "%s",
			    daemon_dir);
			return &leftovers[i];
		}
	return NULL;
}

struct testlib_leftover *
testlib_leftover_find(pid_t pid)
{
	for (size_t i = 0; pid > 0 && leftovers && i < LEFTOVERS_MAX; i++)
		if (leftovers[i].pid == pid)
			return &leftovers[i];
	return NULL;
}

void
testlib_leftover_done(pid_t pid)
{
	struct testlib_leftover *l = testlib_leftover_find(pid);

	if (l)
		l->done = true;
}

void
testlib_leftover_free(struct testdaemon *d, char *tree)
{
	if (d)
		testlib_leftover_done(d->pid);
	testdaemon_free(d);
	if (tree)
		testlib_rm_rf(tree);
	free(tree);
}

static char *kept[4096];
static size_t n_kept;

const char *
testlib_keep(char *s)
{
	ck_assert(s);
	ck_assert(n_kept < sizeof(kept) / sizeof(kept[0]));
	kept[n_kept++] = s;
	return s;
}

void
testlib_keep_free(void)
{
	for (size_t i = 0; i < n_kept; i++)
		free(kept[i]);
	n_kept = 0;
}

char *
testlib_tree_new(const char *prefix)
{
	char *tmpl = testlib_asprintf("/var/tmp/%s.XXXXXX", prefix);

	ck_assert_msg(mkdtemp(tmpl), "mkdtemp %s: %m", tmpl);
	ck_assert_int_eq(chmod(tmpl, 0755), 0);
	return tmpl;
}

void
testlib_tree_put(const char *path, const char *text, mode_t mode, uid_t uid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_msg(fd >= 0, "create %s: %m", path);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	if (uid != (uid_t)-1)
		ck_assert_int_eq(fchown(fd, uid, uid), 0);
	close(fd);
}

void
testlib_tree_dir(const char *path, uid_t uid)
{
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %m", path);
	ck_assert_int_eq(chmod(path, 0755), 0);
	if (uid != (uid_t)-1)
		ck_assert_int_eq(chown(path, uid, uid), 0);
}

void
testlib_tree_symlink(const char *target, const char *path)
{
	ck_assert_msg(symlink(target, path) == 0, "symlink %s: %m", path);
}

char *
testlib_tree_content(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return strdup("(missing)");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return strdup("(unreadable)");
	buf[n] = '\0';
	return strdup(buf);
}

bool
testlib_tree_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

const char *
testlib_helpers_dir(void)
{
	return TESTLIB_HELPERS_DIR;
}

int
testlib_count_procs(const char *file, bool (*match)(FILE *f, void *userdata), void *userdata)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[300];
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/%s", de->d_name, file);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (match(f, userdata))
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

/* A /proc/PID/status whose real uid is *(uid_t *)userdata. */
static bool
status_has_uid(FILE *f, void *userdata)
{
	uid_t uid = *(const uid_t *)userdata;
	char line[256];

	while (fgets(line, sizeof(line), f)) {
		unsigned long real;
		/* Zombies count too: a process is only gone once reaped. */
		if (sscanf(line, "Uid: %lu", &real) == 1)
			return real == uid;
	}
	return false;
}

static unsigned
scan_uid_procs(uid_t uid)
{
	int n = testlib_count_procs("status", status_has_uid, &uid);

	if (n < 0)
		abort();
	return (unsigned)n;
}

unsigned
testlib_count_uid_procs(uid_t uid)
{
	return scan_uid_procs(uid);
}

bool
testlib_wait_no_uid_procs(uid_t uid, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		if (scan_uid_procs(uid) == 0)
			return true;
		if (now_ms() > deadline)
			return false;
		nap();
	}
}

static void
append(char **buf, size_t *len, const char *p, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	if (!*buf)
		abort();
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Closes our ends of a command's stdout, stderr and stdin pipes, those still open. */
static void
close_ends(int out, int err, int in)
{
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	if (in >= 0)
		close(in);
}

/* Reads what *fd has into *buf; at end of file or on error closes *fd and sets it to -1. */
static void
drain(int *fd, char **buf, size_t *len)
{
	char chunk[4096];
	ssize_t n;

	n = read(*fd, chunk, sizeof(chunk));
	if (n > 0)
		append(buf, len, chunk, (size_t)n);
	else {
		close(*fd);
		*fd = -1;
	}
}

/* Reaps pid unless the loop above did; true if status is valid. */
static bool
done_waiting(pid_t pid, int *status)
{
	int st;
	pid_t p = waitpid(pid, &st, 0);

	if (p == pid)
		*status = st;
	return p == pid || errno == ECHILD;
}

/* In a forked child: stdio from in, out, err, then uid/gid (uid (uid_t)-1:
 * unchanged; setgroups cleared), then exec argv. */
_Noreturn static void
exec_as(const char *const *argv, int in, int out, int err, uid_t uid, gid_t gid)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (uid != (uid_t)-1) {
		if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(126);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

int
testlib_run_cmd(const char *const *argv, const char *input, uid_t uid, gid_t gid,
    int timeout_ms, char **ret_out, char **ret_err)
{
	int out[2], err[2], in[2] = { -1, -1 };
	char *obuf = strdup(""), *ebuf = strdup("");
	size_t olen = 0, elen = 0, ilen = input ? strlen(input) : 0, ioff = 0;
	long long deadline = now_ms() + timeout_ms;
	int status = -1;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		abort();
	if (input && pipe2(in, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0)
		exec_as(argv, input ? in[0] : open("/dev/null", O_RDONLY | O_CLOEXEC), out[1], err[1],
		    uid, gid);
	close(out[1]);
	close(err[1]);
	if (input) {
		close(in[0]);
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (ilen == 0) {
			close(in[1]);
			in[1] = -1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	/*
	 * Read until the command exits, then take what is buffered: a
	 * detached sandbox may hold our pipes open for much longer.
	 */
	for (bool done = false;;) {
		struct pollfd p[3] = {
			{ out[0], POLLIN, 0 }, { err[0], POLLIN, 0 }, { in[1], POLLOUT, 0 },
		};
		char chunk[4096];
		ssize_t n;

		if (!done && waitpid(pid, &status, WNOHANG) == pid)
			done = true;
		if (!done && now_ms() > deadline) {
			fprintf(stderr, "testlib: %s timed out, killing\n", argv[0]);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			done = true;
		}
		if (!done && poll(p, 3, 50) < 0 && errno != EINTR)
			abort();
		for (int i = 0; i < 2; i++) {
			int *fd = i == 0 ? &out[0] : &err[0];

			while (*fd >= 0) {
				n = read(*fd, chunk, sizeof(chunk));
				if (n > 0) {
					if (i == 0)
						append(&obuf, &olen, chunk, n);
					else
						append(&ebuf, &elen, chunk, n);
					continue;
				}
				if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
					close(*fd);
					*fd = -1;
				}
				break;
			}
		}
		if (in[1] >= 0 && (p[2].revents || done)) {
			n = done ? -1 : write(in[1], input + ioff, ilen - ioff);
			if (n > 0)
				ioff += n;
			if (n < 0 || ioff == ilen) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (done || (out[0] < 0 && err[0] < 0 && in[1] < 0))
			break;
	}
	close_ends(out[0], err[0], in[1]);
	if (!done_waiting(pid, &status))
		status = -1;
	if (ret_out)
		*ret_out = obuf;
	else
		free(obuf);
	if (ret_err)
		*ret_err = ebuf;
	else
		free(ebuf);
	return status;
}

/*
 * sandboxctl run as another uid must not depend on where the build tree
 * lives: a tree below /root (0700) is out of reach of uid 65534, and exec
 * fails with status 127. So the real program (behind libtool's wrapper
 * script) and libsandbox-client are copied once, by the test's main
 * process, into a world-readable tmpdir removed at its exit.
 */
static char *ctl_copy_dir;
static pid_t ctl_copy_owner;

static void
ctl_copy_remove(void)
{
	if (ctl_copy_dir && getpid() == ctl_copy_owner)
		testlib_rm_rf(ctl_copy_dir);
}

static int
copy_file(const char *from, const char *dir, const char *name)
{
	char *to = testlib_asprintf("%s/%s", dir, name), buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, r = -1;
	ssize_t n;

	if (in >= 0)
		out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t) n) != n)
				break;
		r = n == 0 ? 0 : -1;
	}
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		r = -1;
	free(to);
	return r;
}

static void
ctl_copy_make(void)
{
	const char *ctl = getenv("SANDBOXCTL");
	char tmpl[] = "/tmp/sandboxd-itest-bin.XXXXXX";
	char *dir, *real, *lib;
	struct stat st;

	if (ctl_copy_dir || !ctl || !mkdtemp(tmpl) || chmod(tmpl, 0755) < 0)
		return;
	ctl_copy_dir = strdup(tmpl);
	ctl_copy_owner = getpid();
	atexit(ctl_copy_remove);
	dir = strdup(ctl);
	if (!dir || !strrchr(dir, '/'))
		abort();
	*strrchr(dir, '/') = '\0';
	real = testlib_asprintf("%s/.libs/sandboxctl", dir);
	if (stat(real, &st) < 0) {
		free(real);
		real = strdup(ctl);
	}
	lib = testlib_asprintf("%s/.libs/libsandbox-client.so.0", dir);
	if (copy_file(real, ctl_copy_dir, "sandboxctl") < 0 ||
	    (stat(lib, &st) == 0 && copy_file(lib, ctl_copy_dir, "libsandbox-client.so.0") < 0))
		fprintf(stderr, "testlib: cannot copy %s to %s: %m\n", real, ctl_copy_dir);
	free(lib);
	free(real);
	free(dir);
}

/* The command line of $SANDBOXCTL with ap's arguments, as uid would run
 * it, into argv[64]; *ret_ctl and *ret_env are the caller's to free. */
static void
ctl_argv(const char **argv, uid_t uid, char **ret_ctl, char **ret_env, va_list ap)
{
	const char *a;
	size_t n = 0;

	*ret_ctl = *ret_env = NULL;
	argv[n++] = getenv("SANDBOXCTL");
	if (!argv[0]) {
		fprintf(stderr, "testlib: $SANDBOXCTL is not set\n");
		abort();
	}
	if (uid != (uid_t)-1 && ctl_copy_dir) {
		*ret_env = testlib_asprintf("LD_LIBRARY_PATH=%s", ctl_copy_dir);
		*ret_ctl = testlib_asprintf("%s/sandboxctl", ctl_copy_dir);
		n = 0;
		argv[n++] = "/usr/bin/env";
		argv[n++] = *ret_env;
		argv[n++] = *ret_ctl;
	}
	while ((a = va_arg(ap, const char *)) && n < 63)
		argv[n++] = a;
	argv[n] = NULL;
}

static int
sandboxctl_v(const char *input, uid_t uid, gid_t gid, char **ret_out, char **ret_err, va_list ap)
{
	const char *argv[64];
	char *ctl, *env;
	int r;

	ctl_argv(argv, uid, &ctl, &env, ap);
	r = testlib_run_cmd(argv, input, uid, gid, 60000, ret_out, ret_err);
	free(ctl);
	free(env);
	return r;
}

pid_t
testlib_sandboxctl_start(uid_t uid, gid_t gid, int *ret_stdin, int *ret_stdout, ...)
{
	const char *argv[64];
	char *ctl, *env;
	int in[2], out[2];
	va_list ap;
	pid_t pid;

	va_start(ap, ret_stdout);
	ctl_argv(argv, uid, &ctl, &env, ap);
	va_end(ap);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0)
		exec_as(argv, in[0], out[1], 2, uid, gid);
	close(in[0]);
	close(out[1]);
	free(ctl);
	free(env);
	*ret_stdin = in[1];
	*ret_stdout = out[0];
	return pid;
}

int
testlib_sandboxctl(const char *input, char **ret_out, char **ret_err, ...)
{
	va_list ap;
	int r;

	va_start(ap, ret_err);
	r = sandboxctl_v(input, (uid_t)-1, (gid_t)-1, ret_out, ret_err, ap);
	va_end(ap);
	return r;
}

int
testlib_sandboxctl_input_as(const char *input, uid_t uid, gid_t gid, char **ret_out,
    char **ret_err, ...)
{
	va_list ap;
	int r;

	va_start(ap, ret_err);
	r = sandboxctl_v(input, uid, gid, ret_out, ret_err, ap);
	va_end(ap);
	return r;
}

int
testlib_sandboxctl_sh_as(uid_t uid, gid_t gid, const char *script, char **ret_out,
    char **ret_err)
{
	const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	char *full;
	int r;

	if (uid != (uid_t)-1 && ctl_copy_dir)
		full = testlib_asprintf("SANDBOXCTL='%s/sandboxctl' LD_LIBRARY_PATH='%s'; "
		    "export SANDBOXCTL LD_LIBRARY_PATH; %s", ctl_copy_dir, ctl_copy_dir, script);
	else
		full = testlib_asprintf("%s", script);
	argv[2] = full;
	r = testlib_run_cmd(argv, NULL, uid, gid, 60000, ret_out, ret_err);
	free(full);
	return r;
}

int
testlib_python(const char *script, const char *input, char **ret_out, char **ret_err)
{
	const char *argv[] = { "/usr/bin/python3", "-c", script, NULL };

	return testlib_exit_code(testlib_run_cmd(argv, input, (uid_t)-1, (gid_t)-1, 30000,
	    ret_out, ret_err));
}

void
testlib_assert_printable(const char *what, const char *s, bool tab_ok)
{
	char *err = NULL;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		ck_assert_msg(*p >= 0x20 || *p == '\n' || (tab_ok && *p == '\t'),
		    "%s: raw byte 0x%02x at offset %td:\n%s", what, *p, (const char *)p - s, s);
		ck_assert_msg(*p != 0x7f, "%s: raw DEL at offset %td", what, (const char *)p - s);
		ck_assert_msg(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f),
		    "%s: raw C1 control at offset %td:\n%s", what, (const char *)p - s, s);
	}
	ck_assert_msg(testlib_python("import sys; sys.stdin.buffer.read().decode('utf-8', 'strict')",
	    s, NULL, &err) == 0, "%s: not valid UTF-8: %s\n%s", what, err, s);
	free(err);
}

int
testlib_exit_code(int wstatus)
{
	if (wstatus < 0)
		return -1;
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

/*
 * The shipped policies set Memory=, Tasks= and CPUQuota=: where the daemon cannot
 * enforce them (started in a cgroup that is not delegated to it and with
 * no systemd to ask for one), nearly every spawn fails. A probe daemon,
 * started as the tests start theirs, tells; the skip quotes its reason,
 * and "make check" then prints how to run the suite properly.
 */
static bool
limits_skip(void)
{
	struct testdaemon *d = testdaemon_new();
	const char *old = getenv("SANDBOXD_SOCKET");
	char *saved = old ? strdup(old) : NULL, *log = NULL, *why, *end;
	bool skip = false;

	if (testdaemon_start(d, NULL) == 0) {
		log = testdaemon_read_log(d);
		if (!strstr(log, "(memory: yes, tasks: yes") || !strstr(log, "cpu quota: yes")) {
			why = strstr(log, "cannot be enforced");
			why = why ? strstr(why, ": ") : NULL;
			why = why ? why + 2 : (char *)"see sandboxd's start-up log";
			end = strchr(why, '\n');
			if (end)
				*end = '\0';
			printf("1..0 # SKIP sandboxd cannot enforce memory, tasks and CPU limits here, "
			    "which the shipped policies set: %s\n", why);
			skip = true;
		}
	}
	testdaemon_free(d);
	free(log);
	if (saved)
		setenv("SANDBOXD_SOCKET", saved, 1);
	else
		unsetenv("SANDBOXD_SOCKET");
	free(saved);
	return skip;
}

bool
testlib_integration_skip(void)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return true;
	}
	if (!getenv("SANDBOXD") || !getenv("SANDBOXCTL")) {
		printf("1..0 # SKIP $SANDBOXD or $SANDBOXCTL not set (run through make check)\n");
		return true;
	}
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) < 0 ? 1 : 0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("1..0 # SKIP user namespaces are unavailable\n");
		return true;
	}
	if (limits_skip())
		return true;
	ctl_copy_make();
	return false;
}

int
testdaemon_main(Suite *(*make_suite)(void))
{
	if (testlib_integration_skip())
		return 0;
	return testlib_run(make_suite());
}

sandbox_client *
testlib_connect(void)
{
	sandbox_client *c = NULL;
	int r = sandbox_client_connect(NULL, &c);

	if (r < 0) {
		fprintf(stderr, "testlib: cannot connect to %s: %s\n",
		    getenv("SANDBOXD_SOCKET"), strerror(-r));
		abort();
	}
	return c;
}

void
testlib_run_done(struct testlib_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

static int
spawn_impl(sandbox_client *c, sandbox_spawn_options *o, const char *input, int stdin_fd,
    const char *const *argv, int timeout_ms, struct testlib_run *ret)
{
	sandbox_spawn_options *own = NULL;
	int out[2], err[2], in[2] = { -1, -1 };
	size_t olen = 0, elen = 0, ilen = input ? strlen(input) : 0, ioff = 0;
	long long deadline = now_ms() + timeout_ms, exit_deadline = 0;
	bool exited = false;
	sandbox_info *info = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->uid = (uid_t)-1;
	ret->out = strdup("");
	ret->err = strdup("");
	ret->wait_r = -ETIMEDOUT;
	if (!o) {
		if (sandbox_spawn_options_new(&own) < 0)
			abort();
		o = own;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		abort();
	if (input && pipe2(in, O_CLOEXEC) < 0)
		abort();
	if (sandbox_spawn_options_set_stdio(o, input ? in[0] : stdin_fd, out[1], err[1]) < 0)
		abort();
	r = sandbox_spawn(c, o, (char *const *)argv, &ret->id);
	close(out[1]);
	close(err[1]);
	if (input)
		close(in[0]);
	sandbox_spawn_options_free(own);
	if (r < 0) {
		close(out[0]);
		close(err[0]);
		if (input)
			close(in[1]);
		return r;
	}
	if (sandbox_status(c, ret->id, &info) >= 0) {
		ret->uid = sandbox_info_get_uid(info);
		sandbox_info_free(info);
	}
	signal(SIGPIPE, SIG_IGN);
	if (input) {
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (ilen == 0) {
			close(in[1]);
			in[1] = -1;
		}
	}
	for (;;) {
		struct pollfd p[4] = {
			{ out[0], POLLIN, 0 }, { err[0], POLLIN, 0 }, { in[1], POLLOUT, 0 },
			{ exited ? -1 : sandbox_client_get_fd(c), POLLIN, 0 },
		};
		long long left = (exited ? exit_deadline : deadline) - now_ms();
		ssize_t n;

		if (exited && out[0] < 0 && err[0] < 0)
			break;
		if (left <= 0)
			break;
		if (poll(p, 4, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			abort();
		if (out[0] >= 0 && p[0].revents)
			drain(&out[0], &ret->out, &olen);
		if (err[0] >= 0 && p[1].revents)
			drain(&err[0], &ret->err, &elen);
		if (in[1] >= 0 && p[2].revents) {
			n = write(in[1], input + ioff, ilen - ioff);
			if (n > 0)
				ioff += n;
			if (n < 0 || ioff == ilen) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (!exited && (p[3].revents || (out[0] < 0 && err[0] < 0))) {
			sandbox_exit ex;

			r = sandbox_wait(c, ret->id, out[0] < 0 && err[0] < 0 ? (int)left : 0, &ex);
			if (r == 0) {
				ret->exited = ex.exited;
				ret->status = ex.status;
				snprintf(ret->limit, sizeof(ret->limit), "%s", ex.limit ? ex.limit : "");
				ret->wall_usec = ex.wall_usec;
			}
			if (r != -ETIMEDOUT) {
				ret->wait_r = r;
				exited = true;
				/* Everything in it is dead: the pipes close soon. */
				exit_deadline = now_ms() + 5000;
			}
		}
	}
	close_ends(out[0], err[0], in[1]);
	return 0;
}

int
testlib_spawn(sandbox_client *c, sandbox_spawn_options *o, const char *input,
    const char *const *argv, int timeout_ms, struct testlib_run *ret)
{
	return spawn_impl(c, o, input, -1, argv, timeout_ms, ret);
}

int
testlib_spawn_fd(sandbox_client *c, sandbox_spawn_options *o, int stdin_fd,
    const char *const *argv, int timeout_ms, struct testlib_run *ret)
{
	return spawn_impl(c, o, NULL, stdin_fd, argv, timeout_ms, ret);
}

struct testdaemon *
testdaemon_start_with_policy(const char *name, const char *text)
{
	struct testdaemon *d = testdaemon_new();

	testdaemon_write_policy(d, name, text);
	if (testdaemon_start(d, NULL) < 0)
		abort();
	return d;
}

void
testdaemon_fixture_up_default_with(const char *name, const char *filesystem_lines)
{
	char *text = testlib_default_policy_with(filesystem_lines);

	testdaemon_fixture = testdaemon_start_with_policy(name, text);
	free(text);
}

struct testdaemon *
testdaemon_start_with_escape(void)
{
	struct testdaemon *d;
	char *bind, *text;

	if (asprintf(&bind, "BindReadOnly=%s:/opt/helpers", testlib_helpers_dir()) < 0)
		abort();
	text = testlib_default_policy_with(bind);
	d = testdaemon_start_with_policy("escape", text);
	free(text);
	free(bind);
	return d;
}

struct testdaemon *testdaemon_fixture;

void
testdaemon_fixture_up(void)
{
	testdaemon_fixture = testdaemon_new();
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, NULL), 0);
}

void
testdaemon_fixture_up_escape(void)
{
	testdaemon_fixture = testdaemon_start_with_escape();
}

void
testdaemon_fixture_down(void)
{
	testdaemon_free(testdaemon_fixture);
	testdaemon_fixture = NULL;
}
