/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the shared wire codec (protocol/wire.c, msg.c, msg-names.c) and
 * of fd passing (protocol/fdpass.c): a round trip for every message type,
 * every way the reader must refuse a message, and that fds received from a
 * misbehaving peer are closed rather than leaked.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdpass.h"
#include "macro.h"
#include "msg.h"
#include "sandbox-protocol.h"
#include "testlib.h"
#include "wire.h"

/* Finishes w and opens a reader on its bytes; checks type and serial. */
static void
finish_and_read(struct sbx_writer *w, struct sbx_reader *r, uint32_t type, uint32_t serial)
{
	ck_assert_int_eq(sbx_writer_finish(w), 0);
	ck_assert_int_eq(sbx_reader_init(r, w->buf, w->len), 0);
	ck_assert_uint_eq(r->hdr.type, type);
	ck_assert_uint_eq(r->hdr.serial, serial);
	ck_assert_uint_eq(r->hdr.len, w->len - sizeof(struct sbx_hdr));
	ck_assert_uint_eq(r->hdr.reserved, 0);
}

/* A raw message: header (len computed unless forced) and payload bytes. */
static size_t
raw_msg(uint8_t *buf, uint32_t type, const void *payload, size_t n)
{
	struct sbx_hdr h = { .type = type, .serial = 7, .len = (uint32_t) n };

	memcpy(buf, &h, sizeof(h));
	if (n > 0)
		memcpy(buf + sizeof(h), payload, n);
	return sizeof(h) + n;
}

/* Round trips. */

START_TEST(test_hello)
{
	struct sbx_hello h = { .version = SBX_PROTOCOL_VERSION }, h2;
	struct sbx_hello_reply hr = { .version = SBX_PROTOCOL_VERSION, .uid = 1000 }, hr2;
	struct sbx_writer w;
	struct sbx_reader r;
	const char *s;

	sbx_writer_init(&w, SBX_MSG_HELLO, 1);
	sbx_writer_put(&w, &h, sizeof(h));
	finish_and_read(&w, &r, SBX_MSG_HELLO, 1);
	ck_assert_int_eq(sbx_reader_get(&r, &h2, sizeof(h2)), 0);
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	ck_assert_uint_eq(h2.version, SBX_PROTOCOL_VERSION);
	ck_assert_uint_eq(h2.flags, 0);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_HELLO_REPLY, 1);
	sbx_writer_put(&w, &hr, sizeof(hr));
	sbx_writer_put_str(&w, "1.2.3");
	finish_and_read(&w, &r, SBX_MSG_HELLO_REPLY, 1);
	ck_assert_int_eq(sbx_reader_get(&r, &hr2, sizeof(hr2)), 0);
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, 0), 0);
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	ck_assert_uint_eq(hr2.uid, 1000);
	ck_assert_str_eq(s, "1.2.3");
	sbx_writer_done(&w);
}
END_TEST

START_TEST(test_spawn)
{
	const char *argv[] = { "/bin/echo", "hello", "", "world", NULL };
	const char *env[] = { "A=1", "B=", NULL };
	struct sbx_spawn f = {
		.flags = SBX_SPAWN_DETACH, .timeout_ms = 500, .memory_max = 1 << 20,
		.tasks_max = 10, .cpu_ms = 3, .nofile_max = 64, .fsize_max = 4096,
	};
	struct sbx_spawn_req q;
	struct sbx_writer w;
	struct sbx_reader r;

	sbx_writer_init(&w, SBX_MSG_SPAWN, 2);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &f, "default", NULL, argv, env), 0);
	finish_and_read(&w, &r, SBX_MSG_SPAWN, 2);
	ck_assert_int_eq(sbx_msg_spawn_get(&r, &q), 0);
	ck_assert_uint_eq(q.fixed.flags, SBX_SPAWN_DETACH);
	ck_assert_uint_eq(q.fixed.n_argv, 4);
	ck_assert_uint_eq(q.fixed.n_env, 2);
	ck_assert_uint_eq(q.fixed.timeout_ms, 500);
	ck_assert_uint_eq(q.fixed.memory_max, 1 << 20);
	ck_assert_uint_eq(q.fixed.tasks_max, 10);
	ck_assert_uint_eq(q.fixed.cpu_ms, 3);
	ck_assert_uint_eq(q.fixed.nofile_max, 64);
	ck_assert_uint_eq(q.fixed.fsize_max, 4096);
	ck_assert_str_eq(q.policy, "default");
	ck_assert_str_eq(q.cwd, "");
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(q.argv[i], argv[i]);
	ck_assert_ptr_null(q.argv[4]);
	ck_assert_str_eq(q.env[0], "A=1");
	ck_assert_str_eq(q.env[1], "B=");
	ck_assert_ptr_null(q.env[2]);
	sbx_spawn_req_done(&q);
	sbx_writer_done(&w);

	/* No environment at all, and a cwd. */
	sbx_writer_init(&w, SBX_MSG_SPAWN, 3);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &(struct sbx_spawn) {}, "p", "/tmp", argv, NULL), 0);
	finish_and_read(&w, &r, SBX_MSG_SPAWN, 3);
	ck_assert_int_eq(sbx_msg_spawn_get(&r, &q), 0);
	ck_assert_str_eq(q.cwd, "/tmp");
	ck_assert_uint_eq(q.fixed.n_env, 0);
	ck_assert_ptr_null(q.env[0]);
	sbx_spawn_req_done(&q);
	sbx_writer_done(&w);
}
END_TEST

START_TEST(test_fixed_replies)
{
	struct sbx_spawned sp = { .id = 42, .pid = 1234, .uid = 60000 }, sp2;
	struct sbx_kill k = { .id = 42, .signal = 15 }, k2;
	struct sbx_id id = { .id = 9 }, id2;
	struct sbx_exited ex = {
		.id = 42, .how = SBX_EXIT_SIGNAL, .status = 9, .limit = SBX_LIMIT_MEMORY,
		.cpu_usec = 1, .memory_peak = 2, .wall_usec = 3,
	}, ex2;
	static const uint32_t empty[] = {
		SBX_MSG_LIST, SBX_MSG_POLICY_LIST, SBX_MSG_OK, SBX_MSG_SHUTDOWN,
	};
	struct sbx_writer w;
	struct sbx_reader r;

	sbx_writer_init(&w, SBX_MSG_SPAWNED, 2);
	sbx_writer_put(&w, &sp, sizeof(sp));
	finish_and_read(&w, &r, SBX_MSG_SPAWNED, 2);
	ck_assert_int_eq(sbx_reader_get(&r, &sp2, sizeof(sp2)), 0);
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	ck_assert_int_eq(memcmp(&sp, &sp2, sizeof(sp)), 0);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_KILL, 3);
	sbx_writer_put(&w, &k, sizeof(k));
	finish_and_read(&w, &r, SBX_MSG_KILL, 3);
	ck_assert_int_eq(sbx_reader_get(&r, &k2, sizeof(k2)), 0);
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	ck_assert_int_eq(memcmp(&k, &k2, sizeof(k)), 0);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_STATUS, 4);
	sbx_writer_put(&w, &id, sizeof(id));
	finish_and_read(&w, &r, SBX_MSG_STATUS, 4);
	ck_assert_int_eq(sbx_reader_get(&r, &id2, sizeof(id2)), 0);
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	ck_assert_uint_eq(id2.id, 9);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_EXITED, 0);
	sbx_writer_put(&w, &ex, sizeof(ex));
	finish_and_read(&w, &r, SBX_MSG_EXITED, 0);
	ck_assert_int_eq(sbx_reader_get(&r, &ex2, sizeof(ex2)), 0);
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	ck_assert_int_eq(memcmp(&ex, &ex2, sizeof(ex)), 0);
	sbx_writer_done(&w);

	for (size_t i = 0; i < ELEMENTSOF(empty); i++) {
		sbx_writer_init(&w, empty[i], 5);
		finish_and_read(&w, &r, empty[i], 5);
		ck_assert_uint_eq(r.hdr.len, 0);
		ck_assert_int_eq(sbx_reader_end(&r), 0);
		sbx_writer_done(&w);
	}
}
END_TEST

START_TEST(test_sandbox_list)
{
	struct sbx_info a = { .id = 1, .owner_uid = 1000, .state = SBX_STATE_RUNNING,
		.memory_max = 1 << 30 };
	struct sbx_info b = { .id = 2, .state = SBX_STATE_EXITED, .limit = SBX_LIMIT_TIMEOUT };
	struct sbx_list l = { .count = 2 }, l2;
	char long_command[400];
	struct sbx_info got;
	const char *policy, *command, *denial;
	char long_name[400];
	struct sbx_named_denial den[2] = {
		{ .d = { .count = 3, .layer = SBX_LAYER_SECCOMP, .error = EPERM }, .name = "mkdir" },
		{ .d = { .count = 1, .layer = SBX_LAYER_SECCOMP, .error = EPERM,
		    .flags = SBX_DENIAL_FORBIDDEN }, .name = long_name },
	}, gd[SBX_DENIALS_MAX];
	struct sbx_writer w;
	struct sbx_reader r;
	size_t n;

	memset(long_command, 'x', sizeof(long_command) - 1);
	long_command[sizeof(long_command) - 1] = '\0';
	memset(long_name, 'y', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';

	sbx_writer_init(&w, SBX_MSG_SANDBOX_LIST, 6);
	sbx_writer_put(&w, &l, sizeof(l));
	sbx_msg_info_put(&w, &a, "default", "sleep 10", NULL, NULL, 0);
	sbx_msg_info_put(&w, &b, "net", long_command, "open /etc/shadow: Permission denied", den, 2);
	finish_and_read(&w, &r, SBX_MSG_SANDBOX_LIST, 6);
	ck_assert_int_eq(sbx_reader_get(&r, &l2, sizeof(l2)), 0);
	ck_assert_uint_eq(l2.count, 2);
	ck_assert_int_eq(sbx_msg_info_get(&r, &got, &policy, &command, &denial, gd, &n), 0);
	ck_assert_int_eq(memcmp(&got, &a, sizeof(a)), 0);
	ck_assert_str_eq(policy, "default");
	ck_assert_str_eq(command, "sleep 10");
	ck_assert_str_eq(denial, "");
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sbx_msg_info_get(&r, &got, &policy, &command, &denial, gd, &n), 0);
	ck_assert_str_eq(denial, "open /etc/shadow: Permission denied");
	ck_assert_uint_eq(got.limit, SBX_LIMIT_TIMEOUT);
	ck_assert_str_eq(policy, "net");
	/* The command is cut to 255 bytes, a denial's name to 255. */
	ck_assert_uint_eq(strlen(command), 255);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(gd[0].name, "mkdir");
	ck_assert_uint_eq(gd[0].d.count, 3);
	ck_assert_uint_eq(gd[0].d.error, EPERM);
	ck_assert_uint_eq(gd[1].d.flags, SBX_DENIAL_FORBIDDEN);
	ck_assert_uint_eq(strlen(gd[1].name), SBX_DENIAL_NAME_MAX - 1);
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	sbx_writer_done(&w);
}
END_TEST

/* A SANDBOX_LIST entry's denials: more than SBX_DENIALS_MAX, an unknown
 * layer or flag, a reserved field set, all refused. */
START_TEST(test_info_denials_hostile)
{
	static const struct sbx_denial bad[] = {
		{ .count = 1, .layer = 0 },
		{ .count = 1, .layer = SBX_LAYER_LANDLOCK + 1 },
		{ .count = 1, .layer = SBX_LAYER_SECCOMP, .flags = 2 },
		{ .count = 1, .layer = SBX_LAYER_SECCOMP, .reserved = 1 },
	};
	struct sbx_named_denial gd[SBX_DENIALS_MAX];
	const char *policy, *command, *denial;
	struct sbx_info info = { .id = 1 }, got;
	struct sbx_writer w;
	struct sbx_reader r;
	uint32_t count;
	size_t n;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		sbx_writer_init(&w, SBX_MSG_SANDBOX_LIST, 1);
		sbx_msg_info_put(&w, &info, "p", "c", "", NULL, 0);
		/* Rewrite the count, then one bad entry. */
		w.len -= sizeof(uint32_t);
		count = 1;
		sbx_writer_put(&w, &count, sizeof(count));
		sbx_writer_put(&w, &bad[i], sizeof(bad[i]));
		sbx_writer_put_str(&w, "x");
		finish_and_read(&w, &r, SBX_MSG_SANDBOX_LIST, 1);
		ck_assert_int_eq(sbx_msg_info_get(&r, &got, &policy, &command, &denial, gd, &n),
		    -EBADMSG);
		sbx_writer_done(&w);
	}
	sbx_writer_init(&w, SBX_MSG_SANDBOX_LIST, 1);
	sbx_msg_info_put(&w, &info, "p", "c", "", NULL, 0);
	w.len -= sizeof(uint32_t);
	count = SBX_DENIALS_MAX + 1;
	sbx_writer_put(&w, &count, sizeof(count));
	finish_and_read(&w, &r, SBX_MSG_SANDBOX_LIST, 1);
	ck_assert_int_eq(sbx_msg_info_get(&r, &got, &policy, &command, &denial, gd, &n), -EBADMSG);
	sbx_writer_done(&w);
}
END_TEST

START_TEST(test_policy_messages)
{
	struct sbx_list l = { .count = 2 }, l2;
	struct sbx_writer w;
	struct sbx_reader r;
	const char *s, *t;

	sbx_writer_init(&w, SBX_MSG_POLICY_NAMES, 7);
	sbx_writer_put(&w, &l, sizeof(l));
	sbx_writer_put_str(&w, "default");
	sbx_writer_put_str(&w, "The default policy");
	sbx_writer_put_str(&w, "net");
	sbx_writer_put_str(&w, "");
	finish_and_read(&w, &r, SBX_MSG_POLICY_NAMES, 7);
	ck_assert_int_eq(sbx_reader_get(&r, &l2, sizeof(l2)), 0);
	ck_assert_uint_eq(l2.count, 2);
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, SBX_NAME_MAX), 0);
	ck_assert_str_eq(s, "default");
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, 0), 0);
	ck_assert_str_eq(s, "The default policy");
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, SBX_NAME_MAX), 0);
	ck_assert_str_eq(s, "net");
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, 0), 0);
	ck_assert_str_eq(s, "");
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_POLICY_SHOW, 8);
	sbx_writer_put_str(&w, "default");
	finish_and_read(&w, &r, SBX_MSG_POLICY_SHOW, 8);
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, SBX_NAME_MAX), 0);
	ck_assert_str_eq(s, "default");
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_POLICY_TEXT, 8);
	sbx_writer_put_str(&w, "[policy]\nname = default\n");
	finish_and_read(&w, &r, SBX_MSG_POLICY_TEXT, 8);
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, 0), 0);
	ck_assert_str_eq(s, "[policy]\nname = default\n");
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_POLICY_CHECK, 9);
	sbx_writer_put_str(&w, "my.policy");
	sbx_writer_put_str(&w, "[policy]\n");
	finish_and_read(&w, &r, SBX_MSG_POLICY_CHECK, 9);
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, 0), 0);
	ck_assert_int_eq(sbx_reader_get_str(&r, &t, 0), 0);
	ck_assert_str_eq(s, "my.policy");
	ck_assert_str_eq(t, "[policy]\n");
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	sbx_writer_done(&w);
}
END_TEST

START_TEST(test_error)
{
	struct sbx_writer w;
	struct sbx_reader r;
	const char *m;
	int e;

	/* Either sign in, a positive errno on the wire. */
	sbx_writer_init(&w, SBX_MSG_ERROR, 10);
	sbx_msg_error_put(&w, -ENOENT, "no such policy 'x'");
	finish_and_read(&w, &r, SBX_MSG_ERROR, 10);
	ck_assert_int_eq(sbx_msg_error_get(&r, &e, &m), 0);
	ck_assert_int_eq(e, ENOENT);
	ck_assert_str_eq(m, "no such policy 'x'");
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_ERROR, 11);
	sbx_msg_error_put(&w, EPERM, NULL);
	finish_and_read(&w, &r, SBX_MSG_ERROR, 11);
	ck_assert_int_eq(sbx_msg_error_get(&r, &e, &m), 0);
	ck_assert_int_eq(e, EPERM);
	ck_assert_str_eq(m, "");
	sbx_writer_done(&w);

	/* error 0 is not an error. */
	sbx_writer_init(&w, SBX_MSG_ERROR, 12);
	sbx_msg_error_put(&w, 0, "x");
	finish_and_read(&w, &r, SBX_MSG_ERROR, 12);
	ck_assert_int_eq(sbx_msg_error_get(&r, &e, &m), -EBADMSG);
	sbx_writer_done(&w);
}
END_TEST

/* Reader rejections. */

START_TEST(test_reject_header)
{
	uint8_t buf[64] = {};
	struct sbx_hdr h = { .type = SBX_MSG_OK, .serial = 1 };
	struct sbx_reader r;
	uint8_t *big;

	/* Truncated header. */
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(sbx_reader_init(&r, buf, sizeof(h) - 1), -EBADMSG);
	ck_assert_int_eq(sbx_reader_init(&r, buf, 0), -EBADMSG);
	ck_assert_int_eq(sbx_reader_init(&r, buf, sizeof(h)), 0);

	/* len says more than arrived, or less. */
	h.len = 4;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(sbx_reader_init(&r, buf, sizeof(h)), -EBADMSG);
	ck_assert_int_eq(sbx_reader_init(&r, buf, sizeof(h) + 5), -EBADMSG);
	ck_assert_int_eq(sbx_reader_init(&r, buf, sizeof(h) + 4), 0);
	h.len = UINT32_MAX;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(sbx_reader_init(&r, buf, sizeof(buf)), -EBADMSG);

	/* reserved must be 0. */
	h.len = 0;
	h.reserved = 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(sbx_reader_init(&r, buf, sizeof(h)), -EBADMSG);

	/* A datagram over the size limit, even with a consistent len. */
	big = calloc(1, SBX_MSG_SIZE_MAX + 1);
	ck_assert_ptr_nonnull(big);
	h = (struct sbx_hdr) { .type = SBX_MSG_OK, .len = SBX_MSG_SIZE_MAX + 1 - sizeof(h) };
	memcpy(big, &h, sizeof(h));
	ck_assert_int_eq(sbx_reader_init(&r, big, SBX_MSG_SIZE_MAX + 1), -EBADMSG);
	free(big);
}
END_TEST

/* Reader over a payload made of one raw string (length n, bytes s). */
static int
read_raw_string(const void *s, uint32_t n, size_t bytes, size_t max, const char **ret)
{
	static uint8_t payload[SBX_MSG_SIZE_MAX];
	static uint8_t buf[SBX_MSG_SIZE_MAX];
	struct sbx_reader r;
	size_t size;

	memcpy(payload, &n, sizeof(n));
	memcpy(payload + sizeof(n), s, bytes);
	size = raw_msg(buf, SBX_MSG_POLICY_SHOW, payload, sizeof(n) + bytes);
	ck_assert_int_eq(sbx_reader_init(&r, buf, size), 0);
	return sbx_reader_get_str(&r, ret, max);
}

START_TEST(test_reject_strings)
{
	static char long_string[SBX_STRING_MAX + 1];
	const char *s = NULL;

	ck_assert_int_eq(read_raw_string("abc", 4, 4, 0, &s), 0);
	ck_assert_str_eq(s, "abc");
	/* No NUL at the end. */
	ck_assert_int_eq(read_raw_string("abc", 3, 3, 0, &s), -EBADMSG);
	/* A NUL inside. */
	ck_assert_int_eq(read_raw_string("a\0b", 4, 4, 0, &s), -EBADMSG);
	ck_assert_int_eq(read_raw_string("\0\0", 2, 2, 0, &s), -EBADMSG);
	/* Length 0 (even "" has its NUL). */
	ck_assert_int_eq(read_raw_string("", 0, 0, 0, &s), -EBADMSG);
	ck_assert_int_eq(read_raw_string("", 1, 1, 0, &s), 0);
	ck_assert_str_eq(s, "");
	/* Longer than the caller's max, and than SBX_STRING_MAX. */
	ck_assert_int_eq(read_raw_string("12345678", 9, 9, 8, &s), -EBADMSG);
	ck_assert_int_eq(read_raw_string("1234567", 8, 8, 8, &s), 0);
	memset(long_string, 'x', SBX_STRING_MAX);
	long_string[SBX_STRING_MAX] = '\0';
	ck_assert_int_eq(read_raw_string(long_string, SBX_STRING_MAX + 1, SBX_STRING_MAX + 1, 0,
	    &s), -EBADMSG);
	/* An explicit larger max (policy text) lifts the limit to that max. */
	ck_assert_int_eq(read_raw_string(long_string, SBX_STRING_MAX + 1, SBX_STRING_MAX + 1,
	    SBX_STRING_MAX * 2, &s), 0);
	ck_assert_int_eq(read_raw_string(long_string, SBX_STRING_MAX + 1, SBX_STRING_MAX + 1,
	    SBX_STRING_MAX, &s), -EBADMSG);
	long_string[SBX_STRING_MAX - 1] = '\0';
	ck_assert_int_eq(read_raw_string(long_string, SBX_STRING_MAX, SBX_STRING_MAX, 0, &s), 0);
	/* Declared longer than what is left of the payload. */
	ck_assert_int_eq(read_raw_string("abc", 100, 4, 0, &s), -EBADMSG);
	ck_assert_int_eq(read_raw_string("abc", UINT32_MAX, 4, 0, &s), -EBADMSG);
	/* Not even the length fits. */
	{
		uint8_t buf[32];
		struct sbx_reader r;
		size_t size = raw_msg(buf, SBX_MSG_POLICY_SHOW, "ab", 2);

		ck_assert_int_eq(sbx_reader_init(&r, buf, size), 0);
		ck_assert_int_eq(sbx_reader_get_str(&r, &s, 0), -EBADMSG);
	}
}
END_TEST

START_TEST(test_reject_trailing)
{
	struct sbx_id id = { .id = 1 };
	struct sbx_writer w;
	struct sbx_reader r;
	const char *m;
	int e;

	sbx_writer_init(&w, SBX_MSG_STATUS, 1);
	sbx_writer_put(&w, &id, sizeof(id));
	sbx_writer_put(&w, "x", 1);
	finish_and_read(&w, &r, SBX_MSG_STATUS, 1);
	ck_assert_int_eq(sbx_reader_get(&r, &id, sizeof(id)), 0);
	ck_assert_int_eq(sbx_reader_end(&r), -EBADMSG);
	/* A short read fails and consumes nothing. */
	ck_assert_int_eq(sbx_reader_get(&r, &id, sizeof(id)), -EBADMSG);
	ck_assert_uint_eq(r.left, 1);
	sbx_writer_done(&w);

	/* The typed decoders insist on the end too. */
	sbx_writer_init(&w, SBX_MSG_ERROR, 1);
	sbx_msg_error_put(&w, EPERM, "no");
	sbx_writer_put_str(&w, "extra");
	finish_and_read(&w, &r, SBX_MSG_ERROR, 1);
	ck_assert_int_eq(sbx_msg_error_get(&r, &e, &m), -EBADMSG);
	sbx_writer_done(&w);
}
END_TEST

/* Builds a SPAWN with a hand-made fixed part and n_strings "x" strings. */
static void
raw_spawn(struct sbx_writer *w, const struct sbx_spawn *f, size_t n_strings)
{
	sbx_writer_init(w, SBX_MSG_SPAWN, 1);
	sbx_writer_put(w, f, sizeof(*f));
	for (size_t i = 0; i < n_strings; i++)
		sbx_writer_put_str(w, "x");
	ck_assert_int_eq(sbx_writer_finish(w), 0);
}

static int
get_raw_spawn(const struct sbx_spawn *f, size_t n_strings)
{
	struct sbx_spawn_req q;
	struct sbx_writer w;
	struct sbx_reader r;
	int k;

	raw_spawn(&w, f, n_strings);
	ck_assert_int_eq(sbx_reader_init(&r, w.buf, w.len), 0);
	k = sbx_msg_spawn_get(&r, &q);
	if (k == 0)
		sbx_spawn_req_done(&q);
	sbx_writer_done(&w);
	return k;
}

START_TEST(test_reject_spawn)
{
	const char *argv[] = { "true", NULL };
	const char *no_argv[] = { NULL };
	const char **many;
	struct sbx_writer w;
	char long_name[SBX_NAME_MAX + 1];

	/* policy, cwd and one argv entry. */
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 1 }, 3), 0);
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 0 }, 2), -EBADMSG);
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = SBX_ARGV_MAX + 1 },
	    2 + SBX_ARGV_MAX + 1), -EBADMSG);
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 1,
	    .n_env = SBX_ENV_MAX + 1 }, 3 + SBX_ENV_MAX + 1), -EBADMSG);
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 1, .flags = 1u << 5 }, 3),
	    -EBADMSG);
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 1, .reserved = 1 }, 3),
	    -EBADMSG);
	/* Counts that promise more strings than there are, or fewer. */
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 2 }, 3), -EBADMSG);
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 1, .n_env = 1 }, 3),
	    -EBADMSG);
	ck_assert_int_eq(get_raw_spawn(&(struct sbx_spawn) { .n_argv = 1 }, 4), -EBADMSG);
	/* Only part of the fixed struct. */
	{
		uint8_t buf[64];
		struct sbx_spawn_req q;
		struct sbx_reader r;
		size_t size = raw_msg(buf, SBX_MSG_SPAWN, &(struct sbx_spawn) { .n_argv = 1 }, 32);

		ck_assert_int_eq(sbx_reader_init(&r, buf, size), 0);
		ck_assert_int_eq(sbx_msg_spawn_get(&r, &q), -EBADMSG);
	}

	/* The encoder refuses what the decoder would. */
	sbx_writer_init(&w, SBX_MSG_SPAWN, 1);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &(struct sbx_spawn) {}, "default", NULL, no_argv,
	    NULL), -E2BIG);
	sbx_writer_done(&w);
	many = calloc(SBX_ARGV_MAX + 2, sizeof(char *));
	ck_assert_ptr_nonnull(many);
	for (size_t i = 0; i < SBX_ARGV_MAX + 1; i++)
		many[i] = "a";
	sbx_writer_init(&w, SBX_MSG_SPAWN, 1);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &(struct sbx_spawn) {}, "default", NULL, many,
	    NULL), -E2BIG);
	sbx_writer_done(&w);
	sbx_writer_init(&w, SBX_MSG_SPAWN, 1);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &(struct sbx_spawn) {}, "default", NULL, argv,
	    many), -E2BIG);
	sbx_writer_done(&w);
	free(many);
	memset(long_name, 'p', SBX_NAME_MAX);
	long_name[SBX_NAME_MAX] = '\0';
	sbx_writer_init(&w, SBX_MSG_SPAWN, 1);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &(struct sbx_spawn) {}, long_name, NULL, argv,
	    NULL), -EINVAL);
	sbx_writer_done(&w);
	sbx_writer_init(&w, SBX_MSG_SPAWN, 1);
	ck_assert_int_eq(sbx_msg_spawn_put(&w, &(struct sbx_spawn) {}, NULL, NULL, argv, NULL),
	    -EINVAL);
	sbx_writer_done(&w);
}
END_TEST

START_TEST(test_writer_limits)
{
	static uint8_t blob[SBX_MSG_SIZE_MAX];
	static char long_string[SBX_STRING_MAX + 1];
	struct sbx_writer w;
	struct sbx_reader r;
	const char *s;

	/* Exactly the maximum fits. */
	sbx_writer_init(&w, SBX_MSG_OK, 1);
	sbx_writer_put(&w, blob, SBX_MSG_SIZE_MAX - sizeof(struct sbx_hdr));
	ck_assert_int_eq(sbx_writer_finish(&w), 0);
	ck_assert_uint_eq(w.len, SBX_MSG_SIZE_MAX);
	sbx_writer_done(&w);

	/* One byte more does not, and the error sticks. */
	sbx_writer_init(&w, SBX_MSG_OK, 1);
	sbx_writer_put(&w, blob, SBX_MSG_SIZE_MAX - sizeof(struct sbx_hdr));
	sbx_writer_put(&w, "x", 1);
	sbx_writer_put_str(&w, "more");
	ck_assert_int_eq(sbx_writer_finish(&w), -EMSGSIZE);
	sbx_writer_done(&w);

	sbx_writer_init(&w, SBX_MSG_OK, 1);
	sbx_writer_put(&w, blob, SBX_MSG_SIZE_MAX);
	ck_assert_int_eq(sbx_writer_finish(&w), -EMSGSIZE);
	sbx_writer_done(&w);

	/* Strings: too long, NULL. */
	memset(long_string, 'y', SBX_STRING_MAX);
	sbx_writer_init(&w, SBX_MSG_POLICY_SHOW, 1);
	sbx_writer_put_str(&w, long_string);
	ck_assert_int_eq(sbx_writer_finish(&w), -ENAMETOOLONG);
	sbx_writer_done(&w);
	sbx_writer_init(&w, SBX_MSG_POLICY_SHOW, 1);
	sbx_writer_put_str(&w, NULL);
	ck_assert_int_eq(sbx_writer_finish(&w), -EINVAL);
	sbx_writer_done(&w);

	/* put_str_trunc cuts instead. */
	sbx_writer_init(&w, SBX_MSG_POLICY_TEXT, 1);
	sbx_writer_put_str_trunc(&w, long_string, 10);
	finish_and_read(&w, &r, SBX_MSG_POLICY_TEXT, 1);
	ck_assert_int_eq(sbx_reader_get_str(&r, &s, 10), 0);
	ck_assert_str_eq(s, "yyyyyyyyy");
	ck_assert_int_eq(sbx_reader_end(&r), 0);
	sbx_writer_done(&w);
}
END_TEST

/* Names. */

START_TEST(test_names)
{
	ck_assert_uint_gt(sbx_n_msg_types, 0);
	for (size_t i = 0; i < sbx_n_msg_types; i++) {
		const char *n = sbx_msg_type_to_string(sbx_msg_types[i]);

		ck_assert_msg(n != NULL, "message type %u has no name", sbx_msg_types[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(n, sbx_msg_type_to_string(sbx_msg_types[j]));
	}
	ck_assert_ptr_null(sbx_msg_type_to_string(0));
	ck_assert_ptr_null(sbx_msg_type_to_string(899));
	ck_assert_ptr_null(sbx_msg_type_to_string(UINT32_MAX));
	ck_assert_str_eq(sbx_msg_type_to_string(SBX_MSG_SPAWN), "SPAWN");

	for (uint32_t l = SBX_LIMIT_NONE; l <= SBX_LIMIT_FSIZE; l++)
		ck_assert_ptr_nonnull(sbx_limit_to_string(l));
	ck_assert_str_eq(sbx_limit_to_string(SBX_LIMIT_NONE), "none");
	ck_assert_str_eq(sbx_limit_to_string(SBX_LIMIT_KILLED), "killed");
	ck_assert_ptr_null(sbx_limit_to_string(SBX_LIMIT_FSIZE + 1));
	for (uint32_t s = SBX_STATE_STARTING; s <= SBX_STATE_EXITED; s++)
		ck_assert_ptr_nonnull(sbx_state_to_string(s));
	ck_assert_ptr_null(sbx_state_to_string(0));
}
END_TEST

/* fd passing. */

static int
count_fds(void)
{
	return (int) testlib_count_fds_of(0);
}

/* sendmsg() with any number of fds, bypassing sbx_send_msg()'s limit. */
static void
raw_send(int sock, const void *buf, size_t size, const int *fds, size_t n_fds)
{
	ck_assert_int_eq(testlib_send_fds(sock, buf, size, fds, n_fds), 0);
}

START_TEST(test_fdpass)
{
	static uint8_t buf[SBX_MSG_SIZE_MAX];
	int sv[2], p[2], got[SBX_FDS_MAX], fds[3];
	struct stat a, b;
	size_t n_fds;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);

	/* Three fds arrive, close-on-exec, and are the same files. */
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = p[1];
	ck_assert_int_eq(sbx_send_msg(sv[0], "hello", 5, fds, 3), 0);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, 3), 5);
	ck_assert_uint_eq(n_fds, 3);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_ne(got[i], fds[i]);
		ck_assert_int_eq(fcntl(got[i], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		ck_assert_int_eq(fstat(got[i], &a), 0);
		ck_assert_int_eq(fstat(fds[i], &b), 0);
		ck_assert_uint_eq(a.st_ino, b.st_ino);
		close(got[i]);
	}

	/* No fds. */
	ck_assert_int_eq(sbx_send_msg(sv[0], "x", 1, NULL, 0), 0);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, 0), 1);
	ck_assert_uint_eq(n_fds, 0);

	/* The sender refuses more than SBX_FDS_MAX. */
	{
		int four[4] = { p[0], p[0], p[0], p[0] };

		ck_assert_int_eq(sbx_send_msg(sv[0], "x", 1, four, 4), -EINVAL);
	}

	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_fdpass_reject)
{
	static uint8_t buf[SBX_MSG_SIZE_MAX];
	static uint8_t big[SBX_MSG_SIZE_MAX + 100];
	int sv[2], p[2], got[SBX_FDS_MAX], fds[8];
	size_t n_fds = 99;
	int before;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	before = count_fds();

	/* More fds than the receiver allows: all closed, none leaked. */
	for (size_t i = 0; i < 3; i++)
		fds[i] = p[0];
	ck_assert_int_eq(sbx_send_msg(sv[0], "x", 1, fds, 3), 0);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, 2), -EBADMSG);
	ck_assert_uint_eq(n_fds, 0);
	ck_assert_int_eq(count_fds(), before);

	/* Fds on a message that should have none. */
	ck_assert_int_eq(sbx_send_msg(sv[0], "x", 1, fds, 1), 0);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, 0), -EBADMSG);
	ck_assert_int_eq(count_fds(), before);

	/* An empty datagram with fds is neither EOF nor a message: all closed. */
	raw_send(sv[0], "", 0, fds, 3);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, SBX_FDS_MAX),
	    -EBADMSG);
	ck_assert_uint_eq(n_fds, 0);
	ck_assert_int_eq(count_fds(), before);

	/* More than any message may carry (the kernel delivers them all). */
	for (size_t i = 0; i < 8; i++)
		fds[i] = p[1];
	raw_send(sv[0], "x", 1, fds, 8);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, SBX_FDS_MAX),
	    -EBADMSG);
	ck_assert_int_eq(count_fds(), before);

	/* A datagram larger than the buffer, with fds: truncated, all closed. */
	raw_send(sv[0], big, 200, fds, 2);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, 100, got, &n_fds, SBX_FDS_MAX), -EBADMSG);
	ck_assert_int_eq(count_fds(), before);

	/* A datagram larger than SBX_MSG_SIZE_MAX. */
	{
		int sndbuf = 4 * SBX_MSG_SIZE_MAX;

		(void) setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		ck_assert_int_eq(send(sv[0], big, sizeof(big), 0), (ssize_t) sizeof(big));
		ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, 0), -EBADMSG);
	}

	/* The socket still works after all that, and EOF reads as 0. */
	ck_assert_int_eq(sbx_send_msg(sv[0], "ok", 2, NULL, 0), 0);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, 0), 2);
	close(sv[0]);
	ck_assert_int_eq(sbx_recv_msg(sv[1], buf, sizeof(buf), got, &n_fds, 0), 0);

	close(sv[1]);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* Decodes a POLICY_REPORT of h and, if given, one entry g with message "x". */
static int
decode_report(const struct sbx_policy_report *h, const struct sbx_policy_diag *g)
{
	struct ini_diags e;
	struct sbx_writer w;
	struct sbx_reader r;
	int k;

	sbx_writer_init(&w, SBX_MSG_POLICY_REPORT, 4);
	sbx_writer_put(&w, h, sizeof(*h));
	if (g) {
		sbx_writer_put(&w, g, sizeof(*g));
		sbx_writer_put_str(&w, "x");
	}
	finish_and_read(&w, &r, SBX_MSG_POLICY_REPORT, 4);
	k = sbx_msg_policy_report_get(&r, &e);
	sbx_writer_done(&w);
	return k;
}

/* POLICY_REPORT round trip, and what its decoder refuses. */
START_TEST(test_policy_report)
{
	struct ini_diags d = {}, e;
	struct sbx_policy_report h = { .n_errors = 1, .count = 1 };
	struct sbx_policy_diag g = { .line = 1, .severity = 3 };
	struct sbx_writer w;
	struct sbx_reader r;
	char line[512];

	ini_diags_add(&d, 3, INI_ERROR, -EINVAL, "unknown key 'X'");
	ini_diags_add(&d, 0, INI_WARNING, 0, "no execve \x1b[2J");
	for (int i = 0; i < 100; i++)
		ini_diags_add(&d, 10 + i, INI_ERROR, -EINVAL, "more");
	sbx_writer_init(&w, SBX_MSG_POLICY_REPORT, 4);
	sbx_msg_policy_report_put(&w, &d);
	finish_and_read(&w, &r, SBX_MSG_POLICY_REPORT, 4);
	ck_assert_int_eq(sbx_msg_policy_report_get(&r, &e), 0);
	ck_assert_uint_eq(e.n, SBX_POLICY_DIAGS_MAX);
	ck_assert_uint_eq(e.n_errors, 101);
	ck_assert_uint_eq(e.n_warnings, 1);
	ck_assert_uint_eq(e.v[0].line, 3);
	ck_assert_int_eq(e.v[0].severity, INI_ERROR);
	ck_assert_str_eq(e.v[0].message, "unknown key 'X'");
	ck_assert_int_eq(e.v[1].severity, INI_WARNING);
	sbx_writer_done(&w);
	/* Formatted for people: no raw control bytes. */
	sbx_policy_diag_format(line, sizeof(line), "f.policy", &e.v[0]);
	ck_assert_str_eq(line, "f.policy:3: error: unknown key 'X'");
	sbx_policy_diag_format(line, sizeof(line), "f.policy", &e.v[1]);
	ck_assert_str_eq(line, "f.policy: warning: no execve \\x1b[2J");

	/* An unknown severity; more entries than counted; too many entries. */
	ck_assert_int_eq(decode_report(&h, &g), -EBADMSG);
	h.n_errors = 0;
	g.severity = SBX_SEVERITY_ERROR;
	ck_assert_int_eq(decode_report(&h, &g), -EBADMSG);
	h = (struct sbx_policy_report) { .n_errors = 1000, .count = SBX_POLICY_DIAGS_MAX + 1 };
	ck_assert_int_eq(decode_report(&h, NULL), -EBADMSG);
}
END_TEST

/* Broker requests: one path, RENAME's two, nothing else. */
START_TEST(test_broker_req)
{
	struct sbx_broker_req q = { .flags = 3, .mode = 0644 }, got;
	const char *path, *path2;
	struct sbx_writer w;
	struct sbx_reader r;

	sbx_msg_broker_req_put(&w, SBX_MSG_BROKER_OPEN, 7, &q, "/a/b", NULL);
	finish_and_read(&w, &r, SBX_MSG_BROKER_OPEN, 7);
	ck_assert_int_eq(sbx_msg_broker_req_get(&r, SBX_MSG_BROKER_OPEN, &got, &path, &path2), 0);
	ck_assert_uint_eq(got.flags, 3);
	ck_assert_uint_eq(got.mode, 0644);
	ck_assert_str_eq(path, "/a/b");
	ck_assert_ptr_null(path2);
	sbx_writer_done(&w);

	sbx_msg_broker_req_put(&w, SBX_MSG_BROKER_RENAME, 8, &q, "/from", "/to");
	finish_and_read(&w, &r, SBX_MSG_BROKER_RENAME, 8);
	ck_assert_int_eq(sbx_msg_broker_req_get(&r, SBX_MSG_BROKER_RENAME, &got, &path, &path2), 0);
	ck_assert_str_eq(path, "/from");
	ck_assert_str_eq(path2, "/to");
	sbx_writer_done(&w);

	/* A second path where one is due, and one missing for RENAME. */
	sbx_msg_broker_req_put(&w, SBX_MSG_BROKER_OPEN, 9, &q, "/a", "/b");
	finish_and_read(&w, &r, SBX_MSG_BROKER_OPEN, 9);
	ck_assert_int_eq(sbx_msg_broker_req_get(&r, SBX_MSG_BROKER_OPEN, &got, &path, &path2),
	    -EBADMSG);
	sbx_writer_done(&w);
	sbx_msg_broker_req_put(&w, SBX_MSG_BROKER_RENAME, 10, &q, "/a", NULL);
	finish_and_read(&w, &r, SBX_MSG_BROKER_RENAME, 10);
	ck_assert_int_eq(sbx_msg_broker_req_get(&r, SBX_MSG_BROKER_RENAME, &got, &path, &path2),
	    -EBADMSG);
	sbx_writer_done(&w);
}
END_TEST

/* BROKER_STAT_RESULT and BROKER_LINK_RESULT, both ways. */
START_TEST(test_broker_replies)
{
	struct stat st = {
		.st_mode = S_IFREG | 0640, .st_ino = 42, .st_size = 12345, .st_uid = 1000,
		.st_mtim = { .tv_sec = 1700000000, .tv_nsec = 123456789 },
	}, got = {};
	const char *link;
	struct sbx_writer w;
	struct sbx_reader r;
	int32_t error;

	sbx_msg_broker_stat_put(&w, 3, 0, &st);
	finish_and_read(&w, &r, SBX_MSG_BROKER_STAT_RESULT, 3);
	ck_assert_int_eq(sbx_msg_broker_stat_get(&r, &error, &got), 0);
	ck_assert_int_eq(error, 0);
	ck_assert_uint_eq(got.st_mode, S_IFREG | 0640);
	ck_assert_uint_eq(got.st_ino, 42);
	ck_assert_int_eq(got.st_size, 12345);
	ck_assert_uint_eq(got.st_uid, 1000);
	ck_assert_int_eq(got.st_mtim.tv_sec, 1700000000);
	ck_assert_int_eq(got.st_mtim.tv_nsec, 123456789);
	sbx_writer_done(&w);

	/* An error carries no attributes, and leaves *ret alone. */
	got = (struct stat) {};
	sbx_msg_broker_stat_put(&w, 4, ENOENT, &st);
	finish_and_read(&w, &r, SBX_MSG_BROKER_STAT_RESULT, 4);
	ck_assert_int_eq(sbx_msg_broker_stat_get(&r, &error, &got), 0);
	ck_assert_int_eq(error, ENOENT);
	ck_assert_uint_eq(got.st_ino, 0);
	sbx_writer_done(&w);
	sbx_msg_broker_stat_put(&w, 4, -1, NULL);
	finish_and_read(&w, &r, SBX_MSG_BROKER_STAT_RESULT, 4);
	ck_assert_int_eq(sbx_msg_broker_stat_get(&r, &error, &got), -EBADMSG);
	sbx_writer_done(&w);

	sbx_msg_broker_link_put(&w, 5, 0, "../target");
	finish_and_read(&w, &r, SBX_MSG_BROKER_LINK_RESULT, 5);
	ck_assert_int_eq(sbx_msg_broker_link_get(&r, &error, &link), 0);
	ck_assert_int_eq(error, 0);
	ck_assert_str_eq(link, "../target");
	sbx_writer_done(&w);
	sbx_msg_broker_link_put(&w, 6, EACCES, "../target");
	finish_and_read(&w, &r, SBX_MSG_BROKER_LINK_RESULT, 6);
	ck_assert_int_eq(sbx_msg_broker_link_get(&r, &error, &link), 0);
	ck_assert_int_eq(error, EACCES);
	ck_assert_str_eq(link, "");
	sbx_writer_done(&w);
}
END_TEST

/* A BROKER_DIR_RESULT with the given fixed part and n entries named name. */
static int
decode_dir(const struct sbx_broker_dir *d, const char *name, uint32_t n)
{
	struct sbx_dirent ents[SBX_DIR_PAGE_MAX];
	struct sbx_broker_dir got;
	struct sbx_writer w;
	struct sbx_reader r;
	int k;

	sbx_writer_init(&w, SBX_MSG_BROKER_DIR_RESULT, 5);
	sbx_writer_put(&w, d, sizeof(*d));
	for (uint32_t i = 0; i < n; i++)
		sbx_msg_dirent_put(&w, 8, name);
	finish_and_read(&w, &r, SBX_MSG_BROKER_DIR_RESULT, 5);
	k = sbx_msg_broker_dir_get(&r, &got, ents);
	sbx_writer_done(&w);
	return k;
}

START_TEST(test_broker_dir)
{
	struct sbx_broker_dir d = { .next = 130, .count = 2 }, got;
	struct sbx_dirent ents[SBX_DIR_PAGE_MAX];
	char longest[SBX_DIR_NAME_MAX + 1];
	struct sbx_writer w;
	struct sbx_reader r;

	sbx_writer_init(&w, SBX_MSG_BROKER_DIR_RESULT, 5);
	sbx_writer_put(&w, &d, sizeof(d));
	sbx_msg_dirent_put(&w, 4, "sub");
	sbx_msg_dirent_put(&w, 8, "file");
	finish_and_read(&w, &r, SBX_MSG_BROKER_DIR_RESULT, 5);
	ck_assert_int_eq(sbx_msg_broker_dir_get(&r, &got, ents), 0);
	ck_assert_uint_eq(got.next, 130);
	ck_assert_uint_eq(got.count, 2);
	ck_assert_uint_eq(ents[0].type, 4);
	ck_assert_str_eq(ents[0].name, "sub");
	ck_assert_uint_eq(ents[1].type, 8);
	ck_assert_str_eq(ents[1].name, "file");
	sbx_writer_done(&w);

	/* A full page of the longest names fits a message. */
	memset(longest, 'n', SBX_DIR_NAME_MAX - 1);
	longest[SBX_DIR_NAME_MAX - 1] = '\0';
	d = (struct sbx_broker_dir) { .count = SBX_DIR_PAGE_MAX };
	ck_assert_int_eq(decode_dir(&d, longest, SBX_DIR_PAGE_MAX), 0);

	/* Refused: a longer name, dot names, a slash, an empty name, more
	 * entries than counted or fewer, too many, entries with an error, a
	 * negative error. */
	longest[SBX_DIR_NAME_MAX - 1] = 'n';
	longest[SBX_DIR_NAME_MAX] = '\0';
	d = (struct sbx_broker_dir) { .count = 1 };
	ck_assert_int_eq(decode_dir(&d, longest, 1), -EBADMSG);
	ck_assert_int_eq(decode_dir(&d, ".", 1), -EBADMSG);
	ck_assert_int_eq(decode_dir(&d, "..", 1), -EBADMSG);
	ck_assert_int_eq(decode_dir(&d, "a/b", 1), -EBADMSG);
	ck_assert_int_eq(decode_dir(&d, "", 1), -EBADMSG);
	ck_assert_int_eq(decode_dir(&d, "a", 2), -EBADMSG);
	ck_assert_int_eq(decode_dir(&d, "a", 0), -EBADMSG);
	d.count = SBX_DIR_PAGE_MAX + 1;
	ck_assert_int_eq(decode_dir(&d, "a", 0), -EBADMSG);
	d = (struct sbx_broker_dir) { .error = EACCES, .count = 1 };
	ck_assert_int_eq(decode_dir(&d, "a", 1), -EBADMSG);
	d = (struct sbx_broker_dir) { .error = EACCES };
	ck_assert_int_eq(decode_dir(&d, "a", 0), 0);
	d = (struct sbx_broker_dir) { .error = -1 };
	ck_assert_int_eq(decode_dir(&d, "a", 0), -EBADMSG);
}
END_TEST

/* Every entry of the one error table travels unchanged both ways, and
 * nothing outside it does: the daemon sends EIO, the client returns -EIO. */
START_TEST(test_error_table)
{
	static const int outside[] = { EXDEV, EEXIST, ENOSPC, ECONNRESET, EPIPE, ENOTCONN, 4095 };
	bool shutdown_seen = false;

	ck_assert_uint_gt(sbx_n_wire_errors, 0);
	for (size_t i = 0; i < sbx_n_wire_errors; i++) {
		int e = sbx_wire_errors[i].error;

		ck_assert_int_gt(e, 0);
		ck_assert_ptr_nonnull(sbx_wire_errors[i].meaning);
		ck_assert_int_eq(sbx_error_to_wire(-e), e);
		ck_assert_int_eq(sbx_error_to_wire(e), e);
		ck_assert_int_eq(sbx_error_from_wire(e), -e);
		for (size_t j = 0; j < i; j++)
			ck_assert_int_ne(sbx_wire_errors[j].error, e);
		if (e == ESHUTDOWN)
			shutdown_seen = true;
	}
	ck_assert_msg(shutdown_seen, "ESHUTDOWN (sent by SPAWN during shutdown) is not in the table");
	for (size_t i = 0; i < ELEMENTSOF(outside); i++) {
		ck_assert_int_eq(sbx_error_to_wire(-outside[i]), EIO);
		ck_assert_int_eq(sbx_error_from_wire(outside[i]), -EIO);
	}
	ck_assert_int_eq(sbx_error_from_wire(0), -EIO);
	ck_assert_int_eq(sbx_error_from_wire(-EPERM), -EIO);
}
END_TEST

/* Every errno the table lets travel is documented in the ERRORS section of
 * libsandbox-client(3), by its name (.Bq Er ESHUTDOWN). */
START_TEST(test_error_table_documented)
{
	_cleanup_free_ char *path = testlib_srcdir_path("docs/libsandbox-client.3");
	_cleanup_free_ char *line = NULL, *errors = NULL;
	size_t cap = 0, len = 0;
	bool in_errors = false;
	FILE *f = fopen(path, "re");

	ck_assert_msg(f, "%s: %m", path);
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, ".Sh ", 4) == 0)
			in_errors = strcmp(line, ".Sh ERRORS\n") == 0;
		else if (in_errors && strstr(line, "Bq Er ")) {
			errors = realloc(errors, len + strlen(line) + 1);
			ck_assert_ptr_nonnull(errors);
			strcpy(errors + len, line);
			len += strlen(line);
		}
	}
	fclose(f);
	ck_assert_msg(errors, "%s has no ERRORS section", path);
	for (size_t i = 0; i < sbx_n_wire_errors; i++) {
		const char *name = strerrorname_np(sbx_wire_errors[i].error);
		bool found = false;

		ck_assert_ptr_nonnull(name);
		/* As a whole word: EPERM is not found in EPERMX. */
		for (const char *p = errors; (p = strstr(p, name)); p++) {
			char next = p[strlen(name)];

			if ((p == errors || p[-1] == ' ') && (next == ' ' || next == '\n'))
				found = true;
		}
		ck_assert_msg(found, "%s travels on the wire but is not in %s's ERRORS", name, path);
	}
}
END_TEST

TESTLIB_MAIN("wire",
	{ "roundtrip",
	    .tests = TESTLIB_TESTS(test_hello, test_spawn, test_fixed_replies,
		test_sandbox_list, test_info_denials_hostile, test_policy_messages, test_error, test_error_table,
		test_error_table_documented, test_policy_report, test_broker_dir,
		test_broker_req, test_broker_replies) },
	{ "reader",
	    .tests = TESTLIB_TESTS(test_reject_header, test_reject_strings,
		test_reject_trailing, test_reject_spawn) },
	{ "writer",
	    .tests = TESTLIB_TESTS(test_writer_limits) },
	{ "names",
	    .tests = TESTLIB_TESTS(test_names) },
	{ "fdpass",
	    .tests = TESTLIB_TESTS(test_fdpass, test_fdpass_reject) });
