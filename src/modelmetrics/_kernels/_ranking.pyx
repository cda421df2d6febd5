# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""Ranking kernels: order-preserving sort keys, radix sort, binary curves and areas.

Private: callers pass validated, C-contiguous arrays (scores free of NaN, weights
positive or zero) and preallocated outputs. Every loop runs without the GIL, so that
callers can process blocks of the input in threads.
"""
from libc.math cimport isnan, signbit
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, malloc

from ._csrc cimport (
    MM_KEY_F32,
    MM_KEY_F64,
    MM_KEY_I64,
    MM_KEY_U64,
    MM_MAX_RUNS,
    MM_RADIX_HIST_LEN,
    mm_average_precision,
    mm_average_precision_runs,
    mm_curve,
    mm_decode_desc_keys,
    mm_key_f32,
    mm_key_f64,
    mm_key_i64,
    mm_key_u64,
    mm_merge_runs,
    mm_radix_sort,
    mm_pr_curve,
    mm_roc_auc,
    mm_roc_auc_runs,
    mm_roc_curve,
    mm_run,
)

ctypedef fused score_t:
    double
    float
    int64_t
    uint64_t


def max_runs():
    """Most sorted runs (input blocks) per class that the curve kernels merge."""
    return MM_MAX_RUNS


cdef inline uint64_t _key(score_t x) noexcept nogil:
    if score_t is double:
        return mm_key_f64(x)
    elif score_t is float:
        return mm_key_f32(x)
    elif score_t is int64_t:
        return mm_key_i64(x)
    else:
        return mm_key_u64(x)


cdef inline int _zero_kind(score_t x) noexcept nogil:
    """For a zero score: 2 if it is -0.0, 1 otherwise."""
    if score_t is double or score_t is float:
        return 2 if signbit(x) else 1
    else:
        return 1


def sort_keys(const score_t[::1] scores, uint64_t[::1] keys, bint descending):
    """Write the sort key of every score to ``keys``: unsigned order is numeric order
    (or its reverse when ``descending``), and equal scores (``-0.0 == 0.0``) share a key.
    Scores must not be NaN."""
    cdef Py_ssize_t i, n = scores.shape[0]
    cdef uint64_t flip = <uint64_t>0 - <uint64_t>descending
    if keys.shape[0] != n:
        raise ValueError("sort_keys: shape mismatch")
    with nogil:
        for i in range(n):
            keys[i] = _key(scores[i]) ^ flip
    return None


def split_by_label(
    const score_t[::1] scores,
    const uint8_t[::1] is_pos,
    uint64_t[::1] pos_keys,
    uint64_t[::1] neg_keys,
):
    """Descending keys of the positive and of the negative samples, each in sample order.

    Every sample is written to both outputs and counted in one (no branch on the
    label), so each output needs one spare slot: room for the number of positives
    (negatives) plus one. Returns ``(n_pos, n_neg, last_zero)``: ``last_zero`` is 0
    without zero scores, else 2 if the last zero (in sample order) is ``-0.0`` and 1
    if it is ``0.0``. That zero is the one scikit-learn reports as the threshold of
    the tied group of zeros.
    """
    cdef Py_ssize_t i, n = scores.shape[0], p = 0, q = 0
    cdef Py_ssize_t cap_p = pos_keys.shape[0], cap_q = neg_keys.shape[0]
    cdef int last_zero = 0
    cdef uint64_t key
    cdef uint8_t b
    if is_pos.shape[0] != n:
        raise ValueError("split_by_label: shape mismatch")
    if cap_p == 0 or cap_q == 0:
        raise ValueError("split_by_label: outputs need a spare slot")
    with nogil:
        for i in range(n):
            if p == cap_p or q == cap_q:
                break
            key = ~_key(scores[i])
            if scores[i] == 0:
                last_zero = _zero_kind(scores[i])
            b = is_pos[i] != 0
            pos_keys[p] = key
            neg_keys[q] = key
            p += b
            q += 1 - b
    if p == cap_p or q == cap_q:
        raise ValueError("split_by_label: outputs too small")
    return p, q, last_zero


def split_by_label_weighted(
    const score_t[::1] scores,
    const uint8_t[::1] is_pos,
    const double[::1] weights,
    uint64_t[::1] pos_keys,
    double[::1] pos_weights,
    uint64_t[::1] neg_keys,
    double[::1] neg_weights,
):
    """As :func:`split_by_label`, carrying the weights and leaving out zero weights
    (outputs need room for the nonzero-weight samples of their class plus one)."""
    cdef Py_ssize_t i, n = scores.shape[0], p = 0, q = 0
    cdef Py_ssize_t cap_p = pos_keys.shape[0], cap_q = neg_keys.shape[0]
    cdef int last_zero = 0
    cdef uint64_t key
    cdef uint8_t keep, b
    cdef double w
    if is_pos.shape[0] != n or weights.shape[0] != n:
        raise ValueError("split_by_label_weighted: shape mismatch")
    if pos_weights.shape[0] != cap_p or neg_weights.shape[0] != cap_q:
        raise ValueError("split_by_label_weighted: shape mismatch")
    if cap_p == 0 or cap_q == 0:
        raise ValueError("split_by_label_weighted: outputs need a spare slot")
    with nogil:
        for i in range(n):
            if p == cap_p or q == cap_q:
                break
            w = weights[i]
            keep = w != 0
            key = ~_key(scores[i])
            if keep and scores[i] == 0:
                last_zero = _zero_kind(scores[i])
            b = is_pos[i] != 0
            pos_keys[p] = key
            pos_weights[p] = w
            neg_keys[q] = key
            neg_weights[q] = w
            p += keep & b
            q += keep & (1 - b)
    if p == cap_p or q == cap_q:
        raise ValueError("split_by_label_weighted: outputs too small")
    return p, q, last_zero


def radix_sort(
    uint64_t[::1] keys, uint64_t[::1] vals, uint64_t[::1] keys_tmp, uint64_t[::1] vals_tmp
):
    """Sort ``keys`` ascending and stably, moving ``vals`` along (``vals`` and
    ``vals_tmp`` empty for a key-only sort). Single-threaded.

    Returns ``False`` if the result is in ``keys``/``vals``, ``True`` if it is in
    ``keys_tmp``/``vals_tmp``.
    """
    cdef Py_ssize_t n = keys.shape[0]
    cdef bint has_vals = vals.shape[0] > 0
    cdef int in_tmp
    cdef int64_t *hist
    if keys_tmp.shape[0] != n or (has_vals and (vals.shape[0] != n or vals_tmp.shape[0] != n)):
        raise ValueError("radix_sort: shape mismatch")
    if n == 0:
        return False
    cdef uint64_t *v = &vals[0] if has_vals else NULL
    cdef uint64_t *v_tmp = &vals_tmp[0] if has_vals else NULL
    hist = <int64_t *>malloc(MM_RADIX_HIST_LEN * sizeof(int64_t))
    if hist == NULL:
        raise MemoryError()
    try:
        with nogil:
            in_tmp = mm_radix_sort(&keys[0], v, n, &keys_tmp[0], v_tmp, hist)
    finally:
        free(hist)
    return in_tmp != 0


def merge_runs(
    const uint64_t[::1] a_keys,
    const uint64_t[::1] a_vals,
    const uint64_t[::1] b_keys,
    const uint64_t[::1] b_vals,
    uint64_t[::1] out_keys,
    uint64_t[::1] out_vals,
):
    """Stable merge of two ascending runs (equal keys: ``a`` first) into ``out_keys``,
    moving the values along unless all three value arrays are empty."""
    cdef Py_ssize_t na = a_keys.shape[0], nb = b_keys.shape[0], n = na + nb
    cdef bint has_vals = out_vals.shape[0] > 0
    if out_keys.shape[0] != n:
        raise ValueError("merge_runs: shape mismatch")
    if has_vals and (a_vals.shape[0] != na or b_vals.shape[0] != nb or out_vals.shape[0] != n):
        raise ValueError("merge_runs: shape mismatch")
    if not has_vals and (a_vals.shape[0] or b_vals.shape[0]):
        raise ValueError("merge_runs: values without an output for them")
    if n == 0:
        return None
    cdef const uint64_t *ak = &a_keys[0] if na else NULL
    cdef const uint64_t *bk = &b_keys[0] if nb else NULL
    cdef const uint64_t *av = &a_vals[0] if has_vals and na else NULL
    cdef const uint64_t *bv = &b_vals[0] if has_vals and nb else NULL
    cdef uint64_t *ov = &out_vals[0] if has_vals else NULL
    with nogil:
        mm_merge_runs(ak, av, na, bk, bv, nb, &out_keys[0], ov)
    return None


cdef Py_ssize_t _fill_runs(list keys, object weights, mm_run *runs) except -1:
    """Point ``runs`` at the arrays of ``keys`` (and ``weights``, a list or None).

    The lists keep the arrays alive, and numpy arrays do not move, so the pointers
    stay valid while the caller holds the lists. Returns the number of samples.
    """
    cdef const uint64_t[::1] k
    cdef const double[::1] w
    cdef Py_ssize_t r, total = 0
    if len(keys) > MM_MAX_RUNS:
        raise ValueError(f"at most {MM_MAX_RUNS} runs per class")
    if weights is not None and len(weights) != len(keys):
        raise ValueError("one weight array per key array is needed")
    for r in range(len(keys)):
        k = keys[r]
        runs[r].n = k.shape[0]
        runs[r].keys = &k[0] if k.shape[0] else NULL
        runs[r].weights = NULL
        if weights is not None:
            w = weights[r]
            if w.shape[0] != k.shape[0]:
                raise ValueError("weights and keys differ in length")
            runs[r].weights = &w[0] if w.shape[0] else NULL
        total += k.shape[0]
    return total


def curve(
    list pos_keys,
    object pos_weights,
    list neg_keys,
    object neg_weights,
    double[::1] tps,
    double[::1] fps,
    uint64_t[::1] keys_out,
):
    """Merge sorted runs (one list per class, runs in block order) into curve points.

    ``pos_weights``/``neg_weights`` are lists of weight arrays matching the key runs,
    or None to count samples. Points are written to ``tps``/``fps`` (and their keys to
    ``keys_out`` unless it is empty), which must hold one slot per sample at worst.
    Returns the number of points.
    """
    cdef mm_run pos[MM_MAX_RUNS]
    cdef mm_run neg[MM_MAX_RUNS]
    cdef Py_ssize_t cap = tps.shape[0], m
    _fill_runs(pos_keys, pos_weights, pos)
    _fill_runs(neg_keys, neg_weights, neg)
    if fps.shape[0] != cap or keys_out.shape[0] not in (0, cap):
        raise ValueError("curve: shape mismatch")
    cdef double *t = &tps[0] if cap else NULL
    cdef double *f = &fps[0] if cap else NULL
    cdef uint64_t *ko = &keys_out[0] if keys_out.shape[0] else NULL
    cdef int n_pos = len(pos_keys), n_neg = len(neg_keys)
    with nogil:
        m = mm_curve(pos, n_pos, neg, n_neg, t, f, ko, cap)
    if m < 0:
        raise ValueError("curve: outputs too small")
    return m


def roc_auc_runs(list pos_keys, list neg_keys, bint drop_intermediate):
    """scikit-learn's ROC AUC of unweighted sorted runs (both classes present)."""
    cdef mm_run pos[MM_MAX_RUNS]
    cdef mm_run neg[MM_MAX_RUNS]
    cdef Py_ssize_t n_p = _fill_runs(pos_keys, None, pos)
    cdef Py_ssize_t n_n = _fill_runs(neg_keys, None, neg)
    cdef int n_pos = len(pos_keys), n_neg = len(neg_keys)
    cdef double area
    cdef double *work
    if n_p == 0 or n_n == 0:
        raise ValueError("roc_auc_runs: both classes need samples")
    work = <double *>malloc((n_p + n_n) * sizeof(double))
    if work == NULL:
        raise MemoryError()
    try:
        with nogil:
            area = mm_roc_auc_runs(pos, n_pos, neg, n_neg, <double>n_p, <double>n_n,
                                   drop_intermediate, work)
    finally:
        free(work)
    if isnan(area):
        raise ValueError("roc_auc_runs: too many runs")
    return area


def average_precision_runs(list pos_keys, list neg_keys):
    """scikit-learn's average precision of unweighted sorted runs (positives present)."""
    cdef mm_run pos[MM_MAX_RUNS]
    cdef mm_run neg[MM_MAX_RUNS]
    cdef Py_ssize_t n_p = _fill_runs(pos_keys, None, pos)
    cdef Py_ssize_t n_n = _fill_runs(neg_keys, None, neg)
    cdef int n_pos = len(pos_keys), n_neg = len(neg_keys)
    cdef double ap
    cdef double *work
    if n_p == 0:
        raise ValueError("average_precision_runs: no positive sample")
    work = <double *>malloc((n_p + n_n) * sizeof(double))
    if work == NULL:
        raise MemoryError()
    try:
        with nogil:
            ap = mm_average_precision_runs(pos, n_pos, neg, n_neg, <double>n_p, work)
    finally:
        free(work)
    if isnan(ap):
        raise ValueError("average_precision_runs: too many runs")
    return ap


def roc_curve_points(
    const double[::1] tps,
    const double[::1] fps,
    const uint64_t[::1] keys,
    bint drop_intermediate,
    bint divide_fps,
    bint divide_tps,
    double[::1] fpr,
    double[::1] tpr,
    uint64_t[::1] keys_out,
):
    """scikit-learn's roc_curve arrays from a stored curve of ``m`` points: outputs of
    ``m + 1`` (rates, or totals where not divided) and ``m`` (kept keys, after the
    start; ``keys`` and ``keys_out`` may both be empty). Returns the number of points
    ``k`` written to ``fpr``/``tpr`` (``k - 1`` keys)."""
    cdef Py_ssize_t m = tps.shape[0], k
    cdef bint has_keys = keys.shape[0] > 0
    if fps.shape[0] != m or m == 0 or fpr.shape[0] != m + 1 or tpr.shape[0] != m + 1:
        raise ValueError("roc_curve_points: shape mismatch")
    if has_keys and (keys.shape[0] != m or keys_out.shape[0] != m):
        raise ValueError("roc_curve_points: shape mismatch")
    cdef const uint64_t *kp = &keys[0] if has_keys else NULL
    cdef uint64_t *ko = &keys_out[0] if has_keys else NULL
    with nogil:
        k = mm_roc_curve(&tps[0], &fps[0], kp, m, drop_intermediate, divide_fps, divide_tps,
                         &fpr[0], &tpr[0], ko)
    return k


def pr_curve_points(
    const double[::1] tps,
    const double[::1] fps,
    const uint64_t[::1] keys,
    bint drop_intermediate,
    double[::1] precision,
    double[::1] recall,
    uint64_t[::1] keys_out,
):
    """scikit-learn's precision_recall_curve arrays from a stored curve of ``m``
    points (outputs of ``m + 1``, ``m + 1`` and ``m``; ``keys`` and ``keys_out`` may
    both be empty). Returns the number of kept points ``k``: ``precision``/``recall``
    hold ``k + 1`` values, ``keys_out`` ``k``."""
    cdef Py_ssize_t m = tps.shape[0], k
    cdef bint has_keys = keys.shape[0] > 0
    if fps.shape[0] != m or m == 0:
        raise ValueError("pr_curve_points: shape mismatch")
    if precision.shape[0] != m + 1 or recall.shape[0] != m + 1:
        raise ValueError("pr_curve_points: shape mismatch")
    if has_keys and (keys.shape[0] != m or keys_out.shape[0] != m):
        raise ValueError("pr_curve_points: shape mismatch")
    cdef const uint64_t *kp = &keys[0] if has_keys else NULL
    cdef uint64_t *ko = &keys_out[0] if has_keys else NULL
    with nogil:
        k = mm_pr_curve(&tps[0], &fps[0], kp, m, drop_intermediate, &precision[0], &recall[0],
                        ko)
    return k


def decode_desc_keys(const uint64_t[::1] keys, score_t[::1] out, bint negative_zero):
    """Scores whose descending keys are ``keys``; the output dtype selects the kind.

    A zero float decodes to ``-0.0`` when ``negative_zero`` is set.
    """
    cdef int kind
    cdef Py_ssize_t n = keys.shape[0]
    if score_t is double:
        kind = MM_KEY_F64
    elif score_t is float:
        kind = MM_KEY_F32
    elif score_t is int64_t:
        kind = MM_KEY_I64
    else:
        kind = MM_KEY_U64
    if out.shape[0] != n:
        raise ValueError("decode_desc_keys: shape mismatch")
    if n == 0:
        return None
    with nogil:
        mm_decode_desc_keys(kind, &keys[0], n, negative_zero, <void *>&out[0])
    return None


def roc_auc_from_curve(const double[::1] tps, const double[::1] fps, bint drop_intermediate):
    """scikit-learn's ROC AUC of a stored curve whose last point has positive totals."""
    cdef Py_ssize_t m = tps.shape[0]
    cdef double *work
    cdef double area
    if fps.shape[0] != m or m == 0:
        raise ValueError("roc_auc_from_curve: shape mismatch")
    if not (tps[m - 1] > 0 and fps[m - 1] > 0):
        raise ValueError("roc_auc_from_curve: both classes need positive totals")
    work = <double *>malloc(m * sizeof(double))
    if work == NULL:
        raise MemoryError()
    try:
        with nogil:
            area = mm_roc_auc(&tps[0], &fps[0], m, drop_intermediate, work)
    finally:
        free(work)
    return area


def average_precision_from_curve(const double[::1] tps, const double[::1] fps):
    """scikit-learn's average precision of a stored curve whose last point has
    ``tps > 0``."""
    cdef Py_ssize_t m = tps.shape[0]
    cdef double *work
    cdef double ap
    if fps.shape[0] != m or m == 0:
        raise ValueError("average_precision_from_curve: shape mismatch")
    if not tps[m - 1] > 0:
        raise ValueError("average_precision_from_curve: no positive total")
    work = <double *>malloc(m * sizeof(double))
    if work == NULL:
        raise MemoryError()
    try:
        with nogil:
            ap = mm_average_precision(&tps[0], &fps[0], m, work)
    finally:
        free(work)
    return ap
