/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target's filesystem (child side, async-signal-safe). In the new
 * mount namespace: stop propagation to the host, attach the fresh root
 * tmpfs the daemon made (skeleton.c: every mount point already exists) at
 * the staging point, bind the policy's paths onto it, make the whole tree read-only,
 * nosuid and nodev in one go, then add the writable mounts, /proc of the
 * new pid namespace (with the sandbox's own meminfo and stat over the
 * host's, and what tells of the host or its other users masked), the
 * device nodes, a private /tmp and /dev/shm, pivot_root into it and
 * detach the old root. Nothing of the host is reachable afterwards but
 * what the policy bound.
 *
 * The child creates no files here, so this runs before its id maps exist,
 * while the daemon is still writing them.
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
#include "skeleton.h"
#include "spawn.h"

#define PATH_BUF 4096

const char *const spawn_dev_nodes[SPAWN_DEV_NODES] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

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

static int
setattr(const char *path, uint64_t set, unsigned flags)
{
	struct mount_attr a = { .attr_set = set };

	if (syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

/* A private tmpfs at path in the new root, world-writable and sticky, of
 * at most size bytes. Its pages are charged to the memory cgroup of the
 * process that writes them, so they count against the sandbox's Memory=. */
static int
private_tmpfs(const struct spawn_plan *p, const char *path, unsigned long flags, uint64_t size)
{
	char buf[PATH_BUF], opts[64];
	int r;

	if ((r = join(buf, p->root, path)) < 0)
		return r;
	(void) snprintf(opts, sizeof(opts), "mode=01777,size=%llu", (unsigned long long) size);
	if (mount("tmpfs", buf, "tmpfs", flags, opts) < 0)
		return -errno;
	return 0;
}

/*
 * What a fresh procfs still shows of the host, masked in every sandbox
 * (sandboxd.policy(5)): the kernel command line, which identifies the
 * machine (its boot id, which does too, becomes the sandbox's own, see
 * mask_proc()); the machine-wide interrupt and softirq counters
 * (and /proc/stat's, replaced below), which tell what other users are
 * doing, keystroke by keystroke; and what container runtimes (runc,
 * crun, podman) mask: kernel memory, symbols, timers and scheduler
 * state, every user's keys, the SysRq trigger, and the hardware
 * directories. Files get an empty read-only file, directories an empty
 * read-only tmpfs; a path this kernel (or the policy's /sys) lacks is
 * skipped.
 */
static const char *const masked_files[] = {
	"/proc/cmdline", "/proc/interrupts", "/proc/softirqs", "/proc/kcore", "/proc/kallsyms",
	"/proc/keys", "/proc/key-users", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/latency_stats", "/proc/sysrq-trigger",
};
static const char *const masked_dirs[] = {
	"/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap",
};

/* A file the daemon prepared at path in the new root, opened O_PATH. */
static int
open_prepared(const struct spawn_plan *p, const char *path)
{
	char buf[PATH_BUF];
	int fd, r;

	if ((r = join(buf, p->root, path)) < 0)
		return r;
	fd = open(buf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Binds the file fd (O_PATH) read-only at path in the new root. A path
 * that is not there is left alone (0). */
static int
mask_file(const struct spawn_plan *p, int fd, const char *path)
{
	char src[PATH_BUF], buf[PATH_BUF];
	int r;

	/* The file itself, though the sandbox's procfs now covers it. */
	(void) snprintf(src, sizeof(src), "%s/proc/self/fd/%d", p->root, fd);
	if ((r = join(buf, p->root, path)) < 0)
		return r;
	if (mount(src, buf, NULL, MS_BIND, NULL) < 0)
		return errno == ENOENT ? 0 : -errno;
	return setattr(buf, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
	    MOUNT_ATTR_NOEXEC, 0);
}

static int
mask_proc(const struct spawn_plan *p, int empty_fd, int stat_fd, int boot_id_fd,
    struct spawn_report *rep)
{
	char buf[PATH_BUF];
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(masked_files); i++)
		if ((r = mask_file(p, empty_fd, masked_files[i])) < 0)
			(void) snprintf(rep->detail, sizeof(rep->detail), "%s", masked_files[i]);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(masked_dirs); i++) {
		if ((r = join(buf, p->root, masked_dirs[i])) < 0)
			break;
		if (mount("tmpfs", buf, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    "mode=0555,size=4k") < 0)
			r = errno == ENOENT ? 0 : -errno;
		if (r < 0)
			(void) snprintf(rep->detail, sizeof(rep->detail), "%s", masked_dirs[i]);
	}
	if (r >= 0 && (r = mask_file(p, stat_fd, "/proc/stat")) < 0)
		(void) snprintf(rep->detail, sizeof(rep->detail), "/proc/stat");
	/* A random one of the sandbox's (skeleton.c), not an empty file:
	 * programs that read a boot id expect one. */
	if (r >= 0 && (r = mask_file(p, boot_id_fd, "/proc/sys/kernel/random/boot_id")) < 0)
		(void) snprintf(rep->detail, sizeof(rep->detail), "/proc/sys/kernel/random/boot_id");
	return r;
}

/* Pass 1 mounts the read-only binds, pass 2 the writable mounts (after the
 * tree went read-only). */
static int
policy_mounts(const struct spawn_plan *p, int pass, struct spawn_report *rep)
{
	char buf[PATH_BUF];
	struct stat st;
	int r;

	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];

		rep->step = SPAWN_STEP_BIND;
		if ((r = join(buf, p->root, m->dest)) < 0)
			return r;
		r = 0;
		switch (m->kind) {
		case POLICY_MOUNT_BIND_RO:
		case POLICY_MOUNT_BIND_RW:
			if (pass != (m->kind == POLICY_MOUNT_BIND_RO ? 1 : 2))
				continue;
			/* The daemon made the host's symbolic link a link here
			 * (skeleton.c): the sandbox follows it into another bind. */
			if (fstatat(AT_FDCWD, buf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				continue;
			if (mount(m->source, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
				r = -errno;
			if (r >= 0 && pass == 2)
				r = setattr(buf, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, AT_RECURSIVE);
			/* A missing source (or a mount point missing because the
			 * source appeared after the policy was loaded). */
			if (r == -ENOENT && m->optional)
				r = 0;
			break;
		case POLICY_MOUNT_TMPFS:
			if (pass == 2 && mount("tmpfs", buf, "tmpfs", MS_NOSUID | MS_NODEV,
			    "mode=0755,size=16m") < 0)
				r = -errno;
			break;
		case POLICY_MOUNT_SYMLINK:
			break;		/* in the skeleton */
		}
		if (r < 0) {
			(void) snprintf(rep->detail, sizeof(rep->detail), "%s", m->source);
			return r;
		}
	}
	return 0;
}

int
confine_mount(const struct spawn_plan *p, struct spawn_report *rep)
{
	char buf[PATH_BUF + 64];
	int empty_fd, stat_fd, boot_id_fd, meminfo_fd = -1, r;

	rep->step = SPAWN_STEP_MOUNT;
	/* Nothing we do from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	/* Our fresh root (made by the daemon, read-only) at the staging point. */
	if (syscall(SYS_move_mount, p->root_fd, "", AT_FDCWD, p->root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	(void) close(p->root_fd);
	if ((r = policy_mounts(p, 1, rep)) < 0)
		return r;
	rep->step = SPAWN_STEP_MOUNT;
	if ((r = setattr(p->root, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	    AT_RECURSIVE)) < 0)
		return r;
	if ((r = policy_mounts(p, 2, rep)) < 0)
		return r;

	rep->step = SPAWN_STEP_PROC;
	/* The daemon's masking files (skeleton.c), held before procfs hides them. */
	if ((empty_fd = open_prepared(p, SPAWN_PROC_EMPTY)) < 0)
		return empty_fd;
	if ((stat_fd = open_prepared(p, SPAWN_PROC_STAT)) < 0)
		return stat_fd;
	if ((boot_id_fd = open_prepared(p, SKELETON_PROC_BOOT_ID)) < 0)
		return boot_id_fd;
	if (p->meminfo && (meminfo_fd = open_prepared(p, SPAWN_PROC_MEMINFO)) < 0)
		return meminfo_fd;
	if ((r = join(buf, p->root, "/proc")) < 0)
		return r;
	if (mount("proc", buf, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	r = mask_proc(p, empty_fd, stat_fd, boot_id_fd, rep);
	/* The memory the sandbox has, not the host's (target.c formats it). */
	if (r >= 0 && meminfo_fd >= 0)
		r = mask_file(p, meminfo_fd, "/proc/meminfo");
	(void) close(empty_fd);
	(void) close(stat_fd);
	(void) close(boot_id_fd);
	if (meminfo_fd >= 0)
		(void) close(meminfo_fd);
	if (r < 0)
		return r;

	/* The skeleton's /dev holds empty files for the nodes and the usual
	 * links; the host's nodes go on top (their own mounts keep "dev"). */
	rep->step = SPAWN_STEP_DEV;
	for (size_t i = 0; i < ELEMENTSOF(spawn_dev_nodes); i++) {
		char src[32];

		(void) snprintf(src, sizeof(src), "/dev/%s", spawn_dev_nodes[i]);
		(void) snprintf(buf, sizeof(buf), "%s/dev/%s", p->root, spawn_dev_nodes[i]);
		if (mount(src, buf, NULL, MS_BIND, NULL) < 0)
			return -errno;
	}

	rep->step = SPAWN_STEP_TMP;
	if (p->tmp && (r = private_tmpfs(p, "/tmp", MS_NOSUID | MS_NODEV, p->tmp_size)) < 0)
		return r;
	/* POSIX shared memory and semaphores (shm_open, sem_open): python's
	 * multiprocessing, PostgreSQL. Nothing there is ever executed. */
	rep->step = SPAWN_STEP_SHM;
	if (p->shm && (r = private_tmpfs(p, "/dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    p->shm_size)) < 0)
		return r;

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
	return 0;
}
