"""Per-image and per-sample diagnostics: which inputs a model gets most wrong.

Detection (:func:`image_diagnostics`): one evaluation, COCO's matching with the "all"
area range and the largest max-detections setting (``evaluateImg`` exactly), run once
with the kernel's per-record output on (``evalImgs``' ``dtMatches``); per image the true
positives, false positives and false negatives at one IoU threshold are read off the
match codes, the matched pairs off the matches. Crowd and otherwise ignored ground
truths are not false negatives and detections matched to them are not false
positives, as in ``COCOeval``.

AP contribution (leave-one-out)
    ``map - map_without_image``: the headline mAP (mean over categories and the
    evaluation's IoU thresholds, area "all", the largest max-detections setting) minus
    the same mAP of the dataset without that image; positive when the image raises the
    mAP. Removing an image changes only the categories it has a ground truth or a
    detection of, so each (category, image) pair is one accumulation of that category
    with the image's weight set to 0 (the bootstrap kernel,
    :class:`modelmetrics._kernels.CocoBootstrap`). An accumulation's cost is cut by
    merging, for a block of removed images, every run of consecutive detections of the
    other images that share their match codes into one weighted detection: within such
    a run the counts only add up (false positives) or the interpolated precision is the
    same at every copy (true positives: see ``csrc/mm_bootstrap.c``), so the merged
    curve gives the same doubles as the full one. Each value is pycocotools'
    accumulation of the dataset without the image (no ties are reordered: weights are
    0 or 1), up to the rounding of the final means.

Classification (:func:`confident_mistakes`) and regression (:func:`largest_residuals`)
rank samples; semantic segmentation already has per-image IoU:
``segmentation_metrics(..., per_image=True).worst_images(k)``.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics import _kernels
from modelmetrics._analysis.bootstrap import coco_of
from modelmetrics._analysis.calibration import _classification_columns
from modelmetrics._analysis.tide import _is_cocoeval, _plain
from modelmetrics._coco.api import COCO, annotation_columns, annotation_masks
from modelmetrics._coco.eval import COCOeval, Params, _check_params, settings_from_params
from modelmetrics._core.checks import check_int, check_option, check_real
from modelmetrics._core.jsonable import json_float, json_label
from modelmetrics._core.parallel import run_parallel
from modelmetrics._detection.box_inputs import BoxFormat, box_inputs
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.evaluate import Evaluation, MaskPair, evaluate
from modelmetrics._detection.grouping import group
from modelmetrics._detection.inputs import is_per_image
from modelmetrics._detection.mask_inputs import mask_inputs
from modelmetrics._detection.settings import (
    COCO_AREA_RANGES,
    EvaluationSettings,
    MatchSettings,
    unique_ids,
)
from modelmetrics._regression.metrics import _check_finite_targets, _check_targets

__all__ = [
    "ConfidentMistakes",
    "ImageDiagnostics",
    "LargestResiduals",
    "MatchedPairs",
    "confident_mistakes",
    "image_diagnostics",
    "largest_residuals",
]

# worst(by=...): the column and whether larger values are worse.
_WORST: dict[str, tuple[str, bool]] = {
    "f1": ("f1", False),
    "precision": ("precision", False),
    "recall": ("recall", False),
    "ap_contribution": ("ap_contribution", False),
    "fp": ("fp", True),
    "fn": ("fn", True),
    "errors": ("errors", True),
}
_ROW_COLUMNS = ("tp", "fp", "fn", "precision", "recall", "f1", "ap_contribution")
# Images whose leave-one-out accumulations share one merged curve.
_BLOCK = 64


def _json_list(values: NDArray[Any]) -> list[Any]:
    """A column as a JSON-native list (NaN as None, numpy scalars as Python ones)."""
    if values.dtype.kind == "f":
        return [json_float(v) for v in values.tolist()]
    return [json_label(v) for v in values.tolist()]


def _ratio(num: NDArray[np.int64], den: NDArray[np.int64]) -> NDArray[np.float64]:
    """``num / den``, NaN where ``den == 0``."""
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MatchedPairs:
    """Matched (true positive) detection / ground-truth pairs, one row per pair.

    Rows are ordered by image id, then category, then score (highest first, in
    COCO's order among equal scores).

    Attributes
    ----------
    image_id : ndarray
        The image of each pair.
    dt_id, gt_id : ndarray
        The detection's and the ground truth's annotation ids (COCO data); for
        per-image arrays, the box's (or mask's) index in its image's arrays.
    category_id : ndarray
        The detection's category.
    iou : ndarray of float64
        The IoU the matching used (box or mask IoU, as pycocotools computes it).
    score : ndarray of float64
        The detection's score.
    """

    image_id: NDArray[Any]
    dt_id: NDArray[Any]
    gt_id: NDArray[Any]
    category_id: NDArray[Any]
    iou: NDArray[np.float64]
    score: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.iou)

    def _take(self, rows: NDArray[np.int64]) -> MatchedPairs:
        return MatchedPairs(*(getattr(self, f.name)[rows] for f in dataclasses.fields(self)))

    def as_dict(self) -> dict[str, list[Any]]:
        """JSON-native columns: ``image-id``, ``dt-id``, ``gt-id``, ``category-id``,
        ``iou`` and ``score``."""
        return {
            f.name.replace("_", "-"): _json_list(getattr(self, f.name))
            for f in dataclasses.fields(self)
        }


@dataclass(frozen=True, eq=False)
class ImageDiagnostics:
    """Per-image detection diagnostics, one row per image in sorted image-id order.

    Attributes
    ----------
    image_id : ndarray
        The evaluated images, sorted.
    tp, fp, fn : ndarray of int64
        True positives, false positives and false negatives at `iou_threshold` (area
        "all", at most `max_detections` per image and category, detections scoring
        below `score_threshold` left out): COCO's matching, with crowd and ignored
        ground truths neither missed nor matchable into a false positive.
    precision, recall : ndarray of float64
        ``tp / (tp + fp)`` and ``tp / (tp + fn)``; NaN when the image has no counted
        detection, respectively no ground truth that counts.
    f1 : ndarray of float64
        ``2 tp / (2 tp + fp + fn)``; 1.0 for an image with nothing to find and nothing
        found (hotcoco's convention: such an image is perfect).
    ap_contribution : ndarray of float64
        ``map`` minus the mAP of the dataset without the image (see the module notes):
        positive when the image raises the mAP, negative when it lowers it, 0 when it
        has no annotation; NaN when the mAP without it is undefined.
    matches : MatchedPairs
        The true positives' detection / ground-truth pairs with their IoU.
    map : float
        The mAP the contributions refer to (COCO's ``stats[0]`` at the largest
        max-detections setting, up to rounding); NaN without any ground truth.
    iou_type : {"bbox", "segm"}
    iou_threshold : float
        The IoU threshold of the counts (the evaluation's value when one was given).
    max_detections : int
    score_threshold : float or None
    """

    image_id: NDArray[Any]
    tp: NDArray[np.int64]
    fp: NDArray[np.int64]
    fn: NDArray[np.int64]
    precision: NDArray[np.float64]
    recall: NDArray[np.float64]
    f1: NDArray[np.float64]
    ap_contribution: NDArray[np.float64]
    matches: MatchedPairs
    map: float
    iou_type: str
    iou_threshold: float
    max_detections: int
    score_threshold: float | None

    def __len__(self) -> int:
        return len(self.image_id)

    def _row(self, i: int) -> dict[str, Any]:
        row: dict[str, Any] = {"image_id": json_label(self.image_id[i])}
        for name in _ROW_COLUMNS:
            value = getattr(self, name)[i]
            row[name] = int(value) if name in ("tp", "fp", "fn") else json_float(value)
        return row

    def worst(self, k: int = 10, by: str = "f1") -> list[dict[str, Any]]:
        """The `k` worst images, worst first, each as its row.

        Parameters
        ----------
        k : int, default=10
            How many images (all of them when there are fewer).
        by : {"f1", "precision", "recall", "ap_contribution", "fp", "fn", "errors"}, \
default="f1"
            The ranking: lowest first for F1, precision, recall and AP contribution
            (undefined values last), highest first for ``fp``, ``fn`` and ``errors``
            (``fp + fn``). Ties keep the lower image id first.

        Returns
        -------
        list of dict
            ``{"image_id", "tp", "fp", "fn", "precision", "recall", "f1",
            "ap_contribution"}`` per image, JSON-native (NaN as None).

        Raises
        ------
        InvalidParameterError
            If `k` < 1 or `by` is unknown.
        """
        k = check_int("k", k, low=1)
        check_option("by", by, tuple(_WORST))
        column, larger_worse = _WORST[by]
        values = self.fp + self.fn if column == "errors" else getattr(self, column)
        key = -values.astype(np.float64) if larger_worse else values.astype(np.float64)
        key = np.where(np.isnan(key), np.inf, key)  # undefined last
        undefined = np.isnan(values.astype(np.float64))
        # Rows are in image-id order: the row index breaks ties by image id.
        order = np.lexsort((np.arange(len(self)), key, undefined))
        return [self._row(int(i)) for i in order[:k]]

    def pairs(self, image_id: Any) -> MatchedPairs:
        """The matched pairs of one image.

        Raises
        ------
        ValueError
            If `image_id` is not one of the evaluated images.
        """
        if not any(image_id == v for v in self.image_id.tolist()):
            raise ValueError(f"image_id {image_id!r} is not one of the evaluated images")
        rows = np.flatnonzero(np.asarray([v == image_id for v in self.matches.image_id.tolist()]))
        return self.matches._take(rows.astype(np.int64))

    def as_dict(self) -> dict[str, Any]:
        """JSON-native values: ``images`` (the columns, kebab-case), ``matches`` and the
        settings (NaN as None)."""
        images = {"image-id": _json_list(self.image_id)}
        for name in _ROW_COLUMNS:
            images[name.replace("_", "-")] = _json_list(getattr(self, name))
        return {
            "images": images,
            "matches": self.matches.as_dict(),
            "map": json_float(self.map),
            "iou-type": self.iou_type,
            "iou-threshold": self.iou_threshold,
            "max-detections": self.max_detections,
            "score-threshold": self.score_threshold,
        }


# -- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Job:
    """What one evaluation needs: both sides' columns (and masks), the restricted
    settings (area "all", the largest max-detections setting), where the counting
    threshold and the mAP's thresholds are, and whether ids are per-image positions."""

    gt: AnnotationColumns
    dt: AnnotationColumns
    masks: MaskPair | None
    settings: EvaluationSettings
    iou_index: int
    map_thresholds: NDArray[np.int64]
    per_image_arrays: bool
    iou_type: str


def _restricted(
    settings: EvaluationSettings, all_range: Sequence[float], max_det: int
) -> EvaluationSettings:
    """`settings` with only the area range "all" and the one max-detections setting."""
    return dataclasses.replace(
        settings, area_ranges=[list(all_range)], area_labels=["all"], max_detections=[max_det]
    )


def _our_cocoeval(value: Any) -> COCOeval:
    """`value` (ours or pycocotools' ``COCOeval``) as ours with the same data and params."""
    if value.cocoGt is None or value.cocoDt is None:
        raise ValueError("cocoGt: the COCOeval needs both cocoGt and cocoDt")
    usable = isinstance(value, COCOeval)
    if usable and isinstance(value.cocoGt, COCO) and isinstance(value.cocoDt, COCO):
        return value  # type: ignore[no-any-return]
    gt = coco_of(value.cocoGt, "cocoGt.cocoGt")
    if not isinstance(getattr(value.cocoDt, "dataset", None), dict):
        raise TypeError("cocoGt.cocoDt must be a COCO object (cocoGt.loadRes(...))")
    results = [_plain(ann) for ann in value.cocoDt.dataset.get("annotations", [])]
    kind = value.params.iouType
    ours = COCOeval(gt, gt.loadRes(results, allow_empty=True), kind)
    params = Params(kind)
    for name in ("imgIds", "catIds", "iouThrs", "recThrs", "maxDets", "areaRng", "areaRngLbl"):
        setattr(params, name, copy.deepcopy(getattr(value.params, name)))
    params.useCats = value.params.useCats
    ours.params = params
    return ours


def _from_cocoeval(
    value: Any, iou_type: str | None, iou_threshold: float, max_detections: int | None
) -> tuple[_Job, float, int]:
    use_segm = getattr(value.params, "useSegm", None)
    kind = value.params.iouType if use_segm is None else "segm" if use_segm == 1 else "bbox"
    check_option("cocoGt.params.iouType", kind, ("bbox", "segm"))
    if iou_type is not None and iou_type != kind:
        raise ValueError(f"iou_type {iou_type!r} differs from the COCOeval's {kind!r}")
    ev = _our_cocoeval(value)
    assert ev.cocoGt is not None
    assert ev.cocoDt is not None
    p = copy.deepcopy(ev.params)
    p.iouType, p.useSegm = kind, None
    p.imgIds = unique_ids(p.imgIds)
    if p.useCats:
        p.catIds = unique_ids(p.catIds)
    p.maxDets = sorted(p.maxDets)
    _check_params(p)
    if max_detections is not None and max_detections != p.maxDets[-1]:
        raise ValueError(
            f"max_detections {max_detections} differs from the COCOeval's largest "
            f"maxDets {p.maxDets[-1]}"
        )
    thresholds = np.asarray(p.iouThrs, np.float64)
    hit = np.flatnonzero(np.abs(thresholds - iou_threshold) <= 1e-12)
    if not len(hit):
        raise ValueError(
            f"iou_threshold {iou_threshold} is not one of the COCOeval's IoU thresholds "
            f"{thresholds.tolist()}"
        )
    labels = list(p.areaRngLbl)
    all_range = p.areaRng[labels.index("all") if "all" in labels else 0]
    boxes = kind != "segm"
    masks = None
    if kind == "segm":  # ground truth first, as COCOeval.evaluate converts them
        gt_masks = annotation_masks(ev.cocoGt, "ground-truth")
        masks = MaskPair(detections=annotation_masks(ev.cocoDt, "detection"), ground_truth=gt_masks)
    job = _Job(
        gt=annotation_columns(ev.cocoGt, boxes=boxes),
        dt=annotation_columns(ev.cocoDt, boxes=boxes),
        masks=masks,
        settings=_restricted(settings_from_params(p), all_range, int(p.maxDets[-1])),
        iou_index=int(hit[0]),
        map_thresholds=np.arange(len(thresholds), dtype=np.int64),
        per_image_arrays=False,
        iou_type=kind,
    )
    return job, float(thresholds[hit[0]]), int(p.maxDets[-1])


def _from_data(
    gt: Any,
    dt: Any,
    iou_type: str | None,
    iou_threshold: float,
    max_detections: int | None,
    box_format: BoxFormat,
) -> tuple[_Job, float, int]:
    if dt is None:
        raise TypeError("cocoDt is required (detections) unless cocoGt is a COCOeval")
    if isinstance(gt, Sequence) and not isinstance(gt, str | bytes) and not len(gt):
        raise ValueError("cocoGt is empty: give at least one image")
    kind = iou_type
    if kind is None:
        masks_only = is_per_image(gt, "masks") and not is_per_image(gt, "boxes")
        kind = "segm" if masks_only else "bbox"
    arrays = is_per_image(gt, "masks" if kind == "segm" else "boxes")
    if not arrays and not isinstance(dt, COCO) and isinstance(getattr(dt, "dataset", None), dict):
        # pycocotools' loadRes leaves numpy boxes in the dicts: plain values for ours.
        dt = [_plain(ann) for ann in dt.dataset.get("annotations", [])]
    inputs = mask_inputs(gt, dt) if kind == "segm" else box_inputs(gt, dt, box_format)
    score = inputs.predictions.score
    if score is not None and not np.all(np.isfinite(score)):
        raise ValueError("cocoDt: every detection score must be finite")
    max_det = 100 if max_detections is None else max_detections
    match = MatchSettings(iou_threshold=iou_threshold, max_detections=max_det)
    settings = match.evaluation_settings(inputs.image_ids, inputs.category_ids)
    job = _Job(
        gt=inputs.ground_truth,
        dt=inputs.predictions,
        masks=inputs.masks,
        settings=_restricted(settings, COCO_AREA_RANGES[0], max_det),
        iou_index=match.iou_index,
        map_thresholds=match.coco_iou_indices,
        per_image_arrays=arrays,
        iou_type=kind,
    )
    return job, iou_threshold, max_det


# -- evaluation --------------------------------------------------------------------------


def _evaluate(job: _Job) -> tuple[Evaluation, NDArray[np.float64]]:
    """COCO's matching of the job, and each slot's matched ground-truth id at every
    threshold (``dtMatches`` of area "all": shape (T, n_slots))."""
    st = job.settings
    g = group(job.gt, job.dt, st)  # sizes the per-record output (evaluate groups again)
    max_det = int(st.max_detections[-1])
    if max_det >= len(g.dt_rows):
        n_slots = len(g.dt_rows)
    else:
        n_slots = int(np.minimum(np.diff(g.dt_start), max_det).sum())
    n_gt, T = len(g.gt_rows), len(st.iou_thresholds)
    slot_dtm = np.zeros((1, T, n_slots))
    detail = (
        slot_dtm,
        np.zeros((1, T, n_slots), np.uint8),
        np.zeros((1, n_gt), np.int64),
        np.zeros((1, T, n_gt)),
        np.zeros((1, n_gt), np.uint8),
    )
    ev = evaluate(job.gt, job.dt, st, job.masks, detail=detail)
    return ev, slot_dtm[0]


def _slot_groups(ev: Evaluation) -> NDArray[np.int64]:
    return np.repeat(np.arange(len(ev.grouped.keys), dtype=np.int64), np.diff(ev.slot_start))


def _positions_in_image(image_of_row: NDArray[Any], rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each row's index among its image's rows (per-image arrays keep an image's rows
    together, in its arrays' order)."""
    n = len(image_of_row)
    if n == 0:
        return rows.astype(np.int64)
    new = np.ones(n, bool)
    new[1:] = image_of_row[1:] != image_of_row[:-1]
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    out: NDArray[np.int64] = rows - first[rows]
    return out


def _pair_ious(
    job: _Job, dt_rows: NDArray[np.int64], gt_rows: NDArray[np.int64]
) -> NDArray[np.float64]:
    """The IoU of each (detection, ground truth) pair, computed as the matching does."""
    crowd = job.gt.crowd[gt_rows].astype(bool)
    if job.masks is not None:
        out = np.empty(len(dt_rows))
        cell = np.empty((1, 1))
        for j, (d, g, c) in enumerate(
            zip(dt_rows.tolist(), gt_rows.tolist(), crowd.tolist(), strict=True)
        ):
            _kernels.coco_mask_iou(
                job.masks.detections, np.array([d], np.int64), job.masks.ground_truth,
                np.array([g], np.int64), np.array([c], np.uint8), cell,
            )  # fmt: skip
            out[j] = cell[0, 0]
        return out
    # pycocotools' bbIou, operation for operation (the kernels are built without
    # floating-point contraction, so these doubles are the matching's).
    d, g = job.dt.bbox[dt_rows], job.gt.bbox[gt_rows]
    w = np.fmin(d[:, 2] + d[:, 0], g[:, 2] + g[:, 0]) - np.fmax(d[:, 0], g[:, 0])
    h = np.fmin(d[:, 3] + d[:, 1], g[:, 3] + g[:, 1]) - np.fmax(d[:, 1], g[:, 1])
    inter = w * h
    da, ga = d[:, 2] * d[:, 3], g[:, 2] * g[:, 3]
    union = np.where(crowd, da, da + ga - inter)
    iou = np.zeros(len(dt_rows))
    hit = (w > 0) & (h > 0)
    np.divide(inter, union, out=iou, where=hit)
    return iou


def _matched_gt_rows(
    ev: Evaluation, slots: NDArray[np.int64], gt_ids: NDArray[np.float64]
) -> NDArray[np.int64]:
    """The ground-truth row each slot matched: the row of its group with that id."""
    g = ev.grouped
    pos_group = np.repeat(np.arange(len(g.keys), dtype=np.int64), np.diff(g.gt_start))
    ids = g.gt_id[g.gt_rows]
    uniq, rank = np.unique(ids, return_inverse=True)
    width = max(len(uniq), 1)
    key = pos_group * width + rank.reshape(-1)
    order = np.argsort(key, kind="stable")
    slot_group = _slot_groups(ev)[slots]
    query = slot_group * width + np.searchsorted(uniq, gt_ids)
    found = order[np.searchsorted(key[order], query)]
    rows: NDArray[np.int64] = g.gt_rows[found]
    return rows


def _matches(
    job: _Job,
    ev: Evaluation,
    dtm: NDArray[np.float64],
    counted: NDArray[np.bool_],
    image_ids: NDArray[Any],
) -> MatchedPairs:
    t = job.iou_index
    slots = np.flatnonzero((ev.slot_code[:, 0, t] == 1) & counted)
    slot_cat = ev.group_categories()[_slot_groups(ev)[slots]]
    slots = slots[np.lexsort((ev.slot_rank[slots], slot_cat, ev.slot_image[slots]))]
    dt_rows = ev.slot_det[slots]
    gt_rows = _matched_gt_rows(ev, slots, dtm[t, slots])
    if job.per_image_arrays:
        dt_id = _positions_in_image(job.dt.image_id, dt_rows)
        gt_id = _positions_in_image(job.gt.image_id, gt_rows)
    else:
        dt_id, gt_id = job.dt.id[dt_rows], job.gt.id[gt_rows]
    return MatchedPairs(
        image_id=image_ids[ev.slot_image[slots]],
        dt_id=dt_id,
        gt_id=gt_id,
        category_id=job.dt.category_id[dt_rows],
        iou=_pair_ious(job, dt_rows, gt_rows),
        score=ev.slot_score[slots].astype(np.float64),
    )


# -- leave-one-out AP --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Category:
    """One category's kept detections in accumulation order (all-ignored ones dropped)
    and its groups (one per image, ascending)."""

    loc: NDArray[np.int64]  # each detection's image, as the index of its group
    codes: NDArray[np.uint8]  # (n, T) match codes at the mAP's thresholds
    new_run: NDArray[np.bool_]  # codes differ from the previous detection's
    npig: NDArray[np.int64]
    nonempty: NDArray[np.uint8]
    npig_before: NDArray[np.int64]  # prefix sums, for the rest of the images
    nonempty_before: NDArray[np.int64]
    max_det: int


def _category(
    ev: Evaluation, order: NDArray[np.int64], group_lo: int, group_hi: int, codes: NDArray[Any]
) -> _Category:
    images = ev.group_images()[group_lo:group_hi]
    c = codes[order]
    keep = ~np.all(c == 2, axis=1)  # ignored everywhere: no count changes
    order, c = order[keep], np.ascontiguousarray(c[keep])
    loc = np.searchsorted(images, ev.slot_image[order]).astype(np.int64)
    new_run = np.ones(len(order), bool)
    if len(order) > 1:
        new_run[1:] = np.any(c[1:] != c[:-1], axis=1)
    npig = ev.group_npig[group_lo:group_hi, 0].astype(np.int64)
    nonempty = ev.group_nonempty[group_lo:group_hi].astype(np.uint8)
    npig_before = np.concatenate(([0], np.cumsum(npig)))
    nonempty_before = np.concatenate(([0], np.cumsum(nonempty.astype(np.int64))))
    return _Category(
        loc, c, new_run, npig, nonempty, npig_before, nonempty_before,
        int(ev.settings.max_detections[-1]),
    )  # fmt: skip


def _accumulate_without(
    cat: _Category, lo: int, hi: int, rec_thr: NDArray[np.float64], out: NDArray[np.float64]
) -> None:
    """The category's AP sums (over recall thresholds, per IoU threshold) without each
    image ``lo .. hi - 1`` in turn (rows of `out`), or with every image when
    ``lo == hi`` (one row). Runs of other images' detections with equal codes are one
    detection weighted by the run's length."""
    n, T = cat.codes.shape
    B = hi - lo
    in_block = (cat.loc >= lo) & (cat.loc < hi)
    boundary = cat.new_run | in_block
    boundary[1:] |= in_block[:-1]
    starts = np.flatnonzero(boundary)
    lengths = np.diff(np.append(starts, n))
    own = in_block[starts]
    # Kernel images: the block's images, then one per run length (weight = length),
    # length 1 always there (it carries the other images' ground truths).
    run_lengths = np.append(lengths[~own], 1)
    present = np.bincount(run_lengths) > 0
    uniq = np.flatnonzero(present)
    inverse = np.cumsum(present)[run_lengths] - 1
    slot_image = np.empty(len(starts), np.int32)
    slot_image[own] = cat.loc[starts[own]] - lo
    slot_image[~own] = B + inverse[:-1]
    rest_image = B + int(inverse[-1])
    n_groups = len(cat.npig)
    rest_npig = int(cat.npig_before[n_groups] - cat.npig_before[hi] + cat.npig_before[lo])
    rest_nonempty = (
        cat.nonempty_before[n_groups] - cat.nonempty_before[hi] + cat.nonempty_before[lo]
    ) > 0
    kernel = _kernels.CocoBootstrap(
        B + len(uniq),
        np.array([0, len(starts)], np.int64),
        slot_image,
        np.zeros(len(starts), np.int32),
        np.ascontiguousarray(cat.codes[starts].reshape(len(starts), 1, T)),
        np.array([0, B + 1], np.int64),
        np.append(np.arange(B, dtype=np.int32), np.int32(rest_image)),
        np.append(cat.npig[lo:hi], rest_npig).reshape(-1, 1),
        np.append(cat.nonempty[lo:hi], np.uint8(rest_nonempty)),
        np.array([cat.max_det], np.int64),
        rec_thr,
    )
    rows = max(B, 1)
    weights = np.empty((rows, B + len(uniq)), np.int32)
    if B:
        weights[:, :B] = 1 - np.eye(B, dtype=np.int32)
    weights[:, B:] = uniq
    recall = np.empty((rows, T))
    kernel.run(weights, out, recall)


def _contributions(
    ev: Evaluation, map_thresholds: NDArray[np.int64]
) -> tuple[float, NDArray[np.float64]]:
    """The mAP and each image's leave-one-out contribution to it."""
    st = ev.settings
    n_img, K = st.n_images, st.n_categories
    T, R = len(map_thresholds), len(st.recall_thresholds)
    if T == 0 or R == 0:
        return math.nan, np.full(n_img, np.nan)
    rec_thr = np.ascontiguousarray(st.recall_thresholds, dtype=np.float64)
    g_cat, g_img = ev.group_categories(), ev.group_images()
    n_groups = len(g_cat)
    s_cat = g_cat[_slot_groups(ev)]
    # Accumulation order: category, score descending, then image and rank (pycocotools').
    order = np.lexsort((ev.slot_rank, ev.slot_image, -ev.slot_score, s_cat))
    codes = ev.slot_code[:, 0, :][:, map_thresholds]
    cat_start = np.searchsorted(s_cat[order], np.arange(K + 1))
    grp_start = np.searchsorted(g_cat, np.arange(K + 1))
    full = np.full((K, T), np.nan)
    without = np.full((n_groups, T), np.nan)  # per group: its category without its image
    tasks: list[Callable[[], None]] = []
    for k in range(K):
        g0, g1 = int(grp_start[k]), int(grp_start[k + 1])
        if g0 == g1:
            continue
        cat = _category(ev, order[cat_start[k] : cat_start[k + 1]], g0, g1, codes)
        tasks.append(partial(_accumulate_without, cat, 0, 0, rec_thr, full[k : k + 1]))
        for lo in range(0, g1 - g0, _BLOCK):
            hi = min(lo + _BLOCK, g1 - g0)
            tasks.append(
                partial(_accumulate_without, cat, lo, hi, rec_thr, without[g0 + lo : g0 + hi])
            )
    run_parallel(tasks)
    full /= R
    without /= R
    defined = ~np.isnan(full)
    total, count = float(full[defined].sum()), int(defined.sum())
    map_value = total / count if count else math.nan
    # Per group: the change of the sum and of the number of defined values (exactly 0
    # where nothing changes).
    before = full[g_cat]
    delta_sum = np.where(np.isnan(without), 0.0, without).sum(axis=1) - np.where(
        np.isnan(before), 0.0, before
    ).sum(axis=1)
    delta_count = (~np.isnan(without)).sum(axis=1) - (~np.isnan(before)).sum(axis=1)
    d_sum = np.bincount(g_img, weights=delta_sum, minlength=n_img)
    d_count = np.bincount(g_img, weights=delta_count, minlength=n_img).astype(np.int64)
    contribution = np.full(n_img, np.nan)
    if count:
        same = d_count == 0
        contribution[same] = 0.0 - d_sum[same] / count
        other = ~same & (count + d_count > 0)
        contribution[other] = map_value - (total + d_sum[other]) / (count + d_count[other])
    return map_value, contribution


# -- public functions --------------------------------------------------------------------


def image_diagnostics(
    cocoGt: Any,
    cocoDt: Any = None,
    iou_type: Literal["bbox", "segm"] | None = None,
    *,
    iou_threshold: float = 0.5,
    max_detections: int | None = None,
    score_threshold: float | None = None,
    box_format: BoxFormat = "xywh",
) -> ImageDiagnostics:
    """Per-image diagnostics of detections or instance masks: counts, F1, matched
    pairs and each image's contribution to the mAP.

    Parameters
    ----------
    cocoGt : COCO, str, path, dict, COCOeval or sequence of mappings
        Ground truth: a ``COCO`` object (ours or pycocotools'), a COCO JSON path or
        dict; or a ``COCOeval`` (ours or pycocotools', evaluated or not: its ground
        truth, detections and ``params`` are used; leave `cocoDt` out); or per-image
        arrays, with ``"boxes"`` as :func:`~modelmetrics.detection.evaluate_detections`
        takes them or ``"masks"`` as
        :func:`~modelmetrics.instance_segmentation.evaluate_instance_segmentation` does.
    cocoDt : COCO, str, path, list of dict or sequence of mappings, default=None
        Detections: ``cocoGt.loadRes(...)``, a results path or list, or per-image arrays
        with ``"scores"``. Required unless `cocoGt` is a ``COCOeval``.
    iou_type : {"bbox", "segm"}, default=None
        Box or mask IoU. None: the ``COCOeval``'s ``iouType``; ``"segm"`` for per-image
        arrays with ``"masks"`` and no ``"boxes"``; else ``"bbox"``.
    iou_threshold : float, default=0.5
        IoU at or above which a detection matches, for the counts and pairs. With a
        ``COCOeval`` it must be one of its ``params.iouThrs`` (within 1e-12).
    max_detections : int, default=None
        Detections kept per image and category, highest scores first. None: 100, or
        the ``COCOeval``'s largest ``maxDets`` (another value is refused).
    score_threshold : float, default=None
        Detections scoring below it are left out of the counts and pairs (not of the
        mAP and its contributions). Matching is greedy by score, so this is COCO's
        matching of only the detections at or above it. None counts every kept one.
    box_format : {"xywh", "xyxy"}, default="xywh"
        Layout of per-image boxes; COCO data is always xywh.

    Returns
    -------
    ImageDiagnostics
        One row per image (sorted ids): ``tp``, ``fp``, ``fn``, ``precision``,
        ``recall``, ``f1``, ``ap_contribution``; ``matches`` (the pairs), ``map``,
        ``worst(k, by)``, ``pairs(image_id)`` and ``as_dict()``.

    Raises
    ------
    ValueError, TypeError
        For malformed inputs (naming the argument), non-finite scores, an
        `iou_threshold` outside [0, 1] (or not among a ``COCOeval``'s thresholds),
        ``max_detections < 1``, or an unknown `iou_type` or `box_format`.

    Notes
    -----
    The counts are exactly pycocotools' ``evalImgs`` at the threshold for area "all"
    and the largest max-detections setting: ``tp`` the detections with a ground-truth
    match, ``fp`` the unmatched detections that are not ignored, ``fn`` the
    non-ignored ground truths without a match. Per image, ``precision`` and ``recall``
    are NaN where their denominator is 0 and ``f1`` is 1.0 when ``tp + fp + fn`` is 0,
    as hotcoco's ``image_diagnostics`` reports them (hotcoco counts every kept
    detection, as `score_threshold` None does).

    ``ap_contribution`` is ``map`` minus the mAP of the same evaluation without the
    image: the mean over categories and IoU thresholds (COCO's ten for data; the
    ``COCOeval``'s ``iouThrs``) of pycocotools' 101-point AP at area "all", undefined
    values left out as ``summarize`` does. Each is exact (weights of 0 or 1, no
    reordering of ties); the means differ from pycocotools' by rounding only. It costs
    one accumulation of each category an image has annotations of, on merged runs of
    the other images' detections, threaded over the kernels' threads: for 5,000
    COCO-like images with 94 detections each, about 7 s of one core (3.6 s on two),
    where the evaluation itself takes 0.2 s.

    Examples
    --------
    >>> from modelmetrics.analysis import image_diagnostics
    >>> gt = [{"boxes": [[0, 0, 10, 10], [50, 50, 10, 10]], "labels": [1, 1]},
    ...       {"boxes": [[0, 0, 10, 10]], "labels": [1]}]
    >>> dt = [{"boxes": [[0, 0, 10, 10]], "scores": [0.9], "labels": [1]},
    ...       {"boxes": [[30, 30, 10, 10]], "scores": [0.8], "labels": [1]}]
    >>> diag = image_diagnostics(gt, dt)
    >>> diag.tp.tolist(), diag.fp.tolist(), diag.fn.tolist()
    ([1, 0], [0, 1], [1, 1])
    >>> diag.worst(1)[0]["image_id"], len(diag.pairs(0))
    (1, 1)
    """
    threshold = check_real("iou_threshold", iou_threshold, low=0.0, high=1.0)
    max_det = check_int("max_detections", max_detections, low=1, high=2**63 - 1, allow_none=True)
    score_thr = check_real("score_threshold", score_threshold, allow_none=True)
    check_option("box_format", box_format, ("xywh", "xyxy"))
    if iou_type is not None:
        check_option("iou_type", iou_type, ("bbox", "segm"))
    if _is_cocoeval(cocoGt):
        if cocoDt is not None:
            raise TypeError("cocoDt must be left out when cocoGt is a COCOeval (it has cocoDt)")
        job, threshold, max_det = _from_cocoeval(cocoGt, iou_type, threshold, max_det)
    else:
        job, threshold, max_det = _from_data(
            cocoGt, cocoDt, iou_type, threshold, max_det, box_format
        )
    if job.dt.score is not None and not np.all(np.isfinite(job.dt.score)):
        raise ValueError("cocoDt: every detection score must be finite")
    ev, dtm = _evaluate(job)
    image_ids = np.asarray(ev.settings.image_ids)
    if image_ids.dtype.kind not in "iuO":
        image_ids = np.array(list(ev.settings.image_ids), dtype=object)
    n_img = len(image_ids)
    code = ev.slot_code[:, 0, job.iou_index]
    counted = np.ones(len(code), bool) if score_thr is None else ev.slot_score >= score_thr
    tp = np.bincount(ev.slot_image[(code == 1) & counted], minlength=n_img).astype(np.int64)
    fp = np.bincount(ev.slot_image[(code == 0) & counted], minlength=n_img).astype(np.int64)
    npig = np.bincount(ev.group_images(), weights=ev.group_npig[:, 0], minlength=n_img)
    fn = npig.astype(np.int64) - tp
    f1 = np.ones(n_img)
    errors = 2 * tp + fp + fn
    np.divide(2 * tp, errors, out=f1, where=errors > 0)
    map_value, contribution = _contributions(ev, job.map_thresholds)
    return ImageDiagnostics(
        image_id=image_ids,
        tp=tp,
        fp=fp,
        fn=fn,
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, tp + fn),
        f1=f1,
        ap_contribution=contribution,
        matches=_matches(job, ev, dtm, counted, image_ids),
        map=map_value,
        iou_type=job.iou_type,
        iou_threshold=threshold,
        max_detections=max_det,
        score_threshold=score_thr,
    )


@dataclass(frozen=True, eq=False)
class ConfidentMistakes:
    """Misclassified samples, most confident first.

    Attributes
    ----------
    index : ndarray of int64
        The sample's position in the inputs.
    y_true, y_pred : ndarray
        True and predicted labels.
    confidence : ndarray of float64
        The predicted class's probability.
    true_probability : ndarray of float64
        The true class's probability.
    """

    index: NDArray[np.int64]
    y_true: NDArray[Any]
    y_pred: NDArray[Any]
    confidence: NDArray[np.float64]
    true_probability: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.index)

    def as_dict(self) -> dict[str, list[Any]]:
        """JSON-native columns (kebab-case names)."""
        return {
            f.name.replace("_", "-"): _json_list(getattr(self, f.name))
            for f in dataclasses.fields(self)
        }


def confident_mistakes(
    y_true: ArrayLike, y_score: ArrayLike, *, labels: ArrayLike | None = None, k: int = 10
) -> ConfidentMistakes:
    """The `k` misclassified samples a classifier was most confident about.

    The prediction is the column of the highest probability (the first on ties); a
    sample is a mistake when it is not the true class. Mistakes are ranked by the
    predicted class's probability, highest first, ties by index.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels: with `labels`, the labels themselves; else the true column
        ``0 .. n_classes - 1``; for binary scores 0/1.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Probabilities in [0, 1], one column per class, or the positive class's
        probability (read as the two columns ``1 - p`` and ``p``: class 1 is
        predicted when ``p > 0.5``).
    labels : array-like of shape (n_classes,), default=None
        The class of each column; default ``0 .. n_classes - 1``.
    k : int, default=10
        How many mistakes (all of them when there are fewer).

    Returns
    -------
    ConfidentMistakes
        Columns ``index``, ``y_true``, ``y_pred``, ``confidence`` and
        ``true_probability``, most confident first.

    Raises
    ------
    ValueError, TypeError
        For `k` < 1, lengths that differ, non-finite scores or scores outside [0, 1],
        or true labels that are not classes (each naming the argument).

    Examples
    --------
    >>> from modelmetrics.analysis import confident_mistakes
    >>> m = confident_mistakes([0, 1, 2, 1], [[0.8, 0.1, 0.1], [0.7, 0.2, 0.1],
    ...                                        [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]], k=5)
    >>> m.index.tolist(), m.y_pred.tolist(), m.confidence.tolist()
    ([1, 3], [0, 2], [0.7, 0.4])
    """
    k = check_int("k", k, low=1)
    label_list, column, scores = _classification_columns(y_true, y_score, labels, None)
    if label_list is None:  # binary scores: two columns, labels 0 and 1
        scores = np.column_stack((1.0 - scores, scores)) if len(scores) else np.empty((0, 2))
        label_list = [0, 1]
    n = len(column)
    predicted = np.argmax(scores, axis=1) if n else np.empty(0, np.int64)
    rows = np.arange(n)
    confidence = scores[rows, predicted] if n else np.empty(0)
    mistakes = np.flatnonzero(predicted != column)
    mistakes = mistakes[np.lexsort((mistakes, -confidence[mistakes]))][:k]
    names = np.asarray(label_list)
    if names.dtype.kind not in "iufbUS":
        names = np.array(label_list, dtype=object)
    return ConfidentMistakes(
        index=mistakes.astype(np.int64),
        y_true=names[column[mistakes]],
        y_pred=names[predicted[mistakes]],
        confidence=np.asarray(confidence[mistakes], np.float64),
        true_probability=np.asarray(scores[mistakes, column[mistakes]], np.float64),
    )


@dataclass(frozen=True, eq=False)
class LargestResiduals:
    """Samples with the largest absolute residual, largest first.

    Attributes
    ----------
    index : ndarray of int64
        The sample's position in the inputs.
    y_true, y_pred, residual : ndarray of float64
        The targets, predictions and ``y_pred - y_true``: shape (k,) for 1-D inputs,
        (k, n_outputs) for 2-D ones.
    abs_residual : ndarray of float64
        The ranking value: ``abs(residual)``, for 2-D inputs the largest over outputs.
    output : ndarray of int64
        The output holding that largest absolute residual (the first on ties; 0 for
        1-D inputs).
    """

    index: NDArray[np.int64]
    y_true: NDArray[np.float64]
    y_pred: NDArray[np.float64]
    residual: NDArray[np.float64]
    abs_residual: NDArray[np.float64]
    output: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.index)

    def as_dict(self) -> dict[str, list[Any]]:
        """JSON-native columns (kebab-case names; 2-D columns as lists of rows)."""
        return {
            f.name.replace("_", "-"): getattr(self, f.name).tolist()
            for f in dataclasses.fields(self)
        }


def largest_residuals(y_true: ArrayLike, y_pred: ArrayLike, *, k: int = 10) -> LargestResiduals:
    """The `k` samples a regressor is furthest off on.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True targets.
    y_pred : array-like of the same shape
        Predictions.
    k : int, default=10
        How many samples (all of them when there are fewer).

    Returns
    -------
    LargestResiduals
        Columns ``index``, ``y_true``, ``y_pred``, ``residual`` (``y_pred - y_true``),
        ``abs_residual`` and ``output``, largest absolute residual first, ties by
        index. With several outputs a sample is ranked by its largest absolute
        residual over the outputs (``output`` says which), and its rows hold every
        output.

    Raises
    ------
    ValueError, TypeError
        For `k` < 1, shapes that differ, or non-finite values (naming the argument).

    Examples
    --------
    >>> from modelmetrics.analysis import largest_residuals
    >>> r = largest_residuals([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 1.0, 6.0], k=2)
    >>> r.index.tolist(), r.residual.tolist()
    ([2, 3], [-2.0, 2.0])
    """
    k = check_int("k", k, low=1)
    t, p = _check_targets(y_true, y_pred, allow_empty=True)
    _check_finite_targets(t, p)
    one = np.ndim(y_true) == 1
    residual = p - t
    magnitude = np.abs(residual)
    output = np.argmax(magnitude, axis=1) if len(t) else np.empty(0, np.int64)
    largest = magnitude[np.arange(len(t)), output] if len(t) else np.empty(0)
    index = np.lexsort((np.arange(len(t)), -largest))[:k]

    def rows(values: NDArray[np.float64]) -> NDArray[np.float64]:
        picked: NDArray[np.float64] = np.ascontiguousarray(values[index])
        return picked[:, 0] if one else picked

    return LargestResiduals(
        index=index.astype(np.int64),
        y_true=rows(t),
        y_pred=rows(p),
        residual=rows(residual),
        abs_residual=largest[index],
        output=output[index].astype(np.int64),
    )
