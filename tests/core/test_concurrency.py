"""Concurrency: 8 threads calling the same functions, and updating separate or shared
accumulators, give exactly (``==``) the sequential results.

The kernels release the GIL and split work over their own thread pool, so calls from
many user threads really run at once here.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from _fuzz_data import DT, GT

from modelmetrics import mask
from modelmetrics.classification import (
    ClassificationAccumulator,
    ScoreAccumulator,
    classification_metrics,
    f1_score,
    roc_auc_score,
)
from modelmetrics.coco import COCO, COCOeval, COCOevalAccumulator
from modelmetrics.detection import DetectionAccumulator, evaluate_detections
from modelmetrics.regression import RegressionAccumulator, regression_metrics
from modelmetrics.report import ModelReport
from modelmetrics.segmentation import SegmentationAccumulator, segmentation_metrics

THREADS = 8
ROUNDS = 3

rng = np.random.default_rng(8)
N = 20_000
Y_TRUE = rng.integers(0, 5, N)
Y_PRED = np.where(rng.random(N) < 0.7, Y_TRUE, rng.integers(0, 5, N))
Y_BIN = (Y_TRUE > 2).astype(np.int64)
SCORES = rng.random(N) + 0.3 * Y_BIN
REG_TRUE = rng.normal(size=N)
REG_PRED = REG_TRUE + rng.normal(scale=0.3, size=N)
SEG_PRED = rng.integers(0, 6, (4, 64, 64)).astype(np.uint8)
SEG_TRUE = np.where(rng.random((4, 64, 64)) < 0.8, SEG_PRED, 255).astype(np.uint8)
MASKS = np.asfortranarray((rng.random((40, 30, 12)) < 0.4).astype(np.uint8))


def _det_images(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    r = np.random.default_rng(seed)
    gt, dt = [], []
    for i in range(20):
        boxes = np.column_stack([r.uniform(0, 80, (6, 2)), r.uniform(5, 30, (6, 2))])
        labels = r.integers(1, 4, 6)
        gt.append({"boxes": boxes, "labels": labels, "image_id": seed * 100 + i})
        noisy = boxes + r.normal(scale=3, size=boxes.shape)
        noisy[:, 2:] = np.abs(noisy[:, 2:])
        dt.append(
            {"boxes": noisy, "labels": labels, "scores": r.random(6), "image_id": seed * 100 + i}
        )
    return gt, dt


DET_GT, DET_DT = _det_images(1)


def _coco_stats() -> Any:
    coco = COCO(json.loads(json.dumps(GT)))
    ev = COCOeval(coco, coco.loadRes(json.loads(json.dumps(DT))), "segm")
    ev.evaluate()
    ev.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    return ev.stats


def _report_json() -> str:
    report = ModelReport("regression", "price")
    report.add_split("test", REG_TRUE, REG_PRED)
    text = report.to_json()
    data = json.loads(text)
    for key in ("startTime", "duration"):  # wall-clock fields differ between calls
        data.pop(key)
    return json.dumps(data)


CALLS: dict[str, Callable[[], Any]] = {
    "f1_score": lambda: f1_score(Y_TRUE, Y_PRED, average=None),
    "roc_auc_score": lambda: roc_auc_score(Y_BIN, SCORES),
    "classification_metrics": lambda: classification_metrics(Y_TRUE, Y_PRED).as_dict(),
    "regression_metrics": lambda: regression_metrics(REG_TRUE, REG_PRED).as_dict(),
    "evaluate_detections": lambda: evaluate_detections(DET_GT, DET_DT).as_dict(),
    "cocoeval_segm": _coco_stats,
    "mask_encode_iou": lambda: mask.iou(
        mask.encode(MASKS), mask.encode(MASKS[::-1].copy(order="F")), [0] * 12
    ),
    "segmentation_metrics": lambda: segmentation_metrics(
        SEG_PRED, SEG_TRUE, num_classes=6, ignore_index=255
    ).as_dict(),
    "report_json": _report_json,
}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and not isinstance(a, np.ndarray):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray | float | np.floating):
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(a == b)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_same_function_from_8_threads_equals_sequential(name: str) -> None:
    call = CALLS[name]
    expected = call()
    start = threading.Barrier(THREADS)

    def worker(_: int) -> list[Any]:
        start.wait()  # all threads enter the function together
        return [call() for _ in range(ROUNDS)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for rs in pool.map(worker, range(THREADS)) for r in rs]
    assert all(_same(r, expected) for r in results)


def _batches(n: int) -> list[slice]:
    edges = np.linspace(0, n, 17).astype(int)
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


ACCUMULATORS: dict[str, tuple[Callable[[], Any], list[tuple[Any, ...]]]] = {
    "classification": (
        ClassificationAccumulator,
        [(Y_TRUE[s], Y_PRED[s]) for s in _batches(N)],
    ),
    "score": (ScoreAccumulator, [(Y_BIN[s], SCORES[s]) for s in _batches(N)]),
    "regression": (RegressionAccumulator, [(REG_TRUE[s], REG_PRED[s]) for s in _batches(N)]),
    "segmentation": (
        lambda: SegmentationAccumulator(6, ignore_index=255),
        [(SEG_PRED[i : i + 1], SEG_TRUE[i : i + 1]) for i in range(4)],
    ),
    "detection": (
        DetectionAccumulator,
        [([g], [d]) for g, d in zip(DET_GT, DET_DT, strict=True)],
    ),
}


class _CocoShards:
    """COCOevalAccumulator with the (gt, dt, image ids) batches of the table below."""

    def __init__(self) -> None:
        self.acc = COCOevalAccumulator(iouType="segm")

    def update(self, gt: Any, dt: Any, img_ids: list[int]) -> None:
        self.acc.update(gt, dt, imgIds=img_ids)

    def compute(self) -> Any:
        ev = self.acc.compute()
        return {k: ev.eval[k] for k in ("precision", "recall", "scores")}


_SHARD_GT = COCO(json.loads(json.dumps(GT)))
_SHARD_DT = _SHARD_GT.loadRes(json.loads(json.dumps(DT)))
ACCUMULATORS["cocoeval"] = (_CocoShards, [(_SHARD_GT, _SHARD_DT, [1]), (_SHARD_GT, _SHARD_DT, [2])])


def _result(acc: Any) -> Any:
    out = acc.compute()
    return out.as_dict() if hasattr(out, "as_dict") else out


@pytest.mark.parametrize("kind", sorted(ACCUMULATORS))
def test_separate_accumulators_in_8_threads_equal_sequential(kind: str) -> None:
    make, batches = ACCUMULATORS[kind]
    sequential = make()
    for batch in batches:
        sequential.update(*batch)
    expected = _result(sequential)
    start = threading.Barrier(THREADS)

    def worker(_: int) -> Any:
        acc = make()
        start.wait()
        for batch in batches:
            acc.update(*batch)
        return _result(acc)

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    assert all(_same(r, expected) for r in results)


@pytest.mark.parametrize("kind", sorted(ACCUMULATORS))
def test_one_accumulator_shared_by_8_threads_loses_no_update(kind: str) -> None:
    """Threads update one shared accumulator with disjoint batches; the result is the
    sequential one (up to the order of float sums, which the state merges exactly for
    counts; regression moments are compared to 1e-12)."""
    make, batches = ACCUMULATORS[kind]
    sequential = make()
    for batch in batches:
        sequential.update(*batch)
    expected = _result(sequential)
    shared = make()
    start = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        start.wait()
        for batch in batches[t::THREADS]:
            shared.update(*batch)
            shared.compute() if t % 2 else None  # reads interleaved with writes

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))
    got = _result(shared)
    if kind == "regression":
        for key, value in expected.items():
            assert value == pytest.approx(got[key], rel=1e-12, abs=1e-12), key
    elif kind == "detection":
        assert got["map"] == expected["map"]
    elif kind == "cocoeval":
        assert all(np.array_equal(got[k], expected[k]) for k in got)
    else:
        assert _same(got, expected)


def test_shared_accumulator_still_pickles_and_merges_both_ways() -> None:
    a, b = ClassificationAccumulator(), ClassificationAccumulator()
    a.update([0, 1], [0, 1])
    b.update([1, 2], [2, 2])
    copy = pickle.loads(pickle.dumps(a))
    assert _same(copy.compute().as_dict(), a.compute().as_dict())
    # Opposite merges from two threads at once must not deadlock.
    with ThreadPoolExecutor(2) as pool:
        for _ in range(50):
            list(pool.map(lambda pair: pair[0].merge(pair[1]), [(a, b), (b, a)]))
