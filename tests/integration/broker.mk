# SPDX-License-Identifier: LGPL-2.1-or-later
# Broker integration tests: a real sandboxd, targets asking its broker for
# files and sockets through libsandbox-client (needs root; skips otherwise).

# Run inside sandboxes. Built from the target half of the client library's
# sources directly and never sanitized: under seccomp a sanitizer's runtime
# (LeakSanitizer's ptrace at exit, sigaltstack) would fail the helper, not
# the broker. The shipped library itself is what sandboxctl and the other
# tests use.
check_PROGRAMS += tests/integration/helpers/broker-target
tests_integration_helpers_broker_target_SOURCES = tests/integration/helpers/broker-target.c \
	tests/integration/helpers/relay-stream.h \
	client/broker-client.c protocol/wire.c protocol/msg.c protocol/fdpass.c
tests_integration_helpers_broker_target_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_integration_helpers_broker_target_CFLAGS = $(WARN_CFLAGS) -pthread
tests_integration_helpers_broker_target_LDFLAGS = $(HARDEN_LDFLAGS) -pthread

check_PROGRAMS += tests/integration/test-broker
TESTS += tests/integration/test-broker
tests_integration_test_broker_SOURCES = tests/integration/test-broker.c \
	tests/integration/helpers/relay-stream.h
tests_integration_test_broker_CPPFLAGS = $(itest_cppflags) \
	-DBROKER_CLIENT_LIBDIR=\"$(abs_top_builddir)/client/.libs\"
tests_integration_test_broker_CFLAGS = $(itest_cflags) -pthread
tests_integration_test_broker_LDFLAGS = $(AM_LDFLAGS) -pthread
tests_integration_test_broker_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_broker_DEPENDENCIES = tests/integration/helpers/broker-target

# A FUSE file system that never answers a lookup: the broker must not hang
# with it (the stall cases). Runs on the host, as root.
check_PROGRAMS += tests/integration/helpers/fuse-stall
tests_integration_helpers_fuse_stall_SOURCES = tests/integration/helpers/fuse-stall.c
EXTRA_tests_integration_test_broker_DEPENDENCIES += tests/integration/helpers/fuse-stall

# Transparent brokering: the target's own system calls, intercepted. The
# helper makes plain system calls only and is linked statically (nothing
# may rely on a library in the target); never sanitized, as above.
check_PROGRAMS += tests/integration/helpers/intercept-target
tests_integration_helpers_intercept_target_SOURCES = tests/integration/helpers/intercept-target.c
tests_integration_helpers_intercept_target_CFLAGS = $(WARN_CFLAGS) -pthread
# libtool says -all-static for what gcc calls -static.
tests_integration_helpers_intercept_target_LDFLAGS = -all-static -pthread

check_PROGRAMS += tests/integration/test-intercept
TESTS += tests/integration/test-intercept
tests_integration_test_intercept_SOURCES = tests/integration/test-intercept.c
tests_integration_test_intercept_CPPFLAGS = $(itest_cppflags)
tests_integration_test_intercept_CFLAGS = $(itest_cflags) -pthread
tests_integration_test_intercept_LDFLAGS = $(AM_LDFLAGS) -pthread
tests_integration_test_intercept_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_intercept_DEPENDENCIES = tests/integration/helpers/intercept-target
