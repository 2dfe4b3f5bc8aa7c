/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the policy-*.c files only: not the policy API (policy.h). */
#pragma once

#include "ini.h"
#include "macro.h"
#include "policy.h"

/* Frees what a connect rule owns (not the rule itself). */
void policy_connect_rule_done(struct policy_connect_rule *r);

/* policy-args.c: parses the conditions of Allow=NAME(CONDS) into *ret. */
int policy_arg_rule_parse(const char *name, const char *conds, struct policy_arg_rule *ret,
    struct error_msg *msg);
const char *policy_arg_op_to_string(enum policy_arg_op op);
/* policy-parse.c: the value of an AF_* name RestrictAddressFamilies= knows. */
int policy_family_from_name(const char *name, uint64_t *ret);
