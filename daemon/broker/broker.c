/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The broker: a target asks, over its channel, for a file or socket action;
 * we match the request against its policy's [Broker] rules, check the
 * rule's rights, and perform the action (action-*.c) under the owner's
 * credentials, answering with an errno or an fd in SCM_RIGHTS.
 *
 * What we trust: nothing the target sends. Every message is bounded
 * (SBX_MSG_SIZE_MAX, one path of SBX_PATH_MAX), carries no fds, and must
 * parse exactly; anything else is a protocol violation that closes the
 * channel (the sandbox itself keeps running without a broker; this is
 * documented in sandboxd.policy(5)).
 *
 * What may block: nothing on the loop thread. When a channel becomes
 * readable, the loop hands it to a worker thread (workers.h) for a
 * session: the worker reads, matches and answers requests one at a time,
 * performing each action with its own thread's credentials switched to
 * the owner's (creds.c), and keeps the channel while requests keep coming
 * (BROKER_LINGER_MS between them), so that a busy target costs no more
 * thread switches than a single-threaded broker would. When the channel
 * goes quiet, closes, misbehaves, needs the loop (a connected socket to
 * relay, a reply the target does not read) or the session's worker is
 * stuck, the session ends and the loop takes the channel back.
 *
 * Time: an action that has not finished within BrokerTimeoutSec= is
 * answered ETIMEDOUT by the loop (on_timeout()), which takes the channel
 * back; the worker stays in the kernel (a FUSE or NFS mount that does not
 * answer keeps it until it does) and drops its result when it comes back.
 * Which of the two answers is decided by one compare-and-swap on the
 * session's act word, so the target gets exactly one reply. Stuck
 * sessions are bounded: BROKER_STUCK_MAX per sandbox and
 * BROKER_STUCK_PER_UID_MAX per owner over all their sandboxes (a session
 * still going when its sandbox ends counts too), beyond which requests
 * are answered ETIMEDOUT without being tried, so a user's stalled file
 * systems cannot take the threads every other sandbox needs.
 *
 * Sharing: a session's worker is the only one that reads the channel,
 * sends on it and touches the broker's denial log and owner-opened rule
 * directories while the session owns the channel; the loop does so only
 * when no session does. The policy and the owner's credentials never
 * change after broker_new_consume_fd(); the counters are under lock; the
 * channel fd is closed only when the last session is done (broker_free()
 * shuts it down instead, which ends a session that waits on it).
 *
 * Denials are counted, remembered for `sandboxctl status`, and logged
 * once per (sandbox, action, path); these lines and the violation notices
 * go through the daemon's per-uid rate limiter (ratelimit.h), keyed by the
 * sandbox's owner.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <event2/event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <seccomp.h>
#include <unistd.h>

#include "action.h"
#include "broker.h"
#include "event-util.h"
#include "fdpass.h"
#include "bpf.h"
#include "intercept.h"
#include "learn.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "relay.h"
#include "target.h"
#include "time-util.h"
#include "workers.h"

#define DENIALS_REMEMBERED	64	/* distinct (action, path) logged per sandbox */
#define BROKER_LINGER_MS	2	/* a session waits this long for the next request */
/* And for the next intercepted call: a program starting up computes for
 * a few milliseconds between bursts of them (python's imports), and each
 * new session costs a wake-up of the loop and of a worker. A lingering
 * worker only waits in poll(2); others get threads of their own. */
#define INTERCEPT_LINGER_MS	20

/* A session's act word: 0 between actions, ACT_TIMED_OUT once the loop
 * answered for it, else the action's start (CLOCK_MONOTONIC µs) << 1 | 1. */
#define ACT_TIMED_OUT		UINT64_MAX

struct session;

/* Where requests come from: the channel, or the target's own system calls
 * (intercept.c), each served by its own sessions in the same way. */
enum chan_kind {
	CHAN_SOCKET,
	CHAN_NOTIFY,
	CHAN_KINDS
};

struct chan {
	struct broker	*broker;
	enum chan_kind	kind;
	bool		closed;		/* close_channel() */
	bool		hup;		/* a listener whose target has gone */
	int		fd;		/* the socket, or the seccomp listener */
	struct event	*ev_read, *ev_write, *ev_timeout;
	/* A reply that could not be sent yet (at most one; sockets only). */
	struct sbx_writer pending;
	int		pending_fd;
	bool		have_pending;
	struct session	*session;	/* the one that owns the channel */
	struct session	*spare;		/* a finished one's memory, for the next */
};

struct broker {
	struct manager	*manager;
	struct target	*target;	/* NULL once freed: sessions may still run */
	unsigned	refs;		/* the target's, and one per session not done */
	struct chan	chan[CHAN_KINDS];
	/* The target handed us its listener (which may be closed already: a
	 * quick target's end can come before its exec's), and its mounts. */
	bool		listener_attached;
	struct intercept_view *view;
	unsigned	n_stuck;	/* sessions timed out, still in a worker */
	atomic_bool	refuse;		/* too many stuck: answer ETIMEDOUT at once */

	/* Set at broker_new_consume_fd(), then never changed: workers read them. */
	struct policy	*policy;	/* a reference */
	struct owner_creds owner;	/* a copy */
	int		landlock_abi;
	uint64_t	id;
	uid_t		uid;		/* the sandbox's anonymous uid */
	unsigned	timeout_ms;

	/* Under lock: sessions of both channels may run at once. */
	pthread_mutex_t	lock;
	char		*logged[DENIALS_REMEMBERED];
	size_t		n_logged;
	/* Each path rule's directory as this sandbox's owner opened it (-1:
	 * not yet); unused for root owners, who act from the policy's. Set
	 * once, closed only with the broker. */
	int		rule_fds[POLICY_BROKER_RULES_MAX];
	uint64_t	n_requests, n_denied;
	char		*last_denial;
	struct broker_denial denials[SBX_DENIALS_MAX];
	size_t		n_denials;
	/* Learning mode: what was let through (learn.h). NULL: enforcing. */
	struct learn	*learned;
	/* CPU time the sandbox's sessions took (session_run()). */
	_Atomic uint64_t cpu_usec;
};

/* What READDIR answers: one page. */
struct dir_page {
	struct action_dirent	ents[SBX_DIR_PAGE_MAX];
	uint32_t		next;
};

/* How a session ended: what the loop does next. */
enum session_end {
	SESSION_IDLE,		/* no request came: listen again */
	SESSION_CLOSED,		/* the target closed the channel, or a send failed */
	SESSION_BROKEN,		/* truncated, oversized, or carrying fds */
	SESSION_BAD_HEADER,
	SESSION_VIOLATION,	/* a malformed request of type end_type */
	SESSION_PENDING,	/* a reply the target does not read yet */
	SESSION_CONNECTED,	/* a connected socket, to relay and answer */
	SESSION_RELAY_ROOM,	/* a relayed connect: room for one more relay? */
	SESSION_TIMED_OUT,	/* the loop answered for it and took the channel */
};

/*
 * One worker's turn with a channel, and its workspace for one request at a
 * time. The worker writes everything here; the loop reads it in
 * session_done(), or, for the request in act, after winning act.
 */
struct session {
	struct work		work;
	struct broker		*broker;	/* a reference */
	struct chan		*chan;		/* the one it serves */
	_Atomic uint64_t	act;
	bool			stuck;		/* counted in the stuck tables */
	bool			timed_out;	/* answered ETIMEDOUT by the loop */
	bool			hup;		/* the listener said POLLHUP */
	/* Answering an intercepted call: writing into the target, or
	 * installing an fd (on_timeout()). Set and read within act. */
	_Atomic bool		replying;
	enum session_end	end;
	uint32_t		end_type;
	/* The request. */
	const struct broker_op	*op;
	uint32_t		type, serial;
	struct sbx_broker_req	q;
	unsigned		action_opts;	/* ACTION_OPEN_* an intercepted open adds */
	const struct policy_path_rule *rule[2];	/* the path's, RENAME's new path's */
	const char		*rel[2];	/* into path[] */
	const struct policy_connect_rule *cr;
	int			dirfd[2];	/* to act from; -1: open as the owner */
	char			path[2][SBX_PATH_MAX];
	/* Its results. */
	int			k;		/* 0, an fd, a count, or a negative errno */
	int			opened[2];	/* rule directories opened as the owner */
	struct stat		st;
	char			link[SBX_PATH_MAX];
	struct dir_page		dir;
	struct sbx_writer	reply;		/* SESSION_PENDING */
	int			reply_fd;
	union {
		uint8_t			buf[SBX_MSG_SIZE_MAX];	/* CHAN_SOCKET */
		struct intercept_call	ic;			/* CHAN_NOTIFY */
	};
};

static struct broker *
broker_unref(struct broker *b);
static bool
act_and_answer(struct session *s);
static void
arm_timeout(struct chan *c, uint64_t us);
static void
stuck_add(struct broker *b, int delta);

/* Under b->lock. */
static bool
already_logged(struct broker *b, const char *key)
{
	for (size_t i = 0; i < b->n_logged; i++)
		if (strcmp(b->logged[i], key) == 0)
			return true;
	if (b->n_logged < DENIALS_REMEMBERED) {
		char *k = strdup(key);

		if (k)
			b->logged[b->n_logged++] = k;
		return false;
	}
	return true;	/* too many distinct ones: counted, not logged */
}

/* Under b->lock: counts a denial by (layer, name); true the first time. */
static bool
count_denial(struct broker *b, uint32_t layer, const char *name, int error, uint32_t flags)
{
	struct broker_denial *d;

	for (size_t i = 0; i < b->n_denials; i++) {
		d = &b->denials[i];
		if (d->d.layer == layer && (int) d->d.error == error && strcmp(d->name, name) == 0) {
			d->d.count++;
			return false;
		}
	}
	if (b->n_denials >= ELEMENTSOF(b->denials))
		return false;	/* counted in the total only, and logged then */
	d = &b->denials[b->n_denials++];
	*d = (struct broker_denial) {
		.d = { .count = 1, .layer = layer, .error = (uint32_t) error, .flags = flags },
	};
	(void) snprintf(d->name, sizeof(d->name), "%s", name);
	return true;
}

/* What the log says a layer did. */
static const char *const layer_verbs[] = {
	[SBX_LAYER_SECCOMP] = "seccomp refused",
	[SBX_LAYER_BROKER] = "broker denied",
	[SBX_LAYER_VIEW] = "view lacks",
	[SBX_LAYER_LANDLOCK] = "landlock refused",
};

/*
 * A refusal (error 0: one learning let through): counted by (layer,
 * name), the sandbox's last denial ("ACTION 'PATH': error" for the broker,
 * as before, "LAYER: NAME 'PATH': error" otherwise), logged once per
 * (layer, name, path), rate-limited per owner. path may be "".
 */
static void
note_refusal(struct broker *b, uint32_t layer, const char *name, const char *path, int error,
    uint32_t flags)
{
	char key[SBX_PATH_MAX + SBX_DENIAL_NAME_MAX + 16], *last;
	const char *what = error ? strerror(error) : "let through, learning";
	bool logged;

	if (asprintf(&last, "%s%s%s%s%.200s%s: %s", layer == SBX_LAYER_BROKER ? "" : sbx_layer_to_string(layer),
	    layer == SBX_LAYER_BROKER ? "" : ": ", name, path[0] ? " '" : "", path,
	    path[0] ? "'" : "", what) < 0)
		last = NULL;
	(void) snprintf(key, sizeof(key), "%u %s %s", (unsigned) layer, name, path);
	pthread_mutex_lock(&b->lock);
	if (layer == SBX_LAYER_BROKER)
		b->n_denied++;
	/* What learning let through is the learned policy's, not a denial. */
	if (error)
		(void) count_denial(b, layer, name, error, flags);
	if (error) {
		free(b->last_denial);
		b->last_denial = last;
	} else
		free(last);
	logged = already_logged(b, key);
	pthread_mutex_unlock(&b->lock);
	if (logged)
		return;
	if (!error) {
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_INFO, 0,
		    "Sandbox %llu (owner uid %u): learning let %s through.",
		    (unsigned long long) b->id, (unsigned) b->owner.uid, name);
		return;
	}
	(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_NOTICE, 0,
	    "Sandbox %llu (owner uid %u): %s %s%s%s%s: %s.", (unsigned long long) b->id,
	    (unsigned) b->owner.uid, layer_verbs[layer], name, path[0] ? " '" : "", path,
	    path[0] ? "'" : "", what);
}

static void
note_denial(struct broker *b, const char *action, const char *path, int error)
{
	note_refusal(b, SBX_LAYER_BROKER, action, path, error, 0);
}

char *
broker_learned_text(struct broker *b, const struct learn_figures *f, const char *command)
{
	struct sbx_named_denial d[SBX_DENIALS_MAX];
	char *text;

	if (!b || !b->learned)
		return NULL;
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n_denials; i++)
		d[i] = (struct sbx_named_denial) { .d = b->denials[i].d, .name = b->denials[i].name };
	text = learn_policy_text(b->policy, b->learned, d, b->n_denials, f, command);
	pthread_mutex_unlock(&b->lock);
	return text;
}

uint64_t
broker_cpu_usec(const struct broker *b)
{
	return b ? atomic_load(&b->cpu_usec) : 0;
}

void
broker_sync_stats(struct broker *b, struct target *t)
{
	pthread_mutex_lock(&b->lock);
	t->broker_requests = b->n_requests;
	t->broker_denied = b->n_denied;
	if (b->n_denials > 0 && !t->denials)
		t->denials = calloc(SBX_DENIALS_MAX, sizeof(*t->denials));
	if (t->denials) {
		memcpy(t->denials, b->denials, b->n_denials * sizeof(*t->denials));
		t->n_denials = b->n_denials;
	}
	if (b->last_denial && (!t->last_denial || strcmp(t->last_denial, b->last_denial) != 0)) {
		free(t->last_denial);
		t->last_denial = strdup(b->last_denial);
	}
	pthread_mutex_unlock(&b->lock);
}

/* Errors that mean "not allowed", as opposed to "not there". */
static bool
is_denial(int error)
{
	return error == EACCES || error == EPERM || error == EXDEV || error == ELOOP;
}

/*
 * Rule i of the request as this sandbox's owner sees it. The policy load
 * opened the rule's directory as root, which would skip the owner's search
 * permission on the directories above it, so for any other owner the
 * directory is opened again by its path from /, as the owner (we run
 * under their credentials), at the first request that needs it, and kept
 * for the sandbox's life (keep_opened()). A failure (EACCES: the owner
 * could not reach it by path either) is not kept: the next request tries
 * again.
 */
static int
session_rule(struct session *s, size_t i, struct policy_path_rule *ret)
{
	*ret = *s->rule[i];
	if (s->dirfd[i] < 0 && s->broker->owner.uid != 0 && ret->dirfd >= 0) {
		if (i == 1 && s->rule[1] == s->rule[0] && s->opened[0] >= 0)
			s->dirfd[1] = s->opened[0];
		else {
			s->opened[i] = policy_open_rule_dir(s->rule[i]);
			if (s->opened[i] < 0)
				return s->opened[i];
			s->dirfd[i] = s->opened[i];
		}
	}
	if (s->dirfd[i] >= 0)
		ret->dirfd = s->dirfd[i];
	return 0;
}

/* The actions, each on the rules' views v (RENAME's new path's in v[1]). */
static int
run_open(struct session *s, const struct policy_path_rule v[2])
{
	const struct broker *b = s->broker;

	/* Without Landlock a reopen through /proc/self/fd would be checked
	 * against the target alone: a rule without write hands out fds from
	 * a read-only view, one without read no file others may read; and a
	 * directory fd would reach beyond the rule, so there is none
	 * (action_open()). */
	return action_open(&v[0], s->rel[0], s->q.flags, s->q.mode, s->action_opts |
	    (b->landlock_abi > 0 ? 0 :
	    ACTION_OPEN_NO_DIRECTORY |
	    (v[0].rights & POLICY_RIGHT_WRITE ? 0 : ACTION_OPEN_READ_ONLY_VIEW) |
	    (v[0].rights & POLICY_RIGHT_READ ? 0 : ACTION_OPEN_NOT_READABLE)));
}

static int
run_readdir(struct session *s, const struct policy_path_rule v[2])
{
	return action_readdir(&v[0], s->rel[0], s->q.flags, s->dir.ents, SBX_DIR_PAGE_MAX,
	    &s->dir.next);
}

static int
run_stat(struct session *s, const struct policy_path_rule v[2])
{
	return action_stat(&v[0], s->rel[0], !(s->q.flags & SBX_STAT_NOFOLLOW), &s->st);
}

static int
run_access(struct session *s, const struct policy_path_rule v[2])
{
	return action_access(&v[0], s->rel[0], s->q.mode);
}

static int
run_readlink(struct session *s, const struct policy_path_rule v[2])
{
	return action_readlink(&v[0], s->rel[0], s->link, sizeof(s->link));
}

static int
run_mkdir(struct session *s, const struct policy_path_rule v[2])
{
	return action_mkdir(&v[0], s->rel[0], s->q.mode);
}

static int
run_unlink(struct session *s, const struct policy_path_rule v[2])
{
	return action_unlink(&v[0], s->rel[0], false);
}

static int
run_rmdir(struct session *s, const struct policy_path_rule v[2])
{
	return action_unlink(&v[0], s->rel[0], true);
}

static int
run_rename(struct session *s, const struct policy_path_rule v[2])
{
	return action_rename(&v[0], s->rel[0], &v[1], s->rel[1],
	    (v[1].rights & POLICY_RIGHT_DELETE) && !(s->q.flags & SBX_RENAME_NOREPLACE));
}

/* What the flags and mode of each request may be, and the rights the
 * rule must grant: -EBADMSG for anything the wire does not allow. */
static int
check_open(const struct sbx_broker_req *q, unsigned *ret_need)
{
	unsigned need = 0;

	if (q->flags & ~SBX_O_ALL || (q->flags & SBX_O_ACCMODE) == SBX_O_ACCMODE)
		return -EBADMSG;
	if ((q->flags & SBX_O_ACCMODE) != SBX_O_WRONLY)
		need |= POLICY_RIGHT_READ;
	if ((q->flags & SBX_O_ACCMODE) != SBX_O_RDONLY || (q->flags & (SBX_O_TRUNC | SBX_O_APPEND)))
		need |= POLICY_RIGHT_WRITE;
	if (q->flags & SBX_O_CREAT)
		need |= POLICY_RIGHT_CREATE;
	*ret_need = need;
	return 0;
}

static int
check_access(const struct sbx_broker_req *q, unsigned *ret_need)
{
	if (q->mode & ~SBX_ACCESS_ALL)
		return -EBADMSG;
	*ret_need = POLICY_RIGHT_READ | (q->mode & W_OK ? POLICY_RIGHT_WRITE : 0);
	return 0;
}

/* READDIR's flags are the first entry's index, any value. */
static int
check_readdir(const struct sbx_broker_req *q, unsigned *ret_need)
{
	*ret_need = POLICY_RIGHT_READ;
	return q->mode == 0 ? 0 : -EBADMSG;
}

static int
check_connect(const struct sbx_broker_req *q, unsigned *ret_need)
{
	*ret_need = 0;
	return q->flags == 0 && q->mode == 0 ? 0 : -EBADMSG;
}

/* Any flags and mode (the action ignores what it does not use). */
#define CHECK_NEEDS(name, rights)						\
	static int								\
	name(const struct sbx_broker_req *q, unsigned *ret_need)		\
	{									\
		*ret_need = (rights);						\
		return 0;							\
	}
CHECK_NEEDS(check_read, POLICY_RIGHT_READ)
CHECK_NEEDS(check_create, POLICY_RIGHT_CREATE)
CHECK_NEEDS(check_delete, POLICY_RIGHT_DELETE)

/* Every request of the broker channel, one row each. */
struct broker_op {
	uint32_t	type;
	const char	*name;		/* for logs */
	enum {
		REPLY_RESULT,		/* BROKER_RESULT, with an fd if gives_fd */
		REPLY_STAT,
		REPLY_LINK,
		REPLY_DIR,
	}		reply;
	bool		gives_fd;
	int		(*check)(const struct sbx_broker_req *q, unsigned *ret_need);
	/* The path action, as the owner; NULL: a connect. */
	int		(*run)(struct session *s, const struct policy_path_rule v[2]);
};

static const struct broker_op broker_ops[] = {
	{ SBX_MSG_BROKER_OPEN,     "open",     REPLY_RESULT, true,  check_open,    run_open },
	{ SBX_MSG_BROKER_STAT,     "stat",     REPLY_STAT,   false, check_read,    run_stat },
	{ SBX_MSG_BROKER_ACCESS,   "access",   REPLY_RESULT, false, check_access,  run_access },
	{ SBX_MSG_BROKER_READLINK, "readlink", REPLY_LINK,   false, check_read,    run_readlink },
	{ SBX_MSG_BROKER_MKDIR,    "mkdir",    REPLY_RESULT, false, check_create,  run_mkdir },
	{ SBX_MSG_BROKER_UNLINK,   "unlink",   REPLY_RESULT, false, check_delete,  run_unlink },
	{ SBX_MSG_BROKER_RMDIR,    "rmdir",    REPLY_RESULT, false, check_delete,  run_rmdir },
	{ SBX_MSG_BROKER_RENAME,   "rename",   REPLY_RESULT, false, check_delete,  run_rename },
	{ SBX_MSG_BROKER_CONNECT,  "connect",  REPLY_RESULT, true,  check_connect, NULL },
	{ SBX_MSG_BROKER_READDIR,  "readdir",  REPLY_DIR,    false, check_readdir, run_readdir },
};

static const struct broker_op *
broker_op_find(uint32_t type)
{
	for (size_t i = 0; i < ELEMENTSOF(broker_ops); i++)
		if (broker_ops[i].type == type)
			return &broker_ops[i];
	return NULL;
}

int
broker_request_check(struct broker_request *q)
{
	q->op = broker_op_find(q->type);
	if (!q->op || q->op->check(&q->q, &q->need) < 0)
		return -EBADMSG;
	return 0;
}

int
broker_decode(struct sbx_reader *rd, struct broker_request *ret)
{
	struct broker_request q = { .type = rd->hdr.type, .serial = rd->hdr.serial };

	if (sbx_msg_broker_req_get(rd, q.type, &q.q, &q.path, &q.path2) < 0 ||
	    broker_request_check(&q) < 0)
		return -EBADMSG;
	*ret = q;
	return 0;
}

/* One path action, under the owner's credentials. */
static int
path_action(struct session *s)
{
	struct policy_path_rule v[2];
	int k;

	k = session_rule(s, 0, &v[0]);
	if (k >= 0 && s->rule[1])
		k = session_rule(s, 1, &v[1]);
	if (k < 0)
		return k;
	return s->op->run(s, v);
}

/* The action, as the owner: the file-system identity for files, the
 * effective one too for a connect (the peer sees the owner). */
static int
run_as_owner(struct session *s)
{
	const struct broker *b = s->broker;
	bool sock = !s->op->run;
	int k, l;

	k = creds_enter(&b->owner, sock ? CREDS_EFFECTIVE : CREDS_FS);
	if (k < 0)
		return k;
	/* A connect gives up a little before the loop would. */
	k = sock ? action_connect(s->cr, b->timeout_ms - b->timeout_ms / 10) : path_action(s);
	l = creds_leave();
	if (l < 0) {
		/* We could not become root again: stop acting at all. */
		log_emerg_errno(l, "Cannot restore the daemon's credentials: %m");
		abort();
	}
	return k;
}

static bool
gives_fd(const struct session *s, int k)
{
	return k >= 0 && s->op->gives_fd;
}

/* Notes the result k of the request in s: a denial is counted and logged. */
static void
note_result(struct broker *b, const struct session *s, int k)
{
	if (k < 0 && is_denial(-k))
		note_denial(b, s->op->name, s->path[0], -k);
	log_debug("Sandbox %llu: broker %s%s '%s': %s.", (unsigned long long) b->id, s->op->name,
	    s->chan->kind == CHAN_NOTIFY ? " (intercepted)" : "", s->path[0],
	    k < 0 ? strerror(-k) : "ok");
}

/* The reply to the request in s, with result k (s's results if k is
 * theirs). */
static int
make_reply(const struct session *s, int k, struct sbx_writer *w)
{
	const struct broker_op *op = s->op;
	int32_t error = k < 0 ? -k : 0;

	switch (op->reply) {
	case REPLY_STAT:
		sbx_msg_broker_stat_put(w, s->serial, error, k < 0 ? NULL : &s->st);
		break;
	case REPLY_DIR: {
		struct sbx_broker_dir d = {
			.error = error,
			.next = k < 0 ? 0 : s->dir.next,
			.count = k < 0 ? 0 : (uint32_t) k,
		};

		sbx_writer_init(w, SBX_MSG_BROKER_DIR_RESULT, s->serial);
		sbx_writer_put(w, &d, sizeof(d));
		for (uint32_t i = 0; i < d.count; i++)
			sbx_msg_dirent_put(w, s->dir.ents[i].type, s->dir.ents[i].name);
		break;
	}
	case REPLY_LINK:
		sbx_msg_broker_link_put(w, s->serial, error, s->link);
		break;
	case REPLY_RESULT:
		sbx_msg_broker_result_put(w, s->serial, error);
		break;
	}
	return sbx_writer_finish(w);
}

/* Sends what make_reply() made, with fd if >= 0; -EAGAIN leaves w and fd
 * to the caller, anything else takes both. */
static int
send_made(struct chan *c, struct sbx_writer *w, int fd)
{
	int r = sbx_send_msg(c->fd, w->buf, w->len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);

	if (r == -EAGAIN)
		return r;
	safe_close(fd);
	sbx_writer_done(w);
	return r;
}

/*
 * Closes the channel, from the loop thread; the broker itself stays the
 * target's (its counters and last denial with it) until broker_free().
 * The fd closes now, unless a session's worker still owns it: then it is
 * shut down, which ends a session that waits on it, and closed once that
 * is done; a session in an action counts as stuck until it comes back (so
 * that ending sandboxes cannot pile up stuck threads).
 */
static void
close_channel(struct chan *c)
{
	struct broker *b = c->broker;

	if (c->closed)
		return;
	c->closed = true;
	if (c->kind == CHAN_NOTIFY && b->target && !c->hup) {
		/* The target's calls would wait, or fail with ENOSYS: a
		 * sandbox that asked for interception does not run without. */
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_WARNING, 0,
		    "Sandbox %llu (owner uid %u): its intercepted calls cannot be served any "
		    "more; killing it.", (unsigned long long) b->id, (unsigned) b->owner.uid);
		(void) target_kill(b->target, SIGKILL, SBX_LIMIT_NONE);
	}
	event_freep(&c->ev_read);
	event_freep(&c->ev_write);
	event_freep(&c->ev_timeout);
	c->pending_fd = safe_close(c->pending_fd);
	sbx_writer_done(&c->pending);
	if (c->session) {
		c->session->stuck = true;
		stuck_add(c->broker, +1);
		c->session = NULL;
		if (c->kind == CHAN_SOCKET)
			(void) shutdown(c->fd, SHUT_RDWR);
	} else if (c->kind == CHAN_SOCKET)
		c->fd = safe_close(c->fd);
	/* A listener stays open until the broker goes (broker_unref()),
	 * when no session, timed out or not, can still use its number; and
	 * closing it takes the lock the target may hold (on_timeout()). */
}

/* Makes and sends the answer to the request in s, with result k and fd
 * if >= 0. -EAGAIN leaves the reply in *w and fd to the caller, to send
 * later; anything else has taken both. The caller owns the channel. An
 * intercepted call is answered at once, never -EAGAIN; that it went
 * away meanwhile (-ENOENT) is no failure of the listener. */
static int
answer(struct chan *c, const struct session *s, int k, int fd, struct sbx_writer *w)
{
	int r;

	note_result(c->broker, s, k);
	if (c->kind == CHAN_NOTIFY) {
		r = intercept_reply(c->fd, &s->ic, k, fd, &s->st, s->link);
		/* Gone (-ENOENT), or answered already (-EINPROGRESS): no
		 * failure of the listener. */
		return r == -ENOENT || r == -EINPROGRESS ? 0 : r;
	}
	r = make_reply(s, k, w);
	if (r < 0) {
		safe_close(fd);
		sbx_writer_done(w);
		return r;
	}
	return send_made(c, w, fd);
}

/* From the loop thread: a reply the target does not read is kept, and
 * nothing more is read until it is sent. */
static void
answer_from_loop(struct chan *c, const struct session *s, int k, int fd)
{
	struct sbx_writer w;
	int r = answer(c, s, k, fd, &w);

	if (r == -EAGAIN) {
		c->pending = w;
		c->pending_fd = fd;
		c->have_pending = true;
		event_del(c->ev_read);
		if (event_add(c->ev_write, NULL) < 0)
			close_channel(c);
	} else if (r < 0)
		close_channel(c);
}

/* From the session's worker: true if the session ends (end set). */
static bool
answer_from_worker(struct session *s, int k, int fd)
{
	int r = answer(s->chan, s, k, fd, &s->reply);

	if (r == -EAGAIN) {
		s->reply_fd = fd;
		s->end = SESSION_PENDING;
		return true;
	}
	if (r < 0) {
		s->end = SESSION_CLOSED;
		return true;
	}
	return false;
}

static void
on_write(evutil_socket_t fd, short what, void *userdata)
{
	struct chan *c = userdata;
	int r;

	r = sbx_send_msg(c->fd, c->pending.buf, c->pending.len,
	    c->pending_fd >= 0 ? &c->pending_fd : NULL, c->pending_fd >= 0 ? 1 : 0);
	if (r == -EAGAIN)
		return;
	c->pending_fd = safe_close(c->pending_fd);
	sbx_writer_done(&c->pending);
	c->have_pending = false;
	event_del(c->ev_write);
	if (r < 0 || event_add(c->ev_read, NULL) < 0)
		close_channel(c);
}


/* The request, into the session's workspace, matched against the policy:
 * 0 if the owner's rights are to be tried by acting. */
static int
prepare(struct session *s, const struct broker_request *req)
{
	struct broker *b = s->broker;
	const struct policy *p = b->policy;

	s->op = req->op;
	s->type = req->type;
	s->serial = req->serial;
	s->q = req->q;
	s->action_opts = req->action_opts;
	s->rule[0] = s->rule[1] = NULL;
	s->rel[0] = s->rel[1] = NULL;
	s->cr = NULL;
	s->dirfd[0] = s->dirfd[1] = s->opened[0] = s->opened[1] = -1;
	s->k = -EINVAL;
	/* Both fit: the decoder bounded them by SBX_PATH_MAX. */
	(void) snprintf(s->path[0], sizeof(s->path[0]), "%s", req->path);
	(void) snprintf(s->path[1], sizeof(s->path[1]), "%s", req->path2 ?: "");

	if (!s->op->run) {
		s->cr = policy_match_connect(p, s->path[0]);
		return s->cr ? 0 : -EACCES;
	}
	s->rule[0] = policy_match_path(p, s->path[0], &s->rel[0]);
	if (!s->rule[0] || (s->rule[0]->rights & req->need) != req->need)
		return -EACCES;
	if (req->path2) {
		s->rule[1] = policy_match_path(p, s->path[1], &s->rel[1]);
		if (!s->rule[1] || !(s->rule[1]->rights & POLICY_RIGHT_CREATE))
			return -EACCES;
	}
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < 2; i++)
		if (s->rule[i])
			s->dirfd[i] = b->owner.uid == 0 ? s->rule[i]->dirfd :
			    b->rule_fds[s->rule[i] - p->path_rules];
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/* Rule directories the action opened as the owner: kept by the broker,
 * unless a session of the other channel kept its own first. */
static void
keep_opened(struct session *s)
{
	struct broker *b = s->broker;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < 2; i++) {
		size_t r;

		if (s->opened[i] < 0)
			continue;
		r = (size_t) (s->rule[i] - b->policy->path_rules);
		assert(r < ELEMENTSOF(b->rule_fds));
		if (b->rule_fds[r] < 0)
			b->rule_fds[r] = s->opened[i];
		else
			safe_close(s->opened[i]);
		s->opened[i] = -1;
	}
	pthread_mutex_unlock(&b->lock);
}

/* On the session's worker: one request. True if the session ends. */
static bool
serve(struct session *s, const struct broker_request *req)
{
	struct broker *b = s->broker;
	int k;

	pthread_mutex_lock(&b->lock);
	b->n_requests++;
	pthread_mutex_unlock(&b->lock);
	k = prepare(s, req);
	if (k >= 0 && atomic_load(&b->refuse)) {
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_WARNING, 0,
		    "Sandbox %llu (owner uid %u): broker %s '%s' refused with ETIMEDOUT: %u of "
		    "its requests, or %u of its owner's, are stuck already.",
		    (unsigned long long) b->id, (unsigned) b->owner.uid, s->op->name,
		    s->path[0], BROKER_STUCK_MAX, BROKER_STUCK_PER_UID_MAX);
		k = -ETIMEDOUT;
	}
	if (k < 0)
		return answer_from_worker(s, k, -1);
	if (s->cr && s->cr->family != AF_UNIX) {
		/* Relayed: first the loop makes sure the sandbox may have one
		 * more relay, then session_connect(). */
		s->end = SESSION_RELAY_ROOM;
		return true;
	}
	return act_and_answer(s);
}

/* On the session's worker, after the loop made room for a relay. */
static void
session_connect(struct work *w)
{
	struct session *s = container_of(w, struct session, work);

	if (!act_and_answer(s))
		s->end = SESSION_IDLE;
}

/* From here until act_end() the loop may answer ETIMEDOUT for the
 * session's request (on_timeout()): whoever swaps act first answers. */
static uint64_t
act_begin(struct session *s)
{
	uint64_t v = now_usec(CLOCK_MONOTONIC) << 1 | 1;

	atomic_store(&s->act, v);
	return v;
}

/* False if the loop answered meanwhile: it has the channel then. */
static bool
act_end(struct session *s, uint64_t v)
{
	return atomic_compare_exchange_strong(&s->act, &v, 0);
}

/* The action for the request prepared in s, and its answer. True if the
 * session ends (end set). */
static bool
act_and_answer(struct session *s)
{
	uint64_t v = act_begin(s);
	bool end;

	s->k = run_as_owner(s);
	if (s->chan->kind == CHAN_NOTIFY && (s->op->run || s->k < 0)) {
		/* Writing the result into the target, or installing its fd,
		 * may fault its memory in or wait for it: still within the
		 * window. The kernel takes one answer per call, ours or the
		 * loop's ETIMEDOUT, and the rule directories are kept under
		 * the lock either way. */
		keep_opened(s);
		atomic_store(&s->replying, true);
		end = answer_from_worker(s, s->k, gives_fd(s, s->k) ? s->k : -1);
		atomic_store(&s->replying, false);
		if (!act_end(s, v)) {
			s->end = SESSION_TIMED_OUT;
			return true;
		}
		return end;
	}
	if (!act_end(s, v)) {
		/* The loop answered and has the channel: drop everything. */
		if (gives_fd(s, s->k)) {
			safe_close(s->k);
			s->k = 0;
		}
		for (size_t i = 0; i < 2; i++)
			s->opened[i] = safe_close(s->opened[i]);
		s->end = SESSION_TIMED_OUT;
		return true;
	}
	keep_opened(s);
	if (!s->op->run && s->k >= 0) {
		s->end = SESSION_CONNECTED;	/* the loop relays it and answers */
		return true;
	}
	return answer_from_worker(s, s->k, gives_fd(s, s->k) ? s->k : -1);
}

/* On the session's worker: an intercepted connect's socket, made on the
 * loop, installed over the target's (ADDFD waits for the target, and may
 * close a file of its there): within the window, like an action. */
static void
session_install(struct work *w)
{
	struct session *s = container_of(w, struct session, work);
	uint64_t v = act_begin(s);
	bool end;

	atomic_store(&s->replying, true);
	end = answer_from_worker(s, s->k < 0 ? s->k : 0, s->k);
	atomic_store(&s->replying, false);

	if (!act_end(s, v))
		s->end = SESSION_TIMED_OUT;
	else if (!end)
		s->end = SESSION_IDLE;
}

/* Whether more comes within BROKER_LINGER_MS (none of it if other works
 * wait for a thread); if not, the session ends idle. */
static bool
linger(struct session *s)
{
	struct pollfd p = { .fd = s->chan->fd, .events = POLLIN };

	if (workers_queued(s->broker->manager->workers) || poll(&p, 1, BROKER_LINGER_MS) <= 0) {
		s->end = SESSION_IDLE;
		return false;
	}
	return true;
}

/* The channel's requests, while they keep coming. */
static void
socket_run(struct session *s)
{
	struct chan *c = s->chan;

	for (;;) {
		struct broker_request req;
		struct sbx_reader rd;
		size_t n_fds = 0;
		int fds[1];
		ssize_t n;

		n = sbx_recv_msg(c->fd, s->buf, sizeof(s->buf), fds, &n_fds, 0);
		if (n == -EAGAIN || n == -EINTR) {
			if (!linger(s))
				return;
			continue;
		}
		if (n <= 0) {
			s->end = n < 0 ? SESSION_BROKEN : SESSION_CLOSED;
			return;
		}
		if (sbx_reader_init(&rd, s->buf, (size_t) n) < 0) {
			s->end = SESSION_BAD_HEADER;
			return;
		}
		if (broker_decode(&rd, &req) < 0) {
			s->end = SESSION_VIOLATION;
			s->end_type = rd.hdr.type;
			return;
		}
		if (serve(s, &req))
			return;
	}
}

static uint64_t
thread_cpu_usec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Adds the thread's CPU time since *since to the sandbox's account. */
static void
charge_cpu(struct broker *b, uint64_t *since)
{
	uint64_t now = thread_cpu_usec();

	atomic_fetch_add(&b->cpu_usec, now - *since);
	*since = now;
}

/*
 * Learning: of a path the target's view lacks, what to bind. Walks path
 * on the host a component at a time, following the host's symbolic links
 * (so that /usr/bin/cc leads to /etc/alternatives/cc), until a component
 * the view lacks: into out goes the path resolved so far plus what is
 * left, which the host has (a directory to create in, for a file to
 * create). 0, or -ENOENT if the view lacks nothing or the host has
 * nothing either. The host is looked at as the daemon: only root learns.
 */
static int
first_missing(struct session *s, const char *path, bool create, char *out, bool *ret_dir)
{
	char cur[SBX_PATH_MAX] = "", rest[SBX_PATH_MAX], link[SBX_PATH_MAX];
	unsigned hops = 0;
	struct stat st;

	if (snprintf(rest, sizeof(rest), "%s", path) >= (int) sizeof(rest))
		return -ENOENT;
	for (;;) {
		char *p = rest, *end, next[SBX_PATH_MAX];
		size_t n;
		ssize_t k;
		int r;

		while (*p == '/')
			p++;
		if (!*p)
			return -ENOENT;		/* all there */
		end = strchrnul(p, '/');
		n = (size_t) (end - p);
		if (snprintf(next, sizeof(next), "%s/%.*s", cur, (int) n, p) >= (int) sizeof(next))
			return -ENOENT;
		memmove(rest, end, strlen(end) + 1);
		/* cur holds no symbolic link: "." and ".." fold as they read. */
		if (n == 1 && next[strlen(cur) + 1] == '.')
			continue;
		if (n == 2 && strcmp(next + strlen(cur) + 1, "..") == 0) {
			char *slash = strrchr(cur, '/');

			if (slash)
				*slash = '\0';
			continue;
		}
		/* The sandbox's /proc is its own: the host's (the daemon's
		 * /proc/self, say) tells nothing of it. */
		if (strcmp(next, "/proc") == 0)
			return -ENOENT;
		r = intercept_in_view(&s->ic, s->chan->fd, next, true);
		if (r < 0)
			return -ENOENT;
		if (r == 0) {
			/* The host must have it: the whole path, or for a
			 * file to create its directory. */
			if (snprintf(out, SBX_PATH_MAX, "%s%s", next, rest) >= (int) SBX_PATH_MAX)
				return -ENOENT;
			if (stat(out, &st) == 0) {
				*ret_dir = S_ISDIR(st.st_mode);
				return 0;
			}
			if (!create || !strrchr(out, '/') || strrchr(out, '/') == out)
				return -ENOENT;
			*strrchr(out, '/') = '\0';
			if (strncmp(out, next, strlen(next)) != 0 || stat(out, &st) < 0 ||
			    !S_ISDIR(st.st_mode))
				return -ENOENT;
			*ret_dir = true;
			return 0;
		}
		if (lstat(next, &st) < 0)
			return -ENOENT;
		if (!S_ISLNK(st.st_mode)) {
			memcpy(cur, next, sizeof(cur));
			continue;
		}
		k = readlink(next, link, sizeof(link) - 1);
		if (k <= 0 || ++hops > 40)
			return -ENOENT;
		link[k] = '\0';
		/* The link's target, then what was left after it. */
		if (snprintf(next, sizeof(next), "%s%s", link, rest) >=
		    (int) sizeof(next))
			return -ENOENT;
		memcpy(rest, next, sizeof(rest));
		if (link[0] == '/')
			cur[0] = '\0';
	}
}

/* Learning: a path the target tried that its view lacks but the host has
 * is recorded, with what the call did there. */
static void
observe(struct session *s)
{
	struct broker *b = s->broker;
	char path[SBX_PATH_MAX], missing[SBX_PATH_MAX];
	unsigned kinds = 0;
	bool dir = false;

	if (intercept_path_of(&s->ic, b->view, path, &kinds) < 0 ||
	    intercept_in_view(&s->ic, s->chan->fd, path, false) != 0 ||
	    first_missing(s, path, kinds & LEARN_CREATE, missing, &dir) < 0)
		return;
	pthread_mutex_lock(&b->lock);
	learn_path(b->learned, missing, kinds, dir);
	pthread_mutex_unlock(&b->lock);
	note_refusal(b, SBX_LAYER_VIEW, missing, "", ENOENT, 0);
}

/* notified(): the call is answered already. */
#define NOTIFY_ANSWERED 2

/*
 * A call the policy's filter refuses (p->bpf said verdict): answered with
 * the policy's errno, and named. Learning, one that some policy could
 * allow is let through (recorded), and a kill is refused with EPERM: the
 * filter the sandbox has says "notify" for both.
 */
static int
refused(struct session *s, uint32_t verdict)
{
	struct broker *b = s->broker;
	const struct seccomp_data *d = &s->ic.n.data;
	const uint64_t *args = (const uint64_t *) d->args;
	_cleanup_free_ char *name = NULL;
	char path[SBX_PATH_MAX], number[32];
	unsigned kinds;
	int error = EPERM;
	bool forbidden;

	if ((verdict & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO &&
	    (verdict & SECCOMP_RET_DATA) > 0 && (verdict & SECCOMP_RET_DATA) < 4096)
		error = (int) (verdict & SECCOMP_RET_DATA);
	if (d->arch == (uint32_t) seccomp_arch_native())
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, d->nr);
	forbidden = learn_forbidden(name, args);
	if (b->learned && !forbidden) {
		pthread_mutex_lock(&b->lock);
		learn_syscall(b->learned, d->nr, name, args);
		pthread_mutex_unlock(&b->lock);
		note_refusal(b, SBX_LAYER_SECCOMP, name, "", 0, 0);
		/* A path call the base refused looks for its path too. */
		observe(s);
		(void) intercept_answer(s->chan->fd, s->ic.n.id, 0);
		return NOTIFY_ANSWERED;
	}
	/* What the learned policy's clone rule answers, for glibc's
	 * fallback to clone(). */
	if (b->learned && name && strcmp(name, "clone3") == 0)
		error = ENOSYS;
	/* What was read was the caller's, if the caller is still there. */
	if (intercept_path_of(&s->ic, b->view, path, &kinds) < 0 ||
	    ioctl(s->chan->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &s->ic.n.id) < 0)
		path[0] = '\0';
	(void) snprintf(number, sizeof(number), "syscall %d", d->nr);
	note_refusal(b, SBX_LAYER_SECCOMP, name ? name : number, path, error,
	    forbidden ? SBX_DENIAL_FORBIDDEN : 0);
	(void) intercept_answer(s->chan->fd, s->ic.n.id, -error);
	return NOTIFY_ANSWERED;
}

/* What to do with a notified call: 0 with req to serve, INTERCEPT_CONTINUE,
 * NOTIFY_ANSWERED, -ENOENT if it went away, or a negative errno to answer. The filter
 * notified it because the policy refuses it, or (its own filter allows
 * it) to intercept or observe it. */
static int
notified(struct session *s, struct broker_request *req)
{
	struct broker *b = s->broker;
	uint32_t verdict = bpf_run(b->policy->bpf, b->policy->bpf_len, &s->ic.n.data);
	int r = INTERCEPT_CONTINUE;

	if ((verdict & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW)
		return refused(s, verdict);
	/* Only interception and learning notify calls the policy allows: the
	 * kernel and bpf_run() disagree otherwise, and the kernel's filter
	 * is the policy. */
	if (!b->policy->intercept && !b->learned) {
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_ERR, 0,
		    "Sandbox %llu: the policy's filter notified system call %d, which "
		    "bpf_run() allows: refused.", (unsigned long long) b->id, s->ic.n.data.nr);
		return -EPERM;
	}
	if (b->policy->intercept)
		r = intercept_decode(s->chan->fd, b->policy, b->view, &s->ic, req);
	if (r == INTERCEPT_CONTINUE && b->learned)
		observe(s);
	return r;
}

/* The target's notified calls, while they keep coming: refusals are
 * answered as the policy says, and intercepted calls that name no
 * [Broker] path or address go back to the kernel at once. */
static void
notify_run(struct session *s, uint64_t *cpu_since)
{
	struct broker *b = s->broker;
	struct chan *c = s->chan;

	for (unsigned n = 1;; n++) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		struct broker_request req;
		uint64_t v;
		int r;

		/* SECCOMP_IOCTL_NOTIF_RECV waits while there is nothing. */
		r = poll(&p, 1, 0);
		if (r == 0) {
			if (workers_queued(b->manager->workers) ||
			    (r = poll(&p, 1, INTERCEPT_LINGER_MS)) == 0) {
				s->end = SESSION_IDLE;
				return;
			}
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || !(p.revents & POLLIN)) {
			s->end = SESSION_CLOSED;	/* POLLHUP: no task of the filter is left */
			s->hup = true;
			return;
		}
		r = intercept_recv(c->fd, &s->ic);
		if (r == -ENOENT || r == -EINTR)
			continue;	/* the call went away before we took it */
		if (r < 0) {
			s->end = SESSION_BROKEN;
			return;
		}
		/* Too many of its calls are stuck (in its memory, or in an
		 * action): not even its memory is read again. */
		if (atomic_load(&b->refuse)) {
			(void) intercept_answer(c->fd, s->ic.n.id, -ETIMEDOUT);
			continue;
		}
		/* Reading the target's memory may stall like an action. */
		s->op = NULL;
		v = act_begin(s);
		r = notified(s, &req);
		if (!act_end(s, v)) {
			s->end = SESSION_TIMED_OUT;
			return;
		}
		if (r == 0 && broker_request_check(&req) < 0)
			r = -EINVAL;	/* not reached: decode makes valid requests */
		if (r == 0) {
			if (serve(s, &req))
				return;
		} else if (r != -ENOENT && r != NOTIFY_ANSWERED)
			(void) intercept_answer(c->fd, s->ic.n.id, r == INTERCEPT_CONTINUE ? 0 : r);
		/* A session that calls keep busy is charged as it goes. */
		if (n % 64 == 0)
			charge_cpu(b, cpu_since);
		/* A busy target does not keep the thread from others. */
		if (workers_queued(b->manager->workers)) {
			s->end = SESSION_IDLE;
			return;
		}
	}
}

/* On a worker: a session. The thread's CPU time goes to the sandbox's
 * account (its CPUTime=, target.c): a target whose every call reaches
 * us spends our time as much as its own. */
static void
session_run(struct work *w)
{
	struct session *s = container_of(w, struct session, work);
	uint64_t since = thread_cpu_usec();

	if (s->chan->kind == CHAN_NOTIFY)
		notify_run(s, &since);
	else
		socket_run(s);
	charge_cpu(s->broker, &since);
}

/* Requests of uid's sandboxes stuck in workers, over all its sandboxes. */
static unsigned *
stuck_of_uid(struct manager *m, uid_t uid, bool make)
{
	struct broker_stuck *v;

	for (size_t i = 0; i < m->n_broker_stuck; i++)
		if (m->broker_stuck[i].uid == uid)
			return &m->broker_stuck[i].n;
	if (!make)
		return NULL;
	v = reallocarray(m->broker_stuck, m->n_broker_stuck + 1, sizeof(*v));
	if (!v)
		return NULL;
	m->broker_stuck = v;
	v[m->n_broker_stuck] = (struct broker_stuck) { .uid = uid };
	return &v[m->n_broker_stuck++].n;
}

/* A session of b became stuck (+1) or came back (-1): the sandbox's and
 * its owner's counts, and whether the owner's sandboxes are refused. */
static void
stuck_add(struct broker *b, int delta)
{
	struct manager *m = b->manager;
	unsigned *n = stuck_of_uid(m, b->owner.uid, delta > 0);
	bool uid_full;
	struct target *t;

	b->n_stuck = (unsigned) ((int) b->n_stuck + delta);
	if (n) {
		*n = (unsigned) ((int) *n + delta);
		uid_full = *n >= BROKER_STUCK_PER_UID_MAX;
		if (*n == 0) {
			size_t i = (size_t) (container_of(n, struct broker_stuck, n) - m->broker_stuck);

			m->broker_stuck[i] = m->broker_stuck[--m->n_broker_stuck];
		}
	} else
		uid_full = delta > 0;	/* out of memory: be safe */
	atomic_store(&b->refuse, uid_full || b->n_stuck >= BROKER_STUCK_MAX);
	TAILQ_FOREACH(t, &m->targets, link)
		if (t->broker && t->broker != b && t->broker->owner.uid == b->owner.uid)
			atomic_store(&t->broker->refuse,
			    uid_full || t->broker->n_stuck >= BROKER_STUCK_MAX);
}

static void
session_free(struct chan *c, struct session *s)
{
	if (c->broker->target && !c->spare)
		c->spare = s;
	else
		free(s);
}

static void
log_channel_end(struct chan *c, const struct session *s)
{
	struct broker *b = c->broker;
	const char *what;

	switch (s->end) {
	case SESSION_BROKEN:
		what = c->kind == CHAN_NOTIFY ? "the interception listener failed" :
		    "broken message on the broker channel (truncated, oversized or carrying fds)";
		break;
	case SESSION_BAD_HEADER:
		what = "malformed header on the broker channel";
		break;
	case SESSION_VIOLATION:
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_NOTICE, 0,
		    "Sandbox %llu (owner uid %u): malformed %s on the broker channel; "
		    "closing the channel.", (unsigned long long) b->id, (unsigned) b->owner.uid,
		    sbx_msg_type_to_string(s->end_type) ?: "message");
		return;
	default:
		return;
	}
	(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_NOTICE, 0,
	    "Sandbox %llu (owner uid %u): %s; closing the %s.", (unsigned long long) b->id,
	    (unsigned) b->owner.uid, what, c->kind == CHAN_NOTIFY ? "listener" : "channel");
}

/* On the loop thread, once the session's worker is done. */
static void
session_done(struct work *w)
{
	struct session *s = container_of(w, struct session, work);
	struct broker *b = s->broker;
	struct chan *c = s->chan;
	int fd, k;

	if (s->stuck)
		stuck_add(b, -1);
	if (s->timed_out) {
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_INFO, 0,
		    "Sandbox %llu (owner uid %u): a broker request that timed out has finished "
		    "(%s); its result was dropped.", (unsigned long long) b->id,
		    (unsigned) b->owner.uid, s->k < 0 ? strerror(-s->k) : "ok");
	}
	if (c->session != s) {
		/* Answered by on_timeout(), or the channel is closed. */
		if (s->end == SESSION_PENDING) {
			safe_close(s->reply_fd);
			sbx_writer_done(&s->reply);
		} else if (s->end == SESSION_CONNECTED)
			safe_close(s->k);
		goto out;
	}
	c->session = NULL;
	evtimer_del(c->ev_timeout);
	switch (s->end) {
	case SESSION_IDLE:
		if (event_add(c->ev_read, NULL) < 0)
			close_channel(c);
		break;
	case SESSION_PENDING:
		c->pending = s->reply;
		s->reply = (struct sbx_writer) {};
		c->pending_fd = s->reply_fd;
		c->have_pending = true;
		if (event_add(c->ev_write, NULL) < 0)
			close_channel(c);
		break;
	case SESSION_RELAY_ROOM:
		/* Checked before the connect, so the host never sees one
		 * beyond the cap; the same session then connects. */
		k = relay_check_room(b->target);
		if (k >= 0) {
			s->work.run = session_connect;
			atomic_store(&s->work.cancelled, false);
			k = workers_submit(b->manager->workers, &s->work);
			if (k >= 0) {
				/* Still c's session, with its reference. */
				c->session = s;
				arm_timeout(c, (uint64_t) b->timeout_ms * 1000);
				return;
			}
		}
		if (event_add(c->ev_read, NULL) < 0)
			close_channel(c);
		else
			answer_from_loop(c, s, k, -1);
		break;
	case SESSION_CONNECTED:
		/* The target gets a relayed end, never a host TCP or UDP
		 * socket (relay.c): on the loop thread, which relays. */
		fd = s->cr->family == AF_UNIX ? s->k : relay_new_consume(b->target, s->k, s->cr->type);
		if (c->kind == CHAN_NOTIFY) {
			s->k = fd;
			s->work.run = session_install;
			atomic_store(&s->work.cancelled, false);
			if (workers_submit(b->manager->workers, &s->work) >= 0) {
				c->session = s;
				arm_timeout(c, (uint64_t) b->timeout_ms * 1000);
				return;
			}
			safe_close(fd);
			fd = -EAGAIN;
		}
		if (event_add(c->ev_read, NULL) < 0) {
			safe_close(fd);
			close_channel(c);
		} else
			answer_from_loop(c, s, fd < 0 ? fd : 0, fd);
		break;
	default:
		/* No task is left under the filter: nothing to kill for. */
		c->hup = s->hup;
		log_channel_end(c, s);
		close_channel(c);
	}
out:
	session_free(c, s);
	broker_unref(b);
}

static void
arm_timeout(struct chan *c, uint64_t us)
{
	struct timeval tv = {
		.tv_sec = (time_t) (us / 1000000),
		.tv_usec = (suseconds_t) (us % 1000000),
	};

	(void) evtimer_add(c->ev_timeout, &tv);
}

/* While a session owns the channel: has its action been going on for too
 * long? Then answer ETIMEDOUT for it, count it stuck, and take the
 * channel back. */
static void
on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct chan *c = userdata;
	struct broker *b = c->broker;
	struct session *s = c->session;
	uint64_t limit = (uint64_t) b->timeout_ms * 1000, v, now, since;

	if (!s)
		return;
	v = atomic_load(&s->act);
	if (!(v & 1) || v == ACT_TIMED_OUT) {
		arm_timeout(c, limit);	/* between requests, or not started */
		return;
	}
	now = now_usec(CLOCK_MONOTONIC);
	since = v >> 1;
	if (now >= since && now - since < limit) {
		arm_timeout(c, limit - (now - since));
		return;
	}
	if (!atomic_compare_exchange_strong(&s->act, &v, ACT_TIMED_OUT)) {
		arm_timeout(c, limit);	/* it finished just now */
		return;
	}
	if (atomic_load(&s->replying)) {
		/*
		 * The answer is on its way into the target and stalls there:
		 * its memory faults on a file system that does not answer, or
		 * the fd it replaces flushes to one (the target then holds
		 * the listener's lock, and any SEND, poll or close of ours
		 * would wait for it). Not a call we can answer for: the
		 * sandbox ends, and the listener is left alone until the
		 * worker comes back.
		 */
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_WARNING, 0,
		    "Sandbox %llu (owner uid %u): the answer to an intercepted %s did not "
		    "reach it in %u ms (its memory or files stall on a file system); killing it.",
		    (unsigned long long) b->id, (unsigned) b->owner.uid, s->op ? s->op->name : "call",
		    b->timeout_ms);
		s->timed_out = true;
		c->hup = true;		/* killed here, not by close_channel() */
		(void) target_kill(b->target, SIGKILL, SBX_LIMIT_NONE);
		close_channel(c);
		return;
	}
	/* The worker drops its result; the request's fields stay as they are. */
	c->session = NULL;
	s->stuck = s->timed_out = true;
	stuck_add(b, +1);
	(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_WARNING, 0,
	    "Sandbox %llu (owner uid %u): broker %s '%s' did not finish in %u ms (a file system "
	    "or peer that does not answer?); answered ETIMEDOUT, %u of its requests are stuck.",
	    (unsigned long long) b->id, (unsigned) b->owner.uid,
	    s->op ? s->op->name : "reading an intercepted call's arguments",
	    s->op ? s->path[0] : "", b->timeout_ms, b->n_stuck);
	if (event_add(c->ev_read, NULL) < 0) {
		close_channel(c);
		return;
	}
	if (!s->op)
		(void) intercept_answer(c->fd, s->ic.n.id, -ETIMEDOUT);
	else
		answer_from_loop(c, s, -ETIMEDOUT, -1);
}

/* The channel is readable: a worker serves it from here. */
static void
on_read(evutil_socket_t fd, short what, void *userdata)
{
	struct chan *c = userdata;
	struct broker *b = c->broker;
	struct session *s = c->spare;
	int r;

	c->spare = NULL;
	if (!s)
		s = malloc(sizeof(*s));
	if (!s) {
		log_oom();
		close_channel(c);
		return;
	}
	s->work = (struct work) { .run = session_run, .done = session_done };
	s->broker = b;
	s->chan = c;
	if (c->kind == CHAN_NOTIFY)
		s->ic.uid = b->uid;
	s->op = NULL;
	s->k = 0;
	atomic_init(&s->act, 0);
	atomic_init(&s->replying, false);
	s->stuck = s->timed_out = s->hup = false;
	s->end = SESSION_IDLE;
	s->reply = (struct sbx_writer) {};
	s->reply_fd = -1;
	r = workers_submit(b->manager->workers, &s->work);
	if (r < 0) {
		free(s);
		(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_ERR, r,
		    "Sandbox %llu (owner uid %u): no worker thread for its broker; closing the "
		    "%s: %m", (unsigned long long) b->id, (unsigned) b->owner.uid,
		    c->kind == CHAN_NOTIFY ? "listener" : "channel");
		close_channel(c);
		return;
	}
	b->refs++;
	c->session = s;
	event_del(c->ev_read);
	arm_timeout(c, (uint64_t) b->timeout_ms * 1000);
}

/* Takes fd; events on the loop, reading from now on. */
static int
chan_open(struct broker *b, enum chan_kind kind, int fd)
{
	struct chan *c = &b->chan[kind];
	struct event_base *base = b->manager->base;

	c->fd = fd;
	c->closed = false;
	c->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, on_read, c);
	if (kind == CHAN_SOCKET)
		c->ev_write = event_new(base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->ev_timeout = evtimer_new(base, on_timeout, c);
	if (!c->ev_read || (kind == CHAN_SOCKET && !c->ev_write) || !c->ev_timeout ||
	    event_add(c->ev_read, NULL) < 0) {
		close_channel(c);
		return -ENOMEM;
	}
	return 0;
}

int
broker_new_consume_fd(struct target *t, int fd, struct broker **ret)
{
	struct broker *b = calloc(1, sizeof(*b));
	struct manager *m = t->manager;
	unsigned *n;

	if (!b) {
		safe_close(fd);
		return -ENOMEM;
	}
	b->manager = m;
	b->target = t;
	b->refs = 1;
	for (size_t i = 0; i < CHAN_KINDS; i++)
		b->chan[i] = (struct chan) {
			.broker = b, .kind = (enum chan_kind) i, .closed = true, .fd = -1,
			.pending_fd = -1,
		};
	/* An owner at the cap already: their new sandboxes are refused too. */
	n = stuck_of_uid(m, t->owner.uid, false);
	atomic_init(&b->refuse, n && *n >= BROKER_STUCK_PER_UID_MAX);
	b->policy = policy_ref(t->policy);
	b->owner = t->owner;
	b->owner.groups = NULL;
	b->landlock_abi = t->landlock_abi;
	b->id = t->id;
	b->uid = t->uid;
	b->timeout_ms = (unsigned) m->conf.broker_timeout_ms;
	if (t->learn && !(b->learned = calloc(1, sizeof(*b->learned)))) {
		safe_close(fd);
		free(b);
		return -ENOMEM;
	}
	pthread_mutex_init(&b->lock, NULL);
	for (size_t i = 0; i < ELEMENTSOF(b->rule_fds); i++)
		b->rule_fds[i] = -1;
	if (t->owner.n_groups > 0) {
		b->owner.groups = calloc((size_t) t->owner.n_groups, sizeof(gid_t));
		if (!b->owner.groups) {
			safe_close(fd);
			broker_free(b);
			return -ENOMEM;
		}
		memcpy(b->owner.groups, t->owner.groups, (size_t) t->owner.n_groups * sizeof(gid_t));
	}
	if (chan_open(b, CHAN_SOCKET, fd) < 0) {
		broker_free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

int
broker_attach_listener(struct broker *b, int fd, bool killable)
{
	static bool told;
	int r = b->policy->intercept ? intercept_probe(fd) : 0;

	if (r >= 0 && b->listener_attached)
		r = -EBUSY;
	if (r >= 0 && !(b->view = calloc(1, sizeof(*b->view))))
		r = -ENOMEM;
	/* The sandbox's init shares the target's mount namespace. Init hands
	 * the listener over after the target's exec: a quick target may be
	 * gone already, and init with it (its mountinfo then reads EINVAL or
	 * ENOENT). Nothing is left to make a call then; an empty view would
	 * only take every directory for the host's (EXDEV). */
	if (r >= 0) {
		r = intercept_view_load(b->target->pid, b->view);
		if (r == -EINVAL || r == -ENOENT || r == -ESRCH) {
			b->view->n = 0;
			r = 0;
		}
	}
	if (r < 0) {
		safe_close(fd);
		return r;
	}
	b->listener_attached = true;
	if (!killable && !told && b->policy->intercept) {
		told = true;
		log_notice("This kernel cannot hold back signals while the broker performs an "
		    "intercepted call (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, Linux 5.19): a "
		    "signal handler that interrupts one makes the call restart, and the broker "
		    "act again.");
	}
	return chan_open(b, CHAN_NOTIFY, fd);
}

bool
broker_has_listener(const struct broker *b)
{
	return b->listener_attached;
}

static struct broker *
broker_unref(struct broker *b)
{
	assert(b->refs > 0);
	if (--b->refs > 0)
		return NULL;
	assert(!b->target && b->n_stuck == 0);
	for (size_t i = 0; i < CHAN_KINDS; i++)
		safe_close(b->chan[i].fd);
	for (size_t i = 0; i < ELEMENTSOF(b->rule_fds); i++)
		safe_close(b->rule_fds[i]);
	for (size_t i = 0; i < b->n_logged; i++)
		free(b->logged[i]);
	policy_unref(b->policy);
	free(b->view);
	free(b->owner.groups);
	free(b->last_denial);
	if (b->learned)
		learn_done(b->learned);
	free(b->learned);
	pthread_mutex_destroy(&b->lock);
	free(b);
	return NULL;
}

/* The target lets go: the channels close if they are open, and the memory
 * goes when no session still acts for it. */
struct broker *
broker_free(struct broker *b)
{
	if (!b)
		return NULL;
	if (b->target)
		broker_sync_stats(b, b->target);
	b->target = NULL;
	for (size_t i = 0; i < CHAN_KINDS; i++) {
		close_channel(&b->chan[i]);
		free(b->chan[i].spare);
		b->chan[i].spare = NULL;
	}
	return broker_unref(b);
}
