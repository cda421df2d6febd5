"""TIDE error breakdown (see :mod:`modelmetrics.analysis`): inputs, settings and result."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from modelmetrics._analysis.tide_ap import MAIN_ERRORS, SPECIAL_ERRORS, tide_aps
from modelmetrics._analysis.tide_match import BKG as _BKG
from modelmetrics._analysis.tide_match import BOTH as _BOTH
from modelmetrics._analysis.tide_match import CLS, DUPE, LOC, TideColumns, classify
from modelmetrics._coco.api import COCO
from modelmetrics._core.checks import check_int, check_option, check_real, check_that
from modelmetrics._core.jsonable import json_float
from modelmetrics._detection.box_inputs import BoxFormat, box_inputs
from modelmetrics._detection.grouping import positions
from modelmetrics._detection.inputs import (
    EvaluationInputs,
    from_coco_data,
    image_ids_of,
    is_per_image,
)
from modelmetrics._detection.mask_inputs import mask_inputs

__all__ = ["TideErrors", "tide"]

_CODE_OF = {"Cls": CLS, "Loc": LOC, "Both": _BOTH, "Dupe": DUPE, "Bkg": _BKG}


@dataclass(frozen=True)
class TideErrors:
    """TIDE's error breakdown of detections, tidecv's numbers.

    Attributes
    ----------
    ap : float
        TIDE's mAP at `pos_threshold` (AP50 by default), in AP points (0-100), with
        TIDE's own AP: 101 recall points ``x / 100``, no crowd matching, at most
        `max_detections` per image over all classes. Close to, not equal to, COCO's AP50.
    main_errors : dict of str to float
        dAP of each main error type, keyed ``Cls``, ``Loc``, ``Both``, ``Dupe``,
        ``Bkg``, ``Miss``: the AP gained by fixing every error of that type alone,
        never negative.
    special_errors : dict of str to float
        ``FalsePos`` (every false positive scored below every true positive) and
        ``FalseNeg`` (every missed ground truth removed): dAP, as tidecv reports them.
    counts : dict of str to int
        Number of errors of each main type.
    iou_type : {"bbox", "segm"}
        What the IoUs were computed between.
    pos_threshold, background_threshold : float
        The foreground and background IoU thresholds.
    max_detections : int
        Detections kept per image (all classes together).
    """

    ap: float
    main_errors: dict[str, float]
    special_errors: dict[str, float]
    counts: dict[str, int]
    iou_type: str
    pos_threshold: float
    background_threshold: float
    max_detections: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-native values: ``ap``, ``main-errors``, ``special-errors``, ``counts``
        and the settings."""
        return {
            "ap": json_float(self.ap),
            "main-errors": {k: json_float(v) for k, v in self.main_errors.items()},
            "special-errors": {k: json_float(v) for k, v in self.special_errors.items()},
            "counts": dict(self.counts),
            "iou-type": self.iou_type,
            "pos-threshold": self.pos_threshold,
            "background-threshold": self.background_threshold,
            "max-detections": self.max_detections,
        }


def tide(
    cocoGt: Any,
    cocoDt: Any = None,
    iou_type: Literal["bbox", "segm"] | None = None,
    *,
    box_format: BoxFormat = "xywh",
    max_detections: int = 100,
    pos_threshold: float = 0.5,
    background_threshold: float = 0.1,
) -> TideErrors:
    """Break detection errors down into TIDE's types, with the dAP of each.

    The numbers are tidecv 1.0.1's (``TIDE().evaluate(gt, preds)``,
    ``get_main_errors()``, ``get_special_errors()``), computed vectorized over every
    image: each false positive is a classification (``Cls``), localization (``Loc``),
    both (``Both``), duplicate (``Dupe``) or background (``Bkg``) error, and each ground
    truth no error could recover a ``Miss``; a type's dAP is the AP gained by fixing
    all its errors (a ``Cls``/``Loc`` error becomes the true positive of its ground
    truth, other false positives disappear, missed ground truths leave the count).

    Parameters
    ----------
    cocoGt : COCO, str, path, dict, COCOeval or sequence of mappings
        Ground truth: a ``COCO`` object (ours or pycocotools'), a COCO JSON path or
        dict; or a ``COCOeval`` (its ``cocoGt``, ``cocoDt`` and ``iouType`` are used;
        leave `cocoDt` out); or per-image arrays, with ``"boxes"`` as
        :func:`~modelmetrics.detection.evaluate_detections` takes them or ``"masks"`` as
        :func:`~modelmetrics.instance_segmentation.evaluate_instance_segmentation` does.
        Crowd annotations are TIDE's ignore regions.
    cocoDt : COCO, str, path, list of dict or sequence of mappings, default=None
        Detections: ``cocoGt.loadRes(...)``, a results path or list, or per-image arrays
        with ``"scores"``. Required unless `cocoGt` is a ``COCOeval``.
    iou_type : {"bbox", "segm"}, default=None
        Box or mask IoU (tidecv's ``TIDE.BOX`` / ``TIDE.MASK``). None: the ``COCOeval``'s
        ``iouType``, else ``"bbox"``.
    box_format : {"xywh", "xyxy"}, default="xywh"
        Layout of per-image boxes; COCO data is always xywh.
    max_detections : int, default=100
        Detections kept per image, highest scores first, all classes together.
    pos_threshold : float, default=0.5
        Foreground IoU: a detection matches a ground truth of its class at or above it.
    background_threshold : float, default=0.1
        Background IoU: at or below it a detection overlaps nothing.

    Returns
    -------
    TideErrors
        ``ap``, ``main_errors``, ``special_errors`` and ``counts`` (and ``as_dict()``).

    Raises
    ------
    ValueError, TypeError
        For malformed inputs (naming the argument, and the image or annotation and
        field), an unknown `iou_type`, bad thresholds, a ground truth without any
        non-crowd annotation, or no detection.

    Notes
    -----
    TIDE's AP is not COCO's: at most `max_detections` per image over all classes, no
    crowd matching (a false positive on a crowd region of its class is left out), 101
    recall points ``x / 100``, and a class with detections but no ground truth counts
    as AP 0 in the mean (as in the example below). Ties of score are resolved as tidecv
    resolves them (input order, image by image in the ground truth's order) and its
    sums are taken in its order, so the values are tidecv's to the last bit, not only
    within its rounding. Detections on images the ground truth does not list are not
    evaluated (tidecv never visits them). Where tidecv would divide by zero (a fixed AP
    with no class left) the mAP counts as 0.

    Examples
    --------
    >>> from modelmetrics.analysis import tide
    >>> gt = [{"boxes": [[0, 0, 10, 10], [50, 50, 10, 10]], "labels": [1, 1]}]
    >>> dt = [{"boxes": [[0, 0, 10, 10], [52, 50, 10, 10], [0, 0, 10, 10]],
    ...        "scores": [0.9, 0.8, 0.7], "labels": [1, 2, 1]}]
    >>> errors = tide(gt, dt)
    >>> errors.counts
    {'Cls': 1, 'Loc': 0, 'Both': 0, 'Dupe': 1, 'Bkg': 0, 'Miss': 0}
    >>> round(errors.ap, 2), round(errors.main_errors["Cls"], 2)
    (25.25, 74.75)
    """
    pos = check_real("pos_threshold", pos_threshold, low=0.0, high=1.0)
    check_that(pos > 0.0, "pos_threshold", "a float in the range (0.0, 1.0]", pos_threshold)
    bg = check_real("background_threshold", background_threshold, low=0.0, high=1.0)
    max_det = check_int("max_detections", max_detections, low=1)
    check_option("box_format", box_format, ("xywh", "xyxy"))
    if iou_type is not None:
        check_option("iou_type", iou_type, ("bbox", "segm"))
    if _is_cocoeval(cocoGt):
        if cocoDt is not None:
            raise TypeError("cocoDt must be left out when cocoGt is a COCOeval (it has cocoDt)")
        ev_type = cocoGt.params.iouType
        check_option("cocoGt.params.iouType", ev_type, ("bbox", "segm"))
        if iou_type is not None and iou_type != ev_type:
            raise ValueError(f"iou_type {iou_type!r} differs from the COCOeval's {ev_type!r}")
        cocoGt, cocoDt, iou_type = cocoGt.cocoGt, cocoGt.cocoDt, ev_type
    kind: str = "bbox" if iou_type is None else iou_type
    if cocoDt is None:
        raise TypeError("cocoDt is required (detections) unless cocoGt is a COCOeval")
    inputs, image_order = _inputs(cocoGt, cocoDt, kind, box_format)
    cols = _tide_columns(inputs, image_order)
    if not np.any(~cols.gt_crowd & (cols.gt_image >= 0)):
        raise ValueError("cocoGt has no non-crowd annotation: TIDE needs ground truth")
    if not np.any(cols.dt_image >= 0):
        raise ValueError("cocoDt has no detection on the ground truth's images")
    if not np.all(np.isfinite(cols.dt_score)):
        raise ValueError("cocoDt: scores must be finite")
    classified = classify(cols, pos_thresh=pos, bg_thresh=bg, max_det=max_det)
    aps = tide_aps(classified)
    counts = {
        name: int(np.count_nonzero(classified.det_error == _CODE_OF[name]))
        for name in MAIN_ERRORS[:-1]
    }
    counts["Miss"] = int(np.count_nonzero(classified.gt_missed))
    return TideErrors(
        ap=aps.ap,
        main_errors={name: max(aps.fixed[name] - aps.ap, 0.0) for name in MAIN_ERRORS},
        special_errors={name: aps.fixed[name] - aps.ap for name in SPECIAL_ERRORS},
        counts=counts,
        iou_type=kind,
        pos_threshold=pos,
        background_threshold=bg,
        max_detections=max_det,
    )


def _is_cocoeval(value: object) -> bool:
    """Whether `value` is a ``COCOeval`` (ours or pycocotools'): its data and settings."""
    has = all(hasattr(value, name) for name in ("cocoGt", "cocoDt", "params"))
    return has and hasattr(getattr(value, "params", None), "iouType")


def _ground_truth_coco(value: Any) -> COCO:
    if isinstance(value, COCO):
        return value
    if isinstance(value, str | os.PathLike | dict):
        return COCO(value)
    if hasattr(value, "dataset") and isinstance(value.dataset, dict):  # pycocotools' COCO
        return COCO(value.dataset)
    raise TypeError(
        "cocoGt must be a COCO object, a COCO JSON path or dict, a COCOeval or per-image "
        f"arrays; got {type(value).__name__}"
    )


def _inputs(
    gt: Any, dt: Any, iou_type: str, box_format: BoxFormat
) -> tuple[EvaluationInputs, list[Any]]:
    """Both sides as columns, and the ground truth's images in its own order (tidecv
    visits them in that order, which decides ties of score between images)."""
    key = "masks" if iou_type == "segm" else "boxes"
    if isinstance(gt, Sequence) and not isinstance(gt, str | bytes) and not len(gt):
        raise ValueError("cocoGt is empty: give at least one image")
    if is_per_image(gt, key) or is_per_image(dt, key):
        inputs = mask_inputs(gt, dt) if key == "masks" else box_inputs(gt, dt, box_format)
        return inputs, image_ids_of("ground_truth", gt).tolist()
    coco = _ground_truth_coco(gt)
    if not isinstance(dt, COCO) and isinstance(getattr(dt, "dataset", None), dict):
        # pycocotools' loadRes leaves numpy boxes in the dicts: plain values for ours.
        dt = [_plain(ann) for ann in dt.dataset.get("annotations", [])]
    if iou_type == "segm":
        inputs = from_coco_data(coco, dt, masks=True)
    else:
        inputs = box_inputs(coco, dt, box_format)
    return inputs, list(coco.getImgIds())


def _plain(ann: Any) -> Any:
    """A result dict with numpy arrays as lists (anything else as it is)."""
    if not isinstance(ann, dict):
        return ann
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in ann.items()}


def _codes(gt_ids: NDArray[Any], dt_ids: NDArray[Any]) -> tuple[Any, Any, list[Any]]:
    """Integer codes of the class ids of both sides, and the ids by code."""
    both = np.concatenate((gt_ids, dt_ids))
    if both.dtype.kind in "iu" and len(both):
        low, high = int(both.min()), int(both.max())
        if high - low <= 4 * len(both) + 4096:  # the usual small ids: a lookup table
            present = np.flatnonzero(np.bincount(both - low, minlength=high - low + 1))
            table = np.zeros(high - low + 1, np.int64)
            table[present] = np.arange(len(present))
            inverse = table[both - low]
            ids: list[Any] = (present + low).tolist()
        else:
            values, inverse = np.unique(both, return_inverse=True)
            ids = values.tolist()
    else:
        lookup: dict[Any, int] = {}
        inverse = np.fromiter(
            (lookup.setdefault(v, len(lookup)) for v in both.tolist()), np.int64, len(both)
        )
        ids = list(lookup)
    inverse = inverse.astype(np.int64, copy=False)
    return inverse[: len(gt_ids)], inverse[len(gt_ids) :], ids


def _tide_columns(inputs: EvaluationInputs, image_order: list[Any]) -> TideColumns:
    gt, dt = inputs.ground_truth, inputs.predictions
    keys = list(dict.fromkeys(image_order))  # a repeated image: its first place
    gt_image = positions(gt.image_id, keys)
    missing = gt_image < 0
    if np.any(missing):  # annotations of images the list lacks: visited after it
        extra = list(dict.fromkeys(gt.image_id[missing].tolist()))
        keys += extra
        gt_image = positions(gt.image_id, keys)
    gt_class, dt_class, class_ids = _codes(gt.category_id, dt.category_id)
    any_class = -1
    for code, value in enumerate(class_ids):
        if isinstance(value, int | np.integer) and value == -1:
            any_class = code
    assert dt.score is not None
    return TideColumns(
        gt_image=gt_image,
        gt_class=gt_class,
        gt_crowd=np.asarray(gt.ignore, dtype=np.bool_),
        gt_box=gt.bbox,
        dt_image=positions(dt.image_id, keys),
        dt_class=dt_class,
        dt_score=np.asarray(dt.score, dtype=np.float64),
        dt_box=dt.bbox,
        n_images=len(keys),
        n_classes=len(class_ids),
        any_class=any_class,
        masks=inputs.masks,
    )
