/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place where a received message meets a handler (see dispatch.h).
 * Everything a handler may assume is checked here: a known type, HELLO
 * first and only once, payload size within the entry's bounds, exactly the
 * entry's number of fds, a payload its decoder accepts. That half is pure
 * (dispatch_decode(), fuzzed by tests/fuzz/fuzz-control.c). Errors are
 * mapped to what may travel (sbx_error_to_wire(), the table in
 * protocol/msg.c) here too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"

const struct req_entry *const dispatch_entries[] = {
	&req_hello, &req_spawn, &req_kill, &req_list, &req_status,
	&req_policy_list, &req_policy_show, &req_policy_check,
};
const size_t dispatch_n_entries = ELEMENTSOF(dispatch_entries);

static const struct req_entry *
find_entry(uint32_t type)
{
	for (size_t i = 0; i < dispatch_n_entries; i++)
		if (dispatch_entries[i]->type == type)
			return dispatch_entries[i];
	return NULL;
}

static void
close_fds(int *fds, size_t n_fds)
{
	for (size_t i = 0; i < n_fds; i++)
		fds[i] = safe_close(fds[i]);
}

/* Holds a decoded header to its entry e and decodes the payload into ctx. */
static int
dispatch_check(struct req_ctx *ctx, struct sbx_reader *reader, const struct req_entry *e,
    size_t n_fds, bool hello)
{
	const char *name = sbx_msg_type_to_string(reader->hdr.type);
	int r;

	if (!e)
		return error_msg_setf(&ctx->err, EBADMSG, "unexpected message type %u",
		    reader->hdr.type);
	if (!!(e->flags & REQ_FIRST) == hello)
		return error_msg_setf(&ctx->err, EBADMSG, hello ? "second HELLO" : "%s before HELLO",
		    name);
	if (reader->hdr.len < e->min_size || reader->hdr.len > e->max_size)
		return error_msg_setf(&ctx->err, EBADMSG, "%s with a payload of %u bytes", name,
		    reader->hdr.len);
	if (n_fds != e->n_fds)
		return error_msg_setf(&ctx->err, EBADMSG, "%s with %zu fds, expected %zu", name,
		    n_fds, e->n_fds);
	ctx->args = (union req_args) {};
	r = e->decode ? e->decode(reader, &ctx->args) : sbx_reader_end(reader);
	if (r == -EBADMSG)
		return error_msg_setf(&ctx->err, EBADMSG, "malformed %s", name);
	return r;
}

int
dispatch_decode(struct req_ctx *ctx, const void *buf, size_t size, int *fds, size_t n_fds,
    bool hello)
{
	struct sbx_reader reader;
	const struct req_entry *e = NULL;
	int r;

	if (sbx_reader_init(&reader, buf, size) < 0)
		r = error_msg_setf(&ctx->err, EBADMSG, "malformed header (%zu bytes)", size);
	else {
		ctx->serial = reader.hdr.serial;
		e = find_entry(reader.hdr.type);
		r = dispatch_check(ctx, &reader, e, n_fds, hello);
	}
	if (r < 0) {
		close_fds(fds, n_fds);
		return r;
	}
	ctx->entry = e;
	ctx->fds = fds;
	ctx->n_fds = n_fds;
	return 0;
}

void
req_ctx_done(struct req_ctx *ctx)
{
	if (ctx->entry && ctx->entry->done)
		ctx->entry->done(&ctx->args);
	close_fds(ctx->fds, ctx->n_fds);
	ctx->entry = NULL;
	ctx->fds = NULL;
	ctx->n_fds = 0;
}

void
dispatch_message_consume_fds(struct conn *c, const void *buf, size_t size, int *fds, size_t n_fds)
{
	struct req_ctx ctx = { .conn = c };
	const char *name;
	int r;

	r = dispatch_decode(&ctx, buf, size, fds, n_fds, c->hello);
	if (r == -EBADMSG) {
		conn_violation(c, "%s", ctx.message);
		return;
	}
	if (r < 0) {
		conn_send_error(c, ctx.serial, sbx_error_to_wire(r), strerror(-r));
		return;
	}
	name = ctx.entry->name;
	log_debug("Received %s serial %u from uid %u pid %d.", name, ctx.serial,
	    (unsigned) c->cred.uid, (int) c->cred.pid);

	r = ctx.entry->handler(&ctx);
	if (r == -EBADMSG)
		conn_violation(c, "malformed %s", name);
	else if (r < 0)
		conn_send_error(c, ctx.serial, sbx_error_to_wire(r),
		    ctx.message[0] ? ctx.message : strerror(-r));
	req_ctx_done(&ctx);
}
