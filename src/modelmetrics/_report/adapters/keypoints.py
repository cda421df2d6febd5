"""The keypoints adapter: COCO keypoint data or per-image keypoint arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelmetrics._core.jsonable import to_jsonable
from modelmetrics._report.adapters.common import (
    ModelTypeAdapter,
    SplitEvaluation,
    check_loss,
    threshold_or_default,
)
from modelmetrics._report.adapters.detection import _class_names
from modelmetrics._report.analysis import AnalysisOptions, coco_analysis

__all__ = ["KeypointsAdapter"]


class KeypointsAdapter(ModelTypeAdapter):
    """COCO keypoint data or per-image arrays, as
    :func:`modelmetrics.keypoints.evaluate_keypoints`.

    `labels` maps class ids to names (used for the per-class keys and the dataset
    statistics). `threshold` is the score threshold for the per-class counts and the
    per-keypoint similarity (default 0.5); the accuracy is ``TP / (TP + FP + FN)``
    summed over classes at that threshold and OKS >= ``iou_threshold`` (option, default
    0.5). Dataset statistics count the ground truths COCO evaluates per class (not
    crowd, with a labeled keypoint). The metrics hold the detection page's numbers
    (no confusion matrix: OKS compares keypoints within a class) and ``per-keypoint``.

    With `analysis`: bootstrap intervals, calibration (at the OKS threshold) and the
    state from the same evaluation (see :mod:`modelmetrics._report.analysis`).
    """

    model_type = "keypoints"
    task = "keypoints"
    options: tuple[str, ...] = (
        "sigmas",
        "iou_threshold",
        "max_detections",
        "box_format",
        "classes",
        "keypoint_names",
    )

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
        analysis: AnalysisOptions | None = None,
    ) -> SplitEvaluation:
        from modelmetrics._detection.keypoints_api import evaluated_keypoints
        from modelmetrics._detection.settings import MatchSettings

        self._no_options(options, self.options)
        thr = threshold_or_default(threshold, 0.5)
        match = MatchSettings.checked(
            options.get("iou_threshold", 0.5), thr, options.get("max_detections", 20)
        )
        metrics, ev = evaluated_keypoints(
            ground_truth,
            predictions,
            match,
            options.get("sigmas"),
            options.get("box_format", "xywh"),
            options.get("classes"),
            options.get("keypoint_names"),
        )
        names = _class_names(labels)
        out = metrics.as_dict(curves=True)
        out["per-class"] = {
            names.get(label, str(label)): values
            for label, values in zip(metrics.classes, out["per-class"].values(), strict=True)
        }
        tp = sum(m.tp for m in metrics.classes.values())
        wrong = sum(m.fp + m.fn for m in metrics.classes.values())
        accuracy = tp / (tp + wrong) if tp + wrong else None
        stats = {names.get(label, str(label)): m.support for label, m in metrics.classes.items()}
        extra = None
        if analysis is not None:
            # COCO keypoints keep one max-detections setting: its recall is "mar".
            rename = {f"mar-{match.max_detections}": "mar"}
            extra = coco_analysis(ev, match, analysis, names, tide_inputs=None, rename=rename)
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: stats},
            loss=check_loss(loss),
            accuracy={"accuracy": accuracy, "threshold": thr},
            analysis=extra,
        )
