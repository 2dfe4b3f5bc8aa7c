/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus front end: org.sandboxd.Sandbox1 on the system bus
 * (docs/org.sandboxd.Sandbox1.5). A second transport for the same
 * requests as the control socket: the methods unpack, authorize through
 * authz.c and call what the socket's handlers call. sd-bus runs inside
 * the manager's libevent loop; no thread, no second loop. The manager
 * tells it of every sandbox's life (new, running, exited, removed).
 */
#pragma once

#include "macro.h"

struct manager;
struct target;
struct bus;

enum bus_mode {
	BUS_NO,		/* never connect */
	BUS_AUTO,	/* the system bus if there is one, else the socket alone */
	BUS_YES,	/* the system bus, or do not start */
};

/* "no", "auto", "yes"; -EINVAL for anything else. */
int bus_mode_from_string(const char *s);
/* Connects and asks for the name (answered later, logged). *ret is NULL
 * without a bus (BUS_NO, or BUS_AUTO without a system bus: said once). */
int bus_new(struct manager *m, enum bus_mode mode, struct bus **ret);
/* Drops every bus requester (their sandboxes are killed unless
 * detached) and disconnects. Accepts NULL, returns NULL. */
struct bus *bus_free(struct bus *b);

/* The sandbox's life, told to the bus clients that may see it; each
 * accepts a NULL bus. */
void bus_sandbox_new(struct bus *b, struct target *t);
void bus_sandbox_changed(struct bus *b, struct target *t);
void bus_sandbox_exited(struct bus *b, struct target *t);
void bus_sandbox_removed(struct bus *b, struct target *t);
