from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

def box_iou(
    dt: NDArray[np.float64],  # const double[:, ::1], (n_dt, 4) xywh
    gt: NDArray[np.float64],  # const double[:, ::1], (n_gt, 4) xywh
    crowd: NDArray[np.uint8],  # const uint8_t[::1], (n_gt,)
    out: NDArray[np.float64],  # double[:, ::1], (n_dt, n_gt), written in place
) -> None: ...

@disjoint_base
class MaskTable:
    counts: Any
    starts: Any
    hw: Any
    bbox: Any
    area: Any
    str_blob: Any
    str_at: Any
    str_len: Any
    def __init__(
        self,
        counts: NDArray[np.uint32],  # const uint32_t[::1]
        starts: NDArray[np.int64],  # const int64_t[::1] (n + 1,)
        hw: NDArray[np.uint32],  # const uint32_t[:, ::1] (n, 2)
        bbox: NDArray[np.float64],  # const double[:, ::1] (n, 4)
        area: NDArray[np.uint32],  # const uint32_t[::1] (n,)
        str_blob: NDArray[np.uint8],  # const uint8_t[::1], every string
        str_at: NDArray[np.int64],  # const int64_t[::1] (n,)
        str_len: NDArray[np.int64],  # const int64_t[::1] (n,), -1: no string
        validated: bool = False,
    ) -> None: ...
    def __len__(self) -> int: ...

def evaluate(
    iou_thr: NDArray[np.float64],  # const double[::1] (T,)
    area_rng: NDArray[np.float64],  # const double[:, ::1] (A, 2)
    max_det: int,
    dt_start: NDArray[np.int64],  # const int64_t[::1] (n_groups + 1,)
    dt_rows: NDArray[np.int64],  # const int64_t[::1], rows of the dt columns by group
    dt_box: NDArray[np.float64],  # const double[:, ::1] (n_dt, 4)
    dt_area: NDArray[np.float64],  # const double[::1]
    dt_score: NDArray[np.float64],  # const double[::1]
    dt_id: NDArray[np.float64],  # const double[::1]
    gt_start: NDArray[np.int64],  # const int64_t[::1] (n_groups + 1,)
    gt_rows: NDArray[np.int64],  # const int64_t[::1], rows of the gt columns by group
    gt_box: NDArray[np.float64],  # const double[:, ::1] (n_gt, 4)
    gt_area: NDArray[np.float64],  # const double[::1]
    gt_id: NDArray[np.float64],  # const double[::1]
    gt_crowd: NDArray[np.uint8],  # const uint8_t[::1]
    gt_ignore: NDArray[np.uint8],  # const uint8_t[::1]
    slot_start: NDArray[np.int64],  # const int64_t[::1] (n_groups + 1,)
    slot_score: NDArray[np.float64],  # double[::1] (n_slots,), written
    slot_det: NDArray[np.int64],  # int64_t[::1] (n_slots,), written
    slot_code: NDArray[np.uint8],  # uint8_t[:, :, ::1] (n_slots, A, T), written
    group_npig: NDArray[np.int32],  # int32_t[:, ::1] (n_groups, A), written
    group_nonempty: NDArray[np.uint8],  # uint8_t[::1] (n_groups,), written
    first: int,
    last: int,
    detail: tuple[Any, ...] | None = None,
    dt_masks: MaskTable | None = None,
    gt_masks: MaskTable | None = None,
    pair_ious: tuple[NDArray[np.float64], NDArray[np.int64]] | None = None,
) -> None: ...
def mask_iou(
    dt: MaskTable,
    dt_rows: NDArray[np.int64],  # const int64_t[::1]
    gt: MaskTable,
    gt_rows: NDArray[np.int64],  # const int64_t[::1]
    crowd: NDArray[np.uint8],  # const uint8_t[::1] (len(gt_rows),)
    out: NDArray[np.float64],  # double[:, ::1] (len(dt_rows), len(gt_rows)), written
) -> None: ...
def accumulate(
    rec_thr: NDArray[np.float64],  # const double[::1] (R,)
    area_src: NDArray[np.int64],  # const int64_t[::1]
    out_a: NDArray[np.int64],  # const int64_t[::1]
    maxdet: NDArray[np.int64],  # const int64_t[::1]
    out_m: NDArray[np.int64],  # const int64_t[::1]
    out_k: int,
    slot_score: NDArray[np.float64],  # const double[::1]
    slot_rank: NDArray[np.int32],  # const int32_t[::1]
    slot_code: NDArray[np.uint8],  # const uint8_t[:, :, ::1] (n_slots, A_eval, T)
    slot_selected: NDArray[np.uint8],  # const uint8_t[::1]
    first: int,
    last: int,
    npig: NDArray[np.int64],  # const int64_t[::1]
    precision: NDArray[np.float64],  # double[:, :, :, :, ::1] (T, R, K, A, M), written
    recall: NDArray[np.float64],  # double[:, :, :, ::1] (T, K, A, M), written
    scores: NDArray[np.float64],  # double[:, :, :, :, ::1] (T, R, K, A, M), written
) -> None: ...
def group_order(
    group: NDArray[np.int64],  # const int64_t[::1], keys in [0, n_groups)
    start: NDArray[np.int64],  # int64_t[::1] (n_groups + 1,), written
    order: NDArray[np.int64],  # int64_t[::1] (n,), written
) -> None: ...
def balanced_bounds(
    dt_start: NDArray[np.int64],  # const int64_t[::1] (n_groups + 1,)
    gt_start: NDArray[np.int64],  # const int64_t[::1] (n_groups + 1,)
    max_det: int,
    parts: int,
) -> list[int]: ...
def confusion(
    gt_start: NDArray[np.int64],  # const int64_t[::1] (n_images + 1,)
    gt_cls: NDArray[np.int64],  # const int64_t[::1], class index per gt
    gt_box: NDArray[np.float64],  # const double[:, ::1] (n_gt, 4) xywh
    gt_crowd: NDArray[np.uint8],  # const uint8_t[::1]
    dt_start: NDArray[np.int64],  # const int64_t[::1] (n_images + 1,)
    dt_cls: NDArray[np.int64],  # const int64_t[::1], class index per detection
    dt_box: NDArray[np.float64],  # const double[:, ::1] (n_dt, 4) xywh, score order per image
    iou_thr: float,
    matrix: NDArray[np.int64],  # int64_t[:, ::1] (n_cls + 1, n_cls + 1), accumulated
    gt_masks: MaskTable | None = None,
    gt_rows: NDArray[np.int64] | None = None,  # const int64_t[::1] (n_gt,)
    dt_masks: MaskTable | None = None,
    dt_rows: NDArray[np.int64] | None = None,  # const int64_t[::1] (n_dt,)
) -> None: ...
def release_free_memory() -> None: ...

@disjoint_base
class OksGroups:
    def __init__(
        self,
        variances: NDArray[np.float64],
        gt_kp: NDArray[np.float64],
        gt_box: NDArray[np.float64],
        gt_area: NDArray[np.float64],
        gt_terms: NDArray[np.int64],
        dt_kp: NDArray[np.float64],
        gt_start: NDArray[np.int64],
        gt_rows: NDArray[np.int64],
        kept_start: NDArray[np.int64],
        kept_rows: NDArray[np.int64],
        term_start: NDArray[np.int64],
        pair_start: NDArray[np.int64],
    ) -> None: ...
    def terms(self, out: NDArray[np.float64], first: int, last: int) -> None: ...
    def similarity(
        self, exp_terms: NDArray[np.float64], out: NDArray[np.float64], first: int, last: int
    ) -> None: ...
    @property
    def n_terms(self) -> int: ...
    @property
    def n_pairs(self) -> int: ...

def np_sum(a: NDArray[np.float64]) -> float: ...
