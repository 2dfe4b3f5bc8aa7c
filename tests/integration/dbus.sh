#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The D-Bus API, org.sandboxd.Sandbox1(5): test-dbus.py against a real
# sandboxd on a private dbus-daemon that runs a system-bus-like
# configuration with the shipped bus policy. Needs root, dbus-daemon,
# busctl, gdbus and Debian's python3-dbus and python3-gi (hence
# /usr/bin/python3, not whatever python3 comes first in PATH); prints TAP.

: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

. "$TOP_SRCDIR/tests/integration/tap.sh"
require dbus-daemon busctl gdbus

if ! /usr/bin/python3 -c 'import dbus.mainloop.glib, gi.repository.GLib' >/dev/null 2>&1; then
	echo "1..0 # SKIP /usr/bin/python3 lacks python3-dbus or python3-gi"
	exit 0
fi
exec /usr/bin/python3 "$TOP_SRCDIR/tests/integration/test-dbus.py"
