"""Detections handed to COCOeval as a plain dataset, the way torchmetrics'
``MeanAveragePrecision(backend="pycocotools")`` builds them (``COCO()``, ``dataset =
{...}``, ``createIndex()``: scores in the annotations, no ``loadRes``; segm annotations
without a ``bbox``): results ``==`` pycocotools' built the same way."""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np
import pytest
from _coco_cases import assert_same_eval, datasets, segm_datasets
from hypothesis import given, settings

import modelmetrics.coco as mm

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")


def _as_dataset(case: dict[str, Any], iou_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ground truth and detections as two datasets, detections numbered from 1."""
    gt = copy.deepcopy(case["gt"])
    preds = []
    for i, res in enumerate(copy.deepcopy(case["results"])):
        ann = {**res, "id": i + 1, "iscrowd": 0}
        if iou_type == "segm":
            ann.pop("bbox", None)  # torchmetrics' segm annotations carry no box
            ann["area"] = float(np.sum(res["segmentation"]["size"]))  # any number
        else:
            ann["area"] = res["bbox"][2] * res["bbox"][3]
        preds.append(ann)
    if iou_type == "segm":
        for ann in gt["annotations"]:
            ann.pop("bbox", None)
    dt = {"images": gt["images"], "annotations": preds, "categories": gt["categories"]}
    return gt, dt


def _run(coco_mod: Any, eval_mod: Any, gt: dict[str, Any], dt: dict[str, Any], iou: str) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        target, predictions = coco_mod.COCO(), coco_mod.COCO()
        target.dataset, predictions.dataset = copy.deepcopy(gt), copy.deepcopy(dt)
        target.createIndex()
        predictions.createIndex()
        ev = eval_mod.COCOeval(target, predictions, iou)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


@settings(max_examples=30, deadline=None)
@given(case=datasets())
def test_bbox_detections_as_a_dataset(case: dict[str, Any]) -> None:
    gt, dt = _as_dataset(case, "bbox")
    assert_same_eval(_run(mm, mm, gt, dt, "bbox"), _run(pc_coco, pc_eval, gt, dt, "bbox"))


@settings(max_examples=25, deadline=None)
@given(case=segm_datasets())
def test_segm_detections_as_a_dataset_without_boxes(case: dict[str, Any]) -> None:
    gt, dt = _as_dataset(case, "segm")
    assert_same_eval(_run(mm, mm, gt, dt, "segm"), _run(pc_coco, pc_eval, gt, dt, "segm"))


def test_a_box_evaluation_names_the_annotation_without_a_box() -> None:
    case = {
        "gt": {"images": [{"id": 1, "height": 4, "width": 4}],
               "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "area": 4.0,
                                "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}],
               "categories": [{"id": 1}]},
        "results": [{"image_id": 1, "category_id": 1, "score": 0.5,
                     "segmentation": {"size": [4, 4], "counts": "02208"}}],
    }  # fmt: skip
    gt, dt = _as_dataset(case, "segm")
    with pytest.raises(ValueError, match="annotation 0: field 'bbox' is missing"):
        _run(mm, mm, gt, dt, "bbox")
    missing_score = copy.deepcopy(dt)
    missing_score["annotations"].append({**dt["annotations"][0], "id": 2})
    del missing_score["annotations"][1]["score"]
    with pytest.raises(ValueError, match="annotation 1: field 'score'"):
        _run(mm, mm, gt, missing_score, "segm")


def test_scores_in_a_ground_truth_file_are_read_as_from_its_dicts(tmp_path: Any) -> None:
    """A file whose annotations carry scores is read through its dicts: usable as
    detections (== the dict path), and as ground truth even with null scores."""
    import json

    box = {"image_id": 1, "category_id": 1, "area": 25.0, "iscrowd": 0}
    doc = {
        "images": [{"id": 1}],
        "categories": [{"id": 1}],
        "annotations": [
            {**box, "id": 1, "bbox": [0, 0, 5, 5], "score": 0.7},
            {**box, "id": 2, "bbox": [20, 20, 5, 5], "score": 0.9},
        ],
    }
    path = tmp_path / "scored.json"
    path.write_text(json.dumps(doc))
    gt = {**doc, "annotations": [{k: v for k, v in a.items() if k != "score"}
                                 for a in doc["annotations"][:1]]}  # fmt: skip
    from_file = mm.COCOeval(mm.COCO(gt), mm.COCO(str(path)), "bbox")
    from_dict = mm.COCOeval(mm.COCO(gt), mm.COCO(copy.deepcopy(doc)), "bbox")
    for ev in (from_file, from_dict):
        with contextlib.redirect_stdout(io.StringIO()):
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
    assert np.array_equal(from_file.stats, from_dict.stats)
    assert from_file.stats[1] == 0.5  # the 0.9 false positive ranks first
    doc["annotations"][0]["score"] = None
    path.write_text(json.dumps(doc))
    as_gt = mm.COCO(str(path))
    dt = as_gt.loadRes([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 1.0}])
    ev = mm.COCOeval(as_gt, dt, "bbox")
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    with contextlib.redirect_stdout(io.StringIO()):
        ref_gt = pc_coco.COCO(str(path))
        ref = pc_eval.COCOeval(ref_gt, ref_gt.loadRes([dict(dt.anns[1])]), "bbox")
        ref.evaluate()
        ref.accumulate()
        ref.summarize()
    assert np.array_equal(ev.stats, ref.stats)  # both boxes are ground truth
    with pytest.raises(ValueError, match="annotation 0: field 'score' must be a number"):
        mm.COCOeval(as_gt, mm.COCO(str(path)), "bbox").evaluate()
