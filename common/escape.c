/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See escape.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

/* Longest output for one input unit: "\xc2\x9b" for a C1 control. */
#define UNIT_MAX 8

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 1..4, with
 * its code point in *ret_cp; 0 when the bytes there are not one.
 */
static size_t
utf8_sequence(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*ret_cp = cp;
	return len;
}

static size_t
hex_bytes(char *out, const unsigned char *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += (size_t) snprintf(out + k, UNIT_MAX + 1 - k, "\\x%02x", p[i]);
	return k;
}

/*
 * Escapes the unit (one byte or one UTF-8 sequence) at p, n bytes left,
 * into out (UNIT_MAX + 1 bytes). Returns the bytes of input it took and
 * stores the output's length in *ret_len.
 */
static size_t
escape_unit(const unsigned char *p, size_t n, unsigned flags, char *out, size_t *ret_len)
{
	bool json = flags & ESCAPE_JSON, text = !json && (flags & ESCAPE_TEXT), keep;
	uint32_t cp;
	size_t l = utf8_sequence(p, n, &cp);

	if (l == 0) {
		if (json)
			*ret_len = (size_t) snprintf(out, UNIT_MAX + 1, "\\ufffd");
		else
			*ret_len = hex_bytes(out, p, 1);
		return 1;
	}
	/* Multi-line text keeps its lines, tabs and backslashes. */
	keep = text && (cp == '\n' || cp == '\t' || cp == '\\');
	if (!keep && (cp == '\n' || cp == '\t' || cp == '\\' || (json && cp == '"'))) {
		out[0] = '\\';
		out[1] = cp == '\n' ? 'n' : cp == '\t' ? 't' : (char) cp;
		*ret_len = 2;
		return 1;
	}
	if (!keep && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))) {
		if (json)
			*ret_len = (size_t) snprintf(out, UNIT_MAX + 1, "\\u%04x", (unsigned) cp);
		else
			*ret_len = hex_bytes(out, p, l);
		return l;
	}
	memcpy(out, p, l);
	*ret_len = l;
	return l;
}

/* Calls fn with each escaped unit of s in turn; stops at fn's first error. */
static int
escape_walk(const char *s, unsigned flags, int (*fn)(const char *unit, size_t len, void *userdata),
    void *userdata)
{
	const unsigned char *p = (const unsigned char *) (s ? s : "");
	size_t n = strlen((const char *) p);

	while (n > 0) {
		char unit[UNIT_MAX + 1];
		size_t len, took = escape_unit(p, n, flags, unit, &len);
		int r = fn(unit, len, userdata);

		if (r < 0)
			return r;
		p += took;
		n -= took;
	}
	return 0;
}

struct bounded {
	char	*buf;
	size_t	size;
	size_t	written;
	size_t	total;
	bool	cut;
};

static int
put_bounded(const char *unit, size_t len, void *userdata)
{
	struct bounded *b = userdata;

	/* Once one unit did not fit, none after it is written either. */
	if (!b->cut && b->written + len < b->size) {
		memcpy(b->buf + b->written, unit, len);
		b->written += len;
	} else
		b->cut = true;
	b->total += len;
	return 0;
}

size_t
escape_cstr(char *buf, size_t size, const char *s, unsigned flags)
{
	struct bounded b = { .buf = buf, .size = size };

	(void) escape_walk(s, flags, put_bounded, &b);
	if (size > 0)
		buf[b.written] = '\0';
	return b.total;
}

static int
put_file(const char *unit, size_t len, void *userdata)
{
	return fwrite(unit, 1, len, userdata) == len ? 0 : -EIO;
}

int
escape_fputs(const char *s, unsigned flags, FILE *f)
{
	return escape_walk(s, flags, put_file, f);
}

static int
count_columns(const char *unit, size_t len, void *userdata)
{
	size_t *cols = userdata;

	/* A code point a column: escapes are ASCII, the rest one sequence. */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char) unit[i] & 0xc0) != 0x80)
			(*cols)++;
	return 0;
}

size_t
escape_columns(const char *s, unsigned flags)
{
	size_t cols = 0;

	(void) escape_walk(s, flags, count_columns, &cols);
	return cols;
}
