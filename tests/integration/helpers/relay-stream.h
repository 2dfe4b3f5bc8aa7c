/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The byte stream broker-target's "sock-xfer" sends (seed 1) and the host
 * answers with (seed 2), and the checksum both sides print (FNV-1a, 64
 * bits): shared by the helper and test-broker.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define RELAY_STREAM_SUM_START 0xcbf29ce484222325ULL

static inline uint8_t
relay_stream_byte(uint32_t seed, uint64_t i)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (uint8_t)(x >> 32);
}

static inline void
relay_stream_sum(uint64_t *h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ p[i]) * 0x100000001b3ULL;
}
