/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See msg.h. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "msg.h"

int
sbx_msg_spawn_put(struct sbx_writer *w, const struct sbx_spawn *s, const char *policy,
    const char *cwd, const char *const *argv, const char *const *env)
{
	struct sbx_spawn f = *s;
	size_t n_argv = strv_length((char *const *) argv);
	size_t n_env = strv_length((char *const *) env);

	if (n_argv < 1 || n_argv > SBX_ARGV_MAX || n_env > SBX_ENV_MAX)
		return -E2BIG;
	if (!policy || strlen(policy) >= SBX_NAME_MAX)
		return -EINVAL;
	f.n_argv = (uint32_t) n_argv;
	f.n_env = (uint32_t) n_env;
	sbx_writer_put(w, &f, sizeof(f));
	sbx_writer_put_str(w, policy);
	sbx_writer_put_str(w, cwd ? cwd : "");
	for (size_t i = 0; i < n_argv; i++)
		sbx_writer_put_str(w, argv[i]);
	for (size_t i = 0; i < n_env; i++)
		sbx_writer_put_str(w, env[i]);
	return w->error;
}

static int
get_strv(struct sbx_reader *r, uint32_t n, const char ***ret)
{
	const char **v = calloc((size_t) n + 1, sizeof(char *));
	int rr;

	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		rr = sbx_reader_get_str(r, &v[i], 0);
		if (rr < 0) {
			free(v);
			return rr;
		}
	}
	*ret = v;
	return 0;
}

void
sbx_spawn_req_done(struct sbx_spawn_req *req)
{
	free(req->argv);
	free(req->env);
	*req = (struct sbx_spawn_req) {};
}

int
sbx_msg_spawn_get(struct sbx_reader *r, struct sbx_spawn_req *ret)
{
	struct sbx_spawn_req q = {};
	int rr;

	if (sbx_reader_get(r, &q.fixed, sizeof(q.fixed)) < 0)
		return -EBADMSG;
	if (q.fixed.reserved != 0 || (q.fixed.flags & ~SBX_SPAWN_FLAGS_ALL) ||
	    q.fixed.n_argv < 1 || q.fixed.n_argv > SBX_ARGV_MAX || q.fixed.n_env > SBX_ENV_MAX)
		return -EBADMSG;
	if (sbx_reader_get_str(r, &q.policy, SBX_NAME_MAX) < 0 ||
	    sbx_reader_get_str(r, &q.cwd, 0) < 0)
		return -EBADMSG;
	rr = get_strv(r, q.fixed.n_argv, &q.argv);
	if (rr < 0)
		return rr;
	rr = get_strv(r, q.fixed.n_env, &q.env);
	if (rr >= 0)
		rr = sbx_reader_end(r);
	if (rr < 0) {
		sbx_spawn_req_done(&q);
		return rr;
	}
	*ret = q;
	return 0;
}

const struct sbx_wire_error sbx_wire_errors[] = {
	{ ENOENT, "no such policy, or no such program" },
	{ EPERM, "not permitted (a limit above the policy's, another user's sandbox)" },
	{ EACCES, "permission denied (e.g. the program is not executable)" },
	{ EDQUOT, "the peer's uid has too many sandboxes" },
	{ EUSERS, "the peer's uid has too many connections" },
	{ EOPNOTSUPP, "the kernel lacks a feature the policy requires" },
	{ E2BIG, "argv or environment too large" },
	{ ESRCH, "no such sandbox visible to the peer" },
	{ EBADMSG, "(until version 2) POLICY_CHECK: the text is not a valid policy" },
	{ EINVAL, "a well-formed request with an invalid value" },
	{ ETIMEDOUT, "the target did not reach exec in time, or a policy check took too long" },
	{ ENOMEM, "the daemon is out of memory" },
	{ EAGAIN, "temporarily out of resources; retrying may work" },
	{ EBUSY, "temporarily out of resources; retrying may work" },
	{ EPROTONOSUPPORT, "HELLO: protocol version mismatch" },
	{ ENAMETOOLONG, "a name or path too long" },
	{ EMFILE, "out of file descriptors" },
	{ ENOEXEC, "the program is not in an executable format" },
	{ ENOTDIR, "resolving the program or working directory failed" },
	{ EISDIR, "resolving the program or working directory failed" },
	{ ELOOP, "resolving the program or working directory failed" },
	{ ESHUTDOWN, "the daemon is shutting down" },
	{ EIO, "any other failure" },
};
const size_t sbx_n_wire_errors = ELEMENTSOF(sbx_wire_errors);

int
sbx_error_to_wire(int r)
{
	int e = r < 0 ? -r : r;

	for (size_t i = 0; i < sbx_n_wire_errors; i++)
		if (sbx_wire_errors[i].error == e)
			return e;
	return EIO;
}

int
sbx_error_from_wire(int error)
{
	if (error <= 0)
		return -EIO;
	return -sbx_error_to_wire(error);
}

void
sbx_msg_error_put(struct sbx_writer *w, int error, const char *message)
{
	struct sbx_error e = { .error = error < 0 ? -error : error };

	sbx_writer_put(w, &e, sizeof(e));
	sbx_writer_put_str_trunc(w, message ? message : "", SBX_STRING_MAX);
}

int
sbx_msg_error_get(struct sbx_reader *r, int *ret_error, const char **ret_message)
{
	struct sbx_error e;
	const char *m;

	if (sbx_reader_get(r, &e, sizeof(e)) < 0 || e.reserved != 0 || e.error <= 0 ||
	    sbx_reader_get_str(r, &m, 0) < 0 || sbx_reader_end(r) < 0)
		return -EBADMSG;
	*ret_error = e.error;
	*ret_message = m;
	return 0;
}

void
sbx_msg_policy_report_put(struct sbx_writer *w, const struct ini_diags *d)
{
	struct sbx_policy_report h = {
		.n_errors = d->n_errors,
		.n_warnings = d->n_warnings,
		.count = d->n < SBX_POLICY_DIAGS_MAX ? d->n : SBX_POLICY_DIAGS_MAX,
	};

	sbx_writer_put(w, &h, sizeof(h));
	for (uint32_t i = 0; i < h.count; i++) {
		struct sbx_policy_diag g = {
			.line = d->v[i].line,
			.severity = d->v[i].severity == INI_ERROR ? SBX_SEVERITY_ERROR :
			    SBX_SEVERITY_WARNING,
		};

		sbx_writer_put(w, &g, sizeof(g));
		sbx_writer_put_str_trunc(w, d->v[i].message, SBX_POLICY_MESSAGE_MAX);
	}
}

int
sbx_msg_policy_report_get(struct sbx_reader *r, struct ini_diags *ret)
{
	struct sbx_policy_report h;
	unsigned n_errors = 0, n_warnings = 0;

	_Static_assert(SBX_POLICY_DIAGS_MAX <= INI_DIAGS_MAX, "a report fits struct ini_diags");
	_Static_assert(SBX_POLICY_MESSAGE_MAX <= sizeof(ret->v[0].message), "messages fit");
	if (sbx_reader_get(r, &h, sizeof(h)) < 0 || h.reserved != 0 ||
	    h.count > SBX_POLICY_DIAGS_MAX)
		return -EBADMSG;
	*ret = (struct ini_diags) {};
	for (uint32_t i = 0; i < h.count; i++) {
		struct sbx_policy_diag g;
		const char *m;

		if (sbx_reader_get(r, &g, sizeof(g)) < 0 ||
		    (g.severity != SBX_SEVERITY_ERROR && g.severity != SBX_SEVERITY_WARNING) ||
		    sbx_reader_get_str(r, &m, SBX_POLICY_MESSAGE_MAX) < 0)
			return -EBADMSG;
		ret->v[i].line = g.line;
		ret->v[i].severity = g.severity == SBX_SEVERITY_ERROR ? INI_ERROR : INI_WARNING;
		memcpy(ret->v[i].message, m, strlen(m) + 1);
		if (g.severity == SBX_SEVERITY_ERROR)
			n_errors++;
		else
			n_warnings++;
	}
	if (sbx_reader_end(r) < 0 || h.n_errors < n_errors || h.n_warnings < n_warnings)
		return -EBADMSG;
	ret->n = h.count;
	ret->n_errors = h.n_errors;
	ret->n_warnings = h.n_warnings;
	ret->error = h.n_errors > 0 ? -EINVAL : 0;
	return 0;
}

int
sbx_policy_diag_format(char *buf, size_t size, const char *label, const struct ini_diag *g)
{
	char msg[4 * sizeof(g->message)], *o = msg;
	char where[16] = "";

	for (const unsigned char *c = (const unsigned char *) g->message; *c; c++)
		if (*c >= 0x20 && *c < 0x7f)
			*o++ = (char) *c;
		else
			o += sprintf(o, "\\x%02x", *c);
	*o = '\0';
	if (g->line > 0)
		(void) snprintf(where, sizeof(where), ":%u", g->line);
	return snprintf(buf, size, "%s%s: %s: %s", label, where,
	    g->severity == INI_ERROR ? "error" : "warning", msg);
}

void
sbx_msg_info_put(struct sbx_writer *w, const struct sbx_info *info, const char *policy,
    const char *command, const char *last_denial, const struct sbx_named_denial *denials,
    size_t n)
{
	uint32_t count = (uint32_t) (n < SBX_DENIALS_MAX ? n : SBX_DENIALS_MAX);

	sbx_writer_put(w, info, sizeof(*info));
	sbx_writer_put_str_trunc(w, policy, SBX_NAME_MAX);
	sbx_writer_put_str_trunc(w, command, 256);
	sbx_writer_put_str_trunc(w, last_denial ? last_denial : "", 256);
	sbx_writer_put(w, &count, sizeof(count));
	for (uint32_t i = 0; i < count; i++) {
		sbx_writer_put(w, &denials[i].d, sizeof(denials[i].d));
		sbx_writer_put_str_trunc(w, denials[i].name ? denials[i].name : "",
		    SBX_DENIAL_NAME_MAX);
	}
}

int
sbx_msg_info_get(struct sbx_reader *r, struct sbx_info *ret, const char **ret_policy,
    const char **ret_command, const char **ret_last_denial,
    struct sbx_named_denial ret_denials[SBX_DENIALS_MAX], size_t *ret_n)
{
	uint32_t count;

	if (sbx_reader_get(r, ret, sizeof(*ret)) < 0 ||
	    sbx_reader_get_str(r, ret_policy, SBX_NAME_MAX) < 0 ||
	    sbx_reader_get_str(r, ret_command, 256) < 0 ||
	    sbx_reader_get_str(r, ret_last_denial, 256) < 0 ||
	    sbx_reader_get(r, &count, sizeof(count)) < 0 || count > SBX_DENIALS_MAX)
		return -EBADMSG;
	for (uint32_t i = 0; i < count; i++) {
		struct sbx_named_denial *d = &ret_denials[i];

		if (sbx_reader_get(r, &d->d, sizeof(d->d)) < 0 ||
		    sbx_reader_get_str(r, &d->name, SBX_DENIAL_NAME_MAX) < 0 ||
		    d->d.layer < SBX_LAYER_SECCOMP || d->d.layer > SBX_LAYER_LANDLOCK ||
		    (d->d.flags & ~SBX_DENIAL_FORBIDDEN) || d->d.reserved != 0)
			return -EBADMSG;
	}
	*ret_n = count;
	return 0;
}

void
sbx_msg_broker_req_put(struct sbx_writer *w, uint32_t type, uint32_t serial,
    const struct sbx_broker_req *q, const char *path, const char *path2)
{
	sbx_writer_init(w, type, serial);
	sbx_writer_put(w, q, sizeof(*q));
	sbx_writer_put_str(w, path);
	if (path2)
		sbx_writer_put_str(w, path2);
}

int
sbx_msg_broker_req_get(struct sbx_reader *r, uint32_t type, struct sbx_broker_req *ret,
    const char **ret_path, const char **ret_path2)
{
	*ret_path2 = NULL;
	if (sbx_reader_get(r, ret, sizeof(*ret)) < 0 ||
	    sbx_reader_get_str(r, ret_path, SBX_PATH_MAX) < 0 ||
	    (type == SBX_MSG_BROKER_RENAME && sbx_reader_get_str(r, ret_path2, SBX_PATH_MAX) < 0))
		return -EBADMSG;
	return sbx_reader_end(r);
}

void
sbx_msg_broker_result_put(struct sbx_writer *w, uint32_t serial, int32_t error)
{
	struct sbx_broker_result res = { .error = error };

	sbx_writer_init(w, SBX_MSG_BROKER_RESULT, serial);
	sbx_writer_put(w, &res, sizeof(res));
}

static int64_t
ts_to_ns(struct timespec ts)
{
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec
ns_to_ts(int64_t ns)
{
	return (struct timespec) { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

void
sbx_msg_broker_stat_put(struct sbx_writer *w, uint32_t serial, int32_t error,
    const struct stat *st)
{
	struct sbx_broker_stat s = { .error = error };

	if (error == 0 && st) {
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
		s.atime_ns = ts_to_ns(st->st_atim);
		s.mtime_ns = ts_to_ns(st->st_mtim);
		s.ctime_ns = ts_to_ns(st->st_ctim);
	}
	sbx_writer_init(w, SBX_MSG_BROKER_STAT_RESULT, serial);
	sbx_writer_put(w, &s, sizeof(s));
}

int
sbx_msg_broker_stat_get(struct sbx_reader *r, int32_t *ret_error, struct stat *ret)
{
	struct sbx_broker_stat s;

	if (sbx_reader_get(r, &s, sizeof(s)) < 0 || sbx_reader_end(r) < 0 || s.error < 0)
		return -EBADMSG;
	*ret_error = s.error;
	if (s.error == 0)
		*ret = (struct stat) {
			.st_dev = s.dev, .st_ino = s.ino, .st_mode = s.mode, .st_nlink = s.nlink,
			.st_uid = s.uid, .st_gid = s.gid, .st_rdev = s.rdev,
			.st_size = (off_t) s.size, .st_blksize = (blksize_t) s.blksize,
			.st_blocks = (blkcnt_t) s.blocks, .st_atim = ns_to_ts(s.atime_ns),
			.st_mtim = ns_to_ts(s.mtime_ns), .st_ctim = ns_to_ts(s.ctime_ns),
		};
	return 0;
}

void
sbx_msg_broker_link_put(struct sbx_writer *w, uint32_t serial, int32_t error, const char *link)
{
	struct sbx_broker_result res = { .error = error };

	sbx_writer_init(w, SBX_MSG_BROKER_LINK_RESULT, serial);
	sbx_writer_put(w, &res, sizeof(res));
	sbx_writer_put_str_trunc(w, error ? "" : link, SBX_PATH_MAX);
}

int
sbx_msg_broker_link_get(struct sbx_reader *r, int32_t *ret_error, const char **ret_link)
{
	struct sbx_broker_result res;

	if (sbx_reader_get(r, &res, sizeof(res)) < 0 ||
	    sbx_reader_get_str(r, ret_link, SBX_PATH_MAX) < 0 || sbx_reader_end(r) < 0 ||
	    res.error < 0)
		return -EBADMSG;
	*ret_error = res.error;
	return 0;
}

void
sbx_msg_dirent_put(struct sbx_writer *w, uint32_t type, const char *name)
{
	sbx_writer_put(w, &type, sizeof(type));
	sbx_writer_put_str(w, name);
}

int
sbx_msg_broker_dir_get(struct sbx_reader *r, struct sbx_broker_dir *ret,
    struct sbx_dirent ents[static SBX_DIR_PAGE_MAX])
{
	if (sbx_reader_get(r, ret, sizeof(*ret)) < 0 || ret->error < 0 ||
	    ret->count > SBX_DIR_PAGE_MAX || (ret->error > 0 && ret->count > 0))
		return -EBADMSG;
	for (uint32_t i = 0; i < ret->count; i++) {
		const char *n;

		if (sbx_reader_get(r, &ents[i].type, sizeof(ents[i].type)) < 0 ||
		    sbx_reader_get_str(r, &n, SBX_DIR_NAME_MAX) < 0 || !n[0] ||
		    strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strchr(n, '/'))
			return -EBADMSG;
		ents[i].name = n;
	}
	return sbx_reader_end(r);
}
