/* Binary ranking curves from sorted keys, and the areas scikit-learn computes on them.
 *
 * Samples arrive as sorted runs of descending score keys (see mm_sort.h): for each
 * class, one run per contiguous block of the input, in block order, each sorted
 * ascending (scores decreasing) and stably. Merging the runs, with ties taken from
 * earlier blocks first, visits every class in the order of one stable sort of the
 * whole input, whatever the number of blocks. The walk yields one curve point per
 * distinct score: the running positive and negative totals, which scikit-learn's
 * cumulative sums hold at the last index of each group of tied scores. With weights,
 * each total is a left-to-right float sum over its own class in sorted order, which is
 * what the cumulative sum computes: the other class only ever adds 0.0.
 */
#ifndef MM_CURVE_H
#define MM_CURVE_H

#include <stddef.h>
#include <stdint.h>

/* At most this many runs per class. */
#define MM_MAX_RUNS 64

typedef struct {
    const uint64_t *keys;   /* sorted descending keys */
    const double *weights;  /* weight of each key, or NULL to count samples */
    ptrdiff_t n;
} mm_run;

/* One point per distinct key over all runs: tps/fps total the positive/negative samples
 * with key <= it (score >= it). keys_out (may be NULL) receives each point's key.
 * Outputs hold `cap` elements. Returns the number of points, -1 if they do not fit
 * (nothing is written past `cap`), or -2 for more than MM_MAX_RUNS runs per class. */
ptrdiff_t mm_curve(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg, double *tps,
                   double *fps, uint64_t *keys_out, ptrdiff_t cap);

/* scikit-learn's roc_auc_score (roc_curve, then auc) on the curve of the runs, without
 * storing it: the drop_intermediate filter (when drop is set), the (0, 0) start, the
 * rates tps / tp_total and fps / fp_total, and the trapezoid sum in numpy's pairwise
 * order. Both totals must be positive and equal the curve's last point: the sample
 * counts when the runs carry no weights. work holds one double per sample. Returns
 * NaN for more than MM_MAX_RUNS runs per class. */
double mm_roc_auc_runs(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg,
                       double tp_total, double fp_total, int drop, double *work);

/* scikit-learn's average_precision_score on the curve of the runs, likewise:
 * max(0, -sum(diff(recall) * precision[:-1])) over the reversed curve. tp_total > 0. */
double mm_average_precision_runs(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg,
                                 double tp_total, double *work);

/* The same two areas for a stored curve of m >= 1 points (tps, fps as mm_curve gives
 * them), with tps[m-1] > 0 (and fps[m-1] > 0 for the ROC AUC). work holds m doubles. */
double mm_roc_auc(const double *tps, const double *fps, ptrdiff_t m, int drop, double *work);
double mm_average_precision(const double *tps, const double *fps, ptrdiff_t m, double *work);

/* roc_curve's arrays from a stored curve of m >= 1 points: the drop_intermediate
 * filter (when drop is set) and a (0, 0) start, written to fpr/tpr[0:k] and the kept
 * points' keys to keys_out[0:k-1] (the start has none). The totals become rates
 * (fps / fps[m-1], tps / tps[m-1]) only when divide_fps / divide_tps is set; otherwise
 * they are left as totals. Outputs hold m + 1 elements (keys may be NULL, then
 * keys_out is not written); returns k. */
ptrdiff_t mm_roc_curve(const double *tps, const double *fps, const uint64_t *keys, ptrdiff_t m,
                       int drop, int divide_fps, int divide_tps, double *fpr, double *tpr,
                       uint64_t *keys_out);

/* precision_recall_curve's arrays from a stored curve of m >= 1 points: the
 * drop_intermediate filter on runs of equal tps (when drop is set), then precision
 * tps / (tps + fps) (0 where that sum is 0) and recall tps / tps[m-1] (1 everywhere when
 * tps[m-1] == 0), both reversed and ended by 1 and 0, and the kept keys reversed.
 * precision/recall hold m + 1 elements, keys_out m (keys may be NULL, then keys_out
 * is not written). Returns the number of kept points k (precision and recall get
 * k + 1 values). */
ptrdiff_t mm_pr_curve(const double *tps, const double *fps, const uint64_t *keys, ptrdiff_t m,
                      int drop, double *precision, double *recall, uint64_t *keys_out);

#endif
