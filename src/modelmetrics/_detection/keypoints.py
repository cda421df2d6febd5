"""Object keypoint similarity (OKS): the IoU of pycocotools' ``iouType="keypoints"``.

``COCOeval.computeOks`` compares every kept detection of an (image, category) group with
every ground truth of it: squared keypoint distances scaled by the per-keypoint
``(2 sigma)^2`` and the ground truth's area, ``exp(-e)`` averaged over the ground
truth's visible keypoints (over all of them, with distances to the box enlarged by its
size on each side, when none is visible). Here one group's detections are compared
with one ground truth at a time, in numpy, with pycocotools' operations in its order on
float64 values, so the similarities are ``==`` to its own (``np.exp`` is numpy's in
both; a row's sum over its keypoints is the same pairwise sum as ``np.sum`` of that
row). The matching engine then takes them as given IoUs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Keypoints", "keypoint_rows", "oks_by_group"]


@dataclass(frozen=True, eq=False)
class Keypoints:
    """Keypoints of both sides, one row per annotation column row: ``(x, y, v)`` triples
    flattened, as COCO stores them, and the per-keypoint sigmas."""

    ground_truth: NDArray[np.float64]  # (n_gt, 3 k)
    detections: NDArray[np.float64]  # (n_dt, 3 k)
    sigmas: NDArray[np.float64]  # (k,)
    # pycocotools' computeOks with useCats=0 looks its annotations up under category -1
    # and finds none: nothing matches (every similarity 0) and ``ious`` are all [].
    matches_none: bool = False


def keypoint_rows(anns: Sequence[dict[str, Any]], k: int, side: str) -> NDArray[np.float64]:
    """The ``keypoints`` of every annotation as an ``(n, 3 k)`` float64 array.

    Raises
    ------
    ValueError
        If an annotation has no ``keypoints`` list of ``3 k`` numbers (naming it).
    """
    try:  # one conversion for all (the usual case), else row by row for the error
        everything = [ann["keypoints"] for ann in anns]
        out = np.asarray(everything, dtype=np.float64) if anns else np.empty((0, 3 * k))
        if out.shape == (len(anns), 3 * k):
            return out
    except (TypeError, ValueError, KeyError):
        pass
    out = np.empty((len(anns), 3 * k), np.float64)
    for i, ann in enumerate(anns):
        values = ann.get("keypoints") if isinstance(ann, dict) else None
        try:
            row = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            row = None
        if row is None or row.shape != (3 * k,):
            raise ValueError(
                f"{side} annotation {i}: field 'keypoints' must be a list of {3 * k} numbers "
                f"(x, y, visibility for each of the {k} keypoints of params.kpt_oks_sigmas), "
                f"got {values!r:.80}"
            )
        out[i] = row
    return out


def oks_by_group(
    kp: Keypoints,
    gt_rows: NDArray[np.int64],
    gt_start: NDArray[np.int64],
    gt_bbox: NDArray[np.float64],
    gt_area: NDArray[np.float64],
    slot_det: list[NDArray[np.int64]],
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """pycocotools' ``computeOks`` for every group: ``(values, start)`` with group ``g``'s
    matrix (its kept detections ``slot_det[g]``, in slot order, by its ground truths in
    ``gt_rows`` order) at ``values[start[g]:start[g + 1]]``, row-major."""
    n_groups = len(gt_start) - 1
    sizes = np.array(
        [len(slot_det[g]) * (gt_start[g + 1] - gt_start[g]) for g in range(n_groups)], np.int64
    )
    start = np.zeros(n_groups + 1, np.int64)
    np.cumsum(sizes, out=start[1:])
    values = np.zeros(int(start[-1]), np.float64)
    if kp.matches_none:
        return values, start
    variances = (kp.sigmas * 2) ** 2
    k = len(kp.sigmas)
    for g in np.flatnonzero(sizes).tolist():
        dets = kp.detections[slot_det[g]]
        xd, yd = dets[:, 0::3], dets[:, 1::3]
        rows = gt_rows[gt_start[g] : gt_start[g + 1]]
        matrix = values[start[g] : start[g + 1]].reshape(len(dets), len(rows))
        for j, row in enumerate(rows.tolist()):
            truth = kp.ground_truth[row]
            xg, yg, vg = truth[0::3], truth[1::3], truth[2::3]
            visible = vg > 0
            if np.count_nonzero(visible) > 0:
                dx = xd - xg
                dy = yd - yg
            else:  # distances to the box enlarged by its size on every side
                bb = gt_bbox[row]
                x0, x1 = bb[0] - bb[2], bb[0] + bb[2] * 2
                y0, y1 = bb[1] - bb[3], bb[1] + bb[3] * 2
                z = np.zeros(k)
                dx = np.maximum(z, x0 - xd) + np.maximum(z, xd - x1)
                dy = np.maximum(z, y0 - yd) + np.maximum(z, yd - y1)
            e = (dx**2 + dy**2) / variances / (gt_area[row] + np.spacing(1)) / 2
            if np.count_nonzero(visible) > 0:
                e = np.ascontiguousarray(e[:, visible])
            matrix[:, j] = np.sum(np.exp(-e), axis=1) / e.shape[1]
    return values, start
