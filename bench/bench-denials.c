/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-denials: what a refused system call costs now that sandboxd names
 * it (the sandbox's filter notifies its listener, the daemon re-runs the
 * policy's BPF and answers with the policy's errno), against the kernel
 * answering the errno itself, and against an allowed call.
 *
 *   bench-denials --write-policy DIR
 *       writes DIR/bench-denials.policy: strict-like (what the loader
 *       needs, no @file-system, no @process), this program's and
 *       libsandbox-client's directories bound read-only, Action=errno
 *       (EPERM), sched_setaffinity() allowed. Run it before sandboxd
 *       starts (or send SIGHUP afterwards).
 *
 *   bench-denials [-n ROUNDS] [-w W] [-o OPS] [-s SOCKET] [-d PID]
 *       the outer mode, on the host, as root. Three calls, OPS of each
 *       per run (after W untimed), in batches of BATCH calls, the three
 *       batches of a turn in an order shuffled anew (a fixed seed):
 *         getppid      allowed: the baseline of "named/allowed";
 *         getpriority  refused, no argument the daemon reads;
 *         mkdir        refused, a path the daemon reads from the target's
 *                      memory to name it ("/tmp/bench-denials").
 *       Two cases run them, alternating in a shuffled order, ROUNDS times:
 *         sandbox  this program run again (--inner OPS W CPU) in a real
 *                  sandbox under bench-denials through sandboxd: each
 *                  refusal is answered (and counted) by the daemon;
 *         kernel   a plain forked child that loaded a filter built as
 *                  sandboxd's policy compiler builds one (libseccomp,
 *                  default errno EPERM, binary tree), allowing every
 *                  other call libseccomp knows: the kernel answers the
 *                  errno, with no listener.
 *       A figure is the median over the rounds of a run's median batch
 *       mean, in µs per call. With -d (sandboxd's pid) all of it runs
 *       three times: every thread of sandboxd pinned to CPU 0 (as
 *       bench-intercept does) and the target (or child) on CPU 0 too,
 *       then on CPU 1 (if there is one: each refusal wakes a thread on
 *       the other CPU and back), then nothing pinned, as a user gets it
 *       (where the scheduler puts the two decides between the figures
 *       of the first two).
 *
 * Printed: the figures and the ratios named/kernel (a refusal through the
 * daemon against the kernel's) and named/allowed (against getppid in the
 * same sandbox), as ratios of the medians and as the median of the
 * per-round ratios. Nothing is asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "bench-util.h"

#define POLICY		"bench-denials"
#define DENIED_DIR	"/tmp/bench-denials"
#define BATCH		50
#define MAX_ROUNDS	99

/* The policy's system calls: strict.policy's, and sched_setaffinity. */
#define ALLOW	"@default @basic-io execve openat newfstatat fstat access faccessat " \
		"readlink getcwd fadvise64 rt_sigaction sigaltstack"

enum call { CALL_ALLOWED, CALL_REFUSED, CALL_PATH, _CALL_MAX };
static const char *const call_name[_CALL_MAX] = { "getppid", "getpriority", "mkdir" };

enum kase { CASE_SANDBOX, CASE_KERNEL, _CASE_MAX };
static const char *const case_name[_CASE_MAX] = { "sandbox", "kernel" };

static long
do_call(enum call c)
{
	switch (c) {
	case CALL_ALLOWED:
		return syscall(SYS_getppid);
	case CALL_REFUSED:
		return syscall(SYS_getpriority, PRIO_PROCESS, 0);
	default:
		return syscall(SYS_mkdir, DENIED_DIR, 0700);
	}
}

/*
 * The loop both cases run, pinned to cpu (-1: not): prints, on out, a
 * "RESULT CALL MEDIAN" line (µs per call) for each call, or an error.
 * 0 or 1.
 */
static int
call_loop(FILE *out, int ops, int warmup, int cpu)
{
	int batches = (ops + BATCH - 1) / BATCH, skip = (warmup + BATCH - 1) / BATCH, r;
	uint64_t *s[_CALL_MAX];
	unsigned seed = 1;

	if (cpu >= 0 && (r = bench_pin_self(cpu)) < 0) {
		fprintf(out, "ERROR: sched_setaffinity(CPU %d): %s\n", cpu, strerror(-r));
		return 1;
	}
	/* Each call once, checked: refused ones fail with EPERM (in the
	 * sandbox, a filter's notification nobody answers fails ENOSYS). */
	for (int c = 0; c < _CALL_MAX; c++) {
		long v = do_call((enum call) c);

		if (c == CALL_ALLOWED ? v < 0 : v != -1 || errno != EPERM) {
			fprintf(out, "ERROR: %s returned %ld (%s)\n", call_name[c], v,
			    v < 0 ? strerror(errno) : "no error");
			return 1;
		}
		s[c] = xcalloc((size_t) batches, sizeof(uint64_t));
	}
	for (int b = 0; b < skip + batches; b++) {
		int order[_CALL_MAX] = { 0, 1, 2 };

		for (int j = _CALL_MAX - 1; j > 0; j--) {
			int m = rand_r(&seed) % (j + 1), t = order[j];

			order[j] = order[m];
			order[m] = t;
		}
		for (int j = 0; j < _CALL_MAX; j++) {
			uint64_t t0 = now_ns();

			for (int i = 0; i < BATCH; i++)
				(void) do_call((enum call) order[j]);
			if (b >= skip)
				s[order[j]][b - skip] = (now_ns() - t0) / BATCH;
		}
	}
	for (int c = 0; c < _CALL_MAX; c++) {
		struct bench_stats st;

		bench_stats_compute(s[c], batches, &st);
		fprintf(out, "RESULT %s %.4f\n", call_name[c], st.median);
		free(s[c]);
	}
	return fflush(out) == 0 ? 0 : 1;
}

static int
inner(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: bench-denials --inner OPS W CPU\n");
		return 2;
	}
	return call_loop(stdout, atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
}

/* The kernel's case: sandboxd's kind of filter, every call libseccomp
 * knows allowed but the two refused ones. */
static int
load_kernel_filter(void)
{
	int refused[] = { SCMP_SYS(getpriority), SCMP_SYS(mkdir) };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r = ctx ? 0 : -ENOMEM;

	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (int nr = 0; r >= 0 && nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name && nr != refused[0] && nr != refused[1])
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 0);
		free(name);
	}
	if (r >= 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	if (r >= 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

/* --- outer mode: on the host ----------------------------------------- */

/* Reads the RESULT lines on fd into us[] (µs per call); other lines are
 * relayed. 0 if every call had one, -1 otherwise. */
static int
read_results(int fd, double us[_CALL_MAX])
{
	char line[512], name[32];
	FILE *f = fdopen(fd, "re");
	int found = 0;
	double v;

	if (!f) {
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "RESULT %31s %lf", name, &v) != 2) {
			printf("  | %s", line);
			continue;
		}
		for (int c = 0; c < _CALL_MAX; c++)
			if (strcmp(name, call_name[c]) == 0) {
				us[c] = v;
				found |= 1 << c;
			}
	}
	fclose(f);
	return found == (1 << _CALL_MAX) - 1 ? 0 : -1;
}

static int
run_sandbox(sandbox_client *cl, const char *self, int ops, int warmup, int cpu,
    double us[_CALL_MAX])
{
	char sn[16], sw[16], scpu[16];
	char *argv[] = { (char *) self, (char *) "--inner", sn, sw, scpu, NULL };
	int fd;
	uint64_t w;

	(void) snprintf(sn, sizeof(sn), "%d", ops);
	(void) snprintf(sw, sizeof(sw), "%d", warmup);
	(void) snprintf(scpu, sizeof(scpu), "%d", cpu);
	w = bench_spawn_piped(cl, POLICY, argv, &fd);
	return read_results(fd, us) == 0 && w ? 0 : -1;
}

static int
run_kernel(int ops, int warmup, int cpu, double us[_CALL_MAX])
{
	int p[2], st, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("bench-denials: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("bench-denials: fork");
		exit(1);
	}
	if (pid == 0) {
		FILE *out = fdopen(p[1], "w");

		if (!out)
			_exit(1);
		if ((r = load_kernel_filter()) < 0) {
			fprintf(out, "ERROR: loading the filter: %s\n", strerror(-r));
			(void) fflush(out);
			_exit(1);
		}
		_exit(call_loop(out, ops, warmup, cpu));
	}
	close(p[1]);
	r = read_results(p[0], us);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		r = -1;
	return r;
}

static double
median_of(const double *v, int n)
{
	double *c = xcalloc((size_t) n, sizeof(*c)), m;

	memcpy(c, v, (size_t) n * sizeof(*c));
	qsort(c, (size_t) n, sizeof(*c), cmp_double);
	m = pctd(c, n, 0.5);
	free(c);
	return m;
}

/* The median of the per-round ratios a[i] / b[i]. */
static double
round_ratio(const double *a, const double *b, int n)
{
	double v[MAX_ROUNDS];

	for (int i = 0; i < n; i++)
		v[i] = b[i] > 0 ? a[i] / b[i] : 0;
	return median_of(v, n);
}

static void
ratio_row(const char *what, const double *a, const double *b, int rounds)
{
	printf("%-36s %8.2fx %10.2fx\n", what, median_of(a, rounds) / median_of(b, rounds),
	    round_ratio(a, b, rounds));
}

/* Both cases, rounds times; with daemon (its pid), sandboxd on CPU 0
 * and the target on cpu. 0 or -1. */
static int
denials_part(sandbox_client *cl, const char *self, int ops, int warmup, int rounds,
    pid_t daemon, int cpu)
{
	double us[_CASE_MAX][_CALL_MAX][MAX_ROUNDS];
	const bool pinned = daemon > 0;
	unsigned seed = 7;
	cpu_set_t saved;
	int ok = 1;

	printf("\n== refused calls, %d rounds x %d calls of each (+%d warm-up), ", rounds, ops,
	    warmup);
	if (pinned)
		printf("sandboxd on CPU 0, target on CPU %d; µs per call\n", cpu);
	else
		printf("nothing pinned; µs per call\n");
	if (pinned)
		bench_pin_daemon(daemon, &saved);
	for (int r = 0; ok && r < rounds; r++) {
		double v[_CALL_MAX];
		int first = rand_r(&seed) % 2;

		for (int j = 0; ok && j < _CASE_MAX; j++) {
			int k = (first + j) % _CASE_MAX;

			if ((k == CASE_SANDBOX ? run_sandbox(cl, self, ops, warmup, cpu, v) :
			    run_kernel(ops, warmup, cpu, v)) < 0) {
				printf("%s FAILED in round %d (see above)\n", case_name[k], r);
				ok = 0;
			}
			for (int c = 0; ok && c < _CALL_MAX; c++)
				us[k][c][r] = v[c];
		}
	}
	if (pinned)
		(void) bench_pin_pid(daemon, &saved);
	if (!ok)
		return -1;

	printf("%-36s %9s %9s %9s\n", "case", "median", "min", "max");
	for (int k = 0; k < _CASE_MAX; k++)
		for (int c = 0; c < _CALL_MAX; c++) {
			char label[64];
			double lo = us[k][c][0], hi = lo;

			for (int r = 1; r < rounds; r++) {
				lo = us[k][c][r] < lo ? us[k][c][r] : lo;
				hi = us[k][c][r] > hi ? us[k][c][r] : hi;
			}
			(void) snprintf(label, sizeof(label), "%s %s%s", case_name[k], call_name[c],
			    c == CALL_ALLOWED ? " (allowed)" : k == CASE_SANDBOX ? " (named)" :
			    " (errno)");
			printf("%-36s %9.3f %9.3f %9.3f\n", label, median_of(us[k][c], rounds), lo, hi);
		}
	printf("%-36s %9s %11s\n", "ratio", "medians", "per-round");
	ratio_row("named/kernel getpriority", us[CASE_SANDBOX][CALL_REFUSED],
	    us[CASE_KERNEL][CALL_REFUSED], rounds);
	ratio_row("named/kernel mkdir", us[CASE_SANDBOX][CALL_PATH], us[CASE_KERNEL][CALL_PATH],
	    rounds);
	ratio_row("named/allowed getpriority/getppid", us[CASE_SANDBOX][CALL_REFUSED],
	    us[CASE_SANDBOX][CALL_ALLOWED], rounds);
	ratio_row("named/allowed mkdir/getppid", us[CASE_SANDBOX][CALL_PATH],
	    us[CASE_SANDBOX][CALL_ALLOWED], rounds);
	ratio_row("sandbox/kernel getppid (allowed)", us[CASE_SANDBOX][CALL_ALLOWED],
	    us[CASE_KERNEL][CALL_ALLOWED], rounds);
	fflush(stdout);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bench-denials [-n ROUNDS] [-w W] [-o OPS] [-s SOCKET] [-d PID]\n"
	    "       bench-denials --write-policy DIR\n"
	    "       bench-denials --inner OPS W CPU\n"
	    "  -n ROUNDS   runs of each case (default 5, at most %d)\n"
	    "  -w W        untimed calls of each kind first (default 500)\n"
	    "  -o OPS      timed calls of each kind per run (default 20000)\n"
	    "  -s SOCKET   sandboxd's socket (default $SANDBOXD_SOCKET, then the system one)\n"
	    "  -d PID      sandboxd's pid: everything also runs with it pinned to CPU 0\n",
	    MAX_ROUNDS);
}

int
main(int argc, char **argv)
{
	struct bench_sandbox_opts o = { .n = 5, .warmup = 500, .ops = 20000 };
	int r;
	char self[PATH_MAX], file[PATH_MAX];
	sandbox_client *cl = NULL;

	if (argc >= 2 && strcmp(argv[1], "--inner") == 0)
		return inner(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "--write-policy") == 0) {
		if (argc != 3) {
			usage(stderr);
			return 2;
		}
		(void) snprintf(file, sizeof(file), "%s/%s.policy", argv[2], POLICY);
		return bench_write_policy(file, "bench-denials: refused calls named by sandboxd",
		    NULL, NULL, 0, ALLOW) < 0;
	}
	if ((r = bench_sandbox_getopt(argc, argv, &o, usage)) >= 0)
		return r;
	if (o.ops < 1 || o.warmup < 0 || o.n < 1 || o.n > MAX_ROUNDS || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!realpath("/proc/self/exe", self)) {
		perror("bench-denials: /proc/self/exe");
		return 1;
	}
	printf("bench-denials: policy %s (Action=errno, EPERM), batches of %d calls, "
	    "%ld cpus\n", POLICY, BATCH, sysconf(_SC_NPROCESSORS_ONLN));
	r = sandbox_client_connect(o.sock, &cl);
	if (r < 0)
		die_client("sandbox_client_connect", NULL, r);
	if (o.daemon > 0)
		r = denials_part(cl, self, o.ops, o.warmup, o.n, o.daemon, 0);
	if (r >= 0 && o.daemon > 0 && sysconf(_SC_NPROCESSORS_ONLN) > 1)
		r = denials_part(cl, self, o.ops, o.warmup, o.n, o.daemon, 1);
	if (r >= 0)
		r = denials_part(cl, self, o.ops, o.warmup, o.n, 0, -1);
	sandbox_client_free(cl);
	return r < 0;
}
