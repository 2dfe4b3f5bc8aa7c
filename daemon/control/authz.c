/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authorization. Identities come from SO_PEERCRED (the kernel's word, not
 * the client's). A sandbox another user owns is reported as nonexistent,
 * so ids of other users' sandboxes cannot be probed.
 */
#include "authz.h"
#include "manager.h"
#include "target.h"

bool
authz_can_see(uid_t peer, const struct target *t)
{
	return peer == 0 || peer == t->owner_uid;
}

bool
authz_can_control(uid_t peer, const struct target *t)
{
	return authz_can_see(peer, t);
}

struct target *
authz_find_visible(struct manager *m, uid_t peer, uint64_t id)
{
	struct target *t = manager_find_target(m, id);

	return t && authz_can_see(peer, t) ? t : NULL;
}
