# SPDX-License-Identifier: LGPL-2.1-or-later
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = CK_TAP_LOG_FILE_NAME=-; CK_VERBOSITY=silent; \
	SANDBOXD=$(abs_top_builddir)/daemon/sandboxd; \
	SANDBOXCTL=$(abs_top_builddir)/client/sandboxctl; \
	TOP_SRCDIR=$(abs_top_srcdir); \
	export CK_TAP_LOG_FILE_NAME CK_VERBOSITY SANDBOXD SANDBOXCTL TOP_SRCDIR;

check_LTLIBRARIES += tests/lib/libtestlib.la
tests_lib_libtestlib_la_SOURCES = tests/lib/testlib.c tests/lib/testlib.h
tests_lib_libtestlib_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-DTESTLIB_TOP_SRCDIR=\"$(abs_top_srcdir)\"
tests_lib_libtestlib_la_LIBADD = $(CHECK_LIBS)

unit_tests = \
	tests/unit/test-bpf \
	tests/unit/test-dispatch \
	tests/unit/test-conf \
	tests/unit/test-escape \
	tests/unit/test-fileio \
	tests/unit/test-ini \
	tests/unit/test-landlock-abi \
	tests/unit/test-learn \
	tests/unit/test-parse-util \
	tests/unit/test-policy \
	tests/unit/test-ratelimit \
	tests/unit/test-signal-util \
	tests/unit/test-target-request \
	tests/unit/test-string-util
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)

# What every unit test compiles and links with; most need nothing more
# than libcommon.
unit_test_cflags = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/lib
unit_test_ldadd = tests/lib/libtestlib.la common/libcommon.la $(CHECK_LIBS)

# dispatch_decode() is pure, but its table names the handlers: the whole
# daemon library, as the fuzzers link it.
tests_unit_test_dispatch_SOURCES = tests/unit/test-dispatch.c
tests_unit_test_dispatch_CFLAGS = $(unit_test_cflags) $(DAEMON_INCLUDES) \
	$(LIBEVENT_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LIBSECCOMP_CFLAGS)
tests_unit_test_dispatch_LDADD = daemon/libdaemon.la daemon/libpolicy.la \
	protocol/libprotocol.la $(unit_test_ldadd) $(LIBEVENT_LIBS) $(LIBSYSTEMD_LIBS) \
	$(LIBSECCOMP_LIBS)

tests_unit_test_escape_SOURCES = tests/unit/test-escape.c
tests_unit_test_escape_CFLAGS = $(unit_test_cflags)
tests_unit_test_escape_LDADD = $(unit_test_ldadd)
tests_unit_test_parse_util_SOURCES = tests/unit/test-parse-util.c
tests_unit_test_parse_util_CFLAGS = $(unit_test_cflags)
tests_unit_test_parse_util_LDADD = $(unit_test_ldadd)
tests_unit_test_signal_util_SOURCES = tests/unit/test-signal-util.c
tests_unit_test_signal_util_CFLAGS = $(unit_test_cflags)
tests_unit_test_signal_util_LDADD = $(unit_test_ldadd)
tests_unit_test_fileio_SOURCES = tests/unit/test-fileio.c
tests_unit_test_fileio_CFLAGS = $(unit_test_cflags)
tests_unit_test_fileio_LDADD = $(unit_test_ldadd)
tests_unit_test_string_util_SOURCES = tests/unit/test-string-util.c
tests_unit_test_string_util_CFLAGS = $(unit_test_cflags)
tests_unit_test_string_util_LDADD = $(unit_test_ldadd)
tests_unit_test_ini_SOURCES = tests/unit/test-ini.c
tests_unit_test_ini_CFLAGS = $(unit_test_cflags)
tests_unit_test_ini_LDADD = $(unit_test_ldadd)
tests_unit_test_ratelimit_SOURCES = tests/unit/test-ratelimit.c
tests_unit_test_ratelimit_CFLAGS = $(unit_test_cflags)
tests_unit_test_ratelimit_LDADD = $(unit_test_ldadd)

# conf.c is pure but for reading its file: built from its source.
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c daemon/conf.c daemon/conf.h
tests_unit_test_conf_CFLAGS = $(unit_test_cflags) $(DAEMON_INCLUDES)
tests_unit_test_conf_LDADD = $(unit_test_ldadd)

tests_unit_test_policy_SOURCES = tests/unit/test-policy.c
tests_unit_test_policy_CFLAGS = $(unit_test_cflags) $(LIBSECCOMP_CFLAGS) $(DAEMON_INCLUDES)
tests_unit_test_policy_LDADD = daemon/libpolicy.la $(unit_test_ldadd) $(LIBSECCOMP_LIBS)

tests_unit_test_bpf_SOURCES = tests/unit/test-bpf.c
tests_unit_test_bpf_CFLAGS = $(unit_test_cflags) $(LIBSECCOMP_CFLAGS) $(DAEMON_INCLUDES)
tests_unit_test_bpf_LDADD = daemon/libpolicy.la $(unit_test_ldadd) $(LIBSECCOMP_LIBS)

# learn.c is pure (but for learn_observe_host()) and needs only the policy
# code and protocol/'s headers: built from its source.
tests_unit_test_learn_SOURCES = tests/unit/test-learn.c daemon/broker/learn.c \
	daemon/broker/learn.h
tests_unit_test_learn_CFLAGS = $(unit_test_cflags) $(LIBSECCOMP_CFLAGS) $(DAEMON_INCLUDES)
tests_unit_test_learn_LDADD = daemon/libpolicy.la $(unit_test_ldadd) $(LIBSECCOMP_LIBS)

# The pure half of target.c, linked alone.
tests_unit_test_target_request_SOURCES = tests/unit/test-target-request.c \
	daemon/target/target-request.c daemon/target/target-request.h
tests_unit_test_target_request_CFLAGS = $(unit_test_cflags) $(LIBSECCOMP_CFLAGS) \
	$(DAEMON_INCLUDES)
tests_unit_test_target_request_LDADD = $(unit_test_ldadd)

tests_unit_test_landlock_abi_SOURCES = tests/unit/test-landlock-abi.c
tests_unit_test_landlock_abi_CFLAGS = $(unit_test_cflags) $(DAEMON_INCLUDES)
tests_unit_test_landlock_abi_LDADD = daemon/libpolicy.la $(unit_test_ldadd) $(LIBSECCOMP_LIBS)
