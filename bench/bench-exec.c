/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-exec: whole-process wall time of a few command lines, interleaved.
 *
 *   bench-exec [-n N] [-w W] [-l LABEL]... -- [VAR=VAL...] CMD [ARGS...] \
 *              [:: [VAR=VAL...] CMD [ARGS...]]...
 *
 * Up to 8 command lines, separated by "::". Each round runs every command
 * once, in turn, the starting command rotating from one round to the next
 * (A B C, B C A, C A B, ...), so that slow drift of the machine hits all of
 * them alike. One run = posix_spawn() (PATH search if CMD has no '/') +
 * wait4(), timed with CLOCK_MONOTONIC; stdio is /dev/null. VAR=VAL words
 * before CMD are added to that command's environment only (e.g. the
 * LD_LIBRARY_PATH an uninstalled program needs, instead of its libtool
 * wrapper script, which would add a shell to every run).
 *
 * Prints, per command: median, p90, p99, mean, min of the wall time (µs),
 * the median CPU time of the process tree it reaped (user+sys, from wait4;
 * work done by a daemon on its behalf is not included), and failures (exit
 * status not 0). Then, for each pair, the ratio of the medians and the
 * median (p10-p90) of the per-round ratios.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

extern char **environ;

#define MAX_CMDS 8

struct cmd {
	const char *label;
	char **argv;
	char **envp;
	uint64_t *wall;		/* ns, in round order */
	uint64_t *cpu;		/* ns */
	int failures;
	int first_status;	/* wait status of the first failure */
};

/* environ, with the VAR=VAL words in over[0..nover) added or replacing. */
static char **
make_env(char **over, int nover)
{
	size_t n = 0, k = 0;
	char **e;

	if (nover == 0)
		return environ;
	while (environ[n])
		n++;
	e = xcalloc(n + (size_t)nover + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		int replaced = 0;

		for (int j = 0; j < nover; j++) {
			size_t l = (size_t)(strchr(over[j], '=') - over[j]) + 1;

			if (strncmp(environ[i], over[j], l) == 0)
				replaced = 1;
		}
		if (!replaced)
			e[k++] = environ[i];
	}
	for (int j = 0; j < nover; j++)
		e[k++] = over[j];
	e[k] = NULL;
	return e;
}

/* Is w an environment assignment, NAME=VALUE with NAME = [A-Za-z_][A-Za-z0-9_]*? */
static int
is_assignment(const char *w)
{
	const char *p = w;

	for (; *p && *p != '='; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (p != w && *p >= '0' && *p <= '9')))
			return 0;
	return *p == '=' && p != w;
}

static int devnull = -1;
static posix_spawn_file_actions_t fa;

/* Runs c once. Returns 0 and stores wall/cpu ns; -1 if it did not exit 0. */
static int
run_once(struct cmd *c, uint64_t *wall, uint64_t *cpu, int *status)
{
	struct rusage ru;
	uint64_t t0, t1;
	pid_t pid;
	int r;

	t0 = now_ns();
	if (strchr(c->argv[0], '/'))
		r = posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, c->envp);
	else
		r = posix_spawnp(&pid, c->argv[0], &fa, NULL, c->argv, c->envp);
	if (r != 0) {
		fprintf(stderr, "bench-exec: %s: %s\n", c->argv[0], strerror(r));
		exit(1);
	}
	while (wait4(pid, status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("bench-exec: wait4");
			exit(1);
		}
	t1 = now_ns();
	*wall = t1 - t0;
	*cpu = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	    ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
	return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? 0 : -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bench-exec [-n N] [-w W] [-l LABEL]... -- [VAR=VAL...] CMD [ARGS...]"
	    " [:: [VAR=VAL...] CMD [ARGS...]]...\n"
	    "  -n N      timed runs of each command (default 200)\n"
	    "  -w W      untimed warm-up rounds (default 10)\n"
	    "  -l LABEL  label of the next command (default: its argv[0])\n");
}

int
main(int argc, char **argv)
{
	const char *labels[MAX_CMDS] = { 0 };
	struct cmd cmds[MAX_CMDS];
	int n = 200, warmup = 10, nlabels = 0, k = 0, c, i;

	while ((c = getopt(argc, argv, "+hn:w:l:")) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'l':
			if (nlabels < MAX_CMDS)
				labels[nlabels++] = optarg;
			break;
		default:
			if (bench_count_opt(c, optarg, &n, &warmup))
				break;
			usage(stderr);
			return 2;
		}
	}
	if (n < 1 || warmup < 0 || optind >= argc) {
		usage(stderr);
		return 2;
	}

	/* Split the rest at "::" into command lines. */
	memset(cmds, 0, sizeof(cmds));
	i = optind;
	while (i < argc) {
		int start = i, nover = 0;

		if (k == MAX_CMDS) {
			fprintf(stderr, "bench-exec: at most %d command lines\n", MAX_CMDS);
			return 2;
		}
		while (i < argc && strcmp(argv[i], "::") != 0)
			i++;
		argv[i < argc ? i : argc] = NULL;	/* argv[argc] is NULL already */
		while (start + nover < i && is_assignment(argv[start + nover]))
			nover++;
		if (start + nover >= i) {
			fprintf(stderr, "bench-exec: empty command line\n");
			return 2;
		}
		cmds[k].envp = make_env(argv + start, nover);
		cmds[k].argv = argv + start + nover;
		cmds[k].label = k < nlabels ? labels[k] : cmds[k].argv[0];
		cmds[k].wall = xcalloc((size_t)n, sizeof(uint64_t));
		cmds[k].cpu = xcalloc((size_t)n, sizeof(uint64_t));
		k++;
		i++;
	}

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (devnull < 0) {
		perror("bench-exec: /dev/null");
		return 1;
	}
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_adddup2(&fa, devnull, fd);

	for (int r = 0; r < warmup + n; r++)
		for (int j = 0; j < k; j++) {
			struct cmd *cm = &cmds[(r + j) % k];
			uint64_t w, cpu;
			int st;

			if (run_once(cm, &w, &cpu, &st) < 0 && r >= warmup) {
				if (!cm->failures++)
					cm->first_status = st;
			}
			if (r >= warmup) {
				cm->wall[r - warmup] = w;
				cm->cpu[r - warmup] = cpu;
			}
		}

	printf("bench-exec: %d command lines, %d interleaved rounds (+%d warm-up), "
	    "times in microseconds\n",
	    k, n, warmup);
	printf("%-12s %9s %9s %9s %9s %9s %9s %6s  %s\n", "command", "median", "p90", "p99",
	    "mean", "min", "cpu-med", "fail", "argv");

	double medians[MAX_CMDS];
	double *ratios = xcalloc((size_t)n, sizeof(double));

	for (int j = 0; j < k; j++) {
		struct cmd *cm = &cmds[j];
		uint64_t *v = xcalloc((size_t)n, sizeof(uint64_t));
		uint64_t *cp = xcalloc((size_t)n, sizeof(uint64_t));
		double sum = 0;
		char line[160];
		size_t len = 0;

		memcpy(v, cm->wall, (size_t)n * sizeof(uint64_t));
		memcpy(cp, cm->cpu, (size_t)n * sizeof(uint64_t));
		qsort(v, (size_t)n, sizeof(*v), cmp_u64);
		qsort(cp, (size_t)n, sizeof(*cp), cmp_u64);
		for (int r = 0; r < n; r++)
			sum += (double)v[r];
		medians[j] = (double)pct(v, n, 0.5) / 1000.0;
		line[0] = 0;
		for (char **a = cm->argv; *a && len + 1 < sizeof(line); a++) {
			int w = snprintf(line + len, sizeof(line) - len, "%s%s", a == cm->argv ? "" : " ",
			    *a);

			if (w < 0)
				break;
			len += (size_t)w;
		}
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		printf("%-12s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %6d  %s\n", cm->label, medians[j],
		    (double)pct(v, n, 0.9) / 1000.0, (double)pct(v, n, 0.99) / 1000.0,
		    sum / n / 1000.0, (double)v[0] / 1000.0, (double)pct(cp, n, 0.5) / 1000.0,
		    cm->failures, line);
		if (cm->failures) {
			int st = cm->first_status;

			printf("%-12s WARNING: %d of %d runs failed; first: %s %d\n", cm->label,
			    cm->failures, n, WIFEXITED(st) ? "exit status" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
		free(v);
		free(cp);
	}

	if (k > 1)
		printf("\n%-25s %9s %12s %9s %9s\n", "ratio A/B", "medians", "per-round", "p10",
		    "p90");
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++) {
			char name[64];

			for (int r = 0; r < n; r++)
				ratios[r] = cmds[b].wall[r] ?
				    (double)cmds[a].wall[r] / (double)cmds[b].wall[r] : 0;
			qsort(ratios, (size_t)n, sizeof(double), cmp_double);
			snprintf(name, sizeof(name), "%s/%s", cmds[a].label, cmds[b].label);
			printf("%-25s %9.2f %12.2f %9.2f %9.2f\n", name,
			    medians[b] > 0 ? medians[a] / medians[b] : 0, pctd(ratios, n, 0.5),
			    pctd(ratios, n, 0.1), pctd(ratios, n, 0.9));
		}
	return 0;
}
