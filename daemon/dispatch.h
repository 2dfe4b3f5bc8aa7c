/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Request dispatch. Each req-*.c exports req_entry values naming a message
 * type, its payload size bounds, the exact number of fds it carries, and
 * its handler. dispatch_message() checks all of that, and that HELLO came
 * first, before any handler runs; an unknown type or a broken bound is a
 * protocol violation. Handlers return 0 once they have queued a reply
 * (or will, for SPAWN), or a negative errno that dispatch turns into an
 * ERROR reply; -EBADMSG drops the connection.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct conn;

struct req_ctx {
	struct conn		*conn;
	struct sbx_reader	*reader;
	uint32_t		serial;
	int			*fds;		/* n_fds of them; a handler that keeps one sets it to -1 */
	size_t			n_fds;
	char			message[512];	/* error text for the reply */
};

struct req_entry {
	uint32_t	type;
	size_t		min_size, max_size;	/* payload */
	size_t		n_fds;
	int		(*handler)(struct req_ctx *ctx);
};

extern const struct req_entry req_hello, req_spawn, req_kill, req_list, req_status,
    req_policy_list, req_policy_show, req_policy_check;

/* Takes the fds: closes every one the handler did not keep. */
void dispatch_message(struct conn *c, const void *buf, size_t size, int *fds, size_t n_fds);
