# SPDX-License-Identifier: LGPL-2.1-or-later
#
# systemd units and the D-Bus files. The service and the bus activation
# file name the installed daemon, so they are made from templates at
# build time (not by configure: $(sbindir) may be changed at "make" time,
# and distcheck installs into a staging prefix).

systemdsystemunit_DATA += units/sandboxd.service units/sandboxd.socket
dist_doc_DATA = units/sandboxd.conf.example
EXTRA_DIST += units/sandboxd.service.in units/sandboxd.socket
CLEANFILES += units/sandboxd.service

# The system bus: the bus policy, read by dbus-daemon from
# $(datadir)/dbus-1/system.d, and the activation file, which hands the
# start to systemd (SystemdService=sandboxd.service).
dbussystemdir = $(datadir)/dbus-1/system.d
dist_dbussystem_DATA = units/org.sandboxd.Sandbox1.conf
dbussystemservicedir = $(datadir)/dbus-1/system-services
dbussystemservice_DATA = units/org.sandboxd.Sandbox1.service
EXTRA_DIST += units/org.sandboxd.Sandbox1.service.in
CLEANFILES += units/org.sandboxd.Sandbox1.service

units/sandboxd.service: $(top_srcdir)/units/sandboxd.service.in
units/org.sandboxd.Sandbox1.service: $(top_srcdir)/units/org.sandboxd.Sandbox1.service.in
units/sandboxd.service units/org.sandboxd.Sandbox1.service: Makefile
	$(AM_V_GEN)$(MKDIR_P) units && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(top_srcdir)/$@.in > $@.tmp && \
	mv -f $@.tmp $@

# tmpfiles.d: installed under its conventional name, sandboxd.conf.
EXTRA_DIST += units/sandboxd.tmpfiles
install-data-hook: install-data-hook-tmpfiles
install-data-hook-tmpfiles:
	$(MKDIR_P) $(DESTDIR)$(tmpfilesdir)
	$(INSTALL_DATA) $(srcdir)/units/sandboxd.tmpfiles $(DESTDIR)$(tmpfilesdir)/sandboxd.conf
uninstall-hook: uninstall-hook-tmpfiles
uninstall-hook-tmpfiles:
	rm -f $(DESTDIR)$(tmpfilesdir)/sandboxd.conf
.PHONY: install-data-hook-tmpfiles uninstall-hook-tmpfiles
