/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers used everywhere: cleanup attributes, ownership transfer,
 * array sizes. Nothing here knows about sandboxd.
 */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
/* The struct of type t whose member m p points to. */
#define container_of(p, t, m) ((t *) (void *) ((char *) (p) - offsetof(t, m)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _public_ __attribute__((visibility("default")))
#define XSTRINGIFY(x) #x
#define STRINGIFY(x) XSTRINGIFY(x)

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline int
safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;

		(void) close(fd);
		errno = saved;
	}
	return -1;
}

static inline void
closep(int *fd)
{
	safe_close(*fd);
}

/* Closes both ends of a pipe or socketpair; either may be -1 already. */
static inline void
close_pairp(int (*p)[2])
{
	(*p)[0] = safe_close((*p)[0]);
	(*p)[1] = safe_close((*p)[1]);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_close_pair_ _cleanup_(close_pairp)

/* Defines func##p(type **), for _cleanup_(func##p) on a local: calls
 * func(), a destructor that accepts NULL, on the pointer if set. */
#define DEFINE_FREEP(type, func)                     \
	static inline void                           \
	func##p(type **p)                            \
	{                                            \
		if (*p)                              \
			(void) func(*p);             \
	}

#define TAKE_PTR(p)                                  \
	({                                           \
		__typeof__(p) _ptr_ = (p);           \
		(p) = NULL;                          \
		_ptr_;                               \
	})

#define TAKE_FD(fd)                                  \
	({                                           \
		int _fd_ = (fd);                     \
		(fd) = -1;                           \
		_fd_;                                \
	})

/* Free a NULL-terminated string vector; accepts NULL, returns NULL. */
static inline char **
strv_free(char **v)
{
	if (v) {
		for (char **i = v; *i; i++)
			free(*i);
		free(v);
	}
	return NULL;
}

static inline void
strv_freep(char ***v)
{
	strv_free(*v);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline size_t
strv_length(char *const *v)
{
	size_t n = 0;

	if (v)
		while (v[n])
			n++;
	return n;
}

/* Appends a copy of s to the NULL-terminated *v. */
static inline int
strv_push(char ***v, const char *s)
{
	size_t n = strv_length(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	return nv[n] ? 0 : -ENOMEM;
}

/* A copy of the NULL-terminated v (NULL: an empty one); NULL when out of memory. */
static inline char **
strv_copy(char *const *v)
{
	size_t n = strv_length(v);
	char **c = calloc(n + 1, sizeof(char *));

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(c[i] = strdup(v[i])))
			return strv_free(c);
	return c;
}

static inline int
negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
