/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the per-uid log rate limiter (common/ratelimit.c), with a
 * made-up clock: the burst, the window reopening with its "suppressed"
 * count, uids kept apart, and the fixed table taken over oldest first.
 */
#include <stdbool.h>
#include <stdint.h>

#include "ratelimit.h"
#include "testlib.h"

#define SEC 1000000ULL

/* Sends n messages from uid at now; returns how many were let through. */
static unsigned
flood(struct ratelimit *rl, uid_t uid, uint64_t now, unsigned n, struct ratelimit_report *last)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ratelimit_report r = { .uid = 4242, .n = 4242 };

		if (ratelimit_test(rl, uid, now, &r)) {
			ok++;
			if (last)
				*last = r;
		}
	}
	return ok;
}

START_TEST(test_burst_and_report)
{
	struct ratelimit rl;
	struct ratelimit_report r;

	ratelimit_init(&rl, SEC, 10);
	/* Ten go through, nothing to report; the rest of 1,000 are counted. */
	ck_assert_uint_eq(flood(&rl, 1000, 5 * SEC, 1000, &r), 10);
	ck_assert_uint_eq(r.n, 0);
	/* Still within the window: nothing. */
	ck_assert(!ratelimit_test(&rl, 1000, 5 * SEC + SEC / 2, &r));
	/* The window reopens: the first line comes with the count. */
	ck_assert(ratelimit_test(&rl, 1000, 6 * SEC, &r));
	ck_assert_uint_eq(r.uid, 1000);
	ck_assert_uint_eq(r.n, 991);
	/* Reported once only. */
	ck_assert(ratelimit_test(&rl, 1000, 6 * SEC, &r));
	ck_assert_uint_eq(r.n, 0);
	/* A fresh budget in the new window: 8 more (10 in all). */
	ck_assert_uint_eq(flood(&rl, 1000, 6 * SEC + 1, 100, NULL), 8);
}
END_TEST

START_TEST(test_uids_apart)
{
	struct ratelimit rl;
	struct ratelimit_report r;

	ratelimit_init(&rl, SEC, 10);
	ck_assert_uint_eq(flood(&rl, 1000, SEC, 500, NULL), 10);
	/* Another uid in the same instant has its own budget... */
	ck_assert_uint_eq(flood(&rl, 1001, SEC, 500, &r), 10);
	ck_assert_uint_eq(r.n, 0);
	/* ... and its own count. */
	ck_assert(ratelimit_test(&rl, 1001, 3 * SEC, &r));
	ck_assert_uint_eq(r.uid, 1001);
	ck_assert_uint_eq(r.n, 490);
	ck_assert(ratelimit_test(&rl, 1000, 3 * SEC, &r));
	ck_assert_uint_eq(r.uid, 1000);
	ck_assert_uint_eq(r.n, 490);
}
END_TEST

START_TEST(test_table_bounded)
{
	struct ratelimit rl;
	struct ratelimit_report r;

	ratelimit_init(&rl, SEC, 2);
	/* uid 0 is the oldest and has a pending count. */
	ck_assert_uint_eq(flood(&rl, 0, 0, 5, NULL), 2);
	/* Fill the rest of the table, then one more uid. */
	for (uid_t u = 1; u < RATELIMIT_UIDS; u++) {
		ck_assert(ratelimit_test(&rl, u, u, &r));
		ck_assert_uint_eq(r.n, 0);
	}
	ck_assert(ratelimit_test(&rl, 5000, 100, &r));
	/* uid 0's entry was taken over: its count is reported now, not lost. */
	ck_assert_uint_eq(r.uid, 0);
	ck_assert_uint_eq(r.n, 3);
	/* Thousands of uids still fit: each takes the oldest entry. */
	for (uid_t u = 10000; u < 20000; u++)
		ck_assert(ratelimit_test(&rl, u, 200 + u, &r));
	/* A uid that lost its entry starts afresh, even in the same window. */
	ck_assert_uint_eq(flood(&rl, 5000, 200 + 20000, 5, NULL), 2);
}
END_TEST

START_TEST(test_clock_backwards)
{
	struct ratelimit rl;
	struct ratelimit_report r;

	ratelimit_init(&rl, SEC, 3);
	ck_assert_uint_eq(flood(&rl, 7, 10 * SEC, 9, NULL), 3);
	/* A clock that went back opens a new window rather than none. */
	ck_assert(ratelimit_test(&rl, 7, 2 * SEC, &r));
	ck_assert_uint_eq(r.n, 6);
}
END_TEST

TESTLIB_MAIN("ratelimit",
	{ "ratelimit_test",
	    .tests = TESTLIB_TESTS(test_burst_and_report, test_uids_apart,
		test_table_bounded, test_clock_backwards) });
