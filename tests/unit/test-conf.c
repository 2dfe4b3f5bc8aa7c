/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for daemon/conf.c's key table: every key of sandboxd.conf
 * parsed into its field, every bad value refused with its message and
 * line, unknown keys and sections named, and the defaults a key leaves
 * alone kept.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "macro.h"
#include "parse-util.h"
#include "testlib.h"

/* Loads text through a memfd, as a file the administrator wrote. */
static int
load(struct conf *c, const char *text, struct ini_error *err)
{
	char path[64];
	int fd, r;

	fd = memfd_create("sandboxd.conf", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
	(void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = conf_load(c, path, 0, err);
	(void) close(fd);
	return r;
}

START_TEST(test_every_key)
{
	struct ini_error err;
	struct conf c;

	conf_init(&c);
	ck_assert_int_eq(load(&c,
	    "# every key, none at its default\n"
	    "[Daemon]\n"
	    "Socket=/run/test/s.sock\n"
	    "PolicyDirectory=/etc/a\n"
	    "PolicyDirectory=/etc/b\n"
	    "LogLevel=debug\n"
	    "AnonymousUidRange=70000-70999\n"
	    "MaxConnectionsPerUser=3\n"
	    "MaxConnections=4\n"
	    "MaxSandboxesPerUser=5\n"
	    "MaxSandboxes=6\n"
	    "ExitedSandboxLinger=2min\n"
	    "BrokerTimeoutSec=250ms\n", &err), 0);
	ck_assert_str_eq(c.socket_path, "/run/test/s.sock");
	ck_assert_str_eq(c.policy_dirs[0], "/etc/a");
	ck_assert_str_eq(c.policy_dirs[1], "/etc/b");
	ck_assert_ptr_null(c.policy_dirs[2]);
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_uint_eq(c.uid_min, 70000);
	ck_assert_uint_eq(c.uid_max, 70999);
	ck_assert_uint_eq(c.max_conns_per_uid, 3);
	ck_assert_uint_eq(c.max_conns, 4);
	ck_assert_uint_eq(c.max_sandboxes_per_uid, 5);
	ck_assert_uint_eq(c.max_sandboxes, 6);
	ck_assert_uint_eq(c.linger_ms, 120 * 1000);
	ck_assert_uint_eq(c.broker_timeout_ms, 250);
	conf_done(&c);
}
END_TEST

START_TEST(test_defaults_kept)
{
	struct ini_error err;
	struct conf c;

	conf_init(&c);
	ck_assert_int_eq(load(&c, "[Daemon]\nMaxSandboxes=7\n", &err), 0);
	ck_assert_uint_eq(c.max_sandboxes, 7);
	ck_assert_str_eq(c.socket_path, SANDBOXD_RUNDIR "/sandboxd.sock");
	ck_assert_ptr_null(c.policy_dirs);
	ck_assert_int_eq(c.log_level, LOG_INFO);
	ck_assert_uint_eq(c.uid_min, 61184);
	ck_assert_uint_eq(c.uid_max, 65519);
	ck_assert_uint_eq(c.max_conns_per_uid, 32);
	ck_assert_uint_eq(c.linger_ms, 60 * 1000);
	ck_assert_uint_eq(c.broker_timeout_ms, 10 * 1000);
	conf_done(&c);
}
END_TEST

/* Each bound a key accepts, and the field it lands in. */
#define F(f) offsetof(struct conf, f), sizeof(((struct conf *) NULL)->f)
static const struct {
	const char *line;
	size_t offset, size;
	uint64_t value;
} bounds[] = {
	{ "MaxConnections=65536", F(max_conns), 65536 },
	{ "MaxConnectionsPerUser=1", F(max_conns_per_uid), 1 },
	{ "MaxSandboxes=1", F(max_sandboxes), 1 },
	{ "MaxSandboxesPerUser=65536", F(max_sandboxes_per_uid), 65536 },
	{ "ExitedSandboxLinger=0", F(linger_ms), 0 },
	{ "ExitedSandboxLinger=24h", F(linger_ms), 24 * 3600 * 1000 },
	{ "BrokerTimeoutSec=100ms", F(broker_timeout_ms), 100 },
	{ "BrokerTimeoutSec=10min", F(broker_timeout_ms), 600 * 1000 },
	{ "AnonymousUidRange=1000-1000", F(uid_min), 1000 },
	{ "AnonymousUidRange=1000-2147483646", F(uid_max), 2147483646 },
	{ "LogLevel=emerg", F(log_level), LOG_EMERG },
};

START_TEST(test_bounds_accepted)
{
	struct ini_error err;
	char text[128];
	struct conf c;
	const char *field;
	uint64_t v;

	conf_init(&c);
	(void) snprintf(text, sizeof(text), "[Daemon]\n%s\n", bounds[_i].line);
	ck_assert_int_eq(load(&c, text, &err), 0);
	field = (const char *) &c + bounds[_i].offset;
	if (bounds[_i].size == sizeof(uint64_t))
		memcpy(&v, field, sizeof(v));
	else {
		unsigned u;

		ck_assert_uint_eq(bounds[_i].size, sizeof(u));
		memcpy(&u, field, sizeof(u));
		v = u;
	}
	ck_assert_uint_eq(v, bounds[_i].value);
	conf_done(&c);
}
END_TEST

/* Each bad value, with the exact message sandboxd prints after file:line. */
static const struct {
	const char *text;
	unsigned line;
	const char *message;
} bad[] = {
	{ "[Daemon]\nSocket=run/s.sock\n", 2, "invalid value for Socket: 'run/s.sock'" },
	{ "[Daemon]\nSocket=/" "0123456789012345678901234567890123456789012345678901234567890123"
	  "4567890123456789012345678901234567890123456\n", 2, "invalid value for Socket: '/"
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "4567890123456789012345678901234567890123456'" },
	{ "[Daemon]\nPolicyDirectory=etc\n", 2, "invalid value for PolicyDirectory: 'etc'" },
	{ "[Daemon]\nLogLevel=loud\n", 2, "invalid value for LogLevel: 'loud'" },
	{ "[Daemon]\nLogLevel=DEBUG\n", 2, "invalid value for LogLevel: 'DEBUG'" },
	{ "[Daemon]\nAnonymousUidRange=999-2000\n", 2,
	  "invalid value for AnonymousUidRange: '999-2000'" },
	{ "[Daemon]\nAnonymousUidRange=3000-2000\n", 2,
	  "invalid value for AnonymousUidRange: '3000-2000'" },
	{ "[Daemon]\nAnonymousUidRange=2000-3000x\n", 2,
	  "invalid value for AnonymousUidRange: '2000-3000x'" },
	{ "[Daemon]\nAnonymousUidRange=2000-2147483647\n", 2,
	  "invalid value for AnonymousUidRange: '2000-2147483647'" },
	{ "[Daemon]\nMaxConnectionsPerUser=0\n", 2, "invalid value for MaxConnectionsPerUser: '0'" },
	{ "[Daemon]\nMaxConnections=65537\n", 2, "invalid value for MaxConnections: '65537'" },
	{ "[Daemon]\nMaxSandboxesPerUser=-1\n", 2, "invalid value for MaxSandboxesPerUser: '-1'" },
	{ "[Daemon]\nMaxSandboxes=many\n", 2, "invalid value for MaxSandboxes: 'many'" },
	{ "[Daemon]\nExitedSandboxLinger=25h\n", 2, "invalid value for ExitedSandboxLinger: '25h'" },
	{ "[Daemon]\nBrokerTimeoutSec=99ms\n", 2, "invalid value for BrokerTimeoutSec: '99ms'" },
	{ "[Daemon]\nBrokerTimeoutSec=11min\n", 2, "invalid value for BrokerTimeoutSec: '11min'" },
	{ "[Daemon]\nColour=red\n", 2, "unknown key 'Colour'" },
	{ "[Daemon]\n\n[Demon]\nSocket=/run/x\n", 4, "unknown section [Demon]" },
	{ "Socket=/run/x\n", 1, "unknown section []" },
};

START_TEST(test_bad)
{
	struct ini_error err;
	struct conf c;

	conf_init(&c);
	ck_assert_int_eq(load(&c, bad[_i].text, &err), -EBADMSG);
	ck_assert_uint_eq(err.line, bad[_i].line);
	ck_assert_str_eq(err.message, bad[_i].message);
	conf_done(&c);
}
END_TEST

START_TEST(test_file)
{
	struct ini_error err;
	struct conf c;

	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, "/nonexistent/sandboxd.conf", 1, &err), 0);
	ck_assert_int_eq(conf_load(&c, "/nonexistent/sandboxd.conf", 0, &err), -ENOENT);
	ck_assert_int_lt(conf_load(&c, "/", 0, &err), 0);
	ck_assert_str_eq(err.message, "not a regular file of at most 64 KiB");
	conf_done(&c);
}
END_TEST

START_TEST(test_log_levels)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice",
		"info", "debug" };
	int level = -1;

	for (int i = 0; i < (int) ELEMENTSOF(names); i++) {
		ck_assert_int_eq(parse_log_level(names[i], &level), 0);
		ck_assert_int_eq(level, i);
	}
	ck_assert_int_eq(LOG_WARNING, 4);
	level = 42;
	ck_assert_int_eq(parse_log_level("error", &level), -EINVAL);
	ck_assert_int_eq(parse_log_level("", &level), -EINVAL);
	ck_assert_int_eq(parse_log_level(NULL, &level), -EINVAL);
	ck_assert_int_eq(level, 42);
}
END_TEST

TESTLIB_MAIN("conf",
	{ "keys",
	    .loops = TESTLIB_LOOPS({ test_bounds_accepted, ELEMENTSOF(bounds) },
		{ test_bad, ELEMENTSOF(bad) }),
	    .tests = TESTLIB_TESTS(test_every_key, test_defaults_kept, test_file) },
	{ "log_level", .tests = TESTLIB_TESTS(test_log_levels) });
