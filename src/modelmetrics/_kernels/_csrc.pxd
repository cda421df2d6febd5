# C declarations for csrc/ (plain C99, no Python.h). One file, cimported by the kernels.
from libc.stdint cimport uint8_t

cdef extern from "mm_sum.h" nogil:
    double mm_pairwise_sum(const double *x, Py_ssize_t n)
    double mm_pairwise_masked_sum(const uint8_t *mask, const double *w, Py_ssize_t n)

cdef extern from "mm_moments.h" nogil:
    enum:
        MM_MOM_WEIGHT
        MM_MOM_MEAN_TRUE
        MM_MOM_M2_TRUE
        MM_MOM_MEAN_DIFF
        MM_MOM_M2_DIFF
        MM_MOM_SUM_ABS
        MM_MOM_SUM_SQ
        MM_MOM_MAX_ABS
        MM_MOM_SUM_HIT
        MM_MOM_NSTAT
    Py_ssize_t mm_moments_n_chunks(Py_ssize_t n_rows, Py_ssize_t n_cols)
    int mm_moments_chunks(const double *y_true, const double *y_pred, const double *weight,
                          Py_ssize_t n_rows, Py_ssize_t n_cols, Py_ssize_t row_stride,
                          Py_ssize_t col_stride, double threshold, Py_ssize_t first,
                          Py_ssize_t last, double *out)
    void mm_moments_reduce(double *chunks, Py_ssize_t n_chunks, Py_ssize_t n_cols)
    void mm_moments_merge(double *state, const double *other, Py_ssize_t n_cols)
