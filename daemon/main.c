/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sandboxd: command line, settings, then the manager. Runs in the
 * foreground (systemd or a terminal supervises it); logs to stderr with
 * "<N>" priority prefixes that journald understands.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "bus.h"
#include "log.h"
#include "manager.h"
#include "parse-util.h"
#include "policy-check.h"
#include "spawn.h"

static const char *arg_config = SANDBOXD_SYSCONFDIR "/sandboxd.conf";
static bool arg_config_explicit;
static const char *arg_socket;
static char **arg_policy_dirs;
static int arg_log_level = -1;
static const char *arg_check_policy;
static bool arg_check_wire;
static int arg_bus = BUS_AUTO;

static void
help(void)
{
	printf("Usage: sandboxd [OPTIONS]\n\n"
	    "Runs programs confined, on request, and acts for them as their broker.\n\n"
	    "  -h --help               show this help\n"
	    "     --version            show the version\n"
	    "  -c --config PATH        settings file (default %s)\n"
	    "  -s --socket PATH        listen on PATH instead of the configured socket\n"
	    "  -p --policy-dir DIR     also load policies from DIR (highest priority; repeatable)\n"
	    "     --log-level LEVEL    err, warning, notice, info or debug\n"
	    "     --bus=auto|yes|no    serve on the system bus too: if there is one (auto),\n"
	    "                          or refuse to start without it (yes), or never (no)\n"
	    "     --check-policy FILE  check a policy file (\"-\": standard input) unprivileged,\n"
	    "                          print every error and warning, and exit\n\n"
	    "Policies: built in, then %s, then %s (later ones override).\n"
	    "With no settings file, built-in defaults apply; see sandboxd(8).\n",
	    SANDBOXD_SYSCONFDIR "/sandboxd.conf", SANDBOXD_POLICYDIR, SANDBOXD_SYSCONFDIR "/policies");
}

static int
parse_argv(int argc, char *argv[])
{
	enum { ARG_VERSION = 0x100, ARG_LOG_LEVEL, ARG_BUS, ARG_CHECK_POLICY, ARG_CHECK_WIRE };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{ "bus", required_argument, NULL, ARG_BUS },
		{ "check-policy", required_argument, NULL, ARG_CHECK_POLICY },
		/* The daemon's own: a POLICY_REPORT on stdout (policy-checker.c). */
		{ "check-policy-wire", no_argument, NULL, ARG_CHECK_WIRE },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "hc:s:p:", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("sandboxd %s\n", PACKAGE_VERSION);
			return 0;
		case 'c':
			arg_config = optarg;
			arg_config_explicit = true;
			break;
		case 's':
			if (optarg[0] != '/')
				return log_error_errno(-EINVAL, "--socket needs an absolute path.");
			arg_socket = optarg;
			break;
		case 'p':
			if (strv_push(&arg_policy_dirs, optarg) < 0)
				return log_oom();
			break;
		case ARG_LOG_LEVEL:
			if (parse_log_level(optarg, &arg_log_level) < 0)
				return log_error_errno(-EINVAL, "Unknown log level '%s'.", optarg);
			break;
		case ARG_BUS:
			arg_bus = bus_mode_from_string(optarg);
			if (arg_bus < 0)
				return log_error_errno(-EINVAL, "--bus takes auto, yes or no, not '%s'.",
				    optarg);
			break;
		case ARG_CHECK_POLICY:
			arg_check_policy = optarg;
			break;
		case ARG_CHECK_WIRE:
			arg_check_wire = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (arg_check_wire && !arg_check_policy)
		return log_error_errno(-EINVAL, "--check-policy-wire needs --check-policy.");
	if (optind < argc)
		return log_error_errno(-EINVAL, "Unexpected argument '%s'.", argv[optind]);
	return 1;
}

/* Policy layers: installed, then /etc, then the configuration's and the
 * command line's, each overriding the ones before. --check-policy finds
 * what Include= names there too (the daemon's check passes its layers as
 * -p: repeated, they override alike). */
static int
policy_dirs(char *const *conf_dirs, char ***ret)
{
	_cleanup_strv_free_ char **dirs = NULL;

	if (strv_push(&dirs, SANDBOXD_POLICYDIR) < 0 ||
	    strv_push(&dirs, SANDBOXD_SYSCONFDIR "/policies") < 0)
		return -ENOMEM;
	for (char *const *d = conf_dirs; d && *d; d++)
		if (strv_push(&dirs, *d) < 0)
			return -ENOMEM;
	for (char **d = arg_policy_dirs; d && *d; d++)
		if (strv_push(&dirs, *d) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(dirs);
	return 0;
}

int
main(int argc, char *argv[])
{
	_cleanup_strv_free_ char **dirs = NULL;
	struct manager *m = NULL;
	struct ini_error err;
	int fd = -1, n, r;

	log_set_prefix_priority(true);
	if (argc > 0)
		spawn_set_title_area(argv[0], (size_t) (argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]));
	r = parse_argv(argc, argv);
	if (r <= 0)
		goto out;
	if (arg_check_policy) {
		/* For people unless the daemon reads it: "FILE:LINE: ...". */
		if (!arg_check_wire) {
			log_set_prefix_priority(false);
			log_set_ident("sandboxd");
		}
		log_set_max_level(arg_log_level >= 0 ? arg_log_level : LOG_WARNING);
		r = policy_dirs(NULL, &dirs);
		if (r < 0) {
			log_oom();
			goto out;
		}
		r = policy_check_main(arg_check_policy, dirs, arg_check_wire);
		/* Confined now: what exit() and even _exit() would still run
		 * (atexit handlers; a sanitizer's leak check, which clones and
		 * ptraces) is not allowed by the checker's filter, nor needed. */
		(void) fflush(stdout);
		(void) fflush(stderr);
		(void) syscall(SYS_exit_group, r);
		return r;
	}
	if (geteuid() != 0) {
		r = log_error_errno(-EPERM, "sandboxd must run as root.");
		goto out;
	}
	r = manager_new(&m);
	if (r < 0) {
		log_oom();
		goto out;
	}
	r = conf_load(&m->conf, arg_config, !arg_config_explicit, &err);
	if (r < 0) {
		if (err.line > 0)
			log_error("%s:%u: %s", arg_config, err.line, err.message);
		else
			log_error("%s: %s", arg_config, err.message[0] ? err.message : strerror(-r));
		goto out;
	}
	r = policy_dirs(m->conf.policy_dirs, &dirs);
	if (r < 0) {
		log_oom();
		goto out;
	}
	strv_free(m->conf.policy_dirs);
	m->conf.policy_dirs = TAKE_PTR(dirs);
	if (arg_socket) {
		free(m->conf.socket_path);
		m->conf.socket_path = strdup(arg_socket);
		if (!m->conf.socket_path) {
			r = log_oom();
			goto out;
		}
	}
	log_set_max_level(arg_log_level >= 0 ? arg_log_level : m->conf.log_level);

	n = sd_listen_fds(1);
	if (n < 0) {
		r = log_error_errno(n, "Failed to read the sockets passed by systemd: %m");
		goto out;
	}
	if (n > 1) {
		r = log_error_errno(-EINVAL, "Expected at most one socket from systemd, got %d.", n);
		goto out;
	}
	if (n == 1 && !arg_socket)
		fd = SD_LISTEN_FDS_START;

	r = manager_listen(m, fd);
	if (r < 0)
		goto out;
	r = manager_connect_bus(m, arg_bus);
	if (r < 0)
		goto out;
	r = manager_run(m);
out:
	manager_free(m);
	strv_free(arg_policy_dirs);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
