/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside a sandbox whose policy says [Broker] Intercept=yes and uses
 * nothing but plain system calls (no libsandbox-client, no broker fd): what
 * it reaches of the broker's paths it reaches through interception. Linked
 * statically, so that nothing relies on a library in the target. One
 * command after another from argv, one line each:
 *
 *   static                 "static yes" if no program interpreter ran us
 *   cat PATH               open O_RDONLY, read: "OK CONTENT" or "ERR ENAME"
 *   put PATH TEXT          open O_WRONLY|O_CREAT|O_TRUNC 0644, write: "OK"
 *   stat PATH              stat(2): "OK reg|dir|lnk|other SIZE"
 *   lstat PATH             the same with lstat(2)
 *   unlink PATH            "OK"
 *   rename FROM TO         rename(2): "OK"
 *   reopen PATH            open PATH O_RDONLY, then try to write it through
 *                          /proc/self/fd/N: "OK rdonly reopen=R"
 *   rel DIR NAME NEW       open DIR O_DIRECTORY, fchdir() into it, then with
 *                          relative paths: read NAME, read it through
 *                          openat(dirfd), create NEW (content "relative"),
 *                          mkdirat "rd", renameat NEW to "rd/NEW", stat
 *                          "rd/NEW", faccessat "rd/NEW" W_OK:
 *                          "cwd=R at=R create=R mkdirat=R rename=R stat=R access=R"
 *   openat DIR NAME        open DIR O_DIRECTORY, then openat(dirfd, NAME) and
 *                          read it: as cat
 *   hostwalk DIR NAME      open DIR O_DIRECTORY, then fstatat, faccessat and
 *                          readlinkat (dirfd, NAME), and stat(NAME) after
 *                          fchdir(dirfd): "statat=R access=R readlink=R cwd=R"
 *   cloexec PATH           FD_CLOEXEC of PATH opened without and with O_CLOEXEC,
 *                          and with openat2(O_CLOEXEC): "plain=0 cloexec=1 openat2=1"
 *   emfile PATH            opens PATH until an open fails: "ERR ENAME open=N
 *                          limit=L" (N: fds open then, L: RLIMIT_NOFILE)
 *   race GOOD BAD N        N opens of a path buffer another thread keeps
 *                          rewriting from GOOD to BAD and back (BAD "-": none):
 *                          "race good=A secret=B other=C err=D" (good: content
 *                          "good"; secret: contains "SECRET")
 *   threads T N PATH TEXT  T threads, each N times: open/read/close PATH and
 *                          /tmp/local (written first): "threads ok=A bad=B err=C"
 *   signals DIR N          a SIGALRM handler without SA_RESTART on a fast
 *                          timer, N times O_CREAT|O_EXCL + unlink of DIR/sN,
 *                          EINTR retried: "signals ok=A double=B other=C
 *                          fds=same|LEAK alarms=yes|no eintr=E [first=ENAME]"
 *                          (double: a retry found the interrupted call done)
 *   storm PATH T MARKER    T threads opening and stat'ing PATH without end;
 *                          MARKER is created once they run; never returns
 *   tcp ADDR PORT TEXT     connect(2) a TCP socket, write TEXT, shutdown(SHUT_WR),
 *                          read to EOF: "OK REPLY" or "ERR ENAME"
 *   unix PATH TEXT         the same over a stream AF_UNIX socket
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static const char *
res(int r, int e)
{
	static char bufs[8][48];
	static unsigned k;
	char *b = bufs[k++ % 8];
	const char *n;

	if (r >= 0)
		return "OK";
	n = strerrorname_np(e);
	snprintf(b, 48, "ERR %s", n ? n : "?");
	return b;
}

/* Reads fd to EOF (at most size - 1 bytes) into buf; closes it. */
static ssize_t
slurp(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return (ssize_t)got;
}

static void
print_read(int fd)
{
	char buf[4096];

	if (fd < 0) {
		printf("%s\n", res(-1, errno));
		return;
	}
	slurp(fd, buf, sizeof(buf));
	printf("OK %s\n", buf);
}

static const char *
kind(mode_t m)
{
	return S_ISREG(m) ? "reg" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "lnk" : "other";
}

static void
do_stat(const char *path, bool nofollow)
{
	struct stat st;

	if ((nofollow ? lstat(path, &st) : stat(path, &st)) < 0)
		printf("%s\n", res(-1, errno));
	else
		printf("OK %s %lld\n", kind(st.st_mode), (long long)st.st_size);
}

/* Relative paths, against the working directory and against a dirfd. */
static void
do_rel(const char *dir, const char *name, const char *new)
{
	char buf[256], moved[512], cwd_r[300], at_r[300];
	struct stat st;
	int d, fd, r[5], e[5];

	d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 || fchdir(d) < 0) {
		printf("open/fchdir %s\n", res(-1, errno));
		return;
	}
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		snprintf(cwd_r, sizeof(cwd_r), "%s", res(-1, errno));
	else {
		slurp(fd, buf, sizeof(buf));
		snprintf(cwd_r, sizeof(cwd_r), "%s", buf);
	}
	fd = openat(d, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		snprintf(at_r, sizeof(at_r), "%s", res(-1, errno));
	else {
		slurp(fd, buf, sizeof(buf));
		snprintf(at_r, sizeof(at_r), "%s", buf);
	}
	fd = open(new, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	r[0] = fd, e[0] = errno;
	if (fd >= 0) {
		r[0] = write(fd, "relative", 8) == 8 ? 0 : -1, e[0] = errno;
		close(fd);
	}
	r[1] = mkdirat(d, "rd", 0755), e[1] = errno;
	snprintf(moved, sizeof(moved), "rd/%s", new);
	r[2] = renameat(d, new, d, moved), e[2] = errno;
	r[3] = fstatat(d, moved, &st, 0), e[3] = errno;
	if (r[3] == 0 && !S_ISREG(st.st_mode))
		r[3] = -1, e[3] = EINVAL;
	r[4] = faccessat(AT_FDCWD, moved, W_OK, 0), e[4] = errno;
	printf("cwd=%s at=%s create=%s mkdirat=%s rename=%s stat=%s access=%s\n", cwd_r, at_r,
	    res(r[0], e[0]), res(r[1], e[1]), res(r[2], e[2]), res(r[3], e[3]), res(r[4], e[4]));
	close(d);
}

/* Metadata calls relative to a directory fd: what Landlock lets through. */
static void
do_hostwalk(const char *dir, const char *name)
{
	char link[256];
	struct stat st;
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r[4], e[4];

	if (d < 0) {
		printf("open %s\n", res(-1, errno));
		return;
	}
	r[0] = fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW), e[0] = errno;
	r[1] = faccessat(d, name, F_OK, 0), e[1] = errno;
	r[2] = readlinkat(d, name, link, sizeof(link)) < 0 ? -1 : 0, e[2] = errno;
	if (r[2] < 0 && e[2] == EINVAL)
		r[2] = 0;	/* there, and not a link */
	r[3] = fchdir(d) < 0 ? -1 : stat(name, &st), e[3] = errno;
	printf("statat=%s access=%s readlink=%s cwd=%s\n", res(r[0], e[0]), res(r[1], e[1]),
	    res(r[2], e[2]), res(r[3], e[3]));
	close(d);
}

static void
do_reopen(const char *path)
{
	char proc[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC), w;

	if (fd < 0) {
		printf("%s\n", res(-1, errno));
		return;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	w = open(proc, O_WRONLY | O_CLOEXEC);
	printf("OK rdonly reopen=%s\n", res(w, errno));
	if (w >= 0)
		close(w);
	close(fd);
}

static void
do_openat(const char *dir, const char *name)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (d < 0) {
		printf("open %s\n", res(-1, errno));
		return;
	}
	print_read(openat(d, name, O_RDONLY | O_CLOEXEC));
	close(d);
}

static int
fd_cloexec(int fd)
{
	int f = fd < 0 ? -1 : fcntl(fd, F_GETFD);

	if (fd >= 0)
		close(fd);
	return f < 0 ? -1 : (f & FD_CLOEXEC) != 0;
}

static void
do_cloexec(const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int plain = fd_cloexec(open(path, O_RDONLY));
	int cloexec = fd_cloexec(open(path, O_RDONLY | O_CLOEXEC));
	int two = fd_cloexec((int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how)));

	printf("plain=%d cloexec=%d openat2=%d\n", plain, cloexec, two);
}

static unsigned
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the one opendir() holds */
}

static void
do_emfile(const char *path)
{
	struct rlimit rl;
	int fd, e;

	getrlimit(RLIMIT_NOFILE, &rl);
	while ((fd = open(path, O_RDONLY)) >= 0)
		;
	e = errno;
	/* One fd to count them with: close one we made. */
	close(fd = (int)rl.rlim_cur - 1);
	printf("%s open=%u limit=%llu\n", res(-1, e), count_fds() + 1,
	    (unsigned long long)rl.rlim_cur);
}

/* The race: a buffer flipping between two paths while another thread opens it. */
static char race_buf[4096];
static const char *race_good, *race_bad;
static volatile bool race_stop;

static void *
flipper(void *p)
{
	size_t lg = strlen(race_good), lb = strlen(race_bad);

	while (!race_stop) {
		volatile char *b = race_buf;

		for (size_t i = 0; i <= lb; i++)
			b[i] = race_bad[i];
		for (size_t i = 0; i <= lg; i++)
			b[i] = race_good[i];
	}
	return NULL;
}

static void
do_race(const char *good, const char *bad, unsigned n)
{
	unsigned v[4] = { 0 };
	pthread_t t;
	bool flip = strcmp(bad, "-") != 0;

	race_good = good, race_bad = bad, race_stop = false;
	snprintf(race_buf, sizeof(race_buf), "%s", good);
	if (flip && pthread_create(&t, NULL, flipper, NULL) != 0) {
		printf("pthread_create failed\n");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		char buf[256];
		int fd = open(race_buf, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			v[3]++;
			continue;
		}
		slurp(fd, buf, sizeof(buf));
		if (strcmp(buf, "good") == 0)
			v[0]++;
		else if (strstr(buf, "SECRET"))
			v[1]++;
		else
			v[2]++;
	}
	race_stop = true;
	if (flip)
		pthread_join(t, NULL);
	printf("race good=%u secret=%u other=%u err=%u\n", v[0], v[1], v[2], v[3]);
}

struct worker {
	pthread_t	t;
	unsigned	n, ok, bad, err;
	const char	*path, *text;
};

static void
read_check(struct worker *w, const char *path, const char *text)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		w->err++;
		return;
	}
	slurp(fd, buf, sizeof(buf));
	if (strcmp(buf, text) == 0)
		w->ok++;
	else
		w->bad++;
}

static void *
worker_run(void *p)
{
	struct worker *w = p;

	for (unsigned i = 0; i < w->n; i++) {
		read_check(w, w->path, w->text);
		read_check(w, "/tmp/local", "local");
	}
	return NULL;
}

static void
do_threads(unsigned nt, unsigned n, const char *path, const char *text)
{
	struct worker w[64] = { 0 };
	unsigned ok = 0, bad = 0, err = 0;
	int fd = open("/tmp/local", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "local", 5) != 5) {
		printf("/tmp/local: %s\n", res(-1, errno));
		return;
	}
	close(fd);
	if (nt > 64)
		nt = 64;
	for (unsigned i = 0; i < nt; i++) {
		w[i].n = n, w[i].path = path, w[i].text = text;
		if (pthread_create(&w[i].t, NULL, worker_run, &w[i]) != 0) {
			printf("pthread_create failed\n");
			exit(1);
		}
	}
	for (unsigned i = 0; i < nt; i++) {
		pthread_join(w[i].t, NULL);
		ok += w[i].ok, bad += w[i].bad, err += w[i].err;
	}
	printf("threads ok=%u bad=%u err=%u\n", ok, bad, err);
}

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	alarms++;
}

static void
do_signals(const char *dir, unsigned n)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 200 }, { 0, 200 } }, off = { { 0, 0 }, { 0, 0 } };
	unsigned ok = 0, dbl = 0, other = 0, eintr = 0, before = count_fds(), after;
	int first = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (unsigned i = 0; i < n; i++) {
		char name[512];
		bool interrupted = false;
		int fd;

		snprintf(name, sizeof(name), "%s/s%u", dir, i);
		for (;;) {
			fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (fd >= 0 || errno != EINTR)
				break;
			eintr++, interrupted = true;
		}
		if (fd < 0) {
			if (errno == EEXIST && interrupted)
				dbl++;
			else
				other++;
			first = first ? first : errno;
			continue;
		}
		close(fd);
		interrupted = false;
		for (;;) {
			if (unlink(name) == 0) {
				ok++;
				break;
			}
			if (errno == EINTR) {
				eintr++, interrupted = true;
				continue;
			}
			if (errno == ENOENT && interrupted)
				dbl++;
			else
				other++;
			first = first ? first : errno;
			break;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	after = count_fds();
	printf("signals ok=%u double=%u other=%u fds=%s alarms=%s eintr=%u", ok, dbl, other,
	    before == after ? "same" : "LEAK", alarms > 0 ? "yes" : "no", eintr);
	if (first)
		printf(" first=%s", strerrorname_np(first));
	printf("\n");
}

static void *
storm_run(void *p)
{
	const char *path = p;
	struct stat st;

	for (;;) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		(void)stat(path, &st);
	}
	return NULL;
}

static void
do_storm(const char *path, unsigned nt, const char *marker)
{
	pthread_t t;
	int fd;

	for (unsigned i = 0; i < nt; i++)
		if (pthread_create(&t, NULL, storm_run, (void *)path) != 0)
			exit(1);
	fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	storm_run((void *)path);
}

static void
talk(int s, const struct sockaddr *sa, socklen_t len, const char *text)
{
	char buf[256];

	if (s < 0 || connect(s, sa, len) < 0) {
		printf("%s\n", res(-1, errno));
		if (s >= 0)
			close(s);
		return;
	}
	if (write(s, text, strlen(text)) != (ssize_t)strlen(text) || shutdown(s, SHUT_WR) < 0) {
		printf("write %s\n", res(-1, errno));
		close(s);
		return;
	}
	slurp(s, buf, sizeof(buf));
	printf("OK %s\n", buf);
}

static void
do_tcp(const char *addr, const char *port, const char *text)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		printf("bad address %s\n", addr);
		return;
	}
	talk(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), (struct sockaddr *)&sa, sizeof(sa),
	    text);
}

static void
do_unix(const char *path, const char *text)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };

	snprintf(su.sun_path, sizeof(su.sun_path), "%s", path);
	talk(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), (struct sockaddr *)&su, sizeof(su),
	    text);
}

static bool
need(int argc, int i, int n)
{
	if (i + n >= argc) {
		printf("missing arguments\n");
		return false;
	}
	return true;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];

		if (strcmp(c, "static") == 0)
			printf("static %s\n", getauxval(AT_BASE) == 0 ? "yes" : "no");
		else if (strcmp(c, "cat") == 0 && need(argc, i, 1))
			print_read(open(argv[++i], O_RDONLY | O_CLOEXEC));
		else if (strcmp(c, "put") == 0 && need(argc, i, 2)) {
			int fd = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			size_t l = strlen(argv[i + 2]);

			if (fd >= 0 && write(fd, argv[i + 2], l) != (ssize_t)l) {
				close(fd);
				fd = -1;
			}
			printf("%s\n", res(fd, errno));
			if (fd >= 0)
				close(fd);
			i += 2;
		} else if (strcmp(c, "stat") == 0 && need(argc, i, 1))
			do_stat(argv[++i], false);
		else if (strcmp(c, "lstat") == 0 && need(argc, i, 1))
			do_stat(argv[++i], true);
		else if (strcmp(c, "unlink") == 0 && need(argc, i, 1)) {
			int r = unlink(argv[++i]);

			printf("%s\n", res(r, errno));
		} else if (strcmp(c, "rename") == 0 && need(argc, i, 2)) {
			int r = rename(argv[i + 1], argv[i + 2]);

			printf("%s\n", res(r, errno));
			i += 2;
		} else if (strcmp(c, "reopen") == 0 && need(argc, i, 1))
			do_reopen(argv[++i]);
		else if (strcmp(c, "rel") == 0 && need(argc, i, 3)) {
			do_rel(argv[i + 1], argv[i + 2], argv[i + 3]);
			i += 3;
		} else if (strcmp(c, "openat") == 0 && need(argc, i, 2)) {
			do_openat(argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (strcmp(c, "hostwalk") == 0 && need(argc, i, 2)) {
			do_hostwalk(argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (strcmp(c, "cloexec") == 0 && need(argc, i, 1))
			do_cloexec(argv[++i]);
		else if (strcmp(c, "emfile") == 0 && need(argc, i, 1))
			do_emfile(argv[++i]);
		else if (strcmp(c, "race") == 0 && need(argc, i, 3)) {
			do_race(argv[i + 1], argv[i + 2], (unsigned)atoi(argv[i + 3]));
			i += 3;
		} else if (strcmp(c, "threads") == 0 && need(argc, i, 4)) {
			do_threads((unsigned)atoi(argv[i + 1]), (unsigned)atoi(argv[i + 2]),
			    argv[i + 3], argv[i + 4]);
			i += 4;
		} else if (strcmp(c, "signals") == 0 && need(argc, i, 2)) {
			do_signals(argv[i + 1], (unsigned)atoi(argv[i + 2]));
			i += 2;
		} else if (strcmp(c, "storm") == 0 && need(argc, i, 3))
			do_storm(argv[i + 1], (unsigned)atoi(argv[i + 2]), argv[i + 3]);
		else if (strcmp(c, "tcp") == 0 && need(argc, i, 3)) {
			do_tcp(argv[i + 1], argv[i + 2], argv[i + 3]);
			i += 3;
		} else if (strcmp(c, "unix") == 0 && need(argc, i, 2)) {
			do_unix(argv[i + 1], argv[i + 2]);
			i += 2;
		} else {
			printf("unknown command %s\n", c);
			return 2;
		}
	}
	return 0;
}
