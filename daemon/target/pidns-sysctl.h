/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vm.memfd_noexec in a sandbox's pid namespace (Linux 6.3). At 2 every
 * memfd made there is non-executable and sealed so (F_SEAL_EXEC), and
 * memfd_create(MFD_EXEC) fails: a target cannot write a program into
 * memory and execute it (execveat(2) of the memfd, fexecve(3), execve(2)
 * of /proc/self/fd/N), which Landlock and the sandbox's noexec mounts do
 * not govern. Unless the policy says [Security] MemoryExecutables=yes.
 *
 * The kernel takes the value for the writer's own pid namespace, from a
 * writer that is root on the host (/proc/sys checks the global uid) and
 * holds CAP_SYS_ADMIN over the namespace: never a process of the
 * sandbox's, so the daemon writes it, from a short-lived child it clones
 * into the sandbox's namespace before the sandbox's init is released.
 * Where the kernel has no vm.memfd_noexec the policy's filter refuses
 * execveat(2) of a descriptor instead (policy-seccomp.c), and the daemon
 * says once at start what that leaves open.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "policy.h"

/* Whether this kernel has vm.memfd_noexec; the first call logs what
 * sandboxes get (manager.c calls it at start). */
bool pidns_sysctl_probe(void);
/* Sets vm.memfd_noexec to 2 in the pid namespace of the process pidfd
 * (a sandbox's init, not yet released), unless p says
 * MemoryExecutables=yes or the kernel has no such setting, and checks it
 * took; uid is the sandbox's anonymous uid (spawn_setns()). home_pidfd is a
 * pidfd of the daemon itself: the calling thread
 * returns to its pid namespace on every path (or the daemon aborts).
 * 0 or a negative errno. */
int pidns_sysctl_seal_memfds(const struct policy *p, int pidfd, uid_t uid, int home_pidfd);
