"""Kernel-level tests: regression moments against a plain numpy oracle."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from modelmetrics import _kernels
from modelmetrics._regression.moments import (
    M2_DIFF,
    M2_TRUE,
    MAX_ABS,
    MEAN_DIFF,
    MEAN_TRUE,
    SUM_ABS,
    SUM_HIT,
    SUM_SQ,
    WEIGHT,
    moments,
)


def run_kernel(t, p, w=None, threshold=-1.0, splits=()):
    """Kernel state of 2-D inputs, computing the chunks in the given ranges."""
    n, k = t.shape
    n_chunks = _kernels.moments_n_chunks(n, k)
    out = np.full((n_chunks, k, _kernels.N_STATS), np.nan)
    edges = [0, *(s for s in splits if 0 < s < n_chunks), n_chunks]
    for lo, hi in pairwise(edges):
        _kernels.moments_chunks(t, p, w, threshold, lo, hi, out)
    _kernels.moments_reduce(out)
    return out[0]


def oracle(t, p, w=None, threshold=-1.0):
    w = np.ones(t.shape[0]) if w is None else w
    d = p - t
    wsum = w.sum()
    mt = (w[:, None] * t).sum(axis=0) / wsum
    md = (w[:, None] * d).sum(axis=0) / wsum
    state = np.empty((t.shape[1], 9))
    state[:, WEIGHT] = wsum
    state[:, MEAN_TRUE] = mt
    state[:, M2_TRUE] = (w[:, None] * (t - mt) ** 2).sum(axis=0)
    state[:, MEAN_DIFF] = md
    state[:, M2_DIFF] = (w[:, None] * (d - md) ** 2).sum(axis=0)
    state[:, SUM_ABS] = (w[:, None] * np.abs(d)).sum(axis=0)
    state[:, SUM_SQ] = (w[:, None] * d**2).sum(axis=0)
    state[:, MAX_ABS] = np.abs(d).max(axis=0)
    state[:, SUM_HIT] = (w[:, None] * (np.abs(d) <= threshold)).sum(axis=0)
    return state


def test_stat_names_follow_the_c_layout():
    assert _kernels.N_STATS == 9
    names = ("weight", "mean_true", "m2_true", "mean_diff", "m2_diff", "sum_abs", "sum_sq")
    assert (*names, "max_abs", "sum_hit") == _kernels.STATS
    order = (WEIGHT, MEAN_TRUE, M2_TRUE, MEAN_DIFF, M2_DIFF, SUM_ABS, SUM_SQ, MAX_ABS, SUM_HIT)
    assert order == tuple(range(9))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 255, 4095, 4096, 4097, 8192, 12289])
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_numpy_oracle(n, k, weighted):
    rng = np.random.default_rng(n * 10 + k)
    t = rng.normal(5.0, 2.0, (n, k))
    p = t + rng.normal(0.0, 1.0, (n, k))
    w = rng.integers(0, 4, n) * 0.5 if weighted else None
    if weighted:
        w[0] = 1.5  # not all zero
    got = run_kernel(t, p, w, threshold=0.7)
    np.testing.assert_allclose(got, oracle(t, p, w, threshold=0.7), rtol=1e-12, atol=1e-12)
    assert np.array_equal(got[:, MAX_ABS], np.abs(p - t).max(axis=0))  # max is exact


@given(
    n=st.integers(1, 20_000),
    splits=st.lists(st.integers(0, 10), max_size=4),
    k=st.integers(1, 3),
    weighted=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=30, deadline=None)
def test_any_split_of_chunks_is_bit_identical(n, splits, k, weighted, seed):
    rng = np.random.default_rng(seed)
    t = rng.normal(size=(n, k))
    p = rng.normal(size=(n, k))
    w = rng.random(n) if weighted else None
    whole = run_kernel(t, p, w, 0.5)
    assert np.array_equal(run_kernel(t, p, w, 0.5, splits=sorted(splits)), whole)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [3, 8, 21])
def test_row_and_column_major_layouts_agree_bitwise(weighted, k):
    rng = np.random.default_rng(3)
    t = rng.normal(size=(5000, k))
    p = rng.normal(size=(5000, k))
    w = rng.random(5000) if weighted else None
    c_order = run_kernel(t, p, w, 0.1)
    f_order = run_kernel(np.asfortranarray(t), np.asfortranarray(p), w, 0.1)
    assert np.array_equal(c_order, f_order)
    np.testing.assert_allclose(c_order, oracle(t, p, w, 0.1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("value", [0.1, -3.3, 1e10 / 3])
@pytest.mark.parametrize("n", [5, 9000])
def test_constant_column_has_exact_mean_and_zero_m2(value, n):
    rng = np.random.default_rng(0)
    t = np.full((n, 1), value)
    t[:3] = rng.normal(size=(3, 1))  # ...on the weighted rows only
    p = t + 0.25
    w = np.ones(n)
    w[:3] = 0.0
    w[4000:4300] = 0.0
    state = run_kernel(t, p, w)
    assert state[0, MEAN_TRUE] == value
    assert state[0, M2_TRUE] == 0.0
    assert state[0, WEIGHT] == w.sum()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["y_true", "y_pred"])
@pytest.mark.parametrize("zero_weight_chunk", [False, True])
def test_non_finite_input_makes_sum_abs_non_finite(bad, where, zero_weight_chunk):
    n = 3 * 4096
    t = np.zeros((n, 1))
    p = np.ones((n, 1))
    (t if where == "y_true" else p)[5000, 0] = bad
    w = np.ones(n)
    if zero_weight_chunk:
        w[4096 : 2 * 4096] = 0.0  # the bad value sits in a chunk of weight zero
    state = run_kernel(t, p, w)
    assert not np.isfinite(state[0, SUM_ABS])


def test_merge_of_halves_matches_whole():
    rng = np.random.default_rng(7)
    t = rng.normal(size=(10_000, 2))
    p = rng.normal(size=(10_000, 2))
    a = run_kernel(t[:3000], p[:3000])
    _kernels.moments_merge(a, run_kernel(t[3000:], p[3000:]))
    np.testing.assert_allclose(a, run_kernel(t, p), rtol=1e-13, atol=1e-14)  # means near 0


def test_moments_is_thread_count_invariant():
    from modelmetrics._core.parallel import num_threads

    rng = np.random.default_rng(11)
    t = rng.normal(size=(200_000, 1))  # 49 chunks: enough for several threads
    p = rng.normal(size=(200_000, 1))
    with num_threads(1):
        one = moments(t, p, None, 0.3)
    for threads in (2, 3, 5):
        with num_threads(threads):
            assert np.array_equal(moments(t, p, None, 0.3), one)


def test_accepts_read_only_input():
    t = np.arange(10.0).reshape(10, 1)
    t.setflags(write=False)
    assert run_kernel(t, t)[0, SUM_ABS] == 0.0


@given(hnp.arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e6, 1e6)))
@settings(max_examples=50, deadline=None)
def test_max_is_exact(values):
    t = values[:, None]
    p = values[::-1, None].copy()
    assert run_kernel(t, p)[0, MAX_ABS] == np.max(np.abs(t - p))


def test_rejects_inconsistent_arguments():
    t = np.zeros((10, 2))
    out = np.empty((1, 2, 9))
    with pytest.raises(ValueError, match="shape"):
        _kernels.moments_chunks(t, np.zeros((10, 1)), None, -1.0, 0, 1, out)
    with pytest.raises(ValueError, match="layout"):
        _kernels.moments_chunks(t, np.asfortranarray(t), None, -1.0, 0, 1, out)
    with pytest.raises(ValueError, match="weight"):
        _kernels.moments_chunks(t, t, np.ones(3), -1.0, 0, 1, out)
    with pytest.raises(ValueError, match="out"):
        _kernels.moments_chunks(t, t, None, -1.0, 0, 1, np.empty((2, 2, 9)))
    with pytest.raises(ValueError, match="range"):
        _kernels.moments_chunks(t, t, None, -1.0, 0, 2, out)
    with pytest.raises(ValueError, match="shape"):
        _kernels.moments_merge(np.zeros((2, 9)), np.zeros((3, 9)))
