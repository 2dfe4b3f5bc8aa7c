/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * See skeleton.h. Runs as root in the daemon: the paths come from
 * administrator-owned policies only, and everything is created relative
 * to the new, detached tmpfs (no host path is written).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "skeleton.h"
#include "string-util.h"
#include "spawn.h"

static const char *const dev_links[][2] = {
	{ "/proc/self/fd", "dev/fd" }, { "/proc/self/fd/0", "dev/stdin" },
	{ "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
};

/* How every path below the new root is resolved: never through a
 * symbolic link (a policy's Symlink= may point anywhere on the host, and
 * a mount point below one would otherwise be made there, as root), never
 * out of the tmpfs. */
#define SKELETON_RESOLVE \
	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

/*
 * mkdir -p of rel's first len bytes (no leading '/') below the mount fd,
 * one component at a time, each made and opened below the last without
 * following links: a symbolic link on the way is an error (ELOOP), not a
 * detour. The last directory gets mode (if made here) and is returned,
 * opened O_PATH; len 0 returns the root.
 */
static int
mkdir_open(int mfd, const char *rel, size_t len, mode_t mode)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = SKELETON_RESOLVE,
	};
	char name[NAME_MAX + 1];
	int dfd = fcntl(mfd, F_DUPFD_CLOEXEC, 3);

	if (dfd < 0)
		return -errno;
	for (size_t i = 0; i < len;) {
		size_t n = strcspn(rel + i, "/");
		int fd;

		if (n > len - i)
			n = len - i;
		if (n == 0) {		/* "a//b" */
			i++;
			continue;
		}
		if (n > NAME_MAX) {
			(void) close(dfd);
			return -ENAMETOOLONG;
		}
		memcpy(name, rel + i, n);
		name[n] = '\0';
		i += n;
		if (mkdirat(dfd, name, i >= len ? mode : 0755) < 0 && errno != EEXIST)
			fd = -errno;
		else if ((fd = (int) syscall(SYS_openat2, dfd, name, &how, sizeof(how))) < 0)
			fd = -errno;
		(void) close(dfd);
		if (fd < 0)
			return fd;
		dfd = fd;
	}
	return dfd;
}

static int
mkdir_p(int mfd, const char *rel, mode_t mode)
{
	int fd = mkdir_open(mfd, rel, strlen(rel), mode);

	if (fd < 0)
		return fd;
	(void) close(fd);
	return 0;
}

/* rel's parent, made if missing and opened (see mkdir_open()); *ret_name
 * points at rel's last component. */
static int
open_parent(int mfd, const char *rel, const char **ret_name)
{
	const char *slash = strrchr(rel, '/');

	*ret_name = slash ? slash + 1 : rel;
	return mkdir_open(mfd, rel, slash ? (size_t) (slash - rel) : 0, 0755);
}

static int
make_file(int mfd, const char *rel)
{
	_cleanup_close_ int dfd = -1;
	const char *name;
	int fd;

	dfd = open_parent(mfd, rel, &name);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	(void) close(fd);
	return 0;
}

static int
make_link(int mfd, const char *target, const char *rel)
{
	_cleanup_close_ int dfd = -1;
	const char *name;

	dfd = open_parent(mfd, rel, &name);
	if (dfd < 0)
		return dfd;
	return symlinkat(target, dfd, name) < 0 && errno != EEXIST ? -errno : 0;
}

/*
 * What every sandbox finds in /etc (sandboxd.policy(5)): an account
 * database of its own (root, nobody and the sandbox's anonymous uid,
 * named "sandbox"), hosts and hostname for its own host name, and an
 * nsswitch.conf that asks these files (and DNS for hosts) only, so no
 * module of the host's (systemd, ldap, sss, nis) is tried. Nothing of it
 * comes from the owner or the target: the host name is the policy's
 * (validated when parsed), the ids are the daemon's. A policy that mounts
 * something at one of these paths, or at a directory above it
 * (BindReadOnly=/etc/passwd, BindReadOnly=/etc), gets its own.
 */
#define SKELETON_NSSWITCH \
	"# The sandbox's own files; see sandboxd.policy(5).\n" \
	"passwd:\t\tfiles\ngroup:\t\tfiles\nshadow:\t\tfiles\ngshadow:\tfiles\n" \
	"hosts:\t\tfiles dns\nnetworks:\tfiles\nprotocols:\tfiles\nservices:\tfiles\n" \
	"ethers:\t\tfiles\nrpc:\t\tfiles\nnetgroup:\tfiles\n"
#define SKELETON_HOSTS "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

/* Creates path (absolute, as in the sandbox) below the mount fd with text
 * in it, mode 0644. Never through a symbolic link, never out of the new
 * root. A path the policy mounts over is left alone (see above). */
static int
write_file(int mfd, const struct policy *p, const char *path, const char *text)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	size_t len = strlen(text);
	const char *name;
	ssize_t n;

	if (policy_mount_above(p, path))
		return 0;
	dfd = open_parent(mfd, path + 1, &name);
	if (dfd < 0)
		return dfd;
	/* O_EXCL: never through a link, not even the last component's. */
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* The daemon's umask must not decide who may read it. */
	if (fchmod(fd, 0644) < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		return -errno;
	return (size_t) n == len ? 0 : -EIO;
}

/* The files that are the same for every sandbox of the policy. */
static int
populate_etc(int mfd, const struct policy *p)
{
	char hosts[256], hostname[80];
	int r;

	/* The host name on a line of its own, and, without a domain, under
	 * ".localdomain" first: that is the canonical name getaddrinfo()
	 * reports, and programs that build an address from it (git) want
	 * a dot in it. */
	if (strchr(p->hostname, '.'))
		(void) snprintf(hosts, sizeof(hosts), SKELETON_HOSTS "127.0.1.1\t%s\n", p->hostname);
	else
		(void) snprintf(hosts, sizeof(hosts), SKELETON_HOSTS "127.0.1.1\t%s.localdomain %s\n",
		    p->hostname, p->hostname);
	(void) snprintf(hostname, sizeof(hostname), "%s\n", p->hostname);
	if ((r = write_file(mfd, p, spawn_etc_files[SPAWN_ETC_HOSTS], hosts)) < 0 ||
	    (r = write_file(mfd, p, spawn_etc_files[SPAWN_ETC_HOSTNAME], hostname)) < 0 ||
	    (r = write_file(mfd, p, spawn_etc_files[SPAWN_ETC_NSSWITCH], SKELETON_NSSWITCH)) < 0)
		return r;
	return 0;
}

/*
 * The sandbox's /proc/stat: a "cpu" line and a "cpuN" line for each CPU
 * the daemon (and so the sandbox, which inherits its affinity) may run
 * on, every counter zero, and the host's boot time. glibc's
 * get_nprocs() (sysconf(_SC_NPROCESSORS_ONLN), python's os.cpu_count())
 * counts the cpuN lines when there is no /sys, as in most sandboxes;
 * top and ps parse the rest. The counters are what the host's file
 * would leak: every other user's CPU time, interrupts, context switches
 * and forks. btime stays true: ps adds it to each process's start time
 * (counted from boot), and /proc/uptime tells it anyway. malloc'd text,
 * or NULL on OOM.
 */
static char *
format_proc_stat(void)
{
	static const char zeros[] = " 0 0 0 0 0 0 0 0 0 0\n";
	struct timespec real, boot;
	long long btime = 0;
	cpu_set_t cpus;
	size_t size, o;
	char *buf;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0) {
		CPU_ZERO(&cpus);
		CPU_SET(0, &cpus);
	}
	/* The kernel's own btime: the wall clock less the time since boot. */
	if (clock_gettime(CLOCK_REALTIME, &real) == 0 && clock_gettime(CLOCK_BOOTTIME, &boot) == 0)
		btime = (long long) real.tv_sec - boot.tv_sec - (real.tv_nsec < boot.tv_nsec);
	size = (size_t) (CPU_COUNT(&cpus) + 1) * (sizeof("cpu") + 10 + sizeof(zeros)) + 256;
	buf = malloc(size);
	if (!buf)
		return NULL;
	o = (size_t) snprintf(buf, size, "cpu %s", zeros);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &cpus))
			o += (size_t) snprintf(buf + o, size - o, "cpu%d%s", c, zeros);
	(void) snprintf(buf + o, size - o, "intr 0\nctxt 0\nbtime %lld\nprocesses 0\n"
	    "procs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n", btime);
	return buf;
}

/*
 * The files the child binds over the host's in the sandbox's /proc
 * (confine-mount.c): an empty one (SPAWN_PROC_EMPTY) and /proc/stat
 * (SPAWN_PROC_STAT), below the /proc mount point, where the sandbox's
 * procfs hides them. The daemon writes them, not the child: the child
 * may create no file (it mounts before its id maps exist, onto a root
 * already read-only) and only makes raw system calls, and in a prepared
 * root they cost the spawn nothing.
 */
static int
populate_proc(int mfd, const struct policy *p)
{
	_cleanup_free_ char *stat = format_proc_stat();
	int r;

	if (!stat)
		return -ENOMEM;
	if ((r = write_file(mfd, p, SPAWN_PROC_EMPTY, "")) < 0 ||
	    (r = write_file(mfd, p, SPAWN_PROC_STAT, stat)) < 0)
		return r;
	return 0;
}

/*
 * A bind whose source is a symbolic link (BindReadOnly=/etc/localtime)
 * becomes a symbolic link to the file that link finally names, when the
 * sandbox can follow it there: that file is under another bind of the
 * policy at its own host path (/usr/share/zoneinfo/... under
 * BindReadOnly=/usr), a writable one if this bind is, and nothing is
 * mounted below this one. Then the sandbox's mountinfo names no host
 * file for it, and programs that read the link (for the time zone's
 * name) find what they do on the host. Otherwise the file is bound, as
 * always. Writes the link's text into buf (PATH_MAX bytes) and returns
 * true if so.
 */
static bool
bind_as_link(const struct policy *p, const struct policy_mount *self, char *buf)
{
	bool rw = self->kind == POLICY_MOUNT_BIND_RW, seen = false;
	struct stat st;

	if (lstat(self->source, &st) < 0 || !S_ISLNK(st.st_mode) || !realpath(self->source, buf))
		return false;
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];

		if (m == self)
			continue;
		if (path_is_under(m->dest, self->dest))
			return false;
		if ((m->kind == POLICY_MOUNT_BIND_RW || (!rw && m->kind == POLICY_MOUNT_BIND_RO)) &&
		    strcmp(m->source, m->dest) == 0 && path_is_under(buf, m->dest))
			seen = true;
	}
	return seen;
}

static int
populate(int mfd, const struct policy *p)
{
	char link[PATH_MAX];
	struct stat st;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];
		const char *rel = m->dest + 1;

		switch (m->kind) {
		case POLICY_MOUNT_BIND_RO:
		case POLICY_MOUNT_BIND_RW:
			/* A missing source gets no mount point: the child's bind
			 * then fails, or is skipped for an optional one. */
			if (stat(m->source, &st) < 0)
				continue;
			/* The child binds nothing onto a link (confine-mount.c). */
			if (bind_as_link(p, m, link))
				r = make_link(mfd, link, rel);
			else
				r = S_ISDIR(st.st_mode) ? mkdir_p(mfd, rel, 0755) : make_file(mfd, rel);
			break;
		case POLICY_MOUNT_SYMLINK:
			r = make_link(mfd, m->source, rel);
			break;
		case POLICY_MOUNT_TMPFS:
			r = mkdir_p(mfd, rel, 0755);
			break;
		}
	}
	/* With interception, the rules' directories and those above them are
	 * there, empty, so that cd, realpath() and mkdir -p find them; what
	 * is in them is the broker's (paths under a rule never reach the
	 * sandbox's view). Not where a mount of the policy's is. */
	for (size_t i = 0; p->intercept && i < p->n_path_rules; i++) {
		const struct policy_path_rule *pr = &p->path_rules[i];
		size_t len = strlen(pr->path);

		if (!pr->tree)
			len = (size_t) (strrchr(pr->path, '/') - pr->path);
		int fd;

		if (len <= 1 || policy_mount_above(p, pr->path))
			continue;
		/* A Symlink= of the policy's on the way (ELOOP): not ours to
		 * follow; the directory is then simply not there. */
		fd = mkdir_open(mfd, pr->path + 1, len - 1, 0755);
		if (fd >= 0)
			(void) close(fd);
		else
			log_debug("Policy '%s': no directory for [Broker] '%s' in the sandbox: %s",
			    p->name, pr->path, strerror(-fd));
	}
	/* 0755, not procfs' 0555: the daemon writes the masks and the
	 * meminfo (skeleton_finish()) in it, and under the unit it has no
	 * CAP_DAC_OVERRIDE. Procfs covers it in the sandbox anyway. */
	if (r >= 0)
		r = mkdir_p(mfd, "proc", 0755);
	if (r >= 0)
		r = populate_proc(mfd, p);
	if (r >= 0)
		r = mkdir_p(mfd, "tmp", 01777);
	if (r >= 0 && fchmodat(mfd, "tmp", 01777, 0) < 0)
		r = -errno;
	if (r >= 0)
		r = mkdir_p(mfd, "dev/shm", 0755);
	for (size_t i = 0; r >= 0 && i < SPAWN_DEV_NODES; i++) {
		char rel[32] = "dev/";

		strcat(rel, spawn_dev_nodes[i]);
		r = make_file(mfd, rel);
	}
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dev_links); i++)
		r = make_link(mfd, dev_links[i][0], dev_links[i][1]);
	if (r >= 0)
		r = populate_etc(mfd, p);
	return r;
}

int
skeleton_make(const struct policy *p)
{
	_cleanup_close_ int fs = -1, mfd = -1;
	int r;

	fs = (int) syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "1m", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes", "1024", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mfd = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mfd < 0)
		return -errno;
	r = populate(mfd, p);
	if (r < 0)
		return log_error_errno(r, "Policy '%s': cannot prepare a sandbox root: %m", p->name);
	return TAKE_FD(mfd);
}

/*
 * A boot id of the sandbox's own, as the kernel writes its own: a random
 * (version 4) UUID in lower-case hex and a newline. Programs that read
 * one (journal clients, systemd's tools, anything that tells one boot
 * from the next) find the file they expect, and learn nothing of the
 * host's boot; each sandbox is a boot of its own. buf holds 37 bytes
 * and the NUL.
 */
static int
format_boot_id(char buf[static 38])
{
	uint8_t b[16];
	size_t o = 0;

	if (getrandom(b, sizeof(b), 0) != (ssize_t) sizeof(b))
		return -errno;
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* variant 10xx (RFC 4122) */
	for (size_t i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		o += (size_t) snprintf(buf + o, 38 - o, "%02x", b[i]);
	}
	buf[o++] = '\n';
	buf[o] = '\0';
	return 0;
}

int
skeleton_finish(int mfd, const struct policy *p, uid_t uid, gid_t gid, const char *meminfo)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	char passwd[256], group[128], boot_id[38];
	/* An AnonymousUidRange= that holds 65534 makes it the sandbox's. */
	bool nobody = uid != 65534 && gid != 65534;
	int r;

	(void) snprintf(passwd, sizeof(passwd), "root:x:0:0:root:/root:/bin/sh\n%s"
	    "sandbox:x:%u:%u:sandbox:/tmp:/bin/sh\n",
	    nobody ? "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" : "",
	    (unsigned) uid, (unsigned) gid);
	(void) snprintf(group, sizeof(group), "root:x:0:\n%ssandbox:x:%u:\n",
	    nobody ? "nogroup:x:65534:\n" : "", (unsigned) gid);
	if ((r = format_boot_id(boot_id)) < 0 ||
	    (r = write_file(mfd, p, SKELETON_PROC_BOOT_ID, boot_id)) < 0 ||
	    (r = write_file(mfd, p, spawn_etc_files[SPAWN_ETC_PASSWD], passwd)) < 0 ||
	    (r = write_file(mfd, p, spawn_etc_files[SPAWN_ETC_GROUP], group)) < 0 ||
	    (meminfo && (r = write_file(mfd, p, SPAWN_PROC_MEMINFO, meminfo)) < 0))
		return r;
	if (syscall(SYS_mount_setattr, mfd, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		return -errno;
	return 0;
}
