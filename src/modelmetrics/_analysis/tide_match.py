"""TIDE's matching and error classification of every image (``csrc/mm_tide.c``).

The rules are tidecv 1.0.1's (``tidecv/quantify.py``, ``tidecv/errors``), restated here
on the detection engine's columns:

* Per image, detections are sorted by score (descending, input order among ties) and the
  first ``max_detections`` kept, all classes together.
* Matching: in that order, each detection takes the unused ground truth of its class
  with the highest IoU (the first in input order among ties) when that IoU is at least
  the foreground threshold. Crowd annotations take no part in matching.
* An unmatched detection whose crowd IoU with a crowd annotation of its class is
  strictly above the foreground threshold is *ignored*: not in the AP, but still given
  an error type.
* Each unmatched or ignored detection gets exactly one error, tested in this order:
  ``Bkg`` when its image has no non-crowd ground truth; ``Loc`` when its highest IoU
  with a same-class ground truth (used or not) lies in ``[background, foreground]``;
  ``Cls`` when its highest IoU with a ground truth of another class is at least the
  foreground threshold; ``Dupe`` when its highest IoU with a used same-class ground
  truth is at least the foreground threshold; ``Bkg`` when its highest IoU with any
  ground truth is at most the background threshold; ``Both`` otherwise.
* A ``Loc`` or ``Cls`` error whose target ground truth is unused makes that ground truth
  *usable*; of the errors aiming at one ground truth, the first (highest score) whose
  score exceeds -1 is the one fixing it turns into a true positive.
* ``Miss``: every non-crowd ground truth neither matched nor usable.

Sorting and grouping are numpy operations on the columns; the per-image matching and
classification is one C kernel over image ranges, split over the kernels' threads
(images are independent), with the box IoUs computed in it (``mm_box_iou``, which is
pycocotools') and the mask IoUs computed before it by ``coco_mask_iou``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._core.parallel import get_num_threads, run_parallel
from modelmetrics._detection.evaluate import MaskPair

__all__ = [
    "BKG",
    "BOTH",
    "CLS",
    "DUPE",
    "LOC",
    "Classified",
    "TideColumns",
    "classify",
]

# A kept detection's error code (``MM_TIDE_*``); 0: a true positive.
CLS, LOC, BOTH, DUPE, BKG = 1, 2, 3, 4, 5


@dataclass(frozen=True, eq=False)
class TideColumns:
    """Both sides as TIDE reads them: image positions (tidecv's image order, -1 for an
    image it never visits), class codes, crowd flags and scores, plus what the IoU
    needs (boxes, or the mask tables)."""

    gt_image: NDArray[np.int64]
    gt_class: NDArray[np.int64]
    gt_crowd: NDArray[np.bool_]
    gt_box: NDArray[np.float64]
    dt_image: NDArray[np.int64]
    dt_class: NDArray[np.int64]
    dt_score: NDArray[np.float64]
    dt_box: NDArray[np.float64]
    n_images: int
    n_classes: int
    any_class: int  # code of the class id -1 (a crowd region of every class), else -1
    masks: MaskPair | None = None


@dataclass(frozen=True, eq=False)
class Classified:
    """Kept detections (tidecv's order) and non-crowd ground truths, classified.

    ``det_fixed`` marks the ``Cls``/``Loc`` errors that become true positives of class
    ``det_fix_class`` when their type is fixed.
    """

    det_class: NDArray[np.int64]
    det_score: NDArray[np.float64]
    det_image: NDArray[np.int64]
    det_tp: NDArray[np.bool_]
    det_ignored: NDArray[np.bool_]
    det_error: NDArray[np.uint8]
    det_fixed: NDArray[np.bool_]
    det_fix_class: NDArray[np.int64]
    gt_class: NDArray[np.int64]
    gt_image: NDArray[np.int64]
    gt_used: NDArray[np.bool_]
    gt_missed: NDArray[np.bool_]
    n_classes: int


def _offsets(image: NDArray[np.int64], n_images: int) -> NDArray[np.int64]:
    """Start of each image's run in `image` (sorted), and the end: ``n_images + 1``."""
    out = np.zeros(n_images + 1, np.int64)
    np.cumsum(np.bincount(image, minlength=n_images), out=out[1:])
    return out


def stable_order(keys: NDArray[np.int64], high: int) -> NDArray[np.int64]:
    """``np.argsort(keys, kind="stable")`` for integers in ``[0, high)``: numpy's radix
    sort, 16 bits at a time (least significant first)."""
    order = np.arange(len(keys))
    shift = 0
    while True:
        digit = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
        if high <= 1 << shift:
            return order


def score_order(score: NDArray[np.float64]) -> NDArray[np.int64]:
    """Stable order by descending score (ties in index order), by radix passes over the
    bits of the scores (``-0.0`` is ``0.0``, as tidecv compares them)."""
    bits = (score + 0.0).view(np.uint64)
    negative = (bits >> np.uint64(63)).astype(np.bool_)
    # Ascending order of these keys is descending order of the scores.
    keys = np.where(negative, bits, ~bits & np.uint64(0x7FFFFFFFFFFFFFFF))
    order = np.arange(len(score))
    for shift in range(0, 64, 16):
        digit = ((keys[order] >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
    return order


def _kept_detections(cols: TideColumns, max_det: int) -> NDArray[np.int64]:
    """Rows of the kept detections: by image, score descending, input order; at most
    `max_det` per image."""
    rows = np.flatnonzero(cols.dt_image >= 0)
    rows = rows[score_order(cols.dt_score[rows])]
    rows = rows[stable_order(cols.dt_image[rows], cols.n_images)]
    image = cols.dt_image[rows]
    rank = np.arange(len(rows)) - _offsets(image, cols.n_images)[image]
    kept: NDArray[np.int64] = rows[rank < max_det]
    return kept


def _ground_truth_rows(cols: TideColumns, crowd: bool) -> NDArray[np.int64]:
    """Rows of the (crowd or non-crowd) ground truths, by image, in input order."""
    rows = np.flatnonzero((cols.gt_image >= 0) & (cols.gt_crowd == crowd))
    out: NDArray[np.int64] = rows[stable_order(cols.gt_image[rows], cols.n_images)]
    return out


def _mask_blocks(
    masks: MaskPair,
    dt_rows: NDArray[np.int64],
    det_start: NDArray[np.int64],
    rows: NDArray[np.int64],
    start: NDArray[np.int64],
    crowd: bool,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Each image's detection x truth (or crowd) mask IoU block, row-major, and where it
    starts; split over threads (the blocks are independent)."""
    n_det, n_other = np.diff(det_start), np.diff(start)
    at = np.zeros(len(n_det) + 1, np.int64)
    np.cumsum(n_det * n_other, out=at[1:])
    out = np.empty(int(at[-1]))
    flags = np.full(len(rows), crowd, np.uint8)
    images = np.flatnonzero(n_det * n_other > 0).tolist()
    d_lo, d_hi = det_start.tolist(), det_start[1:].tolist()
    o_lo, o_hi = start.tolist(), start[1:].tolist()
    blocks = at.tolist()

    def run(first: int, last: int) -> None:
        for i in images[first:last]:
            block = out[blocks[i] : blocks[i + 1]].reshape(d_hi[i] - d_lo[i], o_hi[i] - o_lo[i])
            _kernels.coco_mask_iou(
                masks.detections, dt_rows[d_lo[i] : d_hi[i]], masks.ground_truth,
                rows[o_lo[i] : o_hi[i]], flags[o_lo[i] : o_hi[i]], block,
            )  # fmt: skip

    _split(run, len(images))
    return out, at[:-1]


def _split(run: Callable[[int, int], None], n: int) -> None:
    """``run(first, last)`` over ``range(n)`` in parts, on the kernels' threads."""
    threads = get_num_threads()
    if threads == 1 or n < 2:
        run(0, n)
        return
    parts = min(n, 4 * threads)
    cuts = [n * p // parts for p in range(parts + 1)]
    run_parallel([partial(run, a, b) for a, b in itertools.pairwise(cuts)])


def classify(cols: TideColumns, *, pos_thresh: float, bg_thresh: float, max_det: int) -> Classified:
    """Match, mark ignored detections, and give every false positive its error type
    (``mm_tide``), then find the usable and the missed ground truths."""
    n_img = cols.n_images
    dt_rows = _kept_detections(cols, max_det)
    gt_rows = _ground_truth_rows(cols, crowd=False)
    crowd_rows = _ground_truth_rows(cols, crowd=True)
    n_det, n_gt = len(dt_rows), len(gt_rows)
    det_image = cols.dt_image[dt_rows]
    det_class = cols.dt_class[dt_rows]
    det_score = cols.dt_score[dt_rows]
    gt_image = cols.gt_image[gt_rows]
    gt_class = cols.gt_class[gt_rows]
    det_start = _offsets(det_image, n_img)
    gt_start = _offsets(gt_image, n_img)
    crowd_start = _offsets(cols.gt_image[crowd_rows], n_img)

    empty_f, empty_i = np.empty(0), np.zeros(n_img, np.int64)
    boxes = cols.masks is None
    iou, iou_at, crowd_iou, crowd_at = empty_f, empty_i, empty_f, empty_i
    dt_box = gt_box = crowd_box = empty_f
    if cols.masks is None:
        dt_box = np.ascontiguousarray(cols.dt_box[dt_rows]).reshape(-1)
        gt_box = np.ascontiguousarray(cols.gt_box[gt_rows]).reshape(-1)
        crowd_box = np.ascontiguousarray(cols.gt_box[crowd_rows]).reshape(-1)
    else:
        iou, iou_at = _mask_blocks(cols.masks, dt_rows, det_start, gt_rows, gt_start, False)
        crowd_iou, crowd_at = _mask_blocks(
            cols.masks, dt_rows, det_start, crowd_rows, crowd_start, True
        )
    det_match = np.empty(n_det, np.int64)
    det_ignored = np.empty(n_det, np.uint8)
    error = np.empty(n_det, np.uint8)
    target = np.empty(n_det, np.int64)
    used = np.zeros(n_gt, np.uint8)
    any_class = cols.any_class

    def run(first: int, last: int) -> None:
        _kernels.tide_classify(
            det_start, det_class, gt_start, gt_class, crowd_start, cols.gt_class[crowd_rows],
            any_class, boxes, dt_box, gt_box, crowd_box, iou, iou_at, crowd_iou, crowd_at,
            pos_thresh, bg_thresh, first, last, det_match, det_ignored, error, target, used,
        )  # fmt: skip

    _split(run, n_img)
    gt_used = used.view(np.bool_)

    # Loc / Cls errors on an unused ground truth: it becomes usable; the first such
    # error (highest score) above -1 is the one a fix turns into a true positive.
    aims = np.flatnonzero(target >= 0)
    aims = aims[~gt_used[target[aims]]]
    gt_usable = np.zeros(n_gt, np.bool_)
    gt_usable[target[aims]] = True
    eligible = aims[det_score[aims] > -1]
    det_fixed = np.zeros(n_det, np.bool_)
    if len(eligible):
        _, first = np.unique(target[eligible], return_index=True)
        det_fixed[eligible[first]] = True
    fix_class = det_class.copy()
    is_cls = (error == CLS) & det_fixed
    fix_class[is_cls] = gt_class[target[is_cls]]
    return Classified(
        det_class=det_class,
        det_score=det_score,
        det_image=det_image,
        det_tp=det_match >= 0,
        det_ignored=det_ignored.view(np.bool_),
        det_error=error,
        det_fixed=det_fixed,
        det_fix_class=fix_class,
        gt_class=gt_class,
        gt_image=gt_image,
        gt_used=gt_used,
        gt_missed=~gt_used & ~gt_usable,
        n_classes=cols.n_classes,
    )
