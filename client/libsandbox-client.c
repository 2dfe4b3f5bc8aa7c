/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsandbox-client: the client half of the sandboxd control protocol
 * (protocol/PROTOCOL.md, protocol/sandbox-protocol.h).
 *
 * One sandbox_client owns one blocking SOCK_SEQPACKET connection. Requests
 * are strictly sequential: send one, then read until the reply with the
 * same serial arrives. Events (serial 0) may come in between; EXITED
 * events are queued in the client so that sandbox_wait() finds them later.
 *
 * The daemon is trusted to be the daemon (the socket lives in a root-owned
 * directory), but its messages are still checked with the shared codec:
 * anything malformed is treated as a protocol error, the connection is shut
 * down and every later call fails with -ECONNRESET. The socket is shut
 * down rather than closed so that the fd number the caller may have put in
 * its poll set stays valid (and reports POLLHUP) until sandbox_client_free().
 *
 * Errors returned to callers are limited to the set documented in
 * libsandbox-client(3); anything else becomes -EIO.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "macro.h"
#include "msg.h"
#include "sandbox-client.h"
#include "sandbox-protocol.h"
#include "time-util.h"
#include "wire.h"

/* Exit events kept for sandbox_wait(); beyond this the oldest is dropped. */
#define CLIENT_EXITS_MAX	1024u
/* Sandboxes tracked per connection (running or exited and not yet waited). */
#define CLIENT_CHILDREN_MAX	(16u * 1024u)

struct child {
	uint64_t		id;
	bool			exited;
	struct sbx_exited	ex;
	char			*learned;	/* a learning spawn's policy */
};

struct sandbox_client {
	int		fd;
	bool		broken;		/* shut down after EOF or a protocol error */
	bool		shutdown;	/* the daemon announced SHUTDOWN */
	uint32_t	serial;		/* last serial used */
	uid_t		uid;		/* as the daemon saw us */
	char		*daemon_version;
	char		*last_error;
	/* The learned policy of the last exit sandbox_wait() returned. */
	uint64_t	learned_id;
	char		*learned;
	struct child	*children;
	size_t		n_children;
	size_t		n_exited;
	uint8_t		*buf;		/* SBX_MSG_SIZE_MAX bytes */
};

struct sandbox_spawn_options {
	struct sbx_spawn	fixed;	/* flags and limits; counts set at spawn */
	char			*policy;
	char			*cwd;
	char			**env;	/* NULL-terminated */
	size_t			n_env;
	int			stdio[3];
};

struct sandbox_info {
	struct sbx_info	info;
	char		*policy;
	char		*command;
	char		*last_denial;
	struct sbx_denial d[SBX_DENIALS_MAX];
	char		*names[SBX_DENIALS_MAX];
	size_t		n_denials;
};

/* Maps an errno of our own socket calls to what we may return: the
 * connection errors to -ECONNRESET, the rest through the wire table. */
static int
map_local_error(int e)
{
	if (e < 0)
		e = -e;
	if (e == EPIPE || e == ENOTCONN || e == ECONNRESET || e == ECONNABORTED)
		return -ECONNRESET;
	if (e == EBADF || e == ENOTSOCK)
		return -EINVAL;
	if (e == ENFILE)
		return -EMFILE;
	if (e == ENOBUFS)
		return -ENOMEM;
	return sbx_error_from_wire(e);
}

static void
client_set_error(sandbox_client *c, const char *message)
{
	free(c->last_error);
	c->last_error = message ? strdup(message) : NULL;
}

/* The connection is unusable from now on. Returns r. */
static int
client_break(sandbox_client *c, int r)
{
	if (!c->broken) {
		c->broken = true;
		(void) shutdown(c->fd, SHUT_RDWR);
	}
	return r;
}

static struct child *
client_find_child(sandbox_client *c, uint64_t id)
{
	for (size_t i = 0; i < c->n_children; i++)
		if (c->children[i].id == id)
			return &c->children[i];
	return NULL;
}

static void
client_remove_child(sandbox_client *c, struct child *ch)
{
	size_t i = (size_t) (ch - c->children);

	if (ch->exited)
		c->n_exited--;
	free(ch->learned);
	memmove(&c->children[i], &c->children[i + 1],
	    (c->n_children - i - 1) * sizeof(struct child));
	c->n_children--;
}

static int
client_add_child(sandbox_client *c, uint64_t id, struct child **ret)
{
	struct child *v;

	if (c->n_children >= CLIENT_CHILDREN_MAX)
		return -ENOMEM;
	v = reallocarray(c->children, c->n_children + 1, sizeof(struct child));
	if (!v)
		return -ENOMEM;
	c->children = v;
	v[c->n_children] = (struct child) { .id = id };
	*ret = &v[c->n_children++];
	return 0;
}

/* Records an exit. Children are kept in spawn order, so the first exited
 * one is the oldest; it is dropped when the queue is full. */
static int
client_queue_exit(sandbox_client *c, const struct sbx_exited *ex, const char *learned)
{
	struct child *ch;
	int r;

	ch = client_find_child(c, ex->id);
	if (ch && ch->exited)
		return -EBADMSG;	/* a second EXITED for one sandbox */
	if (!ch) {
		/* EXITED may overtake nothing, but be liberal: keep it. */
		r = client_add_child(c, ex->id, &ch);
		if (r < 0)
			return 0;	/* cannot keep it; wait() will report -ESRCH */
	}
	ch->exited = true;
	ch->ex = *ex;
	ch->learned = learned ? strdup(learned) : NULL;
	c->n_exited++;
	if (c->n_exited > CLIENT_EXITS_MAX)
		for (size_t i = 0; i < c->n_children; i++)
			if (c->children[i].exited) {
				client_remove_child(c, &c->children[i]);
				break;
			}
	return 0;
}

/* Handles one event (serial 0). Returns 0, or -EBADMSG if malformed. */
static int
client_handle_event(sandbox_client *c, struct sbx_reader *r)
{
	struct sbx_exited ex;
	const char *learned = NULL;

	switch (r->hdr.type) {
	case SBX_MSG_EXITED:
		if (sbx_reader_get(r, &ex, sizeof(ex)) < 0 || ex.reserved != 0 ||
		    (ex.how != SBX_EXIT_CODE && ex.how != SBX_EXIT_SIGNAL))
			return -EBADMSG;
		/* A learning spawn's: the policy. */
		if (sbx_reader_end(r) < 0 &&
		    (sbx_reader_get_str(r, &learned, SBX_POLICY_TEXT_MAX + 1) < 0 ||
		    sbx_reader_end(r) < 0))
			return -EBADMSG;
		return client_queue_exit(c, &ex, learned);
	case SBX_MSG_SHUTDOWN:
		if (sbx_reader_end(r) < 0)
			return -EBADMSG;
		c->shutdown = true;
		return 0;
	}
	return -EBADMSG;
}

/*
 * Receives one message into c->buf. Returns 0 with *r set up, or a
 * negative errno; EOF and protocol errors break the connection.
 */
static int
client_recv(sandbox_client *c, struct sbx_reader *r)
{
	int fds[SBX_FDS_MAX];
	size_t n_fds = 0;
	ssize_t n;

	if (c->broken)
		return -ECONNRESET;
	do
		n = sbx_recv_msg(c->fd, c->buf, SBX_MSG_SIZE_MAX, fds, &n_fds, 0);
	while (n == -EINTR);
	/* The kernel reports a reset once, ahead of what the daemon sent
	 * before it closed (an ERROR saying why it refused us): read that.
	 * The peer is gone, so this returns at once, at worst with EOF. */
	if (n == -ECONNRESET)
		n = sbx_recv_msg(c->fd, c->buf, SBX_MSG_SIZE_MAX, fds, &n_fds, 0);
	if (n == 0)
		return client_break(c, -ECONNRESET);
	if (n == -EBADMSG)
		return client_break(c, -EBADMSG);
	if (n < 0) {
		n = map_local_error((int) n);
		return n == -ECONNRESET ? client_break(c, -ECONNRESET) : (int) n;
	}
	if (sbx_reader_init(r, c->buf, (size_t) n) < 0)
		return client_break(c, -EBADMSG);
	return 0;
}

/* Sends a finished message with the given fds (which stay ours). Returns
 * -ECONNRESET, without breaking the connection, if the daemon has closed
 * it: what it sent before closing can still be read. */
static int
client_send(sandbox_client *c, struct sbx_writer *w, const int *fds, size_t n_fds)
{
	int r;

	r = sbx_writer_finish(w);
	if (r == -EMSGSIZE || r == -ENAMETOOLONG)
		return -E2BIG;
	if (r < 0)
		return r == -ENOMEM ? -ENOMEM : -EINVAL;
	r = sbx_send_msg(c->fd, w->buf, w->len, fds, n_fds);
	if (r < 0)
		return map_local_error(r);
	return 0;
}

static uint32_t
client_next_serial(sandbox_client *c)
{
	if (++c->serial == 0)
		c->serial = 1;
	return c->serial;
}

/*
 * Sends the request in w (built with serial c->serial) and reads until its
 * reply arrives. On a reply of type reply_type returns 0 with *ret reading
 * its payload (valid until the next receive). An ERROR reply stores its
 * message for sandbox_client_last_error() and returns the mapped errno.
 */
static int
client_call(sandbox_client *c, struct sbx_writer *w, const int *fds, size_t n_fds,
    uint32_t reply_type, struct sbx_reader *ret)
{
	uint32_t serial = c->serial;	/* set by client_begin() */
	struct sbx_reader r;
	int e, k;

	if (c->broken)
		return -ECONNRESET;
	k = client_send(c, w, fds, n_fds);
	/* A daemon that closed on us may have said why first (an ERROR with
	 * HELLO's serial when it refuses the connection): read what it left.
	 * It is gone, so the reads end at EOF rather than block. */
	if (k < 0 && k != -ECONNRESET)
		return k;

	for (;;) {
		const char *m;

		k = client_recv(c, &r);
		if (k < 0)
			return k;
		if (r.hdr.serial == 0) {
			if (client_handle_event(c, &r) < 0)
				return client_break(c, -EBADMSG);
			continue;
		}
		if (r.hdr.serial != serial)
			return client_break(c, -EBADMSG);
		if (r.hdr.type == SBX_MSG_ERROR) {
			if (sbx_msg_error_get(&r, &e, &m) < 0)
				return client_break(c, -EBADMSG);
			client_set_error(c, m);
			return sbx_error_from_wire(e);
		}
		if (r.hdr.type != reply_type)
			return client_break(c, -EBADMSG);
		*ret = r;
		return 0;
	}
}

/* A call whose reply is OK. */
static int
client_call_ok(sandbox_client *c, struct sbx_writer *w, const int *fds, size_t n_fds)
{
	struct sbx_reader r;
	int k;

	k = client_call(c, w, fds, n_fds, SBX_MSG_OK, &r);
	if (k < 0)
		return k;
	if (sbx_reader_end(&r) < 0)
		return client_break(c, -EBADMSG);
	return 0;
}

static void
client_begin(sandbox_client *c, struct sbx_writer *w, uint32_t type)
{
	client_set_error(c, NULL);
	sbx_writer_init(w, type, client_next_serial(c));
}

static int
client_hello(sandbox_client *c)
{
	struct sbx_hello h = { .version = SBX_PROTOCOL_VERSION };
	struct sbx_hello_reply hr;
	struct sbx_writer w;
	struct sbx_reader r;
	const char *version;
	int k;

	/* HELLO is always serial 1. */
	c->serial = 0;
	client_begin(c, &w, SBX_MSG_HELLO);
	sbx_writer_put(&w, &h, sizeof(h));
	k = client_call(c, &w, NULL, 0, SBX_MSG_HELLO_REPLY, &r);
	sbx_writer_done(&w);
	if (k < 0)
		return k;
	if (sbx_reader_get(&r, &hr, sizeof(hr)) < 0 ||
	    sbx_reader_get_str(&r, &version, 0) < 0 || sbx_reader_end(&r) < 0)
		return client_break(c, -EBADMSG);
	if (hr.version != SBX_PROTOCOL_VERSION)
		return client_break(c, -EPROTONOSUPPORT);
	c->uid = hr.uid;
	c->daemon_version = strdup(version);
	if (!c->daemon_version)
		return -ENOMEM;
	return 0;
}

_public_ sandbox_client *
sandbox_client_free(sandbox_client *c)
{
	if (!c)
		return NULL;
	safe_close(c->fd);
	free(c->daemon_version);
	free(c->last_error);
	for (size_t i = 0; i < c->n_children; i++)
		free(c->children[i].learned);
	free(c->children);
	free(c->learned);
	free(c->buf);
	free(c);
	return NULL;
}

static void
sandbox_client_freep(sandbox_client **c)
{
	sandbox_client_free(*c);
}

_public_ int
sandbox_client_connect(const char *path, sandbox_client **ret)
{
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t l;
	int k;

	if (!ret)
		return -EINVAL;
	if (!path) {
		path = secure_getenv("SANDBOXD_SOCKET");
		if (!path || !*path)
			path = SANDBOX_DEFAULT_SOCKET;
	}
	l = strlen(path);
	if (l == 0)
		return -EINVAL;
	if (l >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, l);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->buf = malloc(SBX_MSG_SIZE_MAX);
	if (!c->buf)
		return -ENOMEM;

	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return map_local_error(errno);
	do
		k = connect(c->fd, (const struct sockaddr *) &sa, sizeof(sa));
	while (k < 0 && errno == EINTR);
	if (k < 0) {
		/* "No daemon" is reported as it is, the rest through the usual map. */
		k = errno;
		return k == ECONNREFUSED ? -ECONNREFUSED : map_local_error(k);
	}

	k = client_hello(c);
	if (k < 0)
		return k;
	*ret = TAKE_PTR(c);
	return 0;
}

_public_ int
sandbox_client_get_fd(const sandbox_client *c)
{
	if (!c)
		return -EINVAL;
	return c->fd;
}

_public_ const char *
sandbox_client_last_error(const sandbox_client *c)
{
	if (!c)
		return NULL;
	return c->last_error;
}

/* Spawn options. */

_public_ int
sandbox_spawn_options_new(sandbox_spawn_options **ret)
{
	sandbox_spawn_options *o;

	if (!ret)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->stdio[0] = o->stdio[1] = o->stdio[2] = -1;
	*ret = o;
	return 0;
}

_public_ sandbox_spawn_options *
sandbox_spawn_options_free(sandbox_spawn_options *o)
{
	if (!o)
		return NULL;
	free(o->policy);
	free(o->cwd);
	strv_free(o->env);
	free(o);
	return NULL;
}

/* Replaces *dst with a copy of s (NULL clears). */
static int
replace_string(char **dst, const char *s)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return -ENOMEM;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

_public_ int
sandbox_spawn_options_set_policy(sandbox_spawn_options *o, const char *name)
{
	if (!o || (name && !*name))
		return -EINVAL;
	if (name && strlen(name) >= SBX_NAME_MAX)
		return -ENAMETOOLONG;
	return replace_string(&o->policy, name);
}

_public_ int
sandbox_spawn_options_set_cwd(sandbox_spawn_options *o, const char *cwd)
{
	if (!o)
		return -EINVAL;
	if (cwd && strlen(cwd) >= SBX_STRING_MAX)
		return -ENAMETOOLONG;
	return replace_string(&o->cwd, cwd);
}

_public_ int
sandbox_spawn_options_add_env(sandbox_spawn_options *o, const char *kv)
{
	const char *eq;
	char **v;

	if (!o || !kv)
		return -EINVAL;
	eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return -EINVAL;
	if (strlen(kv) >= SBX_STRING_MAX || o->n_env >= SBX_ENV_MAX)
		return -E2BIG;
	v = reallocarray(o->env, o->n_env + 2, sizeof(char *));
	if (!v)
		return -ENOMEM;
	o->env = v;
	v[o->n_env] = strdup(kv);
	if (!v[o->n_env])
		return -ENOMEM;
	v[++o->n_env] = NULL;
	return 0;
}

_public_ int
sandbox_spawn_options_set_stdio(sandbox_spawn_options *o, int in, int out, int err)
{
	if (!o || in < -1 || out < -1 || err < -1)
		return -EINVAL;
	o->stdio[0] = in;
	o->stdio[1] = out;
	o->stdio[2] = err;
	return 0;
}

#define DEFINE_LIMIT_SETTER(name, field)					\
	_public_ int								\
	sandbox_spawn_options_set_##name(sandbox_spawn_options *o, uint64_t v)	\
	{									\
		if (!o)								\
			return -EINVAL;						\
		o->fixed.field = v;						\
		return 0;							\
	}

DEFINE_LIMIT_SETTER(timeout_ms, timeout_ms)
DEFINE_LIMIT_SETTER(memory_max, memory_max)
DEFINE_LIMIT_SETTER(tasks_max, tasks_max)
DEFINE_LIMIT_SETTER(cpu_ms, cpu_ms)
DEFINE_LIMIT_SETTER(nofile_max, nofile_max)
DEFINE_LIMIT_SETTER(fsize_max, fsize_max)

static int
set_spawn_flag(sandbox_spawn_options *o, uint32_t flag, int on)
{
	if (!o)
		return -EINVAL;
	if (on)
		o->fixed.flags |= flag;
	else
		o->fixed.flags &= ~flag;
	return 0;
}

_public_ int
sandbox_spawn_options_set_learn(sandbox_spawn_options *o, int learn)
{
	return set_spawn_flag(o, SBX_SPAWN_LEARN, learn);
}

_public_ int
sandbox_learned_policy(sandbox_client *c, uint64_t id, char **ret)
{
	if (!c || !ret)
		return -EINVAL;
	if (!c->learned || c->learned_id != id)
		return -ENOENT;
	*ret = TAKE_PTR(c->learned);
	return 0;
}

_public_ size_t
sandbox_info_get_n_denials(const sandbox_info *i)
{
	return i ? i->n_denials : 0;
}

_public_ const char *
sandbox_info_get_denial(const sandbox_info *i, size_t k, const char **ret_layer,
    uint64_t *ret_count, int *ret_error, int *ret_forbidden)
{
	if (!i || k >= i->n_denials)
		return NULL;
	if (ret_layer)
		*ret_layer = sbx_layer_to_string(i->d[k].layer) ?: "unknown";
	if (ret_count)
		*ret_count = i->d[k].count;
	if (ret_error)
		*ret_error = (int) i->d[k].error;
	if (ret_forbidden)
		*ret_forbidden = !!(i->d[k].flags & SBX_DENIAL_FORBIDDEN);
	return i->names[k];
}

_public_ int
sandbox_spawn_options_set_detach(sandbox_spawn_options *o, int detach)
{
	return set_spawn_flag(o, SBX_SPAWN_DETACH, detach);
}

/* Spawning and waiting. */

_public_ int
sandbox_spawn(sandbox_client *c, const sandbox_spawn_options *o, char *const argv[],
    uint64_t *ret_id)
{
	static const char *const no_env[] = { NULL };
	_cleanup_close_ int devnull = -1;
	struct sbx_spawn fixed = {};
	struct sbx_spawned sp;
	struct sbx_writer w;
	struct sbx_reader r;
	const char *policy = "default", *cwd = "";
	const char *const *env = no_env;
	struct child *ch;
	size_t n_argv;
	int fds[3] = { -1, -1, -1 };
	int k;

	if (!c || !argv || !argv[0] || !ret_id)
		return -EINVAL;
	n_argv = strv_length(argv);
	if (n_argv > SBX_ARGV_MAX)
		return -E2BIG;
	if (o) {
		fixed = o->fixed;
		if (o->policy)
			policy = o->policy;
		if (o->cwd)
			cwd = o->cwd;
		if (o->env)
			env = (const char *const *) o->env;
		memcpy(fds, o->stdio, sizeof(fds));
	}
	if (c->broken)
		return -ECONNRESET;

	for (size_t i = 0; i < 3; i++) {
		if (fds[i] >= 0) {
			/* Fail clearly on a stale fd rather than with EBADF from sendmsg. */
			if (fcntl(fds[i], F_GETFD) < 0)
				return -EINVAL;
			continue;
		}
		if (devnull < 0) {
			devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
			if (devnull < 0)
				return map_local_error(errno);
		}
		fds[i] = devnull;
	}

	fixed.n_argv = fixed.n_env = fixed.reserved = 0;
	client_begin(c, &w, SBX_MSG_SPAWN);
	k = sbx_msg_spawn_put(&w, &fixed, policy, cwd, (const char *const *) argv, env);
	if (k < 0) {
		sbx_writer_done(&w);
		return k == -ENOMEM ? -ENOMEM : k == -EINVAL ? -EINVAL : -E2BIG;
	}
	k = client_call(c, &w, fds, 3, SBX_MSG_SPAWNED, &r);
	sbx_writer_done(&w);
	if (k < 0)
		return k;
	if (sbx_reader_get(&r, &sp, sizeof(sp)) < 0 || sbx_reader_end(&r) < 0)
		return client_break(c, -EBADMSG);

	ch = client_find_child(c, sp.id);
	if (!ch) {
		k = client_add_child(c, sp.id, &ch);
		if (k < 0)
			return k;	/* it runs, but we could not wait for it */
	}
	*ret_id = sp.id;
	return 0;
}

static uint64_t
now_msec(void)
{
	return now_usec(CLOCK_MONOTONIC) / 1000;
}

/* Takes the exit of id (0: the oldest exit) off the queue. */
static bool
client_take_exit(sandbox_client *c, uint64_t id, sandbox_exit *ret)
{
	const char *limit;
	struct child *ch = NULL;

	for (size_t i = 0; i < c->n_children; i++)
		if (c->children[i].exited && (id == 0 || c->children[i].id == id)) {
			ch = &c->children[i];
			break;
		}
	if (!ch)
		return false;

	limit = sbx_limit_to_string(ch->ex.limit);
	*ret = (sandbox_exit) {
		.id = ch->ex.id,
		.exited = ch->ex.how == SBX_EXIT_CODE,
		.status = ch->ex.status,
		.limit = limit ? limit : "unknown",
		.cpu_usec = ch->ex.cpu_usec,
		.memory_peak = ch->ex.memory_peak,
		.wall_usec = ch->ex.wall_usec,
	};
	free(c->learned);
	c->learned = TAKE_PTR(ch->learned);
	c->learned_id = ch->ex.id;
	client_remove_child(c, ch);
	return true;
}

_public_ int
sandbox_wait(sandbox_client *c, uint64_t id, int timeout_ms, sandbox_exit *ret)
{
	uint64_t deadline = 0;

	if (!c || !ret)
		return -EINVAL;
	client_set_error(c, NULL);
	if (timeout_ms >= 0)
		deadline = now_msec() + (uint64_t) timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		struct sbx_reader r;
		int wait_ms = -1, k;

		if (client_take_exit(c, id, ret))
			return 0;
		if (id == 0 ? c->n_children == 0 : !client_find_child(c, id))
			return -ESRCH;
		if (c->broken)
			return -ECONNRESET;

		if (timeout_ms >= 0) {
			uint64_t now = now_msec();

			wait_ms = now >= deadline ? 0 :
			    (deadline - now > INT32_MAX ? INT32_MAX : (int) (deadline - now));
		}
		k = poll(&p, 1, wait_ms);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return map_local_error(errno);
		}
		if (k == 0)
			return -ETIMEDOUT;

		k = client_recv(c, &r);
		if (k < 0)
			return k;
		/* No request is in flight, so only events may arrive. */
		if (r.hdr.serial != 0 || client_handle_event(c, &r) < 0)
			return client_break(c, -EBADMSG);
	}
}

_public_ int
sandbox_kill(sandbox_client *c, uint64_t id, int sig)
{
	struct sbx_kill k = { .id = id };
	struct sbx_writer w;
	int r;

	if (!c || id == 0 || sig < 0 || sig >= NSIG)
		return -EINVAL;
	k.signal = (uint32_t) sig;
	client_begin(c, &w, SBX_MSG_KILL);
	sbx_writer_put(&w, &k, sizeof(k));
	r = client_call_ok(c, &w, NULL, 0);
	sbx_writer_done(&w);
	return r;
}

/* Sandbox information. */

_public_ sandbox_info *
sandbox_info_free(sandbox_info *i)
{
	if (!i)
		return NULL;
	free(i->policy);
	free(i->command);
	free(i->last_denial);
	for (size_t k = 0; k < i->n_denials; k++)
		free(i->names[k]);
	free(i);
	return NULL;
}

_public_ void
sandbox_info_list_free(sandbox_info **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		sandbox_info_free(v[i]);
	free(v);
}

DEFINE_FREEP(sandbox_info, sandbox_info_free);

/* Frees a NULL-terminated array still being filled. */
static void
info_array_freep(sandbox_info ***v)
{
	size_t n = 0;

	while (*v && (*v)[n])
		n++;
	sandbox_info_list_free(*v, n);
}

/* Reads a SANDBOX_LIST reply into a NULL-terminated array. */
static int
read_info_list(sandbox_client *c, struct sbx_reader *r, sandbox_info ***ret, size_t *ret_n)
{
	_cleanup_(info_array_freep) sandbox_info **v = NULL;
	struct sbx_list l;
	size_t n = 0;

	if (sbx_reader_get(r, &l, sizeof(l)) < 0 || l.reserved != 0 || l.count > SBX_LIST_MAX)
		return client_break(c, -EBADMSG);
	v = calloc((size_t) l.count + 1, sizeof(sandbox_info *));
	if (!v)
		return -ENOMEM;
	for (; n < l.count; n++) {
		_cleanup_(sandbox_info_freep) sandbox_info *i = NULL;
		struct sbx_named_denial d[SBX_DENIALS_MAX];
		struct sbx_info info;
		const char *policy, *command, *denial;
		size_t n_d;

		if (sbx_msg_info_get(r, &info, &policy, &command, &denial, d, &n_d) < 0)
			return client_break(c, -EBADMSG);
		i = calloc(1, sizeof(sandbox_info));
		if (!i)
			return -ENOMEM;
		i->info = info;
		i->policy = strdup(policy);
		i->command = strdup(command);
		i->last_denial = strdup(denial);
		if (!i->policy || !i->command || !i->last_denial)
			return -ENOMEM;
		for (size_t k = 0; k < n_d; k++, i->n_denials++) {
			i->d[k] = d[k].d;
			i->names[k] = strdup(d[k].name);
			if (!i->names[k])
				return -ENOMEM;
		}
		v[n] = TAKE_PTR(i);
	}
	if (sbx_reader_end(r) < 0)
		return client_break(c, -EBADMSG);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

_public_ int
sandbox_list(sandbox_client *c, sandbox_info ***ret, size_t *ret_n)
{
	struct sbx_writer w;
	struct sbx_reader r;
	int k;

	if (!c || !ret || !ret_n)
		return -EINVAL;
	client_begin(c, &w, SBX_MSG_LIST);
	k = client_call(c, &w, NULL, 0, SBX_MSG_SANDBOX_LIST, &r);
	sbx_writer_done(&w);
	if (k < 0)
		return k;
	return read_info_list(c, &r, ret, ret_n);
}

_public_ int
sandbox_status(sandbox_client *c, uint64_t id, sandbox_info **ret)
{
	struct sbx_id q = { .id = id };
	struct sbx_writer w;
	struct sbx_reader r;
	sandbox_info **v;
	size_t n;
	int k;

	if (!c || id == 0 || !ret)
		return -EINVAL;
	client_begin(c, &w, SBX_MSG_STATUS);
	sbx_writer_put(&w, &q, sizeof(q));
	k = client_call(c, &w, NULL, 0, SBX_MSG_SANDBOX_LIST, &r);
	sbx_writer_done(&w);
	if (k < 0)
		return k;
	k = read_info_list(c, &r, &v, &n);
	if (k < 0)
		return k;
	if (n == 0) {
		sandbox_info_list_free(v, n);
		return -ESRCH;
	}
	if (n > 1 || v[0]->info.id != id) {
		sandbox_info_list_free(v, n);
		return client_break(c, -EBADMSG);
	}
	*ret = v[0];
	free(v);
	return 0;
}

#define DEFINE_INFO_GETTER(type, name, expr)				\
	_public_ type							\
	sandbox_info_get_##name(const sandbox_info *i)			\
	{								\
		return i ? (type) (expr) : 0;				\
	}

DEFINE_INFO_GETTER(uint64_t, id, i->info.id)
DEFINE_INFO_GETTER(uid_t, owner_uid, i->info.owner_uid)
DEFINE_INFO_GETTER(pid_t, owner_pid, i->info.owner_pid)
DEFINE_INFO_GETTER(pid_t, pid, i->info.pid)
DEFINE_INFO_GETTER(uid_t, uid, i->info.uid)
DEFINE_INFO_GETTER(uint64_t, start_usec, i->info.start_usec)
DEFINE_INFO_GETTER(uint64_t, cpu_usec, i->info.cpu_usec)
DEFINE_INFO_GETTER(uint64_t, memory_current, i->info.memory_current)
DEFINE_INFO_GETTER(uint64_t, memory_peak, i->info.memory_peak)
DEFINE_INFO_GETTER(uint64_t, tasks_current, i->info.tasks_current)
DEFINE_INFO_GETTER(uint64_t, timeout_ms, i->info.timeout_ms)
DEFINE_INFO_GETTER(uint64_t, memory_max, i->info.memory_max)
DEFINE_INFO_GETTER(uint64_t, tasks_max, i->info.tasks_max)
DEFINE_INFO_GETTER(uint64_t, cpu_ms, i->info.cpu_ms)

_public_ const char *
sandbox_info_get_state(const sandbox_info *i)
{
	const char *s;

	if (!i)
		return NULL;
	s = sbx_state_to_string(i->info.state);
	return s ? s : "unknown";
}

_public_ const char *
sandbox_info_get_limit(const sandbox_info *i)
{
	const char *s;

	if (!i)
		return NULL;
	s = sbx_limit_to_string(i->info.limit);
	return s ? s : "unknown";
}

_public_ const char *
sandbox_info_get_policy(const sandbox_info *i)
{
	return i ? i->policy : NULL;
}

_public_ const char *
sandbox_info_get_command(const sandbox_info *i)
{
	return i ? i->command : NULL;
}

_public_ uint64_t
sandbox_info_get_broker_requests(const sandbox_info *i)
{
	return i ? i->info.broker_requests : 0;
}

_public_ uint64_t
sandbox_info_get_broker_denied(const sandbox_info *i)
{
	return i ? i->info.broker_denied : 0;
}

_public_ const char *
sandbox_info_get_last_denial(const sandbox_info *i)
{
	return i && i->last_denial && i->last_denial[0] ? i->last_denial : NULL;
}

/* Policies. */

_public_ void
sandbox_strv_free(char **v)
{
	strv_free(v);
}

_public_ int
sandbox_policy_list(sandbox_client *c, char ***ret_names, char ***ret_descriptions)
{
	_cleanup_strv_free_ char **names = NULL, **descs = NULL;
	struct sbx_writer w;
	struct sbx_reader r;
	struct sbx_list l;
	int k;

	if (!c || !ret_names || !ret_descriptions)
		return -EINVAL;
	client_begin(c, &w, SBX_MSG_POLICY_LIST);
	k = client_call(c, &w, NULL, 0, SBX_MSG_POLICY_NAMES, &r);
	sbx_writer_done(&w);
	if (k < 0)
		return k;

	/* Each entry takes at least 10 bytes, so the message bounds count. */
	if (sbx_reader_get(&r, &l, sizeof(l)) < 0 || l.reserved != 0 ||
	    l.count > r.left / 10)
		return client_break(c, -EBADMSG);
	names = calloc((size_t) l.count + 1, sizeof(char *));
	descs = calloc((size_t) l.count + 1, sizeof(char *));
	if (!names || !descs)
		return -ENOMEM;
	for (uint32_t i = 0; i < l.count; i++) {
		const char *name, *desc;

		if (sbx_reader_get_str(&r, &name, SBX_NAME_MAX) < 0 ||
		    sbx_reader_get_str(&r, &desc, 0) < 0)
			return client_break(c, -EBADMSG);
		names[i] = strdup(name);
		descs[i] = strdup(desc);
		if (!names[i] || !descs[i])
			return -ENOMEM;
	}
	if (sbx_reader_end(&r) < 0)
		return client_break(c, -EBADMSG);
	*ret_names = TAKE_PTR(names);
	*ret_descriptions = TAKE_PTR(descs);
	return 0;
}

static int
policy_show(sandbox_client *c, const char *name, uint32_t flags, char **ret_text)
{
	struct sbx_writer w;
	struct sbx_reader r;
	const char *text;
	char *copy;
	int k;

	if (!c || !name || !*name || !ret_text)
		return -EINVAL;
	if (strlen(name) >= SBX_NAME_MAX)
		return -ENAMETOOLONG;
	client_begin(c, &w, SBX_MSG_POLICY_SHOW);
	sbx_writer_put_str(&w, name);
	/* Only when asked for, so a daemon without flags is still asked alike. */
	if (flags != 0)
		sbx_writer_put(&w, &flags, sizeof(flags));
	k = client_call(c, &w, NULL, 0, SBX_MSG_POLICY_TEXT, &r);
	sbx_writer_done(&w);
	if (k < 0)
		return k;
	if (sbx_reader_get_str(&r, &text, SBX_POLICY_TEXT_MAX + 1) < 0 || sbx_reader_end(&r) < 0)
		return client_break(c, -EBADMSG);
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	*ret_text = copy;
	return 0;
}

_public_ int
sandbox_policy_show(sandbox_client *c, const char *name, char **ret_text)
{
	return policy_show(c, name, 0, ret_text);
}

_public_ int
sandbox_policy_show_effective(sandbox_client *c, const char *name, char **ret_text)
{
	return policy_show(c, name, SBX_POLICY_SHOW_EFFECTIVE, ret_text);
}

/* The report as "file:line: severity: message" lines, one per diagnostic. */
static char *
format_report(const char *filename, const struct ini_diags *d)
{
	size_t size = (size_t) d->n * 1200 + 128, n = 0;
	char *buf = malloc(size);

	if (!buf)
		return NULL;
	buf[0] = '\0';
	for (unsigned i = 0; i < d->n; i++) {
		int k = sbx_policy_diag_format(buf + n, size - n, filename, &d->v[i]);

		if (k < 0 || (size_t) k >= size - n - 1)
			break;
		n += (size_t) k;
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	if (d->n < d->n_errors + d->n_warnings)
		(void) snprintf(buf + n, size - n, "%s: %u more not shown\n", filename,
		    d->n_errors + d->n_warnings - d->n);
	return buf;
}

_public_ int
sandbox_policy_check(sandbox_client *c, const char *filename, const char *text)
{
	_cleanup_free_ struct ini_diags *d = NULL;
	struct sbx_writer w;
	struct sbx_reader r;
	char *report;
	int k;

	if (!c || !filename || !text)
		return -EINVAL;
	if (strlen(text) > SBX_POLICY_TEXT_MAX)
		return -E2BIG;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	client_begin(c, &w, SBX_MSG_POLICY_CHECK);
	/* The file name only labels messages: shorten rather than refuse. */
	sbx_writer_put_str_trunc(&w, filename, SBX_POLICY_LABEL_MAX);
	sbx_writer_put_str_trunc(&w, text, SBX_POLICY_TEXT_MAX + 1);
	k = client_call(c, &w, NULL, 0, SBX_MSG_POLICY_REPORT, &r);
	sbx_writer_done(&w);
	if (k < 0)
		return k;
	if (sbx_msg_policy_report_get(&r, d) < 0)
		return client_break(c, -EBADMSG);
	report = d->n > 0 ? format_report(filename, d) : NULL;
	if (d->n > 0 && !report)
		return -ENOMEM;
	free(c->last_error);
	c->last_error = report;
	return d->n_errors > 0 ? -EBADMSG : 0;
}
