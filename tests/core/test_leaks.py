"""Long runs: repeated evaluations of a small dataset through every entry point do not
grow the resident set size (no leak in the kernels or the Python layer).

CI runs 1,000 evaluations after a warm-up; ``python benchmarks/bench_leaks.py`` runs the
full 10,000 and prints the RSS curve.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import numpy as np
import pytest
from _leak_workload import evaluate_once, rss_bytes

WARMUP = 200
RUNS = 1_000
SAMPLES = 10
# A leak adds the same amount in every block of RUNS // SAMPLES evaluations, so the
# median step between samples sees it; the allocator instead grows in rare single steps
# (CI once saw a flat curve with one 4.3 MiB step in the last block, from the heap of a
# process that had run the whole suite), which the median ignores. 64 KiB per block is
# a leak of 655 bytes per evaluation.
MAX_MEDIAN_STEP = 64 * 2**10
# A one-off step bigger than this is not allocator noise.
MAX_GROWTH = 16 * 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RSS read from /proc")
def test_repeated_evaluations_do_not_grow_rss(tmp_path: Path) -> None:
    for _ in range(WARMUP):
        evaluate_once(tmp_path)
    gc.collect()
    rss = [rss_bytes()]
    for _ in range(SAMPLES):
        for _ in range(RUNS // SAMPLES):
            evaluate_once(tmp_path)
        gc.collect()
        rss.append(rss_bytes())
    steps = np.diff(np.array(rss, dtype=np.int64))
    growth = rss[-1] - rss[0]
    curve = [f"{r / 2**20:.2f}" for r in rss]
    median_step = float(np.median(steps))
    assert median_step < MAX_MEDIAN_STEP, (
        f"RSS grew {median_step / 2**10:.0f} KiB per {RUNS // SAMPLES} evaluations: {curve}"
    )
    assert growth < MAX_GROWTH, f"RSS grew {growth / 2**20:.2f} MiB: {curve}"
