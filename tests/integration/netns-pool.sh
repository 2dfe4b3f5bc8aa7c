#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The pool of network namespaces made ahead of spawns, in a daemon that
# cannot make them (no CAP_NET_ADMIN, as under a unit whose bounding set
# lacks it): spawns still work, each making its own namespace, and the
# failure is logged once, saying what the pool is and what happens
# instead, not once per spawn. Needs root and setpriv; prints TAP.

: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

. "$TOP_SRCDIR/tests/integration/tap.sh"
require setpriv

tmp=$(mktemp -d /tmp/sandboxd-netns.XXXXXX) || exit 1
chmod 0755 "$tmp"
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# No cgroup limits: this test is about namespaces, wherever it runs.
mkdir "$tmp/policies"
sed -e 's/^Memory=.*/Memory=infinity/' -e 's/^Tasks=.*/Tasks=infinity/' \
	-e 's/^CPUQuota=.*/CPUQuota=infinity/' \
	"$TOP_SRCDIR/policies/default.policy" > "$tmp/policies/nolimits.policy"

echo "1..3"
setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
	"$SANDBOXD" --socket "$tmp/s.sock" --policy-dir "$tmp/policies" \
	</dev/null >"$tmp/log" 2>&1 &
pid=$!
wait_socket "$tmp/s.sock"
good=0
for i in 1 2 3 4 5; do
	SANDBOXD_SOCKET=$tmp/s.sock "$SANDBOXCTL" run -p nolimits -- /bin/true \
		</dev/null >>"$tmp/out" 2>&1 && good=$((good + 1))
done
kill -TERM "$pid"
wait "$pid"
pid=
if [ $good -eq 5 ]; then
	ok "five spawns work without CAP_NET_ADMIN"
else
	not_ok "five spawns work without CAP_NET_ADMIN"; diag "$tmp/out" "$tmp/log"
fi
count=$(grep -c "network namespace" "$tmp/log")
if [ "$count" -eq 1 ]; then
	ok "the pool's failure is logged once"
else
	not_ok "the pool's failure is logged once ($count times)"; diag "$tmp/log"
fi
check "the log says what the pool is and what spawns do instead" \
	grep -q "ahead of spawns.*CAP_NET_ADMIN.*Each sandbox makes its own network namespace" \
	"$tmp/log"
