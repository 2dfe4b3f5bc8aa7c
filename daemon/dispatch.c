/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place where a received message meets a handler (see dispatch.h).
 * Everything a handler may assume is checked here: a known type, HELLO
 * first and only once, payload size within the entry's bounds, exactly the
 * entry's number of fds. Errors are mapped to what may travel
 * (sbx_error_to_wire(), the table in protocol/msg.c) here too.
 */
#include <errno.h>
#include <string.h>

#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"

static const struct req_entry *const entries[] = {
	&req_hello, &req_spawn, &req_kill, &req_list, &req_status,
	&req_policy_list, &req_policy_show, &req_policy_check,
};

static const struct req_entry *
find_entry(uint32_t type)
{
	for (size_t i = 0; i < ELEMENTSOF(entries); i++)
		if (entries[i]->type == type)
			return entries[i];
	return NULL;
}

void
dispatch_message(struct conn *c, const void *buf, size_t size, int *fds, size_t n_fds)
{
	struct sbx_reader reader;
	struct req_ctx ctx = { .conn = c, .reader = &reader, .fds = fds, .n_fds = n_fds };
	const struct req_entry *e;
	const char *name;
	int r;

	if (sbx_reader_init(&reader, buf, size) < 0) {
		conn_violation(c, "malformed header (%zu bytes)", size);
		goto out;
	}
	ctx.serial = reader.hdr.serial;
	name = sbx_msg_type_to_string(reader.hdr.type);
	e = find_entry(reader.hdr.type);
	if (!e) {
		conn_violation(c, "unexpected message type %u", reader.hdr.type);
		goto out;
	}
	if ((e == &req_hello) == c->hello) {
		conn_violation(c, c->hello ? "second HELLO" : "%s before HELLO", name);
		goto out;
	}
	if (reader.hdr.len < e->min_size || reader.hdr.len > e->max_size) {
		conn_violation(c, "%s with a payload of %u bytes", name, reader.hdr.len);
		goto out;
	}
	if (n_fds != e->n_fds) {
		conn_violation(c, "%s with %zu fds, expected %zu", name, n_fds, e->n_fds);
		goto out;
	}
	log_debug("Received %s serial %u from uid %u pid %d.", name, ctx.serial,
	    (unsigned) c->cred.uid, (int) c->cred.pid);

	r = e->handler(&ctx);
	if (r == -EBADMSG) {
		conn_violation(c, "malformed %s", name);
		goto out;
	}
	if (r < 0)
		conn_send_error(c, ctx.serial, sbx_error_to_wire(r),
		    ctx.message[0] ? ctx.message : strerror(-r));
out:
	for (size_t i = 0; i < n_fds; i++)
		fds[i] = safe_close(fds[i]);
}
