/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small libevent helpers. Header only: common/ links no libevent, so only
 * code that already uses libevent includes this.
 */
#pragma once

#ifdef SANDBOXD_ASYNC_SIGNAL_SAFE
#error "event-util.h in code that runs after clone3() (daemon/confine/): no event loop there"
#endif

#include <event2/event.h>
#include <stdint.h>
#include <sys/time.h>

/* Frees *e if set and clears it. */
static inline void
event_freep(struct event **e)
{
	if (*e) {
		event_free(*e);
		*e = NULL;
	}
}

/* A libevent timeout of ms milliseconds. */
static inline struct timeval
timeval_from_ms(uint64_t ms)
{
	return (struct timeval) { .tv_sec = (time_t) (ms / 1000), .tv_usec = (suseconds_t) (ms % 1000) * 1000 };
}
