# C declarations for csrc/ (plain C99, no Python.h). One file, cimported by the kernels.
from libc.stdint cimport uint8_t

cdef extern from "mm_sum.h" nogil:
    double mm_pairwise_sum(const double *x, Py_ssize_t n)
    double mm_pairwise_masked_sum(const uint8_t *mask, const double *w, Py_ssize_t n)
