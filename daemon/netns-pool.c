/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See netns-pool.h. Privileged: unshare/setns as root, loopback up. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "net-util.h"
#include "netns-pool.h"

#define POOL_MAX 16

struct netns_pool {
	int		own;		/* the daemon's network namespace */
	int		fds[POOL_MAX];
	unsigned	n, size;
	struct event	*ev_refill;
};

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

	if (p->n >= p->size)
		return;
	fd = make_one(p);
	if (fd < 0) {
		log_warning_errno(fd, "Cannot prepare a network namespace, ignoring: %m");
		return;
	}
	p->fds[p->n++] = fd;
	/* One per turn of the loop: requests are never kept waiting long. */
	if (p->n < p->size)
		event_active(p->ev_refill, EV_TIMEOUT, 0);
}

int
netns_pool_new(struct event_base *base, unsigned size, struct netns_pool **ret)
{
	struct netns_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->size = size < POOL_MAX ? size : POOL_MAX;
	p->own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->own < 0) {
		int r = -errno;

		free(p);
		return r;
	}
	p->ev_refill = event_new(base, -1, 0, on_refill, p);
	if (!p->ev_refill) {
		netns_pool_free(p);
		return -ENOMEM;
	}
	/* Low priority would be nicer; libevent runs active events after the
	 * current callback, which is enough to keep them off a reply's path. */
	if (p->size > 0)
		event_active(p->ev_refill, EV_TIMEOUT, 0);
	*ret = p;
	return 0;
}

struct netns_pool *
netns_pool_free(struct netns_pool *p)
{
	if (!p)
		return NULL;
	if (p->ev_refill)
		event_free(p->ev_refill);
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
	else
		fd = make_one(p);
	if (p->size > 0)
		event_active(p->ev_refill, EV_TIMEOUT, 0);
	return fd;
}

int
netns_enter(struct netns_pool *p, int fd)
{
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int
netns_leave(struct netns_pool *p)
{
	if (setns(p->own, CLONE_NEWNET) < 0) {
		log_emerg_errno(errno, "Cannot return to the daemon's network namespace: %m");
		abort();
	}
	return 0;
}
