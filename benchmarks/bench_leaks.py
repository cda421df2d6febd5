"""Long-run memory check: 10,000 evaluations of a small dataset through every entry point
(classification, scores, regression, detection, segmentation, mask, COCOeval segm, report
JSON write and read), printing the resident set size as it goes.

Run as ``python benchmarks/bench_leaks.py`` (``--runs``, ``--every``). A leak shows as a
steady climb after the warm-up; a flat line (within allocator noise, well under a MiB)
means none. tests/core/test_leaks.py runs the same workload 1,000 times in CI.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _leak_workload import evaluate_once, rss_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(args.warmup):
            evaluate_once(out)
        gc.collect()
        start, t0 = rss_bytes(), time.perf_counter()
        samples = [start]
        print(f"{'evaluations':>12} {'RSS MiB':>9} {'growth KiB':>11} {'seconds':>8}")
        print(f"{0:>12} {start / 2**20:9.2f} {0:11.0f} {0:8.1f}")
        for done in range(args.every, args.runs + 1, args.every):
            for _ in range(args.every):
                evaluate_once(out)
            gc.collect()
            rss = rss_bytes()
            samples.append(rss)
            print(
                f"{done:>12} {rss / 2**20:9.2f} {(rss - start) / 1024:11.0f} "
                f"{time.perf_counter() - t0:8.1f}",
                flush=True,
            )
    slope = np.polyfit(np.arange(len(samples)) * args.every, np.array(samples, float), 1)[0]
    print(
        f"growth {(samples[-1] - start) / 1024:.0f} KiB over {args.runs} evaluations; "
        f"trend {slope:.2f} bytes per evaluation"
    )


if __name__ == "__main__":
    main()
