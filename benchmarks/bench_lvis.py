"""LVIS evaluation: modelmetrics against hotcoco, ultrafast-pycocotools and
faster-coco-eval (lvis-api with ``--with-lvis-api``), each run in a fresh process pinned
to the chosen cores, files to results.

Run::

    python benchmarks/bench_lvis.py --cpus 0 --images 5000 --repeats 3
    python benchmarks/bench_lvis.py --cpus 0-1 --images 5000 --repeats 3

The data, generated here with its own generator (cached in ``benchmarks/.cache/``), is
shaped like LVIS v1 val: 1,203 categories (337 rare, 461 common, 405 frequent), images of
about 640x480 with random ids below 10^6, 1 + Poisson(3) positive categories per image
drawn with frequent categories 30x and common ones 5x as likely as rare ones, 1 +
Geometric(1/3) instances of each (about 12 boxes per image, sizes log-uniform from 4 to
400 pixels), Poisson(8) ``neg_category_ids`` and a fifth of the positive categories in
``not_exhaustive_category_ids``; 300 detections per image (LVIS's cap): one to three
near each object (10% with a wrong category), the rest anywhere, of any category. The
summary of every library is compared with modelmetrics' (which is ``==`` lvis-api's in
the tests); differences are printed, not hidden.

``--iou-type segm`` evaluates masks on the COCO engine benchmark's realistic set
(``benchmarks/coco_realistic.py``: polygon ground truth, compressed-RLE results, 80
categories) with LVIS's fields added the same way (random frequencies, Poisson(8) of the
absent categories in ``neg_category_ids``, a fifth of the present ones not exhaustive)::

    python benchmarks/bench_lvis.py --cpus 0 --iou-type segm --images 5000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LIBS = ("modelmetrics", "hotcoco", "ultrafast-pycocotools", "faster-coco-eval")
N_CATS = 1203
DETS_PER_IMAGE = 300


def generate(n_images: int, folder: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    frequency = np.array(["r"] * 337 + ["c"] * 461 + ["f"] * 405)
    rng.shuffle(frequency)
    weight = np.select([frequency == "f", frequency == "c"], [30.0, 5.0], 1.0)
    weight /= weight.sum()
    cat_ids = np.arange(1, N_CATS + 1)
    images, anns, dts = [], [], []
    for image_id in rng.choice(10**6, n_images, replace=False).tolist():
        width, height = int(rng.integers(400, 641)), int(rng.integers(300, 481))
        k = 1 + rng.poisson(3)
        picked = rng.choice(N_CATS, size=min(k + 8, N_CATS), replace=False, p=weight)
        positive, negative = picked[:k], picked[k : k + rng.poisson(8)]
        objects = []
        for c in positive.tolist():
            for _ in range(int(rng.geometric(1 / 3))):
                w, h = np.exp(rng.uniform(np.log(4), np.log(400), 2))
                w, h = min(w, width - 1), min(h, height - 1)
                x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
                box = [round(float(v), 2) for v in (x, y, w, h)]
                anns.append({"id": len(anns) + 1, "image_id": image_id,
                             "category_id": int(cat_ids[c]), "bbox": box,
                             "area": round(box[2] * box[3] * 0.7, 2), "iscrowd": 0})  # fmt: skip
                objects.append((int(cat_ids[c]), box))
        not_exhaustive = [int(cat_ids[c]) for c in positive.tolist() if rng.random() < 0.2]
        images.append({"id": image_id, "width": width, "height": height,
                       "neg_category_ids": [int(cat_ids[c]) for c in negative.tolist()],
                       "not_exhaustive_category_ids": not_exhaustive})  # fmt: skip
        n_near = 0
        for cat, (x, y, w, h) in objects:
            for _ in range(int(rng.integers(1, 4))):
                if n_near >= DETS_PER_IMAGE:
                    break
                s = 0.15 * rng.random()
                box = [x + rng.normal(0, s * w), y + rng.normal(0, s * h),
                       w * (1 + rng.normal(0, s)), h * (1 + rng.normal(0, s))]  # fmt: skip
                box = [round(max(float(v), 0.0), 2) for v in box]
                c = cat if rng.random() < 0.9 else int(rng.choice(cat_ids, p=weight))
                dts.append({"image_id": image_id, "category_id": c, "bbox": box,
                            "score": round(float(rng.beta(4, 2)), 5)})  # fmt: skip
                n_near += 1
        n_stray = DETS_PER_IMAGE - n_near
        cats = rng.choice(cat_ids, size=n_stray, p=weight).tolist()
        w = np.exp(rng.uniform(np.log(4), np.log(300), n_stray))
        h = np.exp(rng.uniform(np.log(4), np.log(300), n_stray))
        x, y = rng.uniform(0, width, n_stray), rng.uniform(0, height, n_stray)
        scores = rng.beta(1, 6, n_stray)
        for j in range(n_stray):
            box = [round(float(v), 2) for v in (x[j], y[j], w[j], h[j])]
            dts.append({"image_id": image_id, "category_id": int(cats[j]), "bbox": box,
                        "score": round(float(scores[j]), 5)})  # fmt: skip
    categories = [{"id": int(c), "name": f"category_{c}", "frequency": str(f),
                   "synset": f"s{c}.n.01", "image_count": 1, "instance_count": 1}
                  for c, f in zip(cat_ids, frequency, strict=True)]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gt.json").write_text(json.dumps({"images": images, "annotations": anns,
                                                "categories": categories}))  # fmt: skip
    (folder / "dt.json").write_text(json.dumps(dts))


def lvis_from_coco(n_images: int, folder: Path, seed: int = 0) -> None:
    """The realistic COCO set (dense) with LVIS's image and category fields added."""
    from coco_realistic import cached

    source = cached(n_images, "dense", seed)
    gt = json.loads((source / "gt.json").read_text())
    rng = np.random.default_rng(seed)
    cat_ids = [c["id"] for c in gt["categories"]]
    for cat in gt["categories"]:
        cat["frequency"] = str(rng.choice(["r", "c", "f"]))
    present: dict[int, set[int]] = {img["id"]: set() for img in gt["images"]}
    for ann in gt["annotations"]:
        present[ann["image_id"]].add(ann["category_id"])
    for img in gt["images"]:
        here = sorted(present[img["id"]])
        absent = [c for c in cat_ids if c not in present[img["id"]]]
        k = min(len(absent), int(rng.poisson(8)))
        img["neg_category_ids"] = [int(c) for c in rng.choice(absent, k, replace=False)]
        img["not_exhaustive_category_ids"] = [c for c in here if rng.random() < 0.2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gt.json").write_text(json.dumps(gt))
    (folder / "dt.json").write_bytes((source / "dt_segm.json").read_bytes())


def child(lib: str, folder: str, out: str, iou_type: str = "bbox") -> None:
    import contextlib
    import io

    gt_path, dt_path = f"{folder}/gt.json", f"{folder}/dt.json"
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        if lib in ("modelmetrics", "hotcoco", "lvis-api"):
            if lib == "modelmetrics":
                from modelmetrics.lvis import LVIS, LVISEval, LVISResults
            elif lib == "hotcoco":
                from hotcoco import LVIS, LVISEval, LVISResults  # type: ignore[no-redef]
            else:
                import numpy

                numpy.__dict__.setdefault("float", float)  # lvis-api 0.5.3 on numpy 2
                from lvis import LVIS, LVISEval, LVISResults  # type: ignore[no-redef]
            gt = LVIS(gt_path)
            dt = LVISResults(gt, dt_path)
            loaded = time.perf_counter()
            ev = LVISEval(gt, dt, iou_type)
            ev.evaluate()
            ev.accumulate()
            evaluated = time.perf_counter()
            ev.summarize()
            got = ev.get_results()
            summary = {k: float(got[k]) for k in ("AP", "AP50", "APr", "APc", "APf")}
        else:
            if lib == "ultrafast-pycocotools":
                from ultrafast_pycocotools.coco import COCO
                from ultrafast_pycocotools.cocoeval import COCOeval

                make = lambda g, d: COCOeval(g, d, iou_type, lvis_style=True)  # noqa: E731
            else:
                from faster_coco_eval import (
                    COCO,  # type: ignore[no-redef]
                    COCOeval_faster,
                )

                make = lambda g, d: COCOeval_faster(g, d, iou_type, lvis_style=True)  # noqa: E731
            gt = COCO(gt_path)
            dt = gt.loadRes(dt_path)
            loaded = time.perf_counter()
            ev = make(gt, dt)
            ev.evaluate()
            ev.accumulate()
            evaluated = time.perf_counter()
            ev.summarize()
            stats = ev.stats_as_dict if hasattr(ev, "stats_as_dict") else {}
            summary = {k: float(v) for k, v in stats.items() if k in ("AP_all", "AP_50",
                       "APr", "APc", "APf", "AP", "AP50")}  # fmt: skip
            summary.setdefault("AP", float(ev.stats[0]))
    end = time.perf_counter()
    Path(out).write_text(json.dumps({
        "load": loaded - start, "evaluate+accumulate": evaluated - loaded, "end-to-end": end - start,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "summary": summary,
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpus", default="0")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iou-type", choices=("bbox", "segm"), default="bbox")
    parser.add_argument("--with-lvis-api", action="store_true")
    parser.add_argument("--only", nargs="+", metavar="LIB", help="run only these libraries")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from _timing import pinned_child_runs, print_stage_table
    from bench_coco_engine import parse_cpus, spawn  # the COCO engine benchmark's tools

    if args.iou_type == "bbox":
        folder = HERE / ".cache" / f"lvis-{args.images}-seed0"
        if not (folder / "dt.json").exists():
            generate(args.images, folder)
    else:
        folder = HERE / ".cache" / f"lvis-segm-realistic-{args.images}-seed0"
        if not (folder / "dt.json").exists():
            lvis_from_coco(args.images, folder)
    libs = list(LIBS) + (["lvis-api"] if args.with_lvis_api else [])
    if args.only:
        libs = [
            "modelmetrics",
            *(lib for lib in libs if lib in args.only and lib != "modelmetrics"),
        ]
    cpus = parse_cpus(args.cpus)
    control = spawn(["--control", str(len(cpus))], cpus, len(cpus), 120.0)
    speedup = control.get("speedup", float("nan"))
    runs = pinned_child_runs(
        lambda lib, out: [sys.executable, __file__, "--child", lib, str(folder), out,
                          args.iou_type],
        libs, cpus, args.repeats,
    )  # fmt: skip
    gt = json.loads((folder / "gt.json").read_text())
    n_dt = len(json.loads((folder / "dt.json").read_text()))
    print(f"# LVIS {args.iou_type}, {args.images} images, {len(gt['categories'])} categories, "
          f"{len(gt['annotations'])} objects, {n_dt} detections; cpus "
          f"{args.cpus}, median of {args.repeats} fresh processes")  # fmt: skip
    print_stage_table(runs, libs, len(cpus), speedup)
    print("summaries (first run of each):")
    for lib in libs:
        print(f"  {lib}: " + ", ".join(f"{k} {v:.6f}" for k, v in runs[lib][0]["summary"].items()))


if __name__ == "__main__":
    main()
