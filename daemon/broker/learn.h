/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Learning mode (sandboxctl run --learn): what a sandbox did that its
 * policy refused or its view lacked, recorded by the broker as it answers
 * the target's notified calls, and the policy made of it when the sandbox
 * ends: the base included, plus system calls (as @groups where most of a
 * group was used), address families, binds, [Broker] rules and limits.
 * Pure: the broker looks at the host and the view (broker.c: observe()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "policy.h"

#define LEARN_NR_MAX		1024	/* system call numbers recorded */
#define LEARN_PATHS_MAX		256	/* distinct paths recorded */

/* What a call did with a path. */
#define LEARN_READ	(1u << 0)
#define LEARN_WRITE	(1u << 1)
#define LEARN_CREATE	(1u << 2)
#define LEARN_DELETE	(1u << 3)

struct learn_path {
	char		*path;
	unsigned	kinds;		/* LEARN_* */
	bool		dir;		/* a directory on the host */
};

struct learn {
	uint64_t		nr[LEARN_NR_MAX / 64];	/* refused and used */
	uint64_t		families;	/* 1 << AF_*: refused socket() families used */
	uint32_t		netlink;	/* 1 << NETLINK_*: and netlink protocols */
	struct learn_path	paths[LEARN_PATHS_MAX];
	size_t			n_paths;
	size_t			n_paths_lost;	/* beyond LEARN_PATHS_MAX */
	uint64_t		tasks_peak;
};

/* What the sandbox used, for [Limits]. */
struct learn_figures {
	uint64_t	memory_peak;	/* bytes */
	uint64_t	cpu_usec;
	uint64_t	wall_usec;
	uint64_t	tasks_peak;
};

/* Whether a call the policy refused is one no policy may allow (the
 * forbidden set, and the arguments the compiled rules never let through:
 * clone()'s namespace flags, TIOCSTI and TIOCLINUX, mknod() of anything
 * but a FIFO): it stays refused under learning. name may be NULL (a
 * number libseccomp does not know: forbidden too). */
bool learn_forbidden(const char *name, const uint64_t args[6]);
/* Records a refused call that learning let through. */
void learn_syscall(struct learn *l, int nr, const char *name, const uint64_t args[6]);
/* Records a path the target tried that its view does not have but the
 * host does (the caller checked); dir: it is a directory. Merges kinds. */
void learn_path(struct learn *l, const char *path, unsigned kinds, bool dir);
void learn_done(struct learn *l);

/* The learned policy: a complete policy text (malloc'd) that includes
 * base by name. denials: the sandbox's named ones (the forbidden calls
 * among them are listed as comments). NULL on OOM. */
char *learn_policy_text(const struct policy *base, const struct learn *l,
    const struct sbx_named_denial *denials, size_t n_denials, const struct learn_figures *f,
    const char *command);
