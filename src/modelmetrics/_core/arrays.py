"""Input (data) checks shared by every public function.

Each helper names the offending argument in its message and raises only ``ValueError``
or ``TypeError``, so a caller can always tell which input was wrong and why. Helpers
return C-contiguous numpy arrays ready for the compiled kernels. Parameters (settings
such as thresholds and options) are checked by :mod:`modelmetrics._core.checks`.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_array",
    "check_consistent_length",
    "check_dense_size",
    "check_finite",
    "check_sample_weight",
    "column_or_1d",
    "num_samples",
    "sorted_unique",
]


def as_array(name: str, value: ArrayLike, *, dtype: Any = None) -> NDArray[Any]:
    """Convert `value` to a numpy array, turning conversion failures into clear errors.

    Ragged nested sequences become object arrays (as scikit-learn's ``check_array``
    falls back to), strings stay strings, and sparse matrices are rejected.
    """
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be array-like, got a {type(value).__name__}: {value!r}")
    if hasattr(value, "toarray") and hasattr(value, "nnz"):
        raise TypeError(f"{name}: sparse input is not supported here; pass a dense array")
    if value is None:
        raise TypeError(f"{name} must be array-like, got None")
    try:
        arr = np.asarray(value, dtype=dtype)
    except ValueError as exc:
        if dtype is not None:
            raise ValueError(f"{name} could not be converted to {np.dtype(dtype)}: {exc}") from exc
        # Ragged input: keep it as objects, the caller decides whether that is allowed.
        arr = np.empty(len(value), dtype=object)  # type: ignore[arg-type]
        arr[:] = list(cast("Sequence[Any]", value))
    except TypeError as exc:
        raise TypeError(f"{name} could not be converted to an array: {exc}") from exc
    if arr.dtype.kind == "c":
        raise ValueError(f"{name}: complex data is not supported")
    if arr.dtype.kind == "V":
        raise TypeError(f"{name}: structured arrays are not supported")
    return arr


def num_samples(name: str, arr: NDArray[Any]) -> int:
    """Length of the first axis of `arr`; a 0-d array has none."""
    if arr.ndim == 0:
        raise TypeError(f"{name} must be array-like with at least one dimension, got a scalar")
    return int(arr.shape[0])


def check_consistent_length(**arrays: NDArray[Any] | None) -> int:
    """Check that all given arrays have the same number of samples and return it.

    Raises
    ------
    ValueError
        Naming each argument and its length when they differ.
    """
    lengths = {name: num_samples(name, arr) for name, arr in arrays.items() if arr is not None}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {detail}")
    return next(iter(lengths.values()), 0)


def column_or_1d(name: str, arr: NDArray[Any]) -> NDArray[Any]:
    """Return `arr` as a contiguous 1-D array, accepting a single column.

    Raises
    ------
    ValueError
        If `arr` is neither of shape ``(n,)`` nor ``(n, 1)``.
    """
    if arr.ndim == 1:
        return np.ascontiguousarray(arr)
    if arr.ndim == 2 and arr.shape[1] == 1:
        return np.ascontiguousarray(arr[:, 0])
    raise ValueError(f"{name} should be a 1d array, got an array of shape {arr.shape} instead.")


def check_finite(name: str, arr: NDArray[Any]) -> None:
    """Raise ``ValueError`` if a floating `arr` holds NaN or infinity, naming the position."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    # One reduction for the common clean case; locate the culprit only on failure.
    total = np.add.reduce(arr, axis=None)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(arr)
    if not bad.any():  # the sum overflowed, the values are fine
        return
    first = np.unravel_index(int(np.argmax(bad)), arr.shape)
    value = arr[first]
    what = "NaN" if np.isnan(value) else "infinity"
    where = first[0] if arr.ndim == 1 else tuple(int(i) for i in first)
    raise ValueError(f"Input {name} contains {what} (first at index {where}).")


def check_sample_weight(
    sample_weight: ArrayLike | None, n_samples: int, *, allow_all_zero: bool = False
) -> NDArray[Any] | None:
    """Validate sample weights: numeric, 1-D, ``n_samples`` long, finite, non-negative and
    not all zero (scikit-learn rejects all-zero weights too).

    Set `allow_all_zero` when the caller detects all-zero weights itself (from a sum
    it computes anyway) or when an all-zero batch is legitimate (streaming).
    A scalar is broadcast to every sample. Integer and boolean weights keep an integer
    dtype (int64) because counting metrics then stay exact integers, as in
    scikit-learn; everything else becomes float64.

    Returns
    -------
    weights : ndarray or None
        ``None`` when `sample_weight` is ``None``.

    Raises
    ------
    TypeError
        For non-numeric weights.
    ValueError
        For a wrong shape or length, NaN, infinity, negative values or all zeros.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n_samples, sample_weight)
    w = as_array("sample_weight", sample_weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must be numeric, got dtype {w.dtype}")
    if w.ndim != 1:
        raise ValueError(
            f"Sample weights must be 1D array or scalar, got {w.ndim}D array. "
            f"Expected either a scalar value or a 1D array of length {n_samples}."
        )
    if w.shape[0] != n_samples:
        raise ValueError(f"sample_weight.shape == {w.shape}, expected ({n_samples},)!")
    if w.dtype.kind == "f":
        w = np.ascontiguousarray(w, dtype=np.float64)
        check_finite("sample_weight", w)
    else:
        w = np.ascontiguousarray(w, dtype=np.int64)
    if w.size and w.min() < 0:
        first = int(np.argmax(w < 0))
        raise ValueError(f"sample_weight must be non-negative; got {w[first]} at index {first}")
    if not allow_all_zero and not w.any():
        raise ValueError("sample_weight must contain at least one non-zero number.")
    return w


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def check_dense_size(name: str, shape: tuple[int, ...], itemsize: int = 8) -> None:
    """Raise ``ValueError`` if an array of `shape` would not fit in physical memory.

    numpy allocates zeroed arrays lazily, so an oversized matrix (a confusion matrix of
    200,000 classes is 298 GiB) may be granted and then get the process killed by the
    kernel when filled; refusing it up front keeps a server alive.
    """
    limit = _physical_memory()
    n_bytes = math.prod(shape) * itemsize
    if limit is not None and n_bytes > limit:
        raise ValueError(
            f"{name} of shape {shape} would need {n_bytes / 2**30:.1f} GiB, more than the "
            f"{limit / 2**30:.1f} GiB of memory of this machine"
        )


def sorted_unique(values: ArrayLike) -> NDArray[Any]:
    """``np.unique(values)``: the sorted distinct values, as numpy gives them.

    Integer and boolean arrays are sorted and compared here: ``np.unique`` imports
    ``numpy.ma`` on its first call in a process, 17 ms on a fast core and several times
    that where no byte code is cached, which would otherwise fall inside the first
    evaluation. Other data (floats with NaN, objects, several dimensions) go to
    ``np.unique``.
    """
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.dtype.kind not in "iub":
        return np.unique(arr)
    out = np.sort(arr)
    if len(out) > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out
