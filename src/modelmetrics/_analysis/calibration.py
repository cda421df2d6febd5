"""Calibration: are scores trustworthy as probabilities?

For every prediction a *confidence* (a probability the model gave) and a *hit* (whether
what it was confident about happened) are binned; a bin's accuracy (share of hits)
against its mean confidence is a point of the reliability diagram, and the expected
calibration error (ECE) is the count-weighted mean of their gaps, the maximum
calibration error (MCE) the largest gap.

* classification, top label: the highest probability against the prediction being
  right (torchmetrics' ``MulticlassCalibrationError``); per class, each class's
  probability against the sample being of that class; binary scores: the positive
  class's probability against the sample being positive (``BinaryCalibrationError``);
* detection: each kept detection's score against its being a true positive at an IoU
  threshold (COCO's matching; detections matched to crowd regions are left out).

Bins are equal-width (``"uniform"``: ``[k/n, (k+1)/n)``, with a confidence of exactly 1 in
a last bin ``[1, 1]`` of its own, as torchmetrics bins them) or equal-mass
(``"quantile"``: the confidences in stable sorted order cut into ``n_bins`` runs of sizes
differing by at most one).

Shards: :class:`ClassificationCalibrationAccumulator` keeps the confidence and hit
columns in arrival order, so merged shards (in order) bin exactly the one-pass columns;
:func:`detection_calibration` reads a ``COCOevalAccumulator``'s merged matches, ordered
by category, image and rank as a one-pass evaluation is, so both give ``==`` results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._core.accumulator import Accumulator
from modelmetrics._core.arrays import as_array, check_consistent_length, check_finite
from modelmetrics._core.checks import check_int, check_option, check_real

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "Calibration",
    "ClassificationCalibration",
    "ClassificationCalibrationAccumulator",
    "ReliabilityDiagram",
    "calibration_of",
    "classification_calibration",
    "detection_calibration",
]

STRATEGIES = ("uniform", "quantile")


@dataclass(frozen=True, eq=False)
class ReliabilityDiagram:
    """Per bin: its bounds, count, mean confidence and accuracy (NaN when empty)."""

    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    count: NDArray[np.int64]
    confidence: NDArray[np.float64]
    accuracy: NDArray[np.float64]

    def as_dict(self) -> dict[str, list[Any]]:
        """JSON-ready lists (NaN as None)."""
        return {
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
            "count": self.count.tolist(),
            "confidence": _nan_as_none(self.confidence),
            "accuracy": _nan_as_none(self.accuracy),
        }


@dataclass(frozen=True, eq=False)
class Calibration:
    """Expected and maximum calibration error, with the reliability diagram.

    Attributes
    ----------
    ece : float
        Expected calibration error: sum over bins of ``count / total *
        |accuracy - confidence|`` (0 without predictions).
    mce : float
        Maximum calibration error: the largest ``|accuracy - confidence|`` of a
        non-empty bin (0 without predictions).
    n_samples : int
        Predictions binned.
    strategy : str
        ``"uniform"`` or ``"quantile"``.
    diagram : ReliabilityDiagram
        The bins.
    """

    ece: float
    mce: float
    n_samples: int
    strategy: str
    diagram: ReliabilityDiagram

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "ece": self.ece,
            "mce": self.mce,
            "n-samples": self.n_samples,
            "strategy": self.strategy,
            "diagram": self.diagram.as_dict(),
        }


@dataclass(frozen=True, eq=False)
class ClassificationCalibration:
    """Top-label calibration and each class's.

    Attributes
    ----------
    top_label : Calibration
        The highest probability against the prediction being right (for binary
        scores: the positive class's probability against the sample being positive).
    classes : dict
        Per class label, its probability against the sample being of that class
        (empty for binary scores).
    classwise_ece : float
        The mean of the classes' ECE (NaN without classes).
    """

    top_label: Calibration
    classes: dict[Any, Calibration]
    classwise_ece: float

    @property
    def ece(self) -> float:
        """The top-label ECE."""
        return self.top_label.ece

    @property
    def mce(self) -> float:
        """The top-label MCE."""
        return self.top_label.mce

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values; classes keyed by ``str(label)``."""
        return {
            "top-label": self.top_label.as_dict(),
            "classwise-ece": None if np.isnan(self.classwise_ece) else self.classwise_ece,
            "classes": {str(k): v.as_dict() for k, v in self.classes.items()},
        }


def calibration_of(
    confidence: NDArray[np.float64], hit: NDArray[np.bool_], n_bins: int, strategy: str
) -> Calibration:
    """Bin `confidence` (validated, 1-D float64) against `hit` and measure the gaps."""
    n = len(confidence)
    if strategy == "uniform":
        edges = np.arange(n_bins + 1, dtype=np.float64) / n_bins
        # [k/n, (k+1)/n); a confidence of exactly 1 lands in bin n_bins, [1, 1].
        index = np.searchsorted(edges, confidence, side="right") - 1
        lower = edges
        upper = np.append(edges[1:], 1.0)
        n_out = n_bins + 1
    else:
        # Bin b holds the ranks [b n // n_bins, (b + 1) n // n_bins) of the stable order.
        order = np.argsort(confidence, kind="stable")
        cuts = (np.arange(n_bins + 1, dtype=np.int64) * n) // n_bins
        index = np.empty(n, np.int64)
        index[order] = np.searchsorted(cuts, np.arange(n), side="right") - 1
        n_out = n_bins
        lower = np.full(n_out, np.nan)
        upper = np.full(n_out, np.nan)
        if n:
            sorted_conf = confidence[order]
            filled = cuts[1:] > cuts[:-1]
            lower[filled] = sorted_conf[cuts[:-1][filled]]
            upper[filled] = sorted_conf[cuts[1:][filled] - 1]
    count = np.bincount(index, minlength=n_out).astype(np.int64)
    conf_sum = np.bincount(index, weights=confidence, minlength=n_out)
    hit_sum = np.bincount(index, weights=hit.astype(np.float64), minlength=n_out)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = conf_sum / count
        accuracy = hit_sum / count
    filled_bins = count > 0
    gaps = np.abs(accuracy[filled_bins] - mean_conf[filled_bins])
    ece = float(np.sum(gaps * (count[filled_bins] / n))) if n else 0.0
    mce = float(gaps.max()) if n else 0.0
    diagram = ReliabilityDiagram(
        lower=np.asarray(lower, np.float64),
        upper=np.asarray(upper, np.float64),
        count=count,
        confidence=mean_conf,
        accuracy=accuracy,
    )
    return Calibration(ece=ece, mce=mce, n_samples=n, strategy=strategy, diagram=diagram)


def check_bins(n_bins: object, strategy: object) -> tuple[int, str]:
    """Validated `n_bins` (>= 1) and `strategy`."""
    bins = check_int("n_bins", n_bins, low=1, high=10**7)
    return bins, str(check_option("strategy", strategy, STRATEGIES))


def classification_calibration(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_bins: int = 15,
    strategy: str = "uniform",
    labels: ArrayLike | None = None,
) -> ClassificationCalibration:
    """Calibration of a classifier's probabilities: top label and per class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels: for multiclass scores, positions in `labels` (the column of the
        true class) or, with `labels`, the labels themselves; for binary scores 0/1.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Probabilities in [0, 1] (apply a softmax to logits first); one column per
        class, or the positive class's probability.
    n_bins : int, default=15
        Number of bins (torchmetrics' default).
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins.
    labels : array-like of shape (n_classes,), default=None
        The class of each column; default ``0 .. n_classes - 1``.

    Returns
    -------
    ClassificationCalibration

    Raises
    ------
    ValueError
        For scores outside [0, 1] or non-finite, labels that are not classes, lengths
        that differ, ``n_bins < 1`` or an unknown strategy.

    Examples
    --------
    >>> from modelmetrics.analysis import classification_calibration
    >>> c = classification_calibration([0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8],
    ...                                                [0.6, 0.4], [0.7, 0.3]], n_bins=5)
    >>> round(c.ece, 4), round(c.mce, 4)
    (0.15, 0.15)
    """
    bins, strategy = check_bins(n_bins, strategy)
    label_list, column, scores = _classification_columns(y_true, y_score, labels, None)
    return _classification_result(label_list, column, scores, bins, strategy)


def _classification_columns(
    y_true: ArrayLike,
    y_score: ArrayLike,
    labels: ArrayLike | list[Any] | None,
    n_columns: int | None,
) -> tuple[list[Any] | None, NDArray[np.int64], NDArray[np.float64]]:
    """Validated scores (float64) and each sample's true column (binary scores: the
    0/1 truth and labels None); `n_columns` is the width earlier batches had."""
    scores = as_array("y_score", y_score)
    if scores.dtype.kind not in "fiub":
        raise TypeError(f"y_score must hold numbers, got dtype {scores.dtype}")
    scores = scores.astype(np.float64, copy=False)
    truth = as_array("y_true", y_true)
    if scores.ndim not in (1, 2) or truth.ndim != 1:
        raise ValueError(
            f"y_score must be (n_samples,) or (n_samples, n_classes) and y_true "
            f"(n_samples,), got {scores.shape} and {truth.shape}"
        )
    check_consistent_length(y_true=truth, y_score=scores)
    check_finite("y_score", scores)
    if scores.size and (scores.min() < 0 or scores.max() > 1):
        raise ValueError("y_score must be probabilities in [0, 1]; apply a softmax to logits")
    width = 0 if scores.ndim == 1 else scores.shape[1]
    if n_columns is not None and width != n_columns:
        raise ValueError(
            f"y_score must have {n_columns or 'no'} columns like the earlier batches, "
            f"got shape {scores.shape}"
        )
    if scores.ndim == 1:
        if labels is not None:
            raise ValueError("labels applies to (n_samples, n_classes) scores only")
        return None, _binary_truth(truth).astype(np.int64), np.ascontiguousarray(scores)
    n_classes = scores.shape[1]
    if n_classes < 2:
        raise ValueError(f"y_score needs at least 2 columns, got {n_classes}")
    label_list = list(range(n_classes)) if labels is None else as_array("labels", labels).tolist()
    if len(label_list) != n_classes or len(set(label_list)) != n_classes:
        raise ValueError(
            f"labels must name each of the {n_classes} columns of y_score once, got {label_list}"
        )
    position = {label: k for k, label in enumerate(label_list)}
    try:
        column = np.fromiter((position[v] for v in truth.tolist()), np.int64, len(truth))
    except (KeyError, TypeError):
        unknown = next(v for v in truth.tolist() if v not in position)
        raise ValueError(f"y_true holds {unknown!r}, which is not one of labels") from None
    return label_list, column, scores


def _classification_result(
    label_list: list[Any] | None,
    column: NDArray[np.int64],
    scores: NDArray[np.float64],
    bins: int,
    strategy: str,
) -> ClassificationCalibration:
    if label_list is None:  # binary scores: `column` is the 0/1 truth
        top = calibration_of(np.ascontiguousarray(scores), column.astype(bool), bins, strategy)
        return ClassificationCalibration(top_label=top, classes={}, classwise_ece=float("nan"))
    predicted = np.argmax(scores, axis=1) if len(scores) else np.empty(0, np.int64)
    confidence = scores[np.arange(len(scores)), predicted] if len(scores) else np.empty(0)
    top = calibration_of(np.ascontiguousarray(confidence), predicted == column, bins, strategy)
    classes = {
        label: calibration_of(np.ascontiguousarray(scores[:, k]), column == k, bins, strategy)
        for k, label in enumerate(label_list)
    }
    classwise = float(np.mean([c.ece for c in classes.values()]))
    return ClassificationCalibration(top_label=top, classes=classes, classwise_ece=classwise)


class ClassificationCalibrationAccumulator(Accumulator[ClassificationCalibration]):
    """:func:`classification_calibration` over batches and shards.

    Keeps each batch's scores and true columns (equal-mass bins need them all); merged
    accumulators hold their batches in merge order, so shards merged in data order
    give ``==`` the one-pass result.

    Parameters
    ----------
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins.
    labels : array-like of shape (n_classes,), default=None
        The class of each score column (as in :func:`classification_calibration`).

    Examples
    --------
    >>> from modelmetrics.analysis import ClassificationCalibrationAccumulator
    >>> a = ClassificationCalibrationAccumulator(n_bins=5).update([0, 1], [[0.9, 0.1],
    ...                                                                   [0.2, 0.8]])
    >>> b = ClassificationCalibrationAccumulator(n_bins=5).update([1, 0], [[0.6, 0.4],
    ...                                                                   [0.7, 0.3]])
    >>> round(a.merge(b).compute().ece, 4)
    0.15
    """

    def __init__(
        self, n_bins: int = 15, strategy: str = "uniform", labels: ArrayLike | None = None
    ) -> None:
        self.n_bins, self.strategy = check_bins(n_bins, strategy)
        self.labels = None if labels is None else as_array("labels", labels).tolist()
        self.reset()

    def reset(self) -> None:
        """Forget every sample; keep the settings."""
        self._columns: list[NDArray[np.int64]] = []
        self._scores: list[NDArray[np.float64]] = []
        self._width: int | None = None  # score columns (0: binary) once a batch came

    def _config(self) -> tuple[Any, ...]:
        labels = None if self.labels is None else tuple(self.labels)
        return (self.n_bins, self.strategy, labels)

    def update(self, y_true: ArrayLike, y_score: ArrayLike) -> Self:
        """Add a batch: true labels and probabilities, as
        :func:`classification_calibration` takes them."""
        _, column, scores = _classification_columns(y_true, y_score, self.labels, self._width)
        if self._width is None:
            self._width = 0 if scores.ndim == 1 else scores.shape[1]
        self._columns.append(column)
        self._scores.append(scores)
        return self

    def _merge_state(self, other: Self) -> None:
        if self._width is not None and other._width is not None and self._width != other._width:
            raise ValueError(
                f"cannot merge scores of {other._width} columns into {self._width} columns"
            )
        if self._width is None:
            self._width = other._width
        self._columns.extend(other._columns)
        self._scores.extend(other._scores)

    def compute(self) -> ClassificationCalibration:
        """The calibration of every sample added, in order."""
        if self._width is None:
            raise ValueError("no samples were added to this accumulator")
        width = self._width
        column = np.concatenate(self._columns) if self._columns else np.empty(0, np.int64)
        shape = (0,) if width == 0 else (0, width)
        scores = np.concatenate(self._scores) if self._scores else np.empty(shape)
        labels = None if width == 0 else self.labels or list(range(width))
        return _classification_result(labels, column, scores, self.n_bins, self.strategy)


def detection_calibration(
    cocoGt: Any,
    cocoDt: Any = None,
    iou_type: str = "bbox",
    *,
    iou_threshold: float = 0.5,
    n_bins: int = 15,
    strategy: str = "uniform",
) -> Calibration:
    """Calibration of a detector's scores: each detection's score against its being a
    true positive at `iou_threshold`.

    The detections are those COCO evaluates (at most ``maxDets[-1]`` per image and
    category, highest scores first), matched by COCO's greedy rule over all area
    ranges; detections matched to crowd regions are left out, as COCO ignores them.

    Parameters
    ----------
    cocoGt : modelmetrics.coco.COCO, str, path, COCOeval or COCOevalAccumulator
        Ground truth (a path is read with ``COCO``), or a ``COCOeval`` whose ground
        truth, detections, ``iouType`` and image/category/max-detections parameters
        are used (its evaluation is left as it is), or a ``COCOevalAccumulator`` of
        merged shards: its matches at `iou_threshold` (one of its ``iouThrs``) in its
        ``"all"`` area range are read, ``==`` the one-pass result.
    cocoDt : modelmetrics.coco.COCO, str, path or list of dict, default=None
        Detections (a path or list is loaded with ``cocoGt.loadRes``); None with a
        ``COCOeval``.
    iou_type : {"bbox", "segm", "keypoints"}, default="bbox"
        The similarity matched on (ignored with a ``COCOeval``).
    iou_threshold : float, default=0.5
        The IoU (OKS for keypoints) at which a match counts.
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins (scores must be in [0, 1]) or equal-mass bins.

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        For invalid inputs (as ``COCO``/``COCOeval`` raise them), a threshold outside
        [0, 1], scores outside [0, 1] with uniform bins, ``n_bins < 1`` or an unknown
        strategy.
    """
    from modelmetrics._coco.accumulator import COCOevalAccumulator
    from modelmetrics._coco.api import COCO
    from modelmetrics._coco.eval import COCOeval, evaluation_of

    bins, strategy = check_bins(n_bins, strategy)
    threshold = check_real("iou_threshold", iou_threshold, low=0.0, high=1.0)
    if isinstance(cocoGt, COCOevalAccumulator):
        if cocoDt is not None:
            raise ValueError("cocoDt must be None when cocoGt is a COCOevalAccumulator")
        return _accumulator_calibration(cocoGt, threshold, bins, strategy)
    source = cocoGt if isinstance(cocoGt, COCOeval) else None
    if source is not None:
        if cocoDt is not None:
            raise ValueError("cocoDt must be None when cocoGt is a COCOeval")
        gt, dt, kind = source.cocoGt, source.cocoDt, source.params.iouType
        if gt is None or dt is None:
            raise ValueError("the COCOeval has no ground truth or detections")
    else:
        gt = cocoGt if isinstance(cocoGt, COCO) else COCO(cocoGt)
        if cocoDt is None:
            raise ValueError("cocoDt is required (detections, or pass a COCOeval as cocoGt)")
        dt = cocoDt if isinstance(cocoDt, COCO) else gt.loadRes(cocoDt)
        kind = str(check_option("iou_type", iou_type, ("bbox", "segm", "keypoints")))
    ev = COCOeval(gt, dt, kind)
    if source is not None:
        p = source.params
        ev.params.imgIds, ev.params.catIds = list(p.imgIds), list(p.catIds)
        ev.params.useCats, ev.params.maxDets = p.useCats, list(p.maxDets)
        if kind == "keypoints":
            ev.params.kpt_oks_sigmas = p.kpt_oks_sigmas
    ev.params.iouThrs = np.array([threshold])
    ev.params.areaRng, ev.params.areaRngLbl = [[0.0, float("inf")]], ["all"]
    ev.evaluate()
    evaluation = evaluation_of(ev)
    st = evaluation.settings
    slot_group = np.repeat(
        np.arange(len(evaluation.grouped.keys), dtype=np.int64), np.diff(evaluation.slot_start)
    )
    category = np.asarray(st.accumulated_category_ids)[evaluation.group_categories()[slot_group]]
    image = np.asarray(st.image_ids)[evaluation.slot_image]
    code = evaluation.slot_code[:, 0, 0]  # 0 false positive, 1 true positive, 2 ignored
    return _matched_calibration(
        image, category, evaluation.slot_rank, evaluation.slot_score, code, bins, strategy
    )


def _matched_calibration(
    image: NDArray[Any],
    category: NDArray[Any],
    rank: NDArray[Any],
    score: NDArray[np.float64],
    code: NDArray[np.uint8],
    bins: int,
    strategy: str,
) -> Calibration:
    """Bin the non-ignored detections in (category, image, rank) order: pycocotools'
    ``evalImgs`` order, on which one evaluation and merged shards agree (float sums and
    the ties of equal-mass bins depend on it)."""
    order = np.lexsort((rank, image, category))
    counted = order[code[order] != 2]
    scores = checked_confidence("the detection scores", score[counted], strategy)
    return calibration_of(scores, code[counted] == 1, bins, strategy)


def _accumulator_calibration(acc: Any, threshold: float, bins: int, strategy: str) -> Calibration:
    p = acc.params
    if p.iouType not in ("bbox", "segm", "keypoints"):
        raise ValueError(f"cocoGt.params.iouType is not supported: {p.iouType!r}")
    found = np.flatnonzero(np.asarray(p.iouThrs, np.float64) == threshold)
    if not len(found):
        raise ValueError(
            f"iou_threshold {threshold} is not one of the accumulator's iouThrs "
            f"{[float(t) for t in p.iouThrs]}"
        )
    labels = list(p.areaRngLbl)
    if "all" not in labels:
        raise ValueError("the accumulator's params.areaRngLbl has no 'all' range")
    category, image, rank, score, code = acc._state.detection_columns()
    codes = code[:, labels.index("all"), int(found[0])]
    return _matched_calibration(image, category, rank, score, codes, bins, strategy)


def _binary_truth(truth: NDArray[Any]) -> NDArray[np.bool_]:
    values = set(np.unique(truth).tolist()) if truth.size else set()
    if not values <= {0, 1}:
        raise ValueError(f"y_true must hold 0/1 for binary scores, got {sorted(values, key=str)}")
    positive: NDArray[np.bool_] = truth.astype(bool)
    return positive


def checked_confidence(name: str, values: ArrayLike, strategy: str) -> NDArray[np.float64]:
    """1-D finite float64 confidences (in [0, 1] for uniform bins)."""
    arr = np.ascontiguousarray(as_array(name, values, dtype=np.float64)).ravel()
    check_finite(name, arr)
    if strategy == "uniform" and arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must be in [0, 1] for uniform bins; use strategy='quantile'")
    return arr


def _nan_as_none(values: NDArray[np.float64]) -> list[float | None]:
    return [None if np.isnan(v) else float(v) for v in values.tolist()]
