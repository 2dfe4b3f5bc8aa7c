/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for policy parsing (daemon/policy/policy.c), the system call groups
 * (daemon/policy/syscall-groups.c) and the compiled seccomp filters: valid and
 * invalid policies from tables, the shipped policies, and filters loaded
 * into forked children to see what they really allow.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "bpf.h"
#include "policy.h"
#include "syscall-groups.h"
#include "testlib.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static bool
strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

static struct policy *
parse_ok(const char *text)
{
	struct policy *p = NULL;
	struct ini_error err = {};
	int r;

	r = policy_parse("test", NULL, text, &p, &err);
	ck_assert_msg(r == 0, "parse failed: r=%d, line %u: %s", r, err.line, err.message);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* ---- valid policies ---------------------------------------------------- */

static void
check_empty(const struct policy *p)
{
	/* Every default is finite and conservative. */
	ck_assert_str_eq(p->name, "test");
	ck_assert_ptr_null(p->description);
	ck_assert_uint_eq(p->n_mounts, 0);
	ck_assert(p->tmp);
	ck_assert(p->shm);
	ck_assert_str_eq(p->hostname, "sandbox");
	ck_assert_str_eq(p->cwd, "/");
	ck_assert_uint_eq(strv_length(p->environment), 1);
	ck_assert_str_eq(p->environment[0], "PATH=/usr/local/bin:/usr/bin:/bin");
	ck_assert_uint_eq(p->limits.timeout_ms, 3600 * 1000);
	ck_assert_uint_eq(p->limits.memory_max, UINT64_C(512) << 20);
	ck_assert_uint_eq(p->limits.tasks_max, 64);
	ck_assert_uint_eq(p->limits.cpu_ms, 600 * 1000);
	ck_assert_uint_eq(p->limits.nofile_max, 256);
	ck_assert_uint_eq(p->limits.fsize_max, UINT64_C(256) << 20);
	ck_assert_uint_eq(p->limits.tmp_size, UINT64_C(64) << 20);
	ck_assert_uint_eq(p->limits.shm_size, UINT64_C(64) << 20);
	ck_assert(!p->network);
	ck_assert_int_eq(p->landlock, POLICY_BEST_EFFORT);
	ck_assert_ptr_nonnull(p->syscalls);
	ck_assert_ptr_null(p->syscalls[0]);
	ck_assert_int_eq(p->syscall_errno, EPERM);
	ck_assert_uint_eq(p->socket_families, (1u << AF_UNIX) | (1u << AF_INET) | (1u << AF_INET6));
	ck_assert_uint_eq(p->netlink_protocols, 1u << NETLINK_ROUTE);
	ck_assert_str_eq(p->text, "");
}

static void
check_full(const struct policy *p)
{
	ck_assert_str_eq(p->description, "A full policy");
	ck_assert_uint_eq(p->n_mounts, 5);
	ck_assert_int_eq(p->mounts[0].kind, POLICY_MOUNT_BIND_RO);
	ck_assert_str_eq(p->mounts[0].source, "/usr");
	ck_assert_str_eq(p->mounts[0].dest, "/usr");
	ck_assert(!p->mounts[0].optional);
	ck_assert_int_eq(p->mounts[1].kind, POLICY_MOUNT_BIND_RO);
	ck_assert_str_eq(p->mounts[1].source, "/etc/hosts");
	ck_assert_str_eq(p->mounts[1].dest, "/etc/hosts2");
	ck_assert(p->mounts[1].optional);
	ck_assert_int_eq(p->mounts[2].kind, POLICY_MOUNT_BIND_RW);
	ck_assert_str_eq(p->mounts[2].source, "/srv/data");
	ck_assert_str_eq(p->mounts[2].dest, "/data");
	ck_assert_int_eq(p->mounts[3].kind, POLICY_MOUNT_SYMLINK);
	ck_assert_str_eq(p->mounts[3].source, "usr/bin");
	ck_assert_str_eq(p->mounts[3].dest, "/bin");
	ck_assert_int_eq(p->mounts[4].kind, POLICY_MOUNT_TMPFS);
	ck_assert_ptr_null(p->mounts[4].source);
	ck_assert_str_eq(p->mounts[4].dest, "/run/work");
	ck_assert(!p->tmp);
	ck_assert_uint_eq(p->limits.tmp_size, UINT64_C(1) << 30);
	ck_assert(!p->shm);
	ck_assert_uint_eq(p->limits.shm_size, UINT64_C(8) << 20);
	ck_assert_str_eq(p->hostname, "box.example");
	ck_assert_str_eq(p->cwd, "/data");
	ck_assert_uint_eq(strv_length(p->environment), 2);
	ck_assert_str_eq(p->environment[0], "PATH=/bin");
	ck_assert_str_eq(p->environment[1], "LANG=C.UTF-8");
	ck_assert_uint_eq(p->limits.timeout_ms, 90 * 1000);
	ck_assert_uint_eq(p->limits.memory_max, POLICY_UNLIMITED);
	ck_assert_uint_eq(p->limits.tasks_max, 10);
	ck_assert_uint_eq(p->limits.cpu_ms, 500);
	ck_assert_uint_eq(p->limits.nofile_max, 1024);
	ck_assert_uint_eq(p->limits.fsize_max, UINT64_C(4) << 10);
	ck_assert_int_eq(p->landlock, POLICY_YES);
	ck_assert_int_eq(p->syscall_errno, ENOSYS);
	ck_assert_uint_eq(strv_length(p->syscalls), 3);
	ck_assert_str_eq(p->syscalls[0], "close");
	ck_assert_str_eq(p->syscalls[1], "read");
	ck_assert_str_eq(p->syscalls[2], "write");
}

static void
check_nested_group(const struct policy *p)
{
	/* @process names @signal; both are expanded. */
	ck_assert(strv_contains(p->syscalls, "clone"));
	ck_assert(strv_contains(p->syscalls, "execve"));
	ck_assert(strv_contains(p->syscalls, "rt_sigaction"));
	ck_assert(strv_contains(p->syscalls, "sigaltstack"));
	ck_assert(!strv_contains(p->syscalls, "clone3"));
	ck_assert(!strv_contains(p->syscalls, "unshare"));
	ck_assert(!strv_contains(p->syscalls, "read"));
}

static void
check_common_group(const struct policy *p)
{
	/* @common names other groups, one of which (@process) names @signal. */
	ck_assert(strv_contains(p->syscalls, "read"));
	ck_assert(strv_contains(p->syscalls, "openat"));
	ck_assert(strv_contains(p->syscalls, "rt_sigaction"));
	ck_assert(strv_contains(p->syscalls, "ioctl"));
	ck_assert(!strv_contains(p->syscalls, "socket"));
	for (char **s = p->syscalls; *s; s++) {
		ck_assert_msg(!syscall_is_forbidden(*s), "'%s' in @common", *s);
		if (s[1])
			ck_assert_msg(strcmp(s[0], s[1]) < 0, "not sorted/unique at '%s'", *s);
	}
}

static void
check_kill_infinity(const struct policy *p)
{
	ck_assert_int_eq(p->syscall_errno, 0);
	ck_assert_uint_eq(p->limits.timeout_ms, POLICY_UNLIMITED);
	ck_assert_uint_eq(p->limits.cpu_ms, POLICY_UNLIMITED);
	ck_assert_uint_eq(p->limits.tasks_max, POLICY_UNLIMITED);
	ck_assert_uint_eq(p->limits.nofile_max, POLICY_UNLIMITED);
	ck_assert_uint_eq(p->limits.fsize_max, POLICY_UNLIMITED);
	ck_assert(!p->network);
	ck_assert_int_eq(p->landlock, POLICY_NO);
	ck_assert(p->tmp);
}

static void
check_env_override(const struct policy *p)
{
	ck_assert_uint_eq(strv_length(p->environment), 2);
	ck_assert_str_eq(p->environment[0], "FOO=2");
	ck_assert_str_eq(p->environment[1], "PATH=/usr/local/bin:/usr/bin:/bin");
}

/* The first assignment replaces the default, later ones add to it. */
static void
check_families(const struct policy *p)
{
	ck_assert_uint_eq(p->socket_families,
	    (UINT64_C(1) << AF_UNIX) | (UINT64_C(1) << AF_NETLINK) | (UINT64_C(1) << AF_VSOCK));
	ck_assert_uint_eq(p->netlink_protocols,
	    (1u << NETLINK_ROUTE) | (1u << NETLINK_KOBJECT_UEVENT) | (1u << NETLINK_AUDIT));
}

/* An empty assignment (or "none") empties the list, default included. */
static void
check_families_reset(const struct policy *p)
{
	ck_assert_uint_eq(p->socket_families, UINT64_C(1) << AF_INET6);
	ck_assert_uint_eq(p->netlink_protocols, 0);
}

static void
check_families_none(const struct policy *p)
{
	ck_assert_uint_eq(p->socket_families, 0);
	ck_assert_uint_eq(p->netlink_protocols, 1u << NETLINK_ROUTE);
}

static const struct {
	const char *name;
	const char *text;
	void (*check)(const struct policy *p);
} valid[] = {
	{ "families",
	  "[SystemCalls]\nAllow=socket\nRestrictAddressFamilies=AF_UNIX\n"
	  "RestrictAddressFamilies=AF_NETLINK  AF_VSOCK AF_LOCAL\n"
	  "RestrictNetlink=kobject_uevent\nRestrictNetlink=route audit\n", check_families },
	{ "families-reset",
	  "[SystemCalls]\nRestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=\n"
	  "RestrictAddressFamilies=AF_INET6\nRestrictNetlink=\n", check_families_reset },
	{ "families-none", "[SystemCalls]\nAllow=socket socketpair\nRestrictAddressFamilies=none\n",
	  check_families_none },
	{ "empty", "", check_empty },
	{ "full",
	  "# comment\n"
	  "[Policy]\n"
	  "Description=A full policy\n"
	  "[Filesystem]\n"
	  "BindReadOnly=/usr\n"
	  "BindReadOnly=-/etc/hosts:/etc/hosts2\n"
	  "Bind=/srv/data:/data\n"
	  "Symlink=usr/bin:/bin\n"
	  "TemporaryFileSystem=/run/work\n"
	  "Tmp=no\n"
	  "TmpSize=1G\n"
	  "Shm=no\n"
	  "ShmSize=8M\n"
	  "[Sandbox]\n"
	  "Hostname=box.example\n"
	  "Environment=PATH=/bin\n"
	  "Environment=LANG=C.UTF-8\n"
	  "WorkingDirectory=/data\n"
	  "[Limits]\n"
	  "WallTime=90s\n"
	  "Memory=infinity\n"
	  "Tasks=10\n"
	  "CPUTime=500ms\n"
	  "OpenFiles=1024\n"
	  "FileSize=4K\n"
	  "[Network]\n"
	  "Network=loopback\n"
	  "[Security]\n"
	  "Landlock=yes\n"
	  "[SystemCalls]\n"
	  "Allow=write read\n"
	  "Allow=read   close\n"
	  "Action=errno:ENOSYS\n",
	  check_full },
	{ "nested-group", "[SystemCalls]\nAllow=@process\n", check_nested_group },
	{ "common-group", "[SystemCalls]\nAllow=@common\n", check_common_group },
	{ "kill-infinity",
	  "[Limits]\nWallTime=infinity\nCPUTime=infinity\nTasks=infinity\n"
	  "OpenFiles=infinity\nFileSize=infinity\n"
	  "[Network]\nNetwork=none\n[Security]\nLandlock=no\n"
	  "[SystemCalls]\nAction=errno\nAction=kill\n",
	  check_kill_infinity },
	{ "env-override", "[Sandbox]\nEnvironment=FOO=1\nEnvironment=FOO=2\n",
	  check_env_override },
};

START_TEST(test_valid)
{
	_cleanup_(policy_unrefp) struct policy *p = parse_ok(valid[_i].text);

	valid[_i].check(p);
	ck_assert_int_eq(policy_compile(p, NULL), 0);
	ck_assert_ptr_nonnull(p->bpf);
	ck_assert_uint_gt(p->bpf_len, 0);
}
END_TEST

/* ---- invalid policies -------------------------------------------------- */

static char *overlong_line;
static char *too_many_mounts;
static char *too_large;

static const struct {
	const char *text;
	unsigned line;
	const char *message;
} invalid[] = {
	{ "[Foo]\nX=1\n", 1, "unknown section [Foo]" },
	{ "[Policy]\nDescription=x\n\n[Polcy]\n# empty\n", 4, "unknown section [Polcy]" },
	{ "[Policy]\nDescription=x\nColour=red\n", 3, "unknown key 'Colour'" },
	{ "Description=x\n", 1, "outside of any section" },
	{ "[Limits]\n\nMemory=12Q\n", 3, "Memory=: invalid value '12Q'" },
	{ "[Limits]\nMemory=99999999999999999999\n", 2, "out of range" },
	{ "[Limits]\nWallTime=soon\n", 2, "WallTime=: invalid value" },
	{ "[Limits]\nTasks=1\n", 2, "too small" },
	{ "[Limits]\nOpenFiles=-5\n", 2, "invalid value" },
	{ "[Filesystem]\nBindReadOnly=usr\n", 2, "is not absolute" },
	{ "[Filesystem]\nBindReadOnly=/usr/../etc\n", 2, "'..'" },
	{ "[Filesystem]\nBindReadOnly=/usr/./lib\n", 2, "'.' component" },
	{ "[Filesystem]\nBindReadOnly=/usr//lib\n", 2, "'//'" },
	{ "[Filesystem]\nBindReadOnly=/usr/\n", 2, "trailing '/'" },
	{ "[Filesystem]\nBindReadOnly=/a:/b:/c\n", 2, "contains ':'" },
	{ "[Filesystem]\nBindReadOnly=/usr:/proc\n", 2, "/proc" },
	{ "[Filesystem]\nBind=/srv:/proc/sys\n", 2, "/proc" },
	{ "[Filesystem]\nBind=/srv:/dev\n", 2, "/dev" },
	{ "[Filesystem]\nBind=/srv:/tmp/x\n", 2, "/tmp" },
	{ "[Filesystem]\nBindReadOnly=/\n", 2, "is '/'" },
	{ "[Filesystem]\nBindReadOnly=/srv:relative\n", 2, "not absolute" },
	{ "[Filesystem]\nTemporaryFileSystem=/tmp\n", 2, "/tmp" },
	{ "[Filesystem]\nSymlink=usr/bin\n", 2, "TARGET:LINKPATH" },
	{ "[Filesystem]\nSymlink=../../etc:/etc2\n", 2, "'..'" },
	{ "[Filesystem]\nSymlink=/x:/dev/x\n", 2, "/dev" },
	{ "[Filesystem]\nBindReadOnly=/usr\nBindReadOnly=/opt:/usr\n", 3, "already a mount point" },
	{ "[Filesystem]\nTmp=maybe\n", 2, "Tmp=" },
	{ "[Filesystem]\nTmpSize=infinity\n", 2, "finite" },
	{ "[Sandbox]\nHostname=bad_name!\n", 2, "invalid host name" },
	{ "[Sandbox]\nEnvironment=1X=y\n", 2, "invalid variable name" },
	{ "[Sandbox]\nEnvironment=NOVALUE\n", 2, "NAME=VALUE" },
	{ "[Sandbox]\nWorkingDirectory=tmp\n", 2, "not absolute" },
	{ "[Network]\nNetwork=host\n", 2, "not supported" },
	{ "[Network]\nNetwork=private\n", 2, "not supported" },
	{ "[Security]\nLandlock=sometimes\n", 2, "Landlock=" },
	{ "[SystemCalls]\nAllow=read bpf\n", 2, "'bpf' is never allowed" },
	{ "[SystemCalls]\nAllow=read\nAllow=io_uring_setup\n", 3, "'io_uring_setup' is never allowed" },
	{ "[SystemCalls]\nAllow=unshare\n", 2, "'unshare' is never allowed" },
	{ "[SystemCalls]\nAllow=clone3\n", 2, "'clone3' is never allowed" },
	{ "[SystemCalls]\nAllow=ptrace\n", 2, "'ptrace' is never allowed" },
	{ "[SystemCalls]\nAllow=mount\n", 2, "'mount' is never allowed" },
	{ "[SystemCalls]\nAllow=@basic-io @nonexistent\n", 2, "unknown system call group '@nonexistent'" },
	{ "[SystemCalls]\nAllow=frobnicate\n", 2, "unknown system call 'frobnicate'" },
	{ "[SystemCalls]\nAction=trap\n", 2, "Action=" },
	{ "[SystemCalls]\nAction=errno:EWHATEVER\n", 2, "errno name" },
	{ "[SystemCalls]\nRestrictAddressFamilies=AF_UNIX AF_VSCOK\n", 2, "'AF_VSCOK'" },
	{ "[SystemCalls]\nRestrictAddressFamilies=af_unix\n", 2, "'af_unix'" },
	{ "[SystemCalls]\nRestrictAddressFamilies=AF_UNSPEC\n", 2, "'AF_UNSPEC'" },
	{ "[SystemCalls]\nRestrictAddressFamilies=~AF_PACKET\n", 2, "not supported" },
	{ "[SystemCalls]\nRestrictAddressFamilies=AF_NETLINK\nRestrictNetlink=uevent\n", 3,
	  "unknown netlink protocol 'uevent'" },
	{ "[SystemCalls]\nRestrictNetlink=route audit\n", 2, "does not allow AF_NETLINK" },
	{ "[SystemCalls]\nRestrictAddressFamilies=AF_NETLINK\nRestrictNetlink=audit\n"
	  "RestrictAddressFamilies=\n", 3, "does not allow AF_NETLINK" },
	{ "[Broker]\nTree=/srv\n", 2, "expected 'PATH RIGHTS'" },
	{ "[Broker]\nTree=srv read\n", 2, "is not absolute" },
	{ "[Broker]\nTree=/srv/../etc read\n", 2, "'..'" },
	{ "[Broker]\nTree=/srv read,fly\n", 2, "unknown right 'fly'" },
	{ "[Broker]\nTree=/srv nosymlinks\n", 2, "grants no right" },
	{ "[Broker]\nTree=/srv read\nFile=/srv write\n", 3, "already given" },
	{ "[Broker]\nFile=/ read\n", 2, "use Tree=/" },
	{ "[Broker]\nConnect=http://example.com\n", 2, "Connect=" },
	{ "[Broker]\nConnect=tcp:127.0.0.1\n", 2, "Connect=" },
	{ "[Broker]\nConnect=tcp:127.0.0.1:0\n", 2, "Connect=" },
	{ "[Broker]\nConnect=tcp:127.0.0.1:70000\n", 2, "Connect=" },
	{ "[Broker]\nConnect=udp:bad_host!:53\n", 2, "Connect=" },
	{ "[Broker]\nConnect=unix:relative\n", 2, "Connect=" },
	{ "[Broker]\nTree=/srv/d read,write,create,delete\nConnect=unix:/srv/d/app.sock\n", 3,
	  "lies where Tree=/srv/d (line 2) lets the target write, create or delete" },
	{ "[Broker]\nConnect=unix:/srv/d/app.sock\nTree=/srv create\n", 2, "Tree=/srv (line 3)" },
	{ "[Broker]\nTree=/ read,write\nConnect=unix:/run/app.sock\n", 3, "Tree=/ (line 2)" },
	{ "[Broker]\nFile=/srv/d delete\nConnect=unix:/srv/d/app.sock\n", 3, "File=/srv/d" },
	{ "[Broker]\nFile=/run/app.sock delete\nConnect=unix:/run/app.sock\n", 3, "File=/run" },
	{ "[Broker]\nRead=/srv\n", 2, "unknown key 'Read'" },
	{ "[Policy]\nthis line has no equals sign\n", 2, "missing '='" },
	{ "[Policy\n", 1, "malformed section header" },
	{ NULL /* overlong_line */, 3, "line too long" },
	{ NULL /* too_many_mounts */, 66, "too many mounts" },
	{ NULL /* too_large */, 0, "too large" },
};

START_TEST(test_invalid)
{
	struct policy *p = NULL;
	struct ini_error err = {};
	const char *text = invalid[_i].text;
	int r;

	if (!text) {
		const char *const special[] = { overlong_line, too_many_mounts, too_large };

		text = special[_i - (ELEMENTSOF(invalid) - ELEMENTSOF(special))];
	}
	r = policy_parse("test", NULL, text, &p, &err);
	ck_assert_msg(r < 0, "case %d: parsed but should not", _i);
	ck_assert_ptr_null(p);
	ck_assert_msg(err.line == invalid[_i].line, "case %d: line %u, expected %u (%s)", _i,
	    err.line, invalid[_i].line, err.message);
	ck_assert_msg(strstr(err.message, invalid[_i].message),
	    "case %d: message '%s' lacks '%s'", _i, err.message, invalid[_i].message);
}
END_TEST

START_TEST(test_name)
{
	ck_assert(policy_name_is_valid("default"));
	ck_assert(policy_name_is_valid("my_policy-2"));
	ck_assert(!policy_name_is_valid(""));
	ck_assert(!policy_name_is_valid("-x"));
	ck_assert(!policy_name_is_valid("a/b"));
	ck_assert(!policy_name_is_valid("a.policy"));
	ck_assert(!policy_name_is_valid(
	    "0123456789012345678901234567890123456789012345678901234567890123"));
}
END_TEST

/* ---- the key table: each key into its field, each bad value's message -- */

START_TEST(test_every_key)
{
	_cleanup_(policy_unrefp) struct policy *p = parse_ok(
	    "[Policy]\n"
	    "Description=every key\n"			/* 2 */
	    "[Filesystem]\n"
	    "BindReadOnly=-/usr\n"			/* 4 */
	    "Bind=/srv/data:/data\n"
	    "Symlink=usr/bin:/bin\n"
	    "TemporaryFileSystem=/run\n"
	    "Tmp=no\n"
	    "TmpSize=1M\n"
	    "[Sandbox]\n"
	    "Hostname=box.example\n"
	    "Environment=LANG=C.UTF-8\n"
	    "WorkingDirectory=/data\n"
	    "[Limits]\n"
	    "WallTime=90s\n"
	    "Memory=2M\n"
	    "Tasks=3\n"
	    "CPUTime=500ms\n"
	    "OpenFiles=9\n"
	    "FileSize=infinity\n"
	    "[Network]\n"
	    "Network=loopback\n"
	    "[Security]\n"
	    "Landlock=no\n"				/* 24 */
	    "[Broker]\n"
	    "File=/srv/in/one read\n"			/* 26 */
	    "Tree=/srv/out read,write,create\n"
	    "Connect=tcp:127.0.0.1:8080\n"		/* 28 */
	    "[SystemCalls]\n"
	    "Allow=read write\n"			/* 30 */
	    "Allow=execve\n"
	    "Action=errno:ENOSYS\n");

	ck_assert_str_eq(p->description, "every key");
	ck_assert_uint_eq(p->n_mounts, 4);
	ck_assert_int_eq(p->mounts[0].kind, POLICY_MOUNT_BIND_RO);
	ck_assert(p->mounts[0].optional);
	ck_assert_str_eq(p->mounts[0].source, "/usr");
	ck_assert_str_eq(p->mounts[0].dest, "/usr");
	ck_assert_uint_eq(p->mounts[0].line, 4);
	ck_assert_int_eq(p->mounts[1].kind, POLICY_MOUNT_BIND_RW);
	ck_assert_str_eq(p->mounts[1].source, "/srv/data");
	ck_assert_str_eq(p->mounts[1].dest, "/data");
	ck_assert_int_eq(p->mounts[2].kind, POLICY_MOUNT_SYMLINK);
	ck_assert_str_eq(p->mounts[2].source, "usr/bin");
	ck_assert_str_eq(p->mounts[2].dest, "/bin");
	ck_assert_int_eq(p->mounts[3].kind, POLICY_MOUNT_TMPFS);
	ck_assert_ptr_null(p->mounts[3].source);
	ck_assert_str_eq(p->mounts[3].dest, "/run");
	ck_assert(!p->tmp);
	ck_assert_uint_eq(p->limits.tmp_size, 1 << 20);
	ck_assert_str_eq(p->hostname, "box.example");
	ck_assert(strv_contains(p->environment, "LANG=C.UTF-8"));
	ck_assert_str_eq(p->cwd, "/data");
	ck_assert_uint_eq(p->limits.timeout_ms, 90 * 1000);
	ck_assert_uint_eq(p->limits.memory_max, 2 << 20);
	ck_assert_uint_eq(p->limits.tasks_max, 3);
	ck_assert_uint_eq(p->limits.cpu_ms, 500);
	ck_assert_uint_eq(p->limits.nofile_max, 9);
	ck_assert_uint_eq(p->limits.fsize_max, POLICY_UNLIMITED);
	ck_assert(!p->network);
	ck_assert_int_eq(p->landlock, POLICY_NO);
	ck_assert_uint_eq(p->landlock_line, 24);
	ck_assert_uint_eq(p->n_path_rules, 2);
	ck_assert(!p->path_rules[0].tree);
	ck_assert_str_eq(p->path_rules[0].path, "/srv/in/one");
	ck_assert_uint_eq(p->path_rules[0].rights, POLICY_RIGHT_READ);
	ck_assert_uint_eq(p->path_rules[0].line, 26);
	ck_assert(p->path_rules[1].tree);
	ck_assert_uint_eq(p->path_rules[1].rights,
	    POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE);
	ck_assert_uint_eq(p->n_connect_rules, 1);
	ck_assert_str_eq(p->connect_rules[0].endpoint, "tcp:127.0.0.1:8080");
	ck_assert_uint_eq(p->connect_rules[0].port, 8080);
	ck_assert_uint_eq(p->connect_rules[0].line, 28);
	ck_assert(strv_contains(p->syscalls, "read"));
	ck_assert(strv_contains(p->syscalls, "write"));
	ck_assert(strv_contains(p->syscalls, "execve"));
	ck_assert_uint_eq(p->syscalls_line, 30);
	ck_assert_int_eq(p->syscall_errno, ENOSYS);
}
END_TEST

START_TEST(test_key_variants)
{
	_cleanup_(policy_unrefp) struct policy *a = parse_ok(
	    "[Security]\nLandlock=best-effort\n[SystemCalls]\nAction=kill\n[Network]\nNetwork=none\n"
	    "[Limits]\nWallTime=infinity\n[Filesystem]\nTmp=yes\n");
	_cleanup_(policy_unrefp) struct policy *b = parse_ok(
	    "[Security]\nLandlock=yes\n[SystemCalls]\nAction=errno\n");

	ck_assert_int_eq(a->landlock, POLICY_BEST_EFFORT);
	ck_assert_int_eq(a->syscall_errno, 0);
	ck_assert_uint_eq(a->limits.timeout_ms, POLICY_UNLIMITED);
	ck_assert(a->tmp);
	ck_assert_int_eq(b->landlock, POLICY_YES);
	ck_assert_int_eq(b->syscall_errno, EPERM);
}
END_TEST

/* One bad value per key, with the whole message a user reads. */
static const struct {
	const char *text;
	const char *message;
} bad_values[] = {
	{ "[Filesystem]\nBindReadOnly=usr\n", "BindReadOnly=: source 'usr' is not absolute" },
	{ "[Filesystem]\nBind=/srv:/dev/x\n", "Bind=: destination '/dev/x' is at or under /proc, "
	  "/dev or /tmp, which the daemon sets up" },
	{ "[Filesystem]\nBindReadOnly=/a\x01:/b\n", "BindReadOnly=: source '/a\x01' contains a "
	  "control character" },
	{ "[Filesystem]\nSymlink=a\x02:/x\n", "Symlink=: target contains a control character" },
	{ "[Filesystem]\nTemporaryFileSystem=/\n",
	  "TemporaryFileSystem=: '/' is '/', which the daemon sets up" },
	{ "[Filesystem]\nTmp=maybe\n", "Tmp=: expected yes or no, not 'maybe'" },
	{ "[Filesystem]\nTmpSize=infinity\n", "TmpSize=: must be finite" },
	{ "[Filesystem]\nTmpSize=4095\n", "TmpSize=: value '4095' is too small (at least 4096)" },
	{ "[Filesystem]\nShm=maybe\n", "Shm=: expected yes or no, not 'maybe'" },
	{ "[Filesystem]\nShmSize=infinity\n", "ShmSize=: must be finite" },
	{ "[Sandbox]\nHostname=-x\n", "Hostname=: invalid host name '-x'" },
	{ "[Sandbox]\nEnvironment=A-B=1\n", "Environment=: invalid variable name 'A-B'" },
	{ "[Sandbox]\nEnvironment=A=\x1b[2J\n", "Environment=: value contains a control character" },
	{ "[Sandbox]\nWorkingDirectory=/a//b\n", "WorkingDirectory=: '/a//b' contains '//'" },
	{ "[Limits]\nWallTime=0\n", "WallTime=: value '0' is too small (at least 1)" },
	{ "[Limits]\nMemory=1K\n", "Memory=: value '1K' is too small (at least 1048576)" },
	{ "[Limits]\nTasks=x\n", "Tasks=: invalid value 'x'" },
	{ "[Limits]\nCPUTime=99999999999999999999\n",
	  "CPUTime=: value '99999999999999999999' is out of range" },
	{ "[Limits]\nOpenFiles=7\n", "OpenFiles=: value '7' is too small (at least 8)" },
	{ "[Limits]\nFileSize=1X\n", "FileSize=: invalid value '1X'" },
	{ "[Network]\nNetwork=host\n", "Network=: 'host' is not supported (only 'none' and "
	  "'loopback')" },
	{ "[Security]\nLandlock=maybe\n", "Landlock=: expected yes, no or best-effort, not 'maybe'" },
	{ "[Broker]\nFile=/srv\n", "File=: expected 'PATH RIGHTS', e.g. '/srv/in read'" },
	{ "[Broker]\nTree=/srv read,fly\n", "unknown right 'fly' (expected read, write, create, "
	  "delete, nosymlinks, special)" },
	{ "[Broker]\nConnect=tcp:host\n", "Connect=: 'tcp:host' is not 'unix:/PATH', "
	  "'tcp:HOST:PORT' or 'udp:HOST:PORT'" },
	{ "[SystemCalls]\nAllow=frobnicate\n", "unknown system call 'frobnicate'" },
	{ "[SystemCalls]\nAction=errno:EWHAT\n", "Action=: unknown or unsupported errno name "
	  "'EWHAT'" },
	{ "[SystemCalls]\nAction=trap\n", "Action=: expected 'errno', 'errno:ENAME' or 'kill', "
	  "not 'trap'" },
	{ "[SystemCalls]\nRestrictAddressFamilies=AF_INET AF_BOGUS\n",
	  "RestrictAddressFamilies=: unknown address family 'AF_BOGUS'" },
	{ "[SystemCalls]\nRestrictAddressFamilies=~AF_INET\n", "RestrictAddressFamilies=: "
	  "'~AF_INET': '~' (refuse what follows) is not supported; list what to allow" },
	{ "[SystemCalls]\nRestrictNetlink=NETLINK_AUDIT\n",
	  "RestrictNetlink=: unknown netlink protocol 'NETLINK_AUDIT'" },
	{ "[Policy]\nName=x\n", "unknown key 'Name' in section [Policy]" },
	{ "[Limits]\nTmpSize=1M\n", "unknown key 'TmpSize' in section [Limits]" },
	{ "Tmp=no\n", "'Tmp=' outside of any section" },
	{ "[Tmp]\n", "unknown section [Tmp]" },
};

START_TEST(test_bad_value)
{
	struct policy *p = NULL;
	struct ini_error err = {};
	unsigned lines = 0;

	/* Each text's last line is the bad one. */
	for (const char *c = bad_values[_i].text; *c; c++)
		lines += *c == '\n';
	ck_assert_int_lt(policy_parse("test", NULL, bad_values[_i].text, &p, &err), 0);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(err.line, lines);
	ck_assert_str_eq(err.message, bad_values[_i].message);
}
END_TEST

/* ---- groups ------------------------------------------------------------ */

/* The always-forbidden set named in syscall-groups.h. */
static const char *const must_be_forbidden[] = {
	"io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
	"perf_event_open", "bpf", "keyctl", "add_key", "request_key", "ptrace",
	"process_vm_readv", "process_vm_writev", "mount", "umount2", "fsopen", "fsconfig",
	"fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "pivot_root",
	"unshare", "setns", "open_by_handle_at", "name_to_handle_at", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "acct", "swapon", "swapoff", "reboot",
	"quotactl", "lookup_dcookie", "iopl", "ioperm", "personality", "chroot",
	"vhangup", "syslog", "nfsservctl", "uselib", "_sysctl", "kcmp", "fanotify_init",
	"setdomainname", "sethostname", "migrate_pages", "move_pages", "mbind",
	"set_mempolicy", "memfd_secret", "clone3",
};

START_TEST(test_forbidden)
{
	for (size_t i = 0; i < ELEMENTSOF(must_be_forbidden); i++)
		ck_assert_msg(syscall_is_forbidden(must_be_forbidden[i]), "'%s' not forbidden",
		    must_be_forbidden[i]);
	ck_assert(!syscall_is_forbidden("read"));
	ck_assert(!syscall_is_forbidden("clone"));
	ck_assert(!syscall_is_forbidden("ioctl"));
	ck_assert(!syscall_is_forbidden(""));
	ck_assert(!syscall_is_forbidden(NULL));
}
END_TEST

/* Every group expands (through nested groups) to known, allowed names. */
START_TEST(test_groups)
{
	const struct syscall_group *g = syscall_groups_all();
	size_t n = 0;

	for (; g->name; g++, n++) {
		_cleanup_(policy_unrefp) struct policy *p = NULL;
		char text[128];

		ck_assert_msg(g->name[0] == '@', "'%s'", g->name);
		ck_assert_ptr_nonnull(g->description);
		ck_assert_ptr_eq(syscall_group_find(g->name), g);
		(void) snprintf(text, sizeof(text), "[SystemCalls]\nAllow=%s\n", g->name);
		p = parse_ok(text);
		ck_assert_msg(p->syscalls[0], "%s is empty", g->name);
		for (char **s = p->syscalls; *s; s++) {
			ck_assert_msg(!syscall_is_forbidden(*s), "'%s' in %s", *s, g->name);
			/* All of our names exist on x86_64. */
			ck_assert_msg(seccomp_syscall_resolve_name(*s) >= 0, "'%s' (%s) unknown",
			    *s, g->name);
		}
		ck_assert_int_eq(policy_compile(p, NULL), 0);
	}
	ck_assert_uint_ge(n, 12);
	ck_assert_ptr_null(syscall_group_find("@nonexistent"));
	ck_assert_ptr_null(syscall_group_find("basic-io"));
	for (const char *const *req = (const char *const[]) { "@default", "@basic-io",
	    "@file-system", "@io-event", "@ipc", "@process", "@signal", "@timer",
	    "@network-io", "@ioctl", "@sync", "@resources", NULL }; *req; req++)
		ck_assert_msg(syscall_group_find(*req), "%s missing", *req);
}
END_TEST

/* ---- shipped policies and files ---------------------------------------- */

static struct policy *
load_shipped(const char *name)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	struct policy *p = NULL;
	struct ini_error err = {};
	int r;

	ck_assert_int_ge(asprintf(&rel, "policies/%s.policy", name), 0);
	path = testlib_srcdir_path(rel);
	r = policy_load_file(name, path, &p, &err);
	ck_assert_msg(r == 0, "%s:%u: %s (%d)", path, err.line, err.message, r);
	ck_assert_str_eq(p->path, path);
	ck_assert_ptr_nonnull(p->text);
	r = policy_compile(p, &err);
	ck_assert_msg(r == 0, "%s: compile: %s (%d)", path, err.message, r);
	ck_assert_uint_gt(p->bpf_len, 0);
	return p;
}

START_TEST(test_shipped_default)
{
	_cleanup_(policy_unrefp) struct policy *p = load_shipped("default");

	for (size_t i = 0; i < p->n_mounts; i++)
		ck_assert_msg(!p->mounts[i].source || !strstr(p->mounts[i].source, "shadow"),
		    "default binds '%s'", p->mounts[i].source);
	ck_assert(p->tmp);
	ck_assert(!p->network);
	ck_assert(strv_contains(p->syscalls, "execve"));
	ck_assert(strv_contains(p->syscalls, "clone"));
	ck_assert(strv_contains(p->syscalls, "ioctl"));
	ck_assert(!strv_contains(p->syscalls, "clone3"));
}
END_TEST

START_TEST(test_shipped_strict)
{
	_cleanup_(policy_unrefp) struct policy *p = load_shipped("strict");

	ck_assert(!p->tmp);
	ck_assert_uint_eq(p->limits.memory_max, UINT64_C(128) << 20);
	ck_assert_uint_eq(p->limits.timeout_ms, 60 * 1000);
	ck_assert_uint_ge(p->limits.tasks_max, 2);
	for (size_t i = 0; i < p->n_mounts; i++)
		if (p->mounts[i].kind != POLICY_MOUNT_SYMLINK)
			ck_assert_msg(strcmp(p->mounts[i].source, "/usr") == 0 ||
			    strcmp(p->mounts[i].source, "/etc/ld.so.cache") == 0,
			    "strict binds '%s'", p->mounts[i].source);
	ck_assert(strv_contains(p->syscalls, "execve"));
	ck_assert(!strv_contains(p->syscalls, "clone"));
	ck_assert(!strv_contains(p->syscalls, "fork"));
	ck_assert(!strv_contains(p->syscalls, "socket"));
	ck_assert(!strv_contains(p->syscalls, "ioctl"));
}
END_TEST

START_TEST(test_load_file)
{
	char dir[] = "/tmp/test-policy-XXXXXX";
	_cleanup_free_ char *big = NULL, *good = NULL, *bad = NULL;
	struct policy *p = NULL;
	struct ini_error err = {};
	FILE *f;
	int r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&big, "%s/big.policy", dir), 0);
	ck_assert_int_ge(asprintf(&good, "%s/good.policy", dir), 0);
	ck_assert_int_ge(asprintf(&bad, "%s/bad.policy", dir), 0);

	f = fopen(good, "we");
	ck_assert_ptr_nonnull(f);
	fputs("[Policy]\nDescription=good\n", f);
	fclose(f);
	r = policy_load_file("good", good, &p, &err);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(p->name, "good");
	ck_assert_str_eq(p->path, good);
	ck_assert_str_eq(p->text, "[Policy]\nDescription=good\n");
	ck_assert_str_eq(p->description, "good");
	p = policy_unref(p);

	f = fopen(bad, "we");
	ck_assert_ptr_nonnull(f);
	fputs("[Policy]\n\n\nBogus=1\n", f);
	fclose(f);
	r = policy_load_file("bad", bad, &p, &err);
	ck_assert_int_lt(r, 0);
	ck_assert_uint_eq(err.line, 4);
	ck_assert_ptr_null(p);

	f = fopen(big, "we");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 70 * 1024 / 16; i++)
		fputs("# padding......\n", f);
	fclose(f);
	r = policy_load_file("big", big, &p, &err);
	ck_assert_int_lt(r, 0);
	ck_assert_ptr_nonnull(strstr(err.message, "too large"));

	r = policy_load_file("dir", dir, &p, &err);
	ck_assert_int_lt(r, 0);
	r = policy_load_file("missing", "/nonexistent/x.policy", &p, &err);
	ck_assert_int_eq(r, -ENOENT);

	(void) unlink(big);
	(void) unlink(good);
	(void) unlink(bad);
	(void) rmdir(dir);
}
END_TEST

/* ---- compiled filters at work ------------------------------------------ */

/* Runs fn in a child under p's filter; returns the raw wait status. fn
 * returns a small number identifying the first failed check, 0 if none,
 * and may use nothing but raw system calls the filter allows. */
static int
run_filtered(const struct policy *p, int (*fn)(void))
{
	struct sock_fprog prog = {
		.len = (unsigned short) p->bpf_len,
		.filter = p->bpf,
	};
	int status;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(120);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(121);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static struct policy *
compiled(const char *text)
{
	struct policy *p = parse_ok(text);
	struct ini_error err = {};
	int r;

	r = policy_compile(p, &err);
	ck_assert_msg(r == 0, "compile: %s (%d)", err.message, r);
	return p;
}

#define CHECK_FAILS(n, expr, e) \
	do { errno = 0; if ((expr) != -1 || errno != (e)) return (n); } while (0)

static int
strict_body(void)
{
	char c = 'x';

	if (syscall(SYS_getpid) <= 0)
		return 1;
	CHECK_FAILS(2, socket(AF_INET, SOCK_STREAM, 0), EPERM);
	CHECK_FAILS(3, socket(AF_UNIX, SOCK_STREAM, 0), EPERM);
	CHECK_FAILS(4, syscall(SYS_bpf, 0, NULL, 0), EPERM);
	CHECK_FAILS(5, syscall(SYS_unshare, CLONE_NEWUSER), EPERM);
	CHECK_FAILS(6, syscall(SYS_io_uring_setup, 1, NULL), EPERM);
	CHECK_FAILS(7, syscall(SYS_userfaultfd, 0), EPERM);
	CHECK_FAILS(8, syscall(SYS_fork), EPERM);
	CHECK_FAILS(9, syscall(SYS_ioctl, 0, TIOCSTI, &c), EPERM);
	CHECK_FAILS(10, syscall(SYS_ptrace, 0, 0, NULL, NULL), EPERM);
	if (syscall(SYS_write, -1, &c, 1) != -1 || errno != EBADF)
		return 11;
	return 0;
}

START_TEST(test_filter_strict)
{
	_cleanup_(policy_unrefp) struct policy *p = load_shipped("strict");
	int status = run_filtered(p, strict_body);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}
END_TEST

static int
x32_body(void)
{
	/* Must not return: the x32 ABI is a "bad architecture". */
	(void) syscall(__X32_SYSCALL_BIT | SYS_getpid);
	return 1;
}

static int
i386_body(void)
{
	long ret;

	/* getpid (20) through the i386 ABI. */
	__asm__ volatile ("int $0x80" : "=a" (ret) : "0" (20L) : "memory");
	return ret > 0 ? 1 : 2;
}

/* Kernels without IA32 emulation (or booted with ia32_emulation=0) kill
 * int 0x80 with SIGSEGV before seccomp sees it. */
static bool
i386_abi_available(void)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* A sanitizer's SIGSEGV handler would turn the fault into exit 1. */
		(void) signal(SIGSEGV, SIG_DFL);
		_exit(i386_body());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

START_TEST(test_filter_foreign_abi)
{
	const char *const names[] = { "strict", "default" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_(policy_unrefp) struct policy *p = load_shipped(names[i]);
		int status;

		status = run_filtered(p, x32_body);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		    "%s: x32 getpid: status 0x%x", names[i], status);
		if (!i386_abi_available())
			continue;
		status = run_filtered(p, i386_body);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		    "%s: int 0x80 getpid: status 0x%x", names[i], status);
	}
}
END_TEST

static int
default_body(void)
{
	char buf[256] = {};
	int fds[2], fd, status;
	long pid;

	if (syscall(SYS_pipe2, fds, O_CLOEXEC) < 0)
		return 1;
	/* TIOCSTI and TIOCLINUX are refused, even with high bits set. */
	CHECK_FAILS(2, syscall(SYS_ioctl, fds[0], TIOCSTI, buf), EPERM);
	CHECK_FAILS(3, syscall(SYS_ioctl, fds[0], TIOCLINUX, buf), EPERM);
	CHECK_FAILS(4, syscall(SYS_ioctl, fds[0], (1UL << 32) | TIOCSTI, buf), EPERM);
	CHECK_FAILS(5, syscall(SYS_ioctl, fds[0], 0xffffffff00000000UL | TIOCLINUX, buf), EPERM);
	/* In the terminal range, the allowed requests reach the kernel (a
	 * pipe is no terminal: ENOTTY); the others, TIOCSETD (the line
	 * discipline) among them, are refused. */
	for (unsigned long req = 0x5400; req < 0x5460; req++) {
		long r;

		memset(buf, 0, sizeof(buf));
		r = syscall(SYS_ioctl, fds[0], req, buf);
		if ((r == -1 && errno == EPERM) != !policy_ioctl_allowed(req))
			return 6;
	}
	CHECK_FAILS(6, syscall(SYS_ioctl, fds[0], TIOCSETD, buf), EPERM);
	if (syscall(SYS_ioctl, fds[0], FIONREAD, buf) != 0)
		return 7;
	CHECK_FAILS(8, syscall(SYS_ioctl, fds[0], TCGETS, buf), ENOTTY);

	/* clone: plain fork works, namespaces do not; clone3 says ENOSYS. */
	pid = fork();
	if (pid < 0)
		return 9;
	if (pid == 0)
		_exit(7);
	if (waitpid((pid_t) pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 7)
		return 10;
	CHECK_FAILS(11, syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0), EPERM);
	CHECK_FAILS(12, syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, NULL, NULL, 0), EPERM);
	CHECK_FAILS(13, syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, NULL, NULL, 0), EPERM);
	CHECK_FAILS(14, syscall(SYS_clone3, NULL, 0), ENOSYS);
	CHECK_FAILS(15, syscall(SYS_unshare, CLONE_NEWUSER), EPERM);
	CHECK_FAILS(16, syscall(SYS_bpf, 0, NULL, 0), EPERM);
	CHECK_FAILS(17, syscall(SYS_io_uring_setup, 1, NULL), EPERM);
	CHECK_FAILS(18, syscall(SYS_setns, 0, 0), EPERM);
	/* Sockets are allowed (the network namespace is empty anyway). */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 19;
	(void) close(fd);
	if (syscall(SYS_getpid) <= 0)
		return 20;
	return 0;
}

START_TEST(test_filter_default)
{
	_cleanup_(policy_unrefp) struct policy *p = load_shipped("default");
	int status = run_filtered(p, default_body);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}
END_TEST

static int
enosys_body(void)
{
	char buf[8] = {};

	/* Raw system calls: a sanitizer's interceptors must not be in the way. */
	CHECK_FAILS(1, syscall(SYS_socket, AF_INET, SOCK_STREAM, 0), ENOSYS);
	/* TIOCSTI stays EPERM whatever the default action. */
	CHECK_FAILS(2, syscall(SYS_ioctl, 0, TIOCSTI, buf), EPERM);
	CHECK_FAILS(3, syscall(SYS_clone3, NULL, 0), ENOSYS);
	CHECK_FAILS(4, syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0), ENOSYS);
	if (syscall(SYS_ioctl, 0, FIONREAD, buf) == -1 && errno == EPERM)
		return 5;
	return 0;
}

static int
kill_body(void)
{
	(void) syscall(SYS_getpid);
	(void) syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	return 1;
}

/* sigaltstack: AddressSanitizer's runtime calls it and aborts if refused. */
START_TEST(test_filter_actions)
{
	_cleanup_(policy_unrefp) struct policy *e = compiled(
	    "[SystemCalls]\nAllow=@default @basic-io @ioctl clone sigaltstack\nAction=errno:ENOSYS\n");
	_cleanup_(policy_unrefp) struct policy *k = compiled(
	    "[SystemCalls]\nAllow=@default @basic-io @ioctl clone sigaltstack\nAction=kill\n");
	int status;

	status = run_filtered(e, enosys_body);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	status = run_filtered(k, kill_body);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status 0x%x", status);
}
END_TEST

/* socket(family, type, protocol) as a raw system call: 0 if it made a
 * socket (closed again), else the errno. */
static int
try_socket(unsigned long family, int type, unsigned long protocol)
{
	long fd = syscall(SYS_socket, family, type, protocol);

	if (fd < 0)
		return errno;
	(void) syscall(SYS_close, fd);
	return 0;
}

#define CHECK_SOCKET(n, family, type, protocol, e) \
	do { if (try_socket((family), (type), (protocol)) != (e)) return (n); } while (0)

/* RestrictAddressFamilies= left out: AF_UNIX, AF_INET, AF_INET6 only. */
static int
families_default_body(void)
{
	int sv[2];

	CHECK_SOCKET(1, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0);
	CHECK_SOCKET(2, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0);
	CHECK_SOCKET(3, AF_INET6, SOCK_STREAM, 0, 0);
	CHECK_SOCKET(4, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE, EAFNOSUPPORT);
	CHECK_SOCKET(5, AF_VSOCK, SOCK_STREAM, 0, EAFNOSUPPORT);
	CHECK_SOCKET(6, AF_PACKET, SOCK_RAW, 0, EAFNOSUPPORT);
	CHECK_SOCKET(7, AF_ALG, SOCK_SEQPACKET, 0, EAFNOSUPPORT);
	CHECK_SOCKET(8, AF_MAX, SOCK_STREAM, 0, EAFNOSUPPORT);
	CHECK_SOCKET(9, (unsigned long) -1, SOCK_STREAM, 0, EAFNOSUPPORT);
	/* The kernel would truncate these to AF_VSOCK and AF_UNIX. */
	CHECK_SOCKET(10, (1UL << 32) | AF_VSOCK, SOCK_STREAM, 0, EAFNOSUPPORT);
	CHECK_SOCKET(11, (1UL << 32) | AF_UNIX, SOCK_STREAM, 0, EAFNOSUPPORT);
	if (syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 12;
	CHECK_FAILS(13, syscall(SYS_socketpair, AF_VSOCK, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
	CHECK_FAILS(14, syscall(SYS_socketpair, AF_NETLINK, SOCK_RAW, 0, sv), EAFNOSUPPORT);
	return 0;
}

/* AF_NETLINK named: NETLINK_ROUTE (and what RestrictNetlink= adds) only. */
static int
families_netlink_body(void)
{
	CHECK_SOCKET(1, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE, 0);
	CHECK_SOCKET(2, AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE, 0);
	CHECK_SOCKET(3, AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT, EPROTONOSUPPORT);
	CHECK_SOCKET(4, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, EPROTONOSUPPORT);
	CHECK_SOCKET(5, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG, EPROTONOSUPPORT);
	CHECK_SOCKET(6, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, EPROTONOSUPPORT);
	CHECK_SOCKET(7, AF_NETLINK, SOCK_RAW, 32, EPROTONOSUPPORT);
	CHECK_SOCKET(8, AF_NETLINK, SOCK_RAW, (1UL << 32) | NETLINK_ROUTE, EPROTONOSUPPORT);
	CHECK_SOCKET(9, AF_VSOCK, SOCK_STREAM, 0, EAFNOSUPPORT);
	CHECK_SOCKET(10, AF_UNIX, SOCK_DGRAM, 0, 0);
	return 0;
}

static int
families_uevent_body(void)
{
	CHECK_SOCKET(1, AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT, 0);
	CHECK_SOCKET(2, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, EPROTONOSUPPORT);
	CHECK_SOCKET(3, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, EPROTONOSUPPORT);
	CHECK_SOCKET(4, AF_INET, SOCK_STREAM, 0, EAFNOSUPPORT);
	return 0;
}

static int
families_none_body(void)
{
	int sv[2];

	CHECK_SOCKET(1, AF_UNIX, SOCK_STREAM, 0, EAFNOSUPPORT);
	CHECK_SOCKET(2, AF_INET, SOCK_STREAM, 0, EAFNOSUPPORT);
	CHECK_FAILS(3, syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
	return 0;
}

#define SOCKET_ALLOW "[SystemCalls]\nAllow=@default @basic-io socket socketpair sigaltstack\n"

/* Refusals say EAFNOSUPPORT (EPROTONOSUPPORT) whatever Action= says, and
 * whether or not Action= says the same. */
START_TEST(test_filter_families)
{
	static const struct {
		const char *text;
		int (*body)(void);
	} cases[] = {
		{ SOCKET_ALLOW, families_default_body },
		{ SOCKET_ALLOW "Action=kill\n", families_default_body },
		{ SOCKET_ALLOW "Action=errno:EAFNOSUPPORT\n", families_default_body },
		{ SOCKET_ALLOW "RestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=AF_NETLINK\n",
		  families_netlink_body },
		{ SOCKET_ALLOW "RestrictAddressFamilies=AF_UNIX AF_NETLINK\nAction=kill\n",
		  families_netlink_body },
		{ SOCKET_ALLOW "RestrictAddressFamilies=AF_UNIX AF_NETLINK\n"
		  "Action=errno:EPROTONOSUPPORT\n", families_netlink_body },
		{ SOCKET_ALLOW "RestrictAddressFamilies=AF_NETLINK\nRestrictNetlink=kobject_uevent\n",
		  families_uevent_body },
		{ SOCKET_ALLOW "RestrictAddressFamilies=\n", families_none_body },
		{ SOCKET_ALLOW "RestrictAddressFamilies=none\nAction=kill\n", families_none_body },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(policy_unrefp) struct policy *p = compiled(cases[i].text);
		int status = run_filtered(p, cases[i].body);

		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "case %zu: status 0x%x", i, status);
	}
}
END_TEST

/* The shipped default: AF_UNIX, AF_INET, AF_INET6, netlink for routing only. */
START_TEST(test_filter_default_families)
{
	_cleanup_(policy_unrefp) struct policy *p = load_shipped("default");
	int status = run_filtered(p, families_netlink_body);

	ck_assert_uint_eq(p->socket_families, (UINT64_C(1) << AF_UNIX) |
	    (UINT64_C(1) << AF_INET) | (UINT64_C(1) << AF_INET6) | (UINT64_C(1) << AF_NETLINK));
	ck_assert_uint_eq(p->netlink_protocols, 1u << NETLINK_ROUTE);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}
END_TEST

/* ---- argument conditions ----------------------------------------------- */

static struct policy *compose(const char *const *v, const char *name, const char *text,
    struct ini_diags *d);

/* Verdict of p's filter for system call name with args. */
static uint32_t
verdict(const struct policy *p, const char *name, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct seccomp_data d = {
		.nr = seccomp_syscall_resolve_name(name),
		.arch = seccomp_arch_native(),
		.args = { a0, a1, a2 },
	};

	return bpf_run(p->bpf, p->bpf_len, &d);
}

#define ARGS_POLICY "[SystemCalls]\nAllow=exit_group sigaltstack\n" \
	"Allow=write(arg0 != 5) read(arg0 >= 100) read(arg0 == STDIN_FILENO) read(arg0 < 3)\n" \
	"Allow=ioctl(arg0 == 1, arg1 == FIONREAD) socket(arg1 == SOCK_DGRAM|SOCK_CLOEXEC)\n" \
	"Allow=mmap(arg2 & PROT_EXEC == 0) fcntl(arg0 <= 2, arg1 == F_GETFD)\n" \
	"Allow=clone(arg0 & CLONE_THREAD|CLONE_VM == CLONE_THREAD|CLONE_VM)\n"

/* Run by the kernel: every comparison, the high bits of 32-bit
 * arguments, and the daemon's own rules for ioctl and socket still
 * holding under the policy's. */
static int
args_body(void)
{
	char c = 0;
	int n = 0;
	void *m;

	/* != 5: not 5, nor 5 with high bits the kernel drops. */
	CHECK_FAILS(1, syscall(SYS_write, 5, &c, 0), EPERM);
	CHECK_FAILS(2, syscall(SYS_write, (1L << 32) | 5, &c, 0), EPERM);
	CHECK_FAILS(3, syscall(SYS_write, 77, &c, 0), EBADF);
	CHECK_FAILS(4, syscall(SYS_write, 900, &c, 0), EBADF);
	/* >= 100, == 0, < 3: alternatives. */
	CHECK_FAILS(5, syscall(SYS_read, 99, &c, 0), EPERM);
	CHECK_FAILS(6, syscall(SYS_read, 100, &c, 0), EBADF);
	CHECK_FAILS(7, syscall(SYS_read, (1L << 32) | 50, &c, 0), EPERM);
	CHECK_FAILS(8, syscall(SYS_read, (1L << 32) | 150, &c, 0), EPERM);
	CHECK_FAILS(9, syscall(SYS_read, 3, &c, 0), EPERM);
	if (syscall(SYS_read, 0, &c, 0) < 0 && errno == EPERM)
		return 10;
	/* ioctl: only FIONREAD on fd 1; TIOCSTI stays refused. */
	if (syscall(SYS_ioctl, 1, FIONREAD, &n) < 0 && errno == EPERM)
		return 11;
	CHECK_FAILS(12, syscall(SYS_ioctl, 2, FIONREAD, &n), EPERM);
	CHECK_FAILS(13, syscall(SYS_ioctl, 1, TCGETS, &n), EPERM);
	CHECK_FAILS(14, syscall(SYS_ioctl, 1, TIOCSTI, &c), EPERM);
	/* socket: datagrams, of the families the policy allows. */
	if (syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0)
		return 15;
	CHECK_FAILS(16, syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), EPERM);
	CHECK_FAILS(17, syscall(SYS_socket, AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
	    EAFNOSUPPORT);
	CHECK_FAILS(18, syscall(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, 0),
	    EAFNOSUPPORT);
	/* mmap: never executable. */
	m = (void *) syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 19;
	CHECK_FAILS(20, syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EPERM);
	/* fcntl: both comparisons. */
	CHECK_FAILS(21, syscall(SYS_fcntl, 2, F_GETFL), EPERM);
	CHECK_FAILS(22, syscall(SYS_fcntl, 3, F_GETFD), EPERM);
	if (syscall(SYS_fcntl, 2, F_GETFD) < 0 && errno == EPERM)
		return 23;
	return 0;
}

START_TEST(test_filter_args)
{
	_cleanup_(policy_unrefp) struct policy *p = compiled(ARGS_POLICY);
	int status = run_filtered(p, args_body);

	ck_assert_uint_eq(p->n_arg_rules, 9);
	ck_assert(!policy_allows_syscall(p, "write"));
	ck_assert(policy_names_syscall(p, "write"));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	/* clone: the policy's flags and the daemon's (no namespaces). */
	ck_assert_uint_eq(verdict(p, "clone", CLONE_THREAD | CLONE_VM | CLONE_FILES, 0, 0),
	    SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "clone", CLONE_VM, 0, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "clone", CLONE_THREAD | CLONE_VM | CLONE_NEWUSER, 0, 0),
	    SECCOMP_RET_ALLOW);
	/* clone3 hides its flags: ENOSYS, so that glibc uses clone. */
	ck_assert_uint_eq(verdict(p, "clone3", 0, 0, 0), SECCOMP_RET_ERRNO | ENOSYS);
}
END_TEST

/* Values and composition: names, '|', bases; an unconditional name
 * wins; Allow= empty drops the rules; Include= adds them. */
START_TEST(test_args_parse)
{
	_cleanup_(policy_unrefp) struct policy *p = compiled("[SystemCalls]\n"
	    "Allow=openat(arg0 == AT_FDCWD, arg2 & O_ACCMODE|O_CREAT == O_RDONLY)\n"
	    "Allow=read(arg0 == 0x10) read(arg0 == 010) read(arg0 == -1) read\n"
	    "Allow=write(arg1>=4096,arg0==1)\n");
	_cleanup_(policy_unrefp) struct policy *r = parse_ok("[SystemCalls]\n"
	    "Allow=read(arg0 == 0) write\nAllow=\nAllow=getpid\n");
	const struct policy_arg_rule *a = &p->arg_rules[0];

	ck_assert_uint_eq(p->n_arg_rules, 5);
	ck_assert_str_eq(a->syscall, "openat");
	ck_assert_uint_eq(a->n_cmps, 2);
	ck_assert_uint_eq(a->cmps[0].value, (uint64_t) (int64_t) AT_FDCWD);
	ck_assert_uint_eq(a->cmps[1].op, POLICY_ARG_MASKED_EQ);
	ck_assert_uint_eq(a->cmps[1].mask, O_ACCMODE | O_CREAT);
	ck_assert_uint_eq(a->cmps[1].value, 0);
	ck_assert_uint_eq(p->arg_rules[1].cmps[0].value, 16);
	ck_assert_uint_eq(p->arg_rules[2].cmps[0].value, 8);
	ck_assert_uint_eq(p->arg_rules[3].cmps[0].value, UINT64_MAX);
	ck_assert_uint_eq(p->arg_rules[4].line, 4);
	ck_assert_uint_eq(p->arg_rules[4].cmps[0].arg, 1);
	ck_assert_uint_eq(p->arg_rules[4].cmps[0].op, POLICY_ARG_GE);
	ck_assert_uint_eq(verdict(p, "openat", (uint64_t) (int64_t) AT_FDCWD, 0, O_RDONLY),
	    SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "openat", (uint64_t) (int64_t) AT_FDCWD, 0, O_RDWR),
	    SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "openat", (uint64_t) (int64_t) AT_FDCWD, 0,
	    O_RDONLY | O_CREAT), SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "openat", 3, 0, O_RDONLY), SECCOMP_RET_ALLOW);
	/* "read" alone: every read. */
	ck_assert_uint_eq(verdict(p, "read", 77, 0, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(p, "write", 1, 4096, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "write", 1, 4095, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "write", 2, 8192, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(r->n_arg_rules, 0);
	ck_assert(!policy_names_syscall(r, "read") && !policy_names_syscall(r, "write"));
}
END_TEST

START_TEST(test_args_include)
{
	static const char *const v[] = {
		"inner", "[SystemCalls]\nAllow=read(arg0 == 0) exit_group\n", NULL,
	};
	struct ini_diags d;
	_cleanup_(policy_unrefp) struct policy *p = compose(v, "top",
	    "[Policy]\nInclude=inner\n[SystemCalls]\nAllow=read(arg0 == 3)\n", &d);
	struct ini_error err = {};

	ck_assert_msg(p, "%s", d.n ? d.v[0].message : "?");
	ck_assert_uint_eq(p->n_arg_rules, 2);
	ck_assert_int_eq(policy_compile(p, &err), 0);
	ck_assert_uint_eq(verdict(p, "read", 0, 0, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(p, "read", 3, 0, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_ne(verdict(p, "read", 1, 0, 0), SECCOMP_RET_ALLOW);
}
END_TEST

/* Conditions that are wrong, or that the daemon cannot keep, at their line. */
static const struct {
	const char	*allow;
	const char	*message;
} bad_args[] = {
	{ "read(arg0)", "expected ==" },
	{ "read(arg0 ==)", "expected a number or a name" },
	{ "read(arg0 == 1 2)", "unexpected '2'" },
	{ "read(arg00 == 1)", "arg0 to arg5" },
	{ "read(argv == 1)", "arg0 to arg5" },
	{ "read(arg0 & == 1)", "expected a number or a name" },
	{ "read(arg0 & 1 != 1)", "compared with == only" },
	{ "read(arg0 == 1,)", "an empty condition" },
	{ "read(, arg0 == 1)", "an empty condition" },
	{ "read(arg0 == 1) )", "')' without '('" },
	{ "read(arg0 == 1)(arg1 == 2)", "expected white space after ')'" },
	{ "nosuchcall(arg0 == 1)", "unknown system call 'nosuchcall'" },
	{ "bpf(arg0 == 1)", "never allowed" },
	{ "read(arg0 == --1)", "is not a number" },
	{ "read(arg0 == -9223372036854775809)", "out of range" },
	{ "read(arg0 == 99999999999999999999)", "is not a number" },
	{ "read(arg0 == AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)",
	  "too long" },
	{ "read(arg0 > 0xffffffff)", "never holds" },
	{ "mknodat(arg2 & S_IFMT == S_IFREG)", "never allows anything" },
	{ "fadvise64(arg3 == 4)", "never allows anything" },
	{ "clone(arg0 < 0x100)", "restricts arg0 of clone" },
	{ "write(arg0 != 1, arg1 != 1, arg2 != 1)", "too many comparisons" },
	{ "ioctl(arg0 != 1) ioctl(arg0 != 2) ioctl(arg0 != 3)", "more than 4096 filter rules" },
};

START_TEST(test_args_invalid)
{
	char *text = testlib_asprintf("[SystemCalls]\nAllow=exit_group\nAllow=%s\n",
	    bad_args[_i].allow);
	struct policy *p = NULL;
	struct ini_error err = {};
	int r;

	r = policy_parse("test", NULL, text, &p, &err);
	if (r >= 0) {
		r = policy_compile(p, &err);
		policy_unref(p);
	}
	ck_assert_msg(r < 0, "%s: loads", bad_args[_i].allow);
	ck_assert_msg(err.line == 3, "%s: line %u", bad_args[_i].allow, err.line);
	ck_assert_msg(strstr(err.message, bad_args[_i].message), "%s: message '%s' lacks '%s'",
	    bad_args[_i].allow, err.message, bad_args[_i].message);
	free(text);
}
END_TEST

/* More rules than a policy may hold. */
START_TEST(test_args_too_many)
{
	char *text = strdup("[SystemCalls]\n"), *next;
	struct policy *p = NULL;
	struct ini_error err = {};

	for (unsigned i = 0; i <= POLICY_ARG_RULES_MAX; i++) {
		next = testlib_asprintf("%sAllow=read(arg0 == %u)\n", text, i);
		free(text);
		text = next;
	}
	ck_assert_int_lt(policy_parse("test", NULL, text, &p, &err), 0);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.message, "more than 256 rules"), "%s", err.message);
	free(text);
}
END_TEST

/* ---- [Broker] rules --------------------------------------------------- */

/* A Connect=unix: socket may lie under read-only rules, and next to
 * writable trees whose names merely share a prefix. */
START_TEST(test_broker_unix_connect_ok)
{
	_cleanup_(policy_unrefp) struct policy *p = parse_ok(
	    "[Broker]\n"
	    "Tree=/ read\n"
	    "Tree=/srv/app read,nosymlinks\n"
	    "Tree=/srv/ap read,write,create,delete\n"
	    "Tree=/srv/app.sockets read,create\n"
	    "File=/srv/app/app.sock.lock write\n"
	    "Connect=unix:/srv/app/app.sock\n");

	ck_assert_uint_eq(p->n_connect_rules, 1);
}
END_TEST

START_TEST(test_broker_rules)
{
	_cleanup_(policy_unrefp) struct policy *p = parse_ok(
	    "[Broker]\n"
	    "Tree=/srv/in read\n"
	    "Tree=/srv/in/deep read,write,create,delete,nosymlinks\n"
	    "File=/etc/hostname read\n"
	    "Tree=/ read\n"
	    "Connect=tcp:127.0.0.1:8080\n"
	    "Connect=udp:[::1]:53\n"
	    "Connect=unix:/run/x.sock\n");
	static const struct {
		const char *path;
		const char *rule;	/* NULL: no rule */
		const char *rel;
	} cases[] = {
		{ "/srv/in", "/srv/in", "." },
		{ "/srv/in/", "/srv/in", "." },
		{ "/srv/in/a/b", "/srv/in", "a/b" },
		{ "/srv/input", "/", "srv/input" },		/* not a prefix by component */
		{ "/srv/in/deep/x", "/srv/in/deep", "x" },	/* longest wins */
		{ "/srv/in/../etc/shadow", "/srv/in", "../etc/shadow" },	/* openat2 refuses it */
		{ "/etc/hostname", "/etc/hostname", "hostname" },
		{ "/etc/hosts", "/", "etc/hosts" },
		{ "relative/path", NULL, NULL },
		{ "", NULL, NULL },
	};
	const struct policy_path_rule *r;
	const char *rel;

	ck_assert_uint_eq(p->n_path_rules, 4);
	ck_assert(p->path_rules[1].rights == (POLICY_RIGHT_READ | POLICY_RIGHT_WRITE |
	    POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE | POLICY_RIGHT_NOSYMLINKS));
	ck_assert(!p->path_rules[2].tree);
	ck_assert_str_eq(p->path_rules[2].name, "hostname");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		rel = NULL;
		r = policy_match_path(p, cases[i].path, &rel);
		if (!cases[i].rule) {
			ck_assert_msg(!r, "'%s' matched '%s'", cases[i].path, r ? r->path : "");
			continue;
		}
		ck_assert_msg(r, "'%s' matched nothing", cases[i].path);
		ck_assert_str_eq(r->path, cases[i].rule);
		ck_assert_str_eq(rel, cases[i].rel);
	}

	ck_assert_uint_eq(p->n_connect_rules, 3);
	ck_assert_ptr_nonnull(policy_match_connect(p, "tcp:127.0.0.1:8080"));
	ck_assert_ptr_null(policy_match_connect(p, "tcp:127.0.0.1:8081"));
	ck_assert_ptr_null(policy_match_connect(p, "udp:127.0.0.1:8080"));
	ck_assert_int_eq(p->connect_rules[1].family, AF_INET6);
	ck_assert_str_eq(p->connect_rules[1].host, "::1");
	ck_assert_int_eq(p->connect_rules[1].port, 53);
	ck_assert_int_eq(p->connect_rules[2].family, AF_UNIX);

	/* Opening: existing dirs get fds, a missing one stays inert, and
	 * numeric endpoints resolve. */
	ck_assert_int_eq(policy_open_broker(p), 0);
	ck_assert_int_ge(p->path_rules[3].dirfd, 0);		/* / */
	ck_assert_int_ge(p->path_rules[2].dirfd, 0);		/* /etc (parent of the file) */
	ck_assert_uint_eq(p->connect_rules[0].n_addrs, 1);
	ck_assert_uint_eq(p->connect_rules[2].n_addrs, 1);
}
END_TEST

START_TEST(test_shipped_convert)
{
	_cleanup_(policy_unrefp) struct policy *p = load_shipped("convert");

	/* Sees nothing of the host but its libraries; files only through
	 * the broker, which may read inputs and write outputs, reached by
	 * the program's own calls; in the shared directories no symbolic
	 * link is followed. */
	ck_assert(p->intercept);
	ck_assert_uint_eq(p->n_path_rules, 2);
	ck_assert(p->path_rules[0].rights == (POLICY_RIGHT_READ | POLICY_RIGHT_NOSYMLINKS));
	ck_assert(p->path_rules[1].rights & POLICY_RIGHT_CREATE);
	ck_assert(p->path_rules[1].rights & POLICY_RIGHT_NOSYMLINKS);
	ck_assert(!(p->path_rules[1].rights & POLICY_RIGHT_DELETE));
	for (size_t i = 0; i < p->n_mounts; i++)
		ck_assert(p->mounts[i].kind != POLICY_MOUNT_BIND_RW);
	ck_assert(!strv_contains(p->syscalls, "socket"));
	ck_assert(!strv_contains(p->syscalls, "fork"));
	ck_assert(strv_contains(p->syscalls, "sendmsg"));
}
END_TEST

/* Every error of a file, each at its line, in order; an unknown section
 * once at its header, not once per key in it. */
START_TEST(test_all_errors)
{
	static const char text[] =
	    "[Policy]\n"				/* 1 */
	    "Description=several mistakes\n"	/* 2 */
	    "Colour=blue\n"				/* 3: unknown key */
	    "[Limits]\n"				/* 4 */
	    "Memory=lots\n"				/* 5: bad value */
	    "Tasks=8\n"				/* 6 */
	    "[Sandbx]\n"				/* 7: unknown section */
	    "Hostname=x\n"				/* 8: not reported */
	    "[SystemCalls]\n"			/* 9 */
	    "Allow=read nosuchcall\n"		/* 10: unknown system call */
	    "this is not ini\n";			/* 11: syntax */
	static const unsigned lines[] = { 3, 5, 7, 10, 11 };
	struct policy *p = NULL;
	struct ini_diags d = {};
	int r;

	r = policy_parse_all("test", NULL, text, &p, &d);
	ck_assert_int_lt(r, 0);
	ck_assert_ptr_null(p);
	ck_assert_msg(d.n == ELEMENTSOF(lines), "%u diagnostics", d.n);
	for (size_t i = 0; i < ELEMENTSOF(lines); i++)
		ck_assert_msg(d.v[i].line == lines[i] && d.v[i].severity == INI_ERROR,
		    "diagnostic %zu: line %u (%s), expected line %u", i, d.v[i].line,
		    d.v[i].message, lines[i]);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "Colour"));
	ck_assert_ptr_nonnull(strstr(d.v[1].message, "lots"));
	ck_assert_ptr_nonnull(strstr(d.v[2].message, "Sandbx"));
	ck_assert_ptr_nonnull(strstr(d.v[3].message, "nosuchcall"));
}
END_TEST

/* Warnings, not errors: a bind source missing on this host (unless
 * optional), and a filter without execve/execveat. */
START_TEST(test_lint)
{
	static const char no_exec[] =
	    "[Filesystem]\n"
	    "BindReadOnly=/usr\n"
	    "BindReadOnly=/nonexistent/sandboxd-test:/opt/x\n"
	    "BindReadOnly=-/nonexistent/optional:/opt/y\n"
	    "[SystemCalls]\n"
	    "Allow=read write exit_group\n";
	static const char fine[] =
	    "[Filesystem]\n"
	    "BindReadOnly=/usr\n"
	    "[SystemCalls]\n"
	    "Allow=read execve exit_group\n";
	_cleanup_(policy_unrefp) struct policy *p = parse_ok(no_exec);
	_cleanup_(policy_unrefp) struct policy *q = parse_ok(fine);
	struct ini_diags d = {};

	policy_lint(p, -1, &d);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(d.n_warnings, 2);
	ck_assert_uint_eq(d.v[0].line, 3);
	ck_assert_int_eq(d.v[0].severity, INI_WARNING);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "'/nonexistent/sandboxd-test' does not exist"));
	ck_assert_uint_eq(d.v[1].line, 6);
	ck_assert_ptr_nonnull(strstr(d.v[1].message, "execve"));

	d = (struct ini_diags) {};
	policy_lint(q, -1, &d);
	ck_assert_msg(d.n == 0, "unexpected warning: %s", d.v[0].message);
}
END_TEST

/* Landlock=yes on a kernel without Landlock cannot spawn: say so. */
START_TEST(test_lint_landlock)
{
	static const char text[] =
	    "[Security]\n"
	    "Landlock=yes\n"
	    "[SystemCalls]\n"
	    "Allow=read execve exit_group\n";
	_cleanup_(policy_unrefp) struct policy *p = parse_ok(text);
	struct ini_diags d = {};

	policy_lint(p, 0, &d);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_uint_eq(d.v[0].line, 2);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "provides no Landlock"));
	d = (struct ini_diags) {};
	policy_lint(p, 2, &d);
	ck_assert_uint_eq(d.n, 0);
	d = (struct ini_diags) {};
	policy_lint(p, -1, &d);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

START_TEST(test_lint_intercept)
{
	_cleanup_(policy_unrefp) struct policy *p = parse_ok(
	    "[Broker]\n"
	    "Intercept=yes\n"
	    "[SystemCalls]\n"
	    "Allow=read execve exit_group\n");
	_cleanup_(policy_unrefp) struct policy *q = parse_ok(
	    "[Broker]\n"
	    "Intercept=yes\n"
	    "Tree=/srv read\n"
	    "[SystemCalls]\n"
	    "Allow=read execve exit_group\n");
	struct ini_diags d = {};

	ck_assert(p->intercept);
	policy_lint(p, -1, &d);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_uint_eq(d.v[0].line, 2);
	ck_assert_ptr_nonnull(strstr(d.v[0].message, "no File=, Tree= or Connect= rule"));
	d = (struct ini_diags) {};
	policy_lint(q, -1, &d);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* The target's side of test_filter_intercept: the notifying filter, then
 * calls that must not reach the listener, then one the policy allows but
 * interception hands over, then one the policy refuses. */
/* The body of test_filter_intercept's child, under the notifying filter:
 * calls that must not reach the listener, then one the policy allows but
 * interception hands over, then one the policy refuses. Ends the child
 * by the raw call: past the filter every refused call waits for an
 * answer (the sanitizers' exit calls sigaltstack(2)). */
static void
intercepted_body(int fd)
{
	struct stat st;

	/* Neither of these is handed over: */
	(void) getpid();
	if (syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) < 0)	/* fstat() */
		syscall(SYS_exit_group, 124);
	/* This one is, and continues. */
	if (syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY) < 0)
		syscall(SYS_exit_group, 125);
	/* This one is refused by the policy: handed over, answered EACCES. */
	if (syscall(SYS_kill, getpid(), 0) != -1 || errno != EACCES)
		syscall(SYS_exit_group, 126);
	syscall(SYS_exit_group, 0);
}

START_TEST(test_filter_intercept)
{
	_cleanup_(policy_unrefp) struct policy *p = compiled(
	    "[Broker]\nIntercept=yes\nTree=/srv read\n[SystemCalls]\n"
	    "Allow=@default @basic-io @file-system execve rt_sigaction sigaltstack\nAction=errno:EACCES\n");
	_cleanup_(policy_unrefp) struct policy *q = compiled(
	    "[Broker]\nTree=/srv read\n[SystemCalls]\nAllow=@default\n");
	_cleanup_close_ int listener = -1;
	int status;
	pid_t pid;

	/* NameDenials=no: the kernel answers refusals, no listener without
	 * interception; with it, only the intercepted calls notify. */
	_cleanup_(policy_unrefp) struct policy *off = compiled(
	    "[SystemCalls]\nAllow=@default @basic-io execve\nNameDenials=no\n");
	_cleanup_(policy_unrefp) struct policy *ioff = compiled(
	    "[Broker]\nIntercept=yes\nTree=/srv read\n[SystemCalls]\n"
	    "Allow=@default @basic-io execve\nNameDenials=no\n");
	struct seccomp_data kill_data = { .nr = SYS_kill, .arch = AUDIT_ARCH_X86_64 };

	ck_assert(!off->name_denials);
	ck_assert_ptr_null(off->notify_bpf);
	ck_assert_ptr_nonnull(off->learn_bpf);
	ck_assert_ptr_nonnull(ioff->notify_bpf);
	ck_assert_uint_eq(bpf_run(ioff->notify_bpf, ioff->notify_bpf_len, &kill_data) &
	    SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO);
	ck_assert_uint_eq(bpf_run(p->notify_bpf, p->notify_bpf_len, &kill_data),
	    SECCOMP_RET_USER_NOTIF);
	/* Without execve and write no filter can wait for the broker. */
	ck_assert_ptr_null(q->notify_bpf);
	ck_assert_ptr_null(q->learn_bpf);
	ck_assert_uint_gt(p->notify_bpf_len, p->bpf_len);
	pid = testlib_fork_notified(p->notify_bpf, p->notify_bpf_len, intercepted_body, &listener);
	/* The first call handed over is the open, not getpid() or fstat(). */
	testlib_answer_next(listener, SYS_openat, pid,
	    &(struct seccomp_notif_resp) { .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE });
	/* Then the refusal, which the broker answers as the policy would. */
	testlib_answer_next(listener, SYS_kill, pid,
	    &(struct seccomp_notif_resp) { .error = -EACCES });
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}
END_TEST

/* ---- Include= ----------------------------------------------------------- */

/* The sources Include= finds: NAME TEXT pairs, NULL-terminated. */
static void
sources_make(struct policy_sources *s, const char *const *v)
{
	for (; v[0]; v += 2) {
		char path[96];

		snprintf(path, sizeof(path), "/srv/p/%s.policy", v[0]);
		ck_assert_int_eq(policy_sources_add(s, v[0], path, v[1]), 0);
	}
}

static struct policy *
compose(const char *const *v, const char *name, const char *text, struct ini_diags *d)
{
	struct policy_sources s = {};
	struct policy *p = NULL;

	sources_make(&s, v);
	*d = (struct ini_diags) {};
	(void) policy_parse_sources_all(name, "/srv/p/top.policy", text, &s, &p, d);
	policy_sources_done(&s);
	return p;
}

static const char *const base_sources[] = {
	"base",
	"[Policy]\n"
	"Description=the base\n"
	"[Filesystem]\n"
	"BindReadOnly=/usr\n"
	"BindReadOnly=/opt\n"
	"Symlink=usr/bin:/bin\n"
	"[Sandbox]\n"
	"Hostname=base\n"
	"Environment=A=1\n"
	"[Limits]\n"
	"Memory=100M\n"
	"WallTime=10s\n"
	"[SystemCalls]\n"
	"Allow=read write\n"
	"RestrictAddressFamilies=AF_UNIX\n"
	"[Broker]\n"
	"Tree=/srv/in read\n"
	"Connect=tcp:127.0.0.1:80\n",
	NULL,
};

/* "NAME's lines, then mine": the included keys first, wherever Include=
 * stands; a later single value replaces, a list adds. */
START_TEST(test_include_order)
{
	static const char top[] =
	    "[Limits]\n"
	    "Memory=200M\n"
	    "[Policy]\n"
	    "Include=base\n"
	    "[Filesystem]\n"
	    "BindReadOnly=/etc\n"
	    "[SystemCalls]\n"
	    "Allow=openat\n"
	    "RestrictAddressFamilies=AF_INET\n"
	    "[Sandbox]\n"
	    "Environment=B=2\n";
	_cleanup_(policy_unrefp) struct policy *p = NULL, *alone = NULL;
	struct ini_diags d;

	p = compose(base_sources, "top", top, &d);
	ck_assert_msg(p, "%u errors: %s", d.n_errors, d.v[0].message);
	ck_assert_uint_eq(p->limits.memory_max, 200u << 20);	/* mine, though written first */
	ck_assert_uint_eq(p->limits.timeout_ms, 10000);		/* the base's */
	ck_assert_str_eq(p->description, "the base");
	ck_assert_str_eq(p->hostname, "base");
	ck_assert_uint_eq(p->n_mounts, 4);
	ck_assert_str_eq(p->mounts[0].dest, "/usr");
	ck_assert_str_eq(p->mounts[3].dest, "/etc");
	ck_assert_uint_eq(p->mounts[3].line, 6);
	/* What came by the include is where the top file includes it. */
	ck_assert_uint_eq(p->mounts[0].line, 4);
	ck_assert(strv_contains(p->syscalls, "read"));
	ck_assert(strv_contains(p->syscalls, "openat"));
	ck_assert_uint_eq(p->socket_families, (1u << AF_UNIX) | (1u << AF_INET));
	ck_assert(strv_contains(p->environment, "A=1"));
	ck_assert(strv_contains(p->environment, "B=2"));
	ck_assert_uint_eq(p->n_path_rules, 1);
	ck_assert_uint_eq(p->n_connect_rules, 1);

	/* The text after inclusion makes the same policy on its own. */
	ck_assert_ptr_nonnull(p->effective);
	ck_assert_ptr_nonnull(strstr(p->effective, "# Include=base: /srv/p/base.policy\n"));
	ck_assert_ptr_nonnull(strstr(p->effective, "# Include=base\n"));
	alone = parse_ok(p->effective);
	ck_assert_ptr_null(alone->effective);
	ck_assert_uint_eq(alone->limits.memory_max, p->limits.memory_max);
	ck_assert_uint_eq(alone->limits.timeout_ms, p->limits.timeout_ms);
	ck_assert_uint_eq(alone->n_mounts, p->n_mounts);
	ck_assert_uint_eq(alone->socket_families, p->socket_families);
	ck_assert_uint_eq(strv_length(alone->syscalls), strv_length(p->syscalls));
	ck_assert_uint_eq(strv_length(alone->environment), strv_length(p->environment));
	/* A policy without Include= has no other text. */
	policy_unref(alone);
	alone = parse_ok("[Limits]\nMemory=1G\n");
	ck_assert_ptr_null(alone->effective);
}
END_TEST

/* An empty assignment of a list key drops the list so far, the included
 * part with it; other lists stay. */
START_TEST(test_include_reset)
{
	static const char top[] =
	    "[Policy]\n"
	    "Include=base\n"
	    "[Filesystem]\n"
	    "BindReadOnly=\n"
	    "BindReadOnly=/usr:/opt\n"	/* /opt is free again */
	    "[Sandbox]\n"
	    "Environment=\n"
	    "Environment=C=3\n"
	    "[SystemCalls]\n"
	    "Allow=\n"
	    "Allow=exit_group\n"
	    "[Broker]\n"
	    "Tree=\n"
	    "Connect=\n"
	    "File=/srv/in/x read\n";
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct ini_diags d;

	p = compose(base_sources, "top", top, &d);
	ck_assert_msg(p, "%u errors: %s", d.n_errors, d.v[0].message);
	ck_assert_uint_eq(p->n_mounts, 2);
	ck_assert_uint_eq(p->mounts[0].kind, POLICY_MOUNT_SYMLINK);	/* another list */
	ck_assert_str_eq(p->mounts[1].dest, "/opt");
	ck_assert(!strv_contains(p->environment, "A=1"));
	ck_assert(strv_contains(p->environment, "C=3"));
	ck_assert(strv_contains(p->environment, "PATH=/usr/local/bin:/usr/bin:/bin"));
	ck_assert_uint_eq(strv_length(p->syscalls), 1);
	ck_assert_str_eq(p->syscalls[0], "exit_group");
	ck_assert_uint_eq(p->n_path_rules, 1);
	ck_assert(!p->path_rules[0].tree);
	ck_assert_uint_eq(p->n_connect_rules, 0);
	/* In one file alike. */
	policy_unref(p);
	p = parse_ok("[Filesystem]\nBindReadOnly=/usr\nBindReadOnly=\nBindReadOnly=/opt:/usr\n"
	    "TemporaryFileSystem=/run\nTemporaryFileSystem=\n");
	ck_assert_uint_eq(p->n_mounts, 1);
	ck_assert_str_eq(p->mounts[0].source, "/opt");
}
END_TEST

/* A and B both include C: C's lines apply once, where first included. */
START_TEST(test_include_diamond)
{
	static const char *const v[] = {
		"c", "[Filesystem]\nBindReadOnly=/usr\n",
		"a", "[Policy]\nInclude=c\n[Limits]\nTasks=10\n",
		"b", "[Policy]\nInclude=c\n[Limits]\nTasks=20\n",
		NULL,
	};
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct ini_diags d;

	p = compose(v, "top", "[Policy]\nInclude=a\nInclude=b\n", &d);
	ck_assert_msg(p, "%u errors: %s", d.n_errors, d.v[0].message);
	ck_assert_uint_eq(p->n_mounts, 1);
	ck_assert_uint_eq(p->limits.tasks_max, 20);
	ck_assert_ptr_nonnull(strstr(p->effective, "# Include=c: applied above already"));
}
END_TEST

static const struct {
	const char	*name;		/* of the top policy */
	const char	*text;
	unsigned	line;
	const char	*message;
} include_errors[] = {
	{ "top", "[Policy]\nDescription=x\nInclude=nosuch\n", 3, "Include=nosuch: no such policy" },
	{ "top", "[Policy]\nInclude=../etc\n", 2, "Include=: invalid policy name '../etc'" },
	{ "top", "[Policy]\nInclude=\n", 2, "Include=: invalid policy name ''" },
	/* A includes A. */
	{ "self", "[Policy]\nInclude=self\n", 2, "Include=self: include loop: self -> self" },
	/* top -> loop1 -> loop2 -> loop1 */
	{ "top", "# x\n[Policy]\nInclude=loop1\n", 3,
	  "Include=loop1 -> loop2: /srv/p/loop2.policy:2: "
	  "Include=loop1: include loop: loop1 -> loop2 -> loop1" },
	/* A chain nine deep. */
	{ "top", "[Policy]\nInclude=d1\n", 2, "Include=d1 -> d2 -> d3 -> d4 -> d5 -> d6 -> d7 -> "
	  "d8: /srv/p/d8.policy:2: Include=d9: includes nested more than 8 deep" },
	/* An error inside the included file: its file and line. */
	{ "top", "[Policy]\nInclude=broken\n", 2,
	  "Include=broken: /srv/p/broken.policy:3: unknown key 'Colour' in section [Limits]" },
	{ "top", "[Policy]\nInclude=unreadable\n", 2,
	  "Include=unreadable: /srv/p/unreadable.policy cannot be read" },
	/* A mount point the included file has is one here too. */
	{ "top", "[Policy]\nInclude=c\n[Filesystem]\nBind=/srv:/usr\n", 4,
	  "'/usr' is already a mount point" },
	{ "top", "[Policy]\nInclude=c\nInclude=dup\n", 3,
	  "Include=dup: /srv/p/dup.policy:2: '/usr' is already a mount point" },
	{ "top", "[Filesystem]\nInclude=c\n", 2, "unknown key 'Include' in section [Filesystem]" },
};

START_TEST(test_include_error)
{
	static const char *const v[] = {
		"self", "[Policy]\nInclude=self\n",
		"loop1", "[Policy]\nInclude=loop2\n",
		"loop2", "[Policy]\nInclude=loop1\n",
		"d1", "[Policy]\nInclude=d2\n", "d2", "[Policy]\nInclude=d3\n",
		"d3", "[Policy]\nInclude=d4\n", "d4", "[Policy]\nInclude=d5\n",
		"d5", "[Policy]\nInclude=d6\n", "d6", "[Policy]\nInclude=d7\n",
		"d7", "[Policy]\nInclude=d8\n", "d8", "[Policy]\nInclude=d9\n",
		"d9", "[Limits]\nTasks=9\n",
		"broken", "[Limits]\nTasks=9\nColour=blue\n",
		"c", "[Filesystem]\nBindReadOnly=/usr\n",
		"dup", "[Filesystem]\nBindReadOnly=/usr\n",
		NULL,
	};
	struct policy_sources s = {};
	struct policy *p = NULL;
	struct ini_diags d = {};
	int r;

	sources_make(&s, v);
	ck_assert_int_eq(policy_sources_add(&s, "unreadable", "/srv/p/unreadable.policy", NULL),
	    0);
	r = policy_parse_sources_all(include_errors[_i].name, "/srv/p/top.policy",
	    include_errors[_i].text, &s, &p, &d);
	policy_sources_done(&s);
	ck_assert_msg(r < 0, "case %d: parsed but should not", _i);
	ck_assert_ptr_null(p);
	ck_assert_msg(d.n_errors == 1, "case %d: %u errors", _i, d.n_errors);
	ck_assert_msg(d.v[0].line == include_errors[_i].line, "case %d: line %u, expected %u (%s)",
	    _i, d.v[0].line, include_errors[_i].line, d.v[0].message);
	ck_assert_msg(strstr(d.v[0].message, include_errors[_i].message),
	    "case %d: message '%s' lacks '%s'", _i, d.v[0].message, include_errors[_i].message);
}
END_TEST

/* Eight deep is allowed; without sources nothing can be included. */
START_TEST(test_include_depth)
{
	static const char *const v[] = {
		"d1", "[Policy]\nInclude=d2\n", "d2", "[Policy]\nInclude=d3\n",
		"d3", "[Policy]\nInclude=d4\n", "d4", "[Policy]\nInclude=d5\n",
		"d5", "[Policy]\nInclude=d6\n", "d6", "[Policy]\nInclude=d7\n",
		"d7", "[Policy]\nInclude=d8\n", "d8", "[Limits]\nTasks=8\n",
		NULL,
	};
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct ini_error err = {};
	struct ini_diags d;

	p = compose(v, "top", "[Policy]\nInclude=d1\n", &d);
	ck_assert_msg(p, "%u errors: %s", d.n_errors, d.v[0].message);
	ck_assert_uint_eq(p->limits.tasks_max, 8);
	policy_unref(p);
	p = NULL;
	ck_assert_int_lt(policy_parse("top", NULL, "[Policy]\nInclude=default\n", &p, &err), 0);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.message, "no such policy"));
}
END_TEST

/* The inputs too large to write in the table, made once before "parse" runs. */
static void
make_invalid_inputs(void)
{
	/* Line 3 is 5000 bytes. */
	overlong_line = malloc(6000);
	if (!overlong_line)
		abort();
	strcpy(overlong_line, "[Policy]\nDescription=x\nDescription=");
	memset(overlong_line + strlen(overlong_line), 'x', 5000);
	overlong_line[5035] = '\0';
	/* 65 mounts on lines 2..66. */
	too_many_mounts = malloc(65 * 64 + 64);
	if (!too_many_mounts)
		abort();
	strcpy(too_many_mounts, "[Filesystem]\n");
	for (int i = 0; i < 65; i++)
		sprintf(too_many_mounts + strlen(too_many_mounts),
		    "TemporaryFileSystem=/run/m%d\n", i);
	/* Over 60 KiB of comments. */
	too_large = malloc(62 * 1024 + 1);
	if (!too_large)
		abort();
	memset(too_large, '#', 62 * 1024);
	for (int i = 63; i < 62 * 1024; i += 64)
		too_large[i] = '\n';
	too_large[62 * 1024] = '\0';
}

/* ---- CPUQuota= ----------------------------------------------------------- */

static const struct {
	const char	*value;
	uint64_t	pct;		/* 0: a load error */
	const char	*message;	/* in the error */
} cpu_quotas[] = {
	{ "50%", 50, NULL },
	{ "1%", 1, NULL },
	{ "100%", 100, NULL },
	{ "150%", 150, NULL },
	{ "100000%", 100000, NULL },
	{ "infinity", POLICY_UNLIMITED, NULL },
	{ "", POLICY_UNLIMITED, NULL },
	{ "0%", 0, "0% would never let the sandbox run" },
	{ "100001%", 0, "out of range (at most 100000%)" },
	{ "99999999999999999999999%", 0, "out of range" },
	{ "50", 0, "is not a percentage of one CPU" },
	{ "abc%", 0, "is not a percentage of one CPU" },
	{ "%", 0, "is not a percentage of one CPU" },
	{ "-5%", 0, "is not a percentage of one CPU" },
	{ "1.5%", 0, "is not a percentage of one CPU" },
	{ "50%%", 0, "is not a percentage of one CPU" },
	{ "50 %", 0, "is not a percentage of one CPU" },
};

START_TEST(test_cpu_quota)
{
	_cleanup_free_ char *text = NULL;
	struct policy *p = NULL;
	struct ini_error err = {};
	int r;

	ck_assert_int_ge(asprintf(&text, "[Limits]\nCPUQuota=%s\n", cpu_quotas[_i].value), 0);
	r = policy_parse("test", NULL, text, &p, &err);
	if (cpu_quotas[_i].pct == 0) {
		ck_assert_msg(r < 0, "CPUQuota=%s loaded", cpu_quotas[_i].value);
		ck_assert_uint_eq(err.line, 2);
		ck_assert_msg(strstr(err.message, "CPUQuota=") &&
		    strstr(err.message, cpu_quotas[_i].message), "CPUQuota=%s: '%s'",
		    cpu_quotas[_i].value, err.message);
		return;
	}
	ck_assert_msg(r == 0, "CPUQuota=%s: %s", cpu_quotas[_i].value, err.message);
	ck_assert_uint_eq(p->limits.cpu_quota_pct, cpu_quotas[_i].pct);
	policy_unref(p);
}
END_TEST

/* None unless a policy sets one; the shipped default and strict: one CPU. */
START_TEST(test_cpu_quota_defaults)
{
	_cleanup_(policy_unrefp) struct policy *p = parse_ok("[Limits]\nMemory=1G\n");
	_cleanup_(policy_unrefp) struct policy *def = load_shipped("default");
	_cleanup_(policy_unrefp) struct policy *strict = load_shipped("strict");

	ck_assert_uint_eq(p->limits.cpu_quota_pct, POLICY_UNLIMITED);
	ck_assert_uint_eq(def->limits.cpu_quota_pct, 100);
	ck_assert_uint_eq(strict->limits.cpu_quota_pct, 100);
}
END_TEST

/* Under Include=, as every [Limits] key: the last assignment wins, and an
 * empty one takes the quota away again. */
static const struct {
	const char	*top;
	uint64_t	pct;
} cpu_quota_includes[] = {
	{ "[Policy]\nInclude=half\n", 50 },
	{ "[Policy]\nInclude=half\n[Limits]\nCPUQuota=150%\n", 150 },
	{ "[Policy]\nInclude=half\nInclude=twice\n", 200 },
	{ "[Policy]\nInclude=half\n[Limits]\nCPUQuota=\n", POLICY_UNLIMITED },
	{ "[Policy]\nInclude=half\n[Limits]\nCPUQuota=infinity\n", POLICY_UNLIMITED },
};

START_TEST(test_cpu_quota_include)
{
	static const char *const v[] = {
		"half", "[Policy]\nDescription=half\n[Limits]\nCPUQuota=50%\n",
		"twice", "[Policy]\nDescription=twice\n[Limits]\nCPUQuota=200%\n",
		NULL,
	};
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct ini_diags d;

	p = compose(v, "top", cpu_quota_includes[_i].top, &d);
	ck_assert_msg(p, "%u errors: %s", d.n_errors, d.v[0].message);
	ck_assert_uint_eq(p->limits.cpu_quota_pct, cpu_quota_includes[_i].pct);
}
END_TEST

TESTLIB_MAIN("policy",
	{ "parse", .up = make_invalid_inputs,
	    .loops = TESTLIB_LOOPS({ test_valid, ELEMENTSOF(valid) },
		{ test_invalid, ELEMENTSOF(invalid) }),
	    .tests = TESTLIB_TESTS(test_name, test_broker_rules, test_broker_unix_connect_ok,
		test_all_errors, test_lint, test_lint_landlock, test_lint_intercept) },
	{ "keys", .loops = TESTLIB_LOOPS({ test_bad_value, ELEMENTSOF(bad_values) }),
	    .tests = TESTLIB_TESTS(test_every_key, test_key_variants) },
	{ "groups", .tests = TESTLIB_TESTS(test_forbidden, test_groups) },
	{ "include", .loops = TESTLIB_LOOPS({ test_include_error, ELEMENTSOF(include_errors) }),
	    .tests = TESTLIB_TESTS(test_include_order, test_include_reset, test_include_diamond,
		test_include_depth) },
	{ "files",
	    .tests = TESTLIB_TESTS(test_shipped_default, test_shipped_strict,
		test_shipped_convert, test_load_file) },
	{ "filter", .timeout = 30,
	    .tests = TESTLIB_TESTS(test_filter_strict, test_filter_foreign_abi,
		test_filter_default, test_filter_actions, test_filter_families,
		test_filter_default_families, test_filter_intercept, test_filter_args) },
	{ "args", .loops = TESTLIB_LOOPS({ test_args_invalid, ELEMENTSOF(bad_args) }),
	    .tests = TESTLIB_TESTS(test_args_parse, test_args_include, test_args_too_many) },
	{ "cpu-quota", .loops = TESTLIB_LOOPS({ test_cpu_quota, ELEMENTSOF(cpu_quotas) },
		{ test_cpu_quota_include, ELEMENTSOF(cpu_quota_includes) }),
	    .tests = TESTLIB_TESTS(test_cpu_quota_defaults) });
