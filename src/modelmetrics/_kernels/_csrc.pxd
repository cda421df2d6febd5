# C declarations for csrc/ (plain C99, no Python.h). One file, cimported by the kernels.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

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

cdef extern from "mm_box.h" nogil:
    void mm_box_iou(const double *dt, Py_ssize_t n_dt, const double *gt, Py_ssize_t n_gt,
                    const uint8_t *gt_crowd, double *out)
    void mm_box_iou_by_gt(const double *dt, Py_ssize_t n_dt, const double *gt,
                          Py_ssize_t n_gt, const uint8_t *gt_crowd, double *out)

cdef extern from "mm_rle.h" nogil:
    enum:
        MM_RLE_OK
        MM_RLE_ENOMEM
        MM_RLE_ECOUNTS
        MM_RLE_ESTRING
        MM_RLE_EPOLY
        MM_RLE_ESIZE
    ctypedef struct mm_rle:
        const uint32_t *cnts
        Py_ssize_t m
        uint32_t h
        uint32_t w
    ctypedef struct mm_rle_str:
        const char *s
        Py_ssize_t len
        uint32_t h
        uint32_t w
    ctypedef struct mm_rle_buf:
        char *data
        size_t len
        size_t cap
    ctypedef struct mm_rle_ws:
        uint32_t *cnts
        Py_ssize_t m
    void mm_rle_buf_free(mm_rle_buf *b)
    void mm_rle_ws_free(mm_rle_ws *ws)
    int mm_rle_str_counts(const mm_rle_str *r, uint32_t *cnts, Py_ssize_t cap, Py_ssize_t *m)
    int mm_rle_str_area(const mm_rle_str *r, uint32_t *area)
    int mm_rle_str_bbox(const mm_rle_str *r, double *bb)
    int mm_rle_str_area_bbox(const mm_rle_str *r, uint32_t *area, double *bb)
    int mm_rle_str_decode(const mm_rle_str *r, uint8_t *mask)
    int mm_rle_to_str(const uint32_t *cnts, Py_ssize_t m, mm_rle_buf *out)
    int mm_rle_check(const mm_rle *r)
    uint32_t mm_rle_area(const mm_rle *r)
    void mm_rle_bbox(const mm_rle *r, double *bb)
    int mm_rle_decode(const mm_rle *r, uint8_t *mask)
    int mm_rle_encode(const uint8_t *mask, uint32_t h, uint32_t w, mm_rle_ws *ws)
    Py_ssize_t mm_rle_merge_capacity(const mm_rle *r, Py_ssize_t n)
    int mm_rle_merge(const mm_rle *r, Py_ssize_t n, int intersect, uint32_t *out, uint32_t *tmp,
                     Py_ssize_t cap, Py_ssize_t *m)
    void mm_rle_iou(const mm_rle *dt, const double *dt_bb, const uint32_t *dt_area,
                    Py_ssize_t n_dt, const mm_rle *gt, const double *gt_bb, Py_ssize_t n_gt,
                    const uint8_t *gt_crowd, Py_ssize_t d_first, Py_ssize_t d_last,
                    double *out)
    int mm_rle_from_poly(const double *xy, Py_ssize_t k, uint32_t h, uint32_t w, mm_rle_ws *ws)
    int mm_rle_from_box(const double *bb, uint32_t h, uint32_t w, mm_rle_ws *ws)

cdef extern from "mm_coco.h" nogil:
    int MM_COCO_ENOMEM
    ctypedef struct mm_coco_params:
        Py_ssize_t n_thr
        const double *iou_thr
        Py_ssize_t n_area
        const double *area_rng
        Py_ssize_t max_det
    ctypedef struct mm_coco_groups:
        const int64_t *dt_start
        const int64_t *dt_rows
        const double *dt_box
        const double *dt_area
        const double *dt_score
        const double *dt_id
        const int64_t *gt_start
        const int64_t *gt_rows
        const double *gt_box
        const double *gt_area
        const double *gt_id
        const uint8_t *gt_crowd
        const uint8_t *gt_ignore
        const mm_rle *dt_rle
        const double *dt_rle_bb
        const uint32_t *dt_rle_area
        const mm_rle *gt_rle
        const double *gt_rle_bb
        const mm_rle_str *dt_rle_str
        const mm_rle_str *gt_rle_str
        const double *pair_iou
        const int64_t *pair_start
    ctypedef struct mm_coco_matches:
        const int64_t *slot_start
        double *slot_score
        int64_t *slot_det
        uint8_t *slot_code
        int32_t *group_npig
        uint8_t *group_nonempty
        double *slot_dtm
        uint8_t *slot_dtig
        int64_t *gt_order
        double *gt_gtm
        uint8_t *gt_ig
    ctypedef struct mm_coco_accum:
        Py_ssize_t n_thr
        Py_ssize_t n_rec
        const double *rec_thr
        int rec_sorted
        Py_ssize_t n_area
        const int64_t *area_src
        Py_ssize_t n_maxdet
        const int64_t *maxdet
        const int64_t *out_m
        const int64_t *out_a
        Py_ssize_t out_k
        Py_ssize_t K
        Py_ssize_t A
        Py_ssize_t M
        double *precision
        double *recall
        double *scores
    int mm_coco_evaluate(const mm_coco_params *p, const mm_coco_groups *inp, Py_ssize_t first,
                         Py_ssize_t last, Py_ssize_t n_slots, Py_ssize_t n_gt,
                         mm_coco_matches *out)
    int mm_coco_accumulate(const mm_coco_accum *acc, const double *slot_score,
                           const int32_t *slot_rank, const uint8_t *slot_code,
                           const uint8_t *slot_selected, Py_ssize_t n_area_eval, Py_ssize_t first,
                           Py_ssize_t last, const int64_t *npig)
    ctypedef struct mm_coco_masks:
        const mm_rle *gt
        const double *gt_bb
        const mm_rle *dt
        const double *dt_bb
        const uint32_t *dt_area
        const mm_rle_str *gt_str
        const mm_rle_str *dt_str
    int mm_coco_confusion(Py_ssize_t n_images, const int64_t *gt_start, const int64_t *gt_cls,
                          const double *gt_box, const uint8_t *gt_crowd,
                          const int64_t *dt_start, const int64_t *dt_cls, const double *dt_box,
                          const mm_coco_masks *masks, double iou_thr, Py_ssize_t n_cls,
                          int64_t *matrix)

cdef extern from "mm_json.h" nogil:
    enum:
        MM_JSON_OK
        MM_JSON_INVALID
        MM_JSON_FALLBACK
        MM_JSON_SYNTAX
        MM_JSON_ENOMEM
        MM_JSON_RESULTS
        MM_JSON_GROUND_TRUTH
        MM_JSON_NUMBERS
        MM_JSON_D_BBOX0
        MM_JSON_D_SCORE
        MM_JSON_D_AREA
    ctypedef struct mm_json_deferred:
        Py_ssize_t row
        Py_ssize_t offset
        int32_t len
        int32_t slot
    ctypedef struct mm_json_coco:
        Py_ssize_t n
        int64_t *image_id
        int64_t *category_id
        int64_t *ann_id
        double *bbox
        double *area
        double *score
        uint8_t *crowd
        Py_ssize_t n_images
        int64_t *images
        Py_ssize_t n_categories
        int64_t *categories
        int has_images
        int has_annotations
        int has_categories
        int index_ok
        int keypoints
        Py_ssize_t n_deferred
        mm_json_deferred *deferred
        Py_ssize_t offset
        const char *reason
        Py_ssize_t err_index
        int err_field
        int err_problem
        int64_t *seg_off
        int64_t *seg_len
        int64_t *kp_off
        int64_t *kp_len
        uint8_t *num_kp_zero
        Py_ssize_t images_off
        Py_ssize_t images_len
        Py_ssize_t categories_off
        Py_ssize_t categories_len
    int mm_json_read(const char *buf, Py_ssize_t len, int layout, mm_json_coco *out)
    void mm_json_free(mm_json_coco *out)
    int mm_json_read_results_part(const char *buf, Py_ssize_t len, Py_ssize_t start,
                                  Py_ssize_t until, int keypoints, mm_json_coco *out,
                                  Py_ssize_t *next) nogil
    Py_ssize_t mm_json_number_array(const char *buf, Py_ssize_t off, Py_ssize_t len,
                                    double *out, Py_ssize_t cap) nogil
    enum:
        MM_JSON_SEG_POLYGONS
        MM_JSON_SEG_RLE
        MM_JSON_SEG_OTHER
        MM_JSON_SEG_COUNTS
    ctypedef struct mm_json_segm:
        int kind
        double *xy
        Py_ssize_t n_xy
        Py_ssize_t cap_xy
        int64_t *poly_end
        Py_ssize_t n_poly
        Py_ssize_t cap_poly
        Py_ssize_t counts_off
        Py_ssize_t counts_len
        int counts_decoded
        char *counts_buf
        Py_ssize_t cap_counts
        uint32_t *cnts
        Py_ssize_t n_cnts
        Py_ssize_t cap_cnts
        int64_t h
        int64_t w
    int mm_json_segmentation(const char *buf, Py_ssize_t off, Py_ssize_t len, mm_json_segm *sg)
    void mm_json_segm_free(mm_json_segm *sg)

cdef extern from "mm_semantic.h" nogil:
    enum:
        MM_SEMANTIC_U8
        MM_SEMANTIC_U16
        MM_SEMANTIC_I32
        MM_SEMANTIC_I64
        MM_SEMANTIC_F32
        MM_SEMANTIC_F64
        MM_SEMANTIC_OK
        MM_SEMANTIC_ENOMEM
        MM_SEMANTIC_EKIND
        MM_SEMANTIC_NAN
    ctypedef struct mm_semantic_input:
        const void *pred
        int pred_kind
        const void *target
        int target_kind
        Py_ssize_t n_images
        Py_ssize_t pixels
        Py_ssize_t n_classes
        int has_ignore
        int64_t ignore
    Py_ssize_t mm_semantic_ext_size(Py_ssize_t n_classes)
    int mm_semantic_count(const mm_semantic_input *inp, Py_ssize_t first, Py_ssize_t last,
                          int64_t *ext)
    int mm_semantic_count_images(const mm_semantic_input *inp, Py_ssize_t first_image,
                                 Py_ssize_t last_image, int64_t *ext, int64_t *stats)

cdef extern from "mm_oks.h" nogil:
    ctypedef struct mm_oks_groups:
        Py_ssize_t k
        const double *variances
        const double *gt_kp
        const double *gt_box
        const double *gt_area
        const int64_t *gt_terms
        const double *dt_kp
        const int64_t *gt_start
        const int64_t *gt_rows
        const int64_t *kept_start
        const int64_t *kept_rows
        const int64_t *term_start
        const int64_t *pair_start
    void mm_oks_terms(const mm_oks_groups *inp, Py_ssize_t first, Py_ssize_t last,
                      double *terms)
    void mm_oks_similarity(const mm_oks_groups *inp, Py_ssize_t first, Py_ssize_t last,
                           const double *exp_terms, double *oks)
    double mm_np_sum(const double *a, Py_ssize_t n)

cdef extern from "mm_tide.h" nogil:
    enum:
        MM_TIDE_OK
        MM_TIDE_ENOMEM
    ctypedef struct mm_tide_input:
        Py_ssize_t n_images
        const int64_t *det_start
        const int64_t *det_class
        const int64_t *gt_start
        const int64_t *gt_class
        const int64_t *crowd_start
        const int64_t *crowd_class
        int64_t any_class
        int boxes
        const double *dt_box
        const double *gt_box
        const double *crowd_box
        const double *iou
        const int64_t *iou_start
        const double *crowd_iou
        const int64_t *crowd_iou_start
        double pos
        double bg
    ctypedef struct mm_tide_output:
        int64_t *det_match
        uint8_t *det_ignored
        uint8_t *det_error
        int64_t *det_target
        uint8_t *gt_used
    int mm_tide_classify(const mm_tide_input *inp, Py_ssize_t first_image,
                         Py_ssize_t last_image, mm_tide_output *out)

cdef extern from "mm_bootstrap.h" nogil:
    enum:
        MM_BOOT_ENOMEM
        MM_BOOT_MAX_PATTERNS
    ctypedef struct mm_boot_input:
        Py_ssize_t n_images
        Py_ssize_t n_cat
        Py_ssize_t n_area
        Py_ssize_t n_thr
        Py_ssize_t n_maxdet
        const int64_t *maxdet
        Py_ssize_t n_rec
        const double *rec_thr
        int rec_sorted
        const int64_t *cat_start
        const int64_t *cat_tp_end
        const int64_t *ev_start
        const int32_t *slot_image
        const int32_t *slot_rank
        const uint8_t *slot_code
        const uint8_t *slot_any_tp
        const int32_t *slot_pattern
        Py_ssize_t n_pattern
        const uint64_t *pattern_fp
        const uint8_t *slot_first_m
        const uint64_t *slot_tp_mask
        const uint64_t *slot_fp_mask
        const int64_t *group_start
        const int32_t *group_image
        const int64_t *group_npig
        const uint8_t *group_nonempty
    int mm_coco_bootstrap(const mm_boot_input *inp, const int32_t *weights, Py_ssize_t n_res,
                          double *prec_sum, double *recall)
