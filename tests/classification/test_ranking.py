"""Parity of the ranking metrics with scikit-learn: identical values (``==``, dtypes and
shapes), warnings and error classes; plus input validation and thread invariance."""

import dataclasses

import numpy as np
import pytest
from _parity import assert_same_value, run
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from modelmetrics._classification import ranking as _ranking
from modelmetrics._classification.ranking import (
    ThresholdAccuracy,
    accuracy_at_threshold,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from modelmetrics._core.parallel import num_threads
from modelmetrics.exceptions import InvalidParameterError

skm = pytest.importorskip("sklearn.metrics")

OURS = {
    "roc_curve": roc_curve,
    "precision_recall_curve": precision_recall_curve,
    "roc_auc_score": roc_auc_score,
    "average_precision_score": average_precision_score,
}

SCORE_POOL = [-0.0, 0.0, 0.1, 0.5, 0.7, 1.0, -3.5, 1e-300, 5e-324, 1e300, 0.1 + 1e-17]
WEIGHT_POOL = [0.0, 0.5, 1.0, 1.3, 2.7, 1e-3, 1e3, 1 / 3]


def _assert_same_signs(ours, ref):
    """-0.0 versus 0.0, which ``==`` does not see (zero thresholds keep their sign)."""
    if isinstance(ref, tuple):
        for a, b in zip(ours, ref, strict=True):
            _assert_same_signs(a, b)
    elif isinstance(ref, np.ndarray) and ref.dtype.kind == "f":
        assert np.array_equal(np.signbit(ours), np.signbit(ref))
    elif isinstance(ref, float):
        assert np.signbit(ours) == np.signbit(ref)


def assert_same(name, *args, **kwargs):
    """Ours and scikit-learn's agree exactly: values, dtypes, shapes, Python types,
    signs of zeros and warnings; or both raise errors of the same kind."""
    ref = run(getattr(skm, name), *args, **kwargs)
    ours = run(OURS[name], *args, **kwargs)
    if ref.error is not None:
        assert ours.error is not None, (
            f"scikit-learn raised {ref.error!r}, we returned {ours.value!r}"
        )
        # ZeroDivisionError: scikit-learn's np.average over no class pair ('ovo').
        kinds = [
            k
            for k in (ValueError, TypeError, NotImplementedError, ZeroDivisionError)
            if isinstance(ref.error, k)
        ]
        assert kinds, f"unexpected reference error {ref.error!r}"
        assert any(isinstance(ours.error, k) for k in kinds), (ours.error, ref.error)
        return
    assert ours.error is None, f"we raised {ours.error!r}, scikit-learn returned {ref.value!r}"
    assert_same_value(ours.value, ref.value)
    _assert_same_signs(ours.value, ref.value)
    assert ours.warnings == ref.warnings


@st.composite
def binary_inputs(draw, max_n=50):
    n = draw(st.integers(1, max_n))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
    pool = draw(
        st.lists(
            st.sampled_from(SCORE_POOL) | st.floats(-10, 10, allow_nan=False),
            min_size=1,
            max_size=6,
        )
    )
    scores = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
    weights = draw(st.none() | hnp.arrays(np.float64, n, elements=st.sampled_from(WEIGHT_POOL)))
    if weights is not None and not weights.any():
        weights[draw(st.integers(0, n - 1))] = 1.0
    return y, scores, weights


# --------------------------------------------------------------------------------------
# Binary parity


@given(binary_inputs(), st.booleans())
@settings(max_examples=150, deadline=None)
def test_curves_match_sklearn(inputs, drop):
    y, s, w = inputs
    assert_same("roc_curve", y, s, sample_weight=w, drop_intermediate=drop)
    assert_same("precision_recall_curve", y, s, sample_weight=w, drop_intermediate=drop)


@given(binary_inputs(), st.sampled_from([None, 1, 1.0, 0.3, 0.5, 1e-9]))
@settings(max_examples=150, deadline=None)
def test_scores_match_sklearn(inputs, max_fpr):
    y, s, w = inputs
    assert_same("roc_auc_score", y, s, sample_weight=w, max_fpr=max_fpr)
    assert_same("average_precision_score", y, s, sample_weight=w)


LABEL_SETS = [
    np.array(["neg", "pos"]),
    np.array([-1, 1]),
    np.array([0, 1]),
    np.array([2, 7]),
    np.array([False, True]),
    np.array([0.0, 1.0]),
    np.array(["a", "b"], dtype=object),
]


@pytest.mark.parametrize("labels", LABEL_SETS, ids=lambda a: f"{a.dtype}-{a[1]}")
@given(inputs=binary_inputs(max_n=30), which=st.sampled_from(["none", "first", "second", "1"]))
@settings(max_examples=25, deadline=None)
def test_pos_label_variants_match_sklearn(labels, inputs, which):
    y, s, w = inputs
    pos_label = {"none": None, "first": labels[0], "second": labels[1], "1": 1}[which]
    y_true = labels[y]
    assert_same("roc_curve", y_true, s, pos_label=pos_label, sample_weight=w)
    assert_same("precision_recall_curve", y_true, s, pos_label=pos_label, sample_weight=w)
    assert_same("roc_auc_score", y_true, s, sample_weight=w)
    if pos_label is not None:
        assert_same("average_precision_score", y_true, s, pos_label=pos_label, sample_weight=w)


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float16, np.int64, np.int8, np.uint8, np.uint64, np.bool_, object]
)
def test_score_dtypes_match_sklearn(dtype):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = (rng.integers(0, 7, 200) * (0.25 if np.dtype(dtype).kind in "fO" else 1)).astype(dtype)
    for drop in (True, False):
        assert_same("roc_curve", y, s, drop_intermediate=drop)
        assert_same("precision_recall_curve", y, s, drop_intermediate=drop)
    assert_same("roc_auc_score", y, s)
    assert_same("average_precision_score", y, s)


def test_multiclass_labels_with_pos_label_match_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 100)
    s = rng.random(100)
    assert_same("roc_curve", y, s, pos_label=2)
    assert_same("precision_recall_curve", y, s, pos_label=3, drop_intermediate=True)


def test_zero_thresholds_keep_the_sign_sklearn_reports():
    # The reported threshold of a tie group is its last member in sample order.
    y = np.array([1, 0, 1, 0, 1, 0])
    for s in ([0.0, -0.0, 0.5, 0.0, 0.5, -0.0], [-0.0, 0.0, 0.5, -0.0, 0.5, 0.0]):
        s = np.array(s)
        assert_same("precision_recall_curve", y, s)
        w = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])  # the last zero has no weight
        assert_same("precision_recall_curve", y, s, sample_weight=w)
        assert_same("precision_recall_curve", y, s.astype(np.float32))


@pytest.mark.parametrize(
    ("y", "s"),
    [
        ([1], [0.5]),
        ([0], [0.5]),
        ([1, 1, 1], [0.5, 0.2, 0.1]),
        ([0, 0, 0], [0.5, 0.2, 0.1]),
        ([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]),
        ([1, 0], [0.3, 0.3]),
        (["a", "a"], [0.5, 0.2]),
    ],
)
def test_degenerate_inputs_match_sklearn(y, s):
    for drop in (True, False):
        assert_same("roc_curve", y, s, drop_intermediate=drop)
        assert_same("precision_recall_curve", y, s, drop_intermediate=drop)
    assert_same("roc_auc_score", y, s)
    assert_same("roc_auc_score", y, s, max_fpr=0.5)
    assert_same("average_precision_score", y, s)


def test_one_class_after_zero_weights_matches_sklearn():
    y, s = [0, 1, 1], [0.1, 0.2, 0.3]
    assert_same("roc_auc_score", y, s, sample_weight=[0, 1, 1])
    assert_same("roc_auc_score", y, s, sample_weight=[0, 1, 1], max_fpr=0.3)
    assert_same("average_precision_score", y, s, sample_weight=[1, 0, 0])
    assert_same("roc_curve", y, s, sample_weight=[1, 0, 0])


def test_large_input_matches_sklearn():
    rng = np.random.default_rng(7)
    n = 200_000
    s = rng.random(n)
    y = (rng.random(n) < s).astype(np.int64)
    w = rng.choice([0.0, 0.5, 1.0, 2.0, 1 / 3], n)
    for scores in (s, np.round(s, 3), s.astype(np.float32)):
        assert_same("roc_auc_score", y, scores)
        assert_same("average_precision_score", y, scores)
        assert_same("roc_auc_score", y, scores, sample_weight=w)
        assert_same("average_precision_score", y, scores, sample_weight=w)
    assert_same("roc_curve", y, np.round(s, 3), sample_weight=w)
    assert_same("precision_recall_curve", y, np.round(s, 3), sample_weight=w)


# --------------------------------------------------------------------------------------
# Multilabel and multiclass parity

AVERAGES = ["micro", "macro", "samples", "weighted", None]


@st.composite
def multilabel_inputs(draw):
    n = draw(st.integers(2, 25))
    k = draw(st.integers(2, 4))
    y = draw(hnp.arrays(np.int64, (n, k), elements=st.integers(0, 1)))
    pool = draw(st.sampled_from([[0.0, 0.2, 0.5, 0.9], SCORE_POOL]))
    s = draw(hnp.arrays(np.float64, (n, k), elements=st.sampled_from(pool)))
    kind = draw(st.sampled_from(["none", "float", "float32", "int"]))
    w = None
    if kind != "none":
        w = draw(hnp.arrays(np.float64, n, elements=st.sampled_from(WEIGHT_POOL)))
        if not w.any():
            w[0] = 1.0
        w = {"float": w, "float32": w.astype(np.float32), "int": np.ceil(w * 3).astype(int)}[kind]
    return y, s, w


@given(multilabel_inputs(), st.sampled_from(AVERAGES))
@settings(max_examples=80, deadline=None)
def test_multilabel_matches_sklearn(inputs, average):
    y, s, w = inputs
    assert_same("roc_auc_score", y, s, average=average, sample_weight=w)
    assert_same("roc_auc_score", y, s, average=average, sample_weight=w, max_fpr=0.4)
    assert_same("average_precision_score", y, s, average=average, sample_weight=w)


@st.composite
def multiclass_inputs(draw):
    n = draw(st.integers(3, 30))
    c = draw(st.integers(3, 5))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, c - 1)))
    raw = draw(hnp.arrays(np.float64, (n, c), elements=st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0])))
    raw[:, 0] += 1e-3  # no all-zero row
    probs = raw / raw.sum(axis=1, keepdims=True)
    w = draw(st.none() | hnp.arrays(np.float64, n, elements=st.sampled_from(WEIGHT_POOL)))
    if w is not None and not w.any():
        w[0] = 1.0
    return y, probs, w


@given(multiclass_inputs(), st.sampled_from(AVERAGES), st.sampled_from(["ovr", "ovo"]))
@settings(max_examples=80, deadline=None)
def test_multiclass_roc_auc_matches_sklearn(inputs, average, multi_class):
    y, p, w = inputs
    c = p.shape[1]
    sw = None if multi_class == "ovo" else w
    assert_same("roc_auc_score", y, p, average=average, multi_class=multi_class, sample_weight=sw)
    assert_same("roc_auc_score", y, p, average=average, multi_class=multi_class, labels=range(c))
    names = np.array(["ant", "bee", "cat", "dog", "eel"])[:c]
    assert_same(
        "roc_auc_score", names[y], p, average=average, multi_class=multi_class, labels=names
    )


@given(multiclass_inputs(), st.sampled_from(AVERAGES))
@settings(max_examples=50, deadline=None)
def test_multiclass_average_precision_matches_sklearn(inputs, average):
    y, p, w = inputs
    if np.unique(y).shape[0] == p.shape[1]:
        assert_same("average_precision_score", y, p, average=average, sample_weight=w)


def test_multiclass_option_errors_match_sklearn():
    y = np.array([0, 1, 2, 2])
    p = np.full((4, 3), 1 / 3)
    for kwargs in (
        {},  # multi_class='raise'
        {"multi_class": "ovr", "max_fpr": 0.5},
        {"multi_class": "ovr", "average": "samples"},
        {"multi_class": "ovo", "average": "micro"},
        {"multi_class": "ovo", "average": None},
        {"multi_class": "ovo", "sample_weight": [1, 1, 1, 1]},
        {"multi_class": "ovr", "labels": [0, 1, 3]},
        {"multi_class": "ovr", "labels": [0, 2, 1]},
        {"multi_class": "ovr", "labels": [0, 1, 1]},
        {"multi_class": "ovr", "labels": [0, 1, 2, 3]},
    ):
        assert_same("roc_auc_score", y, p, **kwargs)
    assert_same("roc_auc_score", y, p * 2, multi_class="ovr")  # not probabilities
    assert_same("roc_auc_score", y, p[:, :2], multi_class="ovr")  # wrong column count
    assert_same("roc_auc_score", y, p[:, 0], multi_class="ovr")  # 1-D scores
    assert_same("average_precision_score", y, p, pos_label=2)
    assert_same("average_precision_score", y, p[:, :2])
    # Two classes present but three score columns: one class never occurs.
    assert_same("roc_auc_score", [0, 1, 1], np.eye(3), multi_class="ovr", labels=[0, 1, 2])
    # A single class present: no pair for 'ovo' (NaN for 'macro', ZeroDivisionError for
    # 'weighted', as scikit-learn's np.average gives them).
    for average in ("macro", "weighted"):
        assert_same(
            "roc_auc_score", [1, 1, 1], p[:3], multi_class="ovo", labels=[0, 1, 2], average=average
        )


def test_average_weighted_without_support_matches_sklearn():
    y = np.zeros((3, 2), int)
    s = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    assert_same("roc_auc_score", y, s, average="weighted")  # the int 0
    assert_same("average_precision_score", y, s, average="weighted")
    assert_same("roc_auc_score", y, s, average="weighted", sample_weight=[1, 2, 3])


# --------------------------------------------------------------------------------------
# Thread-count invariance


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("labels", ["mixed", "grouped"])
def test_results_do_not_depend_on_thread_count(monkeypatch, weighted, labels):
    # Tiny blocks, so that small inputs are split over many threads and runs.
    monkeypatch.setattr(_ranking, "_MIN_BLOCK", 64)
    rng = np.random.default_rng(11)
    n = 5000
    s = rng.choice([0.1, 0.2, 0.3, -0.0, 0.0, 0.7, 1.0], n)  # many ties across blocks
    # 'grouped': positives first, so that some blocks hold a single class
    y = rng.integers(0, 2, n) if labels == "mixed" else (np.arange(n) < 700).astype(int)
    w = rng.choice(WEIGHT_POOL, n) if weighted else None
    results = {}
    for threads in (1, 2, 3, 7):
        with num_threads(threads):
            results[threads] = (
                roc_curve(y, s, sample_weight=w),
                precision_recall_curve(y, s, sample_weight=w),
                roc_auc_score(y, s, sample_weight=w),
                average_precision_score(y, s, sample_weight=w),
            )
    for threads in (2, 3, 7):
        assert_same_value(results[threads], results[1])
        _assert_same_signs(results[threads], results[1])
    assert_same_value(
        results[1][:2],
        (skm.roc_curve(y, s, sample_weight=w), skm.precision_recall_curve(y, s, sample_weight=w)),
    )
    assert results[1][2] == skm.roc_auc_score(y, s, sample_weight=w)
    assert results[1][3] == skm.average_precision_score(y, s, sample_weight=w)


def test_block_edges_use_the_thread_count(monkeypatch):
    monkeypatch.setattr(_ranking, "_MIN_BLOCK", 10)
    with num_threads(3):
        assert _ranking._block_edges(100) == [(0, 33), (33, 66), (66, 100)]
        assert _ranking._block_edges(15) == [(0, 15)]
    with num_threads(1):
        assert _ranking._block_edges(1000) == [(0, 1000)]


# --------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("name", list(OURS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_are_rejected(name, bad):
    with pytest.raises(ValueError, match=r"y_score contains (NaN|infinity)"):
        OURS[name]([0, 1, 1], [0.1, bad, 0.3])


@pytest.mark.parametrize("name", list(OURS))
def test_mismatched_lengths_are_rejected(name):
    with pytest.raises(ValueError, match="y_true has 3, y_score has 2"):
        OURS[name]([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="sample_weight has 2"):
        OURS[name]([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[1, 2])


@pytest.mark.parametrize("name", list(OURS))
def test_empty_input_is_rejected(name):
    with pytest.raises(ValueError, match="y_true is empty"):
        OURS[name]([], [])


def test_multilabel_y_true_with_1d_scores_is_rejected():
    y = np.array([[0, 1], [1, 0], [1, 1]])
    for func in (roc_auc_score, average_precision_score):
        with pytest.raises(ValueError, match="y_score: expected a 2D array"):
            func(y, [0.1, 0.2, 0.3])
    for func in (roc_curve, precision_recall_curve):
        with pytest.raises(ValueError, match="multilabel-indicator format is not supported"):
            func(y, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="y_score must have the shape"):
        roc_auc_score(y, np.ones((3, 3)))


@pytest.mark.parametrize("name", list(OURS))
def test_continuous_targets_are_rejected(name):
    with pytest.raises(ValueError, match=r"continuous format is not supported \(y_true\)"):
        OURS[name]([0.5, 1.2, 0.1], [0.1, 0.2, 0.3])


def test_unknown_options_are_rejected():
    y, s = [0, 1, 1], [0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match="'average' parameter"):
        roc_auc_score(y, s, average="foo")
    with pytest.raises(ValueError, match="'average' parameter"):
        average_precision_score(y, s, average="binary")
    with pytest.raises(ValueError, match="'multi_class' parameter"):
        roc_auc_score(y, s, multi_class="ovx")
    for bad in (0, 1.5, float("nan"), "half", True):
        with pytest.raises(InvalidParameterError, match="'max_fpr' parameter"):
            roc_auc_score(y, s, max_fpr=bad)
    with pytest.raises(InvalidParameterError, match="'drop_intermediate' parameter"):
        roc_curve(y, s, drop_intermediate=1)
    with pytest.raises(InvalidParameterError, match="'pos_label' parameter"):
        precision_recall_curve(y, s, pos_label=[1])
    with pytest.raises(InvalidParameterError, match="'pos_label' parameter"):
        average_precision_score(y, s, pos_label=None)


@pytest.mark.parametrize("name", list(OURS))
def test_negative_weights_are_rejected(name):
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        OURS[name]([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[1.0, -1.0, 2.0])


@pytest.mark.parametrize("name", list(OURS))
def test_weight_problems_are_rejected(name):
    with pytest.raises(ValueError, match=r"[Ss]ample.weight"):
        OURS[name]([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[0, 0, 0])
    with pytest.raises(ValueError, match="sample_weight contains NaN"):
        OURS[name]([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[1.0, np.nan, 1.0])
    with pytest.raises(TypeError, match="sample_weight must be numeric"):
        OURS[name]([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=["a", "b", "c"])


def test_non_numeric_scores_are_rejected():
    with pytest.raises(TypeError, match="y_score must hold numbers"):
        roc_curve([0, 1], ["0.1", "0.9"])
    with pytest.raises(TypeError, match="y_score must hold numbers"):
        average_precision_score([0, 1], np.array([object(), object()]))
    with pytest.raises(ValueError, match="y_score must hold numbers"):
        roc_auc_score([0, 1], ["0.1", "0.9"])
    with pytest.raises(TypeError, match="float64"):
        roc_curve([0, 1], np.array([0.1, 0.9], np.longdouble))


def test_labels_without_pos_label_are_rejected():
    with pytest.raises(ValueError, match=r"y_true takes value in \{1, 2\} and pos_label"):
        roc_curve([1, 2, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"pos_label=1 is not a valid label"):
        average_precision_score(["a", "b"], [0.1, 0.2])
    with pytest.raises(ValueError, match="multiclass format is not supported"):
        roc_curve([0, 1, 2], [0.1, 0.2, 0.3])


def test_scores_of_wrong_shape_are_rejected():
    with pytest.raises(ValueError, match="y_score should be a 1d array"):
        roc_curve([0, 1, 1], np.ones((3, 2)))
    with pytest.raises(ValueError, match="y_score should be a 1d array"):
        roc_auc_score([0, 1, 1], np.ones((3, 2)))
    with pytest.raises(ValueError, match="1D or 2D"):
        roc_auc_score([0, 1, 1], np.ones((3, 1, 1)))


# --------------------------------------------------------------------------------------
# accuracy_at_threshold


@given(binary_inputs(), st.sampled_from([0.5, 0.0, 0.1, 1.0, -np.inf, np.inf, 0.7]))
@settings(max_examples=100, deadline=None)
def test_accuracy_matches_sklearn_accuracy_score(inputs, threshold):
    y, s, w = inputs
    result = accuracy_at_threshold(y, s, threshold=threshold, sample_weight=w)
    expected = skm.accuracy_score(y == 1, s >= threshold, sample_weight=w)
    assert result.accuracy == expected
    assert result.threshold == threshold


def test_accuracy_predicts_positive_at_the_threshold():
    # score == threshold counts as a positive prediction
    assert accuracy_at_threshold([1, 0], [0.5, 0.4], threshold=0.5).accuracy == 1.0
    assert accuracy_at_threshold([0, 1], [0.5, 0.6], threshold=0.5).accuracy == 0.5


def test_accuracy_result_is_frozen_and_reports_the_threshold():
    result = accuracy_at_threshold(["no", "yes", "yes"], [0.2, 0.8, 0.4], pos_label="yes")
    assert isinstance(result, ThresholdAccuracy)
    assert result.as_dict() == {"accuracy": 2 / 3, "threshold": 0.5}
    assert all(type(v) is float for v in result.as_dict().values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.accuracy = 1.0  # type: ignore[misc]


def test_accuracy_rejects_bad_input():
    for bad in ("0.5", float("nan"), None, True):
        with pytest.raises(InvalidParameterError, match="'threshold' parameter"):
            accuracy_at_threshold([0, 1], [0.1, 0.2], threshold=bad)
    with pytest.raises(ValueError, match="y_score contains NaN"):
        accuracy_at_threshold([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="pos_label"):
        accuracy_at_threshold([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"[Ss]ample.weight"):
        accuracy_at_threshold([0, 1], [0.1, 0.2], sample_weight=[0, 0])
    with pytest.raises(ValueError, match="y_true is empty"):
        accuracy_at_threshold([], [])
