/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for daemon/policy/bpf.c and the filters policy-seccomp.c
 * composes with it. The kernel is the reference: bpf_run() must say what
 * the kernel does with the same program and the same call, so each case
 * also installs the program in a forked child (no_new_privs) and makes
 * that raw system call there, with arguments that make it harmless when
 * it is let through (bad fds, EFAULT pointers, invalid flags).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf.h"
#include "macro.h"
#include "policy.h"
#include "syscall-groups.h"
#include "testlib.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

/* A pointer no process maps: a call that reads it fails with EFAULT. */
#define BAD		UINT64_C(1)
/* A socket type the kernel refuses (EINVAL) before it looks at the family. */
#define BAD_TYPE	(UINT64_C(1) << 20)
#define HIGH		(UINT64_C(1) << 32)
#define NEG(x)		((uint64_t) (int64_t) (x))

#define V_ALLOW		SECCOMP_RET_ALLOW
#define V_KILL		SECCOMP_RET_KILL_PROCESS
#define V_ERRNO(e)	(SECCOMP_RET_ERRNO | (uint32_t) (e))
#define V_NOTIFY	SECCOMP_RET_USER_NOTIF

/* ---- running a program in the kernel ---------------------------------- */

/* What a call did in a child: killed by sig, or returned (error 0) or
 * failed with error; load_error: the kernel refused the program. */
struct outcome {
	int	load_error;
	int	sig;
	int	error;
};

/* Installs prog (NULL: none) in a child, which then makes system call nr
 * with args; what came of it. The child reports over a pipe, so the
 * program must allow write(2) and exit_group(2). */
static struct outcome
kernel_run(const struct sock_filter *prog, size_t len, long nr, const uint64_t args[6])
{
	_cleanup_close_pair_ int p[2] = { -1, -1 };
	struct outcome o = {};
	int status, report[2];
	ssize_t k;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sock_fprog fp = { .len = (unsigned short) len, .filter = (void *) prog };

		report[0] = 0;
		if (prog) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				_exit(120);
			if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
				report[0] = errno;
		}
		report[1] = 0;
		if (report[0] == 0 &&
		    syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]) == -1)
			report[1] = errno;
		_exit(write(p[1], report, sizeof(report)) == sizeof(report) ? 0 : 121);
	}
	p[1] = safe_close(p[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		o.sig = WTERMSIG(status);
		return o;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	k = read(p[0], report, sizeof(report));
	ck_assert_int_eq(k, sizeof(report));
	o.load_error = report[0];
	o.error = report[1];
	return o;
}

static struct seccomp_data
data_of(long nr, const uint64_t args[6])
{
	struct seccomp_data d = { .nr = (int) nr, .arch = (uint32_t) seccomp_arch_native() };

	memcpy(d.args, args, sizeof(d.args));
	return d;
}

static uint32_t
verdict_of(const struct sock_filter *prog, size_t len, long nr, const uint64_t args[6])
{
	struct seccomp_data d = data_of(nr, args);

	return bpf_run(prog, len, &d);
}

/* Whether the kernel's outcome is what verdict says it must be. */
static bool
outcome_is(const struct outcome *o, uint32_t verdict)
{
	uint32_t data = verdict & SECCOMP_RET_DATA;

	if (o->load_error)
		return false;
	switch (verdict & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG:
		return o->sig == 0 && o->error == 0;
	case SECCOMP_RET_ERRNO:
		return o->sig == 0 && o->error == (int) (data > 4095 ? 4095 : data);
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_USER_NOTIF:
		return o->sig == 0 && o->error == ENOSYS;	/* no tracer, no listener */
	default:
		return o->sig == SIGSYS;			/* kills, traps, unknown actions */
	}
}

/* ---- bpf_run() and the kernel on compiled policies --------------------- */

struct call {
	const char	*id;
	long		nr;
	uint64_t	args[6];
};

static const struct call calls[] = {
	{ "getpid", SYS_getpid, {} },
	{ "write", SYS_write, { NEG(-1), BAD, 1 } },
	{ "execve", SYS_execve, { BAD } },
	{ "openat", SYS_openat, { NEG(AT_FDCWD), BAD, O_RDONLY } },
	{ "mkdir", SYS_mkdir, { BAD, 0700 } },
	{ "chdir", SYS_chdir, { BAD } },
	{ "kill", SYS_kill, { NEG(INT_MIN), SIGKILL } },	/* ESRCH, nothing sent */
	{ "pipe2", SYS_pipe2, { BAD } },
	{ "sysinfo", SYS_sysinfo, { BAD } },
	{ "prctl", SYS_prctl, { NEG(-1) } },
	{ "personality", SYS_personality, { 0xffffffff } },	/* a query */
	{ "socket unix", SYS_socket, { AF_UNIX, BAD_TYPE } },
	{ "socket inet", SYS_socket, { AF_INET, BAD_TYPE } },
	{ "socket inet6", SYS_socket, { AF_INET6, BAD_TYPE } },
	{ "socket netlink route", SYS_socket, { AF_NETLINK, BAD_TYPE, NETLINK_ROUTE } },
	{ "socket netlink uevent", SYS_socket, { AF_NETLINK, BAD_TYPE, NETLINK_KOBJECT_UEVENT } },
	{ "socket netlink audit", SYS_socket, { AF_NETLINK, BAD_TYPE, NETLINK_AUDIT } },
	{ "socket netlink 32", SYS_socket, { AF_NETLINK, BAD_TYPE, 32 } },
	{ "socket netlink high|route", SYS_socket, { AF_NETLINK, BAD_TYPE, HIGH | NETLINK_ROUTE } },
	{ "socket vsock", SYS_socket, { AF_VSOCK, BAD_TYPE } },
	{ "socket packet", SYS_socket, { AF_PACKET, BAD_TYPE } },
	{ "socket AF_MAX", SYS_socket, { AF_MAX, BAD_TYPE } },
	{ "socket 63", SYS_socket, { 63, BAD_TYPE } },
	{ "socket 64", SYS_socket, { 64, BAD_TYPE } },
	{ "socket -1", SYS_socket, { NEG(-1), BAD_TYPE } },
	{ "socket high|unix", SYS_socket, { HIGH | AF_UNIX, BAD_TYPE } },
	{ "socket high|vsock", SYS_socket, { HIGH | AF_VSOCK, BAD_TYPE } },
	{ "socketpair unix", SYS_socketpair, { AF_UNIX, BAD_TYPE, 0, BAD } },
	{ "socketpair vsock", SYS_socketpair, { AF_VSOCK, BAD_TYPE, 0, BAD } },
	{ "ioctl tiocsti", SYS_ioctl, { NEG(-1), TIOCSTI, BAD } },
	{ "ioctl high|tiocsti", SYS_ioctl, { NEG(-1), HIGH | TIOCSTI, BAD } },
	{ "ioctl tioclinux", SYS_ioctl, { NEG(-1), TIOCLINUX, BAD } },
	{ "ioctl high|tioclinux", SYS_ioctl, { NEG(-1), 0xffffffff00000000 | TIOCLINUX, BAD } },
	{ "ioctl tiocsti^1", SYS_ioctl, { NEG(-1), TIOCSTI ^ 1, BAD } },
	{ "ioctl fionread", SYS_ioctl, { NEG(-1), FIONREAD, BAD } },
	/* CLONE_SIGHAND without CLONE_VM: EINVAL, no process is made. */
	{ "clone", SYS_clone, { CLONE_SIGHAND } },
	{ "clone high", SYS_clone, { HIGH | CLONE_SIGHAND } },
	{ "clone newuser", SYS_clone, { CLONE_SIGHAND | CLONE_NEWUSER } },
	{ "clone newns", SYS_clone, { CLONE_SIGHAND | CLONE_NEWNS } },
	{ "clone newtime", SYS_clone, { CLONE_SIGHAND | CLONE_NEWTIME } },
	{ "clone3", SYS_clone3, { 0, 0 } },
	{ "mknod fifo", SYS_mknod, { BAD, S_IFIFO | 0600 } },
	{ "mknod reg", SYS_mknod, { BAD, S_IFREG | 0600 } },
	{ "mknod chr", SYS_mknod, { BAD, S_IFCHR | 0600, 0x0101 } },
	{ "mknodat fifo", SYS_mknodat, { NEG(AT_FDCWD), BAD, S_IFIFO | 0600 } },
	{ "mknodat chr", SYS_mknodat, { NEG(AT_FDCWD), BAD, S_IFCHR | 0600, 0x0101 } },
	{ "bpf", SYS_bpf, { NEG(-1) } },
	{ "unshare", SYS_unshare, { NEG(-1) } },
	{ "ptrace", SYS_ptrace, { NEG(-1), NEG(-1) } },
	{ "mount", SYS_mount, { BAD, BAD, BAD } },
	{ "io_uring_setup", SYS_io_uring_setup, { 0, BAD } },
	{ "nr 1000", 1000, {} },
	{ "nr -1", -1, {} },
	{ "x32 getpid", __X32_SYSCALL_BIT | SYS_getpid, {} },
};

/* Each call once without a filter: what it does when let through. */
static struct outcome bare[ELEMENTSOF(calls)];

static void
bare_up(void)
{
	for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
		bare[i] = kernel_run(NULL, 0, calls[i].nr, calls[i].args);
		/* None of them may do anything: the calls must be harmless. */
		ck_assert_msg(bare[i].sig == 0, "%s: killed by %d", calls[i].id, bare[i].sig);
	}
}

static const struct call *
call_find(const char *id)
{
	for (size_t i = 0; i < ELEMENTSOF(calls); i++)
		if (strcmp(calls[i].id, id) == 0)
			return &calls[i];
	ck_abort_msg("no call '%s'", id);
	return NULL;
}

/* Whether prog returns the errno e anywhere. */
static bool
returns_errno(const struct sock_filter *prog, size_t len, int e)
{
	for (size_t i = 0; i < len; i++)
		if (prog[i].code == (BPF_RET | BPF_K) && prog[i].k == V_ERRNO(e))
			return true;
	return false;
}

/* bpf_run() and the kernel agree on call i under p's filter. The bare
 * outcome must tell the verdicts apart, or the case proves nothing. */
static void
check_agrees(const char *what, const struct policy *p, size_t i)
{
	struct seccomp_data d = data_of(calls[i].nr, calls[i].args);
	uint32_t v = bpf_run(p->bpf, p->bpf_len, &d);
	struct outcome o = kernel_run(p->bpf, p->bpf_len, calls[i].nr, calls[i].args);

	ck_assert_msg(o.load_error == 0, "%s: the kernel refused the filter: %s", what,
	    strerror(o.load_error));
	switch (v & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		ck_assert_msg(!returns_errno(p->bpf, p->bpf_len, bare[i].error),
		    "%s, %s: not a telling case (the call fails with %s anyway)", what,
		    calls[i].id, strerror(bare[i].error));
		ck_assert_msg(o.sig == 0 && o.error == bare[i].error,
		    "%s, %s: bpf_run allows, the kernel: signal %d, %s (let through: %s)", what,
		    calls[i].id, o.sig, strerror(o.error), strerror(bare[i].error));
		break;
	case SECCOMP_RET_ERRNO:
		ck_assert_msg(bare[i].error != (int) (v & SECCOMP_RET_DATA),
		    "%s, %s: not a telling case (%s either way)", what, calls[i].id,
		    strerror(bare[i].error));
		ck_assert_msg(o.sig == 0 && o.error == (int) (v & SECCOMP_RET_DATA),
		    "%s, %s: bpf_run says %s, the kernel: signal %d, %s", what, calls[i].id,
		    strerror((int) (v & SECCOMP_RET_DATA)), o.sig, strerror(o.error));
		break;
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		ck_assert_msg(o.sig == SIGSYS, "%s, %s: bpf_run kills, the kernel: signal %d, %s",
		    what, calls[i].id, o.sig, strerror(o.error));
		break;
	default:
		ck_abort_msg("%s, %s: verdict 0x%08x in a policy's filter", what, calls[i].id, v);
	}
}

/* Any other ABI kills, whatever the call. */
static void
check_bad_arch(const char *what, const struct policy *p)
{
	static const uint32_t arches[] = { AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0, UINT32_MAX };

	for (size_t a = 0; a < ELEMENTSOF(arches); a++)
		for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
			struct seccomp_data d = data_of(calls[i].nr, calls[i].args);

			d.arch = arches[a];
			ck_assert_msg(bpf_run(p->bpf, p->bpf_len, &d) == V_KILL,
			    "%s: %s with arch 0x%x is not killed", what, calls[i].id, arches[a]);
		}
}

static struct policy *
compiled(const char *name, const char *text)
{
	struct policy *p = NULL;
	struct ini_error err = {};
	int r;

	r = policy_parse(name, NULL, text, &p, &err);
	ck_assert_msg(r == 0, "%s: line %u: %s", name, err.line, err.message);
	r = policy_compile(p, &err);
	ck_assert_msg(r == 0, "%s: compile: %s", name, err.message);
	return p;
}

/* Every shipped policy (policies/NAME.policy), compiled: *ret_n of them. */
static struct policy **
shipped_policies(size_t *ret_n)
{
	_cleanup_free_ char *dir = testlib_srcdir_path("policies");
	struct policy **v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *dp = opendir(dir);

	ck_assert_ptr_nonnull(dp);
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		_cleanup_free_ char *name = NULL, *path = NULL;
		struct ini_error err = {};
		int r;

		if (len <= 7 || strcmp(de->d_name + len - 7, ".policy") != 0)
			continue;
		name = strndup(de->d_name, len - 7);
		path = testlib_asprintf("%s/%s", dir, de->d_name);
		v = reallocarray(v, n + 1, sizeof(*v));
		ck_assert_ptr_nonnull(v);
		v[n] = NULL;
		r = policy_load_file(name, path, &v[n], &err);
		ck_assert_msg(r == 0, "%s:%u: %s", path, err.line, err.message);
		r = policy_compile(v[n], &err);
		ck_assert_msg(r == 0, "%s: compile: %s", path, err.message);
		n++;
	}
	closedir(dp);
	ck_assert_uint_ge(n, 5);
	*ret_n = n;
	return v;
}

static void
shipped_free(struct policy **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_unref(v[i]);
	free(v);
}

START_TEST(test_run_shipped)
{
	size_t n;
	struct policy **v = shipped_policies(&n);

	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < ELEMENTSOF(calls); i++)
			check_agrees(v[k]->name, v[k], i);
		check_bad_arch(v[k]->name, v[k]);
	}
	shipped_free(v, n);
}
END_TEST

struct expect {
	const char	*id;
	uint32_t	verdict;
};

#define CALLS_BASE "[SystemCalls]\nAllow=@default @basic-io execve sigaltstack\n"
#define FAMILIES_BASE CALLS_BASE "Allow=socket socketpair\n"

/* sigaltstack: AddressSanitizer's runtime calls it before _exit(). */

/* Hand-written policies: an errno no let-through call here fails with
 * (ENODEV, EACCES), or kill; and what bpf_run must say of some calls. */
static const struct {
	const char		*text;
	const struct expect	*expect;
} written[] = {
	{ CALLS_BASE "Allow=mkdir\nAction=errno:ENODEV\n", (const struct expect[]) {
		{ "getpid", V_ALLOW }, { "mkdir", V_ALLOW }, { "write", V_ALLOW },
		{ "openat", V_ERRNO(ENODEV) }, { "socket unix", V_ERRNO(ENODEV) },
		{ "clone", V_ERRNO(ENODEV) }, { "clone3", V_ERRNO(ENODEV) },
		{ "ioctl tiocsti", V_ERRNO(ENODEV) }, { "ptrace", V_ERRNO(ENODEV) },
		{ "nr 1000", V_ERRNO(ENODEV) }, { "x32 getpid", V_KILL }, {} } },
	{ CALLS_BASE "Action=kill\n", (const struct expect[]) {
		{ "getpid", V_ALLOW }, { "execve", V_ALLOW }, { "openat", V_KILL },
		{ "socket unix", V_KILL }, { "clone3", V_KILL }, { "nr 1000", V_KILL },
		{ "x32 getpid", V_KILL }, {} } },
	{ CALLS_BASE "Allow=openat\nAction=errno:EACCES\n", (const struct expect[]) {
		{ "openat", V_ALLOW }, { "mkdir", V_ERRNO(EACCES) }, { "kill", V_ERRNO(EACCES) },
		{ "bpf", V_ERRNO(EACCES) }, {} } },
	{ FAMILIES_BASE "RestrictAddressFamilies=AF_UNIX\nRestrictNetlink=\nAction=errno:ENODEV\n",
	    (const struct expect[]) {
		{ "socket unix", V_ALLOW }, { "socketpair unix", V_ALLOW },
		{ "socket inet", V_ERRNO(EAFNOSUPPORT) },
		{ "socket netlink route", V_ERRNO(EAFNOSUPPORT) },
		{ "socket vsock", V_ERRNO(EAFNOSUPPORT) }, { "socket AF_MAX", V_ERRNO(EAFNOSUPPORT) },
		{ "socket 63", V_ERRNO(EAFNOSUPPORT) }, { "socket 64", V_ERRNO(EAFNOSUPPORT) },
		{ "socket -1", V_ERRNO(EAFNOSUPPORT) },
		{ "socket high|unix", V_ERRNO(EAFNOSUPPORT) },
		{ "socket high|vsock", V_ERRNO(EAFNOSUPPORT) },
		{ "socketpair vsock", V_ERRNO(EAFNOSUPPORT) }, { "openat", V_ERRNO(ENODEV) }, {} } },
	{ FAMILIES_BASE "RestrictAddressFamilies=AF_UNIX AF_NETLINK\n"
	    "RestrictNetlink=kobject_uevent audit\nAction=errno:ENODEV\n", (const struct expect[]) {
		{ "socket netlink uevent", V_ALLOW }, { "socket netlink audit", V_ALLOW },
		{ "socket netlink route", V_ERRNO(EPROTONOSUPPORT) },
		{ "socket netlink 32", V_ERRNO(EPROTONOSUPPORT) },
		{ "socket netlink high|route", V_ERRNO(EPROTONOSUPPORT) },
		{ "socket inet", V_ERRNO(EAFNOSUPPORT) }, { "socket unix", V_ALLOW }, {} } },
	{ FAMILIES_BASE "RestrictAddressFamilies=AF_UNIX AF_NETLINK\nAction=kill\n",
	    (const struct expect[]) {
		{ "socket netlink route", V_ALLOW },
		{ "socket netlink uevent", V_ERRNO(EPROTONOSUPPORT) },
		{ "socket vsock", V_ERRNO(EAFNOSUPPORT) }, { "socket -1", V_ERRNO(EAFNOSUPPORT) },
		{ "openat", V_KILL }, {} } },
	{ CALLS_BASE "Allow=clone\nAction=errno:ENODEV\n", (const struct expect[]) {
		{ "clone", V_ALLOW }, { "clone high", V_ALLOW },
		{ "clone newuser", V_ERRNO(ENODEV) }, { "clone newns", V_ERRNO(ENODEV) },
		{ "clone newtime", V_ERRNO(ENODEV) }, { "clone3", V_ERRNO(ENOSYS) }, {} } },
	{ CALLS_BASE "Allow=clone\nAction=kill\n", (const struct expect[]) {
		{ "clone", V_ALLOW }, { "clone newuser", V_KILL }, { "clone3", V_ERRNO(ENOSYS) }, {} } },
	{ CALLS_BASE "Allow=ioctl\nAction=errno:ENODEV\n", (const struct expect[]) {
		{ "ioctl fionread", V_ALLOW }, { "ioctl tiocsti^1", V_ALLOW },
		{ "ioctl tiocsti", V_ERRNO(EPERM) }, { "ioctl high|tiocsti", V_ERRNO(EPERM) },
		{ "ioctl tioclinux", V_ERRNO(EPERM) }, { "ioctl high|tioclinux", V_ERRNO(EPERM) }, {} } },
	{ CALLS_BASE "Allow=ioctl\nAction=kill\n", (const struct expect[]) {
		{ "ioctl fionread", V_ALLOW }, { "ioctl high|tiocsti", V_ERRNO(EPERM) },
		{ "ioctl tioclinux", V_ERRNO(EPERM) }, {} } },
	{ CALLS_BASE "Allow=mknod mknodat\nAction=errno:ENODEV\n", (const struct expect[]) {
		{ "mknod fifo", V_ALLOW }, { "mknod reg", V_ERRNO(ENODEV) },
		{ "mknod chr", V_ERRNO(ENODEV) }, { "mknodat fifo", V_ALLOW },
		{ "mknodat chr", V_ERRNO(ENODEV) }, {} } },
};

START_TEST(test_run_written)
{
	_cleanup_free_ char *what = testlib_asprintf("policy %d", _i);
	_cleanup_(policy_unrefp) struct policy *p = compiled("written", written[_i].text);

	for (const struct expect *e = written[_i].expect; e->id; e++) {
		const struct call *c = call_find(e->id);
		struct seccomp_data d = data_of(c->nr, c->args);
		uint32_t v = bpf_run(p->bpf, p->bpf_len, &d);

		ck_assert_msg(v == e->verdict, "%s, %s: verdict 0x%08x, expected 0x%08x", what, e->id,
		    v, e->verdict);
	}
	for (size_t i = 0; i < ELEMENTSOF(calls); i++)
		check_agrees(what, p, i);
	check_bad_arch(what, p);
}
END_TEST

/* ---- bpf_run() on hand-built programs ---------------------------------- */

#define ST(c, k)		BPF_STMT((c), (k))
#define JMP(c, k, t, f)		BPF_JUMP((c), (k), (t), (f))
#define ARG_LO(n)		(offsetof(struct seccomp_data, args) + 8 * (n))
#define LD_NR			ST(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG(n)		ST(BPF_LD | BPF_W | BPF_ABS, ARG_LO(n))
#define RET(k)			ST(BPF_RET | BPF_K, (k))

/* The probe: the one call the programs below decide on; every other is
 * allowed, so the child can report. Its own arguments play no part. */
#define PROBE SYS_getppid

/* prog behind "allow all but the probe", run by bpf_run() on the probe
 * with args and by the kernel: they must agree. Returns the verdict. */
static uint32_t
check_probe(const char *what, const struct sock_filter *body, size_t n, const uint64_t args[6])
{
	struct sock_filter prog[BPF_MAXINSNS];
	struct seccomp_data d = data_of(PROBE, args);
	struct outcome o;
	uint32_t v;

	ck_assert_uint_le(n + 3, ELEMENTSOF(prog));
	prog[0] = (struct sock_filter) LD_NR;
	prog[1] = (struct sock_filter) JMP(BPF_JMP | BPF_JEQ | BPF_K, PROBE, 1, 0);
	prog[2] = (struct sock_filter) RET(V_ALLOW);
	memcpy(prog + 3, body, n * sizeof(*body));
	v = bpf_run(prog, n + 3, &d);
	o = kernel_run(prog, n + 3, PROBE, args);
	ck_assert_msg(o.load_error == 0, "%s: the kernel refuses the program: %s", what,
	    strerror(o.load_error));
	ck_assert_msg(outcome_is(&o, v), "%s (args 0x%llx 0x%llx): bpf_run says 0x%08x, the kernel: "
	    "signal %d, error %d", what, (unsigned long long) args[0],
	    (unsigned long long) args[1], v, o.sig, o.error);
	/* Every other call is allowed by both. */
	d.nr = SYS_getpid;
	ck_assert_uint_eq(bpf_run(prog, n + 3, &d), V_ALLOW);
	return v;
}

/* The accumulator a body leaves, made visible byte by byte: the probe
 * fails with errno 256 + byte args[5] / 8 of A. */
static void
check_accumulator(const char *what, const struct sock_filter *body, size_t n,
    const uint64_t *arg_sets, size_t n_sets)
{
	const struct sock_filter show[] = {
		ST(BPF_ST, 0),
		LD_ARG(5),
		ST(BPF_MISC | BPF_TAX, 0),
		ST(BPF_LD | BPF_MEM, 0),
		ST(BPF_ALU | BPF_RSH | BPF_X, 0),
		ST(BPF_ALU | BPF_AND | BPF_K, 0xff),
		ST(BPF_ALU | BPF_OR | BPF_K, V_ERRNO(256)),
		ST(BPF_RET | BPF_A, 0),
	};
	struct sock_filter prog[64];

	ck_assert_uint_le(n + ELEMENTSOF(show), ELEMENTSOF(prog));
	memcpy(prog, body, n * sizeof(*body));
	memcpy(prog + n, show, sizeof(show));
	for (size_t s = 0; s < n_sets; s++)
		for (unsigned byte = 0; byte < 4; byte++) {
			uint64_t args[6] = { arg_sets[2 * s], arg_sets[2 * s + 1], 0, 0, 0, 8 * byte };
			uint32_t v = check_probe(what, prog, n + ELEMENTSOF(show), args);

			ck_assert_uint_eq(v & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO);
		}
}

/* Arguments as pairs (args[0], args[1]). */
static const uint64_t alu_args[] = {
	0, 1,
	7, 3,
	0xdeadbeef, 0x1234,
	0xffffffff, 0xffffffff,
	HIGH | 5, 31,		/* only the low word is loaded */
	0x80000000, 17,
};

START_TEST(test_run_alu)
{
	/* A = arg0, X = arg1, through every operation on both sources. */
	const struct sock_filter chain[] = {
		LD_ARG(1),
		ST(BPF_MISC | BPF_TAX, 0),
		LD_ARG(0),
		ST(BPF_ALU | BPF_ADD | BPF_X, 0),
		ST(BPF_ALU | BPF_ADD | BPF_K, 0x12345),
		ST(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1),
		ST(BPF_ALU | BPF_XOR | BPF_X, 0),
		ST(BPF_ALU | BPF_SUB | BPF_K, 0x7fffffff),
		ST(BPF_ALU | BPF_MUL | BPF_X, 0),
		ST(BPF_ALU | BPF_SUB | BPF_X, 0),
		ST(BPF_ALU | BPF_OR | BPF_K, 0x00100001),
		ST(BPF_ALU | BPF_DIV | BPF_X, 0),	/* arg1 is never 0 here */
		ST(BPF_ALU | BPF_XOR | BPF_K, 0xa5a5a5a5),
		ST(BPF_ALU | BPF_LSH | BPF_K, 3),
		ST(BPF_ALU | BPF_OR | BPF_X, 0),
		ST(BPF_ALU | BPF_RSH | BPF_K, 1),
		ST(BPF_ALU | BPF_AND | BPF_X, 0),
		ST(BPF_ALU | BPF_NEG, 0),
		ST(BPF_ALU | BPF_DIV | BPF_K, 3),
		ST(BPF_ALU | BPF_AND | BPF_K, 0xfff0ffff),
	};
	/* Shifts by X below 32, the memory, TXA, the length. */
	const struct sock_filter shifts[] = {
		LD_ARG(1),
		ST(BPF_ALU | BPF_AND | BPF_K, 31),
		ST(BPF_MISC | BPF_TAX, 0),
		ST(BPF_STX, 15),
		LD_ARG(0),
		ST(BPF_ALU | BPF_LSH | BPF_X, 0),
		ST(BPF_ST, 3),
		ST(BPF_LDX | BPF_W | BPF_LEN, 0),
		ST(BPF_ALU | BPF_ADD | BPF_X, 0),
		ST(BPF_LDX | BPF_MEM, 15),
		ST(BPF_ALU | BPF_RSH | BPF_X, 0),
		ST(BPF_LDX | BPF_MEM, 3),
		ST(BPF_ALU | BPF_XOR | BPF_X, 0),
		ST(BPF_LDX | BPF_IMM, 0x01020304),
		ST(BPF_ALU | BPF_ADD | BPF_X, 0),
		ST(BPF_ST, 7),
		ST(BPF_LD | BPF_W | BPF_LEN, 0),
		ST(BPF_MISC | BPF_TAX, 0),
		ST(BPF_LD | BPF_MEM, 7),
		ST(BPF_ALU | BPF_SUB | BPF_X, 0),
	};
	const struct sock_filter txa[] = {
		LD_ARG(0),
		ST(BPF_MISC | BPF_TAX, 0),
		ST(BPF_LD | BPF_IMM, 0),
		ST(BPF_MISC | BPF_TXA, 0),
		ST(BPF_ALU | BPF_ADD | BPF_K, 1),
	};

	check_accumulator("alu", chain, ELEMENTSOF(chain), alu_args, ELEMENTSOF(alu_args) / 2);
	check_accumulator("shifts", shifts, ELEMENTSOF(shifts), alu_args, ELEMENTSOF(alu_args) / 2);
	check_accumulator("txa", txa, ELEMENTSOF(txa), alu_args, ELEMENTSOF(alu_args) / 2);
}
END_TEST

/* Division by X = 0 ends the program with 0 (SECCOMP_RET_KILL_THREAD)
 * in the kernel's classic BPF; bpf_run() does the same. */
START_TEST(test_run_div_zero)
{
	const struct sock_filter div[] = {
		LD_ARG(0),
		ST(BPF_MISC | BPF_TAX, 0),
		ST(BPF_LD | BPF_IMM, 100),
		ST(BPF_ALU | BPF_DIV | BPF_X, 0),
		ST(BPF_ALU | BPF_OR | BPF_K, V_ERRNO(0)),
		ST(BPF_RET | BPF_A, 0),
	};

	ck_assert_uint_eq(check_probe("div 0", div, ELEMENTSOF(div), (uint64_t[6]) { 0 }), 0);
	ck_assert_uint_eq(check_probe("div hi 0", div, ELEMENTSOF(div), (uint64_t[6]) { HIGH }), 0);
	ck_assert_uint_eq(check_probe("div 7", div, ELEMENTSOF(div), (uint64_t[6]) { 7 }),
	    V_ERRNO(14));
}
END_TEST

/* RET A hands on whatever A holds: allow, an errno, a kill, an action
 * the kernel does not know; and the conditional jumps on both sources. */
START_TEST(test_run_ret_a_and_jumps)
{
	const struct sock_filter ret_a[] = { LD_ARG(0), ST(BPF_RET | BPF_A, 0) };
	const struct sock_filter jumps[] = {
		LD_ARG(1),
		ST(BPF_MISC | BPF_TAX, 0),
		LD_ARG(0),
		JMP(BPF_JMP | BPF_JGT | BPF_K, 100, 0, 1),
		RET(V_ERRNO(1)),				/* A > 100 */
		JMP(BPF_JMP | BPF_JGE | BPF_K, 50, 0, 1),
		RET(V_ERRNO(2)),				/* 50 <= A <= 100 */
		JMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 1),
		RET(V_ERRNO(3)),				/* bit 4 */
		JMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
		RET(V_ERRNO(4)),				/* A == X */
		JMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1),
		RET(V_ERRNO(5)),				/* A > X */
		JMP(BPF_JMP | BPF_JSET | BPF_X, 0, 1, 0),
		RET(V_ERRNO(6)),				/* A < X, no bit in common */
		JMP(BPF_JMP | BPF_JA, 1, 0, 0),
		RET(V_ERRNO(8)),				/* never */
		RET(V_ERRNO(7)),				/* A < X, a bit in common */
	};
	static const uint64_t ret_values[] = {
		V_ALLOW, V_ERRNO(77), V_ERRNO(4000), V_ERRNO(0xffff), SECCOMP_RET_LOG, V_KILL,
		SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP | 1, 0x12340000, HIGH | V_ERRNO(9),
	};
	static const uint64_t jump_args[][2] = {
		{ 101, 0 }, { 100, 0 }, { 50, 0 }, { 0x10, 0 }, { 0x11, 0x11 }, { 0x21, 0x21 },
		{ 0, 0 }, { 0x20, HIGH | 0x20 }, { 0x22, 0x21 }, { 0x0e, 1 }, { 1, 2 },
		{ 0x21, 0x2f }, { HIGH | 5, 7 }, { 0x0f, 0xffffffff }, { HIGH | 101, 0 },
	};
	unsigned seen = 0;

	for (size_t i = 0; i < ELEMENTSOF(ret_values); i++) {
		uint64_t args[6] = { ret_values[i] };

		ck_assert_uint_eq(check_probe("ret a", ret_a, ELEMENTSOF(ret_a), args),
		    (uint32_t) ret_values[i]);
	}
	for (size_t i = 0; i < ELEMENTSOF(jump_args); i++) {
		uint64_t args[6] = { jump_args[i][0], jump_args[i][1] };
		uint32_t v = check_probe("jumps", jumps, ELEMENTSOF(jumps), args);

		ck_assert_uint_eq(v & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO);
		seen |= 1u << (v & SECCOMP_RET_DATA);
	}
	/* The arguments took every way out. */
	ck_assert_uint_eq(seen, 0xfe);
}
END_TEST

/* Programs the kernel does not load: bpf_run() kills, whatever the data. */
static const struct {
	const char		*what;
	size_t			n;
	const struct sock_filter *prog;
} refused[] = {
#define PROG(what, ...) { what, ELEMENTSOF(((const struct sock_filter[]) { __VA_ARGS__ })), \
	(const struct sock_filter[]) { __VA_ARGS__ } }
	PROG("load past the data", ST(BPF_LD | BPF_W | BPF_ABS, 64), RET(V_ALLOW)),
	PROG("load across the end", ST(BPF_LD | BPF_W | BPF_ABS, 62), RET(V_ALLOW)),
	PROG("load far out", ST(BPF_LD | BPF_W | BPF_ABS, 0xfffffffc), RET(V_ALLOW)),
	PROG("unaligned load", ST(BPF_LD | BPF_W | BPF_ABS, 2), RET(V_ALLOW)),
	PROG("half-word load", ST(BPF_LD | BPF_H | BPF_ABS, 0), RET(V_ALLOW)),
	PROG("byte load", ST(BPF_LD | BPF_B | BPF_ABS, 0), RET(V_ALLOW)),
	PROG("indirect load", ST(BPF_LD | BPF_W | BPF_IND, 0), RET(V_ALLOW)),
	PROG("ldx msh", ST(BPF_LDX | BPF_B | BPF_MSH, 0), RET(V_ALLOW)),
	PROG("memory word 16", ST(BPF_ST, 16), RET(V_ALLOW)),
	PROG("load memory word 16", ST(BPF_ST, 0), ST(BPF_LD | BPF_MEM, 16), RET(V_ALLOW)),
	PROG("ja past the end", JMP(BPF_JMP | BPF_JA, 1, 0, 0), RET(V_ALLOW)),
	PROG("ja far", JMP(BPF_JMP | BPF_JA, 0xffffffff, 0, 0), RET(V_ALLOW)),
	/* The jumps taken whatever the data: always, never. */
	PROG("jt past the end", LD_NR, JMP(BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0), RET(V_ALLOW)),
	PROG("jf past the end", LD_NR, JMP(BPF_JMP | BPF_JGT | BPF_K, 0xffffffff, 0, 1),
	    RET(V_ALLOW)),
	PROG("off the end", LD_NR),
	PROG("off the end after a jump", LD_NR, JMP(BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0),
	    RET(V_ALLOW), ST(BPF_LD | BPF_IMM, 0)),
	PROG("ret x", ST(BPF_RET | BPF_X, 0)),
	PROG("unknown jump", JMP(BPF_JMP | 0x50, 0, 0, 0), RET(V_ALLOW)),
	PROG("unknown alu", ST(BPF_ALU | 0xb0, 0), RET(V_ALLOW)),
	/* Not in seccomp's instruction set (seccomp_check_filter()). */
	PROG("mod k", ST(BPF_LD | BPF_IMM, 100), ST(BPF_ALU | BPF_MOD | BPF_K, 7), RET(V_ALLOW)),
	PROG("mod x", ST(BPF_LDX | BPF_IMM, 7), ST(BPF_ALU | BPF_MOD | BPF_X, 0), RET(V_ALLOW)),
	PROG("unknown misc", ST(BPF_MISC | 0x40, 0), RET(V_ALLOW)),
	/* A memory word read before it is written (bpf_check_classic()). */
	PROG("memory not written", ST(BPF_LD | BPF_MEM, 2), RET(V_ALLOW)),
#undef PROG
};

START_TEST(test_run_refused)
{
	static const long nrs[] = { PROBE, SYS_getpid, 1000 };
	struct outcome o = kernel_run(refused[_i].prog, refused[_i].n, PROBE, (uint64_t[6]) {});

	ck_assert_msg(o.load_error == EINVAL, "%s: the kernel loads it (%s)", refused[_i].what,
	    strerror(o.load_error));
	for (size_t i = 0; i < ELEMENTSOF(nrs); i++) {
		struct seccomp_data d = data_of(nrs[i], (uint64_t[6]) { 1, 2, 3 });

		ck_assert_msg(bpf_run(refused[_i].prog, refused[_i].n, &d) == V_KILL,
		    "%s: bpf_run does not kill nr %ld", refused[_i].what, nrs[i]);
	}
	ck_assert_uint_eq(bpf_run(refused[_i].prog, 0, &(struct seccomp_data) {}), V_KILL);
}
END_TEST

/* Shifts by X of 32 or more: the kernel's classic BPF shifts by X & 31
 * (its 32-bit shifts, interpreted or JITed), it does not give 0. */
START_TEST(test_run_shift_x)
{
	const struct sock_filter lsh[] = {
		LD_ARG(0), ST(BPF_MISC | BPF_TAX, 0), ST(BPF_LD | BPF_IMM, 0x101),
		ST(BPF_ALU | BPF_LSH | BPF_X, 0), ST(BPF_ALU | BPF_AND | BPF_K, 0xfff),
		ST(BPF_ALU | BPF_OR | BPF_K, V_ERRNO(0)), ST(BPF_RET | BPF_A, 0),
	};
	const struct sock_filter rsh[] = {
		LD_ARG(0), ST(BPF_MISC | BPF_TAX, 0), ST(BPF_LD | BPF_IMM, 0x800),
		ST(BPF_ALU | BPF_RSH | BPF_X, 0), ST(BPF_ALU | BPF_OR | BPF_K, V_ERRNO(0)),
		ST(BPF_RET | BPF_A, 0),
	};
	static const uint64_t amounts[] = { 0, 3, 31, 32, 33, 40, 0xffffffff };

	for (size_t i = 0; i < ELEMENTSOF(amounts); i++) {
		(void) check_probe("lsh x", lsh, ELEMENTSOF(lsh), (uint64_t[6]) { amounts[i] });
		(void) check_probe("rsh x", rsh, ELEMENTSOF(rsh), (uint64_t[6]) { amounts[i] });
	}
}
END_TEST

/* ---- bpf_notify_filter() ---------------------------------------------- */

/* A policy's program: nr 10 errno, 11 and 12 kill, 13 trap, the rest allow. */
static const struct sock_filter policy_prog[] = {
	LD_NR,
	JMP(BPF_JMP | BPF_JEQ | BPF_K, 10, 0, 1),
	RET(V_ERRNO(13)),
	JMP(BPF_JMP | BPF_JEQ | BPF_K, 11, 0, 1),
	RET(SECCOMP_RET_KILL_PROCESS),
	JMP(BPF_JMP | BPF_JEQ | BPF_K, 12, 0, 1),
	RET(SECCOMP_RET_KILL_THREAD),
	JMP(BPF_JMP | BPF_JEQ | BPF_K, 13, 0, 1),
	RET(SECCOMP_RET_TRAP),
	JMP(BPF_JMP | BPF_JEQ | BPF_K, 14, 0, 1),
	RET(V_ALLOW),
	RET(V_ALLOW),
};

/* A tail: nr 14 notifies, the rest is allowed. */
static const struct sock_filter tail_prog[] = {
	LD_NR,
	JMP(BPF_JMP | BPF_JEQ | BPF_K, 14, 0, 1),
	RET(V_NOTIFY),
	RET(V_ALLOW),
};

static const struct {
	unsigned	notify;
	bool		tail;
	uint32_t	verdicts[6];	/* for nr 10 to 15 */
} compositions[] = {
	{ 0, false, { V_ERRNO(13), V_KILL, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, V_ALLOW,
	    V_ALLOW } },
	{ BPF_NOTIFY_ERRNO, false, { V_NOTIFY, V_KILL, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP,
	    V_ALLOW, V_ALLOW } },
	{ BPF_NOTIFY_KILL, false, { V_ERRNO(13), V_NOTIFY, V_NOTIFY, SECCOMP_RET_TRAP, V_ALLOW,
	    V_ALLOW } },
	{ 0, true, { V_ERRNO(13), V_KILL, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, V_NOTIFY,
	    V_ALLOW } },
	{ BPF_NOTIFY_ERRNO, true, { V_NOTIFY, V_KILL, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP,
	    V_NOTIFY, V_ALLOW } },
	{ BPF_NOTIFY_ERRNO | BPF_NOTIFY_KILL, true, { V_NOTIFY, V_NOTIFY, V_NOTIFY,
	    SECCOMP_RET_TRAP, V_NOTIFY, V_ALLOW } },
};

START_TEST(test_notify_compose)
{
	const struct sock_filter *tail = compositions[_i].tail ? tail_prog : NULL;
	_cleanup_free_ struct sock_filter *out = NULL;
	struct outcome o;
	size_t n = 0;

	ck_assert_int_eq(bpf_notify_filter(policy_prog, ELEMENTSOF(policy_prog),
	    compositions[_i].notify, tail, ELEMENTSOF(tail_prog), &out, &n), 0);
	ck_assert_uint_eq(n, ELEMENTSOF(policy_prog) + (tail ? ELEMENTSOF(tail_prog) : 0));
	for (int nr = 10; nr <= 15; nr++) {
		struct seccomp_data d = data_of(nr, (uint64_t[6]) {});

		ck_assert_msg(bpf_run(out, n, &d) == compositions[_i].verdicts[nr - 10],
		    "case %d, nr %d: 0x%08x", _i, nr, bpf_run(out, n, &d));
	}
	/* Only returns change, and the tail comes as it is. */
	for (size_t i = 0; i < ELEMENTSOF(policy_prog); i++)
		if (BPF_CLASS(policy_prog[i].code) != BPF_RET)
			ck_assert_int_eq(memcmp(&out[i], &policy_prog[i], sizeof(out[i])), 0);
	if (tail)
		ck_assert_int_eq(memcmp(out + ELEMENTSOF(policy_prog), tail_prog,
		    sizeof(tail_prog)), 0);
	/* The kernel takes it. */
	o = kernel_run(out, n, SYS_getpid, (uint64_t[6]) {});
	ck_assert_int_eq(o.load_error, 0);
	ck_assert_int_eq(o.error, 0);
}
END_TEST

START_TEST(test_notify_limits)
{
	static struct sock_filter big[BPF_MAXINSNS];
	const struct sock_filter ret_a[] = { LD_NR, ST(BPF_RET | BPF_A, 0) };
	struct sock_filter *out = (struct sock_filter *) 1;
	size_t n = 7, room = BPF_MAXINSNS - ELEMENTSOF(policy_prog);

	for (size_t i = 0; i < ELEMENTSOF(big); i++)
		big[i] = (struct sock_filter) RET(V_ALLOW);
	/* One over BPF_MAXINSNS: refused, and nothing written. */
	ck_assert_int_eq(bpf_notify_filter(policy_prog, ELEMENTSOF(policy_prog), BPF_NOTIFY_ERRNO,
	    big, room + 1, &out, &n), -E2BIG);
	ck_assert_int_eq(bpf_notify_filter(big, BPF_MAXINSNS, BPF_NOTIFY_ERRNO, tail_prog, 1, &out,
	    &n), -E2BIG);
	ck_assert_ptr_eq(out, (struct sock_filter *) 1);
	ck_assert_uint_eq(n, 7);
	/* A program that returns its accumulator cannot be rewritten. */
	ck_assert_int_eq(bpf_notify_filter(ret_a, ELEMENTSOF(ret_a), BPF_NOTIFY_ERRNO, NULL, 0, &out,
	    &n), -EINVAL);
	ck_assert_int_eq(bpf_notify_filter(ret_a, ELEMENTSOF(ret_a), 0, tail_prog,
	    ELEMENTSOF(tail_prog), &out, &n), -EINVAL);
	ck_assert_ptr_eq(out, (struct sock_filter *) 1);
	/* BPF_MAXINSNS exactly is fine, and its last allow reaches the tail. */
	out = NULL;
	ck_assert_int_eq(bpf_notify_filter(policy_prog, ELEMENTSOF(policy_prog), BPF_NOTIFY_ERRNO,
	    big, room, &out, &n), 0);
	ck_assert_uint_eq(n, BPF_MAXINSNS);
	ck_assert_uint_eq(verdict_of(out, n, 15, (uint64_t[6]) {}), V_ALLOW);
	free(out);
}
END_TEST

/* The calls the notifying filters hand over whatever the policy says of
 * them: with [Broker] Intercept=yes, and (learn_bpf) always, the path
 * calls and connect(2); learn_bpf chdir(2) too. Not execve(2). */
static const char *const path_calls[] = {
	"open", "openat", "openat2", "creat",
	"stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
	"readlink", "readlinkat",
	"mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
	"connect",
	"getxattr", "lgetxattr", "listxattr", "llistxattr",
	"setxattr", "lsetxattr", "removexattr", "lremovexattr",
};

static bool
is_path_call(int nr, bool learn)
{
	for (size_t i = 0; i < ELEMENTSOF(path_calls); i++)
		if (seccomp_syscall_resolve_name(path_calls[i]) == nr)
			return true;
#ifdef POLICY_LEARN_EXEC_LEN
	/* Where learning observes exec too: execveat(2), and execve(2) but
	 * for the target's own (its envp patched in, 0 until then: as here). */
	if (learn && nr == SYS_execveat)
		return true;
#endif
	return learn && nr == SYS_chdir;
}

/* Whether notify_bpf leaves an errno return to the kernel: clone3()'s
 * ENOSYS, where the daemon keeps it (unless Action= says ENOSYS too). */
static bool
keeps_enosys(const struct policy *p, uint32_t verdict)
{
#ifdef BPF_NOTIFY_KEEP_ENOSYS
	return verdict == V_ERRNO(ENOSYS) && p->syscall_errno != ENOSYS;
#else
	return false;
#endif
}

/* For every system call number: the notifying filters say what p->bpf
 * says, but notify its errno refusals (learn_bpf its kills too), and its
 * allowed path calls where they are handed over. */
static void
check_notifying(const char *what, const struct policy *p)
{
	ck_assert_msg(p->notify_bpf && p->learn_bpf, "%s: no notifying filter", what);
	for (int nr = 0; nr < 500; nr++) {
		struct seccomp_data d = data_of(nr, (uint64_t[6]) {});
		uint32_t v = bpf_run(p->bpf, p->bpf_len, &d);
		uint32_t vn = bpf_run(p->notify_bpf, p->notify_bpf_len, &d);
		uint32_t vl = bpf_run(p->learn_bpf, p->learn_bpf_len, &d);

		switch (v & SECCOMP_RET_ACTION_FULL) {
		case SECCOMP_RET_ERRNO:
			ck_assert_msg(vn == (keeps_enosys(p, v) ? v : V_NOTIFY) && vl == V_NOTIFY,
			    "%s, nr %d: 0x%08x 0x%08x", what, nr, vn, vl);
			break;
		case SECCOMP_RET_KILL_PROCESS:
			ck_assert_msg(vn == V_KILL && vl == V_NOTIFY, "%s, nr %d: 0x%08x 0x%08x",
			    what, nr, vn, vl);
			break;
		case SECCOMP_RET_ALLOW:
			ck_assert_msg(vn == (p->intercept && is_path_call(nr, false) ? V_NOTIFY :
			    V_ALLOW), "%s, nr %d: notify_bpf 0x%08x", what, nr, vn);
			ck_assert_msg(vl == (is_path_call(nr, true) ? V_NOTIFY : V_ALLOW),
			    "%s, nr %d: learn_bpf 0x%08x", what, nr, vl);
			break;
		default:
			ck_abort_msg("%s, nr %d: 0x%08x", what, nr, v);
		}
	}
	/* fstat() is newfstatat() with AT_EMPTY_PATH, or statx(): not handed over. */
	ck_assert_uint_eq(verdict_of(p->learn_bpf, p->learn_bpf_len, SYS_newfstatat,
	    (uint64_t[6]) { 3, BAD, BAD, AT_EMPTY_PATH }),
	    verdict_of(p->bpf, p->bpf_len, SYS_newfstatat, (uint64_t[6]) {}) == V_ALLOW ?
	    V_ALLOW : V_NOTIFY);
	ck_assert_uint_eq(verdict_of(p->learn_bpf, p->learn_bpf_len, SYS_statx,
	    (uint64_t[6]) { 3, BAD, AT_EMPTY_PATH }),
	    verdict_of(p->bpf, p->bpf_len, SYS_statx, (uint64_t[6]) {}) == V_ALLOW ?
	    V_ALLOW : V_NOTIFY);
}

START_TEST(test_notify_policies)
{
	static const char *const texts[] = {
		CALLS_BASE "Allow=@file-system\nAction=kill\n",
		CALLS_BASE "Allow=@file-system\nAction=errno:ENODEV\n",
		CALLS_BASE "Allow=openat\n",
		"[Broker]\nIntercept=yes\nTree=/srv read\n" CALLS_BASE "Allow=@file-system\n"
		    "Action=kill\n",
	};
	size_t n;
	struct policy **v = shipped_policies(&n);

	for (size_t i = 0; i < n; i++)
		check_notifying(v[i]->name, v[i]);
	shipped_free(v, n);
	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		_cleanup_(policy_unrefp) struct policy *p = compiled("notify", texts[i]);
		_cleanup_free_ char *what = testlib_asprintf("policy %zu", i);

		check_notifying(what, p);
	}
}
END_TEST

/* The set-up after the filter (execve, and write and exit_group if that
 * fails) needs the policy to allow them; without, no notifying filter. */
START_TEST(test_notify_guard)
{
	static const struct {
		const char	*allow;
		const char	*refused;
	} cases[] = {
		{ "@default @basic-io", "execve" },
		{ "@default read execve", "write" },
		{ "execve read write", "exit_group" },
	};
	static const char *const actions[] = { "errno", "kill" };
	size_t n;
	struct policy **v = shipped_policies(&n);

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		for (size_t a = 0; a < ELEMENTSOF(actions); a++) {
			_cleanup_free_ char *text = testlib_asprintf(
			    "[SystemCalls]\nAllow=%s\nAction=%s\n", cases[i].allow, actions[a]);
			_cleanup_free_ char *intercepted = testlib_asprintf(
			    "[Broker]\nIntercept=yes\nTree=/srv read\n%s", text);
			_cleanup_free_ char *message = testlib_asprintf("[Broker] Intercept=yes needs "
			    "the system call filter to allow '%s'", cases[i].refused);
			_cleanup_(policy_unrefp) struct policy *p = compiled("guard", text);
			_cleanup_(policy_unrefp) struct policy *q = NULL;
			struct ini_error err = {};

			ck_assert_ptr_nonnull(p->bpf);
			ck_assert_msg(!p->notify_bpf && !p->learn_bpf, "%s", text);
			ck_assert_int_eq(policy_parse("guard", NULL, intercepted, &q, &err), 0);
			ck_assert_int_eq(policy_compile(q, &err), -EINVAL);
			ck_assert_str_eq(err.message, message);
		}
	/* What the set-up needs, the shipped policies' notifying filters
	 * allow: bpf_run() says so, and so does the kernel (no listener: a
	 * notification would fail with ENOSYS; the child reports by write). */
	for (size_t k = 0; k < n; k++) {
		static const char *const needed[] = { "execve", "write", "exit_group" };
		const struct policy *p = v[k];

		ck_assert_msg(p->notify_bpf && p->learn_bpf, "%s", p->name);
		for (size_t i = 0; i < ELEMENTSOF(needed); i++) {
			struct seccomp_data d = data_of(seccomp_syscall_resolve_name(needed[i]),
			    (uint64_t[6]) {});

			ck_assert_uint_eq(bpf_run(p->notify_bpf, p->notify_bpf_len, &d), V_ALLOW);
			ck_assert_uint_eq(bpf_run(p->learn_bpf, p->learn_bpf_len, &d), V_ALLOW);
		}
		ck_assert_int_eq(kernel_run(p->learn_bpf, p->learn_bpf_len, SYS_execve,
		    (uint64_t[6]) { BAD }).error, EFAULT);
		ck_assert_int_eq(kernel_run(p->notify_bpf, p->notify_bpf_len, SYS_execve,
		    (uint64_t[6]) { BAD }).error, EFAULT);
	}
	shipped_free(v, n);
}
END_TEST

/* ---- learn_bpf in the kernel, with a listener ---------------------------- */

/* The target's side of test_learn_listener: under learn_bpf of a policy
 * that kills, calls that must not be handed over, then every path call
 * (the listener answers ENODEV), then a call the policy kills for. */
static void
learning_child(int fd)
{
	if (syscall(SYS_getpid) <= 0 ||
	    syscall(SYS_newfstatat, fd, "", BAD, AT_EMPTY_PATH) != -1 || errno != EFAULT ||
	    syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0, BAD) != -1 || errno != EFAULT)
		_exit(1);
	for (size_t i = 0; i < ELEMENTSOF(path_calls); i++) {
		int nr = seccomp_syscall_resolve_name(path_calls[i]);

		if (syscall(nr, NEG(AT_FDCWD), BAD, BAD, 0, BAD, 0) != -1 || errno != ENODEV)
			_exit(10 + (int) i);
	}
	if (syscall(SYS_chdir, BAD) != -1 || errno != ENODEV)
		_exit(2);
	/* Killed for by the policy: handed over instead, answered EPERM. */
	if (syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0) != -1 || errno != EPERM)
		_exit(3);
	_exit(0);
}

START_TEST(test_learn_listener)
{
	_cleanup_(policy_unrefp) struct policy *p = compiled("learn",
	    CALLS_BASE "Allow=@file-system\nAction=kill\n");
	const struct seccomp_notif_resp enodev = { .error = -ENODEV }, eperm = { .error = -EPERM };
	_cleanup_close_ int listener = -1;
	int status;
	pid_t pid;

	pid = testlib_fork_notified(p->learn_bpf, p->learn_bpf_len, learning_child, &listener);
	/* The first notification is the first path call: not getpid() or fstat(). */
	for (size_t i = 0; i < ELEMENTSOF(path_calls); i++)
		testlib_answer_next(listener, seccomp_syscall_resolve_name(path_calls[i]), pid,
		    &enodev);
	testlib_answer_next(listener, SYS_chdir, pid, &enodev);
	testlib_answer_next(listener, SYS_socket, pid, &eperm);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}
END_TEST

TESTLIB_MAIN("bpf",
	{ "run-policies", .up = bare_up, .timeout = 120,
	    .loops = TESTLIB_LOOPS({ test_run_written, ELEMENTSOF(written) }),
	    .tests = TESTLIB_TESTS(test_run_shipped) },
	{ "run-programs", .timeout = 60,
	    .loops = TESTLIB_LOOPS({ test_run_refused, ELEMENTSOF(refused) }),
	    .tests = TESTLIB_TESTS(test_run_alu, test_run_div_zero, test_run_ret_a_and_jumps,
		test_run_shift_x) },
	{ "notify", .timeout = 60,
	    .loops = TESTLIB_LOOPS({ test_notify_compose, ELEMENTSOF(compositions) }),
	    .tests = TESTLIB_TESTS(test_notify_limits, test_notify_policies, test_notify_guard,
		test_learn_listener) });
