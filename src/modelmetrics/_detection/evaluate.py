"""COCO's per-image evaluation: greedy matching of every (category, image) group.

For each group the detections (at most ``max_detections[-1]``, highest score first)
are matched to the ground truths at every IoU threshold and area range, exactly as
pycocotools' ``evaluateImg`` does. The result is per *slot* (a kept detection) a match
code per area range and threshold, and per group the count of non-ignored ground
truths per area range: everything accumulation needs. Groups are split over threads in
parts of similar work; each group is independent, so the split changes nothing but speed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.parallel import get_num_threads, run_parallel
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.grouping import Grouped, RowFilter, group
from modelmetrics._detection.keypoints import Keypoints, oks_by_group
from modelmetrics._detection.settings import EvaluationSettings

__all__ = ["Evaluation", "MaskPair", "evaluate"]


class MaskPair(NamedTuple):
    """Both sides' masks, indexed like their annotation columns (``iouType="segm"``)."""

    detections: _kernels.MaskTable
    ground_truth: _kernels.MaskTable


@dataclass(frozen=True, eq=False)
class Evaluation:
    """What :func:`evaluate` leaves for accumulation: per-slot codes, per-group counts.

    Groups are the (category, image) pairs with an annotation, named by
    ``grouped.keys`` (category-major); slots are the kept detections of each group,
    highest score first. Codes: 0 false positive, 1 true positive, 2 ignored.
    """

    settings: EvaluationSettings
    slot_start: NDArray[np.int64]  # (n_groups + 1,) offsets of each group's slots
    slot_score: NDArray[np.float64]
    slot_det: NDArray[np.int64]  # row of each slot's detection in the result columns
    slot_rank: NDArray[np.int32]  # place of the slot in its group
    slot_image: NDArray[np.int64]  # image index of the slot's group
    slot_code: NDArray[np.uint8]  # (n_slots, A, T)
    group_npig: NDArray[np.int32]  # (n_groups, A) non-ignored ground truths
    group_nonempty: NDArray[np.uint8]  # whether the group has a gt or a detection
    grouped: Grouped
    # iouType "keypoints": the keypoints, and each group's OKS matrix (values, start).
    keypoints: Keypoints | None = None
    pair_ious: tuple[NDArray[np.float64], NDArray[np.int64]] | None = None
    row_filter: RowFilter | None = None

    @property
    def n_images(self) -> int:
        return self.settings.n_images

    @property
    def n_categories(self) -> int:
        return self.settings.n_categories

    def group_categories(self) -> NDArray[np.int64]:
        """The category index of each group."""
        categories: NDArray[np.int64] = self.grouped.keys // max(self.n_images, 1)
        return categories

    def group_images(self) -> NDArray[np.int64]:
        """The image index of each group."""
        images: NDArray[np.int64] = self.grouped.keys % max(self.n_images, 1)
        return images

    def group_index(self) -> dict[int, int]:
        """Each group's position by its key ``category_index * n_images + image_index``."""
        return {key: j for j, key in enumerate(self.grouped.keys.tolist())}

    def category_slot_start(self) -> NDArray[np.int64]:
        """Offsets of each category's slots (all its images together)."""
        first = np.searchsorted(self.group_categories(), np.arange(self.n_categories + 1))
        return np.ascontiguousarray(self.slot_start[first])

    def category_npig(self, image_weight: NDArray[np.int64] | None = None) -> NDArray[np.int64]:
        """Non-ignored ground truths per (category, area range), over all images, or
        over images weighted by `image_weight` (per image index: how often it counts)."""
        npig = np.zeros((self.n_categories, self.group_npig.shape[1]), np.int64)
        counts = self.group_npig.astype(np.int64)
        if image_weight is not None:
            counts *= image_weight[self.group_images()][:, None]
        np.add.at(npig, self.group_categories(), counts)
        return npig

    def category_has_records(
        self, image_weight: NDArray[np.int64] | None = None
    ) -> NDArray[np.bool_]:
        """Whether any image (with a non-zero `image_weight`) has a ground truth or
        detection of each category."""
        has = np.zeros(self.n_categories, bool)
        nonempty = self.group_nonempty.astype(bool)
        if image_weight is not None:
            nonempty &= image_weight[self.group_images()] > 0
        has[self.group_categories()[nonempty]] = True
        return has


def evaluate(
    gt: AnnotationColumns,
    dt: AnnotationColumns,
    settings: EvaluationSettings,
    masks: MaskPair | None = None,
    detail: tuple[Any, ...] | None = None,
    keypoints: Keypoints | None = None,
    row_filter: RowFilter | None = None,
) -> Evaluation:
    """Match `dt` to `gt` in every group of `settings`: box IoU, mask IoU when `masks`
    is given, object keypoint similarity when `keypoints` is.

    `detail`, when given, is a tuple of preallocated arrays the kernel also fills with
    pycocotools' per-record matches (for ``evalImgs``). `row_filter` leaves rows out
    of every group (LVIS's selection).
    """
    g = group(gt, dt, settings, row_filter)
    # group() checked that detections have scores; none are needed without detections.
    score = dt.score if dt.score is not None else np.empty(0, np.float64)
    n_img = settings.n_images
    n_groups = len(g.keys)
    iou_thr = np.ascontiguousarray(settings.iou_thresholds, dtype=np.float64)
    area_rng = np.ascontiguousarray(settings.area_ranges, dtype=np.float64).reshape(-1, 2)
    max_det = int(settings.max_detections[-1])
    if max_det >= len(g.dt_rows):
        slot_start = g.dt_start  # every detection kept (LVIS: no per-group limit)
    else:
        slot_start = np.zeros(n_groups + 1, np.int64)
        np.cumsum(np.minimum(np.diff(g.dt_start), max_det), out=slot_start[1:])
    n_slots = int(slot_start[-1])
    T, A = iou_thr.shape[0], area_rng.shape[0]
    slot_score = np.empty(n_slots, np.float64)
    slot_det = np.empty(n_slots, np.int64)
    slot_code = np.empty((n_slots, A, T), np.uint8)
    group_npig = np.zeros((n_groups, A), np.int32)
    group_nonempty = np.zeros(n_groups, np.uint8)
    run = partial(
        _kernels.coco_evaluate,
        iou_thr, area_rng, max_det,
        g.dt_start, g.dt_rows, dt.bbox, dt.area, score, g.dt_id,
        g.gt_start, g.gt_rows, gt.bbox, gt.area, g.gt_id, gt.crowd, gt.ignore,
        slot_start, slot_score, slot_det, slot_code, group_npig, group_nonempty,
    )  # fmt: skip
    dt_masks, gt_masks = masks if masks is not None else (None, None)
    pair_ious = None
    if keypoints is not None:
        pair_ious = oks_by_group(
            keypoints, g.gt_rows, g.gt_start, gt.bbox, gt.area,
            _kept_detections(g, score, max_det),
        )  # fmt: skip
    bounds = _balanced_bounds(g.dt_start, g.gt_start, n_groups, max_det)
    run_parallel(
        [
            partial(
                run, a, b, detail=detail, dt_masks=dt_masks, gt_masks=gt_masks,
                pair_ious=pair_ious,
            )
            for a, b in itertools.pairwise(bounds)
        ]
    )  # fmt: skip
    if len(bounds) > 2:
        _kernels.release_free_memory()  # the threads' scratch, in their own arenas
    slot_group = _slot_groups(slot_start, n_slots)
    slot_rank = (np.arange(n_slots, dtype=np.int64) - slot_start[slot_group]).astype(np.int32)
    return Evaluation(
        settings=settings,
        slot_start=slot_start,
        slot_score=slot_score,
        slot_det=slot_det,
        slot_rank=slot_rank,
        slot_image=g.keys[slot_group] % max(n_img, 1),
        slot_code=slot_code,
        group_npig=group_npig,
        group_nonempty=group_nonempty,
        grouped=g,
        keypoints=keypoints,
        pair_ious=pair_ious,
        row_filter=row_filter,
    )


def _slot_groups(slot_start: NDArray[np.int64], n_slots: int) -> NDArray[np.int64]:
    """The group of each slot."""
    n_groups = len(slot_start) - 1
    if n_groups > 4 * n_slots:
        # Mostly groups without detections: search, not one entry per group.
        found: NDArray[np.int64] = np.searchsorted(slot_start, np.arange(n_slots), side="right")
        return found - 1
    return np.repeat(np.arange(n_groups, dtype=np.int64), np.diff(slot_start))


def _kept_detections(
    g: Grouped, score: NDArray[np.float64], max_det: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per group with ground truth, its kept detections in slot order (highest score
    first, ties in group order: the kernel's order, and ``computeOks``'); none
    elsewhere, where no similarity is needed. Returns ``(start, rows)``: group ``k``'s
    detections are ``rows[start[k]:start[k + 1]]``."""
    n_groups = len(g.dt_start) - 1
    group_of = np.repeat(np.arange(n_groups, dtype=np.int64), np.diff(g.dt_start))
    # One stable sort for all groups: by group, then by descending score.
    order = np.lexsort((-score[g.dt_rows], group_of))
    rank = np.arange(len(order), dtype=np.int64) - g.dt_start[group_of]
    keep = (rank < max_det) & (np.diff(g.gt_start) > 0)[group_of]
    start = np.zeros(n_groups + 1, np.int64)
    np.cumsum(np.bincount(group_of[keep], minlength=n_groups), out=start[1:])
    rows: NDArray[np.int64] = g.dt_rows[order][keep]
    return start, rows


def _balanced_bounds(
    dt_start: NDArray[np.int64], gt_start: NDArray[np.int64], n_groups: int, max_det: int
) -> list[int]:
    """Group boundaries splitting the matching into parts of similar work.

    Groups are independent (each writes its own slots), so any cut gives the same
    result; cutting between any two groups, not only between categories, keeps one
    frequent class (COCO's person: a third of the objects) from becoming one thread's
    whole share. A group's work is about its IoU pairs plus its annotations.
    """
    parts = max(1, min(get_num_threads() * 4, n_groups))
    if parts == 1 or n_groups == 0:
        return [0, n_groups]
    return _kernels.balanced_bounds(dt_start, gt_start, max_det, parts)
