/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HELLO: version negotiation and per-uid connection caps. */
#include <errno.h>
#include <event2/event.h>

#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "manager.h"

static int
req_hello_decode(struct sbx_reader *r, union req_args *ret)
{
	if (sbx_reader_get(r, &ret->hello, sizeof(ret->hello)) < 0 || sbx_reader_end(r) < 0 ||
	    ret->hello.flags != 0)
		return -EBADMSG;
	return 0;
}

static int
req_hello_handler(struct req_ctx *ctx)
{
	struct conn *c = ctx->conn;
	struct manager *m = c->manager;
	const struct sbx_hello *h = &ctx->args.hello;
	struct sbx_hello_reply rep = { .version = SBX_PROTOCOL_VERSION, .uid = c->cred.uid };
	struct sbx_writer w;

	if (h->version != SBX_PROTOCOL_VERSION) {
		(void) ratelimit_log(&m->peer_log, c->cred.uid, LOG_NOTICE, 0,
		    "Peer uid %u pid %d speaks protocol version %u, we speak %u; disconnecting.",
		    (unsigned) c->cred.uid, (int) c->cred.pid, h->version, SBX_PROTOCOL_VERSION);
		conn_send_error(c, ctx->serial, EPROTONOSUPPORT,
		    "unsupported protocol version (this sandboxd speaks version "
		    STRINGIFY(SBX_PROTOCOL_VERSION) ")");
		conn_close_after_flush(c);
		return 0;
	}
	/* Connections that never say HELLO are dropped after
	 * CONN_HELLO_TIMEOUT_SEC (conn.c), so counting here caps them too. */
	if (manager_count_conns(m, c->cred.uid) > m->conf.max_conns_per_uid) {
		(void) ratelimit_log(&m->peer_log, c->cred.uid, LOG_NOTICE, 0,
		    "Too many connections from uid %u; refusing pid %d.",
		    (unsigned) c->cred.uid, (int) c->cred.pid);
		conn_send_error(c, ctx->serial, EUSERS, "too many connections for this user");
		conn_close_after_flush(c);
		return 0;
	}
	c->hello = true;
	event_del(c->ev_free);
	sbx_writer_init(&w, SBX_MSG_HELLO_REPLY, ctx->serial);
	sbx_writer_put(&w, &rep, sizeof(rep));
	sbx_writer_put_str(&w, PACKAGE_VERSION);
	(void) conn_send(c, &w);
	sbx_writer_done(&w);
	return 0;
}

const struct req_entry req_hello = {
	REQ_TYPE(HELLO),
	.flags = REQ_FIRST,
	.min_size = sizeof(struct sbx_hello),
	.max_size = sizeof(struct sbx_hello),
	.decode = req_hello_decode,
	.handler = req_hello_handler,
};
