"""COCO's grouping: which annotations are evaluated, in which (category, image) group.

pycocotools builds per-(image, category) lists of annotation dicts with ``getAnnIds`` /
``loadAnns``; here the same selection is computed on the columns: rows of each side,
ordered group by group (category-major), with the offsets of each group. Duplicate
annotation ids resolve to the last annotation with that id (``loadAnns`` returns
``anns[id]``), and ids compare as ``==`` / hash do.

Only groups with an annotation on either side exist, each named by its key
``category_index * n_images + image_index``: the cost follows the annotations, not the
number of (category, image) pairs (LVIS: 1,203 categories x 20,000 images).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.settings import EvaluationSettings

__all__ = ["Grouped", "RowFilter", "group", "positions"]


@dataclass(frozen=True, eq=False)
class Grouped:
    """Rows of the detection and gt columns, group by group, with group offsets.

    ``keys`` (ascending) names each group that has a row on either side:
    ``category_index * n_images + image_index`` (the image index alone with
    ``use_categories`` off). A (category, image) pair without a key has no annotation.
    """

    keys: NDArray[np.int64]
    dt_start: NDArray[np.int64]
    dt_rows: NDArray[np.int64]
    gt_start: NDArray[np.int64]
    gt_rows: NDArray[np.int64]
    dt_id: NDArray[np.float64]  # ids of all rows, as doubles
    gt_id: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class RowFilter:
    """Rows each side may contribute, on top of the image and category selection (None:
    all). LVIS drops annotations whose area is not in (0, inf) and detections of
    categories an image was not checked for; COCO keeps every row."""

    ground_truth: NDArray[np.bool_] | None = None
    detections: NDArray[np.bool_] | None = None


def _as_float_ids(ids: NDArray[Any], side: str) -> NDArray[np.float64]:
    """Annotation ids as pycocotools stores matches: in float64 arrays."""
    try:
        return np.asarray(ids, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{side} annotation ids must be numbers to be matched") from None


def positions(values: NDArray[Any], keys: Sequence[Any]) -> NDArray[np.int64]:
    """Index of each value in `keys` (-1 when absent), with dict (==, hash) semantics.

    A key repeated in `keys` maps to its last position, as a dict built from them would.
    """
    key_arr = np.asarray(keys) if len(keys) else np.empty(0, np.int64)
    if values.dtype.kind in "iu" and key_arr.dtype.kind in "iu":
        if len(key_arr) == 0 or len(values) == 0:
            return np.full(len(values), -1, np.int64)
        key_arr = key_arr.astype(np.int64, copy=False)
        pos_arr = np.arange(len(key_arr), dtype=np.int64)
        low, high = int(key_arr.min()), int(key_arr.max())
        if high - low <= 4 * max(len(key_arr), len(values)) + 4096:
            # Dense ids (the usual 1..N), or many values per key: a lookup table (at
            # most 16 bytes per key or value), one gather. Later duplicates overwrite
            # earlier ones, like dict insertion.
            table = np.full(high - low + 1, -1, np.int32 if len(key_arr) < 2**31 else np.int64)
            table[key_arr - low] = pos_arr
            if int(values.min()) >= low and int(values.max()) <= high:
                found: NDArray[np.int64] = table[values - low].astype(np.int64, copy=False)
                return found
            inside = (values >= low) & (values <= high)
            out = np.full(len(values), -1, np.int64)
            out[inside] = table[values[inside] - low]
            return out
        # Sparse ids: the last occurrence of each key, then a binary search.
        order = np.argsort(key_arr, kind="stable")
        key_sorted, pos_sorted = key_arr[order], pos_arr[order]
        last = np.r_[key_sorted[1:] != key_sorted[:-1], True]
        key_sorted, pos_sorted = key_sorted[last], pos_sorted[last]
        idx = np.minimum(np.searchsorted(key_sorted, values), len(key_sorted) - 1)
        return np.where(key_sorted[idx] == values, pos_sorted[idx], -1)
    lookup = {key: i for i, key in enumerate(keys)}
    return np.fromiter((lookup.get(v, -1) for v in values.tolist()), np.int64, len(values))


def _last_with_same_id(ids: NDArray[Any]) -> NDArray[np.int64] | None:
    """For duplicate annotation ids: the row pycocotools' ``loadAnns`` returns instead
    (``anns[id]`` keeps the last annotation with that id). None when ids are unique."""
    n = len(ids)
    if ids.dtype.kind in "iu":
        if n < 2 or bool(np.all(ids[1:] > ids[:-1])):
            return None  # strictly increasing (loadRes's 1..N): unique
        unique, inverse = np.unique(ids, return_inverse=True)
        if len(unique) == n:
            return None
        last = np.zeros(len(unique), np.int64)
        last[inverse] = np.arange(n)  # later rows overwrite earlier ones
        return last[inverse]
    latest: dict[Any, int] = {}
    for i, v in enumerate(ids.tolist()):
        latest[v] = i
    if len(latest) == n:
        return None
    return np.fromiter((latest[v] for v in ids.tolist()), np.int64, n)


def _select(
    cols: AnnotationColumns,
    img_ids: Sequence[Any],
    cat_ids: Sequence[Any],
    use_cats: bool,
    allowed: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows evaluated, in pycocotools' per-group order, and the key of each row's group
    (ascending).

    Keys are ``category_index * n_images + image_index``; with ``use_cats`` off every
    category in `cat_ids` (duplicates included) joins its image's single group (key:
    the image index), in `cat_ids` order.
    """
    n_img = len(img_ids)
    img_pos = positions(cols.image_id, img_ids)
    rows = np.flatnonzero(img_pos >= 0)
    if allowed is not None:
        rows = rows[allowed[rows]]
    cat_pos = positions(cols.category_id, cat_ids) if use_cats else None
    if cat_pos is not None:
        rows = rows[cat_pos[rows] >= 0]
    remap = _last_with_same_id(cols.id)
    if remap is not None:
        # loadAnns(getAnnIds(...)) returns anns[id]: the row that keeps the id, whose
        # image and category are looked up again.
        rows = remap[rows]
        img_of = positions(cols.image_id[rows], img_ids)
    else:
        img_of = img_pos[rows]
    if cat_pos is not None:
        if remap is not None:
            cat_of = positions(cols.category_id[rows], cat_ids)
            keep = (img_of >= 0) & (cat_of >= 0)
            rows, img_of, cat_of = rows[keep], img_of[keep], cat_of[keep]
        else:
            cat_of = cat_pos[rows]  # rows were chosen to have both
        # A stable sort on (category, image): by image, then by category, each a
        # counting sort over its own range.
        order = _counting_order(img_of, n_img)
        order = order[_counting_order(cat_of[order], len(cat_ids))]
        return rows[order], cat_of[order] * n_img + img_of[order]
    # Without categories: per image, the annotations of cat_ids[0], then cat_ids[1], ...
    pieces, keys = [], []
    cats = cols.category_id[rows]
    for j, cat in enumerate(cat_ids):
        hit = np.flatnonzero(positions(cats, [cat]) == 0)
        pieces.append(rows[hit])
        keys.append(img_of[hit] * (len(cat_ids) + 1) + j)
    if not pieces:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    all_rows, all_keys = np.concatenate(pieces), np.concatenate(keys)
    order = np.argsort(all_keys, kind="stable")
    return all_rows[order], all_keys[order] // (len(cat_ids) + 1)


def _counting_order(key: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """The stable order of `key` (values in [0, n)): O(len(key) + n)."""
    start = np.empty(n + 1, np.int64)
    order = np.empty(len(key), np.int64)
    _kernels.group_order(np.ascontiguousarray(key, dtype=np.int64), start, order)
    return order


def _union(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct values of two ascending arrays, ascending."""
    # Two sorted runs: a stable sort merges them in linear time.
    both = np.sort(np.concatenate([a, b]), kind="stable")
    if len(both) > 1:
        both = both[np.concatenate(([True], both[1:] != both[:-1]))]
    return both


def _offsets(row_keys: NDArray[np.int64], keys: NDArray[np.int64]) -> NDArray[np.int64]:
    """Offsets of each group of `keys` in rows whose (ascending) keys are `row_keys`."""
    start = np.empty(len(keys) + 1, np.int64)
    start[:-1] = np.searchsorted(row_keys, keys, side="left")
    start[-1] = len(row_keys)
    return start


def group(
    gt: AnnotationColumns,
    dt: AnnotationColumns,
    settings: EvaluationSettings,
    row_filter: RowFilter | None = None,
) -> Grouped:
    """The rows of both sides evaluated under `settings` (and allowed by `row_filter`),
    group by group.

    Raises
    ------
    ValueError
        If the detections have no scores, or annotation ids are not numbers.
    """
    use_cats = settings.use_categories
    keep = row_filter or RowFilter()
    img_ids, cat_ids = settings.image_ids, settings.category_ids
    gt_rows, gt_keys = _select(gt, img_ids, cat_ids, use_cats, keep.ground_truth)
    dt_rows, dt_keys = _select(dt, img_ids, cat_ids, use_cats, keep.detections)
    if dt.score is None and len(dt):  # no detections need no scores
        raise ValueError(
            dt.score_error or "cocoDt holds no scores: create it with cocoGt.loadRes(...)"
        )
    keys = _union(gt_keys, dt_keys)
    return Grouped(
        keys=keys,
        dt_start=_offsets(dt_keys, keys),
        dt_rows=np.ascontiguousarray(dt_rows, dtype=np.int64),
        gt_start=_offsets(gt_keys, keys),
        gt_rows=np.ascontiguousarray(gt_rows, dtype=np.int64),
        dt_id=_as_float_ids(dt.id, "detection"),
        gt_id=_as_float_ids(gt.id, "ground-truth"),
    )
