"""Kernel-level tests: radix sort, sort keys, class split and curve merging, against
numpy oracles."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from modelmetrics import _kernels
from modelmetrics._classification.radix import argsort_stable, sort_keys

SPECIAL = [
    -0.0,
    0.0,
    1.5,
    -2.0,
    np.inf,
    -np.inf,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,  # smallest normal
    -1e-310,
    1e308,
    -1.7976931348623157e308,
    1.0,
    np.nextafter(1.0, 2.0),
    np.nextafter(1.0, 0.0),
]


def _cases(n, rng):
    yield rng.choice(SPECIAL, n)
    yield rng.standard_normal(n)
    yield rng.random(n)
    yield np.round(rng.random(n), 3)  # heavy ties
    yield 0.5 + rng.random(n) * 1e-12  # all bits below the exponent vary
    yield np.where(rng.random(n) < 0.9, 0.25, rng.standard_normal(n))  # one huge tie
    yield rng.random(n) * 10.0 ** rng.integers(-300, 300, n)  # huge and tiny magnitudes
    yield rng.random(n) * 1e-310  # subnormals
    yield np.concatenate([rng.random(n // 2), 0.5 + rng.random(n - n // 2) * 1e-15])
    yield rng.random(n).astype(np.float32)
    yield (rng.standard_normal(n) * 1e-40).astype(np.float32)  # float32 subnormals
    yield rng.integers(-5, 5, n)
    yield rng.integers(-(2**62), 2**62, n)
    yield rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    yield rng.random(n) < 0.3


@pytest.mark.parametrize("n", [0, 1, 2, 3, 24, 25, 100, 5000, 300_001])
def test_argsort_matches_numpy_stable(n):
    rng = np.random.default_rng(n)
    for x in _cases(n, rng):
        expected = np.argsort(x, kind="stable")
        np.testing.assert_array_equal(argsort_stable(x), expected, err_msg=f"{x.dtype} {x[:8]}")


@given(
    hnp.arrays(
        np.float64,
        st.integers(0, 400),
        elements=st.floats(allow_nan=False) | st.sampled_from(SPECIAL),
    )
)
@settings(max_examples=150, deadline=None)
def test_argsort_matches_numpy_stable_hypothesis(x):
    np.testing.assert_array_equal(argsort_stable(x), np.argsort(x, kind="stable"))


@given(hnp.arrays(np.float32, st.integers(0, 200), elements=st.floats(allow_nan=False, width=32)))
@settings(max_examples=60, deadline=None)
def test_argsort_float32(x):
    np.testing.assert_array_equal(argsort_stable(x), np.argsort(x, kind="stable"))


def test_argsort_rejects_long_double():
    with pytest.raises(TypeError, match="exact 64-bit"):
        argsort_stable(np.zeros(3, np.longdouble))


def test_signed_zeros_share_a_key():
    keys = np.empty(2, np.uint64)
    _kernels.sort_keys(np.array([-0.0, 0.0]), keys, False)
    assert keys[0] == keys[1]
    _kernels.sort_keys(np.array([-0.0, 0.0], np.float32), keys, True)
    assert keys[0] == keys[1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint64])
def test_descending_keys_decode_back(dtype):
    rng = np.random.default_rng(3)
    if dtype in (np.float64, np.float32):
        x = np.concatenate([rng.standard_normal(500), [np.inf, -np.inf, 5e-324, 1e-40]])
        x = x.astype(dtype)
    else:
        x = rng.integers(0, 2**40, 500).astype(dtype)
    keys = np.empty(x.shape[0], np.uint64)
    _kernels.sort_keys(x, keys, True)
    # Descending keys sort the values in decreasing order.
    order = np.argsort(keys, kind="stable")
    assert np.all(np.diff(x[order].astype(np.float64)) <= 0)
    out = np.empty_like(x)
    _kernels.decode_desc_keys(keys, out, False)
    np.testing.assert_array_equal(out.view(np.uint8), x.view(np.uint8))  # bit for bit


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_decode_zero_sign(dtype):
    keys = np.empty(1, np.uint64)
    _kernels.sort_keys(np.array([-0.0], dtype), keys, True)
    out = np.empty(1, dtype)
    _kernels.decode_desc_keys(keys, out, False)
    assert out[0] == 0
    assert not np.signbit(out[0])
    _kernels.decode_desc_keys(keys, out, True)
    assert out[0] == 0
    assert np.signbit(out[0])


def test_sort_keys_with_values_is_stable():
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 50, 10_000).astype(np.uint64)
    vals = np.arange(keys.shape[0], dtype=np.uint64)
    expected = np.argsort(keys, kind="stable")
    out_keys, out_vals = sort_keys(keys.copy(), vals.copy())
    assert out_vals is not None
    np.testing.assert_array_equal(out_vals, expected)
    np.testing.assert_array_equal(out_keys, keys[expected])


def test_radix_sort_checks_shapes():
    k = np.zeros(4, np.uint64)
    with pytest.raises(ValueError, match="shape mismatch"):
        _kernels.radix_sort(k, np.zeros(3, np.uint64), np.zeros(4, np.uint64), k.copy())
    with pytest.raises(ValueError, match="shape mismatch"):
        _kernels.radix_sort(k, np.empty(0, np.uint64), np.zeros(3, np.uint64), k[:0])


# --------------------------------------------------------------------------------------
# split and curve


def _split(scores, is_pos):
    n_pos = int(is_pos.sum())
    pos = np.empty(n_pos + 1, np.uint64)
    neg = np.empty(scores.shape[0] - n_pos + 1, np.uint64)
    p, q, last_zero = _kernels.split_by_label(scores, is_pos.view(np.uint8), pos, neg)
    return pos[:p], neg[:q], last_zero


def test_split_by_label_keeps_sample_order():
    scores = np.array([0.3, -0.0, 0.9, 0.0, 0.1, -0.0])
    is_pos = np.array([True, False, True, True, False, False])
    pos, neg, last_zero = _split(scores, is_pos)
    expected = np.empty(6, np.uint64)
    _kernels.sort_keys(scores, expected, True)
    np.testing.assert_array_equal(pos, expected[is_pos])
    np.testing.assert_array_equal(neg, expected[~is_pos])
    assert last_zero == 2  # the last zero is -0.0
    assert _split(scores[:4], is_pos[:4])[2] == 1
    assert _split(scores[[0, 2]], is_pos[[0, 2]])[2] == 0


def test_split_by_label_needs_spare_slots():
    scores = np.array([0.1, 0.2, 0.3])
    is_pos = np.array([1, 1, 0], np.uint8)
    with pytest.raises(ValueError, match="too small"):
        _kernels.split_by_label(scores, is_pos, np.empty(2, np.uint64), np.empty(2, np.uint64))
    with pytest.raises(ValueError, match="spare slot"):
        _kernels.split_by_label(scores, is_pos, np.empty(3, np.uint64), np.empty(0, np.uint64))


def test_split_by_label_weighted_drops_zero_weights():
    scores = np.array([0.1, 0.0, 0.3, 0.4])
    is_pos = np.array([1, 0, 1, 0], np.uint8)
    w = np.array([1.0, 0.0, 2.0, 0.5])
    pos, pos_w = np.empty(3, np.uint64), np.empty(3)
    neg, neg_w = np.empty(2, np.uint64), np.empty(2)
    p, q, last_zero = _kernels.split_by_label_weighted(scores, is_pos, w, pos, pos_w, neg, neg_w)
    assert (p, q, last_zero) == (2, 1, 0)  # the zero score has zero weight
    np.testing.assert_array_equal(pos_w[:p], [1.0, 2.0])
    np.testing.assert_array_equal(neg_w[:q], [0.5])


def _oracle_curve(scores, is_pos, weights):
    """scikit-learn's cumulative sums, spelled out with numpy."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], is_pos[order].astype(np.float64)
    w = np.ones_like(s) if weights is None else weights[order]
    keep = w != 0
    s, y, w = s[keep], y[keep], w[keep]
    idx = np.r_[np.nonzero(np.diff(s))[0], s.shape[0] - 1]
    return np.cumsum(y * w)[idx], np.cumsum((1 - y) * w)[idx], s[idx]


def _runs_of(scores, is_pos, weights, n_blocks):
    """Split the input into blocks, each split by class and sorted, as the library does."""
    edges = np.linspace(0, scores.shape[0], n_blocks + 1).astype(int)
    runs = {"pos": [], "neg": [], "pos_w": [], "neg_w": []}
    for lo, hi in itertools.pairwise(edges):
        keys = np.empty(hi - lo, np.uint64)
        _kernels.sort_keys(scores[lo:hi], keys, True)
        w = np.ones(hi - lo) if weights is None else weights[lo:hi]
        for name, mask in (("pos", is_pos[lo:hi] & (w != 0)), ("neg", ~is_pos[lo:hi] & (w != 0))):
            k, v = sort_keys(keys[mask].copy(), w[mask].copy().view(np.uint64))
            runs[name].append(k)
            runs[name + "_w"].append(v.view(np.float64))
    if weights is None:
        runs["pos_w"] = runs["neg_w"] = None
    return runs


@given(
    st.integers(1, 300),
    st.integers(1, 6),
    st.booleans(),
    st.randoms(use_true_random=False),
)
@settings(max_examples=80, deadline=None)
def test_curve_merges_blocks_in_stable_order(n, n_blocks, weighted, rnd):
    rng = np.random.default_rng(rnd.randrange(2**32))
    scores = rng.choice([0.1, 0.2, 0.2 + 1e-17, 0.5, -0.0, 0.0, 3.0], n)
    is_pos = rng.random(n) < 0.5
    weights = rng.choice([0.0, 0.1, 0.7, 1.3, 1e-9, 1e9], n) if weighted else None
    if weights is not None and not weights.any():
        weights[0] = 1.0
    runs = _runs_of(scores, is_pos, weights, min(n_blocks, n))
    tps, fps, keys = np.empty(n), np.empty(n), np.empty(n, np.uint64)
    m = _kernels.curve(runs["pos"], runs["pos_w"], runs["neg"], runs["neg_w"], tps, fps, keys)
    exp_tps, exp_fps, exp_thr = _oracle_curve(scores, is_pos, weights)
    np.testing.assert_array_equal(tps[:m], exp_tps)  # bit for bit: same summation order
    np.testing.assert_array_equal(fps[:m], exp_fps)
    thr = np.empty(m)
    _kernels.decode_desc_keys(keys[:m], thr, False)
    np.testing.assert_array_equal(thr, exp_thr)
    if weights is None and tps[m - 1] > 0 and fps[m - 1] > 0:
        auc = _kernels.roc_auc_from_curve(tps[:m], fps[:m], True)
        assert _kernels.roc_auc_runs(runs["pos"], runs["neg"], True) == auc
        assert _kernels.roc_auc_runs(runs["pos"], runs["neg"], False) == (
            _kernels.roc_auc_from_curve(tps[:m], fps[:m], False)
        )
    if weights is None and tps[m - 1] > 0:
        ap = _kernels.average_precision_from_curve(tps[:m], fps[:m])
        assert _kernels.average_precision_runs(runs["pos"], runs["neg"]) == ap


def test_curve_rejects_small_outputs_and_too_many_runs():
    keys = [np.array([1, 2, 3], np.uint64)]
    out = np.empty(2)
    with pytest.raises(ValueError, match="too small"):
        _kernels.curve(keys, None, [], None, out, out.copy(), np.empty(0, np.uint64))
    many = [np.empty(0, np.uint64)] * (_kernels.max_runs() + 1)
    with pytest.raises(ValueError, match="runs per class"):
        _kernels.curve(many, None, [], None, out, out.copy(), np.empty(0, np.uint64))
    with pytest.raises(ValueError, match="one weight array per key array"):
        _kernels.curve(keys, [], [], None, out, out.copy(), np.empty(0, np.uint64))


def test_area_kernels_check_their_preconditions():
    with pytest.raises(ValueError, match="positive totals"):
        _kernels.roc_auc_from_curve(np.array([0.0, 1.0]), np.array([0.0, 0.0]), True)
    with pytest.raises(ValueError, match="no positive total"):
        _kernels.average_precision_from_curve(np.array([0.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="both classes"):
        _kernels.roc_auc_runs([np.array([1], np.uint64)], [], True)


@given(st.integers(0, 200), st.integers(0, 200), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_merge_runs_is_stable(na, nb, rnd):
    rng = np.random.default_rng(rnd.randrange(2**32))
    a = np.sort(rng.integers(0, 20, na).astype(np.uint64))
    b = np.sort(rng.integers(0, 20, nb).astype(np.uint64))
    a_vals = np.arange(na, dtype=np.uint64)
    b_vals = np.arange(na, na + nb, dtype=np.uint64)  # run b holds the later samples
    out, out_vals = np.empty(na + nb, np.uint64), np.empty(na + nb, np.uint64)
    _kernels.merge_runs(a, a_vals, b, b_vals, out, out_vals)
    expected = np.argsort(np.concatenate([a, b]), kind="stable")
    np.testing.assert_array_equal(out_vals, expected)
    keys_only = np.empty(na + nb, np.uint64)
    empty = np.empty(0, np.uint64)
    _kernels.merge_runs(a, empty, b, empty, keys_only, empty)
    np.testing.assert_array_equal(keys_only, out)


def test_merge_runs_checks_shapes():
    a = np.zeros(2, np.uint64)
    with pytest.raises(ValueError, match="shape mismatch"):
        _kernels.merge_runs(a, a[:0], a, a[:0], np.empty(3, np.uint64), a[:0])
    with pytest.raises(ValueError, match="values without an output"):
        _kernels.merge_runs(a, a, a, a, np.empty(4, np.uint64), a[:0])
