"""Bootstrap and paired comparison for classification, regression and segmentation.

Values are checked against scikit-learn and the library's full-data functions; every
resample against a reference that materialises it and scores it with scikit-learn (the
library for segmentation), to 1e-12: ``np.repeat`` of the sample indices drawn by
``draw_weights`` for regression and segmentation, of the groups' representative (true,
predicted, weight) by their drawn counts for classification (both of its draw schemes).
The classification draws are also checked in distribution (mean and spread of the
resampled accuracy against the binomial's).
"""

from __future__ import annotations

import doctest
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import modelmetrics._analysis.resampling as resampling
from modelmetrics._analysis.bootstrap import MAX_RESAMPLES, draw_weights, interval
from modelmetrics._analysis.resampling import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    SEGMENTATION_METRICS,
    _class_indices,
    _classification_groups,
    _classification_models,
    _classification_replicates,
    _Groups,
    _intervals,
    _regression_models,
    _replicates,
    _segmentation_models,
)
from modelmetrics.analysis import (
    classification_bootstrap,
    classification_compare,
    metric_direction,
    metric_is_higher_better,
    regression_bootstrap,
    regression_compare,
    segmentation_bootstrap,
    segmentation_compare,
)
from modelmetrics.report import ModelReport
from modelmetrics.segmentation import segmentation_metrics

REL = 1e-12


def _close(a: float, b: float, rel: float = REL) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel)


def _same(a: Any, b: Any) -> bool:
    """Equal nested results, NaN equal to NaN."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return bool(a == b)


def _entries(result: dict[str, Any]) -> list[tuple[str, dict[str, float]]]:
    out = [(k, v) for k, v in result.items() if k != "per-class"]
    for per_class in result.get("per-class", {}).values():
        out.extend(per_class.items())
    return out


def _resamples(n: int, seed: int, n_items: int) -> list[np.ndarray]:
    weights = draw_weights(np.random.default_rng(seed), n, n_items)
    return [np.repeat(np.arange(n_items), row) for row in weights]


def _group_resamples(
    groups: _Groups, classes: Any, n: int, seed: int
) -> list[tuple[np.ndarray, list[np.ndarray], np.ndarray | None]]:
    """Each resample materialised: every group's representative (true label, each
    model's predicted label, weight) repeated its drawn count times."""
    classes = np.asarray(classes)
    out = []
    for row in groups.counts(np.random.default_rng(seed), n):
        drawn = np.repeat(np.arange(len(row)), row)
        cells = groups.cell[drawn]
        weights = None if groups.weight is None else groups.weight[drawn]
        out.append(
            (classes[groups.true[cells]], [classes[p[cells]] for p in groups.preds], weights)
        )
    return out


@pytest.fixture(params=["multinomial", "indices"])
def scheme(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both classification draw schemes: group counts from the multinomial, or from the
    samples' indices (the default for more groups than N / 16 + 64)."""
    if request.param == "indices":
        monkeypatch.setattr(resampling, "_MULTINOMIAL_RATIO", 10**9)
        monkeypatch.setattr(resampling, "_MULTINOMIAL_EXTRA", 0)
    else:
        monkeypatch.setattr(resampling, "_MULTINOMIAL_RATIO", 0)
    return str(request.param)


# -- data ---------------------------------------------------------------------------------


def _classification_data(seed: int, n: int = 40, k: int = 4) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, n))
    weights = rng.uniform(0.1, 3.0, n)
    return y_true, y_pred, weights


def _regression_data(seed: int, n: int = 30, outputs: int = 1) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    shape = (n,) if outputs == 1 else (n, outputs)
    y_true = rng.normal(5.0, 2.0, shape)
    y_pred = y_true + rng.normal(0.3, 1.0, shape)
    weights = rng.uniform(0.1, 3.0, n)
    return y_true, y_pred, weights


def _segmentation_data(seed: int, n: int = 10, c: int = 4) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    target = rng.integers(0, c, (n, 5, 6))
    target[rng.random(target.shape) < 0.1] = 255
    pred = np.where(rng.random(target.shape) < 0.7, target, rng.integers(0, c, target.shape))
    pred[pred == 255] = 0
    return target, pred


# -- references ----------------------------------------------------------------------------


def _sk_classification(t: Any, p: Any, w: Any, labels: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes absent from a resample warn
        out = {
            "accuracy": skm.accuracy_score(t, p, sample_weight=w),
            "balanced-accuracy": skm.balanced_accuracy_score(t, p, sample_weight=w),
        }
        for average in ("micro", "macro", "weighted"):
            prf = skm.precision_recall_fscore_support(
                t, p, labels=labels, average=average, sample_weight=w, zero_division=0
            )
            for name, value in zip(("precision", "recall", "f1"), prf[:3], strict=False):
                out[f"{average}-{name}"] = float(value)
        prf = skm.precision_recall_fscore_support(
            t, p, labels=labels, average=None, sample_weight=w, zero_division=0
        )
    for name, values in zip(("precision", "recall", "f1"), prf[:3], strict=False):
        out[f"per-class/{name}"] = np.asarray(values, dtype=np.float64)
    return out


def _sk_regression(t: Any, p: Any, w: Any) -> dict[str, float]:
    t2, p2 = t.reshape(len(t), -1), p.reshape(len(p), -1)
    return {
        "mean-error": float(np.mean(np.average(p2 - t2, axis=0, weights=w))),
        "max-error": float(np.max(np.abs(p2 - t2))),
        "mean-absolute-error": skm.mean_absolute_error(t, p, sample_weight=w),
        "mean-squared-error": skm.mean_squared_error(t, p, sample_weight=w),
        "r2-score": skm.r2_score(t, p, sample_weight=w),
        "explained-variance-score": skm.explained_variance_score(t, p, sample_weight=w),
    }


def _lib_segmentation(target: Any, pred: Any, c: int, ignore: Any, absent: str) -> dict[str, Any]:
    m = segmentation_metrics(pred, target, num_classes=c, ignore_index=ignore, absent=absent)
    return {
        "mean-iou": m.mean_iou,
        "frequency-weighted-iou": m.frequency_weighted_iou,
        "pixel-accuracy": m.pixel_accuracy,
        "mean-class-accuracy": m.mean_class_accuracy,
        "mean-dice": m.mean_dice,
        "mean-precision": m.mean_precision,
        "per-class/iou": m.iou,
        "per-class/dice": m.dice,
        "per-class/precision": m.precision,
        "per-class/recall": m.recall,
    }


def _check_replicates(reps: dict[str, np.ndarray], reference: list[dict[str, Any]]) -> None:
    for key, values in reps.items():
        expected = np.array([ref[key] for ref in reference], dtype=np.float64)
        assert values.shape == expected.shape, key
        np.testing.assert_allclose(values, expected, rtol=REL, atol=REL, err_msg=key)


def _check_intervals(result: dict[str, Any], reference: list[dict[str, Any]], level: float):
    """The public intervals are those of the reference's resampled values."""
    for name in (k for k in result if k != "per-class"):
        low, high = interval(np.array([r[name] for r in reference], dtype=np.float64), level)
        assert _close(result[name]["low"], low), name
        assert _close(result[name]["high"], high), name
    for k, (cls, entries) in enumerate(result.get("per-class", {}).items()):
        for metric, entry in entries.items():
            values = np.array([r[f"per-class/{metric}"][k] for r in reference])
            low, high = interval(values, level)
            assert _close(entry["low"], low), (cls, metric)
            assert _close(entry["high"], high), (cls, metric)


# -- (1) values -------------------------------------------------------------------------------


def test_classification_values_equal_sklearn_and_the_export() -> None:
    y_true, y_pred, w = _classification_data(0)
    for weights in (None, w):
        got = classification_bootstrap(y_true, y_pred, sample_weight=weights, n=5)
        ref = _sk_classification(y_true, y_pred, weights, np.arange(4))
        # Exact without weights; the library's confusion matrix sums fractional weights
        # in another order than scikit-learn (its documented float rounding).
        rel = 0.0 if weights is None else REL
        for name in CLASSIFICATION_METRICS:
            assert _close(got[name]["value"], ref[name], rel), name
        for k, entries in got["per-class"].items():
            for metric, entry in entries.items():
                assert _close(entry["value"], ref[f"per-class/{metric}"][k], rel)
        export = ModelReport("classification").add_split(
            "test", y_true, y_pred, sample_weight=weights
        )
        exported = export.metrics("test")
        for name in CLASSIFICATION_METRICS:
            assert got[name]["value"] == exported[name], name
        for label, entries in got["per-class"].items():
            for metric, entry in entries.items():
                assert entry["value"] == exported["per-class"][str(label)][metric]


def test_classification_probabilities_are_read_as_the_adapter_reads_them() -> None:
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(3), 30)
    y_true = rng.integers(0, 3, 30)
    names = np.array(["a", "b", "c"])
    got = classification_bootstrap(names[y_true], proba, labels=names, n=5)
    exported = ModelReport("classification", labels=names).add_split("test", names[y_true], proba)
    metrics = exported.metrics("test")
    for name in CLASSIFICATION_METRICS:
        assert got[name]["value"] == metrics[name], name
    assert list(got["per-class"]) == ["a", "b", "c"]
    same = classification_bootstrap(y_true, np.argmax(proba, axis=1), labels=[0, 1, 2], n=5)
    assert got["macro-f1"] == same["macro-f1"]


@pytest.mark.parametrize("outputs", [1, 3])
def test_regression_values_equal_sklearn_and_the_export(outputs: int) -> None:
    y_true, y_pred, w = _regression_data(0, outputs=outputs)
    for weights in (None, w):
        got = regression_bootstrap(y_true, y_pred, sample_weight=weights, n=5)
        ref = _sk_regression(y_true, y_pred, weights)
        for name in REGRESSION_METRICS:
            assert _close(got[name]["value"], ref[name]), name
        exported = (
            ModelReport("regression")
            .add_split("test", y_true, y_pred, sample_weight=weights)
            .metrics("test")
        )
        for name in REGRESSION_METRICS:
            assert got[name]["value"] == exported[name], name


@pytest.mark.parametrize(("ignore", "absent"), [(None, "skip"), (255, "zero"), (2, "one")])
def test_segmentation_values_equal_the_library(ignore: Any, absent: str) -> None:
    target, pred = _segmentation_data(0)
    if ignore != 255:
        target[target == 255] = 0
    got = segmentation_bootstrap(
        target, pred, num_classes=4, ignore_index=ignore, absent=absent, n=5
    )
    ref = _lib_segmentation(target, pred, 4, ignore, absent)
    for name in SEGMENTATION_METRICS:
        assert _same(got[name]["value"], ref[name]), name
    for k, entries in got["per-class"].items():
        for metric, entry in entries.items():
            assert _same(entry["value"], float(ref[f"per-class/{metric}"][k]))
    exported = (
        ModelReport("semantic-segmentation")
        .add_split("test", target, pred, num_classes=4, ignore_index=ignore, absent=absent)
        .metrics("test")
    )
    for name in SEGMENTATION_METRICS:
        assert _same(got[name]["value"], exported[name] if exported[name] is not None else math.nan)


def test_segmentation_list_of_maps_equals_the_batch() -> None:
    target, pred = _segmentation_data(3)
    batch = segmentation_bootstrap(target, pred, num_classes=4, ignore_index=255, n=20)
    maps = segmentation_bootstrap(list(target), list(pred), num_classes=4, ignore_index=255, n=20)
    scores = np.eye(4, dtype=np.float32)[pred].transpose(0, 3, 1, 2)
    scored = segmentation_bootstrap(list(target), scores, num_classes=4, ignore_index=255, n=20)
    assert _same(batch, maps)
    assert _same(batch, scored)


# -- (2) every resample against the materialised reference ----------------------------------


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("weighted", [False, True])
def test_classification_resamples_equal_sklearn(seed: int, weighted: bool, scheme: str) -> None:
    y_true, y_pred, w = _classification_data(seed)
    w = w if weighted else None
    n, level = 50, 0.9
    (model,), groups = _classification_models(y_true, [("y_pred", y_pred)], None, w)
    assert groups.multinomial == (scheme == "multinomial")
    reference = [
        _sk_classification(t, p, sw, np.arange(4))
        for t, (p,), sw in _group_resamples(groups, model.classes, n, seed)
    ]
    (reps,) = _classification_replicates([model], groups, n, seed)
    _check_replicates(reps, reference)
    result = classification_bootstrap(y_true, y_pred, sample_weight=w, n=n, seed=seed, level=level)
    _check_intervals(result, reference, level)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_classification_compare_resamples_equal_sklearn(
    seed: int, weighted: bool, scheme: str
) -> None:
    y_true, y_pred, w = _classification_data(seed)
    w = w if weighted else None
    other = np.roll(y_pred, 3)
    n = 50
    result = classification_compare(
        y_true, y_pred, other, sample_weight=w, n=n, seed=seed, level=0.8
    )
    (a, b), groups = _classification_models(
        y_true, [("y_pred_a", y_pred), ("y_pred_b", other)], None, w
    )
    ref_a, ref_b = [], []
    for t, (p_a, p_b), sw in _group_resamples(groups, a.classes, n, seed):
        ref_a.append(_sk_classification(t, p_a, sw, np.arange(4)))
        ref_b.append(_sk_classification(t, p_b, sw, np.arange(4)))
    reps_a, reps_b = _classification_replicates([a, b], groups, n, seed)
    _check_replicates(reps_a, ref_a)  # paired: both models on the same resamples
    _check_replicates(reps_b, ref_b)
    full_a, full_b = (_sk_classification(y_true, p, w, np.arange(4)) for p in (y_pred, other))
    for name in CLASSIFICATION_METRICS:
        diff = np.array([b[name] - a[name] for a, b in zip(ref_a, ref_b, strict=True)])
        low, high = interval(diff, 0.8)
        entry = result[name]
        # Exact without weights (the library's own float rounding with them).
        assert _close(entry["delta"], full_b[name] - full_a[name], 0.0 if w is None else REL)
        assert _close(entry["low"], low), name
        assert _close(entry["high"], high), name
        assert entry["p_better"] == pytest.approx(np.mean(diff > 1e-12), abs=1e-12)


def test_classification_draw_schemes_by_the_number_of_groups() -> None:
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 3, 2000)
    y_pred = np.where(rng.random(2000) < 0.7, y_true, rng.integers(0, 3, 2000))
    (_,), few = _classification_models(y_true, [("y_pred", y_pred)], None, None)
    assert few.multinomial
    assert len(few.count) == len(few.true) <= 9
    assert list(few.count) == sorted(few.count)  # the largest group last
    # Integer weights: groups of (cell, weight), still few.
    ints = rng.integers(1, 4, 2000)
    (_,), grouped = _classification_models(y_true, [("y_pred", y_pred)], None, ints)
    assert grouped.multinomial
    assert len(grouped.true) <= 9 < len(grouped.count) <= 27
    # Continuous weights: a group per sample, the sample indices are drawn.
    floats = rng.uniform(0.5, 2.0, 2000)
    (_,), many = _classification_models(y_true, [("y_pred", y_pred)], None, floats)
    assert not many.multinomial
    assert len(many.count) == 2000
    assert len(many.true) <= 9
    # The index scheme draws draw_weights' resamples.
    counts = many.counts(np.random.default_rng(5), 3)
    np.testing.assert_array_equal(counts, draw_weights(np.random.default_rng(5), 3, 2000))


@pytest.mark.parametrize("weighted", [False, True])
def test_classification_draws_do_not_depend_on_the_block_size(weighted: bool, scheme: str) -> None:
    y_true, y_pred, w = _classification_data(8, n=60)
    (_,), groups = _classification_models(
        y_true, [("y_pred", y_pred)], None, w if weighted else None
    )
    whole = groups.draw(np.random.default_rng(4), 9)
    rng = np.random.default_rng(4)
    parts = np.concatenate([groups.draw(rng, 2), groups.draw(rng, 3), groups.draw(rng, 4)])
    np.testing.assert_array_equal(whole, parts)
    counts = groups.counts(np.random.default_rng(4), 9)
    rng = np.random.default_rng(4)
    rows = np.stack([groups.counts(rng, 1)[0] for _ in range(9)])
    np.testing.assert_array_equal(counts, rows)  # numpy's size=rows is row after row
    assert (counts.sum(axis=1) == len(y_true)).all()
    # draw is counts' weighted sums per cell (the same draws).
    weight = np.ones(len(groups.count)) if groups.weight is None else groups.weight
    expected = np.zeros_like(whole)
    for g, cell in enumerate(groups.cell):
        expected[:, cell] += counts[:, g] * weight[g]
    np.testing.assert_allclose(whole, expected, rtol=1e-13, atol=0)


def test_multinomial_probabilities_stay_within_numpy_checks() -> None:
    # Many groups of uneven size: numpy checks only that pvals[:-1] sum to at most
    # 1 + 1e-12; with the largest group last they sum to 1 - max / N.
    rng = np.random.default_rng(11)
    y_true = rng.integers(0, 40, 200_000)
    y_pred = np.where(rng.random(len(y_true)) < 0.3, y_true, rng.integers(0, 40, len(y_true)))
    t_idx, p_idx = y_true.astype(np.intp), y_pred.astype(np.intp)
    groups = _classification_groups(t_idx, [p_idx], 40, None)
    assert groups.multinomial
    assert len(groups.count) == 1600
    pvals = groups.count / groups.n_samples
    assert pvals[:-1].sum() <= 1.0 - pvals[-1] + 1e-12
    counts = groups.counts(np.random.default_rng(0), 20)
    assert (counts >= 0).all()
    assert (counts.sum(axis=1) == len(y_true)).all()


@pytest.mark.parametrize("sizes", [[4, 4, 3], [2**40, 2**40, 3], [3 * 10**6] * 3])
def test_joint_keys_are_equal_for_equal_rows_only(sizes: list[int]) -> None:
    # Past int64 (2**80 keys; 2.7e19 comparing over 3 million classes) the key so far is
    # replaced by its rank first; the keys then group the rows as the rows themselves.
    rng = np.random.default_rng(5)
    columns = [rng.integers(0, 3, 300) * (size // 3) for size in sizes]
    key, n_keys = resampling._joint_key(columns, sizes)
    assert key.min() >= 0
    assert key.max() < n_keys < 2**63
    rows = np.stack(columns, axis=1)
    _, by_rows = np.unique(rows, axis=0, return_inverse=True)
    _, by_keys = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(by_rows.reshape(-1), by_keys.reshape(-1))


def test_classification_bootstrap_matches_the_binomial(scheme: str) -> None:
    # Accuracy on a resample of N samples is a binomial proportion: mean p, standard
    # deviation sqrt(p (1 - p) / N). Fixed data and seed: deterministic.
    rng = np.random.default_rng(21)
    N = 2000
    y_true = rng.integers(0, 5, N)
    y_pred = np.where(rng.random(N) < 0.7, y_true, rng.integers(0, 5, N))
    p = float(np.mean(y_true == y_pred))
    (model,), groups = _classification_models(y_true, [("y_pred", y_pred)], None, None)
    (reps,) = _classification_replicates([model], groups, 4000, 0)
    accuracy = reps["accuracy"]
    sd = math.sqrt(p * (1 - p) / N)
    assert abs(accuracy.mean() - p) < 4 * sd / math.sqrt(len(accuracy))
    assert abs(accuracy.std(ddof=1) / sd - 1) < 0.2
    # The resampled per-class sums stay the full data's on average.
    assert abs(reps["macro-recall"].mean() - model.values["macro-recall"]) < 0.002


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize(("outputs", "weighted"), [(1, False), (1, True), (2, True)])
def test_regression_resamples_equal_sklearn(seed: int, outputs: int, weighted: bool) -> None:
    y_true, y_pred, w = _regression_data(seed, outputs=outputs)
    w = w if weighted else None
    n, level = 50, 0.9
    reference = [
        _sk_regression(y_true[i], y_pred[i], None if w is None else w[i])
        for i in _resamples(n, seed, len(y_true))
    ]
    (model,) = _regression_models(y_true, [("y_pred", y_pred)], w)
    (reps,) = _replicates([model], n, seed, 1)
    _check_replicates(reps, reference)
    result = regression_bootstrap(y_true, y_pred, sample_weight=w, n=n, seed=seed, level=level)
    _check_intervals(result, reference, level)


def test_regression_far_from_zero_keeps_its_precision() -> None:
    # Shifted sums: targets near 1e6 with unit spread lose no digits in the variances.
    y_true, y_pred, w = _regression_data(4)
    y_true, y_pred = y_true + 1e6, y_pred + 1e6
    reference = [_sk_regression(y_true[i], y_pred[i], w[i]) for i in _resamples(30, 4, 30)]
    (model,) = _regression_models(y_true, [("y_pred", y_pred)], w)
    (reps,) = _replicates([model], 30, 4, 1)
    for key in ("r2-score", "explained-variance-score"):
        expected = np.array([r[key] for r in reference])
        np.testing.assert_allclose(reps[key], expected, rtol=1e-9, atol=1e-9)


def test_regression_compare_directions() -> None:
    y_true, y_pred, _ = _regression_data(5)
    better = y_true + 0.5 * (y_pred - y_true)  # half the residual: every error lower
    out = regression_compare(y_true, y_pred, better, n=100, seed=0)
    for name in ("mean-absolute-error", "mean-squared-error", "max-error"):
        assert out[name]["delta"] < 0, name
        assert out[name]["p_better"] == 1.0, name
    for name in ("r2-score", "mean-error"):  # higher score; bias closer to zero
        assert out[name]["p_better"] == 1.0, name
    assert out["mean-error"]["delta"] < 0  # delta is B minus A whatever the direction


@pytest.mark.parametrize("seed", [0, 2, 9])
@pytest.mark.parametrize(("ignore", "absent"), [(255, "skip"), (1, "zero"), (None, "one")])
def test_segmentation_resamples_equal_the_library(seed: int, ignore: Any, absent: str) -> None:
    target, pred = _segmentation_data(seed)
    if ignore != 255:
        target[target == 255] = 3
    n, level = 50, 0.9
    reference = [
        _lib_segmentation(target[i], pred[i], 4, ignore, absent)
        for i in _resamples(n, seed, len(target))
    ]
    (model,) = _segmentation_models(target, [("y_pred", pred)], 4, ignore, absent)
    (reps,) = _replicates([model], n, seed, 12)
    _check_replicates(reps, reference)
    result = segmentation_bootstrap(
        target, pred, num_classes=4, ignore_index=ignore, absent=absent, n=n, seed=seed,
        level=level,
    )  # fmt: skip
    _check_intervals(result, reference, level)


def test_blocks_do_not_change_the_draws(monkeypatch: pytest.MonkeyPatch, scheme: str) -> None:
    y_true, y_pred, w = _classification_data(6)
    other = np.roll(y_pred, 1)

    def runs() -> list[dict[str, Any]]:
        return [
            classification_bootstrap(y_true, y_pred, sample_weight=w, n=70, seed=3),
            classification_bootstrap(y_true, y_pred, n=70, seed=3),
            classification_compare(y_true, y_pred, other, sample_weight=w, n=70, seed=3),
            regression_bootstrap(y_true * 1.5, y_pred + 0.25, n=70, seed=3),
        ]

    whole = runs()
    monkeypatch.setattr(resampling, "_BLOCK_CELLS", 3 * len(y_true))  # blocks of a few rows
    assert all(_same(a, b) for a, b in zip(whole, runs(), strict=True))


def test_compare_unions_the_classes_and_keeps_each_models_averages() -> None:
    y_true = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    a = np.array([0, 1, 1, 0, 1, 0, 1, 0])
    b = np.array([0, 1, 2, 0, 1, 0, 1, 1])  # predicts a class nobody else has
    out = classification_compare(y_true, a, b, n=30, seed=0)
    alone_a = classification_bootstrap(y_true, a, n=30, seed=0)
    alone_b = classification_bootstrap(y_true, b, n=30, seed=0)
    assert list(out["per-class"]) == [0, 1, 2]
    assert out["macro-f1"]["delta"] == alone_b["macro-f1"]["value"] - alone_a["macro-f1"]["value"]
    assert out["per-class"][2]["precision"]["delta"] == 0.0  # never right, never present in A


# -- (3) properties ---------------------------------------------------------------------------

_small = settings(max_examples=25, deadline=None)


@st.composite
def _labels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 12))
    column = st.lists(st.integers(0, 3), min_size=n, max_size=n)
    return np.array(draw(column)), np.array(draw(column)), np.array(draw(column))


@st.composite
def _targets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 12))
    value = st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 2))
    column = st.lists(value, min_size=n, max_size=n)
    return np.array(draw(column)), np.array(draw(column)), np.array(draw(column))


@st.composite
def _maps(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 5))
    flat = st.lists(st.integers(0, 2), min_size=n * 4, max_size=n * 4)
    return tuple(np.array(draw(flat)).reshape(n, 2, 2) for _ in range(3))  # type: ignore[return-value]


def _check_properties(bootstrap: Any, compare: Any, resampled: Any, data: Any, seed: int) -> None:
    truth, a, b = data
    n, level = 20, 0.9
    first = bootstrap(truth, a, n=n, seed=seed, level=level)
    assert _same(first, bootstrap(truth, a, n=n, seed=seed, level=level))
    reps = resampled(truth, a, n, seed)
    for name, entry in _entries(first):
        assert metric_direction(name) in ("higher", "lower", "zero")
        if math.isnan(entry["low"]):
            continue
        assert entry["low"] <= entry["high"]
    for name in (k for k in first if k != "per-class"):
        values = reps[name][~np.isnan(reps[name])]
        if len(values) and np.isfinite(values).all():
            assert values.min() <= first[name]["low"] <= first[name]["high"] <= values.max()
    itself = compare(truth, a, a, n=n, seed=seed, level=level)
    for _, entry in _entries(itself):
        if not math.isnan(entry["delta"]):
            assert entry["delta"] == 0.0
        if not math.isnan(entry["low"]):
            assert (entry["low"], entry["high"], entry["p_better"]) == (0.0, 0.0, 0.0)
    ab = compare(truth, a, b, n=n, seed=seed, level=level)
    ba = compare(truth, b, a, n=n, seed=seed, level=level)
    for (_, x), (_, y) in zip(_entries(ab), _entries(ba), strict=True):
        assert _same(x["delta"], -y["delta"] if not math.isnan(y["delta"]) else y["delta"])
        assert math.isnan(x["p_better"]) or 0.0 <= x["p_better"] <= 1.0


@_small
@given(data=_labels(), seed=st.integers(0, 2**32))
def test_classification_properties(data: Any, seed: int) -> None:
    def resampled(t: Any, p: Any, n: int, seed: int) -> Any:
        (model,), groups = _classification_models(t, [("y_pred", p)], None, None)
        return _classification_replicates([model], groups, n, seed)[0]

    _check_properties(classification_bootstrap, classification_compare, resampled, data, seed)


@_small
@given(data=_targets(), seed=st.integers(0, 2**32))
def test_regression_properties(data: Any, seed: int) -> None:
    def resampled(t: Any, p: Any, n: int, seed: int) -> Any:
        return _replicates(_regression_models(t, [("y_pred", p)], None), n, seed, 1)[0]

    _check_properties(regression_bootstrap, regression_compare, resampled, data, seed)


@_small
@given(data=_maps(), seed=st.integers(0, 2**32))
def test_segmentation_properties(data: Any, seed: int) -> None:
    def boot(t: Any, p: Any, **kw: Any) -> Any:
        return segmentation_bootstrap(t, p, num_classes=3, **kw)

    def comp(t: Any, a: Any, b: Any, **kw: Any) -> Any:
        return segmentation_compare(t, a, b, num_classes=3, **kw)

    def resampled(t: Any, p: Any, n: int, seed: int) -> Any:
        return _replicates(_segmentation_models(t, [("y_pred", p)], 3, None, "skip"), n, seed, 9)[0]

    _check_properties(boot, comp, resampled, data, seed)


def test_constant_resample_targets_follow_force_finite() -> None:
    # Targets 0.1 everywhere: each resample's R^2 is 1 (perfect) or 0, never the
    # rounding residue of a float mean.
    y_true = np.full(6, 0.1)
    y_pred = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.3])
    (model,) = _regression_models(y_true, [("y_pred", y_pred)], np.full(6, 3.0))
    (reps,) = _replicates([model], 40, 0, 1)
    assert set(reps["r2-score"].tolist()) <= {0.0, 1.0}
    assert set(reps["explained-variance-score"].tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tied_targets_and_zero_weights_equal_the_library(seed: int) -> None:
    # Few distinct values and some zero weights: many resamples have a constant target
    # or residual among their weighted samples; the library's exact moments are then
    # the reference (scikit-learn's float mean would leave a residue).
    from modelmetrics.regression import regression_metrics

    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, (5, 2)).astype(np.float64) * 0.1
    y_pred = y_true + rng.integers(0, 2, (5, 2)) * 0.3
    w = rng.integers(0, 3, 5).astype(np.float64)
    w[0] = 1.5
    (model,) = _regression_models(y_true, [("y_pred", y_pred)], w)
    (reps,) = _replicates([model], 60, seed, 1)
    for b, i in enumerate(_resamples(60, seed, 5)):
        if not w[i].any():
            assert all(math.isnan(reps[key][b]) for key in REGRESSION_METRICS)
            continue
        m = regression_metrics(y_true[i], y_pred[i], sample_weight=w[i])
        expected = {
            "mean-error": m.mean_error,
            "max-error": m.max_error,
            "mean-absolute-error": m.mean_absolute_error,
            "mean-squared-error": m.mean_squared_error,
            "r2-score": m.r2_score,
            "explained-variance-score": m.explained_variance_score,
        }
        for key, value in expected.items():
            assert _close(reps[key][b], value), (b, key)


def test_intervals_equal_one_interval_per_column() -> None:
    rng = np.random.default_rng(3)
    columns = [rng.normal(size=200) for _ in range(6)]
    columns[1][::3] = np.nan  # NaN left out
    columns[2][:] = np.nan  # no value: NaN interval
    columns[3][:30] = np.inf  # infinite values: inf, or NaN between two of them
    columns[4] = np.round(columns[4], 1)  # ties
    for level in (0.5, 0.9, 0.95):
        got = _intervals(columns, level)
        expected = [resampling._interval(c, level) for c in columns]
        assert _same(
            {str(i): {"low": low, "high": high} for i, (low, high) in enumerate(got)},
            {str(i): {"low": low, "high": high} for i, (low, high) in enumerate(expected)},
        )
    assert math.isnan(got[3][1])


def test_class_indices_of_integer_labels_by_table_or_search() -> None:
    classes = np.array([7, -3, 12, 0])
    values = np.array([0, 12, -3, 7, 7, 0])
    expected = [3, 2, 1, 0, 0, 3]
    assert _class_indices(classes, values, "y").tolist() == expected  # lookup table
    far = classes * 10**15  # too wide a range for a table: the sorted search
    assert _class_indices(far, values * 10**15, "y").tolist() == expected
    strings = classes.astype(str)
    assert _class_indices(strings, values.astype(str), "y").tolist() == expected
    for table, unknown in ((classes, [7, 5]), (far, [7 * 10**15, 1]), (strings, ["7", "x"])):
        with pytest.raises(ValueError, match="y has labels not among"):
            _class_indices(table, np.array(unknown), "y")


def test_metric_directions() -> None:
    for name in ("macro-f1", "map-small", "mar-100", "ap50", "mean-iou", "r2-score"):
        assert metric_is_higher_better(name), name
    assert not metric_is_higher_better("mean-squared-error")
    assert metric_direction("mean-error") == "zero"
    with pytest.raises(ValueError, match="'name'"):
        metric_direction("loss")
    with pytest.raises(ValueError, match="'name'"):
        metric_direction(3)  # type: ignore[arg-type]


# -- (4) bad input ----------------------------------------------------------------------------

_T, _P, _ = _classification_data(0, n=10)
_RT, _RP, _ = _regression_data(0, n=10)
_ST, _SP = _segmentation_data(0, n=3)


@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: classification_bootstrap(_T, _P, **kw),
        lambda **kw: classification_compare(_T, _P, _P, **kw),
        lambda **kw: regression_bootstrap(_RT, _RP, **kw),
        lambda **kw: regression_compare(_RT, _RP, _RP, **kw),
        lambda **kw: segmentation_bootstrap(_ST, _SP, num_classes=4, ignore_index=255, **kw),
        lambda **kw: segmentation_compare(_ST, _SP, _SP, num_classes=4, ignore_index=255, **kw),
    ],
)
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n": 0}, "'n'"),
        ({"n": MAX_RESAMPLES + 1}, "'n'"),
        ({"n": 2.0}, "'n'"),
        ({"seed": -1}, "'seed'"),
        ({"level": 0.0}, "'level'"),
        ({"level": 1.0}, "'level'"),
        ({"level": math.nan}, "'level'"),
    ],
)
def test_bad_parameters_are_named(call: Any, kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call(**kwargs)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: classification_compare(_T, _P, _P[:-1], n=5), "y_pred_b"),
        (lambda: classification_compare(_T, _P[:-1], _P, n=5), "y_pred_a"),
        (lambda: classification_bootstrap(_T[:-1], _P, n=5), "y_pred"),
        (lambda: classification_bootstrap([], [], n=5), "y_true"),
        (lambda: classification_compare(_T, _P, np.full((10, 3), np.nan), n=5), "y_pred_b"),
        (lambda: classification_compare(_T, _P, _P + 7, labels=[0, 1, 2, 3], n=5), "y_pred_b"),
        (lambda: classification_bootstrap(_T, _P, sample_weight=np.zeros(10), n=5), "weight"),
        (lambda: regression_compare(_RT, _RP, _RP[:-1], n=5), "y_pred_b"),
        (lambda: regression_compare(_RT, _RP, np.full(10, np.inf), n=5), "y_pred_b"),
        (lambda: regression_bootstrap(np.full(10, np.nan), _RP, n=5), "y_true"),
        (lambda: regression_bootstrap([], [], n=5), "y_true"),
        (lambda: regression_bootstrap(_RT, _RP, sample_weight=np.zeros(10), n=5), "weight"),
        (
            lambda: segmentation_compare(_ST, _SP, _SP[:2], num_classes=4, ignore_index=255, n=5),
            "y_pred_b",
        ),
        (
            lambda: segmentation_compare(_ST, _SP, _SP + 9, num_classes=4, ignore_index=255, n=5),
            "y_pred_b",
        ),
        (lambda: segmentation_bootstrap([], [], num_classes=4, n=5), "y_true"),
        (lambda: segmentation_bootstrap(_ST[:0], _SP[:0], num_classes=4, n=5), "y_true"),
        (
            lambda: segmentation_compare(
                list(_ST),
                list(_SP),
                np.full((3, 4, 5, 6), np.nan),
                num_classes=4,
                ignore_index=255,
                n=5,
            ),
            r"y_pred_b\[0\]",
        ),
        (lambda: segmentation_bootstrap(_ST, _SP, num_classes=0, n=5), "'num_classes'"),
    ],
)
def test_bad_data_is_named(call: Any, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()


def test_examples() -> None:
    failures, tried = doctest.testmod(resampling, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0
    assert failures == 0
