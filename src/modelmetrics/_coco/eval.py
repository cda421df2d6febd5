"""``COCOeval``: a drop-in for :class:`pycocotools.cocoeval.COCOeval` over the detection engine.

The class holds pycocotools' surface (``params``, ``evaluate``, ``accumulate``,
``summarize``, ``eval``, ``stats``, ``evalImgs``, ``ious``) and nothing else: it turns
its ``Params`` into the engine's :class:`~modelmetrics._detection.settings.EvaluationSettings`,
hands the annotation columns (and masks, for ``segm``) of both ``COCO`` objects to
:func:`~modelmetrics._detection.evaluate.evaluate` and
:func:`~modelmetrics._detection.accumulate.accumulate`, and keeps the result. Both
follow pycocotools operation for operation, so ``eval["precision"]``, ``eval["recall"]``,
``eval["scores"]`` and ``stats`` are ``==`` to pycocotools' for the same inputs and
parameters. ``summarize`` is pycocotools' own computation on those arrays.

``evalImgs`` and ``ious`` are built on request. Nothing prints except ``summarize``'s
12 lines, unless ``verbose=True``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._coco.api import COCO, annotation_columns, annotation_masks
from modelmetrics._coco.lookup_errors import lookup_errors_as_value_errors
from modelmetrics._core.gc import gc_paused
from modelmetrics._detection import records
from modelmetrics._detection.accumulate import Curves, accumulate, empty_curves
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.evaluate import Evaluation, MaskPair, evaluate
from modelmetrics._detection.keypoints import (
    KEYPOINT_AREA_LABELS,
    KEYPOINT_AREA_RANGES,
    Keypoints,
    coco_person_sigmas,
    keypoint_rows,
)
from modelmetrics._detection.settings import (
    COCO_AREA_LABELS,
    COCO_AREA_RANGES,
    EvaluationSettings,
    coco_iou_thresholds,
    coco_recall_thresholds,
    unique_ids,
)
from modelmetrics.exceptions import MissingFieldError

__all__ = [
    "COCOeval",
    "Params",
    "accumulated_cocoeval",
    "coco_keypoint_inputs",
    "evaluation_of",
    "settings_from_params",
]


class Params:
    """Evaluation parameters, with pycocotools' attributes and defaults.

    Parameters
    ----------
    iouType : {"segm", "bbox", "keypoints"}, default="segm"
        The kind of evaluation.
    """

    def setDetParams(self) -> None:
        self.imgIds: list[Any] = []
        self.catIds: list[Any] = []
        self.iouThrs = coco_iou_thresholds()
        self.recThrs = coco_recall_thresholds()
        self.maxDets: list[int] = [1, 10, 100]
        self.areaRng: list[list[float]] = [list(r) for r in COCO_AREA_RANGES]
        self.areaRngLbl = list(COCO_AREA_LABELS)
        self.useCats = 1

    def setKpParams(self) -> None:
        self.imgIds = []
        self.catIds = []
        self.iouThrs = coco_iou_thresholds()
        self.recThrs = coco_recall_thresholds()
        self.maxDets = [20]
        self.areaRng = [list(r) for r in KEYPOINT_AREA_RANGES]
        self.areaRngLbl = list(KEYPOINT_AREA_LABELS)
        self.useCats = 1
        self.kpt_oks_sigmas = coco_person_sigmas()

    def __deepcopy__(self, memo: dict[int, Any]) -> Params:
        # The lists hold immutable ids and numbers: copying them shallowly is a deep
        # copy, without visiting every one of thousands of image ids.
        clone = Params.__new__(Params)
        for name, value in vars(self).items():
            if isinstance(value, list):
                value = [
                    v
                    if isinstance(v, _IMMUTABLE)
                    else list(v)
                    if isinstance(v, list)
                    else copy.copy(v)
                    for v in value
                ]
            elif isinstance(value, np.ndarray):
                value = value.copy()
            else:
                value = copy.deepcopy(value, memo)
            setattr(clone, name, value)
        return clone

    def __init__(self, iouType: str = "segm") -> None:
        if iouType in ("segm", "bbox"):
            self.setDetParams()
        elif iouType == "keypoints":
            self.setKpParams()
        else:
            raise ValueError(f"iouType must be 'segm', 'bbox' or 'keypoints', got {iouType!r}")
        self.iouType = iouType
        self.useSegm: Any = None  # deprecated in pycocotools, kept for compatibility


# Values a copy may share (numpy scalars included: imgIds after evaluate holds them).
_IMMUTABLE = (int, float, str, bytes, bool, np.generic)


def settings_from_params(p: Params) -> EvaluationSettings:
    """The engine's settings for `p` (copies: later changes to `p` do not reach them)."""
    return EvaluationSettings(
        image_ids=list(p.imgIds),
        category_ids=list(p.catIds),
        use_categories=bool(p.useCats),
        iou_thresholds=np.array(p.iouThrs, dtype=np.float64),
        recall_thresholds=np.array(p.recThrs, dtype=np.float64),
        area_ranges=copy.deepcopy(p.areaRng),
        area_labels=list(p.areaRngLbl),
        max_detections=list(p.maxDets),
    )


def _check_params(p: Params) -> None:
    """Validate what the kernels rely on; pycocotools would fail later or silently."""
    for name in ("iouThrs", "recThrs"):
        values = np.asarray(getattr(p, name), dtype=np.float64)
        if values.ndim != 1 or not np.all(np.isfinite(values)):
            raise ValueError(f"params.{name} must be a 1-D array of finite numbers")
    area = np.asarray(p.areaRng, dtype=np.float64)
    if area.ndim != 2 or area.shape[1] != 2:
        raise ValueError(f"params.areaRng must be a list of [lo, hi] pairs, got {p.areaRng!r}")
    if len(p.areaRngLbl) != area.shape[0]:
        raise ValueError("params.areaRngLbl must label every area range")
    for m in p.maxDets:
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or not 0 <= m < 2**63:
            raise ValueError(
                f"params.maxDets must hold non-negative int64 integers, got {p.maxDets!r}"
            )
    if not p.maxDets:
        raise ValueError("params.maxDets must not be empty")


@lookup_errors_as_value_errors
class COCOeval:
    """COCO evaluation, the same as :class:`pycocotools.cocoeval.COCOeval`.

    Parameters
    ----------
    cocoGt : COCO, default=None
        Ground truth.
    cocoDt : COCO, default=None
        Detections, usually ``cocoGt.loadRes(...)``.
    iouType : {"bbox", "segm", "keypoints"}, default="segm"
        ``"bbox"`` (box IoU) or ``"segm"`` (mask IoU; segmentations are converted as
        pycocotools' ``annToRLE`` does) or ``"keypoints"`` (object keypoint similarity
        with ``params.kpt_oks_sigmas``).
    verbose : bool, default=False
        Print pycocotools' progress messages.
    """

    def __init__(
        self,
        cocoGt: COCO | None = None,
        cocoDt: COCO | None = None,
        iouType: str = "segm",
        *,
        verbose: bool = False,
    ) -> None:
        if not iouType:
            iouType = "segm"
        self.cocoGt = cocoGt
        self.cocoDt = cocoDt
        self.verbose = verbose
        self.eval: dict[str, Any] = {}
        self.params = Params(iouType=iouType)
        self._paramsEval: Any = {}
        self.stats: Any = []
        self._evaluation: Evaluation | None = None
        self._eval_imgs: list[Any] | None = None
        self._ious: dict[tuple[Any, Any], Any] | None = None
        # iouType "segm": the detection and ground-truth masks, as evaluate converted them.
        self._masks: MaskPair | None = None
        # iouType "keypoints": both sides' keypoints and the ground truth's columns with
        # pycocotools' ignore flag (no visible keypoint, or crowd).
        self._keypoints: tuple[Keypoints, AnnotationColumns] | None = None
        if cocoGt is not None:
            self.params.imgIds = sorted(cocoGt.getImgIds())
            self.params.catIds = sorted(cocoGt.getCatIds())

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message)

    # -- evaluate --------------------------------------------------------------------------

    def evaluate(self) -> None:
        """Match detections to ground truth per image, category, area range and IoU."""
        tic = time.time()
        self._say("Running per image evaluation...")
        p = self.params
        if p.useSegm is not None:
            p.iouType = "segm" if p.useSegm == 1 else "bbox"
        self._say(f"Evaluate annotation type *{p.iouType}*")
        if p.iouType not in ("bbox", "segm", "keypoints"):
            raise ValueError(f"iouType must be 'segm', 'bbox' or 'keypoints', got {p.iouType!r}")
        if self.cocoGt is None or self.cocoDt is None:
            raise ValueError("COCOeval needs both cocoGt and cocoDt to evaluate")
        p.imgIds = unique_ids(p.imgIds)
        if p.useCats:
            p.catIds = unique_ids(p.catIds)
        p.maxDets = sorted(p.maxDets)
        _check_params(p)
        self.params = p
        with gc_paused():
            self._masks = None
            self._keypoints = None
            if p.iouType == "keypoints":
                self._keypoints = self._keypoint_inputs(p)
            if p.iouType == "segm":
                # pycocotools converts every segmentation with annToRLE, then uses masks.
                # Ground truth first: rasterising polygons needs scratch memory, which
                # is free again before the results' file is read.
                gt_masks = annotation_masks(self.cocoGt, "ground-truth")
                self._masks = MaskPair(
                    detections=annotation_masks(self.cocoDt, "detection"),
                    ground_truth=gt_masks,
                )
            gt, dt = self._columns()
            self._evaluation = evaluate(
                gt,
                dt,
                settings_from_params(p),
                self._masks,
                keypoints=self._keypoints[0] if self._keypoints else None,
            )
        self._eval_imgs = None
        self._ious = None
        self._paramsEval = copy.deepcopy(self.params)
        self.eval = {}
        self._say(f"DONE (t={time.time() - tic:0.2f}s).")

    # -- accumulate ------------------------------------------------------------------------

    def accumulate(self, p: Params | None = None) -> None:
        """Accumulate per-image results into ``eval["precision" | "recall" | "scores"]``."""
        tic = time.time()
        self._say("Accumulating evaluation results...")
        if self._evaluation is None:
            print("Please run evaluate() first")
        if p is None:
            p = self.params
        p.catIds = p.catIds if p.useCats == 1 else [-1]
        T, R = len(p.iouThrs), len(p.recThrs)
        K = len(p.catIds) if p.useCats else 1
        A, M = len(p.areaRng), len(p.maxDets)
        if self._evaluation is None:
            curves = empty_curves(T, R, K, A, M)
        else:
            with gc_paused():
                curves = accumulate(self._evaluation, settings_from_params(p))
        self._set_eval(p, curves)
        self._say(f"DONE (t={time.time() - tic:0.2f}s).")

    def _set_eval(self, p: Params, curves: Curves) -> None:
        self.eval = {
            "params": p,
            "counts": list(curves.precision.shape),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": curves.precision,
            "recall": curves.recall,
            "scores": curves.scores,
        }

    # -- summarize -------------------------------------------------------------------------

    def summarize(self, *, fix_max_dets: bool = False) -> None:
        """Compute and print the 12 (detection) summary metrics; stores ``stats``.

        Parameters
        ----------
        fix_max_dets : bool, default=False
            pycocotools computes ``stats[0]`` (AP@[.50:.95]) at maxDets 100 whatever
            ``params.maxDets`` holds, giving -1 without 100. True uses
            ``maxDets[2]`` there, like every other AP line. The default stays identical
            to pycocotools.
        """

        def _summarize(
            ap: int = 1,
            iouThr: float | None = None,
            areaRng: str = "all",
            maxDets: int = 100,
        ) -> float:
            p = self.params
            i_str = " {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}"
            title = "Average Precision" if ap == 1 else "Average Recall"
            kind = "(AP)" if ap == 1 else "(AR)"
            iou = (
                f"{p.iouThrs[0]:0.2f}:{p.iouThrs[-1]:0.2f}" if iouThr is None else f"{iouThr:0.2f}"
            )
            aind = [i for i, lbl in enumerate(p.areaRngLbl) if lbl == areaRng]
            mind = [i for i, m in enumerate(p.maxDets) if m == maxDets]
            if ap == 1:
                s = self.eval["precision"]
                if iouThr is not None:
                    s = s[np.where(iouThr == p.iouThrs)[0]]
                s = s[:, :, :, aind, mind]
            else:
                s = self.eval["recall"]
                if iouThr is not None:
                    s = s[np.where(iouThr == p.iouThrs)[0]]
                s = s[:, :, aind, mind]
            mean_s = -1 if len(s[s > -1]) == 0 else np.mean(s[s > -1])
            print(i_str.format(title, kind, iou, areaRng, maxDets, mean_s))
            return mean_s

        def _summarize_dets() -> NDArray[np.float64]:
            max_dets = self.params.maxDets
            stats = np.zeros((12,))
            stats[0] = _summarize(1, maxDets=max_dets[2]) if fix_max_dets else _summarize(1)
            stats[1] = _summarize(1, iouThr=0.5, maxDets=max_dets[2])
            stats[2] = _summarize(1, iouThr=0.75, maxDets=max_dets[2])
            stats[3] = _summarize(1, areaRng="small", maxDets=max_dets[2])
            stats[4] = _summarize(1, areaRng="medium", maxDets=max_dets[2])
            stats[5] = _summarize(1, areaRng="large", maxDets=max_dets[2])
            stats[6] = _summarize(0, maxDets=max_dets[0])
            stats[7] = _summarize(0, maxDets=max_dets[1])
            stats[8] = _summarize(0, maxDets=max_dets[2])
            stats[9] = _summarize(0, areaRng="small", maxDets=max_dets[2])
            stats[10] = _summarize(0, areaRng="medium", maxDets=max_dets[2])
            stats[11] = _summarize(0, areaRng="large", maxDets=max_dets[2])
            return stats

        def _summarize_kps() -> NDArray[np.float64]:
            stats = np.zeros((10,))
            stats[0] = _summarize(1, maxDets=20)
            stats[1] = _summarize(1, maxDets=20, iouThr=0.5)
            stats[2] = _summarize(1, maxDets=20, iouThr=0.75)
            stats[3] = _summarize(1, maxDets=20, areaRng="medium")
            stats[4] = _summarize(1, maxDets=20, areaRng="large")
            stats[5] = _summarize(0, maxDets=20)
            stats[6] = _summarize(0, maxDets=20, iouThr=0.5)
            stats[7] = _summarize(0, maxDets=20, iouThr=0.75)
            stats[8] = _summarize(0, maxDets=20, areaRng="medium")
            stats[9] = _summarize(0, maxDets=20, areaRng="large")
            return stats

        if not self.eval:
            raise ValueError("Please run accumulate() first")
        self.stats = _summarize_kps() if self.params.iouType == "keypoints" else _summarize_dets()

    def __str__(self) -> str:
        self.summarize()
        return ""

    def _columns(self) -> tuple[AnnotationColumns, AnnotationColumns]:
        assert self.cocoGt is not None
        assert self.cocoDt is not None
        # pycocotools reads boxes except for segm (torchmetrics' segm data has none).
        boxes = self.params.iouType != "segm"
        gt = self._keypoints[1] if self._keypoints else annotation_columns(self.cocoGt, boxes=boxes)
        dt = annotation_columns(self.cocoDt, boxes=boxes)
        if dt.score_error is not None:  # scores named but unusable, before any mask is read
            raise ValueError(dt.score_error)
        return gt, dt

    def _keypoint_inputs(self, p: Params) -> tuple[Keypoints, AnnotationColumns]:
        assert self.cocoGt is not None
        assert self.cocoDt is not None
        sigmas = np.asarray(p.kpt_oks_sigmas, dtype=np.float64)
        if sigmas.ndim != 1 or len(sigmas) == 0:
            raise ValueError("params.kpt_oks_sigmas must be a 1-D array of sigmas")
        return coco_keypoint_inputs(self.cocoGt, self.cocoDt, sigmas, matches_none=not p.useCats)

    # -- per-image records, on request -----------------------------------------------------

    @property
    def ious(self) -> dict[tuple[Any, Any], Any]:
        """pycocotools' ``ious``: per (image id, category id) the IoU matrix between the
        highest-scoring detections (at most ``maxDets[-1]``) and the ground truths, or
        ``[]`` when the image has neither. Built on first use."""
        if self._ious is None:
            self._ious = {}
            if self._evaluation is not None:
                gt, dt = self._columns()
                self._ious = records.ious(self._evaluation, gt, dt, self._masks)
        return self._ious

    @property
    def evalImgs(self) -> list[Any]:
        """pycocotools' per (category, area range, image) records, built on first use.

        Each entry is None (no ground truth or detection) or a dict with ``image_id``,
        ``category_id``, ``aRng``, ``maxDet``, ``dtIds``, ``gtIds``, ``dtMatches``,
        ``gtMatches``, ``dtScores``, ``gtIgnore`` and ``dtIgnore``.
        """
        if self._eval_imgs is None:
            self._eval_imgs = []
            if self._evaluation is not None:
                gt, dt = self._columns()
                self._eval_imgs = records.eval_imgs(self._evaluation, gt, dt, self._masks)
        return self._eval_imgs


def coco_keypoint_inputs(
    cocoGt: COCO,
    cocoDt: COCO,
    sigmas: NDArray[np.float64],
    *,
    matches_none: bool = False,
    sigmas_name: str = "params.kpt_oks_sigmas",
) -> tuple[Keypoints, AnnotationColumns]:
    """Both sides' keypoints, and the ground truth's columns with pycocotools'
    keypoints ignore flag: ``num_keypoints == 0`` or ``iscrowd``.

    `matches_none` is pycocotools' ``useCats=0`` (no similarity matches); `sigmas_name`
    names the sigmas in the error for keypoints of another length.

    Raises
    ------
    ValueError
        If an annotation's ``keypoints`` are not ``3 * len(sigmas)`` numbers.
    """
    gt = annotation_columns(cocoGt)
    # A ground truth still in its file gives its keypoints without the dicts.
    from_file = cocoGt._ground_truth_keypoints()
    if from_file is not None and from_file[0].shape[1] == 3 * len(sigmas):
        gt_keypoints, no_keypoints = from_file
    else:
        gt_anns = cocoGt._annotation_dicts()
        missing = next((i for i, ann in enumerate(gt_anns) if "num_keypoints" not in ann), None)
        if missing is not None:  # a KeyError still, for pycocotools-shaped callers
            raise MissingFieldError(
                f"ground-truth annotation {missing}: the input has no 'num_keypoints' entry"
            )
        no_keypoints = np.array([ann["num_keypoints"] == 0 for ann in gt_anns], dtype=bool)
        gt_keypoints = keypoint_rows(gt_anns, len(sigmas), "ground-truth", sigmas_name)
    ignore = (no_keypoints | gt.ignore.astype(bool)).astype(np.uint8)
    # Results read from a file keep their keypoints as an array: no dicts needed.
    detections = cocoDt._result_keypoints
    if detections is None or detections.shape[1] != 3 * len(sigmas):
        detections = keypoint_rows(
            cocoDt._annotation_dicts(), len(sigmas), "detection", sigmas_name
        )
    keypoints = Keypoints(
        ground_truth=gt_keypoints,
        detections=detections,
        sigmas=sigmas,
        matches_none=matches_none,
    )
    return keypoints, dataclasses.replace(gt, ignore=ignore)


def evaluation_of(ev: COCOeval) -> Evaluation:
    """What ``ev.evaluate()`` computed, for code that keeps the engine's state
    (``COCOevalAccumulator``).

    Raises
    ------
    ValueError
        If `ev` has not been evaluated.
    """
    if ev._evaluation is None:
        raise ValueError("the COCOeval has not been evaluated: call evaluate() first")
    return ev._evaluation


def accumulated_cocoeval(params: Params, curves: Curves) -> COCOeval:
    """A ``COCOeval`` holding `params` and `curves` as after ``evaluate()`` and
    ``accumulate()``, without ground truth or detections (``evalImgs`` and ``ious``
    are empty); ``summarize()`` works on it."""
    ev = COCOeval(iouType=params.iouType)
    ev.params = params
    ev._paramsEval = copy.deepcopy(params)
    ev._set_eval(params, curves)
    return ev
