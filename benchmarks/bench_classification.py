"""Classification drop-ins against scikit-learn, in one process.

Run: ``python benchmarks/bench_classification.py [--n 10000000] [--classes 80]``

Prints median wall times (ms), the speed-up over scikit-learn and the ratio to the
memory-bandwidth floor (one ``np.sum`` over each of the two label arrays).
"""

from __future__ import annotations

import os

# OpenBLAS worker threads spin after scikit-learn's BLAS calls and steal our two cores;
# set before numpy loads OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import environment, markdown_table, median_seconds, paired_ratio

import modelmetrics.classification as mm
from modelmetrics._core.parallel import num_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--classes", type=int, default=80)
    parser.add_argument("--repeats", type=int, default=7, help="repeats for modelmetrics")
    parser.add_argument("--ref-repeats", type=int, default=3, help="repeats for scikit-learn")
    args = parser.parse_args()
    import sklearn.metrics as skm

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, args.classes, args.n)
    y_pred = np.where(rng.random(args.n) < 0.7, y_true, rng.integers(0, args.classes, args.n))

    cases = {
        "confusion_matrix": lambda m: m.confusion_matrix(y_true, y_pred),
        "precision_recall_fscore_support(average=None)": lambda m: (
            m.precision_recall_fscore_support(y_true, y_pred, average=None)
        ),
        "confusion_matrix + precision_recall_fscore_support": lambda m: (
            m.confusion_matrix(y_true, y_pred),
            m.precision_recall_fscore_support(y_true, y_pred, average=None),
        ),
        "accuracy_score": lambda m: m.accuracy_score(y_true, y_pred),
        "f1_score(average='macro')": lambda m: m.f1_score(y_true, y_pred, average="macro"),
        "classification_report": lambda m: m.classification_report(y_true, y_pred),
    }

    def floor_fn():
        return np.sum(y_true), np.sum(y_pred)

    floor = median_seconds(floor_fn, args.repeats)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, run in cases.items():
            ref_result = run(skm)
            ours_result = run(mm)
            _check_equal(name, ours_result, ref_result)
            ref = median_seconds(lambda run=run: run(skm), args.ref_repeats, warmup=0)
            timings = {}
            for threads in (1, 2):
                with num_threads(threads):
                    timings[threads] = median_seconds(lambda run=run: run(mm), args.repeats)
            best_threads = min(timings, key=timings.__getitem__)
            best = timings[best_threads]
            with num_threads(best_threads):
                to_floor = paired_ratio(lambda run=run: run(mm), floor_fn, args.repeats)
            rows.append(
                [
                    name,
                    ref * 1e3,
                    timings[1] * 1e3,
                    timings[2] * 1e3,
                    f"{ref / best:,.0f}x",
                    f"{to_floor:.2f}x",
                ]
            )
    print(f"# Classification: {args.n:,} int64 labels, {args.classes} classes")
    print(environment())
    print(f"floor (np.sum over y_true and y_pred): {floor * 1e3:.1f} ms\n")
    headers = [
        "case",
        "scikit-learn (ms)",
        "modelmetrics 1 thread (ms)",
        "modelmetrics 2 threads (ms)",
        "speed-up",
        "best / floor (paired)",
    ]
    print(markdown_table(headers, rows))


def _check_equal(name: str, ours: object, ref: object) -> None:
    if isinstance(ref, tuple):
        for a, b in zip(ours, ref, strict=True):  # type: ignore[call-overload]
            _check_equal(name, a, b)
    elif isinstance(ref, np.ndarray):
        if not np.array_equal(ours, ref):  # type: ignore[arg-type]
            raise AssertionError(f"{name}: results differ from scikit-learn")
    elif ours != ref:
        raise AssertionError(f"{name}: {ours!r} != {ref!r}")


if __name__ == "__main__":
    main()
