/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A rate limiter for log lines, keyed by the uid that caused them (in
 * sandboxd: SO_PEERCRED for a client, the owner for a sandbox). Each uid
 * may log `burst` lines per `interval`; what is dropped beyond that is
 * counted, and the count is reported ("N messages ... suppressed") with
 * that uid's next line that gets through. Memory is a fixed table of
 * RATELIMIT_UIDS entries; a uid not in it takes the entry used longest ago
 * (whose pending count is then reported at once), so a thousand uids cost
 * no more than a few.
 *
 * ratelimit_test() is pure (the clock is a parameter) so a unit test links
 * it alone; ratelimit_log() is the front end that logs through log.h, safe
 * to call from any thread.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

#define RATELIMIT_UIDS			64
/* A default window: ten lines a second. */
#define RATELIMIT_INTERVAL_USEC		(1000 * 1000ULL)
#define RATELIMIT_BURST			10

struct ratelimit_entry {
	uid_t		uid;
	bool		used;
	uint64_t	begin;		/* start of the current window, µs */
	uint64_t	last;		/* last message seen, µs: for eviction */
	unsigned	n;		/* messages in the window */
	unsigned	suppressed;	/* dropped since the last one let through */
};

struct ratelimit {
	pthread_mutex_t		lock;		/* ratelimit_log()'s */
	uint64_t		interval_usec;
	unsigned		burst;
	struct ratelimit_entry	entries[RATELIMIT_UIDS];
};

/* A count of dropped messages to report before the next line: n == 0
 * means nothing to report. */
struct ratelimit_report {
	uid_t		uid;
	unsigned	n;
};

void ratelimit_init(struct ratelimit *rl, uint64_t interval_usec, unsigned burst);
/*
 * Whether a message caused by uid at time now (µs, monotonic) may be
 * logged. When it may, *ret_report says how many messages were dropped
 * before it, for this uid or for the uid whose entry was just taken over.
 */
bool ratelimit_test(struct ratelimit *rl, uid_t uid, uint64_t now, struct ratelimit_report *ret_report);
/*
 * Logs fmt at level (%m: error) if uid's budget allows, preceded by the
 * "suppressed" line that is due. Returns error as a negative errno, like
 * log_*_errno(), whether or not anything was logged.
 */
int ratelimit_log(struct ratelimit *rl, uid_t uid, int level, int error, const char *fmt, ...)
    _printf_(5, 6);
