"""Random LVIS datasets for parity tests against lvis-api, and a runner for both.

A COCO case from ``tests/_coco_cases.py`` becomes an LVIS case: every image gets
``neg_category_ids`` and ``not_exhaustive_category_ids`` (categories with and without
ground truth in it, and categories absent from the dataset), every category a
``frequency``, some categories have no annotation at all, some annotations an
``ignore`` flag or a zero area (which lvis-api drops), and ``iscrowd`` is left as drawn
(lvis-api matches crowd regions as ordinary ones).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from _coco_cases import _rle_of, datasets, segm_datasets
from hypothesis import strategies as st


@st.composite
def lvis_cases(draw: Any, *, segm: bool = False) -> dict[str, Any]:
    """An LVIS ground truth, a results list and a per-image limit for ``LVISResults``."""
    case = draw(segm_datasets() if segm else datasets(max_per_group=5))
    gt = case["gt"]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cat_ids = [c["id"] for c in gt["categories"]]
    # A category of the dataset no image has (it has frequency but no ground truth),
    # and ids in the images' lists that are not categories at all.
    extra = max(cat_ids) + 1
    gt["categories"].append({"id": extra, "name": f"c{extra}", "supercategory": "x"})
    listable = [*cat_ids, extra, 999]
    for cat in gt["categories"]:
        cat["frequency"] = draw(st.sampled_from(["r", "c", "f"]))
    for img in gt["images"]:
        img["neg_category_ids"] = _subset(rng, listable)
        img["not_exhaustive_category_ids"] = _subset(rng, listable)
    for ann in gt["annotations"]:
        roll = rng.random()
        if roll < 0.08:
            ann["ignore"] = int(rng.integers(1, 3))
        elif roll < 0.12:
            ann["ignore"] = 0
        elif roll < 0.16:
            ann["area"] = 0.0
    # Detections of the extra category and of categories listed nowhere.
    results = case["results"]
    for img in gt["images"]:
        for _ in range(int(rng.integers(0, 3))):
            if not results:
                break
            stray = dict(results[int(rng.integers(0, len(results)))])
            stray["image_id"] = img["id"]
            stray["category_id"] = int(rng.choice([extra, *cat_ids]))
            results.append(stray)
    if not results:  # lvis-api fails on an empty list (it reads results[0])
        box = [1.0, 2.0, 30.0, 40.0]
        results.append({"image_id": gt["images"][0]["id"], "category_id": cat_ids[0],
                        "bbox": box, "score": 0.5})  # fmt: skip
        if segm:
            h, w = gt["images"][0]["height"], gt["images"][0]["width"]
            results[0]["segmentation"] = _rle_of(np.ones((h, w), np.uint8))
            del results[0]["bbox"]
    max_dets = draw(st.sampled_from([300, 300, 4, 2, 1, -1]))
    return {"gt": gt, "results": results, "max_dets": max_dets}


def _subset(rng: Any, values: list[int]) -> list[int]:
    picked = [v for v in values if rng.random() < 0.35]
    rng.shuffle(picked)
    return [int(v) for v in picked]


def run_lvis(
    module: Any, case: dict[str, Any], gt_path: Path, iou_type: str, configure: Any = None
) -> Any:
    """``LVISEval(...).run()`` with a library's classes (the ground truth read from
    `gt_path`, written here once per case), silencing its prints."""
    if not gt_path.exists():
        gt_path.write_text(json.dumps(case["gt"]))
    with contextlib.redirect_stdout(io.StringIO()):
        gt = module.LVIS(str(gt_path))
        dt = module.LVISResults(gt, copy.deepcopy(case["results"]), max_dets=case["max_dets"])
        ev = module.LVISEval(gt, dt, iou_type)
        if configure is not None:
            configure(ev.params)
        ev.run()
    return ev


def assert_same_lvis_eval(ours: Any, ref: Any) -> None:
    """``eval`` arrays and ``results`` bit-identical (values and types)."""
    for key in ("precision", "recall"):
        a, b = ours.eval[key], ref.eval[key]
        assert a.shape == b.shape, key
        assert a.dtype == b.dtype, key
        assert np.array_equal(a, b), (key, np.argwhere(a != b)[:5])
    assert ours.eval["counts"] == ref.eval["counts"]
    assert list(ours.results) == list(ref.results)
    for key, value in ref.results.items():
        assert type(ours.results[key]) is type(value), key
        assert ours.results[key] == value, (key, ours.results[key], value)


def box(x: float, y: float, w: float, h: float) -> list[float]:
    return [float(x), float(y), float(w), float(h)]


def federated_case() -> dict[str, Any]:
    """One image with a cat (1) and a dog (2); the image was checked for birds (3, in
    ``neg_category_ids``), not for fish (4), and its dogs are not exhaustively
    annotated. Categories: cat rare, dog common, bird and fish frequent."""
    gt = {
        "images": [
            {
                "id": 7,
                "height": 100,
                "width": 120,
                "neg_category_ids": [3],
                "not_exhaustive_category_ids": [2],
            },
            {
                "id": 8,
                "height": 100,
                "width": 120,
                "neg_category_ids": [],
                "not_exhaustive_category_ids": [],
            },
        ],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 1, "bbox": box(10, 10, 30, 30), "area": 900.0},
            {
                "id": 2,
                "image_id": 7,
                "category_id": 2,
                "bbox": box(50, 50, 40, 40),
                "area": 1600.0,
            },
            {"id": 3, "image_id": 8, "category_id": 3, "bbox": box(0, 0, 50, 50), "area": 2500.0},
            # Area 0: lvis-api leaves it out entirely.
            {"id": 4, "image_id": 8, "category_id": 1, "bbox": box(0, 0, 0, 0), "area": 0.0},
        ],
        "categories": [
            {"id": 1, "name": "cat", "frequency": "r"},
            {"id": 2, "name": "dog", "frequency": "c"},
            {"id": 3, "name": "bird", "frequency": "f"},
            {"id": 4, "name": "fish", "frequency": "f"},
        ],
    }
    for ann in gt["annotations"]:
        x, y, w, h = ann["bbox"]
        ann["segmentation"] = [[x, y, x + w, y, x + w, y + h, x, y + h]]
    results = [
        {"image_id": 7, "category_id": 1, "bbox": box(10, 10, 30, 30), "score": 0.9},  # TP
        {"image_id": 7, "category_id": 2, "bbox": box(50, 50, 40, 40), "score": 0.8},  # TP
        # An unmatched dog: ignored (dogs are not exhaustively annotated in image 7).
        {"image_id": 7, "category_id": 2, "bbox": box(0, 60, 20, 20), "score": 0.95},
        # A bird where the image was checked for birds: a false positive.
        {"image_id": 7, "category_id": 3, "bbox": box(0, 0, 50, 50), "score": 0.99},
        # A fish in an image not checked for fish: not evaluated at all.
        {"image_id": 7, "category_id": 4, "bbox": box(0, 0, 50, 50), "score": 0.99},
        {"image_id": 8, "category_id": 3, "bbox": box(0, 0, 50, 50), "score": 0.5},  # TP
    ]
    return {"gt": gt, "results": results, "max_dets": 300}
