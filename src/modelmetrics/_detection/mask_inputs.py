"""Per-image masks (and COCO data) as the inputs of ``evaluate_instance_segmentation``.

COCO data (files, dicts, result lists, ``COCO`` objects) is used as it is: the masks are
the annotations' ``segmentation`` values, converted as pycocotools' ``annToRLE`` does.
Per-image arrays are one mapping per image, ground truth
``{"masks", "labels"[, "iscrowd", "area", "image_id", "height", "width"]}`` and
predictions ``{"masks", "scores", "labels"[, "image_id", "height", "width"]}``, where
``masks`` is a boolean or 0/1 array of shape ``(n, height, width)`` or a list of ``n``
masks, each a 2-D array, an RLE dict (``counts`` compressed or a list of run lengths)
or a polygon list (COCO's ``[[x1, y1, x2, y2, ...], ...]``, which needs the image's
``height`` and ``width``). Areas not given are mask areas; boxes are the masks' boxes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._detection import rle
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.evaluate import MaskPair
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
from modelmetrics._detection.mask_tables import ann_to_rle, annotation_table

__all__ = ["mask_inputs"]


def _size_of(item: Any) -> tuple[int, int] | None:
    if isinstance(item, np.ndarray) and item.ndim == 2:
        return int(item.shape[0]), int(item.shape[1])
    if isinstance(item, Mapping) and "size" in item:
        size = item["size"]
        return int(size[0]), int(size[1])
    return None


def _segmentations(
    name: str, image: int, entry: Mapping[str, Any]
) -> tuple[list[Any], tuple[int, int] | None]:
    """The image's masks as COCO segmentation values, and the image size if known."""
    where = f"{name}[{image}]['masks']"
    if "masks" not in entry:
        raise ValueError(f"{name}[{image}]: missing 'masks'")
    value = entry["masks"]
    size: tuple[int, int] | None = None
    if "height" in entry or "width" in entry:
        size = (
            _kernels.rle_as_dim(entry.get("height"), f"{name}[{image}]['height']"),
            _kernels.rle_as_dim(entry.get("width"), f"{name}[{image}]['width']"),
        )
    if isinstance(value, np.ndarray):
        if value.ndim != 3:
            raise ValueError(f"{where} must have shape (n, height, width), got {value.shape}")
        if value.dtype.kind not in "biu":
            raise TypeError(f"{where} must be boolean or 0/1 integers, got dtype {value.dtype}")
        if value.size and (value.min() < 0 or value.max() > 1):
            raise ValueError(f"{where} must hold only 0 and 1")
        stacked = np.asfortranarray(value.transpose(1, 2, 0), dtype=np.uint8)
        encoded = rle.encode(stacked) if value.shape[0] else []
        segs: list[Any] = list(encoded) if isinstance(encoded, list) else [encoded]
        return segs, size or (int(value.shape[1]), int(value.shape[2]))
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise TypeError(
            f"{where} must be an array (n, height, width) or a list of masks, "
            f"got {type(value).__name__}"
        )
    segs = []
    for j, item in enumerate(value):
        if isinstance(item, np.ndarray):
            if item.ndim != 2 or item.dtype.kind not in "biu":
                raise ValueError(f"{where}[{j}] must be a 2-D boolean or 0/1 array")
            if item.size and (item.min() < 0 or item.max() > 1):
                raise ValueError(f"{where}[{j}] must hold only 0 and 1")
            enc = rle.encode(np.asfortranarray(item, dtype=np.uint8))
            assert isinstance(enc, dict)
            segs.append(enc)
        elif isinstance(item, Mapping):
            segs.append(dict(item))
        elif isinstance(item, list):
            segs.append(item)
        else:
            raise TypeError(
                f"{where}[{j}] must be a 2-D array, an RLE dict or a polygon list, "
                f"got {type(item).__name__}"
            )
        if size is None:
            size = _size_of(item)
    return segs, size


def _columns_and_masks(
    name: str,
    images: Sequence[Mapping[str, Any]],
    image_ids: NDArray[np.int64],
    *,
    results: bool,
    sizes: list[tuple[int, int] | None] | None = None,
) -> tuple[AnnotationColumns, _kernels.MaskTable, list[tuple[int, int] | None]]:
    segs: list[Any] = []
    heights: list[int] = []
    widths: list[int] = []
    labels, owners, scores, crowd, area_given = [], [], [], [], []
    image_sizes: list[tuple[int, int] | None] = []
    for i, entry in enumerate(images):
        if not isinstance(entry, Mapping):
            raise TypeError(f"{name}[{i}] must be a mapping, got {type(entry).__name__}")
        image_segs, size = _segmentations(name, i, entry)
        if size is None and sizes is not None:
            size = sizes[i]
        n = len(image_segs)
        if n and size is None:
            raise ValueError(
                f"{name}[{i}]: polygons need the image size: give 'height' and 'width'"
            )
        image_sizes.append(size)
        h, w = size if size is not None else (0, 0)
        segs.extend(image_segs)
        heights.extend([h] * n)
        widths.extend([w] * n)
        labels.append(labels_of(name, i, entry, n) if n or "labels" in entry else np.empty(0))
        owners.append(np.full(n, image_ids[i], np.int64))
        if results:
            scores.append(scores_of(name, i, entry, n))
        else:
            crowd.append(crowd_flags(name, i, entry, n))
            a = entry.get("area")
            area_given.append(None if a is None else field(name, i, entry, "area", n).reshape(-1))

    def fallback(segm: Any, h: int, w: int, k: int) -> dict[str, Any]:
        try:
            return ann_to_rle(segm, h, w)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name}: mask {k}: {exc}") from None

    try:
        table = annotation_table(
            segs, np.asarray(heights, np.int64), np.asarray(widths, np.int64), fallback, "mask"
        )
    except ValueError:
        _name_bad_mask(name, images, segs, heights, widths, fallback)
        raise
    hw, bbox, mask_area = np.asarray(table.hw), np.asarray(table.bbox), np.asarray(table.area)
    # Every mask of an image must have the image's size.
    first = 0
    for i, size in enumerate(image_sizes):
        n = len(owners[i])
        if n and size is not None:
            wrong = np.flatnonzero(np.any(hw[first : first + n] != np.array(size), axis=1))
            if wrong.size:
                j = int(wrong[0])
                got = hw[first + j]
                raise ValueError(
                    f"{name}[{i}]['masks'][{j}] is {got[0]} x {got[1]}, "
                    f"the image is {size[0]} x {size[1]}"
                )
        first += n
    area = mask_area.astype(np.float64)
    if not results:
        pos = 0
        for i, given in enumerate(area_given):
            n = len(owners[i])
            if given is not None:
                area[pos : pos + n] = given.astype(np.float64)
            pos += n
    total = len(segs)
    flags = np.concatenate(crowd) if crowd else np.zeros(total, np.uint8)
    cols = AnnotationColumns(
        image_id=np.concatenate(owners) if owners else np.empty(0, np.int64),
        category_id=np.concatenate(labels).astype(np.int64) if labels else np.empty(0, np.int64),
        bbox=np.ascontiguousarray(bbox),
        area=area,
        crowd=flags if not results else np.zeros(total, np.uint8),
        ignore=flags.copy() if not results else np.zeros(total, np.uint8),
        id=np.arange(1, total + 1, dtype=np.int64),
        score=(np.concatenate(scores) if scores else np.empty(0)) if results else None,
    )
    return cols, table, image_sizes


def _name_bad_mask(
    name: str,
    images: Sequence[Mapping[str, Any]],
    segs: list[Any],
    heights: list[int],
    widths: list[int],
    fallback: Any,
) -> None:
    """Raise the conversion error of the first bad mask, naming its image and position
    (the batch conversion only knows its position among all masks)."""
    k = 0
    for i, entry in enumerate(images):
        for j in range(len(_segmentations(name, i, entry)[0])):
            try:
                annotation_table(
                    [segs[k]], np.array([heights[k]]), np.array([widths[k]]), fallback, "mask"
                )
            except ValueError as exc:
                reason = str(exc).split(": ", 1)[-1]
                raise ValueError(f"{name}[{i}]['masks'][{j}]: {reason}") from None
            k += 1


def _from_arrays(
    ground_truth: Sequence[Mapping[str, Any]], predictions: Sequence[Mapping[str, Any]]
) -> EvaluationInputs:
    image_ids, pred_ids = paired_image_ids(ground_truth, predictions)
    if pred_ids is not image_ids:  # predictions in the ground truth's image order
        position = {int(v): k for k, v in enumerate(pred_ids.tolist())}
        predictions = [predictions[position[int(v)]] for v in image_ids.tolist()]
    gt_cols, gt_masks, sizes = _columns_and_masks(
        "ground_truth", ground_truth, image_ids, results=False
    )
    dt_cols, dt_masks, dt_sizes = _columns_and_masks(
        "predictions", predictions, image_ids, results=True, sizes=sizes
    )
    for i, (a, b) in enumerate(zip(sizes, dt_sizes, strict=True)):
        if a is not None and b is not None and a != b:
            raise ValueError(
                f"predictions for image {int(image_ids[i])} are {b[0]} x {b[1]} masks, "
                f"its ground truth is {a[0]} x {a[1]}"
            )
    return from_columns(gt_cols, dt_cols, image_ids, MaskPair(dt_masks, gt_masks))


def mask_inputs(ground_truth: Any, predictions: Any) -> EvaluationInputs:
    """Ground truth and predictions, per-image masks or COCO data, as evaluation inputs
    with both sides' masks.

    Raises
    ------
    ValueError, TypeError
        For malformed inputs, naming the image (or annotation) and field.
    """
    if per_image_pair(ground_truth, predictions, "masks"):
        return _from_arrays(ground_truth, predictions)
    return from_coco_data(ground_truth, predictions, masks=True)
