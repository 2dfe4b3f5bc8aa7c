/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy parser: policy_parse() then policy_compile() on the input as
 * policy text, as the daemon loads a file (and as POLICY_CHECK handles a
 * client's text). On success the broker rules are matched against their
 * own paths, as a request would be. No fd may be left open (compile goes
 * through a memfd), and an error must say what it is.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "policy.h"

static void
match_rules(const struct policy *p)
{
	const char *rel = NULL;

	/* A rule's own path and endpoint are always governed by some rule. */
	for (size_t i = 0; i < p->n_path_rules; i++) {
		rel = NULL;
		if (!policy_match_path(p, p->path_rules[i].path, &rel) || !rel || !*rel)
			abort();
	}
	for (size_t i = 0; i < p->n_connect_rules; i++)
		if (!policy_match_connect(p, p->connect_rules[i].endpoint))
			abort();
	(void) policy_match_path(p, "/", &rel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_strndup(data, size);
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	struct ini_error err = {};
	unsigned before = testlib_count_fds();
	int r;

	r = policy_parse("fuzz", "fuzz.policy", text, &p, &err);
	if (r >= 0) {
		r = policy_compile(p, &err);
		if (r >= 0)
			match_rules(p);
	}
	if (r < 0 && (!memchr(err.message, '\0', sizeof(err.message)) || !err.message[0]))
		abort();
	p = policy_unref(p);
	fuzz_assert_fds(before, "policy_parse + policy_compile");
	return 0;
}
