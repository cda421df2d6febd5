/* Run-length encoded binary masks, bit-identical to pycocotools' maskApi.c (2.0.11).
 *
 * A mask of h x w pixels is read column by column (column-major, the Fortran order
 * pycocotools uses). Its RLE is a list of uint32 run lengths that alternate between
 * 0s and 1s, starting with a (possibly empty) run of 0s. Counts are valid when they
 * sum to h * w and h * w fits in a uint32; pycocotools does not check this, every
 * function here does (MM_RLE_ECOUNTS / MM_RLE_ESIZE) and none reads or writes outside
 * the buffers it is given, whatever the input.
 *
 * The compressed string form is pycocotools': count i (for i > 2, minus count i - 2)
 * is written as 5-bit groups, least significant first, each in one character
 * '0' + group, plus 32 when another group follows; bit 4 of the last group is the sign.
 *
 * Functions return MM_RLE_OK or a negative MM_RLE_E* code.
 */
#ifndef MM_RLE_H
#define MM_RLE_H

#include <stddef.h>
#include <stdint.h>

enum {
    MM_RLE_OK = 0,
    MM_RLE_ENOMEM = -1,  /* scratch memory could not be allocated */
    MM_RLE_ECOUNTS = -2, /* counts negative, too large, or not summing to h * w */
    MM_RLE_ESTRING = -3, /* compressed string malformed (bad character, truncated) */
    MM_RLE_EPOLY = -4,   /* polygon without points, or a coordinate non-finite / too large */
    MM_RLE_ESIZE = -5    /* masks of different sizes, or h * w above MM_RLE_MAX_AREA */
};

#define MM_RLE_MAX_AREA 4294967295u /* counts are uint32 */

/* Polygon (and box) coordinates must lie in [-MM_RLE_MAX_COORD, MM_RLE_MAX_COORD]: well
 * inside the range where pycocotools' int arithmetic on 5x upsampled coordinates is
 * defined, and far beyond any image. */
#define MM_RLE_MAX_COORD 1.0e8

/* One RLE as counts (m of them) for an h x w mask. */
typedef struct {
    const uint32_t *cnts;
    ptrdiff_t m;
    uint32_t h, w;
} mm_rle;

/* One RLE as a compressed string of len bytes (no terminator needed). */
typedef struct {
    const char *s;
    ptrdiff_t len;
    uint32_t h, w;
} mm_rle_str;

/* Growable byte buffer that string writers append to. Zero-initialise; free with
 * mm_rle_buf_free. */
typedef struct {
    char *data;
    size_t len, cap;
} mm_rle_buf;

/* Scratch space reused across calls (counts out, polygon points). Zero-initialise;
 * free with mm_rle_ws_free. After a successful mm_rle_encode / mm_rle_from_poly /
 * mm_rle_from_box, cnts[0..m) holds the result. */
typedef struct {
    uint32_t *cnts;
    ptrdiff_t m;
    size_t cnts_cap;
    uint32_t *pts; /* boundary points of a polygon, as positions x * h + y */
    size_t n_pts, pts_cap;
    uint32_t *tmp; /* sort scratch */
    size_t tmp_cap;
    uint64_t *bits; /* parity bitmap, used instead of pts for huge point counts */
    size_t bits_words;
    int use_bits;
} mm_rle_ws;

void mm_rle_buf_free(mm_rle_buf *b);
void mm_rle_ws_free(mm_rle_ws *ws);

/* ---- compressed strings ---- */

/* Decode the counts into cnts[0..*m), checking the string, the values and their sum.
 * cap >= r->len always suffices (every count takes at least one character). */
int mm_rle_str_counts(const mm_rle_str *r, uint32_t *cnts, ptrdiff_t cap, ptrdiff_t *m);
/* Area, bounding box, mask straight from the string (validated on the way). */
int mm_rle_str_area(const mm_rle_str *r, uint32_t *area);
int mm_rle_str_bbox(const mm_rle_str *r, double *bb);
int mm_rle_str_area_bbox(const mm_rle_str *r, uint32_t *area, double *bb);
/* mask: h * w bytes, all zero on entry; the runs of 1s are written. */
int mm_rle_str_decode(const mm_rle_str *r, uint8_t *mask);
/* Append the compressed string of cnts[0..m) to out. */
int mm_rle_to_str(const uint32_t *cnts, ptrdiff_t m, mm_rle_buf *out);

/* ---- counts ---- */

/* MM_RLE_OK when the counts describe an h x w mask. */
int mm_rle_check(const mm_rle *r);
/* Area and pycocotools' rleToBbox box (x, y, w, h; its uint32 arithmetic included,
 * so a mask whose runs of 1s are all empty gets [w, h, 2^32 + 1 - w, 2^32 + 1 - h]). */
uint32_t mm_rle_area(const mm_rle *r);
void mm_rle_bbox(const mm_rle *r, double *bb);
/* Write all h * w bytes of the mask (0 or 1). Counts must be valid. */
int mm_rle_decode(const mm_rle *r, uint8_t *mask);

/* Encode an h x w mask stored column-major (h * w bytes) into ws->cnts. A run ends
 * wherever the byte value changes (values other than 0 and 1 included), as in
 * pycocotools' rleEncode. */
int mm_rle_encode(const uint8_t *mask, uint32_t h, uint32_t w, mm_rle_ws *ws);

/* Union (intersect = 0) or intersection of r[0..n), all of one size, folded left to
 * right exactly as pycocotools' rleMerge (same counts, zero-length runs included),
 * except where empty runs inside the counts make pycocotools stop before the last
 * pixel and return counts that do not cover the mask: the merge is completed instead.
 * out and tmp each have room for cap counts, cap >= mm_rle_merge_capacity(r, n).
 * n == 0 gives m = 0. */
ptrdiff_t mm_rle_merge_capacity(const mm_rle *r, ptrdiff_t n);
int mm_rle_merge(const mm_rle *r, ptrdiff_t n, int intersect, uint32_t *out, uint32_t *tmp,
                 ptrdiff_t cap, ptrdiff_t *m);

/* pycocotools' rleIou for detections [d_first, d_last): out[g * n_dt + d] is the IoU of
 * dt[d] and gt[g] (intersection over the detection's area for a crowd gt), 0 when
 * their bounding boxes (dt_bb, gt_bb from mm_rle_bbox) do not overlap, -1 when the
 * two masks differ in size. dt_area from mm_rle_area. Counts must be valid. The
 * intersection and union are those of pycocotools' walk over the runs, which stops
 * early on some counts with empty runs inside; this reproduces it. */
void mm_rle_iou(const mm_rle *dt, const double *dt_bb, const uint32_t *dt_area, ptrdiff_t n_dt,
                const mm_rle *gt, const double *gt_bb, ptrdiff_t n_gt, const uint8_t *gt_crowd,
                ptrdiff_t d_first, ptrdiff_t d_last, double *out);

/* ---- polygons and boxes ---- */

/* pycocotools' rleFrPoly: polygon xy[0..2k) (x0, y0, x1, y1, ...) rasterised into an
 * h x w mask, into ws->cnts. Every count equals pycocotools' for any k >= 1 (1 and 2
 * points give an empty mask there too); k < 1, non-finite coordinates or coordinates
 * beyond MM_RLE_MAX_COORD give MM_RLE_EPOLY. Only the part of each edge that can
 * reach the image is walked, so time and memory do not grow with how far outside the
 * image a polygon reaches. */
int mm_rle_from_poly(const double *xy, ptrdiff_t k, uint32_t h, uint32_t w, mm_rle_ws *ws);
/* pycocotools' rleFrBbox: the box (x, y, w, h) as the polygon pycocotools makes of it. */
int mm_rle_from_box(const double *bb, uint32_t h, uint32_t w, mm_rle_ws *ws);

#endif
