/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * [Broker] Intercept=yes: the target's own system calls, taken from its
 * seccomp user-notification listener (seccomp_unotify(2)) and turned into
 * broker requests, whose results go back as the calls' results. The
 * broker (broker.c) serves the listener like a second channel; this file
 * only decodes a notification and answers it. See intercept.c.
 */
#pragma once

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "broker.h"
#include "policy.h"
#include "sandbox-protocol.h"

/* What the call's caller gets back besides the return value. */
enum intercept_out {
	INTERCEPT_OUT_RESULT,		/* 0 or an errno */
	INTERCEPT_OUT_FD,		/* the fd, installed as the call's result */
	INTERCEPT_OUT_STAT,		/* a struct stat written to addr */
	INTERCEPT_OUT_STATX,		/* a struct statx written to addr */
	INTERCEPT_OUT_LINK,		/* at most size bytes at addr, their count */
	INTERCEPT_OUT_SOCKET,		/* the fd, installed over the target's sockfd */
};

/* One notification, and what decoding it found. */
struct intercept_call {
	uid_t			uid;		/* the sandbox's (set by the broker) */
	struct seccomp_notif	n;
	enum intercept_out	out;
	uint64_t		addr, size;
	bool			cloexec;	/* the installed fd's FD_CLOEXEC */
	int			fl;		/* status flags to add (O_NONBLOCK...) */
	int			sockfd;		/* connect's socket, in the target */
	uint64_t		sock_ino;	/* and its inode */
	char			path[2][SBX_PATH_MAX];	/* absolute, as the sandbox named them */
};

/* The sandbox's own mounts (mount ids), read once: a directory fd or
 * working directory elsewhere is a host directory the broker handed out. */
#define INTERCEPT_VIEW_MOUNTS_MAX 512
struct intercept_view {
	size_t		n;
	uint32_t	mnt_ids[INTERCEPT_VIEW_MOUNTS_MAX];
};
/* From /proc/PID/mountinfo of a process in the sandbox's mount namespace. */
int intercept_view_load(pid_t pid, struct intercept_view *v);

/* intercept_decode(): let the kernel perform the call itself. */
#define INTERCEPT_CONTINUE 1

/* The next notification, or -ENOENT if the call went away first (a
 * signal, the target's end). Call only once poll(2) said the listener is
 * readable: otherwise this waits. */
int intercept_recv(int listener, struct intercept_call *c);
/* Reads the call's arguments from the target (bounded, through its
 * memory), resolves its paths as the sandbox sees them and fills req (its
 * strings point into c): 0, INTERCEPT_CONTINUE for a call that names no
 * [Broker] path or address, -EXDEV for a path relative to a host
 * directory the broker handed out that leaves its rule, -ENOENT if the
 * call went away meanwhile (no
 * answer then), or another negative errno to answer at once. May block
 * (target memory backed by a stalled file system). */
int intercept_decode(int listener, const struct policy *p, const struct intercept_view *v,
    struct intercept_call *c, struct broker_request *req);
/* Answers with the broker's result k (an fd, 0, or a negative errno), the
 * stat or link text it made; takes fd (>= 0) in all cases. 0, or a
 * negative errno (-ENOENT: the call is gone, nothing was installed). */
int intercept_reply(int listener, const struct intercept_call *c, int k, int fd,
    const struct stat *st, const char *link);
/* Error, or CONTINUE if error is 0; never blocks. */
int intercept_answer(int listener, uint64_t id, int error);
/* For naming and learning: the path the call names (its first, for two),
 * absolute as the sandbox sees it, and what the call does there (LEARN_*
 * of learn.h): 0, or -ENOENT for none (no such call, an unreadable path,
 * one relative to a host directory the broker handed out). Reads the
 * target's memory: may block. */
int intercept_path_of(const struct intercept_call *c, const struct intercept_view *v, char *out,
    unsigned *ret_kinds);
/* Whether path (absolute) exists in the caller's view (nofollow: its last
 * component, a symbolic link or not): 1, 0 (ENOENT or ENOTDIR), or a
 * negative errno (the caller is gone: -ENOENT). */
int intercept_in_view(const struct intercept_call *c, int listener, const char *path,
    bool nofollow);
/* 0 if this kernel can install an fd as a call's result
 * (SECCOMP_ADDFD_FLAG_SEND, 5.14), else -EOPNOTSUPP. */
int intercept_probe(int listener);
