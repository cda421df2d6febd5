/* TIDE's per-image matching and error classification: see mm_tide.h. */
#include "mm_tide.h"

#include <stdlib.h>
#include <string.h>

#include "mm_box.h"

/* Largest detection x truth and detection x crowd blocks of the images. */
static void block_sizes(const mm_tide_input *in, ptrdiff_t first, ptrdiff_t last,
                        ptrdiff_t *pairs, ptrdiff_t *crowd_pairs, ptrdiff_t *crowds) {
    ptrdiff_t i;
    *pairs = *crowd_pairs = *crowds = 0;
    for (i = first; i < last; i++) {
        ptrdiff_t nd = (ptrdiff_t)(in->det_start[i + 1] - in->det_start[i]);
        ptrdiff_t ng = (ptrdiff_t)(in->gt_start[i + 1] - in->gt_start[i]);
        ptrdiff_t nc = (ptrdiff_t)(in->crowd_start[i + 1] - in->crowd_start[i]);
        if (nd * ng > *pairs) *pairs = nd * ng;
        if (nd * nc > *crowd_pairs) *crowd_pairs = nd * nc;
        if (nc > *crowds) *crowds = nc;
    }
}

/* One image: d0 / g0 / c0 are its first detection, truth and crowd region. */
static void classify_image(const mm_tide_input *in, ptrdiff_t d0, ptrdiff_t nd, ptrdiff_t g0,
                           ptrdiff_t ng, ptrdiff_t c0, ptrdiff_t nc, const double *iou,
                           const double *crowd_iou, mm_tide_output *out) {
    const int64_t *dcls = in->det_class + d0, *gcls = in->gt_class + g0;
    const int64_t *ccls = in->crowd_class + c0;
    uint8_t *used = out->gt_used + g0;
    const double pos = in->pos, bg = in->bg;
    ptrdiff_t d, g, c;

    /* Greedy matching, highest score first. */
    for (d = 0; d < nd; d++) {
        const double *row = ng > 0 ? iou + d * ng : NULL;
        double top = 0.0;
        ptrdiff_t best = -1;
        out->det_match[d0 + d] = -1;
        out->det_ignored[d0 + d] = 0;
        out->det_error[d0 + d] = 0;
        out->det_target[d0 + d] = -1;
        for (g = 0; g < ng; g++) {
            if (!used[g] && gcls[g] == dcls[d] && (best < 0 || row[g] > top)) {
                top = row[g];
                best = g;
            }
        }
        if (best >= 0 && top >= pos) {
            used[best] = 1;
            out->det_match[d0 + d] = (int64_t)(g0 + best);
        }
    }
    /* Unmatched detections on a crowd region of their class are ignored. */
    for (d = 0; d < nd; d++) {
        if (out->det_match[d0 + d] >= 0) continue;
        for (c = 0; c < nc; c++) {
            if (crowd_iou[d * nc + c] > pos && (ccls[c] == dcls[d] || ccls[c] == in->any_class)) {
                out->det_ignored[d0 + d] = 1;
                break;
            }
        }
    }
    /* One error per unmatched (or ignored) detection. */
    for (d = 0; d < nd; d++) {
        const double *row = ng > 0 ? iou + d * ng : NULL;
        double m_cls = 0.0, m_other = 0.0, m_used = 0.0, m_any = 0.0;
        ptrdiff_t f_cls = 0, f_other = 0;
        uint8_t code;
        if (out->det_match[d0 + d] >= 0) continue;
        if (ng == 0) {
            out->det_error[d0 + d] = MM_TIDE_BKG;
            continue;
        }
        for (g = 0; g < ng; g++) {
            int same = gcls[g] == dcls[d];
            double v = row[g];
            double v_cls = same ? v : 0.0, v_other = same ? 0.0 : v;
            if (g == 0 || v_cls > m_cls) {
                m_cls = v_cls;
                f_cls = g;
            }
            if (g == 0 || v_other > m_other) {
                m_other = v_other;
                f_other = g;
            }
            if (same && used[g] && v > m_used) m_used = v;
            if (g == 0 || v > m_any) m_any = v;
        }
        if (bg <= m_cls && m_cls <= pos) {
            code = MM_TIDE_LOC;
            out->det_target[d0 + d] = (int64_t)(g0 + f_cls);
        } else if (m_other >= pos) {
            code = MM_TIDE_CLS;
            out->det_target[d0 + d] = (int64_t)(g0 + f_other);
        } else if (m_used >= pos) {
            code = MM_TIDE_DUPE;
        } else if (m_any <= bg) {
            code = MM_TIDE_BKG;
        } else {
            code = MM_TIDE_BOTH;
        }
        out->det_error[d0 + d] = code;
    }
}

int mm_tide_classify(const mm_tide_input *in, ptrdiff_t first_image, ptrdiff_t last_image,
                     mm_tide_output *out) {
    ptrdiff_t i, pairs, crowd_pairs, crowds;
    double *scratch = NULL, *crowd_scratch = NULL;
    uint8_t *ones = NULL;
    int boxes = in->boxes;

    if (boxes) {
        block_sizes(in, first_image, last_image, &pairs, &crowd_pairs, &crowds);
        scratch = (double *)malloc((size_t)(pairs > 0 ? pairs : 1) * sizeof(double));
        crowd_scratch = (double *)malloc((size_t)(crowd_pairs > 0 ? crowd_pairs : 1) * sizeof(double));
        ones = (uint8_t *)malloc((size_t)(crowds > 0 ? crowds : 1));
        if (scratch == NULL || crowd_scratch == NULL || ones == NULL) {
            free(scratch);
            free(crowd_scratch);
            free(ones);
            return MM_TIDE_ENOMEM;
        }
        memset(ones, 1, (size_t)(crowds > 0 ? crowds : 1));
    }
    for (i = first_image; i < last_image; i++) {
        ptrdiff_t d0 = (ptrdiff_t)in->det_start[i], nd = (ptrdiff_t)in->det_start[i + 1] - d0;
        ptrdiff_t g0 = (ptrdiff_t)in->gt_start[i], ng = (ptrdiff_t)in->gt_start[i + 1] - g0;
        ptrdiff_t c0 = (ptrdiff_t)in->crowd_start[i], nc = (ptrdiff_t)in->crowd_start[i + 1] - c0;
        const double *iou, *crowd_iou;
        if (nd == 0) continue;
        if (boxes) {
            if (ng > 0) mm_box_iou(in->dt_box + 4 * d0, nd, in->gt_box + 4 * g0, ng, NULL, scratch);
            if (nc > 0)
                mm_box_iou(in->dt_box + 4 * d0, nd, in->crowd_box + 4 * c0, nc, ones, crowd_scratch);
            iou = scratch;
            crowd_iou = crowd_scratch;
        } else {
            iou = ng > 0 ? in->iou + in->iou_start[i] : NULL;
            crowd_iou = nc > 0 ? in->crowd_iou + in->crowd_iou_start[i] : NULL;
        }
        classify_image(in, d0, nd, g0, ng, c0, nc, iou, crowd_iou, out);
    }
    free(scratch);
    free(crowd_scratch);
    free(ones);
    return MM_TIDE_OK;
}
