/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named groups of system calls, in the spirit of systemd's SystemCallFilter=
 * groups (@basic-io, @file-system, @process, ...). Pure data and lookup.
 *
 * Some system calls are never allowed, whatever a policy says (see
 * syscall_is_forbidden()): io_uring_*, userfaultfd, perf_event_open, bpf,
 * keyctl, add_key, request_key, ptrace, process_vm_readv/writev, the mount
 * API (mount, umount2, fsopen, fsconfig, fsmount, fspick, move_mount,
 * open_tree, mount_setattr, pivot_root), unshare, setns, open_by_handle_at,
 * name_to_handle_at, kexec_*, init_module, finit_module, delete_module,
 * settimeofday, clock_settime, clock_adjtime, adjtimex, ... clone3 is
 * refused with ENOSYS (its flags cannot be inspected), clone is allowed only
 * without namespace flags, and ioctl TIOCSTI/TIOCLINUX is refused.
 */
#pragma once

#include <linux/sched.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Namespace flags a sandboxed clone() may never carry. */
#define CLONE_NS_FLAGS \
	((uint64_t) (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	    CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWTIME))

struct syscall_group {
	const char		*name;		/* "@basic-io" */
	const char		*description;
	const char *const	*syscalls;	/* names, and "@group" references */
};

const struct syscall_group *syscall_group_find(const char *name);
const struct syscall_group *syscall_groups_all(void);	/* terminated by .name == NULL */
bool syscall_is_forbidden(const char *name);
