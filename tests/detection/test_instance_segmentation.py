"""modelmetrics.instance_segmentation: COCO stats equal pycocotools' segm evaluation,
rectangle masks give exactly the box results, every mask form gives the same answer,
and the accumulator equals the one-shot call."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import modelmetrics.mask as mm_mask
from modelmetrics._core.parallel import num_threads
from modelmetrics.detection import evaluate_detections
from modelmetrics.instance_segmentation import (
    InstanceSegmentationAccumulator,
    evaluate_instance_segmentation,
)

H, W = 24, 32


@st.composite
def rectangle_images(draw, max_images=4):
    """Per-image rectangles (integer corners) as boxes and as the equal masks."""
    n_img = draw(st.integers(1, max_images))
    images = []
    for i in range(n_img):
        gt, pred = [], []
        for _ in range(draw(st.integers(0, 4))):
            x0, y0 = draw(st.integers(0, W - 1)), draw(st.integers(0, H - 1))
            w, h = draw(st.integers(1, W - x0)), draw(st.integers(1, H - y0))
            label = draw(st.integers(1, 3))
            gt.append((x0, y0, w, h, label, int(draw(st.integers(0, 9)) == 0)))
            for _ in range(draw(st.integers(0, 2))):
                dx, dy = draw(st.integers(-2, 2)), draw(st.integers(-2, 2))
                px, py = min(max(x0 + dx, 0), W - 1), min(max(y0 + dy, 0), H - 1)
                pw, ph = min(w, W - px), min(h, H - py)
                pred.append((px, py, pw, ph, label, draw(st.sampled_from([0.2, 0.5, 0.7, 0.9]))))
        for _ in range(draw(st.integers(0, 3))):
            x0, y0 = draw(st.integers(0, W - 1)), draw(st.integers(0, H - 1))
            pred.append((x0, y0, 1, 1, draw(st.integers(1, 3)), draw(st.floats(0, 1))))
        images.append((i + 10, gt, pred))
    return images


def _masks(rects):
    out = np.zeros((len(rects), H, W), bool)
    for k, (x, y, w, h, *_rest) in enumerate(rects):
        out[k, y : y + h, x : x + w] = True
    return out


def as_boxes(images):
    gts, preds = [], []
    for image_id, gt, pred in images:
        gts.append({
            "image_id": image_id,
            "boxes": np.array([r[:4] for r in gt], np.float64).reshape(-1, 4),
            "labels": np.array([r[4] for r in gt], np.int64),
            "iscrowd": np.array([r[5] for r in gt], np.int64),
        })  # fmt: skip
        preds.append({
            "image_id": image_id,
            "boxes": np.array([r[:4] for r in pred], np.float64).reshape(-1, 4),
            "labels": np.array([r[4] for r in pred], np.int64),
            "scores": np.array([r[5] for r in pred], np.float64),
        })  # fmt: skip
    return gts, preds


def as_masks(images, form="array"):
    gts, preds = [], []
    for image_id, gt, pred in images:
        gm, pm = _masks(gt), _masks(pred)
        gts.append({
            "image_id": image_id, "masks": _form(gm, form), "height": H, "width": W,
            "labels": np.array([r[4] for r in gt], np.int64),
            "iscrowd": np.array([r[5] for r in gt], np.int64),
        })  # fmt: skip
        preds.append({
            "image_id": image_id, "masks": _form(pm, form), "height": H, "width": W,
            "labels": np.array([r[4] for r in pred], np.int64),
            "scores": np.array([r[5] for r in pred], np.float64),
        })  # fmt: skip
    return gts, preds


def _form(masks, form):
    if form == "array":
        return masks
    if form == "list":
        return list(masks)
    if form == "rle":
        return [mm_mask.encode(np.asfortranarray(m, dtype=np.uint8)) for m in masks]
    assert form == "polygon"  # pixel-boundary rectangles, as COCO polygons rasterise them
    polys = []
    for m in masks:
        ys, xs = np.nonzero(m)
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        polys.append([[float(x0), float(y0), float(x0), float(y1), float(x1), float(y1),
                       float(x1), float(y0)]])  # fmt: skip
    return polys


def _same_metrics(a, b):
    assert np.array_equal(np.asarray(a.coco_stats), np.asarray(b.coco_stats))
    assert a.classes.keys() == b.classes.keys()
    for label, m in a.classes.items():
        n = b.classes[label]
        assert (m.tp, m.fp, m.fn) == (n.tp, n.fp, n.fn)
        assert np.array_equal(m.curve_precision, n.curve_precision)
        assert np.array_equal(m.curve_thresholds, n.curve_thresholds)
        assert m.ap == n.ap or (np.isnan(m.ap) and np.isnan(n.ap))
    assert np.array_equal(a.confusion_matrix, b.confusion_matrix)


@given(images=rectangle_images())
def test_rectangle_masks_give_the_box_results(images):
    # For pixel-aligned rectangles, mask IoU equals box IoU and mask area box area.
    boxes = evaluate_detections(*as_boxes(images))
    masks = evaluate_instance_segmentation(*as_masks(images))
    _same_metrics(masks, boxes)


@pytest.mark.parametrize("form", ["list", "rle", "polygon"])
@given(images=rectangle_images(max_images=3))
def test_every_mask_form_gives_the_same_result(form, images):
    _same_metrics(
        evaluate_instance_segmentation(*as_masks(images, form)),
        evaluate_instance_segmentation(*as_masks(images, "array")),
    )


pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")
pc_mask = pytest.importorskip("pycocotools.mask")


@given(images=rectangle_images(), seed=st.integers(0, 2**31))
def test_coco_stats_equal_pycocotools_segm(images, seed):
    # Irregular masks: rectangles with random pixels flipped.
    rng = np.random.default_rng(seed)
    gts, preds = as_masks(images)
    for entry in gts + preds:
        entry["masks"] = entry["masks"] ^ (rng.random(entry["masks"].shape) < 0.1)
    ours = evaluate_instance_segmentation(gts, preds)
    dataset = {"images": [], "annotations": [], "categories": [{"id": c} for c in (1, 2, 3)]}
    results = []
    for g, p in zip(gts, preds, strict=True):
        dataset["images"].append({"id": g["image_id"], "height": H, "width": W})
        for m, label, crowd in zip(g["masks"], g["labels"], g["iscrowd"], strict=True):
            rle = pc_mask.encode(np.asfortranarray(m, dtype=np.uint8))
            dataset["annotations"].append({
                "id": len(dataset["annotations"]) + 1, "image_id": g["image_id"],
                "category_id": int(label), "segmentation": rle, "iscrowd": int(crowd),
                "area": float(pc_mask.area(rle)), "bbox": list(pc_mask.toBbox(rle)),
            })  # fmt: skip
        for m, label, score in zip(p["masks"], p["labels"], p["scores"], strict=True):
            rle = pc_mask.encode(np.asfortranarray(m, dtype=np.uint8))
            results.append({"image_id": g["image_id"], "category_id": int(label),
                            "segmentation": rle, "score": float(score)})  # fmt: skip
    if not results:
        return  # pycocotools cannot load an empty result list
    with contextlib.redirect_stdout(io.StringIO()):
        gt = pc_coco.COCO()
        gt.dataset = dataset
        gt.createIndex()
        ev = pc_eval.COCOeval(gt, gt.loadRes(results), "segm")
        ev.params.maxDets = [1, 10, 100]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert np.array_equal(np.asarray(ours.coco_stats), ev.stats)


@given(images=rectangle_images(max_images=5), cut=st.integers(0, 5))
def test_accumulator_in_batches_equals_one_call(images, cut):
    gts, preds = as_masks(images)
    cut = min(cut, len(gts))
    one = InstanceSegmentationAccumulator().update(gts[:cut], preds[:cut])
    two = InstanceSegmentationAccumulator().update(gts[cut:], preds[cut:])
    merged = one.merge(two) if cut else two
    _same_metrics(merged.compute(), evaluate_instance_segmentation(gts, preds))


@given(images=rectangle_images(max_images=4))
def test_thread_count_does_not_change_results(images):
    with num_threads(1):
        a = evaluate_instance_segmentation(*as_masks(images))
    with num_threads(3):
        b = evaluate_instance_segmentation(*as_masks(images))
    _same_metrics(a, b)


def _one(masks, **extra):
    return [{"masks": masks, "labels": [1] * len(masks), **extra}]


def test_bad_inputs_are_named_errors():
    good = np.zeros((1, 4, 4), bool)
    pred = [{"masks": good, "labels": [1], "scores": [0.5]}]
    with pytest.raises(ValueError, match="predictions for image 0 are 5 x 4 masks"):
        evaluate_instance_segmentation(
            _one(good), [{"masks": np.zeros((1, 5, 4), bool), "labels": [1], "scores": [1.0]}]
        )
    mixed = [np.zeros((4, 4), bool), {"size": [5, 4], "counts": "d0"}]
    with pytest.raises(ValueError, match=r"ground_truth\[0\]\['masks'\]\[1\] is 5 x 4"):
        evaluate_instance_segmentation(_one(mixed), pred)
    with pytest.raises(ValueError, match="'height' and 'width'"):
        evaluate_instance_segmentation(_one([[[0.0, 0.0, 3.0, 0.0, 3.0, 3.0]]]), pred)
    with pytest.raises(TypeError, match=r"ground_truth\[0\]\['masks'\] must be boolean"):
        evaluate_instance_segmentation(_one(np.zeros((1, 4, 4), np.float32)), pred)
    with pytest.raises(ValueError, match="only 0 and 1"):
        evaluate_instance_segmentation(_one(np.full((1, 4, 4), 2, np.uint8)), pred)
    with pytest.raises(ValueError, match=r"ground_truth\[1\]: missing 'masks'"):
        evaluate_instance_segmentation([*_one(good), {"labels": [1]}], pred + pred)
    with pytest.raises(ValueError, match=r"ground_truth\[0\]\['masks'\]\[0\]: the RLE counts"):
        evaluate_instance_segmentation(_one([{"size": [4, 4], "counts": "3"}]), pred)
    with pytest.raises(TypeError, match="same form"):
        evaluate_instance_segmentation(_one(good), [{"image_id": 1}])
