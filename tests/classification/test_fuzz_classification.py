"""Fuzz: modelmetrics.classification with malformed input.

Allowed outcomes: a result or ValueError/TypeError. When both modelmetrics and
scikit-learn return a value for the same input, the values must be equal (the drop-in
promise); inputs scikit-learn accepts and modelmetrics rejects are the documented
differences (negative or non-finite weights, empty score inputs).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from _fuzz import (
    array_like,
    corrupt,
    label_pairs,
    mostly,
    numeric_arrays,
    outcome,
    rejected,
    valid_weights,
    weird_scalars,
)
from hypothesis import given
from hypothesis import strategies as st

from modelmetrics import classification as mm

sklearn_metrics = pytest.importorskip("sklearn.metrics")

LABEL_FUNCTIONS = [
    "accuracy_score",
    "balanced_accuracy_score",
    "confusion_matrix",
    "precision_score",
    "recall_score",
    "f1_score",
    "fbeta_score",
    "precision_recall_fscore_support",
    "classification_report",
]
SCORE_FUNCTIONS = [
    "roc_curve",
    "roc_auc_score",
    "precision_recall_curve",
    "average_precision_score",
]

label_arrays = st.one_of(
    array_like(),
    st.lists(st.integers(0, 3), min_size=0, max_size=12).map(np.array),
    st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=12),
)
wild_weights = st.one_of(st.none(), numeric_arrays(ndim=1), weird_scalars)


@st.composite
def labelled(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    """(y_true, y_pred, sample_weight): mostly valid with one defect, sometimes wild."""
    if draw(st.integers(0, 4)) == 0:
        return draw(label_arrays), draw(label_arrays), draw(wild_weights)
    y_true, y_pred = draw(label_pairs())
    return y_true, y_pred, draw(valid_weights(np.asarray(y_true).reshape(-1).shape[0] or 1))


@st.composite
def scored(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    """(y_true, y_score, sample_weight): binary labels and scores, perhaps one defect."""
    if draw(st.integers(0, 4)) == 0:
        return (
            draw(label_arrays),
            draw(st.one_of(numeric_arrays(), array_like())),
            draw(wild_weights),
        )
    n = draw(st.integers(1, 12))
    y_true = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64, np.int64, np.uint8]))
    scores = draw(
        st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0, 1e-300, 1e300]), min_size=n, max_size=n)
    )
    with np.errstate(all="ignore"):
        y_score = np.array(scores).astype(dtype)
    if draw(st.booleans()):
        y_true = draw(corrupt(y_true))
    else:
        y_score = draw(corrupt(y_score))
    return y_true, y_score, draw(valid_weights(n))


options = st.fixed_dictionaries(
    {},
    optional={
        "average": st.sampled_from([None, "micro", "macro", "weighted", "samples", "binary", "x"]),
        "labels": st.one_of(st.none(), st.lists(st.integers(-1, 4), max_size=4), weird_scalars),
        "zero_division": st.sampled_from([0.0, 1.0, np.nan, "warn", 2, "x"]),
        "pos_label": st.one_of(st.integers(-1, 3), st.sampled_from(["x", None])),
        "beta": mostly(st.floats(0, 5), st.one_of(st.floats(), weird_scalars)),
    },
)

_ACCEPTS = {
    "accuracy_score": {"normalize"},
    "balanced_accuracy_score": {"adjusted"},
    "confusion_matrix": {"labels", "normalize"},
    "classification_report": {"labels", "zero_division", "output_dict"},
    "roc_curve": {"pos_label", "drop_intermediate"},
    "roc_auc_score": {"average", "labels", "max_fpr", "multi_class"},
    "precision_recall_curve": {"pos_label", "drop_intermediate"},
    "average_precision_score": {"average", "pos_label"},
}


def _kwargs(name: str, opts: dict[str, Any]) -> dict[str, Any]:
    allowed = _ACCEPTS.get(name, {"average", "labels", "zero_division", "pos_label"})
    kwargs = {k: v for k, v in opts.items() if k in allowed}
    if name == "fbeta_score":
        kwargs["beta"] = opts.get("beta", 0.5)
    return kwargs


def _sklearn(name: str, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(sklearn_metrics, name)(*args, **kwargs)
        except Exception as exc:  # scikit-learn's own errors vary; only its value matters
            return exc


def _equal(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, tuple):
        return len(ours) == len(theirs) and all(map(_equal, ours, theirs))
    if isinstance(ours, dict):
        return ours.keys() == theirs.keys() and all(_equal(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, str):
        return ours == theirs
    a, b = np.asarray(ours), np.asarray(theirs)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


@given(
    name=st.sampled_from(LABEL_FUNCTIONS),
    data=labelled(),
    opts=options,
)
def test_label_metrics_reject_or_match_sklearn(
    name: str, data: tuple[Any, Any, Any], opts: dict[str, Any]
) -> None:
    y_true, y_pred, sample_weight = data
    kwargs = _kwargs(name, opts)
    ours = outcome(getattr(mm, name), y_true, y_pred, sample_weight=sample_weight, **kwargs)
    if rejected(ours):
        return
    theirs = _sklearn(name, y_true, y_pred, sample_weight=sample_weight, **kwargs)
    if isinstance(theirs, Exception):
        return  # accepted here, refused there: a documented extension
    assert _equal(ours, theirs), (ours, theirs)


@given(
    name=st.sampled_from(SCORE_FUNCTIONS),
    data=scored(),
    opts=options,
)
def test_score_metrics_reject_or_match_sklearn(
    name: str, data: tuple[Any, Any, Any], opts: dict[str, Any]
) -> None:
    y_true, y_score, sample_weight = data
    kwargs = _kwargs(name, opts)
    ours = outcome(getattr(mm, name), y_true, y_score, sample_weight=sample_weight, **kwargs)
    if rejected(ours):
        return
    theirs = _sklearn(name, y_true, y_score, sample_weight=sample_weight, **kwargs)
    if isinstance(theirs, Exception):
        return
    assert _equal(ours, theirs), (ours, theirs)


@given(data=scored(), threshold=mostly(st.floats(0, 1), st.one_of(st.floats(), weird_scalars)))
def test_score_summaries_reject_or_answer(data: tuple[Any, Any, Any], threshold: Any) -> None:
    y_true, y_score, sample_weight = data
    acc = outcome(
        mm.accuracy_at_threshold,
        y_true,
        y_score,
        threshold=threshold,
        sample_weight=sample_weight,
    )
    if not rejected(acc):
        assert 0.0 <= acc.accuracy <= 1.0
    summary = outcome(mm.score_metrics, y_true, y_score, sample_weight=sample_weight)
    streamed = outcome(
        lambda: mm.ScoreAccumulator().update(y_true, y_score, sample_weight).compute()
    )
    assert rejected(summary) == rejected(streamed)
    if not rejected(summary):
        assert np.array_equal(summary.roc_auc, streamed.roc_auc, equal_nan=True)
        assert np.array_equal(summary.average_precision, streamed.average_precision, equal_nan=True)


@given(data=labelled(), opts=options)
def test_classification_metrics_and_accumulator(
    data: tuple[Any, Any, Any], opts: dict[str, Any]
) -> None:
    y_true, y_pred, sample_weight = data
    labels = opts.get("labels")
    zero = opts.get("zero_division", 0.0)
    one = outcome(
        mm.classification_metrics,
        y_true,
        y_pred,
        labels=labels,
        sample_weight=sample_weight,
        zero_division=zero,
    )
    acc = outcome(mm.ClassificationAccumulator, labels, zero_division=zero)
    if rejected(acc):
        assert rejected(one)
        return
    before = (acc.labels.copy(), acc.matrix.copy(), acc.n_samples)
    updated = outcome(acc.update, y_true, y_pred, sample_weight)
    if rejected(updated):
        # A refused batch leaves the state as it was.
        assert np.array_equal(acc.labels, before[0])
        assert np.array_equal(acc.matrix, before[1])
        assert acc.n_samples == before[2]
        return
    streamed = outcome(acc.compute)
    assert rejected(one) == rejected(streamed)
    if not rejected(one):
        assert one.accuracy == streamed.accuracy or np.isnan(one.accuracy)
        assert np.array_equal(one.confusion_matrix, streamed.confusion_matrix)


@given(
    matrix=st.one_of(numeric_arrays(), array_like()),
    labels=st.one_of(array_like(), st.lists(st.text(max_size=2), max_size=5)),
    order=st.sampled_from(["most-confused", "most-common", "x", None]),
    max_classes=st.one_of(st.none(), st.integers(-1, 6), weird_scalars),
    classes=st.one_of(st.none(), st.lists(st.integers(0, 4), max_size=3), weird_scalars),
)
def test_confusion_view_rejects_or_keeps_every_count(
    matrix: Any, labels: Any, order: Any, max_classes: Any, classes: Any
) -> None:
    view = outcome(
        mm.confusion_view, matrix, labels, order=order, max_classes=max_classes, classes=classes
    )
    if rejected(view) or classes is not None:
        return
    total = np.asarray(matrix).sum()
    assert np.asarray(view.matrix).sum() == total
