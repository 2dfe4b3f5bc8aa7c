/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the Check unit tests.
 */
#pragma once

#include <check.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "macro.h"

/*
 * One TCase of a suite, for testlib_suite(): its tests, the unchecked
 * fixture that runs once around the case (up/down, in the runner), the
 * checked one that runs around each test (setup/teardown, in its fork) and
 * the timeout in seconds (0: Check's default, only a few seconds). Loop
 * tests come first, each run with _i from 0 to end - 1.
 */
struct testlib_loop {
	const TTest		*test;
	int			end;
};

struct testlib_case {
	const char		*name;
	void			(*up)(void);
	void			(*down)(void);
	void			(*setup)(void);
	void			(*teardown)(void);
	int			timeout;
	const struct testlib_loop *loops;	/* ends with { NULL }: TESTLIB_LOOPS() */
	const TTest *const	*tests;		/* NULL-terminated: TESTLIB_TESTS() */
};

/* The tests of a case, by their START_TEST names. */
#define TESTLIB_TESTS(...) ((const TTest *const[]) { __VA_ARGS__, NULL })
/* Loop tests and their ends: TESTLIB_LOOPS({ test_table, ELEMENTSOF(table) }). */
#define TESTLIB_LOOPS(...) ((const struct testlib_loop[]) { __VA_ARGS__, { NULL, 0 } })

/* A suite called name with n cases, in order. */
Suite *testlib_suite(const char *name, const struct testlib_case *cases, size_t n);
/* Unless skip (NULL: never) says to skip (exit status 0), runs that suite
 * and returns the exit status, as testlib_run() does. */
int testlib_main(const char *name, const struct testlib_case *cases, size_t n,
    bool (*skip)(void));

/*
 * A test's main(): the suite name made of the cases that follow, as in
 *	TESTLIB_MAIN("wire",
 *		{ "reader", .tests = TESTLIB_TESTS(test_reject_header) },
 *		{ "writer", .tests = TESTLIB_TESTS(test_writer_limits) });
 * TESTLIB_MAIN_SKIP() asks skip() first (integration tests: TESTDAEMON_MAIN).
 */
#define TESTLIB_MAIN_SKIP(skip, name, ...)					\
	int									\
	main(void)								\
	{									\
		const struct testlib_case tcases_[] = { __VA_ARGS__ };		\
										\
		return testlib_main((name), tcases_, ELEMENTSOF(tcases_), (skip));	\
	}
#define TESTLIB_MAIN(name, ...) TESTLIB_MAIN_SKIP(NULL, name, __VA_ARGS__)

/* Runs every case of s (CK_ENV decides verbosity, CK_RUN_CASE etc.) and
 * returns the process exit status: 0 if all passed, 1 otherwise. Takes s. */
int testlib_run(Suite *s);

/* Path of a file in the source tree: $TOP_SRCDIR/rel, or rel relative to
 * the source tree configure saw when TOP_SRCDIR is unset. Returns a malloc'd
 * string (never NULL; aborts on OOM, this is test code). */
char *testlib_srcdir_path(const char *rel);

/* asprintf() that aborts on OOM (this is test code); the caller frees. */
char *testlib_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A TCP socket listening on 127.0.0.1 at a port the kernel picks, with
 * backlog; its address in *ret_sa. Asserts that each step succeeds. */
int testlib_tcp_listen(int backlog, struct sockaddr_in *ret_sa);

/* CLOCK_MONOTONIC in milliseconds. */
long long testlib_now_ms(void);
/* Open fds of pid (0: ourselves, not counting the one that reads
 * /proc/self/fd), from /proc/PID/fd. Aborts if it cannot be read. */
unsigned testlib_count_fds_of(pid_t pid);
/* Our own open fds (entries of /proc/self/fd, not counting the dir's). */
unsigned testlib_count_fds(void);
/* One sendmsg() of buf (size may be 0) with n_fds (≤ 16) fds in SCM_RIGHTS,
 * bypassing libprotocol's limits, as a hostile peer would. Returns 0 or a
 * negative errno. */
int testlib_send_fds(int sock, const void *buf, size_t size, const int *fds, size_t n_fds);

/* Forks a child that installs prog (with no_new_privs) with a listener and,
 * once the parent holds that listener (in *ret_listener, taken with
 * pidfd_getfd(2)), runs body(fd), fd an open descriptor of its own; body
 * must end the child (a sanitizer's _exit() needs sigaltstack(2) allowed).
 * Returns the child's pid. Asserts that each step succeeds. */
pid_t testlib_fork_notified(const struct sock_filter *prog, size_t len, void (*body)(int fd),
    int *ret_listener);
/* Answers the next notification of listener (within 10 s) with resp, its
 * id filled in: the call must be nr, made by pid. */
void testlib_answer_next(int listener, long nr, pid_t pid, const struct seccomp_notif_resp *resp);
