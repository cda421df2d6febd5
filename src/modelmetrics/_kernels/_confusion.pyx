# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""Label-pair counting kernels.

Private: callers pass validated, C-contiguous arrays of equal length and a zeroed
table. Every loop runs without the GIL so that chunks can be counted in threads.
"""
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from ._csrc cimport mm_pairwise_masked_sum

ctypedef fused label_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused weight_t:
    int64_t
    double


def count_pairs(
    const label_t[::1] y_true,
    const label_t[::1] y_pred,
    int64_t[:, ::1] table,
    int64_t offset=0,
):
    """Add one to ``table[y_true[i] - offset, y_pred[i] - offset]`` for every ``i``.

    The table is square with side ``B``. Labels are expected in ``[offset, offset + B)``
    but not trusted: the first label outside stops the count and the function returns
    ``False`` (the table is then partially filled and must be discarded). Returns
    ``True`` when every pair was counted.
    """
    cdef Py_ssize_t i, n = y_true.shape[0]
    cdef uint64_t side = <uint64_t>table.shape[0]
    cdef uint64_t shift = <uint64_t>offset
    cdef uint64_t t, p
    cdef bint in_range = True
    if y_pred.shape[0] != n or table.shape[1] != table.shape[0]:
        raise ValueError("count_pairs: shape mismatch")
    with nogil:
        for i in range(n):
            # Unsigned wrap-around folds "below offset" and "too large" into one compare.
            t = <uint64_t>y_true[i] - shift
            p = <uint64_t>y_pred[i] - shift
            if t >= side or p >= side:
                in_range = False
                break
            table[t, p] += 1
    return in_range


def count_pairs_weighted(
    const label_t[::1] y_true,
    const label_t[::1] y_pred,
    const weight_t[::1] weight,
    weight_t[:, ::1] table,
    weight_t[::1] true_sum,
    weight_t[::1] pred_sum,
    int64_t offset=0,
):
    """Weighted version of :func:`count_pairs`.

    Adds ``weight[i]`` to ``table[t, p]``, ``true_sum[t]`` and ``pred_sum[p]`` (with
    ``t = y_true[i] - offset``, ``p = y_pred[i] - offset``) in index order, so float
    sums round exactly as ``scipy.sparse.coo_array.toarray`` and ``np.bincount`` do.
    Single pass, one thread: splitting would change the order of additions.
    """
    cdef Py_ssize_t i, n = y_true.shape[0]
    cdef uint64_t side = <uint64_t>table.shape[0]
    cdef uint64_t shift = <uint64_t>offset
    cdef uint64_t t, p
    cdef weight_t w
    cdef bint in_range = True
    if (y_pred.shape[0] != n or weight.shape[0] != n or table.shape[1] != table.shape[0]
            or true_sum.shape[0] != table.shape[0] or pred_sum.shape[0] != table.shape[0]):
        raise ValueError("count_pairs_weighted: shape mismatch")
    with nogil:
        for i in range(n):
            t = <uint64_t>y_true[i] - shift
            p = <uint64_t>y_pred[i] - shift
            if t >= side or p >= side:
                in_range = False
                break
            w = weight[i]
            table[t, p] += w
            true_sum[t] += w
            pred_sum[p] += w
    return in_range


def count_equal(const label_t[::1] y_true, const label_t[::1] y_pred):
    """Number of positions where ``y_true[i] == y_pred[i]``."""
    cdef Py_ssize_t i, n = y_true.shape[0]
    cdef int64_t hits = 0
    if y_pred.shape[0] != n:
        raise ValueError("count_equal: shape mismatch")
    with nogil:
        for i in range(n):
            hits += y_true[i] == y_pred[i]
    return hits


def weighted_hits(const uint8_t[::1] hit, const double[::1] weight):
    """``np.sum(hit * weight)`` with numpy's pairwise rounding, without the temporary."""
    cdef Py_ssize_t n = hit.shape[0]
    cdef double total
    if weight.shape[0] != n:
        raise ValueError("weighted_hits: shape mismatch")
    if n == 0:
        return 0.0
    with nogil:
        total = mm_pairwise_masked_sum(&hit[0], &weight[0], n)
    return total


def label_presence(const label_t[::1] y, uint8_t[::1] present, int64_t offset=0):
    """Set ``present[y[i] - offset] = 1`` for every ``i``.

    Returns ``False`` at the first label outside ``[offset, offset + len(present))``
    (``present`` is then partially filled), ``True`` otherwise.
    """
    cdef Py_ssize_t i, n = y.shape[0]
    cdef uint64_t side = <uint64_t>present.shape[0]
    cdef uint64_t shift = <uint64_t>offset
    cdef uint64_t v
    cdef bint in_range = True
    with nogil:
        for i in range(n):
            v = <uint64_t>y[i] - shift
            if v >= side:
                in_range = False
                break
            present[v] = 1
    return in_range
