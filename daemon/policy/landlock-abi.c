/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See landlock-abi.h. */
#include <stdio.h>

#include "landlock-abi.h"
#include "macro.h"

static const struct {
	int		abi;
	const char	*what;
} parts[] = {
	{ LANDLOCK_ABI_TRUNCATE, "truncation rules" },
	{ LANDLOCK_ABI_NET_TCP, "TCP rules" },
	{ LANDLOCK_ABI_IOCTL_DEV, "device ioctl rules" },
	{ LANDLOCK_ABI_SCOPE, "signal and abstract-socket scoping" },
};

int
landlock_abi_missing(int abi, char *buf, size_t size)
{
	size_t len = 0;
	int n = 0, left = 0;

	if (size > 0)
		buf[0] = '\0';
	if (abi <= 0)
		return -1;
	for (size_t i = 0; i < ELEMENTSOF(parts); i++)
		left += parts[i].abi > abi;
	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		int w;

		if (parts[i].abi <= abi)
			continue;
		n++;
		w = snprintf(buf + len, size - len, "%s%s (ABI %d)",
		    n == 1 ? "without " : n == left ? " and " : ", ", parts[i].what, parts[i].abi);
		if (w < 0 || (size_t) w >= size - len)
			break;
		len += (size_t) w;
	}
	return left;
}
