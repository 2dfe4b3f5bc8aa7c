/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names of message types, limits and states, for logs and sandboxctl.
 * tests/unit/test-wire.c fails if a type in sandbox-protocol.h has none. */
#include <stddef.h>

#include "msg.h"

const char *
sbx_msg_type_to_string(uint32_t type)
{
	switch (type) {
	case SBX_MSG_HELLO:		return "HELLO";
	case SBX_MSG_SPAWN:		return "SPAWN";
	case SBX_MSG_KILL:		return "KILL";
	case SBX_MSG_LIST:		return "LIST";
	case SBX_MSG_STATUS:		return "STATUS";
	case SBX_MSG_POLICY_LIST:	return "POLICY_LIST";
	case SBX_MSG_POLICY_SHOW:	return "POLICY_SHOW";
	case SBX_MSG_POLICY_CHECK:	return "POLICY_CHECK";
	case SBX_MSG_BROKER_OPEN:	return "BROKER_OPEN";
	case SBX_MSG_BROKER_STAT:	return "BROKER_STAT";
	case SBX_MSG_BROKER_ACCESS:	return "BROKER_ACCESS";
	case SBX_MSG_BROKER_READLINK:	return "BROKER_READLINK";
	case SBX_MSG_BROKER_MKDIR:	return "BROKER_MKDIR";
	case SBX_MSG_BROKER_UNLINK:	return "BROKER_UNLINK";
	case SBX_MSG_BROKER_RMDIR:	return "BROKER_RMDIR";
	case SBX_MSG_BROKER_RENAME:	return "BROKER_RENAME";
	case SBX_MSG_BROKER_CONNECT:	return "BROKER_CONNECT";
	case SBX_MSG_BROKER_READDIR:	return "BROKER_READDIR";
	case SBX_MSG_OK:		return "OK";
	case SBX_MSG_ERROR:		return "ERROR";
	case SBX_MSG_HELLO_REPLY:	return "HELLO_REPLY";
	case SBX_MSG_SPAWNED:		return "SPAWNED";
	case SBX_MSG_SANDBOX_LIST:	return "SANDBOX_LIST";
	case SBX_MSG_POLICY_NAMES:	return "POLICY_NAMES";
	case SBX_MSG_POLICY_TEXT:	return "POLICY_TEXT";
	case SBX_MSG_BROKER_RESULT:	return "BROKER_RESULT";
	case SBX_MSG_BROKER_STAT_RESULT: return "BROKER_STAT_RESULT";
	case SBX_MSG_BROKER_LINK_RESULT: return "BROKER_LINK_RESULT";
	case SBX_MSG_POLICY_REPORT:	return "POLICY_REPORT";
	case SBX_MSG_BROKER_DIR_RESULT:	return "BROKER_DIR_RESULT";
	case SBX_MSG_EXITED:		return "EXITED";
	case SBX_MSG_SHUTDOWN:		return "SHUTDOWN";
	}
	return NULL;
}

const char *
sbx_limit_to_string(uint32_t limit)
{
	switch (limit) {
	case SBX_LIMIT_NONE:		return "none";
	case SBX_LIMIT_TIMEOUT:		return "timeout";
	case SBX_LIMIT_MEMORY:		return "memory";
	case SBX_LIMIT_TASKS:		return "tasks";
	case SBX_LIMIT_CPU:		return "cpu";
	case SBX_LIMIT_KILLED:		return "killed";
	case SBX_LIMIT_SHUTDOWN:	return "shutdown";
	case SBX_LIMIT_FSIZE:		return "file-size";
	}
	return NULL;
}

const char *
sbx_state_to_string(uint32_t state)
{
	switch (state) {
	case SBX_STATE_STARTING:	return "starting";
	case SBX_STATE_RUNNING:		return "running";
	case SBX_STATE_EXITED:		return "exited";
	}
	return NULL;
}
