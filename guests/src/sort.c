/* sort.c - quicksort of pseudo-random 32-bit integers in a static array. */
#include "pvm_guest.h"
#include "common.h"

#define SORT_MAX (1024u * 1024u)

static uint32_t data[SORT_MAX];

static void insertion_sort(uint32_t *a, int64_t lo, int64_t hi)
{
    for (int64_t i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int64_t j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static inline void swap_u32(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

/*
 * Hoare-partition quicksort with median-of-three pivot; recurses into the
 * smaller half and loops on the larger one, so stack depth is O(log n).
 */
static void quicksort_rec(uint32_t *a, int64_t lo, int64_t hi)
{
    while (hi - lo > 16) {
        int64_t mid = lo + ((hi - lo) >> 1);
        if (a[mid] < a[lo])
            swap_u32(&a[mid], &a[lo]);
        if (a[hi] < a[lo])
            swap_u32(&a[hi], &a[lo]);
        if (a[hi] < a[mid])
            swap_u32(&a[hi], &a[mid]);
        uint32_t pivot = a[mid];

        int64_t i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (a[i] < pivot);
            do j--; while (a[j] > pivot);
            if (i >= j)
                break;
            swap_u32(&a[i], &a[j]);
        }
        /* [lo, j] <= pivot <= [j + 1, hi] */
        if (j - lo < hi - j) {
            quicksort_rec(a, lo, j);
            lo = j + 1;
        } else {
            quicksort_rec(a, j + 1, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

/*
 * quicksort(n): fill n (clamped to 1 Mi) values from xorshift32, sort them
 * ascending and return an FNV-1a checksum of the sorted array (all ones if
 * the result is, impossibly, not sorted).
 */
PVM_EXPORT(quicksort, 1)
uint64_t quicksort(uint64_t n)
{
    if (n > SORT_MAX)
        n = SORT_MAX;

    uint32_t state = 0x9e3779b9u;
    for (uint64_t i = 0; i < n; i++)
        data[i] = xorshift32(&state);

    if (n > 1)
        quicksort_rec(data, 0, (int64_t)n - 1);

    uint64_t h = FNV64_OFFSET;
    for (uint64_t i = 0; i < n; i++) {
        if (i > 0 && data[i - 1] > data[i])
            return ~0ull;
        h = fnv_mix64(h, data[i]);
    }
    return fnv_mix64(h, n);
}
