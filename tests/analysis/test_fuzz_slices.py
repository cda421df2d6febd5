"""Fuzz: slice_metrics with malformed COCO data and odd slice specs.

The small valid dataset of the fuzz suite and its results are mutated; the slices are
drawn from valid specs (ids, tests, attributes, relative-area ranges) and odd values.
The only allowed outcomes are a result or ValueError/TypeError; a result must be well
formed: one entry per slice, metrics in [0, 1] or NaN, counts non-negative integers.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from _fuzz import mostly, mutated_json, outcome, rejected, weird_scalars
from _fuzz_data import DT, GT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics.analysis import slice_metrics

_IDS = st.lists(st.one_of(st.integers(0, 3), weird_scalars), max_size=4)
_BOUND = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.1, 0.5, 1.0]))
_RANGE = mostly(
    st.lists(_BOUND, min_size=2, max_size=2, unique=True).map(sorted),
    st.tuples(st.floats(-0.5, 1.5), st.floats(-0.5, 1.5)),
)
_VALID = st.one_of(
    st.lists(st.sampled_from([1, 2]), min_size=1, max_size=2),
    st.just(lambda img: img.get("id") == 1),
    st.fixed_dictionaries({"attribute": st.sampled_from(["width", "id", "file_name"])}),
    st.fixed_dictionaries({"attribute": st.just("height"), "value": st.sampled_from([30, 31])}),
    st.fixed_dictionaries({"relative_area": _RANGE}),
)
_SPEC = mostly(
    _VALID,
    st.one_of(
        _IDS,
        weird_scalars,
        st.fixed_dictionaries({"relative_area": weird_scalars}),
        st.fixed_dictionaries({"attribute": weird_scalars}),
        st.dictionaries(st.text(max_size=3), weird_scalars, max_size=2),
    ),
)
_SLICES = mostly(
    st.dictionaries(st.sampled_from(["a", "b", "c", "id=1"]), _SPEC, min_size=1, max_size=2),
    st.one_of(
        weird_scalars,
        st.dictionaries(
            st.one_of(st.integers(-2, 2), st.none(), st.binary(max_size=2)), _SPEC, max_size=2
        ),
    ),
)


def _check(result: dict[str, Any]) -> None:
    assert isinstance(result, dict)
    assert result
    for entry in result.values():
        assert isinstance(entry["n_images"], int)
        assert entry["n_images"] >= 1
        assert isinstance(entry["n_ground_truths"], int)
        assert entry["n_ground_truths"] >= 0
        values = [
            v for k, v in entry.items() if k not in ("per-class", "n_images", "n_ground_truths")
        ]
        for per_class in entry["per-class"].values():
            values.extend(per_class.values())
        for v in values:
            assert isinstance(v, float | int)
            assert math.isnan(v) or 0.0 <= v <= 1.0, entry


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    gt=mostly(st.builds(lambda: copy.deepcopy(GT)), mutated_json(GT)),
    dt=mostly(st.builds(lambda: copy.deepcopy(DT)), mutated_json(DT)),
    iou_type=mostly(st.sampled_from(["bbox", "segm"]), weird_scalars),
    slices=_SLICES,
)
def test_slice_metrics_rejects_or_answers(gt: Any, dt: Any, iou_type: Any, slices: Any) -> None:
    got = outcome(slice_metrics, gt, dt, iou_type, slices=slices)
    if not rejected(got):
        _check(got)
