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
 * What may block: nothing on the loop thread. Decoding and matching
 * against the policy happen here; every action that touches a file
 * system or the network runs on a worker thread (workers.h), with that
 * thread's credentials switched to the owner's (creds.c), and comes back
 * to job_done(). One request of a channel is served at a time, as
 * before; one that has not finished within BrokerTimeoutSec= is answered
 * ETIMEDOUT and left to its worker (a FUSE or NFS mount that does not
 * answer keeps the thread until it does; its result is then dropped), and
 * the channel goes on. Stuck requests are bounded: BROKER_STUCK_MAX per
 * sandbox and BROKER_STUCK_PER_UID_MAX per owner, beyond which requests
 * are answered ETIMEDOUT without being tried, so a user's stalled file
 * systems cannot take the worker threads every other sandbox needs.
 *
 * Denials are counted, remembered for
 * `sandboxctl status`, and logged once per (sandbox, action, path); these
 * lines and the violation notices go through the daemon's per-uid rate
 * limiter (ratelimit.h), keyed by the sandbox's owner.
 */
#include <assert.h>
#include <stddef.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "action.h"
#include "broker.h"
#include "fdpass.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "target.h"
#include "workers.h"

#define DENIALS_REMEMBERED	64	/* distinct (action, path) logged per sandbox */

struct broker_job;

struct broker {
	struct manager	*manager;
	struct target	*target;	/* NULL once closed: jobs may still run */
	unsigned	refs;		/* the target's, and one per job not done */
	int		fd;
	struct event	*ev_read, *ev_write, *ev_timeout;
	/* A reply that could not be sent yet (at most one). */
	struct sbx_writer pending;
	int		pending_fd;
	bool		have_pending;
	struct broker_job *job;		/* the request being served */
	struct broker_job *spare;	/* a finished one's memory, for the next */
	unsigned	n_stuck;	/* answered ETIMEDOUT, still in a worker */
	char		*logged[DENIALS_REMEMBERED];
	size_t		n_logged;

	/* What workers read: set at broker_new(), then never changed. */
	struct policy	*policy;	/* a reference */
	struct owner_creds owner;	/* a copy */
	int		landlock_abi;

	/* Each path rule's directory as this sandbox's owner opened it (-1:
	 * not yet); unused for root owners, who act from the policy's.
	 * Loop thread only: a job gets its own copy of the one it needs. */
	int		rule_fds[POLICY_BROKER_RULES_MAX];
};

/* What READDIR answers: one page. */
struct dir_page {
	struct action_dirent	ents[SBX_DIR_PAGE_MAX];
	uint32_t		next;
};

/*
 * One request, from the loop thread to a worker and back. The worker
 * reads only the job, the broker's immutable part and the policy (which
 * the broker holds a reference on), and writes only the job.
 */
struct broker_job {
	struct work	work;
	struct broker	*broker;	/* a reference */
	bool		abandoned;	/* answered already, or the channel closed */
	bool		stuck;		/* answered ETIMEDOUT: counted in n_stuck */
	uint32_t	type, serial;
	struct sbx_broker_req q;
	const struct policy_path_rule *rule[2];	/* the path's, RENAME's new path's */
	const char	*rel[2];	/* into path[] */
	const struct policy_connect_rule *cr;
	int		dirfd[2];	/* the broker's; -1: open as the owner */
	unsigned	timeout_ms;
	char		path[2][SBX_PATH_MAX];
	/* Results. */
	int		k;		/* 0, an fd, a count, or a negative errno */
	int		opened[2];	/* rule directories opened as the owner */
	struct stat	st;
	char		link[SBX_PATH_MAX];
	struct dir_page	dir;
};

static struct broker *
broker_unref(struct broker *b);

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

static void
note_denial(struct broker *b, const char *action, const char *path, int error)
{
	struct target *t = b->target;
	char key[SBX_PATH_MAX + 32];

	t->broker_denied++;
	(void) snprintf(key, sizeof(key), "%s %s", action, path);
	free(t->last_denial);
	if (asprintf(&t->last_denial, "%s '%.200s': %s", action, path, strerror(error)) < 0)
		t->last_denial = NULL;
	if (already_logged(b, key))
		return;
	(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, 0,
	    "Sandbox %llu (owner uid %u): broker denied %s '%s': %s.",
	    (unsigned long long) t->id, (unsigned) t->owner_uid, action, path, strerror(error));
}

/* Errors that mean "not allowed", as opposed to "not there". */
static bool
is_denial(int error)
{
	return error == EACCES || error == EPERM || error == EXDEV || error == ELOOP;
}

static void
on_write(evutil_socket_t fd, short what, void *userdata);

/* Closes the channel: from the loop thread's callbacks, on an error. */
static void
close_channel(struct broker *b)
{
	struct target *t = b->target;

	t->broker = broker_free(b);
}

static int
send_reply(struct broker *b, struct sbx_writer *w, int fd)
{
	int r = sbx_writer_finish(w);

	if (r >= 0)
		r = sbx_send_msg(b->fd, w->buf, w->len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
	if (r == -EAGAIN) {
		/* Back-pressure: park this one reply, stop reading. */
		b->pending = *w;
		*w = (struct sbx_writer) {};
		b->pending_fd = fd;
		b->have_pending = true;
		event_del(b->ev_read);
		return event_add(b->ev_write, NULL) < 0 ? -ENOMEM : 0;
	}
	safe_close(fd);
	sbx_writer_done(w);
	return r;
}

static void
on_write(evutil_socket_t fd, short what, void *userdata)
{
	struct broker *b = userdata;
	int r;

	r = sbx_send_msg(b->fd, b->pending.buf, b->pending.len,
	    b->pending_fd >= 0 ? &b->pending_fd : NULL, b->pending_fd >= 0 ? 1 : 0);
	if (r == -EAGAIN)
		return;
	b->pending_fd = safe_close(b->pending_fd);
	sbx_writer_done(&b->pending);
	b->have_pending = false;
	event_del(b->ev_write);
	if (r < 0 || event_add(b->ev_read, NULL) < 0)
		close_channel(b);
}

static const char *
action_name(uint32_t type)
{
	switch (type) {
	case SBX_MSG_BROKER_OPEN:	return "open";
	case SBX_MSG_BROKER_STAT:	return "stat";
	case SBX_MSG_BROKER_ACCESS:	return "access";
	case SBX_MSG_BROKER_READLINK:	return "readlink";
	case SBX_MSG_BROKER_MKDIR:	return "mkdir";
	case SBX_MSG_BROKER_UNLINK:	return "unlink";
	case SBX_MSG_BROKER_RMDIR:	return "rmdir";
	case SBX_MSG_BROKER_RENAME:	return "rename";
	case SBX_MSG_BROKER_CONNECT:	return "connect";
	case SBX_MSG_BROKER_READDIR:	return "readdir";
	}
	return "?";
}

/* The rights an open needs, from its flags. */
static unsigned
open_rights(uint32_t flags)
{
	unsigned need = 0;

	if ((flags & SBX_O_ACCMODE) != SBX_O_WRONLY)
		need |= POLICY_RIGHT_READ;
	if ((flags & SBX_O_ACCMODE) != SBX_O_RDONLY || (flags & (SBX_O_TRUNC | SBX_O_APPEND)))
		need |= POLICY_RIGHT_WRITE;
	if (flags & SBX_O_CREAT)
		need |= POLICY_RIGHT_CREATE;
	return need;
}

static unsigned
access_rights(uint32_t mode)
{
	unsigned need = POLICY_RIGHT_READ;

	if (mode & W_OK)
		need |= POLICY_RIGHT_WRITE;
	return need;
}

/*
 * The job's rule i as this sandbox's owner sees it. The policy load opened
 * the rule's directory as root, which would skip the owner's search
 * permission on the directories above it, so for any other owner the
 * directory is opened again by its path from /, as the owner (we run
 * under their credentials), at the first request that needs it; the loop
 * thread keeps it for the sandbox's life (job_done()). A failure (EACCES:
 * the owner could not reach it by path either) is not kept: the next
 * request tries again.
 */
static int
job_rule(struct broker_job *j, size_t i, struct policy_path_rule *ret)
{
	*ret = *j->rule[i];
	if (j->dirfd[i] >= 0 || j->broker->owner.uid == 0 || ret->dirfd < 0)
		goto done;
	if (i == 1 && j->rule[1] == j->rule[0] && j->opened[0] >= 0) {
		j->dirfd[1] = j->opened[0];
		goto done;
	}
	j->opened[i] = policy_open_rule_dir(j->rule[i]);
	if (j->opened[i] < 0)
		return j->opened[i];
	j->dirfd[i] = j->opened[i];
done:
	if (j->dirfd[i] >= 0)
		ret->dirfd = j->dirfd[i];
	return 0;
}

/* On a worker thread: one path action under the owner's credentials. */
static int
run_path_action(struct broker_job *j)
{
	const struct broker *b = j->broker;
	struct policy_path_rule v[2];
	int k;

	k = job_rule(j, 0, &v[0]);
	if (k >= 0 && j->rule[1])
		k = job_rule(j, 1, &v[1]);
	if (k < 0)
		return k;
	switch (j->type) {
	case SBX_MSG_BROKER_OPEN:
		/* Without Landlock a reopen through /proc/self/fd would be
		 * checked against the target alone: a rule without write hands
		 * out fds from a read-only view; and a directory fd would reach
		 * beyond the rule, so there is none (action_open()). */
		return action_open(&v[0], j->rel[0], j->q.flags, j->q.mode, b->landlock_abi > 0 ? 0 :
		    ACTION_OPEN_NO_DIRECTORY |
		    (v[0].rights & POLICY_RIGHT_WRITE ? 0 : ACTION_OPEN_READ_ONLY_VIEW));
	case SBX_MSG_BROKER_READDIR:
		return action_readdir(&v[0], j->rel[0], j->q.flags, j->dir.ents, SBX_DIR_PAGE_MAX,
		    &j->dir.next);
	case SBX_MSG_BROKER_STAT:
		return action_stat(&v[0], j->rel[0], &j->st);
	case SBX_MSG_BROKER_ACCESS:
		return action_access(&v[0], j->rel[0], j->q.mode);
	case SBX_MSG_BROKER_READLINK:
		return action_readlink(&v[0], j->rel[0], j->link, sizeof(j->link));
	case SBX_MSG_BROKER_MKDIR:
		return action_mkdir(&v[0], j->rel[0], j->q.mode);
	case SBX_MSG_BROKER_UNLINK:
	case SBX_MSG_BROKER_RMDIR:
		return action_unlink(&v[0], j->rel[0], j->type == SBX_MSG_BROKER_RMDIR);
	case SBX_MSG_BROKER_RENAME:
		return action_rename(&v[0], j->rel[0], &v[1], j->rel[1],
		    v[1].rights & POLICY_RIGHT_DELETE);
	}
	return -EINVAL;
}

static void
job_run(struct work *w)
{
	struct broker_job *j = container_of(w, struct broker_job, work);
	bool sock = j->type == SBX_MSG_BROKER_CONNECT;
	int k, l;

	k = creds_enter(&j->broker->owner, sock ? CREDS_EFFECTIVE : CREDS_FS);
	if (k >= 0) {
		/* A connect reports its own time-out a little before ours. */
		k = sock ? action_connect(j->cr, j->timeout_ms - j->timeout_ms / 10) :
		    run_path_action(j);
		l = creds_leave();
		if (l < 0) {
			/* We could not become root again: stop acting at all. */
			log_emerg_errno(l, "Cannot restore the daemon's credentials: %m");
			abort();
		}
	}
	j->k = k;
}

static bool
job_gives_fd(const struct broker_job *j)
{
	return j->k >= 0 && (j->type == SBX_MSG_BROKER_OPEN || j->type == SBX_MSG_BROKER_CONNECT);
}

/* Sends the answer to a request (j's results if k is j's), or closes the
 * channel if that fails; takes fd. */
static void
answer(struct broker *b, uint32_t type, uint32_t serial, int k, const struct broker_job *j, int fd)
{
	struct target *t = b->target;
	const char *path = j ? j->path[0] : "";
	struct sbx_writer w;

	if (k < 0 && is_denial(-k))
		note_denial(b, action_name(type), path, -k);
	log_debug("Sandbox %llu: broker %s '%s': %s.", (unsigned long long) t->id,
	    action_name(type), path, k < 0 ? strerror(-k) : "ok");

	if (type == SBX_MSG_BROKER_STAT) {
		struct sbx_broker_stat s = { .error = k < 0 ? -k : 0 };

		if (k >= 0) {
			const struct stat *st = &j->st;

			s.mode = st->st_mode;
			s.dev = st->st_dev;
			s.ino = st->st_ino;
			s.nlink = st->st_nlink;
			s.uid = st->st_uid;
			s.gid = st->st_gid;
			s.rdev = st->st_rdev;
			s.size = (uint64_t) st->st_size;
			s.blksize = (uint64_t) st->st_blksize;
			s.blocks = (uint64_t) st->st_blocks;
			s.atime_ns = (int64_t) st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec;
			s.mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
			s.ctime_ns = (int64_t) st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
		}
		sbx_writer_init(&w, SBX_MSG_BROKER_STAT_RESULT, serial);
		sbx_writer_put(&w, &s, sizeof(s));
	} else if (type == SBX_MSG_BROKER_READDIR) {
		struct sbx_broker_dir d = {
			.error = k < 0 ? -k : 0,
			.next = k < 0 ? 0 : j->dir.next,
			.count = k < 0 ? 0 : (uint32_t) k,
		};

		sbx_writer_init(&w, SBX_MSG_BROKER_DIR_RESULT, serial);
		sbx_writer_put(&w, &d, sizeof(d));
		for (uint32_t i = 0; i < d.count; i++)
			sbx_msg_dirent_put(&w, j->dir.ents[i].type, j->dir.ents[i].name);
	} else if (type == SBX_MSG_BROKER_READLINK) {
		struct sbx_broker_result res = { .error = k < 0 ? -k : 0 };

		sbx_writer_init(&w, SBX_MSG_BROKER_LINK_RESULT, serial);
		sbx_writer_put(&w, &res, sizeof(res));
		sbx_writer_put_str_trunc(&w, k < 0 ? "" : j->link, SBX_PATH_MAX);
	} else {
		struct sbx_broker_result res = { .error = k < 0 ? -k : 0 };

		sbx_writer_init(&w, SBX_MSG_BROKER_RESULT, serial);
		sbx_writer_put(&w, &res, sizeof(res));
	}
	if (send_reply(b, &w, fd) < 0)
		close_channel(b);
}

/* Requests of uid's sandboxes stuck in workers, over all its sandboxes. */
static unsigned *
stuck_of_uid(struct manager *m, uid_t uid, bool make)
{
	struct broker_stuck *s;

	for (size_t i = 0; i < m->n_broker_stuck; i++)
		if (m->broker_stuck[i].uid == uid)
			return &m->broker_stuck[i].n;
	if (!make)
		return NULL;
	s = reallocarray(m->broker_stuck, m->n_broker_stuck + 1, sizeof(*s));
	if (!s)
		return NULL;
	m->broker_stuck = s;
	s[m->n_broker_stuck] = (struct broker_stuck) { .uid = uid };
	return &s[m->n_broker_stuck++].n;
}

static void
stuck_add(struct broker *b, int delta)
{
	unsigned *n = stuck_of_uid(b->manager, b->owner.uid, delta > 0);

	b->n_stuck = (unsigned) ((int) b->n_stuck + delta);
	if (n)
		*n = (unsigned) ((int) *n + delta);
	if (n && *n == 0) {
		struct manager *m = b->manager;
		size_t i = (size_t) ((struct broker_stuck *) ((char *) n -
		    offsetof(struct broker_stuck, n)) - m->broker_stuck);

		m->broker_stuck[i] = m->broker_stuck[--m->n_broker_stuck];
	}
}

static void
job_free(struct broker *b, struct broker_job *j)
{
	if (b->target && !b->spare)
		b->spare = j;
	else
		free(j);
}

/* On the loop thread, once the worker is done with the job. */
static void
job_done(struct work *w)
{
	struct broker_job *j = container_of(w, struct broker_job, work);
	struct broker *b = j->broker;
	int fd = job_gives_fd(j) ? j->k : -1;

	/* Keep the rule directories opened as the owner (one of two
	 * concurrent first requests wins). */
	for (size_t i = 0; i < 2; i++) {
		size_t r;

		if (j->opened[i] < 0)
			continue;
		r = (size_t) (j->rule[i] - b->policy->path_rules);
		assert(r < ELEMENTSOF(b->rule_fds));
		if (b->target && b->rule_fds[r] < 0)
			b->rule_fds[r] = j->opened[i];
		else
			safe_close(j->opened[i]);
	}
	if (j->stuck) {
		stuck_add(b, -1);
		if (b->target)
			(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_INFO, 0,
			    "Sandbox %llu (owner uid %u): broker %s '%s' finished after its time-out "
			    "(%s); its result was dropped.", (unsigned long long) b->target->id,
			    (unsigned) b->owner.uid, action_name(j->type), j->path[0],
			    j->k < 0 ? strerror(-j->k) : "ok");
	}
	if (j->abandoned) {
		safe_close(fd);
	} else {
		assert(b->job == j);
		b->job = NULL;
		evtimer_del(b->ev_timeout);
		if (event_add(b->ev_read, NULL) < 0) {
			safe_close(fd);
			close_channel(b);
		} else
			answer(b, j->type, j->serial, j->k, j, fd);
	}
	job_free(b, j);
	broker_unref(b);
}

/* The request being served did not finish in time: answer it, leave it
 * to its worker, and go on with the next. */
static void
on_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct broker *b = userdata;
	struct broker_job *j = b->job;
	struct target *t = b->target;

	b->job = NULL;
	j->abandoned = true;
	j->stuck = true;
	atomic_store(&j->work.cancelled, true);
	stuck_add(b, +1);
	(void) ratelimit_log(&b->manager->peer_log, b->owner.uid, LOG_WARNING, 0,
	    "Sandbox %llu (owner uid %u): broker %s '%s' did not finish in %u ms (a file system "
	    "or peer that does not answer?); answered ETIMEDOUT, %u of its requests are stuck.",
	    (unsigned long long) t->id, (unsigned) b->owner.uid, action_name(j->type), j->path[0],
	    j->timeout_ms, b->n_stuck);
	if (event_add(b->ev_read, NULL) < 0) {
		close_channel(b);
		return;
	}
	answer(b, j->type, j->serial, -ETIMEDOUT, j, -1);
}

int
broker_decode(struct sbx_reader *rd, struct broker_request *ret)
{
	struct broker_request q = { .type = rd->hdr.type, .serial = rd->hdr.serial };

	if (sbx_reader_get(rd, &q.q, sizeof(q.q)) < 0 ||
	    sbx_reader_get_str(rd, &q.path, SBX_PATH_MAX) < 0 ||
	    (q.type == SBX_MSG_BROKER_RENAME && sbx_reader_get_str(rd, &q.path2, SBX_PATH_MAX) < 0) ||
	    sbx_reader_end(rd) < 0)
		return -EBADMSG;

	switch (q.type) {
	case SBX_MSG_BROKER_OPEN:
		if (q.q.flags & ~SBX_O_ALL || (q.q.flags & SBX_O_ACCMODE) == SBX_O_ACCMODE)
			return -EBADMSG;
		q.need = open_rights(q.q.flags);
		break;
	case SBX_MSG_BROKER_ACCESS:
		if (q.q.mode & ~SBX_ACCESS_ALL)
			return -EBADMSG;
		q.need = access_rights(q.q.mode);
		break;
	case SBX_MSG_BROKER_STAT:
	case SBX_MSG_BROKER_READLINK:
		q.need = POLICY_RIGHT_READ;
		break;
	case SBX_MSG_BROKER_READDIR:
		/* flags: the first entry's index, any value. */
		if (q.q.mode != 0)
			return -EBADMSG;
		q.need = POLICY_RIGHT_READ;
		break;
	case SBX_MSG_BROKER_MKDIR:
		q.need = POLICY_RIGHT_CREATE;
		break;
	case SBX_MSG_BROKER_UNLINK:
	case SBX_MSG_BROKER_RMDIR:
	case SBX_MSG_BROKER_RENAME:
		q.need = POLICY_RIGHT_DELETE;
		break;
	case SBX_MSG_BROKER_CONNECT:
		if (q.q.flags != 0 || q.q.mode != 0)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	*ret = q;
	return 0;
}

/* Whether another request of this sandbox may be given a worker: too
 * many of its owner's, or of itself, are stuck already. */
static bool
stuck_too_many(struct broker *b)
{
	unsigned *n;

	if (b->n_stuck >= BROKER_STUCK_MAX)
		return true;
	n = stuck_of_uid(b->manager, b->owner.uid, false);
	return n && *n >= BROKER_STUCK_PER_UID_MAX;
}

static struct broker_job *
job_new(struct broker *b, const struct broker_request *req)
{
	struct broker_job *j = b->spare;

	b->spare = NULL;
	if (!j)
		j = malloc(sizeof(*j));
	if (!j)
		return NULL;
	j->work = (struct work) { .run = job_run, .done = job_done };
	j->broker = b;
	j->abandoned = j->stuck = false;
	j->type = req->type;
	j->serial = req->serial;
	j->q = req->q;
	j->rule[0] = j->rule[1] = NULL;
	j->cr = NULL;
	j->dirfd[0] = j->dirfd[1] = j->opened[0] = j->opened[1] = -1;
	j->timeout_ms = (unsigned) b->manager->conf.broker_timeout_ms;
	j->k = -EINVAL;
	/* Both fit: the decoder bounded them by SBX_PATH_MAX. */
	(void) snprintf(j->path[0], sizeof(j->path[0]), "%s", req->path);
	(void) snprintf(j->path[1], sizeof(j->path[1]), "%s", req->path2 ?: "");
	return j;
}

/* Matches the job against the policy; 0 if a worker should act on it. */
static int
job_match(struct broker *b, struct broker_job *j, unsigned need)
{
	const struct policy *p = b->policy;

	if (j->type == SBX_MSG_BROKER_CONNECT) {
		j->cr = policy_match_connect(p, j->path[0]);
		return j->cr ? 0 : -EACCES;
	}
	j->rule[0] = policy_match_path(p, j->path[0], &j->rel[0]);
	if (!j->rule[0] || (j->rule[0]->rights & need) != need)
		return -EACCES;
	if (j->type == SBX_MSG_BROKER_RENAME) {
		j->rule[1] = policy_match_path(p, j->path[1], &j->rel[1]);
		if (!j->rule[1] || !(j->rule[1]->rights & POLICY_RIGHT_CREATE))
			return -EACCES;
	}
	for (size_t i = 0; i < 2; i++)
		if (j->rule[i])
			j->dirfd[i] = b->owner.uid == 0 ? j->rule[i]->dirfd :
			    b->rule_fds[j->rule[i] - p->path_rules];
	return 0;
}

static void
handle(struct broker *b, struct sbx_reader *rd)
{
	struct target *t = b->target;
	uint32_t type = rd->hdr.type;
	struct broker_request req;
	struct broker_job *j;
	struct timeval tv;
	int k;

	if (broker_decode(rd, &req) < 0)
		goto violation;
	t->broker_requests++;

	if (stuck_too_many(b)) {
		(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_WARNING, 0,
		    "Sandbox %llu (owner uid %u): broker %s '%s' refused with ETIMEDOUT: %u of "
		    "its requests (and %u of its owner's at most) may be stuck at once.",
		    (unsigned long long) t->id, (unsigned) t->owner_uid, action_name(type),
		    req.path, BROKER_STUCK_MAX, BROKER_STUCK_PER_UID_MAX);
		answer(b, type, req.serial, -ETIMEDOUT, NULL, -1);
		return;
	}
	j = job_new(b, &req);
	if (!j) {
		answer(b, type, req.serial, -ENOMEM, NULL, -1);
		return;
	}
	k = job_match(b, j, req.need);
	if (k >= 0)
		k = workers_submit(b->manager->workers, &j->work);
	if (k < 0) {
		b->refs++;	/* answer() may close the channel */
		answer(b, type, req.serial, k, j, -1);
		job_free(b, j);
		broker_unref(b);
		return;
	}
	b->refs++;
	b->job = j;
	event_del(b->ev_read);
	tv = (struct timeval) {
		.tv_sec = (time_t) (j->timeout_ms / 1000),
		.tv_usec = (suseconds_t) (j->timeout_ms % 1000) * 1000,
	};
	(void) evtimer_add(b->ev_timeout, &tv);
	return;

violation:
	(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, 0,
	    "Sandbox %llu (owner uid %u): malformed %s on the broker channel; "
	    "closing the channel.", (unsigned long long) t->id, (unsigned) t->owner_uid,
	    sbx_msg_type_to_string(type) ?: "message");
	close_channel(b);
}

static void
on_read(evutil_socket_t fd, short what, void *userdata)
{
	struct broker *b = userdata;
	struct target *t = b->target;
	static uint8_t buf[SBX_MSG_SIZE_MAX];
	struct sbx_reader rd;
	size_t n_fds = 0;
	int fds[1];
	ssize_t n;

	n = sbx_recv_msg(b->fd, buf, sizeof(buf), fds, &n_fds, 0);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n <= 0) {
		if (n < 0)
			(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, 0,
			    "Sandbox %llu (owner uid %u): broken message on the broker channel "
			    "(truncated, oversized or carrying fds); closing the channel.",
			    (unsigned long long) t->id, (unsigned) t->owner_uid);
		close_channel(b);
		return;
	}
	if (sbx_reader_init(&rd, buf, (size_t) n) < 0) {
		(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, 0,
		    "Sandbox %llu (owner uid %u): malformed header on the broker channel; "
		    "closing the channel.", (unsigned long long) t->id, (unsigned) t->owner_uid);
		close_channel(b);
		return;
	}
	handle(b, &rd);
}

int
broker_new(struct target *t, int fd, struct broker **ret)
{
	struct broker *b = calloc(1, sizeof(*b));
	struct manager *m = t->manager;

	if (!b) {
		safe_close(fd);
		return -ENOMEM;
	}
	b->manager = m;
	b->target = t;
	b->refs = 1;
	b->fd = fd;
	b->pending_fd = -1;
	b->policy = policy_ref(t->policy);
	b->landlock_abi = t->landlock_abi;
	b->owner = t->owner;
	b->owner.groups = NULL;
	for (size_t i = 0; i < ELEMENTSOF(b->rule_fds); i++)
		b->rule_fds[i] = -1;
	if (t->owner.n_groups > 0) {
		b->owner.groups = calloc((size_t) t->owner.n_groups, sizeof(gid_t));
		if (!b->owner.groups) {
			broker_free(b);
			return -ENOMEM;
		}
		memcpy(b->owner.groups, t->owner.groups, (size_t) t->owner.n_groups * sizeof(gid_t));
	}
	b->ev_read = event_new(m->base, fd, EV_READ | EV_PERSIST, on_read, b);
	b->ev_write = event_new(m->base, fd, EV_WRITE | EV_PERSIST, on_write, b);
	b->ev_timeout = evtimer_new(m->base, on_timeout, b);
	if (!b->ev_read || !b->ev_write || !b->ev_timeout || event_add(b->ev_read, NULL) < 0) {
		broker_free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

static struct broker *
broker_unref(struct broker *b)
{
	assert(b->refs > 0);
	if (--b->refs > 0)
		return NULL;
	assert(!b->target && b->n_stuck == 0);
	for (size_t i = 0; i < ELEMENTSOF(b->rule_fds); i++)
		safe_close(b->rule_fds[i]);
	policy_unref(b->policy);
	free(b->owner.groups);
	free(b);
	return NULL;
}

/* The target lets go: the channel closes now, and whatever a worker still
 * does for it is dropped when it is done (job_done()). */
struct broker *
broker_free(struct broker *b)
{
	if (!b)
		return NULL;
	b->target = NULL;
	event_freep(&b->ev_read);
	event_freep(&b->ev_write);
	event_freep(&b->ev_timeout);
	b->fd = safe_close(b->fd);
	b->pending_fd = safe_close(b->pending_fd);
	sbx_writer_done(&b->pending);
	if (b->job) {
		b->job->abandoned = true;
		atomic_store(&b->job->work.cancelled, true);
		b->job = NULL;
	}
	free(b->spare);
	b->spare = NULL;
	for (size_t i = 0; i < b->n_logged; i++)
		free(b->logged[i]);
	b->n_logged = 0;
	return broker_unref(b);
}
