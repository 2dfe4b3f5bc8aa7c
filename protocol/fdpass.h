/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sending and receiving one SOCK_SEQPACKET message with file descriptors.
 *
 * sbx_recv_msg() receives with MSG_CMSG_CLOEXEC into a buffer of
 * SBX_MSG_SIZE_MAX bytes. A datagram larger than the buffer (MSG_TRUNC),
 * a truncated control message (MSG_CTRUNC), more than max_fds descriptors
 * any control message other than SCM_RIGHTS, or an empty datagram that
 * carries fds is -EBADMSG, and every fd that did arrive is closed first:
 * a peer cannot leak fds into us. So 0 (EOF, or an empty datagram without
 * fds, which SOCK_SEQPACKET cannot tell apart) never comes with fds.
 * Returns the datagram size, 0 on orderly EOF, or a negative errno
 * (-EAGAIN when a non-blocking socket has nothing).
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

ssize_t sbx_recv_msg(int sock, void *buf, size_t size, int *fds, size_t *n_fds, size_t max_fds);
/* Sends buf with n_fds fds (which stay owned by the caller). */
int sbx_send_msg(int sock, const void *buf, size_t size, const int *fds, size_t n_fds);
