/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one way an error message travels with its errno, in the shape of
 * systemd's sd_bus_error_setf(): a failure site sets the text and returns
 * the negative errno in one statement,
 *
 *	return error_msg_setf(err, EINVAL, "no such policy '%s'", name);
 *
 * The carrier is a fixed buffer owned by whoever asks for the message (a
 * request's reply, a parser's caller); nothing is allocated, so setting it
 * cannot fail. struct ini_error and struct dispatch_ctx embed one.
 */
#pragma once

#include "macro.h"

#define ERROR_MSG_MAX 512

struct error_msg {
	char	message[ERROR_MSG_MAX];	/* "" until set */
};

/* Formats fmt into e (if e is not NULL, truncating to ERROR_MSG_MAX - 1
 * bytes) and returns -error; error is a positive errno. */
int error_msg_setf(struct error_msg *e, int error, const char *fmt, ...) _printf_(3, 4);
