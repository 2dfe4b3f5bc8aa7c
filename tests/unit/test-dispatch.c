/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket's dispatch table (daemon/control/dispatch.c): what every
 * entry promises, and that dispatch_decode() holds each message to it
 * before any handler could run. No daemon: dispatch_decode() is pure.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "macro.h"
#include "msg.h"
#include "sandbox-protocol.h"
#include "testlib.h"
#include "wire.h"

/* A message of type with size zero bytes of payload, decoded with n_fds
 * fds of /dev/null; every fd must be closed on failure. Returns
 * dispatch_decode()'s result; on success the context is released. */
static int
decode(uint32_t type, size_t size, size_t n_fds, bool hello)
{
	static const uint8_t zeros[SBX_MSG_SIZE_MAX];
	struct req_ctx ctx = {};
	struct sbx_writer w;
	int fds[SBX_FDS_MAX + 1];
	unsigned before = testlib_count_fds();
	int r;

	ck_assert_uint_le(n_fds, ELEMENTSOF(fds));
	for (size_t i = 0; i < n_fds; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(fds[i], 0);
	}
	sbx_writer_init(&w, type, 7);
	sbx_writer_put(&w, zeros, size);
	ck_assert_int_eq(sbx_writer_finish(&w), 0);
	r = dispatch_decode(&ctx, w.buf, w.len, fds, n_fds, hello);
	sbx_writer_done(&w);
	if (r >= 0) {
		ck_assert_ptr_nonnull(ctx.entry);
		ck_assert_uint_eq(ctx.entry->type, type);
		ck_assert_uint_eq(ctx.serial, 7);
		req_ctx_done(&ctx);
	} else if (r == -EBADMSG) {
		ck_assert_msg(ctx.message[0], "type %u: a violation without a message", type);
	}
	ck_assert_uint_eq(testlib_count_fds(), before);
	return r;
}

static bool
is_type(uint32_t type)
{
	for (size_t i = 0; i < sbx_n_msg_types; i++)
		if (sbx_msg_types[i] == type)
			return true;
	return false;
}

/* Every entry: a named request type (not a broker request, reply or event),
 * once; min ≤ max ≤ a message's size; at most SBX_FDS_MAX fds; a handler;
 * no decoder only for an empty payload. */
START_TEST(test_entries)
{
	ck_assert_uint_gt(dispatch_n_entries, 0);
	for (size_t i = 0; i < dispatch_n_entries; i++) {
		const struct req_entry *e = dispatch_entries[i];
		const char *name = sbx_msg_type_to_string(e->type);

		ck_assert_msg(is_type(e->type) && name, "entry %zu: type %u is no message type", i,
		    e->type);
		ck_assert_msg(e->type < SBX_MSG_BROKER_OPEN, "%s: not a control request", name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(dispatch_entries[j]->type != e->type, "%s: two entries", name);
		ck_assert_msg(e->min_size <= e->max_size, "%s: min %zu > max %zu", name, e->min_size,
		    e->max_size);
		/* SBX_MSG_SIZE_MAX itself: "whatever a message holds". */
		ck_assert_msg(e->max_size <= SBX_MSG_SIZE_MAX, "%s: max %zu beyond any message",
		    name, e->max_size);
		ck_assert_msg(e->n_fds <= SBX_FDS_MAX, "%s: %zu fds", name, e->n_fds);
		ck_assert_msg(e->handler, "%s: no handler", name);
		ck_assert_msg(e->name && strcmp(e->name, name) == 0, "%s: named '%s'", name,
		    e->name ?: "(null)");
		ck_assert_msg(!(e->flags & REQ_FIRST) == (e->type != SBX_MSG_HELLO),
		    "%s: REQ_FIRST is HELLO's alone", name);
		ck_assert_msg(e->decode || e->max_size == 0, "%s: a payload and no decoder", name);
		ck_assert_msg(!e->done || e->decode, "%s: done without a decoder", name);
	}
}
END_TEST

/* Every request type the client sends has an entry. */
START_TEST(test_requests_covered)
{
	for (size_t i = 0; i < sbx_n_msg_types; i++) {
		uint32_t type = sbx_msg_types[i];
		bool found = false;

		if (type >= SBX_MSG_BROKER_OPEN)
			continue;
		for (size_t j = 0; j < dispatch_n_entries; j++)
			found = found || dispatch_entries[j]->type == type;
		ck_assert_msg(found, "request %s has no entry", sbx_msg_type_to_string(type));
	}
}
END_TEST

/* A payload one byte outside an entry's bounds, or one fd more or fewer
 * than it carries, is a violation whatever the payload holds. */
START_TEST(test_bounds)
{
	for (size_t i = 0; i < dispatch_n_entries; i++) {
		const struct req_entry *e = dispatch_entries[i];
		bool hello = e->type != SBX_MSG_HELLO;
		const char *name = sbx_msg_type_to_string(e->type);

		if (e->min_size > 0)
			ck_assert_msg(decode(e->type, e->min_size - 1, e->n_fds, hello) == -EBADMSG,
			    "%s: payload below its minimum", name);
		if (sizeof(struct sbx_hdr) + e->max_size < SBX_MSG_SIZE_MAX)
			ck_assert_msg(decode(e->type, e->max_size + 1, e->n_fds, hello) == -EBADMSG,
			    "%s: payload above its maximum", name);
		ck_assert_msg(decode(e->type, e->min_size, e->n_fds + 1, hello) == -EBADMSG,
		    "%s: one fd too many", name);
		if (e->n_fds > 0)
			ck_assert_msg(decode(e->type, e->min_size, e->n_fds - 1, hello) == -EBADMSG,
			    "%s: one fd too few", name);
	}
}
END_TEST

/* HELLO first and only once: every other request before it, and HELLO
 * after it, is a violation. */
START_TEST(test_hello_first)
{
	struct sbx_hello h = { .version = SBX_PROTOCOL_VERSION };
	struct req_ctx ctx = {};
	struct sbx_writer w;

	for (size_t i = 0; i < dispatch_n_entries; i++) {
		const struct req_entry *e = dispatch_entries[i];

		ck_assert_int_eq(decode(e->type, e->min_size, e->n_fds, e->type == SBX_MSG_HELLO),
		    -EBADMSG);
	}
	sbx_writer_init(&w, SBX_MSG_HELLO, 1);
	sbx_writer_put(&w, &h, sizeof(h));
	ck_assert_int_eq(sbx_writer_finish(&w), 0);
	ck_assert_int_eq(dispatch_decode(&ctx, w.buf, w.len, NULL, 0, false), 0);
	req_ctx_done(&ctx);
	ck_assert_int_eq(dispatch_decode(&ctx, w.buf, w.len, NULL, 0, true), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(ctx.message, "second HELLO"));
	sbx_writer_done(&w);
}
END_TEST

/* Empty-payload requests decode from their header alone. */
START_TEST(test_empty_payloads)
{
	for (size_t i = 0; i < dispatch_n_entries; i++) {
		const struct req_entry *e = dispatch_entries[i];

		if (e->max_size == 0)
			ck_assert_int_eq(decode(e->type, 0, e->n_fds, true), 0);
	}
}
END_TEST

/* No entry, no handler: unknown numbers, broker requests (they belong to
 * the broker channel), replies and events are violations on the control
 * socket, before HELLO and after it. */
START_TEST(test_unknown_types)
{
	static const uint32_t unknown[] = {
		0, 2, 99, SBX_MSG_STATUS + 1, SBX_MSG_POLICY_CHECK + 1, 899, 1000, UINT32_MAX,
	};

	for (size_t i = 0; i < ELEMENTSOF(unknown); i++) {
		ck_assert_int_eq(decode(unknown[i], 0, 0, false), -EBADMSG);
		ck_assert_int_eq(decode(unknown[i], 0, 0, true), -EBADMSG);
	}
	for (size_t i = 0; i < sbx_n_msg_types; i++)
		if (sbx_msg_types[i] >= SBX_MSG_BROKER_OPEN) {
			ck_assert_int_eq(decode(sbx_msg_types[i], 0, 0, true), -EBADMSG);
			ck_assert_int_eq(decode(sbx_msg_types[i], 0, 1, true), -EBADMSG);
		}
}
END_TEST

/* A datagram shorter than the header is a violation too. */
START_TEST(test_short_header)
{
	struct sbx_hdr h = { .type = SBX_MSG_LIST };
	struct req_ctx ctx = {};
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	unsigned before;

	ck_assert_int_ge(fd, 0);
	before = testlib_count_fds();
	ck_assert_int_eq(dispatch_decode(&ctx, &h, sizeof(h) - 1, &fd, 1, true), -EBADMSG);
	ck_assert_uint_eq(testlib_count_fds(), before - 1);
	ck_assert(ctx.message[0]);
}
END_TEST

TESTLIB_MAIN("dispatch",
	{ "table",
	    .tests = TESTLIB_TESTS(test_entries, test_requests_covered) },
	{ "decode",
	    .tests = TESTLIB_TESTS(test_bounds, test_hello_first, test_empty_payloads,
		test_unknown_types, test_short_header) });
