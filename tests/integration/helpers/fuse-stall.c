/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse-stall MOUNTPOINT: a FUSE file system that hangs whoever looks
 * below its root, for the tests of a broker that must not hang with it.
 * A raw /dev/fuse loop on the kernel's <linux/fuse.h>, no libfuse. Run as
 * root: it mounts type "fuse" itself with
 * fd=N,rootmode=40000,user_id=0,group_id=0,allow_other, so every user's
 * requests reach it, and the kernel checks no permissions (the server
 * would; this one never refuses).
 *
 * Until told otherwise it answers INIT, GETATTR (the root, a directory
 * 0755) and STATFS, so the mount point itself can be stat'ed, and holds
 * every other request unanswered: a LOOKUP of any name below the root
 * (any open, stat or access of a path below it) stays blocked in the
 * kernel. Lookups run in parallel (FUSE_PARALLEL_DIROPS), so every
 * distinct name blocks its own caller and is reported.
 *
 * Standard input, one command a line:
 *   answer      answer the held requests and every later one: every name
 *               below the root is a regular file, mode 0444, holding
 *               "fuse\n"; requests it does not know get ENOSYS
 * End of input, SIGTERM, SIGINT, SIGHUP, or its parent's death
 * (PR_SET_PDEATHSIG: SIGTERM): unmount (umount2 MNT_DETACH) and exit 0;
 * closing /dev/fuse then aborts the connection and the held requests fail
 * with ENOTCONN. SIGKILL does the same but leaves the mount point mounted
 * (every access ENOTCONN) for someone else to detach.
 *
 * Standard output, one line each, flushed at once:
 *   ready MAJOR:MINOR   INIT answered; MINOR names the connection in
 *                       /sys/fs/fuse/connections
 *   LOOKUP NAME         a lookup of NAME arrived (held, or answered)
 *   OPEN, RELEASE       a file was opened, or its last fd closed
 *
 * Exit status: 0; 1 on errors; 77 if this kernel has no FUSE (no
 * /dev/fuse, or no file system type "fuse").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define ROOT_ID		FUSE_ROOT_ID
#define FILE_ID		2
#define CONTENT		"fuse\n"
#define HELD_MAX	1024
#define BUF_SIZE	(FUSE_MIN_READ_BUFFER + 64 * 1024)

static int fuse_fd = -1;
static char mnt[PATH_MAX];
static bool answering;
static void *held[HELD_MAX];
static size_t n_held;

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void
reply(const struct fuse_in_header *in, int error, const void *data, size_t len)
{
	struct fuse_out_header out = {
		.len = (uint32_t)(sizeof(out) + (error ? 0 : len)),
		.error = -error,
		.unique = in->unique,
	};
	struct iovec iov[2] = { { &out, sizeof(out) }, { (void *)data, error ? 0 : len } };

	/* ENOENT: the request was interrupted meanwhile; nothing to do. */
	if (writev(fuse_fd, iov, 2) < 0 && errno != ENOENT)
		fprintf(stderr, "fuse-stall: reply to opcode %u: %m\n", in->opcode);
}

static void
fill_attr(uint64_t id, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = id;
	a->blksize = 4096;
	if (id == ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0444;
		a->nlink = 1;
		a->size = strlen(CONTENT);
		a->blocks = 1;
	}
}

static void
answer_init(const struct fuse_in_header *in, const struct fuse_init_in *init)
{
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = init->max_readahead,
		.flags = init->flags & FUSE_PARALLEL_DIROPS,
		.max_background = 16,
		.congestion_threshold = 12,
		.max_write = 4096,
	};

	reply(in, 0, &out, sizeof(out));
}

/* Answers one request as a file system of read-only files "fuse\n". */
static void
answer(const struct fuse_in_header *in)
{
	const void *arg = in + 1;

	switch (in->opcode) {
	case FUSE_LOOKUP: {
		struct fuse_entry_out e = { .nodeid = FILE_ID };

		if (in->nodeid != ROOT_ID) {
			reply(in, ENOTDIR, NULL, 0);
			break;
		}
		fill_attr(FILE_ID, &e.attr);
		reply(in, 0, &e, sizeof(e));
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out a = {};

		fill_attr(in->nodeid, &a.attr);
		reply(in, 0, &a, sizeof(a));
		break;
	}
	case FUSE_OPEN: {
		struct fuse_open_out o = {};

		say("OPEN\n");
		reply(in, 0, &o, sizeof(o));
		break;
	}
	case FUSE_READ: {
		const struct fuse_read_in *r = arg;
		size_t len = strlen(CONTENT);
		size_t off = r->offset < len ? (size_t)r->offset : len;
		size_t n = len - off < r->size ? len - off : r->size;

		reply(in, 0, CONTENT + off, n);
		break;
	}
	case FUSE_RELEASE:
		say("RELEASE\n");
		reply(in, 0, NULL, 0);
		break;
	case FUSE_FLUSH:
		reply(in, 0, NULL, 0);
		break;
	default:
		reply(in, ENOSYS, NULL, 0);
		break;
	}
}

/* One request: answered now, held, or (no reply expected) dropped. */
static int
handle(void *buf, size_t len)
{
	const struct fuse_in_header *in = buf;

	if (len < sizeof(*in) || in->len != len) {
		fprintf(stderr, "fuse-stall: short request\n");
		return -1;
	}
	switch (in->opcode) {
	case FUSE_INIT:
		answer_init(in, (const void *)(in + 1));
		return 1;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
	case FUSE_DESTROY:
		return 0;
	case FUSE_STATFS: {
		struct fuse_statfs_out s = { .st = { .bsize = 4096, .namelen = 255,
			.frsize = 4096 } };

		reply(in, 0, &s, sizeof(s));
		return 0;
	}
	case FUSE_GETATTR:
		if (in->nodeid == ROOT_ID) {
			answer(in);
			return 0;
		}
		break;
	case FUSE_LOOKUP:
		say("LOOKUP %s\n", (const char *)(in + 1));
		break;
	}
	if (answering) {
		answer(in);
		return 0;
	}
	if (n_held == HELD_MAX) {
		fprintf(stderr, "fuse-stall: more than %d held requests\n", HELD_MAX);
		return -1;
	}
	held[n_held] = malloc(len);
	if (!held[n_held])
		return -1;
	memcpy(held[n_held++], buf, len);
	return 0;
}

/* MAJOR:MINOR of the newest fuse mount at mnt, from our mountinfo. */
static void
print_ready(void)
{
	char line[8192], dev[32] = "?";
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char d[32], point[PATH_MAX], *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*s %*s %31s %*s %4095s", d, point) == 2 &&
		    strcmp(point, mnt) == 0 && strncmp(sep, " - fuse ", 8) == 0)
			snprintf(dev, sizeof(dev), "%s", d);
	}
	if (f)
		fclose(f);
	say("ready %s\n", dev);
}

static void
stop(void)
{
	if (umount2(mnt, MNT_DETACH) < 0)
		fprintf(stderr, "fuse-stall: umount %s: %m\n", mnt);
	exit(0);
}

int
main(int argc, char **argv)
{
	static char buf[BUF_SIZE];
	char opts[256], line[256];
	size_t line_len = 0;
	sigset_t mask;
	int sfd;

	if (argc != 2 || !realpath(argv[1], mnt)) {
		fprintf(stderr, "usage: fuse-stall MOUNTPOINT (an existing directory)\n");
		return 1;
	}
	/* Never outlive the test that started us, nor keep its mount. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		perror("fuse-stall: signalfd");
		return 1;
	}
	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0) {
		fprintf(stderr, "fuse-stall: /dev/fuse: %m\n");
		return errno == ENOENT || errno == ENODEV || errno == ENXIO ? 77 : 1;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
	    fuse_fd);
	if (mount("fuse-stall", mnt, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
		fprintf(stderr, "fuse-stall: mount %s: %m\n", mnt);
		return errno == ENODEV ? 77 : 1;
	}

	for (;;) {
		struct pollfd p[3] = { { fuse_fd, POLLIN, 0 }, { 0, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("fuse-stall: poll");
			stop();
		}
		if (p[2].revents)
			stop();
		if (p[1].revents) {
			n = read(0, line + line_len, sizeof(line) - 1 - line_len);
			if (n <= 0)
				stop();
			line_len += (size_t)n;
			line[line_len] = '\0';
			while (strchr(line, '\n')) {
				char *nl = strchr(line, '\n');

				*nl = '\0';
				if (strcmp(line, "answer") == 0) {
					answering = true;
					for (size_t i = 0; i < n_held; i++) {
						answer(held[i]);
						free(held[i]);
					}
					n_held = 0;
				} else
					fprintf(stderr, "fuse-stall: unknown command '%s'\n", line);
				line_len -= (size_t)(nl + 1 - line);
				memmove(line, nl + 1, line_len + 1);
			}
			if (line_len == sizeof(line) - 1)
				line_len = 0;
		}
		if (p[0].revents & (POLLERR | POLLHUP))
			stop();
		if (!(p[0].revents & POLLIN))
			continue;
		n = read(fuse_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < 0) {
			/* ENODEV: unmounted or aborted. */
			if (errno != ENODEV)
				perror("fuse-stall: read");
			stop();
		}
		switch (handle(buf, (size_t)n)) {
		case 1:
			print_ready();
			break;
		case -1:
			stop();
		}
	}
}
