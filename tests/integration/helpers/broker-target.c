/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside a sandbox and asks the broker (libsandbox-client's
 * sandbox_broker_*) for things, one command after another from argv,
 * printing one line per command:
 *
 *   open PATH FLAGS        FLAGS: r, w or rw, then +creat +excl +trunc
 *                          +append +directory +nofollow. "OK CONTENT" for a
 *                          readable regular file, "OK dir", "OK fifo",
 *                          "OK" otherwise; "ERR ENAME" on failure.
 *   write PATH TEXT        open O_WRONLY|O_TRUNC, write TEXT: "OK"
 *   create PATH MODE       O_WRONLY|O_CREAT|O_EXCL with octal MODE: "OK"
 *   stat PATH              "OK reg|dir|lnk|fifo|other SIZE"
 *   access PATH MODE       MODE f, r, w, x or combinations: "OK"
 *   readlink PATH          "OK TARGET"
 *   mkdir PATH MODE        "OK"
 *   unlink PATH, rmdir PATH, rename FROM TO: "OK"
 *   connect ENDPOINT TEXT  connect, write TEXT: "OK"
 *   sock-udp-reaim ENDPOINT PORT
 *                          on a brokered udp socket, sendto() 127.0.0.1:PORT,
 *                          connect() to it, send(); then send "granted" on a
 *                          new one: "sendto=R connect=R send=R granted=R"
 *                          (R: OK or ERR ENAME)
 *   sock-tcp-reaim ENDPOINT PORT
 *                          connect(AF_UNSPEC), connect() to 127.0.0.1:PORT,
 *                          send "leak": "unspec=R connect=R write=R"
 *   sock-listen ENDPOINT listen|bind
 *                          bind() the abstract name "sbx-relay-squat",
 *                          connect(AF_UNSPEC), with "bind" bind(0.0.0.0:0),
 *                          listen(); the socket stays open: "abstract=R unspec=R
 *                          [bind=R ]listen=R name=unix|inet:PORT|inet6:PORT ino=N"
 *   sock-xfer ENDPOINT N   sends N pattern bytes, shutdown(SHUT_WR), reads
 *                          to EOF: "sent=N got=M sum=FNV1A64" (of what it read)
 *   sock-udp-echo ENDPOINT N
 *                          N datagrams, each awaiting its echo: "udp ok=A bad=B"
 *   sock-many ENDPOINT N   N connections kept open, "x" written on each:
 *                          "many ok=A err=ENAME|none" (the first failure)
 *   sock-unix-reaim ENDPOINT PATH
 *                          on a connected unix socket: connect(AF_UNSPEC),
 *                          connect() to PATH, and to an abstract name the
 *                          sandbox listens on, bind() an abstract name, listen():
 *                          "unspec=R connect=R connect-here=R bind=R listen=R"
 *   reopen-rw PATH         open read-only through the broker, then try to
 *                          gain write access to it: "OK rdonly reopen=ERR E.. write=ERR E.."
 *   reopen-r PATH          open write-only through the broker, then try to
 *                          read it through /proc/self/fd: "OK wronly reopen=ERR E.."
 *                          or "OK wronly reopen=READ CONTENT"
 *   flood N THREADS PATH EXPECT
 *                          N opens of PATH over THREADS threads, each read
 *                          and compared with EXPECT: "flood ok=A bad=B err=C"
 *   race PATH N            N opens of PATH: "race good=A secret=B other=C err=D"
 *                          (good: content "good"; secret: contains "SECRET")
 *   garbage KIND           sends a malformed message on the channel (KIND:
 *                          short, type, flags, fds, big, string), then a
 *                          normal request: its result ("ERR ENOTCONN")
 *   getdents DIR           open O_DIRECTORY through the broker, list it:
 *                          "OK name,name,..." (sorted, without . and ..)
 *   readdir DIR            list it with sandbox_broker_readdir(): "OK
 *                          name:TYPE,..." (sorted; TYPE reg, dir, lnk, fifo
 *                          or other), or "OK N entries, N unique" beyond 20
 *   wait                   prints "ready", then reads stdin to EOF: "OK"
 *   timed-open PATH FLAGS  open as "open" does, timed: "OK CONTENT 0.0012s" (CONTENT
 *                          up to its first newline), or "ERR ENAME 1.0021s"
 *   pause                  prints "paused", then reads one line from stdin
 *
 * Exit status 0 if every command could be run (whatever its result), 2 on
 * bad usage.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "relay-stream.h"
#include "sandbox-client.h"
#include "sandbox-protocol.h"

static void
print_err(int e)
{
	const char *n = strerrorname_np(e);

	if (n)
		printf("ERR %s\n", n);
	else
		printf("ERR E%d\n", e);
}

static int
parse_flags(const char *s, int *ret)
{
	static const struct { const char *name; int flag; } mods[] = {
		{ "creat", O_CREAT }, { "excl", O_EXCL }, { "trunc", O_TRUNC },
		{ "append", O_APPEND }, { "directory", O_DIRECTORY }, { "nofollow", O_NOFOLLOW },
	};
	char *copy = strdup(s), *save = NULL, *tok;
	int flags;

	if (!copy)
		return -1;
	tok = strtok_r(copy, "+", &save);
	if (!tok)
		goto bad;
	if (strcmp(tok, "r") == 0)
		flags = O_RDONLY;
	else if (strcmp(tok, "w") == 0)
		flags = O_WRONLY;
	else if (strcmp(tok, "rw") == 0)
		flags = O_RDWR;
	else
		goto bad;
	while ((tok = strtok_r(NULL, "+", &save))) {
		size_t i;

		for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
			if (strcmp(tok, mods[i].name) == 0)
				break;
		if (i == sizeof(mods) / sizeof(mods[0]))
			goto bad;
		flags |= mods[i].flag;
	}
	free(copy);
	*ret = flags;
	return 0;
bad:
	free(copy);
	return -1;
}

/* Reads up to size-1 bytes from the start of fd. */
static ssize_t
read_all(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n < size - 1) {
		ssize_t k = read(fd, buf + n, size - 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static void
cmd_open(const char *path, const char *fl)
{
	struct stat st;
	char buf[4096];
	int flags, fd;

	if (parse_flags(fl, &flags) < 0) {
		printf("USAGE bad flags '%s'\n", fl);
		return;
	}
	fd = sandbox_broker_open(path, flags, 0644);
	if (fd < 0) {
		print_err(-fd);
		return;
	}
	if (fstat(fd, &st) < 0) {
		printf("FSTAT-FAILED %s\n", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		printf("OK dir\n");
	} else if (S_ISFIFO(st.st_mode)) {
		printf("OK fifo\n");
	} else if (S_ISREG(st.st_mode) && (flags & O_ACCMODE) != O_WRONLY) {
		ssize_t n = read_all(fd, buf, sizeof(buf));

		if (n < 0)
			printf("READ-FAILED %s\n", strerror((int)-n));
		else {
			/* One line per command: newlines in the content as "\n". */
			printf("OK ");
			for (char *p = buf; *p; p++)
				if (*p == '\n')
					printf("\\n");
				else
					putchar(*p);
			printf("\n");
		}
	} else
		printf("OK\n");
	close(fd);
}

static void
cmd_write(const char *path, const char *text)
{
	int fd = sandbox_broker_open(path, O_WRONLY | O_TRUNC, 0);

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		print_err(errno);
	else
		printf("OK\n");
	close(fd);
}

static void
cmd_create(const char *path, const char *mode)
{
	int fd = sandbox_broker_open(path, O_WRONLY | O_CREAT | O_EXCL, (mode_t)strtoul(mode, NULL, 8));

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	printf("OK\n");
	close(fd);
}

static void
cmd_stat(const char *path)
{
	struct stat st;
	int r = sandbox_broker_stat(path, &st);

	if (r < 0) {
		print_err(-r);
		return;
	}
	printf("OK %s %lld\n", S_ISREG(st.st_mode) ? "reg" : S_ISDIR(st.st_mode) ? "dir" :
	    S_ISLNK(st.st_mode) ? "lnk" : S_ISFIFO(st.st_mode) ? "fifo" : "other",
	    (long long)st.st_size);
}

static void
cmd_access(const char *path, const char *m)
{
	int mode = 0, r;

	for (; *m; m++)
		mode |= *m == 'r' ? R_OK : *m == 'w' ? W_OK : *m == 'x' ? X_OK : F_OK;
	r = sandbox_broker_access(path, mode);
	if (r < 0)
		print_err(-r);
	else
		printf("OK\n");
}

static void
cmd_readlink(const char *path)
{
	char buf[4096];
	int r = sandbox_broker_readlink(path, buf, sizeof(buf));

	if (r < 0)
		print_err(-r);
	else
		printf("OK %s\n", buf);
}

static void
result(int r)
{
	if (r < 0)
		print_err(-r);
	else
		printf("OK\n");
}

static void
cmd_connect(const char *endpoint, const char *text)
{
	int fd = sandbox_broker_connect(endpoint);

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		print_err(errno);
	else
		printf("OK\n");
	close(fd);
}

/* Brokered TCP/UDP sockets (the relay): re-aiming, listening, data. */
static int sock_kept[128];	/* held open until exit */
static size_t n_sock_kept;

static void
sock_keep(int fd)
{
	if (n_sock_kept < sizeof(sock_kept) / sizeof(sock_kept[0]))
		sock_kept[n_sock_kept++] = fd;
}

/* "OK" or "ERR ENAME" of a call's result, for one field of a line. */
static const char *
sock_res(int r)
{
	static char bufs[8][48];
	static unsigned k;
	char *b = bufs[k++ % 8];
	const char *n;

	if (r >= 0)
		return "OK";
	n = strerrorname_np(errno);
	snprintf(b, 48, "ERR %s", n ? n : "?");
	return b;
}

static struct sockaddr_in
sock_loopback(const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)strtoul(port, NULL, 10));
	return sa;
}

/* The family and port getsockname() reports, and the socket's inode. */
static void
sock_print_name(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct stat st;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		printf(" name=ERR");
	else if (ss.ss_family == AF_INET)
		printf(" name=inet:%u", ntohs(((struct sockaddr_in *)&ss)->sin_port));
	else if (ss.ss_family == AF_INET6)
		printf(" name=inet6:%u", ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	else if (ss.ss_family == AF_UNIX)
		printf(" name=unix");
	else
		printf(" name=%d", ss.ss_family);
	printf(" ino=%llu\n", fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0ULL);
}

static void
cmd_sock_udp_reaim(const char *endpoint, const char *port)
{
	struct sockaddr_in other = sock_loopback(port);
	int fd = sandbox_broker_connect(endpoint), g, a, b, c;

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	a = (int)sendto(fd, "leak-sendto", 11, 0, (struct sockaddr *)&other, sizeof(other));
	printf("sendto=%s", sock_res(a));
	b = connect(fd, (struct sockaddr *)&other, sizeof(other));
	printf(" connect=%s", sock_res(b));
	c = (int)send(fd, "leak-connect", 12, 0);
	printf(" send=%s", sock_res(c));
	g = sandbox_broker_connect(endpoint);
	printf(" granted=%s\n", g < 0 ? "ERR" : sock_res((int)send(g, "granted", 7, 0)));
	close(fd);
	if (g >= 0)
		close(g);
}

static void
cmd_sock_tcp_reaim(const char *endpoint, const char *port)
{
	struct sockaddr_in other = sock_loopback(port);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int fd = sandbox_broker_connect(endpoint), a, b, c;

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	a = connect(fd, &unspec, sizeof(unspec));
	printf("unspec=%s", sock_res(a));
	b = connect(fd, (struct sockaddr *)&other, sizeof(other));
	printf(" connect=%s", sock_res(b));
	c = (int)send(fd, "leak", 4, MSG_NOSIGNAL);
	printf(" write=%s\n", sock_res(c));
	close(fd);
}

/* HOW: "listen" (connect(AF_UNSPEC), listen()) or "bind" (the same with
 * bind(0.0.0.0:0) before listen()), after trying to bind the abstract
 * UNIX name "sbx-relay-squat". The socket stays open. */
static void
cmd_sock_listen(const char *endpoint, const char *how)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_in any = { .sin_family = AF_INET };
	struct sockaddr_un ab = { .sun_family = AF_UNIX };
	int fd = sandbox_broker_connect(endpoint), r;

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	memcpy(ab.sun_path, "\0sbx-relay-squat", 16);
	r = bind(fd, (struct sockaddr *)&ab, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 16));
	printf("abstract=%s ", sock_res(r));
	r = connect(fd, &unspec, sizeof(unspec));
	printf("unspec=%s", sock_res(r));
	if (strcmp(how, "bind") == 0) {
		r = bind(fd, (struct sockaddr *)&any, sizeof(any));
		printf(" bind=%s", sock_res(r));
	}
	r = listen(fd, 4);
	printf(" listen=%s", sock_res(r));
	sock_print_name(fd);
	sock_keep(fd);
}

static void
cmd_sock_xfer(const char *endpoint, const char *n_s)
{
	static uint8_t buf[65536];
	uint64_t n = strtoull(n_s, NULL, 10), sent = 0, got = 0, h = RELAY_STREAM_SUM_START;
	int fd = sandbox_broker_connect(endpoint);

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	while (sent < n) {
		size_t k = n - sent < sizeof(buf) ? (size_t)(n - sent) : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < k; i++)
			buf[i] = relay_stream_byte(1, sent + i);
		w = send(fd, buf, k, MSG_NOSIGNAL);
		if (w < 0) {
			printf("send ");
			print_err(errno);
			close(fd);
			return;
		}
		sent += (uint64_t)w;
	}
	if (shutdown(fd, SHUT_WR) < 0) {
		printf("shutdown ");
		print_err(errno);
	}
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			printf("read ");
			print_err(errno);
			close(fd);
			return;
		}
		if (k == 0)
			break;
		relay_stream_sum(&h, buf, (size_t)k);
		got += (uint64_t)k;
	}
	printf("sent=%llu got=%llu sum=%016llx\n", (unsigned long long)sent,
	    (unsigned long long)got, (unsigned long long)h);
	close(fd);
}

/* N datagrams of sizes 1 + (i * 997) % 1400 filled with byte i, each
 * answered by the host's echo: how many came back whole and in size. */
static void
cmd_sock_udp_echo(const char *endpoint, const char *n_s)
{
	static uint8_t buf[2048], in[4096];
	unsigned n = (unsigned)strtoul(n_s, NULL, 10), ok = 0, bad = 0;
	int fd = sandbox_broker_connect(endpoint);

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		size_t size = 1 + (i * 997) % 1400;
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t k;

		memset(buf, (int)(i & 0xff), size);
		if (send(fd, buf, size, 0) != (ssize_t)size || poll(&p, 1, 10000) != 1) {
			bad++;
			continue;
		}
		k = recv(fd, in, sizeof(in), 0);
		if (k == (ssize_t)size && memcmp(in, buf, size) == 0)
			ok++;
		else
			bad++;
	}
	printf("udp ok=%u bad=%u\n", ok, bad);
	close(fd);
}

/* N connections kept open, one byte "x" written on each. */
static void
cmd_sock_many(const char *endpoint, const char *n_s)
{
	unsigned n = (unsigned)strtoul(n_s, NULL, 10), ok = 0;
	int first_err = 0;

	for (unsigned i = 0; i < n; i++) {
		int fd = sandbox_broker_connect(endpoint);

		if (fd < 0) {
			if (!first_err)
				first_err = -fd;
			continue;
		}
		if (write(fd, "x", 1) == 1)
			ok++;
		sock_keep(fd);
	}
	printf("many ok=%u err=%s\n", ok, first_err ? strerrorname_np(first_err) : "none");
}

/* A connected UNIX socket (not relayed): connect(AF_UNSPEC), connect()
 * to OTHER, connect() to an abstract name the sandbox listens on (looked
 * up where the socket was made: the host's network namespace), bind() to
 * an abstract name, listen(). */
static void
cmd_sock_unix_reaim(const char *endpoint, const char *other)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_un su = { .sun_family = AF_UNIX }, ab = { .sun_family = AF_UNIX };
	struct sockaddr_un here = { .sun_family = AF_UNIX };
	socklen_t ab_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 15);
	int fd = sandbox_broker_connect(endpoint), l, r;

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", other);
	memcpy(ab.sun_path, "\0sbx-relay-test", 15);
	memcpy(here.sun_path, "\0sbx-relay-here", 15);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&here, ab_len) < 0 || listen(l, 4) < 0) {
		printf("local listener ");
		print_err(errno);
		return;
	}
	r = connect(fd, &unspec, sizeof(unspec));
	printf("unspec=%s", sock_res(r));
	r = connect(fd, (struct sockaddr *)&su, sizeof(su));
	printf(" connect=%s", sock_res(r));
	r = connect(fd, (struct sockaddr *)&here, ab_len);
	printf(" connect-here=%s", sock_res(r));
	r = bind(fd, (struct sockaddr *)&ab, ab_len);
	printf(" bind=%s", sock_res(r));
	r = listen(fd, 4);
	printf(" listen=%s\n", sock_res(r));
	close(l);
	close(fd);
}

static void
cmd_reopen_r(const char *path)
{
	char proc[64], buf[256];
	int fd = sandbox_broker_open(path, O_WRONLY, 0), fd2, fl;
	ssize_t n;

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	fl = fcntl(fd, F_GETFL);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	fd2 = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd2 < 0)
		printf("OK %s reopen=ERR %s\n", (fl & O_ACCMODE) == O_WRONLY ? "wronly" : "NOT-WRONLY",
		    strerrorname_np(errno));
	else {
		n = read(fd2, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		printf("OK %s reopen=READ %s\n", (fl & O_ACCMODE) == O_WRONLY ? "wronly" : "NOT-WRONLY",
		    buf);
		close(fd2);
	}
	close(fd);
}

static void
cmd_reopen_rw(const char *path)
{
	char proc[64];
	int fd = sandbox_broker_open(path, O_RDONLY, 0), fd2, fl, e1 = 0, e2 = 0;

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	fl = fcntl(fd, F_GETFL);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	fd2 = open(proc, O_RDWR | O_CLOEXEC);
	if (fd2 < 0)
		e1 = errno;
	else {
		/* Reopened for writing: prove it by writing. */
		if (write(fd2, "UPGRADED", 8) == 8)
			e1 = 0;
		else
			e1 = errno;
		close(fd2);
	}
	if (write(fd, "x", 1) < 0)
		e2 = errno;
	printf("OK %s reopen=%s%s write=%s%s\n",
	    (fl & O_ACCMODE) == O_RDONLY ? "rdonly" : "NOT-RDONLY",
	    e1 ? "ERR " : (fd2 >= 0 ? "WRITABLE" : "?"), e1 ? strerrorname_np(e1) : "",
	    e2 ? "ERR " : "WRITABLE", e2 ? strerrorname_np(e2) : "");
	close(fd);
}

struct flood {
	const char *path, *expect;
	unsigned n;
	unsigned ok, bad, err;
};

static void *
flood_thread(void *p)
{
	struct flood *f = p;
	char buf[256];

	for (unsigned i = 0; i < f->n; i++) {
		int fd = sandbox_broker_open(f->path, O_RDONLY, 0);

		if (fd < 0) {
			f->err++;
			continue;
		}
		if (read_all(fd, buf, sizeof(buf)) >= 0 && strcmp(buf, f->expect) == 0)
			f->ok++;
		else
			f->bad++;
		close(fd);
	}
	return NULL;
}

static void
cmd_flood(const char *n_s, const char *t_s, const char *path, const char *expect)
{
	unsigned n = (unsigned)strtoul(n_s, NULL, 10), nt = (unsigned)strtoul(t_s, NULL, 10);
	unsigned ok = 0, bad = 0, err = 0;
	pthread_t th[64];
	struct flood f[64];

	if (nt == 0 || nt > 64) {
		printf("USAGE threads\n");
		return;
	}
	for (unsigned i = 0; i < nt; i++) {
		f[i] = (struct flood) { .path = path, .expect = expect,
			.n = n / nt + (i < n % nt ? 1 : 0) };
		if (pthread_create(&th[i], NULL, flood_thread, &f[i]) != 0) {
			printf("PTHREAD-FAILED\n");
			exit(1);
		}
	}
	for (unsigned i = 0; i < nt; i++) {
		pthread_join(th[i], NULL);
		ok += f[i].ok;
		bad += f[i].bad;
		err += f[i].err;
	}
	printf("flood ok=%u bad=%u err=%u\n", ok, bad, err);
}

static void
cmd_race(const char *path, const char *n_s)
{
	unsigned n = (unsigned)strtoul(n_s, NULL, 10), good = 0, secret = 0, other = 0, err = 0;
	char buf[256];

	for (unsigned i = 0; i < n; i++) {
		int fd = sandbox_broker_open(path, O_RDONLY, 0);

		if (fd < 0) {
			err++;
			continue;
		}
		if (read_all(fd, buf, sizeof(buf)) < 0)
			other++;
		else if (strstr(buf, "SECRET"))
			secret++;
		else if (strcmp(buf, "good") == 0)
			good++;
		else
			other++;
		close(fd);
	}
	printf("race good=%u secret=%u other=%u err=%u\n", good, secret, other, err);
}

static int
send_raw(const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control = {};
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = &control;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(SBX_BROKER_FD, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* A well-formed BROKER_OPEN of path into buf; returns its size. */
static size_t
make_open(uint8_t *buf, uint32_t type, uint32_t flags, const char *path)
{
	struct sbx_broker_req q = { .flags = flags };
	uint32_t sl = (uint32_t)strlen(path) + 1;
	struct sbx_hdr h = { .type = type, .serial = 77, .len = (uint32_t)(sizeof(q) + 4 + sl) };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &q, sizeof(q));
	memcpy(buf + sizeof(h) + sizeof(q), &sl, 4);
	memcpy(buf + sizeof(h) + sizeof(q) + 4, path, sl);
	return sizeof(h) + h.len;
}

static void
cmd_garbage(const char *kind)
{
	static uint8_t buf[70000];
	size_t len;
	int r, fd = -1;
	struct stat st;

	memset(buf, 0, sizeof(buf));
	if (strcmp(kind, "short") == 0) {
		memcpy(buf, "xyz", 3);
		len = 3;
	} else if (strcmp(kind, "type") == 0)
		len = make_open(buf, 9999, 0, "/");
	else if (strcmp(kind, "flags") == 0)
		len = make_open(buf, SBX_MSG_BROKER_OPEN, 1u << 30, "/");
	else if (strcmp(kind, "fds") == 0) {
		len = make_open(buf, SBX_MSG_BROKER_OPEN, 0, "/");
		fd = 0;
	} else if (strcmp(kind, "big") == 0) {
		len = make_open(buf, SBX_MSG_BROKER_OPEN, 0, "/");
		len = sizeof(buf);
		((struct sbx_hdr *)buf)->len = (uint32_t)(len - sizeof(struct sbx_hdr));
	} else if (strcmp(kind, "string") == 0) {
		len = make_open(buf, SBX_MSG_BROKER_OPEN, 0, "/etc");
		buf[len - 1] = 'X';	/* no terminating NUL */
	} else {
		printf("USAGE garbage kind\n");
		return;
	}
	r = send_raw(buf, len, fd);
	if (r < 0) {
		printf("SEND-FAILED %s\n", strerrorname_np(-r));
		return;
	}
	r = sandbox_broker_stat("/", &st);
	if (r == 0)
		printf("OK still-connected\n");
	else
		print_err(-r);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
cmd_getdents(const char *path)
{
	int fd = sandbox_broker_open(path, O_RDONLY | O_DIRECTORY, 0);
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0) {
		print_err(-fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		print_err(errno);
		close(fd);
		return;
	}
	while ((de = readdir(d)) && n < 256)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	printf("OK ");
	for (size_t i = 0; i < n; i++) {
		printf("%s%s", i ? "," : "", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static const char *
dtype_name(unsigned char t)
{
	switch (t) {
	case DT_REG:	return "reg";
	case DT_DIR:	return "dir";
	case DT_LNK:	return "lnk";
	case DT_FIFO:	return "fifo";
	}
	return "other";
}

static int
cmp_dirent(const void *a, const void *b)
{
	return strcmp(((const struct sandbox_broker_dirent *)a)->name,
	    ((const struct sandbox_broker_dirent *)b)->name);
}

static void
cmd_readdir(const char *path)
{
	struct sandbox_broker_dirent *e = NULL;
	size_t n = 0, unique = 0;
	int r = sandbox_broker_readdir(path, &e, &n);

	if (r < 0) {
		print_err(-r);
		return;
	}
	qsort(e, n, sizeof(e[0]), cmp_dirent);
	if (n > 20) {
		for (size_t i = 0; i < n; i++)
			if (i == 0 || strcmp(e[i].name, e[i - 1].name) != 0)
				unique++;
		printf("OK %zu entries, %zu unique\n", n, unique);
	} else {
		printf("OK ");
		for (size_t i = 0; i < n; i++)
			printf("%s%s:%s", i ? "," : "", e[i].name, dtype_name(e[i].type));
		printf("\n");
	}
	free(e);
}

static void
cmd_wait(void)
{
	char buf[256];

	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	printf("OK\n");
}

static void
cmd_timed_open(const char *path, const char *fl)
{
	struct timespec t0, t1;
	char buf[4096] = "";
	double secs;
	int flags, fd;

	if (parse_flags(fl, &flags) < 0) {
		printf("USAGE bad flags '%s'\n", fl);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = sandbox_broker_open(path, flags, 0644);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (fd < 0) {
		const char *n = strerrorname_np(-fd);

		printf("ERR %s %.4fs\n", n ? n : "E?", secs);
		return;
	}
	if ((flags & O_ACCMODE) != O_WRONLY && read_all(fd, buf, sizeof(buf)) >= 0)
		buf[strcspn(buf, "\n")] = '\0';
	printf("OK %s %.4fs\n", buf, secs);
	close(fd);
}

static void
cmd_pause(void)
{
	char c;

	printf("paused\n");
	fflush(stdout);
	while (read(0, &c, 1) == 1 && c != '\n')
		;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc;) {
		const char *c = argv[i];
		int left = argc - i - 1;

#define NEED(k) do { if (left < (k)) { printf("USAGE %s needs %d args\n", c, (k)); return 2; } } while (0)
		if (strcmp(c, "open") == 0) {
			NEED(2);
			cmd_open(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "write") == 0) {
			NEED(2);
			cmd_write(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "create") == 0) {
			NEED(2);
			cmd_create(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "stat") == 0) {
			NEED(1);
			cmd_stat(argv[i + 1]);
			i += 2;
		} else if (strcmp(c, "access") == 0) {
			NEED(2);
			cmd_access(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "readlink") == 0) {
			NEED(1);
			cmd_readlink(argv[i + 1]);
			i += 2;
		} else if (strcmp(c, "mkdir") == 0) {
			NEED(2);
			result(sandbox_broker_mkdir(argv[i + 1], (mode_t)strtoul(argv[i + 2], NULL, 8)));
			i += 3;
		} else if (strcmp(c, "unlink") == 0) {
			NEED(1);
			result(sandbox_broker_unlink(argv[i + 1]));
			i += 2;
		} else if (strcmp(c, "rmdir") == 0) {
			NEED(1);
			result(sandbox_broker_rmdir(argv[i + 1]));
			i += 2;
		} else if (strcmp(c, "rename") == 0) {
			NEED(2);
			result(sandbox_broker_rename(argv[i + 1], argv[i + 2]));
			i += 3;
		} else if (strcmp(c, "connect") == 0) {
			NEED(2);
			cmd_connect(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "sock-udp-reaim") == 0) {
			NEED(2);
			cmd_sock_udp_reaim(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "sock-tcp-reaim") == 0) {
			NEED(2);
			cmd_sock_tcp_reaim(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "sock-listen") == 0) {
			NEED(2);
			cmd_sock_listen(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "sock-xfer") == 0) {
			NEED(2);
			cmd_sock_xfer(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "sock-udp-echo") == 0) {
			NEED(2);
			cmd_sock_udp_echo(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "sock-many") == 0) {
			NEED(2);
			cmd_sock_many(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "sock-unix-reaim") == 0) {
			NEED(2);
			cmd_sock_unix_reaim(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "reopen-rw") == 0) {
			NEED(1);
			cmd_reopen_rw(argv[i + 1]);
			i += 2;
		} else if (strcmp(c, "reopen-r") == 0) {
			NEED(1);
			cmd_reopen_r(argv[i + 1]);
			i += 2;
		} else if (strcmp(c, "flood") == 0) {
			NEED(4);
			cmd_flood(argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4]);
			i += 5;
		} else if (strcmp(c, "race") == 0) {
			NEED(2);
			cmd_race(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "garbage") == 0) {
			NEED(1);
			cmd_garbage(argv[i + 1]);
			i += 2;
		} else if (strcmp(c, "getdents") == 0) {
			NEED(1);
			cmd_getdents(argv[i + 1]);
			i += 2;
		} else if (strcmp(c, "readdir") == 0) {
			NEED(1);
			cmd_readdir(argv[i + 1]);
			i += 2;
		} else if (strcmp(c, "wait") == 0) {
			cmd_wait();
			i += 1;
		} else if (strcmp(c, "timed-open") == 0) {
			NEED(2);
			cmd_timed_open(argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(c, "pause") == 0) {
			cmd_pause();
			i += 1;
		} else {
			printf("USAGE unknown command '%s'\n", c);
			return 2;
		}
#undef NEED
	}
	return 0;
}
