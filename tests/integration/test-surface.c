/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's attack surface a sandbox reaches (issue 13), from inside
 * sandboxes under the shipped policies: socket families. Under "default"
 * a program makes AF_UNIX, AF_INET and AF_INET6 sockets and netlink
 * sockets for routing (if_nameindex(), ip link), and nothing else: no
 * AF_VSOCK, AF_PACKET, AF_BLUETOOTH, AF_ALG (EAFNOSUPPORT), no kobject
 * uevents, audit, sock_diag, generic netlink, xfrm or netfilter
 * (EPROTONOSUPPORT). A policy that names a netlink protocol gets it; one
 * that names an unknown family does not load, and says where. And the
 * opt-in groups: splice(2), System V message queues and extended
 * attributes only where a policy names @splice, @sysv-msg and @xattr;
 * ioctl(2) by allow-list; no fadvise64() that drops the host's page
 * cache; no program that exists only in memory (a memfd's) runs unless
 * the policy says MemoryExecutables=yes. And what a sandbox learns of
 * the host: a boot id of its own. Every case
 * runs once with root (_i == 0) and once with nobody (_i == 1) as the
 * sandbox's owner, through sandboxctl as that user.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

#define NOBODY 65534

static const uid_t owners[] = { 0, NOBODY };

/*
 * Tries socket(family, type, protocol) for each line of its first
 * argument ("label family type protocol", numbers) and prints "label ok"
 * or "label ERRNO-NAME"; then the interface names if_nameindex() reads
 * over NETLINK_ROUTE.
 */
#define PROBE								\
	"import errno, socket, sys\n"					\
	"for line in sys.argv[1].splitlines():\n"			\
	"    label, f, t, p = line.split()\n"				\
	"    try:\n"							\
	"        socket.socket(int(f), int(t), int(p)).close()\n"	\
	"        print(label, \"ok\")\n"				\
	"    except OSError as e:\n"					\
	"        print(label, errno.errorcode.get(e.errno, e.errno))\n"	\
	"try:\n"							\
	"    print(\"if_nameindex\", *sorted(n for _, n in socket.if_nameindex()))\n"	\
	"except OSError as e:\n"					\
	"    print(\"if_nameindex\", errno.errorcode.get(e.errno, e.errno))\n"

/* AF_* 1 unix, 2 inet, 10 inet6, 16 netlink, 17 packet, 31 bluetooth,
 * 38 alg, 40 vsock; SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, SOCK_SEQPACKET 5,
 * with SOCK_CLOEXEC (524288) on some to show flags do not matter. */
static const char probes[] =
    "unix-stream 1 1 0\n"
    "unix-dgram 1 524290 0\n"
    "inet-stream 2 1 0\n"
    "inet-dgram 2 2 0\n"
    "inet6-stream 10 1 0\n"
    "inet6-dgram 10 526338 0\n"
    "netlink-route 16 3 0\n"
    "netlink-route-dgram 16 524290 0\n"
    "netlink-sock_diag 16 3 4\n"
    "netlink-xfrm 16 3 6\n"
    "netlink-audit 16 3 9\n"
    "netlink-netfilter 16 3 12\n"
    "netlink-kobject_uevent 16 524291 15\n"
    "netlink-generic 16 3 16\n"
    "packet 17 3 0\n"
    "bluetooth 31 5 0\n"
    "alg 38 5 0\n"
    "vsock-stream 40 1 0\n"
    "vsock-dgram 40 2 0\n";

static const char default_result[] =
    "unix-stream ok\n"
    "unix-dgram ok\n"
    "inet-stream ok\n"
    "inet-dgram ok\n"
    "inet6-stream ok\n"
    "inet6-dgram ok\n"
    "netlink-route ok\n"
    "netlink-route-dgram ok\n"
    "netlink-sock_diag EPROTONOSUPPORT\n"
    "netlink-xfrm EPROTONOSUPPORT\n"
    "netlink-audit EPROTONOSUPPORT\n"
    "netlink-netfilter EPROTONOSUPPORT\n"
    "netlink-kobject_uevent EPROTONOSUPPORT\n"
    "netlink-generic EPROTONOSUPPORT\n"
    "packet EAFNOSUPPORT\n"
    "bluetooth EAFNOSUPPORT\n"
    "alg EAFNOSUPPORT\n"
    "vsock-stream EAFNOSUPPORT\n"
    "vsock-dgram EAFNOSUPPORT\n"
    "if_nameindex lo\n";

struct sh_run {
	int	code;		/* sandboxctl's exit code */
	char	*out, *err;
};

/* sandboxctl run -p policy -- python3 -c PROBE probes, as owner. */
static void
run_probe(uid_t owner, const char *policy, const char *probes_text, struct sh_run *ret)
{
	int st;

	st = testlib_sandboxctl_as(owner, owner, &ret->out, &ret->err, "run", "-p", policy, "--",
	    "python3", "-c", PROBE, probes_text, NULL);
	ret->code = testlib_exit_code(st);
}

static void
expect_output(uid_t owner, struct sh_run *r, const char *want)
{
	ck_assert_msg(r->code == 0 && strcmp(r->out, want) == 0,
	    "owner %u: exit %d, stdout:\n%s\nwant:\n%s\nstderr: %s", (unsigned) owner, r->code,
	    r->out, want, r->err);
	free(r->out);
	free(r->err);
}

/* The shipped default: the families and the netlink protocol it names. */
START_TEST(default_families)
{
	struct sh_run r;

	run_probe(owners[_i], "default", probes, &r);
	expect_output(owners[_i], &r, default_result);
}
END_TEST

/* Naming a netlink protocol opens it, and only it. */
START_TEST(netlink_named)
{
	static const char probes_uevent[] =
	    "netlink-route 16 3 0\n"
	    "netlink-kobject_uevent 16 524291 15\n"
	    "netlink-audit 16 3 9\n"
	    "vsock-stream 40 1 0\n";
	struct sh_run r;

	run_probe(owners[_i], "uevent", probes_uevent, &r);
	expect_output(owners[_i], &r, "netlink-route ok\nnetlink-kobject_uevent ok\n"
	    "netlink-audit EPROTONOSUPPORT\nvsock-stream EAFNOSUPPORT\nif_nameindex lo\n");
}
END_TEST

#define BAD_FAMILY_LINE 3
static const char bad_family[] =
    "[SystemCalls]\n"
    "Allow=@default @basic-io @network-io execve\n"
    "RestrictAddressFamilies=AF_UNIX AF_VSCOK\n";	/* BAD_FAMILY_LINE */

/* An unknown family is an error at its line: policy check says so, and
 * the daemon does not load the policy (and says so, at the same line). */
START_TEST(unknown_family)
{
	char *path = testlib_asprintf("%s/bad-family.policy", testdaemon_fixture->dir);
	char *want = testlib_asprintf("%s:%u: error: RestrictAddressFamilies=: unknown address "
	    "family 'AF_VSCOK'", path, BAD_FAMILY_LINE);
	char *logged = testlib_asprintf("%s/bad-family.policy:%u: RestrictAddressFamilies=: "
	    "unknown address family 'AF_VSCOK'", testdaemon_fixture->policy_dir, BAD_FAMILY_LINE);
	char *out, *err;
	FILE *f;
	int st;

	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(bad_family, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	st = testlib_sandboxctl_as(owners[_i], owners[_i], &out, &err, "policy", "check", path,
	    NULL);
	ck_assert_msg(testlib_exit_code(st) == 1 && strstr(err, want),
	    "owner %u: exit %d, stdout %s, stderr %s", (unsigned) owners[_i],
	    testlib_exit_code(st), out, err);
	free(out);
	free(err);

	ck_assert_msg(testdaemon_log_count(testdaemon_fixture, logged) >= 1,
	    "the daemon's log lacks '%s'", logged);
	st = testlib_sandboxctl_as(owners[_i], owners[_i], &out, &err, "run", "-p", "bad-family",
	    "--", "true", NULL);
	ck_assert_msg(testlib_exit_code(st) != 0, "owner %u: a sandbox ran under bad-family",
	    (unsigned) owners[_i]);
	free(out);
	free(err);
	(void) unlink(path);
	free(logged);
	free(want);
	free(path);
}
END_TEST

/* splice(2), a System V message queue and a user extended attribute on a
 * file in /tmp, each "ok" or its errno's name. */
#define OPTIN_PROBE							\
	"import ctypes, errno, os\n"					\
	"r, w = os.pipe()\n"						\
	"os.write(w, b'x')\n"						\
	"r2, w2 = os.pipe()\n"						\
	"try:\n"							\
	"    os.splice(r, w2, 1)\n"					\
	"    print('splice ok')\n"					\
	"except OSError as e:\n"					\
	"    print('splice', errno.errorcode[e.errno])\n"		\
	"libc = ctypes.CDLL(None, use_errno=True)\n"			\
	"q = libc.msgget(0, 0o1600)\n"					\
	"print('msgget ok' if q >= 0 else\n"				\
	"    'msgget ' + errno.errorcode[ctypes.get_errno()])\n"	\
	"if q >= 0:\n"							\
	"    libc.msgctl(q, 0, None)\n"					\
	"open('/tmp/x', 'w').close()\n"				\
	"try:\n"							\
	"    os.setxattr('/tmp/x', 'user.x', b'1')\n"			\
	"    print('setxattr ok')\n"					\
	"except OSError as e:\n"					\
	"    print('setxattr', errno.errorcode[e.errno])\n"

/* The opt-in groups: "default" refuses splice(2), System V message queues
 * and setting extended attributes (kernel-exploitation primitives); a
 * policy that names @splice, @sysv-msg and @xattr gets them. */
START_TEST(optin_groups)
{
	static const struct { const char *policy, *want; } cases[] = {
		/* ENOTSUP: as a file system without extended attributes. */
		{ "default", "splice EPERM\nmsgget EPERM\nsetxattr ENOTSUP\n" },
		{ "optin", "splice ok\nmsgget ok\nsetxattr ok\n" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct sh_run r;
		int st = testlib_sandboxctl_as(owners[_i], owners[_i], &r.out, &r.err, "run", "-p",
		    cases[i].policy, "--", "python3", "-c", OPTIN_PROBE, NULL);

		r.code = testlib_exit_code(st);
		expect_output(owners[_i], &r, cases[i].want);
	}
}
END_TEST

/* A file of the host's, bound read-only by "default" (/usr), that every
 * Debian system has. */
#define HOST_FILE "/usr/share/common-licenses/GPL-3"

/* The pages of path in the host's page cache, by fincore(1); warm: read
 * it first. */
static long
cached_pages(const char *path, bool warm)
{
	char *cmd = testlib_asprintf("%s%s%sfincore -n -o PAGES '%s'", warm ? "cat '" : "",
	    warm ? path : "", warm ? "' >/dev/null && " : "", path);
	FILE *p = popen(cmd, "r");
	long n = -1;

	ck_assert_ptr_nonnull(p);
	if (fscanf(p, "%ld", &n) != 1)
		n = -1;
	(void) pclose(p);
	free(cmd);
	return n;
}

/* fadvise64() may not drop the page cache of a file bound read-only,
 * the host's: POSIX_FADV_DONTNEED is refused (EPERM), the host still has
 * the pages cached; the other advice works. */
START_TEST(fadvise_dontneed)
{
	static const char probe[] =
	    "import errno, os\n"
	    "fd = os.open('" HOST_FILE "', os.O_RDONLY)\n"
	    "for name in ('POSIX_FADV_WILLNEED', 'POSIX_FADV_SEQUENTIAL', "
	    "'POSIX_FADV_DONTNEED'):\n"
	    "    try:\n"
	    "        os.posix_fadvise(fd, 0, 0, getattr(os, name))\n"
	    "        print(name, 'ok')\n"
	    "    except OSError as e:\n"
	    "        print(name, errno.errorcode[e.errno])\n";
	long before = cached_pages(HOST_FILE, true), after;
	struct sh_run r;
	int st;

	ck_assert_msg(before > 0, "fincore: %ld pages of %s cached", before, HOST_FILE);
	st = testlib_sandboxctl_as(owners[_i], owners[_i], &r.out, &r.err, "run", "-p", "default",
	    "--", "python3", "-c", probe, NULL);
	r.code = testlib_exit_code(st);
	expect_output(owners[_i], &r, "POSIX_FADV_WILLNEED ok\nPOSIX_FADV_SEQUENTIAL ok\n"
	    "POSIX_FADV_DONTNEED EPERM\n");
	after = cached_pages(HOST_FILE, false);
	ck_assert_msg(after >= before, "the host's cache of %s went from %ld to %ld pages",
	    HOST_FILE, before, after);
}
END_TEST

/* ioctl(2) by allow-list: on a pipe, an allowed request reaches the kernel
 * (ENOTTY: a pipe is no terminal), and TIOCSETD (which loads a line
 * discipline, kernel code, for a terminal), TIOCSTI and a request no one
 * listed are refused (EPERM) before the kernel looks at the fd. */
START_TEST(ioctl_allowlist)
{
	static const char probe[] =
	    "import errno, fcntl, os, termios\n"
	    "r, w = os.pipe()\n"
	    "for name, req in (('TCGETS', termios.TCGETS), ('FIONREAD', termios.FIONREAD),\n"
	    "                  ('TIOCSETD', termios.TIOCSETD), ('TIOCSTI', termios.TIOCSTI),\n"
	    "                  ('0x5499', 0x5499)):\n"
	    "    try:\n"
	    "        fcntl.ioctl(r, req, b'\\0' * 8)\n"
	    "        print(name, 'ok')\n"
	    "    except OSError as e:\n"
	    "        print(name, errno.errorcode[e.errno])\n";
	struct sh_run r;
	int st = testlib_sandboxctl_as(owners[_i], owners[_i], &r.out, &r.err, "run", "-p", "default",
	    "--", "python3", "-c", probe, NULL);

	r.code = testlib_exit_code(st);
	expect_output(owners[_i], &r, "TCGETS ENOTTY\nFIONREAD ok\nTIOCSETD EPERM\nTIOCSTI EPERM\n"
	    "0x5499 EPERM\n");
}
END_TEST

/* The built-in policies, "uevent": default with kobject uevents too,
 * "optin": default with the opt-in groups @splice and @sysv-msg, and
 * "bad-family", which names a family that does not exist. */
static void
daemon_up(void)
{
	char *text = testlib_default_policy_with(""), *uevent, *optin;

	uevent = testlib_asprintf("%sRestrictNetlink=route kobject_uevent\n", text);
	optin = testlib_asprintf("%sAllow=@splice @sysv-msg @xattr\n", text);
	testdaemon_fixture = testdaemon_new();
	testdaemon_write_policy(testdaemon_fixture, "uevent", uevent);
	testdaemon_write_policy(testdaemon_fixture, "optin", optin);
	testdaemon_write_policy(testdaemon_fixture, "bad-family", bad_family);
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, NULL), 0);
	free(uevent);
	free(optin);
	free(text);
}

#define MEMFD_NOEXEC "/proc/sys/vm/memfd_noexec"

/* The host's vm.memfd_noexec, -1 where the kernel has none (< 6.3). */
static int
host_memfd_noexec(void)
{
	FILE *f = fopen(MEMFD_NOEXEC, "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	(void) fclose(f);
	return v;
}

/* tests/integration/helpers/memfd-exec's lines for a plain memfd and each
 * way to execute it, at vm.memfd_noexec level (the sandbox's); -1: the
 * kernel has none, and the filter refuses execveat(2) of a descriptor
 * (refused; otherwise the kernel has nothing against it). */
static const char *
memfd_result(int level, bool refused)
{
	if (level < 0 && refused)
		return "memfd_create ok\nsysctl ENOENT\nlower ENOENT\nmfd_exec EINVAL\n"
		    "fchmod ok\nexecveat EPERM\nfexecve EPERM\nproc ok\n";
	if (level < 0)
		return "memfd_create ok\nsysctl ENOENT\nlower ENOENT\nmfd_exec EINVAL\n"
		    "fchmod ok\nexecveat ok\nfexecve ok\nproc ok\n";
	/* Nobody in the sandbox may change it (it is not the host's root). */
	if (level == 0)
		return "memfd_create ok\nsysctl 0\nlower EACCES\nmfd_exec ok\nfchmod ok\n"
		    "execveat ok\nfexecve ok\nproc ok\n";
	/* Plain memfds are sealed non-executable: no route runs them. */
	return level == 1 ?
	    "memfd_create ok\nsysctl 1\nlower EACCES\nmfd_exec ok\nfchmod EPERM\n"
	    "execveat EACCES\nfexecve EACCES\nproc EACCES\n" :
	    "memfd_create ok\nsysctl 2\nlower EACCES\nmfd_exec EACCES\nfchmod EPERM\n"
	    "execveat EACCES\nfexecve EACCES\nproc EACCES\n";
}

/*
 * No program that exists only in memory runs in a sandbox: "default"'s
 * target writes one into a memfd and none of execveat(2), fexecve(3) and
 * execve("/proc/self/fd/N") runs it, nor can it make the memfd executable
 * (memfd_create(MFD_EXEC), fchmod), because the daemon set
 * vm.memfd_noexec to 2 in its pid namespace, which it cannot lower; the
 * host's stays what it was. Where the kernel has no vm.memfd_noexec the filter refuses
 * execveat(2) of a descriptor, and the daemon said at start that
 * /proc/self/fd/N still runs one. "strict" has no memfd_create(2) at all.
 * A policy that says MemoryExecutables=yes runs them all.
 */
START_TEST(memfd_exec)
{
	int host = host_memfd_noexec();
	const struct { const char *policy, *want; } cases[] = {
		{ "mdefault", memfd_result(host < 0 ? -1 : 2, true) },
		{ "mstrict", "memfd_create EPERM\n" },
		{ "memexec", memfd_result(host, false) },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct sh_run r;
		int st = testlib_sandboxctl_as(owners[_i], owners[_i], &r.out, &r.err, "run", "-p",
		    cases[i].policy, "--", "/opt/helpers/memfd-exec", NULL);

		r.code = testlib_exit_code(st);
		ck_assert_msg(r.code == 0 && strcmp(r.out, cases[i].want) == 0,
		    "owner %u, policy %s: exit %d, stdout:\n%s\nwant:\n%s\nstderr: %s",
		    (unsigned) owners[_i], cases[i].policy, r.code, r.out, cases[i].want, r.err);
		free(r.out);
		free(r.err);
	}
	ck_assert_int_eq(host_memfd_noexec(), host);
	ck_assert_int_eq(testdaemon_log_count(testdaemon_fixture, "This kernel has no "
	    "vm.memfd_noexec (Linux 6.3): sandboxes' filters refuse execveat(2) of a descriptor "
	    "(fexecve), but a program written into a memfd can still run through "
	    "execve(\"/proc/self/fd/N\")"), host < 0 ? 1 : 0);
}
END_TEST

#define BOOT_ID "/proc/sys/kernel/random/boot_id"

/* Whether s is a version-4 UUID as the kernel writes one (lower-case
 * hex, the variant 10xx), and a newline. */
static bool
is_uuid4_line(const char *s)
{
	if (strlen(s) != 37 || s[36] != '\n' || s[14] != '4' || !strchr("89ab", s[19]))
		return false;
	for (int i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    !strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* Each sandbox has a boot id of its own: the kernel's format (a random
 * UUID, so programs that read one work), different in two sandboxes, and
 * not the host's. */
START_TEST(boot_id)
{
	char host[64] = "", *ids[2];
	FILE *f = fopen(BOOT_ID, "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(host, sizeof(host), f));
	(void) fclose(f);
	ck_assert_msg(is_uuid4_line(host), "the host's boot id '%s'", host);
	for (int i = 0; i < 2; i++) {
		char *err;
		int st = testlib_sandboxctl_as(owners[_i], owners[_i], &ids[i], &err, "run", "-p",
		    "default", "--", "cat", BOOT_ID, NULL);

		ck_assert_msg(testlib_exit_code(st) == 0 && is_uuid4_line(ids[i]),
		    "owner %u: exit %d, boot id '%s', stderr: %s", (unsigned) owners[_i],
		    testlib_exit_code(st), ids[i], err);
		ck_assert_msg(strcmp(ids[i], host) != 0, "the host's boot id in a sandbox: %s", host);
		free(err);
	}
	ck_assert_msg(strcmp(ids[0], ids[1]) != 0, "two sandboxes with boot id %s", ids[0]);
	free(ids[0]);
	free(ids[1]);
}
END_TEST

/* "mdefault" and "mstrict": the shipped ones with the helpers, and
 * "memexec": mdefault with MemoryExecutables=yes. */
static void
memory_up(void)
{
	char *bind = testlib_asprintf("BindReadOnly=%s:/opt/helpers", testlib_helpers_dir());
	char *text = testlib_default_policy_with(bind), *strict;

	strict = testlib_asprintf("[Policy]\nInclude=strict\n[Filesystem]\n%s\n", bind);
	testdaemon_fixture = testdaemon_new();
	testdaemon_write_policy(testdaemon_fixture, "mdefault", text);
	testdaemon_write_policy(testdaemon_fixture, "mstrict", strict);
	testdaemon_write_policy(testdaemon_fixture, "memexec",
	    "[Policy]\nInclude=mdefault\n[Security]\nMemoryExecutables=yes\n");
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, NULL), 0);
	free(strict);
	free(text);
	free(bind);
}

TESTDAEMON_MAIN("surface",
	{ "families", .up = daemon_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .loops = TESTLIB_LOOPS({ default_families, ELEMENTSOF(owners) },
		{ netlink_named, ELEMENTSOF(owners) }, { unknown_family, ELEMENTSOF(owners) },
		{ optin_groups, ELEMENTSOF(owners) }, { fadvise_dontneed, ELEMENTSOF(owners) },
		{ ioctl_allowlist, ELEMENTSOF(owners) }) },
	{ "memory", .up = memory_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .loops = TESTLIB_LOOPS({ memfd_exec, ELEMENTSOF(owners) },
		{ boot_id, ELEMENTSOF(owners) }) });
