/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandboxd wire protocol: the whole contract between sandboxd and its
 * clients. protocol/PROTOCOL.md explains every message; this header is
 * normative. Any change here bumps SBX_PROTOCOL_VERSION and updates the
 * spec and the codec tests in the same commit.
 *
 * Transport: AF_UNIX SOCK_SEQPACKET. One datagram is one message: a
 * struct sbx_hdr, then hdr.len payload bytes. A payload is the type's fixed
 * struct (fixed-width little/host-endian integers; both ends are on one
 * host) followed by zero or more strings, each a uint32_t length that
 * counts the terminating NUL, then that many bytes, the last one NUL and no
 * other. File descriptors travel in one SCM_RIGHTS control message.
 */
#pragma once

#include <stdint.h>

#define SBX_PROTOCOL_VERSION	6	/* bump on any change in this file */

/* Hard limits. A message that breaks one is a protocol violation. */
#define SBX_MSG_SIZE_MAX	(64u * 1024u)	/* header + payload */
#define SBX_STRING_MAX		4096u		/* any one string, NUL included */
#define SBX_NAME_MAX		64u		/* policy names, NUL included */
#define SBX_ARGV_MAX		256u		/* argv entries */
#define SBX_ENV_MAX		256u		/* environment entries */
#define SBX_FDS_MAX		3u		/* fds in any one message */
#define SBX_POLICY_TEXT_MAX	(60u * 1024u)	/* a policy's text, NUL not included: the
						 * one limit of policy files (version 3) */
#define SBX_POLICY_LABEL_MAX	1024u		/* POLICY_CHECK's file name, NUL included */
#define SBX_LIST_MAX		128u		/* entries in one SANDBOX_LIST (newest first) */

enum sbx_msg_type {
	SBX_MSG_HELLO = 1,		/* client → daemon, first message */

	SBX_MSG_SPAWN = 100,		/* 100s: target lifecycle */
	SBX_MSG_KILL,
	SBX_MSG_LIST,
	SBX_MSG_STATUS,

	SBX_MSG_POLICY_LIST = 150,	/* 150s: policies */
	SBX_MSG_POLICY_SHOW,
	SBX_MSG_POLICY_CHECK,

	SBX_MSG_BROKER_OPEN = 200,	/* 200s: broker channel, target → daemon */
	SBX_MSG_BROKER_STAT,
	SBX_MSG_BROKER_ACCESS,
	SBX_MSG_BROKER_READLINK,
	SBX_MSG_BROKER_MKDIR,
	SBX_MSG_BROKER_UNLINK,
	SBX_MSG_BROKER_RMDIR,
	SBX_MSG_BROKER_RENAME,
	SBX_MSG_BROKER_CONNECT,
	SBX_MSG_BROKER_READDIR,		/* version 4 */

	SBX_MSG_OK = 900,		/* 900s: replies, serial echoed */
	SBX_MSG_ERROR,
	SBX_MSG_HELLO_REPLY,
	SBX_MSG_SPAWNED,
	SBX_MSG_SANDBOX_LIST,
	SBX_MSG_POLICY_NAMES,
	SBX_MSG_POLICY_TEXT,
	SBX_MSG_BROKER_RESULT,
	SBX_MSG_BROKER_STAT_RESULT,
	SBX_MSG_BROKER_LINK_RESULT,
	SBX_MSG_POLICY_REPORT,		/* version 3 */
	SBX_MSG_BROKER_DIR_RESULT,	/* version 4 */

	SBX_MSG_EXITED = 950,		/* 950s: events, serial 0 */
	SBX_MSG_SHUTDOWN,
};

struct sbx_hdr {
	uint32_t	type;		/* enum sbx_msg_type */
	uint32_t	serial;		/* requester's choice, echoed in replies */
	uint32_t	len;		/* payload bytes that follow */
	uint32_t	reserved;	/* 0 */
};
_Static_assert(sizeof(struct sbx_hdr) == 16, "wire layout");

/* HELLO: no strings, no fds. Must be the first message. */
struct sbx_hello {
	uint32_t	version;	/* SBX_PROTOCOL_VERSION */
	uint32_t	flags;		/* 0 */
};
_Static_assert(sizeof(struct sbx_hello) == 8, "wire layout");

/* HELLO_REPLY: then one string, the daemon's package version. */
struct sbx_hello_reply {
	uint32_t	version;
	uint32_t	uid;		/* the peer uid the daemon saw */
};
_Static_assert(sizeof(struct sbx_hello_reply) == 8, "wire layout");

#define SBX_SPAWN_DETACH	(1u << 0)	/* keep running when the requester disconnects */
/* Learning mode (root only): what the policy refuses is allowed and
 * recorded; EXITED then carries the learned policy. */
#define SBX_SPAWN_LEARN		(1u << 1)
#define SBX_SPAWN_FLAGS_ALL	(SBX_SPAWN_DETACH | SBX_SPAWN_LEARN)

/*
 * SPAWN: then strings policy, cwd ("" for "/"), n_argv argv strings
 * (n_argv ≥ 1), n_env environment strings ("KEY=value"). Exactly three fds:
 * the target's stdin, stdout and stderr. Limit fields narrow the policy:
 * 0 means "the policy's value"; a value above the policy's is refused.
 */
struct sbx_spawn {
	uint32_t	flags;		/* SBX_SPAWN_* */
	uint32_t	n_argv;
	uint32_t	n_env;
	uint32_t	reserved;	/* 0 */
	uint64_t	timeout_ms;	/* wall clock */
	uint64_t	memory_max;	/* bytes */
	uint64_t	tasks_max;
	uint64_t	cpu_ms;
	uint64_t	nofile_max;
	uint64_t	fsize_max;	/* bytes */
};
_Static_assert(sizeof(struct sbx_spawn) == 64, "wire layout");

/* SPAWNED: reply to SPAWN; the target has exec'd. */
struct sbx_spawned {
	uint64_t	id;
	uint32_t	pid;		/* host pid of the sandbox's init */
	uint32_t	uid;		/* anonymous host uid of the target */
};
_Static_assert(sizeof(struct sbx_spawned) == 16, "wire layout");

/* KILL: reply OK. signal 0 probes. */
struct sbx_kill {
	uint64_t	id;
	uint32_t	signal;
	uint32_t	reserved;
};
_Static_assert(sizeof(struct sbx_kill) == 16, "wire layout");

/* LIST: empty payload; STATUS: struct sbx_id. Reply SANDBOX_LIST. */
struct sbx_id {
	uint64_t	id;
};
_Static_assert(sizeof(struct sbx_id) == 8, "wire layout");

enum sbx_state {
	SBX_STATE_STARTING = 1,
	SBX_STATE_RUNNING,
	SBX_STATE_EXITED,
};

enum sbx_limit {
	SBX_LIMIT_NONE = 0,
	SBX_LIMIT_TIMEOUT,		/* wall clock ran out */
	SBX_LIMIT_MEMORY,		/* OOM-killed in its cgroup */
	SBX_LIMIT_TASKS,		/* a fork failed at the tasks limit */
	SBX_LIMIT_CPU,			/* CPU time ran out */
	SBX_LIMIT_KILLED,		/* KILL request */
	SBX_LIMIT_SHUTDOWN,		/* daemon stopped */
	SBX_LIMIT_FSIZE,		/* file size limit (SIGXFSZ) */
};

/* SANDBOX_LIST: count entries, each a struct sbx_info then strings
 * policy, command (argv joined by spaces, at most 255 bytes) and the
 * sandbox's last denial ("" if none, at most 255 bytes), then a uint32_t
 * n and n named denials, each a struct sbx_denial then a string, the
 * name (≤ SBX_DENIAL_NAME_MAX with the NUL). A reply to STATUS carries
 * up to SBX_DENIALS_MAX of them, one to LIST none. */
struct sbx_list {
	uint32_t	count;
	uint32_t	reserved;
};
_Static_assert(sizeof(struct sbx_list) == 8, "wire layout");

/* Who refused. */
enum sbx_layer {
	SBX_LAYER_SECCOMP = 1,		/* the policy's system call filter: name is the call */
	SBX_LAYER_BROKER,		/* a [Broker] rule: name is the action */
	SBX_LAYER_VIEW,			/* not in the sandbox's view: name is the path */
	SBX_LAYER_LANDLOCK,		/* reserved: the kernel does not tell */
};

#define SBX_DENIAL_FORBIDDEN	(1u << 0)	/* a call no policy may allow */
#define SBX_DENIALS_MAX		32u
#define SBX_DENIAL_NAME_MAX	256u

struct sbx_denial {
	uint64_t	count;
	uint32_t	layer;		/* enum sbx_layer */
	uint32_t	error;		/* the errno the caller got, 0 for none */
	uint32_t	flags;		/* SBX_DENIAL_* */
	uint32_t	reserved;
};
_Static_assert(sizeof(struct sbx_denial) == 24, "wire layout");

struct sbx_info {
	uint64_t	id;
	uint32_t	owner_uid;
	uint32_t	owner_pid;
	uint32_t	pid;		/* host pid of init, 0 once exited */
	uint32_t	uid;		/* anonymous uid */
	uint32_t	state;		/* enum sbx_state */
	uint32_t	limit;		/* enum sbx_limit hit so far */
	uint64_t	start_usec;	/* CLOCK_REALTIME */
	uint64_t	cpu_usec;
	uint64_t	memory_current;
	uint64_t	memory_peak;
	uint64_t	tasks_current;
	uint64_t	timeout_ms;	/* effective limits */
	uint64_t	memory_max;
	uint64_t	tasks_max;
	uint64_t	cpu_ms;
	uint64_t	broker_requests;
	uint64_t	broker_denied;
};
_Static_assert(sizeof(struct sbx_info) == 120, "wire layout");

/* POLICY_LIST: empty. POLICY_NAMES: count, then count × (name, description). */
/* POLICY_SHOW: one string, the name, then optionally a uint32_t of
 * SBX_POLICY_SHOW_* flags (added within version 5: without them, 0).
 * POLICY_TEXT: one string. */
#define SBX_POLICY_SHOW_EFFECTIVE	(1u << 0)	/* the text after Include= */
/* POLICY_CHECK: strings file name (for messages, ≤ SBX_POLICY_LABEL_MAX) and
 * text (≤ SBX_POLICY_TEXT_MAX + 1 with the NUL). The daemon checks the text
 * in an unprivileged child; reply POLICY_REPORT, or ERROR if the check
 * could not be made (EAGAIN: too many checks at once, ETIMEDOUT, EIO). */
_Static_assert(sizeof(struct sbx_hdr) + 2 * sizeof(uint32_t) + SBX_POLICY_LABEL_MAX +
    SBX_POLICY_TEXT_MAX + 1 <= SBX_MSG_SIZE_MAX, "a policy of the maximum size fits a message");

/* POLICY_REPORT: everything the check found, in line order: count
 * entries (≤ SBX_POLICY_DIAGS_MAX), each a struct sbx_policy_diag then a
 * string, the message (≤ SBX_POLICY_MESSAGE_MAX). n_errors and n_warnings
 * count them all, also those beyond count. The policy is valid when
 * n_errors is 0. */
#define SBX_POLICY_DIAGS_MAX	64u
#define SBX_POLICY_MESSAGE_MAX	256u	/* NUL included */

struct sbx_policy_report {
	uint32_t	n_errors;
	uint32_t	n_warnings;
	uint32_t	count;
	uint32_t	reserved;	/* 0 */
};
_Static_assert(sizeof(struct sbx_policy_report) == 16, "wire layout");

enum sbx_severity {
	SBX_SEVERITY_ERROR = 1,
	SBX_SEVERITY_WARNING,
};

struct sbx_policy_diag {
	uint32_t	line;		/* 1-based; 0: the whole file */
	uint32_t	severity;	/* enum sbx_severity */
};
_Static_assert(sizeof(struct sbx_policy_diag) == 8, "wire layout");
_Static_assert(sizeof(struct sbx_hdr) + sizeof(struct sbx_policy_report) + SBX_POLICY_DIAGS_MAX *
    (sizeof(struct sbx_policy_diag) + sizeof(uint32_t) + SBX_POLICY_MESSAGE_MAX) <= SBX_MSG_SIZE_MAX,
    "a full report fits a message");

/* ERROR: then one string, a human-readable message. */
struct sbx_error {
	int32_t		error;		/* positive errno */
	uint32_t	reserved;
};
_Static_assert(sizeof(struct sbx_error) == 8, "wire layout");

enum sbx_exit_how {
	SBX_EXIT_CODE = 1,
	SBX_EXIT_SIGNAL,
};

/* EXITED: sent to the connection that spawned the sandbox: a struct
 * sbx_exited; for a SBX_SPAWN_LEARN spawn then one
 * string, the learned policy (≤ SBX_POLICY_TEXT_MAX bytes). */
struct sbx_exited {
	uint64_t	id;
	uint32_t	how;		/* enum sbx_exit_how */
	int32_t		status;		/* exit code or signal number */
	uint32_t	limit;		/* enum sbx_limit */
	uint32_t	reserved;
	uint64_t	cpu_usec;
	uint64_t	memory_peak;
	uint64_t	wall_usec;
};
_Static_assert(sizeof(struct sbx_exited) == 48, "wire layout");

/* SHUTDOWN: empty; the daemon is stopping and will close the connection. */

/*
 * The broker channel. Every target starts with one end of a SOCK_SEQPACKET
 * socketpair at SBX_BROKER_FD (also named in $SANDBOX_BROKER_FD). No HELLO:
 * the daemon made the channel. Each request is answered by exactly one
 * result with the same serial, in order. Paths are absolute host paths as
 * the policy's [Broker] rules name them, at most SBX_PATH_MAX with the NUL.
 * A malformed request closes the channel (the sandbox keeps running).
 */
#define SBX_BROKER_FD		3
#define SBX_BROKER_FD_ENV	"SANDBOX_BROKER_FD"
#define SBX_PATH_MAX		4096u

/* Open flags on the wire (independent of the libc's O_* values). */
#define SBX_O_RDONLY		0u
#define SBX_O_WRONLY		1u
#define SBX_O_RDWR		2u
#define SBX_O_ACCMODE		3u
#define SBX_O_CREAT		(1u << 2)
#define SBX_O_EXCL		(1u << 3)
#define SBX_O_TRUNC		(1u << 4)
#define SBX_O_APPEND		(1u << 5)
#define SBX_O_DIRECTORY		(1u << 6)
#define SBX_O_NOFOLLOW		(1u << 7)
#define SBX_O_CLOEXEC		(1u << 8)	/* honoured by the receiver */
#define SBX_O_ALL		((SBX_O_CLOEXEC << 1) - 1)

/* BROKER_STAT's flags: the symbolic link itself, as lstat(2) (other bits
 * are ignored). */
#define SBX_STAT_NOFOLLOW	(1u << 0)

/* BROKER_RENAME's flags: never replace an existing file, even where the
 * new path's rule may delete (other bits are ignored). */
#define SBX_RENAME_NOREPLACE	(1u << 0)

/* Access modes for BROKER_ACCESS (as F_OK/R_OK/W_OK/X_OK). */
#define SBX_ACCESS_ALL		7u

/*
 * BROKER_OPEN (flags SBX_O_*, mode for SBX_O_CREAT), BROKER_STAT,
 * BROKER_ACCESS (mode SBX_ACCESS bits), BROKER_READLINK, BROKER_MKDIR (mode),
 * BROKER_UNLINK, BROKER_RMDIR: struct sbx_broker_req then one string, the
 * path. BROKER_RENAME: the same then a second string, the new path.
 * BROKER_CONNECT: flags 0, mode 0, one string, the endpoint
 * ("unix:/path", "tcp:HOST:PORT", "udp:HOST:PORT").
 * BROKER_READDIR: flags the index of the first entry wanted (0, then the
 * previous reply's next), mode 0, one string, the directory's path.
 */
struct sbx_broker_req {
	uint32_t	flags;
	uint32_t	mode;
};
_Static_assert(sizeof(struct sbx_broker_req) == 8, "wire layout");

/* BROKER_RESULT: error 0 and, for OPEN and CONNECT, exactly one fd; or a
 * positive errno and no fd. */
struct sbx_broker_result {
	int32_t		error;
	uint32_t	reserved;
};
_Static_assert(sizeof(struct sbx_broker_result) == 8, "wire layout");

/* BROKER_STAT_RESULT: always the whole struct; fields are 0 on error. */
struct sbx_broker_stat {
	int32_t		error;
	uint32_t	mode;
	uint64_t	dev, ino, nlink;
	uint32_t	uid, gid;
	uint64_t	rdev, size, blksize, blocks;
	int64_t		atime_ns, mtime_ns, ctime_ns;
};
_Static_assert(sizeof(struct sbx_broker_stat) == 96, "wire layout");

/* BROKER_LINK_RESULT: struct sbx_broker_result then one string, the
 * link's target ("" on error). */

/* BROKER_DIR_RESULT: struct sbx_broker_dir, then count entries, each a
 * uint32_t d_type (DT_*) and one string, the name (at most
 * SBX_DIR_NAME_MAX with the NUL; never "." or ".."). next is the index of
 * the next page's first entry, 0 when this page ends the directory. */
#define SBX_DIR_PAGE_MAX	128u
#define SBX_DIR_NAME_MAX	256u
struct sbx_broker_dir {
	int32_t		error;
	uint32_t	next;
	uint32_t	count;		/* ≤ SBX_DIR_PAGE_MAX; 0 on error */
	uint32_t	reserved;
};
_Static_assert(sizeof(struct sbx_broker_dir) == 16, "wire layout");
_Static_assert(sizeof(struct sbx_hdr) + sizeof(struct sbx_broker_dir) +
    SBX_DIR_PAGE_MAX * (2 * sizeof(uint32_t) + SBX_DIR_NAME_MAX) <= SBX_MSG_SIZE_MAX,
    "a full page of the longest names fits a message");
