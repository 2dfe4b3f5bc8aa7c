# SPDX-License-Identifier: LGPL-2.1-or-later
# Broker integration tests: a real sandboxd, targets asking its broker for
# files and sockets through libsandbox-client (needs root; skips otherwise).

# Run inside sandboxes. -no-install: a real executable, no libtool wrapper
# script; test-broker binds client/.libs read-only into the sandbox and
# points $LD_LIBRARY_PATH at it.
check_PROGRAMS += tests/integration/helpers/broker-target
tests_integration_helpers_broker_target_SOURCES = tests/integration/helpers/broker-target.c
tests_integration_helpers_broker_target_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_integration_helpers_broker_target_CFLAGS = $(AM_CFLAGS) -pthread
tests_integration_helpers_broker_target_LDFLAGS = $(AM_LDFLAGS) -pthread -no-install
tests_integration_helpers_broker_target_LDADD = client/libsandbox-client.la

check_PROGRAMS += tests/integration/test-broker
TESTS += tests/integration/test-broker
tests_integration_test_broker_SOURCES = tests/integration/test-broker.c
tests_integration_test_broker_CPPFLAGS = $(itest_cppflags) \
	-DBROKER_CLIENT_LIBDIR=\"$(abs_top_builddir)/client/.libs\"
tests_integration_test_broker_CFLAGS = $(itest_cflags) -pthread
tests_integration_test_broker_LDFLAGS = $(AM_LDFLAGS) -pthread
tests_integration_test_broker_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_broker_DEPENDENCIES = tests/integration/helpers/broker-target
