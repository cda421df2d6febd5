/* Weighted moments of regression targets and residuals, for every output column.
 *
 * One pass over (y_true, y_pred) per chunk of rows gives, per column, everything the
 * usual regression metrics need: the weight sum, mean and sum of squared deviations
 * (M2) of y_true, the same for the residual d = y_pred - y_true, sum(w * |d|),
 * sum(w * d^2), max |d| and sum(w * [|d| <= threshold]). Chunks have a fixed number
 * of rows that depends only on the column count; each chunk is summarised with a
 * two-pass (mean, then squared deviations) scheme while it is in cache, and chunk
 * summaries are merged with Chan et al.'s pairwise update in a fixed binary tree.
 * The result therefore depends only on the data, never on how chunks were spread
 * over threads, nor on the memory layout (row- or column-major) of the inputs.
 */
#ifndef MM_MOMENTS_H
#define MM_MOMENTS_H

#include <stddef.h>

/* Layout of one column's state: MM_MOM_NSTAT doubles in this order. */
enum {
    MM_MOM_WEIGHT = 0, /* sum of weights (the row count when unweighted) */
    MM_MOM_MEAN_TRUE,  /* weighted mean of y_true */
    MM_MOM_M2_TRUE,    /* sum of w * (y_true - mean)^2 */
    MM_MOM_MEAN_DIFF,  /* weighted mean of d = y_pred - y_true */
    MM_MOM_M2_DIFF,    /* sum of w * (d - mean_d)^2 */
    MM_MOM_SUM_ABS,    /* sum of w * |d| */
    MM_MOM_SUM_SQ,     /* sum of w * d^2 */
    MM_MOM_MAX_ABS,    /* max |d| over all rows, whatever their weight */
    MM_MOM_SUM_HIT,    /* sum of w over rows with |d| <= threshold */
    MM_MOM_NSTAT
};

/* Elements per column summarised in one chunk (rows = this / columns, at least
 * MM_MOM_MIN_ROWS), so that a chunk of both arrays stays in L2 for the second pass. */
#define MM_MOM_CHUNK 4096
#define MM_MOM_MIN_ROWS 256

/* Rows per chunk for n_cols columns. */
ptrdiff_t mm_moments_chunk_rows(ptrdiff_t n_cols);

/* Number of chunks covering n_rows rows of n_cols columns. */
ptrdiff_t mm_moments_n_chunks(ptrdiff_t n_rows, ptrdiff_t n_cols);

/* Summarise chunks [first, last) into out[c * n_cols * MM_MOM_NSTAT ...] for each
 * chunk c (out holds every chunk's slot; only this range is written).
 *
 * Element (i, j) of y_true is y_true[i * row_stride + j * col_stride], likewise for
 * y_pred (same strides). weight is NULL or n_rows contiguous non-negative weights.
 * Rows with |d| <= threshold count as hits (pass a negative threshold for none).
 * NaN or infinity in y_true or y_pred is not checked for, but always makes the
 * column's sum of |d| non-finite, and that survives merging: callers validate the
 * inputs only when they see it. Returns 0, or -1 if no scratch memory was available. */
int mm_moments_chunks(const double *y_true, const double *y_pred, const double *weight,
                      ptrdiff_t n_rows, ptrdiff_t n_cols, ptrdiff_t row_stride,
                      ptrdiff_t col_stride, double threshold, ptrdiff_t first, ptrdiff_t last,
                      double *out);

/* Merge the n_chunks chunk states in `chunks` (layout as above) pairwise in a fixed
 * tree; the result lands in the first n_cols * MM_MOM_NSTAT doubles. */
void mm_moments_reduce(double *chunks, ptrdiff_t n_chunks, ptrdiff_t n_cols);

/* state <- state merged with other, column by column (both n_cols * MM_MOM_NSTAT). */
void mm_moments_merge(double *state, const double *other, ptrdiff_t n_cols);

#endif
