"""Fuzz: the per-image diagnostics with malformed input and odd arguments.

The small valid COCO dataset of the fuzz suite and its results are mutated and handed
over as dicts and through a ``COCOeval``; per-image arrays get corrupted fields; the
settings get odd values; classification scores and regression targets are odd arrays.
The only allowed outcomes are a result or ValueError/TypeError, and a result must be
well formed: non-negative integer counts with ``tp + fn`` the ground truths, rates in
[0, 1] or NaN, contributions in [-1, 1] or NaN, pairs with IoUs in [0, 1], JSON-native
``as_dict()`` and ``worst()`` rows.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
from typing import Any

import numpy as np
from _fuzz import array_like, corrupt, mostly, mutated_json, outcome, rejected, weird_scalars
from _fuzz_data import DT, GT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmetrics.analysis import (
    ConfidentMistakes,
    ImageDiagnostics,
    LargestResiduals,
    confident_mistakes,
    image_diagnostics,
    largest_residuals,
)
from modelmetrics.coco import COCO, COCOeval

_ODD_NUMBERS = st.one_of(st.floats(), weird_scalars)


def _in(values: Any, low: float, high: float) -> bool:
    arr = np.asarray(values, dtype=np.float64)
    defined = arr[~np.isnan(arr)]
    return bool(np.all((defined >= low) & (defined <= high)))


def _check(result: ImageDiagnostics) -> None:
    n = len(result)
    for name in ("tp", "fp", "fn"):
        column = getattr(result, name)
        assert column.shape == (n,)
        assert column.dtype == np.int64
        assert np.all(column >= 0), (name, column)
    assert _in(result.precision, 0.0, 1.0)
    assert _in(result.recall, 0.0, 1.0)
    assert _in(result.f1, 0.0, 1.0)
    assert not np.any(np.isnan(result.f1))
    assert _in(result.ap_contribution, -1.0, 1.0)
    assert math.isnan(result.map) or 0.0 <= result.map <= 1.0
    assert len(result.matches) == int(result.tp.sum())
    assert _in(result.matches.iou, 0.0, 1.0)
    assert np.all(result.matches.iou >= result.iou_threshold)
    out = result.as_dict()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    for by in ("f1", "fp", "ap_contribution"):
        rows = result.worst(3, by=by)
        assert len(rows) == min(3, n)
        assert json.dumps(rows, allow_nan=False)


def _via_cocoeval(gt: Any, dt: Any, iou_type: str) -> ImageDiagnostics:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt)
        return image_diagnostics(COCOeval(coco, coco.loadRes(dt), iou_type))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    gt=st.one_of(mutated_json(GT), st.builds(lambda: copy.deepcopy(GT))),
    dt=st.one_of(mutated_json(DT), st.builds(lambda: copy.deepcopy(DT))),
    iou_type=st.sampled_from(["bbox", "segm"]),
    how=st.sampled_from(["dicts", "cocoeval"]),
)
def test_image_diagnostics_rejects_or_answers_mutated_datasets(
    gt: Any, dt: Any, iou_type: str, how: str
) -> None:
    if how == "cocoeval":
        result = outcome(_via_cocoeval, gt, dt, iou_type)
    else:
        result = outcome(image_diagnostics, gt, dt, iou_type)
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


@given(
    pair=per_image_pairs(),
    iou_type=mostly(st.sampled_from(["bbox", None]), st.one_of(st.text(max_size=5), weird_scalars)),
    box_format=mostly(st.sampled_from(["xywh", "xyxy"]), st.just("cxcywh")),
    iou_threshold=mostly(st.sampled_from([0.5, 0.3, 0.9, 0.0, 1.0]), _ODD_NUMBERS),
    max_detections=mostly(st.sampled_from([None, 100, 1, 2]), st.integers(-1, 3) | weird_scalars),
    score_threshold=mostly(st.sampled_from([None, 0.5]), _ODD_NUMBERS),
)
def test_image_diagnostics_rejects_or_answers_odd_per_image_arrays(
    pair: tuple[Any, Any],
    iou_type: Any,
    box_format: Any,
    iou_threshold: Any,
    max_detections: Any,
    score_threshold: Any,
) -> None:
    gt, dt = pair
    result = outcome(
        image_diagnostics,
        gt,
        dt,
        iou_type,
        box_format=box_format,
        iou_threshold=iou_threshold,
        max_detections=max_detections,
        score_threshold=score_threshold,
    )
    if not rejected(result):
        _check(result)
        k = rejected(outcome(result.worst, 2, by="fn"))
        assert not k


@given(k=mostly(st.integers(1, 5), weird_scalars), by=mostly(st.just("f1"), weird_scalars))
def test_worst_rejects_or_answers_odd_arguments(k: Any, by: Any) -> None:
    gt = [{"boxes": [[0, 0, 10, 10]], "labels": [1]}, {"boxes": [], "labels": []}]
    dt = [{"boxes": [[0, 0, 10, 10]], "scores": [0.5], "labels": [1]},
          {"boxes": [[5, 5, 2, 2]], "scores": [0.4], "labels": [1]}]  # fmt: skip
    result = outcome(image_diagnostics(gt, dt).worst, k, by=by)
    if not rejected(result):
        assert isinstance(result, list)
        assert len(result) <= 2


def _check_mistakes(result: ConfidentMistakes) -> None:
    assert _in(result.confidence, 0.0, 1.0)
    assert _in(result.true_probability, 0.0, 1.0)
    assert np.all(result.true_probability <= result.confidence)
    assert np.all(np.diff(result.confidence) <= 0)
    assert json.dumps(result.as_dict(), allow_nan=False)


@st.composite
def classification_inputs(draw: st.DrawFn) -> tuple[Any, Any]:
    """Valid truth and probabilities (1-D binary or 2-D), one side perhaps corrupted or
    replaced by an odd array."""
    n = draw(st.integers(0, 8))
    width = draw(st.sampled_from([0, 2, 3]))
    prob = st.sampled_from([0.0, 0.2, 0.5, 0.8, 1.0])
    shape = (n,) if width == 0 else (n, width)
    scores = np.array(draw(st.lists(prob, min_size=n * max(width, 1), max_size=n * max(width, 1))))
    truth = np.array(draw(st.lists(st.integers(0, max(width, 2) - 1), min_size=n, max_size=n)))
    scores = scores.reshape(shape)
    how = draw(st.sampled_from(["valid", "valid", "corrupt", "odd"]))
    if how == "corrupt":
        if draw(st.booleans()):
            scores = draw(corrupt(scores))
        else:
            truth = draw(corrupt(truth))
    elif how == "odd":
        truth, scores = draw(array_like()), draw(array_like())
    return truth, scores


@given(
    inputs=classification_inputs(),
    labels=mostly(st.none(), st.one_of(array_like(max_len=4), st.just(["a", "b", "c"]))),
    k=mostly(st.integers(1, 5), weird_scalars),
)
def test_confident_mistakes_rejects_or_answers(
    inputs: tuple[Any, Any], labels: Any, k: Any
) -> None:
    y_true, y_score = inputs
    result = outcome(confident_mistakes, y_true, y_score, labels=labels, k=k)
    if not rejected(result):
        _check_mistakes(result)


def _check_residuals(result: LargestResiduals) -> None:
    assert np.all(np.isfinite(result.abs_residual))
    assert np.all(np.diff(result.abs_residual) <= 0)
    assert np.array_equal(result.residual, result.y_pred - result.y_true)
    assert json.dumps(result.as_dict(), allow_nan=False)


@st.composite
def regression_inputs(draw: st.DrawFn) -> tuple[Any, Any]:
    """Equal-shaped targets and predictions, one perhaps corrupted, or odd arrays."""
    shape = draw(st.sampled_from([(0,), (5,), (4, 1), (3, 2)]))
    size = int(np.prod(shape))
    values = st.floats(-1e6, 1e6, allow_nan=False)
    t = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
    p = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
    how = draw(st.sampled_from(["valid", "valid", "corrupt", "odd"]))
    if how == "corrupt":
        p = draw(corrupt(p))
    elif how == "odd":
        t, p = draw(array_like()), draw(array_like())
    return t, p


@given(inputs=regression_inputs(), k=mostly(st.integers(1, 5), weird_scalars))
def test_largest_residuals_rejects_or_answers(inputs: tuple[Any, Any], k: Any) -> None:
    y_true, y_pred = inputs
    result = outcome(largest_residuals, y_true, y_pred, k=k)
    if not rejected(result):
        _check_residuals(result)
