"""The native instance-segmentation API: detection with mask IoU.

See :mod:`modelmetrics.instance_segmentation` for the public description.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelmetrics._detection.api import DetectionAccumulator
from modelmetrics._detection.inputs import EvaluationInputs
from modelmetrics._detection.mask_inputs import mask_inputs
from modelmetrics._detection.metrics import (
    ClassDetectionMetrics,
    DetectionMetrics,
    compute_detection_metrics,
)
from modelmetrics._detection.settings import MatchSettings

__all__ = [
    "ClassDetectionMetrics",
    "DetectionMetrics",
    "InstanceSegmentationAccumulator",
    "evaluate_instance_segmentation",
]


def evaluate_instance_segmentation(
    ground_truth: Any,
    predictions: Any,
    *,
    iou_threshold: float = 0.5,
    score_threshold: float | None = None,
    max_detections: int = 100,
    classes: Sequence[Any] | None = None,
) -> DetectionMetrics:
    """Evaluate predicted instance masks against ground-truth masks.

    Parameters
    ----------
    ground_truth : COCO, str, path, dict or sequence of mappings
        A COCO object or dataset (file or dict) whose annotations carry
        ``segmentation``, or per-image arrays: one mapping per image with ``"masks"``
        (a boolean or 0/1 array of shape (n, height, width), or a list of n masks, each
        a 2-D array, an RLE dict or a COCO polygon list), ``"labels"`` (n,) and
        optionally ``"iscrowd"``, ``"area"`` (default: mask area), ``"image_id"``
        (default: position) and ``"height"``/``"width"`` (needed for polygons).
    predictions : COCO, str, path, list of dict or sequence of mappings
        COCO segmentation results (file, list or ``COCO``), or per-image arrays with
        ``"masks"``, ``"scores"`` and ``"labels"``, in the same image order as
        `ground_truth` (or with matching ``"image_id"``).
    iou_threshold : float, default=0.5
        Mask IoU at or above which a prediction matches a ground truth, for the
        per-class counts, precision, recall, F1, curves and the confusion matrix.
    score_threshold : float, default=None
        Predictions scoring below it are left out of the per-class counts and the
        confusion matrix (not of AP, which sweeps every score). None keeps all.
    max_detections : int, default=100
        Predictions kept per image and class, highest scores first (COCO's maxDets).
    classes : sequence, default=None
        Evaluate only these class ids; None evaluates every category of the ground
        truth.

    Returns
    -------
    DetectionMetrics
        As :func:`modelmetrics.detection.evaluate_detections` returns, from mask IoUs.

    Raises
    ------
    ValueError, TypeError
        For malformed inputs (naming the image or annotation and the field), masks
        whose size differs from their image's, or invalid settings.

    Notes
    -----
    The confusion matrix matches class-agnostically by mask IoU, as described for
    :func:`modelmetrics.detection.evaluate_detections`. A crowd ground truth is
    matched by the intersection over the prediction's area, as in COCO.

    Examples
    --------
    >>> import numpy as np
    >>> from modelmetrics._detection.instance_api import evaluate_instance_segmentation
    >>> truth = np.zeros((1, 8, 8), bool)
    >>> truth[0, 2:6, 2:6] = True
    >>> guess = np.zeros((2, 8, 8), bool)
    >>> guess[0, 2:6, 3:7] = True  # IoU 12 / 20 = 0.6
    >>> guess[1, 0:2, 0:2] = True  # no overlap
    >>> m = evaluate_instance_segmentation(
    ...     [{"masks": truth, "labels": [1]}],
    ...     [{"masks": guess, "scores": [0.9, 0.4], "labels": [1, 1]}],
    ... )
    >>> m.classes[1].tp, m.classes[1].fp, m.classes[1].fn
    (1, 1, 0)
    """
    match = MatchSettings.checked(iou_threshold, score_threshold, max_detections)
    inputs = mask_inputs(ground_truth, predictions)
    return compute_detection_metrics(inputs, match, None if classes is None else list(classes))


class InstanceSegmentationAccumulator(DetectionAccumulator):
    """Streaming instance-segmentation evaluation: ``update`` per batch of images,
    ``merge``, ``compute``.

    As :class:`modelmetrics.detection.DetectionAccumulator`, with per-image ``"masks"``
    instead of ``"boxes"``; masks are matched at ``update`` and dropped, the state keeps
    the same per-detection columns. Any batching and merge order give results equal
    (``==``) to one :func:`evaluate_instance_segmentation` call on all images.

    Parameters
    ----------
    iou_threshold, score_threshold, max_detections, classes
        As in :func:`evaluate_instance_segmentation`.
    """

    def __init__(
        self,
        *,
        iou_threshold: float = 0.5,
        score_threshold: float | None = None,
        max_detections: int = 100,
        classes: Sequence[Any] | None = None,
    ) -> None:
        super().__init__(
            iou_threshold=iou_threshold,
            score_threshold=score_threshold,
            max_detections=max_detections,
            classes=classes,
        )

    def _inputs(
        self, ground_truth: list[Mapping[str, Any]], predictions: list[Mapping[str, Any]]
    ) -> EvaluationInputs:
        return mask_inputs(ground_truth, predictions)
