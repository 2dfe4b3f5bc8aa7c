/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Policy files: parsing and validation, INI text to struct policy. Pure:
 * no I/O, no libseccomp beyond looking up system call names.
 *
 * Policies are written by administrators, but they are still checked
 * strictly, so a typo is a load error with a line number rather than a
 * silently wider sandbox: every section and key must be known, every path
 * absolute and normalized, every system call name known to libseccomp and
 * outside the always-forbidden set (syscall_is_forbidden()).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include <seccomp.h>

#include "macro.h"
#include "parse-util.h"
#include "policy.h"
#include "policy-internal.h"
#include "sandbox-protocol.h"
#include "string-util.h"
#include "syscall-groups.h"

#define POLICY_MOUNTS_MAX	64
#define POLICY_ENV_MAX		128
#define POLICY_GROUP_DEPTH_MAX	8

static const char *const default_path = "PATH=/usr/local/bin:/usr/bin:/bin";

/* Mount points the daemon sets up itself; a policy may not cover them. */
static const char *const reserved_dests[] = { "/proc", "/dev", "/tmp" };

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EACCES", EACCES },
	{ "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "EAGAIN", EAGAIN },
	{ "EBADF", EBADF },
	{ "EFAULT", EFAULT },
	{ "EINVAL", EINVAL },
	{ "EIO", EIO },
	{ "ENODEV", ENODEV },
	{ "ENOENT", ENOENT },
	{ "ENOMEM", ENOMEM },
	{ "ENOSYS", ENOSYS },
	{ "ENOTSUP", ENOTSUP },
	{ "ENOTTY", ENOTTY },
	{ "EOPNOTSUPP", EOPNOTSUPP },
	{ "EPERM", EPERM },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
	{ "EROFS", EROFS },
};

struct socket_name {
	const char	*name;
	int		value;
};

/* RestrictAddressFamilies= names, as <sys/socket.h> spells them. */
#define FAMILY(f) { #f, f }
static const struct socket_name family_names[] = {
	FAMILY(AF_UNIX), { "AF_LOCAL", AF_UNIX }, FAMILY(AF_INET), FAMILY(AF_AX25),
	FAMILY(AF_IPX), FAMILY(AF_APPLETALK), FAMILY(AF_NETROM), FAMILY(AF_BRIDGE),
	FAMILY(AF_ATMPVC), FAMILY(AF_X25), FAMILY(AF_INET6), FAMILY(AF_ROSE), FAMILY(AF_DECnet),
	FAMILY(AF_NETBEUI), FAMILY(AF_SECURITY), FAMILY(AF_KEY), FAMILY(AF_NETLINK),
	FAMILY(AF_PACKET), FAMILY(AF_ASH), FAMILY(AF_ECONET), FAMILY(AF_ATMSVC), FAMILY(AF_RDS),
	FAMILY(AF_SNA), FAMILY(AF_IRDA), FAMILY(AF_PPPOX), FAMILY(AF_WANPIPE), FAMILY(AF_LLC),
	FAMILY(AF_IB), FAMILY(AF_MPLS), FAMILY(AF_CAN), FAMILY(AF_TIPC), FAMILY(AF_BLUETOOTH),
	FAMILY(AF_IUCV), FAMILY(AF_RXRPC), FAMILY(AF_ISDN), FAMILY(AF_PHONET),
	FAMILY(AF_IEEE802154), FAMILY(AF_CAIF), FAMILY(AF_ALG), FAMILY(AF_NFC), FAMILY(AF_VSOCK),
	FAMILY(AF_KCM), FAMILY(AF_QIPCRTR), FAMILY(AF_SMC), FAMILY(AF_XDP), FAMILY(AF_MCTP),
};
#undef FAMILY

/* RestrictNetlink= names: NETLINK_* of <linux/netlink.h>, lower case,
 * without the prefix. */
static const struct socket_name netlink_names[] = {
	{ "route", NETLINK_ROUTE },
	{ "usersock", NETLINK_USERSOCK },
	{ "firewall", NETLINK_FIREWALL },
	{ "sock_diag", NETLINK_SOCK_DIAG },
	{ "nflog", NETLINK_NFLOG },
	{ "xfrm", NETLINK_XFRM },
	{ "selinux", NETLINK_SELINUX },
	{ "iscsi", NETLINK_ISCSI },
	{ "audit", NETLINK_AUDIT },
	{ "fib_lookup", NETLINK_FIB_LOOKUP },
	{ "connector", NETLINK_CONNECTOR },
	{ "netfilter", NETLINK_NETFILTER },
	{ "ip6_fw", NETLINK_IP6_FW },
	{ "dnrtmsg", NETLINK_DNRTMSG },
	{ "kobject_uevent", NETLINK_KOBJECT_UEVENT },
	{ "generic", NETLINK_GENERIC },
	{ "scsitransport", NETLINK_SCSITRANSPORT },
	{ "ecryptfs", NETLINK_ECRYPTFS },
	{ "rdma", NETLINK_RDMA },
	{ "crypto", NETLINK_CRYPTO },
	{ "smc", NETLINK_SMC },
};

static const char *
socket_name_of(const struct socket_name *v, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].value == value)
			return v[i].name;
	return NULL;
}

const char *
policy_family_name(int family)
{
	return socket_name_of(family_names, ELEMENTSOF(family_names), family);
}

const char *
policy_netlink_name(int protocol)
{
	return socket_name_of(netlink_names, ELEMENTSOF(netlink_names), protocol);
}

int
policy_family_from_name(const char *name, uint64_t *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(family_names); i++)
		if (strcmp(family_names[i].name, name) == 0) {
			*ret = (uint64_t) family_names[i].value;
			return 0;
		}
	return -ENOENT;
}

struct policy_parser {
	struct policy	*policy;
	size_t		n_syscalls;
	size_t		n_env;
	unsigned	line;		/* of the key being parsed, in the top file */
	unsigned	local_line;	/* of the key being parsed, in its own file */
	/* Include=: where names are found, the names being included
	 * (outermost first, the top policy's own name too), those applied
	 * already, and the top file's Include= line an included key came by. */
	const struct policy_sources *sources;
	const char	*stack[POLICY_INCLUDE_DEPTH_MAX + 1];
	unsigned	depth;
	char		**applied;
	unsigned	top_line;
	bool		pass_includes;	/* a file's first pass: its Include= only */
	struct ini_diags *d;		/* the current file's diagnostics */
	char		*effective;	/* the text so far after inclusion */
	size_t		effective_len;
	bool		included;	/* some Include= applied a file */
	bool		too_large;	/* effective would be over SBX_POLICY_TEXT_MAX */
	unsigned	first_include;	/* line of the top file's first Include= */
	bool		families_given;	/* RestrictAddressFamilies= seen: no default */
	bool		netlink_given;	/* RestrictNetlink= seen: no default */
	unsigned	netlink_line;	/* of the last RestrictNetlink= naming one */
};

/* The field a key table row names, in the policy being parsed. */
#define POLICY_FIELD(pp, k, type) ((type *) (void *) ((char *) (pp)->policy + (k)->offset))

/* Checks that path is absolute and normalized; returns NULL or why not. */
const char *
policy_path_problem(const char *path)
{
	const char *c, *cc, *colon;

	if (path[0] != '/')
		return "is not absolute";
	if (strlen(path) >= PATH_MAX)
		return "is too long";
	/* Whichever comes first, as one scan would find them. */
	cc = string_find_cc(path);
	colon = strchr(path, ':');
	if (cc && (!colon || cc < colon))
		return "contains a control character";
	if (colon)
		return "contains ':'";
	if (strcmp(path, "/") == 0)
		return NULL;
	if (path[strlen(path) - 1] == '/')
		return "has a trailing '/'";
	if (strstr(path, "//"))
		return "contains '//'";
	for (c = path; c; c = strchr(c + 1, '/')) {
		const char *comp = c + 1;
		size_t len = strcspn(comp, "/");

		if (len == 1 && comp[0] == '.')
			return "contains a '.' component";
		if (len == 2 && comp[0] == '.' && comp[1] == '.')
			return "contains a '..' component";
	}
	return NULL;
}

static const char *
dest_problem(const char *dest)
{
	const char *why = policy_path_problem(dest);

	if (why)
		return why;
	if (strcmp(dest, "/") == 0)
		return "is '/', which the daemon sets up";
	for (size_t i = 0; i < ELEMENTSOF(reserved_dests); i++) {
		size_t n = strlen(reserved_dests[i]);

		if (strncmp(dest, reserved_dests[i], n) == 0 && (dest[n] == '\0' || dest[n] == '/'))
			return "is at or under /proc, /dev or /tmp, which the daemon sets up";
	}
	return NULL;
}

static int
policy_add_mount(struct policy *p, enum policy_mount_kind kind, const char *source,
    const char *dest, bool optional, struct ini_error *err)
{
	_cleanup_free_ char *s = NULL, *d = NULL;
	struct policy_mount *m;

	if (p->n_mounts >= POLICY_MOUNTS_MAX)
		return error_msg_setf(&err->msg, EINVAL,
		    "too many mounts (at most %d)", POLICY_MOUNTS_MAX);
	for (size_t i = 0; i < p->n_mounts; i++)
		if (strcmp(p->mounts[i].dest, dest) == 0)
			return error_msg_setf(&err->msg, EINVAL,
			    "'%s' is already a mount point in this policy", dest);

	s = source ? strdup(source) : NULL;
	d = strdup(dest);
	if ((source && !s) || !d)
		return -ENOMEM;
	m = reallocarray(p->mounts, p->n_mounts + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	p->mounts = m;
	p->mounts[p->n_mounts++] = (struct policy_mount) {
		.kind = kind,
		.source = TAKE_PTR(s),
		.dest = TAKE_PTR(d),
		.optional = optional,
	};
	return 0;
}

/* An empty BindReadOnly=, Bind=, Symlink= or TemporaryFileSystem=: the
 * mounts of that kind so far are dropped. */
static int
reset_mounts(struct policy *p, enum policy_mount_kind kind)
{
	size_t j = 0;

	for (size_t i = 0; i < p->n_mounts; i++) {
		if (p->mounts[i].kind != kind) {
			p->mounts[j++] = p->mounts[i];
			continue;
		}
		free(p->mounts[i].source);
		free(p->mounts[i].dest);
	}
	p->n_mounts = j;
	return 0;
}

/* BindReadOnly=/Bind= [-]SRC[:DST] */
static int
parse_bind(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;
	const char *key = k->key;
	_cleanup_free_ char *src = NULL;
	const char *dst, *why;
	bool optional = false;
	char *colon;

	if (value[0] == '\0')
		return reset_mounts(pp->policy, (enum policy_mount_kind) k->ltype);
	if (value[0] == '-') {
		optional = true;
		value++;
	}
	src = strdup(value);
	if (!src)
		return -ENOMEM;
	colon = strchr(src, ':');
	if (colon) {
		*colon = '\0';
		dst = colon + 1;
	} else
		dst = src;

	why = policy_path_problem(src);
	if (why)
		return error_msg_setf(&err->msg, EINVAL, "%s=: source '%s' %s", key, src, why);
	why = dest_problem(dst);
	if (why)
		return error_msg_setf(&err->msg, EINVAL, "%s=: destination '%s' %s", key, dst, why);
	return policy_add_mount(pp->policy, (enum policy_mount_kind) k->ltype, src, dst, optional,
	    err);
}

/* Symlink=TARGET:LINKPATH; TARGET may be relative ("usr/bin"). */
static int
parse_symlink(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;
	_cleanup_free_ char *target = NULL;
	const char *link, *why;
	char *colon;

	if (value[0] == '\0')
		return reset_mounts(pp->policy, POLICY_MOUNT_SYMLINK);
	target = strdup(value);
	if (!target)
		return -ENOMEM;
	colon = strchr(target, ':');
	if (!colon)
		return error_msg_setf(&err->msg, EINVAL, "Symlink=: expected TARGET:LINKPATH");
	*colon = '\0';
	link = colon + 1;

	if (target[0] == '\0')
		return error_msg_setf(&err->msg, EINVAL, "Symlink=: empty target");
	if (strlen(target) >= PATH_MAX)
		return error_msg_setf(&err->msg, EINVAL, "Symlink=: target is too long");
	if (string_find_cc(target))
		return error_msg_setf(&err->msg, EINVAL,
		    "Symlink=: target contains a control character");
	for (const char *c = target; c; c = strchr(c, '/')) {
		size_t len;

		while (*c == '/')
			c++;
		len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return error_msg_setf(&err->msg, EINVAL,
			    "Symlink=: target '%s' contains a '..' component", target);
		if (c[len] == '\0')
			break;
	}
	why = dest_problem(link);
	if (why)
		return error_msg_setf(&err->msg, EINVAL, "Symlink=: link path '%s' %s", link, why);
	return policy_add_mount(pp->policy, POLICY_MOUNT_SYMLINK, target, link, false, err);
}

/* TemporaryFileSystem=PATH */
static int
parse_tmpfs(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;
	const char *why;

	if (value[0] == '\0')
		return reset_mounts(pp->policy, POLICY_MOUNT_TMPFS);
	why = dest_problem(value);
	if (why)
		return error_msg_setf(&err->msg, EINVAL, "%s=: '%s' %s", k->key, value, why);
	return policy_add_mount(pp->policy, POLICY_MOUNT_TMPFS, NULL, value, false, err);
}

static bool
hostname_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-' || s[0] == '.' || s[n - 1] == '.')
		return false;
	return string_is_alnum_or(s, "-.");
}

/* Appends a copy of s to *v, whose length *n counts. */
static int
strv_push_counted(char ***v, size_t *n, const char *s)
{
	int r;

	r = strv_push(v, s);
	if (r < 0)
		return r;
	(*n)++;
	return 0;
}

static int
parse_environment(struct policy_parser *pp, const char *value, struct ini_error *err)
{
	struct policy *p = pp->policy;
	const char *eq = strchr(value, '=');
	size_t klen;

	if (!eq || eq == value)
		return error_msg_setf(&err->msg, EINVAL, "Environment=: expected NAME=VALUE");
	klen = (size_t) (eq - value);
	if ((value[0] >= '0' && value[0] <= '9') || !string_is_alnum_or_n(value, klen, "_"))
		return error_msg_setf(&err->msg, EINVAL,
		    "Environment=: invalid variable name '%.*s'", (int) klen, value);
	if (string_find_cc(eq + 1))
		return error_msg_setf(&err->msg, EINVAL,
		    "Environment=: value contains a control character");

	/* A later assignment of the same name replaces the earlier one. */
	for (size_t i = 0; i < pp->n_env; i++)
		if (strncmp(p->environment[i], value, klen + 1) == 0)
			return free_and_strdup(&p->environment[i], value);
	if (pp->n_env >= POLICY_ENV_MAX)
		return error_msg_setf(&err->msg, EINVAL,
		    "Environment=: too many variables (at most %d)", POLICY_ENV_MAX);
	return strv_push_counted(&p->environment, &pp->n_env, value);
}

static int
parse_environment_key(const struct ini_key *k, const char *value, void *data,
    struct ini_error *err)
{
	struct policy_parser *pp = data;

	/* Empty: the variables so far are dropped. */
	if (value[0] == '\0') {
		pp->policy->environment = strv_free(pp->policy->environment);
		pp->n_env = 0;
		return 0;
	}
	return parse_environment(data, value, err);
}

static int
add_syscall(struct policy_parser *pp, const char *name)
{
	struct policy *p = pp->policy;

	for (size_t i = 0; i < pp->n_syscalls; i++)
		if (strcmp(p->syscalls[i], name) == 0)
			return 0;
	return strv_push_counted(&p->syscalls, &pp->n_syscalls, name);
}

static int
add_group(struct policy_parser *pp, const char *name, unsigned depth, struct ini_error *err)
{
	const struct syscall_group *g;
	int r;

	if (depth > POLICY_GROUP_DEPTH_MAX)
		return error_msg_setf(&err->msg, EINVAL,
		    "system call groups nested too deeply at '%s'", name);
	g = syscall_group_find(name);
	if (!g)
		return error_msg_setf(&err->msg, EINVAL, "unknown system call group '%s'", name);
	for (const char *const *s = g->syscalls; *s; s++) {
		if ((*s)[0] == '@') {
			r = add_group(pp, *s, depth + 1, err);
		} else if (syscall_is_forbidden(*s)) {
			/* A bug in our tables, but refuse rather than allow. */
			return error_msg_setf(&err->msg, EINVAL,
			    "'%s' (in group '%s') is never allowed", *s, name);
		} else
			r = add_syscall(pp, *s);
		if (r < 0)
			return r;
	}
	return 0;
}

/* NAME(CONDS): a rule of its own. */
static int
add_arg_rule(struct policy_parser *pp, const char *name, const char *conds, struct ini_error *err)
{
	struct policy *p = pp->policy;
	struct policy_arg_rule rule, *v;
	int r;

	if (name[0] == '@')
		return error_msg_setf(&err->msg, EINVAL, "'%s(...)': conditions apply to a system "
		    "call, not to a group", name);
	if (syscall_is_forbidden(name))
		return error_msg_setf(&err->msg, EINVAL, "'%s' is never allowed", name);
	if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
		return error_msg_setf(&err->msg, EINVAL, "unknown system call '%s'", name);
	if (p->n_arg_rules >= POLICY_ARG_RULES_MAX)
		return error_msg_setf(&err->msg, E2BIG, "more than %u rules with conditions",
		    POLICY_ARG_RULES_MAX);
	r = policy_arg_rule_parse(name, conds, &rule, &err->msg);
	if (r < 0)
		return r;
	rule.line = pp->line;
	v = reallocarray(p->arg_rules, p->n_arg_rules + 1, sizeof(*v));
	if (!v) {
		free(rule.syscall);
		return -ENOMEM;
	}
	p->arg_rules = v;
	p->arg_rules[p->n_arg_rules++] = rule;
	return 0;
}

/*
 * Allow=NAME @GROUP NAME(CONDS)...: names and groups separated by white
 * space; a name followed by conditions in parentheses (which may hold
 * white space) is a rule with conditions.
 */
static int
parse_allow(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;
	_cleanup_free_ char *copy = strdup(value);
	char *s;
	int r;

	if (!copy)
		return -ENOMEM;
	/* Empty: the system calls allowed so far are not. */
	if (value[0] == '\0') {
		pp->policy->syscalls = strv_free(pp->policy->syscalls);
		pp->n_syscalls = 0;
		policy_arg_rules_free(pp->policy->arg_rules, pp->policy->n_arg_rules);
		pp->policy->arg_rules = NULL;
		pp->policy->n_arg_rules = 0;
		pp->policy->syscalls_line = 0;
		return 0;
	}
	for (s = copy; *(s += strspn(s, " \t")) != '\0';) {
		char *tok = s, *conds = NULL;

		s += strcspn(s, " \t(");
		if (*s == '(') {
			*s++ = '\0';
			conds = s;
			s = strchr(s, ')');
			if (!s)
				return error_msg_setf(&err->msg, EINVAL, "'%s(': no closing ')'", tok);
			*s++ = '\0';
			if (*s != '\0' && *s != ' ' && *s != '\t')
				return error_msg_setf(&err->msg, EINVAL, "'%s(%s)': expected white "
				    "space after ')', not '%c'", tok, conds, *s);
		} else if (*s != '\0')
			*s++ = '\0';
		if (strchr(tok, ')'))
			return error_msg_setf(&err->msg, EINVAL, "'%s': ')' without '('", tok);
		if (tok[0] == '\0')
			return error_msg_setf(&err->msg, EINVAL, "'(%s)': conditions without a "
			    "system call", conds);
		if (conds)
			r = add_arg_rule(pp, tok, conds, err);
		else if (tok[0] == '@')
			r = add_group(pp, tok, 0, err);
		else if (syscall_is_forbidden(tok))
			return error_msg_setf(&err->msg, EINVAL, "'%s' is never allowed", tok);
		else if (seccomp_syscall_resolve_name(tok) == __NR_SCMP_ERROR)
			return error_msg_setf(&err->msg, EINVAL, "unknown system call '%s'", tok);
		else
			r = add_syscall(pp, tok);
		if (r < 0)
			return r;
	}
	if (pp->policy->syscalls_line == 0)
		pp->policy->syscalls_line = pp->line;
	return 0;
}

static int
parse_action(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy *p = ((struct policy_parser *) data)->policy;

	if (strcmp(value, "kill") == 0) {
		p->syscall_errno = 0;
		return 0;
	}
	if (strcmp(value, "errno") == 0) {
		p->syscall_errno = EPERM;
		return 0;
	}
	if (strncmp(value, "errno:", 6) == 0) {
		for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
			if (strcmp(value + 6, errno_names[i].name) == 0) {
				p->syscall_errno = errno_names[i].value;
				return 0;
			}
		return error_msg_setf(&err->msg, EINVAL,
		    "Action=: unknown or unsupported errno name '%s'", value + 6);
	}
	return error_msg_setf(&err->msg, EINVAL,
	    "Action=: expected 'errno', 'errno:ENAME' or 'kill', not '%s'", value);
}

/*
 * RestrictAddressFamilies=AF_NAME... and RestrictNetlink=NAME...: lists
 * of allowed values, bits of *set. The first assignment replaces the
 * built-in default, later ones add to it; an empty one (or "none")
 * empties the list. A name that table does not hold is an error.
 */
static int
parse_socket_list(const struct ini_key *k, const char *value, uint64_t *set, bool *given,
    const struct socket_name *table, size_t n_table, const char *what, struct ini_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	if (!*given || value[0] == '\0' || strcmp(value, "none") == 0)
		*set = 0;
	*given = true;
	if (strcmp(value, "none") == 0)
		return 0;
	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		bool found = false;

		if (tok[0] == '~')
			return error_msg_setf(&err->msg, EINVAL, "%s=: '%s': '~' (refuse what "
			    "follows) is not supported; list what to allow", k->key, tok);
		for (size_t i = 0; i < n_table && !found; i++)
			if (strcmp(table[i].name, tok) == 0) {
				*set |= UINT64_C(1) << table[i].value;
				found = true;
			}
		if (!found)
			return error_msg_setf(&err->msg, EINVAL, "%s=: unknown %s '%s'", k->key,
			    what, tok);
	}
	return 0;
}

static int
parse_families(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;

	return parse_socket_list(k, value, &pp->policy->socket_families, &pp->families_given,
	    family_names, ELEMENTSOF(family_names), "address family", err);
}

static int
parse_netlink(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;
	uint64_t set = pp->policy->netlink_protocols;
	int r;

	r = parse_socket_list(k, value, &set, &pp->netlink_given, netlink_names,
	    ELEMENTSOF(netlink_names), "netlink protocol", err);
	if (r < 0)
		return r;
	pp->policy->netlink_protocols = (uint32_t) set;
	pp->netlink_line = set != 0 ? pp->line : 0;
	return 0;
}

/* A [Limits] value (or TmpSize=): "infinity", or parser's at least k->ltype. */
static int
parse_limit(const struct ini_key *k, const char *value, int (*parser)(const char *, uint64_t *),
    void *data, struct ini_error *err)
{
	uint64_t *ret = POLICY_FIELD((struct policy_parser *) data, k, uint64_t), v;
	int r;

	if (strcmp(value, "infinity") == 0) {
		*ret = POLICY_UNLIMITED;
		return 0;
	}
	r = parser(value, &v);
	if (r == -ERANGE)
		return error_msg_setf(&err->msg, EINVAL,
		    "%s=: value '%s' is out of range", k->key, value);
	if (r < 0)
		return error_msg_setf(&err->msg, EINVAL, "%s=: invalid value '%s'", k->key, value);
	if (v < k->ltype)
		return error_msg_setf(&err->msg, EINVAL,
		    "%s=: value '%s' is too small (at least %llu)", k->key,
		    value, (unsigned long long) k->ltype);
	*ret = v;
	return 0;
}

static int
parse_limit_time(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	return parse_limit(k, value, parse_time_ms, data, err);
}

static int
parse_limit_size(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	return parse_limit(k, value, parse_size, data, err);
}

static int
parse_limit_u64(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	return parse_limit(k, value, parse_u64, data, err);
}

/* CPUQuota=: a percentage of one CPU, as systemd's ("150%": one and a
 * half CPUs); empty or "infinity": no quota. */
static int
parse_cpu_quota(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	uint64_t *ret = POLICY_FIELD((struct policy_parser *) data, k, uint64_t), v = 0;
	size_t n = strlen(value);
	char num[32];
	int r;

	if (value[0] == '\0' || strcmp(value, "infinity") == 0) {
		*ret = POLICY_UNLIMITED;
		return 0;
	}
	r = -EINVAL;
	if (n >= 2 && n <= sizeof(num) && value[n - 1] == '%') {
		memcpy(num, value, n - 1);
		num[n - 1] = '\0';
		r = parse_u64(num, &v);
	}
	if (r == -ERANGE || (r >= 0 && v > POLICY_CPU_QUOTA_MAX))
		return error_msg_setf(&err->msg, EINVAL, "%s=: '%s' is out of range (at most %u%%)",
		    k->key, value, POLICY_CPU_QUOTA_MAX);
	if (r < 0)
		return error_msg_setf(&err->msg, EINVAL, "%s=: '%s' is not a percentage of one CPU "
		    "(as '50%%' or '200%%') nor 'infinity'", k->key, value);
	if (v == 0)
		return error_msg_setf(&err->msg, EINVAL, "%s=: 0%% would never let the sandbox "
		    "run (at least 1%%; 'infinity' for no quota)", k->key);
	*ret = v;
	return 0;
}

/* TmpSize=, ShmSize=: a size, but never "infinity" (a tmpfs without bound). */
static int
parse_tmp_size(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	if (strcmp(value, "infinity") == 0)
		return error_msg_setf(&err->msg, EINVAL, "%s=: must be finite", k->key);
	return parse_limit_size(k, value, data, err);
}

static int
parse_string(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	return free_and_strdup(POLICY_FIELD((struct policy_parser *) data, k, char *), value);
}

static int
parse_hostname(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	if (!hostname_is_valid(value))
		return error_msg_setf(&err->msg, EINVAL,
		    "%s=: invalid host name '%s'", k->key, value);
	return parse_string(k, value, data, err);
}

/* An absolute, normalized path (WorkingDirectory=). */
static int
parse_path(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	const char *why = policy_path_problem(value);

	if (why)
		return error_msg_setf(&err->msg, EINVAL, "%s=: '%s' %s", k->key, value, why);
	return parse_string(k, value, data, err);
}

static int
parse_bool(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	bool b;

	if (parse_boolean(value, &b) < 0)
		return error_msg_setf(&err->msg, EINVAL,
		    "%s=: expected yes or no, not '%s'", k->key, value);
	*POLICY_FIELD((struct policy_parser *) data, k, bool) = b;
	return 0;
}

/* [Broker] Intercept=, and where it is, for policy_lint(). */
static int
parse_intercept(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;

	pp->policy->intercept_line = pp->line;
	return parse_bool(k, value, data, err);
}

/* Network=: only what there is, an empty namespace with loopback. */
static int
parse_network(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	if (strcmp(value, "none") == 0 || strcmp(value, "loopback") == 0) {
		((struct policy_parser *) data)->policy->network = false;
		return 0;
	}
	return error_msg_setf(&err->msg, EINVAL,
	    "%s=: '%s' is not supported (only 'none' and 'loopback')", k->key, value);
}

static int
parse_landlock(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;
	bool b;

	if (strcmp(value, "best-effort") == 0)
		pp->policy->landlock = POLICY_BEST_EFFORT;
	else if (parse_boolean(value, &b) < 0)
		return error_msg_setf(&err->msg, EINVAL,
		    "%s=: expected yes, no or best-effort, not '%s'", k->key, value);
	else
		pp->policy->landlock = b ? POLICY_YES : POLICY_NO;
	pp->policy->landlock_line = pp->line;
	return 0;
}

static const struct {
	const char	*name;
	unsigned	right;
} right_names[] = {
	{ "read", POLICY_RIGHT_READ },
	{ "write", POLICY_RIGHT_WRITE },
	{ "create", POLICY_RIGHT_CREATE },
	{ "delete", POLICY_RIGHT_DELETE },
	{ "nosymlinks", POLICY_RIGHT_NOSYMLINKS },
	{ "special", POLICY_RIGHT_SPECIAL },
};

/* An empty File= or Tree=: the rules of that kind so far are dropped. */
static int
reset_path_rules(struct policy *p, bool tree)
{
	size_t j = 0;

	for (size_t i = 0; i < p->n_path_rules; i++) {
		if (p->path_rules[i].tree != tree) {
			p->path_rules[j++] = p->path_rules[i];
			continue;
		}
		free(p->path_rules[i].path);
		safe_close(p->path_rules[i].dirfd);
	}
	p->n_path_rules = j;
	return 0;
}

/* File=PATH RIGHTS or Tree=PATH RIGHTS, RIGHTS a comma-separated list. */
static int
parse_path_rule(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy *p = ((struct policy_parser *) data)->policy;
	bool tree = k->ltype;
	_cleanup_free_ char *path = NULL;
	struct policy_path_rule *v;
	const char *sp = strpbrk(value, " \t"), *why, *c;
	unsigned rights = 0;

	if (value[0] == '\0')
		return reset_path_rules(p, tree);
	if (!sp)
		return error_msg_setf(&err->msg, EINVAL,
		    "%s=: expected 'PATH RIGHTS', e.g. '/srv/in read'", k->key);
	path = strndup(value, (size_t) (sp - value));
	if (!path)
		return -ENOMEM;
	why = policy_path_problem(path);
	if (why)
		return error_msg_setf(&err->msg, EINVAL, "path '%s' %s", path, why);
	if (!tree && strcmp(path, "/") == 0)
		return error_msg_setf(&err->msg, EINVAL, "File=/ is not a file; use Tree=/");
	for (c = sp; *c;) {
		size_t n;
		bool found = false;

		c += strspn(c, " \t,");
		n = strcspn(c, " \t,");
		if (n == 0)
			break;
		for (size_t i = 0; i < ELEMENTSOF(right_names); i++)
			if (strlen(right_names[i].name) == n && strncmp(c, right_names[i].name, n) == 0) {
				rights |= right_names[i].right;
				found = true;
			}
		if (!found)
			return error_msg_setf(&err->msg, EINVAL,
			    "unknown right '%.*s' (expected read, write, create, "
			    "delete, nosymlinks, special)", (int) n, c);
		c += n;
	}
	if (!(rights & (POLICY_RIGHT_READ | POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE |
	    POLICY_RIGHT_DELETE)))
		return error_msg_setf(&err->msg, EINVAL, "rule for '%s' grants no right", path);
	for (size_t i = 0; i < p->n_path_rules; i++)
		if (strcmp(p->path_rules[i].path, path) == 0)
			return error_msg_setf(&err->msg, EINVAL,
			    "a rule for '%s' is already given", path);
	if (p->n_path_rules >= POLICY_BROKER_RULES_MAX)
		return error_msg_setf(&err->msg, EINVAL,
		    "too many [Broker] path rules (at most %d)", POLICY_BROKER_RULES_MAX);
	v = realloc(p->path_rules, (p->n_path_rules + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->path_rules = v;
	v[p->n_path_rules] = (struct policy_path_rule) {
		.tree = tree,
		.rights = rights,
		.dirfd = -1,
	};
	v[p->n_path_rules].path = TAKE_PTR(path);
	v[p->n_path_rules].name = strrchr(v[p->n_path_rules].path, '/') + 1;
	p->n_path_rules++;
	return 0;
}

int
policy_parse_endpoint(const char *s, struct policy_connect_rule *r)
{
	const char *rest, *colon;
	unsigned long port;
	char *end;

	*r = (struct policy_connect_rule) {};
	if (strncmp(s, "unix:", 5) == 0) {
		rest = s + 5;
		if (rest[0] != '/' || strlen(rest) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
			return -EINVAL;
		r->family = AF_UNIX;
		r->type = SOCK_STREAM;
		r->host = strdup(rest);
		return r->host ? 0 : -ENOMEM;
	}
	if (strncmp(s, "tcp:", 4) == 0)
		r->type = SOCK_STREAM;
	else if (strncmp(s, "udp:", 4) == 0)
		r->type = SOCK_DGRAM;
	else
		return -EINVAL;
	rest = s + 4;
	colon = strrchr(rest, ':');
	if (!colon || colon == rest || colon[1] == '\0' || strlen(rest) > 300)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535 || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	r->port = (uint16_t) port;
	/* [v6-address] or a name/IPv4 address without ':'. */
	if (rest[0] == '[') {
		if (colon[-1] != ']' || colon - rest < 3)
			return -EINVAL;
		r->host = strndup(rest + 1, (size_t) (colon - rest - 2));
		r->family = AF_INET6;
	} else {
		r->host = strndup(rest, (size_t) (colon - rest));
		r->family = AF_INET;
	}
	if (!r->host)
		return -ENOMEM;
	if (!string_is_alnum_or(r->host, r->family == AF_INET6 ? ".-:" : ".-")) {
		free(r->host);
		r->host = NULL;
		return -EINVAL;
	}
	return 0;
}

/* Connect=ENDPOINT */
static int
parse_connect(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy *p = ((struct policy_parser *) data)->policy;
	_cleanup_(policy_connect_rule_done) struct policy_connect_rule rule = {};
	struct policy_connect_rule *v;
	int r;

	/* Empty: the endpoints so far are dropped. */
	if (value[0] == '\0') {
		for (size_t i = 0; i < p->n_connect_rules; i++)
			policy_connect_rule_done(&p->connect_rules[i]);
		p->n_connect_rules = 0;
		return 0;
	}
	r = policy_parse_endpoint(value, &rule);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return error_msg_setf(&err->msg, EINVAL,
		    "Connect=: '%s' is not 'unix:/PATH', 'tcp:HOST:PORT' or "
		    "'udp:HOST:PORT'", value);
	if (p->n_connect_rules >= POLICY_BROKER_RULES_MAX)
		return error_msg_setf(&err->msg, EINVAL,
		    "too many Connect= rules (at most %d)", POLICY_BROKER_RULES_MAX);
	rule.endpoint = strdup(value);
	if (!rule.endpoint)
		return -ENOMEM;
	/* Once realloc() succeeded the array is the policy's: the rule moves
	 * into it whole, and nothing is left for the cleanup. */
	v = reallocarray(p->connect_rules, p->n_connect_rules + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->connect_rules = v;
	v[p->n_connect_rules++] = rule;
	rule = (struct policy_connect_rule) {};
	return 0;
}

static int parse_include(const struct ini_key *k, const char *value, void *data,
    struct ini_error *err);

/* Where a row's field lies in struct policy. */
#define FIELD(f) offsetof(struct policy, f)

/* Every key a policy may hold. */
static const struct ini_key policy_keys[] = {
	{ "Policy",      "Description",         parse_string,     FIELD(description) },
	{ "Policy",      "Include",             parse_include },
	{ "Filesystem",  "BindReadOnly",        parse_bind,       0, POLICY_MOUNT_BIND_RO },
	{ "Filesystem",  "Bind",                parse_bind,       0, POLICY_MOUNT_BIND_RW },
	{ "Filesystem",  "Symlink",             parse_symlink },
	{ "Filesystem",  "TemporaryFileSystem", parse_tmpfs },
	{ "Filesystem",  "Tmp",                 parse_bool,       FIELD(tmp) },
	{ "Filesystem",  "TmpSize",             parse_tmp_size,   FIELD(limits.tmp_size), 4096 },
	{ "Filesystem",  "Shm",                 parse_bool,       FIELD(shm) },
	{ "Filesystem",  "ShmSize",             parse_tmp_size,   FIELD(limits.shm_size), 4096 },
	{ "Sandbox",     "Hostname",            parse_hostname,   FIELD(hostname) },
	{ "Sandbox",     "Environment",         parse_environment_key },
	{ "Sandbox",     "WorkingDirectory",    parse_path,       FIELD(cwd) },
	{ "Limits",      "WallTime",            parse_limit_time, FIELD(limits.timeout_ms), 1 },
	{ "Limits",      "Memory",              parse_limit_size, FIELD(limits.memory_max), 1 << 20 },
	/* The sandbox's init and the target are two tasks already. */
	{ "Limits",      "Tasks",               parse_limit_u64,  FIELD(limits.tasks_max), 2 },
	{ "Limits",      "CPUTime",             parse_limit_time, FIELD(limits.cpu_ms), 1 },
	{ "Limits",      "CPUQuota",            parse_cpu_quota,  FIELD(limits.cpu_quota_pct) },
	{ "Limits",      "OpenFiles",           parse_limit_u64,  FIELD(limits.nofile_max), 8 },
	{ "Limits",      "FileSize",            parse_limit_size, FIELD(limits.fsize_max), 0 },
	{ "Network",     "Network",             parse_network },
	{ "Security",    "Landlock",            parse_landlock },
	{ "Security",    "MemoryExecutables",   parse_bool,       FIELD(memory_executables) },
	{ "Broker",      "File",                parse_path_rule,  0, false },
	{ "Broker",      "Tree",                parse_path_rule,  0, true },
	{ "Broker",      "Connect",             parse_connect },
	{ "Broker",      "Intercept",           parse_intercept,  FIELD(intercept) },
	{ "SystemCalls", "Allow",               parse_allow },
	{ "SystemCalls", "Action",              parse_action },
	{ "SystemCalls", "NameDenials",         parse_bool,       FIELD(name_denials) },
	{ "SystemCalls", "RestrictAddressFamilies", parse_families },
	{ "SystemCalls", "RestrictNetlink",     parse_netlink },
};

/* Looks the key up in policy_keys[] and remembers where a mount or a
 * [Broker] rule came from, for messages. Sections no row names never get
 * here: ini_parse_all_known() reports them at their header. */
static int
policy_handle(const char *section, const char *key, const char *value, unsigned line,
    void *userdata, struct ini_error *err)
{
	struct policy_parser *pp = userdata;
	struct policy *p = pp->policy;
	const struct ini_key *k = ini_key_find(policy_keys, ELEMENTSOF(policy_keys), section, key);
	size_t n_mounts = p->n_mounts, n_paths = p->n_path_rules, n_connects = p->n_connect_rules;
	int r;

	/* A file's first pass applies its Include= lines, and only those. */
	if (pp->pass_includes) {
		if (!k || k->parse != parse_include)
			return 0;
		pp->local_line = line;
		return parse_include(k, value, pp, err);
	}
	/* What an included file adds is where the top file includes it. */
	if (pp->top_line > 0)
		line = pp->top_line;
	if (section[0] == '\0')
		return error_msg_setf(&err->msg, EINVAL, "'%s=' outside of any section", key);
	if (!k)
		return error_msg_setf(&err->msg, EINVAL,
		    "unknown key '%s' in section [%s]", key, section);
	pp->line = line;
	r = k->parse(k, value, pp, err);
	if (r < 0)
		return r;
	if (p->n_mounts > n_mounts)
		p->mounts[n_mounts].line = line;
	if (p->n_path_rules > n_paths)
		p->path_rules[n_paths].line = line;
	if (p->n_connect_rules > n_connects)
		p->connect_rules[n_connects].line = line;
	return r;
}

/* Appends n bytes of s to the text after inclusion; that text must load
 * alone, so it is held to a policy's size (too_large once over it). */
static int
effective_add(struct policy_parser *pp, const char *s, size_t n)
{
	char *e;

	if (pp->too_large || pp->effective_len + n > SBX_POLICY_TEXT_MAX) {
		pp->too_large = true;
		return 0;
	}
	e = realloc(pp->effective, pp->effective_len + n + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e + pp->effective_len, s, n);
	pp->effective_len += n;
	e[pp->effective_len] = '\0';
	pp->effective = e;
	return 0;
}

static int _printf_(2, 3)
effective_addf(struct policy_parser *pp, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return effective_add(pp, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

/* Appends a file's own text, its Include= lines made comments (what they
 * name is above already), and a final newline. */
static int
effective_add_text(struct policy_parser *pp, const char *text)
{
	int r = 0;

	for (const char *l = text; r >= 0 && *l;) {
		size_t n = strcspn(l, "\n"), w = strspn(l, " \t");

		if (strncmp(l + w, "Include", 7) == 0 && l[w + 7 + strspn(l + w + 7, " \t")] == '=')
			r = effective_add(pp, "# ", 2);
		if (r >= 0)
			r = effective_add(pp, l, n);
		if (r >= 0)
			r = effective_add(pp, "\n", 1);
		l += n + (l[n] == '\n');
	}
	return r;
}

/*
 * Whether m is what include_diags() made of a nested file's diagnostic,
 * "Include=B[ -> C...]: PATH:...", PATH being the last name's: then
 * *ret_chain is the names' length and *ret_rest where PATH starts.
 */
static bool
include_forwarded(const struct policy_sources *s, const char *m, size_t *ret_chain,
    const char **ret_rest)
{
	const struct policy_source *src;
	const char *names = m + 8, *last;
	size_t n;
	char name[64];

	if (strncmp(m, "Include=", 8) != 0)
		return false;
	n = strspn(names, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-> ");
	while (n > 0 && names[n - 1] == ' ')
		n--;
	if (names[n] != ':' || names[n + 1] != ' ')
		return false;
	last = names;
	for (const char *a = strstr(names, " -> "); a && a < names + n; a = strstr(a + 4, " -> "))
		last = a + 4;
	if ((size_t) (names + n - last) >= sizeof(name))
		return false;
	memcpy(name, last, (size_t) (names + n - last));
	name[names + n - last] = '\0';
	src = policy_sources_find(s, name);
	if (!src || strncmp(names + n + 2, src->path, strlen(src->path)) != 0 ||
	    names[n + 2 + strlen(src->path)] != ':')
		return false;
	*ret_chain = n;
	*ret_rest = names + n + 2;
	return true;
}

/* Reports an included file's diagnostics c at the Include= line of the
 * file that includes it, naming the included file and its line (through
 * more than one include: the innermost file's, after the chain of names). */
static void
include_diags(const struct policy_parser *pp, unsigned line, const char *name, const char *path,
    const struct ini_diags *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		const struct ini_diag *g = &c->v[i];
		const char *rest;
		char where[16] = "";
		size_t n;

		if (include_forwarded(pp->sources, g->message, &n, &rest)) {
			ini_diags_add(pp->d, line, g->severity, c->error, "Include=%s -> %.*s: %s",
			    name, (int) n, g->message + 8, rest);
			continue;
		}
		if (g->line > 0)
			(void) snprintf(where, sizeof(where), ":%u", g->line);
		ini_diags_add(pp->d, line, g->severity, c->error, "Include=%s: %s%s: %s", name, path,
		    where, g->message);
	}
	if (c->n_errors + c->n_warnings > c->n)
		ini_diags_add(pp->d, line, INI_ERROR, c->error, "Include=%s: %s: %u more problems",
		    name, path, c->n_errors + c->n_warnings - c->n);
}

static int parse_file(struct policy_parser *pp, const char *text, const char *label,
    struct ini_diags *d);

/*
 * [Policy] Include=NAME, on a file's first pass: NAME's lines, and the
 * lines of what it includes, are applied before the rest of this file.
 * Errors go straight to the file's diagnostics (the first pass's own are
 * dropped: the second pass reports the file's other lines).
 */
static int
parse_include(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	struct policy_parser *pp = data;
	const struct policy_source *src;
	_cleanup_free_ struct ini_diags *c = NULL;
	struct ini_diags *d = pp->d;
	unsigned line = pp->local_line, saved_top = pp->top_line;
	char chain[512] = "", label[1200];
	int r;

	if (!pp->pass_includes)
		return 0;
	if (!policy_name_is_valid(value)) {
		ini_diags_add(d, line, INI_ERROR, -EINVAL, "Include=: invalid policy name '%s'",
		    value);
		return 0;
	}
	for (unsigned i = 0; i < pp->depth; i++)
		if (strcmp(pp->stack[i], value) == 0) {
			size_t n = 0;

			for (unsigned j = i; j < pp->depth && n < sizeof(chain); j++)
				n += (size_t) snprintf(chain + n, sizeof(chain) - n, "%s -> ",
				    pp->stack[j]);
			ini_diags_add(d, line, INI_ERROR, -ELOOP, "Include=%s: include loop: %s%s",
			    value, chain, value);
			return 0;
		}
	/* The top policy's own name is on the stack too, if it has one. */
	if (pp->depth - (pp->policy->name ? 1 : 0) >= POLICY_INCLUDE_DEPTH_MAX) {
		ini_diags_add(d, line, INI_ERROR, -ELOOP, "Include=%s: includes nested more than "
		    "%d deep", value, POLICY_INCLUDE_DEPTH_MAX);
		return 0;
	}
	src = policy_sources_find(pp->sources, value);
	if (!src) {
		ini_diags_add(d, line, INI_ERROR, -ENOENT, "Include=%s: no such policy", value);
		return 0;
	}
	if (!src->text) {
		ini_diags_add(d, line, INI_ERROR, -EIO, "Include=%s: %s cannot be read", value,
		    src->path);
		return 0;
	}
	/* Included twice (A includes B and C, both include D): once. */
	for (char **a = pp->applied; a && *a; a++)
		if (strcmp(*a, value) == 0)
			return effective_addf(pp, "# Include=%s: applied above already\n", value);
	r = strv_push(&pp->applied, value);
	if (r < 0)
		return r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	(void) snprintf(label, sizeof(label), "Include=%s: %s", value, src->path);
	pp->stack[pp->depth++] = src->name;
	if (pp->top_line == 0)
		pp->top_line = line;
	if (!pp->included)
		pp->first_include = pp->top_line;
	pp->included = true;
	r = parse_file(pp, src->text, label, c);
	pp->top_line = saved_top;
	pp->depth--;
	if (r < 0)
		return r;
	include_diags(pp, line, value, src->path, c);
	return 0;
}

/*
 * Applies one file to the policy: its Include= lines first (pass 1, each
 * in order, recursively), then its other lines (pass 2). Diagnostics of
 * its lines go to d. The text after inclusion grows by the included
 * files, then this one under a comment saying which (label). -ENOMEM or 0.
 */
static int
parse_file(struct policy_parser *pp, const char *text, const char *label, struct ini_diags *d)
{
	_cleanup_free_ struct ini_diags *scratch = calloc(1, sizeof(*scratch));
	struct ini_diags *saved_d = pp->d;
	bool saved_pass = pp->pass_includes;
	int r;

	if (!scratch)
		return -ENOMEM;
	pp->d = d;
	pp->pass_includes = true;
	r = ini_parse_all_known(text, policy_keys, ELEMENTSOF(policy_keys), policy_handle, pp,
	    scratch);
	pp->pass_includes = false;
	if (r != -ENOMEM)
		r = ini_parse_all_known(text, policy_keys, ELEMENTSOF(policy_keys), policy_handle,
		    pp, d);
	pp->d = saved_d;
	pp->pass_includes = saved_pass;
	if (r == -ENOMEM)
		return r;
	r = effective_addf(pp, "# %s\n", label);
	if (r >= 0)
		r = effective_add_text(pp, text);
	return r;
}

/* Whether path is dir itself or lies beneath it (both normalized). */
static bool
path_is_at_or_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * Connect=unix:PATH grants one socket, so a target must not be able to
 * put another one (or a symlink) at PATH: no rule that lets it write,
 * create or delete may name PATH or one of its ancestors (Tree= covers
 * what lies beneath; File= on an ancestor directory lets it rename that
 * directory away and make another in its place).
 */
static void
check_unix_connects(const struct policy *p, struct ini_diags *d)
{
	const unsigned changing = POLICY_RIGHT_WRITE | POLICY_RIGHT_CREATE | POLICY_RIGHT_DELETE;

	for (size_t i = 0; i < p->n_connect_rules; i++) {
		const struct policy_connect_rule *c = &p->connect_rules[i];

		if (c->family != AF_UNIX)
			continue;
		for (size_t j = 0; j < p->n_path_rules; j++) {
			const struct policy_path_rule *r = &p->path_rules[j];

			if (!(r->rights & changing) || !path_is_at_or_below(c->host, r->path))
				continue;
			ini_diags_add(d, c->line, INI_ERROR, -EINVAL, "Connect=unix:%s: the socket "
			    "lies where %s=%s (line %u) lets the target write, create or delete, "
			    "so the target could put another socket or a symlink there; move "
			    "the socket out of that rule", c->host, r->tree ? "Tree" : "File",
			    r->path, r->line);
			break;
		}
	}
}

/* Copies the first error of d into err (for the first-error API). */
static void
first_error(const struct ini_diags *d, struct ini_error *err)
{
	if (!err)
		return;
	err->line = 0;
	err->message[0] = '\0';
	for (unsigned i = 0; i < d->n; i++)
		if (d->v[i].severity == INI_ERROR) {
			err->line = d->v[i].line;
			memcpy(err->message, d->v[i].message, sizeof(d->v[i].message));
			return;
		}
}

static void
policy_parser_done(struct policy_parser *pp)
{
	strv_free(pp->applied);
	free(pp->effective);
}

int
policy_parse_sources_all(const char *name, const char *path, const char *text,
    const struct policy_sources *sources, struct policy **ret, struct ini_diags *d)
{
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	_cleanup_(policy_parser_done) struct policy_parser pp = {};
	struct ini_error err = {};
	bool has_path = false;
	int r;

	if (!text || !ret || !d)
		return -EINVAL;
	if (name && !policy_name_is_valid(name)) {
		ini_diags_add(d, 0, INI_ERROR, -EINVAL, "invalid policy name '%s'", name);
		return -EINVAL;
	}
	if (strlen(text) > SBX_POLICY_TEXT_MAX) {
		ini_diags_add(d, 0, INI_ERROR, -EFBIG, "policy is too large (over %u bytes)",
		    SBX_POLICY_TEXT_MAX);
		return -EFBIG;
	}

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct policy) {
		.n_ref = 1,
		.spare_root = -1,
		.tmp = true,
		.shm = true,
		.limits = {
			.timeout_ms = 3600 * 1000,
			.memory_max = UINT64_C(512) << 20,
			.tasks_max = 64,
			.cpu_ms = 600 * 1000,
			.nofile_max = 256,
			.fsize_max = UINT64_C(256) << 20,
			.tmp_size = UINT64_C(64) << 20,
			.shm_size = UINT64_C(64) << 20,
			.cpu_quota_pct = POLICY_UNLIMITED,
		},
		.network = false,
		.landlock = POLICY_BEST_EFFORT,
		.syscall_errno = EPERM,
		.name_denials = true,
		.socket_families = POLICY_FAMILIES_DEFAULT,
		.netlink_protocols = POLICY_NETLINK_DEFAULT,
	};
	if ((name && !(p->name = strdup(name))) || (path && !(p->path = strdup(path))) ||
	    !(p->text = strdup(text)))
		return -ENOMEM;

	pp.policy = p;
	pp.sources = sources;
	if (name)
		pp.stack[pp.depth++] = p->name;
	r = effective_addf(&pp, "# Policy '%s' with what its Include= lines name, in their "
	    "place:\n# loaded alone, this text makes the same policy.\n", name ?: "-");
	if (r >= 0)
		r = parse_file(&pp, text, path ?: "<text>", d);
	if (r == -ENOMEM)
		return r;
	if (pp.included && pp.too_large)
		ini_diags_add(d, pp.first_include, INI_ERROR, -EFBIG, "the policy with what it "
		    "includes is too large (over %u bytes)", SBX_POLICY_TEXT_MAX);
	ini_diags_sort(d);
	if (d->error < 0)
		return d->error;
	check_unix_connects(p, d);
	if (pp.netlink_line > 0 && !(p->socket_families & (UINT64_C(1) << AF_NETLINK)))
		ini_diags_add(d, pp.netlink_line, INI_ERROR, -EINVAL, "RestrictNetlink=: names "
		    "netlink protocols, but RestrictAddressFamilies= does not allow AF_NETLINK");
	if (d->error < 0)
		return d->error;

	/* Defaults for what the file left out. */
	if (!p->hostname && !(p->hostname = strdup("sandbox")))
		return -ENOMEM;
	if (!p->cwd && !(p->cwd = strdup("/")))
		return -ENOMEM;
	for (size_t i = 0; i < pp.n_env; i++)
		if (strncmp(p->environment[i], "PATH=", 5) == 0)
			has_path = true;
	if (!has_path) {
		r = parse_environment(&pp, default_path, &err);
		if (r < 0)
			return r;
	}
	if (!p->syscalls) {
		p->syscalls = calloc(1, sizeof(char *));
		if (!p->syscalls)
			return -ENOMEM;
	}
	qsort(p->syscalls, pp.n_syscalls, sizeof(char *), strcmp_ptr);
	if (pp.included)
		p->effective = TAKE_PTR(pp.effective);

	*ret = TAKE_PTR(p);
	return 0;
}

int
policy_parse_all(const char *name, const char *path, const char *text, struct policy **ret,
    struct ini_diags *d)
{
	return policy_parse_sources_all(name, path, text, NULL, ret, d);
}

/* The first-error API over the _all one: text, or if NULL the file path. */
static int
parse_first_error(const char *name, const char *path, const char *text, struct policy **ret,
    struct ini_error *err)
{
	_cleanup_free_ struct ini_diags *d = calloc(1, sizeof(*d));
	int r;

	if (err) {
		err->line = 0;
		err->message[0] = '\0';
	}
	if (!d)
		return -ENOMEM;
	if (text)
		r = policy_parse_all(name, path, text, ret, d);
	else
		r = policy_load_file_all(name, path, ret, d);
	first_error(d, err);
	return r;
}

int
policy_parse(const char *name, const char *path, const char *text, struct policy **ret,
    struct ini_error *err)
{
	if (!text)
		return -EINVAL;
	return parse_first_error(name, path, text, ret, err);
}

int
policy_load_file(const char *name, const char *path, struct policy **ret, struct ini_error *err)
{
	return parse_first_error(name, path, NULL, ret, err);
}
