/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names of message types (from SBX_MSG_TYPES in msg.h), limits and
 * states, for logs and sandboxctl. */
#include <stddef.h>

#include "macro.h"
#include "msg.h"

#define TYPE_VALUE(name) SBX_MSG_##name,
const uint32_t sbx_msg_types[] = { SBX_MSG_TYPES(TYPE_VALUE) };
const size_t sbx_n_msg_types = ELEMENTSOF(sbx_msg_types);

const char *
sbx_msg_type_to_string(uint32_t type)
{
#define TYPE_CASE(name) case SBX_MSG_##name: return #name;
	/* On the enum and without a default: -Wswitch names a type left out. */
	switch ((enum sbx_msg_type) type) {
	SBX_MSG_TYPES(TYPE_CASE)
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

const char *
sbx_layer_to_string(uint32_t layer)
{
	switch (layer) {
	case SBX_LAYER_SECCOMP:		return "seccomp";
	case SBX_LAYER_BROKER:		return "broker";
	case SBX_LAYER_VIEW:		return "view";
	case SBX_LAYER_LANDLOCK:	return "landlock";
	}
	return NULL;
}
