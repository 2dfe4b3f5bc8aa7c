/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading and writing whole files. Returns errors, logs nothing, and
 * write_string_file() makes only system calls (confine/ may use it). */
#pragma once

#include <stddef.h>

/* Reads fd to its end into a NUL-terminated malloc'd buffer, *ret (and
 * its length, *ret_size, if ret_size is set). -EFBIG if it holds more
 * than max bytes, -EBADMSG if it holds a NUL byte (so the buffer is one
 * string), or read(2)'s negative errno. Retries on EINTR. */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_size);

/* Writes s into the existing file path (O_WRONLY, no O_CREAT) with one
 * write(2): -EIO if it took less, else write(2)'s or open(2)'s errno. */
int write_string_file(const char *path, const char *s);
