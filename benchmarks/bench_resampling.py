"""Bootstrap intervals for classification, regression and semantic segmentation against
one evaluation of the same data.

Run: ``python benchmarks/bench_resampling.py [--n 1000] [--cores 1 2] [--repeats 3]``

Each cell runs in a fresh process pinned to the given number of cores (inputs built
before the clock starts):

- classification: 100,000 samples, 10 classes, class probabilities (argmax labels);
  ``classification_metrics`` once against ``classification_bootstrap(n=N)``;
- regression: 100,000 targets; ``regression_metrics`` once against
  ``regression_bootstrap(n=N)``;
- semantic segmentation: 200 label maps of 256 x 256, 21 classes (10% of the pixels
  wrong); ``segmentation_metrics`` once against ``segmentation_bootstrap(n=N)``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

CASES = ("classification", "regression", "semantic-segmentation")


def _inputs(case: str) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    if case == "classification":
        y = rng.integers(0, 10, 100_000)
        logits = rng.normal(0, 1, (len(y), 10))
        logits[np.arange(len(y)), y] += 1.5
        return y, np.argmax(logits, axis=1)
    if case == "regression":
        y = rng.normal(0, 1, 100_000)
        return y, y + rng.normal(0, 0.3, len(y))
    truth = rng.integers(0, 21, (200, 256, 256)).astype(np.uint8)
    wrong = rng.random(truth.shape) < 0.1
    pred = np.where(wrong, rng.integers(0, 21, truth.shape), truth).astype(np.uint8)
    return truth, pred


def _child(case: str, what: str, n: int) -> float:
    from modelmetrics import analysis, classification, regression, segmentation

    y, p = _inputs(case)
    start = time.perf_counter()
    if case == "classification":
        if what == "evaluate":
            classification.classification_metrics(y, p)
        else:
            analysis.classification_bootstrap(y, p, n=n, seed=0)
    elif case == "regression":
        if what == "evaluate":
            regression.regression_metrics(y, p)
        else:
            analysis.regression_bootstrap(y, p, n=n, seed=0)
    elif what == "evaluate":
        segmentation.segmentation_metrics(y, p, num_classes=21)
    else:
        analysis.segmentation_bootstrap(y, p, num_classes=21, n=n, seed=0)
    return time.perf_counter() - start


def _run(case: str, what: str, cores: int, n: int) -> float:
    env = dict(os.environ, MODELMETRICS_NUM_THREADS=str(cores), OPENBLAS_NUM_THREADS="1")
    cpus = sorted(os.sched_getaffinity(0))[:cores]
    out = subprocess.run(
        ["taskset", "-c", ",".join(map(str, cpus)), sys.executable, __file__,
         "--child", case, what, str(n)],
        capture_output=True, text=True, env=env, check=True, timeout=3600,
    )  # fmt: skip
    return float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        case, what, n = args.child
        print(json.dumps({"seconds": _child(case, what, int(n))}))
        return 0
    print(f"n={args.n} resamples; median seconds of {args.repeats} fresh pinned processes")
    heads = [f"{w} {c} core{'s' if c > 1 else ''}" for c in args.cores for w in ("once", "n")]
    print("| model type | " + " | ".join(heads) + " | bootstrap / once |")
    print("|---|" + "---|" * (len(heads) + 1))
    for case in CASES:
        cells, ratios = [], []
        for cores in args.cores:
            once = statistics.median(
                _run(case, "evaluate", cores, args.n) for _ in range(args.repeats)
            )
            boot = statistics.median(
                _run(case, "bootstrap", cores, args.n) for _ in range(args.repeats)
            )
            cells += [f"{once:.3f}", f"{boot:.2f}"]
            ratios.append(f"{boot / once:.0f}x")
        print(f"| {case} | " + " | ".join(cells) + " | " + " / ".join(ratios) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
