"""modelmetrics.analysis.tide against tidecv 1.0.1: the same numbers (``==``) and counts.

tidecv is the reference (``pip install tidecv``); the parity tests skip without it. Its
numbers are reproduced exactly, ties of score and the order of its sums included, so
the comparisons are ``==``, well inside the 0.01 AP points the issue asks for.
"""

from __future__ import annotations

import contextlib
import copy
import doctest
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _coco_cases import datasets, segm_datasets
from hypothesis import event, given, settings
from hypothesis import strategies as st

import modelmetrics._analysis.tide as tide_module
from modelmetrics import num_threads
from modelmetrics.analysis import TideErrors, tide
from modelmetrics.coco import COCO, COCOeval

# pycocotools' uncompressed-RLE path (inside tidecv) warns under numpy 2: not our code.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

DATA = Path(__file__).resolve().parents[1] / "data" / "coco-val2014-100"
GT_FILE = DATA / "instances_val2014_100.json"
RESULTS = {
    "bbox": DATA / "instances_val2014_fakebbox100_results.json",
    "segm": DATA / "instances_val2014_fakesegm100_results.json",
}
MAIN = ("Cls", "Loc", "Both", "Dupe", "Bkg", "Miss")
SPECIAL = ("FalsePos", "FalseNeg")


def _tidecv_files(iou_type: str) -> dict[str, Any]:
    """tidecv on the fixture files, through its own COCO loaders."""
    tidecv = pytest.importorskip("tidecv")
    mode = tidecv.TIDE.MASK if iou_type == "segm" else tidecv.TIDE.BOX
    run_tide = tidecv.TIDE(mode=mode)
    run = run_tide.evaluate(
        tidecv.datasets.COCO(str(GT_FILE)),
        tidecv.datasets.COCOResult(str(RESULTS[iou_type])),
        name="run",
    )
    return {
        "ap": run.ap,
        "main": run_tide.get_main_errors()["run"],
        "special": run_tide.get_special_errors()["run"],
        "counts": {error.short_name: n for error, n in run.count_errors().items()},
    }


def _assert_same(ours: TideErrors, ref: dict[str, Any]) -> None:
    """Every number within 0.01 points of tidecv's (the issue), and in fact equal."""
    pairs = [("ap", ours.ap, ref["ap"])]
    pairs += [(k, ours.main_errors[k], ref["main"][k]) for k in MAIN]
    pairs += [(k, ours.special_errors[k], ref["special"][k]) for k in SPECIAL]
    for name, a, b in pairs:
        assert abs(a - b) <= 0.01, (name, a, b)
    assert [a for _, a, _ in pairs] == [b for _, _, b in pairs], pairs
    assert ours.counts == ref["counts"]


# ------------------------------------------------------------------ real data


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_real_coco_val2014_100_images_match_tidecv(iou_type: str) -> None:
    ours = tide(str(GT_FILE), str(RESULTS[iou_type]), iou_type)
    _assert_same(ours, _tidecv_files(iou_type))


def test_real_bbox_numbers() -> None:
    """The issue's figure (tidecv's Cls dAP 22.2 on this subset; hotcoco says 16.8)."""
    ours = tide(str(GT_FILE), str(RESULTS["bbox"]))
    assert round(ours.main_errors["Cls"], 1) == 22.2
    assert round(ours.ap, 2) == 64.20
    assert ours.counts == {"Cls": 83, "Loc": 1, "Both": 0, "Dupe": 1, "Bkg": 0, "Miss": 97}


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_every_input_form_gives_the_same_result(iou_type: str) -> None:
    expected = tide(str(GT_FILE), str(RESULTS[iou_type]), iou_type)
    gt = COCO(str(GT_FILE))
    dt = gt.loadRes(str(RESULTS[iou_type]))
    assert tide(gt, dt, iou_type) == expected
    # loadRes completes the result dicts in place (as pycocotools does): fresh ones.
    results = json.loads(RESULTS[iou_type].read_text())
    assert tide(json.loads(GT_FILE.read_text()), results, iou_type) == expected
    results = json.loads(RESULTS[iou_type].read_text())
    assert tide(COCOeval(gt, dt, iou_type)) == expected
    assert tide(COCOeval(gt, dt, iou_type), iou_type=iou_type) == expected
    pc_coco = pytest.importorskip("pycocotools.coco")
    pc_gt = pc_coco.COCO()
    pc_gt.dataset = json.loads(GT_FILE.read_text())
    pc_gt.createIndex()
    assert tide(pc_gt, results, iou_type) == expected
    pc_eval = pytest.importorskip("pycocotools.cocoeval")
    with contextlib.redirect_stdout(io.StringIO()):
        pc_dt = pc_gt.loadRes(str(RESULTS[iou_type]))
    assert tide(pc_eval.COCOeval(pc_gt, pc_dt, iou_type)) == expected


def _per_image(gt: dict[str, Any], results: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The COCO data as the native per-image arrays (xyxy boxes), in the file's order."""
    truths, preds = [], []
    for img in gt["images"]:
        anns = [a for a in gt["annotations"] if a["image_id"] == img["id"]]
        dets = [d for d in results if d["image_id"] == img["id"]]
        boxes = np.array([a["bbox"] for a in anns], np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        truths.append({
            "image_id": img["id"], "boxes": boxes,
            "labels": np.array([a["category_id"] for a in anns], np.int64),
            "iscrowd": np.array([a["iscrowd"] for a in anns], np.int64),
        })  # fmt: skip
        boxes = np.array([d["bbox"] for d in dets], np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        preds.append({
            "image_id": img["id"], "boxes": boxes,
            "labels": np.array([d["category_id"] for d in dets], np.int64),
            "scores": np.array([d["score"] for d in dets], np.float64),
        })  # fmt: skip
    return truths, preds


def test_per_image_arrays_give_the_coco_result() -> None:
    gt = json.loads(GT_FILE.read_text())
    results = json.loads(RESULTS["bbox"].read_text())
    truths, preds = _per_image(gt, results)
    ours = tide(truths, preds, box_format="xyxy")
    expected = tide(gt, results)
    # xyxy -> xywh rounds some boxes by an ulp: equal up to that.
    assert ours.ap == pytest.approx(expected.ap)
    assert ours.main_errors == pytest.approx(expected.main_errors)
    assert ours.special_errors == pytest.approx(expected.special_errors)
    assert ours.counts == expected.counts


def test_thread_count_does_not_change_the_result() -> None:
    with num_threads(1):
        one = tide(str(GT_FILE), str(RESULTS["segm"]), "segm")
    with num_threads(3):
        three = tide(str(GT_FILE), str(RESULTS["segm"]), "segm")
    assert one == three


# ------------------------------------------------------------- generated data


def _reference(case: dict[str, Any], iou_type: str, **options: Any) -> dict[str, Any] | None:
    from _tide_reference import tidecv_errors

    try:
        return tidecv_errors(copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]),
                             iou_type, **options)  # fmt: skip
    except ZeroDivisionError:
        # tidecv's mean over no class: a fixed AP with nothing left (ours counts it 0).
        event("tidecv divides by zero")
        return None


def _ours(case: dict[str, Any], iou_type: str, **options: Any) -> TideErrors | None:
    gt = COCO(copy.deepcopy(case["gt"]))
    results = copy.deepcopy(case["results"])
    if not results or all(a["iscrowd"] for a in case["gt"]["annotations"]):
        # No detection, or no non-crowd ground truth: tidecv cannot score these either.
        with pytest.raises(ValueError, match=r"cocoDt has no detection|cocoGt has no non-crowd"):
            tide(gt, results, iou_type, **options)
        event("rejected: nothing to evaluate")
        return None
    return tide(gt, results, iou_type, **options)


@settings(max_examples=60)
@given(
    case=datasets(max_images=6, max_per_group=5),
    pos=st.sampled_from([0.5, 0.5, 0.3, 0.75]),
    bg=st.sampled_from([0.1, 0.1, 0.0, 0.3]),
    max_det=st.sampled_from([100, 100, 1, 3]),
)
def test_random_datasets_match_tidecv(
    case: dict[str, Any], pos: float, bg: float, max_det: int
) -> None:
    pytest.importorskip("tidecv")
    options = {"pos_threshold": pos, "background_threshold": bg}
    ours = _ours(case, "bbox", max_detections=max_det, **options)
    if ours is None:
        return
    ref = _reference(case, "bbox", max_detections=max_det, **options)
    if ref is not None:
        _assert_same(ours, ref)


@settings(max_examples=25)
@given(case=segm_datasets())
def test_random_segm_datasets_match_tidecv(case: dict[str, Any]) -> None:
    pytest.importorskip("tidecv")
    ours = _ours(case, "segm")
    if ours is None:
        return
    ref = _reference(case, "segm")
    if ref is not None:
        _assert_same(ours, ref)


# ------------------------------------------------------------ a hand-made case

# One image, three classes of truths and detections placed so that each error type
# happens once (IoUs by hand: 10 x 10 boxes, shifted by s along x: (10 - s) / (10 + s)).
_TRUTHS = [  # class, box
    (1, [0, 0, 10, 10]),  # G1: found by D1
    (1, [100, 100, 10, 10]),  # G2: D3 localizes it badly (IoU 6/14 = 0.43)
    (2, [200, 0, 10, 10]),  # G3: D4 finds it with the wrong class
    (1, [300, 300, 10, 10]),  # G4: nothing near it: missed
]
_DETECTIONS = [  # class, box, score
    (1, [0, 0, 10, 10], 0.9),  # D1: true positive (G1)
    (1, [0, 0, 10, 10], 0.8),  # D2: Dupe (G1 is taken)
    (1, [104, 100, 10, 10], 0.7),  # D3: Loc (same-class IoU 0.43 in [0.1, 0.5])
    (1, [200, 0, 10, 10], 0.6),  # D4: Cls (IoU 1 with G3, of class 2)
    (1, [500, 500, 10, 10], 0.5),  # D5: Bkg (no overlap)
    (2, [105, 100, 10, 10], 0.4),  # D6: Both (IoU 1/3 with G2, of class 1; 0 with G3)
]


def _hand_case() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    gt = {
        "images": [{"id": 7, "width": 640, "height": 480}],
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
        "annotations": [
            {"id": i + 1, "image_id": 7, "category_id": c, "bbox": b, "area": 100.0,
             "iscrowd": 0}
            for i, (c, b) in enumerate(_TRUTHS)
        ],
    }  # fmt: skip
    results = [{"image_id": 7, "category_id": c, "bbox": b, "score": s} for c, b, s in _DETECTIONS]
    return gt, results


def test_each_error_type_once_by_hand() -> None:
    gt, results = _hand_case()
    ours = tide(gt, results)
    assert ours.counts == dict.fromkeys(MAIN, 1)

    def ap(hits: list[float]) -> float:  # tidecv's AP of 101 recall points
        return sum(hits) / 101 * 100

    # Class 1: 3 truths, D1 (TP) then four false positives: precision 1 up to recall
    # 1/3, i.e. 34 of the 101 points (x = 0 .. 0.33). Class 2: only D6, a false positive.
    base = (ap([1.0] * 34) + 0.0) / 2
    assert math.isclose(ours.ap, base)
    expected = {
        # D4 becomes class 2's true positive: class 2's AP is 100.
        "Cls": (ap([1.0] * 34) + 100.0) / 2 - base,
        # D3 becomes a TP: precision 1 to recall 1/3, then 2/3 up to recall 2/3.
        "Loc": (ap([1.0] * 34 + [2 / 3] * 33) + 0.0) / 2 - base,
        "Both": 0.0,  # D6 gone: class 2 still has a truth and AP 0
        "Dupe": 0.0,  # D2 gone: it ranked after the only TP of class 1
        "Bkg": 0.0,  # D5 gone: the same
        "Miss": (ap([1.0] * 51) + 0.0) / 2 - base,  # G4 out: recall 1/2, 51 points
    }
    for name, value in expected.items():
        assert math.isclose(ours.main_errors[name], value, abs_tol=1e-12), name
    assert math.isclose(ours.special_errors["FalsePos"], 0.0, abs_tol=1e-12)
    # FalseNeg: class 1 counts its one TP only (AP 100), class 2 none (AP 0).
    assert math.isclose(ours.special_errors["FalseNeg"], (100.0 + 0.0) / 2 - base)
    pytest.importorskip("tidecv")
    from _tide_reference import tidecv_errors

    _assert_same(ours, tidecv_errors(gt, results))


def test_detections_on_crowd_regions_are_ignored_but_classified() -> None:
    gt, results = _hand_case()
    gt["annotations"].append(
        {"id": 99, "image_id": 7, "category_id": 2, "bbox": [400, 400, 40, 40],
         "area": 1600.0, "iscrowd": 1}
    )  # fmt: skip
    # Crowd IoU (intersection over the detection) 1 with a crowd region of its class.
    inside = {"image_id": 7, "category_id": 2, "bbox": [405, 405, 10, 10], "score": 0.95}
    ours = tide(gt, [*results, inside])
    plain = tide(*_hand_case())
    assert ours.ap == plain.ap  # not in the AP...
    assert ours.counts["Bkg"] == plain.counts["Bkg"] + 1  # ...but a background error
    # Another class's crowd region hides nothing: class 1's first point is now false.
    other = dict(inside, category_id=1)
    assert tide(gt, [*results, other]).ap < plain.ap


def test_result_as_dict_is_json() -> None:
    ours = tide(*_hand_case())
    out = ours.as_dict()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert set(out["main-errors"]) == set(MAIN)
    assert set(out["special-errors"]) == set(SPECIAL)
    assert out["counts"] == ours.counts
    assert out["iou-type"] == "bbox"


def test_examples() -> None:
    failures, tried = doctest.testmod(tide_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0
    assert failures == 0


# ------------------------------------------------------------------ bad input


def _valid() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    gt = [{"boxes": [[0, 0, 10, 10]], "labels": [1]}]
    dt = [{"boxes": [[0, 0, 10, 10]], "scores": [0.5], "labels": [1]}]
    return gt, dt


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"iou_type": "keypoints"}, "iou_type"),
        ({"iou_type": "box"}, "iou_type"),
        ({"pos_threshold": 0.0}, "pos_threshold"),
        ({"pos_threshold": 1.5}, "pos_threshold"),
        ({"pos_threshold": float("nan")}, "pos_threshold"),
        ({"background_threshold": -0.1}, "background_threshold"),
        ({"background_threshold": "0.1"}, "background_threshold"),
        ({"max_detections": 0}, "max_detections"),
        ({"max_detections": 2.0}, "max_detections"),
        ({"box_format": "cxcywh"}, "box_format"),
    ],
)
def test_bad_settings_name_the_argument(options: dict[str, Any], name: str) -> None:
    gt, dt = _valid()
    with pytest.raises((ValueError, TypeError), match=name):
        tide(gt, dt, **options)


def test_empty_and_missing_inputs_name_the_argument() -> None:
    gt, dt = _valid()
    with pytest.raises(ValueError, match="cocoGt"):
        tide([], dt)
    with pytest.raises(TypeError, match="cocoDt"):
        tide(gt)
    with pytest.raises(ValueError, match="cocoDt"):
        tide(gt, [{"boxes": np.zeros((0, 4)), "scores": [], "labels": []}])
    crowd_only = [{"boxes": [[0, 0, 10, 10]], "labels": [1], "iscrowd": [1]}]
    with pytest.raises(ValueError, match="cocoGt"):
        tide(crowd_only, dt)
    coco_gt, results = _hand_case()
    with pytest.raises(ValueError, match="cocoDt"):
        tide(coco_gt, [])
    with pytest.raises(TypeError, match="cocoGt"):
        tide(42, results)


def test_non_finite_scores_are_refused() -> None:
    gt, dt = _valid()
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="scores"):
            tide(gt, [dict(dt[0], scores=[bad])])
    coco_gt, results = _hand_case()
    results[0]["score"] = float("nan")
    with pytest.raises(ValueError, match="score"):
        tide(coco_gt, results)


def test_cocoeval_inputs_are_checked() -> None:
    coco_gt, results = _hand_case()
    gt = COCO(coco_gt)
    ev = COCOeval(gt, gt.loadRes(results), "bbox")
    with pytest.raises(TypeError, match="cocoDt"):
        tide(ev, results)
    with pytest.raises(ValueError, match="iou_type"):
        tide(ev, iou_type="segm")
    with pytest.raises(ValueError, match="iouType"):
        tide(COCOeval(gt, gt.loadRes(results), "keypoints"))


def test_kernel_refuses_inconsistent_offsets() -> None:
    from modelmetrics import _kernels

    i64, f64 = np.zeros(0, np.int64), np.zeros(0)

    def call(det_start: Any, n_det: int, block_start: Any, boxes: bool = False) -> None:
        _kernels.tide_classify(
            np.asarray(det_start, np.int64), np.zeros(n_det, np.int64),
            np.array([0, 1], np.int64), np.zeros(1, np.int64),
            np.array([0, 0], np.int64), i64, -1, boxes,
            np.zeros(4 * n_det), np.zeros(4), f64, np.zeros(1),
            np.asarray(block_start, np.int64), f64, np.zeros(1, np.int64), 0.5, 0.1, 0, 1,
            np.zeros(n_det, np.int64), np.zeros(n_det, np.uint8), np.zeros(n_det, np.uint8),
            np.zeros(n_det, np.int64), np.zeros(1, np.uint8),
        )  # fmt: skip

    call([0, 1], 1, [0])  # consistent: one detection, one truth, one IoU
    with pytest.raises(ValueError, match="det_start"):
        call([0, 2], 1, [0])
    with pytest.raises(ValueError, match="iou"):
        call([0, 1], 1, [1])
    with pytest.raises(ValueError, match="box"):
        _kernels.tide_classify(
            np.array([0, 1], np.int64), np.zeros(1, np.int64), np.array([0, 1], np.int64),
            np.zeros(1, np.int64), np.array([0, 0], np.int64), i64, -1, True, np.zeros(3),
            np.zeros(4), f64, f64, i64, f64, i64, 0.5, 0.1, 0, 1, np.zeros(1, np.int64),
            np.zeros(1, np.uint8), np.zeros(1, np.uint8), np.zeros(1, np.int64),
            np.zeros(1, np.uint8),
        )  # fmt: skip


def test_per_image_masks_give_the_coco_result() -> None:
    from modelmetrics import mask

    rng = np.random.default_rng(0)
    h, w = 24, 32
    truths, preds, anns, results = [], [], [], []
    for image in range(3):
        gt_masks = np.zeros((3, h, w), bool)
        for k in range(3):
            y, x = rng.integers(0, h - 6), rng.integers(0, w - 6)
            gt_masks[k, y : y + 6, x : x + 6] = True
        dt_masks = np.roll(gt_masks, rng.integers(-2, 3), axis=2) | (rng.random((3, h, w)) < 0.05)
        gt_labels, dt_labels = [1, 2, 1], [1, 1, 2]
        scores = rng.random(3).round(2)
        truths.append({"image_id": image, "masks": gt_masks, "labels": gt_labels})
        preds.append({"image_id": image, "masks": dt_masks, "labels": dt_labels, "scores": scores})
        for k in range(3):
            rle = mask.encode(np.asfortranarray(gt_masks[k].astype(np.uint8)))
            rle["counts"] = rle["counts"].decode()
            anns.append({"id": len(anns) + 1, "image_id": image, "category_id": gt_labels[k],
                         "segmentation": rle, "area": float(gt_masks[k].sum()),
                         "bbox": [0.0, 0.0, 1.0, 1.0], "iscrowd": 0})  # fmt: skip
            rle = mask.encode(np.asfortranarray(dt_masks[k].astype(np.uint8)))
            rle["counts"] = rle["counts"].decode()
            results.append({"image_id": image, "category_id": dt_labels[k],
                            "segmentation": rle, "score": float(scores[k])})  # fmt: skip
    gt = {
        "images": [{"id": i, "height": h, "width": w} for i in range(3)],
        "annotations": anns,
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
    }
    assert tide(truths, preds, "segm") == tide(gt, results, "segm")
