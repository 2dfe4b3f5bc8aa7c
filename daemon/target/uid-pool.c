/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Anonymous uid allocation. Like systemd's DynamicUser=, each sandbox runs
 * as a uid nobody else uses at that time; allocation rotates through the
 * range so a freshly released uid is not handed out again at once (files a
 * target left in a shared place would otherwise pass to the next one).
 */
#include <errno.h>
#include <stdlib.h>

#include "uid-pool.h"

int
uid_pool_init(struct uid_pool *p, uid_t min, uid_t max)
{
	size_t bits = (size_t) (max - min) + 1;

	*p = (struct uid_pool) { .min = min, .max = max, .next = min };
	p->used = calloc((bits + 7) / 8, 1);
	return p->used ? 0 : -ENOMEM;
}

void
uid_pool_done(struct uid_pool *p)
{
	free(p->used);
	*p = (struct uid_pool) {};
}

int
uid_pool_get(struct uid_pool *p, uid_t *ret)
{
	size_t bits = (size_t) (p->max - p->min) + 1;
	size_t start = p->next - p->min;

	for (size_t k = 0; k < bits; k++) {
		size_t i = (start + k) % bits;

		if (!(p->used[i / 8] & (1u << (i % 8)))) {
			p->used[i / 8] |= (uint8_t) (1u << (i % 8));
			p->next = p->min + (uid_t) ((i + 1) % bits);
			*ret = p->min + (uid_t) i;
			return 0;
		}
	}
	return -EDQUOT;
}

void
uid_pool_put(struct uid_pool *p, uid_t uid)
{
	size_t i;

	if (uid < p->min || uid > p->max)
		return;
	i = uid - p->min;
	p->used[i / 8] &= (uint8_t) ~(1u << (i % 8));
}
