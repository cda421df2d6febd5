"""Validated per-pixel counts of a (prediction, target) pair of segmentation maps.

One compiled pass counts every pixel into an extended histogram (see
``csrc/mm_semantic.h``) whose extra rows and column collect ignored pixels and labels
outside ``[0, num_classes)``. Validation therefore costs nothing on clean input: only
when those cells are non-zero is the input scanned again, to name the first offending
position. Pixels are split over threads in contiguous ranges, each counted into its
own histogram; the int64 sums do not depend on the split.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics import _kernels
from modelmetrics._core.arrays import as_array
from modelmetrics._core.parallel import get_num_threads, run_parallel

__all__ = ["Counts", "SegmentationInput", "count", "prepare"]

_Int64 = NDArray[np.int64]

# Label dtypes the kernel reads directly; others are converted (a copy).
_LABEL_DTYPES = {np.dtype(t) for t in (np.uint8, np.uint16, np.int32, np.int64)}
_WIDEN = {1: np.int32, 2: np.int32, 4: np.int64, 8: np.int64}  # signed, by itemsize
# Fewer pixels than this per thread are not worth a thread hop (about 0.2 ms of work;
# splitting one 512x512 map over two threads measured slower on the shared 2-core VM).
_MIN_PIXELS_PER_TASK = 1 << 18


@dataclass(frozen=True)
class SegmentationInput:
    """A validated pair, flattened for the kernel.

    ``pred`` holds one label per pixel, or (``scores``) ``num_classes`` float scores
    per pixel laid out as ``(n_images, num_classes, pixels)``; ``target`` holds one
    label per pixel, image after image.
    """

    pred: NDArray[Any]
    target: NDArray[Any]
    scores: bool
    n_images: int
    pred_original: NDArray[Any]
    target_original: NDArray[Any]


@dataclass(frozen=True)
class Counts:
    """Counts of one update: the extended histogram and per-image stats.

    ``ext[:C, :C]`` is the confusion matrix (rows = target class, columns = predicted
    class) and ``ext[C]`` counts the ignored pixels; the rest is zero once validated.
    """

    ext: _Int64  # (C + 2, C + 1)
    image_stats: _Int64 | None  # (n_images, 3, C): true positives, predicted, target


def _label_array(name: str, arr: NDArray[Any]) -> NDArray[Any]:
    """`arr` in a dtype the kernel reads, C-contiguous and flat."""
    if arr.dtype.kind == "b":
        arr = arr.view(np.uint8)
    elif arr.dtype not in _LABEL_DTYPES:
        arr = arr.astype(_WIDEN[arr.dtype.itemsize])
    return np.ascontiguousarray(arr).reshape(-1)


def _check_label_dtype(name: str, arr: NDArray[Any], hint: str = "") -> None:
    if arr.dtype.kind not in "biu":
        raise ValueError(
            f"{name} must be a label map of integer class indices, got dtype {arr.dtype}{hint}"
        )


def prepare(prediction: ArrayLike, target: ArrayLike, num_classes: int) -> SegmentationInput:
    """Check shapes and dtypes of a pair and flatten it for the kernel.

    Label maps may have any shape; ``prediction`` is then a label map of the same
    shape, or float class scores with one more axis: ``(C, H, W)`` for a target of
    ``(H, W)`` (class axis 0 when the target has at most 2 axes), ``(N, C, H, W)`` for
    ``(N, H, W)`` (class axis 1 otherwise). Targets with 3 or more axes are batches of
    images along axis 0.
    """
    t = as_array("target", target)
    p = as_array("prediction", prediction)
    _check_label_dtype("target", t)
    n_images = int(t.shape[0]) if t.ndim >= 3 else 1
    if p.dtype.kind == "f":
        axis = 0 if t.ndim <= 2 else 1
        if p.ndim != t.ndim + 1:
            if p.shape == t.shape:
                raise ValueError(
                    f"prediction is a float array of the target's shape {t.shape}: float "
                    "label maps are not accepted; pass integer class indices, or class "
                    "scores with a class axis (C, H, W) or (N, C, H, W)"
                )
            raise ValueError(
                f"prediction has shape {p.shape}, target has shape {t.shape}: scores need "
                "exactly one more axis than the target, the class axis"
            )
        rest = p.shape[:axis] + p.shape[axis + 1 :]
        if rest != t.shape:
            raise ValueError(
                f"prediction scores have shape {p.shape}, which without the class axis "
                f"{axis} is {rest}, but target has shape {t.shape}"
            )
        if p.shape[axis] != num_classes:
            raise ValueError(
                f"prediction has {p.shape[axis]} class scores per pixel (axis {axis}), "
                f"but num_classes is {num_classes}"
            )
        if p.dtype.itemsize not in (2, 4, 8):
            raise ValueError(f"prediction scores must be float16, 32 or 64, got {p.dtype}")
        dtype = np.float64 if p.dtype.itemsize == 8 else np.float32
        flat = np.ascontiguousarray(p, dtype=dtype).reshape(-1)
        return SegmentationInput(flat, _label_array("target", t), True, n_images, p, t)
    _check_label_dtype(
        "prediction", p, " (pass integer class indices, or float class scores with a class axis)"
    )
    if p.shape != t.shape:
        raise ValueError(
            f"prediction has shape {p.shape} but target has shape {t.shape}; label maps "
            "must have the same shape"
        )
    return SegmentationInput(
        _label_array("prediction", p), _label_array("target", t), False, n_images, p, t
    )


def _ranges(n: int, n_tasks: int) -> list[tuple[int, int]]:
    edges = [n * i // n_tasks for i in range(n_tasks + 1)]
    return list(pairwise(edges))


def count(
    data: SegmentationInput,
    num_classes: int,
    ignore_index: int | None,
    *,
    per_image: bool,
) -> Counts:
    """Count a prepared pair, raising ``ValueError`` for NaN scores or bad labels."""
    c = num_classes
    n = data.target.shape[0]
    has_ignore = ignore_index is not None
    ignore = 0 if ignore_index is None else ignore_index
    args = (data.pred, data.target, data.n_images, c, has_ignore, ignore)
    threads = get_num_threads()
    stats = None
    if per_image:
        stats = np.zeros((data.n_images, 3, c), dtype=np.int64)
        n_tasks = max(1, min(threads, data.n_images, n // _MIN_PIXELS_PER_TASK))
        ranges = _ranges(data.n_images, n_tasks)
        exts = [np.zeros((c + 2, c + 1), dtype=np.int64) for _ in ranges]
        tasks = [
            partial(_kernels.semantic_count_images, *args, lo, hi, ext, stats)
            for (lo, hi), ext in zip(ranges, exts, strict=True)
        ]
    else:
        n_tasks = max(1, min(threads, n // _MIN_PIXELS_PER_TASK))
        ranges = _ranges(n, n_tasks)
        exts = [np.zeros((c + 2, c + 1), dtype=np.int64) for _ in ranges]
        tasks = [
            partial(_kernels.semantic_count, *args, lo, hi, ext)
            for (lo, hi), ext in zip(ranges, exts, strict=True)
        ]
    clean = run_parallel(tasks, n_threads=n_tasks)
    if not all(clean):
        _raise_nan(data.pred_original)
    ext = exts[0]
    for other in exts[1:]:
        ext += other
    if ext[c + 1].any() or ext[:c, c].any():
        _raise_bad_label(data, c, ignore_index)
    return Counts(ext, stats)


def _position(flat_index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def _raise_nan(scores: NDArray[Any]) -> None:
    first = int(np.argmax(np.isnan(scores).reshape(-1)))
    raise ValueError(f"prediction scores hold NaN, first at index {_position(first, scores.shape)}")


def _raise_bad_label(data: SegmentationInput, num_classes: int, ignore_index: int | None) -> None:
    """Name the first pixel (in C order) whose target or predicted label is invalid."""
    t = data.target.astype(np.int64)
    ignored = np.zeros(t.shape, dtype=bool) if ignore_index is None else t == ignore_index
    bad_t = ~ignored & ((t < 0) | (t >= num_classes))
    bad = bad_t
    if not data.scores:
        p = data.pred.astype(np.int64)
        bad = bad_t | (~ignored & ((p < 0) | (p >= num_classes)))
    first = int(np.argmax(bad))
    name, arr = (
        ("target", data.target_original)
        if bad_t[first]
        else (
            "prediction",
            data.pred_original,
        )
    )
    shape = data.target_original.shape
    where = _position(first, shape)
    value = arr[where] if arr.ndim else arr[()]
    allowed = f"outside [0, {num_classes})"
    if ignore_index is not None and name == "target":
        allowed += f" and not ignore_index ({ignore_index})"
    raise ValueError(f"{name} holds {value} at index {where}, {allowed}")
