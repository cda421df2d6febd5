/* Per-pixel confusion counting for semantic segmentation.
 *
 * Counts (target, prediction) pairs of label maps, or of a target map and per-class
 * scores whose arg max is taken on the fly, into an "extended" int64 histogram of
 * (C + 2) rows by (C + 1) columns (C = number of classes):
 *
 *   row t < C   target class t        column p < C   predicted class p
 *   row C       target == ignore      column C       prediction outside [0, C)
 *   row C + 1   target outside [0, C) and not the ignore label
 *
 * The extra row and column make validation free: the counting pass never branches on
 * bad input, and the caller looks at row C + 1 and column C afterwards (predictions
 * of ignored pixels are not checked: row C is dropped whatever its columns hold).
 * Counting goes into two uint32 sub-histograms used in turn, so that runs of equal
 * pixels (the common case in label maps) do not serialise on one counter; they are
 * flushed into the int64 histogram at the end and at least every 2^30 pixels. Counts
 * are integers, so any split of the pixels over calls or threads gives the same sums.
 */
#ifndef MM_SEMANTIC_H
#define MM_SEMANTIC_H

#include <stddef.h>
#include <stdint.h>

/* Element types of label maps (targets and label predictions)... */
enum { MM_SEMANTIC_U8 = 0, MM_SEMANTIC_U16, MM_SEMANTIC_I32, MM_SEMANTIC_I64 };
/* ...and of score predictions. */
enum { MM_SEMANTIC_F32 = 8, MM_SEMANTIC_F64 };

/* Return codes. */
enum { MM_SEMANTIC_OK = 0, MM_SEMANTIC_ENOMEM = -1, MM_SEMANTIC_EKIND = -2, MM_SEMANTIC_NAN = 1 };

typedef struct {
    const void *pred;  /* labels: n_images * pixels; scores: n_images * n_classes * pixels */
    int pred_kind;     /* labels: MM_SEMANTIC_U8 .. MM_SEMANTIC_I64; scores: MM_SEMANTIC_F32, F64 */
    const void *target; /* n_images * pixels labels */
    int target_kind;   /* MM_SEMANTIC_U8 .. MM_SEMANTIC_I64 */
    ptrdiff_t n_images;
    ptrdiff_t pixels;  /* pixels per image */
    ptrdiff_t n_classes;
    int has_ignore;
    int64_t ignore;
} mm_semantic_input;

/* Entries of the extended histogram: (n_classes + 2) * (n_classes + 1). */
ptrdiff_t mm_semantic_ext_size(ptrdiff_t n_classes);

/* Add the pixels [first, last) (flat pixel index over all images) into ext.
 * Returns MM_SEMANTIC_OK; MM_SEMANTIC_NAN if the scores hold a NaN (ext is then
 * partial); MM_SEMANTIC_ENOMEM or MM_SEMANTIC_EKIND (an unknown element type). */
int mm_semantic_count(const mm_semantic_input *in, ptrdiff_t first, ptrdiff_t last,
                      int64_t *ext);

/* As mm_semantic_count over whole images [first_image, last_image), and also write for
 * each image i three rows of n_classes counts to stats[i * 3 * n_classes ...]:
 * true positives, predicted pixels and target pixels per class (ignored pixels and
 * pixels with a bad label excluded). */
int mm_semantic_count_images(const mm_semantic_input *in, ptrdiff_t first_image,
                             ptrdiff_t last_image, int64_t *ext, int64_t *stats);

#endif
