/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-dbus: sandboxd's D-Bus front end against its socket, measured in
 * the same run and interleaved round by round.
 *
 *   bench-dbus [-n N] [-r R] [-w W] [-s SOCKET] [-p POLICY]
 *
 * The bus is the system bus as sd_bus_open_system() finds it, so
 * $DBUS_SYSTEM_BUS_ADDRESS selects it; sandboxd must serve on that bus
 * (--bus=yes) and on SOCKET. Each case runs W untimed warm-up rounds, then
 * the timed ones.
 *
 * Requests, R rounds of each case in this order (run first, so that both
 * lists are as empty as the registry is):
 *   socket/list       sandbox_list() on one connection: the baseline of
 *                     bus/list.
 *   bus/list          ListSandboxes on one kept bus connection.
 *   bus/policies      ListPolicies on the same connection: the baseline
 *                     of bus/policies-new.
 *   bus/policies-new  ListPolicies from a fresh bus connection: connect
 *                     and Hello, call, close.
 *   bus/list-new      ListSandboxes from a fresh bus connection: also the
 *                     daemon's look-up of a new client's credentials,
 *                     asked of the bus daemon once per client (ListPolicies
 *                     asks nothing of its caller). Baseline: bus/list.
 * Spawns, N rounds, socket and bus first in turn:
 *   socket/spawn      sandbox_spawn() + sandbox_wait() of /bin/true on one
 *                     connection, stdio on our /dev/null: the baseline.
 *   bus/spawn         Spawn with our /dev/null as the three h, then the
 *                     bus processed until the Exited signal of the object
 *                     path Spawn returned (on the kept connection, with a
 *                     match for Exited).
 *
 * Phases: total (for -new: connect to close); to-exec, up to the SPAWNED
 * reply or Spawn's reply (both come once the target has exec'd); exec->exit,
 * from there to the EXITED event or the Exited signal; connect (-new only):
 * sd_bus_open_system() until Hello's answer. "x base" is this row's median
 * over its baseline's, same phase; the per-round table gives the median
 * (p10, p90) of the ratios of the totals of the same round.
 *
 * The daemon addresses every sandbox's signals (InterfacesAdded,
 * SandboxNew, PropertiesChanged, Exited...) to each bus client that has
 * called it and may see the sandbox: root sees all, so the kept connection
 * also gets the socket spawns' signals. Before each bus spawn they are
 * taken in, untimed (a Ping to the daemon, then the queue processed), so
 * that bus/spawn times its own work; the daemon's sending them is part of
 * socket/spawn, as it is for any daemon with a root client on the bus.
 * The figures are informative: nothing is asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "sandbox-client.h"
#include "bench-util.h"

#define BUS_NAME		"org.sandboxd.Sandbox1"
#define BUS_PATH		"/org/sandboxd/Sandbox1"
#define BUS_MANAGER_IFACE	BUS_NAME ".Manager"
#define BUS_EXITED_MATCH \
	"type='signal',interface='" BUS_NAME ".Sandbox',member='Exited'"
#define EXIT_TIMEOUT_USEC	(10 * 1000 * 1000ull)

enum { PH_TOTAL, PH_EXEC, PH_RUN, PH_CONNECT, PH_MAX };
static const char *const phase_name[PH_MAX] = { "total", "to-exec", "exec->exit", "connect" };

struct result {
	const char *name;
	const struct result *base;	/* the row its ratios are to; NULL: a baseline */
	int n;
	uint64_t *s[PH_MAX];		/* ns per op and phase, by round; NULL: not measured */
	uint64_t sum_ns;		/* of the totals (rounds interleave: no loop is its own) */
	struct bench_stats st[PH_MAX];
	double *ratios;			/* per round: total / base's total, sorted */
	int failures;			/* targets that did not exit 0 */
	int refused;			/* spawns that failed, and were done again */
	char first_refusal[160];
	size_t entries;			/* the last reply's list length (requests) */
};

static const char *arg_socket;
static const char *arg_policy = "default";
static int devnull = -1;

static void
result_init(struct result *r, const char *name, const struct result *base, int n,
    unsigned phases)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->base = base;
	r->n = n;
	for (int ph = 0; ph < PH_MAX; ph++)
		if (phases & (1u << ph))
			r->s[ph] = xcalloc((size_t) n, sizeof(uint64_t));
}

/* Stores round i's phases (t: ns, per phase). */
static void
result_put(struct result *r, int i, const uint64_t *t)
{
	for (int ph = 0; ph < PH_MAX; ph++)
		if (r->s[ph])
			r->s[ph][i] = t[ph];
	r->sum_ns += t[PH_TOTAL];
}

/* The per-round ratios first: the summaries sort the samples. */
static void
results_compute(struct result *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct result *r = &v[k];

		if (!r->base)
			continue;
		r->ratios = xcalloc((size_t) r->n, sizeof(double));
		for (int i = 0; i < r->n; i++)
			r->ratios[i] = r->base->s[PH_TOTAL][i] ?
			    (double) r->s[PH_TOTAL][i] / (double) r->base->s[PH_TOTAL][i] : 0;
		qsort(r->ratios, (size_t) r->n, sizeof(double), cmp_double);
	}
	for (size_t k = 0; k < n; k++)
		for (int ph = 0; ph < PH_MAX; ph++)
			if (v[k].s[ph])
				bench_stats_compute(v[k].s[ph], v[k].n, &v[k].st[ph]);
}

/* --- the socket ----------------------------------------------------- */

/*
 * A spawn failed: counted, and the round's spawn is done again, up to a
 * tenth of the rounds (the daemon may lose a race with a target that exits
 * at once, and says it died during set-up). Returns -1.
 */
static int
spawn_refused(struct result *res, const char *what, const char *message)
{
	if (res->refused++ == 0)
		snprintf(res->first_refusal, sizeof(res->first_refusal), "%s: %s", what, message);
	if (res->refused > res->n / 10 + 5) {
		fprintf(stderr, "bench-dbus: %s: %d spawns failed; the first: %s\n", res->name,
		    res->refused, res->first_refusal);
		exit(1);
	}
	return -1;
}

static void
op_socket_list(sandbox_client *c, struct result *res, uint64_t *t)
{
	sandbox_info **v = NULL;
	uint64_t t0;
	size_t n = 0;
	int r;

	t0 = now_ns();
	r = sandbox_list(c, &v, &n);
	t[PH_TOTAL] = now_ns() - t0;
	if (r < 0)
		die_client("sandbox_list", c, r);
	sandbox_info_list_free(v, n);
	res->entries = n;
}

/* Returns 0, 1 if the target did not exit 0, -1 if the spawn failed. */
static int
op_socket_spawn(sandbox_client *c, const sandbox_spawn_options *o, char *const argv[],
    struct result *res, uint64_t *t)
{
	sandbox_exit ex;
	uint64_t t0, t1, id;
	int r;

	t0 = now_ns();
	r = sandbox_spawn(c, o, argv, &id);
	t1 = now_ns();
	if (r < 0) {
		char msg[128];
		const char *last = sandbox_client_last_error(c);

		snprintf(msg, sizeof(msg), "%s%s%s", strerror(-r), last ? ": " : "",
		    last ? last : "");
		return spawn_refused(res, "sandbox_spawn", msg);
	}
	r = sandbox_wait(c, id, -1, &ex);
	t[PH_TOTAL] = now_ns() - t0;
	t[PH_EXEC] = t1 - t0;
	t[PH_RUN] = t[PH_TOTAL] - t[PH_EXEC];
	if (r < 0)
		die_client("sandbox_wait", c, r);
	return ex.exited && ex.status == 0 ? 0 : 1;
}

/* --- the bus -------------------------------------------------------- */

static void
die_bus(const char *what, const sd_bus_error *e, int r)
{
	fprintf(stderr, "bench-dbus: %s: %s\n", what,
	    e && sd_bus_error_is_set(e) ? e->message : strerror(-r));
	exit(1);
}

/* A connection to the system bus, once Hello is answered. */
static sd_bus *
bus_open_or_die(void)
{
	const char *unique;
	sd_bus *b = NULL;
	int r;

	r = sd_bus_open_system(&b);
	if (r >= 0)
		r = sd_bus_get_unique_name(b, &unique);	/* waits for Hello's answer */
	if (r < 0)
		die_bus("cannot connect to the system bus", NULL, r);
	return b;
}

/* Calls a Manager method without arguments; *ret: its reply. */
static void
bus_call_or_die(sd_bus *b, const char *method, sd_bus_message **ret)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(b, BUS_NAME, BUS_PATH, BUS_MANAGER_IFACE, method, &e, ret, NULL);
	if (r < 0)
		die_bus(method, &e, r);
}

/* Reads the list a reply holds, as sandbox_list() reads its own; its length. */
static size_t
read_list(sd_bus_message *m, const char *method)
{
	bool sandboxes = strcmp(method, "ListSandboxes") == 0;
	const char *s1, *s2, *s3, *s4;
	size_t n = 0;
	uint64_t id;
	uint32_t uid;
	int r;

	r = sd_bus_message_enter_container(m, 'a', sandboxes ? "(tsusso)" : "(ss)");
	while (r > 0) {
		if (sandboxes)
			r = sd_bus_message_read(m, "(tsusso)", &id, &s1, &uid, &s2, &s3, &s4);
		else
			r = sd_bus_message_read(m, "(ss)", &s1, &s2);
		if (r > 0)
			n++;
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r < 0)
		die_bus(method, NULL, r);
	return n;
}

/* A list call on b, or on a fresh connection when b is NULL. */
static void
op_bus_list(sd_bus *b, const char *method, struct result *res, uint64_t *t)
{
	sd_bus_message *reply = NULL;
	sd_bus *own = NULL;
	uint64_t t0, tc;

	t0 = now_ns();
	if (!b)
		b = own = bus_open_or_die();
	tc = now_ns();
	bus_call_or_die(b, method, &reply);
	res->entries = read_list(reply, method);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(own);
	t[PH_TOTAL] = now_ns() - t0;
	t[PH_CONNECT] = tc - t0;
}

/* The Exited signal awaited, filled by on_exited(). */
static struct {
	char path[128];
	bool done;
	int exited, status;
} awaited;

static int
on_exited(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *path = sd_bus_message_get_path(m), *limit;
	int exited, status;

	if (awaited.done || !path || strcmp(path, awaited.path) != 0)
		return 0;	/* another sandbox's: a socket spawn's, or stale */
	if (sd_bus_message_read(m, "bis", &exited, &status, &limit) < 0)
		return 0;
	awaited.exited = exited;
	awaited.status = status;
	awaited.done = true;
	return 0;
}

/*
 * Takes in what the daemon sent before now (the socket spawns' signals):
 * it queued them before the answer to this Ping, which sd_bus_call()
 * waits for while it queues everything else; then it is all processed.
 */
static void
bus_settle(sd_bus *b)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(b, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Peer", "Ping", &e,
	    NULL, NULL);
	if (r < 0)
		die_bus("Ping", &e, r);
	while ((r = sd_bus_process(b, NULL)) > 0)
		;
	if (r < 0)
		die_bus("sd_bus_process", NULL, r);
}

/* Returns 0, 1 if the target did not exit 0, -1 if the spawn failed. */
static int
op_bus_spawn(sd_bus *b, char *const argv[], struct result *res, uint64_t *t)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	const char *path;
	uint64_t t0, t1, deadline, id;
	int r;

	bus_settle(b);
	t0 = now_ns();
	r = sd_bus_message_new_method_call(b, &m, BUS_NAME, BUS_PATH, BUS_MANAGER_IFACE, "Spawn");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", arg_policy);
	if (r >= 0)
		r = sd_bus_message_append_strv(m, (char **) argv);
	if (r >= 0)
		r = sd_bus_message_append(m, "asshhha{sv}", 0, "", devnull, devnull, devnull, 0);
	if (r < 0)
		die_bus("Spawn: building the call", NULL, r);
	r = sd_bus_call(b, m, 0, &e, &reply);
	t1 = now_ns();
	sd_bus_message_unref(m);
	if (r < 0) {
		r = spawn_refused(res, "Spawn", sd_bus_error_is_set(&e) ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return r;
	}
	r = sd_bus_message_read(reply, "to", &id, &path);
	if (r < 0)
		die_bus("Spawn: reading the reply", NULL, r);
	snprintf(awaited.path, sizeof(awaited.path), "%s", path);
	awaited.done = false;
	sd_bus_message_unref(reply);

	deadline = t1 + EXIT_TIMEOUT_USEC * 1000;
	while (!awaited.done) {
		uint64_t now;

		r = sd_bus_process(b, NULL);
		if (r < 0)
			die_bus("sd_bus_process", NULL, r);
		if (r > 0)
			continue;
		now = now_ns();
		if (now >= deadline) {
			fprintf(stderr, "bench-dbus: no Exited signal for %s within %llu s\n",
			    awaited.path, EXIT_TIMEOUT_USEC / 1000000);
			exit(1);
		}
		r = sd_bus_wait(b, (deadline - now) / 1000);
		if (r < 0)
			die_bus("sd_bus_wait", NULL, r);
	}
	t[PH_TOTAL] = now_ns() - t0;
	t[PH_EXEC] = t1 - t0;
	t[PH_RUN] = t[PH_TOTAL] - t[PH_EXEC];
	return awaited.exited && awaited.status == 0 ? 0 : 1;
}

/* --- the cases ------------------------------------------------------ */

enum { R_SOCKET_LIST, R_BUS_LIST, R_BUS_POLICIES, R_BUS_POLICIES_NEW, R_BUS_LIST_NEW, R_MAX };

static const struct {
	const char	*name;
	const char	*method;	/* NULL: the socket's LIST */
	bool		fresh;		/* a new bus connection each time */
	int		base;		/* -1: a baseline */
} request_cases[R_MAX] = {
	[R_SOCKET_LIST] = { "socket/list", NULL, false, -1 },
	[R_BUS_LIST] = { "bus/list", "ListSandboxes", false, R_SOCKET_LIST },
	[R_BUS_POLICIES] = { "bus/policies", "ListPolicies", false, -1 },
	[R_BUS_POLICIES_NEW] = { "bus/policies-new", "ListPolicies", true, R_BUS_POLICIES },
	[R_BUS_LIST_NEW] = { "bus/list-new", "ListSandboxes", true, R_BUS_LIST },
};

static void
bench_requests(struct result *res, sandbox_client *c, sd_bus *b, int n, int warmup)
{
	uint64_t t[PH_MAX];

	for (int k = 0; k < R_MAX; k++)
		result_init(&res[k], request_cases[k].name,
		    request_cases[k].base < 0 ? NULL : &res[request_cases[k].base], n,
		    1u << PH_TOTAL | (request_cases[k].fresh ? 1u << PH_CONNECT : 0));
	for (int i = -warmup; i < n; i++)
		for (int k = 0; k < R_MAX; k++) {
			const char *method = request_cases[k].method;

			if (!method)
				op_socket_list(c, &res[k], t);
			else
				op_bus_list(request_cases[k].fresh ? NULL : b, method, &res[k], t);
			if (i >= 0)
				result_put(&res[k], i, t);
		}
}

enum { S_SOCKET, S_BUS, S_MAX };

static void
bench_spawns(struct result *res, sandbox_client *c, sd_bus *b, char *const argv[], int n,
    int warmup)
{
	const unsigned phases = 1u << PH_TOTAL | 1u << PH_EXEC | 1u << PH_RUN;
	sandbox_spawn_options *o = NULL;
	uint64_t t[PH_MAX];
	int r;

	r = sandbox_spawn_options_new(&o);
	if (r >= 0)
		r = sandbox_spawn_options_set_policy(o, arg_policy);
	if (r >= 0)
		r = sandbox_spawn_options_set_stdio(o, devnull, devnull, devnull);
	if (r < 0)
		die_client("sandbox_spawn_options", NULL, r);
	r = sd_bus_add_match(b, NULL, BUS_EXITED_MATCH, on_exited, NULL);
	if (r < 0)
		die_bus("AddMatch", NULL, r);

	result_init(&res[S_SOCKET], "socket/spawn", NULL, n, phases);
	result_init(&res[S_BUS], "bus/spawn", &res[S_SOCKET], n, phases);
	for (int i = -warmup; i < n; i++)
		for (int k = 0; k < S_MAX; k++) {
			/* Socket first in even rounds, bus first in odd ones. */
			int which = (i & 1) ? S_MAX - 1 - k : k;
			struct result *rs = &res[which];

			do
				r = which == S_SOCKET ? op_socket_spawn(c, o, argv, rs, t) :
				    op_bus_spawn(b, argv, rs, t);
			while (r < 0);
			if (i < 0)
				continue;
			result_put(rs, i, t);
			if (r > 0)
				rs->failures++;
		}
	sandbox_spawn_options_free(o);
}

/* --- output --------------------------------------------------------- */

static void
print_result(const struct result *r)
{
	for (int ph = 0; ph < PH_MAX; ph++)
		if (r->s[ph])
			bench_print_row(r->name, phase_name[ph], &r->st[ph],
			    ph == PH_TOTAL && r->sum_ns ?
			    (double) r->n * 1e9 / (double) r->sum_ns : 0,
			    r->base && r->base->s[ph] ? r->base->st[ph].median : 0);
	if (r->failures)
		printf("%-17s WARNING: %d of %d targets did not exit 0\n", r->name, r->failures,
		    r->n);
	if (r->refused)
		printf("%-17s WARNING: %d spawns failed and were done again; the first: %s\n",
		    r->name, r->refused, r->first_refusal);
}

static void
print_ratios_header(void)
{
	printf("\n%-36s %9s %10s %9s %9s\n", "ratio of totals", "medians", "per-round", "p10",
	    "p90");
}

/* The per-round ratios of the rows that have a baseline. */
static void
print_ratios(const struct result *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct result *r = &v[k];
		char name[64];

		if (!r->base)
			continue;
		snprintf(name, sizeof(name), "%s vs %s", r->name, r->base->name);
		printf("%-36s %9.2f %10.2f %9.2f %9.2f\n", name,
		    r->base->st[PH_TOTAL].median > 0 ?
		    r->st[PH_TOTAL].median / r->base->st[PH_TOTAL].median : 0,
		    pctd(r->ratios, r->n, 0.5), pctd(r->ratios, r->n, 0.1),
		    pctd(r->ratios, r->n, 0.9));
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bench-dbus [-n N] [-r R] [-w W] [-s SOCKET] [-p POLICY]\n"
	    "  -n N       timed spawn rounds (default 500)\n"
	    "  -r R       timed request rounds (default 4 N)\n"
	    "  -w W       untimed warm-up rounds of each (default 20)\n"
	    "  -s SOCKET  sandboxd's socket (default $SANDBOXD_SOCKET, then the system one)\n"
	    "  -p POLICY  policy (default \"default\")\n"
	    "The bus: $DBUS_SYSTEM_BUS_ADDRESS, else the system bus.\n");
}

int
main(int argc, char **argv)
{
	static char *target[] = { (char *) "/bin/true", NULL };
	struct result req[R_MAX], sp[S_MAX];
	int n = 500, n_req = 0, warmup = 20, c;
	sandbox_client *client = NULL;
	sd_bus *bus;
	struct utsname u;

	while ((c = getopt(argc, argv, "hn:r:w:s:p:")) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'r':
			n_req = atoi(optarg);
			break;
		case 's':
			arg_socket = optarg;
			break;
		case 'p':
			arg_policy = optarg;
			break;
		default:
			if (bench_count_opt(c, optarg, &n, &warmup))
				break;
			usage(stderr);
			return 2;
		}
	}
	if (n_req == 0)
		n_req = 4 * n;
	if (n < 1 || n_req < 1 || warmup < 0 || optind < argc) {
		usage(stderr);
		return 2;
	}

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (devnull < 0) {
		perror("bench-dbus: /dev/null");
		return 1;
	}
	c = sandbox_client_connect(arg_socket, &client);
	if (c < 0)
		die_client("sandbox_client_connect", NULL, c);
	bus = bus_open_or_die();

	uname(&u);
	printf("bench-dbus: target %s, N=%d spawn rounds, R=%d request rounds, warm-up %d, "
	    "policy '%s', kernel %s, %ld cpus\n", target[0], n, n_req, warmup, arg_policy,
	    u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("times in microseconds; ops/s = N / the case's own time (serial, interleaved)\n\n");

	bench_requests(req, client, bus, n_req, warmup);
	results_compute(req, R_MAX);
	bench_print_header("x base");
	for (size_t k = 0; k < R_MAX; k++)
		print_result(&req[k]);
	printf("(lists: %zu sandboxes on the socket, %zu on the bus; %zu policies)\n",
	    req[R_SOCKET_LIST].entries, req[R_BUS_LIST].entries, req[R_BUS_POLICIES].entries);
	fflush(stdout);

	bench_spawns(sp, client, bus, target, n, warmup);
	results_compute(sp, S_MAX);
	for (size_t k = 0; k < S_MAX; k++)
		print_result(&sp[k]);

	print_ratios_header();
	print_ratios(req, R_MAX);
	print_ratios(sp, S_MAX);
	sd_bus_flush_close_unref(bus);
	sandbox_client_free(client);
	return 0;
}
