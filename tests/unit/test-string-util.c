/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for common/string-util.c, from tables: the name validator
 * ([A-Za-z0-9_-]+) the INI tokenizer and the policy store share, the
 * character classes the policy parser builds on, and the control
 * character finder.
 */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "string-util.h"
#include "testlib.h"

static const struct {
	const char *s;
	bool valid;
} names[] = {
	{ "Policy", true },
	{ "my_policy-2", true },
	{ "-", true },
	{ "_", true },
	{ "0", true },
	{ "", false },
	{ "a b", false },
	{ "a.b", false },
	{ "a/b", false },
	{ "a=b", false },
	{ "caf\xc3\xa9", false },
	{ "tab\t", false },
	{ "x\x7f", false },
};

START_TEST(test_name_table)
{
	const char *s = names[_i].s;

	ck_assert_msg(string_is_name_n(s, strlen(s)) == names[_i].valid, "'%s'", s);
}
END_TEST

START_TEST(test_name_counts_n_bytes)
{
	/* Only the first n bytes count: "[Foo]" is inspected inside. */
	ck_assert(string_is_name_n("[Foo]" + 1, 3));
	ck_assert(!string_is_name_n("[Foo]" + 1, 4));
	ck_assert(!string_is_name_n("Foo", 0));
}
END_TEST

static const struct {
	const char *s;
	const char *extra;
	bool valid;
} classes[] = {
	{ "", "", true },
	{ "abcXYZ019", "", true },
	{ "a-b", "", false },
	{ "a-b", "-", true },
	{ "host.example-1", "-.", true },
	{ "host_name", "-.", false },
	{ "::1", ".-", false },
	{ "::1", ".-:", true },
	{ "PATH_2", "_", true },
	{ "PATH=", "_", false },
	{ " ", "_", false },
};

START_TEST(test_class_table)
{
	ck_assert_msg(string_is_alnum_or(classes[_i].s, classes[_i].extra) == classes[_i].valid,
	    "'%s' with '%s'", classes[_i].s, classes[_i].extra);
}
END_TEST

START_TEST(test_class_nul_is_never_extra)
{
	/* strchr() finds the terminating NUL of extra: it must not count. */
	ck_assert(!char_is_alnum_or('\0', "-"));
	ck_assert(!char_is_alnum_or('\0', ""));
	ck_assert(char_is_alnum_or('-', "-"));
}
END_TEST

static const struct {
	const char *s;
	int at;			/* index of the first control character, or -1 */
} ccs[] = {
	{ "", -1 },
	{ "plain /path:with stuff~", -1 },
	{ "caf\xc3\xa9", -1 },		/* UTF-8 bytes are >= 0x80: not control */
	{ "\x01", 0 },
	{ "a\tb", 1 },
	{ "line\n", 4 },
	{ "ab\x1f", 2 },
	{ "del\x7f", 3 },
	{ "x\ry\n", 1 },
};

START_TEST(test_cc_table)
{
	const char *s = ccs[_i].s, *at = string_find_cc(s);

	if (ccs[_i].at < 0)
		ck_assert_ptr_null(at);
	else
		ck_assert_ptr_eq(at, s + ccs[_i].at);
}
END_TEST

START_TEST(test_free_and_strdup)
{
	char *s = NULL;

	ck_assert_int_eq(free_and_strdup(&s, "one"), 0);
	ck_assert_str_eq(s, "one");
	ck_assert_int_eq(free_and_strdup(&s, "two"), 0);
	ck_assert_str_eq(s, "two");
	free(s);
}
END_TEST

static const struct {
	const char *list, *word, *seps;
	bool has;
} words[] = {
	{ "cpu,cpuacct", "cpu", ",", true },
	{ "cpu,cpuacct", "cpuacct", ",", true },
	{ "cpuacct", "cpu", ",", false },
	{ "net_cls,net_prio", "net", ",", false },
	{ "name=systemd", "systemd", ",", false },
	{ "memory pids cpu\n", "cpu", " \n", true },
	{ "memory pids cpuset\n", "cpu", " \n", false },
	{ "cpuset cpu", "cpu", " \n", true },
	{ "", "cpu", ",", false },
	{ "cpu", "", ",", false },
};

START_TEST(test_word_table)
{
	ck_assert_msg(string_has_word(words[_i].list, words[_i].word, words[_i].seps) ==
	    words[_i].has, "'%s' in '%s'", words[_i].word, words[_i].list);
}
END_TEST

TESTLIB_MAIN("string-util",
	{ "name", .loops = TESTLIB_LOOPS({ test_name_table, ELEMENTSOF(names) }),
	    .tests = TESTLIB_TESTS(test_name_counts_n_bytes) },
	{ "alnum_or", .loops = TESTLIB_LOOPS({ test_class_table, ELEMENTSOF(classes) }),
	    .tests = TESTLIB_TESTS(test_class_nul_is_never_extra) },
	{ "find_cc", .loops = TESTLIB_LOOPS({ test_cc_table, ELEMENTSOF(ccs) }) },
	{ "free_and_strdup", .tests = TESTLIB_TESTS(test_free_and_strdup) },
	{ "has_word", .loops = TESTLIB_LOOPS({ test_word_table, ELEMENTSOF(words) }) });
