#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sandboxd as an administrator runs it: installed, started by systemd 252
# as PID 1 through the shipped units, on a pure cgroup v2 hierarchy and
# Debian 12's stock kernel. Boots a small Debian 12 image under qemu (no
# network interface), installs the build under test into it from a 9p
# share, runs tests/vm/job.sh as root there and prints its TAP. `make
# check-vm` runs it; see README.
#
# Usage: run.sh [BUILDDIR]    (default: the current directory)
# The build must be configured with --prefix=/usr --sysconfdir=/etc
# --localstatedir=/var, as a distribution would; otherwise run.sh makes
# such a build of its own (in the cache directory).
#
# Environment:
#   SANDBOXD_VM_CACHE   image cache (/var/tmp/sandboxd-vm), keyed by the
#                       hash of mkimage.sh, so a changed package list or
#                       image recipe builds a new one
#   SANDBOXD_VM_ACCEL   qemu accelerator (tcg). /dev/kvm on our build
#                       machines is a paravirtual flavour stock kernels do
#                       not boot on, so KVM is used only when asked for.
#   SANDBOXD_VM_TIMEOUT seconds before the VM is killed (900)
#   SANDBOXD_VM_KEEP    if set, keep the share directory (logs) afterwards
#
# Exit status: 0 if every job check passed or skipped, 77 if the host
# cannot run the VM at all (with the reason), 1 otherwise.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
builddir=$(cd "${1:-.}" && pwd)
cache=${SANDBOXD_VM_CACHE:-/var/tmp/sandboxd-vm}
accel=${SANDBOXD_VM_ACCEL:-tcg}
vm_timeout=${SANDBOXD_VM_TIMEOUT:-900}

skip() { echo "1..0 # SKIP $*"; exit 77; }
die() { echo "Bail out! $*"; exit 1; }
now() { date +%s; }

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, mke2fs -d of a root tree)"
[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host"
# The host's tools, installed as .ci/install-deps would when apt can.
missing=
for tool in qemu-system-x86_64 debootstrap mke2fs; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then
	echo "# installing qemu-system-x86, debootstrap and e2fsprogs (missing:$missing)"
	{ DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		qemu-system-x86 debootstrap e2fsprogs ||
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends qemu-system-x86 debootstrap e2fsprogs; }; } >/dev/null 2>&1
fi
for tool in qemu-system-x86_64 debootstrap mke2fs; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is missing (apt-get install qemu-system-x86 debootstrap e2fsprogs)"
done

t0=$(now)

# 1. The image, from the mirror apt uses (deb822 or one-line sources).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' \
	/etc/apt/sources.list.d/*.sources 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++)
	if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
key=$(sha256sum "$here/mkimage.sh" | cut -c1-16)
img=$cache/$key
mkdir -p "$cache" || die "cannot create $cache"
exec 9>"$cache/lock"
flock 9
image_built=cached
if [ ! -f "$img/done" ]; then
	echo "# building the image in $img from $mirror (a few minutes)"
	rm -rf "$img"
	mkdir -p "$img"
	t=$(now)
	sh "$here/mkimage.sh" "$mirror" "$img" || { rm -rf "$img"; die "building the image failed"; }
	touch "$img/done"
	image_built="built in $(($(now) - t)) s"
	# Older images are of no use any more (the build tree stays).
	for d in "$cache"/????????????????/; do
		[ -d "$d" ] && [ "${d%/}" != "$img" ] && rm -rf "${d%/}"
	done
fi
echo "# image $key ($image_built): kernel $(cat "$img/kernel-version"), systemd" \
	"$(awk '$1 == "systemd" { print $2 }' "$img/packages")"

# 2. The build under test, installed as a distribution would.
conf_ok() {
	grep -q '^prefix = /usr$' "$1/Makefile" 2>/dev/null &&
		grep -q '^sysconfdir = /etc$' "$1/Makefile" &&
		grep -q '^localstatedir = /var$' "$1/Makefile"
}
if ! conf_ok "$builddir"; then
	echo "# $builddir is not configured --prefix=/usr --sysconfdir=/etc" \
		"--localstatedir=/var: building such a tree in $cache/build"
	builddir=$cache/build
	mkdir -p "$builddir"
	(cd "$builddir" && { conf_ok . || "$top_srcdir/configure" -q --prefix=/usr \
		--sysconfdir=/etc --localstatedir=/var; } && make -s -j"$(nproc)") >"$cache/build.log" 2>&1 ||
		{ tail -n 30 "$cache/build.log"; die "building $top_srcdir with --prefix=/usr failed"; }
fi

share=$(mktemp -d /var/tmp/sandboxd-vm-run.XXXXXX) || die "mktemp"
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	if [ -n "${SANDBOXD_VM_KEEP:-}" ]; then
		echo "# kept $share"
	else
		rm -rf "$share"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
chmod 0755 "$share"
mkdir "$share/out"
make -s -C "$builddir" install DESTDIR="$share/destdir" >"$share/out/install.log" 2>&1 ||
	{ tail -n 30 "$share/out/install.log"; die "make install DESTDIR= failed"; }
cp "$here/job.sh" "$share/job.sh"

# 3. Boot. The job powers the VM off when it is done; -no-reboot turns a
# panic (panic=-1) or a reboot into an exit too.
t=$(now)
timeout "$vm_timeout" qemu-system-x86_64 \
	-accel "$accel" -machine q35 -cpu max -smp 2 -m 1024 \
	-nic none -display none -monitor none -serial "file:$share/out/console.log" \
	-no-reboot \
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=0 loglevel=4" \
	-drive "file=$img/root.img,format=raw,if=virtio,snapshot=on" \
	-virtfs "local,path=$share,mount_tag=vmshare,security_model=none,id=vmshare" &
qpid=$!
wait "$qpid"
qrc=$?
qpid=
t_vm=$(($(now) - t))

# 4. What the job brought back.
if [ ! -f "$share/out/tap" ]; then
	echo "# the job left no output (qemu status $qrc); the console's end:"
	tail -n 40 "$share/out/console.log" 2>/dev/null | sed 's/^/# /'
	die "the VM job did not run"
fi
cat "$share/out/tap"
status=$(cat "$share/out/status" 2>/dev/null || echo "none")
[ "$status" = "none" ] && {
	echo "# the job did not finish (qemu status $qrc, timeout ${vm_timeout}s?); the console's end:"
	tail -n 40 "$share/out/console.log" | sed 's/^/# /'
}
read -r up_start up_end <"$share/out/times" 2>/dev/null || { up_start='?'; up_end='?'; }
echo "# figures: image $image_built; VM ${t_vm} s (boot to job ${up_start} s, job" \
	"$(awk -v a="$up_start" -v b="$up_end" 'BEGIN { if (b == "?") print "?"; else printf "%.0f", b - a }') s);" \
	"total $(($(now) - t0)) s"
[ "$status" = 0 ] && exit 0
[ -n "${SANDBOXD_VM_KEEP:-}" ] || echo "# (SANDBOXD_VM_KEEP=1 keeps the console log and the journal)"
exit 1
