# SPDX-License-Identifier: LGPL-2.1-or-later
noinst_LTLIBRARIES += protocol/libprotocol.la
protocol_libprotocol_la_SOURCES = \
	protocol/sandbox-protocol.h \
	protocol/wire.c protocol/wire.h \
	protocol/msg.c protocol/msg.h \
	protocol/msg-names.c \
	protocol/fdpass.c protocol/fdpass.h
EXTRA_DIST += protocol/PROTOCOL.md

# The D-Bus introspection data of org.sandboxd.Sandbox1, installed where
# D-Bus tools and bindings look for it.
dbusinterfacesdir = $(datadir)/dbus-1/interfaces
dist_dbusinterfaces_DATA = \
	protocol/org.sandboxd.Sandbox1.Manager.xml \
	protocol/org.sandboxd.Sandbox1.Sandbox.xml
