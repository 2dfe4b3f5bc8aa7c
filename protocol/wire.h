/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codec shared by the daemon and libsandbox-client.
 *
 * A writer builds one message: sbx_writer_init(type, serial), then the
 * type's fixed struct and its strings, then sbx_writer_finish() patches
 * the header's length. Writers refuse to grow past SBX_MSG_SIZE_MAX.
 *
 * A reader walks a received message without copying: sbx_reader_init()
 * checks the header against the datagram's size, the get functions take
 * bytes from the front, and sbx_reader_end() insists that nothing is left.
 * Every failure is -EBADMSG: the caller treats the peer as hostile. Strings
 * come back as pointers into the message buffer; they are NUL-terminated
 * within their declared length and contain no other NUL.
 *
 * Pure code: no I/O, no allocation but the writer's buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox-protocol.h"

struct sbx_writer {
	uint8_t		*buf;
	size_t		len;
	size_t		allocated;
	int		error;		/* sticky: first failure */
};

void sbx_writer_init(struct sbx_writer *w, uint32_t type, uint32_t serial);
void sbx_writer_done(struct sbx_writer *w);
void sbx_writer_put(struct sbx_writer *w, const void *p, size_t size);
void sbx_writer_put_str(struct sbx_writer *w, const char *s);
/* Like put_str but cuts s to at most max-1 bytes (for display strings). */
void sbx_writer_put_str_trunc(struct sbx_writer *w, const char *s, size_t max);
/* Returns 0, or the first error (-ENOMEM, -EMSGSIZE, -EINVAL). */
int sbx_writer_finish(struct sbx_writer *w);

struct sbx_reader {
	struct sbx_hdr	hdr;
	const uint8_t	*p;
	size_t		left;
};

/* Checks that buf holds a whole header and exactly hdr.len payload bytes. */
int sbx_reader_init(struct sbx_reader *r, const void *buf, size_t size);
int sbx_reader_get(struct sbx_reader *r, void *dst, size_t size);
/* max counts the NUL; 0 means SBX_STRING_MAX. Only the policy text
 * strings pass a larger max (SBX_POLICY_TEXT_MAX + 1). */
int sbx_reader_get_str(struct sbx_reader *r, const char **ret, size_t max);
int sbx_reader_end(const struct sbx_reader *r);
