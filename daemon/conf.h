/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandboxd.conf: daemon settings, with embedded defaults. See sandboxd.conf(5). */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "ini.h"

struct conf {
	char		*socket_path;
	char		**policy_dirs;		/* lowest priority first */
	int		log_level;
	uid_t		uid_min, uid_max;	/* anonymous uids for targets */
	unsigned	max_conns_per_uid;
	unsigned	max_sandboxes_per_uid;
	unsigned	max_sandboxes;
	unsigned	max_conns;
	uint64_t	linger_ms;		/* how long an exited sandbox stays listed */
	uint64_t	broker_timeout_ms;	/* a broker request's bound */
};

void conf_init(struct conf *c);
void conf_done(struct conf *c);
/* Missing file with optional=true is fine. Errors carry file:line. */
int conf_load(struct conf *c, const char *path, int optional, struct ini_error *err);
