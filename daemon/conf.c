/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Daemon settings. Every value has a compiled-in default, so sandboxd runs
 * with no configuration file at all; /etc/sandboxd/sandboxd.conf (or
 * --config) overrides them. The file is written by the administrator and
 * is trusted, but still parsed strictly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "fileio.h"
#include "log.h"
#include "parse-util.h"
#include "string-util.h"

#define CONF_SIZE_MAX (64 * 1024)

void
conf_init(struct conf *c)
{
	*c = (struct conf) {
		.socket_path = strdup(SANDBOXD_RUNDIR "/sandboxd.sock"),
		.log_level = LOG_INFO,
		.uid_min = 61184,
		.uid_max = 65519,
		.max_conns_per_uid = 32,
		.max_sandboxes_per_uid = 64,
		.max_sandboxes = 1024,
		.max_conns = 1024,
		.linger_ms = 60 * 1000,
		.broker_timeout_ms = 10 * 1000,
	};
}

void
conf_done(struct conf *c)
{
	free(c->socket_path);
	strv_free(c->policy_dirs);
	*c = (struct conf) {};
}

/* The field a key table row names, in the struct conf being filled. */
#define CONF_FIELD(data, k, type) ((type *) (void *) ((char *) (data) + (k)->offset))
#define FIELD(f) offsetof(struct conf, f)

/* Each parser returns 0, -ENOMEM, or another negative errno for a bad
 * value, which conf_handler() reports with the one message for all. */

/* An absolute path to bind the control socket at (it must fit sun_path). */
static int
parse_socket(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	if (value[0] != '/' || strlen(value) >= k->max)
		return -EINVAL;
	return free_and_strdup(CONF_FIELD(data, k, char *), value);
}

/* An absolute path, added to a list. */
static int
parse_dir_list(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	if (value[0] != '/')
		return -EINVAL;
	return strv_push(CONF_FIELD(data, k, char **), value);
}

static int
parse_level(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	return parse_log_level(value, CONF_FIELD(data, k, int));
}

/* LO-HI, both uids: the field is the low end, k->ltype the high end's offset. */
static int
parse_uid_range(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	unsigned lo, hi;
	char tail;

	if (sscanf(value, "%u-%u%c", &lo, &hi, &tail) != 2 || lo < 1000 || hi < lo ||
	    hi >= 0x7fffffff)
		return -ERANGE;
	*CONF_FIELD(data, k, uid_t) = lo;
	*(uid_t *) (void *) ((char *) data + k->ltype) = hi;
	return 0;
}

/* A count in [k->ltype, k->max]. */
static int
parse_count(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	uint64_t u;

	if (parse_u64(value, &u) < 0 || u < k->ltype || u > k->max)
		return -ERANGE;
	*CONF_FIELD(data, k, unsigned) = (unsigned) u;
	return 0;
}

/* A time span, in milliseconds in [k->ltype, k->max]. */
static int
parse_span(const struct ini_key *k, const char *value, void *data, struct ini_error *err)
{
	uint64_t ms;

	if (parse_time_ms(value, &ms) < 0 || ms < k->ltype || ms > k->max)
		return -ERANGE;
	*CONF_FIELD(data, k, uint64_t) = ms;
	return 0;
}

/* Every key sandboxd.conf may hold. */
static const struct ini_key conf_keys[] = {
	{ "Daemon", "Socket", parse_socket, FIELD(socket_path), 0, 108 },
	{ "Daemon", "PolicyDirectory", parse_dir_list, FIELD(policy_dirs) },
	{ "Daemon", "LogLevel", parse_level, FIELD(log_level) },
	{ "Daemon", "AnonymousUidRange", parse_uid_range, FIELD(uid_min), FIELD(uid_max) },
	{ "Daemon", "MaxConnectionsPerUser", parse_count, FIELD(max_conns_per_uid), 1, 65536 },
	{ "Daemon", "MaxConnections", parse_count, FIELD(max_conns), 1, 65536 },
	{ "Daemon", "MaxSandboxesPerUser", parse_count, FIELD(max_sandboxes_per_uid), 1, 65536 },
	{ "Daemon", "MaxSandboxes", parse_count, FIELD(max_sandboxes), 1, 65536 },
	{ "Daemon", "ExitedSandboxLinger", parse_span, FIELD(linger_ms), 0, 24 * 3600 * 1000 },
	{ "Daemon", "BrokerTimeoutSec", parse_span, FIELD(broker_timeout_ms), 100, 600 * 1000 },
};

static int
conf_handler(const char *section, const char *key, const char *value, unsigned line,
    void *userdata, struct ini_error *err)
{
	const struct ini_key *k = ini_key_find(conf_keys, ELEMENTSOF(conf_keys), section, key);
	int r;

	if (!ini_keys_have_section(conf_keys, ELEMENTSOF(conf_keys), section))
		return error_msg_setf(&err->msg, EBADMSG, "unknown section [%s]", section);
	if (!k)
		return error_msg_setf(&err->msg, EBADMSG, "unknown key '%s'", key);
	r = k->parse(k, value, userdata, err);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return error_msg_setf(&err->msg, EBADMSG, "invalid value for %s: '%s'", key, value);
	return 0;
}

int
conf_load(struct conf *c, const char *path, int optional, struct ini_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	int r;

	*err = (struct ini_error) {};
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && optional)
			return 0;
		return error_msg_setf(&err->msg, errno, "%m");
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_SIZE_MAX)
		return error_msg_setf(&err->msg, EINVAL, "not a regular file of at most 64 KiB");
	r = read_full_fd(fd, CONF_SIZE_MAX, &buf, NULL);
	if (r == -EFBIG)	/* it grew since fstat() */
		return error_msg_setf(&err->msg, EINVAL, "not a regular file of at most 64 KiB");
	if (r == -EBADMSG)
		return error_msg_setf(&err->msg, EBADMSG, "file contains a NUL byte");
	if (r < 0)
		return r;
	return ini_parse(buf, conf_handler, c, err);
}
