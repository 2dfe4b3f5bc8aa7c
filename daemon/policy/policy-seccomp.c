/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policy compilation: policy_compile() turns the expanded system call
 * list into classic BPF with libseccomp and keeps only the BPF program
 * (p->bpf), so that the forked child merely calls seccomp(2) on a ready
 * buffer. The BPF passes through a memfd (seccomp_export_bpf()).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "policy.h"
#include "policy-internal.h"
#include "syscall-groups.h"
#include "bpf.h"


static void
seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/*
 * Rules pass through a sink, which ANDs each of the daemon's own allow
 * rules for a call (its floor: ioctl's requests, socket's families, ...)
 * with the conditions of the policy's rule being compiled, if any.
 * Refusals of the floor are added once per call, as they are.
 */
struct rule_sink {
	scmp_filter_ctx			ctx;
	int				nr;
	const struct scmp_arg_cmp	*user;		/* the policy's conditions, or none */
	unsigned			n_user;
	bool				refusals;	/* add the floor's refusals */
	unsigned			n_allowed;	/* allow rules added */
	int				conflict;	/* >= 0: an argument both compare */
	unsigned			*n_total;	/* rules with conditions, whole policy */
};

static bool
cmp_holds(const struct scmp_arg_cmp *c, uint64_t x)
{
	switch (c->op) {
	case SCMP_CMP_EQ:		return x == c->datum_a;
	case SCMP_CMP_NE:		return x != c->datum_a;
	case SCMP_CMP_LT:		return x < c->datum_a;
	case SCMP_CMP_LE:		return x <= c->datum_a;
	case SCMP_CMP_GT:		return x > c->datum_a;
	case SCMP_CMP_GE:		return x >= c->datum_a;
	case SCMP_CMP_MASKED_EQ:	return (x & c->datum_a) == c->datum_b;
	default:			return false;
	}
}

/* A comparison only one value passes: *ret is that value. */
static bool
cmp_point(const struct scmp_arg_cmp *c, uint64_t *ret)
{
	if (c->op == SCMP_CMP_EQ)
		*ret = c->datum_a;
	else if (c->op == SCMP_CMP_MASKED_EQ && c->datum_a == UINT64_MAX)
		*ret = c->datum_b;
	else
		return false;
	return true;
}

/*
 * *f AND u, for one argument, into *f: 1, or 0 when nothing passes both,
 * or -1 when libseccomp cannot say it in one comparison. A floor's
 * comparison of the low 32 bits with one value (ioctl's request,
 * fadvise64's advice: ints, which the kernel reads as 32 bits) is kept
 * when u holds for that value.
 */
static int
cmp_meet(struct scmp_arg_cmp *f, const struct scmp_arg_cmp *u)
{
	uint64_t x;

	if (cmp_point(u, &x)) {
		if (!cmp_holds(f, x))
			return 0;
		*f = *u;
		return 1;
	}
	if (cmp_point(f, &x) || (f->op == SCMP_CMP_MASKED_EQ && f->datum_a == UINT32_MAX &&
	    (x = f->datum_b, true)))
		return cmp_holds(u, x) ? 1 : 0;
	if (f->op == SCMP_CMP_MASKED_EQ && u->op == SCMP_CMP_MASKED_EQ) {
		if ((f->datum_b & u->datum_a) != (u->datum_b & f->datum_a))
			return 0;
		f->datum_a |= u->datum_a;
		f->datum_b |= u->datum_b;
		return 1;
	}
	return -1;
}

static int
sink_add(struct rule_sink *s, uint32_t action, unsigned n, const struct scmp_arg_cmp *floor)
{
	struct scmp_arg_cmp v[POLICY_ARGS_MAX];
	unsigned nv = n;

	assert(n <= POLICY_ARGS_MAX);
	if (action != SCMP_ACT_ALLOW)
		return s->refusals ? seccomp_rule_add_exact_array(s->ctx, action, s->nr, n, floor) : 0;
	if (n > 0)
		memcpy(v, floor, n * sizeof(*v));
	for (unsigned i = 0; i < s->n_user; i++) {
		unsigned j = 0;
		int r;

		while (j < nv && v[j].arg != s->user[i].arg)
			j++;
		if (j == nv) {
			assert(nv < POLICY_ARGS_MAX);
			v[nv++] = s->user[i];
			continue;
		}
		r = cmp_meet(&v[j], &s->user[i]);
		if (r < 0)
			s->conflict = (int) s->user[i].arg;
		if (r <= 0)
			return 0;
	}
	s->n_allowed++;
	if (s->n_total)
		++*s->n_total;
	return seccomp_rule_add_exact_array(s->ctx, action, s->nr, nv, v);
}

/*
 * ioctl() is allowed for the requests of allowed_ioctls[] only: terminal
 * state and size, the pseudo-terminal calls, a descriptor's flags and
 * pending bytes, interface queries (no change: the sandbox's network has
 * nothing to change), a file's flags and extents, and cloning a file's
 * extents (cp's reflink). Every other request gets the policy's action:
 * TIOCSTI and TIOCLINUX (pushing input into a terminal the target shares
 * with its owner), TIOCSETD (the line discipline: kernel code for the
 * owner's terminal chosen by the target), the console, the devices.
 *
 * The kernel reads the request as 32 bits: each is compared on the low
 * 32, so TIOCSTI | (1 << 32) is TIOCSTI.
 */
/* <asm/termbits.h>'s struct termios2 (44 bytes), whose header clashes
 * with <termios.h>: glibc 2.42 and later set speeds with these. */
#define TERMIOS2_SIZE	44
#define TCGETS2_	_IOC(_IOC_READ, 'T', 0x2A, TERMIOS2_SIZE)
#define TCSETS2_	_IOC(_IOC_WRITE, 'T', 0x2B, TERMIOS2_SIZE)
#define TCSETSW2_	_IOC(_IOC_WRITE, 'T', 0x2C, TERMIOS2_SIZE)
#define TCSETSF2_	_IOC(_IOC_WRITE, 'T', 0x2D, TERMIOS2_SIZE)

static const uint32_t allowed_ioctls[] = {
	/* Terminals: termios, window size, process group, queues. */
	TCGETS, TCSETS, TCSETSW, TCSETSF, TCGETA, TCSETA, TCSETAW, TCSETAF, TCGETS2_, TCSETS2_,
	TCSETSW2_, TCSETSF2_, TCSBRK, TCSBRKP, TCXONC, TCFLSH, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP,
	TIOCSPGRP, TIOCGSID, TIOCOUTQ, TIOCGETD, TIOCEXCL, TIOCNXCL, TIOCGEXCL,
	/* Pseudo-terminals the sandbox opens on its own /dev/ptmx. */
	TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER, TIOCPKT, TIOCGPKT, TIOCSCTTY, TIOCNOTTY,
	/* Any descriptor. */
	FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC, FIOQSIZE,
	/* Sockets: what they hold, their interfaces (read only). */
	SIOCATMARK, SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR,
	SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFMTU, SIOCGIFHWADDR,
	SIOCGSTAMP, SIOCGSTAMPNS,
	/* Files. */
	FIGETBSZ, FS_IOC_GETFLAGS, FS_IOC_GETVERSION, FS_IOC_FIEMAP, FICLONE, FICLONERANGE,
};

bool
policy_ioctl_allowed(uint64_t request)
{
	for (size_t i = 0; i < ELEMENTSOF(allowed_ioctls); i++)
		if ((uint32_t) request == allowed_ioctls[i])
			return true;
	return false;
}

static int
add_ioctl_rules(struct rule_sink *s, uint32_t def)
{
	int r;

	/* TIOCSTI and TIOCLINUX fail with EPERM whatever the policy's action,
	 * as they always have (a kill for a terminal's probe is harsh). */
	static const uint32_t eperm_ioctls[] = { TIOCSTI, TIOCLINUX };

	for (size_t i = 0; i < ELEMENTSOF(allowed_ioctls); i++) {
		r = sink_add(s, SCMP_ACT_ALLOW, 1, &SCMP_A1(SCMP_CMP_MASKED_EQ, UINT32_MAX,
		    allowed_ioctls[i]));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; def != SCMP_ACT_ERRNO(EPERM) && i < ELEMENTSOF(eperm_ioctls); i++) {
		r = sink_add(s, SCMP_ACT_ERRNO(EPERM), 1, &SCMP_A1(SCMP_CMP_MASKED_EQ, UINT32_MAX,
		    eperm_ioctls[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * mknod() and mknodat() make FIFOs only (mkfifo(3)): the file type bits
 * of the mode, argument mode_arg, must say S_IFIFO. The kernel reads the
 * mode as a 16-bit umode_t, so the bits above it cannot smuggle another
 * type past the mask. A device node would fail anyway (a user namespace
 * gives no CAP_MKNOD over the host's devices, and /tmp is nodev); sockets
 * and regular files have their own calls. Anything else gets the
 * policy's action.
 */
static int
add_mknod_rule(struct rule_sink *s, unsigned mode_arg)
{
	return sink_add(s, SCMP_ACT_ALLOW, 1, &SCMP_CMP(mode_arg, SCMP_CMP_MASKED_EQ, S_IFMT,
	    S_IFIFO));
}

/*
 * fadvise64() with any advice but POSIX_FADV_DONTNEED, which drops clean
 * pages of the file from the page cache: those of a file bound read-only
 * are the host's, whose other users would read it from disk again (a
 * side channel on what they read, and a slowdown). The advice (argument
 * 3, an int) is compared on its low 32 bits, as the kernel reads it;
 * DONTNEED and values no advice has get the policy's action.
 */
static int
add_fadvise_rules(struct rule_sink *s)
{
	static const uint32_t allowed[] = {
		POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL, POSIX_FADV_WILLNEED,
		POSIX_FADV_NOREUSE,
	};
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(allowed); i++)
		r = sink_add(s, SCMP_ACT_ALLOW, 1, &SCMP_A3(SCMP_CMP_MASKED_EQ, UINT32_MAX,
		    allowed[i]));
	return r;
}

/* Linux 6.3's <linux/memfd.h>, newer than Debian 12's. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

/* Whether this kernel seals memfds against execution: MFD_NOEXEC_SEAL came
 * with vm.memfd_noexec (Linux 6.3), which the daemon sets to 2 in each
 * sandbox's pid namespace (pidns-sysctl.c). Asked with memfd_create(2),
 * which compiling makes anyway (export_bpf()), so that policy check's
 * confined compiler can ask too. */
static bool
kernel_seals_memfds(void)
{
	static int seals = -1;	/* asked once, not for every policy compiled */
	int fd;

	if (seals < 0) {
		fd = memfd_create("probe", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
		seals = fd >= 0;
		if (fd >= 0)
			(void) close(fd);
	}
	return seals;
}

/*
 * socket() and socketpair() for the families RestrictAddressFamilies=
 * names (argument 0) and, for AF_NETLINK, the protocols RestrictNetlink=
 * names (argument 2). The type (argument 1, with its SOCK_CLOEXEC and
 * SOCK_NONBLOCK flags) is not looked at.
 *
 * A family refused fails with EAFNOSUPPORT, a netlink protocol refused
 * with EPROTONOSUPPORT, whatever Action= says: what the kernel says of a
 * family or protocol it does not have, so that programs take their way
 * for "not here" (glibc's resolver, for one, does without netlink) rather
 * than fail as on an error. As for ioctl(), the rules do not overlap and
 * together cover every value: one per value below AF_MAX (MAX_LINKS), and
 * one for everything from there up. Each compares all 64 bits, so a
 * value the kernel would truncate to an allowed family is refused too.
 */
static int
add_socket_rules(struct rule_sink *s, const struct policy *p, uint32_t def)
{
	const uint32_t no_family = SCMP_ACT_ERRNO(EAFNOSUPPORT);
	const uint32_t no_protocol = SCMP_ACT_ERRNO(EPROTONOSUPPORT);
	int r;

	for (int f = 0; f < AF_MAX; f++) {
		bool allowed = p->socket_families & (UINT64_C(1) << f);

		if (allowed && f == AF_NETLINK) {
			for (int n = 0; n < MAX_LINKS; n++) {
				uint32_t a = p->netlink_protocols & (UINT32_C(1) << n) ?
				    SCMP_ACT_ALLOW : no_protocol;

				if (a == def)
					continue;
				r = sink_add(s, a, 2, (struct scmp_arg_cmp[]) {
				    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) f),
				    SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t) n) });
				if (r < 0)
					return r;
			}
			if (no_protocol == def)
				continue;
			r = sink_add(s, no_protocol, 2, (struct scmp_arg_cmp[]) {
			    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) f),
			    SCMP_A2(SCMP_CMP_GE, (scmp_datum_t) MAX_LINKS) });
		} else if (allowed)
			r = sink_add(s, SCMP_ACT_ALLOW, 1, &SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) f));
		else if (no_family != def)
			r = sink_add(s, no_family, 1, &SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) f));
		else
			r = 0;
		if (r < 0)
			return r;
	}
	if (no_family == def)
		return 0;
	return sink_add(s, no_family, 1, &SCMP_A0(SCMP_CMP_GE, (scmp_datum_t) AF_MAX));
}

/* The rules for system call name (s->nr) that the daemon ANDs with what
 * the policy says of its arguments. */
static int
add_floor(struct rule_sink *s, const struct policy *p, const char *name, uint32_t def)
{
	if (strcmp(name, "clone") == 0)
		return sink_add(s, SCMP_ACT_ALLOW, 1, &SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NS_FLAGS, 0));
	if (strcmp(name, "ioctl") == 0)
		return add_ioctl_rules(s, def);
	if (strcmp(name, "socket") == 0 || strcmp(name, "socketpair") == 0)
		return add_socket_rules(s, p, def);
	if (strcmp(name, "mknod") == 0 || strcmp(name, "mknodat") == 0)
		return add_mknod_rule(s, strcmp(name, "mknod") == 0 ? 1 : 2);
	if (strcmp(name, "fadvise64") == 0)
		return add_fadvise_rules(s);
	/* execveat(2) where the kernel cannot seal memfds (above) and the
	 * policy does not say MemoryExecutables=yes: only without
	 * AT_EMPTY_PATH. With it the call runs a descriptor (fexecve(3)), a
	 * memfd's program that exists in memory only: that gets the policy's
	 * action. What such a kernel still lets through, execve() of
	 * /proc/self/fd/N, seccomp cannot see (sandboxd says so at start). */
	if (strcmp(name, "execveat") == 0 && !p->memory_executables && !kernel_seals_memfds())
		return sink_add(s, SCMP_ACT_ALLOW, 1, &SCMP_A4(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
	return sink_add(s, SCMP_ACT_ALLOW, 0, NULL);
}

/*
 * The values in [lo, UINT32_MAX] as comparisons of libseccomp's, each
 * the bits above a block of aligned values (as routes are written):
 * at most 32 of them.
 */
static unsigned
blocks_to_u32_max(unsigned arg, uint64_t lo, struct scmp_arg_cmp *v)
{
	unsigned n = 0;

	while (lo <= UINT32_MAX) {
		uint64_t size = lo == 0 ? UINT64_C(1) << 32 : lo & -lo;

		while (lo + size - 1 > UINT32_MAX)
			size >>= 1;
		v[n++] = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, ~(size - 1), lo);
		lo += size;
	}
	return n;
}

#define ALTERNATIVES_MAX	33
#define CONJUNCTIONS_MAX	1024
/* What conditions may add to a policy's filter, in libseccomp's rules:
 * its compile time grows faster than their number (4096 take about a
 * second), and the kernel runs 4096 instructions at most anyway. */
#define ARG_RULES_COMPILED_MAX	4096

/*
 * A comparison as libseccomp's, which compare all 64 bits. Most
 * arguments are ints, of which the kernel reads only the low 32 bits:
 * for ==, <, <= and & MASK == that is as safe (a value with high bits
 * set fails, or the mask ignores them), but a value with high bits set
 * would pass !=, > and >= while the kernel saw a number that does not.
 * So against a value below 2^32 those also require the high bits clear,
 * as the union of the blocks of values that pass (and below it, for !=).
 */
static unsigned
alternatives(const struct policy_arg_cmp *c, struct scmp_arg_cmp *v)
{
	static const enum scmp_compare ops[] = {
		[POLICY_ARG_EQ] = SCMP_CMP_EQ, [POLICY_ARG_NE] = SCMP_CMP_NE,
		[POLICY_ARG_LT] = SCMP_CMP_LT, [POLICY_ARG_LE] = SCMP_CMP_LE,
		[POLICY_ARG_GT] = SCMP_CMP_GT, [POLICY_ARG_GE] = SCMP_CMP_GE,
		[POLICY_ARG_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};
	bool wide = c->value > UINT32_MAX;
	unsigned n = 0;

	switch (c->op) {
	case POLICY_ARG_NE:
		if (wide)
			break;
		if (c->value > 0)
			v[n++] = SCMP_CMP(c->arg, SCMP_CMP_LT, c->value);
		return n + blocks_to_u32_max(c->arg, c->value + 1, v + n);
	case POLICY_ARG_GT:
		return wide ? (v[0] = SCMP_CMP(c->arg, SCMP_CMP_GT, c->value), 1) :
		    blocks_to_u32_max(c->arg, c->value + 1, v);
	case POLICY_ARG_GE:
		return wide ? (v[0] = SCMP_CMP(c->arg, SCMP_CMP_GE, c->value), 1) :
		    blocks_to_u32_max(c->arg, c->value, v);
	case POLICY_ARG_MASKED_EQ:
		v[0] = SCMP_CMP(c->arg, SCMP_CMP_MASKED_EQ, c->mask, c->value);
		return 1;
	default:
		break;
	}
	v[0] = SCMP_CMP(c->arg, ops[c->op], c->value);
	return 1;
}

/* The first rule with a's system call. */
static const struct policy_arg_rule *
first_arg_rule(const struct policy *p, const struct policy_arg_rule *a)
{
	for (size_t i = 0; i < p->n_arg_rules; i++)
		if (strcmp(p->arg_rules[i].syscall, a->syscall) == 0)
			return &p->arg_rules[i];
	return a;
}

static void
arg_rule_text(const struct policy_arg_rule *a, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s(", a->syscall);

	for (size_t i = 0; i < a->n_cmps && n >= 0 && (size_t) n < size; i++) {
		const struct policy_arg_cmp *c = &a->cmps[i];

		if (c->op == POLICY_ARG_MASKED_EQ)
			n += snprintf(buf + n, size - (size_t) n, "%sarg%u & %#llx == %#llx",
			    i ? ", " : "", c->arg, (unsigned long long) c->mask,
			    (unsigned long long) c->value);
		else
			n += snprintf(buf + n, size - (size_t) n, "%sarg%u %s %#llx", i ? ", " : "",
			    c->arg, policy_arg_op_to_string(c->op), (unsigned long long) c->value);
	}
	if (n >= 0 && (size_t) n < size)
		(void) snprintf(buf + n, size - (size_t) n, ")");
}

/* One Allow=NAME(...) rule: each combination of its comparisons'
 * alternatives, ANDed with the floor. */
static int
add_arg_rule(scmp_filter_ctx ctx, const struct policy *p, const struct policy_arg_rule *a,
    const struct policy_arg_rule *first, uint32_t def, unsigned *n_total,
    struct ini_error *err)
{
	struct scmp_arg_cmp alts[POLICY_ARGS_MAX][ALTERNATIVES_MAX], conj[POLICY_ARGS_MAX];
	unsigned n_alts[POLICY_ARGS_MAX], pick[POLICY_ARGS_MAX] = {};
	struct rule_sink sink = { ctx, seccomp_syscall_resolve_name(a->syscall), .conflict = -1,
	    .n_total = n_total };
	size_t total = 1;
	char text[256];
	int r;

	arg_rule_text(a, text, sizeof(text));
	err->line = a->line;
	if (sink.nr < 0) {
		log_debug("System call '%s' does not exist on this architecture, skipping.",
		    a->syscall);
		return 0;
	}
	for (size_t i = 0; i < a->n_cmps; i++) {
		n_alts[i] = alternatives(&a->cmps[i], alts[i]);
		if (n_alts[i] == 0)
			return error_msg_setf(&err->msg, EINVAL, "%s: arg%u %s %#llx never holds",
			    text, a->cmps[i].arg, policy_arg_op_to_string(a->cmps[i].op),
			    (unsigned long long) a->cmps[i].value);
		total *= n_alts[i];
		if (total > CONJUNCTIONS_MAX)
			return error_msg_setf(&err->msg, E2BIG, "%s: too many comparisons to compile "
			    "(!=, > and >= on 32-bit values cost up to 33 each): split the rule",
			    text);
	}
	sink.user = conj;
	sink.n_user = (unsigned) a->n_cmps;
	for (size_t k = 0; k < total; k++) {
		for (size_t i = 0; i < a->n_cmps; i++)
			conj[i] = alts[i][pick[i]];
		/* The floor's refusals once for each system call. */
		sink.refusals = a == first && k == 0;
		r = add_floor(&sink, p, a->syscall, def);
		if (r < 0)
			return error_msg_setf(&err->msg, -r, "cannot add a seccomp rule for %s: %s",
			    text, strerror(-r));
		if (*n_total > ARG_RULES_COMPILED_MAX)
			return error_msg_setf(&err->msg, E2BIG, "%s: the policy's conditions make "
			    "more than %u filter rules (each !=, > and >= up to 33, times the "
			    "requests or families sandboxd allows for ioctl or socket): simplify them",
			    text, ARG_RULES_COMPILED_MAX);
		for (size_t i = 0; i < a->n_cmps && ++pick[i] == n_alts[i]; i++)
			pick[i] = 0;
	}
	if (sink.conflict >= 0)
		return error_msg_setf(&err->msg, EINVAL, "%s: sandboxd restricts arg%d of %s "
		    "itself, and can only combine that with ==, or with & MASK == where it "
		    "checks flags", text, sink.conflict, a->syscall);
	if (sink.n_allowed == 0)
		return error_msg_setf(&err->msg, EINVAL, "%s never allows anything: sandboxd "
		    "refuses every value it passes (see sandboxd.policy(5), SYSTEM CALLS)", text);
	err->line = 0;
	return 0;
}

/* The BPF of ctx, through a memfd, into *ret (malloc'd). */
static int
export_bpf(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_len, struct ini_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct sock_filter *bpf = NULL;
	struct stat st;
	ssize_t k;
	int r;

	fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return error_msg_setf(&err->msg, -r, "cannot export the seccomp filter: %s",
		    strerror(-r));
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return error_msg_setf(&err->msg, E2BIG, "the system call filter is %lld "
		    "instructions, more than the kernel's %u", (long long) st.st_size /
		    (long long) sizeof(struct sock_filter), BPF_MAXINSNS);
	bpf = malloc((size_t) st.st_size);
	if (!bpf)
		return -ENOMEM;
	k = pread(fd, bpf, (size_t) st.st_size, 0);
	if (k < 0)
		return negative_errno();
	if (k != st.st_size)
		return -EIO;
	free(*ret);
	*ret = TAKE_PTR(bpf);
	*ret_len = (size_t) st.st_size / sizeof(struct sock_filter);
	return 0;
}

static int
compile_notify(struct policy *p, struct ini_error *err);

/* @xattr's calls. */
static const char *const xattr_writes[] = {
	"fremovexattr", "fsetxattr", "lremovexattr", "lsetxattr", "removexattr", "setxattr",
};

/* After the filter is in, the target still calls execve(2), and write(2)
 * and exit_group(2) when that fails, before anybody serves the listener
 * (its init hands it over once the target has exec'd). */
static const char *const after_filter[] = { "execve", "write", "exit_group" };

/* The first of after_filter[] that prog does not allow outright, or NULL. */
static const char *
refused_after(const struct sock_filter *prog, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(after_filter); i++) {
		struct seccomp_data d = {
			.nr = seccomp_syscall_resolve_name(after_filter[i]),
			.arch = seccomp_arch_native(),
		};

		if (bpf_run(prog, len, &d) != SECCOMP_RET_ALLOW)
			return after_filter[i];
	}
	return NULL;
}

int
policy_compile(struct policy *p, struct ini_error *err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	struct ini_error dummy;
	bool clone_allowed = false;
	unsigned n_arg_compiled = 0;
	uint32_t def;
	int r;

	if (!err)
		err = &dummy;
	err->line = 0;
	err->message[0] = '\0';
	if (!p)
		return -EINVAL;

	def = p->syscall_errno > 0 ? SCMP_ACT_ERRNO((uint32_t) p->syscall_errno) :
	    SCMP_ACT_KILL_PROCESS;
	ctx = seccomp_init(def);
	if (!ctx)
		return error_msg_setf(&err->msg, ENOMEM, "seccomp_init() failed");
	/* Any other ABI (i386 via int 0x80, x32) kills: the filter only
	 * speaks the native one. The daemon sets no_new_privs itself. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		return error_msg_setf(&err->msg, -r, "cannot set seccomp filter attributes: %s",
		    strerror(-r));

	for (char **s = p->syscalls; s && *s; s++) {
		int nr = seccomp_syscall_resolve_name(*s);
		struct rule_sink sink = { ctx, nr, .refusals = true, .conflict = -1 };

		if (syscall_is_forbidden(*s))
			return error_msg_setf(&err->msg, EINVAL, "'%s' is never allowed", *s);
		if (nr < 0) {
			log_debug("System call '%s' does not exist on this architecture, skipping.",
			    *s);
			continue;
		}
		clone_allowed = clone_allowed || strcmp(*s, "clone") == 0;
		r = add_floor(&sink, p, *s, def);
		if (r < 0)
			return error_msg_setf(&err->msg, -r,
			    "cannot add a seccomp rule for '%s': %s", *s, strerror(-r));
	}
	for (size_t i = 0; i < p->n_arg_rules; i++) {
		const struct policy_arg_rule *a = &p->arg_rules[i];

		/* Allowed whatever its arguments: the conditions add nothing. */
		if (policy_allows_syscall(p, a->syscall))
			continue;
		clone_allowed = clone_allowed || strcmp(a->syscall, "clone") == 0;
		r = add_arg_rule(ctx, p, a, first_arg_rule(p, a), def, &n_arg_compiled, err);
		if (r < 0)
			return r;
	}
	/* Extended attributes a policy does not let the target set or remove
	 * fail as on a file system without them, which programs that copy
	 * them (cp -a, tar --xattrs) take for "not here" and go on. */
	for (size_t i = 0; i < ELEMENTSOF(xattr_writes); i++) {
		int nr = seccomp_syscall_resolve_name(xattr_writes[i]);

		if (nr < 0 || policy_names_syscall(p, xattr_writes[i]) ||
		    def == SCMP_ACT_ERRNO(EOPNOTSUPP))
			continue;
		r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), nr, 0);
		if (r < 0)
			return error_msg_setf(&err->msg, -r,
			    "cannot add a seccomp rule for '%s': %s", xattr_writes[i], strerror(-r));
	}
	/* clone3() passes its flags in memory seccomp cannot read; glibc falls
	 * back to clone() on ENOSYS, where the flags are checked. */
	if (clone_allowed && (def != SCMP_ACT_ERRNO(ENOSYS))) {
		r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
		if (r < 0)
			return error_msg_setf(&err->msg, -r,
			    "cannot add a seccomp rule for 'clone3': %s", strerror(-r));
	}

	r = export_bpf(ctx, &p->bpf, &p->bpf_len, err);
	return r < 0 ? r : compile_notify(p, err);
}

/*
 * The system calls [Broker] Intercept=yes hands to the broker (intercept.c
 * decodes each of them): those that name a path, and connect(2). The
 * filter notifies on all of them, whatever the path; the broker lets the
 * kernel perform those that name no [Broker] path. It allows everything
 * else, other ABIs included: deciding is the policy's filter's, which the
 * kernel runs too and whose errno or kill takes precedence over a
 * notification.
 */
static const char *const intercepted_syscalls[] = {
	"open", "openat", "openat2", "creat",
	"stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
	"readlink", "readlinkat",
	"mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
	"connect",
	/* The broker has no extended attributes: on a [Broker] path these
	 * answer ENOTSUP, as a file system without them does. */
	"getxattr", "lgetxattr", "listxattr", "llistxattr",
	"setxattr", "lsetxattr", "removexattr", "lremovexattr",
};

/*
 * Learning observes execve(2), but not the target's own: it makes that one
 * before anybody serves the listener (init hands it over after), so it
 * would wait for ever. These instructions, ahead of the learning tail,
 * let through the execve() whose envp is the target's own, a pointer the
 * target patches into them (POLICY_LEARN_EXEC_AT: the low half there,
 * the high half two instructions on) before it installs the filter. The
 * exec that follows replaces the memory the pointer points into; a later
 * call that passes the same number only goes unobserved, and the policy's
 * own program before it still decides.
 */
static int
prepend_exec_exemption(struct sock_filter **tail, size_t *len)
{
	const uint32_t arg2 = offsetof(struct seccomp_data, args[2]);
	const struct sock_filter head[POLICY_LEARN_EXEC_LEN] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) SCMP_SYS(execve), 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),		/* the low half */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg2 + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),		/* the high half */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter *v;

	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "args[2]'s low half first");
	v = malloc((*len + ELEMENTSOF(head)) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, head, sizeof(head));
	memcpy(v + ELEMENTSOF(head), *tail, *len * sizeof(*v));
	free(*tail);
	*tail = v;
	*len += ELEMENTSOF(head);
	return 0;
}

/* The notifying filter's tail for [Broker] Intercept= (intercepted_syscalls),
 * and with learn the calls a learning sandbox's paths are seen through
 * too. */
static int
build_tail(bool learn, struct sock_filter **ret, size_t *ret_len, struct ini_error *err)
{
	static const char *const observed[] = { "chdir", "execve", "execveat" };
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return error_msg_setf(&err->msg, ENOMEM, "seccomp_init() failed");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(intercepted_syscalls); i++) {
		const char *name = intercepted_syscalls[i];
		int nr = seccomp_syscall_resolve_name(name);

		if (nr < 0)
			continue;
		/* With AT_EMPTY_PATH these are fstat(2) of an fd in practice
		 * (glibc's fstat() is one): the kernel's at once, without a
		 * round trip through the broker. A path given with the flag
		 * is then the sandbox's own, as if continued. */
		if (strcmp(name, "newfstatat") == 0 || strcmp(name, "fstatat64") == 0)
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_NOTIFY, nr, 1,
			    SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
		else if (strcmp(name, "statx") == 0)
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_NOTIFY, nr, 1,
			    SCMP_A2(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
		else
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_NOTIFY, nr, 0);
	}
	for (size_t i = 0; learn && r >= 0 && i < ELEMENTSOF(observed); i++)
		r = seccomp_rule_add_exact(ctx, SCMP_ACT_NOTIFY,
		    seccomp_syscall_resolve_name(observed[i]), 0);
	if (r < 0)
		return error_msg_setf(&err->msg, -r, "cannot build the interception filter: %s",
		    strerror(-r));
	r = export_bpf(ctx, ret, ret_len, err);
	return r < 0 || !learn ? r : prepend_exec_exemption(ret, ret_len);
}

/*
 * The one filter a target installs when the broker holds its listener
 * (the kernel allows one listener per task): the policy's own program,
 * in which every errno return notifies instead (the broker runs
 * p->bpf on the call and answers with that errno: the denial is named)
 * and, with Intercept=, every allow return goes on into the intercepted
 * calls' filter. A policy that refuses one of after_filter[] has its
 * refusals left unnamed, and cannot be intercepted or learned from.
 */
static int
compile_notify(struct policy *p, struct ini_error *err)
{
	_cleanup_free_ struct sock_filter *tail = NULL, *learn_tail = NULL;
	size_t tail_len = 0, learn_tail_len = 0;
	const char *refused;
	int r;

	if (seccomp_api_get() < 5) {
		if (p->intercept)
			return error_msg_setf(&err->msg, EOPNOTSUPP, "[Broker] Intercept=yes needs "
			    "libseccomp with user notification (API level 5)");
		return 0;
	}
	refused = refused_after(p->bpf, p->bpf_len);
	if (refused) {
		if (p->intercept)
			return error_msg_setf(&err->msg, EINVAL, "[Broker] Intercept=yes needs the "
			    "system call filter to allow '%s'", refused);
		log_notice("Refusals of policy '%s' are not named, and it cannot be learned from: "
		    "its system call filter refuses '%s'.", p->name ?: "?", refused);
		return 0;
	}
	if (p->intercept) {
		r = build_tail(false, &tail, &tail_len, err);
		if (r < 0)
			return r;
	}
	/* clone3()'s ENOSYS is no refusal but the way to clone(), which glibc
	 * tries at every thread and process it makes: the kernel's at once,
	 * not a round trip through the daemon (unless the policy's Action=
	 * is ENOSYS itself: then it cannot be told from a refusal). */
	/* NameDenials=no: the kernel answers refusals itself, unnamed (and
	 * without interception no listener is needed at all). */
	if (p->name_denials || p->intercept)
		r = bpf_notify_filter(p->bpf, p->bpf_len, (p->name_denials ? BPF_NOTIFY_ERRNO : 0) |
		    (p->syscall_errno != ENOSYS ? BPF_NOTIFY_KEEP_ENOSYS : 0), tail, tail_len,
		    &p->notify_bpf, &p->notify_bpf_len);
	else
		r = 0;
	if (r >= 0)
		r = build_tail(true, &learn_tail, &learn_tail_len, err);
	if (r >= 0)
		r = bpf_notify_filter(p->bpf, p->bpf_len, BPF_NOTIFY_ERRNO | BPF_NOTIFY_KILL,
		    learn_tail, learn_tail_len, &p->learn_bpf, &p->learn_bpf_len);
	if (r < 0)
		return error_msg_setf(&err->msg, -r, "cannot build the notifying filter: %s",
		    strerror(-r));
	/* What the tails add must not break that either. */
	assert(!p->notify_bpf || !refused_after(p->notify_bpf, p->notify_bpf_len));
	assert(!refused_after(p->learn_bpf, p->learn_bpf_len));
	return 0;
}
