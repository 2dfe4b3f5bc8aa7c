/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for the daemon and sandboxctl. Lines go to stderr, one record
 * each: the formatted message is escaped (escape.h), so callers pass
 * peer-supplied strings as they are. With log_set_prefix_priority(true)
 * each line starts with "<N>" so journald (or systemd's stderr handling)
 * stores the right priority.
 * The log_*_errno() helpers return the negative errno they were given,
 * so "return log_error_errno(r, ...)" logs once and propagates.
 */
#pragma once

#ifdef SANDBOXD_ASYNC_SIGNAL_SAFE
#error "log.h in code that runs after clone3() (daemon/confine/): it may only make system calls"
#endif

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_prefix_priority(bool b);
void log_set_ident(const char *ident);

/* %m in fmt expands to strerror(-error) when error != 0. */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) \
	({ int _e_ = (error); (log_get_max_level() >= (level)) ? \
	   log_internal((level), _e_, __VA_ARGS__) : (_e_ > 0 ? -_e_ : _e_); })

#define log_debug(...)	 log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)	 log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)	 log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)	 log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...)	  log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...)	  log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...)  log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...)	  log_full_errno(LOG_ERR, e, __VA_ARGS__)
#define log_emerg_errno(e, ...)	  log_full_errno(LOG_EMERG, e, __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
