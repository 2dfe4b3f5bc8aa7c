/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoding and answering the target's intercepted system calls (see
 * intercept.h; the list is policy-seccomp.c's). The broker then treats
 * each as it treats a request on its channel: the same matching against
 * [Broker] rules, the same rights, the same actions as the owner.
 *
 * What we trust: nothing in the target's memory, which another of its
 * threads may change while we read it. Every read is bounded (a path at
 * most SBX_PATH_MAX with its NUL, a sockaddr at most its size) and goes
 * through process_vm_readv(2); we then act on our own copy, never on the
 * target's memory again. The notification is checked to be still valid
 * (SECCOMP_IOCTL_NOTIF_ID_VALID) after the reads and before acting, so the
 * pid we read through was the caller's and not a reused one; what we
 * write back (a struct stat, a link text) goes through /proc/PID/mem
 * opened, then checked valid again, so it reaches that very process.
 *
 * Why letting the kernel perform a call (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 * is safe, although seccomp_unotify(2) warns against deciding on what a
 * target can change: the decision to continue grants nothing. The call
 * then runs as the target itself, in its own mount namespace, under its
 * Landlock domain and its policy's filter, exactly as it would without
 * interception, so a target that changes the path after we read it (to
 * one under a [Broker] rule) only reaches what its sandbox already shows
 * it: the broker's directories are not in its view. That holds for paths
 * the kernel resolves from the sandbox's own directories, which absolute
 * paths always are (the root is the sandbox's). A relative one from a
 * host directory the broker handed out (a directory fd, or a working
 * directory reached with fchdir()) would walk the host's tree, where
 * Landlock guards opens but not stat(2) or readlink(2): such a call, as
 * we read it, is performed by the broker if a rule governs its path, and
 * refused (EXDEV) otherwise. The sandbox's own mounts, read once, tell
 * the two kinds of directory apart. That refusal is not a boundary: a
 * target that makes the path absolute for our read and relative for the
 * kernel's, or uses a call the filter does not hand over (newfstatat()
 * with AT_EMPTY_PATH, statfs(), fchmodat()...), still reads host metadata
 * from such a directory, as any Landlock sandbox holding a brokered
 * directory fd can without interception. The boundary belongs to how
 * the broker opens directories (action-file.c), not here. Every path the
 * broker does act on is our copy, resolved again by the broker beneath
 * the rule's directory (RESOLVE_BENEATH).
 *
 * Paths are matched as the sandbox names them: absolute ones as they are,
 * relative ones against the caller's working directory or the directory
 * fd, read from /proc/PID/cwd and /proc/PID/fd/N (which show paths in the
 * sandbox's view, or the host path of a directory the broker opened). "//"
 * and "." components fold, and so does a ".." that starts a relative path
 * (against the base, whose name is the kernel's canonical one); later
 * ones are left for the broker's resolution, beneath the rule, to refuse
 * if they leave it. A call we cannot decode (memory we cannot read, a
 * base that is not a directory path) continues: the kernel gives it the
 * answer it would have given anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>

#include "action.h"
#include "intercept.h"
#include "spawn.h"
#include "learn.h"
#include "macro.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
/* struct stat as the kernel writes it is the C library's only on these. */
#error "interception is implemented for x86_64 and aarch64"
#endif

/* Linux 6.6; not in Debian 12's headers. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

int
intercept_recv(int listener, struct intercept_call *c)
{
	memset(&c->n, 0, sizeof(c->n));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &c->n) < 0)
		return -errno;
	return 0;
}

/*
 * The caller's /proc/PID/mem, fd/ and fdinfo/ are its own (mode 0600 and
 * 0500, its uid), and the daemon under its unit has no CAP_DAC_OVERRIDE:
 * it opens them with the sandbox's uid as its file-system identity. A
 * caller that made itself non-dumpable has them owned by root instead:
 * then with ours. Either way as the owner of the caller's user namespace
 * (spawn_owner_enter()): the kernel's ptrace check of a process in another
 * user namespace wants CAP_SYS_PTRACE in it, which the unit does not
 * grant in ours.
 */
enum proc_op { PROC_OPEN, PROC_READLINK, PROC_STATX };

static long
proc_as(enum proc_op op, const char *path, int flags, char *buf, size_t size, struct statx *stx)
{
	struct statx unused;

	switch (op) {
	case PROC_OPEN:
		return open(path, flags | O_CLOEXEC);
	case PROC_READLINK:
		return readlink(path, buf, size);
	case PROC_STATX:
		return statx(AT_FDCWD, path, 0, STATX_INO | STATX_MNT_ID | STATX_TYPE, stx ?: &unused);
	}
	return -1;
}

static long
proc_call(const struct intercept_call *c, enum proc_op op, const char *path, int flags, char *buf,
    size_t size, struct statx *stx)
{
	struct __user_cap_data_struct caps[2];
	long r;
	int e;

	/* As the owner of the caller's user namespace (which the kernel's
	 * ptrace check of a process in another namespace wants), with its
	 * uid as file-system identity (its files); root's for those of a
	 * caller that made itself non-dumpable. */
	if (spawn_owner_enter(c->uid, caps) < 0)
		return -1;
	r = spawn_owner_fsuid(c->uid) < 0 ? (errno = EPERM, -1) :
	    proc_as(op, path, flags, buf, size, stx);
	e = errno;
	if (r < 0 && e == EACCES) {
		r = spawn_owner_fsuid(0) < 0 ? (errno = EPERM, -1) :
		    proc_as(op, path, flags, buf, size, stx);
		e = errno;
	}
	spawn_owner_leave(caps);
	errno = e;
	return r;
}

static bool
still_valid(int listener, uint64_t id)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int
intercept_view_load(pid_t pid, struct intercept_view *v)
{
	char path[64], line[4096];
	FILE *f;
	int r = 0;

	v->n = 0;
	(void) snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int) pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long id = strtoul(line, &end, 10);

		/* No id, or a line longer than mountinfo makes. */
		if (end == line || *end != ' ' || id > UINT32_MAX || !strchr(line, '\n'))
			r = -EBADMSG;
		else if (v->n == ELEMENTSOF(v->mnt_ids))
			r = -E2BIG;
		else
			v->mnt_ids[v->n++] = (uint32_t) id;
	}
	fclose(f);
	return r < 0 ? r : v->n > 0 ? 0 : -ENOENT;
}

/* Whether the directory at proc (the caller's cwd or fd link) lies in the
 * sandbox's own mounts, or is a host directory the broker handed out. */
static bool
in_view(const struct intercept_call *c, const struct intercept_view *v, const char *proc)
{
	struct statx stx = {};

	if (proc_call(c, PROC_STATX, proc, 0, NULL, 0, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return false;
	for (size_t i = 0; i < v->n; i++)
		if (v->mnt_ids[i] == stx.stx_mnt_id)
			return true;
	return false;
}

/*
 * process_vm_readv(2) and pidfd_getfd(2) check ptrace access: the daemon
 * holds no CAP_SYS_PTRACE (its unit grants none), and the sandbox's user
 * namespace is its anonymous uid's (spawn.c), so the thread acts as that
 * namespace's owner for the call, which holds every capability in it
 * (a target that made itself non-dumpable included).
 */
static ssize_t
vm_read(const struct intercept_call *c, void *buf, uint64_t addr, size_t size)
{
	struct iovec l = { .iov_base = buf, .iov_len = size };
	struct iovec r = { .iov_base = (void *) (uintptr_t) addr, .iov_len = size };
	struct __user_cap_data_struct caps[2];
	ssize_t n;

	if (spawn_owner_enter(c->uid, caps) < 0)
		return -1;
	n = process_vm_readv((pid_t) c->n.pid, &l, 1, &r, 1, 0);
	spawn_owner_leave(caps);
	return n;
}

/* Reads a string of the target's at addr into buf: page by page, so that
 * one ending just before an unmapped page reads. -ENAMETOOLONG if it does
 * not end within size, -EFAULT if unreadable. */
static int
read_string(const struct intercept_call *c, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	if (addr == 0)
		return -EFAULT;
	while (got < size) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (size_t) (at % 4096);
		ssize_t n;
		char *nul;

		/* Most paths are short: a small read first, then up to the
		 * end of each page. */
		if (got == 0 && chunk > 256)
			chunk = 256;
		if (chunk > size - got)
			chunk = size - got;
		n = vm_read(c, buf + got, at, chunk);
		if (n <= 0)
			return -EFAULT;
		nul = memchr(buf + got, '\0', (size_t) n);
		if (nul)
			return (int) (nul - buf);
		got += (size_t) n;
	}
	return -ENAMETOOLONG;
}

static int
read_exact(const struct intercept_call *c, uint64_t addr, void *buf, size_t size)
{
	return vm_read(c, buf, addr, size) == (ssize_t) size ? 0 : -EFAULT;
}

/* Appends s to the normalized path out (length *len): "//" and "."
 * components fold, ".." stays; a trailing "/" stays if keep_slash. */
static int
append_path(char *out, size_t *len, const char *s, bool keep_slash)
{
	for (;;) {
		size_t n;

		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		n = strcspn(s, "/");
		if (!(n == 1 && s[0] == '.')) {
			if (*len + 1 + n >= SBX_PATH_MAX)
				return -ENAMETOOLONG;
			if (*len == 0 || out[*len - 1] != '/')
				out[(*len)++] = '/';
			memcpy(out + *len, s, n);
			*len += n;
			out[*len] = '\0';
		}
		s += n;
	}
	if (*len == 0) {
		out[(*len)++] = '/';
		out[*len] = '\0';
	} else if (keep_slash && out[*len - 1] != '/') {
		if (*len + 1 >= SBX_PATH_MAX)
			return -ENAMETOOLONG;
		out[(*len)++] = '/';
		out[*len] = '\0';
	}
	return 0;
}

/*
 * The path argument at addr, relative to dirfd (AT_FDCWD: the working
 * directory), as an absolute path in out: 0, or INTERCEPT_CONTINUE for
 * anything the kernel is to answer itself (an empty path, an unreadable
 * one, a base that is no directory we can name).
 */
static int
resolve_path(const struct intercept_call *c, const struct intercept_view *v, int dirfd,
    uint64_t addr, bool keep_slash, char *out, bool *host_base)
{
	char raw[SBX_PATH_MAX], base[SBX_PATH_MAX], proc[64];
	const char *rel;
	size_t len = 0, rl;
	ssize_t n;
	int r;

	r = read_string(c, addr, raw, sizeof(raw));
	if (r <= 0)
		return INTERCEPT_CONTINUE;	/* EFAULT, ENAMETOOLONG, ENOENT: the kernel's */
	rl = (size_t) r;
	keep_slash = keep_slash && raw[rl - 1] == '/';
	out[0] = '\0';
	rel = raw;
	if (raw[0] != '/') {
		if (dirfd == AT_FDCWD)
			(void) snprintf(proc, sizeof(proc), "/proc/%u/cwd", (unsigned) c->n.pid);
		else if (dirfd >= 0)
			(void) snprintf(proc, sizeof(proc), "/proc/%u/fd/%d", (unsigned) c->n.pid,
			    dirfd);
		else
			return INTERCEPT_CONTINUE;	/* EBADF */
		n = proc_call(c, PROC_READLINK, proc, 0, base, sizeof(base), NULL);
		/* Not a path (a pipe, a socket), one too long, or a directory
		 * that was removed (" (deleted)"): none is a [Broker] path. */
		if (n <= 0 || (size_t) n >= sizeof(base) || base[0] != '/')
			return INTERCEPT_CONTINUE;
		base[n] = '\0';
		if (n > 10 && strcmp(base + n - 10, " (deleted)") == 0)
			return INTERCEPT_CONTINUE;
		/* A directory the broker opened is the host's: from there the
		 * kernel would walk the host's tree, not the sandbox's. */
		if (!in_view(c, v, proc))
			*host_base = true;
		if (append_path(out, &len, base, false) < 0)
			return INTERCEPT_CONTINUE;
		/* The base is canonical (the kernel's own name for it): a ".."
		 * that starts the path is its parent, exactly, whichever side
		 * of a rule that lies ("cd out; cat ../in/a"). Later ones may
		 * follow a symbolic link: the broker's, beneath the rule. */
		for (;;) {
			while (rel[0] == '/' || (rel[0] == '.' && (rel[1] == '/' || rel[1] == '\0')))
				rel++;
			if (!(rel[0] == '.' && rel[1] == '.' && (rel[2] == '/' || rel[2] == '\0')))
				break;
			rel += 2;
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--;
			out[len] = '\0';
		}
	}
	if (append_path(out, &len, rel, keep_slash) < 0)
		return INTERCEPT_CONTINUE;
	return 0;
}

/* Whether a [Broker] path rule governs path, and the path without its
 * ".." too: one that climbs out of the rule's directory (its parent,
 * "in/..") names what the sandbox's own view has there, as the kernel
 * would find it; one that stays is the broker's to resolve, physically,
 * beneath the rule (through symbolic links, ".." may mean elsewhere than
 * it reads). */
static bool
brokered(const struct policy *p, const char *path)
{
	const struct policy_path_rule *r;
	char folded[SBX_PATH_MAX];
	const char *rel;
	size_t n = 0;

	r = policy_match_path(p, path, &rel);
	if (!r || !strstr(path, "/.."))
		return r != NULL;
	for (const char *s = path; *s;) {
		size_t l;

		while (*s == '/')
			s++;
		l = strcspn(s, "/");
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 0 && folded[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else if (l > 0) {
			folded[n++] = '/';
			memcpy(folded + n, s, l);
			n += l;
		}
		s += l;
	}
	if (n == 0)
		folded[n++] = '/';
	folded[n] = '\0';
	return policy_match_path(p, folded, &rel) == r;
}

/* The caller's umask, which the kernel would apply to what it creates
 * (the broker creates as the daemon, whose umask is its own). */
static mode_t
caller_umask(const struct intercept_call *c)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	const char *u;
	ssize_t n;

	(void) snprintf(path, sizeof(path), "/proc/%u/status", (unsigned) c->n.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return 077;	/* unknown: the safe side */
	buf[n] = '\0';
	u = strstr(buf, "\nUmask:");
	return u ? (mode_t) (strtoul(u + 7, NULL, 8) & 0777) : 077;
}

/* open(2) flags into the broker's, and what is left to the reply. */
static int
decode_open(struct intercept_call *c, uint64_t flags, uint64_t mode, struct broker_request *req)
{
	uint32_t f = 0;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;	/* no unnamed files in a brokered directory */
	if (flags & O_PATH)
		/* Only a handle: given as a read-only open, needing read. */
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:	f = SBX_O_RDONLY; break;
	case O_WRONLY:	f = SBX_O_WRONLY; break;
	case O_RDWR:	f = SBX_O_RDWR; break;
	default:	return -EINVAL;
	}
	if (flags & O_CREAT)
		f |= SBX_O_CREAT | (flags & O_EXCL ? SBX_O_EXCL : 0);
	if (flags & O_TRUNC)
		f |= SBX_O_TRUNC;
	if (flags & O_APPEND)
		f |= SBX_O_APPEND;
	if (flags & O_DIRECTORY)
		f |= SBX_O_DIRECTORY;
	if (flags & O_NOFOLLOW)
		f |= SBX_O_NOFOLLOW;
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;		/* as the kernel answers since 6.4 */
	c->cloexec = flags & O_CLOEXEC;
	/* The status flags F_SETFL can add; O_SYNC and O_DSYNC the broker
	 * opens with; O_NOATIME is a hint we drop (only the file's owner
	 * may ask for it, and the daemon answers for the owner). */
	c->fl = (int) (flags & (O_NONBLOCK | O_DIRECT | O_ASYNC));
	req->action_opts = (flags & O_SYNC) == O_SYNC ? ACTION_OPEN_SYNC :
	    (flags & O_DSYNC) ? ACTION_OPEN_DSYNC : 0;
	req->type = SBX_MSG_BROKER_OPEN;
	req->q.flags = f;
	req->q.mode = (flags & O_CREAT) ? (uint32_t) (mode & 07777 & ~caller_umask(c)) : 0;
	c->out = INTERCEPT_OUT_FD;
	return 0;
}

/* The target's socket sockfd: its type, domain and flags, through a copy
 * of it (pidfd_getfd(2)); -errno, or INTERCEPT_CONTINUE if it is none. */
static int
socket_info(const struct intercept_call *c, int sockfd, int *ret_type, int *ret_domain,
    int *ret_fl, bool *ret_cloexec, uint64_t *ret_ino)
{
	struct stat st;
	_cleanup_close_ int pidfd = -1, fd = -1;
	char path[64], buf[256];
	socklen_t l = sizeof(int);
	unsigned long flags = 0;
	const char *f;
	ssize_t n;
	int tgid = (int) c->n.pid;

	/* pidfd_open() takes a thread group leader: find the caller's. */
	(void) snprintf(path, sizeof(path), "/proc/%u/status", (unsigned) c->n.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	fd = safe_close(fd);
	if (n > 0) {
		buf[n] = '\0';
		f = strstr(buf, "\nTgid:");
		if (f)
			tgid = (int) strtol(f + 6, NULL, 10);
	}
	pidfd = (int) syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int) spawn_owner_syscall(c->uid, SYS_pidfd_getfd, pidfd, sockfd);
	if (fd < 0)
		return fd == -EBADF ? INTERCEPT_CONTINUE : fd;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, ret_type, &l) < 0)
		return INTERCEPT_CONTINUE;	/* ENOTSOCK */
	if (fstat(fd, &st) < 0)
		return -errno;
	*ret_ino = st.st_ino;
	l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, ret_domain, &l) < 0)
		return -errno;
	*ret_fl = fcntl(fd, F_GETFL) & O_NONBLOCK;
	/* FD_CLOEXEC is the target's fd's own, shown in fdinfo. */
	(void) snprintf(path, sizeof(path), "/proc/%u/fdinfo/%d", (unsigned) c->n.pid, sockfd);
	safe_close(fd);
	fd = (int) proc_call(c, PROC_OPEN, path, O_RDONLY, NULL, 0, NULL);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n > 0) {
		buf[n] = '\0';
		f = strstr(buf, "flags:");
		if (f)
			flags = strtoul(f + 6, NULL, 8);
	}
	*ret_cloexec = flags & O_CLOEXEC;
	return 0;
}

/* Whether the caller's own fd sockfd is the socket socket_info() saw. */
static bool
caller_has_socket(const struct intercept_call *c, int sockfd)
{
	struct statx stx = {};
	char path[64];

	(void) snprintf(path, sizeof(path), "/proc/%u/fd/%d", (unsigned) c->n.pid, sockfd);
	return proc_call(c, PROC_STATX, path, 0, NULL, 0, &stx) == 0 && S_ISSOCK(stx.stx_mode) &&
	    stx.stx_ino == c->sock_ino;
}

/* connect(2): an address a Connect= rule names, as that rule's endpoint. */
static int
decode_connect(int listener, const struct policy *p, struct intercept_call *c,
    struct broker_request *req)
{
	const __u64 *a = c->n.data.args;
	struct sockaddr_storage ss = {};
	const struct policy_connect_rule *rule = NULL;
	int sockfd = (int) a[0], type, domain, r;
	size_t len = (size_t) a[2];

	if (len < sizeof(sa_family_t) || len > sizeof(ss) || read_exact(c, a[1], &ss,
	    len) < 0)
		return INTERCEPT_CONTINUE;	/* EINVAL, EFAULT: the kernel's */
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *) &ss;
		size_t pl = len - offsetof(struct sockaddr_un, sun_path);
		char sp[sizeof(un->sun_path) + 1];
		size_t l = 0;

		/* By path only: an abstract name is the sandbox's own network's.
		 * Longer than a sockaddr_un is the kernel's EINVAL. */
		if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(*un) ||
		    un->sun_path[0] == '\0')
			return INTERCEPT_CONTINUE;
		memcpy(sp, un->sun_path, pl);
		sp[pl] = '\0';
		if (sp[0] != '/')
			return INTERCEPT_CONTINUE;	/* relative: never a policy's */
		c->path[1][0] = '\0';
		if (append_path(c->path[1], &l, sp, false) < 0)
			return INTERCEPT_CONTINUE;
		for (size_t i = 0; i < p->n_connect_rules && !rule; i++)
			if (p->connect_rules[i].family == AF_UNIX &&
			    strcmp(p->connect_rules[i].host, c->path[1]) == 0)
				rule = &p->connect_rules[i];
	} else if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		for (size_t i = 0; i < p->n_connect_rules && !rule; i++)
			for (size_t j = 0; j < p->connect_rules[i].n_addrs && !rule; j++) {
				const struct sockaddr_storage *ra = &p->connect_rules[i].addrs[j];

				if (ra->ss_family != ss.ss_family)
					continue;
				if (ss.ss_family == AF_INET) {
					const struct sockaddr_in *x = (const void *) ra,
					    *y = (const void *) &ss;

					if (len >= sizeof(*y) && x->sin_port == y->sin_port &&
					    x->sin_addr.s_addr == y->sin_addr.s_addr)
						rule = &p->connect_rules[i];
				} else {
					const struct sockaddr_in6 *x = (const void *) ra,
					    *y = (const void *) &ss;

					if (len >= sizeof(*y) && x->sin6_port == y->sin6_port &&
					    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0)
						rule = &p->connect_rules[i];
				}
			}
	}
	if (!rule)
		return INTERCEPT_CONTINUE;
	r = socket_info(c, sockfd, &type, &domain, &c->fl, &c->cloexec, &c->sock_ino);
	if (r != 0)
		return r;
	/* That was the leader's table; the caller's may be another
	 * (CLONE_THREAD without CLONE_FILES). */
	if (!caller_has_socket(c, sockfd))
		return INTERCEPT_CONTINUE;
	/* The socket we looked at was the caller's (its pid not reused). */
	if (!still_valid(listener, c->n.id))
		return -ENOENT;
	/* The rule names a stream or a datagram endpoint: a socket of another
	 * type (or family) is not the one it grants. */
	if ((type & 0xf) != rule->type || domain != ss.ss_family)
		return INTERCEPT_CONTINUE;
	(void) snprintf(c->path[0], sizeof(c->path[0]), "%s", rule->endpoint);
	req->type = SBX_MSG_BROKER_CONNECT;
	req->path = c->path[0];
	c->sockfd = sockfd;
	c->out = INTERCEPT_OUT_SOCKET;
	return 0;
}

/* What a path no rule governs gets: the kernel's answer, in the sandbox's
 * view; but never a walk of the host's tree from a directory the broker
 * handed out (".." out of the rule, or another path relative to it). */
static int
unbrokered(bool host)
{
	return host ? -EXDEV : INTERCEPT_CONTINUE;
}

int
intercept_decode(int listener, const struct policy *p, const struct intercept_view *v,
    struct intercept_call *c, struct broker_request *req)
{
	const __u64 *a = c->n.data.args;
	int nr = c->n.data.nr, dirfd = AT_FDCWD, dirfd2 = AT_FDCWD, r;
	uint64_t path = 0, path2 = 0, flags = 0, mode = 0;
	bool nofollow = false, host = false;

	*req = (struct broker_request) {};
	c->out = INTERCEPT_OUT_RESULT;
	c->addr = c->size = 0;
	c->cloexec = false;
	c->fl = 0;
	c->sockfd = -1;
	if (c->n.data.arch != NATIVE_ARCH || (nr & __X32_SYSCALL_BIT))
		return INTERCEPT_CONTINUE;

	switch (nr) {
#ifdef SYS_open
	case SYS_open:
		path = a[0], flags = a[1], mode = a[2];
		goto open;
#endif
#ifdef SYS_creat
	case SYS_creat:
		path = a[0], flags = O_CREAT | O_WRONLY | O_TRUNC, mode = a[1];
		goto open;
#endif
	case SYS_openat:
		dirfd = (int) a[0], path = a[1], flags = a[2], mode = a[3];
		goto open;
	case SYS_openat2: {
		struct open_how how = {};

		dirfd = (int) a[0], path = a[1];
		/* A size we do not know, or an unreadable struct: the kernel
		 * answers (E2BIG, EINVAL, EFAULT). */
		if (a[3] != sizeof(how) || read_exact(c, a[2], &how, sizeof(how)) < 0)
			return INTERCEPT_CONTINUE;
		/* Scoped lookups are the target's own business with its own
		 * fds: not something a [Broker] rule's path is given by. */
		if (how.resolve != 0)
			return INTERCEPT_CONTINUE;
		if (!(how.flags & (O_CREAT | O_TMPFILE)) && how.mode != 0)
			return INTERCEPT_CONTINUE;	/* EINVAL */
		flags = how.flags, mode = how.mode;
		goto open;
	}
#ifdef SYS_stat
	case SYS_stat:
		path = a[0], c->addr = a[1];
		goto stat;
#endif
#ifdef SYS_lstat
	case SYS_lstat:
		path = a[0], c->addr = a[1], nofollow = true;
		goto stat;
#endif
#ifdef SYS_newfstatat
	case SYS_newfstatat:
#else
	case SYS_fstatat:
#endif
		dirfd = (int) a[0], path = a[1], c->addr = a[2], flags = a[3];
		goto stat;
	case SYS_statx:
		dirfd = (int) a[0], path = a[1], flags = a[2], c->addr = a[4];
		c->out = INTERCEPT_OUT_STATX;
		goto stat;
#ifdef SYS_access
	case SYS_access:
		path = a[0], mode = a[1];
		goto access;
#endif
	case SYS_faccessat:
		dirfd = (int) a[0], path = a[1], mode = a[2];
		goto access;
	case SYS_faccessat2:
		dirfd = (int) a[0], path = a[1], mode = a[2], flags = a[3];
		goto access;
#ifdef SYS_readlink
	case SYS_readlink:
		path = a[0], c->addr = a[1], c->size = a[2];
		goto readlink;
#endif
	case SYS_readlinkat:
		dirfd = (int) a[0], path = a[1], c->addr = a[2], c->size = a[3];
		goto readlink;
#ifdef SYS_mkdir
	case SYS_mkdir:
		path = a[0], mode = a[1];
		goto mkdir;
#endif
	case SYS_mkdirat:
		dirfd = (int) a[0], path = a[1], mode = a[2];
		goto mkdir;
#ifdef SYS_unlink
	case SYS_unlink:
		path = a[0];
		req->type = SBX_MSG_BROKER_UNLINK;
		goto remove;
#endif
#ifdef SYS_rmdir
	case SYS_rmdir:
		path = a[0];
		req->type = SBX_MSG_BROKER_RMDIR;
		goto remove;
#endif
	case SYS_unlinkat:
		dirfd = (int) a[0], path = a[1];
		if (a[2] & ~(uint64_t) AT_REMOVEDIR)
			return INTERCEPT_CONTINUE;	/* EINVAL */
		req->type = a[2] & AT_REMOVEDIR ? SBX_MSG_BROKER_RMDIR : SBX_MSG_BROKER_UNLINK;
		goto remove;
#ifdef SYS_rename
	case SYS_rename:
		path = a[0], path2 = a[1];
		goto rename;
#endif
#ifdef SYS_renameat
	case SYS_renameat:
		dirfd = (int) a[0], path = a[1], dirfd2 = (int) a[2], path2 = a[3];
		goto rename;
#endif
	case SYS_renameat2:
		dirfd = (int) a[0], path = a[1], dirfd2 = (int) a[2], path2 = a[3], flags = a[4];
		goto rename;
	case SYS_connect:
		return decode_connect(listener, p, c, req);
	case SYS_getxattr:
	case SYS_lgetxattr:
	case SYS_listxattr:
	case SYS_llistxattr:
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_removexattr:
	case SYS_lremovexattr:
		/* ls -l asks for ACLs and security labels by path: the
		 * broker keeps none, as a file system without them. */
		r = resolve_path(c, v, AT_FDCWD, a[0], true, c->path[0], &host);
		if (r != 0)
			return INTERCEPT_CONTINUE;
		return brokered(p, c->path[0]) ? -ENOTSUP : unbrokered(host);
	default:
		return INTERCEPT_CONTINUE;
	}

open:
	r = resolve_path(c, v, dirfd, path, true, c->path[0], &host);
	if (r != 0)
		return INTERCEPT_CONTINUE;
	if (!brokered(p, c->path[0]))
		return unbrokered(host);
	r = decode_open(c, flags, mode, req);
	goto done;

stat:
	/* Only statx() knows the sync types; the rest is the kernel's EINVAL. */
	if (flags & ~(uint64_t) (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
	    (c->out == INTERCEPT_OUT_STATX ? AT_STATX_SYNC_TYPE : 0)))
		return INTERCEPT_CONTINUE;
	r = resolve_path(c, v, dirfd, path, true, c->path[0], &host);
	/* AT_EMPTY_PATH with "" is fstat(2) of the fd: the kernel's. */
	if (r != 0)
		return INTERCEPT_CONTINUE;
	if (!brokered(p, c->path[0]))
		return unbrokered(host);
	if (c->out != INTERCEPT_OUT_STATX)
		c->out = INTERCEPT_OUT_STAT;
	req->type = SBX_MSG_BROKER_STAT;
	req->q.flags = nofollow || (flags & AT_SYMLINK_NOFOLLOW) ? SBX_STAT_NOFOLLOW : 0;
	r = 0;
	goto done;

access:
	if ((mode & ~(uint64_t) SBX_ACCESS_ALL) ||
	    (flags & ~(uint64_t) (AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return INTERCEPT_CONTINUE;	/* EINVAL */
	r = resolve_path(c, v, dirfd, path, true, c->path[0], &host);
	if (r != 0)
		return INTERCEPT_CONTINUE;
	if (!brokered(p, c->path[0]))
		return unbrokered(host);
	/* The broker judges as the owner: AT_EACCESS is what it does anyway. */
	req->type = SBX_MSG_BROKER_ACCESS;
	req->q.mode = (uint32_t) mode;
	goto done;

readlink:
	if ((int) c->size <= 0)
		return INTERCEPT_CONTINUE;	/* EINVAL */
	r = resolve_path(c, v, dirfd, path, false, c->path[0], &host);
	if (r != 0)
		return INTERCEPT_CONTINUE;
	if (!brokered(p, c->path[0]))
		return unbrokered(host);
	c->out = INTERCEPT_OUT_LINK;
	req->type = SBX_MSG_BROKER_READLINK;
	goto done;

mkdir:
	r = resolve_path(c, v, dirfd, path, false, c->path[0], &host);
	if (r != 0)
		return INTERCEPT_CONTINUE;
	if (!brokered(p, c->path[0]))
		return unbrokered(host);
	req->type = SBX_MSG_BROKER_MKDIR;
	req->q.mode = (uint32_t) (mode & 07777 & ~caller_umask(c));
	goto done;

remove:
	r = resolve_path(c, v, dirfd, path, false, c->path[0], &host);
	if (r != 0)
		return INTERCEPT_CONTINUE;
	if (!brokered(p, c->path[0]))
		return unbrokered(host);
	goto done;

rename: {
	bool b1, b2;

	r = resolve_path(c, v, dirfd, path, false, c->path[0], &host);
	if (r == 0)
		r = resolve_path(c, v, dirfd2, path2, false, c->path[1], &host);
	if (r != 0)
		return INTERCEPT_CONTINUE;
	b1 = brokered(p, c->path[0]);
	b2 = brokered(p, c->path[1]);
	if (!b1 && !b2)
		return unbrokered(host);
	/* Between a brokered directory and the sandbox's own view there is
	 * no rename, as between two mounts. */
	if (b1 != b2)
		return -EXDEV;
	if (flags & ~(uint64_t) RENAME_NOREPLACE)
		return -EINVAL;		/* no exchange, no whiteout */
	req->type = SBX_MSG_BROKER_RENAME;
	req->q.flags = flags & RENAME_NOREPLACE ? SBX_RENAME_NOREPLACE : 0;
	req->path2 = c->path[1];
	goto done;
}

done:
	if (r < 0)
		return r;
	req->path = c->path[0];
	/* What we read was the caller's, if the caller is still there. */
	return still_valid(listener, c->n.id) ? 0 : -ENOENT;
}

/* Writes our result into the target's memory, through /proc/PID/mem
 * opened while the call is still valid (so, the caller's: unlike
 * process_vm_writev(2) by pid, it cannot reach a process that took the
 * pid of a caller killed meanwhile). Such writes are forced: a buffer the
 * caller made read-only is written in its own private copy, where the
 * kernel would have answered EFAULT; that harms nobody but the caller. */
static int
write_target(int listener, const struct intercept_call *c, const void *buf, size_t size)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	if (size == 0)
		return 0;
	(void) snprintf(path, sizeof(path), "/proc/%u/mem", (unsigned) c->n.pid);
	fd = (int) proc_call(c, PROC_OPEN, path, O_WRONLY, NULL, 0, NULL);
	if (fd < 0)
		return -EFAULT;
	if (!still_valid(listener, c->n.id))
		return -ENOENT;
	return pwrite(fd, buf, size, (off_t) c->addr) == (ssize_t) size ? 0 : -EFAULT;
}

/* The ids as the sandbox sees them: it maps its own uid alone, anything
 * else is the kernel's overflow id, as fstat(2) of the same file says. */
#define OVERFLOW_ID 65534

static struct stat
stat_in_sandbox(const struct intercept_call *c, const struct stat *st)
{
	struct stat r = *st;

	if (r.st_uid != c->uid)
		r.st_uid = OVERFLOW_ID;
	if (r.st_gid != (gid_t) c->uid)
		r.st_gid = OVERFLOW_ID;
	return r;
}

static void
stat_to_statx(const struct stat *st, struct statx *x)
{
	*x = (struct statx) {
		.stx_mask = STATX_BASIC_STATS,
		.stx_blksize = (uint32_t) st->st_blksize,
		.stx_nlink = (uint32_t) st->st_nlink,
		.stx_uid = st->st_uid,
		.stx_gid = st->st_gid,
		.stx_mode = (uint16_t) st->st_mode,
		.stx_ino = st->st_ino,
		.stx_size = (uint64_t) st->st_size,
		.stx_blocks = (uint64_t) st->st_blocks,
		.stx_atime = { st->st_atim.tv_sec, (uint32_t) st->st_atim.tv_nsec },
		.stx_ctime = { st->st_ctim.tv_sec, (uint32_t) st->st_ctim.tv_nsec },
		.stx_mtime = { st->st_mtim.tv_sec, (uint32_t) st->st_mtim.tv_nsec },
		.stx_rdev_major = major(st->st_rdev),
		.stx_rdev_minor = minor(st->st_rdev),
		.stx_dev_major = major(st->st_dev),
		.stx_dev_minor = minor(st->st_dev),
	};
}

int
intercept_answer(int listener, uint64_t id, int error)
{
	struct seccomp_notif_resp resp = {
		.id = id,
		.error = error,
		.flags = error == 0 ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0,
	};

	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

int
intercept_reply(int listener, const struct intercept_call *c, int k, int fd,
    const struct stat *st, const char *link)
{
	struct seccomp_notif_resp resp = { .id = c->n.id };
	struct seccomp_notif_addfd add = {
		.id = c->n.id,
		.srcfd = (uint32_t) fd,
		.newfd_flags = c->cloexec ? O_CLOEXEC : 0,
	};
	struct statx x;
	struct stat sb;
	size_t n;
	int r = 0;

	if (k < 0) {
		safe_close(fd);
		resp.error = k;
		goto send;
	}
	switch (c->out) {
	case INTERCEPT_OUT_FD:
	case INTERCEPT_OUT_SOCKET: {
		/* The status flags asked for. The broker opens everything
		 * O_NONBLOCK (a FIFO must not stall it) and leaves it so on
		 * special files; the caller gets what it asked for. */
		int fl = fcntl(fd, F_GETFL);

		if (c->out == INTERCEPT_OUT_FD && fl >= 0)
			fl &= ~O_NONBLOCK;
		if (fl < 0 || fcntl(fd, F_SETFL, fl | c->fl) < 0) {
			resp.error = -errno;
			safe_close(fd);
			goto send;
		}
	}
		if (c->out == INTERCEPT_OUT_FD) {
			/* The fd becomes the call's result in one step. */
			add.flags = SECCOMP_ADDFD_FLAG_SEND;
			r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
			safe_close(fd);
			if (r >= 0)
				return 0;
			if (errno == ENOENT)
				return -ENOENT;
			/* EMFILE (the target's RLIMIT_NOFILE) and the like are
			 * the call's answer. */
			resp.error = -errno;
			goto send;
		}
		/* Over the target's own socket, then connect(2) returns 0.
		 * Replacing closes what is there: anything but that socket
		 * (a sibling thread's dup2()) could flush to a file system and
		 * hold the listener meanwhile. Checked once more, just before;
		 * what races even this is held to the time-out (broker.c). */
		if (!caller_has_socket(c, c->sockfd)) {
			safe_close(fd);
			resp.error = -EBADF;
			goto send;
		}
		add.flags = SECCOMP_ADDFD_FLAG_SETFD;
		add.newfd = (uint32_t) c->sockfd;
		r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
		safe_close(fd);
		if (r < 0) {
			if (errno == ENOENT)
				return -ENOENT;
			resp.error = -errno;
		}
		goto send;
	case INTERCEPT_OUT_STAT:
		sb = stat_in_sandbox(c, st);
		r = write_target(listener, c, &sb, sizeof(sb));
		break;
	case INTERCEPT_OUT_STATX:
		sb = stat_in_sandbox(c, st);
		stat_to_statx(&sb, &x);
		r = write_target(listener, c, &x, sizeof(x));
		break;
	case INTERCEPT_OUT_LINK:
		n = strlen(link);
		if (n > c->size)
			n = (size_t) c->size;	/* truncated, as readlink(2) does */
		r = write_target(listener, c, link, n);
		resp.val = (int64_t) n;
		break;
	case INTERCEPT_OUT_RESULT:
		break;
	}
	safe_close(fd);
	if (r == -ENOENT)
		return r;
	if (r < 0) {
		resp.error = r;
		resp.val = 0;
	}
send:
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

int
intercept_probe(int listener)
{
	struct seccomp_notif_addfd add = {
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t) -1,
	};

	/* The kernel checks the flags before the fd and the id: a kernel
	 * without SEND says EINVAL, one with it EBADF. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 && errno == EINVAL)
		return -EOPNOTSUPP;
	/* Target and broker take turns, one waiting while the other runs:
	 * where the kernel can (6.6), each wakes the other on its own CPU
	 * instead of through the scheduler's migration (saves most of a
	 * round trip). Older kernels say EINVAL and wake as usual. The flag
	 * is the argument itself, not a pointer to it. */
	(void) ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
	    (unsigned long) SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	return 0;
}

/* The path calls intercept_path_of() knows: which argument is the path,
 * which its directory fd (-1: none), and what the call does there. */
struct path_call {
	int		nr;
	int8_t		dirfd, path, flags;	/* flags: open(2)'s, or -1 */
	unsigned	kinds;			/* LEARN_* */
};

static const struct path_call path_calls[] = {
#ifdef SYS_open
	{ SYS_open, -1, 0, 1, LEARN_READ },
#endif
#ifdef SYS_creat
	{ SYS_creat, -1, 0, -1, LEARN_CREATE | LEARN_WRITE },
#endif
	{ SYS_openat, 0, 1, 2, LEARN_READ },
	{ SYS_openat2, 0, 1, -1, LEARN_READ },
#ifdef SYS_stat
	{ SYS_stat, -1, 0, -1, LEARN_READ },
	{ SYS_lstat, -1, 0, -1, LEARN_READ },
#endif
#ifdef SYS_newfstatat
	{ SYS_newfstatat, 0, 1, -1, LEARN_READ },
#endif
	{ SYS_statx, 0, 1, -1, LEARN_READ },
#ifdef SYS_access
	{ SYS_access, -1, 0, -1, LEARN_READ },
#endif
	{ SYS_faccessat, 0, 1, -1, LEARN_READ },
	{ SYS_faccessat2, 0, 1, -1, LEARN_READ },
#ifdef SYS_readlink
	{ SYS_readlink, -1, 0, -1, LEARN_READ },
#endif
	{ SYS_readlinkat, 0, 1, -1, LEARN_READ },
#ifdef SYS_mkdir
	{ SYS_mkdir, -1, 0, -1, LEARN_CREATE },
#endif
	{ SYS_mkdirat, 0, 1, -1, LEARN_CREATE },
#ifdef SYS_unlink
	{ SYS_unlink, -1, 0, -1, LEARN_DELETE },
	{ SYS_rmdir, -1, 0, -1, LEARN_DELETE },
	{ SYS_rename, -1, 0, -1, LEARN_DELETE },
#endif
	{ SYS_unlinkat, 0, 1, -1, LEARN_DELETE },
#ifdef SYS_renameat
	{ SYS_renameat, 0, 1, -1, LEARN_DELETE },
#endif
	{ SYS_renameat2, 0, 1, -1, LEARN_DELETE },
	{ SYS_chdir, -1, 0, -1, LEARN_READ },
	{ SYS_execve, -1, 0, -1, LEARN_READ },
	{ SYS_execveat, 0, 1, -1, LEARN_READ },
#ifdef SYS_chmod
	{ SYS_chmod, -1, 0, -1, LEARN_WRITE },
	{ SYS_chown, -1, 0, -1, LEARN_WRITE },
	{ SYS_lchown, -1, 0, -1, LEARN_WRITE },
	{ SYS_link, -1, 1, -1, LEARN_CREATE },
	{ SYS_symlink, -1, 1, -1, LEARN_CREATE },
	{ SYS_mknod, -1, 0, -1, LEARN_CREATE },
	{ SYS_utimes, -1, 0, -1, LEARN_WRITE },
#endif
	{ SYS_fchmodat, 0, 1, -1, LEARN_WRITE },
	{ SYS_fchownat, 0, 1, -1, LEARN_WRITE },
	{ SYS_linkat, 2, 3, -1, LEARN_CREATE },
	{ SYS_symlinkat, 1, 2, -1, LEARN_CREATE },
	{ SYS_mknodat, 0, 1, -1, LEARN_CREATE },
	{ SYS_truncate, -1, 0, -1, LEARN_WRITE },
	{ SYS_utimensat, 0, 1, -1, LEARN_WRITE },
	{ SYS_statfs, -1, 0, -1, LEARN_READ },
	{ SYS_getxattr, -1, 0, -1, LEARN_READ },
	{ SYS_lgetxattr, -1, 0, -1, LEARN_READ },
	{ SYS_listxattr, -1, 0, -1, LEARN_READ },
	{ SYS_llistxattr, -1, 0, -1, LEARN_READ },
	{ SYS_setxattr, -1, 0, -1, LEARN_WRITE },
	{ SYS_lsetxattr, -1, 0, -1, LEARN_WRITE },
	{ SYS_removexattr, -1, 0, -1, LEARN_WRITE },
	{ SYS_lremovexattr, -1, 0, -1, LEARN_WRITE },
	{ SYS_chroot, -1, 0, -1, LEARN_READ },
};

int
intercept_path_of(const struct intercept_call *c, const struct intercept_view *v, char *out,
    unsigned *ret_kinds)
{
	const __u64 *a = c->n.data.args;
	bool host = false;

	out[0] = '\0';
	if (c->n.data.arch != NATIVE_ARCH || (c->n.data.nr & __X32_SYSCALL_BIT))
		return -ENOENT;
	for (size_t i = 0; i < ELEMENTSOF(path_calls); i++) {
		const struct path_call *pc = &path_calls[i];
		unsigned kinds = pc->kinds;

		if (pc->nr != c->n.data.nr)
			continue;
		if (pc->flags >= 0) {
			uint64_t fl = a[pc->flags];

			if ((fl & O_ACCMODE) != O_RDONLY || (fl & O_TRUNC))
				kinds |= LEARN_WRITE;
			if (fl & (O_CREAT | O_TMPFILE))
				kinds |= LEARN_CREATE;
		}
		if (resolve_path(c, v, pc->dirfd >= 0 ? (int) a[pc->dirfd] : AT_FDCWD, a[pc->path],
		    false, out, &host) != 0 || host || out[0] != '/') {
			out[0] = '\0';
			return -ENOENT;
		}
		*ret_kinds = kinds;
		return 0;
	}
	return -ENOENT;
}

int
intercept_in_view(const struct intercept_call *c, int listener, const char *path, bool nofollow)
{
	_cleanup_close_ int root = -1, fd = -1;
	char proc[64];
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	(void) snprintf(proc, sizeof(proc), "/proc/%u/root", (unsigned) c->n.pid);
	root = (int) proc_call(c, PROC_OPEN, proc, O_PATH | O_DIRECTORY, NULL, 0, NULL);
	if (root < 0)
		return -errno;
	/* The root we opened is the caller's, if the caller is still there. */
	if (!still_valid(listener, c->n.id))
		return -ENOENT;
	fd = (int) syscall(SYS_openat2, root, path[0] == '/' && path[1] ? path + 1 : ".", &how,
	    sizeof(how));
	if (fd >= 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}
