/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for daemon/policy/landlock-abi.c: what each Landlock ABI leaves out
 * of a best-effort ruleset, as the daemon logs it once at start (Debian
 * 12's kernel has ABI 2).
 */
#include <string.h>

#include "landlock-abi.h"
#include "testlib.h"

static const struct {
	int		abi;
	int		n;
	const char	*text;
} cases[] = {
	{ -1, -1, "" },
	{ 0, -1, "" },
	{ 1, 4, "without truncation rules (ABI 3), TCP rules (ABI 4), device ioctl rules (ABI 5) "
	    "and signal and abstract-socket scoping (ABI 6)" },
	{ 2, 4, "without truncation rules (ABI 3), TCP rules (ABI 4), device ioctl rules (ABI 5) "
	    "and signal and abstract-socket scoping (ABI 6)" },
	{ 3, 3, "without TCP rules (ABI 4), device ioctl rules (ABI 5) and signal and "
	    "abstract-socket scoping (ABI 6)" },
	{ 4, 2, "without device ioctl rules (ABI 5) and signal and abstract-socket scoping (ABI 6)" },
	{ 5, 1, "without signal and abstract-socket scoping (ABI 6)" },
	{ 6, 0, "" },
	{ 7, 0, "" },
	{ 99, 0, "" },
};

START_TEST(test_missing_table)
{
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		ck_assert_int_eq(landlock_abi_missing(cases[i].abi, buf, sizeof(buf)), cases[i].n);
		ck_assert_str_eq(buf, cases[i].text);
	}
}
END_TEST

START_TEST(test_missing_truncated)
{
	char buf[16];

	/* A short buffer stays a terminated string; the count is exact. */
	ck_assert_int_eq(landlock_abi_missing(2, buf, sizeof(buf)), 4);
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
}
END_TEST

TESTLIB_MAIN("landlock-abi",
	{ "missing",
	    .tests = TESTLIB_TESTS(test_missing_table, test_missing_truncated) });
