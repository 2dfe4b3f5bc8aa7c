/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Anonymous uids for targets: one per live sandbox, never shared. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct uid_pool {
	uid_t		min, max;
	uint8_t		*used;		/* bitmap of max - min + 1 bits */
	uid_t		next;		/* rotate so a uid is not reused at once */
};

int uid_pool_init(struct uid_pool *p, uid_t min, uid_t max);
void uid_pool_done(struct uid_pool *p);
/* -EDQUOT when exhausted. */
int uid_pool_get(struct uid_pool *p, uid_t *ret);
void uid_pool_put(struct uid_pool *p, uid_t uid);
