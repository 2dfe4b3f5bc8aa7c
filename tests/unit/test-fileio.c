/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for common/fileio.c: the whole-file reader reads to the end
 * (also from a pipe, in pieces), refuses more than its maximum rather
 * than cutting, and refuses a NUL byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "testlib.h"

static int
memfd_with(const void *data, size_t n)
{
	int fd = memfd_create("fileio", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t) n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static const struct {
	const char *data;
	size_t n, max;
	int r;
} reads[] = {
	{ "", 0, 0, 0 },
	{ "", 0, 10, 0 },
	{ "abc", 3, 3, 0 },		/* exactly the maximum */
	{ "abcd", 4, 3, -EFBIG },	/* one byte over */
	{ "a\0b", 3, 10, -EBADMSG },
	{ "\0", 1, 10, -EBADMSG },
	{ "line\nline\n", 10, 100, 0 },
};

START_TEST(test_read_table)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 12345;
	int fd = memfd_with(reads[_i].data, reads[_i].n), r;

	r = read_full_fd(fd, reads[_i].max, &buf, &n);
	(void) close(fd);
	ck_assert_int_eq(r, reads[_i].r);
	if (r < 0) {
		ck_assert_ptr_null(buf);
		ck_assert_uint_eq(n, 12345);	/* ret_ only written on success */
		return;
	}
	ck_assert_uint_eq(n, reads[_i].n);
	ck_assert_str_eq(buf, reads[_i].data);
}
END_TEST

/* A pipe delivers a large text in pieces; the reader keeps reading. */
START_TEST(test_read_pipe)
{
	_cleanup_free_ char *buf = NULL, *big = malloc(200000);
	int p[2], status;
	pid_t pid;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 200000);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void) close(p[0]);
		_exit(write(p[1], big, 200000) == 200000 ? 0 : 1);
	}
	(void) close(p[1]);
	ck_assert_int_eq(read_full_fd(p[0], 200000, &buf, NULL), 0);
	(void) close(p[0]);
	ck_assert_uint_eq(strlen(buf), 200000);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(test_read_bad_fd)
{
	char *buf = NULL;

	ck_assert_int_eq(read_full_fd(-1, 10, &buf, NULL), -EBADF);
	ck_assert_ptr_null(buf);
}
END_TEST

/* The whole string in one write, into an existing file only. */
START_TEST(test_write_string)
{
	char path[] = "/tmp/test-fileio.XXXXXX", missing[64], buf[32] = "";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_string_file(path, "0 1000 1\n"), 0);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf) - 1, 0), 9);
	ck_assert_str_eq(buf, "0 1000 1\n");
	close(fd);
	ck_assert_int_eq(unlink(path), 0);
	/* Never created; a full device is the write's error. */
	snprintf(missing, sizeof(missing), "%s.missing", path);
	ck_assert_int_eq(write_string_file(missing, "x"), -ENOENT);
	ck_assert_int_eq(access(missing, F_OK), -1);
	ck_assert_int_eq(write_string_file("/dev/full", "x"), -ENOSPC);
}
END_TEST

TESTLIB_MAIN("fileio",
	{ "read_full_fd", .loops = TESTLIB_LOOPS({ test_read_table, ELEMENTSOF(reads) }),
	    .tests = TESTLIB_TESTS(test_read_pipe, test_read_bad_fd) },
	{ "write_string_file", .tests = TESTLIB_TESTS(test_write_string) });
