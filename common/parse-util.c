/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configuration value parsers (see parse-util.h). Every multiplication is
 * overflow-checked: a value that does not fit is -ERANGE, never a wrap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "macro.h"
#include "parse-util.h"

int
parse_boolean(const char *s, bool *ret)
{
	static const char *const yes[] = { "yes", "true", "1", "on" };
	static const char *const no[] = { "no", "false", "0", "off" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	return -EINVAL;
}

/* Parses the leading digits of s; *end points after them. */
static int
parse_digits(const char *s, uint64_t *ret, const char **end)
{
	uint64_t v = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned) (*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*end = s;
	return 0;
}

int
parse_u64(const char *s, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int r;

	r = parse_digits(s, &v, &end);
	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int
multiply(uint64_t v, uint64_t factor, uint64_t *ret)
{
	if (factor != 0 && v > UINT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

struct unit_suffix {
	const char *suffix;
	uint64_t factor;
};

/*
 * Parses "infinity" (UINT64_MAX, returns 1) or digits followed by one of the
 * suffixes in table, scaled by its factor (returns 0).
 */
static int
parse_scaled(const char *s, const struct unit_suffix *table, size_t n, uint64_t *ret)
{
	const char *end;
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	if (strcmp(s, "infinity") == 0) {
		*ret = UINT64_MAX;
		return 1;
	}
	r = parse_digits(s, &v, &end);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(end, table[i].suffix) == 0)
			return multiply(v, table[i].factor, ret);
	return -EINVAL;
}

int
parse_size(const char *s, uint64_t *ret)
{
	static const struct unit_suffix table[] = {
		{ "", 1 },
		{ "B", 1 },
		{ "K", UINT64_C(1) << 10 },
		{ "M", UINT64_C(1) << 20 },
		{ "G", UINT64_C(1) << 30 },
		{ "T", UINT64_C(1) << 40 },
	};
	int r;

	r = parse_scaled(s, table, ELEMENTSOF(table), ret);
	return r < 0 ? r : 0;
}

int
parse_time_ms(const char *s, uint64_t *ret)
{
	static const struct unit_suffix table[] = {
		{ "", 1000 },
		{ "ms", 1 },
		{ "msec", 1 },
		{ "s", 1000 },
		{ "sec", 1000 },
		{ "m", 60 * 1000 },
		{ "min", 60 * 1000 },
		{ "h", 3600 * 1000 },
		{ "hr", 3600 * 1000 },
		{ "d", 24 * 3600 * 1000 },
	};
	uint64_t v;
	int r;

	r = parse_scaled(s, table, ELEMENTSOF(table), &v);
	if (r < 0)
		return r;
	/* UINT64_MAX means "infinity"; a finite span may not collide with it. */
	if (r == 0 && v == UINT64_MAX)
		return -ERANGE;
	*ret = v;
	return 0;
}

int
parse_log_level(const char *s, int *ret)
{
	/* Indexed by level: syslog's LOG_EMERG is 0, LOG_DEBUG 7. */
	static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice",
		"info", "debug" };
	_Static_assert(ELEMENTSOF(names) == LOG_DEBUG + 1, "one name per syslog level");

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (int) i;
			return 0;
		}
	return -EINVAL;
}
