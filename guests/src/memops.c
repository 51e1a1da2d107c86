/* memops.c - bulk memset / memcpy / memmove throughput. */
#include "pvm_guest.h"
#include "common.h"

#define MEM_MAX (4u * 1024u * 1024u)
#define ROUNDS 8u

/* 8 bytes of slack so that misaligned copies of n bytes still fit. */
static uint8_t buf_a[MEM_MAX + 16];
static uint8_t buf_b[MEM_MAX + 16];

/*
 * memset_memcpy(n): with n clamped to 4 MiB, do ROUNDS rounds of
 *   memset(a, byte, n); scatter a few writes into a;
 *   memcpy(b + off, a, n)    (off = round % 8: misaligned destinations)
 *   memmove(b, b + 1, n - 1) (overlapping, forward)
 * sampling a few bytes per round, then return a checksum that also folds
 * in every 64-bit word of b.
 */
PVM_EXPORT(memset_memcpy, 1)
uint64_t memset_memcpy(uint64_t n)
{
    if (n > MEM_MAX)
        n = MEM_MAX;
    if (n == 0)
        return FNV64_OFFSET;

    uint64_t h = FNV64_OFFSET;
    __builtin_memset(buf_b, 0, n + 16);

    for (uint32_t r = 0; r < ROUNDS; r++) {
        uint8_t byte = (uint8_t)(r * 37u + 1u);
        __builtin_memset(buf_a, byte, n);
        for (uint64_t i = r; i < n; i += 4093)
            buf_a[i] = (uint8_t)(i ^ (i >> 8) ^ r);

        uint64_t off = r & 7u;
        __builtin_memcpy(buf_b + off, buf_a, n);
        if (n > 1)
            __builtin_memmove(buf_b, buf_b + 1, n - 1);

        h = fnv_mix64(h, buf_b[0]);
        h = fnv_mix64(h, buf_b[n / 2]);
        h = fnv_mix64(h, buf_b[n - 1]);
    }

    uint64_t words = (n + 8) / 8;
    for (uint64_t i = 0; i < words; i++) {
        uint64_t w = 0;
        for (uint32_t k = 0; k < 8; k++)
            w |= (uint64_t)buf_b[i * 8 + k] << (8 * k);
        h += w * (2 * i + 1);
    }
    return h;
}
