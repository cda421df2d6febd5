"""Annotations as numpy columns: the engine's only view of ground truths and detections.

Whatever the source (COCO files read by the compiled JSON reader, annotation dicts,
per-image arrays of the native API), evaluation reads one :class:`AnnotationColumns` per
side, never per-annotation dicts. ``extract_columns`` converts dicts, checking every
field evaluation reads and naming the annotation and field of the first bad value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels

__all__ = [
    "AnnotationColumns",
    "extract_columns",
    "ground_truth_columns_from_reader",
    "invalid_field",
    "result_columns_from_reader",
]


@dataclass(frozen=True, eq=False)
class AnnotationColumns:
    """Annotations as columns, in dataset order.

    ``image_id`` / ``category_id`` hold the raw ids (int64 when all are integers, else
    objects). ``crowd`` is ``int(iscrowd) != 0`` (what the IoU uses), ``ignore`` the
    truthiness of ``iscrowd`` (what pycocotools' ``ignore`` flag becomes).
    """

    image_id: NDArray[Any]
    category_id: NDArray[Any]
    bbox: NDArray[np.float64]
    area: NDArray[np.float64]
    crowd: NDArray[np.uint8]
    ignore: NDArray[np.uint8]
    id: NDArray[Any]
    score: NDArray[np.float64] | None
    # Why `score` is None although the annotations name scores (raised only when they
    # are used as detections: a ground truth needs none).
    score_error: str | None = None

    def __len__(self) -> int:
        return int(self.bbox.shape[0])


def _id_array(values: list[Any]) -> NDArray[Any]:
    arr = np.asarray(values) if values else np.empty(0, np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def invalid_field(index: int, field: str, problem: str) -> ValueError:
    return ValueError(f"annotation {index}: field '{field}' {problem}")


def _number(value: Any, index: int, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise invalid_field(index, field, f"must be a number, got {value!r}")
    return float(value)


def extract_columns(
    anns: Sequence[dict[str, Any]], *, results: bool, bbox_optional: bool = False
) -> AnnotationColumns:
    """Read the fields evaluation needs from annotation dicts, validating them.

    For detection results (``results=True``) the area is the box area and ids are
    ``index + 1``, as ``loadRes`` assigns them; ``score`` is required and finite.
    Plain JSON values take a compiled path; anything else (numpy scalars, string ids)
    the Python one, with the same results and errors.

    With `bbox_optional`, an annotation without ``bbox`` gets a NaN box (pycocotools
    reads boxes only for ``iouType="bbox"``; torchmetrics' segm annotations have none):
    the evaluation that needs boxes checks for them.

    Raises
    ------
    ValueError
        Naming the annotation index and field of the first invalid value.
    """
    assert not (results and bbox_optional), "results always need their box"
    if isinstance(anns, list):
        n = len(anns)
        image_id = np.empty(n, np.int64)
        category_id = np.empty(n, np.int64)
        ann_id = np.empty(n, np.int64)
        bbox = np.empty((n, 4), np.float64)
        area = np.empty(n, np.float64)
        score = np.empty(n, np.float64)
        crowd = np.empty(n, np.uint8)
        ignore = np.empty(n, np.uint8)
        status = _kernels.extract_columns(
            anns, results, image_id, category_id, ann_id, bbox, area, score, crowd, ignore
        )
        if status is None:
            return AnnotationColumns(
                image_id=image_id,
                category_id=category_id,
                bbox=bbox,
                area=area,
                crowd=crowd if not results else np.zeros(n, np.uint8),
                ignore=ignore if not results else np.zeros(n, np.uint8),
                id=ann_id,
                score=score if results else None,
            )
        if status != "fallback" and not (bbox_optional and status[1:] == ("bbox", "is missing")):
            raise invalid_field(*status)
    return _extract_python(anns, results=results, bbox_optional=bbox_optional)


def _checked_box(box: Any, i: int) -> tuple[float, float, float, float]:
    if not isinstance(box, list | tuple | np.ndarray) or len(box) != 4:
        raise invalid_field(i, "bbox", f"must be [x, y, width, height], got {box!r}")
    x, y, w, h = (_number(v, i, "bbox") for v in box)
    if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(w) and math.isfinite(h)):
        raise invalid_field(i, "bbox", f"must be finite, got {box!r}")
    if w < 0 or h < 0:
        raise invalid_field(i, "bbox", f"has a negative width or height: {box!r}")
    return x, y, w, h


def _extract_python(
    anns: Sequence[dict[str, Any]], *, results: bool, bbox_optional: bool = False
) -> AnnotationColumns:
    n = len(anns)
    image_ids: list[Any] = [None] * n
    category_ids: list[Any] = [None] * n
    ids: list[Any] = [None] * n
    bbox = np.empty((n, 4), np.float64)
    area = np.empty(n, np.float64)
    crowd = np.zeros(n, np.uint8)
    ignore = np.zeros(n, np.uint8)
    score = np.empty(n, np.float64) if results else None
    for i, ann in enumerate(anns):
        if not isinstance(ann, dict):
            raise ValueError(f"annotation {i} must be an object, got {type(ann).__name__}")
        try:
            image_ids[i] = ann["image_id"]
            category_ids[i] = ann["category_id"]
            absent = bbox_optional and "bbox" not in ann
            box = None if absent else ann["bbox"]
        except KeyError as exc:
            raise invalid_field(i, exc.args[0], "is missing") from None
        if absent:
            bbox[i] = np.nan  # only a box evaluation needs it (and says so)
        else:
            bbox[i] = _checked_box(box, i)
        if results:
            assert score is not None
            if "score" not in ann:
                raise invalid_field(i, "score", "is missing")
            s = _number(ann["score"], i, "score")
            if not math.isfinite(s):
                raise invalid_field(i, "score", f"must be finite, got {ann['score']!r}")
            score[i] = s
            # loadRes's own expression on the original values, so that float32 rows
            # (loadNumpyAnnotations) round their area as pycocotools does.
            assert box is not None  # results always have their box
            area[i] = box[2] * box[3]
            ids[i] = i + 1
        else:
            if "area" not in ann:
                raise invalid_field(i, "area", "is missing")
            a = _number(ann["area"], i, "area")
            if math.isnan(a):
                raise invalid_field(i, "area", "is NaN")
            area[i] = a
            if "id" not in ann:
                raise invalid_field(i, "id", "is missing")
            ids[i] = ann["id"]
            flag = ann.get("iscrowd", 0)
            crowd[i] = int(flag) != 0
            ignore[i] = bool(flag)
    return AnnotationColumns(
        image_id=_id_array(image_ids),
        category_id=_id_array(category_ids),
        bbox=bbox,
        area=area,
        crowd=crowd,
        ignore=ignore,
        id=_id_array(ids),
        score=score,
    )


def result_columns_from_reader(read: _kernels.CocoJson) -> AnnotationColumns:
    """``extract_columns(results=True)`` for what the compiled JSON reader read."""
    n = read.n
    with np.errstate(over="ignore"):  # huge boxes: an infinite area, silently, as in C
        area = read.bbox[:, 2] * read.bbox[:, 3]  # loadRes's bb[2] * bb[3], in float64
    return AnnotationColumns(
        image_id=read.image_id,
        category_id=read.category_id,
        bbox=read.bbox,
        area=area,
        crowd=np.zeros(n, np.uint8),
        ignore=np.zeros(n, np.uint8),
        id=np.arange(1, n + 1, dtype=np.int64),
        score=read.score,
    )


def ground_truth_columns_from_reader(read: _kernels.CocoJson) -> AnnotationColumns:
    """``extract_columns(results=False)`` for what the compiled JSON reader read."""
    return AnnotationColumns(
        image_id=read.image_id,
        category_id=read.category_id,
        bbox=read.bbox,
        area=read.area,
        crowd=read.crowd,
        ignore=read.crowd.copy(),  # bool(iscrowd) == (iscrowd != 0) for ints
        id=read.ann_id,
        score=None,
    )
