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
# A leak of 2 KiB per evaluation would add 2 MiB over the run; allocator noise is
# well under that (flat to the page after warm-up when measured).
MAX_GROWTH = 2 * 2**20


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
    growth = rss[-1] - rss[0]
    slope = np.polyfit(np.arange(len(rss)), np.array(rss, float), 1)[0] * SAMPLES
    curve = [f"{r / 2**20:.2f}" for r in rss]
    assert growth < MAX_GROWTH, f"RSS grew {growth / 2**20:.2f} MiB: {curve}"
    assert slope < MAX_GROWTH, f"RSS trend {slope / 2**20:.2f} MiB per run: {curve}"
