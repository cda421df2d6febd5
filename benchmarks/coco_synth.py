"""Seeded synthetic COCO-scale bounding-box data: a ground-truth dataset and detection results.

Run: ``python benchmarks/coco_synth.py --images 5000 --seed 0 --out DIR``

Writes ``DIR/gt.json`` (COCO dataset format: info, licenses, images, annotations,
categories) and ``DIR/results.json`` (the standard results list of ``image_id``,
``category_id``, ``bbox``, ``score``). The same seed always gives the same bytes.

What it imitates from COCO val2017, because each part changes what an evaluator spends
its time on:

- image sizes around 640x480, the 80 category ids of COCO (1..90 with gaps), a skewed
  category frequency (one "person" class holds about a third of the boxes, the rest
  Zipf-like), and 1 to 4 categories per image;
- about 7.3 ground-truth boxes per image with a long tail (up to 90), about 1% images
  with none; 41% small / 34% medium / 25% large by the ``area`` field, which is the
  area of a polygon inscribed in the box (a "mask" smaller than the box, as in COCO);
  polygons are kept in ``segmentation`` so the file costs what a real one costs to parse;
- about 1% crowd boxes (``iscrowd=1``) with an uncompressed RLE rectangle, as COCO has;
- a few areas of exactly 32**2 and 96**2, where pycocotools' area bounds are inclusive;
- 20 to 100 detections per image, float32-valued as a detector writes them: perturbed
  copies of ground-truth boxes with IoU spread over 0.3-0.95, duplicates, wrong-class
  copies and background boxes; scores correlated with IoU, some rounded to two decimals
  (exact ties across and within images), some duplicates sharing their original's score.

With ``--segm`` it also writes ``DIR/results-segm.json``: the same detections (same
images, categories and scores, same order) as instance masks, the layout of a real segm
results file (``image_id``, ``category_id``, ``segmentation`` as a compressed RLE with
``str`` counts, ``score``; no ``bbox``). A detection made from a ground-truth object gets
that object's outline moved onto its box, vertices jittered; a background detection a
random blob. The masks draw on a random stream of their own, so gt.json and results.json
are the same bytes with or without them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

# The 80 category ids of COCO: evaluators must map sparse ids to dense indices.
CATEGORY_IDS: tuple[int, ...] = (
    *range(1, 12),
    *range(13, 26),
    27,
    28,
    *range(31, 45),
    *range(46, 66),
    67,
    70,
    *range(72, 83),
    *range(84, 91),
)
# (width, height) of most COCO images, with rough frequencies.
IMAGE_SIZES: tuple[tuple[int, int], ...] = (
    (640, 480),
    (640, 427),
    (480, 640),
    (640, 426),
    (640, 428),
    (640, 424),
    (427, 640),
    (500, 375),
    (640, 360),
    (612, 612),
)
IMAGE_SIZE_WEIGHTS = np.array([0.34, 0.2, 0.12, 0.06, 0.05, 0.05, 0.06, 0.04, 0.04, 0.04])
# Shares of small (< 32**2), medium and large (> 96**2) ground truth by area.
AREA_MIX = np.array([0.41, 0.345, 0.245])
PERSON_SHARE = 0.25
MAX_DETS = 100


def category_frequencies(rng: np.random.Generator) -> np.ndarray:
    """Probability of each of CATEGORY_IDS: person fixed, the others Zipf over a random rank."""
    ranks = rng.permutation(len(CATEGORY_IDS) - 1) + 1
    others = ranks**-0.9
    freq = np.empty(len(CATEGORY_IDS))
    freq[0] = PERSON_SHARE
    freq[1:] = (1 - PERSON_SHARE) * others / others.sum()
    return freq


def _polygon(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A star-shaped polygon in the unit square touching all four sides, and its vertices."""
    k = int(rng.integers(6, 21))
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = 1 - 0.35 * rng.random(k)
    x, y = radii * np.cos(angles), radii * np.sin(angles)
    x = (x - x.min()) / (x.max() - x.min())
    y = (y - y.min()) / (y.max() - y.min())
    return x, y


def _shoelace(x: np.ndarray, y: np.ndarray) -> float:
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _ground_truth_boxes(
    rng: np.random.Generator, n: int, width: int, height: int
) -> list[tuple[list[float], float, list[float] | None]]:
    """(bbox, area, polygon) for n boxes; area is the polygon's, bbox its extent."""
    size_class = rng.choice(3, n, p=AREA_MIX)
    image_area = width * height
    lo = np.array([4.0**2, 32.0**2, 96.0**2])[size_class]
    hi = np.array([32.0**2, 96.0**2, 0.7 * image_area])[size_class]
    target_area = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    aspect = np.exp(rng.normal(0.0, 0.5, n))  # width / height
    out = []
    for i in range(n):
        ux, uy = _polygon(rng)
        fill = _shoelace(ux, uy)  # polygon area / box area
        box_area = target_area[i] / fill
        w = min(np.sqrt(box_area * aspect[i]), width - 1.0)
        h = min(np.sqrt(box_area / aspect[i]), height - 1.0)
        x = rng.uniform(0, width - w)
        y = rng.uniform(0, height - h)
        # COCO stores polygon vertices with two decimals; bbox and area follow from them.
        px = np.round(x + ux * w, 2)
        py = np.round(y + uy * h, 2)
        x0, y0 = float(px.min()), float(py.min())
        bbox = [x0, y0, round(float(px.max()) - x0, 2), round(float(py.max()) - y0, 2)]
        poly = np.column_stack([px, py]).ravel().tolist()
        out.append((bbox, _shoelace(px, py), poly))
    return out


def _rectangle_rle(x0: int, y0: int, x1: int, y1: int, width: int, height: int) -> list[int]:
    """Uncompressed (column-major) RLE counts of the pixel rectangle [x0, x1) x [y0, y1)."""
    counts = [x0 * height + y0]
    for _ in range(x0, x1 - 1):
        counts += [y1 - y0, height - (y1 - y0)]
    counts += [y1 - y0, height * width - counts[0] - (x1 - x0 - 1) * height - (y1 - y0)]
    return counts


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of xywh boxes."""
    w = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    iou: np.ndarray = inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)
    return iou


def _perturb(
    rng: np.random.Generator, boxes: np.ndarray, target_iou: np.ndarray, width: int, height: int
) -> np.ndarray:
    """Boxes near `boxes` whose IoU with them is close to `target_iou`.

    Each box moves its four edges along a random direction; the step length is found by
    bisection, since IoU falls as the step grows.
    """
    n = len(boxes)
    direction = rng.normal(size=(n, 4))
    direction /= np.abs(direction).sum(axis=1, keepdims=True)
    scale = np.column_stack([boxes[:, 2], boxes[:, 3], boxes[:, 2], boxes[:, 3]])
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]

    def moved(step: np.ndarray) -> np.ndarray:
        d = direction * scale * step[:, None]
        nx0 = np.clip(x0 + d[:, 0], 0, width - 1)
        ny0 = np.clip(y0 + d[:, 1], 0, height - 1)
        nx1 = np.clip(x1 + d[:, 2], nx0 + 1, width)
        ny1 = np.clip(y1 + d[:, 3], ny0 + 1, height)
        return np.column_stack([nx0, ny0, nx1 - nx0, ny1 - ny0])

    lo, hi = np.zeros(n), np.full(n, 4.0)
    for _ in range(30):
        mid = (lo + hi) / 2
        too_far = _iou(moved(mid), boxes) < target_iou
        hi = np.where(too_far, mid, hi)
        lo = np.where(too_far, lo, mid)
    return moved(lo)


def _random_boxes(rng: np.random.Generator, n: int, width: int, height: int) -> np.ndarray:
    size_class = rng.choice(3, n, p=AREA_MIX)
    lo = np.array([4.0**2, 32.0**2, 96.0**2])[size_class]
    hi = np.array([32.0**2, 96.0**2, 0.7 * width * height])[size_class]
    area = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    aspect = np.exp(rng.normal(0.0, 0.5, n))
    w = np.minimum(np.sqrt(area * aspect), width - 1.0)
    h = np.minimum(np.sqrt(area / aspect), height - 1.0)
    return np.column_stack([rng.uniform(0, width - w), rng.uniform(0, height - h), w, h])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    y: np.ndarray = 1 / (1 + np.exp(-x))
    return y


def generate(n_images: int, seed: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ground-truth dataset and the results list for `n_images` images."""
    dataset, results, _ = _generate(n_images, seed, segm=False)
    return dataset, results


def generate_segm(
    n_images: int, seed: int = 0
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The ground truth, the bbox results and the segm results for `n_images` images.

    The first two are those of :func:`generate`: the masks draw on a random stream of
    their own, so asking for them changes no byte of the others.
    """
    dataset, results, segm_results = _generate(n_images, seed, segm=True)
    assert segm_results is not None
    return dataset, results, segm_results


def _generate(
    n_images: int, seed: int, segm: bool
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]] | None]:
    rng = np.random.default_rng(seed)
    mask_rng = np.random.default_rng([seed, 1])
    rasterize = _frpyobjects() if segm else None
    freq = category_frequencies(rng)
    cat_ids = np.array(CATEGORY_IDS)
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    segm_results: list[dict[str, Any]] = []
    for image_id in range(1, n_images + 1):
        width, height = IMAGE_SIZES[rng.choice(len(IMAGE_SIZES), p=IMAGE_SIZE_WEIGHTS)]
        images.append(
            {
                "id": image_id,
                "file_name": f"{image_id:012d}.jpg",
                "width": width,
                "height": height,
                "license": 1,
            }
        )
        n_gt = 0 if rng.random() < 0.01 else min(1 + int(rng.negative_binomial(1.2, 0.16)), 90)
        n_cats = min(n_gt, 1 + int(rng.poisson(1.9)), 4)
        image_cats = (
            rng.choice(len(cat_ids), n_cats, replace=False, p=freq) if n_cats else np.zeros(0, int)
        )
        # Every chosen category appears once; the rest follow the global frequencies.
        gt_cat_index = np.concatenate(
            [
                image_cats,
                rng.choice(image_cats, n_gt - n_cats, p=freq[image_cats] / freq[image_cats].sum())
                if n_gt > n_cats
                else np.zeros(0, int),
            ]
        ).astype(int)
        rng.shuffle(gt_cat_index)
        gt_boxes = np.zeros((n_gt, 4))
        gt_outlines: list[list[float]] = []
        crowd = rng.random(n_gt) < 0.01
        for i, (bbox, area, poly) in enumerate(_ground_truth_boxes(rng, n_gt, width, height)):
            segmentation: Any = [poly]
            if crowd[i]:
                # COCO crowd regions are RLE masks; a pixel rectangle keeps bbox and area exact.
                x0, y0 = int(bbox[0]), int(bbox[1])
                x1 = max(x0 + 1, min(width, round(bbox[0] + bbox[2])))
                y1 = max(y0 + 1, min(height, round(bbox[1] + bbox[3])))
                bbox = [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]
                area = float((x1 - x0) * (y1 - y0))
                segmentation = {
                    "counts": _rectangle_rle(x0, y0, x1, y1, width, height),
                    "size": [height, width],
                }
            elif rng.random() < 0.003:
                area = float(rng.choice([32.0**2, 96.0**2]))  # on an inclusive range bound
            gt_boxes[i] = bbox
            x0, y0, x1, y1 = bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]
            gt_outlines.append([x0, y0, x1, y0, x1, y1, x0, y1] if crowd[i] else poly)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": int(cat_ids[gt_cat_index[i]]),
                    "segmentation": segmentation,
                    "area": area,
                    "bbox": bbox,
                    "iscrowd": int(crowd[i]),
                }
            )
        dets, det_boxes, det_src = _detections(
            rng, image_id, width, height, gt_boxes, gt_cat_index, freq
        )
        results += dets
        if rasterize is not None:
            segm_results += _mask_results(
                mask_rng, rasterize, dets, det_boxes, det_src, gt_boxes, gt_outlines, width, height
            )
    dataset = {
        "info": {"description": f"synthetic COCO-like bbox set, seed {seed}", "version": "1.0"},
        "licenses": [{"id": 1, "name": "synthetic", "url": ""}],
        "images": images,
        "annotations": annotations,
        "categories": [
            {"id": c, "name": "person" if c == 1 else f"class_{c}", "supercategory": "thing"}
            for c in CATEGORY_IDS
        ],
    }
    return dataset, results, segm_results if segm else None


def _detections(
    rng: np.random.Generator,
    image_id: int,
    width: int,
    height: int,
    gt_boxes: np.ndarray,
    gt_cat_index: np.ndarray,
    freq: np.ndarray,
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    """The results of one image, their boxes (float64 rows) and the index of the ground
    truth each was made from (-1 for background boxes), in the order of the results."""
    n_gt = len(gt_boxes)
    # Small objects are missed more often, as by a real detector.
    gt_area = gt_boxes[:, 2] * gt_boxes[:, 3]
    p_found = np.where(gt_area < 32**2, 0.6, np.where(gt_area < 96**2, 0.85, 0.95))
    found = np.flatnonzero(rng.random(n_gt) < p_found)
    dup = found[rng.random(len(found)) < 0.15]
    wrong = np.flatnonzero(rng.random(n_gt) < 0.08)
    src = np.concatenate([found, dup, wrong]).astype(int)
    target = np.concatenate(
        [
            0.3 + 0.65 * rng.beta(2.2, 1.3, len(found)),
            0.3 + 0.5 * rng.random(len(dup)),
            0.5 + 0.45 * rng.random(len(wrong)),
        ]
    )
    boxes = _perturb(rng, gt_boxes[src], target, width, height)
    iou = _iou(boxes, gt_boxes[src])
    cats = gt_cat_index[src].copy()
    n_wrong = len(wrong)
    if n_wrong:
        other = rng.choice(len(freq), n_wrong, p=freq)
        other = np.where(other == cats[-n_wrong:], (other + 1) % len(freq), other)
        cats[-n_wrong:] = other
    logit = np.concatenate(
        [
            6 * (iou[: len(found)] - 0.55),
            6 * (iou[len(found) : len(found) + len(dup)] - 0.7),
            np.full(n_wrong, -1.0),
        ]
    ) + rng.normal(0, 1.0, len(src))
    score = _sigmoid(logit)
    # A third of the duplicates carry their original's score: exact ties in one (image, class).
    same = np.flatnonzero(rng.random(len(dup)) < 1 / 3)
    dup_of = np.searchsorted(found, dup)
    score[len(found) + same] = score[dup_of[same]]

    n_target = int(rng.integers(20, MAX_DETS + 1))
    n_bg = max(0, n_target - len(src))
    bg_boxes = _random_boxes(rng, n_bg, width, height)
    pool = np.unique(gt_cat_index) if n_gt else np.zeros(0, int)
    bg_cats = rng.choice(len(freq), n_bg, p=freq)
    if len(pool):
        use_pool = rng.random(n_bg) < 0.5
        bg_cats = np.where(use_pool, rng.choice(pool, n_bg), bg_cats)
    bg_score = _sigmoid(-2.5 + rng.normal(0, 1.2, n_bg))

    boxes = np.concatenate([boxes, bg_boxes])
    cats = np.concatenate([cats, bg_cats]).astype(int)
    score = np.concatenate([score, bg_score])
    src = np.concatenate([src, np.full(n_bg, -1)]).astype(int)
    if len(score) > MAX_DETS:  # a detector keeps its top 100
        keep = np.argsort(-score, kind="stable")[:MAX_DETS]
        boxes, cats, score, src = boxes[keep], cats[keep], score[keep], src[keep]
    # Detectors emit float32; some pipelines round scores, which makes exact ties.
    score = score.astype(np.float32).astype(np.float64)
    rounded = rng.random(len(score)) < 0.1
    score[rounded] = np.maximum(np.round(score[rounded], 2), 0.01)
    score = np.clip(score, 1e-4, 1.0)
    boxes = boxes.astype(np.float32).astype(np.float64)
    order = rng.permutation(len(score))
    cat_ids = np.array(CATEGORY_IDS)
    dets = [
        {
            "image_id": image_id,
            "category_id": int(cat_ids[cats[i]]),
            "bbox": boxes[i].tolist(),
            "score": float(score[i]),
        }
        for i in order
    ]
    return dets, boxes[order], src[order]


def _mask_api() -> Any:
    """modelmetrics.mask, else pycocotools.mask: both give the same bytes."""
    try:
        import modelmetrics.mask as mask_api
    except ImportError:
        import pycocotools.mask as mask_api
    return mask_api


def _frpyobjects() -> Any:
    return _mask_api().frPyObjects


def _mask_results(
    rng: np.random.Generator,
    rasterize: Any,
    dets: list[dict[str, Any]],
    boxes: np.ndarray,
    src: np.ndarray,
    gt_boxes: np.ndarray,
    gt_outlines: list[list[float]],
    width: int,
    height: int,
) -> list[dict[str, Any]]:
    """The segm results of one image's detections, in the same order, with the same scores.

    A detection made from a ground truth gets that object's outline (its polygon, or
    its rectangle if crowd) carried from the ground-truth box onto the detection box,
    with every vertex jittered, as a mask head's imprecise edge. A background
    detection gets a random star-shaped blob filling its box. Each is rasterised and
    written as a real results file writes it: a compressed RLE with ``str`` counts and
    no ``bbox`` (loadRes derives ``area`` and ``bbox`` from the mask).
    """
    polygons = []
    for box, g in zip(boxes, src, strict=True):
        bx, by, bw, bh = box
        if g >= 0:
            outline = np.asarray(gt_outlines[g]).reshape(-1, 2)
            gx, gy, gw, gh = gt_boxes[g]
            ux = (outline[:, 0] - gx) / max(gw, 1e-6)
            uy = (outline[:, 1] - gy) / max(gh, 1e-6)
        else:
            ux, uy = _polygon(rng)
        jitter = rng.normal(0.0, 0.04, (2, len(ux)))
        x = np.clip(bx + (ux + jitter[0]) * bw, 0, width)
        y = np.clip(by + (uy + jitter[1]) * bh, 0, height)
        polygons.append(np.column_stack([x, y]).ravel().tolist())
    rles = rasterize(polygons, height, width) if polygons else []
    return [
        {
            "image_id": det["image_id"],
            "category_id": det["category_id"],
            "segmentation": {"size": [height, width], "counts": rle["counts"].decode("ascii")},
            "score": det["score"],
        }
        for det, rle in zip(dets, rles, strict=True)
    ]


def _write_json(path: Path, obj: Any) -> None:
    """Write `obj` to `path` whole or not at all."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    tmp.replace(path)


def write_dataset(out: Path, dataset: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """Write gt.json, results.json and summary.txt into `out`, each whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    for name, obj in (("gt.json", dataset), ("results.json", results)):
        _write_json(out / name, obj)
    tmp = out / f".summary.txt.{os.getpid()}.tmp"
    tmp.write_text(describe(dataset, results) + "\n")
    tmp.replace(out / "summary.txt")


def cached_dataset(n_images: int, seed: int = 0) -> tuple[Path, Path, str]:
    """Paths of gt.json and results.json in benchmarks/.cache/, generated on first use, and
    their one-line summary. A hash of this file keys the folder, so an edit regenerates."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:10]
    folder = here / ".cache" / f"coco-synth-n{n_images}-seed{seed}-{digest}"
    gt, res, summary = folder / "gt.json", folder / "results.json", folder / "summary.txt"
    if not (gt.exists() and res.exists() and summary.exists()):
        print(f"generating {n_images} images (seed {seed}) into {folder} ...", file=sys.stderr)
        write_dataset(folder, *generate(n_images, seed))
        # Sets made by earlier versions of this file are stale; 50 MB each at 5000 images.
        for old in folder.parent.glob(f"coco-synth-n{n_images}-seed{seed}-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    return gt, res, summary.read_text().strip()


def cached_segm_results(n_images: int, seed: int = 0) -> tuple[Path, Path, str]:
    """Paths of gt.json and results-segm.json in the folder of :func:`cached_dataset`, the
    segm results generated on first use (they take longer than the rest: only segm
    benchmarks ask for them), and a one-line summary of both."""
    gt, _, summary = cached_dataset(n_images, seed)
    segm, segm_summary = gt.parent / "results-segm.json", gt.parent / "summary-segm.txt"
    if not (segm.exists() and segm_summary.exists()):
        print(f"generating segm results for {n_images} images (seed {seed}) ...", file=sys.stderr)
        _, _, segm_results = generate_segm(n_images, seed)
        _write_json(segm, segm_results)
        tmp = gt.parent / f".summary-segm.txt.{os.getpid()}.tmp"
        tmp.write_text(describe_segm(segm_results) + "\n")
        tmp.replace(segm_summary)
    return gt, segm, f"{summary}; {segm_summary.read_text().strip()}"


def describe(dataset: dict[str, Any], results: list[dict[str, Any]]) -> str:
    """One line of counts that show the data has the intended shape."""
    anns = dataset["annotations"]
    area = np.array([a["area"] for a in anns])
    crowd = sum(a["iscrowd"] for a in anns)
    cats = np.array([a["category_id"] for a in anns])
    n_img = len(dataset["images"])
    return (
        f"{n_img:,} images, {len(anns):,} GT boxes ({len(anns) / n_img:.2f}/image, "
        f"{crowd} crowd, person {np.mean(cats == 1):.0%}; small/medium/large "
        f"{np.mean(area < 32**2):.0%}/{np.mean((area >= 32**2) & (area <= 96**2)):.0%}/"
        f"{np.mean(area > 96**2):.0%}), {len(results):,} detections "
        f"({len(results) / n_img:.1f}/image)"
    )


def describe_segm(segm_results: list[dict[str, Any]]) -> str:
    """One line on the masks: how many, and their size mix by pixel area."""
    rles = [r["segmentation"] for r in segm_results]
    # pycocotools' area takes at most 255 RLEs a call (a uint8 length with numpy 2).
    area = np.concatenate(
        [_mask_api().area(rles[i : i + 255]) for i in range(0, len(rles), 255)]
    ).astype(np.float64)
    chars = sum(len(r["segmentation"]["counts"]) for r in segm_results)
    return (
        f"{len(segm_results):,} segm results (RLE masks, {chars / len(segm_results):.0f} "
        f"counts chars each; small/medium/large {np.mean(area < 32**2):.0%}/"
        f"{np.mean((area >= 32**2) & (area <= 96**2)):.0%}/{np.mean(area > 96**2):.0%}, "
        f"{np.mean(area == 0):.1%} empty)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--segm", action="store_true", help="also write results-segm.json")
    args = parser.parse_args()
    if args.segm:
        dataset, results, segm_results = generate_segm(args.images, args.seed)
    else:
        dataset, results = generate(args.images, args.seed)
    write_dataset(args.out, dataset, results)
    print(describe(dataset, results))
    if args.segm:
        _write_json(args.out / "results-segm.json", segm_results)
        print(describe_segm(segm_results))
    print(
        f"wrote gt.json, results.json{', results-segm.json' if args.segm else ''} and "
        f"summary.txt into {args.out}"
    )


if __name__ == "__main__":
    main()
