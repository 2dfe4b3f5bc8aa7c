/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure helpers of target.c (see target-request.h): they trust nothing of
 * the request but its having been decoded, and touch nothing but memory.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "macro.h"
#include "target-request.h"

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* Narrowing: a request may lower a limit, never raise it. */
static int
narrow_one(uint64_t *limit, uint64_t asked, const char *what, struct error_msg *err)
{
	if (asked == 0)
		return 0;
	if (asked > *limit)
		return error_msg_setf(err, EPERM, "requested %s %llu exceeds the policy's limit %llu",
		    what, (unsigned long long) asked, (unsigned long long) *limit);
	*limit = asked;
	return 0;
}

static void
at_least(uint64_t *limit, uint64_t floor)
{
	if (*limit < floor)
		*limit = floor;
}

void
target_learn_limits(struct policy_limits *limits)
{
	at_least(&limits->memory_max, UINT64_C(2) << 30);
	at_least(&limits->tasks_max, 512);
	at_least(&limits->nofile_max, 1024);
	at_least(&limits->fsize_max, UINT64_C(1) << 30);
	at_least(&limits->cpu_ms, 10 * 60 * 1000);
	at_least(&limits->timeout_ms, 10 * 60 * 1000);
}

int
target_narrow_limits(struct policy_limits *limits, const struct policy_limits *asked,
    struct error_msg *err)
{
	int r;

	if ((r = narrow_one(&limits->timeout_ms, asked->timeout_ms, "timeout (ms)", err)) < 0 ||
	    (r = narrow_one(&limits->memory_max, asked->memory_max, "memory (bytes)", err)) < 0 ||
	    (r = narrow_one(&limits->tasks_max, asked->tasks_max, "tasks", err)) < 0 ||
	    (r = narrow_one(&limits->cpu_ms, asked->cpu_ms, "CPU time (ms)", err)) < 0 ||
	    (r = narrow_one(&limits->nofile_max, asked->nofile_max, "open files", err)) < 0 ||
	    (r = narrow_one(&limits->fsize_max, asked->fsize_max, "file size (bytes)", err)) < 0)
		return r;
	return 0;
}

static int
env_key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq && eq != kv ? (int) (eq - kv) : -1;
}

int
target_build_env(char *const *defaults, const char *const *req, char ***ret,
    struct error_msg *err)
{
	size_t nd = strv_length(defaults), nr = strv_length((char *const *) req), n = 0;
	_cleanup_strv_free_ char **v = calloc(nd + nr + 3, sizeof(char *));
	bool have_path = false;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++)
		if (env_key_len(req[i]) < 0)
			return error_msg_setf(err, EINVAL, "invalid environment entry '%.64s'", req[i]);
	for (size_t i = 0; i < nd + nr; i++) {
		const char *kv = i < nd ? defaults[i] : req[i - nd];
		int kl = env_key_len(kv);
		size_t j;

		if (kl < 0)
			continue;
		for (j = 0; j < n; j++)
			if (env_key_len(v[j]) == kl && strncmp(v[j], kv, (size_t) kl) == 0)
				break;
		if (j < n)
			free(v[j]);
		v[j] = strdup(kv);
		if (!v[j])
			return -ENOMEM;
		if (j == n)
			n++;
		if (kl == 4 && strncmp(kv, "PATH", 4) == 0)
			have_path = true;
	}
	if (!have_path && !(v[n++] = strdup("PATH=" DEFAULT_PATH)))
		return -ENOMEM;
	/* Where the broker channel is: ours to say, never the client's. */
	for (size_t j = 0; j < n; j++)
		if (strncmp(v[j], SBX_BROKER_FD_ENV "=", strlen(SBX_BROKER_FD_ENV) + 1) == 0) {
			free(v[j]);
			v[j] = v[--n];
			v[n] = NULL;
			break;
		}
	if (!(v[n++] = strdup(SBX_BROKER_FD_ENV "=" STRINGIFY(SBX_BROKER_FD))))
		return -ENOMEM;
	*ret = TAKE_PTR(v);
	return 0;
}

const char *
target_env_path(char *const *envp)
{
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			return *e + 5;
	return NULL;
}

char *
target_join_argv(const char *const *argv)
{
	size_t l = 0;
	char *s;

	for (size_t i = 0; argv[i]; i++)
		l += strlen(argv[i]) + 1;
	s = malloc(l + 1);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0, o = 0; argv[i]; i++) {
		size_t k = strlen(argv[i]);

		if (i > 0)
			s[o++] = ' ';
		memcpy(s + o, argv[i], k + 1);
		o += k;
	}
	return s;
}

int
target_format_meminfo(char *buf, size_t size, uint64_t limit, uint64_t host_total)
{
	unsigned long long kb;
	int n;

	if (limit == POLICY_UNLIMITED)
		return 0;
	if (host_total > 0 && host_total < limit)
		limit = host_total;
	kb = (unsigned long long) (limit / 1024);
	/* The lines most programs read (free(1), libuv, glibc's own parsers
	 * look for these names), with the kernel's layout. */
	n = snprintf(buf, size,
	    "MemTotal:       %8llu kB\n"
	    "MemFree:        %8llu kB\n"
	    "MemAvailable:   %8llu kB\n"
	    "Buffers:               0 kB\n"
	    "Cached:                0 kB\n"
	    "SwapCached:            0 kB\n"
	    "Active:                0 kB\n"
	    "Inactive:              0 kB\n"
	    "SwapTotal:             0 kB\n"
	    "SwapFree:              0 kB\n"
	    "Shmem:                 0 kB\n", kb, kb, kb);
	if (n < 0 || (size_t) n >= size)
		return -ENOBUFS;
	return n;
}

uint64_t
target_rss_rlimit(uint64_t memory_max)
{
	return memory_max == POLICY_UNLIMITED ? UINT64_MAX : memory_max / 4 * 3;
}

uint64_t
target_cpu_rlimit_sec(uint64_t ms)
{
	/* RLIMIT_CPU has one-second granularity: round up, never below 1. */
	return ms == POLICY_UNLIMITED ? UINT64_MAX : (ms + 999) / 1000;
}

uint32_t
target_classify_exit(const struct cgroup_stats *cs, bool have_status, int status,
    uint64_t cpu_ms, uint32_t limit, struct sbx_exited *e)
{
	if (have_status && WIFEXITED(status)) {
		e->how = SBX_EXIT_CODE;
		e->status = WEXITSTATUS(status);
	} else {
		e->how = SBX_EXIT_SIGNAL;
		e->status = have_status ? WTERMSIG(status) : SIGKILL;
	}
	/* Which limit ended it, if the kernel or we did. */
	if (limit == SBX_LIMIT_NONE) {
		int sig = e->how == SBX_EXIT_SIGNAL ? (int) e->status : 0;

		if (cs->oom_kills > 0)
			limit = SBX_LIMIT_MEMORY;
		else if (sig == SIGXCPU || (cpu_ms != POLICY_UNLIMITED && cs->cpu_usec / 1000 >= cpu_ms))
			limit = SBX_LIMIT_CPU;
		else if (sig == SIGXFSZ)
			limit = SBX_LIMIT_FSIZE;
		else if (cs->tasks_max_hit > 0)
			limit = SBX_LIMIT_TASKS;
	}
	e->limit = limit;
	return limit;
}
