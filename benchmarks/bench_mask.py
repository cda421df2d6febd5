"""RLE mask API: modelmetrics.mask against pycocotools.mask and the peers' mask modules.

Run: ``python benchmarks/bench_mask.py [--repeats 15] [--images 400]``

Inputs come from ``coco_synth.py``'s synthetic set (generated in memory, seeded), on
its 480 x 640 images (h x w), the most common COCO size:

- ``encode``: 100 object masks, an (480, 640, 100) Fortran-ordered uint8 stack (the
  decoded masks of 100 detections);
- ``decode``, ``area``, ``toBbox``, ``merge``: the 100 RLEs of those masks;
- ``iou``: the 100 highest-scored detection masks against 20 ground-truth masks of the
  same images, with crowd flags (2 of the 20 flagged, so the IoA branch runs: the set has
  only ~1% crowd objects); and once per image over the images' own detections and
  ground truth, as COCOeval calls it (many small calls);
- ``frPyObjects``: every ground-truth polygon of those images in one call, and once per
  annotation (a one-polygon list), as ``annToRLE`` calls it.

Every implementation's output is first compared with pycocotools': the same types, RLE
``counts`` bytes and ``size`` lists, array dtype, shape, memory order and bytes. Times
are medians over ``--repeats`` samples; in each repeat the implementations run one after
the other (round robin), so drifts in the machine's load spread over all of them. A
sample times enough calls to last ``--min-sample`` seconds. modelmetrics runs with its
default threads and inside ``modelmetrics.num_threads(1)``; the peers with their own
defaults.
"""

from __future__ import annotations

import os

# Keep OpenBLAS from spinning worker threads on our two cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import contextlib
import gc
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import environment, markdown_table
from coco_synth import generate_segm

H, W = 480, 640
REFERENCE = "pycocotools"
MODELMETRICS = "modelmetrics"
MODELMETRICS_1T = "modelmetrics (1 thread)"
ULTRAFAST = "ultrafast-pycocotools"
PEER_DISTRIBUTIONS = ("faster-coco-eval", "ultrafast-pycocotools", "hotcoco")
# (implementation, module to import as its mask API)
MODULES = (
    (REFERENCE, "pycocotools.mask"),
    ("faster-coco-eval", "faster_coco_eval.core.mask"),
    (ULTRAFAST, "ultrafast_pycocotools.mask"),
    ("hotcoco", "hotcoco.mask"),
    (MODELMETRICS, "modelmetrics.mask"),
    (MODELMETRICS_1T, "modelmetrics.mask"),
)
# The targets: each of these at least 2x faster than pycocotools, no slower than
# ultrafast-pycocotools.
TARGET_FUNCTIONS = ("encode", "decode", "iou", "frPyObjects")


@dataclass(frozen=True)
class Inputs:
    masks: np.ndarray  # (H, W, 100) uint8, Fortran order
    rles: list[dict[str, Any]]  # their RLEs, bytes counts
    dt: list[dict[str, Any]]  # 100 detection RLEs
    gt: list[dict[str, Any]]  # 20 ground-truth RLEs
    crowd: list[int]  # 20 flags
    per_image: list[tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]]
    polygons: list[list[float]]  # every GT polygon of the images, flat [x1, y1, ...]
    segmentations: list[list[list[float]]]  # the same, one list per annotation


@dataclass(frozen=True)
class Case:
    function: str
    label: str
    call: Callable[[Any, Inputs], Any]  # (mask module, inputs) -> output
    calls: Callable[[Inputs], int]  # how many API calls one run makes (for the label)


def _per_image_iou(m: Any, x: Inputs) -> list[Any]:
    return [m.iou(d, g, c) for d, g, c in x.per_image]


def _per_annotation(m: Any, x: Inputs) -> list[Any]:
    return [m.frPyObjects(s, H, W) for s in x.segmentations]


CASES = (
    Case("encode", "encode: 100 masks 480x640", lambda m, x: m.encode(x.masks), lambda x: 1),
    Case("decode", "decode: 100 RLEs", lambda m, x: m.decode(x.rles), lambda x: 1),
    Case(
        "iou",
        "iou: 100 dt x 20 gt RLEs, crowd flags",
        lambda m, x: m.iou(x.dt, x.gt, x.crowd),
        lambda x: 1,
    ),
    Case("iou", "iou: per image (COCOeval's calls)", _per_image_iou, lambda x: len(x.per_image)),
    Case(
        "frPyObjects",
        "frPyObjects: GT polygons, one call",
        lambda m, x: m.frPyObjects(x.polygons, H, W),
        lambda x: 1,
    ),
    Case(
        "frPyObjects",
        "frPyObjects: per annotation (annToRLE's calls)",
        _per_annotation,
        lambda x: len(x.segmentations),
    ),
    Case("area", "area: 100 RLEs", lambda m, x: m.area(x.rles), lambda x: 1),
    Case("toBbox", "toBbox: 100 RLEs", lambda m, x: m.toBbox(x.rles), lambda x: 1),
    Case("merge", "merge: 100 RLEs (union)", lambda m, x: m.merge(x.rles), lambda x: 1),
    Case(
        "merge",
        "merge: 20 GT RLEs, intersect=1",
        lambda m, x: m.merge(x.gt, intersect=1),
        lambda x: 1,
    ),
)


# --------------------------------------------------------------------------------------
# inputs


def build_inputs(n_images: int, seed: int) -> tuple[Inputs, str]:
    """The inputs of every case, from the synthetic set's 480 x 640 images."""
    import pycocotools.mask as ref

    dataset, _, segm_results = generate_segm(n_images, seed)
    images = {im["id"] for im in dataset["images"] if (im["height"], im["width"]) == (H, W)}
    anns: dict[int, list[dict[str, Any]]] = {i: [] for i in images}
    for a in dataset["annotations"]:
        if a["image_id"] in images:
            anns[a["image_id"]].append(a)
    dets: dict[int, list[dict[str, Any]]] = {i: [] for i in images}
    for d in segm_results:
        if d["image_id"] in images:
            dets[d["image_id"]].append(d)

    def gt_rle(a: dict[str, Any]) -> dict[str, Any]:
        segm = a["segmentation"]
        if isinstance(segm, list):
            return ref.merge(ref.frPyObjects(segm, H, W))  # type: ignore[no-any-return]
        return ref.frPyObjects(segm, H, W)  # type: ignore[no-any-return]

    def dt_rle(d: dict[str, Any]) -> dict[str, Any]:
        return {"size": d["segmentation"]["size"], "counts": d["segmentation"]["counts"].encode()}

    ordered = sorted(images)
    # iou 100 x 20: the first images holding 20 ground-truth objects between them.
    gt_anns: list[dict[str, Any]] = []
    dt_pool: list[dict[str, Any]] = []
    for i in ordered:
        if len(gt_anns) >= 20:
            break
        gt_anns += anns[i]
        dt_pool += dets[i]
    gt_anns = gt_anns[:20]
    dt_pool.sort(key=lambda d: -d["score"])
    dt = [dt_rle(d) for d in dt_pool[:100]]
    gt = [gt_rle(a) for a in gt_anns]
    crowd = [a["iscrowd"] for a in gt_anns]
    crowd[3] = crowd[11] = 1
    # encode/decode: the masks of the first 100 detections of the images.
    rles = [dt_rle(d) for i in ordered for d in dets[i]][:100]
    masks = ref.decode(rles)
    per_image = [
        (
            [dt_rle(d) for d in dets[i]],
            [gt_rle(a) for a in anns[i]],
            [a["iscrowd"] for a in anns[i]],
        )
        for i in ordered
        if dets[i] and anns[i]
    ]
    segmentations = [a["segmentation"] for i in ordered for a in anns[i] if not a["iscrowd"]]
    polygons = [p for s in segmentations for p in s]
    inputs = Inputs(masks, rles, dt, gt, crowd, per_image, polygons, segmentations)
    summary = (
        f"{len(ordered)} images of {H}x{W} from the synthetic set ({n_images} images, seed {seed}); "
        f"iou per image: {len(per_image)} calls, {sum(len(p[0]) for p in per_image):,} dt, "
        f"{sum(len(p[1]) for p in per_image):,} gt; frPyObjects: {len(polygons):,} polygons"
    )
    return inputs, summary


# --------------------------------------------------------------------------------------
# parity


def same(a: Any, b: Any) -> str | None:
    """None if `a` is byte-identical to `b` (pycocotools' output), else where it differs."""
    if type(a) is not type(b):
        return f"type {type(a).__name__} != {type(b).__name__}"
    if isinstance(b, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"array {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        if a.flags.f_contiguous != b.flags.f_contiguous:
            return "memory order"
        if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
            return "values"
        if a.tobytes() != b.tobytes():
            return "bytes"
        return None
    if isinstance(b, dict):
        if list(a) != list(b):
            return f"keys {list(a)} != {list(b)}"
        for k in b:
            why = same(a[k], b[k])
            if why:
                return f"[{k!r}]: {why}"
        return None
    if isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            why = same(x, y)
            if why:
                return f"[{i}]{why}"
        return None
    if isinstance(b, np.generic):
        return None if a.dtype == b.dtype and a == b else f"{a!r} != {b!r}"
    return None if a == b else f"{a!r} != {b!r}"


# --------------------------------------------------------------------------------------
# timing


def _threads(name: str) -> contextlib.AbstractContextManager[Any]:
    if name == MODELMETRICS_1T:
        import modelmetrics

        return modelmetrics.num_threads(1)
    return contextlib.nullcontext()


def sample(fn: Callable[[], Any], number: int) -> float:
    """Seconds per call over `number` back-to-back calls."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def calls_per_sample(fn: Callable[[], Any], min_seconds: float) -> int:
    once = sample(fn, 1)
    return max(1, min(1000, int(min_seconds / max(once, 1e-9)) + 1))


def run_case(
    case: Case, modules: dict[str, Any], inputs: Inputs, repeats: int, min_seconds: float
) -> tuple[dict[str, float], dict[str, str]]:
    """(median seconds per run, parity note) per implementation."""
    outputs: dict[str, Any] = {}
    parity: dict[str, str] = {}
    fns: dict[str, Callable[[], Any]] = {}
    for name, module in modules.items():

        def fn(name: str = name, module: Any = module) -> Any:
            with _threads(name):
                return case.call(module, inputs)

        try:
            outputs[name] = fn()
        except Exception as exc:
            parity[name] = f"failed: {type(exc).__name__}: {exc}"[:120]
            continue
        fns[name] = fn
    ref = outputs.get(REFERENCE)
    for name, out in outputs.items():
        if name == REFERENCE:
            parity[name] = "reference"
        elif ref is None:
            parity[name] = "n/a"
        else:
            why = same(out, ref)
            parity[name] = "==" if why is None else f"differs: {why}"[:120]
    outputs.clear()
    numbers = {name: calls_per_sample(fn, min_seconds) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(sample(fn, numbers[name]))
    return {name: statistics.median(s) for name, s in samples.items()}, parity


# --------------------------------------------------------------------------------------
# report


def fmt_ratio(r: float) -> str:
    return f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


def targets(times: dict[str, dict[str, float]], parity: dict[str, dict[str, str]]) -> Iterator[str]:
    """The issue's mask targets for modelmetrics (default threads), measured, never asserted."""
    yield (
        "Targets (modelmetrics, default threads): encode, decode, iou and frPyObjects each "
        ">= 2x faster than pycocotools and no slower than ultrafast-pycocotools:"
    )
    for case in CASES:
        if case.function not in TARGET_FUNCTIONS:
            continue
        t = times[case.label]
        if MODELMETRICS not in t:
            yield f"- {case.label}: modelmetrics not measured ({parity[case.label].get(MODELMETRICS)})"
            continue
        parts, met = [], True
        for peer, need in ((REFERENCE, 2.0), (ULTRAFAST, 1.0)):
            if peer not in t:
                parts.append(f"{peer} not measured")
                continue
            got = t[peer] / t[MODELMETRICS]
            met &= got >= need
            parts.append(f"{fmt_ratio(got)} vs {peer} (>= {need:g}x)")
        yield f"- {case.label}: " + ", ".join(parts) + (": met" if met else ": NOT met")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=400, help="synthetic images generated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=15, help="samples per implementation")
    parser.add_argument("--min-sample", type=float, default=0.05, help="seconds per sample")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these libraries")
    args = parser.parse_args()

    modules: dict[str, Any] = {}
    notes: list[str] = []
    for name, module in MODULES:
        if args.only and name not in (*args.only, REFERENCE):
            continue
        try:
            modules[name] = __import__(module, fromlist=["_"])
        except Exception as exc:
            if name != MODELMETRICS_1T:
                notes.append(f"{name} not run: `import {module}` failed ({exc})")
    print("generating inputs ...", file=sys.stderr, flush=True)
    inputs, data_summary = build_inputs(args.images, args.seed)

    times: dict[str, dict[str, float]] = {}
    parity: dict[str, dict[str, str]] = {}
    for case in CASES:
        print(f"{case.label} ...", file=sys.stderr, flush=True)
        times[case.label], parity[case.label] = run_case(
            case, modules, inputs, args.repeats, args.min_sample
        )

    names = list(modules)
    lines = [
        f"# RLE mask API: {data_summary}",
        environment(extra=PEER_DISTRIBUTIONS),
        f"Median of {args.repeats} round-robin samples (>= {args.min_sample * 1e3:.0f} ms each); "
        f"os.cpu_count() = {os.cpu_count()}; ms per run (a run of a per-image or "
        "per-annotation row is all its calls).",
        "",
    ]
    rows = []
    for case in CASES:
        t = times[case.label]
        rows.append(
            [case.label]
            + [t[n] * 1e3 if n in t else parity[case.label].get(n, "n/a") for n in names]
        )
    lines.append(markdown_table(["case (ms)", *names], rows))

    lines += ["", "Output vs pycocotools' (`==`: same types, bytes, dtypes, shapes, memory order):"]
    others = [n for n in names if n != REFERENCE]
    lines.append(
        markdown_table(
            ["case", *others],
            [[c.label, *(parity[c.label].get(n, "n/a") for n in others)] for c in CASES],
        )
    )

    if MODELMETRICS in names:
        lines += [
            "",
            "Time of each library / modelmetrics' (default threads): above 1 means modelmetrics wins.",
        ]
        peers = [n for n in names if n != MODELMETRICS]
        ratio_rows = []
        for case in CASES:
            t = times[case.label]
            ratio_rows.append(
                [case.label]
                + [
                    fmt_ratio(t[n] / t[MODELMETRICS]) if n in t and MODELMETRICS in t else "n/a"
                    for n in peers
                ]
            )
        lines.append(markdown_table([f"vs {MODELMETRICS}", *peers], ratio_rows))
        lines += ["", *targets(times, parity)]
    lines += [f"Note: {n}" for n in notes]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
