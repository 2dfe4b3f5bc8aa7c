/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy code's I/O, all of it: reading a policy file, linting a
 * policy against this host (stat() of bind sources), opening the [Broker]
 * rules' directories and resolving Connect= host names (getaddrinfo(),
 * at load time only: a target never makes us look anything up).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "policy.h"
#include "sandbox-protocol.h"

int
policy_read_fd(int fd, char **ret, struct ini_diags *d)
{
	int r;

	r = read_full_fd(fd, SBX_POLICY_TEXT_MAX, ret, NULL);
	if (r == -EFBIG)
		ini_diags_add(d, 0, INI_ERROR, r, "policy is too large (over %u bytes)",
		    SBX_POLICY_TEXT_MAX);
	else if (r == -EBADMSG)
		ini_diags_add(d, 0, INI_ERROR, r, "policy contains a NUL byte");
	else if (r < 0 && r != -ENOMEM)
		ini_diags_add(d, 0, INI_ERROR, r, "cannot read: %s", strerror(-r));
	return r;
}

int
policy_read_file(const char *path, char **ret, struct ini_diags *d)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		ini_diags_add(d, 0, INI_ERROR, r, "cannot open: %s", strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		ini_diags_add(d, 0, INI_ERROR, -EBADMSG, "not a regular file");
		return -EBADMSG;
	}
	if (st.st_size > SBX_POLICY_TEXT_MAX) {
		ini_diags_add(d, 0, INI_ERROR, -EFBIG, "policy is too large (over %u bytes)",
		    SBX_POLICY_TEXT_MAX);
		return -EFBIG;
	}
	return policy_read_fd(fd, ret, d);
}

int
policy_load_file_all(const char *name, const char *path, struct policy **ret,
    struct ini_diags *d)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	if (!path || !ret || !d)
		return -EINVAL;
	r = policy_read_file(path, &buf, d);
	if (r < 0)
		return r;
	return policy_parse_all(name, path, buf, ret, d);
}

void
policy_lint(const struct policy *p, int landlock_abi, struct ini_diags *d)
{
	bool can_exec;
	struct stat st;

	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];

		if ((m->kind != POLICY_MOUNT_BIND_RO && m->kind != POLICY_MOUNT_BIND_RW) ||
		    m->optional)
			continue;
		if (stat(m->source, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
			ini_diags_add(d, m->line, INI_WARNING, 0, "bind source '%s' does not exist "
			    "on this host: spawns will fail (a leading '-' makes it optional)",
			    m->source);
	}
	for (size_t i = 0; i < p->n_arg_rules; i++)
		if (policy_allows_syscall(p, p->arg_rules[i].syscall))
			ini_diags_add(d, p->arg_rules[i].line, INI_WARNING, 0, "'%s' is allowed "
			    "whatever its arguments too (named alone, or in a group): the conditions "
			    "of this rule add nothing", p->arg_rules[i].syscall);
	can_exec = policy_names_syscall(p, "execve") || policy_names_syscall(p, "execveat");
	if (!can_exec)
		ini_diags_add(d, p->syscalls_line, INI_WARNING, 0, "the system call filter allows "
		    "neither execve nor execveat: this policy cannot run any program");
	if (p->landlock == POLICY_YES && landlock_abi == 0)
		ini_diags_add(d, p->landlock_line, INI_WARNING, 0, "Landlock=yes, but this kernel "
		    "provides no Landlock: every spawn of this policy fails here ('best-effort' "
		    "runs without it)");
	if (p->intercept && p->n_path_rules == 0 && p->n_connect_rules == 0)
		ini_diags_add(d, p->intercept_line, INI_WARNING, 0, "Intercept=yes, but no File=, "
		    "Tree= or Connect= rule: every intercepted call is left to the kernel, and "
		    "costs a round trip to the daemon for nothing");
	ini_diags_sort(d);
}

static int
resolve_connect(struct policy_connect_rule *r)
{
	struct addrinfo hints = { .ai_socktype = r->type, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char port[8];
	int k;

	if (r->family == AF_UNIX) {
		struct sockaddr_un *sa = (struct sockaddr_un *) &r->addrs[0];

		sa->sun_family = AF_UNIX;
		memcpy(sa->sun_path, r->host, strlen(r->host) + 1);
		r->addr_lens[0] = (uint32_t) (offsetof(struct sockaddr_un, sun_path) + strlen(r->host) + 1);
		r->n_addrs = 1;
		return 0;
	}
	hints.ai_family = r->family == AF_INET6 ? AF_INET6 : AF_UNSPEC;
	(void) snprintf(port, sizeof(port), "%u", (unsigned) r->port);
	/* Host names are resolved here, when the policy is loaded, and only
	 * those the policy lists: a target never makes us look anything up. */
	k = getaddrinfo(r->host, port, &hints, &res);
	if (k != 0)
		return -ENOENT;
	r->n_addrs = 0;
	for (struct addrinfo *a = res; a && r->n_addrs < POLICY_CONNECT_ADDRS_MAX; a = a->ai_next) {
		if (a->ai_addrlen > sizeof(r->addrs[0]))
			continue;
		memcpy(&r->addrs[r->n_addrs], a->ai_addr, a->ai_addrlen);
		r->addr_lens[r->n_addrs++] = (uint32_t) a->ai_addrlen;
	}
	freeaddrinfo(res);
	return r->n_addrs > 0 ? 0 : -ENOENT;
}

int
policy_open_rule_dir(const struct policy_path_rule *r)
{
	_cleanup_free_ char *dir = NULL;
	const char *open_path = r->path;
	int fd;

	if (!r->tree) {
		size_t n = (size_t) (r->name - r->path);

		dir = strndup(r->path, n > 1 ? n - 1 : 1);
		if (!dir)
			return -ENOMEM;
		open_path = dir;
	}
	/* O_PATH: we never read it; it anchors openat2(RESOLVE_BENEATH). */
	fd = open(open_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int
policy_open_broker(struct policy *p)
{
	for (size_t i = 0; i < p->n_path_rules; i++) {
		struct policy_path_rule *r = &p->path_rules[i];
		int fd;

		r->dirfd = safe_close(r->dirfd);
		fd = policy_open_rule_dir(r);
		if (fd == -ENOMEM)
			return fd;
		if (fd == -ENOENT)
			log_notice("Policy '%s': [Broker] directory of '%s' does not exist, its "
			    "rule stays inert until it is created and policies are reloaded "
			    "(the shipped tmpfiles.d/sandboxd.conf creates those of the "
			    "shipped policies: systemd-tmpfiles --create sandboxd.conf).",
			    p->name ? p->name : "?", r->path);
		else if (fd < 0)
			log_notice_errno(fd, "Policy '%s': [Broker] directory of '%s' cannot be "
			    "opened, its rule stays inert: %m", p->name ? p->name : "?", r->path);
		else
			r->dirfd = fd;
	}
	for (size_t i = 0; i < p->n_connect_rules; i++)
		if (resolve_connect(&p->connect_rules[i]) < 0)
			log_warning("Policy '%s': Connect=%s cannot be resolved, the rule stays inert.",
			    p->name ? p->name : "?", p->connect_rules[i].endpoint);
	return 0;
}
