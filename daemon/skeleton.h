/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A policy's skeleton: the directory tree a sandbox root is made of, built
 * once when the policy is loaded, in SANDBOXD_RUNDIR/skel-<pid>. It holds the
 * mount points of the policy's binds and tmpfs mounts, its symlinks, and
 * the daemon's own points (/proc, /dev with its node files, /tmp). A new
 * sandbox bind-mounts it read-only as its root and mounts onto it, so the
 * child creates no files: its mount tree can be built before its id maps
 * exist, while the daemon writes them. Root-owned, never written after it
 * is built, removed when the last sandbox using its policy is gone.
 */
#pragma once

#include "policy.h"

/* Builds p's skeleton and sets p->skeleton (and p->on_free to remove it). */
int skeleton_build(struct policy *p);
/* Removes skeletons left by daemons that died (and any of our own pid). */
void skeleton_remove_stale(void);
/* Removes this instance's (by then empty) skeleton directory. */
void skeleton_done(void);
