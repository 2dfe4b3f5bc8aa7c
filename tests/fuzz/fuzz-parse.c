/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The value parsers of common/parse-util.c on the input as one string,
 * checked against each other: a plain number means bytes to parse_size()
 * and seconds to parse_time_ms(); "infinity" is UINT64_MAX to both and a
 * finite time span never is; a failure is -EINVAL or -ERANGE only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "parse-util.h"

static void
check_result(int r)
{
	if (r < 0 && r != -EINVAL && r != -ERANGE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_strndup(data, size);
	uint64_t u = 0, bytes = 0, ms = 0;
	int ru, rs, rt, rb;
	bool b;

	ru = parse_u64(s, &u);
	rs = parse_size(s, &bytes);
	rt = parse_time_ms(s, &ms);
	rb = parse_boolean(s, &b);
	check_result(ru);
	check_result(rs);
	check_result(rt);
	check_result(rb);

	if (ru >= 0) {
		if (rs < 0 || bytes != u)
			abort();
		if (u <= (UINT64_MAX - 1) / 1000 ? (rt < 0 || ms != u * 1000) : rt != -ERANGE)
			abort();
	}
	if (strcmp(s, "infinity") == 0 && (rs < 0 || rt < 0 || bytes != UINT64_MAX || ms != UINT64_MAX))
		abort();
	if (rt >= 0 && ms == UINT64_MAX && strcmp(s, "infinity") != 0)
		abort();
	/* A size is digits and a suffix, so it never parses as a boolean but "1" and "0". */
	if (rb >= 0 && rs >= 0 && strcmp(s, "1") != 0 && strcmp(s, "0") != 0)
		abort();
	return 0;
}
