/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error carrier (see error-msg.h). */
#include <stdarg.h>
#include <stdio.h>

#include "error-msg.h"

int
error_msg_setf(struct error_msg *e, int error, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		(void) vsnprintf(e->message, sizeof(e->message), fmt, ap);
		va_end(ap);
	}
	return -error;
}
