"""Timing helpers shared by the benchmark scripts: medians of repeats, ratio tables."""

from __future__ import annotations

import contextlib
import gc
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any


def median_seconds(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
    """Median wall time of `repeats` calls after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_ratio(
    fn: Callable[[], Any], baseline: Callable[[], Any], repeats: int, warmup: int = 1
) -> float:
    """Median over repeats of time(fn) / time(baseline), each pair timed back to back.

    On a shared, noisy machine the load drifts between measurements; timing the two
    side by side in every repeat makes their ratio far steadier than a ratio of two
    separately taken medians.
    """
    for _ in range(warmup):
        fn()
        baseline()
    ratios = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        baseline()
        middle = time.perf_counter()
        fn()
        end = time.perf_counter()
        ratios.append((end - middle) / (middle - start))
    return statistics.median(ratios)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # KiB except on macOS


def current_rss_bytes() -> int:
    """Resident set size now (Linux); elsewhere the peak so far, an upper bound."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except OSError:
        return peak_rss_bytes()


def environment(extra: Sequence[str] = ()) -> str:
    """Python, machine and the versions of the installed packages among the usual ones."""
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for dist in ("modelmetrics", "numpy", "scikit-learn", "pycocotools", "torchmetrics", *extra):
        with contextlib.suppress(PackageNotFoundError):
            versions.append(f"{dist} {version(dist)}")
    return f"Python {platform.python_version()}, {platform.machine()}; " + ", ".join(versions)
