"""The detection and instance segmentation adapters: COCO data or per-image arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelmetrics._core.checks import check_that
from modelmetrics._core.jsonable import to_jsonable
from modelmetrics._report.adapters.common import (
    ModelTypeAdapter,
    SplitEvaluation,
    check_loss,
    threshold_or_default,
)

__all__ = ["DetectionAdapter", "InstanceSegmentationAdapter"]


class DetectionAdapter(ModelTypeAdapter):
    """COCO data or per-image arrays, as :func:`modelmetrics.detection.evaluate_detections`.

    `labels` maps class ids to names (used for the per-class keys, the confusion
    matrix and the dataset statistics). `threshold` is the score threshold for the
    per-class counts (default 0.5); the accuracy is ``TP / (TP + FP + FN)`` summed
    over classes at that threshold and IoU >= ``iou_threshold`` (option, default 0.5).
    Dataset statistics count the non-crowd ground-truth instances per class.
    """

    model_type = "detection"
    task = "detection"
    options: tuple[str, ...] = ("iou_threshold", "max_detections", "box_format", "classes")

    def _metrics(self, ground_truth: Any, predictions: Any, **kwargs: Any) -> Any:
        from modelmetrics._detection.api import evaluate_detections

        return evaluate_detections(ground_truth, predictions, **kwargs)

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
    ) -> SplitEvaluation:
        self._no_options(options, self.options)
        thr = threshold_or_default(threshold, 0.5)
        metrics = self._metrics(ground_truth, predictions, score_threshold=thr, **options)
        names = _class_names(labels)
        out = metrics.as_dict(curves=True)
        out["per-class"] = {
            names.get(label, str(label)): values
            for label, values in zip(metrics.classes, out["per-class"].values(), strict=True)
        }
        out["confusion-matrix"]["labels"] = [
            names.get(label, label) for label in out["confusion-matrix"]["labels"]
        ]
        tp = sum(m.tp for m in metrics.classes.values())
        wrong = sum(m.fp + m.fn for m in metrics.classes.values())
        accuracy = tp / (tp + wrong) if tp + wrong else None
        stats = {names.get(label, str(label)): m.support for label, m in metrics.classes.items()}
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: stats},
            loss=check_loss(loss),
            accuracy={"accuracy": accuracy, "threshold": thr},
        )


class InstanceSegmentationAdapter(DetectionAdapter):
    """COCO data with segmentations or per-image masks, as
    :func:`modelmetrics.instance_segmentation.evaluate_instance_segmentation`: the
    detection outputs with mask IoU."""

    model_type = "instance-segmentation"
    task = "instance-segmentation"
    options = ("iou_threshold", "max_detections", "classes")

    def _metrics(self, ground_truth: Any, predictions: Any, **kwargs: Any) -> Any:
        from modelmetrics._detection.instance_api import evaluate_instance_segmentation

        return evaluate_instance_segmentation(ground_truth, predictions, **kwargs)


def _class_names(labels: Any) -> dict[Any, str]:
    if labels is None:
        return {}
    check_that(
        isinstance(labels, Mapping), "labels", "a mapping {class id: name} for detection", labels
    )
    return {k: str(v) for k, v in labels.items()}
