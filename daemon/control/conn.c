/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Control connections. Reading: one datagram per read event, received with
 * sbx_recv_msg() (fds close-on-exec, excess fds or MSG_CTRUNC refused) and
 * handed to dispatch. Writing: replies are sent at once when the socket has
 * room, otherwise queued (bounded by CONN_OUT_MAX) with write interest
 * armed only while the queue is non-empty. A peer that stops reading is
 * dropped rather than allowed to grow our memory.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "dispatch.h"
#include "event-util.h"
#include "fdpass.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "policy-checker.h"
#include "ratelimit.h"
#include "target.h"

static void
on_read(evutil_socket_t fd, short what, void *userdata)
{
	struct conn *c = userdata;
	static uint8_t buf[SBX_MSG_SIZE_MAX];
	int fds[SBX_FDS_MAX];
	size_t n_fds = 0;
	ssize_t n;

	n = sbx_recv_msg(c->fd, buf, sizeof(buf), fds, &n_fds, SBX_FDS_MAX);
	if (n == -EAGAIN || n == -EINTR)
		return;
	/* sbx_recv_msg() closed any fds that came with these; only a message
	 * (n > 0) brings fds, and dispatch closes all it does not take. */
	if (n == -EBADMSG) {
		conn_violation(c, "truncated message, too many fds, unexpected control data "
		    "or fds on an empty datagram");
		return;
	}
	if (n <= 0) {
		if (n < 0 && n != -ECONNRESET)
			log_debug_errno((int) n, "Read from uid %u pid %d failed: %m",
			    (unsigned) c->cred.uid, (int) c->cred.pid);
		conn_free(c);
		return;
	}
	dispatch_message_consume_fds(c, buf, (size_t) n, fds, n_fds);
}

static void
on_free(evutil_socket_t fd, short what, void *userdata)
{
	conn_free(userdata);
}

static void
on_write(evutil_socket_t fd, short what, void *userdata)
{
	struct conn *c = userdata;
	struct out_msg *o;

	while ((o = STAILQ_FIRST(&c->out))) {
		int r = sbx_send_msg(c->fd, o->data, o->len, NULL, 0);

		if (r == -EAGAIN)
			return;
		if (r < 0) {
			conn_free(c);
			return;
		}
		STAILQ_REMOVE_HEAD(&c->out, link);
		c->n_out--;
		free(o);
	}
	event_del(c->ev_write);
	if (c->closing)
		conn_free(c);
}

/* The peer's supplementary groups, as the kernel knows them. */
static int
peer_groups(int fd, gid_t **ret, int *ret_n)
{
	socklen_t l = 64 * sizeof(gid_t);

	for (;;) {
		gid_t *g = malloc(l ? l : sizeof(gid_t));

		if (!g)
			return -ENOMEM;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &l) == 0) {
			*ret = g;
			*ret_n = (int) (l / sizeof(gid_t));
			return 0;
		}
		free(g);
		if (errno != ERANGE || l > 65536 * sizeof(gid_t))
			return -errno;
	}
}

/* A connection without an fd yet, already in the manager's list, so that
 * conn_free() undoes it from any point of its construction. */
static struct conn *
conn_alloc(struct manager *m)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->manager = m;
	c->fd = -1;
	STAILQ_INIT(&c->out);
	LIST_INIT(&c->watches);
	LIST_INSERT_HEAD(&m->conns, c, link);
	m->n_conns++;
	return c;
}

/* SO_PEERCRED and SO_PEERGROUPS of fd. */
static int
conn_read_peer(struct conn *c, int fd)
{
	socklen_t l = sizeof(struct ucred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &l) < 0)
		return -errno;
	return peer_groups(fd, &c->groups, &c->n_groups);
}

/* Reading, writing (armed only while replies are queued), and the HELLO
 * timer. */
static int
conn_start_events(struct conn *c, int fd)
{
	struct event_base *b = c->manager->base;

	c->ev_read = event_new(b, fd, EV_READ | EV_PERSIST, on_read, c);
	c->ev_write = event_new(b, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->ev_free = evtimer_new(b, on_free, c);
	if (!c->ev_read || !c->ev_write || !c->ev_free || event_add(c->ev_read, NULL) < 0 ||
	    evtimer_add(c->ev_free, &(struct timeval) { .tv_sec = CONN_HELLO_TIMEOUT_SEC }) < 0)
		return -ENOMEM;
	return 0;
}

int
conn_new_consume_fd(struct manager *m, int fd, struct conn **ret)
{
	_cleanup_close_ int owned = fd;
	_cleanup_(conn_freep) struct conn *c = NULL;
	int r;

	c = conn_alloc(m);
	if (!c)
		return -ENOMEM;
	r = conn_read_peer(c, owned);
	if (r < 0)
		return r;
	r = conn_start_events(c, owned);
	if (r < 0)
		return r;
	c->fd = TAKE_FD(owned);
	*ret = TAKE_PTR(c);
	return 0;
}

struct conn *
conn_free(struct conn *c)
{
	struct manager *m;
	struct conn_watch *w;
	struct out_msg *o;

	if (!c)
		return NULL;
	m = c->manager;
	policy_checker_cancel(c->manager, c);
	/* Sandboxes this connection asked for end with it, unless detached. */
	while ((w = LIST_FIRST(&c->watches)))
		conn_watch_free(w);
	LIST_REMOVE(c, link);
	m->n_conns--;
	event_freep(&c->ev_read);
	event_freep(&c->ev_write);
	event_freep(&c->ev_free);
	while ((o = STAILQ_FIRST(&c->out))) {
		STAILQ_REMOVE_HEAD(&c->out, link);
		free(o);
	}
	safe_close(c->fd);
	free(c->groups);
	free(c);
	return NULL;
}

int
conn_watch_new(struct conn *c, struct target *t, uint32_t serial,
    const struct target_watch_ops *ops)
{
	_cleanup_free_ struct conn_watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->conn = c;
	w->serial = serial;
	r = target_watch_new(t, ops, w, &w->watch);
	if (r < 0)
		return r;
	LIST_INSERT_HEAD(&c->watches, w, link);
	TAKE_PTR(w);
	return 0;
}

struct conn_watch *
conn_watch_free(struct conn_watch *w)
{
	if (!w)
		return NULL;
	LIST_REMOVE(w, link);
	target_watch_free(w->watch);
	free(w);
	return NULL;
}

int
conn_send(struct conn *c, struct sbx_writer *w)
{
	struct out_msg *o;
	int r;

	r = sbx_writer_finish(w);
	if (r < 0) {
		log_error_errno(r, "Failed to build a reply: %m");
		return r;
	}
	if (STAILQ_EMPTY(&c->out)) {
		r = sbx_send_msg(c->fd, w->buf, w->len, NULL, 0);
		if (r >= 0)
			return 0;
		if (r != -EAGAIN)
			return r;	/* the read side will notice the peer is gone */
	}
	if (c->n_out >= CONN_OUT_MAX) {
		(void) ratelimit_log(&c->manager->peer_log, c->cred.uid, LOG_WARNING, 0,
		    "Peer uid %u pid %d does not read its replies, disconnecting.",
		    (unsigned) c->cred.uid, (int) c->cred.pid);
		/* Not freed here: callers may still hold c. */
		event_del(c->ev_read);
		c->closing = true;
		event_active(c->ev_free, EV_TIMEOUT, 0);
		return -ENOBUFS;
	}
	o = malloc(sizeof(*o) + w->len);
	if (!o)
		return -ENOMEM;
	o->len = w->len;
	memcpy(o->data, w->buf, w->len);
	STAILQ_INSERT_TAIL(&c->out, o, link);
	c->n_out++;
	return event_add(c->ev_write, NULL) < 0 ? -ENOMEM : 0;
}

void
conn_send_error(struct conn *c, uint32_t serial, int error, const char *message)
{
	struct sbx_writer w;

	sbx_writer_init(&w, SBX_MSG_ERROR, serial);
	sbx_msg_error_put(&w, error, message && message[0] ? message : strerror(error < 0 ? -error : error));
	(void) conn_send(c, &w);
	sbx_writer_done(&w);
}

void
conn_send_ok(struct conn *c, uint32_t serial)
{
	struct sbx_writer w;

	sbx_writer_init(&w, SBX_MSG_OK, serial);
	(void) conn_send(c, &w);
	sbx_writer_done(&w);
}

void
conn_refuse_consume(int fd, int error, const char *message)
{
	_cleanup_close_ int owned = fd;
	struct sbx_writer w;

	sbx_writer_init(&w, SBX_MSG_ERROR, CONN_HELLO_SERIAL);
	sbx_msg_error_put(&w, error, message);
	if (sbx_writer_finish(&w) >= 0)
		(void) sbx_send_msg(owned, w.buf, w.len, NULL, 0);
	sbx_writer_done(&w);
}

void
conn_violation(struct conn *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Rate-limited per uid: a peer reconnecting to misbehave cannot flood
	 * the log, nor hide another user's violations. */
	(void) ratelimit_log(&c->manager->peer_log, c->cred.uid, LOG_NOTICE, 0,
	    "Protocol violation by uid %u pid %d: %s; disconnecting.",
	    (unsigned) c->cred.uid, (int) c->cred.pid, buf);
	conn_free(c);
}

void
conn_close_after_flush(struct conn *c)
{
	event_del(c->ev_read);
	if (STAILQ_EMPTY(&c->out))
		conn_free(c);
	else
		c->closing = true;
}
