#include "mm_box.h"

#include <math.h>

/* IoU of dt box d with gt box g at out[d * d_stride + g * g_stride]. */
static inline void box_iou(const double *dt, ptrdiff_t n_dt, const double *gt, ptrdiff_t n_gt,
                           const uint8_t *gt_crowd, double *out, ptrdiff_t d_stride,
                           ptrdiff_t g_stride)
{
    /* Same operations in the same order as pycocotools' bbIou, so the doubles match. */
    for (ptrdiff_t g = 0; g < n_gt; g++) {
        const double *G = gt + 4 * g;
        double ga = G[2] * G[3];
        int crowd = gt_crowd != NULL && gt_crowd[g];
        for (ptrdiff_t d = 0; d < n_dt; d++) {
            const double *D = dt + 4 * d;
            double da = D[2] * D[3];
            double *o = out + d * d_stride + g * g_stride;
            *o = 0.0;
            double w = fmin(D[2] + D[0], G[2] + G[0]) - fmax(D[0], G[0]);
            if (w <= 0) continue;
            double h = fmin(D[3] + D[1], G[3] + G[1]) - fmax(D[1], G[1]);
            if (h <= 0) continue;
            double i = w * h;
            double u = crowd ? da : da + ga - i;
            *o = i / u;
        }
    }
}

void mm_box_iou(const double *dt, ptrdiff_t n_dt, const double *gt, ptrdiff_t n_gt,
                const uint8_t *gt_crowd, double *out)
{
    box_iou(dt, n_dt, gt, n_gt, gt_crowd, out, n_gt, 1);
}

void mm_box_iou_by_gt(const double *dt, ptrdiff_t n_dt, const double *gt, ptrdiff_t n_gt,
                      const uint8_t *gt_crowd, double *out)
{
    box_iou(dt, n_dt, gt, n_gt, gt_crowd, out, 1, n_dt);
}
