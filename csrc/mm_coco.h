/* COCO detection evaluation kernels, bit-identical to pycocotools' COCOeval.
 *
 * Detections and ground truths arrive grouped by (category, image), each group
 * contiguous and in the order pycocotools builds its per-group lists (annotation or
 * result order). The kernels reproduce, operation for operation, the greedy
 * per-image matching of pycocotools' evaluateImg for every area range and IoU
 * threshold (on box IoUs from mm_box.h, mask IoUs from mm_rle.h), and the
 * precision/recall accumulation of accumulate, including its quirks: matches are
 * recorded as annotation ids stored in doubles, so a detection or ground truth with
 * id 0 (or a negative detection id) behaves exactly as it does there.
 *
 * All arrays are C-contiguous. Functions return 0, or MM_COCO_ENOMEM when scratch
 * memory could not be allocated.
 */
#ifndef MM_COCO_H
#define MM_COCO_H

#include <stddef.h>
#include <stdint.h>

#include "mm_rle.h"

#define MM_COCO_ENOMEM (-1)

/* Codes of a detection at one (area range, IoU threshold), as accumulate sees it. */
enum { MM_COCO_FP = 0, MM_COCO_TP = 1, MM_COCO_IGNORED = 2 };

typedef struct {
    ptrdiff_t n_thr;
    const double *iou_thr;   /* T IoU thresholds */
    ptrdiff_t n_area;
    const double *area_rng;  /* A x 2: [lo, hi], inclusive */
    ptrdiff_t max_det;       /* detections kept per group (maxDets[-1]) */
} mm_coco_params;

typedef struct {
    /* Detections: dt_rows lists, group by group, rows of the detection columns, in
     * result order within a group (ties keep that order). */
    const int64_t *dt_start;  /* n_groups + 1 offsets into dt_rows */
    const int64_t *dt_rows;
    const double *dt_box;     /* columns, indexed by row: 4 per detection */
    const double *dt_area;
    const double *dt_score;
    const double *dt_id;
    /* Ground truths likewise, in annotation order within a group. */
    const int64_t *gt_start;  /* n_groups + 1 offsets into gt_rows */
    const int64_t *gt_rows;
    const double *gt_box;
    const double *gt_area;
    const double *gt_id;
    const uint8_t *gt_crowd;  /* iscrowd, for the IoU */
    const uint8_t *gt_ignore; /* the 'ignore' flag pycocotools derives from iscrowd */
    /* Masks (iouType "segm"), indexed by row like the columns, or all NULL for boxes.
     * The IoU is then pycocotools' rleIou of the masks, with boxes and areas from
     * mm_rle_bbox / mm_rle_area; counts must be valid. */
    const mm_rle *dt_rle;
    const double *dt_rle_bb;
    const uint32_t *dt_rle_area;
    const mm_rle *gt_rle;
    const double *gt_rle_bb;
    /* Optional (NULL: every row is in *_rle): rows whose len >= 0 are compressed
     * strings, decoded when needed instead of held as counts. Valid strings only. */
    const mm_rle_str *dt_rle_str;
    const mm_rle_str *gt_rle_str;
    /* Optional (NULL: IoUs of the boxes or masks): the IoUs given, group by group. Group
     * g's kept detections (in slot order: highest score first, stable) by its ground
     * truths (in gt_rows order), row-major, from pair_iou + pair_start[g]: pycocotools'
     * object keypoint similarity for iouType "keypoints". */
    const double *pair_iou;
    const int64_t *pair_start;
} mm_coco_groups;

typedef struct {
    /* Slots: the kept detections of each group, highest score first (stable). */
    const int64_t *slot_start; /* n_groups + 1 */
    double *slot_score;        /* n_slots */
    int64_t *slot_det;         /* n_slots: row of the detection in its columns */
    uint8_t *slot_code;        /* n_slots x n_area x n_thr (MM_COCO_FP/TP/IGNORED) */
    int32_t *group_npig;       /* n_groups x n_area: non-ignored ground truths */
    uint8_t *group_nonempty;   /* n_groups: the group has a gt or a detection */
    /* Optional (NULL to skip): what pycocotools stores in evalImgs. */
    double *slot_dtm;          /* n_area x n_thr x n_slots: matched gt id, 0 if none */
    uint8_t *slot_dtig;        /* n_area x n_thr x n_slots */
    int64_t *gt_order;         /* n_area x n_gt: gt row, ignore-last within each group */
    double *gt_gtm;            /* n_area x n_thr x n_gt: matched detection id, in gt_order */
    uint8_t *gt_ig;            /* n_area x n_gt: _ignore flags, in gt_order */
} mm_coco_matches;

/* Evaluate groups [first, last): evaluateImg for every area range and threshold.
 * n_slots and n_gt are the totals over all groups (strides of the output planes). */
int mm_coco_evaluate(const mm_coco_params *p, const mm_coco_groups *in, ptrdiff_t first,
                     ptrdiff_t last, ptrdiff_t n_slots, ptrdiff_t n_gt, mm_coco_matches *out);

typedef struct {
    ptrdiff_t n_thr;         /* T */
    ptrdiff_t n_rec;         /* R */
    const double *rec_thr;   /* R recall thresholds */
    int rec_sorted;          /* rec_thr is non-decreasing */
    ptrdiff_t n_area;        /* A' areas accumulated */
    const int64_t *area_src; /* A': plane of slot_code each accumulated area reads */
    ptrdiff_t n_maxdet;      /* M' max-detection settings accumulated */
    const int64_t *maxdet;   /* M' */
    const int64_t *out_m;    /* M': output index of each maxDet setting */
    const int64_t *out_a;    /* A': output index of each area */
    ptrdiff_t out_k;         /* output index of this category */
    /* Outputs in pycocotools' layouts: precision and scores [T, R, K, A, M], recall
     * [T, K, A, M]. Categories write disjoint elements, so threads may fill them. */
    ptrdiff_t K, A, M;
    double *precision;
    double *recall;
    double *scores;
} mm_coco_accum;

/* accumulate for one category: its slots [first, last), restricted to slots whose
 * image is selected. slot_code is n_slots x n_area_eval x n_thr; slot_rank is each
 * slot's rank within its group; npig[a] is the number of non-ignored ground truths for
 * accumulated area a. */
int mm_coco_accumulate(const mm_coco_accum *acc, const double *slot_score,
                       const int32_t *slot_rank, const uint8_t *slot_code,
                       const uint8_t *slot_selected, ptrdiff_t n_area_eval, ptrdiff_t first,
                       ptrdiff_t last, const int64_t *npig);


/* Detection confusion matrix over n_images images. Per image, ground truths
 * [gt_start[i], gt_start[i+1]) with class index, xywh box and crowd flag, and
 * detections [dt_start[i], dt_start[i+1]) with class index and box, already sorted by
 * score (highest first) and filtered by the caller's score threshold.
 *
 * Matching is class-agnostic and greedy in score order: a detection takes the
 * unmatched non-crowd ground truth with the highest IoU, if that IoU is >= iou_thr
 * (ties: the earlier ground truth), counting matrix[gt class][dt class]. Otherwise it
 * is ignored when it covers a crowd region (intersection over its own area >= iou_thr),
 * and counted as matrix[n_cls][dt class] (background row) when not. Ground truths left
 * unmatched count as matrix[gt class][n_cls] (background column). matrix is
 * (n_cls + 1) x (n_cls + 1), accumulated. With masks, IoUs are mask IoUs. */
/* Masks for mm_coco_confusion, in the order of its gt and dt arrays (NULL: boxes). */
typedef struct {
    const mm_rle *gt;
    const double *gt_bb;
    const mm_rle *dt;
    const double *dt_bb;
    const uint32_t *dt_area;
    const mm_rle_str *gt_str; /* optional string rows, as in mm_coco_groups */
    const mm_rle_str *dt_str;
} mm_coco_masks;

int mm_coco_confusion(ptrdiff_t n_images, const int64_t *gt_start, const int64_t *gt_cls,
                      const double *gt_box, const uint8_t *gt_crowd, const int64_t *dt_start,
                      const int64_t *dt_cls, const double *dt_box, const mm_coco_masks *masks,
                      double iou_thr, ptrdiff_t n_cls, int64_t *matrix);

#endif
