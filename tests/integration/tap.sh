# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the shell integration tests: TAP output, and a sandboxd
# started in the background on a private socket.

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
diag() { sed 's/^/# /' "$@"; }

# Waits (up to 5 s) for the socket $1 to appear.
wait_socket() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
