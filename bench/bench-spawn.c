/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-spawn: spawn latency of a short-lived target, directly and through
 * sandboxd.
 *
 *   bench-spawn [-n N] [-w W] [-c] [-s SOCKET] [-p POLICY] [-- CMD [ARGS...]]
 *
 * Cases (each: W untimed warm-up operations, then N timed ones):
 *   posix_spawn       posix_spawn() + waitpid() of CMD (default /bin/true),
 *                     stdio on /dev/null: the baseline.
 *   sandbox/1-conn    sandbox_spawn() + sandbox_wait() on one persistent
 *                     connection (policy "default", stdio /dev/null).
 *   sandbox/new-conn  (-c) the same, with sandbox_client_connect() and
 *                     sandbox_client_free() around every spawn.
 *
 * Each operation is split into phases, timed with CLOCK_MONOTONIC:
 *   total       the whole operation (for new-conn: connect to free);
 *   to-exec     start until the target has exec'd: the return of
 *               posix_spawn() (glibc's posix_spawn uses CLONE_VFORK, so it
 *               returns once the child exec'd), or of sandbox_spawn() (the
 *               SPAWNED reply); for new-conn it includes the connect;
 *   exec->exit  from there until the target has been reaped / EXITED came;
 *   connect     (new-conn only) sandbox_client_connect() alone.
 * ops/s is N over the wall time of the whole timed loop. "x posix" is the
 * ratio of this row's median to the posix_spawn row of the same phase.
 * The figures are informative: nothing is asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "bench-util.h"

extern char **environ;

enum { PH_TOTAL, PH_EXEC, PH_RUN, PH_CONNECT, PH_MAX };
static const char *const phase_name[PH_MAX] = { "total", "to-exec", "exec->exit", "connect" };

struct result {
	const char *name;
	int n;
	uint64_t *s[PH_MAX];	/* ns per op, per phase; NULL: not measured */
	uint64_t loop_ns;
	struct bench_stats st[PH_MAX];
	uint64_t daemon_wall_usec_median;	/* sandbox cases: sandbox_exit.wall_usec */
	int failures;		/* targets that did not exit 0 */
};

static void
compute(struct result *r)
{
	for (int ph = 0; ph < PH_MAX; ph++)
		if (r->s[ph])
			bench_stats_compute(r->s[ph], r->n, &r->st[ph]);
}

static void
result_init(struct result *r, const char *name, int n, int with_connect)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->n = n;
	for (int ph = 0; ph < PH_MAX; ph++)
		if (ph != PH_CONNECT || with_connect)
			r->s[ph] = xcalloc((size_t)n, sizeof(uint64_t));
}

/* --- posix_spawn ---------------------------------------------------- */

static int devnull = -1;

/* One operation; returns 0, or -1 if the target did not exit 0. */
static int
op_posix(char *const argv[], const posix_spawn_file_actions_t *fa, uint64_t *t)
{
	uint64_t t0, t1, t2;
	pid_t pid;
	int r, status;

	t0 = now_ns();
	r = posix_spawn(&pid, argv[0], fa, NULL, argv, environ);
	t1 = now_ns();
	if (r != 0) {
		fprintf(stderr, "bench-spawn: posix_spawn(%s): %s\n", argv[0], strerror(r));
		exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("bench-spawn: waitpid");
			exit(1);
		}
	t2 = now_ns();
	t[PH_TOTAL] = t2 - t0;
	t[PH_EXEC] = t1 - t0;
	t[PH_RUN] = t2 - t1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
bench_posix(struct result *res, char *const argv[], int n, int warmup)
{
	posix_spawn_file_actions_t fa;
	uint64_t t[PH_MAX], start;

	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_adddup2(&fa, devnull, fd);

	for (int i = 0; i < warmup; i++)
		(void)op_posix(argv, &fa, t);
	start = now_ns();
	for (int i = 0; i < n; i++) {
		if (op_posix(argv, &fa, t) < 0)
			res->failures++;
		for (int ph = 0; ph < PH_MAX; ph++)
			if (res->s[ph])
				res->s[ph][i] = t[ph];
	}
	res->loop_ns = now_ns() - start;
	posix_spawn_file_actions_destroy(&fa);
}

/* --- sandboxd ------------------------------------------------------- */

static const char *arg_socket;

static sandbox_client *
connect_or_die(void)
{
	sandbox_client *c = NULL;
	int r = sandbox_client_connect(arg_socket, &c);

	if (r < 0)
		die_client("sandbox_client_connect", NULL, r);
	return c;
}

/*
 * One sandboxed operation. With c == NULL a connection is made and closed
 * around it. Returns 0, or -1 if the target did not exit 0.
 */
static int
op_sandbox(sandbox_client *c, const sandbox_spawn_options *o, char *const argv[],
    uint64_t *t, uint64_t *daemon_wall)
{
	sandbox_client *own = NULL;
	sandbox_exit ex;
	uint64_t t0, tc, t1, t2, t3, id;
	int r;

	t0 = now_ns();
	if (!c)
		c = own = connect_or_die();
	tc = now_ns();
	r = sandbox_spawn(c, o, argv, &id);
	t1 = now_ns();
	if (r < 0)
		die_client("sandbox_spawn", c, r);
	r = sandbox_wait(c, id, -1, &ex);
	t2 = now_ns();
	if (r < 0)
		die_client("sandbox_wait", c, r);
	sandbox_client_free(own);
	t3 = now_ns();

	t[PH_TOTAL] = t3 - t0;
	t[PH_EXEC] = t1 - t0;
	t[PH_RUN] = t2 - t1;
	t[PH_CONNECT] = tc - t0;
	*daemon_wall = ex.wall_usec;
	return ex.exited && ex.status == 0 ? 0 : -1;
}

static void
bench_sandbox(struct result *res, int fresh, const char *policy, char *const argv[], int n,
    int warmup)
{
	sandbox_spawn_options *o = NULL;
	sandbox_client *c = NULL;
	uint64_t t[PH_MAX], start, *walls, wall;
	int r;

	r = sandbox_spawn_options_new(&o);
	if (r >= 0)
		r = sandbox_spawn_options_set_policy(o, policy);
	if (r >= 0)
		r = sandbox_spawn_options_set_stdio(o, -1, -1, -1);	/* /dev/null */
	if (r < 0)
		die_client("sandbox_spawn_options", NULL, r);
	if (!fresh)
		c = connect_or_die();

	walls = xcalloc((size_t)n, sizeof(uint64_t));
	for (int i = 0; i < warmup; i++)
		(void)op_sandbox(c, o, argv, t, &wall);
	start = now_ns();
	for (int i = 0; i < n; i++) {
		if (op_sandbox(c, o, argv, t, &wall) < 0)
			res->failures++;
		walls[i] = wall;
		for (int ph = 0; ph < PH_MAX; ph++)
			if (res->s[ph])
				res->s[ph][i] = t[ph];
	}
	res->loop_ns = now_ns() - start;

	qsort(walls, (size_t)n, sizeof(*walls), cmp_u64);
	res->daemon_wall_usec_median = pct(walls, n, 0.5);
	free(walls);
	sandbox_client_free(c);
	sandbox_spawn_options_free(o);
}

/* --- output --------------------------------------------------------- */

static void
print_result(const struct result *r, const struct result *base)
{
	for (int ph = 0; ph < PH_MAX; ph++)
		if (r->s[ph])
			bench_print_row(r->name, phase_name[ph], &r->st[ph],
			    ph == PH_TOTAL && r->loop_ns ? (double) r->n * 1e9 / (double) r->loop_ns : 0,
			    base && base->s[ph] ? base->st[ph].median : 0);
	if (r->daemon_wall_usec_median)
		printf("%-17s %-11s %9llu   (sandbox_exit.wall_usec, median)\n", r->name,
		    "daemon-wall", (unsigned long long)r->daemon_wall_usec_median);
	if (r->failures)
		printf("%-17s WARNING: %d of %d targets did not exit 0\n", r->name, r->failures,
		    r->n);
	fflush(stdout);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bench-spawn [-n N] [-w W] [-c] [-C] [-s SOCKET] [-p POLICY] [-- CMD [ARGS...]]\n"
	    "  -n N       timed operations per case (default 1000)\n"
	    "  -w W       untimed warm-up operations per case (default 20)\n"
	    "  -c         also measure a fresh connection per spawn\n"
	    "  -C         only the sandboxd cases (skip posix_spawn; no ratios)\n"
	    "  -s SOCKET  sandboxd's socket (default $SANDBOXD_SOCKET, then the system one)\n"
	    "  -p POLICY  policy (default \"default\")\n"
	    "  CMD        absolute path of the target (default /bin/true)\n");
}

int
main(int argc, char **argv)
{
	static char *default_argv[] = { (char *)"/bin/true", NULL };
	char *const *target = default_argv;
	const char *policy = "default";
	struct result rp, r1, rc;
	int n = 1000, warmup = 20, fresh = 0, skip_posix = 0, c;
	struct utsname u;

	while ((c = getopt(argc, argv, "hn:w:cCs:p:")) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'c':
			fresh = 1;
			break;
		case 'C':
			skip_posix = 1;
			break;
		case 's':
			arg_socket = optarg;
			break;
		case 'p':
			policy = optarg;
			break;
		default:
			if (bench_count_opt(c, optarg, &n, &warmup))
				break;
			usage(stderr);
			return 2;
		}
	}
	if (n < 1 || warmup < 0) {
		usage(stderr);
		return 2;
	}
	if (optind < argc)
		target = argv + optind;
	if (target[0][0] != '/') {
		fprintf(stderr, "bench-spawn: the target needs an absolute path\n");
		return 2;
	}

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (devnull < 0) {
		perror("bench-spawn: /dev/null");
		return 1;
	}

	uname(&u);
	printf("bench-spawn: target %s, N=%d, warm-up %d, policy '%s', kernel %s, %ld cpus\n",
	    target[0], n, warmup, policy, u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("times in microseconds; ops/s = N / wall time of the timed loop (serial)\n\n");
	bench_print_header("x posix");

	if (!skip_posix) {
		result_init(&rp, "posix_spawn", n, 0);
		bench_posix(&rp, target, n, warmup);
		compute(&rp);
		print_result(&rp, NULL);
	}

	result_init(&r1, "sandbox/1-conn", n, 0);
	bench_sandbox(&r1, 0, policy, target, n, warmup);
	compute(&r1);
	print_result(&r1, skip_posix ? NULL : &rp);

	if (fresh) {
		result_init(&rc, "sandbox/new-conn", n, 1);
		bench_sandbox(&rc, 1, policy, target, n, warmup);
		compute(&rc);
		print_result(&rc, skip_posix ? NULL : &rp);
	}
	return 0;
}
