/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See netns-pool.h. Privileged: unshare/setns as root, loopback up. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "event-util.h"
#include "log.h"
#include "macro.h"
#include "net-util.h"
#include "netns-pool.h"
#include "time-util.h"

#define POOL_MAX 16
/* After a failure the pool rests this long: a daemon without
 * CAP_NET_ADMIN would otherwise fail (and log) after every spawn. */
#define POOL_RETRY_USEC (5 * 60 * 1000000ULL)

struct netns_pool {
	int		own;		/* the daemon's network namespace */
	int		fds[POOL_MAX];
	unsigned	n, size;
	struct event	*ev_refill;
	uint64_t	retry_usec;	/* CLOCK_MONOTONIC; 0: not resting */
	bool		failing;	/* the failure is logged; recovery will be */
};

/* Whether the pool may try to make a namespace now. */
static bool
pool_may_try(struct netns_pool *p)
{
	return p->retry_usec == 0 || now_usec(CLOCK_MONOTONIC) >= p->retry_usec;
}

/* Logged once per failing period, not once per spawn. */
static void
pool_failed(struct netns_pool *p, int r)
{
	p->retry_usec = now_usec(CLOCK_MONOTONIC) + POOL_RETRY_USEC;
	if (p->failing)
		return;
	p->failing = true;
	log_warning_errno(r, "Cannot prepare network namespaces ahead of spawns (a pool of %u "
	    "kept ready to make spawns faster; this needs CAP_NET_ADMIN): %m. Each sandbox makes "
	    "its own network namespace as it starts instead, which works but is slower; trying "
	    "again in %llu s.", p->size, POOL_RETRY_USEC / 1000000);
}

static void
pool_succeeded(struct netns_pool *p)
{
	p->retry_usec = 0;
	if (!p->failing)
		return;
	p->failing = false;
	log_info("Network namespaces are prepared ahead of spawns again.");
}

/* A new, empty namespace with loopback up; we return to our own. */
static int
make_one(struct netns_pool *p)
{
	int fd, r;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	r = loopback_up();
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 && r >= 0)
		r = -errno;
	if (setns(p->own, CLONE_NEWNET) < 0) {
		/* Not back home: nothing may go on in the wrong namespace. */
		log_emerg_errno(errno, "Cannot return to the daemon's network namespace: %m");
		abort();
	}
	if (r < 0) {
		safe_close(fd);
		return r;
	}
	return fd;
}

static void
on_refill(evutil_socket_t unused, short what, void *userdata)
{
	struct netns_pool *p = userdata;
	int fd;

	if (p->n >= p->size || !pool_may_try(p))
		return;
	fd = make_one(p);
	if (fd < 0) {
		pool_failed(p, fd);
		return;
	}
	pool_succeeded(p);
	p->fds[p->n++] = fd;
	/* One per turn of the loop: requests are never kept waiting long. */
	if (p->n < p->size)
		event_active(p->ev_refill, EV_TIMEOUT, 0);
}

int
netns_pool_new(struct event_base *base, unsigned size, struct netns_pool **ret)
{
	_cleanup_(netns_pool_freep) struct netns_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->size = size < POOL_MAX ? size : POOL_MAX;
	p->own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->own < 0)
		return -errno;
	p->ev_refill = event_new(base, -1, 0, on_refill, p);
	if (!p->ev_refill)
		return -ENOMEM;
	/* Low priority would be nicer; libevent runs active events after the
	 * current callback, which is enough to keep them off a reply's path. */
	if (p->size > 0)
		event_active(p->ev_refill, EV_TIMEOUT, 0);
	*ret = TAKE_PTR(p);
	return 0;
}

struct netns_pool *
netns_pool_free(struct netns_pool *p)
{
	if (!p)
		return NULL;
	event_freep(&p->ev_refill);
	for (unsigned i = 0; i < p->n; i++)
		safe_close(p->fds[i]);
	safe_close(p->own);
	free(p);
	return NULL;
}

int
netns_pool_take(struct netns_pool *p)
{
	int fd;

	if (p->n > 0)
		fd = p->fds[--p->n];
	else if (!pool_may_try(p))
		return -EAGAIN;		/* the sandbox makes its own */
	else if ((fd = make_one(p)) < 0)
		pool_failed(p, fd);
	if (p->size > 0)
		event_active(p->ev_refill, EV_TIMEOUT, 0);
	return fd;
}

int
netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

void
netns_leave(struct netns_pool *p)
{
	if (setns(p->own, CLONE_NEWNET) < 0) {
		log_emerg_errno(errno, "Cannot return to the daemon's network namespace: %m");
		abort();
	}
}
