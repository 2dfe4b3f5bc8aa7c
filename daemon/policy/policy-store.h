/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The set of loaded policies. Layers, lowest priority first: the policies
 * embedded in the binary, then each configured directory (the installed
 * share dir, then /etc/sandboxd/policies, then --policy-dir). A name in a
 * later layer replaces the earlier one. Policies are compiled when loaded.
 * Loading touches nothing but the new store (a reload runs it on a worker
 * thread); on reload a policy whose file is broken then keeps its previous
 * version, taken from the current store by policy_store_keep() on the loop
 * thread.
 */
#pragma once

#include <stddef.h>

#include "policy.h"

struct policy_store {
	struct policy	**policies;	/* sorted by name */
	size_t		n;
	char		**broken;	/* names whose last layer did not load */
};

/* Loads every layer. A broken file is logged (path:line) and skipped (its
 * name recorded in broken, unless a later layer loads it). A file whose
 * Include= names a broken policy is broken too. */
int policy_store_load(char *const *dirs, struct policy_store **ret);
/* Reads every layer's files, embedded first, then dirs in order, as
 * sources for Include= (a file that cannot be read has no text). */
int policy_sources_load(char *const *dirs, struct policy_sources *ret);
/* For each broken name, prev's version replaces whatever s has. */
int policy_store_keep(struct policy_store *s, const struct policy_store *prev);

struct embedded_policy {
	const char	*name;
	const char	*text;
};
/* Generated from policies/NAME.policy at build time; ends with a NULL name. */
extern const struct embedded_policy embedded_policies[];
struct policy_store *policy_store_free(struct policy_store *s);
struct policy *policy_store_find(const struct policy_store *s, const char *name);
