/*
 * sha256.c - SHA-256 from libsecp256k1 (third_party/secp256k1, MIT,
 * unmodified; the copy vendored by the secp256k1-sys 0.14.1 crate, whose
 * symbols carry the rustsecp256k1_v0_14_ prefix). Header-only use of its
 * hash_impl.h: every function is static and inlined into this file.
 */
#include "pvm_guest.h"
#include "gen.h"

/* The library's default error callbacks print with fprintf: declare them external instead. */
#define USE_EXTERNAL_DEFAULT_CALLBACKS 1

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunused-function"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

#include "../third_party/secp256k1/src/hash_impl.h"

/* The external default callbacks (never called by the hash functions): trap. */
void rustsecp256k1_v0_14_default_illegal_callback_fn(const char *str, void *data)
{
    (void)str;
    (void)data;
    __builtin_trap();
}

void rustsecp256k1_v0_14_default_error_callback_fn(const char *str, void *data)
{
    (void)str;
    (void)data;
    __builtin_trap();
}

#define SHA256_BENCH_MAX (2u * 1024u * 1024u)

static uint8_t data[SHA256_BENCH_MAX];

/*
 * sha256_digest(n): n (clamped to 2 MiB) xorshift32 bytes hashed with one
 * SHA-256 (written in two pieces, so the partial-block path runs too).
 * Returns the first 8 bytes of the digest (little-endian) mixed with a
 * checksum of all 32.
 */
PVM_EXPORT(sha256_digest, 1)
uint64_t sha256_digest(uint64_t n)
{
    if (n > SHA256_BENCH_MAX)
        n = SHA256_BENCH_MAX;
    gen_random(data, n, 0x53484132u);

    rustsecp256k1_v0_14_hash_ctx ctx;
    rustsecp256k1_v0_14_hash_ctx_init(&ctx);
    rustsecp256k1_v0_14_sha256 sha;
    rustsecp256k1_v0_14_sha256_initialize(&sha);
    size_t first = n / 3;
    rustsecp256k1_v0_14_sha256_write(&ctx, &sha, data, first);
    rustsecp256k1_v0_14_sha256_write(&ctx, &sha, data + first, n - first);
    unsigned char digest[32];
    rustsecp256k1_v0_14_sha256_finalize(&ctx, &sha, digest);

    uint64_t head = 0;
    for (int k = 7; k >= 0; k--)
        head = head << 8 | digest[k];
    return checksum_bytes(head, digest, sizeof digest);
}
