"""Score-based binary metrics at once, one-shot or streamed.

ROC AUC and average precision depend on the order of all scores, so their exact state
is the scores themselves: :class:`ScoreAccumulator` keeps, per batch and in arrival
order, the positive-class flags (1 byte per sample), the scores (8 bytes) and the
weights (8 bytes, if given). ``merge`` appends the other state's batches, and
``compute`` sorts once per metric with the compiled kernels. Unweighted results equal
the one-shot functions exactly, whatever the batching and merge order; weighted ones to
float rounding, since tied scores then sum in arrival order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._classification.ranking import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from modelmetrics._classification.targets import as_label_array, check_label_kinds, unique_values
from modelmetrics._core.accumulator import Accumulator
from modelmetrics._core.arrays import (
    as_array,
    check_consistent_length,
    check_finite,
    check_sample_weight,
    column_or_1d,
)
from modelmetrics._core.checks import check_that
from modelmetrics._core.jsonable import json_float

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["ScoreAccumulator", "ScoreMetrics", "score_metrics"]

_F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ScoreMetrics:
    """Binary score-based metrics and their curves.

    Attributes
    ----------
    roc_auc : float
        Area under the ROC curve (NaN when only one class is present).
    average_precision : float
        Average precision (step-wise area under the precision-recall curve).
    fpr, tpr, roc_thresholds : ndarray
        The ROC curve, as :func:`roc_curve` returns it (thresholds decreasing, the
        first is ``inf``).
    precision, recall, pr_thresholds : ndarray
        The precision-recall curve, as :func:`precision_recall_curve` returns it.
    n_samples, n_positive : int
        Samples counted and how many of them are positive.
    """

    roc_auc: float
    average_precision: float
    fpr: _F64
    tpr: _F64
    roc_thresholds: _F64
    precision: _F64
    recall: _F64
    pr_thresholds: _F64
    n_samples: int
    n_positive: int

    def as_dict(self, *, curves: bool = True) -> dict[str, Any]:
        """JSON-native values under kebab-case names (NaN and infinity become None)."""
        out: dict[str, Any] = {
            "roc-auc": json_float(self.roc_auc),
            "average-precision": json_float(self.average_precision),
            "n-samples": self.n_samples,
            "n-positive": self.n_positive,
        }
        if curves:
            out["roc-curve"] = {
                "fpr": [json_float(v) for v in self.fpr],
                "tpr": [json_float(v) for v in self.tpr],
                "thresholds": [json_float(v) for v in self.roc_thresholds],
            }
            out["pr-curve"] = {
                "precision": [json_float(v) for v in self.precision],
                "recall": [json_float(v) for v in self.recall],
                "thresholds": [json_float(v) for v in self.pr_thresholds],
            }
        return out


class ScoreAccumulator(Accumulator[ScoreMetrics]):
    """Streaming ROC AUC, average precision and their curves for a binary problem.

    Parameters
    ----------
    pos_label : int, float, bool or str, default=None
        The positive class. None requires labels in {0, 1} or {-1, 1} (across all
        batches) and takes 1, as scikit-learn does.
    drop_intermediate : bool, default=True
        Passed to :func:`roc_curve`.

    Examples
    --------
    >>> from modelmetrics.classification import ScoreAccumulator
    >>> acc = ScoreAccumulator().update([0, 1], [0.2, 0.9]).update([1, 0], [0.4, 0.6])
    >>> acc.compute().roc_auc
    0.75
    """

    def __init__(self, *, pos_label: Any = None, drop_intermediate: bool = True) -> None:
        check_that(
            pos_label is None or isinstance(pos_label, int | float | str | np.generic),
            "pos_label",
            "an int, a float, a bool, a str or None",
            pos_label,
        )
        self.pos_label = pos_label
        self.drop_intermediate = bool(drop_intermediate)
        self.reset()

    def reset(self) -> None:
        """Forget all batches; keep the configuration."""
        self._positive: list[NDArray[np.bool_]] = []
        self._scores: list[_F64] = []
        self._weights: list[_F64 | None] = []
        self._labels: NDArray[Any] = np.empty(0, dtype=np.int64)

    def _config(self) -> tuple[Any, ...]:
        return (self.pos_label, self.drop_intermediate)

    def update(
        self, y_true: ArrayLike, y_score: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """Add a batch of labels and scores.

        Raises
        ------
        ValueError
            For mismatched lengths, non-finite scores, invalid weights, more than two
            classes without `pos_label`, or labels outside {0, 1} / {-1, 1} when
            `pos_label` is None.
        """
        labels = column_or_1d("y_true", as_label_array("y_true", y_true))
        scores = column_or_1d("y_score", as_array("y_score", y_score))
        if scores.dtype.kind not in "biuf":
            raise TypeError(f"y_score must be numeric, got dtype {scores.dtype}")
        n = check_consistent_length(y_true=labels, y_score=scores)
        if n == 0:
            return self
        scores = np.ascontiguousarray(scores, dtype=np.float64)
        check_finite("y_score", scores)
        weight = check_sample_weight(sample_weight, n)
        seen = unique_values(labels)
        self._labels = self._union_labels(seen)
        positive = labels == (1 if self.pos_label is None else self.pos_label)
        self._positive.append(np.asarray(positive, dtype=np.bool_))
        self._scores.append(scores)
        self._weights.append(None if weight is None else weight.astype(np.float64))
        return self

    def _union_labels(self, seen: NDArray[Any]) -> NDArray[Any]:
        if self._labels.size:
            check_label_kinds([("accumulated y_true", self._labels), ("y_true", seen)])
        union = np.union1d(self._labels, seen) if self._labels.size else seen
        if self.pos_label is None:
            values = set(union.tolist())
            if union.dtype.kind in "US" or not (values <= {0, 1} or values <= {-1, 1}):
                raise ValueError(
                    f"y_true takes values in {sorted(values, key=str)!r} and pos_label is not "
                    "specified: either make y_true take values in {0, 1} or {-1, 1} or pass "
                    "pos_label explicitly."
                )
        elif union.shape[0] > 2:
            raise ValueError(
                f"y_true has more than two classes ({union.tolist()!r}); this accumulator "
                "scores one binary problem"
            )
        return union

    def _merge_state(self, other: Self) -> None:
        self._labels = self._union_labels(other._labels) if other._labels.size else self._labels
        self._positive.extend(other._positive)
        self._scores.extend(other._scores)
        self._weights.extend(other._weights)

    def compute(self) -> ScoreMetrics:
        """ROC AUC, average precision and both curves over every batch added.

        Raises
        ------
        ValueError
            If no sample has been added.
        """
        if not self._scores:
            raise ValueError("no samples have been added to the accumulator")
        positive = np.concatenate(self._positive)
        scores = np.concatenate(self._scores)
        weights = None
        if any(w is not None for w in self._weights):
            weights = np.concatenate(
                [
                    np.ones(s.shape[0]) if w is None else w
                    for s, w in zip(self._scores, self._weights, strict=True)
                ]
            )
        n_positive = int(np.count_nonzero(positive))
        if 0 < n_positive < positive.shape[0]:
            auc = roc_auc_score(positive, scores, sample_weight=weights)
        else:
            auc = math.nan  # ROC AUC is undefined with a single class
        ap = average_precision_score(positive, scores, sample_weight=weights, pos_label=True)
        fpr, tpr, roc_thr = roc_curve(
            positive,
            scores,
            pos_label=True,
            sample_weight=weights,
            drop_intermediate=self.drop_intermediate,
        )
        precision, recall, pr_thr = precision_recall_curve(
            positive, scores, pos_label=True, sample_weight=weights
        )
        return ScoreMetrics(
            roc_auc=float(auc),
            average_precision=float(ap),
            fpr=fpr,
            tpr=tpr,
            roc_thresholds=roc_thr,
            precision=precision,
            recall=recall,
            pr_thresholds=pr_thr,
            n_samples=int(positive.shape[0]),
            n_positive=n_positive,
        )


def score_metrics(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    pos_label: Any = None,
    sample_weight: ArrayLike | None = None,
    drop_intermediate: bool = True,
) -> ScoreMetrics:
    """ROC AUC, average precision and both curves for binary scores, in one call.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels.
    y_score : array-like of shape (n_samples,)
        Scores of the positive class (probabilities or decision values).
    pos_label : int, float, bool or str, default=None
        The positive class; None requires labels in {0, 1} or {-1, 1}.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    drop_intermediate : bool, default=True
        Drop suboptimal ROC thresholds, as :func:`roc_curve`.

    Returns
    -------
    ScoreMetrics

    Raises
    ------
    ValueError
        For invalid labels, scores or weights.

    Examples
    --------
    >>> from modelmetrics.classification import score_metrics
    >>> m = score_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> m.roc_auc, round(m.average_precision, 4)
    (0.75, 0.8333)
    """
    accumulator = ScoreAccumulator(pos_label=pos_label, drop_intermediate=drop_intermediate)
    return accumulator.update(y_true, y_score, sample_weight).compute()
