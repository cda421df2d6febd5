"""Command-line interface: ``modelmetrics`` / ``python -m modelmetrics``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from modelmetrics import __version__

__all__ = ["main"]


def _demo(_: argparse.Namespace) -> int:
    _demo_classification()
    print()
    _demo_regression()
    print()
    _demo_detection()
    return 0


def _demo_detection() -> None:
    from modelmetrics._examples import DETECTION_CLASSES, detection_example
    from modelmetrics.detection import evaluate_detections

    ground_truth, predictions = detection_example()
    metrics = evaluate_detections(ground_truth, predictions, score_threshold=0.5)
    print(f"== Object detection: built-in example ({len(ground_truth)} images, 3 classes)")
    print(
        f"mAP@[.50:.95] {metrics.map:.3f}   mAP50 {metrics.map50:.3f}   "
        f"mAP75 {metrics.map75:.3f}   AR@100 {metrics.mar[100]:.3f}"
    )
    print("per class at IoU >= 0.5, score >= 0.5:")
    print(f"{'class':>8} {'AP':>6} {'AP50':>6} {'prec':>6} {'recall':>6} {'F1':>6} {'TP':>4} "
          f"{'FP':>4} {'FN':>4}")  # fmt: skip
    for label, m in metrics.classes.items():
        print(
            f"{DETECTION_CLASSES[label]:>8} {m.ap:6.3f} {m.ap50:6.3f} {m.precision:6.3f} "
            f"{m.recall:6.3f} {m.f1:6.3f} {m.tp:4d} {m.fp:4d} {m.fn:4d}"
        )
    names = [DETECTION_CLASSES.get(c, str(c)) for c in metrics.confusion_labels]
    width = max(len(n) for n in names) + 2
    print("confusion matrix (rows: true, columns: predicted):")
    print(" " * width + "".join(f"{n:>{width}}" for n in names))
    for name, row in zip(names, metrics.confusion_matrix, strict=True):
        print(f"{name:>{width}}" + "".join(f"{int(v):>{width}}" for v in row))


def _demo_regression() -> None:
    from modelmetrics._examples import regression_example
    from modelmetrics.regression import regression_metrics

    y_true, y_pred = regression_example()
    tolerance = 10.0
    metrics = regression_metrics(y_true, y_pred, threshold=tolerance)
    print(f"== Regression: built-in example (house prices, {y_true.shape[0]} samples)")
    for name, value in metrics.as_dict().items():
        if name not in ("accuracy", "threshold"):
            print(f"{name:>26}  {value:.4f}")
    print(f"{'accuracy':>26}  {metrics.accuracy:.4f}  (|error| <= {tolerance:g})")


def _demo_classification() -> None:
    from modelmetrics._examples import classification_example
    from modelmetrics.classification import classification_metrics, classification_report

    y_true, y_pred = classification_example()
    print("== Classification: built-in example (4 classes, 600 samples)")
    print(classification_report(y_true, y_pred, digits=3))
    metrics = classification_metrics(y_true, y_pred)
    print(f"balanced accuracy: {metrics.balanced_accuracy:.3f}")
    print("confusion matrix (rows: true, columns: predicted):")
    labels = [str(label) for label in metrics.labels]
    width = max(len(label) for label in labels) + 2
    print(" " * width + "".join(f"{label:>{width}}" for label in labels))
    for label, row in zip(labels, metrics.confusion_matrix, strict=True):
        print(f"{label:>{width}}" + "".join(f"{int(v):>{width}}" for v in row))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelmetrics",
        description="Fast, exact performance metrics for trained models.",
    )
    parser.add_argument("--version", action="version", version=f"modelmetrics {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="compute metrics on built-in examples and print them (no input needed)"
    )
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 bad input, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = args.handler(args)
    return code
