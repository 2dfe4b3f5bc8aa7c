/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * System call groups and the always-forbidden set. Pure data: names only,
 * so a name libseccomp does not know on some architecture costs nothing
 * here; policy_compile() skips such names with a debug note.
 *
 * The groups follow systemd's SystemCallFilter= groups in spirit but are
 * our own, smaller lists: anything that changes the system, reaches into
 * another process, or widens the kernel attack surface (io_uring, bpf,
 * userfaultfd, ...) is in no group and is refused by syscall_is_forbidden()
 * even when named explicitly.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "macro.h"
#include "string-util.h"
#include "syscall-groups.h"

#define SYSCALLS(...) ((const char *const[]) { __VA_ARGS__, NULL })

static const struct syscall_group groups[] = {
	{
		.name = "@default",
		.description = "What every program needs: exit, memory mapping, futexes, "
		    "identity and time queries, thread setup",
		.syscalls = SYSCALLS(
			"arch_prctl", "brk", "clock_getres", "clock_gettime",
			"clock_nanosleep", "exit", "exit_group", "futex", "futex_waitv",
			"get_robust_list", "get_thread_area", "getcpu", "getegid",
			"geteuid", "getgid", "getgroups", "getpgid", "getpgrp", "getpid",
			"getppid", "getrandom", "getresgid", "getresuid", "getrlimit",
			"getsid", "gettid", "gettimeofday", "getuid", "madvise",
			"membarrier", "mmap", "mprotect", "mremap", "munmap", "nanosleep",
			"pause", "prlimit64", "restart_syscall", "rseq", "rt_sigprocmask",
			"rt_sigreturn", "sched_getaffinity", "sched_yield",
			"set_robust_list", "set_thread_area", "set_tid_address", "time",
			"uname"),
	},
	{
		.name = "@basic-io",
		.description = "Reading, writing, seeking and closing already open file descriptors",
		.syscalls = SYSCALLS(
			"close", "close_range", "dup", "dup2", "dup3", "fcntl", "lseek",
			"pread64", "preadv", "preadv2", "pwrite64", "pwritev", "pwritev2",
			"read", "readv", "sendfile", "write", "writev"),
	},
	{
		.name = "@file-system",
		.description = "Opening, inspecting, creating, renaming and removing files, "
		    "directories and FIFOs (mknod only for FIFOs)",
		.syscalls = SYSCALLS(
			"access", "chdir", "chmod", "copy_file_range", "creat",
			"faccessat", "faccessat2", "fadvise64", "fallocate", "fchdir",
			"fchmod", "fchmodat", "fgetxattr", "flistxattr", "flock",
			"fstat", "fstatfs", "ftruncate",
			"futimesat", "getcwd", "getdents", "getdents64", "getxattr",
			"inotify_add_watch", "inotify_init", "inotify_init1",
			"inotify_rm_watch", "lgetxattr", "link", "linkat", "listxattr",
			"llistxattr", "lstat", "mkdir",
			"mkdirat", "mknod", "mknodat", "newfstatat", "open", "openat",
			"openat2", "readlink", "readlinkat", "rename",
			"renameat", "renameat2", "rmdir", "stat", "statfs",
			"statx", "symlink", "symlinkat", "truncate", "umask", "unlink",
			"unlinkat", "utime", "utimensat", "utimes"),
	},
	{
		.name = "@io-event",
		.description = "Waiting for events on file descriptors: poll, select, epoll, eventfd",
		.syscalls = SYSCALLS(
			"epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait",
			"epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "poll",
			"ppoll", "pselect6", "select"),
	},
	{
		.name = "@ipc",
		.description = "Pipes, memfds, POSIX message queues, System V semaphores and "
		    "shared memory (not System V message queues: @sysv-msg)",
		.syscalls = SYSCALLS(
			"memfd_create", "mq_getsetattr", "mq_notify", "mq_open",
			"mq_timedreceive", "mq_timedsend", "mq_unlink", "pipe", "pipe2",
			"semctl", "semget", "semop", "semtimedop", "shmat", "shmctl", "shmdt",
			"shmget"),
	},
	/* Opt-in groups: kernel-exploitation primitives no other group
	 * includes, for a policy to name on purpose (sandboxd.policy(5)). */
	{
		.name = "@sysv-msg",
		.description = "System V message queues: each message a kernel allocation of "
		    "a size the caller picks, the classic heap spray of kernel exploits",
		.syscalls = SYSCALLS("msgctl", "msgget", "msgrcv", "msgsnd"),
	},
	{
		.name = "@xattr",
		.description = "Setting and removing extended attributes (reading them is "
		    "@file-system's): user attributes are kernel allocations of a size the "
		    "caller picks, on the file system of any file it can write",
		.syscalls = SYSCALLS(
			"fremovexattr", "fsetxattr", "lremovexattr", "lsetxattr",
			"removexattr", "setxattr"),
	},
	{
		.name = "@splice",
		.description = "Moving pages between pipes and files without copying: splice, "
		    "tee, vmsplice (what the Dirty Pipe exploit took)",
		.syscalls = SYSCALLS("splice", "tee", "vmsplice"),
	},
	{
		.name = "@signal",
		.description = "Signal handlers, masks and signalfd, and signals to a thread "
		    "(tgkill, tkill: raise() and abort())",
		.syscalls = SYSCALLS(
			"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend",
			"rt_sigtimedwait", "sigaltstack", "signalfd", "signalfd4", "tgkill",
			"tkill"),
	},
	{
		.name = "@process",
		.description = "Creating, executing, waiting for and signalling processes "
		    "(clone only without namespace flags); includes @signal",
		.syscalls = SYSCALLS(
			"@signal", "capget", "clone", "execve", "execveat", "fork", "kill",
			"pidfd_open", "pidfd_send_signal", "prctl", "rt_sigqueueinfo",
			"rt_tgsigqueueinfo", "setpgid", "setsid", "vfork", "wait4", "waitid"),
	},
	{
		.name = "@timer",
		.description = "Alarms, interval timers, POSIX timers and timerfd",
		.syscalls = SYSCALLS(
			"alarm", "getitimer", "setitimer", "timer_create", "timer_delete",
			"timer_getoverrun", "timer_gettime", "timer_settime",
			"timerfd_create", "timerfd_gettime", "timerfd_settime", "times"),
	},
	{
		.name = "@memlock",
		.description = "Locking memory (bounded by RLIMIT_MEMLOCK)",
		.syscalls = SYSCALLS(
			"mlock", "mlock2", "mlockall", "munlock", "munlockall"),
	},
	{
		.name = "@network-io",
		.description = "Sockets: create, connect, bind, listen, accept, send, receive "
		    "(the sandbox's network namespace holds only loopback)",
		.syscalls = SYSCALLS(
			"accept", "accept4", "bind", "connect", "getpeername",
			"getsockname", "getsockopt", "listen", "recvfrom", "recvmmsg",
			"recvmsg", "sendmmsg", "sendmsg", "sendto", "setsockopt",
			"shutdown", "socket", "socketpair"),
	},
	{
		.name = "@broker",
		.description = "Talking to the broker over the inherited channel (fd 3): "
		    "sendmsg, recvmsg and getsockopt, without creating any socket",
		.syscalls = SYSCALLS("getsockopt", "recvmsg", "sendmsg"),
	},
	{
		.name = "@ioctl",
		.description = "ioctl(2) for terminal state and size, pseudo-terminals, a "
		    "descriptor's flags and pending bytes, interface queries and file flags "
		    "and extents; every other request (TIOCSTI, TIOCSETD, ...) is refused",
		.syscalls = SYSCALLS("ioctl"),
	},
	{
		.name = "@sync",
		.description = "Flushing data to storage",
		.syscalls = SYSCALLS(
			"fdatasync", "fsync", "msync", "sync", "sync_file_range", "syncfs"),
	},
	{
		.name = "@resources",
		.description = "Querying and lowering resource limits, priorities and CPU affinity",
		.syscalls = SYSCALLS(
			"getpriority", "getrlimit", "getrusage", "ioprio_get", "ioprio_set",
			"prlimit64", "sched_get_priority_max", "sched_get_priority_min",
			"sched_getaffinity", "sched_getattr", "sched_getparam",
			"sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity",
			"sched_setattr", "sched_setparam", "sched_setscheduler",
			"setpriority", "setrlimit", "sysinfo", "times"),
	},
	{
		.name = "@aio",
		.description = "Linux native asynchronous I/O (not io_uring, which is never allowed)",
		.syscalls = SYSCALLS(
			"io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
			"io_setup", "io_submit"),
	},
	{
		.name = "@chown",
		.description = "Changing file ownership",
		.syscalls = SYSCALLS("chown", "fchown", "fchownat", "lchown"),
	},
	{
		.name = "@setuid",
		.description = "Changing user and group identities (without privileges only "
		    "among the ids already held)",
		.syscalls = SYSCALLS(
			"setfsgid", "setfsuid", "setgid", "setgroups", "setregid",
			"setresgid", "setresuid", "setreuid", "setuid"),
	},
	{
		.name = "@common",
		.description = "Everything an ordinary command-line program needs: "
		    "@default, @basic-io, @file-system, @io-event, @ipc, @process, "
		    "@timer, @sync, @resources and @ioctl",
		.syscalls = SYSCALLS(
			"@default", "@basic-io", "@file-system", "@io-event", "@ipc",
			"@process", "@timer", "@sync", "@resources", "@ioctl"),
	},
	{}
};

/* Sorted for bsearch(); a unit test checks the order. */
static const char *const forbidden[] = {
	"_sysctl",
	"acct",
	"add_key",
	"adjtimex",
	"afs_syscall",
	"bpf",
	"chroot",
	"clock_adjtime",
	"clock_settime",
	"clone3",
	"create_module",
	"delete_module",
	"fanotify_init",
	"finit_module",
	"fsconfig",
	"fsmount",
	"fsopen",
	"fspick",
	"get_kernel_syms",
	"getpmsg",
	"init_module",
	"io_uring_enter",
	"io_uring_register",
	"io_uring_setup",
	"ioperm",
	"iopl",
	"kcmp",
	"kexec_file_load",
	"kexec_load",
	"keyctl",
	"lookup_dcookie",
	"mbind",
	"memfd_secret",
	"migrate_pages",
	"modify_ldt",
	"mount",
	"mount_setattr",
	"move_mount",
	"move_pages",
	"name_to_handle_at",
	"nfsservctl",
	"open_by_handle_at",
	"open_tree",
	"perf_event_open",
	"personality",
	"pidfd_getfd",
	"pivot_root",
	"process_madvise",
	"process_mrelease",
	"process_vm_readv",
	"process_vm_writev",
	"ptrace",
	"putpmsg",
	"query_module",
	"quotactl",
	"quotactl_fd",
	"reboot",
	"request_key",
	"security",
	"set_mempolicy",
	"set_mempolicy_home_node",
	"setdomainname",
	"sethostname",
	"setns",
	"settimeofday",
	"stime",
	"swapoff",
	"swapon",
	"syslog",
	"tuxcall",
	"umount",
	"umount2",
	"unshare",
	"uselib",
	"userfaultfd",
	"ustat",
	"vhangup",
	"vserver",
};

const struct syscall_group *
syscall_group_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct syscall_group *g = groups; g->name; g++)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

const struct syscall_group *
syscall_groups_all(void)
{
	return groups;
}

bool
syscall_is_forbidden(const char *name)
{
	if (!name)
		return false;
	return bsearch(&name, forbidden, ELEMENTSOF(forbidden), sizeof(forbidden[0]),
	    strcmp_ptr) != NULL;
}
