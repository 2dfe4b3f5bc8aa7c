/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for daemon/target/target-request.c, from tables: a request's limits
 * against the policy's (→ effective limits or the refusal), environments
 * (→ the target's), argv (→ the listed command), CPU limits (→ RLIMIT_CPU)
 * and wait statuses with cgroup figures (→ how it ended, which limit).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "macro.h"
#include "target-request.h"
#include "testlib.h"

#define U POLICY_UNLIMITED
#define BROKER_ENV SBX_BROKER_FD_ENV "=" STRINGIFY(SBX_BROKER_FD)

static const struct policy_limits policy_limits = {
	.timeout_ms = 10000, .memory_max = 1 << 30, .tasks_max = 64,
	.cpu_ms = U, .nofile_max = 256, .fsize_max = 1 << 20, .tmp_size = 1 << 24,
};

static const struct {
	struct policy_limits asked;
	int error;
	struct policy_limits expect;	/* when error is 0 */
	const char *message;		/* when error is not */
} narrowings[] = {
	{ {}, 0, { 10000, 1 << 30, 64, U, 256, 1 << 20, 1 << 24 }, NULL },
	{ { .timeout_ms = 500, .tasks_max = 8 }, 0, { 500, 1 << 30, 8, U, 256, 1 << 20, 1 << 24 }, NULL },
	{ { .timeout_ms = 10000, .cpu_ms = 2000, .nofile_max = 3, .fsize_max = 1 },
	  0, { 10000, 1 << 30, 64, 2000, 3, 1, 1 << 24 }, NULL },
	/* tmp_size is not the request's to narrow. */
	{ { .tmp_size = 1 }, 0, { 10000, 1 << 30, 64, U, 256, 1 << 20, 1 << 24 }, NULL },
	{ { .timeout_ms = 10001 }, -EPERM, {},
	  "requested timeout (ms) 10001 exceeds the policy's limit 10000" },
	{ { .memory_max = 2ULL << 30 }, -EPERM, {},
	  "requested memory (bytes) 2147483648 exceeds the policy's limit 1073741824" },
	{ { .tasks_max = 8, .nofile_max = 257 }, -EPERM, {},
	  "requested open files 257 exceeds the policy's limit 256" },
	{ { .fsize_max = (1 << 20) + 1 }, -EPERM, {},
	  "requested file size (bytes) 1048577 exceeds the policy's limit 1048576" },
};

START_TEST(test_narrow_limits)
{
	struct policy_limits l = policy_limits;
	struct error_msg err = {};
	const char *msg = err.message;
	int r;

	r = target_narrow_limits(&l, &narrowings[_i].asked, &err);
	ck_assert_int_eq(r, narrowings[_i].error);
	if (r < 0) {
		ck_assert_str_eq(msg, narrowings[_i].message);
		return;
	}
	ck_assert_int_eq(memcmp(&l, &narrowings[_i].expect, sizeof(l)), 0);
	ck_assert_str_eq(msg, "");
}
END_TEST

static const struct {
	const char *defaults[4];
	const char *req[4];
	int error;
	const char *expect[6];		/* in order, NULL-terminated */
} envs[] = {
	{ { NULL }, { NULL }, 0, { "PATH=/usr/local/bin:/usr/bin:/bin", BROKER_ENV } },
	{ { "PATH=/bin", "LANG=C", NULL }, { NULL }, 0, { "PATH=/bin", "LANG=C", BROKER_ENV } },
	/* The request replaces a default in place, and adds after. */
	{ { "PATH=/bin", "LANG=C", NULL }, { "LANG=de_DE.UTF-8", "HOME=/tmp", NULL }, 0,
	  { "PATH=/bin", "LANG=de_DE.UTF-8", "HOME=/tmp", BROKER_ENV } },
	{ { "LANG=C", NULL }, { "PATH=/opt/bin", "PATH=/sbin", NULL }, 0,
	  { "LANG=C", "PATH=/sbin", BROKER_ENV } },
	/* A key is the whole name: LANGUAGE is not LANG. */
	{ { "LANG=C", "PATH=/bin", NULL }, { "LANGUAGE=fr", "EMPTY=", NULL }, 0,
	  { "LANG=C", "PATH=/bin", "LANGUAGE=fr", "EMPTY=", BROKER_ENV } },
	/* Where the broker is, is ours to say. */
	{ { "PATH=/bin", NULL }, { SBX_BROKER_FD_ENV "=7", "X=1", NULL }, 0,
	  { "PATH=/bin", "X=1", BROKER_ENV } },
	/* A default without "=" is skipped; a request's is refused. */
	{ { "BROKEN", "PATH=/bin", NULL }, { NULL }, 0, { "PATH=/bin", BROKER_ENV } },
	{ { "PATH=/bin", NULL }, { "X=1", "NOEQUALS", NULL }, -EINVAL, { NULL } },
	{ { "PATH=/bin", NULL }, { "=value", NULL }, -EINVAL, { NULL } },
};

START_TEST(test_build_env)
{
	_cleanup_strv_free_ char **v = NULL;
	struct error_msg err = {};
	const char *msg = err.message;
	size_t n = 0;
	int r;

	r = target_build_env((char *const *) envs[_i].defaults, envs[_i].req, &v, &err);
	ck_assert_int_eq(r, envs[_i].error);
	if (r < 0) {
		ck_assert_ptr_null(v);
		ck_assert_msg(strncmp(msg, "invalid environment entry '", 27) == 0, "%s", msg);
		return;
	}
	for (; envs[_i].expect[n]; n++) {
		ck_assert_ptr_nonnull(v[n]);
		ck_assert_str_eq(v[n], envs[_i].expect[n]);
	}
	ck_assert_ptr_null(v[n]);
	ck_assert_ptr_nonnull(target_env_path(v));
}
END_TEST

START_TEST(test_env_path)
{
	const char *none[] = { "A=1", "PATHX=/bin", NULL };
	const char *some[] = { "A=1", "PATH=", "PATH=/late", NULL };

	ck_assert_ptr_null(target_env_path(NULL));
	ck_assert_ptr_null(target_env_path((char *const *) none));
	ck_assert_str_eq(target_env_path((char *const *) some), "");
}
END_TEST

static const struct {
	const char *argv[4];
	const char *expect;
} joins[] = {
	{ { "true", NULL }, "true" },
	{ { "sh", "-c", "echo a  b", NULL }, "sh -c echo a  b" },
	{ { "", "", NULL }, " " },
	{ { "x", "", "y", NULL }, "x  y" },
};

START_TEST(test_join_argv)
{
	_cleanup_free_ char *s = target_join_argv(joins[_i].argv);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, joins[_i].expect);
}
END_TEST

static const struct {
	uint64_t ms, sec;
} cpus[] = {
	{ 1, 1 },
	{ 999, 1 },
	{ 1000, 1 },
	{ 1001, 2 },
	{ 60000, 60 },
	{ U, UINT64_MAX },
};

START_TEST(test_cpu_rlimit_sec)
{
	ck_assert_uint_eq(target_cpu_rlimit_sec(cpus[_i].ms), cpus[_i].sec);
}
END_TEST

START_TEST(test_rss_rlimit)
{
	ck_assert_uint_eq(target_rss_rlimit(UINT64_C(256) << 20), UINT64_C(192) << 20);
	ck_assert_uint_eq(target_rss_rlimit(POLICY_UNLIMITED), UINT64_MAX);
}
END_TEST

START_TEST(test_format_meminfo)
{
	char buf[512];

	/* The limit, capped by the host's memory. */
	ck_assert_int_gt(target_format_meminfo(buf, sizeof(buf), UINT64_C(256) << 20, 0), 0);
	ck_assert_msg(strncmp(buf, "MemTotal:         262144 kB\nMemFree:          262144 kB\n"
	    "MemAvailable:     262144 kB\n", 84) == 0, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "\nSwapTotal:             0 kB\n"));
	ck_assert_int_gt(target_format_meminfo(buf, sizeof(buf), UINT64_C(1) << 40,
	    UINT64_C(1) << 30), 0);
	ck_assert_msg(strncmp(buf, "MemTotal:        1048576 kB\n", 28) == 0, "%s", buf);
	/* No limit: no file. Too small a buffer: an error. */
	ck_assert_int_eq(target_format_meminfo(buf, sizeof(buf), POLICY_UNLIMITED, 0), 0);
	ck_assert_int_eq(target_format_meminfo(buf, 16, UINT64_C(1) << 20, 0), -ENOBUFS);
}
END_TEST

#define EXITED(code) ((code) << 8)
#define SIGNALED(sig) (sig)

static const struct {
	struct cgroup_stats cs;
	bool have_status;
	int status;
	uint64_t cpu_ms;
	uint32_t limit;			/* already known */
	uint32_t how;
	int32_t exit_status;
	uint32_t expect_limit;
} exits[] = {
	{ {}, true, EXITED(0), U, SBX_LIMIT_NONE, SBX_EXIT_CODE, 0, SBX_LIMIT_NONE },
	{ {}, true, EXITED(3), U, SBX_LIMIT_NONE, SBX_EXIT_CODE, 3, SBX_LIMIT_NONE },
	{ {}, true, SIGNALED(SIGTERM), U, SBX_LIMIT_NONE, SBX_EXIT_SIGNAL, SIGTERM, SBX_LIMIT_NONE },
	/* No status from init: it was killed itself. */
	{ {}, false, 0, U, SBX_LIMIT_NONE, SBX_EXIT_SIGNAL, SIGKILL, SBX_LIMIT_NONE },
	{ {}, false, 0, U, SBX_LIMIT_TIMEOUT, SBX_EXIT_SIGNAL, SIGKILL, SBX_LIMIT_TIMEOUT },
	/* What the kernel says, in order: OOM, CPU, file size, tasks. */
	{ { .oom_kills = 1, .tasks_max_hit = 1 }, true, SIGNALED(SIGKILL), U, SBX_LIMIT_NONE,
	  SBX_EXIT_SIGNAL, SIGKILL, SBX_LIMIT_MEMORY },
	{ {}, true, SIGNALED(SIGXCPU), U, SBX_LIMIT_NONE, SBX_EXIT_SIGNAL, SIGXCPU, SBX_LIMIT_CPU },
	{ { .cpu_usec = 2000000 }, true, EXITED(0), 2000, SBX_LIMIT_NONE, SBX_EXIT_CODE, 0,
	  SBX_LIMIT_CPU },
	{ { .cpu_usec = 1999999 }, true, EXITED(0), 2000, SBX_LIMIT_NONE, SBX_EXIT_CODE, 0,
	  SBX_LIMIT_NONE },
	{ {}, true, SIGNALED(SIGXFSZ), U, SBX_LIMIT_NONE, SBX_EXIT_SIGNAL, SIGXFSZ, SBX_LIMIT_FSIZE },
	/* An exit code that happens to be SIGXFSZ's number is not a signal. */
	{ {}, true, EXITED(SIGXFSZ), U, SBX_LIMIT_NONE, SBX_EXIT_CODE, SIGXFSZ, SBX_LIMIT_NONE },
	{ { .tasks_max_hit = 2 }, true, EXITED(1), U, SBX_LIMIT_NONE, SBX_EXIT_CODE, 1,
	  SBX_LIMIT_TASKS },
	/* What we already know wins. */
	{ { .oom_kills = 1 }, true, SIGNALED(SIGKILL), U, SBX_LIMIT_KILLED, SBX_EXIT_SIGNAL, SIGKILL,
	  SBX_LIMIT_KILLED },
};

START_TEST(test_classify_exit)
{
	struct sbx_exited e = { .id = 7, .cpu_usec = 1 };
	uint32_t limit;

	limit = target_classify_exit(&exits[_i].cs, exits[_i].have_status, exits[_i].status,
	    exits[_i].cpu_ms, exits[_i].limit, &e);
	ck_assert_uint_eq(limit, exits[_i].expect_limit);
	ck_assert_uint_eq(e.limit, exits[_i].expect_limit);
	ck_assert_uint_eq(e.how, exits[_i].how);
	ck_assert_int_eq(e.status, exits[_i].exit_status);
	/* The rest of the record is the caller's. */
	ck_assert_uint_eq(e.id, 7);
	ck_assert_uint_eq(e.cpu_usec, 1);
}
END_TEST

/* A TCase per function, each one loop over its table. */
TESTLIB_MAIN("target-request",
	{ "narrow_limits", .loops = TESTLIB_LOOPS({ test_narrow_limits, ELEMENTSOF(narrowings) }) },
	{ "build_env", .loops = TESTLIB_LOOPS({ test_build_env, ELEMENTSOF(envs) }) },
	{ "env_path", .loops = TESTLIB_LOOPS({ test_env_path, 1 }) },
	{ "join_argv", .loops = TESTLIB_LOOPS({ test_join_argv, ELEMENTSOF(joins) }) },
	{ "cpu_rlimit_sec", .loops = TESTLIB_LOOPS({ test_cpu_rlimit_sec, ELEMENTSOF(cpus) }) },
	{ "rss_rlimit", .tests = TESTLIB_TESTS(test_rss_rlimit) },
	{ "format_meminfo", .tests = TESTLIB_TESTS(test_format_meminfo) },
	{ "classify_exit", .loops = TESTLIB_LOOPS({ test_classify_exit, ELEMENTSOF(exits) }) });
