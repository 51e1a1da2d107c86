/*
 * lz4.c - LZ4 compression round trip with liblz4 1.10.0 (third_party/lz4,
 * BSD-2-Clause, unmodified; compiled into this file). No heap: the
 * compression state and all buffers are static.
 */
#include "pvm_guest.h"
#include "gen.h"

/* liblz4 without libc: memory routines as compiler builtins (calls to rt.c on PVM). */
#define LZ4_FREESTANDING 1
#define LZ4_memcpy(dst, src, size) __builtin_memcpy(dst, src, size)
#define LZ4_memmove(dst, src, size) __builtin_memmove(dst, src, size)
#define LZ4_memset(p, v, s) __builtin_memset(p, v, s)
#include "../third_party/lz4/lz4.c"

#define LZ4_BENCH_MAX (2u * 1024u * 1024u)

static uint8_t input[LZ4_BENCH_MAX];
static char compressed[LZ4_COMPRESSBOUND(LZ4_BENCH_MAX)];
static uint8_t output[LZ4_BENCH_MAX];
static LZ4_stream_t lz4_state;

/*
 * lz4_roundtrip(n): n (clamped to 2 MiB) bytes of generated text, compressed
 * with LZ4_compress_fast_extState (acceleration 1, as LZ4_compress_default)
 * and decompressed with LZ4_decompress_safe. Returns a checksum of the
 * compressed bytes, their length and the decompressed bytes; all ones if
 * compression fails, all ones but one if decompression gives a wrong length.
 */
PVM_EXPORT(lz4_roundtrip, 1)
uint64_t lz4_roundtrip(uint64_t n)
{
    if (n > LZ4_BENCH_MAX)
        n = LZ4_BENCH_MAX;
    gen_text(input, n, 0x4c5a3421u);

    int csize = LZ4_compress_fast_extState(&lz4_state, (const char *)input, compressed, (int)n,
                                           (int)sizeof compressed, 1);
    if (csize <= 0)
        return ~0ull;
    int dsize = LZ4_decompress_safe(compressed, (char *)output, csize, (int)n);
    if (dsize != (int)n)
        return ~0ull - 1;

    uint64_t h = checksum_bytes(FNV64_OFFSET, (const uint8_t *)compressed, (size_t)csize);
    return checksum_bytes(h, output, (size_t)dsize);
}
