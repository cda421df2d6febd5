import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

@disjoint_base
class CocoBootstrap:
    n_images: int
    n_categories: int
    n_areas: int
    n_thresholds: int
    n_max_detections: int
    def __init__(
        self,
        n_images: int,  # Py_ssize_t
        cat_start: NDArray[np.int64],  # const int64_t[::1], K + 1
        slot_image: NDArray[np.int32],  # const int32_t[::1]
        slot_rank: NDArray[np.int32],  # const int32_t[::1]
        slot_code: NDArray[np.uint8],  # const uint8_t[:, :, ::1], (n_slots, A, T)
        group_start: NDArray[np.int64],  # const int64_t[::1], K + 1
        group_image: NDArray[np.int32],  # const int32_t[::1]
        group_npig: NDArray[np.int64],  # const int64_t[:, ::1], (n_groups, A)
        group_nonempty: NDArray[np.uint8],  # const uint8_t[::1]
        maxdet: NDArray[np.int64],  # const int64_t[::1], ascending
        rec_thr: NDArray[np.float64],  # const double[::1]
    ) -> None: ...
    def run(
        self,
        weights: NDArray[np.int32],  # const int32_t[:, ::1], (n_res, n_images)
        prec_sum: NDArray[np.float64],  # double[:, ::1], (n_res, K * A * T), written
        recall: NDArray[np.float64],  # double[:, ::1], (n_res, K * A * M * T), written
    ) -> None: ...
