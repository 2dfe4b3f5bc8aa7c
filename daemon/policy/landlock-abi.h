/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which Landlock ABI brings which part of a sandbox's ruleset
 * (confine-landlock.c), and what an older kernel's ABI leaves out. Pure:
 * the unit tests link it alone.
 */
#pragma once

#include <stddef.h>

enum {
	LANDLOCK_ABI_REFER = 2,		/* renames and links across directories */
	LANDLOCK_ABI_TRUNCATE = 3,
	LANDLOCK_ABI_NET_TCP = 4,
	LANDLOCK_ABI_IOCTL_DEV = 5,
	LANDLOCK_ABI_SCOPE = 6,		/* signals and abstract UNIX sockets */
	LANDLOCK_ABI_FULL = LANDLOCK_ABI_SCOPE,
};

/*
 * Writes to buf what a ruleset built for ABI abi (≥ 1) lacks of the full
 * one, as "without X (ABI n), Y (ABI m) and Z (ABI k)", and returns the
 * number of parts left out (0: nothing, buf is ""). For abi ≤ 0 there is
 * no Landlock at all: returns -1 and buf is "".
 */
int landlock_abi_missing(int abi, char *buf, size_t size);
