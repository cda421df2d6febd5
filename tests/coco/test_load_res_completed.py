"""Results that pycocotools' own ``loadRes`` already completed (numpy ``bbox`` arrays,
numpy ``area``) load in ours as their list form loads in pycocotools.

pycocotools itself cannot load them again under numpy 2 (its ``ann["bbox"] == []``
raises for an array); with the boxes as lists it takes its bbox branch, which is the
reference here.
"""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np
import pytest
from _coco_cases import segm_datasets
from hypothesis import assume, given, settings

import modelmetrics.coco as mm

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")


def _stats(coco_mod: Any, eval_mod: Any, gt: Any, results: list[dict[str, Any]]) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        ev = eval_mod.COCOeval(gt, gt.loadRes(results), "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@settings(max_examples=25, deadline=None)
@given(case=segm_datasets())
def test_results_completed_by_pycocotools_load_as_their_lists(case: dict[str, Any]) -> None:
    # Mask results without boxes: pycocotools' segm branch computes them (numpy arrays).
    results = [{k: v for k, v in r.items() if k != "bbox"} for r in case["results"]]
    assume(results)
    with contextlib.redirect_stdout(io.StringIO()):
        ref_gt = pc_coco.COCO()
        ref_gt.dataset = copy.deepcopy(case["gt"])
        ref_gt.createIndex()
        completed = ref_gt.loadRes(copy.deepcopy(results)).dataset["annotations"]
    assert isinstance(completed[0]["bbox"], np.ndarray)  # what pycocotools leaves
    as_lists = [{**a, "bbox": [float(v) for v in a["bbox"]]} for a in completed]
    expected = _stats(pc_coco, pc_eval, ref_gt, copy.deepcopy(as_lists))
    ours = _stats(mm, mm, mm.COCO(copy.deepcopy(case["gt"])), copy.deepcopy(completed))
    assert np.array_equal(ours, expected)
