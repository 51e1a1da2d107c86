/* matmul.c - naive n x n matrix multiplication over wrapping u32. */
#include "pvm_guest.h"
#include "common.h"

#define MAT_MAX 128u

static uint32_t A[MAT_MAX * MAT_MAX];
static uint32_t B[MAT_MAX * MAT_MAX];
static uint32_t C[MAT_MAX * MAT_MAX];

/*
 * matmul(n): with n clamped to 128, fill A and B (n x n, row-major) from
 * xorshift32, compute C = A * B (mod 2^32) with the i-k-j loop order, and
 * return an FNV-1a checksum of C.
 */
PVM_EXPORT(matmul, 1)
uint64_t matmul(uint64_t n)
{
    if (n > MAT_MAX)
        n = MAT_MAX;

    uint32_t state = 0x2545f491u;
    for (uint64_t i = 0; i < n * n; i++) {
        A[i] = xorshift32(&state) & 0xffffu;
        B[i] = xorshift32(&state) & 0xffffu;
        C[i] = 0;
    }

    for (uint64_t i = 0; i < n; i++) {
        uint32_t *c_row = &C[i * n];
        for (uint64_t k = 0; k < n; k++) {
            uint32_t a = A[i * n + k];
            const uint32_t *b_row = &B[k * n];
            for (uint64_t j = 0; j < n; j++)
                c_row[j] += a * b_row[j];
        }
    }

    uint64_t h = FNV64_OFFSET;
    for (uint64_t i = 0; i < n * n; i++)
        h = fnv_mix64(h, C[i]);
    return h;
}
