from typing import Any

import numpy as np
from numpy.typing import NDArray

# Label arrays: any of int8/16/32/64 or uint8/16/32/64, the same dtype for both.
_Labels = NDArray[np.integer]

def count_pairs(
    y_true: _Labels,  # const label_t[::1]
    y_pred: _Labels,  # const label_t[::1]
    table: NDArray[np.int64],  # int64_t[:, ::1], accumulated in place
    offset: int = 0,  # int64_t
) -> bool: ...
def count_pairs_weighted(
    y_true: _Labels,  # const label_t[::1]
    y_pred: _Labels,  # const label_t[::1]
    # weight_t is int64 or float64, the same for the four arrays below.
    weight: NDArray[Any],  # const weight_t[::1]
    table: NDArray[Any],  # weight_t[:, ::1], in place
    true_sum: NDArray[Any],  # weight_t[::1], in place
    pred_sum: NDArray[Any],  # weight_t[::1], in place
    offset: int = 0,  # int64_t
) -> bool: ...
def count_equal(
    y_true: _Labels,  # const label_t[::1]
    y_pred: _Labels,  # const label_t[::1]
) -> int: ...
def weighted_hits(
    hit: NDArray[np.uint8],  # const uint8_t[::1]
    weight: NDArray[np.float64],  # const double[::1]
) -> float: ...
def label_presence(
    y: _Labels,  # const label_t[::1]
    present: NDArray[np.uint8],  # uint8_t[::1], set in place
    offset: int = 0,  # int64_t
) -> bool: ...
