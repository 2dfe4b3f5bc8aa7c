/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Escaping of strings that others chose (a peer's argv, a path a target
 * asked for, a policy name, a daemon's error text) before they reach a log
 * record, a terminal or a JSON document. Nothing here allocates.
 *
 * The default (C-style) escaping writes "\n", "\t" and "\\" for newline,
 * tab and backslash, and "\xNN" (two lower-case hex digits) for every other
 * C0 control byte, DEL, each byte of a C1 control (U+0080..U+009F, which
 * some terminals obey like ESC) and each byte that is not part of valid
 * UTF-8 (a stray continuation byte, an overlong form, a surrogate, a value
 * past U+10FFFF, a sequence cut short). Valid printable UTF-8 stays as it
 * is, so the result is valid UTF-8 without a byte a terminal acts on.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

enum {
	/* Text meant to span lines (a policy file shown to its reader):
	 * newline, tab and backslash pass through, so text without control
	 * bytes comes out unchanged; everything else as above. */
	ESCAPE_TEXT = 1 << 0,
	/* The inside of a JSON string: '"' and '\' as "\"" and "\\", newline
	 * and tab as "\n" and "\t", other controls (C0, DEL, C1) as "\u00XX",
	 * each byte that is not valid UTF-8 as "\ufffd". Overrides ESCAPE_TEXT. */
	ESCAPE_JSON = 1 << 1,
};

/*
 * Writes s (NULL: "") escaped as flags say into buf (size bytes; always
 * NUL-terminated when size > 0). When it does not fit, the output stops
 * before the first escape or UTF-8 sequence that would not fit whole.
 * Returns the length of the whole escaped string, as snprintf() does: a
 * result >= size means the output was cut.
 */
size_t escape_cstr(char *buf, size_t size, const char *s, unsigned flags);

/* Writes all of s escaped as flags say to f. Returns 0, or -EIO when f
 * did not take it. */
int escape_fputs(const char *s, unsigned flags, FILE *f);

/* Columns the escaped form of s takes on a terminal: one per code point
 * (escapes are ASCII; East Asian wide characters are counted as one). */
size_t escape_columns(const char *s, unsigned flags);
