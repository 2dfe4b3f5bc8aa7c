/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the harnesses share. Each harness defines LLVMFuzzerTestOneInput();
 * with --enable-fuzzing it links libFuzzer, and in every build it also
 * links replay-main.c, which feeds it each file of its corpus for make
 * check. A harness abort()s on anything the daemon must never do (an fd
 * left open, a string not terminated within the message), so both the
 * fuzzer and the replay report it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "testdaemon.h"
#include "testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opens n real fds (bit i of kinds: 0 → /dev/null, 1 → a pipe's read end)
 * into fds; abort()s if it cannot, which is the harness's failure. */
void fuzz_open_fds(int *fds, size_t n, unsigned kinds);
/* abort()s unless the fd count is back at before (testlib_count_fds()). */
void fuzz_assert_fds(unsigned before, const char *what);
/* A NUL-terminated copy of data; abort()s when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);
