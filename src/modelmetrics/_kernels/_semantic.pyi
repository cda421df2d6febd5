from typing import Any

import numpy as np
from numpy.typing import NDArray

def ext_size(n_classes: int) -> int: ...
def count(
    pred: NDArray[Any],  # const pred_t[::1]: uint8/uint16/int32/int64 labels or float32/64 scores
    target: NDArray[Any],  # const label_t[::1]: uint8/uint16/int32/int64
    n_images: int,
    n_classes: int,
    has_ignore: bool,
    ignore: int,  # int64_t
    first: int,
    last: int,
    ext: NDArray[np.int64],  # int64_t[:, ::1] of (n_classes + 2, n_classes + 1), in place
) -> bool: ...
def count_images(
    pred: NDArray[Any],  # const pred_t[::1]
    target: NDArray[Any],  # const label_t[::1]
    n_images: int,
    n_classes: int,
    has_ignore: bool,
    ignore: int,  # int64_t
    first_image: int,
    last_image: int,
    ext: NDArray[np.int64],  # int64_t[:, ::1], in place
    stats: NDArray[np.int64],  # int64_t[:, :, ::1] of (n_images, 3, n_classes), written
) -> bool: ...
