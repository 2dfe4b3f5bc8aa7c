/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pure parts of a spawn: narrowing the policy's limits by a request,
 * building the target's environment, naming its command, and classifying
 * how it ended. No I/O and no daemon state, so tests/unit/test-target-request
 * links this file alone. Messages for the requester go into msg.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error-msg.h"
#include "cgroup.h"
#include "policy.h"
#include "sandbox-protocol.h"

/* Lowers each limit in *limits to the one asked for (0: keep the
 * policy's); asking for more than the policy allows is -EPERM. */
int target_narrow_limits(struct policy_limits *limits, const struct policy_limits *asked,
    struct error_msg *err);
/* Learning mode's limits: each at least its floor (Memory=2G, Tasks=512,
 * OpenFiles=1024, FileSize=1G, CPUTime= and WallTime= 10 min), so that
 * what the program uses can be seen; narrowing still applies after. */
void target_learn_limits(struct policy_limits *limits);
/* The policy's defaults, then the request's entries replacing same keys,
 * a PATH if neither set one, and SANDBOX_BROKER_FD (ours to say, never the
 * client's). A request entry without "KEY=" is -EINVAL. */
int target_build_env(char *const *defaults, const char *const *req, char ***ret,
    struct error_msg *err);
/* PATH's value in envp, or NULL. */
const char *target_env_path(char *const *envp);
/* argv joined by spaces, for listings; NULL on OOM. */
char *target_join_argv(const char *const *argv);
/*
 * The /proc/meminfo a sandbox sees, into buf: its Memory= limit (bytes;
 * host_total, the host's memory, caps it where known, 0: unknown) as its
 * total, free and available memory, and no swap. A snapshot, made at
 * spawn, when the sandbox uses nothing yet. Returns the length, 0 for no
 * limit (the host's own file is then the truth), or -ENOBUFS.
 */
int target_format_meminfo(char *buf, size_t size, uint64_t limit, uint64_t host_total);
/* RLIMIT_RSS for a memory limit: three quarters of it. The kernel ignores
 * RLIMIT_RSS; programs that size their buffers read it (GNU sort takes
 * 15/16 of it), and the quarter left is for the page cache, /tmp,
 * /dev/shm and the sandbox's other processes, which count too. */
uint64_t target_rss_rlimit(uint64_t memory_max);
/* RLIMIT_CPU's seconds for a CPU limit in ms: rounded up, never 0. */
uint64_t target_cpu_rlimit_sec(uint64_t ms);
/*
 * How a sandbox ended: from init's wait status (have_status false: none
 * came, as when init itself was killed), its cgroup's figures and its CPU
 * limit. limit is what already ended it (SBX_LIMIT_NONE: nothing we know
 * of). Sets e->how, e->status and e->limit; returns e->limit.
 */
uint32_t target_classify_exit(const struct cgroup_stats *cs, bool have_status, int status,
    uint64_t cpu_ms, uint32_t limit, struct sbx_exited *e);
