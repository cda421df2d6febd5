"""Keypoint (pose) metrics on top of the engine.

One COCO keypoint evaluation (pycocotools' OKS and matching, exactly) gives the ten
headline numbers of ``COCOeval(iouType="keypoints")`` and the per-class AP and AR; its
per-detection match codes, read at the chosen OKS threshold, give per-class TP/FP/FN,
precision, recall, F1 and the precision-recall curve, as for detection; the pairs it
matched there give the per-keypoint similarity (see :class:`KeypointSimilarity`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.jsonable import json_float, json_label
from modelmetrics._detection.accumulate import Curves
from modelmetrics._detection.evaluate import Evaluation, evaluate
from modelmetrics._detection.grouping import group, positions
from modelmetrics._detection.keypoint_inputs import KeypointInputs
from modelmetrics._detection.keypoints import (
    KEYPOINT_AREA_LABELS,
    KEYPOINT_AREA_RANGES,
    Keypoints,
)
from modelmetrics._detection.metrics import (
    ClassDetectionMetrics,
    KeptDetections,
    _mean_defined,
    _undefined_to_nan,
    per_class_metrics,
)
from modelmetrics._detection.settings import (
    EvaluationSettings,
    MatchSettings,
    coco_recall_thresholds,
    unique_ids,
)

__all__ = [
    "ClassKeypointMetrics",
    "KeypointMetrics",
    "KeypointSimilarity",
    "assemble_keypoint_metrics",
    "evaluate_keypoint_inputs",
    "keypoint_class_metrics",
    "keypoint_settings",
    "keypoint_similarity",
]

# pycocotools summarises keypoints at maxDets 20 only: other settings give -1 there.
_COCO_MAX_DETECTIONS = 20


@dataclass(frozen=True, eq=False)
class ClassKeypointMetrics(ClassDetectionMetrics):
    """Metrics of one class, as :class:`~modelmetrics.detection.ClassDetectionMetrics`
    with OKS in place of IoU, plus ``ar``: COCO's average recall over OKS 0.50:0.95 at
    ``max_detections``."""

    ar: float

    def as_dict(self, *, curve: bool = True) -> dict[str, Any]:
        """JSON-native values under kebab-case names."""
        out = super().as_dict(curve=curve)
        return {"ap": out.pop("ap"), "ap50": out.pop("ap50"), "ar": json_float(self.ar), **out}


@dataclass(frozen=True, eq=False)
class KeypointSimilarity:
    """How closely matched predictions place one keypoint.

    For every true positive at the evaluation's OKS and score thresholds (a prediction
    and the ground truth COCO's matching paired it with) whose ground truth labels this
    keypoint (visibility > 0), the keypoint's term of the pair's OKS is
    ``exp(-d^2 / (2 (area + eps) (2 sigma)^2))``, with ``d`` the distance between the
    predicted and the true keypoint, ``area`` the ground truth's area and ``eps``
    ``np.spacing(1)``: 1 for a perfect placement, ``exp(-1/2)`` (about 0.61) at one
    "standard deviation" ``2 sigma sqrt(area)``. The pair's OKS is the mean of its
    terms over the labeled keypoints. ``oks`` is the mean of the keypoint's terms over
    those pairs (NaN when there are none), ``pairs`` their number.

    ``oks`` is an exactly rounded sum (``math.fsum``) divided by ``pairs``, so it does
    not depend on the order of the pairs or on how images were batched.
    """

    index: int
    name: str | None
    sigma: float
    oks: float
    pairs: int

    @property
    def label(self) -> str:
        """The keypoint's name, or its index as a string."""
        return self.name if self.name is not None else str(self.index)

    def as_dict(self) -> dict[str, Any]:
        """JSON-native values under kebab-case names."""
        return {
            "index": self.index,
            "sigma": self.sigma,
            "oks": json_float(self.oks),
            "pairs": self.pairs,
        }


@dataclass(frozen=True, eq=False)
class KeypointMetrics:
    """Keypoint metrics: COCO's ten headline numbers, per class and per keypoint.

    ``map`` is AP averaged over OKS 0.50:0.95, classes and recall thresholds (COCO's
    keypoint mAP), ``map50`` / ``map75`` at one OKS threshold, ``map_medium`` /
    ``map_large`` per COCO keypoint area range (there is no "small"); ``mar``,
    ``mar50``, ``mar75``, ``mar_medium`` and ``mar_large`` are the average recalls.
    All are at ``max_detections`` detections per image and class. With
    ``max_detections=20`` (the default) they equal pycocotools'
    ``COCOeval(iouType="keypoints")`` ``stats``, kept in ``coco_stats`` in its order;
    with another value ``coco_stats`` is all -1, as pycocotools reports it. Undefined
    values are NaN (None in :meth:`as_dict`).

    ``classes`` maps each class to its :class:`ClassKeypointMetrics`; ``per_keypoint``
    holds one :class:`KeypointSimilarity` per keypoint, in the sigmas' order.
    ``iou_threshold`` is the OKS threshold of the per-class counts and of the
    per-keypoint similarity.
    """

    map: float
    map50: float
    map75: float
    map_medium: float
    map_large: float
    mar: float
    mar50: float
    mar75: float
    mar_medium: float
    mar_large: float
    classes: dict[Any, ClassKeypointMetrics]
    per_keypoint: tuple[KeypointSimilarity, ...]
    iou_threshold: float
    score_threshold: float | None
    max_detections: int
    coco_stats: NDArray[np.float64] = field(repr=False)

    def as_dict(self, *, curves: bool = True) -> dict[str, Any]:
        """JSON-native values under kebab-case names; per-class entries under the class,
        per-keypoint entries under the keypoint's name (or index)."""
        out: dict[str, Any] = {
            "map": json_float(self.map),
            "map50": json_float(self.map50),
            "map75": json_float(self.map75),
            "map-medium": json_float(self.map_medium),
            "map-large": json_float(self.map_large),
            "mar": json_float(self.mar),
            "mar50": json_float(self.mar50),
            "mar75": json_float(self.mar75),
            "mar-medium": json_float(self.mar_medium),
            "mar-large": json_float(self.mar_large),
            "iou-threshold": self.iou_threshold,
            "score-threshold": self.score_threshold,
            "max-detections": self.max_detections,
        }
        out["per-class"] = {
            str(json_label(label)): m.as_dict(curve=curves) for label, m in self.classes.items()
        }
        out["per-keypoint"] = {kp.label: kp.as_dict() for kp in self.per_keypoint}
        return out


def keypoint_settings(
    match: MatchSettings,
    image_ids: Any,
    category_ids: Any,
) -> EvaluationSettings:
    """COCO's keypoint evaluation of these images and categories: OKS thresholds
    0.50:0.95 (plus ``match.iou_threshold`` when it is not one of them), COCO's keypoint
    area ranges, and ``match.max_detections`` as the one max-detections setting."""
    return EvaluationSettings(
        image_ids=unique_ids(image_ids),
        category_ids=unique_ids(category_ids),
        use_categories=True,
        iou_thresholds=match.iou_thresholds(),
        recall_thresholds=coco_recall_thresholds(),
        area_ranges=[list(r) for r in KEYPOINT_AREA_RANGES],
        area_labels=KEYPOINT_AREA_LABELS,
        max_detections=[match.max_detections],
    )


def pair_terms(
    kp: Keypoints,
    gt_area: NDArray[np.float64],
    gt_rows: NDArray[np.int64],
    dt_rows: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Each pair's per-keypoint OKS terms, ``(n_pairs, k)``; NaN where the ground truth
    does not label the keypoint.

    pycocotools' expression in its order (``computeOks``): ``e = (dx**2 + dy**2) /
    vars / (area + eps) / 2`` with ``vars = (2 sigma)**2``, and the term ``exp(-e)``.
    """
    g = kp.ground_truth[gt_rows]
    d = kp.detections[dt_rows]
    variances = (kp.sigmas * 2) ** 2
    # Far-off coordinates square to infinity: the term is then 0, its limit.
    with np.errstate(over="ignore"):
        dx = d[:, 0::3] - g[:, 0::3]
        dy = d[:, 1::3] - g[:, 1::3]
        e = (dx**2 + dy**2) / variances / (gt_area[gt_rows] + np.spacing(1))[:, None] / 2
    terms: NDArray[np.float64] = np.exp(-e)
    terms[~(g[:, 2::3] > 0)] = np.nan
    return terms


def evaluate_keypoint_inputs(
    kin: KeypointInputs,
    match: MatchSettings,
    classes: list[Any] | None,
    *,
    strict_classes: bool = True,
) -> tuple[Evaluation, NDArray[np.float64]]:
    """COCO's keypoint matching on `kin` (not accumulated), and the per-keypoint terms of
    the pairs matched at ``match.iou_threshold`` (see :func:`pair_terms`).

    With ``strict_classes`` off, `classes` missing from the inputs are skipped instead
    of raising (a batch of images need not hold every class).

    Raises
    ------
    ValueError
        If `classes` names a class the inputs do not hold (with ``strict_classes``).
    """
    inputs = kin.inputs
    category_ids = list(inputs.category_ids)
    if classes is not None:
        known = set(category_ids)
        unknown = [c for c in classes if c not in known]
        if unknown and strict_classes:
            raise ValueError(f"classes {unknown!r} are not categories of the ground truth")
        category_ids = sorted(set(classes) & known)
    settings = keypoint_settings(match, inputs.image_ids, category_ids)
    gt, dt = inputs.ground_truth, inputs.predictions
    # The kernel's per-record output says which ground truth each detection matched;
    # its arrays are sized by the groups' kept detections and ground truths.
    g = group(gt, dt, settings)
    n_slots = int(np.minimum(np.diff(g.dt_start), match.max_detections).sum())
    n_gt = len(g.gt_rows)
    A, T = len(settings.area_ranges), len(settings.iou_thresholds)
    slot_dtm = np.zeros((A, T, n_slots))
    detail = (
        slot_dtm,
        np.zeros((A, T, n_slots), np.uint8),
        np.zeros((A, n_gt), np.int64),
        np.zeros((A, T, n_gt)),
        np.zeros((A, n_gt), np.uint8),
    )
    ev = evaluate(gt, dt, settings, None, detail=detail, keypoints=kin.keypoints)
    take = ev.slot_code[:, 0, match.iou_index] == 1
    if match.score_threshold is not None:
        take &= ev.slot_score >= match.score_threshold
    slots = np.flatnonzero(take)
    # Matches are recorded by ground-truth id; an id names the last annotation holding
    # it, as pycocotools' index (and the engine) resolve repeated ids.
    gt_rows = positions(slot_dtm[0, match.iou_index, slots], ev.grouped.gt_id.tolist())
    assert np.all(gt_rows >= 0), "a matched ground-truth id is not in the columns"
    terms = pair_terms(kin.keypoints, gt.area, gt_rows, ev.slot_det[slots])
    return ev, terms


def keypoint_similarity(
    terms: NDArray[np.float64], sigmas: NDArray[np.float64], names: tuple[str, ...] | None
) -> tuple[KeypointSimilarity, ...]:
    """Per keypoint, the mean of the pairs' terms where labeled (see
    :class:`KeypointSimilarity`)."""
    out = []
    for j, sigma in enumerate(sigmas.tolist()):
        column = terms[:, j]
        column = column[~np.isnan(column)]
        pairs = len(column)
        out.append(
            KeypointSimilarity(
                index=j,
                name=None if names is None else names[j],
                sigma=sigma,
                oks=math.fsum(column.tolist()) / pairs if pairs else math.nan,
                pairs=pairs,
            )
        )
    return tuple(out)


def keypoint_class_metrics(
    curves: Curves,
    labels: list[Any],
    settings: EvaluationSettings,
    match: MatchSettings,
    kept: KeptDetections,
) -> dict[Any, ClassKeypointMetrics]:
    """Per-class metrics (see :func:`~modelmetrics._detection.metrics.per_class_metrics`)
    with each class's COCO average recall."""
    base = per_class_metrics(curves.precision, labels, settings, match, kept)
    recall = curves.recall[match.coco_iou_indices]
    out: dict[Any, ClassKeypointMetrics] = {}
    for k, label in enumerate(labels):
        m = base[label]
        values = {f.name: getattr(m, f.name) for f in fields(m)}
        ar = _undefined_to_nan(_mean_defined(recall[:, k, 0, 0]))
        out[label] = ClassKeypointMetrics(**values, ar=ar)
    return out


def _summary(
    settings: EvaluationSettings, curves: Curves, match: MatchSettings
) -> tuple[list[float], NDArray[np.float64]]:
    """The ten keypoint numbers in pycocotools' ``stats`` order (at the one
    max-detections setting), each as its ``_summarize`` computes it, and ``stats``."""
    std = match.coco_iou_indices
    precision, recall = curves.precision[std], curves.recall[std]
    thresholds = np.asarray(settings.iou_thresholds)[std]
    lbl = {name: i for i, name in enumerate(settings.area_labels)}

    def ap(iou: float | None, area: str) -> float:
        s = precision if iou is None else precision[np.where(iou == thresholds)[0]]
        return _mean_defined(s[:, :, :, [lbl[area]], [0]])

    def ar(iou: float | None, area: str) -> float:
        s = recall if iou is None else recall[np.where(iou == thresholds)[0]]
        return _mean_defined(s[:, :, [lbl[area]], [0]])

    values = [
        ap(None, "all"), ap(0.5, "all"), ap(0.75, "all"), ap(None, "medium"), ap(None, "large"),
        ar(None, "all"), ar(0.5, "all"), ar(0.75, "all"), ar(None, "medium"), ar(None, "large"),
    ]  # fmt: skip
    if match.max_detections == _COCO_MAX_DETECTIONS:
        stats = np.array(values)
    else:
        stats = np.full(len(values), -1.0)
    return values, stats


def assemble_keypoint_metrics(
    settings: EvaluationSettings,
    curves: Curves,
    per_class: dict[Any, ClassKeypointMetrics],
    per_keypoint: tuple[KeypointSimilarity, ...],
    match: MatchSettings,
) -> KeypointMetrics:
    """The result object from accumulated curves, the per-class and per-keypoint parts."""
    values, stats = _summary(settings, curves, match)
    v = [_undefined_to_nan(x) for x in values]
    return KeypointMetrics(
        map=v[0],
        map50=v[1],
        map75=v[2],
        map_medium=v[3],
        map_large=v[4],
        mar=v[5],
        mar50=v[6],
        mar75=v[7],
        mar_medium=v[8],
        mar_large=v[9],
        classes=per_class,
        per_keypoint=per_keypoint,
        iou_threshold=float(match.iou_threshold),
        score_threshold=None if match.score_threshold is None else float(match.score_threshold),
        max_detections=match.max_detections,
        coco_stats=stats,
    )
