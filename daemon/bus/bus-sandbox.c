/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /org/sandboxd/Sandbox1/sandbox/<id>, org.sandboxd.Sandbox1.Sandbox: one
 * object per sandbox in the registry, as long as its record lives. The
 * objects are a fallback vtable: the find callback and the node
 * enumerator ask who calls, so another user's sandbox is an unknown
 * object to them, missing from introspection and GetManagedObjects too.
 * The signals about a sandbox are built here and addressed to each known
 * client that may see it (bus-internal.h says why not broadcast).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "bus-internal.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "target.h"
#include "time-util.h"

/* Name, signature, sd-bus flags; the order is the introspection's. */
#define SANDBOX_PROPERTIES(X)							\
	X(Id,			"t",	SD_BUS_VTABLE_PROPERTY_CONST)		\
	X(Policy,		"s",	SD_BUS_VTABLE_PROPERTY_CONST)		\
	X(OwnerUID,		"u",	SD_BUS_VTABLE_PROPERTY_CONST)		\
	X(State,		"s",	SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)	\
	X(Command,		"as",	SD_BUS_VTABLE_PROPERTY_CONST)		\
	X(StartTimestamp,	"t",	SD_BUS_VTABLE_PROPERTY_CONST)		\
	X(ExitCode,		"i",	SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)	\
	X(ExitSignal,		"i",	SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)	\
	X(LimitHit,		"s",	SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)	\
	X(CPUUSec,		"t",	0)					\
	X(MemoryPeak,		"t",	0)					\
	X(WallUSec,		"t",	0)					\
	X(BrokerRequests,	"t",	0)					\
	X(BrokerDenials,	"t",	0)

enum sandbox_property {
#define X(name, sig, flags) PROP_##name,
	SANDBOX_PROPERTIES(X)
#undef X
	_PROP_MAX
};

static const struct {
	const char	*name;
	const char	*sig;
} properties[] = {
#define X(name, sig, flags) [PROP_##name] = { #name, sig },
	SANDBOX_PROPERTIES(X)
#undef X
};

/* What changes when a sandbox runs, and when it ends. */
static const enum sandbox_property props_running[] = { PROP_State };
static const enum sandbox_property props_exited[] = {
	PROP_State, PROP_ExitCode, PROP_ExitSignal, PROP_LimitHit,
};

/* info: t's live figures, read once for many properties; NULL: read them
 * here if p is one. */
static int
append_value(sd_bus_message *reply, struct target *t, enum sandbox_property p,
    const struct sbx_info *info)
{
	bool exited = t->state == SBX_STATE_EXITED;
	struct sbx_info own;

	switch (p) {
	case PROP_Id:
		return sd_bus_message_append(reply, "t", t->id);
	case PROP_Policy:
		return sd_bus_message_append(reply, "s", t->policy_name);
	case PROP_OwnerUID:
		return sd_bus_message_append(reply, "u", (uint32_t) t->owner_uid);
	case PROP_State:
		return sd_bus_message_append(reply, "s", sbx_state_to_string(t->state));
	case PROP_Command:
		return sd_bus_message_append_strv(reply, t->argv);
	case PROP_StartTimestamp:
		return sd_bus_message_append(reply, "t", t->start_usec);
	case PROP_ExitCode:
		return sd_bus_message_append(reply, "i",
		    exited && t->exit.how == SBX_EXIT_CODE ? t->exit.status : -1);
	case PROP_ExitSignal:
		return sd_bus_message_append(reply, "i",
		    exited && t->exit.how == SBX_EXIT_SIGNAL ? t->exit.status : 0);
	case PROP_LimitHit:
		return sd_bus_message_append(reply, "s", sbx_limit_to_string(t->limit) ?: "none");
	case PROP_WallUSec:
		return sd_bus_message_append(reply, "t", exited ? t->exit.wall_usec :
		    t->start_mono_usec ? now_usec(CLOCK_MONOTONIC) - t->start_mono_usec : 0);
	case PROP_CPUUSec:
	case PROP_MemoryPeak:
	case PROP_BrokerRequests:
	case PROP_BrokerDenials:
		if (!info) {
			target_describe(t, &own);
			info = &own;
		}
		return sd_bus_message_append(reply, "t",
		    p == PROP_CPUUSec ? info->cpu_usec : p == PROP_MemoryPeak ? info->memory_peak :
		    p == PROP_BrokerRequests ? info->broker_requests : info->broker_denied);
	case _PROP_MAX:
		break;
	}
	return -EINVAL;
}

static int
get_property(sd_bus *bus, const char *path, const char *interface, const char *property,
    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	for (size_t i = 0; i < _PROP_MAX; i++)
		if (strcmp(properties[i].name, property) == 0)
			return append_value(reply, userdata, (enum sandbox_property) i, NULL);
	return -ENOENT;
}

/* {name: value, ...} of the given properties, as in PropertiesChanged
 * and InterfacesAdded (info: see append_value()). */
static int
append_dict(sd_bus_message *s, struct target *t, const enum sandbox_property *v, size_t n,
    const struct sbx_info *info)
{
	int r;

	r = sd_bus_message_open_container(s, 'a', "{sv}");
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = sd_bus_message_open_container(s, 'e', "sv");
		if (r >= 0)
			r = sd_bus_message_append(s, "s", properties[v[i]].name);
		if (r >= 0)
			r = sd_bus_message_open_container(s, 'v', properties[v[i]].sig);
		if (r >= 0)
			r = append_value(s, t, v[i], info);
		if (r >= 0)
			r = sd_bus_message_close_container(s);
		if (r >= 0)
			r = sd_bus_message_close_container(s);
	}
	return r < 0 ? r : sd_bus_message_close_container(s);
}

static int
kill_method(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct target *t = userdata;	/* find_sandbox() found it for this caller */
	struct bus_peer *p;
	int32_t sig;
	int r;

	r = sd_bus_message_read(m, "i", &sig);
	if (r >= 0)
		r = bus_peer_of(t->manager->bus, m, &p, error);
	if (r < 0)
		return r;
	return bus_kill_sandbox(m, p, t, sig, error);
}

static const sd_bus_vtable sandbox_vtable[] = {
	SD_BUS_VTABLE_START(0),
#define X(name, sig, flags) SD_BUS_PROPERTY(#name, sig, get_property, 0, flags),
	SANDBOX_PROPERTIES(X)
#undef X
	SD_BUS_METHOD_WITH_NAMES("Kill", "i", SD_BUS_PARAM(signal), "", , kill_method,
	    SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_NAMES("Exited", "bis",
	    SD_BUS_PARAM(exited) SD_BUS_PARAM(status) SD_BUS_PARAM(limit), 0),
	SD_BUS_VTABLE_END
};

/* "PREFIX/ID" → ID: decimal, no sign, no leading zero. */
static int
parse_path(const char *path, uint64_t *ret)
{
	const char *s = path + strlen(BUS_SANDBOX_PREFIX);
	char *end;

	if (strncmp(path, BUS_SANDBOX_PREFIX "/", strlen(BUS_SANDBOX_PREFIX) + 1) != 0)
		return -EINVAL;
	s++;
	if (s[0] < '1' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* The calling client, or NULL when sd-bus asks on its own behalf. */
static int
current_peer(sd_bus *bus, struct bus *b, struct bus_peer **ret, sd_bus_error *error)
{
	sd_bus_message *m = sd_bus_get_current_message(bus);

	*ret = NULL;
	return m ? bus_peer_of(b, m, ret, error) : 0;
}

static int
find_sandbox(sd_bus *bus, const char *path, const char *interface, void *userdata,
    void **found, sd_bus_error *error)
{
	struct bus *b = userdata;
	struct bus_peer *p;
	struct target *t;
	uint64_t id;
	int r;

	if (parse_path(path, &id) < 0)
		return 0;
	r = current_peer(bus, b, &p, error);
	if (r < 0 || !p)
		return r;
	t = authz_find_visible(b->manager, p->uid, id);
	if (!t)
		return 0;
	*found = t;
	return 1;
}

static int
enumerate_sandboxes(sd_bus *bus, const char *prefix, void *userdata, char ***nodes,
    sd_bus_error *error)
{
	struct bus *b = userdata;
	_cleanup_strv_free_ char **v = NULL;
	char path[BUS_PATH_MAX];
	struct bus_peer *p;
	struct target *t;
	int r;

	r = current_peer(bus, b, &p, error);
	if (r < 0)
		return r;
	if (p)
		TAILQ_FOREACH(t, &b->manager->targets, link)
			if (authz_can_see(p->uid, t) &&
			    strv_push(&v, bus_sandbox_path(t->id, path)) < 0)
				return -ENOMEM;
	*nodes = TAKE_PTR(v);
	return 0;
}

int
bus_sandbox_register(struct bus *b)
{
	int r;

	r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_SANDBOX_PREFIX, BUS_SANDBOX_IFACE,
	    sandbox_vtable, find_sandbox, b);
	if (r < 0)
		return r;
	return sd_bus_add_node_enumerator(b->bus, NULL, BUS_SANDBOX_PREFIX, enumerate_sandboxes, b);
}

enum sandbox_signal {
	SIG_SANDBOX_NEW,
	SIG_SANDBOX_REMOVED,
	SIG_INTERFACES_ADDED,
	SIG_INTERFACES_REMOVED,
	SIG_RUNNING,		/* PropertiesChanged */
	SIG_EXITED_PROPERTIES,	/* PropertiesChanged */
	SIG_EXITED,
};

static int
build_signal(sd_bus *bus, struct target *t, enum sandbox_signal what,
    const struct sbx_info *info, sd_bus_message **ret)
{
	static const enum sandbox_property all[] = {
#define X(name, sig, flags) PROP_##name,
		SANDBOX_PROPERTIES(X)
#undef X
	};
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
	char path[BUS_PATH_MAX];
	int r;

	bus_sandbox_path(t->id, path);
	switch (what) {
	case SIG_SANDBOX_NEW:
	case SIG_SANDBOX_REMOVED:
		r = sd_bus_message_new_signal(bus, &s, BUS_PATH, BUS_MANAGER_IFACE,
		    what == SIG_SANDBOX_NEW ? "SandboxNew" : "SandboxRemoved");
		if (r >= 0)
			r = sd_bus_message_append(s, "to", t->id, path);
		break;
	case SIG_INTERFACES_ADDED:
		r = sd_bus_message_new_signal(bus, &s, BUS_PATH, "org.freedesktop.DBus.ObjectManager",
		    "InterfacesAdded");
		if (r >= 0)
			r = sd_bus_message_append(s, "o", path);
		if (r >= 0)
			r = sd_bus_message_open_container(s, 'a', "{sa{sv}}");
		if (r >= 0)
			r = sd_bus_message_open_container(s, 'e', "sa{sv}");
		if (r >= 0)
			r = sd_bus_message_append(s, "s", BUS_SANDBOX_IFACE);
		if (r >= 0)
			r = append_dict(s, t, all, ELEMENTSOF(all), info);
		if (r >= 0)
			r = sd_bus_message_close_container(s);
		if (r >= 0)
			r = sd_bus_message_close_container(s);
		break;
	case SIG_INTERFACES_REMOVED:
		r = sd_bus_message_new_signal(bus, &s, BUS_PATH, "org.freedesktop.DBus.ObjectManager",
		    "InterfacesRemoved");
		if (r >= 0)
			r = sd_bus_message_append(s, "oas", path, 1, BUS_SANDBOX_IFACE);
		break;
	case SIG_RUNNING:
	case SIG_EXITED_PROPERTIES:
		r = sd_bus_message_new_signal(bus, &s, path, "org.freedesktop.DBus.Properties",
		    "PropertiesChanged");
		if (r >= 0)
			r = sd_bus_message_append(s, "s", BUS_SANDBOX_IFACE);
		if (r >= 0)
			r = what == SIG_RUNNING ?
			    append_dict(s, t, props_running, ELEMENTSOF(props_running), NULL) :
			    append_dict(s, t, props_exited, ELEMENTSOF(props_exited), NULL);
		if (r >= 0)
			r = sd_bus_message_append(s, "as", 0);
		break;
	case SIG_EXITED:
		r = sd_bus_message_new_signal(bus, &s, path, BUS_SANDBOX_IFACE, "Exited");
		if (r >= 0)
			r = sd_bus_message_append(s, "bis", t->exit.how == SBX_EXIT_CODE,
			    t->exit.status, sbx_limit_to_string(t->limit) ?: "none");
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

/* One copy per known client that may see t, addressed to it; the live
 * figures InterfacesAdded carries are read once for all of them. */
static void
emit(struct bus *b, struct target *t, enum sandbox_signal what)
{
	struct sbx_info info;
	bool described = false;
	struct bus_peer *p;

	if (!b || !b->bus)
		return;
	LIST_FOREACH(p, &b->peers, link) {
		_cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
		int r;

		/* Not known yet: its uid is not either (it is not 0). */
		if (!p->known || !authz_can_see(p->uid, t))
			continue;
		if (what == SIG_INTERFACES_ADDED && !described) {
			target_describe(t, &info);
			described = true;
		}
		r = build_signal(b->bus, t, what, described ? &info : NULL, &s);
		if (r >= 0)
			r = sd_bus_message_set_destination(s, p->name);
		if (r >= 0)
			r = sd_bus_send(b->bus, s, NULL);
		if (r < 0) {
			log_warning_errno(r, "Cannot signal sandbox %llu to bus client %s: %m",
			    (unsigned long long) t->id, p->name);
			break;
		}
	}
	bus_kick(b);
}

void
bus_sandbox_new(struct bus *b, struct target *t)
{
	emit(b, t, SIG_INTERFACES_ADDED);
	emit(b, t, SIG_SANDBOX_NEW);
}

void
bus_sandbox_changed(struct bus *b, struct target *t)
{
	emit(b, t, SIG_RUNNING);
}

void
bus_sandbox_exited(struct bus *b, struct target *t)
{
	emit(b, t, SIG_EXITED_PROPERTIES);
	emit(b, t, SIG_EXITED);
}

void
bus_sandbox_removed(struct bus *b, struct target *t)
{
	emit(b, t, SIG_INTERFACES_REMOVED);
	emit(b, t, SIG_SANDBOX_REMOVED);
}
