#include "mm_sum.h"

/* One body for both entry points: VALUE(i) yields the i-th addend. */
#define MM_PAIRWISE_BODY(SELF, VALUE, ...)                                        \
    if (n < 8) {                                                                  \
        double res = 0.0;                                                         \
        for (ptrdiff_t i = 0; i < n; i++) res += VALUE(i);                        \
        return res;                                                               \
    }                                                                             \
    if (n <= MM_PW_BLOCKSIZE) {                                                   \
        double r0 = VALUE(0), r1 = VALUE(1), r2 = VALUE(2), r3 = VALUE(3);        \
        double r4 = VALUE(4), r5 = VALUE(5), r6 = VALUE(6), r7 = VALUE(7);        \
        ptrdiff_t i;                                                              \
        for (i = 8; i < n - (n % 8); i += 8) {                                    \
            r0 += VALUE(i + 0); r1 += VALUE(i + 1);                               \
            r2 += VALUE(i + 2); r3 += VALUE(i + 3);                               \
            r4 += VALUE(i + 4); r5 += VALUE(i + 5);                               \
            r6 += VALUE(i + 6); r7 += VALUE(i + 7);                               \
        }                                                                         \
        double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));           \
        for (; i < n; i++) res += VALUE(i);                                       \
        return res;                                                               \
    }                                                                             \
    ptrdiff_t half = n / 2;                                                       \
    half -= half % 8;                                                             \
    return SELF(__VA_ARGS__, half) + SELF(MM_SHIFT(half), n - half);

#define MM_PLAIN(i) (x[(i)])
#define MM_SHIFT(h) x + (h)
static double pairwise_plain(const double *x, ptrdiff_t n)
{
    MM_PAIRWISE_BODY(pairwise_plain, MM_PLAIN, x)
}
#undef MM_SHIFT

#define MM_MASKED(i) (mask[(i)] ? w[(i)] : 0.0)
#define MM_SHIFT(h) mask + (h), w + (h)
static double pairwise_masked(const uint8_t *mask, const double *w, ptrdiff_t n)
{
    MM_PAIRWISE_BODY(pairwise_masked, MM_MASKED, mask, w)
}
#undef MM_SHIFT

double mm_pairwise_sum(const double *x, ptrdiff_t n)
{
    /* numpy starts the reduction from the identity 0.0, which turns a -0.0 sum into 0.0. */
    return 0.0 + pairwise_plain(x, n);
}

double mm_pairwise_masked_sum(const uint8_t *mask, const double *w, ptrdiff_t n)
{
    return 0.0 + pairwise_masked(mask, w, n);
}
