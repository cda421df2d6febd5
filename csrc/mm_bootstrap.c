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

typedef struct {
    int64_t *fp;       /* P: weighted false positives so far (up to the pending ones) */
    int64_t *tp;       /* M x P: weighted true positives per maxDets setting */
    int64_t *npig;     /* A */
    int64_t *n_ev;     /* P */
    int64_t *ev_tp;    /* events: cumulative true positives after the event */
    int64_t *ev_fp;    /* events: false positives before it */
    double *best;
    int64_t *k_reach;  /* R: smallest true-positive count reaching each recall threshold */
    int64_t *pat_bits; /* n_pattern x P: -1 where the pattern is a false positive */
} boot_scratch;

static void scratch_free(boot_scratch *s)
{
    free(s->fp);
    free(s->tp);
    free(s->npig);
    free(s->n_ev);
    free(s->ev_tp);
    free(s->ev_fp);
    free(s->best);
    free(s->k_reach);
    free(s->pat_bits);
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

/* Sum over the recall thresholds of one curve's sampled interpolated precision. */
static double sample_sum(const mm_boot_input *in, const int64_t *k_reach, const int64_t *ev_tp,
                         const int64_t *ev_fp, int64_t n_ev, double *best)
{
    if (n_ev == 0) return 0.0;
    for (int64_t e = 0; e < n_ev; e++) {
        const double t = (double)ev_tp[e], f = (double)ev_fp[e];
        best[e] = t / ((f + t) + MM_BOOT_EPS);
    }
    double run = best[n_ev - 1];
    for (int64_t e = n_ev - 2; e >= 0; e--) {
        const double v = best[e];
        run = v > run ? v : run;
        best[e] = run;
    }
    const int64_t n_tp = ev_tp[n_ev - 1];
    double sum = 0.0;
    int64_t e = 0;
    for (ptrdiff_t r = 0; r < in->n_rec; r++) {
        const int64_t k = k_reach[r];
        if (k > n_tp) break; /* pycocotools stops at the first threshold not reached */
        if (!in->rec_sorted) e = 0;
        while (ev_tp[e] < k) e++;
        sum += best[e];
    }
    return sum;
}

static void one_category(const mm_boot_input *in, const int32_t *restrict w, ptrdiff_t k,
                         boot_scratch *s, double *prec, double *rec)
{
    const ptrdiff_t A = in->n_area, T = in->n_thr, M = in->n_maxdet, P = A * T;
    int has_records = 0;
    for (ptrdiff_t a = 0; a < A; a++) s->npig[a] = 0;
    for (int64_t g = in->group_start[k]; g < in->group_start[k + 1]; g++) {
        const int64_t wi = w[in->group_image[g]];
        if (wi == 0) continue;
        has_records |= in->group_nonempty[g] != 0;
        for (ptrdiff_t a = 0; a < A; a++) s->npig[a] += wi * in->group_npig[g * A + a];
    }
    if (!has_records) {
        for (ptrdiff_t i = 0; i < P; i++) prec[i] = NAN;
        for (ptrdiff_t i = 0; i < P * M; i++) rec[i] = NAN;
        return;
    }
    memset(s->fp, 0, (size_t)P * sizeof *s->fp);
    memset(s->tp, 0, (size_t)(M * P) * sizeof *s->tp);
    memset(s->n_ev, 0, (size_t)P * sizeof *s->n_ev);
    const int64_t *ev_start = in->ev_start + k * (P + 1);
    const int64_t s0 = in->cat_start[k], s1 = in->cat_start[k + 1], tp_end = in->cat_tp_end[k];
    int64_t *restrict fp = s->fp;
    int64_t *restrict tp_last = s->tp + (M - 1) * P;
    const int32_t *restrict slot_image = in->slot_image;
    const int32_t *restrict slot_pattern = in->slot_pattern;
    const uint8_t *restrict first_m = in->slot_first_m;
    /* False positives of the common patterns, in registers, added to fp[] when read;
     * the first maxDets setting with a detection drawn (nd[m] > 0 iff m >= min_m). No
     * branch on the weight: whether an image was drawn is unpredictable. */
    int64_t pw0 = 0, pw1 = 0, pw2 = 0, pw3 = 0;
    ptrdiff_t min_m = M;
    const int64_t *restrict bits = s->pat_bits;
#define FP_AT(p) (fp[p] + (pw0 & bits[p]) + (pw1 & bits[P + (p)]) + \
                  (pw2 & bits[2 * P + (p)]) + (pw3 & bits[3 * P + (p)]))
    for (int64_t j = s0; j < tp_end; j++) {
        const int64_t wi = w[slot_image[j]];
        const ptrdiff_t fm = first_m[j];
        min_m = (wi != 0) & (fm < min_m) ? fm : min_m;
        const int32_t pat = slot_pattern[j];
        pw0 += wi & -(int64_t)(pat == 0);
        pw1 += wi & -(int64_t)(pat == 1);
        pw2 += wi & -(int64_t)(pat == 2);
        pw3 += wi & -(int64_t)(pat == 3);
        if (pat >= 0 || wi == 0) continue;
        if (in->slot_tp_mask != NULL) {
            for (uint64_t mask = in->slot_tp_mask[j]; mask; mask &= mask - 1) {
                const ptrdiff_t p = MM_CTZ64(mask);
                for (ptrdiff_t m = fm; m < M - 1; m++) s->tp[m * P + p] += wi;
                tp_last[p] += wi;
                const int64_t e = ev_start[p] + s->n_ev[p]++;
                s->ev_tp[e] = tp_last[p];
                s->ev_fp[e] = FP_AT(p);
            }
            for (uint64_t mask = in->slot_fp_mask[j]; mask; mask &= mask - 1)
                fp[MM_CTZ64(mask)] += wi;
            continue;
        }
        const uint8_t *restrict codes = in->slot_code + j * P;
        if (in->slot_any_tp[j]) {
            for (ptrdiff_t p = 0; p < P; p++) {
                if (codes[p] != 1) continue;
                for (ptrdiff_t m = fm; m < M - 1; m++) s->tp[m * P + p] += wi;
                tp_last[p] += wi;
                const int64_t e = ev_start[p] + s->n_ev[p]++;
                s->ev_tp[e] = tp_last[p];
                s->ev_fp[e] = FP_AT(p);
            }
        }
        for (ptrdiff_t p = 0; p < P; p++) fp[p] += wi & -(int64_t)(codes[p] == 0);
    }
    /* After the last true positive only the detection counts matter. */
    for (int64_t j = tp_end; j < s1; j++) {
        const ptrdiff_t fm = first_m[j];
        min_m = (w[slot_image[j]] != 0) & (fm < min_m) ? fm : min_m;
    }
#undef FP_AT
    for (ptrdiff_t a = 0; a < A; a++) {
        if (s->npig[a] == 0) { /* pycocotools skips the category here: -1 */
            for (ptrdiff_t t = 0; t < T; t++) prec[a * T + t] = NAN;
            for (ptrdiff_t i = 0; i < M * T; i++) rec[a * M * T + i] = NAN;
            continue;
        }
        const double npig = (double)s->npig[a];
        int64_t n_max = 0; /* the most true positives any curve of this area has */
        for (ptrdiff_t t = 0; t < T; t++)
            if (tp_last[a * T + t] > n_max) n_max = tp_last[a * T + t];
        for (ptrdiff_t r = 0; r < in->n_rec; r++)
            s->k_reach[r] = first_count_reaching(in->rec_thr[r], npig, n_max);
        for (ptrdiff_t t = 0; t < T; t++) {
            const ptrdiff_t p = a * T + t;
            for (ptrdiff_t m = 0; m < M; m++)
                rec[(a * M + m) * T + t] = m >= min_m ? (double)s->tp[m * P + p] / npig : 0.0;
            prec[p] = M - 1 >= min_m ? sample_sum(in, s->k_reach, s->ev_tp + ev_start[p],
                                             s->ev_fp + ev_start[p], s->n_ev[p], s->best)
                                : 0.0;
        }
    }
}

int mm_coco_bootstrap(const mm_boot_input *in, const int32_t *weights, ptrdiff_t n_res,
                      double *prec_sum, double *recall)
{
    const ptrdiff_t K = in->n_cat, A = in->n_area, T = in->n_thr, M = in->n_maxdet;
    const ptrdiff_t P = A * T;
    /* The caller guarantees 1 <= M <= 255 and n_pattern <= MM_BOOT_MAX_PATTERNS. */
    if (P <= 0 || M <= 0 || M > 255 || in->n_pattern > MM_BOOT_MAX_PATTERNS) return 0;
    int64_t max_ev = 1;
    for (ptrdiff_t k = 0; k < K; k++)
        if (in->ev_start[k * (P + 1) + P] > max_ev) max_ev = in->ev_start[k * (P + 1) + P];
    boot_scratch s = {0};
    s.fp = malloc((size_t)P * sizeof *s.fp);
    s.tp = malloc((size_t)(P * M) * sizeof *s.tp);
    s.npig = malloc((size_t)A * sizeof *s.npig);
    s.n_ev = malloc((size_t)P * sizeof *s.n_ev);
    s.ev_tp = malloc((size_t)max_ev * sizeof *s.ev_tp);
    s.ev_fp = malloc((size_t)max_ev * sizeof *s.ev_fp);
    s.best = malloc((size_t)max_ev * sizeof *s.best);
    s.k_reach = malloc((size_t)(in->n_rec > 0 ? in->n_rec : 1) * sizeof *s.k_reach);
    s.pat_bits = calloc((size_t)(MM_BOOT_MAX_PATTERNS * P), sizeof *s.pat_bits);
    if (!s.fp || !s.tp || !s.npig || !s.n_ev || !s.ev_tp || !s.ev_fp ||
        !s.best || !s.k_reach || !s.pat_bits) {
        scratch_free(&s);
        return MM_BOOT_ENOMEM;
    }
    for (ptrdiff_t d = 0; d < in->n_pattern && d < MM_BOOT_MAX_PATTERNS; d++)
        for (ptrdiff_t p = 0; p < P && p < 64; p++)
            s.pat_bits[d * P + p] = (in->pattern_fp[d] >> p) & 1 ? -1 : 0;
    for (ptrdiff_t b = 0; b < n_res; b++)
        for (ptrdiff_t k = 0; k < K; k++)
            one_category(in, weights + b * in->n_images, k, &s, prec_sum + (b * K + k) * P,
                         recall + (b * K + k) * P * M);
    scratch_free(&s);
    return 0;
}
