/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target's filesystem (child side, async-signal-safe). In the new
 * mount namespace: stop propagation to the host, mount a fresh tmpfs at
 * the staging point, bind the policy's paths read-only (recursively, with
 * nosuid,nodev), add /proc of the new pid namespace, a minimal /dev and a
 * private /tmp, then pivot_root into it and detach the old root. Nothing
 * of the host is reachable afterwards but what the policy bound.
 *
 * Safe for whoever can reach it: paths come only from administrator-owned
 * policies; the requester chooses none of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "spawn.h"

#define PATH_BUF 4096

static int
join(char *buf, const char *root, const char *path)
{
	size_t rl = strlen(root), pl = strlen(path);

	if (rl + pl + 1 > PATH_BUF)
		return -ENAMETOOLONG;
	memcpy(buf, root, rl);
	memcpy(buf + rl, path, pl + 1);
	return 0;
}

/* Mount points the daemon itself fills, made before the root goes
 * read-only. */
static const struct {
	const char	*path;
	mode_t		mode;
} own_points[] = {
	{ "/proc", 0555 },
	{ "/dev", 0755 },
	{ "/tmp", 01777 },
};

/* The staging root exists: mkdir_p() starts below it. */
static size_t root_len;

/* mkdir -p, for paths under the staging root only. */
static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_BUF];
	size_t l = strlen(path);

	if (l >= sizeof(buf) || l < root_len)
		return -ENAMETOOLONG;
	memcpy(buf, path, l + 1);
	for (char *s = buf + root_len + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
make_parent(const char *path)
{
	char buf[PATH_BUF];
	char *slash;
	size_t l = strlen(path);

	if (l >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, l + 1);
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return mkdir_p(buf, 0755);
}

static int
make_file(const char *path)
{
	int fd, r = make_parent(path);

	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	(void) close(fd);
	return 0;
}

static int
setattr(const char *path, uint64_t set, unsigned flags)
{
	struct mount_attr a = { .attr_set = set };

	if (syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

/* Creates the mount point for source at dest (a directory or an empty
 * file, as source is). */
static int
make_point(const char *source, const char *dest)
{
	struct stat st;

	if (stat(source, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? mkdir_p(dest, 0755) : make_file(dest);
}

static int
setup_dev(const char *root, struct spawn_report *rep)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	char dev[PATH_BUF], buf[PATH_BUF + 64], src[64];
	int r;

	rep->step = SPAWN_STEP_DEV;
	if ((r = join(dev, root, "/dev")) < 0)
		return r;
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64") < 0)
		return -errno;
	for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
		(void) snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		(void) snprintf(buf, sizeof(buf), "%s/%s", dev, nodes[i]);
		if ((r = make_file(buf)) < 0)
			return r;
		/* A device node needs neither nosuid nor noexec: it cannot
		 * be executed, and its own mount flags are the host's. */
		if (mount(src, buf, NULL, MS_BIND, NULL) < 0)
			return -errno;
	}
	for (size_t i = 0; i < ELEMENTSOF(links); i++) {
		(void) snprintf(buf, sizeof(buf), "%s/%s", dev, links[i][1]);
		if (symlink(links[i][0], buf) < 0)
			return -errno;
	}
	(void) snprintf(buf, sizeof(buf), "%s/shm", dev);
	if (mkdir(buf, 01777) < 0)
		return -errno;
	return 0;
}

int
confine_mount(const struct spawn_plan *p, struct spawn_report *rep)
{
	char buf[PATH_BUF];
	char opts[64];
	int r;

	rep->step = SPAWN_STEP_MOUNT;
	root_len = strlen(p->root);
	/* Nothing we do from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	if (mount("tmpfs", p->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096") < 0)
		return -errno;

	/* Pass 1: every mount point, the symlinks, and the read-only binds;
	 * then one recursive read-only,nosuid,nodev over all of it. Pass 2
	 * puts the writable mounts on top. */
	for (int pass = 1; pass <= 2; pass++) {
		for (size_t i = 0; i < p->n_mounts; i++) {
			const struct policy_mount *m = &p->mounts[i];

			rep->step = SPAWN_STEP_BIND;
			if ((r = join(buf, p->root, m->dest)) < 0)
				return r;
			r = 0;
			switch (m->kind) {
			case POLICY_MOUNT_BIND_RO:
			case POLICY_MOUNT_BIND_RW:
				if (pass == 1)
					r = make_point(m->source, buf);
				if (r >= 0 && pass == (m->kind == POLICY_MOUNT_BIND_RO ? 1 : 2) &&
				    mount(m->source, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
					r = -errno;
				if (r >= 0 && pass == 2 && m->kind == POLICY_MOUNT_BIND_RW)
					r = setattr(buf, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, AT_RECURSIVE);
				if (r == -ENOENT && m->optional)
					r = 0;
				break;
			case POLICY_MOUNT_SYMLINK:
				if (pass == 1) {
					r = make_parent(buf);
					if (r >= 0 && symlink(m->source, buf) < 0)
						r = -errno;
				}
				break;
			case POLICY_MOUNT_TMPFS:
				if (pass == 1)
					r = mkdir_p(buf, 0755);
				else if (mount("tmpfs", buf, "tmpfs", MS_NOSUID | MS_NODEV,
				    "mode=0755,size=16m") < 0)
					r = -errno;
				break;
			}
			if (r < 0) {
				(void) snprintf(rep->detail, sizeof(rep->detail), "%s",
				    m->kind == POLICY_MOUNT_SYMLINK ? m->dest : m->source);
				return r;
			}
		}
		if (pass == 2)
			break;
		/* The daemon's own mount points, while the root is writable. */
		for (size_t i = 0; i < ELEMENTSOF(own_points); i++) {
			if ((r = join(buf, p->root, own_points[i].path)) < 0 ||
			    (r = mkdir_p(buf, own_points[i].mode)) < 0)
				return r;
		}
		if ((r = setattr(p->root, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
		    AT_RECURSIVE)) < 0)
			return r;
	}

	rep->step = SPAWN_STEP_PROC;
	if ((r = join(buf, p->root, "/proc")) < 0)
		return r;
	if (mount("proc", buf, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;

	r = setup_dev(p->root, rep);
	if (r < 0)
		return r;

	rep->step = SPAWN_STEP_TMP;
	if ((r = join(buf, p->root, "/tmp")) < 0)
		return r;
	if (p->tmp) {
		(void) snprintf(opts, sizeof(opts), "mode=01777,size=%llu",
		    (unsigned long long) p->tmp_size);
		if (mount("tmpfs", buf, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			return -errno;
	}

	rep->step = SPAWN_STEP_PIVOT;
	if (chdir(p->root) < 0)
		return -errno;
	/* pivot_root(".", ".") stacks the old root under the new one;
	 * detaching "." then drops it entirely. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -errno;
	if (umount2(".", MNT_DETACH) < 0)
		return -errno;
	if (chdir("/") < 0)
		return -errno;
	/* The root is read-only already; /dev becomes so too (its nodes keep
	 * their own flags). Only /tmp and rw binds are writable. */
	return setattr("/dev", MOUNT_ATTR_RDONLY, 0);
}
