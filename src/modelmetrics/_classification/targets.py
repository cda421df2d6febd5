"""Classification target types and label sets, with scikit-learn's rules.

``type_of_target`` reproduces :func:`sklearn.utils.multiclass.type_of_target` so that
our functions accept and reject exactly the inputs scikit-learn accepts and rejects.
Small non-negative integer labels (the common case: class indices) take a compiled
path that finds the label set without sorting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics import _kernels
from modelmetrics._core.arrays import as_array, check_finite

__all__ = [
    "SMALL_LABEL_BOUND",
    "TargetType",
    "as_label_array",
    "check_binary_or_multiclass_pair",
    "check_label_kinds",
    "integral_as_int64",
    "kernel_labels",
    "small_label_presence",
    "type_of_target",
    "unique_values",
]

TargetType = Literal[
    "binary",
    "multiclass",
    "multilabel-indicator",
    "continuous",
    "continuous-multioutput",
    "multiclass-multioutput",
    "unknown",
]

# Labels below this bound are counted in a dense table instead of sorted.
SMALL_LABEL_BOUND = 256


def as_label_array(name: str, y: ArrayLike) -> NDArray[Any]:
    """Convert labels to an array, rejecting the formats scikit-learn rejects."""
    arr = as_array(name, y)
    if arr.size:
        first = arr.flat[0]
        if isinstance(first, bytes):
            raise TypeError(
                f"{name}: labels represented as bytes are not supported. Convert the "
                "labels to a string or integer format."
            )
        if arr.dtype == object and isinstance(first, Sequence) and not isinstance(first, str):
            raise ValueError(
                f"{name}: you appear to be using a legacy multi-label data representation. "
                "Sequence of sequences are no longer supported; use a binary array or "
                "sparse matrix instead."
            )
    return arr


def integral_as_int64(arr: NDArray[Any]) -> NDArray[np.int64] | None:
    """``arr`` as int64 if every value is an integer that int64 holds exactly, else None.

    This is scikit-learn's integrality test (a float array is a label array when casting
    to int64 and back changes nothing), made safe for values outside the int64 range.
    """
    if arr.dtype.kind in "biu":
        if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
            return None
        return np.ascontiguousarray(arr, dtype=np.int64)
    if arr.dtype.kind != "f":
        return None
    with np.errstate(invalid="ignore"):
        # 2**63 is exactly representable; anything at or beyond it overflows int64. A
        # float64 bound: a Python float would be cast to float16 (inf, with a warning).
        in_range = np.all(np.abs(arr) < np.float64(2.0**63))
        if not in_range:
            return None
        as_int = arr.astype(np.int64)
    if np.any(as_int.astype(arr.dtype) != arr):
        return None
    return as_int


def kernel_labels(arr: NDArray[Any]) -> NDArray[Any]:
    """`arr` as a contiguous integer array the kernels accept (bool viewed as uint8)."""
    arr = np.ascontiguousarray(arr)
    return arr.view(np.uint8) if arr.dtype == np.bool_ else arr


def small_label_presence(values: NDArray[Any]) -> NDArray[np.bool_] | None:
    """Which of ``0..SMALL_LABEL_BOUND-1`` occur in integer `values`, or None if a value
    lies outside that range."""
    present = np.zeros(SMALL_LABEL_BOUND, np.uint8)
    if not _kernels.label_presence(kernel_labels(values), present):
        return None
    return present.view(np.bool_)


def unique_values(arr: NDArray[Any]) -> NDArray[Any]:
    """Sorted unique values of `arr` (any shape), as ``np.unique`` returns them."""
    if arr.dtype.kind in "biu" and arr.size:
        presence = small_label_presence(arr.reshape(-1))
        if presence is not None:
            return np.flatnonzero(presence).astype(arr.dtype)
    if arr.dtype == object:
        try:
            return np.unique(arr)
        except TypeError:
            # Unorderable mix (e.g. str and int): keep first-seen order, callers reject it.
            return np.array(list(dict.fromkeys(arr.reshape(-1).tolist())), dtype=object)
    return np.unique(arr)


def _is_integral_float(values: NDArray[Any]) -> bool:
    return values.dtype.kind == "f" and integral_as_int64(values) is not None


def _is_multilabel(arr: NDArray[Any], uniques: NDArray[Any] | None = None) -> bool:
    if not (arr.ndim == 2 and arr.shape[1] > 1):
        return False
    labels = unique_values(arr) if uniques is None else uniques
    return labels.shape[0] < 3 and (arr.dtype.kind in "biu" or _is_integral_float(labels))


def type_of_target(
    y: ArrayLike, input_name: str = "y", *, uniques: NDArray[Any] | None = None
) -> TargetType:
    """Determine the type of target data, with scikit-learn's rules.

    Parameters
    ----------
    y : array-like
        Target values.
    input_name : str, default="y"
        Name used in error messages.
    uniques : ndarray, optional
        The sorted unique values of `y` when the caller already has them.

    Returns
    -------
    target_type : str
        One of ``'binary'``, ``'multiclass'``, ``'multilabel-indicator'``,
        ``'continuous'``, ``'continuous-multioutput'``, ``'multiclass-multioutput'``,
        ``'unknown'``.

    Raises
    ------
    ValueError
        If `y` holds NaN or infinity among non-integral floats, or uses the legacy
        sequence-of-sequences format.
    TypeError
        If the labels are bytes.
    """
    arr = as_label_array(input_name, y)
    if _is_multilabel(arr, uniques if arr.ndim == 2 else None):
        return "multilabel-indicator"
    if arr.ndim not in (1, 2):
        return "unknown"
    if min(arr.shape) == 0:
        return "binary" if arr.ndim == 1 else "unknown"
    if arr.dtype == object and not isinstance(arr.flat[0], str):
        return "unknown"
    multioutput = arr.ndim == 2 and arr.shape[1] > 1
    suffix = "-multioutput" if multioutput else ""
    if arr.dtype.kind == "f" and integral_as_int64(arr) is None:
        check_finite(input_name, arr)
        return "continuous" + suffix  # type: ignore[return-value]
    if multioutput:
        return "multiclass-multioutput"
    labels = unique_values(arr) if uniques is None else uniques
    return "multiclass" if labels.shape[0] > 2 else "binary"


def check_binary_or_multiclass_pair(
    type_true: TargetType, type_pred: TargetType
) -> Literal["binary", "multiclass", "multilabel-indicator"]:
    """Combine the two target types as scikit-learn's ``_check_targets`` does."""
    types = {type_true, type_pred}
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    if len(types) > 1:
        raise ValueError(
            f"Classification metrics can't handle a mix of {type_true} and {type_pred} targets"
        )
    (kind,) = types
    if kind not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(f"{kind} is not supported")
    return kind


def check_label_kinds(name_values: Sequence[tuple[str, NDArray[Any]]]) -> None:
    """Reject a mix of string and numeric labels across the given label arrays."""
    kinds = set()
    for _, values in name_values:
        if values.dtype.kind in "US":
            kinds.add(True)
        elif values.dtype == object:
            kinds.update(isinstance(v, str) for v in values.tolist())
        elif values.size:
            kinds.add(False)
    if len(kinds) > 1:
        detail = " and ".join(f"{values}" for _, values in name_values)
        raise ValueError(f"Mix of label input types (string and number); Got {detail}.")
