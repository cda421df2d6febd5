"""What the report embeds for re-thresholding in the page, and the operating points.

Per-threshold counts
    On a grid of score thresholds (0, 0.01, ..., 1 and the report's own threshold; a
    wider linear grid when scores leave ``[0, 1]``) each class's true and false
    positives among the predictions scoring at or above the threshold, and, when it
    stays small, the confusion matrix at each threshold. The page reads them to
    recompute precision, recall, F1, TP/FP/FN, accuracy and the confusion matrix for a
    threshold chosen with a slider; the numbers equal the Python API's at that
    threshold (``==``: integer counts, and the page divides as Python does).

Operating points
    Per class, from the exact score curve (every distinct score, not the grid): the
    threshold of the best F1 and, for each minimum precision in
    :data:`MIN_PRECISIONS`, the threshold giving the highest recall at that precision
    or better (the highest such threshold when several give that recall).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MAX_CONFUSION_CELLS",
    "MIN_PRECISIONS",
    "at_or_above",
    "curve_points",
    "operating_points",
    "threshold_grid",
]

# Minimum precisions of the "highest recall with precision >= p" operating points.
MIN_PRECISIONS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)
# Per-threshold confusion matrices are embedded only while cells x thresholds stays
# below this (about 30 classes with the 101-point grid), to keep the page small.
MAX_CONFUSION_CELLS = 100_000


def threshold_grid(threshold: float | None, scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """0, 0.01, ..., 1 (each ``i / 100``, as the page would compute it), or 101
    evenly spaced values over the scores' range when it leaves ``[0, 1]``; the
    report's `threshold` added when it is not on the grid."""
    finite = scores[np.isfinite(scores)]
    low = min(0.0, float(finite.min())) if finite.size else 0.0
    high = max(1.0, float(finite.max())) if finite.size else 1.0
    if low == 0.0 and high == 1.0:
        grid = np.arange(101, dtype=np.float64) / 100
    else:
        grid = np.linspace(low, high, 101)
    if threshold is not None and math.isfinite(threshold):
        grid = np.union1d(grid, [float(threshold)])
    return grid


def at_or_above(
    scores: NDArray[np.float64],
    grid: NDArray[np.float64],
    groups: NDArray[np.intp] | None = None,
    n_groups: int = 1,
) -> NDArray[np.int64]:
    """Counts of `scores` >= each grid value, per group: shape (n_groups, len(grid)).

    `groups` (default: all in group 0) gives each score's group in ``[0, n_groups)``.
    """
    n_grid = len(grid)
    # Position of the largest grid value <= score (-1 below the grid): score >= grid[g]
    # exactly when g <= that position.
    where = np.searchsorted(grid, scores, side="right") - 1
    keep = where >= 0
    group = np.zeros(len(scores), np.intp) if groups is None else groups
    flat = group[keep] * n_grid + where[keep]
    hist = np.bincount(flat, minlength=n_groups * n_grid).reshape(n_groups, n_grid)
    counts: NDArray[np.int64] = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1].astype(np.int64)
    return counts


def curve_points(
    scores: NDArray[np.float64], is_tp: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Every distinct score (highest first) with the true and false positives at or
    above it."""
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    hit = is_tp[order]
    tp = np.cumsum(hit, dtype=np.int64)
    fp = np.cumsum(~hit, dtype=np.int64)
    last_of_tie = np.r_[s[1:] != s[:-1], True] if len(s) else np.empty(0, bool)
    return s[last_of_tie], tp[last_of_tie], fp[last_of_tie]


def _point(threshold: float, tp: int, fp: int, n_pos: int) -> dict[str, Any]:
    fn = n_pos - tp
    return {
        "threshold": threshold,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / n_pos if n_pos else None,
        "f1": 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def operating_points(
    thresholds: NDArray[np.float64],
    tp: NDArray[np.int64],
    fp: NDArray[np.int64],
    n_pos: int,
    min_precisions: Sequence[float] = MIN_PRECISIONS,
) -> dict[str, Any]:
    """The best-F1 point and the highest-recall point at each minimum precision.

    `thresholds` are distinct scores, highest first, with the cumulative `tp` and `fp`
    at or above each (see :func:`curve_points`); `n_pos` counts the positives. A point
    is ``{"threshold", "precision", "recall", "f1", "tp", "fp", "fn"}``, or None when
    no threshold qualifies (no positive, no prediction, or no precision that high).
    The best F1 is the first maximum, so ties go to the higher threshold.
    """
    keys = [f"{p:g}" for p in min_precisions]
    if n_pos == 0 or len(thresholds) == 0:
        return {"best-f1": None, "recall-at-precision": dict.fromkeys(keys)}
    f1 = np.where(tp > 0, 2 * tp / (2 * tp + fp + (n_pos - tp)), 0.0)
    best = int(np.argmax(f1))
    out: dict[str, Any] = {
        "best-f1": _point(float(thresholds[best]), int(tp[best]), int(fp[best]), n_pos)
    }
    precision = tp / (tp + fp)
    by_precision: dict[str, Any] = {}
    for key, p in zip(keys, min_precisions, strict=True):
        ok = np.flatnonzero((precision >= p) & (tp > 0))
        if ok.size == 0:
            by_precision[key] = None
            continue
        top = int(tp[ok].max())
        i = int(ok[np.argmax(tp[ok] == top)])  # highest threshold with that recall
        by_precision[key] = _point(float(thresholds[i]), int(tp[i]), int(fp[i]), n_pos)
    out["recall-at-precision"] = by_precision
    return out
