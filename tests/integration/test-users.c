/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two users: each sees and controls only their own sandboxes; root sees
 * all. sandboxctl runs as uid 65534 (A) and uid 1000 (B), groups cleared.
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

#define UID_A 65534
#define UID_B 1000

/* sandboxctl run --detach -- sleep 60 as uid; returns the id. */
static unsigned long long
detach_as(uid_t uid)
{
	char *out, *err, *end;
	unsigned long long id;
	int st = testlib_sandboxctl_as(uid, uid, &out, &err, "run", "--detach", "--", "sleep", "60",
	    NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "uid %u: run --detach: exit %d: %s",
	    (unsigned)uid, testlib_exit_code(st), err);
	id = strtoull(out, &end, 10);
	ck_assert_msg(id > 0 && *end == '\n', "run --detach printed '%s'", out);
	free(out);
	free(err);
	return id;
}

static bool
json_has_id(const char *json, unsigned long long id)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "\"id\": %llu,", id);
	return strstr(json, needle) != NULL;
}

START_TEST(isolation)
{
	unsigned long long a = detach_as(UID_A), b = detach_as(UID_B);
	char ids[32], *out, *err;
	sandbox_client *c;
	sandbox_info *info;
	int st;

	snprintf(ids, sizeof(ids), "%llu", a);

	/* B lists its own sandbox, not A's. */
	st = testlib_sandboxctl_as(UID_B, UID_B, &out, &err, "list", "--json", NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "B list: %d %s", testlib_exit_code(st), err);
	ck_assert_msg(json_has_id(out, b), "B does not see its own %llu:\n%s", b, out);
	ck_assert_msg(!json_has_id(out, a), "B sees A's %llu:\n%s", a, out);
	free(out);
	free(err);

	/* B can neither kill nor inspect A's. */
	st = testlib_sandboxctl_as(UID_B, UID_B, &out, &err, "kill", ids, NULL);
	ck_assert_msg(testlib_exit_code(st) == 1, "B kill A: exit %d: %s%s", testlib_exit_code(st),
	    out, err);
	free(out);
	free(err);
	st = testlib_sandboxctl_as(UID_B, UID_B, &out, &err, "kill", "--signal", "KILL", ids, NULL);
	ck_assert_msg(testlib_exit_code(st) == 1, "B kill -KILL A: exit %d", testlib_exit_code(st));
	free(out);
	free(err);
	st = testlib_sandboxctl_as(UID_B, UID_B, &out, &err, "status", ids, NULL);
	ck_assert_msg(testlib_exit_code(st) != 0, "B status A: exit 0:\n%s", out);
	ck_assert_msg(!strstr(out, "sleep 60"), "B sees A's command:\n%s", out);
	free(out);
	free(err);

	/* A's sandbox is unharmed. */
	c = testlib_connect();
	ck_assert_int_eq(sandbox_status(c, a, &info), 0);
	ck_assert_str_eq(sandbox_info_get_state(info), "running");
	ck_assert_uint_eq(sandbox_info_get_owner_uid(info), UID_A);
	sandbox_info_free(info);

	/* A sees its own and can status it. */
	st = testlib_sandboxctl_as(UID_A, UID_A, &out, &err, "status", ids, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "A status A: %d %s", testlib_exit_code(st), err);
	free(out);
	free(err);

	/* Root sees both. */
	st = testlib_sandboxctl(NULL, &out, &err, "list", "--json", NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "root list: %d %s", testlib_exit_code(st), err);
	ck_assert_msg(json_has_id(out, a) && json_has_id(out, b), "root list:\n%s", out);
	free(out);
	free(err);

	/* A kills its own; root kills B's. */
	st = testlib_sandboxctl_as(UID_A, UID_A, &out, &err, "kill", ids, NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "A kill A: %d %s", testlib_exit_code(st), err);
	free(out);
	free(err);
	ck_assert_int_eq(sandbox_kill(c, b, SIGKILL), 0);
	sandbox_client_free(c);
}
END_TEST

TESTDAEMON_MAIN("users",
	{ "users", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 60,
	    .tests = TESTLIB_TESTS(isolation) });
