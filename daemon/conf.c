/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Daemon settings. Every value has a compiled-in default, so sandboxd runs
 * with no configuration file at all; /etc/sandboxd/sandboxd.conf (or
 * --config) overrides them. The file is written by the administrator and
 * is trusted, but still parsed strictly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "log.h"
#include "parse-util.h"

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

static int
parse_unsigned(const char *value, unsigned min, unsigned max, unsigned *ret)
{
	uint64_t u;

	if (parse_u64(value, &u) < 0 || u < min || u > max)
		return -ERANGE;
	*ret = (unsigned) u;
	return 0;
}

static int
conf_handler(const char *section, const char *key, const char *value, unsigned line,
    void *userdata, struct ini_error *err)
{
	struct conf *c = userdata;
	unsigned u;

	if (strcmp(section, "Daemon") != 0) {
		snprintf(err->message, sizeof(err->message), "unknown section [%s]", section);
		return -EBADMSG;
	}
	if (strcmp(key, "Socket") == 0) {
		if (value[0] != '/' || strlen(value) >= 108)
			goto bad;
		free(c->socket_path);
		c->socket_path = strdup(value);
		return c->socket_path ? 0 : -ENOMEM;
	}
	if (strcmp(key, "PolicyDirectory") == 0) {
		if (value[0] != '/')
			goto bad;
		return strv_push(&c->policy_dirs, value);
	}
	if (strcmp(key, "LogLevel") == 0) {
		static const char *const names[] = { "emerg", "alert", "crit", "err",
			"warning", "notice", "info", "debug" };

		for (size_t i = 0; i < ELEMENTSOF(names); i++)
			if (strcmp(value, names[i]) == 0) {
				c->log_level = (int) i;
				return 0;
			}
		goto bad;
	}
	if (strcmp(key, "AnonymousUidRange") == 0) {
		unsigned lo, hi;
		char tail;

		if (sscanf(value, "%u-%u%c", &lo, &hi, &tail) != 2 || lo < 1000 || hi < lo ||
		    hi >= 0x7fffffff)
			goto bad;
		c->uid_min = lo;
		c->uid_max = hi;
		return 0;
	}
	if (strcmp(key, "MaxConnectionsPerUser") == 0) {
		if (parse_unsigned(value, 1, 65536, &u) < 0)
			goto bad;
		c->max_conns_per_uid = u;
		return 0;
	}
	if (strcmp(key, "MaxConnections") == 0) {
		if (parse_unsigned(value, 1, 65536, &u) < 0)
			goto bad;
		c->max_conns = u;
		return 0;
	}
	if (strcmp(key, "MaxSandboxesPerUser") == 0) {
		if (parse_unsigned(value, 1, 65536, &u) < 0)
			goto bad;
		c->max_sandboxes_per_uid = u;
		return 0;
	}
	if (strcmp(key, "MaxSandboxes") == 0) {
		if (parse_unsigned(value, 1, 65536, &u) < 0)
			goto bad;
		c->max_sandboxes = u;
		return 0;
	}
	if (strcmp(key, "ExitedSandboxLinger") == 0) {
		uint64_t ms;

		if (parse_time_ms(value, &ms) < 0 || ms > 24ull * 3600 * 1000)
			goto bad;
		c->linger_ms = ms;
		return 0;
	}
	if (strcmp(key, "BrokerTimeoutSec") == 0) {
		uint64_t ms;

		if (parse_time_ms(value, &ms) < 0 || ms < 100 || ms > 600 * 1000)
			goto bad;
		c->broker_timeout_ms = ms;
		return 0;
	}
	snprintf(err->message, sizeof(err->message), "unknown key '%s'", key);
	return -EBADMSG;
bad:
	snprintf(err->message, sizeof(err->message), "invalid value for %s: '%s'", key, value);
	return -EBADMSG;
}

int
conf_load(struct conf *c, const char *path, int optional, struct ini_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	*err = (struct ini_error) {};
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && optional)
			return 0;
		snprintf(err->message, sizeof(err->message), "%m");
		return -errno;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_SIZE_MAX) {
		snprintf(err->message, sizeof(err->message), "not a regular file of at most 64 KiB");
		return -EINVAL;
	}
	buf = malloc((size_t) st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, (size_t) st.st_size);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (strlen(buf) != (size_t) n) {
		snprintf(err->message, sizeof(err->message), "file contains a NUL byte");
		return -EBADMSG;
	}
	return ini_parse(buf, conf_handler, c, err);
}
