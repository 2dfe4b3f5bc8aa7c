/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside sandboxes of test-learn: plain system calls that a policy
 * refuses or allows, each result printed, so that a test sees what the
 * program saw (the errno a refusal gave) next to what sandboxd says of
 * it (status, log, the learned policy). Linked statically: it needs
 * nothing from the sandbox's view but itself. One command after another
 * from argv, one line each:
 *
 *   mkdir PATH N      mkdir(2) PATH N times: "mkdir OK" or "mkdir ERR ENAME",
 *                     then " xN" when all N gave the same, else every result
 *   stat PATH         stat(2): "stat OK" or "stat ERR ENAME"
 *   keyctl            keyctl(KEYCTL_GET_KEYRING_ID, session keyring), by number
 *   unshare           unshare(CLONE_NEWUSER)
 *   ptrace            ptrace(PTRACE_TRACEME)
 *                     each: "NAME OK" or "NAME ERR ENAME"
 *   ready             prints "ready"
 *   wait              reads stdin until end of file
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* keyctl(2)'s constants, without libkeyutils' header. */
#define KEYCTL_GET_KEYRING_ID		0
#define KEY_SPEC_SESSION_KEYRING	-3

static const char *
res(int r, int e)
{
	static char buf[48];
	const char *n;

	if (r >= 0)
		return "OK";
	n = strerrorname_np(e);
	snprintf(buf, sizeof(buf), "ERR %s", n ? n : "?");
	return buf;
}

static void
do_mkdir(const char *path, int n)
{
	char first[48] = "", line[1024] = "";
	bool same = true;
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		int r = mkdir(path, 0755);
		const char *s = res(r, errno);

		if (i == 0)
			snprintf(first, sizeof(first), "%s", s);
		else if (strcmp(first, s) != 0)
			same = false;
		if (len < sizeof(line))
			len += (size_t) snprintf(line + len, sizeof(line) - len, " %s", s);
	}
	if (same)
		printf("mkdir %s x%d\n", first, n);
	else
		printf("mkdir%s\n", line);
}

static void
do_wait(void)
{
	char buf[256];

	while (read(0, buf, sizeof(buf)) > 0)
		;
}

/* Whether argv[i] has its n arguments; exits if not. */
static bool
need(int argc, char **argv, int i, int n)
{
	if (i + n < argc)
		return true;
	fprintf(stderr, "learn-target: %s needs %d argument(s)\n", argv[i], n);
	exit(2);
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		long r;

		if (strcmp(c, "mkdir") == 0 && need(argc, argv, i, 2)) {
			do_mkdir(argv[i + 1], atoi(argv[i + 2]));
			i += 2;
		} else if (strcmp(c, "stat") == 0 && need(argc, argv, i, 1)) {
			struct stat st;

			r = stat(argv[++i], &st);
			printf("stat %s\n", res((int) r, errno));
		} else if (strcmp(c, "keyctl") == 0) {
			r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
			printf("keyctl %s\n", res(r < 0 ? -1 : 0, errno));
		} else if (strcmp(c, "unshare") == 0) {
			r = unshare(CLONE_NEWUSER);
			printf("unshare %s\n", res((int) r, errno));
		} else if (strcmp(c, "ptrace") == 0) {
			r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			printf("ptrace %s\n", res(r < 0 ? -1 : 0, errno));
		} else if (strcmp(c, "ready") == 0)
			printf("ready\n");
		else if (strcmp(c, "wait") == 0)
			do_wait();
		else {
			fprintf(stderr, "learn-target: unknown command '%s'\n", c);
			return 2;
		}
	}
	return 0;
}
