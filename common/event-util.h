/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small libevent helpers. Header only: common/ links no libevent, so only
 * code that already uses libevent includes this.
 */
#pragma once

#include <event2/event.h>

/* Frees *e if set and clears it. */
static inline void
event_freep(struct event **e)
{
	if (*e) {
		event_free(*e);
		*e = NULL;
	}
}
