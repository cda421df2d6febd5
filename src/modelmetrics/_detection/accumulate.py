"""COCO's accumulation: precision/recall curves from the evaluated slots.

Per category, the kept detections of the selected images are sorted by score (stably,
in pycocotools' concatenation order) and the interpolated precision is sampled at the
recall thresholds, per area range and max-detections setting, in the ``accumulate``
kernel. Categories are independent tasks spread over threads; every task writes its
own slice of pycocotools' output layouts, so the result does not depend on the split.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.parallel import run_parallel
from modelmetrics._detection.evaluate import Evaluation
from modelmetrics._detection.settings import EvaluationSettings

__all__ = ["Curves", "accumulate", "accumulate_categories", "empty_curves"]


class Curves(NamedTuple):
    """pycocotools' ``eval["precision"]`` (T, R, K, A, M), ``eval["recall"]``
    (T, K, A, M) and ``eval["scores"]`` (T, R, K, A, M); -1 where undefined."""

    precision: NDArray[np.float64]
    recall: NDArray[np.float64]
    scores: NDArray[np.float64]


def empty_curves(T: int, R: int, K: int, A: int, M: int) -> Curves:
    """Curves of the given shape with every entry undefined (-1)."""
    return Curves(
        precision=np.full((T, R, K, A, M), -1.0),
        recall=np.full((T, K, A, M), -1.0),
        scores=np.full((T, R, K, A, M), -1.0),
    )


class CategorySlots(NamedTuple):
    """One category's task: its output index, its slots and ground-truth counts."""

    out_k: int
    first: int
    last: int
    npig: NDArray[np.int64]  # non-ignored ground truths per accumulated area range


def accumulate_categories(
    curves: Curves,
    categories: Sequence[CategorySlots],
    recall_thresholds: NDArray[np.float64],
    area_src: NDArray[np.int64],
    max_detections: NDArray[np.int64],
    slots: tuple[NDArray[np.float64], NDArray[np.int32], NDArray[np.uint8], NDArray[np.uint8]],
) -> None:
    """Fill `curves` for `categories`, one thread task each.

    `slots` is (score, rank, code, selected) per slot; `area_src` picks the evaluated
    area ranges written to the outputs' area axis, in order.
    """
    score, rank, code, selected = slots
    rec_thr = np.ascontiguousarray(recall_thresholds, dtype=np.float64)
    out_a = np.arange(len(area_src), dtype=np.int64)
    out_m = np.arange(len(max_detections), dtype=np.int64)
    run = partial(_kernels.coco_accumulate, rec_thr, area_src, out_a, max_detections, out_m)
    run_parallel(
        [
            partial(
                run,
                c.out_k,
                score,
                rank,
                code,
                selected,
                c.first,
                c.last,
                np.ascontiguousarray(c.npig),
                *curves,
            )
            for c in categories
        ]
    )


def accumulate(ev: Evaluation, requested: EvaluationSettings) -> Curves:
    """pycocotools' ``accumulate(p)`` of an evaluation, with `requested` as ``p``.

    As in pycocotools, ``p``'s categories, images, area ranges and max-detections
    settings select among the evaluated ones by value, and the output is laid out by
    ``p``'s lists.

    Raises
    ------
    ValueError
        If `requested` refers to positions the evaluation does not have.
    """
    pe = ev.settings
    T, R = len(requested.iou_thresholds), len(requested.recall_thresholds)
    K = len(requested.category_ids) if requested.use_categories else 1
    A, M = len(requested.area_ranges), len(requested.max_detections)
    curves = empty_curves(T, R, K, A, M)
    set_k = set(pe.accumulated_category_ids)
    set_m, set_i = set(pe.max_detections), set(pe.image_ids)
    set_a = {tuple(a) for a in pe.area_ranges}
    # pycocotools' index lists: positions in p's lists, used as evaluated indices.
    k_list = [n for n, k in enumerate(requested.category_ids) if k in set_k]
    m_list = [m for m in requested.max_detections if m in set_m]
    a_list = [n for n, a in enumerate(requested.area_ranges) if tuple(a) in set_a]
    i_list = [n for n, i in enumerate(requested.image_ids) if i in set_i]
    n_img, n_area_eval = ev.n_images, ev.group_npig.shape[1]
    if (
        any(k0 >= ev.n_categories for k0 in k_list)
        or any(i >= n_img for i in i_list)
        or any(a0 >= n_area_eval for a0 in a_list)
    ):
        raise ValueError("accumulate params do not match the evaluated params")
    if not k_list or not a_list or not m_list or not i_list:
        return curves
    images = np.asarray(i_list, dtype=np.int64)
    all_images = len(images) == n_img and bool(np.all(images == np.arange(n_img)))
    area_src = np.asarray(a_list, np.int64)
    # Non-ignored gt per (category, accumulated area) over the selected images (an image
    # listed twice counts twice, as its record does in pycocotools), and whether
    # pycocotools would find any per-image record for the category.
    if all_images:
        slot_selected = np.ones(len(ev.slot_score), np.uint8)
        weight = None
    else:
        weight = np.bincount(images, minlength=n_img).astype(np.int64)
        slot_selected = (weight > 0).astype(np.uint8)[ev.slot_image]
    npig = np.ascontiguousarray(ev.category_npig(weight)[:, area_src])
    has_records = ev.category_has_records(weight)
    slot_start = ev.category_slot_start()
    categories = [
        CategorySlots(k, int(slot_start[k0]), int(slot_start[k0 + 1]), npig[k0])
        for k, k0 in enumerate(k_list)
        if has_records[k0]  # no image has a gt or detection of this category: stays -1
    ]
    accumulate_categories(
        curves,
        categories,
        requested.recall_thresholds,
        area_src,
        np.asarray(m_list, np.int64),
        (ev.slot_score, ev.slot_rank, ev.slot_code, slot_selected),
    )
    return curves
