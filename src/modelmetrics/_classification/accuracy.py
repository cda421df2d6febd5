"""Accuracy and balanced accuracy, from one tally of the labels."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from modelmetrics import _kernels
from modelmetrics._classification.confusion import confusion_matrix
from modelmetrics._classification.tally import LabelTally, check_targets
from modelmetrics._core.checks import check_bool

__all__ = ["accuracy_score", "balanced_accuracy_score"]


def accuracy_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    normalize: bool = True,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Accuracy: the share (or number) of samples whose prediction is exactly right.

    Same signature and results as :func:`sklearn.metrics.accuracy_score`. For
    multilabel indicator input this is subset accuracy: every label of a sample must
    match.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        Ground-truth labels, or a multilabel indicator matrix.
    y_pred : array-like of the same shape as `y_true`
        Predicted labels.
    normalize : bool, default=True
        Return the fraction of correct samples; if False, their (weighted) number.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.

    Returns
    -------
    score : float

    Raises
    ------
    ValueError
        For invalid targets or weights.

    Examples
    --------
    >>> from modelmetrics.classification import accuracy_score
    >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3])
    0.5
    >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3], normalize=False)
    2.0
    """
    normalize = check_bool("normalize", normalize)
    targets = check_targets(y_true, y_pred, sample_weight)
    if isinstance(targets, LabelTally):
        weight = targets.sample_weight
        if weight is None:
            hits = int(targets.tp_sum.sum())
            n = targets.n_samples
            # The mean of 0/1 floats is exact, so count / n is what numpy returns.
            return hits / n if normalize else float(hits)
        hit = targets.hits()
    else:
        hit = np.all(targets.y_true == targets.y_pred, axis=1).view(np.uint8)
        weight = targets.sample_weight
        if weight is None:
            hits = int(np.count_nonzero(hit))
            n = hit.shape[0]
            return hits / n if normalize else float(hits)
    if not normalize:
        # scikit-learn takes np.dot here, whose summation order is BLAS's own.
        return float(np.dot(hit.view(np.bool_), weight))
    # np.average's numerator: a pairwise sum of hit * weight, fused without the temporary.
    total = _kernels.weighted_hits(np.ascontiguousarray(hit), weight.astype(np.float64, copy=False))
    scale = weight.sum(dtype=np.float64)  # np.average's scale, cast-in-buffers included
    return float(total / scale)


def balanced_accuracy_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    adjusted: bool = False,
) -> float:
    """Balanced accuracy: the mean of per-class recall.

    Same signature, results and warnings as
    :func:`sklearn.metrics.balanced_accuracy_score`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    adjusted : bool, default=False
        Rescale so that random guessing scores 0 and perfect prediction 1.

    Returns
    -------
    balanced_accuracy : float

    Raises
    ------
    ValueError
        For invalid or multilabel targets.

    Examples
    --------
    >>> from modelmetrics.classification import balanced_accuracy_score
    >>> balanced_accuracy_score([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1])
    0.625
    """
    adjusted = check_bool("adjusted", adjusted)
    cm = confusion_matrix(y_true, y_pred, sample_weight=sample_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class: Any = np.diagonal(cm) / cm.sum(axis=1)
    if np.any(np.isnan(per_class)):
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=2)
        per_class = per_class[~np.isnan(per_class)]
    score = np.mean(per_class)
    if adjusted:
        n_classes = per_class.shape[0]
        chance = 1 / n_classes
        score -= chance
        score /= 1 - chance
    return float(score)
