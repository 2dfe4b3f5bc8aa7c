/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See net-util.h. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net-util.h"

/* Reads lo's flags, and with set, raises IFF_UP|IFF_RUNNING. */
static int
loopback_flags(bool set)
{
	struct ifreq ifr = {};
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = -errno;
	else if (set) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP))
		r = -ENETDOWN;
	(void) close(fd);
	return r;
}

int
loopback_up(void)
{
	return loopback_flags(true);
}

int
loopback_check(void)
{
	return loopback_flags(false);
}
