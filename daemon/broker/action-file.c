/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File actions for targets. Safe for whoever can reach them because:
 *  - every path is resolved by openat2() from the rule's directory fd (the
 *    policy load's, or for an owner other than root the one the broker
 *    opened by path as the owner: broker.c), with RESOLVE_BENEATH (".." and absolute symlinks cannot
 *    leave the rule's tree) and RESOLVE_NO_MAGICLINKS (no /proc/self/...
 *    tricks in the daemon's context), plus RESOLVE_NO_SYMLINKS for File=
 *    rules and rules marked nosymlinks;
 *  - one lookup opens the file with exactly the access asked for, and the
 *    checks (file type) are made on that opened fd with fstat; a path is
 *    never checked and then opened again; no O_PATH fd is handed out;
 *  - everything runs under the owner's fsuid/fsgid/groups (creds.c), so the
 *    kernel's permission checks are the owner's: a rule cannot hand out a
 *    file its owner could not open;
 *  - every open is O_NONBLOCK, so a FIFO or a device cannot stall the event
 *    loop, and only regular files and directories are handed out unless
 *    the rule says "special" (any other fd is closed at once); regular
 *    files and directories lose O_NONBLOCK before they are handed out;
 *  - an fd handed out under a rule without write cannot be made writable
 *    by reopening it through /proc/self/fd, with or without Landlock, nor
 *    one under a rule without read readable (see action_open());
 *  - a new file is never created through a symlink (action_open());
 *  - without Landlock no directory fd is handed out at all: openat(fd,
 *    "..") and the like would reach the host tree beyond the rule, which
 *    RESOLVE_BENEATH guards only for our own lookups. The broker lists
 *    directories instead (action_readdir()).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
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

#define OPEN_EAGAIN_RETRIES 32

/* Resolves rel beneath dirfd, the rule's directory or a view of it. */
static int
open_beneath_at(int dirfd, const struct policy_path_rule *r, const char *rel, uint64_t flags,
    uint64_t mode)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.mode = mode,
		.resolve = resolve_flags(r),
	};
	long fd;

	if (dirfd < 0)
		return -ENOENT;
	/* With RESOLVE_BENEATH the kernel answers EAGAIN when a rename
	 * anywhere raced the resolution of a "..": it cannot prove the
	 * walk stayed beneath. Try again, a bounded number of times, and
	 * never without the scope. */
	for (unsigned i = 0;; i++) {
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || i >= OPEN_EAGAIN_RETRIES)
			break;
	}
	return fd < 0 ? -errno : (int) fd;
}

static int
open_beneath(const struct policy_path_rule *r, const char *rel, uint64_t flags)
{
	return open_beneath_at(r->dirfd, r, rel, flags, 0);
}

/* A detached, read-only copy of the mounts at the rule's directory (and
 * beneath it), for action_open(); it lives as long as an fd opened in it. */
static int
open_read_only_view(const struct policy_path_rule *r)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	_cleanup_close_ int fd = -1;

	if (r->dirfd < 0)
		return -ENOENT;
	fd = (int) syscall(SYS_open_tree, r->dirfd, "",
	    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		return -errno;
	return TAKE_FD(fd);
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
wire_accmode(uint32_t flags)
{
	switch (flags & SBX_O_ACCMODE) {
	case SBX_O_RDONLY:	return O_RDONLY;
	case SBX_O_WRONLY:	return O_WRONLY;
	case SBX_O_RDWR:	return O_RDWR;
	}
	return -EINVAL;
}

/*
 * Opening /proc/self/fd/N follows the fd's own path (mount and dentry) and
 * is then an ordinary open, checked against the opener: the target, whose
 * anonymous uid may well write a file that is, say, 0666. Landlock stops
 * that reopen (the host path is outside every rule it grants); without it
 * (read_only_view), a rule without write has its files opened in a
 * read-only view of its directory, so that a reopen for writing, whoever
 * attempts it and whatever the file's mode, meets a read-only mount and
 * fails with EROFS. Only regular files and directories are guarded by the
 * mount (the kernel does not apply it to devices and FIFOs), so special
 * files are then handed out only if neither their group nor others may
 * write them: the target's uid and gid are its own and own nothing on the
 * host, it has no capabilities, and with an ACL the group bits are the
 * mask that bounds every named entry. In the view no file can be created
 * either (EROFS); an existing one opens as before.
 *
 * The same reopen for reading is checked against the target too, and no
 * mount can refuse reads: so without Landlock, under a rule without read
 * (not_readable), a file others may read is refused (EACCES), and one
 * created there is not made readable by others.
 */
int
action_open(const struct policy_path_rule *r, const char *rel, uint32_t flags, uint32_t mode,
    unsigned opts)
{
	bool read_only_view = opts & ACTION_OPEN_READ_ONLY_VIEW;
	bool unreadable = opts & ACTION_OPEN_NOT_READABLE;
	mode_t create_mask = (mode_t) ACTION_MODE_MASK & ~(mode_t) (0022 | (unreadable ? S_IROTH : 0));
	int acc = wire_accmode(flags), how = 0, dirfd;
	bool existing = false, truncate = false;
	_cleanup_close_ int view = -1, fd = -1;
	struct stat st;

	if (acc < 0)
		return acc;
	if (flags & SBX_O_TRUNC)
		how |= O_TRUNC;
	if (flags & SBX_O_APPEND)
		how |= O_APPEND;
	if (flags & SBX_O_DIRECTORY)
		how |= O_DIRECTORY;
	if (flags & SBX_O_NOFOLLOW)
		how |= O_NOFOLLOW;
	if (flags & SBX_O_CREAT)
		how |= O_CREAT | ((flags & SBX_O_EXCL) ? O_EXCL : 0);
	if (opts & ACTION_OPEN_SYNC)
		how |= O_SYNC;
	else if (opts & ACTION_OPEN_DSYNC)
		how |= O_DSYNC;
	/* One lookup, the one that opens: O_NONBLOCK so that a FIFO or a
	 * device cannot stall us, O_NOCTTY so that a terminal cannot become
	 * ours. What it is, we ask the opened fd. */
	if (read_only_view) {
		view = open_read_only_view(r);
		if (view < 0)
			return view;
	}
	dirfd = read_only_view ? view : r->dirfd;
	/* A file we refuse must not be truncated first. */
	if (unreadable && (how & O_TRUNC)) {
		how &= ~O_TRUNC;
		truncate = true;
	}
	if ((how & O_CREAT) && !(how & O_EXCL)) {
		/* What exists opens as without O_CREAT, through the symlinks
		 * the rule follows; only what is missing is created, and never
		 * through a symlink: a dangling one fails with ELOOP. */
		fd = open_beneath_at(dirfd, r, rel,
		    (uint64_t) (acc | (how & ~O_CREAT) | O_NONBLOCK | O_NOCTTY), 0);
		existing = fd != -ENOENT;
		how |= O_NOFOLLOW;
	}
	if (!existing)
		fd = open_beneath_at(dirfd, r, rel, (uint64_t) (acc | how | O_NONBLOCK | O_NOCTTY),
		    (how & O_CREAT) ? mode & create_mask : 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (unreadable && (st.st_mode & S_IROTH))
		return -EACCES;
	if (S_ISDIR(st.st_mode) && (opts & ACTION_OPEN_NO_DIRECTORY))
		return -EISDIR;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		if (!(r->rights & POLICY_RIGHT_SPECIAL))
			return -EACCES;
		if (read_only_view && (st.st_mode & 0022))
			return -EACCES;
		return TAKE_FD(fd);	/* special files stay non-blocking */
	}
	if (fcntl(fd, F_SETFL, acc | how) < 0)
		return -errno;
	if (truncate && S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* As the kernel writes them for getdents64(2). */
struct linux_dirent64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

int
action_readdir(const struct policy_path_rule *r, const char *rel, uint32_t start,
    struct action_dirent *ents, size_t max, uint32_t *ret_next)
{
	/* Read as the owner, non-blocking like every open here. */
	_cleanup_close_ int fd = open_beneath(r, rel, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
	uint64_t buf[1024], index = 0;
	size_t n = 0, l;
	long got;

	if (fd < 0)
		return fd;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < got;) {
			const struct linux_dirent64 *d = (const void *) ((const char *) buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
			    index++ < start)
				continue;
			if (n == max) {
				/* There is more: the next page starts here. */
				if (index - 1 > UINT32_MAX)
					return -EOVERFLOW;
				*ret_next = (uint32_t) (index - 1);
				return (int) n;
			}
			l = strnlen(d->d_name, sizeof(ents[n].name));
			if (l >= sizeof(ents[n].name))
				return -ENAMETOOLONG;	/* longer than NAME_MAX: not Linux */
			ents[n].type = d->d_type;
			memcpy(ents[n].name, d->d_name, l + 1);
			n++;
		}
	if (got < 0)
		return -errno;
	*ret_next = 0;
	return (int) n;
}

int
action_stat(const struct policy_path_rule *r, const char *rel, bool follow, struct stat *ret)
{
	_cleanup_close_ int fd = open_beneath(r, rel, O_PATH | (follow ? 0 : O_NOFOLLOW));

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
