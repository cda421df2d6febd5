"""COCO keypoints evaluation: modelmetrics against ultrafast-pycocotools and hotcoco
(pycocotools with ``--with-pycocotools``), each run in a fresh process pinned to the
chosen cores, files to stats.

Run::

    python benchmarks/bench_keypoints.py --cpus 0 --images 5000 --repeats 3
    python benchmarks/bench_keypoints.py --cpus 0-1 --images 5000 --repeats 3

The data, generated here with its own generator (cached in ``benchmarks/.cache/``), is
shaped like COCO's person keypoints: about 640x480 images with random ids below 10^6,
2.2 people per image (Poisson) with 17 integer keypoints, visible with probability 0.7
(0.1 for small people, most of whom then have none: ``num_keypoints`` 0), 3% crowd; 20
detections per image (COCO's maxDets for keypoints), 60% of them near a person with
noise growing with its size, the others anywhere, with float coordinates. Every library's
10 stats must be ``==`` modelmetrics' (a mismatch stops the benchmark).
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
LIBS = ("modelmetrics", "ultrafast-pycocotools", "hotcoco")
K = 17


def generate(n_images: int, folder: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    images, anns, dts = [], [], []
    for image_id in rng.choice(10**6, n_images, replace=False).tolist():
        images.append({"id": image_id, "height": 480, "width": 640})
        people = []
        for _ in range(rng.poisson(2.2)):
            w, h = rng.uniform(10, 250), rng.uniform(20, 400)
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            kx, ky = x + rng.uniform(0, w, K), y + rng.uniform(0, h, K)
            v = np.where(rng.random(K) < (0.1 if w * h < 2048 else 0.7), 2, 0)
            v[(v == 2) & (rng.random(K) < 0.15)] = 1
            keypoints: list[int] = []
            for a, b, c in zip(kx, ky, v, strict=True):
                keypoints += [round(a) if c else 0, round(b) if c else 0, int(c)]
            anns.append({"id": len(anns) + 1, "image_id": image_id, "category_id": 1,
                         "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                         "area": round(w * h * 0.6, 2), "iscrowd": int(rng.random() < 0.03),
                         "keypoints": keypoints, "num_keypoints": int((v > 0).sum())})  # fmt: skip
            people.append((kx, ky, max(w, h)))
        for _ in range(20):
            if people and rng.random() < 0.6:
                kx, ky, size = people[rng.integers(len(people))]
                s = rng.uniform(0.02, 0.2) * size
                px, py = kx + rng.normal(0, s, K), ky + rng.normal(0, s, K)
            else:
                cx, cy = rng.uniform(0, 640), rng.uniform(0, 480)
                px, py = cx + rng.normal(0, 40, K), cy + rng.normal(0, 60, K)
            det = [round(float(v), 2) for xy in zip(px, py, strict=True) for v in (*xy, 1)]
            dts.append({"image_id": image_id, "category_id": 1, "keypoints": det,
                        "score": round(float(rng.random()), 6)})  # fmt: skip
    cats = [{"id": 1, "name": "person", "keypoints": [f"k{j}" for j in range(K)]}]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gt.json").write_text(json.dumps({"images": images, "annotations": anns,
                                                "categories": cats}))  # fmt: skip
    (folder / "dt.json").write_text(json.dumps(dts))


def child(lib: str, folder: str, out: str) -> None:
    import contextlib
    import io

    if lib == "modelmetrics":
        from modelmetrics.coco import COCO, COCOeval
    elif lib == "ultrafast-pycocotools":
        from ultrafast_pycocotools.coco import COCO  # type: ignore[no-redef]
        from ultrafast_pycocotools.cocoeval import COCOeval  # type: ignore[no-redef]
    elif lib == "hotcoco":
        from hotcoco import COCO, COCOeval  # type: ignore[no-redef]
    else:
        from pycocotools.coco import COCO  # type: ignore[no-redef]
        from pycocotools.cocoeval import COCOeval  # type: ignore[no-redef]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(f"{folder}/gt.json")
        dt = gt.loadRes(f"{folder}/dt.json")
        loaded = time.perf_counter()
        ev = COCOeval(gt, dt, "keypoints")
        ev.evaluate()
        ev.accumulate()
        evaluated = time.perf_counter()
        ev.summarize()
    end = time.perf_counter()
    Path(out).write_text(json.dumps({
        "load": loaded - start, "evaluate+accumulate": evaluated - loaded, "end-to-end": end - start,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stats": [float(s) for s in ev.stats],
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpus", default="0")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--with-pycocotools", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from _timing import pinned_child_runs, print_stage_table
    from bench_coco_engine import parse_cpus, spawn  # the COCO engine benchmark's tools

    folder = HERE / ".cache" / f"keypoints-{args.images}-seed0"
    if not (folder / "dt.json").exists():
        generate(args.images, folder)
    libs = list(LIBS) + (["pycocotools"] if args.with_pycocotools else [])
    cpus = parse_cpus(args.cpus)
    # The control: pure C work (sha256) in len(cpus) threads against one, pinned; a row
    # for N cores is only valid where it reaches 0.9 N.
    control = spawn(["--control", str(len(cpus))], cpus, len(cpus), 120.0)
    speedup = control.get("speedup", float("nan"))
    runs = pinned_child_runs(
        lambda lib, out: [sys.executable, __file__, "--child", lib, str(folder), out],
        libs, cpus, args.repeats,
    )  # fmt: skip
    reference = runs["modelmetrics"][0]["stats"]
    for lib, results in runs.items():
        if any(r["stats"] != reference for r in results):
            raise SystemExit(f"{lib}'s stats differ from modelmetrics': {results[0]['stats']}")
    n_gt = len(json.loads((folder / "gt.json").read_text())["annotations"])
    print(f"# COCO keypoints, {args.images} images ({n_gt} people, 20 detections per image), "
          f"cpus {args.cpus}, median of {args.repeats} fresh processes; stats == across libraries")  # fmt: skip
    print_stage_table(runs, libs, len(cpus), speedup)


if __name__ == "__main__":
    main()
