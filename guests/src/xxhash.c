/*
 * xxhash.c - xxHash 0.8.4 (third_party/xxhash, BSD-2-Clause, unmodified;
 * header-only, inlined here): XXH3-64, XXH64 and XXH32 over a buffer.
 *
 * XXH_VECTOR = XXH_SCALAR (0) on every target, so the native build runs the
 * same portable code as PVM rather than SSE2/AVX2 kernels.
 */
#include "pvm_guest.h"
#include "gen.h"

#define XXH_INLINE_ALL
#define XXH_NO_STDLIB
#define XXH_VECTOR 0
#define XXH_memcpy __builtin_memcpy
#define XXH_memset __builtin_memset
#define XXH_memcmp __builtin_memcmp
#include "../third_party/xxhash/xxhash.h"

#define XXHASH_BENCH_MAX (2u * 1024u * 1024u)
#define XXHASH_ROUNDS 8u

static uint8_t data[XXHASH_BENCH_MAX];

/*
 * xxhash_digest(n): n (clamped to 2 MiB) xorshift32 bytes, then 8 rounds of
 * XXH3_64bits_withSeed, XXH64 and XXH32 over all of them (seed = round), and
 * one XXH3_128bits. Returns a checksum of every hash.
 */
PVM_EXPORT(xxhash_digest, 1)
uint64_t xxhash_digest(uint64_t n)
{
    if (n > XXHASH_BENCH_MAX)
        n = XXHASH_BENCH_MAX;
    gen_random(data, n, 0x78786873u);

    uint64_t h = FNV64_OFFSET;
    for (uint32_t round = 0; round < XXHASH_ROUNDS; round++) {
        h = fnv_mix64(h, XXH3_64bits_withSeed(data, n, round));
        h = fnv_mix64(h, XXH64(data, n, round));
        h = fnv_mix64(h, XXH32(data, n, round));
    }
    XXH128_hash_t wide = XXH3_128bits(data, n);
    h = fnv_mix64(h, wide.low64);
    return fnv_mix64(h, wide.high64);
}
