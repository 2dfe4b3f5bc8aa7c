/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the INI tokenizer (common/ini.c) and the value parsers
 * (common/parse-util.c), from tables.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "macro.h"
#include "parse-util.h"
#include "testlib.h"

/* Records every callback as "section/key=value;" */
struct record {
	char	buf[8192];
	int	stop_at_line;
};

static int
record_handler(const char *section, const char *key, const char *value, unsigned line,
    void *userdata, struct ini_error *err)
{
	struct record *rec = userdata;
	size_t n = strlen(rec->buf);

	if (rec->stop_at_line > 0 && (int) line == rec->stop_at_line) {
		(void) snprintf(err->message, sizeof(err->message), "handler refused %s", key);
		return -EINVAL;
	}
	(void) snprintf(rec->buf + n, sizeof(rec->buf) - n, "%s/%s=%s;", section, key, value);
	return 0;
}

static const struct {
	const char *text;
	const char *expect;
} ini_good[] = {
	{ "", "" },
	{ "\n\n# comment\n; also a comment\n", "" },
	{ "[A]\nKey=Value\n", "A/Key=Value;" },
	{ "Top=1\n[S]\nK=v", "/Top=1;S/K=v;" },
	{ "  [ Sec ]  \n  Key  =  spaced value  \r\n", "Sec/Key=spaced value;" },
	{ "[S]\nK=\n", "S/K=;" },
	{ "[S]\nK=a=b=c\n", "S/K=a=b=c;" },
	{ "[S]\nK=1\nK=2\n", "S/K=1;S/K=2;" },
	{ "[S]\nmy-key_2=x\n[T]\nk=y\n", "S/my-key_2=x;T/k=y;" },
	{ "[S]\nK=v # not a comment\n", "S/K=v # not a comment;" },
};

START_TEST(test_ini_good)
{
	struct record rec = {};
	struct ini_error err = {};
	int r;

	r = ini_parse(ini_good[_i].text, record_handler, &rec, &err);
	ck_assert_msg(r == 0, "case %d: r=%d, %u: %s", _i, r, err.line, err.message);
	ck_assert_str_eq(rec.buf, ini_good[_i].expect);
}
END_TEST

static char long_line[5000 + 32];

static const struct {
	const char *text;
	unsigned line;
	const char *message;
} ini_bad[] = {
	{ "[S]\nno equals sign\n", 2, "missing '='" },
	{ "[S\nK=v\n", 1, "malformed section header" },
	{ "[]\n", 1, "invalid section name" },
	{ "[S]x\n", 1, "malformed section header" },
	{ "[S T]\n", 1, "invalid section name" },
	{ "[S]\n\n\n=value\n", 4, "invalid key name" },
	{ "[S]\nK.x=1\n", 2, "invalid key name" },
	{ "[S]\nK y=1\n", 2, "invalid key name" },
	{ NULL /* long_line */, 3, "line too long" },
};

START_TEST(test_ini_bad)
{
	struct record rec = {};
	struct ini_error err = {};
	const char *text = ini_bad[_i].text ? ini_bad[_i].text : long_line;
	int r;

	r = ini_parse(text, record_handler, &rec, &err);
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_msg(err.line == ini_bad[_i].line, "case %d: line %u, expected %u (%s)", _i,
	    err.line, ini_bad[_i].line, err.message);
	ck_assert_msg(strstr(err.message, ini_bad[_i].message), "case %d: message '%s'", _i,
	    err.message);
}
END_TEST

START_TEST(test_ini_line_limit)
{
	struct record rec = {};
	struct ini_error err = {};
	char text[4200];
	int r;

	/* Exactly 4096 bytes is fine, 4097 is not. */
	memset(text, 'v', sizeof(text));
	memcpy(text, "[S]\nK=", 6);
	text[4 + 4096] = '\0';
	r = ini_parse(text, record_handler, &rec, &err);
	ck_assert_int_eq(r, 0);
	text[4 + 4096] = 'v';
	text[4 + 4097] = '\0';
	r = ini_parse(text, record_handler, &rec, &err);
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_uint_eq(err.line, 2);
}
END_TEST

START_TEST(test_ini_handler_error)
{
	struct record rec = { .stop_at_line = 3 };
	struct ini_error err = {};
	int r;

	r = ini_parse("[S]\nA=1\nB=2\nC=3\n", record_handler, &rec, &err);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_str_eq(err.message, "handler refused B");
	ck_assert_str_eq(rec.buf, "S/A=1;");
}
END_TEST

/* ini_parse_all() reports every bad line and goes on with the next; keys
 * under a bad section header are skipped, not reported one by one. */
START_TEST(test_ini_all_errors)
{
	static const char text[] =
	    "[S]\n"			/* 1 */
	    "A=1\n"			/* 2 */
	    "no equals\n"		/* 3: error */
	    "B=2\n"			/* 4: refused by the handler */
	    "C=3\n"			/* 5 */
	    "[bad name]\n"		/* 6: error */
	    "D=4\n"			/* 7: skipped */
	    "[T]\n"			/* 8 */
	    "K.x=1\n"			/* 9: error */
	    "E=5\n";			/* 10 */
	static const unsigned lines[] = { 3, 4, 6, 9 };
	struct record rec = { .stop_at_line = 4 };
	struct ini_diags d = {};
	int r;

	r = ini_parse_all(text, record_handler, &rec, &d);
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_uint_eq(d.n, ELEMENTSOF(lines));
	ck_assert_uint_eq(d.n_errors, ELEMENTSOF(lines));
	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		ck_assert_uint_eq(d.v[i].line, lines[i]);
		ck_assert_int_eq(d.v[i].severity, INI_ERROR);
	}
	ck_assert_str_eq(d.v[1].message, "handler refused B");
	ck_assert_str_eq(rec.buf, "S/A=1;S/C=3;T/E=5;");
}
END_TEST

static const struct ini_key keys[] = {
	{ "S", "A" },
	{ "S", "B" },
	{ "T", "A" },
};

START_TEST(test_ini_key_find)
{
	ck_assert_ptr_eq(ini_key_find(keys, ELEMENTSOF(keys), "S", "B"), &keys[1]);
	ck_assert_ptr_eq(ini_key_find(keys, ELEMENTSOF(keys), "T", "A"), &keys[2]);
	ck_assert_ptr_null(ini_key_find(keys, ELEMENTSOF(keys), "T", "B"));
	ck_assert_ptr_null(ini_key_find(keys, ELEMENTSOF(keys), "", "A"));
	ck_assert_ptr_null(ini_key_find(keys, ELEMENTSOF(keys), "s", "a"));
	ck_assert(ini_keys_have_section(keys, ELEMENTSOF(keys), "T"));
	ck_assert(!ini_keys_have_section(keys, ELEMENTSOF(keys), "U"));
	ck_assert(!ini_keys_have_section(keys, ELEMENTSOF(keys), ""));
}
END_TEST

/* ini_parse_all_known(): a header naming no section of the table is an
 * error at its own line, empty or not, and its keys never reach the
 * handler; keys before any header still do. */
START_TEST(test_ini_all_known)
{
	static const char text[] =
	    "Top=0\n"			/* 1: the handler's to judge */
	    "[S]\n"			/* 2 */
	    "A=1\n"			/* 3 */
	    "[U]\n"			/* 4: unknown, empty */
	    "[V]\n"			/* 5: unknown */
	    "A=2\n"			/* 6: skipped */
	    "[bad name]\n"		/* 7: not a name at all */
	    "[T]\n"			/* 8 */
	    "Z=3\n";			/* 9: the handler's to judge */
	struct record rec = {};
	struct ini_diags d = {};
	int r;

	r = ini_parse_all_known(text, keys, ELEMENTSOF(keys), record_handler, &rec, &d);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_uint_eq(d.v[0].line, 4);
	ck_assert_str_eq(d.v[0].message, "unknown section [U]");
	ck_assert_uint_eq(d.v[1].line, 5);
	ck_assert_str_eq(d.v[1].message, "unknown section [V]");
	ck_assert_uint_eq(d.v[2].line, 7);
	ck_assert_str_eq(d.v[2].message, "invalid section name 'bad name'");
	ck_assert_str_eq(rec.buf, "/Top=0;S/A=1;T/Z=3;");
}
END_TEST

/* 10,000 bad lines: the first INI_DIAGS_MAX are kept, all are counted. */
START_TEST(test_ini_all_bounded)
{
	struct record rec = {};
	struct ini_diags d = {};
	char *text = malloc(10000 * 4 + 1);
	int r;

	ck_assert_ptr_nonnull(text);
	for (int i = 0; i < 10000; i++)
		memcpy(text + 4 * i, "bad\n", 4);
	text[40000] = '\0';
	r = ini_parse_all(text, record_handler, &rec, &d);
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_uint_eq(d.n, INI_DIAGS_MAX);
	ck_assert_uint_eq(d.n_errors, 10000);
	ck_assert_uint_eq(d.v[INI_DIAGS_MAX - 1].line, INI_DIAGS_MAX);
	free(text);
}
END_TEST

static const struct {
	const char *s;
	int r;
	bool v;
} bools[] = {
	{ "yes", 0, true }, { "true", 0, true }, { "1", 0, true }, { "on", 0, true },
	{ "no", 0, false }, { "false", 0, false }, { "0", 0, false }, { "off", 0, false },
	{ "YES", 0, true }, { "", -EINVAL, false }, { "2", -EINVAL, false },
	{ "yess", -EINVAL, false },
};

START_TEST(test_parse_boolean)
{
	bool v = !bools[_i].v;
	int r = parse_boolean(bools[_i].s, &v);

	ck_assert_msg(r == bools[_i].r, "'%s': %d", bools[_i].s, r);
	if (r == 0)
		ck_assert(v == bools[_i].v);
}
END_TEST

enum { U64, SIZE, TIME };
static const struct {
	int kind;
	const char *s;
	int r;
	uint64_t v;
} numbers[] = {
	{ U64, "0", 0, 0 },
	{ U64, "42", 0, 42 },
	{ U64, "18446744073709551615", 0, UINT64_MAX },
	{ U64, "18446744073709551616", -ERANGE, 0 },
	{ U64, "99999999999999999999999", -ERANGE, 0 },
	{ U64, "-1", -EINVAL, 0 },
	{ U64, "+1", -EINVAL, 0 },
	{ U64, " 1", -EINVAL, 0 },
	{ U64, "1x", -EINVAL, 0 },
	{ U64, "", -EINVAL, 0 },
	{ SIZE, "512", 0, 512 },
	{ SIZE, "4K", 0, 4096 },
	{ SIZE, "64M", 0, UINT64_C(64) << 20 },
	{ SIZE, "2G", 0, UINT64_C(2) << 30 },
	{ SIZE, "1T", 0, UINT64_C(1) << 40 },
	{ SIZE, "infinity", 0, UINT64_MAX },
	{ SIZE, "16777216T", -ERANGE, 0 },
	{ SIZE, "1Q", -EINVAL, 0 },
	{ SIZE, "M", -EINVAL, 0 },
	{ SIZE, "1.5G", -EINVAL, 0 },
	{ SIZE, "-1M", -EINVAL, 0 },
	{ TIME, "30", 0, 30000 },
	{ TIME, "500ms", 0, 500 },
	{ TIME, "30s", 0, 30000 },
	{ TIME, "5min", 0, 300000 },
	{ TIME, "2h", 0, 7200000 },
	{ TIME, "1d", 0, 86400000 },
	{ TIME, "infinity", 0, UINT64_MAX },
	{ TIME, "18446744073709551615ms", -ERANGE, 0 },
	{ TIME, "18446744073709552s", -ERANGE, 0 },
	{ TIME, "5 min", -EINVAL, 0 },
	{ TIME, "5years", -EINVAL, 0 },
	{ TIME, "", -EINVAL, 0 },
};

START_TEST(test_parse_numbers)
{
	uint64_t v = 12345;
	int r;

	switch (numbers[_i].kind) {
	case U64:
		r = parse_u64(numbers[_i].s, &v);
		break;
	case SIZE:
		r = parse_size(numbers[_i].s, &v);
		break;
	default:
		r = parse_time_ms(numbers[_i].s, &v);
		break;
	}
	ck_assert_msg(r == numbers[_i].r, "'%s': r=%d, expected %d", numbers[_i].s, r,
	    numbers[_i].r);
	if (r == 0)
		ck_assert_msg(v == numbers[_i].v, "'%s': %llu", numbers[_i].s,
		    (unsigned long long) v);
	else
		ck_assert_msg(v == 12345, "'%s': result written on failure", numbers[_i].s);
}
END_TEST

/* "[S]\nK=1\n" then a line of 5000 bytes on line 3, made before "ini_parse" runs. */
static void
make_long_line(void)
{
	memcpy(long_line, "[S]\nK=1\nL=", 10);
	memset(long_line + 10, 'x', 5000);
	long_line[5010] = '\n';
	long_line[5011] = '\0';
}

TESTLIB_MAIN("ini",
	{ "ini_parse", .up = make_long_line,
	    .loops = TESTLIB_LOOPS({ test_ini_good, ELEMENTSOF(ini_good) },
		{ test_ini_bad, ELEMENTSOF(ini_bad) }),
	    .tests = TESTLIB_TESTS(test_ini_line_limit, test_ini_handler_error,
		test_ini_all_errors, test_ini_all_bounded, test_ini_key_find, test_ini_all_known) },
	{ "parse_util",
	    .loops = TESTLIB_LOOPS({ test_parse_boolean, ELEMENTSOF(bools) },
		{ test_parse_numbers, ELEMENTSOF(numbers) }) });
