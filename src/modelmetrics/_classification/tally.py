"""One counting pass over a pair of label arrays.

``tally_labels`` validates ``y_true`` / ``y_pred`` with scikit-learn's rules and counts
every (true, predicted) pair once. Accuracy, the confusion matrix, precision, recall,
F-scores and the report all derive from the resulting :class:`LabelTally`, so each
public function costs a single pass over the labels.

Labels are small non-negative integers in the common case (class indices); they are
counted straight into a dense table, in parallel chunks, with the label set read off
the table afterwards. Other labels (wide integer ranges, strings, objects) are encoded
to indices once with ``np.unique`` and counted the same way.

Weighted sums are accumulated in sample order, exactly as ``np.bincount`` and scipy's
COO-to-dense conversion add them in scikit-learn, so weighted results are bit-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics import _kernels
from modelmetrics._classification.targets import (
    SMALL_LABEL_BOUND,
    TargetType,
    as_label_array,
    check_binary_or_multiclass_pair,
    check_label_kinds,
    integral_as_int64,
    kernel_labels,
    type_of_target,
    unique_values,
)
from modelmetrics._core.arrays import (
    check_consistent_length,
    check_dense_size,
    check_sample_weight,
)
from modelmetrics._core.parallel import get_num_threads, run_parallel

__all__ = ["LabelTally", "MultilabelPair", "check_targets", "tally_labels"]

# Below this many samples a second thread costs more than it saves.
_PARALLEL_MIN_SAMPLES = 1 << 18
# A dense class x class table is built up to this many classes; beyond, per-class
# marginals are computed with bincount and the full matrix only on request.
_DENSE_TABLE_MAX_CLASSES = 2048


@dataclass(frozen=True, eq=False)
class LabelTally:
    """Counts over a binary or multiclass pair of label arrays.

    Attributes
    ----------
    y_type : {"binary", "multiclass"}
        The combined target type, as scikit-learn's ``_check_targets`` returns it.
    classes : ndarray of shape (n_classes,)
        Sorted labels present in ``y_true`` or ``y_pred``.
    n_samples : int
        Number of samples.
    tp_sum, true_sum, pred_sum : ndarray of shape (n_classes,)
        Per class: correctly predicted, true and predicted totals (counts, or weights
        summed in sample order).
    true_present : ndarray of bool, shape (n_classes,)
        Whether each class occurs in ``y_true`` (whatever its weight).
    sample_weight : ndarray or None
        The validated weights.
    """

    y_type: Literal["binary", "multiclass"]
    classes: NDArray[Any]
    n_samples: int
    tp_sum: NDArray[Any]
    true_sum: NDArray[Any]
    pred_sum: NDArray[Any]
    true_present: NDArray[np.bool_]
    sample_weight: NDArray[Any] | None
    # Dense (n_classes, n_classes) counts; None when there are too many classes.
    _table: NDArray[Any] | None
    # The pair as counted: raw integer labels on the dense path, class indices on the
    # encoded path. Equal entries are hits either way; indices also rebuild the table.
    _pair: tuple[NDArray[Any], NDArray[Any]]

    @property
    def weighted(self) -> bool:
        return self.sample_weight is not None

    def confusion(self) -> NDArray[Any]:
        """The full ``(n_classes, n_classes)`` matrix over :attr:`classes`."""
        if self._table is not None:
            return self._table
        t, p = self._pair
        k = self.classes.shape[0]
        check_dense_size("the confusion matrix", (k, k))
        flat = t * k + p
        if self.sample_weight is None:
            return np.bincount(flat, minlength=k * k).reshape(k, k)
        weights = self.sample_weight.astype(np.float64, copy=False)
        cm = np.bincount(flat, weights=weights, minlength=k * k).reshape(k, k)
        return cm.astype(self.sample_weight.dtype) if self.sample_weight.dtype.kind == "i" else cm

    def hits(self) -> NDArray[np.uint8]:
        """Per-sample ``y_true == y_pred`` flags."""
        t, p = self._pair
        hit: NDArray[np.bool_] = t == p
        return hit.view(np.uint8)


@dataclass(frozen=True, eq=False)
class MultilabelPair:
    """Validated multilabel indicator matrices (n_samples, n_labels)."""

    y_true: NDArray[Any]
    y_pred: NDArray[Any]
    sample_weight: NDArray[Any] | None

    @property
    def n_labels(self) -> int:
        return int(self.y_true.shape[1])


def _as_labels_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[NDArray[Any], NDArray[Any], int]:
    yt = as_label_array("y_true", y_true)
    yp = as_label_array("y_pred", y_pred)
    n = check_consistent_length(y_true=yt, y_pred=yp)
    return yt, yp, n


def _squeeze(arr: NDArray[Any]) -> NDArray[Any]:
    if arr.ndim == 2 and arr.shape[1] == 1:
        return np.ascontiguousarray(arr[:, 0])
    return np.ascontiguousarray(arr)


def _require_samples(n: int) -> None:
    if n < 1:
        raise ValueError(
            "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 "
            "sample is required."
        )


def check_targets(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    sample_weight: ArrayLike | None = None,
    *,
    allow_multilabel: bool = True,
) -> LabelTally | MultilabelPair:
    """Validate a pair of classification targets and count them.

    Returns a :class:`LabelTally` for binary/multiclass targets and a
    :class:`MultilabelPair` for multilabel indicator matrices.

    Raises
    ------
    ValueError
        For inconsistent lengths, empty input, unsupported or mixed target types, and
        mixed string/number labels, as scikit-learn does.
    """
    yt, yp, n = _as_labels_pair(y_true, y_pred)
    wide = (yt.ndim == 2 and yt.shape[1] > 1) or (yp.ndim == 2 and yp.shape[1] > 1)
    if wide or yt.ndim > 2 or yp.ndim > 2 or (n and (yt.ndim == 0 or yp.ndim == 0)):
        kind = check_binary_or_multiclass_pair(
            type_of_target(yt, "y_true"), type_of_target(yp, "y_pred")
        )
        _require_samples(n)
        weight = check_sample_weight(sample_weight, n)
        if kind != "multilabel-indicator" or not allow_multilabel:
            raise ValueError(f"{kind} is not supported")
        if yt.shape[1] != yp.shape[1]:
            raise ValueError("Multi-label binary indicator input with different numbers of labels")
        return MultilabelPair(np.ascontiguousarray(yt), np.ascontiguousarray(yp), weight)
    _require_samples(n)
    weight = check_sample_weight(sample_weight, n)
    return tally_labels(_squeeze(yt), _squeeze(yp), weight)


def tally_labels(
    y_true: NDArray[Any], y_pred: NDArray[Any], sample_weight: NDArray[Any] | None
) -> LabelTally:
    """Count a validated, non-empty pair of 1-D label arrays (see :func:`check_targets`)."""
    ints = _integer_codes(y_true, y_pred)
    if ints is not None:
        t, p, label_dtype = ints
        tally = _tally_small(t, p, sample_weight, label_dtype)
        if tally is not None:
            return tally
        return _tally_encoded(t, p, sample_weight)
    return _tally_encoded(y_true, y_pred, sample_weight)


def _integer_codes(
    y_true: NDArray[Any], y_pred: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[Any], np.dtype[Any]] | None:
    """Both arrays as same-dtype integers the kernels accept, or None if either is not
    integral. Non-integral floats are classified (continuous) and rejected here."""
    kinds = {y_true.dtype.kind, y_pred.dtype.kind}
    if not kinds <= set("biuf"):
        return None
    label_dtype = np.result_type(y_true.dtype, y_pred.dtype)
    if label_dtype.kind == "f" or y_true.dtype != y_pred.dtype:
        t, p = integral_as_int64(y_true), integral_as_int64(y_pred)
        if t is None or p is None:
            # Some floats are not integers: let type_of_target name the problem.
            check_binary_or_multiclass_pair(
                type_of_target(y_true, "y_true"), type_of_target(y_pred, "y_pred")
            )
            return None
        return t, p, label_dtype
    return kernel_labels(y_true), kernel_labels(y_pred), label_dtype


def _count_small(
    t: NDArray[Any], p: NDArray[Any], offset: int, n_threads: int
) -> NDArray[np.int64] | None:
    """Unweighted dense counts of (t - offset, p - offset), in parallel chunks."""
    n = t.shape[0]
    side = SMALL_LABEL_BOUND
    parts = max(1, min(n_threads, n // _PARALLEL_MIN_SAMPLES))
    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    tables = [np.zeros((side, side), np.int64) for _ in range(parts)]
    tasks = [
        partial(_kernels.count_pairs, t[a:b], p[a:b], table, offset)
        for a, b, table in zip(bounds[:-1], bounds[1:], tables, strict=True)
    ]
    if not all(run_parallel(tasks, n_threads)):
        return None
    total = tables[0]
    for table in tables[1:]:
        total += table
    return total


def _small_offset(t: NDArray[Any], p: NDArray[Any]) -> int | None:
    """An offset that brings every label into the dense table, if the range is narrow."""
    low = min(int(t.min()), int(p.min()))
    high = max(int(t.max()), int(p.max()))
    if high - low >= SMALL_LABEL_BOUND:
        return None
    return low


def _tally_small(
    t: NDArray[Any],
    p: NDArray[Any],
    weight: NDArray[Any] | None,
    label_dtype: np.dtype[Any],
) -> LabelTally | None:
    """Dense-table path for labels within a window of SMALL_LABEL_BOUND values."""
    side = SMALL_LABEL_BOUND
    n_threads = get_num_threads()
    offset: int | None = 0
    counts = None
    if weight is None:
        # Optimistic: class indices start at 0. On failure, fit a window to the range.
        counts = _count_small(t, p, 0, n_threads)
        if counts is None:
            offset = _small_offset(t, p)
            if offset is None:
                return None
            counts = _count_small(t, p, offset, n_threads)
            assert counts is not None
        true_present = np.asarray(counts.any(axis=1))
        pred_present = np.asarray(counts.any(axis=0))
    else:
        true_flags = np.zeros(side, np.uint8)
        pred_flags = np.zeros(side, np.uint8)
        if not (
            _kernels.label_presence(t, true_flags, 0) and _kernels.label_presence(p, pred_flags, 0)
        ):
            offset = _small_offset(t, p)
            if offset is None:
                return None
            true_flags[:] = 0
            pred_flags[:] = 0
            _kernels.label_presence(t, true_flags, offset)
            _kernels.label_presence(p, pred_flags, offset)
        true_present = true_flags.view(np.bool_)
        pred_present = pred_flags.view(np.bool_)
    assert offset is not None
    y_type = _single_label_kind(
        check_binary_or_multiclass_pair(
            _label_type(int(true_present.sum())), _label_type(int(pred_present.sum()))
        )
    )
    present = np.flatnonzero(true_present | pred_present)
    classes = (present + offset).astype(label_dtype)
    if y_type == "binary" and classes.shape[0] > 2:
        y_type = "multiclass"
    contiguous = present.shape[0] == 0 or present[-1] - present[0] + 1 == present.shape[0]
    window = slice(int(present[0]), int(present[-1]) + 1) if contiguous else present
    if weight is None:
        assert counts is not None
        table = counts[window][:, window] if contiguous else counts[np.ix_(present, present)]
        table = np.ascontiguousarray(table)
        return _from_table(y_type, classes, table, (t, p), None, true_present[present])
    acc_dtype = np.int64 if weight.dtype.kind == "i" else np.float64
    full = np.zeros((side, side), acc_dtype)
    true_sum = np.zeros(side, acc_dtype)
    pred_sum = np.zeros(side, acc_dtype)
    _kernels.count_pairs_weighted(t, p, weight, full, true_sum, pred_sum, offset)
    table = np.ascontiguousarray(full[np.ix_(present, present)])
    return _from_table(
        y_type,
        classes,
        table,
        (t, p),
        weight,
        true_present[present],
        true_sum[present],
        pred_sum[present],
    )


def _from_table(
    y_type: Literal["binary", "multiclass"],
    classes: NDArray[Any],
    table: NDArray[Any],
    pair: tuple[NDArray[Any], NDArray[Any]],
    weight: NDArray[Any] | None,
    true_present: NDArray[np.bool_],
    true_sum: NDArray[Any] | None = None,
    pred_sum: NDArray[Any] | None = None,
) -> LabelTally:
    """A tally from a dense table; marginals are the table's sums unless given (weighted
    marginals must be the sample-order sums, not sums of the table's cells)."""
    return LabelTally(
        y_type=y_type,
        classes=classes,
        n_samples=int(pair[0].shape[0]),
        tp_sum=np.ascontiguousarray(np.diagonal(table)),
        true_sum=table.sum(axis=1) if true_sum is None else true_sum,
        pred_sum=table.sum(axis=0) if pred_sum is None else pred_sum,
        true_present=true_present,
        sample_weight=weight,
        _table=table,
        _pair=pair,
    )


def _single_label_kind(
    kind: Literal["binary", "multiclass", "multilabel-indicator"],
) -> Literal["binary", "multiclass"]:
    # Both inputs are 1-D here, so the combined type cannot be multilabel.
    if kind == "multilabel-indicator":
        raise ValueError("multilabel-indicator targets must be 2-D")
    return kind


def _label_type(n_unique: int) -> TargetType:
    return "multiclass" if n_unique > 2 else "binary"


def _tally_encoded(
    y_true: NDArray[Any], y_pred: NDArray[Any], weight: NDArray[Any] | None
) -> LabelTally:
    """General path: encode labels with a sort, then count the indices."""
    true_values, true_codes = _unique_inverse("y_true", y_true)
    pred_values, pred_codes = _unique_inverse("y_pred", y_pred)
    y_type = _single_label_kind(
        check_binary_or_multiclass_pair(
            type_of_target(y_true, "y_true", uniques=true_values),
            type_of_target(y_pred, "y_pred", uniques=pred_values),
        )
    )
    check_label_kinds([("y_true", true_values), ("y_pred", pred_values)])
    classes = np.union1d(true_values, pred_values)
    if y_type == "binary" and classes.shape[0] > 2:
        y_type = "multiclass"
    t = np.searchsorted(classes, true_values)[true_codes].astype(np.int64)
    p = np.searchsorted(classes, pred_values)[pred_codes].astype(np.int64)
    k = classes.shape[0]
    true_present = np.zeros(k, np.bool_)
    true_present[np.searchsorted(classes, true_values)] = True
    if k <= _DENSE_TABLE_MAX_CLASSES:
        if weight is None:
            table = np.zeros((k, k), np.int64)
            _kernels.count_pairs(t, p, table)
            return _from_table(y_type, classes, table, (t, p), None, true_present)
        acc_dtype = np.int64 if weight.dtype.kind == "i" else np.float64
        table = np.zeros((k, k), acc_dtype)
        true_sum = np.zeros(k, acc_dtype)
        pred_sum = np.zeros(k, acc_dtype)
        _kernels.count_pairs_weighted(t, p, weight, table, true_sum, pred_sum)
        return _from_table(y_type, classes, table, (t, p), weight, true_present, true_sum, pred_sum)
    hit = t == p
    if weight is None:
        tp_sum = np.bincount(t[hit], minlength=k)
        true_sum = np.bincount(t, minlength=k)
        pred_sum = np.bincount(p, minlength=k)
    else:
        w = weight.astype(np.float64, copy=False)
        tp_sum = np.bincount(t[hit], weights=w[hit], minlength=k)
        true_sum = np.bincount(t, weights=w, minlength=k)
        pred_sum = np.bincount(p, weights=w, minlength=k)
    return LabelTally(
        y_type=y_type,
        classes=classes,
        n_samples=int(t.shape[0]),
        tp_sum=tp_sum,
        true_sum=true_sum,
        pred_sum=pred_sum,
        true_present=true_present,
        sample_weight=weight,
        _table=None,
        _pair=(t, p),
    )


def _unique_inverse(name: str, arr: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    if arr.dtype == object:
        check_label_kinds([(name, unique_values(arr))])
    values, inverse = np.unique(arr, return_inverse=True)
    return values, inverse.reshape(-1)
