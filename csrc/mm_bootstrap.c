/* Bootstrap of COCO's accumulation from one evaluation (see mm_bootstrap.h).
 *
 * Why no expansion is needed: within the w copies of a true positive the false
 * positives before them do not change, so the precision tp / ((fp + tp) + eps) rises
 * with every copy (exactly, and so after rounding, which is monotone); the interpolated
 * precision (the running maximum from the right) is therefore the same at every copy,
 * the one at the last copy. A curve is its true positives in order, each with the
 * cumulative true positives after it and the false positives before it.
 *
 * Speed: most slots are true positives nowhere and share one of a few patterns (the
 * planes where they are false positives: their area range's and "all"). Their weights
 * go to one counter per pattern; a true positive reads its plane's false positives as
 * the directly counted ones plus the counters of the patterns covering that plane. The recall
 * thresholds' first reaching counts depend on the category and area only, not on the
 * IoU threshold, so they are found once for the T curves that share them. */

#include "mm_bootstrap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MM_BOOT_EPS 2.220446049250313e-16 /* np.spacing(1), as pycocotools adds it */

#if defined(__GNUC__) || defined(__clang__)
#define MM_CTZ64(x) __builtin_ctzll(x)
#else
static int mm_ctz64(uint64_t x)
{
    int n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
}
#define MM_CTZ64(x) mm_ctz64(x)
#endif


/* Resamples are processed MM_BOOT_LANES at a time: one pass over a category's slots
 * serves every resample of the block, each slot's image weights being one contiguous
 * vector (the block's weights are transposed to image-major order), so the loads,
 * pattern tests and event bookkeeping are shared and the arithmetic runs in SIMD
 * lanes. Counts are doubles: exact below 2^53, and the precision is computed in
 * doubles anyway. A slot whose image no resample of the block drew adds nothing and
 * is skipped; one drawn by some lanes only adds, in the others, an event that repeats
 * the previous true-positive count with at least as many false positives: its
 * precision is not higher and the threshold walk stops at the first event of a count,
 * so it changes no lane's result. */
#define L MM_BOOT_LANES

typedef struct {
    double *fp;        /* P x L: weighted false positives so far (up to the pending ones) */
    double *tp;        /* M x P x L: weighted true positives per maxDets setting */
    double *npig;      /* A x L */
    int64_t *n_ev;     /* P */
    double *ev_tp;     /* events x L: cumulative true positives after the event */
    double *ev_fp;     /* events x L: false positives before it; then the precision */
    int64_t *k_reach;  /* R: smallest true-positive count reaching each recall threshold */
    double *wt;        /* n_images x L: the block's weights, image-major */
    /* Per category, the images of its slots, each with the first maxDets setting any
     * of its slots is kept at: a lane's first setting with a detection drawn is the
     * smallest of those of its drawn images (read per image, not per slot). */
    int64_t *cat_img_start; /* K + 1 */
    int32_t *cat_img;
    uint8_t *cat_img_m;
} boot_scratch;

static void scratch_free(boot_scratch *s)
{
    free(s->fp);
    free(s->tp);
    free(s->npig);
    free(s->n_ev);
    free(s->ev_tp);
    free(s->ev_fp);
    free(s->k_reach);
    free(s->wt);
    free(s->cat_img_start);
    free(s->cat_img);
    free(s->cat_img_m);
}

/* Smallest k >= 1 with k / npig >= x in doubles (pycocotools' recall), or INT64_MAX. */
static int64_t first_count_reaching(double x, double npig, int64_t n_max)
{
    double guess = ceil(x * npig);
    int64_t k = guess < 1.0 ? 1 : (guess > (double)n_max ? n_max : (int64_t)guess);
    while (k > 1 && (double)(k - 1) / npig >= x) k--;
    while (k <= n_max && (double)k / npig < x) k++;
    return k > n_max ? INT64_MAX : k;
}

/* One curve's events, every lane: the precision at each event, then its running
 * maximum from the right (pycocotools' interpolation), in place of ev_fp. */
static void interpolate(const double *restrict ev_tp, double *restrict prec, int64_t n_ev)
{
    for (int64_t e = 0; e < n_ev; e++)
        for (int b = 0; b < L; b++) {
            const double t = ev_tp[e * L + b], f = prec[e * L + b];
            prec[e * L + b] = t / ((f + t) + MM_BOOT_EPS);
        }
    for (int64_t e = n_ev - 2; e >= 0; e--)
        for (int b = 0; b < L; b++) {
            const double v = prec[e * L + b], run = prec[(e + 1) * L + b];
            prec[e * L + b] = v > run ? v : run;
        }
}

/* Sum over the recall thresholds of lane b's sampled interpolated precision. */
static double sample_sum(const mm_boot_input *in, const int64_t *k_reach, const double *ev_tp,
                         const double *best, int64_t n_ev, int b)
{
    if (n_ev == 0) return 0.0;
    const int64_t n_tp = (int64_t)ev_tp[(n_ev - 1) * L + b];
    double sum = 0.0;
    int64_t e = 0;
    for (ptrdiff_t r = 0; r < in->n_rec; r++) {
        const double k = (double)k_reach[r];
        if (k > (double)n_tp) break;
        if (!in->rec_sorted) e = 0;
        while (ev_tp[e * L + b] < k) e++;
        sum += best[e * L + b];
    }
    return sum;
}

/* A true positive of plane p, weighted by the lanes' weights `wv`: its true positives
 * counted and its event (true positives after it, false positives before it) added. */
static void add_event(const mm_boot_input *in, boot_scratch *s, ptrdiff_t p, ptrdiff_t fm,
                      const double *restrict wv, double (*pw)[L], const double *pat_fp,
                      const int64_t *ev_start)
{
    const ptrdiff_t P = in->n_area * in->n_thr, M = in->n_maxdet;
    for (ptrdiff_t m = fm; m < M - 1; m++)
        for (int b = 0; b < L; b++) s->tp[(m * P + p) * L + b] += wv[b];
    const int64_t e = ev_start[p] + s->n_ev[p]++;
    double f[L];
    for (int b = 0; b < L; b++) f[b] = s->fp[p * L + b];
    for (ptrdiff_t d = 0; d < in->n_pattern; d++)
        if (pat_fp[d * P + p] != 0.0)
            for (int b = 0; b < L; b++) f[b] += pw[d][b];
    double *restrict tp_last = s->tp + ((M - 1) * P + p) * L;
    for (int b = 0; b < L; b++) {
        tp_last[b] += wv[b];
        s->ev_tp[e * L + b] = tp_last[b];
        s->ev_fp[e * L + b] = f[b];
    }
}

/* One category on a block of `nb` resamples (lanes >= nb have zero weights). */
static void one_category(const mm_boot_input *in, ptrdiff_t k, boot_scratch *s, int nb,
                         const double *pat_fp, double *prec, double *rec, ptrdiff_t prec_row,
                         ptrdiff_t rec_row)
{
    const ptrdiff_t A = in->n_area, T = in->n_thr, M = in->n_maxdet, P = A * T;
    const double *restrict wt = s->wt;
    int has[L];
    double *restrict npig = s->npig;
    for (int b = 0; b < L; b++) has[b] = 0;
    for (ptrdiff_t i = 0; i < A * L; i++) npig[i] = 0.0;
    for (int64_t g = in->group_start[k]; g < in->group_start[k + 1]; g++) {
        const double *restrict wv = wt + (ptrdiff_t)in->group_image[g] * L;
        const int nonempty = in->group_nonempty[g] != 0;
        for (int b = 0; b < L; b++) has[b] |= (wv[b] != 0.0) & nonempty;
        for (ptrdiff_t a = 0; a < A; a++) {
            const double n = (double)in->group_npig[g * A + a];
            for (int b = 0; b < L; b++) npig[a * L + b] += wv[b] * n;
        }
    }
    int any = 0;
    for (int b = 0; b < nb; b++) any |= has[b];
    if (!any) {
        for (int b = 0; b < nb; b++) {
            for (ptrdiff_t i = 0; i < P; i++) prec[b * prec_row + i] = NAN;
            for (ptrdiff_t i = 0; i < P * M; i++) rec[b * rec_row + i] = NAN;
        }
        return;
    }
    double *restrict fp = s->fp;
    double *restrict tp = s->tp;
    double *restrict tp_last = s->tp + (M - 1) * P * L;
    double *restrict ev_tp = s->ev_tp;
    double *restrict ev_fp = s->ev_fp;
    memset(fp, 0, (size_t)(P * L) * sizeof *fp);
    memset(tp, 0, (size_t)(M * P * L) * sizeof *tp);
    memset(s->n_ev, 0, (size_t)P * sizeof *s->n_ev);
    const int64_t *ev_start = in->ev_start + k * (P + 1);
    const int64_t s0 = in->cat_start[k], tp_end = in->cat_tp_end[k];
    const int32_t *restrict slot_image = in->slot_image;
    const int32_t *restrict slot_pattern = in->slot_pattern;
    const uint8_t *restrict first_m = in->slot_first_m;
    /* Weights of the slots of each common pattern (false positives in the pattern's
     * planes); a true positive reads a plane's false positives as fp[] plus these. */
    double pw[MM_BOOT_MAX_PATTERNS][L];
    memset(pw, 0, sizeof pw);
    /* The first maxDets setting with a detection drawn, per lane (M: none). */
    ptrdiff_t min_m[L];
    for (int b = 0; b < L; b++) min_m[b] = M;
    for (int64_t i = s->cat_img_start[k]; i < s->cat_img_start[k + 1]; i++) {
        const double *restrict wv = wt + (ptrdiff_t)s->cat_img[i] * L;
        const ptrdiff_t fm = s->cat_img_m[i];
        for (int b = 0; b < L; b++) min_m[b] = (wv[b] != 0.0) & (fm < min_m[b]) ? fm : min_m[b];
    }
    for (int64_t j = s0; j < tp_end; j++) {
        const double *restrict wv = wt + (ptrdiff_t)slot_image[j] * L;
        const ptrdiff_t fm = first_m[j];
        const int32_t pat = slot_pattern[j];
        if (pat >= 0) {
            for (int b = 0; b < L; b++) pw[pat][b] += wv[b];
            continue;
        }
        int drawn = 0;
        for (int b = 0; b < L; b++) drawn |= wv[b] != 0.0;
        if (!drawn) continue;
        if (in->slot_tp_mask != NULL) { /* A * T <= 64: visit the set bits only */
            for (uint64_t mask = in->slot_tp_mask[j]; mask; mask &= mask - 1)
                add_event(in, s, MM_CTZ64(mask), fm, wv, pw, pat_fp, ev_start);
            for (uint64_t mask = in->slot_fp_mask[j]; mask; mask &= mask - 1) {
                double *restrict fp_p = fp + (ptrdiff_t)MM_CTZ64(mask) * L;
                for (int b = 0; b < L; b++) fp_p[b] += wv[b];
            }
            continue;
        }
        const uint8_t *restrict codes = in->slot_code + j * P;
        if (in->slot_any_tp[j])
            for (ptrdiff_t p = 0; p < P; p++)
                if (codes[p] == 1) add_event(in, s, p, fm, wv, pw, pat_fp, ev_start);
        for (ptrdiff_t p = 0; p < P; p++)
            if (codes[p] == 0)
                for (int b = 0; b < L; b++) fp[p * L + b] += wv[b];
    }
    for (ptrdiff_t p = 0; p < P; p++)
        interpolate(ev_tp + ev_start[p] * L, ev_fp + ev_start[p] * L, s->n_ev[p]);
    for (int b = 0; b < nb; b++) {
        double *prec_b = prec + b * prec_row, *rec_b = rec + b * rec_row;
        if (!has[b]) {
            for (ptrdiff_t i = 0; i < P; i++) prec_b[i] = NAN;
            for (ptrdiff_t i = 0; i < P * M; i++) rec_b[i] = NAN;
            continue;
        }
        for (ptrdiff_t a = 0; a < A; a++) {
            if (npig[a * L + b] == 0.0) { /* pycocotools skips the category here: -1 */
                for (ptrdiff_t t = 0; t < T; t++) prec_b[a * T + t] = NAN;
                for (ptrdiff_t i = 0; i < M * T; i++) rec_b[a * M * T + i] = NAN;
                continue;
            }
            const double n_gt = npig[a * L + b];
            double n_max = 0.0; /* the most true positives any curve of this area has */
            for (ptrdiff_t t = 0; t < T; t++) {
                const double v = tp_last[(a * T + t) * L + b];
                n_max = v > n_max ? v : n_max;
            }
            for (ptrdiff_t r = 0; r < in->n_rec; r++)
                s->k_reach[r] = first_count_reaching(in->rec_thr[r], n_gt, (int64_t)n_max);
            for (ptrdiff_t t = 0; t < T; t++) {
                const ptrdiff_t p = a * T + t;
                for (ptrdiff_t m = 0; m < M; m++)
                    rec_b[(a * M + m) * T + t] =
                        m >= min_m[b] ? tp[(m * P + p) * L + b] / n_gt : 0.0;
                prec_b[p] = M - 1 >= min_m[b]
                                ? sample_sum(in, s->k_reach, ev_tp + ev_start[p] * L,
                                             ev_fp + ev_start[p] * L, s->n_ev[p], b)
                                : 0.0;
            }
        }
    }
}

int mm_coco_bootstrap(const mm_boot_input *in, const int32_t *weights, ptrdiff_t n_res,
                      double *prec_sum, double *recall)
{
    const ptrdiff_t K = in->n_cat, A = in->n_area, T = in->n_thr, M = in->n_maxdet;
    const ptrdiff_t P = A * T, N = in->n_images;
    /* The caller guarantees 1 <= M <= 255 and n_pattern <= MM_BOOT_MAX_PATTERNS. */
    if (P <= 0 || M <= 0 || M > 255 || in->n_pattern > MM_BOOT_MAX_PATTERNS) return 0;
    int64_t max_ev = 1;
    for (ptrdiff_t k = 0; k < K; k++)
        if (in->ev_start[k * (P + 1) + P] > max_ev) max_ev = in->ev_start[k * (P + 1) + P];
    boot_scratch s = {0};
    double *pat_fp = calloc((size_t)(MM_BOOT_MAX_PATTERNS * P), sizeof *pat_fp);
    s.fp = malloc((size_t)(P * L) * sizeof *s.fp);
    s.tp = malloc((size_t)(P * M * L) * sizeof *s.tp);
    s.npig = malloc((size_t)(A * L) * sizeof *s.npig);
    s.n_ev = malloc((size_t)P * sizeof *s.n_ev);
    s.ev_tp = malloc((size_t)(max_ev * L) * sizeof *s.ev_tp);
    s.ev_fp = malloc((size_t)(max_ev * L) * sizeof *s.ev_fp);
    s.k_reach = malloc((size_t)(in->n_rec > 0 ? in->n_rec : 1) * sizeof *s.k_reach);
    s.wt = malloc((size_t)((N > 0 ? N : 1) * L) * sizeof *s.wt);
    const int64_t n_slots = in->cat_start[K];
    s.cat_img_start = malloc((size_t)(K + 1) * sizeof *s.cat_img_start);
    s.cat_img = malloc((size_t)(n_slots > 0 ? n_slots : 1) * sizeof *s.cat_img);
    s.cat_img_m = malloc((size_t)(n_slots > 0 ? n_slots : 1) * sizeof *s.cat_img_m);
    int64_t *seen = malloc((size_t)(N > 0 ? N : 1) * sizeof *seen); /* image -> entry */
    if (!pat_fp || !s.fp || !s.tp || !s.npig || !s.n_ev || !s.ev_tp || !s.ev_fp ||
        !s.k_reach || !s.wt || !s.cat_img_start || !s.cat_img || !s.cat_img_m || !seen) {
        free(seen);
        free(pat_fp);
        scratch_free(&s);
        return MM_BOOT_ENOMEM;
    }
    for (ptrdiff_t i = 0; i < N; i++) seen[i] = -1;
    int64_t n_entries = 0;
    for (ptrdiff_t k = 0; k < K; k++) {
        s.cat_img_start[k] = n_entries;
        for (int64_t j = in->cat_start[k]; j < in->cat_start[k + 1]; j++) {
            const int32_t img = in->slot_image[j];
            const uint8_t fm = in->slot_first_m[j];
            if (seen[img] < s.cat_img_start[k]) { /* first slot of the image here */
                seen[img] = n_entries;
                s.cat_img[n_entries] = img;
                s.cat_img_m[n_entries++] = fm;
            } else if (fm < s.cat_img_m[seen[img]]) {
                s.cat_img_m[seen[img]] = fm;
            }
        }
    }
    s.cat_img_start[K] = n_entries;
    free(seen);
    for (ptrdiff_t d = 0; d < in->n_pattern; d++)
        for (ptrdiff_t p = 0; p < P && p < 64; p++)
            pat_fp[d * P + p] = (double)((in->pattern_fp[d] >> p) & 1);
    for (ptrdiff_t r0 = 0; r0 < n_res; r0 += L) {
        const int nb = (int)(n_res - r0 < L ? n_res - r0 : L);
        for (ptrdiff_t i = 0; i < N; i++)
            for (int b = 0; b < L; b++)
                s.wt[i * L + b] = b < nb ? (double)weights[(r0 + b) * N + i] : 0.0;
        for (ptrdiff_t k = 0; k < K; k++)
            one_category(in, k, &s, nb, pat_fp, prec_sum + (r0 * K + k) * P,
                         recall + (r0 * K + k) * P * M, K * P, K * P * M);
    }
    free(pat_fp);
    scratch_free(&s);
    return 0;
}

#undef L
