/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every sandbox's /proc hides of the host (confine-mount.c,
 * skeleton.c, sandboxd.policy(5)): the kernel command line, the boot id,
 * the machine-wide interrupt, softirq and CPU counters, and what
 * container runtimes mask (kernel memory and symbols, timers, keys,
 * SysRq, hardware directories), while the programs that read /proc/stat
 * (nproc, python, ps, top) still work; nothing in /proc comes from a
 * host file; a bound /sys has an empty /sys/firmware; and /etc/localtime
 * is the host's symbolic link, not a bind that names the host's zoneinfo
 * file. Each case runs with root and with uid 65534 as the sandbox's
 * owner, under the shipped default policy or one made from it.
 */
#include <check.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testdaemon.h"
#include "testlib.h"

/* The owners, by loop index: root (as we are), then uid 65534. */
static const uid_t owners[] = { (uid_t)-1, 65534 };
#define N_OWNERS ((int)ELEMENTSOF(owners))

/* sandboxctl run --policy policy -- /bin/sh -c script as owner i; asserts
 * exit status 0 and returns its stdout (malloc'd). */
static char *
run_sh(int i, const char *policy, const char *script)
{
	char *out, *err;
	int st = testlib_sandboxctl_as(owners[i], owners[i], &out, &err, "run", "--policy", policy,
	    "--", "/bin/sh", "-c", script, NULL);

	ck_assert_msg(testlib_exit_code(st) == 0, "owner %d: '%s': exit %d\nstdout: %s\nstderr: %s",
	    (int)owners[i], script, testlib_exit_code(st), out, err);
	free(err);
	return out;
}

/* The host's file, whole (malloc'd). */
static char *
host_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;

	ck_assert_msg(f, "cannot open %s", path);
	ck_assert_int_ge(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	return text;
}

/* The sum of the counters on /proc/stat's "cpu " line in text. */
static unsigned long long
cpu_total(const char *text)
{
	const char *s = strstr(text, "cpu ");
	unsigned long long sum = 0;
	char *end;

	ck_assert_msg(s, "no cpu line in:\n%s", text);
	for (s += 4; *s && *s != '\n'; s = end) {
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s)
			break;
		sum += v;
	}
	return sum;
}

/* The kernel command line is empty, and so are the interrupt and softirq
 * counters; the boot id is the sandbox's own (test-surface: boot_id). */
START_TEST(machine_identity)
{
	char *boot_id = host_file("/proc/sys/kernel/random/boot_id");
	char *out = run_sh(_i, "default", "cat /proc/sys/kernel/random/boot_id; "
	    "for f in cmdline sys/kernel/random/boot_id interrupts softirqs; do "
	    "printf '%s=%s\\n' $f $(cat /proc/$f | wc -c); done");

	ck_assert_msg(strlen(boot_id) > 30, "host boot id '%s'", boot_id);
	ck_assert_msg(!strstr(out, boot_id), "the host's boot id in the sandbox:\n%s", out);
	ck_assert_ptr_nonnull(strchr(out, '\n'));
	ck_assert_str_eq(strchr(out, '\n') + 1,
	    "cmdline=0\nsys/kernel/random/boot_id=37\ninterrupts=0\nsoftirqs=0\n");
	free(out);
	free(boot_id);
}
END_TEST

/* /proc/stat counts nothing of the host's (its CPU time is below what the
 * host had counted before the sandbox started), yet names the CPUs the
 * sandbox may use, so nproc, python's os.cpu_count(), ps and top work. */
START_TEST(proc_stat)
{
	char *host = host_file("/proc/stat");
	unsigned long long host_total = cpu_total(host);
	char *out = run_sh(_i, "default", "cat /proc/stat");
	char *tools, *want;
	cpu_set_t cpus;
	int n;

	ck_assert_msg(host_total > 0, "the host's /proc/stat counts nothing:\n%s", host);
	ck_assert_msg(cpu_total(out) < host_total, "the host's counters in the sandbox:\n%s", out);
	ck_assert_msg(strstr(out, "\nbtime ") && strstr(out, "\nprocs_running "), "%s", out);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	n = CPU_COUNT(&cpus);
	tools = run_sh(_i, "default", "nproc; python3 -c 'import os; print(os.cpu_count())'; "
	    "getconf _NPROCESSORS_ONLN; ps -e -o comm= > /tmp/ps; sort /tmp/ps | tr '\\n' ' '; echo; "
	    "if [ -x /usr/bin/top ]; then top -bn1 | grep -c '^%Cpu'; else echo 1; fi");
	want = testlib_asprintf("%d\n%d\n%d\nps sandbox-init sh \n1\n", n, n, n);
	ck_assert_str_eq(tools, want);
	free(want);
	free(tools);
	free(out);
	free(host);
}
END_TEST

/* Kernel memory, symbols, timers and keys read as empty (or not at all),
 * SysRq cannot be triggered, the hardware directories are empty. */
START_TEST(kernel_internals)
{
	char *out = run_sh(_i, "default", "for f in kcore kallsyms keys key-users timer_list "
	    "timer_stats sched_debug latency_stats; do "
	    "printf '%s=%s\\n' $f $( (cat /proc/$f 2>/dev/null || true) | wc -c); done; "
	    "(echo h > /proc/sysrq-trigger) 2>/dev/null && echo sysrq written; "
	    "for d in acpi asound scsi; do printf '%s=%s\\n' $d $(ls -A /proc/$d 2>/dev/null | wc -l); "
	    "done; echo end");

	ck_assert_str_eq(out, "kcore=0\nkallsyms=0\nkeys=0\nkey-users=0\ntimer_list=0\n"
	    "timer_stats=0\nsched_debug=0\nlatency_stats=0\nacpi=0\nasound=0\nscsi=0\nend\n");
	free(out);
}
END_TEST

/* What is mounted in /proc comes from the sandbox's procfs or its own
 * root, not from a host file system: mountinfo names no host path there
 * (/proc/meminfo was once a file in the daemon's run directory). */
START_TEST(proc_mounts)
{
	char *out = run_sh(_i, "default", "awk '$5 ~ \"^/proc(/|$)\" { print $5, $4 }' "
	    "/proc/self/mountinfo > /tmp/m; grep -c '^/proc/meminfo /proc/meminfo$' /tmp/m; "
	    "grep -v -e ' /$' -e ' /proc/[a-z]*$' /tmp/m; echo end");

	ck_assert_str_eq(out, "1\nend\n");
	free(out);
}
END_TEST

/* A policy that binds the host's /sys gets an empty /sys/firmware (the
 * machine's ACPI tables, EFI variables, memory map). */
static void
up_sys(void)
{
	testdaemon_fixture_up_default_with("sys", "BindReadOnly=/sys");
}

START_TEST(sys_firmware)
{
	char *out = run_sh(_i, "sys", "ls -A /sys/firmware | wc -l; ls /sys/kernel >/dev/null && "
	    "echo sys is there");

	ck_assert_str_eq(out, "0\nsys is there\n");
	free(out);
}
END_TEST

/* What the sandbox's /etc/localtime is, says and is mounted as. */
#define LOCALTIME_SCRIPT "readlink /etc/localtime || echo not a link; date +%Z; " \
	"grep -c ' /etc/localtime ' /proc/self/mountinfo || true"

/* Under default, /etc/localtime is the host's symbolic link, date shows
 * the host's zone, and no mount is at /etc/localtime (where a bind would
 * name the host's zoneinfo file and its device). */
START_TEST(localtime_link)
{
	char real[PATH_MAX], zone[64], *want, *out;
	time_t now = time(NULL);
	struct tm tm;

	unsetenv("TZ");
	tzset();
	ck_assert_ptr_nonnull(localtime_r(&now, &tm));
	ck_assert_uint_gt(strftime(zone, sizeof(zone), "%Z", &tm), 0);
	ck_assert_ptr_nonnull(realpath("/etc/localtime", real));
	want = testlib_asprintf("%s\n%s\n0\n", real, zone);
	out = run_sh(_i, "default", LOCALTIME_SCRIPT);
	ck_assert_str_eq(out, want);
	free(out);
	free(want);
}
END_TEST

/*
 * A zone other than the host's, through a policy: a symbolic link to a
 * file under /usr becomes that link in the sandbox; one to a file the
 * sandbox has no other way to reach is bound as before.
 */
static void
up_zones(void)
{
	char *dir, *lines, *text, *at, *policy, *link, *copy, *outside;

	testdaemon_fixture = testdaemon_new();
	dir = testdaemon_fixture->dir;
	link = testlib_asprintf("%s/localtime", dir);
	copy = testlib_asprintf("%s/tokyo", dir);
	outside = testlib_asprintf("%s/outside", dir);
	ck_assert_int_eq(symlink("/usr/share/zoneinfo/Asia/Tokyo", link), 0);
	ck_assert_int_eq(testlib_run_cmd((const char *const[]) { "/bin/cp",
	    "/usr/share/zoneinfo/Asia/Tokyo", copy, NULL }, NULL, (uid_t)-1, (gid_t)-1, 10000,
	    NULL, NULL), 0);
	ck_assert_int_eq(symlink("tokyo", outside), 0);
	/* default's own /etc/localtime line, replaced by these two. */
	lines = testlib_asprintf("BindReadOnly=%s:/etc/localtime\nBindReadOnly=%s:/etc/outside-time\n",
	    link, outside);
	text = testlib_default_policy_with("");
	at = strstr(text, "BindReadOnly=-/etc/localtime\n");
	ck_assert_ptr_nonnull(at);
	policy = testlib_asprintf("%.*s%s%s", (int)(at - text), text, lines,
	    at + strlen("BindReadOnly=-/etc/localtime\n"));
	testdaemon_write_policy(testdaemon_fixture, "zones", policy);
	ck_assert_int_eq(testdaemon_start(testdaemon_fixture, NULL), 0);
	free(policy);
	free(text);
	free(lines);
	free(outside);
	free(copy);
	free(link);
}

START_TEST(localtime_zone)
{
	char *out = run_sh(_i, "zones", LOCALTIME_SCRIPT "; "
	    "[ -L /etc/outside-time ] && echo outside is a link; TZ=:/etc/outside-time date +%Z");

	ck_assert_str_eq(out, "/usr/share/zoneinfo/Asia/Tokyo\nJST\n0\nJST\n");
	free(out);
}
END_TEST

TESTDAEMON_MAIN("procmask",
	{ "procmask", .up = testdaemon_fixture_up, .down = testdaemon_fixture_down, .timeout = 120,
	    .loops = TESTLIB_LOOPS({ machine_identity, N_OWNERS }, { proc_stat, N_OWNERS },
		{ kernel_internals, N_OWNERS }, { localtime_link, N_OWNERS },
		{ proc_mounts, N_OWNERS }) },
	{ "sys", .up = up_sys, .down = testdaemon_fixture_down, .timeout = 60,
	    .loops = TESTLIB_LOOPS({ sys_firmware, N_OWNERS }) },
	{ "zones", .up = up_zones, .down = testdaemon_fixture_down, .timeout = 60,
	    .loops = TESTLIB_LOOPS({ localtime_zone, N_OWNERS }) });
