/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What ordinary programs need of a sandbox beyond files (issue 14): its
 * own loopback, where a server and its client in the same sandbox talk
 * over TCP while the host's loopback stays out of reach. Every case runs
 * under the shipped "default" policy, once with root
 * (_i == 0) and once with nobody (_i == 1) as the sandbox's owner, through
 * sandboxctl as that user.
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
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

#define NOBODY 65534

static const uid_t owners[] = { 0, NOBODY };

struct sh_run {
	int	code;		/* sandboxctl's exit code */
	char	*out, *err;
};

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

static void
sh_run_done(struct sh_run *r)
{
	free(r->out);
	free(r->err);
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
	ck_assert_msg(r.code == 0, "owner %u: exit %d, stderr: %s", (unsigned) owners[_i], r.code,
	    r.err);
	ck_assert_msg(strcmp(r.out, "hello from loopback\n") == 0,
	    "owner %u: the client got '%s'; stderr: %s", (unsigned) owners[_i], r.out, r.err);
	sh_run_done(&r);
}
END_TEST

/* The same over ::1, where the sandbox's loopback has it (it has unless
 * the host disabled IPv6 for new namespaces). */
START_TEST(http_ipv6)
{
	struct sh_run r;

	run_sh(owners[_i], "default", NULL,
	    "if ! grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6; then "
	    "echo no ::1; exit 0; fi; "
	    HTTP_SCRIPT("::1", "http://[::1]:8000/index.txt"), &r);
	ck_assert_msg(r.code == 0, "owner %u: exit %d, stderr: %s", (unsigned) owners[_i], r.code,
	    r.err);
	if (strcmp(r.out, "no ::1\n") == 0 && access("/proc/net/if_inet6", F_OK) < 0) {
		/* The host has no IPv6 at all: nothing to test. */
		sh_run_done(&r);
		return;
	}
	ck_assert_msg(strcmp(r.out, "hello from loopback\n") == 0,
	    "owner %u: the client got '%s'; stderr: %s", (unsigned) owners[_i], r.out, r.err);
	sh_run_done(&r);
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
	ck_assert_msg(r.code == 0 && strcmp(r.out, "node ok\n") == 0,
	    "owner %u: exit %d, stdout '%s', stderr: %s", (unsigned) owners[_i], r.code, r.out,
	    r.err);
	sh_run_done(&r);
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
	ck_assert_msg(r.code == 0, "owner %u: exit %d, stderr: %s", (unsigned) owners[_i], r.code,
	    r.err);
	ck_assert_msg(strcmp(r.out, "ECONNREFUSED\nown\n") == 0, "owner %u: got '%s'; stderr: %s",
	    (unsigned) owners[_i], r.out, r.err);
	/* Nothing reached the host's listener. */
	ck_assert_int_eq(fcntl(l, F_SETFL, O_NONBLOCK), 0);
	ck_assert_msg(accept(l, NULL, NULL) < 0 && errno == EAGAIN,
	    "the host's listener got a connection");
	sh_run_done(&r);
	free(script);
	close(l);
}
END_TEST

TESTDAEMON_MAIN("loopback",
	{ "loopback", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 240,
	    .loops = TESTLIB_LOOPS({ http_ipv4, ELEMENTSOF(owners) },
		{ http_ipv6, ELEMENTSOF(owners) }, { node_listen, ELEMENTSOF(owners) },
		{ host_loopback, ELEMENTSOF(owners) }) });
