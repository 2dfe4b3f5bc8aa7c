#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh: sandboxd's spawn and broker benchmarks. Run by "make bench" (as
# root), which sets the paths of the built programs:
#   SANDBOXD     the daemon               SANDBOXCTL  the CLI
#   BENCH_SPAWN  bench/bench-spawn        BENCH_EXEC  bench/bench-exec
#   BENCH_BROKER bench/bench-broker      BENCH_SECCOMP bench/bench-seccomp
#   BENCH_RELAY  bench/bench-relay
# Optional: BENCH_ONLY (spawn, broker, seccomp or relay: run only that
# part; default all),
# BENCH_N (bench-spawn iterations, default 1000), BENCH_EXEC_N
# (whole-process runs of each command, default BENCH_N/5, at least 10),
# BENCH_BROKER_N (brokered opens per case, default 20000), BENCH_RELAY_MIB
# (MiB each way per relay round, default 256), BWRAP (default:
# bwrap in $PATH), BENCH_POLICY (default "default").
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
# A private sandboxd is started on a temporary socket and stopped at the end.
# Figures are informative; nothing is asserted.
set -eu

: "${SANDBOXD:?SANDBOXD must name the sandboxd binary (use make bench)}"
: "${SANDBOXCTL:?SANDBOXCTL must name the sandboxctl binary}"
ONLY=${BENCH_ONLY:-}
case $ONLY in
'' | spawn | broker | seccomp | relay) ;;
*)
	echo "run.sh: BENCH_ONLY must be spawn, broker, seccomp or relay (or empty for all)" >&2
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
N=${BENCH_N:-1000}
NB=${BENCH_BROKER_N:-20000}
NE=${BENCH_EXEC_N:-$((N / 5))}
[ "$NE" -ge 10 ] || NE=10
POLICY=${BENCH_POLICY:-default}
BWRAP=${BWRAP:-$(command -v bwrap || true)}

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: sandboxd needs root; run make bench as root." >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sandboxd-bench.XXXXXX")
dpid=
cleanup() {
	if [ -n "$dpid" ]; then
		kill -TERM "$dpid" 2>/dev/null || true
		wait "$dpid" 2>/dev/null || true
	fi
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

sock=$tmp/s.sock
# shellcheck disable=SC2086 # $DAEMON may start with an assignment.
env $DAEMON --socket "$sock" --policy-dir "$tmp/policies" >"$tmp/sandboxd.log" 2>&1 &
dpid=$!
i=0
while [ ! -S "$sock" ]; do
	if ! kill -0 "$dpid" 2>/dev/null; then
		echo "run.sh: sandboxd died:" >&2
		cat "$tmp/sandboxd.log" >&2
		dpid=
		exit 1
	fi
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "run.sh: no socket after 10 s" >&2
		exit 1
	fi
	sleep 0.1
done
SANDBOXD_SOCKET=$sock
export SANDBOXD_SOCKET

echo "== sandboxd benchmarks: $(uname -srm), $(nproc) cpus, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   sandboxd: $SANDBOXD (pid $dpid, socket $sock), policy '$POLICY'"
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

n_started=$(grep -c ' started: ' "$tmp/sandboxd.log" || true)
n_errors=$(grep -c '^<[0-3]>' "$tmp/sandboxd.log" || true)
echo "sandboxd: $n_started sandboxes started, $n_errors error lines in its log"
if [ "$n_errors" -gt 0 ]; then
	grep '^<[0-3]>' "$tmp/sandboxd.log" | head -5
fi
