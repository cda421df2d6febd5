"""Timing helpers shared by the benchmark scripts: medians of repeats, ratio tables."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
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


def pinned_child_runs(
    command: Callable[[str, str], list[str]],
    libs: Sequence[str],
    cpus: Sequence[int],
    repeats: int,
) -> dict[str, list[dict[str, Any]]]:
    """Run ``command(lib, out_path)`` in a fresh process pinned to `cpus`, `repeats` times
    per library (alternating, so that drift in the machine's load spreads over all), and
    collect the JSON each child writes to its out path."""
    runs: dict[str, list[dict[str, Any]]] = {lib: [] for lib in libs}
    for _ in range(repeats):
        for lib in libs:
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                subprocess.run(
                    command(lib, out.name),
                    check=True,
                    preexec_fn=lambda: os.sched_setaffinity(0, cpus),
                )
                runs[lib].append(json.loads(Path(out.name).read_text()))
    return runs


def print_stage_table(
    runs: dict[str, list[dict[str, Any]]], libs: Sequence[str], n_cpus: int, speedup: float
) -> None:
    """The control's line and the median of each stage per library (load,
    evaluate+accumulate, end-to-end in ms; peak RSS in MiB), with the fastest peer's
    ratio to modelmetrics (above 1: modelmetrics is faster or smaller)."""
    valid = n_cpus == 1 or speedup >= 0.9 * n_cpus
    print(f"control: sha256 in {n_cpus} threads vs 1, pinned: {speedup:.2f}x "
          f"({'valid' if valid else 'INVALID: the machine is busy'})")  # fmt: skip
    print("| stage | " + " | ".join(libs) + " | fastest peer / modelmetrics |")
    print("|---|" + "---|" * (len(libs) + 1))
    for stage in ("load", "evaluate+accumulate", "end-to-end", "rss"):
        med = {lib: statistics.median(r[stage] for r in runs[lib]) for lib in libs}
        scale, unit = (1.0, " MiB") if stage == "rss" else (1000.0, " ms")
        peers = [med[lib] for lib in libs if lib != "modelmetrics"]
        ratio = min(peers) / med["modelmetrics"]
        cells = " | ".join(f"{scale * med[lib]:,.0f}{unit}" for lib in libs)
        print(f"| {stage} | {cells} | {ratio:.2f}x |")
