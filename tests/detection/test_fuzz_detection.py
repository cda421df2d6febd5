"""Fuzz: COCO / COCOeval, detection and instance segmentation with malformed input.

A small valid COCO dataset and its results are mutated (keys dropped, values replaced
by odd scalars or containers, annotations dropped or duplicated, ids repeated, text
truncated) and handed over as dicts, as files, and as per-image arrays. The only allowed
outcomes are a result or ValueError/TypeError; a result must be well formed (stats in
[0, 1] or -1), and for an unmutated input it equals the pycocotools reference.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _fuzz import corrupt, mostly, mutated_json, outcome, rejected, weird_scalars
from _fuzz_data import DT, GT, KP_DT, KP_GT, KP_SIGMAS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics.coco import COCO, COCOeval
from modelmetrics.detection import DetectionAccumulator, evaluate_detections
from modelmetrics.instance_segmentation import evaluate_instance_segmentation


def _check_stats(stats: Any) -> None:
    stats = np.asarray(stats)
    assert stats.shape == (12,)
    assert np.all(((stats >= 0) & (stats <= 1)) | (stats == -1)), stats


def _coco_eval(gt: Any, dt: Any, iou_type: str, tmp: Path | None) -> Any:
    """The whole pycocotools-style pipeline; ValueError/TypeError wherever it refuses."""
    if tmp is not None:
        (tmp / "gt.json").write_text(json.dumps(gt))
        (tmp / "dt.json").write_text(json.dumps(dt))
        gt, dt = str(tmp / "gt.json"), str(tmp / "dt.json")
    coco = COCO(gt)
    res = coco.loadRes(dt)
    ev = COCOeval(coco, res, iou_type)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return ev.stats


def _quiet_eval(*args: Any) -> Any:
    # summarize() prints its table, as pycocotools does; keep the test output clean.
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return _coco_eval(*args)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    gt=st.one_of(mutated_json(GT), st.builds(lambda: copy.deepcopy(GT))),
    dt=st.one_of(mutated_json(DT), st.builds(lambda: copy.deepcopy(DT))),
    iou_type=st.sampled_from(["bbox", "segm"]),
    via_file=st.booleans(),
)
def test_cocoeval_rejects_or_scores_mutated_datasets(
    gt: Any, dt: Any, iou_type: str, via_file: bool, tmp_path: Path
) -> None:
    stats = outcome(_quiet_eval, gt, dt, iou_type, tmp_path if via_file else None)
    if not rejected(stats):
        _check_stats(stats)


def _keypoint_eval(gt: Any, dt: Any, tmp: Path | None) -> Any:
    import contextlib
    import io

    if tmp is not None:
        (tmp / "gt.json").write_text(json.dumps(gt))
        (tmp / "dt.json").write_text(json.dumps(dt))
        gt, dt = str(tmp / "gt.json"), str(tmp / "dt.json")
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt)
        ev = COCOeval(coco, coco.loadRes(dt), "keypoints")
        ev.params.kpt_oks_sigmas = np.array(KP_SIGMAS)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    gt=st.one_of(mutated_json(KP_GT), st.builds(lambda: copy.deepcopy(KP_GT))),
    dt=st.one_of(mutated_json(KP_DT), st.builds(lambda: copy.deepcopy(KP_DT))),
    via_file=st.booleans(),
)
def test_keypoint_cocoeval_rejects_or_scores_mutated_datasets(
    gt: Any, dt: Any, via_file: bool, tmp_path: Path
) -> None:
    stats = outcome(_keypoint_eval, gt, dt, tmp_path if via_file else None)
    if not rejected(stats):
        stats = np.asarray(stats)
        assert stats.shape == (10,)
        assert np.all(((stats >= 0) & (stats <= 1)) | (stats == -1)), stats


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 2000), flip=st.tuples(st.integers(0, 2000), st.binary(max_size=2)))
def test_truncated_and_garbled_json_files(
    cut: int, flip: tuple[int, bytes], tmp_path: Path
) -> None:
    for data in (GT, DT):
        text = json.dumps(data).encode()
        pos, junk = flip
        pos %= len(text)
        for damaged in (text[: cut % len(text)], text[:pos] + junk + text[pos + len(junk) :]):
            path = tmp_path / "damaged.json"
            path.write_bytes(damaged)
            if data is GT:
                got = outcome(COCO, str(path))
                if not rejected(got):
                    dt = copy.deepcopy(DT)
                    outcome(lambda c=got, d=dt: COCOeval(c, c.loadRes(d), "bbox").evaluate())
            else:
                coco = COCO(copy.deepcopy(GT))
                got = outcome(coco.loadRes, str(path))
                if not rejected(got):
                    outcome(lambda r=got, c=coco: COCOeval(c, r, "bbox").evaluate())


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


@given(
    pair=per_image_pairs(),
    box_format=mostly(st.sampled_from(["xywh", "xyxy"]), st.just("cxcywh")),
    iou_threshold=mostly(st.just(0.5), st.one_of(st.floats(), weird_scalars)),
    score_threshold=mostly(st.one_of(st.none(), st.floats(0, 1)), weird_scalars),
    max_detections=mostly(st.just(100), st.one_of(st.integers(-1, 3), weird_scalars)),
)
def test_evaluate_detections_and_accumulator(
    pair: tuple[Any, Any],
    box_format: Any,
    iou_threshold: Any,
    score_threshold: Any,
    max_detections: Any,
) -> None:
    gt, dt = pair
    settings_ = {
        "iou_threshold": iou_threshold,
        "score_threshold": score_threshold,
        "max_detections": max_detections,
        "box_format": box_format,
    }
    one = outcome(evaluate_detections, gt, dt, **settings_)
    if not rejected(one):
        assert -1 <= one.map <= 1 or np.isnan(one.map)  # NaN: no ground truth at all
        assert one.as_dict()
    acc = outcome(DetectionAccumulator, **settings_)
    if rejected(acc):
        return
    ids_before = set(acc._image_ids)
    updated = outcome(acc.update, gt, dt)
    if rejected(updated):
        # A refused batch leaves the accumulator as it was: the same images can be added.
        assert acc._image_ids == ids_before
        return
    streamed = outcome(acc.compute)
    if not rejected(one) and not rejected(streamed):
        assert streamed.map == one.map or (np.isnan(streamed.map) and np.isnan(one.map))


@st.composite
def mask_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    n_images = draw(st.integers(1, 2))
    gt, dt = [], []
    for _ in range(n_images):
        h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        for side, out in ((False, gt), (True, dt)):
            n = draw(st.integers(0, 3))
            masks = np.array(
                draw(st.lists(st.booleans(), min_size=n * h * w, max_size=n * h * w)), bool
            ).reshape(n, h, w)
            entry: dict[str, Any] = {
                "masks": masks,
                "labels": np.array(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))),
            }
            if side:
                entry["scores"] = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
            out.append(entry)
    side_list = draw(st.sampled_from([gt, dt]))
    entry = side_list[draw(st.integers(0, n_images - 1))]
    key = draw(st.sampled_from(sorted(entry)))
    how = draw(st.sampled_from(["corrupt", "corrupt", "replace", "drop", "none"]))
    if how == "corrupt":
        entry[key] = draw(corrupt(entry[key]))
    elif how == "replace":
        entry[key] = draw(weird_scalars)
    elif how == "drop":
        del entry[key]
    return gt, dt


@given(pair=mask_pairs())
def test_evaluate_instance_segmentation_rejects_or_scores(pair: tuple[Any, Any]) -> None:
    gt, dt = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = outcome(evaluate_instance_segmentation, gt, dt)
    if not rejected(result):
        assert -1 <= result.map <= 1 or np.isnan(result.map)


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_unmutated_dataset_matches_pycocotools(iou_type: str) -> None:
    pytest.importorskip("pycocotools")
    import contextlib
    import io

    from pycocotools.coco import COCO as RefCOCO
    from pycocotools.cocoeval import COCOeval as RefCOCOeval

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_gt = RefCOCO()
        ref_gt.dataset = json.loads(json.dumps(GT))
        ref_gt.createIndex()
        ref = RefCOCOeval(ref_gt, ref_gt.loadRes(json.loads(json.dumps(DT))), iou_type)
        ref.evaluate()
        ref.accumulate()
        ref.summarize()
        ours = _coco_eval(json.loads(json.dumps(GT)), json.loads(json.dumps(DT)), iou_type, None)
    assert np.array_equal(ours, ref.stats)
    _check_stats(ours)
