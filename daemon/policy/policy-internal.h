/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the policy-*.c files only: not the policy API (policy.h). */
#pragma once

#include "ini.h"
#include "macro.h"
#include "policy.h"

/* Frees what a connect rule owns (not the rule itself). */
void policy_connect_rule_done(struct policy_connect_rule *r);
