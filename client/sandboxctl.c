/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandboxctl: the command-line front end of sandboxd. It uses only the
 * public libsandbox-client API, so it doubles as that API's first user.
 *
 * Exit codes: 0 success, 1 a command failed, 2 usage error; "run" exits
 * with the target's status, 128+N when it was killed by signal N, 125 when
 * sandboxctl or the daemon failed, 126 when the command could not be
 * executed and 127 when it was not found (the conventions of env(1) and
 * timeout(1)).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "sandbox-client.h"
#include "sandbox-protocol.h"

#define EXIT_USAGE		2
#define EXIT_RUN_FAILED		125
#define EXIT_CANNOT_EXEC	126
#define EXIT_NOT_FOUND		127

static const char *arg_socket;
static bool arg_json;

static void
sandbox_client_freep(sandbox_client **c)
{
	sandbox_client_free(*c);
}

static void
help(void)
{
	printf("Usage: sandboxctl [--socket PATH] [--json] COMMAND [ARGS...]\n"
	    "\n"
	    "Control sandboxd, the sandboxing service.\n"
	    "\n"
	    "Commands:\n"
	    "  run [OPTIONS] [--] CMD [ARGS...]  Run CMD in a sandbox and wait for it\n"
	    "      -p --policy NAME    policy to apply (default: \"default\")\n"
	    "      -t --timeout SEC    wall-clock limit, seconds (\"0.5\") or \"500ms\", \"2min\"\n"
	    "      -m --memory SIZE    memory limit, bytes with K, M, G or T suffix\n"
	    "         --tasks N        limit on processes and threads\n"
	    "         --cpu SEC        CPU time limit\n"
	    "         --nofile N       limit on open files\n"
	    "         --fsize SIZE     limit on the size of written files\n"
	    "      -e --env KEY=VALUE  add to the environment (repeatable)\n"
	    "      -C --cwd DIR        working directory inside the sandbox\n"
	    "      -d --detach         print the sandbox id and do not wait (stdio: /dev/null)\n"
	    "  list                         List sandboxes\n"
	    "  status ID                    Show one sandbox\n"
	    "  kill ID [-s --signal SIG]    Send a signal (default TERM) to a sandbox\n"
	    "  policies                     List policies\n"
	    "  policy show NAME             Print a policy's text\n"
	    "  policy check [--daemon] FILE Check a policy file here (no daemon needed),\n"
	    "                               or with --daemon in sandboxd\n"
	    "\n"
	    "Options:\n"
	    "  -S --socket PATH  control socket (default: $SANDBOXD_SOCKET or\n"
	    "                    " SANDBOX_DEFAULT_SOCKET ")\n"
	    "  -j --json         JSON output for list, status and policies\n"
	    "  -h --help         show this help\n"
	    "  -V --version      show the version\n");
}

static int
usage_error(const char *fmt, ...) _printf_(1, 2);

/* Quotes the arguments it was given: escaped, like every other message. */
static int
usage_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("sandboxctl: ", stderr);
	(void) escape_fputs(buf, 0, stderr);
	fputs("\nTry 'sandboxctl --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/* Reports what getopt_long() (run with opterr = 0) did not like. */
static int
option_error(char *const *argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return usage_error("option '%s' requires an argument", arg);
	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		return usage_error("invalid option -- '%c'", optopt);
	return usage_error("unrecognized option '%s'", arg);
}

static const char *
socket_path(void)
{
	const char *e;

	if (arg_socket)
		return arg_socket;
	e = getenv("SANDBOXD_SOCKET");
	return e && *e ? e : SANDBOX_DEFAULT_SOCKET;
}

static int
connect_daemon(sandbox_client **ret)
{
	int r;

	r = sandbox_client_connect(arg_socket, ret);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return log_error_errno(r, "cannot connect to %s: %m (is sandboxd running?)",
		    socket_path());
	if (r == -EPROTONOSUPPORT)
		return log_error_errno(r, "cannot connect to %s: sandboxd speaks another "
		    "protocol version", socket_path());
	if (r == -EUSERS)
		return log_error_errno(r, "cannot connect to %s: too many connections for "
		    "this user", socket_path());
	if (r == -EAGAIN)
		return log_error_errno(r, "cannot connect to %s: sandboxd refused the connection: "
		    "too many connections, try again later", socket_path());
	if (r < 0)
		return log_error_errno(r, "cannot connect to %s: %m", socket_path());
	return 0;
}

/* The daemon's message for the last failure, else strerror. */
static const char *
error_message(const sandbox_client *c, int r)
{
	const char *m = sandbox_client_last_error(c);

	return m && *m ? m : strerror(-r);
}

static int
parse_id(const char *s, uint64_t *ret)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/*
 * Seconds, possibly fractional ("0.5"), or a span with a unit ("500ms",
 * "2min"). Returns milliseconds, rounding a non-zero value up to at least 1.
 */
static int
parse_seconds_ms(const char *s, uint64_t *ret)
{
	const char *dot = strchr(s, '.');
	uint64_t whole, ms = 0, scale = 100;
	bool any = false;
	int r;

	if (!dot)
		return parse_time_ms(s, ret);
	{
		_cleanup_free_ char *w = strndup(s, (size_t) (dot - s));

		if (!w)
			return -ENOMEM;
		r = parse_u64(*w ? w : "0", &whole);
		if (r < 0)
			return r;
	}
	for (const char *p = dot + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (*p != '0')
			any = true;
		ms += (uint64_t) (*p - '0') * scale;
		scale /= 10;
	}
	if (dot == s && !dot[1])
		return -EINVAL;
	if (whole > (UINT64_MAX - 1000) / 1000)
		return -ERANGE;
	whole = whole * 1000 + ms;
	if (whole == 0 && any)
		whole = 1;
	*ret = whole;
	return 0;
}

/* Formatting helpers. */

static const char *
format_bytes(char *buf, size_t size, uint64_t v)
{
	static const char units[] = "KMGTPE";
	double d = (double) v;
	size_t i = 0;

	if (v < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", v);
		return buf;
	}
	d /= 1024.0;
	while (d >= 1024.0 && i + 1 < sizeof(units) - 1) {
		d /= 1024.0;
		i++;
	}
	snprintf(buf, size, "%.1f%c", d, units[i]);
	return buf;
}

static const char *
format_usec(char *buf, size_t size, uint64_t usec)
{
	uint64_t s = usec / 1000000u;

	if (s < 60)
		snprintf(buf, size, "%.2fs", (double) usec / 1e6);
	else if (s < 3600)
		snprintf(buf, size, "%" PRIu64 "min %02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, size, "%" PRIu64 "h %02" PRIu64 "min", s / 3600, (s / 60) % 60);
	return buf;
}

/* A limit value: 0 and UINT64_MAX both mean there is none. */
static const char *
format_limit(char *buf, size_t size, uint64_t v, const char *unit)
{
	if (v == 0 || v == UINT64_MAX)
		return "none";
	if (strcmp(unit, "bytes") == 0)
		return format_bytes(buf, size, v);
	if (strcmp(unit, "ms") == 0)
		return format_usec(buf, size, v * 1000u);
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

/*
 * Output of strings others chose: a target's argv, policy names and
 * descriptions, denial paths, the daemon's error text. They reach the
 * terminal only escaped (common/escape.h), so no control sequence in them
 * is obeyed by root's terminal.
 */

/* Prints s as a JSON string; controls as \u00XX, bytes that are not UTF-8
 * as U+FFFD. */
static void
json_string(const char *s)
{
	putchar('"');
	(void) escape_fputs(s, ESCAPE_JSON, stdout);
	putchar('"');
}

/* "label: s" on a line of its own, s escaped. */
static void
print_field(const char *label, const char *s)
{
	printf("%s: ", label);
	(void) escape_fputs(s, 0, stdout);
	putchar('\n');
}

/* s escaped, padded to width columns, then a space. */
static void
print_column(const char *s, size_t width)
{
	size_t cols = escape_columns(s, 0);

	(void) escape_fputs(s, 0, stdout);
	printf("%*s ", (int) (cols < width ? width - cols : 0), "");
}

/* The widest of the strings get(v[i]) for i < n once escaped, at least min. */
static size_t
column_width(size_t min, const char *(*get)(const sandbox_info *), sandbox_info **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = escape_columns(get(v[i]), 0);

		if (l > min)
			min = l;
	}
	return min;
}

static void
json_info(const sandbox_info *i, const char *indent)
{
	printf("%s{\n%s  \"id\": %" PRIu64 ",\n", indent, indent, sandbox_info_get_id(i));
	printf("%s  \"state\": ", indent);
	json_string(sandbox_info_get_state(i));
	printf(",\n%s  \"limit\": ", indent);
	json_string(sandbox_info_get_limit(i));
	printf(",\n%s  \"policy\": ", indent);
	json_string(sandbox_info_get_policy(i));
	printf(",\n%s  \"command\": ", indent);
	json_string(sandbox_info_get_command(i));
	printf(",\n%s  \"owner_uid\": %u,\n", indent, (unsigned) sandbox_info_get_owner_uid(i));
	printf("%s  \"owner_pid\": %d,\n", indent, (int) sandbox_info_get_owner_pid(i));
	printf("%s  \"pid\": %d,\n", indent, (int) sandbox_info_get_pid(i));
	printf("%s  \"uid\": %u,\n", indent, (unsigned) sandbox_info_get_uid(i));
	printf("%s  \"start_usec\": %" PRIu64 ",\n", indent, sandbox_info_get_start_usec(i));
	printf("%s  \"cpu_usec\": %" PRIu64 ",\n", indent, sandbox_info_get_cpu_usec(i));
	printf("%s  \"memory_current\": %" PRIu64 ",\n", indent,
	    sandbox_info_get_memory_current(i));
	printf("%s  \"memory_peak\": %" PRIu64 ",\n", indent, sandbox_info_get_memory_peak(i));
	printf("%s  \"tasks_current\": %" PRIu64 ",\n", indent,
	    sandbox_info_get_tasks_current(i));
	printf("%s  \"timeout_ms\": %" PRIu64 ",\n", indent, sandbox_info_get_timeout_ms(i));
	printf("%s  \"memory_max\": %" PRIu64 ",\n", indent, sandbox_info_get_memory_max(i));
	printf("%s  \"tasks_max\": %" PRIu64 ",\n", indent, sandbox_info_get_tasks_max(i));
	printf("%s  \"cpu_ms\": %" PRIu64 ",\n", indent, sandbox_info_get_cpu_ms(i));
	printf("%s  \"broker_requests\": %" PRIu64 ",\n", indent,
	    sandbox_info_get_broker_requests(i));
	printf("%s  \"broker_denied\": %" PRIu64 ",\n", indent, sandbox_info_get_broker_denied(i));
	printf("%s  \"last_denial\": ", indent);
	if (sandbox_info_get_last_denial(i))
		json_string(sandbox_info_get_last_denial(i));
	else
		fputs("null", stdout);
	printf("\n%s}", indent);
}

/* Commands. Each returns the process exit status. */

static int
parse_json_option(int argc, char **argv, const char *synopsis, int n_args)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{}
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":j", options, NULL)) >= 0)
		switch (c) {
		case 'j':
			arg_json = true;
			break;
		default:
			return option_error(argv, c);
		}
	if (argc - optind != n_args)
		return usage_error("usage: sandboxctl %s", synopsis);
	return 0;
}

static int
verb_list(int argc, char **argv)
{
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	sandbox_info **v = NULL;
	size_t n = 0, policy_width = 6, state_width = 8;
	int r;

	r = parse_json_option(argc, argv, "list [--json]", 0);
	if (r != 0)
		return r;
	if (connect_daemon(&c) < 0)
		return EXIT_FAILURE;
	r = sandbox_list(c, &v, &n);
	if (r < 0) {
		log_error("failed to list sandboxes: %s", error_message(c, r));
		return EXIT_FAILURE;
	}

	if (arg_json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf(i ? ",\n" : "\n");
			json_info(v[i], "  ");
		}
		printf(n ? "\n]\n" : "]\n");
		sandbox_info_list_free(v, n);
		return EXIT_SUCCESS;
	}

	policy_width = column_width(policy_width, sandbox_info_get_policy, v, n);
	state_width = column_width(state_width, sandbox_info_get_state, v, n);
	printf("%-6s %-6s %-8s %-*s %-*s %-9s %-8s %s\n", "ID", "UID", "PID",
	    (int) state_width, "STATE", (int) policy_width, "POLICY", "CPU", "MEMORY", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		char cpu[32], mem[32];

		printf("%-6" PRIu64 " %-6u %-8d ", sandbox_info_get_id(v[i]),
		    (unsigned) sandbox_info_get_owner_uid(v[i]), (int) sandbox_info_get_pid(v[i]));
		print_column(sandbox_info_get_state(v[i]), state_width);
		print_column(sandbox_info_get_policy(v[i]), policy_width);
		printf("%-9s %-8s ", format_usec(cpu, sizeof(cpu), sandbox_info_get_cpu_usec(v[i])),
		    format_bytes(mem, sizeof(mem), sandbox_info_get_memory_current(v[i])));
		(void) escape_fputs(sandbox_info_get_command(v[i]), 0, stdout);
		putchar('\n');
	}
	sandbox_info_list_free(v, n);
	return EXIT_SUCCESS;
}

static void
sandbox_info_freep(sandbox_info **i)
{
	sandbox_info_free(*i);
}

static int
verb_status(int argc, char **argv)
{
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	_cleanup_(sandbox_info_freep) sandbox_info *i = NULL;
	char b1[32], b2[32], started[64] = "-";
	uint64_t id, start;
	int r;

	r = parse_json_option(argc, argv, "status ID [--json]", 1);
	if (r != 0)
		return r;
	if (parse_id(argv[optind], &id) < 0)
		return usage_error("invalid sandbox id '%s'", argv[optind]);
	if (connect_daemon(&c) < 0)
		return EXIT_FAILURE;
	r = sandbox_status(c, id, &i);
	if (r == -ESRCH) {
		log_error("no such sandbox: %" PRIu64, id);
		return EXIT_FAILURE;
	}
	if (r < 0) {
		log_error("failed to get the status of sandbox %" PRIu64 ": %s", id,
		    error_message(c, r));
		return EXIT_FAILURE;
	}

	if (arg_json) {
		json_info(i, "");
		putchar('\n');
		return EXIT_SUCCESS;
	}

	start = sandbox_info_get_start_usec(i);
	if (start > 0) {
		time_t t = (time_t) (start / 1000000u);
		struct tm tm;

		if (localtime_r(&t, &tm))
			(void) strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S %Z", &tm);
	}
	printf("Id: %" PRIu64 "\n", sandbox_info_get_id(i));
	print_field("State", sandbox_info_get_state(i));
	print_field("Limit hit", sandbox_info_get_limit(i));
	print_field("Policy", sandbox_info_get_policy(i));
	print_field("Command", sandbox_info_get_command(i));
	printf("Owner UID: %u\n", (unsigned) sandbox_info_get_owner_uid(i));
	printf("Owner PID: %d\n", (int) sandbox_info_get_owner_pid(i));
	printf("PID: %d\n", (int) sandbox_info_get_pid(i));
	printf("UID: %u\n", (unsigned) sandbox_info_get_uid(i));
	printf("Started: %s\n", started);
	printf("CPU: %s\n", format_usec(b1, sizeof(b1), sandbox_info_get_cpu_usec(i)));
	printf("Memory: %s (peak %s)\n",
	    format_bytes(b1, sizeof(b1), sandbox_info_get_memory_current(i)),
	    format_bytes(b2, sizeof(b2), sandbox_info_get_memory_peak(i)));
	printf("Tasks: %" PRIu64 "\n", sandbox_info_get_tasks_current(i));
	printf("Timeout: %s\n", format_limit(b1, sizeof(b1), sandbox_info_get_timeout_ms(i), "ms"));
	printf("Memory max: %s\n",
	    format_limit(b1, sizeof(b1), sandbox_info_get_memory_max(i), "bytes"));
	printf("Tasks max: %s\n", format_limit(b1, sizeof(b1), sandbox_info_get_tasks_max(i), ""));
	printf("CPU max: %s\n", format_limit(b1, sizeof(b1), sandbox_info_get_cpu_ms(i), "ms"));
	printf("Broker requests: %" PRIu64 " (%" PRIu64 " denied)\n",
	    sandbox_info_get_broker_requests(i), sandbox_info_get_broker_denied(i));
	if (sandbox_info_get_last_denial(i))
		print_field("Last denial", sandbox_info_get_last_denial(i));
	return EXIT_SUCCESS;
}

static const struct {
	const char *name;
	int number;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* A signal name with or without "SIG", any case, or a number 0..NSIG-1. */
static int
parse_signal(const char *s, int *ret)
{
	uint64_t n;

	if (parse_u64(s, &n) == 0) {
		if (n >= NSIG)
			return -ERANGE;
		*ret = (int) n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0) {
			*ret = signals[i].number;
			return 0;
		}
	return -EINVAL;
}

static int
verb_kill(int argc, char **argv)
{
	static const struct option options[] = {
		{ "signal", required_argument, NULL, 's' },
		{}
	};
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	int sig = SIGTERM, ch, r;
	uint64_t id;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":s:", options, NULL)) >= 0)
		switch (ch) {
		case 's':
			if (parse_signal(optarg, &sig) < 0)
				return usage_error("invalid signal '%s'", optarg);
			break;
		default:
			return option_error(argv, ch);
		}
	if (argc - optind != 1)
		return usage_error("usage: sandboxctl kill ID [--signal SIG]");
	if (parse_id(argv[optind], &id) < 0)
		return usage_error("invalid sandbox id '%s'", argv[optind]);
	if (connect_daemon(&c) < 0)
		return EXIT_FAILURE;
	r = sandbox_kill(c, id, sig);
	if (r == -ESRCH) {
		log_error("no such sandbox: %" PRIu64, id);
		return EXIT_FAILURE;
	}
	if (r < 0) {
		log_error("failed to kill sandbox %" PRIu64 ": %s", id, error_message(c, r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int
verb_policies(int argc, char **argv)
{
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	_cleanup_strv_free_ char **names = NULL, **descs = NULL;
	size_t width = 4;
	int r;

	r = parse_json_option(argc, argv, "policies [--json]", 0);
	if (r != 0)
		return r;
	if (connect_daemon(&c) < 0)
		return EXIT_FAILURE;
	r = sandbox_policy_list(c, &names, &descs);
	if (r < 0) {
		log_error("failed to list policies: %s", error_message(c, r));
		return EXIT_FAILURE;
	}
	if (arg_json) {
		printf("[");
		for (size_t i = 0; names[i]; i++) {
			printf(i ? ",\n  { \"name\": " : "\n  { \"name\": ");
			json_string(names[i]);
			printf(", \"description\": ");
			json_string(descs[i]);
			printf(" }");
		}
		printf(names[0] ? "\n]\n" : "]\n");
		return EXIT_SUCCESS;
	}
	for (size_t i = 0; names[i]; i++)
		if (escape_columns(names[i], 0) > width)
			width = escape_columns(names[i], 0);
	printf("%-*s  %s\n", (int) width, "NAME", "DESCRIPTION");
	for (size_t i = 0; names[i]; i++) {
		print_column(names[i], width);
		putchar(' ');
		(void) escape_fputs(descs[i], 0, stdout);
		putchar('\n');
	}
	return EXIT_SUCCESS;
}

/* Reads a whole policy file into a string. */
static int
read_policy_file(const char *path, char **ret)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", path);
	r = read_full_fd(fd, SBX_POLICY_TEXT_MAX, ret, NULL);
	if (r == -ENOMEM)
		return log_oom();
	if (r == -EFBIG)
		return log_error_errno(-E2BIG, "%s: policy file too large (at most %u bytes)", path,
		    SBX_POLICY_TEXT_MAX);
	if (r == -EBADMSG)
		return log_error_errno(r, "%s: policy file contains a NUL byte", path);
	if (r < 0)
		return log_error_errno(r, "cannot read %s: %m", path);
	return 0;
}

/* policy check FILE: sandboxd's check mode, run here, as the caller, so it
 * needs no daemon ($SANDBOXD names the binary, as in the build tree). */
static int
policy_check_local(const char *path)
{
	const char *e = getenv("SANDBOXD");
	const char *sandboxd = e && *e ? e : SANDBOXD_PATH;

	(void) fflush(stdout);
	execl(sandboxd, "sandboxd", "--check-policy", path, (char *) NULL);
	log_error_errno(-errno, "cannot run %s --check-policy: %m", sandboxd);
	return EXIT_FAILURE;
}

/* policy check --daemon FILE: the same check, made by the daemon. */
static int
policy_check_daemon(const char *path)
{
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	_cleanup_free_ char *text = NULL;
	const char *report;
	int r;

	if (read_policy_file(path, &text) < 0)
		return EXIT_FAILURE;
	if (connect_daemon(&c) < 0)
		return EXIT_FAILURE;
	r = sandbox_policy_check(c, path, text);
	if (r < 0 && r != -EBADMSG) {
		log_error("cannot check %s: %s", path, error_message(c, r));
		return EXIT_FAILURE;
	}
	/* "file:line: severity: message", as compilers print it, for editors. */
	report = sandbox_client_last_error(c);
	if (report)
		fputs(report, stderr);
	if (r == -EBADMSG)
		return EXIT_FAILURE;
	printf("%s: OK\n", path);
	return EXIT_SUCCESS;
}

static int
verb_policy(int argc, char **argv)
{
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	_cleanup_free_ char *text = NULL;
	size_t l;
	int r;

	if (argc == 4 && strcmp(argv[1], "check") == 0 && strcmp(argv[2], "--daemon") == 0)
		return policy_check_daemon(argv[3]);
	if (argc != 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "check") != 0))
		return usage_error("usage: sandboxctl policy show NAME | "
		    "policy check [--daemon] FILE");
	if (strcmp(argv[1], "check") == 0)
		return policy_check_local(argv[2]);

	if (connect_daemon(&c) < 0)
		return EXIT_FAILURE;
	r = sandbox_policy_show(c, argv[2], &text);
	if (r < 0) {
		log_error("cannot show policy '%s': %s", argv[2], error_message(c, r));
		return EXIT_FAILURE;
	}
	/* An administrator's text: its lines and tabs stay, controls do not. */
	l = strlen(text);
	(void) escape_fputs(text, ESCAPE_TEXT, stdout);
	if (l > 0 && text[l - 1] != '\n')
		putchar('\n');
	return EXIT_SUCCESS;
}

/* run: signals sandboxctl receives go to the target through this pipe. */
static int signal_pipe[2] = { -1, -1 };

static void
forward_signal_handler(int sig)
{
	unsigned char b = (unsigned char) sig;
	int saved = errno;

	(void) !write(signal_pipe[1], &b, 1);
	errno = saved;
}

static int
setup_signal_forwarding(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = forward_signal_handler, .sa_flags = SA_RESTART };

	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}

/* Our fd, if it is open; -1 lets the target have /dev/null instead. */
static int
stdio_fd(int fd)
{
	return fcntl(fd, F_GETFD) < 0 ? -1 : fd;
}

/* Exit status for a failed spawn, following env(1). */
static int
spawn_failure_status(const sandbox_client *c, int r)
{
	const char *m = sandbox_client_last_error(c);

	if (r == -EACCES || r == -ENOEXEC || r == -EISDIR)
		return EXIT_CANNOT_EXEC;
	if (r == -ENOENT && !(m && strstr(m, "policy")))
		return EXIT_NOT_FOUND;
	return EXIT_RUN_FAILED;
}

static void
sandbox_spawn_options_freep(sandbox_spawn_options **o)
{
	sandbox_spawn_options_free(*o);
}

static int
report_exit(const sandbox_exit *ex)
{
	if (strcmp(ex->limit, "shutdown") == 0)
		log_error("sandbox %" PRIu64 " was stopped because sandboxd shut down", ex->id);
	else if (strcmp(ex->limit, "none") != 0 && strcmp(ex->limit, "killed") != 0)
		log_error("sandbox %" PRIu64 " hit its %s limit", ex->id, ex->limit);
	if (ex->exited)
		return ex->status & 0xff;
	return 128 + ex->status;
}

/* Waits for the target's exit, forwarding signals. Returns the exit status. */
static int
run_wait(sandbox_client *c, uint64_t id)
{
	sandbox_exit ex;
	int r;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sandbox_client_get_fd(c), .events = POLLIN },
			{ .fd = signal_pipe[0], .events = POLLIN },
		};

		/* Also after a kill, whose reply may have been preceded by EXITED. */
		r = sandbox_wait(c, id, 0, &ex);
		if (r == 0)
			return report_exit(&ex);
		if (r != -ETIMEDOUT) {
			if (r == -ECONNRESET)
				log_error("lost the connection to sandboxd while waiting for "
				    "sandbox %" PRIu64, id);
			else
				log_error_errno(r, "failed to wait for sandbox %" PRIu64 ": %m",
				    id);
			return EXIT_RUN_FAILED;
		}

		if (poll(p, ELEMENTSOF(p), -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(-errno, "poll failed: %m");
			return EXIT_RUN_FAILED;
		}
		if (p[1].revents & POLLIN) {
			unsigned char sigs[16];
			ssize_t n = read(signal_pipe[0], sigs, sizeof(sigs));

			for (ssize_t i = 0; i < n; i++) {
				r = sandbox_kill(c, id, sigs[i]);
				/* -ESRCH: it is exiting; its EXITED is on the way. */
				if (r < 0 && r != -ESRCH)
					log_warning("failed to forward signal %d to sandbox "
					    "%" PRIu64 ": %s, ignoring", sigs[i], id,
					    error_message(c, r));
			}
		}
	}
}

static int
verb_run(int argc, char **argv)
{
	enum {
		ARG_TASKS = 0x100,
		ARG_CPU,
		ARG_NOFILE,
		ARG_FSIZE,
	};
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ "tasks", required_argument, NULL, ARG_TASKS },
		{ "cpu", required_argument, NULL, ARG_CPU },
		{ "nofile", required_argument, NULL, ARG_NOFILE },
		{ "fsize", required_argument, NULL, ARG_FSIZE },
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'C' },
		{ "detach", no_argument, NULL, 'd' },
		{}
	};
	_cleanup_(sandbox_spawn_options_freep) sandbox_spawn_options *o = NULL;
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	bool detach = false;
	uint64_t v, id;
	int ch, r;

	r = sandbox_spawn_options_new(&o);
	if (r < 0) {
		log_oom();
		return EXIT_RUN_FAILED;
	}

	/* "+": options end at the command, so its own options stay its own. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+:p:t:m:e:C:d", options, NULL)) >= 0) {
		switch (ch) {
		case 'p':
			r = sandbox_spawn_options_set_policy(o, optarg);
			if (r < 0)
				return usage_error("invalid policy name '%s'", optarg);
			break;
		case 't':
			if (parse_seconds_ms(optarg, &v) < 0 || v == 0)
				return usage_error("invalid timeout '%s'", optarg);
			r = sandbox_spawn_options_set_timeout_ms(o, v);
			break;
		case ARG_CPU:
			if (parse_seconds_ms(optarg, &v) < 0 || v == 0)
				return usage_error("invalid CPU time '%s'", optarg);
			r = sandbox_spawn_options_set_cpu_ms(o, v);
			break;
		case 'm':
			if (parse_size(optarg, &v) < 0 || v == 0)
				return usage_error("invalid memory size '%s'", optarg);
			r = sandbox_spawn_options_set_memory_max(o, v);
			break;
		case ARG_FSIZE:
			if (parse_size(optarg, &v) < 0 || v == 0)
				return usage_error("invalid file size '%s'", optarg);
			r = sandbox_spawn_options_set_fsize_max(o, v);
			break;
		case ARG_TASKS:
			if (parse_u64(optarg, &v) < 0 || v == 0)
				return usage_error("invalid task count '%s'", optarg);
			r = sandbox_spawn_options_set_tasks_max(o, v);
			break;
		case ARG_NOFILE:
			if (parse_u64(optarg, &v) < 0 || v == 0)
				return usage_error("invalid file count '%s'", optarg);
			r = sandbox_spawn_options_set_nofile_max(o, v);
			break;
		case 'e':
			r = sandbox_spawn_options_add_env(o, optarg);
			if (r == -EINVAL)
				return usage_error("invalid environment entry '%s' "
				    "(want KEY=VALUE)", optarg);
			if (r == -E2BIG)
				return usage_error("too many or too long environment entries");
			break;
		case 'C':
			r = sandbox_spawn_options_set_cwd(o, optarg);
			if (r == -ENAMETOOLONG)
				return usage_error("working directory too long");
			break;
		case 'd':
			detach = true;
			r = sandbox_spawn_options_set_detach(o, 1);
			break;
		default:
			return option_error(argv, ch);
		}
		if (r < 0) {
			log_oom();
			return EXIT_RUN_FAILED;
		}
	}
	if (optind >= argc)
		return usage_error("usage: sandboxctl run [OPTIONS] [--] CMD [ARGS...]");

	/* A detached target outlives this command: it must not hold our
	 * terminal or the pipe of whoever captures our output ($(...)). */
	if (detach)
		r = sandbox_spawn_options_set_stdio(o, -1, -1, -1);
	else
		r = sandbox_spawn_options_set_stdio(o, stdio_fd(STDIN_FILENO),
		    stdio_fd(STDOUT_FILENO), stdio_fd(STDERR_FILENO));
	if (r < 0)
		return EXIT_RUN_FAILED;

	/* Before the spawn, so that a Ctrl-C during it still reaches the target. */
	if (!detach) {
		r = setup_signal_forwarding();
		if (r < 0) {
			log_error_errno(r, "cannot set up signal forwarding: %m");
			return EXIT_RUN_FAILED;
		}
	}

	if (connect_daemon(&c) < 0)
		return EXIT_RUN_FAILED;
	r = sandbox_spawn(c, o, argv + optind, &id);
	if (r < 0) {
		log_error("failed to spawn: %s", error_message(c, r));
		return spawn_failure_status(c, r);
	}
	if (detach) {
		printf("%" PRIu64 "\n", id);
		return EXIT_SUCCESS;
	}
	return run_wait(c, id);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
	{ "run", verb_run },
	{ "list", verb_list },
	{ "status", verb_status },
	{ "kill", verb_kill },
	{ "policies", verb_policies },
	{ "policy", verb_policy },
};

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int c;

	log_set_ident("sandboxctl");
	opterr = 0;

	/* "+": stop at the command; each command parses its own options. */
	while ((c = getopt_long(argc, argv, "+:S:jhV", options, NULL)) >= 0)
		switch (c) {
		case 'S':
			if (!*optarg)
				return usage_error("empty socket path");
			arg_socket = optarg;
			break;
		case 'j':
			arg_json = true;
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		case 'V':
			printf("sandboxctl (" PACKAGE_NAME ") " PACKAGE_VERSION "\n");
			return EXIT_SUCCESS;
		default:
			return option_error(argv, c);
		}

	if (optind >= argc)
		return usage_error("no command given");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(argv[optind], verbs[i].name) == 0)
			return verbs[i].run(argc - optind, argv + optind);
	return usage_error("unknown command '%s'", argv[optind]);
}
