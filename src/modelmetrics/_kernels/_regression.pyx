# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""Moment kernels behind the regression metrics.

Private: callers pass validated float64 arrays. A column's state is ``N_STATS``
doubles, named in ``STATS`` order. Chunk boundaries depend only on the input shape,
so any split of the chunk range over threads gives bit-identical results.
"""
from ._csrc cimport (
    MM_MOM_M2_DIFF,
    MM_MOM_M2_TRUE,
    MM_MOM_MAX_ABS,
    MM_MOM_MEAN_DIFF,
    MM_MOM_MEAN_TRUE,
    MM_MOM_NSTAT,
    MM_MOM_SUM_ABS,
    MM_MOM_SUM_HIT,
    MM_MOM_SUM_SQ,
    MM_MOM_WEIGHT,
    mm_moments_chunks,
    mm_moments_merge,
    mm_moments_n_chunks,
    mm_moments_reduce,
)

N_STATS = MM_MOM_NSTAT

# Names of the state slots, indexed by the C enum (so a reordering there shows up here).
STATS = tuple(name for _, name in sorted({
    MM_MOM_WEIGHT: "weight",
    MM_MOM_MEAN_TRUE: "mean_true",
    MM_MOM_M2_TRUE: "m2_true",
    MM_MOM_MEAN_DIFF: "mean_diff",
    MM_MOM_M2_DIFF: "m2_diff",
    MM_MOM_SUM_ABS: "sum_abs",
    MM_MOM_SUM_SQ: "sum_sq",
    MM_MOM_MAX_ABS: "max_abs",
    MM_MOM_SUM_HIT: "sum_hit",
}.items()))


cdef Py_ssize_t _element_stride(Py_ssize_t stride, Py_ssize_t length) except? -1:
    if length == 1:
        return 1
    if stride % <Py_ssize_t>sizeof(double):
        raise ValueError("moments_chunks: strides must be whole elements")
    return stride // <Py_ssize_t>sizeof(double)


def moments_n_chunks(Py_ssize_t n_rows, Py_ssize_t n_cols):
    """Number of row chunks the kernel splits an ``(n_rows, n_cols)`` input into."""
    if n_rows < 0 or n_cols < 1:
        raise ValueError("moments_n_chunks: need n_rows >= 0 and n_cols >= 1")
    return mm_moments_n_chunks(n_rows, n_cols)


def moments_chunks(
    const double[:, :] y_true,
    const double[:, :] y_pred,
    const double[::1] weight,
    double threshold,
    Py_ssize_t first,
    Py_ssize_t last,
    double[:, :, ::1] out,
):
    """Write the state of chunks ``first .. last - 1`` into ``out[first:last]``.

    ``weight`` may be None; a negative ``threshold`` counts no hits. ``out`` has one
    slot per chunk: shape ``(moments_n_chunks(n, k), k, N_STATS)``.
    """
    cdef Py_ssize_t n = y_true.shape[0], k = y_true.shape[1]
    cdef Py_ssize_t row_stride, col_stride
    cdef const double *w = NULL
    cdef int status
    if y_pred.shape[0] != n or y_pred.shape[1] != k:
        raise ValueError("moments_chunks: y_true and y_pred differ in shape")
    if weight is not None and weight.shape[0] != n:
        raise ValueError("moments_chunks: weight length differs from y_true")
    if k < 1 or out.shape[0] != mm_moments_n_chunks(n, k) or out.shape[1] != k:
        raise ValueError("moments_chunks: out has the wrong shape")
    if out.shape[2] != MM_MOM_NSTAT:
        raise ValueError("moments_chunks: out has the wrong shape")
    if not 0 <= first <= last <= out.shape[0]:
        raise ValueError("moments_chunks: chunk range out of bounds")
    if first == last:
        return
    # Strides of length-1 axes are arbitrary in numpy: ignore them.
    row_stride = _element_stride(y_true.strides[0], n)
    col_stride = _element_stride(y_true.strides[1], k)
    if (_element_stride(y_pred.strides[0], n) != row_stride
            or _element_stride(y_pred.strides[1], k) != col_stride):
        raise ValueError("moments_chunks: y_true and y_pred differ in memory layout")
    if weight is not None:
        w = &weight[0]
    with nogil:
        status = mm_moments_chunks(&y_true[0, 0], &y_pred[0, 0], w, n, k, row_stride,
                                   col_stride, threshold, first, last, &out[0, 0, 0])
    if status != 0:
        raise MemoryError("moments_chunks: could not allocate the chunk buffer")


def moments_reduce(double[:, :, ::1] chunks):
    """Merge all chunk states pairwise in a fixed tree; the result lands in ``chunks[0]``."""
    if chunks.shape[2] != MM_MOM_NSTAT:
        raise ValueError("moments_reduce: chunks has the wrong shape")
    if chunks.shape[0] == 0:
        return
    with nogil:
        mm_moments_reduce(&chunks[0, 0, 0], chunks.shape[0], chunks.shape[1])


def moments_merge(double[:, ::1] state, const double[:, ::1] other):
    """Merge ``other`` into ``state`` (both ``(k, N_STATS)``), column by column."""
    if (state.shape[0] != other.shape[0] or state.shape[1] != MM_MOM_NSTAT
            or other.shape[1] != MM_MOM_NSTAT):
        raise ValueError("moments_merge: state shapes differ")
    if state.shape[0] == 0:
        return
    with nogil:
        mm_moments_merge(&state[0, 0], &other[0, 0], state.shape[0])
