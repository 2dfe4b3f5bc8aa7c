/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Landlock, as a second wall behind the mount namespace: even if a target
 * found a way to mount or to reach another path, it may only read and
 * execute what the policy bound, write only in /tmp, use only the few
 * device nodes of /dev, make no TCP connection (ABI ≥ 4), and neither
 * signal nor reach abstract sockets outside its sandbox (ABI ≥ 6).
 * The ruleset is built in the child after pivot_root, since /tmp and /dev
 * exist only there; it costs a few system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock-abi.h"
#include "macro.h"
#include "spawn.h"

/* Newer than Debian 12's headers. */
#define LL_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_RX (LL_READ | LANDLOCK_ACCESS_FS_EXECUTE)

const char *const spawn_etc_files[SPAWN_ETC_FILES] = {
	[SPAWN_ETC_PASSWD] = "/etc/passwd",
	[SPAWN_ETC_GROUP] = "/etc/group",
	[SPAWN_ETC_HOSTS] = "/etc/hosts",
	[SPAWN_ETC_HOSTNAME] = "/etc/hostname",
	[SPAWN_ETC_NSSWITCH] = "/etc/nsswitch.conf",
};

int
landlock_abi_version(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int) v;
}

static uint64_t
fs_all(int abi)
{
	uint64_t a = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */

	if (abi >= LANDLOCK_ABI_REFER)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= LANDLOCK_ABI_TRUNCATE)
		a |= LL_FS_TRUNCATE;
	if (abi >= LANDLOCK_ABI_IOCTL_DEV)
		a |= LL_FS_IOCTL_DEV;
	return a;
}

/* open_flags: O_NOFOLLOW to take only a regular file itself, never what
 * a symbolic link there points to. */
static int
add_rule_flags(int ruleset, const char *path, int open_flags, uint64_t access, uint64_t handled)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access & handled };
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_PATH | O_CLOEXEC | open_flags);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* an optional bind */
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!(open_flags & O_NOFOLLOW) || S_ISREG(st.st_mode)) {
		/* A rule on a file may only carry file rights. */
		if (!S_ISDIR(st.st_mode))
			pb.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
			    LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
		pb.parent_fd = fd;
		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
			r = -errno;
	}
	(void) close(fd);
	return r;
}

static int
add_rule(int ruleset, const char *path, uint64_t access, uint64_t handled)
{
	return add_rule_flags(ruleset, path, 0, access, handled);
}

int
confine_landlock(const struct spawn_plan *p, struct spawn_report *rep)
{
	struct ll_ruleset_attr attr = {};
	size_t size = sizeof(uint64_t);
	uint64_t all;
	int ruleset, r = 0;

	if (p->landlock_abi <= 0)
		return 0;
	all = fs_all(p->landlock_abi);
	attr.handled_access_fs = all;
	if (p->landlock_abi >= LANDLOCK_ABI_NET_TCP) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = 2 * sizeof(uint64_t);
	}
	if (p->landlock_abi >= LANDLOCK_ABI_SCOPE) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	ruleset = (int) syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0)
		return -errno;

	for (size_t i = 0; r >= 0 && i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];

		if (m->kind == POLICY_MOUNT_BIND_RO)
			r = add_rule(ruleset, m->dest, LL_RX, all);
		else if (m->kind == POLICY_MOUNT_BIND_RW || m->kind == POLICY_MOUNT_TMPFS)
			r = add_rule(ruleset, m->dest, all, all);
		if (r < 0)
			(void) snprintf(rep->detail, sizeof(rep->detail), "%s", m->dest);
	}
	if (r >= 0)
		r = add_rule(ruleset, "/", LANDLOCK_ACCESS_FS_READ_DIR, all);
	/* The daemon's files in /etc, or what the policy mounted there
	 * (whose own rule above already allows reading). */
	for (size_t i = 0; r >= 0 && i < SPAWN_ETC_FILES; i++)
		r = add_rule_flags(ruleset, spawn_etc_files[i], O_NOFOLLOW, LANDLOCK_ACCESS_FS_READ_FILE,
		    all);
	if (r >= 0)
		r = add_rule(ruleset, "/proc", LL_READ, all);
	if (r >= 0)
		r = add_rule(ruleset, "/dev", LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_IOCTL_DEV |
		    LL_FS_TRUNCATE, all);
	if (r >= 0 && p->tmp)
		r = add_rule(ruleset, "/tmp", all, all);
	if (r >= 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		r = -errno;
	(void) close(ruleset);
	return r;
}
