/* Object keypoint similarity, bit-identical to pycocotools' COCOeval.computeOks.
 *
 * computeOks compares each kept detection of an (image, category) group with each of
 * its ground truths: e = (dx^2 + dy^2) / (2 sigma)^2 / (area + eps) / 2 per keypoint
 * (over the ground truth's visible keypoints, or over all of them, measured to the box
 * enlarged by its size on every side, when none is visible), then the mean of exp(-e).
 * The exponential is numpy's (np.exp): the caller applies it between the two steps
 * here, so that the values are those of numpy on this machine. The sum is numpy's
 * pairwise summation, as np.sum does it. The build keeps IEEE evaluation (no
 * fast-math, no FP contraction). Depends on no other unit.
 */
#ifndef MM_OKS_H
#define MM_OKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    ptrdiff_t k;              /* keypoints per annotation */
    const double *variances;  /* k: (2 sigma)^2 */
    /* Ground truths, by row: 3 k values (x, y, visibility), box (x, y, w, h), area, and
     * n_terms: the number of visible keypoints, or k when none is. */
    const double *gt_kp;
    const double *gt_box;
    const double *gt_area;
    const int64_t *gt_terms;
    const double *dt_kp;      /* detections, by row: 3 k values */
    /* Groups: ground-truth rows gt_rows[gt_start[g]..gt_start[g + 1]), kept detection
     * rows (slot order) kept_rows[kept_start[g]..kept_start[g + 1]). */
    const int64_t *gt_start;
    const int64_t *gt_rows;
    const int64_t *kept_start;
    const int64_t *kept_rows;
    /* Where each group's terms start: per ground truth j, per kept detection, its
     * gt_terms values (term_start[g] + sum of earlier gts' n_terms * n_kept + ...). */
    const int64_t *term_start;
    /* Where each group's similarities start: n_kept x n_gt, row-major. */
    const int64_t *pair_start;
} mm_oks_groups;

/* -e for every (detection, ground truth, keypoint) term of groups [first, last). */
void mm_oks_terms(const mm_oks_groups *in, ptrdiff_t first, ptrdiff_t last, double *terms);

/* The similarities of groups [first, last) from exp(-e) (terms after np.exp). */
void mm_oks_similarity(const mm_oks_groups *in, ptrdiff_t first, ptrdiff_t last,
                       const double *exp_terms, double *oks);

/* numpy's pairwise summation of a[0..n), as np.sum of a contiguous float64 array. */
double mm_np_sum(const double *a, ptrdiff_t n);

#endif
