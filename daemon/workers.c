/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Worker threads. The loop thread queues works; a worker takes one, runs
 * it, and appends it to the finished list, writing the eventfd when that
 * list was empty; the loop thread then calls each finished work's done().
 * Threads are made on demand, when a work arrives and no thread is idle,
 * up to a cap; beyond WORKERS_IDLE_KEEP idle threads, one that has had
 * nothing to do for WORKERS_IDLE_SEC leaves.
 *
 * A run() that never returns (a file system that does not answer) keeps
 * its thread, and nothing can take it back: the kernel waits for such a
 * file system killably at best, and only the process's death kills. So
 * the callers bound how many of their works may be stuck (broker.c), and
 * at exit the threads are not waited for.
 *
 * What a worker inherits: it is made by the loop thread, which keeps
 * root's credentials and the host's namespaces whenever it can make one,
 * with every signal blocked (the loop thread takes them). A run() that
 * changes its thread's credentials (creds.c) restores them before it
 * returns.
 */
#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "workers.h"

#define WORKERS_IDLE_KEEP	2
#define WORKERS_IDLE_SEC	30
#define WORKERS_STACK_SIZE	(512 * 1024)
#define WORKERS_EXIT_WAIT_MS	100

struct workers {
	pthread_mutex_t	lock;
	pthread_cond_t	wake;		/* work queued, or stopping */
	pthread_cond_t	gone;		/* a thread left */
	struct work	*queue, **queue_tail;
	struct work	*finished, **finished_tail;
	unsigned	n_queued, n_threads, n_idle, max_threads;
	bool		stopping;
	bool		logged_full;	/* the loop thread's */
	int		efd;
	struct event	*ev;
};

static void
take_finished(struct workers *ws)
{
	struct work *w, *next;
	uint64_t v;

	(void) !read(ws->efd, &v, sizeof(v));
	pthread_mutex_lock(&ws->lock);
	w = ws->finished;
	ws->finished = NULL;
	ws->finished_tail = &ws->finished;
	pthread_mutex_unlock(&ws->lock);
	for (; w; w = next) {
		next = w->next;
		w->next = NULL;
		w->done(w);
	}
}

static void
on_finished(evutil_socket_t fd, short what, void *userdata)
{
	take_finished(userdata);
}

static void *
worker_main(void *userdata)
{
	struct workers *ws = userdata;

	pthread_mutex_lock(&ws->lock);
	for (;;) {
		struct work *w;
		bool was_empty;

		while (!ws->queue && !ws->stopping) {
			struct timespec until;
			int r;

			(void) clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += WORKERS_IDLE_SEC;
			ws->n_idle++;
			r = pthread_cond_timedwait(&ws->wake, &ws->lock, &until);
			ws->n_idle--;
			if (r == ETIMEDOUT && !ws->queue && ws->n_idle >= WORKERS_IDLE_KEEP)
				goto leave;
		}
		if (ws->stopping)
			goto leave;
		w = ws->queue;
		ws->queue = w->next;
		if (!ws->queue)
			ws->queue_tail = &ws->queue;
		ws->n_queued--;
		pthread_mutex_unlock(&ws->lock);

		if (!atomic_load(&w->cancelled))
			w->run(w);

		pthread_mutex_lock(&ws->lock);
		w->next = NULL;
		was_empty = !ws->finished;
		*ws->finished_tail = w;
		ws->finished_tail = &w->next;
		if (was_empty) {
			uint64_t one = 1;

			(void) !write(ws->efd, &one, sizeof(one));
		}
	}
leave:
	ws->n_threads--;
	pthread_cond_broadcast(&ws->gone);
	pthread_mutex_unlock(&ws->lock);
	return NULL;
}

static int
add_thread(struct workers *ws)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t tid;
	int r;

	if (pthread_attr_init(&attr) != 0)
		return -ENOMEM;
	(void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void) pthread_attr_setstacksize(&attr, WORKERS_STACK_SIZE);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&tid, &attr, worker_main, ws);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -r;
}

int
workers_new(struct event_base *base, unsigned max_threads, struct workers **ret)
{
	struct workers *ws = calloc(1, sizeof(*ws));
	pthread_condattr_t ca;

	if (!ws)
		return -ENOMEM;
	ws->queue_tail = &ws->queue;
	ws->finished_tail = &ws->finished;
	ws->max_threads = max_threads ? max_threads : 1;
	pthread_mutex_init(&ws->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ws->wake, &ca);
	pthread_cond_init(&ws->gone, &ca);
	pthread_condattr_destroy(&ca);
	ws->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ws->efd >= 0)
		ws->ev = event_new(base, ws->efd, EV_READ | EV_PERSIST, on_finished, ws);
	if (ws->efd < 0 || !ws->ev || event_add(ws->ev, NULL) < 0) {
		workers_free(ws);
		return -ENOMEM;
	}
	*ret = ws;
	return 0;
}

int
workers_submit(struct workers *ws, struct work *w)
{
	bool more, full;
	int r;

	pthread_mutex_lock(&ws->lock);
	more = ws->n_queued + 1 > ws->n_idle && ws->n_threads < ws->max_threads;
	if (more)
		ws->n_threads++;
	pthread_mutex_unlock(&ws->lock);
	if (more) {
		r = add_thread(ws);
		if (r < 0) {
			bool none;

			pthread_mutex_lock(&ws->lock);
			ws->n_threads--;
			none = ws->n_threads == 0;
			pthread_mutex_unlock(&ws->lock);
			log_warning_errno(r, "Cannot start a worker thread: %m");
			if (none)
				return r;
		}
	}
	pthread_mutex_lock(&ws->lock);
	w->next = NULL;
	*ws->queue_tail = w;
	ws->queue_tail = &w->next;
	ws->n_queued++;
	full = ws->n_queued > ws->n_idle && ws->n_threads >= ws->max_threads;
	pthread_cond_signal(&ws->wake);
	pthread_mutex_unlock(&ws->lock);
	/* Logged once until a work finds a thread again. */
	if (full && !ws->logged_full)
		log_warning("All %u worker threads are busy (stuck in file systems that do not "
		    "answer?); broker requests wait for one.", ws->max_threads);
	ws->logged_full = full;
	return 0;
}

bool
workers_queued(struct workers *ws)
{
	bool r;

	pthread_mutex_lock(&ws->lock);
	r = ws->n_queued > ws->n_idle;
	pthread_mutex_unlock(&ws->lock);
	return r;
}

struct workers *
workers_free(struct workers *ws)
{
	struct timespec until;
	unsigned left;

	if (!ws)
		return NULL;
	(void) clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WORKERS_EXIT_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ws->lock);
	ws->stopping = true;
	pthread_cond_broadcast(&ws->wake);
	while (ws->n_threads > 0 &&
	    pthread_cond_timedwait(&ws->gone, &ws->lock, &until) != ETIMEDOUT)
		;
	left = ws->n_threads;
	pthread_mutex_unlock(&ws->lock);
	/* Queued works were never taken: cancelled, they finish here too. */
	pthread_mutex_lock(&ws->lock);
	for (struct work *w = ws->queue; w; w = w->next)
		atomic_store(&w->cancelled, true);
	*ws->finished_tail = ws->queue;
	if (ws->queue)
		ws->finished_tail = ws->queue_tail;
	ws->queue = NULL;
	ws->queue_tail = &ws->queue;
	pthread_mutex_unlock(&ws->lock);
	if (ws->efd >= 0)
		take_finished(ws);
	if (left > 0) {
		/* They hold ws; the process's exit ends them. */
		log_info("Leaving %u worker thread(s) stuck in the kernel to the exit.", left);
		return NULL;
	}
	if (ws->ev)
		event_free(ws->ev);
	safe_close(ws->efd);
	pthread_cond_destroy(&ws->wake);
	pthread_cond_destroy(&ws->gone);
	pthread_mutex_destroy(&ws->lock);
	free(ws);
	return NULL;
}
