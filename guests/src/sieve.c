/* sieve.c - Sieve of Eratosthenes over a static byte array. */
#include "pvm_guest.h"
#include "common.h"

#define SIEVE_MAX (4u * 1024u * 1024u)

static uint8_t composite[SIEVE_MAX];

/* sieve(n): number of primes p with p < n (n is clamped to 4 Mi). */
PVM_EXPORT(sieve, 1)
uint64_t sieve(uint64_t n)
{
    if (n > SIEVE_MAX)
        n = SIEVE_MAX;
    if (n < 3)
        return 0;

    __builtin_memset(composite, 0, n);

    uint64_t count = 0;
    for (uint64_t i = 2; i < n; i++) {
        if (composite[i])
            continue;
        count++;
        if (i * i < n) {
            for (uint64_t j = i * i; j < n; j += i)
                composite[j] = 1;
        }
    }
    return count;
}
