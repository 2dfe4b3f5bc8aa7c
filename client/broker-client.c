/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target half of libsandbox-client: requests on the broker channel
 * (see sandbox-protocol.h). One channel per sandbox, shared by every
 * thread: a mutex makes each request/reply pair atomic, and replies are
 * matched by serial, so a stray reply is a protocol error, never a
 * confusion between threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "macro.h"
#include "msg.h"
#include "sandbox-client.h"
#include "wire.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int channel = -2;	/* -2: not looked up yet; -1: none */
static uint32_t serial;

/* Called with lock held. */
static int
channel_fd(void)
{
	const char *e;
	char *end;
	long v;
	int type;
	socklen_t l = sizeof(type);

	if (channel != -2)
		return channel;
	channel = -1;
	e = getenv(SBX_BROKER_FD_ENV);
	if (!e || !*e)
		return -1;
	errno = 0;
	v = strtol(e, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -1;
	/* It must really be a SEQPACKET socket, not whatever fd 3 is. */
	if (getsockopt((int) v, SOL_SOCKET, SO_TYPE, &type, &l) < 0 || type != SOCK_SEQPACKET)
		return -1;
	channel = (int) v;
	return channel;
}

/* Sends the request in w and receives the reply of type want into buf.
 * Called with lock held. Returns the reply size, or -errno. */
static int
call(struct sbx_writer *w, uint32_t want, void *buf, size_t size, int *ret_fd)
{
	int fd = channel_fd(), fds[1] = { -1 }, r;
	size_t n_fds = 0;
	struct sbx_hdr h;
	ssize_t n;

	if (fd < 0)
		return -ENOTCONN;
	r = sbx_writer_finish(w);
	if (r < 0)
		return r;
	r = sbx_send_msg(fd, w->buf, w->len, NULL, 0);
	if (r < 0)
		return r == -EPIPE || r == -ECONNRESET ? -ENOTCONN : r;
	do
		n = sbx_recv_msg(fd, buf, size, fds, &n_fds, ret_fd ? 1 : 0);
	while (n == -EINTR);
	if (n == 0)
		return -ENOTCONN;
	if (n < 0)
		return n == -EBADMSG ? -EIO : n == -ECONNRESET ? -ENOTCONN : (int) n;
	memcpy(&h, buf, sizeof(h) <= (size_t) n ? sizeof(h) : 0);
	if ((size_t) n < sizeof(h) || h.type != want || h.serial != serial) {
		for (size_t i = 0; i < n_fds; i++)
			safe_close(fds[i]);
		return -EIO;
	}
	if (ret_fd)
		*ret_fd = n_fds ? fds[0] : -1;
	return (int) n;
}

static int
path_ok(const char *path)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	if (strlen(path) >= SBX_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* A request with one or two paths and a BROKER_RESULT reply. */
static int
simple(uint32_t type, uint32_t flags, uint32_t mode, const char *path, const char *path2,
    int *ret_fd)
{
	uint8_t buf[sizeof(struct sbx_hdr) + sizeof(struct sbx_broker_result)];
	struct sbx_broker_req q = { .flags = flags, .mode = mode };
	struct sbx_broker_result res;
	struct sbx_writer w;
	struct sbx_reader rd;
	int fd = -1, n;

	pthread_mutex_lock(&lock);
	sbx_msg_broker_req_put(&w, type, ++serial, &q, path, path2);
	n = call(&w, SBX_MSG_BROKER_RESULT, buf, sizeof(buf), ret_fd ? &fd : NULL);
	pthread_mutex_unlock(&lock);
	sbx_writer_done(&w);
	if (n < 0)
		return n;
	if (sbx_reader_init(&rd, buf, (size_t) n) < 0 || sbx_reader_get(&rd, &res, sizeof(res)) < 0 ||
	    sbx_reader_end(&rd) < 0 || res.error < 0 ||
	    (ret_fd ? (res.error == 0) != (fd >= 0) : fd >= 0)) {
		safe_close(fd);
		return -EIO;
	}
	if (res.error > 0)
		return -res.error;
	if (ret_fd)
		*ret_fd = fd;
	return 0;
}

_public_ int
sandbox_broker_open(const char *path, int flags, mode_t mode)
{
	static const struct { int libc; uint32_t wire; } map[] = {
		{ O_CREAT, SBX_O_CREAT }, { O_EXCL, SBX_O_EXCL }, { O_TRUNC, SBX_O_TRUNC },
		{ O_APPEND, SBX_O_APPEND }, { O_DIRECTORY, SBX_O_DIRECTORY },
		{ O_NOFOLLOW, SBX_O_NOFOLLOW }, { O_CLOEXEC, SBX_O_CLOEXEC },
	};
	uint32_t wire;
	int rest = flags & ~O_ACCMODE, fd = -1, r;

	if ((r = path_ok(path)) < 0)
		return r;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:	wire = SBX_O_RDONLY; break;
	case O_WRONLY:	wire = SBX_O_WRONLY; break;
	case O_RDWR:	wire = SBX_O_RDWR; break;
	default:	return -EINVAL;
	}
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (rest & map[i].libc) {
			wire |= map[i].wire;
			rest &= ~map[i].libc;
		}
	/* O_LARGEFILE is implied on 64-bit; anything else is unsupported. */
	if (rest & ~O_LARGEFILE)
		return -EINVAL;
	r = simple(SBX_MSG_BROKER_OPEN, wire, (uint32_t) mode & 07777, path, NULL, &fd);
	if (r < 0)
		return r;
	/* Received close-on-exec; keep it so only if asked. */
	if (!(flags & O_CLOEXEC))
		(void) fcntl(fd, F_SETFD, 0);
	return fd;
}

_public_ int
sandbox_broker_connect(const char *endpoint)
{
	int fd = -1, r;

	if (!endpoint || !*endpoint)
		return -EINVAL;
	if (strlen(endpoint) >= SBX_PATH_MAX)
		return -ENAMETOOLONG;
	r = simple(SBX_MSG_BROKER_CONNECT, 0, 0, endpoint, NULL, &fd);
	return r < 0 ? r : fd;
}

_public_ int
sandbox_broker_access(const char *path, int mode)
{
	int r = path_ok(path);

	if (r < 0)
		return r;
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	return simple(SBX_MSG_BROKER_ACCESS, 0, (uint32_t) mode, path, NULL, NULL);
}

_public_ int
sandbox_broker_mkdir(const char *path, mode_t mode)
{
	int r = path_ok(path);

	return r < 0 ? r : simple(SBX_MSG_BROKER_MKDIR, 0, (uint32_t) mode & 07777, path, NULL, NULL);
}

_public_ int
sandbox_broker_unlink(const char *path)
{
	int r = path_ok(path);

	return r < 0 ? r : simple(SBX_MSG_BROKER_UNLINK, 0, 0, path, NULL, NULL);
}

_public_ int
sandbox_broker_rmdir(const char *path)
{
	int r = path_ok(path);

	return r < 0 ? r : simple(SBX_MSG_BROKER_RMDIR, 0, 0, path, NULL, NULL);
}

_public_ int
sandbox_broker_rename(const char *from, const char *to)
{
	int r = path_ok(from);

	if (r >= 0)
		r = path_ok(to);
	return r < 0 ? r : simple(SBX_MSG_BROKER_RENAME, 0, 0, from, to, NULL);
}

_public_ int
sandbox_broker_stat(const char *path, struct stat *ret)
{
	uint8_t buf[sizeof(struct sbx_hdr) + sizeof(struct sbx_broker_stat)];
	struct sbx_broker_req q = {};
	struct sbx_writer w;
	struct sbx_reader rd;
	int32_t error;
	int n;

	if (!ret)
		return -EINVAL;
	if ((n = path_ok(path)) < 0)
		return n;
	pthread_mutex_lock(&lock);
	sbx_msg_broker_req_put(&w, SBX_MSG_BROKER_STAT, ++serial, &q, path, NULL);
	n = call(&w, SBX_MSG_BROKER_STAT_RESULT, buf, sizeof(buf), NULL);
	pthread_mutex_unlock(&lock);
	sbx_writer_done(&w);
	if (n < 0)
		return n;
	if (sbx_reader_init(&rd, buf, (size_t) n) < 0 || sbx_msg_broker_stat_get(&rd, &error, ret) < 0)
		return -EIO;
	return -error;
}

_public_ int
sandbox_broker_readlink(const char *path, char *out, size_t size)
{
	uint8_t buf[sizeof(struct sbx_hdr) + sizeof(struct sbx_broker_result) + 4 + SBX_PATH_MAX];
	struct sbx_broker_req q = {};
	struct sbx_writer w;
	struct sbx_reader rd;
	const char *target;
	int32_t error;
	size_t l;
	int n;

	if (!out || size == 0)
		return -EINVAL;
	if ((n = path_ok(path)) < 0)
		return n;
	pthread_mutex_lock(&lock);
	sbx_msg_broker_req_put(&w, SBX_MSG_BROKER_READLINK, ++serial, &q, path, NULL);
	n = call(&w, SBX_MSG_BROKER_LINK_RESULT, buf, sizeof(buf), NULL);
	pthread_mutex_unlock(&lock);
	sbx_writer_done(&w);
	if (n < 0)
		return n;
	if (sbx_reader_init(&rd, buf, (size_t) n) < 0 ||
	    sbx_msg_broker_link_get(&rd, &error, &target) < 0)
		return -EIO;
	if (error > 0)
		return -error;
	l = strlen(target);
	if (l >= size)
		return -ENAMETOOLONG;
	memcpy(out, target, l + 1);
	return (int) l;
}

/* Pages of BROKER_DIR_RESULT, appended to one array until the last. */
_public_ int
sandbox_broker_readdir(const char *path, struct sandbox_broker_dirent **ret, size_t *ret_n)
{
	_cleanup_free_ struct sandbox_broker_dirent *all = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	struct sbx_dirent ents[SBX_DIR_PAGE_MAX];
	uint32_t start = 0;
	size_t n = 0;
	int r;

	if (!ret || !ret_n)
		return -EINVAL;
	if ((r = path_ok(path)) < 0)
		return r;
	buf = malloc(SBX_MSG_SIZE_MAX);
	if (!buf)
		return -ENOMEM;
	do {
		struct sbx_broker_req q = { .flags = start };
		struct sbx_broker_dir d;
		struct sandbox_broker_dirent *more;
		struct sbx_writer w;
		struct sbx_reader rd;

		pthread_mutex_lock(&lock);
		sbx_msg_broker_req_put(&w, SBX_MSG_BROKER_READDIR, ++serial, &q, path, NULL);
		r = call(&w, SBX_MSG_BROKER_DIR_RESULT, buf, SBX_MSG_SIZE_MAX, NULL);
		pthread_mutex_unlock(&lock);
		sbx_writer_done(&w);
		if (r < 0)
			return r;
		if (sbx_reader_init(&rd, buf, (size_t) r) < 0 ||
		    sbx_msg_broker_dir_get(&rd, &d, ents) < 0 ||
		    (d.next != 0 && d.next != start + d.count))
			return -EIO;
		if (d.error > 0)
			return -d.error;
		if (n + d.count > SANDBOX_BROKER_READDIR_MAX)
			return -E2BIG;
		more = reallocarray(all, n + d.count + 1, sizeof(*all));
		if (!more)
			return -ENOMEM;
		all = more;
		for (uint32_t i = 0; i < d.count; i++, n++) {
			all[n].type = (unsigned char) ents[i].type;
			(void) snprintf(all[n].name, sizeof(all[n].name), "%s", ents[i].name);
		}
		start = d.next;
	} while (start != 0);
	*ret = all ? TAKE_PTR(all) : calloc(1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	*ret_n = n;
	return (int) (n > INT_MAX ? INT_MAX : n);
}
