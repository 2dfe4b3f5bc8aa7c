/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One client connection on the control socket: its peer credentials
 * (SO_PEERCRED, taken at accept), its read event, a bounded queue of
 * outgoing messages, and the sandboxes it is watching (its own list: a
 * connection that goes away ends its watches, and nothing else).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "macro.h"
#include "wire.h"

struct manager;
struct event;
struct target;
struct target_watch;
struct target_watch_ops;

#define CONN_OUT_MAX 256		/* queued replies/events before we give up on a peer */
#define CONN_HELLO_TIMEOUT_SEC 10	/* a connection must say HELLO within this */
#define CONN_HELLO_SERIAL 1		/* the serial a client's HELLO carries (PROTOCOL.md) */

struct out_msg {
	STAILQ_ENTRY(out_msg)	link;
	size_t			len;
	uint8_t			data[];
};

/* A sandbox this connection asked for, and the serial to answer it with. */
struct conn_watch {
	LIST_ENTRY(conn_watch)	link;
	struct conn		*conn;
	struct target_watch	*watch;
	uint32_t		serial;
};

struct conn {
	struct manager		*manager;
	LIST_ENTRY(conn)	link;
	int			fd;
	struct ucred		cred;
	gid_t			*groups;	/* SO_PEERGROUPS: for the broker's credentials */
	int			n_groups;
	struct event		*ev_read, *ev_write, *ev_free;
	bool			hello;
	bool			closing;	/* flush, then free */
	STAILQ_HEAD(, out_msg)	out;
	unsigned		n_out;
	LIST_HEAD(, conn_watch)	watches;
};

/* Serves the accepted socket fd, which it takes in all cases. */
int conn_new_consume_fd(struct manager *m, int fd, struct conn **ret);
struct conn *conn_free(struct conn *c);
DEFINE_FREEP(struct conn, conn_free);
/* Watches t for the request with serial; ops get the struct conn_watch as
 * userdata. */
int conn_watch_new(struct conn *c, struct target *t, uint32_t serial,
    const struct target_watch_ops *ops);
/* Ends the watch (see target_watch_free()). Accepts NULL, returns NULL. */
struct conn_watch *conn_watch_free(struct conn_watch *w);
DEFINE_FREEP(struct conn_watch, conn_watch_free);
/* Queues a finished message (takes nothing; copies). On overflow the
 * connection is dropped and -ENOBUFS returned. */
int conn_send(struct conn *c, struct sbx_writer *w);
void conn_send_error(struct conn *c, uint32_t serial, int error, const char *message);
void conn_send_ok(struct conn *c, uint32_t serial);
/*
 * Refuses a connection we will not serve: sends one ERROR with the serial
 * of the HELLO the client is about to send, without blocking (fd is fresh
 * from accept4(SOCK_NONBLOCK), its buffer empty), then closes fd. Takes fd.
 */
void conn_refuse_consume(int fd, int error, const char *message);
/* Logs (rate-limited per uid) and closes. */
void conn_violation(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends what is queued, then closes (used at shutdown). */
void conn_close_after_flush(struct conn *c);
