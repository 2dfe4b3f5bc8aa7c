/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsers for configuration values. Pure; return 0 or -EINVAL/-ERANGE. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* "yes"/"no"/"true"/"false"/"1"/"0"/"on"/"off". */
int parse_boolean(const char *s, bool *ret);
/* Decimal integer, no sign, no junk. */
int parse_u64(const char *s, uint64_t *ret);
/* Bytes with optional K, M, G, T suffix (powers of 1024), or "infinity" → UINT64_MAX. */
int parse_size(const char *s, uint64_t *ret);
/* Time span in milliseconds: "30" (seconds), "500ms", "30s", "5min", "2h", or "infinity" → UINT64_MAX. */
int parse_time_ms(const char *s, uint64_t *ret);
/* A syslog level by name: "emerg", "alert", "crit", "err", "warning",
 * "notice", "info", "debug" (LOG_EMERG … LOG_DEBUG). */
int parse_log_level(const char *s, int *ret);
