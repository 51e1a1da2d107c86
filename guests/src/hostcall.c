/*
 * hostcall.c - calls an imported host function in a loop.
 *
 * The host must provide `host_add(a, b) -> a + b` (wrapping u64). It is the
 * only import, so polkavm-linker gives it ecalli index 0.
 */
#include "pvm_guest.h"
#include "common.h"

PVM_IMPORT2(host_add)

/*
 * hostcall(n): acc = 0; for i in 0..n: acc = host_add(acc * 3, i ^ (acc >> 11)).
 * Returns acc. Both argument registers carry changing values.
 */
PVM_EXPORT(hostcall, 1)
uint64_t hostcall(uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc = host_add(acc * 3, i ^ (acc >> 11));
    return acc;
}
