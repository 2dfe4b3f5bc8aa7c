/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Acting as the owner. The broker runs as root, but every action it takes
 * for a target runs with the file-system identity of the user who asked
 * for the sandbox (DESIGN.md invariant 1): fsuid, fsgid and supplementary
 * groups switched with the raw system calls (so only this thread changes;
 * sandboxd has one). Switching fsuid away from 0 also drops the file
 * capabilities (CAP_DAC_OVERRIDE and friends) from the effective set;
 * switching back restores them.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action.h"

#define GROUPS_MAX 256

static gid_t own_groups[GROUPS_MAX];
static int n_own_groups;
static bool switched;	/* whether creds_leave() has anything to undo */

int
creds_init(void)
{
	n_own_groups = getgroups(GROUPS_MAX, own_groups);
	return n_own_groups < 0 ? -errno : 0;
}

int
creds_enter(const struct owner_creds *c)
{
	if (c->uid == 0)
		return 0;	/* root asked: root acts */
	switched = true;
	if (syscall(SYS_setgroups, c->n_groups, c->groups) < 0) {
		(void) creds_leave();
		return -EPERM;
	}
	(void) syscall(SYS_setfsgid, c->gid);
	(void) syscall(SYS_setfsuid, c->uid);
	/* setfs*id() report no errors: read back to be sure. */
	if ((uid_t) syscall(SYS_setfsuid, -1) != c->uid || (gid_t) syscall(SYS_setfsgid, -1) != c->gid) {
		(void) creds_leave();
		return -EPERM;
	}
	return 0;
}

int
creds_leave(void)
{
	if (!switched)
		return 0;
	switched = false;
	(void) syscall(SYS_setfsuid, 0);
	(void) syscall(SYS_setfsgid, 0);
	if (syscall(SYS_setgroups, n_own_groups, own_groups) < 0)
		return -errno;
	if ((uid_t) syscall(SYS_setfsuid, -1) != 0)
		return -EPERM;
	return 0;
}
