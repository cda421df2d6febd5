"""Scale: streaming detection evaluation of a large generated set, and thread scaling.

Run: ``python benchmarks/bench_scale.py --images 1000000``

Part 1 streams ``--images`` generated images through one ``DetectionAccumulator`` in
chunks of ``--chunk`` images (each chunk generated from its own seed, then dropped),
in a fresh child process so that its peak RSS is its own. Only ``update`` and the final
``compute`` are timed; generating the chunks is timed apart. The target: peak RSS under
4 GiB, and time within 1.2x of (time of one 5000-image pass, ``update`` + ``compute``)
x images / 5000.

Part 2 times COCO bbox ``evaluate`` + ``accumulate`` (synthetic COCO, see coco_synth.py)
and semantic segmentation (``segmentation_metrics``) with 1 and 2 threads, checks the
results are ``==``, and prints the speed-ups (target: at least 1.7x with 2 threads),
with the process's CPU time over wall time in the 2-thread runs (2.0 when both cores
were ours) and a control workload (numpy sorts on the same thread pool) showing what
speed-up the machine allowed at that moment.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from functools import partial
from typing import Any

import numpy as np
from _timing import environment, markdown_table, median_seconds, peak_rss_bytes

from modelmetrics._core.parallel import num_threads, run_parallel
from modelmetrics.detection import DetectionAccumulator

CLASSES = 80
GIB = 1024**3


def make_chunk(seed: int, chunk: int, first_id: int, n: int) -> tuple[list[Any], list[Any]]:
    """`n` images: about 7 ground-truth boxes each (0 to 20), and about 15 detections:
    jittered copies of most boxes (some with the wrong class, some twice) plus background
    boxes; scores rounded to 3 decimals, so ties across images occur."""
    rng = np.random.default_rng([seed, chunk])
    n_gt = np.minimum(rng.poisson(7, n), 20)
    gts, preds = [], []
    for i in range(n):
        g = int(n_gt[i])
        xy = rng.uniform(0, 560, (g, 2))
        wh = rng.uniform(4, 200, (g, 2)) * rng.choice([0.15, 0.5, 1.0], (g, 1))
        boxes = np.hstack([xy, wh])
        labels = rng.integers(1, CLASSES + 1, g)
        copies = np.flatnonzero(rng.random(g) < 0.85)
        copies = np.concatenate([copies, copies[rng.random(len(copies)) < 0.3]])
        size = np.tile(boxes[copies, 2:], 2)
        dboxes = boxes[copies] + size * rng.normal(0, 0.08, (len(copies), 4))
        dboxes[:, 2:] = np.maximum(dboxes[:, 2:], 1.0)
        dlabels = labels[copies].copy()
        wrong = rng.random(len(copies)) < 0.1
        dlabels[wrong] = rng.integers(1, CLASSES + 1, int(wrong.sum()))
        b = int(rng.integers(0, 6))
        dboxes = np.vstack(
            [dboxes, np.hstack([rng.uniform(0, 560, (b, 2)), rng.uniform(4, 120, (b, 2))])]
        )
        dlabels = np.concatenate([dlabels, rng.integers(1, CLASSES + 1, b)])
        scores = np.round(np.clip(rng.beta(2, 2, len(dlabels)), 0.001, 1.0), 3)
        image_id = first_id + i
        gts.append({"image_id": image_id, "boxes": boxes, "labels": labels})
        preds.append({"image_id": image_id, "boxes": dboxes, "scores": scores, "labels": dlabels})
    return gts, preds


def stream(images: int, chunk: int, seed: int) -> dict[str, Any]:
    """Part 1, in this (child) process: timings, peak RSS and state size."""
    acc = DetectionAccumulator()
    t_gen = t_eval = 0.0
    n_gt = n_dt = 0
    for c, start in enumerate(range(0, images, chunk)):
        n = min(chunk, images - start)
        t0 = time.perf_counter()
        gts, preds = make_chunk(seed, c, start, n)
        t1 = time.perf_counter()
        acc.update(gts, preds)
        t2 = time.perf_counter()
        t_gen += t1 - t0
        t_eval += t2 - t1
        n_gt += sum(len(g["labels"]) for g in gts)
        n_dt += sum(len(p["labels"]) for p in preds)
        del gts, preds
    state_bytes, kept = acc.state_nbytes, acc.kept_detections
    t0 = time.perf_counter()
    result = acc.compute()
    t_compute = time.perf_counter() - t0
    return {
        "images": images,
        "gt": n_gt,
        "detections": n_dt,
        "kept": kept,
        "state_bytes": state_bytes,
        "generate_s": t_gen,
        "update_s": t_eval,
        "compute_s": t_compute,
        "peak_rss": peak_rss_bytes(),
        "map": result.map,
    }


def one_pass_5000(seed: int, repeats: int) -> tuple[float, float]:
    """Median time of update + compute over the first 5000 generated images, and its mAP."""
    gts, preds = make_chunk(seed, 0, 0, 5000)
    holder: list[float] = []

    def run() -> None:
        holder.append(DetectionAccumulator().update(gts, preds).compute().map)

    return median_seconds(run, repeats), holder[-1]


def thread_scaling(repeats: int) -> list[list[Any]]:
    from bench_segmentation import make_maps
    from coco_synth import cached_dataset

    from modelmetrics.coco import COCO, COCOeval
    from modelmetrics.segmentation import segmentation_metrics

    gt_path, res_path, summary = cached_dataset(5000)
    print(f"COCO set: {summary}")
    gt = COCO(str(gt_path))
    dt = gt.loadRes(str(res_path))

    def coco() -> Any:
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        return ev.eval

    preds, targets = make_maps(np.random.default_rng(5), 64, 512, 150, uniform=False)

    def semseg() -> Any:
        return segmentation_metrics(preds, targets, num_classes=150, ignore_index=255)

    sort_inputs = [np.random.default_rng(i).random(2_000_000) for i in range(4)]

    def control() -> Any:
        return run_parallel([partial(np.sort, x) for x in sort_inputs])

    rows = []
    for name, fn, same in [
        ("control: np.sort of 4 arrays on run_parallel", control, _same_sorted),
        ("COCO bbox evaluate + accumulate, 5000 images", coco, _same_eval),
        ("semantic segmentation, 64 maps 512x512, 150 classes", semseg, _same_semseg),
    ]:
        outs = {}
        for t in (1, 2):
            with num_threads(t):
                outs[t] = fn()
        # Interleaved repeats, medians per thread count (the machine is shared).
        wall: dict[int, list[float]] = {1: [], 2: []}
        busy: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(repeats):
            for t in (1, 2):
                with num_threads(t):
                    w0, c0 = time.perf_counter(), time.process_time()
                    fn()
                    w, c = time.perf_counter() - w0, time.process_time() - c0
                wall[t].append(w)
                busy[t].append(c / w)
        w1, w2 = statistics.median(wall[1]), statistics.median(wall[2])
        rows.append(
            [name, w1 * 1e3, w2 * 1e3, w1 / w2, statistics.median(busy[2]), same(outs[1], outs[2])]
        )
    return rows


def _same_sorted(a: Any, b: Any) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _same_eval(a: Any, b: Any) -> bool:
    return all(np.array_equal(a[k], b[k]) for k in ("precision", "recall", "scores"))


def _same_semseg(a: Any, b: Any) -> bool:
    return bool(np.array_equal(a.confusion_matrix, b.confusion_matrix)) and json.dumps(
        a.as_dict(), sort_keys=True
    ) == json.dumps(b.as_dict(), sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-stream", action="store_true")
    parser.add_argument("--skip-threads", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(stream(args.images, args.chunk, args.seed)))
        return
    print(environment(["dask", "distributed"]))
    if not args.skip_stream:
        base, base_map = one_pass_5000(args.seed, args.repeats)
        cmd = [sys.executable, __file__, "--child", "--images", str(args.images),
               "--chunk", str(args.chunk), "--seed", str(args.seed)]  # fmt: skip
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        total = out["update_s"] + out["compute_s"]
        budget = 1.2 * base * args.images / 5000
        print(f"\nStreaming detection: {out['images']:,} images in chunks of {args.chunk}, "
              f"{out['gt']:,} gt boxes, {out['detections']:,} detections ({out['kept']:,} kept)")  # fmt: skip
        print(markdown_table(
            ["measure", "value", "target", "met"],
            [
                ["one 5000-image pass (update + compute), s", base, "", ""],
                ["per image at 5000 images, us", base / 5000 * 1e6, "", ""],
                ["stream update, s", out["update_s"], "", ""],
                ["stream compute, s", out["compute_s"], "", ""],
                ["stream update + compute, s", total, f"<= {budget:.1f}", "yes" if total <= budget else "no"],
                ["ratio to 5000-image cost x images/5000", total / (base * args.images / 5000), "<= 1.20", ""],
                ["generating the chunks (not timed above), s", out["generate_s"], "", ""],
                ["state at compute, MiB", out["state_bytes"] / 2**20, "", ""],
                ["state bytes per kept detection", out["state_bytes"] / max(out["kept"], 1), "", ""],
                ["peak RSS, GiB", out["peak_rss"] / GIB, "< 4", "yes" if out["peak_rss"] < 4 * GIB else "no"],
                ["mAP (sanity: 5000-image pass gives)", f"{out['map']:.4f} ({base_map:.4f})", "", ""],
            ],
        ))  # fmt: skip
    if not args.skip_threads:
        print("\nThread scaling (median of interleaved repeats, ms)")
        rows = thread_scaling(args.repeats)
        print(
            markdown_table(
                [
                    "workload",
                    "1 thread",
                    "2 threads",
                    "speed-up (target >= 1.7)",
                    "CPU busy with 2 threads (cores)",
                    "results ==",
                ],
                rows,
            )
        )


if __name__ == "__main__":
    main()
