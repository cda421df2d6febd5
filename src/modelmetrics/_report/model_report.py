"""``ModelReport``: splits, loss history, JSON export and HTML (see :mod:`modelmetrics.report`)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from modelmetrics._classification.confusion import ConfusionView, confusion_view
from modelmetrics._core.checks import check_option, check_that
from modelmetrics._report.adapters import (
    HEADLINE,
    MODEL_TYPES,
    ModelTypeAdapter,
    SplitEvaluation,
    check_model_type,
    get_adapter,
)
from modelmetrics._report.analysis import check_analysis
from modelmetrics._report.export import atomic_write_text, dumps_strict, load_schema, to_jsonable
from modelmetrics._report.loss_history import Convergence, LossHistory

__all__ = [
    "MODEL_TYPES",
    "SPLITS",
    "Convergence",
    "LossHistory",
    "ModelReport",
    "ModelTypeAdapter",
    "Split",
    "SplitEvaluation",
    "export_schema",
]

Split = Literal["train", "validation", "test"]
SPLITS: tuple[Split, ...] = ("train", "validation", "test")

# Top-level keys this module writes, in the order written; anything else read from an
# export is kept and written after them.
_KNOWN_KEYS = (
    "running",
    "successful",
    "error",
    "modelType",
    "metrics",
    "datasetStats",
    "accuracies",
    "splitLosses",
    "losses",
    "validationLosses",
    "lossTimestamps",
    "lossConvergence",
    "startTime",
    "duration",
)
_REQUIRED_KEYS = ("metrics", "datasetStats")
# Optional top-level keys holding per-split data for the HTML page, and the
# SplitEvaluation attribute each comes from. Not in _KNOWN_KEYS: a reader keeps them
# as it keeps any unknown key, so exports without them stay valid and unchanged.
_PAGE_DATA = (
    ("plots", "plots"),
    ("thresholdCounts", "threshold_counts"),
    ("operatingPoints", "operating_points"),
    ("analysis", "analysis"),
)
# Labels of a confusion matrix that are not classes: always shown, last, never
# folded into "other" (detection's unmatched column and row).
_PINNED_LABELS = ("background",)

# Metric names that tell a model type apart, for exports without ``modelType`` (such as
# SmartML's "Export All Metrics" file), in the order they are tried.
_TELLING_METRICS = (
    ("per-keypoint", "keypoints"),
    ("mean-iou", "semantic-segmentation"),
    ("map", "detection"),
    ("mean-squared-error", "regression"),
    ("mean-absolute-error", "regression"),
    ("r2-score", "regression"),
    ("accuracy", "classification"),
    ("confusion-matrix", "classification"),
)


def export_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every export validates against.

    Examples
    --------
    >>> from modelmetrics._report.model_report import export_schema
    >>> export_schema()["required"][:4]
    ['running', 'successful', 'error', 'modelType']
    """
    return load_schema()


class ModelReport:
    """A model's metrics per split, its loss history, and their export.

    Parameters
    ----------
    model_type : {"classification", "regression", "detection", \
"instance-segmentation", "semantic-segmentation", "keypoints"}
        Which metrics to compute.
    labels : sequence or mapping, default=None
        Classification: the classes, in order (the columns of class probabilities).
        Regression: the target name(s). Detection, instance segmentation and
        keypoints: ``{class id: name}``. Semantic segmentation: the class names in
        index order (or ``{index: name}``).
    loss_history : LossHistory, default=None
        Training and validation loss over time (an empty history when None).
    start_time : float, default=None
        When the evaluation started, in epoch seconds; now when None.

    Examples
    --------
    >>> from modelmetrics._report.model_report import ModelReport
    >>> report = ModelReport("regression", labels="price")
    >>> _ = report.add_split("test", [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    >>> sorted(report.metrics("test"))[:3]
    ['explained-variance-score', 'max-error', 'mean-absolute-error']
    >>> report.dataset_stats("test"), report.split_loss("test")
    ({'regression': {'price': 4}}, 0.375)
    >>> text = report.to_json()
    >>> ModelReport.from_json(text).to_json() == text
    True
    """

    def __init__(
        self,
        model_type: Literal[
            "classification",
            "regression",
            "detection",
            "instance-segmentation",
            "semantic-segmentation",
            "keypoints",
        ],
        labels: Any = None,
        *,
        loss_history: LossHistory | None = None,
        start_time: float | None = None,
    ) -> None:
        self._adapter: ModelTypeAdapter | None = get_adapter(model_type)
        self._init(model_type, labels, loss_history, start_time)

    def _init(
        self,
        model_type: str,
        labels: Any,
        loss_history: LossHistory | None,
        start_time: float | None,
    ) -> None:
        check_that(
            loss_history is None or isinstance(loss_history, LossHistory),
            "loss_history",
            "a LossHistory or None",
            loss_history,
        )
        self.model_type = model_type
        self.labels = labels
        self.loss_history = LossHistory() if loss_history is None else loss_history
        self.start_time = time.time() if start_time is None else float(start_time)
        self.duration = 0.0
        self.running = False
        self.successful = True
        self.error: str | None = None
        self._evaluations: dict[str, SplitEvaluation] = {}
        self._extra: dict[str, Any] = {}

    # ------------------------------------------------------------------ building

    def add_split(
        self,
        name: Split,
        ground_truth: Any,
        predictions: Any,
        *,
        loss: float | None = None,
        threshold: float | None = None,
        analysis: bool | Mapping[str, Any] = False,
        **options: Any,
    ) -> ModelReport:
        """Evaluate one split and add it to the report.

        Parameters
        ----------
        name : {"train", "validation", "test"}
            The split.
        ground_truth, predictions
            The model type's inputs: class labels and predicted labels or class
            probabilities (classification), targets and predictions (regression),
            what :func:`modelmetrics.detection.evaluate_detections` takes (detection),
            :func:`~modelmetrics.instance_segmentation.evaluate_instance_segmentation`
            (instance segmentation) or :func:`modelmetrics.keypoints.evaluate_keypoints`
            (keypoints), or label maps ``(H, W)``, ``(N, H, W)`` or a list of
            ``(H, W)`` maps, predictions also as class scores (semantic segmentation).
        loss : float, default=None
            The split's loss as the training code computed it. When None it is
            computed where the inputs allow: cross-entropy from class probabilities,
            mean squared error for regression.
        threshold : float, default=None
            Threshold of the split's accuracy: probability (classification, default
            0.5), score (detection and keypoints, default 0.5) or error tolerance
            (regression; no accuracy without it). Semantic segmentation takes none:
            its accuracy is the pixel accuracy.
        **options
            Passed on: ``sample_weight`` (classification, regression);
            ``iou_threshold``, ``max_detections``, ``box_format``, ``classes``
            (detection; instance segmentation without ``box_format``; keypoints
            also ``sigmas`` and ``keypoint_names``, ``iou_threshold`` being an OKS);
            ``num_classes``, ``ignore_index``, ``absent`` (semantic segmentation).

        Returns
        -------
        ModelReport
            This report, for chaining.

        Raises
        ------
        ValueError, TypeError
            For an unknown or repeated split name and for invalid inputs (the
            message names the argument).
        """
        check_option("name", name, SPLITS)
        if name in self._evaluations:
            raise ValueError(f"split {name!r} was already added to this report")
        chosen = check_analysis(analysis)
        if self._adapter is None:  # read from an export
            self._adapter = get_adapter(self.model_type)
        evaluation = self._adapter.evaluate(
            ground_truth,
            predictions,
            labels=self.labels,
            threshold=threshold,
            loss=loss,
            options=options,
            # Only when asked for: an adapter written before the analysis still works.
            **({} if chosen is None else {"analysis": chosen}),
        )
        self._evaluations[name] = evaluation
        self.duration = max(0.0, time.time() - self.start_time)
        return self

    def fail(self, error: str) -> ModelReport:
        """Mark the evaluation as failed with `error` (kept in the export)."""
        self.successful = False
        self.error = str(error)
        return self

    # ------------------------------------------------------------------- reading

    @property
    def splits(self) -> list[str]:
        """Names of the splits added, in train, validation, test order."""
        return [s for s in SPLITS if s in self._evaluations] + [
            s for s in self._evaluations if s not in SPLITS
        ]

    def _split(self, name: str) -> SplitEvaluation:
        try:
            return self._evaluations[name]
        except KeyError:
            raise KeyError(f"split {name!r} is not in the report (has {self.splits})") from None

    def metrics(self, split: str) -> dict[str, Any]:
        """The split's metrics (JSON-native, kebab-case names)."""
        return self._split(split).metrics

    def dataset_stats(self, split: str) -> dict[str, dict[str, int]]:
        """``{task: {label: count}}`` of the split."""
        return self._split(split).dataset_stats

    def split_loss(self, split: str) -> float | None:
        """The split's loss, or None when neither given nor computable."""
        return self._split(split).loss

    def accuracy(self, split: str) -> dict[str, float | None] | None:
        """``{"accuracy", "threshold"}`` of the split, or None."""
        return self._split(split).accuracy

    def confusion_view(
        self,
        split: str,
        *,
        order: Literal["most-confused", "most-common"] = "most-confused",
        classes: ArrayLike | None = None,
        max_classes: int | None = 7,
    ) -> ConfusionView:
        """The split's confusion matrix ranked, filtered and capped for display.

        See :func:`modelmetrics.classification.confusion_view`; classes beyond
        `max_classes` are summed into an ``other`` row and column. Detection's
        ``background`` row and column (missed objects, unmatched detections) are not
        classes: always shown last, never filtered out, folded or counted in
        `max_classes`.

        Raises
        ------
        ValueError
            If the split's metrics have no confusion matrix (regression).
        """
        cm = self.metrics(split).get("confusion-matrix")
        if not isinstance(cm, Mapping):
            raise ValueError(
                f"split {split!r} of a {self.model_type} report has no confusion matrix"
            )
        labels = np.empty(len(cm["labels"]), dtype=object)
        labels[:] = cm["labels"]
        matrix = np.asarray(cm["matrix"])
        view = confusion_view(
            matrix, labels, order=order, classes=classes, max_classes=max_classes
        )  # validates the arguments, and is the answer without pinned labels
        pinned = [
            i
            for i, label in enumerate(cm["labels"])
            if label in _PINNED_LABELS and self.model_type in ("detection", "instance-segmentation")
        ]
        if not pinned:
            return view
        return _pinned_view(matrix, list(cm["labels"]), pinned, order, classes, max_classes)

    # -------------------------------------------------------------------- export

    def to_dict(self) -> dict[str, Any]:
        """The export as JSON-native values (see the module docstring for the keys)."""
        history = self.loss_history
        splits = self.splits
        out: dict[str, Any] = {
            "running": self.running,
            "successful": self.successful,
            "error": self.error,
            "modelType": self.model_type,
            "metrics": {s: self._evaluations[s].metrics for s in splits},
            "datasetStats": {s: self._evaluations[s].dataset_stats for s in splits},
            "accuracies": {
                s: self._evaluations[s].accuracy
                for s in splits
                if self._evaluations[s].accuracy is not None
            },
            "splitLosses": {s: self._evaluations[s].loss for s in splits},
            "losses": history.losses,
            "validationLosses": history.validation_losses,
            "lossTimestamps": history.timestamps,
            "lossConvergence": history.convergence().as_dict(),
            "startTime": self.start_time,
            "duration": self.duration,
        }
        # Optional per-split data for the page, written only when a split has it (an
        # export read back keeps them among its unknown keys, in their place).
        extra = dict(self._extra)
        for key, attribute in _PAGE_DATA:
            values = {
                s: getattr(self._evaluations[s], attribute)
                for s in splits
                if getattr(self._evaluations[s], attribute) is not None
            }
            if values:
                earlier = extra.pop(key, None)
                out[key] = {**earlier, **values} if isinstance(earlier, Mapping) else values
        out.update(extra)
        jsonable: dict[str, Any] = to_jsonable(out)
        return jsonable

    def to_json(self, path: str | os.PathLike[str] | None = None, *, indent: int | None = 2) -> str:
        """The export as strict JSON text; also written atomically to `path` if given.

        The file is replaced only once the new text is complete and synced: a failure
        leaves the previous file (or none) in place and no temporary file behind.
        """
        text = dumps_strict(self.to_dict(), indent=indent) + "\n"
        if path is not None:
            atomic_write_text(path, text)
        return text

    def to_html(
        self, path: str | os.PathLike[str] | None = None, *, title: str | None = None
    ) -> str:
        """One self-contained HTML page of the report; also written atomically to `path`."""
        from modelmetrics._report.html import render_html

        page = render_html(self.to_dict(), headline=HEADLINE.get(self.model_type, ()), title=title)
        if path is not None:
            atomic_write_text(path, page)
        return page

    @classmethod
    def from_json(
        cls, source: str | os.PathLike[str], *, model_type: str | None = None
    ) -> ModelReport:
        """Read an export: JSON text, or the path of a file holding it.

        Unknown keys are kept and written back by :meth:`to_json`, so a report read
        and written again gives the same JSON.

        An export without ``modelType`` (SmartML's "Export All Metrics" file has
        none) gets the type its content shows: the task named in ``datasetStats``
        (``{"train": {"regression": {...}}}``), else its metric names (``per-keypoint``:
        keypoints; ``mean-iou``: semantic segmentation; ``map``: detection, which
        instance segmentation shares; the regression errors; ``accuracy`` or a
        confusion matrix: classification). SmartML's ``"error": false`` reads as no
        error (None) and ``true`` as an error without a message.

        Parameters
        ----------
        source : str or path-like
            JSON text, or the path of a file holding it.
        model_type : str, default=None
            The model type, for an export that has no ``modelType`` (it then takes
            precedence over the inferred one); it must agree with ``modelType``
            where the export has one.

        Raises
        ------
        ValueError
            If the text is not JSON, a required key is missing or has the wrong
            type (the message names the key), or the model type is neither given
            nor inferable.
        """
        if isinstance(source, str) and source.lstrip().startswith("{"):
            text = source
        else:
            text = Path(source).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON report: {exc}") from exc
        return cls.from_dict(data, model_type=model_type)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, model_type: str | None = None) -> ModelReport:
        """Build a report from an export's parsed JSON (see :meth:`from_json`)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a report export is a JSON object, got {type(data).__name__}")
        for key in _REQUIRED_KEYS:
            if key not in data:
                raise ValueError(f"report export: missing key {key!r}")
        if model_type is not None:
            model_type = check_model_type(model_type)
        if "modelType" in data:
            written = check_model_type(data["modelType"])
            if model_type is not None and model_type != written:
                raise ValueError(
                    f"model_type={model_type!r} but the export's modelType is {written!r}"
                )
            model_type = written
        elif model_type is None:
            model_type = _infer_model_type(data)
        report = cls.__new__(cls)
        report._adapter = None  # looked up when a split is added
        convergence = _mapping(data, "lossConvergence") if data.get("lossConvergence") else {}
        history = LossHistory.from_arrays(
            _list(data, "losses"),
            _list(data, "validationLosses"),
            timestamps=_list(data, "lossTimestamps") or None,
            patience=convergence.get("patience", 5),
            min_delta=convergence.get("min-delta", 0.0),
        )
        report._init(model_type, None, history, _number(data, "startTime", time.time()))
        report.duration = _number(data, "duration", 0.0)
        report.running = bool(data.get("running", False))
        report.successful = bool(data.get("successful", True))
        report.error = _error(data.get("error"))
        metrics = _mapping(data, "metrics")
        stats = _mapping(data, "datasetStats")
        accuracies = _mapping(data, "accuracies")
        losses = _mapping(data, "splitLosses")
        for split, values in metrics.items():
            if not isinstance(values, Mapping):
                raise ValueError(
                    f"report export: metrics of split {split!r} must be an object, "
                    f"got {type(values).__name__}"
                )
            report._evaluations[split] = SplitEvaluation(
                metrics=dict(values),
                dataset_stats=stats.get(split, {}),
                loss=losses.get(split),
                accuracy=accuracies.get(split),
            )
        report._extra = {k: v for k, v in data.items() if k not in _KNOWN_KEYS}
        return report

    def __repr__(self) -> str:
        return f"ModelReport({self.model_type!r}, splits={self.splits})"


def _infer_model_type(data: Mapping[str, Any]) -> str:
    """The model type an export without ``modelType`` shows (see ``from_json``)."""
    stats = _mapping(data, "datasetStats")
    tasks = {task for split in stats.values() if isinstance(split, Mapping) for task in split}
    if len(tasks) == 1 and next(iter(tasks)) in MODEL_TYPES:
        return str(next(iter(tasks)))
    metrics = _mapping(data, "metrics")
    names = {name for split in metrics.values() if isinstance(split, Mapping) for name in split}
    for name, model_type in _TELLING_METRICS:
        if name in names:
            return model_type
    shown = ", ".join(sorted(names)[:8]) or "none"
    raise ValueError(
        "report export: no 'modelType', and neither its datasetStats tasks "
        f"({', '.join(sorted(map(str, tasks))) or 'none'}) nor its metric names ({shown}) "
        "tell the model type; pass model_type="
    )


def _error(value: object) -> str | None:
    """The export's ``error``: a message or None (SmartML writes a boolean)."""
    if value is None or value is False:
        return None
    if value is True:
        return "the export marks an error without a message"
    if isinstance(value, str):
        return value
    raise ValueError(f"report export: 'error' must be a string, null or a boolean, got {value!r}")


def _pinned_view(
    cm: np.ndarray[Any, Any],
    labels: list[Any],
    pinned: list[int],
    order: str,
    classes: ArrayLike | None,
    max_classes: int | None,
) -> ConfusionView:
    """:func:`confusion_view` with the `pinned` rows/columns kept apart, in place at
    the end: ranked, filtered and capped are the other labels only."""
    if order == "most-confused":
        score = cm.sum(axis=0) + cm.sum(axis=1) - 2 * np.diagonal(cm)
    else:
        score = cm.sum(axis=1)
    wanted = None if classes is None else set(np.asarray(classes).reshape(-1).tolist())
    candidates = [
        i for i in range(len(labels)) if i not in pinned and (wanted is None or labels[i] in wanted)
    ]
    ranked = sorted(candidates, key=lambda i: -score[i])  # stable: ties keep order
    shown = ranked if max_classes is None else ranked[:max_classes]
    rest = [i for i in range(len(labels)) if i not in shown and i not in pinned]
    groups = [[i] for i in shown] + ([rest] if rest else []) + [[i] for i in pinned]
    out = np.zeros((len(groups), len(groups)), dtype=cm.dtype)
    for r, row_group in enumerate(groups):
        for c, col_group in enumerate(groups):
            out[r, c] = cm[np.ix_(row_group, col_group)].sum()
    names = [labels[i] for i in shown] + (["other"] if rest else []) + [labels[i] for i in pinned]
    return ConfusionView(names, out, order, [labels[i] for i in rest])


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ValueError(f"report export: {key!r} must be an object, got {type(value).__name__}")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"report export: {key!r} must be an array, got {type(value).__name__}")
    return value


def _number(data: Mapping[str, Any], key: str, default: float) -> float:
    value: float = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"report export: {key!r} must be a number, got {value!r}")
    return value  # an int stays an int, so the JSON reads back as it was written
