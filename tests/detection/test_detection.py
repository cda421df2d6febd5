"""modelmetrics.detection: COCO numbers, per-class counts, curves, confusion, accumulator."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math

import numpy as np
import pytest
from _coco_cases import datasets
from hypothesis import assume, given
from hypothesis import strategies as st

from modelmetrics.detection import DetectionAccumulator, evaluate_detections

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")


def _pycocotools(case, iou_thrs=None, max_dets=None):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = pc_coco.COCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        ev = pc_eval.COCOeval(gt, gt.loadRes(copy.deepcopy(case["results"])), "bbox")
        if iou_thrs is not None:
            ev.params.iouThrs = iou_thrs
        if max_dets is not None:
            ev.params.maxDets = max_dets
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


@given(datasets())
def test_coco_numbers_equal_pycocotools_stats(case):
    assume(case["results"])
    ours = evaluate_detections(copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]))
    ref = _pycocotools(case)
    assert np.array_equal(ours.coco_stats, ref.stats)
    undefined = ref.stats[0] == -1
    assert (np.isnan(ours.map) and undefined) or ours.map == ref.stats[0]
    assert (np.isnan(ours.map50) and ref.stats[1] == -1) or ours.map50 == ref.stats[1]


def _reference_counts(case, iou, score_threshold):
    """TP/FP/FN per class from pycocotools' own evalImgs at one IoU threshold."""
    ref = _pycocotools(case, iou_thrs=np.array([iou]))
    counts = {}
    for record in ref.evalImgs:
        if record is None or record["aRng"] != ref.params.areaRng[0]:
            continue
        cat = record["category_id"]
        tp, fp, fn = counts.get(cat, (0, 0, 0))
        scores = np.asarray(record["dtScores"])
        keep = np.ones(len(scores), bool) if score_threshold is None else scores >= score_threshold
        matched = np.asarray(record["dtMatches"][0]) != 0
        ignored = np.asarray(record["dtIgnore"][0]).astype(bool)
        tp += int(np.sum(matched & ~ignored & keep))
        fp += int(np.sum(~matched & ~ignored & keep))
        fn += int(np.sum(np.asarray(record["gtIgnore"]) == 0))
        counts[cat] = (tp, fp, fn)
    return {cat: (tp, fp, n_gt - tp) for cat, (tp, fp, n_gt) in counts.items()}


@given(datasets(), st.sampled_from([0.5, 0.3, 0.75]), st.sampled_from([None, 0.5, 0.8]))
def test_per_class_counts_match_pycocotools_matching(case, iou, score_threshold):
    assume(case["results"])
    ours = evaluate_detections(
        copy.deepcopy(case["gt"]),
        copy.deepcopy(case["results"]),
        iou_threshold=iou,
        score_threshold=score_threshold,
    )
    reference = _reference_counts(case, iou, score_threshold)
    for cat, metrics in ours.classes.items():
        tp, fp, fn = reference.get(cat, (0, 0, metrics.support))
        assert (metrics.tp, metrics.fp, metrics.fn) == (tp, fp, fn), cat
        if tp + fp:
            assert metrics.precision == tp / (tp + fp)
        if tp + fn:
            assert metrics.recall == tp / (tp + fn)
            assert metrics.accuracy == tp / (tp + fp + fn)


def _iou(d, g, crowd):
    w = min(d[0] + d[2], g[0] + g[2]) - max(d[0], g[0])
    h = min(d[1] + d[3], g[1] + g[3]) - max(d[1], g[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = d[2] * d[3] if crowd else d[2] * d[3] + g[2] * g[3] - inter
    if union == 0:  # areas that underflow: IEEE 0 / 0, as in the C kernel
        return math.nan
    return inter / union


def _reference_confusion(case, iou_thr, labels):
    """The documented rule, written plainly."""
    index = {c: i for i, c in enumerate(labels)}
    bg = len(labels)
    matrix = np.zeros((bg + 1, bg + 1), np.int64)
    for img in [i["id"] for i in case["gt"]["images"]]:
        gts = [a for a in case["gt"]["annotations"] if a["image_id"] == img]
        dets = [d for d in case["results"] if d["image_id"] == img]
        # per image and class: the 100 best (COCO's cap), then all by score, stable
        order = sorted(range(len(dets)), key=lambda i: -dets[i]["score"])
        dets = [dets[i] for i in order]
        taken = [False] * len(gts)
        for d in dets:
            best, best_iou, crowd_hit = -1, iou_thr, False
            for j, g in enumerate(gts):
                v = _iou(d["bbox"], g["bbox"], g["iscrowd"])
                if g["iscrowd"]:
                    crowd_hit |= v >= iou_thr
                    continue
                if taken[j] or v < best_iou or (best >= 0 and v == best_iou):
                    continue
                best, best_iou = j, v
            if best >= 0:
                taken[best] = True
                matrix[index[gts[best]["category_id"]], index[d["category_id"]]] += 1
            elif not crowd_hit:
                matrix[bg, index[d["category_id"]]] += 1
        for j, g in enumerate(gts):
            if not taken[j] and not g["iscrowd"]:
                matrix[index[g["category_id"]], bg] += 1
    return matrix


@given(datasets(max_per_group=3), st.sampled_from([0.5, 0.1]))
def test_confusion_matrix_follows_the_documented_rule(case, iou):
    assume(case["results"])
    ours = evaluate_detections(
        copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]), iou_threshold=iou
    )
    labels = ours.confusion_labels[:-1]
    assert np.array_equal(ours.confusion_matrix, _reference_confusion(case, iou, labels))


def _per_image(case):
    gt, pred = [], []
    for img in case["gt"]["images"]:
        anns = [a for a in case["gt"]["annotations"] if a["image_id"] == img["id"]]
        dets = [d for d in case["results"] if d["image_id"] == img["id"]]
        gt.append(
            {
                "image_id": img["id"],
                "boxes": np.array([a["bbox"] for a in anns]).reshape(-1, 4),
                "labels": np.array([a["category_id"] for a in anns], np.int64),
                "iscrowd": np.array([a["iscrowd"] for a in anns], np.int64),
                "area": np.array([a["area"] for a in anns], np.float64),
            }
        )
        pred.append(
            {
                "image_id": img["id"],
                "boxes": np.array([d["bbox"] for d in dets]).reshape(-1, 4),
                "scores": np.array([d["score"] for d in dets], np.float64),
                "labels": np.array([d["category_id"] for d in dets], np.int64),
            }
        )
    return gt, pred


def _same(a, b):
    assert np.array_equal(a.coco_stats, b.coco_stats)
    assert np.array_equal(a.confusion_matrix, b.confusion_matrix)
    assert a.classes.keys() == b.classes.keys()
    for k in a.classes:
        x, y = a.classes[k].as_dict(), b.classes[k].as_dict()
        assert json.dumps(x, sort_keys=True) == json.dumps(y, sort_keys=True)


@given(datasets(), st.randoms(use_true_random=False))
def test_per_image_arrays_and_accumulator_equal_coco_input(case, rnd):
    assume(case["results"])
    reference = evaluate_detections(copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]))
    gt, pred = _per_image(case)
    # Categories absent from the arrays' data are absent from the result: compare those present.
    arrays = evaluate_detections(gt, pred)
    assert np.array_equal(arrays.coco_stats, reference.coco_stats) or set(reference.classes) != set(
        arrays.classes
    )
    cut = rnd.randint(0, len(gt))
    shards = [DetectionAccumulator().update(gt[:cut], pred[:cut]),
              DetectionAccumulator().update(gt[cut:], pred[cut:])]  # fmt: skip
    rnd.shuffle(shards)
    _same(shards[0].merge(shards[1]).compute(), arrays)


def test_xyxy_boxes_and_class_filter():
    gt = [{"boxes": [[10, 10, 60, 60], [0, 0, 5, 5]], "labels": [1, 2]}]
    pred = [{"boxes": [[12, 11, 62, 61], [0, 0, 5, 5]], "scores": [0.9, 0.4], "labels": [1, 2]}]
    m = evaluate_detections(gt, pred, box_format="xyxy")
    assert m.classes[1].tp == 1
    assert m.classes[2].tp == 1
    only = evaluate_detections(gt, pred, box_format="xyxy", classes=[2])
    assert list(only.classes) == [2]
    assert only.confusion_labels == [2, "background"]


def test_as_dict_is_strict_json():
    gt = [{"boxes": [[0, 0, 10, 10]], "labels": [1]}]
    pred = [{"boxes": [[50, 50, 10, 10]], "scores": [0.5], "labels": [2]}]
    data = evaluate_detections(gt, pred).as_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["per-class"]["1"]["precision"] is None  # no detections of class 1
    assert data["confusion-matrix"]["labels"] == [1, 2, "background"]


@pytest.mark.parametrize(
    ("gt", "pred", "kwargs", "error", "match"),
    [
        ([{"boxes": [[0, 0, 1]], "labels": [1]}], [{"boxes": [], "scores": [], "labels": []}],
         {}, ValueError, r"ground_truth\[0\]\['boxes'\] must have shape"),
        ([{"boxes": [[0, 0, -1, 1]], "labels": [1]}], [{"boxes": [], "scores": [], "labels": []}],
         {}, ValueError, "negative width"),
        ([{"boxes": [[0, 0, 1, 1]], "labels": [1]}],
         [{"boxes": [[0, 0, 1, 1]], "scores": [np.nan], "labels": [1]}],
         {}, ValueError, r"predictions\[0\]\['scores'\] must be finite"),
        ([{"boxes": [[0, 0, 1, 1]], "labels": [1]}],
         [{"boxes": [[0, 0, 1, 1]], "scores": [0.5, 0.4], "labels": [1]}],
         {}, ValueError, "has 2 entries, 'boxes' has 1"),
        ([{"boxes": [[0, 0, 1, 1]], "labels": [1]}],
         [{"boxes": [[0, 0, 1, 1]], "labels": [1]}], {}, ValueError, "missing 'scores'"),
        ([{"boxes": [[0, 0, 1, 1]], "labels": [1]}], [], {}, TypeError, "same form"),
        ([{"boxes": [[0, 0, 1, 1]], "labels": [1]}],
         [{"boxes": [[0, 0, 1, 1]], "scores": [1.0], "labels": [1]}],
         {"iou_threshold": 1.5}, ValueError, "iou_threshold"),
        ([{"boxes": [[0, 0, 1, 1]], "labels": [1]}],
         [{"boxes": [[0, 0, 1, 1]], "scores": [1.0], "labels": [1]}],
         {"classes": [9]}, ValueError, "not categories"),
    ],
)  # fmt: skip
def test_bad_input(gt, pred, kwargs, error, match):
    with pytest.raises(error, match=match):
        evaluate_detections(gt, pred, **kwargs)


def test_coco_results_with_unknown_image_or_missing_field():
    gt = {
        "images": [{"id": 1}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5],
                         "area": 25, "iscrowd": 0}],
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"annotation 0: field 'image_id' 2 is not an image"):
        evaluate_detections(gt, [{"image_id": 2, "category_id": 1, "bbox": [0, 0, 5, 5],
                                  "score": 0.5}])  # fmt: skip
    good = {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}
    no_score = {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5]}
    with pytest.raises(ValueError, match=r"annotation 1: field 'score' is missing"):
        evaluate_detections(gt, [good, no_score])


def test_accumulator_rejects_repeated_images_and_other_settings():
    gt = [{"image_id": 1, "boxes": [[0, 0, 1, 1]], "labels": [1]}]
    pred = [{"image_id": 1, "boxes": [[0, 0, 1, 1]], "scores": [1.0], "labels": [1]}]
    batch = (gt, pred)
    acc = DetectionAccumulator().update(*batch)
    with pytest.raises(ValueError, match="already added"):
        acc.update(*batch)
    with pytest.raises(ValueError, match="both accumulators hold image 1"):
        acc.merge(DetectionAccumulator().update(*batch))
    with pytest.raises(ValueError, match="different settings"):
        acc.merge(DetectionAccumulator(iou_threshold=0.7))
    with pytest.raises(ValueError, match="no images"):
        DetectionAccumulator().compute()


def test_empty_predictions_are_scored_not_rejected():
    gt = [{"boxes": [[0, 0, 10, 10]], "labels": [1]}]
    m = evaluate_detections(gt, [{"boxes": [], "scores": [], "labels": []}])
    assert m.map == 0.0
    assert m.classes[1].fn == 1
