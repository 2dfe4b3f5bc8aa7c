/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the policy-*.c files only: not the policy API (policy.h). */
#pragma once

#include "ini.h"
#include "macro.h"
#include "policy.h"

/* Sets err's message (if err) and returns -EINVAL. */
int policy_fail(struct ini_error *err, const char *fmt, ...) _printf_(2, 3);
/* Frees what a connect rule owns (not the rule itself). */
void policy_connect_rule_done(struct policy_connect_rule *r);
