#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the Debian 12 image tests/vm/run.sh boots: debootstrap (minbase)
# from the mirror apt is configured with, systemd as PID 1, the stock
# linux-image-amd64 kernel and the libraries sandboxd links against, and a
# unit that, once the system is up, mounts the host's 9p share, runs its
# job.sh and powers off. Nothing of sandboxd is in the image: run.sh
# installs the build under test from the share at every boot, so the image
# depends only on this file and is cached by its hash.
#
# Usage: mkimage.sh MIRROR OUTDIR
# Writes OUTDIR/root.img (raw ext4, no partitions), OUTDIR/vmlinuz and
# OUTDIR/initrd.img. Needs root, debootstrap and mke2fs -d.
set -eu

mirror=$1
out=$2

# What the image holds. libsystemd0 comes with systemd; dbus for the
# system bus; libglib2.0-bin for gdbus, which can pass fds in a D-Bus
# call (busctl 252 cannot); udev loads the virtio modules (9p) on boot;
# passwd and util-linux (runuser) are in minbase.
packages="systemd-sysv dbus libglib2.0-bin udev kmod linux-image-amd64 initramfs-tools
	libsystemd0 libseccomp2 libevent-2.1-7 e2fsprogs"

root=$out/root
rm -rf "$root"
mkdir -p "$root"
# shellcheck disable=SC2086 # split on purpose: one word per package
debootstrap --variant=minbase --include="$(echo $packages | tr ' ' ,)" \
	bookworm "$root" "$mirror" >"$out/debootstrap.log" 2>&1 || {
	tail -n 30 "$out/debootstrap.log" >&2
	[ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
	exit 1
}

echo sandboxd-vm >"$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$root/etc/fstab"
# Root without a password on the serial console, for debugging by hand
# (the VM has no network interface).
chroot "$root" passwd -d root >/dev/null
# An unprivileged user for "sandboxctl run" as not-root.
chroot "$root" useradd -m -u 1000 -s /bin/sh vmuser

cat >"$root/etc/systemd/system/sandboxd-vm-job.service" <<'UNIT'
[Unit]
Description=sandboxd VM test job (tests/vm)
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStartPre=-/sbin/modprobe 9pnet_virtio
ExecStartPre=/bin/mkdir -p /mnt/vm
ExecStartPre=/bin/mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmshare /mnt/vm
ExecStart=/bin/sh /mnt/vm/job.sh /mnt/vm
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=20min

[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable sandboxd-vm-job.service >/dev/null 2>&1
# Nothing else to wait for at boot.
chroot "$root" systemctl mask systemd-networkd-wait-online.service \
	systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true

# Kernel and initramfs are booted directly (-kernel/-initrd): no boot loader.
cp "$(ls "$root"/boot/vmlinuz-* | tail -n 1)" "$out/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | tail -n 1)" "$out/initrd.img"
ls "$root"/lib/modules >"$out/kernel-version"
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

rm -f "$out/root.img"
truncate -s 2G "$out/root.img"
mke2fs -q -t ext4 -L sandboxd-vm -d "$root" "$out/root.img"
rm -rf "$root"
