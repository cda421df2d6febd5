"""Realistic COCO-style benchmark data: ground truth plus bbox and segm detection results.

Run: ``python benchmarks/coco_realistic.py --images 5000 --density dense|sparse [--seed 0]
[--out DIR] [--jobs N] [--force]``

Writes ``DIR/gt.json`` (a COCO instances file), ``DIR/dt_bbox.json`` and ``DIR/dt_segm.json``
(results lists) and ``DIR/summary.json`` (what was generated, for the benchmark's header).
Without ``--out`` the files go to ``benchmarks/.cache/`` under a name made of the parameters
and a hash of this file, and are reused when they are already there. The same parameters
always give the same bytes, whatever ``--jobs`` is: every image draws from a random stream
of its own, seeded by ``(seed, image index)``.

What the data imitates, because each part changes what an evaluator spends its time on:

- images: ids random and non-contiguous in 1..10**6, in random order; sizes around 640x480
  (the long side 640 for 90% of images, the short side 360-480, a tenth portrait);
- categories: COCO's 80 ids (1..90 with ten gaps), a Zipf-like frequency (rank ``r`` gets
  weight ``1/r``; id 1, COCO's person, holds about 29% of the objects, as person does in
  COCO), 1-6 classes per image (2.2 on average);
- ground truth: a geometric-ish count per image (mean about 7, long tail, about 1% images
  without objects); each object a star-shaped polygon of 8-40 vertices (more for larger
  objects) around a centre inside the image, vertices clamped to the image, coordinates
  with two decimals; ``bbox`` the polygon's bounds; ``area`` the polygon's shoelace area (a
  float, as in COCO's own files, whose polygon areas are not pixel counts); sizes spread
  over COCO's small/medium/large ranges;
- about 1% of the objects crowds (``iscrowd=1``): a union of 2-4 larger blobs written as
  an *uncompressed* RLE (``{"counts": [ints], "size": [h, w]}``), ``area`` its pixel count;
- detections, as a detector writes them: for each ground-truth object a few jittered
  copies (quality spread from tight to poor, 8% with a wrong class), plus false positives
  of the image's classes and of others; float32 scores in (0, 1], higher for better copies;
  boxes float32 too (a detector's ``tensor.tolist()``); per image sorted by score and cut
  to the top 100. ``sparse``: about 28 per image; ``dense``: about 94 (most images at 100);
- ``dt_bbox.json``: ``image_id``, ``category_id``, ``bbox``, ``score``;
  ``dt_segm.json``: the same detections with ``segmentation`` a compressed RLE (``counts`` a
  ``str``) of the jittered polygon, and the same ``bbox``.

The masks are pycocotools' ``mask.frPyObjects`` of each polygon, which is the compressed RLE
that ``mask.encode`` gives for the rasterised polygon (RLEs are canonical) without building
a 640x480 array per detection. When pycocotools is not installed, ``modelmetrics.mask`` does
the same (its results are pycocotools', byte for byte). The two densities share one
``gt.json`` (same seed, same bytes). Images are generated in parallel over ``--jobs``
processes (all usable cores by default): about 5 ms of one core per dense image (most of it
rasterising polygons), so 5000 dense images take 25 s on one core and a few on 16.
"""

from __future__ import annotations

import os

# One BLAS thread: the parent forks its workers, and a fork of a process with idle
# OpenBLAS threads is what Python 3.12 warns about. Nothing here needs BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import hashlib
import itertools
import json
import math
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any

import numpy as np

CACHE = Path(__file__).resolve().parent / ".cache"
# COCO's 80 category ids: 1..90 without the ten ids its paper dropped.
CATEGORY_IDS = tuple(i for i in range(1, 91) if i not in {12, 26, 29, 30, 45, 66, 68, 69, 71, 83})
ZIPF_EXPONENT = 1.0
MAX_VERTICES = 40
MIN_VERTICES = 8
MAX_DETS = 100  # a detector's per-image cap, and COCOeval's largest maxDets
CROWD_FRACTION = 0.01
# Per density: (mean extra copies of a found object, missed-object fraction, mean false
# positives per image). Tuned so that after the top-100 cut sparse averages ~28 detections
# per image and dense ~94.
DENSITIES = {"sparse": (0.9, 0.08, 15.0), "dense": (3.2, 0.04, 80.0)}


def _mask_api() -> Any:
    """pycocotools' mask module, or modelmetrics' drop-in when pycocotools is absent."""
    try:
        import pycocotools.mask as mask
    except ImportError:
        import modelmetrics.mask as mask
    return mask


# --------------------------------------------------------------------------------------
# geometry


@dataclass
class Shapes:
    """n star-shaped polygons: vertex i of polygon j is (x[j, i], y[j, i]) for i < k[j]."""

    x: np.ndarray  # (n, MAX_VERTICES) float64, clamped to the image
    y: np.ndarray
    k: np.ndarray  # (n,) vertex counts

    def polygons(self) -> list[np.ndarray]:
        """Each polygon as a flat [x0, y0, x1, y1, ...] array, two decimals, as COCO has."""
        xy = np.round(np.stack([self.x, self.y], axis=2), 2).reshape(len(self.k), 2 * MAX_VERTICES)
        return [xy[j, : 2 * int(self.k[j])] for j in range(len(self.k))]

    def bounds(self) -> np.ndarray:
        """(n, 4) [x, y, w, h] of the polygons' vertices."""
        valid = np.arange(MAX_VERTICES)[None, :] < self.k[:, None]
        x0 = np.where(valid, self.x, np.inf).min(axis=1)
        y0 = np.where(valid, self.y, np.inf).min(axis=1)
        x1 = np.where(valid, self.x, -np.inf).max(axis=1)
        y1 = np.where(valid, self.y, -np.inf).max(axis=1)
        return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)

    def shoelace(self) -> np.ndarray:
        """(n,) area of each polygon, from the rounded coordinates that are written out."""
        x, y = np.round(self.x, 2), np.round(self.y, 2)
        nxt = (np.arange(MAX_VERTICES)[None, :] + 1) % self.k[:, None]
        rows = np.arange(len(self.k))[:, None]
        cross = x * y[rows, nxt] - x[rows, nxt] * y
        cross = np.where(np.arange(MAX_VERTICES)[None, :] < self.k[:, None], cross, 0.0)
        return np.abs(cross.sum(axis=1)) / 2.0  # type: ignore[no-any-return]


@dataclass
class Outline:
    """Unclamped shape parameters, kept so detections can be jittered copies of objects."""

    cx: np.ndarray
    cy: np.ndarray
    rx: np.ndarray
    ry: np.ndarray
    angle: np.ndarray  # rotation of the ellipse
    theta: np.ndarray  # (n, MAX_VERTICES) vertex angles
    radius: np.ndarray  # (n, MAX_VERTICES) vertex radius factors
    k: np.ndarray

    def place(self, w: int, h: int) -> Shapes:
        dx = self.rx[:, None] * self.radius * np.cos(self.theta)
        dy = self.ry[:, None] * self.radius * np.sin(self.theta)
        c, s = np.cos(self.angle)[:, None], np.sin(self.angle)[:, None]
        x = np.clip(self.cx[:, None] + c * dx - s * dy, 0.0, w)
        y = np.clip(self.cy[:, None] + s * dx + c * dy, 0.0, h)
        return Shapes(x, y, self.k)


def random_outlines(rng: np.random.Generator, n: int, w: int, h: int, size: np.ndarray) -> Outline:
    """n star-shaped outlines of about `size` pixels square root of area, centres inside."""
    aspect = np.exp(rng.normal(0.0, 0.45, n))
    rx = size * np.sqrt(aspect / math.pi)
    ry = size / np.sqrt(aspect * math.pi)
    # More vertices for larger outlines, as annotators click more on long boundaries.
    perimeter = 2 * math.pi * np.sqrt((rx**2 + ry**2) / 2)
    k = np.clip(np.round(6 + perimeter / 14 + rng.normal(0, 3, n)), MIN_VERTICES, MAX_VERTICES)
    k = k.astype(np.int64)
    step = 2 * math.pi / k[:, None]
    slot = np.arange(MAX_VERTICES)[None, :]
    # Jitter under half a step keeps the angles increasing: the polygon stays simple.
    theta = rng.uniform(0, 2 * math.pi, (n, 1)) + step * (
        slot + rng.uniform(-0.4, 0.4, (n, MAX_VERTICES))
    )
    # A smooth low-frequency wobble plus per-vertex noise: irregular, not spiky.
    wobble = rng.uniform(0.0, 0.25, (n, 1)) * np.sin(
        rng.integers(2, 5, (n, 1)) * theta + rng.uniform(0, 2 * math.pi, (n, 1))
    )
    radius = np.clip(1 + wobble + rng.normal(0, 0.08, (n, MAX_VERTICES)), 0.4, 1.6)
    return Outline(
        cx=rng.uniform(0, w, n),
        cy=rng.uniform(0, h, n),
        rx=rx,
        ry=ry,
        angle=rng.uniform(0, math.pi, n),
        theta=theta,
        radius=radius,
        k=k,
    )


def object_sizes(rng: np.random.Generator, n: int, w: int, h: int) -> np.ndarray:
    """Square roots of areas, log-normal: about 40/35/25% small/medium/large (32**2, 96**2)."""
    return np.clip(np.exp(rng.normal(math.log(44), 1.05, n)), 5.0, 0.9 * min(w, h))


def jittered(rng: np.random.Generator, src: Outline, quality: np.ndarray) -> Outline:
    """Copies of `src` moved, scaled and reshaped by amounts that grow as quality falls."""
    n = len(quality)
    loose = 1.0 - quality  # 0: tight copy, 1: poor one
    size = np.sqrt(src.rx * src.ry)
    shift = (0.04 + 0.45 * loose) * size
    scale = np.exp(rng.normal(0.0, 0.05 + 0.3 * loose, (2, n)))
    noise = rng.normal(0.0, 0.03 + 0.12 * loose[:, None], (n, MAX_VERTICES))
    return Outline(
        cx=src.cx + rng.normal(0.0, shift),
        cy=src.cy + rng.normal(0.0, shift),
        rx=src.rx * scale[0],
        ry=src.ry * scale[1],
        angle=src.angle + rng.normal(0.0, 0.05 + 0.2 * loose),
        theta=src.theta,
        radius=np.clip(src.radius * (1 + noise), 0.3, 1.8),
        k=src.k,
    )


def take(outline: Outline, index: np.ndarray) -> Outline:
    return Outline(*(getattr(outline, f)[index] for f in Outline.__dataclass_fields__))


def concat(parts: Sequence[Outline]) -> Outline:
    fields = Outline.__dataclass_fields__
    return Outline(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


def uncompressed_rle(mask_api: Any, rle: dict[str, Any]) -> tuple[list[int], int]:
    """Column-major run lengths (zeros first) of an RLE's mask, and its pixel count."""
    flat = np.asfortranarray(mask_api.decode(rle)).ravel(order="F")
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    runs = np.diff(np.concatenate([[0], edges, [flat.size]]))
    counts = runs.tolist()
    if flat[0]:
        counts.insert(0, 0)  # the counts always start with a run of zeros
    return counts, int(flat.sum())


# --------------------------------------------------------------------------------------
# one image


@dataclass(frozen=True)
class ImageSpec:
    index: int
    image_id: int
    width: int
    height: int
    n_objects: int
    first_ann: int  # annotation ids of this image: ann_ids[first_ann : first_ann + n]


def f32(values: np.ndarray) -> list[Any]:
    """float32 values as Python floats, as a detector's ``.tolist()`` writes them."""
    return values.astype(np.float32).astype(np.float64).tolist()  # type: ignore[no-any-return]


def generate_image(
    spec: ImageSpec,
    seed: int,
    density: str,
    class_weights: np.ndarray,
    ann_ids: np.ndarray,
    mask_api: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(ground-truth annotations, bbox results, segm results) of one image."""
    w, h = spec.width, spec.height
    # The ground truth draws on its own stream so both densities share one gt.json.
    rng = np.random.default_rng([seed, spec.index, 0])
    n = spec.n_objects
    n_classes = min(n, 1 + int(rng.poisson(2.5)), 6) if n else 1
    classes = rng.choice(len(CATEGORY_IDS), n_classes, replace=False, p=class_weights)
    local = np.sqrt(class_weights[classes])
    local /= local.sum()
    labels = classes[rng.choice(n_classes, n, p=local)] if n else classes[:0]
    crowd = rng.random(n) < CROWD_FRACTION
    size = object_sizes(rng, n, w, h)
    size = np.where(crowd, np.minimum(size * 3, 0.9 * min(w, h)), size)
    outline = random_outlines(rng, n, w, h, size)
    shapes = outline.place(w, h)
    polygons = shapes.polygons()
    areas = shapes.shoelace()
    boxes = np.round(shapes.bounds(), 2)

    gts: list[dict[str, Any]] = []
    kept = np.zeros(n, dtype=bool)
    for j in range(n):
        ann: dict[str, Any] = {
            "id": int(ann_ids[spec.first_ann + j]),
            "image_id": spec.image_id,
            "category_id": CATEGORY_IDS[int(labels[j])],
            "iscrowd": 0,
        }
        if crowd[j]:
            # A crowd: the object's blob and 1-3 more around it, one uncompressed RLE.
            extra = random_outlines(rng, int(rng.integers(1, 4)), w, h, size[j : j + 1] * 0.7)
            extra.cx = np.clip(outline.cx[j] + rng.normal(0, size[j] * 0.5, len(extra.k)), 0, w)
            extra.cy = np.clip(outline.cy[j] + rng.normal(0, size[j] * 0.3, len(extra.k)), 0, h)
            blobs = [polygons[j], *extra.place(w, h).polygons()]
            merged = mask_api.merge(mask_api.frPyObjects(blobs, h, w))
            counts, pixels = uncompressed_rle(mask_api, merged)
            if pixels == 0:
                continue
            bbox = [float(v) for v in mask_api.toBbox(merged)]
            ann.update(
                segmentation={"counts": counts, "size": [h, w]},
                area=float(pixels),
                bbox=bbox,
                iscrowd=1,
            )
        else:
            if areas[j] < 1.0:  # clamped to a sliver at the border: no object
                continue
            ann.update(
                segmentation=[polygons[j].tolist()],
                area=float(areas[j]),
                bbox=boxes[j].tolist(),
            )
        kept[j] = True
        gts.append(ann)

    # Detections: a stream per density, so sparse and dense differ only here.
    rng = np.random.default_rng([seed, spec.index, 1 + list(DENSITIES).index(density)])
    extra_copies, missed, false_pos = DENSITIES[density]
    found = np.flatnonzero(kept & (rng.random(n) >= missed))
    copies = 1 + rng.poisson(extra_copies, len(found))
    src = np.repeat(found, copies)
    # Copy quality: the best copy of an object is usually good, the others spread lower.
    first = np.zeros(len(src), dtype=bool)
    first[np.cumsum(copies) - copies] = True
    quality = np.where(first, rng.beta(5.0, 1.5, len(src)), rng.beta(2.0, 2.5, len(src)))
    tp = jittered(rng, take(outline, src), quality)
    tp_labels = labels[src].copy()
    wrong = rng.random(len(src)) < 0.08
    tp_labels[wrong] = rng.choice(len(CATEGORY_IDS), int(wrong.sum()), p=class_weights)
    tp_scores = 1 / (1 + np.exp(-rng.normal(5.0 * quality - 2.0, 1.0)))

    n_fp = int(rng.poisson(false_pos))
    fp = random_outlines(rng, n_fp, w, h, object_sizes(rng, n_fp, w, h) * 0.8)
    # Half the false positives are of the image's classes, half of any class.
    ours = rng.random(n_fp) < 0.5
    fp_labels = np.where(
        ours,
        classes[rng.integers(0, n_classes, n_fp)],
        rng.choice(len(CATEGORY_IDS), n_fp, p=class_weights),
    )
    fp_scores = rng.beta(1.1, 6.0, n_fp)

    dets = concat([tp, fp])
    det_labels = np.concatenate([tp_labels, fp_labels]).astype(np.int64)
    scores = np.concatenate([tp_scores, fp_scores]).astype(np.float32)
    scores = np.clip(scores, np.float32(1e-4), np.float32(1.0))
    order = np.argsort(-scores, kind="stable")[:MAX_DETS]
    dets = take(dets, order)
    det_labels, scores = det_labels[order], scores[order]
    det_shapes = dets.place(w, h)
    det_boxes = det_shapes.bounds()
    rles = mask_api.frPyObjects(det_shapes.polygons(), h, w) if len(order) else []

    bbox_results: list[dict[str, Any]] = []
    segm_results: list[dict[str, Any]] = []
    for j, (rle, box, score) in enumerate(zip(rles, f32(det_boxes), f32(scores), strict=True)):
        category = CATEGORY_IDS[int(det_labels[j])]
        bbox_results.append(
            {"image_id": spec.image_id, "category_id": category, "bbox": box, "score": score}
        )
        segm_results.append(
            {
                "image_id": spec.image_id,
                "category_id": category,
                "segmentation": {"size": [h, w], "counts": rle["counts"].decode("ascii")},
                "score": score,
                "bbox": box,
            }
        )
    return gts, bbox_results, segm_results


# --------------------------------------------------------------------------------------
# the whole set


@dataclass(frozen=True)
class Plan:
    """What the parent draws for all images: ids, sizes, object counts, annotation ids."""

    images: list[ImageSpec]
    ann_ids: np.ndarray
    class_weights: np.ndarray


def make_plan(n_images: int, seed: int) -> Plan:
    rng = np.random.default_rng([seed, 1 << 40])
    ids = rng.choice(10**6, n_images, replace=False) + 1
    portrait = rng.random(n_images) < 0.1
    long_side = np.where(rng.random(n_images) < 0.9, 640, rng.integers(480, 640, n_images))
    # The short side: 480 and 427 as in most COCO images, else anywhere in 360-480.
    short = rng.choice([480, 427, 0], n_images, p=[0.45, 0.3, 0.25])
    short = np.where(short == 0, rng.integers(360, 481, n_images), short)
    widths = np.where(portrait, short, long_side)
    heights = np.where(portrait, long_side, short)
    counts = np.minimum(rng.geometric(1 / 7.3, n_images), 90)
    counts[rng.random(n_images) < 0.01] = 0
    total = int(counts.sum())
    # Annotation ids: non-contiguous too, in no particular relation to the image ids.
    ann_ids = np.sort(rng.choice(max(3 * total, 1), total, replace=False)) + 1
    ann_ids = rng.permutation(ann_ids)
    starts = np.cumsum(counts) - counts
    rank = np.arange(1, len(CATEGORY_IDS) + 1, dtype=np.float64) ** -ZIPF_EXPONENT
    # Id 1 (COCO's person) is the most frequent; the others take ranks in a fixed shuffle.
    order = np.concatenate([[0], 1 + np.random.default_rng(12345).permutation(79)])
    weights = np.empty(len(CATEGORY_IDS))
    weights[order] = rank / rank.sum()
    images = [
        ImageSpec(i, int(ids[i]), int(widths[i]), int(heights[i]), int(counts[i]), int(starts[i]))
        for i in range(n_images)
    ]
    return Plan(images, ann_ids, weights)


def _chunk(
    args: tuple[list[ImageSpec], int, str, np.ndarray, np.ndarray],
) -> tuple[str, ...]:
    """JSON fragments (comma-joined objects, no brackets) of a run of images."""
    specs, seed, density, weights, ann_ids = args
    mask_api = _mask_api()
    gts: list[dict[str, Any]] = []
    bbox: list[dict[str, Any]] = []
    segm: list[dict[str, Any]] = []
    for spec in specs:
        g, b, s = generate_image(spec, seed, density, weights, ann_ids, mask_api)
        gts += g
        bbox += b
        segm += s
    return tuple(json.dumps(part, separators=(",", ":"))[1:-1] for part in (gts, bbox, segm))


def _join(fragments: list[str]) -> str:
    return "[" + ",".join(f for f in fragments if f) + "]"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def generate(
    out: Path, n_images: int, density: str, seed: int = 0, jobs: int | None = None
) -> dict[str, Any]:
    """Write gt.json, dt_bbox.json, dt_segm.json and summary.json to `out`; the summary."""
    start = time.perf_counter()
    plan = make_plan(n_images, seed)
    jobs = max(1, jobs or usable_cores())
    # Chunks several times more than the workers, so a slow chunk does not idle the rest.
    n_chunks = max(1, min(len(plan.images), jobs * 8))
    bounds = np.linspace(0, len(plan.images), n_chunks + 1).astype(int)
    tasks = [
        (plan.images[a:b], seed, density, plan.class_weights, plan.ann_ids)
        for a, b in itertools.pairwise(bounds)
    ]
    if jobs == 1:
        parts = [_chunk(t) for t in tasks]
    else:
        # fork: the workers start at once, without importing this module again.
        context = get_context("fork" if "fork" in get_all_start_methods() else None)
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            parts = list(pool.map(_chunk, tasks))
    gt = {
        "info": {"description": "modelmetrics realistic COCO-style benchmark set", "seed": seed},
        "licenses": [],
        "images": [
            {
                "id": s.image_id,
                "width": s.width,
                "height": s.height,
                "file_name": f"{s.image_id:012d}.jpg",
            }
            for s in plan.images
        ],
        "annotations": "@ANNOTATIONS@",
        "categories": [
            {"id": c, "name": f"class{c:02d}", "supercategory": f"group{(c - 1) // 10}"}
            for c in CATEGORY_IDS
        ],
    }
    gt_text = json.dumps(gt, separators=(",", ":"))
    gt_text = gt_text.replace('"@ANNOTATIONS@"', _join([p[0] for p in parts]), 1)
    texts = {
        "gt.json": gt_text,
        "dt_bbox.json": _join([p[1] for p in parts]),
        "dt_segm.json": _join([p[2] for p in parts]),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        tmp = out / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(out / name)
    summary = describe(texts, n_images, density, seed)
    summary["generate_seconds"] = round(time.perf_counter() - start, 2)
    summary["jobs"] = jobs
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def describe(texts: dict[str, str], n_images: int, density: str, seed: int) -> dict[str, Any]:
    """Counts and shares that say what the set is like, for the benchmark's header."""
    gt = json.loads(texts["gt.json"])
    anns = gt["annotations"]
    dts = json.loads(texts["dt_bbox.json"])
    areas = np.array([a["area"] for a in anns if not a["iscrowd"]])
    per_image = np.bincount(
        np.unique([d["image_id"] for d in dts], return_inverse=True)[1], minlength=1
    )
    cats = np.bincount([a["category_id"] for a in anns], minlength=91)
    verts = [len(a["segmentation"][0]) // 2 for a in anns if not a["iscrowd"]]
    return {
        "images": n_images,
        "density": density,
        "seed": seed,
        "gt": len(anns),
        "gt_per_image": round(len(anns) / n_images, 2),
        "crowd": sum(a["iscrowd"] for a in anns),
        "small_medium_large": [
            round(float(np.mean(areas < 32**2)), 3),
            round(float(np.mean((areas >= 32**2) & (areas < 96**2))), 3),
            round(float(np.mean(areas >= 96**2)), 3),
        ],
        "vertices_min_mean_max": [min(verts), round(float(np.mean(verts)), 1), max(verts)],
        "top_class_share": round(float(cats.max() / cats.sum()), 3),
        "dets": len(dts),
        "dets_per_image": round(len(dts) / n_images, 2),
        "images_at_cap": int((per_image >= MAX_DETS).sum()),
        "bytes": {name: len(text) for name, text in texts.items()},
    }


def cache_dir(n_images: int, density: str, seed: int) -> Path:
    """Where `cached` keeps a set: the parameters and this file's hash in the name."""
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:10]
    return CACHE / f"realistic-{n_images}-{density}-seed{seed}-{digest}"


def cached(n_images: int, density: str, seed: int = 0, jobs: int | None = None) -> Path:
    """The cached set's folder, generated first if missing."""
    out = cache_dir(n_images, density, seed)
    if not (out / "summary.json").exists():
        tmp = out.with_name(out.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        generate(tmp, n_images, density, seed, jobs)
        shutil.rmtree(out, ignore_errors=True)
        tmp.rename(out)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--density", choices=tuple(DENSITIES), default="dense")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="folder to write (default: the cache)")
    parser.add_argument("--jobs", type=int, help="worker processes (default: all usable cores)")
    parser.add_argument("--force", action="store_true", help="regenerate a cached set")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.out is not None:
        generate(args.out, args.images, args.density, args.seed, args.jobs)
        out = args.out
    else:
        if args.force:
            shutil.rmtree(cache_dir(args.images, args.density, args.seed), ignore_errors=True)
        out = cached(args.images, args.density, args.seed, args.jobs)
    summary = json.loads((out / "summary.json").read_text())
    print(json.dumps(summary))
    print(f"{out} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
