"""Kernel-level tests: counting kernels against plain numpy oracles."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from modelmetrics import _kernels

LABEL_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("dtype", LABEL_DTYPES)
def test_count_pairs_matches_numpy(dtype):
    rng = np.random.default_rng(0)
    t = rng.integers(0, 5, 1000).astype(dtype)
    p = rng.integers(0, 5, 1000).astype(dtype)
    table = np.zeros((8, 8), np.int64)
    assert _kernels.count_pairs(t, p, table)
    expected = np.zeros((8, 8), np.int64)
    np.add.at(expected, (t.astype(np.int64), p.astype(np.int64)), 1)
    np.testing.assert_array_equal(table, expected)


@pytest.mark.parametrize("bad", [-1, 8, 200])
def test_count_pairs_reports_out_of_range(bad):
    t = np.array([0, 1, bad, 2], np.int64)
    p = np.array([0, 1, 1, 2], np.int64)
    assert not _kernels.count_pairs(t, p, np.zeros((8, 8), np.int64))
    assert not _kernels.count_pairs(p, t, np.zeros((8, 8), np.int64))


def test_count_pairs_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="shape mismatch"):
        _kernels.count_pairs(
            np.zeros(3, np.int64), np.zeros(2, np.int64), np.zeros((2, 2), np.int64)
        )


def test_count_pairs_accepts_read_only_input():
    t = np.arange(4, dtype=np.int32) % 2
    t.setflags(write=False)
    table = np.zeros((2, 2), np.int64)
    assert _kernels.count_pairs(t, t, table)
    assert table.tolist() == [[2, 0], [0, 2]]


@given(
    hnp.arrays(np.float64, st.integers(0, 3000), elements=st.floats(0, 1e6)),
    st.randoms(use_true_random=False),
)
@settings(max_examples=60, deadline=None)
def test_weighted_hits_is_numpy_sum_bit_for_bit(weights, rnd):
    hit = np.array([rnd.random() < 0.5 for _ in range(weights.size)], dtype=np.uint8)
    assert _kernels.weighted_hits(hit, weights) == np.sum(hit.astype(np.float64) * weights)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 8191, 8192, 8193, 100_003, 1_000_001])
def test_weighted_hits_sizes_around_block_edges(n):
    rng = np.random.default_rng(n)
    w = rng.random(n) * 10.0 ** rng.integers(-5, 5, n)
    hit = (rng.random(n) < 0.7).astype(np.uint8)
    assert _kernels.weighted_hits(hit, w) == np.sum(hit * w)
