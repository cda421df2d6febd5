"""Regression metrics in one compiled pass (see :mod:`modelmetrics.regression`)."""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._core.accumulator import Accumulator
from modelmetrics._core.arrays import (
    as_array,
    check_consistent_length,
    check_finite,
    check_sample_weight,
)
from modelmetrics._core.checks import check_bool, check_option, check_real
from modelmetrics._core.jsonable import json_float
from modelmetrics._regression.moments import (
    M2_DIFF,
    M2_TRUE,
    MAX_ABS,
    MEAN_DIFF,
    SUM_ABS,
    SUM_HIT,
    SUM_SQ,
    WEIGHT,
    merge_moments,
    moments,
)
from modelmetrics.exceptions import UndefinedMetricWarning

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "RegressionAccumulator",
    "RegressionMetrics",
    "explained_variance_score",
    "max_error",
    "mean_absolute_error",
    "mean_squared_error",
    "r2_score",
    "regression_metrics",
    "root_mean_squared_error",
]

ErrorAverage = Literal["raw_values", "uniform_average"]
ScoreAverage = Literal["raw_values", "uniform_average", "variance_weighted"]

_ERROR_AVERAGES = ("raw_values", "uniform_average")
_SCORE_AVERAGES = ("raw_values", "uniform_average", "variance_weighted")
_Float64 = NDArray[np.float64]


# --------------------------------------------------------------------------- inputs


def _as_target(name: str, value: ArrayLike) -> NDArray[Any]:
    arr = as_array(name, value)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must hold numbers only: {exc}") from exc
    elif arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    if arr.ndim == 0:
        raise TypeError(
            f"{name} must be array-like of shape (n_samples,) or "
            f"(n_samples, n_outputs), got a scalar: {value!r}"
        )
    if arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {arr.shape}")
    return arr[:, np.newaxis] if arr.ndim == 1 else arr


def _same_layout(t: NDArray[Any], p: NDArray[Any]) -> tuple[_Float64, _Float64]:
    """float64 copies (or views) of `t` and `p` sharing one memory layout."""
    if t.shape[1] == 1:
        return (
            np.ascontiguousarray(t[:, 0], dtype=np.float64)[:, np.newaxis],
            np.ascontiguousarray(p[:, 0], dtype=np.float64)[:, np.newaxis],
        )
    if t.flags.f_contiguous and p.flags.f_contiguous:  # e.g. pandas' .to_numpy()
        return np.asfortranarray(t, dtype=np.float64), np.asfortranarray(p, dtype=np.float64)
    return np.ascontiguousarray(t, dtype=np.float64), np.ascontiguousarray(p, dtype=np.float64)


def _check_targets(
    y_true: ArrayLike, y_pred: ArrayLike, *, allow_empty: bool = False
) -> tuple[_Float64, _Float64]:
    """Validate a target pair and return both as float64 arrays of shape (n, k)."""
    t = _as_target("y_true", y_true)
    p = _as_target("y_pred", y_pred)
    n = check_consistent_length(y_true=t, y_pred=p)
    if t.shape[1] != p.shape[1]:
        raise ValueError(
            f"y_true and y_pred have different number of outputs ({t.shape[1]}!={p.shape[1]})"
        )
    if n == 0 and not allow_empty:
        raise ValueError("y_true and y_pred are empty; at least one sample is required")
    if t.shape[1] == 0:
        raise ValueError("y_true and y_pred have 0 outputs; at least one is required")
    return _same_layout(t, p)


def _check_weights(sample_weight: ArrayLike | None, n_samples: int) -> _Float64 | None:
    """Validated float64 weights; an all-zero vector is caught later by `_state`."""
    if sample_weight is not None and not isinstance(sample_weight, numbers.Number):
        arr = as_array("sample_weight", sample_weight)
        if arr.dtype.kind in "US":  # ValueError, as scikit-learn (not a TypeError)
            raise ValueError(f"sample_weight must be numeric, got an array of dtype {arr.dtype}")
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"sample_weight must hold numbers only: {exc}") from exc
        if arr.ndim != 1:
            raise ValueError(
                f"sample_weight must be a scalar or 1-D of shape ({n_samples},), "
                f"got shape {arr.shape}"
            )
        sample_weight = arr
    w = check_sample_weight(sample_weight, n_samples, allow_all_zero=True)
    return None if w is None else np.ascontiguousarray(w, dtype=np.float64)


def _check_some_weight(weight_sum: float) -> None:
    if weight_sum == 0:
        raise ValueError(
            "sample_weight must contain at least one non-zero number (all weights are zero)."
        )


def _check_multioutput(
    multioutput: object, n_outputs: int, options: tuple[str, ...]
) -> str | _Float64:
    if isinstance(multioutput, str) or multioutput is None:
        return str(check_option("multioutput", multioutput, options))  # None raises here
    weights = as_array("multioutput", multioutput, dtype=np.float64)  # type: ignore[arg-type]
    if weights.ndim != 1:
        raise ValueError(
            f"multioutput weights must be 1-D of shape (n_outputs,), got shape {weights.shape}"
        )
    check_finite("multioutput", weights)
    if n_outputs == 1:
        raise ValueError("multioutput: custom weights are useful only in multi-output cases.")
    if weights.shape[0] != n_outputs:
        raise ValueError(
            f"There must be equally many custom weights in multioutput ({weights.shape[0]}) "
            f"as outputs ({n_outputs})."
        )
    if weights.sum() == 0:
        raise ValueError("multioutput weights sum to zero; they cannot be normalized.")
    return weights


def _check_threshold(threshold: object) -> float | None:
    return check_real("threshold", threshold, low=0.0, allow_none=True, finite=True)


def _prepare(
    y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None
) -> tuple[_Float64, _Float64, _Float64 | None]:
    t, p = _check_targets(y_true, y_pred)
    return t, p, _check_weights(sample_weight, t.shape[0])


def _state(
    t: _Float64,
    p: _Float64,
    w: _Float64 | None,
    threshold: float | None,
    *,
    allow_all_zero: bool = False,
) -> _Float64:
    """Kernel state of validated targets, rejecting NaN, infinity and all-zero weights.

    The kernel does not stop at non-finite values, but any of them makes the sum of
    ``|y_pred - y_true|`` non-finite. Checking the inputs only in that case spares a
    full extra pass over memory on clean data; finite inputs whose differences
    overflow pass the checks and give infinite errors, as in scikit-learn. The
    kernel's weight sum likewise replaces a pass looking for a non-zero weight.
    """
    state = moments(t, p, w, threshold)
    if not np.isfinite(state[:, SUM_ABS]).all():
        _check_finite_targets(t, p)
    if not allow_all_zero:
        _check_some_weight(state[0, WEIGHT])
    return state


def _check_finite_targets(t: _Float64, p: _Float64) -> None:
    one = t.shape[1] == 1  # report 1-D positions for 1-D input
    check_finite("y_true", t[:, 0] if one else t)
    check_finite("y_pred", p[:, 0] if one else p)


# --------------------------------------------------------------------------- formulas


def _mse(state: _Float64) -> _Float64:
    return state[:, SUM_SQ] / state[:, WEIGHT]


def _mae(state: _Float64) -> _Float64:
    return state[:, SUM_ABS] / state[:, WEIGHT]


def _average_outputs(values: _Float64, multioutput: str | _Float64) -> float | _Float64:
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return values
        return float(np.average(values))
    return float(np.average(values, weights=multioutput))


def _fraction_explained(
    numerator: _Float64,
    denominator: _Float64,
    multioutput: str | _Float64,
    force_finite: bool,
) -> float | _Float64:
    """``1 - numerator / denominator`` per output, with scikit-learn's special cases."""
    # over: a ratio beyond the float range is -inf, the correctly rounded answer.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if force_finite:
            # Perfect predictions score 1 (even on a constant target), imperfect ones
            # on a constant target 0; only the general case uses the formula.
            scores = np.ones_like(numerator)
            nonzero_num = numerator != 0
            valid = nonzero_num & (denominator != 0)
            scores[valid] = 1 - numerator[valid] / denominator[valid]
            scores[nonzero_num & (denominator == 0)] = 0.0
        else:
            scores = 1 - numerator / denominator
        if isinstance(multioutput, str):
            if multioutput == "raw_values":
                return scores
            if multioutput == "variance_weighted" and denominator.any():
                return float(np.average(scores, weights=denominator))
            return float(np.average(scores))
        return float(np.average(scores, weights=multioutput))


def _r2_undefined(stacklevel: int) -> float:
    warnings.warn(
        "R^2 score is not well-defined with less than two samples.",
        UndefinedMetricWarning,
        stacklevel=stacklevel + 1,
    )
    return float("nan")


# --------------------------------------------------------------------------- drop-ins


def mean_squared_error(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: ErrorAverage | ArrayLike = "uniform_average",
) -> float | _Float64:
    """Mean squared error regression loss.

    Drop-in for :func:`sklearn.metrics.mean_squared_error`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,), \
default='uniform_average'
        How to combine the outputs: one value per output, their plain mean, or their
        mean weighted by the given output weights.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)
        A float, or one loss per output for ``multioutput='raw_values'``.

    Raises
    ------
    ValueError
        For mismatched shapes, empty input, NaN or infinity, negative or all-zero
        weights, or an unknown `multioutput`.
    TypeError
        For inputs that are not array-like.

    See Also
    --------
    regression_metrics : All regression metrics from one pass over the data.

    Examples
    --------
    >>> mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.375
    """
    t, p, w = _prepare(y_true, y_pred, sample_weight)
    average = _check_multioutput(multioutput, t.shape[1], _ERROR_AVERAGES)
    return _average_outputs(_mse(_state(t, p, w, None)), average)


def root_mean_squared_error(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: ErrorAverage | ArrayLike = "uniform_average",
) -> float | _Float64:
    """Root mean squared error regression loss.

    Drop-in for :func:`sklearn.metrics.root_mean_squared_error`: the square root of
    the mean squared error of each output, then combined over outputs.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,), \
default='uniform_average'
        How to combine the per-output values.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)
        A float, or one loss per output for ``multioutput='raw_values'``.

    Raises
    ------
    ValueError
        For mismatched shapes, empty input, NaN or infinity, negative or all-zero
        weights, or an unknown `multioutput`.
    TypeError
        For inputs that are not array-like.

    Examples
    --------
    >>> root_mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.6123724356957945
    """
    t, p, w = _prepare(y_true, y_pred, sample_weight)
    average = _check_multioutput(multioutput, t.shape[1], _ERROR_AVERAGES)
    return _average_outputs(np.sqrt(_mse(_state(t, p, w, None))), average)


def mean_absolute_error(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: ErrorAverage | ArrayLike = "uniform_average",
) -> float | _Float64:
    """Mean absolute error regression loss.

    Drop-in for :func:`sklearn.metrics.mean_absolute_error`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,), \
default='uniform_average'
        How to combine the per-output values.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)
        A float, or one loss per output for ``multioutput='raw_values'``.

    Raises
    ------
    ValueError
        For mismatched shapes, empty input, NaN or infinity, negative or all-zero
        weights, or an unknown `multioutput`.
    TypeError
        For inputs that are not array-like.

    Examples
    --------
    >>> mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.5
    """
    t, p, w = _prepare(y_true, y_pred, sample_weight)
    average = _check_multioutput(multioutput, t.shape[1], _ERROR_AVERAGES)
    return _average_outputs(_mae(_state(t, p, w, None)), average)


def r2_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: ScoreAverage | ArrayLike | None = "uniform_average",
    force_finite: bool = True,
) -> float | _Float64:
    """:math:`R^2` (coefficient of determination) regression score.

    Drop-in for :func:`sklearn.metrics.r2_score`:
    ``1 - sum(w * (y_true - y_pred)**2) / sum(w * (y_true - mean(y_true))**2)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    multioutput : {'raw_values', 'uniform_average', 'variance_weighted'}, array-like of \
shape (n_outputs,) or None, default='uniform_average'
        How to combine the per-output scores; ``'variance_weighted'`` weights them by
        the variance of each ``y_true`` column, ``None`` means ``'uniform_average'``.
    force_finite : bool, default=True
        On a constant ``y_true`` column, score 1.0 for perfect and 0.0 for imperfect
        predictions instead of NaN or ``-inf``.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)
        A float, or one score per output for ``multioutput='raw_values'``. With fewer
        than two samples the score is undefined: a float NaN, with a warning.

    Raises
    ------
    ValueError
        For mismatched shapes, empty input, NaN or infinity, negative or all-zero
        weights, or an unknown `multioutput`.
    TypeError
        For inputs that are not array-like, or a non-bool `force_finite`.

    Warns
    -----
    UndefinedMetricWarning
        With fewer than two samples.

    Examples
    --------
    >>> r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.9486081370449679
    >>> r2_score([-2, -2, -2], [-2, -2, -2], force_finite=False)
    nan
    """
    t, p, w = _prepare(y_true, y_pred, sample_weight)
    average = (
        "uniform_average"
        if multioutput is None
        else _check_multioutput(multioutput, t.shape[1], _SCORE_AVERAGES)
    )
    finite = check_bool("force_finite", force_finite)
    if t.shape[0] < 2:
        _check_finite_targets(t, p)
        _check_some_weight(1.0 if w is None else float(w.sum()))
        return _r2_undefined(stacklevel=2)
    state = _state(t, p, w, None)
    return _fraction_explained(state[:, SUM_SQ], state[:, M2_TRUE], average, finite)


def explained_variance_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: ScoreAverage | ArrayLike = "uniform_average",
    force_finite: bool = True,
) -> float | _Float64:
    """Explained variance regression score.

    Drop-in for :func:`sklearn.metrics.explained_variance_score`:
    ``1 - Var(y_true - y_pred) / Var(y_true)`` with weighted variances.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    multioutput : {'raw_values', 'uniform_average', 'variance_weighted'} or array-like \
of shape (n_outputs,), default='uniform_average'
        How to combine the per-output scores.
    force_finite : bool, default=True
        On a constant ``y_true`` column, score 1.0 for perfect and 0.0 for imperfect
        predictions (up to a constant offset) instead of NaN or ``-inf``.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)
        A float, or one score per output for ``multioutput='raw_values'``.

    Raises
    ------
    ValueError
        For mismatched shapes, empty input, NaN or infinity, negative or all-zero
        weights, or an unknown `multioutput`.
    TypeError
        For inputs that are not array-like, or a non-bool `force_finite`.

    Examples
    --------
    >>> explained_variance_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.9571734475374732
    """
    t, p, w = _prepare(y_true, y_pred, sample_weight)
    average = _check_multioutput(multioutput, t.shape[1], _SCORE_AVERAGES)
    finite = check_bool("force_finite", force_finite)
    state = _state(t, p, w, None)
    weight = state[:, WEIGHT]
    return _fraction_explained(
        state[:, M2_DIFF] / weight, state[:, M2_TRUE] / weight, average, finite
    )


def max_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Maximum absolute residual, ``max |y_true - y_pred|``.

    Drop-in for :func:`sklearn.metrics.max_error`; the result is exact.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth target values (a single column of shape (n_samples, 1) is
        accepted too).
    y_pred : array-like of shape (n_samples,)
        Estimated target values.

    Returns
    -------
    max_error : float
        Non-negative; 0.0 for perfect predictions.

    Raises
    ------
    ValueError
        For multi-output input, mismatched shapes, empty input, NaN or infinity.
    TypeError
        For inputs that are not array-like.

    Examples
    --------
    >>> max_error([3, 2, 7, 1], [4, 2, 7, 1])
    1.0
    """
    t, p = _check_targets(y_true, y_pred)
    if t.shape[1] > 1:
        raise ValueError("Multioutput not supported in max_error")
    return float(_state(t, p, None, None)[0, MAX_ABS])


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class RegressionMetrics:
    """All regression metrics of one evaluation.

    For multi-output targets every field is the plain mean over outputs of the
    per-output value (scikit-learn's ``multioutput='uniform_average'``), except
    `max_error`, the largest absolute residual over all outputs.

    Attributes
    ----------
    mean_error : float
        Weighted mean of ``y_pred - y_true`` (the bias; positive = over-prediction).
    max_error : float
        Largest ``|y_pred - y_true|``, over all samples whatever their weight.
    mean_absolute_error : float
        As :func:`mean_absolute_error`.
    mean_squared_error : float
        As :func:`mean_squared_error`.
    root_mean_squared_error : float
        As :func:`root_mean_squared_error`.
    r2_score : float
        As :func:`r2_score` (NaN with fewer than two samples).
    explained_variance_score : float
        As :func:`explained_variance_score`.
    accuracy : float or None
        Weighted share of samples with ``|y_pred - y_true| <= threshold``; None when
        no threshold was given.
    threshold : float or None
        The tolerance used for `accuracy`.
    """

    mean_error: float
    max_error: float
    mean_absolute_error: float
    mean_squared_error: float
    root_mean_squared_error: float
    r2_score: float
    explained_variance_score: float
    accuracy: float | None = None
    threshold: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        """Metrics under their export names, as JSON-native values.

        Returns
        -------
        metrics : dict of str to float or None
            Keys ``mean-error``, ``max-error``, ``mean-absolute-error``,
            ``mean-squared-error``, ``root-mean-squared-error``, ``r2-score`` and
            ``explained-variance-score``, plus ``accuracy`` and ``threshold`` when a
            threshold was given. NaN and infinities (which JSON cannot hold) become
            None.
        """
        items: dict[str, float | None] = {
            "mean-error": self.mean_error,
            "max-error": self.max_error,
            "mean-absolute-error": self.mean_absolute_error,
            "mean-squared-error": self.mean_squared_error,
            "root-mean-squared-error": self.root_mean_squared_error,
            "r2-score": self.r2_score,
            "explained-variance-score": self.explained_variance_score,
        }
        if self.threshold is not None:
            items["accuracy"] = self.accuracy
            items["threshold"] = self.threshold
        return {k: json_float(v) for k, v in items.items()}


def _report(
    state: _Float64,
    n_samples: int,
    threshold: float | None,
    force_finite: bool,
    stacklevel: int,
) -> RegressionMetrics:
    weight = state[:, WEIGHT]
    mse = _mse(state)
    if n_samples < 2:
        r2 = _r2_undefined(stacklevel + 1)
    else:
        r2 = float(
            _fraction_explained(
                state[:, SUM_SQ], state[:, M2_TRUE], "uniform_average", force_finite
            )
        )
    ev = _fraction_explained(
        state[:, M2_DIFF] / weight, state[:, M2_TRUE] / weight, "uniform_average", force_finite
    )
    return RegressionMetrics(
        mean_error=float(np.mean(state[:, MEAN_DIFF])),
        max_error=float(np.max(state[:, MAX_ABS])),
        mean_absolute_error=float(np.mean(_mae(state))),
        mean_squared_error=float(np.mean(mse)),
        root_mean_squared_error=float(np.mean(np.sqrt(mse))),
        r2_score=r2,
        explained_variance_score=float(ev),
        accuracy=None if threshold is None else float(np.mean(state[:, SUM_HIT] / weight)),
        threshold=threshold,
    )


def regression_metrics(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    threshold: float | None = None,
    force_finite: bool = True,
) -> RegressionMetrics:
    """Compute every regression metric in one pass over the data.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground-truth target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights, not all zero.
    threshold : float, default=None
        If given, also report the (weighted) share of samples whose absolute error is
        at most `threshold`.
    force_finite : bool, default=True
        As in :func:`r2_score`, for both scores.

    Returns
    -------
    metrics : RegressionMetrics
        Each field equals the matching drop-in function with default
        ``multioutput='uniform_average'``, exactly (``==``).

    Raises
    ------
    ValueError
        For mismatched shapes, empty input, NaN or infinity, negative or all-zero
        weights, or a negative `threshold`.
    TypeError
        For inputs that are not array-like, or a `threshold` that is not a number.

    Warns
    -----
    UndefinedMetricWarning
        With fewer than two samples (`r2_score` is then NaN).

    Examples
    --------
    >>> m = regression_metrics([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], threshold=0.5)
    >>> m.mean_absolute_error, m.max_error, m.accuracy
    (0.5, 1.0, 0.75)
    >>> m.as_dict()["r2-score"]
    0.9486081370449679
    """
    thr = _check_threshold(threshold)
    finite = check_bool("force_finite", force_finite)
    t, p, w = _prepare(y_true, y_pred, sample_weight)
    return _report(_state(t, p, w, thr), t.shape[0], thr, finite, stacklevel=2)


# --------------------------------------------------------------------------- streaming


class RegressionAccumulator(Accumulator[RegressionMetrics]):
    """Streaming version of :func:`regression_metrics`.

    Keeps only ``9 * n_outputs`` numbers and a sample count, never the samples.
    Shards evaluated separately and merged give the one-shot result up to rounding
    (relative differences of order 1e-15).

    Parameters
    ----------
    threshold : float, default=None
        Tolerance for the `accuracy` field; it must be fixed up front because only
        the count of samples within it is kept.
    force_finite : bool, default=True
        As in :func:`r2_score`.

    Examples
    --------
    >>> acc = RegressionAccumulator()
    >>> acc.update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().mean_squared_error
    0.375
    """

    def __init__(self, *, threshold: float | None = None, force_finite: bool = True) -> None:
        self._threshold = _check_threshold(threshold)
        self._force_finite = check_bool("force_finite", force_finite)
        self._n_samples = 0
        self._moments: _Float64 | None = None

    @property
    def threshold(self) -> float | None:
        """Tolerance for `accuracy`, or None."""
        return self._threshold

    @property
    def force_finite(self) -> bool:
        """Whether constant-target scores are replaced by finite values."""
        return self._force_finite

    @property
    def n_samples(self) -> int:
        """Number of samples added so far (whatever their weight)."""
        return self._n_samples

    def update(
        self, y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """Add a batch of samples.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Ground-truth target values; every batch must have the same number of
            outputs. An empty batch is a no-op.
        y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Estimated target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (a batch may be all zero).

        Returns
        -------
        self : RegressionAccumulator
            This accumulator, for chaining.

        Raises
        ------
        ValueError
            For invalid inputs (as :func:`regression_metrics`) or a number of outputs
            that differs from earlier batches.
        """
        t, p = _check_targets(y_true, y_pred, allow_empty=True)
        w = _check_weights(sample_weight, t.shape[0])
        if self._moments is not None and t.shape[1] != self._moments.shape[0]:
            raise ValueError(
                f"y_true has {t.shape[1]} outputs, earlier batches had {self._moments.shape[0]}"
            )
        if t.shape[0] == 0:
            return self
        batch = _state(t, p, w, self._threshold, allow_all_zero=True)
        if self._moments is None:
            self._moments = batch
        else:
            merge_moments(self._moments, batch)
        self._n_samples += t.shape[0]
        return self

    def compute(self) -> RegressionMetrics:
        """Metrics of every sample added so far.

        Returns
        -------
        metrics : RegressionMetrics
            As :func:`regression_metrics` on the concatenated batches.

        Raises
        ------
        ValueError
            If no samples were added, or all of them had zero weight.
        """
        if self._moments is None:
            raise ValueError("RegressionAccumulator.compute: no samples have been added")
        _check_some_weight(self._moments[0, WEIGHT])
        return _report(
            self._moments, self._n_samples, self._threshold, self._force_finite, stacklevel=2
        )

    def reset(self) -> None:
        """Forget every sample, keeping `threshold` and `force_finite`."""
        self._n_samples = 0
        self._moments = None

    def _config(self) -> tuple[Any, ...]:
        return (self._threshold, self._force_finite)

    def _merge_state(self, other: Self) -> None:
        if other._moments is None:
            return
        if self._moments is None:
            self._moments = other._moments.copy()
        elif self._moments.shape != other._moments.shape:
            raise ValueError(
                f"cannot merge accumulators with {self._moments.shape[0]} and "
                f"{other._moments.shape[0]} outputs"
            )
        else:
            merge_moments(self._moments, other._moments)
        self._n_samples += other._n_samples
