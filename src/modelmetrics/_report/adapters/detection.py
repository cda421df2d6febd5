"""The detection and instance segmentation adapters: COCO data or per-image arrays."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.checks import check_that
from modelmetrics._core.jsonable import json_float, to_jsonable
from modelmetrics._report.adapters.common import (
    ModelTypeAdapter,
    SplitEvaluation,
    check_loss,
    threshold_or_default,
)
from modelmetrics._report.adapters.thresholds import (
    MAX_CONFUSION_CELLS,
    at_or_above,
    curve_points,
    operating_points,
    threshold_grid,
)
from modelmetrics._report.analysis import AnalysisOptions, coco_analysis

__all__ = ["DetectionAdapter", "InstanceSegmentationAdapter", "MatchedDetections"]

_TP = 1


class MatchedDetections:
    """One COCO matching of a split, kept for what the report adds to the metrics.

    The same evaluation as :func:`modelmetrics.detection.evaluate_detections` (the
    metrics are computed from it with the engine's functions, so they are equal),
    run with the kernel's per-detection match record on, which names the ground truth
    each detection matched at each IoU threshold.
    """

    def __init__(self, inputs: Any, match: Any, classes: list[Any] | None) -> None:
        from modelmetrics._detection.accumulate import accumulate
        from modelmetrics._detection.evaluate import evaluate
        from modelmetrics._detection.grouping import group
        from modelmetrics._detection.metrics import (
            KeptDetections,
            assemble_metrics,
            confusion_counts,
            per_class_metrics,
        )

        category_ids = list(inputs.category_ids)
        if classes is not None:  # as evaluate_inputs does
            known = set(category_ids)
            unknown = [c for c in classes if c not in known]
            if unknown:
                raise ValueError(f"classes {unknown!r} are not categories of the ground truth")
            category_ids = sorted(set(classes) & known)
        settings = match.evaluation_settings(inputs.image_ids, category_ids)
        gt, dt = inputs.ground_truth, inputs.predictions
        # The record arrays are sized by the groups' kept detections and ground truths.
        g = group(gt, dt, settings)
        max_det = int(settings.max_detections[-1])
        n_slots = int(np.minimum(np.diff(g.dt_start), max_det).sum())
        n_gt = len(g.gt_rows)
        A, T = len(settings.area_ranges), len(settings.iou_thresholds)
        self._slot_match = np.zeros((A, T, n_slots))  # matched ground-truth id, 0: none
        detail = (
            self._slot_match,
            np.zeros((A, T, n_slots), np.uint8),
            np.zeros((A, n_gt), np.int64),
            np.zeros((A, T, n_gt)),
            np.zeros((A, n_gt), np.uint8),
        )
        ev = evaluate(gt, dt, settings, inputs.masks, detail=detail)
        curves = accumulate(ev, ev.settings)
        self.labels = list(ev.settings.category_ids)
        self.kept = KeptDetections.of(ev, match.iou_index)
        per_class = per_class_metrics(curves.precision, self.labels, ev.settings, match, self.kept)
        matrix = confusion_counts(inputs, ev, self.labels, match)
        self.metrics = assemble_metrics(ev.settings, curves, per_class, matrix, match)
        self.inputs, self.match, self.ev = inputs, match, ev

    def _counted(self) -> NDArray[np.bool_]:
        """Kept detections within max_detections that are not ignored."""
        counted: NDArray[np.bool_] = (self.kept.rank < self.match.max_detections) & (
            self.kept.code != 2
        )
        return counted

    def _slot_class(self) -> NDArray[np.intp]:
        return np.repeat(np.arange(len(self.labels)), np.diff(self.kept.category_start))

    def matched_ious(self) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """The class index and the IoU of each true positive of the per-class counts
        (IoU >= iou_threshold, score >= score_threshold, within max_detections)."""
        from modelmetrics import _kernels
        from modelmetrics._detection.grouping import positions

        match, ev = self.match, self.ev
        take = (self.kept.code == _TP) & (self.kept.rank < match.max_detections)
        if match.score_threshold is not None:
            take &= self.kept.score >= match.score_threshold
        slots = np.flatnonzero(take)
        # Matches are recorded by ground-truth id; an id names the last annotation
        # holding it, as pycocotools' index and the engine resolve repeated ids.
        gt_rows = positions(self._slot_match[0, match.iou_index, slots], ev.grouped.gt_id.tolist())
        if np.any(gt_rows < 0):  # pragma: no cover - the kernel recorded an unknown id
            raise RuntimeError("a matched ground-truth id is not in the columns")
        dt_rows = ev.slot_det[slots]
        masks = self.inputs.masks
        if masks is None:
            ious = _box_iou_pairs(
                self.inputs.predictions.bbox[dt_rows], self.inputs.ground_truth.bbox[gt_rows]
            )
        else:
            ious = np.empty(len(slots))
            one = np.empty((1, 1))
            no_crowd = np.zeros(1, np.uint8)
            for i, (d, t) in enumerate(zip(dt_rows.tolist(), gt_rows.tolist(), strict=True)):
                _kernels.coco_mask_iou(
                    masks.detections, np.array([d], np.int64), masks.ground_truth,
                    np.array([t], np.int64), no_crowd, one,
                )  # fmt: skip
                ious[i] = one[0, 0]
        return self._slot_class()[slots], ious

    def threshold_counts(self, threshold: float, names: list[str]) -> dict[str, Any]:
        """Per class, true and false positives at each grid threshold, and the
        confusion matrix at each when it is small (see the thresholds module)."""
        from modelmetrics._detection.metrics import confusion_counts
        from modelmetrics._detection.settings import MatchSettings

        counted = self._counted()
        score, code = self.kept.score[counted], self.kept.code[counted]
        cls = self._slot_class()[counted]
        grid = threshold_grid(threshold, self.kept.score)
        k = len(self.labels)
        tp = at_or_above(score[code == _TP], grid, cls[code == _TP], k)
        fp = at_or_above(score[code != _TP], grid, cls[code != _TP], k)
        out: dict[str, Any] = {
            "rule": "detection-score",
            "thresholds": grid.tolist(),
            "support": dict(zip(names, self.kept.n_ground_truth.tolist(), strict=True)),
            "tp": dict(zip(names, tp.tolist(), strict=True)),
            "fp": dict(zip(names, fp.tolist(), strict=True)),
        }
        if (k + 1) ** 2 * len(grid) <= MAX_CONFUSION_CELLS:
            matrices = []
            for t in grid.tolist():
                at = MatchSettings(self.match.iou_threshold, t, self.match.max_detections)
                matrices.append(confusion_counts(self.inputs, self.ev, self.labels, at).tolist())
            out["confusion"] = {"labels": [*names, "background"], "matrices": matrices}
        return out

    def operating_points(self, names: list[str]) -> dict[str, Any]:
        """Per class, the best-F1 and highest-recall-at-precision thresholds."""
        counted = self._counted()
        start = self.kept.category_start
        out = {}
        for k, name in enumerate(names):
            sel = counted[start[k] : start[k + 1]]
            s = self.kept.score[start[k] : start[k + 1]][sel]
            hit = self.kept.code[start[k] : start[k + 1]][sel] == _TP
            thresholds, tp, fp = curve_points(s, hit)
            out[name] = operating_points(thresholds, tp, fp, int(self.kept.n_ground_truth[k]))
        return out


def _box_iou_pairs(dt: NDArray[np.float64], gt: NDArray[np.float64]) -> NDArray[np.float64]:
    """IoU of each pair of xywh boxes (row i of `dt` with row i of `gt`), as COCO's."""
    w = np.minimum(dt[:, 0] + dt[:, 2], gt[:, 0] + gt[:, 2]) - np.maximum(dt[:, 0], gt[:, 0])
    h = np.minimum(dt[:, 1] + dt[:, 3], gt[:, 1] + gt[:, 3]) - np.maximum(dt[:, 1], gt[:, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    union = dt[:, 2] * dt[:, 3] + gt[:, 2] * gt[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou: NDArray[np.float64] = np.where(union > 0, inter / union, 0.0)
    return iou


class DetectionAdapter(ModelTypeAdapter):
    """COCO data or per-image arrays, as :func:`modelmetrics.detection.evaluate_detections`.

    `labels` maps class ids to names (used for the per-class keys, the confusion
    matrix and the dataset statistics). `threshold` is the score threshold for the
    per-class counts (default 0.5); the accuracy is ``TP / (TP + FP + FN)`` summed
    over classes at that threshold and IoU >= ``iou_threshold`` (option, default 0.5).
    Dataset statistics count the non-crowd ground-truth instances per class.

    Beyond ``evaluate_detections``' metrics: ``matched-iou``, the mean IoU of the true
    positives of the per-class counts (each matched pair, IoU >= ``iou_threshold``,
    score >= `threshold`), and per class ``iou``, the same over the class's pairs
    (None without a pair); per-threshold counts for the page's slider, and operating
    points (see :mod:`modelmetrics._report.adapters.thresholds`).

    With `analysis`: bootstrap intervals, calibration and the state from the same
    evaluation, and TIDE on the same data (see :mod:`modelmetrics._report.analysis`).
    """

    model_type = "detection"
    task = "detection"
    iou_type = "bbox"
    options: tuple[str, ...] = ("iou_threshold", "max_detections", "box_format", "classes")

    def _inputs(self, ground_truth: Any, predictions: Any, options: Mapping[str, Any]) -> Any:
        from modelmetrics._detection.box_inputs import box_inputs

        return box_inputs(ground_truth, predictions, options.get("box_format", "xywh"))

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
        from modelmetrics._detection.settings import MatchSettings

        self._no_options(options, self.options)
        thr = threshold_or_default(threshold, 0.5)
        names = _class_names(labels)
        match = MatchSettings.checked(
            options.get("iou_threshold", 0.5), thr, options.get("max_detections", 100)
        )
        classes = options.get("classes")
        matched = MatchedDetections(
            self._inputs(ground_truth, predictions, options),
            match,
            None if classes is None else list(classes),
        )
        metrics = matched.metrics
        class_names = [names.get(label, str(label)) for label in metrics.classes]
        out = metrics.as_dict(curves=True)
        pair_class, ious = matched.matched_ious()
        out["matched-iou"] = json_float(math.fsum(ious.tolist()) / len(ious)) if len(ious) else None
        per_class = {}
        for k, (name, values) in enumerate(
            zip(class_names, out["per-class"].values(), strict=True)
        ):
            mine = ious[pair_class == k]
            values["iou"] = math.fsum(mine.tolist()) / len(mine) if len(mine) else None
            per_class[name] = values
        out["per-class"] = per_class
        out["confusion-matrix"]["labels"] = [
            names.get(label, label) for label in out["confusion-matrix"]["labels"]
        ]
        tp = sum(m.tp for m in metrics.classes.values())
        wrong = sum(m.fp + m.fn for m in metrics.classes.values())
        accuracy = tp / (tp + wrong) if tp + wrong else None
        stats = dict(zip(class_names, (m.support for m in metrics.classes.values()), strict=True))
        extra = None
        if analysis is not None:
            tide_inputs = (
                ground_truth,
                predictions,
                self.iou_type,
                options.get("box_format", "xywh"),
            )
            extra = coco_analysis(matched.ev, match, analysis, names, tide_inputs=tide_inputs)
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: stats},
            loss=check_loss(loss),
            accuracy={"accuracy": accuracy, "threshold": thr},
            threshold_counts=to_jsonable(matched.threshold_counts(thr, class_names)),
            operating_points=to_jsonable(matched.operating_points(class_names)),
            analysis=extra,
        )


class InstanceSegmentationAdapter(DetectionAdapter):
    """COCO data with segmentations or per-image masks, as
    :func:`modelmetrics.instance_segmentation.evaluate_instance_segmentation`: the
    detection outputs with mask IoU (``matched-iou`` and ``iou`` are mask IoUs)."""

    model_type = "instance-segmentation"
    task = "instance-segmentation"
    iou_type = "segm"
    options = ("iou_threshold", "max_detections", "classes")

    def _inputs(self, ground_truth: Any, predictions: Any, options: Mapping[str, Any]) -> Any:
        from modelmetrics._detection.mask_inputs import mask_inputs

        return mask_inputs(ground_truth, predictions)


def _class_names(labels: Any) -> dict[Any, str]:
    if labels is None:
        return {}
    check_that(
        isinstance(labels, Mapping), "labels", "a mapping {class id: name} for detection", labels
    )
    return {k: str(v) for k, v in labels.items()}
