"""The native detection API on the detection engine (see :mod:`modelmetrics.detection`)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.accumulator import Accumulator
from modelmetrics._detection.box_inputs import BoxFormat, box_inputs
from modelmetrics._detection.inputs import EvaluationInputs
from modelmetrics._detection.metrics import (
    ClassDetectionMetrics,
    DetectionMetrics,
    KeptDetections,
    assemble_metrics,
    compute_detection_metrics,
    confusion_counts,
    evaluate_inputs,
    per_class_metrics,
)
from modelmetrics._detection.settings import COCO_AREA_RANGES, MatchSettings
from modelmetrics._detection.state import EvaluatedColumns, reindex_square

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "ClassDetectionMetrics",
    "DetectionAccumulator",
    "DetectionMetrics",
    "evaluate_detections",
]


def _image_id(name: str, i: int, entry: object) -> int:
    if not isinstance(entry, Mapping) or "image_id" not in entry:
        raise ValueError(f"{name}[{i}] needs an 'image_id' to be accumulated")
    value = entry["image_id"]
    integral = isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and float(value).is_integer()
    )
    if isinstance(value, bool) or not integral:
        raise TypeError(f"{name}[{i}]['image_id'] must be an integer, got {value!r}")
    if not -(2**63) <= int(value) < 2**63:
        raise ValueError(f"{name}[{i}]['image_id'] does not fit in 64 bits: {value!r}")
    return int(value)


def evaluate_detections(
    ground_truth: Any,
    predictions: Any,
    *,
    iou_threshold: float = 0.5,
    score_threshold: float | None = None,
    max_detections: int = 100,
    box_format: BoxFormat = "xywh",
    classes: Sequence[Any] | None = None,
) -> DetectionMetrics:
    """Evaluate object detections against ground truth.

    Parameters
    ----------
    ground_truth : COCO, str, path, dict or sequence of mappings
        A COCO object or dataset (file or dict), or per-image arrays: one mapping per
        image with ``"boxes"`` (n, 4), ``"labels"`` (n,) and optionally ``"iscrowd"``,
        ``"area"`` (default: box area) and ``"image_id"`` (default: position).
    predictions : COCO, str, path, list of dict or sequence of mappings
        COCO results (file, list or ``COCO``), or per-image arrays with ``"boxes"``,
        ``"scores"`` and ``"labels"``, in the same image order as `ground_truth` (or
        with matching ``"image_id"``).
    iou_threshold : float, default=0.5
        IoU at or above which a detection matches a ground truth, for the per-class
        counts, precision, recall, F1, curves and the confusion matrix.
    score_threshold : float, default=None
        Detections scoring below it are left out of the per-class counts and the
        confusion matrix (not of AP, which sweeps every score). None keeps all.
    max_detections : int, default=100
        Detections kept per image and class, highest scores first (COCO's maxDets).
    box_format : {"xywh", "xyxy"}, default="xywh"
        Layout of per-image boxes; COCO data is always xywh.
    classes : sequence, default=None
        Evaluate only these class ids (a class filter); None evaluates every category
        of the ground truth.

    Returns
    -------
    DetectionMetrics
        ``map``, ``map50``, ``map75``, per-area AP and AR, ``classes`` (per-class
        :class:`ClassDetectionMetrics`), ``confusion_matrix`` and ``as_dict()``.

    Raises
    ------
    ValueError, TypeError
        For malformed inputs (naming the image or annotation and the field) or
        settings.

    Notes
    -----
    The confusion matrix matches class-agnostically: in score order, each detection
    takes the unmatched non-crowd ground truth of any class with the highest IoU
    >= `iou_threshold`; unmatched detections count in the ``background`` row, missed
    ground truths in the ``background`` column; detections on crowd regions are not
    counted. Per-class counts use COCO's per-class matching instead, like AP.

    Examples
    --------
    >>> from modelmetrics._detection.api import evaluate_detections
    >>> gt = [{"boxes": [[10, 10, 50, 50]], "labels": [1]}]
    >>> pred = [{"boxes": [[12, 11, 50, 50], [100, 100, 20, 20]], "scores": [0.9, 0.3],
    ...          "labels": [1, 1]}]
    >>> m = evaluate_detections(gt, pred)
    >>> m.classes[1].tp, m.classes[1].fp, m.classes[1].precision
    (1, 1, 0.5)
    """
    match = MatchSettings.checked(iou_threshold, score_threshold, max_detections)
    inputs = box_inputs(ground_truth, predictions, box_format)
    return compute_detection_metrics(inputs, match, None if classes is None else list(classes))


class DetectionAccumulator(Accumulator[DetectionMetrics]):
    """Streaming detection evaluation: ``update`` per batch of images, ``merge``, ``compute``.

    Each ``update`` runs COCO's matching on its batch at once and keeps only what
    accumulation needs: per kept detection (at most `max_detections` per image and
    class) its class, image id, rank, score and match codes per area range and IoU
    threshold (68 bytes with the default settings, 72 when `iou_threshold` is not one
    of COCO's ten), per class the ground-truth counts per area range, and the
    confusion matrix counts. The boxes, masks and annotation dicts are dropped after
    the update, so memory grows with the detections kept, not with the inputs. The
    state pickles and merges; an image may appear in one update only; with that, any
    batching and any merge order give results equal (``==``) to one
    :func:`evaluate_detections` call on all images. Each ``update`` has a fixed cost
    of about a millisecond: pass batches of tens of images or more, not single images.

    Parameters
    ----------
    iou_threshold, score_threshold, max_detections, box_format, classes
        As in :func:`evaluate_detections`.

    Examples
    --------
    >>> from modelmetrics._detection.api import DetectionAccumulator
    >>> acc = DetectionAccumulator()
    >>> _ = acc.update([{"boxes": [[0, 0, 10, 10]], "labels": [3], "image_id": 7}],
    ...                [{"boxes": [[0, 0, 10, 10]], "scores": [0.8], "labels": [3],
    ...                  "image_id": 7}])
    >>> round(acc.compute().map50, 12)  # pycocotools' precision is 1 / (1 + eps)
    1.0
    """

    def __init__(
        self,
        *,
        iou_threshold: float = 0.5,
        score_threshold: float | None = None,
        max_detections: int = 100,
        box_format: BoxFormat = "xywh",
        classes: Sequence[Any] | None = None,
    ) -> None:
        self.match = MatchSettings.checked(iou_threshold, score_threshold, max_detections)
        if box_format not in ("xywh", "xyxy"):
            raise ValueError(f"box_format must be 'xywh' or 'xyxy', got {box_format!r}")
        self.box_format: BoxFormat = box_format
        self.classes = None if classes is None else tuple(classes)
        self.reset()

    @property
    def iou_threshold(self) -> float:
        return self.match.iou_threshold

    @property
    def score_threshold(self) -> float | None:
        return self.match.score_threshold

    @property
    def max_detections(self) -> int:
        return self.match.max_detections

    def reset(self) -> None:
        """Forget all images; keep the configuration."""
        n_thresholds = len(self.match.iou_thresholds())
        self._state = EvaluatedColumns(len(COCO_AREA_RANGES), n_thresholds)
        self._labels = np.empty(0, np.int64)  # every class seen, sorted
        self._confusion = np.zeros((1, 1), np.int64)  # by _labels, then background
        self._image_ids: set[int] = set()

    @property
    def kept_detections(self) -> int:
        """Number of detections held in the state (at most `max_detections` per image and
        class)."""
        return self._state.n_detections

    @property
    def state_nbytes(self) -> int:
        """Bytes held by the accumulated state (columns, counts, confusion matrix)."""
        return self._state.nbytes + self._labels.nbytes + self._confusion.nbytes

    def _config(self) -> tuple[Any, ...]:
        return (
            self.iou_threshold,
            self.score_threshold,
            self.max_detections,
            self.box_format,
            self.classes,
        )

    def update(
        self, ground_truth: Sequence[Mapping[str, Any]], predictions: Sequence[Mapping[str, Any]]
    ) -> Self:
        """Add a batch of images given as per-image arrays, with ``"image_id"`` each.

        Raises
        ------
        ValueError
            For malformed arrays, missing or repeated image ids, or an image already
            added.
        """
        if len(ground_truth) != len(predictions):
            raise ValueError(
                f"predictions has {len(predictions)} images, ground_truth has {len(ground_truth)}"
            )
        gt_batch, pred_batch = [], []
        by_id = {}
        for i, entry in enumerate(predictions):
            by_id[_image_id("predictions", i, entry)] = entry
        batch_ids: set[int] = set()
        for i, entry in enumerate(ground_truth):
            image_id = _image_id("ground_truth", i, entry)
            if image_id in self._image_ids or image_id in batch_ids:
                raise ValueError(f"image {image_id} was already added to this accumulator")
            if image_id not in by_id:
                raise ValueError(f"ground_truth[{i}]: image {image_id} has no predictions entry")
            gt_batch.append(entry)
            pred_batch.append(by_id[image_id])
            batch_ids.add(image_id)
        if len(by_id) != len(gt_batch):
            raise ValueError("predictions and ground_truth must cover the same image ids")
        if gt_batch:
            self._add_batch(gt_batch, pred_batch)
        self._image_ids |= batch_ids
        return self

    def _inputs(
        self, ground_truth: list[Mapping[str, Any]], predictions: list[Mapping[str, Any]]
    ) -> EvaluationInputs:
        return box_inputs(ground_truth, predictions, self.box_format)

    def _add_batch(
        self, ground_truth: list[Mapping[str, Any]], predictions: list[Mapping[str, Any]]
    ) -> None:
        inputs = self._inputs(ground_truth, predictions)
        classes = None if self.classes is None else list(self.classes)
        ev = evaluate_inputs(inputs, self.match, classes, strict_classes=False)
        labels = list(ev.settings.category_ids)
        matrix = confusion_counts(inputs, ev, labels, self.match)
        self._state.add_evaluated(ev)
        # Classes of the batch, whether or not they survive the class filter (as the
        # one-pass evaluation's categories are every label of its inputs).
        seen = np.union1d(inputs.ground_truth.category_id, inputs.predictions.category_id)
        self._fold_confusion(np.asarray(labels, np.int64), matrix, seen.astype(np.int64))

    def _fold_confusion(
        self, labels: NDArray[np.int64], matrix: NDArray[np.int64], seen: NDArray[np.int64]
    ) -> None:
        union = np.union1d(np.union1d(self._labels, labels), seen)
        if len(union) != len(self._labels):
            self._confusion = reindex_square(self._labels, self._confusion, union)
            self._labels = union
        self._confusion += reindex_square(labels, matrix, union)

    def _merge_state(self, other: Self) -> None:
        overlap = self._image_ids & other._image_ids
        if overlap:
            raise ValueError(f"both accumulators hold image {min(overlap)}")
        self._state.merge(other._state)
        self._fold_confusion(other._labels, other._confusion, other._labels)
        self._image_ids |= other._image_ids

    def compute(self) -> DetectionMetrics:
        """Metrics over every image added.

        Raises
        ------
        ValueError
            If no image has been added, or `classes` names a class no image holds.
        """
        if not self._image_ids:
            raise ValueError("no images have been added to the accumulator")
        if self.classes is None:
            labels = self._labels
        else:
            unknown = [c for c in self.classes if c not in set(self._labels.tolist())]
            if unknown:
                raise ValueError(f"classes {unknown!r} are not categories of the ground truth")
            labels = np.unique(np.asarray(self.classes, np.int64))
        settings = self.match.evaluation_settings(sorted(self._image_ids), labels)
        columns = self._state.sorted_columns(labels)
        curves = self._state.accumulate(
            labels, settings.recall_thresholds, settings.max_detections, columns
        )
        cat_start, score, rank, code = columns
        npig, _ = self._state.counts_for(labels)
        kept = KeptDetections(
            category_start=cat_start,
            code=np.ascontiguousarray(code[:, 0, self.match.iou_index]),
            score=score,
            rank=rank,
            n_ground_truth=npig[:, 0],
        )
        category_ids = list(settings.category_ids)
        per_class = per_class_metrics(curves.precision, category_ids, settings, self.match, kept)
        # The rows and columns of `labels` (all classes, or the filter's) and background.
        keep = np.r_[np.searchsorted(self._labels, labels), len(self._labels)]
        matrix = np.ascontiguousarray(self._confusion[np.ix_(keep, keep)])
        return assemble_metrics(settings, curves, per_class, matrix, self.match)
