/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside sandboxes of test-limits' CPUQuota= cases: "cpu-spin N MS"
 * spins in N processes until MS milliseconds of real time have passed
 * since it started, waits for them and prints the real time and the CPU
 * time (user and system, its own and its children's) it took, as
 * "wall_ms W cpu_ms C". Without a quota, N spinners on N free cores take
 * about N times the real time; a quota of Q% of one CPU holds them to
 * Q/100 of it. Linked statically: it needs nothing from the sandbox's view
 * but itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
tv_ms(const struct timeval *tv)
{
	return (long long) tv->tv_sec * 1000 + tv->tv_usec / 1000;
}

int
main(int argc, char **argv)
{
	long long start = now_ms(), end;
	struct rusage self, children;
	volatile unsigned long spins = 0;
	int n;

	if (argc != 3 || (n = atoi(argv[1])) < 1 || n > 16 || atoll(argv[2]) < 1) {
		fprintf(stderr, "usage: cpu-spin N MS\n");
		return 2;
	}
	end = start + atoll(argv[2]);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			while (now_ms() < end)
				spins++;
			_exit(0);
		}
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (getrusage(RUSAGE_SELF, &self) < 0 || getrusage(RUSAGE_CHILDREN, &children) < 0) {
		perror("getrusage");
		return 1;
	}
	printf("wall_ms %lld cpu_ms %lld\n", now_ms() - start,
	    tv_ms(&self.ru_utime) + tv_ms(&self.ru_stime) + tv_ms(&children.ru_utime) +
	    tv_ms(&children.ru_stime));
	return 0;
}
