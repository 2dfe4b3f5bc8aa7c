/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What ordinary programs need of a sandbox beyond files (issue 14): its
 * own loopback, where a server and its client in the same sandbox talk
 * over TCP while the host's loopback stays out of reach; a private
 * /dev/shm for POSIX semaphores and shared memory, bounded by ShmSize=
 * and counted against Memory=; and a memory limit programs can see, so
 * that they size themselves to the sandbox rather than to the host.
 * Every case runs under the shipped "default" policy (or default with
 * one line changed or added), once with root (_i == 0) and once with
 * nobody (_i == 1) as the sandbox's owner, through sandboxctl as that
 * user.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

#define NOBODY 65534

static const uid_t owners[] = { 0, NOBODY };

struct sh_run {
	int	code;		/* sandboxctl's exit code */
	char	*out, *err;
};

static void
sh_run_done(struct sh_run *r)
{
	free(r->out);
	free(r->err);
}

/* sandboxctl run [-p policy] [--memory memory] -- sh -c script, as owner. */
static void
run_sh(uid_t owner, const char *policy, const char *memory, const char *script,
    struct sh_run *ret)
{
	int st;

	if (memory)
		st = testlib_sandboxctl_as(owner, owner, &ret->out, &ret->err, "run", "-p", policy,
		    "--memory", memory, "--", "sh", "-c", script, NULL);
	else
		st = testlib_sandboxctl_as(owner, owner, &ret->out, &ret->err, "run", "-p", policy,
		    "--", "sh", "-c", script, NULL);
	ret->code = testlib_exit_code(st);
}

/* Asserts that the run exited 0 having printed exactly want, and frees it. */
static void
expect_output(uid_t owner, struct sh_run *r, const char *want)
{
	ck_assert_msg(r->code == 0 && strcmp(r->out, want) == 0,
	    "owner %u: exit %d, stdout '%s' (want '%s'), stderr: %s", (unsigned) owner, r->code,
	    r->out, want, r->err);
	sh_run_done(r);
}

/* A server on ADDR:8000 serving /tmp/www, and a client that fetches a
 * page from it (retrying while the server starts, 30 s at most). */
#define HTTP_SCRIPT(addr, url)							\
	"set -e; mkdir /tmp/www; echo hello from loopback > /tmp/www/index.txt; "	\
	"python3 -m http.server --bind " addr " --directory /tmp/www 8000 "	\
	">/dev/null 2>/tmp/server.log & "					\
	"python3 -c '\n"							\
	"import time, urllib.request\n"						\
	"for i in range(300):\n"						\
	"    try:\n"								\
	"        r = urllib.request.urlopen(\"" url "\", timeout=10)\n"	\
	"        print(r.read().decode(), end=\"\")\n"				\
	"        break\n"							\
	"    except OSError as e:\n"						\
	"        err = e\n"							\
	"        time.sleep(0.1)\n"						\
	"else:\n"								\
	"    print(\"client:\", err)\n"						\
	"' || true; cat /tmp/server.log >&2"

START_TEST(http_ipv4)
{
	struct sh_run r;

	run_sh(owners[_i], "default", NULL,
	    HTTP_SCRIPT("127.0.0.1", "http://127.0.0.1:8000/index.txt"), &r);
	expect_output(owners[_i], &r, "hello from loopback\n");
}
END_TEST

/* The same over ::1, where the sandbox's loopback has it (it has unless
 * the host disabled IPv6, or IPv6 for new namespaces). */
START_TEST(http_ipv6)
{
	struct sh_run r;

	run_sh(owners[_i], "default", NULL,
	    "if ! grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6; then "
	    "echo no ::1; exit 0; fi; "
	    HTTP_SCRIPT("::1", "http://[::1]:8000/index.txt"), &r);
	if (r.code == 0 && strcmp(r.out, "no ::1\n") == 0) {
		fprintf(stderr, "# the sandbox has no ::1, http_ipv6 tests nothing\n");
		sh_run_done(&r);
		return;
	}
	expect_output(owners[_i], &r, "hello from loopback\n");
}
END_TEST

/* node's listen() and a client, as the issue found them refused. */
START_TEST(node_listen)
{
	struct sh_run r;

	if (access("/usr/bin/node", X_OK) < 0) {
		fprintf(stderr, "# no /usr/bin/node, node_listen tests nothing\n");
		return;
	}
	run_sh(owners[_i], "default", NULL,
	    "exec node -e '\n"
	    "const http = require(\"http\");\n"
	    "const s = http.createServer((q, a) => a.end(\"node ok\\n\"));\n"
	    "s.on(\"error\", e => { console.log(\"server:\", e.message); process.exit(1); });\n"
	    "s.listen(0, \"127.0.0.1\", () => {\n"
	    "  http.get({ host: \"127.0.0.1\", port: s.address().port }, res => {\n"
	    "    res.on(\"data\", d => process.stdout.write(d));\n"
	    "    res.on(\"end\", () => s.close());\n"
	    "  }).on(\"error\", e => { console.log(\"client:\", e.message); process.exit(1); });\n"
	    "});'", &r);
	expect_output(owners[_i], &r, "node ok\n");
}
END_TEST

/*
 * The loopback is the sandbox's own: a listener the test opens on the
 * host's 127.0.0.1 is not there (connection refused, by the sandbox's
 * empty namespace, not hidden by a rule), and a server the sandbox starts
 * on the same port is the one its client reaches. The host's listener
 * never sees a connection.
 */
START_TEST(host_loopback)
{
	struct sockaddr_in sa;
	struct sh_run r;
	char *script;
	int l;

	l = testlib_tcp_listen(16, &sa);
	script = testlib_asprintf("exec python3 -c '\n"
	    "import errno, socket, threading\n"
	    "try:\n"
	    "    socket.create_connection((\"127.0.0.1\", %u), timeout=10)\n"
	    "    print(\"connected to the host\")\n"
	    "except OSError as e:\n"
	    "    print(errno.errorcode.get(e.errno, e))\n"
	    "s = socket.socket()\n"
	    "s.bind((\"127.0.0.1\", %u))\n"
	    "s.listen()\n"
	    "c = socket.create_connection((\"127.0.0.1\", %u), timeout=10)\n"
	    "a, _ = s.accept()\n"
	    "a.sendall(b\"own\\n\")\n"
	    "print(c.recv(16).decode(), end=\"\")\n"
	    "'", ntohs(sa.sin_port), ntohs(sa.sin_port), ntohs(sa.sin_port));
	run_sh(owners[_i], "default", NULL, script, &r);
	expect_output(owners[_i], &r, "ECONNREFUSED\nown\n");
	/* Nothing reached the host's listener. */
	ck_assert_int_eq(fcntl(l, F_SETFL, O_NONBLOCK), 0);
	ck_assert_msg(accept(l, NULL, NULL) < 0 && errno == EAGAIN,
	    "the host's listener got a connection");
	free(script);
	close(l);
}
END_TEST

#define POOL_SCRIPT							\
	"python3 -c '\n"							\
	"import multiprocessing\n"						\
	"def square(x):\n"							\
	"    return x * x\n"							\
	"with multiprocessing.Pool(4) as p:\n"					\
	"    print(sum(p.map(square, range(1000))))\n"				\
	"'"

/* python3's multiprocessing.Pool needs sem_open(), so a writable
 * /dev/shm: the sandbox's own tmpfs, 1777, nosuid, nodev, noexec, 64M. */
START_TEST(shm_pool)
{
	struct sh_run r;

	run_sh(owners[_i], "default", NULL, POOL_SCRIPT "; stat -c %a /dev/shm; "
	    "awk '$2 == \"/dev/shm\" { n = split($4, o, \",\"); for (i = 1; i <= n; i++) "
	    "if (o[i] ~ /^(rw|nosuid|nodev|noexec|size=.*)$/) printf \"%s \", o[i]; print $3 }' "
	    "/proc/self/mounts", &r);
	expect_output(owners[_i], &r,
	    "332833500\n1777\nrw nosuid nodev noexec size=65536k tmpfs\n");
}
END_TEST

/* It is the sandbox's alone: the host's /dev/shm is not there, and what
 * the sandbox writes does not reach the host. */
START_TEST(shm_private)
{
	const char *marker = "/dev/shm/sandboxd-itest-loopback";
	struct sh_run r;
	int fd;

	fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	run_sh(owners[_i], "default", NULL, "ls -A /dev/shm; echo x > /dev/shm/from-sandbox; "
	    "ls -A /dev/shm", &r);
	(void) unlink(marker);
	expect_output(owners[_i], &r, "from-sandbox\n");
	ck_assert_msg(access("/dev/shm/from-sandbox", F_OK) < 0, "the sandbox wrote the host's "
	    "/dev/shm");
}
END_TEST

/* ShmSize= bounds it: writing past 64M fails with ENOSPC, and the
 * sandbox carries on. */
START_TEST(shm_full)
{
	struct sh_run r;

	run_sh(owners[_i], "default", NULL,
	    "dd if=/dev/zero of=/dev/shm/fill bs=1M count=100 2>&1 | grep -o 'No space left on "
	    "device'; stat -c %s /dev/shm/fill", &r);
	expect_output(owners[_i], &r, "No space left on device\n67108864\n");
}
END_TEST

/* Its pages are the sandbox's memory: filling 60M of it under a 32M
 * Memory= ends the sandbox at its memory limit (the daemon and the next
 * sandbox are unharmed). */
START_TEST(shm_memory)
{
	struct sh_run r;

	run_sh(owners[_i], "default", "32M",
	    "exec dd if=/dev/zero of=/dev/shm/fill bs=1M count=60", &r);
	ck_assert_msg(r.code == 137 && strstr(r.err, "hit its memory limit") != NULL,
	    "owner %u: exit %d, stderr: %s", (unsigned) owners[_i], r.code, r.err);
	sh_run_done(&r);

	/* Control: the same with room enough. */
	run_sh(owners[_i], "default", "128M",
	    "exec dd if=/dev/zero of=/dev/shm/fill bs=1M count=60 status=none", &r);
	expect_output(owners[_i], &r, "");
}
END_TEST

/* Shm=no: no writable /dev/shm, so no multiprocessing.Pool either. */
START_TEST(shm_off)
{
	struct sh_run r;

	run_sh(owners[_i], "noshm", NULL, "touch /dev/shm/x 2>&1; " POOL_SCRIPT " 2>&1 | tail -n 1",
	    &r);
	ck_assert_msg(strstr(r.out, "touch: cannot touch '/dev/shm/x': Read-only file system\n") ==
	    r.out && strstr(r.out, "OSError: [Errno 30] Read-only file system\n") != NULL,
	    "owner %u: exit %d, got '%s'; stderr: %s", (unsigned) owners[_i], r.code, r.out, r.err);
	sh_run_done(&r);
}
END_TEST

#define SORT_LINES (3u << 20)	/* of 100 bytes: 300 MiB */

/* DIR/spill/in.txt: SORT_LINES lines in no order. */
static char *
write_sort_input(void)
{
	char *path = testlib_asprintf("%s/spill/in.txt", testdaemon_fixture->dir);
	uint64_t x = UINT64_C(88172645463325252);
	char line[101];
	FILE *f;

	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	memset(line, 'x', sizeof(line));
	line[99] = '\n';
	for (unsigned i = 0; i < SORT_LINES; i++) {
		char key[24];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		(void) snprintf(key, sizeof(key), "%020llu", (unsigned long long) x);
		memcpy(line, key, 20);
		ck_assert_int_eq(fwrite(line, 1, 100, f), 100);
	}
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/*
 * GNU sort of 300 MB from stdin under Memory=256M. It sizes its buffer
 * from RLIMIT_RSS and the machine's memory: the host's 24G got it killed
 * at the memory limit; now RLIMIT_RSS says 192M and it spills the rest
 * to disk (the "spill" policy binds DIR/spill there, since /tmp is
 * memory too). /proc/meminfo tells the limit, and cannot be changed.
 */
START_TEST(sort_memory)
{
	char *in = write_sort_input();
	struct sh_run r;

	run_sh(owners[_i], "spill", "256M", "awk '/^MemTotal:|^MemAvailable:|^SwapTotal:/ "
	    "{ print $1, $2 }' /proc/meminfo; ulimit -m; "
	    "(echo 1 > /proc/meminfo) 2>/dev/null || echo ro; "
	    "LC_ALL=C sort -T /spill < /spill/in.txt | LC_ALL=C awk 'NR > 1 && $0 < prev "
	    "{ print \"unsorted at \" NR; exit 1 } { prev = $0 } END { print NR }'", &r);
	expect_output(owners[_i], &r, "MemTotal: 262144\nMemAvailable: 262144\nSwapTotal: 0\n"
	    "196608\nro\n3145728\n");
	(void) unlink(in);
	free(in);
}
END_TEST

/* The shipped default policy, "noshm": the same with Shm=no, and
 * "spill": default with a writable DIR/spill (on disk, 1777) at /spill. */
static void
daemon_up(void)
{
	char *text = testlib_default_policy_with(""), *shm = strstr(text, "\nShm=yes\n");
	char *spill, *bind;

	testdaemon_fixture = testdaemon_new();
	ck_assert_ptr_nonnull(shm);
	memcpy(shm, "\nShm=no \n", 9);
	testdaemon_write_policy(testdaemon_fixture, "noshm", text);
	free(text);
	spill = testlib_asprintf("%s/spill", testdaemon_fixture->dir);
	ck_assert_int_eq(mkdir(spill, 01777), 0);
	ck_assert_int_eq(chmod(spill, 01777), 0);
	bind = testlib_asprintf("Bind=%s:/spill", spill);
	text = testlib_default_policy_with(bind);
	testdaemon_write_policy(testdaemon_fixture, "spill", text);
	free(text);
	free(bind);
	free(spill);
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, NULL), 0);
}

TESTDAEMON_MAIN("loopback",
	{ "loopback", .up = daemon_up, .down = testdaemon_fixture_down, .timeout = 240,
	    .loops = TESTLIB_LOOPS({ http_ipv4, ELEMENTSOF(owners) },
		{ http_ipv6, ELEMENTSOF(owners) }, { node_listen, ELEMENTSOF(owners) },
		{ host_loopback, ELEMENTSOF(owners) }) },
	{ "shm", .up = daemon_up, .down = testdaemon_fixture_down, .timeout = 240,
	    .loops = TESTLIB_LOOPS({ shm_pool, ELEMENTSOF(owners) },
		{ shm_private, ELEMENTSOF(owners) }, { shm_full, ELEMENTSOF(owners) },
		{ shm_memory, ELEMENTSOF(owners) }, { shm_off, ELEMENTSOF(owners) }) },
	{ "limits", .up = daemon_up, .down = testdaemon_fixture_down, .timeout = 240,
	    .loops = TESTLIB_LOOPS({ sort_memory, ELEMENTSOF(owners) }) });
