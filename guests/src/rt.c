/*
 * rt.c - the few C runtime routines the compiler may emit calls to
 * (memset, memcpy, memmove, memcmp). Linked into every guest program.
 *
 * Must be compiled with -fno-builtin so that the loops below are not
 * themselves turned back into calls to memset/memcpy.
 *
 * Guests are built with -mno-strict-align (PolkaVM allows unaligned
 * accesses), so the word loops use plain unaligned 64-bit loads/stores.
 */
#include <stddef.h>
#include <stdint.h>

typedef uint64_t __attribute__((aligned(1), may_alias)) u64_unaligned;

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t pattern = (uint8_t)c * 0x0101010101010101ull;

    /* Align the destination, then store 32 bytes per iteration. */
    while (n > 0 && ((uintptr_t)d & 7) != 0) {
        *d++ = (unsigned char)c;
        n--;
    }
    while (n >= 32) {
        uint64_t *w = (uint64_t *)d;
        w[0] = pattern;
        w[1] = pattern;
        w[2] = pattern;
        w[3] = pattern;
        d += 32;
        n -= 32;
    }
    while (n >= 8) {
        *(uint64_t *)d = pattern;
        d += 8;
        n -= 8;
    }
    while (n > 0) {
        *d++ = (unsigned char)c;
        n--;
    }
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n > 0 && ((uintptr_t)d & 7) != 0) {
        *d++ = *s++;
        n--;
    }
    while (n >= 32) {
        const u64_unaligned *ws = (const u64_unaligned *)s;
        uint64_t *wd = (uint64_t *)d;
        uint64_t a = ws[0], b = ws[1], c = ws[2], e = ws[3];
        wd[0] = a;
        wd[1] = b;
        wd[2] = c;
        wd[3] = e;
        d += 32;
        s += 32;
        n -= 32;
    }
    while (n >= 8) {
        *(uint64_t *)d = *(const u64_unaligned *)s;
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n > 0) {
        *d++ = *s++;
        n--;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n); /* forward copy is safe */

    /* Overlapping with dst above src: copy backwards. */
    d += n;
    s += n;
    while (n >= 8) {
        d -= 8;
        s -= 8;
        n -= 8;
        *(u64_unaligned *)d = *(const u64_unaligned *)s;
    }
    while (n > 0) {
        *--d = *--s;
        n--;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}
