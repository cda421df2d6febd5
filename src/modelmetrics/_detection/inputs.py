"""What the native APIs evaluate: both sides as columns, with their images and classes.

``evaluate_detections`` and ``evaluate_instance_segmentation`` accept COCO data (a
``COCO`` object, ours or pycocotools', a file path, a dataset dict, a results list) or
per-image arrays. Either becomes an :class:`EvaluationInputs`; the engine never sees
where it came from. COCO data is read through :mod:`modelmetrics._coco.api` (the same
columns and masks ``COCOeval`` evaluates); per-image arrays are read by
:mod:`~modelmetrics._detection.box_inputs` and :mod:`~modelmetrics._detection.mask_inputs`
with the field readers here, which name the image and field of any bad value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._coco.api import COCO, annotation_columns, annotation_masks
from modelmetrics._core.arrays import as_array
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.evaluate import MaskPair

__all__ = [
    "EvaluationInputs",
    "crowd_flags",
    "field",
    "from_coco_data",
    "from_columns",
    "image_ids_of",
    "is_per_image",
    "labels_of",
    "paired_image_ids",
    "per_image_pair",
    "scores_of",
]


@dataclass(frozen=True, eq=False)
class EvaluationInputs:
    """Ground truth and predictions of the same images, as the engine reads them.

    ``image_ids`` are the images evaluated and ``category_ids`` the classes (a COCO
    ground truth's categories, or every label of per-image arrays); ``masks`` is set
    for mask IoU.
    """

    ground_truth: AnnotationColumns
    predictions: AnnotationColumns
    image_ids: list[Any]
    category_ids: list[Any]
    masks: MaskPair | None = None


def is_per_image(value: object, key: str) -> bool:
    """Whether `value` looks like per-image arrays: a sequence of mappings with `key`."""
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes)
        and len(value) > 0
        and isinstance(value[0], Mapping)
        and key in value[0]
    )


def per_image_pair(ground_truth: object, predictions: object, key: str) -> bool:
    """Whether both sides are per-image arrays (with `key`); TypeError when only one is.

    Raises
    ------
    TypeError
        If one side is per-image arrays and the other is not.
    """
    gt, pred = is_per_image(ground_truth, key), is_per_image(predictions, key)
    if gt != pred:
        form = "arrays" if key == "boxes" else key
        raise TypeError(
            f"give ground_truth and predictions in the same form: both per-image {form} "
            "or both COCO data"
        )
    return gt


def paired_image_ids(
    ground_truth: Sequence[Mapping[str, Any]], predictions: Sequence[Mapping[str, Any]]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each side's image ids: the same images, one entry per image on both sides
    (predictions without ids take the ground truth's, in order).

    Raises
    ------
    ValueError
        If the sides differ in length or in their image ids.
    """
    if len(predictions) != len(ground_truth):
        raise ValueError(
            f"predictions has {len(predictions)} images, ground_truth has {len(ground_truth)}"
        )
    image_ids = image_ids_of("ground_truth", ground_truth)
    pred_ids = image_ids_of("predictions", predictions)  # all or none of them given
    if "image_id" not in predictions[0]:
        return image_ids, image_ids
    if not np.array_equal(np.sort(pred_ids), np.sort(image_ids)):
        raise ValueError("predictions and ground_truth must cover the same image ids")
    return image_ids, pred_ids


def from_columns(
    gt_cols: AnnotationColumns,
    dt_cols: AnnotationColumns,
    image_ids: NDArray[np.int64],
    masks: MaskPair | None = None,
) -> EvaluationInputs:
    """Inputs of per-image arrays: their images, and every label of either side."""
    labels = np.union1d(gt_cols.category_id, dt_cols.category_id)
    return EvaluationInputs(
        ground_truth=gt_cols,
        predictions=dt_cols,
        image_ids=sorted(int(i) for i in image_ids),
        category_ids=sorted(int(c) for c in labels),
        masks=masks,
    )


def field(name: str, image: int, entry: Mapping[str, Any], key: str, n: int | None) -> Any:
    """``entry[key]`` of image `image` as an array of `n` entries (any length if None)."""
    if key not in entry:
        raise ValueError(f"{name}[{image}]: missing '{key}'")
    arr = as_array(f"{name}[{image}]['{key}']", entry[key])
    if arr.ndim == 0:
        raise TypeError(f"{name}[{image}]['{key}'] must be array-like, got {entry[key]!r}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name}[{image}]['{key}'] has {arr.shape[0]} entries, 'boxes' has {n}")
    return arr


def labels_of(name: str, image: int, entry: Mapping[str, Any], n: int) -> NDArray[np.int64]:
    """The image's ``labels``: integer class ids (integral floats accepted)."""
    labels: NDArray[Any] = field(name, image, entry, "labels", n)
    if labels.ndim != 1:
        raise ValueError(f"{name}[{image}]['labels'] must be 1-D, got shape {labels.shape}")
    if labels.size and labels.dtype.kind not in "iu":
        as_int = labels.astype(np.int64, copy=False) if labels.dtype.kind == "f" else None
        if as_int is None or not np.array_equal(as_int, labels):
            raise TypeError(f"{name}[{image}]['labels'] must hold integer class ids")
        labels = as_int
    out: NDArray[np.int64] = labels.astype(np.int64, copy=False)
    return out


def scores_of(name: str, image: int, entry: Mapping[str, Any], n: int) -> NDArray[np.float64]:
    """The image's ``scores``: finite numbers."""
    s = field(name, image, entry, "scores", n).reshape(-1)
    if s.size and s.dtype.kind not in "biuf":
        raise TypeError(f"{name}[{image}]['scores'] must be numeric")
    s = s.astype(np.float64, copy=False)
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name}[{image}]['scores'] must be finite")
    out: NDArray[np.float64] = s
    return out


def crowd_flags(name: str, image: int, entry: Mapping[str, Any], n: int) -> NDArray[np.uint8]:
    """The image's ``iscrowd`` flags as 0/1 (all 0 when not given)."""
    if entry.get("iscrowd") is None:
        return np.zeros(n, np.uint8)
    flags = field(name, image, entry, "iscrowd", n).reshape(-1) != 0
    return np.asarray(flags, dtype=np.uint8)


def image_ids_of(name: str, images: Sequence[Mapping[str, Any]]) -> NDArray[np.int64]:
    """Each image's ``image_id`` (all or none given; positions when none), unique."""
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


def from_coco_data(ground_truth: Any, predictions: Any, *, masks: bool) -> EvaluationInputs:
    """COCO data (objects, files, dicts, result lists) as evaluation inputs: every image
    and category of the ground truth, and both sides' masks when `masks` is set.

    Raises
    ------
    TypeError
        If either side is not COCO data.
    ValueError
        For invalid annotations, naming the annotation and field.
    """
    gt = _ground_truth_coco(ground_truth)
    dt = _results_coco(gt, predictions)
    # In COCOeval's order (ids, masks, columns), so a file with several problems
    # reports the one pycocotools-shaped evaluation would.
    image_ids, category_ids = sorted(gt.getImgIds()), sorted(gt.getCatIds())
    pair = None
    if masks:
        pair = MaskPair(
            detections=annotation_masks(dt, "detection"),
            ground_truth=annotation_masks(gt, "ground-truth"),
        )
    return EvaluationInputs(
        ground_truth=annotation_columns(gt),
        predictions=annotation_columns(dt),
        image_ids=image_ids,
        category_ids=category_ids,
        masks=pair,
    )


def _ground_truth_coco(value: Any) -> COCO:
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


def _results_coco(gt: COCO, value: Any) -> COCO:
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
