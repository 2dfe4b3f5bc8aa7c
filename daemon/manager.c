/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager: start-up (settings, policies, cgroups, Landlock probe, the
 * listening socket), accepting connections, signals (TERM/INT: orderly
 * shutdown; HUP: reload policies) and the orderly shutdown itself: stop
 * accepting, kill every sandbox, tell their requesters, tell every client,
 * flush, exit. All through one libevent base; nothing here blocks.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "action.h"
#include "broker.h"
#include "bus.h"
#include "cgroup.h"
#include "conn.h"
#include "event-util.h"
#include "landlock-abi.h"
#include "log.h"
#include "manager.h"
#include "netns-pool.h"
#include "pidns-sysctl.h"
#include "reload.h"
#include "skeleton.h"
#include "spawn.h"
#include "target.h"
#include "workers.h"

#define SHUTDOWN_TIMEOUT_SEC 5
#define NETNS_POOL_SIZE 4	/* ready network namespaces */

/* Lets the listener be readable again: the pause after running out of fds. */
static void
on_listen_resume(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	if (m->reserve_fd < 0)
		m->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!m->shutting_down && event_add(m->ev_listen, NULL) < 0)
		log_oom();
}

/*
 * accept() failed with EMFILE or ENFILE: the connection stays in the
 * backlog and the listener readable, so simply returning would spin. The
 * fd kept in reserve for this moment lets us take the connection, tell it
 * why with an ERROR and close it, which empties the backlog. Logged once
 * per shortage. Without a reserve (something took its number) we stop
 * listening for a second instead.
 */
static void
accept_out_of_fds(struct manager *m, int error)
{
	int cfd;

	if (!m->out_of_fds)
		log_warning_errno(error, "Cannot accept connections: %m; refusing them until "
		    "a file descriptor is free.");
	m->out_of_fds = true;
	m->reserve_fd = safe_close(m->reserve_fd);
	cfd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd >= 0) {
		m->n_refused_fds++;
		conn_refuse_consume(cfd, EAGAIN, "the daemon is out of file descriptors, "
		    "too many connections");
	}
	m->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (m->reserve_fd >= 0)
		return;
	event_del(m->ev_listen);
	if (evtimer_add(m->ev_listen_resume, &(struct timeval) { .tv_sec = 1 }) < 0)
		(void) event_add(m->ev_listen, NULL);
}

static void
on_accept(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;
	struct conn *c;
	struct ucred cred = {};
	socklen_t l = sizeof(cred);
	int cfd, r;

	cfd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			accept_out_of_fds(m, errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warning_errno(errno, "accept() failed, ignoring: %m");
		return;
	}
	if (m->out_of_fds) {
		log_info("Accepting connections again; %u were refused for lack of file descriptors.",
		    m->n_refused_fds);
		m->out_of_fds = false;
		m->n_refused_fds = 0;
	}
	if (m->n_conns >= m->conf.max_conns) {
		/* Keyed by the peer's uid, as every line a peer can cause. */
		(void) getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &l);
		(void) ratelimit_log(&m->peer_log, cred.uid, LOG_WARNING, 0,
		    "Too many connections (%u); refusing one from uid %u pid %d.", m->n_conns,
		    (unsigned) cred.uid, (int) cred.pid);
		conn_refuse_consume(cfd, EAGAIN, "too many connections");
		return;
	}
	r = conn_new_consume_fd(m, cfd, &c);
	if (r < 0)
		log_warning_errno(r, "Failed to set up a connection, ignoring: %m");
	else
		log_debug("New connection from uid %u pid %d.", (unsigned) c->cred.uid, (int) c->cred.pid);
}

static void
on_reload(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	int r;

	m->reload_active = false;
	if (m->shutting_down)
		return;
	r = reload_start(m->reloader, NULL, NULL, 0);
	if (r < 0)
		log_warning_errno(r, "Not reloading the policies: %m");
}

static void
on_signal(evutil_socket_t sig, short what, void *userdata)
{
	struct manager *m = userdata;

	if (sig == SIGHUP) {
		/* libevent calls us once per signal caught: a storm of them
		 * is one reload, run after what is already waiting. */
		if (!m->reload_active) {
			m->reload_active = true;
			event_active(m->ev_reload, EV_TIMEOUT, 0);
		}
		return;
	}
	log_info("Received SIG%s, shutting down.", sigabbrev_np((int) sig));
	manager_start_shutdown(m);
}

static void
finish_shutdown(struct manager *m)
{
	struct conn *c, *next;
	struct sbx_writer w;

	for (c = LIST_FIRST(&m->conns); c; c = next) {
		next = LIST_NEXT(c, link);
		sbx_writer_init(&w, SBX_MSG_SHUTDOWN, 0);
		(void) conn_send(c, &w);
		sbx_writer_done(&w);
		conn_close_after_flush(c);
	}
	/* Anything still queued gets a moment to drain. */
	(void) event_base_loopexit(m->base, &(struct timeval) { .tv_usec = 200 * 1000 });
}

static void
on_shutdown_timeout(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	log_warning("%u sandboxes did not end in time; exiting anyway.", m->n_live);
	finish_shutdown(m);
}

void
manager_start_shutdown(struct manager *m)
{
	struct target *t;
	struct timeval tv = { .tv_sec = SHUTDOWN_TIMEOUT_SEC };

	if (m->shutting_down)
		return;
	m->shutting_down = true;
	(void) sd_notify(0, "STOPPING=1");
	if (m->ev_listen)
		event_del(m->ev_listen);
	TAILQ_FOREACH(t, &m->targets, link)
		if (t->state != SBX_STATE_EXITED)
			(void) target_kill(t, SIGKILL, SBX_LIMIT_SHUTDOWN);
	if (m->n_live == 0) {
		finish_shutdown(m);
		return;
	}
	m->ev_shutdown_timeout = evtimer_new(m->base, on_shutdown_timeout, m);
	if (!m->ev_shutdown_timeout || evtimer_add(m->ev_shutdown_timeout, &tv) < 0)
		finish_shutdown(m);
}

void
manager_add_target(struct manager *m, struct target *t)
{
	TAILQ_INSERT_TAIL(&m->targets, t, link);
	m->n_live++;
	bus_sandbox_new(m->bus, t);
}

void
manager_target_changed(struct manager *m, struct target *t)
{
	bus_sandbox_changed(m->bus, t);
}

static void
remove_exited(struct manager *m, struct target *t)
{
	bus_sandbox_removed(m->bus, t);
	TAILQ_REMOVE(&m->targets, t, link);
	m->n_exited--;
	target_free(t);
}

static void
on_linger(evutil_socket_t fd, short what, void *userdata)
{
	struct target *t = userdata;

	remove_exited(t->manager, t);
}

void
manager_target_exited(struct manager *m, struct target *t)
{
	struct timeval tv = timeval_from_ms(m->conf.linger_ms);

	m->n_live--;
	m->n_exited++;
	bus_sandbox_exited(m->bus, t);
	/* Exited records are bounded: the oldest goes first. */
	if (m->n_exited > TARGET_EXITED_MAX) {
		struct target *o;

		TAILQ_FOREACH(o, &m->targets, link)
			if (o != t && o->state == SBX_STATE_EXITED && o->ev_linger) {
				remove_exited(m, o);
				break;
			}
	}
	t->ev_linger = evtimer_new(m->base, on_linger, t);
	if (!t->ev_linger || evtimer_add(t->ev_linger, &tv) < 0 || m->shutting_down)
		remove_exited(m, t);
	if (m->shutting_down && m->n_live == 0)
		finish_shutdown(m);
}

/* One spare root per turn of the loop, so a spawn never waits long. */
static void
on_spares(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	if (m->shutting_down)
		return;
	for (size_t i = 0; i < m->policies->n; i++) {
		struct policy *p = m->policies->policies[i];
		int r;

		if (p->spare_root >= 0)
			continue;
		r = skeleton_make(p);
		if (r < 0)
			return;		/* logged; the next spawn makes its own */
		p->spare_root = r;
		event_active(m->ev_spares, EV_TIMEOUT, 0);
		return;
	}
}

void
manager_want_spares(struct manager *m)
{
	if (m->ev_spares)
		event_active(m->ev_spares, EV_TIMEOUT, 0);
}

#define CGROUP_RETRY_USEC (20 * 1000)
#define CGROUP_RETRY_MAX 500	/* 10 s of retries */

static void
arm_cgroup_retry(struct manager *m)
{
	struct timeval tv = { .tv_usec = CGROUP_RETRY_USEC };

	if (m->ev_cgroups && !evtimer_pending(m->ev_cgroups, NULL))
		(void) evtimer_add(m->ev_cgroups, &tv);
}

void
manager_release_cgroup(struct manager *m, const char *name)
{
	struct dead_cgroup *v;
	int r;

	r = cgroup_destroy(m->cgroup_mode, name);
	if (r == 0)
		return;
	if (r != -EBUSY) {
		log_warning_errno(r, "Cannot remove cgroup '%s', ignoring: %m", name);
		return;
	}
	v = reallocarray(m->dead_cgroups, m->n_dead_cgroups + 1, sizeof(*v));
	if (!v) {
		log_oom();
		return;
	}
	m->dead_cgroups = v;
	v[m->n_dead_cgroups].name = strdup(name);
	v[m->n_dead_cgroups].tries = 0;
	if (!v[m->n_dead_cgroups].name) {
		log_oom();
		return;
	}
	m->n_dead_cgroups++;
	arm_cgroup_retry(m);
}

static void
on_cgroup_retry(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;
	size_t j = 0;

	for (size_t i = 0; i < m->n_dead_cgroups; i++) {
		struct dead_cgroup *d = &m->dead_cgroups[i];
		int r = cgroup_destroy(m->cgroup_mode, d->name);

		if (r == -EBUSY && ++d->tries < CGROUP_RETRY_MAX) {
			m->dead_cgroups[j++] = *d;
			continue;
		}
		if (r < 0)
			log_warning_errno(r, "Cannot remove cgroup '%s', giving up: %m", d->name);
		free(d->name);
	}
	m->n_dead_cgroups = j;
	if (j > 0)
		arm_cgroup_retry(m);
}

/* At exit, outside the loop: what is still leaving gets a moment. */
static void
flush_dead_cgroups(struct manager *m)
{
	for (size_t i = 0; i < m->n_dead_cgroups; i++) {
		(void) cgroup_destroy_wait(m->cgroup_mode, m->dead_cgroups[i].name, 2000);
		free(m->dead_cgroups[i].name);
	}
	free(m->dead_cgroups);
	m->dead_cgroups = NULL;
	m->n_dead_cgroups = 0;
}

unsigned
manager_count_conns(struct manager *m, uid_t uid)
{
	struct conn *c;
	unsigned n = 0;

	LIST_FOREACH(c, &m->conns, link)
		if (c->cred.uid == uid)
			n++;
	return n;
}

static unsigned
count_live(struct manager *m, uid_t uid)
{
	struct target *t;
	unsigned n = 0;

	TAILQ_FOREACH(t, &m->targets, link)
		if (t->owner_uid == uid && t->state != SBX_STATE_EXITED)
			n++;
	return n;
}

bool
manager_may_spawn(struct manager *m, uid_t uid)
{
	return count_live(m, uid) < m->conf.max_sandboxes_per_uid && m->n_live < m->conf.max_sandboxes;
}

struct target *
manager_find_target(struct manager *m, uint64_t id)
{
	struct target *t;

	TAILQ_FOREACH(t, &m->targets, link)
		if (t->id == id)
			return t;
	return NULL;
}

int
manager_new(struct manager **ret)
{
	struct manager *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	conf_init(&m->conf);
	m->listen_fd = -1;
	m->self_pidfd = -1;
	m->lock_fd = -1;
	m->reserve_fd = -1;
	ratelimit_init(&m->peer_log, RATELIMIT_INTERVAL_USEC, RATELIMIT_BURST);
	LIST_INIT(&m->conns);
	TAILQ_INIT(&m->targets);
	if (!m->conf.socket_path) {
		free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

/* What a sandbox's pid 1 does once the target runs: wait, forward
 * signals, report, exit. Written as a policy, compiled like one. */
static int
init_filter(struct policy **ret)
{
	static const char text[] =
	    "[SystemCalls]\n"
	    "Allow=wait4 waitid kill write close exit exit_group rt_sigreturn restart_syscall\n"
	    "Action=kill\n";
	struct ini_error err = {};
	struct policy *p = NULL;
	int r;

	r = policy_parse("sandbox-init", NULL, text, &p, &err);
	if (r >= 0)
		r = policy_compile(p, &err);
	if (r < 0) {
		policy_unref(p);
		return log_error_errno(r, "Failed to build the sandbox init's seccomp filter: %s",
		    err.message);
	}
	*ret = p;
	return 0;
}

/* As systemd does: the soft limit exists for select(), which we do not
 * use; each sandbox and each connection costs the daemon a few fds. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warning_errno(errno, "Cannot raise the open-files limit to %llu, ignoring: %m",
		    (unsigned long long) rl.rlim_max);
}

static int
manager_setup(struct manager *m)
{
	struct event **sigs[] = { &m->ev_sigterm, &m->ev_sigint, &m->ev_sighup };
	const int signums[] = { SIGTERM, SIGINT, SIGHUP };
	char missing[256];
	int r;

	raise_nofile();
	/* Every sandbox's init checks this after its identity switch, so
	 * that a daemon that died early cannot leave it running. */
	m->self_pidfd = (int) syscall(SYS_pidfd_open, getpid(), 0);
	if (m->self_pidfd < 0)
		return log_error_errno(errno, "Failed to open a pidfd of the daemon: %m");
	r = init_filter(&m->init_policy);
	if (r < 0)
		return r;	/* logged */
	r = creds_init();
	if (r < 0)
		return log_error_errno(r, "Failed to read the daemon's groups: %m");
	r = uid_pool_init(&m->uids, m->conf.uid_min, m->conf.uid_max);
	if (r < 0)
		return log_oom();
	if (mkdir(SANDBOXD_RUNDIR, 0755) < 0 && errno != EEXIST)
		return log_error_errno(errno, "Failed to create %s: %m", SANDBOXD_RUNDIR);
	if (mkdir(SANDBOXD_RUNDIR "/root", 0700) < 0 && errno != EEXIST)
		return log_error_errno(errno, "Failed to create %s/root: %m", SANDBOXD_RUNDIR);
	target_remove_stale_meminfo();

	r = policy_store_load(m->conf.policy_dirs, &m->policies);
	if (r < 0)
		return log_error_errno(r, "Failed to load policies: %m");
	log_info("Loaded %zu policies.", m->policies->n);

	m->cgroup_mode = cgroup_setup();
	m->landlock_abi = landlock_abi_version();
	if (landlock_abi_missing(m->landlock_abi, missing, sizeof(missing)) > 0)
		/* Once, here: each spawn builds what this ABI has, silently. */
		log_notice("Landlock ABI %d: sandboxes run with its file-system rules only, %s; "
		    "their mount namespace and seccomp filter still apply.", m->landlock_abi,
		    missing);
	else if (m->landlock_abi > 0)
		log_info("Landlock ABI %d available.", m->landlock_abi);
	else
		log_warning("Landlock is not available; policies that require it will fail to spawn, "
		    "and the broker opens files under rules without write in read-only views.");
	(void) pidns_sysctl_probe();

	m->base = event_base_new();
	if (!m->base)
		return log_oom();
	m->ev_spares = event_new(m->base, -1, 0, on_spares, m);
	m->ev_reload = event_new(m->base, -1, 0, on_reload, m);
	m->ev_cgroups = evtimer_new(m->base, on_cgroup_retry, m);
	if (!m->ev_spares || !m->ev_reload || !m->ev_cgroups)
		return log_oom();
	r = workers_new(m->base, BROKER_WORKERS_MAX, &m->workers);
	if (r >= 0)
		r = reloader_new(m, &m->reloader);
	if (r < 0)
		return log_oom();
	manager_want_spares(m);
	r = netns_pool_new(m->base, NETNS_POOL_SIZE, &m->netns);
	if (r < 0)
		return log_error_errno(r, "Failed to set up network namespaces: %m");
	for (size_t i = 0; i < ELEMENTSOF(signums); i++) {
		*sigs[i] = evsignal_new(m->base, signums[i], on_signal, m);
		if (!*sigs[i] || event_add(*sigs[i], NULL) < 0)
			return log_oom();
	}
	/* A peer that disconnects must cost us an EPIPE, not our life. */
	(void) signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Creates the socket's directory if needed. */
static int
make_socket_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return log_oom();
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return log_error_errno(errno, "Failed to create '%s': %m", dir);
	return 0;
}

/* Whether something accepts connections on path (a live daemon, maybe one
 * that takes no lock). Non-blocking: a full backlog still counts as live. */
static bool
socket_answers(const struct sockaddr_un *sa)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return false;
	return connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) == 0 || errno == EAGAIN;
}

/*
 * One daemon per socket path. PATH.lock, flocked before the socket is
 * touched and held while we run (close-on-exec; a sandbox's processes close
 * every inherited fd before running anything), says a daemon is there; the
 * kernel drops the lock however the daemon dies. A socket that answers
 * although nobody holds the lock belongs to a daemon that takes none.
 * Only a socket file nobody answers on is stale, and bind_socket()
 * replaces it. The lock file stays: removing it would let two daemons lock
 * two different files of the same name.
 */
static int
lock_socket(struct manager *m, const struct sockaddr_un *sa)
{
	const char *path = m->conf.socket_path;
	_cleanup_free_ char *lock = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	r = make_socket_dir(path);
	if (r < 0)
		return r;
	if (asprintf(&lock, "%s.lock", path) < 0)
		return log_oom();
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_error_errno(errno, "Failed to open '%s': %m", lock);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return log_error_errno(-EADDRINUSE, "Another sandboxd is running on '%s' "
			    "(it holds '%s'); refusing to start.", path, lock);
		return log_error_errno(errno, "Failed to lock '%s': %m", lock);
	}
	if (socket_answers(sa))
		return log_error_errno(-EADDRINUSE, "Something already serves on '%s'; refusing "
		    "to start.", path);
	m->lock_fd = TAKE_FD(fd);
	return 0;
}

static int
bind_socket(struct manager *m, const struct sockaddr_un *sa)
{
	const char *path = m->conf.socket_path;
	_cleanup_close_ int fd = -1;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(errno, "Failed to create socket: %m");
	/* We hold the lock and nobody answered: whatever is there is stale. */
	(void) unlink(path);
	if (bind(fd, (const struct sockaddr *) sa, sizeof(*sa)) < 0)
		return log_error_errno(errno, "Failed to bind '%s': %m", path);
	/* Every local user may ask; peer credentials decide the rest. */
	if (chmod(path, 0666) < 0)
		return log_error_errno(errno, "Failed to chmod '%s': %m", path);
	if (listen(fd, 128) < 0)
		return log_error_errno(errno, "Failed to listen on '%s': %m", path);
	m->listen_fd = TAKE_FD(fd);
	m->listen_fd_owned = true;
	return 0;
}

int
manager_listen(struct manager *m, int fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	/* Before anything else touches shared state (the run directory,
	 * cgroups): a second daemon on a live daemon's socket stops here. */
	if (fd < 0) {
		size_t l = strlen(m->conf.socket_path);

		if (l >= sizeof(sa.sun_path))
			return log_error_errno(-ENAMETOOLONG, "Socket path '%s' is too long.",
			    m->conf.socket_path);
		memcpy(sa.sun_path, m->conf.socket_path, l + 1);
		r = lock_socket(m, &sa);
		if (r < 0)
			return r;
	}
	r = manager_setup(m);
	if (r < 0)
		return r;
	if (fd >= 0) {
		if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0)
			return log_error_errno(-EINVAL, "The passed socket is not a listening "
			    "AF_UNIX SOCK_SEQPACKET socket.");
		(void) evutil_make_socket_nonblocking(fd);
		(void) evutil_make_socket_closeonexec(fd);
		m->listen_fd = fd;
		log_info("Using the socket passed by the service manager.");
	} else {
		r = bind_socket(m, &sa);
		if (r < 0)
			return r;
	}
	m->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (m->reserve_fd < 0)
		return log_error_errno(errno, "Failed to open /dev/null: %m");
	m->ev_listen = event_new(m->base, m->listen_fd, EV_READ | EV_PERSIST, on_accept, m);
	m->ev_listen_resume = evtimer_new(m->base, on_listen_resume, m);
	if (!m->ev_listen || !m->ev_listen_resume || event_add(m->ev_listen, NULL) < 0)
		return log_oom();
	return 0;
}

int
manager_connect_bus(struct manager *m, int mode)
{
	return bus_new(m, (enum bus_mode) mode, &m->bus);
}

int
manager_run(struct manager *m)
{
	log_info("sandboxd " PACKAGE_VERSION " serving on %s.",
	    m->listen_fd_owned ? m->conf.socket_path : "the passed socket");
	(void) sd_notify(0, "READY=1");
	if (event_base_dispatch(m->base) < 0)
		return log_error_errno(-EIO, "Event loop failed.");
	return m->exit_error;
}

struct manager *
manager_free(struct manager *m)
{
	struct target *t;
	struct conn *c;

	if (!m)
		return NULL;
	/* First: its requesters' sandboxes are killed, nobody is told. */
	m->bus = bus_free(m->bus);
	while ((c = LIST_FIRST(&m->conns)))
		conn_free(c);
	while ((t = TAILQ_FIRST(&m->targets))) {
		TAILQ_REMOVE(&m->targets, t, link);
		if (t->state != SBX_STATE_EXITED) {
			(void) target_kill(t, SIGKILL, SBX_LIMIT_SHUTDOWN);
			(void) cgroup_destroy_wait(m->cgroup_mode, t->cgroup, 2000);
		}
		target_free(t);
	}
	/* After the brokers: what their workers finished is dropped now. */
	m->workers = workers_free(m->workers);
	m->reloader = reloader_free(m->reloader);	/* after: finished loads are applied */
	free(m->broker_stuck);
	event_freep(&m->ev_listen);
	event_freep(&m->ev_listen_resume);
	event_freep(&m->ev_sigterm);
	event_freep(&m->ev_sigint);
	event_freep(&m->ev_sighup);
	event_freep(&m->ev_shutdown_timeout);
	event_freep(&m->ev_spares);
	event_freep(&m->ev_reload);
	event_freep(&m->ev_cgroups);
	flush_dead_cgroups(m);
	if (m->listen_fd_owned)
		(void) unlink(m->conf.socket_path);
	safe_close(m->listen_fd);
	safe_close(m->self_pidfd);
	safe_close(m->reserve_fd);
	safe_close(m->lock_fd);	/* after the unlink: the next daemon finds no socket */
	if (m->base)
		event_base_free(m->base);
	policy_store_free(m->policies);
	policy_unref(m->init_policy);
	netns_pool_free(m->netns);
	cgroup_teardown();
	uid_pool_done(&m->uids);
	conf_done(&m->conf);
	free(m);
	return NULL;
}
