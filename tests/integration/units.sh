#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The systemd units: they parse (systemd-analyze verify, failing on any
# diagnostic since verify exits 0 on unknown keys), the hardening score
# does not regress, and socket activation hands sandboxd a working
# SOCK_SEQPACKET listener (systemd-socket-activate --seqpacket), with
# READY=1 and STOPPING=1 on $NOTIFY_SOCKET and a clean exit on SIGTERM.
# The D-Bus files: the activation file hands the start to the unit that
# owns its bus name, the bus policy and the introspection data are
# well-formed XML, and a dbus-daemon loads the policy and finds the
# activatable name. Needs root and systemd's tools; prints TAP.

: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

. "$TOP_SRCDIR/tests/integration/tap.sh"
require systemd-analyze systemd-socket-activate python3

tmp=$(mktemp -d /tmp/sandboxd-units.XXXXXX) || exit 1
pid=
listener=
buspid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	[ -n "$listener" ] && kill "$listener" 2>/dev/null
	[ -n "$buspid" ] && kill "$buspid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


echo "1..10"

# 1-2: the units as installed, with ExecStart= pointing at the built
# daemon (verify insists that the binary exists).
mkdir "$tmp/units"
sed -e "s|@sbindir@/sandboxd|$SANDBOXD|" "$TOP_SRCDIR/units/sandboxd.service.in" \
	> "$tmp/units/sandboxd.service"
cp "$TOP_SRCDIR/units/sandboxd.socket" "$tmp/units/"
systemd-analyze verify --man=no "$tmp/units/sandboxd.socket" "$tmp/units/sandboxd.service" \
	> "$tmp/verify" 2>&1
rc=$?
# verify exits 0 even on unknown keys and bad values: any output fails.
if [ $rc -eq 0 ] && [ ! -s "$tmp/verify" ]; then
	ok "systemd-analyze verify accepts sandboxd.socket and sandboxd.service"
else
	not_ok "systemd-analyze verify accepts sandboxd.socket and sandboxd.service"
	diag "$tmp/verify"
fi
# A ratchet: 4.3 when written, 4.7 since the bounding set holds the
# CAP_SYS_ADMIN and CAP_NET_ADMIN the code needs (see the unit); fail above 5.0.
if systemd-analyze security --offline=true --threshold=50 "$tmp/units/sandboxd.service" \
	> "$tmp/security" 2>&1; then
	ok "$(grep -o 'Overall exposure level.*' "$tmp/security" | tr -cd '[:print:]' | sed 's/ *$//')"
else
	not_ok "systemd-analyze security: exposure above 5.0"
	diag "$tmp/security"
fi

# 3-7: socket activation. A datagram listener stands in for systemd's
# notification socket.
cat > "$tmp/notify.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
with open(sys.argv[2], "a") as f:
    while True:
        try:
            msg = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            break
        f.write(msg.replace("\n", " ") + "\n")
        f.flush()
PY
python3 "$tmp/notify.py" "$tmp/notify" "$tmp/notified" &
listener=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$tmp/notify" ] && break; sleep 0.2; done

NOTIFY_SOCKET=$tmp/notify systemd-socket-activate --seqpacket -E NOTIFY_SOCKET \
	-l "$tmp/s.sock" "$SANDBOXD" > "$tmp/daemon.log" 2>&1 &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$tmp/s.sock" ] && break; sleep 0.2; done

# The first connection starts the daemon (as Accept=no does).
out=$(timeout 30 "$SANDBOXCTL" --socket "$tmp/s.sock" run -- /bin/echo activated 2> "$tmp/ctl.err")
if [ "$out" = "activated" ]; then
	ok "a sandbox runs through the activated socket"
else
	not_ok "a sandbox runs through the activated socket (got '$out')"
	diag "$tmp/ctl.err" "$tmp/daemon.log"
fi
check "sandboxd says it uses the passed socket" \
	grep -q 'Using the socket passed by the service manager' "$tmp/daemon.log"

# Up to 20 s: under a loaded CI (the sanitizers' run) the listener may be
# scheduled late.
for _ in $(seq 1 100); do grep -q 'READY=1' "$tmp/notified" 2>/dev/null && break; sleep 0.2; done
check "sandboxd sends READY=1" grep -q 'READY=1' "$tmp/notified"

# systemd-socket-activate execs the daemon, so $pid is sandboxd itself.
kill -TERM "$pid"
rc=
for _ in $(seq 1 100); do
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		rc=$?
		break
	fi
	sleep 0.1
done
pid_left=$pid
pid=
if [ "$rc" = 0 ]; then
	ok "SIGTERM: sandboxd exits with status 0"
else
	pid=$pid_left
	not_ok "SIGTERM: sandboxd exits with status 0 (status '${rc:-still running}')"
	diag "$tmp/daemon.log"
fi
for _ in $(seq 1 100); do grep -q 'STOPPING=1' "$tmp/notified" 2>/dev/null && break; sleep 0.2; done
check "sandboxd sends STOPPING=1" grep -q 'STOPPING=1' "$tmp/notified"

# 8-10: the D-Bus files. The activation file as installed (made from its
# template as the unit is).
act=$tmp/units/org.sandboxd.Sandbox1.service
sed -e "s|@sbindir@/sandboxd|$SANDBOXD|" "$TOP_SRCDIR/units/org.sandboxd.Sandbox1.service.in" > "$act"
key() { sed -n "s/^$1=//p" "$2"; }
name=$(key Name "$act")
unit=$(key SystemdService "$act")
if [ "$name" = org.sandboxd.Sandbox1 ] && [ -f "$tmp/units/$unit" ] &&
	[ "$(key BusName "$tmp/units/$unit")" = "$name" ] && [ "$(key Exec "$act")" = "$SANDBOXD" ] &&
	[ "$(key User "$act")" = root ]; then
	ok "the activation file's SystemdService= ($unit) is the unit whose BusName= is its Name= ($name)"
else
	not_ok "the activation file's SystemdService= ('$unit') is the unit whose BusName= is its Name= ('$name')"
	diag "$act"
fi

xmls="$TOP_SRCDIR/units/org.sandboxd.Sandbox1.conf $TOP_SRCDIR/protocol/org.sandboxd.Sandbox1.Manager.xml
	$TOP_SRCDIR/protocol/org.sandboxd.Sandbox1.Sandbox.xml"
# shellcheck disable=SC2086 # one word per file
if /usr/bin/python3 -c '
import sys, xml.dom.minidom
for f in sys.argv[1:]:
    doc = xml.dom.minidom.parse(f)
    if doc.documentElement.tagName == "node":
        ifaces = doc.documentElement.getElementsByTagName("interface")
        assert len(ifaces) == 1, f + ": not exactly one <interface>"
' $xmls > "$tmp/xml" 2>&1; then
	ok "the bus policy and both introspection files are well-formed XML"
else
	not_ok "the bus policy and both introspection files are well-formed XML"
	diag "$tmp/xml"
fi

# A bus that includes the policy (dbus-daemon refuses to start on a
# broken one) and serves the activation file; by default its clients may
# only talk to the bus itself.
if command -v dbus-daemon >/dev/null 2>&1 && command -v busctl >/dev/null 2>&1; then
	mkdir "$tmp/services"
	cp "$act" "$tmp/services/"
	cat > "$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$tmp/services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow receive_sender="org.freedesktop.DBus"/>
  </policy>
  <include>$TOP_SRCDIR/units/org.sandboxd.Sandbox1.conf</include>
</busconfig>
CONF
	busout=$(dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid 2> "$tmp/bus.err")
	buspid=$(echo "$busout" | head -n 1)
	names=$(busctl --address="unix:path=$tmp/bus" call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus ListActivatableNames 2>> "$tmp/bus.err")
	[ -n "$buspid" ] && kill "$buspid" 2>/dev/null
	buspid=
	case $names in
	*'"org.sandboxd.Sandbox1"'*)
		ok "dbus-daemon loads the bus policy and lists org.sandboxd.Sandbox1 as activatable" ;;
	*)
		not_ok "dbus-daemon loads the bus policy and lists org.sandboxd.Sandbox1 as activatable (got '$names')"
		diag "$tmp/bus.err" ;;
	esac
else
	skip "dbus-daemon loads the bus policy (dbus-daemon or busctl is missing)"
fi
