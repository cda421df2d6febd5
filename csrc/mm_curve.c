#include "mm_curve.h"

#include <math.h>
#include <string.h>

#include "mm_sum.h"

/* ---- merging walk over the runs of both classes ---------------------------------- */

typedef struct {
    const mm_run *pos, *neg;
    int n_pos, n_neg;
    ptrdiff_t pos_at[MM_MAX_RUNS], neg_at[MM_MAX_RUNS];
    double tp, fp;
} walk_state;

static int walk_init(walk_state *w, const mm_run *pos, int n_pos, const mm_run *neg, int n_neg)
{
    if (n_pos > MM_MAX_RUNS || n_neg > MM_MAX_RUNS || n_pos < 0 || n_neg < 0) return -1;
    w->pos = pos;
    w->neg = neg;
    w->n_pos = n_pos;
    w->n_neg = n_neg;
    memset(w->pos_at, 0, sizeof w->pos_at);
    memset(w->neg_at, 0, sizeof w->neg_at);
    w->tp = 0.0;
    w->fp = 0.0;
    return 0;
}

/* Smallest next key over the heads of `runs`; returns 0 if all are exhausted. */
static inline int min_head(const mm_run *runs, int n_runs, const ptrdiff_t *at, uint64_t *key)
{
    int found = 0;
    for (int r = 0; r < n_runs; r++) {
        if (at[r] < runs[r].n && (!found || runs[r].keys[at[r]] < *key)) {
            *key = runs[r].keys[at[r]];
            found = 1;
        }
    }
    return found;
}

/* Add up every sample with this key, runs in block order (the stable order for ties).
 * Counting adds 1.0: exact below 2**53, like scikit-learn's float cumsum of ones. */
static inline double consume(const mm_run *runs, int n_runs, ptrdiff_t *at, uint64_t key,
                             double total)
{
    for (int r = 0; r < n_runs; r++) {
        const uint64_t *k = runs[r].keys;
        const double *wt = runs[r].weights;
        ptrdiff_t i = at[r], n = runs[r].n;
        if (wt == NULL) {
            ptrdiff_t start = i;
            while (i < n && k[i] == key) i++;
            total += (double)(i - start); /* integers below 2**53: exact either way */
        } else {
            while (i < n && k[i] == key) total += wt[i++];
        }
        at[r] = i;
    }
    return total;
}

/* Next curve point; returns 0 when every run is exhausted. */
static inline int walk_next(walk_state *w, uint64_t *key, double *tp, double *fp)
{
    uint64_t kp = 0, kn = 0;
    int has_p = min_head(w->pos, w->n_pos, w->pos_at, &kp);
    int has_n = min_head(w->neg, w->n_neg, w->neg_at, &kn);
    if (!has_p && !has_n) return 0;
    uint64_t k = !has_n || (has_p && kp <= kn) ? kp : kn;
    w->tp = consume(w->pos, w->n_pos, w->pos_at, k, w->tp);
    w->fp = consume(w->neg, w->n_neg, w->neg_at, k, w->fp);
    *key = k;
    *tp = w->tp;
    *fp = w->fp;
    return 1;
}

/* The same walk specialised to one non-empty run per class (no loops over runs):
 * the group loops are tight, so long ties cost little. Runs EMIT(key, tp, fp) for
 * every point. */
#define MM_WALK_PAIR(P, N, EMIT)                                                      \
    do {                                                                              \
        const uint64_t *pk_ = (P)->keys, *nk_ = (N)->keys;                            \
        const double *pw_ = (P)->weights, *nw_ = (N)->weights;                        \
        const ptrdiff_t np_ = (P)->n, nn_ = (N)->n;                                   \
        ptrdiff_t i_ = 0, j_ = 0;                                                     \
        double tp_ = 0.0, fp_ = 0.0;                                                  \
        while (i_ < np_ || j_ < nn_) {                                                \
            const uint64_t key_ =                                                     \
                (j_ >= nn_ || (i_ < np_ && pk_[i_] <= nk_[j_])) ? pk_[i_] : nk_[j_];  \
            if (pw_ == NULL) { /* counts below 2**53 convert exactly */              \
                while (i_ < np_ && pk_[i_] == key_) i_++;                             \
                while (j_ < nn_ && nk_[j_] == key_) j_++;                             \
                tp_ = (double)i_;                                                     \
                fp_ = (double)j_;                                                     \
            } else {                                                                  \
                while (i_ < np_ && pk_[i_] == key_) tp_ += pw_[i_++];                 \
                while (j_ < nn_ && nk_[j_] == key_) fp_ += nw_[j_++];                 \
            }                                                                         \
            EMIT(key_, tp_, fp_);                                                     \
        }                                                                             \
    } while (0)

static int is_pair(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg)
{
    return n_pos == 1 && n_neg == 1 && pos[0].n > 0 && neg[0].n > 0
           && (pos[0].weights == NULL) == (neg[0].weights == NULL);
}

ptrdiff_t mm_curve(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg, double *tps,
                   double *fps, uint64_t *keys_out, ptrdiff_t cap)
{
    walk_state w;
    uint64_t k;
    double tp, fp;
    ptrdiff_t g = 0;
    if (is_pair(pos, n_pos, neg, n_neg)) {
#define MM_STORE(key, t, f)                                                           \
    do {                                                                              \
        if (g == cap) return -1;                                                      \
        tps[g] = (t);                                                                 \
        fps[g] = (f);                                                                 \
        if (keys_out) keys_out[g] = (key);                                            \
        g++;                                                                          \
    } while (0)
        MM_WALK_PAIR(pos, neg, MM_STORE);
#undef MM_STORE
        return g;
    }
    if (walk_init(&w, pos, n_pos, neg, n_neg)) return -2;
    while (walk_next(&w, &k, &tp, &fp)) {
        if (g == cap) return -1;
        tps[g] = tp;
        fps[g] = fp;
        if (keys_out) keys_out[g] = k;
        g++;
    }
    return g;
}

/* ---- areas, fed one curve point at a time --------------------------------------- */

/* roc_curve(drop_intermediate) + auc. Points are (fp, tp) totals in walk order. */
typedef struct {
    double fp_total, tp_total;
    int drop;
    ptrdiff_t seen;
    double prev_f, prev_t, cur_f, cur_t; /* original points i-1 and i (drop filter) */
    double x_prev, y_prev;               /* last kept point as rates; starts at (0, 0) */
    double *work;
    ptrdiff_t n_terms;
} roc_acc;

static void roc_init(roc_acc *a, double fp_total, double tp_total, int drop, double *work)
{
    a->fp_total = fp_total;
    a->tp_total = tp_total;
    a->drop = drop;
    a->seen = 0;
    a->prev_f = a->prev_t = a->cur_f = a->cur_t = 0.0;
    a->x_prev = a->y_prev = 0.0; /* 0.0 / total is 0.0, as numpy's rates of the start */
    a->work = work;
    a->n_terms = 0;
}

static inline void roc_keep(roc_acc *a, double f, double t)
{
    double x = f / a->fp_total, y = t / a->tp_total;
    /* trapezoid: d * (y[1:] + y[:-1]) / 2.0, evaluated left to right */
    a->work[a->n_terms++] = (x - a->x_prev) * (y + a->y_prev) / 2.0;
    a->x_prev = x;
    a->y_prev = y;
}

static inline void roc_push(roc_acc *a, double f, double t)
{
    if (!a->drop) {
        roc_keep(a, f, t);
    } else if (a->seen == 0) {
        roc_keep(a, f, t); /* the first point is always kept */
        a->cur_f = f;
        a->cur_t = t;
    } else {
        if (a->seen >= 2) {
            /* Decide the held point i from i-1 and i+1 as np.diff(a, 2) does: round
             * the first differences, then subtract them. */
            double d2f = (f - a->cur_f) - (a->cur_f - a->prev_f);
            double d2t = (t - a->cur_t) - (a->cur_t - a->prev_t);
            if (d2f != 0.0 || d2t != 0.0) roc_keep(a, a->cur_f, a->cur_t);
        }
        a->prev_f = a->cur_f;
        a->prev_t = a->cur_t;
        a->cur_f = f;
        a->cur_t = t;
    }
    a->seen++;
}

static double roc_finish(roc_acc *a)
{
    if (a->drop && a->seen >= 2) roc_keep(a, a->cur_f, a->cur_t); /* the last point */
    return mm_pairwise_sum(a->work, a->n_terms);
}

/* average precision: terms of the reversed curve, stored forwards then reversed. */
typedef struct {
    double tp_total, recall_prev;
    double *work;
    ptrdiff_t n_terms;
} ap_acc;

static inline void ap_push(ap_acc *a, double f, double t)
{
    double recall = t / a->tp_total;
    double precision = t / (t + f);
    /* reversed index j: (recall[j+1] - recall[j]) * precision[j], where recall[j+1]
     * is the previous point's recall in walk order (0.0 before the first) */
    a->work[a->n_terms++] = (a->recall_prev - recall) * precision;
    a->recall_prev = recall;
}

static double ap_finish(ap_acc *a)
{
    double *w = a->work;
    for (ptrdiff_t i = 0, j = a->n_terms - 1; i < j; i++, j--) {
        double t = w[i];
        w[i] = w[j];
        w[j] = t;
    }
    double ap = -mm_pairwise_sum(w, a->n_terms);
    /* Python's max(0.0, ap): 0.0 unless ap > 0.0 (so -0.0 and NaN give 0.0) */
    return ap > 0.0 ? ap : 0.0;
}

double mm_roc_auc_runs(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg,
                       double tp_total, double fp_total, int drop, double *work)
{
    walk_state w;
    roc_acc a;
    uint64_t k;
    double tp, fp;
    roc_init(&a, fp_total, tp_total, drop, work);
    if (is_pair(pos, n_pos, neg, n_neg)) {
#define MM_ROC_PUSH(key, t, f) roc_push(&a, (f), (t))
        MM_WALK_PAIR(pos, neg, MM_ROC_PUSH);
#undef MM_ROC_PUSH
        return roc_finish(&a);
    }
    if (walk_init(&w, pos, n_pos, neg, n_neg)) return NAN;
    while (walk_next(&w, &k, &tp, &fp)) roc_push(&a, fp, tp);
    return roc_finish(&a);
}

double mm_average_precision_runs(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg,
                                 double tp_total, double *work)
{
    walk_state w;
    ap_acc a = {tp_total, 0.0, work, 0};
    uint64_t k;
    double tp, fp;
    if (is_pair(pos, n_pos, neg, n_neg)) {
#define MM_AP_PUSH(key, t, f) ap_push(&a, (f), (t))
        MM_WALK_PAIR(pos, neg, MM_AP_PUSH);
#undef MM_AP_PUSH
        return ap_finish(&a);
    }
    if (walk_init(&w, pos, n_pos, neg, n_neg)) return NAN;
    while (walk_next(&w, &k, &tp, &fp)) ap_push(&a, fp, tp);
    return ap_finish(&a);
}

double mm_roc_auc(const double *tps, const double *fps, ptrdiff_t m, int drop, double *work)
{
    roc_acc a;
    roc_init(&a, fps[m - 1], tps[m - 1], drop, work);
    for (ptrdiff_t i = 0; i < m; i++) roc_push(&a, fps[i], tps[i]);
    return roc_finish(&a);
}

double mm_average_precision(const double *tps, const double *fps, ptrdiff_t m, double *work)
{
    ap_acc a = {tps[m - 1], 0.0, work, 0};
    for (ptrdiff_t i = 0; i < m; i++) ap_push(&a, fps[i], tps[i]);
    return ap_finish(&a);
}

ptrdiff_t mm_roc_curve(const double *tps, const double *fps, const uint64_t *keys, ptrdiff_t m,
                       int drop, int divide_fps, int divide_tps, double *fpr, double *tpr,
                       uint64_t *keys_out)
{
    const double fp_total = fps[m - 1], tp_total = tps[m - 1];
    ptrdiff_t k = 1;
    fpr[0] = 0.0;
    tpr[0] = 0.0;
    drop = drop && m > 2;
    for (ptrdiff_t i = 0; i < m; i++) {
        if (drop && i > 0 && i < m - 1) {
            double d2f = (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]);
            double d2t = (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]);
            if (!(d2f != 0.0 || d2t != 0.0)) continue;
        }
        fpr[k] = fps[i];
        tpr[k] = tps[i];
        if (keys) keys_out[k - 1] = keys[i];
        k++;
    }
    /* 0.0 / total is 0.0, as numpy divides the prepended start */
    if (divide_fps) {
        for (ptrdiff_t i = 0; i < k; i++) fpr[i] = fpr[i] / fp_total;
    }
    if (divide_tps) {
        for (ptrdiff_t i = 0; i < k; i++) tpr[i] = tpr[i] / tp_total;
    }
    return k;
}

ptrdiff_t mm_pr_curve(const double *tps, const double *fps, const uint64_t *keys, ptrdiff_t m,
                      int drop, double *precision, double *recall, uint64_t *keys_out)
{
    const double tp_total = tps[m - 1];
    ptrdiff_t k = 0;
    drop = drop && m > 2;
    /* Kept points in curve order first (k <= i, so in place is safe), reversed below. */
    for (ptrdiff_t i = 0; i < m; i++) {
        /* np.diff(tps) != 0 is tps[i] != tps[i+1] for finite values */
        if (drop && i > 0 && i < m - 1 && tps[i - 1] == tps[i] && tps[i] == tps[i + 1]) continue;
        const double t = tps[i], ps = t + fps[i];
        precision[k] = ps != 0.0 ? t / ps : 0.0;
        recall[k] = tp_total == 0.0 ? 1.0 : t / tp_total;
        if (keys) keys_out[k] = keys[i];
        k++;
    }
    for (ptrdiff_t i = 0, j = k - 1; i < j; i++, j--) {
        double p = precision[i], r = recall[i];
        precision[i] = precision[j];
        recall[i] = recall[j];
        precision[j] = p;
        recall[j] = r;
        if (keys) {
            uint64_t key = keys_out[i];
            keys_out[i] = keys_out[j];
            keys_out[j] = key;
        }
    }
    precision[k] = 1.0;
    recall[k] = 0.0;
    return k;
}
