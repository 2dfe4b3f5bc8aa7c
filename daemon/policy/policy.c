/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy model: a struct policy's lifetime (references) and the
 * lookups the broker makes in it (which rule governs a path or an
 * endpoint). Pure. Parsing is policy-parse.c's, the seccomp filter
 * policy-seccomp.c's, and everything that touches the host policy-io.c's.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "policy.h"
#include "policy-internal.h"
#include "string-util.h"

bool
policy_name_is_valid(const char *name)
{
	if (!name || name[0] == '-')
		return false;
	return strlen(name) <= 63 && string_is_name_n(name, strlen(name));
}

void
policy_connect_rule_done(struct policy_connect_rule *r)
{
	free(r->endpoint);
	free(r->host);
}

int
policy_sources_add(struct policy_sources *s, const char *name, const char *path,
    const char *text)
{
	_cleanup_free_ char *n = strdup(name), *f = strdup(path), *t = text ? strdup(text) : NULL;
	struct policy_source *v;

	if (!n || !f || (text && !t))
		return -ENOMEM;
	v = reallocarray(s->v, s->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->v[s->n++] = (struct policy_source) {
		.name = TAKE_PTR(n),
		.path = TAKE_PTR(f),
		.text = TAKE_PTR(t),
	};
	return 0;
}

const struct policy_source *
policy_sources_find(const struct policy_sources *s, const char *name)
{
	for (size_t i = s ? s->n : 0; i > 0; i--)
		if (strcmp(s->v[i - 1].name, name) == 0)
			return &s->v[i - 1];
	return NULL;
}

void
policy_sources_done(struct policy_sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].path);
		free(s->v[i].text);
	}
	free(s->v);
	*s = (struct policy_sources) {};
}

struct policy *
policy_ref(struct policy *p)
{
	assert(p->n_ref > 0);
	p->n_ref++;
	return p;
}

struct policy *
policy_unref(struct policy *p)
{
	if (!p)
		return NULL;
	assert(p->n_ref > 0);
	if (--p->n_ref > 0)
		return NULL;
	safe_close(p->spare_root);
	free(p->name);
	free(p->path);
	free(p->text);
	free(p->effective);
	free(p->description);
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].source);
		free(p->mounts[i].dest);
	}
	free(p->mounts);
	free(p->hostname);
	strv_free(p->environment);
	free(p->cwd);
	strv_free(p->syscalls);
	policy_arg_rules_free(p->arg_rules, p->n_arg_rules);
	free(p->bpf);
	free(p->notify_bpf);
	free(p->learn_bpf);
	for (size_t i = 0; i < p->n_path_rules; i++) {
		free(p->path_rules[i].path);
		safe_close(p->path_rules[i].dirfd);
	}
	free(p->path_rules);
	for (size_t i = 0; i < p->n_connect_rules; i++)
		policy_connect_rule_done(&p->connect_rules[i]);
	free(p->connect_rules);
	free(p);
	return NULL;
}

const struct policy_mount *
policy_mount_above(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		const char *d = p->mounts[i].dest;
		size_t n = strlen(d);

		if (strncmp(path, d, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return &p->mounts[i];
	}
	return NULL;
}

const struct policy_path_rule *
policy_match_path(const struct policy *p, const char *path, const char **ret_rel)
{
	const struct policy_path_rule *best = NULL;
	const char *best_rel = NULL;
	size_t best_len = 0;

	if (!path || path[0] != '/')
		return NULL;
	for (size_t i = 0; i < p->n_path_rules; i++) {
		const struct policy_path_rule *r = &p->path_rules[i];
		size_t n = strlen(r->path);
		const char *rel;

		if (!r->tree) {
			if (strcmp(path, r->path) != 0)
				continue;
			rel = r->name;
		} else if (n == 1) {		/* Tree=/ */
			rel = path + strspn(path, "/");
		} else if (strncmp(path, r->path, n) == 0 && (path[n] == '\0' || path[n] == '/')) {
			rel = path + n + strspn(path + n, "/");
		} else
			continue;
		if (rel[0] == '\0')
			rel = ".";
		if (!best || n > best_len || (n == best_len && !r->tree)) {
			best = r;
			best_rel = rel;
			best_len = n;
		}
	}
	if (best)
		*ret_rel = best_rel;
	return best;
}

const struct policy_connect_rule *
policy_match_connect(const struct policy *p, const char *endpoint)
{
	for (size_t i = 0; i < p->n_connect_rules; i++)
		if (strcasecmp(p->connect_rules[i].endpoint, endpoint) == 0)
			return &p->connect_rules[i];
	return NULL;
}

bool
policy_allows_syscall(const struct policy *p, const char *name)
{
	size_t n = 0;

	while (p->syscalls && p->syscalls[n])
		n++;
	/* p->syscalls is sorted and unique (policy-parse.c). */
	return n > 0 && bsearch(&name, p->syscalls, n, sizeof(char *), strcmp_ptr);
}

bool
policy_names_syscall(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_arg_rules; i++)
		if (strcmp(p->arg_rules[i].syscall, name) == 0)
			return true;
	return policy_allows_syscall(p, name);
}

void
policy_arg_rules_free(struct policy_arg_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].syscall);
	free(v);
}
