"""modelmetrics.analysis per-image diagnostics against pycocotools and plain references.

Detection counts and matched pairs are read off pycocotools' ``evalImgs`` (``dtMatches``,
``gtMatches``, ``dtIgnore``, ``gtIgnore`` at the threshold, area "all", the largest
maxDets), with the pairs' IoUs from ``pycocotools.mask.iou``: all ``==``. The AP
contributions are checked against pycocotools run again without each image (within
1e-12: the means are summed in another order). Classification and regression rankings
are checked against sorting in plain numpy.
"""

from __future__ import annotations

import contextlib
import copy
import doctest
import io
import json
import math
from typing import Any

import numpy as np
import pytest
from _coco_cases import datasets, segm_datasets
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import modelmetrics._analysis.per_image as per_image_module
from modelmetrics import num_threads
from modelmetrics.analysis import (
    ImageDiagnostics,
    confident_mistakes,
    image_diagnostics,
    largest_residuals,
)
from modelmetrics.coco import COCO, COCOeval
from modelmetrics.detection import evaluate_detections

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")
pc_mask = pytest.importorskip("pycocotools.mask")

# pycocotools' uncompressed-RLE path warns under numpy 2: not our code.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

COCO_THRESHOLDS = np.linspace(0.5, 0.95, 10)


def _pycocotools(
    case: dict[str, Any],
    iou_type: str = "bbox",
    *,
    iou_thrs: Any = None,
    max_det: int = 100,
    img_ids: list[Any] | None = None,
) -> Any:
    """pycocotools' evaluated (and accumulated) COCOeval of `case`, or None without
    detections (its loadRes refuses an empty list)."""
    if not case["results"]:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        gt = pc_coco.COCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        dt = gt.loadRes(copy.deepcopy(case["results"]))
        ev = pc_eval.COCOeval(gt, dt, iou_type)
        if iou_thrs is not None:
            ev.params.iouThrs = np.asarray(iou_thrs, np.float64)
        ev.params.maxDets = [max_det]
        if img_ids is not None:
            ev.params.imgIds = img_ids
        ev.evaluate()
        ev.accumulate()
    return ev


def _reference(
    ev: Any, t: int, score_threshold: float | None, iou_type: str
) -> tuple[dict[Any, list[int]], list[tuple[Any, ...]]]:
    """Per image [tp, fp, fn] and the true-positive pairs (image, dt id, gt id,
    category, iou, score), from pycocotools' evalImgs at threshold index `t`."""
    p = ev.params
    counts: dict[Any, list[int]] = {i: [0, 0, 0] for i in p.imgIds}
    pairs: list[tuple[Any, ...]] = []
    gt_coco, dt_coco = ev.cocoGt, ev.cocoDt
    for e in ev.evalImgs:
        if e is None or e["aRng"] != p.areaRng[0]:
            continue
        img, cat = e["image_id"], e["category_id"]
        counted = [score_threshold is None or s >= score_threshold for s in e["dtScores"]]
        counted_ids = {d for d, c in zip(e["dtIds"], counted, strict=True) if c}
        for d, m, ig, c, s in zip(
            e["dtIds"], e["dtMatches"][t], e["dtIgnore"][t], counted, e["dtScores"], strict=True
        ):
            if not c or ig:
                continue
            if m > 0:
                counts[img][0] += 1
                dt_ann, gt_ann = dt_coco.anns[d], gt_coco.anns[int(m)]
                if iou_type == "segm":
                    a, b = dt_coco.annToRLE(dt_ann), gt_coco.annToRLE(gt_ann)
                else:
                    a, b = dt_ann["bbox"], gt_ann["bbox"]
                iou = float(pc_mask.iou([a], [b], [int(gt_ann.get("iscrowd", 0))])[0, 0])
                pairs.append((img, d, int(m), cat, iou, float(s)))
            else:
                counts[img][1] += 1
        for m, ig in zip(e["gtMatches"][t], e["gtIgnore"], strict=True):
            if not ig and (m == 0 or m not in counted_ids):
                counts[img][2] += 1
    # Ours: by image, then category, then score order (the record's order).
    order = {img: k for k, img in enumerate(sorted(p.imgIds))}
    pairs.sort(key=lambda r: (order[r[0]], r[3]))
    return counts, pairs


def _assert_counts_and_pairs(ours: ImageDiagnostics, ev: Any, t: int, score: float | None) -> None:
    counts, pairs = _reference(ev, t, score, ours.iou_type)
    ids = sorted(counts)
    assert ours.image_id.tolist() == ids
    assert ours.tp.tolist() == [counts[i][0] for i in ids]
    assert ours.fp.tolist() == [counts[i][1] for i in ids]
    assert ours.fn.tolist() == [counts[i][2] for i in ids]
    m = ours.matches
    got = list(
        zip(
            m.image_id.tolist(), m.dt_id.tolist(), m.gt_id.tolist(), m.category_id.tolist(),
            m.iou.tolist(), m.score.tolist(), strict=True,
        )
    )  # fmt: skip
    assert got == pairs


def _map_of(ev: Any) -> float:
    """pycocotools' mean precision at area "all" and the last maxDets (stats[0]'s)."""
    if ev is None:
        return math.nan
    s = ev.eval["precision"][:, :, :, 0, -1]
    return float(np.mean(s[s > -1])) if np.any(s > -1) else math.nan


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12


# ------------------------------------------------------------------ detection parity


@settings(max_examples=60, deadline=None)
@given(
    case=datasets(),
    iou=st.sampled_from([0.5, 0.75, 0.95, 0.3, 0.62]),
    max_det=st.sampled_from([100, 1, 2]),
    score=st.sampled_from([None, 0.5]),
)
def test_bbox_counts_and_pairs_match_pycocotools(
    case: dict[str, Any], iou: float, max_det: int, score: float | None
) -> None:
    ours = image_diagnostics(
        copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]),
        iou_threshold=iou, max_detections=max_det, score_threshold=score,
    )  # fmt: skip
    thresholds = COCO_THRESHOLDS if np.any(iou == COCO_THRESHOLDS) else [*COCO_THRESHOLDS, iou]
    ev = _pycocotools(case, iou_thrs=thresholds, max_det=max_det)
    if ev is None:
        assert ours.tp.sum() == ours.fp.sum() == 0
        return
    t = int(np.flatnonzero(np.asarray(thresholds) == iou)[0])
    _assert_counts_and_pairs(ours, ev, t, score)
    assert ours.iou_threshold == iou
    assert ours.max_detections == max_det
    assert ours.tp.tolist() == [len(ours.pairs(i)) for i in ours.image_id.tolist()]


@settings(max_examples=25, deadline=None)
@given(case=segm_datasets(), iou=st.sampled_from([0.5, 0.75]), score=st.sampled_from([None, 0.5]))
def test_segm_counts_and_pairs_match_pycocotools(
    case: dict[str, Any], iou: float, score: float | None
) -> None:
    ev = _pycocotools(case, "segm")
    ours = image_diagnostics(
        copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]), "segm",
        iou_threshold=iou, score_threshold=score,
    )  # fmt: skip
    if ev is None:
        return
    t = int(np.flatnonzero(iou == COCO_THRESHOLDS)[0])
    _assert_counts_and_pairs(ours, ev, t, score)


@settings(max_examples=30, deadline=None)
@given(case=datasets(max_images=4, max_per_group=3), max_det=st.sampled_from([100, 2]))
def test_ap_contribution_is_leave_one_out_pycocotools(case: dict[str, Any], max_det: int) -> None:
    """map - map without the image, pycocotools run again without it (brute force)."""
    assume(case["results"])  # pycocotools' loadRes fails on an empty list
    ours = image_diagnostics(
        copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]), max_detections=max_det
    )
    full = _map_of(_pycocotools(case, max_det=max_det))
    assert _close(ours.map, full)
    ids = ours.image_id.tolist()
    for j, image in enumerate(ids):
        rest = [i for i in ids if i != image]
        without = _map_of(_pycocotools(case, max_det=max_det, img_ids=rest)) if rest else math.nan
        assert _close(float(ours.ap_contribution[j]), full - without), (image, full, without)


@settings(max_examples=8, deadline=None)
@given(case=segm_datasets(max_images=3))
def test_segm_ap_contribution_is_leave_one_out_pycocotools(case: dict[str, Any]) -> None:
    assume(case["results"])  # pycocotools' loadRes fails on an empty list
    ours = image_diagnostics(copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]), "segm")
    full = _map_of(_pycocotools(case, "segm"))
    assert _close(ours.map, full)
    ids = ours.image_id.tolist()
    for j, image in enumerate(ids):
        rest = [i for i in ids if i != image]
        without = _map_of(_pycocotools(case, "segm", img_ids=rest)) if rest else math.nan
        assert _close(float(ours.ap_contribution[j]), full - without)


def test_map_is_the_native_apis_map() -> None:
    case = _hand_case()
    ours = image_diagnostics(case["gt"], copy.deepcopy(case["results"]))
    native = evaluate_detections(case["gt"], copy.deepcopy(case["results"]))
    assert abs(ours.map - native.map) <= 1e-12


# ------------------------------------------------------------------ inputs


def _hand_case() -> dict[str, Any]:
    """Three images: a hit and a miss, a false positive on a crowd-free image, and a
    detection on a crowd region (neither a false positive nor a true positive)."""
    gt = {
        "images": [{"id": i, "width": 100, "height": 100} for i in (3, 7, 9, 12)],
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
        "annotations": [
            {"id": 1, "image_id": 3, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
             "iscrowd": 0},
            {"id": 2, "image_id": 3, "category_id": 1, "bbox": [50, 50, 10, 10], "area": 100,
             "iscrowd": 0},
            {"id": 3, "image_id": 7, "category_id": 2, "bbox": [0, 0, 10, 10], "area": 100,
             "iscrowd": 0},
            {"id": 4, "image_id": 9, "category_id": 2, "bbox": [0, 0, 30, 30], "area": 900,
             "iscrowd": 1},
        ],
    }  # fmt: skip
    results = [
        {"image_id": 3, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
        {"image_id": 3, "category_id": 1, "bbox": [1, 0, 10, 10], "score": 0.3},
        {"image_id": 7, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.8},
        {"image_id": 9, "category_id": 2, "bbox": [0, 0, 10, 10], "score": 0.7},
    ]
    return {"gt": gt, "results": results}


def test_hand_case_rows_and_conventions() -> None:
    case = _hand_case()
    d = image_diagnostics(case["gt"], copy.deepcopy(case["results"]))
    assert len(d) == 4
    assert d.image_id.tolist() == [3, 7, 9, 12]
    assert d.tp.tolist() == [1, 0, 0, 0]
    assert d.fp.tolist() == [1, 1, 0, 0]
    assert d.fn.tolist() == [1, 1, 0, 0]
    assert d.precision[:2].tolist() == [0.5, 0.0]
    assert np.isnan(d.precision[2:]).all()
    assert d.recall[:2].tolist() == [0.5, 0.0]
    assert np.isnan(d.recall[2:]).all()
    assert d.f1.tolist() == [0.5, 0.0, 1.0, 1.0]  # nothing to find, nothing found: 1
    assert d.ap_contribution[3] == 0.0  # no annotation: no change
    assert d.matches.dt_id.tolist() == [1]
    assert d.matches.gt_id.tolist() == [1]
    assert d.matches.iou.tolist() == [1.0]
    assert len(d.pairs(7)) == 0
    # A score threshold drops the 0.3 false positive from the counts only.
    t = image_diagnostics(case["gt"], copy.deepcopy(case["results"]), score_threshold=0.5)
    assert t.fp.tolist() == [0, 1, 0, 0]
    assert t.ap_contribution.tolist() == d.ap_contribution.tolist()
    out = d.as_dict()
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["images"]["precision"][2] is None
    assert out["images"]["image-id"] == [3, 7, 9, 12]
    assert out["matches"]["gt-id"] == [1]


@settings(max_examples=30, deadline=None)
@given(case=datasets())
def test_hotcoco_per_image_counts_agree(case: dict[str, Any]) -> None:
    """hotcoco's image_diagnostics (a peer): the same tp/fp/fn/f1 and pairs."""
    hotcoco = pytest.importorskip("hotcoco")
    if not case["results"]:
        return
    with contextlib.redirect_stdout(io.StringIO()):
        gt = hotcoco.COCO(copy.deepcopy(case["gt"]))
        ev = hotcoco.COCOeval(gt, gt.load_res(copy.deepcopy(case["results"])), "bbox")
        ev.evaluate()
        theirs = ev.image_diagnostics(iou_thr=0.5)
    ours = image_diagnostics(copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]))
    summary = theirs["img_summary"]
    for j, image in enumerate(ours.image_id.tolist()):
        if image in summary:  # hotcoco lists the images it has records of
            s = summary[image]
            assert [s["tp"], s["fp"], s["fn"]] == [ours.tp[j], ours.fp[j], ours.fn[j]]
            assert s["f1"] == pytest.approx(ours.f1[j], abs=1e-12)
    pairs = dict(zip(ours.matches.dt_id.tolist(), ours.matches.gt_id.tolist(), strict=True))
    assert pairs == {int(d): int(g) for d, g in theirs["dt_match"].items()}


def test_every_input_form_gives_the_same_result() -> None:
    case = _hand_case()
    expected = image_diagnostics(case["gt"], copy.deepcopy(case["results"])).as_dict()
    gt = COCO(copy.deepcopy(case["gt"]))
    dt = gt.loadRes(copy.deepcopy(case["results"]))
    assert image_diagnostics(gt, dt).as_dict() == expected
    ev = COCOeval(gt, dt, "bbox")
    assert image_diagnostics(ev).as_dict() == expected  # not evaluated
    ev.evaluate()
    assert image_diagnostics(ev, iou_type="bbox").as_dict() == expected
    pc_ev = _pycocotools(case)
    pc_ev.params.maxDets = [1, 10, 100]
    assert image_diagnostics(pc_ev).as_dict() == expected
    with contextlib.redirect_stdout(io.StringIO()):
        pc_gt = copy.deepcopy(pc_ev.cocoGt)
        pc_dt = pc_gt.loadRes(copy.deepcopy(case["results"]))
    assert image_diagnostics(pc_gt, pc_dt).as_dict() == expected


def test_cocoeval_parameters_are_used() -> None:
    case = _hand_case()
    gt = COCO(copy.deepcopy(case["gt"]))
    ev = COCOeval(gt, gt.loadRes(copy.deepcopy(case["results"])), "bbox")
    ev.params.iouThrs = np.array([0.5, 0.75])
    ev.params.maxDets = [1, 5]
    ev.params.imgIds = [3, 7]
    d = image_diagnostics(ev, iou_threshold=0.75)
    assert d.image_id.tolist() == [3, 7]
    assert d.max_detections == 5
    ref = _pycocotools(case, iou_thrs=[0.5, 0.75], max_det=5, img_ids=[3, 7])
    _assert_counts_and_pairs(d, ref, 1, None)
    assert _close(d.map, _map_of(ref))
    with pytest.raises(ValueError, match="iou_threshold"):
        image_diagnostics(ev, iou_threshold=0.6)
    with pytest.raises(ValueError, match="max_detections"):
        image_diagnostics(ev, max_detections=100)
    with pytest.raises(ValueError, match="iou_type"):
        image_diagnostics(ev, iou_type="segm")
    with pytest.raises(TypeError, match="cocoDt"):
        image_diagnostics(ev, case["results"])


def _as_arrays(case: dict[str, Any], xyxy: bool) -> tuple[list[Any], list[Any]]:
    """The COCO case as native per-image arrays, in the ground truth's image order."""
    truths, preds = [], []
    for img in case["gt"]["images"]:
        anns = [a for a in case["gt"]["annotations"] if a["image_id"] == img["id"]]
        dets = [d for d in case["results"] if d["image_id"] == img["id"]]

        def boxes(rows: list[Any]) -> Any:
            b = np.array([r["bbox"] for r in rows], np.float64).reshape(-1, 4)
            if xyxy:
                b[:, 2:] += b[:, :2]
            return b

        truths.append({
            "boxes": boxes(anns), "labels": np.array([a["category_id"] for a in anns], np.int64),
            "iscrowd": np.array([a["iscrowd"] for a in anns]), "image_id": img["id"],
            "area": np.array([a["area"] for a in anns], np.float64),
        })  # fmt: skip
        preds.append({
            "boxes": boxes(dets), "labels": np.array([d["category_id"] for d in dets], np.int64),
            "scores": np.array([d["score"] for d in dets]), "image_id": img["id"],
        })  # fmt: skip
    return truths, preds


@pytest.mark.parametrize("xyxy", [False, True])
def test_per_image_arrays_match_coco_data(xyxy: bool) -> None:
    case = _hand_case()
    coco = image_diagnostics(case["gt"], copy.deepcopy(case["results"]))
    truths, preds = _as_arrays(case, xyxy)
    arrays = image_diagnostics(truths, preds, box_format="xyxy" if xyxy else "xywh")
    for name in ("image_id", "tp", "fp", "fn", "f1"):
        assert getattr(arrays, name).tolist() == getattr(coco, name).tolist()
    assert arrays.ap_contribution.tolist() == coco.ap_contribution.tolist()
    # Ids of per-image arrays: the box's index in its image's arrays.
    assert arrays.matches.dt_id.tolist() == [0]
    assert arrays.matches.gt_id.tolist() == [0]
    assert arrays.matches.iou.tolist() == coco.matches.iou.tolist()


def test_per_image_masks() -> None:
    square = np.zeros((2, 8, 8), np.uint8)
    square[0, :4, :4] = 1
    square[1, 4:, 4:] = 1
    shifted = np.zeros((1, 8, 8), np.uint8)
    shifted[0, 1:5, :4] = 1
    gt = [{"masks": square, "labels": [1, 1]}, {"masks": square[:1], "labels": [2]}]
    dt = [
        {"masks": shifted, "scores": [0.9], "labels": [1]},
        {"masks": np.zeros((0, 8, 8), np.uint8), "scores": [], "labels": []},
    ]
    d = image_diagnostics(gt, dt)  # "masks" without "boxes": mask IoU
    assert d.iou_type == "segm"
    assert d.tp.tolist() == [1, 0]
    assert d.fp.tolist() == [0, 0]
    assert d.fn.tolist() == [1, 1]
    assert d.matches.iou.tolist() == [12 / 20]
    assert d.matches.gt_id.tolist() == [0]


def test_results_do_not_depend_on_threads() -> None:
    case = _hand_case()
    with num_threads(1):
        one = image_diagnostics(case["gt"], copy.deepcopy(case["results"])).as_dict()
    with num_threads(4):
        four = image_diagnostics(case["gt"], copy.deepcopy(case["results"])).as_dict()
    assert one == four


@settings(max_examples=20, deadline=None)
@given(case=datasets(max_images=5, max_per_group=4), block=st.sampled_from([1, 2, 3]))
def test_merged_blocks_give_the_same_doubles(case: dict[str, Any], block: int) -> None:
    """The block size only changes which runs are merged: the values stay equal."""
    expected = image_diagnostics(copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(per_image_module, "_BLOCK", block)
        got = image_diagnostics(copy.deepcopy(case["gt"]), copy.deepcopy(case["results"]))
    np.testing.assert_array_equal(got.ap_contribution, expected.ap_contribution)


# ------------------------------------------------------------------ worst()


def _diagnostics(**columns: Any) -> ImageDiagnostics:
    n = len(columns["image_id"])
    base: dict[str, Any] = {
        "image_id": np.arange(n),
        "tp": np.zeros(n, np.int64),
        "fp": np.zeros(n, np.int64),
        "fn": np.zeros(n, np.int64),
        "precision": np.full(n, np.nan),
        "recall": np.full(n, np.nan),
        "f1": np.ones(n),
        "ap_contribution": np.zeros(n),
    }
    base.update({k: np.asarray(v) for k, v in columns.items()})
    empty = per_image_module.MatchedPairs(*(np.empty(0) for _ in range(6)))
    return ImageDiagnostics(
        **base, matches=empty, map=0.5, iou_type="bbox", iou_threshold=0.5,
        max_detections=100, score_threshold=None,
    )  # fmt: skip


def test_worst_orders_and_breaks_ties_by_image_id() -> None:
    d = _diagnostics(
        image_id=[2, 5, 8, 11],
        f1=[0.5, 0.2, 0.5, 0.2],
        fp=np.array([1, 3, 3, 0], np.int64),
        fn=np.array([2, 0, 1, 0], np.int64),
        precision=[np.nan, 0.1, np.nan, 0.1],
        ap_contribution=[0.0, -0.1, np.nan, -0.1],
    )
    assert [r["image_id"] for r in d.worst(4)] == [5, 11, 2, 8]
    assert [r["image_id"] for r in d.worst(2, by="f1")] == [5, 11]
    assert [r["image_id"] for r in d.worst(10, by="fp")] == [5, 8, 2, 11]
    assert [r["image_id"] for r in d.worst(3, by="fn")] == [2, 8, 5]
    assert [r["image_id"] for r in d.worst(4, by="errors")] == [8, 2, 5, 11]
    assert [r["image_id"] for r in d.worst(4, by="precision")] == [5, 11, 2, 8]  # NaN last
    assert [r["image_id"] for r in d.worst(4, by="ap_contribution")] == [5, 11, 2, 8]
    row = d.worst(1, by="precision")[0]
    assert row == {
        "image_id": 5, "tp": 0, "fp": 3, "fn": 0, "precision": 0.1, "recall": None,
        "f1": 0.2, "ap_contribution": -0.1,
    }  # fmt: skip
    assert d.worst(1, by="ap_contribution")[0]["ap_contribution"] == -0.1
    assert d.worst(10, by="f1")[-1]["image_id"] == 8


# ------------------------------------------------------------------ classification


def _mistakes_reference(
    truth: list[int], scores: np.ndarray, k: int
) -> list[tuple[int, int, int, float, float]]:
    rows = []
    for i, (t, s) in enumerate(zip(truth, scores, strict=True)):
        pred = int(np.argmax(s))
        if pred != t:
            rows.append((i, t, pred, float(s[pred]), float(s[t])))
    rows.sort(key=lambda r: (-r[3], r[0]))
    return rows[:k]


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(0, 30),
    n_classes=st.integers(2, 4),
    k=st.integers(1, 12),
)
def test_confident_mistakes_match_sorting(data: Any, n: int, n_classes: int, k: int) -> None:
    values = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0])  # many ties
    raw = np.array(
        data.draw(st.lists(st.lists(values, min_size=n_classes, max_size=n_classes),
                           min_size=n, max_size=n)),
        np.float64,
    ).reshape(n, n_classes)  # fmt: skip
    truth = data.draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n))
    out = confident_mistakes(truth, raw, k=k)
    got = list(
        zip(out.index.tolist(), out.y_true.tolist(), out.y_pred.tolist(),
            out.confidence.tolist(), out.true_probability.tolist(), strict=True)
    )  # fmt: skip
    assert got == _mistakes_reference(truth, raw, k)
    assert len(out) == len(got)
    assert json.dumps(out.as_dict(), allow_nan=False)


def test_confident_mistakes_labels_and_binary() -> None:
    scores = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]
    out = confident_mistakes(["b", "b", "a"], scores, labels=["a", "b", "c"])
    assert out.index.tolist() == [0, 2]
    assert out.y_true.tolist() == ["b", "a"]
    assert out.y_pred.tolist() == ["a", "c"]
    assert out.as_dict()["y-pred"] == ["a", "c"]
    binary = confident_mistakes([1, 0, 1, 0], [0.2, 0.9, 0.5, 0.6])
    # p > 0.5 predicts 1; 0.5 predicts 0 (the first column wins ties).
    assert binary.index.tolist() == [1, 0, 3, 2]
    assert binary.y_pred.tolist() == [1, 0, 1, 0]
    assert binary.confidence.tolist() == [0.9, 0.8, 0.6, 0.5]
    assert binary.true_probability.tolist() == [1 - 0.9, 0.2, 1 - 0.6, 0.5]


# ------------------------------------------------------------------ regression


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(0, 25),
    outputs=st.sampled_from([None, 1, 3]),
    k=st.integers(1, 10),
)
def test_largest_residuals_match_sorting(data: Any, n: int, outputs: int | None, k: int) -> None:
    shape = (n,) if outputs is None else (n, outputs)
    values = st.sampled_from([-2.0, -0.5, 0.0, 0.5, 1.0, 3.0])  # many ties
    size = int(np.prod(shape))
    t = np.array(data.draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
    p = np.array(data.draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
    out = largest_residuals(t, p, k=k)
    r2 = (p - t).reshape(n, outputs or 1)
    key = [(-float(np.max(np.abs(r2[i]))) if r2.shape[1] else 0.0, i) for i in range(n)]
    expected = [i for _, i in sorted(key)][:k]
    assert out.index.tolist() == expected
    assert out.residual.tolist() == (p - t)[expected].tolist()
    assert out.y_true.tolist() == t[expected].tolist()
    assert out.y_pred.tolist() == p[expected].tolist()
    assert out.abs_residual.tolist() == [-key[i][0] for i in expected]
    assert out.output.tolist() == [int(np.argmax(np.abs(r2[i]))) for i in expected]
    assert json.dumps(out.as_dict(), allow_nan=False)


# ------------------------------------------------------------------ bad input


def test_bad_arguments_name_themselves() -> None:
    case = _hand_case()
    gt, res = case["gt"], case["results"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"iou_threshold": 1.5}, "iou_threshold"),
        ({"iou_threshold": -0.1}, "iou_threshold"),
        ({"iou_threshold": math.nan}, "iou_threshold"),
        ({"max_detections": 0}, "max_detections"),
        ({"score_threshold": "x"}, "score_threshold"),
        ({"box_format": "cxcywh"}, "box_format"),
    ]
    for kwargs, name in cases:
        with pytest.raises(ValueError, match=name):
            image_diagnostics(gt, copy.deepcopy(res), **kwargs)
    with pytest.raises(ValueError, match="iou_type"):
        image_diagnostics(gt, copy.deepcopy(res), "keypoints")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cocoDt"):
        image_diagnostics(gt)
    bad = copy.deepcopy(res)
    bad[0]["score"] = math.inf
    with pytest.raises(ValueError, match="finite"):
        image_diagnostics(gt, bad)
    d = image_diagnostics(gt, copy.deepcopy(res))
    with pytest.raises(ValueError, match="'k'"):
        d.worst(0)
    with pytest.raises(ValueError, match="'by'"):
        d.worst(3, by="iou")
    with pytest.raises(ValueError, match="image_id"):
        d.pairs(4)
    with pytest.raises(ValueError, match="'k'"):
        confident_mistakes([0, 1], [[0.5, 0.5], [0.2, 0.8]], k=0)
    with pytest.raises(ValueError, match="y_score"):
        confident_mistakes([0, 1], [[0.5, math.nan], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"inconsistent|samples"):
        confident_mistakes([0, 1, 1], [[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match="y_true"):
        confident_mistakes([0, 5], [[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match="'k'"):
        largest_residuals([1.0], [2.0], k=-1)
    with pytest.raises(ValueError, match="y_pred"):
        largest_residuals([1.0, 2.0], [2.0, math.inf])
    with pytest.raises(ValueError, match=r"inconsistent|samples"):
        largest_residuals([1.0, 2.0], [2.0])


def test_doctests() -> None:
    result = doctest.testmod(per_image_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_no_detections_miss_everything_and_contribute_nothing() -> None:
    """By hand: a ground truth in each of two images, no detections: two misses, mAP 0
    with or without either image (one image alone: the mAP without it is undefined)."""
    box = {"category_id": 1, "bbox": [0, 0, 4, 4], "area": 16, "iscrowd": 0}
    anns = [{"id": i, "image_id": i, **box} for i in (1, 2)]
    gt = {"images": [{"id": 1}, {"id": 2}], "annotations": anns, "categories": [{"id": 1}]}
    ours = image_diagnostics(gt, [])
    assert (ours.tp.tolist(), ours.fp.tolist(), ours.fn.tolist()) == ([0, 0], [0, 0], [1, 1])
    assert ours.map == 0.0
    assert ours.ap_contribution.tolist() == [0.0, 0.0]
    alone = image_diagnostics({**gt, "images": [{"id": 1}], "annotations": anns[:1]}, [])
    assert math.isnan(float(alone.ap_contribution[0]))
