/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * See skeleton.h. Paths come from administrator-owned policies only; the
 * skeleton directory is 0755 root-owned under the daemon's runtime dir.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "skeleton.h"


static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
static const char *const dev_links[][2] = {
	{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) remove(path);
	return 0;
}

static void
remove_tree(const char *path)
{
	(void) nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* One directory per daemon instance: SANDBOXD_RUNDIR/skel-<pid>. */
static const char *
skel_dir(void)
{
	static char dir[128];

	if (!dir[0])
		(void) snprintf(dir, sizeof(dir), SANDBOXD_RUNDIR "/skel-%d", (int) getpid());
	return dir;
}

void
skeleton_remove_stale(void)
{
	DIR *d = opendir(SANDBOXD_RUNDIR);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512];
		long pid;
		char *end;

		if (strncmp(e->d_name, "skel-", 5) != 0)
			continue;
		pid = strtol(e->d_name + 5, &end, 10);
		if (*end || pid <= 0 || (kill((pid_t) pid, 0) < 0 && errno == ESRCH) ||
		    pid == getpid()) {
			(void) snprintf(path, sizeof(path), SANDBOXD_RUNDIR "/%s", e->d_name);
			remove_tree(path);
		}
	}
	closedir(d);
}

void
skeleton_done(void)
{
	(void) rmdir(skel_dir());
}

static void
skeleton_free(struct policy *p)
{
	if (p->skeleton)
		remove_tree(p->skeleton);
}

static int
mkdir_p(char *path, mode_t mode)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
make_file(char *path)
{
	char *slash = strrchr(path, '/');
	int fd, r;

	*slash = '\0';
	r = mkdir_p(path, 0755);
	*slash = '/';
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	(void) close(fd);
	return 0;
}

static int
make_link(const char *target, char *path)
{
	char *slash = strrchr(path, '/');
	int r;

	*slash = '\0';
	r = slash == path ? 0 : mkdir_p(path, 0755);
	*slash = '/';
	if (r < 0)
		return r;
	return symlink(target, path) < 0 && errno != EEXIST ? -errno : 0;
}

int
skeleton_build(struct policy *p)
{
	static unsigned long seq;
	char dir[256], path[4096 + 256];
	struct stat st;
	int r;

	if (mkdir(skel_dir(), 0755) < 0 && errno != EEXIST)
		return -errno;
	(void) snprintf(dir, sizeof(dir), "%s/%s.%lu", skel_dir(), p->name ? p->name : "policy",
	    ++seq);
	remove_tree(dir);
	if (mkdir(dir, 0755) < 0)
		return -errno;
	p->skeleton = strdup(dir);
	if (!p->skeleton) {
		remove_tree(dir);
		return -ENOMEM;
	}
	p->on_free = skeleton_free;

	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];

		(void) snprintf(path, sizeof(path), "%s%s", dir, m->dest);
		switch (m->kind) {
		case POLICY_MOUNT_BIND_RO:
		case POLICY_MOUNT_BIND_RW:
			/* A source missing now is missing at spawn too: the
			 * child then fails (or skips an optional one). */
			if (stat(m->source, &st) < 0)
				continue;
			r = S_ISDIR(st.st_mode) ? mkdir_p(path, 0755) : make_file(path);
			break;
		case POLICY_MOUNT_SYMLINK:
			r = make_link(m->source, path);
			break;
		case POLICY_MOUNT_TMPFS:
			r = mkdir_p(path, 0755);
			break;
		default:
			r = -EINVAL;
		}
		if (r < 0)
			return log_error_errno(r, "Policy '%s': cannot prepare '%s': %m", p->name, path);
	}
	(void) snprintf(path, sizeof(path), "%s/proc", dir);
	if ((r = mkdir_p(path, 0555)) < 0)
		return r;
	(void) snprintf(path, sizeof(path), "%s/tmp", dir);
	if ((r = mkdir_p(path, 01777)) < 0 || chmod(path, 01777) < 0)
		return r < 0 ? r : -errno;
	(void) snprintf(path, sizeof(path), "%s/dev/shm", dir);
	if ((r = mkdir_p(path, 01777)) < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
		(void) snprintf(path, sizeof(path), "%s/dev/%s", dir, dev_nodes[i]);
		if ((r = make_file(path)) < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(dev_links); i++) {
		(void) snprintf(path, sizeof(path), "%s/dev/%s", dir, dev_links[i][1]);
		if ((r = make_link(dev_links[i][0], path)) < 0)
			return r;
	}
	return 0;
}
