"""Stable sorting of 64-bit keys with the compiled radix sort.

Callers turn scores into order-preserving keys (``_kernels.sort_keys``), sort them
here, and work on the sorted keys. Threads are used one level up: blocks of the input
are sorted independently, then merged stably (``_kernels.merge_runs``).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels

__all__ = ["argsort_stable", "sort_keys"]

_U64 = NDArray[np.uint64]
_EMPTY = np.empty(0, np.uint64)


def sort_keys(keys: _U64, vals: _U64 | None = None) -> tuple[_U64, _U64 | None]:
    """Sort `keys` ascending and stably, moving `vals` along.

    The inputs are used as scratch space: the sorted keys and values are returned and
    live either in `keys`/`vals` or in new buffers.
    """
    keys_tmp = np.empty_like(keys)
    vals_tmp = _EMPTY if vals is None else np.empty_like(vals)
    in_tmp = _kernels.radix_sort(keys, _EMPTY if vals is None else vals, keys_tmp, vals_tmp)
    if in_tmp:
        return keys_tmp, None if vals is None else vals_tmp
    return keys, vals


def argsort_stable(x: NDArray[Any]) -> NDArray[np.int64]:
    """``np.argsort(x, kind="stable")`` for a 1-D bool, integer or float (up to 64-bit)
    array without NaN. ``-0.0`` and ``0.0`` are equal, as numpy compares them."""
    x = np.ascontiguousarray(x)
    if x.dtype.kind == "f" and x.dtype.itemsize > 8:
        raise TypeError(f"argsort_stable: {x.dtype} has no exact 64-bit sort key")
    if x.dtype.kind == "f" and x.dtype != np.float32:
        x = x.astype(np.float64, copy=False)
    elif x.dtype.kind in "biu" and x.dtype != np.uint64:
        x = x.astype(np.int64)
    keys = np.empty(x.shape[0], np.uint64)
    _kernels.sort_keys(x, keys, False)
    order = np.arange(x.shape[0], dtype=np.uint64)
    _, vals = sort_keys(keys, order)
    return cast(_U64, vals).view(np.int64)
