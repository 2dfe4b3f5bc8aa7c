# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-vm: the installed units under systemd as PID 1, in a Debian 12
# VM booted with qemu (tests/vm/run.sh). Not part of "make check": it needs
# root, qemu-system-x86_64, debootstrap and a few minutes. The build must
# be configured --prefix=/usr --sysconfdir=/etc --localstatedir=/var (as
# a distribution would); run.sh makes such a build itself otherwise.

EXTRA_DIST += tests/vm/run.sh tests/vm/mkimage.sh tests/vm/job.sh

check-vm: all
	@rc=0; $(SHELL) $(top_srcdir)/tests/vm/run.sh $(abs_top_builddir) || rc=$$?; \
	test $$rc -eq 0 || test $$rc -eq 77

.PHONY: check-vm
