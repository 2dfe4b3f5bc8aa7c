/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Relayed sockets, as Sandbox2's network proxy keeps connection policy in
 * the supervisor. For a Connect=tcp: or udp: endpoint the broker connects
 * a socket in the host's network namespace (action_connect()); handing
 * that socket to the target would let it re-aim it: connect(AF_UNSPEC)
 * then connect() elsewhere, sendto() another address, bind(), or
 * listen(), which autobinds it to 0.0.0.0:<port> in the host namespace.
 * So the daemon keeps the real socket and the target gets one end of a
 * socketpair(AF_UNIX) whose other end we relay to it.
 *
 * Why that is safe: the target's end is an AF_UNIX socket already
 * connected to our end, for good. connect() on it fails whatever the
 * address: an inet one is refused (EINVAL), a UNIX one finds the socket
 * already connected (EISCONN; or ECONNREFUSED, ENOENT when nothing
 * listens there). sendto() with an address is refused on the stream pair
 * (EISCONN) and its address ignored on the seqpacket pair (the datagram
 * goes to the one endpoint); listen() on a connected socket fails
 * (EINVAL). The pair is created in the daemon's (the host's) network
 * namespace, so an abstract name bound to it would be a name in the
 * host's abstract namespace, where the target could squat names host
 * services use: the target's end is autobound before it is handed out
 * (to a name the kernel picks; nothing can connect to a connected
 * socket), so bind() fails (EINVAL). Path names are resolved in the
 * target's own mount namespace. Nothing the target writes leaves the
 * relay except as bytes on the one host connection we made to the
 * endpoint its policy names.
 *
 * What changes for programs: getsockname() and getpeername() report
 * AF_UNIX (an abstract name the kernel picked, and an unnamed peer); TCP
 * and IP socket options (TCP_NODELAY, SO_KEEPALIVE, ...) on the target's
 * end have no effect on the host connection (the relay
 * forwards what it reads as soon as it reads it); urgent data and
 * SO_LINGER are not carried. A TCP connection is a SOCK_STREAM pair:
 * shutdown(SHUT_WR) by the target reaches the host peer as EOF and the
 * peer may still answer; the host peer's EOF reaches the target as EOF.
 * A failed connect, a reset or any other error on either side ends the
 * relay: the target reads EOF after what was already relayed (or
 * ECONNRESET if it had written data the relay had not read yet) and its
 * writes fail with EPIPE. A UDP socket is a SOCK_SEQPACKET pair (not
 * SOCK_DGRAM, so that the relay sees the target close its end): one
 * datagram per message each way, boundaries kept, datagrams of more than
 * RELAY_DGRAM_MAX bytes and ones the host refuses (ICMP errors) dropped,
 * as UDP may; an empty datagram the target sends right before closing
 * may be taken for the close.
 *
 * How: everything runs on the daemon's event loop and never blocks; all
 * our fds are non-blocking. A stream direction moves bytes with splice()
 * through a pipe of its own, which is that direction's whole buffer, so
 * nothing is copied through user space and nothing is buffered beyond
 * the pipe: while the pipe is full we stop reading from the source
 * (back-pressure reaches the writer through the kernel's socket
 * buffers). A datagram direction peeks at one datagram, sends it, and
 * only then consumes it, so a full destination leaves datagrams queued
 * in the source socket. Each callback does bounded work (RELAY_ROUNDS
 * per direction), so relays share the loop with each other and with the
 * daemon's other clients. A relay ends when both directions are done,
 * on error, or with its sandbox (relay_free_all()).
 *
 * Who owns what: a relay owns both sockets, its pipes and its events;
 * the sandbox (struct target's relays) owns its relays.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event-util.h"
#include "log.h"
#include "manager.h"
#include "relay.h"
#include "target.h"

#define RELAY_ROUNDS		8	/* splices or datagrams per direction per callback */
#define RELAY_DGRAM_MAX		65536	/* more than any UDP payload */

/* One direction: from src to dst. */
struct relay_flow {
	int		src, dst;
	int		pipe[2];	/* streams: the buffer */
	size_t		queued, cap;	/* bytes in the pipe, its size */
	bool		eof;		/* src said EOF */
	bool		shut;		/* and dst was shut down for writing after it */
	bool		blocked;	/* streams: pipe may be full; datagrams: dst is */
};

enum {
	EV_NET_READ,
	EV_NET_WRITE,
	EV_LOC_READ,
	EV_LOC_WRITE,
	_EV_MAX,
};

struct relay {
	struct target		*target;
	LIST_ENTRY(relay)	link;
	bool			stream;
	bool			connecting;	/* the real socket's connect is pending */
	bool			target_closed;	/* our end saw the target's close */
	int			net, loc;	/* the real socket; our end of the pair */
	struct relay_flow	up, down;	/* loc → net, net → loc */
	struct event		*ev[_EV_MAX];
	unsigned		armed;		/* 1 << EV_*: added */
};

static struct relay *
relay_free(struct relay *r)
{
	if (!r)
		return NULL;
	LIST_REMOVE(r, link);
	for (size_t i = 0; i < _EV_MAX; i++)
		event_freep(&r->ev[i]);
	for (size_t i = 0; i < 2; i++) {
		safe_close(r->up.pipe[i]);
		safe_close(r->down.pipe[i]);
	}
	safe_close(r->net);
	safe_close(r->loc);
	free(r);
	return NULL;
}

void
relay_free_all(struct target *t)
{
	while (!LIST_EMPTY(&t->relays))
		relay_free(LIST_FIRST(&t->relays));
}

/* Whether the target closed its end (or shut it down both ways), rather
 * than only shutting down writing. */
static bool
peer_hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

/* Moves bytes src → pipe → dst, bounded; shuts dst down after src's EOF. */
static int
pump_stream(struct relay *r, struct relay_flow *f)
{
	/* The target is gone: nothing can reach it any more. */
	if (f == &r->down && r->target_closed)
		return 0;
	for (unsigned i = 0; i < RELAY_ROUNDS; i++) {
		bool progress = false;
		ssize_t n;

		if (!f->eof && f->queued < f->cap) {
			n = splice(f->src, NULL, f->pipe[1], NULL, f->cap - f->queued,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				f->queued += (size_t) n;
				progress = true;
			} else if (n == 0) {
				f->eof = true;
				if (f->src == r->loc)
					r->target_closed = peer_hung_up(r->loc);
			} else if (errno == EAGAIN) {
				/* Nothing to read, or the pipe is full in its
				 * slots before its bytes: wait for dst then. */
				if (f->queued > 0)
					f->blocked = true;
			} else if (errno != EINTR)
				return -errno;
		}
		if (f->queued > 0) {
			n = splice(f->pipe[0], NULL, f->dst, NULL, f->queued,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				f->queued -= (size_t) n;
				f->blocked = false;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR)
				return -errno;
		}
		if (f->eof && f->queued == 0 && !f->shut) {
			if (shutdown(f->dst, SHUT_WR) < 0 && errno != ENOTCONN)
				return -errno;
			f->shut = true;
		}
		if (!progress)
			break;
	}
	return 0;
}

/* Moves datagrams src → dst, one each, bounded. A datagram is consumed
 * only once sent (or dropped), so a full dst leaves them queued in src. */
static int
pump_dgram(struct relay *r, struct relay_flow *f)
{
	static uint8_t buf[RELAY_DGRAM_MAX];	/* the loop is single-threaded */

	f->blocked = false;
	for (unsigned i = 0; i < RELAY_ROUNDS && !f->eof; i++) {
		ssize_t n, s;

		n = recv(f->src, buf, sizeof(buf), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			if (errno == EINTR)
				continue;
			/* A UDP socket reports ICMP errors once: go on. */
			if (f->src == r->net)
				continue;
			return -errno;
		}
		if (n == 0 && f->src == r->loc && peer_hung_up(r->loc)) {
			f->eof = r->target_closed = true;
			break;
		}
		if ((size_t) n <= sizeof(buf)) {
			s = send(f->dst, buf, (size_t) n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (s < 0 && errno == EAGAIN) {
				f->blocked = true;
				break;
			}
			/* What the host refuses is dropped, as UDP may. */
			if (s < 0 && f->dst == r->loc)
				return -errno;
		}
		if (recv(f->src, buf, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN)
			return -errno;
	}
	return 0;
}

static void
relay_arm(struct relay *r)
{
	unsigned want = 0;

	if (r->connecting)
		want = 1u << EV_NET_WRITE;
	else if (r->stream) {
		if (!r->up.eof && !r->up.blocked && r->up.queued < r->up.cap)
			want |= 1u << EV_LOC_READ;
		if (r->up.queued > 0)
			want |= 1u << EV_NET_WRITE;
		if (!r->down.eof && !r->down.blocked && r->down.queued < r->down.cap &&
		    !r->target_closed)
			want |= 1u << EV_NET_READ;
		if (r->down.queued > 0 && !r->target_closed)
			want |= 1u << EV_LOC_WRITE;
	} else {
		want |= 1u << (r->up.blocked ? EV_NET_WRITE : EV_LOC_READ);
		want |= 1u << (r->down.blocked ? EV_LOC_WRITE : EV_NET_READ);
	}
	for (unsigned i = 0; i < _EV_MAX; i++) {
		unsigned bit = 1u << i;

		if ((want & bit) && !(r->armed & bit))
			(void) event_add(r->ev[i], NULL);
		else if (!(want & bit) && (r->armed & bit))
			(void) event_del(r->ev[i]);
	}
	r->armed = want;
}

static void
relay_end(struct relay *r, int error)
{
	log_debug("Sandbox %llu: relayed connection ended%s%s.",
	    (unsigned long long) r->target->id, error < 0 ? ": " : "",
	    error < 0 ? strerror(-error) : "");
	relay_free(r);
}

static void
on_event(evutil_socket_t fd, short what, void *userdata)
{
	struct relay *r = userdata;
	int k = 0, e = 0;
	socklen_t len = sizeof(e);

	if (r->connecting) {
		if (getsockopt(r->net, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		if (e != 0) {
			relay_end(r, -e);
			return;
		}
		r->connecting = false;
	}
	if (r->stream) {
		k = pump_stream(r, &r->up);
		if (k >= 0)
			k = pump_stream(r, &r->down);
	} else {
		k = pump_dgram(r, &r->up);
		if (k >= 0)
			k = pump_dgram(r, &r->down);
	}
	/* Done: both directions ended, or the target closed its end and
	 * what it sent before is on its way. */
	if (k < 0 || (r->up.shut && r->down.shut) ||
	    (r->stream && r->up.shut && r->target_closed) || (!r->stream && r->up.eof)) {
		relay_end(r, k);
		return;
	}
	relay_arm(r);
}

static int
flow_init(struct relay_flow *f, int src, int dst, bool stream)
{
	int n;

	f->src = src;
	f->dst = dst;
	if (!stream)
		return 0;
	if (pipe2(f->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	n = fcntl(f->pipe[1], F_GETPIPE_SZ);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	f->cap = (size_t) n;
	return 0;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int
relay_check_room(struct target *t)
{
	struct relay *i;
	unsigned n = 0;

	LIST_FOREACH(i, &t->relays, link)
		n++;
	if (n >= RELAY_PER_TARGET_MAX)
		return ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, -EDQUOT,
		    "Sandbox %llu (owner uid %u): broker connect refused: %u relayed sockets "
		    "open already.", (unsigned long long) t->id, (unsigned) t->owner_uid, n);
	return 0;
}

int
relay_new_consume(struct target *t, int fd, int type)
{
	_cleanup_close_ int net = fd, theirs = -1;
	struct relay *r;
	int sp[2], k;

	k = relay_check_room(t);
	if (k < 0)
		return k;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EPROTOTYPE;
	if (socketpair(AF_UNIX, (type == SOCK_STREAM ? SOCK_STREAM : SOCK_SEQPACKET) | SOCK_CLOEXEC,
	    0, sp) < 0)
		return -errno;
	theirs = sp[1];
	/* The pair lives in our network namespace, whose abstract socket
	 * names the target must not take (and squat) with bind(): its end
	 * gets a name now, one the kernel picks, and bind() then fails. */
	if (bind(theirs, &(struct sockaddr) { .sa_family = AF_UNIX }, sizeof(sa_family_t)) < 0) {
		k = -errno;
		safe_close(sp[0]);
		return k;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		safe_close(sp[0]);
		return -ENOMEM;
	}
	r->target = t;
	r->stream = type == SOCK_STREAM;
	r->connecting = true;
	r->net = TAKE_FD(net);
	r->loc = sp[0];
	r->up.pipe[0] = r->up.pipe[1] = r->down.pipe[0] = r->down.pipe[1] = -1;
	LIST_INSERT_HEAD(&t->relays, r, link);

	k = set_nonblock(r->net);
	if (k >= 0)
		k = set_nonblock(r->loc);
	if (k >= 0)
		k = flow_init(&r->up, r->loc, r->net, r->stream);
	if (k >= 0)
		k = flow_init(&r->down, r->net, r->loc, r->stream);
	if (k < 0) {
		relay_free(r);
		return k;
	}
	for (size_t j = 0; j < _EV_MAX; j++) {
		bool on_net = j == EV_NET_READ || j == EV_NET_WRITE;
		short what = j == EV_NET_READ || j == EV_LOC_READ ? EV_READ : EV_WRITE;

		r->ev[j] = event_new(t->manager->base, on_net ? r->net : r->loc, what | EV_PERSIST,
		    on_event, r);
		if (!r->ev[j]) {
			relay_free(r);
			return -ENOMEM;
		}
	}
	relay_arm(r);
	return TAKE_FD(theirs);
}
