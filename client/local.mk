# SPDX-License-Identifier: LGPL-2.1-or-later
lib_LTLIBRARIES += client/libsandbox-client.la
include_HEADERS += client/sandbox-client.h
pkgconfig_DATA += client/libsandbox-client.pc
EXTRA_DIST += client/libsandbox-client.sym client/libsandbox-client.pc.in

client_libsandbox_client_la_SOURCES = \
	client/sandbox-client.h \
	client/libsandbox-client.c \
	client/broker-client.c
client_libsandbox_client_la_LIBADD = protocol/libprotocol.la
client_libsandbox_client_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-Wl,--version-script=$(top_srcdir)/client/libsandbox-client.sym
EXTRA_client_libsandbox_client_la_DEPENDENCIES = client/libsandbox-client.sym

bin_PROGRAMS += client/sandboxctl
client_sandboxctl_SOURCES = client/sandboxctl.c \
	client/sandboxctl-output.c client/sandboxctl-output.h
client_sandboxctl_CPPFLAGS = $(AM_CPPFLAGS) -DSANDBOXD_PATH=\"$(sbindir)/sandboxd\"
client_sandboxctl_LDADD = client/libsandbox-client.la common/libcommon.la

# No libtool archives installed (as Debian asks): nothing links against
# them, and they would name the build's libdir. libtool's uninstall reads
# the .la file to find the rest, so the library is removed by name.
install-exec-hook: install-exec-hook-client
install-exec-hook-client:
	rm -f $(DESTDIR)$(libdir)/libsandbox-client.la
uninstall-hook: uninstall-hook-client
uninstall-hook-client:
	rm -f $(DESTDIR)$(libdir)/libsandbox-client.so $(DESTDIR)$(libdir)/libsandbox-client.so.*
.PHONY: install-exec-hook-client uninstall-hook-client
