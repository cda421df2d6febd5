"""Regression metrics on 10 million float64 pairs: modelmetrics vs scikit-learn vs memory.

Run as ``python benchmarks/bench_regression.py`` (options: ``--n``, ``--repeats``,
``--threads``, ``--weighted``). Every figure is the median wall time of ``--repeats``
runs in this process, after one warm-up run. The floor is one ``np.sum`` over each
input array: reading the data once, which no exact metric can avoid.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_seconds

from modelmetrics import regression as mm
from modelmetrics._core.parallel import num_threads

METRICS = [
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "r2_score",
    "explained_variance_score",
    "max_error",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of pairs")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per call (>= 5)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--weighted", action="store_true", help="pass random sample weights")
    args = parser.parse_args()

    rng = np.random.default_rng(20240601)
    y_true = rng.normal(10.0, 3.0, args.n)
    y_pred = y_true + rng.normal(0.0, 1.0, args.n)
    weight = rng.random(args.n) if args.weighted else None
    kw = {} if weight is None else {"sample_weight": weight}

    def call(module: Any, name: str) -> Callable[[], Any]:
        # max_error takes no sample_weight in scikit-learn.
        extra = {} if name == "max_error" else kw
        return lambda: getattr(module, name)(y_true, y_pred, **extra)

    arrays = [y_true, y_pred] if weight is None else [y_true, y_pred, weight]
    floor = median_seconds(lambda: [np.sum(a) for a in arrays], args.repeats)

    try:
        import sklearn
        import sklearn.metrics as skm
    except ImportError:
        skm = None
    sk_times = {}
    if skm is not None:
        sk_times = {name: median_seconds(call(skm, name), args.repeats) for name in METRICS}
        sk_times["all six"] = sum(sk_times.values())

    ours: dict[int, dict[str, float]] = {}
    for threads in args.threads:
        with num_threads(threads):
            times = {name: median_seconds(call(mm, name), args.repeats) for name in METRICS}
            times["all six"] = median_seconds(
                lambda: mm.regression_metrics(y_true, y_pred, **kw), args.repeats
            )
        ours[threads] = times

    ms = 1e3
    head = f"{'metric':<26}"
    if sk_times:
        head += f"{'sklearn ms':>11}"
    for t in args.threads:
        head += f"{f'ours {t}T ms':>12}"
    if sk_times:
        for t in args.threads:
            head += f"{f'sk/ours {t}T':>12}"
    for t in args.threads:
        head += f"{f'ours/floor {t}T':>15}"
    sk_version = f"scikit-learn {sklearn.__version__}" if skm is not None else "no scikit-learn"
    weighting = "weighted" if weight is not None else "unweighted"
    print(f"{args.n:,} float64 pairs, {weighting}, median of {args.repeats}; {sk_version}")
    print(f"floor (np.sum of each input array): {floor * ms:.1f} ms")
    print(head)
    print("-" * len(head))
    for name in [*METRICS, "all six"]:
        label = "regression_metrics (all 6)" if name == "all six" else name
        row = f"{label:<26}"
        if sk_times:
            row += f"{sk_times[name] * ms:>11.1f}"
        for t in args.threads:
            row += f"{ours[t][name] * ms:>12.1f}"
        if sk_times:
            for t in args.threads:
                row += f"{sk_times[name] / ours[t][name]:>11.1f}x"
        for t in args.threads:
            row += f"{ours[t][name] / floor:>14.2f}x"
        print(row)
    if sk_times:
        print("(sklearn 'all six' = sum of the six separate calls)")


if __name__ == "__main__":
    main()
