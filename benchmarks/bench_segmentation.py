"""Semantic segmentation: pixel confusion of 200 maps of 512x512, 150 classes, ignore 255.

Run as ``python benchmarks/bench_segmentation.py`` (options: ``--maps``, ``--size``,
``--classes``, ``--repeats``, ``--logit-maps``, ``--uniform``). Compared in one process:

- numpy ``bincount`` per map, as mmsegmentation's ``intersect_and_union`` does;
- torchmetrics ``MulticlassJaccardIndex`` (per map ``update``), when installed;
- modelmetrics, per map (one ``update`` per map) and as one (N, H, W) batch;
- one ``np.sum`` over the same bytes (viewed as uint64): reading the maps once, the
  memory-bandwidth floor. ``np.sum`` of the uint8 arrays themselves is printed too.

Throughput is in MB/s of label maps (prediction + target bytes). Ratios are medians
of ratios timed back to back (see ``_timing.paired_ratio``). The logits part compares
``(N, C, H, W)`` float32 scores given to modelmetrics directly against ``np.argmax``
followed by modelmetrics' label-map path. Every variant is first checked to give the
same confusion matrix.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import environment, markdown_table, median_seconds, paired_ratio

from modelmetrics._core.parallel import num_threads
from modelmetrics.segmentation import SegmentationAccumulator, segmentation_metrics

IGNORE = 255


def make_maps(
    rng: np.random.Generator, n: int, size: int, classes: int, uniform: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Targets of 16x16-pixel class blocks with an ignored border; predictions that
    agree with the target on about 80% of pixels (``uniform``: i.i.d. pixels)."""
    shape = (n, size, size)
    if uniform:
        target = rng.integers(0, classes, shape, dtype=np.uint8)
    else:
        blocks = rng.integers(0, classes, (n, size // 16, size // 16), dtype=np.uint8)
        target = np.ascontiguousarray(blocks.repeat(16, axis=1).repeat(16, axis=2))
    border = max(size // 32, 1)
    target[:, :border] = IGNORE
    target[:, :, -border:] = IGNORE
    pred = np.where(target == IGNORE, 0, target).astype(np.uint8)
    wrong = rng.random(shape) < 0.2
    pred[wrong] = rng.integers(0, classes, int(wrong.sum()), dtype=np.uint8)
    return pred, target


def numpy_per_map(preds: np.ndarray, targets: np.ndarray, classes: int) -> np.ndarray:
    """mmsegmentation's approach: mask, then one bincount per map."""
    cm = np.zeros(classes * classes, dtype=np.int64)
    for pred, target in zip(preds, targets, strict=True):
        keep = target != IGNORE
        cm += np.bincount(
            classes * target[keep].astype(np.int64) + pred[keep], minlength=classes * classes
        )
    return cm.reshape(classes, classes)


def ours_per_map(preds: np.ndarray, targets: np.ndarray, classes: int) -> np.ndarray:
    acc = SegmentationAccumulator(classes, ignore_index=IGNORE)
    for pred, target in zip(preds, targets, strict=True):
        acc.update(pred, target)
    return acc.compute().confusion_matrix


def ours_batch(preds: np.ndarray, targets: np.ndarray, classes: int) -> np.ndarray:
    return segmentation_metrics(
        preds, targets, num_classes=classes, ignore_index=IGNORE
    ).confusion_matrix


def torchmetrics_per_map(classes: int) -> Callable[[np.ndarray, np.ndarray], Any] | None:
    try:
        import torch
        from torchmetrics.classification import MulticlassJaccardIndex
    except ImportError:
        return None

    def run(preds: np.ndarray, targets: np.ndarray) -> Any:
        metric = MulticlassJaccardIndex(
            num_classes=classes, ignore_index=IGNORE, average="none", validate_args=False
        )
        for pred, target in zip(preds, targets, strict=True):
            metric.update(torch.from_numpy(pred).long(), torch.from_numpy(target).long())
        return metric.confmat.numpy()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--classes", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--logit-maps", type=int, default=4, help="maps for the logits part")
    parser.add_argument("--uniform", action="store_true", help="i.i.d. pixels, no blocks")
    args = parser.parse_args()
    c, reps = args.classes, args.repeats

    rng = np.random.default_rng(20240605)
    preds, targets = make_maps(rng, args.maps, args.size, c, args.uniform)
    mb = (preds.nbytes + targets.nbytes) / 1e6
    want = numpy_per_map(preds, targets, c)
    assert (ours_per_map(preds, targets, c) == want).all()
    assert (ours_batch(preds, targets, c) == want).all()
    tm_run = torchmetrics_per_map(c)
    if tm_run is not None:
        assert (tm_run(preds[:4], targets[:4]) == numpy_per_map(preds[:4], targets[:4], c)).all()

    words = [preds.view(np.uint64).reshape(-1), targets.view(np.uint64).reshape(-1)]

    def floor() -> None:
        for w in words:
            np.sum(w)

    def sum_uint8() -> None:
        np.sum(preds)
        np.sum(targets)

    def baseline() -> None:
        numpy_per_map(preds, targets, c)

    t_floor = median_seconds(floor, reps)
    t_sum8 = median_seconds(sum_uint8, reps)
    t_numpy = median_seconds(baseline, reps)
    kind = "uniform random pixels" if args.uniform else "16x16 class blocks, 20% noisy predictions"
    print(
        f"# Semantic segmentation: {args.maps} maps of {args.size}x{args.size} uint8, "
        f"{c} classes, ignore_index={IGNORE} ({kind}); {mb:.0f} MB of label maps"
    )
    print(environment(("torch",)))
    print(
        f"floor: np.sum over the maps viewed as uint64 {t_floor * 1e3:.1f} ms "
        f"({mb / t_floor:,.0f} MB/s); np.sum of the uint8 arrays {t_sum8 * 1e3:.1f} ms\n"
    )

    rows: list[list[Any]] = []
    rows.append(
        ["numpy bincount per map (mmseg)", "1", t_numpy * 1e3, mb / t_numpy, 1.0, t_numpy / t_floor]
    )
    if tm_run is not None:
        import torch

        for threads in (1, 2):
            torch.set_num_threads(threads)
            t = median_seconds(lambda: tm_run(preds, targets), max(3, reps // 2))
            rows.append(
                [
                    "torchmetrics JaccardIndex per map",
                    str(threads),
                    t * 1e3,
                    mb / t,
                    t_numpy / t,
                    t / t_floor,
                ]
            )
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("modelmetrics, update per map", lambda: ours_per_map(preds, targets, c)),
        ("modelmetrics, one (N, H, W) batch", lambda: ours_batch(preds, targets, c)),
    ]
    for name, fn in cases:
        for threads in (1, 2):
            with num_threads(threads):
                t = median_seconds(fn, reps)
                speedup = 1 / paired_ratio(fn, baseline, reps)
                over_floor = paired_ratio(fn, floor, reps)
            rows.append([name, str(threads), t * 1e3, mb / t, speedup, over_floor])
    headers = ["method", "threads", "time (ms)", "MB/s", "x numpy (paired)", "/ floor (paired)"]
    print(markdown_table(headers, rows))

    if args.logit_maps:
        n = args.logit_maps
        scores = rng.standard_normal((n, c, args.size, args.size), dtype=np.float32)
        t_small = targets[:n]
        labels = np.argmax(scores, axis=1)
        want = segmentation_metrics(labels, t_small, num_classes=c, ignore_index=IGNORE)
        got = segmentation_metrics(scores, t_small, num_classes=c, ignore_index=IGNORE)
        assert (got.confusion_matrix == want.confusion_matrix).all()

        def direct() -> None:
            segmentation_metrics(scores, t_small, num_classes=c, ignore_index=IGNORE)

        def two_step() -> None:
            lab = np.argmax(scores, axis=1)
            segmentation_metrics(lab, t_small, num_classes=c, ignore_index=IGNORE)

        def score_floor() -> None:
            np.sum(scores.view(np.uint32).reshape(-1).view(np.uint64))

        gb = scores.nbytes / 1e9
        print(f"\n# Logits: {n} x {c} x {args.size} x {args.size} float32 scores ({gb:.2f} GB)")
        t_sf = median_seconds(score_floor, 3)
        print(f"floor: np.sum over the scores viewed as uint64 {t_sf * 1e3:.1f} ms\n")
        rows = []
        for threads in (1, 2):
            with num_threads(threads):
                t_two = median_seconds(two_step, 3)
                t_dir = median_seconds(direct, 3)
                ratio = 1 / paired_ratio(direct, two_step, 3)
            rows.append([str(threads), t_two * 1e3, t_dir * 1e3, ratio, t_dir / t_sf])
        headers = [
            "threads",
            "np.argmax + labels (ms)",
            "scores directly (ms)",
            "speed-up (paired)",
            "direct / floor",
        ]
        print(markdown_table(headers, rows))


if __name__ == "__main__":
    main()
