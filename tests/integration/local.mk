# SPDX-License-Identifier: LGPL-2.1-or-later
# Integration tests: a real sandboxd on a private socket, driven by
# sandboxctl and libsandbox-client. They need root (they skip otherwise).

check_LTLIBRARIES += tests/integration/libitest.la
tests_integration_libitest_la_SOURCES = tests/lib/testdaemon.c tests/lib/testdaemon.h
tests_integration_libitest_la_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/client \
	-DTESTLIB_TOP_SRCDIR=\"$(abs_top_srcdir)\" \
	-DTESTLIB_HELPERS_DIR=\"$(abs_top_builddir)/tests/integration/helpers\"
tests_integration_libitest_la_LIBADD = client/libsandbox-client.la common/libcommon.la

# Run inside sandboxes by the escape tests; a policy binds their directory.
check_PROGRAMS += tests/integration/helpers/escape
tests_integration_helpers_escape_SOURCES = tests/integration/helpers/escape.c
# Never sanitized: it runs under seccomp and memory limits, where a
# sanitizer's runtime (shadow memory, sigaltstack, LSan's ptrace) would
# change what the tests measure.
tests_integration_helpers_escape_CFLAGS = $(WARN_CFLAGS)
tests_integration_helpers_escape_LDFLAGS = $(HARDEN_LDFLAGS)

# Run inside sandboxes by test-learn: plain system calls whose results it
# prints. Linked statically (nothing from the sandbox's view but itself)
# and never sanitized, as above.
check_PROGRAMS += tests/integration/helpers/learn-target
tests_integration_helpers_learn_target_SOURCES = tests/integration/helpers/learn-target.c
tests_integration_helpers_learn_target_CFLAGS = $(WARN_CFLAGS)
# libtool says -all-static for what gcc calls -static.
tests_integration_helpers_learn_target_LDFLAGS = -all-static

# Run inside sandboxes by test-args under the "tight" test policy: raw
# system calls, no C library and no start-up code of one (which would need
# more than that policy allows). Never sanitized, as above.
check_PROGRAMS += tests/integration/helpers/tight-echo
tests_integration_helpers_tight_echo_SOURCES = tests/integration/helpers/tight-echo.c
tests_integration_helpers_tight_echo_CFLAGS = $(WARN_CFLAGS) -fno-stack-protector -fno-pie \
	-fcf-protection=none
tests_integration_helpers_tight_echo_LDFLAGS = -all-static -nostdlib -no-pie
EXTRA_DIST += tests/integration/policies/tight.policy

# Run inside sandboxes by test-surface: executes a program it wrote into a
# memfd, by each route. Static and never sanitized, as above.
check_PROGRAMS += tests/integration/helpers/memfd-exec
tests_integration_helpers_memfd_exec_SOURCES = tests/integration/helpers/memfd-exec.c
tests_integration_helpers_memfd_exec_CFLAGS = $(WARN_CFLAGS)
tests_integration_helpers_memfd_exec_LDFLAGS = -all-static

# Run inside sandboxes by test-limits' CPUQuota= cases: spinners that
# print the real and CPU time they took. Static and never sanitized, as
# above.
check_PROGRAMS += tests/integration/helpers/cpu-spin
tests_integration_helpers_cpu_spin_SOURCES = tests/integration/helpers/cpu-spin.c
tests_integration_helpers_cpu_spin_CFLAGS = $(WARN_CFLAGS)
tests_integration_helpers_cpu_spin_LDFLAGS = -all-static

# Run inside sandboxes by test-ucounts: takes a per-user limit and holds
# it. Never sanitized, as above.
check_PROGRAMS += tests/integration/helpers/ucounts-target
tests_integration_helpers_ucounts_target_SOURCES = tests/integration/helpers/ucounts-target.c
tests_integration_helpers_ucounts_target_CFLAGS = $(WARN_CFLAGS)
tests_integration_helpers_ucounts_target_LDFLAGS = $(HARDEN_LDFLAGS)

integration_tests = \
	tests/integration/test-basic \
	tests/integration/test-limits \
	tests/integration/test-confine \
	tests/integration/test-lifetime \
	tests/integration/test-badinput \
	tests/integration/test-users \
	tests/integration/test-reload \
	tests/integration/test-include \
	tests/integration/test-faults \
	tests/integration/test-faults-conn \
	tests/integration/test-injection \
	tests/integration/test-policycheck \
	tests/integration/test-accounts \
	tests/integration/test-policies \
	tests/integration/test-loopback \
	tests/integration/test-surface \
	tests/integration/test-procmask \
	tests/integration/test-learn \
	tests/integration/test-args \
	tests/integration/test-ucounts
check_PROGRAMS += $(integration_tests)
TESTS += $(integration_tests)

itest_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib -I$(top_srcdir)/client
itest_cflags = $(AM_CFLAGS) $(CHECK_CFLAGS)
itest_ldadd = tests/integration/libitest.la tests/lib/libtestlib.la \
	client/libsandbox-client.la protocol/libprotocol.la $(CHECK_LIBS)

tests_integration_test_basic_SOURCES = tests/integration/test-basic.c
tests_integration_test_basic_CPPFLAGS = $(itest_cppflags)
tests_integration_test_basic_CFLAGS = $(itest_cflags)
tests_integration_test_basic_LDADD = $(itest_ldadd)

tests_integration_test_limits_SOURCES = tests/integration/test-limits.c
tests_integration_test_limits_CPPFLAGS = $(itest_cppflags)
tests_integration_test_limits_CFLAGS = $(itest_cflags)
tests_integration_test_limits_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_limits_DEPENDENCIES = tests/integration/helpers/cpu-spin

tests_integration_test_confine_SOURCES = tests/integration/test-confine.c
tests_integration_test_confine_CPPFLAGS = $(itest_cppflags)
tests_integration_test_confine_CFLAGS = $(itest_cflags)
tests_integration_test_confine_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_confine_DEPENDENCIES = tests/integration/helpers/escape

tests_integration_test_lifetime_SOURCES = tests/integration/test-lifetime.c
tests_integration_test_lifetime_CPPFLAGS = $(itest_cppflags)
tests_integration_test_lifetime_CFLAGS = $(itest_cflags)
tests_integration_test_lifetime_LDADD = $(itest_ldadd)

tests_integration_test_badinput_SOURCES = tests/integration/test-badinput.c
tests_integration_test_badinput_CPPFLAGS = $(itest_cppflags)
tests_integration_test_badinput_CFLAGS = $(itest_cflags)
tests_integration_test_badinput_LDADD = $(itest_ldadd)

tests_integration_test_users_SOURCES = tests/integration/test-users.c
tests_integration_test_users_CPPFLAGS = $(itest_cppflags)
tests_integration_test_users_CFLAGS = $(itest_cflags)
tests_integration_test_users_LDADD = $(itest_ldadd)

tests_integration_test_reload_SOURCES = tests/integration/test-reload.c
tests_integration_test_reload_CPPFLAGS = $(itest_cppflags)
tests_integration_test_reload_CFLAGS = $(itest_cflags)
tests_integration_test_reload_LDADD = $(itest_ldadd)

tests_integration_test_include_SOURCES = tests/integration/test-include.c
tests_integration_test_include_CPPFLAGS = $(itest_cppflags)
tests_integration_test_include_CFLAGS = $(itest_cflags)
tests_integration_test_include_LDADD = $(itest_ldadd)

tests_integration_test_faults_SOURCES = tests/integration/test-faults.c
tests_integration_test_faults_CPPFLAGS = $(itest_cppflags)
tests_integration_test_faults_CFLAGS = $(itest_cflags)
tests_integration_test_faults_LDADD = $(itest_ldadd)

tests_integration_test_faults_conn_SOURCES = tests/integration/test-faults-conn.c
tests_integration_test_faults_conn_CPPFLAGS = $(itest_cppflags)
tests_integration_test_faults_conn_CFLAGS = $(itest_cflags)
tests_integration_test_faults_conn_LDADD = $(itest_ldadd)

tests_integration_test_injection_SOURCES = tests/integration/test-injection.c
tests_integration_test_injection_CPPFLAGS = $(itest_cppflags)
tests_integration_test_injection_CFLAGS = $(itest_cflags)
tests_integration_test_injection_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_injection_DEPENDENCIES = tests/integration/helpers/broker-target

tests_integration_test_policycheck_SOURCES = tests/integration/test-policycheck.c
tests_integration_test_policycheck_CPPFLAGS = $(itest_cppflags)
tests_integration_test_policycheck_CFLAGS = $(itest_cflags)
tests_integration_test_policycheck_LDADD = $(itest_ldadd)

tests_integration_test_accounts_SOURCES = tests/integration/test-accounts.c
tests_integration_test_accounts_CPPFLAGS = $(itest_cppflags)
tests_integration_test_accounts_CFLAGS = $(itest_cflags)
tests_integration_test_accounts_LDADD = $(itest_ldadd)

tests_integration_test_policies_SOURCES = tests/integration/test-policies.c
tests_integration_test_policies_CPPFLAGS = $(itest_cppflags)
tests_integration_test_policies_CFLAGS = $(itest_cflags)
tests_integration_test_policies_LDADD = $(itest_ldadd)

tests_integration_test_loopback_SOURCES = tests/integration/test-loopback.c
tests_integration_test_loopback_CPPFLAGS = $(itest_cppflags)
tests_integration_test_loopback_CFLAGS = $(itest_cflags)
tests_integration_test_loopback_LDADD = $(itest_ldadd)

tests_integration_test_surface_SOURCES = tests/integration/test-surface.c
tests_integration_test_surface_CPPFLAGS = $(itest_cppflags)
tests_integration_test_surface_CFLAGS = $(itest_cflags)
tests_integration_test_surface_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_surface_DEPENDENCIES = tests/integration/helpers/memfd-exec

tests_integration_test_procmask_SOURCES = tests/integration/test-procmask.c
tests_integration_test_procmask_CPPFLAGS = $(itest_cppflags)
tests_integration_test_procmask_CFLAGS = $(itest_cflags)
tests_integration_test_procmask_LDADD = $(itest_ldadd)

# Learning mode and named denials. It parses policies (daemon/libpolicy)
# to count the system calls they allow.
tests_integration_test_learn_SOURCES = tests/integration/test-learn.c
tests_integration_test_learn_CPPFLAGS = $(itest_cppflags) $(DAEMON_INCLUDES)
tests_integration_test_learn_CFLAGS = $(itest_cflags) $(LIBSECCOMP_CFLAGS)
tests_integration_test_learn_LDADD = $(itest_ldadd) daemon/libpolicy.la common/libcommon.la \
	$(LIBSECCOMP_LIBS)
EXTRA_tests_integration_test_learn_DEPENDENCIES = tests/integration/helpers/learn-target

# System call arguments in policies: the "tight" test policy.
tests_integration_test_args_SOURCES = tests/integration/test-args.c
tests_integration_test_args_CPPFLAGS = $(itest_cppflags)
tests_integration_test_args_CFLAGS = $(itest_cflags)
tests_integration_test_args_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_args_DEPENDENCIES = tests/integration/helpers/tight-echo

# Per-user kernel limits charged to the sandbox's own uid.
tests_integration_test_ucounts_SOURCES = tests/integration/test-ucounts.c
tests_integration_test_ucounts_CPPFLAGS = $(itest_cppflags)
tests_integration_test_ucounts_CFLAGS = $(itest_cflags)
tests_integration_test_ucounts_LDADD = $(itest_ldadd)
EXTRA_tests_integration_test_ucounts_DEPENDENCIES = tests/integration/helpers/ucounts-target

# systemd units: verify, security score, socket activation, sd_notify.
dist_check_SCRIPTS += tests/integration/units.sh
TESTS += tests/integration/units.sh

# cgroup v2 delegation, in a private mount namespace.
dist_check_SCRIPTS += tests/integration/cgroup-v2.sh
TESTS += tests/integration/cgroup-v2.sh
EXTRA_DIST += tests/integration/tap.sh

# The network namespace pool without CAP_NET_ADMIN.
dist_check_SCRIPTS += tests/integration/netns-pool.sh
TESTS += tests/integration/netns-pool.sh

# One hint, after the tests, if they skipped for want of cgroup limits.
check-local: check-hint-cgroups
check-hint-cgroups: check-TESTS
	@if grep -qs 'SKIP sandboxd cannot enforce memory, tasks and CPU limits' \
	    $(TEST_LOGS); then \
		echo "NOTE: the integration tests were skipped: sandboxd cannot enforce memory, tasks"; \
		echo "NOTE: and CPU limits where they ran (see a skipped test's .log for why). As root on"; \
		echo "NOTE: a systemd host, run them in a delegated scope:"; \
		echo "NOTE:     systemd-run --scope -p Delegate=yes make check"; \
	fi
.PHONY: check-hint-cgroups

# The D-Bus API on a private dbus-daemon, with busctl, gdbus and python3-dbus,
# against the shipped introspection XML and bus policy.
dist_check_SCRIPTS += tests/integration/dbus.sh
TESTS += tests/integration/dbus.sh
EXTRA_DIST += tests/integration/test-dbus.py
