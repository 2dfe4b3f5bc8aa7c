/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Relayed sockets: for a brokered TCP or UDP endpoint the daemon keeps the
 * real socket and the target gets one end of a socketpair; relay.c moves
 * the bytes (or datagrams) between the two on the daemon's event loop.
 * Relays belong to their sandbox (struct target's relays) and end with it.
 */
#pragma once

struct target;
struct relay;

/* Live relays one sandbox may have; one more BROKER_CONNECT fails with
 * EDQUOT (documented in sandboxd.policy(5) and PROTOCOL.md). */
#define RELAY_PER_TARGET_MAX	64

/*
 * Takes @fd, a TCP (SOCK_STREAM) or UDP (SOCK_DGRAM) socket connected or
 * still connecting, in all cases. Returns the target's end, a blocking
 * close-on-exec AF_UNIX socket (SOCK_STREAM for tcp, SOCK_SEQPACKET for
 * udp), or a negative errno (-EDQUOT: over RELAY_PER_TARGET_MAX). Call
 * on the event loop's thread: the relay lives on t->manager->base.
 */
int relay_new_consume(struct target *t, int fd, int type);
/* 0 if the sandbox may have one more relay, else -EDQUOT (logged). */
int relay_check_room(struct target *t);
/* Ends every relay of the sandbox: the host peers see the connections
 * close, the target's ends read EOF. */
void relay_free_all(struct target *t);
