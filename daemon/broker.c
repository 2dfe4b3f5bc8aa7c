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
 * documented in sandboxd.policy(5)). Denials are counted, remembered for
 * `sandboxctl status`, and logged once per (sandbox, action, path); these
 * lines and the violation notices go through the daemon's per-uid rate
 * limiter (ratelimit.h), keyed by the sandbox's owner.
 */
#include <assert.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "broker.h"
#include "fdpass.h"
#include "log.h"
#include "manager.h"
#include "msg.h"
#include "relay.h"
#include "target.h"

#define DENIALS_REMEMBERED	64	/* distinct (action, path) logged per sandbox */

struct broker {
	struct target	*target;
	int		fd;
	struct event	*ev_read, *ev_write;
	/* A reply that could not be sent yet (at most one). */
	struct sbx_writer pending;
	int		pending_fd;
	bool		have_pending;
	char		*logged[DENIALS_REMEMBERED];
	size_t		n_logged;
	/* Each path rule's directory as this sandbox's owner opened it (-1:
	 * not yet); unused for root owners, who act from the policy's. */
	int		rule_fds[POLICY_BROKER_RULES_MAX];
};

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
	if (r < 0 || event_add(b->ev_read, NULL) < 0) {
		struct target *t = b->target;

		t->broker = broker_free(b);
	}
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
 * The rule as this sandbox's owner sees it, under the owner's credentials:
 * the policy load opened the rule's directory as root, which would skip
 * the owner's search permission on the directories above it, so for any
 * other owner the directory is opened again by its path from / at the
 * first request that needs it, as the owner, and kept for the sandbox's
 * life. A failure (EACCES: the owner could not reach it by path either)
 * is not kept: the next request tries again.
 */
static int
owner_rule(struct broker *b, const struct policy_path_rule *r, struct policy_path_rule *ret)
{
	const struct target *t = b->target;
	size_t i = (size_t) (r - t->policy->path_rules);
	int fd;

	*ret = *r;
	if (t->owner.uid == 0 || r->dirfd < 0)
		return 0;
	assert(i < t->policy->n_path_rules && i < ELEMENTSOF(b->rule_fds));
	if (b->rule_fds[i] < 0) {
		fd = policy_open_rule_dir(r);
		if (fd < 0)
			return fd;
		b->rule_fds[i] = fd;
	}
	ret->dirfd = b->rule_fds[i];
	return 0;
}

/* What READDIR answers: one page. */
struct dir_page {
	struct action_dirent	ents[SBX_DIR_PAGE_MAX];
	uint32_t		next;
};

/* Runs one path action under the owner's credentials. */
static int
run_action(struct broker *b, uint32_t type, const struct sbx_broker_req *q,
    const struct policy_path_rule *r, const char *rel, const struct policy_path_rule *r2,
    const char *rel2, struct stat *st, char *link, size_t link_size, struct dir_page *dir)
{
	struct target *t = b->target;
	struct policy_path_rule v, v2;
	int k, l;

	k = creds_enter(&t->owner);
	if (k < 0)
		return k;
	k = owner_rule(b, r, &v);
	if (k >= 0 && r2)
		k = owner_rule(b, r2, &v2);
	if (k < 0)
		goto leave;
	r = &v;
	if (r2)
		r2 = &v2;
	switch (type) {
	case SBX_MSG_BROKER_OPEN:
		/* Without Landlock a reopen through /proc/self/fd would be
		 * checked against the target alone: a rule without write hands
		 * out fds from a read-only view; and a directory fd would reach
		 * beyond the rule, so there is none (action_open()). */
		k = action_open(r, rel, q->flags, q->mode, t->landlock_abi > 0 ? 0 :
		    ACTION_OPEN_NO_DIRECTORY |
		    (r->rights & POLICY_RIGHT_WRITE ? 0 : ACTION_OPEN_READ_ONLY_VIEW));
		break;
	case SBX_MSG_BROKER_READDIR:
		k = action_readdir(r, rel, q->flags, dir->ents, SBX_DIR_PAGE_MAX, &dir->next);
		break;
	case SBX_MSG_BROKER_STAT:
		k = action_stat(r, rel, st);
		break;
	case SBX_MSG_BROKER_ACCESS:
		k = action_access(r, rel, q->mode);
		break;
	case SBX_MSG_BROKER_READLINK:
		k = action_readlink(r, rel, link, link_size);
		break;
	case SBX_MSG_BROKER_MKDIR:
		k = action_mkdir(r, rel, q->mode);
		break;
	case SBX_MSG_BROKER_UNLINK:
	case SBX_MSG_BROKER_RMDIR:
		k = action_unlink(r, rel, type == SBX_MSG_BROKER_RMDIR);
		break;
	case SBX_MSG_BROKER_RENAME:
		k = action_rename(r, rel, r2, rel2, r2->rights & POLICY_RIGHT_DELETE);
		break;
	default:
		k = -EINVAL;
	}
leave:
	l = creds_leave();
	if (l < 0) {
		/* We could not become root again: stop acting at all. */
		log_emerg_errno(l, "Cannot restore the daemon's credentials: %m");
		abort();
	}
	return k;
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

static void
handle(struct broker *b, struct sbx_reader *rd)
{
	struct target *t = b->target;
	const struct policy *p = t->policy;
	uint32_t type = rd->hdr.type;
	struct broker_request req;
	const char *path, *path2, *rel = NULL, *rel2 = NULL;
	const struct policy_path_rule *r = NULL, *r2 = NULL;
	const struct policy_connect_rule *cr = NULL;
	static struct dir_page dir;	/* 33 KiB: not on the stack */
	struct sbx_writer w;
	struct stat st = {};
	char link[SBX_PATH_MAX] = "";
	int k = 0, fd = -1;

	if (broker_decode(rd, &req) < 0)
		goto violation;
	t->broker_requests++;
	path = req.path;
	path2 = req.path2;

	if (type == SBX_MSG_BROKER_CONNECT) {
		cr = policy_match_connect(p, path);
		if (!cr)
			k = -EACCES;
		else {
			k = creds_enter(&t->owner);
			if (k >= 0) {
				k = action_connect(cr);
				if (creds_leave() < 0)
					abort();
			}
			/* The target gets a relayed end, never the host socket. */
			if (k >= 0 && cr->family != AF_UNIX)
				k = relay_new_consume(t, k, cr->type);
		}
	} else {
		r = policy_match_path(p, path, &rel);
		if (!r || (r->rights & req.need) != req.need)
			k = -EACCES;
		if (k >= 0 && type == SBX_MSG_BROKER_RENAME) {
			r2 = policy_match_path(p, path2, &rel2);
			if (!r2 || !(r2->rights & POLICY_RIGHT_CREATE))
				k = -EACCES;
		}
		if (k >= 0)
			k = run_action(b, type, &req.q, r, rel, r2, rel2, &st, link, sizeof(link),
			    &dir);
	}
	if (k >= 0 && (type == SBX_MSG_BROKER_OPEN || type == SBX_MSG_BROKER_CONNECT))
		fd = k;
	if (k < 0 && is_denial(-k))
		note_denial(b, action_name(type), path, -k);
	log_debug("Sandbox %llu: broker %s '%s': %s.", (unsigned long long) t->id,
	    action_name(type), path, k < 0 ? strerror(-k) : "ok");

	if (type == SBX_MSG_BROKER_STAT) {
		struct sbx_broker_stat s = { .error = k < 0 ? -k : 0 };

		if (k >= 0) {
			s.mode = st.st_mode;
			s.dev = st.st_dev;
			s.ino = st.st_ino;
			s.nlink = st.st_nlink;
			s.uid = st.st_uid;
			s.gid = st.st_gid;
			s.rdev = st.st_rdev;
			s.size = (uint64_t) st.st_size;
			s.blksize = (uint64_t) st.st_blksize;
			s.blocks = (uint64_t) st.st_blocks;
			s.atime_ns = (int64_t) st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
			s.mtime_ns = (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
			s.ctime_ns = (int64_t) st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
		}
		sbx_writer_init(&w, SBX_MSG_BROKER_STAT_RESULT, rd->hdr.serial);
		sbx_writer_put(&w, &s, sizeof(s));
	} else if (type == SBX_MSG_BROKER_READDIR) {
		struct sbx_broker_dir d = {
			.error = k < 0 ? -k : 0,
			.next = k < 0 ? 0 : dir.next,
			.count = k < 0 ? 0 : (uint32_t) k,
		};

		sbx_writer_init(&w, SBX_MSG_BROKER_DIR_RESULT, rd->hdr.serial);
		sbx_writer_put(&w, &d, sizeof(d));
		for (uint32_t i = 0; i < d.count; i++)
			sbx_msg_dirent_put(&w, dir.ents[i].type, dir.ents[i].name);
	} else if (type == SBX_MSG_BROKER_READLINK) {
		struct sbx_broker_result res = { .error = k < 0 ? -k : 0 };

		sbx_writer_init(&w, SBX_MSG_BROKER_LINK_RESULT, rd->hdr.serial);
		sbx_writer_put(&w, &res, sizeof(res));
		sbx_writer_put_str_trunc(&w, k < 0 ? "" : link, SBX_PATH_MAX);
	} else {
		struct sbx_broker_result res = { .error = k < 0 ? -k : 0 };

		sbx_writer_init(&w, SBX_MSG_BROKER_RESULT, rd->hdr.serial);
		sbx_writer_put(&w, &res, sizeof(res));
	}
	if (send_reply(b, &w, fd) < 0)
		t->broker = broker_free(b);
	return;

violation:
	(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, 0,
	    "Sandbox %llu (owner uid %u): malformed %s on the broker channel; "
	    "closing the channel.", (unsigned long long) t->id, (unsigned) t->owner_uid,
	    sbx_msg_type_to_string(type) ?: "message");
	t->broker = broker_free(b);
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
		t->broker = broker_free(b);
		return;
	}
	if (sbx_reader_init(&rd, buf, (size_t) n) < 0) {
		(void) ratelimit_log(&t->manager->peer_log, t->owner_uid, LOG_NOTICE, 0,
		    "Sandbox %llu (owner uid %u): malformed header on the broker channel; "
		    "closing the channel.", (unsigned long long) t->id, (unsigned) t->owner_uid);
		t->broker = broker_free(b);
		return;
	}
	handle(b, &rd);
}

int
broker_new(struct target *t, int fd, struct broker **ret)
{
	struct broker *b = calloc(1, sizeof(*b));

	if (!b) {
		safe_close(fd);
		return -ENOMEM;
	}
	b->target = t;
	b->fd = fd;
	b->pending_fd = -1;
	for (size_t i = 0; i < ELEMENTSOF(b->rule_fds); i++)
		b->rule_fds[i] = -1;
	b->ev_read = event_new(t->manager->base, fd, EV_READ | EV_PERSIST, on_read, b);
	b->ev_write = event_new(t->manager->base, fd, EV_WRITE | EV_PERSIST, on_write, b);
	if (!b->ev_read || !b->ev_write || event_add(b->ev_read, NULL) < 0) {
		broker_free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

struct broker *
broker_free(struct broker *b)
{
	if (!b)
		return NULL;
	event_freep(&b->ev_read);
	event_freep(&b->ev_write);
	safe_close(b->fd);
	safe_close(b->pending_fd);
	sbx_writer_done(&b->pending);
	for (size_t i = 0; i < b->n_logged; i++)
		free(b->logged[i]);
	for (size_t i = 0; i < ELEMENTSOF(b->rule_fds); i++)
		safe_close(b->rule_fds[i]);
	free(b);
	return NULL;
}
