/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loopback in the current network namespace. Only system calls, so a
 * freshly cloned child may use these. */
#pragma once

#include <stdbool.h>

/* Brings "lo" up (needs CAP_NET_ADMIN over the namespace). */
int loopback_up(void);
/* 0 if "lo" is up, -ENETDOWN if not, or another negative errno. */
int loopback_check(void);
