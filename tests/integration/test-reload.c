/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policies on disk: SIGHUP reloads them (a broken file is reported as
 * file:line and its previous version kept), and "sandboxctl policy check"
 * reports the same file:line diagnostics.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

static struct testdaemon *td;

/* The default policy renamed by its description. */
static char *
policy_text(const char *description)
{
	char *base = testlib_default_policy_with(""), *p, *eol, *ret;

	p = strstr(base, "\nDescription=");
	ck_assert_ptr_nonnull(p);
	p += strlen("\nDescription=");
	eol = strchr(p, '\n');
	if (asprintf(&ret, "%.*s%s%s", (int)(p - base), base, description, eol) < 0)
		abort();
	free(base);
	return ret;
}

static unsigned
count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
daemon_up(void)
{
	char *v1 = policy_text("Mine version one");

	td = testdaemon_new();
	testdaemon_write_policy(td, "mine", v1);
	free(v1);
	ck_assert_int_eq(testdaemon_start(td, NULL), 0);
}

static void
daemon_down(void)
{
	testdaemon_free(td);
	td = NULL;
}

/* Polls "sandboxctl policies" until its output has (or lacks) needle. */
static bool
policies_show(const char *needle, bool present)
{
	for (int i = 0; i < 250; i++) {
		char *out;
		int st = testlib_sandboxctl(NULL, &out, NULL, "policies", NULL);
		bool has = strstr(out, needle) != NULL;

		free(out);
		ck_assert_int_eq(testlib_exit_code(st), 0);
		if (has == present)
			return true;
		usleep(40000);
	}
	return false;
}

START_TEST(reload_adds)
{
	char *text = policy_text("Added after start");
	char *out, *err;
	int st;

	ck_assert_msg(policies_show("Mine version one", true), "policy 'mine' not listed");
	ck_assert_msg(policies_show("added", false), "'added' listed before it exists");
	testdaemon_write_policy(td, "added", text);
	free(text);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(policies_show("Added after start", true), "'added' not listed after SIGHUP");

	st = testlib_sandboxctl(NULL, &out, &err, "run", "--policy", "added", "--", "echo", "ok",
	    NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "run --policy added: %d %s",
	    testlib_exit_code(st), err);
	ck_assert_str_eq(out, "ok\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(reload_keeps_old_on_error)
{
	char *v1 = policy_text("Mine version one"), *broken, *where, *out, *err;
	unsigned line;
	int st;

	/* An unknown key on the last line. */
	if (asprintf(&broken, "%s[Limits]\nNoSuchKey=1\n", v1) < 0)
		abort();
	line = count_lines(v1) + 2;
	if (asprintf(&where, "%s/mine.policy:%u:", td->policy_dir, line) < 0)
		abort();
	testdaemon_write_policy(td, "mine", broken);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(testdaemon_wait_log(td, where, 1, 10000), "log lacks '%s':\n%s", where,
	    testdaemon_read_log(td));
	ck_assert_msg(testdaemon_log_count(td, "NoSuchKey") > 0, "log does not name the key");

	/* The previous version is still served and usable. */
	st = testlib_sandboxctl(NULL, &out, &err, "policy", "show", "mine", NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "policy show mine: %d %s",
	    testlib_exit_code(st), err);
	ck_assert_msg(strstr(out, "Mine version one") && !strstr(out, "NoSuchKey"),
	    "policy show mine:\n%s", out);
	free(out);
	free(err);
	st = testlib_sandboxctl(NULL, &out, &err, "run", "--policy", "mine", "--", "echo", "ok",
	    NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "run --policy mine: %d %s",
	    testlib_exit_code(st), err);
	ck_assert_str_eq(out, "ok\n");
	free(out);
	free(err);

	/* Fixing the file and reloading again takes the new version. */
	free(v1);
	v1 = policy_text("Mine version two");
	testdaemon_write_policy(td, "mine", v1);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(policies_show("Mine version two", true), "fixed 'mine' not reloaded");
	free(v1);
	free(broken);
	free(where);
}
END_TEST

/* A valid policy of exactly len bytes: the default padded with comments. */
static char *
policy_of_size(size_t len)
{
	char *base = policy_text("Largest"), *text;
	size_t n = strlen(base);

	ck_assert_uint_lt(n + 2, len);
	text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	memcpy(text, base, n);
	/* "#xxx...\n" lines of at most 80 bytes. */
	while (n < len) {
		size_t l = len - n > 80 ? 80 : len - n;

		text[n] = '#';
		memset(text + n + 1, 'x', l - 1);
		text[n + l - 1] = '\n';
		n += l;
	}
	text[len] = '\0';
	free(base);
	return text;
}

/* SBX_POLICY_TEXT_MAX (60 KiB) is the largest policy: it loads, and
 * "policy show" returns every byte of it; one byte more is refused. */
START_TEST(show_maximum_size)
{
	char *max = policy_of_size(60 * 1024), *over = policy_of_size(60 * 1024 + 1);
	sandbox_client *c;
	char *out;

	testdaemon_write_policy(td, "largest", max);
	testdaemon_write_policy(td, "toolarge", over);
	ck_assert_int_eq(testdaemon_signal(td, SIGHUP), 0);
	ck_assert_msg(policies_show("largest", true), "policy 'largest' not loaded:\n%s",
	    testdaemon_read_log(td));
	/* Through the library: sandboxctl would add back a cut final newline. */
	c = testlib_connect();
	ck_assert_int_eq(sandbox_policy_show(c, "largest", &out), 0);
	ck_assert_uint_eq(strlen(out), 60 * 1024);
	ck_assert_msg(strcmp(out, max) == 0, "policy show largest differs from the file");
	free(out);
	sandbox_client_free(c);
	ck_assert_msg(testdaemon_wait_log(td, "toolarge.policy: policy is too large", 1, 10000),
	    "the 61441-byte policy was not refused:\n%s", testdaemon_read_log(td));
	ck_assert_msg(policies_show("toolarge", false), "the 61441-byte policy is listed");
	free(max);
	free(over);
}
END_TEST

static char *
write_tmp(const char *name, const char *text)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", td->dir, name) < 0)
		abort();
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(policy_check)
{
	char *good_text = policy_text("Checked");
	char *good = write_tmp("good.policy", good_text);
	char *bad = write_tmp("bad.policy", "[Policy]\nDescription=x\n\n[Limits]\nMemory=lots\n");
	char *expect, *out, *err;
	int st;

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", good, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "check good: %d %s%s", testlib_exit_code(st),
	    out, err);
	free(out);
	free(err);

	st = testlib_sandboxctl(NULL, &out, &err, "policy", "check", bad, NULL);
	ck_assert_msg(testlib_exit_code(st) == 1, "check bad: exit %d", testlib_exit_code(st));
	if (asprintf(&expect, "%s:5: ", bad) < 0)
		abort();
	ck_assert_msg(strstr(err, expect) && strstr(err, "lots"), "check bad said '%s%s'", out,
	    err);
	free(expect);
	free(out);
	free(err);
	free(good_text);
	free(good);
	free(bad);
}
END_TEST

TESTDAEMON_MAIN("reload",
	{ "reload", .up = daemon_up, .down = daemon_down, .timeout = 60,
	    .tests = TESTLIB_TESTS(reload_adds, reload_keeps_old_on_error, policy_check,
		show_maximum_size) });
