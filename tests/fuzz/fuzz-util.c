/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See fuzz.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "testdaemon.h"

void
fuzz_open_fds(int *fds, size_t n, unsigned kinds)
{
	for (size_t i = 0; i < n; i++) {
		int p[2];

		if (kinds & (1u << i)) {
			if (pipe2(p, O_CLOEXEC) < 0)
				abort();
			(void) close(p[1]);
			fds[i] = p[0];
		} else {
			fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (fds[i] < 0)
				abort();
		}
	}
}

void
fuzz_assert_fds(unsigned before, const char *what)
{
	unsigned after = testlib_count_fds();

	if (after != before) {
		fprintf(stderr, "%s: %u fds open before, %u after: a leak\n", what, before, after);
		abort();
	}
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
