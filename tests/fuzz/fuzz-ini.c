/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The INI tokenizer: ini_parse() on the input as text. The handler checks
 * what the tokenizer promises (section and key names of [A-Za-z0-9_-]
 * only, the key non-empty, no surrounding whitespace, no newline in a
 * value, lines increasing) and, when byte 0 is odd, stops at the third key so
 * the early-return path runs too. An error must carry a message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ini.h"
#include "macro.h"

struct state {
	bool		stop;
	unsigned	n_keys;
	unsigned	last_line;
};

static bool
trimmed(const char *s)
{
	size_t n = strlen(s);

	return n == 0 || (!isspace((unsigned char) s[0]) && !isspace((unsigned char) s[n - 1]));
}

static bool
is_name(const char *s)
{
	return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")] == '\0';
}

static int
on_key(const char *section, const char *key, const char *value, unsigned line, void *userdata,
    struct ini_error *err)
{
	struct state *st = userdata;

	if (!section || !key || !value || !key[0] || !is_name(section) || !is_name(key) ||
	    !trimmed(value) || strchr(value, '\n') || line <= st->last_line)
		abort();
	st->last_line = line;
	if (st->stop && ++st->n_keys == 3) {
		(void) snprintf(err->message, sizeof(err->message), "stopped");
		return -ECANCELED;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_strndup(data, size);
	struct state st = { .stop = size > 0 && (data[0] & 1) };
	struct ini_error err = {};
	int r;

	r = ini_parse(text, on_key, &st, &err);
	if (r < 0 && (!memchr(err.message, '\0', sizeof(err.message)) || !err.message[0]))
		abort();
	if (r == -ECANCELED && strcmp(err.message, "stopped") != 0)
		abort();
	return 0;
}
