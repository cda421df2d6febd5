"""Calibration against torchmetrics (top label, binary), float64 numpy references
written here (equal-mass bins, per class) and pycocotools' matches (detection)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from typing import Any

import numpy as np
import pytest
from _coco_cases import datasets
from conftest import import_torch_module
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from modelmetrics.analysis import classification_calibration, detection_calibration
from modelmetrics.coco import COCO, COCOeval


def _probabilities(seed: int, n: int, k: int, sharp: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, sharp, (n, k))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(k, p=row) if rng.random() < 0.8 else rng.integers(k) for row in p])
    return p, y


def _reference(
    conf: np.ndarray, hit: np.ndarray, n_bins: int, quantile: bool
) -> tuple[float, float]:
    """ECE and MCE from the definitions, bin by bin (float64)."""
    n = len(conf)
    if quantile:
        order = np.argsort(conf, kind="stable")
        bins = [order[(b * n) // n_bins : ((b + 1) * n) // n_bins] for b in range(n_bins)]
    else:
        edges = [k / n_bins for k in range(n_bins + 1)]
        bins = [np.flatnonzero((conf >= edges[b]) & (conf < edges[b + 1])) for b in range(n_bins)]
        bins.append(np.flatnonzero(conf == 1.0))
    ece, mce = 0.0, 0.0
    for members in bins:
        if len(members):
            gap = abs(hit[members].mean() - conf[members].mean())
            ece += len(members) / n * gap
            mce = max(mce, gap)
    return ece, mce


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    k=st.integers(2, 6),
    n_bins=st.sampled_from([1, 5, 10, 15, 30]),
    sharp=st.sampled_from([0.1, 1.0, 5.0, 50.0]),
)
def test_top_label_matches_torchmetrics(
    seed: int, n: int, k: int, n_bins: int, sharp: float
) -> None:
    torch = import_torch_module("torch")  # CI installs it: a failure there, not a skip
    tm = import_torch_module("torchmetrics.classification")
    p, y = _probabilities(seed, n, k, sharp)
    # torchmetrics computes in float32: give both the same float32 probabilities.
    p = p.astype(np.float32).astype(np.float64)
    ours = classification_calibration(y, p, n_bins=n_bins)
    preds, target = torch.tensor(p, dtype=torch.float32), torch.tensor(y)
    for norm, value in (("l1", ours.ece), ("max", ours.mce)):
        metric = tm.MulticlassCalibrationError(num_classes=k, n_bins=n_bins, norm=norm)
        assert value == pytest.approx(float(metric(preds, target)), rel=1e-5, abs=1e-6), norm


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), n_bins=st.integers(1, 20))
def test_binary_matches_torchmetrics(seed: int, n: int, n_bins: int) -> None:
    torch = import_torch_module("torch")  # CI installs it: a failure there, not a skip
    tm = import_torch_module("torchmetrics.classification")
    rng = np.random.default_rng(seed)
    p = rng.random(n).astype(np.float32).astype(np.float64)  # torchmetrics: float32
    p[rng.random(n) < 0.1] = 1.0  # torchmetrics bins exactly 1 on its own
    y = (rng.random(n) < p).astype(int)
    ours = classification_calibration(y, p, n_bins=n_bins)
    metric = tm.BinaryCalibrationError(n_bins=n_bins, norm="l1")
    expected = float(metric(torch.tensor(p, dtype=torch.float32), torch.tensor(y)))
    assert ours.ece == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert ours.classes == {}


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 200),
    n_bins=st.integers(1, 25),
    strategy=st.sampled_from(["uniform", "quantile"]),
)
def test_top_label_and_classes_match_the_definition(
    seed: int, n: int, n_bins: int, strategy: str
) -> None:
    p, y = _probabilities(seed, n, 3, 2.0)
    p = np.round(p, 2)  # ties and values on bin edges
    p /= p.sum(axis=1, keepdims=True)
    p = np.clip(p, 0, 1)
    ours = classification_calibration(y, p, n_bins=n_bins, strategy=strategy)
    quantile = strategy == "quantile"
    top = p.argmax(axis=1)
    ece, mce = _reference(p[np.arange(n), top], top == y, n_bins, quantile)
    assert ours.ece == pytest.approx(ece, abs=1e-12)
    assert ours.mce == pytest.approx(mce, abs=1e-12)
    for k, cal in ours.classes.items():
        ece_k, mce_k = _reference(p[:, k], y == k, n_bins, quantile)
        assert cal.ece == pytest.approx(ece_k, abs=1e-12)
        assert cal.mce == pytest.approx(mce_k, abs=1e-12)
    assert ours.classwise_ece == pytest.approx(np.mean([c.ece for c in ours.classes.values()]))
    diagram = ours.top_label.diagram
    assert diagram.count.sum() == n
    assert 0 <= ours.ece <= ours.mce <= 1


def test_labels_name_the_columns_and_the_diagram_is_json_ready() -> None:
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.6, 0.1]])
    ours = classification_calibration(
        ["cat", "dog", "cat"], p, labels=["cat", "dog", "eel"], n_bins=2
    )
    assert list(ours.classes) == ["cat", "dog", "eel"]
    # Top label: 0.7 right, 0.8 wrong (eel, truly cat), 0.6 wrong (dog, truly cat).
    # Bins [0, .5), [.5, 1), [1, 1]: all three in the second: |1/3 - 0.7| = 0.3666...
    assert ours.ece == pytest.approx(abs(1 / 3 - 0.7))
    exported = ours.as_dict()
    assert exported["top-label"]["diagram"]["count"] == [0, 3, 0]
    assert exported["top-label"]["diagram"]["accuracy"][0] is None


def _pycocotools_hits(case: dict[str, Any], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    from pycocotools.coco import COCO as RefCOCO
    from pycocotools.cocoeval import COCOeval as RefEval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = RefCOCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        ev = RefEval(gt, gt.loadRes(copy.deepcopy(case["results"])), "bbox")
        ev.params.iouThrs = np.array([threshold])
        ev.params.areaRng, ev.params.areaRngLbl = [[0, 1e10]], ["all"]
        ev.evaluate()
    scores, hits = [], []
    for record in ev.evalImgs:
        if record is None:
            continue
        keep = ~np.asarray(record["dtIgnore"][0], bool)
        scores += np.asarray(record["dtScores"])[keep].tolist()
        hits += (np.asarray(record["dtMatches"][0])[keep] > 0).tolist()
    return np.array(scores), np.array(hits, bool)


@settings(max_examples=30, deadline=None)
@given(case=datasets(), threshold=st.sampled_from([0.3, 0.5, 0.75]),
       strategy=st.sampled_from(["uniform", "quantile"]))  # fmt: skip
def test_detection_matches_pycocotools_matches(
    case: dict[str, Any], threshold: float, strategy: str
) -> None:
    pytest.importorskip("pycocotools")
    assume(case["results"])  # pycocotools' loadRes fails on an empty list
    scores, hits = _pycocotools_hits(case, threshold)
    gt = COCO(copy.deepcopy(case["gt"]))
    ours = detection_calibration(gt, copy.deepcopy(case["results"]), "bbox",
                                 iou_threshold=threshold, n_bins=10, strategy=strategy)  # fmt: skip
    ece, mce = _reference(scores, hits, 10, strategy == "quantile")
    assert ours.n_samples == len(scores)
    assert ours.ece == pytest.approx(ece, abs=1e-12)
    assert ours.mce == pytest.approx(mce, abs=1e-12)
    # The same from a COCOeval.
    ev = COCOeval(gt, gt.loadRes(copy.deepcopy(case["results"])), "bbox")
    again = detection_calibration(ev, iou_threshold=threshold, n_bins=10, strategy=strategy)
    assert again.ece == ours.ece


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"y_true": [0, 1], "y_score": [0.5, 1.5]}, ValueError, r"\[0, 1\]"),
        ({"y_true": [0, 1], "y_score": [0.5, np.nan]}, ValueError, "NaN"),
        ({"y_true": [0, 1, 1], "y_score": [0.5, 0.2]}, ValueError, "inconsistent"),
        ({"y_true": [0, 2], "y_score": [0.5, 0.2]}, ValueError, "0/1"),
        ({"y_true": [0, 5], "y_score": [[0.5, 0.5], [0.1, 0.9]]}, ValueError, "not one of labels"),
        ({"y_true": [0, 1], "y_score": [0.5, 0.2], "n_bins": 0}, ValueError, "n_bins"),
        ({"y_true": [0, 1], "y_score": [0.5, 0.2], "strategy": "x"}, ValueError, "strategy"),
        ({"y_true": [0, 1], "y_score": ["a", "b"]}, TypeError, "numbers"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        classification_calibration(**kwargs)


def test_detection_bad_input() -> None:
    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "area": 25}
    images = [{"id": 1, "width": 10, "height": 10}]
    case = {
        "gt": {"images": images, "annotations": [ann], "categories": [{"id": 1}]},
        "results": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 2.0}],
    }
    gt = COCO(case["gt"])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        detection_calibration(gt, case["results"])
    # Any real scores with equal-mass bins: one true positive scored 2: |1 - 2| = 1.
    assert detection_calibration(gt, case["results"], strategy="quantile").ece == 1.0
    with pytest.raises(ValueError, match="iou_threshold"):
        detection_calibration(gt, case["results"], iou_threshold=1.5)
    with pytest.raises(ValueError, match="cocoDt"):
        detection_calibration(gt)
    with pytest.raises(ValueError, match="iou_type"):
        detection_calibration(gt, case["results"], "mask")


# -- shards --------------------------------------------------------------------------------


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal values, NaN equal to NaN (empty equal-mass bins have NaN bounds)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 200),
    k=st.sampled_from([1, 2, 4]),  # 1: binary scores
    n_shards=st.integers(1, 5),
    strategy=st.sampled_from(["uniform", "quantile"]),
)
def test_accumulator_shards_equal_one_pass(
    seed: int, n: int, k: int, n_shards: int, strategy: str
) -> None:
    from modelmetrics.analysis import ClassificationCalibrationAccumulator

    p, y = _probabilities(seed, n, max(k, 2), 1.0)
    scores = p[:, 1] if k == 1 else p
    y = (y == 1).astype(int) if k == 1 else y
    one = classification_calibration(y, scores, n_bins=7, strategy=strategy)
    cuts = np.sort(np.random.default_rng(seed).integers(0, n + 1, n_shards - 1))
    shards = [
        ClassificationCalibrationAccumulator(n_bins=7, strategy=strategy).update(y[lo:hi], s)
        for lo, hi, s in (
            (lo, hi, scores[lo:hi]) for lo, hi in zip([0, *cuts], [*cuts, n], strict=True)
        )
    ]
    merged = shards[0]
    for shard in shards[1:]:
        merged.merge(shard)
    assert _same(merged.compute().as_dict(), one.as_dict())


def test_accumulator_bad_input() -> None:
    from modelmetrics.analysis import ClassificationCalibrationAccumulator

    acc = ClassificationCalibrationAccumulator(n_bins=5)
    with pytest.raises(ValueError, match="no samples"):
        acc.compute()
    acc.update([0, 1], [[0.6, 0.4], [0.3, 0.7]])
    with pytest.raises(ValueError, match="y_score must have 2 columns"):
        acc.update([0, 1], [0.4, 0.7])
    with pytest.raises(ValueError, match="n_bins"):
        ClassificationCalibrationAccumulator(n_bins=0)
    other = ClassificationCalibrationAccumulator(n_bins=5).update([1], [[0.1, 0.2, 0.7]])
    with pytest.raises(ValueError, match="columns"):
        acc.merge(other)
    with pytest.raises(ValueError, match="different settings"):
        acc.merge(ClassificationCalibrationAccumulator(n_bins=6))


@settings(max_examples=25, deadline=None)
@given(case=datasets(), threshold=st.sampled_from([0.5, 0.75]),
       strategy=st.sampled_from(["uniform", "quantile"]), split=st.integers(0, 5))  # fmt: skip
def test_detection_from_merged_shards_equals_one_pass(
    case: dict[str, Any], threshold: float, strategy: str, split: int
) -> None:
    from modelmetrics.coco import COCOevalAccumulator

    gt = COCO(copy.deepcopy(case["gt"]))
    dt = gt.loadRes(copy.deepcopy(case["results"])) if case["results"] else None
    assume(dt is not None)
    one = detection_calibration(gt, dt, iou_threshold=threshold, n_bins=10, strategy=strategy)
    ids = sorted(gt.getImgIds())
    first = COCOevalAccumulator().update(gt, dt, imgIds=ids[:split])
    second = COCOevalAccumulator().update(gt, dt, imgIds=ids[split:])
    merged = second.merge(first)
    got = detection_calibration(merged, iou_threshold=threshold, n_bins=10, strategy=strategy)
    assert _same(got.as_dict(), one.as_dict())


def test_detection_from_an_accumulator_bad_input() -> None:
    from modelmetrics.coco import COCOevalAccumulator

    ann = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "area": 25}
    gt = COCO({"images": [{"id": 1}], "annotations": [ann], "categories": [{"id": 1}]})
    dt = gt.loadRes([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}])
    acc = COCOevalAccumulator().update(gt, dt)
    with pytest.raises(ValueError, match="iouThrs"):
        detection_calibration(acc, iou_threshold=0.52)
    with pytest.raises(ValueError, match="cocoDt"):
        detection_calibration(acc, dt)
    assert detection_calibration(acc).ece == 0.5
