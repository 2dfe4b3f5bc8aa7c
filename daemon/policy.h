/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policies: parsed once (at start and on reload) from INI text into a
 * struct policy, validated, and compiled (seccomp BPF) so spawning does no
 * parsing. Pure apart from policy_load_file(); see sandboxd.policy(5) for
 * the format.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "ini.h"

#define POLICY_UNLIMITED UINT64_MAX

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
};

struct policy {
	char			*name;
	char			*path;		/* file it came from, for messages */
	char			*text;		/* source text, for POLICY_SHOW */
	char			*description;

	struct policy_mount	*mounts;
	size_t			n_mounts;
	bool			tmp;		/* [Filesystem] Tmp= private /tmp */
	char			*hostname;	/* [Sandbox] Hostname= */
	char			**environment;	/* [Sandbox] Environment= defaults */
	char			*cwd;		/* [Sandbox] WorkingDirectory= default */

	struct policy_limits	limits;
	bool			network;	/* [Network] always false for now: loopback only */
	enum policy_tristate	landlock;	/* [Security] Landlock= */

	/* [SystemCalls] */
	char			**syscalls;	/* expanded, sorted, unique names */
	int			syscall_errno;	/* Action=errno:NAME (default EPERM), or 0 = kill */

	/* Compiled at load time (policy_compile()). */
	struct sock_filter	*bpf;
	size_t			bpf_len;
};

/* Parses text (file name only for messages). Does not compile. On error
 * returns negative errno and fills err (line, message). */
int policy_parse(const char *name, const char *path, const char *text, struct policy **ret,
    struct ini_error *err);
/* Reads path and parses it; name is the file name without ".policy". */
int policy_load_file(const char *name, const char *path, struct policy **ret, struct ini_error *err);
/* Builds the seccomp BPF into p->bpf (libseccomp, export to a memfd). */
int policy_compile(struct policy *p, struct ini_error *err);
struct policy *policy_free(struct policy *p);
static inline void
policy_freep(struct policy **p)
{
	policy_free(*p);
}

/* A valid policy name: [A-Za-z0-9_-], 1..63 chars, not starting with '-'. */
bool policy_name_is_valid(const char *name);
