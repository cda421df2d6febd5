"""``modelmetrics.coco.CocoEvaluator`` against torchvision's evaluator, rebuilt here on
pycocotools from its semantics: per batch, torchvision's result dicts (boxes to xywh in
their dtype, masks ``> 0.5`` encoded by ``pycocotools.mask.encode``, keypoints
flattened), ``loadRes`` and ``evaluate`` on the batch's images; the ``evalImgs`` of every
batch of every process concatenated in rank order and reduced with
``np.unique(img_ids, return_index=True)`` (the first occurrence of an image wins);
then pycocotools' ``accumulate`` and ``summarize``. ``eval`` and ``stats`` must be ``==``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _coco_cases import datasets, segm_datasets
from hypothesis import given
from hypothesis import strategies as st

import modelmetrics.coco as mm

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")
pc_mask = pytest.importorskip("pycocotools.mask")

# pycocotools' uncompressed-RLE path warns under numpy 2 (its own code, not ours).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

DATA = Path(__file__).resolve().parents[1] / "data" / "coco-val2014-100"

Batch = dict[int, dict[str, Any]]
Plan = list[list[Batch]]  # per process, its batches in order


# -- the reference: torchvision's evaluator on pycocotools -------------------------------


def _prepare(batch: Batch, iou_type: str) -> list[dict[str, Any]]:
    """torchvision's ``prepare_for_coco_*`` for numpy predictions."""
    results: list[dict[str, Any]] = []
    for image, p in batch.items():
        if len(p) == 0:
            continue
        scores, labels = p["scores"].tolist(), p["labels"].tolist()
        if iou_type == "bbox":
            b = p["boxes"]  # convert_to_xywh: x2 - x1 in the boxes' dtype
            values = np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1)
            rows = values.tolist()
            key = "bbox"
        elif iou_type == "segm":
            masks = p["masks"] > 0.5
            if masks.ndim == 3:
                masks = masks[:, None]
            rows = []
            for m in masks:
                rle = pc_mask.encode(np.array(m[0, :, :, np.newaxis], dtype=np.uint8, order="F"))
                rle[0]["counts"] = rle[0]["counts"].decode("utf-8")
                rows.append(rle[0])
            key = "segmentation"
        else:
            kp = p["keypoints"]  # flatten(start_dim=1)
            rows = kp.reshape(kp.shape[0], kp.shape[1] * kp.shape[2]).tolist()
            key = "keypoints"
        results += [
            {"image_id": image, "category_id": labels[k], key: row, "score": scores[k]}
            for k, row in enumerate(rows)
        ]
    return results


def _reference(gt_dict: dict[str, Any], plan: Plan, iou_type: str, configure: Any = None) -> Any:
    """torchvision's CocoEvaluator: update per batch, synchronize, accumulate, summarize."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = pc_coco.COCO()
        gt.dataset = copy.deepcopy(gt_dict)
        gt.createIndex()
        ev = pc_eval.COCOeval(gt, iouType=iou_type)
        if configure is not None:
            configure(ev.params)
        img_ids: list[Any] = []
        eval_imgs = []
        for batches in plan:
            for batch in batches:
                ids = list(np.unique(list(batch)))
                results = _prepare(batch, iou_type)
                ev.cocoDt = gt.loadRes(results) if results else pc_coco.COCO()
                ev.params.imgIds = ids
                ev.evaluate()
                img_ids.extend(ev.params.imgIds)
                shape = (-1, len(ev.params.areaRng), len(ev.params.imgIds))
                eval_imgs.append(np.asarray(ev.evalImgs).reshape(shape))
        merged, first = np.unique(img_ids, return_index=True)
        ev.evalImgs = list(np.concatenate(eval_imgs, 2)[..., first].flatten())
        ev.params.imgIds = list(merged)
        ev._paramsEval = copy.deepcopy(ev.params)
        ev.accumulate()
        ev.summarize()
    return ev


def _ours(gt: Any, plan: Plan, iou_types: list[str], configure: Any = None) -> mm.CocoEvaluator:
    """One evaluator per process, merged in rank order, as synchronize would."""
    evaluators = []
    for batches in plan:
        ev = mm.CocoEvaluator(gt, iou_types)
        for batch in batches:
            ev.update(batch)
        evaluators.append(ev)
    first = evaluators[0]
    for other in evaluators[1:]:
        assert first.merge(other) is first
    if configure is not None:
        for iou_type in iou_types:
            configure(first.coco_eval[iou_type].params)
    first.synchronize_between_processes()  # no process group: nothing to gather
    first.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        first.summarize()
    return first


def _assert_same(ours: Any, ref: Any) -> None:
    assert ours.params.imgIds == [int(i) for i in ref.params.imgIds]
    for key in ("precision", "recall", "scores"):
        a, b = ours.eval[key], ref.eval[key]
        assert a.shape == b.shape, key
        assert a.dtype == b.dtype, key
        assert np.array_equal(a, b), (key, np.argwhere(a != b)[:5])
    assert np.asarray(ours.stats).tolist() == np.asarray(ref.stats).tolist()


def _check(gt_dict: dict[str, Any], plan: Plan, iou_types: list[str], configure: Any = None):
    ours = _ours(mm.COCO(copy.deepcopy(gt_dict)), plan, iou_types, configure)
    for iou_type in iou_types:
        _assert_same(ours.coco_eval[iou_type], _reference(gt_dict, plan, iou_type, configure))
    return ours


def _env() -> dict[str, str]:
    """The environment for a child interpreter: this one's, so that the child imports
    the package this process imports (installed, or a source tree on PYTHONPATH; a
    checkout's src/ holds no compiled modules unless they were copied there)."""
    return dict(os.environ)


def _flat(plan: Plan) -> list[int]:
    return [image for batches in plan for batch in batches for image in batch]


# -- plans: batches over processes, images repeated ---------------------------------------


def _batched(entries: list[tuple[int, Any]], size: int) -> list[Batch]:
    """Consecutive batches of at most `size` images, no image twice in one batch."""
    batches: list[Batch] = [{}]
    for image, prediction in entries:
        if len(batches[-1]) == size or image in batches[-1]:
            batches.append({})
        batches[-1][image] = prediction
    return [b for b in batches if b]


@st.composite
def plans(draw: Any, predictions: dict[int, Any], variants: dict[int, Any]) -> Plan:
    """Every image once, some again with other predictions (the variant first, sometimes),
    in batches spread over 1-3 processes."""
    images = sorted(predictions)
    repeats = draw(st.lists(st.sampled_from(images), max_size=4)) if images else []
    entries = [(i, predictions[i]) for i in images] + [(i, variants[i]) for i in repeats]
    entries = draw(st.permutations(entries))
    batches = _batched(list(entries), draw(st.integers(1, 4)))
    n_proc = draw(st.integers(1, 3))
    ranks = [draw(st.integers(0, n_proc - 1)) for _ in batches]
    plan: Plan = [[b for b, r in zip(batches, ranks, strict=True) if r == p] for p in range(n_proc)]
    return [batches for batches in plan if batches] or [[]]


def _sampler_plan(predictions: dict[int, Any], world: int, batch_size: int) -> Plan:
    """DistributedSampler(shuffle=False): the index list padded with its first images to
    a multiple of `world`, rank r taking every world-th one, then batches."""
    images = list(predictions)
    padded = images + images[: (-len(images)) % world]
    return [
        _batched([(i, predictions[i]) for i in padded[rank::world]], batch_size)
        for rank in range(world)
    ]


# -- predictions as a detector returns them ----------------------------------------------


def _group(results: list[dict[str, Any]], images: list[int]) -> dict[int, list[dict[str, Any]]]:
    per: dict[int, list[dict[str, Any]]] = {i: [] for i in images}
    for r in results:
        per[r["image_id"]].append(r)
    return per


def _no_detections(image: int, with_masks: tuple[int, int] | None = None) -> dict[str, Any]:
    if image % 2:
        return {}  # torchvision's len(prediction) == 0
    empty: dict[str, Any] = {
        "boxes": np.zeros((0, 4), np.float32),
        "scores": np.zeros(0, np.float32),
        "labels": np.zeros(0, np.int64),
    }
    if with_masks is not None:
        empty["masks"] = np.zeros((0, 1, *with_masks), np.float32)
    return empty


def box_predictions(case: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The case's results as per-image float32 xyxy boxes, scores and labels."""
    images = [img["id"] for img in case["gt"]["images"]]
    out: dict[int, dict[str, Any]] = {}
    for image, rs in _group(case["results"], images).items():
        if not rs:
            out[image] = _no_detections(image)
            continue
        xywh = np.array([r["bbox"] for r in rs], np.float32)
        out[image] = {
            "boxes": np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1),
            "scores": np.array([r["score"] for r in rs], np.float32),
            "labels": np.array([r["category_id"] for r in rs], np.int64),
        }
    return out


def box_variants(predictions: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Other predictions for the same images: moved boxes, reversed scores."""
    out = {}
    for image, p in predictions.items():
        if not len(p) or not len(p["scores"]):
            out[image] = p
            continue
        out[image] = {
            **p,
            "boxes": p["boxes"] + np.float32(2.5),
            "scores": p["scores"][::-1].copy(),
        }
    return out


def _probabilities(masks: np.ndarray, form: int) -> np.ndarray:
    """Binary masks (n, h, w) as a detector may give them: bool, 0/1 uint8, or float32
    probabilities with background values up to exactly 0.5 (which is not > 0.5); with a
    channel axis (n, 1, h, w) except for one form."""
    if form == 0:
        out: np.ndarray = masks.astype(bool)
    elif form == 1:
        out = masks.astype(np.uint8)
    else:
        fg = np.float32(0.5) + np.float32(0.5) * (np.arange(masks.size) % 7 + 1) / np.float32(7)
        bg = np.float32(0.5) * (np.arange(masks.size) % 3) / np.float32(2)
        out = np.where(masks.reshape(-1) > 0, fg, bg).reshape(masks.shape).astype(np.float32)
    return out if form == 3 else out[:, None]


def mask_predictions(case: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The case's mask results as per-image masks, with their boxes for ``"bbox"``."""
    images = {img["id"]: img for img in case["gt"]["images"]}
    out: dict[int, dict[str, Any]] = {}
    for image, rs in _group(case["results"], list(images)).items():
        h, w = images[image]["height"], images[image]["width"]
        if not rs:
            out[image] = _no_detections(image, (h, w))
            continue
        masks = np.stack([pc_mask.decode(r["segmentation"]) for r in rs])
        boxes = np.array([r.get("bbox", [0, 0, 1, 1]) for r in rs], np.float32)
        boxes[:, 2:] += boxes[:, :2]
        out[image] = {
            "boxes": boxes,
            "scores": np.array([r["score"] for r in rs], np.float32),
            "labels": np.array([r["category_id"] for r in rs], np.int64),
            "masks": _probabilities(masks, image % 4),
        }
    return out


def mask_variants(predictions: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    out = {}
    for image, p in predictions.items():
        if not len(p) or not len(p["scores"]):
            out[image] = p
            continue
        flipped = p["masks"][..., ::-1].copy()
        out[image] = {**box_variants({image: p})[image], "masks": flipped}
    return out


@st.composite
def pose_cases(draw: Any) -> dict[str, Any]:
    """People with K keypoints (visibility 0/1/2, some crowd or without labeled
    keypoints), detections near them and strays, as (N, K, 3) float32 arrays."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.sampled_from([17, 4]))
    n_cats = draw(st.sampled_from([1, 2]))
    image_ids = rng.choice(1000, draw(st.integers(1, 5)), replace=False).tolist()
    images = [{"id": i, "height": 480, "width": 640} for i in image_ids]
    anns: list[dict[str, Any]] = []
    predictions: dict[int, dict[str, Any]] = {}
    for image in image_ids:
        rows: list[np.ndarray] = []
        labels: list[int] = []
        for _ in range(int(rng.integers(0, 4))):
            x, y = rng.uniform(0, 500, 2)
            w, h = rng.uniform(4, 140, 2)
            kx, ky = rng.uniform(x, x + w, k), rng.uniform(y, y + h, k)
            v = rng.choice([0, 1, 2], k, p=[0.3, 0.2, 0.5])
            cat = int(rng.integers(1, n_cats + 1))
            flat = np.column_stack([np.where(v > 0, kx, 0), np.where(v > 0, ky, 0), v])
            anns.append({
                "id": len(anns) + 1, "image_id": image, "category_id": cat,
                "keypoints": flat.ravel().tolist(), "num_keypoints": int((v > 0).sum()),
                "bbox": [x, y, w, h], "area": float(w * h * rng.uniform(0.3, 1)),
                "iscrowd": int(rng.random() < 0.1),
            })  # fmt: skip
            for _ in range(int(rng.integers(0, 3))):
                noise = rng.normal(0, rng.uniform(0.5, 12), (2, k))
                rows.append(np.column_stack([kx + noise[0], ky + noise[1], np.ones(k)]))
                labels.append(cat)
        for _ in range(int(rng.integers(0, 2))):
            rows.append(np.column_stack([rng.uniform(0, 600, (2, k)).T, rng.integers(0, 3, k)]))
            labels.append(int(rng.integers(1, n_cats + 1)))
        if not rows:
            predictions[image] = _no_detections(image)
            if predictions[image]:
                predictions[image]["keypoints"] = np.zeros((0, k, 3), np.float32)
            continue
        keypoints = np.stack(rows).astype(np.float32)
        lo, hi = keypoints[:, :, :2].min(axis=1), keypoints[:, :, :2].max(axis=1)
        predictions[image] = {
            "boxes": np.concatenate([lo, hi], axis=1),
            "scores": rng.choice([0.5, 0.25, 0.9], len(rows)).astype(np.float32),
            "labels": np.array(labels, np.int64),
            "keypoints": keypoints,
        }
    gt = {
        "images": images,
        "annotations": anns,
        "categories": [{"id": c, "name": f"c{c}"} for c in range(1, n_cats + 1)],
    }
    sigmas = None if k == 17 else rng.uniform(0.02, 0.12, k)
    return {"gt": gt, "predictions": predictions, "sigmas": sigmas}


def pose_variants(predictions: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    out = {}
    for image, p in predictions.items():
        if not len(p) or not len(p["scores"]):
            out[image] = p
            continue
        moved = p["keypoints"].copy()
        moved[:, :, :2] += np.float32(6)
        out[image] = {**box_variants({image: p})[image], "keypoints": moved}
    return out


# -- the real COCO val2014 subset ----------------------------------------------------------


def _real() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    gt = json.loads((DATA / "instances_val2014_100.json").read_text())
    bbox = json.loads((DATA / "instances_val2014_fakebbox100_results.json").read_text())
    segm = json.loads((DATA / "instances_val2014_fakesegm100_results.json").read_text())
    return gt, bbox, segm


@pytest.mark.parametrize("world", [1, 3])
def test_real_val2014_bbox_matches_torchvision(world):
    gt, bbox, _ = _real()
    predictions = box_predictions({"gt": gt, "results": bbox})
    plan = _sampler_plan(predictions, world, 8)
    ours = _check(gt, plan, ["bbox"])
    assert ours.img_ids == _flat(plan)
    # torchvision's merged per-batch evaluations are one COCOeval of the same images.
    with contextlib.redirect_stdout(io.StringIO()):
        g = pc_coco.COCO(str(DATA / "instances_val2014_100.json"))
        ev = pc_eval.COCOeval(g, g.loadRes(_prepare(predictions, "bbox")), "bbox")
        ev.params.imgIds = sorted(predictions)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    _assert_same(ours.coco_eval["bbox"], ev)


@pytest.mark.parametrize("options", [{}, {"useCats": 0}, {"maxDets": [1, 5, 300]}])
def test_real_val2014_bbox_with_params_and_repeats(options):
    gt, bbox, _ = _real()
    predictions = box_predictions({"gt": gt, "results": bbox})
    variants = box_variants(predictions)
    images = sorted(predictions)
    # Two processes; each image of the second half also goes, with other predictions,
    # to process 0 after process 1 has it first (and the reverse for the first half).
    p0 = [(i, predictions[i]) for i in images[:50]] + [(i, variants[i]) for i in images[50:70]]
    p1 = [(i, predictions[i]) for i in images[50:]] + [(i, variants[i]) for i in images[:20]]
    plan = [_batched(p0, 8), _batched(p1, 8)]

    def configure(params):
        for name, value in options.items():
            setattr(params, name, value)

    _check(gt, plan, ["bbox"], configure)


@pytest.mark.parametrize("world", [1, 2])
def test_real_val2014_segm_matches_torchvision(world):
    gt, _, segm = _real()
    predictions = mask_predictions({"gt": gt, "results": segm})
    _check(gt, _sampler_plan(predictions, world, 8), ["segm"])


def test_eval_imgs_are_torchvision_merged_ones_but_for_detection_ids():
    """Detection ids are numbered per batch there, over all images here: every other
    field of every record is the same, and a ground truth is matched in both or neither."""
    gt, bbox, _ = _real()
    predictions = box_predictions({"gt": gt, "results": bbox})
    plan = _sampler_plan(predictions, 3, 8)
    ours = _ours(mm.COCO(copy.deepcopy(gt)), plan, ["bbox"]).coco_eval["bbox"].evalImgs
    ref = _reference(gt, plan, "bbox").evalImgs
    assert len(ours) == len(ref)
    assert sum(r is not None for r in ref) > 100
    for a, b in zip(ours, ref, strict=True):
        assert (a is None) == (b is None)
        if a is None:
            continue
        for key in ("image_id", "category_id", "aRng", "maxDet", "gtIds", "dtScores"):
            assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), key
        for key in ("dtMatches", "gtIgnore", "dtIgnore"):  # dtMatches holds gt ids
            assert np.array_equal(a[key], b[key]), key
        assert np.array_equal(a["gtMatches"] > 0, b["gtMatches"] > 0)


def test_results_hold_what_loadres_makes_of_torchvision_dicts():
    """``coco_eval[t].cocoDt``: its dicts (made on request) are those of pycocotools'
    loadRes on torchvision's result dicts, and evaluating from them changes nothing."""
    gt, _, segm = _real()
    predictions = mask_predictions({"gt": gt, "results": segm})
    ours = _ours(mm.COCO(copy.deepcopy(gt)), [[predictions]], ["bbox", "segm"])
    for iou_type in ("bbox", "segm"):
        before = ours.coco_eval[iou_type].eval["precision"].copy()
        with contextlib.redirect_stdout(io.StringIO()):
            g = pc_coco.COCO(str(DATA / "instances_val2014_100.json"))
            expected = g.loadRes(_prepare(predictions, iou_type)).dataset["annotations"]
        got = ours.coco_eval[iou_type].cocoDt.dataset["annotations"]
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert a.keys() == b.keys()
            for key in a:
                assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), key
        ours.coco_eval[iou_type].evaluate()  # now from the dicts
        ours.coco_eval[iou_type].accumulate()
        assert np.array_equal(ours.coco_eval[iou_type].eval["precision"], before)


# -- generated sets ------------------------------------------------------------------------


@given(case=datasets(), data=st.data())
def test_random_bbox_sets_match_torchvision(case, data):
    predictions = box_predictions(case)
    plan = data.draw(plans(predictions, box_variants(predictions)))
    ours = _check(case["gt"], plan, ["bbox"])
    assert ours.img_ids == _flat(plan)


@given(case=segm_datasets(), data=st.data())
def test_random_segm_sets_match_torchvision(case, data):
    predictions = mask_predictions(case)
    plan = data.draw(plans(predictions, mask_variants(predictions)))
    _check(case["gt"], plan, ["bbox", "segm"])


@given(case=pose_cases(), data=st.data())
def test_random_keypoint_sets_match_torchvision(case, data):
    predictions = case["predictions"]
    plan = data.draw(plans(predictions, pose_variants(predictions)))
    sigmas = case["sigmas"]

    def configure(params):
        if sigmas is not None and params.iouType == "keypoints":
            params.kpt_oks_sigmas = sigmas.copy()

    _check(case["gt"], plan, ["bbox", "keypoints"], configure)


# -- behaviour -------------------------------------------------------------------------


def _small(k: int = 17) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    gt: dict[str, Any] = {
        "images": [{"id": i, "height": 40, "width": 50} for i in (3, 8, 9)],
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
        "annotations": [
            {"id": 1, "image_id": 3, "category_id": 1, "bbox": [2, 2, 10, 10], "area": 100,
             "iscrowd": 0, "segmentation": [[2, 2, 12, 2, 12, 12, 2, 12]]},
            {"id": 2, "image_id": 8, "category_id": 2, "bbox": [20, 5, 8, 9], "area": 72,
             "iscrowd": 0, "segmentation": [[20, 5, 28, 5, 28, 14, 20, 14]]},
        ],
    }  # fmt: skip
    for ann in gt["annotations"]:  # k keypoints along the box's diagonal, all visible
        x, y, w, h = ann["bbox"]
        t = np.linspace(0, 1, k)
        ann["keypoints"] = np.column_stack([x + w * t, y + h * t, np.full(k, 2)]).ravel().tolist()
        ann["num_keypoints"] = k
    masks = np.zeros((2, 1, 40, 50), np.float32)
    masks[0, 0, 2:12, 2:12] = 0.9
    masks[1, 0, 5:14, 20:28] = 0.7
    predictions = {
        3: {"boxes": np.array([[2, 2, 12, 12], [1, 1, 30, 30]], np.float32),
            "scores": np.array([0.9, 0.4], np.float32), "labels": np.array([1, 2]),
            "masks": masks},
        8: {"boxes": np.array([[20, 5, 28, 14], [0, 0, 5, 5]], np.float32),
            "scores": np.array([0.8, 0.3], np.float32), "labels": np.array([2, 2]),
            "masks": masks[::-1].copy()},
        9: {},
    }  # fmt: skip
    return gt, predictions


def test_ground_truth_as_pycocotools_coco_dict_or_path(tmp_path):
    gt, predictions = _small()
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    with contextlib.redirect_stdout(io.StringIO()):
        theirs = pc_coco.COCO(str(path))
    reference = _reference(gt, [[predictions]], "segm")
    for source in (theirs, copy.deepcopy(gt), str(path), path, mm.COCO(str(path))):
        ours = _ours(source, [[predictions]], ["segm"])
        _assert_same(ours.coco_eval["segm"], reference)


def test_updates_after_accumulate_are_evaluated_on_the_next_accumulate():
    gt, predictions = _small()
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ("bbox",))
    ev.update({3: predictions[3]})
    ev.accumulate()
    assert ev.coco_eval["bbox"].params.imgIds == [3]
    ev.update({8: predictions[8], 3: predictions[8]})  # 3 again: ignored
    ev.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    _assert_same(
        ev.coco_eval["bbox"], _reference(gt, [[{3: predictions[3]}, {8: predictions[8]}]], "bbox")
    )
    assert ev.img_ids == [3, 8, 3]


def test_no_predictions_at_all_scores_like_pycocotools():
    gt, _ = _small()
    plan: Plan = [[{3: {}, 8: {}}]]
    _check(gt, plan, ["bbox", "segm"])
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox"])
    ev.accumulate()  # no update: no image, every value -1
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    assert np.asarray(ev.coco_eval["bbox"].stats).tolist() == [-1.0] * 12


def test_summarize_prints_torchvision_header_and_pycocotools_lines(capsys):
    gt, predictions = _small()
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox", "segm"])
    ev.update(predictions)
    ev.accumulate()
    capsys.readouterr()
    ev.summarize()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "IoU metric: bbox"
    assert lines[13] == "IoU metric: segm"
    assert len(lines) == 26
    assert lines[1].startswith(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all")


def test_accumulate_prints_nothing(capsys):
    gt, predictions = _small()
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox"])
    ev.update(predictions)
    ev.synchronize_between_processes()
    ev.accumulate()
    assert capsys.readouterr().out == ""


def test_merge_keeps_the_first_occurrence_and_checks_its_argument():
    gt, predictions = _small()
    a = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox"])
    b = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox"])
    a.update({3: predictions[3]})
    b.update({3: predictions[8], 8: predictions[8]})
    a.merge(b)
    a.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        a.summarize()
    plan: Plan = [[{3: predictions[3]}], [{3: predictions[8], 8: predictions[8]}]]
    _assert_same(a.coco_eval["bbox"], _reference(gt, plan, "bbox"))
    assert a.img_ids == [3, 3, 8]
    with pytest.raises(TypeError, match="other must be a CocoEvaluator"):
        a.merge("b")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="iou_types"):
        a.merge(mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["segm"]))


def test_a_batch_is_all_or_nothing():
    gt, predictions = _small()
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox"])
    bad = {**predictions[8], "scores": np.array([0.5, np.nan], np.float32)}
    with pytest.raises(ValueError, match="scores must be finite"):
        ev.update({3: predictions[3], 8: bad})
    ev.update({8: predictions[8]})
    ev.update({3: predictions[3]})  # not held from the failed update
    assert ev.img_ids == [8, 3]
    ev.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    plan: Plan = [[{8: predictions[8]}, {3: predictions[3]}]]
    _assert_same(ev.coco_eval["bbox"], _reference(gt, plan, "bbox"))


def _with(image: int, **changes: Any) -> dict[int, dict[str, Any]]:
    _, predictions = _small()
    entry = {**predictions[image], **changes}
    for key in [k for k, v in changes.items() if v is None]:
        del entry[key]
    return {image: entry}


@pytest.mark.parametrize(
    ("iou_types", "predictions", "error", "match"),
    [
        (["bbox"], [(3, {})], TypeError, r"predictions must be a mapping"),
        (["bbox"], {"3": {}}, TypeError, r"keys must be integer image ids"),
        (["bbox"], {3.0: {}}, TypeError, r"keys must be integer image ids"),
        (["bbox"], {True: {}}, TypeError, r"keys must be integer image ids"),
        (["bbox"], {4: {}}, ValueError, r"image id 4 is not an image of coco_gt"),
        (["bbox"], {3: [1, 2]}, TypeError, r"predictions\[3\] must be a mapping"),
        (["bbox"], _with(3, scores=None), ValueError, r"predictions\[3\] has no 'scores'"),
        (["bbox"], _with(3, labels=None), ValueError, r"predictions\[3\] has no 'labels'"),
        (["bbox"], _with(3, boxes=None), ValueError, r"predictions\[3\] has no 'boxes'"),
        (["segm"], _with(3, masks=None), ValueError, r"predictions\[3\] has no 'masks'"),
        (["keypoints"], _with(3), ValueError, r"predictions\[3\] has no 'keypoints'"),
        (["bbox"], _with(3, scores=np.ones((2, 1))), ValueError,
         r"predictions\[3\]\['scores'\] must have shape \(N,\)"),
        (["bbox"], _with(3, scores=np.array(["a", "b"])), TypeError,
         r"predictions\[3\]\['scores'\] must hold numbers"),
        (["bbox"], _with(3, scores="ab"), TypeError,
         r"predictions\[3\]\['scores'\] must be a numpy array or a torch tensor"),
        (["bbox"], _with(3, labels=np.array([1])), ValueError,
         r"predictions\[3\]\['labels'\] must have shape \(2,\)"),
        (["bbox"], _with(3, labels=np.array([1.0, 2.0])), TypeError,
         r"predictions\[3\]\['labels'\] must hold integers"),
        (["bbox"], _with(3, labels=np.array([1, 5])), ValueError,
         r"predictions\[3\]: detection 1 .*label is not a category id of coco_gt"),
        (["bbox"], _with(3, boxes=np.zeros((2, 5))), ValueError,
         r"predictions\[3\]\['boxes'\] must have shape \(2, 4\)"),
        (["bbox"], _with(3, boxes=[[0, 0, 1, 1], [0, 0, 1]]), ValueError,
         r"predictions\[3\]\['boxes'\] must be a rectangular array"),
        (["bbox"], _with(3, boxes=np.array([[0, 0, 1, 1], [0, 0, 1, np.inf]])), ValueError,
         r"predictions\[3\]: detection 1 .*boxes must be finite"),
        (["bbox"], _with(3, boxes=np.array([[0, 0, 1, 1], [5, 0, 1, 1]])), ValueError,
         r"predictions\[3\]: detection 1 .*x2 >= x1"),
        (["bbox"], _with(3, scores=np.array([np.inf, 1.0])), ValueError,
         r"predictions\[3\]: detection 0 .*scores must be finite"),
        (["segm"], _with(3, masks=np.zeros((2, 2, 40, 50))), ValueError,
         r"predictions\[3\]\['masks'\] must have shape \(2, 1, height, width\)"),
        (["segm"], _with(3, masks=np.zeros((2, 1, 40, 50), complex)), TypeError,
         r"predictions\[3\]\['masks'\] must hold mask values"),
        (["keypoints"], _with(3, keypoints=np.zeros((2, 17, 2))), ValueError,
         r"predictions\[3\]\['keypoints'\] must have shape \(2, K, 3\)"),
        (["keypoints"], _with(3, keypoints=np.full((2, 17, 3), np.nan)), ValueError,
         r"predictions\[3\]: detection 0 .*keypoints must be finite"),
    ],
)  # fmt: skip
def test_bad_predictions_name_the_image_and_field(iou_types, predictions, error, match):
    gt, _ = _small()
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), iou_types)
    with pytest.raises(error, match=match):
        ev.update(predictions)
    assert ev.img_ids == []


def test_errors_name_the_detection_in_its_own_image():
    gt, predictions = _small()
    bad = {**predictions[3], "labels": np.array([1, 7])}
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox"])
    with pytest.raises(ValueError, match=r"predictions\[3\]: detection 1 \(label 7"):
        ev.update({8: predictions[8], 3: bad})  # image 3 after 8: not in id order
    huge = {**predictions[8], "scores": np.array([1e308, 1e308])}  # the sum overflows
    ev.update({8: huge})
    assert ev.img_ids == [8]


def test_bad_constructor_arguments():
    gt, _ = _small()
    coco = mm.COCO(copy.deepcopy(gt))
    with pytest.raises(TypeError, match="iou_types must be a list or tuple"):
        mm.CocoEvaluator(coco, "bbox")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown iou type 'boxes'"):
        mm.CocoEvaluator(coco, ["boxes"])
    with pytest.raises(ValueError, match="distinct iou types"):
        mm.CocoEvaluator(coco, ["bbox", "bbox"])
    with pytest.raises(ValueError, match="distinct iou types"):
        mm.CocoEvaluator(coco, [])
    with pytest.raises(TypeError, match="coco_gt must be a COCO object"):
        mm.CocoEvaluator(42, ["bbox"])


def test_keypoint_counts_must_agree():
    gt, _ = _small(k=4)
    one = {"boxes": np.zeros((1, 4)), "scores": np.ones(1), "labels": np.ones(1, np.int64)}
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["keypoints"])
    ev.update({3: {**one, "keypoints": np.ones((1, 4, 3))}})
    with pytest.raises(ValueError, match="has 5 keypoints per detection, earlier predictions 4"):
        ev.update({8: {**one, "keypoints": np.ones((1, 5, 3))}})
    with pytest.raises(ValueError, match="kpt_oks_sigmas has 17 sigmas"):
        ev.accumulate()
    other = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["keypoints"])
    other.update({8: {**one, "keypoints": np.ones((1, 5, 3))}})
    with pytest.raises(ValueError, match="cannot merge keypoints of 5 and 4"):
        ev.merge(other)
    ev.coco_eval["keypoints"].params.kpt_oks_sigmas = np.full(4, 0.05)
    ev.accumulate()


def test_summarize_before_accumulate_raises():
    gt, predictions = _small()
    ev = mm.CocoEvaluator(mm.COCO(copy.deepcopy(gt)), ["bbox"])
    ev.update(predictions)
    with pytest.raises(ValueError, match="accumulate"), contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()


def test_numpy_predictions_never_import_torch():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        from modelmetrics.coco import COCO, CocoEvaluator
        gt = COCO({"images": [{"id": 1, "height": 8, "width": 8}], "categories": [{"id": 1}],
                   "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                                    "bbox": [0, 0, 4, 4], "area": 16,
                                    "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]}]})
        ev = CocoEvaluator(gt, ["bbox", "segm"])
        ev.update({1: {"boxes": np.array([[0.0, 0, 4, 4]]), "scores": np.array([0.5]),
                       "labels": np.array([1]), "masks": np.ones((1, 1, 8, 8), np.float32)}})
        ev.synchronize_between_processes()
        ev.accumulate()
        print(sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")))
        """
    )
    env = _env()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# -- torch tensors -------------------------------------------------------------------------


def _tensors(torch: Any, predictions: dict[int, dict[str, Any]], **dtypes: Any):
    out = {}
    for image, p in predictions.items():
        out[image] = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in p.items()}
        for key, dtype in dtypes.items():
            if key in out[image]:
                out[image][key] = out[image][key].to(dtype)
    return out


def test_tensor_predictions_match_numpy_and_torchvision(torch):
    gt, _, segm = _real()
    predictions = mask_predictions({"gt": gt, "results": segm})
    tensors = _tensors(torch, predictions)
    for p in tensors.values():
        if "boxes" in p:
            p["boxes"].requires_grad_(True)  # model outputs may track gradients
    keyed = {torch.tensor(image): p for image, p in tensors.items()}  # old references
    plan = _sampler_plan(keyed, 2, 8)
    ours = _ours(mm.COCO(copy.deepcopy(gt)), plan, ["bbox", "segm"])
    reference_plan = _sampler_plan(predictions, 2, 8)
    for iou_type in ("bbox", "segm"):
        _assert_same(ours.coco_eval[iou_type], _reference(gt, reference_plan, iou_type))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64", "int32"])
def test_tensor_boxes_are_converted_in_their_dtype(torch, dtype):
    """torchvision's convert_to_xywh subtracts in the tensor's dtype; pycocotools then
    gets those values (``.tolist()``)."""
    gt, bbox, _ = _real()
    predictions = box_predictions({"gt": gt, "results": bbox})
    tensors = _tensors(torch, predictions, boxes=getattr(torch, dtype))
    results = []
    for image, p in tensors.items():
        if not len(p):
            continue
        xmin, ymin, xmax, ymax = p["boxes"].unbind(1)
        xywh = torch.stack((xmin, ymin, xmax - xmin, ymax - ymin), dim=1).tolist()
        results += [
            {"image_id": image, "category_id": c, "bbox": b, "score": s}
            for b, c, s in zip(xywh, p["labels"].tolist(), p["scores"].tolist(), strict=True)
        ]
    with contextlib.redirect_stdout(io.StringIO()):
        g = pc_coco.COCO(str(DATA / "instances_val2014_100.json"))
        ref = pc_eval.COCOeval(g, g.loadRes(results), "bbox")
        ref.params.imgIds = sorted(predictions)
        ref.evaluate()
        ref.accumulate()
        ref.summarize()
    ours = _ours(mm.COCO(copy.deepcopy(gt)), [[tensors]], ["bbox"])
    _assert_same(ours.coco_eval["bbox"], ref)


def test_tensor_keypoints_and_masks_of_other_dtypes(torch):
    gt, predictions = _small()
    for p in predictions.values():
        if p:
            p["keypoints"] = np.tile(p["boxes"][:, None, :2], (1, 17, 1))
            p["keypoints"] = np.concatenate([p["keypoints"], np.ones((2, 17, 1), np.float32)], 2)
    plan: Plan = [[predictions]]
    tensors = _tensors(torch, predictions, masks=torch.float16, keypoints=torch.float64)
    ours = _ours(mm.COCO(copy.deepcopy(gt)), [[tensors]], ["segm", "keypoints"])
    for iou_type in ("segm", "keypoints"):
        _assert_same(ours.coco_eval[iou_type], _reference(gt, plan, iou_type))


WORKER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch
    import torch.distributed as dist
    from modelmetrics.coco import COCO, CocoEvaluator

    rank, world, port, case_path, out_path = sys.argv[1:6]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}",
                            rank=int(rank), world_size=int(world))
    case = json.loads(open(case_path).read())
    ev = CocoEvaluator(COCO(case["gt"]), ["bbox"])
    for batch in case["plan"][int(rank)]:
        ev.update({int(k): {"boxes": torch.tensor(v["boxes"], dtype=torch.float32).reshape(-1, 4),
                            "scores": torch.tensor(v["scores"], dtype=torch.float32),
                            "labels": torch.tensor(v["labels"], dtype=torch.int64)} if v else {}
                   for k, v in batch.items()})
    ev.synchronize_between_processes()
    ev.accumulate()
    out = {"stats": None, "precision": ev.coco_eval["bbox"].eval["precision"].tolist(),
           "img_ids": [int(i) for i in ev.coco_eval["bbox"].params.imgIds]}
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    out["stats"] = ev.coco_eval["bbox"].stats.tolist()
    open(out_path, "w").write(json.dumps(out))
    dist.destroy_process_group()
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_synchronize_between_processes_over_torch_distributed(torch, tmp_path):
    """Two real processes (gloo): each holds every image after synchronizing, the padded
    duplicates keep rank 0's predictions, and both get torchvision's numbers."""
    gt, bbox, _ = _real()
    predictions = box_predictions({"gt": gt, "results": bbox})
    variants = box_variants(predictions)
    images = sorted(predictions)
    # DistributedSampler-like, but the padded repeats predicted differently, on rank 1.
    p0 = [(i, predictions[i]) for i in images[0::2]]
    p1 = [(i, predictions[i]) for i in images[1::2]] + [(i, variants[i]) for i in images[:6]]
    plan = [_batched(p0, 8), _batched(p1, 8)]
    as_lists = [
        [{str(k): {n: a.tolist() for n, a in v.items()} for k, v in batch.items()} for batch in b]
        for b in plan
    ]
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"gt": gt, "plan": as_lists}))
    port = _free_port()
    env = _env()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(r), "2", str(port), str(case),
             str(tmp_path / f"{r}.json")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for r in range(2)
    ]  # fmt: skip
    try:
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
    finally:
        for p in procs:  # a failed rank leaves the other waiting in a collective
            if p.poll() is None:
                p.kill()
                p.communicate()
    reference = _reference(gt, plan, "bbox")
    for r in range(2):
        got = json.loads((tmp_path / f"{r}.json").read_text())
        assert got["img_ids"] == [int(i) for i in reference.params.imgIds]
        assert got["precision"] == reference.eval["precision"].tolist()
        assert got["stats"] == reference.stats.tolist()
