/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run by test-args under the "tight" test policy (Sandbox2's tightest
 * example: read on fd 0, write on fds 1 and 2, exit): no C library, no
 * start-up code, nothing but raw system calls, so that the policy needs
 * no more than what it names. It copies its standard input to standard
 * output, then tries what the policy refuses and prints each result as
 * "NAME=RET" (RET a negative errno or a return value), one a line, on
 * standard error. "kill" as its first argument makes it call getpid()
 * alone, for a policy whose Action= kills.
 */
#ifndef __x86_64__
#error "tight-echo speaks the x86-64 system call ABI only"
#endif

#include <asm/unistd.h>

static long
sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile ("syscall" : "=a" (r) : "a" (nr), "D" (a), "S" (b), "d" (c)
	    : "rcx", "r11", "memory");
	return r;
}

static void
say(const char *name, long ret)
{
	char buf[64], digits[24];
	unsigned long n = 0, d = 0, v = ret < 0 ? (unsigned long) -ret : (unsigned long) ret;

	for (const char *s = name; *s && n < 32; s++)
		buf[n++] = *s;
	buf[n++] = '=';
	if (ret < 0)
		buf[n++] = '-';
	do {
		digits[d++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	while (d)
		buf[n++] = digits[--d];
	buf[n++] = '\n';
	(void) sys3(__NR_write, 2, (long) buf, (long) n);
}

__attribute__((used)) static void
start_c(long *sp)
{
	char buf[256], **argv = (char **) (sp + 1);
	long n;

	if (*sp > 1 && argv[1][0] == 'k') {
		(void) sys3(__NR_getpid, 0, 0, 0);
		(void) sys3(__NR_exit_group, 3, 0, 0);
	}
	while ((n = sys3(__NR_read, 0, (long) buf, sizeof(buf))) > 0)
		(void) sys3(__NR_write, 1, (long) buf, n);
	say("read0", n);
	/* Other descriptors: 3 is open (the dynamic loader would have it,
	 * were there one); the same numbers with bits above 32, which the
	 * kernel drops, must not pass either. */
	say("write3", sys3(__NR_write, 3, (long) buf, 1));
	say("write1high", sys3(__NR_write, (1L << 32) | 1, (long) buf, 0));
	say("read4", sys3(__NR_read, 4, (long) buf, 1));
	say("read0high", sys3(__NR_read, (1L << 32), (long) buf, 0));
	say("getpid", sys3(__NR_getpid, 0, 0, 0));
	say("openat", sys3(__NR_openat, -100, (long) "/", 0));
	say("write2", sys3(__NR_write, 2, (long) "", 0));
	(void) sys3(__NR_exit_group, 0, 0, 0);
	for (;;)
		;
}

/* The kernel's entry: the stack holds argc, argv, envp; align it for C. */
__asm__(".text\n.globl _start\n_start:\n\txor %ebp, %ebp\n\tmov %rsp, %rdi\n"
    "\tand $-16, %rsp\n\tcall start_c\n\thlt\n");
