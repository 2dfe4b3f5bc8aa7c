/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "learn.h"
#include "macro.h"
#include "string-util.h"
#include "syscall-groups.h"


bool
learn_forbidden(const char *name, const uint64_t args[6])
{
	if (!name || syscall_is_forbidden(name))
		return true;
	if (strcmp(name, "clone") == 0)
		return (args[0] & CLONE_NS_FLAGS) != 0;
	if (strcmp(name, "ioctl") == 0)
		return !policy_ioctl_allowed(args[1]);
	if (strcmp(name, "mknod") == 0)
		return (args[1] & S_IFMT) != S_IFIFO;
	if (strcmp(name, "mknodat") == 0)
		return (args[2] & S_IFMT) != S_IFIFO;
	/* What policy-seccomp.c's fadvise64 rules let through. */
	if (strcmp(name, "fadvise64") == 0)
		return (uint32_t) args[3] == POSIX_FADV_DONTNEED || (uint32_t) args[3] > POSIX_FADV_NOREUSE;
	return false;
}

void
learn_syscall(struct learn *l, int nr, const char *name, const uint64_t args[6])
{
	if (nr >= 0 && nr < LEARN_NR_MAX)
		l->nr[nr / 64] |= UINT64_C(1) << (nr % 64);
	if (name && (strcmp(name, "socket") == 0 || strcmp(name, "socketpair") == 0) &&
	    args[0] < 64 && policy_family_name((int) args[0])) {
		l->families |= UINT64_C(1) << args[0];
		if (args[0] == AF_NETLINK && args[2] < 32 && policy_netlink_name((int) args[2]))
			l->netlink |= UINT32_C(1) << args[2];
	}
}

void
learn_path(struct learn *l, const char *path, unsigned kinds, bool dir)
{
	char *p;

	for (size_t i = 0; i < l->n_paths; i++)
		if (strcmp(l->paths[i].path, path) == 0) {
			l->paths[i].kinds |= kinds;
			return;
		}
	if (l->n_paths >= LEARN_PATHS_MAX || !(p = strdup(path))) {
		l->n_paths_lost++;
		return;
	}
	l->paths[l->n_paths++] = (struct learn_path) { .path = p, .kinds = kinds, .dir = dir };
}

void
learn_done(struct learn *l)
{
	for (size_t i = 0; i < l->n_paths; i++)
		free(l->paths[i].path);
	l->n_paths = 0;
}

/* The learned calls, by name, sorted: those the policy's filter refused
 * and the program used. */
struct names {
	char	**v;
	bool	*covered;
	size_t	n;
};

static int
names_of(const struct learn *l, struct names *ret)
{
	*ret = (struct names) {};
	ret->v = calloc(LEARN_NR_MAX, sizeof(char *));
	ret->covered = calloc(LEARN_NR_MAX, sizeof(bool));
	if (!ret->v || !ret->covered)
		return -ENOMEM;
	for (int nr = 0; nr < LEARN_NR_MAX; nr++) {
		char *name;

		if (!(l->nr[nr / 64] & (UINT64_C(1) << (nr % 64))))
			continue;
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name)
			ret->v[ret->n++] = name;
	}
	qsort(ret->v, ret->n, sizeof(char *), strcmp_ptr);
	return 0;
}

static void
names_done(struct names *n)
{
	for (size_t i = 0; n->v && i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	free(n->covered);
}

static ssize_t
names_find(const struct names *n, const char *name)
{
	char *const *hit = bsearch(&name, n->v, n->n, sizeof(char *), strcmp_ptr);

	return hit ? hit - n->v : -1;
}

/* Calls over group g and the groups it names, that base does not allow
 * already: *ret_total; those learned: *ret_used. mark: set them covered. */
static void
group_count(const struct syscall_group *g, const struct policy *base, struct names *n,
    bool mark, unsigned depth, size_t *ret_total, size_t *ret_used)
{
	for (const char *const *s = g->syscalls; s && *s; s++) {
		ssize_t k;

		if ((*s)[0] == '@') {
			const struct syscall_group *sub = syscall_group_find(*s);

			if (sub && depth < 4)
				group_count(sub, base, n, mark, depth + 1, ret_total, ret_used);
			continue;
		}
		if (policy_allows_syscall(base, *s) || seccomp_syscall_resolve_name(*s) < 0)
			continue;
		(*ret_total)++;
		k = names_find(n, *s);
		if (k < 0)
			continue;
		if (!n->covered[k])
			(*ret_used)++;
		if (mark)
			n->covered[k] = true;
	}
}

/* Used names of g, for its comment. */
static void
group_used(FILE *f, const struct syscall_group *g, const struct names *n, unsigned depth)
{
	for (const char *const *s = g->syscalls; s && *s; s++) {
		if ((*s)[0] == '@') {
			const struct syscall_group *sub = syscall_group_find(*s);

			if (sub && depth < 4)
				group_used(f, sub, n, depth + 1);
		} else if (names_find(n, *s) >= 0)
			fprintf(f, " %s", *s);
	}
}

/* [SystemCalls]: greedily the group that covers most learned calls not
 * covered yet, while one covers at least two and half of what it adds;
 * then the rest one by one. */
static void
put_syscalls(FILE *f, const struct policy *base, const struct learn *l, struct names *n,
    const struct sbx_named_denial *d, size_t n_d)
{
	bool any_forbidden = false;
	size_t col = 0;

	fprintf(f, "\n[SystemCalls]\n");
	if (n->n > 0)
		fprintf(f, "# Refused by '%s' and used by the program:\n", base->name);
	for (;;) {
		const struct syscall_group *best = NULL;
		size_t best_used = 0;

		for (const struct syscall_group *g = syscall_groups_all(); g->name; g++) {
			size_t total = 0, used = 0;

			group_count(g, base, n, false, 0, &total, &used);
			if (used >= 2 && used * 2 >= total && used > best_used) {
				best = g;
				best_used = used;
			}
		}
		if (!best)
			break;
		fprintf(f, "Allow=%s\n#   used:", best->name);
		group_used(f, best, n, 0);
		fprintf(f, "\n");
		group_count(best, base, n, true, 0, &(size_t) { 0 }, &(size_t) { 0 });
	}
	for (size_t i = 0; i < n->n; i++) {
		/* socket() of a family the base refuses: the call it allows. */
		if (n->covered[i] || policy_allows_syscall(base, n->v[i]))
			continue;
		fprintf(f, "%s%s", col == 0 ? "Allow=" : " ", n->v[i]);
		if (++col == 8) {
			fprintf(f, "\n");
			col = 0;
		}
	}
	if (col > 0)
		fprintf(f, "\n");
	if (l->families) {
		uint64_t all = l->families | base->socket_families;

		fprintf(f, "# Address families the program created sockets of:\n"
		    "RestrictAddressFamilies=");
		for (int fam = 0, first = 1; fam < 64; fam++)
			if ((all & (UINT64_C(1) << fam)) && policy_family_name(fam)) {
				fprintf(f, "%s%s", first ? "" : " ", policy_family_name(fam));
				first = 0;
			}
		fprintf(f, "\n");
	}
	if (l->netlink) {
		uint32_t all = l->netlink | base->netlink_protocols;

		fprintf(f, "RestrictNetlink=");
		for (int p = 0, first = 1; p < 32; p++)
			if ((all & (UINT32_C(1) << p)) && policy_netlink_name(p)) {
				fprintf(f, "%s%s", first ? "" : " ", policy_netlink_name(p));
				first = 0;
			}
		fprintf(f, "\n");
	}
	for (size_t i = 0; i < n_d; i++) {
		if (!(d[i].d.flags & SBX_DENIAL_FORBIDDEN))
			continue;
		if (!any_forbidden)
			fprintf(f, "# Refused, and forbidden in every policy (they stayed refused; "
			    "see sandboxd.policy(5)):\n#  ");
		any_forbidden = true;
		fprintf(f, " %s (%llu)", d[i].name, (unsigned long long) d[i].d.count);
	}
	if (any_forbidden)
		fprintf(f, "\n");
}

/* A comment line of s, without what would end the comment or reach a
 * terminal raw. */
static void
put_comment_text(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; s && s[i] && i < max; i++)
		fputc((unsigned char) s[i] >= 0x20 && (unsigned char) s[i] < 0x7f ? s[i] : '?', f);
}

/* The parent of path into buf ("/" for "/x"). */
static void
parent_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash != path ? (size_t) (slash - path) : 1;

	if (n >= size)
		n = size - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}

/* Depth of a path: "/etc" 1, "/etc/ssl" 2. */
static unsigned
depth_of(const char *path)
{
	unsigned d = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			d++;
	return d;
}

static int
compare_path(const void *a, const void *b)
{
	return strcmp(((const struct learn_path *) a)->path, ((const struct learn_path *) b)->path);
}

/* Whether path lies below a directory the program wrote in (v, n): the
 * [Broker] rule for it covers it. */
static bool
below_written(const struct learn_path *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].dir && (v[i].kinds & ~LEARN_READ) && path_is_under(path, v[i].path) &&
		    !path_is_under(v[i].path, "/tmp") && !path_is_under(v[i].path, "/dev/shm"))
			return true;
	return false;
}

/* Paths no line can name, shown as comments: at most these many. */
#define LEARN_UNNAMEABLE_SHOWN 16

/* Four or more paths read in one directory at least two deep become the
 * directory (their parent). */
#define LEARN_SIBLINGS 4

static void
put_paths(FILE *f, const struct policy *base, const struct learn *l)
{
	struct learn_path *v;
	size_t n = l->n_paths;
	bool tmp = false, shm = false, broker = false, fs = false;

	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return;
	/* A path no policy line can name (a control character, ':', a
	 * trailing blank the parser would drop) is said in a comment only,
	 * escaped: it must not make lines of its own. */
	for (size_t i = 0, k = 0, shown = 0; i < l->n_paths; i++) {
		const char *p = l->paths[i].path;
		size_t len = strlen(p);

		/* A blank ends a [Broker] rule's path (its rights follow). */
		if (policy_path_problem(p) || strpbrk(p, " \t") || len == 0) {
			if (shown++ < LEARN_UNNAMEABLE_SHOWN) {
				fprintf(f, "# A path the program used that no policy can name: ");
				put_comment_text(f, p, 200);
				fprintf(f, "\n");
			}
			n--;
			continue;
		}
		v[k++] = l->paths[i];
	}
	if (l->n_paths - n > LEARN_UNNAMEABLE_SHOWN)
		fprintf(f, "# ...and %zu more such paths.\n", l->n_paths - n - LEARN_UNNAMEABLE_SHOWN);
	qsort(v, n, sizeof(*v), compare_path);

	for (size_t i = 0; i < n; i++) {
		if (path_is_under(v[i].path, "/tmp"))
			tmp = true;
		else if (path_is_under(v[i].path, "/dev/shm"))
			shm = true;
	}
	/* Reads: binds, siblings folded into their directory. */
	for (size_t i = 0; i < n; i++) {
		char parent[SBX_PATH_MAX];
		size_t j = i, k;

		if ((v[i].kinds & ~LEARN_READ) || path_is_under(v[i].path, "/tmp") ||
		    path_is_under(v[i].path, "/dev/shm") || below_written(v, n, v[i].path))
			continue;
		if (!fs)
			fprintf(f, "\n[Filesystem]\n# Read by the program, not in the sandbox's "
			    "view:\n");
		fs = true;
		if (path_is_under(v[i].path, "/proc") || path_is_under(v[i].path, "/sys") ||
		    path_is_under(v[i].path, "/dev")) {
			fprintf(f, "# %s: no policy binds under /proc, /sys or /dev\n", v[i].path);
			continue;
		}
		parent_of(v[i].path, parent, sizeof(parent));
		for (k = i; k < n && path_is_under(v[k].path, parent) && !(v[k].kinds & ~LEARN_READ); k++)
			;
		if (k - i >= LEARN_SIBLINGS && depth_of(parent) >= 2) {
			fprintf(f, "BindReadOnly=%s\n#   read: %zu paths below it\n", parent, k - i);
			i = k - 1;
			continue;
		}
		fprintf(f, "BindReadOnly=%s\n", v[j].path);
		/* What lies below a bound directory needs no line of its own. */
		while (i + 1 < n && path_is_under(v[i + 1].path, v[j].path) && !(v[i + 1].kinds & ~LEARN_READ))
			i++;
	}
	if (tmp || shm) {
		if (!fs)
			fprintf(f, "\n[Filesystem]\n");
		fs = true;
		if (tmp && !base->tmp)
			fprintf(f, "# The program used /tmp:\nTmp=yes\n");
		if (shm && !base->shm)
			fprintf(f, "# The program used /dev/shm:\nShm=yes\n");
	}
	/* Writes: [Broker] rules, through interception; what was done below a
	 * written directory is its rule's too. */
	for (size_t i = 0; i < n; i++) {
		unsigned k = v[i].kinds;
		const char *dir = v[i].path;

		if (!(k & ~LEARN_READ) || path_is_under(dir, "/tmp") || path_is_under(dir, "/dev/shm"))
			continue;
		if (path_is_under(dir, "/proc") || path_is_under(dir, "/sys") || path_is_under(dir, "/dev")) {
			fprintf(f, "# %s: written; no policy binds or brokers under /proc, /sys "
			    "or /dev\n", dir);
			continue;
		}
		for (size_t j = i + 1; v[i].dir && j < n && path_is_under(v[j].path, dir); j++)
			k |= v[j].kinds;
		if (!broker) {
			fprintf(f, "\n[Broker]\n# Written by the program outside the sandbox's view: "
			    "the broker does it, as the\n# sandbox's owner, through interception.\n");
			if (!base->intercept)
				fprintf(f, "Intercept=yes\n");
		}
		broker = true;
		/* A file opened with O_CREAT needs create even where it exists
		 * (sandboxd.policy(5), [Broker]); one unlinked, delete. */
		fprintf(f, "%s=%s read%s%s%s,nosymlinks\n", v[i].dir ? "Tree" : "File", dir,
		    k & (LEARN_WRITE | LEARN_CREATE) ? ",write" : "",
		    k & LEARN_CREATE ? ",create" : "", k & LEARN_DELETE ? ",delete" : "");
		while (i + 1 < n && v[i].dir && path_is_under(v[i + 1].path, dir))
			i++;
	}
	if (l->n_paths_lost > 0)
		fprintf(f, "# ...and %zu more paths were not recorded.\n", l->n_paths_lost);
	free(v);
}

/* x with headroom, rounded up to a multiple of unit, at least least. */
static uint64_t
headroom(uint64_t x, unsigned factor, uint64_t unit, uint64_t least)
{
	uint64_t v = x > UINT64_MAX / factor ? UINT64_MAX : x * factor;

	if (v <= UINT64_MAX - unit)
		v = (v + unit - 1) / unit * unit;
	return v < least ? least : v;
}

static void
put_limits(FILE *f, const struct learn_figures *fig)
{
	uint64_t mem = headroom(fig->memory_peak, 2, UINT64_C(1) << 20, UINT64_C(32) << 20);
	uint64_t tasks = headroom(fig->tasks_peak, 2, 1, 4);
	uint64_t cpu = headroom(fig->cpu_usec, 4, 1000000, 10000000);
	uint64_t wall = headroom(fig->wall_usec, 4, 1000000, 30000000);

	fprintf(f, "\n[Limits]\n# What the program used, with headroom:\n");
	fprintf(f, "Memory=%lluM\n#   peak %llu KiB\n", (unsigned long long) (mem >> 20),
	    (unsigned long long) (fig->memory_peak >> 10));
	if (fig->tasks_peak > 0)
		fprintf(f, "Tasks=%llu\n#   peak %llu, the sandbox's init included\n",
		    (unsigned long long) tasks, (unsigned long long) fig->tasks_peak);
	fprintf(f, "CPUTime=%llus\n#   used %llu ms\n", (unsigned long long) (cpu / 1000000),
	    (unsigned long long) (fig->cpu_usec / 1000));
	fprintf(f, "WallTime=%llus\n#   ran %llu ms\n", (unsigned long long) (wall / 1000000),
	    (unsigned long long) (fig->wall_usec / 1000));
}

/* A text a policy file may hold (SBX_POLICY_TEXT_MAX): one longer ends
 * at the last whole line that fits, and says so. Cut there, it lacks
 * lines; it never holds half of one (a bind of "/var" where the program
 * read "/var/lib/..."). */
static char *
fit_text(char *text, size_t size)
{
	static const char note[] = "# ...cut here: the learned policy does not fit a policy file.\n";
	size_t keep;
	char *nl;

	if (size <= SBX_POLICY_TEXT_MAX)
		return text;
	text[SBX_POLICY_TEXT_MAX - sizeof(note)] = '\0';
	nl = strrchr(text, '\n');
	keep = nl ? (size_t) (nl - text) + 1 : 0;
	memcpy(text + keep, note, sizeof(note));
	return text;
}

char *
learn_policy_text(const struct policy *base, const struct learn *l,
    const struct sbx_named_denial *denials, size_t n_denials, const struct learn_figures *fig,
    const char *command)
{
	struct names n;
	char *text = NULL, day[32] = "";
	const char *program;
	size_t size = 0, program_len;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (names_of(l, &n) < 0) {
		names_done(&n);
		return NULL;
	}
	f = open_memstream(&text, &size);
	if (!f) {
		names_done(&n);
		return NULL;
	}
	if (gmtime_r(&now, &tm))
		(void) strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	fprintf(f, "# Learned by sandboxctl run --learn from policy '%s' on %s for:\n#   ",
	    base->name, day);
	put_comment_text(f, command, 200);
	fprintf(f, "\n# It widens '%s' by what the program did: review every line before you\n"
	    "# install it (sandboxd.policy(5), LEARNING A POLICY).\n\n", base->name);
	/* The program's name: the command's first word, without its directory. */
	program = command ? command : "";
	program_len = strcspn(program, " ");
	for (const char *p = program, *end = program + program_len; p < end; p++)
		if (*p == '/' && p + 1 < end)
			program = p + 1;
	program_len = strcspn(program, " ");
	fprintf(f, "[Policy]\nInclude=%s\nDescription=%s, plus what ", base->name, base->name);
	put_comment_text(f, program, program_len < 60 ? program_len : 60);
	fprintf(f, " used\n");
	put_syscalls(f, base, l, &n, denials, n_denials);
	put_paths(f, base, l);
	put_limits(f, fig);
	names_done(&n);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return fit_text(text, size);
}
