/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-relay: what a brokered TCP stream costs, against a direct one.
 * sandboxd keeps the real socket of a Connect=tcp: endpoint and relays it
 * to the target through a socketpair (daemon/broker/relay.c): this measures the
 * MB/s of that stream each way, and of a direct loopback TCP stream, in
 * the same run, and prints their ratio.
 *
 *   bench-relay -P POLICYDIR -d DAEMON_PID [-s SOCKET] [-m MIB] [-r ROUNDS]
 *       the outer mode, on the host, as root. Listens on 127.0.0.1:<any>,
 *       writes POLICYDIR/bench-relay.policy (with Connect= that port),
 *       sends sandboxd (DAEMON_PID) SIGHUP and waits until it serves the
 *       policy. Then ROUNDS times each (alternating):
 *         direct   a forked child connects to the port itself;
 *         relayed  a sandbox runs "bench-relay --inner PORT MIB 1", which
 *                  gets its socket from sandbox_broker_connect();
 *       and in each round the client sends MIB MiB, shuts down writing,
 *       and reads to EOF the MIB MiB the host sends back after that (the
 *       host times both directions on its side: "up" from the first byte
 *       to EOF, "down" from its first write to the client's close).
 *       Prints each round, then medians and relayed/direct ratios.
 *
 *   bench-relay --inner PORT MIB ROUNDS
 *       inside the sandbox: ROUNDS x (broker connect, the client's side).
 *
 * Figures are informative; nothing is asserted. Nobody is pinned: the
 * relay's cost is the daemon's CPU on top of the two ends'.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "bench-util.h"

#define POLICY_NAME	"bench-relay"
#define CHUNK		(128 * 1024)
#define ROUNDS_MAX	64

/* Writes bytes of fill to fd; returns how many it could. */
static uint64_t
send_fill(int fd, char fill, uint64_t bytes)
{
	static char buf[CHUNK];
	uint64_t done = 0;

	memset(buf, fill, sizeof(buf));
	while (done < bytes) {
		size_t k = bytes - done < sizeof(buf) ? (size_t) (bytes - done) : sizeof(buf);
		ssize_t w = write(fd, buf, k);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		done += (uint64_t) w;
	}
	return done;
}

/* Reads fd to EOF (or an error); returns how many bytes, and when the
 * first arrived. */
static uint64_t
drain(int fd, uint64_t *ret_first_ns)
{
	static char buf[CHUNK];
	uint64_t got = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got;
		if (got == 0 && ret_first_ns)
			*ret_first_ns = now_ns();
		got += (uint64_t) n;
	}
}

/* The client's side of one round, on a connected stream fd. */
static int
client_run(int fd, uint64_t bytes)
{
	if (send_fill(fd, 'r', bytes) != bytes || shutdown(fd, SHUT_WR) < 0)
		return -EIO;
	return drain(fd, NULL) == bytes ? 0 : -EIO;
}

static int
inner(int argc, char **argv)
{
	char ep[64];
	uint64_t bytes;
	int rounds;

	if (argc < 5)
		return 2;
	(void) snprintf(ep, sizeof(ep), "tcp:127.0.0.1:%s", argv[2]);
	bytes = strtoull(argv[3], NULL, 10) << 20;
	rounds = atoi(argv[4]);
	for (int i = 0; i < rounds; i++) {
		int fd = sandbox_broker_connect(ep), r;

		if (fd < 0) {
			fprintf(stderr, "bench-relay --inner: connect %s: %s\n", ep, strerror(-fd));
			return 1;
		}
		r = client_run(fd, bytes);
		close(fd);
		if (r < 0) {
			fprintf(stderr, "bench-relay --inner: %s\n", strerror(-r));
			return 1;
		}
	}
	return 0;
}

/* The host's side of one round: kB/s up (client → host) and down. */
static int
server_round(int listener, uint64_t bytes, uint64_t *ret_up, uint64_t *ret_down)
{
	uint64_t got, sent, t0 = 0, t1, t2;
	int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	got = drain(fd, &t0);
	t1 = t2 = now_ns();
	sent = send_fill(fd, 'h', bytes);
	(void) shutdown(fd, SHUT_WR);
	/* The client closes once it has read everything. */
	(void) drain(fd, NULL);
	close(fd);
	if (got != bytes || sent != bytes)
		return -EIO;
	*ret_up = bytes * 1000000 / (t1 - t0 + 1);
	*ret_down = bytes * 1000000 / (now_ns() - t2 + 1);
	return 0;
}

/* The directory of path, resolved, into out (PATH_MAX bytes). */
static int
dir_of(const char *path, char *out)
{
	const char *d;

	if (!realpath(path, out))
		return -errno;
	d = dirname(out);
	memmove(out, d, strlen(d) + 1);
	return 0;
}

static int
write_policy(const char *file, unsigned port)
{
	char exedir[PATH_MAX], ldir[PATH_MAX];
	Dl_info info;
	FILE *f;

	if (dir_of("/proc/self/exe", exedir) < 0 ||
	    !dladdr((void *) sandbox_broker_connect, &info) || !info.dli_fname ||
	    dir_of(info.dli_fname, ldir) < 0) {
		fprintf(stderr, "bench-relay: cannot find my own or my library's directory\n");
		return -1;
	}
	f = fopen(file, "we");
	if (!f) {
		fprintf(stderr, "bench-relay: %s: %s\n", file, strerror(errno));
		return -1;
	}
	fprintf(f,
	    "# Written by bench-relay (make bench): a target that streams through a\n"
	    "# brokered (relayed) TCP connection.\n\n"
	    "[Policy]\nDescription=bench-relay: a relayed TCP stream\n\n"
	    "[Filesystem]\nBindReadOnly=/usr\nSymlink=usr/bin:/bin\nSymlink=usr/lib:/lib\n"
	    "Symlink=usr/lib64:/lib64\nBindReadOnly=/etc/ld.so.cache\n");
	/* The uninstalled binary and its library, at the same paths. */
	if (strncmp(exedir, "/usr/", 5) != 0)
		fprintf(f, "BindReadOnly=%s\n", exedir);
	if (strncmp(ldir, "/usr/", 5) != 0 && strcmp(ldir, exedir) != 0)
		fprintf(f, "BindReadOnly=%s\n", ldir);
	fprintf(f,
	    "Tmp=no\n\n"
	    "[Sandbox]\nHostname=sandbox\nEnvironment=PATH=/usr/bin:/bin\nWorkingDirectory=/\n\n"
	    "[Limits]\nWallTime=10min\nMemory=256M\nTasks=8\nCPUTime=10min\nOpenFiles=64\n"
	    "FileSize=1M\n\n"
	    "[Network]\nNetwork=none\n\n"
	    "[Security]\nLandlock=best-effort\n\n"
	    "[Broker]\nConnect=tcp:127.0.0.1:%u\n\n"
	    "[SystemCalls]\nAllow=@default @basic-io @file-system @process @signal @broker "
	    "@network-io\nAction=errno\n", port);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench-relay: %s: %s\n", file, strerror(errno));
		return -1;
	}
	return 0;
}

/* Waits (≤ 10 s) until the daemon serves the policy naming port. */
static int
wait_policy(sandbox_client *c, unsigned port)
{
	char needle[64];

	(void) snprintf(needle, sizeof(needle), "Connect=tcp:127.0.0.1:%u", port);
	for (int i = 0; i < 200; i++) {
		char *text = NULL;
		int found;

		found = sandbox_policy_show(c, POLICY_NAME, &text) >= 0 && strstr(text, needle);
		free(text);
		if (found)
			return 0;
		usleep(50000);
	}
	return -1;
}

static int
direct_client(unsigned port, uint64_t bytes)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
		return 1;
	return client_run(fd, bytes) < 0;
}

/* The median of n values (sorts them). */
static uint64_t
median(uint64_t *v, int n)
{
	qsort(v, (size_t) n, sizeof(*v), cmp_u64);
	return pct(v, n, 0.5);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *policy_dir = NULL;
	uint64_t up[2][ROUNDS_MAX], down[2][ROUNDS_MAX], mu[2], md[2];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char file[PATH_MAX], self[PATH_MAX], sport[16], smib[16];
	sandbox_spawn_options *o = NULL;
	sandbox_client *c = NULL;
	pid_t daemon_pid = 0;
	int mib = 256, rounds = 5, listener, opt;
	unsigned port;

	if (argc >= 2 && strcmp(argv[1], "--inner") == 0)
		return inner(argc, argv);
	while ((opt = getopt(argc, argv, "s:d:P:m:r:")) >= 0)
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'd':
			daemon_pid = (pid_t) atoi(optarg);
			break;
		case 'P':
			policy_dir = optarg;
			break;
		case 'm':
			mib = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench-relay -P POLICYDIR -d DAEMON_PID [-s SOCKET] "
			    "[-m MIB] [-r ROUNDS]\n");
			return 2;
		}
	if (!policy_dir || daemon_pid <= 0 || mib <= 0 || rounds <= 0 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "bench-relay: -P and -d are needed; 1 ≤ ROUNDS ≤ %d\n", ROUNDS_MAX);
		return 2;
	}
	(void) signal(SIGPIPE, SIG_IGN);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
	    listen(listener, 4) < 0 || getsockname(listener, (struct sockaddr *) &sa, &len) < 0) {
		perror("bench-relay: listener");
		return 1;
	}
	port = ntohs(sa.sin_port);
	(void) snprintf(file, sizeof(file), "%s/%s.policy", policy_dir, POLICY_NAME);
	if (write_policy(file, port) < 0)
		return 1;
	if (kill(daemon_pid, SIGHUP) < 0 || sandbox_client_connect(sock, &c) < 0 ||
	    wait_policy(c, port) < 0 || sandbox_spawn_options_new(&o) < 0 ||
	    sandbox_spawn_options_set_policy(o, POLICY_NAME) < 0) {
		fprintf(stderr, "bench-relay: sandboxd does not serve %s\n", file);
		return 1;
	}
	if (!realpath("/proc/self/exe", self)) {
		perror("bench-relay: /proc/self/exe");
		return 1;
	}
	(void) snprintf(sport, sizeof(sport), "%u", port);
	(void) snprintf(smib, sizeof(smib), "%d", mib);

	printf("%-8s %6s %12s %12s\n", "case", "round", "up MB/s", "down MB/s");
	for (int i = 0; i < rounds; i++)
		for (int k = 0; k < 2; k++) {
			char *args[] = { self, (char *) "--inner", sport, smib, (char *) "1", NULL };
			uint64_t bytes = (uint64_t) mib << 20;
			sandbox_exit ex = { .exited = 1 };
			uint64_t id = 0;
			pid_t pid = -1;
			int r, st = 0;

			if (k == 0) {
				pid = fork();
				if (pid == 0)
					_exit(direct_client(port, bytes));
				r = pid < 0 ? -errno : 0;
			} else
				r = sandbox_spawn(c, o, args, &id);
			if (r >= 0)
				r = server_round(listener, bytes, &up[k][i], &down[k][i]);
			if (k == 0 && pid > 0)
				(void) waitpid(pid, &st, 0);
			if (k == 1 && id && sandbox_wait(c, id, -1, &ex) < 0)
				ex.exited = 0;
			if (r < 0 || st != 0 || !ex.exited || ex.status != 0) {
				fprintf(stderr, "bench-relay: %s round %d failed: %s\n",
				    k ? "relayed" : "direct", i, r < 0 ? strerror(-r) : "client");
				return 1;
			}
			printf("%-8s %6d %12.0f %12.0f\n", k ? "relayed" : "direct", i,
			    (double) up[k][i] / 1000, (double) down[k][i] / 1000);
		}
	(void) unlink(file);
	for (int k = 0; k < 2; k++) {
		mu[k] = median(up[k], rounds);
		md[k] = median(down[k], rounds);
	}
	printf("\n%-44s %12s %12s\n", "median of rounds (MB/s)", "up", "down");
	printf("%-44s %12.0f %12.0f\n", "direct loopback TCP", (double) mu[0] / 1000,
	    (double) md[0] / 1000);
	printf("%-44s %12.0f %12.0f\n", "brokered (relayed) TCP", (double) mu[1] / 1000,
	    (double) md[1] / 1000);
	printf("%-44s %11.2fx %11.2fx\n", "relayed/direct", (double) mu[1] / (double) mu[0],
	    (double) md[1] / (double) md[0]);
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
	return 0;
}
