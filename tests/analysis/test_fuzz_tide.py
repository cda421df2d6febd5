"""Fuzz: modelmetrics.analysis.tide with malformed input.

The small valid COCO dataset of the fuzz suite and its results are mutated (keys
dropped, values replaced by odd scalars or containers, annotations dropped or
duplicated) and handed over as dicts, as files and through a ``COCOeval``; per-image
arrays get corrupted fields; the settings get odd values. The only allowed outcomes are
a result or ValueError/TypeError, and a result must be well formed: finite numbers,
the base AP in [0, 100], main dAPs >= 0, counts that are non-negative integers.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from _fuzz import corrupt, mostly, mutated_json, outcome, rejected, weird_scalars
from _fuzz_data import DT, GT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics.analysis import TideErrors, tide
from modelmetrics.coco import COCO, COCOeval


def _check(result: TideErrors) -> None:
    assert 0.0 <= result.ap <= 100.0
    assert set(result.main_errors) == {"Cls", "Loc", "Both", "Dupe", "Bkg", "Miss"}
    assert all(math.isfinite(v) and v >= 0.0 for v in result.main_errors.values())
    assert all(math.isfinite(v) for v in result.special_errors.values())
    assert all(type(n) is int and n >= 0 for n in result.counts.values())
    assert json.dumps(result.as_dict(), allow_nan=False)


def _via_cocoeval(gt: Any, dt: Any, iou_type: str) -> TideErrors:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt)
        return tide(COCOeval(coco, coco.loadRes(dt), iou_type))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    gt=st.one_of(mutated_json(GT), st.builds(lambda: copy.deepcopy(GT))),
    dt=st.one_of(mutated_json(DT), st.builds(lambda: copy.deepcopy(DT))),
    iou_type=st.sampled_from(["bbox", "segm"]),
    how=st.sampled_from(["dicts", "files", "cocoeval"]),
)
def test_tide_rejects_or_answers_mutated_datasets(
    gt: Any, dt: Any, iou_type: str, how: str, tmp_path: Path
) -> None:
    if how == "files":
        (tmp_path / "gt.json").write_text(json.dumps(gt))
        (tmp_path / "dt.json").write_text(json.dumps(dt))
        result = outcome(tide, str(tmp_path / "gt.json"), str(tmp_path / "dt.json"), iou_type)
    elif how == "cocoeval":
        result = outcome(_via_cocoeval, gt, dt, iou_type)
    else:
        result = outcome(tide, gt, dt, iou_type)
    if not rejected(result):
        _check(result)


def _per_image(draw: st.DrawFn, n_images: int, predictions: bool) -> list[dict[str, Any]]:
    out = []
    for i in range(n_images):
        n = draw(st.integers(0, 4))
        coord = st.floats(0, 50, allow_nan=False)
        boxes = np.array(
            draw(st.lists(st.tuples(coord, coord, coord, coord), min_size=n, max_size=n))
        )
        entry: dict[str, Any] = {
            "boxes": boxes.reshape(n, 4),
            "labels": np.array(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)), np.int64),
            "image_id": i,
        }
        if predictions:
            entry["scores"] = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
        else:
            crowd = st.integers(0, 4).map(lambda v: int(v == 0))
            entry["iscrowd"] = np.array(draw(st.lists(crowd, min_size=n, max_size=n)))
        out.append(entry)
    return out


@st.composite
def per_image_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    n_images = draw(st.integers(1, 3))
    gt, dt = _per_image(draw, n_images, False), _per_image(draw, n_images, True)
    side = draw(st.sampled_from([gt, dt]))
    entry = side[draw(st.integers(0, n_images - 1))]
    key = draw(st.sampled_from([*entry.keys(), "extra"]))
    how = draw(st.sampled_from(["corrupt", "corrupt", "replace", "drop", "none"]))
    if how == "corrupt" and key in entry:
        entry[key] = draw(corrupt(entry[key]))
    elif how == "replace":
        entry[key] = draw(weird_scalars)
    elif how == "drop":
        entry.pop(key, None)
    return gt, dt


_ODD_NUMBERS = st.one_of(st.floats(), weird_scalars)


@given(
    pair=per_image_pairs(),
    iou_type=mostly(st.sampled_from(["bbox", None]), st.one_of(st.text(max_size=5), weird_scalars)),
    box_format=mostly(st.sampled_from(["xywh", "xyxy"]), st.just("cxcywh")),
    pos_threshold=mostly(st.sampled_from([0.5, 0.3, 0.9]), _ODD_NUMBERS),
    background_threshold=mostly(st.sampled_from([0.1, 0.0]), _ODD_NUMBERS),
    max_detections=mostly(st.sampled_from([100, 1, 2]), st.integers(-1, 3) | weird_scalars),
)
def test_tide_rejects_or_answers_odd_per_image_arrays(
    pair: tuple[Any, Any],
    iou_type: Any,
    box_format: Any,
    pos_threshold: Any,
    background_threshold: Any,
    max_detections: Any,
) -> None:
    gt, dt = pair
    result = outcome(
        tide,
        gt,
        dt,
        iou_type,
        box_format=box_format,
        pos_threshold=pos_threshold,
        background_threshold=background_threshold,
        max_detections=max_detections,
    )
    if not rejected(result):
        _check(result)
