"""Metrics on named slices (modelmetrics.analysis.slice_metrics).

The references are pycocotools' COCOeval: with ``params.imgIds`` set to an image
slice's images; and, for object-size slices, with every annotation's ``area`` replaced
by its area relative to its image and ``params.areaRng`` holding the slices' ranges
(``[lo, largest double below hi]``, ``[lo, inf]`` for ``hi = 1``). ``==`` on every number.
"""

from __future__ import annotations

import contextlib
import copy
import doctest
import io
import math
from typing import Any

import numpy as np
import pytest
from _coco_cases import datasets, segm_datasets
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelmetrics._analysis import slices as slices_module
from modelmetrics._core.parallel import num_threads
from modelmetrics.analysis import slice_metrics
from modelmetrics.coco import COCO, COCOeval

pc_coco = pytest.importorskip("pycocotools.coco")
pc_eval = pytest.importorskip("pycocotools.cocoeval")

# pycocotools' uncompressed-RLE path warns under numpy 2 (its own code, not ours).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

STATS = [
    "map", "map50", "map75", "map-small", "map-medium", "map-large",
    "mar-1", "mar-10", "mar-100", "mar-small", "mar-medium", "mar-large",
]  # fmt: skip
AREA_STATS = {"map-small", "map-medium", "map-large", "mar-small", "mar-medium", "mar-large"}

# Relative areas on the 200 x 200 images of `datasets`: 0.0256 = 32^2, 0.2304 = 96^2 and
# 0.0125 = 500 (areas the generator draws) land exactly on a bound.
BOUNDS = [0.0, 0.0004, 0.0016, 0.0125, 0.0256, 0.04, 0.1, 0.2304, 0.36, 0.5, 1.0]


def _mean(s: np.ndarray) -> float:
    """pycocotools' summary of an array: mean of the entries > -1 (NaN for none)."""
    s = s[s > -1]
    return math.nan if len(s) == 0 else float(np.mean(s))


def _same(a: Any, b: Any) -> bool:
    """Nested equality with NaN == NaN."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _reference(
    case: dict[str, Any],
    iou_type: str,
    img_ids: list[Any] | None = None,
    ranges: list[tuple[float, float]] | None = None,
) -> Any:
    """pycocotools evaluated on `img_ids`, or with relative areas and `ranges`."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = pc_coco.COCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        dt = gt.loadRes(copy.deepcopy(case["results"]))
        ev = pc_eval.COCOeval(gt, dt, iou_type)
        if img_ids is not None:
            ev.params.imgIds = sorted(img_ids)
        if ranges is not None:
            for coco in (gt, dt):
                for ann in coco.dataset["annotations"]:
                    img = gt.imgs[ann["image_id"]]
                    ann["area"] = ann["area"] / (img["width"] * img["height"])
            ev.params.areaRng = [
                [lo, math.inf if hi == 1.0 else float(np.nextafter(hi, -math.inf))]
                for lo, hi in ranges
            ]
            ev.params.areaRngLbl = [f"r{n}" for n in range(len(ranges))]
        ev.evaluate()
        ev.accumulate()
        if ranges is None:
            ev.summarize()
    return ev


def _stats_of(ev: Any) -> dict[str, Any]:
    out = {name: math.nan if v == -1 else float(v) for name, v in zip(STATS, ev.stats, strict=True)}
    precision = ev.eval["precision"]
    out["per-class"] = {
        cat: {"ap": _mean(precision[:, :, k, 0, -1]), "ap50": _mean(precision[0, :, k, 0, -1])}
        for k, cat in enumerate(ev.params.catIds)
    }
    return out


def _range_stats(ev: Any, a: int) -> dict[str, Any]:
    precision, recall = ev.eval["precision"], ev.eval["recall"]
    out = {
        "map": _mean(precision[:, :, :, a, -1]),
        "map50": _mean(precision[0, :, :, a, -1]),
        "map75": _mean(precision[5, :, :, a, -1]),
        "mar-1": _mean(recall[:, :, a, 0]),
        "mar-10": _mean(recall[:, :, a, 1]),
        "mar-100": _mean(recall[:, :, a, 2]),
    }
    out.update(dict.fromkeys(AREA_STATS, math.nan))
    out["per-class"] = {
        cat: {"ap": _mean(precision[:, :, k, a, -1]), "ap50": _mean(precision[0, :, k, a, -1])}
        for k, cat in enumerate(ev.params.catIds)
    }
    return out


def _metrics(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("n_")}


@st.composite
def _ranges(draw: st.DrawFn) -> list[tuple[float, float]]:
    bound = st.sampled_from(BOUNDS) | st.floats(0, 1, allow_subnormal=False)
    out = []
    for _ in range(draw(st.integers(1, 3))):
        lo, hi = sorted(draw(st.lists(bound, min_size=2, max_size=2, unique=True)))
        out.append((lo, hi))
    return out


def _check_parity(case: dict[str, Any], iou_type: str, data: st.DataObject) -> None:
    assume(case["results"])
    ids = [img["id"] for img in case["gt"]["images"]]
    subset = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True), label="subset")
    ranges = data.draw(_ranges(), label="ranges")
    gt = COCO(copy.deepcopy(case["gt"]))
    spec: dict[str, Any] = {"subset": subset, "all": ids}
    spec.update({f"r{n}": {"relative_area": r} for n, r in enumerate(ranges)})
    got = slice_metrics(gt, gt.loadRes(copy.deepcopy(case["results"])), iou_type, slices=spec)
    assert list(got) == list(spec)
    want = _stats_of(_reference(case, iou_type, img_ids=subset))
    assert _same(_metrics(got["subset"]), want), (got["subset"], want)
    assert got["subset"]["n_images"] == len(subset)
    # Alone, the subset's slots are not sorted once beforehand: the same numbers.
    dt = gt.loadRes(copy.deepcopy(case["results"]))
    assert _same(
        slice_metrics(gt, dt, iou_type, slices={"subset": subset}), {"subset": got["subset"]}
    )
    full = _stats_of(_reference(case, iou_type))
    assert _same(_metrics(got["all"]), full)
    by_size = _reference(case, iou_type, ranges=ranges)
    for n in range(len(ranges)):
        want = _range_stats(by_size, n)
        assert _same(_metrics(got[f"r{n}"]), want), (n, got[f"r{n}"], want)
        assert got[f"r{n}"]["n_images"] == len(ids)
    # Size slices alone: one matching pass with relative areas only.
    alone = {name: spec[name] for name in spec if name.startswith("r")}
    got_alone = slice_metrics(
        gt, gt.loadRes(copy.deepcopy(case["results"])), iou_type, slices=alone
    )
    assert _same(got_alone, {name: got[name] for name in alone})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=datasets(max_images=5), data=st.data())
def test_bbox_slices_are_pycocotools_on_the_subset_and_on_relative_areas(
    case: dict[str, Any], data: st.DataObject
) -> None:
    _check_parity(case, "bbox", data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=segm_datasets(max_images=4), data=st.data())
def test_segm_slices_are_pycocotools_on_the_subset_and_on_relative_areas(
    case: dict[str, Any], data: st.DataObject
) -> None:
    _check_parity(case, "segm", data)


# -- a fixed dataset ----------------------------------------------------------------------


def _dataset(seed: int, n_images: int = 30) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Images with a ``place`` attribute, a few objects each, near and stray detections."""
    rng = np.random.default_rng(seed)
    places = ["indoor", "outdoor", "sky"]
    images = [
        {"id": int(i), "width": 200, "height": 150, "place": places[int(rng.integers(0, 3))]}
        for i in rng.permutation(500)[:n_images] + 1
    ]
    anns: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for img in images:
        for _ in range(int(rng.integers(0, 5))):
            side = float(rng.choice([10.0, 40.0, 110.0])) * float(rng.uniform(0.7, 1.3))
            x, y = (float(v) for v in rng.uniform(0, 40, 2))
            cat = int(rng.integers(1, 4))
            anns.append({
                "id": len(anns) + 1, "image_id": img["id"], "category_id": cat,
                "bbox": [x, y, side, side], "area": side * side,
                "iscrowd": int(rng.random() < 0.05),
            })  # fmt: skip
            if rng.random() < 0.8:
                j = float(rng.uniform(0, 0.3)) * side
                results.append({
                    "image_id": img["id"], "category_id": cat, "bbox": [x + j, y, side, side],
                    "score": float(rng.choice([0.3, 0.6, 0.9])),
                })  # fmt: skip
        for _ in range(int(rng.integers(0, 3))):
            results.append({
                "image_id": img["id"], "category_id": int(rng.integers(1, 4)),
                "bbox": [*(float(v) for v in rng.uniform(0, 120, 2)), 20.0, 20.0],
                "score": float(rng.choice([0.3, 0.6, 0.9])),
            })  # fmt: skip
    cats = [{"id": c, "name": f"c{c}"} for c in (1, 2, 3)]
    return {"images": images, "categories": cats, "annotations": anns}, results


@pytest.fixture(scope="module")
def data() -> tuple[COCO, COCO, dict[str, Any], list[dict[str, Any]]]:
    gt, results = _dataset(0)
    coco = COCO(copy.deepcopy(gt))
    return coco, coco.loadRes(copy.deepcopy(results)), gt, results


def test_callable_and_attribute_specs_equal_the_ids(data: Any) -> None:
    coco, dt, gt, _ = data
    indoor = [img["id"] for img in gt["images"] if img["place"] == "indoor"]
    got = slice_metrics(
        coco,
        dt,
        slices={
            "ids": indoor,
            "set": set(indoor),
            "array": np.array(indoor),
            "test": lambda img: img["place"] == "indoor",
            "value": {"attribute": "place", "value": "indoor"},
            "place": {"attribute": "place"},
            "key": {"attribute": lambda img: img["place"][:2]},
        },
    )
    assert list(got) == [
        "ids", "set", "array", "test", "value", "place=indoor", "place=outdoor", "place=sky",
        "key=in", "key=ou", "key=sk",
    ]  # fmt: skip
    for name in ("set", "array", "test", "value", "place=indoor", "key=in"):
        assert _same(got[name], got["ids"]), name
    assert got["ids"]["n_images"] == len(indoor)
    counts = [got[f"place={p}"]["n_images"] for p in ("indoor", "outdoor", "sky")]
    assert sum(counts) == len(gt["images"])


def test_a_slice_of_every_image_is_the_full_evaluation(data: Any) -> None:
    coco, dt, gt, results = data
    ids = [img["id"] for img in gt["images"]]
    got = slice_metrics(coco, dt, slices={"every": ids, "test": lambda img: True})
    ev = COCOeval(coco, dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    for name in ("every", "test"):
        assert _same(_metrics(got[name]), _stats_of(ev))
        assert got[name]["n_images"] == len(ids)
        counted = sum(1 for a in gt["annotations"] if not a["iscrowd"])
        assert got[name]["n_ground_truths"] == counted
    assert _same(
        _metrics(got["every"]), _stats_of(_reference({"gt": gt, "results": results}, "bbox"))
    )


def test_cocoeval_and_pycocotools_inputs_give_the_same_slices(data: Any) -> None:
    coco, dt, gt, results = data
    spec = {"few": [img["id"] for img in gt["images"][:7]], "big": {"relative_area": (0.1, 1)}}
    want = slice_metrics(coco, dt, slices=spec)
    ev = COCOeval(coco, dt, "bbox")
    assert _same(slice_metrics(ev, slices=spec), want)  # evaluated here
    assert _same(slice_metrics(ev, slices=spec), want)  # already evaluated
    with contextlib.redirect_stdout(io.StringIO()):
        pc_gt = pc_coco.COCO()
        pc_gt.dataset = copy.deepcopy(gt)
        pc_gt.createIndex()
    assert _same(slice_metrics(pc_gt, copy.deepcopy(results), slices=spec), want)
    with num_threads(1):
        assert _same(slice_metrics(coco, dt, slices=spec), want)


def test_relative_area_ranges_are_half_open_and_one_has_no_upper_bound() -> None:
    # Image 10 x 10: ground truths of relative area 0.1, 0.5, 1.0 and 1.21 (off the image).
    sides = [(0, 0, 5, 2), (0, 0, 5, 10), (0, 0, 10, 10), (0, 0, 11, 11)]
    anns = [
        {"id": n + 1, "image_id": 1, "category_id": 1, "bbox": list(b), "area": b[2] * b[3],
         "iscrowd": 0}
        for n, b in enumerate(sides)
    ]  # fmt: skip
    gt = COCO({
        "images": [{"id": 1, "width": 10, "height": 10}], "categories": [{"id": 1}],
        "annotations": anns,
    })  # fmt: skip
    dt = gt.loadRes([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 2], "score": 0.5}])
    got = slice_metrics(
        gt,
        dt,
        slices={
            "below": {"relative_area": (0.0, 0.1)},
            "tenth": {"relative_area": (0.1, 0.5)},
            "half": {"relative_area": (0.5, 1.0)},
            "whole": {"relative_area": (1.0 - 1e-12, 1.0)},
        },
    )
    assert [got[n]["n_ground_truths"] for n in got] == [0, 1, 3, 2]
    assert got["tenth"]["mar-100"] == 1.0
    assert got["half"]["mar-100"] == 0.0
    assert math.isnan(got["below"]["map"])
    assert all(math.isnan(got["half"][s]) for s in AREA_STATS)


def test_image_records_without_the_attribute_belong_to_no_value() -> None:
    gt = COCO({
        "images": [{"id": 1, "t": "a"}, {"id": 2}, {"id": 3, "t": None}, {"id": 4, "t": "b"}],
        "categories": [{"id": 1}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "area": 16,
             "iscrowd": 0},
        ],
    })  # fmt: skip
    dt = gt.loadRes([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "score": 1.0}])
    got = slice_metrics(gt, dt, slices={"t": {"attribute": "t"}})
    assert list(got) == ["t=a", "t=b"]
    assert got["t=a"]["map50"] > 0.99
    assert math.isnan(got["t=b"]["map"])
    assert got["t=b"]["n_ground_truths"] == 0


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slices", "error", "match"),
    [
        ({"none": []}, ValueError, "slice 'none' holds no image"),
        ({"never": lambda img: False}, ValueError, "slice 'never' holds no image"),
        ({"v": {"attribute": "place", "value": "moon"}}, ValueError, "slice 'v' holds no"),
        ({"v": {"attribute": "nothing"}}, ValueError, "slice 'v': no image has"),
        ({"u": [1, 10**9]}, ValueError, "slice 'u': image ids not among"),
        ({"s": {"relative_area": (0.5, 0.5)}}, ValueError, "slice 's'"),
        ({"s": {"relative_area": (0.6, 0.5)}}, ValueError, "slice 's'"),
        ({"s": {"relative_area": (-0.1, 0.5)}}, ValueError, "slice 's'"),
        ({"s": {"relative_area": (0.1, 1.5)}}, ValueError, "slice 's'"),
        ({"s": {"relative_area": (math.nan, 0.5)}}, ValueError, "slice 's'"),
        ({"s": {"relative_area": (0.1,)}}, ValueError, "slice 's'"),
        ({"s": {"relative_area": "ab"}}, ValueError, "slice 's'"),
        ({"s": {"relative_area": (True, 1)}}, ValueError, "slice 's'"),
        ({"x": 5}, TypeError, "slice 'x'"),
        ({"x": None}, TypeError, "slice 'x'"),
        ({"x": "12"}, TypeError, "slice 'x'"),
        ({"x": np.array(3)}, TypeError, "slice 'x'"),
        ({"x": {"images": [1]}}, TypeError, "slice 'x'"),
        ({"x": {"attribute": 3}}, TypeError, "slice 'x'"),
        ({1: [1]}, TypeError, "slice names must be strings"),
        ([[1]], TypeError, "slices must be a mapping"),
        ({}, ValueError, "at least one slice"),
        ({"a=indoor": [1], "a": {"attribute": "place"}}, ValueError, "distinct"),
        ({"k": {"attribute": lambda img: [1]}}, TypeError, "slice 'k': attribute values"),
    ],
)
def test_bad_slices_are_rejected_naming_the_slice(
    data: Any, slices: Any, error: type[Exception], match: str
) -> None:
    coco, dt, gt, _ = data
    if isinstance(slices, dict) and slices.get("u") == [1, 10**9]:
        slices = {"u": [gt["images"][0]["id"], 10**9]}
    if isinstance(slices, dict) and "a=indoor" in slices:
        slices = {"a=indoor": [gt["images"][0]["id"]], "a": {"attribute": "place"}}
    with pytest.raises(error, match=match):
        slice_metrics(coco, dt, slices=slices)


def test_size_slices_need_image_sizes_and_inputs_are_checked(data: Any) -> None:
    gt = COCO({"images": [{"id": 1, "width": 10}], "categories": [{"id": 1}], "annotations": []})
    dt = gt.loadRes([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "score": 1.0}])
    with pytest.raises(ValueError, match="slice 's': image 1 needs a positive 'width'"):
        slice_metrics(gt, dt, slices={"s": {"relative_area": (0, 1)}})
    assert slice_metrics(gt, dt, slices={"i": [1]})["i"]["n_images"] == 1
    coco, dt, _, _ = data
    with pytest.raises(ValueError, match="iou_type"):
        slice_metrics(coco, dt, "keypoints", slices={"i": [1]})
    with pytest.raises(TypeError, match="cocoDt is required"):
        slice_metrics(coco, slices={"i": [1]})
    with pytest.raises(TypeError, match="cocoDt must be left out"):
        slice_metrics(COCOeval(coco, dt, "bbox"), dt, slices={"i": [1]})


def test_examples_run() -> None:
    failures, tried = doctest.testmod(slices_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0
    assert failures == 0
