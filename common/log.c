/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * See log.h. Set up from one thread; records may then come from any (the
 * daemon's worker threads log while loading policies): each is formatted
 * on the stack and written with one fprintf(), which locks stderr.
 *
 * Every record is one line: the formatted message is escaped as a whole
 * (escape.h), so no string a peer chose (an argv, a path, a policy name, a
 * daemon's error text) can end the line and forge a "<N>" record of its
 * own, nor reach a terminal as a control sequence. Only our prefix and the
 * final newline are written raw.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "log.h"

static int max_level = LOG_INFO;
static bool prefix_priority;
static const char *ident;

void
log_set_max_level(int level)
{
	max_level = level;
}

int
log_get_max_level(void)
{
	return max_level;
}

void
log_set_prefix_priority(bool b)
{
	prefix_priority = b;
}

void
log_set_ident(const char *s)
{
	ident = s;
}

int
log_internal(int level, int error, const char *fmt, ...)
{
	/* Escaping makes at most four bytes of one, so nothing is cut twice. */
	char buf[2048], line[4 * sizeof(buf)];
	va_list ap;
	int saved = errno;

	if (error < 0)
		error = -error;
	/* glibc's %m reads errno: make it the error we were given. */
	errno = error;
	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void) escape_cstr(line, sizeof(line), buf, 0);

	if (prefix_priority)
		fprintf(stderr, "<%d>%s\n", level, line);
	else if (ident)
		fprintf(stderr, "%s: %s\n", ident, line);
	else
		fprintf(stderr, "%s\n", line);

	errno = saved;
	return error > 0 ? -error : 0;
}
