/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policies: parsed once (at start and on reload) from INI text into a
 * struct policy, validated, and compiled (seccomp BPF) so spawning does no
 * parsing; see sandboxd.policy(5) for the format. The model and its
 * lookups are policy.c's, parsing policy-parse.c's, compiling
 * policy-seccomp.c's: all pure. What touches the host (reading files,
 * policy_lint()'s stat(), opening [Broker] directories, resolving
 * Connect= names) is policy-io.c's alone.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <sys/socket.h>

#include "ini.h"

#define POLICY_UNLIMITED UINT64_MAX

/* RestrictAddressFamilies= and RestrictNetlink= when a policy says nothing. */
#define POLICY_FAMILIES_DEFAULT \
	((UINT64_C(1) << AF_UNIX) | (UINT64_C(1) << AF_INET) | (UINT64_C(1) << AF_INET6))
#define POLICY_NETLINK_DEFAULT (UINT32_C(1) << 0)	/* NETLINK_ROUTE */
/* The families and netlink protocols a policy can name fit those bits. */
_Static_assert(AF_MAX <= 64, "address families fit a uint64_t");

enum policy_mount_kind {
	POLICY_MOUNT_BIND_RO,		/* BindReadOnly=SRC[:DST] */
	POLICY_MOUNT_BIND_RW,		/* Bind=SRC[:DST] (rare, explicit) */
	POLICY_MOUNT_SYMLINK,		/* Symlink=TARGET:LINKPATH */
	POLICY_MOUNT_TMPFS,		/* TemporaryFileSystem=PATH */
};

struct policy_mount {
	enum policy_mount_kind	kind;
	char			*source;	/* host path (bind) or link target */
	char			*dest;		/* absolute path inside the sandbox */
	bool			optional;	/* leading '-': skip a missing source */
	unsigned		line;		/* where the policy names it */
};

enum policy_tristate {
	POLICY_NO,
	POLICY_YES,			/* required: spawn fails without it */
	POLICY_BEST_EFFORT,		/* used when the kernel has it */
};

struct policy_limits {
	uint64_t	timeout_ms;	/* WallTime= */
	uint64_t	memory_max;	/* Memory= (bytes) */
	uint64_t	tasks_max;	/* Tasks= */
	uint64_t	cpu_ms;		/* CPUTime= */
	uint64_t	nofile_max;	/* OpenFiles= */
	uint64_t	fsize_max;	/* FileSize= (bytes) */
	uint64_t	tmp_size;	/* TmpSize= (bytes) for /tmp */
	uint64_t	shm_size;	/* ShmSize= (bytes) for /dev/shm */
	uint64_t	cpu_quota_pct;	/* CPUQuota= (percent of one CPU) */
};

/* CPUQuota= at most: 1000 CPUs. */
#define POLICY_CPU_QUOTA_MAX	100000

/* [Broker] path rights. */
#define POLICY_RIGHT_READ	(1u << 0)	/* open for reading, stat, access, readlink, list */
#define POLICY_RIGHT_WRITE	(1u << 1)	/* open for writing (truncate, append) */
#define POLICY_RIGHT_CREATE	(1u << 2)	/* create files (O_CREAT), mkdir, rename into */
#define POLICY_RIGHT_DELETE	(1u << 3)	/* unlink, rmdir, rename out of */
#define POLICY_RIGHT_NOSYMLINKS	(1u << 4)	/* resolve with RESOLVE_NO_SYMLINKS */
#define POLICY_RIGHT_SPECIAL	(1u << 5)	/* FIFOs, devices, sockets may be opened */

#define POLICY_BROKER_RULES_MAX	64
#define POLICY_CONNECT_ADDRS_MAX 8

struct policy_path_rule {
	char		*path;		/* absolute, normalized */
	bool		tree;		/* Tree= (a directory and all beneath) or File= */
	unsigned	rights;		/* POLICY_RIGHT_* */
	/* Opened by policy_open_broker(): the tree, or the file's parent. */
	int		dirfd;
	const char	*name;		/* File=: the last component, into path */
	unsigned	line;		/* where the policy names it */
};

struct policy_connect_rule {
	char		*endpoint;	/* as written: "tcp:127.0.0.1:8080" */
	int		family;		/* AF_UNIX, AF_INET, AF_INET6 (first address) */
	int		type;		/* SOCK_STREAM or SOCK_DGRAM */
	char		*host;		/* host part (tcp/udp) or path (unix) */
	uint16_t	port;
	size_t		n_addrs;	/* resolved by policy_open_broker() */
	struct sockaddr_storage addrs[POLICY_CONNECT_ADDRS_MAX];
	uint32_t	addr_lens[POLICY_CONNECT_ADDRS_MAX];
	unsigned	line;		/* where the policy names it */
};

/*
 * [SystemCalls] Allow=NAME(argN OP VALUE, ...): one rule, allowing NAME
 * when every comparison holds; several rules for one name allow it when
 * any does. OP is one of ==, !=, <, <=, >, >= or "& MASK ==" (those bits
 * equal VALUE's). A name also allowed without conditions is allowed
 * outright.
 */
enum policy_arg_op {
	POLICY_ARG_EQ,
	POLICY_ARG_NE,
	POLICY_ARG_LT,
	POLICY_ARG_LE,
	POLICY_ARG_GT,
	POLICY_ARG_GE,
	POLICY_ARG_MASKED_EQ,
};

#define POLICY_ARGS_MAX		6	/* a system call's arguments */
#define POLICY_ARG_RULES_MAX	256

struct policy_arg_cmp {
	unsigned		arg;		/* 0 to POLICY_ARGS_MAX - 1 */
	enum policy_arg_op	op;
	uint64_t		mask;		/* POLICY_ARG_MASKED_EQ */
	uint64_t		value;
};

struct policy_arg_rule {
	char			*syscall;
	size_t			n_cmps;		/* 1 to POLICY_ARGS_MAX, one per argument */
	struct policy_arg_cmp	cmps[POLICY_ARGS_MAX];
	unsigned		line;		/* where the policy names it */
};

struct policy {
	unsigned		n_ref;		/* the store and each live target hold one */
	char			*name;
	char			*path;		/* file it came from, for messages */
	char			*text;		/* source text, for POLICY_SHOW */
	/* With Include=: the text after inclusion (policy show --effective),
	 * which loaded alone makes the same policy. NULL: there is none. */
	char			*effective;
	char			*description;

	struct policy_mount	*mounts;
	size_t			n_mounts;
	bool			tmp;		/* [Filesystem] Tmp= private /tmp */
	bool			shm;		/* [Filesystem] Shm= private /dev/shm */
	char			*hostname;	/* [Sandbox] Hostname= */
	char			**environment;	/* [Sandbox] Environment= defaults */
	char			*cwd;		/* [Sandbox] WorkingDirectory= default */

	struct policy_limits	limits;
	bool			network;	/* [Network] always false for now: loopback only */
	enum policy_tristate	landlock;	/* [Security] Landlock= */
	bool			memory_executables;	/* [Security] MemoryExecutables= */

	/* [SystemCalls] */
	char			**syscalls;	/* expanded, sorted, unique names */
	unsigned		syscalls_line;	/* of the first Allow=, for messages */
	struct policy_arg_rule	*arg_rules;	/* Allow=NAME(...), in the policy's order */
	size_t			n_arg_rules;
	unsigned		landlock_line;	/* of Landlock=, for messages */
	int			syscall_errno;	/* Action=errno:NAME (default EPERM), or 0 = kill */
	bool			name_denials;	/* NameDenials= (default yes): refusals notify */
	uint64_t		socket_families;	/* RestrictAddressFamilies=: 1 << AF_* */
	uint32_t		netlink_protocols;	/* RestrictNetlink=: 1 << NETLINK_* */

	/* [Broker] */
	struct policy_path_rule	*path_rules;
	size_t			n_path_rules;
	struct policy_connect_rule *connect_rules;
	size_t			n_connect_rules;
	bool			intercept;	/* Intercept=: the target's calls reach the broker */
	unsigned		intercept_line;	/* of Intercept=, for messages */

	/* The daemon's: a root made ahead for the next spawn (skeleton.c). */
	int			spare_root;

	/* Compiled at load time (policy_compile()). */
	struct sock_filter	*bpf;
	size_t			bpf_len;
	/* The filter a target installs instead of bpf, whose listener the
	 * broker serves: bpf whose refusals notify (the broker answers
	 * them with bpf's errno and names them), and with intercept whose
	 * allowed calls of policy-seccomp.c's list notify too. NULL: the
	 * kernel or the policy cannot have one (then bpf alone). */
	struct sock_filter	*notify_bpf;
	size_t			notify_bpf_len;
	/* The same for a learning sandbox: kills notify too, and every path
	 * call of the list and chdir/execve(at). NULL: cannot learn. At
	 * learn_bpf[bpf_len + POLICY_LEARN_EXEC_AT] and two on, the target
	 * patches its own envp (policy-seccomp.c: prepend_exec_exemption()). */
	struct sock_filter	*learn_bpf;
	size_t			learn_bpf_len;
};

#define POLICY_LEARN_EXEC_LEN	7
#define POLICY_LEARN_EXEC_AT	3

/* The policies Include= can name: each one's text by name, as the store
 * found it (the highest layer's file). */
struct policy_source {
	char		*name;
	char		*path;		/* for messages */
	char		*text;		/* NULL: the file could not be read */
};

struct policy_sources {
	struct policy_source	*v;
	size_t			n;
};

#define POLICY_INCLUDE_DEPTH_MAX 8

/* Adds name's source (text may be NULL), after those there are: the
 * layers in order, lowest first. */
int policy_sources_add(struct policy_sources *s, const char *name, const char *path,
    const char *text);
/* The source last added under name (the highest layer's), or NULL. */
const struct policy_source *policy_sources_find(const struct policy_sources *s, const char *name);
void policy_sources_done(struct policy_sources *s);

/* Parses text (file name only for messages). Does not compile. Goes on
 * after an error where it safely can: every error lands in d (sorted by
 * line), and the return value is the first one's negative errno; no
 * policy is made unless there is none. Warnings are policy_lint()'s. */
int policy_parse_all(const char *name, const char *path, const char *text, struct policy **ret,
    struct ini_diags *d);
/* The same, with the policies Include= may name (NULL: none). An error in
 * an included file is reported at the Include= line, naming that file
 * and line. */
int policy_parse_sources_all(const char *name, const char *path, const char *text,
    const struct policy_sources *sources, struct policy **ret, struct ini_diags *d);
/* The same, reporting only the first error in err (line, message). */
int policy_parse(const char *name, const char *path, const char *text, struct policy **ret,
    struct ini_error *err);
/* Reads a policy text from fd: at most SBX_POLICY_TEXT_MAX bytes, no NUL.
 * The buffer is malloc'd. */
int policy_read_fd(int fd, char **ret, struct ini_diags *d);
/* Reads path and parses it; name is the file name without ".policy". */
int policy_load_file_all(const char *name, const char *path, struct policy **ret,
    struct ini_diags *d);
/* Reads path into a malloc'd text: what policy_load_file_all() reads. */
int policy_read_file(const char *path, char **ret, struct ini_diags *d);
int policy_load_file(const char *name, const char *path, struct policy **ret, struct ini_error *err);
/* Warnings for a valid policy that will not work as meant here: a bind
 * source that does not exist on this host (looked up with stat(2), as
 * the caller), a system call filter without execve and execveat, and
 * Landlock=yes where landlock_abi is 0 (the kernel has none; < 0: not
 * known, not checked). */
void policy_lint(const struct policy *p, int landlock_abi, struct ini_diags *d);
/* Builds the seccomp BPF into p->bpf (libseccomp, export to a memfd),
 * and the notifying filters into p->notify_bpf and p->learn_bpf. */
int policy_compile(struct policy *p, struct ini_error *err);
/* Opens the [Broker] rules' directories and resolves Connect= host names.
 * A path that does not exist leaves its rule inert (dirfd -1, logged). */
int policy_open_broker(struct policy *p);
/* Opens one rule's directory (the tree, or the file's parent) by its path
 * from /, O_PATH, with the caller's credentials: fd or negative errno. */
int policy_open_rule_dir(const struct policy_path_rule *r);
/* The policy's mount (BindReadOnly=, Bind=, Symlink=, TemporaryFileSystem=)
 * at the absolute path or at a directory above it, NULL if none: what the
 * sandbox sees there is that mount's, not the daemon's (skeleton.c). */
const struct policy_mount *policy_mount_above(const struct policy *p, const char *path);
/* The path rule that governs path (longest match), and the part of path
 * below the rule's dirfd ("." for a Tree= root itself). NULL if none. */
const struct policy_path_rule *policy_match_path(const struct policy *p, const char *path,
    const char **ret_rel);
const struct policy_connect_rule *policy_match_connect(const struct policy *p, const char *endpoint);
/* Parses "unix:/p", "tcp:HOST:PORT", "udp:HOST:PORT" into r (no resolution). */
int policy_parse_endpoint(const char *s, struct policy_connect_rule *r);
struct policy *policy_ref(struct policy *p);
/* Drops a reference; frees on the last. Accepts NULL, returns NULL. */
struct policy *policy_unref(struct policy *p);
static inline void
policy_unrefp(struct policy **p)
{
	policy_unref(*p);
}

/* Whether a policy that allows ioctl(2) lets request through (its low 32
 * bits, as the kernel reads it; policy-seccomp.c's allow-list). */
bool policy_ioctl_allowed(uint64_t request);

/* Whether p's Allow= lines name system call name (after expansion)
 * without conditions on its arguments. */
bool policy_allows_syscall(const struct policy *p, const char *name);
/* The same, or with conditions (Allow=NAME(...)). */
bool policy_names_syscall(const struct policy *p, const char *name);
void policy_arg_rules_free(struct policy_arg_rule *v, size_t n);

/* The RestrictAddressFamilies= name of an AF_* ("AF_UNIX"), and the
 * RestrictNetlink= name of a NETLINK_* ("route"): NULL if a policy cannot
 * name it. */
const char *policy_family_name(int family);
const char *policy_netlink_name(int protocol);

/* Why path cannot be a policy's path (not absolute, not normalized, too
 * long, a control character or ':'), or NULL if it can. */
const char *policy_path_problem(const char *path);

/* A valid policy name: [A-Za-z0-9_-], 1..63 chars, not starting with '-'. */
bool policy_name_is_valid(const char *name);
