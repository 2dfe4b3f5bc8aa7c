/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A strict INI ("key file") tokenizer, as systemd unit files: [Section]
 * headers, Key=Value lines, '#' and ';' comment lines, blank lines.
 * Leading/trailing whitespace around keys and values is stripped. No line
 * continuations, no quoting. A line that is none of these is an error.
 * Pure: parses a NUL-terminated buffer, does no I/O.
 *
 * ini_parse() stops at the first error; ini_parse_all() reports every
 * error of a text into a bounded struct ini_diags and goes on with the
 * next line. After a bad section header it skips the keys up to the next
 * good one (they would all be errors of the same mistake).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct ini_error {
	unsigned	line;		/* 1-based; 0 if not tied to a line */
	char		message[256];
};

enum ini_severity {
	INI_ERROR,
	INI_WARNING,
};

#define INI_DIAGS_MAX 64

struct ini_diag {
	unsigned		line;		/* 1-based; 0 if not tied to a line */
	enum ini_severity	severity;
	char			message[256];
};

/* The first INI_DIAGS_MAX diagnostics of a text, and how many there were. */
struct ini_diags {
	struct ini_diag	v[INI_DIAGS_MAX];
	unsigned	n;		/* stored in v */
	unsigned	n_errors;	/* all errors, stored or not */
	unsigned	n_warnings;
	int		error;		/* the first error's negative errno, or 0 */
};

/* Records a diagnostic (counts it if v is full). error is the negative
 * errno of an error (ignored for warnings). */
void ini_diags_add(struct ini_diags *d, unsigned line, enum ini_severity severity, int error,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Sorts v by line (stably); line 0 comes last. */
void ini_diags_sort(struct ini_diags *d);

/* Called for every Key=Value. section is "" before the first header.
 * Return < 0 to stop; fill err->message (line is filled in by ini_parse). */
typedef int (*ini_handler)(const char *section, const char *key, const char *value,
    unsigned line, void *userdata, struct ini_error *err);

/* Returns 0 or a negative errno (-EBADMSG for syntax errors) with err set. */
int ini_parse(const char *text, ini_handler handler, void *userdata, struct ini_error *err);
/* Goes on after an error line; every error lands in diags. Returns 0, the
 * first error's negative errno, or -ENOMEM at once if a handler ran out
 * of memory. */
int ini_parse_all(const char *text, ini_handler handler, void *userdata, struct ini_diags *diags);
