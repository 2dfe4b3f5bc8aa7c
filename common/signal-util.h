/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signal names. Pure; returns 0 or -EINVAL/-ERANGE. */
#pragma once

/*
 * A signal by name, with or without "SIG", in any case ("TERM", "sigterm"),
 * or by number (0 to NSIG - 1). The names are glibc's sigabbrev_np() ones,
 * which the daemon logs, plus the aliases IOT (ABRT) and IO (POLL).
 */
int signal_from_string(const char *s, int *ret);
