/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf.h"

uint32_t
bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {}, written = 0;

	/* What the kernel's checker (seccomp_check_filter(), bpf_check_classic())
	 * refuses at load is a kill here: reading a memory word no store wrote
	 * on the way, MOD, a constant division by 0, a constant shift of 32 or
	 * more. */
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &prog[pc];
		uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;
		size_t skip;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (i->code == (BPF_LD | BPF_W | BPF_ABS)) {
				if (k % 4 != 0 || k > sizeof(*d) - 4)
					return SECCOMP_RET_KILL_PROCESS;
				memcpy(&a, (const char *) d + k, 4);
			} else if (i->code == (BPF_LD | BPF_W | BPF_LEN))
				a = sizeof(*d);
			else if (i->code == (BPF_LD | BPF_IMM))
				a = k;
			else if (i->code == (BPF_LD | BPF_MEM) && k < BPF_MEMWORDS &&
			    (written & (1u << k)))
				a = mem[k];
			else
				return SECCOMP_RET_KILL_PROCESS;
			break;
		case BPF_LDX:
			if (i->code == (BPF_LDX | BPF_W | BPF_LEN))
				x = sizeof(*d);
			else if (i->code == (BPF_LDX | BPF_IMM))
				x = k;
			else if (i->code == (BPF_LDX | BPF_MEM) && k < BPF_MEMWORDS &&
			    (written & (1u << k)))
				x = mem[k];
			else
				return SECCOMP_RET_KILL_PROCESS;
			break;
		case BPF_ST:
		case BPF_STX:
			if (i->code != BPF_ST && i->code != BPF_STX)
				return SECCOMP_RET_KILL_PROCESS;
			if (k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			mem[k] = i->code == BPF_ST ? a : x;
			written |= 1u << k;
			break;
		case BPF_ALU:
			if (BPF_SRC(i->code) == BPF_K &&
			    ((BPF_OP(i->code) == BPF_DIV && k == 0) ||
			    ((BPF_OP(i->code) == BPF_LSH || BPF_OP(i->code) == BPF_RSH) && k >= 32)))
				return SECCOMP_RET_KILL_PROCESS;
			switch (BPF_OP(i->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV:
				if (src == 0)
					return 0;	/* the kernel's: the program returns 0 */
				a /= src;
				break;
			case BPF_OR: a |= src; break;
			case BPF_AND: a &= src; break;
			case BPF_XOR: a ^= src; break;
			/* By X, as the kernel's interpreter: modulo 32. */
			case BPF_LSH: a <<= src & 31; break;
			case BPF_RSH: a >>= src & 31; break;
			case BPF_NEG: a = -a; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_JMP:
			switch (BPF_OP(i->code)) {
			case BPF_JA: skip = k; break;
			case BPF_JEQ: skip = a == src ? i->jt : i->jf; break;
			case BPF_JGT: skip = a > src ? i->jt : i->jf; break;
			case BPF_JGE: skip = a >= src ? i->jt : i->jf; break;
			case BPF_JSET: skip = (a & src) ? i->jt : i->jf; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			if (skip >= len - pc - 1)
				return SECCOMP_RET_KILL_PROCESS;
			pc += skip;
			break;
		case BPF_RET:
			if (BPF_RVAL(i->code) == BPF_K)
				return k;
			if (BPF_RVAL(i->code) == BPF_A)
				return a;
			return SECCOMP_RET_KILL_PROCESS;
		case BPF_MISC:
			if (i->code == (BPF_MISC | BPF_TAX))
				x = a;
			else if (i->code == (BPF_MISC | BPF_TXA))
				a = x;
			else
				return SECCOMP_RET_KILL_PROCESS;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS;
}

int
bpf_notify_filter(const struct sock_filter *prog, size_t len, unsigned notify,
    const struct sock_filter *tail, size_t tail_len, struct sock_filter **ret, size_t *ret_len)
{
	struct sock_filter *out;
	size_t n = len + (tail ? tail_len : 0);

	if (len == 0 || n > BPF_MAXINSNS)
		return -E2BIG;
	out = malloc(n * sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out, prog, len * sizeof(*out));
	if (tail)
		memcpy(out + len, tail, tail_len * sizeof(*out));
	for (size_t i = 0; i < len; i++) {
		uint32_t action;

		if (BPF_CLASS(out[i].code) != BPF_RET)
			continue;
		if (BPF_RVAL(out[i].code) != BPF_K) {
			free(out);
			return -EINVAL;
		}
		action = out[i].k & SECCOMP_RET_ACTION_FULL;
		if ((action == SECCOMP_RET_ERRNO && (notify & BPF_NOTIFY_ERRNO) &&
		    !((notify & BPF_NOTIFY_KEEP_ENOSYS) && (out[i].k & SECCOMP_RET_DATA) == ENOSYS)) ||
		    ((action == SECCOMP_RET_KILL_PROCESS || action == SECCOMP_RET_KILL_THREAD) &&
		    (notify & BPF_NOTIFY_KILL)))
			out[i].k = SECCOMP_RET_USER_NOTIF;
		else if (action == SECCOMP_RET_ALLOW && tail)
			out[i] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA,
			    (uint32_t) (len - i - 1), 0, 0);
	}
	*ret = out;
	*ret_len = n;
	return 0;
}
