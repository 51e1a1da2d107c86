/* common.h - small helpers shared by the guest programs (header-only). */
#ifndef GUEST_COMMON_H
#define GUEST_COMMON_H

#include <stdint.h>
#include <stddef.h>

/* xorshift32 PRNG (Marsaglia); state must be non-zero. */
static inline uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

/* FNV-1a style mixing of one 64-bit word (byte-wise would be slower). */
static inline uint64_t fnv_mix64(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= FNV64_PRIME;
    return h;
}

#define MIN(a, b) ((a) < (b) ? (a) : (b))

#endif
