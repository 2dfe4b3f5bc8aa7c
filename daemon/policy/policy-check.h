/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checking untrusted policy text: "sandboxd --check-policy FILE|-". The
 * text is read only once the process runs unprivileged (see
 * policy_check_drop_privileges()) under a tight seccomp filter; then it
 * is parsed, compiled and linted with the daemon's own code and every
 * diagnostic is printed. sandboxctl runs this mode for "policy check"; the
 * daemon runs it in a child for POLICY_CHECK (policy-checker.c).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The identity "sandboxd --check-policy" takes when started as root. */
#define POLICY_CHECK_NOBODY	65534

/*
 * Drops to uid/gid for good: bounding and ambient capabilities cleared,
 * no supplementary groups, real/effective/saved ids all changed, every
 * capability dropped and no_new_privs set; then checks that root cannot
 * be regained. Only system calls, so a forked child may call it.
 */
int policy_check_drop_privileges(uid_t uid, gid_t gid);

/*
 * The check mode. path "-" reads standard input. Include= names the
 * policies of the embedded set and of dirs (read before the text, as the
 * caller, and only parsed once confined). Diagnostics go to stderr
 * as "FILE:LINE: error: message" (warnings alike), then a summary; with
 * wire, stdout gets one POLICY_REPORT message instead (for the daemon).
 * Returns the exit status: 0 valid, 1 errors or the check itself failed.
 */
int policy_check_main(const char *path, char *const *dirs, bool wire);
