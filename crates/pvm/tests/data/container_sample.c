/*
 * Sample guest for the `.polkavm` container parser tests (crates/pvm/src/container.rs).
 *
 * It has RO data (a const table), RW data (an initialised global array), a
 * zero-initialised BSS array, two exports and one host import (ecalli 1).
 * Build: see polkavm_export.h (clang-19 flags) and link with polkavm-linker 0.37
 * (`program_from_elf(Config::default(), TargetInstructionSet::JamV1, ..)`).
 */
#include <stdint.h>
#include "polkavm_export.h"

POLKAVM_MIN_STACK_SIZE(16384);

/* RO data: read-only table. */
static const uint64_t PRIMES[8] = {2, 3, 5, 7, 11, 13, 17, 19};

/* RW data: initialised, writable. */
static uint64_t weights[4] = {0x1111111111111111ull, 0x2222222222222222ull,
                              0x3333333333333333ull, 0x4444444444444444ull};

/* BSS: zero-initialised. */
static uint64_t history[64];
static uint64_t history_len;

/* RO data holding code pointers (the linker turns them into jump-table addresses). */
typedef uint64_t (*op_fn)(uint64_t, uint64_t);
static __attribute__((noinline)) uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static __attribute__((noinline)) uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ b; }
static __attribute__((noinline)) uint64_t op_sub(uint64_t a, uint64_t b) { return a - b; }
static __attribute__((noinline)) uint64_t op_mul(uint64_t a, uint64_t b) { return a * (b | 1); }
static op_fn const OPS[4] = {op_add, op_xor, op_sub, op_mul};

/* Host function with ecalli number 1 (so import #0 is an unnamed hole). */
POLKAVM_IMPORT(host_log, 1, 2, 1)

/* prime_weighted(i) = PRIMES[i % 8] * weights[i % 4]; records it and bumps the weight. */
POLKAVM_EXPORT(uint64_t, prime_weighted, (uint64_t i), 1, 1)
{
    uint64_t v = PRIMES[i & 7] * weights[i & 3];
    history[history_len & 63] = v;
    history_len++;
    weights[i & 3] += 1;
    return v;
}

/* sum_history() = fold of all recorded values with OPS[k % 4], reported to the host first. */
POLKAVM_EXPORT(uint64_t, sum_history, (void), 0, 1)
{
    uint64_t s = 0;
    for (uint64_t k = 0; k < 64; k++) {
        s = OPS[k & 3](s, history[k]);
    }
    host_log(s, history_len, 0, 0, 0, 0);
    return s;
}

/*
 * Reference results under polkavm 0.37 (interpreter, one instance, calls in this
 * order, host_log returning a0 ^ a1):
 *   prime_weighted(0) = 0x2222222222222222
 *   prime_weighted(1) = 0x6666666666666666
 *   prime_weighted(2) = 0xffffffffffffffff
 *   prime_weighted(3) = 0xdddddddddddddddc
 *   prime_weighted(4) = 0xbbbbbbbbbbbbbbc6
 *   prime_weighted(5) = 0xbbbbbbbbbbbbbbc7
 *   sum_history()     = 0x6e5d43b2a1908790  (after ecalli 1 with a0 = that value, a1 = 6)
 */
