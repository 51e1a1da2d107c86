/* fib.c - naive doubly-recursive Fibonacci: a call/return heavy benchmark. */
#include "pvm_guest.h"

PVM_MIN_STACK_SIZE(65536)

static uint64_t fib_rec(uint64_t n)
{
    if (n < 2)
        return n;
    return fib_rec(n - 1) + fib_rec(n - 2);
}

/* fib(n): the n-th Fibonacci number (fib(0) = 0, fib(1) = 1), computed naively. */
PVM_EXPORT(fib, 1)
uint64_t fib(uint64_t n)
{
    return fib_rec(n);
}
