/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real sandboxd for integration tests: started from $SANDBOXD on a
 * private socket in a fresh 0755 tmpdir (DIR/s.sock, policies from
 * DIR/policies, stderr to DIR/sandboxd.log), stopped with SIGTERM.
 * Plus process, fd and command helpers. Test code: failures abort or
 * return -1, never leave a half-started daemon behind.
 */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "sandbox-client.h"
#include "testlib.h"

struct testdaemon {
	char	*dir;		/* tmpdir, 0755 */
	char	*socket;	/* DIR/s.sock */
	char	*policy_dir;	/* DIR/policies */
	char	*log_path;	/* DIR/sandboxd.log */
	pid_t	pid;		/* 0 when not running */
	pid_t	cgroup_pid;	/* 0: cgroups named after the daemon's pid; else after this
				 * one, so that a restarted daemon finds what a dead one left */
};

/* The test cgroup a daemon runs in, DIR = /sys/fs/cgroup[/CTL]<ours>/sandboxd-itest-PID,
 * for ctl "memory", "pids", "cpuacct" or "" (v2); NULL if we have none. malloc'd. */
char *testlib_cgroup_dir(const char *ctl, pid_t pid);

/* Creates the tmpdir and DIR/policies; does not start anything. */
struct testdaemon *testdaemon_new(void);
/* Starts $SANDBOXD with the given extra arguments (NULL-terminated, may be
 * NULL) and waits (≤ 5 s) until the socket accepts. Also sets
 * $SANDBOXD_SOCKET for children. Returns 0 or -1 (log printed to stderr). */
int testdaemon_start(struct testdaemon *d, const char *const *extra_args);
/* SIGTERM and wait (≤ 20 s, then SIGKILL). Returns the wait status or -1. */
int testdaemon_stop(struct testdaemon *d);
/* Sends a signal to the daemon. */
int testdaemon_signal(struct testdaemon *d, int sig);
/* Stops if running, removes the tmpdir. NULL ok. */
void testdaemon_free(struct testdaemon *d);

/* Writes DIR/policies/NAME.policy. */
void testdaemon_write_policy(struct testdaemon *d, const char *name, const char *text);
/* Returns the whole log (malloc'd, never NULL). */
char *testdaemon_read_log(struct testdaemon *d);
/* Number of occurrences of needle in the log. */
unsigned testdaemon_log_count(struct testdaemon *d, const char *needle);
/* Polls until the log contains needle at least n times; true if so. */
bool testdaemon_wait_log(struct testdaemon *d, const char *needle, unsigned n, int timeout_ms);

/* The text of policies/default.policy from the source tree with extra
 * lines inserted right after its [Filesystem] header. malloc'd. */
char *testlib_default_policy_with(const char *filesystem_lines);
/*
 * One daemon per TCase, as a Check unchecked fixture:
 * tcase_add_unchecked_fixture(tc, testdaemon_fixture_up, testdaemon_fixture_down).
 * testdaemon_fixture is the running daemon between the two.
 */
extern struct testdaemon *testdaemon_fixture;
/* A daemon with the built-in policies only. */
void testdaemon_fixture_up(void);
/* A daemon with the "escape" policy too (testdaemon_start_with_escape()). */
void testdaemon_fixture_up_escape(void);
void testdaemon_fixture_down(void);
/* A daemon with policy name, default's text with filesystem_lines
 * (testlib_default_policy_with()), besides the built-in ones. */
void testdaemon_fixture_up_default_with(const char *name, const char *filesystem_lines);

/* A new daemon with policy name (text) besides the built-in ones,
 * started; aborts the test if it cannot start. */
struct testdaemon *testdaemon_start_with_policy(const char *name, const char *text);
/* A new daemon with the "escape" policy (default plus the helpers bound
 * at /opt/helpers), started; aborts the test if it cannot start. */
struct testdaemon *testdaemon_start_with_escape(void);
/* Absolute path of the integration helpers' build directory. */
const char *testlib_helpers_dir(void);
/* Removes path and everything below it, best effort (errors are ignored). */
void testlib_rm_rf(const char *path);

/*
 * A host tree for broker tests: testlib_tree_new() makes a fresh 0755
 * directory /var/tmp/PREFIX.XXXXXX (a policy cannot bind /tmp paths) and
 * returns its malloc'd path; the others make and read files in it,
 * asserting each step. uid (uid_t)-1 leaves the owner as made.
 */
char *testlib_tree_new(const char *prefix);
/* path created or truncated with text, then exactly mode, owned by uid:uid. */
void testlib_tree_put(const char *path, const char *text, mode_t mode, uid_t uid);
/* A directory, exactly 0755, owned by uid:uid. */
void testlib_tree_dir(const char *path, uid_t uid);
void testlib_tree_symlink(const char *target, const char *path);
/* What path holds, not through a symlink: malloc'd, "(missing)" if it
 * cannot be opened, "(unreadable)" if it cannot be read. */
char *testlib_tree_content(const char *path);
/* Whether path exists (lstat). */
bool testlib_tree_exists(const char *path);
/*
 * What each case's setup started, in memory shared with the test runner's
 * parent: Check runs a case in a child that exits at the first failed
 * assertion without running the checked teardown, so the unchecked one
 * (in the parent, testlib_leftovers_down()) stops the daemons and removes
 * the trees of the cases that failed.
 */
struct testlib_leftover {
	pid_t	pid;			/* a test daemon */
	bool	done;			/* stopped by the checked teardown */
	char	base[128];		/* its host tree */
	char	daemon_dir[128];
	pid_t	fuse_pid;		/* a FUSE server mounted at fuse_mnt, */
	char	fuse_mnt[192];		/* "" once it is gone */
	char	fuse_conn[32];		/* MAJOR:MINOR of its connection */
};
/* The unchecked fixture's up and down; down first calls cleanup (if any)
 * on each entry not done. */
void testlib_leftovers_up(void);
void testlib_leftovers_down(void (*cleanup)(struct testlib_leftover *l));
/* Registers a daemon and its tree (NULL outside a fixture, or if full). */
struct testlib_leftover *testlib_leftover_add(pid_t pid, const char *base, const char *daemon_dir);
/* The entry of pid, or NULL. */
struct testlib_leftover *testlib_leftover_find(pid_t pid);
/* pid's daemon was stopped (or is gone): nothing left to stop. */
void testlib_leftover_done(pid_t pid);

/* A checked teardown's part for a daemon registered with its tree: d
 * stopped and freed (its entry done), tree removed and freed. NULL ok. */
void testlib_leftover_free(struct testdaemon *d, char *tree);

/* Strings a case keeps until testlib_keep_free() (its checked teardown). */
const char *testlib_keep(char *s);
void testlib_keep_free(void);

/* Counts the processes whose /proc/PID/file (open for reading) match()
 * accepts. Returns the count, or a negative errno if /proc cannot be read. */
int testlib_count_procs(const char *file, bool (*match)(FILE *f, void *userdata),
    void *userdata);

/* Processes on the host whose real uid is uid (scan of /proc). */
unsigned testlib_count_uid_procs(uid_t uid);
/* Polls until no process has real uid uid; true if it got there. */
bool testlib_wait_no_uid_procs(uid_t uid, int timeout_ms);

/*
 * Runs argv (argv[0] a path) with stdin from `input` (NULL: /dev/null),
 * optionally as another uid/gid (uid (uid_t)-1: unchanged; setgroups
 * cleared), capturing stdout and stderr into malloc'd strings (either
 * pointer may be NULL). Gives up with SIGKILL after timeout_ms. Returns the
 * wait status, or -1.
 */
int testlib_run_cmd(const char *const *argv, const char *input, uid_t uid, gid_t gid,
    int timeout_ms, char **ret_out, char **ret_err);
/* $SANDBOXCTL with the given arguments (NULL-terminated), as root, 60 s. */
int testlib_sandboxctl(const char *input, char **ret_out, char **ret_err, ...)
    __attribute__((sentinel));
/* Same, as uid/gid, with stdin from input (NULL: /dev/null). */
int testlib_sandboxctl_input_as(const char *input, uid_t uid, gid_t gid, char **ret_out,
    char **ret_err, ...) __attribute__((sentinel));
#define testlib_sandboxctl_as(uid, gid, ret_out, ret_err, ...) \
	testlib_sandboxctl_input_as(NULL, (uid), (gid), (ret_out), (ret_err), __VA_ARGS__)

/* Starts $SANDBOXCTL with the given arguments (NULL-terminated) as uid/gid
 * ((uid_t)-1: as we are) and returns at once: its pid (ours to reap), and
 * our ends of its stdin and stdout pipes (ours to close); its stderr is
 * ours. Aborts if it cannot. */
pid_t testlib_sandboxctl_start(uid_t uid, gid_t gid, int *ret_stdin, int *ret_stdout, ...)
    __attribute__((sentinel));
/* /bin/sh -c script as uid/gid (uid (uid_t)-1: root), 60 s, with $SANDBOXCTL
 * naming a sandboxctl that uid can run: for pipelines through sandboxctl
 * ("... | \"$SANDBOXCTL\" run -- ... | ..."), binary data included. */
int testlib_sandboxctl_sh_as(uid_t uid, gid_t gid, const char *script, char **ret_out,
    char **ret_err);

/* /usr/bin/python3 -c script with input (NULL: none) on its stdin, as
 * root, 30 s: its exit code; its stdout and stderr in *ret_out and
 * *ret_err (malloc'd; either pointer may be NULL). */
int testlib_python(const char *script, const char *input, char **ret_out, char **ret_err);
/* Fails the test unless a terminal may show s as it is: no C0 control but
 * newline (and tab when tab_ok), no DEL, no C1 control, valid UTF-8
 * (decoded strictly, whatever the locale). what names s in the message. */
void testlib_assert_printable(const char *what, const char *s, bool tab_ok);

/* Exit code as sandboxctl-style: the exit status, or 128+signal, or -1. */
int testlib_exit_code(int wstatus);

/* Prints "1..0 # SKIP why" and returns true if the integration tests
 * cannot run here (not root, no user namespaces, no $SANDBOXD). */
bool testlib_integration_skip(void);
/* An integration test's main(): skips (exit 0) as testlib_integration_skip()
 * says, else runs the suite make_suite() builds and returns the exit status. */
int testdaemon_main(Suite *(*make_suite)(void));
/* TESTLIB_MAIN() for an integration test: skips as testlib_integration_skip() says. */
#define TESTDAEMON_MAIN(name, ...) TESTLIB_MAIN_SKIP(testlib_integration_skip, name, __VA_ARGS__)

/* One sandbox run through the library, with its stdio captured. */
struct testlib_run {
	uint64_t	id;
	uid_t		uid;		/* anonymous uid (from STATUS just after spawn), or -1 */
	char		*out;		/* stdout, stderr of the target (malloc'd) */
	char		*err;
	int		wait_r;		/* sandbox_wait()'s return */
	int		exited;		/* copied from sandbox_exit */
	int		status;
	char		limit[32];
	uint64_t	wall_usec;
};
/*
 * Spawns argv with options o (NULL: defaults; its stdio is overridden with
 * pipes; input NULL means /dev/null) on c, reads stdout/stderr to EOF and
 * waits for EXITED (≤ timeout_ms). Returns sandbox_spawn()'s error (< 0,
 * with *ret's strings empty) or 0.
 */
int testlib_spawn(sandbox_client *c, sandbox_spawn_options *o, const char *input,
    const char *const *argv, int timeout_ms, struct testlib_run *ret);
/* Same with stdin_fd (not closed) as the target's stdin. */
int testlib_spawn_fd(sandbox_client *c, sandbox_spawn_options *o, int stdin_fd,
    const char *const *argv, int timeout_ms, struct testlib_run *ret);
void testlib_run_done(struct testlib_run *r);
/* Connects to $SANDBOXD_SOCKET; aborts the test (ck_abort) on failure. */
sandbox_client *testlib_connect(void);
