"""``positions``: where each annotation's image or category id is in the evaluated ids,
with the semantics of the dict pycocotools would build from them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmetrics._detection.grouping import positions


def _dict_positions(values: list[object], keys: list[object]) -> list[int]:
    lookup = {key: i for i, key in enumerate(keys)}  # a repeated key: its last position
    return [lookup.get(v, -1) for v in values]


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(st.integers(-(2**40), 2**40), max_size=30),
    picks=st.lists(st.integers(0, 40), max_size=120),
    strays=st.lists(st.integers(-(2**41), 2**41), max_size=5),
    spread=st.sampled_from([1, 7, 10**6]),
)
def test_positions_are_the_dict_lookup(keys, picks, strays, spread):
    """Dense ids, sparse ids with few or many values (the lookup table, the binary
    search), repeated keys and values that are in no key all give the dict's answer."""
    keys = [k * spread for k in keys]
    values = [keys[p] if p < len(keys) else p * spread + 1 for p in picks] + strays
    got = positions(np.array(values, dtype=np.int64), keys)
    assert got.dtype == np.int64
    assert got.tolist() == _dict_positions(values, keys)


@pytest.mark.parametrize("values", [[3, 1, 2, 2], [1, 5_000_000], []])
def test_positions_of_many_values_over_sparse_ids(values):
    """Enough values for the lookup table over ids spread across a million."""
    keys = [2, 1_000_000, 3, 1]
    many = np.array(values * 300_000, dtype=np.int64)
    assert positions(many, keys).tolist() == _dict_positions(many.tolist(), keys)


def test_positions_of_ids_that_are_not_integers():
    assert positions(np.array(["a", "b", "z"], dtype=object), ["b", "a"]).tolist() == [1, 0, -1]
    assert positions(np.array([1.0, 2.5]), [2.5, 1]).tolist() == [1, 0]
