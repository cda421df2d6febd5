"""One adapter per model type: how a split's inputs become the report's JSON pieces.

:class:`ModelReport` knows nothing about any model type. It asks the adapter
registered for its type to evaluate a split and gets back a :class:`SplitEvaluation`:
the split's metrics (JSON-native, kebab-case names), its dataset statistics, its loss
and its accuracy at a threshold. Adding a model type is one subclass of
:class:`ModelTypeAdapter` and one entry in ``ADAPTERS``; the report, the JSON export,
the HTML page and the command line pick it up from there.

A model type whose metrics have not landed yet is declared in ``PENDING`` (empty now
that every type has its adapter): asking for it raises ``NotImplementedError`` saying so.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.arrays import as_array, check_finite
from modelmetrics._report.export import to_jsonable

__all__ = [
    "ADAPTERS",
    "HEADLINE",
    "MODEL_TYPES",
    "PENDING",
    "ClassificationAdapter",
    "DetectionAdapter",
    "InstanceSegmentationAdapter",
    "ModelTypeAdapter",
    "RegressionAdapter",
    "SemanticSegmentationAdapter",
    "SplitEvaluation",
    "check_model_type",
    "get_adapter",
]

MODEL_TYPES = (
    "classification",
    "regression",
    "detection",
    "instance-segmentation",
    "semantic-segmentation",
)

# Headline metrics per model type, in display order (the HTML page shows these first).
HEADLINE: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "balanced-accuracy", "macro-f1", "weighted-f1"),
    "regression": (
        "mean-absolute-error",
        "mean-squared-error",
        "r2-score",
        "explained-variance-score",
        "mean-error",
        "max-error",
    ),
    "detection": ("map", "map50", "map75", "mar-100"),
    "instance-segmentation": ("map", "map50", "map75", "mar-100"),
    "semantic-segmentation": (
        "mean-iou",
        "pixel-accuracy",
        "mean-class-accuracy",
        "frequency-weighted-iou",
    ),
}

# Model types in the format whose metrics have not landed: {model type: what is missing}.
PENDING: dict[str, str] = {}


@dataclass(frozen=True)
class SplitEvaluation:
    """What an adapter returns for one split; every value JSON-native.

    Attributes
    ----------
    metrics : dict
        The split's metrics under kebab-case names (per-class values under
        ``"per-class"``, the confusion matrix under ``"confusion-matrix"`` as
        ``{"labels", "matrix"}``).
    dataset_stats : dict
        ``{task: {label: count}}``: samples (or instances, or pixels) per label.
    loss : float or None
        The split's loss, given or computed; None when neither.
    accuracy : dict or None
        ``{"accuracy": float, "threshold": float or None}``, or None when the model
        type has no accuracy for these inputs.
    """

    metrics: dict[str, Any]
    dataset_stats: dict[str, dict[str, int]]
    loss: float | None = None
    accuracy: dict[str, float | None] | None = field(default=None)


class ModelTypeAdapter(ABC):
    """Evaluates one split of one model type (see the module docstring).

    Subclasses set ``model_type`` and ``task`` (the ``datasetStats`` key) and
    implement :meth:`evaluate`. `labels` is what the user gave ``ModelReport``;
    `threshold` is None when the user gave none (the adapter picks its default);
    `loss` is a user-supplied loss, which takes precedence over a computed one;
    `options` holds the remaining keyword arguments of ``add_split``.
    """

    model_type: ClassVar[str]
    task: ClassVar[str]

    @abstractmethod
    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
    ) -> SplitEvaluation:
        """Metrics, dataset statistics, loss and accuracy of one split."""

    @staticmethod
    def _no_options(options: Mapping[str, Any], allowed: Sequence[str]) -> None:
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            listed = ", ".join(allowed) or "none"
            raise TypeError(
                f"unexpected option(s) {unknown} for this model type (accepted: {listed})"
            )


def _check_threshold(threshold: object, name: str = "threshold") -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"{name} must be a number, got {threshold!r}")
    if math.isnan(float(threshold)):
        raise ValueError(f"{name} must not be NaN")
    return float(threshold)


def _check_loss(loss: object) -> float | None:
    if loss is None:
        return None
    if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
        raise TypeError(f"loss must be a number or None, got {loss!r}")
    return float(loss)


def _counts(columns: NDArray[np.intp], labels: Sequence[Any]) -> dict[str, int]:
    """Samples per label, from each sample's position in `labels`."""
    counts = np.bincount(columns, minlength=len(labels))
    return {str(label): int(n) for label, n in zip(labels, counts.tolist(), strict=True)}


def _columns_of(y_true: NDArray[Any], names: NDArray[Any]) -> NDArray[np.intp]:
    """Position of each label of `y_true` in `names`; ValueError naming unknown labels."""
    order = np.argsort(names, kind="stable")
    ordered = names[order]
    try:
        pos = np.searchsorted(ordered, y_true)
        found = pos < len(ordered)
        found[found] = ordered[pos[found]] == y_true[found]
    except TypeError:  # e.g. string labels against integer names
        found = np.zeros(y_true.shape[0], dtype=bool)
        pos = found.astype(np.intp)
    if not found.all():
        unknown = sorted({str(v) for v in y_true[~found].tolist()})
        raise ValueError(f"ground_truth has labels {unknown} not among labels {names.tolist()}")
    return np.asarray(order[pos], dtype=np.intp)


# --------------------------------------------------------------------- classification


class ClassificationAdapter(ModelTypeAdapter):
    """Class labels, or class probabilities of shape (n_samples, n_classes).

    With probabilities, the predicted class is the most probable one, the loss is the
    cross-entropy ``-mean(log p[true class])`` (probabilities clipped to
    ``[eps, 1]``), each class gets its one-vs-rest average precision (``ap``), and the
    accuracy at `threshold` (default 0.5) counts a sample as right when its predicted
    class is true and has probability >= `threshold` (for two classes: the second
    label is positive when its probability is >= `threshold`). With labels only,
    accuracy is plain accuracy and its threshold is None.
    """

    model_type = "classification"
    task = "classification"

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
    ) -> SplitEvaluation:
        from modelmetrics.classification import (
            accuracy_at_threshold,
            average_precision_score,
            classification_metrics,
        )

        self._no_options(options, ("sample_weight",))
        weights = options.get("sample_weight")
        y_true = as_array("ground_truth", ground_truth)
        y_pred = as_array("predictions", predictions)
        given_loss = _check_loss(loss)
        if y_pred.ndim != 2:
            metrics = classification_metrics(y_true, y_pred, labels=labels, sample_weight=weights)
            out = metrics.as_dict()
            # Sample counts per class are the confusion matrix's row sums, unweighted.
            counted = (
                metrics
                if weights is None
                else classification_metrics(y_true, y_pred, labels=labels)
            )
            rows = counted.confusion_matrix.sum(axis=1).tolist()
            stats = {str(c): int(n) for c, n in zip(counted.labels.tolist(), rows, strict=True)}
            return SplitEvaluation(
                metrics=to_jsonable(out),
                dataset_stats={self.task: stats},
                loss=given_loss,
                accuracy={"accuracy": to_jsonable(metrics.accuracy), "threshold": None},
            )
        proba = _probabilities(y_pred)
        names = np.arange(proba.shape[1]) if labels is None else np.asarray(labels)
        if names.shape != (proba.shape[1],):
            raise ValueError(
                f"predictions has {proba.shape[1]} probability columns but labels has "
                f"{names.size} entries"
            )
        if y_true.ndim != 1 or y_true.shape[0] != proba.shape[0]:
            raise ValueError(
                f"ground_truth must be 1-D with one label per row of predictions "
                f"({proba.shape[0]}), got shape {y_true.shape}"
            )
        true_col = _columns_of(y_true, names)
        pred_col = np.argmax(proba, axis=1)
        metrics = classification_metrics(
            y_true, names[pred_col], labels=names, sample_weight=weights
        )
        out = metrics.as_dict()
        by_class = np.ascontiguousarray(proba.T)  # one contiguous score column per class
        for j, label in enumerate(names.tolist()):
            positives = true_col == j
            ap = None
            if positives.any() and not positives.all():
                ap = float(average_precision_score(positives, by_class[j], sample_weight=weights))
            out["per-class"][str(label)]["ap"] = ap
        computed = _cross_entropy(proba, true_col, weights)
        thr = 0.5 if threshold is None else _check_threshold(threshold)
        if proba.shape[1] == 2:
            acc = accuracy_at_threshold(
                true_col == 1, proba[:, 1], threshold=thr, sample_weight=weights
            ).accuracy
        else:
            hit = (pred_col == true_col) & (proba[np.arange(len(pred_col)), pred_col] >= thr)
            acc = float(np.average(hit, weights=weights))
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: _counts(true_col, names.tolist())},
            loss=computed if given_loss is None else given_loss,
            accuracy={"accuracy": acc, "threshold": thr},
        )


def _probabilities(values: NDArray[Any]) -> NDArray[np.float64]:
    if values.dtype.kind not in "biuf":
        raise TypeError(f"class probabilities must be numeric, got dtype {values.dtype}")
    proba = np.ascontiguousarray(values, dtype=np.float64)
    if proba.shape[1] < 2:
        raise ValueError(f"class probabilities need at least 2 columns, got {proba.shape[1]}")
    check_finite("predictions", proba)
    if proba.size and (proba.min() < 0 or proba.max() > 1):
        raise ValueError("predictions: class probabilities must lie in [0, 1]")
    return proba


def _cross_entropy(proba: NDArray[np.float64], true_col: NDArray[np.intp], weights: Any) -> float:
    eps = np.finfo(np.float64).eps
    picked = np.clip(proba[np.arange(len(true_col)), true_col], eps, 1.0)
    return float(np.average(-np.log(picked), weights=weights))


# ------------------------------------------------------------------------- regression


_REGRESSION_KEYS = (
    "mean-error",
    "max-error",
    "mean-absolute-error",
    "mean-squared-error",
    "r2-score",
    "explained-variance-score",
)


class RegressionAdapter(ModelTypeAdapter):
    """Targets of shape (n_samples,) or (n_samples, n_outputs).

    `labels` names the targets (default ``"target"``, or ``"target-0"``, ... for
    several outputs). The loss is the mean squared error; the accuracy is the share
    of samples within `threshold` of the truth, reported only when a threshold is
    given.
    """

    model_type = "regression"
    task = "regression"

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
    ) -> SplitEvaluation:
        from modelmetrics._regression.metrics import regression_metrics

        self._no_options(options, ("sample_weight",))
        metrics = regression_metrics(
            ground_truth,
            predictions,
            sample_weight=options.get("sample_weight"),
            threshold=threshold,
        )
        y_true = np.asarray(ground_truth)
        n_outputs = 1 if y_true.ndim == 1 else int(y_true.shape[1])
        names = _target_names(labels, n_outputs)
        values = metrics.as_dict()
        given_loss = _check_loss(loss)
        accuracy = None
        if threshold is not None:
            accuracy = {"accuracy": values["accuracy"], "threshold": values["threshold"]}
        return SplitEvaluation(
            metrics={key: values[key] for key in _REGRESSION_KEYS},
            dataset_stats={self.task: {name: int(y_true.shape[0]) for name in names}},
            loss=to_jsonable(metrics.mean_squared_error) if given_loss is None else given_loss,
            accuracy=accuracy,
        )


def _target_names(labels: Any, n_outputs: int) -> list[str]:
    if labels is None:
        return ["target"] if n_outputs == 1 else [f"target-{i}" for i in range(n_outputs)]
    names = [labels] if isinstance(labels, str) else [str(v) for v in labels]
    if len(names) != n_outputs:
        raise ValueError(f"labels names {len(names)} targets, the data has {n_outputs}")
    return names


# -------------------------------------------------------------------------- detection


class DetectionAdapter(ModelTypeAdapter):
    """COCO data or per-image arrays, as :func:`modelmetrics.detection.evaluate_detections`.

    `labels` maps class ids to names (used for the per-class keys, the confusion
    matrix and the dataset statistics). `threshold` is the score threshold for the
    per-class counts (default 0.5); the accuracy is ``TP / (TP + FP + FN)`` summed
    over classes at that threshold and IoU >= ``iou_threshold`` (option, default 0.5).
    Dataset statistics count the non-crowd ground-truth instances per class.
    """

    model_type = "detection"
    task = "detection"
    options: tuple[str, ...] = ("iou_threshold", "max_detections", "box_format", "classes")

    def _metrics(self, ground_truth: Any, predictions: Any, **kwargs: Any) -> Any:
        from modelmetrics._detection.api import evaluate_detections

        return evaluate_detections(ground_truth, predictions, **kwargs)

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
    ) -> SplitEvaluation:
        self._no_options(options, self.options)
        thr = 0.5 if threshold is None else _check_threshold(threshold)
        metrics = self._metrics(ground_truth, predictions, score_threshold=thr, **options)
        names = _class_names(labels)
        out = metrics.as_dict(curves=True)
        out["per-class"] = {
            names.get(label, str(label)): values
            for label, values in zip(metrics.classes, out["per-class"].values(), strict=True)
        }
        out["confusion-matrix"]["labels"] = [
            names.get(label, label) for label in out["confusion-matrix"]["labels"]
        ]
        tp = sum(m.tp for m in metrics.classes.values())
        wrong = sum(m.fp + m.fn for m in metrics.classes.values())
        accuracy = tp / (tp + wrong) if tp + wrong else None
        stats = {names.get(label, str(label)): m.support for label, m in metrics.classes.items()}
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: stats},
            loss=_check_loss(loss),
            accuracy={"accuracy": accuracy, "threshold": thr},
        )


class InstanceSegmentationAdapter(DetectionAdapter):
    """COCO data with segmentations or per-image masks, as
    :func:`modelmetrics.instance_segmentation.evaluate_instance_segmentation`: the
    detection outputs with mask IoU."""

    model_type = "instance-segmentation"
    task = "instance-segmentation"
    options = ("iou_threshold", "max_detections", "classes")

    def _metrics(self, ground_truth: Any, predictions: Any, **kwargs: Any) -> Any:
        from modelmetrics._detection.instance_api import evaluate_instance_segmentation

        return evaluate_instance_segmentation(ground_truth, predictions, **kwargs)


def _class_names(labels: Any) -> dict[Any, str]:
    if labels is None:
        return {}
    if isinstance(labels, Mapping):
        return {k: str(v) for k, v in labels.items()}
    raise TypeError(
        f"labels for detection must map class ids to names, got {type(labels).__name__}"
    )


# ---------------------------------------------------------------- semantic segmentation


class SemanticSegmentationAdapter(ModelTypeAdapter):
    """Label maps, as :func:`modelmetrics.segmentation.segmentation_metrics`.

    `ground_truth` is an integer array of label maps, ``(H, W)`` or ``(N, H, W)``, or
    a sequence of ``(H, W)`` maps (sizes may differ); `predictions` has the same form,
    with label maps or float class scores (``(C, H, W)`` per map, ``(N, C, H, W)``
    for a batch) whose arg max is the predicted class. `labels` names the classes in
    index order (a sequence, or a mapping ``{index: name}``). Options: ``num_classes``
    (default: the number of `labels`, else the scores' class axis, else the largest
    label in either input plus one, `ignore_index` not counted), ``ignore_index`` and
    ``absent`` (see :class:`~modelmetrics.segmentation.SegmentationAccumulator`).

    The accuracy is the pixel accuracy. It has no threshold: a `threshold` is
    rejected rather than silently ignored. The loss is only ever the one given.
    Dataset statistics count the target pixels per class (ignored pixels left out).
    """

    model_type = "semantic-segmentation"
    task = "semantic-segmentation"
    options = ("num_classes", "ignore_index", "absent")

    def evaluate(
        self,
        ground_truth: Any,
        predictions: Any,
        *,
        labels: Any,
        threshold: float | None,
        loss: float | None,
        options: Mapping[str, Any],
    ) -> SplitEvaluation:
        from modelmetrics._semantic.metrics import SegmentationAccumulator

        self._no_options(options, self.options)
        if threshold is not None:
            raise ValueError(
                "threshold does not apply to semantic segmentation: its accuracy is the "
                "pixel accuracy (threshold null)"
            )
        given_loss = _check_loss(loss)
        targets = _label_maps(ground_truth, "ground_truth")
        preds = _label_maps(predictions, "predictions")
        # A batch array against a list of maps: pair the batch's maps with the list.
        if len(preds) == 1 < len(targets) and preds[0].shape[:1] == (len(targets),):
            preds = list(preds[0])
        elif len(targets) == 1 < len(preds) and targets[0].shape[:1] == (len(preds),):
            targets = list(targets[0])
        if len(targets) != len(preds):
            raise ValueError(
                f"ground_truth has {len(targets)} label maps but predictions has {len(preds)}"
            )
        ignore_index = options.get("ignore_index")
        num_classes = options.get("num_classes")
        if num_classes is None:
            num_classes = _infer_num_classes(labels, targets, preds, ignore_index)
        acc = SegmentationAccumulator(
            num_classes,
            ignore_index=ignore_index,
            absent=options.get("absent", "skip"),
            class_names=_segmentation_names(labels, num_classes),
        )
        for pred, target in zip(preds, targets, strict=True):
            acc.update(pred, target)
        metrics = acc.compute()
        out = metrics.as_dict()
        stats = {name: values["support"] for name, values in out["per-class"].items()}
        return SplitEvaluation(
            metrics=to_jsonable(out),
            dataset_stats={self.task: stats},
            loss=given_loss,
            accuracy={"accuracy": out["pixel-accuracy"], "threshold": None},
        )


def _label_maps(value: Any, name: str) -> list[NDArray[Any]]:
    """`value` as a list of arrays, each one map or a batch of maps (axis 0)."""
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(f"{name} has no label maps")
        items = [as_array(f"{name}[{i}]", item) for i, item in enumerate(value)]
        if all(item.ndim >= 2 for item in items):
            return items
    array = as_array(name, value)
    if array.ndim < 2:
        raise ValueError(f"{name} must be label maps of 2 or more axes, got shape {array.shape}")
    return [array]


def _infer_num_classes(
    labels: Any,
    targets: Sequence[NDArray[Any]],
    preds: Sequence[NDArray[Any]],
    ignore_index: Any,
) -> int:
    if labels is not None and not isinstance(labels, Mapping):
        return len(_name_list(labels))
    # Scores carry the class count on their class axis (one more axis than the target).
    for pred, target in zip(preds, targets, strict=True):
        if pred.dtype.kind == "f" and pred.ndim == target.ndim + 1:
            return int(pred.shape[-3])
    top = -1
    for array in (*targets, *preds):
        if array.size == 0 or array.dtype.kind not in "biu":
            continue  # the accumulator names non-integer maps
        high = int(array.max())
        if ignore_index is not None and high == ignore_index:
            rest = array[array != ignore_index]
            high = int(rest.max()) if rest.size else -1
        top = max(top, high)
    if isinstance(labels, Mapping):
        top = max([top, *(int(k) for k in labels)])
    if top < 0:
        raise ValueError("cannot infer num_classes: no class label in the inputs; pass it")
    return top + 1


def _name_list(labels: Any) -> list[str]:
    if isinstance(labels, str) or not isinstance(labels, Sequence | np.ndarray):
        raise TypeError(
            "labels for semantic segmentation must be class names in index order or a "
            f"mapping {{index: name}}, got {type(labels).__name__}"
        )
    return [str(v) for v in labels]


def _segmentation_names(labels: Any, num_classes: int) -> list[str] | None:
    if labels is None:
        return None
    if isinstance(labels, Mapping):
        return [str(labels.get(i, i)) for i in range(num_classes)]
    names = _name_list(labels)
    if len(names) != num_classes:
        raise ValueError(f"labels names {len(names)} classes, but num_classes is {num_classes}")
    return names


ADAPTERS: dict[str, ModelTypeAdapter] = {
    adapter.model_type: adapter
    for adapter in (
        ClassificationAdapter(),
        RegressionAdapter(),
        DetectionAdapter(),
        InstanceSegmentationAdapter(),
        SemanticSegmentationAdapter(),
    )
}


def check_model_type(model_type: object) -> str:
    """`model_type` if it is one of :data:`MODEL_TYPES`; ``ValueError`` otherwise."""
    if model_type not in MODEL_TYPES:
        listed = ", ".join(MODEL_TYPES)
        raise ValueError(f"model_type must be one of {listed}; got {model_type!r}")
    return str(model_type)


def get_adapter(model_type: str) -> ModelTypeAdapter:
    """The adapter of `model_type`.

    Raises
    ------
    NotImplementedError
        For a model type whose metrics have not landed yet (see ``PENDING``).
    ValueError
        For an unknown model type.
    """
    check_model_type(model_type)
    if model_type in ADAPTERS:
        return ADAPTERS[model_type]
    raise NotImplementedError(
        f"model type {model_type!r} is not available yet: the report gains it when "
        f"{PENDING[model_type]} lands"
    )
