"""Exact merging: shards evaluated apart, pickled and merged in any order equal one pass."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import pickle

import numpy as np
import pytest
from _coco_cases import assert_same_eval, datasets, run_eval
from hypothesis import assume, given
from hypothesis import strategies as st

import modelmetrics.coco as mm_coco
from modelmetrics.classification import ClassificationAccumulator, ScoreAccumulator
from modelmetrics.coco import COCO, COCOevalAccumulator
from modelmetrics.detection import DetectionAccumulator, evaluate_detections
from modelmetrics.instance_segmentation import (
    InstanceSegmentationAccumulator,
    evaluate_instance_segmentation,
)
from modelmetrics.regression import RegressionAccumulator, regression_metrics
from modelmetrics.segmentation import SegmentationAccumulator, segmentation_metrics


def _shards(rnd, n, k):
    """A random assignment of n items to k shards (any item order, some shards empty)."""
    owner = [rnd.randrange(k) for _ in range(n)]
    return [[i for i in range(n) if owner[i] == s] for s in range(k)]


def _merge_randomly(rnd, states):
    """Pickle every state, then merge pairs in a random tree."""
    states = [pickle.loads(pickle.dumps(s)) for s in states]
    while len(states) > 1:
        i, j = sorted(rnd.sample(range(len(states)), 2))
        b = states.pop(j)
        a = states.pop(i)
        states.append(a.merge(b) if rnd.random() < 0.5 else b.merge(a))
    return states[0]


def _per_image(case):
    gt, pred = [], []
    for img in case["gt"]["images"]:
        anns = [a for a in case["gt"]["annotations"] if a["image_id"] == img["id"]]
        dets = [d for d in case["results"] if d["image_id"] == img["id"]]
        gt.append({
            "image_id": img["id"],
            "boxes": np.array([a["bbox"] for a in anns]).reshape(-1, 4),
            "labels": np.array([a["category_id"] for a in anns], np.int64),
            "iscrowd": np.array([a["iscrowd"] for a in anns], np.int64),
            "area": np.array([a["area"] for a in anns], np.float64),
        })  # fmt: skip
        pred.append({
            "image_id": img["id"],
            "boxes": np.array([d["bbox"] for d in dets]).reshape(-1, 4),
            "scores": np.array([d["score"] for d in dets], np.float64),
            "labels": np.array([d["category_id"] for d in dets], np.int64),
        })  # fmt: skip
    return gt, pred


def assert_same_detection(a, b):
    """Every number of two detection results, `==` (NaN equal to NaN)."""
    assert np.array_equal(a.coco_stats, b.coco_stats)
    assert np.array_equal(a.confusion_matrix, b.confusion_matrix)
    assert a.confusion_labels == b.confusion_labels
    assert json.dumps(a.as_dict(), sort_keys=True) == json.dumps(b.as_dict(), sort_keys=True)
    for k in a.classes:
        x, y = a.classes[k], b.classes[k]
        for name in ("curve_precision", "curve_recall", "curve_thresholds"):
            assert np.array_equal(getattr(x, name), getattr(y, name), equal_nan=True)


SETTINGS = st.sampled_from(
    [
        {},
        {"iou_threshold": 0.6, "score_threshold": 0.5},
        {"iou_threshold": 0.75, "max_detections": 2},
        {"iou_threshold": 0.5, "max_detections": 1, "score_threshold": 0.3},
    ]
)


@given(datasets(max_images=8), SETTINGS, st.integers(1, 4), st.randoms(use_true_random=False))
def test_detection_shards_equal_one_pass(case, settings, k, rnd):
    gt, pred = _per_image(case)
    assume(any(len(g["labels"]) or len(p["labels"]) for g, p in zip(gt, pred, strict=True)))
    one = evaluate_detections(gt, pred, **settings)
    states = []
    for shard in _shards(rnd, len(gt), k):
        acc = DetectionAccumulator(**settings)
        rnd.shuffle(shard)
        for start in range(0, len(shard), 2):  # updates of up to two images
            part = shard[start : start + 2]
            acc.update([gt[i] for i in part], [pred[i] for i in part])
        states.append(acc)
    merged = _merge_randomly(rnd, states)
    assert_same_detection(merged.compute(), one)


@given(datasets(max_images=6), st.randoms(use_true_random=False))
def test_detection_class_filter_shards_equal_one_pass(case, rnd):
    gt, pred = _per_image(case)
    labels = sorted(
        {int(v) for g in gt for v in g["labels"]} | {int(v) for p in pred for v in p["labels"]}
    )
    assume(labels)
    classes = rnd.sample(labels, rnd.randint(1, len(labels)))
    one = evaluate_detections(gt, pred, classes=classes)
    states = []
    for shard in _shards(rnd, len(gt), 3):
        states.append(
            DetectionAccumulator(classes=classes).update(
                [gt[i] for i in shard], [pred[i] for i in shard]
            )
        )
    assert_same_detection(_merge_randomly(rnd, states).compute(), one)


def test_detection_state_is_columns_of_kept_detections():
    rng = np.random.default_rng(0)
    gt, pred = [], []
    for i in range(20):
        n, m = 3, 150  # more than max_detections per image and class
        gt.append(
            {"image_id": i, "boxes": rng.uniform(1, 50, (n, 4)), "labels": np.ones(n, np.int64)}
        )
        pred.append({"image_id": i, "boxes": rng.uniform(1, 50, (m, 4)),
                     "scores": rng.uniform(size=m), "labels": np.ones(m, np.int64)})  # fmt: skip
    acc = DetectionAccumulator(max_detections=100).update(gt, pred)
    kept = 20 * 100
    assert acc.kept_detections == kept
    # 68 bytes per kept detection; a few hundred bytes of per-class counts and matrix.
    assert 68 * kept <= acc.state_nbytes <= 68 * kept + 1024
    assert not hasattr(acc, "_ground_truth")


def _image_subset(case, ids):
    return [d for d in case["results"] if d["image_id"] in ids]


@given(
    datasets(max_images=8),
    st.sampled_from([None, {"maxDets": [1, 2, 5]}, {"useCats": 0}, {"iouThrs": [0.3, 0.5]}]),
    st.integers(1, 4),
    st.randoms(use_true_random=False),
)
def test_cocoeval_shards_equal_pycocotools(case, change, k, rnd):
    assume(case["results"])
    pc_coco = pytest.importorskip("pycocotools.coco")
    pc_eval = pytest.importorskip("pycocotools.cocoeval")

    def configure(p):
        for name, value in (change or {}).items():
            setattr(p, name, np.asarray(value) if name == "iouThrs" else value)

    ref = run_eval(pc_coco, pc_eval, case, configure)
    gt = COCO(copy.deepcopy(case["gt"]))
    dt = gt.loadRes(copy.deepcopy(case["results"]))
    params = mm_coco.Params("bbox")
    configure(params)
    params.catIds = sorted(gt.getCatIds())
    ids = sorted(gt.getImgIds())
    states = []
    for shard in _shards(rnd, len(ids), k):
        states.append(COCOevalAccumulator(params).update(gt, dt, [ids[i] for i in shard]))
    ours = _merge_randomly(rnd, states).compute()
    with contextlib.redirect_stdout(io.StringIO()):
        if len(ours.params.maxDets) >= 3:
            ours.summarize()
    assert_same_eval(ours, ref)


def test_cocoeval_accumulator_rejects_overlap_and_other_params():
    case = {
        "gt": {"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1}],
               "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                                "bbox": [0, 0, 5, 5], "area": 25, "iscrowd": 0}]},
        "results": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}],
    }  # fmt: skip
    gt = COCO(case["gt"])
    dt = gt.loadRes(case["results"])
    a = COCOevalAccumulator().update(gt, dt, [1])
    with pytest.raises(ValueError, match="already evaluated"):
        a.update(gt, dt, [1, 2])
    with pytest.raises(ValueError, match="evaluated image 1"):
        a.merge(COCOevalAccumulator().update(gt, dt, [1]))
    other = mm_coco.Params("bbox")
    other.maxDets = [1, 10, 50]
    with pytest.raises(ValueError, match="different settings"):
        a.merge(COCOevalAccumulator(other))


H, W = 16, 20


@st.composite
def mask_images(draw):
    images = []
    for i in range(draw(st.integers(1, 6))):
        gt, pred = [], []
        for _ in range(draw(st.integers(0, 3))):
            x0, y0 = draw(st.integers(0, W - 2)), draw(st.integers(0, H - 2))
            w, h = draw(st.integers(1, W - x0)), draw(st.integers(1, H - y0))
            label = draw(st.integers(1, 3))
            gt.append((x0, y0, w, h, label))
            if draw(st.booleans()):
                pred.append(
                    (x0, y0, max(1, w - 1), h, label, draw(st.sampled_from([0.3, 0.6, 0.9])))
                )
        for _ in range(draw(st.integers(0, 2))):
            pred.append((draw(st.integers(0, W - 1)), draw(st.integers(0, H - 1)), 1, 1,
                         draw(st.integers(1, 3)), draw(st.floats(0, 1))))  # fmt: skip
        images.append((i * 3 + 1, gt, pred))
    return images


def _mask_arrays(images):
    def masks(rects):
        out = np.zeros((len(rects), H, W), bool)
        for k, (x, y, w, h, *_rest) in enumerate(rects):
            out[k, y : y + h, x : x + w] = True
        return out

    gts = [{"image_id": i, "masks": masks(g), "labels": np.array([r[4] for r in g], np.int64)}
           for i, g, _ in images]  # fmt: skip
    preds = [{"image_id": i, "masks": masks(p), "labels": np.array([r[4] for r in p], np.int64),
              "scores": np.array([r[5] for r in p], np.float64)} for i, _, p in images]  # fmt: skip
    return gts, preds


@given(mask_images(), st.integers(1, 3), st.randoms(use_true_random=False))
def test_instance_segmentation_shards_equal_one_pass(images, k, rnd):
    gts, preds = _mask_arrays(images)
    assume(any(len(g["labels"]) or len(p["labels"]) for g, p in zip(gts, preds, strict=True)))
    one = evaluate_instance_segmentation(gts, preds)
    states = [
        InstanceSegmentationAccumulator().update([gts[i] for i in s], [preds[i] for i in s])
        for s in _shards(rnd, len(gts), k)
    ]
    assert_same_detection(_merge_randomly(rnd, states).compute(), one)


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.randoms(use_true_random=False))
def test_counting_accumulators_shards_equal_one_pass(seed, k, rnd):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    y_true, y_pred = rng.integers(0, 4, n), rng.integers(0, 4, n)
    scores = rng.choice([0.1, 0.4, 0.5, 0.9], n)
    binary = rng.integers(0, 2, n)
    shards = _shards(rnd, n, k)

    def each(make, update):
        states = []
        for s in shards:
            acc = make()
            if s:
                update(acc, np.array(s))
            states.append(acc)
        return _merge_randomly(rnd, states).compute()

    cls = each(ClassificationAccumulator, lambda a, i: a.update(y_true[i], y_pred[i]))
    one = ClassificationAccumulator().update(y_true, y_pred).compute()
    assert np.array_equal(cls.confusion_matrix, one.confusion_matrix)
    assert json.dumps(cls.as_dict(), sort_keys=True) == json.dumps(one.as_dict(), sort_keys=True)
    assume(0 < binary.sum() < n)
    if any(len(s) == 0 for s in shards):
        return  # score shards need samples
    sc = each(ScoreAccumulator, lambda a, i: a.update(binary[i], scores[i]))
    sc_one = ScoreAccumulator().update(binary, scores).compute()
    assert sc.roc_auc == sc_one.roc_auc
    assert sc.average_precision == sc_one.average_precision


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.randoms(use_true_random=False))
def test_regression_shards_equal_one_pass_to_1e12(seed, k, rnd):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    y = rng.normal(100, 10, n)
    p = y + rng.normal(0, 1, n)
    states = []
    for s in _shards(rnd, n, k):
        acc = RegressionAccumulator(threshold=0.5)
        if s:
            acc.update(y[s], p[s])
        states.append(acc)
    merged = _merge_randomly(rnd, states).compute().as_dict()
    one = regression_metrics(y, p, threshold=0.5).as_dict()
    assert merged.keys() == one.keys()
    for key, value in one.items():
        assert merged[key] == pytest.approx(value, rel=1e-12, abs=0), key


@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.randoms(use_true_random=False))
def test_segmentation_shards_equal_one_pass(seed, k, rnd):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 8))
    target = rng.integers(0, 4, (n, 6, 7)).astype(np.uint8)
    target[rng.random(target.shape) < 0.1] = 255
    pred = rng.integers(0, 4, (n, 6, 7)).astype(np.uint8)
    one = segmentation_metrics(pred, target, num_classes=4, ignore_index=255)
    states = []
    for s in _shards(rnd, n, k):
        acc = SegmentationAccumulator(num_classes=4, ignore_index=255)
        if s:
            acc.update(pred[s], target[s])
        states.append(acc)
    merged = _merge_randomly(rnd, states).compute()
    assert np.array_equal(merged.confusion_matrix, one.confusion_matrix)
    assert json.dumps(merged.as_dict(), sort_keys=True) == json.dumps(one.as_dict(), sort_keys=True)
