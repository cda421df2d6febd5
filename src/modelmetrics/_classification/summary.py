"""All classification metrics at once, one-shot or streamed.

:class:`ClassificationAccumulator` keeps a confusion matrix over the labels seen so
far (growing as new labels arrive) and nothing else; :func:`classification_metrics`
is one update followed by ``compute``. Everything in :class:`ClassificationMetrics`
derives from that matrix, so any split into batches and any merge order give the same
counts, and results equal the scikit-learn compatible functions on the same data
(exactly without weights; to float rounding with fractional weights, whose partial
sums depend on batch boundaries).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._classification.prf import LabelSums, prf_from_sums
from modelmetrics._classification.tally import LabelTally, check_targets
from modelmetrics._classification.targets import check_label_kinds
from modelmetrics._core.accumulator import Accumulator
from modelmetrics._core.arrays import check_dense_size
from modelmetrics._core.checks import check_beta, check_that, check_zero_division
from modelmetrics._core.jsonable import json_float, json_label

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["ClassificationAccumulator", "ClassificationMetrics", "classification_metrics"]

_AVERAGES = ("micro", "macro", "weighted")


@dataclass(frozen=True, eq=False)
class ClassificationMetrics:
    """Classification metrics derived from one confusion matrix.

    Attributes
    ----------
    labels : ndarray of shape (n_classes,)
        Class labels, indexing every per-class array and the matrix.
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        ``[i, j]``: samples (or weight) of true class i predicted as j.
    n_samples : int
        Number of samples counted (whatever their weights).
    accuracy, balanced_accuracy : float
        Overall accuracy and mean per-class recall (classes absent from ``y_true`` are
        skipped, as in scikit-learn).
    precision, recall, fbeta, support : ndarray of shape (n_classes,)
        Per class; ``fbeta`` uses :attr:`beta` (F1 by default).
    class_accuracy : ndarray of shape (n_classes,)
        One-vs-rest accuracy per class: ``(tp + tn) / total``.
    averages : dict
        ``{"micro" | "macro" | "weighted": {"precision", "recall", "fbeta"}}``.
    beta : float
        The F-score's beta.
    zero_division : float
        Value used where a ratio divides by zero.
    """

    labels: NDArray[Any]
    confusion_matrix: NDArray[Any]
    n_samples: int
    accuracy: float
    balanced_accuracy: float
    precision: NDArray[np.float64]
    recall: NDArray[np.float64]
    fbeta: NDArray[np.float64]
    support: NDArray[Any]
    class_accuracy: NDArray[np.float64]
    averages: Mapping[str, Mapping[str, float]] = field(repr=False)
    beta: float = 1.0
    zero_division: float = 0.0

    @property
    def f1(self) -> NDArray[np.float64]:
        """Per-class F1 (equal to :attr:`fbeta` when ``beta == 1``)."""
        if self.beta != 1:
            raise AttributeError("f1 is only stored for beta=1; use fbeta")
        return self.fbeta

    def per_class(self) -> dict[Any, dict[str, float]]:
        """``{label: {"precision", "recall", "f1" or "fbeta", "support", "accuracy"}}``."""
        score_name = "f1" if self.beta == 1 else "fbeta"
        return {
            json_label(label): {
                "precision": float(self.precision[i]),
                "recall": float(self.recall[i]),
                score_name: float(self.fbeta[i]),
                "support": float(self.support[i]),
                "accuracy": float(self.class_accuracy[i]),
            }
            for i, label in enumerate(self.labels)
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-native values under kebab-case names (NaN and infinity become None)."""
        score_name = "f1" if self.beta == 1 else "fbeta"
        out: dict[str, Any] = {
            "accuracy": json_float(self.accuracy),
            "balanced-accuracy": json_float(self.balanced_accuracy),
            "n-samples": int(self.n_samples),
        }
        for average, values in self.averages.items():
            out[f"{average}-precision"] = json_float(values["precision"])
            out[f"{average}-recall"] = json_float(values["recall"])
            out[f"{average}-{score_name}"] = json_float(values["fbeta"])
        out["per-class"] = {
            str(label): {name: json_float(v) for name, v in scores.items()}
            for label, scores in self.per_class().items()
        }
        out["confusion-matrix"] = {
            "labels": [json_label(label) for label in self.labels],
            "matrix": self.confusion_matrix.tolist(),
        }
        if self.beta != 1:
            out["beta"] = self.beta
        return out


def _metrics_from_matrix(
    labels: NDArray[Any],
    matrix: NDArray[Any],
    n_samples: int,
    beta: float,
    zero_division: float,
) -> ClassificationMetrics:
    tp = np.ascontiguousarray(np.diagonal(matrix))
    true = matrix.sum(axis=1)
    pred = matrix.sum(axis=0)
    sums = LabelSums(tp=tp, pred=pred, true=true)

    def scores(average: str | None) -> tuple[Any, Any, Any, Any]:
        return prf_from_sums(
            sums,
            beta=beta,
            average=average,
            warn_for=(),
            zero_division=zero_division,
            sample_weight=None,
        )

    precision, recall, fbeta, support = scores(None)
    averages = {}
    for average in _AVERAGES:
        p, r, f, _ = scores(average)
        averages[average] = {"precision": p, "recall": r, "fbeta": f}
    total = matrix.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        accuracy = float(tp.sum() / total) if total else math.nan
        tn = total - true - pred + tp
        class_accuracy = (tp + tn) / total if total else np.full(tp.shape, math.nan)
        # Classes without true weight have no recall; scikit-learn drops them too.
        recall_seen = tp[true != 0] / true[true != 0]
    balanced = float(np.mean(recall_seen)) if recall_seen.size else math.nan
    return ClassificationMetrics(
        labels=labels,
        confusion_matrix=matrix,
        n_samples=n_samples,
        accuracy=accuracy,
        balanced_accuracy=balanced,
        precision=precision,
        recall=recall,
        fbeta=fbeta,
        support=support,
        class_accuracy=np.asarray(class_accuracy, dtype=np.float64),
        averages=averages,
        beta=beta,
        zero_division=zero_division,
    )


class ClassificationAccumulator(Accumulator[ClassificationMetrics]):
    """Streaming classification metrics: ``update`` per batch, ``merge``, ``compute``.

    The state is a confusion matrix over the labels seen so far; it grows when a batch
    brings new labels. With `labels`
    fixed, the matrix has exactly those classes and an unknown label is an error.

    Parameters
    ----------
    labels : array-like, default=None
        Fix the classes (and their order). None collects them from the data, sorted.
    beta : float, default=1.0
        Beta of the F-score.
    zero_division : {0.0, 1.0, np.nan}, default=0.0
        Value for ratios that divide by zero (no warning is emitted).

    Examples
    --------
    >>> from modelmetrics.classification import ClassificationAccumulator
    >>> acc = ClassificationAccumulator()
    >>> _ = acc.update([0, 1, 1], [0, 1, 0]).update([2, 2], [2, 1])
    >>> result = acc.compute()
    >>> result.accuracy, result.labels.tolist()
    (0.6, [0, 1, 2])
    """

    def __init__(
        self,
        labels: ArrayLike | None = None,
        *,
        beta: float = 1.0,
        zero_division: float = 0.0,
    ) -> None:
        self.beta = check_beta(beta)
        zd = check_zero_division(zero_division)
        # A stream cannot warn once per undefined metric as the one-shot functions do.
        check_that(zd != "warn", "zero_division", "a float among {0.0, 1.0} or nan", zero_division)
        self.zero_division = float(zd)
        self.fixed_labels = None if labels is None else _check_fixed_labels(labels)
        self.reset()

    def reset(self) -> None:
        """Forget all samples; keep the configuration."""
        if self.fixed_labels is None:
            self.labels: NDArray[Any] = np.empty(0, dtype=np.int64)
        else:
            self.labels = self.fixed_labels.copy()
        k = self.labels.shape[0]
        self.matrix: NDArray[Any] = np.zeros((k, k), np.int64)
        self.n_samples = 0

    def _config(self) -> tuple[Any, ...]:
        fixed = None if self.fixed_labels is None else tuple(self.fixed_labels.tolist())
        zd = "nan" if math.isnan(self.zero_division) else self.zero_division
        return (fixed, self.beta, zd)

    def update(
        self, y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """Count a batch of labels.

        Raises
        ------
        ValueError
            For invalid or multilabel targets, or (with fixed `labels`) a label not
            among them.
        """
        tally = check_targets(y_true, y_pred, sample_weight, allow_multilabel=False)
        assert isinstance(tally, LabelTally)
        self._add(tally.classes, tally.confusion(), tally.n_samples)
        return self

    def _add(self, classes: NDArray[Any], matrix: NDArray[Any], n_samples: int) -> None:
        if self.fixed_labels is not None:
            unknown = [c for c in classes.tolist() if c not in set(self.labels.tolist())]
            if unknown:
                raise ValueError(
                    f"labels {unknown!r} are not among the accumulator's labels "
                    f"{self.labels.tolist()!r}"
                )
            union = self.labels
        elif self.labels.shape[0] == 0 and self.n_samples == 0:
            union = classes
        else:
            check_label_kinds([("accumulated labels", self.labels), ("new labels", classes)])
            union = np.union1d(self.labels, classes)
        dtype = np.result_type(self.matrix.dtype, matrix.dtype)
        grown = _embed(self.labels, self.matrix, union, dtype)
        grown += _embed(classes, matrix, union, dtype)
        self.labels, self.matrix = union, grown
        self.n_samples += n_samples

    def _merge_state(self, other: Self) -> None:
        self._add(other.labels, other.matrix, other.n_samples)

    def compute(self) -> ClassificationMetrics:
        """Metrics for everything counted so far.

        Raises
        ------
        ValueError
            If no sample has been added.
        """
        if self.n_samples == 0:
            raise ValueError("no samples have been added to the accumulator")
        return _metrics_from_matrix(
            self.labels.copy(),
            self.matrix.copy(),
            self.n_samples,
            self.beta,
            self.zero_division,
        )


def _check_fixed_labels(labels: ArrayLike) -> NDArray[Any]:
    arr = np.asarray(labels)
    check_that(
        arr.ndim == 1 and arr.size > 0 and len(set(arr.tolist())) == arr.size,
        "labels",
        "a non-empty 1-D sequence of unique labels or None",
        labels,
    )
    return arr


def _positions(union: NDArray[Any], labels: NDArray[Any]) -> NDArray[np.intp]:
    # A dict keeps the label equality scikit-learn uses (1 == 1.0 == True).
    index = {label: i for i, label in enumerate(union.tolist())}
    return np.array([index[label] for label in labels.tolist()], dtype=np.intp)


def _embed(
    labels: NDArray[Any], matrix: NDArray[Any], union: NDArray[Any], dtype: np.dtype[Any]
) -> NDArray[Any]:
    check_dense_size("the confusion matrix", (union.shape[0], union.shape[0]))
    out = np.zeros((union.shape[0], union.shape[0]), dtype=dtype)
    if labels.shape[0]:
        pos = _positions(union, labels)
        out[np.ix_(pos, pos)] = matrix
    return out


def classification_metrics(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    beta: float = 1.0,
    zero_division: float = 0.0,
) -> ClassificationMetrics:
    """Compute every classification metric from one pass over the labels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth labels (integers, strings, ...).
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Classes to report, in this order; None uses every label present, sorted. An
        unknown label in the data is an error.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    beta : float, default=1.0
        Beta of the F-score.
    zero_division : {0.0, 1.0, np.nan}, default=0.0
        Value for ratios that divide by zero.

    Returns
    -------
    ClassificationMetrics

    Raises
    ------
    ValueError
        For invalid targets, multilabel input, or labels outside `labels`.

    Examples
    --------
    >>> from modelmetrics.classification import classification_metrics
    >>> m = classification_metrics(["cat", "dog", "dog"], ["cat", "dog", "cat"])
    >>> m.accuracy, m.recall.tolist()
    (0.6666666666666666, [1.0, 0.5])
    """
    return (
        ClassificationAccumulator(labels, beta=beta, zero_division=zero_division)
        .update(y_true, y_pred, sample_weight)
        .compute()
    )
