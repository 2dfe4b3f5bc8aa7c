/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Classic BPF of seccomp filters, in user space: running a compiled
 * policy's program on a notified call's data (the broker answers a
 * refusal it was handed with the errno the policy gives), and composing
 * the one filter a target installs (the kernel allows one listener per
 * task). Pure.
 */
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the program returns for d, as the kernel would (SECCOMP_RET_*).
 * An instruction seccomp does not accept, a load outside the data, or a
 * jump or an end outside the program: SECCOMP_RET_KILL_PROCESS. */
uint32_t bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *d);

/* Which of a program's returns bpf_notify_filter() turns into
 * SECCOMP_RET_USER_NOTIF. */
#define BPF_NOTIFY_ERRNO	(1u << 0)
#define BPF_NOTIFY_KILL		(1u << 1)	/* thread and process */
/* With BPF_NOTIFY_ERRNO: leave the errno returns of ENOSYS alone. */
#define BPF_NOTIFY_KEEP_ENOSYS	(1u << 2)

/*
 * Into *ret (malloc'd): prog, in which each errno return and each kill
 * return becomes SECCOMP_RET_USER_NOTIF as notify says, and
 * each allow return, when tail is given, a jump to tail's first
 * instruction, which follows prog. -E2BIG past BPF_MAXINSNS, -EINVAL for a
 * program that returns its accumulator (libseccomp's never do).
 */
int bpf_notify_filter(const struct sock_filter *prog, size_t len, unsigned notify,
    const struct sock_filter *tail, size_t tail_len, struct sock_filter **ret, size_t *ret_len);
