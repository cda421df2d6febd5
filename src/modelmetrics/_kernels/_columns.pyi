import numpy as np
from numpy.typing import NDArray

def extract(
    anns: list[dict[str, object]],
    results: bool,
    image_id: NDArray[np.int64],  # int64_t[::1], written
    category_id: NDArray[np.int64],  # int64_t[::1], written
    ann_id: NDArray[np.int64],  # int64_t[::1], written
    bbox: NDArray[np.float64],  # double[:, ::1] (n, 4), written
    area: NDArray[np.float64],  # double[::1], written
    score: NDArray[np.float64],  # double[::1], written (results only)
    crowd: NDArray[np.uint8],  # uint8_t[::1], written (ground truth only)
    ignore: NDArray[np.uint8],  # uint8_t[::1], written (ground truth only)
) -> str | tuple[int, str, str] | None: ...
