/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for common/escape.c, from tables (input, flags, buffer size →
 * output and returned length), and for common/log.c, whose records pass
 * through it: a newline in a logged string must not start a record.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"
#include "macro.h"
#include "testlib.h"

static const struct {
	const char *in;
	unsigned flags;
	const char *expect;
} escapes[] = {
	{ "", 0, "" },
	{ "plain text, 100% ascii", 0, "plain text, 100% ascii" },
	{ "x\n<0>forged record", 0, "x\\n<0>forged record" },
	{ "a\tb", 0, "a\\tb" },
	{ "back\\slash", 0, "back\\\\slash" },
	{ "\x1b]0;pwned\x07\x1b[2J", 0, "\\x1b]0;pwned\\x07\\x1b[2J" },
	{ "\r", 0, "\\x0d" },
	{ "\x01\x1f\x7f", 0, "\\x01\\x1f\\x7f" },
	/* Valid multi-byte UTF-8 stays: 2, 3 and 4 bytes, U+FFFD, NBSP. */
	{ "gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9d\x84\x9e", 0,
	  "gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9d\x84\x9e" },
	{ "\xef\xbf\xbd\xc2\xa0", 0, "\xef\xbf\xbd\xc2\xa0" },
	{ "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf" },		/* U+10FFFF */
	/* C1 controls (CSI, NEL) are valid UTF-8 but terminals obey them. */
	{ "\xc2\x9b" "2J", 0, "\\xc2\\x9b" "2J" },
	{ "\xc2\x85", 0, "\\xc2\\x85" },
	/* Overlong forms. */
	{ "\xc0\xaf", 0, "\\xc0\\xaf" },
	{ "\xc1\xbf", 0, "\\xc1\\xbf" },
	{ "\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf" },
	{ "\xf0\x80\x80\xaf", 0, "\\xf0\\x80\\x80\\xaf" },
	/* Surrogates, past U+10FFFF, 5- and 6-byte forms, 0xfe/0xff. */
	{ "\xed\xa0\x80", 0, "\\xed\\xa0\\x80" },
	{ "\xed\xbf\xbf", 0, "\\xed\\xbf\\xbf" },
	{ "\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80" },
	{ "\xf8\x88\x80\x80\x80", 0, "\\xf8\\x88\\x80\\x80\\x80" },
	{ "\xfc\x84\x80\x80\x80\x80", 0, "\\xfc\\x84\\x80\\x80\\x80\\x80" },
	{ "\xfe\xff", 0, "\\xfe\\xff" },
	/* Sequences cut short, stray continuation bytes. */
	{ "a\xe2\x82", 0, "a\\xe2\\x82" },
	{ "a\xe2\x82" "b", 0, "a\\xe2\\x82b" },
	{ "\xf0\x9d\x84", 0, "\\xf0\\x9d\\x84" },
	{ "\xc3", 0, "\\xc3" },
	{ "\x80\xbf", 0, "\\x80\\xbf" },
	{ "\xc3\xbc\xbc", 0, "\xc3\xbc\\xbc" },
	/* A valid sequence right after an invalid lead byte is kept. */
	{ "\xe2\xc3\xbc", 0, "\\xe2\xc3\xbc" },

	/* ESCAPE_TEXT: newline, tab and backslash stay. */
	{ "[S]\nK=a\\b\tc\n", ESCAPE_TEXT, "[S]\nK=a\\b\tc\n" },
	{ "\x1b[2J\r\n", ESCAPE_TEXT, "\\x1b[2J\\x0d\n" },
	{ "\x7f\xc2\x9b\xff\xe2\x82\xac", ESCAPE_TEXT, "\\x7f\\xc2\\x9b\\xff\xe2\x82\xac" },

	/* ESCAPE_JSON. */
	{ "a\"b\\c/d", ESCAPE_JSON, "a\\\"b\\\\c/d" },
	{ "\n\t\r", ESCAPE_JSON, "\\n\\t\\u000d" },
	{ "\x1b]0;pwned\x07", ESCAPE_JSON, "\\u001b]0;pwned\\u0007" },
	{ "\x01\x7f\xc2\x9b", ESCAPE_JSON, "\\u0001\\u007f\\u009b" },
	{ "\xff", ESCAPE_JSON, "\\ufffd" },
	{ "\xe2\x82", ESCAPE_JSON, "\\ufffd\\ufffd" },
	{ "\xc0\xaf\xed\xa0\x80", ESCAPE_JSON, "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd" },
	{ "\xe2\x82\xac\xf0\x9d\x84\x9e", ESCAPE_JSON, "\xe2\x82\xac\xf0\x9d\x84\x9e" },
	{ "\"\n", ESCAPE_JSON | ESCAPE_TEXT, "\\\"\\n" },
};

START_TEST(test_escape_table)
{
	char buf[256];
	size_t n;

	n = escape_cstr(buf, sizeof(buf), escapes[_i].in, escapes[_i].flags);
	ck_assert_msg(strcmp(buf, escapes[_i].expect) == 0, "case %d: got \"%s\", want \"%s\"",
	    _i, buf, escapes[_i].expect);
	ck_assert_uint_eq(n, strlen(escapes[_i].expect));
	/* Only asking for the length gives the same length. */
	ck_assert_uint_eq(escape_cstr(NULL, 0, escapes[_i].in, escapes[_i].flags), n);
}
END_TEST

/* At the bound: never half an escape, never half a UTF-8 sequence. */
static const struct {
	const char *in;
	unsigned flags;
	size_t size;
	const char *expect;
	size_t ret;
} bounded[] = {
	{ "abcdef", 0, 4, "abc", 6 },
	{ "abcdef", 0, 7, "abcdef", 6 },
	{ "abc", 0, 1, "", 3 },
	{ "ab\n", 0, 4, "ab", 4 },
	{ "ab\n", 0, 5, "ab\\n", 4 },
	{ "a\x1b", 0, 4, "a", 5 },
	{ "a\x1b", 0, 5, "a", 5 },
	{ "a\x1b", 0, 6, "a\\x1b", 5 },
	{ "a\xe2\x82\xac", 0, 4, "a", 4 },
	{ "a\xe2\x82\xac", 0, 5, "a\xe2\x82\xac", 4 },
	{ "\xe2\x82\xac" "b", 0, 4, "\xe2\x82\xac", 4 },
	{ "a\xf0\x9d\x84\x9e", 0, 5, "a", 5 },
	/* Nothing after the first unit that did not fit, even if it would. */
	{ "ab\xe2\x82\xac" "c", 0, 5, "ab", 6 },
	{ "a\x1b" "b", 0, 4, "a", 6 },
	/* A C1 control's escape is one unit of eight. */
	{ "\xc2\x9b", 0, 8, "", 8 },
	{ "\xc2\x9b", 0, 9, "\\xc2\\x9b", 8 },
	{ "x\xff", 0, 4, "x", 5 },
	{ "x\xff", ESCAPE_JSON, 7, "x", 7 },
	{ "x\xff", ESCAPE_JSON, 8, "x\\ufffd", 7 },
	{ "\"", ESCAPE_JSON, 2, "", 2 },
};

START_TEST(test_escape_bounded)
{
	char buf[64];
	size_t n;

	memset(buf, 'Z', sizeof(buf));
	n = escape_cstr(buf, bounded[_i].size, bounded[_i].in, bounded[_i].flags);
	ck_assert_msg(strcmp(buf, bounded[_i].expect) == 0, "case %d: got \"%s\", want \"%s\"",
	    _i, buf, bounded[_i].expect);
	ck_assert_uint_eq(n, bounded[_i].ret);
	/* Nothing written past the bound. */
	for (size_t i = bounded[_i].size; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 'Z');
}
END_TEST

START_TEST(test_escape_null_and_empty_buffer)
{
	char buf[4] = "ZZZ";

	ck_assert_uint_eq(escape_cstr(buf, sizeof(buf), NULL, 0), 0);
	ck_assert_str_eq(buf, "");
	memcpy(buf, "ZZZ", 4);
	ck_assert_uint_eq(escape_cstr(buf, 0, "\n", 0), 2);
	ck_assert_str_eq(buf, "ZZZ");
}
END_TEST

START_TEST(test_escape_fputs)
{
	_cleanup_free_ char *out = NULL;
	size_t size = 0;
	char big[5000];
	FILE *f;

	/* The same escaping as escape_cstr(), and long strings are not cut. */
	memset(big, '\x1b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	f = open_memstream(&out, &size);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(escape_fputs("x\n<0>forged \xe2\x82\xac\xff", 0, f), 0);
	ck_assert_int_eq(escape_fputs(NULL, 0, f), 0);
	ck_assert_int_eq(escape_fputs("|\n\t\\\x1b|", ESCAPE_TEXT, f), 0);
	ck_assert_int_eq(escape_fputs("\"\xff\"", ESCAPE_JSON, f), 0);
	ck_assert_int_eq(escape_fputs(big, 0, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(size, 39 + 4 * (sizeof(big) - 1));
	out[39] = '\0';
	ck_assert_str_eq(out, "x\\n<0>forged \xe2\x82\xac\\xff|\n\t\\\\x1b|\\\"\\ufffd\\\"");
}
END_TEST

START_TEST(test_escape_columns)
{
	ck_assert_uint_eq(escape_columns("", 0), 0);
	ck_assert_uint_eq(escape_columns(NULL, 0), 0);
	ck_assert_uint_eq(escape_columns("default", 0), 7);
	ck_assert_uint_eq(escape_columns("\x1b", 0), 4);
	ck_assert_uint_eq(escape_columns("a\n", 0), 3);
	ck_assert_uint_eq(escape_columns("\xff\xc2\x9b", 0), 12);
	ck_assert_uint_eq(escape_columns("\xff", ESCAPE_JSON), 6);
	ck_assert_uint_eq(escape_columns("gr\xc3\xbc\xc3\x9f" "e\xe2\x82\xac\xf0\x9d\x84\x9e", 0), 7);
}
END_TEST

/* Runs one log call with stderr on a memfd; returns what it wrote. */
static char *
capture_log(bool prefix, const char *ident, const char *arg)
{
	static char out[8192];
	int fd = memfd_create("log", MFD_CLOEXEC), saved = dup(STDERR_FILENO);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	log_set_prefix_priority(prefix);
	log_set_ident(ident);
	(void) log_notice("Spawn of '%s' refused: %m", arg);
	(void) log_error_errno(-ENOENT, "policy '%s': %m", arg);
	fflush(stderr);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(fd);
	return out;
}

START_TEST(test_log_escapes_records)
{
	const char *hostile = "x\n<0>forged record\x1b]0;pwned\x07\x1b[2J\xff";

	ck_assert_str_eq(capture_log(true, NULL, hostile),
	    "<5>Spawn of 'x\\n<0>forged record\\x1b]0;pwned\\x07\\x1b[2J\\xff' refused: Success\n"
	    "<3>policy 'x\\n<0>forged record\\x1b]0;pwned\\x07\\x1b[2J\\xff': "
	    "No such file or directory\n");
	ck_assert_str_eq(capture_log(false, "sandboxctl", "a\tb\xe2\x82\xac"),
	    "sandboxctl: Spawn of 'a\\tb\xe2\x82\xac' refused: Success\n"
	    "sandboxctl: policy 'a\\tb\xe2\x82\xac': No such file or directory\n");
}
END_TEST

START_TEST(test_log_long_record)
{
	char big[3000];
	const char *out;

	/* 2999 ESC bytes: the record is cut, but stays one whole line. */
	memset(big, '\x1b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	out = capture_log(true, NULL, big);
	ck_assert_msg(strncmp(out, "<5>Spawn of '\\x1b", 17) == 0, "%.40s", out);
	ck_assert_ptr_nonnull(strchr(out, '\n'));
	ck_assert_msg(strncmp(strchr(out, '\n'), "\n<3>policy '\\x1b", 16) == 0, "%.40s",
	    strchr(out, '\n'));
	ck_assert_ptr_null(strchr(out, '\x1b'));
}
END_TEST

TESTLIB_MAIN("escape",
	{ "escape_cstr",
	    .loops = TESTLIB_LOOPS({ test_escape_table, ELEMENTSOF(escapes) },
		{ test_escape_bounded, ELEMENTSOF(bounded) }),
	    .tests = TESTLIB_TESTS(test_escape_null_and_empty_buffer, test_escape_fputs,
		test_escape_columns) },
	{ "log",
	    .tests = TESTLIB_TESTS(test_log_escapes_records, test_log_long_record) });
