/* A strict JSON reader for COCO files that writes numpy-ready columns directly.
 *
 * Three layouts are read; every other value in them is skipped, but only after being
 * checked as strictly as a JSON parser checks it (RFC 8259, UTF-8), so that a document
 * read here is one Python's json and orjson both accept:
 *   - results: a top-level array of objects with image_id, category_id (integers),
 *     bbox (4 numbers) and score (a number);
 *   - ground truth: a top-level object; images[].id and categories[].id in order, and
 *     per annotations[] entry id, image_id, category_id, bbox, area and iscrowd;
 *   - numbers: a top-level array of numbers (for tests), written to `score`.
 *
 * Numbers become the double Python's float() gives for the same text: correctly
 * rounded, ties to even. The rare tokens whose rounding 128-bit arithmetic cannot
 * settle (within 2^-64 of a halfway point, or with more than 19 significant digits
 * straddling one) are listed in `deferred` for the caller to convert; their sign is
 * known and they are finite and nonzero, so validation does not wait for them.
 *
 * Outcomes:
 *   MM_JSON_OK        columns are complete;
 *   MM_JSON_INVALID   valid JSON, but annotation err_index fails a check (err_field,
 *                     err_problem), the first in document order, as the dict extractor
 *                     checks them; the rest of the document was still verified;
 *   MM_JSON_FALLBACK  valid for all we know but outside the fast layout, or a case where
 *                     json and orjson disagree (NaN literals, overflow to infinity, lone
 *                     surrogate escapes, integers beyond 64 bits in a read field, deep
 *                     nesting): parse the document with a full JSON parser instead;
 *   MM_JSON_SYNTAX    not JSON: `offset` and `reason` say where and why;
 *   MM_JSON_ENOMEM    out of memory.
 * Plain C99, no Python.h; never reads outside [buf, buf + len).
 */
#ifndef MM_JSON_H
#define MM_JSON_H

#include <stddef.h>
#include <stdint.h>

enum {
    MM_JSON_OK = 0,
    MM_JSON_INVALID = 1,
    MM_JSON_FALLBACK = 2,
    MM_JSON_SYNTAX = 3,
    MM_JSON_ENOMEM = -1
};

enum { MM_JSON_RESULTS = 0, MM_JSON_GROUND_TRUTH = 1, MM_JSON_NUMBERS = 2 };

/* Fields named in MM_JSON_INVALID reports. */
enum {
    MM_JSON_F_IMAGE_ID = 0,
    MM_JSON_F_CATEGORY_ID = 1,
    MM_JSON_F_BBOX = 2,
    MM_JSON_F_SCORE = 3,
    MM_JSON_F_AREA = 4,
    MM_JSON_F_ID = 5
};

/* Problems: "is missing", "must be [x, y, width, height]", "has a negative width or
 * height" (the dict extractor's wording for the same checks). */
enum { MM_JSON_P_MISSING = 0, MM_JSON_P_BBOX_SHAPE = 1, MM_JSON_P_BBOX_NEGATIVE = 2 };

/* Deferred numbers: which value of which row the token at [offset, offset + len) is. */
enum {
    MM_JSON_D_BBOX0 = 0, /* .. MM_JSON_D_BBOX0 + 3 */
    MM_JSON_D_SCORE = 4,
    MM_JSON_D_AREA = 5
};

typedef struct {
    ptrdiff_t row;
    ptrdiff_t offset;
    int32_t len;
    int32_t slot;
} mm_json_deferred;

/* Maximum nesting depth of skipped values; deeper documents fall back. */
#define MM_JSON_MAX_DEPTH 512

typedef struct {
    /* Annotations (or results, or numbers): n rows. Columns the layout does not fill
     * stay NULL. Arrays are malloc'd; the caller may take them (and set them to NULL)
     * before mm_json_free. */
    ptrdiff_t n, cap;
    int64_t *image_id;
    int64_t *category_id;
    int64_t *ann_id;   /* ground truth */
    double *bbox;      /* 4 per row */
    double *area;      /* ground truth */
    double *score;     /* results, numbers */
    uint8_t *crowd;    /* ground truth: iscrowd != 0 (absent -> 0) */
    /* Where each row's "segmentation" value is: bytes [seg_off, seg_off + seg_len) of
     * the document (checked as JSON, not parsed; see mm_json_segmentation); seg_len is
     * -1 when the row has none. */
    int64_t *seg_off;
    int64_t *seg_len;
    /* Ground truth: each row's "keypoints" value, as for segmentations (kp_len -1: none),
     * and num_keypoints == 0 as Python compares it (1), or not (0), or absent (2). */
    int64_t *kp_off;
    int64_t *kp_len;
    uint8_t *num_kp_zero;

    /* Ground truth: images[].id and categories[].id, in document order. */
    ptrdiff_t n_images, cap_images;
    int64_t *images;
    ptrdiff_t n_categories, cap_categories;
    int64_t *categories;
    int has_images, has_annotations, has_categories;
    /* Ground truth: where the "images" and "categories" arrays are (length 0 when absent). */
    ptrdiff_t images_off, images_len;
    ptrdiff_t categories_off, categories_len;
    /* Every key pycocotools' createIndex reads is there: images[].id, categories[].id,
     * annotations[].id and .image_id, and .category_id when categories are present. */
    int index_ok;
    /* Results whose first element has keypoints and neither a box nor a segmentation:
     * loadRes's keypoints branch. seg_off / seg_len then hold each result's keypoints
     * value, and boxes are not read (loadRes computes them from the keypoints). */
    int keypoints;

    ptrdiff_t n_deferred, cap_deferred;
    mm_json_deferred *deferred;

    /* Outcome details. */
    ptrdiff_t offset;   /* SYNTAX / FALLBACK: byte offset where it was decided */
    const char *reason; /* SYNTAX / FALLBACK: static text */
    ptrdiff_t err_index;
    int err_field;
    int err_problem;
} mm_json_coco;

/* Read buf[0..len) in the given layout into *out (which this initialises). Returns one
 * of the MM_JSON_* outcomes; release the arrays with mm_json_free either way. */
int mm_json_read(const char *buf, ptrdiff_t len, int layout, mm_json_coco *out);

void mm_json_free(mm_json_coco *out);

/* Part of a results document (MM_JSON_RESULTS), for reading one on threads: the
 * elements of its top-level array that start in [from, until), where `from` is 0 (the
 * document's start) or where an element starts. *next is then where the element after
 * the last one read starts, or len when the array closed (and only whitespace followed).
 * Parts that chain (each `next` the following part's `from`, the last one len) hold
 * what mm_json_read gives for the whole document when every part's outcome is
 * MM_JSON_OK; with any other outcome, or a `from` that is not where an element starts
 * (then a part's `next` does not chain), read the whole document with mm_json_read for
 * its outcome. Element indices (err_index, deferred rows) are the part's own.
 * `keypoints`: whether the first element chose loadRes's keypoints branch (parts after
 * the first cannot see it; the first part finds out itself). */
int mm_json_read_results_part(const char *buf, ptrdiff_t len, ptrdiff_t from, ptrdiff_t until,
                              int keypoints, mm_json_coco *out, ptrdiff_t *next);

/* The numbers of a JSON array at buf[off, off + len) (a span the reader recorded) into
 * out[0..cap): their count, or -1 when the value is not an array of at most cap plain
 * numbers that convert without Python (the caller then parses it with Python). */
ptrdiff_t mm_json_number_array(const char *buf, ptrdiff_t off, ptrdiff_t len, double *out,
                               ptrdiff_t cap);

/* One "segmentation" value at buf[off, off + len) (a span the reader recorded), for
 * COCO's annToRLE: */
enum {
    MM_JSON_SEG_POLYGONS = 0, /* coordinates appended to xy; polygon k ends at poly_end[k] */
    MM_JSON_SEG_RLE = 1,      /* a compressed RLE: counts string and size */
    MM_JSON_SEG_OTHER = 2,    /* anything else: parse the span with Python and decide there */
    MM_JSON_SEG_COUNTS = 3    /* an uncompressed RLE: its run lengths in cnts, and size */
};

typedef struct {
    int kind;
    double *xy; /* accumulates over calls; zero-initialise, free with mm_json_segm_free */
    ptrdiff_t n_xy, cap_xy;
    int64_t *poly_end; /* end offsets into xy, accumulating likewise */
    ptrdiff_t n_poly, cap_poly;
    ptrdiff_t counts_off, counts_len; /* MM_JSON_SEG_RLE: the counts string in buf, */
    int counts_decoded;               /* or, when it had escapes, decoded in counts_buf */
    char *counts_buf;                 /* (reused across calls); counts_off is then where */
                                      /* its JSON form starts, which is no shorter */
    ptrdiff_t cap_counts;
    uint32_t *cnts; /* MM_JSON_SEG_COUNTS: n_cnts run lengths (reused across calls) */
    ptrdiff_t n_cnts, cap_cnts;
    int64_t h, w;
} mm_json_segm;

/* Returns MM_JSON_OK (kind set; nothing appended unless POLYGONS) or MM_JSON_ENOMEM.
 * Numbers are converted exactly as Python's float() / int(); the rare number that needs
 * Python for that makes the value OTHER. Never reads outside the span. */
int mm_json_segmentation(const char *buf, ptrdiff_t off, ptrdiff_t len, mm_json_segm *sg);
void mm_json_segm_free(mm_json_segm *sg);

#endif
