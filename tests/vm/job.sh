#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The job tests/vm/run.sh runs as root inside the VM, after boot, with the
# host's share mounted at $1: installs the build from $1/destdir, enables
# the shipped units as an administrator would and checks what only a real
# systemd host shows. TAP goes to $1/out/tap, the exit status to
# $1/out/status, the journal to $1/out/journal.txt; the VM powers off
# when this returns.
set -u
share=$1
out=$share/out
tap=$out/tap
: >"$tap"
read -r up_start _ </proc/uptime

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1" >>"$tap"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1" >>"$tap"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2" >>"$tap"; }
diag() { sed 's/^/# /' "$@" >>"$tap"; }
diagmsg() { echo "# $*" >>"$tap"; }
prop() { systemctl show -P "$2" "$1" 2>/dev/null; }
tmp=$(mktemp -d)
ctl=/usr/bin/sandboxctl
as_user() { runuser -u vmuser -- "$@"; }
cg=/sys/fs/cgroup
svc_cg=$cg/system.slice/sandboxd.service

finish() {
	journalctl -b --no-pager -o short-monotonic >"$out/journal.txt" 2>&1
	echo "1..$n" >>"$tap"
	read -r up_end _ </proc/uptime
	echo "$up_start $up_end" >"$out/times"
	echo "$failed" >"$out/status"
	sync
	exit 0
}

diagmsg "guest: kernel $(uname -r), $(systemctl --version | head -n 1)," \
	"cgroup $(stat -fc %T $cg)"

# 1. Installed as "make install" put it (tar keeps /lib -> usr/lib).
if tar -C "$share/destdir" -cf - . | tar -C / -xf - --keep-directory-symlink --no-same-owner &&
	ldconfig && systemctl daemon-reload && [ -x /usr/sbin/sandboxd ] && [ -x "$ctl" ] &&
	systemd-tmpfiles --create sandboxd.conf && systemctl reload dbus.service; then
	# (The last two as a package's postinst and dpkg's dbus trigger do,
	# or the next boot: the bus policy lets sandboxd own its name.)
	ok "make install's tree installs: sandboxd, sandboxctl, the units, tmpfiles.d applied, the bus reloaded"
else
	not_ok "make install's tree installs: sandboxd, sandboxctl, the units, tmpfiles.d applied, the bus reloaded"
	finish
fi

# 2. Pure cgroup v2, which the rest assumes.
if [ "$(stat -fc %T $cg)" = cgroup2fs ] && ! grep -q ' cgroup ' /proc/mounts; then
	ok "the host runs a pure cgroup v2 hierarchy ($(cat $cg/cgroup.controllers))"
else
	not_ok "the host runs a pure cgroup v2 hierarchy"
	grep cgroup /proc/mounts | diag
fi

# 3. The units as installed, enabled the documented way.
if systemctl enable --now sandboxd.socket >"$tmp/enable" 2>&1 &&
	[ "$(prop sandboxd.socket ActiveState)" = active ] &&
	[ "$(prop sandboxd.service ActiveState)" = inactive ] && [ -S /run/sandboxd/sandboxd.sock ]; then
	ok "systemctl enable --now sandboxd.socket: listening, service not started yet"
else
	not_ok "systemctl enable --now sandboxd.socket: listening, service not started yet"
	diag "$tmp/enable"
	systemctl status --no-pager sandboxd.socket sandboxd.service 2>&1 | diag
fi

# 4. Socket activation: the first client starts the service.
outp=$(timeout 60 "$ctl" run -- /bin/echo activated 2>"$tmp/err")
rc=$?
if [ "$outp" = activated ] && [ "$(prop sandboxd.service ActiveState)" = active ]; then
	ok "socket activation: the first sandboxctl run starts sandboxd and runs /bin/echo as root"
else
	not_ok "socket activation: the first sandboxctl run starts sandboxd and runs /bin/echo as root (status $rc, got '$outp')"
	diag "$tmp/err"
	journalctl -b -u sandboxd --no-pager -o cat 2>&1 | tail -n 20 | diag
fi

# 5. Type=notify: systemd saw READY=1 (a notify unit is active only after it).
if [ "$(prop sandboxd.service Type)" = notify ] &&
	[ "$(prop sandboxd.service SubState)" = running ] &&
	journalctl -b -u sandboxd --no-pager -o cat | grep -q '^Started.*Sandbox service'; then
	ok "Type=notify: sandboxd reported READY=1 and systemd marked it started"
else
	not_ok "Type=notify: sandboxd reported READY=1 and systemd marked it started"
	systemctl status --no-pager sandboxd.service 2>&1 | diag
fi
diagmsg "sandboxd at start: $(journalctl -b -u sandboxd --no-pager -o cat | grep '^Resource control\|^Landlock' | tr '\n' ' ')"
diagmsg "systemd-analyze security: $(systemd-analyze security sandboxd.service 2>&1 |
	grep -o 'Overall exposure level.*' | tr -cd '[:print:]')"

# 6. Running under the unit's own sandboxing, in the delegated subtree.
pid=$(prop sandboxd.service MainPID)
if [ -n "$pid" ] && [ "$pid" != 0 ] &&
	grep -q '^0::/system.slice/sandboxd.service/' "/proc/$pid/cgroup" &&
	[ "$(prop sandboxd.service Delegate)" = yes ]; then
	ok "sandboxd runs in a cgroup below its delegated unit cgroup ($(cut -d: -f3 "/proc/$pid/cgroup"))"
else
	not_ok "sandboxd runs in a cgroup below its delegated unit cgroup"
	cat "/proc/$pid/cgroup" 2>&1 | diag
fi
diagmsg "sandboxd's capabilities: $(grep '^Cap\(Eff\|Bnd\)' "/proc/$pid/status" | tr '\n\t' '  ')"
diagmsg "seccomp filters stacked on sandboxd (and so inherited by every sandbox):" \
	"$(awk '/^Seccomp_filters:/ { print $2 }' "/proc/$pid/status")"

# 7. As an unprivileged user.
outp=$(as_user timeout 60 "$ctl" run -- /bin/echo unprivileged 2>"$tmp/err")
rc=$?
if [ "$outp" = unprivileged ]; then
	ok "sandboxctl run -- /bin/echo as an unprivileged user (uid 1000)"
else
	not_ok "sandboxctl run -- /bin/echo as an unprivileged user (status $rc, got '$outp')"
	diag "$tmp/err"
fi

# 7b. The sandbox's own /proc (its pid namespace, pid 1 its init) and
# /proc/sys: the unit's /proc over-mounts must not stop a fresh proc mount.
outp=$(as_user timeout 60 "$ctl" run -- /bin/sh -c \
	'echo $$; test -r /proc/sys/kernel/ostype && echo sys; test -e /proc/1/status && echo init' \
	2>"$tmp/err" | tr '\n' ' ')
if [ "$outp" = "2 sys init " ]; then
	ok "a sandbox mounts a /proc of its own pid namespace (the shell is pid 2) with /proc/sys"
else
	not_ok "a sandbox mounts a /proc of its own pid namespace with /proc/sys (got '$outp')"
	diag "$tmp/err"
fi

# 8. The exit status comes through.
as_user timeout 60 "$ctl" run -- /bin/sh -c 'exit 7' 2>"$tmp/err"
rc=$?
if [ $rc -eq 7 ]; then ok "a sandbox's exit status reaches sandboxctl (7)"; else
	not_ok "a sandbox's exit status reaches sandboxctl (got $rc)"; diag "$tmp/err"; fi

# 9. Reload: SIGHUP through ExecReload=, same process, still serving.
journal_reloads() { journalctl -b -u sandboxd --no-pager -o cat | grep -c 'Reloading policies'; }
before=$(journal_reloads)
if systemctl reload sandboxd.service 2>"$tmp/err"; then
	i=0
	while [ "$(journal_reloads)" -le "$before" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	outp=$(as_user timeout 60 "$ctl" run -- /bin/echo reloaded 2>>"$tmp/err")
	if [ "$(journal_reloads)" -gt "$before" ] && [ "$(prop sandboxd.service MainPID)" = "$pid" ] &&
		[ "$outp" = reloaded ]; then
		ok "systemctl reload: sandboxd reloads its policies in place and keeps serving"
	else
		not_ok "systemctl reload: sandboxd reloads its policies in place and keeps serving"
		diag "$tmp/err"
	fi
else
	not_ok "systemctl reload sandboxd.service"
	diag "$tmp/err"
fi

# 10. A sandbox's cgroup is below the service's, with the limits asked for
# and the default policy's CPUQuota=100% (one CPU per 100 ms period).
as_user timeout 60 "$ctl" run --memory 32M --tasks 8 -- sleep 10 >/dev/null 2>"$tmp/err" &
bg=$!
i=0
sb=
# Wait for the sandbox's processes, not only its cgroup (made before clone3).
# (cgroupfs files have size 0: read them, test -s says nothing.)
while { [ -z "$sb" ] || [ -z "$(cat "$sb/cgroup.procs" 2>/dev/null)" ]; } && [ $i -lt 200 ]; do
	sb=$(ls -d "$svc_cg"/sandbox-* 2>/dev/null | head -n 1)
	sleep 0.1
	i=$((i + 1))
done
if [ -n "$sb" ] && [ "$(cat "$sb/memory.max" 2>/dev/null)" = 33554432 ] &&
	[ "$(cat "$sb/pids.max" 2>/dev/null)" = 8 ] && [ -n "$(cat "$sb/cgroup.procs")" ] &&
	[ "$(cat "$sb/cpu.max" 2>/dev/null)" = "100000 100000" ]; then
	ok "a sandbox gets its own cgroup under the service's (${sb#"$cg"/}: memory.max 32M, pids.max 8, cpu.max one CPU)"
else
	not_ok "a sandbox gets its own cgroup under the service's, with memory.max, pids.max and cpu.max"
	diagmsg "cgroup '${sb:-none}': memory.max $(cat "$sb/memory.max" 2>&1), pids.max $(cat "$sb/pids.max" 2>&1), cpu.max $(cat "$sb/cpu.max" 2>&1)"
	diagmsg "in $svc_cg: $(ls -d "$svc_cg"/*/ 2>&1 | tr '\n' ' ')"
	diag "$tmp/err"
fi
wait "$bg" 2>/dev/null

# 11. Memory: dd's 64M buffer does not fit in 32M.
has_ctrl() { grep -qw "$1" "$svc_cg/cgroup.controllers" 2>/dev/null; }
if ! has_ctrl memory; then
	skip "--memory 32M ends the sandbox with the \"memory\" limit" \
		"the service's cgroup has no memory controller"
else
	as_user timeout 60 "$ctl" run --memory 32M -- dd if=/dev/zero of=/dev/null bs=64M count=2 \
		>/dev/null 2>"$tmp/err"
	rc=$?
	# The kernel's OOM kill happens inside the unit's cgroup: systemd
	# logs it for the unit, which must go on (OOMPolicy=continue).
	if [ $rc -ne 0 ] && grep -q 'memory limit' "$tmp/err" &&
		[ "$(prop sandboxd.service MainPID)" = "$pid" ]; then
		ok "--memory 32M: a 64M allocation ends the sandbox with the \"memory\" limit (status $rc), sandboxd goes on"
	else
		not_ok "--memory 32M: a 64M allocation ends the sandbox with the \"memory\" limit (status $rc), sandboxd goes on"
		diagmsg "MainPID $(prop sandboxd.service MainPID) (was $pid)," \
			"OOMPolicy=$(prop sandboxd.service OOMPolicy)"
		diag "$tmp/err"
	fi
fi

# 12. Tasks: the fifth fork fails.
if ! has_ctrl pids; then
	skip "--tasks 4 reports the \"tasks\" limit" "the service's cgroup has no pids controller"
else
	as_user timeout 60 "$ctl" run --tasks 4 -- /bin/sh -c \
		'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait; echo finished' \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -q 'tasks limit' "$tmp/err" && grep -qi 'fork' "$tmp/err"; then
		ok "--tasks 4: forks beyond four fail and the sandbox reports the \"tasks\" limit"
	else
		not_ok "--tasks 4: forks beyond four fail and the sandbox reports the \"tasks\" limit (status $rc)"
		diag "$tmp/err"
	fi
fi

# 13. Wall clock.
read -r t1 _ </proc/uptime
as_user timeout 60 "$ctl" run --timeout 2 -- sleep 60 >/dev/null 2>"$tmp/err"
rc=$?
read -r t2 _ </proc/uptime
took=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.0f", b - a }')
if [ $rc -ne 0 ] && grep -q 'timeout limit' "$tmp/err" && [ "$took" -lt 30 ]; then
	ok "--timeout 2 -- sleep 60: killed with the \"timeout\" limit after ${took} s"
else
	not_ok "--timeout 2 -- sleep 60: killed with the \"timeout\" limit (status $rc after ${took} s)"
	diag "$tmp/err"
fi

# 14. The journal stores priorities, not "<N>" prefixes.
sleep 1
journalctl -b -u sandboxd -p notice --no-pager -o cat >"$tmp/notice" 2>&1
journalctl -b -u sandboxd --no-pager -o cat >"$tmp/all" 2>&1
if grep -q 'reached its wall-clock limit' "$tmp/notice" && ! grep -q 'Loaded .* policies' "$tmp/notice" &&
	grep -q 'Loaded .* policies' "$tmp/all" && ! grep -q '^<[0-7]>' "$tmp/all"; then
	ok "journal: notices (the timeout kill) at -p notice, info below it, no '<N>' prefixes"
else
	not_ok "journal: notices (the timeout kill) at -p notice, info below it, no '<N>' prefixes"
	grep '^<[0-7]>' "$tmp/all" | head -n 5 | diag
fi
diagmsg "journalctl -u sandboxd -p notice shows $(grep -c . "$tmp/notice") lines"
diag <"$tmp/notice"
# The tmpfiles.d snippet made the convert and office policies' directories: no notice.
if ! grep -q -e "^Policy 'convert'" -e "^Policy 'office'" "$tmp/notice"; then
	ok "the convert and office policies find their directories (tmpfiles.d): no notice at start or reload"
else
	not_ok "the convert and office policies find their directories (tmpfiles.d): no notice at start or reload"
	grep -e "^Policy 'convert'" -e "^Policy 'office'" "$tmp/notice" | diag
fi

# 15. Stop with sandboxes running: nothing is left behind.
as_user timeout 120 "$ctl" run -- sleep 300 >/dev/null 2>"$tmp/err1" &
bg1=$!
timeout 120 "$ctl" run -- /bin/sh -c 'sleep 300 & sleep 300 & wait' >/dev/null 2>"$tmp/err2" &
bg2=$!
i=0
while [ "$(ls -d "$svc_cg"/sandbox-* 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
running=$(ls -d "$svc_cg"/sandbox-* 2>/dev/null | wc -l)
systemctl stop sandboxd.service 2>"$tmp/err"
wait "$bg1" 2>/dev/null
wait "$bg2" 2>/dev/null
left_procs=$(awk '/^Uid:/ { if ($2 >= 61184 && $2 <= 65519) print FILENAME }' /proc/[0-9]*/status 2>/dev/null)
left_cg=$(find $cg -name 'sandbox-*' -type d 2>/dev/null)
if [ "$running" -ge 2 ] && [ -z "$left_procs" ] && [ -z "$left_cg" ] &&
	[ "$(prop sandboxd.service ActiveState)" = inactive ] && [ "$(prop sandboxd.service Result)" = success ]; then
	ok "systemctl stop with $running sandboxes running: it stops cleanly, no anonymous-uid process, no sandbox cgroup left"
else
	not_ok "systemctl stop with $running sandboxes running: nothing left (state $(prop sandboxd.service ActiveState)/$(prop sandboxd.service Result))"
	diagmsg "processes left: $left_procs; cgroups left: $left_cg"
	diag "$tmp/err"
fi
if grep -q 'shut down' "$tmp/err1" "$tmp/err2"; then
	ok "the clients hear that the daemon shut down"
else
	not_ok "the clients hear that the daemon shut down"
	diag "$tmp/err1" "$tmp/err2"
fi

# 16. The socket stayed; the next client starts the service again.
outp=$(as_user timeout 60 "$ctl" run -- /bin/echo again 2>"$tmp/err")
if [ "$outp" = again ] && [ "$(prop sandboxd.service ActiveState)" = active ]; then
	ok "after a stop the socket remains and the next client activates sandboxd again"
else
	not_ok "after a stop the socket remains and the next client activates sandboxd again (got '$outp')"
	diag "$tmp/err"
fi

# 17. Spawns under the unit do not log warnings (a lost netns pool, say).
journalctl -b -u sandboxd -p warning --no-pager -o cat >"$tmp/warn" 2>&1
if [ ! -s "$tmp/warn" ] || grep -q '^-- No entries --$' "$tmp/warn"; then
	ok "sandboxd logged no warnings or errors during the job"
else
	not_ok "sandboxd logged no warnings or errors during the job"
	diag "$tmp/warn"
fi

systemctl stop sandboxd.service sandboxd.socket >/dev/null 2>&1

# 18. The README's quick start on a systemd host: sandboxd started by hand
# from a root shell (here: this job's own service cgroup, which is not
# delegated) asks systemd for a delegated scope, and limits work there.
hsock=/run/sandboxd-hand.sock
/usr/sbin/sandboxd --socket "$hsock" >"$tmp/hand.log" 2>&1 &
hpid=$!
i=0
while [ ! -S "$hsock" ] && [ $i -lt 100 ] && kill -0 "$hpid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
outp=$(timeout 60 "$ctl" --socket "$hsock" run --memory 32M --tasks 8 -- /bin/echo by hand 2>"$tmp/err")
hcg=$(cut -d: -f3 /proc/$hpid/cgroup 2>/dev/null)
if [ "$outp" = "by hand" ] && [ "$hcg" = "/system.slice/sandboxd-$hpid.scope/supervisor" ] &&
	grep -q 'memory: yes, tasks: yes' "$tmp/hand.log"; then
	ok "started by hand, sandboxd gets a delegated scope from systemd ($hcg) and enforces limits"
else
	not_ok "started by hand, sandboxd gets a delegated scope from systemd (in '$hcg', got '$outp')"
	diag "$tmp/hand.log" "$tmp/err"
fi
kill -TERM "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null
hrc=$?
sleep 1
if [ "$hrc" -eq 0 ] && [ -z "$(systemctl list-units --all --plain --no-legend "sandboxd-$hpid.scope" 2>/dev/null | grep -v inactive)" ] &&
	[ ! -d "$cg/system.slice/sandboxd-$hpid.scope" ]; then
	ok "a hand-started sandboxd exits cleanly and its scope goes with it"
else
	not_ok "a hand-started sandboxd exits cleanly and its scope goes with it (status $hrc)"
	systemctl status "sandboxd-$hpid.scope" --no-pager 2>&1 | diag
	diag "$tmp/hand.log"
fi

# 19-22. D-Bus, as the installed system serves it: the shipped bus policy
# and activation file, sandboxd.service's BusName=, busctl and gdbus.
# busctl as root, or as vmuser ("user"); then its arguments.
bctl() { if [ "$1" = user ]; then shift; as_user busctl "$@"; else shift; busctl "$@"; fi; }
mgr() { who=$1; shift; bctl "$who" call org.sandboxd.Sandbox1 /org/sandboxd/Sandbox1 \
	org.sandboxd.Sandbox1.Manager "$@"; }
sbprop() { bctl "$1" get-property org.sandboxd.Sandbox1 "/org/sandboxd/Sandbox1/sandbox/$2" \
	org.sandboxd.Sandbox1.Sandbox "$3"; }
systemctl stop sandboxd.service sandboxd.socket >/dev/null 2>&1
state0=$(prop sandboxd.service ActiveState)/$(prop sandboxd.socket ActiveState)
outp=$(mgr user ListPolicies 2>"$tmp/err")
rc=$?
state1=$(prop sandboxd.service ActiveState)
case $outp in
'a(ss) '*'"default"'*'"strict"'*) listed=yes ;;
*) listed= ;;
esac
if [ "$state0" = inactive/inactive ] && [ $rc -eq 0 ] && [ -n "$listed" ] && [ "$state1" = active ] &&
	journalctl -b -u dbus --no-pager -o cat |
	grep -q "Activating via systemd: service name='org.sandboxd.Sandbox1' unit='sandboxd.service'"; then
	ok "bus activation: vmuser's busctl ListPolicies starts the stopped sandboxd.service and is answered"
else
	not_ok "bus activation: vmuser's busctl ListPolicies starts the stopped sandboxd.service (was $state0, now $state1, status $rc, got '$outp')"
	diag "$tmp/err"
	journalctl -b -u dbus --no-pager -o cat 2>&1 | tail -n 10 | diag
	journalctl -b -u sandboxd --no-pager -o cat 2>&1 | tail -n 10 | diag
fi

# busctl 252 cannot send fds ("UNIX file descriptor not supported as
# type"): gdbus passes its own stdin, stdout and stderr as handles 0 1 2.
# Detached, since gdbus leaves the bus as soon as it has its reply.
if ! command -v gdbus >/dev/null 2>&1; then
	skip "as vmuser, a Spawn of /bin/echo over the bus prints its output" "gdbus is missing"
else
	outp=$(as_user timeout 60 gdbus call --system --dest org.sandboxd.Sandbox1 \
		--object-path /org/sandboxd/Sandbox1 --method org.sandboxd.Sandbox1.Manager.Spawn \
		'' "['/bin/echo', 'over the bus']" '@as []' '' 'handle 0' 'handle 1' 'handle 2' \
		"{'Detach': <true>}" 2>"$tmp/err")
	rc=$?
	uid=$(printf '%s\n' "$outp" | sed -n "s|^(uint64 \([0-9]*\), objectpath '/org/sandboxd/Sandbox1/sandbox/\1')\$|\1|p")
	i=0
	while [ -n "$uid" ] && [ "$(sbprop user "$uid" State 2>/dev/null)" != 's "exited"' ] &&
		[ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if [ $rc -eq 0 ] && printf '%s\n' "$outp" | grep -qx 'over the bus' && [ -n "$uid" ] &&
		[ "$(sbprop user "$uid" ExitCode 2>&1)" = "i 0" ] &&
		[ "$(sbprop user "$uid" OwnerUID 2>&1)" = "u 1000" ]; then
		ok "as vmuser, gdbus Spawn of /bin/echo with handles 0 1 2 prints its output (sandbox $uid, owner 1000, exit code 0)"
	else
		not_ok "as vmuser, gdbus Spawn of /bin/echo with handles 0 1 2 prints its output (status $rc, got '$outp')"
		diag "$tmp/err"
	fi
fi

# Who sees what: root's sandbox is not vmuser's to see or kill.
rid=$(timeout 60 "$ctl" run --detach -- sleep 120 2>"$tmp/err")
rpath="\"/org/sandboxd/Sandbox1/sandbox/$rid\""
ulist=$(mgr user ListSandboxes 2>&1)
rlist=$(mgr root ListSandboxes 2>&1)
mgr user GetSandbox t "$rid" >"$tmp/uget" 2>&1
urc=$?
mgr user KillSandbox ti "$rid" 9 >>"$tmp/uget" 2>&1
ukrc=$?
case $ulist in *"$rpath"*) useen=yes ;; *) useen= ;; esac
case $rlist in *"$rpath"*) rseen=yes ;; *) rseen= ;; esac
if [ -n "$rid" ] && [ -z "$useen" ] && [ -n "$rseen" ] && [ $urc -ne 0 ] && [ $ukrc -ne 0 ] &&
	[ "$(sbprop root "$rid" State 2>&1)" = 's "running"' ]; then
	ok "vmuser's ListSandboxes leaves out root's sandbox $rid (GetSandbox and KillSandbox fail), root's lists it"
else
	not_ok "vmuser's ListSandboxes leaves out root's sandbox '$rid', root's lists it"
	diagmsg "vmuser: $ulist"
	diagmsg "root: $rlist"
	diag "$tmp/uget" "$tmp/err"
fi
mgr root KillSandbox ti "$rid" 9 >/dev/null 2>&1

# The journal: the name acquired, no bus trouble in sandboxd's or the bus's.
sleep 1
journalctl -b -u sandboxd --no-pager -o cat >"$tmp/all" 2>&1
journalctl -b -u sandboxd -p warning --no-pager -o cat >"$tmp/warn" 2>&1
journalctl -b -u dbus --no-pager -o cat >"$tmp/dbus" 2>&1
if grep -q '^Serving on the system bus as org\.sandboxd\.Sandbox1\.$' "$tmp/all" &&
	! grep -qi 'bus' "$tmp/warn" && ! grep -i 'sandboxd\|Sandbox1' "$tmp/dbus" | grep -qiv 'activat'; then
	ok "journal: sandboxd acquired org.sandboxd.Sandbox1, no bus warnings or errors (sandboxd's and the bus's)"
else
	not_ok "journal: sandboxd acquired org.sandboxd.Sandbox1, no bus warnings or errors"
	grep -i 'bus' "$tmp/all" | tail -n 10 | diag
	grep -i 'sandboxd\|Sandbox1' "$tmp/dbus" | tail -n 10 | diag
fi
# 27. [Broker] Intercept= under the unit's hardening, on this kernel (no
# SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP before 6.6): vmuser's unmodified
# cat, shell redirection and ls reach a brokered directory by path, the
# broker acts as vmuser, and a write under a read-only rule is refused.
mkdir -p /etc/sandboxd/policies /var/lib/vmx/in /var/lib/vmx/out &&
	echo vm-input >/var/lib/vmx/in/a.txt && chown vmuser /var/lib/vmx/out
cat >/etc/sandboxd/policies/vm-intercept.policy <<'POLICY'
[Filesystem]
BindReadOnly=/usr
Symlink=usr/bin:/bin
Symlink=usr/lib:/lib
Symlink=usr/lib64:/lib64
BindReadOnly=/etc/ld.so.cache
[Broker]
Intercept=yes
Tree=/var/lib/vmx/in read
Tree=/var/lib/vmx/out read,write,create
[SystemCalls]
Allow=@default @basic-io @file-system @io-event @process @signal
Allow=execve pipe pipe2
POLICY
systemctl reload sandboxd.service >/dev/null 2>&1
for i in $(seq 20); do "$ctl" policies 2>/dev/null | grep -q vm-intercept && break; sleep 0.5; done
outp=$(as_user timeout 60 "$ctl" run -p vm-intercept -- /bin/sh -c \
	'cat /var/lib/vmx/in/a.txt; echo written >/var/lib/vmx/out/b.txt; ls -l /var/lib/vmx/in | wc -l
	(echo no >/var/lib/vmx/in/c.txt) 2>/dev/null || echo refused' 2>"$tmp/err" | tr '\n' ' ')
if [ "$outp" = "vm-input 2 refused " ] && [ "$(cat /var/lib/vmx/out/b.txt 2>&1)" = written ] &&
	[ "$(stat -c %U /var/lib/vmx/out/b.txt 2>&1)" = vmuser ] && [ ! -e /var/lib/vmx/in/c.txt ]; then
	ok "Intercept=yes: vmuser's cat, redirection and ls -l reach brokered paths; the file is vmuser's; a read-only rule refuses"
else
	not_ok "Intercept=yes: vmuser's cat, redirection and ls -l reach brokered paths (got '$outp')"
	diag "$tmp/err"
	journalctl -b -u sandboxd --no-pager -o cat 2>&1 | tail -n 15 | diag
fi

systemctl stop sandboxd.service sandboxd.socket >/dev/null 2>&1

finish
