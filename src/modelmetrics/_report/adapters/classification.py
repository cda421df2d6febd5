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
from modelmetrics._report.adapters.thresholds import (
    MAX_CONFUSION_CELLS,
    at_or_above,
    curve_points,
    operating_points,
    threshold_grid,
)
from modelmetrics._report.analysis import AnalysisOptions, classification_analysis

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

    With `analysis`: the calibration of the probabilities and the state (see
    :mod:`modelmetrics._report.analysis`).
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
        analysis: AnalysisOptions | None = None,
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
            extra = None
            if analysis is not None:
                classes = np.asarray(metrics.labels)
                extra = classification_analysis(
                    (y_true, y_pred, labels),
                    [str(c) for c in classes.tolist()],
                    _columns_of(y_true, classes),
                    _columns_of(y_pred, classes, "predictions"),
                    None,
                    weights,
                    analysis,
                )
            return SplitEvaluation(
                metrics=to_jsonable(out),
                dataset_stats={self.task: stats},
                loss=given_loss,
                accuracy={"accuracy": to_jsonable(metrics.accuracy), "threshold": None},
                analysis=extra,
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
        class_names = [str(label) for label in names.tolist()]
        counts = ops = None
        if weights is None:  # weighted counts would not be the integers the page shows
            counts, ops = _threshold_data(true_col, proba, class_names, thr)
        extra = None
        if analysis is not None:
            extra = classification_analysis(
                (y_true, proba, names), class_names, true_col, None, proba, weights, analysis
            )
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: _counts(true_col, names.tolist())},
            loss=computed if given_loss is None else given_loss,
            accuracy={"accuracy": acc, "threshold": thr},
            plots=_curves(true_col, by_class, class_names, weights),
            threshold_counts=to_jsonable(counts),
            operating_points=to_jsonable(ops),
            analysis=extra,
        )


# Points kept per plotted curve (evenly spaced along it, both ends kept).
CURVE_POINTS = 200


def _thin(*arrays: NDArray[Any]) -> list[list[float]]:
    """The arrays at the same at most CURVE_POINTS positions, rounded to 5 decimals."""
    n = len(arrays[0])
    spots = np.linspace(0, n - 1, min(n, CURVE_POINTS)).round().astype(np.intp)
    keep: NDArray[np.intp] = np.unique(spots)
    return [np.round(a[keep].astype(np.float64), 5).tolist() for a in arrays]


def _curves(
    true_col: NDArray[np.intp],
    by_class: NDArray[np.float64],
    names: list[str],
    weights: Any,
) -> dict[str, Any] | None:
    """One-vs-rest precision-recall and ROC curves per class (each thinned to at most
    CURVE_POINTS points) with the ROC AUC; classes without both positives and
    negatives have none."""
    from modelmetrics.classification import precision_recall_curve, roc_auc_score, roc_curve

    pr: dict[str, Any] = {}
    roc: dict[str, Any] = {}
    for j, name in enumerate(names):
        positives = true_col == j
        if not positives.any() or positives.all():
            continue
        precision, recall, _ = precision_recall_curve(positives, by_class[j], sample_weight=weights)
        fpr, tpr, _ = roc_curve(positives, by_class[j], sample_weight=weights)
        auc = float(roc_auc_score(positives, by_class[j], sample_weight=weights))
        pr[name] = dict(zip(("precision", "recall"), _thin(precision, recall), strict=True))
        roc[name] = {**dict(zip(("fpr", "tpr"), _thin(fpr, tpr), strict=True)), "auc": auc}
    if not pr:
        return None
    return {"pr-curves": pr, "roc-curves": roc}


def _threshold_data(
    true_col: NDArray[np.intp], proba: NDArray[np.float64], names: list[str], threshold: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per-threshold counts and operating points of the accuracy's decision rule.

    Two classes: the second is predicted when its probability is >= the threshold
    (``"positive-class"``). More: the most probable class is predicted when its
    probability is >= the threshold, else no class (``"top-class"``; the confusion
    matrices get a last ``below threshold`` column, and a row of zeros to stay square).
    """
    n, k = proba.shape
    support = np.bincount(true_col, minlength=k)
    if k == 2:
        score = proba[:, 1]
        grid = threshold_grid(threshold, score)
        hit = true_col == 1
        tp1 = at_or_above(score[hit], grid)[0]
        fp1 = at_or_above(score[~hit], grid)[0]
        # Class 0 is predicted below the threshold: its TP are the negatives left.
        tp = np.stack([support[0] - fp1, tp1])
        fp = np.stack([support[1] - tp1, fp1])
        matrices = np.stack(
            [np.stack([tp[0], fp[1]], axis=1), np.stack([fp[0], tp[1]], axis=1)], axis=1
        )  # [threshold, true, predicted]
        s, c_tp, c_fp = curve_points(score, hit)
        ops = {names[0]: None, names[1]: operating_points(s, c_tp, c_fp, int(support[1]))}
        rule: dict[str, Any] = {"rule": "positive-class", "positive-class": names[1]}
        labels = list(names)
    else:
        pred = np.argmax(proba, axis=1)
        score = proba[np.arange(n), pred]
        grid = threshold_grid(threshold, score)
        g = len(grid)
        right = pred == true_col
        tp = at_or_above(score[right], grid, pred[right], k)
        fp = at_or_above(score[~right], grid, pred[~right], k)
        ops = {}
        for j, name in enumerate(names):
            mine = pred == j
            s, c_tp, c_fp = curve_points(score[mine], right[mine])
            ops[name] = operating_points(s, c_tp, c_fp, int(support[j]))
        rule = {"rule": "top-class"}
        labels = [*names, "below threshold"]
        matrices = None
        if (k + 1) ** 2 * g <= MAX_CONFUSION_CELLS:
            cells = at_or_above(score, grid, true_col * k + pred, k * k).reshape(k, k, g)
            square = np.zeros((g, k + 1, k + 1), np.int64)
            square[:, :k, :k] = cells.transpose(2, 0, 1)
            square[:, :k, k] = support[None, :] - square[:, :k, :k].sum(axis=2)
            matrices = square
    out: dict[str, Any] = {
        **rule,
        "thresholds": grid.tolist(),
        "support": dict(zip(names, support.tolist(), strict=True)),
        "tp": dict(zip(names, tp.tolist(), strict=True)),
        "fp": dict(zip(names, fp.tolist(), strict=True)),
    }
    if matrices is not None:
        out["confusion"] = {"labels": labels, "matrices": matrices.tolist()}
    return out, ops


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


def _columns_of(
    y_true: NDArray[Any], names: NDArray[Any], name: str = "ground_truth"
) -> NDArray[np.intp]:
    """Position of each label of `y_true` in `names`; ValueError naming unknown labels
    (and `name`, the argument holding them)."""
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
        raise ValueError(f"{name} has labels {unknown} not among labels {names.tolist()}")
    return np.asarray(order[pos], dtype=np.intp)
