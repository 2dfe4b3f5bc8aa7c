/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the Check unit tests.
 */
#pragma once

#include <check.h>

/* Runs every case of s (CK_ENV decides verbosity, CK_RUN_CASE etc.) and
 * returns the process exit status: 0 if all passed, 1 otherwise. Takes s. */
int testlib_run(Suite *s);

/* Path of a file in the source tree: $TOP_SRCDIR/rel, or rel relative to
 * the source tree configure saw when TOP_SRCDIR is unset. Returns a malloc'd
 * string (never NULL; aborts on OOM, this is test code). */
char *testlib_srcdir_path(const char *rel);
