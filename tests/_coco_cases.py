"""Random COCO detection datasets for parity tests, and a runner for both libraries."""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np
from hypothesis import strategies as st

# Box sides chosen so that areas straddle COCO's small/medium/large bounds (32^2, 96^2)
# and sometimes land exactly on them.
SIDES = [0.0, 1.0, 8.0, 16.0, 31.5, 32.0, 40.0, 64.0, 96.0, 120.0, 150.0]
SCORES = [0.1, 0.3, 0.5, 0.5, 0.7, 0.9, 1.0]


@st.composite
def datasets(draw: Any, *, max_images: int = 5, max_per_group: int = 4) -> dict[str, Any]:
    """A ground-truth dataset and a results list (dicts, ready for COCO / loadRes)."""
    n_img = draw(st.integers(1, max_images))
    image_ids = draw(st.lists(st.integers(0, 50), min_size=n_img, max_size=n_img, unique=True))
    n_cat = draw(st.integers(1, 3))
    cat_ids = draw(st.lists(st.integers(1, 90), min_size=n_cat, max_size=n_cat, unique=True))
    side = st.sampled_from(SIDES) | st.floats(0, 160, allow_nan=False, allow_subnormal=False)
    coord = st.sampled_from([0.0, 5.0, 10.0, 20.0]) | st.floats(0, 80, allow_subnormal=False)
    annotations = []
    results = []
    next_id = draw(st.integers(1, 1000))
    for img in image_ids:
        for cat in cat_ids:
            for _ in range(draw(st.integers(0, max_per_group))):
                box = [draw(coord), draw(coord), draw(side), draw(side)]
                area = draw(st.sampled_from([box[2] * box[3], 1024.0, 9216.0, 500.0]))
                ann = {
                    "id": next_id,
                    "image_id": img,
                    "category_id": cat,
                    "bbox": box,
                    "area": area,
                    "iscrowd": int(draw(st.integers(0, 9)) == 0),
                }
                if draw(st.integers(0, 9)) == 0:
                    ann["ignore"] = 1  # pycocotools overwrites this with iscrowd
                annotations.append(ann)
                next_id += 1
                # Detections near this ground truth (perturbed, sometimes exact).
                for _ in range(draw(st.integers(0, 2))):
                    jitter = draw(st.sampled_from([0.0, 1.0, 3.0, 8.0]))
                    det_box = [box[0] + jitter, box[1] - jitter / 2, box[2] + jitter, box[3]]
                    det_box = [max(v, 0.0) for v in det_box]
                    results.append(_result(img, cat, det_box, draw(st.sampled_from(SCORES))))
            # Stray detections, possibly many (beyond small maxDets).
            for _ in range(draw(st.integers(0, max_per_group))):
                box = [draw(coord), draw(coord), draw(side), draw(side)]
                score = draw(st.sampled_from(SCORES) | st.floats(0, 1, allow_subnormal=False))
                results.append(_result(img, cat, box, score))
    gt = {
        "images": [{"id": i, "width": 200, "height": 200} for i in image_ids],
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}", "supercategory": "x"} for c in cat_ids],
    }
    draw(st.randoms(use_true_random=False)).shuffle(results)
    return {"gt": gt, "results": results}


def _result(img: int, cat: int, box: list[float], score: float) -> dict[str, Any]:
    return {"image_id": img, "category_id": cat, "bbox": box, "score": score}


def run_eval(coco_mod: Any, eval_mod: Any, case: dict[str, Any], configure: Any = None) -> Any:
    """Evaluate `case` with a library's COCO/COCOeval, silencing its progress prints."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = coco_mod.COCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        dt = gt.loadRes(copy.deepcopy(case["results"]))
        ev = eval_mod.COCOeval(gt, dt, "bbox")
        if configure is not None:
            configure(ev.params)
        ev.evaluate()
        ev.accumulate()
        if len(ev.params.maxDets) >= 3:
            ev.summarize()
    return ev


def assert_same_eval(ours: Any, ref: Any) -> None:
    for key in ("precision", "recall", "scores"):
        a, b = ours.eval[key], ref.eval[key]
        assert a.shape == b.shape, key
        assert a.dtype == b.dtype, key
        assert np.array_equal(a, b), (key, np.argwhere(a != b)[:5])
    assert ours.eval["counts"] == ref.eval["counts"]
    assert np.array_equal(np.asarray(ours.stats), np.asarray(ref.stats))
