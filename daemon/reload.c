/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reloading the policies on a worker thread; see reload.h. */
#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <systemd/sd-daemon.h>

#include "event-util.h"
#include "log.h"
#include "manager.h"
#include "policy-store.h"
#include "reload.h"
#include "workers.h"

struct reload_waiter {
	LIST_ENTRY(reload_waiter) link;
	reload_done_t		done;
	void			*owner;
	uint64_t		cookie;
};
LIST_HEAD(reload_waiters, reload_waiter);

/* One load. The worker touches only dirs (the settings', fixed after
 * start-up), store and r; the loop thread everything, after run(). */
struct reload_job {
	struct work		work;
	struct reloader		*rl;
	char *const		*dirs;
	struct policy_store	*store;
	int			r;
	bool			abandoned;	/* timed out: its result is dropped */
};

struct reloader {
	struct manager		*manager;
	struct reload_job	*job;		/* in flight, not abandoned */
	struct reload_waiters	waiting;	/* hear of the job in flight */
	struct reload_waiters	next;		/* hear of the one after it */
	bool			again;		/* asked for during the job: one more */
	unsigned		n_stuck;	/* abandoned jobs still in a worker */
	struct event		*ev_timeout;
};

/* Tells owner's waiters in l (every one's: owner NULL) and drops them. */
static void
tell(struct reload_waiters *l, void *owner, int error, const char *message)
{
	struct reload_waiter *w, *n;

	for (w = LIST_FIRST(l); w; w = n) {
		n = LIST_NEXT(w, link);
		if (owner && w->owner != owner)
			continue;
		LIST_REMOVE(w, link);
		w->done(w->owner, w->cookie, error, message);
		free(w);
	}
}

static void start_job(struct reloader *rl);

/* The job in flight is over (done, failed or given up): its requesters
 * are told, and the next one starts if it was asked for. */
static void
job_over(struct reloader *rl, int error, const char *message)
{
	rl->job = NULL;
	event_del(rl->ev_timeout);
	(void) sd_notify(0, "READY=1");
	tell(&rl->waiting, NULL, error, message);
	if (rl->again && !rl->manager->shutting_down) {
		rl->again = false;
		/* LIST_HEAD is not movable by assignment: relink each. */
		while (LIST_FIRST(&rl->next)) {
			struct reload_waiter *w = LIST_FIRST(&rl->next);

			LIST_REMOVE(w, link);
			LIST_INSERT_HEAD(&rl->waiting, w, link);
		}
		start_job(rl);
	}
}

/* A load that put the new set in place but skipped broken files is still
 * a failure to whoever asked: -EBADMSG, and which ones. */
static int
broken_message(const struct policy_store *s, char *buf, size_t size)
{
	size_t n = strv_length(s->broken), l;

	if (n == 0)
		return 0;
	l = (size_t) snprintf(buf, size, "%zu polic%s did not load (the daemon's log names each "
	    "file and line); each keeps its previous version if it had one:", n,
	    n == 1 ? "y" : "ies");
	for (size_t i = 0; i < n && l < size; i++)
		l += (size_t) snprintf(buf + l, size - l, " %s", s->broken[i]);
	return -EBADMSG;
}

static void
job_run(struct work *w)
{
	struct reload_job *job = container_of(w, struct reload_job, work);

	job->r = policy_store_load(job->dirs, &job->store);
}

static void
job_done(struct work *w)
{
	struct reload_job *job = container_of(w, struct reload_job, work);
	struct reloader *rl = job->rl;
	struct manager *m = rl->manager;
	char message[512];
	int r = job->r;

	if (job->abandoned) {
		log_info("A reload given up on has come back; its result is dropped.");
		rl->n_stuck--;
		goto out;
	}
	if (r >= 0)
		r = policy_store_keep(job->store, m->policies);
	if (r < 0) {
		log_error_errno(r, "Failed to reload policies, keeping the current set: %m");
		(void) snprintf(message, sizeof(message), "the policies did not load (%s), the "
		    "current set stays; the daemon's log names each file and line", strerror(-r));
		job_over(rl, r, message);
		goto out;
	}
	policy_store_free(m->policies);
	m->policies = TAKE_PTR(job->store);
	log_info("Loaded %zu policies.", m->policies->n);
	manager_want_spares(m);
	r = broken_message(m->policies, message, sizeof(message));
	job_over(rl, r, r < 0 ? message : NULL);
out:
	policy_store_free(job->store);
	free(job);
}

static void
on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct reloader *rl = userdata;

	log_warning("The reload has not finished in %d s (a policy's [Broker] directory may be on "
	    "a file system that does not answer); giving up on it, the current set stays.",
	    RELOAD_TIMEOUT_SEC);
	rl->job->abandoned = true;
	rl->n_stuck++;
	job_over(rl, -ETIMEDOUT, "the reload did not finish in time (a policy's [Broker] "
	    "directory may be on a file system that does not answer); the current set stays");
}

static void
start_job(struct reloader *rl)
{
	struct manager *m = rl->manager;
	struct timeval tv = { .tv_sec = RELOAD_TIMEOUT_SEC };
	struct reload_job *job;

	if (rl->n_stuck >= RELOAD_STUCK_MAX) {
		tell(&rl->waiting, NULL, -EBUSY, "earlier reloads are stuck in a file system");
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		log_oom();
		tell(&rl->waiting, NULL, -ENOMEM, "out of memory");
		return;
	}
	*job = (struct reload_job) {
		.work = { .run = job_run, .done = job_done },
		.rl = rl,
		.dirs = m->conf.policy_dirs,
	};
	log_info("Reloading policies.");
	(void) sd_notify(0, "RELOADING=1");
	if (workers_submit(m->workers, &job->work) < 0) {
		free(job);
		(void) sd_notify(0, "READY=1");
		tell(&rl->waiting, NULL, -EAGAIN, "no worker thread to load the policies");
		return;
	}
	rl->job = job;
	(void) evtimer_add(rl->ev_timeout, &tv);
}

int
reload_start(struct reloader *rl, reload_done_t done, void *owner, uint64_t cookie)
{
	struct reload_waiter *w = NULL;

	if (rl->n_stuck >= RELOAD_STUCK_MAX)
		return -EBUSY;
	if (done) {
		w = malloc(sizeof(*w));
		if (!w)
			return -ENOMEM;
		*w = (struct reload_waiter) { .done = done, .owner = owner, .cookie = cookie };
	}
	if (rl->job) {
		/* It may have read the files already: one more after it. */
		rl->again = true;
		if (w)
			LIST_INSERT_HEAD(&rl->next, w, link);
		return 0;
	}
	if (w)
		LIST_INSERT_HEAD(&rl->waiting, w, link);
	start_job(rl);
	return 0;
}

void
reload_cancel(struct reloader *rl, void *owner)
{
	if (!rl)
		return;
	tell(&rl->waiting, owner, -ECANCELED, NULL);
	tell(&rl->next, owner, -ECANCELED, NULL);
}

int
reloader_new(struct manager *m, struct reloader **ret)
{
	struct reloader *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return -ENOMEM;
	rl->manager = m;
	LIST_INIT(&rl->waiting);
	LIST_INIT(&rl->next);
	rl->ev_timeout = evtimer_new(m->base, on_timeout, rl);
	if (!rl->ev_timeout) {
		free(rl);
		return -ENOMEM;
	}
	*ret = rl;
	return 0;
}

struct reloader *
reloader_free(struct reloader *rl)
{
	if (!rl)
		return NULL;
	reload_cancel(rl, NULL);
	/* A job still in flight is stuck in a worker thread that the
	 * process's exit ends (workers_free()); it is left to it. */
	if (rl->job)
		rl->job->abandoned = true;
	event_freep(&rl->ev_timeout);
	free(rl);
	return NULL;
}
