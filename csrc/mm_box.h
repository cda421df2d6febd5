/* Box IoU, bit-identical to pycocotools' maskApi.c bbIou.
 *
 * Boxes are x, y, w, h doubles, 4 per box, C-contiguous. For a crowd ground truth the
 * union is the detection's own area (intersection over the detection). Both layouts
 * compute every value with the same operations in the same order as bbIou, so the
 * doubles match (the build keeps IEEE evaluation: no fast-math, no FP contraction).
 * Depends on no other unit.
 */
#ifndef MM_BOX_H
#define MM_BOX_H

#include <stddef.h>
#include <stdint.h>

/* out[d * n_gt + g] = IoU of dt box d with gt box g. gt_crowd: n_gt flags, or NULL
 * (no crowd). */
void mm_box_iou(const double *dt, ptrdiff_t n_dt, const double *gt, ptrdiff_t n_gt,
                const uint8_t *gt_crowd, double *out);

/* The same values in bbIou's own layout, out[g * n_dt + d]: the detections of one gt
 * contiguous. */
void mm_box_iou_by_gt(const double *dt, ptrdiff_t n_dt, const double *gt, ptrdiff_t n_gt,
                      const uint8_t *gt_crowd, double *out);

#endif
