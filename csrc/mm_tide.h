/* TIDE's per-image matching and error classification (tidecv 1.0.1's rules).
 *
 * Per image: the kept detections (highest score first), the non-crowd ground truths
 * and the crowd regions, each with a class code. In detection order, a detection
 * matches the unused same-class ground truth of highest IoU (the first among equal
 * IoUs) when that IoU is >= pos. An unmatched detection whose crowd IoU with a crowd
 * region of its class (or of class any_class) is > pos is ignored. Every unmatched or
 * ignored detection then gets one error, tested in order:
 *
 *   BKG   the image has no non-crowd ground truth;
 *   LOC   bg <= (highest same-class IoU, used or not) <= pos  (target: that truth);
 *   CLS   highest IoU with another class's truth >= pos       (target: that truth);
 *   DUPE  highest IoU with a used same-class truth >= pos;
 *   BKG   highest IoU with any truth <= bg;
 *   BOTH  otherwise.
 *
 * "Highest ... (the first among equal)" is numpy's argmax over the detection's row of
 * IoUs with the excluded entries set to 0, as tidecv computes it.
 *
 * IoUs are the boxes' (x, y, w, h; mm_box_iou, bit-identical to pycocotools), or read
 * from per-image blocks the caller computed (masks). Images are
 * independent: any split of [first_image, last_image) over calls gives the same output.
 * Depends on mm_box.
 */
#ifndef MM_TIDE_H
#define MM_TIDE_H

#include <stddef.h>
#include <stdint.h>

/* Error codes of a detection; 0: a true positive. */
enum { MM_TIDE_CLS = 1, MM_TIDE_LOC = 2, MM_TIDE_BOTH = 3, MM_TIDE_DUPE = 4, MM_TIDE_BKG = 5 };

/* Return codes. */
enum { MM_TIDE_OK = 0, MM_TIDE_ENOMEM = -1 };

typedef struct {
    ptrdiff_t n_images;
    const int64_t *det_start;   /* n_images + 1: image i's detections, by score */
    const int64_t *det_class;
    const int64_t *gt_start;    /* n_images + 1: image i's non-crowd ground truths */
    const int64_t *gt_class;
    const int64_t *crowd_start; /* n_images + 1: image i's crowd regions */
    const int64_t *crowd_class;
    int64_t any_class;          /* a crowd region of this class fits every class; -1: none */
    int boxes; /* 1: the IoUs of these boxes; 0: read from the blocks below */
    /* Boxes, 4 doubles each, indexed like the classes. */
    const double *dt_box;
    const double *gt_box;
    const double *crowd_box;
    /* Or IoUs: image i's detection x truth block, row-major, at iou[iou_start[i]];
     * its detection x crowd block at crowd_iou[crowd_iou_start[i]]. */
    const double *iou;
    const int64_t *iou_start;
    const double *crowd_iou;
    const int64_t *crowd_iou_start;
    double pos; /* foreground IoU */
    double bg;  /* background IoU */
} mm_tide_input;

typedef struct {
    int64_t *det_match;   /* the matched truth (index into gt_class), or -1 */
    uint8_t *det_ignored; /* 1: ignored (unmatched, on a crowd region) */
    uint8_t *det_error;   /* MM_TIDE_* or 0 */
    int64_t *det_target;  /* LOC / CLS: the truth (index into gt_class); else -1 */
    uint8_t *gt_used;     /* 1: matched */
} mm_tide_output;

/* Classify the detections of images [first_image, last_image), writing their entries
 * of `out` (and gt_used of their truths). Returns MM_TIDE_OK or MM_TIDE_ENOMEM. */
int mm_tide_classify(const mm_tide_input *in, ptrdiff_t first_image, ptrdiff_t last_image,
                     mm_tide_output *out);

#endif
