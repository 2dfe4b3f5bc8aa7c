#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The checked-in control and broker seeds are what today's client sends:
# gen-corpus makes them again and they must match byte for byte. After a
# protocol change, make fuzz-seeds rewrites them.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corpus=${TOP_SRCDIR:?}/tests/fuzz/corpus
n=0
fail=0
if ! tests/fuzz/gen-corpus "$tmp" >"$tmp/log" 2>&1; then
	echo "not ok 1 - gen-corpus runs"
	sed 's/^/# /' "$tmp/log"
	echo "1..1"
	exit 1
fi
# Only the gen-* files are the generator's; reproducers sit beside them.
for h in control broker; do
	n=$((n + 1))
	(cd "$tmp/$h" && ls) >"$tmp/made"
	(cd "$corpus/$h" && ls | grep '^gen-') >"$tmp/have"
	bad=$(diff "$tmp/made" "$tmp/have")
	for f in $(cat "$tmp/made"); do
		cmp -s "$tmp/$h/$f" "$corpus/$h/$f" || bad="$bad
$f differs"
	done
	if [ -z "$bad" ] && [ -s "$tmp/made" ]; then
		echo "ok $n - $h seeds are the client's messages"
	else
		echo "not ok $n - $h seeds differ from the client's messages (make fuzz-seeds)"
		echo "$bad" | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
