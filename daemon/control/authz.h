/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may see and control what (docs/ARCHITECTURE.md, invariant 4). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct manager;
struct target;

/* A user sees and controls only their own sandboxes; root sees all. */
bool authz_can_see(uid_t peer, const struct target *t);
bool authz_can_control(uid_t peer, const struct target *t);
/* Sandbox id if peer may see it, else NULL: as if there were none. */
struct target *authz_find_visible(struct manager *m, uid_t peer, uint64_t id);
