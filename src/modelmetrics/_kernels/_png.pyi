import numpy as np
from numpy.typing import NDArray

def unfilter(
    data: NDArray[np.uint8],  # const uint8_t[::1]: filter byte + scanline, per row
    bpp: int,
    out: NDArray[np.uint8],  # uint8_t[:, ::1] of (height, row_bytes), written
) -> int: ...
