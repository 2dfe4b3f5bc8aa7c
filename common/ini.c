/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict INI tokenizer (see ini.h). Each line is copied into a bounded
 * buffer, so a line longer than INI_LINE_MAX is an error rather than a
 * silent truncation. Section and key names are restricted to
 * [A-Za-z0-9_-] so nothing odd reaches the handler or the log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ini.h"
#include "macro.h"

#define INI_LINE_MAX 4096

static int _printf_(3, 4)
ini_fail(struct ini_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->line = line;
		va_start(ap, fmt);
		(void) vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static bool
ini_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Strips whitespace in place; returns the start of the stripped string. */
static char *
ini_strip(char *s)
{
	size_t n;

	while (ini_is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && ini_is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool
ini_name_is_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

int
ini_parse(const char *text, ini_handler handler, void *userdata, struct ini_error *err)
{
	char section[INI_LINE_MAX + 1] = "";
	char buf[INI_LINE_MAX + 1];
	const char *p = text;
	unsigned line = 0;
	int r;

	if (!text || !handler)
		return -EINVAL;
	if (err) {
		err->line = 0;
		err->message[0] = '\0';
	}

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t) (eol - p) : strlen(p);
		char *s, *eq, *key, *value;

		line++;
		if (len > INI_LINE_MAX)
			return ini_fail(err, line, "line too long (over %d bytes)", INI_LINE_MAX);
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = eol ? eol + 1 : p + len;

		s = ini_strip(buf);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;

		if (*s == '[') {
			size_t n = strlen(s);

			if (s[n - 1] != ']')
				return ini_fail(err, line, "malformed section header");
			s[n - 1] = '\0';
			s = ini_strip(s + 1);
			if (!ini_name_is_valid(s))
				return ini_fail(err, line, "invalid section name '%.64s'", s);
			memcpy(section, s, strlen(s) + 1);
			continue;
		}

		eq = strchr(s, '=');
		if (!eq)
			return ini_fail(err, line, "expected 'Key=Value', missing '='");
		*eq = '\0';
		key = ini_strip(s);
		value = ini_strip(eq + 1);
		if (!ini_name_is_valid(key))
			return ini_fail(err, line, "invalid key name '%.64s'", key);

		r = handler(section, key, value, line, userdata, err);
		if (r < 0) {
			if (err) {
				err->line = line;
				if (err->message[0] == '\0')
					(void) snprintf(err->message, sizeof(err->message),
					    "invalid value for %s=: %s", key, strerror(-r));
			}
			return r;
		}
	}
	return 0;
}
