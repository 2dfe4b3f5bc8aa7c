/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reloading the policies off the loop: loading opens every [Broker] rule
 * directory and resolves every Connect= name, and a rule's directory may
 * lie on a file system that does not answer (a user's FUSE mount, a hung
 * NFS server). So the load runs on a worker thread (workers.h) and the new
 * set replaces the current one on the loop thread; the loop serves
 * meanwhile. One load at a time: a request during one is served by the
 * next, which starts when it ends (a storm of them is two loads). A load
 * that has not ended after RELOAD_TIMEOUT_SEC is given up (the current set
 * stays, its requesters are told ETIMEDOUT); at most RELOAD_STUCK_MAX
 * given-up loads may still be in the kernel, beyond which reloads are
 * refused (EBUSY) until one comes back.
 */
#pragma once

#include <stdint.h>

struct manager;
struct reloader;

#define RELOAD_TIMEOUT_SEC	30
#define RELOAD_STUCK_MAX	2

/* The outcome of a reload a requester asked for: 0, or a negative errno
 * and a message. -ECANCELED, message NULL: the requester cancelled; answer
 * nobody, release cookie. */
typedef void (*reload_done_t)(void *owner, uint64_t cookie, int error, const char *message);

int reloader_new(struct manager *m, struct reloader **ret);
/* At exit, after workers_free(): requesters are told -ECANCELED. */
struct reloader *reloader_free(struct reloader *rl);
/* Starts a reload (or asks for one after the load in flight). done, if not
 * NULL, hears its outcome. Fails with -EBUSY when too many loads are stuck
 * (nothing is called then). */
int reload_start(struct reloader *rl, reload_done_t done, void *owner, uint64_t cookie);
/* owner is going away: each of its requests is told -ECANCELED and dropped. */
void reload_cancel(struct reloader *rl, void *owner);
