/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The broker side of a target's channel (SBX_BROKER_FD inside). One per
 * target; requests are answered in order, one at a time: while a reply
 * cannot be sent (the target does not read), no further request is read,
 * so a target can make us hold at most one reply and one fd.
 */
#pragma once

struct target;
struct broker;

/* Takes fd in all cases. */
int broker_new(struct target *t, int fd, struct broker **ret);
struct broker *broker_free(struct broker *b);
