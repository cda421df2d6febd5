"""Fuzz: the bootstrap and paired comparison of classification, regression and semantic
segmentation with malformed data and odd arguments.

Labels, targets and label maps are drawn valid and then perhaps corrupted (the suite's
``corrupt``); ``n``, ``seed`` and ``level`` are drawn from valid and odd values. The only
allowed outcomes are a result or ValueError/TypeError; a result must be well formed:
``low <= high`` (or NaN), ratios in [0, 1] (differences in [-1, 1]), ``p_better`` in
[0, 1], and a model compared with itself gives zeros. Classification runs with both of
its draw schemes (group counts from the multinomial, or from drawn sample indices).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from _fuzz import corrupt, label_pairs, mostly, outcome, rejected, valid_weights, weird_scalars
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelmetrics._analysis.resampling as resampling
from modelmetrics.analysis import (
    classification_bootstrap,
    classification_compare,
    regression_bootstrap,
    regression_compare,
    segmentation_bootstrap,
    segmentation_compare,
)

_N = mostly(st.integers(1, 20), st.one_of(st.integers(-3, 0), weird_scalars))
_LEVEL = mostly(
    st.floats(0.01, 0.99), st.one_of(st.sampled_from([0.0, 1.0, -0.5, 2.0]), weird_scalars)
)
_SEED = mostly(st.integers(0, 2**32), st.one_of(st.integers(-5, -1), weird_scalars))
_fuzz = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _entries(result: dict[str, Any]) -> list[dict[str, Any]]:
    out = [v for k, v in result.items() if k != "per-class"]
    for per_class in result.get("per-class", {}).values():
        out.extend(per_class.values())
    return out


def _in(value: float, low: float, high: float) -> bool:
    # The library's ratios of fractionally weighted sums may pass 1 by an ulp.
    return math.isnan(value) or low - 1e-12 <= value <= high + 1e-12


def _check_bootstrap(result: dict[str, Any], bounded: bool) -> None:
    for e in _entries(result):
        assert set(e) == {"value", "low", "high", "level"}
        assert math.isnan(e["low"]) or math.isnan(e["high"]) or e["low"] <= e["high"], e
        if bounded:
            assert all(_in(e[k], 0.0, 1.0) for k in ("value", "low", "high")), e


def _check_compare(result: dict[str, Any], bounded: bool, same: bool) -> None:
    for e in _entries(result):
        assert set(e) == {"delta", "low", "high", "p_better"}
        assert _in(e["p_better"], 0.0, 1.0), e
        assert math.isnan(e["low"]) or math.isnan(e["high"]) or e["low"] <= e["high"], e
        if bounded:
            assert all(_in(e[k], -1.0, 1.0) for k in ("delta", "low", "high")), e
        if same and not math.isnan(e["low"]):
            assert (e["low"], e["high"], e["p_better"]) == (0.0, 0.0, 0.0), e
            assert math.isnan(e["delta"]) or e["delta"] == 0.0, e


# -- classification ---------------------------------------------------------------------------


@contextmanager
def _scheme(indices: bool) -> Iterator[None]:
    """Classification's draws from the samples' indices (else the multinomial)."""
    with pytest.MonkeyPatch.context() as patch:
        if indices:
            patch.setattr(resampling, "_MULTINOMIAL_RATIO", 10**9)
            patch.setattr(resampling, "_MULTINOMIAL_EXTRA", 0)
        yield


@st.composite
def _scores(draw: st.DrawFn, n: int) -> Any:
    """Class probabilities of shape (n, 3), perhaps corrupted."""
    values = st.lists(st.floats(0, 1), min_size=3 * n, max_size=3 * n)
    return draw(corrupt(np.array(draw(values)).reshape(n, 3)))


@_fuzz
@given(
    pair=label_pairs(),
    data=st.data(),
    n=_N,
    seed=_SEED,
    level=_LEVEL,
    scores=st.booleans(),
    indices=st.booleans(),
)
def test_classification_bootstrap_rejects_or_answers(
    pair: Any, data: st.DataObject, n: Any, seed: Any, level: Any, scores: bool, indices: bool
) -> None:
    y_true, y_pred = pair
    size = len(np.asarray(y_true).reshape(-1)) if np.ndim(y_true) else 1
    weights = data.draw(valid_weights(size))
    if scores:
        y_pred = data.draw(_scores(size))
    with _scheme(indices):
        got = outcome(
            classification_bootstrap, y_true, y_pred, sample_weight=weights, n=n, seed=seed,
            level=level,
        )  # fmt: skip
    if not rejected(got):
        _check_bootstrap(got, bounded=True)


@_fuzz
@given(
    pair=label_pairs(),
    other=label_pairs(),
    n=_N,
    seed=_SEED,
    level=_LEVEL,
    same=st.booleans(),
    indices=st.booleans(),
)
def test_classification_compare_rejects_or_answers(
    pair: Any, other: Any, n: Any, seed: Any, level: Any, same: bool, indices: bool
) -> None:
    y_true, y_pred = pair
    y_pred_b = y_pred if same else other[1]
    with _scheme(indices):
        got = outcome(classification_compare, y_true, y_pred, y_pred_b, n=n, seed=seed, level=level)
    if not rejected(got):
        _check_compare(got, bounded=True, same=same)


# -- regression -------------------------------------------------------------------------------

_values = st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, 1.0, -1.0, 1e300, -1e300]))


@st.composite
def _regression(draw: st.DrawFn) -> tuple[Any, Any, Any, Any]:
    n = draw(st.integers(1, 10))
    shape = draw(st.sampled_from([(n,), (n, 2)]))
    size = int(np.prod(shape))
    t, a, b = (
        np.array(draw(st.lists(_values, min_size=size, max_size=size))).reshape(shape)
        for _ in range(3)
    )
    which = draw(st.integers(0, 2))
    if which == 0:
        t = draw(corrupt(t))
    elif which == 1:
        a = draw(corrupt(a))
    else:
        b = draw(corrupt(b))
    return t, a, b, draw(valid_weights(n))


@_fuzz
@given(data=_regression(), n=_N, seed=_SEED, level=_LEVEL, same=st.booleans())
def test_regression_rejects_or_answers(
    data: Any, n: Any, seed: Any, level: Any, same: bool
) -> None:
    t, a, b, weights = data
    got = outcome(regression_bootstrap, t, a, sample_weight=weights, n=n, seed=seed, level=level)
    if not rejected(got):
        _check_bootstrap(got, bounded=False)
    got = outcome(
        regression_compare, t, a, a if same else b, sample_weight=weights, n=n, seed=seed,
        level=level,
    )  # fmt: skip
    if not rejected(got):
        _check_compare(got, bounded=False, same=same)


# -- semantic segmentation --------------------------------------------------------------------


@st.composite
def _segmentation(draw: st.DrawFn) -> tuple[Any, Any, Any, int]:
    k = draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(3, 4), (2, 3, 4), (4, 2, 2), (1, 1, 1)]))
    size = int(np.prod(shape))
    labels = st.lists(st.integers(0, k - 1), min_size=size, max_size=size)
    t, a, b = (np.array(draw(labels)).reshape(shape) for _ in range(3))
    which = draw(st.integers(0, 3))
    if which == 0:
        t = draw(corrupt(t))
    elif which == 1:
        a = draw(corrupt(a))
    elif which == 2:
        b = draw(corrupt(b))
    return t, a, b, k


@_fuzz
@given(
    data=_segmentation(),
    n=_N,
    seed=_SEED,
    level=_LEVEL,
    same=st.booleans(),
    ignore=st.sampled_from([None, 0, 255]),
    absent=mostly(st.sampled_from(["skip", "zero", "one"]), weird_scalars),
)
def test_segmentation_rejects_or_answers(
    data: Any, n: Any, seed: Any, level: Any, same: bool, ignore: Any, absent: Any
) -> None:
    t, a, b, k = data
    options = {"num_classes": k, "ignore_index": ignore, "absent": absent}
    got = outcome(segmentation_bootstrap, t, a, n=n, seed=seed, level=level, **options)
    if not rejected(got):
        _check_bootstrap(got, bounded=True)
    b = a if same else b
    got = outcome(segmentation_compare, t, a, b, n=n, seed=seed, level=level, **options)
    if not rejected(got):
        _check_compare(got, bounded=True, same=same)
