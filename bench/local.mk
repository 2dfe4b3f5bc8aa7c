# SPDX-License-Identifier: LGPL-2.1-or-later

# Benchmarks: built with the rest (so they keep compiling), run only by
# "make bench" (needs root: it starts a private sandboxd). Not tests.
noinst_PROGRAMS += bench/bench-spawn bench/bench-exec bench/bench-broker bench/bench-seccomp \
	bench/bench-relay bench/bench-dbus bench/bench-intercept bench/bench-denials
EXTRA_DIST += bench/run.sh

bench_bench_spawn_SOURCES = bench/bench-spawn.c bench/bench-util.h
bench_bench_spawn_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
bench_bench_spawn_LDADD = client/libsandbox-client.la
# A real binary, not a libtool wrapper script, even with shared libraries.
bench_bench_spawn_LDFLAGS = $(AM_LDFLAGS) -no-install

bench_bench_exec_SOURCES = bench/bench-exec.c bench/bench-util.h

# Runs itself inside a sandbox (--inner): the policy it writes binds its
# directory and libsandbox-client's (its RUNPATH) read-only at the same paths.
bench_bench_broker_SOURCES = bench/bench-broker.c bench/bench-util.h
bench_bench_broker_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
bench_bench_broker_LDADD = client/libsandbox-client.la
bench_bench_broker_LDFLAGS = $(AM_LDFLAGS) -no-install

# A relayed (brokered) TCP stream against a direct one; runs itself inside
# a sandbox (--inner) under a policy it writes, as bench-broker does.
bench_bench_relay_SOURCES = bench/bench-relay.c bench/bench-util.h
bench_bench_relay_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
bench_bench_relay_LDADD = client/libsandbox-client.la
bench_bench_relay_LDFLAGS = $(AM_LDFLAGS) -no-install

# Stacked seccomp filters as systemd loads them, against none and one.
bench_bench_seccomp_SOURCES = bench/bench-seccomp.c bench/bench-util.h
bench_bench_seccomp_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
bench_bench_seccomp_LDADD = $(LIBSECCOMP_LIBS)

# Spawns and requests over the bus against the socket; run.sh starts a
# private dbus-daemon and a sandboxd serving on it.
bench_bench_dbus_SOURCES = bench/bench-dbus.c bench/bench-util.h
bench_bench_dbus_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
bench_bench_dbus_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS)
bench_bench_dbus_LDADD = client/libsandbox-client.la $(LIBSYSTEMD_LIBS)
bench_bench_dbus_LDFLAGS = $(AM_LDFLAGS) -no-install

# [Broker] Intercept=yes against no: start-to-exit, and an intercepted open
# against a direct one and the explicit API; runs itself inside a sandbox
# (--inner) under the two policies it writes, as bench-broker does.
bench_bench_intercept_SOURCES = bench/bench-intercept.c bench/bench-util.h
bench_bench_intercept_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
bench_bench_intercept_LDADD = client/libsandbox-client.la
bench_bench_intercept_LDFLAGS = $(AM_LDFLAGS) -no-install

# A refused call named by sandboxd against one the kernel answers, and an
# allowed one; runs itself inside a sandbox (--inner) under the policy it
# writes, and in a forked child under a libseccomp filter of its own.
bench_bench_denials_SOURCES = bench/bench-denials.c bench/bench-util.h
bench_bench_denials_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
bench_bench_denials_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
bench_bench_denials_LDADD = client/libsandbox-client.la $(LIBSECCOMP_LIBS)
bench_bench_denials_LDFLAGS = $(AM_LDFLAGS) -no-install

bench: bench/bench-spawn$(EXEEXT) bench/bench-exec$(EXEEXT) bench/bench-broker$(EXEEXT) \
		bench/bench-seccomp$(EXEEXT) bench/bench-relay$(EXEEXT) bench/bench-dbus$(EXEEXT) \
		bench/bench-intercept$(EXEEXT) bench/bench-denials$(EXEEXT) daemon/sandboxd$(EXEEXT) \
		client/sandboxctl$(EXEEXT)
	SANDBOXD=$(abs_top_builddir)/daemon/sandboxd$(EXEEXT) \
	SANDBOXCTL=$(abs_top_builddir)/client/sandboxctl$(EXEEXT) \
	BENCH_SPAWN=$(abs_top_builddir)/bench/bench-spawn$(EXEEXT) \
	BENCH_EXEC=$(abs_top_builddir)/bench/bench-exec$(EXEEXT) \
	BENCH_BROKER=$(abs_top_builddir)/bench/bench-broker$(EXEEXT) \
	BENCH_SECCOMP=$(abs_top_builddir)/bench/bench-seccomp$(EXEEXT) \
	BENCH_RELAY=$(abs_top_builddir)/bench/bench-relay$(EXEEXT) \
	BENCH_DBUS=$(abs_top_builddir)/bench/bench-dbus$(EXEEXT) \
	BENCH_INTERCEPT=$(abs_top_builddir)/bench/bench-intercept$(EXEEXT) \
	BENCH_DENIALS=$(abs_top_builddir)/bench/bench-denials$(EXEEXT) \
	BENCH_BUS_POLICY=$(abs_top_srcdir)/units/org.sandboxd.Sandbox1.conf \
	$(SHELL) $(srcdir)/bench/run.sh

.PHONY: bench
