/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading clocks. Header only. */
#pragma once

#include <stdint.h>
#include <time.h>

/* clock (CLOCK_MONOTONIC, CLOCK_REALTIME, ...) in microseconds. */
static inline uint64_t
now_usec(clockid_t clock)
{
	struct timespec ts;

	(void) clock_gettime(clock, &ts);
	return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}
