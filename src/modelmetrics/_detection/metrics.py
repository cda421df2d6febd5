"""Object-detection metrics on top of the engine.

One COCO evaluation (pycocotools' matching, exactly) gives the headline metrics and the
per-class AP; the same per-detection match codes, read at the chosen IoU threshold,
give per-class TP/FP/FN, precision, recall, F1 and the precision-recall curve; a
class-agnostic pass gives the confusion matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.jsonable import json_float, json_label
from modelmetrics._detection.accumulate import Curves, accumulate
from modelmetrics._detection.evaluate import Evaluation, evaluate
from modelmetrics._detection.grouping import positions
from modelmetrics._detection.inputs import EvaluationInputs
from modelmetrics._detection.settings import EvaluationSettings, MatchSettings

__all__ = [
    "ClassDetectionMetrics",
    "DetectionMetrics",
    "KeptDetections",
    "assemble_metrics",
    "compute_detection_metrics",
    "confusion_counts",
    "evaluate_inputs",
    "per_class_metrics",
]

_TP, _FP = 1, 0
BACKGROUND = "background"


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


@dataclass(frozen=True, eq=False)
class ClassDetectionMetrics:
    """Metrics of one class.

    ``precision``, ``recall``, ``f1``, ``accuracy`` (TP / (TP + FP + FN)) and the counts
    are taken at the evaluation's IoU and score thresholds; ``ap`` averages COCO's
    interpolated precision over IoU 0.50:0.95 and ``ap50`` at 0.5. The precision-recall
    curve has one point per distinct detection score (highest first); ``best_f1`` is
    its maximum F1 and ``best_f1_threshold`` the score where it is reached. Undefined
    ratios are NaN (None in :meth:`as_dict`).
    """

    label: Any
    ap: float
    ap50: float
    precision: float
    recall: float
    f1: float
    accuracy: float
    tp: int
    fp: int
    fn: int
    support: int
    best_f1: float
    best_f1_threshold: float | None
    curve_precision: NDArray[np.float64] = field(repr=False)
    curve_recall: NDArray[np.float64] = field(repr=False)
    curve_thresholds: NDArray[np.float64] = field(repr=False)

    def as_dict(self, *, curve: bool = True) -> dict[str, Any]:
        """JSON-native values under kebab-case names."""
        out: dict[str, Any] = {
            "ap": json_float(self.ap),
            "ap50": json_float(self.ap50),
            "precision": json_float(self.precision),
            "recall": json_float(self.recall),
            "f1": json_float(self.f1),
            "accuracy": json_float(self.accuracy),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "support": self.support,
            "best-f1": json_float(self.best_f1),
            "best-f1-threshold": json_float(self.best_f1_threshold),
        }
        if curve:
            out["pr-curve"] = {
                "precision": [json_float(v) for v in self.curve_precision],
                "recall": [json_float(v) for v in self.curve_recall],
                "thresholds": [json_float(v) for v in self.curve_thresholds],
            }
        return out


@dataclass(frozen=True, eq=False)
class DetectionMetrics:
    """Detection metrics: COCO's headline numbers, per class, and a confusion matrix.

    ``map`` is AP averaged over IoU 0.50:0.95, classes and recall thresholds (COCO's
    mAP), ``map50`` / ``map75`` at one IoU, ``map_small`` / ``_medium`` / ``_large``
    per COCO area range; ``mar`` maps each max-detections setting to COCO's average
    recall. With ``max_detections=100`` (the default) these equal pycocotools'
    ``stats``, kept in ``coco_stats``; other values evaluate that many detections per
    image and class throughout, where pycocotools would report -1.
    """

    map: float
    map50: float
    map75: float
    map_small: float
    map_medium: float
    map_large: float
    mar: dict[int, float]
    mar_small: float
    mar_medium: float
    mar_large: float
    classes: dict[Any, ClassDetectionMetrics]
    confusion_matrix: NDArray[np.int64]
    confusion_labels: list[Any]
    iou_threshold: float
    score_threshold: float | None
    max_detections: int
    coco_stats: NDArray[np.float64] = field(repr=False)

    def as_dict(self, *, curves: bool = True) -> dict[str, Any]:
        """JSON-native values under kebab-case names; per-class entries under the class."""
        out: dict[str, Any] = {
            "map": json_float(self.map),
            "map50": json_float(self.map50),
            "map75": json_float(self.map75),
            "map-small": json_float(self.map_small),
            "map-medium": json_float(self.map_medium),
            "map-large": json_float(self.map_large),
        }
        for max_det, value in self.mar.items():
            out[f"mar-{max_det}"] = json_float(value)
        out["mar-small"] = json_float(self.mar_small)
        out["mar-medium"] = json_float(self.mar_medium)
        out["mar-large"] = json_float(self.mar_large)
        out["iou-threshold"] = self.iou_threshold
        out["score-threshold"] = self.score_threshold
        out["max-detections"] = self.max_detections
        out["per-class"] = {
            str(json_label(label)): m.as_dict(curve=curves) for label, m in self.classes.items()
        }
        out["confusion-matrix"] = {
            "labels": [json_label(label) for label in self.confusion_labels],
            "matrix": self.confusion_matrix.tolist(),
        }
        return out


def _mean_defined(values: NDArray[np.float64]) -> float:
    """pycocotools' summary: the mean of entries > -1, or -1 when there are none."""
    defined = values[values > -1]
    return -1.0 if len(defined) == 0 else float(np.mean(defined))


def _summary(
    settings: EvaluationSettings, curves: Curves, std: NDArray[np.int64], m_sel: int
) -> tuple[dict[str, float], dict[int, float], NDArray[np.float64]]:
    """Headline numbers at maxDets index `m_sel`, and pycocotools' 12 ``stats`` computed
    with its own rules (``stats[0]`` at maxDets 100, -1 without it; the others at
    ``maxDets[2]``), each as its ``_summarize`` does."""
    precision = curves.precision[std]
    recall = curves.recall[std]
    thresholds = np.asarray(settings.iou_thresholds)[std]
    lbl = {name: i for i, name in enumerate(settings.area_labels)}
    max_dets = list(settings.max_detections)

    def ap(iou: float | None, area: str, m: list[int]) -> float:
        s = precision if iou is None else precision[np.where(iou == thresholds)[0]]
        return _mean_defined(s[:, :, :, [lbl[area]], m])

    def ar(area: str, m: list[int]) -> float:
        return _mean_defined(recall[:, :, [lbl[area]], m])

    heads = {
        "map": ap(None, "all", [m_sel]),
        "map50": ap(0.5, "all", [m_sel]),
        "map75": ap(0.75, "all", [m_sel]),
        "map_small": ap(None, "small", [m_sel]),
        "map_medium": ap(None, "medium", [m_sel]),
        "map_large": ap(None, "large", [m_sel]),
        "mar_small": ar("small", [m_sel]),
        "mar_medium": ar("medium", [m_sel]),
        "mar_large": ar("large", [m_sel]),
    }
    mar = {int(m): ar("all", [i]) for i, m in enumerate(max_dets)}
    hundred = [i for i, m in enumerate(max_dets) if m == 100]
    stats = np.array(
        [
            ap(None, "all", hundred) if hundred else -1.0,
            ap(0.5, "all", [2]), ap(0.75, "all", [2]),
            ap(None, "small", [2]), ap(None, "medium", [2]), ap(None, "large", [2]),
            ar("all", [0]), ar("all", [1]), ar("all", [2]),
            ar("small", [2]), ar("medium", [2]), ar("large", [2]),
        ]
    )  # fmt: skip
    return heads, mar, stats


def _undefined_to_nan(value: float) -> float:
    return math.nan if value == -1.0 else value


@dataclass(frozen=True, eq=False)
class KeptDetections:
    """The kept detections, category by category, in COCO's slot order: what the
    per-class counts and curves read.

    ``code`` is each detection's match code at area "all" and the chosen IoU threshold
    (0 FP, 1 TP, 2 ignored); ``n_ground_truth`` the non-ignored ground truths per class.
    """

    category_start: NDArray[np.int64]
    code: NDArray[np.uint8]
    score: NDArray[np.float64]
    rank: NDArray[np.int32]
    n_ground_truth: NDArray[np.int64]

    @classmethod
    def of(cls, ev: Evaluation, iou_index: int) -> KeptDetections:
        """The kept detections of an evaluation, read at IoU threshold `iou_index`."""
        return cls(
            category_start=ev.category_slot_start(),
            code=ev.slot_code[:, 0, iou_index],
            score=ev.slot_score,
            rank=ev.slot_rank,
            n_ground_truth=ev.category_npig()[:, 0],
        )


def evaluate_inputs(
    inputs: EvaluationInputs,
    match: MatchSettings,
    classes: list[Any] | None,
    *,
    strict_classes: bool = True,
) -> Evaluation:
    """Run COCO's matching on `inputs` with the detection settings (not accumulated).

    With ``strict_classes`` off, `classes` missing from the inputs are skipped instead
    of raising (a shard of images need not hold every class).
    """
    category_ids = list(inputs.category_ids)
    if classes is not None:
        known = set(category_ids)
        unknown = [c for c in classes if c not in known]
        if unknown and strict_classes:
            raise ValueError(f"classes {unknown!r} are not categories of the ground truth")
        category_ids = sorted(set(classes) & known)
    settings = match.evaluation_settings(inputs.image_ids, category_ids)
    return evaluate(inputs.ground_truth, inputs.predictions, settings, inputs.masks)


def compute_detection_metrics(
    inputs: EvaluationInputs, match: MatchSettings, classes: list[Any] | None
) -> DetectionMetrics:
    """Evaluate ground truth against predictions (see ``evaluate_detections``); with
    masks in `inputs` every IoU is a mask IoU."""
    ev = evaluate_inputs(inputs, match, classes)
    curves = accumulate(ev, ev.settings)
    labels = list(ev.settings.category_ids)
    kept = KeptDetections.of(ev, match.iou_index)
    per_class = per_class_metrics(curves.precision, labels, ev.settings, match, kept)
    matrix = confusion_counts(inputs, ev, labels, match)
    return assemble_metrics(ev.settings, curves, per_class, matrix, match)


def assemble_metrics(
    settings: EvaluationSettings,
    curves: Curves,
    per_class: dict[Any, ClassDetectionMetrics],
    matrix: NDArray[np.int64],
    match: MatchSettings,
) -> DetectionMetrics:
    """The result object from accumulated curves and the per-class metrics."""
    m_sel = list(settings.max_detections).index(match.max_detections)
    heads, mar, stats = _summary(settings, curves, match.coco_iou_indices, m_sel)
    return DetectionMetrics(
        map=_undefined_to_nan(heads["map"]),
        map50=_undefined_to_nan(heads["map50"]),
        map75=_undefined_to_nan(heads["map75"]),
        map_small=_undefined_to_nan(heads["map_small"]),
        map_medium=_undefined_to_nan(heads["map_medium"]),
        map_large=_undefined_to_nan(heads["map_large"]),
        mar={m: _undefined_to_nan(v) for m, v in mar.items()},
        mar_small=_undefined_to_nan(heads["mar_small"]),
        mar_medium=_undefined_to_nan(heads["mar_medium"]),
        mar_large=_undefined_to_nan(heads["mar_large"]),
        classes=per_class,
        confusion_matrix=matrix,
        confusion_labels=[*settings.category_ids, BACKGROUND],
        iou_threshold=float(match.iou_threshold),
        score_threshold=None if match.score_threshold is None else float(match.score_threshold),
        max_detections=match.max_detections,
        coco_stats=stats,
    )


def per_class_metrics(
    precision: NDArray[np.float64],
    labels: list[Any],
    settings: EvaluationSettings,
    match: MatchSettings,
    kept: KeptDetections,
) -> dict[Any, ClassDetectionMetrics]:
    """Per-class metrics from the kept detections: counts at the chosen IoU and score
    thresholds, AP from COCO's `precision` (T, R, K, A, M), and the PR curve."""
    std = match.coco_iou_indices
    m_sel = list(settings.max_detections).index(match.max_detections)
    cat_start, code, score, rank = kept.category_start, kept.code, kept.score, kept.rank
    slot_cat = np.repeat(np.arange(len(labels), dtype=np.int64), np.diff(cat_start))
    if match.score_threshold is None:
        above = np.ones(len(score), bool)
    else:
        above = score >= match.score_threshold
    within = rank < match.max_detections
    tp = np.bincount(slot_cat[(code == _TP) & above & within], minlength=len(labels))
    fp = np.bincount(slot_cat[(code == _FP) & above & within], minlength=len(labels))
    iou_thrs = np.asarray(settings.iou_thresholds)
    ap50_rows = np.flatnonzero(iou_thrs[std] == 0.5)
    out: dict[Any, ClassDetectionMetrics] = {}
    for k, label in enumerate(labels):
        ap = _mean_defined(precision[std][:, :, k, 0, m_sel])
        ap50 = _mean_defined(precision[ap50_rows][:, :, k, 0, m_sel])
        first, last = int(cat_start[k]), int(cat_start[k + 1])
        n_gt = int(kept.n_ground_truth[k])
        curve = _pr_curve(code[first:last], score[first:last], within[first:last], n_gt)
        n_tp, n_fp = int(tp[k]), int(fp[k])
        n_fn = n_gt - n_tp
        prec = _ratio(n_tp, n_tp + n_fp)
        rec = _ratio(n_tp, n_gt)
        f1 = _ratio(2 * n_tp, 2 * n_tp + n_fp + n_fn)
        out[label] = ClassDetectionMetrics(
            label=label,
            ap=_undefined_to_nan(ap),
            ap50=_undefined_to_nan(ap50),
            precision=prec,
            recall=rec,
            f1=f1,
            accuracy=_ratio(n_tp, n_tp + n_fp + n_fn),
            tp=n_tp,
            fp=n_fp,
            fn=n_fn,
            support=n_gt,
            best_f1=curve[3],
            best_f1_threshold=curve[4],
            curve_precision=curve[0],
            curve_recall=curve[1],
            curve_thresholds=curve[2],
        )
    return out


def _pr_curve(
    code: NDArray[np.uint8], score: NDArray[np.float64], within: NDArray[np.bool_], n_gt: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float, float | None]:
    """Precision and recall at each distinct score, highest first, and the best F1."""
    counted = within & (code != 2)  # ignored detections are neither TP nor FP
    order = np.argsort(-score[counted], kind="stable")
    s = score[counted][order]
    is_tp = code[counted][order] == _TP
    if len(s) == 0:
        empty = np.empty(0)
        return empty, empty, empty, math.nan, None
    tp = np.cumsum(is_tp)
    fp = np.cumsum(~is_tp)
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    tp, fp, s = tp[last_of_tie], fp[last_of_tie], s[last_of_tie]
    precision = tp / (tp + fp)
    recall = tp / n_gt if n_gt else np.full(len(tp), math.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(tp > 0, 2 * tp / (2 * tp + fp + (n_gt - tp)), 0.0)
    best = int(np.argmax(f1)) if n_gt else -1
    if best < 0:
        return precision, recall, s, math.nan, None
    return precision, recall, s, float(f1[best]), float(s[best])


def confusion_counts(
    inputs: EvaluationInputs, ev: Evaluation, labels: list[Any], match: MatchSettings
) -> NDArray[np.int64]:
    """Class-agnostic confusion matrix over `labels` plus background (see
    ``evaluate_detections``), on the detections COCO kept and above the score threshold."""
    g_cols, d_cols = inputs.ground_truth, inputs.predictions
    assert d_cols.score is not None
    image_ids = ev.settings.image_ids
    img = positions(g_cols.image_id, image_ids)
    cls = positions(g_cols.category_id, labels)
    g_keep = np.flatnonzero((img >= 0) & (cls >= 0))
    g_order = g_keep[np.argsort(img[g_keep], kind="stable")]
    d_img = positions(d_cols.image_id, image_ids)
    d_cls = positions(d_cols.category_id, labels)
    d_keep = (d_img >= 0) & (d_cls >= 0)
    if match.score_threshold is not None:
        d_keep &= d_cols.score >= match.score_threshold
    # COCO's cap: the max_detections highest-scoring detections per image and class.
    capped = np.zeros(len(d_cols.score), bool)
    capped[ev.slot_det[ev.slot_rank < match.max_detections]] = True
    d_rows = np.flatnonzero(d_keep & capped)
    # Per image, highest score first; ties in result order.
    d_order = d_rows[np.lexsort((-d_cols.score[d_rows], d_img[d_rows]))]
    n_img = len(image_ids)
    gt_start = np.zeros(n_img + 1, np.int64)
    np.cumsum(np.bincount(img[g_order], minlength=n_img), out=gt_start[1:])
    dt_start = np.zeros(n_img + 1, np.int64)
    np.cumsum(np.bincount(d_img[d_order], minlength=n_img), out=dt_start[1:])
    matrix = np.zeros((len(labels) + 1, len(labels) + 1), np.int64)
    masks: dict[str, Any] = {}
    if inputs.masks is not None:  # mask IoU
        masks = {
            "gt_masks": inputs.masks.ground_truth,
            "gt_rows": g_order.astype(np.int64),
            "dt_masks": inputs.masks.detections,
            "dt_rows": d_order.astype(np.int64),
        }
    _kernels.coco_confusion(
        gt_start,
        np.ascontiguousarray(cls[g_order]),
        np.ascontiguousarray(g_cols.bbox[g_order]),
        np.ascontiguousarray(g_cols.crowd[g_order]),
        dt_start,
        np.ascontiguousarray(d_cls[d_order]),
        np.ascontiguousarray(d_cols.bbox[d_order]),
        float(match.iou_threshold),
        matrix,
        **masks,
    )
    return matrix
