/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Worker threads: where the daemon does what may block in the kernel (the
 * broker's file and socket actions), so that its event loop never does.
 * A work's run() is called on a worker thread, then its done() on the
 * loop thread. See workers.c.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>

struct event_base;
struct workers;

struct work {
	/* On a worker thread; may block. Not called if cancelled was set
	 * before a worker took the work. */
	void		(*run)(struct work *w);
	/* On the loop thread, once, after run() (or instead of it). */
	void		(*done)(struct work *w);
	atomic_bool	cancelled;
	struct work	*next;
};

/* At most max_threads threads, made when work arrives and none is idle. */
int workers_new(struct event_base *base, unsigned max_threads, struct workers **ret);
/* Queues w (owned by the caller until its done()). Fails only if there is
 * no thread at all and none can be made. */
int workers_submit(struct workers *ws, struct work *w);
/* Whether works wait for a thread. */
bool workers_queued(struct workers *ws);
/* At exit: idle threads leave, finished works get their done(); threads
 * still stuck in a run() are left to the process's exit, never waited
 * for beyond a moment. */
struct workers *workers_free(struct workers *ws);
