"""What the model report adds on top of the metric functions it calls.

Run as ``python benchmarks/bench_report.py`` (options: ``--repeats``, ``--scale``).
``ModelReport.add_split`` is timed against the bare metric call it wraps, back to back in
every repeat (paired ratio, median); the export steps (JSON text, atomic file write,
reading back, HTML page) are medians of repeats. There is no peer library for the
report itself, so the reference is our own metric call.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import environment, markdown_table, median_seconds, paired_ratio

import modelmetrics._cli.examples as ex
from modelmetrics.classification import classification_metrics
from modelmetrics.detection import evaluate_detections
from modelmetrics.regression import regression_metrics
from modelmetrics.report import ModelReport


def classification_inputs(n: int, k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y_true] += 1.5
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    return y_true, proba


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every input size")
    args = parser.parse_args()
    r = args.repeats
    n_cls = int(1_000_000 * args.scale)
    n_reg = int(5_000_000 * args.scale)
    n_img = int(2_000 * args.scale)

    y_true, proba = classification_inputs(n_cls, 10)
    y_pred = proba.argmax(axis=1)
    t_reg = np.random.default_rng(1).normal(size=n_reg)
    p_reg = t_reg + np.random.default_rng(2).normal(scale=0.1, size=n_reg)
    gt, dt = ex.detection_example(n_images=n_img, seed=3)

    def split(model_type, *inputs, **kw):
        return lambda: ModelReport(model_type).add_split("test", *inputs, **kw)

    rows = []
    cases = [
        (
            f"classification, {n_cls:,} labels, 10 classes",
            split("classification", y_true, y_pred),
            lambda: classification_metrics(y_true, y_pred),
        ),
        (
            f"classification, {n_cls:,} x 10 probabilities (+ AP per class, log loss)",
            split("classification", y_true, proba),
            lambda: classification_metrics(y_true, proba.argmax(axis=1)),
        ),
        (
            f"regression, {n_reg:,} targets",
            split("regression", t_reg, p_reg),
            lambda: regression_metrics(t_reg, p_reg),
        ),
        (
            f"detection, {n_img:,} images",
            split("detection", gt, dt),
            lambda: evaluate_detections(gt, dt, score_threshold=0.5),
        ),
    ]
    for name, fn, base in cases:
        base_ms = median_seconds(base, r) * 1e3
        ratio = paired_ratio(fn, base, r)
        rows.append([name, base_ms, base_ms * ratio, f"{ratio:.2f}x"])
    print(f"# ModelReport.add_split vs the metric call it wraps (median of {r})")
    print(environment())
    print()
    print(markdown_table(["case", "metric call (ms)", "add_split (ms)", "ratio (paired)"], rows))

    report = ModelReport("detection", ex.DETECTION_CLASSES)
    for s in ("train", "validation", "test"):
        report.add_split(s, gt, dt)
    text = report.to_json()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.json"
        export_rows = [
            ["to_json (text)", median_seconds(report.to_json, r) * 1e3],
            [
                "to_json(path) (atomic write + fsync)",
                median_seconds(lambda: report.to_json(path), r) * 1e3,
            ],
            ["from_json (text)", median_seconds(lambda: ModelReport.from_json(text), r) * 1e3],
            ["to_html", median_seconds(report.to_html, r) * 1e3],
        ]
    print()
    print(
        f"# Export of a 3-split detection report ({len(text) / 1e6:.1f} MB of JSON, PR curves included)"
    )
    print()
    print(markdown_table(["step", "ms"], export_rows))


if __name__ == "__main__":
    main()
