/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsandbox-client: the public API of sandboxd.
 *
 * Every function that can fail returns an int: >= 0 on success, a negative
 * errno on failure. The errors are documented in libsandbox-client(3);
 * anything else is reported as -EIO. Bad arguments give -EINVAL.
 * A sandbox_client is not thread-safe: use one per thread.
 */
#ifndef SANDBOX_CLIENT_H
#define SANDBOX_CLIENT_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sandbox_client sandbox_client;
typedef struct sandbox_spawn_options sandbox_spawn_options;
typedef struct sandbox_info sandbox_info;
typedef struct sandbox_exit sandbox_exit;

/* The default control socket. $SANDBOXD_SOCKET overrides it. */
#define SANDBOX_DEFAULT_SOCKET "/run/sandboxd/sandboxd.sock"

/*
 * Connects to sandboxd and performs the HELLO exchange. path may be NULL:
 * then $SANDBOXD_SOCKET, or SANDBOX_DEFAULT_SOCKET. On success *ret owns a
 * close-on-exec socket. Errors: -ENOENT/-ECONNREFUSED (no daemon),
 * -EPROTONOSUPPORT (version mismatch), -EACCES, -EUSERS (too many
 * connections for this uid).
 */
int sandbox_client_connect(const char *path, sandbox_client **ret);
/* Closes the connection; sandboxes it spawned without DETACH end. NULL ok. */
sandbox_client *sandbox_client_free(sandbox_client *c);
/* The connection's fd, for poll(): readable when an event may be waiting. */
int sandbox_client_get_fd(const sandbox_client *c);
/* The last error message the daemon sent, or NULL. Valid until the next call. */
const char *sandbox_client_last_error(const sandbox_client *c);

/* Spawn options: NULL-safe, copied at set time. */
int sandbox_spawn_options_new(sandbox_spawn_options **ret);
sandbox_spawn_options *sandbox_spawn_options_free(sandbox_spawn_options *o);
int sandbox_spawn_options_set_policy(sandbox_spawn_options *o, const char *name);
int sandbox_spawn_options_set_cwd(sandbox_spawn_options *o, const char *cwd);
/* Adds "KEY=value" to the environment (none by default but the policy's). */
int sandbox_spawn_options_add_env(sandbox_spawn_options *o, const char *kv);
/* The target's stdin/stdout/stderr: fds are duplicated at spawn time;
 * -1 (the default) means /dev/null. */
int sandbox_spawn_options_set_stdio(sandbox_spawn_options *o, int in, int out, int err);
/* Narrowing: 0 keeps the policy's value; more than the policy allows is
 * refused by the daemon with -EPERM. */
int sandbox_spawn_options_set_timeout_ms(sandbox_spawn_options *o, uint64_t ms);
int sandbox_spawn_options_set_memory_max(sandbox_spawn_options *o, uint64_t bytes);
int sandbox_spawn_options_set_tasks_max(sandbox_spawn_options *o, uint64_t n);
int sandbox_spawn_options_set_cpu_ms(sandbox_spawn_options *o, uint64_t ms);
int sandbox_spawn_options_set_nofile_max(sandbox_spawn_options *o, uint64_t n);
int sandbox_spawn_options_set_fsize_max(sandbox_spawn_options *o, uint64_t bytes);
/* Keep the sandbox running when this connection closes. */
int sandbox_spawn_options_set_detach(sandbox_spawn_options *o, int detach);
/* Learning mode (root only; sandboxd.policy(5), LEARNING A POLICY): what
 * the policy refuses is allowed and recorded, and the sandbox's exit
 * brings the learned policy (sandbox_learned_policy()). */
int sandbox_spawn_options_set_learn(sandbox_spawn_options *o, int learn);

/*
 * Starts argv[0] (searched in the sandbox's $PATH when it has no '/')
 * confined. On success the target has exec'd and *ret_id names the sandbox.
 * Errors: -ENOENT (no such policy or binary; see sandbox_client_last_error),
 * -EPERM (narrowing widened a limit), -EDQUOT (too many sandboxes for this
 * uid), -EOPNOTSUPP (the kernel lacks something the policy requires),
 * -E2BIG (argv/env too large).
 */
int sandbox_spawn(sandbox_client *c, const sandbox_spawn_options *o, char *const argv[],
    uint64_t *ret_id);

/* How a sandbox ended. */
struct sandbox_exit {
	uint64_t	id;
	int		exited;		/* 1: exit code in status; 0: killed by signal status */
	int		status;
	const char	*limit;		/* "none", "timeout", "memory", "tasks", "cpu", "killed", "shutdown", "file-size" */
	uint64_t	cpu_usec;
	uint64_t	memory_peak;	/* bytes */
	uint64_t	wall_usec;
};

/*
 * Waits for the exit of a sandbox this connection spawned (id 0: any).
 * timeout_ms < 0 waits for ever. Returns 0 and fills *ret, -ETIMEDOUT,
 * -ECONNRESET if the daemon went away, -ESRCH if id is not ours.
 */
int sandbox_wait(sandbox_client *c, uint64_t id, int timeout_ms, sandbox_exit *ret);

/* The learned policy of a learning sandbox whose exit sandbox_wait() has
 * just returned (the text is the caller's to free): -ENOENT if there is
 * none for id (not a learning spawn, or another exit since). */
int sandbox_learned_policy(sandbox_client *c, uint64_t id, char **ret);

/* Sends signal sig to the sandbox's target. -ESRCH: no such sandbox
 * visible to this user; -EPERM: not yours. */
int sandbox_kill(sandbox_client *c, uint64_t id, int sig);

/* Snapshot of sandboxes visible to this user (root sees all). */
int sandbox_list(sandbox_client *c, sandbox_info ***ret, size_t *ret_n);
int sandbox_status(sandbox_client *c, uint64_t id, sandbox_info **ret);
sandbox_info *sandbox_info_free(sandbox_info *i);
void sandbox_info_list_free(sandbox_info **v, size_t n);

uint64_t sandbox_info_get_id(const sandbox_info *i);
uid_t sandbox_info_get_owner_uid(const sandbox_info *i);
pid_t sandbox_info_get_owner_pid(const sandbox_info *i);
pid_t sandbox_info_get_pid(const sandbox_info *i);
uid_t sandbox_info_get_uid(const sandbox_info *i);
const char *sandbox_info_get_state(const sandbox_info *i);	/* "starting", "running", "exited" */
const char *sandbox_info_get_limit(const sandbox_info *i);
const char *sandbox_info_get_policy(const sandbox_info *i);
const char *sandbox_info_get_command(const sandbox_info *i);
uint64_t sandbox_info_get_start_usec(const sandbox_info *i);	/* CLOCK_REALTIME µs */
uint64_t sandbox_info_get_cpu_usec(const sandbox_info *i);
uint64_t sandbox_info_get_memory_current(const sandbox_info *i);
uint64_t sandbox_info_get_memory_peak(const sandbox_info *i);
uint64_t sandbox_info_get_tasks_current(const sandbox_info *i);
uint64_t sandbox_info_get_timeout_ms(const sandbox_info *i);
uint64_t sandbox_info_get_memory_max(const sandbox_info *i);
uint64_t sandbox_info_get_tasks_max(const sandbox_info *i);
uint64_t sandbox_info_get_cpu_ms(const sandbox_info *i);
/* Broker activity: requests answered, requests denied, and the last
 * denial as "ACTION PATH: error" (NULL if none). */
uint64_t sandbox_info_get_broker_requests(const sandbox_info *i);
uint64_t sandbox_info_get_broker_denied(const sandbox_info *i);
const char *sandbox_info_get_last_denial(const sandbox_info *i);
/* Named denials (sandbox_status() only): how many, and the k-th's name
 * (the call, the broker action or the path; NULL past the end), layer
 * ("seccomp", "broker", "view"), count, errno the caller got, and whether
 * it is a call no policy may allow. Any ret_ may be NULL. */
size_t sandbox_info_get_n_denials(const sandbox_info *i);
const char *sandbox_info_get_denial(const sandbox_info *i, size_t k, const char **ret_layer,
    uint64_t *ret_count, int *ret_error, int *ret_forbidden);

/* Policies known to the daemon: NULL-terminated vectors of names and of
 * descriptions, freed with sandbox_strv_free(). */
int sandbox_policy_list(sandbox_client *c, char ***ret_names, char ***ret_descriptions);
/* The policy's source text. Free with free(). */
int sandbox_policy_show(sandbox_client *c, const char *name, char **ret_text);
/* The policy's text after its Include= lines: what it includes, then its
 * own lines, as one policy text. Free with free(). */
int sandbox_policy_show_effective(sandbox_client *c, const char *name, char **ret_text);
/* Asks the daemon to check text as a policy (in an unprivileged child of
 * its own). 0 if valid, -EBADMSG if not; either way
 * sandbox_client_last_error() then holds every error and warning found,
 * one "filename:line: severity: message" line each (NULL if none).
 * -EAGAIN: too many checks at once; -ETIMEDOUT: the check took too long. */
int sandbox_policy_check(sandbox_client *c, const char *filename, const char *text);
void sandbox_strv_free(char **v);

/*
 * The target side: asking the broker. Inside a sandbox, the daemon performs
 * the file and socket actions the policy's [Broker] section allows and
 * hands back file descriptors. These functions need no set-up: they find
 * the channel through $SANDBOX_BROKER_FD (fd 3). They are thread-safe
 * (requests are serialized on the one channel). Paths are absolute host
 * paths as the policy names them.
 *
 * All return >= 0 on success or a negative errno: -EACCES (the policy or
 * the sandbox owner's permissions do not allow it), -ENOENT, -EEXIST,
 * -ENOTDIR, -EISDIR, -ELOOP, -EXDEV (a path would leave the rule's tree),
 * -ENAMETOOLONG, -EINVAL (bad flags), -ENOTCONN (not in a sandbox, or the
 * channel was closed), -ECONNREFUSED and friends for connect.
 */

/* flags: O_RDONLY, O_WRONLY or O_RDWR, with O_CREAT, O_EXCL, O_TRUNC,
 * O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC. Returns a new fd the caller
 * owns. Where Landlock confines the sandbox, a directory opened with
 * O_DIRECTORY can be read with getdents; where it does not, directories
 * are refused (-EISDIR): list them with sandbox_broker_readdir(). */
int sandbox_broker_open(const char *path, int flags, mode_t mode);
/* endpoint: "unix:/path", "tcp:HOST:PORT" or "udp:HOST:PORT", exactly as
 * a Connect= rule names it. Returns a connected socket (close-on-exec) the
 * caller owns: for unix: the socket itself; for tcp: and udp: an AF_UNIX
 * stream or seqpacket socket the daemon relays to the one it keeps (see
 * sandboxd.policy(5)). */
int sandbox_broker_connect(const char *endpoint);
int sandbox_broker_stat(const char *path, struct stat *ret);
/* mode: F_OK or any of R_OK, W_OK, X_OK. */
int sandbox_broker_access(const char *path, int mode);
/* Fills buf (NUL-terminated); returns the length. */
int sandbox_broker_readlink(const char *path, char *buf, size_t size);
int sandbox_broker_mkdir(const char *path, mode_t mode);
int sandbox_broker_unlink(const char *path);
int sandbox_broker_rmdir(const char *path);
int sandbox_broker_rename(const char *from, const char *to);
/* The entries of a directory (without . and ..), in the directory's
 * order, fetched a page at a time: a directory that changes meanwhile may
 * show an entry twice or not at all. *ret is an array the caller frees
 * with free(); returns the count (also in *ret_n), -E2BIG beyond
 * SANDBOX_BROKER_READDIR_MAX entries. Needs the read right, like open. */
#define SANDBOX_BROKER_READDIR_MAX	65536
struct sandbox_broker_dirent {
	unsigned char	type;		/* DT_* from <dirent.h>; DT_UNKNOWN: stat it */
	char		name[256];
};
int sandbox_broker_readdir(const char *path, struct sandbox_broker_dirent **ret, size_t *ret_n);

#ifdef __cplusplus
}
#endif
#endif
