/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The privileged actions the broker performs for a target. Callers have
 * already matched the request against the policy and checked the rule's
 * rights; these functions only touch the filesystem or network, always
 * relative to a rule's directory fd with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), and always under the owner's credentials
 * (creds_enter()). They return 0/fd or a negative errno.
 */
#pragma once

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "policy.h"
#include "sandbox-protocol.h"

/* The requesting user's identity, taken from SO_PEERCRED/SO_PEERGROUPS. */
struct owner_creds {
	uid_t		uid;
	gid_t		gid;
	gid_t		*groups;
	int		n_groups;
};

/* Switch the calling thread's identity to the owner's and back (creds.c):
 * its file-system identity, or also its effective one. An error aborts
 * the request (never act as root for a user). */
enum creds_mode {
	CREDS_FS,		/* fsuid, fsgid, groups: for file actions */
	CREDS_EFFECTIVE,	/* and euid, egid: for connecting sockets */
};
int creds_enter(const struct owner_creds *c, enum creds_mode mode);
int creds_leave(void);
/* Records the daemon's own groups, to restore them in creds_leave(). */
int creds_init(void);

/* For a target that Landlock does not confine (see action-file.c):
 * ACTION_OPEN_READ_ONLY_VIEW opens in a read-only view of the rule's
 * directory, ACTION_OPEN_NOT_READABLE refuses files others may read and
 * creates none, ACTION_OPEN_NO_DIRECTORY refuses directories (EISDIR). */
#define ACTION_OPEN_READ_ONLY_VIEW	(1u << 0)
#define ACTION_OPEN_NO_DIRECTORY	(1u << 1)
#define ACTION_OPEN_NOT_READABLE	(1u << 2)
/* O_SYNC, O_DSYNC: what an intercepted open(2) asked for (intercept.c). */
#define ACTION_OPEN_SYNC		(1u << 3)
#define ACTION_OPEN_DSYNC		(1u << 4)
int action_open(const struct policy_path_rule *r, const char *rel, uint32_t flags, uint32_t mode,
    unsigned opts);
/* One page of a directory's entries, from index start (without . and ..):
 * returns how many (at most max), *ret_next 0 at the end. */
struct action_dirent {
	uint32_t	type;		/* DT_* */
	char		name[SBX_DIR_NAME_MAX];
};
int action_readdir(const struct policy_path_rule *r, const char *rel, uint32_t start,
    struct action_dirent *ents, size_t max, uint32_t *ret_next);
/* follow: stat(2); else lstat(2), the link itself. */
int action_stat(const struct policy_path_rule *r, const char *rel, bool follow, struct stat *ret);
int action_access(const struct policy_path_rule *r, const char *rel, uint32_t mode);
int action_readlink(const struct policy_path_rule *r, const char *rel, char *buf, size_t size);
int action_mkdir(const struct policy_path_rule *r, const char *rel, uint32_t mode);
int action_unlink(const struct policy_path_rule *r, const char *rel, bool dir);
int action_rename(const struct policy_path_rule *from, const char *from_rel,
    const struct policy_path_rule *to, const char *to_rel, bool replace);
/* Connects, waiting at most timeout_ms; the socket is returned connected
 * and blocking (run it under CREDS_EFFECTIVE). */
int action_connect(const struct policy_connect_rule *r, unsigned timeout_ms);

/* The mode a created file or directory gets: no setuid/setgid/sticky, no
 * write for group or others. */
#define ACTION_MODE_MASK 0755
