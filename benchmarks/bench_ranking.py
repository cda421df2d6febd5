"""Ranking metrics (ROC AUC, average precision, ROC and PR curves) against scikit-learn.

Run: ``python benchmarks/bench_ranking.py [--n 10000000]``

Scores are seeded uniform floats, and the same rounded to 3 decimals (heavy ties);
labels are drawn so that higher scores are more often positive. Prints median wall
times (ms) with 1 and 2 threads, the speed-up over scikit-learn, and the time of
``np.argsort(kind="stable")`` on the scores as a reference point (scikit-learn's own
sort, at best). Every result is first checked to be identical to scikit-learn's.
"""

from __future__ import annotations

import os

# OpenBLAS worker threads spin after scikit-learn's BLAS calls and steal our two cores;
# set before numpy loads OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import environment, markdown_table, median_seconds

import modelmetrics._classification.ranking as mm
from modelmetrics._core.parallel import num_threads

FUNCTIONS = ["roc_auc_score", "average_precision_score", "roc_curve", "precision_recall_curve"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5, help="repeats for modelmetrics")
    parser.add_argument("--ref-repeats", type=int, default=3, help="repeats for scikit-learn")
    args = parser.parse_args()
    import sklearn.metrics as skm

    rng = np.random.default_rng(0)
    continuous = rng.random(args.n)
    y_true = (rng.random(args.n) < continuous).astype(np.int64)
    variants = {"continuous": continuous, "tied (3 decimals)": np.round(continuous, 3)}

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for variant, scores in variants.items():
            argsort = median_seconds(
                lambda scores=scores: np.argsort(scores, kind="stable"), args.ref_repeats, warmup=0
            )
            for name in FUNCTIONS:
                ours_fn: Callable[..., Any] = getattr(mm, name)
                ref_fn: Callable[..., Any] = getattr(skm, name)
                _check_identical(name, ours_fn(y_true, scores), ref_fn(y_true, scores))
                ref = median_seconds(
                    lambda f=ref_fn, s=scores: f(y_true, s), args.ref_repeats, warmup=0
                )
                timings = {}
                for threads in (1, 2):
                    with num_threads(threads):
                        timings[threads] = median_seconds(
                            lambda f=ours_fn, s=scores: f(y_true, s), args.repeats
                        )
                rows.append(
                    [
                        name,
                        variant,
                        ref * 1e3,
                        timings[1] * 1e3,
                        timings[2] * 1e3,
                        f"{ref / timings[1]:.1f}x",
                        f"{ref / timings[2]:.1f}x",
                        argsort * 1e3,
                    ]
                )
    print(f"# Ranking metrics: {args.n:,} float64 scores, binary int64 labels")
    print(environment())
    print()
    headers = [
        "function",
        "scores",
        "scikit-learn (ms)",
        "modelmetrics 1 thread (ms)",
        "modelmetrics 2 threads (ms)",
        "speed-up 1 thread",
        "speed-up 2 threads",
        "np.argsort stable (ms)",
    ]
    print(markdown_table(headers, rows))


def _check_identical(name: str, ours: Any, ref: Any) -> None:
    if isinstance(ref, tuple):
        for a, b in zip(ours, ref, strict=True):
            _check_identical(name, a, b)
    elif isinstance(ref, np.ndarray):
        if ours.dtype != ref.dtype or not np.array_equal(ours, ref):
            raise AssertionError(f"{name}: results differ from scikit-learn")
    elif ours != ref:
        raise AssertionError(f"{name}: {ours!r} != {ref!r}")


if __name__ == "__main__":
    main()
