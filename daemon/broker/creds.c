/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Acting as the owner. The broker runs as root, but every action it takes
 * for a target runs with the identity of the user who asked for the
 * sandbox (docs/ARCHITECTURE.md, invariant 1), switched with the raw system calls, so
 * that only the calling thread changes (glibc's wrappers would apply the
 * change to every thread of the daemon): the broker's actions run on
 * worker threads (workers.c), each with its own credentials.
 *
 * CREDS_FS switches the file-system identity (fsuid, fsgid, groups), which
 * is what file actions check; switching fsuid away from 0 also drops the
 * file capabilities (CAP_DAC_OVERRIDE and friends) from the effective set.
 * CREDS_EFFECTIVE also switches the effective uid and gid, which drops
 * every capability from the effective set and is what a socket records
 * as its peer's credentials (SO_PEERCRED, SO_PEERGROUPS): a UNIX socket
 * connected for a target must show its owner, never root, to the service
 * behind it. The real and saved ids stay 0, so that the owner can neither
 * signal nor trace the thread meanwhile, and creds_leave() can come back.
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action.h"
#include "spawn.h"

#define GROUPS_MAX 256

static gid_t own_groups[GROUPS_MAX];
static int n_own_groups;
/* Per thread: what creds_leave() has to undo. */
static _Thread_local bool switched, switched_effective;

int
creds_init(void)
{
	n_own_groups = getgroups(GROUPS_MAX, own_groups);
	return n_own_groups < 0 ? -errno : 0;
}

static int
ids_enter(const struct owner_creds *c, enum creds_mode mode)
{
	if (syscall(SYS_setgroups, c->n_groups, c->groups) < 0)
		return -EPERM;
	if (mode == CREDS_EFFECTIVE) {
		switched_effective = true;
		if (syscall(SYS_setresgid, -1, c->gid, -1) < 0 ||
		    syscall(SYS_setresuid, -1, c->uid, -1) < 0)
			return -EPERM;
	} else {
		(void) syscall(SYS_setfsgid, c->gid);
		(void) syscall(SYS_setfsuid, c->uid);
	}
	/* setfs*id() report no errors: read back to be sure (the
	 * effective switch sets the file-system ids too). */
	if ((uid_t) syscall(SYS_setfsuid, -1) != c->uid || (gid_t) syscall(SYS_setfsgid, -1) != c->gid)
		return -EPERM;
	return 0;
}

int
creds_enter(const struct owner_creds *c, enum creds_mode mode)
{
	int r;

	if (c->uid == 0)
		return 0;	/* root asked: root acts */
	switched = true;
	/* spawn.c's clone3() wants no change of ids meanwhile. */
	spawn_ids_lock();
	r = ids_enter(c, mode);
	spawn_ids_unlock();
	if (r < 0)
		(void) creds_leave();
	return r;
}

static int
ids_leave(void)
{
	if (switched_effective) {
		switched_effective = false;
		/* The real uid is 0: allowed, and the effective set comes back. */
		if (syscall(SYS_setresuid, -1, 0, -1) < 0 || syscall(SYS_setresgid, -1, 0, -1) < 0)
			return -errno;
	}
	(void) syscall(SYS_setfsuid, 0);
	(void) syscall(SYS_setfsgid, 0);
	if (syscall(SYS_setgroups, n_own_groups, own_groups) < 0)
		return -errno;
	if ((uid_t) syscall(SYS_setfsuid, -1) != 0 || geteuid() != 0)
		return -EPERM;
	return 0;
}

int
creds_leave(void)
{
	int r;

	if (!switched)
		return 0;
	switched = false;
	spawn_ids_lock();
	r = ids_leave();
	spawn_ids_unlock();
	return r;
}
