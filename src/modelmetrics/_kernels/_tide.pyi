import numpy as np
from numpy.typing import NDArray

def classify(
    det_start: NDArray[np.int64],  # const int64_t[::1] (n_images + 1,)
    det_class: NDArray[np.int64],  # const int64_t[::1] (n_det,)
    gt_start: NDArray[np.int64],  # const int64_t[::1] (n_images + 1,)
    gt_class: NDArray[np.int64],  # const int64_t[::1] (n_gt,)
    crowd_start: NDArray[np.int64],  # const int64_t[::1] (n_images + 1,)
    crowd_class: NDArray[np.int64],  # const int64_t[::1] (n_crowd,)
    any_class: int,  # int64_t
    boxes: bool,
    dt_box: NDArray[np.float64],  # const double[::1] (4 n_det,), read if boxes
    gt_box: NDArray[np.float64],  # const double[::1] (4 n_gt,)
    crowd_box: NDArray[np.float64],  # const double[::1] (4 n_crowd,)
    iou: NDArray[np.float64],  # const double[::1], per-image blocks, read unless boxes
    iou_start: NDArray[np.int64],  # const int64_t[::1] (n_images,)
    crowd_iou: NDArray[np.float64],  # const double[::1]
    crowd_iou_start: NDArray[np.int64],  # const int64_t[::1] (n_images,)
    pos: float,
    bg: float,
    first_image: int,
    last_image: int,
    det_match: NDArray[np.int64],  # int64_t[::1] (n_det,), written
    det_ignored: NDArray[np.uint8],  # uint8_t[::1] (n_det,), written
    det_error: NDArray[np.uint8],  # uint8_t[::1] (n_det,), written
    det_target: NDArray[np.int64],  # int64_t[::1] (n_det,), written
    gt_used: NDArray[np.uint8],  # uint8_t[::1] (n_gt,), zeros, written
) -> None: ...
