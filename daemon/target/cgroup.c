/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * See cgroup.h. Paths are built from the daemon's own cgroup
 * (/proc/self/cgroup), so sandboxd only ever writes below where it was
 * put, and on cgroup v2 only where that is ours: the root cgroup (no
 * service manager above us), or a cgroup delegated to us. A cgroup is
 * delegated when its manager marked it so (systemd sets trusted.delegate,
 * and user.delegate, to "1" on the cgroup of a unit with Delegate=yes) and
 * its directory, cgroup.procs and cgroup.subtree_control are ours to
 * write. Started by hand in a cgroup that is not ours (a login session's
 * scope), sandboxd asks systemd for a delegated scope of its own, as
 * "systemd-run --scope -p Delegate=yes" does. What we create we remove on
 * exit. Names are "sandbox-<id>", made by us, never by a client.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cgroup.h"
#include "spawn.h"
#include "fileio.h"
#include "log.h"
#include "string-util.h"

#define CG_ROOT "/sys/fs/cgroup"

/* CTL_CPU is CPU accounting (usage), CTL_CPU_MAX the CPU bandwidth limit
 * (CPUQuota=): on v2 both are the cpu controller, on v1 cpuacct and cpu,
 * which may be one hierarchy ("cpu,cpuacct") or two. */
enum { CTL_MEMORY, CTL_PIDS, CTL_CPU, CTL_CPU_MAX, _CTL_MAX };
static const char *const v1_names[_CTL_MAX] = { "memory", "pids", "cpuacct", "cpu" };
static const char *const v2_names[_CTL_MAX] = { "memory", "pids", "cpu", "cpu" };

/* The bandwidth period, in microseconds: a quota of N% is N * 1000 of it. */
#define CPU_PERIOD_USEC 100000

/* v1: one base per controller; v2: base[0] only. NULL: not available. */
static char *base[_CTL_MAX];
static bool have[_CTL_MAX];
static bool owned_base;		/* we made base[]: remove it on exit */
/* Why a controller is missing: logged at start, quoted by cgroup_check(). */
static char why[_CTL_MAX][2048];
/* v2, delegated: the "supervisor" leaf we made and moved into, and the
 * controllers we enabled in base[0]; given back on exit. */
static char *supervisor;
static bool enabled_by_us[_CTL_MAX];
/* v1: the cpu and cpuacct controllers share one hierarchy, so base[CTL_CPU]
 * and base[CTL_CPU_MAX] are one directory, made and removed as CTL_CPU. */
static bool cpu_comounted;

static int
write_str(const char *dir, const char *file, const char *s)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, file);

	if (n < 0 || (size_t) n >= sizeof(path))
		return -ENAMETOOLONG;
	return write_string_file(path, s);
}

static int
write_u64(const char *dir, const char *file, uint64_t v, const char *inf)
{
	char buf[32];

	if (v == POLICY_UNLIMITED)
		return write_str(dir, file, inf);
	(void) snprintf(buf, sizeof(buf), "%llu", (unsigned long long) v);
	return write_str(dir, file, buf);
}

static int
read_text(const char *dir, const char *file, char *buf, size_t size)
{
	char path[4096];
	ssize_t n;
	int fd;

	(void) snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	(void) close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static uint64_t
read_u64(const char *dir, const char *file)
{
	char buf[64];

	if (read_text(dir, file, buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

/* "key value" lines, as memory.events, pids.events, cpu.stat. */
static uint64_t
read_key(const char *dir, const char *file, const char *key)
{
	char buf[4096];
	size_t kl = strlen(key);

	if (read_text(dir, file, buf, sizeof(buf)) < 0)
		return 0;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	return 0;
}

/* Our own cgroup in the hierarchy with this v1 controller (or "" for v2). */
static char *
own_cgroup(const char *controller)
{
	char line[1024];
	char *res = NULL;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return NULL;
	while (!res && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path;

		if (!ctl || !(path = strchr(ctl + 1, ':')))
			continue;
		*path++ = '\0';
		ctl++;
		path[strcspn(path, "\n")] = '\0';
		if (controller[0] == '\0' ? ctl[0] == '\0' : string_has_word(ctl, controller, ","))
			res = strdup(strcmp(path, "/") == 0 ? "" : path);
	}
	fclose(f);
	return res;
}

static void kill_procs(const char *dir);

/* At start-up only, before the event loop runs: kills what a dead
 * instance left in dir and waits (bounded) for it to leave, since rmdir
 * fails while an exiting process is still counted. Sets errno. */
static int
remove_cgroup_dir(const char *dir)
{
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		if (write_str(dir, "cgroup.kill", "1") < 0)
			kill_procs(dir);
		(void) usleep(10 * 1000);
	}
	errno = EBUSY;
	return -1;
}

/* Each daemon instance gets its own directory, "sandboxd-<pid>", so two
 * daemons under one cgroup (a test instance beside the system one) never
 * meet; those of instances that died are removed at start. */
static void
remove_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char dir[4096], sub[4096 + 256];
		long pid;
		char *end;
		unsigned n_sub = 0, n_removed = 0;
		DIR *d2;
		struct dirent *e2;

		if (strncmp(e->d_name, "sandboxd-", 9) != 0)
			continue;
		pid = strtol(e->d_name + 9, &end, 10);
		/* Ours by name but not made yet: a dead instance had our pid
		 * (pids wrap), and what it left would collide with ours. */
		if (*end || pid <= 0 || (pid != (long) getpid() &&
		    (kill((pid_t) pid, 0) == 0 || errno != ESRCH)))
			continue;
		(void) snprintf(dir, sizeof(dir), "%s/%s", parent, e->d_name);
		d2 = opendir(dir);
		while (d2 && (e2 = readdir(d2)))
			if (strncmp(e2->d_name, "sandbox-", 8) == 0) {
				(void) snprintf(sub, sizeof(sub), "%s/%s", dir, e2->d_name);
				n_sub++;
				if (remove_cgroup_dir(sub) == 0)
					n_removed++;
			}
		if (d2)
			closedir(d2);
		if (remove_cgroup_dir(dir) == 0)
			log_info("Removed the stale cgroup '%s' of an earlier instance "
			    "(%u of %u sandbox cgroups in it).", dir, n_removed, n_sub);
		else
			log_warning_errno(errno, "Cannot remove the stale cgroup '%s' of an earlier "
			    "instance (%u of %u sandbox cgroups removed), ignoring: %m", dir,
			    n_removed, n_sub);
	}
	closedir(d);
}

static bool
is_fs(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (long) s.f_type == magic;
}

static void _printf_(2, 3)
set_why(int c, const char *fmt, ...)
{
	va_list ap;

	if (why[c][0])
		return;		/* the first cause is the one to fix */
	va_start(ap, fmt);
	(void) vsnprintf(why[c], sizeof(why[c]), fmt, ap);
	va_end(ap);
}

static bool
xattr_is_one(const char *dir, const char *name)
{
	char v[8];

	return getxattr(dir, name, v, sizeof(v)) == 1 && v[0] == '1';
}

/* Whether dir is ours to manage: marked delegated (if need_mark) and its
 * directory, cgroup.procs and cgroup.subtree_control owned by us and
 * writable. If not, says why in buf. */
static bool
is_delegated(const char *dir, bool need_mark, char *buf, size_t size)
{
	static const char *const files[] = { ".", "cgroup.procs", "cgroup.subtree_control" };

	if (need_mark && !xattr_is_one(dir, "trusted.delegate") &&
	    !xattr_is_one(dir, "user.delegate")) {
		(void) snprintf(buf, size, "the cgroup '%s' is not delegated to sandboxd (neither "
		    "trusted.delegate nor user.delegate is set to 1 on it)", dir);
		return false;
	}
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		char path[4096 + 32];
		struct stat st;

		(void) snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (stat(path, &st) < 0 || faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) < 0) {
			(void) snprintf(buf, size, "'%s' is not writable: %s", path, strerror(errno));
			return false;
		}
		if (st.st_uid != geteuid()) {
			(void) snprintf(buf, size, "'%s' belongs to uid %u, not to sandboxd's uid %u",
			    path, (unsigned) st.st_uid, (unsigned) geteuid());
			return false;
		}
	}
	return true;
}

/* Enables memory, pids and cpu for dir's children where dir's parent lets
 * us; notes in why[] which one is missing and where. */
static void
enable_controllers(const char *dir, bool *ret_enabled)
{
	char avail[512] = "", on[512] = "", buf[32];
	int r;

	(void) read_text(dir, "cgroup.controllers", avail, sizeof(avail));
	(void) read_text(dir, "cgroup.subtree_control", on, sizeof(on));
	for (int c = 0; c < _CTL_MAX; c++) {
		have[c] = false;
		if (c == CTL_CPU_MAX) {
			/* The same controller as CTL_CPU, enabled (or not) above. */
			have[c] = have[CTL_CPU];
			set_why(c, "%s", why[CTL_CPU]);
			continue;
		}
		if (string_has_word(on, v2_names[c], " \n")) {
			have[c] = true;
			continue;
		}
		if (!string_has_word(avail, v2_names[c], " \n")) {
			set_why(c, "the %s controller is not available in '%s' (it is not in its "
			    "cgroup.controllers: the cgroup above does not enable it)", v2_names[c], dir);
			continue;
		}
		(void) snprintf(buf, sizeof(buf), "+%s", v2_names[c]);
		r = write_str(dir, "cgroup.subtree_control", buf);
		if (r < 0) {
			set_why(c, "cannot enable the %s controller in '%s/cgroup.subtree_control': %s",
			    v2_names[c], dir, strerror(-r));
			continue;
		}
		have[c] = true;
		if (ret_enabled)
			ret_enabled[c] = true;
	}
	/* cpu.stat's usage exists without the cpu controller; cpu.max
	 * (CTL_CPU_MAX) does not. */
	have[CTL_CPU] = true;
}

/*
 * Started by hand on a systemd host, in a cgroup that is not ours: asks
 * systemd for a delegated scope "sandboxd-<pid>.scope" holding only us,
 * as "systemd-run --scope -p Delegate=yes" does, and waits until systemd
 * has moved us there. The scope is ours alone and ends when we exit.
 * The D-Bus call is synchronous (at most 5 s, and as long again for the
 * move): this runs once, at start-up, before the event loop serves
 * anyone, so no client can be kept waiting by it.
 */
static int
ask_systemd_for_scope(char *buf, size_t size)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
	char unit[64], tail[80];
	int r;

	(void) snprintf(unit, sizeof(unit), "sandboxd-%d.scope", (int) getpid());
	(void) snprintf(tail, sizeof(tail), "/%s", unit);
	/* systemd's private socket needs no bus daemon (root only, as we
	 * are); the system bus otherwise. */
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		bus = sd_bus_flush_close_unref(bus);
		r = sd_bus_open_system(&bus);
	}
	if (r < 0) {
		(void) snprintf(buf, size, "cannot reach systemd to ask for a delegated scope: %s",
		    strerror(-r));
		return r;
	}
	(void) sd_bus_set_method_call_timeout(bus, 5 * 1000 * 1000);
	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1",
	    "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)",
		    "Description", "s", "sandboxd, started by hand, and its sandboxes",
		    "Delegate", "b", 1,
		    "CollectMode", "s", "inactive-or-failed",
		    "PIDs", "au", 1, (uint32_t) getpid());
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &err, &reply);
	if (r < 0) {
		(void) snprintf(buf, size, "systemd did not create the delegated scope %s: %s", unit,
		    err.message ? err.message : strerror(-r));
		return r;
	}
	/* The start job moves us when it runs, just after it is queued. */
	for (int i = 0; i < 500; i++) {
		_cleanup_free_ char *own = own_cgroup("");
		size_t n = own ? strlen(own) : 0;

		if (n > strlen(tail) && strcmp(own + n - strlen(tail), tail) == 0)
			return 0;
		(void) usleep(10 * 1000);
	}
	(void) snprintf(buf, size, "systemd created the scope %s but did not move sandboxd into "
	    "it within 5 s", unit);
	return -ETIMEDOUT;
}

static enum cgroup_mode
setup_v2(void)
{
	_cleanup_free_ char *own = own_cgroup("");
	char dir[4096], sup[4096 + 16], buf[4096 + 512];
	int r;

	if (!own) {
		for (int c = 0; c < _CTL_MAX; c++)
			set_why(c, "cannot read /proc/self/cgroup");
		return CGROUP_NONE;
	}
	if (own[0] == '\0') {
		/* In the root cgroup (no service manager above us, or a
		 * container's cgroup namespace): ours to divide. */
		remove_stale(CG_ROOT);
		(void) snprintf(dir, sizeof(dir), CG_ROOT "/sandboxd-%d", (int) getpid());
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			for (int c = 0; c < _CTL_MAX; c++)
				set_why(c, "cannot create '%s': %s", dir, strerror(errno));
			return CGROUP_NONE;
		}
		owned_base = true;
		enable_controllers(CG_ROOT, NULL);
		enable_controllers(dir, NULL);
		base[0] = strdup(dir);
		return base[0] ? CGROUP_V2 : CGROUP_NONE;
	}

	(void) snprintf(dir, sizeof(dir), CG_ROOT "%s", own);
	if (!is_delegated(dir, true, buf, sizeof(buf))) {
		char why_scope[4096 + 512] = "systemd, which could make a delegated scope for us, is not running";
		bool moved = false;

		if (sd_booted() > 0 && ask_systemd_for_scope(why_scope, sizeof(why_scope)) >= 0) {
			free(own);
			own = own_cgroup("");
			if (own) {
				(void) snprintf(dir, sizeof(dir), CG_ROOT "%s", own);
				/* We asked for Delegate=yes: the mark is not needed. */
				moved = is_delegated(dir, false, why_scope, sizeof(why_scope));
			}
			if (moved)
				log_info("Not started by a service manager: running in the delegated "
				    "scope '%s' systemd made for us.", dir);
		}
		if (!moved) {
			for (int c = 0; c < _CTL_MAX; c++)
				set_why(c, "%s, and %s", buf, why_scope);
			return CGROUP_NONE;
		}
	}
	/* Delegated to us. The no-internal-processes rule: a cgroup with
	 * controllers enabled for its children holds no process itself, so
	 * we live in a "supervisor" leaf and the sandboxes beside it. */
	(void) snprintf(sup, sizeof(sup), "%s/supervisor", dir);
	if (mkdir(sup, 0755) < 0 && errno != EEXIST) {
		for (int c = 0; c < _CTL_MAX; c++)
			set_why(c, "cannot create '%s': %s", sup, strerror(errno));
		return CGROUP_NONE;
	}
	(void) snprintf(buf, sizeof(buf), "%d", (int) getpid());
	r = write_str(sup, "cgroup.procs", buf);
	if (r < 0) {
		for (int c = 0; c < _CTL_MAX; c++)
			set_why(c, "cannot move sandboxd into '%s/cgroup.procs': %s", sup,
			    strerror(-r));
		(void) rmdir(sup);
		return CGROUP_NONE;
	}
	supervisor = strdup(sup);
	enable_controllers(dir, enabled_by_us);
	base[0] = strdup(dir);
	return base[0] && supervisor ? CGROUP_V2 : CGROUP_NONE;
}

static enum cgroup_mode
setup_v1(void)
{
	bool any = false;

	for (int c = 0; c < _CTL_MAX; c++) {
		_cleanup_free_ char *own = own_cgroup(v1_names[c]);
		char dir[4096];

		(void) snprintf(dir, sizeof(dir), CG_ROOT "/%s", v1_names[c]);
		if (!own || !is_fs(dir, CGROUP_SUPER_MAGIC)) {
			set_why(c, "no cgroup v1 %s hierarchy is mounted at '%s'", v1_names[c], dir);
			continue;
		}
		(void) snprintf(dir, sizeof(dir), CG_ROOT "/%s%s", v1_names[c], own);
		remove_stale(dir);
		(void) snprintf(dir, sizeof(dir), CG_ROOT "/%s%s/sandboxd-%d", v1_names[c], own,
		    (int) getpid());
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			set_why(c, "cannot create '%s': %s", dir, strerror(errno));
			continue;
		}
		base[c] = strdup(dir);
		have[c] = base[c] != NULL;
		any = any || have[c];
	}
	if (have[CTL_CPU] && have[CTL_CPU_MAX]) {
		struct stat a, b;

		cpu_comounted = stat(base[CTL_CPU], &a) == 0 && stat(base[CTL_CPU_MAX], &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	}
	owned_base = true;
	return any ? CGROUP_V1 : CGROUP_NONE;
}

enum cgroup_mode
cgroup_setup(void)
{
	enum cgroup_mode m;

	if (is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC))
		m = setup_v2();
	else
		m = setup_v1();
	log_info("Resource control: %s (memory: %s, tasks: %s, cpu accounting: %s, "
	    "cpu quota: %s).",
	    m == CGROUP_V2 ? "cgroup v2" : m == CGROUP_V1 ? "cgroup v1" : "no cgroups",
	    have[CTL_MEMORY] ? "yes" : "no", have[CTL_PIDS] ? "yes" : "no",
	    have[CTL_CPU] ? "yes" : "no", have[CTL_CPU_MAX] ? "yes" : "no");
	/* Once, with the cause, and the same cause only once. */
	if (!have[CTL_MEMORY] && !have[CTL_PIDS] && strcmp(why[CTL_MEMORY], why[CTL_PIDS]) == 0)
		log_warning("Memory and tasks limits cannot be enforced, so policies with "
		    "Memory= or Tasks= fail to spawn: %s. Run sandboxd from its unit "
		    "(Delegate=yes), or by hand with systemd-run --scope -p Delegate=yes.",
		    why[CTL_MEMORY]);
	else
		for (int c = CTL_MEMORY; c <= CTL_PIDS; c++)
			if (!have[c])
				log_warning("%s limits cannot be enforced, so policies with %s= "
				    "fail to spawn: %s.", c == CTL_MEMORY ? "Memory" : "Tasks",
				    c == CTL_MEMORY ? "Memory" : "Tasks", why[c]);
	if (!have[CTL_CPU_MAX])
		log_warning("CPU quotas cannot be enforced, so policies with CPUQuota= (the "
		    "shipped ones) fail to spawn: %s.", why[CTL_CPU_MAX]);
	return m;
}

int
cgroup_check(enum cgroup_mode mode, const struct policy_limits *l, struct error_msg *err)
{
	if (l->memory_max != POLICY_UNLIMITED && !have[CTL_MEMORY])
		return error_msg_setf(err, EOPNOTSUPP, "a memory limit needs the memory cgroup "
		    "controller, which this host does not provide to sandboxd: %s", why[CTL_MEMORY]);
	if (l->tasks_max != POLICY_UNLIMITED && !have[CTL_PIDS])
		return error_msg_setf(err, EOPNOTSUPP, "a tasks limit needs the pids cgroup "
		    "controller, which this host does not provide to sandboxd: %s", why[CTL_PIDS]);
	if (l->cpu_quota_pct != POLICY_UNLIMITED && !have[CTL_CPU_MAX])
		return error_msg_setf(err, EOPNOTSUPP, "a CPU quota needs the cpu cgroup "
		    "controller, which this host does not provide to sandboxd: %s",
		    why[CTL_CPU_MAX]);
	return 0;
}

static void
dir_of(enum cgroup_mode mode, int c, const char *name, char *buf, size_t size)
{
	(void) snprintf(buf, size, "%s/%s", mode == CGROUP_V2 ? base[0] : base[c], name);
}

/* CPUQuota= (finite) into dir: cpu.max on v2, CFS bandwidth on v1. */
static int
write_cpu_quota(enum cgroup_mode mode, const char *dir, uint64_t pct)
{
	char buf[64];
	int r;

	if (mode == CGROUP_V2) {
		(void) snprintf(buf, sizeof(buf), "%llu %d", (unsigned long long) pct * 1000,
		    CPU_PERIOD_USEC);
		return write_str(dir, "cpu.max", buf);
	}
	r = write_u64(dir, "cpu.cfs_period_us", CPU_PERIOD_USEC, NULL);
	if (r >= 0)
		r = write_u64(dir, "cpu.cfs_quota_us", pct * 1000, NULL);
	return r;
}

int
cgroup_create(enum cgroup_mode mode, const char *name, const struct policy_limits *l, int *ret_fd)
{
	char dir[4096];
	int r;

	*ret_fd = -1;
	if (mode == CGROUP_V2) {
		dir_of(mode, 0, name, dir, sizeof(dir));
		if (mkdir(dir, 0755) < 0)
			return -errno;
		if (have[CTL_MEMORY]) {
			if ((r = write_u64(dir, "memory.max", l->memory_max, "max")) < 0)
				return r;
			(void) write_str(dir, "memory.swap.max", "0");
			(void) write_str(dir, "memory.oom.group", "1");
		}
		if (have[CTL_PIDS] && (r = write_u64(dir, "pids.max", l->tasks_max, "max")) < 0)
			return r;
		if (l->cpu_quota_pct != POLICY_UNLIMITED &&
		    (r = have[CTL_CPU_MAX] ? write_cpu_quota(mode, dir, l->cpu_quota_pct) :
		    -EOPNOTSUPP) < 0)
			return r;
		*ret_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return *ret_fd < 0 ? -errno : 0;
	}
	if (mode != CGROUP_V1)
		return 0;
	for (int c = 0; c < _CTL_MAX; c++) {
		/* The cpu hierarchy gets a cgroup only for a quota: every
		 * attach waits for an RCU grace period. */
		if (!have[c] || (c == CTL_CPU_MAX && l->cpu_quota_pct == POLICY_UNLIMITED))
			continue;
		dir_of(mode, c, name, dir, sizeof(dir));
		/* Co-mounted with cpuacct: that one, made already. */
		if (!(c == CTL_CPU_MAX && cpu_comounted) && mkdir(dir, 0755) < 0)
			return -errno;
		if (c == CTL_MEMORY) {
			if ((r = write_u64(dir, "memory.limit_in_bytes", l->memory_max, "-1")) < 0)
				return r;
			/* Swap counts too where swap accounting exists. */
			(void) write_u64(dir, "memory.memsw.limit_in_bytes", l->memory_max, "-1");
		} else if (c == CTL_PIDS) {
			if ((r = write_u64(dir, "pids.max", l->tasks_max, "max")) < 0)
				return r;
		} else if (c == CTL_CPU_MAX) {
			if ((r = write_cpu_quota(mode, dir, l->cpu_quota_pct)) < 0)
				return r;
		}
	}
	return 0;
}

int
cgroup_attach(enum cgroup_mode mode, const char *name, const struct policy_limits *l, pid_t pid)
{
	char dir[4096], buf[32];
	int r;

	if (mode != CGROUP_V1)
		return 0;
	(void) snprintf(buf, sizeof(buf), "%d", (int) pid);
	for (int c = 0; c < _CTL_MAX; c++) {
		if (!have[c] || (c == CTL_CPU_MAX && (cpu_comounted ||
		    l->cpu_quota_pct == POLICY_UNLIMITED)))
			continue;
		dir_of(mode, c, name, dir, sizeof(dir));
		if ((r = write_str(dir, "cgroup.procs", buf)) < 0)
			return r;
	}
	return 0;
}

uint64_t
cgroup_cpu_usec(enum cgroup_mode mode, const char *name)
{
	char dir[4096];

	if (mode == CGROUP_V2) {
		dir_of(mode, 0, name, dir, sizeof(dir));
		return read_key(dir, "cpu.stat", "usage_usec");
	}
	if (mode == CGROUP_V1 && have[CTL_CPU]) {
		dir_of(mode, CTL_CPU, name, dir, sizeof(dir));
		return read_u64(dir, "cpuacct.usage") / 1000;
	}
	return 0;
}

void
cgroup_stats_read(enum cgroup_mode mode, const char *name, struct cgroup_stats *ret)
{
	char dir[4096];

	*ret = (struct cgroup_stats) {};
	if (mode == CGROUP_V2) {
		dir_of(mode, 0, name, dir, sizeof(dir));
		ret->cpu_usec = cgroup_cpu_usec(mode, name);
		ret->memory_current = read_u64(dir, "memory.current");
		ret->memory_peak = read_u64(dir, "memory.peak");
		ret->tasks_current = read_u64(dir, "pids.current");
		ret->oom_kills = read_key(dir, "memory.events", "oom_kill");
		ret->tasks_max_hit = read_key(dir, "pids.events", "max");
	} else if (mode == CGROUP_V1) {
		ret->cpu_usec = cgroup_cpu_usec(mode, name);
		if (have[CTL_MEMORY]) {
			dir_of(mode, CTL_MEMORY, name, dir, sizeof(dir));
			ret->memory_current = read_u64(dir, "memory.usage_in_bytes");
			ret->memory_peak = read_u64(dir, "memory.max_usage_in_bytes");
			ret->oom_kills = read_key(dir, "memory.oom_control", "oom_kill");
		}
		if (have[CTL_PIDS]) {
			dir_of(mode, CTL_PIDS, name, dir, sizeof(dir));
			ret->tasks_current = read_u64(dir, "pids.current");
			ret->tasks_max_hit = read_key(dir, "pids.events", "max");
		}
	}
	if (ret->memory_peak < ret->memory_current)
		ret->memory_peak = ret->memory_current;
}

/* The real uid of pid, from /proc: (uid_t) -1 if unknown. */
static uid_t
uid_of(pid_t pid)
{
	char dir[64], buf[2048];
	const char *l;
	unsigned long u;

	(void) snprintf(dir, sizeof(dir), "/proc/%d", (int) pid);
	if (read_text(dir, "status", buf, sizeof(buf)) < 0 || !(l = strstr(buf, "\nUid:\t")) ||
	    sscanf(l + 6, "%lu", &u) != 1)
		return (uid_t) -1;
	return (uid_t) u;
}

/* What is left in a cgroup, by pid (v1, or v2 without cgroup.kill). A
 * sandbox's processes are its anonymous uid's, which root may not
 * signal without CAP_KILL (the unit grants none): as that uid, then. */
static void
kill_procs(const char *dir)
{
	char buf[8192];

	if (read_text(dir, "cgroup.procs", buf, sizeof(buf)) < 0)
		return;
	for (char *s = buf; *s;) {
		char *end;
		long pid = strtol(s, &end, 10);

		if (end == s)
			break;
		if (pid > 0 && kill((pid_t) pid, SIGKILL) < 0 && errno == EPERM) {
			uid_t uid = uid_of((pid_t) pid);

			if (uid != (uid_t) -1)
				(void) spawn_signal_pid((pid_t) pid, uid, SIGKILL);
		}
		s = end + (*end != '\0');
	}
}

int
cgroup_destroy(enum cgroup_mode mode, const char *name)
{
	char dir[4096];
	int r = 0;

	for (int c = 0; c < _CTL_MAX; c++) {
		/* v1's cpu cgroup may not exist (no quota): ENOENT below. */
		if (mode == CGROUP_NONE || (mode == CGROUP_V1 && (!have[c] ||
		    (c == CTL_CPU_MAX && cpu_comounted))) || (mode == CGROUP_V2 && c > 0))
			continue;
		dir_of(mode, c, name, dir, sizeof(dir));
		if (rmdir(dir) == 0 || errno == ENOENT)
			continue;
		if (errno != EBUSY) {
			r = -errno;
			continue;
		}
		if (mode == CGROUP_V2 && write_str(dir, "cgroup.kill", "1") < 0)
			kill_procs(dir);
		else if (mode == CGROUP_V1)
			kill_procs(dir);
		/* The last process may still be exiting: the caller retries
		 * later (nothing waits here, this runs in the event loop). */
		if (rmdir(dir) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	return r;
}

int
cgroup_destroy_wait(enum cgroup_mode mode, const char *name, unsigned timeout_ms)
{
	int r;

	for (unsigned waited = 0;; waited += 10) {
		r = cgroup_destroy(mode, name);
		if (r != -EBUSY || waited >= timeout_ms)
			return r;
		(void) usleep(10 * 1000);
	}
}

void
cgroup_teardown(void)
{
	if (supervisor) {
		char buf[32];
		bool home = true;

		/* Leave the delegated cgroup as we found it: give back the
		 * controllers we enabled (a cgroup using them for its children
		 * may not hold us), move back up and remove "supervisor". */
		for (int c = 0; c < _CTL_MAX; c++)
			if (enabled_by_us[c]) {
				(void) snprintf(buf, sizeof(buf), "-%s", v2_names[c]);
				if (write_str(base[0], "cgroup.subtree_control", buf) < 0)
					home = false;
				enabled_by_us[c] = false;
			}
		(void) snprintf(buf, sizeof(buf), "%d", (int) getpid());
		if (!home || write_str(base[0], "cgroup.procs", buf) < 0 || rmdir(supervisor) < 0)
			log_debug("Cannot remove '%s' (it goes with our cgroup).", supervisor);
		free(supervisor);
		supervisor = NULL;
	}
	for (int c = 0; c < _CTL_MAX; c++) {
		if (base[c] && owned_base)
			(void) rmdir(base[c]);
		free(base[c]);
		base[c] = NULL;
		have[c] = false;
		why[c][0] = '\0';
	}
	owned_base = false;
	cpu_comounted = false;
}
