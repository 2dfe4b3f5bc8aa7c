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
#include "string-util.h"

#define INI_LINE_MAX 4096

void
ini_diags_add(struct ini_diags *d, unsigned line, enum ini_severity severity, int error,
    const char *fmt, ...)
{
	va_list ap;

	if (severity == INI_ERROR) {
		d->n_errors++;
		if (d->error == 0)
			d->error = error < 0 ? error : -EINVAL;
	} else
		d->n_warnings++;
	if (d->n >= INI_DIAGS_MAX)
		return;
	d->v[d->n] = (struct ini_diag) { .line = line, .severity = severity };
	va_start(ap, fmt);
	(void) vsnprintf(d->v[d->n].message, sizeof(d->v[d->n].message), fmt, ap);
	va_end(ap);
	d->n++;
}

void
ini_diags_sort(struct ini_diags *d)
{
	/* Insertion sort: stable, and v is short. */
	for (unsigned i = 1; i < d->n; i++) {
		struct ini_diag x = d->v[i];
		unsigned j = i;

		while (j > 0 && (x.line != 0 && (d->v[j - 1].line == 0 || d->v[j - 1].line > x.line))) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = x;
	}
}

/* Where a line's error goes: the first one stops ini_parse() (err), every
 * one is collected by ini_parse_all() (diags). */
struct ini_sink {
	struct ini_error	*err;
	struct ini_diags	*diags;
	const struct ini_key	*keys;		/* if set: the sections a header may name */
	size_t			n_keys;
};

/* Returns the error to stop with, or 0 to go on with the next line. */
static int _printf_(4, 5)
ini_fail(struct ini_sink *sink, unsigned line, int error, const char *fmt, ...)
{
	char message[INI_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (sink->diags) {
		ini_diags_add(sink->diags, line, INI_ERROR, error, "%s", message);
		return error == -ENOMEM ? error : 0;
	}
	if (sink->err)
		sink->err->line = line;
	return error_msg_setf(sink->err ? &sink->err->msg : NULL, -error, "%s", message);
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

const struct ini_key *
ini_key_find(const struct ini_key *keys, size_t n_keys, const char *section, const char *key)
{
	for (size_t i = 0; i < n_keys; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

bool
ini_keys_have_section(const struct ini_key *keys, size_t n_keys, const char *section)
{
	for (size_t i = 0; i < n_keys; i++)
		if (strcmp(keys[i].section, section) == 0)
			return true;
	return false;
}

static bool
ini_name_is_valid(const char *s)
{
	return string_is_name_n(s, strlen(s));
}

static int
ini_run(const char *text, ini_handler handler, void *userdata, struct ini_sink *sink)
{
	char section[INI_LINE_MAX + 1] = "";
	char buf[INI_LINE_MAX + 1];
	const char *p = text;
	bool skip = false;	/* keys under a bad section header */
	unsigned line = 0;
	int r;

	while (*p) {
		const char *start = p, *eol = strchr(p, '\n');
		size_t len = eol ? (size_t) (eol - p) : strlen(p);
		struct ini_error herr = {};
		char *s, *eq, *key, *value;

		line++;
		p = eol ? eol + 1 : p + len;
		if (len > INI_LINE_MAX) {
			r = ini_fail(sink, line, -EBADMSG, "line too long (over %d bytes)",
			    INI_LINE_MAX);
			if (r < 0)
				return r;
			continue;
		}
		memcpy(buf, start, len);
		buf[len] = '\0';

		s = ini_strip(buf);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;

		if (*s == '[') {
			size_t n = strlen(s);

			skip = true;
			if (s[n - 1] != ']') {
				r = ini_fail(sink, line, -EBADMSG, "malformed section header");
				if (r < 0)
					return r;
				continue;
			}
			s[n - 1] = '\0';
			s = ini_strip(s + 1);
			if (!ini_name_is_valid(s)) {
				r = ini_fail(sink, line, -EBADMSG, "invalid section name '%.64s'", s);
				if (r < 0)
					return r;
				continue;
			}
			if (sink->keys && !ini_keys_have_section(sink->keys, sink->n_keys, s)) {
				r = ini_fail(sink, line, -EINVAL, "unknown section [%.64s]", s);
				if (r < 0)
					return r;
				continue;
			}
			memcpy(section, s, strlen(s) + 1);
			skip = false;
			continue;
		}
		if (skip)
			continue;

		eq = strchr(s, '=');
		if (!eq) {
			r = ini_fail(sink, line, -EBADMSG, "expected 'Key=Value', missing '='");
			if (r < 0)
				return r;
			continue;
		}
		*eq = '\0';
		key = ini_strip(s);
		value = ini_strip(eq + 1);
		if (!ini_name_is_valid(key)) {
			r = ini_fail(sink, line, -EBADMSG, "invalid key name '%.64s'", key);
			if (r < 0)
				return r;
			continue;
		}

		r = handler(section, key, value, line, userdata, &herr);
		if (r < 0) {
			if (herr.message[0] == '\0')
				(void) error_msg_setf(&herr.msg, -r, "invalid value for %s=: %s", key,
				    strerror(-r));
			r = ini_fail(sink, line, r, "%s", herr.message);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int
ini_parse(const char *text, ini_handler handler, void *userdata, struct ini_error *err)
{
	struct ini_sink sink = { .err = err };

	if (err) {
		err->line = 0;
		err->message[0] = '\0';
	}
	if (!text || !handler)
		return -EINVAL;
	return ini_run(text, handler, userdata, &sink);
}

int
ini_parse_all_known(const char *text, const struct ini_key *keys, size_t n_keys,
    ini_handler handler, void *userdata, struct ini_diags *diags)
{
	struct ini_sink sink = { .diags = diags, .keys = keys, .n_keys = n_keys };
	int r;

	if (!text || !handler || !diags)
		return -EINVAL;
	r = ini_run(text, handler, userdata, &sink);
	return r < 0 ? r : diags->error;
}

int
ini_parse_all(const char *text, ini_handler handler, void *userdata, struct ini_diags *diags)
{
	return ini_parse_all_known(text, NULL, 0, handler, userdata, diags);
}
