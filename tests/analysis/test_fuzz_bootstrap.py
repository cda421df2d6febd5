"""Fuzz: bootstrap and compare with malformed COCO data and odd arguments.

The small valid dataset of the fuzz suite and its results are mutated; ``n``, ``seed``
and ``level`` are drawn from valid and odd values. The only allowed outcomes are a
result or ValueError/TypeError; a result must be well formed: values and bounds in
[0, 1] (differences in [-1, 1]) or NaN, ``low <= high``, ``p_better`` in [0, 1].
"""

from __future__ import annotations

import copy
import math
from typing import Any

from _fuzz import mostly, mutated_json, outcome, rejected, weird_scalars
from _fuzz_data import DT, GT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics.analysis import bootstrap, compare
from modelmetrics.coco import COCO

_N = mostly(st.integers(1, 30), st.one_of(st.integers(-3, 0), weird_scalars))
_LEVEL = mostly(
    st.floats(0.01, 0.99), st.one_of(st.sampled_from([0.0, 1.0, -0.5, 2.0]), weird_scalars)
)
_SEED = mostly(st.integers(0, 2**32), st.one_of(st.integers(-5, -1), weird_scalars))


def _entries(result: dict[str, Any]) -> list[dict[str, Any]]:
    out = [v for k, v in result.items() if k != "per-class"]
    for per_class in result["per-class"].values():
        out.extend(per_class.values())
    return out


def _in(value: float, low: float, high: float) -> bool:
    return math.isnan(value) or low <= value <= high


def _check_bootstrap(result: dict[str, Any]) -> None:
    for e in _entries(result):
        assert set(e) == {"value", "low", "high", "level"}
        assert all(_in(e[k], 0.0, 1.0) for k in ("value", "low", "high")), e
        assert math.isnan(e["low"]) or e["low"] <= e["high"], e


def _check_compare(result: dict[str, Any]) -> None:
    for e in _entries(result):
        assert set(e) == {"delta", "low", "high", "p_better"}
        assert all(_in(e[k], -1.0, 1.0) for k in ("delta", "low", "high")), e
        assert _in(e["p_better"], 0.0, 1.0), e
        assert math.isnan(e["low"]) or e["low"] <= e["high"], e


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    gt=st.one_of(mutated_json(GT), st.builds(lambda: copy.deepcopy(GT))),
    dt=st.one_of(mutated_json(DT), st.builds(lambda: copy.deepcopy(DT))),
    iou_type=mostly(st.sampled_from(["bbox", "segm"]), weird_scalars),
    n=_N,
    seed=_SEED,
    level=_LEVEL,
)
def test_bootstrap_rejects_or_answers(
    gt: Any, dt: Any, iou_type: Any, n: Any, seed: Any, level: Any
) -> None:
    got = outcome(bootstrap, gt, dt, iou_type, n=n, seed=seed, level=level)
    if not rejected(got):
        _check_bootstrap(got)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    dt_b=st.one_of(mutated_json(DT), st.builds(lambda: copy.deepcopy(DT))),
    n=_N,
    seed=_SEED,
    level=_LEVEL,
    same=st.booleans(),
)
def test_compare_rejects_or_answers(dt_b: Any, n: Any, seed: Any, level: Any, same: bool) -> None:
    coco = COCO(copy.deepcopy(GT))
    dt_a = coco.loadRes(copy.deepcopy(DT))
    got = outcome(compare, coco, dt_a, dt_a if same else dt_b, n=n, seed=seed, level=level)
    if not rejected(got):
        _check_compare(got)
        if same:
            for e in _entries(got):
                assert (
                    math.isnan(e["low"])
                    or (e["delta"], e["low"], e["high"], e["p_better"]) == (0.0,) * 4
                )
