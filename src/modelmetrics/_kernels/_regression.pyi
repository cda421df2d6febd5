import numpy as np
from numpy.typing import NDArray

N_STATS: int
STATS: tuple[str, ...]

def moments_n_chunks(n_rows: int, n_cols: int) -> int: ...
def moments_chunks(
    y_true: NDArray[np.float64],  # const double[:, :] (any strides, same as y_pred)
    y_pred: NDArray[np.float64],  # const double[:, :]
    weight: NDArray[np.float64] | None,  # const double[::1]
    threshold: float,
    first: int,
    last: int,
    out: NDArray[np.float64],  # double[:, :, ::1], chunks first..last-1 written
) -> None: ...
def moments_reduce(
    chunks: NDArray[np.float64],  # double[:, :, ::1], reduced into chunks[0]
) -> None: ...
def moments_merge(
    state: NDArray[np.float64],  # double[:, ::1], merged in place
    other: NDArray[np.float64],  # const double[:, ::1]
) -> None: ...
