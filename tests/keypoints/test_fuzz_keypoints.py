"""Fuzz: modelmetrics.keypoints (evaluate_keypoints, KeypointAccumulator), its report and
its command line with malformed input.

Per-image keypoint arrays are mutated (a field corrupted, replaced by an odd scalar or
dropped), COCO keypoint data is mutated as JSON, settings are odd values. The only
allowed outcomes are a result or ValueError/TypeError (the CLI: exit code 0, or 1 with
one line on stderr); a result must be well formed, the accumulator must agree with the
one-shot call, and the unmutated COCO data must give pycocotools' stats.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _fuzz import corrupt, mostly, mutated_json, outcome, rejected, weird_scalars
from _fuzz_data import KP_DT, KP_GT, KP_SIGMAS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics._cli.main import main
from modelmetrics.keypoints import KeypointAccumulator, evaluate_keypoints
from modelmetrics.report import ModelReport


def _check(m: Any) -> None:
    """A result is well formed: values in [0, 1] or NaN, 10 stats, counts consistent."""
    assert m.coco_stats.shape == (10,)
    assert np.all(((m.coco_stats >= 0) & (m.coco_stats <= 1)) | (m.coco_stats == -1))
    for value in (m.map, m.map50, m.mar):
        assert math.isnan(value) or 0 <= value <= 1
    for kp in m.per_keypoint:
        assert kp.pairs >= 0
        assert (kp.pairs == 0 and math.isnan(kp.oks)) or 0 <= kp.oks <= 1
    assert sum(kp.pairs for kp in m.per_keypoint) <= len(m.per_keypoint) * sum(
        c.tp for c in m.classes.values()
    )
    json.dumps(m.as_dict(), allow_nan=False)


def _per_image(draw: st.DrawFn, n_images: int, predictions: bool) -> list[dict[str, Any]]:
    out = []
    for i in range(n_images):
        n = draw(st.integers(0, 3))
        coord = st.floats(0, 50, allow_nan=False)
        width = 2 if predictions and draw(st.booleans()) else 3
        values = draw(st.lists(coord, min_size=n * 3 * width, max_size=n * 3 * width))
        kp = np.array(values, np.float64).reshape(n, 3, width)
        if width == 3:
            kp[:, :, 2] = np.array(draw(st.lists(st.sampled_from([0, 1, 2]), min_size=3 * n,
                                                 max_size=3 * n))).reshape(n, 3)  # fmt: skip
        entry: dict[str, Any] = {
            "keypoints": kp,
            "labels": np.array(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)), np.int64),
            "image_id": i,
        }
        if predictions:
            entry["scores"] = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
        else:
            boxes = np.array(draw(st.lists(coord, min_size=4 * n, max_size=4 * n))).reshape(n, 4)
            entry["boxes"] = boxes
            if draw(st.booleans()):
                entry["area"] = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
            if draw(st.booleans()):
                entry["iscrowd"] = np.array(draw(st.lists(st.integers(0, 1), min_size=n,
                                                          max_size=n)))  # fmt: skip
        out.append(entry)
    return out


@st.composite
def keypoint_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
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


@given(
    pair=keypoint_pairs(),
    sigmas=mostly(st.just([0.05, 0.08, 0.1]), st.one_of(weird_scalars, st.lists(st.floats()))),
    iou_threshold=mostly(st.just(0.5), st.one_of(st.floats(), weird_scalars)),
    score_threshold=mostly(st.one_of(st.none(), st.floats(0, 1)), weird_scalars),
    max_detections=mostly(st.just(20), st.one_of(st.integers(-1, 3), weird_scalars)),
    box_format=mostly(st.sampled_from(["xywh", "xyxy"]), st.just("cxcywh")),
)
def test_evaluate_keypoints_and_accumulator(
    pair: tuple[Any, Any],
    sigmas: Any,
    iou_threshold: Any,
    score_threshold: Any,
    max_detections: Any,
    box_format: Any,
) -> None:
    gt, dt = pair
    options = {
        "sigmas": sigmas,
        "iou_threshold": iou_threshold,
        "score_threshold": score_threshold,
        "max_detections": max_detections,
        "box_format": box_format,
    }
    one = outcome(evaluate_keypoints, gt, dt, **options)
    if not rejected(one):
        _check(one)
    acc = outcome(KeypointAccumulator, **options)
    if rejected(acc):
        return
    updated = outcome(acc.update, gt, dt)
    if rejected(updated):
        assert acc._image_ids == set()  # a refused batch leaves the state as it was
        return
    streamed = outcome(acc.compute)
    if not rejected(one) and not rejected(streamed):
        assert streamed.coco_stats.tolist() == one.coco_stats.tolist()
        assert [kp.pairs for kp in streamed.per_keypoint] == [kp.pairs for kp in one.per_keypoint]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    gt=st.one_of(mutated_json(KP_GT), st.builds(lambda: copy.deepcopy(KP_GT))),
    dt=st.one_of(mutated_json(KP_DT), st.builds(lambda: copy.deepcopy(KP_DT))),
)
def test_evaluate_keypoints_rejects_or_scores_mutated_coco_data(gt: Any, dt: Any) -> None:
    result = outcome(evaluate_keypoints, gt, dt, sigmas=KP_SIGMAS)
    if not rejected(result):
        _check(result)


def test_unmutated_coco_data_matches_pycocotools() -> None:
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO as RefCOCO
    from pycocotools.cocoeval import COCOeval as RefCOCOeval

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_gt = RefCOCO()
        ref_gt.dataset = copy.deepcopy(KP_GT)
        ref_gt.createIndex()
        ref = RefCOCOeval(ref_gt, ref_gt.loadRes(copy.deepcopy(KP_DT)), "keypoints")
        ref.params.kpt_oks_sigmas = np.array(KP_SIGMAS)
        ref.evaluate()
        ref.accumulate()
        ref.summarize()
    ours = evaluate_keypoints(copy.deepcopy(KP_GT), copy.deepcopy(KP_DT), sigmas=KP_SIGMAS)
    assert ours.coco_stats.tolist() == ref.stats.tolist()
    _check(ours)


@given(pair=keypoint_pairs(), threshold=mostly(st.none(), weird_scalars))
def test_keypoints_report_rejects_or_exports_strict_json(pair: tuple[Any, Any], threshold: Any):
    report = ModelReport("keypoints", {1: "person"})
    added = outcome(report.add_split, "test", *pair, threshold=threshold, sigmas=KP_SIGMAS)
    if rejected(added):
        assert report.splits == []
        return
    text = report.to_json()
    assert json.loads(ModelReport.from_json(text).to_json()) == json.loads(text)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(0, 800),
    junk=st.binary(max_size=3),
    where=st.integers(0, 800),
    sigmas=st.sampled_from([None, "0.05,0.08,0.1", "0.1", "x", ""]),
)
def test_cli_keypoints_exits_cleanly(
    cut: int, junk: bytes, where: int, sigmas: Any, tmp_path: Path
) -> None:
    gt_text = json.dumps(KP_GT).encode()
    dt_text = json.dumps(KP_DT).encode()
    where %= len(gt_text)
    (tmp_path / "gt.json").write_bytes(gt_text[:where] + junk + gt_text[where + len(junk) :])
    (tmp_path / "dt.json").write_bytes(dt_text[: cut % (len(dt_text) + 1)])
    gt_path, dt_path = str(tmp_path / "gt.json"), str(tmp_path / "dt.json")
    argv = ["evaluate", "--task", "keypoints", "-g", gt_path, "-p", dt_path, "-q",
            "--output", str(tmp_path / "m.json")]  # fmt: skip
    if sigmas is not None:
        argv += ["--sigmas", sigmas]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    assert code in (0, 1), code
    if code == 1:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1, err.getvalue()
        assert lines[0].startswith("modelmetrics: error: ")
