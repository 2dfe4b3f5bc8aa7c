#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh: sandboxd's spawn, broker and D-Bus benchmarks. Run by "make
# bench" (as root), which sets the paths of the built programs:
#   SANDBOXD     the daemon               SANDBOXCTL  the CLI
#   BENCH_SPAWN  bench/bench-spawn        BENCH_EXEC  bench/bench-exec
#   BENCH_BROKER bench/bench-broker      BENCH_SECCOMP bench/bench-seccomp
#   BENCH_RELAY  bench/bench-relay        BENCH_DBUS  bench/bench-dbus
#   BENCH_INTERCEPT  bench/bench-intercept  BENCH_DENIALS bench/bench-denials
#   BENCH_BUS_POLICY  units/org.sandboxd.Sandbox1.conf (used if it exists)
# Optional: BENCH_ONLY (spawn, broker, seccomp, relay, dbus, intercept or
# denials: run only that part; default all),
# BENCH_N (bench-spawn iterations, default 1000), BENCH_EXEC_N
# (whole-process runs of each command, default BENCH_N/5, at least 10),
# BENCH_BROKER_N (brokered opens per case, default 20000), BENCH_RELAY_MIB
# (MiB each way per relay round, default 256), BENCH_DBUS_N (bench-dbus
# spawn rounds, default 500; request rounds 4 times as many), BWRAP
# (default: bwrap in $PATH), BENCH_POLICY (default "default"),
# BENCH_INTERCEPT_N (bench-intercept start-to-exit rounds, default BENCH_N/10,
# at least 20), BENCH_DENIALS_N (calls of each kind per bench-denials run,
# default BENCH_BROKER_N).
#
# 1. bench-spawn: posix_spawn vs sandbox_spawn (persistent connection, and a
#    fresh connection per spawn), in-process, with to-exec split out.
# 2. bench-exec: whole processes, interleaved round by round:
#    sandboxctl run -- /bin/true, bwrap --unshare-all --ro-bind / / /bin/true,
#    /bin/true.
# 3. bench-broker: open()+close() of a small file directly, against
#    sandbox_broker_open()+close() from inside a sandbox (policy
#    "bench-broker", written by bench-broker --write-policy into a private
#    --policy-dir before sandboxd starts, with "[Broker] Tree=<tmp>/data
#    read"), with the target and sandboxd on the same CPU, on different
#    CPUs, and unpinned. bench-broker pins sandboxd itself (-d PID) and
#    restores its affinity afterwards. A "floor" row times the bare exchange
#    (socketpair + SCM_RIGHTS to a forked child that opens), for scale.
# 4. bench-seccomp: the seccomp filters sandboxes inherit from the unit's
#    hardening: system calls, fork+exec and whole spawns with none, the
#    same rules merged into one filter, and 18 stacked as systemd loads
#    them (it starts its own two private daemons for the spawn row).
# 5. bench-relay: a brokered TCP stream (the daemon relays the target's
#    socketpair end to the real socket) against a direct loopback TCP
#    stream, MB/s each way, alternating round by round in the same run,
#    and their ratio. It writes its policy into the daemon's --policy-dir
#    and reloads it (SIGHUP).
# 6. bench-dbus: the D-Bus front end against the socket, interleaved round
#    by round: spawn->exit of /bin/true (Spawn and the Exited signal
#    against sandbox_spawn and sandbox_wait), a list request (ListSandboxes
#    against LIST), and ListPolicies from a fresh bus connection each time
#    against a kept one (and ListSandboxes from a fresh one, which adds the
#    daemon's look-up of a new client's credentials). It gets its own
#    private dbus-daemon (a system-bus-like configuration in the temporary
#    directory, with the shipped bus policy if there is one) and its own
#    sandboxd (--bus=yes) on it; skipped without dbus-daemon or busctl.
# 7. bench-intercept: [Broker] Intercept=yes against the same policy with
#    Intercept=no (policies "bench-intercept-on" and "-off", written by
#    bench-intercept --write-policy before sandboxd starts): start-to-exit
#    of /bin/true and of python3 -c pass, interleaved round by round; then
#    open()+close() loops in a sandbox: a file in its /tmp without and
#    with interception (the kernel performs it after the daemon's look),
#    a brokered file through interception, and through
#    sandbox_broker_open(); pinned to one CPU with sandboxd, then not.
# 8. bench-denials: a refused call (getpriority; mkdir, whose path the
#    daemon reads) answered and named by sandboxd in a sandbox under the
#    policy "bench-denials" (written by bench-denials --write-policy before
#    sandboxd starts), against the same calls in a forked child whose own
#    filter lets the kernel answer the errno, and an allowed getppid();
#    5 rounds, with sandboxd on CPU 0 and the target on CPU 0, then CPU 1,
#    then nothing pinned.
# A private sandboxd is started on a temporary socket and stopped at the end.
# Figures are informative; nothing is asserted.
set -eu

: "${SANDBOXD:?SANDBOXD must name the sandboxd binary (use make bench)}"
: "${SANDBOXCTL:?SANDBOXCTL must name the sandboxctl binary}"
ONLY=${BENCH_ONLY:-}
case $ONLY in
'' | spawn | broker | seccomp | relay | dbus | intercept | denials) ;;
*)
	echo "run.sh: BENCH_ONLY must be spawn, broker, seccomp, relay, dbus, intercept or" \
		"denials (or empty for all)" >&2
	exit 2
	;;
esac
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
if want spawn; then
	: "${BENCH_SPAWN:?BENCH_SPAWN must name bench-spawn}"
	: "${BENCH_EXEC:?BENCH_EXEC must name bench-exec}"
fi
if want broker; then
	: "${BENCH_BROKER:?BENCH_BROKER must name bench-broker}"
fi
if want seccomp; then
	: "${BENCH_SECCOMP:?BENCH_SECCOMP must name bench-seccomp}"
fi
if want relay; then
	: "${BENCH_RELAY:?BENCH_RELAY must name bench-relay}"
fi
if want dbus; then
	: "${BENCH_DBUS:?BENCH_DBUS must name bench-dbus}"
fi
if want intercept; then
	: "${BENCH_INTERCEPT:?BENCH_INTERCEPT must name bench-intercept}"
fi
if want denials; then
	: "${BENCH_DENIALS:?BENCH_DENIALS must name bench-denials}"
fi
N=${BENCH_N:-1000}
NB=${BENCH_BROKER_N:-20000}
NE=${BENCH_EXEC_N:-$((N / 5))}
ND=${BENCH_DBUS_N:-500}
NI=${BENCH_INTERCEPT_N:-$((N / 10))}
[ "$NI" -ge 20 ] || NI=20
NDN=${BENCH_DENIALS_N:-$NB}
[ "$NE" -ge 10 ] || NE=10
POLICY=${BENCH_POLICY:-default}
BWRAP=${BWRAP:-$(command -v bwrap || true)}

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: sandboxd needs root; run make bench as root." >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sandboxd-bench.XXXXXX")
dpid=
pids= # every daemon started, the latest first: stopped in that order
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# An uninstalled libtool program is a wrapper script (a shell and a sed per
# run): time the real binary, with the library path the wrapper would set.
libtool_real() { # PROGRAM -> "[LD_LIBRARY_PATH=DIR] BINARY"
	if sed -n 3p "$1" 2>/dev/null | grep -q 'temporary wrapper script'; then
		d=$(dirname "$1")/.libs
		echo "LD_LIBRARY_PATH=$(cd "$d" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} $d/$(basename "$1")"
	else
		echo "$1"
	fi
}
CTL=$(libtool_real "$SANDBOXCTL")
DAEMON=$(libtool_real "$SANDBOXD")

# The broker benchmark's data and policy: in place before sandboxd starts,
# since a policy's [Broker] trees are opened when it is loaded.
mkdir "$tmp/policies"
if want broker; then
	mkdir "$tmp/data"
	printf 'sandboxd broker benchmark\n' >"$tmp/data/file.txt"
	"$BENCH_BROKER" --write-policy "$tmp/policies/bench-broker.policy" "$tmp/data"
fi
if want intercept; then
	mkdir -p "$tmp/data"
	printf 'sandboxd interception benchmark\n' >"$tmp/data/intercept.txt"
	"$BENCH_INTERCEPT" --write-policy "$tmp/policies" "$tmp/data"
fi
if want denials; then
	"$BENCH_DENIALS" --write-policy "$tmp/policies"
fi

# Waits up to 10 s for COMMAND to succeed while the daemon PID (its output
# in LOG) lives; 1 if it does not.
wait_for() { # WHAT PID LOG COMMAND...
	what=$1 wpid=$2 wlog=$3
	shift 3
	i=0
	until "$@"; do
		if ! kill -0 "$wpid" 2>/dev/null; then
			echo "run.sh: waiting for $what: the daemon died:" >&2
			cat "$wlog" >&2
			return 1
		fi
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "run.sh: no $what after 10 s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# Starts sandboxd on SOCKET with more options, its output in LOG; sets
# started to its pid once it listens.
start_sandboxd() { # SOCKET LOG [OPTION...]
	ssock=$1 slog=$2
	shift 2
	# shellcheck disable=SC2086 # $DAEMON may start with an assignment.
	env $DAEMON --socket "$ssock" "$@" >"$slog" 2>&1 &
	started=$!
	pids="$started $pids"
	wait_for "socket $ssock" "$started" "$slog" test -S "$ssock"
}

sock=$tmp/s.sock
if [ "$ONLY" != dbus ]; then # part dbus starts its own
	start_sandboxd "$sock" "$tmp/sandboxd.log" --policy-dir "$tmp/policies" || exit 1
	dpid=$started
fi
SANDBOXD_SOCKET=$sock
export SANDBOXD_SOCKET

echo "== sandboxd benchmarks: $(uname -srm), $(nproc) cpus, $(date -u '+%Y-%m-%d %H:%M UTC')"
if [ -n "$dpid" ]; then
	echo "   sandboxd: $SANDBOXD (pid $dpid, socket $sock), policy '$POLICY'"
fi
echo "   load average: $(cut -d' ' -f1-3 /proc/loadavg)"

row() { printf '%-44s %10s %10s %10s\n' "$@"; }

spawn_benchmarks() {
	echo
	echo "== 1. in-process spawn latency (bench-spawn -n $N -c)"
	"$BENCH_SPAWN" -n "$N" -c -s "$sock" -p "$POLICY" | tee "$tmp/spawn.out"
	if ! grep -q '^sandbox/new-conn ' "$tmp/spawn.out"; then
		echo "run.sh: bench-spawn failed; sandboxd's log:" >&2
		tail -20 "$tmp/sandboxd.log" >&2
		exit 1
	fi

	echo
	echo "== 2. whole processes, interleaved ($NE rounds; bench-exec)"
	if [ -n "$BWRAP" ] && [ -x "$BWRAP" ]; then
		# shellcheck disable=SC2086
		"$BENCH_EXEC" -n "$NE" -l sandboxctl -l bwrap -l true -- \
			$CTL run --policy "$POLICY" -- /bin/true :: \
			"$BWRAP" --unshare-all --ro-bind / / /bin/true :: \
			/bin/true | tee "$tmp/exec.out"
	else
		echo "bwrap not found: skipping the bwrap comparison"
		# shellcheck disable=SC2086
		"$BENCH_EXEC" -n "$NE" -l sandboxctl -l true -- \
			$CTL run --policy "$POLICY" -- /bin/true :: \
			/bin/true | tee "$tmp/exec.out"
	fi

	# Summary, from the two outputs above.
	sp() { awk -v c="$1" -v p="$2" -v f="$3" '$1 == c && $2 == p { print $f; exit }' "$tmp/spawn.out"; }
	ex() { awk -v c="$1" -v f="$2" '$1 == c && NF >= 8 && $2 ~ /^[0-9.]+$/ { print $f; exit }' "$tmp/exec.out"; }
	rt() { awk -v c="$1" -v f="$2" '$1 == c { print $f; exit }' "$tmp/exec.out"; }

	echo
	echo "== summary (medians, µs)"
	row "measurement" "median" "p99" "ratio"
	row "posix_spawn + waitpid /bin/true" "$(sp posix_spawn total 3)" "$(sp posix_spawn total 5)" "1.00x"
	row "sandbox_spawn + wait, 1 connection" "$(sp sandbox/1-conn total 3)" "$(sp sandbox/1-conn total 5)" "$(sp sandbox/1-conn total 10)"
	row "  to SPAWNED (target exec'd)" "$(sp sandbox/1-conn to-exec 3)" "$(sp sandbox/1-conn to-exec 5)" "$(sp sandbox/1-conn to-exec 10)"
	row "  SPAWNED -> EXITED" "$(sp sandbox/1-conn 'exec->exit' 3)" "$(sp sandbox/1-conn 'exec->exit' 5)" "$(sp sandbox/1-conn 'exec->exit' 10)"
	row "sandbox_spawn + wait, new connection each" "$(sp sandbox/new-conn total 3)" "$(sp sandbox/new-conn total 5)" "$(sp sandbox/new-conn total 10)"
	row "  connect" "$(sp sandbox/new-conn connect 3)" "$(sp sandbox/new-conn connect 5)" "-"
	row "whole process: /bin/true" "$(ex true 2)" "$(ex true 4)" "-"
	row "whole process: sandboxctl run -- /bin/true" "$(ex sandboxctl 2)" "$(ex sandboxctl 4)" "-"
	if grep -q '^bwrap ' "$tmp/exec.out"; then
		row "whole process: bwrap --unshare-all" "$(ex bwrap 2)" "$(ex bwrap 4)" "-"
		row "sandboxctl/bwrap (medians; per-round)" "$(rt sandboxctl/bwrap 2)x" "" "$(rt sandboxctl/bwrap 3)x"
	fi
	row "sandboxctl/true (medians; per-round)" "$(rt sandboxctl/true 2)x" "" "$(rt sandboxctl/true 3)x"
	echo "(ratio column: median vs posix_spawn's same phase, or per-round median ratio)"
}

broker_benchmarks() {
	echo
	echo "== 3. brokered open (bench-broker -n $NB; sandboxd pid $dpid)"
	"$BENCH_BROKER" -n "$NB" -s "$sock" -d "$dpid" "$tmp/data/file.txt" | tee "$tmp/broker.out"
	if ! grep -q '^broker/' "$tmp/broker.out"; then
		echo "run.sh: bench-broker failed; sandboxd's log:" >&2
		tail -20 "$tmp/sandboxd.log" >&2
		exit 1
	fi

	# Summary: bench-broker's table is: case median p90 p99 mean min max ops/s x-direct p99x.
	bk() { awk -v c="$1" -v f="$2" '$1 == c && NF == 10 { print $f; exit }' "$tmp/broker.out"; }
	brow() { printf '%-44s %10s %10s %10s %10s\n' "$@"; }
	bline() { # CASE LABEL
		if [ -n "$(bk "$1" 2)" ]; then
			brow "$2" "$(bk "$1" 2)" "$(bk "$1" 4)" "$(bk "$1" 8)" "$(bk "$1" 9)"
		else
			brow "$2" "failed" "-" "-" "-"
		fi
	}
	echo
	echo "== summary: brokered open (µs)"
	brow "measurement" "median" "p99" "ops/s" "ratio"
	bline direct/cpu0 "open+close, direct (CPU 0)"
	bline floor/same-cpu "  floor: socketpair+SCM_RIGHTS, same CPU"
	if grep -q '^floor/cross-cpu' "$tmp/broker.out"; then
		bline floor/cross-cpu "  floor: socketpair+SCM_RIGHTS, cross-CPU"
	fi
	bline broker/same-cpu "broker open+close, same CPU (0/0)"
	if grep -q '^== broker/cross-cpu' "$tmp/broker.out"; then
		bline broker/cross-cpu "broker open+close, cross-CPU (target 1)"
	fi
	bline broker/unpinned "broker open+close, unpinned"
	echo "(ratio: median vs the direct open's median; ops/s: one thread, serial; floor: no"
	echo " daemon, a forked child opens and passes the fd: what any broker costs here)"
}

# A system-bus-like configuration: only root connects; names are owned
# and method calls sent only where a policy punches a hole, as on the
# system bus; the holes are the shipped bus policy's, or without one, the
# same for root.
write_bus_conf() { # FILE LISTEN-PATH [SHIPPED-POLICY]
	if [ -n "${3:-}" ]; then
		holes="<include>$3</include>"
	else
		holes='<policy user="root"><allow own="org.sandboxd.Sandbox1"/>
    <allow send_destination="org.sandboxd.Sandbox1"/></policy>'
	fi
	cat >"$1" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
  "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$2</listen>
  <policy context="default">
    <allow user="root"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
      send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  $holes
</busconfig>
EOF
}

bus_has_name() { # ADDRESS
	busctl --address="$1" call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus NameHasOwner s org.sandboxd.Sandbox1 2>/dev/null | grep -q true
}

dbus_benchmarks() {
	echo
	echo "== 6. D-Bus against the socket (bench-dbus -n $ND -r $((ND * 4)))"
	for prog in dbus-daemon busctl; do
		if ! command -v $prog >/dev/null 2>&1; then
			echo "$prog not found: skipping part dbus"
			return 0
		fi
	done
	bus=$tmp/dbus
	mkdir "$bus" "$bus/policies"
	shipped=
	if [ -n "${BENCH_BUS_POLICY:-}" ] && [ -f "$BENCH_BUS_POLICY" ]; then
		shipped=$BENCH_BUS_POLICY
	fi
	write_bus_conf "$bus/bus.conf" "$bus/bus.sock" "$shipped"
	dbus-daemon --nofork --nosyslog --print-address --config-file="$bus/bus.conf" \
		>"$bus/address" 2>"$bus/dbus-daemon.log" &
	bpid=$!
	pids="$bpid $pids"
	wait_for "bus address" "$bpid" "$bus/dbus-daemon.log" test -s "$bus/address" || exit 1
	DBUS_SYSTEM_BUS_ADDRESS=$(head -n 1 "$bus/address")
	export DBUS_SYSTEM_BUS_ADDRESS
	start_sandboxd "$bus/s.sock" "$bus/sandboxd.log" --bus=yes --policy-dir "$bus/policies" ||
		exit 1
	wait_for "org.sandboxd.Sandbox1 on the bus" "$started" "$bus/sandboxd.log" \
		bus_has_name "$DBUS_SYSTEM_BUS_ADDRESS" || exit 1
	echo "   bus: $DBUS_SYSTEM_BUS_ADDRESS (dbus-daemon pid $bpid; bus policy: ${shipped:-inline})"
	echo "   sandboxd --bus=yes: pid $started, socket $bus/s.sock"
	"$BENCH_DBUS" -n "$ND" -r "$((ND * 4))" -s "$bus/s.sock" -p "$POLICY" | tee "$tmp/dbus.out"
	if ! grep -q '^bus/spawn ' "$tmp/dbus.out"; then
		echo "run.sh: bench-dbus failed; sandboxd's and dbus-daemon's logs:" >&2
		tail -n 20 "$bus/sandboxd.log" "$bus/dbus-daemon.log" >&2
		exit 1
	fi

	# Summary: bench-dbus's rows are: case phase median p90 p99 mean min max ops/s x-base.
	db() { awk -v c="$1" -v p="$2" -v f="$3" '$1 == c && $2 == p { print $f; exit }' "$tmp/dbus.out"; }
	drow() { # CASE PHASE LABEL
		row "$3" "$(db "$1" "$2" 3)" "$(db "$1" "$2" 5)" "$(db "$1" "$2" 10)"
	}
	echo
	echo "== summary: D-Bus against the socket (medians, µs)"
	row "measurement" "median" "p99" "ratio"
	drow socket/spawn total "socket: sandbox_spawn + wait /bin/true"
	drow bus/spawn total "bus: Spawn + Exited signal"
	drow bus/spawn to-exec "  to Spawn's reply (target exec'd)"
	drow bus/spawn 'exec->exit' "  reply -> Exited"
	drow socket/list total "socket: LIST"
	drow bus/list total "bus: ListSandboxes"
	drow bus/policies total "bus: ListPolicies, kept connection"
	drow bus/policies-new total "bus: ListPolicies, fresh connection"
	drow bus/policies-new connect "  connect + Hello"
	drow bus/list-new total "bus: ListSandboxes, fresh conn. (+ creds)"
	echo "(ratio: median vs the baseline row's: the socket's, or the kept connection's;"
	echo " per-round ratios above)"
	log_summary "sandboxd --bus=yes" "$bus/sandboxd.log"
}

# What a daemon's log says: sandboxes started, error lines.
log_summary() { # NAME LOG
	n_started=$(grep -c ' started: ' "$2" || true)
	n_errors=$(grep -c '^<[0-3]>' "$2" || true)
	echo "$1: $n_started sandboxes started, $n_errors error lines in its log"
	if [ "$n_errors" -gt 0 ]; then
		grep '^<[0-3]>' "$2" | head -5
	fi
}

if want spawn; then
	spawn_benchmarks
fi
if want broker; then
	broker_benchmarks
fi
if want seccomp; then
	echo "== seccomp filters inherited from the unit"
	"$BENCH_SECCOMP" --daemon "$SANDBOXD" --ctl "$SANDBOXCTL" --spawns "$((N / 10 + 10))"
fi

if want relay; then
	echo
	echo "== 5. brokered TCP stream vs direct (bench-relay -m ${BENCH_RELAY_MIB:-256})"
	"$BENCH_RELAY" -P "$tmp/policies" -d "$dpid" -s "$sock" -m "${BENCH_RELAY_MIB:-256}"
fi

if want dbus; then
	dbus_benchmarks
fi

if want intercept; then
	echo
	echo "== 7. interception on against off (bench-intercept -n $NI -o $NB; sandboxd pid $dpid)"
	"$BENCH_INTERCEPT" -n "$NI" -o "$NB" -s "$sock" -d "$dpid" "$tmp/data/intercept.txt"
fi

if want denials; then
	echo
	echo "== 8. refused calls named by sandboxd against the kernel's errno" \
		"(bench-denials -o $NDN; sandboxd pid $dpid)"
	"$BENCH_DENIALS" -o "$NDN" -s "$sock" -d "$dpid"
fi

if [ -n "$dpid" ]; then
	log_summary sandboxd "$tmp/sandboxd.log"
fi
