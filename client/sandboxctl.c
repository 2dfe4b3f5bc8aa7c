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
#include <unistd.h>

#include "escape.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "sandbox-client.h"
#include "sandbox-protocol.h"
#include "sandboxctl-output.h"
#include "signal-util.h"

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
	    "         --report[=json]  after the end, print to stderr how it ended, the limit\n"
	    "                          hit, wall and CPU time and peak memory\n"
	    "         --learn=FILE     learning mode (root): allow and record what the policy\n"
	    "                          refuses; write the learned policy to FILE at the end\n"
	    "  list                         List sandboxes\n"
	    "  status ID                    Show one sandbox\n"
	    "  kill ID [-s --signal SIG]    Send a signal (default TERM) to a sandbox\n"
	    "  policies                     List policies\n"
	    "  policy show [--effective] NAME\n"
	    "                               Print a policy's text (--effective: with what\n"
	    "                               its Include= lines name, in their place)\n"
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
	size_t n = 0;
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

	output_sandbox_list(v, n, arg_json);
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
	uint64_t id;
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

	output_sandbox_status(i, arg_json);
	return EXIT_SUCCESS;
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
			if (signal_from_string(optarg, &sig) < 0)
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
	output_policy_list(names, descs, arg_json);
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
	bool effective;
	const char *name;
	size_t l;
	int r;

	if (argc == 4 && strcmp(argv[1], "check") == 0 && strcmp(argv[2], "--daemon") == 0)
		return policy_check_daemon(argv[3]);
	effective = argc == 4 && strcmp(argv[1], "show") == 0 &&
	    strcmp(argv[2], "--effective") == 0;
	if (!effective &&
	    (argc != 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "check") != 0)))
		return usage_error("usage: sandboxctl policy show [--effective] NAME | "
		    "policy check [--daemon] FILE");
	if (strcmp(argv[1], "check") == 0)
		return policy_check_local(argv[2]);

	name = argv[argc - 1];
	if (connect_daemon(&c) < 0)
		return EXIT_FAILURE;
	if (effective)
		r = sandbox_policy_show_effective(c, name, &text);
	else
		r = sandbox_policy_show(c, name, &text);
	if (r < 0) {
		log_error("cannot show policy '%s': %s", name, error_message(c, r));
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

/* run --report: none, text or JSON. */
enum report {
	REPORT_NONE,
	REPORT_TEXT,
	REPORT_JSON,
};

static int
report_exit(const sandbox_exit *ex, enum report report)
{
	if (strcmp(ex->limit, "shutdown") == 0)
		log_error("sandbox %" PRIu64 " was stopped because sandboxd shut down", ex->id);
	else if (strcmp(ex->limit, "none") != 0 && strcmp(ex->limit, "killed") != 0)
		log_error("sandbox %" PRIu64 " hit its %s limit", ex->id, ex->limit);
	if (report != REPORT_NONE)
		output_run_report(ex, report == REPORT_JSON);
	if (ex->exited)
		return ex->status & 0xff;
	return 128 + ex->status;
}

/* Waits for the target's exit, forwarding signals. Returns the exit status. */
static int
run_wait(sandbox_client *c, uint64_t id, enum report report)
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
			return report_exit(&ex, report);
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

/* The learned policy into fd (path for messages), replacing what it held. */
static int
write_learned(sandbox_client *c, uint64_t id, const char *path, int fd)
{
	_cleanup_free_ char *text = NULL;
	size_t done = 0, len;
	int r;

	r = sandbox_learned_policy(c, id, &text);
	if (r < 0 || !text[0]) {
		log_error("sandboxd sent no learned policy for sandbox %" PRIu64 "%s", id,
		    r < 0 ? "" : " (it could not make one: see its log)");
		return -ENOENT;
	}
	len = strlen(text);
	if (ftruncate(fd, 0) < 0)
		goto fail;
	while (done < len) {
		ssize_t n = pwrite(fd, text + done, len - done, (off_t) done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t) n;
	}
	if (fsync(fd) < 0)
		goto fail;
	log_info("learned policy written to '%s'", path);
	return 0;
fail:
	r = errno ? -errno : -EIO;
	log_error_errno(r, "cannot write the learned policy to '%s': %m", path);
	return r;
}

static int
verb_run(int argc, char **argv)
{
	enum {
		ARG_TASKS = 0x100,
		ARG_CPU,
		ARG_NOFILE,
		ARG_FSIZE,
		ARG_REPORT,
		ARG_LEARN,
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
		{ "report", optional_argument, NULL, ARG_REPORT },
		{ "learn", required_argument, NULL, ARG_LEARN },
		{}
	};
	_cleanup_(sandbox_spawn_options_freep) sandbox_spawn_options *o = NULL;
	_cleanup_(sandbox_client_freep) sandbox_client *c = NULL;
	enum report report = REPORT_NONE;
	_cleanup_close_ int learn_fd = -1;
	const char *learn = NULL;
	bool detach = false, learn_made = false;
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
		case ARG_REPORT:
			r = 0;
			if (!optarg)
				report = REPORT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				report = REPORT_JSON;
			else
				return usage_error("invalid report format '%s' (want json)",
				    optarg);
			break;
		case ARG_LEARN:
			if (!optarg[0])
				return usage_error("--learn needs a file name");
			learn = optarg;
			r = sandbox_spawn_options_set_learn(o, 1);
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
	if (detach && report != REPORT_NONE)
		return usage_error("--report needs a sandboxctl that waits: not with --detach");
	if (detach && learn)
		return usage_error("--learn needs a sandboxctl that waits: not with --detach");
	/* Opened now, as the caller: a file that cannot be written is said
	 * before anything runs. */
	/* Not through a symbolic link: root learns, maybe in a directory others
	 * may write. A file made here goes again if nothing runs. */
	if (learn) {
		learn_fd = open(learn, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
		    0644);
		if (learn_fd >= 0)
			learn_made = true;
		else if (errno == EEXIST)
			learn_fd = open(learn, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
		if (learn_fd < 0) {
			log_error_errno(-errno, "cannot open '%s' for the learned policy: %m", learn);
			return EXIT_RUN_FAILED;
		}
	}

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

	if (connect_daemon(&c) < 0) {
		if (learn_made)
			(void) unlink(learn);
		return EXIT_RUN_FAILED;
	}
	r = sandbox_spawn(c, o, argv + optind, &id);
	if (r < 0) {
		log_error("failed to spawn: %s", error_message(c, r));
		if (learn_made)
			(void) unlink(learn);
		return spawn_failure_status(c, r);
	}
	if (detach) {
		printf("%" PRIu64 "\n", id);
		return EXIT_SUCCESS;
	}
	r = run_wait(c, id, report);
	if (learn && write_learned(c, id, learn, learn_fd) < 0)
		return EXIT_RUN_FAILED;
	return r;
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
