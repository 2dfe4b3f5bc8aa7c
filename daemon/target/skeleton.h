/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A sandbox's root: a fresh tmpfs per sandbox, made by the daemon with the
 * new mount API (fsopen/fsmount) as a detached mount, holding every mount
 * point the policy needs (its binds, tmpfs mounts and symlinks, and the
 * daemon's own /proc, with the files the child binds over the host's
 * there, /dev with its node files, /tmp, and the files every sandbox gets
 * in /etc), then, with the sandbox's accounts added, made
 * read-only. The child attaches it with move_mount() and mounts onto it,
 * creating no files itself, so it can build its mount tree before its id
 * maps exist, while the daemon writes them.
 */
#pragma once

#include "policy.h"

/* The sandbox's own boot id, a random UUID (skeleton_finish()), which the
 * child binds over the host's /proc/sys/kernel/random/boot_id
 * (confine-mount.c); in the prepared root's /proc mount point, as
 * spawn.h's SPAWN_PROC_* files. */
#define SKELETON_PROC_BOOT_ID	"/proc/bootid"

/* Returns a detached mount fd (close-on-exec) of a new root for policy p,
 * still writable (nobody else holds it), or a negative errno. */
int skeleton_make(const struct policy *p);
/* Makes such a root one sandbox's: its /etc/passwd and /etc/group name
 * uid and gid, meminfo (NULL: none) is its /proc/meminfo
 * (target_format_meminfo()), it gets a fresh boot id, then the root is
 * made read-only. 0 or a negative errno.
 * (The spare roots are made ahead per policy, before the uid is known;
 * two small files at the spawn cost less than roots made per uid, or a
 * bind per file in the child, which may only make raw system calls.) */
int skeleton_finish(int mfd, const struct policy *p, uid_t uid, gid_t gid, const char *meminfo);
