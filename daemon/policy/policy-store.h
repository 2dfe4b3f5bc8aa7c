/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The set of loaded policies. Layers, lowest priority first: the policies
 * embedded in the binary, then each configured directory (the installed
 * share dir, then /etc/sandboxd/policies, then --policy-dir). A name in a
 * later layer replaces the earlier one. Policies are compiled when loaded.
 * On reload a policy whose file is broken keeps its previous version: it is
 * stolen from prev, so prev must be freed afterwards, not used.
 */
#pragma once

#include <stddef.h>

#include "policy.h"

struct policy_store {
	struct policy	**policies;	/* sorted by name */
	size_t		n;
};

/* Loads every layer. A broken file is logged (path:line) and skipped; if
 * prev is given, prev's version of that name is kept instead. */
int policy_store_load(char *const *dirs, struct policy_store *prev, struct policy_store **ret);

struct embedded_policy {
	const char	*name;
	const char	*text;
};
/* Generated from policies/NAME.policy at build time; ends with a NULL name. */
extern const struct embedded_policy embedded_policies[];
struct policy_store *policy_store_free(struct policy_store *s);
struct policy *policy_store_find(const struct policy_store *s, const char *name);
