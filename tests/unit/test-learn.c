/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for daemon/broker/learn.c: which refused calls learning lets
 * through (learn_forbidden(), against the compiled rules a policy that
 * allows the call has), what learn_syscall() and learn_path() record, and
 * the learned policy's text, parsed again with its base as the policy it
 * includes.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "bpf.h"
#include "learn.h"
#include "macro.h"
#include "policy.h"
#include "string-util.h"
#include "syscall-groups.h"
#include "testlib.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

#define HIGH (UINT64_C(1) << 32)

static bool
strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* ---- learn_forbidden() ------------------------------------------------- */

/* The calls sandboxd.policy(5) says no policy may allow. */
static const char *const documented_forbidden[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "ptrace",
	"process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key",
	"mount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
	"mount_setattr", "pivot_root", "unshare", "setns", "clone3", "userfaultfd",
	"perf_event_open", "open_by_handle_at", "name_to_handle_at", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex",
};

/* Every name libseccomp knows here: forbidden exactly when the forbidden
 * set has it (or, with all arguments 0, it is a mknod of a regular file),
 * and then no policy can allow it either. */
START_TEST(test_forbidden_names)
{
	const uint64_t zero[6] = {};
	unsigned n = 0;

	for (int nr = 0; nr < LEARN_NR_MAX; nr++) {
		_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		bool expected;

		if (!name)
			continue;
		/* With zero arguments: mknod's mode 0 is a regular file, and
		 * ioctl's request 0 is none the allow-list has. */
		expected = syscall_is_forbidden(name) || strcmp(name, "mknod") == 0 ||
		    strcmp(name, "mknodat") == 0 || strcmp(name, "ioctl") == 0;
		ck_assert_msg(learn_forbidden(name, zero) == expected, "%s: %d", name, !expected);
		if (syscall_is_forbidden(name)) {
			_cleanup_free_ char *text = testlib_asprintf("[SystemCalls]\nAllow=%s\n", name);
			struct policy *p = NULL;
			struct ini_error err = {};

			n++;
			ck_assert_int_lt(policy_parse("f", NULL, text, &p, &err), 0);
			ck_assert_ptr_nonnull(strstr(err.message, "is never allowed"));
		}
	}
	ck_assert_uint_ge(n, 50);
	for (size_t i = 0; i < ELEMENTSOF(documented_forbidden); i++)
		ck_assert_msg(learn_forbidden(documented_forbidden[i], zero), "%s",
		    documented_forbidden[i]);
	/* A number libseccomp cannot name (another ABI's, x32's) is forbidden. */
	ck_assert(learn_forbidden(NULL, zero));
	ck_assert_ptr_null(seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
	    __X32_SYSCALL_BIT | SYS_getpid));
	ck_assert(!learn_forbidden("getpid", zero));
	ck_assert(!learn_forbidden("socket", zero));
}
END_TEST

/* The arguments: forbidden exactly when a policy that allows the call
 * refuses them (its compiled filter, run by bpf_run()). */
static const struct {
	const char	*name;
	uint64_t	args[6];
	bool		forbidden;
} argument_cases[] = {
	{ "clone", { SIGCHLD } },
	{ "clone", { CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID } },
	{ "clone", { HIGH | SIGCHLD } },
	{ "clone", { CLONE_NEWUSER | SIGCHLD }, true },
	{ "clone", { CLONE_NEWNS }, true },
	{ "clone", { CLONE_NEWPID }, true },
	{ "clone", { CLONE_NEWNET }, true },
	{ "clone", { CLONE_NEWIPC }, true },
	{ "clone", { CLONE_NEWUTS }, true },
	{ "clone", { CLONE_NEWCGROUP }, true },
	{ "clone", { CLONE_NEWTIME }, true },
	{ "clone", { HIGH | CLONE_VM | CLONE_NEWUSER }, true },
	{ "ioctl", { 0, TIOCSTI }, true },
	{ "ioctl", { 0, TIOCLINUX }, true },
	{ "ioctl", { 0, HIGH | TIOCSTI }, true },
	{ "ioctl", { 0, 0xffffffff00000000 | TIOCLINUX }, true },
	{ "ioctl", { 0, FIONREAD } },
	{ "ioctl", { 0, TCGETS } },
	{ "ioctl", { 0, TIOCSTI ^ 1 } },			/* TIOCGWINSZ */
	{ "ioctl", { 0, TIOCLINUX ^ 0x100 }, true },	/* no allowed request */
	{ "ioctl", { 0, TIOCSETD }, true },		/* the line discipline */
	{ "ioctl", { 0, HIGH | TIOCGWINSZ } },
	{ "mknod", { 0, S_IFIFO | 0644 } },
	{ "mknod", { 0, HIGH | S_IFIFO } },
	{ "mknod", { 0, S_IFREG | 0644 }, true },
	{ "mknod", { 0, 0644 }, true },		/* a regular file */
	{ "mknod", { 0, S_IFCHR | 0600, 0x0101 }, true },
	{ "mknod", { 0, S_IFBLK | 0600 }, true },
	{ "mknod", { 0, S_IFSOCK | 0600 }, true },
	{ "mknodat", { 0, 0, S_IFIFO | 0600 } },
	{ "mknodat", { 0, S_IFIFO, S_IFCHR | 0600 }, true },
	{ "mknodat", { 0, 0, S_IFREG }, true },
};

START_TEST(test_forbidden_arguments)
{
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct ini_error err = {};
	struct seccomp_data d = {
		.nr = seccomp_syscall_resolve_name(argument_cases[_i].name),
		.arch = (uint32_t) seccomp_arch_native(),
	};

	ck_assert_int_eq(policy_parse("args", NULL,
	    "[SystemCalls]\nAllow=@default @basic-io execve clone ioctl mknod mknodat\n"
	    "Action=errno:ENODEV\n", &p,
	    &err), 0);
	ck_assert_int_eq(policy_compile(p, &err), 0);
	memcpy(d.args, argument_cases[_i].args, sizeof(d.args));
	ck_assert_msg(learn_forbidden(argument_cases[_i].name, argument_cases[_i].args) ==
	    argument_cases[_i].forbidden, "case %d (%s)", _i, argument_cases[_i].name);
	ck_assert_msg((bpf_run(p->bpf, p->bpf_len, &d) != SECCOMP_RET_ALLOW) ==
	    argument_cases[_i].forbidden, "case %d (%s): the filter disagrees", _i,
	    argument_cases[_i].name);
}
END_TEST

/* ---- learn_syscall(), learn_path() ------------------------------------- */

static void
record(struct learn *l, const char *name, uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t args[6] = { a0, a1, a2 };

	learn_syscall(l, seccomp_syscall_resolve_name(name), name, args);
}

static bool
has_nr(const struct learn *l, int nr)
{
	return l->nr[nr / 64] & (UINT64_C(1) << (nr % 64));
}

START_TEST(test_learn_syscall)
{
	struct learn l = {};
	const uint64_t zero[6] = {};

	record(&l, "pipe2", 0, 0, 0);
	ck_assert(has_nr(&l, SYS_pipe2));
	ck_assert(!has_nr(&l, SYS_pipe));
	/* Numbers out of range are not recorded, and break nothing. */
	learn_syscall(&l, -1, NULL, zero);
	learn_syscall(&l, LEARN_NR_MAX, NULL, zero);
	learn_syscall(&l, INT32_MAX, "getpid", zero);
	for (int nr = 0; nr < LEARN_NR_MAX; nr++)
		ck_assert_msg(has_nr(&l, nr) == (nr == SYS_pipe2), "nr %d", nr);
	ck_assert_uint_eq(l.families, 0);

	/* Only families a policy can name. */
	record(&l, "socket", AF_INET, SOCK_STREAM, 0);
	record(&l, "socketpair", AF_VSOCK, SOCK_STREAM, 0);
	record(&l, "socket", AF_MAX, SOCK_STREAM, 0);
	record(&l, "socket", 63, SOCK_STREAM, 0);
	record(&l, "socket", 64, SOCK_STREAM, 0);
	record(&l, "socket", (uint64_t) -1, SOCK_STREAM, 0);
	record(&l, "socket", HIGH | AF_UNIX, SOCK_STREAM, 0);
	record(&l, "connect", AF_PACKET, 0, 0);
	ck_assert_uint_eq(l.families, (UINT64_C(1) << AF_INET) | (UINT64_C(1) << AF_VSOCK));
	ck_assert_uint_eq(l.netlink, 0);
	ck_assert(has_nr(&l, SYS_socket) && has_nr(&l, SYS_socketpair) && has_nr(&l, SYS_connect));

	/* Netlink protocols only for AF_NETLINK, and only those with a name. */
	record(&l, "socket", AF_INET, SOCK_RAW, NETLINK_AUDIT);
	record(&l, "socket", AF_NETLINK, SOCK_RAW, 30);
	record(&l, "socket", AF_NETLINK, SOCK_RAW, 32);
	record(&l, "socket", AF_NETLINK, SOCK_RAW, HIGH | NETLINK_ROUTE);
	ck_assert_uint_eq(l.netlink, 0);
	ck_assert(l.families & (UINT64_C(1) << AF_NETLINK));
	record(&l, "socket", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
	record(&l, "socketpair", AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);
	ck_assert_uint_eq(l.netlink, (1u << NETLINK_AUDIT) | (1u << NETLINK_KOBJECT_UEVENT));
	learn_done(&l);
}
END_TEST

START_TEST(test_learn_path)
{
	struct learn l = {};

	learn_path(&l, "/srv/a", LEARN_READ, false);
	learn_path(&l, "/srv/b", LEARN_CREATE, true);
	learn_path(&l, "/srv/a", LEARN_WRITE, false);
	ck_assert_uint_eq(l.n_paths, 2);
	ck_assert_str_eq(l.paths[0].path, "/srv/a");
	ck_assert_uint_eq(l.paths[0].kinds, LEARN_READ | LEARN_WRITE);
	ck_assert(!l.paths[0].dir);
	ck_assert(l.paths[1].dir);
	for (int i = 0; i < LEARN_PATHS_MAX + 5; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/srv/x%d", i);
		learn_path(&l, path, LEARN_READ, false);
	}
	ck_assert_uint_eq(l.n_paths, LEARN_PATHS_MAX);
	ck_assert_uint_eq(l.n_paths_lost, 7);
	/* Known paths still merge when the table is full. */
	learn_path(&l, "/srv/b", LEARN_DELETE, true);
	ck_assert_uint_eq(l.paths[1].kinds, LEARN_CREATE | LEARN_DELETE);
	ck_assert_uint_eq(l.n_paths_lost, 7);
	learn_done(&l);
	ck_assert_uint_eq(l.n_paths, 0);
}
END_TEST

/* ---- learn_policy_text() ----------------------------------------------- */

#define BASE_TEXT \
	"[Policy]\nDescription=the base\n" \
	"[Filesystem]\nBindReadOnly=/usr\nTmp=no\nShm=no\n" \
	"[Limits]\nTasks=3\n" \
	"[SystemCalls]\nAllow=@default @basic-io execve\nRestrictAddressFamilies=AF_UNIX\n"

struct learned {
	struct policy	*base;
	struct policy	*p;
	char		*text;
};

static void
learned_done(struct learned *x)
{
	policy_unref(x->base);
	policy_unref(x->p);
	free(x->text);
}

/* The text learned over base_text, parsed with the base as "base", which
 * it includes: it must parse without an error. */
static void
learn_text(struct learned *x, const char *base_text, const struct learn *l,
    const struct sbx_named_denial *denials, size_t n_denials, const struct learn_figures *f,
    const char *command)
{
	struct policy_sources s = {};
	struct ini_diags d = {};
	struct ini_error err = {};
	int r;

	*x = (struct learned) {};
	ck_assert_int_eq(policy_parse("base", "/srv/p/base.policy", base_text, &x->base, &err), 0);
	x->text = learn_policy_text(x->base, l, denials, n_denials, f, command);
	ck_assert_ptr_nonnull(x->text);
	ck_assert_int_eq(policy_sources_add(&s, "base", "/srv/p/base.policy", base_text), 0);
	r = policy_parse_sources_all("learned", "/srv/p/learned.policy", x->text, &s, &x->p, &d);
	policy_sources_done(&s);
	ck_assert_msg(r == 0 && d.n_errors == 0, "the learned text does not parse: line %u: %s\n%s",
	    d.n ? d.v[0].line : 0, d.n ? d.v[0].message : "?", x->text);
	ck_assert_ptr_nonnull(x->p);
	ck_assert_ptr_nonnull(strstr(x->text, "\n[Policy]\nInclude=base\n"));
}

static const struct learn_figures small_figures = { .memory_peak = 1 << 20, .tasks_peak = 1,
	.cpu_usec = 1000, .wall_usec = 1000000 };

/* The result allows exactly base's calls, the learned ones and the
 * groups' (NULL-terminated lists). */
static void
check_syscalls(const struct learned *x, const char *const *learned, const char *const *groups)
{
	size_t n = 0;

	for (char **s = x->p->syscalls; s && *s; s++) {
		bool in_group = false;

		for (const char *const *g = groups; *g; g++) {
			_cleanup_free_ char *text = testlib_asprintf("[SystemCalls]\nAllow=%s\n", *g);
			_cleanup_(policy_unrefp) struct policy *gp = NULL;
			struct ini_error err = {};

			ck_assert_int_eq(policy_parse("g", NULL, text, &gp, &err), 0);
			in_group = in_group || strv_has(gp->syscalls, *s);
		}
		ck_assert_msg(strv_has(x->base->syscalls, *s) || in_group ||
		    strv_has((char **) learned, *s), "%s is allowed\n%s", *s, x->text);
		n++;
	}
	for (char **s = x->base->syscalls; s && *s; s++)
		ck_assert_msg(strv_has(x->p->syscalls, *s), "base's %s is lost", *s);
	for (const char *const *s = learned; *s; s++)
		ck_assert_msg(strv_has(x->p->syscalls, *s), "learned %s is not allowed\n%s", *s,
		    x->text);
	for (const char *const *g = groups; *g; g++) {
		_cleanup_free_ char *line = testlib_asprintf("\nAllow=%s\n", *g);

		ck_assert_msg(strstr(x->text, line), "no Allow=%s\n%s", *g, x->text);
	}
	ck_assert_uint_ge(n, strv_length(x->base->syscalls));
}

static void
learn_names(struct learn *l, const char *const *names)
{
	for (; *names; names++)
		record(l, *names, 0, 0, 0);
}

/* A group when at least half of what it adds (and two) was used. */
START_TEST(test_text_groups)
{
	static const char *const six_timers[] = { "alarm", "timer_create", "timer_delete",
		"timer_settime", "timer_gettime", "timer_getoverrun", "chown", "fchown", "pipe2",
		"sysinfo", "ioctl", NULL };
	static const char *const five_timers[] = { "alarm", "timer_create", "timer_delete",
		"timer_settime", "timer_gettime", "chown", "pipe2", NULL };
	static const char *const two_timerfds[] = { "timerfd_create", "timerfd_settime", NULL };
	static const char *const base_has_timers =
	    BASE_TEXT "Allow=alarm getitimer setitimer timer_create timer_delete "
	    "timer_getoverrun timer_gettime timer_settime\n";
	struct learn l = {};
	struct learned x;

	/* 6 of @timer's 12 and 2 of @chown's 4: the groups; the rest singly,
	 * ioctl too (@ioctl is one call). */
	learn_names(&l, six_timers);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	check_syscalls(&x, six_timers, (const char *const[]) { "@timer", "@chown", NULL });
	ck_assert_ptr_null(strstr(x.text, "@ipc"));
	ck_assert_ptr_null(strstr(x.text, "@ioctl"));
	ck_assert_ptr_null(strstr(x.text, "@resources"));
	ck_assert_ptr_nonnull(strstr(x.text, "\nAllow=ioctl pipe2 sysinfo\n"));
	learned_done(&x);
	learn_done(&l);

	/* 5 of 12 and 1 of 4: single calls only. */
	l = (struct learn) {};
	learn_names(&l, five_timers);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	check_syscalls(&x, five_timers, (const char *const[]) { NULL });
	ck_assert_ptr_null(strstr(x.text, "Allow=@"));
	learned_done(&x);
	learn_done(&l);

	/* 2 of @timer's 12: single; but 2 of the 4 it adds to a base that has
	 * 8 of them: the group. */
	l = (struct learn) {};
	learn_names(&l, two_timerfds);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	check_syscalls(&x, two_timerfds, (const char *const[]) { NULL });
	ck_assert_ptr_null(strstr(x.text, "Allow=@"));
	learned_done(&x);
	learn_text(&x, base_has_timers, &l, NULL, 0, &small_figures, "prog");
	check_syscalls(&x, two_timerfds, (const char *const[]) { "@timer", NULL });
	learned_done(&x);
	learn_done(&l);
}
END_TEST

/* RestrictAddressFamilies= and RestrictNetlink=: the base's and the learned. */
START_TEST(test_text_families)
{
	struct learn l = {};
	struct learned x;

	/* Nothing learned: nothing said, the base's stand. */
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	ck_assert_ptr_null(strstr(x.text, "RestrictAddressFamilies="));
	ck_assert_uint_eq(x.p->socket_families, UINT64_C(1) << AF_UNIX);
	learned_done(&x);

	record(&l, "socket", AF_INET6, SOCK_STREAM, 0);
	record(&l, "socket", AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	ck_assert_uint_eq(x.p->socket_families, (UINT64_C(1) << AF_UNIX) |
	    (UINT64_C(1) << AF_INET6) | (UINT64_C(1) << AF_NETLINK));
	ck_assert_uint_eq(x.p->netlink_protocols, x.base->netlink_protocols |
	    (1u << NETLINK_KOBJECT_UEVENT));
	ck_assert(strv_has(x.p->syscalls, "socket"));
	learned_done(&x);

	/* A base that says nothing has the default families: kept. */
	learn_text(&x, "[SystemCalls]\nAllow=@default @basic-io execve\n", &l, NULL, 0,
	    &small_figures, "prog");
	ck_assert_uint_eq(x.p->socket_families, POLICY_FAMILIES_DEFAULT | (UINT64_C(1) << AF_INET6) |
	    (UINT64_C(1) << AF_NETLINK));
	ck_assert_uint_eq(x.p->netlink_protocols, POLICY_NETLINK_DEFAULT |
	    (1u << NETLINK_KOBJECT_UEVENT));
	learned_done(&x);
	learn_done(&l);
}
END_TEST

/* The BindReadOnly= destinations the learned policy adds to the base's. */
static void
check_binds(const struct learned *x, const char *const *expected)
{
	size_t n = 0;

	for (size_t i = 0; i < x->p->n_mounts; i++) {
		const struct policy_mount *m = &x->p->mounts[i];
		bool in_base = false;

		for (size_t j = 0; j < x->base->n_mounts; j++)
			in_base = in_base || strcmp(x->base->mounts[j].dest, m->dest) == 0;
		if (in_base)
			continue;
		ck_assert_uint_eq(m->kind, POLICY_MOUNT_BIND_RO);
		ck_assert_msg(strv_has((char **) expected, m->dest), "binds %s\n%s", m->dest, x->text);
		ck_assert_str_eq(m->source, m->dest);
		n++;
	}
	ck_assert_msg(n == strv_length((char **) expected), "%zu binds\n%s", n, x->text);
}

START_TEST(test_text_reads)
{
	static const char *const reads[] = {
		/* Four in a directory two or more deep: the directory. */
		"/etc/ssl/certs/a.pem", "/etc/ssl/certs/b.pem", "/etc/ssl/certs/c.pem",
		"/etc/ssl/certs/d.pem",
		"/opt/app/1", "/opt/app/2", "/opt/app/3", "/opt/app/4", "/opt/app/5",
		/* Three: each. */
		"/usr/share/zoneinfo/UTC", "/usr/share/zoneinfo/CET", "/usr/share/zoneinfo/EST",
		"/var/lib/misc/x", "/var/lib/misc/y", "/var/lib/misc/z",
		/* Five in /etc: each, never /etc. */
		"/etc/hosts", "/etc/passwd", "/etc/group", "/etc/services", "/etc/protocols",
		/* What lies below a directory read is in its bind. */
		"/srv/lib", "/srv/lib/python/x.py",
		/* Nothing is bound under /proc, /sys, /dev. */
		"/proc/cpuinfo", "/sys/kernel/mm", "/dev/fuse",
	};
	static const char *const binds[] = {
		"/etc/ssl/certs", "/opt/app",
		"/usr/share/zoneinfo/UTC", "/usr/share/zoneinfo/CET", "/usr/share/zoneinfo/EST",
		"/var/lib/misc/x", "/var/lib/misc/y", "/var/lib/misc/z",
		"/etc/hosts", "/etc/passwd", "/etc/group", "/etc/services", "/etc/protocols",
		"/srv/lib", NULL,
	};
	struct learn l = {};
	struct learned x;

	for (size_t i = 0; i < ELEMENTSOF(reads); i++)
		learn_path(&l, reads[i], LEARN_READ, strcmp(reads[i], "/srv/lib") == 0);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	check_binds(&x, binds);
	ck_assert(!x.p->tmp);
	ck_assert(!x.p->intercept);
	ck_assert_uint_eq(x.p->n_path_rules, 0);
	ck_assert_ptr_nonnull(strstr(x.text, "\n# /proc/cpuinfo: "));
	learned_done(&x);
	learn_done(&l);
}
END_TEST

/* /tmp: Tmp=yes; written paths: [Broker] rules through interception. */
START_TEST(test_text_writes)
{
	struct learn l = {};
	struct learned x;
	const struct policy_path_rule *r;

	learn_path(&l, "/tmp/x", LEARN_WRITE | LEARN_CREATE, false);
	learn_path(&l, "/tmp", LEARN_READ, true);
	learn_path(&l, "/srv/data", LEARN_CREATE | LEARN_DELETE, true);
	learn_path(&l, "/srv/out.log", LEARN_WRITE, false);
	learn_path(&l, "/srv/in.txt", LEARN_READ, false);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	ck_assert(x.p->tmp);
	ck_assert_ptr_nonnull(strstr(x.text, "\nTmp=yes\n"));
	ck_assert(x.p->intercept);
	ck_assert_ptr_nonnull(strstr(x.text, "\n[Broker]\n"));
	ck_assert_ptr_nonnull(strstr(x.text, "\nIntercept=yes\n"));
	check_binds(&x, (const char *const[]) { "/srv/in.txt", NULL });
	ck_assert_uint_eq(x.p->n_path_rules, 2);
	r = policy_match_path(x.p, "/srv/data/sub/f", &(const char *) { NULL });
	ck_assert_ptr_nonnull(r);
	ck_assert(r->tree);
	ck_assert_str_eq(r->path, "/srv/data");
	ck_assert_uint_eq(r->rights, POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE |
	    POLICY_RIGHT_DELETE | POLICY_RIGHT_NOSYMLINKS);
	r = policy_match_path(x.p, "/srv/out.log", &(const char *) { NULL });
	ck_assert_ptr_nonnull(r);
	ck_assert(!r->tree);
	ck_assert_uint_eq(r->rights, POLICY_RIGHT_READ | POLICY_RIGHT_WRITE |
	    POLICY_RIGHT_NOSYMLINKS);
	learned_done(&x);

	/* A base with /tmp and interception already: neither is said again. */
	learn_text(&x, BASE_TEXT "[Filesystem]\nTmp=yes\n[Broker]\nIntercept=yes\n"
	    "Tree=/srv/in read\n", &l, NULL, 0, &small_figures, "prog");
	ck_assert_ptr_null(strstr(x.text, "Tmp="));
	ck_assert_ptr_null(strstr(x.text, "Intercept="));
	ck_assert(x.p->tmp && x.p->intercept);
	ck_assert_uint_eq(x.p->n_path_rules, 3);
	learned_done(&x);
	learn_done(&l);
}
END_TEST

/* Whether every byte of text is printable or a newline. */
static bool
text_is_clean(const char *text)
{
	for (const char *c = text; *c; c++)
		if (*c != '\n' && ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7f))
			return false;
	return true;
}

/* The keys of the lines that are not comments: each must be in keys. */
static void
check_keys(const char *text, const char *const *keys)
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;

	ck_assert_ptr_nonnull(copy);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strcspn(line, "=");
		bool known = false;

		if (line[0] == '#' || line[0] == '[')
			continue;
		for (const char *const *k = keys; *k; k++)
			known = known || (strlen(*k) == n && strncmp(line, *k, n) == 0);
		ck_assert_msg(known, "line '%s'\n%s", line, text);
	}
}

START_TEST(test_text_hostile)
{
	static const char *const hostile[] = {
		"/srv/a\nBindReadOnly=/etc/shadow",
		"/srv/b:/usr/bin",
		"/srv/c\x1b]0;owned\x07",
		"/srv/d\r",
		"/srv/e ",
		"/srv/f\t",
		"/srv/g\n[Broker]\nTree=/ read,write,create,delete",
	};
	static const struct sbx_named_denial denials[] = {
		{ .d = { .count = 3, .layer = SBX_LAYER_SECCOMP, .error = EPERM,
		    .flags = SBX_DENIAL_FORBIDDEN }, .name = "ptrace" },
		{ .d = { .count = 1, .layer = SBX_LAYER_SECCOMP, .error = EPERM }, .name = "mkdir" },
		{ .d = { .count = 2, .layer = SBX_LAYER_SECCOMP, .error = ENOSYS,
		    .flags = SBX_DENIAL_FORBIDDEN }, .name = "clone3" },
	};
	struct learn l = {};
	struct learned x;
	const char *comment;

	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		learn_path(&l, hostile[i], LEARN_READ, false);
		learn_path(&l, hostile[i], i % 2 ? LEARN_WRITE : LEARN_READ, i % 3 == 0);
	}
	learn_text(&x, BASE_TEXT, &l, denials, ELEMENTSOF(denials), &small_figures,
	    "evil\n[Broker]\x1b[2J --flag /usr/bin");
	ck_assert_msg(text_is_clean(x.text), "%s", x.text);
	check_keys(x.text, (const char *const[]) { "Include", "Description", "Memory", "Tasks",
	    "CPUTime", "WallTime", NULL });
	check_binds(&x, (const char *const[]) { NULL });
	ck_assert_uint_eq(x.p->n_path_rules, 0);
	ck_assert(!x.p->intercept);
	ck_assert(!x.p->tmp);
	/* Each is said, in a comment. */
	ck_assert_ptr_nonnull(strstr(x.text, "\n# A path the program used that no policy can name: "
	    "/srv/a?BindReadOnly=/etc/shadow\n"));
	ck_assert_ptr_nonnull(strstr(x.text, ": /srv/b:/usr/bin\n"));
	ck_assert_ptr_nonnull(strstr(x.text, ": /srv/e \n"));
	ck_assert_ptr_nonnull(strstr(x.text, "\n#   evil?[Broker]?[2J --flag /usr/bin\n"));
	ck_assert_ptr_nonnull(strstr(x.text, "\nDescription=base, plus what evil?[Broker]?[2J used\n"));
	/* The forbidden denials, and only they, in a comment. */
	comment = strstr(x.text, "\n# Refused, and forbidden in every policy");
	ck_assert_ptr_nonnull(comment);
	ck_assert_ptr_nonnull(strstr(comment, "\n#   ptrace (3) clone3 (2)\n"));
	ck_assert_ptr_null(strstr(x.text, "mkdir"));
	learned_done(&x);
	learn_done(&l);
}
END_TEST

/* [Limits]: what the sandbox used, with headroom. */
static const struct {
	struct learn_figures	f;
	uint64_t		memory;		/* bytes */
	uint64_t		tasks;		/* 0: none said, the base's */
	uint64_t		cpu_ms;
	uint64_t		wall_ms;
} limits[] = {
	/* Twice the memory rounded up to MiB, twice the tasks, four times
	 * the times rounded up to seconds. */
	{ { .memory_peak = (UINT64_C(100) << 20) + 1, .tasks_peak = 5, .cpu_usec = 3300000,
	    .wall_usec = 20000000 }, UINT64_C(201) << 20, 10, 14000, 80000 },
	{ { .memory_peak = UINT64_C(17) << 20, .tasks_peak = 2, .cpu_usec = 2600000,
	    .wall_usec = 7600000 }, UINT64_C(34) << 20, 4, 11000, 31000 },
	{ { .memory_peak = UINT64_C(3) << 30, .tasks_peak = 300, .cpu_usec = 60000000,
	    .wall_usec = 3600000000 }, UINT64_C(6) << 30, 600, 240000, 14400000 },
	/* The least: 32M, 4 tasks, 10 s of CPU, 30 s. */
	{ { .memory_peak = UINT64_C(16) << 20, .tasks_peak = 1, .cpu_usec = 2500000,
	    .wall_usec = 7500000 }, UINT64_C(32) << 20, 4, 10000, 30000 },
	{ { .memory_peak = 0, .tasks_peak = 0, .cpu_usec = 0, .wall_usec = 0 },
	    UINT64_C(32) << 20, 0, 10000, 30000 },
};

START_TEST(test_text_limits)
{
	struct learn l = {};
	struct learned x;

	learn_text(&x, BASE_TEXT, &l, NULL, 0, &limits[_i].f, "prog");
	ck_assert_uint_eq(x.p->limits.memory_max, limits[_i].memory);
	ck_assert_uint_eq(x.p->limits.tasks_max, limits[_i].tasks ?: x.base->limits.tasks_max);
	ck_assert_uint_eq(x.p->limits.cpu_ms, limits[_i].cpu_ms);
	ck_assert_uint_eq(x.p->limits.timeout_ms, limits[_i].wall_ms);
	learned_done(&x);
}
END_TEST

/* The rights the broker needs for what the program did (sandboxd.policy(5):
 * O_CREAT needs create even if the file exists, unlink delete), for a
 * File= as for a Tree=, and for what was done below a Tree= too. */
START_TEST(test_text_write_rights)
{
	static const struct {
		const char	*path;
		unsigned	kinds;
		bool		dir;
		const char	*probe;		/* a path the rule must govern */
		unsigned	rights;
	} cases[] = {
		{ "/srv/out.txt", LEARN_WRITE | LEARN_CREATE, false, "/srv/out.txt",
		  POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE },
		{ "/srv/old.txt", LEARN_DELETE, false, "/srv/old.txt", POLICY_RIGHT_DELETE },
		{ "/srv/tree", LEARN_CREATE, true, "/srv/tree/f", POLICY_RIGHT_CREATE },
		{ "/srv/tree/f", LEARN_DELETE, false, "/srv/tree/f", POLICY_RIGHT_DELETE },
	};
	struct learn l = {};
	struct learned x;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		learn_path(&l, cases[i].path, cases[i].kinds, cases[i].dir);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct policy_path_rule *r = policy_match_path(x.p, cases[i].probe,
		    &(const char *) { NULL });

		ck_assert_msg(r, "nothing governs %s\n%s", cases[i].probe, x.text);
		ck_assert_msg((r->rights & cases[i].rights) == cases[i].rights,
		    "%s: rights 0x%x lack 0x%x\n%s", cases[i].path, r->rights, cases[i].rights,
		    x.text);
	}
	learned_done(&x);
	learn_done(&l);
}
END_TEST

/* A written path with a blank inside: a Tree=/File= value is "PATH
 * RIGHTS", so the line would name another path, or fail to parse. */
START_TEST(test_text_blank_paths)
{
	struct learn l = {};
	struct learned x;

	learn_path(&l, "/srv/x write,create,delete,special", LEARN_READ | LEARN_WRITE, false);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	for (size_t i = 0; i < x.p->n_path_rules; i++)
		ck_assert_msg(strcmp(x.p->path_rules[i].path, "/srv/x") != 0,
		    "a rule for /srv/x, which the program did not use, rights 0x%x\n%s",
		    x.p->path_rules[i].rights, x.text);
	learned_done(&x);
	learn_done(&l);
	l = (struct learn) {};
	learn_path(&l, "/srv/My Documents", LEARN_CREATE, true);
	learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, "prog");
	for (size_t i = 0; i < x.p->n_path_rules; i++)
		ck_assert_msg(strcmp(x.p->path_rules[i].path, "/srv/My") != 0 &&
		    strcmp(x.p->path_rules[i].path, "/srv/x") != 0,
		    "a rule for %s, which the program did not use\n%s", x.p->path_rules[i].path,
		    x.text);
	learned_done(&x);
	learn_done(&l);
}
END_TEST

/* Description= names the program: the command's first word, without
 * its directory. The command ends where a page does, before one that
 * cannot be read, so a read past its end faults in any build. */
START_TEST(test_text_program_name)
{
	static const char *const commands[][2] = {
		{ "python3 -c pass", "python3" },
		{ "/usr/bin/python3", "python3" },
		{ "/usr/bin/ls -l /tmp", "ls" },
		{ "./a/b c", "b" },
		{ "make", "make" },
	};
	long page = sysconf(_SC_PAGESIZE);
	char *pages = mmap(NULL, 2 * (size_t) page, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct learn l = {};

	ck_assert_ptr_ne(pages, MAP_FAILED);
	ck_assert_int_eq(mprotect(pages + page, (size_t) page, PROT_NONE), 0);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		size_t n = strlen(commands[i][0]) + 1;
		char *command = memcpy(pages + page - n, commands[i][0], n);
		_cleanup_free_ char *line = testlib_asprintf("\nDescription=base, plus what %s used\n",
		    commands[i][1]);
		struct learned x;

		learn_text(&x, BASE_TEXT, &l, NULL, 0, &small_figures, command);
		ck_assert_msg(strstr(x.text, line), "%s: no '%s'\n%s", commands[i][0], line + 1,
		    x.text);
		learned_done(&x);
	}
	(void) munmap(pages, 2 * (size_t) page);
}
END_TEST

TESTLIB_MAIN("learn",
	{ "forbidden",
	    .loops = TESTLIB_LOOPS({ test_forbidden_arguments, ELEMENTSOF(argument_cases) }),
	    .tests = TESTLIB_TESTS(test_forbidden_names) },
	{ "record", .tests = TESTLIB_TESTS(test_learn_syscall, test_learn_path) },
	{ "text", .timeout = 30,
	    .loops = TESTLIB_LOOPS({ test_text_limits, ELEMENTSOF(limits) }),
	    .tests = TESTLIB_TESTS(test_text_groups, test_text_families, test_text_reads,
		test_text_writes, test_text_hostile, test_text_write_rights,
		test_text_blank_paths, test_text_program_name) });
