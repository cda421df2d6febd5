"""TIDE's AP and its "fixed" variants, as tidecv 1.0.1 computes them (``tidecv/ap.py``,
``TIDERun.fix_errors``), for every class at once.

tidecv's AP of a class: its data points sorted by score, descending and stable over the
order they were added; precision ``tp / (tp + fp)`` and recall ``tp / n_gt`` after each
point; precision made non-increasing from the right; then the mean, times 100, of the
precision at the first point whose recall reaches each of ``x / 100`` (``x`` in
0..100), 0 where none does. mAP is the mean over classes with a data point or a ground
truth (a class without ground truth counts as 0).

The order points were added decides ties of score, so it is kept: in the base AP,
image by image, each image's detections by score; in a fixed AP, the errors' points
first (in the same order), then the true positives. The class means are summed in the
order tidecv's dicts hold the classes, so the numbers are tidecv's, not just close.

The 101 precisions are read without a search: the first point with recall >= ``x`` is
the ``k``-th true positive for the smallest ``k`` with ``k / n_gt >= x``, where the
smoothed precision is the suffix maximum of the true positives' own precisions (a
false positive never raises it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from modelmetrics._analysis.tide_match import (
    BKG,
    BOTH,
    CLS,
    DUPE,
    LOC,
    Classified,
    score_order,
    stable_order,
)

__all__ = ["MAIN_ERRORS", "SPECIAL_ERRORS", "TideAps", "tide_aps"]

# tidecv's order and names of the error types (TIDE._error_types and short_name).
MAIN_ERRORS = ("Cls", "Loc", "Both", "Dupe", "Bkg", "Miss")
SPECIAL_ERRORS = ("FalsePos", "FalseNeg")
_CODES = {"Cls": CLS, "Loc": LOC, "Both": BOTH, "Dupe": DUPE, "Bkg": BKG}
_RECALLS = np.arange(101) / 100  # tidecv's x / 100, not np.linspace's values
_ABSENT = 2**62  # a class with no entry: after every position


@dataclass(frozen=True)
class TideAps:
    """The base mAP and the mAP with each error type fixed, in AP points."""

    ap: float
    fixed: dict[str, float]


def _suffix_max(q: NDArray[np.float64], seg: NDArray[np.int64], n_seg: int) -> NDArray[np.float64]:
    """Maximum of ``q[i:end of its segment]`` for every i (`seg` non-decreasing), exact:
    the running maximum of integer keys that rank segments first, then values."""
    if not len(q):
        return q
    values, rank = np.unique(q, return_inverse=True)
    offset = (n_seg - seg) * len(values)  # increasing along the reversed array
    running = np.maximum.accumulate((offset + rank)[::-1])[::-1]
    out: NDArray[np.float64] = values[running - offset]
    return out


def _first_recall_hits(n_gt: NDArray[np.int64]) -> NDArray[np.int64]:
    """Per class and recall point ``x``: the smallest ``k >= 0`` with ``k / n_gt >= x``
    in float64 (``n_gt > 0``), as tidecv's recall comparisons see it."""
    gt = n_gt.astype(np.float64)[:, None]
    k = np.ceil(_RECALLS[None, :] * gt)
    while True:  # the product may round across an integer: step to the exact answer
        down = (k >= 1) & ((k - 1) / gt >= _RECALLS)
        up = k / gt < _RECALLS
        if not (down.any() or up.any()):
            return k.astype(np.int64)
        k += up.astype(np.float64) - down.astype(np.float64)


def _mean_ap(
    c: NDArray[np.int64],
    t: NDArray[np.bool_],
    n_gt: NDArray[np.int64],
    class_order: NDArray[np.int64],
) -> float:
    """tidecv's mAP of points already in its AP order (class, then score descending,
    then the order they were added): their classes `c` and true-positive flags `t`,
    with `n_gt` ground truths per class; classes summed by ascending `class_order`."""
    n_cls = len(n_gt)
    n_points = np.bincount(c, minlength=n_cls)
    seg_start = np.zeros(n_cls, np.int64)
    np.cumsum(n_points[:-1], out=seg_start[1:])
    tp_at = np.flatnonzero(t)
    tp_cls = c[tp_at]
    n_tp = np.bincount(tp_cls, minlength=n_cls)
    tp_start = np.zeros(n_cls, np.int64)
    np.cumsum(n_tp[:-1], out=tp_start[1:])
    nth = np.arange(1, len(tp_at) + 1) - tp_start[tp_cls]
    smoothed = _suffix_max(nth / (tp_at - seg_start[tp_cls] + 1), tp_cls, n_cls)

    ap = np.zeros(n_cls)
    scored = np.flatnonzero(n_gt > 0)
    if len(scored) and len(smoothed):
        k = np.maximum(_first_recall_hits(n_gt[scored]), 1)  # recall 0: the first point
        reached = k <= n_tp[scored, None]
        at = np.minimum(tp_start[scored, None] + k - 1, len(smoothed) - 1)
        y = np.where(reached, smoothed[at], 0.0)
        ap[scored] = np.cumsum(y, axis=1)[:, -1] / len(_RECALLS) * 100  # sum() in order
    present = np.flatnonzero((n_points > 0) | (n_gt > 0))
    if not len(present):
        return 0.0  # nothing left to score (tidecv divides by zero)
    present = present[np.argsort(class_order[present], kind="stable")]
    return float(np.cumsum(ap[present])[-1] / len(present))


def _first_at(
    cls: NDArray[np.int64], at: NDArray[np.int64], n_cls: int, absent: int
) -> NDArray[np.int64]:
    """Smallest `at` of each class in `cls`; `absent` where it has none."""
    out = np.full(n_cls, absent, np.int64)
    np.minimum.at(out, cls, at)
    return out


def tide_aps(c: Classified) -> TideAps:
    """The base mAP and the mAP with each main and special error type fixed."""
    n_cls, n_det = c.n_classes, len(c.det_class)
    det = np.arange(n_det)
    tp = c.det_tp
    fp = ~tp & ~c.det_ignored  # the false positives in the AP: the errors' own points
    in_ap = tp | fp
    n_gt = np.bincount(c.gt_class, minlength=n_cls)

    # Point orders, as tidecv sorts its dicts: class, score descending, then the order
    # points were added: detections in order (base), or errors before true positives.
    by_score = score_order(c.det_score)
    base_perm = by_score[stable_order(c.det_class[by_score], n_cls)]
    sorted_score = c.det_score[by_score]
    tie = np.empty(n_det, np.int64)
    tie[by_score] = np.cumsum(np.r_[True, sorted_score[1:] != sorted_score[:-1]])
    errors_first = by_score[np.argsort(tp[by_score], kind="stable")]
    agnostic = errors_first[np.argsort(tie[errors_first], kind="stable")]  # merges 2 runs
    fixed_perm = agnostic[stable_order(c.det_class[agnostic], n_cls)]
    rank = np.empty(n_det, np.int64)
    rank[agnostic] = det

    # Class order of the base AP (tidecv's dict): by image, the image's ground truths,
    # then its detections in the AP; of a fixed AP: the errors' classes first.
    span = 2 * (max(n_det, len(c.gt_class)) + 1)
    gt_at = c.gt_image * span + np.arange(len(c.gt_class))
    det_at = c.det_image * span + span // 2 + det
    base_order = np.minimum(
        _first_at(c.gt_class, gt_at, n_cls, _ABSENT),
        _first_at(c.det_class[in_ap], det_at[in_ap], n_cls, _ABSENT),
    )

    # First error point of each class per error type (the false positives' own points).
    fps = np.flatnonzero(fp)
    first_fp = np.full((n_cls, BKG + 1), _ABSENT, np.int64)
    np.minimum.at(first_fp, (c.det_class[fps], c.det_error[fps]), fps)

    def fixed_order(code: int, moved: NDArray[np.int64]) -> NDArray[np.int64]:
        """A fixed AP's class order: the classes of its error points first (the other
        types' false positives and the `moved` fixed ones), then the base order."""
        first = np.delete(first_fp, code, axis=1).min(axis=1) if code else first_fp.min(axis=1)
        np.minimum.at(first, c.det_fix_class[moved], moved)
        return np.where(first < _ABSENT, first, n_det + base_order)

    sel = base_perm[in_ap[base_perm]]
    base = _mean_ap(c.det_class[sel], tp[sel], n_gt, base_order)

    # The fixed APs read the detections in fixed_perm's order: each is a selection.
    p_cls, p_tp, p_fp = c.det_class[fixed_perm], tp[fixed_perm], fp[fixed_perm]
    p_error, p_fixed = c.det_error[fixed_perm], c.det_fixed[fixed_perm]
    p_fix_class = c.det_fix_class[fixed_perm]
    fixed: dict[str, float] = {}
    for name in MAIN_ERRORS:
        code = _CODES.get(name, 0)  # 0 for Miss: no detection's error
        this = p_error == code if code else np.zeros(n_det, np.bool_)
        fixed_tp = this & p_fixed  # this type's errors that become true positives
        take = fixed_tp | (p_fp & ~this) | p_tp  # and other types' errors as they were
        cls_sorted, tp_sorted = p_cls[take], (p_tp | fixed_tp)[take]
        moved = fixed_tp & (p_fix_class != p_cls)  # Cls: to the truth's class
        if moved.any():
            stay = ~moved[take]
            cls_sorted, tp_sorted = cls_sorted[stay], tp_sorted[stay]
            go = fixed_perm[moved]
            key = np.sort(c.det_fix_class[go] * n_det + rank[go])
            at = np.searchsorted(cls_sorted * n_det + rank[fixed_perm[take][stay]], key)
            cls_sorted = np.insert(cls_sorted, at, key // n_det)
            tp_sorted = np.insert(tp_sorted, at, True)
        gt = n_gt
        if name == "Miss":
            gt = n_gt - np.bincount(c.gt_class[c.gt_missed], minlength=n_cls)
        order = fixed_order(code, np.flatnonzero(c.det_fixed & (c.det_error == code)))
        fixed[name] = _mean_ap(cls_sorted, tp_sorted, gt, order)
    special_order = fixed_order(0, np.empty(0, np.int64))
    in_ap_p = p_tp | p_fp
    n_tp_class = np.bincount(c.det_class[tp], minlength=n_cls)
    # FalsePos: false positives scored 0, true positives 1: each class's true
    # positives first, then its false positives.
    per_class = np.bincount(p_cls[in_ap_p], minlength=n_cls)
    cls_sorted = np.repeat(np.arange(n_cls), per_class)
    start = np.zeros(n_cls, np.int64)
    np.cumsum(per_class[:-1], out=start[1:])
    tp_first = np.arange(len(cls_sorted)) - start[cls_sorted] < n_tp_class[cls_sorted]
    fixed["FalsePos"] = _mean_ap(cls_sorted, tp_first, n_gt, special_order)
    # FalseNeg: every unmatched ground truth out of the count.
    used_gt = np.bincount(c.gt_class[c.gt_used], minlength=n_cls)
    fixed["FalseNeg"] = _mean_ap(p_cls[in_ap_p], p_tp[in_ap_p], used_gt, special_order)
    return TideAps(ap=base, fixed=fixed)
