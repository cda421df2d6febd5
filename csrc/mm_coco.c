#include "mm_coco.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mm_box.h"

/* numpy's np.spacing(1): the gap between 1.0 and the next double. */
#define MM_COCO_EPS DBL_EPSILON

/* Run-length scratch for masks held as compressed strings. */
typedef struct {
    uint32_t *data;
    size_t cap;
} u32buf;

static int u32buf_reserve(u32buf *b, size_t n)
{
    if (n <= b->cap) return 0;
    size_t cap = b->cap * 2 > n ? b->cap * 2 : n;
    uint32_t *p = realloc(b->data, cap * sizeof *p);
    if (p == NULL) return MM_COCO_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

/* Room a mask row needs in a u32buf: its string length (a count takes at least one
 * character), or nothing for a row held as counts. */
static size_t row_need(const mm_rle_str *strs, int64_t row)
{
    return strs != NULL && strs[row].len >= 0 ? (size_t)strs[row].len : 0;
}

/* Mask row `row`: as held, or its string decoded into buf->data + *used (reserved by
 * the caller with row_need). */
static void row_rle(const mm_rle *rles, const mm_rle_str *strs, int64_t row, u32buf *buf,
                    size_t *used, mm_rle *out)
{
    if (strs == NULL || strs[row].len < 0) {
        *out = rles[row];
        return;
    }
    ptrdiff_t m = 0;
    uint32_t *at = buf->data + *used;
    /* The strings were validated when the table was built: this cannot fail. */
    mm_rle_str_counts(&strs[row], at, strs[row].len, &m);
    out->cnts = at;
    out->m = m;
    out->h = strs[row].h;
    out->w = strs[row].w;
    *used += (size_t)m;
}

/* Stable sort of idx[0..n) by key descending (numpy's argsort(-key, 'mergesort')).
 * tmp has room for n indices. */
static void sort_desc_stable(int64_t *idx, int64_t *tmp, ptrdiff_t n, const double *key)
{
    if (n <= 32) {
        for (ptrdiff_t i = 1; i < n; i++) {
            int64_t v = idx[i];
            ptrdiff_t j = i;
            while (j > 0 && key[v] > key[idx[j - 1]]) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = v;
        }
        return;
    }
    ptrdiff_t half = n / 2;
    sort_desc_stable(idx, tmp, half, key);
    sort_desc_stable(idx + half, tmp, n - half, key);
    if (!(key[idx[half]] > key[idx[half - 1]])) return; /* already in order */
    memcpy(tmp, idx, (size_t)half * sizeof *tmp);
    ptrdiff_t a = 0, b = half, o = 0;
    while (a < half && b < n) {
        /* Take from the right run only when strictly greater: ties keep input order. */
        if (key[idx[b]] > key[tmp[a]]) idx[o++] = idx[b++];
        else idx[o++] = tmp[a++];
    }
    while (a < half) idx[o++] = tmp[a++];
}

typedef struct {
    int64_t *det;     /* detection order within the group */
    int64_t *tmp;     /* sort scratch */
    double *iou;      /* kept detections x gts */
    int64_t *order;   /* gt order for one area range */
    uint8_t *ig;      /* _ignore, in that order */
    double *gtm;      /* matched detection id per gt, in that order */
    double *top;      /* best IoU of each kept detection over all gts of the group */
    ptrdiff_t *cand;  /* kept detections whose best IoU reaches some threshold */
    double *gbox;     /* the group's gt fields, gathered from their rows */
    double *garea;
    double *gid;
    uint8_t *gcrowd;
    uint8_t *gign;
    mm_rle *grle; /* the group's gt masks and their boxes (segm only) */
    double *gbb;
    uint8_t *pat;  /* per area range: the gts' ignore flags (A x max_gt) */
    uint8_t *res;  /* per area range, threshold, kept detection: its match (A x T x kept) */
    u32buf gcnt; /* decoded gt strings of the group */
    u32buf dcnt; /* one decoded detection string */
} scratch;

static void scratch_free(scratch *s)
{
    free(s->det);
    free(s->tmp);
    free(s->iou);
    free(s->order);
    free(s->ig);
    free(s->gtm);
    free(s->top);
    free(s->cand);
    free(s->gbox);
    free(s->garea);
    free(s->gid);
    free(s->gcrowd);
    free(s->gign);
    free(s->grle);
    free(s->gbb);
    free(s->pat);
    free(s->res);
    free(s->gcnt.data);
    free(s->dcnt.data);
}

static int scratch_alloc(scratch *s, ptrdiff_t max_dt, ptrdiff_t max_kept, ptrdiff_t max_gt,
                         ptrdiff_t n_area, ptrdiff_t n_thr)
{
    size_t nd = (size_t)(max_dt > 0 ? max_dt : 1), ng = (size_t)(max_gt > 0 ? max_gt : 1);
    size_t nk = (size_t)(max_kept > 0 ? max_kept : 1);
    s->det = malloc(nd * sizeof *s->det);
    s->tmp = malloc(nd * sizeof *s->tmp);
    s->iou = malloc(nk * ng * sizeof *s->iou);
    s->order = malloc(ng * sizeof *s->order);
    s->ig = malloc(ng * sizeof *s->ig);
    s->gtm = malloc(ng * sizeof *s->gtm);
    s->top = malloc(nk * sizeof *s->top);
    s->cand = malloc(nk * sizeof *s->cand);
    s->gbox = malloc(4 * ng * sizeof *s->gbox);
    s->garea = malloc(ng * sizeof *s->garea);
    s->gid = malloc(ng * sizeof *s->gid);
    s->gcrowd = malloc(ng * sizeof *s->gcrowd);
    s->gign = malloc(ng * sizeof *s->gign);
    s->grle = malloc(ng * sizeof *s->grle);
    s->gbb = malloc(4 * ng * sizeof *s->gbb);
    s->pat = malloc((size_t)(n_area > 0 ? n_area : 1) * ng);
    s->res = malloc((size_t)(n_area > 0 ? n_area : 1) * (size_t)(n_thr > 0 ? n_thr : 1) * nk);
    s->gcnt.data = NULL;
    s->gcnt.cap = 0;
    s->dcnt.data = NULL;
    s->dcnt.cap = 0;
    if (!s->det || !s->tmp || !s->iou || !s->order || !s->ig || !s->gtm || !s->top || !s->cand ||
        !s->gbox || !s->garea || !s->gid || !s->gcrowd || !s->gign || !s->grle || !s->gbb ||
        !s->pat || !s->res) {
        scratch_free(s);
        return MM_COCO_ENOMEM;
    }
    return 0;
}

/* Whether an area falls outside [lo, hi]. NaN is outside every range: COCO inputs never
 * hold a NaN area (the readers reject it), and LVIS marks with it the detections that are
 * ignored whenever they are unmatched (categories not exhaustively annotated in the image). */
static int outside(double area, const double *rng)
{
    return !(area >= rng[0] && area <= rng[1]);
}

int mm_coco_evaluate(const mm_coco_params *p, const mm_coco_groups *in, ptrdiff_t first,
                     ptrdiff_t last, ptrdiff_t n_slots, ptrdiff_t n_gt, mm_coco_matches *out)
{
    const ptrdiff_t T = p->n_thr, A = p->n_area;
    ptrdiff_t max_dt = 0, max_gt = 0, max_kept = 0;
    for (ptrdiff_t g = first; g < last; g++) {
        ptrdiff_t nd = in->dt_start[g + 1] - in->dt_start[g];
        ptrdiff_t ng = in->gt_start[g + 1] - in->gt_start[g];
        ptrdiff_t nk = out->slot_start[g + 1] - out->slot_start[g];
        if (nd > max_dt) max_dt = nd;
        if (ng > max_gt) max_gt = ng;
        if (nk > max_kept) max_kept = nk;
    }
    scratch s;
    if (scratch_alloc(&s, max_dt, max_kept, max_gt, A, T) != 0) return MM_COCO_ENOMEM;
    /* The lowest bar a match must reach over all thresholds. */
    double p_min_bar = INFINITY;
    for (ptrdiff_t t = 0; t < T; t++) {
        const double bar = p->iou_thr[t] < 1 - 1e-10 ? p->iou_thr[t] : 1 - 1e-10;
        if (bar < p_min_bar) p_min_bar = bar;
    }

    for (ptrdiff_t g = first; g < last; g++) {
        const int64_t d0 = in->dt_start[g], g0 = in->gt_start[g];
        const ptrdiff_t nd = in->dt_start[g + 1] - d0, ng = in->gt_start[g + 1] - g0;
        const int64_t s0 = out->slot_start[g];
        const ptrdiff_t nk = out->slot_start[g + 1] - s0;
        out->group_nonempty[g] = nd > 0 || ng > 0;
        if (nd == 0 && ng == 0) { /* most (category, image) pairs: nothing at all */
            for (ptrdiff_t a = 0; a < A; a++) out->group_npig[g * A + a] = 0;
            continue;
        }
        /* The group's gt fields, contiguous. */
        for (ptrdiff_t j = 0; j < ng; j++) {
            const int64_t row = in->gt_rows[g0 + j];
            memcpy(s.gbox + 4 * j, in->gt_box + 4 * row, 4 * sizeof *s.gbox);
            s.garea[j] = in->gt_area[row];
            s.gid[j] = in->gt_id[row];
            s.gcrowd[j] = in->gt_crowd[row];
            s.gign[j] = in->gt_ignore[row];
            if (in->gt_rle != NULL)
                memcpy(s.gbb + 4 * j, in->gt_rle_bb + 4 * row, 4 * sizeof *s.gbb);
        }
        if (in->gt_rle != NULL && (nk > 0 || out->gt_order != NULL)) {
            size_t need = 0, used = 0;
            for (ptrdiff_t j = 0; j < ng; j++) need += row_need(in->gt_rle_str, in->gt_rows[g0 + j]);
            if (u32buf_reserve(&s.gcnt, need) != 0) {
                scratch_free(&s);
                return MM_COCO_ENOMEM;
            }
            for (ptrdiff_t j = 0; j < ng; j++)
                row_rle(in->gt_rle, in->gt_rle_str, in->gt_rows[g0 + j], &s.gcnt, &used, &s.grle[j]);
        }
        if (nk == 0 && out->gt_order == NULL) { /* ground truth only: just count it */
            for (ptrdiff_t a = 0; a < A; a++) {
                int32_t npig = 0;
                for (ptrdiff_t j = 0; j < ng; j++)
                    npig += !(s.gign[j] || outside(s.garea[j], p->area_rng + 2 * a));
                out->group_npig[g * A + a] = npig;
            }
            continue;
        }

        /* Detections highest score first, stable, then the first max_det kept. */
        for (ptrdiff_t d = 0; d < nd; d++) s.det[d] = in->dt_rows[d0 + d];
        sort_desc_stable(s.det, s.tmp, nd, in->dt_score);
        for (ptrdiff_t d = 0; d < nk; d++) {
            out->slot_det[s0 + d] = s.det[d];
            out->slot_score[s0 + d] = in->dt_score[s.det[d]];
        }
        if (ng == 0 && out->slot_dtm == NULL) {
            /* Nothing to match: a detection is ignored when its area is outside the
             * range, a false positive otherwise, at every threshold. */
            for (ptrdiff_t a = 0; a < A; a++) {
                const double *rng = p->area_rng + 2 * a;
                out->group_npig[g * A + a] = 0;
                for (ptrdiff_t k = 0; k < nk; k++) {
                    uint8_t c = outside(in->dt_area[s.det[k]], rng) ? MM_COCO_IGNORED
                                                                     : MM_COCO_FP;
                    memset(out->slot_code + (s0 + k) * A * T + a * T, c, (size_t)T);
                }
            }
            continue;
        }
        for (ptrdiff_t k = 0; k < nk; k++) {
            const int64_t det = s.det[k];
            if (in->pair_iou != NULL) {
                memcpy(s.iou + k * ng, in->pair_iou + in->pair_start[g] + k * ng,
                       (size_t)ng * sizeof *s.iou);
            } else if (in->dt_rle != NULL) { /* out[g * 1 + 0]: the same layout as a box row */
                /* rleIou starts from the masks' box IoUs and looks at the masks only
                 * where that is positive: most detections overlap no gt box at all,
                 * and then need no decoding. */
                double *row = s.iou + k * ng;
                mm_box_iou(in->dt_rle_bb + 4 * det, 1, s.gbb, ng, s.gcrowd, row);
                int overlap = 0;
                for (ptrdiff_t j = 0; j < ng; j++) overlap |= row[j] > 0;
                if (overlap) { /* else the row is rleIou's already (0, or NaN as there) */
                    mm_rle d;
                    size_t used = 0;
                    if (u32buf_reserve(&s.dcnt, row_need(in->dt_rle_str, det)) != 0) {
                        scratch_free(&s);
                        return MM_COCO_ENOMEM;
                    }
                    row_rle(in->dt_rle, in->dt_rle_str, det, &s.dcnt, &used, &d);
                    mm_rle_iou(&d, in->dt_rle_bb + 4 * det, in->dt_rle_area + det, 1, s.grle,
                               s.gbb, ng, s.gcrowd, 0, 1, row);
                }
            } else
                mm_box_iou(in->dt_box + 4 * det, 1, s.gbox, ng, s.gcrowd, s.iou + k * ng);
            /* The best IoU lets the matching skip thresholds no gt can reach. An IoU
             * can be NaN (0 / 0 for boxes whose area underflows), and pycocotools'
             * "iou < threshold" test lets NaN match: then always scan. */
            double top = 0.0;
            for (ptrdiff_t j = 0; j < ng; j++) {
                const double v = s.iou[k * ng + j];
                if (v != v) {
                    top = INFINITY;
                    break;
                }
                if (v > top) top = v;
            }
            s.top[k] = top;
        }

        /* Detections that can match at some threshold (best IoU >= the threshold's
         * bar); the others are false positives or ignored whatever the matching,
         * and leave the gts untouched. Without detail output, only the candidates
         * need the per-threshold scan. */
        ptrdiff_t n_cand = 0;
        for (ptrdiff_t k = 0; k < nk; k++)
            if (s.top[k] >= p_min_bar) s.cand[n_cand++] = k;
        const int detail = out->slot_dtm != NULL || out->gt_gtm != NULL;

        for (ptrdiff_t a = 0; a < A; a++) {
            const double *rng = p->area_rng + 2 * a;
            /* Ground truths: not ignored first, then ignored, each in input order. */
            ptrdiff_t n_kept_gt = 0;
            for (int pass = 0; pass < 2; pass++) {
                for (ptrdiff_t j = 0; j < ng; j++) {
                    int ig = s.gign[j] || outside(s.garea[j], rng);
                    if (ig != pass) continue;
                    s.order[n_kept_gt] = j;
                    s.ig[n_kept_gt] = (uint8_t)ig;
                    n_kept_gt++;
                }
                if (pass == 0) out->group_npig[g * A + a] = (int32_t)n_kept_gt;
            }
            if (out->gt_order != NULL) {
                for (ptrdiff_t j = 0; j < ng; j++) {
                    out->gt_order[a * n_gt + g0 + j] = in->gt_rows[g0 + s.order[j]];
                    out->gt_ig[a * n_gt + g0 + j] = s.ig[j];
                }
            }
            ptrdiff_t same = -1; /* an earlier area range whose matching this one repeats */
            if (!detail) {
                /* Unmatched codes first: ignored outside the area range, else FP. */
                for (ptrdiff_t k = 0; k < nk; k++)
                    memset(out->slot_code + (s0 + k) * A * T + a * T,
                           outside(in->dt_area[s.det[k]], rng) ? MM_COCO_IGNORED : MM_COCO_FP,
                           (size_t)T);
                if (n_cand == 0) continue;
                /* The matching depends on the area range only through the gts' ignore
                 * flags (and the order they give): ranges with the same flags match
                 * alike, and differ only in which unmatched detections are ignored. */
                uint8_t *pat = s.pat + a * ng;
                for (ptrdiff_t j = 0; j < ng; j++)
                    pat[j] = (uint8_t)(s.gign[j] || outside(s.garea[j], rng));
                for (ptrdiff_t b = 0; b < a && same < 0; b++)
                    if (memcmp(s.pat + b * ng, pat, (size_t)ng) == 0) same = b;
                if (same >= 0) {
                    for (ptrdiff_t t = 0; t < T; t++) {
                        const uint8_t *r = s.res + (same * T + t) * nk;
                        uint8_t *code = out->slot_code + s0 * A * T + a * T + t;
                        for (ptrdiff_t c = 0; c < n_cand; c++) {
                            const ptrdiff_t k = s.cand[c];
                            if (r[k] != MM_COCO_FP) code[k * A * T] = r[k];
                        }
                    }
                    /* Later ranges with these flags find `same` first. */
                    continue;
                }
                memset(s.res + a * T * nk, MM_COCO_FP, (size_t)(T * nk));
            }
            const ptrdiff_t n_scan = detail ? nk : n_cand;
            for (ptrdiff_t t = 0; t < T; t++) {
                uint8_t *code = out->slot_code + s0 * A * T + a * T + t; /* stride A * T */
                const double bar = p->iou_thr[t] < 1 - 1e-10 ? p->iou_thr[t] : 1 - 1e-10;
                for (ptrdiff_t j = 0; j < ng; j++) s.gtm[j] = 0.0;
                for (ptrdiff_t c = 0; c < n_scan; c++) {
                    const ptrdiff_t k = detail ? c : s.cand[c];
                    /* No gt reaches the threshold: the scan could not match. */
                    if (!detail && s.top[k] < bar) continue;
                    const int64_t det = s.det[k];
                    const double *row = s.iou + k * ng;
                    double best = bar;
                    ptrdiff_t m = -1;
                    const ptrdiff_t scan = s.top[k] < best ? 0 : ng;
                    for (ptrdiff_t j = 0; j < scan; j++) {
                        const ptrdiff_t gj = s.order[j];
                        /* A gt is taken when its recorded detection id is > 0. */
                        if (s.gtm[j] > 0 && !s.gcrowd[gj]) continue;
                        /* Matched a regular gt and the rest are ignored ones: stop. */
                        if (m > -1 && s.ig[m] == 0 && s.ig[j] == 1) break;
                        if (row[gj] < best) continue;
                        best = row[gj];
                        m = j;
                    }
                    double dtm = 0.0;
                    uint8_t dtig = 0;
                    if (m != -1) {
                        dtig = s.ig[m];
                        dtm = s.gid[s.order[m]];
                        s.gtm[m] = in->dt_id[det];
                    }
                    if (!detail) /* the match, whatever the detection's own area */
                        s.res[(a * T + t) * nk + k] = dtig ? MM_COCO_IGNORED
                                                           : (dtm != 0 ? MM_COCO_TP : MM_COCO_FP);
                    /* Unmatched detections outside the area range are ignored. */
                    if (dtm == 0 && outside(in->dt_area[det], rng)) dtig = 1;
                    code[k * A * T] = dtig ? MM_COCO_IGNORED
                                           : (dtm != 0 ? MM_COCO_TP : MM_COCO_FP);
                    if (out->slot_dtm != NULL) {
                        out->slot_dtm[(a * T + t) * n_slots + s0 + k] = dtm;
                        out->slot_dtig[(a * T + t) * n_slots + s0 + k] = dtig;
                    }
                }
                if (out->gt_gtm != NULL)
                    for (ptrdiff_t j = 0; j < ng; j++)
                        out->gt_gtm[(a * T + t) * n_gt + g0 + j] = s.gtm[j];
            }
        }
    }
    scratch_free(&s);
    return 0;
}

/* Smallest k in [0, n_tp) with (k + 1) / npig >= x, as pycocotools computes recall
 * (tp / npig in doubles); n_tp if there is none. */
static ptrdiff_t first_tp_reaching(ptrdiff_t n_tp, double npig, double x)
{
    ptrdiff_t lo = 0, hi = n_tp;
    while (lo < hi) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        if ((double)(mid + 1) / npig < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

typedef struct {
    int64_t pos; /* position in the score-sorted subset */
    int64_t fp;  /* false positives before it */
} tp_event;

typedef struct {
    int64_t *order;   /* selected slots, score order */
    int64_t *tmp;     /* sort scratch */
    int64_t *sub;     /* the maxDets subset of order */
    ptrdiff_t *plane; /* byte offset of each accumulated curve within a slot's codes */
    int64_t *fp;      /* running false positives per curve */
    uint8_t *fp8;     /* the same, since the last flush into fp */
    tp_event *events; /* true positives of all curves, in position order */
    int32_t *ev_plane;
    tp_event *by_plane; /* the same, grouped by curve */
    ptrdiff_t *start;   /* per curve offsets into by_plane */
    double *best;       /* per true positive: precision, then its suffix maximum */
    ptrdiff_t cap;      /* capacity of the event arrays */
} accum_scratch;

static void accum_free(accum_scratch *s)
{
    free(s->order);
    free(s->tmp);
    free(s->sub);
    free(s->plane);
    free(s->fp);
    free(s->fp8);
    free(s->events);
    free(s->ev_plane);
    free(s->by_plane);
    free(s->start);
    free(s->best);
}

static int reserve_events(accum_scratch *s, ptrdiff_t need)
{
    if (need <= s->cap) return 0;
    ptrdiff_t cap = s->cap * 2 > need ? s->cap * 2 : need;
    tp_event *e = realloc(s->events, (size_t)cap * sizeof *e);
    if (e) s->events = e;
    int32_t *p = realloc(s->ev_plane, (size_t)cap * sizeof *p);
    if (p) s->ev_plane = p;
    tp_event *b = realloc(s->by_plane, (size_t)cap * sizeof *b);
    if (b) s->by_plane = b;
    double *q = realloc(s->best, (size_t)cap * sizeof *q);
    if (q) s->best = q;
    if (!e || !p || !b || !q) return MM_COCO_ENOMEM;
    s->cap = cap;
    return 0;
}

/* Sample one curve from its true positives tp[0..n_tp) (positions in the sorted
 * subset of nd detections and false positives before each). pycocotools builds the
 * cumulative tp/fp arrays, rc = tp / npig, pr = tp / (fp + tp + eps), takes the
 * right-to-left running maximum of pr and samples it where rc first reaches each
 * recall threshold. Recall only rises at true positives and the running maximum is
 * attained at one, so the same numbers follow from the true positives alone, with pr
 * computed from the same operands. */
static void sample_curve(const mm_coco_accum *acc, const tp_event *tp, ptrdiff_t n_tp,
                         double *best, ptrdiff_t nd, const int64_t *sub,
                         const double *slot_score, double npig, double *recall, double *prec,
                         double *sc, ptrdiff_t rs)
{
    for (ptrdiff_t k = 0; k < n_tp; k++) {
        double t = (double)(k + 1), f = (double)tp[k].fp;
        best[k] = t / ((f + t) + MM_COCO_EPS);
    }
    *recall = nd ? (double)n_tp / npig : 0.0;
    for (ptrdiff_t k = n_tp - 2; k >= 0; k--)
        if (best[k + 1] > best[k]) best[k] = best[k + 1];
    /* Recall at the first detection: 1 / npig if it is a true positive, else 0. */
    const double rc0 = nd ? (n_tp > 0 && tp[0].pos == 0 ? 1.0 : 0.0) / npig : 0.0;
    ptrdiff_t r = 0, k = 0;
    for (; r < acc->n_rec; r++) {
        const double x = acc->rec_thr[r];
        ptrdiff_t at; /* position of the first detection with rc >= x */
        double q;
        if (nd > 0 && rc0 >= x) {
            at = 0;
            /* pr there is 0 unless it is a true positive; best[0] covers the rest. */
            q = n_tp > 0 ? best[0] : 0.0;
        } else {
            if (acc->rec_sorted) {
                /* Ascending thresholds: continue from the previous one's position. */
                while (k < n_tp && (double)(k + 1) / npig < x) k++;
            } else {
                k = first_tp_reaching(n_tp, npig, x);
            }
            if (nd == 0 || k >= n_tp) break; /* pycocotools stops at the first miss */
            at = tp[k].pos;
            q = best[k];
        }
        prec[r * rs] = q;
        sc[r * rs] = slot_score[sub[at]];
    }
    for (; r < acc->n_rec; r++) {
        prec[r * rs] = 0.0;
        sc[r * rs] = 0.0;
    }
}

int mm_coco_accumulate(const mm_coco_accum *acc, const double *slot_score,
                       const int32_t *slot_rank, const uint8_t *slot_code,
                       const uint8_t *slot_selected, ptrdiff_t n_area_eval, ptrdiff_t first,
                       ptrdiff_t last, const int64_t *npig)
{
    const ptrdiff_t n = last - first, T = acc->n_thr, R = acc->n_rec;
    const ptrdiff_t A = acc->A, M = acc->M;
    const ptrdiff_t row = n_area_eval * T; /* bytes of codes per slot */
    const ptrdiff_t P = acc->n_area * T;   /* curves per maxDets setting */
    const size_t cap = (size_t)(n > 0 ? n : 1), pcap = (size_t)(P > 0 ? P : 1);
    accum_scratch s = {0};
    s.order = malloc(cap * sizeof *s.order);
    s.tmp = malloc(cap * sizeof *s.tmp);
    s.sub = malloc(cap * sizeof *s.sub);
    s.plane = malloc(pcap * sizeof *s.plane);
    s.fp = malloc(pcap * sizeof *s.fp);
    s.fp8 = malloc(pcap);
    s.start = malloc((pcap + 1) * sizeof *s.start);
    if (!s.order || !s.tmp || !s.sub || !s.plane || !s.fp || !s.fp8 || !s.start ||
        reserve_events(&s, (ptrdiff_t)cap) != 0) {
        accum_free(&s);
        return MM_COCO_ENOMEM;
    }
    int contiguous = 1; /* every evaluated area, in order: curves are the row itself */
    for (ptrdiff_t ai = 0; ai < acc->n_area; ai++)
        for (ptrdiff_t t = 0; t < T; t++) {
            s.plane[ai * T + t] = acc->area_src[ai] * T + t;
            contiguous &= s.plane[ai * T + t] == ai * T + t;
        }
    contiguous &= P == row;

    /* All selected slots, in image order, sorted once by score (stable); a maxDets
     * subset of a stably sorted sequence is the stable sort of that subset. */
    ptrdiff_t n_sel = 0;
    for (ptrdiff_t i = first; i < last; i++)
        if (slot_selected == NULL || slot_selected[i]) s.order[n_sel++] = i;
    sort_desc_stable(s.order, s.tmp, n_sel, slot_score);

    for (ptrdiff_t mi = 0; mi < acc->n_maxdet; mi++) {
        ptrdiff_t nd = 0;
        for (ptrdiff_t j = 0; j < n_sel; j++)
            if (slot_rank[s.order[j]] < acc->maxdet[mi]) s.sub[nd++] = s.order[j];
        /* One pass over the detections for every curve: count false positives and
         * record true positives with the false-positive count before them. */
        for (ptrdiff_t p = 0; p < P; p++) s.fp[p] = 0;
        memset(s.fp8, 0, pcap);
        ptrdiff_t n_events = 0, pending = 0;
        for (ptrdiff_t j = 0; j < nd; j++) {
            const uint8_t *codes = slot_code + s.sub[j] * row;
            uint8_t any_tp = 0;
            /* False positives are counted in bytes (the loops vectorise) and moved to
             * the 64-bit counters before a byte can overflow or a count is read. */
            if (contiguous) {
                for (ptrdiff_t p = 0; p < P; p++) {
                    s.fp8[p] += codes[p] == MM_COCO_FP;
                    any_tp |= codes[p] == MM_COCO_TP;
                }
            } else {
                for (ptrdiff_t p = 0; p < P; p++) {
                    s.fp8[p] += codes[s.plane[p]] == MM_COCO_FP;
                    any_tp |= codes[s.plane[p]] == MM_COCO_TP;
                }
            }
            if (++pending == 255 || any_tp) {
                for (ptrdiff_t p = 0; p < P; p++) s.fp[p] += s.fp8[p];
                memset(s.fp8, 0, pcap);
                pending = 0;
            }
            if (!any_tp) continue;
            if (reserve_events(&s, n_events + P) != 0) {
                accum_free(&s);
                return MM_COCO_ENOMEM;
            }
            for (ptrdiff_t p = 0; p < P; p++) {
                if (codes[s.plane[p]] != MM_COCO_TP) continue;
                s.events[n_events].pos = j;
                s.events[n_events].fp = s.fp[p];
                s.ev_plane[n_events] = (int32_t)p;
                n_events++;
            }
        }
        /* Group the events by curve, keeping position order (counting sort). */
        for (ptrdiff_t p = 0; p <= P; p++) s.start[p] = 0;
        for (ptrdiff_t e = 0; e < n_events; e++) s.start[s.ev_plane[e] + 1]++;
        for (ptrdiff_t p = 0; p < P; p++) s.start[p + 1] += s.start[p];
        for (ptrdiff_t e = 0; e < n_events; e++) s.by_plane[s.start[s.ev_plane[e]]++] = s.events[e];
        for (ptrdiff_t p = P; p > 0; p--) s.start[p] = s.start[p - 1];
        s.start[0] = 0;

        const ptrdiff_t m = acc->out_m[mi];
        for (ptrdiff_t ai = 0; ai < acc->n_area; ai++) {
            if (npig[ai] == 0) continue; /* precision and recall stay -1 */
            for (ptrdiff_t t = 0; t < T; t++) {
                const ptrdiff_t p = ai * T + t;
                /* pycocotools' layouts: precision/scores [T, R, K, A, M], recall
                 * [T, K, A, M]; a curve's R samples are K * A * M apart. */
                const ptrdiff_t kam = (acc->out_k * A + acc->out_a[ai]) * M + m;
                const ptrdiff_t curve = t * R * acc->K * A * M + kam;
                sample_curve(acc, s.by_plane + s.start[p], s.start[p + 1] - s.start[p], s.best,
                             nd, s.sub, slot_score, (double)npig[ai],
                             acc->recall + t * acc->K * A * M + kam, acc->precision + curve,
                             acc->scores + curve, acc->K * A * M);
            }
        }
    }
    accum_free(&s);
    return 0;
}

int mm_coco_confusion(ptrdiff_t n_images, const int64_t *gt_start, const int64_t *gt_cls,
                      const double *gt_box, const uint8_t *gt_crowd, const int64_t *dt_start,
                      const int64_t *dt_cls, const double *dt_box, const mm_coco_masks *masks,
                      double iou_thr, ptrdiff_t n_cls, int64_t *matrix)
{
    ptrdiff_t max_gt = 1;
    for (ptrdiff_t i = 0; i < n_images; i++)
        if (gt_start[i + 1] - gt_start[i] > max_gt) max_gt = gt_start[i + 1] - gt_start[i];
    uint8_t *taken = malloc((size_t)max_gt);
    double *iou = malloc((size_t)max_gt * sizeof *iou);
    if (!taken || !iou) {
        free(taken);
        free(iou);
        return MM_COCO_ENOMEM;
    }
    mm_rle *grle = masks != NULL ? malloc((size_t)max_gt * sizeof *grle) : NULL;
    u32buf gcnt = {NULL, 0}, dcnt = {NULL, 0};
    if (masks != NULL && grle == NULL) {
        free(taken);
        free(iou);
        return MM_COCO_ENOMEM;
    }
    int status = 0;
    const ptrdiff_t side = n_cls + 1;
    for (ptrdiff_t i = 0; i < n_images && status == 0; i++) {
        const int64_t g0 = gt_start[i], ng = gt_start[i + 1] - g0;
        memset(taken, 0, (size_t)ng);
        if (masks != NULL) {
            size_t need = 0, used = 0;
            for (int64_t j = 0; j < ng; j++) need += row_need(masks->gt_str, g0 + j);
            if (u32buf_reserve(&gcnt, need) != 0) {
                status = MM_COCO_ENOMEM;
                break;
            }
            for (int64_t j = 0; j < ng; j++)
                row_rle(masks->gt, masks->gt_str, g0 + j, &gcnt, &used, &grle[j]);
        }
        for (int64_t d = dt_start[i]; d < dt_start[i + 1]; d++) {
            if (masks != NULL) {
                mm_rle dr;
                size_t used = 0;
                if (u32buf_reserve(&dcnt, row_need(masks->dt_str, d)) != 0) {
                    status = MM_COCO_ENOMEM;
                    break;
                }
                row_rle(masks->dt, masks->dt_str, d, &dcnt, &used, &dr);
                mm_rle_iou(&dr, masks->dt_bb + 4 * d, masks->dt_area + d, 1, grle,
                           masks->gt_bb + 4 * g0, ng, gt_crowd + g0, 0, 1, iou);
            } else
                mm_box_iou(dt_box + 4 * d, 1, gt_box + 4 * g0, ng, gt_crowd + g0, iou);
            ptrdiff_t best = -1;
            double best_iou = iou_thr;
            int on_crowd = 0;
            for (ptrdiff_t j = 0; j < ng; j++) {
                if (gt_crowd[g0 + j]) {
                    on_crowd |= iou[j] >= iou_thr;
                    continue;
                }
                if (taken[j] || iou[j] < best_iou || (best >= 0 && iou[j] == best_iou)) continue;
                best_iou = iou[j];
                best = j;
            }
            if (best >= 0) {
                taken[best] = 1;
                matrix[gt_cls[g0 + best] * side + dt_cls[d]]++;
            } else if (!on_crowd) {
                matrix[n_cls * side + dt_cls[d]]++;
            }
        }
        for (ptrdiff_t j = 0; j < ng; j++)
            if (!taken[j] && !gt_crowd[g0 + j]) matrix[gt_cls[g0 + j] * side + n_cls]++;
    }
    free(taken);
    free(iou);
    free(grle);
    free(gcnt.data);
    free(dcnt.data);
    return status;
}
