"""Regression metrics: scikit-learn drop-ins, a one-pass report and a streaming accumulator.

Every function here runs one compiled pass over the data that yields, per output
column, the weight sum, the mean and sum of squared deviations of ``y_true`` and of
the residual ``y_pred - y_true``, the sums of its absolute values and squares and
its largest absolute value (see :mod:`modelmetrics._regression.moments`). All six metrics
follow from those numbers, so :func:`regression_metrics` costs about as much as any
single metric, and :class:`RegressionAccumulator` needs only that small state.

Differences from scikit-learn 1.9.1, on purpose:

- NaN or infinity in any input and negative sample weights raise ``ValueError``.
- Inputs are always computed in float64 (scikit-learn computes in float32 when both
  targets are float32) and string arrays are rejected.
- ``r2_score`` and ``explained_variance_score`` treat a ``y_true`` column whose
  weighted values are all equal as constant. scikit-learn subtracts a rounded mean,
  so for constants such as ``[0.1, 0.1, 0.1]`` it sees a tiny non-zero variance and
  returns a huge negative score instead of the ``force_finite`` value.
- A sum of zero over ``multioutput`` weights raises ``ValueError`` (scikit-learn:
  ``ZeroDivisionError``), and a scalar ``sample_weight`` is accepted.
"""

from modelmetrics._regression.metrics import (
    RegressionAccumulator,
    RegressionMetrics,
    explained_variance_score,
    max_error,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    regression_metrics,
    root_mean_squared_error,
)

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
