/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Argument conditions of [SystemCalls] Allow=NAME(COND, ...): parsing
 * and the names values may use. Pure. Each COND is
 *
 *	argN OP VALUE		OP: == != < <= > >=
 *	argN & MASK == VALUE	the bits of MASK equal those of VALUE
 *
 * with N from 0 to 5, and VALUE and MASK numbers (decimal, 0x hex, 0
 * octal, a leading '-' for two's complement) or names of the table
 * below, joined by '|'. An argument is compared at most once in one
 * rule: alternatives are rules of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

#include "macro.h"
#include "policy.h"
#include "policy-internal.h"

#define NAME(n) { #n, (uint64_t) (n) }
static const struct {
	const char	*name;
	uint64_t	value;
} arg_names[] = {
	{ "STDIN_FILENO", 0 }, { "STDOUT_FILENO", 1 }, { "STDERR_FILENO", 2 },
	NAME(AT_FDCWD), NAME(AT_EMPTY_PATH), NAME(AT_SYMLINK_NOFOLLOW), NAME(AT_REMOVEDIR),
	NAME(O_RDONLY), NAME(O_WRONLY), NAME(O_RDWR), NAME(O_ACCMODE), NAME(O_CREAT), NAME(O_EXCL),
	NAME(O_NOCTTY), NAME(O_TRUNC), NAME(O_APPEND), NAME(O_NONBLOCK), NAME(O_DIRECTORY),
	NAME(O_NOFOLLOW), NAME(O_CLOEXEC), NAME(O_PATH), NAME(O_TMPFILE), NAME(O_DIRECT),
	NAME(O_NOATIME), NAME(O_SYNC), NAME(O_DSYNC),
	NAME(PROT_NONE), NAME(PROT_READ), NAME(PROT_WRITE), NAME(PROT_EXEC),
	NAME(MAP_SHARED), NAME(MAP_PRIVATE), NAME(MAP_FIXED), NAME(MAP_ANONYMOUS),
	NAME(MAP_NORESERVE), NAME(MAP_STACK), NAME(MAP_POPULATE),
	NAME(F_DUPFD), NAME(F_DUPFD_CLOEXEC), NAME(F_GETFD), NAME(F_SETFD), NAME(F_GETFL),
	NAME(F_SETFL), NAME(F_GETLK), NAME(F_SETLK), NAME(F_SETLKW), NAME(F_OFD_GETLK),
	NAME(F_OFD_SETLK), NAME(F_OFD_SETLKW), NAME(F_GETPIPE_SZ), NAME(F_SETPIPE_SZ),
	NAME(F_ADD_SEALS), NAME(F_GET_SEALS), NAME(FD_CLOEXEC),
	NAME(SOCK_STREAM), NAME(SOCK_DGRAM), NAME(SOCK_SEQPACKET), NAME(SOCK_RAW),
	NAME(SOCK_NONBLOCK), NAME(SOCK_CLOEXEC),
	NAME(CLONE_VM), NAME(CLONE_FS), NAME(CLONE_FILES), NAME(CLONE_SIGHAND), NAME(CLONE_VFORK),
	NAME(CLONE_PARENT), NAME(CLONE_THREAD), NAME(CLONE_SYSVSEM), NAME(CLONE_SETTLS),
	NAME(CLONE_PARENT_SETTID), NAME(CLONE_CHILD_CLEARTID), NAME(CLONE_CHILD_SETTID),
	NAME(S_IFMT), NAME(S_IFIFO), NAME(S_IFREG), NAME(S_IFSOCK),
	NAME(TCGETS), NAME(TCSETS), NAME(TCSETSW), NAME(TCSETSF), NAME(TIOCGWINSZ),
	NAME(TIOCSWINSZ), NAME(TIOCGPGRP), NAME(TIOCSPGRP), NAME(TIOCGPTN), NAME(TIOCSPTLCK),
	NAME(FIONREAD), NAME(FIONBIO), NAME(FIOCLEX), NAME(FIONCLEX), NAME(FIOASYNC),
	NAME(FICLONE), NAME(FS_IOC_GETFLAGS),
	NAME(POSIX_FADV_NORMAL), NAME(POSIX_FADV_RANDOM), NAME(POSIX_FADV_SEQUENTIAL),
	NAME(POSIX_FADV_WILLNEED), NAME(POSIX_FADV_NOREUSE),
};

static const struct {
	const char		*text;
	enum policy_arg_op	op;
} arg_ops[] = {
	/* Two-character operators first: "<=" is not "<" then "=". */
	{ "==", POLICY_ARG_EQ }, { "!=", POLICY_ARG_NE }, { "<=", POLICY_ARG_LE },
	{ ">=", POLICY_ARG_GE }, { "<", POLICY_ARG_LT }, { ">", POLICY_ARG_GT },
};

const char *
policy_arg_op_to_string(enum policy_arg_op op)
{
	if (op == POLICY_ARG_MASKED_EQ)
		return "&==";
	for (size_t i = 0; i < ELEMENTSOF(arg_ops); i++)
		if (arg_ops[i].op == op)
			return arg_ops[i].text;
	return "?";
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One number or name, at *s; *s moves past it. */
static int
parse_term(const char **s, uint64_t *ret, struct error_msg *msg)
{
	const char *p = skip_space(*s), *e = p;
	char buf[64];
	size_t n;

	while ((*e >= 'A' && *e <= 'Z') || (*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') ||
	    *e == '_' || (e == p && *e == '-'))
		e++;
	n = (size_t) (e - p);
	if (n == 0)
		return error_msg_setf(msg, EINVAL, "expected a number or a name at '%.32s'", p);
	if (n >= sizeof(buf))
		return error_msg_setf(msg, EINVAL, "'%.32s...' is too long for a value", p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	*s = e;
	if ((buf[0] >= '0' && buf[0] <= '9') || buf[0] == '-') {
		bool neg = buf[0] == '-';
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(buf + neg, &end, 0);
		if (errno != 0 || *end != '\0' || end == buf + neg || (neg && buf[1] == '-'))
			return error_msg_setf(msg, EINVAL, "'%s' is not a number", buf);
		if (neg && v > (unsigned long long) INT64_MAX + 1)
			return error_msg_setf(msg, EINVAL, "'%s' is out of range", buf);
		*ret = neg ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(arg_names); i++)
		if (strcmp(arg_names[i].name, buf) == 0) {
			*ret = arg_names[i].value;
			return 0;
		}
	if (policy_family_from_name(buf, ret) == 0)
		return 0;
	return error_msg_setf(msg, EINVAL, "unknown name '%s' (see sandboxd.policy(5) for "
	    "the names a value may use)", buf);
}

/* TERM ['|' TERM]... */
static int
parse_value(const char **s, uint64_t *ret, struct error_msg *msg)
{
	uint64_t v = 0, t;
	int r;

	for (;;) {
		r = parse_term(s, &t, msg);
		if (r < 0)
			return r;
		v |= t;
		*s = skip_space(*s);
		if (**s != '|')
			break;
		(*s)++;
	}
	*ret = v;
	return 0;
}

static int
parse_cmp(const char *s, struct policy_arg_cmp *c, struct error_msg *msg)
{
	const char *start = s;
	int r;

	s = skip_space(s);
	if (strncmp(s, "arg", 3) != 0 || s[3] < '0' || s[3] > '5' ||
	    (s[4] >= '0' && s[4] <= '9'))
		return error_msg_setf(msg, EINVAL, "'%s': a condition starts with arg0 to arg5",
		    start);
	c->arg = (unsigned) (s[3] - '0');
	s = skip_space(s + 4);
	if (*s == '&') {
		s++;
		r = parse_value(&s, &c->mask, msg);
		if (r < 0)
			return r;
		if (strncmp(s, "==", 2) != 0)
			return error_msg_setf(msg, EINVAL, "'%s': a mask is compared with == only",
			    start);
		s += 2;
		c->op = POLICY_ARG_MASKED_EQ;
	} else {
		size_t i;

		for (i = 0; i < ELEMENTSOF(arg_ops); i++)
			if (strncmp(s, arg_ops[i].text, strlen(arg_ops[i].text)) == 0)
				break;
		if (i == ELEMENTSOF(arg_ops))
			return error_msg_setf(msg, EINVAL, "'%s': expected ==, !=, <, <=, >, >= "
			    "or & MASK ==", start);
		c->op = arg_ops[i].op;
		c->mask = UINT64_MAX;
		s += strlen(arg_ops[i].text);
	}
	r = parse_value(&s, &c->value, msg);
	if (r < 0)
		return r;
	if (*skip_space(s) != '\0')
		return error_msg_setf(msg, EINVAL, "'%s': unexpected '%s'", start, skip_space(s));
	if (c->op == POLICY_ARG_MASKED_EQ && (c->value & ~c->mask) != 0)
		return error_msg_setf(msg, EINVAL, "'%s': the value has bits outside the mask, "
		    "so the condition never holds", start);
	return 0;
}

int
policy_arg_rule_parse(const char *name, const char *conds, struct policy_arg_rule *ret,
    struct error_msg *msg)
{
	_cleanup_free_ char *copy = strdup(conds);
	struct policy_arg_rule rule = {};
	char *save = NULL;
	int r;

	if (!copy)
		return -ENOMEM;
	if (conds[strspn(conds, " \t")] == '\0')
		return error_msg_setf(msg, EINVAL, "%s(): no condition (to allow it whatever its "
		    "arguments, name it without parentheses)", name);
	if (conds[strspn(conds, " \t")] == ',' || conds[strlen(conds) - 1] == ',' ||
	    strstr(conds, ",,"))
		return error_msg_setf(msg, EINVAL, "%s(%s): an empty condition", name, conds);
	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		struct policy_arg_cmp cmp = {};

		r = parse_cmp(c, &cmp, msg);
		if (r < 0)
			return r;
		for (size_t i = 0; i < rule.n_cmps; i++)
			if (rule.cmps[i].arg == cmp.arg)
				return error_msg_setf(msg, EINVAL, "%s(%s): arg%u is compared twice: "
				    "write each alternative as a rule of its own", name, conds,
				    cmp.arg);
		rule.cmps[rule.n_cmps++] = cmp;
	}
	rule.syscall = strdup(name);
	if (!rule.syscall)
		return -ENOMEM;
	*ret = rule;
	return 0;
}
