#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cgroup v2 delegation, on a host whose controllers may all be on v1 (a
# development machine): in a private mount namespace the v2 hierarchy is
# mounted on /sys/fs/cgroup, and sandboxd starts in a fresh cgroup T of
# it, once not delegated and once marked delegated (trusted.delegate=1,
# as systemd marks the cgroup of a unit with Delegate=yes).
#   - not delegated: sandboxd creates nothing in T, says why limits are
#     missing (and a spawn with a limit quotes it), and the integration
#     tests skip with that reason instead of failing;
#   - delegated: it lives in T/supervisor, runs sandboxes beside it, names
#     the controller and file that is missing, and removes supervisor on
#     exit, leaving T as it found it.
# No systemd runs here, so asking systemd for a scope is not exercised
# (tests/vm does that). Needs root and python3 (for setxattr); prints TAP.

: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

. "$TOP_SRCDIR/tests/integration/tap.sh"
require unshare python3
if [ "$1" != --inner ]; then
	exec unshare -m /bin/sh "$0" --inner
fi

# In our own mount namespace from here on.
mount --make-rprivate / 2>/dev/null
if ! mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null; then
	echo "1..0 # SKIP cannot mount a cgroup v2 hierarchy here"
	exit 0
fi
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
[ "$own" = / ] && own=
tmp=$(mktemp -d /tmp/sandboxd-cg2.XXXXXX) || exit 1
chmod 0755 "$tmp"
T=/sys/fs/cgroup$own/sandboxd-cg2test-$$
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for d in "$T"/*/ "$T"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

subdirs() { find "$T" -mindepth 1 -type d | sed "s|^$T/||" | sort | tr '\n' ' '; }

# A policy with no cgroup limits, which spawns without any controller, and
# one with a CPU quota only.
mkdir "$tmp/policies"
sed -e 's/^Memory=.*/Memory=infinity/' -e 's/^Tasks=.*/Tasks=infinity/' \
	-e 's/^CPUQuota=.*/CPUQuota=infinity/' \
	"$TOP_SRCDIR/policies/default.policy" > "$tmp/policies/nolimits.policy"
printf '[Policy]\nInclude=nolimits\n[Limits]\nCPUQuota=50%%\n' > "$tmp/policies/cpuonly.policy"

# Starts sandboxd in T (moved there before exec) and waits for its socket.
start() {
	rm -f "$tmp/log" "$tmp/s.sock"
	sh -c "echo \$\$ > '$T/cgroup.procs' && exec '$SANDBOXD' --socket '$tmp/s.sock' \
		--policy-dir '$tmp/policies'" </dev/null >"$tmp/log" 2>&1 &
	pid=$!
	wait_socket "$tmp/s.sock"
}
stop() {
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}
run() {
	SANDBOXD_SOCKET=$tmp/s.sock "$SANDBOXCTL" run "$@" </dev/null >"$tmp/out" 2>&1
}

echo "1..12"

# 1-4: not delegated.
mkdir "$T" || exit 1
start
check "not delegated: sandboxd creates nothing in a cgroup that is not ours" \
	test -z "$(subdirs)"
if grep -q "Memory and tasks limits cannot be enforced.*'$T' is not delegated to sandboxd" \
	"$tmp/log"; then
	ok "not delegated: the log says that and which cgroup"
else
	not_ok "not delegated: the log says that and which cgroup"; diag "$tmp/log"
fi
run -- /bin/true
if grep -q "needs the memory cgroup controller.*'$T' is not delegated" "$tmp/out"; then
	ok "not delegated: a spawn with a memory limit fails with the reason"
else
	not_ok "not delegated: a spawn with a memory limit fails with the reason"; diag "$tmp/out"
fi
if ! run -p cpuonly -- /bin/true &&
	grep -q "needs the cpu cgroup controller.*'$T' is not delegated" "$tmp/out"; then
	ok "not delegated: a spawn with a CPU quota fails with the reason"
else
	not_ok "not delegated: a spawn with a CPU quota fails with the reason"; diag "$tmp/out"
fi
stop
check "not delegated: nothing left behind in T" test -z "$(subdirs)"

# 5-8: delegated.
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.delegate", b"1")' "$T"
before=$(cat "$T/cgroup.subtree_control")
start
if grep -qx "$pid" "$T/supervisor/cgroup.procs" 2>/dev/null; then
	ok "delegated: sandboxd lives in T/supervisor"
else
	not_ok "delegated: sandboxd lives in T/supervisor"; diag "$tmp/log"
fi
if grep -qw memory "$T/cgroup.controllers"; then
	check "delegated: memory limits are available" \
		grep -q "Resource control: cgroup v2 (memory: yes" "$tmp/log"
else
	if grep -q "memory controller is not available in '$T' (it is not in its cgroup.controllers" \
		"$tmp/log"; then
		ok "delegated: the log names the missing controller and file"
	else
		not_ok "delegated: the log names the missing controller and file"; diag "$tmp/log"
	fi
fi
if run -p nolimits -- /bin/true && run --detach -p nolimits -- /bin/sleep 60 &&
	[ -n "$(find "$T" -mindepth 1 -maxdepth 1 -name 'sandbox-*')" ]; then
	ok "delegated: a sandbox runs in its own cgroup below T"
else
	not_ok "delegated: a sandbox runs in its own cgroup below T"; diag "$tmp/out" "$tmp/log"
fi
# CPUQuota=50%: half of each 100 ms period in the sandbox's cpu.max.
if ! grep -qw cpu "$T/cgroup.controllers"; then
	if ! run -p cpuonly -- /bin/true &&
		grep -q "needs the cpu cgroup controller.*cpu controller is not available" "$tmp/out"
	then
		ok "delegated: without the cpu controller a CPU quota fails with the reason"
	else
		not_ok "delegated: without the cpu controller a CPU quota fails with the reason"
		diag "$tmp/out"
	fi
elif run --detach -p cpuonly -- /bin/sleep 60 &&
	cat "$T"/sandbox-*/cpu.max 2>/dev/null | grep -qx "50000 100000"; then
	ok "delegated: CPUQuota=50% is the sandbox's cpu.max"
else
	not_ok "delegated: CPUQuota=50% is the sandbox's cpu.max"
	echo "# cpu.max: $(cat "$T"/sandbox-*/cpu.max 2>&1 | tr '\n' ' ')"; diag "$tmp/out"
fi
stop
if [ -z "$(subdirs)" ] && [ "$(cat "$T/cgroup.subtree_control")" = "$before" ]; then
	ok "delegated: supervisor removed on exit, T as we found it"
else
	not_ok "delegated: supervisor removed on exit, T as we found it"
	echo "# left: $(subdirs); subtree_control '$(cat "$T/cgroup.subtree_control")'"
fi

# 9-10: the integration tests, run where limits cannot be enforced, skip
# and say why (the probe daemon runs in a cgroup below T, not delegated).
python3 -c 'import os, sys; os.removexattr(sys.argv[1], "trusted.delegate")' "$T"
itest=$(dirname "$SANDBOXD")/../tests/integration/test-basic
if [ -x "$itest" ]; then
	sh -c "echo \$\$ > '$T/cgroup.procs' && exec '$itest'" </dev/null >"$tmp/itest" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^1..0 # SKIP sandboxd cannot enforce memory, tasks and CPU limits" \
		"$tmp/itest"; then
		ok "integration tests skip where limits cannot be enforced"
	else
		not_ok "integration tests skip where limits cannot be enforced"; diag "$tmp/itest"
	fi
	check "the skip names the cause" grep -q "SKIP.*is not delegated to sandboxd" "$tmp/itest"
else
	skip "$itest is not built"
	skip "$itest is not built"
fi
