/*
 * gen.h - deterministic input data and checksums for the benchmark programs
 * that run third-party code (header-only). Byte-exact on every target: only
 * unsigned integer arithmetic, no reliance on the signedness of `char`.
 */
#ifndef GUEST_GEN_H
#define GUEST_GEN_H

#include "common.h"

/* 64 English-looking words: the text generator's vocabulary. */
static const char gen_words[64][8] = {
    "the", "of", "and", "to", "in", "is", "that", "for",
    "it", "as", "was", "with", "be", "by", "on", "not",
    "he", "this", "are", "or", "his", "from", "at", "which",
    "but", "have", "an", "had", "they", "you", "were", "their",
    "one", "all", "we", "can", "her", "has", "there", "been",
    "if", "more", "when", "will", "would", "who", "so", "no",
    "block", "state", "gas", "memory", "page", "jump", "trap", "host",
    "value", "offset", "length", "buffer", "header", "stream", "table", "index",
};

/*
 * Fills buf[0..n) with compressible pseudo-text: words from gen_words picked
 * by xorshift32, decimal numbers now and then, separated by spaces, commas
 * and newlines. LZ4 and deflate shrink it to roughly a third.
 */
static inline void gen_text(uint8_t *buf, size_t n, uint32_t seed)
{
    uint32_t state = seed | 1u;
    size_t i = 0;
    while (i < n) {
        uint32_t r = xorshift32(&state);
        if ((r >> 6 & 15u) == 0) {
            /* A number of 1 to 5 digits, most significant digit first. */
            uint8_t digits[5];
            uint32_t v = (r >> 12) % 100000u;
            int k = 0;
            do {
                digits[k++] = (uint8_t)('0' + v % 10u);
                v /= 10u;
            } while (v != 0);
            while (k > 0 && i < n)
                buf[i++] = digits[--k];
        } else {
            const char *w = gen_words[r & 63u];
            for (int k = 0; k < 8 && w[k] != 0 && i < n; k++)
                buf[i++] = (uint8_t)w[k];
        }
        if (i < n) {
            uint32_t sep = r >> 28;
            buf[i++] = sep == 0 ? (uint8_t)'\n' : sep == 1 ? (uint8_t)',' : (uint8_t)' ';
        }
    }
}

/* Fills buf[0..n) with incompressible xorshift32 bytes. */
static inline void gen_random(uint8_t *buf, size_t n, uint32_t seed)
{
    uint32_t state = seed | 1u;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t r = xorshift32(&state);
        buf[i] = (uint8_t)r;
        buf[i + 1] = (uint8_t)(r >> 8);
        buf[i + 2] = (uint8_t)(r >> 16);
        buf[i + 3] = (uint8_t)(r >> 24);
    }
    uint32_t r = xorshift32(&state);
    for (; i < n; i++, r >>= 8)
        buf[i] = (uint8_t)r;
}

/* FNV-style checksum of buf[0..n): 8 little-endian bytes per mixing step. */
static inline uint64_t checksum_bytes(uint64_t h, const uint8_t *buf, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--)
            w = w << 8 | buf[i + (size_t)k];
        h = fnv_mix64(h, w);
    }
    for (; i < n; i++)
        h = fnv_mix64(h, buf[i]);
    return fnv_mix64(h, n);
}

#endif
