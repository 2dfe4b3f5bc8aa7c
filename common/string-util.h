/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Character-class checks for names and values. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Whether c is an ASCII letter or digit, or one of extra ("" for none). */
bool char_is_alnum_or(char c, const char *extra);
/* Whether the first n bytes of s are all char_is_alnum_or(extra); true
 * for n == 0 (callers that want a non-empty name say so). */
bool string_is_alnum_or_n(const char *s, size_t n, const char *extra);
bool string_is_alnum_or(const char *s, const char *extra);
/* A name as sections, keys and policies have them: [A-Za-z0-9_-]+. */
bool string_is_name_n(const char *s, size_t n);
/* Replaces *field with a copy of s (the old value freed): 0 or -ENOMEM,
 * which leaves *field as it was. */
int free_and_strdup(char **field, const char *s);
/* The first control character (below 0x20, or 0x7f) in s, or NULL. */
const char *string_find_cc(const char *s);
/* strcmp() of two char * that a and b point to: for qsort() and bsearch()
 * of string vectors. */
int strcmp_ptr(const void *a, const void *b);
/* Whether the absolute path is dir or below it ("/" holds everything). */
bool path_is_under(const char *path, const char *dir);
/* Whether word is a whole word of list, between its start or a character
 * of seps and its end or a character of seps: "cpu" is one of
 * "cpu,cpuacct" with seps ",", but not of "cpuacct". */
bool string_has_word(const char *list, const char *word, const char *seps);
