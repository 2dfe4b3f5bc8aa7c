# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the shell integration tests: what they need, TAP output,
# waiting for a daemon's socket.

# Skips the whole test (TAP "1..0 # SKIP", exit 0) unless we are root, the
# tools named exist and $SANDBOXD and $SANDBOXCTL name the built programs.
require() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root"
		exit 0
	fi
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "1..0 # SKIP $tool is missing"
			exit 0
		fi
	done
	if [ ! -x "$SANDBOXD" ] || [ ! -x "$SANDBOXCTL" ]; then
		echo "1..0 # SKIP SANDBOXD and SANDBOXCTL must name the built programs"
		exit 0
	fi
}

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
