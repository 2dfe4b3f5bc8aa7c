# SPDX-License-Identifier: LGPL-2.1-or-later
noinst_LTLIBRARIES += common/libcommon.la
common_libcommon_la_SOURCES = \
	common/macro.h \
	common/event-util.h \
	common/time-util.h \
	common/log.c common/log.h \
	common/error-msg.c common/error-msg.h \
	common/escape.c common/escape.h \
	common/fileio.c common/fileio.h \
	common/ini.c common/ini.h \
	common/parse-util.c common/parse-util.h \
	common/string-util.c common/string-util.h \
	common/net-util.c common/net-util.h \
	common/ratelimit.c common/ratelimit.h \
	common/signal-util.c common/signal-util.h
# ratelimit.c's mutex.
common_libcommon_la_CFLAGS = $(AM_CFLAGS) -pthread
common_libcommon_la_LIBADD = -lpthread
