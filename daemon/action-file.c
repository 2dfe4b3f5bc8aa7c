/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File actions for targets. Safe for whoever can reach them because:
 *  - every path is resolved by openat2() from a directory fd the policy
 *    load opened, with RESOLVE_BENEATH (".." and absolute symlinks cannot
 *    leave the rule's tree) and RESOLVE_NO_MAGICLINKS (no /proc/self/...
 *    tricks in the daemon's context), plus RESOLVE_NO_SYMLINKS for File=
 *    rules and rules marked nosymlinks;
 *  - checks are made on the opened O_PATH fd (fstat), and the fd handed
 *    out is a reopen of that very inode (through our own /proc/self/fd,
 *    which no target input reaches), never a second lookup of the path;
 *  - everything runs under the owner's fsuid/fsgid/groups (creds.c), so the
 *    kernel's permission checks are the owner's: a rule cannot hand out a
 *    file its owner could not open;
 *  - only regular files and directories are opened unless the rule says
 *    "special" (the type is known from the O_PATH fd before any real
 *    open), and special files open O_NONBLOCK, so a FIFO or a device
 *    cannot stall the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "action.h"
#include "macro.h"

static uint64_t
resolve_flags(const struct policy_path_rule *r)
{
	uint64_t f = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

	if (!r->tree || (r->rights & POLICY_RIGHT_NOSYMLINKS))
		f |= RESOLVE_NO_SYMLINKS;
	return f;
}

static int
open_beneath(const struct policy_path_rule *r, const char *rel, uint64_t flags)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = resolve_flags(r) };
	long fd;

	if (r->dirfd < 0)
		return -ENOENT;
	fd = syscall(SYS_openat2, r->dirfd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : (int) fd;
}

/* Splits rel into its parent (opened beneath the rule) and last name. */
static int
open_parent(const struct policy_path_rule *r, const char *rel, char *name, size_t name_size)
{
	const char *slash = strrchr(rel, '/');
	char parent[SBX_PATH_MAX];
	const char *last = slash ? slash + 1 : rel;
	size_t pl;

	if (strcmp(rel, ".") == 0 || last[0] == '\0' || strcmp(last, ".") == 0 ||
	    strcmp(last, "..") == 0)
		return -EINVAL;	/* never the rule's own root, never a dot name */
	if (strlen(last) >= name_size)
		return -ENAMETOOLONG;
	memcpy(name, last, strlen(last) + 1);
	if (!slash)
		return open_beneath(r, ".", O_PATH | O_DIRECTORY);
	pl = (size_t) (slash - rel);
	if (pl >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, rel, pl);
	parent[pl] = '\0';
	return open_beneath(r, pl ? parent : ".", O_PATH | O_DIRECTORY);
}

static int
reopen(int pathfd, int flags)
{
	char proc[64];
	int fd;

	(void) snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

static int
wire_accmode(uint32_t flags)
{
	switch (flags & SBX_O_ACCMODE) {
	case SBX_O_RDONLY:	return O_RDONLY;
	case SBX_O_WRONLY:	return O_WRONLY;
	case SBX_O_RDWR:	return O_RDWR;
	}
	return -EINVAL;
}

int
action_open(const struct policy_path_rule *r, const char *rel, uint32_t flags, uint32_t mode)
{
	_cleanup_close_ int pfd = -1;
	int acc = wire_accmode(flags), extra = 0, fd;
	struct stat st;

	if (acc < 0)
		return acc;
	if (flags & SBX_O_TRUNC)
		extra |= O_TRUNC;
	if (flags & SBX_O_APPEND)
		extra |= O_APPEND;
	if (flags & SBX_O_DIRECTORY)
		extra |= O_DIRECTORY;

	for (int attempt = 0; attempt < 2; attempt++) {
		pfd = safe_close(pfd);
		pfd = open_beneath(r, rel, O_PATH | ((flags & SBX_O_NOFOLLOW) ? O_NOFOLLOW : 0));
		if (pfd == -ENOENT && (flags & SBX_O_CREAT)) {
			char name[256];
			_cleanup_close_ int dfd = open_parent(r, rel, name, sizeof(name));

			if (dfd < 0)
				return dfd;
			/* O_EXCL|O_NOFOLLOW: we create a new regular file, or
			 * nothing; a name that appeared meanwhile is retried. */
			fd = openat(dfd, name, acc | extra | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			    O_NOCTTY, mode & ACTION_MODE_MASK & ~0022);
			if (fd >= 0)
				return fd;
			if (errno == EEXIST && !(flags & SBX_O_EXCL))
				continue;
			return -errno;
		}
		if (pfd < 0)
			return pfd;
		break;
	}
	if (pfd < 0)
		return pfd;
	if ((flags & SBX_O_CREAT) && (flags & SBX_O_EXCL))
		return -EEXIST;
	if (fstat(pfd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if ((flags & SBX_O_DIRECTORY) && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (S_ISDIR(st.st_mode) && acc != O_RDONLY)
		return -EISDIR;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !(r->rights & POLICY_RIGHT_SPECIAL))
		return -EACCES;
	/* The same inode, reopened with exactly the access asked for; the
	 * kernel checks the owner's permissions on it now. Special files
	 * (allowed by the rule) open non-blocking: a FIFO without a writer
	 * must not stall us. */
	return reopen(pfd, acc | extra |
	    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? 0 : O_NONBLOCK));
}

int
action_stat(const struct policy_path_rule *r, const char *rel, struct stat *ret)
{
	_cleanup_close_ int fd = open_beneath(r, rel, O_PATH);

	if (fd < 0)
		return fd;
	return fstat(fd, ret) < 0 ? -errno : 0;
}

int
action_access(const struct policy_path_rule *r, const char *rel, uint32_t mode)
{
	_cleanup_close_ int fd = open_beneath(r, rel, O_PATH);

	if (fd < 0)
		return fd;
	/* AT_EACCESS: judge with the fsuid we switched to, not the real uid. */
	if (syscall(SYS_faccessat2, fd, "", (int) mode, AT_EMPTY_PATH | AT_EACCESS) < 0)
		return -errno;
	return 0;
}

int
action_readlink(const struct policy_path_rule *r, const char *rel, char *buf, size_t size)
{
	char name[256];
	_cleanup_close_ int dfd = open_parent(r, rel, name, sizeof(name));
	ssize_t n;

	if (dfd < 0)
		return dfd;
	n = readlinkat(dfd, name, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int
action_mkdir(const struct policy_path_rule *r, const char *rel, uint32_t mode)
{
	char name[256];
	_cleanup_close_ int dfd = open_parent(r, rel, name, sizeof(name));

	if (dfd < 0)
		return dfd;
	return mkdirat(dfd, name, mode & ACTION_MODE_MASK) < 0 ? -errno : 0;
}

int
action_unlink(const struct policy_path_rule *r, const char *rel, bool dir)
{
	char name[256];
	_cleanup_close_ int dfd = open_parent(r, rel, name, sizeof(name));

	if (dfd < 0)
		return dfd;
	return unlinkat(dfd, name, dir ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
}

int
action_rename(const struct policy_path_rule *from, const char *from_rel,
    const struct policy_path_rule *to, const char *to_rel, bool replace)
{
	char n1[256], n2[256];
	_cleanup_close_ int d1 = open_parent(from, from_rel, n1, sizeof(n1));
	_cleanup_close_ int d2 = open_parent(to, to_rel, n2, sizeof(n2));

	if (d1 < 0)
		return d1;
	if (d2 < 0)
		return d2;
	if (syscall(SYS_renameat2, d1, n1, d2, n2, replace ? 0 : RENAME_NOREPLACE) < 0)
		return -errno;
	return 0;
}
