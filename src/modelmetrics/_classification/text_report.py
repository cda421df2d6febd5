"""``classification_report``: per-class precision/recall/F1/support and their averages."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelmetrics._classification.prf import label_sums, prf_from_sums
from modelmetrics._classification.tally import LabelTally, check_targets
from modelmetrics._core.checks import check_bool, check_non_negative_int, check_zero_division

__all__ = ["classification_report"]

_HEADERS = ["precision", "recall", "f1-score", "support"]
_PRF = ("precision", "recall", "f-score")


def classification_report(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    target_names: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: float | str = "warn",
) -> str | dict[str, Any]:
    """Build a text report (or dict) of the main classification metrics.

    Same signature, output (text and dict), warnings and errors as
    :func:`sklearn.metrics.classification_report`; the labels are counted once and
    every row derives from that single pass.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        Ground-truth labels, or a multilabel indicator matrix.
    y_pred : array-like of the same shape as `y_true`
        Predicted labels.
    labels : array-like of shape (n_labels,), default=None
        Labels to include in the report, in this order.
    target_names : array-like of str, default=None
        Display names matching `labels`.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    digits : int, default=2
        Digits of the floats in the text report.
    output_dict : bool, default=False
        Return a dict of floats instead of text.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value returned for a division by zero.

    Returns
    -------
    report : str or dict
        Per-label rows plus ``accuracy`` (or ``micro avg``), ``macro avg``,
        ``weighted avg`` (and ``samples avg`` for multilabel input).

    Raises
    ------
    ValueError
        For invalid targets, or when `target_names` does not match the labels found.

    Examples
    --------
    >>> from modelmetrics.classification import classification_report
    >>> report = classification_report([0, 1, 2, 2], [0, 1, 1, 2], output_dict=True)
    >>> report["accuracy"], report["2"]["recall"]
    (0.75, 0.5)
    """
    digits = check_non_negative_int("digits", digits)
    output_dict = check_bool("output_dict", output_dict)
    zero_division = check_zero_division(zero_division)
    targets = check_targets(y_true, y_pred, sample_weight)
    multiclass = isinstance(targets, LabelTally)
    present = targets.classes if isinstance(targets, LabelTally) else np.arange(targets.n_labels)
    if labels is None:
        labels = _display_labels(y_true, y_pred, present) if multiclass else present
        labels_given = False
    else:
        labels = np.asarray(labels)
        labels_given = True
    micro_is_accuracy = multiclass and (
        not labels_given or set(labels.tolist()) >= set(present.tolist())
    )
    if target_names is not None and len(labels) != len(target_names):  # type: ignore[arg-type]
        if labels_given:
            warnings.warn(
                f"labels size, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}",  # type: ignore[arg-type]
                UserWarning,
                stacklevel=2,
            )
        else:
            raise ValueError(
                f"Number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter"  # type: ignore[arg-type]
            )
    names: list[Any] = (
        ["%s" % label for label in labels]  # noqa: UP031 - str() of numpy scalars, as sklearn
        if target_names is None
        else list(target_names)  # type: ignore[arg-type]
    )

    def scores(average: str | None) -> tuple[Any, Any, Any, Any]:
        sums = label_sums(targets, labels, samplewise=average == "samples")
        return prf_from_sums(
            sums,
            beta=1,
            average=average,
            warn_for=_PRF,
            zero_division=zero_division,
            sample_weight=targets.sample_weight,
        )

    p, r, f1, s = scores(None)
    rows = list(zip(names, p, r, f1, s, strict=False))
    averages = ("micro", "macro", "weighted") + (() if multiclass else ("samples",))
    report_dict: dict[str, Any] = {}
    if output_dict:
        for row in rows:
            report_dict[row[0]] = dict(zip(_HEADERS, [float(v) for v in row[1:]], strict=True))
        text = ""
    else:
        width = max(max(len(name) for name in names), len("weighted avg"), digits)
        head_fmt = "{:>{width}s} " + " {:>9}" * len(_HEADERS)
        text = head_fmt.format("", *_HEADERS, width=width) + "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            text += row_fmt.format(*row, width=width, digits=digits)
        text += "\n"
    for average in averages:
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        avg_p, avg_r, avg_f1, _ = scores(average)
        values = [avg_p, avg_r, avg_f1, np.sum(s)]
        if output_dict:
            report_dict[heading] = dict(zip(_HEADERS, [float(v) for v in values], strict=True))
        elif heading == "accuracy":
            accuracy_fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            text += accuracy_fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            text += row_fmt.format(heading, *values, width=width, digits=digits)
    if not output_dict:
        return text
    if "accuracy" in report_dict:
        report_dict["accuracy"] = report_dict["accuracy"]["precision"]
    return report_dict


def _display_labels(y_true: ArrayLike, y_pred: ArrayLike, present: NDArray[Any]) -> NDArray[Any]:
    """The labels as scikit-learn prints them when the two inputs differ in numeric dtype.

    scikit-learn collects the labels in a set, y_true's first, so of two equal values
    (int 0 and float 0.0) the first seen is kept and names the row ("0", not "0.0").
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.dtype == p.dtype or t.dtype.kind not in "biuf" or p.dtype.kind not in "biuf":
        return present
    seen = set(np.unique(t))
    seen.update(np.unique(p))
    labels = np.asarray(sorted(seen))
    return labels if labels.shape == present.shape else present
