# SPDX-License-Identifier: LGPL-2.1-or-later
# The wire codec and fd passing test; included from tests/local.mk.
check_PROGRAMS += tests/unit/test-wire
TESTS += tests/unit/test-wire
tests_unit_test_wire_SOURCES = tests/unit/test-wire.c
tests_unit_test_wire_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/lib
tests_unit_test_wire_LDADD = tests/lib/libtestlib.la protocol/libprotocol.la \
	common/libcommon.la $(CHECK_LIBS)
