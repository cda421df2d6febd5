"""Semantic segmentation metrics from one pixel confusion matrix.

See :mod:`modelmetrics.segmentation` for the public description.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._core.accumulator import Accumulator
from modelmetrics._core.arrays import check_dense_size
from modelmetrics._core.checks import check_bool, check_int, check_option, check_that
from modelmetrics._core.jsonable import json_float
from modelmetrics._semantic.counts import Counts, count, prepare

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["SegmentationAccumulator", "SegmentationMetrics", "segmentation_metrics"]

Absent = Literal["skip", "zero", "one"]
_ABSENT = ("skip", "zero", "one")
_MAX_CLASSES = 1 << 16
_Float64 = NDArray[np.float64]
_Int64 = NDArray[np.int64]


# ------------------------------------------------------------------ parameters


def _check_class_names(value: object, num_classes: int) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = (
        tuple(value)
        if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str)
        else None
    )
    check_that(
        names is not None
        and len(names) == num_classes
        and all(isinstance(name, str) for name in names)
        and len(set(names)) == len(names),  # hashable: all str by now
        "class_names",
        f"None or a sequence of {num_classes} distinct str, one per class",
        value,
    )
    return names


# ------------------------------------------------------------------ results


def _ratio(num: NDArray[Any], den: NDArray[Any]) -> _Float64:
    """``num / den`` as float64, NaN where ``den == 0``."""
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _mean(values: _Float64, defined: NDArray[np.bool_], absent: str) -> float:
    """Mean of `values` over the classes in `defined`'s domain, per the `absent` rule.

    ``values`` is NaN exactly where it is undefined; `defined` marks the classes that
    take part (all but an in-range ``ignore_index``).
    """
    kept = values[defined]
    missing = np.isnan(kept)
    if absent == "one":
        return float(np.mean(np.where(missing, 1.0, kept))) if kept.size else math.nan
    n = kept.size if absent == "zero" else int(kept.size - np.count_nonzero(missing))
    # The sum keeps zeros in place of NaN, as numpy.nanmean does (mmsegmentation's
    # mean), so that the pairwise summation rounds identically.
    return float(np.sum(np.where(missing, 0.0, kept)) / n) if n else math.nan


@dataclass(frozen=True, eq=False)
class SegmentationMetrics:
    """Semantic segmentation metrics of a set of label maps.

    Per-class arrays have one entry per class index; a ratio whose denominator is 0
    is NaN (None in :meth:`as_dict`).

    Attributes
    ----------
    num_classes : int
        Number of classes.
    ignore_index : int or None
        Target label whose pixels were skipped.
    absent : {"skip", "zero", "one"}
        How classes absent from both prediction and target (union 0) enter the means
        of IoU and Dice: left out, counted as 0, or counted as 1.
    class_names : tuple of str or None
        Display names, keyed in :meth:`as_dict`.
    confusion_matrix : ndarray of shape (num_classes, num_classes), int64
        ``[t, p]``: pixels of target class ``t`` predicted as ``p``.
    n_pixels : int
        Pixels counted (not ignored).
    n_ignored : int
        Pixels whose target was `ignore_index`.
    support : ndarray of shape (num_classes,), int64
        Target pixels per class.
    predicted : ndarray of shape (num_classes,), int64
        Predicted pixels per class.
    iou : ndarray of shape (num_classes,)
        ``tp / (tp + fp + fn)``, the Jaccard index.
    dice : ndarray of shape (num_classes,)
        ``2 tp / (2 tp + fp + fn)``; equal to `f1`, pixel for pixel.
    precision, recall : ndarray of shape (num_classes,)
        ``tp / predicted`` and ``tp / support`` (recall is the class accuracy).
    f1 : ndarray of shape (num_classes,)
        Harmonic mean of precision and recall, computed as `dice` (so 0, not NaN,
        for a class that is predicted or present but never hit).
    mean_iou : float
        Mean of `iou` per the `absent` rule (mIoU).
    mean_dice : float
        Mean of `dice` per the `absent` rule.
    mean_precision : float
        Mean of `precision` over classes that were predicted.
    mean_class_accuracy : float
        Mean of `recall` over classes present in the target (mAcc).
    frequency_weighted_iou : float
        ``sum(support * iou) / sum(support)``.
    pixel_accuracy : float
        ``trace(confusion_matrix) / n_pixels`` (aAcc).
    per_image_iou : ndarray of shape (n_images, num_classes) or None
        IoU of each image alone, when the accumulator was asked for it.
    per_image_mean_iou : ndarray of shape (n_images,) or None
        Mean of each row of `per_image_iou` per the `absent` rule.
    """

    num_classes: int
    ignore_index: int | None
    absent: str
    class_names: tuple[str, ...] | None
    confusion_matrix: _Int64
    n_pixels: int
    n_ignored: int
    support: _Int64
    predicted: _Int64
    iou: _Float64
    dice: _Float64
    precision: _Float64
    recall: _Float64
    f1: _Float64
    mean_iou: float
    mean_dice: float
    mean_precision: float
    mean_class_accuracy: float
    frequency_weighted_iou: float
    pixel_accuracy: float
    per_image_iou: _Float64 | None = None
    per_image_mean_iou: _Float64 | None = None

    def worst_images(self, k: int = 10) -> NDArray[np.intp]:
        """Indices of the `k` images with the lowest mean IoU, worst first.

        Images are numbered in the order they were added (a batch of ``N`` maps adds
        ``N`` images). Images without a defined mean IoU (all pixels ignored) are
        left out; ties keep the lower index first.

        Raises
        ------
        ValueError
            If per-image IoU was not collected (``per_image=False``).
        """
        if self.per_image_mean_iou is None:
            raise ValueError("per-image IoU was not collected; pass per_image=True")
        scores = self.per_image_mean_iou
        order = np.argsort(scores, kind="stable")  # NaN sorts last
        order = order[~np.isnan(scores[order])]
        return order[: max(int(k), 0)]

    def _key(self, c: int) -> str:
        return self.class_names[c] if self.class_names is not None else str(c)

    def as_dict(self) -> dict[str, Any]:
        """JSON-native values under kebab-case names (NaN becomes None).

        Returns
        -------
        metrics : dict
            Summary values, ``per-class`` (keyed by class name, or index as a
            string) with ``iou``, ``dice``, ``precision``, ``recall``, ``f1`` and
            ``support``, and ``confusion-matrix`` (``labels`` and ``matrix``, rows =
            target); with per-image IoU also ``per-image-mean-iou``.
        """
        out: dict[str, Any] = {
            "mean-iou": json_float(self.mean_iou),
            "frequency-weighted-iou": json_float(self.frequency_weighted_iou),
            "pixel-accuracy": json_float(self.pixel_accuracy),
            "mean-class-accuracy": json_float(self.mean_class_accuracy),
            "mean-dice": json_float(self.mean_dice),
            "mean-precision": json_float(self.mean_precision),
            "num-classes": self.num_classes,
            "ignore-index": self.ignore_index,
            "absent": self.absent,
            "pixels": self.n_pixels,
            "ignored-pixels": self.n_ignored,
        }
        out["per-class"] = {
            self._key(c): {
                "iou": json_float(self.iou[c]),
                "dice": json_float(self.dice[c]),
                "precision": json_float(self.precision[c]),
                "recall": json_float(self.recall[c]),
                "f1": json_float(self.f1[c]),
                "support": int(self.support[c]),
            }
            for c in range(self.num_classes)
        }
        labels: list[Any] = (
            list(self.class_names)
            if self.class_names is not None
            else list(range(self.num_classes))
        )
        out["confusion-matrix"] = {"labels": labels, "matrix": self.confusion_matrix.tolist()}
        if self.per_image_mean_iou is not None:
            out["per-image-mean-iou"] = [json_float(v) for v in self.per_image_mean_iou]
        return out


def _metrics(
    confusion: _Int64,
    n_ignored: int,
    image_stats: _Int64 | None,
    *,
    ignore_index: int | None,
    absent: str,
    class_names: tuple[str, ...] | None,
) -> SegmentationMetrics:
    c = confusion.shape[0]
    tp = np.ascontiguousarray(np.diagonal(confusion))
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    union = support + predicted - tp
    iou = _ratio(tp, union)
    dice = _ratio(2 * tp, support + predicted)
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    # An in-range ignore_index has no target pixels by construction: leave it out of
    # every mean, as torchmetrics does.
    taking_part = np.ones(c, dtype=bool)
    if ignore_index is not None and 0 <= ignore_index < c:
        taking_part[ignore_index] = False
    n_pixels = int(support.sum())
    seen = support > 0
    per_image_iou = per_image_mean = None
    if image_stats is not None:
        i_tp, i_pred, i_true = image_stats[:, 0], image_stats[:, 1], image_stats[:, 2]
        per_image_iou = _ratio(i_tp, i_true + i_pred - i_tp)
        per_image_mean = np.array(
            [_mean(row, taking_part, absent) for row in per_image_iou], dtype=np.float64
        )
    return SegmentationMetrics(
        num_classes=c,
        ignore_index=ignore_index,
        absent=absent,
        class_names=class_names,
        confusion_matrix=confusion,
        n_pixels=n_pixels,
        n_ignored=n_ignored,
        support=support,
        predicted=predicted,
        iou=iou,
        dice=dice,
        precision=precision,
        recall=recall,
        f1=dice.copy(),
        mean_iou=_mean(iou, taking_part, absent),
        mean_dice=_mean(dice, taking_part, absent),
        mean_precision=_mean(precision, taking_part, "skip"),
        mean_class_accuracy=_mean(recall, taking_part, "skip"),
        frequency_weighted_iou=(
            float(np.sum(support[seen] * iou[seen]) / n_pixels) if n_pixels else math.nan
        ),
        pixel_accuracy=float(tp.sum() / n_pixels) if n_pixels else math.nan,
        per_image_iou=per_image_iou,
        per_image_mean_iou=per_image_mean,
    )


# ------------------------------------------------------------------ streaming


class SegmentationAccumulator(Accumulator[SegmentationMetrics]):
    """Streaming semantic segmentation metrics: ``update`` per batch, ``merge``,
    ``compute``.

    The state is the ``num_classes x num_classes`` int64 pixel confusion matrix, the
    number of ignored pixels and, with `per_image`, three int64 counts per class and
    image. Any split into batches, any merge order and any thread count give the same
    counts. The accumulator pickles.

    Parameters
    ----------
    num_classes : int
        Number of classes; labels are class indices in ``[0, num_classes)``.
    ignore_index : int or None, default=None
        Target label whose pixels are skipped (commonly 255). Predictions at those
        pixels are not checked. A value inside ``[0, num_classes)`` is allowed: that
        class's target pixels are skipped and the class is left out of the means.
    absent : {"skip", "zero", "one"}, default="skip"
        Classes absent from both prediction and target have no IoU or Dice. "skip"
        leaves them out of the means (mmsegmentation, torchmetrics); "zero" counts
        them as 0 and "one" as 1 (scikit-learn's ``zero_division`` with all labels).
    per_image : bool, default=False
        Also keep per-class counts of every image, for per-image IoU and
        :meth:`SegmentationMetrics.worst_images`.
    class_names : sequence of str, default=None
        Names of the classes, used as keys by :meth:`SegmentationMetrics.as_dict`.

    Examples
    --------
    >>> import numpy as np
    >>> acc = SegmentationAccumulator(num_classes=3, ignore_index=255)
    >>> acc = acc.update(np.array([[0, 1], [2, 2]]), np.array([[0, 1], [1, 255]]))
    >>> acc = acc.update(np.array([[1, 1]]), np.array([[1, 2]]))
    >>> m = acc.compute()
    >>> m.confusion_matrix
    array([[1, 0, 0],
           [0, 2, 1],
           [0, 1, 0]])
    >>> m.iou.round(3).tolist(), round(m.mean_iou, 4), m.pixel_accuracy
    ([1.0, 0.5, 0.0], 0.5, 0.6)
    """

    def __init__(
        self,
        num_classes: int,
        *,
        ignore_index: int | None = None,
        absent: Absent = "skip",
        per_image: bool = False,
        class_names: Sequence[str] | None = None,
    ) -> None:
        self._num_classes = check_int("num_classes", num_classes, low=1, high=_MAX_CLASSES)
        # ignore_index is compared with int64 labels, so it must fit in one.
        self._ignore_index = check_int(
            "ignore_index", ignore_index, low=-(2**63), high=2**63 - 1, allow_none=True
        )
        self._absent: str = check_option("absent", absent, _ABSENT)
        self._per_image = check_bool("per_image", per_image)
        self._class_names = _check_class_names(class_names, self._num_classes)
        # The extended histogram of csrc/mm_semantic.h: confusion matrix plus a row of
        # ignored pixels (its bad-label row and column stay zero).
        c = self._num_classes
        check_dense_size("the pixel confusion matrix", (c + 2, c + 1))
        self._ext: _Int64 = np.zeros((c + 2, c + 1), dtype=np.int64)
        self._n_images = 0
        self._image_stats: list[_Int64] = []

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return self._num_classes

    @property
    def ignore_index(self) -> int | None:
        """Target label whose pixels are skipped, or None."""
        return self._ignore_index

    @property
    def n_images(self) -> int:
        """Images added so far (a label map of 3 or more axes is a batch along axis 0)."""
        return self._n_images

    def update(self, prediction: ArrayLike, target: ArrayLike) -> Self:
        """Add a label map or a batch of them.

        Parameters
        ----------
        prediction : array-like
            Integer label map(s) of the target's shape (uint8, uint16, int32 and
            int64 are read directly; other integer types are converted), or float
            class scores with a class axis: ``(C, H, W)`` for a target of ``(H, W)``,
            ``(N, C, H, W)`` for ``(N, H, W)``. The arg max over classes (first
            maximum on ties, as ``numpy.argmax``) is taken in the counting pass.
        target : array-like of int
            Ground-truth label map(s) of any shape; 3 or more axes are a batch
            along axis 0.

        Returns
        -------
        self : SegmentationAccumulator
            This accumulator, for chaining.

        Raises
        ------
        ValueError
            For mismatched shapes, float label maps, NaN scores, or labels outside
            ``[0, num_classes)`` that are not `ignore_index`; the message names the
            argument and the first offending value and index. The state is left
            unchanged.
        """
        data = prepare(prediction, target, self._num_classes)
        counts = count(data, self._num_classes, self._ignore_index, per_image=self._per_image)
        self._add(counts, data.n_images)
        return self

    def _add(self, counts: Counts, n_images: int) -> None:
        self._ext += counts.ext
        self._n_images += n_images
        if counts.image_stats is not None:
            self._image_stats.append(counts.image_stats)

    def compute(self) -> SegmentationMetrics:
        """Metrics of every pixel added so far.

        Returns
        -------
        metrics : SegmentationMetrics
            With nothing counted yet, the ratios are NaN.
        """
        stats = None
        if self._per_image:
            stats = (
                np.concatenate(self._image_stats)
                if self._image_stats
                else np.zeros((0, 3, self._num_classes), dtype=np.int64)
            )
            self._image_stats = [stats]
        c = self._num_classes
        return _metrics(
            self._ext[:c, :c].copy(),
            int(self._ext[c].sum()),
            stats,
            ignore_index=self._ignore_index,
            absent=self._absent,
            class_names=self._class_names,
        )

    def image_counts(self) -> _Int64:
        """Per image added (in order) and class: its true positives, predicted pixels and
        target pixels, shape ``(n_images, 3, num_classes)``.

        Raises
        ------
        ValueError
            If per-image counts are not kept (``per_image=False``).
        """
        if not self._per_image:
            raise ValueError("per-image counts are not kept; pass per_image=True")
        if not self._image_stats:
            return np.zeros((0, 3, self._num_classes), dtype=np.int64)
        stats: _Int64 = np.concatenate(self._image_stats)
        self._image_stats = [stats]
        copied: _Int64 = stats.copy()
        return copied

    def reset(self) -> None:
        """Forget every pixel, keeping the configuration."""
        self._ext = np.zeros_like(self._ext)
        self._n_images = 0
        self._image_stats = []

    def _config(self) -> tuple[Any, ...]:
        return (
            self._num_classes,
            self._ignore_index,
            self._absent,
            self._per_image,
            self._class_names,
        )

    def _merge_state(self, other: Self) -> None:
        self._ext += other._ext
        self._n_images += other._n_images
        self._image_stats.extend(s.copy() for s in other._image_stats)


def segmentation_metrics(
    prediction: ArrayLike,
    target: ArrayLike,
    *,
    num_classes: int,
    ignore_index: int | None = None,
    absent: Absent = "skip",
    per_image: bool = False,
    class_names: Sequence[str] | None = None,
) -> SegmentationMetrics:
    """Compute semantic segmentation metrics of label maps in one pass.

    Parameters
    ----------
    prediction : array-like
        Integer label map(s) of the target's shape, or float class scores with a
        class axis (see :meth:`SegmentationAccumulator.update`).
    target : array-like of int
        Ground-truth label map(s); 3 or more axes are a batch along axis 0.
    num_classes : int
        Number of classes.
    ignore_index : int or None, default=None
        Target label whose pixels are skipped (commonly 255).
    absent : {"skip", "zero", "one"}, default="skip"
        How classes absent from both prediction and target enter the means.
    per_image : bool, default=False
        Also compute per-image IoU.
    class_names : sequence of str, default=None
        Class names for :meth:`SegmentationMetrics.as_dict`.

    Returns
    -------
    metrics : SegmentationMetrics
        Equal to a :class:`SegmentationAccumulator` fed the same maps in any batches.

    Raises
    ------
    ValueError
        For mismatched shapes, float label maps, NaN scores, or labels outside
        ``[0, num_classes)`` that are not `ignore_index`, naming the argument and the
        first offending value and index; or for invalid parameters.

    Examples
    --------
    >>> import numpy as np
    >>> target = np.array([[0, 0, 1], [1, 2, 255]], dtype=np.uint8)
    >>> pred = np.array([[0, 1, 1], [1, 2, 2]], dtype=np.uint8)
    >>> m = segmentation_metrics(pred, target, num_classes=3, ignore_index=255)
    >>> m.iou.tolist(), round(m.mean_iou, 4), m.pixel_accuracy
    ([0.5, 0.6666666666666666, 1.0], 0.7222, 0.8)
    >>> m.as_dict()["per-class"]["1"]["recall"]
    1.0

    Scores of shape (C, H, W) work too; their arg max is the prediction:

    >>> scores = np.eye(3, dtype=np.float32)[pred].transpose(2, 0, 1)
    >>> segmentation_metrics(scores, target, num_classes=3, ignore_index=255).mean_iou
    0.7222222222222222
    """
    acc = SegmentationAccumulator(
        num_classes,
        ignore_index=ignore_index,
        absent=absent,
        per_image=per_image,
        class_names=class_names,
    )
    return acc.update(prediction, target).compute()
