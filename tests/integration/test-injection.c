/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Log and terminal injection: strings an unprivileged user (uid 65534)
 * chooses — a sandbox's argv, a policy name, a path asked of the broker —
 * with newlines, "<0>" and terminal control sequences in them. The daemon's
 * log must stay one record per line with no raw control byte, and what
 * sandboxctl shows root (list, status, policies, policy show, errors, and
 * the JSON of list and status) must hold no byte a terminal acts on, be
 * valid UTF-8, and the JSON must parse.
 *
 * The daemon has a policy "inject": the shipped default plus the helpers
 * at /opt/helpers and @broker, with an ESC sequence in its description
 * and in a comment (an administrator's text, shown escaped too).
 */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "testdaemon.h"
#include "testlib.h"

#define UID_A		65534
#define HELPER		"/opt/helpers/broker-target"

#define FORGED		"x\n<0>forged record"
#define FORGED_ESC	"x\\n<0>forged record"
#define TITLE		"\x1b]0;pwned\x07\x1b[2J"
#define TITLE_ESC	"\\x1b]0;pwned\\x07\\x1b[2J"
/* A C1 CSI (valid UTF-8, obeyed by some terminals) and a byte that is not UTF-8. */
#define C1		"\xc2\x9b" "31m\xff"
#define C1_ESC		"\\xc2\\x9b" "31m\\xff"
#define POLICY		"no\n<0>forged policy" TITLE
#define POLICY_ESC	"no\\n<0>forged policy" TITLE_ESC
#define BROKER_PATH	"/etc/x\n<0>forged broker path" TITLE
#define BROKER_ESC	"/etc/x\\n<0>forged broker path" TITLE_ESC

static void
fixture_up(void)
{
	struct testdaemon *d = testdaemon_new();
	char *bind, *text, *at, *policy;

	ck_assert_int_ge(asprintf(&bind, "BindReadOnly=%s:/opt/helpers", testlib_helpers_dir()), 0);
	text = testlib_default_policy_with(bind);
	at = strstr(text, "\nDescription=");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_ge(asprintf(&policy, "%.*s\n# comment " TITLE "\nDescription=evil " TITLE
	    " description%s\nAllow=@broker\n", (int)(at - text), text, strchr(at + 1, '\n')), 0);
	testdaemon_write_policy(d, "inject", policy);
	free(policy);
	free(text);
	free(bind);
	ck_assert_int_eq(testdaemon_start(d, NULL), 0);
	testdaemon_fixture = d;
}

/* sandboxctl as uid A: run --detach -- sh -c 'sleep 60' ARGS; the id. */
static unsigned long long
detach_hostile(void)
{
	char *out, *err, *end;
	unsigned long long id;
	int st = testlib_sandboxctl_as(UID_A, UID_A, &out, &err, "run", "--detach", "--",
	    "sh", "-c", "sleep 60", FORGED, TITLE, C1, NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "run --detach: exit %d: %s",
	    testlib_exit_code(st), err);
	id = strtoull(out, &end, 10);
	ck_assert_msg(id > 0 && *end == '\n', "run --detach printed '%s'", out);
	free(out);
	free(err);
	return id;
}

START_TEST(log_records)
{
	struct testdaemon *d = testdaemon_fixture;
	char *out, *err, *log, *line, *save = NULL;
	int st;

	(void)detach_hostile();
	/* A policy that does not exist, named by uid A. */
	st = testlib_sandboxctl_as(UID_A, UID_A, &out, &err, "run", "-p", POLICY, "--", "true",
	    NULL);
	ck_assert_int_ne(testlib_exit_code(st), 0);
	/* sandboxctl's own message quotes the daemon's, which quotes the name. */
	ck_assert_msg(strstr(err, POLICY_ESC), "run -p: stderr:\n%s", err);
	testlib_assert_printable("run -p: stderr", err, false);
	free(out);
	free(err);

	/* A path asked of the broker from inside a sandbox of uid A. */
	st = testlib_sandboxctl_as(UID_A, UID_A, &out, &err, "run", "-p", "inject", "--", HELPER,
	    "open", BROKER_PATH, "r", NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "broker: exit %d: %s", testlib_exit_code(st),
	    err);
	ck_assert_msg(strncmp(out, "ERR E", 5) == 0, "broker: %s", out);
	free(out);
	free(err);

	ck_assert_msg(testdaemon_wait_log(d, FORGED_ESC, 1, 10000), "no escaped argv in the log:\n%s",
	    testdaemon_read_log(d));
	ck_assert_msg(testdaemon_wait_log(d, POLICY_ESC, 1, 10000),
	    "no escaped policy name in the log:\n%s", testdaemon_read_log(d));
	ck_assert_msg(testdaemon_wait_log(d, BROKER_ESC, 1, 10000),
	    "no escaped broker path in the log:\n%s", testdaemon_read_log(d));

	log = testdaemon_read_log(d);
	ck_assert_msg(strstr(log, TITLE_ESC " " C1_ESC), "argv not escaped as documented:\n%s",
	    log);
	testlib_assert_printable("log", log, false);
	/* One record per line, each with our priority prefix. */
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(strncmp(line, "<0>forged", 9) != 0, "forged record: %s", line);
		ck_assert_msg(line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>',
		    "a line that is not a record: %s", line);
	}
	free(log);
}
END_TEST

/* sandboxctl as root with args; its stdout (malloc'd), exit code 0 asserted. */
static char *
ctl(const char *what, ...)
{
	const char *args[8] = {};
	char *out, *err;
	va_list ap;
	size_t n = 0;
	int st;

	va_start(ap, what);
	while ((args[n] = va_arg(ap, const char *)) != NULL)
		ck_assert(++n < sizeof(args) / sizeof(args[0]));
	va_end(ap);
	st = testlib_sandboxctl(NULL, &out, &err, args[0], args[1], args[2], args[3], args[4],
	    args[5], args[6], NULL);
	ck_assert_msg(testlib_exit_code(st) == 0, "%s: exit %d: %s", what, testlib_exit_code(st),
	    err);
	testlib_assert_printable(what, err, false);
	free(err);
	return out;
}

/* Spawns the broker helper as root: it asks for BROKER_PATH (denied), then
 * waits for EOF on *ret_stdin. Returns the id once it is waiting. */
static uint64_t
spawn_denied(sandbox_client *c, int *ret_stdin)
{
	const char *argv[] = { HELPER, "open", BROKER_PATH, "r", "wait", NULL };
	sandbox_spawn_options *o = NULL;
	int in[2], out[2];
	char buf[4096];
	size_t len = 0;
	uint64_t id;

	ck_assert_int_eq(sandbox_spawn_options_new(&o), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_policy(o, "inject"), 0);
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(sandbox_spawn_options_set_stdio(o, in[0], out[1], -1), 0);
	ck_assert_int_eq(sandbox_spawn(c, o, (char *const *)argv, &id), 0);
	sandbox_spawn_options_free(o);
	close(in[0]);
	close(out[1]);
	while (!memmem(buf, len, "ready\n", 6)) {
		struct pollfd p = { out[0], POLLIN, 0 };
		ssize_t n;

		ck_assert_msg(poll(&p, 1, 20000) == 1, "helper: no 'ready' in '%.*s'", (int)len, buf);
		n = read(out[0], buf + len, sizeof(buf) - len);
		ck_assert_msg(n > 0, "helper: EOF after '%.*s'", (int)len, buf);
		len += (size_t)n;
	}
	ck_assert_msg(strncmp(buf, "ERR E", 5) == 0, "helper: %.*s", (int)len, buf);
	close(out[0]);
	*ret_stdin = in[1];
	return id;
}

/* The first line of out starting with prefix, malloc'd; NULL if none. */
static char *
line_starting(const char *out, const char *prefix)
{
	for (const char *l = out; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] ? 1 : 0))
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			return strndup(l, strcspn(l, "\n"));
	return NULL;
}

#define CMD_ESC "sh -c sleep 60 " FORGED_ESC " " TITLE_ESC " " C1_ESC

/* What json.load() makes of an escaped command: the original text, with
 * U+FFFD for the byte that is not UTF-8. */
#define JSON_CHECK(expr) \
	"import json, sys\n" \
	"d = json.loads(sys.stdin.buffer.read().decode('utf-8', 'strict'))\n" \
	"cmd = 'sh -c sleep 60 x\\n<0>forged record \\x1b]0;pwned\\x07\\x1b[2J \\x9b31m\\ufffd'\n" \
	"assert " expr ", d\n"

START_TEST(terminal_output)
{
	unsigned long long id = detach_hostile();
	sandbox_client *c = testlib_connect();
	char ids[32], ids2[32], *out, *err = NULL, *hdr, *row;
	sandbox_exit ex;
	uint64_t id2;
	int in;

	id2 = spawn_denied(c, &in);
	snprintf(ids, sizeof(ids), "%llu ", id);
	snprintf(ids2, sizeof(ids2), "%llu", (unsigned long long)id2);

	/* list: escaped, and the columns still line up. */
	out = ctl("list", "list", NULL);
	testlib_assert_printable("list", out, false);
	ck_assert_msg(strstr(out, CMD_ESC "\n"), "list:\n%s", out);
	hdr = line_starting(out, "ID ");
	row = line_starting(out, ids);
	ck_assert_ptr_nonnull(hdr);
	ck_assert_msg(row, "list: no row for %s", ids);
	ck_assert_msg(strncmp(row + (strstr(hdr, "POLICY") - hdr), "default ", 8) == 0,
	    "list: POLICY column off:\n%s\n%s", hdr, row);
	ck_assert_msg(strncmp(row + (strstr(hdr, "COMMAND") - hdr), CMD_ESC, strlen(CMD_ESC)) == 0,
	    "list: COMMAND column off:\n%s\n%s", hdr, row);
	free(hdr);
	free(row);
	free(out);

	ids[strlen(ids) - 1] = '\0';
	out = ctl("status", "status", ids, NULL);
	testlib_assert_printable("status", out, false);
	ck_assert_msg(strstr(out, "\nCommand: " CMD_ESC "\n"), "status:\n%s", out);
	free(out);

	out = ctl("status of the broker target", "status", ids2, NULL);
	testlib_assert_printable("status of the broker target", out, false);
	ck_assert_msg(strstr(out, "\nLast denial: open '" BROKER_ESC "': "), "status:\n%s", out);
	free(out);

	out = ctl("list --json", "list", "--json", NULL);
	testlib_assert_printable("list --json", out, false);
	ck_assert_msg(testlib_python(JSON_CHECK("any(s['command'] == cmd for s in d)"), out, NULL,
	    &err) == 0, "list --json: %s\n%s", err, out);
	free(err);
	free(out);

	out = ctl("status --json", "status", "--json", ids2, NULL);
	testlib_assert_printable("status --json", out, false);
	ck_assert_msg(testlib_python(JSON_CHECK("d['last_denial'].startswith(\"open '/etc/x\\n<0>"
	    "forged broker path\\x1b]0;pwned\\x07\\x1b[2J'\")"), out, NULL, &err) == 0,
	    "status --json: %s\n%s", err, out);
	free(err);
	free(out);

	/* An administrator's text is escaped too; policy show keeps its lines. */
	out = ctl("policies", "policies", NULL);
	testlib_assert_printable("policies", out, false);
	ck_assert_msg(strstr(out, "evil " TITLE_ESC " description\n"), "policies:\n%s", out);
	free(out);
	out = ctl("policies --json", "policies", "--json", NULL);
	testlib_assert_printable("policies --json", out, false);
	free(out);
	out = ctl("policy show", "policy", "show", "inject", NULL);
	testlib_assert_printable("policy show", out, false);
	ck_assert_msg(strstr(out, "\n# comment " TITLE_ESC "\n") && strstr(out, "\n[Filesystem]\n"),
	    "policy show:\n%s", out);
	free(out);

	/* Even what the caller typed is quoted escaped in a usage error. */
	ck_assert_int_eq(testlib_exit_code(testlib_sandboxctl(NULL, &out, &err, "status", "1" TITLE,
	    NULL)), 2);
	ck_assert_msg(strstr(err, "invalid sandbox id '1" TITLE_ESC "'\n"), "usage error: %s", err);
	testlib_assert_printable("usage error", err, false);
	free(out);
	free(err);

	close(in);
	ck_assert_int_eq(sandbox_wait(c, id2, 20000, &ex), 0);
	sandbox_client_free(c);
}
END_TEST

TESTDAEMON_MAIN("injection",
	{ "injection", .up = fixture_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .tests = TESTLIB_TESTS(log_records, terminal_output) });
