/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A strict INI ("key file") tokenizer, as systemd unit files: [Section]
 * headers, Key=Value lines, '#' and ';' comment lines, blank lines.
 * Leading/trailing whitespace around keys and values is stripped. No line
 * continuations, no quoting. A line that is none of these is an error.
 * Pure: parses a NUL-terminated buffer, does no I/O.
 */
#pragma once

#include <stddef.h>

struct ini_error {
	unsigned	line;		/* 1-based; 0 if not tied to a line */
	char		message[256];
};

/* Called for every Key=Value. section is "" before the first header.
 * Return < 0 to stop; fill err->message (line is filled in by ini_parse). */
typedef int (*ini_handler)(const char *section, const char *key, const char *value,
    unsigned line, void *userdata, struct ini_error *err);

/* Returns 0 or a negative errno (-EBADMSG for syntax errors) with err set. */
int ini_parse(const char *text, ini_handler handler, void *userdata, struct ini_error *err);
