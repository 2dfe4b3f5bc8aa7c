/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What bus.c, bus-manager.c and bus-sandbox.c share. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "bus.h"

struct event;
struct target;
struct target_watch;

#define BUS_NAME		"org.sandboxd.Sandbox1"
#define BUS_PATH		"/org/sandboxd/Sandbox1"
#define BUS_SANDBOX_PREFIX	BUS_PATH "/sandbox"
#define BUS_MANAGER_IFACE	BUS_NAME ".Manager"
#define BUS_SANDBOX_IFACE	BUS_NAME ".Sandbox"
#define BUS_ERROR(n)		BUS_NAME ".Error." n

#define BUS_PATH_MAX		sizeof(BUS_SANDBOX_PREFIX "/18446744073709551615")

/*
 * A bus client that has called us: its unique name (never reused on a
 * bus) and the credentials the bus daemon vouches for, asked once,
 * asynchronously: its calls wait (parked, in order) until they come, then
 * are dispatched again. It lives until its name leaves the bus, and with it
 * everything it asked for: its spawns' watches (their sandboxes die unless
 * detached), its policy checks and reloads. Signals about a sandbox go to
 * the known clients that may see it, addressed to each: a broadcast would
 * show every user's sandboxes to every listener.
 */
struct bus_peer {
	LIST_ENTRY(bus_peer)	link;
	struct bus		*bus;
	char			*name;
	bool			known;		/* the credentials below came */
	sd_bus_slot		*query;		/* GetConnectionCredentials in flight */
	sd_bus_message		**parked;	/* its calls meanwhile */
	size_t			n_parked;
	uid_t			uid;
	gid_t			gid;
	pid_t			pid;
	gid_t			*groups;
	int			n_groups;
	uint64_t		last_used;	/* for eviction: idle peers, oldest first */
	LIST_HEAD(, bus_spawn)	spawns;
	unsigned		n_pending;	/* calls answered later: CheckPolicy, Reload */
};

/* One Spawn: the call until it is answered, then the sandbox's watch. */
struct bus_spawn {
	LIST_ENTRY(bus_spawn)	link;
	struct bus_peer		*peer;
	sd_bus_message		*call;		/* NULL once answered */
	struct target_watch	*watch;
};

struct bus {
	struct manager		*manager;
	sd_bus			*bus;
	enum bus_mode		mode;
	struct event		*ev_io;		/* the bus fd, with sd-bus's timeout */
	struct event		*ev_process;	/* more to do: process on the next turn */
	LIST_HEAD(, bus_peer)	peers;
	unsigned		n_peers;
	uint64_t		clock;		/* bumps on each peer use */
	bool			have_name;
	bool			drop;		/* disconnect once sd_bus_process() returns */
};

/* The known peer that sent m (bus.c's filter holds back every call of a
 * peer until its credentials are known). */
int bus_peer_of(struct bus *b, sd_bus_message *m, struct bus_peer **ret, sd_bus_error *error);
/* Frees the spawn; its watch ends (see target_watch_free()). */
void bus_spawn_free(struct bus_spawn *s);
/* Something was queued outside sd_bus_process(): flush it soon. */
void bus_kick(struct bus *b);
/* Replies with the D-Bus error for a negative errno and message:
 * fallback names the error for errnos without a name of their own. */
int bus_reply_errno(sd_bus_message *m, int error, const char *message, const char *fallback);
/* "/org/sandboxd/Sandbox1/sandbox/ID" into buf (BUS_PATH_MAX). */
const char *bus_sandbox_path(uint64_t id, char *buf);

/* Kill and KillSandbox: p's signal to t, which p may see; replies. */
int bus_kill_sandbox(sd_bus_message *m, struct bus_peer *p, struct target *t, int sig,
    sd_bus_error *error);

extern const sd_bus_vtable bus_manager_vtable[];
/* The sandbox objects: their vtable, find callback and node enumerator. */
int bus_sandbox_register(struct bus *b);
