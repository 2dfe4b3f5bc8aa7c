/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A sandbox's root: a fresh tmpfs per sandbox, made by the daemon with the
 * new mount API (fsopen/fsmount) as a detached mount, holding every mount
 * point the policy needs (its binds, tmpfs mounts and symlinks, and the
 * daemon's own /proc, /dev with its node files, and /tmp), then made
 * read-only. The child attaches it with move_mount() and mounts onto it,
 * creating no files itself, so it can build its mount tree before its id
 * maps exist, while the daemon writes them.
 */
#pragma once

#include "policy.h"

/* Returns a detached, read-only mount fd (close-on-exec) of a new root
 * for policy p, or a negative errno. */
int skeleton_make(const struct policy *p);
