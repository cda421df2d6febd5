"""Score-based (ranking) classification metrics with scikit-learn's exact results.

``roc_curve``, ``precision_recall_curve``, ``roc_auc_score`` and
``average_precision_score`` return what scikit-learn 1.9 returns, bit for bit: same
values, shapes, dtypes, Python types, thresholds and warnings. The expensive part runs
in compiled, GIL-free code: scores become order-preserving integer keys, each class is
radix-sorted stably (blocks of the input on separate threads, then merged), and one
walk over the sorted keys yields the per-threshold totals, which scikit-learn's
cumulative sums hold, or directly the ROC AUC and average precision, summed in
numpy's pairwise order. The multilabel and multiclass cases build on the binary
kernels with scikit-learn's own averaging expressions.

Deliberate differences: negative sample weights are rejected (``ValueError``), as are
empty inputs and, for multilabel targets, scores whose shape differs from the targets.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import combinations, pairwise
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics import _kernels
from modelmetrics._classification.radix import sort_keys
from modelmetrics._classification.targets import as_label_array, type_of_target, unique_values
from modelmetrics._core.arrays import (
    as_array,
    check_consistent_length,
    check_finite,
    check_sample_weight,
    column_or_1d,
    num_samples,
)
from modelmetrics._core.checks import (
    check_bool,
    check_max_fpr,
    check_option,
    check_real,
    check_that,
)
from modelmetrics._core.parallel import get_num_threads, run_parallel
from modelmetrics.exceptions import UndefinedMetricWarning

__all__ = [
    "ThresholdAccuracy",
    "accuracy_at_threshold",
    "average_precision_score",
    "precision_recall_curve",
    "roc_auc_score",
    "roc_curve",
]

Average = Literal["micro", "macro", "samples", "weighted"]
MultiClass = Literal["raise", "ovr", "ovo"]
PosLabel = int | float | bool | str

_AVERAGES = ("micro", "macro", "samples", "weighted", None)
_MULTI_CLASS = ("raise", "ovr", "ovo")
_F64 = NDArray[np.float64]

_ONE_CLASS_AUC = "Only one class is present in y_true. ROC AUC score is not defined in that case."
_NO_POSITIVE_PR = "No positive class found in y_true, recall is set to one for all thresholds."


# --------------------------------------------------------------------------------------
# Parameter checks


def _check_pos_label(pos_label: object, *, allow_none: bool) -> None:
    check_that(
        (pos_label is None and allow_none) or isinstance(pos_label, numbers.Real | str | np.bool_),
        "pos_label",
        "an int, a float, a bool or a str" + (" or None" if allow_none else ""),
        pos_label,
    )


# --------------------------------------------------------------------------------------
# Input conversion


def _score_array(
    name: str, value: ArrayLike, *, non_numeric: type[Exception] = TypeError
) -> tuple[NDArray[Any], np.dtype[Any]]:
    """Scores as a numeric array, and the dtype scikit-learn keeps for thresholds.

    Object arrays become float64 (their thresholds stay object, as in scikit-learn).
    """
    arr = as_array(name, value)
    dtype = arr.dtype
    if dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise non_numeric(f"{name} must hold numbers: {exc}") from exc
    elif dtype.kind not in "biuf":
        raise non_numeric(f"{name} must hold numbers, got an array of dtype {dtype}")
    elif dtype.kind == "f" and dtype.itemsize > 8:
        raise TypeError(f"{name}: {dtype} scores are not supported; convert them to float64")
    return arr, dtype


def _kernel_scores(scores: NDArray[Any]) -> NDArray[Any]:
    """The scores in one of the four dtypes the kernels sort, without changing order."""
    if scores.dtype in (np.float64, np.float32, np.int64, np.uint64):
        return np.ascontiguousarray(scores)
    if scores.dtype.kind == "f":  # float16
        return scores.astype(np.float32)
    return scores.astype(np.int64)  # bool and integers of 32 bits or fewer


def _weights_1d(sample_weight: ArrayLike | None) -> NDArray[Any] | None:
    """Sample weights as given (dtype kept), accepting a single column."""
    if sample_weight is None:
        return None
    w = as_array("sample_weight", sample_weight)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]
    return w


def _positive_weights(sample_weight: NDArray[Any] | None, n_samples: int) -> _F64 | None:
    """Validated weights (finite, non-negative, not all zero) as float64, the dtype of
    scikit-learn's cumulative sums."""
    w = check_sample_weight(sample_weight, n_samples)
    return None if w is None else np.ascontiguousarray(w, dtype=np.float64)


def _resolve_pos_label(pos_label: PosLabel | None, classes: NDArray[Any]) -> PosLabel:
    """scikit-learn's rule: without pos_label, y_true must be in {0, 1} or {-1, 1}."""
    if pos_label is not None:
        return pos_label
    if (
        classes.dtype.kind in "OUS"
        or classes.shape[0] > 2
        or not any(
            np.all(classes == np.asarray(allowed)) for allowed in ([0, 1], [-1, 1], [0], [-1], [1])
        )
    ):
        listed = ", ".join(repr(c) for c in classes.tolist())
        raise ValueError(
            f"y_true takes value in {{{listed}}} and pos_label is not specified: either "
            "make y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly."
        )
    return 1


# --------------------------------------------------------------------------------------
# The binary curve


@dataclass(frozen=True)
class _Binary:
    """Validated binary inputs: positive mask, kernel scores, float64 weights."""

    is_pos: NDArray[np.bool_]
    scores: NDArray[Any]
    weights: _F64 | None
    thresholds_dtype: np.dtype[Any]


@dataclass(frozen=True)
class _Runs:
    """Descending keys of each class, sorted, with their weights (None when
    unweighted); the kernels also accept several runs per class (input blocks, in
    order)."""

    pos: list[NDArray[np.uint64]]
    neg: list[NDArray[np.uint64]]
    pos_weights: list[_F64] | None
    neg_weights: list[_F64] | None
    last_zero: int  # 0: no zero score; 1: the last one is 0.0; 2: it is -0.0

    def pos_count(self) -> int:
        return sum(r.shape[0] for r in self.pos)

    def neg_count(self) -> int:
        return sum(r.shape[0] for r in self.neg)


@dataclass(frozen=True)
class _Curve:
    """scikit-learn's per-threshold totals: ``fps``/``tps`` at each distinct score,
    scores decreasing, and the sort keys of those scores (empty when not asked for)."""

    fps: _F64
    tps: _F64
    keys: NDArray[np.uint64]
    negative_zero: bool  # a zero threshold is -0.0 (the last zero in sample order)


# Blocks smaller than this are not worth a thread.
_MIN_BLOCK = 1 << 18


def _block_edges(n: int) -> list[tuple[int, int]]:
    n_blocks = max(1, min(get_num_threads(), _kernels.max_runs(), n // _MIN_BLOCK))
    return list(pairwise(n * b // n_blocks for b in range(n_blocks + 1)))


def _sort_block(
    scores: NDArray[Any], is_pos: NDArray[np.uint8], weights: _F64 | None
) -> tuple[Any, ...]:
    """Split one block by class into descending keys and sort each class (stably)."""
    if weights is None:
        n_pos = int(np.count_nonzero(is_pos))
        pos = np.empty(n_pos + 1, np.uint64)
        neg = np.empty(scores.shape[0] - n_pos + 1, np.uint64)
        p, q, last_zero = _kernels.split_by_label(scores, is_pos, pos, neg)
        pos_keys, _ = sort_keys(pos[:p])
        neg_keys, _ = sort_keys(neg[:q])
        return pos_keys, None, neg_keys, None, last_zero
    nonzero = weights != 0
    n_pos = int(np.count_nonzero(nonzero & is_pos.view(np.bool_)))
    n_neg = int(np.count_nonzero(nonzero)) - n_pos
    pos, pos_w = np.empty(n_pos + 1, np.uint64), np.empty(n_pos + 1)
    neg, neg_w = np.empty(n_neg + 1, np.uint64), np.empty(n_neg + 1)
    p, q, last_zero = _kernels.split_by_label_weighted(
        scores, is_pos, weights, pos, pos_w, neg, neg_w
    )
    pos_keys, pos_bits = sort_keys(pos[:p], pos_w[:p].view(np.uint64))
    neg_keys, neg_bits = sort_keys(neg[:q], neg_w[:q].view(np.uint64))
    return (
        pos_keys,
        cast(NDArray[np.uint64], pos_bits).view(np.float64),
        neg_keys,
        cast(NDArray[np.uint64], neg_bits).view(np.float64),
        last_zero,
    )


_NO_VALUES = np.empty(0, np.uint64)


def _merge_pairs(
    keys: list[NDArray[np.uint64]], weights: list[_F64] | None, tasks: list[Callable[[], None]]
) -> tuple[list[NDArray[np.uint64]], list[_F64] | None]:
    """Queue stable merges of neighbouring runs (the earlier block's ties first)."""
    out_keys: list[NDArray[np.uint64]] = []
    out_weights: list[_F64] = []
    for r in range(0, len(keys), 2):
        if r + 1 == len(keys):
            out_keys.append(keys[r])
            if weights is not None:
                out_weights.append(weights[r])
            continue
        merged = np.empty(keys[r].shape[0] + keys[r + 1].shape[0], np.uint64)
        merged_w = np.empty(merged.shape[0] if weights is not None else 0)
        a_w, b_w = (
            (weights[r].view(np.uint64), weights[r + 1].view(np.uint64))
            if weights is not None
            else (_NO_VALUES, _NO_VALUES)
        )
        tasks.append(
            partial(
                _kernels.merge_runs,
                keys[r],
                a_w,
                keys[r + 1],
                b_w,
                merged,
                merged_w.view(np.uint64),
            )
        )
        out_keys.append(merged)
        out_weights.append(merged_w)
    return out_keys, None if weights is None else out_weights


def _sorted_runs(data: _Binary) -> _Runs:
    """Sort the samples of each class by decreasing score, ties in sample order.

    Blocks of the input are split and sorted on separate threads, then each class's
    blocks are merged pairwise (ties from the earlier block first, so the result is
    the one stable sort of everything, whatever the number of blocks).
    """
    is_pos = np.ascontiguousarray(data.is_pos).view(np.uint8)
    w = data.weights
    blocks = _block_edges(data.scores.shape[0])
    results = run_parallel(
        [
            partial(_sort_block, data.scores[lo:hi], is_pos[lo:hi], None if w is None else w[lo:hi])
            for lo, hi in blocks
        ],
        len(blocks),
    )
    pos: list[NDArray[np.uint64]] = [r[0] for r in results]
    neg: list[NDArray[np.uint64]] = [r[2] for r in results]
    pos_w = None if w is None else [r[1] for r in results]
    neg_w = None if w is None else [r[3] for r in results]
    while len(pos) > 1:
        tasks: list[Callable[[], None]] = []
        pos, pos_w = _merge_pairs(pos, pos_w, tasks)
        neg, neg_w = _merge_pairs(neg, neg_w, tasks)
        run_parallel(tasks, len(blocks))
    return _Runs(
        pos=pos,
        neg=neg,
        pos_weights=pos_w,
        neg_weights=neg_w,
        last_zero=next((r[4] for r in reversed(results) if r[4]), 0),
    )


def _shrink(a: NDArray[Any], m: int) -> NDArray[Any]:
    """First `m` items of a freshly allocated buffer, giving the rest back."""
    if m < a.shape[0]:
        a.resize((m,), refcheck=False)  # nothing else refers to the buffer
    return a


def _binary_curve(data: _Binary, *, with_keys: bool, runs: _Runs | None = None) -> _Curve:
    """scikit-learn's cumulative totals at each distinct score (decreasing)."""
    if runs is None:
        runs = _sorted_runs(data)
    cap = runs.pos_count() + runs.neg_count()
    tps, fps = np.empty(cap), np.empty(cap)
    keys = np.empty(cap if with_keys else 0, np.uint64)
    m = _kernels.curve(runs.pos, runs.pos_weights, runs.neg, runs.neg_weights, tps, fps, keys)
    return _Curve(
        _shrink(fps, m),
        _shrink(tps, m),
        _shrink(keys, m) if with_keys else keys,
        runs.last_zero == 2,
    )


def _thresholds(data: _Binary, curve: _Curve, keys: NDArray[np.uint64]) -> NDArray[Any]:
    """The scores whose keys are `keys`, in the dtype scikit-learn reports."""
    values = np.empty(keys.shape[0], data.scores.dtype)
    _kernels.decode_desc_keys(keys, values, curve.negative_zero)
    return values.astype(data.thresholds_dtype, copy=False)


def _binary_targets(
    y_true: ArrayLike, pos_label: PosLabel | None
) -> tuple[NDArray[Any], NDArray[np.bool_]]:
    """Validate binary targets (scikit-learn's rules) and mark the positive class."""
    yt = as_label_array("y_true", y_true)
    if num_samples("y_true", yt) == 0:
        raise ValueError("y_true is empty: at least one sample is needed")
    classes = unique_values(yt)
    y_type = type_of_target(yt, "y_true", uniques=classes)
    if not (y_type == "binary" or (y_type == "multiclass" and pos_label is not None)):
        raise ValueError(f"{y_type} format is not supported (y_true)")
    return yt, _equals(yt, _resolve_pos_label(pos_label, classes))


def _equals(y: NDArray[Any], label: object) -> NDArray[np.bool_]:
    equal = y == label
    if np.ndim(equal) == 0:  # a comparison without elementwise meaning: nothing matches
        return np.full(y.shape, bool(equal))
    return np.asarray(equal, dtype=bool)


def _binary_inputs(
    y_true: NDArray[Any],
    is_pos: NDArray[np.bool_],
    y_score: ArrayLike,
    sample_weight: ArrayLike | None,
) -> _Binary:
    """The rest of scikit-learn's ``confusion_matrix_at_thresholds`` checks."""
    ys, thresholds_dtype = _score_array("y_score", y_score)
    sw = _weights_1d(sample_weight)
    n = check_consistent_length(y_true=y_true, y_score=ys, sample_weight=sw)
    is_pos = column_or_1d("y_true", is_pos)
    ys = column_or_1d("y_score", ys)
    if n == 0:
        raise ValueError("y_true is empty: at least one sample is needed")
    check_finite("y_score", ys)
    return _Binary(is_pos, _kernel_scores(ys), _positive_weights(sw, n), thresholds_dtype)


def _prepare_binary(
    y_true: ArrayLike,
    y_score: ArrayLike,
    pos_label: PosLabel | None,
    sample_weight: ArrayLike | None,
) -> _Binary:
    yt, is_pos = _binary_targets(y_true, pos_label)
    return _binary_inputs(yt, is_pos, y_score, sample_weight)


def _roc_arrays(curve: _Curve, drop_intermediate: bool) -> tuple[_F64, _F64, NDArray[np.uint64]]:
    """roc_curve's rates after the drop_intermediate filter, with the kept keys."""
    m = curve.tps.shape[0]
    no_negative, no_positive = bool(curve.fps[-1] <= 0), bool(curve.tps[-1] <= 0)
    fpr, tpr = np.empty(m + 1), np.empty(m + 1)
    kept = np.empty(m if curve.keys.shape[0] else 0, np.uint64)
    k = _kernels.roc_curve_points(
        curve.tps,
        curve.fps,
        curve.keys,
        drop_intermediate,
        not no_negative,
        not no_positive,
        fpr,
        tpr,
        kept,
    )
    fpr, tpr = _shrink(fpr, k), _shrink(tpr, k)
    if no_negative:
        warnings.warn(
            "No negative samples in y_true, false positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        fpr = np.full(k, np.nan)
    if no_positive:
        warnings.warn(
            "No positive samples in y_true, true positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        tpr = np.full(k, np.nan)
    return fpr, tpr, kept[: k - 1]


def _pr_arrays(curve: _Curve, drop_intermediate: bool) -> tuple[_F64, _F64, NDArray[np.uint64]]:
    """precision_recall_curve's arrays, with the kept keys (increasing thresholds)."""
    m = curve.tps.shape[0]
    if curve.tps[-1] == 0:
        warnings.warn(_NO_POSITIVE_PR, UserWarning, stacklevel=3)
    precision, recall = np.empty(m + 1), np.empty(m + 1)
    kept = np.empty(m if curve.keys.shape[0] else 0, np.uint64)
    k = _kernels.pr_curve_points(
        curve.tps, curve.fps, curve.keys, drop_intermediate, precision, recall, kept
    )
    return _shrink(precision, k + 1), _shrink(recall, k + 1), kept[:k]


def _trapezoid_auc(x: _F64, y: _F64) -> float:
    """scikit-learn's ``auc`` on a curve it built itself."""
    if x.shape[0] < 2:
        raise ValueError(
            f"At least 2 points are needed to compute area under curve, but x.shape = {x.shape[0]}"
        )
    dx = np.diff(x)
    direction = 1
    if np.any(dx < 0):
        if np.all(dx <= 0):
            direction = -1
        else:
            raise ValueError(f"x is neither increasing nor decreasing : {x}.")
    area = np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0)
    return float(direction * area)


# --------------------------------------------------------------------------------------
# Binary metrics (also the per-column metrics of the averaged cases)


def _roc_auc_of(data: _Binary, max_fpr: float | None) -> float:
    """scikit-learn's ``_binary_roc_auc_score`` after its one-class check."""
    full = max_fpr is None or max_fpr == 1
    runs = _sorted_runs(data)
    if full and data.weights is None and runs.pos_count() and runs.neg_count():
        return _kernels.roc_auc_runs(runs.pos, runs.neg, True)
    curve = _binary_curve(data, with_keys=False, runs=runs)
    if full and curve.tps[-1] > 0 and curve.fps[-1] > 0:
        return _kernels.roc_auc_from_curve(curve.tps, curve.fps, True)
    fpr, tpr, _ = _roc_arrays(curve, True)
    if max_fpr is None or max_fpr == 1:
        return _trapezoid_auc(fpr, tpr)  # NaN: a class has no weight (after a warning)
    # Add a single point at max_fpr by linear interpolation, then McClish's correction
    # (0.5 for a non-discriminant score, 1 for a perfect one).
    stop = np.searchsorted(fpr, max_fpr, "right")
    x_interp = [fpr[stop - 1], fpr[stop]]
    y_interp = [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    partial_auc = _trapezoid_auc(fpr, tpr)
    min_area = 0.5 * max_fpr**2
    max_area = max_fpr
    return 0.5 * (1 + (partial_auc - min_area) / (max_area - min_area))


def _binary_roc_auc(
    y_true: NDArray[Any],
    y_score: NDArray[Any],
    sample_weight: NDArray[Any] | None = None,
    max_fpr: float | None = None,
) -> float:
    if unique_values(y_true).shape[0] != 2:
        warnings.warn(_ONE_CLASS_AUC, UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    return _roc_auc_of(_prepare_binary(y_true, y_score, None, sample_weight), max_fpr)


def _average_precision_of(data: _Binary) -> float:
    runs = _sorted_runs(data)
    if data.weights is None and runs.pos_count():
        return _kernels.average_precision_runs(runs.pos, runs.neg)
    curve = _binary_curve(data, with_keys=False, runs=runs)
    if curve.tps[-1] > 0:
        return _kernels.average_precision_from_curve(curve.tps, curve.fps)
    precision, recall, _ = _pr_arrays(curve, False)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def _binary_average_precision(
    y_true: NDArray[Any],
    y_score: NDArray[Any],
    sample_weight: NDArray[Any] | None = None,
    pos_label: PosLabel = 1,
) -> float:
    return _average_precision_of(_prepare_binary(y_true, y_score, pos_label, sample_weight))


_BinaryMetric = Callable[[NDArray[Any], NDArray[Any], NDArray[Any] | None], float]


def _score_matrix(name: str, value: NDArray[Any]) -> NDArray[Any]:
    """A 2-D numeric, finite array (scikit-learn's ``check_array`` defaults)."""
    if value.ndim != 2:
        raise ValueError(
            f"{name}: expected a 2D array of shape (n_samples, n_classes), got an array "
            f"of shape {value.shape} instead."
        )
    if value.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got an array of dtype {value.dtype}")
    check_finite(name, value)
    return value


def _average_binary_score(
    metric: _BinaryMetric,
    y_true: NDArray[Any],
    y_score: NDArray[Any],
    average: Average | None,
    sample_weight: NDArray[Any] | None,
) -> float | _F64:
    """scikit-learn's ``_average_binary_score``: one binary metric per column (or per
    sample), then averaged. `sample_weight` keeps the caller's dtype: the averaging
    weights are computed in it, as scikit-learn does."""
    y_type = type_of_target(y_true, "y_true")
    if y_type not in ("binary", "multilabel-indicator"):
        raise ValueError(f"{y_type} format is not supported (y_true)")
    if y_type == "binary":
        return metric(y_true, y_score, sample_weight)
    check_consistent_length(y_true=y_true, y_score=y_score, sample_weight=sample_weight)
    y_true = _score_matrix("y_true", y_true)
    y_score = _score_matrix("y_score", y_score)
    if y_score.shape != y_true.shape:
        raise ValueError(
            f"y_score must have the shape of the multilabel y_true {y_true.shape}, "
            f"got {y_score.shape}"
        )
    axis = 1
    score_weight = sample_weight
    average_weight = None
    if average == "micro":
        if score_weight is not None:
            score_weight = np.repeat(score_weight, y_true.shape[1])
        y_true = np.ravel(y_true)[:, None]
        y_score = np.ravel(y_score)[:, None]
    elif average == "weighted":
        if score_weight is not None:
            y_true = np.asarray(y_true, dtype=score_weight.dtype)
            average_weight = np.sum(np.multiply(y_true, score_weight.reshape(-1, 1)), axis=0)
        else:
            average_weight = np.sum(y_true, axis=0)
        if np.isclose(np.sum(average_weight), 0):
            return 0  # scikit-learn returns the int 0 here
    elif average == "samples":
        average_weight, score_weight = score_weight, None
        axis = 0
    n_scores = y_score.shape[axis]
    score = np.zeros((n_scores,))
    for c in range(n_scores):
        y_true_c = np.ascontiguousarray(np.take(y_true, c, axis=axis))
        y_score_c = np.ascontiguousarray(np.take(y_score, c, axis=axis))
        score[c] = metric(y_true_c, y_score_c, score_weight)
    if average is None:
        return score
    if average_weight is not None:
        # Classes of zero weight must not turn the average into NaN.
        score[average_weight == 0] = 0
    return float(np.average(score, weights=average_weight))


def _label_binarize(y: NDArray[Any], classes: NDArray[Any]) -> NDArray[np.int64]:
    """One indicator column per class (for at least three classes)."""
    return np.asarray(y.reshape(-1, 1) == classes.reshape(1, -1), dtype=np.int64)


# --------------------------------------------------------------------------------------
# Public functions


def roc_curve(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    pos_label: PosLabel | None = None,
    sample_weight: ArrayLike | None = None,
    drop_intermediate: bool = True,
) -> tuple[_F64, _F64, _F64]:
    """Compute the Receiver Operating Characteristic (ROC) curve of a binary problem.

    Drop-in for :func:`sklearn.metrics.roc_curve` with identical results.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels. Unless `pos_label` is given they must be in {0, 1} or
        {-1, 1}. Multiclass labels are accepted when `pos_label` names the positive
        class (all other labels are negative).
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive (probabilities or decision values).
    pos_label : int, float, bool or str, default=None
        Label of the positive class; ``None`` means 1 for labels in {0, 1} or {-1, 1}.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights. Samples of zero weight are ignored entirely (they
        create no threshold).
    drop_intermediate : bool, default=True
        Drop thresholds whose point is collinear with its neighbours; the area under
        the curve is unchanged.

    Returns
    -------
    fpr : ndarray of shape (n_thresholds,)
        Increasing false positive rates; ``fpr[i]`` is the rate of negatives with
        ``score >= thresholds[i]``.
    tpr : ndarray of shape (n_thresholds,)
        Increasing true positive rates, likewise.
    thresholds : ndarray of shape (n_thresholds,), dtype float64
        Decreasing thresholds; the first is ``np.inf`` (nothing predicted positive).

    Raises
    ------
    ValueError
        If `y_true` is not binary (or multiclass with `pos_label`), labels are not in
        {0, 1} or {-1, 1} without `pos_label`, lengths differ, scores are NaN or
        infinite, or weights are negative, non-finite or all zero.
    TypeError
        If `y_score` is not numeric or an option has the wrong type.

    Warns
    -----
    UndefinedMetricWarning
        If `y_true` has no negative (``fpr`` is NaN) or no positive (``tpr`` is NaN)
        sample.

    See Also
    --------
    roc_auc_score : Area under the ROC curve.

    Examples
    --------
    >>> fpr, tpr, thresholds = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr
    array([0. , 0. , 0.5, 0.5, 1. ])
    >>> tpr
    array([0. , 0.5, 0.5, 1. , 1. ])
    >>> thresholds
    array([ inf, 0.8 , 0.4 , 0.35, 0.1 ])
    """
    _check_pos_label(pos_label, allow_none=True)
    drop = check_bool("drop_intermediate", drop_intermediate)
    data = _prepare_binary(y_true, y_score, pos_label, sample_weight)
    curve = _binary_curve(data, with_keys=True)
    fpr, tpr, kept = _roc_arrays(curve, drop)
    thresholds = np.empty(kept.shape[0] + 1)
    thresholds[0] = np.inf  # nothing is predicted positive
    thresholds[1:] = _thresholds(data, curve, kept)
    return fpr, tpr, thresholds


def precision_recall_curve(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    pos_label: PosLabel | None = None,
    sample_weight: ArrayLike | None = None,
    drop_intermediate: bool = False,
) -> tuple[_F64, _F64, NDArray[Any]]:
    """Compute precision-recall pairs for every distinct score threshold.

    Drop-in for :func:`sklearn.metrics.precision_recall_curve` with identical results.
    Precision is ``tp / (tp + fp)`` and recall ``tp / (tp + fn)`` among samples with
    ``score >= threshold``. A last point (precision 1, recall 0) without threshold is
    appended so the curve starts on the y axis.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels. Unless `pos_label` is given they must be in {0, 1} or
        {-1, 1}.
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive.
    pos_label : int, float, bool or str, default=None
        Label of the positive class; ``None`` means 1 for labels in {0, 1} or {-1, 1}.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights; zero-weight samples are ignored.
    drop_intermediate : bool, default=False
        Drop thresholds inside runs of equal recall (keeping each run's first and last
        point), which do not change the plotted curve.

    Returns
    -------
    precision : ndarray of shape (n_thresholds + 1,)
        Precision at each threshold, then 1.
    recall : ndarray of shape (n_thresholds + 1,)
        Decreasing recall at each threshold, then 0.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing distinct scores, in the dtype of `y_score`.

    Raises
    ------
    ValueError
        As :func:`roc_curve`.
    TypeError
        If `y_score` is not numeric or an option has the wrong type.

    Warns
    -----
    UserWarning
        If `y_true` has no positive sample (recall is then 1 everywhere), with
        scikit-learn's message.

    Examples
    --------
    >>> precision, recall, thresholds = precision_recall_curve(
    ...     [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> precision
    array([0.5       , 0.66666667, 0.5       , 1.        , 1.        ])
    >>> recall
    array([1. , 1. , 0.5, 0.5, 0. ])
    >>> thresholds
    array([0.1 , 0.35, 0.4 , 0.8 ])
    """
    _check_pos_label(pos_label, allow_none=True)
    drop = check_bool("drop_intermediate", drop_intermediate)
    data = _prepare_binary(y_true, y_score, pos_label, sample_weight)
    curve = _binary_curve(data, with_keys=True)
    precision, recall, kept = _pr_arrays(curve, drop)
    return precision, recall, _thresholds(data, curve, kept)


def roc_auc_score(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    average: Average | None = "macro",
    sample_weight: ArrayLike | None = None,
    max_fpr: float | None = None,
    multi_class: MultiClass = "raise",
    labels: ArrayLike | None = None,
) -> float | _F64:
    """Compute the area under the ROC curve (ROC AUC) from prediction scores.

    Drop-in for :func:`sklearn.metrics.roc_auc_score` with identical results, for
    binary, multilabel and multiclass targets.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Binary or multiclass labels, or a multilabel indicator matrix.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Binary: scores of the greater label. Multiclass: probabilities, one column per
        class in the order of `labels` (or of the sorted labels of `y_true`), rows
        summing to 1. Multilabel: one score column per label.
    average : {'micro', 'macro', 'samples', 'weighted'} or None, default='macro'
        How per-label scores are combined (ignored for binary targets): ``None``
        returns them all; 'micro' treats every indicator as one binary problem;
        'macro' is the plain mean; 'weighted' weights by support; 'samples' averages
        over samples. Multiclass accepts 'macro', 'weighted', and with 'ovr' also
        'micro' and None.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights (not supported with ``multi_class='ovo'``).
    max_fpr : float in (0, 1], default=None
        If given, return the McClish-standardised partial AUC over ``[0, max_fpr]``
        (binary and multilabel only).
    multi_class : {'raise', 'ovr', 'ovo'}, default='raise'
        Multiclass scheme: one-vs-rest, or Hand & Till's one-vs-one. 'raise' rejects
        multiclass targets.
    labels : array-like of shape (n_classes,), default=None
        Multiclass only: sorted, unique labels naming the columns of `y_score`.

    Returns
    -------
    auc : float or ndarray of shape (n_classes,)
        The (averaged) area; per-label areas when `average` is None. NaN for a binary
        problem with a single class in `y_true` (with a warning).

    Raises
    ------
    ValueError
        For unsupported target types, shapes that do not fit, invalid options, NaN or
        infinite scores, and negative or non-finite weights.
    NotImplementedError
        For ``average=None`` with ``multi_class='ovo'``, as scikit-learn.
    TypeError
        For options of the wrong type.

    Warns
    -----
    UndefinedMetricWarning
        When `y_true` (or a column of it) holds a single class.

    See Also
    --------
    roc_curve : The curve itself.
    average_precision_score : Area under the precision-recall curve.

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    check_option("average", average, _AVERAGES)
    check_max_fpr(max_fpr)
    check_option("multi_class", multi_class, _MULTI_CLASS)
    yt = as_label_array("y_true", y_true)
    if num_samples("y_true", yt) == 0:
        raise ValueError("y_true is empty: at least one sample is needed")
    classes = unique_values(yt)
    y_type = type_of_target(yt, "y_true", uniques=classes)
    ys, _ = _score_array("y_score", y_score, non_numeric=ValueError)
    if ys.ndim > 2:
        raise ValueError(f"y_score must be 1D or 2D, got an array of shape {ys.shape}")
    check_finite("y_score", ys)
    sw = _weights_1d(sample_weight)
    check_consistent_length(y_true=yt, y_score=ys, sample_weight=sw)

    if y_type == "multiclass" or (y_type == "binary" and ys.ndim == 2 and ys.shape[1] > 2):
        if max_fpr is not None and max_fpr != 1.0:
            raise ValueError(
                "Partial AUC computation not available in multiclass setting, 'max_fpr' "
                f"must be set to `None`, received `max_fpr={max_fpr}` instead"
            )
        if multi_class == "raise":
            raise ValueError("multi_class must be in ('ovo', 'ovr')")
        _positive_weights(sw, yt.shape[0])
        return _multiclass_roc_auc(yt, ys, labels, multi_class, average, sw)
    if y_type == "binary":
        # scikit-learn binarises y_true (the greater label is positive) and scores it.
        if classes.shape[0] != 2:
            warnings.warn(_ONE_CLASS_AUC, UndefinedMetricWarning, stacklevel=2)
            return float("nan")
        yt = column_or_1d("y_true", yt)
        return _roc_auc_of(_binary_inputs(yt, _equals(yt, classes[1]), ys, sw), max_fpr)
    _positive_weights(sw, yt.shape[0])
    metric = partial(_binary_roc_auc, max_fpr=max_fpr)
    return _average_binary_score(metric, yt, ys, average, sw)


def _multiclass_roc_auc(
    y_true: NDArray[Any],
    y_score: NDArray[Any],
    labels: ArrayLike | None,
    multi_class: MultiClass,
    average: Average | None,
    sample_weight: NDArray[Any] | None,
) -> float | _F64:
    """scikit-learn's ``_multiclass_roc_auc_score``."""
    if y_score.ndim != 2:
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` "
            f"contains multiple classes. Got `y_score.shape={y_score.shape}`."
        )
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. they "
            "should sum up to 1.0 over classes (y_score)"
        )
    average_options: tuple[str | None, ...] = ("macro", "weighted", None)
    if multi_class == "ovr":
        average_options = ("micro", *average_options)
    if average not in average_options:
        raise ValueError(f"average must be one of {average_options} for multiclass problems")
    if average is None and multi_class == "ovo":
        raise NotImplementedError("average=None is not implemented for multi_class='ovo'.")
    y_true = column_or_1d("y_true", y_true)
    if labels is not None:
        given = column_or_1d("labels", as_array("labels", labels))
        classes = unique_values(given)
        if len(classes) != len(given):
            raise ValueError("Parameter 'labels' must be unique")
        if not np.array_equal(classes, given):
            raise ValueError("Parameter 'labels' must be ordered")
        if len(classes) != y_score.shape[1]:
            raise ValueError(
                f"Number of given labels, {len(classes)}, not equal to the number of "
                f"columns in 'y_score', {y_score.shape[1]}"
            )
        if len(np.setdiff1d(y_true, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'")
    else:
        classes = unique_values(y_true)
        if len(classes) != y_score.shape[1]:
            raise ValueError(
                "Number of classes in y_true not equal to the number of columns in 'y_score'"
            )
    if multi_class == "ovo":
        if sample_weight is not None:
            raise ValueError(
                "sample_weight is not supported for multiclass one-vs-one ROC AUC, "
                "'sample_weight' must be None in this case."
            )
        return _average_ovo_roc_auc(np.searchsorted(classes, y_true), y_score, average)
    return _average_binary_score(
        _binary_roc_auc, _label_binarize(y_true, classes), y_score, average, sample_weight
    )


def _average_ovo_roc_auc(
    y_true: NDArray[np.intp], y_score: NDArray[Any], average: Average | None
) -> float:
    """Hand & Till's one-vs-one average (scikit-learn's
    ``_average_multiclass_ovo_score``): each pair of present classes scored both ways."""
    present = np.unique(y_true)
    n_pairs = present.shape[0] * (present.shape[0] - 1) // 2
    pair_scores = np.empty(n_pairs)
    prevalence = np.empty(n_pairs) if average == "weighted" else None
    for ix, (a, b) in enumerate(combinations(present, 2)):
        a_mask = y_true == a
        b_mask = y_true == b
        ab_mask = np.logical_or(a_mask, b_mask)
        if prevalence is not None:
            prevalence[ix] = np.average(ab_mask)
        a_score = _binary_roc_auc(a_mask[ab_mask], np.ascontiguousarray(y_score[ab_mask, a]))
        b_score = _binary_roc_auc(b_mask[ab_mask], np.ascontiguousarray(y_score[ab_mask, b]))
        pair_scores[ix] = (a_score + b_score) / 2
    # A numpy float64, not a Python float: what scikit-learn returns for 'ovo'.
    return cast(float, np.average(pair_scores, weights=prevalence))


def average_precision_score(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    average: Average | None = "macro",
    pos_label: PosLabel = 1,
    sample_weight: ArrayLike | None = None,
) -> float | _F64:
    """Compute average precision (AP) from prediction scores.

    Drop-in for :func:`sklearn.metrics.average_precision_score` with identical results.
    AP is ``sum_n (R_n - R_{n-1}) P_n`` over the distinct thresholds, with precision
    ``P_n`` and recall ``R_n`` at the n-th threshold (no interpolation).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Binary labels, a multilabel indicator matrix, or multiclass labels (scored
        one-vs-rest).
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores, higher meaning more likely positive; one column per class (sorted
        labels) for multiclass targets.
    average : {'micro', 'samples', 'weighted', 'macro'} or None, default='macro'
        How per-label scores are combined (ignored for binary targets); ``None``
        returns them all.
    pos_label : int, float, bool or str, default=1
        Positive class of binary targets; must stay 1 for multilabel and multiclass.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.

    Returns
    -------
    average_precision : float or ndarray of shape (n_classes,)
        The (averaged) average precision; per-label values when `average` is None.

    Raises
    ------
    ValueError
        For a `pos_label` that is not a label of binary `y_true` (or is not 1 for
        multilabel and multiclass targets), shapes that do not fit, NaN or infinite
        scores, and negative or non-finite weights.
    TypeError
        If `y_score` is not numeric or an option has the wrong type.

    Warns
    -----
    UserWarning
        When `y_true` (or a column of it) has no positive sample, as scikit-learn.

    See Also
    --------
    precision_recall_curve : The curve being summarised.
    roc_auc_score : Area under the ROC curve.

    Examples
    --------
    >>> round(average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    check_option("average", average, _AVERAGES)
    _check_pos_label(pos_label, allow_none=False)
    yt = as_label_array("y_true", y_true)
    ys, _ = _score_array("y_score", y_score)
    sw = _weights_1d(sample_weight)
    present = unique_values(yt)
    y_type = type_of_target(yt, "y_true", uniques=present)
    if y_type == "binary":
        if present.shape[0] == 2 and not np.any(present == pos_label):
            raise ValueError(
                f"pos_label={pos_label} is not a valid label. It should be one of {present}"
            )
        return _average_precision_of(_binary_inputs(yt, _equals(yt, pos_label), ys, sw))
    if y_type == "multilabel-indicator" and pos_label != 1:
        raise ValueError(
            "Parameter pos_label is fixed to 1 for multilabel-indicator y_true. "
            "Do not set pos_label or set pos_label to 1."
        )
    if y_type == "multiclass":
        if pos_label != 1:
            raise ValueError(
                "Parameter pos_label is fixed to 1 for multiclass y_true. "
                "Do not set pos_label or set pos_label to 1."
            )
        yt = _label_binarize(column_or_1d("y_true", yt), present)
        if ys.shape != yt.shape:
            raise ValueError(
                "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` "
                f"contains multiple classes. Got `y_score.shape={ys.shape}`."
            )
    if sw is not None:
        check_consistent_length(y_true=yt, y_score=ys, sample_weight=sw)
        _positive_weights(sw, yt.shape[0])
    metric = partial(_binary_average_precision, pos_label=pos_label)
    return _average_binary_score(metric, yt, ys, average, sw)


# --------------------------------------------------------------------------------------
# Accuracy at a fixed threshold


@dataclass(frozen=True)
class ThresholdAccuracy:
    """Binary accuracy together with the threshold it was measured at.

    Attributes
    ----------
    accuracy : float
        Fraction (or weighted fraction) of samples classified correctly.
    threshold : float
        Samples with ``score >= threshold`` were predicted positive.
    """

    accuracy: float
    threshold: float

    def as_dict(self) -> dict[str, float]:
        """``{"accuracy": ..., "threshold": ...}``."""
        return {"accuracy": self.accuracy, "threshold": self.threshold}


def accuracy_at_threshold(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    threshold: float = 0.5,
    pos_label: PosLabel | None = None,
    sample_weight: ArrayLike | None = None,
) -> ThresholdAccuracy:
    """Binary accuracy when predicting positive for ``score >= threshold``.

    A sample counts as correct when it is positive and its score is at least
    `threshold`, or negative and its score is below it (a score equal to the threshold
    is predicted positive, matching the ``score >= thresholds[i]`` convention of
    :func:`roc_curve`). The result is what
    ``sklearn.metrics.accuracy_score(y_true == pos_label, y_score >= threshold,
    sample_weight=sample_weight)`` returns.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels. Unless `pos_label` is given they must be in {0, 1} or
        {-1, 1}; multiclass labels are accepted with `pos_label` (one-vs-rest).
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive.
    threshold : float, default=0.5
        Decision threshold; not NaN.
    pos_label : int, float, bool or str, default=None
        Label of the positive class; ``None`` means 1 for labels in {0, 1} or {-1, 1}.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.

    Returns
    -------
    ThresholdAccuracy
        Frozen result with ``accuracy`` and the ``threshold`` used; ``as_dict()`` gives
        ``{"accuracy": float, "threshold": float}``.

    Raises
    ------
    ValueError
        For non-binary targets, a NaN threshold, NaN or infinite scores, mismatched
        lengths, empty input, or negative, non-finite or all-zero weights.
    TypeError
        If `threshold` is not a real number or `y_score` is not numeric.

    See Also
    --------
    roc_curve : Rates at every distinct threshold.

    Examples
    --------
    >>> result = accuracy_at_threshold([0, 1, 1, 0], [0.2, 0.9, 0.5, 0.7])
    >>> result.as_dict()
    {'accuracy': 0.75, 'threshold': 0.5}
    """
    threshold = check_real("threshold", threshold)
    _check_pos_label(pos_label, allow_none=True)
    yt, is_pos = _binary_targets(y_true, pos_label)
    ys, _ = _score_array("y_score", y_score)
    sw = _weights_1d(sample_weight)
    n = check_consistent_length(y_true=yt, y_score=ys, sample_weight=sw)
    is_pos = column_or_1d("y_true", is_pos)
    ys = column_or_1d("y_score", ys)
    check_finite("y_score", ys)
    weights = _positive_weights(sw, n)
    # Compare in float64: a float16/float32 score array would otherwise round the
    # threshold to its own precision (0.1 -> 0.09998 in float16) and miscount ties.
    hit = np.equal(is_pos, ys >= np.float64(threshold))
    accuracy: float
    if weights is None:
        accuracy = np.count_nonzero(hit) / n
    else:
        # np.average(hit, weights=w): sum(hit * w) / sum(w), both in numpy's order.
        accuracy = _kernels.weighted_hits(hit.view(np.uint8), weights) / float(np.sum(weights))
    return ThresholdAccuracy(accuracy=float(accuracy), threshold=float(threshold))
