"""Bit-identical parity of modelmetrics.classification with sklearn.metrics."""

from __future__ import annotations

import numpy as np
import pytest
from _parity import assert_parity
from hypothesis import given
from hypothesis import strategies as st

import modelmetrics.classification as mm
from modelmetrics._core.parallel import num_threads

skm = pytest.importorskip("sklearn.metrics")

# Label domains: class indices, shifted and wide integer ranges, signed binary,
# strings, integral floats and booleans.
DOMAINS = {
    "index": [0, 1, 2, 3, 4],
    "binary01": [0, 1],
    "signed": [-1, 1],
    "offset": [1000, 1001, 1003],
    "wide": [-70000, 5, 90000],
    "strings": ["ant", "bird", "cat", "dog"],
    "floats": [0.0, 1.0, 2.0],
    "bools": [False, True],
}


@st.composite
def label_pairs(draw, domains=tuple(DOMAINS)):
    domain = DOMAINS[draw(st.sampled_from(domains))]
    n = draw(st.integers(1, 40))
    # A subset of the domain for each side, so classes can be absent from either.
    true_values = draw(st.lists(st.sampled_from(domain), min_size=1, max_size=len(domain)))
    pred_values = draw(st.lists(st.sampled_from(domain), min_size=1, max_size=len(domain)))
    y_true = draw(st.lists(st.sampled_from(true_values), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(pred_values), min_size=n, max_size=n))
    as_array = draw(st.booleans())
    if as_array:
        y_true, y_pred = np.array(y_true), np.array(y_pred)
    weight_kind = draw(st.sampled_from(["none", "float", "int", "with_zeros"]))
    if weight_kind == "none":
        weights = None
    elif weight_kind == "int":
        weights = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    else:
        low = 0.0 if weight_kind == "with_zeros" else 0.01
        weights = draw(
            st.lists(
                st.floats(low, 100.0, allow_nan=False, allow_subnormal=False),
                min_size=n,
                max_size=n,
            )
        )
    return domain, y_true, y_pred, weights


zero_divisions = st.sampled_from(["warn", 0.0, 1.0, np.nan])
averages = st.sampled_from([None, "binary", "micro", "macro", "weighted", "samples"])


@given(label_pairs(), st.booleans())
def test_accuracy_score(case, normalize):
    _, y_true, y_pred, w = case
    assert_parity(
        mm.accuracy_score, skm.accuracy_score, y_true, y_pred, normalize=normalize, sample_weight=w
    )


@given(label_pairs(), st.booleans())
def test_balanced_accuracy_score(case, adjusted):
    _, y_true, y_pred, w = case
    assert_parity(
        mm.balanced_accuracy_score,
        skm.balanced_accuracy_score,
        y_true,
        y_pred,
        sample_weight=w,
        adjusted=adjusted,
    )


@given(label_pairs(), st.sampled_from([None, "true", "pred", "all"]), st.data())
def test_confusion_matrix(case, normalize, data):
    domain, y_true, y_pred, w = case
    labels = data.draw(
        st.none() | st.lists(st.sampled_from(domain), min_size=1, max_size=len(domain) + 1)
    )
    assert_parity(
        mm.confusion_matrix,
        skm.confusion_matrix,
        y_true,
        y_pred,
        labels=labels,
        sample_weight=w,
        normalize=normalize,
    )


@given(
    label_pairs(),
    averages,
    zero_divisions,
    st.sampled_from([0.0, 0.5, 1, 2.0, np.inf]),
    st.data(),
)
def test_precision_recall_fscore_support(case, average, zero_division, beta, data):
    domain, y_true, y_pred, w = case
    labels = data.draw(st.none() | st.lists(st.sampled_from(domain), min_size=1, max_size=4))
    pos_label = data.draw(st.sampled_from([1, *domain]))
    assert_parity(
        mm.precision_recall_fscore_support,
        skm.precision_recall_fscore_support,
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=w,
        zero_division=zero_division,
    )


@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score"])
@given(case=label_pairs(), average=averages, zero_division=zero_divisions, data=st.data())
def test_single_scores(name, case, average, zero_division, data):
    domain, y_true, y_pred, w = case
    pos_label = data.draw(st.sampled_from([1, *domain]))
    assert_parity(
        getattr(mm, name),
        getattr(skm, name),
        y_true,
        y_pred,
        pos_label=pos_label,
        average=average,
        sample_weight=w,
        zero_division=zero_division,
    )


@given(label_pairs(), averages, st.sampled_from([0.5, 2.0]))
def test_fbeta_score(case, average, beta):
    _, y_true, y_pred, w = case
    assert_parity(
        mm.fbeta_score,
        skm.fbeta_score,
        y_true,
        y_pred,
        beta=beta,
        average=average,
        sample_weight=w,
    )


@given(label_pairs(), st.booleans(), st.integers(0, 5), zero_divisions, st.data())
def test_classification_report(case, output_dict, digits, zero_division, data):
    domain, y_true, y_pred, w = case
    labels = data.draw(
        st.none() | st.lists(st.sampled_from(domain), min_size=1, max_size=3, unique=True)
    )
    names = None
    if labels is not None and data.draw(st.booleans()):
        names = [f"class {i}" for i in range(len(labels))]
    assert_parity(
        mm.classification_report,
        skm.classification_report,
        y_true,
        y_pred,
        labels=labels,
        target_names=names,
        sample_weight=w,
        digits=digits,
        output_dict=output_dict,
        zero_division=zero_division,
    )


@st.composite
def multilabel_pairs(draw):
    n = draw(st.integers(1, 25))
    k = draw(st.integers(2, 5))
    cells = st.lists(st.integers(0, 1), min_size=n * k, max_size=n * k)
    y_true = np.array(draw(cells)).reshape(n, k)
    y_pred = np.array(draw(cells)).reshape(n, k)
    weights = draw(
        st.none()
        | st.lists(st.floats(0.0, 10.0, allow_subnormal=False), min_size=n, max_size=n)
        | st.lists(st.integers(0, 3), min_size=n, max_size=n)
    )
    return y_true, y_pred, weights


@given(multilabel_pairs(), averages, zero_divisions, st.data())
def test_multilabel_scores(case, average, zero_division, data):
    y_true, y_pred, w = case
    labels = data.draw(st.none() | st.lists(st.integers(0, y_true.shape[1] - 1), min_size=1))
    for name in ("precision_recall_fscore_support", "f1_score"):
        kwargs = {"average": average, "sample_weight": w, "zero_division": zero_division}
        assert_parity(
            getattr(mm, name), getattr(skm, name), y_true, y_pred, labels=labels, **kwargs
        )
    assert_parity(mm.accuracy_score, skm.accuracy_score, y_true, y_pred, sample_weight=w)
    assert_parity(
        mm.classification_report,
        skm.classification_report,
        y_true,
        y_pred,
        sample_weight=w,
        output_dict=True,
        zero_division=zero_division,
    )
    assert_parity(mm.confusion_matrix, skm.confusion_matrix, y_true, y_pred)


BAD_INPUTS = [
    ([0, 1], [0, 1, 1], {}),  # inconsistent lengths
    ([], [], {}),  # empty
    ([0.5, 1.0], [0, 1], {}),  # continuous targets
    ([0, 1], [0.0, np.nan], {}),  # NaN in non-integral floats
    ([0, 1], [0.0, np.inf], {}),
    (["a", "b"], [0, 1], {}),  # mix of string and number
    ([[1, 2], [3, 4]], [[1, 2], [3, 4]], {}),  # multiclass-multioutput
    ([[[0]]], [[[0]]], {}),  # 3-D
    ([b"a", b"b"], [b"a", b"b"], {}),  # bytes
    ([0, 1], [0, 1], {"sample_weight": [1.0]}),  # weight length
    ([0, 1], [0, 1], {"sample_weight": [[1.0, 1.0]]}),  # 2-D weight
    ([0, 1], [0, 1], {"sample_weight": ["a", "b"]}),  # non-numeric weight
    ([0, 1], [0, 1], {"sample_weight": [np.nan, 1.0]}),
    ([0, 1], [0, 1], {"normalize": "yes"}),
    (5, 5, {}),  # scalars
]


@pytest.mark.parametrize(("y_true", "y_pred", "kwargs"), BAD_INPUTS)
def test_bad_input_raises_like_sklearn(y_true, y_pred, kwargs):
    fn = "confusion_matrix" if "normalize" in kwargs else "accuracy_score"
    outcome = assert_parity(getattr(mm, fn), getattr(skm, fn), y_true, y_pred, **kwargs)
    assert outcome.error is not None


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"average": "mean"}, "average"),
        ({"zero_division": 2}, "zero_division"),
        ({"beta": -1.0}, "beta"),
        ({"warn_for": "precision"}, "warn_for"),
    ],
)
def test_bad_options_name_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        mm.precision_recall_fscore_support([0, 1], [0, 1], **kwargs)
    outcome = assert_parity(
        mm.precision_recall_fscore_support,
        skm.precision_recall_fscore_support,
        [0, 1],
        [0, 1],
        **kwargs,
    )
    assert outcome.error is not None


def test_negative_weights_are_rejected_naming_the_argument():
    with pytest.raises(
        ValueError, match=r"sample_weight must be non-negative; got -1.0 at index 1"
    ):
        mm.accuracy_score([0, 1], [0, 1], sample_weight=[1.0, -1.0])


def test_all_zero_weights_are_rejected_like_sklearn():
    outcome = assert_parity(
        mm.accuracy_score, skm.accuracy_score, [0, 1], [0, 1], sample_weight=[0.0, 0.0]
    )
    assert isinstance(outcome.error, ValueError)


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_large_input_parity_and_thread_invariance(n_threads):
    rng = np.random.default_rng(7)
    n = 700_000  # above the parallel threshold, so chunks are counted in threads
    y_true = rng.integers(0, 12, n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, 12, n))
    with num_threads(n_threads):
        ours = mm.precision_recall_fscore_support(y_true, y_pred)
        cm = mm.confusion_matrix(y_true, y_pred)
    ref = skm.precision_recall_fscore_support(y_true, y_pred)
    for a, b in zip(ours, ref, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(cm, skm.confusion_matrix(y_true, y_pred))


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
)
def test_every_integer_dtype(dtype):
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 6, 500).astype(dtype)
    y_pred = rng.integers(0, 6, 500).astype(dtype)
    assert_parity(mm.confusion_matrix, skm.confusion_matrix, y_true, y_pred)
    assert_parity(mm.classification_report, skm.classification_report, y_true, y_pred)


def test_mixed_integer_dtypes_and_columns():
    y_true = np.array([[0], [1], [2], [1]], dtype=np.int32)  # a single column is 1-D
    y_pred = np.array([0, 2, 2, 1], dtype=np.int64)
    assert_parity(mm.confusion_matrix, skm.confusion_matrix, y_true, y_pred)
    assert_parity(mm.f1_score, skm.f1_score, y_true, y_pred, average="macro")


def test_many_classes_use_the_bincount_path():
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 3000, 20_000) * 7
    y_pred = np.where(rng.random(20_000) < 0.5, y_true, rng.integers(0, 3000, 20_000) * 7)
    w = rng.random(20_000)
    for kwargs in ({}, {"sample_weight": w}):
        assert_parity(
            mm.precision_recall_fscore_support,
            skm.precision_recall_fscore_support,
            y_true,
            y_pred,
            **kwargs,
        )
        assert_parity(mm.accuracy_score, skm.accuracy_score, y_true, y_pred, **kwargs)
    cm = mm.confusion_matrix(y_true[:3000], y_pred[:3000])
    assert np.array_equal(cm, skm.confusion_matrix(y_true[:3000], y_pred[:3000]))
