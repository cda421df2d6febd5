"""Turn the inputs ``evaluate_detections`` accepts into ground-truth and result COCOs.

Accepted forms, for ground truth and predictions alike:

* COCO data: a ``COCO`` object (ours or pycocotools'), a path to a COCO JSON file, or a
  dict (ground truth) / list of result dicts (predictions);
* per-image arrays: a sequence with one mapping per image, ground truth
  ``{"boxes", "labels"[, "iscrowd", "area", "image_id"]}`` and predictions
  ``{"boxes", "scores", "labels"[, "image_id"]}``, boxes as ``xywh`` or ``xyxy``.

Per-image arrays become columns directly (no per-box dicts). Ground-truth areas that are
not given are box areas (COCO files carry mask areas instead).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from modelmetrics._coco.api import COCO, AnnotationColumns
from modelmetrics._core.arrays import as_array

__all__ = ["BoxFormat", "as_coco_pair", "xyxy_to_xywh"]

BoxFormat = Literal["xywh", "xyxy"]


def xyxy_to_xywh(boxes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Corner boxes ``(x1, y1, x2, y2)`` as ``(x, y, width, height)``."""
    out: NDArray[np.float64] = boxes.copy()
    out[:, 2] = boxes[:, 2] - boxes[:, 0]
    out[:, 3] = boxes[:, 3] - boxes[:, 1]
    return out


def _is_per_image(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes)
        and len(value) > 0
        and isinstance(value[0], Mapping)
        and "boxes" in value[0]
    )


def _field(name: str, image: int, entry: Mapping[str, Any], key: str, n: int | None) -> Any:
    if key not in entry:
        raise ValueError(f"{name}[{image}]: missing '{key}'")
    arr = as_array(f"{name}[{image}]['{key}']", entry[key])
    if arr.ndim == 0:
        raise TypeError(f"{name}[{image}]['{key}'] must be array-like, got {entry[key]!r}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name}[{image}]['{key}'] has {arr.shape[0]} entries, 'boxes' has {n}")
    return arr


def _boxes(name: str, image: int, entry: Mapping[str, Any], fmt: BoxFormat) -> NDArray[np.float64]:
    if not isinstance(entry, Mapping) or "boxes" not in entry:
        raise ValueError(f"{name}[{image}]: missing 'boxes'")
    arr = as_array(f"{name}[{image}]['boxes']", entry["boxes"])
    if arr.size == 0:
        return np.empty((0, 4), np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name}[{image}]['boxes'] must have shape (n, 4), got {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}[{image}]['boxes'] must be numeric, got dtype {arr.dtype}")
    boxes = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(boxes)):
        raise ValueError(f"{name}[{image}]['boxes'] must be finite")
    if fmt == "xyxy":
        boxes = xyxy_to_xywh(boxes)
    if np.any(boxes[:, 2:] < 0):
        row = int(np.argmax(np.any(boxes[:, 2:] < 0, axis=1)))
        raise ValueError(f"{name}[{image}]['boxes'][{row}] has a negative width or height")
    return boxes


def _labels(name: str, image: int, entry: Mapping[str, Any], n: int) -> NDArray[np.int64]:
    labels: NDArray[Any] = _field(name, image, entry, "labels", n)
    if labels.ndim != 1:
        raise ValueError(f"{name}[{image}]['labels'] must be 1-D, got shape {labels.shape}")
    if labels.size and labels.dtype.kind not in "iu":
        as_int = labels.astype(np.int64, copy=False) if labels.dtype.kind == "f" else None
        if as_int is None or not np.array_equal(as_int, labels):
            raise TypeError(f"{name}[{image}]['labels'] must hold integer class ids")
        labels = as_int
    out: NDArray[np.int64] = labels.astype(np.int64, copy=False)
    return out


def _columns_from_images(
    name: str,
    images: Sequence[Mapping[str, Any]],
    image_ids: NDArray[np.int64],
    fmt: BoxFormat,
    *,
    results: bool,
) -> AnnotationColumns:
    boxes, labels, scores, crowd, area, owners = [], [], [], [], [], []
    for i, entry in enumerate(images):
        if not isinstance(entry, Mapping):
            raise TypeError(f"{name}[{i}] must be a mapping, got {type(entry).__name__}")
        b = _boxes(name, i, entry, fmt)
        n = b.shape[0]
        boxes.append(b)
        labels.append(_labels(name, i, entry, n))
        owners.append(np.full(n, image_ids[i], np.int64))
        if results:
            s = _field(name, i, entry, "scores", n).reshape(-1)
            if s.size and s.dtype.kind not in "biuf":
                raise TypeError(f"{name}[{i}]['scores'] must be numeric")
            s = s.astype(np.float64, copy=False)
            if not np.all(np.isfinite(s)):
                raise ValueError(f"{name}[{i}]['scores'] must be finite")
            scores.append(s)
        else:
            c = entry.get("iscrowd")
            crowd.append(
                np.zeros(n, np.uint8)
                if c is None
                else (_field(name, i, entry, "iscrowd", n).reshape(-1) != 0).astype(np.uint8)
            )
            a = entry.get("area")
            area.append(
                b[:, 2] * b[:, 3]
                if a is None
                else _field(name, i, entry, "area", n).reshape(-1).astype(np.float64)
            )
    box = np.concatenate(boxes) if boxes else np.empty((0, 4))
    total = box.shape[0]
    score = np.concatenate(scores) if results and scores else None
    flags = np.concatenate(crowd) if crowd else np.zeros(total, np.uint8)
    return AnnotationColumns(
        image_id=np.concatenate(owners) if owners else np.empty(0, np.int64),
        category_id=np.concatenate(labels) if labels else np.empty(0, np.int64),
        bbox=np.ascontiguousarray(box),
        area=box[:, 2] * box[:, 3] if results else np.concatenate(area),
        crowd=flags,
        ignore=flags.copy(),
        id=np.arange(1, total + 1, dtype=np.int64),
        score=score if results else None,
    )


def _image_ids(name: str, images: Sequence[Mapping[str, Any]]) -> NDArray[np.int64]:
    given = ["image_id" in entry for entry in images]
    if any(given) and not all(given):
        raise ValueError(f"{name}: give 'image_id' for every image or for none")
    if not any(given):
        return np.arange(len(images), dtype=np.int64)
    try:
        ids = np.array([int(entry["image_id"]) for entry in images], dtype=np.int64)
    except OverflowError:
        raise ValueError(f"{name}: an image id does not fit in 64 bits") from None
    if len(np.unique(ids)) != len(ids):
        raise ValueError(f"{name}: image ids must be unique")
    return ids


def _from_arrays(
    ground_truth: Sequence[Mapping[str, Any]],
    predictions: Sequence[Mapping[str, Any]],
    fmt: BoxFormat,
) -> tuple[COCO, COCO]:
    if len(predictions) != len(ground_truth):
        raise ValueError(
            f"predictions has {len(predictions)} images, ground_truth has {len(ground_truth)}"
        )
    image_ids = _image_ids("ground_truth", ground_truth)
    pred_ids = _image_ids("predictions", predictions)
    if "image_id" in predictions[0] and not np.array_equal(np.sort(pred_ids), np.sort(image_ids)):
        raise ValueError("predictions and ground_truth must cover the same image ids")
    if "image_id" not in predictions[0]:
        pred_ids = image_ids
    gt_cols = _columns_from_images("ground_truth", ground_truth, image_ids, fmt, results=False)
    dt_cols = _columns_from_images("predictions", predictions, pred_ids, fmt, results=True)
    labels = np.union1d(gt_cols.category_id, dt_cols.category_id)
    gt = _columnar_coco(gt_cols, image_ids, labels, results=False)
    dt = _columnar_coco(dt_cols, image_ids, labels, results=True)
    return gt, dt


def _columnar_coco(
    cols: AnnotationColumns, image_ids: NDArray[np.int64], labels: NDArray[Any], *, results: bool
) -> COCO:
    """A COCO whose dataset holds images and categories only; annotations are columns."""
    coco = COCO(
        {
            "images": [{"id": int(i)} for i in image_ids],
            "categories": [{"id": int(c), "name": str(c)} for c in labels],
            "annotations": [],
        }
    )
    coco._cols = cols
    coco._is_results = results
    return coco


def as_coco_pair(ground_truth: Any, predictions: Any, box_format: BoxFormat) -> tuple[COCO, COCO]:
    """Ground truth and predictions as a (ground truth, results) pair of COCO objects.

    Raises
    ------
    ValueError, TypeError
        For malformed inputs, naming the image (or annotation) and field.
    """
    if box_format not in ("xywh", "xyxy"):
        raise ValueError(f"box_format must be 'xywh' or 'xyxy', got {box_format!r}")
    if _is_per_image(ground_truth) or _is_per_image(predictions):
        if not (_is_per_image(ground_truth) and _is_per_image(predictions)):
            raise TypeError(
                "give ground_truth and predictions in the same form: both per-image "
                "arrays or both COCO data"
            )
        return _from_arrays(ground_truth, predictions, box_format)
    gt = _as_gt_coco(ground_truth)
    if box_format == "xyxy":
        raise ValueError("COCO data stores boxes as xywh; box_format='xyxy' applies to arrays")
    dt = _as_results(gt, predictions)
    return gt, dt


def _as_gt_coco(value: Any) -> COCO:
    if isinstance(value, COCO):
        return value
    if isinstance(value, str | os.PathLike | dict):
        return COCO(value)
    if hasattr(value, "dataset") and isinstance(value.dataset, dict):  # pycocotools' COCO
        return COCO(value.dataset)
    raise TypeError(
        "ground_truth must be a COCO object, a COCO JSON path or dict, or per-image arrays; "
        f"got {type(value).__name__}"
    )


def _as_results(gt: COCO, value: Any) -> COCO:
    if isinstance(value, COCO):
        return value
    if hasattr(value, "dataset") and isinstance(value.dataset, dict):
        return gt.loadRes(list(value.dataset.get("annotations", [])), allow_empty=True)
    if isinstance(value, str | os.PathLike | list):
        return gt.loadRes(value, allow_empty=True)
    raise TypeError(
        "predictions must be a COCO object, a results JSON path or list, or per-image "
        f"arrays; got {type(value).__name__}"
    )
