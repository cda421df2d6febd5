import numpy as np
from numpy.typing import NDArray

# Score arrays: float64, float32, int64 or uint64 (one fused kernel per dtype).
_Scores = NDArray[np.float64] | NDArray[np.float32] | NDArray[np.int64] | NDArray[np.uint64]
_U64 = NDArray[np.uint64]
_F64 = NDArray[np.float64]

def max_runs() -> int: ...
def sort_keys(
    scores: _Scores,  # const score_t[::1]
    keys: _U64,  # uint64_t[::1], written
    descending: bool,
) -> None: ...
def split_by_label(
    scores: _Scores,  # const score_t[::1]
    is_pos: NDArray[np.uint8],  # const uint8_t[::1]
    pos_keys: _U64,  # uint64_t[::1], written (one spare slot)
    neg_keys: _U64,  # uint64_t[::1], written (one spare slot)
) -> tuple[int, int, int]: ...
def split_by_label_weighted(
    scores: _Scores,  # const score_t[::1]
    is_pos: NDArray[np.uint8],  # const uint8_t[::1]
    weights: _F64,  # const double[::1]
    pos_keys: _U64,  # uint64_t[::1], written (one spare slot)
    pos_weights: _F64,  # double[::1], written (one spare slot)
    neg_keys: _U64,  # uint64_t[::1], written (one spare slot)
    neg_weights: _F64,  # double[::1], written (one spare slot)
) -> tuple[int, int, int]: ...
def radix_sort(
    keys: _U64,  # uint64_t[::1], scratch
    vals: _U64,  # uint64_t[::1], scratch (empty: keys only)
    keys_tmp: _U64,  # uint64_t[::1], scratch
    vals_tmp: _U64,  # uint64_t[::1], scratch
) -> bool: ...
def merge_runs(
    a_keys: _U64,  # const uint64_t[::1]
    a_vals: _U64,  # const uint64_t[::1] (empty: keys only)
    b_keys: _U64,  # const uint64_t[::1]
    b_vals: _U64,  # const uint64_t[::1] (empty: keys only)
    out_keys: _U64,  # uint64_t[::1], written
    out_vals: _U64,  # uint64_t[::1], written (empty: keys only)
) -> None: ...
def curve(
    pos_keys: list[_U64],  # list of const uint64_t[::1]
    pos_weights: list[_F64] | None,  # list of const double[::1], or None to count
    neg_keys: list[_U64],  # list of const uint64_t[::1]
    neg_weights: list[_F64] | None,  # list of const double[::1], or None to count
    tps: _F64,  # double[::1], written
    fps: _F64,  # double[::1], written
    keys_out: _U64,  # uint64_t[::1], written (empty: not wanted)
) -> int: ...
def roc_auc_runs(
    pos_keys: list[_U64],  # list of const uint64_t[::1]
    neg_keys: list[_U64],  # list of const uint64_t[::1]
    drop_intermediate: bool,
) -> float: ...
def average_precision_runs(
    pos_keys: list[_U64],  # list of const uint64_t[::1]
    neg_keys: list[_U64],  # list of const uint64_t[::1]
) -> float: ...
def roc_curve_points(
    tps: _F64,  # const double[::1]
    fps: _F64,  # const double[::1]
    keys: _U64,  # const uint64_t[::1]
    drop_intermediate: bool,
    divide_fps: bool,
    divide_tps: bool,
    fpr: _F64,  # double[::1], written
    tpr: _F64,  # double[::1], written
    keys_out: _U64,  # uint64_t[::1], written
) -> int: ...
def pr_curve_points(
    tps: _F64,  # const double[::1]
    fps: _F64,  # const double[::1]
    keys: _U64,  # const uint64_t[::1]
    drop_intermediate: bool,
    precision: _F64,  # double[::1], written
    recall: _F64,  # double[::1], written
    keys_out: _U64,  # uint64_t[::1], written
) -> int: ...
def decode_desc_keys(
    keys: _U64,  # const uint64_t[::1]
    out: _Scores,  # score_t[::1], written
    negative_zero: bool,
) -> None: ...
def roc_auc_from_curve(
    tps: _F64,  # const double[::1]
    fps: _F64,  # const double[::1]
    drop_intermediate: bool,
) -> float: ...
def average_precision_from_curve(
    tps: _F64,  # const double[::1]
    fps: _F64,  # const double[::1]
) -> float: ...
