/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See ratelimit.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"
#include "ratelimit.h"
#include "time-util.h"

void
ratelimit_init(struct ratelimit *rl, uint64_t interval_usec, unsigned burst)
{
	*rl = (struct ratelimit) { .interval_usec = interval_usec, .burst = burst };
	pthread_mutex_init(&rl->lock, NULL);
}

/* uid's entry, or the one to take over for it: a free one, else the one
 * used longest ago (its pending count goes to *ret_report). */
static struct ratelimit_entry *
find_entry(struct ratelimit *rl, uid_t uid, struct ratelimit_report *ret_report)
{
	struct ratelimit_entry *oldest = NULL;

	for (size_t i = 0; i < ELEMENTSOF(rl->entries); i++) {
		struct ratelimit_entry *e = &rl->entries[i];

		if (e->used && e->uid == uid)
			return e;
		if (!oldest || (oldest->used && (!e->used || e->last < oldest->last)))
			oldest = e;
	}
	if (oldest->used && oldest->suppressed > 0)
		*ret_report = (struct ratelimit_report) { .uid = oldest->uid, .n = oldest->suppressed };
	*oldest = (struct ratelimit_entry) { .uid = uid, .used = true };
	return oldest;
}

bool
ratelimit_test(struct ratelimit *rl, uid_t uid, uint64_t now, struct ratelimit_report *ret_report)
{
	struct ratelimit_report report = {};
	struct ratelimit_entry *e = find_entry(rl, uid, &report);

	e->last = now;
	if (e->n == 0 || now < e->begin || now - e->begin >= rl->interval_usec) {
		e->begin = now;
		e->n = 0;
	}
	if (e->n >= rl->burst) {
		e->suppressed++;
		return false;
	}
	e->n++;
	if (e->suppressed > 0) {
		report = (struct ratelimit_report) { .uid = uid, .n = e->suppressed };
		e->suppressed = 0;
	}
	*ret_report = report;
	return true;
}

int
ratelimit_log(struct ratelimit *rl, uid_t uid, int level, int error, const char *fmt, ...)
{
	struct ratelimit_report report;
	char buf[1024];
	va_list ap;
	bool pass;

	pthread_mutex_lock(&rl->lock);
	pass = ratelimit_test(rl, uid, now_usec(CLOCK_MONOTONIC), &report);
	pthread_mutex_unlock(&rl->lock);
	if (!pass)
		return error > 0 ? -error : error;
	if (report.n > 0)
		log_full_errno(level, 0, "%u messages caused by uid %u suppressed.", report.n,
		    (unsigned) report.uid);
	/* vsnprintf's %m reads errno, as log_internal()'s does. */
	errno = error < 0 ? -error : error;
	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return log_full_errno(level, error, "%s", buf);
}
