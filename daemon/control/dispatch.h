/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Request dispatch. Each req-*.c exports req_entry values naming a message
 * type, its payload size bounds, the exact number of fds it carries, the
 * payload's decoder and its handler. dispatch_decode() checks all of that,
 * and that HELLO came first, and decodes the payload before any handler
 * runs; an unknown type, a broken bound or a payload that does not decode
 * is a protocol violation. It is pure (no manager, no I/O), so the fuzzers
 * run exactly what the daemon runs. Handlers return 0 once they have
 * queued a reply (or will, for SPAWN), or a negative errno that dispatch
 * turns into an ERROR reply; -EBADMSG drops the connection.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error-msg.h"
#include "msg.h"
#include "wire.h"

struct conn;

/* A payload as its entry's decoder leaves it; strings point into the
 * message buffer, so args live no longer than it. */
union req_args {
	struct sbx_hello	hello;
	struct sbx_spawn_req	spawn;
	struct sbx_kill		kill;
	struct sbx_id		id;
	struct {
		const char	*name;
		uint32_t	flags;		/* SBX_POLICY_SHOW_* */
	} policy_show;
	struct {
		const char	*file, *text;
	} policy_check;
};

struct req_ctx {
	struct conn		*conn;
	const struct req_entry	*entry;
	uint32_t		serial;
	union req_args		args;
	int			*fds;		/* n_fds of them; a handler that keeps one sets it to -1 */
	size_t			n_fds;
	union {					/* error text for the reply */
		struct error_msg	err;		/* set with error_msg_setf(&ctx->err, ...) */
		char			message[ERROR_MSG_MAX];	/* err.message */
	};
};

struct req_entry {
	uint32_t	type;
	const char	*name;			/* for messages and logs: REQ_TYPE() */
	unsigned	flags;			/* REQ_* */
	size_t		min_size, max_size;	/* payload */
	size_t		n_fds;
	/* Pure; -EBADMSG for a malformed payload. NULL: the payload is empty. */
	int		(*decode)(struct sbx_reader *r, union req_args *ret);
	/* Frees what decode allocated; NULL if it allocates nothing. */
	void		(*done)(union req_args *args);
	int		(*handler)(struct req_ctx *ctx);
};

/* HELLO: the first request of a connection, and only the first. */
#define REQ_FIRST	(1u << 0)
/* An entry's type and its name, from the one spelling: REQ_TYPE(KILL). */
#define REQ_TYPE(t)	.type = SBX_MSG_##t, .name = #t

extern const struct req_entry req_hello, req_spawn, req_kill, req_list, req_status,
    req_policy_list, req_policy_show, req_policy_check;
/* Every entry, one per type; tests/unit/test-dispatch.c checks the table. */
extern const struct req_entry *const dispatch_entries[];
extern const size_t dispatch_n_entries;

/*
 * Checks one received message against the entry table and decodes its
 * payload into ctx (entry, serial, args, fds). hello: the peer has said
 * HELLO. Takes the fds in all cases: on success they are ctx's (release
 * them and the args with req_ctx_done()); on failure they are closed and
 * the result is -EBADMSG, a protocol violation described in ctx->message,
 * or another negative errno (-ENOMEM) to answer with an ERROR for
 * ctx->serial.
 */
int dispatch_decode(struct req_ctx *ctx, const void *buf, size_t size, int *fds, size_t n_fds,
    bool hello);
/* Closes every fd the handler did not keep and frees the args. */
void req_ctx_done(struct req_ctx *ctx);

/* Takes the fds: closes every one the handler did not keep. */
void dispatch_message_consume_fds(struct conn *c, const void *buf, size_t size, int *fds, size_t n_fds);
