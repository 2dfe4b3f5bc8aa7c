/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading policies from the embedded set and the policy directories. The
 * directories are administrator-owned (docs/ARCHITECTURE.md, "Build
 * rules"); a file that does not parse never replaces a working policy.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "policy-store.h"

static int
store_put(struct policy_store *s, struct policy *p)
{
	struct policy **v;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->policies[i]->name, p->name) == 0) {
			policy_unref(s->policies[i]);
			s->policies[i] = p;
			return 0;
		}
	v = realloc(s->policies, (s->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->policies = v;
	s->policies[s->n++] = p;
	return 0;
}

/* Records name as broken (once), or, loaded = true, as loaded again. */
static int
mark_broken(struct policy_store *s, const char *name, bool broken)
{
	size_t n = strv_length(s->broken);

	for (size_t i = 0; i < n; i++)
		if (strcmp(s->broken[i], name) == 0) {
			if (!broken) {
				free(s->broken[i]);
				memmove(s->broken + i, s->broken + i + 1, (n - i) * sizeof(char *));
			}
			return 0;
		}
	return broken ? strv_push(&s->broken, name) : 0;
}

/* Logs each of d's diagnostics as path:line. */
static void
log_diags(const char *path, const struct ini_diags *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		const struct ini_diag *g = &d->v[i];
		int level = g->severity == INI_ERROR ? LOG_ERR : LOG_WARNING;

		if (g->line > 0)
			log_full_errno(level, 0, "%s:%u: %s", path, g->line, g->message);
		else
			log_full_errno(level, 0, "%s: %s", path, g->message);
	}
	if (d->n_errors + d->n_warnings > d->n)
		log_error("%s: %u more problems not shown.", path,
		    d->n_errors + d->n_warnings - d->n);
}

/* Parses src (Include= finds what it names in all) and compiles it; on
 * failure logs every error and marks its name broken. A source without a
 * text is read again, for its error. */
static int
store_add_source(struct policy_store *s, const struct policy_source *src,
    const struct policy_sources *all)
{
	_cleanup_free_ struct ini_diags *d = calloc(1, sizeof(*d));
	_cleanup_free_ char *owned = NULL;
	const char *name = src->name, *path = src->path, *text = src->text;
	struct ini_error err = {};
	struct policy *p = NULL;
	int r = 0;

	if (!d)
		return -ENOMEM;
	if (!text) {
		r = policy_read_file(path, &owned, d);
		text = owned;
	}
	if (r >= 0)
		r = policy_parse_sources_all(name, path, text, all, &p, d);
	if (r >= 0) {
		r = policy_compile(p, &err);
		if (r < 0)
			ini_diags_add(d, err.line, INI_ERROR, r, "%s",
			    err.message[0] ? err.message : strerror(-r));
	}
	if (r >= 0) {
		/* The daemon says at start what Landlock this kernel has. */
		policy_lint(p, -1, d);
		r = policy_open_broker(p);
		if (r < 0)
			ini_diags_add(d, 0, INI_ERROR, r, "cannot open the [Broker] paths: %s",
			    strerror(-r));
	}
	if (r == -ENOMEM && d->n == 0)
		ini_diags_add(d, 0, INI_ERROR, r, "%s", strerror(-r));
	log_diags(path, d);

	if (r < 0) {
		policy_unref(p);
		return r == -ENOMEM ? r : mark_broken(s, name, true);
	}
	r = store_put(s, p);
	if (r < 0) {
		policy_unref(p);
		return r;
	}
	return mark_broken(s, name, false);
}

static int
cmp_policy(const void *a, const void *b)
{
	return strcmp((*(struct policy *const *) a)->name, (*(struct policy *const *) b)->name);
}

/* Adds the policy files of dir to all, each with its text (NULL if it
 * cannot be read: loading says why). */
static int
sources_add_dir(struct policy_sources *all, const char *dir, struct ini_diags *scratch)
{
	struct dirent **names = NULL;
	int n, r = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		return log_warning_errno(errno, "Failed to read policy directory '%s', ignoring: %m",
		    dir);
	}
	for (int i = 0; i < n; i++) {
		const char *fn = names[i]->d_name;
		size_t l = strlen(fn);
		char name[256], path[4096];

		if (r >= 0 && l > 7 && strcmp(fn + l - 7, ".policy") == 0 && l - 7 < sizeof(name)) {
			memcpy(name, fn, l - 7);
			name[l - 7] = '\0';
			if (!policy_name_is_valid(name))
				log_warning("Ignoring policy file '%s/%s': invalid name.", dir, fn);
			else if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, fn) < sizeof(path)) {
				_cleanup_free_ char *text = NULL;

				r = policy_read_file(path, &text, scratch);
				if (r != -ENOMEM)
					r = policy_sources_add(all, name, path, text);
			}
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int
policy_sources_load(char *const *dirs, struct policy_sources *ret)
{
	_cleanup_free_ struct ini_diags *scratch = calloc(1, sizeof(*scratch));
	struct policy_sources all = {};
	int r = 0;

	if (!scratch)
		return -ENOMEM;
	for (const struct embedded_policy *e = embedded_policies; r >= 0 && e->name; e++) {
		char path[128];

		(void) snprintf(path, sizeof(path), "<embedded>/%s.policy", e->name);
		r = policy_sources_add(&all, e->name, path, e->text);
	}
	for (char *const *d = dirs; r >= 0 && d && *d; d++)
		r = sources_add_dir(&all, *d, scratch);
	if (r < 0) {
		policy_sources_done(&all);
		return r;
	}
	*ret = all;
	return 0;
}

int
policy_store_load(char *const *dirs, struct policy_store **ret)
{
	_cleanup_(policy_sources_done) struct policy_sources all = {};
	struct policy_store *s;
	int r;

	/* Every file first: Include= names what a spawn's --policy would
	 * name, the highest layer's file, whichever file includes it. */
	r = policy_sources_load(dirs, &all);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < all.n; i++)
		r = store_add_source(s, &all.v[i], &all);
	if (r < 0) {
		policy_store_free(s);
		return r;
	}
	if (s->n > 0)
		qsort(s->policies, s->n, sizeof(*s->policies), cmp_policy);
	*ret = s;
	return 0;
}

int
policy_store_keep(struct policy_store *s, const struct policy_store *prev)
{
	for (char **b = s->broken; b && *b; b++) {
		struct policy *p = prev ? policy_store_find(prev, *b) : NULL;
		bool added;
		int r;

		if (!p)
			continue;
		added = !policy_store_find(s, *b);
		r = store_put(s, policy_ref(p));
		if (r < 0) {
			policy_unref(p);
			return r;
		}
		log_warning("Keeping the previous version of policy '%s'.", *b);
		if (added)
			qsort(s->policies, s->n, sizeof(*s->policies), cmp_policy);
	}
	return 0;
}

struct policy_store *
policy_store_free(struct policy_store *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		policy_unref(s->policies[i]);
	free(s->policies);
	strv_free(s->broken);
	free(s);
	return NULL;
}

struct policy *
policy_store_find(const struct policy_store *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->policies[i]->name, name) == 0)
			return s->policies[i];
	return NULL;
}
