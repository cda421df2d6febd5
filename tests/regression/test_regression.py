"""Regression metrics: parity with scikit-learn, the one-pass report, the accumulator."""

import json
import pickle
import warnings
from itertools import pairwise

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from modelmetrics import regression as mm
from modelmetrics._core.parallel import num_threads
from modelmetrics.exceptions import UndefinedMetricWarning

ERRORS = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error"]
SCORES = ["r2_score", "explained_variance_score"]


def sk(name, *args, **kwargs):
    """scikit-learn's result, with its warnings silenced (pytest turns them into errors)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return getattr(skm, name)(*args, **kwargs)


def ours(name, *args, **kwargs):
    """Our result; the only warning allowed is R^2's "fewer than two samples"."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = getattr(mm, name)(*args, **kwargs)
    for w in caught:
        assert issubclass(w.category, UndefinedMetricWarning), w
    return result


def assert_matches(got, want, *, rtol=1e-12, atol=0.0):
    """Same return type and shape as scikit-learn, values within tolerance."""
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, np.ndarray):
        assert got.shape == want.shape
        assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# ------------------------------------------------------------------ strategies

# Quarter-integers: sums, weighted sums and means of these are exact in float64, so
# scikit-learn sees an exactly constant column as constant too (see the module docs).
LATTICE = st.integers(-40, 40).map(lambda v: v / 4)
HALVES = st.integers(0, 4).map(lambda v: v / 2)


@st.composite
def regression_inputs(draw, elements=LATTICE, weights=HALVES):
    n = draw(st.integers(1, 30))
    k = draw(st.sampled_from([None, 1, 2, 3]))  # None: 1-D input
    shape = (n,) if k is None else (n, k)
    y_true = draw(hnp.arrays(np.float64, shape, elements=elements))
    constant = draw(st.sampled_from(["none", "all", "first"]))
    if constant == "all":
        y_true[:] = y_true[:1]
    elif constant == "first" and k:
        y_true[:, 0] = y_true[0, 0]
    pred = draw(st.sampled_from(["random", "perfect", "shifted"]))
    if pred == "random":
        y_pred = draw(hnp.arrays(np.float64, shape, elements=elements))
    elif pred == "perfect":
        y_pred = y_true.copy()
    else:
        y_pred = y_true + 1.25
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = draw(hnp.arrays(np.float64, n, elements=weights))
        if not sample_weight.any():
            sample_weight[0] = 1.0
    form = draw(st.sampled_from(["float", "list", "int"]))
    if form == "int":
        y_true, y_pred = np.round(y_true).astype(np.int64), np.round(y_pred).astype(np.int64)
    elif form == "list":
        y_true, y_pred = y_true.tolist(), y_pred.tolist()
    n_outputs = 1 if k is None else k
    return y_true, y_pred, sample_weight, n_outputs


def averages(data, n_outputs, scores):
    options = ["raw_values", "uniform_average"]
    if scores:
        options.append("variance_weighted")
    if n_outputs > 1:
        options.append(
            data.draw(st.lists(st.integers(1, 5), min_size=n_outputs, max_size=n_outputs))
        )
    return options


# ------------------------------------------------------------------ parity with sklearn


@given(case=regression_inputs(), force_finite=st.booleans(), data=st.data())
@settings(max_examples=150, deadline=None)
def test_parity_with_sklearn_on_exact_data(case, force_finite, data):
    y_true, y_pred, sw, n_outputs = case
    for name in ERRORS:
        for multioutput in averages(data, n_outputs, scores=False):
            kw = {"sample_weight": sw, "multioutput": multioutput}
            assert_matches(ours(name, y_true, y_pred, **kw), sk(name, y_true, y_pred, **kw))
    for name in SCORES:
        for multioutput in averages(data, n_outputs, scores=True):
            kw = {"sample_weight": sw, "multioutput": multioutput, "force_finite": force_finite}
            got = ours(name, y_true, y_pred, **kw)
            # 1 - ratio: an absolute tolerance on the scale of the leading 1.
            assert_matches(got, sk(name, y_true, y_pred, **kw), atol=1e-14)
    if n_outputs == 1:
        assert ours("max_error", y_true, y_pred) == sk("max_error", y_true, y_pred)


# Non-dyadic values: rounding everywhere. Targets are distinct (so never constant) and
# weights positive, which keeps scikit-learn away from its rounded-mean constant case.
GENERAL = st.integers(-(10**6), 10**6).map(lambda v: v / 997)


@given(
    y_true=hnp.arrays(
        np.float64, st.tuples(st.integers(2, 60), st.integers(1, 3)), elements=GENERAL, unique=True
    ),
    offsets=st.integers(0, 2**32 - 1),
    weighted=st.booleans(),
    force_finite=st.booleans(),
)
@settings(max_examples=80, deadline=None)
def test_parity_with_sklearn_on_rounded_data(y_true, offsets, weighted, force_finite):
    rng = np.random.default_rng(offsets)
    n, k = y_true.shape
    y_pred = y_true + rng.normal(0.0, 1.0, (n, k)) * rng.choice([0.0, 1e-3, 10.0])
    sw = rng.random(n) + 0.1 if weighted else None
    for name in ERRORS + SCORES:
        options = ["raw_values", "uniform_average"]
        if name in SCORES:
            options.append("variance_weighted")
        for multioutput in options:
            kw = {"sample_weight": sw, "multioutput": multioutput}
            if name in SCORES:
                kw["force_finite"] = force_finite
            atol = 1e-13 if name in SCORES else 0.0
            assert_matches(
                ours(name, y_true, y_pred, **kw), sk(name, y_true, y_pred, **kw), atol=atol
            )
    if k == 1:
        assert ours("max_error", y_true, y_pred) == sk("max_error", y_true, y_pred)


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("force_finite", [True, False])
@pytest.mark.parametrize("perfect", [True, False])
def test_constant_target_rules(name, force_finite, perfect):
    y_true = [[-2.0, 1.0], [-2.0, 2.0], [-2.0, 3.0]]
    y_pred = [[-2.0, 1.0], [-2.0, 2.0], [-2.0 if perfect else -1.5, 3.5]]
    kw = {"force_finite": force_finite, "multioutput": "raw_values"}
    got = ours(name, y_true, y_pred, **kw)
    assert_matches(got, sk(name, y_true, y_pred, **kw))
    if force_finite:
        assert got[0] == (1.0 if perfect else 0.0)
    else:
        assert np.isnan(got[0]) if perfect else got[0] == -np.inf
    weighted = {**kw, "multioutput": "variance_weighted"}
    assert_matches(ours(name, y_true, y_pred, **weighted), sk(name, y_true, y_pred, **weighted))


def test_constant_target_is_constant_even_when_its_mean_rounds():
    # scikit-learn's mean of [0.1] * 3 is 0.10000000000000002, so it sees a variance of
    # ~1e-33 and returns about -5e31. We keep the constant-target rule.
    assert mm.r2_score([0.1, 0.1, 0.1], [0.2, 0.2, 0.2]) == 0.0
    assert mm.r2_score([0.1, 0.1, 0.1], [0.1, 0.1, 0.1], force_finite=False) != 0.0


def test_r2_with_one_sample_warns_and_is_nan_like_sklearn():
    for multioutput in ["uniform_average", "raw_values"]:
        with pytest.warns(UndefinedMetricWarning, match="two samples"):
            got = mm.r2_score([[1.0, 2.0]], [[2.0, 3.0]], multioutput=multioutput)
        assert_matches(got, sk("r2_score", [[1.0, 2.0]], [[2.0, 3.0]], multioutput=multioutput))


def test_r2_accepts_none_multioutput_like_sklearn():
    y_true, y_pred = [[1, 2], [3, 5], [4, 4]], [[1, 3], [2, 5], [4, 5]]
    assert_matches(
        mm.r2_score(y_true, y_pred, multioutput=None),
        sk("r2_score", y_true, y_pred, multioutput=None),
    )


def test_inputs_of_other_types_and_layouts():
    y_true = np.array([3, -1, 2, 7, 5])
    y_pred = np.array([2.5, 0.0, 2, 8, 5])
    expected = sk("mean_squared_error", y_true, y_pred)
    assert mm.mean_squared_error(y_true.astype(bool), y_pred > 1) == sk(
        "mean_squared_error", y_true.astype(bool), y_pred > 1
    )
    assert mm.mean_squared_error(y_true.astype(np.int16), y_pred) == expected
    assert mm.mean_squared_error(y_true.astype(object), y_pred.tolist()) == expected
    assert mm.mean_squared_error(y_true[:, None], y_pred) == expected
    assert mm.mean_squared_error(y_true[::-1][::-1], y_pred.astype(">f8")) == expected
    wide = np.arange(30.0).reshape(10, 3) ** 1.5
    assert np.array_equal(
        mm.r2_score(wide, wide[::-1], multioutput="raw_values"),
        mm.r2_score(np.asfortranarray(wide), wide[::-1], multioutput="raw_values"),
    )
    strided = np.arange(40.0).reshape(10, 4)[:, ::2]  # neither C- nor F-contiguous
    assert_matches(
        mm.mean_absolute_error(strided, wide[:, :2], multioutput="raw_values"),
        sk("mean_absolute_error", strided, wide[:, :2], multioutput="raw_values"),
    )


# ------------------------------------------------------------------ one-pass report


@given(case=regression_inputs(), threshold=st.sampled_from([None, 0.0, 0.5, 3.0]))
@settings(max_examples=60, deadline=None)
def test_report_equals_the_drop_ins_exactly(case, threshold):
    y_true, y_pred, sw, n_outputs = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        report = mm.regression_metrics(y_true, y_pred, sample_weight=sw, threshold=threshold)
        r2 = mm.r2_score(y_true, y_pred, sample_weight=sw)
    assert report.mean_squared_error == mm.mean_squared_error(y_true, y_pred, sample_weight=sw)
    assert report.root_mean_squared_error == mm.root_mean_squared_error(
        y_true, y_pred, sample_weight=sw
    )
    assert report.mean_absolute_error == mm.mean_absolute_error(y_true, y_pred, sample_weight=sw)
    assert report.explained_variance_score == mm.explained_variance_score(
        y_true, y_pred, sample_weight=sw
    )
    assert report.r2_score == r2 or (np.isnan(r2) and np.isnan(report.r2_score))
    t, p = np.asarray(y_true, float).reshape(len(y_true), -1), np.asarray(y_pred, float)
    d = p.reshape(t.shape) - t
    if n_outputs == 1:
        assert report.max_error == mm.max_error(y_true, y_pred)
    assert report.max_error == np.abs(d).max()
    w = np.ones(len(t)) if sw is None else sw
    np.testing.assert_allclose(
        report.mean_error, np.mean(np.average(d, axis=0, weights=w)), rtol=1e-12, atol=1e-14
    )
    if threshold is None:
        assert report.accuracy is None
        assert report.threshold is None
    else:
        hits = np.average(np.abs(d) <= threshold, axis=0, weights=w)
        np.testing.assert_allclose(report.accuracy, hits.mean(), rtol=1e-12)
        assert report.threshold == threshold


def test_report_as_dict_is_json_native():
    report = mm.regression_metrics([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], threshold=0.5)
    exported = report.as_dict()
    assert list(exported) == [
        "mean-error",
        "max-error",
        "mean-absolute-error",
        "mean-squared-error",
        "root-mean-squared-error",
        "r2-score",
        "explained-variance-score",
        "accuracy",
        "threshold",
    ]
    assert exported["accuracy"] == 0.75
    assert exported["mean-squared-error"] == 0.375
    assert all(type(v) is float for v in exported.values())
    json.dumps(exported, allow_nan=False)
    assert "accuracy" not in mm.regression_metrics([1, 2], [1, 3]).as_dict()


def test_report_as_dict_maps_nan_and_inf_to_none():
    with pytest.warns(UndefinedMetricWarning):
        single = mm.regression_metrics([1.0], [2.0])
    assert np.isnan(single.r2_score)
    assert single.as_dict()["r2-score"] is None
    constant = mm.regression_metrics([2.0, 2.0], [2.0, 3.0], force_finite=False)
    assert constant.r2_score == -np.inf
    assert constant.as_dict()["r2-score"] is None
    json.dumps(constant.as_dict(), allow_nan=False)


def test_report_is_frozen():
    report = mm.regression_metrics([1, 2, 3], [1, 2, 4])
    with pytest.raises(AttributeError):
        report.max_error = 0.0


# ------------------------------------------------------------------ threads


def big_case(seed, shape):
    rng = np.random.default_rng(seed)
    y_true = rng.normal(3.0, 2.0, shape)
    return y_true, y_true + rng.normal(0.0, 0.5, shape), rng.random(shape[0])


@pytest.mark.parametrize("shape", [(200_003,), (70_001, 3)])
def test_results_do_not_depend_on_thread_count(shape):
    y_true, y_pred, sw = big_case(5, shape)
    with num_threads(1):
        one = mm.regression_metrics(y_true, y_pred, sample_weight=sw, threshold=0.5)
        raw = mm.r2_score(y_true, y_pred, multioutput="raw_values")
    with num_threads(2):
        assert mm.regression_metrics(y_true, y_pred, sample_weight=sw, threshold=0.5) == one
        assert np.array_equal(mm.r2_score(y_true, y_pred, multioutput="raw_values"), raw)
    with num_threads(3):
        assert mm.regression_metrics(y_true, y_pred, sample_weight=sw, threshold=0.5) == one


# ------------------------------------------------------------------ accumulator


def close_reports(got, want):
    for field in ["max_error", "threshold"]:
        assert getattr(got, field) == getattr(want, field)
    for field in [
        "mean_absolute_error",
        "mean_squared_error",
        "root_mean_squared_error",
        "accuracy",
    ]:
        np.testing.assert_allclose(getattr(got, field), getattr(want, field), rtol=1e-12)
    for field in ["r2_score", "explained_variance_score", "mean_error"]:  # can be near 0
        np.testing.assert_allclose(
            getattr(got, field), getattr(want, field), rtol=1e-12, atol=1e-13
        )


@given(
    n=st.integers(2, 3000),
    k=st.sampled_from([None, 2]),
    cuts=st.lists(st.floats(0, 1), max_size=6),
    merge_seed=st.integers(0, 2**32 - 1),
    weighted=st.booleans(),
)
@settings(max_examples=50, deadline=None)
def test_accumulator_batches_and_merges_match_one_shot(n, k, cuts, merge_seed, weighted):
    y_true, y_pred, sw = big_case(n, (n,) if k is None else (n, k))
    if not weighted:
        sw = None
    want = mm.regression_metrics(y_true, y_pred, sample_weight=sw, threshold=0.3)
    edges = sorted({0, n, *(int(c * n) for c in cuts)})
    shards = []
    for lo, hi in pairwise(edges):
        acc = mm.RegressionAccumulator(threshold=0.3)
        acc.update(y_true[lo:hi], y_pred[lo:hi], None if sw is None else sw[lo:hi])
        shards.append(acc)
    # One accumulator fed every batch in order...
    streamed = mm.RegressionAccumulator(threshold=0.3)
    for lo, hi in pairwise(edges):
        streamed.update(y_true[lo:hi], y_pred[lo:hi], None if sw is None else sw[lo:hi])
    close_reports(streamed.compute(), want)
    # ...and shards merged in a random tree.
    rng = np.random.default_rng(merge_seed)
    while len(shards) > 1:
        i, j = rng.choice(len(shards), 2, replace=False)
        shards[i].merge(shards[j])
        shards.pop(j)
    assert shards[0].n_samples == n
    close_reports(shards[0].compute(), want)


def test_accumulator_pickles():
    y_true, y_pred, sw = big_case(1, (500,))
    acc = mm.RegressionAccumulator(threshold=0.2).update(y_true[:300], y_pred[:300], sw[:300])
    copy = pickle.loads(pickle.dumps(acc))
    assert copy.compute() == acc.compute()
    assert copy.threshold == 0.2
    copy.update(y_true[300:], y_pred[300:], sw[300:])
    acc.update(y_true[300:], y_pred[300:], sw[300:])
    assert copy.compute() == acc.compute()


def test_accumulator_edge_cases():
    acc = mm.RegressionAccumulator()
    with pytest.raises(ValueError, match="no samples"):
        acc.compute()
    acc.update([], [])  # an empty batch is a no-op
    assert acc.n_samples == 0
    acc.update([1.0, 2.0], [1.0, 2.5], sample_weight=[0, 0])
    with pytest.raises(ValueError, match="sample_weight"):
        acc.compute()
    acc.update([3.0], [3.0])
    report = acc.compute()  # three samples (no R^2 warning), one of them weighted
    assert report.mean_squared_error == 0.0
    assert report.r2_score == 1.0  # perfect on a (weighted) constant target
    assert report.max_error == 0.5  # max_error ignores weights
    with pytest.raises(ValueError, match="outputs"):
        acc.update([[1.0, 2.0]], [[1.0, 2.0]])
    acc.reset()
    assert acc.n_samples == 0
    with pytest.raises(ValueError, match="no samples"):
        acc.compute()
    acc.merge(mm.RegressionAccumulator())  # empty into empty
    with pytest.raises(ValueError, match="no samples"):
        acc.compute()


def test_accumulator_merge_checks():
    a = mm.RegressionAccumulator(threshold=0.5).update([1.0, 2.0], [1.0, 3.0])
    with pytest.raises(ValueError, match="settings"):
        a.merge(mm.RegressionAccumulator(threshold=0.4))
    with pytest.raises(ValueError, match="settings"):
        a.merge(mm.RegressionAccumulator(threshold=0.5, force_finite=False))
    with pytest.raises(TypeError, match="merge"):
        a.merge(object())  # type: ignore[arg-type]
    wide = mm.RegressionAccumulator(threshold=0.5).update([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="outputs"):
        a.merge(wide)
    into_empty = mm.RegressionAccumulator(threshold=0.5).merge(a)
    assert into_empty.compute() == a.compute()


def test_accumulator_rejects_bad_batches():
    acc = mm.RegressionAccumulator()
    with pytest.raises(ValueError, match="y_pred"):
        acc.update([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="sample_weight"):
        acc.update([1.0, 2.0], [1.0, 2.0], sample_weight=[1.0, -1.0])
    assert acc.n_samples == 0
    with pytest.raises(ValueError, match="threshold"):
        mm.RegressionAccumulator(threshold=-1.0)


# ------------------------------------------------------------------ errors

ALL = [*ERRORS, *SCORES, "max_error", "regression_metrics"]


def bad_input_cases():
    yield "lengths", ([1.0, 2.0, 3.0], [1.0, 2.0]), {}, ValueError, "y_true"
    yield "3-D", (np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), {}, ValueError, "y_true"
    yield "empty", ([], []), {}, ValueError, "y_true"
    yield "no outputs", (np.zeros((2, 0)), np.zeros((2, 0))), {}, ValueError, "outputs"
    yield "outputs differ", ([[1.0, 2.0]] * 2, [1.0, 2.0]), {}, ValueError, "outputs"
    yield "NaN", ([1.0, 2.0], [1.0, np.nan]), {}, ValueError, "y_pred"
    yield "inf", ([1.0, np.inf], [1.0, 2.0]), {}, ValueError, "y_true"
    yield "strings", (["a", "b"], [1.0, 2.0]), {}, ValueError, "y_true"
    yield "string", ("ab", [1.0, 2.0]), {}, TypeError, "y_true"
    yield "None", ([1.0, 2.0], None), {}, TypeError, "y_pred"
    yield "scalar", (3.0, 3.0), {}, TypeError, "y_true"
    yield "ragged", ([[1.0, 2.0], [1.0]], [1.0, 1.0]), {}, ValueError, "y_true"


def weight_cases():
    yield "negative", [1.0, -1.0], ValueError
    yield "NaN", [1.0, np.nan], ValueError
    yield "length", [1.0, 2.0, 3.0], ValueError
    yield "2-D", [[1.0, 2.0]], ValueError
    yield "all zero", [0.0, 0.0], ValueError
    yield "strings", ["a", "b"], ValueError


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [case[1:] for case in bad_input_cases()],
    ids=[case[0] for case in bad_input_cases()],
)
def test_bad_inputs_raise_naming_the_argument(name, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(mm, name)(*args, **kwargs)


@pytest.mark.parametrize(
    "case", [c for c in bad_input_cases() if c[0] not in ("NaN", "inf")], ids=lambda c: c[0]
)
def test_bad_inputs_raise_the_class_sklearn_raises(case):
    _, args, kwargs, error, _ = case
    with pytest.raises(error):
        skm.mean_squared_error(*args, **kwargs)


@pytest.mark.parametrize("name", [*ERRORS, *SCORES, "regression_metrics"])
@pytest.mark.parametrize(
    ("weights", "error"),
    [case[1:] for case in weight_cases()],
    ids=[case[0] for case in weight_cases()],
)
def test_bad_sample_weight_raises_naming_it(name, weights, error):
    with pytest.raises(error, match="sample_weight"):
        getattr(mm, name)([1.0, 2.0], [1.0, 3.0], sample_weight=weights)


@pytest.mark.parametrize("name", ERRORS + SCORES)
@pytest.mark.parametrize(
    "multioutput", ["average", "", None, [1.0, 2.0, 3.0], [[1.0, 1.0]], ["a", "b"], [1.0, -1.0]]
)
def test_bad_multioutput_raises_value_error(name, multioutput):
    if name == "r2_score" and multioutput is None:
        return  # r2_score accepts None (tested above)
    y = [[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]]
    with pytest.raises(ValueError, match="multioutput"):
        getattr(mm, name)(y, y[::-1], multioutput=multioutput)
    # scikit-learn raises ZeroDivisionError for weights summing to zero, and its
    # root_mean_squared_error does not validate output weights (numpy raises TypeError).
    if multioutput != [1.0, -1.0] and not (
        name == "root_mean_squared_error" and isinstance(multioutput, list)
    ):
        with pytest.raises(ValueError, match=r"multioutput|custom weights|[Cc]onvert"):
            sk(name, y, y[::-1], multioutput=multioutput)


@pytest.mark.parametrize("name", ERRORS)
def test_variance_weighted_is_only_for_scores(name):
    with pytest.raises(ValueError, match="multioutput"):
        getattr(mm, name)([1.0, 2.0], [1.0, 3.0], multioutput="variance_weighted")


@pytest.mark.parametrize("name", ERRORS + SCORES)
def test_custom_output_weights_need_several_outputs(name):
    with pytest.raises(ValueError, match="multioutput"):
        getattr(mm, name)([1.0, 2.0], [1.0, 3.0], multioutput=[1.0])
    if name != "root_mean_squared_error":  # scikit-learn's RMSE accepts them
        with pytest.raises(ValueError, match="multi-output"):
            sk(name, [1.0, 2.0], [1.0, 3.0], multioutput=[1.0])


def test_max_error_rejects_multioutput_like_sklearn():
    y = [[1.0, 2.0], [2.0, 3.0]]
    with pytest.raises(ValueError, match="Multioutput not supported"):
        mm.max_error(y, y)
    with pytest.raises(ValueError, match="Multioutput not supported"):
        skm.max_error(y, y)


@pytest.mark.parametrize("name", [*SCORES, "regression_metrics"])
def test_force_finite_must_be_bool(name):
    with pytest.raises(TypeError, match="force_finite"):
        getattr(mm, name)([1.0, 2.0], [1.0, 3.0], force_finite=1)
    assert getattr(mm, name)([1.0, 2.0], [1.0, 3.0], force_finite=np.True_) is not None


@pytest.mark.parametrize(
    ("threshold", "error"),
    [
        (-0.5, ValueError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        ("1", TypeError),
        (True, TypeError),
    ],
)
def test_bad_threshold_raises_naming_it(threshold, error):
    with pytest.raises(error, match="threshold"):
        mm.regression_metrics([1.0, 2.0], [1.0, 3.0], threshold=threshold)
    with pytest.raises(error, match="threshold"):
        mm.RegressionAccumulator(threshold=threshold)


def test_r2_with_one_sample_still_rejects_nan():
    with pytest.raises(ValueError, match="y_true"):
        mm.r2_score([np.nan], [1.0])
