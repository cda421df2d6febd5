"""Per-image keypoint arrays (and COCO keypoint data) as the inputs of ``evaluate_keypoints``.

Accepted forms, for ground truth and predictions alike:

* COCO data: a ``COCO`` object (ours or pycocotools'), a path to a COCO JSON file, or a
  dict (ground truth, with ``keypoints`` and ``num_keypoints`` per annotation) / list of
  result dicts (predictions), read as ``COCOeval(iouType="keypoints")`` reads them;
* per-image arrays: a sequence with one mapping per image, ground truth
  ``{"keypoints", "labels"[, "boxes", "area", "iscrowd", "image_id"]}`` and predictions
  ``{"keypoints", "scores", "labels"[, "image_id"]}``.

Per-image arrays are given the fields COCO's files carry, so that the evaluation is the
one ``COCOeval`` runs on the equivalent files:

* a ground truth's ``num_keypoints`` is its count of labeled keypoints (visibility > 0);
  with none it is ignored, like a crowd region;
* its ``area`` (the scale of OKS) is the given area, else its box's area;
* its box is read only to compare predictions with a ground truth that has no labeled
  keypoint (pycocotools then measures distances to the box): such a ground truth needs
  ``"boxes"``;
* a prediction's box and area are those of the box spanned by all its keypoints, as
  ``COCO.loadRes`` gives keypoint results; the area decides which area range an
  unmatched prediction counts in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._coco.api import annotation_columns
from modelmetrics._coco.eval import coco_keypoint_inputs
from modelmetrics._core.arrays import as_array
from modelmetrics._detection.box_inputs import BoxFormat, _boxes
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.inputs import (
    EvaluationInputs,
    _ground_truth_coco,
    _results_coco,
    crowd_flags,
    field,
    from_columns,
    is_per_image,
    labels_of,
    paired_image_ids,
    scores_of,
)
from modelmetrics._detection.keypoints import (
    COCO_PERSON_KEYPOINTS,
    Keypoints,
    coco_person_sigmas,
)

__all__ = ["KeypointInputs", "check_keypoint_names", "check_sigmas", "keypoint_inputs"]


@dataclass(frozen=True, eq=False)
class KeypointInputs:
    """Both sides as the engine reads them, the keypoints, and the keypoints' names.

    The ground truth's ``ignore`` flag is pycocotools' for keypoints: crowd, or no
    labeled keypoint. ``keypoint_names`` are those of the COCO categories (when every
    category with a ``keypoints`` list has the same one, of the sigmas' length), else
    None.
    """

    inputs: EvaluationInputs
    keypoints: Keypoints
    keypoint_names: tuple[str, ...] | None = None


def check_sigmas(sigmas: object) -> NDArray[np.float64]:
    """The per-keypoint sigmas: COCO's 17 person sigmas for None, else a non-empty 1-D
    array of finite positive numbers (a new float64 array).

    Raises
    ------
    TypeError
        If `sigmas` is not numeric.
    ValueError
        If it is empty, not 1-D, or holds a value that is not finite and positive.
    """
    if sigmas is None:
        return coco_person_sigmas()
    arr = as_array("sigmas", sigmas)  # type: ignore[arg-type]
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"sigmas must be numbers, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"sigmas must be a non-empty 1-D array, got shape {arr.shape}")
    out = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(out) & (out > 0)):
        raise ValueError(f"sigmas must be finite and positive, got {out.tolist()!r:.200}")
    return out


def check_keypoint_names(names: object, k: int) -> tuple[str, ...] | None:
    """`names` as a tuple of `k` distinct strings (None stays None).

    Raises
    ------
    TypeError
        If `names` is not a sequence of strings.
    ValueError
        If it does not name each of the `k` keypoints once.
    """
    if names is None:
        return None
    if isinstance(names, str | bytes) or not isinstance(names, Sequence):
        raise TypeError(f"keypoint_names must be a sequence of strings, got {names!r:.80}")
    if not all(isinstance(n, str) for n in names):
        raise TypeError("keypoint_names must hold strings")
    if len(names) != k:
        raise ValueError(f"keypoint_names has {len(names)} names for {k} sigmas")
    if len(set(names)) != k:
        raise ValueError("keypoint_names must be distinct")
    return tuple(names)


def default_keypoint_names(
    sigmas_given: bool, found: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The names to show when the caller gave none: the COCO categories', else COCO's
    person keypoints when the sigmas are COCO's default ones."""
    if found is not None:
        return found
    return None if sigmas_given else COCO_PERSON_KEYPOINTS


def _is_keypoint_arrays(value: object) -> bool:
    # COCO results also carry "keypoints": per-image arrays are told apart by having no
    # "category_id" (they hold "labels").
    return is_per_image(value, "keypoints") and "category_id" not in value[0]  # type: ignore[index]


def _keypoints(
    name: str, image: int, entry: Mapping[str, Any], k: int, *, results: bool
) -> NDArray[np.float64]:
    """The image's ``keypoints`` as an ``(n, k, 3)`` float64 array."""
    where = f"{name}[{image}]['keypoints']"
    if "keypoints" not in entry:
        raise ValueError(f"{name}[{image}]: missing 'keypoints'")
    arr = as_array(where, entry["keypoints"])
    if arr.size == 0:
        return np.empty((0, k, 3), np.float64)
    widths = (2, 3) if results else (3,)
    if arr.ndim != 3 or arr.shape[1] != k or arr.shape[2] not in widths:
        shapes = f"(n, {k}, 3) or (n, {k}, 2)" if results else f"(n, {k}, 3)"
        raise ValueError(
            f"{where} must have shape {shapes} (x, y{', visibility' if not results else ''} "
            f"for each of the {k} keypoints of the sigmas), got {arr.shape}"
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where} must be numeric, got dtype {arr.dtype}")
    given = arr.astype(np.float64)
    out = np.zeros((arr.shape[0], k, 3), np.float64)
    if results:
        # OKS never reads a prediction's visibility; every keypoint is placed.
        if not np.all(np.isfinite(given[:, :, :2])):
            raise ValueError(f"{where}: coordinates must be finite")
        out[:, :, :2] = given[:, :, :2]
        out[:, :, 2] = 1.0
        return out
    visibility = given[:, :, 2]
    if not np.all(np.isfinite(visibility)):
        raise ValueError(f"{where}: visibility must be finite (0: not labeled)")
    labeled = visibility > 0
    if not np.all(np.isfinite(given[:, :, :2][labeled])):
        raise ValueError(f"{where}: coordinates of labeled keypoints must be finite")
    # Unlabeled keypoints are never compared: their coordinates may be anything (NaN).
    out[:, :, :2] = np.where(labeled[:, :, None], given[:, :, :2], 0.0)
    out[:, :, 2] = visibility
    return out


def _check_lengths(name: str, image: int, entry: Mapping[str, Any], n: int, keys: Any) -> None:
    for key in keys:
        value = entry.get(key)
        if value is None or isinstance(value, str | bytes):
            continue  # absent (or unusable: the field reader names it)
        shape = np.shape(value) if not isinstance(value, Sequence) else (len(value),)
        if shape and shape[0] != n:
            raise ValueError(
                f"{name}[{image}]['{key}'] has {shape[0]} entries, 'keypoints' has {n}"
            )


def _span(kp: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row, the xywh box its keypoints span, as ``COCO.loadRes`` computes it for
    keypoint results."""
    x, y = kp[:, :, 0], kp[:, :, 1]
    x0, y0 = x.min(axis=1, initial=np.inf), y.min(axis=1, initial=np.inf)
    x1, y1 = x.max(axis=1, initial=-np.inf), y.max(axis=1, initial=-np.inf)
    return np.column_stack([x0, y0, x1 - x0, y1 - y0])


def _ground_truth_image(
    image: int, entry: Mapping[str, Any], k: int, fmt: BoxFormat
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.uint8]]:
    """One image's keypoints (n, k, 3), boxes, areas and crowd flags (boxes not given
    are zeros: never read, as every ground truth then has a labeled keypoint)."""
    name = "ground_truth"
    kp = _keypoints(name, image, entry, k, results=False)
    n = kp.shape[0]
    _check_lengths(name, image, entry, n, ("labels", "boxes", "area", "iscrowd"))
    given = entry.get("boxes") is not None
    if given:
        boxes = _boxes(name, image, entry, fmt)
        if boxes.shape[0] != n:
            raise ValueError(
                f"{name}[{image}]['boxes'] has {boxes.shape[0]} entries, 'keypoints' has {n}"
            )
    else:
        unlabeled = np.flatnonzero(~np.any(kp[:, :, 2] > 0, axis=1))
        if len(unlabeled):
            raise ValueError(
                f"{name}[{image}]['keypoints'][{int(unlabeled[0])}] has no labeled keypoint "
                "(visibility > 0): give 'boxes', so that predictions on it are ignored as "
                "COCO ignores them, or leave it out"
            )
        boxes = np.zeros((n, 4))
    if entry.get("area") is not None:
        area = field(name, image, entry, "area", n).reshape(-1)
        if area.dtype.kind not in "biuf":
            raise TypeError(f"{name}[{image}]['area'] must be numeric, got dtype {area.dtype}")
        area = area.astype(np.float64)
        if not np.all(np.isfinite(area) & (area >= 0)):
            raise ValueError(f"{name}[{image}]['area'] must be finite and non-negative")
    elif given:
        area = boxes[:, 2] * boxes[:, 3]
    else:
        raise ValueError(
            f"{name}[{image}]: give 'area' or 'boxes': OKS scales distances by the object's "
            "area (COCO's segmentation area; the box area is used when only boxes are given)"
        )
    return kp, boxes, area, crowd_flags(name, image, entry, n)


def _columns_from_images(
    images: Sequence[Mapping[str, Any]],
    image_ids: NDArray[np.int64],
    k: int,
    fmt: BoxFormat,
    *,
    results: bool,
) -> tuple[AnnotationColumns, NDArray[np.float64]]:
    """One side's columns and keypoint rows ``(n, 3 k)``."""
    name = "predictions" if results else "ground_truth"
    kps, boxes, areas, labels, scores, crowd, counts = [], [], [], [], [], [], []
    for i, entry in enumerate(images):
        if not isinstance(entry, Mapping):
            raise TypeError(f"{name}[{i}] must be a mapping, got {type(entry).__name__}")
        if results:
            kp = _keypoints(name, i, entry, k, results=True)
            n = kp.shape[0]
            _check_lengths(name, i, entry, n, ("labels", "scores"))
            scores.append(scores_of(name, i, entry, n))
        else:
            kp, box, area, flags = _ground_truth_image(i, entry, k, fmt)
            n = kp.shape[0]
            boxes.append(box)
            areas.append(area)
            crowd.append(flags)
        kps.append(kp)
        labels.append(labels_of(name, i, entry, n))
        counts.append(n)
    kp_all = np.concatenate(kps) if kps else np.empty((0, k, 3))
    total = kp_all.shape[0]
    if results:
        # loadRes's box and area of a keypoint result: the box all its keypoints span.
        bbox = _span(kp_all)
        area_all = bbox[:, 2] * bbox[:, 3]
        flags_all = np.zeros(total, np.uint8)
        ignore = flags_all.copy()
    else:
        bbox = np.concatenate(boxes) if boxes else np.empty((0, 4))
        labeled = kp_all[:, :, 2] > 0
        area_all = np.concatenate(areas) if areas else np.empty(0)
        flags_all = np.concatenate(crowd) if crowd else np.empty(0, np.uint8)
        # pycocotools' keypoint ignore flag: crowd, or num_keypoints == 0.
        ignore = (flags_all.astype(bool) | ~labeled.any(axis=1)).astype(np.uint8)
    columns = AnnotationColumns(
        image_id=np.repeat(np.asarray(image_ids, np.int64), counts),
        category_id=np.concatenate(labels) if labels else np.empty(0, np.int64),
        bbox=np.ascontiguousarray(bbox),
        area=area_all,
        crowd=flags_all,
        ignore=ignore,
        id=np.arange(1, total + 1, dtype=np.int64),
        score=(np.concatenate(scores) if scores else np.empty(0)) if results else None,
    )
    return columns, np.ascontiguousarray(kp_all.reshape(total, 3 * k))


def _from_arrays(
    ground_truth: Sequence[Mapping[str, Any]],
    predictions: Sequence[Mapping[str, Any]],
    sigmas: NDArray[np.float64],
    fmt: BoxFormat,
) -> KeypointInputs:
    image_ids, pred_ids = paired_image_ids(ground_truth, predictions)
    k = len(sigmas)
    gt_cols, gt_rows = _columns_from_images(ground_truth, image_ids, k, fmt, results=False)
    dt_cols, dt_rows = _columns_from_images(predictions, pred_ids, k, fmt, results=True)
    keypoints = Keypoints(ground_truth=gt_rows, detections=dt_rows, sigmas=sigmas)
    return KeypointInputs(from_columns(gt_cols, dt_cols, image_ids), keypoints)


def _category_keypoint_names(categories: Any, k: int) -> tuple[str, ...] | None:
    """The categories' common ``keypoints`` names, if they have one list of `k` strings."""
    lists = {
        tuple(c["keypoints"])
        for c in categories or []
        if isinstance(c, Mapping) and isinstance(c.get("keypoints"), list)
    }
    if len(lists) != 1:
        return None
    (names,) = lists
    ok = len(names) == k and all(isinstance(n, str) for n in names) and len(set(names)) == k
    return names if ok else None


def _from_coco(ground_truth: Any, predictions: Any, sigmas: NDArray[np.float64]) -> KeypointInputs:
    gt = _ground_truth_coco(ground_truth)
    dt = _results_coco(gt, predictions)
    image_ids, category_ids = sorted(gt.getImgIds()), sorted(gt.getCatIds())
    keypoints, gt_cols = coco_keypoint_inputs(gt, dt, sigmas, sigmas_name="sigmas")
    inputs = EvaluationInputs(
        ground_truth=gt_cols,
        predictions=annotation_columns(dt),
        image_ids=image_ids,
        category_ids=category_ids,
    )
    names = _category_keypoint_names(gt.loadCats(category_ids), len(sigmas))
    return KeypointInputs(inputs, keypoints, names)


def keypoint_inputs(
    ground_truth: Any, predictions: Any, sigmas: NDArray[np.float64], box_format: BoxFormat
) -> KeypointInputs:
    """Ground truth and predictions, per-image arrays or COCO data, as evaluation inputs
    with `sigmas` (checked by :func:`check_sigmas`).

    Raises
    ------
    ValueError, TypeError
        For malformed inputs, naming the image (or annotation) and field.
    """
    if box_format not in ("xywh", "xyxy"):
        raise ValueError(f"box_format must be 'xywh' or 'xyxy', got {box_format!r}")
    gt_arrays, pred_arrays = _is_keypoint_arrays(ground_truth), _is_keypoint_arrays(predictions)
    if gt_arrays != pred_arrays:
        raise TypeError(
            "give ground_truth and predictions in the same form: both per-image keypoint "
            "arrays or both COCO data"
        )
    if gt_arrays:
        return _from_arrays(ground_truth, predictions, sigmas, box_format)
    if box_format == "xyxy":
        raise ValueError("COCO data stores boxes as xywh; box_format='xyxy' applies to arrays")
    return _from_coco(ground_truth, predictions, sigmas)
