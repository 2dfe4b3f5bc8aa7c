/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Makes the fuzzers' seed messages with the real client: a child process
 * drives libsandbox-client (every control request, then every broker
 * request through the target half) against a stand-in daemon here, which
 * records each datagram it receives, with its fd count, in the harnesses'
 * input format (see fuzz-control.c and fuzz-broker.c), and answers just
 * enough for the client to go on (HELLO_REPLY, else ERROR or a failed
 * broker result). Output is deterministic, so make check can compare it
 * with the checked-in corpus:
 *
 *	gen-corpus OUTDIR	writes OUTDIR/control/gen-* and OUTDIR/broker/gen-*
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "macro.h"
#include "msg.h"
#include "sandbox-client.h"

static const char policy_text[] =
	"[Policy]\nDescription=Seed\n\n[Filesystem]\nBindReadOnly=/usr\nTmp=yes\n\n"
	"[Limits]\nWallTime=30s\nMemory=64M\n\n[SystemCalls]\nAllow=@default @basic-io\n\n"
	"[Broker]\nTree=/tmp:read,write\nConnect=unix:/run/x.sock\n";

static void
die(const char *what, int r)
{
	fprintf(stderr, "gen-corpus: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(EXIT_FAILURE);
}

/* Writes one input: a byte describing the fds, then the datagram. */
static void
record(const char *dir, unsigned *n, const uint8_t *buf, size_t size, const int *fds, size_t n_fds,
    unsigned extra)
{
	_cleanup_free_ char *path = NULL;
	const char *name = "empty";
	uint8_t head = (uint8_t) (n_fds | extra);
	struct sbx_hdr h;
	FILE *f;

	for (size_t i = 0; i < n_fds; i++) {
		struct stat st;

		if (fstat(fds[i], &st) == 0 && S_ISFIFO(st.st_mode))
			head |= (uint8_t) (1u << (3 + i));
	}
	if (size >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		name = sbx_msg_type_to_string(h.type) ?: "unknown";
	}
	if (asprintf(&path, "%s/gen-%02u-%s", dir, ++*n, name) < 0)
		die("asprintf", -ENOMEM);
	f = fopen(path, "we");
	if (!f || fwrite(&head, 1, 1, f) != 1 || fwrite(buf, 1, size, f) != size || fclose(f) != 0)
		die(path, -errno);
}

static void
reply(int fd, uint32_t type, uint32_t serial, const void *p, size_t size, const char *str)
{
	struct sbx_writer w;
	int r;

	sbx_writer_init(&w, type, serial);
	sbx_writer_put(&w, p, size);
	if (str)
		sbx_writer_put_str(&w, str);
	r = sbx_writer_finish(&w);
	if (r >= 0)
		r = sbx_send_msg(fd, w.buf, w.len, NULL, 0);
	sbx_writer_done(&w);
	if (r < 0)
		die("send", r);
}

/* The stand-in daemon: records and answers until the client hangs up. */
static void
serve(int fd, const char *dir, bool broker)
{
	static uint8_t buf[SBX_MSG_SIZE_MAX];
	unsigned n = 0, hello = 0;

	for (;;) {
		int fds[SBX_FDS_MAX];
		size_t n_fds = 0;
		struct sbx_hdr h;
		ssize_t k;

		k = sbx_recv_msg(fd, buf, sizeof(buf), fds, &n_fds, SBX_FDS_MAX);
		if (k == 0)
			return;
		if (k < (ssize_t) sizeof(h))
			die("recv", k < 0 ? (int) k : -EBADMSG);
		record(dir, &n, buf, (size_t) k, fds, n_fds, hello);
		for (size_t i = 0; i < n_fds; i++)
			safe_close(fds[i]);
		memcpy(&h, buf, sizeof(h));

		if (h.type == SBX_MSG_HELLO) {
			struct sbx_hello_reply hr = { .version = SBX_PROTOCOL_VERSION };

			reply(fd, SBX_MSG_HELLO_REPLY, h.serial, &hr, sizeof(hr), PACKAGE_VERSION);
			hello = 4;	/* the harness's "HELLO said" bit */
		} else if (!broker) {
			struct sbx_error e = { .error = EPERM };

			reply(fd, SBX_MSG_ERROR, h.serial, &e, sizeof(e), "seed");
		} else if (h.type == SBX_MSG_BROKER_STAT) {
			struct sbx_broker_stat s = { .error = ENOENT };

			reply(fd, SBX_MSG_BROKER_STAT_RESULT, h.serial, &s, sizeof(s), NULL);
		} else if (h.type == SBX_MSG_BROKER_READDIR) {
			struct sbx_broker_dir d = { .error = ENOENT };

			reply(fd, SBX_MSG_BROKER_DIR_RESULT, h.serial, &d, sizeof(d), NULL);
		} else {
			struct sbx_broker_result res = { .error = ENOENT };

			reply(fd, h.type == SBX_MSG_BROKER_READLINK ? SBX_MSG_BROKER_LINK_RESULT :
			    SBX_MSG_BROKER_RESULT, h.serial, &res, sizeof(res),
			    h.type == SBX_MSG_BROKER_READLINK ? "" : NULL);
		}
	}
}

/* The client side: every control request the library can make. */
static int
control_client(const char *sock)
{
	char *argv[] = { (char *) "/bin/echo", (char *) "hello", (char *) "world", NULL };
	char *argv1[] = { (char *) "/bin/true", NULL };
	sandbox_spawn_options *o = NULL;
	sandbox_client *c = NULL;
	sandbox_info **list = NULL, *info = NULL;
	char **names = NULL, **descs = NULL, *text = NULL;
	size_t n_list = 0;
	uint64_t id;
	int p[2];

	if (sandbox_client_connect(sock, &c) < 0 || pipe2(p, O_CLOEXEC) < 0 ||
	    sandbox_spawn_options_new(&o) < 0)
		return EXIT_FAILURE;
	(void) sandbox_spawn(c, NULL, argv1, &id);
	(void) sandbox_spawn_options_set_policy(o, "strict");
	(void) sandbox_spawn_options_set_cwd(o, "/tmp");
	(void) sandbox_spawn_options_add_env(o, "LANG=C.UTF-8");
	(void) sandbox_spawn_options_add_env(o, "HOME=/tmp");
	(void) sandbox_spawn_options_set_stdio(o, p[0], p[1], -1);
	(void) sandbox_spawn_options_set_timeout_ms(o, 30000);
	(void) sandbox_spawn_options_set_memory_max(o, 64 << 20);
	(void) sandbox_spawn_options_set_tasks_max(o, 8);
	(void) sandbox_spawn_options_set_cpu_ms(o, 5000);
	(void) sandbox_spawn_options_set_nofile_max(o, 64);
	(void) sandbox_spawn_options_set_fsize_max(o, 1 << 20);
	(void) sandbox_spawn_options_set_detach(o, 1);
	(void) sandbox_spawn(c, o, argv, &id);
	(void) sandbox_kill(c, 4, 15);
	(void) sandbox_kill(c, 4, 0);
	(void) sandbox_list(c, &list, &n_list);
	(void) sandbox_status(c, 4, &info);
	(void) sandbox_policy_list(c, &names, &descs);
	(void) sandbox_policy_show(c, "default", &text);
	(void) sandbox_policy_check(c, "seed.policy", policy_text);
	(void) sandbox_policy_check(c, "bad.policy", "[Limits]\nMemory=lots\n");
	sandbox_spawn_options_free(o);
	sandbox_client_free(c);
	return EXIT_SUCCESS;
}

/* The target side: every broker request. */
static int
broker_client(void)
{
	struct sandbox_broker_dirent *ents = NULL;
	struct stat st;
	char link[64];
	size_t n;

	(void) sandbox_broker_open("/tmp/data.txt", O_RDONLY, 0);
	(void) sandbox_broker_open("/tmp/out.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	(void) sandbox_broker_open("/tmp", O_RDONLY | O_DIRECTORY, 0);
	(void) sandbox_broker_open("/tmp/log", O_RDWR | O_APPEND | O_NOFOLLOW, 0);
	(void) sandbox_broker_connect("unix:/run/x.sock");
	(void) sandbox_broker_connect("tcp:127.0.0.1:8080");
	(void) sandbox_broker_stat("/tmp/data.txt", &st);
	(void) sandbox_broker_access("/tmp/data.txt", R_OK | W_OK);
	(void) sandbox_broker_access("/tmp", F_OK);
	(void) sandbox_broker_readlink("/tmp/link", link, sizeof(link));
	(void) sandbox_broker_mkdir("/tmp/dir", 0755);
	(void) sandbox_broker_unlink("/tmp/out.txt");
	(void) sandbox_broker_rmdir("/tmp/dir");
	(void) sandbox_broker_rename("/tmp/a", "/tmp/b");
	(void) sandbox_broker_readdir("/tmp", &ents, &n);
	free(ents);
	return EXIT_SUCCESS;
}

/* Runs client in a child and serves it on server (a listener, or for the
 * broker the channel itself, whose other end peer the child keeps). */
static void
run(const char *outdir, const char *sub, int server, int peer, bool broker,
    int (*client)(void *), void *userdata)
{
	_cleanup_free_ char *dir = NULL;
	int status;
	pid_t pid;

	if (asprintf(&dir, "%s/%s", outdir, sub) < 0)
		die("asprintf", -ENOMEM);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die(dir, -errno);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0)
		_exit(client(userdata));
	safe_close(peer);
	if (!broker) {
		int fd = accept4(server, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			die("accept", -errno);
		serve(fd, dir, false);
		safe_close(fd);
	} else
		serve(server, dir, true);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die(sub, -ECHILD);
}

static int
run_control_client(void *userdata)
{
	return control_client(userdata);
}

static int
run_broker_client(void *userdata)
{
	int *sv = userdata;

	/* The target half finds its channel at SBX_BROKER_FD, as in a sandbox. */
	if (dup2(sv[1], SBX_BROKER_FD) < 0 || setenv(SBX_BROKER_FD_ENV, STRINGIFY(SBX_BROKER_FD), 1) < 0)
		return EXIT_FAILURE;
	return broker_client();
}

int
main(int argc, char *argv[])
{
	char tmp[] = "/tmp/gen-corpus.XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int server, sv[2];

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(tmp))
		die("mkdtemp", -errno);
	(void) snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", tmp);
	server = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (server < 0 || bind(server, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
	    listen(server, 1) < 0)
		die("listen", -errno);
	run(argv[1], "control", server, -1, false, run_control_client, sa.sun_path);
	safe_close(server);
	(void) unlink(sa.sun_path);
	(void) rmdir(tmp);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", -errno);
	run(argv[1], "broker", sv[0], sv[1], true, run_broker_client, sv);
	return EXIT_SUCCESS;
}
