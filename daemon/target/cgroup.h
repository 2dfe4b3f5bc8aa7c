/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resource control through cgroups. On a cgroup v2 host sandboxd uses the
 * subtree systemd delegated to it (Delegate=yes): it moves itself into a
 * "supervisor" leaf and creates one "sandbox-<id>" child per target,
 * placed with CLONE_INTO_CGROUP (without systemd, in the root cgroup, it
 * uses "/sandboxd-<pid>" instead; started by hand on a systemd host it
 * first asks systemd for a delegated scope; in a cgroup that is not ours
 * it creates nothing and says why). On hybrid hosts whose controllers live
 * on cgroup v1 it creates "sandboxd-<pid>/sandbox-<id>" below its own
 * cgroup in the memory, pids and cpuacct hierarchies (and cpu's, for a
 * CPUQuota=) and moves the child there before it runs.
 * A limit the host cannot enforce fails the spawn (cgroup_check()).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error-msg.h"
#include "policy.h"

enum cgroup_mode {
	CGROUP_NONE,
	CGROUP_V1,
	CGROUP_V2,
};

struct cgroup_stats {
	uint64_t	cpu_usec;
	uint64_t	memory_current;
	uint64_t	memory_peak;
	uint64_t	tasks_current;
	uint64_t	oom_kills;
	uint64_t	tasks_max_hit;
};

/* Detects the mode and prepares the base cgroups. Never fails hard: with
 * no usable cgroups the mode is CGROUP_NONE and limits needing them fail
 * at spawn, with the reason logged here once. Start-up only: it may wait
 * for systemd (bounded). */
enum cgroup_mode cgroup_setup(void);
/* -EOPNOTSUPP with err's message if a finite limit in l cannot be enforced. */
int cgroup_check(enum cgroup_mode mode, const struct policy_limits *l, struct error_msg *err);
/* Creates the sandbox's cgroup(s) with limits; *ret_fd is an fd of the v2
 * directory for CLONE_INTO_CGROUP, or -1. */
int cgroup_create(enum cgroup_mode mode, const char *name, const struct policy_limits *l, int *ret_fd);
/* v1: moves pid into the sandbox's cgroups (the cpu one only for a
 * CPUQuota=, as cgroup_create() made them). v2: no-op. */
int cgroup_attach(enum cgroup_mode mode, const char *name, const struct policy_limits *l,
    pid_t pid);
void cgroup_stats_read(enum cgroup_mode mode, const char *name, struct cgroup_stats *ret);
/* Only the CPU time, for the periodic CPU-limit check. */
uint64_t cgroup_cpu_usec(enum cgroup_mode mode, const char *name);
/* Removes the cgroup(s), killing every process left. Never waits: -EBUSY
 * while a killed process is still leaving (call again later). */
int cgroup_destroy(enum cgroup_mode mode, const char *name);
/* The same, retried for up to timeout_ms: only outside the event loop
 * (at exit). */
int cgroup_destroy_wait(enum cgroup_mode mode, const char *name, unsigned timeout_ms);
/* Removes this instance's base cgroups (at exit, once empty). */
void cgroup_teardown(void);
