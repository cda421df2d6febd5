#ifndef MM_BOOTSTRAP_H
#define MM_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

/* Bootstrap of COCO's accumulation without re-matching.
 *
 * One evaluation leaves, per category, its kept detections ("slots") in accumulation
 * order (score descending, ties in pycocotools' concatenation order) with a match code
 * per area range and IoU threshold (0 FP, 1 TP, 2 ignored), and per (category, image)
 * group the non-ignored ground truths per area range. A resample of the images is a
 * vector of image multiplicities w; it is accumulated as if each slot of image i
 * appeared w[i] times in a row at its place (and each group's ground truths counted
 * w[i] times): pycocotools' accumulate on the dataset in which image i is repeated w[i]
 * times, without re-matching. Only what COCO's summary reads is produced: per resample,
 * category, area and threshold the sum over the recall thresholds of the interpolated
 * precision at the largest max-detections setting, and the recall at every
 * max-detections setting; NaN where pycocotools leaves -1. */

#define MM_BOOT_ENOMEM 1
#define MM_BOOT_MAX_PATTERNS 4
/* Resamples processed together in one pass over the slots. */
#define MM_BOOT_LANES 8

typedef struct {
    ptrdiff_t n_images;        /* length of a weight row */
    ptrdiff_t n_cat;           /* K */
    ptrdiff_t n_area;          /* A */
    ptrdiff_t n_thr;           /* T */
    ptrdiff_t n_maxdet;        /* M */
    const int64_t *maxdet;     /* M, ascending; precision at maxdet[M - 1] */
    ptrdiff_t n_rec;           /* R */
    const double *rec_thr;     /* R */
    int rec_sorted;            /* rec_thr is non-decreasing */
    /* Slots, category by category in accumulation order. */
    const int64_t *cat_start;  /* K + 1 */
    const int64_t *cat_tp_end; /* K: one past the category's last slot with a TP code */
    const int64_t *ev_start;   /* K x (A*T + 1): offsets of each curve's TP slots */
    const int32_t *slot_image; /* image index of each slot */
    const int32_t *slot_rank;  /* place of the slot in its group */
    const uint8_t *slot_code;  /* n_slots x A x T */
    const uint8_t *slot_any_tp;
    /* Slots without a true positive, by the planes where they are false positives: a
     * pattern index (-1: counted one by one) and each pattern's bit mask of planes;
     * at most MM_BOOT_MAX_PATTERNS patterns (the most common; only when A * T <= 64). */
    const int32_t *slot_pattern;
    ptrdiff_t n_pattern;
    const uint64_t *pattern_fp;
    /* Per slot: the first maxDets setting that keeps it (rank < maxdet[m]); M if none. */
    const uint8_t *slot_first_m;
    /* Per slot, when A * T <= 64 (else NULL): bit masks of its TP and FP planes. */
    const uint64_t *slot_tp_mask;
    const uint64_t *slot_fp_mask;
    /* Groups, category by category. */
    const int64_t *group_start;   /* K + 1 */
    const int32_t *group_image;   /* image index of each group */
    const int64_t *group_npig;    /* n_groups x A */
    const uint8_t *group_nonempty;
} mm_boot_input;

/* Resamples [0, n_res): weights is n_res x n_images. Outputs: prec_sum n_res x K x A x T,
 * recall n_res x K x A x M x T. Returns 0 or MM_BOOT_ENOMEM. */
int mm_coco_bootstrap(const mm_boot_input *in, const int32_t *weights, ptrdiff_t n_res,
                      double *prec_sum, double *recall);

#endif
