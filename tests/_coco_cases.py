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


def _runs(m: np.ndarray) -> list[int]:
    """Run lengths of a mask read column by column, starting with a run of 0s."""
    counts: list[int] = []
    value, run = 0, 0
    for v in np.asarray(m, dtype=np.uint8).flatten(order="F").tolist():
        if v != value:
            counts.append(run)
            value, run = v, 0
        run += 1
    counts.append(run)
    return counts


def _rle_of(m: np.ndarray) -> dict[str, Any]:
    """Compressed RLE of a mask, with str counts as in a JSON file (written here from
    the definition, so that the inputs do not come from either library)."""
    out = []
    counts = _runs(m)
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        while True:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            out.append(chr(48 + (c | 0x20 if more else c)))
            if not more:
                break
    return {"size": [int(m.shape[0]), int(m.shape[1])], "counts": "".join(out)}


def _uncompressed(m: np.ndarray) -> dict[str, Any]:
    return {"size": [int(m.shape[0]), int(m.shape[1])], "counts": _runs(m)}


@st.composite
def segm_datasets(draw: Any, *, max_images: int = 4, max_per_group: int = 3) -> dict[str, Any]:
    """A ground truth with polygon, compressed and uncompressed RLE segmentations and
    mask results (compressed RLEs, with or without a ``bbox`` in every result)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_img = draw(st.integers(1, max_images))
    image_ids = draw(st.lists(st.integers(1, 50), min_size=n_img, max_size=n_img, unique=True))
    cat_ids = draw(st.lists(st.integers(1, 90), min_size=1, max_size=3, unique=True))
    with_bbox = draw(st.booleans())
    images, annotations, results = [], [], []
    next_id = 1
    for img in image_ids:
        h, w = draw(st.sampled_from([(1, 1), (1, 7), (9, 1), (12, 16), (30, 24), (40, 40)]))
        images.append({"id": img, "height": h, "width": w})
        for cat in cat_ids:
            for _ in range(draw(st.integers(0, max_per_group))):
                m = np.zeros((h, w), np.uint8)
                y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
                y1, x1 = int(rng.integers(y0, h + 1)), int(rng.integers(x0, w + 1))
                m[y0:y1, x0:x1] = 1
                crowd = int(draw(st.integers(0, 7)) == 0)
                kind = draw(st.sampled_from(["polygon", "polygons", "rle", "uncompressed"]))
                if crowd:
                    kind = draw(st.sampled_from(["uncompressed", "rle"]))
                if kind.startswith("polygon"):
                    # Corners of the rectangle, jittered (and off the image sometimes).
                    corners = np.array([x0, y0, x0, y1, x1, y1, x1, y0], np.float64)
                    segm: Any = [
                        np.round(corners + rng.normal(0, 1.5, 8), 2).tolist()
                        for _ in range(1 if kind == "polygon" else 2)
                    ]
                elif kind == "rle":
                    segm = _rle_of(m)
                else:
                    segm = _uncompressed(m)
                area = draw(st.sampled_from([float(m.sum()), 1024.0, 9216.0, 20.5]))
                annotations.append({
                    "id": next_id, "image_id": img, "category_id": cat,
                    "segmentation": segm, "area": area, "iscrowd": crowd,
                    "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                })  # fmt: skip
                next_id += 1
                for _ in range(draw(st.integers(0, 2))):
                    d = np.roll(m, (int(rng.integers(-2, 3)), int(rng.integers(-2, 3))), (0, 1))
                    if rng.random() < 0.3:
                        d = d | (rng.random((h, w)) < 0.2)
                    results.append(_mask_result(img, cat, d, draw(st.sampled_from(SCORES)),
                                                with_bbox, rng))  # fmt: skip
            for _ in range(draw(st.integers(0, max_per_group))):
                d = (rng.random((h, w)) < rng.random()).astype(np.uint8)
                score = draw(st.sampled_from(SCORES) | st.floats(0, 1, allow_subnormal=False))
                results.append(_mask_result(img, cat, d, score, with_bbox, rng))
    gt = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}", "supercategory": "x"} for c in cat_ids],
    }
    draw(st.randoms(use_true_random=False)).shuffle(results)
    return {"gt": gt, "results": results}


def _mask_result(
    img: int, cat: int, m: np.ndarray, score: float, with_bbox: bool, rng: Any
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "image_id": img, "category_id": cat, "segmentation": _rle_of(m), "score": score
    }  # fmt: skip
    if with_bbox:  # a box of its own: pycocotools then takes its area, not the mask's
        res["bbox"] = [float(v) for v in rng.integers(0, 20, 4)]
    return res


def run_eval(
    coco_mod: Any,
    eval_mod: Any,
    case: dict[str, Any],
    configure: Any = None,
    iou_type: str = "bbox",
) -> Any:
    """Evaluate `case` with a library's COCO/COCOeval, silencing its progress prints."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = coco_mod.COCO()
        gt.dataset = copy.deepcopy(case["gt"])
        gt.createIndex()
        dt = gt.loadRes(copy.deepcopy(case["results"]))
        ev = eval_mod.COCOeval(gt, dt, iou_type)
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
