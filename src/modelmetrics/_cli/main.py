"""Command-line interface: ``modelmetrics`` / ``python -m modelmetrics``."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from modelmetrics import __version__
from modelmetrics._cli.inputs import InputError, Table, read_label_maps, read_table
from modelmetrics._cli.progress import Progress

__all__ = ["main"]

TASKS = (
    "classification",
    "regression",
    "detection",
    "instance-segmentation",
    "semantic-segmentation",
    "keypoints",
)


def _info(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr)


# ----------------------------------------------------------------------------- demo


def _demo(args: argparse.Namespace) -> int:
    _demo_classification()
    print()
    _demo_regression()
    print()
    _demo_detection()
    print()
    _demo_keypoints()
    if args.output_dir is not None:
        _demo_reports(args, Path(args.output_dir))
    return 0


def _demo_reports(args: argparse.Namespace, out_dir: Path) -> None:
    """Write a JSON export and an HTML report for every available model type."""
    import modelmetrics._cli.examples as ex
    from modelmetrics._report.adapters import ADAPTERS
    from modelmetrics._report.model_report import SPLITS

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{out_dir}: cannot create the output directory ({exc.strerror})"
        ) from None
    written = []
    with Progress(len(TASKS) * len(SPLITS), enabled=None if not args.quiet else False) as bar:
        for task in TASKS:
            if task not in ADAPTERS:
                for _ in SPLITS:
                    bar.advance(task)
                _info(args, f"modelmetrics demo: {task} is not available yet; skipped")
                continue
            bar.step(task)

            def advance(split: str, task: str = task) -> None:
                bar.advance(f"{task} {split}")

            report = ex.demo_report(task, on_split=advance, analysis=True)
            json_path, html_path = out_dir / f"{task}.json", out_dir / f"{task}.html"
            report.to_json(json_path)
            report.to_html(html_path, title=f"modelmetrics demo: {task}")
            written += [json_path, html_path]
    print()
    print(f"== Reports written to {out_dir}")
    for path in written:
        print(f"  {path}")


def _demo_detection() -> None:
    from modelmetrics._cli.examples import DETECTION_CLASSES, detection_example
    from modelmetrics._detection.api import evaluate_detections

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


def _demo_keypoints() -> None:
    from modelmetrics._cli.examples import keypoints_example
    from modelmetrics._detection.keypoints_api import evaluate_keypoints

    ground_truth, predictions = keypoints_example()
    metrics = evaluate_keypoints(ground_truth, predictions, score_threshold=0.5)
    person = metrics.classes[1]
    print(
        f"== Keypoints: built-in example ({len(ground_truth)} images, COCO's 17 person keypoints)"
    )
    print(
        f"mAP@[.50:.95] {metrics.map:.3f}   mAP50 {metrics.map50:.3f}   "
        f"mAP75 {metrics.map75:.3f}   AR {metrics.mar:.3f}"
    )
    print(
        f"at OKS >= 0.5, score >= 0.5: precision {person.precision:.3f}   recall "
        f"{person.recall:.3f}   TP {person.tp}   FP {person.fp}   FN {person.fn}"
    )
    print("per keypoint: mean OKS term of the matched pairs labeling it")
    cells = [f"{kp.label:>16} {kp.oks:.3f} ({kp.pairs:3d})" for kp in metrics.per_keypoint]
    for first in range(0, len(cells), 3):
        print("".join(cells[first : first + 3]))


def _demo_regression() -> None:
    from modelmetrics._cli.examples import REGRESSION_TOLERANCE, regression_example
    from modelmetrics._regression.metrics import regression_metrics

    y_true, y_pred = regression_example()
    tolerance = REGRESSION_TOLERANCE
    metrics = regression_metrics(y_true, y_pred, threshold=tolerance)
    print(f"== Regression: built-in example (house prices, {y_true.shape[0]} samples)")
    for name, value in metrics.as_dict().items():
        if name not in ("accuracy", "threshold"):
            print(f"{name:>26}  {value:.4f}")
    print(f"{'accuracy':>26}  {metrics.accuracy:.4f}  (|error| <= {tolerance:g})")


def _demo_classification() -> None:
    from modelmetrics._cli.examples import classification_example
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


# ------------------------------------------------------------------------- evaluate


def _labels_option(text: str | None) -> list[Any] | None:
    if text is None:
        return None
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise InputError(f"--labels: empty name in {text!r}")
    if all(item.lstrip("-").isdigit() for item in items):
        return [int(item) for item in items]
    return items


def _sigmas_option(text: str) -> list[float]:
    try:
        return [float(item) for item in text.split(",")]
    except ValueError:
        raise InputError(f"--sigmas: expected comma-separated numbers, got {text!r}") from None


def _read_arrays(args: argparse.Namespace, bar: Progress) -> tuple[Any, Any, Any]:
    numeric = True if args.task == "regression" else None  # probabilities: numbers
    gt_table = read_table(args.ground_truth, "ground truth", numeric=numeric)
    bar.advance(f"reading {args.predictions}")
    pred_table = read_table(args.predictions, "predictions", numeric=numeric)
    return _table_labels(args.task, args, gt_table, pred_table)


def _read_coco_pair(args: argparse.Namespace, bar: Progress) -> tuple[Any, Any, Any]:
    return _read_detection(args.ground_truth, args.predictions, bar)


def _read_label_maps(args: argparse.Namespace, bar: Progress) -> tuple[Any, Any, Any]:
    gt, pred = read_label_maps(args.ground_truth, args.predictions)
    bar.advance(f"read {args.predictions}")
    labels = _labels_option(args.labels)
    return gt, pred, None if labels is None else [str(label) for label in labels]


# How `evaluate` reads each task's files: (ground truth, predictions, labels). A model
# type is offered once it has a reader here and an adapter in modelmetrics.report.
_READERS = {
    "classification": _read_arrays,
    "regression": _read_arrays,
    "detection": _read_coco_pair,
    "instance-segmentation": _read_coco_pair,
    "semantic-segmentation": _read_label_maps,
    "keypoints": _read_coco_pair,
}


def _evaluate(args: argparse.Namespace) -> int:
    from modelmetrics._report.adapters import ADAPTERS
    from modelmetrics._report.model_report import ModelReport

    task = args.task
    if task not in _READERS or task not in ADAPTERS:
        raise InputError(f"--task {task} is not available yet")
    steps = 3 + (args.output is not None) + (args.html is not None)
    gt_path, pred_path = args.ground_truth, args.predictions
    with Progress(steps, enabled=None if not args.quiet else False) as bar:
        bar.step(f"reading {gt_path}")
        gt, pred, labels = _READERS[task](args, bar)
        bar.advance("evaluating")
        options: dict[str, Any] = {}
        if args.iou_threshold is not None and task in (
            "detection", "instance-segmentation", "keypoints",
        ):  # fmt: skip
            options["iou_threshold"] = args.iou_threshold
        if args.sigmas is not None:
            if task != "keypoints":
                raise InputError("--sigmas applies to --task keypoints only")
            options["sigmas"] = _sigmas_option(args.sigmas)
        for name in ("num_classes", "ignore_index"):
            if getattr(args, name) is not None:
                if task != "semantic-segmentation":
                    flag = "--" + name.replace("_", "-")
                    raise InputError(f"{flag} applies to --task semantic-segmentation only")
                options[name] = getattr(args, name)
        analysis = {"state": True} if args.analysis else False
        try:
            report = ModelReport(task, labels).add_split(
                args.split,
                gt,
                pred,
                loss=args.loss,
                threshold=args.threshold,
                analysis=analysis,
                **options,
            )
        except (ValueError, TypeError) as exc:
            raise InputError(f"{gt_path}, {pred_path}: {exc}") from None
        bar.advance("writing")
        if args.output is not None:
            report.to_json(args.output)
            bar.advance(f"wrote {args.output}")
        if args.html is not None:
            report.to_html(args.html)
            bar.advance(f"wrote {args.html}")
    if args.output is None and args.html is None:
        sys.stdout.write(report.to_json())
    else:
        for path in (args.output, args.html):
            if path is not None:
                _info(args, f"wrote {path}")
    return 0


def _table_labels(
    task: str, args: argparse.Namespace, gt: Table, pred: Table
) -> tuple[Any, Any, Any]:
    """Ground truth, predictions and the labels to evaluate them with.

    Classification labels come from ``--labels`` or the predictions' header. Integer
    ground truth (and predicted labels) against class names that are not integers are
    class indices, as PyTorch writes them: ``0`` is the first name.
    """
    labels = _labels_option(args.labels)
    gt_values, pred_values = gt.values, pred.values
    if task == "regression":
        if labels is None and gt.names is not None:
            labels = gt.names
        return gt_values, pred_values, labels
    if pred_values.ndim == 2:
        if labels is None and pred.names is not None:
            labels = _labels_option(",".join(pred.names))
        if labels is not None and len(labels) != pred_values.shape[1]:
            raise InputError(
                f"{args.predictions}: {pred_values.shape[1]} probability columns but "
                f"{len(labels)} labels"
            )
    if labels is None or all(isinstance(label, int) for label in labels):
        if gt_values.dtype.kind == "U" and labels is not None:
            labels = [str(label) for label in labels]
        return gt_values, pred_values, labels
    gt_values = _class_names(gt_values, labels, args.ground_truth, "ground truth")
    if pred_values.ndim == 1:
        pred_values = _class_names(pred_values, labels, args.predictions, "predictions")
    return gt_values, pred_values, labels


def _class_names(values: Any, names: list[Any], path: str, what: str) -> Any:
    """Integer class indices `values` as the class `names` (other values unchanged)."""
    if values.dtype.kind not in "iu":
        return values
    bad = (values < 0) | (values >= len(names))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}: {what} holds class index {int(values[row])} (entry {row + 1}), but "
            f"there are {len(names)} classes ({', '.join(map(str, names))}): integer "
            f"labels are indices 0 to {len(names) - 1} into them"
        )
    return np.asarray(names, dtype=str)[values]


def _read_detection(gt_path: str, pred_path: str, bar: Progress) -> tuple[Any, Any, Any]:
    from modelmetrics.coco import COCO

    if not Path(gt_path).is_file():
        raise InputError(f"{gt_path}: ground truth file not found")
    try:
        gt = COCO(gt_path)
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{gt_path}: not a COCO ground truth ({exc})") from None
    bar.advance(f"reading {pred_path}")
    if not Path(pred_path).is_file():
        raise InputError(f"{pred_path}: predictions file not found")
    try:
        dt = gt.loadRes(pred_path)
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{pred_path}: not COCO results for {gt_path} ({exc})") from None
    cats = gt.loadCats(gt.getCatIds()) or []
    return gt, dt, {c["id"]: str(c.get("name", c["id"])) for c in cats}


# ----------------------------------------------------------------------------- coco


def _coco(args: argparse.Namespace) -> int:
    from modelmetrics.coco import COCO, COCOeval

    for path, what in ((args.ground_truth, "ground truth"), (args.results, "results")):
        if not Path(path).is_file():
            raise InputError(f"{path}: {what} file not found")
    with Progress(3, enabled=None if not args.quiet else False) as bar:
        bar.step(f"reading {args.ground_truth}")
        try:
            gt = COCO(args.ground_truth)
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError(f"{args.ground_truth}: not a COCO ground truth ({exc})") from None
        bar.advance(f"reading {args.results}")
        try:
            dt = gt.loadRes(args.results)
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError(f"{args.results}: not COCO results ({exc})") from None
        bar.advance("evaluating")
        ev = COCOeval(gt, dt, args.iou_type)
        try:
            ev.evaluate()
        except NotImplementedError:
            raise InputError(f"--iou-type {args.iou_type} is not available yet") from None
        except (ValueError, TypeError) as exc:
            raise InputError(f"{args.ground_truth}, {args.results}: {exc}") from None
        ev.accumulate()
        bar.advance("done")
    ev.summarize()
    return 0


# --------------------------------------------------------------------------- report


def _report(args: argparse.Namespace) -> int:
    from modelmetrics._report.model_report import ModelReport

    if not Path(args.export).is_file():
        raise InputError(f"{args.export}: report export not found")
    try:
        report = ModelReport.from_json(Path(args.export), model_type=args.model_type)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise InputError(f"{args.export}: {exc}") from None
    report.to_html(args.html)
    _info(args, f"wrote {args.html}")
    return 0


# -------------------------------------------------------------------------- compare


def _read_export(path: str) -> dict[str, Any]:
    import json

    from modelmetrics._report.model_report import ModelReport

    if not Path(path).is_file():
        raise InputError(f"{path}: report export not found")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        ModelReport.from_dict(data)  # the export's own checks, naming the key
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None
    out: dict[str, Any] = data
    return out


def _number(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


_BETTER_NOTE = {"higher": "", "lower": " (lower is better)", "zero": " (nearer 0 is better)"}


def _compare_table(result: dict[str, Any], chosen: str) -> list[str]:
    level = f"{100 * result['level']:g}%"
    rows = [["metric", "A", "B", "B - A", f"{level} interval", "P(B better)"]]
    for name, e in result["metrics"].items():
        interval = f"[{_number(e['low'])}, {_number(e['high'])}]"
        arrow = _BETTER_NOTE[e["direction"]]
        mark = "* " if name == chosen else "  "
        rows.append(
            [mark + name + arrow, _number(e["a"]), _number(e["b"]), _signed(e["delta"]),
             interval, _number(e["p-better"], 3)]
        )  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _signed(value: Any) -> str:
    text = _number(value)
    return text if text == "-" or text.startswith("-") else "+" + text


def _compare(args: argparse.Namespace) -> int:
    """Exit code 0 (no regression), 1 (the chosen metric regressed), 2 (bad input)."""
    try:
        return _run_compare(args)
    except InputError as exc:
        print(f"modelmetrics: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = exc.filename if exc.filename is not None else "?"
        print(f"modelmetrics: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _run_compare(args: argparse.Namespace) -> int:
    from modelmetrics._analysis.bootstrap import MAX_RESAMPLES
    from modelmetrics._report.compare import compare_exports, regressed
    from modelmetrics._report.export import atomic_write_text, dumps_strict

    if not (args.tolerance >= 0 and math.isfinite(args.tolerance)):
        raise InputError(f"--tolerance must be a finite number >= 0, got {args.tolerance}")
    if not 1 <= args.n <= MAX_RESAMPLES:
        raise InputError(f"--n must be between 1 and {MAX_RESAMPLES}, got {args.n}")
    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    if not 0.0 < args.level < 1.0:
        raise InputError(f"--level must be in (0, 1), got {args.level}")
    a, b = _read_export(args.a), _read_export(args.b)
    try:
        result = compare_exports(
            a, b, split=args.split, n=args.n, seed=args.seed, level=args.level,
            names=(args.a, args.b),
        )  # fmt: skip
    except ValueError as exc:
        raise InputError(str(exc)) from None
    metrics = result["metrics"]
    chosen = args.metric
    if chosen is None:
        chosen = next(iter(metrics), None)
    if chosen not in metrics:
        raise InputError(
            f"--metric {chosen!r} is not a compared metric (one of: {', '.join(metrics)})"
        )
    worse = regressed(metrics[chosen], args.tolerance)
    result.update(a=args.a, b=args.b, metric=chosen, tolerance=args.tolerance, regressed=worse)
    if args.json is not None:
        atomic_write_text(args.json, dumps_strict(result) + "\n")
    print(
        f"{result['model-type']}, split {result['split']}: A = {args.a}, B = {args.b}; "
        f"{result['n']} paired resamples (seed {result['seed']})"
    )
    for line in _compare_table(result, chosen):
        print(line)
    e = metrics[chosen]
    verdict = "REGRESSED" if worse else "ok"
    better = {"higher": "higher", "lower": "lower", "zero": "nearer 0"}[e["direction"]]
    print(
        f"{chosen}: B - A = {_signed(e['delta'])}, tolerance {args.tolerance:g} "
        f"({better} is better): {verdict}"
    )
    if args.json is not None:
        _info(args, f"wrote {args.json}")
    return 1 if worse else 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelmetrics",
        description="Fast, exact performance metrics for trained models.",
    )
    parser.add_argument("--version", action="version", version=f"modelmetrics {__version__}")
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar or messages on stderr"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        parents=[quiet],
        help="compute metrics on built-in examples and print them (no input needed)",
        description="Compute metrics on built-in examples and print them. With "
        "--output-dir, also write a JSON export and an HTML report per model type, "
        "each with train, validation and test splits and a loss history.",
    )
    demo.add_argument("--output-dir", metavar="DIR", help="write <type>.json and <type>.html here")
    demo.set_defaults(handler=_demo)

    evaluate = commands.add_parser(
        "evaluate",
        parents=[quiet],
        help="evaluate predictions against ground truth; write the JSON export and HTML",
        description="Evaluate one split. Classification: CSV, TSV or .npy of labels; "
        "predictions are labels or class probabilities (one column per class, header = "
        "class names); integer labels against class names (--labels or the header) are "
        "class indices, 0 for the first. Regression: CSV, TSV or .npy of targets. "
        "Detection, instance segmentation and "
        "keypoints: COCO ground truth JSON (keypoints: with keypoints and num_keypoints) and "
        "COCO results JSON. Semantic segmentation: label maps as .npy ((H, W) or (N, H, W); "
        "predictions also class scores) or .png (8/16-bit grayscale or palette), one file "
        "each or two directories of maps paired by file name. Without --output or --html "
        "the export goes to stdout.",
    )
    evaluate.add_argument("--task", required=True, choices=TASKS)
    evaluate.add_argument("-g", "--ground-truth", required=True, metavar="FILE")
    evaluate.add_argument("-p", "--predictions", required=True, metavar="FILE")
    evaluate.add_argument("--split", default="test", choices=("train", "validation", "test"))
    evaluate.add_argument("--labels", help="comma-separated class (or target) names, in order")
    evaluate.add_argument(
        "--threshold",
        type=float,
        help="accuracy threshold: probability, detection score or regression tolerance",
    )
    evaluate.add_argument(
        "--iou-threshold", type=float, help="detection IoU or keypoint OKS threshold (0.5)"
    )
    evaluate.add_argument(
        "--sigmas",
        metavar="S1,S2,...",
        help="keypoints: comma-separated OKS sigma per keypoint (default: COCO's 17 person)",
    )
    evaluate.add_argument(
        "--num-classes", type=int, help="semantic segmentation: classes (default: inferred)"
    )
    evaluate.add_argument(
        "--ignore-index", type=int, help="semantic segmentation: target label to skip (e.g. 255)"
    )
    evaluate.add_argument("--loss", type=float, help="the split's loss, if known")
    evaluate.add_argument(
        "--analysis",
        action="store_true",
        help="add the error analysis and the per-image state that 'compare' reads",
    )
    evaluate.add_argument("--output", metavar="FILE", help="write the JSON export here")
    evaluate.add_argument("--html", metavar="FILE", help="write the HTML report here")
    evaluate.set_defaults(handler=_evaluate)

    coco = commands.add_parser(
        "coco",
        parents=[quiet],
        help="COCO evaluation of a results file; prints the 12-line summary",
    )
    coco.add_argument("ground_truth", metavar="GT", help="COCO ground truth JSON")
    coco.add_argument("results", metavar="DT", help="COCO results JSON")
    coco.add_argument("--iou-type", default="bbox", choices=("bbox", "segm", "keypoints"))
    coco.set_defaults(handler=_coco)

    report = commands.add_parser(
        "report", parents=[quiet], help="render a JSON export as an HTML report"
    )
    report.add_argument("export", metavar="METRICS_JSON")
    report.add_argument("--html", required=True, metavar="FILE", help="write the HTML report here")
    report.add_argument(
        "--model-type",
        choices=TASKS,
        help="the model type of an export that names none (SmartML's: inferred otherwise; "
        "an export with only mAP reads as detection)",
    )
    report.set_defaults(handler=_report)

    compare = commands.add_parser(
        "compare",
        parents=[quiet],
        help="compare two exports on the same data; exit 1 when a metric regresses",
        description="Paired bootstrap comparison of model B against model A on the same "
        "data: for every headline metric its value in A and B, the difference B - A with "
        "its interval, and the share of resamples where B is better. Both exports need "
        "the split's per-image state (modelmetrics evaluate --analysis, or "
        "ModelReport.add_split(..., analysis={'state': True})). Exit code 1 when the chosen "
        "metric of B is worse than A's by more than the tolerance (higher is better for "
        "scores, lower for errors), 0 otherwise, 2 for bad input.",
    )
    compare.add_argument("a", metavar="A_JSON", help="the reference export (model A)")
    compare.add_argument("b", metavar="B_JSON", help="the candidate export (model B)")
    compare.add_argument("--split", default="test", help="the split compared (test)")
    compare.add_argument(
        "--metric", help="the metric that decides the exit code (default: the first headline one)"
    )
    compare.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="how much worse B may be before it counts as a regression (0)",
    )
    compare.add_argument("--n", type=int, default=1000, help="bootstrap resamples (1000)")
    compare.add_argument("--seed", type=int, default=0, help="seed of the resampling (0)")
    compare.add_argument(
        "--level", type=float, default=0.95, help="coverage of the intervals (0.95)"
    )
    compare.add_argument("--json", metavar="FILE", help="also write the comparison as JSON here")
    compare.set_defaults(handler=_compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 bad input, 2 usage;
    ``compare``: 1 when the chosen metric regressed, 2 for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for usage errors, 0 for --help/--version
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.handler(args)
    except (InputError, NotImplementedError) as exc:
        print(f"modelmetrics: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = exc.filename if exc.filename is not None else "?"
        print(f"modelmetrics: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return code
