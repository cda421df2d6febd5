"""Per-image box arrays (and COCO data) as the inputs of ``evaluate_detections``.

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

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.arrays import as_array
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.inputs import (
    EvaluationInputs,
    crowd_flags,
    field,
    from_coco_data,
    from_columns,
    labels_of,
    paired_image_ids,
    per_image_pair,
    scores_of,
)

__all__ = ["BoxFormat", "box_inputs", "xyxy_to_xywh"]

BoxFormat = Literal["xywh", "xyxy"]


def xyxy_to_xywh(boxes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Corner boxes ``(x1, y1, x2, y2)`` as ``(x, y, width, height)``."""
    out: NDArray[np.float64] = boxes.copy()
    out[:, 2] = boxes[:, 2] - boxes[:, 0]
    out[:, 3] = boxes[:, 3] - boxes[:, 1]
    return out


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
        labels.append(labels_of(name, i, entry, n))
        owners.append(np.full(n, image_ids[i], np.int64))
        if results:
            scores.append(scores_of(name, i, entry, n))
        else:
            crowd.append(crowd_flags(name, i, entry, n))
            a = entry.get("area")
            area.append(
                b[:, 2] * b[:, 3]
                if a is None
                else field(name, i, entry, "area", n).reshape(-1).astype(np.float64)
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


def _from_arrays(
    ground_truth: Sequence[Mapping[str, Any]],
    predictions: Sequence[Mapping[str, Any]],
    fmt: BoxFormat,
) -> EvaluationInputs:
    image_ids, pred_ids = paired_image_ids(ground_truth, predictions)
    gt_cols = _columns_from_images("ground_truth", ground_truth, image_ids, fmt, results=False)
    dt_cols = _columns_from_images("predictions", predictions, pred_ids, fmt, results=True)
    return from_columns(gt_cols, dt_cols, image_ids)


def box_inputs(ground_truth: Any, predictions: Any, box_format: BoxFormat) -> EvaluationInputs:
    """Ground truth and predictions, per-image arrays or COCO data, as evaluation inputs.

    Raises
    ------
    ValueError, TypeError
        For malformed inputs, naming the image (or annotation) and field.
    """
    if box_format not in ("xywh", "xyxy"):
        raise ValueError(f"box_format must be 'xywh' or 'xyxy', got {box_format!r}")
    if per_image_pair(ground_truth, predictions, "boxes"):
        return _from_arrays(ground_truth, predictions, box_format)
    if box_format == "xyxy":
        raise ValueError("COCO data stores boxes as xywh; box_format='xyxy' applies to arrays")
    return from_coco_data(ground_truth, predictions, masks=False)
