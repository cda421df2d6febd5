"""Confusion matrices: the scikit-learn drop-in and the views used in model reports."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._classification.tally import LabelTally, check_targets
from modelmetrics._core.checks import check_int, check_option
from modelmetrics._core.jsonable import json_label

__all__ = ["ConfusionView", "confusion_matrix", "confusion_view"]


def confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    normalize: Literal["true", "pred", "all"] | None = None,
) -> NDArray[Any]:
    """Compute the confusion matrix ``C[i, j]``: samples of true class i predicted as j.

    Same signature, results, dtypes, warnings and errors as
    :func:`sklearn.metrics.confusion_matrix`, from one compiled pass over the labels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like of shape (n_classes,), default=None
        Labels indexing the matrix, in this order; samples whose true or predicted label
        is not listed are left out. None uses every label present, sorted.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    normalize : {'true', 'pred', 'all'}, default=None
        Divide by row sums, column sums or the total.

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes)
        int64 counts; float64 with float weights or `normalize`.

    Raises
    ------
    ValueError
        For invalid targets, multilabel input, empty `labels`, or `labels` that share
        nothing with `y_true`.

    Examples
    --------
    >>> from modelmetrics.classification import confusion_matrix
    >>> confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])
    array([[2, 0, 0],
           [0, 0, 1],
           [1, 0, 2]])
    """
    check_option("normalize", normalize, ("true", "pred", "all", None))
    tally = check_targets(y_true, y_pred, sample_weight, allow_multilabel=False)
    assert isinstance(tally, LabelTally)
    cm = tally.confusion() if labels is None else _select_labels(tally, np.asarray(labels))
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
            cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to "
            "have the correct shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
            stacklevel=2,
        )
    return cm


def _select_labels(tally: LabelTally, labels: NDArray[Any]) -> NDArray[Any]:
    """The matrix restricted to and ordered by `labels`, as scikit-learn builds it."""
    if labels.ndim != 1:
        labels = labels.reshape(-1)
    if labels.size == 0:
        raise ValueError("'labels' should contain at least one label.")
    classes = tally.classes
    # A class counts at the *last* position it appears in `labels` (dict semantics).
    position: dict[Any, int] = {}
    for index, label in enumerate(labels.tolist()):
        position[label] = index
    rows, cols = [], []
    for class_index, label in enumerate(classes.tolist()):
        if label in position:
            rows.append(class_index)
            cols.append(position[label])
    if not any(tally.true_present[r] for r in rows):
        raise ValueError("At least one label specified must be in y_true")
    table = tally.confusion()
    out = np.zeros((labels.size, labels.size), dtype=table.dtype)
    out[np.ix_(cols, cols)] = table[np.ix_(rows, rows)]
    return out


@dataclass(frozen=True)
class ConfusionView:
    """A confusion matrix prepared for display.

    Attributes
    ----------
    labels : list
        Row/column labels in display order; the last is ``other_label`` when classes
        were folded together.
    matrix : ndarray of shape (n_shown, n_shown)
        Counts (or weights); rows are true classes, columns predicted classes. Folded
        classes are summed into the last row and column, so the total is unchanged.
    order : {"most-confused", "most-common"}
        How classes were ranked.
    folded : list
        Labels summed into the ``other`` row/column (empty if none).
    """

    labels: list[Any]
    matrix: NDArray[Any]
    order: str
    folded: list[Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON-native form: ``{"labels": [...], "matrix": [[...]], ...}``."""
        return {
            "labels": [json_label(label) for label in self.labels],
            "matrix": self.matrix.tolist(),
            "order": self.order,
            "folded": [json_label(label) for label in self.folded],
        }


def confusion_view(
    matrix: ArrayLike,
    labels: ArrayLike,
    *,
    order: Literal["most-confused", "most-common"] = "most-confused",
    classes: ArrayLike | None = None,
    max_classes: int | None = 7,
    other_label: str = "other",
) -> ConfusionView:
    """Reorder, filter and cap a confusion matrix for a report, losing no count.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        A confusion matrix (rows true, columns predicted), e.g. from
        :func:`confusion_matrix`.
    labels : array-like of shape (n_classes,)
        The label of each row/column.
    order : {"most-confused", "most-common"}, default="most-confused"
        ``"most-confused"`` ranks classes by off-diagonal mass (errors as true class
        plus errors as predicted class); ``"most-common"`` by support (row sum). Ties
        keep the original order.
    classes : array-like, default=None
        Show only these classes (a class filter); the others are folded.
    max_classes : int or None, default=7
        Show at most this many classes; the rest are summed into a final
        ``other_label`` row and column. None shows all.
    other_label : str, default="other"
        Label of the folded row/column.

    Returns
    -------
    ConfusionView

    Raises
    ------
    ValueError
        If `matrix` is not square, `labels` does not match it, `classes` names an
        unknown label, or `max_classes` is not a positive integer.

    Examples
    --------
    >>> from modelmetrics.classification import confusion_view
    >>> cm = [[5, 1, 0, 0], [3, 2, 0, 1], [0, 0, 9, 0], [0, 0, 1, 4]]
    >>> view = confusion_view(cm, ["a", "b", "c", "d"], max_classes=2)
    >>> view.labels, view.matrix.tolist(), view.folded
    (['b', 'a', 'other'], [[2, 3, 1], [1, 5, 0], [0, 0, 14]], ['c', 'd'])
    """
    cm = np.asarray(matrix)
    names = np.asarray(labels)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"matrix must be square, got shape {cm.shape}")
    if cm.dtype.kind not in "biuf":
        raise TypeError(f"matrix must be numeric, got dtype {cm.dtype}")
    if names.shape != (cm.shape[0],):
        raise ValueError(
            f"labels must have one entry per matrix row ({cm.shape[0]}), got shape {names.shape}"
        )
    check_option("order", order, ("most-confused", "most-common"))
    max_classes = check_int("max_classes", max_classes, low=1, allow_none=True)
    label_list = names.tolist()
    candidates = list(range(len(label_list)))
    if classes is not None:
        wanted = np.asarray(classes).reshape(-1).tolist()
        unknown = [c for c in wanted if c not in label_list]
        if unknown:
            raise ValueError(f"classes {unknown!r} are not among the matrix labels {label_list!r}")
        keep = set(wanted)
        candidates = [i for i in candidates if label_list[i] in keep]
    if order == "most-confused":
        off_diagonal = cm.sum(axis=0) + cm.sum(axis=1) - 2 * np.diagonal(cm)
        score = off_diagonal
    else:
        score = cm.sum(axis=1)
    ranked = sorted(candidates, key=lambda i: -score[i])  # sorted() is stable: ties keep order
    shown = ranked if max_classes is None else ranked[:max_classes]
    rest = [i for i in range(len(label_list)) if i not in set(shown)]
    if not rest:
        return ConfusionView([label_list[i] for i in shown], cm[np.ix_(shown, shown)], order, [])
    size = len(shown) + 1
    out = np.zeros((size, size), dtype=cm.dtype)
    groups = [[i] for i in shown] + [rest]
    for r, row_group in enumerate(groups):
        for c, col_group in enumerate(groups):
            out[r, c] = cm[np.ix_(row_group, col_group)].sum()
    return ConfusionView(
        [label_list[i] for i in shown] + [other_label],
        out,
        order,
        [label_list[i] for i in rest],
    )
