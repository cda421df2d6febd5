"""The native keypoint (pose) API on the detection engine (see :mod:`modelmetrics.keypoints`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._core.accumulator import Accumulator
from modelmetrics._detection.accumulate import accumulate
from modelmetrics._detection.api import _image_id
from modelmetrics._detection.box_inputs import BoxFormat
from modelmetrics._detection.evaluate import Evaluation
from modelmetrics._detection.keypoint_inputs import (
    check_keypoint_names,
    check_sigmas,
    default_keypoint_names,
    keypoint_inputs,
)
from modelmetrics._detection.keypoint_metrics import (
    ClassKeypointMetrics,
    KeypointMetrics,
    KeypointSimilarity,
    assemble_keypoint_metrics,
    evaluate_keypoint_inputs,
    keypoint_class_metrics,
    keypoint_settings,
    keypoint_similarity,
)
from modelmetrics._detection.keypoints import KEYPOINT_AREA_RANGES
from modelmetrics._detection.metrics import KeptDetections
from modelmetrics._detection.settings import MatchSettings
from modelmetrics._detection.state import EvaluatedColumns

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "ClassKeypointMetrics",
    "KeypointAccumulator",
    "KeypointMetrics",
    "KeypointSimilarity",
    "evaluate_keypoints",
]


def evaluate_keypoints(
    ground_truth: Any,
    predictions: Any,
    *,
    sigmas: ArrayLike | None = None,
    iou_threshold: float = 0.5,
    score_threshold: float | None = None,
    max_detections: int = 20,
    box_format: BoxFormat = "xywh",
    classes: Sequence[Any] | None = None,
    keypoint_names: Sequence[str] | None = None,
) -> KeypointMetrics:
    """Evaluate predicted keypoints (poses) against ground truth with COCO's OKS.

    Parameters
    ----------
    ground_truth : COCO, str, path, dict or sequence of mappings
        A COCO object or dataset (file or dict) whose annotations carry ``keypoints``
        and ``num_keypoints``, or per-image arrays: one mapping per image with
        ``"keypoints"`` (n, k, 3) as x, y, visibility (0: not labeled), ``"labels"``
        (n,), and ``"area"`` (n,) or ``"boxes"`` (n, 4), or both; optionally
        ``"iscrowd"`` and ``"image_id"`` (default: position). OKS scales distances by
        the area: give COCO's (segmentation) area where known; without it the box
        area is used. A ground truth without labeled keypoints needs a box (see Notes).
    predictions : COCO, str, path, list of dict or sequence of mappings
        COCO keypoint results (file, list or ``COCO``), or per-image arrays with
        ``"keypoints"`` (n, k, 3) or (n, k, 2) (a third column is not read),
        ``"scores"`` and ``"labels"``, in the same image order as `ground_truth` (or
        with matching ``"image_id"``).
    sigmas : array-like of shape (k,), default=None
        Per-keypoint OKS sigmas; None uses COCO's 17 person sigmas (pycocotools'
        ``kpt_oks_sigmas``).
    iou_threshold : float, default=0.5
        OKS at or above which a prediction matches a ground truth, for the per-class
        counts, precision, recall, F1, curves and the per-keypoint similarity.
    score_threshold : float, default=None
        Predictions scoring below it are left out of the per-class counts and the
        per-keypoint similarity (not of AP, which sweeps every score). None keeps all.
    max_detections : int, default=20
        Predictions kept per image and class, highest scores first (COCO keypoints'
        maxDets).
    box_format : {"xywh", "xyxy"}, default="xywh"
        Layout of per-image ground-truth boxes; COCO data is always xywh.
    classes : sequence, default=None
        Evaluate only these class ids; None evaluates every class.
    keypoint_names : sequence of str, default=None
        A name per keypoint, for the per-keypoint results. None takes them from the
        COCO categories' ``keypoints`` lists, or COCO's person keypoint names when
        `sigmas` is None, else leaves keypoints unnamed.

    Returns
    -------
    KeypointMetrics
        ``map``, ``map50``, ``map75``, ``map_medium``, ``map_large``, ``mar`` and the
        other average recalls, ``classes`` (per-class :class:`ClassKeypointMetrics`),
        ``per_keypoint`` (one :class:`KeypointSimilarity` per keypoint), ``coco_stats``
        and ``as_dict()``.

    Raises
    ------
    ValueError, TypeError
        For malformed inputs (naming the image or annotation and the field), keypoints
        whose count differs from the sigmas', or invalid settings.

    Notes
    -----
    Per-image arrays get what COCO's files hold, so the numbers are those of
    ``COCOeval(iouType="keypoints")`` on the equivalent files: a ground truth's
    ``num_keypoints`` is its number of labeled keypoints, and one with none is ignored
    (as are crowd regions); predictions matched to it are ignored too, which needs its
    box (pycocotools compares predictions with a box three times its size): without
    ``"boxes"``, a ground truth with no labeled keypoint is an error (with labeled
    keypoints its box is never read). A prediction's area, which decides
    whether an unmatched prediction counts in the medium or large range, is that of the
    box its keypoints span, as ``COCO.loadRes`` computes it. There is no confusion
    matrix: OKS compares keypoints of one skeleton, within a class.

    Examples
    --------
    >>> from modelmetrics._detection.keypoints_api import evaluate_keypoints
    >>> gt = [{"keypoints": [[[10, 10, 2], [20, 10, 2], [0, 0, 0]]], "labels": [1],
    ...        "area": [400.0]}]
    >>> pred = [{"keypoints": [[[10, 10], [22, 10], [15, 30]], [[90, 90], [95, 90], [99, 95]]],
    ...          "scores": [0.9, 0.3], "labels": [1, 1]}]
    >>> m = evaluate_keypoints(gt, pred, sigmas=[0.1, 0.1, 0.1], keypoint_names=["a", "b", "c"])
    >>> m.classes[1].tp, m.classes[1].fp
    (1, 1)
    >>> # "b" is 2 px off: exp(-2**2 / (2 * 400 * (2 * 0.1)**2)) = exp(-0.125); "c" unlabeled
    >>> [(kp.name, kp.pairs, round(kp.oks, 4)) for kp in m.per_keypoint]
    [('a', 1, 1.0), ('b', 1, 0.8825), ('c', 0, nan)]
    """
    match = MatchSettings.checked(iou_threshold, score_threshold, max_detections)
    return evaluated_keypoints(
        ground_truth, predictions, match, sigmas, box_format, classes, keypoint_names
    )[0]


def evaluated_keypoints(
    ground_truth: Any,
    predictions: Any,
    match: MatchSettings,
    sigmas: ArrayLike | None,
    box_format: BoxFormat,
    classes: Sequence[Any] | None,
    keypoint_names: Sequence[str] | None,
) -> tuple[KeypointMetrics, Evaluation]:
    """:func:`evaluate_keypoints` with checked `match`, and the evaluation it ran
    (for the report's analysis, which reuses it)."""
    sig = check_sigmas(sigmas)
    names = check_keypoint_names(keypoint_names, len(sig))
    kin = keypoint_inputs(ground_truth, predictions, sig, box_format)
    ev, terms = evaluate_keypoint_inputs(kin, match, None if classes is None else list(classes))
    curves = accumulate(ev, ev.settings)
    labels = list(ev.settings.category_ids)
    kept = KeptDetections.of(ev, match.iou_index)
    per_class = keypoint_class_metrics(curves, labels, ev.settings, match, kept)
    shown = (
        names
        if names is not None
        else default_keypoint_names(sigmas is not None, kin.keypoint_names)
    )
    per_keypoint = keypoint_similarity(terms, sig, shown)
    metrics = assemble_keypoint_metrics(ev.settings, curves, per_class, per_keypoint, match)
    return metrics, ev


class KeypointAccumulator(Accumulator[KeypointMetrics]):
    """Streaming keypoint evaluation: ``update`` per batch of images, ``merge``, ``compute``.

    Each ``update`` runs COCO's keypoint matching on its batch and keeps what
    accumulation needs (as :class:`modelmetrics.detection.DetectionAccumulator` does:
    per kept prediction its class, image id, rank, score and match codes, per class
    the ground-truth counts) plus, per pair matched at `iou_threshold` above
    `score_threshold`, its per-keypoint terms (8 bytes per keypoint). Keypoints and
    annotation arrays are dropped after the update. The state pickles and merges; an
    image may appear in one update only; with that, any batching and any merge order
    give results equal (``==``) to one :func:`evaluate_keypoints` call on all images.

    Parameters
    ----------
    sigmas, iou_threshold, score_threshold, max_detections, box_format, classes, \
keypoint_names
        As in :func:`evaluate_keypoints` (per-image arrays only, each with
        ``"image_id"``).

    Examples
    --------
    >>> from modelmetrics._detection.keypoints_api import KeypointAccumulator
    >>> acc = KeypointAccumulator(sigmas=[0.1, 0.1])
    >>> _ = acc.update([{"keypoints": [[[0, 0, 2], [9, 9, 2]]], "labels": [1], "area": [81],
    ...                  "image_id": 7}],
    ...                [{"keypoints": [[[0, 0], [9, 9]]], "scores": [0.8], "labels": [1],
    ...                  "image_id": 7}])
    >>> m = acc.compute()
    >>> m.classes[1].tp, m.per_keypoint[1].oks
    (1, 1.0)
    """

    def __init__(
        self,
        *,
        sigmas: ArrayLike | None = None,
        iou_threshold: float = 0.5,
        score_threshold: float | None = None,
        max_detections: int = 20,
        box_format: BoxFormat = "xywh",
        classes: Sequence[Any] | None = None,
        keypoint_names: Sequence[str] | None = None,
    ) -> None:
        self.match = MatchSettings.checked(iou_threshold, score_threshold, max_detections)
        self.sigmas = check_sigmas(sigmas)
        self.sigmas.flags.writeable = False
        given = check_keypoint_names(keypoint_names, len(self.sigmas))
        self.keypoint_names = (
            given if given is not None else default_keypoint_names(sigmas is not None, None)
        )
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
        self._state = EvaluatedColumns(len(KEYPOINT_AREA_RANGES), n_thresholds)
        self._labels = np.empty(0, np.int64)  # every class seen, sorted
        self._terms: list[NDArray[np.float64]] = []  # per matched pair, per keypoint
        self._image_ids: set[int] = set()

    @property
    def kept_detections(self) -> int:
        """Number of predictions held in the state (at most `max_detections` per image
        and class)."""
        return self._state.n_detections

    @property
    def state_nbytes(self) -> int:
        """Bytes held by the accumulated state."""
        return self._state.nbytes + self._labels.nbytes + sum(t.nbytes for t in self._terms)

    def _config(self) -> tuple[Any, ...]:
        return (
            tuple(self.sigmas.tolist()),
            self.iou_threshold,
            self.score_threshold,
            self.max_detections,
            self.box_format,
            self.classes,
            self.keypoint_names,
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
        by_id = {_image_id("predictions", i, e): e for i, e in enumerate(predictions)}
        gt_batch, pred_batch = [], []
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

    def _add_batch(
        self, ground_truth: list[Mapping[str, Any]], predictions: list[Mapping[str, Any]]
    ) -> None:
        kin = keypoint_inputs(ground_truth, predictions, self.sigmas, self.box_format)
        classes = None if self.classes is None else list(self.classes)
        ev, terms = evaluate_keypoint_inputs(kin, self.match, classes, strict_classes=False)
        self._state.add_evaluated(ev)
        # Classes of the batch, whether or not they survive the class filter (as the
        # one-pass evaluation's categories are every label of its inputs).
        seen = np.union1d(
            kin.inputs.ground_truth.category_id, kin.inputs.predictions.category_id
        ).astype(np.int64)
        self._labels = np.union1d(self._labels, seen)
        if len(terms):
            self._terms.append(terms)

    def _merge_state(self, other: Self) -> None:
        overlap = self._image_ids & other._image_ids
        if overlap:
            raise ValueError(f"both accumulators hold image {min(overlap)}")
        self._state.merge(other._state)
        self._labels = np.union1d(self._labels, other._labels)
        self._terms.extend(other._terms)
        self._image_ids |= other._image_ids

    def compute(self) -> KeypointMetrics:
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
        settings = keypoint_settings(self.match, sorted(self._image_ids), labels)
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
        per_class = keypoint_class_metrics(curves, category_ids, settings, self.match, kept)
        k = len(self.sigmas)
        terms = np.concatenate(self._terms) if self._terms else np.empty((0, k))
        per_keypoint = keypoint_similarity(terms, self.sigmas, self.keypoint_names)
        return assemble_keypoint_metrics(settings, curves, per_class, per_keypoint, self.match)
