/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The corpus replay for make check, with or without libFuzzer: runs
 * LLVMFuzzerTestOneInput() once over every file in the directories (or
 * files) given, by default the harness's corpus (FUZZ_CORPUS), in name
 * order, and prints TAP. A crash, sanitizer report
 * or abort() fails the test; an unreadable file is "not ok". Each input
 * sits in a buffer of exactly its size, as libFuzzer gives it, so an
 * overread is caught under ASan.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "macro.h"

static unsigned n_test;

static int
read_file(const char *path, uint8_t **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
	size_t done = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	/* malloc(0) may return NULL; one byte keeps the pointer valid. */
	buf = malloc(st.st_size > 0 ? (size_t) st.st_size : 1);
	if (!buf)
		return -ENOMEM;
	while (done < (size_t) st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t) st.st_size - done);

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t) n;
	}
	*ret = TAKE_PTR(buf);
	*ret_size = done;
	return 0;
}

static void
replay(const char *path)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size = 0;
	int r;

	r = read_file(path, &data, &size);
	n_test++;
	if (r < 0) {
		printf("not ok %u - %s: %s\n", n_test, path, strerror(-r));
		return;
	}
	(void) LLVMFuzzerTestOneInput(data, size);
	printf("ok %u - %s\n", n_test, path);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
replay_dir(const char *dir)
{
	struct dirent **names;
	int n;

	n = scandir(dir, &names, NULL, by_name);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			_cleanup_free_ char *path = NULL;

			if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0)
				return -ENOMEM;
			replay(path);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int
main(int argc, char *argv[])
{
	int failed = 0;

	char *corpus[] = { argv[0], (char *) FUZZ_CORPUS, NULL };

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		argc = 2;
		argv = corpus;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i]) < 0) {
				printf("not ok %u - %s: cannot read the directory\n", ++n_test, argv[i]);
				failed = 1;
			}
		} else
			replay(argv[i]);
	}
	if (n_test == 0) {
		/* An empty corpus tests nothing: that is a failure, not a pass. */
		printf("not ok 1 - no inputs\n");
		n_test = 1;
		failed = 1;
	}
	printf("1..%u\n", n_test);
	return failed;
}
