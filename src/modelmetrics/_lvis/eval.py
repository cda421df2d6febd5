"""``LVISEval``: a drop-in for :class:`lvis.LVISEval` over the COCO detection engine.

LVIS evaluation is COCO's greedy matching and interpolated precision with four
differences, all expressed as inputs to the same engine
(:func:`~modelmetrics._detection.evaluate.evaluate` and
:func:`~modelmetrics._detection.accumulate.accumulate`):

* federated selection: a detection counts only in images whose ground truth has its
  category or lists it in ``neg_category_ids``; annotations (both sides) count only
  with an area strictly inside ``(0, inf)``: a :class:`RowFilter`;
* an unmatched detection of a category in the image's ``not_exhaustive_category_ids``
  is ignored: its area is given to the engine as NaN, which lies outside every area
  range;
* no crowd regions, ``ignore`` from the annotations' own field, and no per-category
  detection limit (``LVISResults`` keeps 300 per image);
* no max-detections axis: ``eval["precision"]`` is (T, R, K, A), and the summary adds
  AP by category frequency (rare, common, frequent).

``eval["precision"]``, ``eval["recall"]`` and ``results`` are ``==`` to lvis-api's for
the same inputs; ``eval_imgs`` and ``ious`` are built on request.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
from collections import OrderedDict
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._coco.api import annotation_masks
from modelmetrics._coco.lookup_errors import lookup_errors_as_value_errors
from modelmetrics._core.gc import gc_paused
from modelmetrics._detection import records
from modelmetrics._detection.accumulate import accumulate
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.evaluate import Evaluation, MaskPair, evaluate
from modelmetrics._detection.grouping import RowFilter, positions
from modelmetrics._detection.settings import (
    COCO_AREA_LABELS,
    COCO_AREA_RANGES,
    EvaluationSettings,
    coco_iou_thresholds,
    coco_recall_thresholds,
    unique_ids,
)
from modelmetrics._lvis.api import LVIS, LVISResults

__all__ = ["LVISEval", "Params"]

_FREQUENCIES = ("r", "c", "f")


class Params:
    """LVIS evaluation parameters, with lvis-api's attributes and defaults.

    Parameters
    ----------
    iou_type : {"segm", "bbox"}
        The kind of evaluation.
    """

    def __init__(self, iou_type: str) -> None:
        self.img_ids: list[Any] = []
        self.cat_ids: list[Any] = []
        self.iou_thrs = coco_iou_thresholds()
        self.rec_thrs = coco_recall_thresholds()
        self.max_dets = 300
        self.area_rng: list[list[float]] = [list(r) for r in COCO_AREA_RANGES]
        self.area_rng_lbl = list(COCO_AREA_LABELS)
        self.use_cats = 1
        # Category bins by the number of training images with the category:
        # rare < 10, common 10-99, frequent >= 100 (the categories' "frequency").
        self.img_count_lbl = list(_FREQUENCIES)
        self.iou_type = iou_type


@lookup_errors_as_value_errors
class LVISEval:
    """LVIS evaluation, the same as :class:`lvis.LVISEval` (lvis-api 0.5).

    Parameters
    ----------
    lvis_gt : LVIS, str or path
        Ground truth (a path is loaded with :class:`LVIS`).
    lvis_dt : LVISResults, str, path or list of dict
        Results (a path or list is loaded with :class:`LVISResults`, 300 per image).
    iou_type : {"segm", "bbox"}, default="segm"
        Mask or box IoU.

    Raises
    ------
    ValueError
        For an unknown `iou_type`.
    TypeError
        For inputs of other types.
    """

    def __init__(
        self,
        lvis_gt: LVIS | str | os.PathLike[str],
        lvis_dt: LVISResults | str | os.PathLike[str] | list[dict[str, Any]],
        iou_type: str = "segm",
    ) -> None:
        self.logger = logging.getLogger("modelmetrics.lvis")
        if iou_type not in ("bbox", "segm"):
            raise ValueError(f"iou_type: {iou_type} is not supported.")
        if isinstance(lvis_gt, str | os.PathLike):
            lvis_gt = LVIS(lvis_gt)
        if not isinstance(lvis_gt, LVIS) or isinstance(lvis_gt, LVISResults):
            raise TypeError(f"Unsupported type {type(lvis_gt).__name__} of lvis_gt.")
        if isinstance(lvis_dt, str | os.PathLike | list):
            lvis_dt = LVISResults(lvis_gt, lvis_dt)
        if not isinstance(lvis_dt, LVISResults):
            raise TypeError(f"Unsupported type {type(lvis_dt).__name__} of lvis_dt.")
        self.lvis_gt = lvis_gt
        self.lvis_dt = lvis_dt
        self.params = Params(iou_type=iou_type)
        self.params.img_ids = sorted(lvis_gt.get_img_ids())
        self.params.cat_ids = sorted(lvis_gt.get_cat_ids())
        self.eval: dict[str, Any] = {}
        self.results: OrderedDict[str, Any] = OrderedDict()
        self.freq_groups: list[list[int]] = []
        self.img_nel: dict[Any, Any] = {}
        self._evaluation: Evaluation | None = None
        self._inputs: tuple[AnnotationColumns, AnnotationColumns, MaskPair | None] | None = None
        self._eval_imgs: list[Any] | None = None
        self._ious: dict[tuple[Any, Any], Any] | None = None

    # -- evaluate --------------------------------------------------------------------------

    def evaluate(self) -> None:
        """Match detections to ground truth per image, category, area range and IoU."""
        self.logger.info("Running per image evaluation.")
        p = self.params
        if p.iou_type not in ("bbox", "segm"):
            raise ValueError(f"iou_type: {p.iou_type} is not supported.")
        if not p.use_cats:
            # lvis-api looks the annotations up under category -1 then: nothing matches,
            # and its summary fails on the frequency groups.
            raise ValueError("params.use_cats=0 is not supported (lvis-api matches nothing)")
        p.img_ids = unique_ids(p.img_ids)
        cat_ids = list(p.cat_ids)
        with gc_paused():
            self._evaluate(p, cat_ids)
        self._eval_imgs = None
        self._ious = None

    def _evaluate(self, p: Params, cat_ids: list[Any]) -> None:
        gt = self.lvis_gt._columns()
        dt = self.lvis_dt._columns()
        images = self.lvis_gt._images()
        image_pos = {img["id"]: i for i, img in enumerate(images)}
        eval_images = [images[image_pos[i]] for i in p.img_ids]
        self.img_nel = {img["id"]: img["not_exhaustive_category_ids"] for img in eval_images}
        self.freq_groups = self._frequency_groups(cat_ids)
        n_cat = len(cat_ids)
        gt_img = positions(gt.image_id, p.img_ids)
        gt_cat = positions(gt.category_id, cat_ids)
        dt_img = positions(dt.image_id, p.img_ids)
        dt_cat = positions(dt.category_id, cat_ids)
        # lvis-api's get_ann_ids(img_ids, cat_ids): areas strictly inside (0, inf);
        # without categories it filters nothing (and evaluates nothing).
        gt_ok = _inside(gt.area) if cat_ids else np.ones(len(gt), bool)
        dt_ok = (_inside(dt.area) if cat_ids else np.ones(len(dt), bool)) & self.lvis_dt._kept()
        # Federated selection: detections of categories the image has ground truth
        # of (after the filter above) or lists as absent.
        present = gt_ok & (gt_img >= 0) & (gt_cat >= 0)
        checked = np.concatenate(
            [
                _pair_keys(gt_img[present], gt_cat[present], n_cat),
                _listed_pairs(eval_images, "neg_category_ids", cat_ids),
            ]
        )
        valid = (dt_img >= 0) & (dt_cat >= 0)
        dt_pair = np.where(valid, _pair_keys(dt_img, dt_cat, n_cat), 0)
        n_pairs = len(p.img_ids) * n_cat
        dt_ok &= valid & _member(dt_pair, checked, n_pairs)
        not_exhaustive = _listed_pairs(eval_images, "not_exhaustive_category_ids", cat_ids)
        not_exhaustive_dt = valid & _member(dt_pair, not_exhaustive, n_pairs)
        dt = dataclasses.replace(dt, area=np.where(not_exhaustive_dt, np.nan, dt.area))
        masks = None
        if p.iou_type == "segm":
            gt_masks = annotation_masks(self.lvis_gt._coco, "ground-truth")
            masks = MaskPair(
                detections=annotation_masks(self.lvis_dt._coco, "detection"),
                ground_truth=gt_masks,
            )
        settings = self._settings(p, cat_ids, max(len(dt), 1))
        self._inputs = (gt, dt, masks)
        self._evaluation = evaluate(
            gt, dt, settings, masks, row_filter=RowFilter(ground_truth=gt_ok, detections=dt_ok)
        )

    @staticmethod
    def _settings(p: Params, cat_ids: list[Any], max_det: int) -> EvaluationSettings:
        return EvaluationSettings(
            image_ids=list(p.img_ids),
            category_ids=cat_ids,
            use_categories=True,
            iou_thresholds=_finite_1d(p.iou_thrs, "iou_thrs"),
            recall_thresholds=_finite_1d(p.rec_thrs, "rec_thrs"),
            area_ranges=_area_ranges(p),
            area_labels=list(p.area_rng_lbl),
            # No per-category limit: results are limited per image when loaded.
            max_detections=[max_det],
        )

    def _frequency_groups(self, cat_ids: list[Any]) -> list[list[int]]:
        """Positions in `cat_ids` of the categories of each frequency, in
        ``params.img_count_lbl`` order."""
        cats = {cat["id"]: cat for cat in self.lvis_gt._categories()}
        labels = list(self.params.img_count_lbl)
        groups: list[list[int]] = [[] for _ in labels]
        for k, cat_id in enumerate(cat_ids):
            frequency = cats[cat_id]["frequency"]
            if frequency not in labels:
                raise ValueError(
                    f"category {cat_id!r}: frequency {frequency!r} is not one of {labels}"
                )
            groups[labels.index(frequency)].append(k)
        return groups

    # -- accumulate ------------------------------------------------------------------------

    def accumulate(self) -> None:
        """Precision (T, R, K, A) and recall (T, K, A) into ``eval``; -1 where a
        category has no ground truth in an area range."""
        self.logger.info("Accumulating evaluation results.")
        if self._evaluation is None:
            raise RuntimeError("Please run evaluate() first.")
        with gc_paused():
            curves = accumulate(self._evaluation, self._evaluation.settings)
        T, R, K, A = curves.precision.shape[:4]
        self.eval = {
            "params": self.params,
            "counts": [T, R, K, A],
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": np.ascontiguousarray(curves.precision[..., 0]),
            "recall": np.ascontiguousarray(curves.recall[..., 0]),
        }

    # -- summarize -------------------------------------------------------------------------

    def _summarize(
        self,
        summary_type: str,
        iou_thr: float | None = None,
        area_rng: str = "all",
        freq_group_idx: int | None = None,
    ) -> Any:
        aidx = [i for i, label in enumerate(self.params.area_rng_lbl) if label == area_rng]
        if summary_type == "ap":
            s = self.eval["precision"]
            if iou_thr is not None:
                s = s[np.where(iou_thr == self.params.iou_thrs)[0]]
            if freq_group_idx is not None:
                s = s[:, :, self.freq_groups[freq_group_idx], aidx]
            else:
                s = s[:, :, :, aidx]
        else:
            s = self.eval["recall"]
            if iou_thr is not None:
                s = s[np.where(iou_thr == self.params.iou_thrs)[0]]
            s = s[:, :, aidx]
        # lvis-api's own reduction, so that the means are bit-equal.
        return -1 if len(s[s > -1]) == 0 else np.mean(s[s > -1])

    def summarize(self) -> None:
        """Compute the 13 summary metrics into ``results`` (AP, AP50, AP75, APs, APm,
        APl, APr, APc, APf, AR@300, ARs@300, ARm@300, ARl@300)."""
        if not self.eval:
            raise RuntimeError("Please run accumulate() first.")
        max_dets = self.params.max_dets
        r = self.results
        r["AP"] = self._summarize("ap")
        r["AP50"] = self._summarize("ap", iou_thr=0.50)
        r["AP75"] = self._summarize("ap", iou_thr=0.75)
        r["APs"] = self._summarize("ap", area_rng="small")
        r["APm"] = self._summarize("ap", area_rng="medium")
        r["APl"] = self._summarize("ap", area_rng="large")
        r["APr"] = self._summarize("ap", freq_group_idx=0)
        r["APc"] = self._summarize("ap", freq_group_idx=1)
        r["APf"] = self._summarize("ap", freq_group_idx=2)
        r[f"AR@{max_dets}"] = self._summarize("ar")
        for area_rng in ("small", "medium", "large"):
            r[f"AR{area_rng[0]}@{max_dets}"] = self._summarize("ar", area_rng=area_rng)

    def run(self) -> None:
        """``evaluate``, ``accumulate`` and ``summarize``."""
        self.evaluate()
        self.accumulate()
        self.summarize()

    def print_results(self) -> None:
        """Print ``results``, one line each, as lvis-api does."""
        template = " {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} catIds={:>3s}] = {:0.3f}"
        p = self.params
        for key, value in self.results.items():
            title, kind = (
                ("Average Precision", "(AP)") if "AP" in key else ("Average Recall", "(AR)")
            )
            if len(key) > 2 and key[2].isdigit():
                iou = f"{float(key[2:]) / 100:0.2f}"
            else:
                iou = f"{p.iou_thrs[0]:0.2f}:{p.iou_thrs[-1]:0.2f}"
            group = key[2] if len(key) > 2 and key[2] in ("r", "c", "f") else "all"
            area = key[2] if len(key) > 2 and key[2] in ("s", "m", "l") else "all"
            print(template.format(title, kind, iou, area, p.max_dets, group, value))

    def get_results(self) -> OrderedDict[str, Any]:
        """The summary metrics (empty before ``run``)."""
        if not self.results:
            self.logger.warning("results is empty. Call run().")
        return self.results

    # -- per-image records, on request -----------------------------------------------------

    @property
    def ious(self) -> dict[tuple[Any, Any], Any]:
        """lvis-api's ``ious``: per (image id, category id) the IoU matrix between the
        evaluated detections (highest score first) and ground truths, or ``[]``."""
        if self._ious is None:
            self._ious = {}
            if self._evaluation is not None and self._inputs is not None:
                gt, dt, masks = self._inputs
                self._ious = records.ious(self._evaluation, gt, dt, masks)
        return self._ious

    @property
    def eval_imgs(self) -> list[Any]:
        """lvis-api's per (category, area range, image) records: None (no ground truth
        or detection) or a dict with ``image_id``, ``category_id``, ``area_rng``,
        ``dt_ids``, ``gt_ids``, ``dt_matches``, ``gt_matches``, ``dt_scores``,
        ``gt_ignore`` and ``dt_ignore``. Built on first use."""
        if self._eval_imgs is None:
            self._eval_imgs = []
            if self._evaluation is not None and self._inputs is not None:
                gt, dt, masks = self._inputs
                # Records name detections by lvis-api's ids.
                dt = dataclasses.replace(dt, id=self.lvis_dt._ids())
                coco_records = records.eval_imgs(self._evaluation, gt, dt, masks)
                self._eval_imgs = [_lvis_record(r) for r in coco_records]
        return self._eval_imgs


def _lvis_record(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "image_id": record["image_id"],
        "category_id": record["category_id"],
        "area_rng": record["aRng"],
        "dt_ids": record["dtIds"],
        "gt_ids": record["gtIds"],
        "dt_matches": record["dtMatches"],
        "gt_matches": record["gtMatches"],
        "dt_scores": record["dtScores"],
        "gt_ignore": record["gtIgnore"],
        "dt_ignore": record["dtIgnore"],
    }


def _inside(area: NDArray[np.float64]) -> NDArray[np.bool_]:
    """lvis-api's area filter ``0 < area < inf`` (False for NaN)."""
    inside: NDArray[np.bool_] = (area > 0) & (area < np.inf)
    return inside


def _pair_keys(img: NDArray[np.int64], cat: NDArray[np.int64], n_cat: int) -> NDArray[np.int64]:
    keys: NDArray[np.int64] = img * max(n_cat, 1) + cat
    return keys


def _listed_pairs(images: list[Any], field: str, cat_ids: list[Any]) -> NDArray[np.int64]:
    """(image, category) keys of the categories each image lists in `field`."""
    counts = []
    listed: list[Any] = []
    for img in images:
        ids = img[field]
        if not isinstance(ids, list | tuple):
            raise ValueError(f"image {img.get('id')!r}: {field} must be a list of category ids")
        counts.append(len(ids))
        listed.extend(ids)
    cat = positions(np.asarray(listed) if listed else np.empty(0, np.int64), cat_ids)
    img = np.repeat(np.arange(len(images), dtype=np.int64), counts)
    return _pair_keys(img[cat >= 0], cat[cat >= 0], len(cat_ids))


def _member(keys: NDArray[np.int64], allowed: NDArray[np.int64], n: int) -> NDArray[np.bool_]:
    """Whether each key (in [0, n)) is among `allowed`: one lookup table of n bytes."""
    table = np.zeros(max(n, 1), bool)
    table[allowed] = True
    found: NDArray[np.bool_] = table[keys]
    return found


def _finite_1d(values: Any, name: str) -> NDArray[np.float64]:
    arr = np.array(values, dtype=np.float64)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)):
        raise ValueError(f"params.{name} must be a 1-D array of finite numbers")
    return arr


def _area_ranges(p: Params) -> list[list[float]]:
    area = np.asarray(p.area_rng, dtype=np.float64)
    if area.ndim != 2 or area.shape[1] != 2:
        raise ValueError(f"params.area_rng must be a list of [lo, hi] pairs, got {p.area_rng!r}")
    if len(p.area_rng_lbl) != area.shape[0]:
        raise ValueError("params.area_rng_lbl must label every area range")
    return [list(map(float, r)) for r in p.area_rng]
