"""Compare two report exports on the same data: what ``modelmetrics compare`` prints.

Both exports must hold the per-image analysis state of the split
(``ModelReport.add_split(..., analysis={"state": True})``, or ``modelmetrics evaluate
--analysis``). The state is resampled as a paired bootstrap, the same draws for both
models, so each metric gets the interval of its difference B - A and the share of
resamples in which B is better.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.checks import check_int, check_real, check_that
from modelmetrics._report.adapters import HEADLINE
from modelmetrics._report.analysis import (
    _within,
    check_state,
    coco_columns_of_state,
    decode_array,
)

__all__ = ["compare_exports", "direction", "regressed"]


def direction(metric: str) -> str:
    """Which way `metric` is better: ``"higher"``, ``"lower"`` (errors) or ``"zero"``
    (the bias ``mean-error``), as :func:`modelmetrics.analysis.metric_direction`."""
    from modelmetrics._analysis.resampling import metric_direction

    if metric.startswith(("map", "mar")):  # COCO's and keypoints' ("mar") names
        return "higher"
    return str(metric_direction(metric))


def regressed(entry: Mapping[str, Any], tolerance: float) -> bool:
    """Whether B is worse than A beyond `tolerance` in a :func:`compare_exports` entry,
    judged on the full-data values: a score dropping by more than `tolerance`, an error
    rising by more, a bias moving away from zero by more (``|B| - |A|``). An undefined
    value (NaN or None) is not a regression."""
    a, b = entry["a"], entry["b"]
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return False
    if entry["direction"] == "higher":
        return bool(a - b > tolerance)
    if entry["direction"] == "lower":
        return bool(b - a > tolerance)
    return bool(abs(b) - abs(a) > tolerance)


def _state(export: Mapping[str, Any], split: str, name: str) -> Mapping[str, Any]:
    analysis = export.get("analysis")
    splits = sorted(export.get("metrics", {})) if isinstance(export.get("metrics"), Mapping) else []
    if split not in splits:
        raise ValueError(f"{name}: no split {split!r} (the export has {splits})")
    entry = analysis.get(split) if isinstance(analysis, Mapping) else None
    if not isinstance(entry, Mapping) or "state" not in entry:
        raise ValueError(
            f"{name}: split {split!r} has no per-image state to compare; write the export "
            "with ModelReport.add_split(..., analysis={'state': True}) or "
            "'modelmetrics evaluate --analysis'"
        )
    state = entry["state"]
    if not isinstance(state, Mapping):
        raise ValueError(f"{name}: the analysis state of split {split!r} must be an object")
    return state


def compare_exports(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    split: str = "test",
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    names: tuple[str, str] = ("a", "b"),
) -> dict[str, Any]:
    """Paired bootstrap comparison of two exports' `split` (B minus A).

    Parameters
    ----------
    a, b : mapping
        Two parsed exports (``ModelReport.to_dict()`` or the JSON files) of the same
        model type on the same data, each with the split's analysis state.
    split : str, default="test"
        The split compared.
    n, seed, level
        Resamples, the seed of their draws, and the coverage of the intervals.
    names : (str, str)
        How errors name the two exports (their file names).

    Returns
    -------
    dict
        ``model-type``, ``split``, ``n``, ``seed``, ``level`` and ``metrics``:
        ``{metric: {"a", "b", "delta", "low", "high", "p-better", "higher-is-better"}}``
        in display order, headline metrics first; ``low``/``high`` bound the interval of
        B - A, ``p-better`` is the share of resamples where B is strictly better.
        COCO-style types also have ``per-class``: ``{class: {metric: entry}}``.

    Raises
    ------
    ValueError
        If an export lacks the split or its state, the model types or data differ, or
        an argument is bad (naming the export or the argument).
    """
    from modelmetrics._analysis.bootstrap import MAX_RESAMPLES

    n = check_int("n", n, low=1, high=MAX_RESAMPLES)
    seed = check_int("seed", seed, low=0)
    level = check_real("level", level)
    check_that(0.0 < level < 1.0, "level", "a float in the range (0.0, 1.0)", level)
    type_a, type_b = a.get("modelType"), b.get("modelType")
    if type_a != type_b:
        raise ValueError(
            f"{names[1]}: a {type_b} export cannot be compared with {names[0]}'s {type_a}"
        )
    state_a = _state(a, split, names[0])
    state_b = _state(b, split, names[1])
    if state_a.get("kind") != state_b.get("kind"):
        raise ValueError(
            f"{names[1]}: its state is of kind {state_b.get('kind')!r}, "
            f"{names[0]}'s of kind {state_a.get('kind')!r}"
        )
    kind = state_a.get("kind")
    if kind == "coco":
        metrics, per_class = _compare_coco(state_a, state_b, n, seed, level, names, str(type_a))
    else:
        compare = {
            "classification": _compare_classification,
            "regression": _compare_regression,
            "semantic-segmentation": _compare_segmentation,
        }.get(str(kind))
        if compare is None:
            raise ValueError(f"{names[0]}: unknown state kind {kind!r}")
        raw = compare(state_a, state_b, n, seed, level, names)
        values_a, values_b = a["metrics"][split], b["metrics"][split]
        metrics = {
            m: _entry(m, values_a.get(m), values_b.get(m), raw[m]) for m in raw if m != "per-class"
        }
        per_class = None
        if "per-class" in raw:
            per_class = {
                str(c): {m: _delta_entry(m, e) for m, e in entries.items()}
                for c, entries in raw["per-class"].items()
            }
    out: dict[str, Any] = {
        "model-type": type_a,
        "split": split,
        "n": n,
        "seed": seed,
        "level": level,
        "metrics": _ordered(metrics, str(type_a)),
    }
    if per_class is not None:
        out["per-class"] = per_class
    return out


def _ordered(metrics: dict[str, Any], model_type: str) -> dict[str, Any]:
    first = [m for m in HEADLINE.get(model_type, ()) if m in metrics]
    return {m: metrics[m] for m in [*first, *(m for m in metrics if m not in first)]}


def _entry(metric: str, value_a: Any, value_b: Any, diff: Mapping[str, Any]) -> dict[str, Any]:
    """One row: both values, the difference B - A with its interval, P(B better)."""
    return {"a": value_a, "b": value_b, **_delta_entry(metric, diff)}


def _delta_entry(metric: str, diff: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "delta": diff["delta"],
        "low": diff["low"],
        "high": diff["high"],
        "p-better": diff["p_better"],
        "direction": direction(metric),
    }


def _same_ground_truth(cols_a: Any, cols_b: Any) -> bool:
    """Whether both states count the same non-ignored ground truths per (category,
    image, area range): the same images, categories and annotations as far as the
    evaluation sees them."""

    def rows(cols: Any) -> np.ndarray[Any, Any]:
        keep = cols.group_npig.sum(axis=1) > 0
        table = np.column_stack(
            (cols.group_category[keep], cols.group_image[keep], cols.group_npig[keep])
        )
        return table[np.lexsort(table.T[::-1])]

    a, b = rows(cols_a), rows(cols_b)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _compare_coco(
    state_a: Mapping[str, Any],
    state_b: Mapping[str, Any],
    n: int,
    seed: int,
    level: float,
    names: tuple[str, str],
    model_type: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    from modelmetrics._analysis.bootstrap import (
        compare_samples,
        full_values,
        metric_layout,
        sample_of_columns,
    )

    cols_a = coco_columns_of_state(state_a, names[0])
    cols_b = coco_columns_of_state(state_b, names[1])
    same_images = len(cols_a.image_ids) == len(cols_b.image_ids) and bool(
        np.array_equal(cols_a.image_ids, cols_b.image_ids)
    )
    if not same_images:
        raise ValueError(
            f"{names[1]}: its images differ from {names[0]}'s ({len(cols_b.image_ids)} "
            f"against {len(cols_a.image_ids)}): compare models on the same data"
        )
    same_settings = (
        cols_a.category_ids == cols_b.category_ids
        and np.array_equal(cols_a.iou_thresholds, cols_b.iou_thresholds)
        and np.array_equal(cols_a.recall_thresholds, cols_b.recall_thresholds)
        and cols_a.area_labels == cols_b.area_labels
        and cols_a.max_detections == cols_b.max_detections
    )
    if not same_settings:
        raise ValueError(
            f"{names[1]}: its categories or evaluation settings differ from {names[0]}'s"
        )
    if not _same_ground_truth(cols_a, cols_b):
        raise ValueError(
            f"{names[1]}: its ground truth differs from {names[0]}'s (other annotations on "
            "the same images): compare models on the same data"
        )
    sample_a, sample_b = sample_of_columns(cols_a), sample_of_columns(cols_b)
    diff = compare_samples(sample_a, sample_b, n, seed, level, names[1])
    layout = metric_layout(sample_a)
    values_a, values_b = full_values(sample_a, layout), full_values(sample_b, layout)
    rename = {}
    if model_type == "keypoints" and len(cols_a.max_detections) == 1:
        rename = {f"mar-{cols_a.max_detections[0]}": "mar"}
    metrics = {
        rename.get(m, m): _entry(rename.get(m, m), values_a[m], values_b[m], diff[m])
        for m in diff
        if m != "per-class"
    }
    shown = state_a.get("category-names")
    if not isinstance(shown, list) or len(shown) != len(cols_a.category_ids):
        shown = [str(c) for c in cols_a.category_ids]
    label = dict(zip(cols_a.category_ids, map(str, shown), strict=True))
    per_class = {
        label[cat]: {
            m: _entry(m, values_a["per-class"][cat][m], values_b["per-class"][cat][m], entry)
            for m, entry in diff["per-class"][cat].items()
        }
        for cat in diff["per-class"]
    }
    return metrics, per_class


def _decoded(state: Mapping[str, Any], key: str, name: str, kind: str) -> NDArray[Any]:
    check_state(state, kind, name)
    if key not in state:
        raise ValueError(f"{name}: the state has no {key!r}")
    return decode_array(state[key], f"{name}.state.{key}")


def _weights(
    state_a: Mapping[str, Any], state_b: Mapping[str, Any], kind: str, names: tuple[str, str]
) -> Any:
    w_a = _decoded(state_a, "sample-weight", names[0], kind) if "sample-weight" in state_a else None
    w_b = _decoded(state_b, "sample-weight", names[1], kind) if "sample-weight" in state_b else None
    same = (w_a is None and w_b is None) or (
        w_a is not None and w_b is not None and np.array_equal(w_a, w_b)
    )
    if not same:
        raise ValueError(f"{names[1]}: its sample weights differ from {names[0]}'s")
    return w_a


def _compare_classification(
    state_a: Mapping[str, Any],
    state_b: Mapping[str, Any],
    n: int,
    seed: int,
    level: float,
    names: tuple[str, str],
) -> dict[str, Any]:
    from modelmetrics._analysis.resampling import classification_compare

    kind = "classification"
    sides = []
    for state, name in ((state_a, names[0]), (state_b, names[1])):
        listed = state.get("labels")
        if not isinstance(listed, list) or not listed:
            raise ValueError(f"{name}: the state has no class labels")
        classes = np.asarray([str(c) for c in listed])
        true_col = _decoded(state, "y-true", name, kind)
        if not _within(true_col, len(classes)):
            raise ValueError(f"{name}: the state's true classes are not among its labels")
        if "y-score" in state:
            predicted: Any = _decoded(state, "y-score", name, kind)
            if predicted.ndim != 2 or predicted.shape != (len(true_col), len(classes)):
                raise ValueError(f"{name}: the state's probabilities do not fit its labels")
        else:
            pred_col = _decoded(state, "y-pred", name, kind)
            if pred_col.shape != true_col.shape or not _within(pred_col, len(classes)):
                raise ValueError(f"{name}: the state's predicted classes do not fit its labels")
            predicted = classes[pred_col]
        sides.append((list(classes), classes[true_col], predicted, "y-score" in state))
    (labels_a, true_a, pred_a, proba_a), (labels_b, true_b, pred_b, proba_b) = sides
    if true_a.shape != true_b.shape or not np.array_equal(true_a, true_b):
        raise ValueError(
            f"{names[1]}: its ground truth differs from {names[0]}'s ({len(true_b)} against "
            f"{len(true_a)} samples): compare models on the same data"
        )
    weights = _weights(state_a, state_b, kind, names)
    if labels_a == labels_b:
        labels: Any = labels_a
    elif proba_a or proba_b:
        raise ValueError(f"{names[1]}: its classes differ from {names[0]}'s")
    else:
        labels = None  # each model scored over its own classes, as in its export
    return classification_compare(
        true_a, pred_a, pred_b, labels=labels, sample_weight=weights, n=n, seed=seed, level=level
    )


def _compare_regression(
    state_a: Mapping[str, Any],
    state_b: Mapping[str, Any],
    n: int,
    seed: int,
    level: float,
    names: tuple[str, str],
) -> dict[str, Any]:
    from modelmetrics._analysis.resampling import regression_compare

    kind = "regression"
    true_a = _decoded(state_a, "y-true", names[0], kind)
    true_b = _decoded(state_b, "y-true", names[1], kind)
    if true_a.shape != true_b.shape or not np.array_equal(true_a, true_b):
        raise ValueError(
            f"{names[1]}: its targets differ from {names[0]}'s ({true_b.shape} against "
            f"{true_a.shape}): compare models on the same data"
        )
    pred_a = _decoded(state_a, "y-pred", names[0], kind)
    pred_b = _decoded(state_b, "y-pred", names[1], kind)
    for pred, name in ((pred_a, names[0]), (pred_b, names[1])):
        if pred.shape != true_a.shape:
            raise ValueError(f"{name}: the state's predictions do not fit its targets")
    weights = _weights(state_a, state_b, kind, names)
    return regression_compare(
        true_a, pred_a, pred_b, sample_weight=weights, n=n, seed=seed, level=level
    )


def _compare_segmentation(
    state_a: Mapping[str, Any],
    state_b: Mapping[str, Any],
    n: int,
    seed: int,
    level: float,
    names: tuple[str, str],
) -> dict[str, Any]:
    # The state holds counts, not label maps: the models are built from the counts as
    # segmentation_compare builds them from label maps.
    from modelmetrics._analysis.resampling import compare_models, segmentation_model

    kind = "semantic-segmentation"
    models = []
    settings = []
    for state, name in ((state_a, names[0]), (state_b, names[1])):
        stats = _decoded(state, "image-stats", name, kind)
        cm = _decoded(state, "confusion-matrix", name, kind)
        c = cm.shape[0] if cm.ndim == 2 else -1
        if cm.shape != (c, c) or stats.ndim != 3 or stats.shape[1:] != (3, c) or not len(stats):
            raise ValueError(f"{name}: the state's counts do not fit together")
        ignore, absent = state.get("ignore-index"), state.get("absent", "skip")
        n_ignored = state.get("n-ignored", 0)
        if absent not in ("skip", "zero", "one") or not isinstance(n_ignored, int):
            raise ValueError(f"{name}: malformed state (absent {absent!r})")
        settings.append((c, ignore, absent, stats[:, 2]))
        classes = list(state.get("classes") or range(c))
        models.append(
            segmentation_model(
                cm, stats, n_ignored, ignore_index=ignore, absent=absent, classes=classes
            )
        )
    (c_a, ig_a, ab_a, target_a), (c_b, ig_b, ab_b, target_b) = settings
    if (c_a, ig_a, ab_a) != (c_b, ig_b, ab_b):
        raise ValueError(
            f"{names[1]}: its classes or settings (num_classes {c_b}, ignore_index {ig_b}, "
            f"absent {ab_b!r}) differ from {names[0]}'s ({c_a}, {ig_a}, {ab_a!r})"
        )
    if target_a.shape != target_b.shape or not np.array_equal(target_a, target_b):
        raise ValueError(
            f"{names[1]}: its ground truth differs from {names[0]}'s ({len(target_b)} against "
            f"{len(target_a)} images, or other target pixels): compare models on the same data"
        )
    return dict(compare_models(models[0], models[1], n, seed, level))
