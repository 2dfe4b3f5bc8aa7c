/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed encoders and decoders for the messages that carry strings. Both
 * sides use these, so the daemon and the client cannot disagree about a
 * layout. Decoders check every count against sandbox-protocol.h's limits
 * and end with sbx_reader_end(); any failure is -EBADMSG.
 */
#pragma once

#include <sys/stat.h>

#include "ini.h"
#include "wire.h"

struct sbx_spawn_req {
	struct sbx_spawn	fixed;
	const char		*policy;
	const char		*cwd;
	const char		**argv;		/* NULL-terminated, into the message */
	const char		**env;		/* NULL-terminated, into the message */
};

int sbx_msg_spawn_put(struct sbx_writer *w, const struct sbx_spawn *s, const char *policy,
    const char *cwd, const char *const *argv, const char *const *env);
int sbx_msg_spawn_get(struct sbx_reader *r, struct sbx_spawn_req *ret);
void sbx_spawn_req_done(struct sbx_spawn_req *req);

/*
 * The errors an ERROR reply on the control socket may carry: the one
 * table both ends use (protocol/PROTOCOL.md, "Error codes"). Every entry
 * travels unchanged and the client library returns it negated; the daemon
 * sends any other error as EIO, and the library turns any other value it
 * receives into -EIO.
 */
struct sbx_wire_error {
	int		error;		/* positive errno */
	const char	*meaning;	/* for the spec and the tests */
};
extern const struct sbx_wire_error sbx_wire_errors[];
extern const size_t sbx_n_wire_errors;
/* Daemon side: r (negative or positive errno) → the positive errno to send. */
int sbx_error_to_wire(int r);
/* Client side: a received positive errno → the negative errno to return. */
int sbx_error_from_wire(int error);

void sbx_msg_error_put(struct sbx_writer *w, int error, const char *message);
int sbx_msg_error_get(struct sbx_reader *r, int *ret_error, const char **ret_message);

/* POLICY_REPORT from and into struct ini_diags (common/ini.h): the checker
 * writes it, the daemon relays it, the client reads it. get refuses more
 * than SBX_POLICY_DIAGS_MAX entries, an unknown severity, and counts
 * smaller than the entries. */
void sbx_msg_policy_report_put(struct sbx_writer *w, const struct ini_diags *d);
int sbx_msg_policy_report_get(struct sbx_reader *r, struct ini_diags *ret);
/* "LABEL:LINE: error: message" (no ":LINE" for line 0), with bytes
 * outside printable ASCII in the message written as \xNN, so a policy's
 * text cannot reach a terminal raw. Returns snprintf()'s value. */
int sbx_policy_diag_format(char *buf, size_t size, const char *label, const struct ini_diag *g);

/* A named denial; on get, name points into the message. */
struct sbx_named_denial {
	struct sbx_denial	d;
	const char		*name;
};

/* n ≤ SBX_DENIALS_MAX denials (more are not sent; names are cut at
 * SBX_DENIAL_NAME_MAX). get refuses more, an unknown layer or flag, and
 * a reserved field that is not 0. */
void sbx_msg_info_put(struct sbx_writer *w, const struct sbx_info *info, const char *policy,
    const char *command, const char *last_denial, const struct sbx_named_denial *denials,
    size_t n);
int sbx_msg_info_get(struct sbx_reader *r, struct sbx_info *ret, const char **ret_policy,
    const char **ret_command, const char **ret_last_denial,
    struct sbx_named_denial ret_denials[SBX_DENIALS_MAX], size_t *ret_n);

/* Broker requests: struct sbx_broker_req, the path, and for RENAME the
 * new path. get: exactly that for the message's type (strings bounded by
 * SBX_PATH_MAX, pointing into the message; *ret_path2 NULL unless
 * RENAME), -EBADMSG otherwise. */
void sbx_msg_broker_req_put(struct sbx_writer *w, uint32_t type, uint32_t serial,
    const struct sbx_broker_req *q, const char *path, const char *path2);
int sbx_msg_broker_req_get(struct sbx_reader *r, uint32_t type, struct sbx_broker_req *ret,
    const char **ret_path, const char **ret_path2);

/* Broker replies. error is a positive errno or 0. BROKER_RESULT: no
 * strings. BROKER_STAT_RESULT: st is what to report (NULL on error);
 * get fills *ret only when error is 0. BROKER_LINK_RESULT: the link's
 * content ("" on error). The gets refuse a negative error, and for the
 * stat and link results anything but exactly their payload. */
void sbx_msg_broker_result_put(struct sbx_writer *w, uint32_t serial, int32_t error);
void sbx_msg_broker_stat_put(struct sbx_writer *w, uint32_t serial, int32_t error,
    const struct stat *st);
int sbx_msg_broker_stat_get(struct sbx_reader *r, int32_t *ret_error, struct stat *ret);
void sbx_msg_broker_link_put(struct sbx_writer *w, uint32_t serial, int32_t error,
    const char *link);
int sbx_msg_broker_link_get(struct sbx_reader *r, int32_t *ret_error, const char **ret_link);

/* BROKER_DIR_RESULT. put: one entry after the fixed struct (which the
 * caller writes). get: the fixed struct and its entries into ents
 * (SBX_DIR_PAGE_MAX of them; names point into the message); refuses a
 * count above SBX_DIR_PAGE_MAX, entries on error, a name that is empty,
 * ".", "..", longer than SBX_DIR_NAME_MAX or holds a '/'. */
struct sbx_dirent {
	uint32_t	type;		/* DT_* */
	const char	*name;
};
void sbx_msg_dirent_put(struct sbx_writer *w, uint32_t type, const char *name);
int sbx_msg_broker_dir_get(struct sbx_reader *r, struct sbx_broker_dir *ret,
    struct sbx_dirent ents[static SBX_DIR_PAGE_MAX]);

/*
 * Every type of enum sbx_msg_type, in its order: the one list that the
 * names for logs, sbx_msg_types[] and the tests are made from. A type is
 * named by its enumerator without SBX_MSG_ ("BROKER_OPEN"), which is also
 * how the fuzz seeds are named. msg-names.c switches on the enum with no
 * default, so a type added to sandbox-protocol.h but not here is a
 * -Wswitch warning (an error under --enable-werror).
 */
#define SBX_MSG_TYPES(X) \
	X(HELLO) \
	X(SPAWN) X(KILL) X(LIST) X(STATUS) \
	X(POLICY_LIST) X(POLICY_SHOW) X(POLICY_CHECK) \
	X(BROKER_OPEN) X(BROKER_STAT) X(BROKER_ACCESS) X(BROKER_READLINK) \
	X(BROKER_MKDIR) X(BROKER_UNLINK) X(BROKER_RMDIR) X(BROKER_RENAME) \
	X(BROKER_CONNECT) X(BROKER_READDIR) \
	X(OK) X(ERROR) X(HELLO_REPLY) X(SPAWNED) \
	X(SANDBOX_LIST) X(POLICY_NAMES) X(POLICY_TEXT) \
	X(BROKER_RESULT) X(BROKER_STAT_RESULT) X(BROKER_LINK_RESULT) \
	X(POLICY_REPORT) X(BROKER_DIR_RESULT) \
	X(EXITED) X(SHUTDOWN)

/* SBX_MSG_TYPES as an array of sbx_n_msg_types values. */
extern const uint32_t sbx_msg_types[];
extern const size_t sbx_n_msg_types;

/* Names for logs; NULL for a type this protocol does not know. */
const char *sbx_msg_type_to_string(uint32_t type);
const char *sbx_limit_to_string(uint32_t limit);
const char *sbx_state_to_string(uint32_t state);
/* "seccomp", "broker", "view", "landlock"; NULL for another value. */
const char *sbx_layer_to_string(uint32_t layer);
