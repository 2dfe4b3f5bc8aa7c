/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-broker: what it costs a target to get a file descriptor from
 * sandboxd's broker, against opening the file itself.
 *
 *   bench-broker --write-policy FILE DATADIR
 *       writes the benchmark's policy to FILE (name it NAME.policy in a
 *       directory sandboxd loads with --policy-dir). It binds this program's
 *       directory and libsandbox-client's directory read-only at the same
 *       paths (so the uninstalled binary runs inside, RUNPATH and all), and
 *       has "[Broker] Tree=DATADIR read". Run before sandboxd starts (or
 *       send it SIGHUP afterwards): the Tree is opened at policy load.
 *
 *   bench-broker [-n N] [-w W] [-s SOCKET] [-p POLICY] [-d DAEMON_PID]
 *                [-C CASES] FILE
 *       the outer mode, on the host, as root. FILE must lie under the
 *       policy's Tree. Cases (each: W untimed warm-up operations, then N
 *       timed ones; one operation = obtain an fd for FILE + close it):
 *         direct      open(FILE, O_RDONLY|O_CLOEXEC) + close, this process
 *                     pinned to CPU 0: the baseline of every ratio;
 *         floor       the platform's floor for any broker: a forked child
 *                     that open()s the path it receives on a SEQPACKET
 *                     socketpair and returns the fd by SCM_RIGHTS (the
 *                     usual method); both on CPU 0,
 *                     then this process on CPU 1 and the child on CPU 0;
 *         same        sandbox_broker_open() + close in a sandbox whose target
 *                     pins itself to CPU 0, sandboxd pinned to CPU 0;
 *         split       the target on CPU 1, sandboxd on CPU 0 (cross-CPU);
 *         none        nobody pinned (sandboxd's affinity reset to all CPUs).
 *       CASES is a comma-separated subset of same,split,none (default all).
 *       sandboxd is pinned through sched_setaffinity() on every thread of
 *       DAEMON_PID (-d); without -d the daemon is left where it is and the
 *       case names say so. Its original affinity is restored at the end.
 *       Each sandboxed case runs this program again, confined, as
 *           bench-broker --inner N FILE CPU W
 *       with its stdout on a pipe: the outer mode relays that output, then
 *       prints the row, ratios to the direct median, and sandboxd's CPU
 *       time per operation (from /proc/PID/task/TID/schedstat, with -d).
 *
 *   bench-broker --inner N FILE [CPU [W]]
 *       inside a sandbox: pin to CPU (-1: do not), check that the broker's
 *       fd reads FILE, then time N x (sandbox_broker_open + close).
 *
 * ops/s is N over the wall time of the timed loop (one thread, serial).
 * "x direct" is this row's median (or p99) over the direct median. The
 * goals of docs/ARCHITECTURE.md (Performance goals) are printed beside, for
 * information: nothing is asserted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "bench-util.h"

#define POLICY_NAME	"bench-broker"
#define MAX_CPUS	1024

/* Goals (docs/ARCHITECTURE.md, Performance goals): ratios to a direct open(). */
#define GOAL_SAME_MEDIAN	6.0
#define GOAL_SAME_P99		8.0
#define GOAL_SAME_OPS		75000.0
#define GOAL_SPLIT_MEDIAN	25.0

struct stats {
	int n;
	double median, p90, p99, mean, min, max;	/* µs */
	double ops;					/* per second */
};

/* Sorts v. */
static void
compute(uint64_t *v, int n, uint64_t loop_ns, struct stats *st)
{
	struct bench_stats b;

	bench_stats_compute(v, n, &b);
	*st = (struct stats) { .n = n, .median = b.median, .p90 = b.p90, .p99 = b.p99,
	    .mean = b.mean, .min = b.min, .max = b.max,
	    .ops = loop_ns ? (double) n * 1e9 / (double) loop_ns : 0 };
}

/* --- inner mode: in the sandbox ------------------------------------- */

#define STATS_FMT "%d %.3f %.3f %.3f %.3f %.3f %.3f %.1f"
#define STATS_SCAN "%d %lf %lf %lf %lf %lf %lf %lf"

static int
inner(int argc, char **argv)
{
	int n, cpu = -1, warmup = 1000, fd, cpu_first, cpu_last, migrations = 0, prev;
	const char *path;
	struct timespec c0, c1;
	uint64_t *s, start, loop;
	struct stats st;
	char buf[64];
	ssize_t got;

	if (argc < 4) {
		fprintf(stderr, "usage: bench-broker --inner N FILE [CPU [W]]\n");
		return 2;
	}
	n = atoi(argv[2]);
	path = argv[3];
	if (argc > 4)
		cpu = atoi(argv[4]);
	if (argc > 5)
		warmup = atoi(argv[5]);
	if (n < 1 || warmup < 0)
		return 2;

	if (cpu >= 0) {
		int r = bench_pin_self(cpu);

		if (r < 0) {
			printf("inner: ERROR: sched_setaffinity(CPU %d): %s\n", cpu, strerror(-r));
			return 1;
		}
	}
	/* One checked operation: the fd really is FILE. */
	fd = sandbox_broker_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		printf("inner: ERROR: sandbox_broker_open(%s): %s\n", path, strerror(-fd));
		return 1;
	}
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0) {
		printf("inner: ERROR: reading the brokered fd: %s\n",
		    got < 0 ? strerror(errno) : "empty file");
		return 1;
	}
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';

	s = xcalloc((size_t) n, sizeof(*s));
	for (int i = 0; i < warmup; i++) {
		fd = sandbox_broker_open(path, O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0) {
			printf("inner: ERROR: warm-up open %d: %s\n", i, strerror(-fd));
			return 1;
		}
		close(fd);
	}
	cpu_first = prev = sched_getcpu();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	start = now_ns();
	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		fd = sandbox_broker_open(path, O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0) {
			printf("inner: ERROR: open %d: %s\n", i, strerror(-fd));
			return 1;
		}
		close(fd);
		s[i] = now_ns() - t0;
		if ((i & 63) == 0) {
			int c = sched_getcpu();

			migrations += c != prev;
			prev = c;
		}
	}
	loop = now_ns() - start;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	cpu_last = sched_getcpu();
	compute(s, n, loop, &st);
	free(s);

	{
		char pin[32] = "not pinned";

		if (cpu >= 0)
			(void) snprintf(pin, sizeof(pin), "pinned to cpu %d", cpu);
		printf("inner: pid %d uid %d, %s; on cpu %d at the start, %d at the end, %d changes "
		    "seen (sampled every 64 ops); the file reads \"%.20s\"\n", (int) getpid(),
		    (int) getuid(), pin, cpu_first, cpu_last, migrations, buf);
	}
	printf("inner: %d x (sandbox_broker_open + close) after %d warm-up: median %.2f µs, "
	    "p90 %.2f, p99 %.2f, mean %.2f, min %.2f, max %.2f; %.0f ops/s; target cpu %.2f µs/op\n",
	    n, warmup, st.median, st.p90, st.p99, st.mean, st.min, st.max, st.ops,
	    ((double) (c1.tv_sec - c0.tv_sec) * 1e9 + (double) (c1.tv_nsec - c0.tv_nsec)) / n / 1000.0);
	/* For the outer mode. */
	printf("RESULT " STATS_FMT " %.3f\n", st.n, st.median, st.p90, st.p99, st.mean, st.min,
	    st.max, st.ops,
	    ((double) (c1.tv_sec - c0.tv_sec) * 1e9 + (double) (c1.tv_nsec - c0.tv_nsec)) / n / 1000.0);
	fflush(stdout);
	return 0;
}

/* --- writing the policy ---------------------------------------------- */

static int
write_policy(const char *file, const char *datadir)
{
	char data[PATH_MAX];

	if (!realpath(datadir, data)) {
		fprintf(stderr, "bench-broker: %s: %s\n", datadir, strerror(errno));
		return 1;
	}
	return bench_write_policy(file,
	    "bench-broker: brokered opens under a benchmark data directory", data, NULL, 0,
	    NULL) < 0;
}

/* --- outer mode: on the host ----------------------------------------- */

static pid_t arg_daemon;
static int ncpus;

/* Run time of all the daemon's threads, ns (schedstat's first field). */
static uint64_t
daemon_runtime_ns(void)
{
	char dir[64], p[64 + 256 + 16];
	struct dirent *de;
	uint64_t sum = 0;
	DIR *d;

	if (arg_daemon <= 0)
		return 0;
	(void) snprintf(dir, sizeof(dir), "/proc/%d/task", (int) arg_daemon);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned long long v;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		(void) snprintf(p, sizeof(p), "%s/%s/schedstat", dir, de->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static void
print_header(void)
{
	printf("%-17s %8s %8s %8s %8s %8s %9s %8s %8s %9s\n", "case", "median", "p90", "p99",
	    "mean", "min", "max", "ops/s", "x direct", "p99 x dir");
}

static void
print_row(const char *name, const struct stats *s, const struct stats *base)
{
	printf("%-17s %8.2f %8.2f %8.2f %8.2f %8.2f %9.1f %8.0f %7.2fx %8.2fx\n", name, s->median,
	    s->p90, s->p99, s->mean, s->min, s->max, s->ops, s->median / base->median,
	    s->p99 / base->median);
	fflush(stdout);
}

static void
direct(const char *path, int n, int warmup, struct stats *st)
{
	uint64_t *s = xcalloc((size_t) n, sizeof(*s)), start = 0, loop;
	int fd;

	for (int i = 0; i < warmup + n; i++) {
		uint64_t t0;

		if (i == warmup)
			start = now_ns();
		t0 = now_ns();
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "bench-broker: open(%s): %s\n", path, strerror(errno));
			exit(1);
		}
		close(fd);
		if (i >= warmup)
			s[i - warmup] = now_ns() - t0;
	}
	loop = now_ns() - start;
	compute(s, n, loop, st);
	free(s);
}

/*
 * The floor: the same exchange with no daemon, no policy and no protocol,
 * as the usual floor measurement does: a forked child on broker_cpu receives the
 * path on a SOCK_SEQPACKET socketpair, open()s it and sends the fd back
 * with SCM_RIGHTS; this process, on target_cpu, times send + recvmsg +
 * close. What is left of the broker rows above this is sandboxd's own cost.
 */
static void
floor_case(const char *path, int n, int warmup, int target_cpu, int broker_cpu,
    struct stats *st)
{
	uint64_t *s = xcalloc((size_t) n, sizeof(*s)), start = 0, loop;
	size_t plen = strlen(path) + 1;
	cpu_set_t saved;
	int sv[2], status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("bench-broker: socketpair");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("bench-broker: fork");
		exit(1);
	}
	if (pid == 0) {
		char req[PATH_MAX];

		close(sv[0]);
		if (broker_cpu >= 0 && bench_pin_self(broker_cpu) < 0)
			_exit(1);
		for (;;) {
			union {
				char buf[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			} u;
			int32_t res = 0;
			struct iovec iov = { .iov_base = &res, .iov_len = sizeof(res) };
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
			ssize_t k = recv(sv[1], req, sizeof(req) - 1, 0);
			int fd;

			if (k <= 0)
				_exit(0);
			req[k] = '\0';
			fd = open(req, O_RDONLY | O_CLOEXEC | O_NOCTTY);
			if (fd < 0)
				res = -errno;
			else {
				struct cmsghdr *c;

				mh.msg_control = u.buf;
				mh.msg_controllen = sizeof(u.buf);
				c = CMSG_FIRSTHDR(&mh);
				c->cmsg_level = SOL_SOCKET;
				c->cmsg_type = SCM_RIGHTS;
				c->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(c), &fd, sizeof(fd));
			}
			(void) sendmsg(sv[1], &mh, MSG_NOSIGNAL);
			if (fd >= 0)
				close(fd);
		}
	}
	close(sv[1]);
	(void) sched_getaffinity(0, sizeof(saved), &saved);
	if (target_cpu >= 0)
		(void) bench_pin_self(target_cpu);
	for (int i = 0; i < warmup + n; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		int32_t res;
		struct iovec iov = { .iov_base = &res, .iov_len = sizeof(res) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			.msg_controllen = sizeof(u.buf) };
		struct cmsghdr *c;
		uint64_t t0;
		int fd;

		if (i == warmup)
			start = now_ns();
		t0 = now_ns();
		if (send(sv[0], path, plen, 0) < 0 || recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC) != sizeof(res) ||
		    res < 0 || !(c = CMSG_FIRSTHDR(&mh)) || c->cmsg_type != SCM_RIGHTS) {
			fprintf(stderr, "bench-broker: floor case: exchange %d failed\n", i);
			exit(1);
		}
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		close(fd);
		if (i >= warmup)
			s[i - warmup] = now_ns() - t0;
	}
	loop = now_ns() - start;
	close(sv[0]);
	(void) waitpid(pid, &status, 0);
	(void) sched_setaffinity(0, sizeof(saved), &saved);
	compute(s, n, loop, st);
	free(s);
}

/*
 * One sandboxed case: runs "SELF --inner N FILE CPU W" under the policy,
 * relays its output, parses its RESULT line. Returns 0 or -1.
 */
static int
sandboxed(sandbox_client *c, const char *policy, const char *self, const char *path, int n,
    int warmup, int cpu, struct stats *st, double *target_cpu_us)
{
	sandbox_spawn_options *o = NULL;
	char sn[16], scpu[16], sw[16], *out = NULL, *line, *save;
	char *argv[] = { (char *) self, (char *) "--inner", sn, (char *) path, scpu, sw, NULL };
	size_t len = 0, cap = 0;
	sandbox_exit ex;
	uint64_t id;
	int p[2], r, found = 0;

	(void) snprintf(sn, sizeof(sn), "%d", n);
	(void) snprintf(scpu, sizeof(scpu), "%d", cpu);
	(void) snprintf(sw, sizeof(sw), "%d", warmup);
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("bench-broker: pipe");
		exit(1);
	}
	r = sandbox_spawn_options_new(&o);
	if (r >= 0)
		r = sandbox_spawn_options_set_policy(o, policy);
	if (r >= 0)
		r = sandbox_spawn_options_set_stdio(o, -1, p[1], STDERR_FILENO);
	if (r < 0)
		die_client("sandbox_spawn_options", NULL, r);
	r = sandbox_spawn(c, o, argv, &id);
	close(p[1]);
	sandbox_spawn_options_free(o);
	if (r < 0)
		die_client("sandbox_spawn", c, r);
	for (;;) {
		ssize_t k;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			out = realloc(out, cap);
			if (!out) {
				fprintf(stderr, "bench-broker: out of memory\n");
				exit(1);
			}
		}
		k = read(p[0], out + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t) k;
	}
	close(p[0]);
	out[len] = '\0';
	r = sandbox_wait(c, id, -1, &ex);
	if (r < 0)
		die_client("sandbox_wait", c, r);

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "RESULT ", 7) == 0) {
			found = sscanf(line + 7, STATS_SCAN " %lf", &st->n, &st->median, &st->p90,
			    &st->p99, &st->mean, &st->min, &st->max, &st->ops, target_cpu_us) == 9;
			continue;
		}
		printf("  | %s\n", line);
	}
	free(out);
	if (!ex.exited || ex.status != 0) {
		printf("  | (the target %s %d, limit %s)\n", ex.exited ? "exited with" : "was killed by signal",
		    ex.status, ex.limit ? ex.limit : "?");
		return -1;
	}
	return found ? 0 : -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bench-broker [-n N] [-w W] [-s SOCKET] [-p POLICY] [-d DAEMON_PID] [-C CASES] FILE\n"
	    "       bench-broker --write-policy POLICYFILE DATADIR\n"
	    "       bench-broker --inner N FILE [CPU [W]]\n"
	    "  -n N        timed operations per case (default 20000)\n"
	    "  -w W        untimed warm-up operations per case (default 1000)\n"
	    "  -s SOCKET   sandboxd's socket (default $SANDBOXD_SOCKET, then the system one)\n"
	    "  -p POLICY   the policy --write-policy wrote (default \"" POLICY_NAME "\")\n"
	    "  -d PID      sandboxd's pid, to pin it (cases same and split) and read its CPU time\n"
	    "  -C CASES    comma-separated subset of same,split,none (default all three)\n"
	    "  FILE        the file to open, under the policy's Tree\n");
}

struct bcase {
	const char *name;
	int target_cpu;		/* -1: unpinned */
	int daemon_cpu;		/* -1: all CPUs */
	int run;
	int ok;
	struct stats st;
	double target_cpu_us, daemon_cpu_us;
};

int
main(int argc, char **argv)
{
	struct bcase cases[] = {
		{ "broker/same-cpu", 0, 0, 1, 0, { 0 }, 0, 0 },
		{ "broker/cross-cpu", 1, 0, 1, 0, { 0 }, 0, 0 },
		{ "broker/unpinned", -1, -1, 1, 0, { 0 }, 0, 0 },
	};
	const char *case_keys[] = { "same", "split", "none" };
	const char *policy = POLICY_NAME, *sock = NULL, *path;
	int n = 20000, warmup = 1000, c, failed = 0;
	char self[PATH_MAX];
	cpu_set_t own_mask, daemon_mask, m;
	sandbox_client *cl = NULL;
	struct stats base, floor_same = { 0 }, floor_split = { 0 };
	struct utsname u;
	int r;

	if (argc >= 2 && strcmp(argv[1], "--inner") == 0)
		return inner(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "--write-policy") == 0) {
		if (argc != 4) {
			usage(stderr);
			return 2;
		}
		return write_policy(argv[2], argv[3]);
	}

	while ((c = getopt(argc, argv, "hn:w:s:p:d:C:")) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 's':
			sock = optarg;
			break;
		case 'p':
			policy = optarg;
			break;
		case 'd':
			arg_daemon = (pid_t) atoi(optarg);
			break;
		case 'C':
			for (size_t i = 0; i < 3; i++)
				cases[i].run = 0;
			for (char *s = optarg, *t; (t = strtok(s, ",")); s = NULL) {
				size_t i = 0;

				while (i < 3 && strcmp(t, case_keys[i]) != 0)
					i++;
				if (i == 3) {
					usage(stderr);
					return 2;
				}
				cases[i].run = 1;
			}
			break;
		default:
			if (bench_count_opt(c, optarg, &n, &warmup))
				break;
			usage(stderr);
			return 2;
		}
	}
	if (n < 1 || warmup < 0 || optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	path = argv[optind];
	if (path[0] != '/') {
		fprintf(stderr, "bench-broker: FILE needs an absolute path\n");
		return 2;
	}
	if (!realpath("/proc/self/exe", self)) {
		perror("bench-broker: /proc/self/exe");
		return 1;
	}
	ncpus = (int) sysconf(_SC_NPROCESSORS_ONLN);
	if (sched_getaffinity(0, sizeof(own_mask), &own_mask) < 0) {
		perror("bench-broker: sched_getaffinity");
		return 1;
	}
	if (arg_daemon > 0 && sched_getaffinity(arg_daemon, sizeof(daemon_mask), &daemon_mask) < 0) {
		fprintf(stderr, "bench-broker: sched_getaffinity(sandboxd, pid %d): %s\n",
		    (int) arg_daemon, strerror(errno));
		return 1;
	}
	if (ncpus < 2 && cases[1].run) {
		printf("(one CPU only: skipping the cross-CPU case)\n");
		cases[1].run = 0;
	}

	uname(&u);
	printf("bench-broker: file %s (%zu chars), N=%d, warm-up %d, policy '%s', kernel %s, "
	    "%d cpus\n", path, strlen(path), n, warmup, policy, u.release, ncpus);
	printf("one op = obtain an fd for the file + close it; times in µs; ops/s = N / wall "
	    "time of the timed loop (one thread)\n");
	if (arg_daemon <= 0)
		printf("WARNING: no -d: sandboxd is not pinned, 'same' and 'split' pin the target only\n");
	printf("\n");

	/* The baseline, on CPU 0 like the broker cases. */
	if ((r = bench_pin_self(0)) < 0) {
		fprintf(stderr, "bench-broker: pinning to CPU 0: %s\n", strerror(-r));
		return 1;
	}
	direct(path, n, warmup, &base);
	(void) sched_setaffinity(0, sizeof(own_mask), &own_mask);
	floor_case(path, n, warmup, 0, 0, &floor_same);
	if (ncpus >= 2)
		floor_case(path, n, warmup, 1, 0, &floor_split);

	r = sandbox_client_connect(sock, &cl);
	if (r < 0)
		die_client("sandbox_client_connect", NULL, r);

	for (size_t i = 0; i < 3; i++) {
		struct bcase *k = &cases[i];
		uint64_t d0, d1;

		if (!k->run)
			continue;
		if (arg_daemon > 0) {
			CPU_ZERO(&m);
			if (k->daemon_cpu >= 0)
				CPU_SET(k->daemon_cpu, &m);
			else
				m = daemon_mask;
			if ((r = bench_pin_pid(arg_daemon, &m)) < 0) {
				fprintf(stderr, "bench-broker: pinning sandboxd: %s\n", strerror(-r));
				return 1;
			}
		}
		{
			char tw[32] = "unpinned", dw[32] = "unpinned";

			if (k->target_cpu >= 0)
				(void) snprintf(tw, sizeof(tw), "on CPU %d", k->target_cpu);
			if (arg_daemon <= 0)
				(void) snprintf(dw, sizeof(dw), "where it was");
			else if (k->daemon_cpu >= 0)
				(void) snprintf(dw, sizeof(dw), "on CPU %d", k->daemon_cpu);
			printf("== %s: target %s, sandboxd %s\n", k->name, tw, dw);
		}
		fflush(stdout);
		d0 = daemon_runtime_ns();
		k->ok = sandboxed(cl, policy, self, path, n, warmup, k->target_cpu, &k->st,
		    &k->target_cpu_us) == 0;
		d1 = daemon_runtime_ns();
		/* Includes the spawn, the warm-up and the reaping: an upper bound. */
		k->daemon_cpu_us = d1 > d0 ? (double) (d1 - d0) / (n + warmup) / 1000.0 : 0;
		if (!k->ok) {
			printf("  %s FAILED (see above)\n", k->name);
			failed = 1;
		}
	}
	if (arg_daemon > 0)
		(void) bench_pin_pid(arg_daemon, &daemon_mask);
	sandbox_client_free(cl);

	printf("\n");
	print_header();
	print_row("direct/cpu0", &base, &base);
	print_row("floor/same-cpu", &floor_same, &base);
	if (floor_split.n)
		print_row("floor/cross-cpu", &floor_split, &base);
	for (size_t i = 0; i < 3; i++)
		if (cases[i].run && cases[i].ok)
			print_row(cases[i].name, &cases[i].st, &base);
	printf("\nCPU per op (µs): target (in-loop) / sandboxd (whole case incl. spawn, / (N+W))\n");
	for (size_t i = 0; i < 3; i++)
		if (cases[i].run && cases[i].ok) {
			if (arg_daemon > 0)
				printf("  %-17s %6.2f / %6.2f\n", cases[i].name, cases[i].target_cpu_us,
				    cases[i].daemon_cpu_us);
			else
				printf("  %-17s %6.2f / -\n", cases[i].name, cases[i].target_cpu_us);
		}

	printf("\ngoals (docs/ARCHITECTURE.md, Performance goals; informative):\n");
	if (cases[0].run && cases[0].ok) {
		const struct stats *s = &cases[0].st;

		printf("  same CPU:  median %.2fx direct (goal <= %.0fx): %s; p99 %.2fx (goal <= %.0fx): "
		    "%s; %.0f ops/s (goal >= %.0f): %s\n",
		    s->median / base.median, GOAL_SAME_MEDIAN,
		    s->median / base.median <= GOAL_SAME_MEDIAN ? "met" : "MISSED",
		    s->p99 / base.median, GOAL_SAME_P99,
		    s->p99 / base.median <= GOAL_SAME_P99 ? "met" : "MISSED", s->ops, GOAL_SAME_OPS,
		    s->ops >= GOAL_SAME_OPS ? "met" : "MISSED");
	}
	if (cases[1].run && cases[1].ok) {
		const struct stats *s = &cases[1].st;

		printf("  cross CPU: median %.2fx direct (goal <= %.0fx): %s\n", s->median / base.median,
		    GOAL_SPLIT_MEDIAN, s->median / base.median <= GOAL_SPLIT_MEDIAN ? "met" : "MISSED");
	}
	fflush(stdout);
	return failed;
}
