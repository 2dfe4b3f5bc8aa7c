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
#include <stdint.h>

#include "error-msg.h"

/* The carrier (set it with error_msg_setf(&err->msg, ...)) and the line it
 * is about. message is msg.message under its older name. */
struct ini_error {
	union {
		struct error_msg	msg;
		char			message[ERROR_MSG_MAX];
	};
	unsigned			line;	/* 1-based; 0 if not tied to a line */
};

/* An ini diagnostic's text: a longer one is cut here, in ini_parse()'s
 * first error as in ini_parse_all()'s list. */
#define INI_MESSAGE_MAX 256

enum ini_severity {
	INI_ERROR,
	INI_WARNING,
};

#define INI_DIAGS_MAX 64

struct ini_diag {
	unsigned		line;		/* 1-based; 0 if not tied to a line */
	enum ini_severity	severity;
	char			message[INI_MESSAGE_MAX];
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

struct ini_key;

/* Parses value into the caller's struct, at k->offset; data is the
 * caller's (its struct, or a parser state holding it). Returns 0 or a
 * negative errno, with err's message set where the caller wants one
 * (return error_msg_setf(&err->msg, EINVAL, ...);). */
typedef int (*ini_key_parser)(const struct ini_key *k, const char *value, void *data,
    struct ini_error *err);

/* A row of a key table, in the shape of systemd's ConfigTableItem: a
 * file's keys are the rows of one table, and its handler looks each
 * Key=Value up there instead of comparing names itself. */
struct ini_key {
	const char	*section;
	const char	*key;
	ini_key_parser	parse;
	size_t		offset;		/* of the field parse sets, if one */
	uint64_t	ltype;		/* parse's own: a kind, a lower bound */
	uint64_t	max;		/* an upper bound, for parsers that take one */
};

/* The row of keys for section and key, or NULL. */
const struct ini_key *ini_key_find(const struct ini_key *keys, size_t n_keys, const char *section,
    const char *key);
/* Whether some row of keys lies in section. */
bool ini_keys_have_section(const struct ini_key *keys, size_t n_keys, const char *section);

/* Called for every Key=Value. section is "" before the first header.
 * Return < 0 to stop, with err's message set (return error_msg_setf(&err->msg,
 * EINVAL, ...);); line is filled in by ini_parse. */
typedef int (*ini_handler)(const char *section, const char *key, const char *value,
    unsigned line, void *userdata, struct ini_error *err);

/* Returns 0 or a negative errno (-EBADMSG for syntax errors) with err set. */
int ini_parse(const char *text, ini_handler handler, void *userdata, struct ini_error *err);
/* Goes on after an error line; every error lands in diags. Returns 0, the
 * first error's negative errno, or -ENOMEM at once if a handler ran out
 * of memory. */
int ini_parse_all(const char *text, ini_handler handler, void *userdata, struct ini_diags *diags);
/* The same, and a header naming a section that no row of keys has is an
 * error at its own line ("unknown section [NAME]", -EINVAL), so an empty
 * misspelt section is caught too; the keys under it are skipped. */
int ini_parse_all_known(const char *text, const struct ini_key *keys, size_t n_keys,
    ini_handler handler, void *userdata, struct ini_diags *diags);
