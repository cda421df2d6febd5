"""Precision, recall, F-beta and support, derived from one tally of the labels.

The arithmetic after counting mirrors scikit-learn's step for step (the per-label
sums, the zero-division handling and the averages), so results are ``==`` to
scikit-learn's, warnings included.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._classification.tally import LabelTally, MultilabelPair, check_targets
from modelmetrics._core.checks import (
    check_average,
    check_beta,
    check_that,
    check_zero_division,
)
from modelmetrics.exceptions import UndefinedMetricWarning

__all__ = [
    "f1_score",
    "fbeta_score",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
]

_AVERAGES = (None, "micro", "macro", "weighted", "samples")
_PRF = ("precision", "recall", "f-score")


@dataclass(frozen=True)
class LabelSums:
    """Per-label (or per-sample, for ``average='samples'``) sufficient statistics."""

    tp: NDArray[Any]
    pred: NDArray[Any]
    true: NDArray[Any]


def _label_positions(classes: NDArray[Any], labels: NDArray[Any]) -> tuple[NDArray[Any], ...]:
    """For each requested label, its index in `classes` and whether it is present."""
    k = classes.shape[0]
    if k == 0:
        return np.zeros(labels.shape[0], np.intp), np.zeros(labels.shape[0], np.bool_)
    try:
        idx = np.searchsorted(classes, labels)
    except TypeError:
        raise ValueError(
            f"labels {labels.tolist()!r} cannot be compared with the labels found in the "
            f"data {classes.tolist()!r}"
        ) from None
    idx = np.minimum(idx, k - 1)
    found = np.asarray(classes[idx] == labels, dtype=np.bool_)
    return idx, found


def _select(values: NDArray[Any], idx: NDArray[Any], found: NDArray[np.bool_]) -> NDArray[Any]:
    out = np.zeros(idx.shape[0], dtype=values.dtype)
    out[found] = values[idx[found]]
    return out


def tally_label_sums(tally: LabelTally, labels: ArrayLike | None) -> LabelSums:
    """tp / pred / true sums per requested label (all present labels if None)."""
    tp, pred, true = tally.tp_sum, tally.pred_sum, tally.true_sum
    if tally.weighted:
        # scikit-learn sums weights with float bincounts, whatever the weights' dtype.
        tp, pred, true = (x.astype(np.float64) for x in (tp, pred, true))
    elif not tp.any():
        # With no correct prediction at all scikit-learn's tp_sum is float zeros, which
        # makes every sum (support included) float64.
        tp = np.zeros(tp.shape[0], np.float64)
    if labels is not None:
        idx, found = _label_positions(tally.classes, np.asarray(labels))
        tp, pred, true = (_select(x, idx, found) for x in (tp, pred, true))
    return _through_mcm(tp, pred, true)


def _through_mcm(
    tp: NDArray[Any], pred: NDArray[Any], true: NDArray[Any], extra_dtype: Any = None
) -> LabelSums:
    """Round-trip the sums through the multilabel confusion matrix layout.

    scikit-learn reads ``pred = tp + fp`` and ``true = tp + fn`` back from the matrix,
    where ``fp = pred - tp``: with float weights that is not always ``pred`` itself.
    `extra_dtype` is that of the matrix's other entries (the true negatives).
    """
    fp = pred - tp
    fn = true - tp
    dtype = np.result_type(tp, fp, fn, *([extra_dtype] if extra_dtype is not None else []))
    tp = tp.astype(dtype, copy=False)
    return LabelSums(
        tp=tp, pred=tp + fp.astype(dtype, copy=False), true=tp + fn.astype(dtype, copy=False)
    )


def multilabel_label_sums(
    pair: MultilabelPair, labels: ArrayLike | None, *, samplewise: bool
) -> LabelSums:
    """Sums over a multilabel indicator pair, per label or per sample."""
    yt = pair.y_true != 0
    yp = pair.y_pred != 0
    if labels is not None:
        chosen = np.asarray(labels)
        n_labels = pair.n_labels
        if not np.array_equal(chosen, np.arange(n_labels)):
            if chosen.size and chosen.dtype.kind not in "iu":
                raise ValueError(
                    "All labels must be integers in [0, n labels) for multilabel targets. "
                    f"Got {chosen.tolist()!r}"
                )
            if chosen.size and chosen.max() > n_labels - 1:
                raise ValueError(
                    "All labels must be in [0, n labels) for multilabel targets. "
                    f"Got {int(chosen.max())} > {n_labels - 1}"
                )
            if chosen.size and chosen.min() < 0:
                raise ValueError(
                    "All labels must be in [0, n labels) for multilabel targets. "
                    f"Got {int(chosen.min())} < 0"
                )
        yt, yp = yt[:, chosen], yp[:, chosen]
    both = yt & yp
    weight = pair.sample_weight
    if samplewise:
        sums = [m.sum(axis=1).astype(np.intp) for m in (both, yp, yt)]
        if weight is not None:
            sums = [s * weight for s in sums]
        return _through_mcm(*sums)
    if weight is None:
        return _through_mcm(*(m.sum(axis=0).astype(np.int64) for m in (both, yp, yt)))
    # Weighted column sums in row order, as scikit-learn's bincount over CSR indices.
    w = weight.astype(np.float64, copy=False)
    n_cols = yt.shape[1]
    sums = []
    for m in (both, yp, yt):
        rows, cols = np.nonzero(m)
        # numpy's bincount of no index is int64 even with weights, and scikit-learn
        # keeps that dtype: float64 sums only where something is set.
        if len(rows):
            sums.append(np.bincount(cols, weights=w[rows], minlength=n_cols))
        else:
            sums.append(np.zeros(n_cols, np.int64))
    # The true negatives, sum(weights) - tp - fp - fn, bring the weights' dtype into
    # scikit-learn's confusion matrix.
    tp_sum, pred_sum, true_sum = sums
    return _through_mcm(tp_sum, pred_sum, true_sum, extra_dtype=weight.dtype)


def _warn_prf(average: str | None, modifier: str, msg_start: str, result_size: int) -> None:
    axis0, axis1 = ("label", "sample") if average == "samples" else ("sample", "label")
    where = "due to" if result_size == 1 else f"in {axis1}s with"
    warnings.warn(
        f"{msg_start} ill-defined and being set to 0.0 {where} no {modifier} {axis0}s. "
        "Use `zero_division` parameter to control this behavior.",
        UndefinedMetricWarning,
        stacklevel=4,
    )


def _prf_divide(
    numerator: NDArray[Any],
    denominator: NDArray[Any],
    metric: str,
    modifier: str,
    average: str | None,
    warn_for: Collection[str],
    zero_division: float | str,
) -> NDArray[np.float64]:
    mask = denominator == 0
    denominator = np.array(denominator, dtype=np.float64)
    denominator[mask] = 1
    result: NDArray[np.float64] = np.asarray(numerator, dtype=np.float64) / denominator
    if not mask.any():
        return result
    result[mask] = 0.0 if zero_division == "warn" else zero_division
    if zero_division == "warn" and metric in warn_for:
        _warn_prf(average, modifier, f"{metric.capitalize()} is", result.shape[0])
    return result


def _nanaverage(values: NDArray[Any], weights: NDArray[Any] | None) -> float:
    """Mean ignoring NaN, optionally weighted, as scikit-learn's ``_nanaverage``."""
    if values.shape[0] == 0:
        return float("nan")
    mask = np.isnan(values)
    if mask.all():
        return float("nan")
    if weights is None:
        return float(np.nanmean(values))
    values, weights = values[~mask], np.asarray(weights)[~mask]
    try:
        return float(np.average(values, weights=weights))
    except ZeroDivisionError:  # all weights zero: fall back to the plain mean
        return float(np.mean(values))


def prf_from_sums(
    sums: LabelSums,
    *,
    beta: float,
    average: str | None,
    warn_for: Collection[str],
    zero_division: float | str,
    sample_weight: NDArray[Any] | None,
) -> tuple[Any, Any, Any, Any]:
    """Divide the sums and average them; the tail of ``precision_recall_fscore_support``."""
    tp, pred, true = sums.tp, sums.pred, sums.true
    if average == "micro":
        tp, pred, true = (np.reshape(np.sum(x), (1,)) for x in (tp, pred, true))
    precision = _prf_divide(tp, pred, "precision", "predicted", average, warn_for, zero_division)
    recall = _prf_divide(tp, true, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        beta2 = beta**2
        denom = beta2 * true.astype(np.float64) + pred.astype(np.float64)
        f_score = _prf_divide(
            (1 + beta2) * tp.astype(np.float64),
            denom,
            "f-score",
            "true nor predicted",
            average,
            warn_for,
            zero_division,
        )
    if average is None:
        return precision, recall, f_score, true
    weights = true if average == "weighted" else sample_weight if average == "samples" else None
    return (
        _nanaverage(precision, weights),
        _nanaverage(recall, weights),
        _nanaverage(f_score, weights),
        None,
    )


def set_wise_labels(
    targets: LabelTally | MultilabelPair,
    average: str | None,
    labels: ArrayLike | None,
    pos_label: Any,
) -> ArrayLike | None:
    """Resolve which labels to score, as scikit-learn's ``_check_set_wise_labels``."""
    if average == "binary":
        if isinstance(targets, LabelTally) and targets.y_type == "binary":
            present = targets.classes
            if not np.any(present == pos_label) and present.shape[0] >= 2:
                raise ValueError(
                    f"pos_label={pos_label} is not a valid label. It should be one of {present}"
                )
            return [pos_label]
        y_type = "multiclass" if isinstance(targets, LabelTally) else "multilabel-indicator"
        options = [o for o in _AVERAGES if not (y_type == "multiclass" and o == "samples")]
        raise ValueError(
            f"Target is {y_type} but average='binary'. Please choose another average "
            f"setting, one of {options!r}."
        )
    if pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' "
            f"(got {average!r}). You may use labels=[pos_label] to specify a single "
            "positive class.",
            UserWarning,
            stacklevel=4,
        )
    return labels


def _check_labels_param(labels: ArrayLike) -> NDArray[Any]:
    arr = np.asarray(labels) if isinstance(labels, list | tuple | np.ndarray) else None
    check_that(arr is not None and arr.ndim == 1, "labels", "a 1-D array-like or None", labels)
    return cast("NDArray[Any]", arr)


def label_sums(
    targets: LabelTally | MultilabelPair, labels: ArrayLike | None, *, samplewise: bool
) -> LabelSums:
    if labels is not None:
        labels = _check_labels_param(labels)
    if isinstance(targets, MultilabelPair):
        return multilabel_label_sums(targets, labels, samplewise=samplewise)
    if samplewise:
        raise ValueError(
            "Samplewise metrics are not available outside of multilabel classification."
        )
    return tally_label_sums(targets, labels)


def _check_pos_label(pos_label: object) -> None:
    check_that(
        pos_label is None or isinstance(pos_label, str | bool | np.bool_ | int | float | np.number),
        "pos_label",
        "an instance of 'numbers.Real', an instance of 'str', an instance of 'bool' or None",
        pos_label,
    )


def _check_warn_for(warn_for: object) -> Collection[str]:
    check_that(
        isinstance(warn_for, list | tuple | set | frozenset),
        "warn_for",
        "an instance of 'list', an instance of 'tuple' or an instance of 'set'",
        warn_for,
    )
    return cast("Collection[str]", warn_for)


def precision_recall_fscore_support(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    beta: float = 1.0,
    labels: ArrayLike | None = None,
    pos_label: Any = 1,
    average: str | None = None,
    warn_for: Collection[str] = _PRF,
    sample_weight: ArrayLike | None = None,
    zero_division: float | str = "warn",
) -> tuple[Any, Any, Any, Any]:
    """Compute precision, recall, F-measure and support for each class.

    Same signature, results, warnings and errors as
    :func:`sklearn.metrics.precision_recall_fscore_support`, from a single compiled
    pass over the labels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        Ground-truth labels, or a multilabel indicator matrix.
    y_pred : array-like of the same shape as `y_true`
        Predicted labels.
    beta : float, default=1.0
        Weight of recall against precision in the F-score (``inf`` gives recall).
    labels : array-like, default=None
        Labels to include, in this order; labels absent from the data score zero.
    pos_label : int, float, bool or str, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'micro', 'macro', 'samples', 'weighted'} or None, default=None
        None returns per-label scores; otherwise how to average them.
    warn_for : list, tuple or set, default=("precision", "recall", "f-score")
        Metrics that warn when ill-defined.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value returned for a division by zero; "warn" returns 0 and warns.

    Returns
    -------
    precision : float or ndarray of shape (n_labels,)
    recall : float or ndarray of shape (n_labels,)
    fbeta_score : float or ndarray of shape (n_labels,)
    support : None or ndarray of shape (n_labels,)
        Number of true samples per label (weighted sums with `sample_weight`); None
        when averaging.

    Raises
    ------
    ValueError
        For invalid targets, an unknown `average`, or a `pos_label` absent from
        binary targets.

    Examples
    --------
    >>> from modelmetrics.classification import precision_recall_fscore_support
    >>> p, r, f, s = precision_recall_fscore_support([0, 1, 1, 2], [0, 1, 2, 2])
    >>> p.tolist(), r.tolist(), s.tolist()
    ([1.0, 1.0, 0.5], [1.0, 0.5, 1.0], [1, 2, 1])
    """
    zero_division = check_zero_division(zero_division)
    beta = check_beta(beta)
    _check_pos_label(pos_label)
    warn_for = _check_warn_for(warn_for)
    average = check_average(average, (*_AVERAGES, "binary"))
    targets = check_targets(y_true, y_pred, sample_weight)
    chosen = set_wise_labels(targets, average, labels, pos_label)
    sums = label_sums(targets, chosen, samplewise=average == "samples")
    return prf_from_sums(
        sums,
        beta=beta,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
        sample_weight=targets.sample_weight,
    )


def _component(
    metric: str,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    beta: float,
    labels: ArrayLike | None,
    pos_label: Any,
    average: str | None,
    sample_weight: ArrayLike | None,
    zero_division: float | str,
) -> Any:
    """One of precision / recall / F-score, warning only about that one (as sklearn)."""
    result = precision_recall_fscore_support(
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=(metric,),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return result[_PRF.index(metric)]


def fbeta_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    beta: float,
    labels: ArrayLike | None = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: float | str = "warn",
) -> Any:
    """Compute the F-beta score, as :func:`sklearn.metrics.fbeta_score`.

    Parameters are those of :func:`precision_recall_fscore_support`; `average`
    defaults to ``'binary'``.

    Returns
    -------
    fbeta_score : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from modelmetrics.classification import fbeta_score
    >>> round(fbeta_score([0, 1, 1, 0], [0, 1, 0, 0], beta=2.0), 4)
    0.5556
    """
    return _component(
        "f-score", y_true, y_pred, beta, labels, pos_label, average, sample_weight, zero_division
    )


def f1_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: float | str = "warn",
) -> Any:
    """Compute the F1 score, as :func:`sklearn.metrics.f1_score`.

    Parameters are those of :func:`precision_recall_fscore_support`; `average`
    defaults to ``'binary'``.

    Returns
    -------
    f1_score : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from modelmetrics.classification import f1_score
    >>> f1_score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], average="macro")
    0.26666666666666666
    """
    return fbeta_score(
        y_true,
        y_pred,
        beta=1,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def precision_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: float | str = "warn",
) -> Any:
    """Compute precision ``tp / (tp + fp)``, as :func:`sklearn.metrics.precision_score`.

    Parameters are those of :func:`precision_recall_fscore_support`; `average`
    defaults to ``'binary'``.

    Returns
    -------
    precision : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from modelmetrics.classification import precision_score
    >>> precision_score([0, 1, 1, 0], [1, 1, 1, 0])
    0.6666666666666666
    """
    return _component(
        "precision", y_true, y_pred, 1.0, labels, pos_label, average, sample_weight, zero_division
    )


def recall_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: float | str = "warn",
) -> Any:
    """Compute recall ``tp / (tp + fn)``, as :func:`sklearn.metrics.recall_score`.

    Parameters are those of :func:`precision_recall_fscore_support`; `average`
    defaults to ``'binary'``.

    Returns
    -------
    recall : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> from modelmetrics.classification import recall_score
    >>> recall_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return _component(
        "recall", y_true, y_pred, 1.0, labels, pos_label, average, sample_weight, zero_division
    )
