/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What sandboxctl prints for list, status, policies and run --report, as
 * text or, with json, as JSON. Every string others chose (argv, policy names and
 * descriptions, denial paths) is printed escaped (common/escape.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "sandbox-client.h"

/* list: a table with a header line, or a JSON array of objects. */
void output_sandbox_list(sandbox_info **v, size_t n, bool json);
/* status: "Key: value" lines, or one JSON object. */
void output_sandbox_status(const sandbox_info *i, bool json);
/* policies: names (NULL-terminated) and their descriptions, in two
 * columns or as a JSON array of { name, description }. */
void output_policy_list(char **names, char **descs, bool json);
/* run --report: how the sandbox ended, the limit it hit, its wall and CPU
 * time and peak memory, to standard error: "Key: value" lines under
 * "Sandbox: ID", as time -v prints them, or one JSON object on one line. */
void output_run_report(const sandbox_exit *ex, bool json);
