/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Creating a target. The parent prepares a struct spawn_plan (every path,
 * string and the compiled seccomp filter, a fresh root tmpfs with every
 * mount point in it),
 * clones, and while the child builds its mount tree writes the child's id
 * maps and attaches it to its cgroups, then releases it through the sync
 * pipe.
 * The child (pid 1 of the new pid namespace) confines itself step by step
 * and forks the target, which applies seccomp last and execs. Any failure
 * is written to the setup socket as a struct spawn_report; EOF on it
 * without a report means the target has exec'd.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/capability.h>
#include <linux/filter.h>

#include "policy.h"

/* The device nodes a sandbox's /dev has, bound from the host's: the
 * prepared roots make their mount points (skeleton.c), the child binds
 * them (confine-mount.c). */
#define SPAWN_DEV_NODES 6
extern const char *const spawn_dev_nodes[SPAWN_DEV_NODES];

/* The files the daemon writes into every sandbox's /etc (skeleton.c),
 * unless the policy mounts something there; Landlock lets them be read
 * (confine-landlock.c). */
enum {
	SPAWN_ETC_PASSWD,
	SPAWN_ETC_GROUP,
	SPAWN_ETC_HOSTS,
	SPAWN_ETC_HOSTNAME,
	SPAWN_ETC_NSSWITCH,
	SPAWN_ETC_FILES
};
extern const char *const spawn_etc_files[SPAWN_ETC_FILES];

/* The files in a prepared root's /proc mount point (skeleton.c) that the
 * child binds over the host's in the sandbox's /proc (confine-mount.c):
 * an empty one for the files every sandbox's /proc hides, and the
 * sandbox's own /proc/stat and /proc/meminfo. */
#define SPAWN_PROC_EMPTY	"/proc/empty"
#define SPAWN_PROC_STAT		"/proc/stat"
#define SPAWN_PROC_MEMINFO	"/proc/meminfo"	/* with a memory limit only */

/* The listener of the target's filter (notify_prog) reaches the daemon
 * over the setup socket, as this one byte with the fd in SCM_RIGHTS: init
 * sends it once the target has exec'd (the target installs the filter
 * last, and shares init's fd table until its exec).
 * SPAWN_LISTENER_KILLABLE if the kernel made the wait after the broker
 * took a notification killable only (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV). */
#define SPAWN_LISTENER		'L'
#define SPAWN_LISTENER_KILLABLE	'K'

/* Fixed fds in the child while it sets up (SBX_BROKER_FD is 3). */
#define SPAWN_SETUP_FD		4
#define SPAWN_STATUS_FD		5

enum spawn_step {
	SPAWN_STEP_MOUNT = 1,
	SPAWN_STEP_BIND,
	SPAWN_STEP_PROC,
	SPAWN_STEP_DEV,
	SPAWN_STEP_TMP,
	SPAWN_STEP_PIVOT,
	SPAWN_STEP_HOSTNAME,
	SPAWN_STEP_LOOPBACK,
	SPAWN_STEP_SETSID,
	SPAWN_STEP_RLIMIT,
	SPAWN_STEP_FDS,
	SPAWN_STEP_IDENTITY,
	SPAWN_STEP_CAPS,
	SPAWN_STEP_NNP,
	SPAWN_STEP_LANDLOCK,
	SPAWN_STEP_FORK,
	SPAWN_STEP_CWD,
	SPAWN_STEP_SECCOMP,
	SPAWN_STEP_EXEC,
	SPAWN_STEP_CGROUPNS,
	SPAWN_STEP_SHM,
};

struct spawn_report {
	int32_t		step;		/* enum spawn_step */
	int32_t		error;		/* positive errno */
	char		detail[240];	/* path or name involved, NUL-terminated */
};

struct spawn_plan {
	const char		*root;		/* staging mount point on the host */
	int			root_fd;	/* a fresh detached root (skeleton.c) */
	const struct policy_mount *mounts;
	size_t			n_mounts;
	bool			tmp;
	uint64_t		tmp_size;
	bool			shm;		/* a private tmpfs at /dev/shm */
	uint64_t		shm_size;
	const char		*hostname;
	char			**argv;
	char			**envp;
	const char		*path;		/* $PATH for argv[0] lookup */
	const char		*cwd;
	uid_t			uid;
	gid_t			gid;
	uint64_t		nofile, fsize, cpu_sec;	/* UINT64_MAX: unlimited */
	uint64_t		rss;		/* RLIMIT_RSS: only read (target-request.h) */
	bool			meminfo;	/* the root holds the sandbox's /proc/meminfo */
	struct sock_fprog	prog;		/* the policy's, without a listener */
	struct sock_fprog	init_prog;	/* pid 1's own filter (manager.c) */
	/* Installed instead of prog when len > 0: the policy's filter whose
	 * refusals (and intercepted calls) notify the broker (policy.h). */
	struct sock_fprog	notify_prog;
	/* >= 0: where in notify_prog the target patches its envp pointer, so
	 * that its own execve() is not observed (learning). */
	int			notify_exec_at;
	int			landlock_abi;	/* 0: do not use Landlock */
	bool			net_ready;	/* cloned into a prepared network namespace */
	bool			net_shared;	/* a network not the sandbox's own: Landlock's
						 * TCP rules (never yet, see confine-landlock.c) */
	int			stdio[3];
	int			setup_w, status_w, sync_r;
	int			broker_fd;	/* becomes SBX_BROKER_FD */
	int			daemon_pidfd;	/* the daemon's own pidfd, or -1 */
};

const char *spawn_step_to_string(int step);
/* The memory of argv[] (contiguous), overwritten with init's name in children. */
void spawn_set_title_area(char *start, size_t len);

/* Clones the child (it blocks on p->sync_r) with p->uid as the caller's
 * effective uid, so that the new user namespace is that uid's. cgroup_fd
 * >= 0 places it there with CLONE_INTO_CGROUP. Returns the pid and a pidfd. */
int spawn_clone(const struct spawn_plan *p, int cgroup_fd, pid_t *ret_pid, int *ret_pidfd);
/* Every change of a thread's ids in the daemon (creds.c's too) happens
 * under this lock: it clears the dumpable flag spawn_clone() sets for its
 * clone3() (a child born non-dumpable could not be entered without
 * CAP_SYS_PTRACE). */
void spawn_ids_lock(void);
void spawn_ids_unlock(void);
/* The calling thread (any thread: ids are per thread here) as the owner
 * of the user namespaces uid made: its effective uid uid, its
 * capabilities kept (saved for the way back), its real and saved uids 0
 * (so uid's processes cannot signal it meanwhile), its file-system uid 0.
 * There it holds every capability in a sandbox's user namespace, as
 * ptrace checks (setns() by pidfd, process_vm_readv(), pidfd_getfd(),
 * /proc/PID files) want where the daemon has no CAP_SYS_PTRACE. _leave()
 * aborts rather than go on with another identity. */
int spawn_owner_enter(uid_t uid, struct __user_cap_data_struct saved[2]);
void spawn_owner_leave(struct __user_cap_data_struct saved[2]);
/* Between the two: the thread's file-system uid (the owner's files, or
 * root's). 0 or -EPERM. */
int spawn_owner_fsuid(uid_t fsuid);
/* System call nr with arguments a and b, as the owner of uid's user
 * namespaces: its return value, or -errno. */
long spawn_owner_syscall(uid_t uid, long nr, long a, long b);
/* Sends sig to the sandbox's init (pidfd) as its anonymous uid, which owns
 * the sandbox's user namespace (see spawn_clone()). */
int spawn_signal(int pidfd, uid_t uid, int sig);
/* The same by pid, for any process of an anonymous uid: one of a sandbox
 * (a cgroup's leftovers) or a policy checker. The unit grants no
 * CAP_KILL: root cannot signal another uid's process as root. */
int spawn_signal_pid(pid_t pid, uid_t uid, int sig);
/* setns(2) of the calling thread into a namespace of the sandbox's init
 * (pidfd) as its anonymous uid: the owner of its user namespace, which
 * passes the kernel's ptrace check of a setns() by pidfd without
 * CAP_SYS_PTRACE. Returns 0 or -errno; the thread's ids are ours again. */
int spawn_setns(int pidfd, uid_t uid, int nstype);
/* Writes "uid uid 1" style maps for the child. */
int spawn_write_id_maps(pid_t pid, uid_t uid, gid_t gid);

/* Child side, in confine-*.c. Return 0 or -errno; *step and detail say where. */
int confine_mount(const struct spawn_plan *p, struct spawn_report *rep);
int confine_landlock(const struct spawn_plan *p, struct spawn_report *rep);
/* Parent side: the Landlock ABI version, 0 if unavailable. */
int landlock_abi_version(void);
