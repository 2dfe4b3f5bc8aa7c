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
	tests/unit/test-conf \
	tests/unit/test-escape \
	tests/unit/test-fileio \
	tests/unit/test-ini \
	tests/unit/test-landlock-abi \
	tests/unit/test-policy \
	tests/unit/test-ratelimit \
	tests/unit/test-string-util
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)

tests_unit_test_escape_SOURCES = tests/unit/test-escape.c
tests_unit_test_escape_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/lib
tests_unit_test_escape_LDADD = tests/lib/libtestlib.la common/libcommon.la $(CHECK_LIBS)

# conf.c is pure but for reading its file: built from its source.
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c daemon/conf.c daemon/conf.h
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-I$(top_srcdir)/daemon -I$(top_srcdir)/tests/lib
tests_unit_test_conf_LDADD = tests/lib/libtestlib.la common/libcommon.la $(CHECK_LIBS)

tests_unit_test_fileio_SOURCES = tests/unit/test-fileio.c
tests_unit_test_fileio_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/lib
tests_unit_test_fileio_LDADD = tests/lib/libtestlib.la common/libcommon.la $(CHECK_LIBS)

tests_unit_test_string_util_SOURCES = tests/unit/test-string-util.c
tests_unit_test_string_util_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/lib
tests_unit_test_string_util_LDADD = tests/lib/libtestlib.la common/libcommon.la $(CHECK_LIBS)

tests_unit_test_ini_SOURCES = tests/unit/test-ini.c
tests_unit_test_ini_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/lib
tests_unit_test_ini_LDADD = tests/lib/libtestlib.la common/libcommon.la $(CHECK_LIBS)

tests_unit_test_policy_SOURCES = tests/unit/test-policy.c
tests_unit_test_policy_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBSECCOMP_CFLAGS) \
	-I$(top_srcdir)/daemon -I$(top_srcdir)/tests/lib
tests_unit_test_policy_LDADD = tests/lib/libtestlib.la daemon/libpolicy.la \
	common/libcommon.la $(LIBSECCOMP_LIBS) $(CHECK_LIBS)

# The limiter is pure but for its logging front end: built from its source.
tests_unit_test_ratelimit_SOURCES = tests/unit/test-ratelimit.c \
	daemon/ratelimit.c daemon/ratelimit.h
tests_unit_test_ratelimit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-I$(top_srcdir)/daemon -I$(top_srcdir)/tests/lib
tests_unit_test_ratelimit_LDADD = tests/lib/libtestlib.la common/libcommon.la $(CHECK_LIBS)

tests_unit_test_landlock_abi_SOURCES = tests/unit/test-landlock-abi.c
tests_unit_test_landlock_abi_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-I$(top_srcdir)/daemon -I$(top_srcdir)/tests/lib
tests_unit_test_landlock_abi_LDADD = tests/lib/libtestlib.la daemon/libpolicy.la \
	common/libcommon.la $(LIBSECCOMP_LIBS) $(CHECK_LIBS)
