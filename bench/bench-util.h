/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Timing, percentile, allocation, option and CPU pinning helpers shared
 * by the benchmarks; for those that include sandbox-client.h first, die_client().
 */
#pragma once

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array of n > 0 values. */
static inline uint64_t
pct(const uint64_t *v, int n, double p)
{
	int i;

	if (n <= 0)
		return 0;
	i = (int) (p * (double) (n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* pct() for a sorted array of n > 0 doubles (per-round ratios). */
static inline double
pctd(const double *v, int n, double p)
{
	int i = (int) (p * (double) (n - 1) + 0.5);

	return v[i >= n ? n - 1 : i];
}

/* A sample's summary, in microseconds. */
struct bench_stats {
	double median, p90, p99, mean, min, max;
};

/* Sorts the n > 0 samples v (nanoseconds) and summarizes them. */
static inline void
bench_stats_compute(uint64_t *v, int n, struct bench_stats *st)
{
	double sum = 0;

	qsort(v, (size_t) n, sizeof(*v), cmp_u64);
	for (int i = 0; i < n; i++)
		sum += (double) v[i];
	st->median = (double) pct(v, n, 0.50) / 1000.0;
	st->p90 = (double) pct(v, n, 0.90) / 1000.0;
	st->p99 = (double) pct(v, n, 0.99) / 1000.0;
	st->mean = sum / n / 1000.0;
	st->min = (double) v[0] / 1000.0;
	st->max = (double) v[n - 1] / 1000.0;
}

/* The phase tables (bench-spawn, bench-dbus): a row per case and phase;
 * ratio names the last column. */
static inline void
bench_print_header(const char *ratio)
{
	printf("%-17s %-11s %9s %9s %9s %9s %9s %9s %8s %8s\n", "case", "phase", "median",
	    "p90", "p99", "mean", "min", "max", "ops/s", ratio);
}

/* The last columns: ops per second, and the median over base_median;
 * either is "-" when not above 0. */
static inline void
bench_print_row(const char *name, const char *phase, const struct bench_stats *s, double ops,
    double base_median)
{
	char o[32] = "-", x[32] = "-";

	if (ops > 0)
		snprintf(o, sizeof(o), "%.0f", ops);
	if (base_median > 0)
		snprintf(x, sizeof(x), "%.2fx", s->median / base_median);
	printf("%-17s %-11s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %8s %8s\n", name, phase,
	    s->median, s->p90, s->p99, s->mean, s->min, s->max, o, x);
}

/* calloc() or exit: a benchmark cannot go on without its sample arrays. */
static inline void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
		exit(1);
	}
	return p;
}

/*
 * The options every driver takes: -n samples to time, -w warm-up runs.
 * Returns 1 when c was one of them (and stored optarg), 0 otherwise; called
 * from the default branch of a driver's option switch.
 */
static inline int
bench_count_opt(int c, const char *arg, int *n, int *warmup)
{
	switch (c) {
	case 'n':
		*n = atoi(arg);
		return 1;
	case 'w':
		*warmup = atoi(arg);
		return 1;
	}
	return 0;
}

/*
 * The options of the drivers that run themselves in a sandbox
 * (bench-intercept, bench-denials): -n and -w as bench_count_opt() stores
 * them, -o operations per case, -s sandboxd's socket, -d its pid, -h.
 * Returns -1 to go on, or the status main returns (after usage()).
 */
struct bench_sandbox_opts {
	int n, warmup, ops;
	const char *sock;
	pid_t daemon;
};

static inline int
bench_sandbox_getopt(int argc, char **argv, struct bench_sandbox_opts *o, void (*usage)(FILE *))
{
	int c;

	while ((c = getopt(argc, argv, "hn:w:o:s:d:")) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'o':
			o->ops = atoi(optarg);
			break;
		case 's':
			o->sock = optarg;
			break;
		case 'd':
			o->daemon = (pid_t) atoi(optarg);
			break;
		default:
			if (bench_count_opt(c, optarg, &o->n, &o->warmup))
				break;
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

/* Pins this thread to cpu; negative errno on failure. */
static inline int
bench_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

/* sched_setaffinity() on every thread of process pid (sandboxd's workers
 * too); the number of threads, or negative errno. */
static inline int
bench_pin_pid(pid_t pid, const cpu_set_t *mask)
{
	char dir[64];
	struct dirent *de;
	DIR *d;
	int r = 0, n = 0;

	(void) snprintf(dir, sizeof(dir), "/proc/%d/task", (int) pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t) atoi(de->d_name);

		if (tid <= 0)
			continue;
		if (sched_setaffinity(tid, sizeof(*mask), mask) < 0 && errno != ESRCH)
			r = -errno;
		n++;
	}
	closedir(d);
	return r < 0 ? r : n;
}

/* Pins every thread of daemon to CPU 0, its affinity saved in saved
 * (bench_pin_pid(daemon, saved) restores it); exits on failure. */
static inline void
bench_pin_daemon(pid_t daemon, cpu_set_t *saved)
{
	cpu_set_t m;
	int r;

	CPU_ZERO(&m);
	CPU_SET(0, &m);
	r = sched_getaffinity(daemon, sizeof(*saved), saved) < 0 ? -errno : bench_pin_pid(daemon, &m);
	if (r < 0) {
		fprintf(stderr, "%s: pinning sandboxd (pid %d): %s\n", program_invocation_short_name,
		    (int) daemon, strerror(-r));
		exit(1);
	}
}

/* The directory part of path's real path, into out (size bytes). */
static inline int
bench_dir_of(const char *path, char *out, size_t size)
{
	char real[PATH_MAX], *slash;

	if (!realpath(path, real))
		return -errno;
	slash = strrchr(real, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (snprintf(out, size, "%s", real[0] ? real : "/") >= (int) size)
		return -ENAMETOOLONG;
	return 0;
}

#ifdef SANDBOX_CLIENT_H
/* Where this uninstalled program and the libsandbox-client it loaded
 * (its RUNPATH) lie: a policy binds them at the same paths. */
struct bench_self_dirs {
	char exe[PATH_MAX];
	char lib[PATH_MAX];
};

static inline int
bench_self_dirs(struct bench_self_dirs *d)
{
	Dl_info info;
	int r = bench_dir_of("/proc/self/exe", d->exe, sizeof(d->exe));

	if (r < 0)
		return r;
	if (!dladdr((void *) sandbox_broker_open, &info) || !info.dli_fname)
		return -ENOENT;
	return bench_dir_of(info.dli_fname, d->lib, sizeof(d->lib));
}

static inline int
bench_is_under_usr(const char *d)
{
	return strcmp(d, "/usr") == 0 || strncmp(d, "/usr/", 5) == 0;
}

/* The BindReadOnly= lines for them; nothing for what lies under /usr,
 * which the policies bind whole. Nothing of the build tree is writable
 * inside. */
static inline void
bench_print_self_binds(FILE *f, const struct bench_self_dirs *d)
{
	if (!bench_is_under_usr(d->exe))
		fprintf(f, "BindReadOnly=%s\n", d->exe);
	if (!bench_is_under_usr(d->lib) && strcmp(d->lib, d->exe) != 0)
		fprintf(f, "BindReadOnly=%s\n", d->lib);
}

/*
 * Writes the policy of the benchmarks that run themselves in a sandbox
 * (bench-broker, bench-intercept, bench-denials) to file: /usr and this
 * program bound read-only, no network, "[Broker] Tree=tree read" (tree
 * NULL: none) with "Intercept=" as intercept says (NULL: the key left
 * out), a private /tmp (its working directory and HOME) if tmp, the
 * system calls allow names (NULL: BENCH_ALLOW) refused with EPERM, and
 * sched_setaffinity() allowed, since the targets pin themselves. 0 or -1
 * (said on stderr).
 */
#define BENCH_ALLOW "@default @basic-io @file-system @process @signal @broker"

static inline int
bench_write_policy(const char *file, const char *description, const char *tree,
    const char *intercept, int tmp, const char *allow)
{
	struct bench_self_dirs self;
	FILE *f;
	int r = bench_self_dirs(&self);

	if (r < 0) {
		fprintf(stderr, "%s: cannot find my own or my library's directory: %s\n",
		    program_invocation_short_name, strerror(-r));
		return -1;
	}
	f = fopen(file, "we");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, file, strerror(errno));
		return -1;
	}
	fprintf(f,
	    "# Written by %s --write-policy (make bench): %s.\n"
	    "\n"
	    "[Policy]\n"
	    "Description=%s\n"
	    "\n"
	    "[Filesystem]\n"
	    "BindReadOnly=/usr\n"
	    "Symlink=usr/bin:/bin\n"
	    "Symlink=usr/lib:/lib\n"
	    "Symlink=usr/lib64:/lib64\n"
	    "BindReadOnly=/etc/ld.so.cache\n",
	    program_invocation_short_name, description, description);
	bench_print_self_binds(f, &self);
	fprintf(f,
	    "%s"
	    "\n"
	    "[Sandbox]\n"
	    "Hostname=sandbox\n"
	    "Environment=PATH=/usr/bin:/bin\n"
	    "Environment=LANG=C.UTF-8\n"
	    "%s"
	    "\n"
	    "[Limits]\n"
	    "WallTime=10min\n"
	    "Memory=256M\n"
	    "Tasks=8\n"
	    "CPUTime=10min\n"
	    "OpenFiles=64\n"
	    "FileSize=1M\n"
	    "\n"
	    "[Network]\n"
	    "Network=none\n"
	    "\n"
	    "[Security]\n"
	    "Landlock=best-effort\n"
	    "\n"
	    "[Broker]\n"
	    "%s%s%s"
	    "%s%s%s"
	    "\n"
	    "[SystemCalls]\n"
	    "Allow=%s\n"
	    "# The target pins itself to a CPU before measuring.\n"
	    "Allow=sched_setaffinity\n"
	    "Action=errno\n",
	    tmp ? "Tmp=yes\nTmpSize=16M\n" : "Tmp=no\n",
	    tmp ? "Environment=HOME=/tmp\nWorkingDirectory=/tmp\n" : "WorkingDirectory=/\n",
	    intercept ? "Intercept=" : "", intercept ? intercept : "", intercept ? "\n" : "",
	    tree ? "Tree=" : "", tree ? tree : "", tree ? " read\n" : "", allow ? allow : BENCH_ALLOW);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, file, strerror(errno));
		return -1;
	}
	return 0;
}

/* A libsandbox-client call failed (c: its connection, or NULL): exit. */
static inline void
die_client(const char *what, sandbox_client *c, int r)
{
	const char *msg = c ? sandbox_client_last_error(c) : NULL;

	fprintf(stderr, "%s: %s: %s%s%s\n", program_invocation_short_name, what, strerror(-r),
	    msg ? ": " : "", msg ? msg : "");
	exit(1);
}

/*
 * Spawns argv under policy with stdout on out (-1: /dev/null) and waits for
 * it. Returns the wall time in ns; exits if the spawn fails, and returns 0
 * if the target did not exit 0 (said on stderr).
 */
static inline uint64_t
bench_spawn_wait(sandbox_client *c, const char *policy, char *const argv[], int out)
{
	sandbox_spawn_options *o = NULL;
	sandbox_exit ex;
	uint64_t id, t0, t1;
	int r;

	r = sandbox_spawn_options_new(&o);
	if (r >= 0)
		r = sandbox_spawn_options_set_policy(o, policy);
	if (r >= 0)
		r = sandbox_spawn_options_set_stdio(o, -1, out, out < 0 ? -1 : STDERR_FILENO);
	if (r < 0)
		die_client("sandbox_spawn_options", NULL, r);
	t0 = now_ns();
	r = sandbox_spawn(c, o, argv, &id);
	sandbox_spawn_options_free(o);
	if (r < 0)
		die_client("sandbox_spawn", c, r);
	r = sandbox_wait(c, id, -1, &ex);
	t1 = now_ns();
	if (r < 0)
		die_client("sandbox_wait", c, r);
	if (!ex.exited || ex.status != 0) {
		fprintf(stderr, "%s: %s under %s: %s %d (limit %s)\n", program_invocation_short_name,
		    argv[0], policy, ex.exited ? "exit status" : "signal", ex.status,
		    ex.limit ? ex.limit : "none");
		return 0;
	}
	return t1 - t0;
}

/* bench_spawn_wait() with stdout on a pipe, whose read end (holding what
 * the target printed: a few lines) is *ret_fd, the caller's to close. */
static inline uint64_t
bench_spawn_piped(sandbox_client *c, const char *policy, char *const argv[], int *ret_fd)
{
	int p[2];
	uint64_t w;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "%s: pipe: %s\n", program_invocation_short_name, strerror(errno));
		exit(1);
	}
	w = bench_spawn_wait(c, policy, argv, p[1]);
	close(p[1]);
	*ret_fd = p[0];
	return w;
}
#endif
