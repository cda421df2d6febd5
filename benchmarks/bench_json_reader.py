"""Reading COCO JSON files: json and orjson (+ the dict extractor) vs the compiled reader.

Run as ``python benchmarks/bench_json_reader.py`` (options: ``--results N``, ``--images N``,
``--repeats R``). It writes two synthetic files under ``benchmarks/.cache/`` (kept between
runs): a detections file like a detector's output (float32 boxes and scores printed as
Python floats, ~140 bytes per detection; the default 290,000 detections make ~41 MB) and a
COCO val2017-sized ground truth (5,000 images, ~7 annotations each with polygon or RLE
segmentations, ~25 MB). Every figure is the median wall time of ``--repeats`` runs in this
process after one warm-up, from reading the file (bytes) to numpy columns:

* ``json`` / ``orjson``: parse to dicts, then ``extract_columns`` (the path used before);
* ``reader``: ``modelmetrics._kernels.read_results`` / ``read_ground_truth``, one core
  (and the same on bytes already in memory: the parse alone);
* ``COCO()`` / ``loadRes()``: the public API end to end (file -> columns, no dicts);
* ``ultrafast-pycocotools`` when installed: its ``COCO(path)`` / ``loadRes(path)``.

Before timing, the reader's columns are checked ``==`` against json + extract_columns.
"peak RSS" is the growth of the peak resident memory of a fresh process over one call
(file bytes, parsed objects and columns together; the objects it returns included; for
"bytes in memory" the input is already there).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import environment, markdown_table, median_seconds

from modelmetrics import _kernels
from modelmetrics._coco.api import COCO
from modelmetrics._detection.columns import extract_columns

CACHE = Path(__file__).parent / ".cache"


def _f32(x: float) -> float:
    return float(np.float32(x))


def make_results(path: Path, n: int, seed: int = 0) -> None:
    """Detections as a detector writes them: float32 values printed as doubles."""
    rng = random.Random(seed)
    images = [rng.randrange(1, 581_930) for _ in range(5000)]
    dets = []
    for _ in range(n):
        x, y = rng.uniform(0, 600), rng.uniform(0, 400)
        w, h = rng.uniform(1, 300), rng.uniform(1, 300)
        dets.append(
            {
                "image_id": rng.choice(images),
                "category_id": rng.randrange(1, 91),
                "bbox": [_f32(x), _f32(y), _f32(w), _f32(h)],
                "score": _f32(rng.random()),
            }
        )
    path.write_text(json.dumps(dets))


def make_ground_truth(path: Path, n_images: int, seed: int = 0) -> None:
    """A val2017-like dataset: images with metadata, polygon and RLE annotations."""
    rng = random.Random(seed)
    images, annotations = [], []
    ann_id = 1
    for k in range(n_images):
        image_id = 100_000 + 37 * k
        width, height = rng.choice([(640, 480), (640, 427), (480, 640), (500, 375)])
        images.append(
            {
                "license": rng.randrange(1, 9),
                "file_name": f"{image_id:012d}.jpg",
                "coco_url": f"http://images.cocodataset.org/val2017/{image_id:012d}.jpg",
                "height": height,
                "width": width,
                "date_captured": "2013-11-14 17:02:52",
                "flickr_url": f"http://farm7.staticflickr.com/6116/{image_id}_de4bd8d7b4_z.jpg",
                "id": image_id,
            }
        )
        for _ in range(rng.randrange(0, 15)):
            x, y = round(rng.uniform(0, width - 10), 2), round(rng.uniform(0, height - 10), 2)
            w, h = round(rng.uniform(2, width - x), 2), round(rng.uniform(2, height - y), 2)
            crowd = rng.random() < 0.01
            if crowd:
                counts = [rng.randrange(1, 400) for _ in range(rng.randrange(20, 200))]
                seg: Any = {"counts": counts, "size": [height, width]}
            else:
                seg = [
                    [round(rng.uniform(0, width), 2) for _ in range(2 * rng.randrange(4, 40))]
                    for _ in range(rng.choice([1, 1, 1, 2]))
                ]
            annotations.append(
                {
                    "segmentation": seg,
                    "area": round(w * h * rng.uniform(0.4, 0.9), 4),
                    "iscrowd": int(crowd),
                    "image_id": image_id,
                    "bbox": [x, y, w, h],
                    "category_id": rng.randrange(1, 91),
                    "id": ann_id,
                }
            )
            ann_id += 1
    categories = [
        {"supercategory": f"super{c // 10}", "id": c, "name": f"category {c}"}
        for c in range(1, 91)
        if c % 9 != 0
    ]
    info = {"description": "synthetic COCO-like ground truth", "version": "1.0", "year": 2017}
    path.write_text(
        json.dumps(
            {
                "info": info,
                "licenses": [{"url": "http://x", "id": 1, "name": "y"}],
                "images": images,
                "annotations": annotations,
                "categories": categories,
            }
        )
    )


def _cached(name: str, make: Callable[[Path], None]) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / name
    if not path.exists():
        make(path)
    return path


def _columns_via(loads: Callable[[bytes], Any], path: Path, results: bool) -> Any:
    data = loads(path.read_bytes())
    return extract_columns(data if results else data["annotations"], results=results)


def candidates(
    kind: str, path: Path, image_ids: list[int], only: str | None = None
) -> dict[str, Callable[[], Any]]:
    """The ways to get from a file to columns, for one file (or just the one named)."""
    results = kind == "results"
    reader = _kernels.read_results if results else _kernels.read_ground_truth
    out: dict[str, Callable[[], Any]] = {}

    def want(name: str) -> bool:
        return only is None or only == name

    if want("json"):
        out["json"] = lambda: _columns_via(json.loads, path, results)
    try:
        import orjson
    except ImportError:
        orjson = None
    if orjson is not None and want("orjson"):
        out["orjson"] = lambda: _columns_via(orjson.loads, path, results)
    if want("reader"):
        out["reader"] = lambda: reader(path.read_bytes())
    if want("reader, bytes in memory"):
        data = path.read_bytes()
        out["reader, bytes in memory"] = lambda: reader(data)
    # loadRes checks image ids against the ground truth: give it one that has them.
    base_doc = {
        "images": [{"id": i} for i in image_ids],
        "annotations": [],
        "categories": [{"id": c} for c in range(1, 91)],
    }
    if results and want("loadRes(path)"):
        base = COCO(base_doc)
        base.getImgIds()  # its index is built outside the timing
        out["loadRes(path)"] = lambda: base.loadRes(str(path))._columns()
    if not results and want("COCO(path)"):
        out["COCO(path)"] = lambda: COCO(str(path))._columns()
    try:
        import ultrafast_pycocotools as ufp  # type: ignore[import-not-found]
    except ImportError:
        return out
    if results and want("ultrafast loadRes(path)"):
        ubase = ufp.COCO(base_doc, verbose=False)
        out["ultrafast loadRes(path)"] = lambda: ubase.loadRes(str(path))
    if not results and want("ultrafast COCO(path)"):
        out["ultrafast COCO(path)"] = lambda: ufp.COCO(str(path), verbose=False)
    return out


def _max_rss_mib() -> float:
    # VmHWM belongs to this process image; ru_maxrss would carry the parent's peak
    # across fork + exec on Linux.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(kind: str, path: Path, name: str, image_ids: list[int]) -> None:
    """Peak resident memory of one call, in a fresh process, above what setup used."""
    fn = candidates(kind, path, image_ids, only=name)[name]
    before = _max_rss_mib()
    result = fn()
    print(_max_rss_mib() - before)
    del result


def _peak_mib(kind: str, path: Path, name: str, ids_path: Path) -> float:
    import subprocess

    cmd = [sys.executable, __file__, "--child", kind, str(path), name, str(ids_path)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=290_000, help="detections")
    parser.add_argument("--images", type=int, default=5000, help="ground-truth images")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, name, ids_path = args.child
        _child(kind, Path(path), name, json.loads(Path(ids_path).read_text()))
        return

    res_path = _cached(f"results_{args.results}.json", lambda p: make_results(p, args.results))
    gt_path = _cached(
        f"ground_truth_{args.images}.json", lambda p: make_ground_truth(p, args.images)
    )

    # The reader must agree with json + extract_columns before it is timed.
    ours = _kernels.read_results(res_path.read_bytes())
    ref = _columns_via(json.loads, res_path, True)
    assert ours.status == "ok", ours
    for name in ("image_id", "category_id", "bbox", "score"):
        assert np.array_equal(getattr(ours, name), getattr(ref, name)), name
    gt = _kernels.read_ground_truth(gt_path.read_bytes())
    gref = _columns_via(json.loads, gt_path, False)
    assert gt.status == "ok", gt
    for name, ref_name in [
        ("bbox", "bbox"),
        ("area", "area"),
        ("ann_id", "id"),
        ("crowd", "crowd"),
    ]:
        assert np.array_equal(getattr(gt, name), getattr(gref, ref_name)), name
    image_ids = np.unique(ours.image_id).tolist()
    ids_path = CACHE / f"image_ids_{args.results}.json"
    ids_path.write_text(json.dumps(image_ids))

    rows = []
    for kind, path in [("results", res_path), ("ground truth", gt_path)]:
        size = path.stat().st_size
        fns = candidates(kind, path, image_ids)
        times = {name: median_seconds(fn, args.repeats) for name, fn in fns.items()}
        best_dict = min(t for n, t in times.items() if n in ("json", "orjson"))
        for name, t in times.items():
            peak = _peak_mib(kind, path, name, ids_path)
            rows.append([kind, name, t * 1e3, size / t / 1e6, best_dict / t, peak])

    print(f"# COCO JSON reading, median of {args.repeats}; {environment()}")
    print(
        f"results: {res_path.stat().st_size / 1e6:.1f} MB, {ours.n:,} detections; "
        f"ground truth: {gt_path.stat().st_size / 1e6:.1f} MB, {args.images:,} images, "
        f"{gt.n:,} annotations ({time.strftime('%Y-%m-%d')})"
    )
    headers = ["file", "path", "ms", "MB/s", "speed-up vs best dict path", "peak RSS MiB"]
    print(markdown_table(headers, rows))


if __name__ == "__main__":
    main()
