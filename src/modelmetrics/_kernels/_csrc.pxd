# C declarations for csrc/ (plain C99, no Python.h). One file, cimported by the kernels.
from libc.stdint cimport int64_t, uint8_t, uint64_t

cdef extern from "mm_sum.h" nogil:
    double mm_pairwise_sum(const double *x, Py_ssize_t n)
    double mm_pairwise_masked_sum(const uint8_t *mask, const double *w, Py_ssize_t n)

cdef extern from "mm_sort.h" nogil:
    enum:
        MM_RADIX_HIST_LEN
        MM_KEY_F64
        MM_KEY_F32
        MM_KEY_I64
        MM_KEY_U64
    uint64_t mm_key_f64(double x)
    uint64_t mm_key_f32(float x)
    uint64_t mm_key_i64(int64_t x)
    uint64_t mm_key_u64(uint64_t x)
    void mm_decode_desc_keys(int kind, const uint64_t *keys, Py_ssize_t n, int negative_zero,
                             void *out)
    int mm_radix_sort(uint64_t *keys, uint64_t *vals, Py_ssize_t n, uint64_t *keys_tmp,
                      uint64_t *vals_tmp, int64_t *hist)
    void mm_merge_runs(const uint64_t *a_keys, const uint64_t *a_vals, Py_ssize_t na,
                       const uint64_t *b_keys, const uint64_t *b_vals, Py_ssize_t nb,
                       uint64_t *out_keys, uint64_t *out_vals)

cdef extern from "mm_curve.h" nogil:
    enum:
        MM_MAX_RUNS
    ctypedef struct mm_run:
        const uint64_t *keys
        const double *weights
        Py_ssize_t n
    Py_ssize_t mm_curve(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg, double *tps,
                        double *fps, uint64_t *keys_out, Py_ssize_t cap)
    double mm_roc_auc_runs(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg,
                           double tp_total, double fp_total, int drop, double *work)
    double mm_average_precision_runs(const mm_run *pos, int n_pos, const mm_run *neg, int n_neg,
                                     double tp_total, double *work)
    Py_ssize_t mm_roc_curve(const double *tps, const double *fps, const uint64_t *keys,
                            Py_ssize_t m, int drop, int divide_fps, int divide_tps, double *fpr,
                            double *tpr, uint64_t *keys_out)
    Py_ssize_t mm_pr_curve(const double *tps, const double *fps, const uint64_t *keys,
                           Py_ssize_t m, int drop, double *precision, double *recall,
                           uint64_t *keys_out)
    double mm_roc_auc(const double *tps, const double *fps, Py_ssize_t m, int drop, double *work)
    double mm_average_precision(const double *tps, const double *fps, Py_ssize_t m, double *work)
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
