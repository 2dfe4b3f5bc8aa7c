# SPDX-License-Identifier: LGPL-2.1-or-later

# Policy code, linked alone by the unit tests: pure but for policy-io.c.
noinst_LTLIBRARIES += daemon/libpolicy.la
daemon_libpolicy_la_SOURCES = \
	daemon/policy.c daemon/policy.h daemon/policy-internal.h \
	daemon/policy-parse.c \
	daemon/policy-seccomp.c \
	daemon/policy-io.c \
	daemon/landlock-abi.c daemon/landlock-abi.h \
	daemon/syscall-groups.c daemon/syscall-groups.h
daemon_libpolicy_la_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
daemon_libpolicy_la_LIBADD = common/libcommon.la $(LIBSECCOMP_LIBS)

# Everything but main(), so the fuzzers link the daemon's own dispatch
# and broker decoding.
noinst_LTLIBRARIES += daemon/libdaemon.la
daemon_libdaemon_la_SOURCES = \
	daemon/manager.c daemon/manager.h \
	daemon/conf.c daemon/conf.h \
	daemon/conn.c daemon/conn.h \
	daemon/dispatch.c daemon/dispatch.h \
	daemon/authz.c daemon/authz.h \
	daemon/req-hello.c \
	daemon/req-spawn.c \
	daemon/req-sandbox.c \
	daemon/req-policy.c \
	daemon/policy-store.c daemon/policy-store.h \
	daemon/policy-check.c daemon/policy-check.h \
	daemon/policy-checker.c daemon/policy-checker.h \
	daemon/skeleton.c daemon/skeleton.h \
	daemon/target.c daemon/target.h \
	daemon/target-request.c daemon/target-request.h \
	daemon/broker.c daemon/broker.h \
	daemon/workers.c daemon/workers.h \
	daemon/relay.c daemon/relay.h \
	daemon/action.h daemon/action-file.c daemon/action-connect.c daemon/creds.c \
	daemon/uid-pool.c daemon/uid-pool.h \
	daemon/netns-pool.c daemon/netns-pool.h \
	daemon/spawn.c daemon/spawn.h \
	daemon/confine-mount.c \
	daemon/confine-landlock.c \
	daemon/confine-cgroup.c daemon/confine-cgroup.h
daemon_libdaemon_la_CFLAGS = $(AM_CFLAGS) -pthread -I$(top_srcdir)/daemon $(LIBEVENT_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LIBSECCOMP_CFLAGS)
daemon_libdaemon_la_LIBADD = daemon/libpolicy.la protocol/libprotocol.la common/libcommon.la \
	$(LIBEVENT_LIBS) $(LIBSYSTEMD_LIBS) $(LIBSECCOMP_LIBS) -lpthread

sbin_PROGRAMS += daemon/sandboxd
daemon_sandboxd_SOURCES = daemon/main.c
daemon_sandboxd_CFLAGS = $(daemon_libdaemon_la_CFLAGS)
daemon_sandboxd_LDADD = daemon/libdaemon.la

# The shipped policies, embedded so an uninstalled sandboxd has them.
nodist_daemon_libdaemon_la_SOURCES = daemon/policies-embedded.c
BUILT_SOURCES = daemon/policies-embedded.c
CLEANFILES += daemon/policies-embedded.c
EXTRA_DIST += daemon/gen-embedded.sh
daemon/policies-embedded.c: $(dist_policies_DATA) $(top_srcdir)/daemon/gen-embedded.sh
	$(AM_V_GEN)$(MKDIR_P) daemon && \
	$(SHELL) $(top_srcdir)/daemon/gen-embedded.sh $(top_srcdir) $(dist_policies_DATA) > $@.tmp && \
	mv $@.tmp $@
