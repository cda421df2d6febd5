/* Summation kernels that reproduce numpy's float64 `add.reduce` bit for bit.
 *
 * numpy sums a contiguous float64 array with a pairwise scheme: blocks of at most
 * MM_PW_BLOCKSIZE elements are summed with eight interleaved accumulators, larger
 * ranges are split in two at a multiple of eight. Matching that tree exactly is what
 * lets a fused C pass give the same number as `np.sum(x * w)` in scikit-learn.
 */
#ifndef MM_SUM_H
#define MM_SUM_H

#include <stddef.h>
#include <stdint.h>

#define MM_PW_BLOCKSIZE 128

/* sum(x[0:n]) in numpy's pairwise order (0.0 for n == 0). */
double mm_pairwise_sum(const double *x, ptrdiff_t n);

/* sum(where(mask, w, 0)) over n elements, in numpy's pairwise order: the value
 * numpy gives for `np.sum(mask.astype(float) * w)`. */
double mm_pairwise_masked_sum(const uint8_t *mask, const double *w, ptrdiff_t n);

#endif
