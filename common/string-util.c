/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place that says which bytes a name may hold and which bytes
 * are control characters; ini.c, the policy parser and the policy store
 * build their rules from these.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "string-util.h"

bool
char_is_alnum_or(char c, const char *extra)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr(extra, c);
}

bool
string_is_alnum_or_n(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++)
		if (!char_is_alnum_or(s[i], extra))
			return false;
	return true;
}

bool
string_is_alnum_or(const char *s, const char *extra)
{
	return string_is_alnum_or_n(s, strlen(s), extra);
}

bool
string_is_name_n(const char *s, size_t n)
{
	return n > 0 && string_is_alnum_or_n(s, n, "_-");
}

int
free_and_strdup(char **field, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

const char *
string_find_cc(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return s;
	return NULL;
}

int
strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

bool
path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0' ||
	    (n == 1 && dir[0] == '/'));
}

bool
string_has_word(const char *list, const char *word, const char *seps)
{
	size_t n = strlen(word);

	if (n == 0)
		return false;
	for (const char *p = list; (p = strstr(p, word)); p++)
		if ((p == list || strchr(seps, p[-1])) && (p[n] == '\0' || strchr(seps, p[n])))
			return true;
	return false;
}
