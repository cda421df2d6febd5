"""Fuzzing ``modelmetrics.lvis`` with mutated LVIS datasets and results, from dicts and
from files: the only outcomes are a result or ValueError/TypeError, and a result's
summary values are -1 (undefined) or in [0, 1]."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from _fuzz import mutated_json, outcome, rejected
from _lvis_cases import federated_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics.lvis import LVIS, LVISEval, LVISResults

CASE = federated_case()
GT, DT = CASE["gt"], CASE["results"]


def _lvis_eval(gt: Any, dt: Any, iou_type: str, max_dets: int, tmp: Path | None) -> Any:
    if tmp is not None:
        (tmp / "gt.json").write_text(json.dumps(gt))
        (tmp / "dt.json").write_text(json.dumps(dt))
        gt, dt = str(tmp / "gt.json"), str(tmp / "dt.json")
    with contextlib.redirect_stdout(io.StringIO()):
        lvis_gt = LVIS(gt)
        ev = LVISEval(lvis_gt, LVISResults(lvis_gt, dt, max_dets=max_dets), iou_type)
        ev.run()
        ev.print_results()
    return ev.results


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    gt=st.one_of(mutated_json(GT), st.builds(lambda: copy.deepcopy(GT))),
    dt=st.one_of(mutated_json(DT), st.builds(lambda: copy.deepcopy(DT))),
    iou_type=st.sampled_from(["bbox", "segm"]),
    max_dets=st.sampled_from([300, 1, 0, -1]),
    via_file=st.booleans(),
)
def test_lvis_eval_rejects_or_scores_mutated_datasets(
    gt: Any, dt: Any, iou_type: str, max_dets: int, via_file: bool, tmp_path: Path
) -> None:
    results = outcome(_lvis_eval, gt, dt, iou_type, max_dets, tmp_path if via_file else None)
    if rejected(results):
        return
    assert len(results) == 13
    for key, value in results.items():
        assert value == -1 or (np.isfinite(value) and 0 <= value <= 1), (key, value)
