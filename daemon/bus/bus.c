/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus connection (bus.h): sd-bus driven from the manager's libevent
 * loop, the name, the known clients (struct bus_peer) and the errors.
 *
 * Nothing here waits. A client's credentials are asked of the bus daemon
 * (GetConnectionCredentials: the uid and groups it took from the kernel
 * when the client connected) asynchronously, once per client; its calls
 * are held back by a filter meanwhile and dispatched again, in order,
 * when the answer comes (sd_bus_enqueue_for_read()). sd_bus_query_sender_
 * creds() would ask the same with a synchronous call, stopping the loop for
 * as long as the bus daemon takes. The name request, the match on
 * NameOwnerChanged, Spawn, CheckPolicy and Reload are asynchronous too.
 */
#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "bus-internal.h"
#include "event-util.h"
#include "log.h"
#include "manager.h"
#include "policy-checker.h"
#include "reload.h"
#include "target.h"
#include "time-util.h"

#define BUS_CALL_TIMEOUT_USEC	(5 * 1000 * 1000)	/* our calls to the bus daemon */
#define BUS_PROCESS_MAX		64	/* messages per turn of the loop */
#define BUS_PEERS_MAX		1024	/* known clients; idle ones are forgotten first */
#define BUS_PARKED_MAX		64	/* calls of one client held until its credentials come */

static const sd_bus_error_map bus_errors[] = {
	SD_BUS_ERROR_MAP(BUS_ERROR("ShuttingDown"), ESHUTDOWN),
	SD_BUS_ERROR_MAP(BUS_ERROR("TooMany"), EDQUOT),
	SD_BUS_ERROR_MAP(BUS_ERROR("TooMany"), EAGAIN),
	SD_BUS_ERROR_MAP(BUS_ERROR("NoSuchSandbox"), ESRCH),
	SD_BUS_ERROR_MAP(SD_BUS_ERROR_INVALID_ARGS, EINVAL),
	SD_BUS_ERROR_MAP(SD_BUS_ERROR_ACCESS_DENIED, EPERM),
	SD_BUS_ERROR_MAP(SD_BUS_ERROR_ACCESS_DENIED, EACCES),
	SD_BUS_ERROR_MAP(SD_BUS_ERROR_NOT_SUPPORTED, EOPNOTSUPP),
	SD_BUS_ERROR_MAP(SD_BUS_ERROR_TIMEOUT, ETIMEDOUT),
	SD_BUS_ERROR_MAP(SD_BUS_ERROR_NO_MEMORY, ENOMEM),
	SD_BUS_ERROR_MAP_END
};

int
bus_mode_from_string(const char *s)
{
	if (strcmp(s, "no") == 0)
		return BUS_NO;
	if (strcmp(s, "auto") == 0)
		return BUS_AUTO;
	if (strcmp(s, "yes") == 0)
		return BUS_YES;
	return -EINVAL;
}

int
bus_reply_errno(sd_bus_message *m, int error, const char *message, const char *fallback)
{
	for (const sd_bus_error_map *e = bus_errors; e->name; e++)
		if (e->code == -error)
			return sd_bus_reply_method_errorf(m, e->name, "%s", message);
	return sd_bus_reply_method_errorf(m, fallback, "%s", message);
}

const char *
bus_sandbox_path(uint64_t id, char *buf)
{
	(void) snprintf(buf, BUS_PATH_MAX, BUS_SANDBOX_PREFIX "/%llu", (unsigned long long) id);
	return buf;
}

static void on_bus_event(evutil_socket_t fd, short what, void *userdata);

void
bus_kick(struct bus *b)
{
	if (b && b->ev_process)
		event_active(b->ev_process, EV_TIMEOUT, 0);
}

/* Waits for what sd-bus waits for: the fd's events, its next timeout. */
static void
bus_rearm(struct bus *b)
{
	struct timeval tv, *tvp = NULL;
	uint64_t until = UINT64_MAX;
	short what = 0;
	int events;

	events = sd_bus_get_events(b->bus);
	if (events < 0)
		return;
	if (events & POLLIN)
		what |= EV_READ;
	if (events & POLLOUT)
		what |= EV_WRITE;
	if (sd_bus_get_timeout(b->bus, &until) >= 0 && until != UINT64_MAX) {
		uint64_t now = now_usec(CLOCK_MONOTONIC), d = until > now ? until - now : 0;

		tv = (struct timeval) { .tv_sec = (time_t) (d / 1000000),
		    .tv_usec = (suseconds_t) (d % 1000000) };
		tvp = &tv;
	}
	event_del(b->ev_io);
	if (event_assign(b->ev_io, b->manager->base, sd_bus_get_fd(b->bus), what, on_bus_event,
	    b) < 0)
		return;
	if (event_add(b->ev_io, tvp) < 0)
		log_oom();
}

static void
bus_peer_free(struct bus_peer *p)
{
	struct bus_spawn *s;

	while ((s = LIST_FIRST(&p->spawns)))
		bus_spawn_free(s);
	policy_checker_cancel(p->bus->manager, p);
	reload_cancel(p->bus->manager->reloader, p);
	p->query = sd_bus_slot_unref(p->query);
	for (size_t i = 0; i < p->n_parked; i++)
		sd_bus_message_unref(p->parked[i]);
	free(p->parked);
	LIST_REMOVE(p, link);
	p->bus->n_peers--;
	free(p->name);
	free(p->groups);
	free(p);
}

/* Off the bus (the bus daemon stopped, the name is not ours, the daemon
 * exits): the clients' requests go with it; flush: what is queued (the
 * last answers and signals) goes out first. Never from inside
 * sd_bus_process(). */
static void
bus_disconnect(struct bus *b, bool flush)
{
	struct bus_peer *p;

	while ((p = LIST_FIRST(&b->peers)))
		bus_peer_free(p);
	event_freep(&b->ev_io);
	event_freep(&b->ev_process);
	b->bus = flush ? sd_bus_flush_close_unref(b->bus) : sd_bus_close_unref(b->bus);
}

static void
bus_process(struct bus *b)
{
	int r = 0;

	if (!b->bus)
		return;
	for (unsigned i = 0; i < BUS_PROCESS_MAX && !b->drop; i++) {
		r = sd_bus_process(b->bus, NULL);
		if (r <= 0)
			break;
	}
	if (r < 0)
		log_warning_errno(r, "Lost the connection to the system bus (%m); serving the "
		    "socket alone.");
	if (r < 0 || b->drop) {
		bus_disconnect(b, false);
		return;
	}
	if (r > 0)	/* more queued: after what else is waiting */
		bus_kick(b);
	bus_rearm(b);
}

static void
on_bus_event(evutil_socket_t fd, short what, void *userdata)
{
	bus_process(userdata);
}

void
bus_spawn_free(struct bus_spawn *s)
{
	if (!s)
		return;
	LIST_REMOVE(s, link);
	s->watch = target_watch_free(s->watch);
	sd_bus_message_unref(s->call);
	free(s);
}

static struct bus_peer *
find_peer(struct bus *b, const char *name)
{
	struct bus_peer *p;

	LIST_FOREACH(p, &b->peers, link)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Room for one more peer: the idle one used longest ago is forgotten (it
 * is asked again if it calls again). -EAGAIN if every one is busy. */
static int
make_room(struct bus *b)
{
	struct bus_peer *p, *oldest = NULL;

	if (b->n_peers < BUS_PEERS_MAX)
		return 0;
	LIST_FOREACH(p, &b->peers, link)
		if (p->known && !LIST_FIRST(&p->spawns) && p->n_pending == 0 &&
		    (!oldest || p->last_used < oldest->last_used))
			oldest = p;
	if (!oldest)
		return -EAGAIN;
	bus_peer_free(oldest);
	return 0;
}

/*
 * The primary group: the bus vouches for the uid and the supplementary
 * groups (SO_PEERGROUPS when the client connected), not for the gid; that
 * one is read from /proc/PID, which the pid's next owner could fake. So it
 * is believed only if it is among the vouched groups; else the first of
 * them, else nogroup. The broker acts with these (owner_creds).
 */
static gid_t
pick_gid(pid_t pid, const gid_t *groups, int n)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *c = NULL;
	gid_t gid;

	if (pid > 0 && sd_bus_creds_new_from_pid(&c, pid, SD_BUS_CREDS_EGID) >= 0 &&
	    sd_bus_creds_get_egid(c, &gid) >= 0)
		for (int i = 0; i < n; i++)
			if (groups[i] == gid)
				return gid;
	return n > 0 ? groups[0] : (gid_t) 65534;
}

/* GetConnectionCredentials' a{sv}: UnixUserID is required. */
static int
read_credentials(sd_bus_message *m, struct bus_peer *p)
{
	bool have_uid = false;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			break;
		if (strcmp(key, "UnixUserID") == 0) {
			uint32_t u;

			r = sd_bus_message_read(m, "v", "u", &u);
			p->uid = (uid_t) u;
			have_uid = r >= 0;
		} else if (strcmp(key, "ProcessID") == 0) {
			uint32_t u;

			r = sd_bus_message_read(m, "v", "u", &u);
			p->pid = (pid_t) u;
		} else if (strcmp(key, "UnixGroupIDs") == 0) {
			const void *v;
			size_t size;

			r = sd_bus_message_enter_container(m, 'v', "au");
			if (r >= 0)
				r = sd_bus_message_read_array(m, 'u', &v, &size);
			if (r >= 0 && size > 0) {
				free(p->groups);
				p->groups = malloc(size);
				if (!p->groups)
					return -ENOMEM;
				memcpy(p->groups, v, size);
				p->n_groups = (int) (size / sizeof(uint32_t));
			}
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
		} else
			r = sd_bus_message_skip(m, "v");
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	return have_uid ? 0 : -EBADMSG;
}

/* The bus daemon's answer: the peer's held calls go out again, in order,
 * or are refused if it could not say who sent them. */
static int
on_credentials(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus_peer *p = userdata;
	struct bus *b = p->bus;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	int r = e ? -sd_bus_error_get_errno(e) : read_credentials(m, p);

	p->query = sd_bus_slot_unref(p->query);
	if (r < 0) {
		/* Most often the client has left already. */
		log_debug("Cannot identify bus client %s: %s.", p->name,
		    e ? e->message : strerror(-r));
		for (size_t i = 0; i < p->n_parked; i++)
			(void) sd_bus_reply_method_errorf(p->parked[i], SD_BUS_ERROR_ACCESS_DENIED,
			    "cannot identify the caller");
		bus_peer_free(p);
		return 0;
	}
	p->gid = pick_gid(p->pid, p->groups, p->n_groups);
	p->known = true;
	log_debug("Bus client %s: uid %u pid %d.", p->name, (unsigned) p->uid, (int) p->pid);
	for (size_t i = 0; i < p->n_parked; i++) {
		r = sd_bus_enqueue_for_read(b->bus, p->parked[i]);
		if (r < 0)
			(void) sd_bus_reply_method_errnof(p->parked[i], r, "cannot dispatch: %m");
		p->parked[i] = sd_bus_message_unref(p->parked[i]);
	}
	p->n_parked = 0;
	return 0;
}

/* A new client: remembered, its credentials asked for. */
static int
peer_new(struct bus *b, const char *name, struct bus_peer **ret)
{
	struct bus_peer *p;
	int r;

	if (make_room(b) < 0)
		return -EAGAIN;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(name))) {
		free(p);
		return -ENOMEM;
	}
	p->bus = b;
	p->uid = (uid_t) -1;	/* nobody's, until the bus daemon says */
	p->gid = (gid_t) -1;
	LIST_INIT(&p->spawns);
	LIST_INSERT_HEAD(&b->peers, p, link);
	b->n_peers++;
	r = sd_bus_call_method_async(b->bus, &p->query, "org.freedesktop.DBus",
	    "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionCredentials",
	    on_credentials, p, "s", name);
	if (r < 0) {
		bus_peer_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* Every incoming message first: a call of a client whose credentials are
 * not known yet is held back until they are. */
static int
on_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	const char *name = sd_bus_message_get_sender(m);
	struct bus_peer *p;
	sd_bus_message **v;
	int r;

	if (!sd_bus_message_is_method_call(m, NULL, NULL) || !name || name[0] != ':')
		return 0;	/* bus_peer_of() refuses a call without a unique sender */
	p = find_peer(b, name);
	if (p && p->known)
		return 0;
	if (!p) {
		r = peer_new(b, name, &p);
		if (r < 0) {
			(void) bus_reply_errno(m, r, r == -EAGAIN ? "too many bus clients at once" :
			    "cannot ask the bus daemon who the caller is", SD_BUS_ERROR_FAILED);
			return 1;
		}
	}
	if (p->n_parked >= BUS_PARKED_MAX) {
		(void) sd_bus_reply_method_errorf(m, SD_BUS_ERROR_LIMITS_EXCEEDED,
		    "too many calls before the bus daemon said who you are");
		return 1;
	}
	v = reallocarray(p->parked, p->n_parked + 1, sizeof(*v));
	if (!v) {
		(void) sd_bus_reply_method_errno(m, -ENOMEM, NULL);
		return 1;
	}
	p->parked = v;
	p->parked[p->n_parked++] = sd_bus_message_ref(m);
	return 1;
}

int
bus_peer_of(struct bus *b, sd_bus_message *m, struct bus_peer **ret, sd_bus_error *error)
{
	const char *name = sd_bus_message_get_sender(m);
	struct bus_peer *p = name ? find_peer(b, name) : NULL;

	if (!p || !p->known)
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "unknown caller");
	p->last_used = ++b->clock;
	*ret = p;
	return 0;
}

/* A name left the bus: if it was a client's unique name, so did the client. */
static int
on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	const char *name, *old, *new;
	struct bus_peer *p;

	if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || new[0] || name[0] != ':')
		return 0;
	p = find_peer(b, name);
	if (p) {
		log_debug("Bus client %s left.", name);
		bus_peer_free(p);
	}
	return 0;
}

static int
on_name_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	const char *why = e ? e->message : "another process owns it";
	uint32_t reply = 0;

	/* RequestName's answer: 1, primary owner; 3, someone else is (we do
	 * not queue: sd-bus asks with DO_NOT_QUEUE). */
	if (!e && sd_bus_message_read(m, "u", &reply) >= 0 && reply == 1) {
		b->have_name = true;
		log_info("Serving on the system bus as %s.", BUS_NAME);
		return 0;
	}
	if (b->mode == BUS_YES) {
		log_error("Cannot own %s on the system bus: %s; stopping.", BUS_NAME, why);
		b->manager->exit_error = -EADDRINUSE;
		manager_start_shutdown(b->manager);
	} else
		log_warning("Cannot own %s on the system bus: %s; serving the socket alone.",
		    BUS_NAME, why);
	b->drop = true;
	return 0;
}

static int
on_match_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const sd_bus_error *e = sd_bus_message_get_error(m);

	/* Without it no client's departure is seen: their sandboxes would
	 * outlive them. Then nobody may spawn over the bus. */
	if (e)
		log_error("Cannot watch the system bus's clients: %s.", e->message);
	return 0;
}

static int
bus_setup(struct bus *b)
{
	int r;

	r = sd_bus_add_filter(b->bus, NULL, on_incoming, b);
	if (r >= 0)
		r = sd_bus_add_object_vtable(b->bus, NULL, BUS_PATH, BUS_MANAGER_IFACE,
		    bus_manager_vtable, b);
	if (r >= 0)
		r = sd_bus_add_object_manager(b->bus, NULL, BUS_PATH);
	if (r >= 0)
		r = bus_sandbox_register(b);
	if (r < 0)
		return r;
	/* Before the name: a client's departure is then seen after any
	 * call it made to us, the bus daemon keeping the order. */
	r = sd_bus_add_match_async(b->bus, NULL,
	    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
	    "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg2=''",
	    on_name_owner_changed, on_match_reply, b);
	if (r < 0)
		return r;
	return sd_bus_request_name_async(b->bus, NULL, BUS_NAME, 0, on_name_reply, b);
}

int
bus_new(struct manager *m, enum bus_mode mode, struct bus **ret)
{
	struct bus *b;
	int r;

	*ret = NULL;
	if (mode == BUS_NO)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return log_oom();
	*b = (struct bus) { .manager = m, .mode = mode };
	LIST_INIT(&b->peers);
	r = sd_bus_open_system(&b->bus);
	if (r < 0) {
		free(b);
		if (mode == BUS_YES)
			return log_error_errno(r, "Cannot connect to the system bus: %m");
		log_notice_errno(r, "No system bus (%m); serving the socket alone.");
		return 0;
	}
	(void) sd_bus_set_method_call_timeout(b->bus, BUS_CALL_TIMEOUT_USEC);
	b->ev_io = event_new(m->base, -1, 0, on_bus_event, b);
	b->ev_process = event_new(m->base, -1, 0, on_bus_event, b);
	if (!b->ev_io || !b->ev_process) {
		bus_free(b);
		return log_oom();
	}
	r = bus_setup(b);
	if (r < 0) {
		bus_free(b);
		return log_error_errno(r, "Failed to set up the D-Bus objects: %m");
	}
	bus_kick(b);
	*ret = b;
	return 0;
}

struct bus *
bus_free(struct bus *b)
{
	if (!b)
		return NULL;
	bus_disconnect(b, true);
	free(b);
	return NULL;
}
