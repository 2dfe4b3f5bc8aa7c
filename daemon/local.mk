# SPDX-License-Identifier: LGPL-2.1-or-later

# daemon/ is one folder per part (docs/ARCHITECTURE.md); the files at its
# top are the core. Every part sees every other's headers: $(DAEMON_INCLUDES).

# policy/: policy code, linked alone by the unit tests: pure but for
# policy-io.c.
noinst_LTLIBRARIES += daemon/libpolicy.la
daemon_libpolicy_la_SOURCES = \
	daemon/policy/policy.c daemon/policy/policy.h daemon/policy/policy-internal.h \
	daemon/policy/policy-parse.c daemon/policy/policy-args.c \
	daemon/policy/policy-seccomp.c \
	daemon/policy/bpf.c daemon/policy/bpf.h \
	daemon/policy/policy-io.c \
	daemon/policy/landlock-abi.c daemon/policy/landlock-abi.h \
	daemon/policy/syscall-groups.c daemon/policy/syscall-groups.h
daemon_libpolicy_la_CPPFLAGS = $(AM_CPPFLAGS) $(DAEMON_INCLUDES)
daemon_libpolicy_la_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
daemon_libpolicy_la_LIBADD = common/libcommon.la $(LIBSECCOMP_LIBS)

# confine/: what runs after clone3(), in the sandbox's init. Built without
# libevent and with SANDBOXD_ASYNC_SIGNAL_SAFE, under which common/log.h
# and common/event-util.h are compile errors: nothing here may log,
# allocate through our helpers or touch the loop, only make system calls.
noinst_LTLIBRARIES += daemon/libconfine.la
daemon_libconfine_la_SOURCES = \
	daemon/confine/spawn.c daemon/confine/spawn.h \
	daemon/confine/confine-mount.c \
	daemon/confine/confine-landlock.c
daemon_libconfine_la_CPPFLAGS = $(AM_CPPFLAGS) $(DAEMON_INCLUDES) -DSANDBOXD_ASYNC_SIGNAL_SAFE
daemon_libconfine_la_CFLAGS = $(AM_CFLAGS)

# Everything but main(), so the fuzzers link the daemon's own dispatch
# and broker decoding.
noinst_LTLIBRARIES += daemon/libdaemon.la
daemon_libdaemon_la_SOURCES = \
	daemon/manager.c daemon/manager.h \
	daemon/conf.c daemon/conf.h \
	daemon/workers.c daemon/workers.h \
	daemon/reload.c daemon/reload.h \
	daemon/control/conn.c daemon/control/conn.h \
	daemon/control/dispatch.c daemon/control/dispatch.h \
	daemon/control/authz.c daemon/control/authz.h \
	daemon/control/req-hello.c \
	daemon/control/req-spawn.c \
	daemon/control/req-kill.c \
	daemon/control/req-list.c \
	daemon/control/req-status.c \
	daemon/control/req-policy-list.c \
	daemon/control/req-policy-show.c \
	daemon/control/req-policy-check.c \
	daemon/target/target.c daemon/target/target.h \
	daemon/target/target-request.c daemon/target/target-request.h \
	daemon/target/uid-pool.c daemon/target/uid-pool.h \
	daemon/target/netns-pool.c daemon/target/netns-pool.h \
	daemon/target/pidns-sysctl.c daemon/target/pidns-sysctl.h \
	daemon/target/skeleton.c daemon/target/skeleton.h \
	daemon/target/cgroup.c daemon/target/cgroup.h \
	daemon/broker/broker.c daemon/broker/broker.h \
	daemon/broker/relay.c daemon/broker/relay.h \
	daemon/broker/action.h daemon/broker/action-file.c daemon/broker/action-connect.c \
	daemon/broker/creds.c \
	daemon/broker/intercept.c daemon/broker/intercept.h \
	daemon/broker/learn.c daemon/broker/learn.h \
	daemon/policy/policy-store.c daemon/policy/policy-store.h \
	daemon/policy/policy-check.c daemon/policy/policy-check.h \
	daemon/policy/policy-checker.c daemon/policy/policy-checker.h \
	daemon/bus/bus.c daemon/bus/bus.h daemon/bus/bus-internal.h \
	daemon/bus/bus-manager.c \
	daemon/bus/bus-sandbox.c
daemon_libdaemon_la_CPPFLAGS = $(AM_CPPFLAGS) $(DAEMON_INCLUDES)
daemon_libdaemon_la_CFLAGS = $(AM_CFLAGS) -pthread $(LIBEVENT_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LIBSECCOMP_CFLAGS)
daemon_libdaemon_la_LIBADD = daemon/libconfine.la daemon/libpolicy.la protocol/libprotocol.la \
	common/libcommon.la $(LIBEVENT_LIBS) $(LIBSYSTEMD_LIBS) $(LIBSECCOMP_LIBS) -lpthread

sbin_PROGRAMS += daemon/sandboxd
daemon_sandboxd_SOURCES = daemon/main.c
daemon_sandboxd_CPPFLAGS = $(daemon_libdaemon_la_CPPFLAGS)
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
