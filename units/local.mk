# SPDX-License-Identifier: LGPL-2.1-or-later
#
# systemd units. The service names the installed daemon, so it is made
# from a template at build time (not by configure: $(sbindir) may be
# changed at "make" time, and distcheck installs into a staging prefix).

systemdsystemunit_DATA += units/sandboxd.service units/sandboxd.socket
dist_doc_DATA = units/sandboxd.conf.example
EXTRA_DIST += units/sandboxd.service.in units/sandboxd.socket
CLEANFILES += units/sandboxd.service

units/sandboxd.service: $(top_srcdir)/units/sandboxd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) units && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(top_srcdir)/units/sandboxd.service.in > $@.tmp && \
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
