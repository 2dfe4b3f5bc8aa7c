/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy check mode (see policy-check.h). Whoever runs it, the text it
 * reads is untrusted: a local user's, relayed by the daemon, or a file of
 * unknown origin. So before the first byte of it is read the process
 *   - is not root: started as root it becomes POLICY_CHECK_NOBODY (the
 *     daemon's child arrives with an anonymous uid of its own already),
 *     with no capabilities in any set and no_new_privs;
 *   - runs under a seccomp filter that kills on anything but reading its
 *     input, writing its output, memory management, the memfd that
 *     policy_compile() exports the BPF through, and stat(2) for the bind
 *     source warning. It cannot open files, create sockets or processes.
 * A parser bug that the text exploits thus gets an unprivileged process
 * that can only talk on the pipes it was given.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "msg.h"
#include "policy-check.h"
#include "policy-store.h"
#include "policy.h"
#include "spawn.h"

int
policy_check_drop_privileges(uid_t uid, gid_t gid)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0 || gid == 0)
		return -EINVAL;
	if (geteuid() == 0) {
		/* The bounding set needs CAP_SETPCAP, so before the switch. */
		for (int c = 0; c < 64; c++)
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
				return -errno;
		if (setgroups(0, NULL) < 0)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* Paranoia: all ids changed, and there is no way back. */
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return -errno;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return -EPERM;
	if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0)
		return -EPERM;
	return 0;
}

static void
seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* The checker's own filter; the list is what strace(1) saw after it on
 * checks of the shipped policies and of hostile texts (binary junk, 10,000
 * bad lines), plain and under ASan, and little more: munmap and mremap,
 * which glibc's free() and realloc() use for blocks over 128 KiB. */
static int
confine(void)
{
	static const int allowed[] = {
		SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(pread64), SCMP_SYS(close),
		SCMP_SYS(newfstatat),	/* fstat(), and stat() for policy_lint() */
		SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
		SCMP_SYS(memfd_create),	/* policy_compile() exports the BPF through one */
		SCMP_SYS(sysinfo),	/* glibc qsort() sizes its buffer by it */
		SCMP_SYS(exit_group),
		/* For the credentials line. */
		SCMP_SYS(getpid), SCMP_SYS(getuid), SCMP_SYS(getgid), SCMP_SYS(capget),
	};
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r = 0;

	/* libseccomp probes the kernel once and caches it: do it now. */
	(void) seccomp_api_get();
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(allowed); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Memory, never executable. */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* Reading its own state, for the credentials line. */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		    SCMP_A0(SCMP_CMP_EQ, PR_GET_NO_NEW_PRIVS));
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		    SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP));
	/* stdio asks whether stdout is a terminal before it buffers it. */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, TCGETS));
	/* libseccomp asks the kernel what it supports: say nothing. */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(seccomp), 0);
	if (r >= 0)
		r = seccomp_load(ctx);
	return r;
}

/* The caps the process holds in any set, as one mask (0 when none). */
static uint64_t
caps_held(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d) < 0)
		return UINT64_MAX;
	return ((uint64_t) (d[0].effective | d[0].permitted | d[0].inheritable)) |
	    ((uint64_t) (d[1].effective | d[1].permitted | d[1].inheritable) << 32);
}

static int
check_text(int fd, const char *label, const struct policy_sources *sources, int landlock_abi,
    struct ini_diags *d)
{
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	_cleanup_free_ char *text = NULL;
	struct ini_error err = {};
	int r;

	r = policy_read_fd(fd, &text, d);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	r = policy_parse_sources_all(NULL, label, text, sources, &p, d);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	r = policy_compile(p, &err);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		ini_diags_add(d, err.line, INI_ERROR, r, "%s",
		    err.message[0] ? err.message : strerror(-r));
		return 0;
	}
	policy_lint(p, landlock_abi, d);
	return 0;
}

static int
print_report(const char *label, const struct ini_diags *d, bool wire)
{
	struct sbx_writer w;
	char line[1200];
	int r;

	if (wire) {
		sbx_writer_init(&w, SBX_MSG_POLICY_REPORT, 0);
		sbx_msg_policy_report_put(&w, d);
		r = sbx_writer_finish(&w);
		if (r >= 0 && fwrite(w.buf, 1, w.len, stdout) != w.len)
			r = -EIO;
		sbx_writer_done(&w);
		if (r >= 0 && fflush(stdout) != 0)
			r = -EIO;
		return r;
	}
	for (unsigned i = 0; i < d->n; i++) {
		(void) sbx_policy_diag_format(line, sizeof(line), label, &d->v[i]);
		fprintf(stderr, "%s\n", line);
	}
	if (d->n < d->n_errors + d->n_warnings)
		fprintf(stderr, "%s: %u more not shown\n", label, d->n_errors + d->n_warnings - d->n);
	if (d->n_errors > 0)
		fprintf(stderr, "%s: %u error%s, %u warning%s\n", label, d->n_errors,
		    d->n_errors == 1 ? "" : "s", d->n_warnings, d->n_warnings == 1 ? "" : "s");
	else if (d->n_warnings > 0)
		printf("%s: OK, %u warning%s\n", label, d->n_warnings, d->n_warnings == 1 ? "" : "s");
	else
		printf("%s: OK\n", label);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

int
policy_check_main(const char *path, char *const *dirs, bool wire)
{
	_cleanup_(policy_sources_done) struct policy_sources sources = {};
	_cleanup_free_ struct ini_diags *d = calloc(1, sizeof(*d));
	_cleanup_close_ int owned = -1;
	const char *label = strcmp(path, "-") == 0 ? "<stdin>" : path;
	int fd = STDIN_FILENO, landlock_abi, r;

	if (!d) {
		log_oom();
		return EXIT_FAILURE;
	}
	/* Opening is not reading: the file is opened with the caller's
	 * rights, so a root caller may check a file only root can read. */
	if (strcmp(path, "-") != 0) {
		struct stat st;

		owned = fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0 || fstat(fd, &st) < 0) {
			log_error_errno(-errno, "%s: cannot open: %m", label);
			return EXIT_FAILURE;
		}
		if (!S_ISREG(st.st_mode)) {
			log_error("%s: not a regular file", label);
			return EXIT_FAILURE;
		}
	}
	/* What Include= may name: the administrator's files, read as the
	 * caller (the daemon does the same), parsed only once confined. */
	r = policy_sources_load(dirs, &sources);
	if (r < 0) {
		log_error_errno(r, "Failed to read the installed policies: %m");
		return EXIT_FAILURE;
	}

	if (geteuid() == 0 || getuid() == 0) {
		r = policy_check_drop_privileges(POLICY_CHECK_NOBODY, POLICY_CHECK_NOBODY);
		if (r < 0) {
			log_error_errno(r, "Failed to drop privileges for the policy check: %m");
			return EXIT_FAILURE;
		}
	} else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error_errno(-errno, "Failed to set no_new_privs: %m");
		return EXIT_FAILURE;
	}
	/* Before the filter, which does not allow the probe. */
	landlock_abi = landlock_abi_version();
	r = confine();
	if (r < 0) {
		log_error_errno(r, "Failed to apply the policy checker's seccomp filter: %m");
		return EXIT_FAILURE;
	}
	/* Said by the checker itself, from what the kernel reports to it. */
	log_debug("Policy checker pid %d runs as uid %u gid %u, capabilities %#llx, "
	    "no_new_privs %d, seccomp mode %d.", (int) getpid(), (unsigned) getuid(),
	    (unsigned) getgid(), (unsigned long long) caps_held(),
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));

	r = check_text(fd, label, &sources, landlock_abi, d);
	if (r < 0) {
		log_error_errno(r, "%s: cannot check: %m", label);
		return EXIT_FAILURE;
	}
	r = print_report(label, d, wire);
	if (r < 0)
		return EXIT_FAILURE;
	return d->n_errors > 0 ? 1 : 0;
}
