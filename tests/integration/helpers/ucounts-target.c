/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs inside a sandbox and uses up one per-user kernel limit of its uid.
 * "ucounts-target WHAT" takes WHAT until the kernel refuses, prints
 * "WHAT COUNT ERRNO-NAME uid UID" on stdout and holds what it took until
 * its stdin ends, then exits 0 (2 on bad usage). WHAT is
 *   inotify   inotify instances (fs.inotify.max_user_instances);
 *   mqueue    POSIX message queues of 10 messages of 8 KiB (RLIMIT_MSGQUEUE);
 *   sigqueue  queued real-time signals to itself (RLIMIT_SIGPENDING).
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Up to this many of anything: beyond it the limit is not one we test. */
#define TAKE_MAX 1000000L

static long
take_inotify(void)
{
	long n = 0;

	while (n < TAKE_MAX && inotify_init1(IN_CLOEXEC) >= 0)
		n++;
	return n;
}

static long
take_mqueue(void)
{
	struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = 8192 };
	char name[64];
	long n = 0;

	for (; n < TAKE_MAX; n++) {
		(void) snprintf(name, sizeof(name), "/ucounts-%ld", n);
		if (mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr) < 0)
			break;
	}
	return n;
}

static long
take_sigqueue(void)
{
	union sigval v = { .sival_int = 0 };
	sigset_t set;
	long n = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	while (n < TAKE_MAX && sigqueue(getpid(), SIGRTMIN, v) == 0)
		n++;
	return n;
}

int
main(int argc, char **argv)
{
	const char *what = argc == 2 ? argv[1] : "";
	char buf[64];
	long n;

	if (!strcmp(what, "inotify"))
		n = take_inotify();
	else if (!strcmp(what, "mqueue"))
		n = take_mqueue();
	else if (!strcmp(what, "sigqueue"))
		n = take_sigqueue();
	else {
		fprintf(stderr, "usage: ucounts-target inotify|mqueue|sigqueue\n");
		return 2;
	}
	printf("%s %ld %s uid %u\n", what, n, n < TAKE_MAX ? strerrorname_np(errno) : "-",
	    (unsigned)getuid());
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	return 0;
}
