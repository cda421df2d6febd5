"""Analysis in the report: what ``ModelReport.add_split(..., analysis=...)`` adds.

A split evaluated with `analysis` gains an object under the export's top-level
``"analysis"`` key (``{split: {...}}``, like ``plots``), with the keys that apply to its
model type:

``options``
    The settings used: ``n`` (resamples), ``seed``, ``level``, ``bins``, ``strategy``
    (calibration bins), ``k`` (rows of the worst-case tables), ``state``.
``intervals``
    Bootstrap intervals of the headline metrics, ``{metric: {"value", "low", "high",
    "level"}}``; detection, instance segmentation and keypoints also per class
    (``"per-class": {class: {"ap": {...}, "ap50": {...}}}``).
``tide``
    Detection and instance segmentation: TIDE's error breakdown
    (:meth:`modelmetrics.analysis.TideErrors.as_dict`).
``calibration``
    Detection, instance segmentation and keypoints: each kept detection's score against
    its being a true positive at the report's IoU (OKS) threshold
    (:meth:`~modelmetrics.analysis.Calibration.as_dict` plus ``iou-threshold``);
    classification with probabilities: :meth:`~modelmetrics.analysis.
    ClassificationCalibration.as_dict`.
``worst-images``
    Detection and instance segmentation: the `k` images of lowest F1 at the report's
    thresholds (:meth:`modelmetrics.analysis.ImageDiagnostics.worst`, with their
    counts and AP contribution); semantic segmentation: the `k` images of lowest mean
    IoU. Worst first.
``mistakes``
    Classification with probabilities: the `k` most confident mistakes
    (:func:`modelmetrics.analysis.confident_mistakes`), one object per sample.
``residuals``
    Regression: the `k` largest residuals
    (:func:`modelmetrics.analysis.largest_residuals`), one object per sample.
``state``
    Only with ``state=True``: the per-image state that ``modelmetrics compare`` needs
    to compare two exports on the same data (see :func:`encode_array`).

The numbers are those of the analysis functions of :mod:`modelmetrics.analysis` called
on the same data; detection reuses the split's one evaluation (no matching again).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.checks import check_bool, check_int, check_option, check_real, check_that
from modelmetrics._core.jsonable import to_jsonable

__all__ = [
    "STATE_VERSION",
    "AnalysisOptions",
    "check_analysis",
    "classification_analysis",
    "coco_analysis",
    "coco_columns_of_state",
    "decode_array",
    "encode_array",
    "regression_analysis",
    "semantic_analysis",
]

# Version of the ``state`` encoding; a reader rejects a state of another version.
STATE_VERSION = 1


@dataclass(frozen=True)
class AnalysisOptions:
    """Settings of a split's analysis (see the module docstring)."""

    n: int = 1000
    seed: int = 0
    level: float = 0.95
    bins: int = 15
    strategy: str = "uniform"
    k: int = 10
    state: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_FIELDS = tuple(AnalysisOptions.__dataclass_fields__)


def check_analysis(value: object) -> AnalysisOptions | None:
    """`add_split`'s `analysis`: False or None (none), True (the defaults), or a mapping
    of options overriding the defaults.

    Raises
    ------
    ValueError, TypeError
        For another value, an unknown option or a bad option value (naming
        ``analysis`` and the option).
    """
    if value is None or value is False:
        return None
    if value is True:
        return AnalysisOptions()
    check_that(
        isinstance(value, Mapping),
        "analysis",
        f"a bool or a mapping of options ({', '.join(_FIELDS)})",
        value,
    )
    assert isinstance(value, Mapping)
    unknown = sorted(str(k) for k in value if k not in _FIELDS)
    if unknown:
        raise ValueError(f"analysis: unknown option(s) {unknown} (accepted: {', '.join(_FIELDS)})")
    opts = replace(AnalysisOptions(), **dict(value))
    level = check_real("analysis['level']", opts.level)
    check_that(0.0 < level < 1.0, "analysis['level']", "a float in the range (0.0, 1.0)", level)
    from modelmetrics._analysis.bootstrap import MAX_RESAMPLES

    return AnalysisOptions(
        n=check_int("analysis['n']", opts.n, low=1, high=MAX_RESAMPLES),
        seed=check_int("analysis['seed']", opts.seed, low=0),
        level=level,
        bins=check_int("analysis['bins']", opts.bins, low=1, high=10**6),
        strategy=str(check_option("analysis['strategy']", opts.strategy, ("uniform", "quantile"))),
        k=check_int("analysis['k']", opts.k, low=0, high=10**6),
        state=check_bool("analysis['state']", opts.state),
    )


# ------------------------------------------------------------------ the state codec

_DTYPES = ("uint8", "int32", "int64", "float64")


def encode_array(values: NDArray[Any]) -> dict[str, Any]:
    """An array as JSON: ``{"dtype", "shape", "data"}``, ``data`` the base64 text of its
    zlib-compressed little-endian bytes (C order). Exact: ``decode_array`` gives it back
    bit for bit."""
    array = np.ascontiguousarray(values)
    check_that(array.dtype.name in _DTYPES, "values", f"an array of {_DTYPES}", array.dtype)
    raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
    return {
        "dtype": array.dtype.name,
        "shape": list(array.shape),
        "data": base64.b64encode(zlib.compress(raw, 6)).decode("ascii"),
    }


def decode_array(value: object, name: str) -> NDArray[Any]:
    """The array :func:`encode_array` wrote; ValueError naming `name` when malformed."""
    if not isinstance(value, Mapping) or set(value) != {"dtype", "shape", "data"}:
        raise ValueError(f"{name} must be an encoded array {{dtype, shape, data}}")
    dtype, shape = value["dtype"], value["shape"]
    if dtype not in _DTYPES or not isinstance(shape, list):
        raise ValueError(f"{name}: unknown dtype {dtype!r} or bad shape {shape!r}")
    if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise ValueError(f"{name}: bad shape {shape!r}")
    try:
        raw = zlib.decompress(base64.b64decode(str(value["data"]), validate=True))
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"{name}: data is not base64 zlib ({exc})") from None
    kind = np.dtype(dtype).newbyteorder("<")
    if len(raw) != kind.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ValueError(f"{name}: data holds {len(raw)} bytes, not a {dtype} array of {shape}")
    return np.frombuffer(raw, kind).astype(np.dtype(dtype)).reshape(shape)


def _state_header(kind: str) -> dict[str, Any]:
    return {"kind": kind, "version": STATE_VERSION}


# -------------------------------------------------- detection, masks and keypoints


def _coco_thresholds(cols: Any) -> Any:
    """The columns at COCO's ten IoU thresholds only (the report adds its own IoU
    threshold as an eleventh when it is not one of them)."""
    if len(cols.iou_thresholds) <= 10:
        return cols
    return replace(
        cols,
        iou_thresholds=cols.iou_thresholds[:10],
        slot_code=np.ascontiguousarray(cols.slot_code[:, :, :10]),
    )


def coco_analysis(
    ev: Any,
    match: Any,
    opts: AnalysisOptions,
    names: Mapping[Any, str],
    *,
    tide_inputs: tuple[Any, Any, str, str] | None,
    rename: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The analysis of a COCO-style evaluation `ev` (detection, masks or keypoints).

    `match` holds the report's IoU threshold and max detections; `names` maps class
    ids to names; `tide_inputs` is (ground truth, predictions, iou type, box format)
    for TIDE, None where TIDE does not apply (keypoints); `rename` maps bootstrap
    metric names to the export's (keypoints' ``mar-20`` is ``mar``).
    """
    from modelmetrics._analysis.bootstrap import (
        bootstrap_samples,
        columns_of_evaluation,
        sample_of_columns,
    )
    from modelmetrics._analysis.calibration import calibration_of, checked_confidence

    out: dict[str, Any] = {"options": opts.as_dict()}
    cols = _coco_thresholds(columns_of_evaluation(ev))
    intervals = bootstrap_samples(sample_of_columns(cols), opts.n, opts.seed, opts.level)
    per_class = intervals.pop("per-class")
    rename = rename or {}
    out["intervals"] = {rename.get(k, k): v for k, v in intervals.items()}
    out["intervals"]["per-class"] = {names.get(k, str(k)): v for k, v in per_class.items()}

    # Calibration at the report's IoU threshold, over every area ("all"), from the same
    # evaluation: what detection_calibration computes on the same data.
    # Binned in (category, image, rank) order, as detection_calibration bins them (the
    # float sums depend on the order); images and categories are sorted in `ev`.
    area = list(ev.settings.area_labels).index("all")
    code = ev.slot_code[:, area, match.iou_index]
    slot_group = np.repeat(np.arange(len(ev.grouped.keys)), np.diff(ev.slot_start))
    order = np.lexsort((ev.slot_rank, ev.slot_image, ev.group_categories()[slot_group]))
    counted = order[code[order] != 2]
    try:
        scores = checked_confidence("the detection scores", ev.slot_score[counted], opts.strategy)
    except ValueError as exc:
        raise ValueError(f"analysis: {exc} (analysis={{'strategy': 'quantile'}})") from None
    calibration = calibration_of(scores, code[counted] == 1, opts.bins, opts.strategy)
    out["calibration"] = {**calibration.as_dict(), "iou-threshold": match.iou_threshold}

    if tide_inputs is not None:
        out["tide"] = _tide(ev, match, tide_inputs)
        if opts.k:
            out["worst-images"] = _worst_images(match, tide_inputs, opts.k)
    if opts.state:
        out["state"] = coco_state(cols, [names.get(c, str(c)) for c in cols.category_ids])
    return to_jsonable(out)  # type: ignore[no-any-return]


def _tide(ev: Any, match: Any, inputs: tuple[Any, Any, str, str]) -> dict[str, Any] | None:
    """TIDE on the split's data at the report's IoU threshold (None when the data has
    no detection or no ground truth that is not crowd: TIDE needs both)."""
    from modelmetrics._analysis.tide import tide

    ground_truth, predictions, iou_type, box_format = inputs
    if len(ev.grouped.dt_rows) == 0 or not np.any(ev.group_npig[:, 0] > 0):
        return None
    errors = tide(
        ground_truth,
        predictions,
        iou_type,  # type: ignore[arg-type]
        box_format=box_format,  # type: ignore[arg-type]
        pos_threshold=match.iou_threshold,
    )
    return errors.as_dict()


def _worst_images(match: Any, inputs: tuple[Any, Any, str, str], k: int) -> list[dict[str, Any]]:
    """The `k` images of lowest F1 at the report's thresholds, worst first
    (:meth:`modelmetrics.analysis.ImageDiagnostics.worst`, keys in kebab-case)."""
    from modelmetrics._analysis.per_image import image_diagnostics

    ground_truth, predictions, iou_type, box_format = inputs
    diagnostics = image_diagnostics(
        ground_truth,
        predictions,
        iou_type,  # type: ignore[arg-type]
        iou_threshold=match.iou_threshold,
        max_detections=match.max_detections,
        score_threshold=match.score_threshold,
        box_format=box_format,  # type: ignore[arg-type]
    )
    return [_kebab(row) for row in diagnostics.worst(k, by="f1")]


def _kebab(row: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).replace("_", "-"): value for key, value in row.items()}


def _rows(columns: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Column lists (an ``as_dict()`` of per_image's results) as one object per row."""
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


_COCO_SLOTS = ("category", "image", "rank", "score", "code")
_COCO_GROUPS = ("category", "image", "npig", "nonempty")


def coco_state(cols: Any, category_names: list[str] | None = None) -> dict[str, Any]:
    """The JSON state of :class:`~modelmetrics._analysis.bootstrap.SampleColumns`
    (with the categories' names, for the comparison's per-class keys)."""
    names = [str(c) for c in cols.category_ids] if category_names is None else category_names
    return {
        **_state_header("coco"),
        "image-ids": to_jsonable(cols.image_ids.tolist()),
        "category-ids": to_jsonable(list(cols.category_ids)),
        "category-names": list(names),
        "iou-thresholds": cols.iou_thresholds.tolist(),
        "recall-thresholds": cols.recall_thresholds.tolist(),
        "area-labels": list(cols.area_labels),
        "max-detections": list(cols.max_detections),
        "slots": {k: encode_array(getattr(cols, f"slot_{k}")) for k in _COCO_SLOTS},
        "groups": {k: encode_array(getattr(cols, f"group_{k}")) for k in _COCO_GROUPS},
    }


def coco_columns_of_state(state: Mapping[str, Any], name: str) -> Any:
    """:class:`~modelmetrics._analysis.bootstrap.SampleColumns` from
    :func:`coco_state`'s JSON; ValueError naming `name` when malformed."""
    from modelmetrics._analysis.bootstrap import SampleColumns

    check_state(state, "coco", name)
    try:
        slots, groups = state["slots"], state["groups"]
        arrays = {f"slot_{k}": decode_array(slots[k], f"{name}.slots.{k}") for k in _COCO_SLOTS}
        arrays |= {
            f"group_{k}": decode_array(groups[k], f"{name}.groups.{k}") for k in _COCO_GROUPS
        }
        cols = SampleColumns(
            image_ids=np.asarray(state["image-ids"]),
            category_ids=list(state["category-ids"]),
            iou_thresholds=np.asarray(state["iou-thresholds"], np.float64),
            recall_thresholds=np.asarray(state["recall-thresholds"], np.float64),
            area_labels=[str(a) for a in state["area-labels"]],
            max_detections=[int(m) for m in state["max-detections"]],
            **arrays,
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{name}: malformed state ({exc!r})") from None
    n_slots, n_groups = len(cols.slot_score), len(cols.group_npig)
    shape = (n_slots, len(cols.area_labels), len(cols.iou_thresholds))
    consistent = (
        all(len(getattr(cols, f"slot_{k}")) == n_slots for k in _COCO_SLOTS)
        and cols.slot_code.shape == shape
        and all(len(getattr(cols, f"group_{k}")) == n_groups for k in _COCO_GROUPS)
        and cols.group_npig.shape[1:] == (len(cols.area_labels),)
        and _within(cols.slot_category, len(cols.category_ids))
        and _within(cols.group_category, len(cols.category_ids))
        and _within(cols.slot_image, len(cols.image_ids))
        and _within(cols.group_image, len(cols.image_ids))
    )
    if not consistent:
        raise ValueError(f"{name}: the state's arrays do not fit together")
    return cols


def _within(values: NDArray[Any], n: int) -> bool:
    return not len(values) or (int(values.min()) >= 0 and int(values.max()) < n)


def check_state(state: object, kind: str, name: str) -> None:
    """ValueError naming `name` unless `state` is a state of `kind` this version reads."""
    if not isinstance(state, Mapping):
        raise ValueError(f"{name}: the state must be an object")
    if state.get("kind") != kind or state.get("version") != STATE_VERSION:
        raise ValueError(
            f"{name}: a state of kind {state.get('kind')!r} version {state.get('version')!r}, "
            f"expected {kind!r} version {STATE_VERSION}"
        )


# ----------------------------------------------------------------- classification


def classification_analysis(
    inputs: tuple[Any, Any, Any],
    labels: list[str],
    true_col: NDArray[np.intp],
    pred_col: NDArray[np.intp] | None,
    proba: NDArray[np.float64] | None,
    weights: Any,
    opts: AnalysisOptions,
) -> dict[str, Any]:
    """Classification: intervals, calibration (with probabilities) and the state.

    `inputs` is what the report scored: (ground truth, predicted labels or
    probabilities, the labels they were scored with); `labels` are the classes' names in
    column order, `true_col` each sample's true column, `pred_col` its predicted column
    (labels given) and `proba` the probabilities.
    """
    from modelmetrics._analysis.calibration import classification_calibration
    from modelmetrics._analysis.resampling import classification_bootstrap

    out: dict[str, Any] = {"options": opts.as_dict()}
    y_true, y_pred, scored_labels = inputs
    intervals = classification_bootstrap(
        y_true,
        y_pred,
        labels=scored_labels,
        sample_weight=weights,
        n=opts.n,
        seed=opts.seed,
        level=opts.level,
    )
    intervals["per-class"] = {str(k): v for k, v in intervals["per-class"].items()}
    out["intervals"] = intervals
    if proba is not None and opts.k:
        from modelmetrics._analysis.per_image import confident_mistakes

        mistakes = confident_mistakes(y_true, proba, labels=scored_labels, k=opts.k)
        out["mistakes"] = _rows(mistakes.as_dict())
    if proba is not None:
        out["calibration"] = classification_calibration(
            true_col, proba, n_bins=opts.bins, strategy=opts.strategy
        ).as_dict()
        # Keyed by the class names, as the metrics' per-class entries are.
        out["calibration"]["classes"] = {
            str(labels[int(k)]): v for k, v in out["calibration"]["classes"].items()
        }
    if opts.state:
        state = {**_state_header("classification"), "labels": to_jsonable(list(labels))}
        state["y-true"] = encode_array(np.asarray(true_col, np.int32))
        if proba is not None:
            state["y-score"] = encode_array(np.asarray(proba, np.float64))
        else:
            assert pred_col is not None
            state["y-pred"] = encode_array(np.asarray(pred_col, np.int32))
        if weights is not None:
            state["sample-weight"] = encode_array(np.asarray(weights, np.float64).ravel())
        out["state"] = state
    return to_jsonable(out)  # type: ignore[no-any-return]


# --------------------------------------------------------------------- regression


def regression_analysis(
    inputs: tuple[Any, Any],
    names: list[str],
    weights: Any,
    opts: AnalysisOptions,
) -> dict[str, Any]:
    """Regression: intervals and the state; `inputs` is (targets, predictions) as the
    report scored them, `names` the targets' names."""
    from modelmetrics._analysis.resampling import regression_bootstrap

    y_true, y_pred = inputs
    out: dict[str, Any] = {"options": opts.as_dict()}
    out["intervals"] = regression_bootstrap(
        y_true, y_pred, sample_weight=weights, n=opts.n, seed=opts.seed, level=opts.level
    )
    if opts.k:
        from modelmetrics._analysis.per_image import largest_residuals

        out["residuals"] = _rows(largest_residuals(y_true, y_pred, k=opts.k).as_dict())
    if opts.state:
        state = {**_state_header("regression"), "targets": list(names)}
        state["y-true"] = encode_array(np.asarray(y_true, np.float64))
        state["y-pred"] = encode_array(np.asarray(y_pred, np.float64))
        if weights is not None:
            state["sample-weight"] = encode_array(np.asarray(weights, np.float64).ravel())
        out["state"] = state
    return to_jsonable(out)  # type: ignore[no-any-return]


# ---------------------------------------------------------- semantic segmentation


def semantic_analysis(
    inputs: tuple[Any, Any],
    metrics: Any,
    image_stats: NDArray[np.int64],
    names: list[str],
    opts: AnalysisOptions,
) -> dict[str, Any]:
    """Semantic segmentation: intervals, the worst images by mean IoU, and the state.

    `inputs` is (targets, predictions) as the report paired them; `metrics` was
    computed with per-image IoU; `image_stats` is (n_images, 3, n_classes): per image
    and class its true positives, predicted and target pixels.
    """
    from modelmetrics._analysis.resampling import segmentation_bootstrap

    out: dict[str, Any] = {"options": opts.as_dict()}
    intervals = segmentation_bootstrap(
        *inputs,
        num_classes=metrics.num_classes,
        ignore_index=metrics.ignore_index,
        absent=metrics.absent,
        n=opts.n,
        seed=opts.seed,
        level=opts.level,
    )
    intervals["per-class"] = {names[int(c)]: v for c, v in intervals["per-class"].items()}
    out["intervals"] = intervals
    rows = []
    for i in metrics.worst_images(opts.k).tolist():
        iou = metrics.per_image_iou[i]
        rows.append(
            {
                "image": i,
                "mean-iou": metrics.per_image_mean_iou[i],
                "iou": {names[c]: iou[c] for c in range(len(names)) if not np.isnan(iou[c])},
            }
        )
    out["worst-images"] = rows
    if opts.state:
        state = {
            **_state_header("semantic-segmentation"),
            "classes": list(names),
            "ignore-index": metrics.ignore_index,
            "absent": metrics.absent,
            "n-ignored": metrics.n_ignored,
            "confusion-matrix": encode_array(np.asarray(metrics.confusion_matrix, np.int64)),
            "image-stats": encode_array(np.asarray(image_stats, np.int64)),
        }
        out["state"] = state
    return to_jsonable(out)  # type: ignore[no-any-return]
