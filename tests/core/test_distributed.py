"""modelmetrics.distributed on a LocalCluster of two worker processes: == one process."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

import dask  # noqa: E402

from modelmetrics.classification import ClassificationAccumulator, ScoreAccumulator  # noqa: E402
from modelmetrics.coco import COCO, COCOevalAccumulator  # noqa: E402
from modelmetrics.detection import DetectionAccumulator  # noqa: E402
from modelmetrics.distributed import (  # noqa: E402
    accumulate_partitions,
    evaluate_partitions,
    partition_state,
)
from modelmetrics.instance_segmentation import InstanceSegmentationAccumulator  # noqa: E402
from modelmetrics.regression import RegressionAccumulator  # noqa: E402
from modelmetrics.segmentation import SegmentationAccumulator  # noqa: E402

# Functions below run on the workers, which cannot import this test module.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _one_process(accumulator, partitions, update=None):
    acc = None
    for part in partitions:
        state = partition_state(accumulator, part, update)
        acc = state if acc is None else acc.merge(state)
    assert acc is not None
    return acc.compute()


def _detection_images(seed, n_images, masks=False):
    rng = np.random.default_rng(seed)
    gts, preds = [], []
    for i in range(n_images):
        n, m = int(rng.integers(0, 5)), int(rng.integers(0, 7))
        xy = rng.integers(0, 40, (n, 2))
        wh = rng.integers(2, 24, (n, 2))
        boxes = np.hstack([xy, wh]).astype(np.float64)
        pick = rng.integers(0, max(n, 1), m)
        jitter = rng.integers(-2, 3, (m, 4))
        pboxes = boxes[pick] + jitter if n else rng.integers(0, 40, (m, 4)).astype(np.float64)
        pboxes = np.clip(pboxes, 1, 60).astype(np.float64)
        labels = rng.integers(1, 4, n)
        plabels = np.where(rng.random(m) < 0.8, labels[pick] if n else 1, rng.integers(1, 4, m))
        scores = rng.choice([0.2, 0.5, 0.5, 0.7, 0.9], m)
        g = {"image_id": 1000 - i, "labels": labels}
        p = {"image_id": 1000 - i, "labels": plabels.astype(np.int64), "scores": scores}
        if masks:
            g["masks"] = _rect_masks(boxes)
            p["masks"] = _rect_masks(pboxes)
        else:
            g["boxes"], p["boxes"] = boxes, pboxes
        gts.append(g)
        preds.append(p)
    return gts, preds


def _rect_masks(boxes):
    out = np.zeros((len(boxes), 64, 64), bool)
    for k, (x, y, w, h) in enumerate(boxes.astype(int)):
        out[k, y : y + h, x : x + w] = True
    return out


def _split(items, k):
    return [items[i::k] for i in range(k)]  # interleaved: shards are not image ranges


def _same_dict(a, b):
    assert json.dumps(a.as_dict(), sort_keys=True) == json.dumps(b.as_dict(), sort_keys=True)


def test_classification_and_scores(client):
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 5, 5000), rng.integers(0, 5, 5000)
    parts = [(y[i::7], p[i::7]) for i in range(7)]
    ours = evaluate_partitions(parts, ClassificationAccumulator(), client=client)
    one = _one_process(ClassificationAccumulator(), parts)
    assert np.array_equal(ours.confusion_matrix, one.confusion_matrix)
    _same_dict(ours, one)
    binary, score = rng.integers(0, 2, 5000), rng.random(5000).round(2)
    parts = [(binary[i::5], score[i::5]) for i in range(5)]
    s = evaluate_partitions(parts, ScoreAccumulator(), client=client, split_every=2)
    s_one = _one_process(ScoreAccumulator(), parts)
    assert (s.roc_auc, s.average_precision) == (s_one.roc_auc, s_one.average_precision)


def test_regression_to_1e12(client):
    rng = np.random.default_rng(2)
    y = rng.normal(5, 3, 20000)
    p = y + rng.normal(0, 0.5, 20000)
    parts = [(y[i : i + 3000], p[i : i + 3000]) for i in range(0, 20000, 3000)]
    ours = evaluate_partitions(parts, RegressionAccumulator(threshold=0.25), client=client)
    one = _one_process(RegressionAccumulator(threshold=0.25), parts).as_dict()
    for key, value in one.items():
        assert ours.as_dict()[key] == pytest.approx(value, rel=1e-12, abs=0), key


def test_semantic_segmentation(client):
    rng = np.random.default_rng(3)
    target = rng.integers(0, 6, (12, 32, 32)).astype(np.uint8)
    pred = np.where(rng.random(target.shape) < 0.7, target, rng.integers(0, 6, target.shape))
    parts = [(pred[i::4].astype(np.uint8), target[i::4]) for i in range(4)]
    acc = SegmentationAccumulator(num_classes=6, per_image=True)
    ours = evaluate_partitions(parts, acc, client=client)
    one = _one_process(acc, parts)
    assert np.array_equal(ours.confusion_matrix, one.confusion_matrix)
    _same_dict(ours, one)


def _in_batches(acc, part):
    gts, preds = part
    for i in range(0, len(gts), 3):
        acc.update(gts[i : i + 3], preds[i : i + 3])


@pytest.mark.parametrize("masks", [False, True], ids=["boxes", "masks"])
def test_detection_and_instance_segmentation(client, masks):
    gts, preds = _detection_images(4, 40, masks=masks)
    parts = list(zip(_split(gts, 5), _split(preds, 5), strict=True))
    kind = InstanceSegmentationAccumulator if masks else DetectionAccumulator
    acc = kind(score_threshold=0.4)
    ours = evaluate_partitions(parts, acc, update=_in_batches, client=client, split_every=2)
    one = kind(score_threshold=0.4).update(gts, preds).compute()
    assert np.array_equal(ours.coco_stats, one.coco_stats)
    assert np.array_equal(ours.confusion_matrix, one.confusion_matrix)
    _same_dict(ours, one)


def _coco_pair():
    gts, preds = _detection_images(5, 30)
    images, anns, results = [], [], []
    for g, p in zip(gts, preds, strict=True):
        images.append({"id": g["image_id"]})
        for box, label in zip(g["boxes"].tolist(), g["labels"].tolist(), strict=True):
            anns.append({"id": len(anns) + 1, "image_id": g["image_id"], "category_id": label,
                         "bbox": box, "area": box[2] * box[3], "iscrowd": 0})  # fmt: skip
        for box, label, s in zip(
            p["boxes"].tolist(), p["labels"].tolist(), p["scores"].tolist(), strict=True
        ):
            results.append(
                {"image_id": p["image_id"], "category_id": label, "bbox": box, "score": s}
            )
    cats = [{"id": c} for c in (1, 2, 3)]
    gt = COCO({"images": images, "annotations": anns, "categories": cats})
    return gt, gt.loadRes(results)


def _evaluate_shard(acc, part):
    gt, dt = _coco_pair()  # each worker loads the (here: generated) files itself
    acc.update(gt, dt, part)


def test_cocoeval(client):
    from modelmetrics.coco import COCOeval

    gt, dt = _coco_pair()
    ids = sorted(gt.getImgIds())
    parts = [ids[i::3] for i in range(3)]
    ours = evaluate_partitions(parts, COCOevalAccumulator(), update=_evaluate_shard, client=client)
    ref = COCOeval(gt, dt, "bbox")
    ref.evaluate()
    ref.accumulate()
    for key in ("precision", "recall", "scores"):
        assert np.array_equal(ours.eval[key], ref.eval[key]), key


def _flaky(marker_dir, how):
    def update(acc, part):
        index, gts, preds = part
        marker = Path(marker_dir) / f"attempt-{index}"
        _in_batches(acc, (gts[: len(gts) // 2], preds[: len(preds) // 2]))
        if index == 1 and not marker.exists():
            marker.write_text("failed once")  # half the partition is in acc already
            if how == "kill":
                os._exit(1)  # the worker process dies mid-task; the nanny restarts it
            raise RuntimeError("transient failure")
        _in_batches(acc, (gts[len(gts) // 2 :], preds[len(preds) // 2 :]))

    return update


@pytest.mark.parametrize("how", ["raise", "kill"])
def test_failed_task_is_retried_without_double_counting(client, tmp_path, how):
    gts, preds = _detection_images(6, 24)
    parts = [
        (i, g, p) for i, (g, p) in enumerate(zip(_split(gts, 4), _split(preds, 4), strict=True))
    ]
    merged = accumulate_partitions(
        parts, DetectionAccumulator(), update=_flaky(str(tmp_path), how), client=client, retries=2
    )
    assert (tmp_path / "attempt-1").exists()  # the failure did happen
    one = DetectionAccumulator().update(gts, preds).compute()
    ours = merged.compute()
    assert np.array_equal(ours.confusion_matrix, one.confusion_matrix)
    _same_dict(ours, one)
    assert merged._image_ids == {g["image_id"] for g in gts}


def test_delayed_partitions_and_default_client(client):
    rng = np.random.default_rng(7)
    y, p = rng.integers(0, 3, 900), rng.integers(0, 3, 900)
    load = dask.delayed(lambda i: (y[i::3], p[i::3]))
    ours = evaluate_partitions([load(i) for i in range(3)], ClassificationAccumulator())
    one = ClassificationAccumulator().update(y, p).compute()
    assert np.array_equal(ours.confusion_matrix, one.confusion_matrix)


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        accumulate_partitions([], ClassificationAccumulator())
    with pytest.raises(ValueError, match="split_every"):
        accumulate_partitions([([0], [0])], ClassificationAccumulator(), split_every=1)
    with pytest.raises(TypeError, match="partitions"):
        accumulate_partitions(3, ClassificationAccumulator())
