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

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.parallel import get_num_threads, run_parallel

__all__ = [
    "COCO_PERSON_KEYPOINTS",
    "KEYPOINT_AREA_LABELS",
    "KEYPOINT_AREA_RANGES",
    "Keypoints",
    "coco_person_sigmas",
    "keypoint_rows",
    "oks_by_group",
]

# pycocotools' keypoint area ranges: no "small", as COCO labels no keypoints on people
# under 32 x 32 pixels.
KEYPOINT_AREA_RANGES: tuple[tuple[float, float], ...] = (
    (0**2, 1e5**2),
    (32**2, 96**2),
    (96**2, 1e5**2),
)
KEYPOINT_AREA_LABELS: tuple[str, ...] = ("all", "medium", "large")

# The 17 keypoints of COCO's person category, in the order of its sigmas.
COCO_PERSON_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip


def coco_person_sigmas() -> NDArray[np.float64]:
    """pycocotools' default ``kpt_oks_sigmas``, COCO's person keypoints (a new array each
    call)."""
    # pycocotools' own expression: the sigmas must be bit-equal to its.
    tenths = [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07,
              0.87, 0.87, 0.89, 0.89]  # fmt: skip
    return np.array(tenths) / 10.0


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


def keypoint_rows(
    anns: Sequence[dict[str, Any]], k: int, side: str, sigmas_name: str = "params.kpt_oks_sigmas"
) -> NDArray[np.float64]:
    """The ``keypoints`` of every annotation as an ``(n, 3 k)`` float64 array (`k` is the
    length of the sigmas, named `sigmas_name` in the error).

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
                f"(x, y, visibility for each of the {k} keypoints of {sigmas_name}), "
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
    kept: tuple[NDArray[np.int64], NDArray[np.int64]],
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """pycocotools' ``computeOks`` for every group: ``(values, start)`` with group ``g``'s
    matrix (its kept detections ``rows[kept_start[g]:kept_start[g + 1]]`` of
    ``kept = (kept_start, rows)``, in slot order, by its ground truths in ``gt_rows``
    order) at ``values[start[g]:start[g + 1]]``, row-major.

    The terms ``-e`` are computed on threads, ``np.exp`` applied to them in parts on
    threads (numpy's exponential, as in pycocotools), then averaged on threads."""
    n_groups = len(gt_start) - 1
    kept_start, kept_rows = kept
    n_kept = np.diff(kept_start)
    n_gt = np.diff(gt_start)
    start = np.zeros(n_groups + 1, np.int64)
    np.cumsum(n_kept * n_gt, out=start[1:])
    values = np.zeros(int(start[-1]), np.float64)
    if kp.matches_none or not len(values):
        return values, start
    k = len(kp.sigmas)
    visible = np.count_nonzero(kp.ground_truth[:, 2::3] > 0, axis=1)
    gt_terms = np.where(visible > 0, visible, k).astype(np.int64)
    # Terms per group: each ground truth's count, times the kept detections.
    per_gt = np.concatenate([[0], np.cumsum(gt_terms[gt_rows])])
    group_terms = per_gt[gt_start[1:]] - per_gt[gt_start[:-1]]
    term_start = np.zeros(n_groups + 1, np.int64)
    np.cumsum(np.where(n_gt > 0, n_kept * group_terms, 0), out=term_start[1:])
    oks = _kernels.OksGroups(
        np.ascontiguousarray((kp.sigmas * 2) ** 2, dtype=np.float64),
        np.ascontiguousarray(kp.ground_truth), np.ascontiguousarray(gt_bbox),
        np.ascontiguousarray(gt_area, dtype=np.float64), gt_terms,
        np.ascontiguousarray(kp.detections), gt_start, np.ascontiguousarray(gt_rows),
        kept_start, kept_rows, term_start, start,
    )  # fmt: skip
    terms = np.empty(int(term_start[-1]), np.float64)
    bounds = _even_cuts(term_start, get_num_threads())
    run_parallel([partial(oks.terms, terms, a, b) for a, b in itertools.pairwise(bounds)])
    cuts = np.linspace(0, len(terms), len(bounds)).astype(np.int64).tolist()
    run_parallel([partial(np.exp, terms[a:b], out=terms[a:b]) for a, b in itertools.pairwise(cuts)])
    run_parallel(
        [partial(oks.similarity, terms, values, a, b) for a, b in itertools.pairwise(bounds)]
    )
    return values, start


def _even_cuts(offsets: NDArray[np.int64], threads: int) -> list[int]:
    """Group boundaries splitting `offsets`' total into about 4 parts per thread."""
    n = len(offsets) - 1
    parts = max(1, min(4 * threads, n)) if threads > 1 else 1
    targets = np.linspace(0, offsets[-1], parts + 1)[1:-1]
    cuts = np.searchsorted(offsets, targets).tolist()
    return sorted({0, n, *(c for c in cuts if 0 < c < n)})
