/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /org/sandboxd/Sandbox1, org.sandboxd.Sandbox1.Manager: the socket's
 * requests over the bus. Each method identifies its caller (bus_peer_of),
 * unpacks with the socket's bounds, and calls what the socket's handler
 * calls: target_spawn() and a watch, authz.c, target_signal(), the policy
 * store and checker, reload_start().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "bus-internal.h"
#include "ini.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "policy-checker.h"
#include "policy-store.h"
#include "reload.h"
#include "target.h"

/* An array of strings: at most max of them, each shorter than
 * SBX_STRING_MAX, as the socket's SPAWN allows. The strings are the
 * message's: *ret (NULL-terminated) lives no longer than m. */
static int
read_strv(sd_bus_message *m, size_t max, const char *what, const char ***ret,
    sd_bus_error *error)
{
	const char **v = NULL, *s;
	size_t n = 0;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "s");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0) {
		const char **nv;

		if (n >= max) {
			free(v);
			return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
			    "%s has more than %zu entries", what, max);
		}
		if (strlen(s) >= SBX_STRING_MAX) {
			free(v);
			return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
			    "an entry of %s is longer than %u bytes", what, SBX_STRING_MAX - 1);
		}
		nv = reallocarray(v, n + 2, sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = s;
		v[n] = NULL;
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r < 0) {
		free(v);
		return r;
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	*ret = v;
	return 0;
}

/* Closes the array a reply was being filled with and sends it; r says how
 * filling it went. */
static int
send_array(sd_bus_message *reply, int r)
{
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static uint64_t
usec_to_ms(uint64_t us)
{
	return us / 1000 + (us % 1000 != 0);
}

/* Spawn's a{sv}: every option once, with its own type. */
static int
read_options(sd_bus_message *m, struct policy_limits *narrow, bool *detach, sd_bus_error *error)
{
	static const struct {
		const char	*name;
		size_t		offset;		/* in struct policy_limits; SIZE_MAX: Detach */
		bool		usec;		/* microseconds on the bus, ms in the limits */
	} options[] = {
		{ "TimeoutUSec", offsetof(struct policy_limits, timeout_ms), true },
		{ "MemoryMax", offsetof(struct policy_limits, memory_max), false },
		{ "TasksMax", offsetof(struct policy_limits, tasks_max), false },
		{ "CPUUSec", offsetof(struct policy_limits, cpu_ms), true },
		{ "NOFILE", offsetof(struct policy_limits, nofile_max), false },
		{ "FileSizeMax", offsetof(struct policy_limits, fsize_max), false },
		{ "Detach", SIZE_MAX, false },
	};
	unsigned seen = 0;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key, *contents;
		size_t i;

		r = sd_bus_message_read_basic(m, 's', &key);
		if (r < 0)
			return r;
		for (i = 0; i < ELEMENTSOF(options); i++)
			if (strcmp(options[i].name, key) == 0)
				break;
		if (i == ELEMENTSOF(options))
			return sd_bus_error_setf(error, BUS_ERROR("InvalidOption"),
			    "unknown option '%.64s'", key);
		if (seen & (1u << i))
			return sd_bus_error_setf(error, BUS_ERROR("InvalidOption"),
			    "option '%s' given twice", key);
		seen |= 1u << i;
		r = sd_bus_message_peek_type(m, NULL, &contents);
		if (r < 0)
			return r;
		if (strcmp(contents, options[i].offset == SIZE_MAX ? "b" : "t") != 0)
			return sd_bus_error_setf(error, BUS_ERROR("InvalidOption"),
			    "option '%s' takes a value of type '%s', not '%.16s'", key,
			    options[i].offset == SIZE_MAX ? "b" : "t", contents);
		if (options[i].offset == SIZE_MAX) {
			int b;

			r = sd_bus_message_read(m, "v", "b", &b);
			*detach = b;
		} else {
			uint64_t v;

			r = sd_bus_message_read(m, "v", "t", &v);
			*(uint64_t *) ((uint8_t *) narrow + options[i].offset) =
			    options[i].usec ? usec_to_ms(v) : v;
		}
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

static void
on_spawned(struct target_watch *tw, struct target *t, int error, const char *message,
    void *userdata)
{
	struct bus_spawn *s = userdata;
	struct bus *b = s->peer->bus;
	char path[BUS_PATH_MAX];

	if (error < 0) {
		(void) sd_bus_reply_method_errorf(s->call, BUS_ERROR("SpawnFailed"), "%s", message);
		bus_spawn_free(s);
	} else {
		(void) sd_bus_reply_method_return(s->call, "to", t->id, bus_sandbox_path(t->id, path));
		s->call = sd_bus_message_unref(s->call);
	}
	bus_kick(b);
}

static void
on_exited(struct target_watch *tw, struct target *t, const struct sbx_exited *e, void *userdata)
{
	/* The Exited signal told the caller (bus-sandbox.c); the watch is over. */
	bus_spawn_free(userdata);
}

static const struct target_watch_ops spawn_watch_ops = {
	.spawned = on_spawned,
	.exited = on_exited,
};

static int
method_spawn(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	struct manager *mgr = b->manager;
	_cleanup_free_ const char **argv = NULL, **env = NULL;
	const char *policy, *cwd;
	struct target_request req = {};
	struct error_msg err;
	struct bus_peer *p;
	struct bus_spawn *s;
	struct target *t;
	int fds[3], r;

	r = bus_peer_of(b, m, &p, error);
	if (r < 0)
		return r;
	r = sd_bus_message_read(m, "s", &policy);
	if (r >= 0)
		r = read_strv(m, SBX_ARGV_MAX, "argv", &argv, error);
	if (r >= 0)
		r = read_strv(m, SBX_ENV_MAX, "env", &env, error);
	if (r >= 0)
		r = sd_bus_message_read(m, "shhh", &cwd, &fds[0], &fds[1], &fds[2]);
	if (r >= 0)
		r = read_options(m, &req.narrow, &req.detach, error);
	if (r < 0)
		return r;
	if (!policy[0])
		policy = "default";
	/* The socket's decoder bounds its strings so; the rest is
	 * target_spawn()'s to check, for both transports. */
	if (strlen(policy) >= SBX_NAME_MAX)
		return sd_bus_error_setf(error, BUS_ERROR("NoSuchPolicy"), "no such policy '%.64s'",
		    policy);
	if (strlen(cwd) >= SBX_STRING_MAX)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "cwd is too long");

	req.policy = policy;
	req.argv = argv;
	req.env = env;
	req.cwd = cwd;
	memcpy(req.stdio, fds, sizeof(fds));
	req.owner_uid = p->uid;
	req.owner_gid = p->gid;
	req.owner_groups = p->groups;
	req.n_owner_groups = p->n_groups;
	req.owner_pid = p->pid;
	r = target_spawn(mgr, &req, &t, &err);
	if (r < 0) {
		(void) ratelimit_log(&mgr->peer_log, p->uid, LOG_NOTICE, 0,
		    "Spawn of '%s' under policy '%s' for bus client %s (uid %u pid %d) refused: %s.",
		    argv[0] ?: "", policy, p->name, (unsigned) p->uid, (int) p->pid, err.message);
		/* The socket answers an unknown policy ENOENT; here it has a name. */
		if (r == -ENOENT && !policy_store_find(mgr->policies, policy))
			return sd_bus_error_set(error, BUS_ERROR("NoSuchPolicy"), err.message);
		return bus_reply_errno(m, r, err.message, BUS_ERROR("SpawnFailed"));
	}
	s = calloc(1, sizeof(*s));
	if (s) {
		s->peer = p;
		s->call = sd_bus_message_ref(m);
		LIST_INSERT_HEAD(&p->spawns, s, link);
		/* Nothing is told before the loop turns: watching now misses nothing. */
		r = target_watch_new(t, &spawn_watch_ops, s, &s->watch);
	}
	if (!s || r < 0) {
		bus_spawn_free(s);
		(void) target_kill(t, SIGKILL, SBX_LIMIT_NONE);
		return -ENOMEM;
	}
	return 1;	/* answered by on_spawned() */
}

static int
method_list_sandboxes(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	char path[BUS_PATH_MAX];
	struct bus_peer *p;
	struct target *t;
	int r;

	r = bus_peer_of(b, m, &p, error);
	if (r < 0)
		return r;
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(tsusso)");
	/* Newest first, as the socket's LIST. */
	TAILQ_FOREACH_REVERSE(t, &b->manager->targets, target_list, link) {
		if (r < 0)
			break;
		if (authz_can_see(p->uid, t))
			r = sd_bus_message_append(reply, "(tsusso)", t->id, t->policy_name,
			    (uint32_t) t->owner_uid, sbx_state_to_string(t->state), t->command,
			    bus_sandbox_path(t->id, path));
	}
	return send_array(reply, r);
}

/* The sandbox id names, if the caller may see it; else an error as if
 * there were none. */
static int
find_visible(struct bus *b, sd_bus_message *m, uint64_t id, struct bus_peer **ret_peer,
    struct target **ret, sd_bus_error *error)
{
	struct target *t;
	int r;

	r = bus_peer_of(b, m, ret_peer, error);
	if (r < 0)
		return r;
	t = authz_find_visible(b->manager, (*ret_peer)->uid, id);
	if (!t)
		return sd_bus_error_setf(error, BUS_ERROR("NoSuchSandbox"), "no sandbox %llu",
		    (unsigned long long) id);
	*ret = t;
	return 0;
}

static int
method_get_sandbox(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	char path[BUS_PATH_MAX];
	struct bus_peer *p;
	struct target *t;
	uint64_t id;
	int r;

	r = sd_bus_message_read(m, "t", &id);
	if (r >= 0)
		r = find_visible(userdata, m, id, &p, &t, error);
	if (r < 0)
		return r;
	return sd_bus_reply_method_return(m, "o", bus_sandbox_path(t->id, path));
}

int
bus_kill_sandbox(sd_bus_message *m, struct bus_peer *p, struct target *t, int sig,
    sd_bus_error *error)
{
	struct error_msg err;
	int r;

	if (!authz_can_control(p->uid, t))
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "not your sandbox");
	r = target_signal(t, sig, &err);
	if (r == -ESRCH)
		return sd_bus_error_set(error, BUS_ERROR("NotRunning"), err.message);
	if (r < 0)
		return bus_reply_errno(m, r, err.message, SD_BUS_ERROR_FAILED);
	log_info("Sandbox %llu: signal %d sent by bus client %s (uid %u pid %d).",
	    (unsigned long long) t->id, sig, p->name, (unsigned) p->uid, (int) p->pid);
	return sd_bus_reply_method_return(m, NULL);
}

static int
method_kill_sandbox(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus_peer *p;
	struct target *t;
	uint64_t id;
	int32_t sig;
	int r;

	r = sd_bus_message_read(m, "ti", &id, &sig);
	if (r >= 0)
		r = find_visible(userdata, m, id, &p, &t, error);
	if (r < 0)
		return r;
	return bus_kill_sandbox(m, p, t, sig, error);
}

static int
method_list_policies(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	const struct policy_store *s = b->manager->policies;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r;

	/* Policies are not secret (req-policy-list.c): no caller check. */
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(ss)");
	for (size_t i = 0; r >= 0 && i < s->n; i++)
		r = sd_bus_message_append(reply, "(ss)", s->policies[i]->name,
		    s->policies[i]->description ?: "");
	return send_array(reply, r);
}

static int
method_get_policy(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	const struct policy *p;
	const char *name;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	p = policy_store_find(b->manager->policies, name);
	if (!p)
		return sd_bus_error_setf(error, BUS_ERROR("NoSuchPolicy"), "no such policy '%.64s'",
		    name);
	return sd_bus_reply_method_return(m, "s", p->text ?: "");
}

static const char *
severity_to_string(enum ini_severity s)
{
	return s == INI_ERROR ? "error" : "warning";
}

/* The checker's outcome: the reply to the call it carries as cookie. */
static void
on_check_done(void *owner, uint64_t cookie, int error, const char *why, const struct ini_diags *d)
{
	struct bus_peer *p = owner;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *call = (sd_bus_message *) (uintptr_t) cookie;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r;

	p->n_pending--;
	if (error == -ECANCELED)
		return;		/* the caller left */
	if (!d) {
		(void) bus_reply_errno(call, error, why, SD_BUS_ERROR_FAILED);
		bus_kick(p->bus);
		return;
	}
	r = sd_bus_message_new_method_return(call, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(uss)");
	for (unsigned i = 0; r >= 0 && i < d->n; i++)
		r = sd_bus_message_append(reply, "(uss)", d->v[i].line,
		    severity_to_string(d->v[i].severity), d->v[i].message);
	r = send_array(reply, r);
	if (r < 0)
		(void) sd_bus_reply_method_errnof(call, r, "cannot send the report: %m");
	bus_kick(p->bus);
}

static const struct policy_checker_ops check_ops = {
	.done = on_check_done,
};

static int
method_check_policy(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	struct policy_checker_req req;
	struct error_msg err;
	struct bus_peer *p;
	const char *text;
	int r;

	r = sd_bus_message_read(m, "s", &text);
	if (r < 0)
		return r;
	if (strlen(text) > SBX_POLICY_TEXT_MAX)
		return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
		    "a policy is at most %u bytes", SBX_POLICY_TEXT_MAX);
	r = bus_peer_of(b, m, &p, error);
	if (r < 0)
		return r;
	req = (struct policy_checker_req) {
		.text = text,
		.peer_uid = p->uid,
		.peer_pid = p->pid,
		.owner = p,
		.cookie = (uint64_t) (uintptr_t) sd_bus_message_ref(m),
	};
	/* Never parsed here: a child checks it (policy-checker.c). */
	r = policy_checker_start(b->manager, &req, &check_ops, &err);
	if (r < 0) {
		r = bus_reply_errno(m, r, err.message, SD_BUS_ERROR_FAILED);
		sd_bus_message_unref(m);
		return r;
	}
	p->n_pending++;
	return 1;
}

/* The reload's outcome: the reply to the call it carries as cookie. */
static void
on_reload_done(void *owner, uint64_t cookie, int error, const char *message)
{
	struct bus_peer *p = owner;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *call = (sd_bus_message *) (uintptr_t) cookie;

	p->n_pending--;
	if (error == -ECANCELED)
		return;		/* the caller left */
	if (error == 0)
		(void) sd_bus_reply_method_return(call, NULL);
	else
		(void) bus_reply_errno(call, error, message, BUS_ERROR("ReloadFailed"));
	bus_kick(p->bus);
}

static int
method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	struct bus_peer *p;
	int r;

	r = bus_peer_of(b, m, &p, error);
	if (r < 0)
		return r;
	if (p->uid != 0)
		return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
		    "only root may reload the policies");
	log_info("Reload asked for by bus client %s (pid %d).", p->name, (int) p->pid);
	/* Answered when the new set is in place (reload.h). */
	r = reload_start(b->manager->reloader, on_reload_done, p,
	    (uint64_t) (uintptr_t) sd_bus_message_ref(m));
	if (r < 0) {
		sd_bus_message_unref(m);
		return sd_bus_error_set(error, BUS_ERROR("ReloadFailed"), r == -EBUSY ?
		    "earlier reloads are stuck in a file system" : "cannot start a reload");
	}
	p->n_pending++;
	return 1;
}

const sd_bus_vtable bus_manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_NAMES("Spawn", "sasasshhha{sv}",
	    SD_BUS_PARAM(policy) SD_BUS_PARAM(argv) SD_BUS_PARAM(env) SD_BUS_PARAM(cwd)
	    SD_BUS_PARAM(stdin) SD_BUS_PARAM(stdout) SD_BUS_PARAM(stderr) SD_BUS_PARAM(options),
	    "to", SD_BUS_PARAM(id) SD_BUS_PARAM(sandbox),
	    method_spawn, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("ListSandboxes", "", , "a(tsusso)", SD_BUS_PARAM(sandboxes),
	    method_list_sandboxes, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("GetSandbox", "t", SD_BUS_PARAM(id), "o", SD_BUS_PARAM(sandbox),
	    method_get_sandbox, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("KillSandbox", "ti", SD_BUS_PARAM(id) SD_BUS_PARAM(signal), "", ,
	    method_kill_sandbox, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("ListPolicies", "", , "a(ss)", SD_BUS_PARAM(policies),
	    method_list_policies, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("GetPolicy", "s", SD_BUS_PARAM(name), "s", SD_BUS_PARAM(text),
	    method_get_policy, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("CheckPolicy", "s", SD_BUS_PARAM(text), "a(uss)",
	    SD_BUS_PARAM(diagnostics), method_check_policy, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("Reload", "", "", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_NAMES("SandboxNew", "to", SD_BUS_PARAM(id) SD_BUS_PARAM(sandbox), 0),
	SD_BUS_SIGNAL_WITH_NAMES("SandboxRemoved", "to", SD_BUS_PARAM(id) SD_BUS_PARAM(sandbox), 0),
	SD_BUS_VTABLE_END
};
