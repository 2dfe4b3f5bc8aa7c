/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* common/signal-util.c: what sandboxctl kill --signal accepts. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "signal-util.h"
#include "testlib.h"

/* Every name the daemon logs (sigabbrev_np()) reads back as its signal,
 * bare, with SIG and in lower case. */
START_TEST(test_names_round_trip)
{
	unsigned named = 0;

	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);
		char buf[32];
		int v;

		if (!name)
			continue;
		named++;
		v = -1;
		ck_assert_int_eq(signal_from_string(name, &v), 0);
		ck_assert_int_eq(v, sig);
		(void) snprintf(buf, sizeof(buf), "SIG%s", name);
		v = -1;
		ck_assert_int_eq(signal_from_string(buf, &v), 0);
		ck_assert_int_eq(v, sig);
		for (char *p = buf; *p; p++)
			*p = (char) (*p | 0x20);
		v = -1;
		ck_assert_msg(signal_from_string(buf, &v) == 0 && v == sig, "'%s'", buf);
	}
	/* HUP to SYS. */
	ck_assert_uint_ge(named, 31);
}
END_TEST

START_TEST(test_aliases_and_numbers)
{
	static const struct {
		const char *s;
		int r, v;
	} cases[] = {
		{ "IOT", 0, SIGABRT }, { "SIGIOT", 0, SIGABRT }, { "io", 0, SIGIO },
		{ "POLL", 0, SIGPOLL }, { "TERM", 0, SIGTERM }, { "sIgKiLl", 0, SIGKILL },
		{ "0", 0, 0 }, { "9", 0, SIGKILL }, { "64", 0, 64 },
		{ "65", -ERANGE, 0 }, { "99999999999999999999999", -EINVAL, 0 },
		{ "", -EINVAL, 0 }, { "SIG", -EINVAL, 0 }, { "TERMX", -EINVAL, 0 },
		{ " TERM", -EINVAL, 0 }, { "-9", -EINVAL, 0 }, { "SIG9", -EINVAL, 0 },
		{ "RTMIN", -EINVAL, 0 },
	};

	ck_assert_int_eq(NSIG, 65);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		int v = -1, r = signal_from_string(cases[i].s, &v);

		ck_assert_msg(r == cases[i].r, "'%s': %d, expected %d", cases[i].s, r, cases[i].r);
		ck_assert_msg(v == (r == 0 ? cases[i].v : -1), "'%s': %d", cases[i].s, v);
	}
	ck_assert_int_eq(signal_from_string(NULL, &(int) { 0 }), -EINVAL);
}
END_TEST

TESTLIB_MAIN("signal-util",
	{ "signal_from_string",
	    .tests = TESTLIB_TESTS(test_names_round_trip, test_aliases_and_numbers) });
