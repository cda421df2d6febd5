#include "mm_oks.h"

#include <float.h>

/* np.max((0, a), axis=0): NaN stays NaN. */
static double above_zero(double a)
{
    return a != a ? a : (a > 0.0 ? a : 0.0);
}

void mm_oks_terms(const mm_oks_groups *in, ptrdiff_t first, ptrdiff_t last, double *terms)
{
    const ptrdiff_t k = in->k;
    for (ptrdiff_t g = first; g < last; g++) {
        const int64_t d0 = in->kept_start[g], nk = in->kept_start[g + 1] - d0;
        if (nk == 0) continue;
        double *out = terms + in->term_start[g];
        for (int64_t j = in->gt_start[g]; j < in->gt_start[g + 1]; j++) {
            const int64_t row = in->gt_rows[j];
            const double *gk = in->gt_kp + 3 * k * row;
            const double *bb = in->gt_box + 4 * row;
            const double scale = in->gt_area[row] + DBL_EPSILON; /* area + np.spacing(1) */
            int any = 0; /* a visible keypoint: compare those; else all, to the box */
            for (ptrdiff_t i = 0; i < k; i++) any |= gk[3 * i + 2] > 0.0;
            const double x0 = bb[0] - bb[2], x1 = bb[0] + bb[2] * 2;
            const double y0 = bb[1] - bb[3], y1 = bb[1] + bb[3] * 2;
            for (int64_t s = d0; s < d0 + nk; s++) {
                const double *dk = in->dt_kp + 3 * k * in->kept_rows[s];
                for (ptrdiff_t i = 0; i < k; i++) {
                    double dx, dy;
                    if (any) {
                        if (!(gk[3 * i + 2] > 0.0)) continue;
                        dx = dk[3 * i] - gk[3 * i];
                        dy = dk[3 * i + 1] - gk[3 * i + 1];
                    } else {
                        const double xd = dk[3 * i], yd = dk[3 * i + 1];
                        dx = above_zero(x0 - xd) + above_zero(xd - x1);
                        dy = above_zero(y0 - yd) + above_zero(yd - y1);
                    }
                    const double e = (dx * dx + dy * dy) / in->variances[i] / scale / 2;
                    *out++ = -e;
                }
            }
        }
    }
}

/* numpy's DOUBLE_pairwise_sum: blocks of 8 accumulators, halves split at multiples of 8. */
static double pairwise(const double *a, ptrdiff_t n)
{
    if (n < 8) {
        double res = -0.0; /* numpy starts from -0 so that a sum of -0s stays -0 */
        for (ptrdiff_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        ptrdiff_t i;
        for (i = 0; i < 8; i++) r[i] = a[i];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    ptrdiff_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

double mm_np_sum(const double *a, ptrdiff_t n)
{
    /* np.add.reduce starts from its identity, +0, and adds the pairwise sum of all. */
    return 0.0 + pairwise(a, n);
}

void mm_oks_similarity(const mm_oks_groups *in, ptrdiff_t first, ptrdiff_t last,
                       const double *exp_terms, double *oks)
{
    for (ptrdiff_t g = first; g < last; g++) {
        const int64_t nk = in->kept_start[g + 1] - in->kept_start[g];
        const int64_t g0 = in->gt_start[g], ng = in->gt_start[g + 1] - g0;
        if (nk == 0 || ng == 0) continue;
        const double *t = exp_terms + in->term_start[g];
        double *out = oks + in->pair_start[g];
        for (int64_t j = 0; j < ng; j++) {
            const int64_t m = in->gt_terms[in->gt_rows[g0 + j]];
            for (int64_t s = 0; s < nk; s++) {
                out[s * ng + j] = mm_np_sum(t, m) / (double)m;
                t += m;
            }
        }
    }
}
