/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common/parse-util.c at its edges: every suffix each parser knows and its
 * factor, the last value that fits and the first that does not, NULL, case,
 * and that a failure leaves the result alone. (tests/unit/test-ini.c checks
 * typical values the way a policy or sandboxd.conf writes them.)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"
#include "parse-util.h"
#include "testlib.h"

typedef int (*parse_fn)(const char *s, uint64_t *ret);

static const struct {
	parse_fn	parse;
	const char	*suffix;
	uint64_t	factor;
} units[] = {
	{ parse_size, "", 1 },
	{ parse_size, "B", 1 },
	{ parse_size, "K", UINT64_C(1) << 10 },
	{ parse_size, "M", UINT64_C(1) << 20 },
	{ parse_size, "G", UINT64_C(1) << 30 },
	{ parse_size, "T", UINT64_C(1) << 40 },
	{ parse_time_ms, "", 1000 },
	{ parse_time_ms, "ms", 1 },
	{ parse_time_ms, "msec", 1 },
	{ parse_time_ms, "s", 1000 },
	{ parse_time_ms, "sec", 1000 },
	{ parse_time_ms, "m", 60 * 1000 },
	{ parse_time_ms, "min", 60 * 1000 },
	{ parse_time_ms, "h", 3600 * 1000 },
	{ parse_time_ms, "hr", 3600 * 1000 },
	{ parse_time_ms, "d", 24 * 3600 * 1000 },
};

/* s through parse: its result, with *ret (preset to a marker) checked to
 * be untouched on failure. */
static int
parse_checked(parse_fn parse, const char *s, uint64_t *ret)
{
	int r;

	*ret = 0xdeadbeef;
	r = parse(s, ret);
	if (r < 0)
		ck_assert_msg(*ret == 0xdeadbeef, "'%s': result written on failure", s ? s : "NULL");
	return r;
}

/* For each suffix: 0, 1 and 7 of it, the largest count that fits and the
 * next one (-ERANGE), and the suffix alone (-EINVAL). */
START_TEST(test_suffixes)
{
	uint64_t factor = units[_i].factor, max = UINT64_MAX / factor, v;
	const char *suffix = units[_i].suffix;
	char s[64];

	/* A time of UINT64_MAX would read as infinity: one less is the most. */
	if (units[_i].parse == parse_time_ms && max * factor == UINT64_MAX)
		max--;
	for (uint64_t n = 0; n < 8; n += n == 1 ? 6 : 1) {
		ck_assert_int_lt(snprintf(s, sizeof(s), "%" PRIu64 "%s", n, suffix),
		    (int) sizeof(s));
		ck_assert_int_eq(parse_checked(units[_i].parse, s, &v), 0);
		ck_assert_uint_eq(v, n * factor);
	}
	(void) snprintf(s, sizeof(s), "%" PRIu64 "%s", max, suffix);
	ck_assert_msg(parse_checked(units[_i].parse, s, &v) == 0, "'%s'", s);
	ck_assert_uint_eq(v, max * factor);
	(void) snprintf(s, sizeof(s), "%" PRIu64 "%s", max + 1, suffix);
	ck_assert_msg(max == UINT64_MAX || parse_checked(units[_i].parse, s, &v) == -ERANGE,
	    "'%s' fits", s);
	if (suffix[0])
		ck_assert_int_eq(parse_checked(units[_i].parse, suffix, &v), -EINVAL);
}
END_TEST

/* Suffixes and "infinity" are case-sensitive; booleans are not. No sign,
 * space, fraction or second suffix anywhere. */
START_TEST(test_spelling)
{
	static const char *const bad_sizes[] = {
		"4k", "4KB", "4KiB", "Infinity", "INFINITY", "infinity ", "4 K", "4K ", "0x10", "1e3",
	};
	static const char *const bad_times[] = {
		"5S", "5Min", "5mins", "5s5", "5ss", "1.5s", "Infinity", "5 s", "\t5", "5\n",
	};
	uint64_t v;

	for (size_t i = 0; i < ELEMENTSOF(bad_sizes); i++)
		ck_assert_msg(parse_checked(parse_size, bad_sizes[i], &v) == -EINVAL, "'%s'",
		    bad_sizes[i]);
	for (size_t i = 0; i < ELEMENTSOF(bad_times); i++)
		ck_assert_msg(parse_checked(parse_time_ms, bad_times[i], &v) == -EINVAL, "'%s'",
		    bad_times[i]);
	ck_assert_int_eq(parse_checked(parse_u64, "infinity", &v), -EINVAL);
	ck_assert_int_eq(parse_checked(parse_u64, "1K", &v), -EINVAL);
	ck_assert_int_eq(parse_checked(parse_u64, "007", &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(parse_checked(parse_size, "0T", &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(test_null)
{
	bool b = true;
	uint64_t v;

	ck_assert_int_eq(parse_boolean(NULL, &b), -EINVAL);
	ck_assert(b);
	ck_assert_int_eq(parse_checked(parse_u64, NULL, &v), -EINVAL);
	ck_assert_int_eq(parse_checked(parse_size, NULL, &v), -EINVAL);
	ck_assert_int_eq(parse_checked(parse_time_ms, NULL, &v), -EINVAL);
}
END_TEST

/* Any case of the eight words; a failure leaves the result alone. */
START_TEST(test_boolean_case)
{
	static const struct {
		const char *s;
		bool v;
	} words[] = {
		{ "Yes", true }, { "TRUE", true }, { "On", true }, { "oN", true },
		{ "No", false }, { "FALSE", false }, { "Off", false }, { "oFF", false },
	};
	static const char *const bad[] = { "y", "n", "ye", "yes ", " no", "01", "enable", "-1" };
	bool b;

	for (size_t i = 0; i < ELEMENTSOF(words); i++) {
		b = !words[i].v;
		ck_assert_msg(parse_boolean(words[i].s, &b) == 0, "'%s'", words[i].s);
		ck_assert(b == words[i].v);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		b = true;
		ck_assert_msg(parse_boolean(bad[i], &b) == -EINVAL, "'%s'", bad[i]);
		ck_assert(b);
		b = false;
		ck_assert_int_eq(parse_boolean(bad[i], &b), -EINVAL);
		ck_assert(!b);
	}
}
END_TEST

TESTLIB_MAIN("parse-util",
	{ "numbers", .loops = TESTLIB_LOOPS({ test_suffixes, ELEMENTSOF(units) }),
	    .tests = TESTLIB_TESTS(test_spelling, test_null) },
	{ "boolean", .tests = TESTLIB_TESTS(test_boolean_case) });
