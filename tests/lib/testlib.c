/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the Check unit tests. Check prints TAP to stdout when
 * CK_TAP_LOG_FILE_NAME is "-" (as under "make check"), so stdout is
 * unbuffered to keep forked cases' lines in order.
 */
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

#ifndef TESTLIB_TOP_SRCDIR
#define TESTLIB_TOP_SRCDIR "."
#endif

int
testlib_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	setvbuf(stdout, NULL, _IONBF, 0);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

char *
testlib_srcdir_path(const char *rel)
{
	const char *top = getenv("TOP_SRCDIR");
	char *p;

	if (!top || !*top)
		top = TESTLIB_TOP_SRCDIR;
	if (asprintf(&p, "%s/%s", top, rel) < 0)
		abort();
	return p;
}
