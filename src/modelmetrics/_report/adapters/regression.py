"""The regression adapter: targets of one or more outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from modelmetrics._core.jsonable import to_jsonable
from modelmetrics._report.adapters.common import ModelTypeAdapter, SplitEvaluation, check_loss
from modelmetrics._report.analysis import AnalysisOptions, regression_analysis

__all__ = ["RegressionAdapter"]

_REGRESSION_KEYS = (
    "mean-error",
    "max-error",
    "mean-absolute-error",
    "mean-squared-error",
    "r2-score",
    "explained-variance-score",
)


class RegressionAdapter(ModelTypeAdapter):
    """Targets of shape (n_samples,) or (n_samples, n_outputs).

    `labels` names the targets (default ``"target"``, or ``"target-0"``, ... for
    several outputs). The loss is the mean squared error; the accuracy is the share
    of samples within `threshold` of the truth, reported only when a threshold is
    given.
    """

    model_type = "regression"
    task = "regression"

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
        analysis: AnalysisOptions | None = None,
    ) -> SplitEvaluation:
        from modelmetrics._regression.metrics import regression_metrics

        self._no_options(options, ("sample_weight",))
        metrics = regression_metrics(
            ground_truth,
            predictions,
            sample_weight=options.get("sample_weight"),
            threshold=threshold,
        )
        y_true = np.asarray(ground_truth)
        n_outputs = 1 if y_true.ndim == 1 else int(y_true.shape[1])
        names = _target_names(labels, n_outputs)
        values = metrics.as_dict()
        given_loss = check_loss(loss)
        accuracy = None
        if threshold is not None:
            accuracy = {"accuracy": values["accuracy"], "threshold": values["threshold"]}
        extra = None
        if analysis is not None:
            extra = regression_analysis(
                (ground_truth, predictions),
                names,
                options.get("sample_weight"),
                analysis,
            )
        return SplitEvaluation(
            metrics={key: values[key] for key in _REGRESSION_KEYS},
            dataset_stats={self.task: {name: int(y_true.shape[0]) for name in names}},
            loss=to_jsonable(metrics.mean_squared_error) if given_loss is None else given_loss,
            accuracy=accuracy,
            plots=_plots(y_true, np.asarray(predictions), names, threshold),
            analysis=extra,
        )


# Points of the predicted-vs-actual plot (evenly spaced over the samples) and bins of
# the residual histogram (over every sample).
SCATTER_POINTS = 500
RESIDUAL_BINS = 30


def _plots(
    y_true: Any, y_pred: Any, names: list[str], threshold: float | None
) -> dict[str, Any] | None:
    """Per target: a sample of (actual, predicted) pairs and the histogram of the
    residuals ``predicted - actual``; None when the values are not finite numbers."""
    actual = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    predicted = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
    if actual.shape != predicted.shape or not actual.size:
        return None
    if not (np.isfinite(actual).all() and np.isfinite(predicted).all()):
        return None
    n = actual.shape[0]
    keep = np.unique(np.linspace(0, n - 1, min(n, SCATTER_POINTS)).round().astype(np.intp))
    out: dict[str, Any] = {}
    for j, name in enumerate(names):
        residual = predicted[:, j] - actual[:, j]
        counts, edges = np.histogram(residual, bins=RESIDUAL_BINS)
        out[name] = {
            "samples": n,
            "actual": [float(f"{v:.6g}") for v in actual[keep, j].tolist()],
            "predicted": [float(f"{v:.6g}") for v in predicted[keep, j].tolist()],
            "residual-edges": [float(f"{v:.6g}") for v in edges.tolist()],
            "residual-counts": counts.tolist(),
            "tolerance": threshold,
        }
    return {"regression": out}


def _target_names(labels: Any, n_outputs: int) -> list[str]:
    if labels is None:
        return ["target"] if n_outputs == 1 else [f"target-{i}" for i in range(n_outputs)]
    names = [labels] if isinstance(labels, str) else [str(v) for v in labels]
    if len(names) != n_outputs:
        raise ValueError(f"labels names {len(names)} targets, the data has {n_outputs}")
    return names
