# SPDX-License-Identifier: LGPL-2.1-or-later
# The wire codec and fd passing test; included from tests/local.mk.
check_PROGRAMS += tests/unit/test-wire
TESTS += tests/unit/test-wire
tests_unit_test_wire_SOURCES = tests/unit/test-wire.c
tests_unit_test_wire_CFLAGS = $(unit_test_cflags)
tests_unit_test_wire_LDADD = protocol/libprotocol.la $(unit_test_ldadd)
