/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-seccomp: what the seccomp filters of sandboxd's own unit cost the
 * sandboxes, which inherit them (a filter, once loaded, binds the process
 * and every descendant). systemd loads one filter per hardening option
 * and architecture; sandboxd.service ends up with 18 (Seccomp_filters: in
 * /proc/PID/status). Built here with libseccomp as systemd builds them,
 * cycling through the kinds the unit uses: a deny-list of ~60 system
 * calls with a default of allow (SystemCallFilter=~..., ProtectClock=,
 * ProtectKernelModules=, PrivateDevices='s @raw-io), argument checks on
 * socket() (RestrictAddressFamilies=), personality() (LockPersonality=)
 * and sched_setscheduler() (RestrictRealtime=), and an architecture-only
 * filter (SystemCallArchitectures=native).
 *
 * Measured in one run, rounds interleaved, in forked children that load
 * 0 filters, the same rules merged into 1 filter, or 18 stacked:
 *   getppid()      a call every filter allows whatever its arguments: the
 *                  kernel's per-syscall cache (5.11+) skips the filters;
 *   personality()  a call one filter checks the argument of: the cache
 *                  cannot help and every filter runs, on every call;
 *   fork+exec      /bin/true to its exit (filters are copied by reference,
 *                  but every system call of the new program passes them);
 *   spawn          with --daemon SANDBOXD --ctl SANDBOXCTL: a whole
 *                  "sandboxctl run -- /bin/true" against two private
 *                  daemons, one started under the 18 filters.
 * Prints medians and ratios against no filter; asserts nothing. A
 * sandbox always has its own filter too, which checks the arguments of
 * ioctl() and clone(): for those, as for personality() here, the cache
 * fails for the whole stack and all of the unit's filters run as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"

#define N_STACKED 18
#define ROUNDS 7

/* @clock @cpu-emulation @module @obsolete @raw-io @reboot @swap, as the
 * unit's SystemCallFilter=~ line names them (names unknown on this
 * architecture are skipped). */
static const char *const deny_list[] = {
	"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
	"settimeofday", "stime", "modify_ldt", "subpage_prot", "switch_endian", "vm86",
	"vm86old", "delete_module", "finit_module", "init_module", "_sysctl", "afs_syscall",
	"bdflush", "break", "create_module", "ftime", "get_kernel_syms", "getpmsg", "gtty",
	"idle", "lock", "mpx", "prof", "profil", "putpmsg", "query_module", "security",
	"sgetmask", "ssetmask", "stty", "sysfs", "tuxcall", "ulimit", "uselib", "ustat",
	"vserver", "ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
	"s390_mmio_read", "s390_mmio_write", "kexec_file_load", "kexec_load", "reboot",
	"swapoff", "swapon", "acct", "lookup_dcookie", "nfsservctl", "oldfstat", "oldlstat",
	"oldolduname", "oldstat", "olduname",
};

enum kind { K_DENY, K_FAMILIES, K_PERSONALITY, K_REALTIME, K_ARCH, _K_MAX };

static int
add_rules(scmp_filter_ctx ctx, enum kind k)
{
	int r = 0;

	switch (k) {
	case K_DENY:
		for (size_t i = 0; r >= 0 && i < sizeof(deny_list) / sizeof(deny_list[0]); i++) {
			int nr = seccomp_syscall_resolve_name(deny_list[i]);

			if (nr != __NR_SCMP_ERROR && nr >= 0)
				r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		}
		return r;
	case K_FAMILIES:
		/* AF_UNIX, AF_INET, AF_INET6, AF_NETLINK only. */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_GT, AF_NETLINK));
		for (int af = 0; r >= 0 && af < AF_NETLINK; af++)
			if (af != AF_UNIX && af != AF_INET && af != AF_INET6)
				r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT),
				    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) af));
		return r;
	case K_PERSONALITY:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
		    SCMP_A0(SCMP_CMP_NE, PER_LINUX));
	case K_REALTIME:
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(sched_setscheduler), 1,
		    SCMP_A1(SCMP_CMP_EQ, SCHED_FIFO));
		if (r >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(sched_setscheduler),
			    1, SCMP_A1(SCMP_CMP_EQ, SCHED_RR));
		return r;
	default:
		return 0;	/* K_ARCH: other architectures are killed */
	}
}

/* Loads n filters like the unit's (n == 1: all kinds merged into one). */
static int
load_filters(int n)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		int r = ctx ? 0 : -ENOMEM;

		if (r >= 0)
			r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
		if (n == 1)
			for (int k = 0; r >= 0 && k < _K_MAX; k++)
				r = add_rules(ctx, (enum kind) k);
		else if (r >= 0)
			r = add_rules(ctx, (enum kind) (i % _K_MAX));
		if (r >= 0)
			r = seccomp_load(ctx);
		seccomp_release(ctx);
		if (r < 0)
			return r;
	}
	return 0;
}

struct sample {
	double	getppid_ns;
	double	personality_ns;
	double	exec_us;
};

static double
time_exec(int runs)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < runs; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execl("/bin/true", "true", (char *) NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return -1;
	}
	return (double) (now_ns() - t0) / runs / 1000.0;
}

/* In a child that loads n filters: one sample of each measurement. */
static int
measure(int n, long calls, int exec_runs, struct sample *ret)
{
	int p[2];
	pid_t pid;
	int st;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct sample s = {};
		uint64_t t0;

		if (load_filters(n) < 0)
			_exit(1);
		t0 = now_ns();
		for (long i = 0; i < calls; i++)
			(void) syscall(SYS_getppid);
		s.getppid_ns = (double) (now_ns() - t0) / (double) calls;
		t0 = now_ns();
		for (long i = 0; i < calls; i++)
			(void) syscall(SYS_personality, PER_LINUX);
		s.personality_ns = (double) (now_ns() - t0) / (double) calls;
		s.exec_us = time_exec(exec_runs);
		_exit(write(p[1], &s, sizeof(s)) == sizeof(s) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], ret, sizeof(*ret)) != sizeof(*ret))
		ret->getppid_ns = -1;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    ret->getppid_ns < 0)
		return -EIO;
	return 0;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t) n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Starts sandboxd on sock under n filters; returns its pid. */
static pid_t
start_daemon(const char *daemon, const char *sock, const char *log, int n)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || load_filters(n) < 0)
			_exit(127);
		(void) prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(daemon, daemon, "--socket", sock, (char *) NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 200; i++) {
		struct stat st;

		if (stat(sock, &st) == 0)
			return pid;
		(void) usleep(25 * 1000);
	}
	return -1;
}

static double
time_spawn(const char *ctl, const char *sock)
{
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0)
			_exit(127);
		(void) setenv("SANDBOXD_SOCKET", sock, 1);
		execl(ctl, ctl, "run", "--", "/bin/true", (char *) NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return (double) (now_ns() - t0) / 1e6;
}

static void
row(const char *what, const char *unit, const double v[3])
{
	printf("%-28s %10.1f %10.1f %10.1f %8.2fx %8.2fx  %s\n", what, v[0], v[1], v[2],
	    v[1] / v[0], v[2] / v[0], unit);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "calls", required_argument, NULL, 'c' },
		{ "daemon", required_argument, NULL, 'd' },
		{ "ctl", required_argument, NULL, 'C' },
		{ "spawns", required_argument, NULL, 's' },
		{}
	};
	const int ns[3] = { 0, 1, N_STACKED };
	const char *daemon = NULL, *ctl = NULL;
	long calls = 1000000;
	int spawns = 100, c;
	double gp[3][ROUNDS], pe[3][ROUNDS], ex[3][ROUNDS], v[3];

	while ((c = getopt_long(argc, argv, "c:d:C:s:", opts, NULL)) >= 0)
		switch (c) {
		case 'c': calls = atol(optarg); break;
		case 'd': daemon = optarg; break;
		case 'C': ctl = optarg; break;
		case 's': spawns = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench-seccomp [--calls N] "
			    "[--daemon SANDBOXD --ctl SANDBOXCTL [--spawns N]]\n");
			return 2;
		}
	if (calls <= 0 || spawns <= 0)
		return 2;

	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < 3; i++) {
			struct sample s;

			if (measure(ns[i], calls, 200, &s) < 0) {
				fprintf(stderr, "bench-seccomp: cannot load %d filters\n", ns[i]);
				return 1;
			}
			gp[i][r] = s.getppid_ns;
			pe[i][r] = s.personality_ns;
			ex[i][r] = s.exec_us;
		}
	printf("seccomp filters inherited from the unit: median of %d interleaved rounds\n", ROUNDS);
	printf("%-28s %10s %10s %10s %9s %9s\n", "", "none", "1 merged", "18 stacked",
	    "1/none", "18/none");
	for (int i = 0; i < 3; i++)
		v[i] = median(gp[i], ROUNDS);
	row("getppid() (cached)", "ns/call", v);
	for (int i = 0; i < 3; i++)
		v[i] = median(pe[i], ROUNDS);
	row("personality() (filtered)", "ns/call", v);
	for (int i = 0; i < 3; i++)
		v[i] = median(ex[i], ROUNDS);
	row("fork+exec /bin/true", "us", v);

	if (daemon && ctl) {
		char dir[] = "/tmp/bench-seccomp.XXXXXX", sock[2][64], log[2][64];
		double *t[2];
		pid_t pids[2] = { -1, -1 };
		int ok = 1;

		if (!mkdtemp(dir))
			return 1;
		for (int i = 0; i < 2; i++) {
			(void) snprintf(sock[i], sizeof(sock[i]), "%s/s%d.sock", dir, i);
			(void) snprintf(log[i], sizeof(log[i]), "%s/d%d.log", dir, i);
			pids[i] = start_daemon(daemon, sock[i], log[i], i ? N_STACKED : 0);
			t[i] = calloc((size_t) spawns, sizeof(double));
			if (pids[i] < 0 || !t[i])
				ok = 0;
		}
		for (int k = 0; ok && k < spawns; k++)
			for (int i = 0; i < 2; i++)
				if ((t[i][k] = time_spawn(ctl, sock[i])) < 0) {
					fprintf(stderr, "bench-seccomp: sandboxctl run failed (see %s)\n",
					    log[i]);
					ok = 0;
					break;
				}
		if (ok) {
			v[0] = median(t[0], spawns);
			v[2] = median(t[1], spawns);
			printf("%-28s %10.2f %10s %10.2f %9s %8.2fx  ms (median of %d)\n",
			    "sandboxctl run /bin/true", v[0], "-", v[2], "", v[2] / v[0], spawns);
		}
		for (int i = 0; i < 2; i++) {
			if (pids[i] > 0) {
				(void) kill(pids[i], SIGTERM);
				(void) waitpid(pids[i], NULL, 0);
			}
			if (ok)
				(void) unlink(log[i]);
			free(t[i]);
		}
		if (ok)
			(void) rmdir(dir);
		if (!ok)
			return 1;
	}
	return 0;
}
