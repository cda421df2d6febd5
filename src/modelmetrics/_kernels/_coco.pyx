# cython: language_level=3, cdivision=True
# cython: freethreading_compatible=True, autotestdict=False
"""COCO detection evaluation kernels (pycocotools-exact box IoU, matching, accumulation).

Private: callers pass validated, C-contiguous arrays laid out as csrc/mm_coco.h
describes. Shapes are checked here once; the loops run in C without the GIL.
"""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc

import numpy as np

from ._csrc cimport (
    MM_COCO_ENOMEM,
    mm_box_iou,
    mm_coco_accum,
    mm_coco_accumulate,
    mm_coco_confusion,
    mm_coco_evaluate,
    mm_coco_groups,
    mm_coco_masks,
    mm_coco_matches,
    mm_coco_params,
    mm_rle,
    mm_rle_iou,
    mm_rle_str,
    mm_rle_str_area,
    mm_rle_str_counts,
    mm_np_sum,
    mm_oks_groups,
    mm_oks_similarity,
    mm_oks_terms,
)


cdef extern from *:
    """
    #if defined(__GLIBC__)
    #include <malloc.h>
    static void mm_release_free_memory(void) { malloc_trim(0); }
    #else
    static void mm_release_free_memory(void) {}
    #endif
    """
    void mm_release_free_memory() nogil


cdef inline void _need(bint ok, str what) except *:
    if not ok:
        raise ValueError(f"coco kernel: {what}")


def box_iou(
    const double[:, ::1] dt, const double[:, ::1] gt, const uint8_t[::1] crowd,
    double[:, ::1] out,
):
    """``out[d, g]``: pycocotools' IoU of box ``dt[d]`` with ``gt[g]`` (x, y, w, h)."""
    _need(dt.shape[1] == 4 and gt.shape[1] == 4, "boxes must have 4 columns")
    _need(crowd.shape[0] == gt.shape[0], "one crowd flag per gt box")
    _need(out.shape[0] == dt.shape[0] and out.shape[1] == gt.shape[0], "out shape")
    if dt.shape[0] == 0 or gt.shape[0] == 0:
        return
    with nogil:
        mm_box_iou(&dt[0, 0], dt.shape[0], &gt[0, 0], gt.shape[0], &crowd[0], &out[0, 0])


cdef class MaskTable:
    """Masks of annotation rows for the segm IoU: ``annotation_rles``' table.

    Row ``i`` is an ``hw[i, 0] x hw[i, 1]`` mask with pycocotools' box ``bbox[i]`` and
    area ``area[i]``. Its run lengths are the compressed string
    ``str_blob[str_at[i]:str_at[i] + str_len[i]]`` (decoded when needed) when
    ``str_len[i] >= 0``, else ``counts[starts[i]:starts[i + 1]]``. One blob holds every
    string, so a table of a million masks is a few arrays, not a million objects.
    Everything is validated here (strings too, unless `validated` says the caller
    walked each one already); the table holds the arrays it points into.
    """
    cdef mm_rle *rles
    cdef mm_rle_str *strs
    cdef bint has_strs
    cdef Py_ssize_t n
    cdef readonly object counts, starts, hw, bbox, area, str_blob, str_at, str_len
    cdef const double[:, ::1] _bb
    cdef const uint32_t[::1] _area

    def __cinit__(self, const uint32_t[::1] counts, const int64_t[::1] starts,
                  const uint32_t[:, ::1] hw, const double[:, ::1] bbox,
                  const uint32_t[::1] area, const uint8_t[::1] str_blob,
                  const int64_t[::1] str_at, const int64_t[::1] str_len,
                  bint validated=False):
        cdef Py_ssize_t i, n = hw.shape[0]
        cdef uint32_t dummy = 0, check = 0
        cdef uint8_t blob_dummy = 0
        cdef const uint8_t *blob = &str_blob[0] if str_blob.shape[0] > 0 else &blob_dummy
        _need(hw.shape[1] == 2 and starts.shape[0] == n + 1, "mask table shapes")
        _need(bbox.shape[0] == n and bbox.shape[1] == 4 and area.shape[0] == n
              and str_at.shape[0] == n and str_len.shape[0] == n,
              "mask table boxes, areas and strings")
        self.rles = <mm_rle *>calloc(n if n > 0 else 1, sizeof(mm_rle))
        self.strs = <mm_rle_str *>calloc(n if n > 0 else 1, sizeof(mm_rle_str))
        if self.rles == NULL or self.strs == NULL:
            raise MemoryError()
        for i in range(n):
            self.strs[i].len = -1
            self.strs[i].h = hw[i, 0]
            self.strs[i].w = hw[i, 1]
            if str_len[i] >= 0:
                _need(0 <= str_at[i] <= str_at[i] + str_len[i] <= str_blob.shape[0],
                      "mask table string offsets")
                self.strs[i].s = <const char *>(blob + str_at[i])
                self.strs[i].len = str_len[i]
                if not validated:
                    # The IoU decodes it: it must describe an h x w mask.
                    _need(mm_rle_str_area(&self.strs[i], &check) == 0,
                          "mask table strings must be valid RLEs")
                self.has_strs = True
                continue
            _need(0 <= starts[i] <= starts[i + 1] <= counts.shape[0], "mask table starts")
            # The IoU walks the runs: they must cover exactly h * w pixels.
            _need(_covers(&counts[starts[i]] if starts[i] < counts.shape[0] else &dummy,
                          starts[i + 1] - starts[i], <uint64_t>hw[i, 0] * hw[i, 1]),
                  "mask table counts must sum to h * w")
            self.rles[i].cnts = &counts[starts[i]] if starts[i] < counts.shape[0] else NULL
            self.rles[i].m = starts[i + 1] - starts[i]
            self.rles[i].h = hw[i, 0]
            self.rles[i].w = hw[i, 1]
        self.n = n
        self.counts, self.starts, self.hw = counts, starts, hw
        self.bbox, self.area = bbox, area
        self.str_blob, self.str_at, self.str_len = str_blob, str_at, str_len
        self._bb = bbox
        self._area = area

    def __init__(self, counts, starts, hw, bbox, area, str_blob, str_at, str_len,
                 validated=False):
        pass  # everything happens in __cinit__, which gets the same arguments

    def __dealloc__(self):
        free(self.rles)
        free(self.strs)

    def __len__(self):
        return self.n


cdef bint _covers(const uint32_t *cnts, Py_ssize_t m, uint64_t total) noexcept nogil:
    cdef uint64_t s = 0
    cdef Py_ssize_t j
    for j in range(m):
        s += cnts[j]
    return s == total


cdef int _row(MaskTable t, Py_ssize_t row, list keep, mm_rle *out) except -1:
    """Row `row`'s run lengths: as held, or its string decoded into an array kept in
    `keep`."""
    cdef Py_ssize_t m = 0
    cdef uint32_t[::1] buf
    if t.strs[row].len < 0:
        out[0] = t.rles[row]
        return 0
    arr = np.empty(t.strs[row].len if t.strs[row].len > 0 else 1, np.uint32)
    keep.append(arr)
    buf = arr
    mm_rle_str_counts(&t.strs[row], &buf[0], t.strs[row].len, &m)  # validated: succeeds
    out.cnts = &buf[0]
    out.m = m
    out.h = t.strs[row].h
    out.w = t.strs[row].w
    return 0


def mask_iou(MaskTable dt, const int64_t[::1] dt_rows, MaskTable gt,
             const int64_t[::1] gt_rows, const uint8_t[::1] crowd, double[:, ::1] out):
    """``out[d, g]``: pycocotools' mask IoU of ``dt`` row ``dt_rows[d]`` with ``gt`` row
    ``gt_rows[g]`` (crowd: intersection over the detection's area)."""
    cdef Py_ssize_t d, g, nd = dt_rows.shape[0], ng = gt_rows.shape[0]
    _need(crowd.shape[0] == ng and out.shape[0] == nd and out.shape[1] == ng, "shapes")
    for d in range(nd):
        _need(0 <= dt_rows[d] < dt.n, "dt rows")
    for g in range(ng):
        _need(0 <= gt_rows[g] < gt.n, "gt rows")
    if nd == 0 or ng == 0:
        return
    cdef mm_rle *grle = <mm_rle *>malloc(ng * sizeof(mm_rle))
    cdef mm_rle drle
    cdef list keep = []  # decoded strings, alive until the IoUs are computed
    cdef double *gbb = <double *>malloc(4 * ng * sizeof(double))
    cdef double *col = <double *>malloc(ng * sizeof(double))
    try:
        if grle == NULL or gbb == NULL or col == NULL:
            raise MemoryError()
        for g in range(ng):
            _row(gt, gt_rows[g], keep, &grle[g])
        with nogil:
            for g in range(ng):
                gbb[4 * g] = gt._bb[gt_rows[g], 0]
                gbb[4 * g + 1] = gt._bb[gt_rows[g], 1]
                gbb[4 * g + 2] = gt._bb[gt_rows[g], 2]
                gbb[4 * g + 3] = gt._bb[gt_rows[g], 3]
        for d in range(nd):
            _row(dt, dt_rows[d], keep, &drle)
            with nogil:
                mm_rle_iou(&drle, &dt._bb[dt_rows[d], 0], &dt._area[dt_rows[d]],
                           1, grle, gbb, ng, &crowd[0], 0, 1, col)
                for g in range(ng):
                    out[d, g] = col[g]
    finally:
        free(grle)
        free(gbb)
        free(col)


def evaluate(
    const double[::1] iou_thr,
    const double[:, ::1] area_rng,
    Py_ssize_t max_det,
    const int64_t[::1] dt_start,
    const int64_t[::1] dt_rows,
    const double[:, ::1] dt_box,
    const double[::1] dt_area,
    const double[::1] dt_score,
    const double[::1] dt_id,
    const int64_t[::1] gt_start,
    const int64_t[::1] gt_rows,
    const double[:, ::1] gt_box,
    const double[::1] gt_area,
    const double[::1] gt_id,
    const uint8_t[::1] gt_crowd,
    const uint8_t[::1] gt_ignore,
    const int64_t[::1] slot_start,
    double[::1] slot_score,
    int64_t[::1] slot_det,
    uint8_t[:, :, ::1] slot_code,
    int32_t[:, ::1] group_npig,
    uint8_t[::1] group_nonempty,
    Py_ssize_t first,
    Py_ssize_t last,
    detail=None,
    MaskTable dt_masks=None,
    MaskTable gt_masks=None,
    pair_ious=None,
):
    """Match the groups ``[first, last)`` (see ``mm_coco_evaluate``).

    With ``dt_masks`` and ``gt_masks`` (one row per detection / gt column row) the IoU
    is that of the masks (iouType "segm"); with ``pair_ious``, a tuple
    ``(values, start)``, the IoUs are given (group ``g``'s kept detections in slot order
    by its ground truths, row-major, from ``values[start[g]]``: keypoints' OKS);
    otherwise the IoU is that of the boxes.

    ``dt_rows`` / ``gt_rows`` list, group by group, rows of the detection and gt
    columns. ``detail``, when given, is a tuple ``(slot_dtm, slot_dtig, gt_order, gt_gtm, gt_ig)``
    of arrays receiving what pycocotools keeps in ``evalImgs``.
    """
    cdef Py_ssize_t n_groups = dt_start.shape[0] - 1
    cdef Py_ssize_t n_dt = dt_rows.shape[0], n_gt = gt_rows.shape[0]
    cdef Py_ssize_t n_dt_rows = dt_area.shape[0], n_gt_rows = gt_area.shape[0]
    cdef Py_ssize_t n_slots = slot_score.shape[0]
    cdef Py_ssize_t n_thr = iou_thr.shape[0], n_area = area_rng.shape[0]
    _need(n_groups >= 0 and gt_start.shape[0] == n_groups + 1, "group offsets")
    _need(slot_start.shape[0] == n_groups + 1, "slot offsets")
    _need(0 <= first <= last <= n_groups, "group range")
    _need(area_rng.shape[1] == 2, "area ranges are [lo, hi] pairs")
    _need(dt_box.shape[0] == n_dt_rows and dt_box.shape[1] == 4, "dt boxes")
    _need(dt_score.shape[0] == n_dt_rows and dt_id.shape[0] == n_dt_rows, "dt columns")
    _need(gt_box.shape[0] == n_gt_rows and gt_box.shape[1] == 4, "gt boxes")
    _need(gt_id.shape[0] == n_gt_rows and gt_crowd.shape[0] == n_gt_rows, "gt columns")
    _need(gt_ignore.shape[0] == n_gt_rows, "gt ignore flags")
    _need(dt_start[0] == 0 and dt_start[n_groups] == n_dt, "dt offsets cover the detections")
    _need(gt_start[0] == 0 and gt_start[n_groups] == n_gt, "gt offsets cover the gts")
    _need(slot_start[0] == 0 and slot_start[n_groups] == n_slots, "slot offsets")
    _need(slot_det.shape[0] == n_slots, "slot_det")
    _need(slot_code.shape[0] == n_slots and slot_code.shape[1] == n_area
          and slot_code.shape[2] == n_thr, "slot_code shape")
    _need(group_npig.shape[0] == n_groups and group_npig.shape[1] == n_area, "group_npig")
    _need(group_nonempty.shape[0] == n_groups, "group_nonempty")
    cdef Py_ssize_t g, i
    cdef bint rows_ok = True
    with nogil:  # rows are trusted by the C loops: check every one once
        for i in range(n_dt):
            if dt_rows[i] < 0 or dt_rows[i] >= n_dt_rows:
                rows_ok = False
        for i in range(n_gt):
            if gt_rows[i] < 0 or gt_rows[i] >= n_gt_rows:
                rows_ok = False
    _need(rows_ok, "rows out of range")
    for g in range(first, last):
        # Offsets are trusted by the C loops, so check them once here.
        _need(dt_start[g] <= dt_start[g + 1] and gt_start[g] <= gt_start[g + 1],
              "offsets must not decrease")
        _need(slot_start[g + 1] - slot_start[g]
              == min(dt_start[g + 1] - dt_start[g], max_det), "slots = min(dets, max_det)")

    cdef mm_coco_params p
    p.n_thr = n_thr
    p.iou_thr = &iou_thr[0] if n_thr else NULL
    p.n_area = n_area
    p.area_rng = &area_rng[0, 0] if n_area else NULL
    p.max_det = max_det
    cdef mm_coco_groups inp
    cdef double dummy_d = 0.0
    cdef uint8_t dummy_u = 0
    cdef int64_t dummy_row = 0
    inp.dt_start = &dt_start[0]
    inp.dt_rows = &dt_rows[0] if n_dt else &dummy_row
    inp.dt_box = &dt_box[0, 0] if n_dt_rows else &dummy_d
    inp.dt_area = &dt_area[0] if n_dt_rows else &dummy_d
    inp.dt_score = &dt_score[0] if n_dt_rows else &dummy_d
    inp.dt_id = &dt_id[0] if n_dt_rows else &dummy_d
    inp.gt_start = &gt_start[0]
    inp.gt_rows = &gt_rows[0] if n_gt else &dummy_row
    inp.gt_box = &gt_box[0, 0] if n_gt_rows else &dummy_d
    inp.gt_area = &gt_area[0] if n_gt_rows else &dummy_d
    inp.gt_id = &gt_id[0] if n_gt_rows else &dummy_d
    inp.gt_crowd = &gt_crowd[0] if n_gt_rows else &dummy_u
    inp.gt_ignore = &gt_ignore[0] if n_gt_rows else &dummy_u
    inp.dt_rle = NULL
    inp.dt_rle_bb = NULL
    inp.dt_rle_area = NULL
    inp.gt_rle = NULL
    inp.gt_rle_bb = NULL
    inp.dt_rle_str = NULL
    inp.gt_rle_str = NULL
    inp.pair_iou = NULL
    inp.pair_start = NULL
    cdef const double[::1] pair_values
    cdef const int64_t[::1] pair_start
    if pair_ious is not None:
        _need(dt_masks is None, "given IoUs or masks, not both")
        pair_values, pair_start = pair_ious
        _need(pair_start.shape[0] == n_groups + 1 and pair_start[0] == 0, "pair offsets")
        for g in range(first, last):
            _need(pair_start[g + 1] - pair_start[g]
                  == (slot_start[g + 1] - slot_start[g]) * (gt_start[g + 1] - gt_start[g])
                  and pair_start[g + 1] <= pair_values.shape[0],
                  "given IoUs: kept detections x ground truths per group")
        inp.pair_iou = &pair_values[0] if pair_values.shape[0] else &dummy_d
        inp.pair_start = &pair_start[0]
    _need((dt_masks is None) == (gt_masks is None), "masks for both sides or neither")
    if dt_masks is not None:
        _need(dt_masks.n == n_dt_rows and gt_masks.n == n_gt_rows, "one mask per row")
        inp.dt_rle = dt_masks.rles
        inp.dt_rle_bb = &dt_masks._bb[0, 0] if n_dt_rows else &dummy_d
        inp.dt_rle_area = &dt_masks._area[0] if n_dt_rows else <const uint32_t *>NULL
        inp.gt_rle = gt_masks.rles
        inp.gt_rle_bb = &gt_masks._bb[0, 0] if n_gt_rows else &dummy_d
        inp.dt_rle_str = dt_masks.strs if dt_masks.has_strs else NULL
        inp.gt_rle_str = gt_masks.strs if gt_masks.has_strs else NULL
    cdef mm_coco_matches out
    cdef int64_t dummy_i = 0
    cdef int32_t dummy_i32 = 0
    out.slot_start = &slot_start[0]
    out.slot_score = &slot_score[0] if n_slots else &dummy_d
    out.slot_det = &slot_det[0] if n_slots else &dummy_i
    out.slot_code = &slot_code[0, 0, 0] if n_slots and n_thr and n_area else &dummy_u
    out.group_npig = &group_npig[0, 0] if n_groups and n_area else &dummy_i32
    out.group_nonempty = &group_nonempty[0] if n_groups else &dummy_u
    out.slot_dtm = NULL
    out.slot_dtig = NULL
    out.gt_order = NULL
    out.gt_gtm = NULL
    out.gt_ig = NULL
    cdef double[:, :, ::1] slot_dtm
    cdef uint8_t[:, :, ::1] slot_dtig
    cdef int64_t[:, ::1] gt_order
    cdef double[:, :, ::1] gt_gtm
    cdef uint8_t[:, ::1] gt_ig
    if detail is not None:
        slot_dtm, slot_dtig, gt_order, gt_gtm, gt_ig = detail
        _need(slot_dtm.shape[0] == n_area and slot_dtm.shape[1] == n_thr
              and slot_dtm.shape[2] == n_slots, "slot_dtm shape")
        _need(slot_dtig.shape[0] == n_area and slot_dtig.shape[1] == n_thr
              and slot_dtig.shape[2] == n_slots, "slot_dtig shape")
        _need(gt_order.shape[0] == n_area and gt_order.shape[1] == n_gt, "gt_order shape")
        _need(gt_gtm.shape[0] == n_area and gt_gtm.shape[1] == n_thr
              and gt_gtm.shape[2] == n_gt, "gt_gtm shape")
        _need(gt_ig.shape[0] == n_area and gt_ig.shape[1] == n_gt, "gt_ig shape")
        if n_slots and n_thr and n_area:
            out.slot_dtm = &slot_dtm[0, 0, 0]
            out.slot_dtig = &slot_dtig[0, 0, 0]
        if n_gt and n_area:
            out.gt_order = &gt_order[0, 0]
            out.gt_ig = &gt_ig[0, 0]
            if n_thr:
                out.gt_gtm = &gt_gtm[0, 0, 0]
    cdef int status
    with nogil:
        status = mm_coco_evaluate(&p, &inp, first, last, n_slots, n_gt, &out)
    if status == MM_COCO_ENOMEM:
        raise MemoryError("coco evaluate: out of memory")


def accumulate(
    const double[::1] rec_thr,
    const int64_t[::1] area_src,
    const int64_t[::1] out_a,
    const int64_t[::1] maxdet,
    const int64_t[::1] out_m,
    Py_ssize_t out_k,
    const double[::1] slot_score,
    const int32_t[::1] slot_rank,
    const uint8_t[:, :, ::1] slot_code,
    const uint8_t[::1] slot_selected,
    Py_ssize_t first,
    Py_ssize_t last,
    const int64_t[::1] npig,
    double[:, :, :, :, ::1] precision,
    double[:, :, :, ::1] recall,
    double[:, :, :, :, ::1] scores,
):
    """accumulate one category from its slots ``[first, last)`` (see ``mm_coco_accumulate``).

    Outputs are in pycocotools' layouts: precision and scores ``[T, R, K, A, M]``,
    recall ``[T, K, A, M]``.
    """
    cdef Py_ssize_t n_slots = slot_score.shape[0]
    cdef Py_ssize_t T = precision.shape[0], R = precision.shape[1], K = precision.shape[2]
    cdef Py_ssize_t A = precision.shape[3], M = precision.shape[4]
    cdef Py_ssize_t i
    _need(rec_thr.shape[0] == R, "recall thresholds")
    _need(recall.shape[0] == T and recall.shape[1] == K and recall.shape[2] == A
          and recall.shape[3] == M, "recall shape")
    _need(scores.shape[0] == T and scores.shape[1] == R and scores.shape[2] == K
          and scores.shape[3] == A and scores.shape[4] == M, "scores shape")
    _need(area_src.shape[0] == out_a.shape[0] == npig.shape[0], "area selections")
    _need(maxdet.shape[0] == out_m.shape[0], "maxDets selections")
    _need(slot_rank.shape[0] == n_slots and slot_selected.shape[0] == n_slots, "slot columns")
    _need(slot_code.shape[0] == n_slots and slot_code.shape[2] == T, "slot_code shape")
    _need(0 <= first <= last <= n_slots and 0 <= out_k < K, "slot range / category")
    for i in range(area_src.shape[0]):
        _need(0 <= area_src[i] < slot_code.shape[1] and 0 <= out_a[i] < A, "area index")
    for i in range(out_m.shape[0]):
        _need(0 <= out_m[i] < M, "maxDets index")
    if T == 0 or R == 0 or K == 0 or A == 0 or M == 0:
        return
    if area_src.shape[0] == 0 or out_m.shape[0] == 0:
        return
    cdef mm_coco_accum acc
    acc.n_thr = T
    acc.n_rec = R
    acc.rec_thr = &rec_thr[0]
    acc.rec_sorted = 1
    for i in range(1, R):
        if not rec_thr[i] >= rec_thr[i - 1]:
            acc.rec_sorted = 0
    acc.n_area = area_src.shape[0]
    acc.area_src = &area_src[0]
    acc.n_maxdet = out_m.shape[0]
    acc.maxdet = &maxdet[0]
    acc.out_m = &out_m[0]
    acc.out_a = &out_a[0]
    acc.out_k = out_k
    acc.K = K
    acc.A = A
    acc.M = M
    acc.precision = &precision[0, 0, 0, 0, 0]
    acc.recall = &recall[0, 0, 0, 0]
    acc.scores = &scores[0, 0, 0, 0, 0]
    cdef double dummy_d = 0.0
    cdef int32_t dummy_i = 0
    cdef uint8_t dummy_u = 0
    cdef const double *score_ptr = &slot_score[0] if n_slots else &dummy_d
    cdef const int32_t *rank_ptr = &slot_rank[0] if n_slots else &dummy_i
    cdef const uint8_t *code_ptr = &slot_code[0, 0, 0] if n_slots else &dummy_u
    cdef const uint8_t *sel_ptr = &slot_selected[0] if n_slots else &dummy_u
    cdef int status
    with nogil:
        status = mm_coco_accumulate(&acc, score_ptr, rank_ptr, code_ptr, sel_ptr,
                                    slot_code.shape[1], first, last, &npig[0])
    if status == MM_COCO_ENOMEM:
        raise MemoryError("coco accumulate: out of memory")


def group_order(const int64_t[::1] group, int64_t[::1] start, int64_t[::1] order):
    """Stable counting sort of `group` keys in ``[0, len(start) - 1)``.

    Writes the group offsets to `start` (``n_groups + 1``) and to `order` the indices
    that sort `group`, equal keys keeping their input order. Raises ValueError for a
    key outside the range.
    """
    cdef Py_ssize_t i, n = group.shape[0], n_groups = start.shape[0] - 1
    cdef int64_t g
    cdef bint in_range = True
    _need(n_groups >= 0 and order.shape[0] == n, "group_order shapes")
    with nogil:
        for i in range(n_groups + 1):
            start[i] = 0
        for i in range(n):
            g = group[i]
            if g < 0 or g >= n_groups:
                in_range = False
                break
            start[g + 1] += 1
        if in_range:
            for i in range(n_groups):
                start[i + 1] += start[i]
            for i in range(n):
                g = group[i]
                order[start[g]] = i
                start[g] += 1
            # start[g] now holds the end of group g: shift back to the starts.
            for i in range(n_groups, 0, -1):
                start[i] = start[i - 1]
            start[0] = 0
    _need(in_range, "group key out of range")


def balanced_bounds(
    const int64_t[::1] dt_start, const int64_t[::1] gt_start, int64_t max_det, Py_ssize_t parts
):
    """Group boundaries cutting the groups into at most `parts` runs of similar work.

    A group's work is ``d * (g + 1) + g + 1`` for its ``d`` kept detections (at most
    `max_det`) and ``g`` ground truths: its IoU pairs and annotations. Returns the
    sorted distinct boundaries, ``0`` and ``n_groups`` included. One pass over the
    offsets, no temporaries: LVIS has millions of (category, image) groups.
    """
    cdef Py_ssize_t n = dt_start.shape[0] - 1, g, m = 0, j = 1
    cdef int64_t d, t
    cdef double total = 0, acc = 0, target
    _need(n >= 0 and gt_start.shape[0] == n + 1, "balanced_bounds shapes")
    if parts <= 1 or n <= 1:
        return [0, max(n, 0)]
    cuts = np.empty(parts, np.int64)
    cdef int64_t[::1] c = cuts
    with nogil:
        for g in range(n):
            d = min(dt_start[g + 1] - dt_start[g], max_det)
            t = gt_start[g + 1] - gt_start[g]
            total += <double>(d * (t + 1) + t + 1)
        target = total * j / parts
        for g in range(n - 1):  # a cut after the last group is no cut
            d = min(dt_start[g + 1] - dt_start[g], max_det)
            t = gt_start[g + 1] - gt_start[g]
            acc += <double>(d * (t + 1) + t + 1)
            while j < parts and acc >= target:
                if m == 0 or c[m - 1] != g + 1:
                    c[m] = g + 1
                    m += 1
                j += 1
                target = total * j / parts
    return [0, *cuts[:m].tolist(), n]


def confusion(
    const int64_t[::1] gt_start,
    const int64_t[::1] gt_cls,
    const double[:, ::1] gt_box,
    const uint8_t[::1] gt_crowd,
    const int64_t[::1] dt_start,
    const int64_t[::1] dt_cls,
    const double[:, ::1] dt_box,
    double iou_thr,
    int64_t[:, ::1] matrix,
    MaskTable gt_masks=None,
    const int64_t[::1] gt_rows=None,
    MaskTable dt_masks=None,
    const int64_t[::1] dt_rows=None,
):
    """Accumulate the detection confusion matrix (see ``mm_coco_confusion``).

    With masks, gt ``i`` is row ``gt_rows[i]`` of ``gt_masks`` (likewise for the
    detections) and IoUs are mask IoUs.
    """
    cdef Py_ssize_t n_images = gt_start.shape[0] - 1
    cdef Py_ssize_t n_cls = matrix.shape[0] - 1
    cdef Py_ssize_t n_gt = gt_cls.shape[0], n_dt = dt_cls.shape[0], i
    cdef double dummy_d = 0.0
    cdef int64_t dummy_i = 0
    cdef uint8_t dummy_u = 0
    cdef int status
    _need(n_images >= 0 and dt_start.shape[0] == n_images + 1, "image offsets")
    _need(matrix.shape[1] == n_cls + 1 and n_cls >= 0, "matrix shape")
    _need(gt_box.shape[0] == n_gt and gt_box.shape[1] == 4 and gt_crowd.shape[0] == n_gt,
          "gt columns")
    _need(dt_box.shape[0] == n_dt and dt_box.shape[1] == 4, "dt columns")
    _need(gt_start[0] == 0 and gt_start[n_images] == n_gt, "gt offsets")
    _need(dt_start[0] == 0 and dt_start[n_images] == n_dt, "dt offsets")
    for i in range(n_images):
        _need(gt_start[i] <= gt_start[i + 1] and dt_start[i] <= dt_start[i + 1], "offsets")
    for i in range(n_gt):
        _need(0 <= gt_cls[i] < n_cls, "gt class index")
    for i in range(n_dt):
        _need(0 <= dt_cls[i] < n_cls, "dt class index")
    cdef mm_coco_masks masks
    cdef mm_coco_masks *mp = NULL
    cdef mm_rle *g_rle = NULL
    cdef mm_rle *d_rle = NULL
    cdef mm_rle_str *g_str = NULL
    cdef mm_rle_str *d_str = NULL
    cdef double[:, ::1] g_bb
    cdef double[:, ::1] d_bb
    cdef uint32_t[::1] d_area
    _need((gt_masks is None) == (dt_masks is None), "masks for both sides or neither")
    if gt_masks is not None:
        _need(gt_rows is not None and gt_rows.shape[0] == n_gt, "gt mask rows")
        _need(dt_rows is not None and dt_rows.shape[0] == n_dt, "dt mask rows")
        for i in range(n_gt):
            _need(0 <= gt_rows[i] < gt_masks.n, "gt mask rows")
        for i in range(n_dt):
            _need(0 <= dt_rows[i] < dt_masks.n, "dt mask rows")
        g_bb = np.ascontiguousarray(np.asarray(gt_masks.bbox)[np.asarray(gt_rows)])
        d_bb = np.ascontiguousarray(np.asarray(dt_masks.bbox)[np.asarray(dt_rows)])
        d_area = np.ascontiguousarray(np.asarray(dt_masks.area)[np.asarray(dt_rows)])
        g_rle = <mm_rle *>malloc((n_gt if n_gt else 1) * sizeof(mm_rle))
        d_rle = <mm_rle *>malloc((n_dt if n_dt else 1) * sizeof(mm_rle))
        if g_rle == NULL or d_rle == NULL:
            free(g_rle)
            free(d_rle)
            raise MemoryError()
        g_str = <mm_rle_str *>malloc((n_gt if n_gt else 1) * sizeof(mm_rle_str))
        d_str = <mm_rle_str *>malloc((n_dt if n_dt else 1) * sizeof(mm_rle_str))
        if g_str == NULL or d_str == NULL:
            free(g_rle)
            free(d_rle)
            free(g_str)
            free(d_str)
            raise MemoryError()
        for i in range(n_gt):
            g_rle[i] = gt_masks.rles[gt_rows[i]]
            g_str[i] = gt_masks.strs[gt_rows[i]]
        for i in range(n_dt):
            d_rle[i] = dt_masks.rles[dt_rows[i]]
            d_str[i] = dt_masks.strs[dt_rows[i]]
        masks.gt_str = g_str
        masks.dt_str = d_str
        masks.gt = g_rle
        masks.gt_bb = &g_bb[0, 0] if n_gt else &dummy_d
        masks.dt = d_rle
        masks.dt_bb = &d_bb[0, 0] if n_dt else &dummy_d
        masks.dt_area = &d_area[0] if n_dt else NULL
        mp = &masks
    try:
        with nogil:
            status = mm_coco_confusion(
                n_images, &gt_start[0], &gt_cls[0] if n_gt else &dummy_i,
                &gt_box[0, 0] if n_gt else &dummy_d, &gt_crowd[0] if n_gt else &dummy_u,
                &dt_start[0], &dt_cls[0] if n_dt else &dummy_i,
                &dt_box[0, 0] if n_dt else &dummy_d, mp, iou_thr, n_cls, &matrix[0, 0],
            )
    finally:
        free(g_rle)
        free(d_rle)
        free(g_str)
        free(d_str)
    if status == MM_COCO_ENOMEM:
        raise MemoryError("coco confusion: out of memory")


def release_free_memory():
    """Give the memory malloc holds free back to the system (glibc's ``malloc_trim``;
    nothing elsewhere). Scratch that worker threads freed stays in their own arenas,
    where the main thread's later allocations cannot reuse it: after large parallel
    stages this keeps peak memory near the one-thread figure (about 20 MiB less on a
    dense segm evaluation with 2 threads) for about a millisecond."""
    with nogil:
        mm_release_free_memory()


cdef class OksGroups:
    """pycocotools' ``computeOks`` for every (image, category) group, in two steps
    around numpy's exponential (``mm_oks.h``): :meth:`terms` writes ``-e`` for each
    (ground truth, kept detection, keypoint), the caller applies ``np.exp`` in place,
    :meth:`similarity` averages them into each group's ``n_kept x n_gt`` matrix.

    Rows: ``gt_kp`` / ``dt_kp`` are ``(n, 3 k)`` keypoints of the annotation columns,
    ``gt_box`` / ``gt_area`` the ground truths' boxes and areas, ``gt_terms`` each
    ground truth's number of terms (visible keypoints, or ``k`` when none is). Groups:
    ``gt_rows[gt_start[g]:gt_start[g + 1]]``, ``kept_rows[kept_start[g]:kept_start[g + 1]]``
    (slot order). ``term_start`` / ``pair_start`` give each group's offsets.
    """
    cdef mm_oks_groups g
    cdef Py_ssize_t _n_groups, _n_terms, _n_pairs
    cdef object keep  # the arrays the pointers point into

    def __cinit__(self, const double[::1] variances, const double[:, ::1] gt_kp,
                  const double[:, ::1] gt_box, const double[::1] gt_area,
                  const int64_t[::1] gt_terms, const double[:, ::1] dt_kp,
                  const int64_t[::1] gt_start, const int64_t[::1] gt_rows,
                  const int64_t[::1] kept_start, const int64_t[::1] kept_rows,
                  const int64_t[::1] term_start, const int64_t[::1] pair_start):
        cdef Py_ssize_t k = variances.shape[0], i, g, n_gt_rows = gt_kp.shape[0]
        cdef Py_ssize_t n_dt_rows = dt_kp.shape[0]
        cdef int64_t terms, nk, ng
        self._n_groups = gt_start.shape[0] - 1
        _need(k > 0 and gt_kp.shape[1] == 3 * k and dt_kp.shape[1] == 3 * k, "3 k keypoints")
        _need(gt_box.shape[0] == n_gt_rows and gt_box.shape[1] == 4
              and gt_area.shape[0] == n_gt_rows and gt_terms.shape[0] == n_gt_rows,
              "gt columns")
        _need(self._n_groups >= 0 and kept_start.shape[0] == self._n_groups + 1
              and term_start.shape[0] == self._n_groups + 1
              and pair_start.shape[0] == self._n_groups + 1, "group offsets")
        _need(gt_start[0] == 0 and gt_start[self._n_groups] == gt_rows.shape[0]
              and kept_start[0] == 0 and kept_start[self._n_groups] == kept_rows.shape[0]
              and term_start[0] == 0 and pair_start[0] == 0, "offsets cover the rows")
        for i in range(gt_rows.shape[0]):
            _need(0 <= gt_rows[i] < n_gt_rows, "gt rows in range")
        for i in range(kept_rows.shape[0]):
            _need(0 <= kept_rows[i] < n_dt_rows, "detection rows in range")
        for i in range(n_gt_rows):
            _need(1 <= gt_terms[i] <= k, "terms per ground truth")
        for g in range(self._n_groups):
            _need(gt_start[g] <= gt_start[g + 1] and kept_start[g] <= kept_start[g + 1],
                  "offsets must not decrease")
            nk = kept_start[g + 1] - kept_start[g]
            ng = gt_start[g + 1] - gt_start[g]
            terms = 0
            for i in range(gt_start[g], gt_start[g + 1]):
                terms += gt_terms[gt_rows[i]]
            _need(term_start[g + 1] - term_start[g] == (nk * terms if ng else 0)
                  and pair_start[g + 1] - pair_start[g] == nk * ng, "group sizes")
        self._n_terms = term_start[self._n_groups]
        self._n_pairs = pair_start[self._n_groups]
        self.keep = (variances, gt_kp, gt_box, gt_area, gt_terms, dt_kp, gt_start, gt_rows,
                     kept_start, kept_rows, term_start, pair_start)
        cdef double dummy_d = 0.0
        cdef int64_t dummy_i = 0
        self.g.k = k
        self.g.variances = &variances[0]
        self.g.gt_kp = &gt_kp[0, 0] if n_gt_rows else &dummy_d
        self.g.gt_box = &gt_box[0, 0] if n_gt_rows else &dummy_d
        self.g.gt_area = &gt_area[0] if n_gt_rows else &dummy_d
        self.g.gt_terms = &gt_terms[0] if n_gt_rows else &dummy_i
        self.g.dt_kp = &dt_kp[0, 0] if n_dt_rows else &dummy_d
        self.g.gt_start = &gt_start[0]
        self.g.gt_rows = &gt_rows[0] if gt_rows.shape[0] else &dummy_i
        self.g.kept_start = &kept_start[0]
        self.g.kept_rows = &kept_rows[0] if kept_rows.shape[0] else &dummy_i
        self.g.term_start = &term_start[0]
        self.g.pair_start = &pair_start[0]
        # Empty arrays' pointers are never read: every loop is bounded by the offsets.

    def __init__(self, *args):
        pass  # everything happens in __cinit__, which gets the same arguments

    def terms(self, double[::1] out, Py_ssize_t first, Py_ssize_t last):
        """Write groups [first, last)'s ``-e`` terms into `out` (``n_terms`` long)."""
        _need(out.shape[0] == self._n_terms and 0 <= first <= last <= self._n_groups,
              "terms output and group range")
        cdef double dummy = 0.0
        cdef double *p = &out[0] if self._n_terms else &dummy
        with nogil:
            mm_oks_terms(&self.g, first, last, p)

    def similarity(self, const double[::1] exp_terms, double[::1] out, Py_ssize_t first,
                   Py_ssize_t last):
        """Groups [first, last)'s similarities from ``exp(-e)`` into `out`."""
        _need(exp_terms.shape[0] == self._n_terms and out.shape[0] == self._n_pairs
              and 0 <= first <= last <= self._n_groups, "similarity arrays and group range")
        cdef double dummy = 0.0
        cdef double dummy_out = 0.0
        cdef const double *t = &exp_terms[0] if self._n_terms else &dummy
        cdef double *o = &out[0] if self._n_pairs else &dummy_out
        with nogil:
            mm_oks_similarity(&self.g, first, last, t, o)

    @property
    def n_terms(self):
        return self._n_terms

    @property
    def n_pairs(self):
        return self._n_pairs


def np_sum(const double[::1] a):
    """numpy's pairwise ``np.sum`` of `a` (``mm_np_sum``; for tests)."""
    cdef double dummy = 0.0
    return mm_np_sum(&a[0] if a.shape[0] else &dummy, a.shape[0])
