/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See signal-util.h. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"
#include "signal-util.h"

int
signal_from_string(const char *s, int *ret)
{
	/* Names sigabbrev_np() does not give, and the ones it gives instead. */
	static const char *const aliases[][2] = {
		{ "IOT", "ABRT" },
		{ "IO", "POLL" },
	};
	uint64_t n;

	if (!s)
		return -EINVAL;
	if (parse_u64(s, &n) == 0) {
		if (n >= NSIG)
			return -ERANGE;
		*ret = (int) n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ELEMENTSOF(aliases); i++)
		if (strcasecmp(s, aliases[i][0]) == 0)
			s = aliases[i][1];
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && strcasecmp(s, name) == 0) {
			*ret = sig;
			return 0;
		}
	}
	return -EINVAL;
}
