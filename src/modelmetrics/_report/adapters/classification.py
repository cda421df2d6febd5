"""The classification adapter: class labels or class probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.arrays import as_array, check_finite
from modelmetrics._core.jsonable import to_jsonable
from modelmetrics._report.adapters.common import (
    ModelTypeAdapter,
    SplitEvaluation,
    check_loss,
    threshold_or_default,
)

__all__ = ["ClassificationAdapter"]


class ClassificationAdapter(ModelTypeAdapter):
    """Class labels, or class probabilities of shape (n_samples, n_classes).

    With probabilities, the predicted class is the most probable one, the loss is the
    cross-entropy ``-mean(log p[true class])`` (probabilities clipped to
    ``[eps, 1]``), each class gets its one-vs-rest average precision (``ap``), and the
    accuracy at `threshold` (default 0.5) counts a sample as right when its predicted
    class is true and has probability >= `threshold` (for two classes: the second
    label is positive when its probability is >= `threshold`). With labels only,
    accuracy is plain accuracy and its threshold is None.
    """

    model_type = "classification"
    task = "classification"

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
    ) -> SplitEvaluation:
        from modelmetrics.classification import (
            accuracy_at_threshold,
            average_precision_score,
            classification_metrics,
        )

        self._no_options(options, ("sample_weight",))
        weights = options.get("sample_weight")
        y_true = as_array("ground_truth", ground_truth)
        y_pred = as_array("predictions", predictions)
        given_loss = check_loss(loss)
        if y_pred.ndim != 2:
            metrics = classification_metrics(y_true, y_pred, labels=labels, sample_weight=weights)
            out = metrics.as_dict()
            # Sample counts per class are the confusion matrix's row sums, unweighted.
            counted = (
                metrics
                if weights is None
                else classification_metrics(y_true, y_pred, labels=labels)
            )
            rows = counted.confusion_matrix.sum(axis=1).tolist()
            stats = {str(c): int(n) for c, n in zip(counted.labels.tolist(), rows, strict=True)}
            return SplitEvaluation(
                metrics=to_jsonable(out),
                dataset_stats={self.task: stats},
                loss=given_loss,
                accuracy={"accuracy": to_jsonable(metrics.accuracy), "threshold": None},
            )
        proba = _probabilities(y_pred)
        names = np.arange(proba.shape[1]) if labels is None else np.asarray(labels)
        if names.shape != (proba.shape[1],):
            raise ValueError(
                f"predictions has {proba.shape[1]} probability columns but labels has "
                f"{names.size} entries"
            )
        if y_true.ndim != 1 or y_true.shape[0] != proba.shape[0]:
            raise ValueError(
                f"ground_truth must be 1-D with one label per row of predictions "
                f"({proba.shape[0]}), got shape {y_true.shape}"
            )
        true_col = _columns_of(y_true, names)
        pred_col = np.argmax(proba, axis=1)
        metrics = classification_metrics(
            y_true, names[pred_col], labels=names, sample_weight=weights
        )
        out = metrics.as_dict()
        by_class = np.ascontiguousarray(proba.T)  # one contiguous score column per class
        for j, label in enumerate(names.tolist()):
            positives = true_col == j
            ap = None
            if positives.any() and not positives.all():
                ap = float(average_precision_score(positives, by_class[j], sample_weight=weights))
            out["per-class"][str(label)]["ap"] = ap
        computed = _cross_entropy(proba, true_col, weights)
        thr = threshold_or_default(threshold, 0.5)
        if proba.shape[1] == 2:
            acc = accuracy_at_threshold(
                true_col == 1, proba[:, 1], threshold=thr, sample_weight=weights
            ).accuracy
        else:
            hit = (pred_col == true_col) & (proba[np.arange(len(pred_col)), pred_col] >= thr)
            acc = float(np.average(hit, weights=weights))
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: _counts(true_col, names.tolist())},
            loss=computed if given_loss is None else given_loss,
            accuracy={"accuracy": acc, "threshold": thr},
        )


def _probabilities(values: NDArray[Any]) -> NDArray[np.float64]:
    if values.dtype.kind not in "biuf":
        raise TypeError(f"class probabilities must be numeric, got dtype {values.dtype}")
    proba = np.ascontiguousarray(values, dtype=np.float64)
    if proba.shape[1] < 2:
        raise ValueError(f"class probabilities need at least 2 columns, got {proba.shape[1]}")
    check_finite("predictions", proba)
    if proba.size and (proba.min() < 0 or proba.max() > 1):
        raise ValueError("predictions: class probabilities must lie in [0, 1]")
    return proba


def _cross_entropy(proba: NDArray[np.float64], true_col: NDArray[np.intp], weights: Any) -> float:
    eps = np.finfo(np.float64).eps
    picked = np.clip(proba[np.arange(len(true_col)), true_col], eps, 1.0)
    return float(np.average(-np.log(picked), weights=weights))


def _counts(columns: NDArray[np.intp], labels: Sequence[Any]) -> dict[str, int]:
    """Samples per label, from each sample's position in `labels`."""
    counts = np.bincount(columns, minlength=len(labels))
    return {str(label): int(n) for label, n in zip(labels, counts.tolist(), strict=True)}


def _columns_of(y_true: NDArray[Any], names: NDArray[Any]) -> NDArray[np.intp]:
    """Position of each label of `y_true` in `names`; ValueError naming unknown labels."""
    order = np.argsort(names, kind="stable")
    ordered = names[order]
    try:
        pos = np.searchsorted(ordered, y_true)
        found = pos < len(ordered)
        found[found] = ordered[pos[found]] == y_true[found]
    except TypeError:  # e.g. string labels against integer names
        found = np.zeros(y_true.shape[0], dtype=bool)
        pos = found.astype(np.intp)
    if not found.all():
        unknown = sorted({str(v) for v in y_true[~found].tolist()})
        raise ValueError(f"ground_truth has labels {unknown} not among labels {names.tolist()}")
    return np.asarray(order[pos], dtype=np.intp)
