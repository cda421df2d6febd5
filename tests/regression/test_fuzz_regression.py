"""Fuzz: modelmetrics.regression with malformed input.

Allowed outcomes: a result or ValueError/TypeError. When scikit-learn also returns a
finite value for the same input, the two agree to 1e-12 relative (``max_error``
exactly), as the README promises.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from _fuzz import (
    array_like,
    corrupt,
    mostly,
    numeric_arrays,
    outcome,
    rejected,
    valid_weights,
    weird_scalars,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from modelmetrics import regression as mm

sklearn_metrics = pytest.importorskip("sklearn.metrics")

FUNCTIONS = [
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "r2_score",
    "explained_variance_score",
    "max_error",
]

wild_targets = st.one_of(numeric_arrays(), array_like())
wild_weights = st.one_of(st.none(), numeric_arrays(ndim=1), weird_scalars)
values = st.one_of(
    st.floats(-1e6, 1e6),
    st.sampled_from([0.0, 1.0, -1.0, 1e-300, 5e-324, 1e300, -1e300, 3.4e38, 65504.0]),
)


@st.composite
def regression_data(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    """(y_true, y_pred, sample_weight): mostly valid with one defect, sometimes wild."""
    if draw(st.integers(0, 4)) == 0:
        return draw(wild_targets), draw(wild_targets), draw(wild_weights)
    n = draw(st.integers(1, 12))
    outputs = draw(st.sampled_from([None, 1, 2]))
    shape = (n,) if outputs is None else (n, outputs)
    size = n * (outputs or 1)
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64, np.int64, np.int8]))
    with np.errstate(over="ignore", invalid="ignore"):
        t = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
        p = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
        t, p = t.astype(dtype), p.astype(dtype)
    if dtype != np.float64 and not (np.isfinite(t).all() and np.isfinite(p).all()):
        t, p = np.nan_to_num(t), np.nan_to_num(p)
    if draw(st.booleans()):
        t = draw(corrupt(t))
    else:
        p = draw(corrupt(p))
    return t, p, draw(valid_weights(n))


def _sklearn(name: str, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(sklearn_metrics, name)(*args, **kwargs)
        except Exception as exc:
            return exc


def _close(ours: Any, theirs: Any, rel: float) -> bool:
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        return False
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return True  # overflowed on one side: scikit-learn's sums are not compensated
    return bool(np.allclose(a, b, rtol=rel, atol=rel))


def _max_abs(value: Any) -> float:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return 0.0
    finite = np.abs(arr[np.isfinite(arr)])
    return float(finite.max(initial=0.0))


def _float64(value: Any) -> Any:
    # Integers too: scikit-learn's abs() of the most negative int64 overflows.
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return value.astype(np.float64)
    return value


@given(
    name=st.sampled_from(FUNCTIONS),
    data=regression_data(),
    multioutput=st.sampled_from(["uniform_average", "raw_values", "variance_weighted", "x"]),
)
def test_functions_reject_or_match_sklearn(
    name: str, data: tuple[Any, Any, Any], multioutput: str
) -> None:
    y_true, y_pred, sample_weight = data
    kwargs: dict[str, Any] = {}
    if name != "max_error":
        kwargs = {"sample_weight": sample_weight, "multioutput": multioutput}
    ours = outcome(getattr(mm, name), y_true, y_pred, **kwargs)
    if rejected(ours):
        return
    # modelmetrics computes in float64 whatever the input dtype (documented);
    # scikit-learn keeps float32 (and ints) and would round, so it gets float64 values.
    theirs = _sklearn(name, _float64(y_true), _float64(y_pred), **kwargs)
    if isinstance(theirs, Exception):
        return
    # Values near the float64 range lose all digits in a naive sum; compare the rest.
    scale = max(
        (
            float(np.max(np.abs(np.asarray(v, dtype=np.float64)), initial=0.0))
            for v in (y_true, y_pred)
        ),
        default=0.0,
    )
    if scale > 1e150:
        return
    rel = 0.0 if name == "max_error" else 1e-9
    assert _close(ours, theirs, rel), (ours, theirs)


@given(
    data=regression_data(),
    threshold=mostly(st.one_of(st.none(), st.floats(0, 10)), st.one_of(st.floats(), weird_scalars)),
)
def test_metrics_and_accumulator_agree(data: tuple[Any, Any, Any], threshold: Any) -> None:
    y_true, y_pred, sample_weight = data
    # Known limit: weighted moments overflow (with a numpy warning) once weight x value
    # leaves the float range, although the weighted means themselves would fit.
    assume(_max_abs(sample_weight) * max(_max_abs(y_true), _max_abs(y_pred)) < 1e300)
    one = outcome(
        mm.regression_metrics, y_true, y_pred, sample_weight=sample_weight, threshold=threshold
    )
    acc = outcome(mm.RegressionAccumulator, threshold=threshold)
    if rejected(acc):
        assert rejected(one)
        return
    updated = outcome(acc.update, y_true, y_pred, sample_weight)
    if rejected(updated):
        assert acc.n_samples == 0
        assert rejected(one)
        return
    streamed = outcome(acc.compute)
    if rejected(one):
        return  # e.g. empty input: the accumulator accepts an empty batch, compute refuses
    assert not rejected(streamed)
    for key, value in one.as_dict().items():
        other = streamed.as_dict()[key]
        assert (
            (value is None and other is None)
            or math.isclose(value, other, rel_tol=1e-12)
            or (math.isnan(value) and math.isnan(other))
        ), key
