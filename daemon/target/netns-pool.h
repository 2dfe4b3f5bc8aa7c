/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network namespaces made ahead of time. Creating a network namespace is
 * the single most expensive step of a spawn (bench-spawn measures it), so
 * the daemon keeps a few empty ones ready, each with only
 * loopback, up. Every sandbox still gets its own (never shared: sandboxes
 * must not meet on 127.0.0.1); the pool only moves the creation off the
 * spawn path. The namespaces belong to the initial user namespace, so a
 * target cannot reconfigure its loopback (it has no CAP_NET_ADMIN there).
 */
#pragma once

#include "macro.h"

struct event_base;
struct netns_pool;

int netns_pool_new(struct event_base *base, unsigned size, struct netns_pool **ret);
struct netns_pool *netns_pool_free(struct netns_pool *p);
DEFINE_FREEP(struct netns_pool, netns_pool_free);
/* Returns an fd of a fresh network namespace (the caller owns it), made
 * now if the pool is empty; schedules a refill. Negative errno if none can
 * be made (then the caller's clone makes one); after a failure the pool
 * rests a few minutes (-EAGAIN) and logs once, not at every spawn. */
int netns_pool_take(struct netns_pool *p);
/* Moves the daemon into network namespace fd (so that a child cloned now
 * starts there), and back; leaving cannot fail (it aborts instead). */
int netns_enter(int fd);
void netns_leave(struct netns_pool *p);
