"""Bootstrap confidence intervals and paired model comparison for COCO detection.

The images are resampled with replacement, ``n`` times; a resample is a vector ``w`` of
image multiplicities (``w[i]`` copies of image ``i``, summing to the number of images).
Nothing is matched again: one evaluation leaves every kept detection's match codes
(per area range and IoU threshold) and every (category, image) group's count of
non-ignored ground truths, and a resample is accumulated from those with weights, in
the compiled kernel (:class:`modelmetrics._kernels.CocoBootstrap`).

Definition (weights)
    A resample is pycocotools' ``accumulate`` on the dataset in which image ``i``
    appears ``w[i]`` times: each kept detection of image ``i`` counts ``w[i]`` times in
    its category's score-sorted list, *its copies next to each other* at its place, and
    each group's non-ignored ground truths count ``w[i]`` times. Detections of equal
    score are ordered as in the full evaluation (image id, then place in the image).
    When no two detections of one category in one image share a score this equals
    ``COCOeval`` run on the explicitly resampled dataset (copies as new images whose ids
    keep the original order); with such ties pycocotools would interleave the copies
    (``a b a b``) where the weighted list groups them (``a a b b``).

Headline metrics are those of the export (``DetectionMetrics.as_dict``): ``map``,
``map50``, ``map75``, ``map-<area>``, ``mar-<maxDets>``, ``mar-<area>``, with AP read at
the largest max-detections setting (COCO's 100); per class ``ap`` and ``ap50``. A metric
undefined on a resample (pycocotools' -1: no ground truth of that kind was drawn) is
left out of that metric's interval. Intervals are percentile intervals (linear
interpolation between order statistics); they are not forced to contain the full-data
value, which a skewed bootstrap distribution can leave outside.

The per-image state merges across shards (``COCOevalAccumulator``): resamples are drawn
over the sorted image ids, so a merged state gives the same intervals as one pass.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._coco.accumulator import COCOevalAccumulator
from modelmetrics._coco.api import COCO, annotation_columns, images_differ
from modelmetrics._coco.eval import COCOeval, evaluation_of
from modelmetrics._core.checks import check_int, check_option, check_real, check_that
from modelmetrics._core.parallel import get_num_threads, run_parallel
from modelmetrics._detection.accumulate import (
    CategorySlots,
    Curves,
    accumulate,
    accumulate_categories,
    empty_curves,
)
from modelmetrics._detection.evaluate import Evaluation

__all__ = [
    "CocoSample",
    "MetricLayout",
    "SampleColumns",
    "bootstrap",
    "coco_of",
    "columns_of_evaluation",
    "compare",
    "curves_of_columns",
    "detections_of",
    "draw_weights",
    "full_values",
    "interval",
    "mean_defined",
    "metric_layout",
    "sample_of_columns",
]

# Resamples drawn (and kept in memory) at a time.
_BLOCK = 64


@dataclass(frozen=True, eq=False)
class CocoSample:
    """One model's evaluated per-image state, ready to be resampled.

    Images are indexed in sorted id order (the resampling draws over that order);
    ``kernel`` holds the kept detections in accumulation order and the groups.
    """

    image_ids: NDArray[Any]
    category_ids: list[Any]
    iou_thresholds: NDArray[np.float64]
    n_recall: int
    area_labels: list[str]
    max_detections: list[int]
    kernel: _kernels.CocoBootstrap
    curves: Curves  # the full-data accumulation, for the values

    @property
    def n_images(self) -> int:
        return len(self.image_ids)


def _positions(sorted_ids: NDArray[Any], ids: NDArray[Any]) -> NDArray[np.int32]:
    return np.searchsorted(sorted_ids, ids).astype(np.int32)


def _sample(
    image_ids: NDArray[Any],
    category_ids: list[Any],
    slots: tuple[NDArray[Any], ...],
    groups: tuple[NDArray[Any], ...],
    settings: tuple[NDArray[np.float64], NDArray[np.float64], list[str], list[int]],
    curves: Curves,
) -> CocoSample:
    """Sort slots into accumulation order and build the kernel's input.

    `slots` is (category index, image position, rank, score, code) and `groups` is
    (category index, image position, npig, nonempty), image positions in `image_ids`
    (sorted, distinct).
    """
    iou_thr, rec_thr, area_labels, max_dets = settings
    cat, img, rank, score, code = slots
    K = len(category_ids)
    # Score descending, ties in pycocotools' concatenation order: image, then rank.
    order = np.lexsort((rank, img, -score, cat))
    cat_start = np.searchsorted(cat[order], np.arange(K + 1)).astype(np.int64)
    g_cat, g_img, g_npig, g_nonempty = groups
    g_order = np.lexsort((g_img, g_cat))
    group_start = np.searchsorted(g_cat[g_order], np.arange(K + 1)).astype(np.int64)
    kernel = _kernels.CocoBootstrap(
        len(image_ids),
        cat_start,
        np.ascontiguousarray(img[order], np.int32),
        np.ascontiguousarray(rank[order], np.int32),
        np.ascontiguousarray(code[order], np.uint8),
        group_start,
        np.ascontiguousarray(g_img[g_order], np.int32),
        np.ascontiguousarray(g_npig[g_order], np.int64),
        np.ascontiguousarray(g_nonempty[g_order], np.uint8),
        np.asarray(max_dets, np.int64),
        np.ascontiguousarray(rec_thr, np.float64),
    )
    return CocoSample(
        image_ids=image_ids,
        category_ids=list(category_ids),
        iou_thresholds=np.asarray(iou_thr, np.float64),
        n_recall=len(rec_thr),
        area_labels=list(area_labels),
        max_detections=[int(m) for m in max_dets],
        kernel=kernel,
        curves=curves,
    )


@dataclass(frozen=True, eq=False)
class SampleColumns:
    """The raw per-image state of one evaluation, as :func:`_sample` consumes it.

    Images are positions in `image_ids` (sorted, distinct). Slots (kept detections) are
    in the evaluation's order: category, image, rank. ``slot_code`` is (n_slots, A, T),
    ``group_npig`` (n_groups, A). Plain arrays, so the state can be stored (the report's
    JSON export) and a :class:`CocoSample` rebuilt from it with
    :func:`sample_of_columns`.
    """

    image_ids: NDArray[Any]
    category_ids: list[Any]
    iou_thresholds: NDArray[np.float64]
    recall_thresholds: NDArray[np.float64]
    area_labels: list[str]
    max_detections: list[int]
    slot_category: NDArray[np.int64]
    slot_image: NDArray[np.int32]
    slot_rank: NDArray[np.int32]
    slot_score: NDArray[np.float64]
    slot_code: NDArray[np.uint8]
    group_category: NDArray[np.int64]
    group_image: NDArray[np.int32]
    group_npig: NDArray[np.int64]
    group_nonempty: NDArray[np.uint8]


def columns_of_evaluation(ev: Evaluation) -> SampleColumns:
    """The raw resampling state of one evaluation (every category and image of it)."""
    st = ev.settings
    ids = np.asarray(st.image_ids)
    order = np.argsort(ids, kind="stable")
    if len(ids) and np.any(ids[order][1:] == ids[order][:-1]):
        raise ValueError("the evaluation lists an image twice: resampling needs distinct images")
    pos = np.empty(len(ids), np.int32)
    pos[order] = np.arange(len(ids), dtype=np.int32)
    slot_group = np.repeat(np.arange(len(ev.grouped.keys), dtype=np.int64), np.diff(ev.slot_start))
    g_cat = ev.group_categories()
    return SampleColumns(
        image_ids=ids[order],
        category_ids=list(st.accumulated_category_ids),
        iou_thresholds=np.asarray(st.iou_thresholds, np.float64),
        recall_thresholds=np.asarray(st.recall_thresholds, np.float64),
        area_labels=list(st.area_labels),
        max_detections=[int(m) for m in st.max_detections],
        slot_category=np.asarray(g_cat[slot_group], np.int64),
        slot_image=pos[ev.slot_image],
        slot_rank=np.asarray(ev.slot_rank, np.int32),
        slot_score=np.asarray(ev.slot_score, np.float64),
        slot_code=np.asarray(ev.slot_code, np.uint8),
        group_category=np.asarray(g_cat, np.int64),
        group_image=pos[ev.group_images()],
        group_npig=np.asarray(ev.group_npig, np.int64),
        group_nonempty=np.asarray(ev.group_nonempty, np.uint8),
    )


def curves_of_columns(cols: SampleColumns) -> Curves:
    """pycocotools' ``accumulate`` of the state, rebuilt from the columns alone (equal
    to the evaluation's when it listed its images in sorted order, as COCOeval does)."""
    K, A = len(cols.category_ids), len(cols.area_labels)
    T, R, M = len(cols.iou_thresholds), len(cols.recall_thresholds), len(cols.max_detections)
    curves = empty_curves(T, R, K, A, M)
    if not (K and A and M and T):
        return curves
    order = np.lexsort((cols.slot_rank, cols.slot_image, cols.slot_category))
    cat = cols.slot_category[order]
    start = np.searchsorted(cat, np.arange(K + 1))
    npig = np.zeros((K, A), np.int64)
    np.add.at(npig, cols.group_category, cols.group_npig)
    has = np.zeros(K, bool)
    has[cols.group_category[cols.group_nonempty.astype(bool)]] = True
    categories = [
        CategorySlots(k, int(start[k]), int(start[k + 1]), np.ascontiguousarray(npig[k]))
        for k in range(K)
        if has[k]
    ]
    slots = (
        np.ascontiguousarray(cols.slot_score[order]),
        np.ascontiguousarray(cols.slot_rank[order]),
        np.ascontiguousarray(cols.slot_code[order]),
        np.ones(len(order), np.uint8),
    )
    accumulate_categories(
        curves,
        categories,
        cols.recall_thresholds,
        np.arange(A, dtype=np.int64),
        np.asarray(cols.max_detections, np.int64),
        slots,
    )
    return curves


def sample_of_columns(cols: SampleColumns, curves: Curves | None = None) -> CocoSample:
    """The :class:`CocoSample` of a raw state; `curves` rebuilt from it when None."""
    slots = (cols.slot_category, cols.slot_image, cols.slot_rank, cols.slot_score, cols.slot_code)
    groups = (cols.group_category, cols.group_image, cols.group_npig, cols.group_nonempty)
    settings = (
        cols.iou_thresholds,
        cols.recall_thresholds,
        list(cols.area_labels),
        list(cols.max_detections),
    )
    if curves is None:
        curves = curves_of_columns(cols)
    return _sample(cols.image_ids, cols.category_ids, slots, groups, settings, curves)


def sample_of_evaluation(ev: Evaluation) -> CocoSample:
    """The resampling state of one evaluation (every category and image of it)."""
    return sample_of_columns(columns_of_evaluation(ev), accumulate(ev, ev.settings))


def sample_of_accumulator(acc: COCOevalAccumulator) -> CocoSample:
    """The resampling state of the shards an accumulator has merged."""
    p = acc.params
    state = acc._state
    ids = np.unique(state.image_ids())
    cat_ids = np.asarray(p.catIds if p.useCats else [-1], np.int64)
    d_cat, d_img, rank, score, code = state.detection_columns()
    if not np.all(np.isfinite(score)):
        raise ValueError("every detection score must be finite")
    g_cat, g_img, g_npig, g_nonempty = state.group_columns()

    def cat_index(values: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        at = np.minimum(np.searchsorted(cat_ids, values), max(len(cat_ids) - 1, 0))
        known = cat_ids[at] == values if len(cat_ids) else np.zeros(len(values), bool)
        return at.astype(np.int64), known

    d_k, d_known = cat_index(d_cat)
    g_k, g_known = cat_index(g_cat)
    slots = (d_k[d_known], _positions(ids, d_img[d_known]), rank[d_known], score[d_known])
    groups = (g_k[g_known], _positions(ids, g_img[g_known]), g_npig[g_known], g_nonempty[g_known])
    rec_thr = np.asarray(p.recThrs, np.float64)
    curves = acc.compute().eval
    settings = (np.asarray(p.iouThrs, np.float64), rec_thr, list(p.areaRngLbl), list(p.maxDets))
    full = Curves(curves["precision"], curves["recall"], curves["scores"])
    return _sample(ids, cat_ids.tolist(), (*slots, code[d_known]), groups, settings, full)


# -- inputs ------------------------------------------------------------------------------


def coco_of(value: Any, name: str) -> COCO:
    """Ground truth as our ``COCO``: ours as it is, a path or dict read, pycocotools'
    object through its dataset (a TypeError naming `name` otherwise)."""
    if isinstance(value, COCO):
        return value
    if isinstance(value, str | os.PathLike | dict):
        return COCO(value)
    if hasattr(value, "dataset") and isinstance(value.dataset, dict):  # pycocotools' COCO
        return COCO(value.dataset)
    raise TypeError(
        f"{name} must be a COCO object or a COCO JSON path or dict, got {type(value).__name__}"
    )


def _load(gt: COCO, results: Any, name: str) -> COCO:
    try:
        return gt.loadRes(results)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None


def detections_of(gt: COCO, value: Any, name: str) -> COCO:
    """Detections of `gt` as our ``COCO``: ours as it is, a results path or list loaded
    with ``gt.loadRes``; checked to be on `gt`'s images with finite scores (errors name
    `name`)."""
    if isinstance(value, COCO | str | os.PathLike | list):
        if isinstance(value, COCO):
            dt = value
        else:
            dt = _load(gt, value if not isinstance(value, os.PathLike) else os.fspath(value), name)
    elif hasattr(value, "dataset") and isinstance(value.dataset, dict):  # pycocotools' COCO
        dt = _load(gt, list(value.dataset.get("annotations", [])), name)
    else:
        raise TypeError(
            f"{name} must be a COCO object (cocoGt.loadRes(...)), a results path or list, "
            f"got {type(value).__name__}"
        )
    if images_differ(dt, gt):
        raise ValueError(f"{name}: its images differ from cocoGt's (another ground truth?)")
    scores = annotation_columns(dt).score
    if scores is not None and not np.all(np.isfinite(scores)):
        raise ValueError(f"{name}: every detection score must be finite")
    return dt


def _evaluated(ev: COCOeval, name: str) -> CocoSample:
    check_option(f"{name}.params.iouType", ev.params.iouType, ("bbox", "segm"))
    if ev.cocoDt is not None:
        scores = annotation_columns(ev.cocoDt).score
        if scores is not None and not np.all(np.isfinite(scores)):
            raise ValueError(f"{name}: every detection score must be finite")
    if ev._evaluation is None:
        ev.evaluate()
    evaluation = evaluation_of(ev)
    if not np.all(np.isfinite(evaluation.slot_score)):
        raise ValueError(f"{name}: every detection score must be finite")
    return sample_of_evaluation(evaluation)


def _state(value: Any, name: str) -> CocoSample | None:
    """The sample of an already evaluated input (COCOeval or accumulator), else None."""
    if isinstance(value, COCOevalAccumulator):
        check_option(f"{name}.params.iouType", value.params.iouType, ("bbox", "segm"))
        try:
            return sample_of_accumulator(value)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    if isinstance(value, COCOeval):
        return _evaluated(value, name)
    return None


def _evaluate(gt: COCO, dt: COCO, iou_type: str) -> CocoSample:
    ev = COCOeval(gt, dt, iou_type)
    ev.evaluate()
    return sample_of_evaluation(evaluation_of(ev))


MAX_RESAMPLES = 1_000_000


def _check_common(iou_type: str, n: int, seed: int, level: float) -> tuple[int, int, float]:
    check_option("iou_type", iou_type, ("bbox", "segm"))
    # Each resample keeps a row of every metric: a bound keeps a typo from exhausting memory.
    n = check_int("n", n, low=1, high=MAX_RESAMPLES)
    seed = check_int("seed", seed, low=0)
    level = check_real("level", level)
    check_that(0.0 < level < 1.0, "level", "a float in the range (0.0, 1.0)", level)
    return n, seed, level


# -- metrics -----------------------------------------------------------------------------


def mean_defined(values: NDArray[np.float64]) -> float:
    """pycocotools' summary: the mean of entries > -1, NaN when there are none."""
    defined = values[values > -1]
    return math.nan if len(defined) == 0 else float(np.mean(defined))


@dataclass(frozen=True)
class MetricLayout:
    """Where each metric reads: (kind, iou index or None, area index, maxDets index)."""

    heads: dict[str, tuple[str, int | None, int, int]]
    all_area: int
    iou50: int | None


def metric_layout(sample: CocoSample) -> MetricLayout:
    """The export's headline metrics (and per-class AP) for `sample`'s parameters."""
    labels = sample.area_labels
    all_area = labels.index("all") if "all" in labels else 0
    m_last = len(sample.max_detections) - 1

    def iou_at(value: float) -> int | None:
        found = np.flatnonzero(sample.iou_thresholds == value)
        return int(found[0]) if len(found) else None

    heads: dict[str, tuple[str, int | None, int, int]] = {"map": ("ap", None, all_area, m_last)}
    for name, value in (("map50", 0.5), ("map75", 0.75)):
        t = iou_at(value)
        if t is not None:
            heads[name] = ("ap", t, all_area, m_last)
    for a, label in enumerate(labels):
        if a != all_area:
            heads[f"map-{label}"] = ("ap", None, a, m_last)
    for m, max_det in enumerate(sample.max_detections):
        heads[f"mar-{max_det}"] = ("ar", None, all_area, m)
    for a, label in enumerate(labels):
        if a != all_area:
            heads[f"mar-{label}"] = ("ar", None, a, m_last)
    return MetricLayout(heads=heads, all_area=all_area, iou50=iou_at(0.5))


def full_values(sample: CocoSample, layout: MetricLayout) -> dict[str, Any]:
    """The full-data metrics, as pycocotools' ``summarize`` computes them."""
    precision, recall = sample.curves.precision, sample.curves.recall
    out: dict[str, Any] = {}
    for name, (kind, t, a, m) in layout.heads.items():
        ts = slice(None) if t is None else slice(t, t + 1)
        if kind == "ap":
            out[name] = mean_defined(precision[ts, :, :, a, m])
        else:
            out[name] = mean_defined(recall[ts, :, a, m])
    a, m = layout.all_area, len(sample.max_detections) - 1
    per_class: dict[Any, dict[str, float]] = {}
    for k, cat in enumerate(sample.category_ids):
        entry = {"ap": mean_defined(precision[:, :, k, a, m])}
        if layout.iou50 is not None:
            entry["ap50"] = mean_defined(precision[layout.iou50, :, k, a, m])
        per_class[cat] = entry
    out["per-class"] = per_class
    return out


def _nanmean(values: NDArray[np.float64], axis: tuple[int, ...]) -> NDArray[np.float64]:
    defined = ~np.isnan(values)
    count = defined.sum(axis=axis)
    total = np.where(defined, values, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean: NDArray[np.float64] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean


def _resample_metrics(
    sample: CocoSample, layout: MetricLayout, weights: NDArray[np.int32], n_threads: int
) -> dict[str, NDArray[np.float64]]:
    """Every metric on each resample (rows of `weights`); per class under ``"ap/<k>"``."""
    B = len(weights)
    K, A = len(sample.category_ids), len(sample.area_labels)
    T, M = len(sample.iou_thresholds), len(sample.max_detections)
    prec = np.empty((B, K * A * T))
    rec = np.empty((B, K * A * M * T))
    if K and A and T:
        per_task = max(1, -(-B // (4 * n_threads)))
        bounds = [*range(0, B, per_task), B]
        run_parallel(
            [
                partial(sample.kernel.run, weights[lo:hi], prec[lo:hi], rec[lo:hi])
                for lo, hi in itertools.pairwise(bounds)
            ],
            n_threads,
        )
    ap = prec.reshape(B, K, A, T) / max(sample.n_recall, 1)
    ar = rec.reshape(B, K, A, M, T)
    out: dict[str, NDArray[np.float64]] = {}
    for name, (kind, t, a, m) in layout.heads.items():
        ts = slice(None) if t is None else slice(t, t + 1)
        if kind == "ap":
            out[name] = _nanmean(ap[:, :, a, ts], (1, 2))
        else:
            out[name] = _nanmean(ar[:, :, a, m, ts], (1, 2))
    per_class_ap = _nanmean(ap[:, :, layout.all_area, :], (2,))
    for k in range(K):
        out[f"ap/{k}"] = per_class_ap[:, k]
        if layout.iou50 is not None:
            out[f"ap50/{k}"] = ap[:, k, layout.all_area, layout.iou50]
    return out


def draw_weights(rng: np.random.Generator, n_res: int, n_images: int) -> NDArray[np.int32]:
    """`n_res` resamples of `n_images` images with replacement, as multiplicities
    (one row each); row after row from `rng`, so blocks do not change the draws."""
    weights = np.zeros((n_res, n_images), np.int32)
    for b in range(n_res):
        weights[b] = np.bincount(rng.integers(0, n_images, n_images), minlength=n_images)
    return weights


def _run(
    samples: Sequence[CocoSample], n: int, seed: int
) -> tuple[MetricLayout, list[dict[str, NDArray[np.float64]]]]:
    """Each sample's metrics on the same `n` resamples."""
    layout = metric_layout(samples[0])
    rng = np.random.default_rng(seed)
    n_threads = get_num_threads()
    n_images = samples[0].n_images
    parts: list[list[dict[str, NDArray[np.float64]]]] = [[] for _ in samples]
    for start in range(0, n, _BLOCK):
        weights = draw_weights(rng, min(_BLOCK, n - start), n_images)
        for part, sample in zip(parts, samples, strict=True):
            part.append(_resample_metrics(sample, layout, weights, n_threads))
    merged = [{key: np.concatenate([p[key] for p in part]) for key in part[0]} for part in parts]
    return layout, merged


def interval(values: NDArray[np.float64], level: float) -> tuple[float, float]:
    """Percentile interval of the defined (non-NaN) `values` at `level`; NaN without any."""
    defined = values[~np.isnan(values)]
    if len(defined) == 0:
        return math.nan, math.nan
    low, high = np.quantile(defined, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(low), float(high)


def _with_classes(
    sample: CocoSample,
    values: dict[str, Any],
    entry: Callable[[str, str], dict[str, float]],
) -> dict[str, Any]:
    out: dict[str, Any] = {name: entry(name, name) for name in values if name != "per-class"}
    out["per-class"] = {
        cat: {metric: entry(metric, f"{metric}/{k}") for metric in values["per-class"][cat]}
        for k, cat in enumerate(sample.category_ids)
    }
    return out


def bootstrap_samples(sample: CocoSample, n: int, seed: int, level: float) -> dict[str, Any]:
    """:func:`bootstrap` of an evaluated state."""
    layout, (metrics,) = _run([sample], n, seed)
    values = full_values(sample, layout)

    def entry(metric: str, key: str) -> dict[str, float]:
        value = (
            values[key]
            if "/" not in key
            else values["per-class"][sample.category_ids[int(key.split("/")[1])]][metric]
        )
        low, high = interval(metrics[key], level)
        return {"value": value, "low": low, "high": high, "level": level}

    return _with_classes(sample, values, entry)


def compare_samples(
    a: CocoSample, b: CocoSample, n: int, seed: int, level: float, name_b: str = "cocoDt_b"
) -> dict[str, Any]:
    """:func:`compare` of two evaluated states."""
    if a.n_images != b.n_images or not np.array_equal(a.image_ids, b.image_ids):
        raise ValueError(f"{name_b}: its images differ from the first model's")
    same = (
        a.category_ids == b.category_ids
        and np.array_equal(a.iou_thresholds, b.iou_thresholds)
        and a.area_labels == b.area_labels
        and a.max_detections == b.max_detections
        and a.n_recall == b.n_recall
    )
    if not same:
        raise ValueError(f"{name_b}: its categories or evaluation parameters differ")
    layout, (ma, mb) = _run([a, b], n, seed)
    va, vb = full_values(a, layout), full_values(b, layout)

    def value_of(values: dict[str, Any], metric: str, key: str) -> float:
        if "/" not in key:
            return float(values[key])
        return float(values["per-class"][a.category_ids[int(key.split("/")[1])]][metric])

    def entry(metric: str, key: str) -> dict[str, float]:
        diff = mb[key] - ma[key]
        defined = ~np.isnan(diff)
        low, high = interval(diff, level)
        better = float(np.mean(diff[defined] > 0)) if defined.any() else math.nan
        delta = value_of(vb, metric, key) - value_of(va, metric, key)
        return {"delta": delta, "low": low, "high": high, "p_better": better}

    return _with_classes(a, va, entry)


# -- public functions --------------------------------------------------------------------


def bootstrap(
    cocoGt: Any,
    cocoDt: Any = None,
    iou_type: str = "bbox",
    *,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Bootstrap confidence intervals of COCO's headline metrics and per-class AP.

    The images are resampled with replacement `n` times; each resample is accumulated
    from the one evaluation with the images' multiplicities as weights (no matching
    again; see the module notes for the definition and its ties).

    Parameters
    ----------
    cocoGt : COCO, str, path, dict, COCOeval or COCOevalAccumulator
        Ground truth (a ``COCO`` object, ours or pycocotools', or a COCO JSON path or
        dict); or an evaluated state: a ``COCOeval`` (evaluated here if it was not;
        its parameters are used) or a ``COCOevalAccumulator`` holding merged shards.
        Leave `cocoDt` out for a state.
    cocoDt : COCO, str, path or list of dict, default=None
        Detections: ``cocoGt.loadRes(...)`` or a results path or list.
    iou_type : {"bbox", "segm"}, default="bbox"
        Box or mask IoU (for COCO data; a state keeps its own).
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the ``numpy.random.Generator`` drawing the resamples. The result is the
        same for a seed whatever the number of threads.
    level : float, default=0.95
        Coverage of the percentile intervals, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"value", "low", "high", "level"}}`` for ``map``, ``map50``,
        ``map75``, ``map-small``, ``map-medium``, ``map-large``, ``mar-1``, ``mar-10``,
        ``mar-100``, ``mar-small``, ``mar-medium``, ``mar-large`` (COCO's 12 ``stats``;
        names follow the evaluation's area labels and max-detections settings), and
        ``"per-class"``: ``{category_id: {"ap": {...}, "ap50": {...}}}``. ``value`` is the
        full-data value (``==`` pycocotools' ``stats``); NaN where undefined.

    Raises
    ------
    ValueError
        If `n` < 1, `level` is outside (0, 1), a detection score is not finite, or
        `iou_type` is unknown (each naming the argument).
    TypeError
        For inputs of the wrong kind.

    Notes
    -----
    A resample draws ``n_images`` images with replacement (over the sorted image ids,
    so merged shards draw the same); image ``i`` drawn ``w[i]`` times counts as
    ``w[i]`` copies: its kept detections ``w[i]`` times each, the copies of a detection
    next to each other at its place in the score order (ties between detections as in
    the full evaluation: image id, then rank), and its ground truths ``w[i]`` times.
    Without equal scores among one image's detections of a category this is exactly
    pycocotools on the dataset with the copies as new images; with them, pycocotools
    would interleave the copies where this groups them. A metric undefined on a
    resample (no ground truth of its kind drawn) is left out of its interval.

    Percentile intervals: ``low <= high``, both between the smallest and largest
    resampled value; the full-data value usually lies inside but is not guaranteed to
    (the bootstrap distribution of AP can be skewed).

    Examples
    --------
    >>> from modelmetrics.analysis import bootstrap
    >>> from modelmetrics.coco import COCO
    >>> box = {"category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}
    >>> gt = COCO({"images": [{"id": i} for i in range(1, 5)], "categories": [{"id": 1}],
    ...            "annotations": [{"id": i, "image_id": i, **box} for i in range(1, 5)]})
    >>> dt = gt.loadRes([{"image_id": i, "category_id": 1, "score": 1.0 - i / 10,
    ...                   "bbox": [0, 0, 10, 10] if i % 2 else [50, 50, 5, 5]}
    ...                  for i in range(1, 5)])
    >>> ci = bootstrap(gt, dt, n=200, seed=0)
    >>> round(ci["map"]["value"], 3), ci["map"]["low"] <= ci["map"]["high"]
    (0.422, True)
    """
    n, seed, level = _check_common(iou_type, n, seed, level)
    sample = _state(cocoGt, "cocoGt")
    if sample is not None:
        if cocoDt is not None:
            raise TypeError("cocoDt must be left out when cocoGt is an evaluated state")
    else:
        if cocoDt is None:
            raise TypeError("cocoDt is required (detections) unless cocoGt is evaluated")
        gt = coco_of(cocoGt, "cocoGt")
        sample = _evaluate(gt, detections_of(gt, cocoDt, "cocoDt"), iou_type)
    return bootstrap_samples(sample, n, seed, level)


def compare(
    cocoGt: Any,
    cocoDt_a: Any,
    cocoDt_b: Any,
    iou_type: str = "bbox",
    *,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Compare two models on the same images: a paired bootstrap of every metric's
    difference (B minus A).

    Both models are accumulated on the same `n` resamples of the images (see
    :func:`bootstrap`), so the interval is that of the difference itself.

    Parameters
    ----------
    cocoGt : COCO, str, path, dict or None
        Ground truth, as in :func:`bootstrap`; None when both models are evaluated
        states.
    cocoDt_a, cocoDt_b : COCO, str, path, list of dict, COCOeval or COCOevalAccumulator
        The two models' detections (``cocoGt.loadRes(...)``, a results path or list),
        or their evaluated states on the same images.
    iou_type : {"bbox", "segm"}, default="bbox"
        Box or mask IoU (for COCO data).
    n : int, default=1000
        Number of resamples (at most 1,000,000).
    seed : int, default=0
        Seed of the resampling (the same draws for both models).
    level : float, default=0.95
        Coverage of the percentile interval of the difference, in (0, 1).

    Returns
    -------
    dict
        ``{metric: {"delta", "low", "high", "p_better"}}`` for the metrics of
        :func:`bootstrap`, and ``"per-class"``: ``{category_id: {"ap": {...}, ...}}``.
        ``delta`` is the full-data difference, ``low``/``high`` the percentile interval
        of the resampled differences, ``p_better`` the share of resamples where B is
        strictly better (a tie counts as not better), among those where the metric is
        defined for both. A model against itself gives 0, 0, 0 and 0.

    Raises
    ------
    ValueError
        If the two models were evaluated on different images (naming `cocoDt_b`), or
        with different categories or parameters, or for the bad arguments of
        :func:`bootstrap`.

    Examples
    --------
    >>> from modelmetrics.analysis import compare
    >>> from modelmetrics.coco import COCO
    >>> box = {"category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0}
    >>> gt = COCO({"images": [{"id": i} for i in range(1, 5)], "categories": [{"id": 1}],
    ...            "annotations": [{"id": i, "image_id": i, **box} for i in range(1, 5)]})
    >>> hit = [{"image_id": i, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9}
    ...        for i in range(1, 5)]
    >>> out = compare(gt, hit[:2], hit, n=200, seed=0)
    >>> out["map"]["delta"] > 0, out["map"]["p_better"] > 0.9
    (True, True)
    """
    n, seed, level = _check_common(iou_type, n, seed, level)
    a = _state(cocoDt_a, "cocoDt_a")
    b = _state(cocoDt_b, "cocoDt_b")
    if a is None or b is None:
        if cocoGt is None:
            raise TypeError("cocoGt is required unless both models are evaluated states")
        gt = coco_of(cocoGt, "cocoGt")
        if a is None:
            a = _evaluate(gt, detections_of(gt, cocoDt_a, "cocoDt_a"), iou_type)
        if b is None:
            b = _evaluate(gt, detections_of(gt, cocoDt_b, "cocoDt_b"), iou_type)
    return compare_samples(a, b, n, seed, level)
